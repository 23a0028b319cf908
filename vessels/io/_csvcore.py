"""Line-based CSV staging shared by the CSV layouts (private).

Every line of the file is read as text with :func:`polars.scan_lines` (lazy, streaming), so the
exact 1-based line number and the raw text of each row are known and a garbage line can never
derail the parser: it simply becomes a quarantined row. Lines without quotes are split with
``str.split_exact``; lines with a double quote go through an RFC-4180 field regex.
"""

from __future__ import annotations

import codecs
import itertools
import mmap
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import polars as pl

from vessels import schema as S
from vessels.cleaning import ERROR, RAW_COL

__all__ = [
    "NULL_TOKENS",
    "SHORT_SUSPECT",
    "Layout",
    "epoch_us",
    "plain_text",
    "read_header",
    "stage_csv",
]

#: How each canonical column is parsed from text.
KIND: dict[str, str] = {
    S.MMSI: "mmsi",
    S.TS: "ts",
    S.LAT: "float",
    S.LON: "float",
    S.SOG_KN: "float",
    S.COG_DEG: "float",
    S.HEADING_DEG: "float",
    S.NAV_STATUS: "float",
    S.VESSEL_NAME: "str",
    S.CALLSIGN: "str",
    S.IMO: "imo",
    S.SHIP_TYPE: "float",
    S.LENGTH_M: "float",
    S.WIDTH_M: "float",
    S.DRAFT_M: "float",
    S.DESTINATION: "str",
    S.AIS_CLASS: "str",
    S.VESSEL_ID: "str",  # VMS: a permit/registration number instead of an MMSI (io/_vms.py)
    S.FLAG: "str",  # VMS: the flag state (ISO3) of each row
}
REQUIRED = (S.MMSI, S.TS, S.LAT, S.LON)
#: One RFC 4180 field with its leading comma: a quoted field (``""`` is a quote inside it), an
#: unquoted field (which may hold a quote after its first character, as Python's csv module
#: reads it), or an empty field. A line is well formed when its fields cover it entirely.
#: The line is matched with a comma prepended, so every field match is non-empty (an empty
#: match would make the regex engine step over the next character).
_QUOTED_FIELD = r',(?:"(?:[^"]|"")*"|[^,"][^,]*|)'
#: Cells meaning "no value" in every layout (in any letter case, after trimming).
NULL_TOKENS = ("", "NULL", "NA", "N/A")
#: Epoch numbers are read by magnitude: below 1e11 seconds (up to year 5138), below 1e14
#: milliseconds, below 1e17 microseconds, below 1e20 nanoseconds; anything larger is not a
#: time. A value read in the wrong unit lands far outside the plausible time window
#: (vessels.cleaning.PlausibleTime), so it is quarantined rather than silently shifted.
EPOCH_UNITS_US = ((1e11, 1e6), (1e14, 1e3), (1e17, 1.0), (1e20, 1e-3))


def _case_variants(tokens: Iterable[str]) -> set[str]:
    """Every upper/lower-case spelling of each token (``na`` -> ``na, nA, Na, NA``)."""
    out: set[str] = set()
    for tok in tokens:
        out.update("".join(p) for p in itertools.product(*({c.lower(), c.upper()} for c in tok)))
    return out


def epoch_us(num: pl.Expr) -> pl.Expr:
    """Microseconds since 1970 from a number of epoch seconds/ms/us/ns (unit by magnitude).

    Examples
    --------
    >>> import polars as pl
    >>> s = pl.Series([1.7e9, 1.7e12, 1.7e15, 1.7e18, 1e30, float("nan")])
    >>> pl.select(epoch_us(pl.lit(s)).cast(pl.Datetime("us")).dt.year()).to_series().to_list()
    [2023, 2023, 2023, 2023, None, None]
    """
    mag = num.abs()
    chain: Any = pl.when(num.is_nan()).then(None)
    for limit, factor in EPOCH_UNITS_US:
        chain = chain.when(mag < limit).then(num * factor)
    return chain.otherwise(None).round(0).cast(pl.Int64, strict=False)


