"""Compiled single pass over a raw NMEA AIS log (private; used by :mod:`vessels.io._nmea`).

The reader's rules (see :mod:`vessels.io._nmea`) applied by three numba-compiled passes over the
file's bytes, writing straight into preallocated numpy columns (no per-message Python objects):

1. **Lines** (:func:`_frame`): lines cut at ``\\r\\n``, ``\\r`` or ``\\n`` as Python's text mode
   does; blank lines; one sentence (tag block, text before, text after) or several back to
   back, the shapes of :mod:`vessels.io._nmea_vec`; tag-block checksum, ``c:`` time, ``g:``
   group; a Unix-epoch prefix or trailing time. A line of any other shape (non-ASCII, ISO
   prefix, unusual numbers, damaged tag blocks) is *left* to the per-line code
   (``_split_line``), as in the vectorised reader, and its items are merged back in file order.
2. **Sentences** (:func:`_parse`): the usual ``!xxVDM,cnt,num,seq,chan,payload,fill*hh``
   shape and its checksum; any other sentence is read by pyais (``_parse_one``).
3. **Messages** (:func:`_messages`): the per-key fragment state machine of the per-line
   reader, payload assembly, 6-bit decoding of the fields the reader keeps (types 1/2/3, 4, 5,
   18, 19, 21, 24, 27; offsets from :mod:`vessels.io._aisbits`' layouts) and the reader's
   quarantine rules, emitting positions, identity rows, rejects and anchors in stream order.
   Other message types (and type 24 parts 2/3) are decoded by pyais afterwards, as before.

The staged frame is then built in the positions table itself
(:func:`vessels.io._nmea_rows.staged_frame`: identity rows and rejects merged in by source row,
columns converted in place, no reorder copy), the time reconstruction of messages without a time
of their own being the compiled walk :func:`_walk_times` (one pass in line order; the same times,
rules and time sources as the polars :func:`vessels.io._nmea.reconstruct_times`, which the tests
check bit for bit). Where that cannot apply (positions out of line order, shared lines, times
beyond the ``Datetime`` range) it is built by :func:`vessels.io._nmea._assemble_frames` as the
other readers do, with the same walk; the tests check both ways give the same frame.
Anything this pass cannot reproduce exactly (a fill-bit count outside 0-5 from pyais, a hash
collision between fragment keys, many left lines) returns ``None`` and the caller uses
:func:`vessels.io._nmea_vec.stage_nmea_vectorised` instead. The tests check that both paths give
the same staged frame on every fixture and on generated mixes.

numba (BSD-2) compiles the passes once per machine (``cache=True``, ~30 CPU s) into the
``__pycache__`` next to this file (else ``~/.cache/numba``; ``NUMBA_CACHE_DIR`` first when set),
keyed by a hash of this file's text: every later process loads the machine code (~0.4 CPU s); an
edit of this file compiles again once. With no writable place numba refuses ``cache=True`` at
import, and :func:`vessels.io._nmea._compiled` falls back to the vectorised reader with a warning.
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import polars as pl
import pyarrow as pa
from numba import njit, types
from numba.typed import Dict

from vessels import schema as S
from vessels._pages import small_pages
from vessels.cleaning import ERROR, RAW_COL
from vessels.io import _aisbits as A
from vessels.io._aisbits import series_from_arrow
from vessels.io._nmea import ANCHOR_BACKWARD_S, ANCHOR_TOLERANCE_S, MAX_ANCHOR_GAP_S

if TYPE_CHECKING:
    from vessels.io._read import Clock

__all__ = [
    "LEFT_LINES_FREE",
    "LEFT_SHARE_MAX",
    "reconstruct_times_compiled",
    "stage_nmea_compiled",
]

#: Above this share of lines left to the per-line Python code (and more than
#: :data:`LEFT_LINES_FREE` of them), the whole file goes through the vectorised reader instead:
#: per-line Python is ~20 x slower per line than its expressions.
LEFT_SHARE_MAX = 0.02
#: Lines left to the per-line code that never send a file to the vectorised reader (~10 ms).
LEFT_LINES_FREE = 1000

# -- codes ------------------------------------------------------------------------------------

ERRORS = (
    None,
    "empty_line",
    "not_nmea",
    "malformed_sentence",
    "bad_checksum",
    "orphan_fragment",
    "empty_payload",
    "bad_bit_count",
    "undecodable",
    "non_vessel_base_station",
    "non_vessel_aid_to_navigation",
    None,  # decoded by pyais afterwards (the rule is set then)
)
E_EMPTY, E_NOT_NMEA, E_MALFORMED, E_CHECKSUM, E_ORPHAN = 1, 2, 3, 4, 5
E_EMPTY_PAYLOAD, E_BITS, E_UNDECODABLE, E_BASE, E_AID, E_REST = 6, 7, 8, 9, 10, 11
_ERROR_CODE = {e: i for i, e in enumerate(ERRORS) if e is not None}
SOURCES = (None, "tag_block", "line_prefix", "trailing_epoch", "base_station")
_SOURCE_CODE = {s: i for i, s in enumerate(SOURCES) if s is not None}
SRC_TAG, SRC_PREFIX, SRC_TRAIL, SRC_BASE = 1, 2, 3, 4
# _frame results
FRAME_OK, FRAME_FULL = 0, 1
# _messages results
MSG_OK, MSG_BAIL, MSG_STAGED = 0, 1, 2

# -- lookup tables ----------------------------------------------------------------------------

_WS = np.zeros(256, dtype=np.bool_)  # what \s matches on ASCII text (str.isspace())
for _c in (9, 10, 11, 12, 13, 28, 29, 30, 31, 32):
    _WS[_c] = True
_TAIL = _WS.copy()  # [\s,;:]
for _c in b",;:":
    _TAIL[_c] = True
_HEX = np.full(256, -1, dtype=np.int64)
for _i, _c in enumerate(b"0123456789ABCDEF"):
    _HEX[_c] = _i
for _i, _c in enumerate(b"abcdef"):
    _HEX[_c] = 10 + _i
_POW10 = np.array([10.0**k for k in range(16)], dtype=np.float64)
_ARMOR = A._ARMOR.astype(np.int64)
_SIXBIT = A._SIXBIT_ASCII.copy()
_SHIP_TYPE = A._SHIP_TYPE.astype(np.int64)
_MIN_BITS = np.full(64, 38, dtype=np.int64)


def _fill_min_bits() -> None:
    from vessels.io._nmea import MIN_BITS

    for t, bits in MIN_BITS.items():
        _MIN_BITS[t] = bits


_fill_min_bits()


def _off(layout: Any, name: str) -> int:
    return next(f.offset for f in layout.fields if f.name == name)


# field offsets (bits) from the decoder's layouts; widths are the ITU-R M.1371 ones
O1 = {k: _off(A._L1, k) for k in ("status", "speed", "lon", "lat", "course", "heading", "second")}
O18 = {k: _off(A._L18, k) for k in ("speed", "lon", "lat", "course", "heading", "second")}
O19 = {k: _off(A._L19, k) for k in ("shipname", "ship_type", "to_bow")}
O27 = {k: _off(A._L27, k) for k in ("status", "lon", "lat", "speed", "course")}
O4 = {k: _off(A._L4, k) for k in ("year", "month", "day", "hour", "minute", "second")}
O5 = {
    k: _off(A._L5, k)
    for k in ("imo", "callsign", "shipname", "ship_type", "to_bow", "draught", "destination")
}
O24 = {k: _off(A._L24B, k) for k in ("ship_type", "callsign", "to_bow")}
# as plain module constants (numba freezes globals at compile time)
P1_STATUS, P1_SPEED, P1_LON, P1_LAT = O1["status"], O1["speed"], O1["lon"], O1["lat"]
P1_COURSE, P1_HEADING, P1_SECOND = O1["course"], O1["heading"], O1["second"]
P18_SPEED, P18_LON, P18_LAT = O18["speed"], O18["lon"], O18["lat"]
P18_COURSE, P18_HEADING, P18_SECOND = O18["course"], O18["heading"], O18["second"]
P19_NAME, P19_TYPE, P19_DIM = O19["shipname"], O19["ship_type"], O19["to_bow"]
P27_STATUS, P27_LON, P27_LAT = O27["status"], O27["lon"], O27["lat"]
P27_SPEED, P27_COURSE = O27["speed"], O27["course"]
P4_YEAR, P4_MONTH, P4_DAY = O4["year"], O4["month"], O4["day"]
P4_HOUR, P4_MINUTE, P4_SECOND = O4["hour"], O4["minute"], O4["second"]
P5_IMO, P5_CALL, P5_NAME, P5_TYPE = O5["imo"], O5["callsign"], O5["shipname"], O5["ship_type"]
P5_DIM, P5_DRAUGHT, P5_DEST = O5["to_bow"], O5["draught"], O5["destination"]
P24_TYPE, P24_CALL, P24_DIM = O24["ship_type"], O24["callsign"], O24["to_bow"]
AUX_LO, AUX_HI = A._AUX_MMSI
TEXT_W = 20  # characters of the longest text field kept (name, destination: 120 bits)

# item columns (int64 matrix)
I_ROW, I_K, I_SS, I_SE, I_RS, I_RE, I_ERR, I_HASTS, I_SRC, I_GS, I_GE = range(11)
N_ICOLS = 11
# parsed sentence columns (int64 matrix)
Q_BAD, Q_CNT, Q_NUM, Q_SEQ, Q_CS, Q_CE, Q_PS, Q_PE, Q_FILL, Q_ODD = range(10)
N_QCOLS = 10
# position columns: int matrix and float matrix
PI_MMSI, PI_SEC, PI_EVENT, PI_HEADING, PI_STATUS, PI_ROW, PI_B, PI_SRC, PI_HASTS = range(9)
N_PI = 9
PF_TS, PF_LAT, PF_LON, PF_SOG, PF_COG = range(5)
N_PF = 5
# identity-row columns (type 19 also fills the position ones)
XI_IS19, XI_IMO, XI_TYPE, XI_LEN, XI_WID = N_PI, N_PI + 1, N_PI + 2, N_PI + 3, N_PI + 4
N_XI = N_PI + 5
XF_DRAUGHT = N_PF
N_XF = N_PF + 1
T_NAME, T_CALL, T_DEST = 0, 1, 2
# reject columns
R_ROW, R_ERR, R_MMSI, R_TYPE, R_PS, R_PE, R_FILL, R_EVENT = range(8)
N_R = 8


# -- pass 1: lines ----------------------------------------------------------------------------


@njit(cache=True, nogil=True)
def _count(buf: np.ndarray) -> tuple[int, int, int]:  # pragma: no cover - compiled
    """(lines, '!' bytes, most '!' on one line) of the file: the tables' upper bounds."""
    n = len(buf)
    lines = 0
    bangs = 0
    most = 0
    here = 0
    i = 0
    while i < n:
        c = buf[i]
        if c == 10 or c == 13:
            lines += 1
            most = max(most, here)
            here = 0
            if c == 13 and i + 1 < n and buf[i + 1] == 10:
                i += 1
        elif c == 33:
            bangs += 1
            here += 1
        i += 1
    most = max(most, here)
    if n and buf[n - 1] != 10 and buf[n - 1] != 13:
        lines += 1
    return lines, bangs, most


