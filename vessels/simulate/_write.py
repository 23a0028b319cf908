"""Writers: a simulation as the files analysts have (MarineCadastre CSV, NMEA, Parquet) + truth.

``write(sim, out_dir, format=...)`` writes the AIS file (``ais.csv``, ``ais.nmea`` or
``ais.parquet``), ``truth.parquet``, ``truth.json``, ``controls.parquet``, ``roster.parquet`` and
``manifest.json`` (what was added on top of the clean positions, so readers can check their
row accounting). The CSV and NMEA files carry the mess real files have: duplicate lines,
out-of-order lines, "not available" sentinels (SOG 102.3, COG 360, heading 511, lat 91 /
lon 181), a few corrupt lines; NMEA adds multi-fragment type 5 and type 24 static messages.
Parquet is the canonical clean table (no mess).

Examples
--------
>>> import tempfile
>>> from vessels.simulate import simulate
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
from vessels.simulate._simulate import Simulation
from vessels.simulate._truth import zones_fingerprint

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
                _fmt_num(S.SHIP_TYPE, 0, None),
                _fmt_num(S.NAV_STATUS, 0, None),
                _fmt_num(S.LENGTH_M, 0, None),
                _fmt_num(S.WIDTH_M, 0, None),
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
        for i, line in enumerate(base[: m.unavailable_position_lines]):
            f = line.split(",")
            f[2], f[3] = "91.0", "181.0"
            extra.append(",".join(f))
            del i
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


def _tag(station: str, epoch: int) -> str:
    body = f"s:{station},c:{epoch}"
    return f"\\{body}*{_checksum(body)}\\"


def _nmea(sim: Simulation, rng: np.random.Generator) -> tuple[pl.Series, dict[str, int]]:
    """NMEA 0183 with IEC 61162-450 tag blocks, encoded with pyais (about 20 k msg/s)."""
    enc = _encoder()
    df = _by_time(sim)
    every = sim.config.reporting.static_every_s
    lines: list[str] = []
    last_static: dict[tuple[int, str], float] = {}
    seq = 0
    rows = df.select(
        S.MMSI,
        S.TS,
        S.LAT,
        S.LON,
        S.SOG_KN,
        S.COG_DEG,
        S.HEADING_DEG,
        S.NAV_STATUS,
        S.AIS_CLASS,
        S.VESSEL_NAME,
        S.CALLSIGN,
        S.IMO,
        S.SHIP_TYPE,
        S.LENGTH_M,
        S.WIDTH_M,
        S.DRAFT_M,
        S.DESTINATION,
    ).iter_rows()
    stations = ("rx-coast", "rx-sat")
    for (
        mmsi,
        ts,
        lat,
        lon,
        sog,
        cog,
        hdg,
        status,
        cls,
        name,
        cs,
        imo,
        st,
        length,
        width,
        draft,
        dest,
    ) in rows:
        epoch = int(ts.timestamp())
        tag = _tag(stations[int(rng.random() < 0.2)], epoch)
        key = (mmsi, name or "")
        if epoch - last_static.get(key, -1e18) >= every:
            last_static[key] = epoch
            bow = round((length or 0) * 0.6)
            stern = round(length or 0) - bow
            port = int(width or 0) // 2
            starboard = int(width or 0) - port
            if cls == "A":
                seq = seq % 9 + 1
                msg: dict[str, Any] = {
                    "type": 5,
                    "mmsi": mmsi,
                    "shipname": _six_bit(name),
                    "callsign": _six_bit(cs),
                    "imo": imo or 0,
                    "ship_type": st or 0,
                    "to_bow": bow,
                    "to_stern": stern,
                    "to_port": port,
                    "to_starboard": starboard,
                    "draught": (draft or 0.0) + _EPS,
                    "destination": _six_bit(dest),
                    "ais_version": 2,
                }
                lines += [
                    tag + s for s in enc(msg, talker_id="AI", sentence_type="VDM", seq_id=seq)
                ]
            else:
                lines.append(
                    tag
                    + enc(
                        {"type": 24, "mmsi": mmsi, "partno": 0, "shipname": _six_bit(name)},
                        talker_id="AI",
                        sentence_type="VDM",
                    )[0]
                )
                lines.append(
                    tag
                    + enc(
                        {
                            "type": 24,
                            "mmsi": mmsi,
                            "partno": 1,
                            "ship_type": st or 0,
                            "callsign": _six_bit(cs),
                            "to_bow": bow,
                            "to_stern": stern,
                            "to_port": port,
                            "to_starboard": starboard,
                        },
                        talker_id="AI",
                        sentence_type="VDM",
                    )[0]
                )
        pos: dict[str, Any] = {
            "mmsi": mmsi,
            "lat": lat,
            "lon": lon,
            "speed": 102.3 if sog is None else sog + _EPS,
            "course": 360.0 if cog is None else cog + _EPS,
            "heading": 511 if hdg is None else int(hdg),
            "second": ts.second,
        }
        if cls == "A":
            pos.update(type=1, status=15 if status is None else status)
        else:
            pos.update(type=18, cs=1)
        lines.append(
            tag
            + enc(
                pos,
                talker_id="AI",
                sentence_type="VDM",
                radio_channel="AB"[int(rng.random() < 0.5)],
            )[0]
        )
    series = pl.Series(lines, dtype=pl.String)
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
    paths.append(write_json(manifest, out / "manifest.json"))
    return paths
