"""Writers: a simulation as the files analysts have (MarineCadastre CSV, NMEA, Parquet) + truth.

``write(sim, out_dir, format=...)`` writes the AIS file (``ais.csv``, ``ais.nmea`` or
``ais.parquet``), ``truth.parquet``, ``truth.json``, ``controls.parquet``, ``roster.parquet``,
``watchlist.csv`` when the scenario comes with one, and ``manifest.json`` (what was added on top
of the clean positions, so readers can check their row accounting). The CSV and NMEA files
carry the mess real files have: duplicate lines, out-of-order lines, "not available" sentinels
(SOG 102.3, COG 360, heading 511, lat 91 / lon 181), a few corrupt lines; NMEA adds
multi-fragment type 5 and type 24 static messages. Parquet is the canonical clean table (no mess).

Examples
--------
>>> import tempfile
>>> from vessels.simulation import simulate
>>> sim = simulate("pacific-eez", seed=0, hours=3)
>>> with tempfile.TemporaryDirectory() as d:
...     paths = write(sim, d, format="marinecadastre")
...     sorted(p.name for p in paths)[:3]
['ais.csv', 'controls.parquet', 'manifest.json']
"""

from __future__ import annotations

import functools
import unicodedata
from pathlib import Path
from typing import Any

import numpy as np
import polars as pl

from vessels import schema as S
from vessels.errors import UserError
from vessels.outputs import atomic_path, prepare_out_dir, write_json, write_parquet
from vessels.simulation._nmea import position_sentences, tag_blocks
from vessels.simulation._simulate import Simulation
from vessels.simulation._truth import zones_fingerprint

__all__ = ["FORMATS", "MC_HEADER", "write"]

FORMATS = ("marinecadastre", "nmea", "parquet")
#: pyais truncates ``value * 10`` to an integer; a nudge keeps 10.2 from becoming 10.1
_EPS = 0.004
MC_HEADER = (
    "MMSI,BaseDateTime,LAT,LON,SOG,COG,Heading,VesselName,IMO,CallSign,VesselType,"
    "Status,Length,Width,Draft,Cargo,TransceiverClass"
)


def _mess_order(
    n: int, rng: np.random.Generator, sim: Simulation, eligible: np.ndarray | None = None
) -> tuple[np.ndarray, dict[str, int]]:
    """Row order with duplicates and swapped neighbours: indices into the clean rows.

    Only ``eligible`` rows are duplicated or swapped (NMEA keeps multi-fragment messages whole).
    """
    m = sim.config.mess
    ok = np.ones(n, dtype=bool) if eligible is None else eligible
    dup = np.nonzero((rng.random(n) < m.duplicate_rate) & ok)[0]
    order = np.concatenate([np.arange(n), dup])
    key = np.concatenate([np.arange(n, dtype=np.float64), dup + 0.5])
    order = order[np.argsort(key, kind="stable")]
    swaps: np.ndarray = np.zeros(0, dtype=np.int64)
    if order.size > 1:
        swaps = np.nonzero(rng.random(order.size - 1) < m.out_of_order_rate)[0]
    if swaps.size:
        ok_o = ok[order]
        swaps = swaps[ok_o[swaps] & ok_o[swaps + 1]]
    if swaps.size:
        swaps = swaps[np.r_[True, np.diff(swaps) > 1]]  # non-overlapping pairs
        order[swaps], order[swaps + 1] = order[swaps + 1].copy(), order[swaps].copy()
    return order, {"duplicate_lines": int(dup.size), "swapped_pairs": int(swaps.size)}


def _insert(lines: pl.Series, extra: list[str], rng: np.random.Generator) -> pl.Series:
    """Insert extra lines at random positions (vectorised concat + sort by a float key)."""
    if not extra:
        return lines
    pos = np.sort(rng.uniform(0, max(lines.len(), 1), len(extra)))
    key = pl.concat([pl.Series(np.arange(lines.len(), dtype=np.float64)), pl.Series(pos)])
    allv = pl.concat([lines, pl.Series(extra, dtype=pl.String)])
    return pl.DataFrame({"k": key, "l": allv}).sort("k", maintain_order=True)["l"]


