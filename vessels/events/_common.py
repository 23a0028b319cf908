"""Shared machinery of the detectors: input preparation, zone table, event assembly, cells.

Private module. Every detector takes the *prepared* positions frame produced by
:func:`prepare` (canonical columns present, sorted by ``mmsi, segment_id, ts``) and returns an
event frame built by :func:`finish` (exactly :data:`vessels.schema.EVENT_SCHEMA`).

Examples
--------
>>> from vessels import schema as S
>>> from vessels.testing import staged
>>> prepare(staged(S.empty_positions())).height
0
>>> finish(pl.DataFrame(), "ais_gap").columns == list(S.EVENT_SCHEMA)
True
"""

from __future__ import annotations

import math
import operator
import weakref
from collections.abc import Callable, Mapping, Sequence
from typing import Any, Final

import polars as pl

from vessels import schema as S
from vessels._geo import M_PER_NM
from vessels._pages import small_pages
from vessels._template import clause
from vessels.errors import SchemaError
from vessels.tracks import kinematics_exprs

__all__ = [
    "DEG_M",
    "ENGINE",
    "IDX",
    "KM_PER_NM",
    "SEG",
    "SPARSE_TEXT",
    "Frameish",
    "ZoneTable",
    "cell_deg_for",
    "exact_mean",
    "exact_sum",
    "extent_aggs",
    "finish",
    "first_zone_agg",
    "first_zone_expr",
    "fixed_point",
    "in_eez_clause",
    "neighbour_join",
    "next_in",
    "per_frame",
    "prepare",
    "prev_in",
    "require_stages",
    "runs_id",
    "same_as_next",
    "same_as_prev",
    "small_pages",
    "zone_table",
]

#: Metres per degree of latitude on the mean sphere used by :mod:`vessels._geo`.
DEG_M = 111_195.08
#: Kilometres per nautical mile.
KM_PER_NM = M_PER_NM / 1000.0

Frameish = pl.DataFrame | pl.LazyFrame
ZoneTable = pl.DataFrame

#: Engine of every ``collect`` in the detectors: the in-memory engine, whose results are
#: reproducible. The streaming engine (polars' default since 2.0) is not bit-reproducible from run
#: to run: it cuts frames into batches whose sizes depend on thread timing, adds the partial sums
#: of a group's batches in whatever order they finish, and a batch of one row takes another
#: arithmetic kernel (on longer columns ``x / c`` is computed as ``x * (1 / c)``). Float results
#: then differ in their last bits between runs, enough to flip a threshold (``gap_h > 6``) or a
#: rounded summary, i.e. to add or drop events. The detectors work on the prepared frame, which
#: is in memory anyway.
ENGINE: Final = "in-memory"

_PREPARED_SCHEMA: dict[str, pl.DataType] = {
    **S.POSITION_SCHEMA,
    **S.SEGMENT_DERIVED_SCHEMA,
    **S.ZONE_LABEL_SCHEMA,
    **S.GEO_LABEL_SCHEMA,
}
# Columns the detectors read (the others are not carried, to keep the working set small).
_USED = [
    S.MMSI,
    S.TS,
    S.LAT,
    S.LON,
    S.SOG_KN,
    S.COG_DEG,
    S.VESSEL_NAME,
    S.CALLSIGN,
    S.IMO,
    S.SHIP_TYPE,
    S.NAV_STATUS,
    S.FLAG,
    S.MMSI_VALID,
    *S.SEGMENT_DERIVED_SCHEMA,
    *S.ZONE_LABEL_SCHEMA,
    *S.GEO_LABEL_SCHEMA,
]
#: Columns carried when present: the fishing score written by ``vessels score`` (reused, not
#: recomputed) and the per-position port/anchorage labels of vessels.zones (issue 12), read by the
#: fishing score and by :mod:`vessels.events.coverage`.
_USED_IF_PRESENT = (*S.FISHING_SCORE_SCHEMA, S.IN_PORT, S.AT_ANCHORAGE)


def _used(names: Sequence[str]) -> list[str]:
    return list(dict.fromkeys([*_USED, *(c for c in _USED_IF_PRESENT if c in names)]))


#: Text columns null on almost every row (the port of the few positions in one), which
#: :func:`prepare` keeps as Categorical (after ordering the rows): a String column takes a 16-byte
#: view per row, null or not (0.15 GiB each at 10 M rows, for ~10 k values), a Categorical 4
#: bytes. Their reader (:mod:`vessels.events.port_visit`) casts its few values back to String.
SPARSE_TEXT = (S.PORT_NAME, S.PORT_COUNTRY)