@njit(cache=True, nogil=True)
def _decimal(buf: np.ndarray, a: int, b: int) -> tuple[bool, float]:  # pragma: no cover
    """``float(text)`` of ``[0-9]+(.[0-9]+)?`` with at most 15 digits (exact); else not ok."""
    i = a
    v = 0
    nd = 0
    while i < b and 48 <= buf[i] <= 57:
        v = v * 10 + (buf[i] - 48)
        nd += 1
        i += 1
    if nd == 0:
        return False, 0.0
    k = 0
    if i < b:
        if buf[i] != 46:
            return False, 0.0
        i += 1
        while i < b and 48 <= buf[i] <= 57:
            v = v * 10 + (buf[i] - 48)
            nd += 1
            k += 1
            i += 1
        if k == 0 or i != b:
            return False, 0.0
    if nd > 15:
        return False, 0.0
    return True, float(v) / _POW10[k]


@njit(cache=True, nogil=True)
def _epoch(v: float) -> float:  # pragma: no cover - compiled
    return v / 1000.0 if v > 1e11 else v  # milliseconds in some receivers


@njit(cache=True, nogil=True)
def _digits(buf: np.ndarray, i: int, b: int) -> int:  # pragma: no cover - compiled
    j = i
    while j < b and 48 <= buf[j] <= 57:
        j += 1
    return j


@njit(cache=True, nogil=True)
def _prefix(buf: np.ndarray, a: int, b: int) -> tuple[int, bool, float]:  # pragma: no cover
    """(0 ok / 1 leave to Python, has time, epoch) of the text before the first sentence."""
    i = a
    while i < b and _WS[buf[i]]:
        i += 1
    if i == b:
        return 0, False, 0.0  # nothing but spaces: no time
    j = _digits(buf, i, b)
    n = j - i
    end = j
    if n == 9 or n == 10:
        if j + 1 < b and buf[j] == 46 and 48 <= buf[j + 1] <= 57:
            end = _digits(buf, j + 1, b)
    elif n != 12 and n != 13:
        return 1, False, 0.0  # an ISO time or anything else: as Python does
    m = end
    while m < b and _TAIL[buf[m]]:
        m += 1
    if m != b:
        return 1, False, 0.0
    ok, v = _decimal(buf, i, end)
    if not ok:
        return 1, False, 0.0
    return 0, True, _epoch(v)


@njit(cache=True, nogil=True)
def _trailing(buf: np.ndarray, a: int, b: int) -> tuple[int, bool, float]:  # pragma: no cover
    """(0 ok / 1 leave to Python, has time, epoch) of ``\\s*,?\\s*(\\d{9,13}(\\.\\d+)?)\\s*``."""
    i = a
    while i < b and _WS[buf[i]]:
        i += 1
    if i < b and buf[i] == 44:
        i += 1
        while i < b and _WS[buf[i]]:
            i += 1
    j = _digits(buf, i, b)
    n = j - i
    if n < 9 or n > 13:
        return 0, False, 0.0
    end = j
    if j + 1 < b and buf[j] == 46 and 48 <= buf[j + 1] <= 57:
        end = _digits(buf, j + 1, b)
    m = end
    while m < b and _WS[buf[m]]:
        m += 1
    if m != b:
        return 0, False, 0.0
    ok, v = _decimal(buf, i, end)
    if not ok:
        return 1, False, 0.0
    return 0, True, _epoch(v)


@njit(cache=True, nogil=True)
def _tag(
    buf: np.ndarray, a: int, b: int
) -> tuple[int, bool, bool, float, int, int]:  # pragma: no cover
    """Tag block content ``[a, b)``: (0 ok / 1 leave to Python, bad checksum, has time,
    epoch, group start, group end) as ``vessels.io._nmea._tag`` reads it."""
    star = -1
    for i in range(a, b):
        if buf[i] == 42:
            star = i
            break
    body_e = star if star >= 0 else b
    if star >= 0 and b > star + 1:
        c1 = _HEX[buf[star + 1]]
        if c1 < 0:
            return 1, False, False, 0.0, -1, -1
        want = c1
        if b > star + 2:
            c2 = _HEX[buf[star + 2]]
            if c2 < 0:
                return 1, False, False, 0.0, -1, -1
            want = c1 * 16 + c2
        x = 0
        for i in range(a, body_e):
            x ^= buf[i]
        if x != want:
            return 0, True, False, 0.0, -1, -1
    has = False
    ts = 0.0
    gs = -1
    ge = -1
    p = a
    while p <= body_e:
        q = p
        while q < body_e and buf[q] != 44:
            q += 1
        if q - p >= 2 and buf[p + 1] == 58:
            if buf[p] == 99:  # c:
                ok, v = _decimal(buf, p + 2, q)
                if not ok:
                    return 1, False, False, 0.0, -1, -1
                has = True
                ts = _epoch(v)
            elif buf[p] == 103:  # g: the id after the last '-'
                r = q
                while r > p + 2 and buf[r - 1] != 45:
                    r -= 1
                if r < q:
                    gs = r
                    ge = q
                else:
                    gs = -1
                    ge = -1
        p = q + 1
    return 0, False, has, ts, gs, ge


@njit(cache=True, nogil=True)
def _piece(buf: np.ndarray, p: int, b: int) -> tuple[int, int]:  # pragma: no cover - compiled
    """(end, '!' position) of a piece ``(\\\\tag\\\\)?![A-Z]{2}VD[MO],[^!\\\\*]*\\*hh`` at
    ``p``; end -1: none."""
    bang = p
    if buf[p] == 92:
        q = p + 1
        while q < b and buf[q] != 92 and buf[q] != 33:
            q += 1
        if q >= b or buf[q] != 92:
            return -1, -1
        bang = q + 1
    if bang + 7 > b or buf[bang] != 33:
        return -1, -1
    if not (65 <= buf[bang + 1] <= 90 and 65 <= buf[bang + 2] <= 90):
        return -1, -1
    if buf[bang + 3] != 86 or buf[bang + 4] != 68:
        return -1, -1
    if (buf[bang + 5] != 77 and buf[bang + 5] != 79) or buf[bang + 6] != 44:
        return -1, -1
    q = bang + 7
    while q < b and buf[q] != 42 and buf[q] != 33 and buf[q] != 92:
        q += 1
    if q + 3 > b or buf[q] != 42 or _HEX[buf[q + 1]] < 0 or _HEX[buf[q + 2]] < 0:
        return -1, -1
    return q + 3, bang


@njit(cache=True, nogil=True)
def _line_end(buf: np.ndarray, s: int) -> tuple[int, int]:  # pragma: no cover - compiled
    """(end, start of the next line) of the line at ``s``: ``\\r\\n``, ``\\r`` or ``\\n``."""
    n = len(buf)
    e = s
    while e < n and buf[e] != 10 and buf[e] != 13:
        e += 1
    nxt = e + 1
    if e < n and buf[e] == 13 and e + 1 < n and buf[e + 1] == 10:
        nxt = e + 2
    return e, nxt


@njit(cache=True, nogil=True, inline="always")
def _frame_line(
    buf: np.ndarray, s: int, e: int, row: int, items: np.ndarray, ni: int, ts: np.ndarray
) -> tuple[int, bool]:  # pragma: no cover - compiled
    """Items of line ``[s, e)`` appended at ``ni``: (new count, handled); not handled: the
    line is left to the per-line code (nothing appended)."""
    # one pass: ASCII? blank? '!' and '\' counts and positions
    ascii_ = True
    blank = True
    nb = 0
    nbs = 0
    first_bang = -1
    second_bs = -1
    last_star = -1
    for i in range(s, e):
        c = buf[i]
        if c >= 128:
            ascii_ = False
            break
        if not _WS[c]:
            blank = False
        if c == 33:
            nb += 1
            if first_bang < 0:
                first_bang = i
        elif c == 92:
            nbs += 1
            if nbs == 2:
                second_bs = i
        elif c == 42:
            last_star = i
    if not ascii_:
        return ni, False
    if blank:
        items[ni, I_ROW] = row
        items[ni, I_K] = 0
        items[ni, I_SS] = -1
        items[ni, I_SE] = -1
        items[ni, I_RS] = s
        items[ni, I_RE] = e
        items[ni, I_ERR] = E_EMPTY
        items[ni, I_HASTS] = 0
        items[ni, I_SRC] = 0
        items[ni, I_GS] = -1
        items[ni, I_GE] = -1
        ni += 1
        return ni, True
    handled = False
    if nb == 1:
        # [\tag\][prefix]!sentence*hh[after]
        tag_s = -1
        tag_e = -1
        pre_s = s
        ok = False
        if nbs == 0:
            ok = True
        elif nbs == 2 and buf[s] == 92 and second_bs < first_bang:
            ok = True
            tag_s = s + 1
            tag_e = second_bs
            pre_s = second_bs + 1
        if ok and last_star > first_bang and last_star + 3 <= e:
            handled = True
            esc, bad, has_t, t, gs, ge = 0, False, False, 0.0, -1, -1
            if tag_s >= 0:
                esc, bad, has_t, t, gs, ge = _tag(buf, tag_s, tag_e)
            if esc:
                handled = False
            else:
                src = SRC_TAG if has_t else 0
                if not has_t and not bad:
                    src = 0
                    esc2, has_p, tp = _prefix(buf, pre_s, first_bang)
                    if esc2:
                        handled = False
                    elif has_p:
                        has_t = True
                        t = tp
                        src = SRC_PREFIX
                    else:
                        esc3, has_q, tq = _trailing(buf, last_star + 3, e)
                        if esc3:
                            handled = False
                        elif has_q:
                            has_t = True
                            t = tq
                            src = SRC_TRAIL
                if handled:
                    items[ni, I_ROW] = row
                    items[ni, I_K] = 0
                    items[ni, I_RS] = s
                    items[ni, I_RE] = e
                    if bad:
                        items[ni, I_SS] = -1
                        items[ni, I_SE] = -1
                        items[ni, I_ERR] = E_CHECKSUM
                        items[ni, I_HASTS] = 0
                        items[ni, I_SRC] = 0
                        items[ni, I_GS] = -1
                        items[ni, I_GE] = -1
                    else:
                        items[ni, I_SS] = first_bang
                        items[ni, I_SE] = last_star + 3
                        items[ni, I_ERR] = 0
                        items[ni, I_HASTS] = 1 if has_t else 0
                        ts[ni] = t
                        items[ni, I_SRC] = src
                        items[ni, I_GS] = gs
                        items[ni, I_GE] = ge
                    ni += 1
    elif nb >= 2:
        # [prefix](\tag\]!sentence*hh)+[after]
        p = s
        while p < e and buf[p] != 92 and buf[p] != 33:
            p += 1
        pre_e = p
        start = ni
        good = True
        k = 0
        while p < e and (buf[p] == 92 or buf[p] == 33):
            end, bang = _piece(buf, p, e)
            if end < 0:
                good = False
                break
            items[ni, I_ROW] = row
            items[ni, I_K] = k
            items[ni, I_RS] = p
            items[ni, I_RE] = end
            items[ni, I_SS] = bang
            items[ni, I_SE] = end
            items[ni, I_GS] = p + 1 if bang > p else -1  # tag content, read below
            items[ni, I_GE] = bang - 1 if bang > p else -1
            ni += 1
            k += 1
            p = end
        for j in range(p, e):
            if buf[j] == 92 or buf[j] == 33:
                good = False
        if good and k >= 2:
            esc, has_l, tl = _prefix(buf, s, pre_e)
            src_l = SRC_PREFIX
            if not esc and not has_l:
                esc, has_l, tl = _trailing(buf, p, e)
                src_l = SRC_TRAIL
            handled = not esc
            for j in range(start, ni):
                if not handled:
                    break
                a = items[j, I_GS]
                b = items[j, I_GE]
                bad = False
                has_t = False
                t = 0.0
                gs = -1
                ge = -1
                if a >= 0:
                    esc, bad, has_t, t, gs, ge = _tag(buf, a, b)
                    if esc:
                        handled = False
                        break
                if bad:
                    items[j, I_SS] = -1
                    items[j, I_SE] = -1
                    items[j, I_ERR] = E_CHECKSUM
                    items[j, I_HASTS] = 0
                    items[j, I_SRC] = 0
                else:
                    items[j, I_ERR] = 0
                    if has_t:
                        items[j, I_HASTS] = 1
                        ts[j] = t
                        items[j, I_SRC] = SRC_TAG
                    elif has_l:
                        items[j, I_HASTS] = 1
                        ts[j] = tl
                        items[j, I_SRC] = src_l
                    else:
                        items[j, I_HASTS] = 0
                        items[j, I_SRC] = 0
                items[j, I_GS] = gs
                items[j, I_GE] = ge
        if not handled:
            ni = start
    return ni, handled


