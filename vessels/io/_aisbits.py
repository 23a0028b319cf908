"""Vectorised decoder of AIS message payloads (private).

:func:`decode_payloads` decodes the 6-bit armoured payloads of already-assembled AIS messages
(one row per message: fragments joined, fill bits of the last fragment) for all rows at once
with numpy: payload bytes are mapped to 6-bit values through a lookup table, column by column
of a fixed-width character matrix, and every bit field is cut out with vectorised shifts and
masks. There is a Python loop over *fields* and over *message layouts*, never over messages.

pyais (MIT) is the reference: field names, scaling and edge cases are those of
``pyais.decode(...).asdict(enum_as_int=True)`` (spare fields left out), and the test suite checks
equality field by field on random messages encoded by pyais and on every sample log. In
particular, as pyais does:

- a field that starts at or beyond the payload's bit length is null; a field cut short by the
  end of the payload holds the bits that are there, right-aligned (signed fields are two's
  complement over those bits);
- latitude and longitude are degrees (1/600 000 degree units, 1/600 for type 27) rounded to six
  decimals; speed, course and draught are tenths (type 27: whole knots and degrees); rate of
  turn is pyais's ``to_turn`` (``(ROT/4.733)^2`` with sign, +-127 and -128 kept as codes);
- 6-bit text has trailing ``@`` removed, then surrounding spaces;
- ship type of types 5 and 19 and EPFD type are pyais's enum values (unknown codes become 0,
  reserved codes the reserved member of their block); the ship type of type 24 part B is raw.

Rows this module does not decode have ``decoded`` false and null fields (``msg_type`` is still
given when the payload is not empty): message types other than 1/2/3, 4, 5, 18, 19, 21, 24, 27;
type 24 with part number 2 or 3 (pyais raises on those); an empty or null payload; fill bits
null or outside 0-5. A caller hands those rows to pyais.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass

import numpy as np
import polars as pl
import pyarrow as pa

__all__ = ["DECODED", "OUTPUT_SCHEMA", "PAYLOAD_BITS", "SUPPORTED_TYPES", "decode_payloads"]

#: Column saying whether the row was decoded here (false: hand the message to pyais).
DECODED = "decoded"
#: Column with the payload's length in bits: 6 x characters - fill bits.
PAYLOAD_BITS = "payload_bits"
SUPPORTED_TYPES = frozenset({1, 2, 3, 4, 5, 18, 19, 21, 24, 27})

# -- lookup tables ----------------------------------------------------------------------------

# Armoured byte -> 6-bit value, exactly as pyais's bit vector: '0'..'W' -> 0..39, '`'..'w' ->
# 40..63; the bytes 'X'..'_' (not used by AIS) follow the same arithmetic, anything else is 0.
_ARMOR = np.zeros(256, dtype=np.uint8)
for _c in range(48, 120):
    _ARMOR[_c] = _c - 48 - 8 if _c - 48 > 40 else _c - 48

# 6-bit value -> ASCII byte of AIS text: 0..31 -> '@'..'_', 32..63 -> ' '..'?'.
_SIXBIT_ASCII = np.array([v + 64 if v < 32 else v for v in range(64)], dtype=np.uint8)


def _turn_table() -> np.ndarray:
    """Rate of turn for each signed raw value -128..127 (index raw + 128), as pyais's to_turn."""
    out = np.empty(256, dtype=np.float64)
    for raw in range(-128, 128):
        if raw == 0:
            value = 0.0
        elif abs(raw) == 127:
            value = float(raw)
        elif raw == -128:
            value = -128.0
        else:
            value = float(np.copysign(round((raw / 4.733) ** 2), raw))
        out[raw + 128] = value
    return out


_TURN = _turn_table()

# Ship-type codes that are members of pyais's ShipType enum; other codes map to the reserved
# member of their block (25, 45, 56, 65, 75, 85, 95) or to 0 (ITU-R M.1371-5 table 53).
_SHIP_TYPE_CODES = frozenset(
    {0, *range(20, 26), 29, *range(30, 38), *range(40, 46), 49, *range(50, 57), 58, 59}
    | {*range(60, 66), 69, *range(70, 76), 79, *range(80, 86), 89, *range(90, 96), 99}
)
_SHIP_TYPE_RESERVED = (
    (25, 30, 25),
    (45, 49, 45),
    (56, 58, 56),
    (65, 69, 65),
    (75, 79, 75),
    (85, 89, 85),
    (95, 99, 95),
)