#: Integer segment key added by :func:`prepare` (consecutive rows share it; cheaper than strings).
SEG = "_seg"
#: Row number within the segment, added by :func:`prepare`.
IDX = "_i"


def _as_lazy(tracks: Frameish | Sequence[Frameish]) -> pl.LazyFrame:
    from vessels._frames import as_polars, is_pydata_table

    if is_pydata_table(tracks):
        tracks = as_polars(tracks, "tracks", "detect_events")
    if isinstance(tracks, pl.LazyFrame):
        return tracks
    if isinstance(tracks, pl.DataFrame):
        return tracks.lazy()
    if isinstance(tracks, str | bytes) or not isinstance(tracks, Sequence):
        S.require_frame(tracks, "tracks", "detect_events")
    polars_parts = [as_polars(t, "tracks[...]", "detect_events") for t in tracks]
    parts = [t.lazy() if isinstance(t, pl.DataFrame) else t for t in polars_parts]
    if not parts:
        return pl.LazyFrame(schema=S.POSITION_SCHEMA)
    return pl.concat(parts, how="diagonal_relaxed")


def same_as_prev(*keys: str) -> pl.Expr:
    """True where the row has the same ``keys`` as the previous row (frame sorted by them)."""
    cond = [pl.col(k) == pl.col(k).shift() for k in keys or (SEG,)]
    return pl.all_horizontal(cond).fill_null(False)


def same_as_next(*keys: str) -> pl.Expr:
    """True where the row has the same ``keys`` as the next row (frame sorted by them)."""
    cond = [pl.col(k) == pl.col(k).shift(-1) for k in keys or (SEG,)]
    return pl.all_horizontal(cond).fill_null(False)


def prev_in(expr: pl.Expr, *keys: str) -> pl.Expr:
    """``expr`` of the previous row within the same ``keys`` (default: segment), else null.

    A masked shift instead of ``.shift().over(keys)``: no grouping, since frames are sorted.
    """
    return pl.when(same_as_prev(*keys)).then(expr.shift())


def next_in(expr: pl.Expr, *keys: str) -> pl.Expr:
    """``expr`` of the next row within the same ``keys`` (default: segment), else null."""
    return pl.when(same_as_next(*keys)).then(expr.shift(-1))


