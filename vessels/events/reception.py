"""Reception quality of an area, learned from the data itself.

Global Fishing Watch counts a long silence as *likely intentional* AIS disabling only where
reception is good: Welch et al. 2022 (Science Advances, "Hot spots of unseen fishing vessels")
keep a gap only when its start cell receives **more than 10 positions per vessel-day**. GFW
learns that reception map from AIS itself: per one-degree cell and AIS class, the average number
of positions a vessel is received with per day (GFW's ``sat_reception_measured_one_degree``
table, smoothed into ``sat_reception_smoothed_one_degree``; a later version of the same query
bins at 0.1 degree and counts terrestrial positions too). Where a vessel is heard only a few
times a day anyway, a 12 h silence says nothing about its transponder.

:func:`reception_grid` learns such a map from the positions of a run, in one pass of hash
aggregations (linear in positions, no sort when the segmenter's ``dt_s`` is present):

1. **Intervals.** Each position carries ``dt_s``, the time since the previous position of its
   segment (:mod:`vessels.tracks`): how long the vessel had gone unheard when it was heard here.
   Intervals of 0 s (the same report from two receivers) and the first position of a segment
   (no interval) are not counted; an interval is clipped at :data:`MAX_INTERVAL_H` (the
   segmenter's split).
2. **Per vessel and cell.** A vessel's rate in a cell is ``24 x positions / hours`` (positions
   per vessel-day, Welch's unit) over its positions in the cell and the intervals they end.
3. **Per cell.** The median of those rates over the vessels in the cell
   (:data:`RECEPTION_POS_PER_DAY`), with the number of vessels (:data:`RECEPTION_VESSELS`). The
   median over vessels (ours; GFW averages over vessel-hours) keeps one vessel's silence, such as
   the very gap being judged, from deciding the reception of its own cell.

Vessels whose own median interval exceeds ``sparse_interval_min`` (VMS, subsampled feeds) are
left out: their rate is their reporting schedule, not the receivers' reach
(:func:`vessels.events.coverage.sparse_mmsi`). Speed and AIS class are not filtered as GFW does
(GFW keeps class-A vessels moving at 0.5-14 kn, whose transmission rate is known): the poorest
AIS schedule, a class-B or anchored class-A transponder every 3 min (ITU-R M.1371), still sends
480 reports a day, 48 times Welch's threshold, so a cell near 10 per vessel-day is poor whatever
the transmitters.

**Cell size**, :data:`CELL_DEG` = 0.25 degree (~28 km of latitude). GFW's one-degree cells suit
satellite reception learned from months of global data, where a satellite's footprint is
thousands of km wide. The files judged here are usually days of regional, mostly terrestrial AIS:
a shore receiver hears ships a few tens of nautical miles out, so its coverage ends in a band tens
of km wide that a one-degree cell (111 km) would average with the well-covered water inshore;
cells of 0.1 degree (GFW's later binning) hold too few vessels on a day of data for a median over
vessels. A cell is judged only with at least ``min_vessels`` vessels
(``GapConfig.area_reception_min_vessels``, default 3); a cell with fewer is *unknown*, and unknown
is not poor (the vessel's own reception is judged by ``positions_12h_before``).

Examples
--------
Three vessels heard every 2 min, three heard every 3 h in another area:

>>> import polars as pl
>>> from vessels.testing import make_track
>>> dense = [make_track(m, n=30, interval_s=120, lat=20.0 + m * 0.01) for m in (1, 2, 3)]
>>> holes = [make_track(m, n=30, interval_s=3 * 3600, speed_kn=0.0, lat=30.0 + m * 0.01)
...          for m in (4, 5, 6)]
>>> grid = reception_grid(pl.concat(dense + holes), sparse_interval_min=None)
>>> grid.select(RECEPTION_CELL_LAT_DEG, RECEPTION_VESSELS, RECEPTION_POS_PER_DAY).rows()
[(20.0, 3, 720.0), (30.0, 3, 8.0)]
>>> poor_cells(grid, max_pos_per_day=10.0, min_vessels=3)[RECEPTION_CELL_LAT_DEG].to_list()
[30.0]
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Final

import polars as pl

from vessels import schema as S

__all__ = [
    "CELL_DEG",
    "MAX_INTERVAL_H",
    "MIN_CELL_DEG",
    "RECEPTION_CELL_LAT_DEG",
    "RECEPTION_CELL_LON_DEG",
    "RECEPTION_POSITIONS",
    "RECEPTION_POS_PER_DAY",
    "RECEPTION_VESSELS",
    "RECEPTION_VESSEL_HOURS",
    "SPARSE_INTERVAL_MIN",
    "area_reception",
    "empty_grid",
    "poor_cells",
    "reception_from_parts",
    "reception_grid",
    "reception_parts",
    "reception_summary",
]

#: Side of a reception cell, degrees (see the module docstring for why 0.25).
CELL_DEG: Final = 0.25
#: The smallest cell side, degrees: 360 / MIN_CELL_DEG cell indices fit in 16 bits.
MIN_CELL_DEG: Final = 0.01
#: Intervals are clipped at this many hours: the segmenter starts a new segment after 24 h.
MAX_INTERVAL_H: Final = 24.0
#: Vessels whose median interval is longer than this are left out of the grid (their rate is
#: their schedule); the default of ``GapConfig.max_median_interval_min``.
SPARSE_INTERVAL_MIN: Final = 30.0

#: Grid columns: the south-west corner of the cell, degrees.
RECEPTION_CELL_LAT_DEG: Final = "cell_lat_deg"
RECEPTION_CELL_LON_DEG: Final = "cell_lon_deg"
#: Positions in the cell (every located position, sparse vessels included).
RECEPTION_POSITIONS: Final = "positions"
#: Vessels whose rate in the cell was measured (sparse vessels left out).
RECEPTION_VESSELS: Final = "vessels"
#: Hours of those vessels' intervals ending in the cell.
RECEPTION_VESSEL_HOURS: Final = "vessel_hours"
#: Median over those vessels of their positions per vessel-day in the cell (null: none measured).
RECEPTION_POS_PER_DAY: Final = "pos_per_vessel_day"

_MS_PER_H = 3_600_000.0
_MS_PER_DAY = 86_400_000.0
#: Cell indices are offset to be non-negative and packed, with the MMSI, into one UInt64 key.
_OFFSET = 1 << 15
_SPAN = 1 << 16
_MMSI_SPAN = 1 << 32
_CY = "_rcy"
_CX = "_rcx"
_GRID_SCHEMA: dict[str, pl.DataType] = {
    _CY: pl.Int32(),
    _CX: pl.Int32(),
    RECEPTION_CELL_LAT_DEG: pl.Float64(),
    RECEPTION_CELL_LON_DEG: pl.Float64(),
    RECEPTION_POSITIONS: pl.UInt32(),
    RECEPTION_VESSELS: pl.UInt32(),
    RECEPTION_VESSEL_HOURS: pl.Float64(),
    RECEPTION_POS_PER_DAY: pl.Float64(),
}


def empty_grid() -> pl.DataFrame:
    """A reception grid without cells (the columns of :func:`reception_grid`).

    Examples
    --------
    >>> empty_grid().columns[2:]
    ['cell_lat_deg', 'cell_lon_deg', 'positions', 'vessels', 'vessel_hours', 'pos_per_vessel_day']
    """
    return pl.DataFrame(schema=_GRID_SCHEMA)


def _cell_exprs(lat: str, lon: str, cell_deg: float) -> list[pl.Expr]:
    return [
        (pl.col(lat) / cell_deg).floor().cast(pl.Int32).alias(_CY),
        (pl.col(lon) / cell_deg).floor().cast(pl.Int32).alias(_CX),
    ]


def reception_grid(
    positions: pl.DataFrame | pl.LazyFrame,
    *,
    cell_deg: float = CELL_DEG,
    sparse_interval_min: float | None = SPARSE_INTERVAL_MIN,
    max_interval_h: float = MAX_INTERVAL_H,
) -> pl.DataFrame:
    """Positions per vessel-day received in each cell of the positions' area.

    Parameters
    ----------
    positions : DataFrame or LazyFrame
        Positions with ``mmsi, ts, lat, lon`` and, when segmented, ``dt_s`` (seconds since the
        previous position of the segment; without it, intervals between consecutive positions of
        each MMSI are computed, which needs a sort). Rows without time or position are ignored.
    cell_deg : float
        Cell side, degrees (default :data:`CELL_DEG`).
    sparse_interval_min : float or None
        Leave out vessels whose median interval is longer than this, minutes (default
        :data:`SPARSE_INTERVAL_MIN`); None keeps every vessel.
    max_interval_h : float
        Clip intervals at this many hours (default :data:`MAX_INTERVAL_H`).

    Returns
    -------
    polars.DataFrame
        One row per cell holding a position, sorted south to north then west to east:
        :data:`RECEPTION_CELL_LAT_DEG`, :data:`RECEPTION_CELL_LON_DEG` (south-west corner),
        :data:`RECEPTION_POSITIONS`, :data:`RECEPTION_VESSELS`, :data:`RECEPTION_VESSEL_HOURS`,
        :data:`RECEPTION_POS_PER_DAY` (null where no vessel's rate was measured), plus the cell
        indices ``_rcy, _rcx`` used by :func:`area_reception`.

    Examples
    --------
    >>> from vessels.testing import make_track
    >>> grid = reception_grid(make_track(n=61, interval_s=60, speed_kn=0.0))
    >>> grid.select(RECEPTION_POSITIONS, RECEPTION_VESSELS, RECEPTION_VESSEL_HOURS,
    ...             RECEPTION_POS_PER_DAY).row(0)
    (61, 1, 1.0, 1440.0)
    """
    return reception_from_parts(
        reception_parts(
            positions,
            cell_deg=cell_deg,
            sparse_interval_min=sparse_interval_min,
            max_interval_h=max_interval_h,
        ),
        cell_deg=cell_deg,
    )


def reception_parts(
    positions: pl.DataFrame | pl.LazyFrame,
    *,
    cell_deg: float = CELL_DEG,
    sparse_interval_min: float | None = SPARSE_INTERVAL_MIN,
    max_interval_h: float = MAX_INTERVAL_H,
) -> pl.DataFrame:
    """One row per (cell, vessel) of ``positions``: what :func:`reception_from_parts` merges.

    The parameters are :func:`reception_grid`'s. The rows are the cell indices ``_rcy, _rcx``,
    the vessel's positions in the cell (``_all``), its measured intervals ending there (``_n``)
    and their sum in whole milliseconds (``_ms``), and ``_measured`` (false for a vessel left
    out as sparse): a vessel's rows depend on its own positions only, so positions split by
    vessel (MMSI buckets) give parts that merge into the grid of the whole.

    Examples
    --------
    >>> from vessels.testing import make_track
    >>> reception_parts(make_track(n=61, interval_s=60)).select("_all", "_n", "_ms").row(0)
    (61, 60, 3600000)
    """
    lf = positions.lazy().filter(
        pl.col(S.TS).is_not_null() & pl.col(S.LAT).is_not_null() & pl.col(S.LON).is_not_null()
    )
    names = lf.collect_schema().names()
    if S.DT_S in names:
        base = lf.select(S.MMSI, S.LAT, S.LON, pl.col(S.DT_S).cast(pl.Float64).alias("_dt"))
    else:
        base = (
            lf.select(S.MMSI, S.TS, S.LAT, S.LON)
            .sort(S.MMSI, S.TS)
            .select(
                S.MMSI,
                S.LAT,
                S.LON,
                pl.when(pl.col(S.MMSI) == pl.col(S.MMSI).shift())
                .then((pl.col(S.TS) - pl.col(S.TS).shift()).dt.total_seconds(fractional=True))
                .alias("_dt"),
            )
        )
    if not cell_deg >= MIN_CELL_DEG:
        raise ValueError(f"cell_deg must be at least {MIN_CELL_DEG} degree, got {cell_deg!r}")
    # one UInt64 key per (cell, vessel): a single-column group-by is several times cheaper than
    # grouping by three columns (16 bits per cell index, 32 for the MMSI)
    cy = ((pl.col(S.LAT) / cell_deg).floor().cast(pl.Int64) + _OFFSET).cast(pl.UInt64)
    cx = ((pl.col(S.LON) / cell_deg).floor().cast(pl.Int64) + _OFFSET).cast(pl.UInt64)
    dt = pl.when(pl.col("_dt") > 0).then(pl.col("_dt").clip(upper_bound=max_interval_h * 3600.0))
    rows = base.select(
        ((cy * _SPAN + cx) * _MMSI_SPAN + pl.col(S.MMSI).cast(pl.UInt64)).alias("_key"),
        S.MMSI,
        # whole milliseconds: an integer sum is the same in any order (float sums are not, and
        # the grid must not change with the engine's or a partitioned run's summation order)
        (dt * 1000.0).round(0).cast(pl.Int64).alias("_ms"),
    ).collect()
    per = (
        _runs(rows)
        .group_by("_key")
        .agg(
            pl.col("_all").sum(),
            pl.col("_n").sum(),
            pl.col("_ms").sum(),
            pl.col(S.MMSI).first(),
        )
        .with_columns(
            ((pl.col("_key") // _MMSI_SPAN // _SPAN).cast(pl.Int64) - _OFFSET)
            .cast(pl.Int32)
            .alias(_CY),
            ((pl.col("_key") // _MMSI_SPAN % _SPAN).cast(pl.Int64) - _OFFSET)
            .cast(pl.Int32)
            .alias(_CX),
        )
    )
    measured = pl.col("_n") > 0
    if sparse_interval_min is not None:
        sparse = medians_above(rows, pl.col("_ms"), sparse_interval_min * 60_000.0)
        measured = measured & ~pl.col(S.MMSI).is_in(sparse.implode())
    # "measured" as a column before the group-by: inside the aggregation its is_in would run
    # once per cell (seconds on data with many cells and sparse vessels)
    return per.select(_CY, _CX, "_all", "_n", "_ms", measured.alias("_measured")).collect()


def reception_from_parts(
    parts: pl.DataFrame | Iterable[pl.DataFrame], *, cell_deg: float = CELL_DEG
) -> pl.DataFrame:
    """The reception grid of :func:`reception_parts` of positions split by vessel.

    Every figure of a cell is a sum or a median over the (cell, vessel) rows, so the grid of
    all the positions is the grid of their parts' rows taken together, as long as no vessel is
    in two parts (the MMSI buckets of :mod:`vessels.partition`): the same grid as
    :func:`reception_grid` of the whole, in any order of the parts.

    Examples
    --------
    >>> from vessels.testing import make_track
    >>> a, b = make_track(1, n=30, interval_s=120), make_track(2, n=30, interval_s=120)
    >>> merged = reception_from_parts([reception_parts(a), reception_parts(b)])
    >>> merged.equals(reception_grid(pl.concat([a, b])))
    True
    """
    frames = [parts] if isinstance(parts, pl.DataFrame) else list(parts)
    if not frames:
        return empty_grid()
    per = pl.concat([p.lazy() for p in frames], how="vertical")
    measured = pl.col("_measured")
    rate = pl.when(measured).then(_MS_PER_DAY * pl.col("_n") / pl.col("_ms"))
    grid = per.group_by(_CY, _CX).agg(
        pl.col("_all").sum().cast(pl.UInt32).alias(RECEPTION_POSITIONS),
        measured.sum().cast(pl.UInt32).alias(RECEPTION_VESSELS),
        (pl.when(measured).then(pl.col("_ms")).sum() / _MS_PER_H).alias(RECEPTION_VESSEL_HOURS),
        rate.median().alias(RECEPTION_POS_PER_DAY),
    )
    return (
        grid.with_columns(
            (pl.col(_CY).cast(pl.Float64) * cell_deg).alias(RECEPTION_CELL_LAT_DEG),
            (pl.col(_CX).cast(pl.Float64) * cell_deg).alias(RECEPTION_CELL_LON_DEG),
        )
        .select(list(_GRID_SCHEMA))
        .sort(_CY, _CX)
        .collect()
        .cast(_GRID_SCHEMA)  # type: ignore[arg-type]
    )


def medians_above(frame: pl.DataFrame, value: pl.Expr, limit: float) -> pl.Series:
    """The MMSIs of ``frame`` whose median of ``value`` (nulls left out) is above ``limit``.

    Found from counts: of a vessel's ``n`` values, ``c`` above the limit, the median is above it
    when ``2 c > n`` (the middle value, or both middle values, above) and not when ``2 c < n``
    (a median lies between its middle values). Only the vessels with ``2 c = n`` (an even count
    whose two middle values lie on either side of the limit) or a NaN have their median
    computed: a count per vessel is a sum, several times cheaper than a median of every vessel
    (a sort within each). The same vessels as filtering every vessel's median; in no set order.

    Examples
    --------
    >>> rows = pl.DataFrame({"mmsi": [1, 1, 1, 2, 2, 3, 3, 4],
    ...                      "v": [5, 50, 60, 5, 50, 5, 100, None]})
    >>> medians_above(rows, pl.col("v"), 40.0).sort().to_list()  # medians 50, 27.5, 52.5, null
    [1, 3]
    """
    v = frame.lazy().select(S.MMSI, value.alias("_v"))
    floats = v.collect_schema()["_v"].is_float()
    counts = (
        v.group_by(S.MMSI)
        .agg(
            (pl.col("_v") > limit).sum().cast(pl.Int64).alias("_c"),
            pl.col("_v").count().cast(pl.Int64).alias("_n"),
            (pl.col("_v").is_nan().any() if floats else pl.lit(False)).alias("_nan"),
        )
        .collect()
    )
    two_c, n = 2 * pl.col("_c"), pl.col("_n")
    sure = counts.filter((two_c > n) & ~pl.col("_nan"))[S.MMSI]
    unsure = counts.filter(((two_c == n) | pl.col("_nan")) & (n > 0))[S.MMSI]
    if unsure.len() == 0:
        return sure
    median = (
        v.filter(pl.col(S.MMSI).is_in(unsure.implode()))
        .group_by(S.MMSI)
        .agg(pl.col("_v").median().alias("_med"))
        .filter(pl.col("_med") > limit)
        .select(S.MMSI)
        .collect()
        .to_series()
    )
    return pl.concat([sure, median])


def _runs(rows: pl.DataFrame) -> pl.LazyFrame:
    """Per run of consecutive rows with the same ``_key``: ``_key, mmsi``, the rows (``_all``),
    the measured intervals (``_n``) and their sum (``_ms``), from running sums at the runs' ends.

    A vessel stays in one cell for many consecutive positions, so the runs are far fewer than
    the rows and the group-by over cells reads the runs; integer sums, so the grid is the same
    as grouping the rows themselves.
    """
    key = rows["_key"]
    n = key.len()
    # the last row of each run: its key differs from the next row's (two slices, no shifted copy)
    last = pl.Series([], dtype=pl.get_index_type())
    if n:
        ends = (key.slice(0, n - 1) != key.slice(1)).fill_null(True)
        last = pl.concat([ends, pl.Series([True])]).arg_true()
    total = rows.select(
        pl.col("_ms").cum_count().alias("_cn"),  # non-null values so far
        pl.col("_ms").fill_null(0).cum_sum().alias("_cs"),
    ).gather(last)
    before = pl.col("_end").shift(1, fill_value=-1)
    return (
        pl.DataFrame([key.gather(last), rows[S.MMSI].gather(last), last.alias("_end")])
        .hstack(total)
        .lazy()
        .select(
            "_key",
            S.MMSI,
            (pl.col("_end").cast(pl.Int64) - before.cast(pl.Int64)).cast(pl.UInt32).alias("_all"),
            (pl.col("_cn") - pl.col("_cn").shift(1, fill_value=0)).cast(pl.UInt32).alias("_n"),
            (pl.col("_cs") - pl.col("_cs").shift(1, fill_value=0)).alias("_ms"),
        )
    )


def _judged(grid: pl.DataFrame, min_vessels: int) -> pl.Expr:
    return pl.col(RECEPTION_POS_PER_DAY).is_not_null() & (pl.col(RECEPTION_VESSELS) >= min_vessels)


def poor_cells(grid: pl.DataFrame, *, max_pos_per_day: float, min_vessels: int) -> pl.DataFrame:
    """The cells of ``grid`` judged (``min_vessels`` or more) with at most ``max_pos_per_day``.

    Welch et al. 2022 keep a gap when its start cell has *more than* 10 positions per vessel-day,
    so a cell at or below ``max_pos_per_day`` is poor.

    Examples
    --------
    >>> grid = pl.DataFrame({"cell_lat_deg": [0.0, 0.25, 0.5], "vessels": [5, 5, 2],
    ...                      "pos_per_vessel_day": [10.0, 10.5, 1.0]})
    >>> poor_cells(grid, max_pos_per_day=10.0, min_vessels=3)["cell_lat_deg"].to_list()
    [0.0]
    """
    return grid.filter(
        _judged(grid, min_vessels) & (pl.col(RECEPTION_POS_PER_DAY) <= max_pos_per_day)
    )


def area_reception(
    frame: pl.DataFrame,
    lat: str,
    lon: str,
    grid: pl.DataFrame,
    *,
    min_vessels: int,
    cell_deg: float = CELL_DEG,
    alias: str = "area_pos_per_vessel_day",
) -> pl.DataFrame:
    """``frame`` with ``alias``: the reception (positions per vessel-day) of the cell of
    ``(lat, lon)``, null where the cell holds fewer than ``min_vessels`` measured vessels.

    Rows keep their order; ``cell_deg`` must be the one ``grid`` was built with.

    Examples
    --------
    >>> grid = pl.DataFrame({"_rcy": [80], "_rcx": [-440], "vessels": [4],
    ...                      "pos_per_vessel_day": [6.5]},
    ...                     schema_overrides={"_rcy": pl.Int32, "_rcx": pl.Int32})
    >>> gaps = pl.DataFrame({"s_lat": [20.1, 21.0], "s_lon": [-109.9, -109.9]})
    >>> area_reception(gaps, "s_lat", "s_lon", grid, min_vessels=3)[
    ...     "area_pos_per_vessel_day"].to_list()
    [6.5, None]
    """
    judged = grid.filter(_judged(grid, min_vessels)).select(
        _CY, _CX, pl.col(RECEPTION_POS_PER_DAY).alias(alias)
    )
    keys = frame.select(_cell_exprs(lat, lon, cell_deg))
    value = (
        keys.join(judged, on=[_CY, _CX], how="left", maintain_order="left")
        .get_column(alias)
        .cast(pl.Float64)
    )
    return frame.with_columns(value.alias(alias))


def reception_summary(
    grid: pl.DataFrame, *, max_pos_per_day: float, min_vessels: int, cell_deg: float = CELL_DEG
) -> dict[str, float | int]:
    """What ``summary.json`` reports of the reception grid.

    ``reception_cell_deg``, ``reception_cells`` (cells judged: ``min_vessels`` or more),
    ``poor_reception_cells`` and ``poor_reception_position_share``: the share of all positions
    that lie in a poor cell (0 without positions).

    Examples
    --------
    >>> grid = pl.DataFrame({"positions": [90, 10, 5], "vessels": [4, 3, 1],
    ...                      "pos_per_vessel_day": [700.0, 8.0, 2.0]})
    >>> out = reception_summary(grid, max_pos_per_day=10.0, min_vessels=3)
    >>> out["reception_cells"], out["poor_reception_cells"], out["poor_reception_position_share"]
    (2, 1, 0.095238)
    """
    total = int(grid[RECEPTION_POSITIONS].sum()) if grid.height else 0
    judged = grid.filter(_judged(grid, min_vessels))
    poor = poor_cells(grid, max_pos_per_day=max_pos_per_day, min_vessels=min_vessels)
    in_poor = int(poor[RECEPTION_POSITIONS].sum()) if poor.height else 0
    return {
        "reception_cell_deg": cell_deg,
        "reception_cells": judged.height,
        "poor_reception_cells": poor.height,
        "poor_reception_position_share": round(in_poor / total, 6) if total else 0.0,
    }
