"""The compiled NMEA pass's tables -> the staged frame in source-row order, in place (private).

The compiled pass (:mod:`vessels.io._nmea_jit`) writes three tables in stream order: positions
(the bulk of a log), identity rows (types 5, 24 and 19) and rejects. The staged frame is their
rows in ``source_row`` order (a stable order: on one line, positions before identity rows before
rejects, each table in its own order), as :func:`vessels.io._nmea._assemble_frames` gets by
concatenating the three frames and sorting them, a copy of all 21 columns whose fresh pages
cost as much CPU as the rest of the reader after the pass.

Here the positions table *is* the staged frame's memory: :func:`_merge` walks the final order
backwards and moves each position row to its final slot (never below where it is, so nothing
unread is overwritten) and writes the few identity rows and rejects into the gaps, once per
column, with the walk order of the time reconstruction on the way. The compiled walk
(:func:`vessels.io._nmea_jit._walk_times`) then places the untimed messages in that memory, and
:func:`_columns` turns the integer columns into the staged frame's types in place (UTC
microseconds over the seconds, float headings over the integers, ``UInt32`` MMSIs), so that
polars takes every column without a copy; only the three short text columns (time source, AIS
class, quarantine rule) are new arrays (Arrow string views).

The result is :func:`vessels.io._nmea._assemble_frames`'s frame row for row, bit for bit (the
tests compare both on every fixture and on generated mixes). When its preconditions do not hold
(positions not in line order, which a multi-sentence position message can cause; two messages
or anchors on one line; a time that is not finite or beyond the ``Datetime`` range)
:func:`staged_frame` returns ``None`` before it changes anything, and the reader assembles the
frame the general way.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import TYPE_CHECKING

import numpy as np
import polars as pl
import pyarrow as pa
from numba import njit

from vessels import schema as S
from vessels.cleaning import ERROR, RAW_COL
from vessels.io._aisbits import series_from_arrow
from vessels.io._nmea_jit import (
    PF_COG,
    PF_LAT,
    PF_LON,
    PF_SOG,
    PF_TS,
    PI_B,
    PI_EVENT,
    PI_HASTS,
    PI_HEADING,
    PI_MMSI,
    PI_ROW,
    PI_SEC,
    PI_SRC,
    PI_STATUS,
    R_ROW,
    SOURCES,
    T_ASSUMED,
    T_NO_TIMESTAMP,
    T_NOT_PLACEABLE,
    T_PLACED,
    WALK_OK,
    XI_IS19,
    _identity_fields,
    _null_below_zero,
    _walk_times,
    _word_views,
)

if TYPE_CHECKING:
    from collections.abc import Sequence

__all__ = ["staged_frame"]

# what a row of the staged frame is
K_POS, K_X19, K_XID, K_REJ = 0, 1, 2, 3
# _check results
CHECK_OK, CHECK_GENERAL = 0, 1
#: Seconds whose microseconds still fit an Int64 (polars' cast refuses beyond; the general way
#: then decides what happens).
MAX_ABS_S = 9.0e12
N_PI_COPY = PI_HASTS + 1  # the position columns an identity row carries (type 19)
N_PF_COPY = PF_COG + 1

_SOURCE_WORDS = [s or "" for s in SOURCES] + ["assumed"]
SRC_ASSUMED = len(SOURCES)
_SOURCE_TABLE = _word_views(_SOURCE_WORDS)
_CLASS_TABLE = _word_views(["A", "B"])
# quarantine rules the assembly adds (after the reject names)
E_NONE, E_IDENTITY, E_NOT_PLACEABLE, E_NO_TIMESTAMP = 0, 1, 2, 3
_ASSEMBLY_RULES = ["", S.IDENTITY_ROWS, "time_not_placeable", "no_timestamp"]
# identity columns, in the staged frame's order, and the text ones among them
_IDENTITY = [
    S.VESSEL_NAME,
    S.CALLSIGN,
    S.IMO,
    S.SHIP_TYPE,
    S.LENGTH_M,
    S.WIDTH_M,
    S.DRAFT_M,
    S.DESTINATION,
]
_TEXT = frozenset({S.VESSEL_NAME, S.CALLSIGN, S.DESTINATION})


@njit(cache=True, nogil=True)
def _check(
    pos_i: np.ndarray,
    pos_f: np.ndarray,
    npos: int,
    ext_i: np.ndarray,
    ext_f: np.ndarray,
    nx: int,
    anc_line: np.ndarray,
) -> tuple[int, bool]:  # pragma: no cover - compiled
    """(``CHECK_OK`` or ``CHECK_GENERAL``, whether any message has no time of its own).

    In place needs the positions in source-row order; the compiled walk needs the messages'
    and anchors' lines distinct (it hands shared lines to polars, whose unstable sort decides
    them) and every own time finite; the microseconds must fit an Int64."""
    untimed = False
    for p in range(npos):
        if p and (
            pos_i[p, PI_ROW] < pos_i[p - 1, PI_ROW] or pos_i[p, PI_EVENT] <= pos_i[p - 1, PI_EVENT]
        ):
            return CHECK_GENERAL, untimed
        if pos_i[p, PI_HASTS]:
            if not abs(pos_f[p, PF_TS]) < MAX_ABS_S:  # also NaN
                return CHECK_GENERAL, untimed
        else:
            untimed = True
    for x in range(nx):
        if x and ext_i[x, PI_EVENT] <= ext_i[x - 1, PI_EVENT]:
            return CHECK_GENERAL, untimed
        if ext_i[x, PI_HASTS]:
            if not abs(ext_f[x, PF_TS]) < MAX_ABS_S:
                return CHECK_GENERAL, untimed
        else:
            untimed = True
    # lines of positions, identity rows and anchors: all distinct (three sorted lists)
    p = 0
    x = 0
    a = 0
    last = -(1 << 62)
    first = True
    while p < npos or x < nx or a < len(anc_line):
        best = 1 << 62
        which = -1
        if p < npos and pos_i[p, PI_EVENT] < best:
            best = pos_i[p, PI_EVENT]
            which = 0
        if x < nx and ext_i[x, PI_EVENT] < best:
            best = ext_i[x, PI_EVENT]
            which = 1
        if a < len(anc_line) and anc_line[a] < best:
            best = anc_line[a]
            which = 2
        if which < 0 or (not first and best <= last):
            return CHECK_GENERAL, untimed
        first = False
        last = best
        if which == 0:
            p += 1
        elif which == 1:
            x += 1
        else:
            a += 1
    return CHECK_OK, untimed


@njit(cache=True, nogil=True, inline="always")
def _put_view(
    dst: np.ndarray, i: int, src: np.ndarray, j: int, side: int
) -> None:  # pragma: no cover
    """View ``j`` of another table into slot ``i``, its side buffer renumbered to ``side``."""
    for k in range(16):
        dst[i, k] = src[j, k]
    n = np.int64(0)
    index = np.int64(0)
    for k in range(4):
        n |= np.int64(src[j, k]) << (8 * k)
        index |= np.int64(src[j, 8 + k]) << (8 * k)
    if n > 12 and index == 0:
        for k in range(4):
            dst[i, 8 + k] = (side >> (8 * k)) & 255


@njit(cache=True, nogil=True)
def _merge(
    pos_i: np.ndarray,
    pos_f: np.ndarray,
    pos_v: np.ndarray,
    npos: int,
    ext_i: np.ndarray,
    ext_f: np.ndarray,
    ext_v: np.ndarray,
    xs: np.ndarray,
    rej: np.ndarray,
    rej_v: np.ndarray,
    rej_mmsi: np.ndarray,
    rs: np.ndarray,
    ext_side: int,
    rej_side: int,
    walk: bool,
    kind: np.ndarray,
    has_ts: np.ndarray,
    untimed: np.ndarray,
    sec_ok: np.ndarray,
    order: np.ndarray,
    x_at: np.ndarray,
    r_at: np.ndarray,
) -> None:  # pragma: no cover - compiled
    """Positions, identity rows (``xs``: by source row, stable) and rejects (``rs``: likewise)
    merged by source row into the positions table, from the last row back (a position row moves
    only up, into a slot already read). Fills ``kind``, the slots of identity rows and rejects
    (``x_at``, ``r_at``) and, when ``walk``, the walk's inputs: ``has_ts``, ``untimed``,
    ``sec_ok`` and ``order`` (the messages' slots in line order)."""
    nx = len(xs)
    nr = len(rs)
    n = npos + nx + nr
    p = npos - 1
    xi = nx - 1
    ri = nr - 1
    xk = nx  # identity rows (table order = line order) on lines before position p's
    before = np.zeros(nx, dtype=np.int64)  # positions on lines before each identity row's
    for i in range(n - 1, -1, -1):
        which = -1
        top = 0
        if ri >= 0:
            which = 2
            top = rej[rs[ri], R_ROW]
        if xi >= 0:
            row = ext_i[xs[xi], PI_ROW]
            if which < 0 or row > top:
                which = 1
                top = row
        if p >= 0 and (which < 0 or pos_i[p, PI_ROW] > top):
            which = 0
        if which == 0:
            if i != p:
                for c in range(N_PI_COPY):
                    pos_i[i, c] = pos_i[p, c]
                for c in range(N_PF_COPY):
                    pos_f[i, c] = pos_f[p, c]
                for k in range(16):
                    pos_v[i, k] = pos_v[p, k]
            kind[i] = K_POS
            if walk:
                line = pos_i[i, PI_EVENT]
                while xk > 0 and ext_i[xk - 1, PI_EVENT] > line:
                    xk -= 1
                    before[xk] = p + 1
                order[p + xk] = i
                has = pos_i[i, PI_HASTS] != 0
                has_ts[i] = has
                untimed[i] = not has
                sec_ok[i] = pos_i[i, PI_SEC] >= 0
            p -= 1
        elif which == 1:
            x = xs[xi]
            for c in range(N_PI_COPY):
                pos_i[i, c] = ext_i[x, c]
            for c in range(N_PF_COPY):
                pos_f[i, c] = ext_f[x, c]
            _put_view(pos_v, i, ext_v, x, ext_side)
            is19 = ext_i[x, XI_IS19] == 1
            kind[i] = K_X19 if is19 else K_XID
            x_at[x] = i
            if walk:
                has = ext_i[x, PI_HASTS] != 0
                has_ts[i] = has
                untimed[i] = not has
                sec_ok[i] = is19 and ext_i[x, PI_SEC] >= 0
            xi -= 1
        else:
            r = rs[ri]
            for c in range(N_PI_COPY):
                pos_i[i, c] = 0
            for c in range(N_PF_COPY):
                pos_f[i, c] = 0.0
            pos_i[i, PI_MMSI] = rej_mmsi[r]
            pos_i[i, PI_ROW] = rej[r, R_ROW]
            _put_view(pos_v, i, rej_v, r, rej_side)
            kind[i] = K_REJ
            r_at[r] = i
            if walk:
                has_ts[i] = False
                untimed[i] = False
                sec_ok[i] = False
            ri -= 1
    if walk:
        for x in range(nx):
            order[x + before[x]] = x_at[x]


@njit(cache=True, nogil=True, inline="always")
def _set(bits: np.ndarray, i: int) -> None:  # pragma: no cover - compiled
    bits[i >> 3] |= np.uint8(1 << (i & 7))


@njit(cache=True, nogil=True)
def _columns(
    mmsi: np.ndarray,
    ts: np.ndarray,
    heading: np.ndarray,
    status: np.ndarray,
    hasts: np.ndarray,
    src_col: np.ndarray,
    b_col: np.ndarray,
    n: int,
    kind: np.ndarray,
    code: np.ndarray,
    rej_rule: np.ndarray,
    r_at: np.ndarray,
    source_views: np.ndarray,
    class_views: np.ndarray,
    rule_views: np.ndarray,
    ts_source: np.ndarray,
    ais_class: np.ndarray,
    error: np.ndarray,
    bits: np.ndarray,
) -> int:  # pragma: no cover - compiled
    """The staged frame's columns over the merged tables, in place where the type allows.

    MMSI to ``UInt32`` (packed into the first half of its column), seconds to UTC microseconds
    (rounded half to even, as polars rounds), heading and navigational status to floats; the
    time source, AIS class and quarantine rule as string views (``error`` zeroed: only the rows
    with a rule are written). ``bits`` rows are the validity
    bitmaps of: MMSI, time, time source, position fields, heading, status, AIS class, rule.
    Returns the number of rows with a quarantine rule."""
    mmsi32 = mmsi.view(np.uint32)
    us = ts.view(np.int64)
    heading_f = heading.view(np.float64)
    status_f = status.view(np.float64)
    n_rules = 0
    for i in range(n):
        k = kind[i]
        m = mmsi[i]
        mmsi32[i] = np.uint32(m if m >= 0 else 0)
        if k != K_REJ or m >= 0:
            _set(bits[0], i)
        c = code[i]
        timed = k != K_REJ and (hasts[i] != 0 or c == T_PLACED or c == T_ASSUMED)  # noqa: SIM109
        if timed:
            us[i] = np.int64(np.rint(ts[i] * 1_000_000.0))
            _set(bits[1], i)
        else:
            us[i] = 0
        rule = E_NONE
        if c == T_NOT_PLACEABLE:
            rule = E_NOT_PLACEABLE
        elif c == T_NO_TIMESTAMP:
            rule = E_NO_TIMESTAMP
        elif k == K_XID:
            rule = E_IDENTITY
        src = SRC_ASSUMED if c == T_ASSUMED else src_col[i]
        for b in range(16):
            ts_source[i, b] = source_views[src, b]
        if k != K_REJ and rule != E_NOT_PLACEABLE and rule != E_NO_TIMESTAMP:
            _set(bits[2], i)
        position = k <= K_X19  # positions and type-19 identity rows (K_POS, K_X19)
        if position:
            _set(bits[3], i)
        h = heading[i]
        heading_f[i] = float(h)
        if position and h >= 0:
            _set(bits[4], i)
        st = status[i]
        status_f[i] = float(st)
        if position and st >= 0:
            _set(bits[5], i)
        cls = 1 if b_col[i] == 1 else 0
        for b in range(16):
            ais_class[i, b] = class_views[cls, b]
        if position:
            _set(bits[6], i)
        if rule != E_NONE:  # other rows keep the zeros of a fresh array (pages not touched)
            for b in range(16):
                error[i, b] = rule_views[rule, b]
            _set(bits[7], i)
            n_rules += 1
    for r in range(len(r_at)):
        i = r_at[r]
        for b in range(16):
            error[i, b] = rule_views[rej_rule[r], b]
        _set(bits[7], i)
        n_rules += 1
    return n_rules


def _primitive(name: str, values: np.ndarray, valid: np.ndarray | None) -> pl.Series:
    """A polars series over a contiguous numpy column and an Arrow validity bitmap (no copy)."""
    arrow = pa.Array.from_buffers(
        pa.from_numpy_dtype(values.dtype),
        len(values),
        [None if valid is None else pa.py_buffer(valid), pa.py_buffer(values)],
    )
    return series_from_arrow(name, arrow)


def _views(
    name: str, views: np.ndarray, buffers: Sequence[np.ndarray], valid: np.ndarray | None
) -> pl.Series:
    bufs = [pa.py_buffer(b) for b in buffers]
    arrow = pa.Array.from_buffers(
        pa.string_view(),
        len(views),
        [None if valid is None else pa.py_buffer(valid), pa.py_buffer(views), *bufs],
    )
    return series_from_arrow(name, arrow)


def _identity_columns(
    ext_i: np.ndarray,
    ext_f: np.ndarray,
    ext_txt: np.ndarray,
    ext_tlen: np.ndarray,
    x_at: np.ndarray,
    n: int,
) -> list[pl.Series]:
    """Name, call sign, IMO, ship type, dimensions, draught and destination: null but on
    identity rows (gathered from the identity table by a null-padded index)."""
    f64 = pl.Float64()
    if not len(x_at):
        return [
            pl.Series(c, dtype=pl.String if c in _TEXT else f64).extend_constant(None, n)
            for c in _IDENTITY
        ]
    table = _identity_fields(ext_i, ext_f, ext_txt, ext_tlen).select(
        S.VESSEL_NAME,
        S.CALLSIGN,
        _null_below_zero("_imo", S.IMO, f64),
        _null_below_zero("_type", S.SHIP_TYPE, f64),
        _null_below_zero("_len", S.LENGTH_M, f64),
        _null_below_zero("_wid", S.WIDTH_M, f64),
        _null_below_zero("_draught", S.DRAFT_M, f64),
        S.DESTINATION,
    )
    index = np.zeros(n, dtype=np.uint32)
    index[x_at] = np.arange(len(x_at), dtype=np.uint32)
    valid = np.zeros(n, dtype=np.bool_)
    valid[x_at] = True
    at = _primitive("_at", index, np.packbits(valid, bitorder="little"))
    return [table[c].gather(at) for c in _IDENTITY]


def staged_frame(
    *,
    pos: tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray],
    npos: int,
    ext: tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray],
    nx: int,
    rej: tuple[np.ndarray, np.ndarray, np.ndarray],
    rej_rules: np.ndarray,
    rej_mmsi: np.ndarray,
    rule_names: list[str],
    windows: list[np.ndarray],
    anc_line: np.ndarray,
    anc_ts: np.ndarray,
    name: str,
    start_s: float | None,
) -> pl.LazyFrame | None:
    """The staged frame from the compiled pass's tables, built in the positions table.

    ``pos``: positions (int and float columns, raw-text views, side buffer), ``ext``: identity
    rows (the same plus their text fields), ``rej``: rejects (table, views, side buffer), each
    table's first ``npos`` / ``nx`` / ``len(rej_rules)`` rows used; ``rej_rules``: each
    reject's rule as an index into ``rule_names``; ``windows``: the file's buffers the views
    point to; ``anc_line``/``anc_ts``: the base-station anchors in line order. ``None`` (nothing
    changed): the frame must be assembled the general way.
    """
    pos_i, pos_f, pos_v, pos_side = pos
    ext_i, ext_f, ext_v, ext_side, ext_txt, ext_tlen = ext
    rej_t, rej_v, rej_side = rej
    nr = len(rej_rules)
    n = npos + nx + nr
    if n > len(pos_i) or n > len(pos_v):  # pragma: no cover - the pass sizes tables for every row
        return None
    status, walk = _check(pos_i, pos_f, npos, ext_i, ext_f, nx, anc_line)
    if status != CHECK_OK:
        return None
    xs = np.argsort(ext_i[:nx, PI_ROW], kind="stable")
    rs = np.argsort(rej_t[:nr, R_ROW], kind="stable")
    kind = np.empty(n, dtype=np.int8)
    size = n if walk else 0
    has_ts = np.empty(size, dtype=np.bool_)
    untimed = np.empty(size, dtype=np.bool_)
    sec_ok = np.empty(size, dtype=np.bool_)
    order = np.empty(npos + nx if walk else 0, dtype=np.int64)
    x_at = np.empty(nx, dtype=np.int64)
    r_at = np.empty(nr, dtype=np.int64)
    n_win = len(windows)
    _merge(
        pos_i, pos_f, pos_v, npos, ext_i, ext_f, ext_v, xs, rej_t, rej_v, rej_mmsi, rs,
        1 + n_win, 2 + n_win, walk, kind, has_ts, untimed, sec_ok, order, x_at, r_at,
    )  # fmt: skip
    code = np.zeros(n, dtype=np.int8)
    if walk:
        own = pos_f[:n, PF_TS][has_ts]
        median = 0.0
        if len(own) or len(anc_ts):  # the polars median, as reconstruct_times takes it
            median = float(pl.Series(np.concatenate([anc_ts, own])).median())  # type: ignore[arg-type]
        del own
        start_sec = datetime.fromtimestamp(start_s, UTC).second if start_s is not None else 0
        ts = pos_f[:n, PF_TS]
        got = _walk_times(
            order,
            pos_i[:n, PI_EVENT],
            ts,
            has_ts,
            pos_i[:n, PI_SEC],
            sec_ok,
            untimed,
            anc_line,
            anc_ts,
            median,
            start_s is not None,
            0.0 if start_s is None else float(start_s),
            start_sec,
            ts,
            code,
        )
        if got != WALK_OK:  # pragma: no cover - _check rules out what the walk refuses
            raise AssertionError("the compiled walk refused lines _check let through")
        del has_ts, untimed, sec_ok, order
    rule_table = _word_views(_ASSEMBLY_RULES + rule_names)
    shift = len(_ASSEMBLY_RULES)
    ts_source = np.empty((n, 16), dtype=np.uint8)
    ais_class = np.empty((n, 16), dtype=np.uint8)
    error = np.zeros((n, 16), dtype=np.uint8)  # null rows: empty views
    bits = np.zeros((8, (n + 7) // 8), dtype=np.uint8)
    n_rules = _columns(
        pos_i[:, PI_MMSI],
        pos_f[:, PF_TS],
        pos_i[:, PI_HEADING],
        pos_i[:, PI_STATUS],
        pos_i[:, PI_HASTS],
        pos_i[:, PI_SRC],
        pos_i[:, PI_B],
        n,
        kind,
        code,
        rej_rules + shift,
        r_at,
        _SOURCE_TABLE[0],
        _CLASS_TABLE[0],
        rule_table[0],
        ts_source,
        ais_class,
        error,
        bits,
    )
    del kind, code
    position = bits[3]
    cols = [
        _primitive(S.MMSI, pos_i[:, PI_MMSI].view(np.uint32)[:n], bits[0]),
        _views(S.TS_SOURCE, ts_source, [_SOURCE_TABLE[1]], bits[2]),
        _primitive(S.LAT, pos_f[:n, PF_LAT], position),
        _primitive(S.LON, pos_f[:n, PF_LON], position),
        _primitive(S.SOG_KN, pos_f[:n, PF_SOG], position),
        _primitive(S.COG_DEG, pos_f[:n, PF_COG], position),
        _primitive(S.HEADING_DEG, pos_i[:n, PI_HEADING].view(np.float64), bits[4]),
        _primitive(S.NAV_STATUS, pos_i[:n, PI_STATUS].view(np.float64), bits[5]),
        _views(S.AIS_CLASS, ais_class, [_CLASS_TABLE[1]], bits[6]),
        _primitive(S.SOURCE_ROW, pos_i[:n, PI_ROW].view(np.uint64), None),
        _views(RAW_COL, pos_v[:n], [pos_side, *windows, ext_side, rej_side], None),
        *_identity_columns(ext_i[:nx], ext_f[:nx], ext_txt[:nx], ext_tlen[:nx], x_at, n),
        _views(ERROR, error, [rule_table[1]], bits[7])
        if n_rules
        else pl.Series(ERROR, dtype=pl.String).extend_constant(None, n),
        _primitive(S.TS, pos_f[:n, PF_TS].view(np.int64), bits[1]).cast(pl.Datetime("us", "UTC")),
    ]
    return pl.DataFrame(cols).with_columns(pl.lit(name).alias(S.SOURCE_FILE)).lazy()