def prepare(
    tracks: Frameish | Sequence[Frameish],
    *,
    keep_all: bool = False,
    zone_labels: Sequence[str] = tuple(S.ZONE_LABEL_SCHEMA),
) -> pl.DataFrame:
    """Collect ``tracks`` into the frame every detector reads.

    Accepts a DataFrame, a LazyFrame or a sequence of them (e.g. two input files). The stage
    contract: the tracks must carry ``segment_id`` (:func:`vessels.tracks.segment`) and the zone
    labels ``eez_iso3, zone_ids, shore_km`` (:func:`vessels.zones.label_zones`; only those named
    in ``zone_labels``) — a frame without them is refused with a
    :class:`~vessels.errors.SchemaError` naming the stage to run, not segmented or labelled
    here. Missing optional columns (static data, geography labels) are added as typed nulls,
    missing kinematics of segmented tracks with :func:`vessels.tracks.kinematics_exprs` per
    segment (one definition, see :mod:`vessels.schema`). Only the columns the
    detectors read are kept (all columns with ``keep_all=True``). Rows are sorted by ``mmsi``,
    segment, ``ts``, then tie-breakers that make the order total (see :func:`_total_order`), so
    that results do not depend on input order; rows without a timestamp or position are
    dropped. ``_seg`` (UInt32, increasing in row order) numbers the segments and ``_i`` the rows
    within their segment. The nearly all-null text columns of :data:`SPARSE_TEXT` come as
    Categorical (String with ``keep_all=True``).
    """
    lf = _as_lazy(tracks)
    names = lf.collect_schema().names()
    S.require_columns(lf, (S.MMSI, S.TS, S.LAT, S.LON), what="detectors: tracks")
    require_stages(names, zone_labels)
    untyped = [
        n
        for n, d in lf.collect_schema().items()
        if n in _PREPARED_SCHEMA and d in (pl.Null(), pl.List(pl.Null()))
    ]
    missing = {n: d for n, d in _PREPARED_SCHEMA.items() if n not in names}
    wanted = [*names, *missing] if keep_all else _used(names)
    if _plain_scan(lf):  # column by column: the decoder's working set is one column's
        df = pl.DataFrame(
            [
                lf.select(n).collect(engine=ENGINE).to_series().rechunk()
                for n in wanted
                if n not in missing
            ]
        )
        if untyped:  # all-null (or empty-list) columns that lost their type
            df = df.with_columns(pl.col(n).cast(_PREPARED_SCHEMA[n]) for n in untyped)
        if missing:
            df = df.with_columns(pl.lit(None, dtype=d).alias(n) for n, d in missing.items())
        df = df.select(wanted)
    else:
        if untyped:  # all-null (or empty-list) columns that lost their type, e.g. through pandas
            lf = lf.with_columns(pl.col(n).cast(_PREPARED_SCHEMA[n]) for n in untyped)
        if missing:
            lf = lf.with_columns(pl.lit(None, dtype=d).alias(n) for n, d in missing.items())
        df = (lf if keep_all else lf.select(_used(names))).collect(engine=ENGINE)
    located = pl.col(S.TS).is_not_null() & pl.col(S.LAT).is_not_null() & pl.col(S.LON).is_not_null()
    if df[S.TS].null_count() or df[S.LAT].null_count() or df[S.LON].null_count():
        df = df.filter(located)
    if df[S.SEGMENT_ID].null_count():
        df = df.with_columns(pl.col(S.SEGMENT_ID).fill_null(pl.col(S.MMSI).cast(pl.String)))
    # Sorted by _total_order through a row order computed from the key columns alone: the last
    # tie-breaker (a hash of every other column) only for rows tied on all ORDER_KEYS, and input
    # already in (mmsi, ts) order (as the stages write it) sorted only where a vessel has several
    # segments or repeated instants. Each column is then gathered alone and released from the
    # unsorted frame, so the sort never holds two copies of the whole frame (nor a hash of it).
    # Columns are made one chunk before the gather: polars' gather of a list column of many
    # chunks (a Parquet scan gives ~100) took 15 x the CPU and a transient ~20 x the column's
    # size (measured on `zone_ids` at 2 M rows: 0.93 s and +0.3 GiB, against 0.06 s and none).
    # Only the rows whose place changes are moved: in input in (mmsi, ts) order a few vessels
    # with several segments (1 % of the rows at 10 M), so a column is one copy plus a scatter
    # of those rows, not a gather of every row (list columns, which polars cannot scatter, are
    # gathered).
    order = _row_order(df)
    moved = None if order is None else _moved_rows(order)
    columns = []
    for name in list(df.columns):
        col = df.drop_in_place(name).rechunk()
        if moved is not None:
            at, src = moved
            nested = col.dtype.is_nested() or col.dtype == pl.Object
            col = col.gather(order) if nested else col.scatter(at, col.gather(src))  # type: ignore[arg-type]
        if name in SPARSE_TEXT and col.dtype == pl.String and not keep_all:
            col = col.cast(pl.Categorical)
        columns.append(col)
    del df
    # the segments' first rows compared on two slices of segment_id (no shifted copy of a text
    # column); _seg numbers them, _i counts from them
    out = pl.DataFrame(columns)
    # mmsi and _seg flagged ascending, which they are (mmsi checked: the rows are in that order
    # unless an MMSI is null, sorted last; _seg is a running count): polars then groups the
    # detectors' per-vessel and per-segment aggregations by slices of rows instead of hashing
    # every row (at 10 M rows a group-by of mmsi ~6 x less CPU, no fresh memory). The float
    # sums of those group-bys are fixed-point (exact_sum): slices add up the same values.
    if out[S.MMSI].null_count() == 0 and out[S.MMSI].is_sorted():
        out = out.with_columns(out[S.MMSI].set_sorted())
    new_segment = _vs_prev(out[S.SEGMENT_ID], operator.ne)
    lf = out.lazy().with_columns(new_segment.cast(pl.UInt32).cum_sum().set_sorted().alias(SEG))
    kin = (S.DT_S, S.DIST_M, S.IMPLIED_SPEED_KN, S.COURSE_CHANGE_DEG)
    if any(k in missing for k in kin):  # segmented elsewhere: the kinematics of vessels.tracks
        lf = lf.with_columns(kinematics_exprs(SEG))
    row = pl.int_range(pl.len(), dtype=pl.UInt32)
    start = pl.when(pl.lit(new_segment)).then(row).forward_fill()
    return lf.with_columns((row - start).alias(IDX)).collect(engine=ENGINE)


