"""Vectorised framing of raw NMEA AIS logs (private; used by :mod:`vessels.io._nmea`).

The reader's rules (see :mod:`vessels.io._nmea`: tag blocks, several sentences per line,
checksums, fragment assembly, line-prefix / trailing times, quarantine reasons) are applied to
the whole file at once with polars string expressions and numpy, and the assembled payloads are
decoded by :func:`vessels.io._aisbits.decode_payloads`. Every step has a *simple shape* it
handles vectorised and hands everything else to the per-line code it replaces, so the result is
the same as :func:`vessels.io._nmea.stage_nmea_per_line` (the test suite checks it line by line
on the fixtures and on generated mixes of good, broken, interleaved and non-UTF-8 lines):

1. **Lines.** The file is decoded as UTF-8 (invalid bytes become U+FFFD) and split at
   ``\\r\\n``, ``\\r`` and ``\\n``, as Python's text mode does. A line is *simple* when it is
   ASCII and is either one sentence (optional tag block, optional text before it, optional text
   after it) or two or more sentences back to back, each with an optional tag block; its tag
   block fields, checksum and times are read with regular expressions. Any other line
   (non-ASCII, unusual shapes, damaged tag blocks) goes through ``_split_line`` as before.
2. **Sentences.** A sentence of the usual shape (``!xxVDM,cnt,num,seq,chan,payload,fill*hh``)
   is split by one regular expression and its checksum is an XOR over a cumulative XOR of the
   sentences' bytes; any other sentence is parsed by pyais as before.
3. **Fragments.** The per-key state machine (a fragment 1 starts a message, fragment *k* + 1
   of the same count continues it, anything else orphans what is pending) is computed with
   window expressions over each key (tag-block group, else sequential id and channel).
4. **Payloads.** :func:`~vessels.io._aisbits.decode_payloads` decodes every assembled message;
   the few it does not decode (rare types, type 24 part 2/3) are decoded by pyais.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import polars as pl
import pyarrow as pa

from vessels import schema as S
from vessels.cleaning import ERROR, RAW_COL
from vessels.io._aisbits import DECODED, decode_payloads, series_from_arrow

if TYPE_CHECKING:
    from vessels.io._read import Clock

__all__ = ["stage_nmea_vectorised"]

# Python's str.isspace() characters (str.strip() without arguments strips these), written out:
# computing them over all 1,114,112 code points took ~0.25 CPU s at every first import
# (tests/io/test_nmea_vectorised.py checks the list against str.isspace())
_PY_SPACE = (
    "\t\n\x0b\x0c\r\x1c\x1d\x1e\x1f \x85\xa0\u1680\u2000\u2001\u2002\u2003\u2004\u2005"
    "\u2006\u2007\u2008\u2009\u200a\u2028\u2029\u202f\u205f\u3000"
)
# the ASCII ones, as a regex class body: what ``\s`` matches on ASCII text in Python's re
_WS = r"\t\n\x0b\x0c\r\x1c-\x1f "

# one sentence: [\tag\] [prefix] !sentence*hh [after]  (no other '!' or '\' on the line)
_SINGLE = r"^(?:\\([^\\!]*)\\)?([^\\!]*)(![^\\!]*\*[^*\\!]{2})([^*\\!]*)$"
# two or more sentences back to back, each with an optional tag block
_PIECE = r"(?:\\[^\\!]*\\)?![A-Z]{2}VD[MO],[^!\\*]*\*[0-9A-Fa-f]{2}"
_MULTI = rf"^([^\\!]*)((?:{_PIECE})+)([^\\!]*)$"
_ISO = (
    rf"^[{_WS}]*\[?([0-9]{{4}})-([0-9]{{2}})-([0-9]{{2}})[T ]([0-9]{{2}}):([0-9]{{2}}):"
    rf"([0-9]{{2}})(\.[0-9]+)?(Z|[+-]00:?00)?\]?[{_WS},;:]*$"
)
_PREFIX_EPOCH = rf"^[{_WS}]*([0-9]{{9,10}}(?:\.[0-9]+)?|[0-9]{{12,13}})[{_WS},;:]*$"
_TRAILING = rf"^[{_WS}]*,?[{_WS}]*([0-9]{{9,13}}(?:\.[0-9]+)?)[{_WS}]*$"
# the usual sentence: fields 1-5, optional extra fields, fill bits and checksum
_SENT = (
    r"^![^,*]*,([1-9]),([1-9]),([0-9]{0,3}),([^,*]*),([^,*]*),(?:[^,*]*,)*([0-5])\*"
    r"([0-9A-Fa-f]{2})$"
)
_SIMPLE_NUMBER = r"^[0-9]{1,15}(?:\.[0-9]{1,9})?$"
MAX_PAYLOAD_LEN = 200  # pyais rejects longer payloads (InvalidNMEAMessageException)
MAX_FRAG_CNT = 9

# item table: one row per sentence (or per rejected line), in file order
_ITEM_SCHEMA: dict[str, pl.DataType] = {
    "_row": pl.UInt64(),
    "_k": pl.Int64(),
    "_sent": pl.String(),
    "_err": pl.String(),
    "_ts": pl.Float64(),
    "_src": pl.String(),
    "_grp": pl.String(),
    "_raw": pl.String(),
}
# parsed sentences
_SENT_SCHEMA: dict[str, pl.DataType] = {
    "_bad": pl.String(),
    "_cnt": pl.Int64(),
    "_num": pl.Int64(),
    "_seq": pl.Int64(),
    "_chan": pl.String(),
    "_payload": pl.String(),
    "_fill": pl.Int64(),
}


# -- small helpers ----------------------------------------------------------------------------


def _lines(path: Path) -> pl.Series:
    """The file's lines as Python's text mode reads them (UTF-8, invalid bytes replaced)."""
    data = path.read_bytes()
    if not data:
        return pl.Series("_text", [], dtype=pl.String)
    if b"\r" not in data and _valid_utf8(data):
        return _lines_lf(data)
    text = data.decode("utf-8", errors="replace")
    del data
    if "\r" in text:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    if text.endswith("\n"):
        text = text[:-1]
    return pl.Series("_text", [text]).str.split("\n").explode().alias("_text")


def _valid_utf8(data: bytes) -> bool:
    if data.isascii():
        return True
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


def _lines_lf(data: bytes) -> pl.Series:
    """The lines of valid UTF-8 with ``\\n`` line ends only, cut with numpy (no text copy).

    The same lines as :func:`_lines`'s text path: a final ``\\n`` ends the last line.
    """
    raw = np.frombuffer(data, dtype=np.uint8)
    nl = np.flatnonzero(raw == 10)
    n = len(nl) if data.endswith(b"\n") else len(nl) + 1
    starts = np.zeros(n + 1, dtype=np.int64)
    starts[1 : len(nl) + 1] = nl + 1
    # the line bytes without the newlines: line i starts i newlines earlier
    offsets = starts - np.arange(n + 1, dtype=np.int64)
    offsets[n] = len(raw) - len(nl)
    body = raw[raw != 10] if len(nl) else raw
    arrow = pa.LargeStringArray.from_buffers(n, pa.py_buffer(offsets), pa.py_buffer(body))
    return series_from_arrow("_text", arrow)


def _xor_ranges(strings: pl.Series, start: np.ndarray, end: np.ndarray) -> np.ndarray:
    """XOR of the bytes ``[start, end)`` of every string (offsets within each string)."""
    n = len(strings)
    arrow = strings.rechunk().to_arrow(compat_level=pl.CompatLevel.oldest())
    _, offsets_buf, data_buf = arrow.buffers()
    offsets = np.frombuffer(offsets_buf, dtype=np.int64)[arrow.offset : arrow.offset + n + 1]
    data = (
        np.frombuffer(data_buf, dtype=np.uint8) if data_buf is not None else np.zeros(0, np.uint8)
    )
    base = offsets[:-1]
    a = np.clip(base + start, 0, len(data))
    b = np.clip(base + end, 0, len(data))
    # prefix XOR of the bytes [0, i), from a running XOR over 8-byte words (8 x fewer steps
    # than over bytes): whole words before i, then the low i % 8 bytes of i's own word
    padded = np.zeros(len(data) // 8 + 1, dtype="<u8")
    padded.view(np.uint8)[: len(data)] = data
    cum = np.zeros(len(padded) + 1, dtype=np.uint64)
    np.bitwise_xor.accumulate(padded, out=cum[1:])

    def prefix(i: np.ndarray) -> np.ndarray:
        q, r = i >> 3, (i & 7).astype(np.uint64)
        mask = (np.uint64(1) << (np.uint64(8) * r)) - np.uint64(1)  # r = 0: no bytes
        x = cum[q] ^ (padded[q] & mask)
        x ^= x >> np.uint64(32)
        x ^= x >> np.uint64(16)
        x ^= x >> np.uint64(8)
        return x & np.uint64(0xFF)

    return np.where(b > a, prefix(b) ^ prefix(a), 0).astype(np.int64)


def _py_map(values: pl.Series, fn: Any, dtype: pl.DataType) -> pl.Series:
    """``fn`` over the distinct non-null values (the rare cases the expressions leave)."""
    uniq = values.drop_nulls().unique()
    table = pl.DataFrame(
        {"_k": uniq, "_v": pl.Series([fn(v) for v in uniq.to_list()], dtype=dtype)},
        schema={"_k": values.dtype, "_v": dtype},
    )
    return (
        pl.DataFrame({"_k": values})
        .join(table, on="_k", how="left", maintain_order="left")["_v"]
        .alias(values.name)
    )


def _epoch(values: pl.Series) -> pl.Series:
    """``_epoch_s`` of each string: simple decimals cast here, anything else as Python does."""
    from vessels.io._nmea import _epoch_s

    simple = values.str.contains(_SIMPLE_NUMBER)
    cast = values.cast(pl.Float64, strict=False)
    v = pl.select(pl.when(cast > 1e11).then(cast / 1000.0).otherwise(cast)).to_series()
    odd = values.filter(~simple.fill_null(True) & values.is_not_null())
    if odd.len():
        other = _py_map(values, _epoch_s, pl.Float64())
        v = pl.select(pl.when(simple.fill_null(False)).then(v).otherwise(other)).to_series()
    else:
        v = pl.select(pl.when(simple.fill_null(False)).then(v)).to_series()
    return v


def _iso_epoch(groups: pl.DataFrame, zone: Any) -> pl.Series:
    """Epoch seconds of the ISO prefix fields (null where the date or time is impossible)."""
    c = [groups[str(i)] for i in range(1, 9)]
    y, mo, d, h, mi, sec = (s.cast(pl.Int32) for s in c[:6])
    frac = ("0" + c[6]).cast(pl.Float64).fill_null(0.0)
    utc = c[7].is_not_null() | (zone is None)
    frame = pl.DataFrame({"y": y, "mo": mo, "d": d, "h": h, "mi": mi, "s": sec})
    ok = (
        (pl.col("y") >= 1)
        & pl.col("mo").is_between(1, 12)
        & (pl.col("d") >= 1)
        & (pl.col("h") <= 23)
        & (pl.col("mi") <= 59)
        & (pl.col("s") <= 59)
    )
    frame = frame.with_columns(ok.alias("ok"))
    frame = frame.with_columns(
        pl.when("ok").then(pl.date(pl.col("y"), pl.col("mo"), 1)).alias("first")
    ).with_columns(
        (pl.col("ok") & (pl.col("d") <= pl.col("first").dt.month_end().dt.day())).alias("ok")
    )
    naive = pl.when("ok").then(
        pl.datetime(pl.col("y"), pl.col("mo"), pl.col("d"), pl.col("h"), pl.col("mi"), pl.col("s"))
    )
    frame = frame.with_columns(naive.alias("naive"), pl.Series("utc", utc), pl.Series("fr", frac))
    as_utc = pl.col("naive").dt.epoch("s").cast(pl.Float64)
    if zone is None:
        out = frame.select(as_utc + pl.col("fr"))
        return out.to_series()
    key = getattr(zone, "key", str(zone))
    local = (
        pl.col("naive")
        .dt.replace_time_zone(key, ambiguous="earliest", non_existent="null")
        .dt.epoch("s")
        .cast(pl.Float64)
    )
    frame = frame.with_columns(
        pl.when("utc").then(as_utc).otherwise(local).alias("t"),
    )
    gap = frame.filter(pl.col("ok") & ~pl.col("utc") & pl.col("t").is_null())
    if gap.height:  # a wall time skipped by a DST change: Python's fold=0 reading
        idx = frame.with_row_index("_i").filter(
            pl.col("ok") & ~pl.col("utc") & pl.col("t").is_null()
        )["_i"]
        fixed = [dt.replace(tzinfo=zone).timestamp() for dt in gap["naive"].to_list()]
        t = frame["t"].to_numpy(writable=True).astype(np.float64)
        t[idx.to_numpy()] = fixed
        frame = frame.with_columns(pl.Series("t", t).fill_nan(None))
    return frame.select(pl.col("t") + pl.col("fr")).to_series()


def _prefix_epoch(prefix: pl.Series, zone: Any) -> pl.Series:
    """``_prefix_time`` of each ASCII prefix (null where there is none)."""
    n = len(prefix)
    out = pl.Series("_p", [None] * n, dtype=pl.Float64)
    has = prefix.str.len_bytes().fill_null(0) > 0
    if not has.any():
        return out
    iso = prefix.str.extract_groups(_ISO).struct.unnest()
    is_iso = iso["1"].is_not_null()
    t_iso = _iso_epoch(iso, zone) if is_iso.any() else out
    ep = prefix.str.extract(_PREFIX_EPOCH, 1)
    t_ep = _epoch(ep) if ep.is_not_null().any() else out
    return pl.select(
        pl.when(is_iso).then(t_iso).when(ep.is_not_null()).then(t_ep).alias("_p")
    ).to_series()


# -- 1. lines -> items ------------------------------------------------------------------------


def _last_field(body: pl.Series, name: str) -> tuple[pl.Series, pl.Series]:
    """(value of the ``name:`` field, more than one such field?) of tag-block bodies."""
    key = f",{name}:"
    if not body.str.contains(key[1:], literal=True).any():
        none = pl.Series([None] * len(body), dtype=pl.String)
        return none, none.is_not_null()
    comma = "," + body
    at = comma.str.find(key, literal=True)
    value = comma.str.slice(at + len(key))
    end = value.str.find(",", literal=True)
    value = pl.select(pl.when(at.is_not_null()).then(value.str.slice(0, end))).to_series()
    return value, comma.str.count_matches(key, literal=True) > 1


def _tag_fields(tag: pl.Series) -> pl.DataFrame:
    """(_tag_err, _tag_ts, _grp) of tag-block contents (null content: no tag block)."""
    star = tag.str.find("*", literal=True)
    body = pl.select(
        pl.when(star.is_null()).then(tag).otherwise(tag.str.slice(0, star))
    ).to_series()
    cs = pl.select(pl.when(star.is_not_null()).then(tag.str.slice(star + 1))).to_series()
    present = (cs.str.len_bytes() > 0).fill_null(False)
    hexed = cs.str.slice(0, 2)
    simple = hexed.str.contains(r"^[0-9A-Fa-f]{1,2}$").fill_null(False)
    want = hexed.str.to_integer(base=16, strict=False)
    lens = body.str.len_bytes().fill_null(0).to_numpy()
    got = pl.Series(_xor_ranges(body, np.zeros(len(body), np.int64), lens))
    bad = present & (want.is_null() | (want != got)).fill_null(True)
    c_val, c_many = _last_field(body, "c")
    ts = _epoch(c_val) if c_val.is_not_null().any() else pl.Series([None] * len(tag))
    g_val, g_many = _last_field(body, "g")
    grp = g_val
    if g_val.is_not_null().any():
        grp = g_val.str.slice(g_val.str.find(r"[^-]*$"))
    out = pl.DataFrame(
        {
            "_tag_err": pl.select(pl.when(bad).then(pl.lit("bad_checksum"))).to_series(),
            "_tag_ts": pl.select(pl.when(~bad).then(ts.cast(pl.Float64))).to_series(),
            "_grp": pl.select(pl.when(~bad & (grp != "")).then(grp)).to_series(),
        }
    )
    odd = (present & ~simple) | c_many.fill_null(False) | g_many.fill_null(False)
    if odd.any():  # repeated fields, checksums int() reads differently: as Python does
        from vessels.io._nmea import _tag

        idx = np.flatnonzero(odd.to_numpy())
        fixed = pl.DataFrame(
            [_tag(v) for v in tag.gather(idx).to_list()],
            schema={"_tag_err": pl.String, "_tag_ts": pl.Float64, "_grp": pl.String},
            orient="row",
        ).with_columns(pl.Series("_i", idx, dtype=pl.UInt32))
        out = out.with_row_index("_i").update(fixed, on="_i", include_nulls=True).drop("_i")
    return out


def _simple_items(lines: pl.DataFrame, zone: Any) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Items of the simple lines, and the lines left for the per-line code.

    The shapes are checked with whole-line regular expressions (``str.contains``, a DFA
    scan); the parts are then cut at literal positions, which is several times cheaper than
    regex capture groups.
    """
    text = pl.col("_text")
    lines = lines.with_columns(
        (text.str.strip_chars(_PY_SPACE) == "").alias("_empty"),
        (text.str.len_bytes() == text.str.len_chars()).alias("_ascii"),
    )
    empty = lines.filter("_empty").select(
        "_row",
        pl.lit(0, pl.Int64).alias("_k"),
        pl.lit("empty_line").alias("_err"),
        text.alias("_raw"),
    )
    cand = lines.filter(~pl.col("_empty") & pl.col("_ascii")).with_columns(
        text.str.contains(_SINGLE).alias("_single")
    )
    # one sentence: [\tag\][prefix]!sentence*hh[after], one '!' and 0 or 2 backslashes
    bang = text.str.find("!", literal=True).cast(pl.Int64)
    end = text.str.find(r"\*[^*]*$").cast(pl.Int64) + 3
    tagged = text.str.starts_with("\\")
    close = text.str.slice(1).str.find("\\", literal=True).cast(pl.Int64) + 1
    single = (
        cand.filter("_single")
        .with_columns(bang.alias("_bang"), end.alias("_end"), tagged.alias("_tagged"))
        .with_columns(pl.when("_tagged").then(close).otherwise(-1).alias("_close"))
        .select(
            "_row",
            pl.when("_tagged").then(text.str.slice(1, pl.col("_close") - 1)).alias("_tag"),
            text.str.slice(pl.col("_close") + 1, pl.col("_bang") - pl.col("_close") - 1).alias(
                "_pre"
            ),
            text.str.slice(pl.col("_bang"), pl.col("_end") - pl.col("_bang")).alias("_sent"),
            text.str.slice(pl.col("_end")).alias("_post"),
            text.alias("_raw"),
        )
    )
    # several sentences back to back: [prefix](\tag\]!sentence*hh)+[after]
    rest = cand.filter(~pl.col("_single"))
    many = rest.filter((text.str.count_matches("!", literal=True) >= 2) & text.str.contains(_MULTI))
    last_bang = text.str.find(r"![^!]*$").cast(pl.Int64)
    multi = many.with_columns(last_bang.alias("_lb")).select(
        "_row",
        text.str.slice(0, text.str.find(r"[\\!]")).alias("_pre"),
        text.str.slice(
            pl.col("_lb") + text.str.slice(pl.col("_lb")).str.find("*", literal=True) + 3
        ).alias("_post"),
        text.str.extract_all(_PIECE).alias("_piece"),
    )
    done = np.zeros(lines.height + 1, dtype=bool)  # rows are 1..n
    done[single["_row"].to_numpy()] = True
    done[multi["_row"].to_numpy()] = True
    left = lines.filter(~pl.col("_empty") & ~pl.Series(done[lines["_row"].to_numpy()]))
    piece = pl.col("_piece")
    pbang = piece.str.find("!", literal=True).cast(pl.Int64)
    pieces = (
        multi.select("_row", "_piece")
        .with_columns(pl.int_ranges(piece.list.len()).alias("_k"))
        .explode("_piece", "_k")
        .select(
            "_row",
            pl.col("_k").cast(pl.Int64),
            pl.when(piece.str.starts_with("\\")).then(piece.str.slice(1, pbang - 2)).alias("_tag"),
            piece.str.slice(pbang).alias("_sent"),
            piece.alias("_raw"),
        )
    )
    # line times (prefix, else trailing) of both shapes; a tag-block time overrides them
    both = pl.concat(
        [single.select("_row", "_pre", "_post"), multi.select("_row", "_pre", "_post")]
    )
    pre = _prefix_epoch(both["_pre"], zone)
    post = both["_post"]
    post_t = pl.Series([None] * len(post), dtype=pl.Float64)
    if (post.str.len_bytes() > 0).any():
        trail = post.str.extract(_TRAILING, 1)
        if trail.is_not_null().any():
            post_t = _epoch(trail)
    line_t = both.select(
        "_row",
        pl.coalesce(pre, post_t.cast(pl.Float64)).alias("_lts"),
        pl.when(pre.is_not_null())
        .then(pl.lit("line_prefix"))
        .when(post_t.is_not_null())
        .then(pl.lit("trailing_epoch"))
        .alias("_lsrc"),
    )
    items = pl.concat(
        [single.select("_row", pl.lit(0, pl.Int64).alias("_k"), "_tag", "_sent", "_raw"), pieces]
    )
    tf = _tag_fields(items["_tag"])
    items = pl.concat([items, tf], how="horizontal").join(
        line_t, on="_row", how="left", maintain_order="left"
    )
    items = items.select(
        "_row",
        "_k",
        pl.when(pl.col("_tag_err").is_null()).then("_sent").alias("_sent"),
        pl.col("_tag_err").alias("_err"),
        pl.coalesce("_tag_ts", "_lts").alias("_ts"),
        pl.when(pl.col("_tag_ts").is_not_null())
        .then(pl.lit("tag_block"))
        .otherwise("_lsrc")
        .alias("_src"),
        "_grp",
        "_raw",
    )
    return pl.concat([items, empty], how="diagonal"), left.select("_row", "_text")