@dataclass(frozen=True)
class Layout:
    """A CSV layout: canonical column -> accepted header names (first found wins)."""

    name: str
    columns: Mapping[str, tuple[str, ...]]
    #: None: ISO 8601 ``YYYY-MM-DD[T ]HH:MM:SS[.ffffff][Z]`` (fast path); else a strftime format
    ts_format: str | None = None
    null_tokens: tuple[str, ...] = ()
    #: text -> code maps for columns written as words (DMA)
    text_codes: Mapping[str, Mapping[str, int]] = field(default_factory=dict)
    #: ais_class text -> "A"/"B"; other values become a reader rule (non-vessel rows)
    class_map: Mapping[str, str] | None = None
    non_vessel_prefix: str = "non_vessel"
    #: header names of a cargo/hazard column written as words (DMA ``Cargo type``) and the
    #: second digit of the AIS ship type each word stands for: a group code (20, 40, 60, 70,
    #: 80, 90) plus that digit is the full code (``Tanker`` + ``Category X`` = 81)
    cargo_columns: tuple[str, ...] = ()
    cargo_codes: Mapping[str, int] = field(default_factory=dict)

    def resolve(self, header: list[str]) -> dict[str, int] | None:
        """Canonical column -> index in ``header``, or None when a required column is missing."""
        low = {h.strip().lower(): i for i, h in enumerate(header)}
        found: dict[str, int] = {}
        for canon, names in self.columns.items():
            for n in names:
                if n.lower() in low:
                    found[canon] = low[n.lower()]
                    break
        # a VMS layout names its vessels by vessel_id instead of mmsi
        need = [r for r in REQUIRED if not (r == S.MMSI and S.VESSEL_ID in found)]
        if any(r not in found for r in need):
            return None
        return found


def read_header(path: Path) -> str:
    """The first line of a text file (BOM and line end stripped; '' for an empty file)."""
    with path.open("rb") as fh:
        first = fh.readline(1 << 20)
    return first.decode("utf-8", errors="replace").lstrip("\ufeff").rstrip("\r\n")


def split_header(header: str) -> list[str]:
    return [h.strip().strip('"') for h in header.split(",")]


def has_quote(path: Path) -> bool:
    """Whether the file contains a double quote anywhere (memchr speed, no parsing)."""
    if path.stat().st_size == 0:
        return False
    with path.open("rb") as fh, mmap.mmap(fh.fileno(), 0, access=mmap.ACCESS_READ) as mm:
        return mm.find(b'"') >= 0


def plain_text(path: Path, has_cr: bool | None = None) -> bool:
    """Whether polars' CSV reader splits every line of ``path`` exactly as :func:`_split` does,
    given that the file has no double quote (:func:`has_quote`).

    True for a non-empty file without a carriage return or a UTF-8 byte-order mark (memchr
    speed, no parsing): its fields are then the text between commas and its lines the text
    between line feeds, whoever splits them. Field counts are checked by the fast path itself
    (see :func:`stage_csv`). ``has_cr``: whether the file holds a carriage return, when
    already known (not searched again).
    """
    if path.stat().st_size == 0:
        return False
    if has_cr is not None:
        with path.open("rb") as fh:
            return not has_cr and fh.read(3) != codecs.BOM_UTF8
    with path.open("rb") as fh, mmap.mmap(fh.fileno(), 0, access=mmap.ACCESS_READ) as mm:
        return mm[:3] != codecs.BOM_UTF8 and mm.find(b"\r") < 0


#: Private column of the fast path: the row's last field is empty, so the line may have fewer
#: fields than the header (polars fills missing trailing fields with null): such lines are
#: checked against their text after the read (``vessels.io._read``).
SHORT_SUSPECT = "_short_suspect"