def _ship_type_table() -> np.ndarray:
    out = np.zeros(256, dtype=np.uint8)
    for code in range(256):
        if code in _SHIP_TYPE_CODES:
            out[code] = code
            continue
        for lo, hi, reserved in _SHIP_TYPE_RESERVED:
            if lo < code < hi:
                out[code] = reserved
    return out


_SHIP_TYPE = _ship_type_table()
# EPFD codes 0-8 and 15 are defined; pyais maps 9-14 to 0 (undefined).
_EPFD = np.array([c if c <= 8 or c == 15 else 0 for c in range(16)], dtype=np.uint8)

# -- message layouts --------------------------------------------------------------------------

# Field kinds: how raw bits become a value.
_UINT, _BOOL, _TEXT, _SPARE = "uint", "bool", "text", "spare"
_LATLON, _LATLON600, _TENTH, _FLOAT, _TURN_K = "latlon", "latlon600", "tenth", "float", "turn"
_SHIPTYPE, _EPFD_K = "shiptype", "epfd"
_SIGNED = frozenset({_LATLON, _LATLON600, _TURN_K})

#: Output columns and dtypes, in order (pyais field names; union over all supported layouts).
OUTPUT_SCHEMA: dict[str, pl.DataType] = {
    "msg_type": pl.UInt8(),
    "repeat": pl.UInt8(),
    "mmsi": pl.UInt32(),
    "status": pl.UInt8(),
    "turn": pl.Float64(),
    "speed": pl.Float64(),
    "accuracy": pl.Boolean(),
    "lon": pl.Float64(),
    "lat": pl.Float64(),
    "course": pl.Float64(),
    "heading": pl.UInt16(),
    "second": pl.UInt8(),
    "maneuver": pl.UInt8(),
    "raim": pl.Boolean(),
    "radio": pl.UInt32(),
    "year": pl.UInt16(),
    "month": pl.UInt8(),
    "day": pl.UInt8(),
    "hour": pl.UInt8(),
    "minute": pl.UInt8(),
    "epfd": pl.UInt8(),
    "ais_version": pl.UInt8(),
    "imo": pl.UInt32(),
    "callsign": pl.String(),
    "shipname": pl.String(),
    "ship_type": pl.UInt8(),
    "to_bow": pl.UInt16(),
    "to_stern": pl.UInt16(),
    "to_port": pl.UInt8(),
    "to_starboard": pl.UInt8(),
    "draught": pl.Float64(),
    "destination": pl.String(),
    "dte": pl.Boolean(),
    "reserved_1": pl.UInt8(),
    "reserved_2": pl.UInt8(),
    "cs": pl.Boolean(),
    "display": pl.Boolean(),
    "dsc": pl.Boolean(),
    "band": pl.Boolean(),
    "msg22": pl.Boolean(),
    "assigned": pl.Boolean(),
    "aid_type": pl.UInt8(),
    "name": pl.String(),
    "off_position": pl.Boolean(),
    "virtual_aid": pl.Boolean(),
    "name_ext": pl.String(),
    "full_name": pl.String(),
    "partno": pl.UInt8(),
    "vendorid": pl.String(),
    "model": pl.UInt8(),
    "serial": pl.UInt32(),
    "mothership_mmsi": pl.UInt32(),
    "gnss": pl.Boolean(),
    PAYLOAD_BITS: pl.Int32(),
    DECODED: pl.Boolean(),
}


@dataclass(frozen=True)
class _Field:
    name: str
    offset: int
    width: int
    kind: str


