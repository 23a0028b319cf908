"""Watchlists: an analyst's own list of vessels, matched against every vessel's identity history.

A watchlist is a CSV, Parquet or JSON file (a list of records) with any of the columns MMSI, IMO,
call sign, name, flag, list name, reason and link; column names are matched case-insensitively
with common aliases (``vessel_name``, ``imo_number``, ``ircs``, ``url``, ...). A file with none of
the identity columns (MMSI, IMO, call sign, name) is refused.

:func:`match_watchlist` matches each entry against the identities a vessel reported over time:

- ``exact_mmsi``, ``exact_imo``, ``exact_callsign``: equal numbers / call signs (call signs
  compared upper-case without spaces or dashes);
- ``name_exact``: equal normalised names (:func:`normalise_name`: upper-case, punctuation and
  spaces collapsed, prefixes such as ``F/V``, ``M/V``, ``FV``, ``B/P`` and the ``NO.`` before a
  hull number dropped); an AIS name of 20 characters or more is taken as truncated (the AIS
  field holds 20) and compared with the list name cut to its length;
- ``name_fuzzy``: normalised names **with the same digits** (``HAI FENG 718`` never matches
  ``HAI FENG 719``) within one edit per ``chars_per_edit`` letters (rapidfuzz Levenshtein on the
  names without spaces, so ``HAIFENG`` is ``HAI FENG``), with a similarity (0-100) of at least
  ``min_name_score``. Candidates are found by blocking (each word of three letters or more and
  the first four letters, each with the hull number), then scored pairwise with rapidfuzz's
  ``cpdist`` (no Python loop over vessels x entries).

Each (vessel, entry) pair is reported once, with its best match (exact IMO, MMSI, call sign,
then exact and fuzzy names).

Examples
--------
>>> wl = pl.DataFrame({"Vessel Name": ["F/V Hai Feng No. 718"], "IMO": ["IMO 8814275"],
...                    "List": ["IUU list"], "Reason": ["unauthorised fishing"]})
>>> ids = pl.DataFrame({"mmsi": [412000001, 412000002], "vessel_name": ["HAI FENG 718", "X"],
...                     "imo": [None, 8814275]}, schema_overrides={"mmsi": pl.UInt32,
...                     "imo": pl.UInt32})
>>> match_watchlist(ids, wl).select("mmsi", "match_quality", "matched_by").rows()
[(412000001, 'name_exact', "name 'HAI FENG 718'"), (412000002, 'exact_imo', 'IMO 8814275')]
>>> normalise_name("M/V  Ocean-Star No.7")
'OCEAN STAR 7'
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import polars as pl

from vessels import schema as S
from vessels.errors import FormatError

__all__ = [
    "MATCH_QUALITIES",
    "WATCHLIST_SCHEMA",
    "load_watchlist",
    "match_watchlist",
    "normalise_name",
    "normalise_name_expr",
]

#: Match qualities, best first.
MATCH_QUALITIES = ("exact_imo", "exact_mmsi", "exact_callsign", "name_exact", "name_fuzzy")

#: A loaded watchlist: one row per entry (``entry_id`` is the entry's row number, from 1).
WATCHLIST_SCHEMA: dict[str, pl.DataType] = {
    "entry_id": pl.UInt32(),
    S.MMSI: pl.UInt32(),
    S.IMO: pl.UInt32(),
    S.CALLSIGN: pl.String(),
    "name": pl.String(),
    S.FLAG: pl.String(),
    "list_name": pl.String(),
    "reason": pl.String(),
    "link": pl.String(),
}

_IDENTITY_COLUMNS = (S.MMSI, S.IMO, S.CALLSIGN, "name")

#: Accepted column names (after lower-casing and turning spaces, dashes and dots into ``_``).
_ALIASES: dict[str, tuple[str, ...]] = {
    S.MMSI: ("mmsi", "mmsi_number", "mmsi_no", "userid", "user_id"),
    S.IMO: ("imo", "imo_number", "imo_no", "imo_num", "lr_imo", "lloyds_number"),
    S.CALLSIGN: ("callsign", "call_sign", "ircs", "radio_call_sign", "call"),
    "name": ("name", "vessel_name", "vesselname", "ship_name", "shipname", "vessel"),
    S.FLAG: ("flag", "flag_state", "flag_country", "country"),
    "list_name": ("list_name", "list", "listname", "watchlist", "source", "program"),
    "reason": ("reason", "reasons", "remarks", "remark", "notes", "note", "comment"),
    "link": ("link", "url", "reference", "source_url", "href"),
}

_PREFIX = r"^(?:F V|M V|B P|M T|S V|R V|M F V|F B|FV|MV|BP|MT|SV|RV|MFV|FB|FPV|MY|M Y) +"

_AIS_NAME_LEN = 20


def normalise_name_expr(expr: pl.Expr) -> pl.Expr:
    """Polars expression: a vessel name normalised for matching (see :func:`normalise_name`)."""
    return (
        expr.str.to_uppercase()
        .str.replace_all(r"[^0-9A-Z]+", " ")
        .str.strip_chars()
        .str.replace(_PREFIX, "")
        .str.replace_all(r"(?:^| )NO ([0-9])", " $1")
        .str.replace_all(r" +", " ")
        .str.strip_chars()
        .replace("", None)
    )


def normalise_name(name: str) -> str:
    """A vessel name normalised for matching.

    Examples
    --------
    >>> normalise_name("F/V  HAI-FENG no.718")
    'HAI FENG 718'
    """
    out = pl.select(normalise_name_expr(pl.lit(name, dtype=pl.String))).item()
    return out or ""


def _column_key(name: str) -> str:
    return re.sub(r"[\s\-./]+", "_", name.strip().lower())


def _read(path: Path) -> pl.DataFrame:
    suffix = path.suffix.lower()
    try:
        if suffix == ".parquet":
            return pl.read_parquet(path, glob=False)
        if suffix == ".json":
            return pl.read_json(path, infer_schema_length=None)
        if suffix in (".csv", ".tsv", ".txt"):
            sep = "\t" if suffix == ".tsv" else ","
            return pl.read_csv(
                path, glob=False, infer_schema=False, separator=sep, encoding="utf8-lossy"
            )
    except (pl.exceptions.PolarsError, OSError, ValueError) as exc:
        raise FormatError(f"watchlist {path}: cannot be read ({exc})") from exc
    raise FormatError(
        f"watchlist {path}: unknown file type {suffix or '(none)'!r} (use .csv, .tsv, .parquet "
        "or .json)"
    )


def load_watchlist(
    source: str | Path | pl.DataFrame, *, list_name: str | None = None
) -> pl.DataFrame:
    """Read a watchlist into :data:`WATCHLIST_SCHEMA`.

    Parameters
    ----------
    source
        A CSV/TSV, Parquet or JSON (array of records) file, or a DataFrame.
    list_name
        List name of entries without one (default: the file's stem, or ``watchlist``).

    Raises
    ------
    vessels.errors.FormatError
        The file cannot be read, or it has none of the identity columns.

    Examples
    --------
    >>> load_watchlist(pl.DataFrame({"IMO Number": ["1234567"], "URL": ["https://x"]})).row(0)
    (1, None, 1234567, None, None, None, 'watchlist', 'listed', 'https://x')
    """
    where = "watchlist"
    if isinstance(source, pl.DataFrame):
        raw = source
    else:
        path = Path(source)
        where = f"watchlist {path}"
        if not path.is_file():
            raise FormatError(f"{where}: no such file")
        raw = _read(path)
        list_name = list_name or path.stem
    by_key: dict[str, str] = {}
    for col in raw.columns:
        by_key.setdefault(_column_key(col), col)
    picked: dict[str, str] = {}
    for target, aliases in _ALIASES.items():
        for alias in aliases:
            if alias in by_key:
                picked[target] = by_key[alias]
                break
    if not any(c in picked for c in _IDENTITY_COLUMNS):
        raise FormatError(
            f"{where}: none of the identity columns MMSI, IMO, call sign or name found "
            f"(columns: {', '.join(raw.columns) or 'none'}); a watchlist needs at least one"
        )

    def text(target: str) -> pl.Expr:
        if target not in picked:
            return pl.lit(None, dtype=pl.String)
        col = pl.col(picked[target])
        dtype = raw.schema[picked[target]]
        if dtype in (pl.Float32, pl.Float64):  # 1234567.0 read from JSON/Parquet
            col = col.cast(pl.Int64, strict=False)
        return col.cast(pl.String, strict=False).str.strip_chars().replace("", None)

    def number(target: str, digits: int) -> pl.Expr:
        d = text(target).str.replace_all(r"[^0-9]", "")
        return pl.when(d.str.len_chars() == digits).then(d.cast(pl.UInt32, strict=False))

    out = raw.select(
        pl.int_range(1, pl.len() + 1, dtype=pl.UInt32).alias("entry_id"),
        number(S.MMSI, 9).alias(S.MMSI),
        number(S.IMO, 7).alias(S.IMO),
        text(S.CALLSIGN).str.to_uppercase().str.replace_all(r"[\s\-]", "").alias(S.CALLSIGN),
        text("name").alias("name"),
        text(S.FLAG).alias(S.FLAG),
        text("list_name").fill_null(list_name or "watchlist").alias("list_name"),
        text("reason").fill_null("listed").alias("reason"),
        text("link").alias("link"),
    )
    return out.cast(WATCHLIST_SCHEMA)  # type: ignore[arg-type]


def _identities(identities: pl.DataFrame | pl.LazyFrame) -> pl.LazyFrame:
    lf = identities.lazy()
    names = lf.collect_schema().names()
    if S.MMSI not in names:
        raise FormatError("identities: a column 'mmsi' is required")
    cols = {
        S.VESSEL_NAME: pl.String(),
        S.CALLSIGN: pl.String(),
        S.IMO: pl.UInt32(),
        "valid_from": S.TS_DTYPE,
        "valid_to": S.TS_DTYPE,
    }
    return lf.select(
        pl.col(S.MMSI).cast(pl.UInt32),
        *(
            pl.col(c).cast(t) if c in names else pl.lit(None, dtype=t).alias(c)
            for c, t in cols.items()
        ),
    )


_HIT_SCHEMA: dict[str, pl.DataType] = {
    S.MMSI: pl.UInt32(),
    "entry_id": pl.UInt32(),
    "match_quality": pl.String(),
    "match_score": pl.Float64(),
    "vessel_value": pl.String(),
    "watch_value": pl.String(),
    "first_seen": S.TS_DTYPE,
    "last_seen": S.TS_DTYPE,
}


def _seen(frame: pl.LazyFrame, key: str | list[str]) -> pl.LazyFrame:
    return frame.group_by(key).agg(
        pl.col("valid_from").min().alias("first_seen"), pl.col("valid_to").max().alias("last_seen")
    )


def _exact(ids: pl.LazyFrame, wl: pl.LazyFrame, column: str, quality: str) -> pl.LazyFrame:
    vals = ids.filter(pl.col(column).is_not_null())
    if column == S.CALLSIGN:
        vals = vals.with_columns(
            pl.col(column).str.to_uppercase().str.replace_all(r"[\s\-]", "").replace("", None)
        ).filter(pl.col(column).is_not_null())
    seen = _seen(vals, [S.MMSI] if column == S.MMSI else [S.MMSI, column])
    if column == S.MMSI:
        seen = seen.with_columns(pl.col(S.MMSI).alias("_m"))
        return (
            seen.join(
                wl.filter(pl.col(S.MMSI).is_not_null()).select(
                    "entry_id", pl.col(S.MMSI).alias("_m")
                ),
                on="_m",
            )
            .with_columns(
                pl.lit(quality).alias("match_quality"),
                pl.lit(100.0).alias("match_score"),
                pl.col("_m").cast(pl.String).alias("vessel_value"),
                pl.col("_m").cast(pl.String).alias("watch_value"),
            )
            .select(list(_HIT_SCHEMA))
        )
    return (
        seen.join(wl.filter(pl.col(column).is_not_null()).select("entry_id", column), on=column)
        .with_columns(
            pl.lit(quality).alias("match_quality"),
            pl.lit(100.0).alias("match_score"),
            pl.col(column).cast(pl.String).alias("vessel_value"),
            pl.col(column).cast(pl.String).alias("watch_value"),
        )
        .select(list(_HIT_SCHEMA))
    )


def _score_pairs(a: list[str], b: list[str]) -> tuple[Any, Any]:
    """Levenshtein distance and similarity (0-100) of each pair of names, compared without
    spaces (``HAIFENG 718`` is ``HAI FENG 718``); word order counts (``MAR VICTORIA`` is another
    vessel than ``VICTORIA MAR``)."""
    from rapidfuzz.distance import Levenshtein
    from rapidfuzz.process import cpdist

    ja = [v.replace(" ", "") for v in a]
    jb = [v.replace(" ", "") for v in b]
    dist = cpdist(ja, jb, scorer=Levenshtein.distance, workers=1)
    sim = cpdist(ja, jb, scorer=Levenshtein.normalized_similarity, workers=1)
    return dist, 100.0 * sim


def _names(
    ids: pl.LazyFrame,
    wl: pl.LazyFrame,
    min_score: float,
    chars_per_edit: int,
    max_block: int,
) -> pl.LazyFrame:
    vessels = (
        ids.filter(pl.col(S.VESSEL_NAME).is_not_null())
        .with_columns(
            normalise_name_expr(pl.col(S.VESSEL_NAME)).alias("_vn"),
            (pl.col(S.VESSEL_NAME).str.strip_chars().str.len_chars() >= _AIS_NAME_LEN - 2).alias(
                "_trunc"
            ),
        )
        .filter(pl.col("_vn").is_not_null())
    )
    seen = _seen(vessels, [S.MMSI, "_vn"])
    v = (
        vessels.group_by(S.MMSI, "_vn")
        .agg(pl.col(S.VESSEL_NAME).first(), pl.col("_trunc").any())
        .join(seen, on=[S.MMSI, "_vn"])
    )
    w = (
        wl.filter(pl.col("name").is_not_null())
        .select("entry_id", "name", normalise_name_expr(pl.col("name")).alias("_wn"))
        .filter(pl.col("_wn").is_not_null())
    )

    def keys(frame: pl.LazyFrame, col: str, truncated: pl.Expr) -> pl.LazyFrame:
        words = pl.col(col).str.split(" ")
        digits = pl.col(col).str.extract_all(r"[0-9]+").list.join("_")
        alpha = words.list.eval(pl.element().filter(pl.element().str.contains(r"^[A-Z]{3,}$")))
        # each word of 3+ letters and the first four letters, each with the hull number (names
        # with different numbers never meet); a (possibly) truncated name may have lost its
        # number and its last word: its first two words ("t:") meet long list names
        exploded = (
            frame.with_columns(
                pl.concat_list(
                    alpha.list.eval(pl.concat_str(pl.lit("w:"), pl.element())),
                    pl.concat_str(
                        pl.lit("p:"), pl.col(col).str.replace_all(" ", "").str.slice(0, 4)
                    ),
                ).alias("_k"),
                digits.alias("_d"),
                pl.when(truncated)
                .then(
                    pl.concat_list(pl.concat_str(pl.lit("t:"), words.list.head(2).list.join(" ")))
                )
                .otherwise(pl.lit([], dtype=pl.List(pl.String)))
                .alias("_kt"),
            )
            .with_columns(
                pl.concat_list(
                    pl.col("_k").list.eval(pl.element() + pl.lit("|")), pl.col("_kt")
                ).alias("_k")
            )
            .explode("_k")
            .filter(pl.col("_k").is_not_null())
        )
        return exploded.with_columns(
            pl.when(pl.col("_k").str.starts_with("t:"))
            .then(pl.col("_k"))
            .otherwise(pl.col("_k") + pl.col("_d"))
            .alias("_k")
        ).drop("_d", "_kt")

    vk = keys(v, "_vn", pl.col("_trunc"))
    # list names long enough to have been cut by the 20-character AIS field
    wk = keys(w, "_wn", pl.col("_wn").str.len_chars() >= _AIS_NAME_LEN - 5)
    # a key shared by too many (vessel, entry) pairs blocks nothing: skip it, the other keys of
    # a true pair still meet
    size = (
        vk.group_by("_k")
        .agg(pl.len().alias("_nv"))
        .join(wk.group_by("_k").agg(pl.len().alias("_nw")), on="_k")
        .filter(pl.col("_nv") * pl.col("_nw") <= max_block)
        .select("_k")
    )
    vlen = pl.col("_vn").str.len_chars()
    pairs = vk.join(size, on="_k").join(wk, on="_k").unique([S.MMSI, "_vn", "entry_id"])
    # a (possibly) truncated AIS name is also compared with the list name cut to its length
    cut = pairs.filter(pl.col("_trunc") & (pl.col("_wn").str.len_chars() > vlen)).with_columns(
        pl.col("_wn").str.slice(0, vlen).str.strip_chars().alias("_we")
    )
    cand = (
        pl.concat([pairs.with_columns(pl.col("_wn").alias("_we")), cut])
        .filter(
            pl.col("_vn").str.extract_all(r"[0-9]+").list.join(" ")
            == pl.col("_we").str.extract_all(r"[0-9]+").list.join(" ")
        )
        .collect()
    )
    if cand.height:
        dist, sim = _score_pairs(cand["_vn"].to_list(), cand["_we"].to_list())
        cand = cand.with_columns(
            pl.Series("_dist", dist.astype("int64")), pl.Series("_score", sim.astype("float64"))
        )
    else:
        cand = cand.with_columns(
            pl.lit(None, dtype=pl.Int64).alias("_dist"),
            pl.lit(None, dtype=pl.Float64).alias("_score"),
        )
    exact = pl.col("_vn") == pl.col("_we")
    # one edit per ``chars_per_edit`` letters of the shorter name: a typo, not another word
    # ("NORTH ATLANTIC 9" is not "SAN ATLANTIC 9"); short names must be equal ("DEL SUN" is not
    # "DEL SAN")
    budget = (
        pl.min_horizontal(
            pl.col("_vn").str.replace_all(" ", "").str.len_chars(),
            pl.col("_we").str.replace_all(" ", "").str.len_chars(),
        )
        // chars_per_edit
    )
    return (
        cand.lazy()
        .filter(exact | ((pl.col("_dist") <= budget) & (pl.col("_score") >= min_score)))
        .with_columns(
            pl.when(exact).then(pl.lit(100.0)).otherwise(pl.col("_score")).alias("match_score"),
            pl.when(exact)
            .then(pl.lit("name_exact"))
            .otherwise(pl.lit("name_fuzzy"))
            .alias("match_quality"),
            pl.col(S.VESSEL_NAME).alias("vessel_value"),
            pl.col("name").alias("watch_value"),
        )
        .select(list(_HIT_SCHEMA))
    )


def match_watchlist(
    identities: pl.DataFrame | pl.LazyFrame,
    watchlist: str | Path | pl.DataFrame,
    *,
    min_name_score: float = 80.0,
    chars_per_edit: int = 10,
    max_block_pairs: int = 20_000,
) -> pl.DataFrame:
    """Match a watchlist against vessels' identities; one row per (vessel, entry) hit.

    Parameters
    ----------
    identities
        One row per vessel identity (period): ``mmsi`` and any of ``vessel_name``,
        ``callsign``, ``imo``, ``valid_from``, ``valid_to`` (e.g.
        :attr:`vessels.PipelineResult.identity_history`).
    watchlist
        A watchlist file, a DataFrame in any accepted column spelling, or a loaded list
        (:func:`load_watchlist`).
    min_name_score, chars_per_edit
        A ``name_fuzzy`` hit needs a similarity (0-100, normalised Levenshtein of the names
        without spaces) of at least ``min_name_score`` and at most one edit per
        ``chars_per_edit`` letters of the shorter name (names shorter than that must be equal).
    max_block_pairs
        Blocking keys shared by more (vessel name, entry) pairs than this are not used.

    Returns
    -------
    polars.DataFrame
        ``mmsi, entry_id, match_quality, match_score, vessel_value, watch_value, first_seen,
        last_seen, matched_by`` and the entry's ``name, imo, callsign, flag, list_name, reason,
        link`` (entry values are untrusted text: data, never markup or formulas).

    Examples
    --------
    A renamed, truncated AIS name still meets its list entry; a different hull number does not:

    >>> wl = pl.DataFrame({"name": ["Ocean Prosperity Fishing No. 8", "Hai Feng 718"]})
    >>> ids = pl.DataFrame({"mmsi": [412000003, 412000004],
    ...                     "vessel_name": ["OCEAN PROSPERITY FIS", "HAI FENG 719"]})
    >>> match_watchlist(ids, wl).select("mmsi", "entry_id", "match_quality").rows()
    [(412000003, 1, 'name_exact')]
    """
    wl = watchlist if _is_loaded(watchlist) else load_watchlist(watchlist)
    assert isinstance(wl, pl.DataFrame)
    ids = _identities(identities)
    wll = wl.lazy()
    parts = [
        _exact(ids, wll, S.IMO, "exact_imo"),
        _exact(ids, wll, S.MMSI, "exact_mmsi"),
        _exact(ids, wll, S.CALLSIGN, "exact_callsign"),
        _names(ids, wll, min_name_score, chars_per_edit, max_block_pairs),
    ]
    rank = pl.col("match_quality").replace_strict(
        list(MATCH_QUALITIES), list(range(len(MATCH_QUALITIES))), return_dtype=pl.UInt8
    )
    hits = (
        pl.concat(parts)
        .sort(S.MMSI, "entry_id", rank, -pl.col("match_score"), "vessel_value", nulls_last=True)
        .unique([S.MMSI, "entry_id"], keep="first", maintain_order=True)
        .join(
            wll.select(
                "entry_id", "name", S.IMO, S.CALLSIGN, S.FLAG, "list_name", "reason", "link"
            ),
            on="entry_id",
            how="left",
            maintain_order="left",
        )
    )
    label = {
        "exact_imo": pl.format("IMO {}", pl.col("vessel_value")),
        "exact_mmsi": pl.format("MMSI {}", pl.col("vessel_value")),
        "exact_callsign": pl.format("call sign {}", pl.col("vessel_value")),
        "name_exact": pl.format("name '{}'", pl.col("vessel_value")),
        "name_fuzzy": pl.format(
            "name '{}' ~ '{}' (similarity {})",
            pl.col("vessel_value"),
            pl.col("watch_value"),
            pl.col("match_score").round(0).cast(pl.Int64),
        ),
    }
    matched_by = pl.coalesce(
        [pl.when(pl.col("match_quality") == q).then(e) for q, e in label.items()]
    )
    return hits.with_columns(matched_by.alias("matched_by")).collect()


def _is_loaded(watchlist: Any) -> bool:
    return isinstance(watchlist, pl.DataFrame) and dict(watchlist.schema) == WATCHLIST_SCHEMA