def _per_line_items(left: pl.DataFrame, zone: Any) -> pl.DataFrame:
    """Items of the lines the expressions do not handle, by the per-line code."""
    from vessels.io._nmea import _split_line

    rows: dict[str, list[Any]] = {k: [] for k in _ITEM_SCHEMA}
    for row, text in left.iter_rows():
        items: list[Any]
        items, error, _ = _split_line(text, zone)
        if error is not None:
            items = [(None, error, None, None, None, text)]
        single = len(items) == 1
        for k, (sent, err, ts, src, grp, piece) in enumerate(items):
            rows["_row"].append(row)
            rows["_k"].append(k)
            rows["_sent"].append(sent if err is None else None)
            rows["_err"].append(err)
            rows["_ts"].append(ts)
            rows["_src"].append(src)
            rows["_grp"].append(grp)
            rows["_raw"].append(text if single else piece)
    return pl.DataFrame(rows, schema=_ITEM_SCHEMA)


# -- 2. sentences ------------------------------------------------------------------------------


def _parse_sentences(sent: pl.Series) -> pl.DataFrame:
    """pyais's reading of each sentence: _bad (malformed_sentence / bad_checksum) and fields."""
    usual = sent.str.contains(_SENT) & (sent.str.len_bytes() == sent.str.len_chars())
    f = sent.str.split_exact(",", 5).struct.unnest()
    out = pl.DataFrame(
        {
            "_cnt": f["field_1"].cast(pl.Int64, strict=False),
            "_num": f["field_2"].cast(pl.Int64, strict=False),
            "_seq": f["field_3"].cast(pl.Int64, strict=False),
            "_chan": f["field_4"],
            "_payload": f["field_5"],
            "_fill": sent.str.slice(-4, 1).cast(pl.Int64, strict=False),
        }
    )
    lens = sent.str.len_bytes().fill_null(0).to_numpy()
    got = pl.Series(_xor_ranges(sent, np.ones(len(sent), np.int64), lens - 3))
    want = sent.str.slice(-2).str.to_integer(base=16, strict=False)
    malformed = (out["_num"] > out["_cnt"]) | (out["_payload"].str.len_bytes() > MAX_PAYLOAD_LEN)
    bad = pl.select(
        pl.when(malformed)
        .then(pl.lit("malformed_sentence"))
        .when(want != got)
        .then(pl.lit("bad_checksum"))
    ).to_series()
    out = out.with_columns(_bad=bad).select(list(_SENT_SCHEMA))
    odd = (~usual.fill_null(True) & sent.is_not_null()).to_numpy()
    if odd.any():
        idx = np.flatnonzero(odd)
        fixed = pl.DataFrame(
            [_parse_one(s) for s in sent.gather(idx).to_list()],
            schema=_SENT_SCHEMA,
            orient="row",
        )
        out = out.with_row_index("_i").update(
            fixed.with_columns(pl.Series("_i", idx, dtype=pl.UInt32)),
            on="_i",
            include_nulls=True,
        )
        out = out.drop("_i")
    return out