def _plain_scan(lf: pl.LazyFrame) -> bool:
    """True when ``lf`` is a bare Parquet scan (one or more files, no other operation).

    :func:`prepare` then collects it one column at a time: each query decodes one column
    (a scan reads only the columns it selects), so the decoder's buffers hold one column's
    pages, not all 29 columns' at once. Measured on 2 M positions of a ``vessels score``
    ``tracks.parquet``: the read's fresh memory (page faults) 0.84 -> 0.47 GiB and its CPU
    0.70 -> 0.54 s, the same frame. Any other plan (a filter, a join, a frame in memory) is
    collected once: collecting it per column would run the whole plan once per column.

    Examples
    --------
    >>> _plain_scan(pl.DataFrame({"a": [1]}).lazy())
    False
    """
    plan = lf.explain(optimized=False).splitlines()
    heads = ("Parquet SCAN [", "PROJECT ", "ESTIMATED ROWS:")
    return (
        bool(plan) and plan[0].startswith(heads[0]) and all(line.startswith(heads) for line in plan)
    )


def _moved_rows(order: pl.Series) -> tuple[pl.Series, pl.Series]:
    """``(at, src)``: the rows ``at`` of a reordered frame that take row ``src`` of the original
    (where ``order`` differs from the identity), so ``x.gather(order)`` equals a copy of ``x``
    with ``x.gather(src)`` scattered into ``at``."""
    same = pl.int_range(order.len(), dtype=pl.get_index_type(), eager=True).cast(order.dtype)
    moved = order != same
    return moved.arg_true(), order.filter(moved)


def _row_order(df: pl.DataFrame) -> pl.Series | None:
    """The row order that sorts ``df`` by :func:`_total_order`, or None when it is in that order.

    Equal to sorting by all of :func:`_total_order`'s keys (rows tied on every key are equal in
    every column, so their order cannot matter), but the hash of every other column, the last
    key, is computed only for rows tied on :data:`ORDER_KEYS` (in real feeds a few duplicate
    reports), and rows of vessels with one segment and strictly increasing ``ts`` in input sorted
    by ``(mmsi, ts)`` stay where they are: only the other vessels' rows are sorted.
    """
    if df.height < 2:
        return None
    mmsi, t = df[S.MMSI], df[S.TS].to_physical()
    if mmsi.null_count() or not mmsi.is_sorted():
        return _sorted_rows(df, None)
    new_vessel = _vs_prev(mmsi, operator.ne)
    if not (new_vessel | _vs_prev(t, operator.ge)).all():  # not in (mmsi, ts) order
        return _sorted_rows(df, None)
    # a vessel's rows need sorting when it has several segments or two rows at one instant
    seg = df[S.SEGMENT_ID]
    busy_row = ~new_vessel & (_vs_prev(seg, operator.ne) | _vs_prev(t, operator.eq))
    if not busy_row.any():
        return None
    vessel = new_vessel.cast(pl.UInt32).cum_sum()
    busy = vessel.filter(busy_row).unique()
    at = vessel.is_in(busy.implode()).arg_true()
    local = _sorted_rows(df, at)
    return pl.int_range(df.height, dtype=pl.get_index_type(), eager=True).scatter(at, local)


def _vs_prev(x: pl.Series, op: Callable[[pl.Series, pl.Series], pl.Series]) -> pl.Series:
    """``op(x, x.shift(1)).fill_null(True)`` from two slices of ``x``, without the shifted copy
    (at 10 M rows 40-160 MB of fresh memory for each column compared).

    Examples
    --------
    >>> _vs_prev(pl.Series([1, 1, None, 2]), operator.ne).to_list()
    [True, False, True, True]
    """
    n = x.len()
    if n == 0:
        return pl.Series(x.name, [], dtype=pl.Boolean)
    rest = op(x.slice(1), x.slice(0, n - 1)).fill_null(True)
    return pl.concat([pl.Series(rest.name, [True]), rest], rechunk=True)