def _scan_fields(path: Path, n: int, typed: set[int]) -> pl.LazyFrame:
    """Fields f0..f{n-1} of every data line read by polars' CSV reader (the fast path).

    Fields in ``typed`` are parsed as Float64 by the reader; a cell it cannot parse (a null
    token such as ``NA`` too: the reader is given none, they cost ~25 % of its time), or a
    line with more than ``n`` fields, makes the query fail (polars ``ComputeError``) and the
    caller reads the file with the line reader instead. Empty cells are null. ``_line`` is the
    1-based line number: the reader yields one row per line (blank lines are all-null rows), so
    row i is line i + 2.
    """
    schema = {f"f{i}": (pl.Float64() if i in typed else pl.String()) for i in range(n)}
    return (
        pl.scan_csv(
            path,
            glob=False,
            has_header=False,
            skip_rows=1,
            schema=schema,
            quote_char=None,
            raise_if_empty=False,
        )
        .with_row_index("_line", offset=2)
        .with_columns(
            pl.lit(None, pl.String).alias("line"),
            pl.lit(n, pl.UInt32).alias("_nfields"),
            pl.lit(True).alias("_quotes_ok"),
            pl.col(f"f{n - 1}").is_null().alias(SHORT_SUSPECT),
        )
    )


def _split(lines: pl.LazyFrame, n: int, quotes: bool = True) -> pl.LazyFrame:
    """Fields f0..f{n-1} (strings) and ``_nfields`` for every line.

    Lines without a double quote are split with ``split_exact``; without ``quotes`` (the file
    has none) ``_nfields`` is exact only when it equals n (n - 1 or n + 1 stand for fewer or
    more fields). When ``quotes`` (the file has some), lines with one go through the RFC-4180
    field regex in a second branch, which also sets ``_quotes_ok`` false on a line its fields
    do not cover (an unterminated quote, text after a closing quote). A quoted field spanning
    two physical lines is not joined: both lines are quarantined (AIS exports do not contain
    such fields).
    """
    line = pl.col("line")
    names = [f"f{i}" for i in range(n)]
    if not quotes:
        # one more split than fields: the line has exactly n fields when field n-1 exists and
        # field n does not (split_exact drops what follows field n), so the commas need not be
        # counted; ``_nfields`` is then n, or n - 1 / n + 1 for a line with fewer / more
        extra = "_f_extra"
        return (
            lines.with_columns(
                pl.lit(True).alias("_quotes_ok"),
                line.str.split_exact(",", n).struct.rename_fields([*names, extra]).alias("_f"),
            )
            .unnest("_f")
            .with_columns(
                pl.when(pl.col(extra).is_not_null())
                .then(pl.lit(n + 1, pl.UInt32))
                .when(pl.col(names[-1]).is_null())
                .then(pl.lit(n - 1, pl.UInt32))
                .otherwise(pl.lit(n, pl.UInt32))
                .alias("_nfields")
            )
            .drop(extra)
        )
    plain = lines.filter(~line.str.contains('"', literal=True)).with_columns(
        (line.str.count_matches(",", literal=True) + 1).alias("_nfields"),
        line.str.split_exact(",", n - 1).struct.rename_fields(names).alias("_f"),
    )
    tokens = (pl.lit(",") + line).str.extract_all(_QUOTED_FIELD)
    covered = tokens.list.eval(pl.element().str.len_bytes()).list.sum() == line.str.len_bytes() + 1

    def unquote(tok: pl.Expr) -> pl.Expr:
        tok = tok.str.strip_prefix(",")
        inner = tok.str.slice(1, tok.str.len_chars() - 2).str.replace_all('""', '"', literal=True)
        return pl.when(tok.str.starts_with('"')).then(inner).otherwise(tok)

    quoted = lines.filter(line.str.contains('"', literal=True)).with_columns(
        tokens.list.len().cast(pl.UInt32).alias("_nfields"),
        covered.alias("_quotes_ok"),
        pl.struct(
            [
                unquote(tokens.list.get(i, null_on_oob=True)).alias(name)
                for i, name in enumerate(names)
            ]
        ).alias("_f"),
    )
    order = ["line", "_line", "_nfields", "_quotes_ok", "_f"]
    both = pl.concat(
        [
            plain.with_columns(
                pl.col("_nfields").cast(pl.UInt32), pl.lit(True).alias("_quotes_ok")
            ).select(order),
            quoted.select(order),
        ],
        how="vertical",
    )
    return both.unnest("_f")