def _parse_one(text: str) -> tuple[Any, ...]:
    """pyais's reading of one sentence of an unusual shape (as the per-line code does)."""
    from pyais.exceptions import AISBaseException
    from pyais.messages import NMEAMessage

    try:
        msg = NMEAMessage(text.encode())
    except (AISBaseException, ValueError, IndexError):
        return ("malformed_sentence", None, None, None, None, None, None)
    if not msg.is_valid:
        return ("bad_checksum", None, None, None, None, None, None)
    payload = msg.payload.decode("ascii")
    return (None, msg.frag_cnt, msg.frag_num, msg.seq_id, msg.channel, payload, msg.fill_bits)


# -- 3. fragments ------------------------------------------------------------------------------


def _assemble_fragments(frag: pl.DataFrame) -> tuple[pl.DataFrame, pl.DataFrame]:
    """(whole messages, orphan rejects) of the multi-sentence fragments, in stream order.

    ``frag`` has ``_gi`` (stream position), the key columns ``_grp``/``_seq``/``_chan``,
    ``_cnt``, ``_num`` and the message columns. Within one key, a fragment continues the
    message in progress when it is fragment k + 1 of the same count after fragment k;
    fragment 1 starts a new one (orphaning what is pending); anything else is an orphan itself
    and orphans what is pending (the per-line reader's state machine).
    """
    key = ["_kg", "_ks", "_kc"]
    frag = frag.with_columns(
        pl.col("_grp").alias("_kg"),
        pl.when(pl.col("_grp").is_null()).then("_seq").alias("_ks"),
        pl.when(pl.col("_grp").is_null()).then("_chan").alias("_kc"),
    )
    prev_num = pl.col("_num").shift(1).over(key)
    prev_cnt = pl.col("_cnt").shift(1).over(key)
    ok = (pl.col("_num") == prev_num + 1) & (pl.col("_cnt") == prev_cnt)
    boundary = (pl.col("_num") == 1) | ~ok.fill_null(False)
    frag = frag.with_columns(boundary.alias("_b")).with_columns(
        pl.col("_b").cum_sum().over(key).alias("_seg")
    )
    seg = [*key, "_seg"]
    frag = frag.with_columns(
        (pl.col("_num").first().over(seg) == 1).alias("_started"),
        pl.len().over(seg).alias("_n"),
        pl.col("_gi").last().over(seg).alias("_last_gi"),
    )
    # the first stream position of the next segment of the same key (what orphans a pending
    # message); end of file when there is none
    heads = frag.filter("_b").select([*key, "_seg", "_gi"])
    nxt = heads.with_columns((pl.col("_seg") - 1).alias("_seg")).rename({"_gi": "_next_gi"})
    frag = frag.join(nxt, on=seg, how="left", nulls_equal=True, maintain_order="left")
    complete = pl.col("_started") & (pl.col("_n") == pl.col("_cnt"))
    # what is still pending at the end of the file is orphaned key by key in the order the
    # keys entered the per-line reader's dict: a key stays in it from a fragment 1 until its
    # message completes or a stray fragment removes it (a new fragment 1 keeps its place)
    pending = pl.col("_started") & ~complete
    chain = (
        frag.filter("_b")
        .select([*key, "_seg", "_gi", "_started", pending.alias("_pending")])
        .with_columns(
            (~(pl.col("_pending").shift(1).over(key).fill_null(False) & pl.col("_started")))
            .cum_sum()
            .over(key)
            .alias("_chain")
        )
        .with_columns(pl.col("_gi").first().over([*key, "_chain"]).alias("_dict_pos"))
        .select([*seg, "_dict_pos"])
    )
    frag = frag.join(chain, on=seg, how="left", nulls_equal=True, maintain_order="left")
    done = frag.filter(complete)
    eof = frag.height + 2**40
    orphans = frag.filter(~complete).select(
        "_row",
        "_raw",
        pl.lit("orphan_fragment").alias("_err"),
        pl.when(pl.col("_started"))
        .then(pl.col("_next_gi").fill_null(eof + pl.col("_dict_pos")))
        .otherwise("_gi")
        .alias("_event"),
        pl.col("_gi").alias("_sub"),
    )
    whole = (
        done.sort("_gi")
        .group_by(seg, maintain_order=True)
        .agg(
            pl.col("_row").first(),
            pl.col("_raw").str.join("\n"),
            pl.col("_payload").str.join(""),
            pl.col("_fill").last(),
            pl.col("_ts").drop_nulls().first(),
            pl.col("_src").filter(pl.col("_ts").is_not_null()).first(),
            pl.col("_gi").last().alias("_event"),
        )
        .drop(seg)
    )
    return whole, orphans