@njit(cache=True, nogil=True)
def _frame(
    buf: np.ndarray, items: np.ndarray, ts: np.ndarray, left: np.ndarray
) -> tuple[int, int, int]:  # pragma: no cover - compiled
    """Items of every line the compiled shapes cover; the other lines' (row, start, end) in
    ``left``. Returns (items, left lines, lines)."""
    n = len(buf)
    ni = 0
    nl = 0
    row = 0
    s = 0
    while s < n:
        e, nxt = _line_end(buf, s)
        row += 1
        ni, handled = _frame_line(buf, s, e, row, items, ni, ts)
        if not handled:
            left[nl, 0] = row
            left[nl, 1] = s
            left[nl, 2] = e
            nl += 1
        s = nxt
    return ni, nl, row


# -- pass 2: sentences ------------------------------------------------------------------------

# one item as the message pass reads it (int64 record)
RC_ROW, RC_RS, RC_RE, RC_HASTS, RC_SRC, RC_GS, RC_GE, RC_ERR = range(8)
RC_CNT, RC_NUM, RC_SEQ, RC_CS, RC_CE, RC_PS, RC_PE, RC_FILL = range(8, 16)
N_RC = 16


@njit(cache=True, nogil=True)
def _sentence(
    buf: np.ndarray, a: int, b: int, rec: np.ndarray
) -> tuple[bool, int]:  # pragma: no cover
    """(odd, error code) of sentence ``[a, b)``; the fields of the usual shape into ``rec``.

    Odd: not ``!xx,cnt,num,seq,chan,payload,...,fill*hh`` in ASCII (pyais reads it)."""
    odd = b - a < 12 or buf[a] != 33 or buf[b - 3] != 42 or buf[b - 5] != 44
    commas = 0
    c1 = c2 = c3 = c4 = c5 = c6 = -1
    if not odd:
        for j in range(a, b - 3):
            c = buf[j]
            if c >= 128 or c == 42:
                odd = True
                break
            if c == 44:
                commas += 1
                if commas == 1:
                    c1 = j
                elif commas == 2:
                    c2 = j
                elif commas == 3:
                    c3 = j
                elif commas == 4:
                    c4 = j
                elif commas == 5:
                    c5 = j
                elif commas == 6:
                    c6 = j
    if not odd:
        for j in range(b - 3, b):
            if buf[j] >= 128:
                odd = True
    if not odd:
        fill = buf[b - 4] - 48
        odd = (
            commas < 6
            or c2 != c1 + 2
            or c3 != c2 + 2
            or c4 - c3 - 1 > 3
            or not (49 <= buf[c1 + 1] <= 57)
            or not (49 <= buf[c2 + 1] <= 57)
            or not (0 <= fill <= 5)
            or _HEX[buf[b - 2]] < 0
            or _HEX[buf[b - 1]] < 0
        )
        if not odd:
            for j in range(c3 + 1, c4):
                if not (48 <= buf[j] <= 57):
                    odd = True
    if odd:
        return True, 0
    cnt = buf[c1 + 1] - 48
    num = buf[c2 + 1] - 48
    seq = -1
    if c4 > c3 + 1:
        seq = 0
        for j in range(c3 + 1, c4):
            seq = seq * 10 + (buf[j] - 48)
    rec[RC_CNT] = cnt
    rec[RC_NUM] = num
    rec[RC_SEQ] = seq
    rec[RC_CS] = c4 + 1
    rec[RC_CE] = c5
    rec[RC_PS] = c5 + 1
    rec[RC_PE] = c6
    rec[RC_FILL] = buf[b - 4] - 48
    if num > cnt or c6 - c5 - 1 > 200:  # pyais: MAX_PAYLOAD_LEN
        return False, E_MALFORMED
    x = 0
    for j in range(a + 1, b - 3):
        x ^= buf[j]
    if x != _HEX[buf[b - 2]] * 16 + _HEX[buf[b - 1]]:
        return False, E_CHECKSUM
    return False, 0


@njit(cache=True, nogil=True)
def _parse(buf: np.ndarray, items: np.ndarray, q: np.ndarray) -> int:  # pragma: no cover
    """Fields of every sentence of the usual shape into ``q``; others flagged ``Q_ODD``.

    Returns the number of odd sentences."""
    n_odd = 0
    rec = np.zeros(N_RC, dtype=np.int64)
    for i in range(len(items)):
        q[i, Q_ODD] = 0
        q[i, Q_BAD] = 0
        q[i, Q_CNT] = 0
        a = items[i, I_SS]
        if items[i, I_ERR] != 0 or a < 0:
            continue
        odd, bad = _sentence(buf, a, items[i, I_SE], rec)
        if odd:
            q[i, Q_ODD] = 1
            n_odd += 1
            continue
        q[i, Q_BAD] = bad
        q[i, Q_CNT] = rec[RC_CNT]
        q[i, Q_NUM] = rec[RC_NUM]
        q[i, Q_SEQ] = rec[RC_SEQ]
        q[i, Q_CS] = rec[RC_CS]
        q[i, Q_CE] = rec[RC_CE]
        q[i, Q_PS] = rec[RC_PS]
        q[i, Q_PE] = rec[RC_PE]
        q[i, Q_FILL] = rec[RC_FILL]
    return n_odd


# -- pass 3: messages -------------------------------------------------------------------------

# counters of the message pass
C_NPOS, C_NEXT, C_NREJ, C_NANC, C_NPAY, C_ORDER, C_NFREE, C_NSLOT = range(8)
C_SIDE_POS, C_SIDE_EXT, C_SIDE_REJ = 8, 9, 10  # bytes used in each stream's side buffer
N_CTR = 11
#: The raw text column is an Arrow string view over the file's bytes (no copy): data buffer 0
#: is the stream's side buffer (multi-sentence messages' joined text), buffer 1 + k the file
#: from byte k * WINDOW, WINDOW * 2 bytes long (view offsets are int32).
WINDOW = 1 << 30
MAX_PENDING_KEYS = 1 << 16  # message keys pending at once; more: the vectorised reader
MAX_FRAGMENTS = 9


@njit(cache=True, nogil=True)
def _bits(
    p: np.ndarray, ps: int, plen: int, nbits: int, off: int, width: int, signed: bool
) -> tuple[int, bool]:  # pragma: no cover - compiled
    """Bits ``[off, off + width)`` of a payload, with pyais's rules for short payloads."""
    if off >= nbits:
        return 0, False
    end = off + width
    c0 = off // 6
    c1 = (end - 1) // 6
    acc = 0
    for c in range(c0, c1 + 1):
        v = _ARMOR[p[ps + c]] if c < plen else 0
        acc = (acc << 6) | v
    acc = (acc >> (6 * (c1 + 1) - end)) & ((1 << width) - 1)
    cut = end - nbits
    if cut < 0:
        cut = 0
    value = acc >> cut
    if signed:
        sign = 1 << (width - cut - 1)
        value = (value ^ sign) - sign
    return value, True