def _sorted_rows(df: pl.DataFrame, at: pl.Series | None) -> pl.Series:
    """Row numbers of ``df`` (of the rows ``at``, None: all) in :func:`_total_order`."""
    rows = pl.int_range(df.height, dtype=pl.get_index_type(), eager=True) if at is None else at
    keys = df.select(ORDER_KEYS) if at is None else df.select(ORDER_KEYS).gather(at)
    keys = keys.with_columns(rows.alias("_row"))
    # rows tied on every key (-0.0 counted equal to 0.0, a superset of the sort's ties) get the
    # hash of the other columns; the others a 0 that never decides anything
    canon = [pl.col(c) + 0.0 if keys.schema[c].is_float() else pl.col(c) for c in ORDER_KEYS]
    tied = keys.select(pl.struct(canon).is_duplicated()).to_series()
    rest = [n for n in df.columns if n not in ORDER_KEYS]
    exprs, options = _total_order(ORDER_KEYS)
    if rest:
        tie = pl.repeat(0, keys.height, dtype=pl.UInt64, eager=True)
        if tied.any():
            where = tied.arg_true()
            of_tied = df.select(rest).gather(keys["_row"].gather(where))
            tie = tie.scatter(where, of_tied.select(pl.struct(rest).hash(seed=0)).to_series())
        keys = keys.with_columns(tie.alias("_tie"))
        exprs = [*exprs, pl.col("_tie")]
        options = {k: [*v, v[0]] for k, v in options.items()}
    return keys.select(pl.col("_row").sort_by(exprs, **options, maintain_order=True)).to_series()


#: :func:`prepare`'s sort keys before its last tie-breaker (a hash of every other column)
ORDER_KEYS = (S.MMSI, S.SEGMENT_ID, S.TS, S.DT_S, S.LAT, S.LON)


def _total_order(names: Sequence[str]) -> tuple[list[pl.Expr], dict[str, Any]]:
    """Sort keys (and ``sort`` options) giving prepared rows one order whatever the input order.

    ``mmsi``, segment, ``ts`` order the track. Duplicate reports of one instant (the same position
    from two receivers or files, common in real feeds) tie on those: they are ordered by ``dt_s``
    descending with nulls first, which is the order the segmenter computed their kinematics in
    (the first report carries the time since the previous position, its repeats 0 s), then by
    position, then by a hash of every other carried column. Rows that still tie are equal in every
    column the detectors read, so their order cannot change an event. A sort that is not total
    lets the (multi-threaded, streaming) sort break ties differently from run to run, and the
    masked shifts, runs and ``first``/``last`` of the detectors then see different rows.
    Provenance (``source_file``/``source_row``) is deliberately not a key: splitting the same
    positions into other files must not change an event either.
    """
    rest = [n for n in names if n not in ORDER_KEYS]
    exprs = [
        pl.col(S.MMSI),
        pl.col(S.SEGMENT_ID).hash(seed=0),
        pl.col(S.TS),
        pl.col(S.DT_S),
        pl.col(S.LAT),
        pl.col(S.LON),
    ]
    descending = [False, False, False, True, False, False]
    nulls_last = [True, True, True, False, True, True]
    if rest:
        exprs.append(pl.struct(rest).hash(seed=0))
        descending.append(False)
        nulls_last.append(True)
    return exprs, {"descending": descending, "nulls_last": nulls_last}


def require_stages(names: Sequence[str], zone_labels: Sequence[str]) -> None:
    """Refuse tracks that skipped a stage: no ``segment_id``, or no zone label columns.

    Examples
    --------
    >>> require_stages(["mmsi", "ts", "lat", "lon"], ["shore_km"])
    Traceback (most recent call last):
    ...
    vessels.errors.SchemaError: detectors: tracks lack column(s) 'segment_id': segment them ...
    """
    if S.SEGMENT_ID not in names:
        raise SchemaError(
            f"detectors: tracks lack column(s) {S.SEGMENT_ID!r}: segment them first "
            "(vessels.segment); the detectors do not segment"
        )
    missing = [c for c in zone_labels if c not in names]
    if missing:
        raise SchemaError(
            f"detectors: tracks lack zone label column(s) {', '.join(map(repr, missing))}: label "
            "them first (vessels.label_zones; with unknown zones, add the columns as nulls); "
            "the detectors do not label"
        )