# -- 4. messages -------------------------------------------------------------------------------


def _pyais_rest(payload: list[str], fill: list[int]) -> list[tuple[Any, ...]]:
    """(undecodable?, mmsi, anchor epoch) of messages the vectorised decoder leaves to pyais."""
    from pyais.bit_vector import bit_vector
    from pyais.exceptions import AISBaseException
    from pyais.messages import MSG_CLASS

    from vessels.io._nmea import ANCHOR_TYPES, _anchor_epoch, _Fields

    out: list[tuple[Any, ...]] = []
    for p, f in zip(payload, fill, strict=True):
        bv = bit_vector(p.encode(), f)
        try:
            mtype = bv.get(0, 6)
            dm = MSG_CLASS[mtype].from_vector(bv)
        except (AISBaseException, ValueError, TypeError, IndexError, KeyError):
            out.append((True, None, None))
            continue
        anchor = _anchor_epoch(_Fields(dm)) if mtype in ANCHOR_TYPES else None
        out.append((False, dm.mmsi, anchor))
    return out


def _anchor_expr() -> pl.Expr:
    """``_anchor_epoch`` of decoded type 4 fields."""
    y, mo, d = pl.col("year"), pl.col("month"), pl.col("day")
    h, mi, s = pl.col("hour"), pl.col("minute"), pl.col("second")
    ok = (
        y.is_between(2000, 2100)
        & (s <= 59)
        & (h <= 23)
        & (mi <= 59)
        & mo.is_between(1, 12)
        & (d >= 1)
    )
    first = pl.when(ok).then(pl.date(y.cast(pl.Int32), mo.cast(pl.Int8), 1))
    ok = ok & (d <= first.dt.month_end().dt.day())
    dt = pl.datetime(
        y.cast(pl.Int32), mo.cast(pl.Int8), d.cast(pl.Int8), h.cast(pl.Int8), mi.cast(pl.Int8),
        s.cast(pl.Int8), time_zone="UTC",
    )  # fmt: skip
    return pl.when(ok.fill_null(False)).then(dt.dt.epoch("s").cast(pl.Float64))


