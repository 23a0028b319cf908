"""Raw NMEA 0183 AIS logs (``!AIVDM``/``!AIVDO``) (private).

:func:`stage_nmea` frames and decodes the whole file at once: with numba installed, by one
compiled pass over the file's bytes (:mod:`vessels.io._nmea_jit`), else (or for a file that pass
hands back) with polars string expressions and numpy (:mod:`vessels.io._nmea_vec`,
:func:`vessels.io._aisbits.decode_payloads`); both give the same staged frame. Lines and
sentences of unusual shapes, and the rare message types those decoders leave, go through the
per-line code below and pyais (MIT). :func:`stage_nmea_per_line`, the line-by-line reader
with pyais, is kept as the reference: the tests check that both give the same staged frame.
aiscat is faster than pyais but GPL-3 and therefore not usable in an MIT project. Measured
throughput is in BENCHMARKS.md.

**Framing.** A line may hold several sentences, each with or without its own IEC 61162-450 tag
block (``\\s:rx,c:1718000000*hh\\!ABVDM,2,1,8,A,...*28\\g:2-2-8*hh\\!AIVDM,2,2,8,A,...*2C``).
Every sentence's checksum (and its tag block's) is checked on its own; a bad one loses that
sentence only. Fragments of a multi-part message are assembled within a line and across lines,
keyed by the tag-block group ``g:`` when there is one, else by (sequential id, channel); the talker
id (``AI``, ``AB``, ``BS``...) may differ between fragments.

**Rows.** One input row is one *message* (a multi-fragment message is one row whose
``source_row`` is the line of its first fragment and whose raw text is its sentences joined by
newlines); several messages on one line are several rows of that line. A sentence or fragment that
fails is one quarantined row.

**Time** (column ``ts_source``): the tag block ``c:`` epoch (``tag_block``), a time written before
the sentence on the line (``line_prefix``: ISO 8601, local with ``time_zone``, or a Unix epoch), or
an epoch after it (``trailing_epoch``). A message with none of these is placed by **time
reconstruction** (``base_station``). Anchors are the UTC date and time of base-station reports
(types 4 and 11) and the times of timed messages. Every position report carries the UTC second
it was sent (0-59); in a receiver's line order consecutive messages are seconds apart, so the
step from one message's second to the next, wrapped to [-30 s, 30 s), is the time between them.
Walking these steps from the previous anchor (and back from the next one) gives each message
its time, the minute resolved by proximity; a message without a valid second takes the time of
the message before it. A message is quarantined as ``time_not_placeable`` when its anchors are
more than :data:`MAX_ANCHOR_GAP_S` apart, when it lies outside them, or when it lies before
the first / after the last anchor by more than :data:`ANCHOR_TOLERANCE_S`. With no anchor at
all, ``start_time`` (``--start-time``) is the time of the first message and the same walk
times the rest (``assumed``); without it they are ``no_timestamp``.

**Identity.** Static and voyage reports (types 5 and 24) are *identity rows*
(:data:`vessels.schema.IDENTITY_ROWS`): not positions and not quarantined; their name, call sign,
IMO, ship type, dimensions, draught and destination are joined onto the vessel's positions as-of
in time by :func:`vessels.cleaning.join_identity` (as for DMA identity rows). Type 19 carries both.

Quarantine rules of this reader: ``empty_line``, ``not_nmea`` (no ``!`` sentence on the line),
``malformed_sentence``, ``bad_checksum`` (sentence or tag block), ``orphan_fragment``,
``empty_payload`` (a sentence with no payload, common in real receiver logs),
``bad_bit_count`` (payload shorter than its message type needs), ``undecodable``,
``no_timestamp``, ``time_not_placeable``, ``non_vessel_base_station`` (type 4),
``non_vessel_sar_aircraft`` (9), ``non_vessel_aid_to_navigation`` (21) and
``not_a_position_type_<n>``.
"""

from __future__ import annotations

import operator
import re
import warnings
from datetime import UTC, datetime
from functools import reduce
from pathlib import Path
from typing import TYPE_CHECKING, Any

import polars as pl

from vessels import schema as S
from vessels.cleaning import ERROR, RAW_COL

if TYPE_CHECKING:
    from collections.abc import Callable

    from vessels.io._read import Clock