def zone_table(zones: Any = None, zone_ids: pl.Series | None = None) -> pl.DataFrame:
    """Normalise a zones table to polars columns ``zone_id, name, kind``.

    ``zones`` may be a polars frame, a (Geo)pandas frame, or ``None``. Without a table, the kind
    of an id is guessed from its prefix (``aoi-`` -> ``aoi``, ``eez-`` -> ``eez``, otherwise
    ``protected_area``) and the name is the id.

    Examples
    --------
    >>> zone_table(None, pl.Series(["aoi-upper-gulf", "mx-rb-alto-golfo"]))[S.ZONE_KIND].to_list()
    ['aoi', 'protected_area']
    """
    cols = [S.ZONE_ID, S.ZONE_NAME, S.ZONE_KIND]
    schema = {c: pl.String() for c in cols}
    if zones is None:
        ids = (
            pl.Series(S.ZONE_ID, [], pl.String)
            if zone_ids is None
            else zone_ids.drop_nulls().unique().sort()
        )
        frame = pl.DataFrame({S.ZONE_ID: ids}, schema={S.ZONE_ID: pl.String()})
        return frame.with_columns(
            pl.col(S.ZONE_ID).alias(S.ZONE_NAME),
            pl.when(pl.col(S.ZONE_ID).str.starts_with("aoi-"))
            .then(pl.lit("aoi"))
            .when(pl.col(S.ZONE_ID).str.starts_with("eez-"))
            .then(pl.lit("eez"))
            .otherwise(pl.lit("protected_area"))
            .alias(S.ZONE_KIND),
        ).select(cols)
    if isinstance(zones, pl.LazyFrame):
        zones = zones.collect(engine=ENGINE)
    if not isinstance(zones, pl.DataFrame):  # pandas / geopandas: attribute columns only
        present = [c for c in cols if c in zones.columns]
        zones = pl.from_pandas(zones[present].astype(object).where(zones[present].notna(), None))
    for c in cols:
        if c not in zones.columns:
            zones = zones.with_columns(pl.lit(None, dtype=pl.String).alias(c))
    return (
        zones.select(pl.col(c).cast(pl.String) for c in cols)
        .with_columns(pl.col(S.ZONE_NAME).fill_null(pl.col(S.ZONE_ID)))
        .unique(S.ZONE_ID, keep="first", maintain_order=True)
        .cast(schema)  # type: ignore[arg-type, unused-ignore]
    )


def first_zone_expr(col: str = S.ZONE_IDS) -> pl.Expr:
    """The smallest zone id of a list column (deterministic pick of a representative zone)."""
    return pl.col(col).list.sort().list.first()


def first_zone_agg(col: str = S.ZONE_IDS) -> pl.Expr:
    """In a group aggregation: the smallest zone id of the first row that is in a zone.

    Sorts only that row's list (cheap), not every row's.
    """
    return pl.col(col).filter(pl.col(col).list.len() > 0).first().list.sort().list.first()


def fixed_point(expr: pl.Expr, digits: int) -> pl.Expr:
    """``expr`` (float) as an Int64 count of ``10**-digits`` units (NaN and out-of-range -> null).

    Integer addition is exact and associative, so sums of these do not depend on the order in
    which the values are added (see :func:`exact_sum`).
    """
    return (expr * float(10**digits)).round().cast(pl.Int64, strict=False)


def exact_sum(expr: pl.Expr, digits: int) -> pl.Expr:
    """In an aggregation: the sum of a float expression, rounded to ``digits`` decimals per value,
    that is the same whatever the summation order.

    Floating-point addition is not associative. An engine that aggregates a group in parts (the
    streaming engine, polars' default, or a partitioned one) adds the partial sums in whatever
    order its workers finish, so a plain ``sum``/``mean`` of floats can differ in its last bits
    from run to run, and a threshold on it (or a rounded summary) flips now and then. The
    detectors collect with :data:`ENGINE` anyway; summing fixed-point integers keeps the
    aggregates exact under any execution. ``digits`` is chosen per unit well below the data's
    precision (9 for degrees, ~0.1 mm; 6 for km, 1 mm; 3 for metres).

    Examples
    --------
    >>> df = pl.DataFrame({"g": [1, 1, 1], "x": [0.1, 0.2, 0.3]})
    >>> round(df.group_by("g").agg(exact_sum(pl.col("x"), 9))["x"].item(), 12)
    0.6
    """
    return fixed_point(expr, digits).sum() * _inverse(10**digits)


def exact_mean(expr: pl.Expr, digits: int) -> pl.Expr:
    """In an aggregation: the mean of the non-null values of ``expr`` (null if none), computed with
    :func:`exact_sum` so that it does not depend on the summation order."""
    q = fixed_point(expr, digits)
    return pl.when(q.count() > 0).then(q.sum() / q.count() * _inverse(10**digits))


def _inverse(c: float) -> float:
    """``1 / c``, to multiply by instead of dividing by the constant ``c``.

    polars divides a float column of two or more rows by a constant as ``x * (1 / c)`` but a
    one-row column by true division; the two differ in the last bit now and then, so a frame of
    one group (one bucket of a partitioned run) and of many (the whole input) would disagree.
    Multiplying by the inverse is the same at every length (and equals polars' many-row result).
    """
    return 1.0 / c


