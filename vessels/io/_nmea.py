"""Raw NMEA 0183 AIS logs (``!AIVDM``/``!AIVDO``), decoded with pyais (private).

Decoding AIS means unpacking the 6-bit payload of every message, so this reader necessarily
touches each message in Python (pyais, MIT). aiscat is faster but GPL-3 and therefore not usable
in an MIT project. Measured throughput is in ``benchmarks/results/ingest.md``.

What counts as one input row: one *message* (a multi-fragment message is one row whose
``source_row`` is the line of its first fragment and whose raw text is its lines joined by
newlines). Quarantine rules of this reader:

``empty_line``, ``not_nmea`` (no ``!`` sentence on the line), ``malformed_sentence``,
``bad_checksum`` (sentence or tag block), ``orphan_fragment`` (a fragment whose message never
completes), ``bad_bit_count`` (payload shorter than its message type needs), ``undecodable``,
``no_timestamp`` (neither a tag-block ``c:`` epoch nor a trailing epoch field),
``static_report`` (types 5 and 24: their fields are joined onto the vessel's positions, the
message itself is not a position), ``non_vessel_base_station`` (type 4), ``non_vessel_sar_aircraft``
(type 9), ``non_vessel_aid_to_navigation`` (type 21) and ``not_a_position_type_<n>``.

Static data (name, call sign, IMO, ship type, dimensions, draught, destination) is joined onto
each position from the latest static report of the same MMSI at or before the position's time
(each field from the latest report that carries it, so type 24 parts A and B combine).
"""

from __future__ import annotations

import operator
import re
from functools import reduce
from pathlib import Path
from typing import Any

import polars as pl

from vessels import schema as S
from vessels.cleaning import ERROR, RAW_COL

__all__ = ["stage_nmea"]

POSITION_TYPES = frozenset({1, 2, 3, 18, 19, 27})
STATIC_TYPES = frozenset({5, 24})
NON_VESSEL_TYPES = {
    4: "non_vessel_base_station",
    9: "non_vessel_sar_aircraft",
    21: "non_vessel_aid_to_navigation",
}
#: Minimum payload bits per message type (ITU-R M.1371-5; type 5 and 24A are often sent 2-8
#: bits short by real transponders, so their minima are relaxed to what decoders accept).
MIN_BITS = {
    1: 168,
    2: 168,
    3: 168,
    4: 168,
    5: 420,
    9: 168,
    18: 168,
    19: 312,
    21: 272,
    24: 160,
    27: 96,
}
_TRAILING_EPOCH = re.compile(r"^\s*,?\s*(\d{9,13}(?:\.\d+)?)\s*$")
STATIC_FIELDS = (
    S.VESSEL_NAME,
    S.CALLSIGN,
    S.IMO,
    S.SHIP_TYPE,
    S.LENGTH_M,
    S.WIDTH_M,
    S.DRAFT_M,
    S.DESTINATION,
)


def _xor(text: str) -> int:
    return reduce(operator.xor, text.encode("latin-1", errors="replace"), 0)


def _epoch_s(value: str) -> float | None:
    try:
        v = float(value)
    except ValueError:
        return None
    return v / 1000.0 if v > 1e11 else v  # milliseconds in some receivers


def _parse_line(text: str) -> tuple[str | None, str | None, float | None]:
    """(sentence, error, epoch seconds) of one line."""
    ts: float | None = None
    body = text
    if text.startswith("\\"):
        end = text.find("\\", 1)
        if end < 0:
            return None, "malformed_sentence", None
        tag = text[1:end]
        body = text[end + 1 :]
        content, star, cs = tag.partition("*")
        if star and cs:
            try:
                if int(cs[:2], 16) != _xor(content):
                    return None, "bad_checksum", None
            except ValueError:
                return None, "bad_checksum", None
        for part in content.split(","):
            if part.startswith("c:"):
                ts = _epoch_s(part[2:])
    start = body.find("!")
    if start < 0:
        return None, "not_nmea", None
    sentence = body[start:]
    star_at = sentence.rfind("*")
    if star_at < 0 or len(sentence) < star_at + 3:
        return None, "malformed_sentence", None
    after = sentence[star_at + 3 :]
    sentence = sentence[: star_at + 3]
    if after.strip():
        m = _TRAILING_EPOCH.match(after)
        if m and ts is None:
            ts = _epoch_s(m.group(1))
    return sentence, None, ts


