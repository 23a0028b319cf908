"""Kinematics and identity-aware segmentation of AIS positions.

:func:`segment` takes canonical positions (``vessels.schema.POSITION_SCHEMA``) and returns the same
positions, sorted by ``(mmsi, ts, source_file, source_row)``, with five derived columns
(``vessels.schema.SEGMENT_DERIVED_SCHEMA``): ``dt_s``, ``dist_m``, ``implied_speed_kn``,
``course_change_deg`` and ``segment_id``.

A *segment* is a run of positions that one physical transmitter could have sent: consecutive
positions of a segment are never more than ``max_gap_h`` apart and never further apart than a
vessel at ``max_speed_kn`` could travel (plus ``jump_tolerance_m`` of GPS noise). Kinematics are
computed between consecutive positions *of the same segment*, so a GPS jump or a second transmitter
on the same MMSI never produces a fake 3000 kn leg.

Algorithm
---------
1. Sort by ``(mmsi, ts, source_file, source_row)`` (``source_file, source_row`` identify an
   input row, so the order is total) and compare each position with the previous position of the
   same MMSI (vectorised shift). A pair is a *gap* when
   ``dt > max_gap_h`` and *impossible* when ``dist > max_speed_kn * dt + jump_tolerance_m``.
2. Cut each MMSI into *runs* at gaps and impossible pairs (a cumulative sum). For an MMSI with no
   impossible pair -- nearly all of them -- every run is a segment and we are done: fully
   vectorised polars.
3. Only MMSIs with an impossible pair go through multi-track assignment, over *runs* rather than
   positions. Each such MMSI keeps up to ``max_open_tracks`` open tracks (as GFW's segmenter keeps
   several open segments per MMSI). A run joins the open track whose last position it is
   consistent with (same gap and speed test; the nearest if several), otherwise it opens a new
   track, replacing a closed or the least recently used one. The loop runs over the *rank* of a
   run within its MMSI and is vectorised across all conflicted MMSIs with NumPy, so its Python
   iterations equal the largest number of runs of one conflicted MMSI, never the number of rows or
   vessels.
4. Kinematics are computed against the previous position of the same segment: the previous row
   inside a run (already measured in step 1), the track's last position where a run joins a
   track (measured after the loop, vectorised). No window function over segments is needed.

Limits: the consistency test uses the implied speed between positions, not a dead-reckoned
position from SOG/COG as GFW's current segmenter does, hence the higher default speed (see
:class:`SegmentConfig`). A run is judged by its first position only: an outlier that is itself
consistent with the previous position is absorbed into the track, and the track then splits at
the next good position (two segments that do not overlap in time, so no false identity conflict).
Two transmitters closer to each other than they can travel between reports cannot be told apart.
An MMSI shared by more than ``max_open_tracks`` transmitters at once degrades into short
segments; such MMSIs (e.g. 0 or 123456789) are flagged invalid upstream anyway.

Segment ids are ``"<mmsi>-<first ts as YYYYmmddTHHMMSS>"``, with ``"-2"``, ``"-3"``... appended
when several segments of one MMSI start in the same second (only possible for an identity
conflict). They depend only on the set of input rows: shuffling or splitting the input, or a day
boundary, changes nothing.

Examples
--------
>>> from vessels.testing import make_track
>>> seg = segment(make_track(n=3, interval_s=60, speed_kn=10))
>>> seg["segment_id"].unique().to_list()
['345000001-20240301T000000']
>>> seg["dt_s"].to_list()
[None, 60.0, 60.0]
>>> [round(v, 3) for v in seg["implied_speed_kn"].drop_nulls()]
[10.0, 10.0]
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TypeVar, overload

import numpy as np
import polars as pl

from vessels import schema as S
from vessels._frames import as_polars
from vessels._geo import (
    MPS_PER_KN,
    haversine_m_np,
    haversine_m_np_trig,
    haversine_m_trig,
    initial_bearing_deg_np,
    signed_turn_deg,
)
from vessels.errors import ConfigError

__all__ = [
    "SORT_KEYS",
    "SegmentConfig",
    "identity_conflicts",
    "kinematics_exprs",
    "segment",
]

#: Deterministic output order of :func:`segment`: (source_file, source_row) identify an input row.
SORT_KEYS: tuple[str, ...] = (S.MMSI, S.TS, S.SOURCE_FILE, S.SOURCE_ROW)

_US_PER_S = 1_000_000
_ID_TS_FORMAT = "%Y%m%dT%H%M%S"

# private working columns (never leave this module)
_ROW = "_vs_row"
_BRK = "_vs_brk"
_RUN = "_vs_run"
_RUN_START = "_vs_run_start"
_CONFLICTED = "_vs_conflicted"
_SEG = "_vs_seg"
_FIRST_ROW = "_vs_first_row"
_PREV_ROW = "_vs_prev_row"
_SUFFIX = "_vs_suffix"
_A_SEG = "_vs_a_seg"
_A_FIRST_ROW = "_vs_a_first_row"
_A_PREV_ROW = "_vs_a_prev_row"
_A_DT = "_vs_a_dt_s"
_A_DIST = "_vs_a_dist_m"
_A_BEARING = "_vs_a_bearing_deg"
_DT = "_vs_dt_s"
_DIST = "_vs_dist_m"
_BEARING_C = "_vs_bearing_c_deg"
_BEARING = "_vs_bearing_deg"
_ASSIGNED_SCHEMA: dict[str, pl.DataType] = {
    _RUN: pl.Int64(),
    _A_SEG: pl.Int64(),
    _A_FIRST_ROW: pl.Int64(),
    _A_PREV_ROW: pl.Int64(),
    _A_DT: pl.Float64(),
    _A_DIST: pl.Float64(),
    _A_BEARING: pl.Float64(),
    _SUFFIX: pl.UInt32(),
}


@dataclass(frozen=True)
class SegmentConfig:
    """Thresholds of :func:`segment` (override from TOML with :func:`vessels.config.override`).

    Attributes
    ----------
    max_gap_h : float
        A new segment starts when consecutive positions are more than this many hours apart.
        Default 24 h: GFW segmenter and SkyTruth's ``gpsdio-segment`` (``DEFAULT_MAX_HOURS = 24``).
        Must be at least one second (1/3600 h), which keeps segment ids unique.
    max_speed_kn : float
        A position is *impossible* from the previous one when reaching it needs more than this
        speed (great-circle distance over elapsed time). Default 50 kn. Sources and reasoning:
        ``gpsdio-segment`` (SkyTruth, GFW's first segmenter) used this same absolute test with
        ``DEFAULT_MAX_SPEED = 40`` kn; GFW's current segmenter uses 25 kn, but on the discrepancy
        between a dead-reckoned (SOG/COG) and the observed position, so a vessel that really goes
        35 kn passes it, whereas an absolute 25 kn test would cut every fast panga (outboard
        pangas in the upper Gulf of California run 25-35 kn) and every go-fast boat of a drug
        transit (commonly reported above 40 kn) into one-point segments. The identity conflicts
        this test exists for (two transmitters hundreds of km apart, minutes between reports)
        imply hundreds of knots, so 50 kn loses almost none of them.
    jump_tolerance_m : float
        Distance always allowed between consecutive positions whatever the elapsed time: GPS
        noise and one-second timestamp rounding. Default 500 m: ``gpsdio-segment``'s
        ``DEFAULT_NOISE_DIST = round(500 / 1852, 3)`` nm.
    max_open_tracks : int
        How many tracks one MMSI may have open at once during multi-track assignment (GFW keeps
        several open segments per MMSI). Default 4: our choice; two or three transmitters sharing
        one MMSI at the same time is what analysts meet in practice, one more slot absorbs GPS
        outliers without evicting a real track.

    Examples
    --------
    >>> SegmentConfig().max_gap_h
    24.0
    >>> from vessels.config import override
    >>> override(SegmentConfig(), {"max_speed_kn": 30}, source="profile.toml").max_speed_kn
    30.0
    """

    max_gap_h: float = 24.0
    max_speed_kn: float = 50.0
    jump_tolerance_m: float = 500.0
    max_open_tracks: int = 4

    def __post_init__(self) -> None:
        if not self.max_gap_h >= 1 / 3600:
            raise ConfigError(f"max_gap_h must be at least one second, got {self.max_gap_h!r}")
        if not self.max_speed_kn > 0:
            raise ConfigError(f"max_speed_kn must be positive, got {self.max_speed_kn!r}")
        if not self.jump_tolerance_m >= 0:
            raise ConfigError(
                f"jump_tolerance_m must not be negative, got {self.jump_tolerance_m!r}"
            )
        if self.max_open_tracks < 1:
            raise ConfigError(f"max_open_tracks must be at least 1, got {self.max_open_tracks!r}")


# --- expression building blocks ----------------------------------------------------------------


def _shift(expr: pl.Expr) -> pl.Expr:
    return expr.shift(1)


def _consecutive_legs(
    prev: Callable[[pl.Expr], pl.Expr] = _shift,
) -> tuple[pl.Expr, pl.Expr, pl.Expr]:
    """dt_s, haversine dist_m and initial bearing from the previous row (``prev``: a shift).

    :func:`vessels._geo.haversine_m_trig` and the formula of
    :func:`vessels._geo.initial_bearing_deg`, written so that the per-row sines and cosines are
    computed once and shared by both (polars evaluates each repeated sub-expression once): the
    trigonometry is the bulk of :func:`segment`'s work after the sort.
    """
    phi = pl.col(S.LAT).radians()
    lmb = pl.col(S.LON).radians()
    cos_phi = phi.cos()
    sin_phi = phi.sin()
    phi_prev, cos_phi_prev, sin_phi_prev = prev(phi), prev(cos_phi), prev(sin_phi)
    dlmb = lmb - prev(lmb)
    dist_m = haversine_m_trig(phi - phi_prev, dlmb, cos_phi_prev, cos_phi)
    y = dlmb.sin() * cos_phi
    x = cos_phi_prev * sin_phi - sin_phi_prev * cos_phi * dlmb.cos()
    bearing = (pl.arctan2(y, x).degrees() + 360.0) % 360.0
    dt_s = (pl.col(S.TS) - prev(pl.col(S.TS))).dt.total_microseconds().cast(pl.Float64) / _US_PER_S
    return dt_s, dist_m, bearing


def _course_change(bearing: pl.Expr, prev_bearing: pl.Expr) -> pl.Expr:
    """Signed turn in [-180, 180) degrees; positive = clockwise (to starboard)."""
    return signed_turn_deg(bearing, prev_bearing)


def kinematics_exprs(partition_by: str | Sequence[str] = S.MMSI) -> list[pl.Expr]:
    """Per-position kinematics as polars expressions evaluated ``.over(partition_by)``.

    The frame must already be sorted by time within each partition (e.g. the output of
    :func:`segment`, partitioned by ``segment_id``). Returns expressions named ``dt_s``,
    ``dist_m`` (haversine), ``implied_speed_kn`` and ``course_change_deg``, with the formulas
    :func:`segment` uses. ``dt_s``/``dist_m`` are null at a partition's first position,
    ``implied_speed_kn`` also when ``dt_s == 0``; ``course_change_deg`` is the signed turn between
    the previous leg and this one in [-180, 180) (positive = to starboard), null at the first two
    positions and next to a zero-length leg.

    Examples
    --------
    >>> from vessels.testing import make_track
    >>> df = make_track(n=3, interval_s=60, speed_kn=10, course_deg=90)
    >>> out = df.with_columns(kinematics_exprs("mmsi"))
    >>> out["dt_s"].to_list()
    [None, 60.0, 60.0]
    >>> [round(v, 3) for v in out["implied_speed_kn"].drop_nulls()]
    [10.0, 10.0]
    """
    keys = [partition_by] if isinstance(partition_by, str) else list(partition_by)

    def prev(expr: pl.Expr) -> pl.Expr:
        return expr.shift(1).over(keys)

    dt_s, dist_m, bearing = _consecutive_legs(prev)
    speed_kn = pl.when(dt_s > 0).then(dist_m / dt_s / MPS_PER_KN)
    bearing = pl.when(dist_m > 0).then(bearing)
    change = _course_change(bearing, prev(bearing))
    return [
        dt_s.alias(S.DT_S),
        dist_m.alias(S.DIST_M),
        speed_kn.alias(S.IMPLIED_SPEED_KN),
        change.alias(S.COURSE_CHANGE_DEG),
    ]


# --- segmentation ------------------------------------------------------------------------------

F = TypeVar("F", pl.DataFrame, pl.LazyFrame)


def _with_runs(lf: pl.LazyFrame, config: SegmentConfig) -> pl.LazyFrame:
    """Add row index, run ids and the conflicted flag to positions sorted by SORT_KEYS."""
    same_mmsi = pl.col(S.MMSI) == pl.col(S.MMSI).shift(1)
    dt_s, dist_m, bearing = _consecutive_legs()
    max_gap_s = config.max_gap_h * 3600.0
    max_speed_mps = config.max_speed_kn * MPS_PER_KN
    gap = pl.col(_DT) > max_gap_s
    impossible = pl.col(_DIST) > pl.col(_DT) * max_speed_mps + config.jump_tolerance_m
    return (
        lf.with_row_index(_ROW)
        .with_columns(dt_s.alias(_DT), dist_m.alias(_DIST), bearing.alias(_BEARING_C))
        .with_columns(
            same_mmsi.fill_null(False).alias("_vs_same"),
            (same_mmsi & impossible).fill_null(False).alias("_vs_impossible"),
            gap.fill_null(False).alias("_vs_gap"),
        )
        .with_columns(
            (~pl.col("_vs_same") | pl.col("_vs_gap") | pl.col("_vs_impossible")).alias(_BRK)
        )
        .with_columns(
            (pl.col(_BRK).cum_sum() - 1).cast(pl.Int64).alias(_RUN),
            pl.when(pl.col(_BRK))
            .then(pl.col(_ROW))
            .forward_fill()
            .cast(pl.Int64)
            .alias(_RUN_START),
            # the MMSIs with an impossible pair are few: a set lookup, not a window per MMSI
            pl.col(S.MMSI)
            .is_in(pl.col(S.MMSI).filter(pl.col("_vs_impossible")).unique().implode())
            .alias(_CONFLICTED),
        )
        .drop("_vs_same", "_vs_gap", "_vs_impossible")
    )


def _assign_tracks(runs: pl.DataFrame, config: SegmentConfig) -> pl.DataFrame:
    """Multi-track assignment of the runs of conflicted MMSIs (see the module docstring).

    ``runs`` has one row per run: mmsi, run id, first/last row index, time and position. Returns
    per run: the segment label (run id of the track's first run), the row index of the segment's
    first position, the row index of the previous position of the same segment (null when the
    run opens a new segment) and the id suffix of the segment (0 = none).
    """
    n = runs.height
    out_schema = _ASSIGNED_SCHEMA
    if n == 0:
        return pl.DataFrame(schema=out_schema)
    k_max = config.max_open_tracks
    max_gap_s = config.max_gap_h * 3600.0
    max_speed_mps = config.max_speed_kn * MPS_PER_KN
    tol_m = config.jump_tolerance_m

    m_idx = runs["m_idx"].to_numpy()
    rank = runs["rank"].to_numpy()
    run_id = runs[_RUN].to_numpy()
    row0 = runs["row0"].to_numpy()
    row1 = runs["row1"].to_numpy()
    t0 = runs["t0"].to_numpy()
    t1 = runs["t1"].to_numpy()
    lat0 = runs["lat0"].to_numpy()
    lon0 = runs["lon0"].to_numpy()
    lat1 = runs["lat1"].to_numpy()
    lon1 = runs["lon1"].to_numpy()
    n_mmsi = int(m_idx.max()) + 1
    # radians and cosines once, so each step of the loop is a handful of NumPy calls
    phi0, lmb0 = np.radians(lat0), np.radians(lon0)
    phi1, lmb1 = np.radians(lat1), np.radians(lon1)
    cos0, cos1 = np.cos(phi0), np.cos(phi1)
    reach_tol_m = tol_m
    max_gap_us = max_gap_s * _US_PER_S
    speed_m_per_us = max_speed_mps / _US_PER_S

    # per MMSI and track slot: index (into the run arrays) of the track's last run, -1 = closed
    last_run = np.full((n_mmsi, k_max), -1, dtype=np.int64)
    label = np.full((n_mmsi, k_max), -1, dtype=np.int64)
    first_row = np.full((n_mmsi, k_max), -1, dtype=np.int64)
    prev_run = np.full(n, -1, dtype=np.int64)
    out_seg = np.empty(n, dtype=np.int64)
    out_first = np.empty(n, dtype=np.int64)

    order = np.lexsort((m_idx, rank))  # by rank, then mmsi: one contiguous block per rank
    bounds = np.flatnonzero(np.diff(rank[order])) + 1
    never = np.iinfo(np.int64).min
    for sel in np.split(order, bounds):
        m = m_idx[sel]
        last = last_run[m]  # (runs in this step, k_max); -1 entries are masked by is_open
        is_open = last >= 0
        t_last = t1[last]
        dt_us = t0[sel, None] - t_last
        dphi = phi0[sel, None] - phi1[last]
        dlmb = lmb0[sel, None] - lmb1[last]
        dist_m = haversine_m_np_trig(dphi, dlmb, cos0[sel, None], cos1[last])
        ok = is_open & (dt_us <= max_gap_us) & (dist_m <= dt_us * speed_m_per_us + reach_tol_m)
        score = np.where(ok, dist_m, np.inf)
        best = score.argmin(axis=1)
        steps = np.arange(sel.size)
        joins = ok[steps, best]
        fresh = np.where(is_open, t_last, never).argmin(axis=1)
        slot = np.where(joins, best, fresh)
        prev_run[sel] = np.where(joins, last[steps, slot], -1)
        out_seg[sel] = seg = np.where(joins, label[m, slot], run_id[sel])
        out_first[sel] = first = np.where(joins, first_row[m, slot], row0[sel])
        label[m, slot] = seg
        first_row[m, slot] = first
        last_run[m, slot] = sel

    # the leg into each joining run's first position, from its track's last position, with the
    # same formulas as the polars expressions
    joined = prev_run >= 0
    p = np.where(joined, prev_run, 0)
    out_prev = np.where(joined, row1[p], -1)
    out_dt = np.where(joined, (t0 - t1[p]) / _US_PER_S, np.nan)
    out_dist = np.where(joined, haversine_m_np(lat1[p], lon1[p], lat0, lon0), np.nan)
    out_bearing = np.where(joined, initial_bearing_deg_np(lat1[p], lon1[p], lat0, lon0), np.nan)

    assigned = pl.DataFrame(
        {
            _RUN: run_id,
            _A_SEG: out_seg,
            _A_FIRST_ROW: out_first,
            _A_PREV_ROW: np.where(out_prev >= 0, out_prev, 0),
            "_vs_has_prev": out_prev >= 0,
            _A_DT: out_dt,
            _A_DIST: out_dist,
            _A_BEARING: out_bearing,
            "m_idx": m_idx,
            "t0": t0,
            "_vs_new": out_seg == run_id,
        }
    )
    # segments of one MMSI that start in the same second get "-2", "-3"... in order of first row
    starts = (
        assigned.filter(pl.col("_vs_new"))
        .select(
            _A_SEG,
            pl.col(_A_SEG)
            .rank("ordinal")
            .over("m_idx", pl.col("t0").floordiv(_US_PER_S))
            .cast(pl.UInt32)
            .alias(_SUFFIX),
        )
        .with_columns(pl.when(pl.col(_SUFFIX) > 1).then(pl.col(_SUFFIX)).otherwise(0))
    )
    return (
        assigned.join(starts, on=_A_SEG, how="left", maintain_order="left")
        .with_columns(
            pl.when(pl.col("_vs_has_prev")).then(pl.col(c)).alias(c)
            for c in (_A_PREV_ROW, _A_DT, _A_DIST, _A_BEARING)
        )
        .select(pl.col(c).cast(t) for c, t in out_schema.items())
    )


def _conflicted_runs(lf_runs: pl.LazyFrame) -> pl.DataFrame:
    """One row per run of the MMSIs that have at least one impossible pair (small)."""
    return (
        lf_runs.filter(pl.col(_CONFLICTED))
        .group_by(_RUN)
        .agg(
            pl.col(S.MMSI).first(),
            pl.col(_ROW).first().cast(pl.Int64).alias("row0"),
            pl.col(_ROW).last().cast(pl.Int64).alias("row1"),
            pl.col(S.TS).first().dt.epoch("us").alias("t0"),
            pl.col(S.TS).last().dt.epoch("us").alias("t1"),
            pl.col(S.LAT).first().alias("lat0"),
            pl.col(S.LON).first().alias("lon0"),
            pl.col(S.LAT).last().alias("lat1"),
            pl.col(S.LON).last().alias("lon1"),
        )
        .sort(_RUN)
        .with_columns(
            (pl.col(S.MMSI).rank("dense") - 1).cast(pl.Int64).alias("m_idx"),
            (pl.col(_RUN) - pl.col(_RUN).min().over(S.MMSI)).alias("rank"),
        )
        .collect(engine="in-memory")
    )


def _finish(lf_runs: pl.LazyFrame, assigned: pl.DataFrame, columns: list[str]) -> pl.LazyFrame:
    """Join the assignment back, compute within-segment kinematics and the segment ids.

    Inside a run the previous position of the segment is the previous row, whose leg the run
    pass already measured; at a run that joins an open track, the assignment measured the leg
    from the track's last position. A run that opens a segment has no leg.
    """
    brk = pl.col(_BRK)
    dt_s = pl.when(brk).then(pl.col(_A_DT)).otherwise(pl.col(_DT))
    dist_m = pl.when(brk).then(pl.col(_A_DIST)).otherwise(pl.col(_DIST))
    bearing = pl.when(pl.col(S.DIST_M) > 0).then(
        pl.when(brk).then(pl.col(_A_BEARING)).otherwise(pl.col(_BEARING_C))
    )
    base = lf_runs.join(assigned.lazy(), on=_RUN, how="left", maintain_order="left").with_columns(
        pl.coalesce(_A_SEG, _RUN).alias(_SEG),
        pl.coalesce(_A_FIRST_ROW, _RUN_START).alias(_FIRST_ROW),
        pl.when(brk)
        .then(pl.col(_A_PREV_ROW))
        .otherwise(pl.col(_ROW).cast(pl.Int64) - 1)
        .alias(_PREV_ROW),
    )
    # ids are formatted once per segment (at its first row), then joined to its positions
    seg_id = pl.format("{}-{}", pl.col(S.MMSI), pl.col(S.TS).dt.strftime(_ID_TS_FORMAT))
    suffix = pl.col(_SUFFIX).fill_null(0)
    ids = base.filter(pl.col(_ROW).cast(pl.Int64) == pl.col(_FIRST_ROW)).select(
        _SEG,
        pl.when(suffix > 1)
        .then(pl.format("{}-{}", seg_id, suffix))
        .otherwise(seg_id)
        .alias(S.SEGMENT_ID),
    )
    return (
        base.join(ids, on=_SEG, how="left", maintain_order="left")
        .with_columns(dt_s.alias(S.DT_S), dist_m.alias(S.DIST_M))
        .with_columns(
            pl.when(pl.col(S.DT_S) > 0)
            .then(pl.col(S.DIST_M) / pl.col(S.DT_S) / MPS_PER_KN)
            .alias(S.IMPLIED_SPEED_KN),
            bearing.alias(_BEARING),
        )
        .with_columns(
            _course_change(pl.col(_BEARING), pl.col(_BEARING).gather(pl.col(_PREV_ROW))).alias(
                S.COURSE_CHANGE_DEG
            )
        )
        .select(*columns, *(pl.col(c).cast(t) for c, t in S.SEGMENT_DERIVED_SCHEMA.items()))
    )


@overload
def segment(frame: pl.DataFrame, config: SegmentConfig | None = None) -> pl.DataFrame: ...
@overload
def segment(frame: pl.LazyFrame, config: SegmentConfig | None = None) -> pl.LazyFrame: ...
def segment(frame: F, config: SegmentConfig | None = None) -> F:
    """Sort positions, add within-segment kinematics and identity-consistent ``segment_id``.

    Parameters
    ----------
    frame : polars.DataFrame or polars.LazyFrame
        Positions with at least the sort keys ``mmsi, ts, source_file, source_row`` and
        ``lat, lon`` in the canonical dtypes; other columns are carried along. Derived columns
        already present (from an earlier run) are recomputed.
    config : SegmentConfig, optional
        Thresholds; defaults to ``SegmentConfig()``.

    Returns
    -------
    Same kind as ``frame`` (a LazyFrame stays lazy; the small run table of conflicted MMSIs is
    collected to plan it), sorted by :data:`SORT_KEYS`, with ``dt_s, dist_m, implied_speed_kn,
    course_change_deg, segment_id`` appended (dtypes of ``SEGMENT_DERIVED_SCHEMA``).

    Examples
    --------
    Two transmitters share MMSI 345000009, 300 km apart, reporting in turn every minute:

    >>> from datetime import timedelta
    >>> from vessels.testing import make_track, T0
    >>> a = make_track(345000009, lat=31.0, lon=-114.5, n=4, interval_s=120)
    >>> b = make_track(345000009, lat=31.0, lon=-111.4, n=4, interval_s=120,
    ...                start=T0 + timedelta(seconds=60))
    >>> out = segment(pl.concat([a, b.with_columns(pl.col("source_row") + 100)]))
    >>> out.group_by("segment_id").agg(pl.len(), pl.col("implied_speed_kn").max().round(1)).sort(
    ...     "segment_id").rows()
    [('345000009-20240301T000000', 4, 10.0), ('345000009-20240301T000100', 4, 10.0)]
    """
    frame = as_polars(frame, "frame", "segment")  # type: ignore[assignment]
    if config is not None and not isinstance(config, SegmentConfig):
        raise TypeError(f"segment: config must be a SegmentConfig, got {type(config).__name__}")
    config = config or SegmentConfig()
    needed = (*SORT_KEYS, S.LAT, S.LON)
    S.validate(frame, {c: S.POSITION_SCHEMA[c] for c in needed}, what="segment() input")
    if isinstance(frame, pl.DataFrame):
        return _segment_frame(frame, config)
    schema = {c: t for c, t in frame.collect_schema().items() if c not in S.SEGMENT_DERIVED_SCHEMA}
    # Segmentation needs every row of an MMSI at once, so the lazy plan hands the whole input to
    # the eager implementation when it runs (whatever engine collects it): same speed as eager,
    # and filters written after segment() are not pushed before it (they would change segments).
    return frame.map_batches(
        lambda df: _segment_frame(df, config),
        schema={**schema, **S.SEGMENT_DERIVED_SCHEMA},
        streamable=False,
    )


def _sorted(frame: pl.DataFrame) -> pl.DataFrame:
    """``frame`` sorted by :data:`SORT_KEYS`.

    Rows already in that order (e.g. from ``Ingested.sorted_accepted`` in ``ingest``, or an
    export sorted by vessel and time) are returned as they are: one comparison with the
    previous row. Rows usually arrive in input order, i.e. already sorted by (source_file,
    source_row) with no two rows sharing both. Then two stable sorts of one column each (ts,
    then mmsi) on a narrow frame give the same order, and the wide frame is gathered once: in
    polars this costs about half of one sort of the wide frame by four columns. The two sorts
    run on one thread: on this project's 2-core benchmark machine the parallel sort took ~1.7 x
    the CPU time of the single-threaded one (2 M rows: 0.29 vs 0.17 CPU s) for little wall
    time. Otherwise the four-column sort runs.
    """
    if frame.height < 2:
        return frame.sort(list(SORT_KEYS))
    m, t, f, r = (pl.col(c) for c in SORT_KEYS)
    # strictly after the previous row in SORT_KEYS order (a null anywhere makes it false and
    # takes a sort, which places nulls as polars does)
    later = (m > m.shift(1)) | (
        (m == m.shift(1))
        & (
            (t > t.shift(1))
            | ((t == t.shift(1)) & ((f > f.shift(1)) | ((f == f.shift(1)) & (r > r.shift(1)))))
        )
    )
    if frame.select(later.slice(1).fill_null(False).all()).item():
        return frame
    after = (f > f.shift(1)) | ((f == f.shift(1)) & (r > r.shift(1)))
    if not frame.select(after.slice(1).fill_null(False).all()).item():
        return frame.sort(list(SORT_KEYS))
    order = (
        frame.select(S.MMSI, S.TS, pl.int_range(pl.len(), dtype=pl.get_index_type()).alias(_ROW))
        .sort(S.TS, maintain_order=True, multithreaded=False)
        .sort(S.MMSI, maintain_order=True, multithreaded=False)[_ROW]
    )
    return frame.rechunk()[order]


def _segment_frame(frame: pl.DataFrame, config: SegmentConfig) -> pl.DataFrame:
    columns = [c for c in frame.columns if c not in S.SEGMENT_DERIVED_SCHEMA]
    # sort and cut runs once: the two passes below (conflicted runs, output) start from memory
    ordered = _sorted(frame.select(columns))
    lf_runs = _with_runs(ordered.lazy(), config).collect(engine="in-memory").lazy()
    assigned = _assign_tracks(_conflicted_runs(lf_runs), config)
    # row-index gathers run faster on the in-memory engine than on the default streaming one
    return _finish(lf_runs, assigned, columns).collect(engine="in-memory")


# --- identity conflicts ------------------------------------------------------------------------


def identity_conflicts(
    segmented: pl.DataFrame | pl.LazyFrame, *, min_positions: int = 3
) -> pl.DataFrame:
    """MMSIs with two or more segments open at the same time: likely a shared or spoofed identity.

    Parameters
    ----------
    segmented : polars.DataFrame or polars.LazyFrame
        Output of :func:`segment` (needs ``mmsi, ts, segment_id``).
    min_positions : int, default 3
        Segments with fewer positions are ignored: a GPS glitch (one or two bad fixes in a row)
        becomes a short segment inside its vessel's track and is not an identity conflict. Our
        choice: a second transmitter is seen many times; false conflicts raise risk scores.

    Returns
    -------
    polars.DataFrame
        One row per MMSI in conflict, sorted by mmsi: ``mmsi``, ``n_segments_overlapping``
        (segments overlapping at least one other), ``overlap_h`` (hours during which at least two
        segments were open at once), ``start_ts``/``end_ts`` (first and last instant of overlap)
        and ``segment_ids`` (sorted list).

    Examples
    --------
    >>> from datetime import timedelta
    >>> from vessels.testing import make_track, T0
    >>> a = make_track(345000009, lat=31.0, lon=-114.5, n=61, interval_s=120)
    >>> b = make_track(345000009, lat=31.0, lon=-111.4, n=61, interval_s=120,
    ...                start=T0 + timedelta(seconds=60)).with_columns(pl.col("source_row") + 100)
    >>> conflicts = identity_conflicts(segment(pl.concat([a, b])))
    >>> conflicts.select("mmsi", "n_segments_overlapping", "overlap_h").rows()
    [(345000009, 2, 1.9833333333333334)]
    """
    lf = segmented.lazy()
    segs = (
        lf.group_by(S.MMSI, S.SEGMENT_ID)
        .agg(
            pl.col(S.TS).min().alias(S.START_TS),
            pl.col(S.TS).max().alias(S.END_TS),
            pl.len().alias(S.N_POSITIONS),
        )
        .filter((pl.col(S.N_POSITIONS) >= min_positions) & (pl.col(S.END_TS) > pl.col(S.START_TS)))
    )
    # pairs of segments of one MMSI whose time ranges overlap (quadratic only in segments per MMSI)
    pairs = (
        segs.join(segs, on=S.MMSI, suffix="_b")
        .filter(
            (pl.col(S.SEGMENT_ID) != pl.col(f"{S.SEGMENT_ID}_b"))
            & (pl.col(S.START_TS) < pl.col(f"{S.END_TS}_b"))
            & (pl.col(f"{S.START_TS}_b") < pl.col(S.END_TS))
        )
        .group_by(S.MMSI)
        .agg(
            pl.col(S.SEGMENT_ID).unique().sort().alias("segment_ids"),
            pl.max_horizontal(S.START_TS, f"{S.START_TS}_b").min().alias(S.START_TS),
            pl.min_horizontal(S.END_TS, f"{S.END_TS}_b").max().alias(S.END_TS),
        )
        .with_columns(
            pl.col("segment_ids").list.len().cast(pl.UInt32).alias("n_segments_overlapping")
        )
    )
    # sweep line: hours during which >= 2 segments are open (ends sort before starts at a tie)
    events = pl.concat(
        [
            segs.select(S.MMSI, pl.col(S.START_TS).alias("_t"), pl.lit(1, pl.Int32).alias("_d")),
            segs.select(S.MMSI, pl.col(S.END_TS).alias("_t"), pl.lit(-1, pl.Int32).alias("_d")),
        ]
    )
    overlap = (
        events.sort(S.MMSI, "_t", "_d")
        .with_columns(
            pl.col("_d").cum_sum().over(S.MMSI).alias("_open"),
            (pl.col("_t").shift(-1).over(S.MMSI) - pl.col("_t"))
            .dt.total_microseconds()
            .alias("_us"),
        )
        .filter(pl.col("_open") >= 2)
        .group_by(S.MMSI)
        .agg((pl.col("_us").sum() / (3600 * _US_PER_S)).alias("overlap_h"))
    )
    return (
        pairs.join(overlap, on=S.MMSI, how="left")
        .select(
            S.MMSI,
            "n_segments_overlapping",
            pl.col("overlap_h").fill_null(0.0),
            S.START_TS,
            S.END_TS,
            "segment_ids",
        )
        .sort(S.MMSI)
        .collect()
    )