def extent_aggs() -> list[pl.Expr]:
    """Aggregations of a time-ordered group: start/end time and start/end position of a run."""
    return [
        pl.col(S.TS).first().alias(S.START_TS),
        pl.col(S.TS).last().alias(S.END_TS),
        pl.col(S.LAT).first().alias(S.START_LAT),
        pl.col(S.LON).first().alias(S.START_LON),
        pl.col(S.LAT).last().alias(S.END_LAT),
        pl.col(S.LON).last().alias(S.END_LON),
    ]


def runs_id(new_run: pl.Expr, *keys: str) -> pl.Expr:
    """Globally unique run number: increments where ``new_run`` is true (null counts as true) or
    where ``keys`` (default: segment) change. The frame must be sorted by ``keys``.

    A running count, flagged ascending (as it is), so that a group-by of the runs takes slices
    of rows rather than a hash of every row.
    """
    return (new_run.fill_null(True) | ~same_as_prev(*keys)).cast(pl.UInt32).cum_sum().set_sorted()


def in_eez_clause(eez: pl.Expr | None = None) -> pl.Expr:
    """The summary clause " in MEX EEZ" where ``eez`` (default: the ``eez_iso3`` column) is
    known, else the empty text (a :func:`vessels._template.clause`)."""
    col = pl.col(S.EEZ_ISO3) if eez is None else eez
    return clause(col.is_not_null(), " in {eez} EEZ", fields={"eez": col})


def cell_deg_for(radius_m: float, cell_km: float, max_abs_lat: float | None) -> float:
    """Cell size in degrees (same in lat and lon) such that a 3x3 neighbourhood covers ``radius_m``.

    Cells are square in degrees, so their east-west width shrinks with cos(latitude): the size is
    enlarged where needed so that a neighbour within ``radius_m`` is never more than one cell away.

    Examples
    --------
    >>> round(cell_deg_for(500.0, 2.0, 25.0), 4)
    0.018
    """
    lat = min(abs(max_abs_lat or 0.0), 85.0)
    need_m = radius_m * 1.01 / math.cos(math.radians(lat))
    return max(cell_km * 1000.0, need_m) / DEG_M


def _cell_cols(lat: str, lon: str, cell_deg: float, prefix: str) -> list[pl.Expr]:
    nx = math.ceil(360.0 / cell_deg)
    return [
        ((pl.col(lat) + 90.0) / cell_deg).floor().cast(pl.Int32).alias(f"{prefix}cy"),
        (((pl.col(lon) + 180.0) / cell_deg).floor().cast(pl.Int32) % nx).alias(f"{prefix}cx"),
    ]


def neighbour_join(
    left: pl.LazyFrame,
    right: pl.LazyFrame,
    *,
    lat: tuple[str, str],
    lon: tuple[str, str],
    cell_deg: float,
    on: Sequence[str] = (),
) -> pl.LazyFrame:
    """All (left, right) row pairs whose cells are equal or adjacent (3x3), plus equal ``on`` keys.

    The right side is replicated into its 9 neighbour cells, so the work grows linearly with the
    number of rows (times the local density), never with the square of the number of vessels.
    Longitude cells wrap at the antimeridian. Columns of ``right`` must not clash with ``left``.
    """
    nx = math.ceil(360.0 / cell_deg)
    lk = left.with_columns(_cell_cols(lat[0], lon[0], cell_deg, "_l"))
    rk = right.with_columns(_cell_cols(lat[1], lon[1], cell_deg, "_r"))
    offsets = pl.LazyFrame(
        {"_dy": [dy for dy in (-1, 0, 1) for _ in range(3)], "_dx": [-1, 0, 1] * 3},
        schema={"_dy": pl.Int32, "_dx": pl.Int32},
    )
    rk = (
        rk.join(offsets, how="cross")
        .with_columns(
            (pl.col("_rcy") + pl.col("_dy")).alias("_lcy"),
            ((pl.col("_rcx") + pl.col("_dx")) % nx).alias("_lcx"),
        )
        .drop("_dy", "_dx", "_rcy", "_rcx")
    )
    keys = ["_lcy", "_lcx", *on]
    return lk.join(rk, left_on=keys, right_on=keys, how="inner").drop("_lcy", "_lcx")