def _by_time(sim: Simulation) -> pl.DataFrame:
    """Positions in reception order (by time), as a receiver log would be."""
    return sim.positions.sort(S.TS, S.MMSI)


def _fmt_num(col: str, decimals: int, na: str | None) -> pl.Expr:
    e = pl.col(col).round(decimals).cast(pl.String)
    if decimals == 0:
        e = pl.col(col).cast(pl.Int64).cast(pl.String)
    return e.fill_null(na) if na is not None else e.fill_null("")


def _int_as_float(col: str) -> pl.Expr:
    """Whole-number fields written as ``57.0`` for some vessels, as real MarineCadastre files do
    (one vessel in ten, chosen by MMSI so a vessel is consistent)."""
    as_int = _fmt_num(col, 0, None)
    as_float = pl.col(col).cast(pl.Float64).round(0).cast(pl.String).fill_null("")
    return pl.when(pl.col(S.MMSI) % 10 == 3).then(as_float).otherwise(as_int)


def _marinecadastre(sim: Simulation, rng: np.random.Generator) -> tuple[pl.Series, dict[str, int]]:
    df = _by_time(sim)
    lines = df.select(
        pl.concat_str(
            [
                pl.col(S.MMSI).cast(pl.String),
                pl.col(S.TS).dt.strftime("%Y-%m-%dT%H:%M:%S"),
                pl.col(S.LAT).round(5).cast(pl.String),
                pl.col(S.LON).round(5).cast(pl.String),
                _fmt_num(S.SOG_KN, 1, "102.3"),
                _fmt_num(S.COG_DEG, 1, "360.0"),
                _fmt_num(S.HEADING_DEG, 0, "511"),
                pl.col(S.VESSEL_NAME).fill_null(""),
                pl.when(pl.col(S.IMO).is_not_null())
                .then(pl.lit("IMO") + pl.col(S.IMO).cast(pl.String))
                .otherwise(pl.lit("")),
                pl.col(S.CALLSIGN).fill_null(""),
                _int_as_float(S.SHIP_TYPE),
                _fmt_num(S.NAV_STATUS, 0, None),
                _int_as_float(S.LENGTH_M),
                _int_as_float(S.WIDTH_M),
                pl.col(S.DRAFT_M).round(1).cast(pl.String).fill_null(""),
                pl.lit(""),
                pl.col(S.AIS_CLASS).cast(pl.String),
            ],
            separator=",",
        ).alias("line")
    )["line"]
    order, stats = _mess_order(lines.len(), rng, sim)
    lines = lines.gather(order)
    m = sim.config.mess
    extra: list[str] = []
    if df.height:
        picks = rng.integers(0, df.height, m.unavailable_position_lines + m.corrupt_lines)
        base = lines.gather(picks).to_list()
        for line in base[: m.unavailable_position_lines]:
            f = line.split(",")
            f[2], f[3] = "91.0", "181.0"  # ITU "latitude / longitude not available"
            extra.append(",".join(f))
        for i, line in enumerate(base[m.unavailable_position_lines :]):
            kind = i % 3
            if kind == 0:
                extra.append(line[: len(line) // 2])  # truncated line
            elif kind == 1:
                extra.append(line.replace(",", ";"))  # wrong separator
            else:
                f = line.split(",")
                f[1] = "2024-13-45T99:99:99"
                extra.append(",".join(f))
    stats["unavailable_position_lines"] = m.unavailable_position_lines if df.height else 0
    stats["corrupt_lines"] = m.corrupt_lines if df.height else 0
    return _insert(lines, extra, rng), stats


@functools.lru_cache(maxsize=1)
def _encoder() -> Any:
    from pyais import encode_dict

    return encode_dict


def _six_bit(text: str | None) -> str:
    """Text as the AIS 6-bit alphabet can carry it (accents dropped, lower case raised)."""
    if not text:
        return ""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return "".join(c for c in ascii_text.upper() if 32 <= ord(c) <= 95)


def _checksum(s: str) -> str:
    c = 0
    for ch in s.encode("ascii"):
        c ^= ch
    return f"{c:02X}"


def _static_lines(row: dict[str, Any], tag: str, seq: int) -> list[str]:
    """Type 5 (class A, two fragments) or type 24 parts A and B (class B), encoded with pyais."""
    enc = _encoder()
    length, width = row[S.LENGTH_M] or 0, row[S.WIDTH_M] or 0
    bow = round(length * 0.6)
    dims = {
        "to_bow": bow,
        "to_stern": round(length) - bow,
        "to_port": int(width) // 2,
        "to_starboard": int(width) - int(width) // 2,
    }
    kw: dict[str, Any] = {"talker_id": "AI", "sentence_type": "VDM"}
    if row[S.AIS_CLASS] == "A":
        msg: dict[str, Any] = {
            "type": 5,
            "mmsi": row[S.MMSI],
            "shipname": _six_bit(row[S.VESSEL_NAME]),
            "callsign": _six_bit(row[S.CALLSIGN]),
            "imo": row[S.IMO] or 0,
            "ship_type": row[S.SHIP_TYPE] or 0,
            "draught": (row[S.DRAFT_M] or 0.0) + _EPS,
            "destination": _six_bit(row[S.DESTINATION]),
            "ais_version": 2,
            **dims,
        }
        return [tag + x for x in enc(msg, seq_id=seq, **kw)]
    part_a = {
        "type": 24,
        "mmsi": row[S.MMSI],
        "partno": 0,
        "shipname": _six_bit(row[S.VESSEL_NAME]),
    }
    part_b = {
        "type": 24,
        "mmsi": row[S.MMSI],
        "partno": 1,
        "ship_type": row[S.SHIP_TYPE] or 0,
        "callsign": _six_bit(row[S.CALLSIGN]),
        **dims,
    }
    return [tag + enc(part_a, **kw)[0], tag + enc(part_b, **kw)[0]]


def _nmea(sim: Simulation, rng: np.random.Generator) -> tuple[pl.Series, dict[str, int]]:
    """NMEA 0183 with IEC 61162-450 tag blocks.

    Position reports are bit-packed with numpy (:mod:`vessels.simulation._nmea`); the static
    report of each vessel (and of each broadcast name) is sent before its first position of
    every ``static_every_s`` clock slot and encoded with pyais.
    """
    df = _by_time(sim)
    n = df.height
    epoch = (df[S.TS].dt.epoch("s")).to_numpy().astype(np.int64)
    station = (rng.random(n) < 0.2).astype(np.int64)
    channel_b = rng.random(n) < 0.5
    tags = tag_blocks(("rx-coast", "rx-sat"), station, epoch)

    def f64(col: str) -> np.ndarray:
        return df[col].cast(pl.Float64).fill_null(np.nan).to_numpy()

    pos = position_sentences(
        df[S.MMSI].to_numpy().astype(np.int64),
        (df[S.AIS_CLASS] == "A").to_numpy(),
        df[S.LAT].to_numpy(),
        df[S.LON].to_numpy(),
        f64(S.SOG_KN),
        f64(S.COG_DEG),
        f64(S.HEADING_DEG),
        df[S.NAV_STATUS].fill_null(15).to_numpy().astype(np.int64),
        df[S.TS].dt.second().to_numpy().astype(np.int64),
        channel_b,
    )
    every = int(sim.config.reporting.static_every_s)
    first = (
        df.select(
            pl.struct(
                S.MMSI, pl.col(S.VESSEL_NAME).fill_null(""), pl.lit(epoch // every)
            ).is_first_distinct()
        )
        .to_series()
        .to_numpy()
    )
    keys: list[int] = []
    static: list[str] = []
    seq = 0
    idx = np.nonzero(first)[0]
    static_rows = df[idx].iter_rows(named=True)
    static_tags = tags.gather(idx).to_list()
    for i, row, tag in zip(idx.tolist(), static_rows, static_tags, strict=True):
        seq = seq % 9 + 1
        lines_i = _static_lines(row, tag, seq)
        keys += [4 * i + k for k in range(len(lines_i))]
        static += lines_i
    all_keys = np.concatenate([4 * np.arange(n, dtype=np.int64) + 3, np.asarray(keys, np.int64)])
    all_lines = pl.concat([tags + pos, pl.Series(static, dtype=pl.String)])
    lines = all_lines.gather(np.argsort(all_keys, kind="stable"))
    series = lines
    single = series.str.contains(r"!AIVDM,1,1,", literal=True).to_numpy()
    order, stats = _mess_order(series.len(), rng, sim, single)
    series = series.gather(order)
    m = sim.config.mess
    extra: list[str] = []
    if series.len():
        for i, line in enumerate(
            series.gather(rng.integers(0, series.len(), m.corrupt_lines)).to_list()
        ):
            kind = i % 3
            if kind == 0:
                extra.append(line[:-2] + ("00" if line[-2:] != "00" else "11"))  # bad checksum
            elif kind == 1:
                extra.append(line[: len(line) // 2])  # truncated
            else:  # orphan: the first fragment of a type 5 whose second never arrives
                head = line.rpartition("\\")[0]
                body = "AIVDM,2,1,7,A,55NBn<01qP00000000000000000000000000000000000000000,0"
                extra.append(f"{head}\\!{body}*{_checksum(body)}")
    stats["corrupt_lines"] = len(extra)
    stats["unavailable_position_lines"] = 0
    return _insert(series, extra, rng), stats


def write(
    sim: Simulation, out_dir: str | Path, *, format: str = "marinecadastre", overwrite: bool = True
) -> list[Path]:
    """Write the simulation's AIS file, truth, controls, roster and manifest into ``out_dir``.

    Deterministic: the mess added to the file depends only on the simulation's seed.
    """
    if format not in FORMATS:
        raise UserError(f"unknown format {format!r}", hint=f"choose one of: {', '.join(FORMATS)}")
    out = prepare_out_dir(out_dir, overwrite=overwrite)
    rng = np.random.default_rng([sim.seed, 99, FORMATS.index(format)])
    paths: list[Path] = []
    stats: dict[str, int] = {}
    if format == "parquet":
        paths.append(write_parquet(sim.positions, out / "ais.parquet"))
    else:
        if format == "marinecadastre":
            lines, stats = _marinecadastre(sim, rng)
            target, header = out / "ais.csv", MC_HEADER + "\n"
        else:
            lines, stats = _nmea(sim, rng)
            target, header = out / "ais.nmea", ""
        with atomic_path(target) as tmp:
            with tmp.open("w", encoding="utf-8", newline="\n") as fh:
                fh.write(header)
            with tmp.open("a", encoding="utf-8", newline="\n") as fh:
                pl.DataFrame({"l": lines}).write_csv(fh, include_header=False, quote_style="never")
        paths.append(target)
    paths.append(write_parquet(sim.truth, out / "truth.parquet"))
    paths.append(write_json(sim.truth.to_dicts(), out / "truth.json"))
    paths.append(write_parquet(sim.controls, out / "controls.parquet"))
    paths.append(write_parquet(sim.vessels, out / "roster.parquet"))
    if sim.watchlist is not None:  # the scenario's watchlist, for ``vessels score --watchlist``
        target = out / "watchlist.csv"
        with atomic_path(target) as tmp:
            sim.watchlist.write_csv(tmp)
        paths.append(target)
    manifest = {
        "scenario": sim.scenario,
        "seed": sim.seed,
        "start": sim.start.isoformat(),
        "hours": sim.hours,
        "min_interval_s": sim.config.min_interval_s,
        "n_background_vessels": int(sim.vessels["is_background"].sum()),
        "format": format,
        "n_positions": sim.positions.height,
        "n_vessels": sim.vessels.height,
        "n_truth": sim.truth.height,
        "n_controls": sim.controls.height,
        "n_gps_jumps": sim.stats.get("n_gps_jumps", 0),
        **stats,
        "zones_sha256": zones_fingerprint(),
        "synthetic": True,
        "generator": "vessels simulate",
    }
    if sim.watchlist is not None:
        manifest["watchlist"] = "watchlist.csv"
    paths.append(write_json(manifest, out / "manifest.json"))
    return paths