class _Fields:
    """Dict-like read access to a decoded pyais message (``asdict()`` copies every field)."""

    __slots__ = ("_msg",)

    def __init__(self, msg: Any) -> None:
        self._msg = msg

    def get(self, name: str) -> Any:
        return getattr(self._msg, name, None)

    def __getitem__(self, name: str) -> Any:
        return getattr(self._msg, name)


def _enum(v: Any) -> Any:
    return int(v) if v is not None else None


def stage_nmea(path: Path, name: str) -> pl.LazyFrame:
    """Staged frame (see :mod:`vessels.cleaning`) of an NMEA log; static data joined by MMSI."""
    from pyais.exceptions import AISBaseException
    from pyais.messages import NMEAMessage

    pos: dict[str, list[Any]] = {
        k: []
        for k in (
            S.MMSI,
            "_ts_s",
            S.LAT,
            S.LON,
            S.SOG_KN,
            S.COG_DEG,
            S.HEADING_DEG,
            S.NAV_STATUS,
            S.AIS_CLASS,
            S.SOURCE_ROW,
            RAW_COL,
        )
    }
    static: dict[str, list[Any]] = {k: [] for k in (S.MMSI, "_ts_s", *STATIC_FIELDS)}
    rejected: dict[str, list[Any]] = {S.SOURCE_ROW: [], ERROR: [], RAW_COL: [], S.MMSI: []}
    pending: dict[tuple[Any, Any], list[tuple[int, str, Any, float | None]]] = {}

    def reject(row: int, rule: str, raw: str, mmsi: int | None = None) -> None:
        rejected[S.SOURCE_ROW].append(row)
        rejected[ERROR].append(rule)
        rejected[RAW_COL].append(raw)
        rejected[S.MMSI].append(mmsi)

    def handle(msg: Any, row: int, raw: str, ts: float | None) -> None:
        try:
            mtype = int(msg.ais_id)
        except (AISBaseException, ValueError, TypeError):
            reject(row, "undecodable", raw)
            return
        bits = len(msg.payload) * 6 - int(msg.fill_bits or 0)
        if bits < MIN_BITS.get(mtype, 38):
            reject(row, "bad_bit_count", raw)
            return
        try:
            d = _Fields(msg.decode())
        except (AISBaseException, ValueError, TypeError, IndexError):
            reject(row, "undecodable", raw)
            return
        mmsi = d.get("mmsi")
        if ts is None:
            reject(row, "no_timestamp", raw, mmsi)
            return
        if mtype in POSITION_TYPES:
            pos[S.MMSI].append(mmsi)
            pos["_ts_s"].append(ts)
            pos[S.LAT].append(d.get("lat"))
            pos[S.LON].append(d.get("lon"))
            pos[S.SOG_KN].append(d.get("speed"))
            pos[S.COG_DEG].append(d.get("course"))
            pos[S.HEADING_DEG].append(d.get("heading"))
            pos[S.NAV_STATUS].append(_enum(d.get("status")))
            pos[S.AIS_CLASS].append("B" if mtype in (18, 19) else "A")
            pos[S.SOURCE_ROW].append(row)
            pos[RAW_COL].append(raw)
            if mtype == 19:
                _static_row(static, mmsi, ts, d)
        elif mtype in STATIC_TYPES:
            _static_row(static, mmsi, ts, d)
            reject(row, "static_report", raw, mmsi)
        else:
            reject(row, NON_VESSEL_TYPES.get(mtype, f"not_a_position_type_{mtype}"), raw, mmsi)

    with path.open(encoding="utf-8", errors="replace") as fh:
        for lineno, line in enumerate(fh, start=1):
            text = line.rstrip("\r\n")
            if not text.strip():
                reject(lineno, "empty_line", text)
                continue
            sentence, error, ts = _parse_line(text)
            if error is not None or sentence is None:
                reject(lineno, error or "malformed_sentence", text)
                continue
            try:
                msg = NMEAMessage(sentence.encode())
            except (AISBaseException, ValueError, IndexError):
                reject(lineno, "malformed_sentence", text)
                continue
            if not msg.is_valid:
                reject(lineno, "bad_checksum", text)
                continue
            if msg.frag_cnt <= 1:
                handle(msg, lineno, text, ts)
                continue
            key = (msg.seq_id, msg.channel)
            group = pending.get(key)
            if msg.frag_num == 1:
                if group:
                    for r, t, _, _ in group:
                        reject(r, "orphan_fragment", t)
                pending[key] = [(lineno, text, msg, ts)]
            elif (
                group
                and group[-1][2].frag_num == msg.frag_num - 1
                and (group[0][2].frag_cnt == msg.frag_cnt)
            ):
                group.append((lineno, text, msg, ts))
            else:
                if group:
                    for r, t, _, _ in group:
                        reject(r, "orphan_fragment", t)
                    del pending[key]
                reject(lineno, "orphan_fragment", text)
                continue
            group = pending[key]
            if len(group) == msg.frag_cnt:
                del pending[key]
                try:
                    whole = NMEAMessage.assemble_from_iterable([g[2] for g in group])
                except (AISBaseException, ValueError):
                    for r, t, _, _ in group:
                        reject(r, "orphan_fragment", t)
                    continue
                stamp = next((g[3] for g in group if g[3] is not None), None)
                handle(whole, group[0][0], "\n".join(g[1] for g in group), stamp)
    for group in pending.values():
        for r, t, _, _ in group:
            reject(r, "orphan_fragment", t)

    return _assemble(pos, static, rejected, name)