def finish(
    frame: pl.DataFrame | pl.LazyFrame,
    event_type: str,
    *,
    evidence: Mapping[str, pl.Expr] | None = None,
    key: pl.Expr | None = None,
) -> pl.DataFrame:
    """Assemble an event frame in exactly :data:`vessels.schema.EVENT_SCHEMA`.

    ``frame`` holds any subset of the base event columns (missing ones become null);
    ``evidence`` maps evidence field names to expressions over ``frame``; ``key`` is an optional
    string expression appended to the deterministic ``event_id``
    ``"<type>:<mmsi>:<other_mmsi>:<start_ts>[:<key>]"``. ``duration_h`` is computed from
    ``start_ts``/``end_ts`` when absent. A frame without columns gives no events.

    Examples
    --------
    >>> finish(pl.DataFrame(), "identity_conflict").height
    0
    """
    lf = frame.lazy() if isinstance(frame, pl.DataFrame) else frame
    names = lf.collect_schema().names()
    if not names:  # no columns, no events: a select of literals alone would make one null row
        lf = pl.LazyFrame(schema={S.MMSI: S.POSITION_SCHEMA[S.MMSI]})
        names = [S.MMSI]
    evidence = dict(evidence or {})
    unknown = set(evidence) - set(S.EVIDENCE_FIELDS)
    if unknown:
        raise KeyError(f"unknown evidence fields {sorted(unknown)}")
    base: list[pl.Expr] = []
    for name, dtype in S.EVENT_BASE_SCHEMA.items():
        if name == S.EVENT_TYPE:
            base.append(pl.lit(event_type, dtype=pl.String).alias(name))
        elif name == S.EVENT_ID:
            continue
        elif name == S.DURATION_H and name not in names:
            base.append(
                (
                    (pl.col(S.END_TS) - pl.col(S.START_TS)).dt.total_microseconds()
                    * _inverse(3.6e9)
                ).alias(name)
                if S.START_TS in names and S.END_TS in names
                else pl.lit(None, dtype=dtype).alias(name)
            )
        elif name in names:
            base.append(pl.col(name).cast(dtype).alias(name))
        else:
            base.append(pl.lit(None, dtype=dtype).alias(name))
    ev = pl.struct(
        [
            (evidence[f].cast(d) if f in evidence else pl.lit(None, dtype=d)).alias(f)
            for f, d in S.EVIDENCE_FIELDS.items()
        ]
    ).alias(S.EVIDENCE)
    parts = [
        pl.lit(event_type),
        pl.col(S.MMSI).cast(pl.String).fill_null(""),
        pl.col(S.OTHER_MMSI).cast(pl.String).fill_null(""),
        pl.col(S.START_TS).dt.strftime("%Y%m%dT%H%M%SZ").fill_null(""),
    ]
    if key is not None:
        parts.append(pl.col("_key").fill_null(""))
    if key is not None:
        lf = lf.with_columns(key.cast(pl.String).alias("_key"))
    out = (
        lf.select([*base, ev, *([pl.col("_key")] if key is not None else [])])
        .with_columns(pl.concat_str(parts, separator=":").alias(S.EVENT_ID))
        .select(list(S.EVENT_SCHEMA))
    )
    return out.collect(engine=ENGINE)


#: Results kept by :func:`per_frame`: ``(id of the frame, name) -> (weak reference, result)``.
_PER_FRAME: dict[tuple[int, str], tuple[weakref.ref[pl.DataFrame], Any]] = {}


def per_frame(frame: pl.DataFrame, name: str, compute: Callable[[pl.DataFrame], Any]) -> Any:
    """``compute(frame)``, computed once per live prepared ``frame`` and ``name``.

    Several detectors read the same derived table of the prepared frame of one
    :func:`vessels.events.detect_events` call (the identity periods, the vessels' median
    intervals): it is kept while the frame lives (a weak reference; the detectors never modify a
    prepared frame in place) and dropped with it; only the last few are kept.

    Examples
    --------
    >>> df = pl.DataFrame({"a": [1, 2]})
    >>> per_frame(df, "n", lambda f: f.height), per_frame(df, "n", lambda f: -1)
    (2, 2)
    """
    key = (id(frame), name)
    hit = _PER_FRAME.get(key)
    if hit is not None and hit[0]() is frame:
        return hit[1]
    value = compute(frame)
    for stale in [k for k, (ref, _) in _PER_FRAME.items() if ref() is None]:
        del _PER_FRAME[stale]
    while len(_PER_FRAME) >= 8:
        del _PER_FRAME[next(iter(_PER_FRAME))]
    _PER_FRAME[key] = (weakref.ref(frame), value)
    return value


def sort_events(events: pl.DataFrame) -> pl.DataFrame:
    """Deterministic order: start time, type, vessel, other vessel, id."""
    return events.sort(
        [S.START_TS, S.EVENT_TYPE, S.MMSI, S.OTHER_MMSI, S.EVENT_ID], nulls_last=True
    )
