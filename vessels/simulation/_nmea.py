"""Vectorised NMEA 0183 encoding of AIS position reports (types 1 and 18) and tag blocks.

Position reports are the bulk of a file, so they are bit-packed with numpy (168 bits -> 28
six-bit characters, ITU-R M.1371-5 Annex 8 field layout) instead of one pyais call each. The
rare static reports (types 5 and 24) are still encoded with pyais by the writer. Decoding is
checked against pyais in ``tests/simulate``.

Examples
--------
>>> import numpy as np
>>> from pyais import decode
>>> s = position_sentences(np.array([345000001]), np.array([True]), np.array([31.5]),
...     np.array([-114.3]), np.array([10.2]), np.array([90.1]), np.array([np.nan]),
...     np.array([0]), np.array([12]), np.array([False]))
>>> m = decode(s[0]).asdict()
>>> (m["msg_type"], m["mmsi"], m["lat"], m["lon"], m["speed"], m["course"], m["heading"])
(1, 345000001, 31.5, -114.3, 10.2, 90.1, 511)
"""

from __future__ import annotations

import numpy as np
import polars as pl

__all__ = ["nmea_checksum", "position_sentences", "tag_blocks"]

# (name, width in bits) of message types 1 and 18 (ITU-R M.1371-5, Annex 8, Tables 45 and 50)
_TYPE1 = (
    ("type", 6),
    ("repeat", 2),
    ("mmsi", 30),
    ("status", 4),
    ("turn", 8),
    ("speed", 10),
    ("accuracy", 1),
    ("lon", 28),
    ("lat", 27),
    ("course", 12),
    ("heading", 9),
    ("second", 6),
    ("maneuver", 2),
    ("spare", 3),
    ("raim", 1),
    ("radio", 19),
)
_TYPE18 = (
    ("type", 6),
    ("repeat", 2),
    ("mmsi", 30),
    ("reserved", 8),
    ("speed", 10),
    ("accuracy", 1),
    ("lon", 28),
    ("lat", 27),
    ("course", 12),
    ("heading", 9),
    ("second", 6),
    ("reserved2", 2),
    ("cs", 1),
    ("display", 1),
    ("dsc", 1),
    ("band", 1),
    ("msg22", 1),
    ("assigned", 1),
    ("raim", 1),
    ("radio", 20),
)


def nmea_checksum(text: str) -> int:
    """XOR of the characters of ``text`` (the NMEA / tag-block checksum)."""
    c = 0
    for ch in text.encode("ascii"):
        c ^= ch
    return c