def _num(raw: pl.Expr) -> pl.Expr:
    """A number from text; NaN ("nan", "NaN") is "no value" (null) like an empty cell."""
    return raw.cast(pl.Float64, strict=False).fill_nan(None)


def _parse_ts(raw: pl.Expr, fmt: str | None) -> pl.Expr:
    """UTC timestamps from text: ISO 8601 (or ``fmt``), or Unix epoch seconds/ms/us/ns.

    ISO times may end in ``Z`` or ``+00:00``; other UTC offsets are not accepted (the row is
    quarantined as ``unparseable_ts``).

    The ISO path parses the first 19 characters with a fixed format and the optional fraction
    separately: polars' ``%.f`` is about 4x slower on a day of MarineCadastre rows.
    """
    return _or_epoch(_parse_time_text(raw, fmt), raw)


def _or_epoch(parsed: pl.Expr, raw: pl.Expr) -> pl.Expr:
    """``parsed`` (naive times), else the epoch number in ``raw``, as UTC times.

    Where ``parsed`` is a column (not a whole expression), only its null rows are read as
    numbers: a null costs nothing to parse (most rows of a file are times, not numbers).
    """
    number = pl.when(parsed.is_null()).then(raw) if _is_column(parsed) else raw
    epoch = epoch_us(_num(number)).cast(pl.Datetime("us"))
    return pl.coalesce(parsed, epoch).dt.replace_time_zone("UTC")


def _is_column(expr: pl.Expr) -> bool:
    return expr.meta.is_column()


def _parse_time_text(raw: pl.Expr, fmt: str | None) -> pl.Expr:
    """Naive times from ISO 8601 (or ``fmt``) text; null where the text is not one."""
    if fmt is None:
        text = raw.str.replace("T", " ", literal=True, n=1)
        base = text.str.slice(0, 19).str.to_datetime(
            "%Y-%m-%d %H:%M:%S", strict=False, time_unit="us"
        )
        rest = text.str.slice(19).str.strip_suffix("Z").str.strip_suffix("+00:00")
        frac_us = (
            pl.when(rest == "")
            .then(pl.lit(0, pl.Int64))
            .when(rest.str.starts_with("."))
            .then(
                rest.str.slice(1).str.pad_end(6, "0").str.slice(0, 6).cast(pl.Int64, strict=False)
            )
        )
        parsed = base + pl.duration(microseconds=frac_us)
    else:
        parsed = raw.str.to_datetime(fmt, strict=False, time_unit="us")
    return parsed