def _identity_exprs() -> list[pl.Expr]:
    def text(name: str) -> pl.Expr:
        v = pl.col(name).str.strip_chars("@ ")
        return pl.when(v != "").then(v)

    def dim(a: str, b: str) -> pl.Expr:
        return pl.col(a).cast(pl.Float64) + pl.col(b).cast(pl.Float64)

    return [
        text("shipname").alias(S.VESSEL_NAME),
        text("callsign").alias(S.CALLSIGN),
        pl.col("imo").cast(pl.Float64).alias(S.IMO),
        pl.col("ship_type").cast(pl.Float64).alias(S.SHIP_TYPE),
        dim("to_bow", "to_stern").alias(S.LENGTH_M),
        dim("to_port", "to_starboard").alias(S.WIDTH_M),
        pl.col("draught").cast(pl.Float64).alias(S.DRAFT_M),
        text("destination").alias(S.DESTINATION),
    ]


# the decoded fields _handle reads (the decoder skips the others)
_DECODED_COLUMNS = (
    *("mmsi", "lat", "lon", "speed", "course", "heading", "status"),
    *("year", "month", "day", "hour", "minute", "second"),
    *("shipname", "callsign", "imo", "ship_type", "draught", "destination"),
    *("to_bow", "to_stern", "to_port", "to_starboard"),
)