__all__ = ["ANCHOR_TOLERANCE_S", "MAX_ANCHOR_GAP_S", "stage_nmea", "stage_nmea_per_line"]

POSITION_TYPES = frozenset({1, 2, 3, 18, 19, 27})
STATIC_TYPES = frozenset({5, 24})
ANCHOR_TYPES = frozenset({4, 11})
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
    11: 168,
    18: 168,
    19: 312,
    21: 272,
    24: 160,
    27: 96,
}
#: Time reconstruction: a message before the first / after the last anchor is placed only if
#: the time walked from that anchor is at most this far from it (each step of the walk is
#: right only while consecutive messages are less than 30 s apart, so long walks are refused).
ANCHOR_TOLERANCE_S = 300.0
#: Time reconstruction: messages between two anchors further apart than this are not placed.
MAX_ANCHOR_GAP_S = 600.0
#: Anchors (base-station reports) whose time runs backwards by more than this against earlier
#: anchors, or lies more than a day from the median anchor, are ignored (a wrong station clock).
ANCHOR_BACKWARD_S = 5.0

_TRAILING_EPOCH = re.compile(r"^\s*,?\s*(\d{9,13}(?:\.\d+)?)\s*$")
_PREFIX_ISO = re.compile(
    r"^\s*\[?(\d{4})-(\d{2})-(\d{2})[T ](\d{2}):(\d{2}):(\d{2})(\.\d+)?(Z|[+-]00:?00)?\]?[\s,;:]*$"
)
_PREFIX_EPOCH = re.compile(r"^\s*(\d{9,10}(?:\.\d+)?|\d{12,13})[\s,;:]*$")
#: (tag block content or None, sentence) of each sentence on a line
_SENTENCE = re.compile(r"(?:\\([^\\]*)\\)?(![A-Z]{2}VD[MO],[^!\\]*?\*[0-9A-Fa-f]{2})")
_POS_KEYS = (
    S.MMSI,
    "_ts_s",
    S.TS_SOURCE,
    "_sec",
    "_line",
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
_REJ_KEYS = (S.SOURCE_ROW, ERROR, RAW_COL, S.MMSI)
_KEYS = (
    S.MMSI,
    "_ts_s",
    S.TS_SOURCE,
    "_sec",
    "_line",
    S.LAT,
    S.LON,
    S.SOG_KN,
    S.COG_DEG,
    S.HEADING_DEG,
    S.NAV_STATUS,
    S.AIS_CLASS,
    *S.IDENTITY_FIELDS,
    ERROR,
    S.SOURCE_ROW,
    RAW_COL,
)


def _xor(text: str) -> int:
    return reduce(operator.xor, text.encode("latin-1", errors="replace"), 0)


def _epoch_s(value: str) -> float | None:
    try:
        v = float(value)
    except ValueError:
        return None
    return v / 1000.0 if v > 1e11 else v  # milliseconds in some receivers


def _tag(content: str) -> tuple[str | None, float | None, str | None]:
    """(error, epoch seconds, group id) of one tag block's content (between the backslashes)."""
    body, star, cs = content.partition("*")
    if star and cs:
        try:
            if int(cs[:2], 16) != _xor(body):
                return "bad_checksum", None, None
        except ValueError:
            return "bad_checksum", None, None
    ts = group = None
    for part in body.split(","):
        if part.startswith("c:"):
            ts = _epoch_s(part[2:])
        elif part.startswith("g:"):
            group = part[2:].rpartition("-")[2] or None
    return None, ts, group


def _prefix_time(prefix: str, zone: Any) -> float | None:
    """Epoch seconds of a time written before the first sentence (None if there is none)."""
    if not prefix.strip():
        return None
    m = _PREFIX_ISO.match(prefix)
    if m:
        y, mo, d, h, mi, sec = (int(g) for g in m.groups()[:6])
        try:
            dt = datetime(y, mo, d, h, mi, sec)
        except ValueError:
            return None
        frac = float(m.group(7)) if m.group(7) else 0.0
        tz = UTC if (m.group(8) or zone is None) else zone
        return dt.replace(tzinfo=tz).timestamp() + frac
    m = _PREFIX_EPOCH.match(prefix)
    if m:
        return _epoch_s(m.group(1))
    return None


def _parse_line(text: str) -> tuple[str | None, str | None, float | None]:
    """(sentence, error, epoch seconds) of a line holding one sentence (tests and fast path)."""
    items, error, _ = _split_line(text, None)
    if error is not None:
        return None, error, None
    first = items[0]
    if first[1] is not None:
        return None, first[1], None
    return first[0], None, first[2]


_Item = tuple[str, str | None, float | None, str, str | None, str]


def _split_line(text: str, zone: Any) -> tuple[list[_Item], str | None, None]:
    """Sentences of one line: ([(sentence, error, epoch, ts_source, group, raw)], line error, None).

    ``epoch`` is the sentence's own tag-block time, else the line's prefix or trailing time;
    ``raw`` is the sentence with its tag block.
    """
    if text.count("!") <= 1 and text.count("\\") <= 2:
        # fast path: at most one tag block and one sentence
        body = text
        ts: float | None = None
        source = "tag_block"
        group = None
        if text.startswith("\\"):
            end = text.find("\\", 1)
            if end < 0:
                return [], "malformed_sentence", None
            err, ts, group = _tag(text[1:end])
            if err is not None:
                return [], err, None
            body = text[end + 1 :]
        start = body.find("!")
        if start < 0:
            return [], "not_nmea", None
        if start and ts is None:
            ts = _prefix_time(body[:start], zone)
            source = "line_prefix"
        sentence = body[start:]
        star_at = sentence.rfind("*")
        if star_at < 0 or len(sentence) < star_at + 3:
            return [], "malformed_sentence", None
        after = sentence[star_at + 3 :]
        sentence = sentence[: star_at + 3]
        if after.strip() and ts is None:
            m = _TRAILING_EPOCH.match(after)
            if m:
                ts = _epoch_s(m.group(1))
                source = "trailing_epoch"
        return [(sentence, None, ts, source, group, text)], None, None
    matches = list(_SENTENCE.finditer(text))
    if not matches:
        return [], ("not_nmea" if "!" not in text else "malformed_sentence"), None
    line_ts = _prefix_time(text[: matches[0].start()], zone)
    line_source = "line_prefix"
    if line_ts is None:
        m = _TRAILING_EPOCH.match(text[matches[-1].end() :])
        if m:
            line_ts = _epoch_s(m.group(1))
            line_source = "trailing_epoch"
    out: list[_Item] = []
    for m in matches:
        tag, sentence = m.group(1), m.group(2)
        err = None
        ts, source, group = line_ts, line_source, None
        if tag is not None:
            err, tag_ts, group = _tag(tag)
            if tag_ts is not None:
                ts, source = tag_ts, "tag_block"
        out.append((sentence, err, ts, source, group, m.group(0)))
    return out, None, None


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


def _anchor_epoch(d: _Fields) -> float | None:
    """UTC epoch of a type 4/11 report, None when a field is 'not available' or impossible."""
    try:
        y, mo, day = int(d["year"]), int(d["month"]), int(d["day"])
        h, mi, sec = int(d["hour"]), int(d["minute"]), int(d["second"])
    except (TypeError, ValueError, AttributeError):
        return None
    if not (2000 <= y <= 2100) or sec > 59 or h > 23 or mi > 59:
        return None
    try:
        return datetime(y, mo, day, h, mi, sec, tzinfo=UTC).timestamp()
    except ValueError:
        return None


def stage_nmea(path: Path, name: str, clock: Clock | None = None) -> pl.LazyFrame:
    """Staged frame (see :mod:`vessels.cleaning`) of an NMEA log; identity rows included.

    The framing and decoding run over the whole file at once
    (:func:`vessels.io._nmea_jit.stage_nmea_compiled` with numba, else
    :func:`vessels.io._nmea_vec.stage_nmea_vectorised`); the result is that of
    :func:`stage_nmea_per_line`, the line-by-line reader they replace.
    """
    from vessels.io._nmea_vec import stage_nmea_vectorised

    compiled = _compiled()
    if compiled is not None:
        out = compiled(path, name, clock)
        if out is not None:
            return out
    return stage_nmea_vectorised(path, name, clock)


def _compiled() -> Any:
    """:func:`vessels.io._nmea_jit.stage_nmea_compiled`, or None without numba.

    numba keeps the compiled reader's machine code (compiled once, ~30 CPU s) in the package's
    ``__pycache__``, else in the user's cache directory (``~/.cache/numba``), else in
    ``NUMBA_CACHE_DIR`` when that is set. Where none of them is writable (a read-only install
    run by a user without a home directory) numba refuses to load the module; the vectorised
    reader is used then, with a warning saying how to get the compiled one back.
    """
    try:
        from vessels.io._nmea_jit import stage_nmea_compiled
    except ModuleNotFoundError as exc:  # numba (or llvmlite) not installed
        if exc.name not in ("numba", "llvmlite"):
            raise
        return None
    except RuntimeError as exc:  # numba: "cannot cache function ...: no locator available"
        if "cannot cache function" not in str(exc):
            raise
        warnings.warn(
            f"NMEA: numba has no writable cache directory ({exc}); reading with the vectorised "
            "reader instead of the compiled one (set NUMBA_CACHE_DIR to a writable directory)",
            RuntimeWarning,
            stacklevel=3,
        )
        return None
    return stage_nmea_compiled


def stage_nmea_per_line(path: Path, name: str, clock: Clock | None = None) -> pl.LazyFrame:
    """:func:`stage_nmea` one line at a time with pyais (the reference the tests compare with).

    Its helpers (``_split_line``, ``_tag``, ``_prefix_time``, pyais's sentence parser) also
    handle the lines and sentences of unusual shapes in the vectorised reader.
    """
    from pyais.exceptions import AISBaseException
    from pyais.messages import NMEAMessage

    zone = None
    if clock is not None and clock.time_zone is not None:
        from zoneinfo import ZoneInfo

        zone = ZoneInfo(clock.time_zone)
    # three tables, one append per column and row (this loop runs once per message):
    # positions, identity rows (and type 19, both at once), rejected rows
    pos: dict[str, list[Any]] = {k: [] for k in _POS_KEYS}
    extra: dict[str, list[Any]] = {k: [] for k in _KEYS}
    rej: dict[str, list[Any]] = {k: [] for k in _REJ_KEYS}
    p_mmsi, p_ts, p_src, p_sec, p_line = (pos[k].append for k in _POS_KEYS[:5])
    p_lat, p_lon, p_sog, p_cog, p_hdg = (pos[k].append for k in _POS_KEYS[5:10])
    p_status, p_cls, p_row, p_raw = (pos[k].append for k in _POS_KEYS[10:])
    r_row, r_rule, r_raw, r_mmsi = (rej[k].append for k in _REJ_KEYS)
    anchors: dict[str, list[Any]] = {"_line": [], "_ts_s": []}
    pending: dict[Any, list[tuple[int, str, Any, float | None, str]]] = {}
    order = 0  # message order in the log (the "line order" of time reconstruction)

    def add(values: dict[str, Any]) -> None:
        for k in _KEYS:
            extra[k].append(values.get(k))

    def reject(row: int, rule: str, raw: str, mmsi: int | None = None) -> None:
        r_row(row)
        r_rule(rule)
        r_raw(raw)
        r_mmsi(mmsi)

    def handle(msg: Any, row: int, raw: str, ts: float | None, source: str) -> None:
        nonlocal order
        order += 1
        try:
            mtype = int(msg.ais_id)
        except (AISBaseException, ValueError, TypeError):
            reject(row, "undecodable", raw)
            return
        if not msg.payload:
            reject(row, "empty_payload", raw)
            return
        bits = len(msg.payload) * 6 - int(msg.fill_bits or 0)
        if bits < MIN_BITS.get(mtype, 38):
            reject(row, "bad_bit_count", raw)
            return
        try:
            dm = msg.decode()
        except (AISBaseException, ValueError, TypeError, IndexError):
            reject(row, "undecodable", raw)
            return
        mmsi = dm.mmsi
        if ts is None:
            source = "base_station"
        if mtype in POSITION_TYPES and mtype != 19:
            # the bulk of every log: plain attribute reads, one bound append per column
            p_mmsi(mmsi)
            p_ts(ts)
            p_src(source)
            p_sec(getattr(dm, "second", None))
            p_line(order)
            p_lat(dm.lat)
            p_lon(dm.lon)
            p_sog(getattr(dm, "speed", None))
            p_cog(getattr(dm, "course", None))
            p_hdg(getattr(dm, "heading", None))
            status = getattr(dm, "status", None)
            p_status(None if status is None else int(status))
            p_cls("B" if mtype == 18 else "A")
            p_row(row)
            p_raw(raw)
            return
        d = _Fields(dm)
        if mtype == 19:  # a class B position with its own identity
            v: dict[str, Any] = {
                S.MMSI: mmsi,
                "_ts_s": ts,
                S.TS_SOURCE: source,
                "_sec": d.get("second"),
                "_line": order,
                S.LAT: d.get("lat"),
                S.LON: d.get("lon"),
                S.SOG_KN: d.get("speed"),
                S.COG_DEG: d.get("course"),
                S.HEADING_DEG: d.get("heading"),
                S.NAV_STATUS: _enum(d.get("status")),
                S.AIS_CLASS: "B",
                S.SOURCE_ROW: row,
                RAW_COL: raw,
                **_identity(d),
            }
            add(v)
        elif mtype in STATIC_TYPES:
            add(
                {
                    S.MMSI: mmsi,
                    "_ts_s": ts,
                    S.TS_SOURCE: source,
                    "_line": order,
                    ERROR: S.IDENTITY_ROWS,
                    S.SOURCE_ROW: row,
                    RAW_COL: raw,
                    **_identity(d),
                }
            )
        else:
            if mtype in ANCHOR_TYPES:
                t = _anchor_epoch(d)
                if t is not None:
                    anchors["_line"].append(order)
                    anchors["_ts_s"].append(t)
            reject(row, NON_VESSEL_TYPES.get(mtype, f"not_a_position_type_{mtype}"), raw, mmsi)

    def sentence(
        lineno: int, text: str, raw: str, ts: float | None, source: str, group: Any
    ) -> None:
        try:
            msg = NMEAMessage(text.encode())
        except (AISBaseException, ValueError, IndexError):
            reject(lineno, "malformed_sentence", raw)
            return
        if not msg.is_valid:
            reject(lineno, "bad_checksum", raw)
            return
        if msg.frag_cnt <= 1:
            handle(msg, lineno, raw, ts, source)
            return
        fragment(msg, lineno, raw, ts, source, group)

    def fragment(
        msg: Any, lineno: int, raw: str, ts: float | None, source: str, group: Any
    ) -> None:
        key = ("g", group) if group is not None else (msg.seq_id, msg.channel)
        group_items = pending.get(key)
        if msg.frag_num == 1:
            if group_items:
                for r, t, _, _, _ in group_items:
                    reject(r, "orphan_fragment", t)
            pending[key] = [(lineno, raw, msg, ts, source)]
        elif (
            group_items
            and group_items[-1][2].frag_num == msg.frag_num - 1
            and group_items[0][2].frag_cnt == msg.frag_cnt
        ):
            group_items.append((lineno, raw, msg, ts, source))
        else:
            if group_items:
                for r, t, _, _, _ in group_items:
                    reject(r, "orphan_fragment", t)
                del pending[key]
            reject(lineno, "orphan_fragment", raw)
            return
        group_items = pending[key]
        if len(group_items) == msg.frag_cnt:
            del pending[key]
            try:
                whole = NMEAMessage.assemble_from_iterable([g[2] for g in group_items])
            except (AISBaseException, ValueError):
                for r, t, _, _, _ in group_items:
                    reject(r, "orphan_fragment", t)
                return
            stamp = next(((g[3], g[4]) for g in group_items if g[3] is not None), (None, source))
            raw_all = "\n".join(g[1] for g in group_items)
            handle(whole, group_items[0][0], raw_all, stamp[0], stamp[1])

    with path.open(encoding="utf-8", errors="replace") as fh:
        for lineno, line in enumerate(fh, start=1):
            text = line.rstrip("\r\n")
            if not text.strip():
                reject(lineno, "empty_line", text)
                continue
            items, error, _ = _split_line(text, zone)
            if error is not None:
                reject(lineno, error, text)
                continue
            if len(items) == 1 and items[0][1] is None:
                # fast path (one sentence on the line), as ``sentence`` below
                sent, _, ts, source, group, _ = items[0]
                try:
                    msg = NMEAMessage(sent.encode())
                except (AISBaseException, ValueError, IndexError):
                    reject(lineno, "malformed_sentence", text)
                    continue
                if not msg.is_valid:
                    reject(lineno, "bad_checksum", text)
                elif msg.frag_cnt <= 1:
                    handle(msg, lineno, text, ts, source)
                else:
                    fragment(msg, lineno, text, ts, source, group)
                continue
            single = len(items) == 1
            for sent, err, ts, source, group, piece in items:
                raw = text if single else piece
                if err is not None:
                    reject(lineno, err, raw)
                    continue
                sentence(lineno, sent, raw, ts, source, group)
    for group_items in pending.values():
        for r, t, _, _, _ in group_items:
            reject(r, "orphan_fragment", t)
    return _assemble((pos, extra, rej), anchors, name, clock)


def _identity(d: _Fields) -> dict[str, Any]:
    def dim(a: str, b: str) -> float | None:
        if d.get(a) is None or d.get(b) is None:
            return None
        return float(d[a] + d[b])

    return {
        S.VESSEL_NAME: (d.get("shipname") or "").strip("@ ") or None,
        S.CALLSIGN: (d.get("callsign") or "").strip("@ ") or None,
        S.IMO: d.get("imo"),
        S.SHIP_TYPE: _enum(d.get("ship_type")),
        S.LENGTH_M: dim("to_bow", "to_stern"),
        S.WIDTH_M: dim("to_port", "to_starboard"),
        S.DRAFT_M: d.get("draught"),
        S.DESTINATION: (d.get("destination") or "").strip("@ ") or None,
    }


def _schema() -> dict[str, pl.DataType]:
    f64 = pl.Float64()
    out: dict[str, pl.DataType] = {k: f64 for k in _KEYS}
    out.update(
        {
            S.MMSI: pl.Int64(),
            S.TS_SOURCE: pl.String(),
            "_sec": pl.Int64(),
            "_line": pl.Int64(),
            S.AIS_CLASS: pl.String(),
            S.VESSEL_NAME: pl.String(),
            S.CALLSIGN: pl.String(),
            S.DESTINATION: pl.String(),
            ERROR: pl.String(),
            S.SOURCE_ROW: pl.UInt64(),
            RAW_COL: pl.String(),
        }
    )
    return out


#: Messages that need a time: no time of their own, and positions or identity rows.
_UNTIMED = pl.col("_ts_s").is_null() & (
    pl.col(ERROR).is_null() | (pl.col(ERROR) == S.IDENTITY_ROWS)
)


def reconstruct_times(
    msgs: pl.DataFrame, anchors: pl.DataFrame, start_s: float | None = None
) -> pl.DataFrame:
    """Fill ``_ts_s`` of untimed messages from anchors (line order + own UTC second).

    ``msgs`` has ``_line`` (message order), ``_ts_s`` (null = untimed), ``_sec`` (UTC second
    field, >= 60 or null = not available) and ``ts_source``; ``anchors`` has ``_line`` and
    ``_ts_s``. Timed messages are anchors too. Untimed messages that cannot be placed keep a null
    ``_ts_s`` and get ``_error`` ``time_not_placeable`` (or ``no_timestamp`` with no anchor at all
    and no ``start_s``).

    Examples
    --------
    >>> m = pl.DataFrame({"_line": [1, 2, 3, 4], "_ts_s": [None, None, None, None],
    ...     "_sec": [58, 3, 9, 60], "ts_source": ["base_station"] * 4, "_error": [None] * 4})
    >>> a = pl.DataFrame({"_line": [0, 5], "_ts_s": [1000.0 * 60 + 55, 1000.0 * 60 + 70]})
    >>> reconstruct_times(m, a)["_ts_s"].to_list()
    [60058.0, 60063.0, 60069.0, 60069.0]
    """
    untimed = _UNTIMED
    if msgs.select(untimed.any()).item() is not True:
        return msgs  # every message has its own time (the common tag-block log)
    own = msgs.filter(pl.col("_ts_s").is_not_null()).select("_line", "_ts_s")
    anc = pl.concat([anchors.select("_line", pl.col("_ts_s").cast(pl.Float64)), own]).sort("_line")
    if anc.height:
        median = anc["_ts_s"].median()
        anc = anc.filter((pl.col("_ts_s") - median).abs() <= 86_400.0)
        anc = anc.filter(pl.col("_ts_s") >= pl.col("_ts_s").cum_max() - ANCHOR_BACKWARD_S)
        anc = anc.unique("_line", keep="first", maintain_order=True)
    sec = pl.col("_sec")
    sec_ok = sec.is_not_null() & (sec < 60)
    if anc.height == 0:
        if start_s is None:
            return msgs.with_columns(
                pl.when(untimed).then(pl.lit("no_timestamp")).otherwise(pl.col(ERROR)).alias(ERROR)
            )
        # no anchor: walk the UTC seconds in line order from the start time
        walk = msgs.filter(untimed).sort("_line")
        s = sec.cast(pl.Float64)
        prev = s.forward_fill().shift(1)
        step = ((s - prev + 30.0) % 60.0 - 30.0).fill_null(0.0)
        first = walk.select(pl.col("_sec").filter(sec_ok).first()).item()
        start_sec = datetime.fromtimestamp(start_s, UTC).second
        t0 = start_s + (((first - start_sec) % 60) if first is not None else 0)
        walk = walk.with_columns(
            (t0 + pl.when(sec_ok).then(step).otherwise(0.0).cum_sum()).alias("_t"),
        ).select("_line", "_t")
        return (
            msgs.join(walk, on="_line", how="left")
            .with_columns(
                pl.coalesce("_ts_s", "_t").alias("_ts_s"),
                pl.when(untimed)
                .then(pl.lit("assumed"))
                .otherwise(pl.col(S.TS_SOURCE))
                .alias(S.TS_SOURCE),
            )
            .drop("_t")
        )
    # walk the UTC seconds in line order: consecutive messages are less than 30 s apart in a
    # receiver log, so the step from one message's second to the next (wrapped to [-30, 30))
    # is the time between them; anchors are points of the same walk with their full time
    f64 = pl.Float64
    seq = pl.concat(
        [
            msgs.filter(untimed).select(
                "_line",
                pl.when(sec_ok).then(sec.cast(f64)).alias("_s"),
                pl.lit(None, f64).alias("_t"),
            ),
            anc.select(
                pl.col("_line").cast(pl.Int64),
                (pl.col("_ts_s").floor() % 60.0).alias("_s"),
                pl.col("_ts_s").alias("_t"),
            ),
        ]
    ).sort("_line")
    s_eff = pl.col("_s").forward_fill()
    step = ((s_eff - s_eff.shift(1) + 30.0) % 60.0 + 60.0) % 60.0 - 30.0
    seq = seq.with_columns(step.fill_null(0.0).alias("_step")).with_columns(
        pl.col("_step").cum_sum().alias("_rel"),
        # segment = the anchor that ends it; a gap of 30 s or more without any message breaks
        # the walk once in a segment: it is where the walk steps back the most (forward walk
        # short of the next anchor) or forward the most (walk beyond it)
        pl.when(pl.col("_t").is_not_null()).then(pl.col("_line")).backward_fill().alias("_seg"),
    )
    seq = seq.with_columns(
        pl.int_range(pl.len()).over("_seg").alias("_pos"),
        pl.col("_step").arg_min().over("_seg").alias("_kmin"),
        pl.col("_step").arg_max().over("_seg").alias("_kmax"),
    )
    points = seq.filter(pl.col("_t").is_not_null()).select("_line", "_rel", "_t")
    before = points.rename({"_rel": "_ra", "_t": "_ta"}).with_columns(pl.col("_line").alias("_la"))
    nxt = points.rename({"_rel": "_rb", "_t": "_tb"}).with_columns(pl.col("_line").alias("_lb"))
    walked = (
        seq.filter(pl.col("_t").is_null())
        .join_asof(before, on="_line", strategy="backward")
        .join_asof(nxt, on="_line", strategy="forward")
    )
    rel, ta, tb = pl.col("_rel"), pl.col("_ta"), pl.col("_tb")
    fwd = ta + (rel - pl.col("_ra"))
    bwd = tb - (pl.col("_rb") - rel)
    both = ta.is_not_null() & tb.is_not_null()
    before_break = (
        pl.when(bwd > fwd)
        .then(pl.col("_pos") < pl.col("_kmin"))
        .otherwise(pl.col("_pos") < pl.col("_kmax"))
    )
    t = (
        pl.when(both & ((fwd - bwd).abs() <= 2.0))
        .then(fwd)
        .when(both)
        .then(pl.when(before_break).then(fwd).otherwise(bwd))
        .otherwise(pl.coalesce(fwd, bwd))
    )
    ok = (
        pl.when(both)
        .then(
            ((tb - ta) <= MAX_ANCHOR_GAP_S)
            & (pl.col("_est") >= ta - ANCHOR_BACKWARD_S - 30.0)
            & (pl.col("_est") <= tb + 30.0)
        )
        .when(ta.is_not_null())
        .then((pl.col("_est") - ta).abs() <= ANCHOR_TOLERANCE_S)
        .otherwise((tb - pl.col("_est")).abs() <= ANCHOR_TOLERANCE_S)
    )
    placed = (
        walked.with_columns(t.alias("_est"))
        .with_columns(ok.fill_null(False).alias("_ok"))
        .select("_line", "_est", "_ok")
    )
    return (
        msgs.join(placed, on="_line", how="left")
        .with_columns(
            pl.when(untimed & pl.col("_ok"))
            .then(pl.col("_est"))
            .otherwise(pl.col("_ts_s"))
            .alias("_ts_s"),
            pl.when(untimed & ~pl.col("_ok").fill_null(False))
            .then(pl.lit("time_not_placeable"))
            .otherwise(pl.col(ERROR))
            .alias(ERROR),
        )
        .drop("_est", "_ok")
    )


def _assemble(
    tables: tuple[dict[str, list[Any]], ...],
    anchors: dict[str, list[Any]],
    name: str,
    clock: Clock | None,
) -> pl.LazyFrame:
    schema = _schema()
    frames = [pl.DataFrame(t, schema={k: schema[k] for k in t}) for t in tables]
    anc = pl.DataFrame(anchors, schema={"_line": pl.Int64, "_ts_s": pl.Float64})
    return _assemble_frames(frames, anc, name, clock, schema)


def _assemble_frames(
    frames: list[pl.DataFrame],
    anc: pl.DataFrame,
    name: str,
    clock: Clock | None,
    schema: dict[str, pl.DataType],
    reconstruct: Callable[[pl.DataFrame, pl.DataFrame, float | None], pl.DataFrame] | None = None,
) -> pl.LazyFrame:
    """Positions, identity rows and rejects (in this order) -> the staged frame.

    The general way (every reader): the frames concatenated, times reconstructed, rows sorted by
    source row. The compiled reader builds the same frame in its positions table when it can
    (:func:`vessels.io._nmea_rows.staged_frame`).

    ``reconstruct``: the time reconstruction (:func:`reconstruct_times` when None; the
    compiled reader passes its compiled walk, which gives the same result).
    """
    frames = [f.cast({k: schema[k] for k in f.columns}) for f in frames]
    msgs = pl.concat(frames, how="diagonal")
    anc = anc.cast({"_line": pl.Int64, "_ts_s": pl.Float64})
    start_s = clock.start.timestamp() if clock is not None and clock.start is not None else None
    # only messages that are positions or identity rows need a time; reader rejects keep theirs
    # (the rejects table is the last, the only one without ``_line``)
    needs = msgs.slice(0, msgs.height - frames[-1].height)
    rest = msgs.slice(msgs.height - frames[-1].height)
    if needs.height:
        needs = (reconstruct or reconstruct_times)(needs, anc, start_s)
    out = pl.concat([needs, rest], how="vertical_relaxed")
    ts = (pl.col("_ts_s") * 1_000_000).round(0).cast(pl.Int64).cast(pl.Datetime("us", "UTC"))
    out = out.with_columns(
        ts.alias(S.TS),
        pl.col(S.MMSI).cast(pl.UInt32, strict=False),
        pl.when(pl.col(ERROR).is_null() | (pl.col(ERROR) == S.IDENTITY_ROWS))
        .then(pl.col(S.TS_SOURCE))
        .alias(S.TS_SOURCE),
    ).drop("_ts_s", "_sec", "_line")  # before the sort: three columns fewer to reorder
    if not out[S.SOURCE_ROW].is_sorted():  # a stable sort of sorted rows changes nothing
        out = out.sort(S.SOURCE_ROW, maintain_order=True)
    return out.with_columns(pl.lit(name).alias(S.SOURCE_FILE)).lazy()