def stage_csv(
    path: Path,
    name: str,
    layout: Layout,
    header: list[str],
    index: Mapping[str, int],
    invalid_lines: Iterable[int] = (),
    *,
    fast: bool = False,
    quotes: bool | None = None,
) -> pl.LazyFrame:
    """The staged frame (see :mod:`vessels.cleaning`) of one CSV file in ``layout``.

    ``invalid_lines`` (1-based) are quarantined as :data:`vessels.schema.RULE_INVALID_UTF8`.
    Text columns are stored as received (no trimming: ``\t=1+1`` stays ``\t=1+1``); numbers
    and times are trimmed before parsing. :data:`NULL_TOKENS` and the layout's null tokens are
    null in every column.

    ``fast`` (only for a :func:`plain_text` file without quotes): the fields are read by
    polars' CSV reader, numbers parsed by it, instead of splitting every line as text. Same
    rows and values when the query succeeds, except that the raw line text is not kept (null;
    the caller fetches the lines of quarantined rows) and the private column
    :data:`SHORT_SUSPECT` marks lines to check for missing fields. It fails (``ComputeError``)
    on a line with too many fields or a number the reader cannot parse; the caller then stages
    the file without ``fast``.
    ``quotes``: whether the file has a double quote (computed when None).
    """
    n = len(header)
    # every upper/lower-case spelling of NULL_TOKENS (a hash lookup per cell, no case folding
    # of every cell), plus the layout's own tokens as written
    nulls = sorted({*_case_variants(NULL_TOKENS), *layout.null_tokens})
    present = [c for c in KIND if c in index]
    cargo_idx = next(
        (i for i, h in enumerate(header) for c in layout.cargo_columns if h.lower() == c.lower()),
        None,
    )
    # fast path: numbers parsed by the CSV reader, for fields no text column needs
    typed: set[str] = set()
    if fast:
        numeric = {
            c for c in present if KIND[c] in ("float", "mmsi") and c not in layout.text_codes
        }
        text_fields = {index[c] for c in present if c not in numeric} | {cargo_idx}
        typed = {c for c in numeric if index[c] not in text_fields}
        split = _scan_fields(path, n, {index[c] for c in typed})
    else:
        lines = pl.scan_lines(
            path, name="line", row_index_name="_line", row_index_offset=1, glob=False
        ).filter(pl.col("_line") > 1)
        split = _split(lines, n, quotes=has_quote(path) if quotes is None else quotes)

    def r(canon: str) -> pl.Expr:
        return pl.col(f"_r_{canon}")

    # 1. raw text per canonical column (trimmed for numbers and times only), null tokens null
    raws = []
    for canon in present:
        field_text = pl.col(f"f{index[canon]}")
        if canon in typed:  # a number (or null) already
            raws.append(field_text.alias(f"_r_{canon}"))
            continue
        trimmed = field_text.str.strip_chars()
        text = field_text if KIND[canon] == "str" else trimmed
        is_null = trimmed.is_in(nulls)
        raws.append(pl.when(is_null).then(None).otherwise(text).alias(f"_r_{canon}"))
    # 2. parsed values (each computed once, referenced by name below)
    parsed: list[pl.Expr] = []
    errors: list[pl.Expr] = []
    nan_cols: set[str] = set()  # float columns whose NaN is made null in the output
    epoch_step: list[pl.Expr] = []  # times: epoch numbers where the text was not a time
    for canon in present:
        kind = KIND[canon]
        raw = r(canon)
        failed = raw.is_not_null() & pl.col(canon).is_null()
        if canon in layout.text_codes:
            codes = {k.lower(): v for k, v in layout.text_codes[canon].items()}
            words = raw.str.to_lowercase().replace_strict(
                codes, default=None, return_dtype=pl.Float64
            )
            parsed.append(pl.coalesce(_num(raw), words).alias(canon))
        elif canon == S.AIS_CLASS and layout.class_map is not None:
            cmap = {k.lower(): v for k, v in layout.class_map.items()}
            low = raw.str.to_lowercase()
            parsed.append(
                low.replace_strict(cmap, default=None, return_dtype=pl.String).alias(canon)
            )
            slug = low.str.replace_all(r"[^a-z0-9]+", "_").str.strip_chars("_")
            errors.insert(
                0,
                pl.when(failed & (low != "undefined")).then(
                    pl.lit(layout.non_vessel_prefix + "_") + slug
                ),
            )
        elif kind == "mmsi":
            parsed.append(_num(raw).alias("_mmsi_num"))
            num = pl.col("_mmsi_num")
            ok = (num >= 0) & (num <= 4_294_967_295) & (num.floor() == num)
            # a parsed number is unparseable only when NaN ("nan" has no MMSI)
            unparseable = raw.is_nan() if canon in typed else raw.is_not_null() & num.is_null()
            errors.append(
                pl.when(unparseable)
                .then(pl.lit("unparseable_mmsi"))
                .when(num.is_not_null() & ~ok)
                .then(pl.lit("mmsi_out_of_range"))
            )
        elif kind == "ts":
            # the text times first (a column), then epoch numbers only where they failed
            parsed.append(_parse_time_text(raw, layout.ts_format).alias("_ts_text"))
            epoch_step.append(_or_epoch(pl.col("_ts_text"), raw).alias(canon))
            errors.append(pl.when(failed).then(pl.lit("unparseable_ts")))
        elif kind == "imo":
            digits = raw.str.strip_prefix("IMO").str.strip_prefix("imo")
            parsed.append(_num(digits).alias(canon))
            errors.append(pl.when(failed).then(pl.lit("unparseable_imo")))
        elif kind == "float":
            # parsed once; "nan" is a number with no value (null), not an unparseable cell, so
            # NaN becomes null only in the output (below), after the unparseable test
            parsed.append(raw.cast(pl.Float64, strict=False).alias(canon))
            nan_cols.add(canon)
            if canon not in typed:  # the CSV reader parsed it or failed the query
                errors.append(pl.when(failed).then(pl.lit(f"unparseable_{canon}")))
        else:
            parsed.append(raw.alias(canon))
    # words of text-coded columns that map to no code: counted in summary.json
    unmapped: list[pl.Expr] = []
    for canon in present:
        if canon in layout.text_codes:
            raw = r(canon)
            unmapped.append(
                pl.when(raw.is_not_null() & pl.col(canon).is_null()).then(pl.lit(f"{canon}:") + raw)
            )
    cargo_fix: list[pl.Expr] = []
    if cargo_idx is not None and S.SHIP_TYPE in present:
        text = pl.col(f"f{cargo_idx}").str.strip_chars()
        word = pl.when(text.is_in(nulls)).then(None).otherwise(text)
        codes = {k.lower(): v for k, v in layout.cargo_codes.items()}
        digit = word.str.to_lowercase().replace_strict(codes, default=None, return_dtype=pl.Float64)
        unmapped.append(
            pl.when(word.is_not_null() & digit.is_null()).then(pl.lit("cargo_type:") + word)
        )
        group = pl.col(S.SHIP_TYPE)
        is_group = group.is_in([20.0, 40.0, 60.0, 70.0, 80.0, 90.0])
        cargo_fix.append(
            pl.when(is_group & digit.is_not_null())
            .then(group + digit)
            .otherwise(group)
            .alias(S.SHIP_TYPE)
        )
    line = pl.col("line")
    bad_lines = sorted(invalid_lines)
    error = pl.coalesce(
        *(
            [pl.when(pl.col("_line").is_in(bad_lines)).then(pl.lit(S.RULE_INVALID_UTF8))]
            if bad_lines
            else []
        ),
        pl.when(line.str.strip_chars() == "").then(pl.lit("empty_line")),
        pl.when(~pl.col("_quotes_ok")).then(pl.lit(S.RULE_MALFORMED_QUOTES)),
        pl.when(pl.col("_nfields") != n).then(pl.lit("wrong_field_count")),
        *errors,
    )
    outputs = [c for c in present if c != S.MMSI]
    mmsi_out = []
    if S.MMSI in present:
        num = pl.col("_mmsi_num")
        ok = (num >= 0) & (num <= 4_294_967_295) & (num.floor() == num)
        mmsi_out.append(pl.when(ok).then(num).cast(pl.UInt32).alias(S.MMSI))
    return (
        split.with_columns(raws)
        .with_columns(parsed)
        .with_columns(epoch_step)
        .with_columns(cargo_fix)
        .select(
            *mmsi_out,
            *(pl.col(c).fill_nan(None) if c in nan_cols else pl.col(c) for c in outputs),
            pl.lit(name).alias(S.SOURCE_FILE),
            pl.col("_line").cast(pl.UInt64).alias(S.SOURCE_ROW),
            error.alias(ERROR),
            line.alias(RAW_COL),
            (pl.coalesce(unmapped) if unmapped else pl.lit(None, pl.String)).alias("_unmapped"),
            *([pl.col(SHORT_SUSPECT)] if fast else []),
        )
    )