def _handle(msgs: pl.DataFrame) -> tuple[pl.DataFrame, pl.DataFrame, pl.DataFrame, pl.DataFrame]:
    """(positions, identity rows, rejects, anchors) of whole messages (the reader's ``handle``)."""
    from vessels.io._nmea import MIN_BITS, NON_VESSEL_TYPES, POSITION_TYPES, STATIC_TYPES

    dec = decode_payloads(msgs["_payload"], msgs["_fill"], _DECODED_COLUMNS)
    m = pl.concat([msgs, dec], how="horizontal")
    min_bits = pl.col("msg_type").cast(pl.Int64).replace_strict(MIN_BITS, default=38)
    m = m.with_columns(
        pl.when(pl.col("_payload").str.len_bytes() == 0)
        .then(pl.lit("empty_payload"))
        .when(pl.col("payload_bits") < min_bits)
        .then(pl.lit("bad_bit_count"))
        .alias("_why"),
        pl.col("msg_type").cast(pl.Int64).alias("_type"),
        pl.col("mmsi").cast(pl.Int64).alias("_mmsi"),
    ).with_columns(
        pl.when(pl.col("_ts").is_null())
        .then(pl.lit("base_station"))
        .otherwise("_src")
        .alias("_src")
    )
    rest = m.with_row_index("_i").filter(pl.col("_why").is_null() & ~pl.col(DECODED))
    m = m.with_columns(
        pl.when(pl.col("_type") == 4).then(_anchor_expr()).alias("_anchor"),
    )
    if rest.height:
        res = _pyais_rest(rest["_payload"].to_list(), rest["_fill"].to_list())
        fix = pl.DataFrame(
            {
                "_i": rest["_i"],
                "_undec": [r[0] for r in res],
                "_mmsi": pl.Series([r[1] for r in res], dtype=pl.Int64),
                "_anchor": pl.Series([r[2] for r in res], dtype=pl.Float64),
            }
        )
        m = (
            m.with_row_index("_i")
            .join(fix, on="_i", how="left", maintain_order="left")
            .with_columns(
                pl.when(pl.col("_undec").fill_null(False))
                .then(pl.lit("undecodable"))
                .otherwise("_why")
                .alias("_why"),
                pl.coalesce("_mmsi_right", "_mmsi").alias("_mmsi"),
                pl.coalesce("_anchor_right", "_anchor").alias("_anchor"),
            )
            .drop("_i", "_undec", "_mmsi_right", "_anchor_right")
        )
    t = pl.col("_type")
    ok = pl.col("_why").is_null()
    plain = ok & t.is_in(sorted(POSITION_TYPES - {19}))
    common = [
        pl.col("_mmsi").alias(S.MMSI),
        pl.col("_ts").alias("_ts_s"),
        pl.col("_src").alias(S.TS_SOURCE),
    ]
    position = [
        pl.col("second").cast(pl.Int64).alias("_sec"),
        pl.col("_event").alias("_line"),
        pl.col("lat").alias(S.LAT),
        pl.col("lon").alias(S.LON),
        pl.col("speed").alias(S.SOG_KN),
        pl.col("course").alias(S.COG_DEG),
        pl.col("heading").cast(pl.Float64).alias(S.HEADING_DEG),
        pl.col("status").cast(pl.Float64).alias(S.NAV_STATUS),
        pl.when(t.is_in([18, 19])).then(pl.lit("B")).otherwise(pl.lit("A")).alias(S.AIS_CLASS),
        pl.col("_row").alias(S.SOURCE_ROW),
        pl.col("_raw").alias(RAW_COL),
    ]
    pos = m.filter(plain).select(*common, *position)
    t19 = m.filter(ok & (t == 19)).select(*common, *position, *_identity_exprs())
    static = m.filter(ok & t.is_in(sorted(STATIC_TYPES))).select(
        *common,
        pl.col("_event").alias("_line"),
        pl.lit(S.IDENTITY_ROWS).alias(ERROR),
        pl.col("_row").alias(S.SOURCE_ROW),
        pl.col("_raw").alias(RAW_COL),
        *_identity_exprs(),
    )
    extra = pl.concat([t19, static], how="diagonal").sort(pl.col("_line"), maintain_order=True)
    vessel = sorted(POSITION_TYPES | STATIC_TYPES)
    names = {k: v for k, v in NON_VESSEL_TYPES.items()}
    rule = (
        pl.when(~ok)
        .then("_why")
        .otherwise(
            t.replace_strict(names, default=None, return_dtype=pl.String).fill_null(
                pl.format("not_a_position_type_{}", t)
            )
        )
    )
    rej = m.filter(~ok | ~t.is_in(vessel)).select(
        pl.col("_row"),
        rule.alias("_err"),
        "_raw",
        pl.when(ok).then("_mmsi").alias("_mmsi"),
        "_event",
        pl.col("_event").alias("_sub"),
    )
    anchors = m.filter(ok & t.is_in([4, 11]) & pl.col("_anchor").is_not_null()).select(
        pl.col("_event").alias("_line"), pl.col("_anchor").alias("_ts_s")
    )
    return pos, extra, rej, anchors