@njit(cache=True, nogil=True)
def _latlon(v: int) -> float:  # pragma: no cover - compiled
    return ((10 * v + 3) // 6) / 1e6


@njit(cache=True, nogil=True)
def _latlon600(v: int) -> float:  # pragma: no cover - compiled
    return ((10000 * v + 3) // 6) / 1e6


@njit(cache=True, nogil=True)
def _text(
    p: np.ndarray,
    ps: int,
    plen: int,
    nbits: int,
    off: int,
    width: int,
    out: np.ndarray,
    r: int,
    col: int,
    lens: np.ndarray,
    tmp: np.ndarray,
) -> None:  # pragma: no cover - compiled
    """6-bit text, stripped of '@' and ' ' at both ends (as the reader keeps it); -1: null."""
    if off >= nbits:
        lens[r, col] = -1
        return
    n = (width + 5) // 6
    for k in range(n):
        v, _ = _bits(p, ps, plen, nbits, off + 6 * k, 6, False)
        tmp[k] = _SIXBIT[v]
    a = 0
    while a < n and (tmp[a] == 64 or tmp[a] == 32):
        a += 1
    b = n
    while b > a and (tmp[b - 1] == 64 or tmp[b - 1] == 32):
        b -= 1
    if b == a:
        lens[r, col] = -1
        return
    for k in range(a, b):
        out[r, col, k - a] = tmp[k]
    lens[r, col] = b - a


@njit(cache=True, nogil=True)
def _civil_days(y: int, m: int, d: int) -> int:  # pragma: no cover - compiled
    """Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's algorithm)."""
    if m <= 2:
        y -= 1
    era = (y if y >= 0 else y - 399) // 400
    yoe = y - era * 400
    mp = (m + 9) % 12
    doy = (153 * mp + 2) // 5 + d - 1
    doe = yoe * 365 + yoe // 4 - yoe // 100 + doy
    return era * 146097 + doe - 719468


@njit(cache=True, nogil=True)
def _anchor(
    p: np.ndarray, ps: int, plen: int, nbits: int
) -> tuple[bool, float]:  # pragma: no cover - compiled
    """UTC epoch of a type 4 report (``_anchor_epoch``); not ok when a field is impossible."""
    y, ok1 = _bits(p, ps, plen, nbits, P4_YEAR, 14, False)
    mo, ok2 = _bits(p, ps, plen, nbits, P4_MONTH, 4, False)
    d, ok3 = _bits(p, ps, plen, nbits, P4_DAY, 5, False)
    h, ok4 = _bits(p, ps, plen, nbits, P4_HOUR, 5, False)
    mi, ok5 = _bits(p, ps, plen, nbits, P4_MINUTE, 6, False)
    s, ok6 = _bits(p, ps, plen, nbits, P4_SECOND, 6, False)
    if not (ok1 and ok2 and ok3 and ok4 and ok5 and ok6):
        return False, 0.0
    if y < 2000 or y > 2100 or s > 59 or h > 23 or mi > 59 or mo < 1 or mo > 12 or d < 1:
        return False, 0.0
    leap = (y % 4 == 0 and y % 100 != 0) or y % 400 == 0
    month_days = 31
    if mo == 2:
        month_days = 29 if leap else 28
    elif mo == 4 or mo == 6 or mo == 9 or mo == 11:
        month_days = 30
    if d > month_days:
        return False, 0.0
    return True, float(_civil_days(y, mo, d) * 86400 + h * 3600 + mi * 60 + s)


@njit(cache=True, nogil=True)
def _copy(src: np.ndarray, a: int, b: int, dst: np.ndarray, at: int) -> int:  # pragma: no cover
    for j in range(a, b):
        dst[at + j - a] = src[j]
    return at + b - a


@njit(cache=True, nogil=True)
def _view(
    views: np.ndarray, r: int, src: np.ndarray, a: int, b: int, side_at: int
) -> None:  # pragma: no cover - compiled
    """Arrow string view ``r`` of ``src[a:b]``: the file (``side_at`` < 0) or the side buffer
    at ``side_at`` (length, then 12 inline bytes, or a 4-byte prefix, buffer, offset)."""
    n = b - a
    for k in range(4):
        views[r, k] = (n >> (8 * k)) & 255
    if n <= 12:
        for k in range(12):
            views[r, 4 + k] = src[a + k] if k < n else 0
        return
    for k in range(4):
        views[r, 4 + k] = src[a + k]
    if side_at >= 0:
        index = 0
        off = side_at
    else:
        index = 1 + a // WINDOW
        off = a - (index - 1) * WINDOW
    for k in range(4):
        views[r, 8 + k] = (index >> (8 * k)) & 255
        views[r, 12 + k] = (off >> (8 * k)) & 255


@njit(cache=True, nogil=True)
def _raw_view(
    buf: np.ndarray,
    cur: np.ndarray,
    nfr: int,
    views: np.ndarray,
    r: int,
    side: np.ndarray,
    ctr: np.ndarray,
    c_side: int,
) -> None:  # pragma: no cover - compiled
    """Raw text of a message: its line (a view of the file) or its sentences joined by newlines
    (copied to the side buffer)."""
    if nfr == 1:
        _view(views, r, buf, cur[0, RC_RS], cur[0, RC_RE], -1)
        return
    at0 = ctr[c_side]
    at = at0
    for j in range(nfr):
        if j:
            side[at] = 10
            at += 1
        at = _copy(buf, cur[j, RC_RS], cur[j, RC_RE], side, at)
    ctr[c_side] = at
    _view(views, r, side, at0, at, at0)


@njit(cache=True, nogil=True)
def _key_hash(buf: np.ndarray, kind: int, seq: int, a: int, b: int) -> np.int64:  # pragma: no cover
    h = np.uint64(14695981039346656037)
    h = (h ^ np.uint64(kind + 7)) * np.uint64(1099511628211)
    h = (h ^ np.uint64(seq + 2)) * np.uint64(1099511628211)
    for j in range(a, b):
        h = (h ^ np.uint64(buf[j])) * np.uint64(1099511628211)
    return np.int64(h)


@njit(cache=True, nogil=True)
def _same_key(buf: np.ndarray, a: int, b: int, c: int, d: int) -> bool:  # pragma: no cover
    if b - a != d - c:
        return False
    for j in range(b - a):  # noqa: SIM110 - a loop numba compiles
        if buf[a + j] != buf[c + j]:
            return False
    return True


@njit(cache=True, nogil=True, inline="always")
def _message(
    buf: np.ndarray,
    nfr: int,
    gi: int,
    cur: np.ndarray,
    cur_ts: np.ndarray,
    pos_i: np.ndarray,
    pos_f: np.ndarray,
    pos_roff: np.ndarray,
    pos_raw: np.ndarray,
    ext_i: np.ndarray,
    ext_f: np.ndarray,
    ext_roff: np.ndarray,
    ext_raw: np.ndarray,
    ext_txt: np.ndarray,
    ext_tlen: np.ndarray,
    rej: np.ndarray,
    rej_roff: np.ndarray,
    rej_raw: np.ndarray,
    paybuf: np.ndarray,
    anc_e: np.ndarray,
    anc_t: np.ndarray,
    ctr: np.ndarray,
    scratch: np.ndarray,
    tscratch: np.ndarray,
) -> None:  # pragma: no cover - compiled
    """Decode one whole message (fragments ``cur[:nfr]``) and apply the reader's rules."""
    npos = ctr[C_NPOS]
    next_ = ctr[C_NEXT]
    nrej = ctr[C_NREJ]
    nanc = ctr[C_NANC]
    npay = ctr[C_NPAY]
    row = cur[0, RC_ROW]
    has_ts = 0
    t = 0.0
    src = SRC_BASE
    for j in range(nfr):
        if cur[j, RC_HASTS]:
            has_ts = 1
            t = cur_ts[j]
            src = cur[j, RC_SRC]
            break
    fill = cur[nfr - 1, RC_FILL]
    if nfr == 1:
        p = buf
        ps = cur[0, RC_PS]
        plen = cur[0, RC_PE] - ps
    else:
        p = scratch
        ps = 0
        plen = 0
        for j in range(nfr):
            plen = _copy(buf, cur[j, RC_PS], cur[j, RC_PE], scratch, plen)
    nbits = 6 * plen - fill
    why = 0
    mtype = 0
    if plen == 0:
        why = E_EMPTY_PAYLOAD
    else:
        mtype, _ = _bits(p, ps, plen, nbits, 0, 6, False)
        if nbits < _MIN_BITS[mtype]:
            why = E_BITS
    mmsi = -1
    kind = 0  # 0 reject, 1 position, 2 identity row
    if why == 0:
        mmsi, _ = _bits(p, ps, plen, nbits, 8, 30, False)
        if mtype == 1 or mtype == 2 or mtype == 3 or mtype == 18 or mtype == 27 or mtype == 19:
            kind = 1
        elif mtype == 5:
            kind = 2
        elif mtype == 24:
            part, _ = _bits(p, ps, plen, nbits, 38, 2, False)
            kind = 2 if part <= 1 else 0
            if part > 1:
                why = E_REST
        elif mtype == 4:
            why = E_BASE
            ok, at = _anchor(p, ps, plen, nbits)
            if ok:
                anc_e[nanc] = gi
                anc_t[nanc] = at
                nanc += 1
        elif mtype == 21:
            why = E_AID
        else:
            why = E_REST
    if kind == 0:
        rej[nrej, R_ROW] = row
        rej[nrej, R_ERR] = why
        rej[nrej, R_MMSI] = mmsi if (why == E_BASE or why == E_AID) else -1  # noqa: SIM109
        rej[nrej, R_TYPE] = mtype
        rej[nrej, R_EVENT] = gi
        if why == E_REST:
            rej[nrej, R_PS] = npay
            npay = _copy(p, ps, ps + plen, paybuf, npay)
            rej[nrej, R_PE] = npay
            rej[nrej, R_FILL] = fill
        _raw_view(buf, cur, nfr, rej_roff, nrej, rej_raw, ctr, C_SIDE_REJ)
        nrej += 1
        ctr[C_NPOS] = npos
        ctr[C_NEXT] = next_
        ctr[C_NREJ] = nrej
        ctr[C_NANC] = nanc
        ctr[C_NPAY] = npay
        return
    # the position part (types 1/2/3, 18, 19, 27)
    to_ext = not (kind == 1 and mtype != 19)
    if to_ext:
        out_i = ext_i
        out_f = ext_f
        r = next_
        next_ += 1
    else:
        out_i = pos_i
        out_f = pos_f
        r = npos
        npos += 1
    out_i[r, PI_MMSI] = mmsi
    out_i[r, PI_EVENT] = gi
    out_i[r, PI_ROW] = row
    out_i[r, PI_SRC] = src if has_ts else SRC_BASE
    out_i[r, PI_HASTS] = has_ts
    out_f[r, PF_TS] = t
    if kind == 1:
        out_i[r, PI_B] = 1 if (mtype == 18 or mtype == 19) else 0
        if mtype <= 3:
            v, _ = _bits(p, ps, plen, nbits, P1_STATUS, 4, False)
            out_i[r, PI_STATUS] = v
            v, _ = _bits(p, ps, plen, nbits, P1_SPEED, 10, False)
            out_f[r, PF_SOG] = v / 10.0
            v, _ = _bits(p, ps, plen, nbits, P1_LON, 28, True)
            out_f[r, PF_LON] = _latlon(v)
            v, _ = _bits(p, ps, plen, nbits, P1_LAT, 27, True)
            out_f[r, PF_LAT] = _latlon(v)
            v, _ = _bits(p, ps, plen, nbits, P1_COURSE, 12, False)
            out_f[r, PF_COG] = v / 10.0
            v, _ = _bits(p, ps, plen, nbits, P1_HEADING, 9, False)
            out_i[r, PI_HEADING] = v
            v, _ = _bits(p, ps, plen, nbits, P1_SECOND, 6, False)
            out_i[r, PI_SEC] = v
        elif mtype == 27:
            v, _ = _bits(p, ps, plen, nbits, P27_STATUS, 4, False)
            out_i[r, PI_STATUS] = v
            v, _ = _bits(p, ps, plen, nbits, P27_LON, 18, True)
            out_f[r, PF_LON] = _latlon600(v)
            v, _ = _bits(p, ps, plen, nbits, P27_LAT, 17, True)
            out_f[r, PF_LAT] = _latlon600(v)
            v, _ = _bits(p, ps, plen, nbits, P27_SPEED, 6, False)
            out_f[r, PF_SOG] = float(v)
            v, _ = _bits(p, ps, plen, nbits, P27_COURSE, 9, False)
            out_f[r, PF_COG] = float(v)
            out_i[r, PI_HEADING] = -1
            out_i[r, PI_SEC] = -1
        else:  # 18, 19
            out_i[r, PI_STATUS] = -1
            v, _ = _bits(p, ps, plen, nbits, P18_SPEED, 10, False)
            out_f[r, PF_SOG] = v / 10.0
            v, _ = _bits(p, ps, plen, nbits, P18_LON, 28, True)
            out_f[r, PF_LON] = _latlon(v)
            v, _ = _bits(p, ps, plen, nbits, P18_LAT, 27, True)
            out_f[r, PF_LAT] = _latlon(v)
            v, _ = _bits(p, ps, plen, nbits, P18_COURSE, 12, False)
            out_f[r, PF_COG] = v / 10.0
            v, _ = _bits(p, ps, plen, nbits, P18_HEADING, 9, False)
            out_i[r, PI_HEADING] = v
            v, _ = _bits(p, ps, plen, nbits, P18_SECOND, 6, False)
            out_i[r, PI_SEC] = v
    if to_ext:
        # identity fields (types 19, 5, 24)
        ext_i[r, XI_IS19] = 1 if mtype == 19 else 0
        ext_i[r, XI_IMO] = -1
        ext_i[r, XI_TYPE] = -1
        ext_i[r, XI_LEN] = -1
        ext_i[r, XI_WID] = -1
        ext_f[r, XF_DRAUGHT] = -1.0
        ext_tlen[r, T_NAME] = -1
        ext_tlen[r, T_CALL] = -1
        ext_tlen[r, T_DEST] = -1
        dim = -1
        if mtype == 19:
            _text(p, ps, plen, nbits, P19_NAME, 120, ext_txt, r, T_NAME, ext_tlen, tscratch)
            v, ok = _bits(p, ps, plen, nbits, P19_TYPE, 8, False)
            if ok:
                ext_i[r, XI_TYPE] = _SHIP_TYPE[v]
            dim = P19_DIM
        elif mtype == 5:
            v, ok = _bits(p, ps, plen, nbits, P5_IMO, 30, False)
            if ok:
                ext_i[r, XI_IMO] = v
            _text(p, ps, plen, nbits, P5_CALL, 42, ext_txt, r, T_CALL, ext_tlen, tscratch)
            _text(p, ps, plen, nbits, P5_NAME, 120, ext_txt, r, T_NAME, ext_tlen, tscratch)
            v, ok = _bits(p, ps, plen, nbits, P5_TYPE, 8, False)
            if ok:
                ext_i[r, XI_TYPE] = _SHIP_TYPE[v]
            dim = P5_DIM
            v, ok = _bits(p, ps, plen, nbits, P5_DRAUGHT, 8, False)
            if ok:
                ext_f[r, XF_DRAUGHT] = v / 10.0
            _text(p, ps, plen, nbits, P5_DEST, 120, ext_txt, r, T_DEST, ext_tlen, tscratch)
        else:  # 24
            part, _ = _bits(p, ps, plen, nbits, 38, 2, False)
            if part == 0:
                _text(p, ps, plen, nbits, 40, 120, ext_txt, r, T_NAME, ext_tlen, tscratch)
            else:
                v, ok = _bits(p, ps, plen, nbits, P24_TYPE, 8, False)
                if ok:
                    ext_i[r, XI_TYPE] = v
                _text(p, ps, plen, nbits, P24_CALL, 42, ext_txt, r, T_CALL, ext_tlen, tscratch)
                if not (AUX_LO <= mmsi <= AUX_HI):
                    dim = P24_DIM
        if dim >= 0:
            bow, ok1 = _bits(p, ps, plen, nbits, dim, 9, False)
            stern, ok2 = _bits(p, ps, plen, nbits, dim + 9, 9, False)
            port, ok3 = _bits(p, ps, plen, nbits, dim + 18, 6, False)
            star, ok4 = _bits(p, ps, plen, nbits, dim + 24, 6, False)
            if ok1 and ok2:
                ext_i[r, XI_LEN] = bow + stern
            if ok3 and ok4:
                ext_i[r, XI_WID] = port + star
    if to_ext:
        _raw_view(buf, cur, nfr, ext_roff, r, ext_raw, ctr, C_SIDE_EXT)
    else:
        _raw_view(buf, cur, nfr, pos_roff, r, pos_raw, ctr, C_SIDE_POS)
    ctr[C_NPOS] = npos
    ctr[C_NEXT] = next_
    ctr[C_NREJ] = nrej
    ctr[C_NANC] = nanc
    ctr[C_NPAY] = npay


@njit(cache=True, nogil=True)
def _reject(
    buf: np.ndarray,
    rec: np.ndarray,
    err: int,
    gi: int,
    rej: np.ndarray,
    rej_roff: np.ndarray,
    rej_raw: np.ndarray,
    ctr: np.ndarray,
) -> None:  # pragma: no cover - compiled
    k = ctr[C_NREJ]
    rej[k, R_ROW] = rec[RC_ROW]
    rej[k, R_ERR] = err
    rej[k, R_MMSI] = -1
    rej[k, R_EVENT] = gi
    _view(rej_roff, k, buf, rec[RC_RS], rec[RC_RE], -1)
    ctr[C_NREJ] = k + 1


@njit(cache=True, nogil=True, inline="always")
def _process(
    buf: np.ndarray,
    rec: np.ndarray,
    t: float,
    gi: int,
    rej: np.ndarray,
    rej_roff: np.ndarray,
    rej_raw: np.ndarray,
    ctr: np.ndarray,
    slots: Any,
    s_key: np.ndarray,
    s_n: np.ndarray,
    s_order: np.ndarray,
    s_rec: np.ndarray,
    s_ts: np.ndarray,
    free: np.ndarray,
    cur: np.ndarray,
    cur_ts: np.ndarray,
) -> int:  # pragma: no cover - compiled
    """One item in stream order: a reject, a single-sentence message, or a fragment run
    through the per-line reader's state machine (per key: tag-block group, else sequential id
    and channel). A key is open from a fragment 1 until its message completes or a stray
    fragment orphans it; the slot of a closed key is reused. Returns the number of fragments
    of the message it completes (in ``cur``; 0: none) or -1 (the vectorised reader instead)."""
    err = rec[RC_ERR]
    if err != 0:
        _reject(buf, rec, err, gi, rej, rej_roff, rej_raw, ctr)
        return 0
    cnt = rec[RC_CNT]
    if cnt <= 1:
        cur[0, :] = rec
        cur_ts[0] = t
        return 1
    if cnt > MAX_FRAGMENTS:
        return -1
    num = rec[RC_NUM]
    if rec[RC_GS] >= 0:
        kind, seq, ka, kb = 1, -1, rec[RC_GS], rec[RC_GE]
    else:
        kind, seq, ka, kb = 2, rec[RC_SEQ], rec[RC_CS], rec[RC_CE]
    h = _key_hash(buf, kind, seq, ka, kb)
    if h in slots:
        sl = slots[h]
        if (
            s_key[sl, 0] != kind
            or s_key[sl, 1] != seq
            or not _same_key(buf, s_key[sl, 2], s_key[sl, 3], ka, kb)
        ):
            return -1  # a hash collision: the vectorised reader instead
    else:
        if ctr[C_NFREE] > 0:
            ctr[C_NFREE] -= 1
            sl = free[ctr[C_NFREE]]
        else:
            sl = ctr[C_NSLOT]
            if sl >= len(s_n):
                return -1
            ctr[C_NSLOT] = sl + 1
        slots[h] = sl
        s_key[sl, 0] = kind
        s_key[sl, 1] = seq
        s_key[sl, 2] = ka
        s_key[sl, 3] = kb
        s_n[sl] = 0
    pn = s_n[sl]
    if num == 1:
        for j in range(pn):
            _reject(buf, s_rec[sl, j], E_ORPHAN, gi, rej, rej_roff, rej_raw, ctr)
        if pn == 0:
            ctr[C_ORDER] += 1
            s_order[sl] = ctr[C_ORDER]
        s_rec[sl, 0, :] = rec
        s_ts[sl, 0] = t
        s_n[sl] = 1
    elif pn > 0 and s_rec[sl, pn - 1, RC_NUM] == num - 1 and s_rec[sl, 0, RC_CNT] == cnt:
        s_rec[sl, pn, :] = rec
        s_ts[sl, pn] = t
        s_n[sl] = pn + 1
    else:
        for j in range(pn):
            _reject(buf, s_rec[sl, j], E_ORPHAN, gi, rej, rej_roff, rej_raw, ctr)
        _reject(buf, rec, E_ORPHAN, gi, rej, rej_roff, rej_raw, ctr)
        s_n[sl] = 0
        del slots[h]
        free[ctr[C_NFREE]] = sl
        ctr[C_NFREE] += 1
        return 0
    if s_n[sl] == cnt:
        for j in range(cnt):
            cur[j, :] = s_rec[sl, j]
            cur_ts[j] = s_ts[sl, j]
        s_n[sl] = 0
        del slots[h]
        free[ctr[C_NFREE]] = sl
        ctr[C_NFREE] += 1
        return cnt
    return 0


@njit(cache=True, nogil=True)
def _finish(
    buf: np.ndarray,
    gi: int,
    rej: np.ndarray,
    rej_roff: np.ndarray,
    rej_raw: np.ndarray,
    ctr: np.ndarray,
    s_n: np.ndarray,
    s_order: np.ndarray,
    s_rec: np.ndarray,
) -> None:  # pragma: no cover - compiled
    """End of file: fragments still pending are orphaned in the order their keys opened."""
    used = ctr[C_NSLOT]
    n_open = 0
    for sl in range(used):
        if s_n[sl] > 0:
            n_open += 1
    open_ = np.empty(n_open, dtype=np.int64)
    ords = np.empty(n_open, dtype=np.int64)
    n_open = 0
    for sl in range(used):
        if s_n[sl] > 0:
            open_[n_open] = sl
            ords[n_open] = s_order[sl]
            n_open += 1
    for j in np.argsort(ords):
        sl = open_[j]
        for k in range(s_n[sl]):
            _reject(buf, s_rec[sl, k], E_ORPHAN, gi, rej, rej_roff, rej_raw, ctr)


@njit(cache=True, nogil=True)
def _messages(
    buf: np.ndarray,
    items: np.ndarray,
    its: np.ndarray,
    q: np.ndarray,
    pos_i: np.ndarray,
    pos_f: np.ndarray,
    pos_roff: np.ndarray,
    pos_raw: np.ndarray,
    ext_i: np.ndarray,
    ext_f: np.ndarray,
    ext_roff: np.ndarray,
    ext_raw: np.ndarray,
    ext_txt: np.ndarray,
    ext_tlen: np.ndarray,
    rej: np.ndarray,
    rej_roff: np.ndarray,
    rej_raw: np.ndarray,
    paybuf: np.ndarray,
    anc_e: np.ndarray,
    anc_t: np.ndarray,
    ctr: np.ndarray,
    s_key: np.ndarray,
    s_n: np.ndarray,
    s_order: np.ndarray,
    s_rec: np.ndarray,
    s_ts: np.ndarray,
    free: np.ndarray,
) -> int:  # pragma: no cover - compiled
    """The message pass over framed and parsed items (lines or sentences Python read)."""
    slots = Dict.empty(key_type=types.int64, value_type=types.int64)
    cur = np.empty((MAX_FRAGMENTS, N_RC), dtype=np.int64)
    cur_ts = np.empty(MAX_FRAGMENTS, dtype=np.float64)
    scratch = np.empty(MAX_FRAGMENTS * 256, dtype=np.uint8)
    tscratch = np.empty(TEXT_W, dtype=np.uint8)
    rec = np.empty(N_RC, dtype=np.int64)
    n = len(items)
    for gi in range(n):
        rec[RC_ROW] = items[gi, I_ROW]
        rec[RC_RS] = items[gi, I_RS]
        rec[RC_RE] = items[gi, I_RE]
        rec[RC_HASTS] = items[gi, I_HASTS]
        rec[RC_SRC] = items[gi, I_SRC]
        rec[RC_GS] = items[gi, I_GS]
        rec[RC_GE] = items[gi, I_GE]
        err = items[gi, I_ERR]
        rec[RC_ERR] = err if err != 0 else q[gi, Q_BAD]
        rec[RC_CNT] = q[gi, Q_CNT]
        rec[RC_NUM] = q[gi, Q_NUM]
        rec[RC_SEQ] = q[gi, Q_SEQ]
        rec[RC_CS] = q[gi, Q_CS]
        rec[RC_CE] = q[gi, Q_CE]
        rec[RC_PS] = q[gi, Q_PS]
        rec[RC_PE] = q[gi, Q_PE]
        rec[RC_FILL] = q[gi, Q_FILL]
        nfr = _process(
            buf,
            rec,
            its[gi],
            gi,
            rej,
            rej_roff,
            rej_raw,
            ctr,
            slots,
            s_key,
            s_n,
            s_order,
            s_rec,
            s_ts,
            free,
            cur,
            cur_ts,
        )
        if nfr < 0:
            return MSG_BAIL
        if nfr:
            _message(
                buf,
                nfr,
                gi,
                cur,
                cur_ts,
                pos_i,
                pos_f,
                pos_roff,
                pos_raw,
                ext_i,
                ext_f,
                ext_roff,
                ext_raw,
                ext_txt,
                ext_tlen,
                rej,
                rej_roff,
                rej_raw,
                paybuf,
                anc_e,
                anc_t,
                ctr,
                scratch,
                tscratch,
            )
    _finish(buf, n, rej, rej_roff, rej_raw, ctr, s_n, s_order, s_rec)
    return MSG_OK


@njit(cache=True, nogil=True)
def _fused(
    buf: np.ndarray,
    line_items: np.ndarray,
    pos_i: np.ndarray,
    pos_f: np.ndarray,
    pos_roff: np.ndarray,
    pos_raw: np.ndarray,
    ext_i: np.ndarray,
    ext_f: np.ndarray,
    ext_roff: np.ndarray,
    ext_raw: np.ndarray,
    ext_txt: np.ndarray,
    ext_tlen: np.ndarray,
    rej: np.ndarray,
    rej_roff: np.ndarray,
    rej_raw: np.ndarray,
    paybuf: np.ndarray,
    anc_e: np.ndarray,
    anc_t: np.ndarray,
    ctr: np.ndarray,
    s_key: np.ndarray,
    s_n: np.ndarray,
    s_order: np.ndarray,
    s_rec: np.ndarray,
    s_ts: np.ndarray,
    free: np.ndarray,
) -> int:  # pragma: no cover - compiled
    """Lines, sentences and messages in one pass over the bytes, no item table: each line's
    items go straight to the message pass. Stops with ``MSG_STAGED`` at the first line or
    sentence left to Python (the staged passes then run)."""
    slots = Dict.empty(key_type=types.int64, value_type=types.int64)
    cur = np.empty((MAX_FRAGMENTS, N_RC), dtype=np.int64)
    cur_ts = np.empty(MAX_FRAGMENTS, dtype=np.float64)
    scratch = np.empty(MAX_FRAGMENTS * 256, dtype=np.uint8)
    tscratch = np.empty(TEXT_W, dtype=np.uint8)
    line_ts = np.empty(len(line_items), dtype=np.float64)
    rec = np.empty(N_RC, dtype=np.int64)
    n = len(buf)
    gi = 0
    row = 0
    s = 0
    while s < n:
        e, nxt = _line_end(buf, s)
        row += 1
        ni, handled = _frame_line(buf, s, e, row, line_items, 0, line_ts)
        if not handled:
            return MSG_STAGED
        for k in range(ni):
            rec[RC_ROW] = row
            rec[RC_RS] = line_items[k, I_RS]
            rec[RC_RE] = line_items[k, I_RE]
            rec[RC_HASTS] = line_items[k, I_HASTS]
            rec[RC_SRC] = line_items[k, I_SRC]
            rec[RC_GS] = line_items[k, I_GS]
            rec[RC_GE] = line_items[k, I_GE]
            err = line_items[k, I_ERR]
            rec[RC_CNT] = 0
            if err == 0:
                odd, err = _sentence(buf, line_items[k, I_SS], line_items[k, I_SE], rec)
                if odd:
                    return MSG_STAGED
            rec[RC_ERR] = err
            nfr = _process(
                buf,
                rec,
                line_ts[k],
                gi,
                rej,
                rej_roff,
                rej_raw,
                ctr,
                slots,
                s_key,
                s_n,
                s_order,
                s_rec,
                s_ts,
                free,
                cur,
                cur_ts,
            )
            if nfr < 0:
                return MSG_BAIL
            if nfr:
                _message(
                    buf,
                    nfr,
                    gi,
                    cur,
                    cur_ts,
                    pos_i,
                    pos_f,
                    pos_roff,
                    pos_raw,
                    ext_i,
                    ext_f,
                    ext_roff,
                    ext_raw,
                    ext_txt,
                    ext_tlen,
                    rej,
                    rej_roff,
                    rej_raw,
                    paybuf,
                    anc_e,
                    anc_t,
                    ctr,
                    scratch,
                    tscratch,
                )
            gi += 1
        s = nxt
    _finish(buf, gi, rej, rej_roff, rej_raw, ctr, s_n, s_order, s_rec)
    return MSG_OK


@njit(cache=True, nogil=True)
def _merge_rows(a: np.ndarray, b: np.ndarray) -> np.ndarray:  # pragma: no cover - compiled
    """Order of the rows of two row-sorted tables (a's first on equal rows) merged."""
    out = np.empty(len(a) + len(b), dtype=np.int64)
    i = 0
    j = 0
    k = 0
    while i < len(a) or j < len(b):
        if j >= len(b) or (i < len(a) and a[i] <= b[j]):
            out[k] = i
            i += 1
        else:
            out[k] = len(a) + j
            j += 1
        k += 1
    return out


# -- time reconstruction (the walk of :func:`vessels.io._nmea.reconstruct_times`) ---------------

# what the walk did to a message
T_KEEP, T_PLACED, T_NOT_PLACEABLE, T_NO_TIMESTAMP, T_ASSUMED = 0, 1, 2, 3, 4
# _walk_times results
WALK_OK, WALK_POLARS = 0, 1


@njit(cache=True, nogil=True)
def _walk_times(
    order: np.ndarray,
    line: np.ndarray,
    ts: np.ndarray,
    has_ts: np.ndarray,
    sec: np.ndarray,
    sec_valid: np.ndarray,
    untimed: np.ndarray,
    anc_line: np.ndarray,
    anc_ts: np.ndarray,
    median: float,
    has_start: bool,
    start_s: float,
    start_sec: int,
    out_ts: np.ndarray,
    code: np.ndarray,
) -> int:  # pragma: no cover - compiled
    """:func:`vessels.io._nmea.reconstruct_times` in one pass over the messages in line order.

    ``order``: the messages' rows by ``line``; ``anc_line``/``anc_ts``: the anchors by line.
    Fills ``out_ts`` (the message's time, where ``code`` is placed or assumed) and ``code``
    (``T_*``). Returns ``WALK_POLARS`` when two messages or anchors share a line (the polars
    walk's unstable sort decides those; it is used instead)."""
    n = len(order)
    for j in range(1, n):
        if line[order[j]] <= line[order[j - 1]]:
            return WALK_POLARS
    for j in range(1, len(anc_line)):
        if anc_line[j] <= anc_line[j - 1]:
            return WALK_POLARS
    # anchors: base-station reports and timed messages, by line; then the two filters
    n_own = 0
    for j in range(n):
        if has_ts[order[j]]:
            n_own += 1
    kl = np.empty(len(anc_line) + n_own, dtype=np.int64)
    kt = np.empty(len(anc_line) + n_own, dtype=np.float64)
    a = 0
    j = 0
    m = 0
    top = 0.0
    while True:
        while j < n and not has_ts[order[j]]:
            j += 1
        if a >= len(anc_line) and j >= n:
            break
        if j >= n or (a < len(anc_line) and anc_line[a] < line[order[j]]):
            li, ti = anc_line[a], anc_ts[a]
            a += 1
        else:
            r = order[j]
            if a < len(anc_line) and anc_line[a] == line[r]:
                return WALK_POLARS
            li, ti = line[r], ts[r]
            j += 1
        if abs(ti - median) > 86_400.0:
            continue  # more than a day from the median anchor
        if m == 0 or ti > top:
            top = ti
        if ti >= top - ANCHOR_BACKWARD_S:  # not running backwards against earlier anchors
            kl[m] = li
            kt[m] = ti
            m += 1
    if m == 0:
        if not has_start:
            for j in range(n):
                if untimed[order[j]]:
                    code[order[j]] = T_NO_TIMESTAMP
            return WALK_OK
        # no anchor: walk the UTC seconds in line order from the start time
        t0 = start_s
        for j in range(n):
            r = order[j]
            if untimed[r] and sec_valid[r] and sec[r] < 60:
                t0 = start_s + (sec[r] - start_sec) % 60
                break
        have = False
        prev = 0.0
        walked = 0.0
        for j in range(n):
            r = order[j]
            if not untimed[r]:
                continue
            if sec_valid[r]:
                s = float(sec[r])
                if have and sec[r] < 60:
                    walked += (s - prev + 30.0) % 60.0 - 30.0
                prev = s
                have = True
            out_ts[r] = t0 + walked
            code[r] = T_ASSUMED
        return WALK_OK
    # the walk: untimed messages and anchors merged by line; the step from one UTC second to
    # the next wrapped to [-30, 30); a segment ends at an anchor (the last one at the end)
    n_un = 0
    for j in range(n):
        if untimed[order[j]]:
            n_un += 1
    size = n_un + m
    rows = np.empty(size, dtype=np.int64)  # the message's row, or -1 - anchor index
    rel = np.empty(size, dtype=np.float64)
    kmin = np.empty(m + 1, dtype=np.int64)
    kmax = np.empty(m + 1, dtype=np.int64)
    first = np.empty(m + 1, dtype=np.int64)  # where each segment starts in the walk
    j = 0
    k = 0
    have = False
    prev = 0.0
    cum = 0.0
    lo = hi = 0.0
    first[0] = 0
    for i in range(size):
        while j < n and not untimed[order[j]]:
            j += 1
        if j >= n or (k < m and kl[k] < line[order[j]]):
            rows[i] = -1 - k
            s = np.floor(kt[k]) % 60.0
            ok = True
        else:
            r = order[j]
            rows[i] = r
            s = float(sec[r])
            ok = sec_valid[r] and sec[r] < 60
            j += 1
        step = 0.0
        if ok:
            if have:
                step = ((s - prev + 30.0) % 60.0 + 60.0) % 60.0 - 30.0
            prev = s
            have = True
        cum += step
        rel[i] = cum
        p = i - first[k]
        if p == 0 or step < lo:
            lo = step
            kmin[k] = p
        if p == 0 or step > hi:
            hi = step
            kmax[k] = p
        if rows[i] < 0:
            k += 1
            first[k] = i + 1
    k = 0
    last = -1  # the walk's index of the previous anchor
    for i in range(size):
        r = rows[i]
        if r < 0:
            last = i
            k += 1
            continue
        has_a = k > 0
        has_b = k < m
        fwd = bwd = 0.0
        if has_a:
            ta = kt[k - 1]
            fwd = ta + (rel[i] - rel[last])
        if has_b:
            tb = kt[k]
            nxt = first[k + 1] - 1
            bwd = tb - (rel[nxt] - rel[i])
        if has_a and has_b:
            if abs(fwd - bwd) <= 2.0:
                est = fwd
            else:
                p = i - first[k]
                before_break = p < kmin[k] if bwd > fwd else p < kmax[k]
                est = fwd if before_break else bwd
            ok = (
                (tb - ta) <= MAX_ANCHOR_GAP_S
                and est >= ta - ANCHOR_BACKWARD_S - 30.0
                and est <= tb + 30.0
            )
        elif has_a:
            est = fwd
            ok = abs(est - ta) <= ANCHOR_TOLERANCE_S
        else:
            est = bwd
            ok = abs(tb - est) <= ANCHOR_TOLERANCE_S
        if ok:
            out_ts[r] = est
            code[r] = T_PLACED
        else:
            code[r] = T_NOT_PLACEABLE
    return WALK_OK


def reconstruct_times_compiled(
    msgs: pl.DataFrame, anchors: pl.DataFrame, start_s: float | None = None
) -> pl.DataFrame:
    """:func:`vessels.io._nmea.reconstruct_times` by the compiled walk (:func:`_walk_times`).

    Same arguments and result; falls back to the polars walk for inputs whose order that walk
    leaves undecided (shared lines) and for non-finite or missing times.
    """
    from vessels.io._nmea import _UNTIMED, reconstruct_times

    untimed = msgs.select(_UNTIMED).to_series().to_numpy()
    if not untimed.any():
        return msgs  # every message has its own time (the common tag-block log)
    ts_col = msgs["_ts_s"]
    if msgs["_line"].null_count() or anchors["_line"].null_count() or anchors["_ts_s"].null_count():
        return reconstruct_times(msgs, anchors, start_s)
    line = msgs["_line"].cast(pl.Int64).to_numpy()
    has_ts = ts_col.is_not_null().to_numpy()
    ts = ts_col.cast(pl.Float64).fill_null(0.0).to_numpy()
    anc_line = anchors["_line"].cast(pl.Int64).to_numpy()
    anc_ts = anchors["_ts_s"].cast(pl.Float64).to_numpy()
    own = ts[has_ts]
    if not (np.isfinite(own).all() and np.isfinite(anc_ts).all()):
        return reconstruct_times(msgs, anchors, start_s)
    sec_col = msgs["_sec"]
    sec_valid = sec_col.is_not_null().to_numpy()
    sec = sec_col.cast(pl.Int64).fill_null(0).to_numpy()
    order = np.arange(len(line), dtype=np.int64)
    if len(line) > 1 and not bool((line[1:] > line[:-1]).all()):
        order = np.argsort(line, kind="stable")
    if len(anc_line) > 1 and not bool((anc_line[1:] > anc_line[:-1]).all()):
        by = np.argsort(anc_line, kind="stable")
        anc_line, anc_ts = anc_line[by], anc_ts[by]
    median = 0.0
    if len(own) or len(anc_ts):  # the polars median, the same value by construction
        median = float(pl.Series(np.concatenate([anc_ts, own])).median())  # type: ignore[arg-type]
    start_sec = datetime.fromtimestamp(start_s, UTC).second if start_s is not None else 0
    out_ts = ts.copy()
    code = np.zeros(len(line), dtype=np.int8)
    status = _walk_times(
        order,
        np.ascontiguousarray(line),
        ts,
        has_ts,
        np.ascontiguousarray(sec),
        sec_valid,
        untimed,
        np.ascontiguousarray(anc_line),
        np.ascontiguousarray(anc_ts),
        median,
        start_s is not None,
        0.0 if start_s is None else float(start_s),
        start_sec,
        out_ts,
        code,
    )
    if status != WALK_OK:
        return reconstruct_times(msgs, anchors, start_s)
    new = pl.Series("_code", code)
    timed = has_ts | (code == T_PLACED) | (code == T_ASSUMED)
    return msgs.with_columns(
        _arrow_series("_ts_s", out_ts, timed),
        pl.when(new == T_NOT_PLACEABLE)
        .then(pl.lit("time_not_placeable"))
        .when(new == T_NO_TIMESTAMP)
        .then(pl.lit("no_timestamp"))
        .otherwise(pl.col(ERROR))
        .alias(ERROR),
        pl.when(new == T_ASSUMED)
        .then(pl.lit("assumed"))
        .otherwise(pl.col(S.TS_SOURCE))
        .alias(S.TS_SOURCE),
    )


# -- Python side: the lines and sentences left to the per-line code, the frames --------------


def _empty(shape: int | tuple[int, ...], dtype: Any, order: str = "C") -> np.ndarray:
    return np.empty(shape, dtype=dtype, order=order)  # type: ignore[call-overload]


def _identity_fields(
    ints: np.ndarray, floats: np.ndarray, txt: np.ndarray, lens: np.ndarray
) -> pl.DataFrame:
    """The identity fields of identity rows (raw codes ``_imo, _type, _len, _wid, _draught`` and
    the three texts), one frame row per row of the extraction arrays."""
    return pl.DataFrame(
        {
            "_imo": ints[:, XI_IMO],
            "_type": ints[:, XI_TYPE],
            "_len": ints[:, XI_LEN],
            "_wid": ints[:, XI_WID],
            "_draught": floats[:, XF_DRAUGHT],
            S.VESSEL_NAME: _texts(txt[:, T_NAME], lens[:, T_NAME]),
            S.CALLSIGN: _texts(txt[:, T_CALL], lens[:, T_CALL]),
            S.DESTINATION: _texts(txt[:, T_DEST], lens[:, T_DEST]),
        }
    )


def _read(path: Path) -> np.ndarray:
    """The file's bytes in a writable array (on huge pages when large)."""
    size = path.stat().st_size
    buf = _empty(size, np.uint8)
    with path.open("rb") as fh:
        got = fh.readinto(buf.data)
    return buf[:got]


class _Extra:
    """Bytes appended after the file's (text the per-line code produced), with their offsets."""

    def __init__(self, base: int) -> None:
        self.base = base
        self.parts: list[bytes] = []
        self.size = 0

    def add(self, text: str | None) -> tuple[int, int]:
        if text is None:
            return -1, -1
        data = text.encode("utf-8")
        start = self.base + self.size
        self.parts.append(data)
        self.size += len(data)
        return start, start + len(data)

    def extend(self, buf: np.ndarray) -> np.ndarray:
        if not self.size:
            return buf
        return np.concatenate([buf, np.frombuffer(b"".join(self.parts), dtype=np.uint8)])


def _left_items(
    buf: np.ndarray, left: np.ndarray, zone: Any
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Items of the lines the compiled shapes do not cover, by ``_split_line`` (as before)."""
    from vessels.io._nmea import _split_line

    extra = _Extra(len(buf))
    rows: list[list[int]] = []
    times: list[float] = []
    for row, a, b in left.tolist():
        text = buf[a:b].tobytes().decode("utf-8", errors="replace")
        if not text.strip():
            found: list[Any] = [(None, "empty_line", None, None, None, text)]
        else:
            found, error, _ = _split_line(text, zone)
            if error is not None:
                found = [(None, error, None, None, None, text)]
        single = len(found) == 1
        for k, (sent, err, ts, src, grp, piece) in enumerate(found):
            ss, se = extra.add(sent if err is None else None)
            rs, re_ = extra.add(text if single else piece)
            gs, ge = extra.add(grp)
            has = ts is not None
            rows.append(
                [
                    row,
                    k,
                    ss,
                    se,
                    rs,
                    re_,
                    _ERROR_CODE[err] if err else 0,
                    int(has),
                    _SOURCE_CODE.get(src, 0) if has else 0,
                    gs,
                    ge,
                ]
            )
            times.append(float(ts) if has else 0.0)
    table = np.array(rows, dtype=np.int64).reshape(-1, N_ICOLS)
    return extra.extend(buf), table, np.array(times, dtype=np.float64)


def _odd_sentences(buf: np.ndarray, items: np.ndarray, q: np.ndarray) -> np.ndarray | None:
    """pyais's reading of the sentences of unusual shapes (``_parse_one``), into ``q``."""
    from vessels.io._nmea_vec import _parse_one

    extra = _Extra(len(buf))
    for i in np.flatnonzero(q[:, Q_ODD]).tolist():
        text = buf[items[i, I_SS] : items[i, I_SE]].tobytes().decode("utf-8", errors="replace")
        bad, cnt, num, seq, chan, payload, fill = _parse_one(text)
        if bad is not None:
            q[i, Q_BAD] = _ERROR_CODE[bad]
            continue
        if not (0 <= fill <= 5) or cnt > 9 or num > 9 or len(payload) > 255:
            return None  # shapes the compiled pass does not take: the vectorised reader
        q[i, Q_BAD] = 0
        q[i, Q_CNT], q[i, Q_NUM] = cnt, num
        q[i, Q_SEQ] = -1 if seq is None else seq
        q[i, Q_CS], q[i, Q_CE] = extra.add(chan)
        q[i, Q_PS], q[i, Q_PE] = extra.add(payload)
        if q[i, Q_CS] < 0:  # chan None: an empty key part
            q[i, Q_CS] = q[i, Q_CE] = 0
        q[i, Q_FILL] = fill
    return extra.extend(buf)


def _strings(n: int, offsets: np.ndarray, data: np.ndarray) -> pl.Series:
    arrow = pa.LargeStringArray.from_buffers(
        n, pa.py_buffer(offsets[: n + 1]), pa.py_buffer(data[: offsets[n]])
    )
    return series_from_arrow("_s", arrow)


def _raw_strings(
    n: int, views: np.ndarray, side: np.ndarray, side_used: int, windows: list[np.ndarray]
) -> pl.Series:
    """The raw text column: Arrow string views into the file and the side buffer (no copy)."""
    buffers = [pa.py_buffer(side[: max(int(side_used), 1)])]
    buffers += [pa.py_buffer(w) for w in windows]
    arrow = pa.Array.from_buffers(pa.string_view(), n, [None, pa.py_buffer(views[:n]), *buffers])
    return series_from_arrow("_s", arrow)


def _texts(txt: np.ndarray, lens: np.ndarray) -> pl.Series:
    """Strings of a fixed-width character matrix (length -1: null)."""
    n = len(lens)
    size = np.maximum(lens, 0)
    offsets = np.zeros(n + 1, dtype=np.int64)
    np.cumsum(size, out=offsets[1:])
    data = txt[np.arange(txt.shape[1]) < size[:, None]]
    s = _strings(n, offsets, np.ascontiguousarray(data))
    return pl.select(pl.when(pl.Series(lens >= 0)).then(s)).to_series()


def _null_below_zero(name: str, alias: str, dtype: pl.DataType) -> pl.Expr:
    return pl.when(pl.col(name) >= 0).then(pl.col(name).cast(dtype)).alias(alias)


def _arrow_series(name: str, values: np.ndarray, valid: np.ndarray | None = None) -> pl.Series:
    """A polars series over a contiguous numpy column (no copy), null where ``valid`` is false."""
    values = np.ascontiguousarray(values)
    if valid is not None and valid.all():
        valid = None
    bitmap = None if valid is None else pa.py_buffer(np.packbits(valid, bitorder="little"))
    arrow = pa.Array.from_buffers(
        pa.from_numpy_dtype(values.dtype), len(values), [bitmap, pa.py_buffer(values)]
    )
    return series_from_arrow(name, arrow)


def _word_views(words: list[str]) -> tuple[np.ndarray, np.ndarray]:
    """Arrow string views (16 bytes each) of a few words, and the data buffer they point to."""
    data = "".join(words).encode()
    out = np.zeros((len(words), 16), dtype=np.uint8)
    at = 0
    for i, w in enumerate(words):
        b = w.encode()
        out[i, :4] = np.frombuffer(np.int32(len(b)).tobytes(), dtype=np.uint8)
        if len(b) <= 12:
            out[i, 4 : 4 + len(b)] = np.frombuffer(b, dtype=np.uint8)
        else:
            out[i, 4:8] = np.frombuffer(b[:4], dtype=np.uint8)
            out[i, 12:16] = np.frombuffer(np.int32(at).tobytes(), dtype=np.uint8)
        at += len(b)
    return out, np.frombuffer(data or b" ", dtype=np.uint8)


_SOURCE_VIEWS = _word_views([s or "" for s in SOURCES])
_CLASS_VIEWS = _word_views(["A", "B"])


def _coded_strings(name: str, table: tuple[np.ndarray, np.ndarray], codes: np.ndarray) -> pl.Series:
    views = table[0][codes]
    arrow = pa.Array.from_buffers(
        pa.string_view(), len(codes), [None, pa.py_buffer(views), pa.py_buffer(table[1])]
    )
    return series_from_arrow(name, arrow)


def _position_frame(ints: np.ndarray, floats: np.ndarray, raw: pl.Series) -> pl.DataFrame:
    """The position columns of the message pass's tables, mostly without a copy."""
    sec = ints[:, PI_SEC]
    heading = ints[:, PI_HEADING]
    status = ints[:, PI_STATUS]
    return pl.DataFrame(
        [
            _arrow_series(S.MMSI, ints[:, PI_MMSI]),
            _arrow_series("_ts_s", floats[:, PF_TS], ints[:, PI_HASTS] == 1),
            _coded_strings(S.TS_SOURCE, _SOURCE_VIEWS, ints[:, PI_SRC]),
            _arrow_series("_sec", sec, sec >= 0),
            _arrow_series("_line", ints[:, PI_EVENT]),
            _arrow_series(S.LAT, floats[:, PF_LAT]),
            _arrow_series(S.LON, floats[:, PF_LON]),
            _arrow_series(S.SOG_KN, floats[:, PF_SOG]),
            _arrow_series(S.COG_DEG, floats[:, PF_COG]),
            _arrow_series(S.HEADING_DEG, heading.astype(np.float64), heading >= 0),
            _arrow_series(S.NAV_STATUS, status.astype(np.float64), status >= 0),
            _coded_strings(S.AIS_CLASS, _CLASS_VIEWS, ints[:, PI_B]),
            _arrow_series(S.SOURCE_ROW, np.ascontiguousarray(ints[:, PI_ROW]).view(np.uint64)),
            raw.alias(RAW_COL),
        ]
    )


def _identity_frame(
    ints: np.ndarray, floats: np.ndarray, raw: pl.Series, txt: np.ndarray, lens: np.ndarray
) -> pl.DataFrame:
    f64 = pl.Float64()
    ints = np.array(ints, order="F")  # identity rows only: a small table
    ints[ints[:, XI_IS19] != 1, PI_B] = 0  # static reports have no position part
    pos = _position_frame(ints, floats, raw)
    is19 = pl.Series(ints[:, XI_IS19] == 1)
    extra = _identity_fields(ints, floats, txt, lens)
    position_only = [S.LAT, S.LON, S.SOG_KN, S.COG_DEG, S.HEADING_DEG, S.NAV_STATUS, S.AIS_CLASS]
    return pl.concat([pos, extra], how="horizontal").select(
        S.MMSI,
        "_ts_s",
        S.TS_SOURCE,
        pl.when(is19).then(pl.col("_sec")).alias("_sec"),
        "_line",
        *(pl.when(is19).then(pl.col(c)).alias(c) for c in position_only),
        S.SOURCE_ROW,
        RAW_COL,
        S.VESSEL_NAME,
        S.CALLSIGN,
        _null_below_zero("_imo", S.IMO, f64),
        _null_below_zero("_type", S.SHIP_TYPE, f64),
        _null_below_zero("_len", S.LENGTH_M, f64),
        _null_below_zero("_wid", S.WIDTH_M, f64),
        _null_below_zero("_draught", S.DRAFT_M, f64),
        S.DESTINATION,
        pl.when(~is19).then(pl.lit(S.IDENTITY_ROWS)).alias(ERROR),
    )


def _outputs(n: int, nbytes: int) -> tuple[np.ndarray, ...]:
    """The message pass's output tables for up to ``n`` messages and ``nbytes`` of raw text."""
    return (
        _empty((n, N_PI), np.int64, "F"),
        _empty((n, N_PF), np.float64, "F"),
        _empty((n + 1, 16), np.uint8),
        _empty(nbytes, np.uint8),
        _empty((n, N_XI), np.int64),
        _empty((n, N_XF), np.float64),
        _empty((n + 1, 16), np.uint8),
        _empty(nbytes, np.uint8),
        _empty((n, 3, TEXT_W), np.uint8),
        _empty((n, 3), np.int64),
        _empty((n + 1, N_R), np.int64),
        _empty((n + 1, 16), np.uint8),
        _empty(nbytes, np.uint8),
        _empty(nbytes, np.uint8),
        _empty(n + 1, np.int64),
        _empty(n + 1, np.float64),
    )


def _staged(
    buf: np.ndarray, cap: int, n_lines: int, zone: Any, left_share_max: float
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray] | None:
    """Item and sentence tables with the lines and sentences Python reads merged in."""
    items = _empty((cap, N_ICOLS), np.int64)
    its = _empty(cap, np.float64)
    left = _empty((n_lines + 1, 3), np.int64)
    ni, nl, _ = _frame(buf, items, its, left)
    if nl > max(LEFT_LINES_FREE, left_share_max * n_lines):
        return None
    items, its = items[:ni], its[:ni]
    if nl:
        buf, more, more_ts = _left_items(buf, left[:nl], zone)
        order = _merge_rows(items[:, I_ROW], more[:, I_ROW])
        items = np.concatenate([items, more])[order]
        its = np.concatenate([its, more_ts])[order]
    del left
    q = _empty((len(items), N_QCOLS), np.int64)
    if _parse(buf, items, q):
        fixed = _odd_sentences(buf, items, q)
        if fixed is None:
            return None
        buf = fixed
    return buf, items, its, q


def stage_nmea_compiled(
    path: Path, name: str, clock: Clock | None = None, left_share_max: float = LEFT_SHARE_MAX
) -> pl.LazyFrame | None:
    """Staged frame of an NMEA log by the compiled pass; ``None``: use the vectorised reader.

    ``None`` when more than ``left_share_max`` of the lines (and more than
    :data:`LEFT_LINES_FREE`) are of shapes left to the per-line code, or the file holds
    something the compiled pass does not reproduce exactly.
    """
    with small_pages():
        return _stage(path, name, clock, left_share_max)


def _stage(
    path: Path, name: str, clock: Clock | None, left_share_max: float
) -> pl.LazyFrame | None:
    from vessels.io._nmea import (
        ANCHOR_TYPES,
        NON_VESSEL_TYPES,
        POSITION_TYPES,
        STATIC_TYPES,
        _assemble_frames,
        _schema,
    )
    from vessels.io._nmea_vec import _pyais_rest

    zone = None
    if clock is not None and clock.time_zone is not None:
        from zoneinfo import ZoneInfo

        zone = ZoneInfo(clock.time_zone)
    buf = _read(path)
    n_lines, n_bang, most = _count(buf)
    cap = n_lines + n_bang + 1
    n_slots = min(cap, MAX_PENDING_KEYS) + 1
    state = (
        _empty((n_slots, 4), np.int64),
        _empty(n_slots, np.int64),
        _empty(n_slots, np.int64),
        _empty((n_slots, MAX_FRAGMENTS, N_RC), np.int64),
        _empty((n_slots, MAX_FRAGMENTS), np.float64),
        _empty(n_slots, np.int64),
    )
    ctr = np.zeros(N_CTR, dtype=np.int64)
    out = _outputs(cap, len(buf) + cap + 1)
    status = _fused(buf, np.empty((most + 2, N_ICOLS), dtype=np.int64), *out, ctr, *state)  # type: ignore[call-arg]
    if status == MSG_STAGED:  # lines or sentences for Python: item tables, then the same pass
        del out
        ctr[:] = 0
        staged = _staged(buf, cap, n_lines, zone, left_share_max)
        if staged is None:
            return None
        buf, items, its, q = staged
        out = _outputs(len(items) + 1, len(buf) + len(items) + 1)
        status = _messages(buf, items, its, q, *out, ctr, *state)  # type: ignore[call-arg]
        del items, its, q
    if status != MSG_OK:
        return None
    (pos_i, pos_f, pos_roff, pos_raw, ext_i, ext_f, ext_roff, ext_raw, ext_txt, ext_tlen,
     rej, rej_roff, rej_raw, paybuf, anc_e, anc_t) = out  # fmt: skip
    windows = [buf[k : k + 2 * WINDOW] for k in range(0, max(len(buf), 1), WINDOW)]
    del out, state
    npos, next_, nrej, nanc = (int(c) for c in ctr[:4])
    r = rej[:nrej]
    rules = r[:, R_ERR].copy()  # each reject's rule: an index into rule_names
    rule_names = [e or "" for e in ERRORS]
    mmsi = r[:, R_MMSI].copy()
    anc_line, anc_ts = anc_e[:nanc], anc_t[:nanc]
    rest = np.flatnonzero(rules == E_REST)
    if len(rest):
        pays = [paybuf[a:b].tobytes().decode("ascii") for a, b in r[rest][:, [R_PS, R_PE]]]
        found = _pyais_rest(pays, r[rest, R_FILL].tolist())
        more: list[tuple[int, float]] = []
        for i, (undecodable, m, anchor), t in zip(
            rest.tolist(), found, r[rest, R_TYPE].tolist(), strict=True
        ):
            if undecodable:
                rule = "undecodable"
            else:
                if t in POSITION_TYPES or t in STATIC_TYPES:
                    return None  # pyais decodes what the compiled pass left: the vectorised reader
                rule = NON_VESSEL_TYPES.get(t, f"not_a_position_type_{t}")
                mmsi[i] = -1 if m is None else m
                if t in ANCHOR_TYPES and anchor is not None:
                    more.append((int(r[i, R_EVENT]), float(anchor)))
            if rule not in rule_names:
                rule_names.append(rule)
            rules[i] = rule_names.index(rule)
        if more:
            anc_line = np.concatenate([anc_line, np.array([e for e, _ in more], dtype=np.int64)])
            anc_ts = np.concatenate([anc_ts, np.array([t for _, t in more], dtype=np.float64)])
            by = np.argsort(anc_line, kind="stable")
            anc_line, anc_ts = anc_line[by], anc_ts[by]
    start_s = clock.start.timestamp() if clock is not None and clock.start is not None else None
    if np.isfinite(anc_ts).all():  # the staged frame in the positions table (no copy)
        from vessels.io._nmea_rows import staged_frame

        side = ctr[[C_SIDE_POS, C_SIDE_EXT, C_SIDE_REJ]].clip(1)
        frame = staged_frame(
            pos=(pos_i, pos_f, pos_roff, pos_raw[: side[0]]),
            npos=npos,
            ext=(ext_i, ext_f, ext_roff, ext_raw[: side[1]], ext_txt, ext_tlen),
            nx=next_,
            rej=(rej, rej_roff, rej_raw[: side[2]]),
            rej_rules=rules,
            rej_mmsi=mmsi,
            rule_names=rule_names,
            windows=windows,
            anc_line=np.ascontiguousarray(anc_line),
            anc_ts=np.ascontiguousarray(anc_ts),
            name=name,
            start_s=start_s,
        )
        if frame is not None:
            return frame
    # the general way: three frames concatenated and sorted by source row
    roffs = [pos_roff, ext_roff, rej_roff]
    raws = [pos_raw, ext_raw, rej_raw]
    pos = _position_frame(
        pos_i[:npos], pos_f[:npos], _raw_strings(npos, roffs[0], raws[0], ctr[C_SIDE_POS], windows)
    )
    del pos_i, pos_f
    extra = _identity_frame(
        ext_i[:next_],
        ext_f[:next_],
        _raw_strings(next_, roffs[1], raws[1], ctr[C_SIDE_EXT], windows),
        ext_txt[:next_],
        ext_tlen[:next_],
    )
    names = pl.Series(rule_names, dtype=pl.String).gather(rules)
    anchors = pl.DataFrame({"_line": anc_line, "_ts_s": anc_ts})
    rejects = pl.DataFrame(
        {
            S.SOURCE_ROW: r[:, R_ROW].astype(np.uint64),
            ERROR: names,
            RAW_COL: _raw_strings(nrej, roffs[2], raws[2], ctr[C_SIDE_REJ], windows),
            S.MMSI: mmsi,
        }
    ).with_columns(pl.when(pl.col(S.MMSI) >= 0).then(pl.col(S.MMSI)).alias(S.MMSI))
    return _assemble_frames(
        [pos, extra, rejects], anchors, name, clock, _schema(), reconstruct_times_compiled
    )