def _static_row(static: dict[str, list[Any]], mmsi: Any, ts: float, d: _Fields) -> None:
    def dim(a: str, b: str) -> float | None:
        if d.get(a) is None or d.get(b) is None:
            return None
        return float(d[a] + d[b])

    static[S.MMSI].append(mmsi)
    static["_ts_s"].append(ts)
    static[S.VESSEL_NAME].append((d.get("shipname") or "").strip("@ ") or None)
    static[S.CALLSIGN].append((d.get("callsign") or "").strip("@ ") or None)
    static[S.IMO].append(d.get("imo"))
    static[S.SHIP_TYPE].append(_enum(d.get("ship_type")))
    static[S.LENGTH_M].append(dim("to_bow", "to_stern"))
    static[S.WIDTH_M].append(dim("to_port", "to_starboard"))
    static[S.DRAFT_M].append(d.get("draught"))
    static[S.DESTINATION].append((d.get("destination") or "").strip("@ ") or None)


def _ts_expr() -> pl.Expr:
    return (pl.col("_ts_s") * 1_000_000).cast(pl.Int64).cast(pl.Datetime("us", "UTC"))


def _assemble(
    pos: dict[str, list[Any]],
    static: dict[str, list[Any]],
    rejected: dict[str, list[Any]],
    name: str,
) -> pl.LazyFrame:
    f64 = pl.Float64
    pos_df = pl.DataFrame(
        pos,
        schema={
            S.MMSI: pl.Int64,
            "_ts_s": f64,
            S.LAT: f64,
            S.LON: f64,
            S.SOG_KN: f64,
            S.COG_DEG: f64,
            S.HEADING_DEG: f64,
            S.NAV_STATUS: f64,
            S.AIS_CLASS: pl.String,
            S.SOURCE_ROW: pl.UInt64,
            RAW_COL: pl.String,
        },
    ).with_columns(_ts_expr().alias(S.TS), pl.col(S.MMSI).cast(pl.UInt32, strict=False))
    static_df = (
        pl.DataFrame(
            static,
            schema={
                S.MMSI: pl.Int64,
                "_ts_s": f64,
                S.VESSEL_NAME: pl.String,
                S.CALLSIGN: pl.String,
                S.IMO: f64,
                S.SHIP_TYPE: f64,
                S.LENGTH_M: f64,
                S.WIDTH_M: f64,
                S.DRAFT_M: f64,
                S.DESTINATION: pl.String,
            },
        )
        .with_columns(_ts_expr().alias(S.TS), pl.col(S.MMSI).cast(pl.UInt32, strict=False))
        .drop("_ts_s")
        .sort(S.MMSI, S.TS)
        .with_columns(pl.col(list(STATIC_FIELDS)).forward_fill().over(S.MMSI))
    )
    joined = (
        pos_df.drop("_ts_s")
        .sort(S.MMSI, S.TS)
        .join_asof(static_df, on=S.TS, by=S.MMSI, strategy="backward", check_sortedness=False)
        .with_columns(pl.lit(name).alias(S.SOURCE_FILE), pl.lit(None, pl.String).alias(ERROR))
    )
    rej = pl.DataFrame(
        rejected,
        schema={S.SOURCE_ROW: pl.UInt64, ERROR: pl.String, RAW_COL: pl.String, S.MMSI: pl.Int64},
    ).with_columns(pl.lit(name).alias(S.SOURCE_FILE), pl.col(S.MMSI).cast(pl.UInt32, strict=False))
    return pl.concat([joined, rej], how="diagonal_relaxed").sort(S.SOURCE_ROW).lazy()