@dataclass(frozen=True)
class _Layout:
    name: str
    fields: tuple[_Field, ...]

    @property
    def chars(self) -> int:
        """Payload characters read: text reads whole 6-bit characters, even past its width."""
        end = 0
        for f in self.fields:
            width = -(-f.width // 6) * 6 if f.kind == _TEXT else f.width
            end = max(end, f.offset + width)
        return -(-end // 6)


def _layout(name: str, spec: Sequence[tuple[str, int, str]]) -> _Layout:
    fields, offset = [], 0
    for fname, width, kind in spec:
        if kind != _SPARE:
            fields.append(_Field(fname, offset, width, kind))
        offset += width
    return _Layout(name, tuple(fields))


_HEAD = (("msg_type", 6, _UINT), ("repeat", 2, _UINT), ("mmsi", 30, _UINT))
_DIMENSIONS = (
    ("to_bow", 9, _UINT),
    ("to_stern", 9, _UINT),
    ("to_port", 6, _UINT),
    ("to_starboard", 6, _UINT),
)
# Bit layouts from ITU-R M.1371-5 (gpsd's AIVDM notes), in pyais's field names.
_L1 = _layout(
    "class A position",
    (
        *_HEAD,
        ("status", 4, _UINT),
        ("turn", 8, _TURN_K),
        ("speed", 10, _TENTH),
        ("accuracy", 1, _BOOL),
        ("lon", 28, _LATLON),
        ("lat", 27, _LATLON),
        ("course", 12, _TENTH),
        ("heading", 9, _UINT),
        ("second", 6, _UINT),
        ("maneuver", 2, _UINT),
        ("spare_1", 3, _SPARE),
        ("raim", 1, _BOOL),
        ("radio", 19, _UINT),
    ),
)
_L4 = _layout(
    "base station",
    (
        *_HEAD,
        ("year", 14, _UINT),
        ("month", 4, _UINT),
        ("day", 5, _UINT),
        ("hour", 5, _UINT),
        ("minute", 6, _UINT),
        ("second", 6, _UINT),
        ("accuracy", 1, _BOOL),
        ("lon", 28, _LATLON),
        ("lat", 27, _LATLON),
        ("epfd", 4, _EPFD_K),
        ("spare_1", 10, _SPARE),
        ("raim", 1, _BOOL),
        ("radio", 19, _UINT),
    ),
)
_L5 = _layout(
    "static and voyage",
    (
        *_HEAD,
        ("ais_version", 2, _UINT),
        ("imo", 30, _UINT),
        ("callsign", 42, _TEXT),
        ("shipname", 120, _TEXT),
        ("ship_type", 8, _SHIPTYPE),
        *_DIMENSIONS,
        ("epfd", 4, _EPFD_K),
        ("month", 4, _UINT),
        ("day", 5, _UINT),
        ("hour", 5, _UINT),
        ("minute", 6, _UINT),
        ("draught", 8, _TENTH),
        ("destination", 120, _TEXT),
        ("dte", 1, _BOOL),
        ("spare_1", 1, _SPARE),
    ),
)
_L18 = _layout(
    "class B position",
    (
        *_HEAD,
        ("reserved_1", 8, _UINT),
        ("speed", 10, _TENTH),
        ("accuracy", 1, _BOOL),
        ("lon", 28, _LATLON),
        ("lat", 27, _LATLON),
        ("course", 12, _TENTH),
        ("heading", 9, _UINT),
        ("second", 6, _UINT),
        ("reserved_2", 2, _UINT),
        ("cs", 1, _BOOL),
        ("display", 1, _BOOL),
        ("dsc", 1, _BOOL),
        ("band", 1, _BOOL),
        ("msg22", 1, _BOOL),
        ("assigned", 1, _BOOL),
        ("raim", 1, _BOOL),
        ("radio", 20, _UINT),
    ),
)
_L19 = _layout(
    "extended class B position",
    (
        *_HEAD,
        ("reserved_1", 8, _UINT),
        ("speed", 10, _TENTH),
        ("accuracy", 1, _BOOL),
        ("lon", 28, _LATLON),
        ("lat", 27, _LATLON),
        ("course", 12, _TENTH),
        ("heading", 9, _UINT),
        ("second", 6, _UINT),
        ("reserved_2", 4, _UINT),
        ("shipname", 120, _TEXT),
        ("ship_type", 8, _SHIPTYPE),
        *_DIMENSIONS,
        ("epfd", 4, _EPFD_K),
        ("raim", 1, _BOOL),
        ("dte", 1, _BOOL),
        ("assigned", 1, _BOOL),
        ("spare_1", 4, _SPARE),
    ),
)
_L21 = _layout(
    "aid to navigation",
    (
        *_HEAD,
        ("aid_type", 5, _UINT),
        ("name", 120, _TEXT),
        ("accuracy", 1, _BOOL),
        ("lon", 28, _LATLON),
        ("lat", 27, _LATLON),
        *_DIMENSIONS,
        ("epfd", 4, _EPFD_K),
        ("second", 6, _UINT),
        ("off_position", 1, _BOOL),
        ("reserved_1", 8, _UINT),
        ("raim", 1, _BOOL),
        ("virtual_aid", 1, _BOOL),
        ("assigned", 1, _BOOL),
        ("spare_1", 1, _SPARE),
        ("name_ext", 88, _TEXT),
    ),
)
_L24_HEAD = (*_HEAD, ("partno", 2, _UINT))
_L24A = _layout("static report part A", (*_L24_HEAD, ("shipname", 120, _TEXT)))
_L24B_ID = (
    ("ship_type", 8, _UINT),
    ("vendorid", 18, _TEXT),
    ("model", 4, _UINT),
    ("serial", 20, _UINT),
    ("callsign", 42, _TEXT),
)
_L24B = _layout("static report part B", (*_L24_HEAD, *_L24B_ID, *_DIMENSIONS))
_L24B_AUX = _layout(
    "static report part B, auxiliary craft",
    (*_L24_HEAD, *_L24B_ID, ("mothership_mmsi", 30, _UINT)),
)
_L27 = _layout(
    "long-range position",
    (
        *_HEAD,
        ("accuracy", 1, _BOOL),
        ("raim", 1, _BOOL),
        ("status", 4, _UINT),
        ("lon", 18, _LATLON600),
        ("lat", 17, _LATLON600),
        ("speed", 6, _FLOAT),
        ("course", 9, _FLOAT),
        ("gnss", 1, _BOOL),
    ),
)
_LAYOUTS = (_L1, _L4, _L5, _L18, _L19, _L21, _L24A, _L24B, _L24B_AUX, _L27)
_NOT_DECODED = -1
_LAYOUT_OF_TYPE = np.full(64, _NOT_DECODED, dtype=np.int64)  # message type -> index in _LAYOUTS
for _t, _index in {1: 0, 2: 0, 3: 0, 4: 1, 5: 2, 18: 3, 19: 4, 21: 5, 27: 9}.items():
    _LAYOUT_OF_TYPE[_t] = _index
_NUMPY_DTYPE = {
    pl.UInt8(): np.uint8,
    pl.UInt16(): np.uint16,
    pl.UInt32(): np.uint32,
    pl.Int32(): np.int32,
    pl.Float64(): np.float64,
    pl.Boolean(): np.bool_,
}
_AUX_MMSI = (980_000_000, 989_999_999)  # 98MIDXXXX: auxiliary craft of a mother ship

# -- bit extraction ---------------------------------------------------------------------------


def _byte_words(data: np.ndarray) -> np.ndarray:
    """Little-endian uint64 view starting at every byte of ``data`` (zero-padded at the end)."""
    padded = np.zeros(len(data) + 8, dtype=np.uint8)
    padded[: len(data)] = data
    return np.ndarray(shape=(len(data) + 1,), dtype="<u8", buffer=padded, strides=(1,))


class _Chars:
    """6-bit values of the first ``n`` payload characters of selected rows, one array per column.

    ``words`` is :func:`_byte_words` of the payload bytes: one gather reads 8 characters of
    every row. Characters past a payload's end are 0, so a field read past the end holds zero
    bits there.
    """

    def __init__(self, words: np.ndarray, starts: np.ndarray, lengths: np.ndarray, n: int) -> None:
        self.cols: list[np.ndarray] = []
        short = bool((lengths < n).any())
        for first in range(0, n, 8):
            index = starts + first
            if short:  # a short payload at the end of the buffer: its missing bytes are masked
                index = np.minimum(index, len(words) - 1)
            word = words[index]
            for c in range(first, min(first + 8, n)):
                col = _ARMOR[(word >> np.uint64(8 * (c - first))).astype(np.uint8)]
                if short:
                    col = np.where(lengths > c, col, np.uint8(0))
                self.cols.append(col)

    def window(self, offset: int, width: int) -> np.ndarray:
        """Bits ``[offset, offset + width)`` of every row as unsigned integers (width <= 58)."""
        c0, c1 = offset // 6, (offset + width - 1) // 6
        acc = self.cols[c0].astype(np.uint64)
        for c in range(c0 + 1, c1 + 1):
            acc <<= np.uint64(6)
            acc |= self.cols[c]
        tail = 6 * (c1 + 1) - (offset + width)
        if tail:
            acc >>= np.uint64(tail)
        if 6 * (c1 - c0 + 1) - tail > width:
            acc &= np.uint64((1 << width) - 1)
        return acc


def _get(
    chars: _Chars, nbits: np.ndarray, offset: int, width: int, signed: bool
) -> tuple[np.ndarray, np.ndarray | None]:
    """(values as int64, valid mask or None when all valid), with pyais's truncation rules.

    A field starting at or past ``nbits`` is invalid; one that runs past it keeps the bits that
    are there, right-aligned, and a signed one is two's complement over those bits.
    """
    raw = chars.window(offset, width)
    end = offset + width
    if int(nbits.min(initial=end)) >= end:
        value = raw.astype(np.int64)
        if signed:
            sign = np.int64(1 << (width - 1))
            value = (value ^ sign) - sign
        return value, None
    cut = np.clip(end - nbits, 0, width)
    value = (raw >> cut.astype(np.uint64)).astype(np.int64)
    if signed:
        avail = np.maximum(width - cut, 1)
        sign = np.left_shift(np.int64(1), avail - 1)
        value = (value ^ sign) - sign
    valid = nbits > offset
    return value, (None if valid.all() else valid)


def _text(chars: _Chars, nbits: np.ndarray, field: _Field) -> pl.Series:
    """6-bit text field, stripped as pyais does: trailing '@' removed, then spaces."""
    n_chars = -(-field.width // 6)
    m = len(nbits)
    matrix = np.empty((m, n_chars), dtype=np.uint8)
    for k in range(n_chars):
        value, _ = _get(chars, nbits, field.offset + 6 * k, 6, signed=False)
        matrix[:, k] = _SIXBIT_ASCII[value]
    offsets = np.arange(0, (m + 1) * n_chars, n_chars, dtype=np.int32)
    arrow = pa.StringArray.from_buffers(m, pa.py_buffer(offsets), pa.py_buffer(matrix.tobytes()))
    series = series_from_arrow(field.name, arrow).str.strip_chars_end("@").str.strip_chars(" ")
    valid = nbits > field.offset
    if not valid.all():
        series = _with_nulls(series, valid)
    return series


class _ArrowArray:
    """An Arrow array seen only through the Arrow C data interface.

    ``pl.Series(pa_array)`` imports ``pyarrow.compute`` (~0.2 CPU s of a process's first
    read); through the C interface polars takes the same buffers without it.
    """

    def __init__(self, array: pa.Array) -> None:
        self.array = array

    def __arrow_c_array__(self, requested_schema: object | None = None) -> tuple[object, object]:
        return self.array.__arrow_c_array__(requested_schema)


def series_from_arrow(name: str, array: pa.Array) -> pl.Series:
    """``pl.Series(name, array)`` without importing ``pyarrow.compute``."""
    return pl.Series(_ArrowArray(array)).alias(name)


def _with_nulls(series: pl.Series, valid: np.ndarray) -> pl.Series:
    return (
        pl.select(pl.when(pl.Series(valid)).then(series).alias(series.name))
        .to_series()
        .cast(series.dtype)
    )


def _convert(field: _Field, value: np.ndarray) -> np.ndarray:
    kind = field.kind
    if kind == _LATLON:  # round(v / 600000, 6) computed exactly in integers, as pyais does
        return ((10 * value + 3) // 6) / 1e6
    if kind == _LATLON600:
        return ((10000 * value + 3) // 6) / 1e6
    if kind == _TENTH:
        return value / 10.0
    if kind == _FLOAT:
        return value.astype(np.float64)
    if kind == _TURN_K:
        return _TURN[value + 128]
    if kind == _SHIPTYPE:
        return _SHIP_TYPE[value]
    if kind == _EPFD_K:
        return _EPFD[value]
    if kind == _BOOL:
        return value != 0
    return value


_Numeric = tuple[np.ndarray, np.ndarray | None]  # values, valid mask (None: all valid)


def _decode_layout(
    layout: _Layout, chars: _Chars, nbits: np.ndarray, wanted: Collection[str]
) -> tuple[dict[str, _Numeric], dict[str, pl.Series]]:
    """Numeric fields (values, valid mask) and text fields of the rows of one layout."""
    numeric: dict[str, _Numeric] = {}
    text: dict[str, pl.Series] = {}
    need = set(wanted)
    if layout is _L21 and "full_name" in need:
        need |= {"name", "name_ext"}
    for field in layout.fields:
        if field.name == "msg_type" or field.name not in need:  # msg_type: once for every row
            continue
        if field.kind == _TEXT:
            text[field.name] = _text(chars, nbits, field)
            continue
        value, valid = _get(chars, nbits, field.offset, field.width, field.kind in _SIGNED)
        numeric[field.name] = (_convert(field, value), valid)
    if layout is _L21 and "full_name" in need:
        name, ext = text["name"], text["name_ext"]
        text["full_name"] = pl.select(
            pl.when(name.str.len_bytes() > 0)
            .then(pl.concat_str(name, ext.fill_null("")))
            .otherwise(pl.lit(""))
            .alias("full_name")
        ).to_series()
    return numeric, text


def _numeric_column(name: str, values: np.ndarray, valid: np.ndarray) -> pl.Series:
    if valid.all():
        return pl.Series(name, values)
    # nulls set by polars: pyarrow's masked ``pa.array`` imports pyarrow.compute (~0.2 CPU s of
    # every process's first read)
    return _with_nulls(pl.Series(name, values), valid)


def _text_column(name: str, n: int, parts: list[tuple[np.ndarray, pl.Series]]) -> pl.Series:
    """Full-length text column from the (rows, values) of each layout; null elsewhere."""
    rows = np.concatenate([r for r, _ in parts])
    values = pl.concat([v for _, v in parts])
    where = np.full(n, -1, dtype=np.int64)
    where[rows] = np.arange(len(rows))
    index = pl.Series(where)
    return values.gather(pl.select(pl.when(index >= 0).then(index)).to_series()).alias(name)


# -- public entry point -----------------------------------------------------------------------


def decode_payloads(
    payload: pl.Series, fill_bits: pl.Series, columns: Collection[str] | None = None
) -> pl.DataFrame:
    """Decode assembled AIS payloads, all rows at once, into pyais's fields.

    Parameters
    ----------
    payload : pl.Series
        String or Binary: the 6-bit armoured payload of each message (Binary: the bytes as
        read, as pyais sees them), a multi-sentence message's payloads already joined in
        fragment order.
    fill_bits : pl.Series
        Integer: the fill-bit count of each message (for a multi-sentence message, that of its
        last sentence).
    columns : collection of str, optional
        Only these columns of :data:`OUTPUT_SCHEMA` (plus ``msg_type``, ``payload_bits`` and
        ``decoded``, always there), in :data:`OUTPUT_SCHEMA`'s order; default all. Fields not
        asked for are not decoded (a reader that needs a few saves their time and memory).

    Returns
    -------
    pl.DataFrame
        One row per input row, in input order, with the columns of :data:`OUTPUT_SCHEMA`:
        pyais's field names (``lat``/``lon`` in degrees, ``speed`` in knots, ``course`` in
        degrees, ``status`` the navigation status code, ...), null where the message type has
        no such field or the payload ends before it; ``payload_bits`` (characters x 6 - fill
        bits) for a caller's length checks; and ``decoded``, false where the row must be
        decoded by pyais instead (unsupported message type, type 24 part 2/3, empty payload,
        fill bits not 0-5).

    Raises
    ------
    TypeError
        If ``payload`` is not a string series or ``fill_bits`` not an integer series.
    KeyError
        If ``columns`` names a column :data:`OUTPUT_SCHEMA` does not have.
    ValueError
        If the two series differ in length.

    Examples
    --------
    >>> import polars as pl
    >>> out = decode_payloads(
    ...     pl.Series(["15M67FC000G?ufbE`FepT@3n00Sa", "8000"]), pl.Series([0, 0])
    ... )
    >>> out.select("msg_type", "mmsi", "lat", "lon", "speed", "course", "status", "decoded")
    shape: (2, 8)
    ┌──────────┬───────────┬───────────┬─────────────┬───────┬────────┬────────┬─────────┐
    │ msg_type ┆ mmsi      ┆ lat       ┆ lon         ┆ speed ┆ course ┆ status ┆ decoded │
    │ ---      ┆ ---       ┆ ---       ┆ ---         ┆ ---   ┆ ---    ┆ ---    ┆ ---     │
    │ u8       ┆ u32       ┆ f64       ┆ f64         ┆ f64   ┆ f64    ┆ u8     ┆ bool    │
    ╞══════════╪═══════════╪═══════════╪═════════════╪═══════╪════════╪════════╪═════════╡
    │ 1        ┆ 366053209 ┆ 37.802118 ┆ -122.341618 ┆ 0.0   ┆ 219.3  ┆ 3      ┆ true    │
    │ 8        ┆ null      ┆ null      ┆ null        ┆ null  ┆ null   ┆ null   ┆ false   │
    └──────────┴───────────┴───────────┴─────────────┴───────┴────────┴────────┴─────────┘
    """
    if payload.dtype not in (pl.String, pl.Binary):
        raise TypeError(f"payload must be a String or Binary series, got {payload.dtype}")
    if not fill_bits.dtype.is_integer():
        raise TypeError(f"fill_bits must be an integer series, got {fill_bits.dtype}")
    if len(payload) != len(fill_bits):
        raise ValueError(
            f"payload and fill_bits differ in length: {len(payload)} != {len(fill_bits)}"
        )
    if columns is None:
        wanted: Collection[str] = OUTPUT_SCHEMA
    else:
        unknown = sorted(set(columns) - set(OUTPUT_SCHEMA))
        if unknown:
            raise KeyError(f"decode_payloads has no column(s) {unknown}")
        wanted = {*columns, "msg_type", PAYLOAD_BITS, DECODED}
    schema = {k: v for k, v in OUTPUT_SCHEMA.items() if k in wanted}
    n = len(payload)
    arrow = payload.rechunk().to_arrow(compat_level=pl.CompatLevel.oldest())
    _, offsets_buf, data_buf = arrow.buffers()
    offsets = np.frombuffer(offsets_buf, dtype=np.int64)[arrow.offset : arrow.offset + n + 1]
    data = (
        np.frombuffer(data_buf, dtype=np.uint8) if data_buf is not None else np.zeros(0, np.uint8)
    )
    starts = offsets[:-1]
    lengths = np.diff(offsets)  # a null payload has length 0
    fill = fill_bits.cast(pl.Int64).fill_null(-1).to_numpy()
    nbits = 6 * lengths - fill
    usable = (lengths > 0) & (fill >= 0) & (fill <= 5)

    # Message type: the first 6 bits (fewer, right-aligned, in a payload shorter than that).
    words = _byte_words(data)
    first = _ARMOR[words[starts].astype(np.uint8)]
    msg_type = (first >> np.clip(6 - nbits, 0, 6).astype(np.uint8)).astype(np.int64)
    layout_of = np.where(usable, _LAYOUT_OF_TYPE[msg_type], _NOT_DECODED)
    rows24 = np.flatnonzero(usable & (msg_type == 24))
    if len(rows24):
        chars = _Chars(words, starts[rows24], lengths[rows24], 7)
        mmsi, _ = _get(chars, nbits[rows24], 8, 30, signed=False)
        partno, _ = _get(chars, nbits[rows24], 38, 2, signed=False)
        aux = (mmsi >= _AUX_MMSI[0]) & (mmsi <= _AUX_MMSI[1])
        layout_of[rows24] = np.select(
            [partno == 0, (partno == 1) & aux, partno == 1], [6, 8, 7], _NOT_DECODED
        )

    values: dict[str, np.ndarray] = {}
    valids: dict[str, np.ndarray] = {}
    texts: dict[str, list[tuple[np.ndarray, pl.Series]]] = {}
    for index, layout in enumerate(_LAYOUTS):
        rows = np.flatnonzero(layout_of == index)
        if not len(rows):
            continue
        chars = _Chars(words, starts[rows], lengths[rows], layout.chars)
        numeric, text = _decode_layout(layout, chars, nbits[rows], wanted)
        for name, (value, valid) in numeric.items():
            if name not in values:
                values[name] = np.zeros(n, dtype=_NUMPY_DTYPE[OUTPUT_SCHEMA[name]])
                valids[name] = np.zeros(n, dtype=bool)
            values[name][rows] = value
            valids[name][rows] = True if valid is None else valid
        for name, series in text.items():
            texts.setdefault(name, []).append((rows, series))

    values["msg_type"] = msg_type.astype(np.uint8)
    valids["msg_type"] = lengths > 0
    values[PAYLOAD_BITS] = nbits.astype(np.int32)
    valids[PAYLOAD_BITS] = payload.is_not_null().to_numpy() & fill_bits.is_not_null().to_numpy()
    values[DECODED] = layout_of != _NOT_DECODED
    valids[DECODED] = np.ones(n, dtype=bool)
    out: list[pl.Series] = []
    for name, dtype in schema.items():
        if name in values:
            out.append(_numeric_column(name, values[name], valids[name]))
        elif name in texts:
            out.append(_text_column(name, n, texts[name]))
        else:
            out.append(pl.repeat(None, n, dtype=dtype, eager=True).alias(name))
    return pl.DataFrame(out).cast(schema)  # type: ignore[arg-type]