def _pack(fields: tuple[tuple[str, int], ...], values: dict[str, np.ndarray], n: int) -> np.ndarray:
    """(n, 28) uint8 array of armoured six-bit characters.

    The 168 message bits are assembled in four 42-bit words (7 characters each) with integer
    shifts, so the cost is a few dozen array operations whatever the number of messages.
    """
    words = np.zeros((4, n), dtype=np.int64)
    off = 0
    for name, width in fields:
        v = values.get(name)
        if v is not None:
            v = np.asarray(v, dtype=np.int64) & ((1 << width) - 1)
            start, end = off, off + width  # bit span [start, end) of the 168
            for w in range(start // 42, (end - 1) // 42 + 1):
                lo, hi = max(start, 42 * w), min(end, 42 * (w + 1))
                part = (v >> (end - hi)) & ((1 << (hi - lo)) - 1)
                words[w] |= part << (42 * (w + 1) - hi)
        off += width
    six = np.empty((n, 28), dtype=np.uint8)
    for w in range(4):
        for k in range(7):
            six[:, 7 * w + k] = (words[w] >> (36 - 6 * k)) & 63
    return np.where(six > 39, six + 56, six + 48).astype(np.uint8)


def _to_strings(chars: np.ndarray) -> pl.Series:
    raw = np.ascontiguousarray(chars).view(f"S{chars.shape[1]}").ravel()
    return pl.Series(raw, dtype=pl.Binary).cast(pl.String)


_HEX = pl.Series([f"{i:02X}" for i in range(256)])


def position_sentences(
    mmsi: np.ndarray,
    class_a: np.ndarray,
    lat: np.ndarray,
    lon: np.ndarray,
    sog_kn: np.ndarray,
    cog_deg: np.ndarray,
    heading_deg: np.ndarray,
    nav_status: np.ndarray,
    second: np.ndarray,
    channel_b: np.ndarray,
) -> pl.Series:
    """``!AIVDM`` sentences (type 1 for class A, type 18 for class B); NaN = not available."""
    n = mmsi.size
    if n == 0:
        return pl.Series([], dtype=pl.String)
    speed = np.where(np.isnan(sog_kn), 1023, np.rint(np.nan_to_num(sog_kn) * 10)).astype(np.int64)
    course = np.where(np.isnan(cog_deg), 3600, np.rint(np.nan_to_num(cog_deg) * 10)).astype(
        np.int64
    )
    heading = np.where(np.isnan(heading_deg), 511, np.nan_to_num(heading_deg)).astype(np.int64)
    common = {
        "mmsi": mmsi,
        "speed": speed,
        "lon": np.rint(lon * 600_000).astype(np.int64),
        "lat": np.rint(lat * 600_000).astype(np.int64),
        "course": course,
        "heading": heading,
        "second": second,
    }
    a = _pack(
        _TYPE1, {**common, "type": np.full(n, 1), "status": nav_status, "turn": np.full(n, -128)}, n
    )
    b = _pack(_TYPE18, {**common, "type": np.full(n, 18), "cs": np.ones(n)}, n)
    payload = np.where(class_a[:, None], a, b)
    ch = np.where(channel_b, ord("B"), ord("A")).astype(np.uint8)
    # checksum over "AIVDM,1,1,,<ch>,<payload>,0"
    const = nmea_checksum("AIVDM,1,1,,") ^ nmea_checksum(",") ^ nmea_checksum(",0")
    cks = np.bitwise_xor.reduce(payload, axis=1) ^ ch ^ np.uint8(const)
    frame = pl.DataFrame(
        {"b": channel_b, "p": _to_strings(payload), "x": _HEX.gather(cks.astype(np.int64))}
    )
    return frame.select(
        pl.concat_str(
            pl.lit("!AIVDM,1,1,,"),
            pl.when(pl.col("b")).then(pl.lit("B")).otherwise(pl.lit("A")),
            pl.lit(","),
            pl.col("p"),
            pl.lit(",0*"),
            pl.col("x"),
        )
    ).to_series()


def tag_blocks(
    stations: tuple[str, ...], station_idx: np.ndarray, epoch_s: np.ndarray
) -> pl.Series:
    r"""IEC 61162-450 tag blocks ``\s:<station>,c:<epoch>*hh\`` for each message.

    ``epoch_s`` must be non-negative (Unix seconds).
    """
    epoch_s = np.asarray(epoch_s, dtype=np.int64)
    station_idx = np.asarray(station_idx, dtype=np.int64)
    # XOR of the decimal digits, one digit position at a time (leading zeros are not written)
    d_x = np.zeros(epoch_s.size, dtype=np.int64)
    rest = epoch_s.copy()
    first = True
    while first or (rest > 0).any():
        digit = rest % 10
        d_x ^= np.where((rest > 0) | first, digit + 48, 0)
        rest //= 10
        first = False
    st_x = np.array([nmea_checksum(f"s:{s},c:") for s in stations], dtype=np.int64)
    cks = st_x[station_idx] ^ d_x
    frame = pl.DataFrame(
        {
            "s": pl.Series(list(stations)).gather(station_idx),
            "c": epoch_s,
            "x": _HEX.gather(cks),
        }
    )
    return frame.select(
        pl.concat_str(
            pl.lit("\\s:"),
            pl.col("s"),
            pl.lit(",c:"),
            pl.col("c").cast(pl.String),
            pl.lit("*"),
            pl.col("x"),
            pl.lit("\\"),
        )
    ).to_series()