# -- entry point -------------------------------------------------------------------------------


def stage_nmea_vectorised(path: Path, name: str, clock: Clock | None = None) -> pl.LazyFrame:
    """Staged frame of an NMEA log, as :func:`vessels.io._nmea.stage_nmea_per_line` builds it."""
    from vessels.io._nmea import _assemble_frames, _schema

    zone = None
    if clock is not None and clock.time_zone is not None:
        from zoneinfo import ZoneInfo

        zone = ZoneInfo(clock.time_zone)
    text = _lines(path)
    lines = pl.DataFrame(
        {"_row": pl.int_range(1, len(text) + 1, dtype=pl.UInt64, eager=True), "_text": text}
    )
    del text
    simple, left = _simple_items(lines, zone)
    del lines
    items = pl.concat(
        [
            simple.select(list(_ITEM_SCHEMA)).cast(_ITEM_SCHEMA),  # type: ignore[arg-type]
            _per_line_items(left, zone),
        ]
    ).sort("_row", "_k")
    items = items.with_columns(pl.int_range(pl.len(), dtype=pl.Int64).alias("_gi"))
    parsed = _parse_sentences(items["_sent"])
    items = pl.concat([items, parsed], how="horizontal")
    err = pl.coalesce("_err", "_bad")
    rej_items = items.filter(err.is_not_null()).select(
        "_row",
        err.alias("_err"),
        "_raw",
        pl.col("_gi").alias("_event"),
        pl.col("_gi").alias("_sub"),
    )
    good = items.filter(err.is_null())
    msg_cols = ["_row", "_raw", "_payload", "_fill", "_ts", "_src"]
    singles = good.filter(pl.col("_cnt") <= 1).select(*msg_cols, pl.col("_gi").alias("_event"))
    whole, orphans = _assemble_fragments(good.filter(pl.col("_cnt") > 1))
    msgs = pl.concat([singles, whole.select(singles.columns)]).sort("_event")
    pos, extra, rej, anchors = _handle(msgs)
    rejects = (
        pl.concat(
            [
                rej_items.with_columns(pl.lit(None, pl.Int64).alias("_mmsi")),
                orphans.with_columns(pl.lit(None, pl.Int64).alias("_mmsi")),
                rej,
            ],
            how="diagonal",
        )
        .sort("_event", "_sub", maintain_order=True)
        .select(
            pl.col("_row").alias(S.SOURCE_ROW),
            pl.col("_err").alias(ERROR),
            pl.col("_raw").alias(RAW_COL),
            pl.col("_mmsi").alias(S.MMSI),
        )
    )
    return _assemble_frames([pos, extra, rejects], anchors, name, clock, _schema())
