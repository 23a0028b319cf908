"""AIS gaps ("dark periods"), per identity-consistent segment.

A gap is a silence between two consecutive positions of one *segment* (so two transmitters sharing
an MMSI, which the segmenter splits into two overlapping segments, do not fake gaps) longer than
``min_gap_h`` (GFW's naive gaps, 6 h), or longer than ``min_gap_in_zone_h`` (2 h) when it starts
or ends inside a protected area or AOI.

Segment boundaries: a vessel silent for more than the segmenter's 24 h comes back with a new
``segment_id``. A boundary between two consecutive segments of one MMSI that do **not** overlap in
time is a boundary created by time, so the silence between them is a real gap and is reported
(``segment_id`` is the segment that went dark, ``evidence.other_segment_id`` the one that
reappeared). Segments that overlap in time are two transmitters (see
:mod:`vessels.events.identity`), never a gap.

A gap with no later position of that MMSI is *open*: it lasts until the end of the data,
``end_ts`` is that instant and ``evidence.is_open`` is true. The end of the data is the robust
horizon of :func:`vessels.events.coverage.data_horizon` (a few stray late rows do not move it);
a track ending less than the gap threshold before it has no gap. Open gaps are reported, not
scored by the shipped profiles (``open_multiplier = 0``): a track that ends before the data does
has usually left the receivers' range or the extract's bounding box, and nothing says it went
dark (issue 13).

Not dark either, and flagged so that the risk rules skip them (issue 13, GFW's port-visit
logic): a *port call* (``evidence.port_call``), a silence that starts or ends in a port or
anchorage (:mod:`vessels.events.coverage`), and a silence at the *edge of coverage*
(``evidence.coverage_edge``), one that starts and ends (or, open, starts) at the edge of the
data's extent, a silence after *poor reception* (``evidence.poor_reception``: fewer than
``min_positions_before`` positions in the 12 h before), and a silence starting in an area of
*poor reception* (``evidence.poor_area_reception``: the start cell of the run's reception grid,
:mod:`vessels.events.reception`, receives at most ``area_reception_max_pos_per_day`` positions
per vessel-day; Welch et al. 2022's reception criterion, with the map learned from the data as
GFW learns its own). Vessels reporting too sparsely for gaps to mean anything (median interval
above ``max_median_interval_min``, e.g. VMS) get no gaps at all.

Examples
--------
>>> from datetime import timedelta
>>> from vessels.testing import make_track, staged
>>> a = make_track(n=3, interval_s=600)
>>> b = make_track(n=3, interval_s=600, start=a["ts"].max() + timedelta(hours=7))
>>> ev = detect_gaps(staged(pl.concat([a, b])))
>>> ev.select("event_type", "duration_h").rows()
[('ais_gap', 7.0)]
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import cached_property
from typing import Any

import numpy as np
import polars as pl

from vessels import schema as S
from vessels._geo import haversine_m
from vessels._template import clause, compile_template
from vessels.events._common import (
    ENGINE,
    KM_PER_NM,
    ORDER_KEYS,
    SEG,
    Frameish,
    _as_lazy,
    _total_order,
    finish,
    first_zone_expr,
    in_eez_clause,
    prepare,
    require_stages,
    zone_table,
)
from vessels.events.coverage import (
    AT_ANCHORAGE,
    EDGE_MIN_VESSELS,
    HARBOUR,
    IN_PORT,
    STATIONARY_KN,
    CoverageContext,
    _cells,
    _learned_cells,
    _speed,
    data_horizon,
    edge_expr,
    sparse_mmsi,
)
from vessels.events.reception import (
    _CX,
    _CY,
    _MMSI_SPAN,
    _OFFSET,
    _SPAN,
    CELL_DEG,
    MAX_INTERVAL_H,
    RECEPTION_POS_PER_DAY,
    RECEPTION_VESSELS,
    SPARSE_INTERVAL_MIN,
    _cell_exprs,
    area_reception,
    reception_grid,
    reception_summary,
)
from vessels.events.registry import Context, Detector, register

__all__ = ["GapConfig", "detect_gaps", "gap_links", "reception_report"]


@dataclass(frozen=True)
class GapConfig:
    """Parameters of the AIS-gap detector.

    Attributes
    ----------
    min_gap_h : float
        A gap is reported when strictly longer than this. Default 6 h: GFW's naive gap table
        (GFW's core detector uses 12 h; Skylight "potential dark activity" 6 h; Starboard 4 h).
    min_gap_in_zone_h : float
        Shorter threshold when the gap starts or ends inside a protected area or AOI. Default 2 h
        (issue 5: pangas poaching totoaba near shore go dark for hours, not days).
    intentional_min_gap_h : float
        ``likely_intentional`` needs a gap of at least this. Default 12 h (GFW, Welch et al. 2022).
    intentional_min_shore_nm : float
        ... and a gap starting strictly farther than this from shore. Default 50 nm (Welch 2022).
    intentional_min_positions : int
        ... and at least this many positions in the ``positions_window_h`` before the gap. Default
        14 (Welch 2022). Welch's fourth criterion, good reception in the start cell, is
        ``area_reception_max_pos_per_day``.
    positions_window_h : float
        Window for ``positions_12h_before``. Default 12 h (Welch 2022).
    include_segment_boundaries : bool
        Report silences between consecutive, non-overlapping segments of one MMSI. Default true
        (see module docstring).
    report_open : bool
        Report gaps still open at the end of the data (GFW writes open gaps too). Default true.
    max_median_interval_min : float
        Vessels whose median interval between positions is longer than this get no gaps (their
        reporting is too sparse to see a silence; ``vessels score`` warns in summary.json).
        Default 30 min (ours: AIS reports every 2 s-6 min, VMS every 1-20 h).
    min_positions_before : int
        A silence after fewer positions than this in the ``positions_window_h`` before it is
        flagged ``poor_reception`` (not scored): the vessel was barely received already, so the
        silence says more about reception than about the vessel (ours, after GFW's
        reception-aware criterion). Default 5.
    area_reception_max_pos_per_day : float
        A silence starting in a cell of the run's reception grid
        (:mod:`vessels.events.reception`) that receives at most this many positions per
        vessel-day (median over its vessels) is flagged ``poor_area_reception``: never likely
        intentional, not scored. Default 10: Welch et al. 2022 (Science Advances 8, eabq2109)
        keep a gap as likely intentional only when its start cell has good satellite reception,
        more than 10 positions per vessel-day, in GFW's reception map measured from AIS.
    area_reception_min_vessels : int
        A cell is judged with at least this many vessels measured in it; with fewer it is
        unknown, and unknown is not poor. Default 3 (ours: a median over fewer vessels is one
        vessel's own silence).
    """

    min_gap_h: float = 6.0
    min_gap_in_zone_h: float = 2.0
    intentional_min_gap_h: float = 12.0
    intentional_min_shore_nm: float = 50.0
    intentional_min_positions: int = 14
    positions_window_h: float = 12.0
    include_segment_boundaries: bool = True
    report_open: bool = True
    max_median_interval_min: float = 30.0
    min_positions_before: int = 5
    area_reception_max_pos_per_day: float = 10.0
    area_reception_min_vessels: int = 3


_SIDE_COLS = [S.TS, S.LAT, S.LON, S.SHORE_KM, S.EEZ_ISO3, S.ZONE_IDS, HARBOUR]
#: What gap detection reads of the positions (plus ``in_port``/``at_anchorage`` when present):
#: :func:`detect_gaps` on staged tracks collects only these, not the shared :func:`prepare` frame.
_GAP_COLUMNS = (
    S.MMSI,
    S.TS,
    S.LAT,
    S.LON,
    S.SEGMENT_ID,
    S.DT_S,
    S.SOG_KN,
    S.IMPLIED_SPEED_KN,
    S.SHORE_KM,
    S.EEZ_ISO3,
    S.ZONE_IDS,
    IN_PORT,
    AT_ANCHORAGE,
)


@dataclass(frozen=True)
class _InOrder:
    """Positions of ``frame`` grouped by segment, in time order within each segment.

    Segment ``k`` holds positions ``r0[k]`` to ``r1[k]`` (``r0`` ascending; positions outside
    every segment are ignored). Position ``i`` is row ``i`` of ``frame`` for ``i`` below its
    height, and row ``tail[i - height]`` beyond (the re-sorted rows of MMSIs whose segments
    interleave, appended once instead of a row order over every position); ``ts`` is given per
    position, the other columns are gathered from ``frame`` through :meth:`rows` for the few
    positions that need them. The rows of ``frame`` are grouped by MMSI, ascending.
    ``ties_open``: rows of one segment and instant may not be in :func:`prepare`'s order (the
    endpoints are then picked).
    """

    frame: pl.DataFrame
    ts: pl.Series
    r0: pl.Series
    r1: pl.Series
    tail: pl.Series | None = None
    ties_open: bool = False

    def rows(self, positions: pl.Series) -> pl.Series:
        """The rows of ``frame`` at ``positions`` (null stays null)."""
        if self.tail is None:
            return positions
        i = positions.cast(pl.Int64) - self.frame.height
        late = (i >= 0).fill_null(False)
        if not late.any():
            return positions
        out = positions.cast(pl.UInt32).clone()
        return out.scatter(late.arg_true(), self.tail.gather(i.filter(late)))

    def seg(self, positions: pl.Series) -> pl.Series:
        """The segment (index into ``r0``/``r1``) of each of ``positions``; null for a null
        position or one outside every segment."""
        at = positions.cast(pl.Int64).fill_null(-1).to_numpy()
        r0, r1 = self._bounds_np
        k = np.searchsorted(r0, at, side="right") - 1
        inside = (k >= 0) & (at <= r1[np.maximum(k, 0)])
        return pl.Series(np.where(inside, k, 0), dtype=pl.UInt32).scatter(
            np.flatnonzero(~inside), None
        )

    @cached_property
    def _bounds_np(self) -> tuple[np.ndarray, np.ndarray]:
        return self.r0.cast(pl.Int64).to_numpy(), self.r1.cast(pl.Int64).to_numpy()


def _changes(seg: pl.Series) -> np.ndarray:
    """The positions ``i >= 1`` where ``seg`` differs from position ``i - 1`` (no nulls)."""
    if seg.dtype.is_numeric():
        return np.flatnonzero(np.diff(seg.to_numpy())) + 1
    # strings: compared chunk by chunk (slices of one chunk are zero-copy; slices of a chunked
    # column shifted by one row would first be re-chunked), then across chunk edges
    chunks = seg.get_chunks() if seg.n_chunks() <= 256 else [seg.rechunk()]
    found, start, last = [], 0, None
    for c in (c for c in chunks if c.len()):
        m = c.len()
        if start and c[0] != last:
            found.append(np.array([start]))
        if m > 1:
            found.append(np.flatnonzero((c.slice(1) != c.slice(0, m - 1)).to_numpy()) + start + 1)
        start, last = start + m, c[m - 1]
    return np.concatenate(found) if found else np.zeros(0, dtype=np.int64)


def _bounds(seg: pl.Series, offset: int = 0) -> tuple[pl.Series, pl.Series]:
    """First and last position of each run of equal ``seg`` values (shifted by ``offset``)."""
    n = seg.len()
    if n == 0:
        empty = pl.Series([], dtype=pl.UInt32)
        return empty, empty
    new = _changes(seg)
    r0 = np.concatenate([[0], new]) + offset
    r1 = np.concatenate([new - 1, [n - 1]]) + offset
    return pl.Series(r0, dtype=pl.UInt32), pl.Series(r1, dtype=pl.UInt32)


def _in_order(p: pl.DataFrame) -> _InOrder:
    """A :func:`prepare`'d frame (already in order)."""
    r0, r1 = _bounds(p[SEG])
    return _InOrder(p, p[S.TS], r0, r1)


#: prepare's total order on :data:`ORDER_KEYS` alone (no other column carried: no last hash)
_ORDER_EXPRS, _ORDER_OPTIONS = _total_order(ORDER_KEYS)


def _steps_where(ts: pl.Series, above_us: int | None = None) -> pl.Series:
    """The positions ``i`` (ascending) whose step to the next, ``ts[i + 1] - ts[i]``, is
    negative, or longer than ``above_us`` microseconds (``ts`` without nulls).

    Taken chunk by chunk on zero-copy views (a step array of every position would be a fresh
    allocation as large as the column, twice: to_numpy of a chunked column copies)."""
    us = ts.dt.epoch("us")
    chunks = us.get_chunks() if us.n_chunks() <= 1024 else [us.rechunk()]
    found, start, last = [], 0, 0

    def hit(d: np.ndarray) -> np.ndarray:
        return d < 0 if above_us is None else d > above_us

    for c in chunks:
        a = c.to_numpy()
        if not len(a):
            continue
        if start and hit(np.array([a[0] - last]))[0]:
            found.append(np.array([start - 1]))
        found.append(np.flatnonzero(hit(a[1:] - a[:-1])) + start)
        start, last = start + len(a), a[-1]
    return pl.Series(np.concatenate(found) if found else [], dtype=pl.UInt32)


def _in_time_order(mmsi: pl.Series, ts: pl.Series) -> bool:
    """``mmsi`` ascending and ``ts`` non-decreasing within each MMSI (no nulls in ``ts``)."""
    if not mmsi.is_sorted():
        return False
    back = _steps_where(ts)
    return bool((mmsi.gather(back) != mmsi.gather(back + 1)).all())


def _lean_tracks(tracks: Frameish) -> _InOrder | None:
    """Staged tracks as gap detection needs them, without the shared :func:`prepare`.

    Only :data:`_GAP_COLUMNS` are collected (projection pushdown on a scan; zero-copy on a frame
    in memory). Tracks as the stages write them (:func:`vessels.ingest`, ``tracks.parquet``:
    sorted by ``mmsi, ts``) are checked to be in that order in one pass, not sorted again; only
    the rows of MMSIs whose segments interleave (two transmitters) are sorted, by
    :func:`prepare`'s keys up to its last tie-breaker (rows tied on all of ``mmsi, segment_id,
    ts, dt_s, lat, lon`` are at the same place and instant: the same for gap detection), and
    appended as positions of their own. Other input is sorted by those keys. ``None`` when the
    tracks lack the segmenter's kinematics or carry untyped (all-null) columns: :func:`prepare`
    then computes them.
    """
    frame = tracks if isinstance(tracks, pl.DataFrame) else None
    lf = tracks.lazy() if frame is not None else _as_lazy(tracks)
    schema = lf.collect_schema()
    S.require_columns(lf, (S.MMSI, S.TS, S.LAT, S.LON), what="detectors: tracks")
    require_stages(schema.names(), tuple(S.ZONE_LABEL_SCHEMA))
    if any(c not in schema for c in S.SEGMENT_DERIVED_SCHEMA) or any(
        d in (pl.Null(), pl.List(pl.Null())) for d in schema.values()
    ):
        return None
    cols = [c for c in _GAP_COLUMNS if c in schema]
    df = frame.select(cols) if frame is not None else lf.select(cols).collect(engine=ENGINE)
    if df[S.TS].null_count() or df[S.LAT].null_count() or df[S.LON].null_count():
        df = df.filter(
            pl.col(S.TS).is_not_null() & pl.col(S.LAT).is_not_null() & pl.col(S.LON).is_not_null()
        )
    if df[S.SEGMENT_ID].null_count():
        df = df.with_columns(pl.col(S.SEGMENT_ID).fill_null(pl.col(S.MMSI).cast(pl.String)))
    if not _in_time_order(df[S.MMSI], df[S.TS]):
        df = df.sort(_ORDER_EXPRS, **_ORDER_OPTIONS)
        return _InOrder(df, df[S.TS], *_bounds(df[S.SEGMENT_ID]))
    mmsi, seg = df[S.MMSI], df[S.SEGMENT_ID]
    r0, r1 = _bounds(seg)
    runs = pl.DataFrame(
        {S.MMSI: mmsi.gather(r0), S.SEGMENT_ID: seg.gather(r0), "_r0": r0, "_r1": r1}
    )
    split = runs.filter(pl.col(S.SEGMENT_ID).is_duplicated())[S.MMSI].unique()
    if split.len() == 0:
        return _InOrder(df, df[S.TS], r0, r1, ties_open=True)
    # the rows of MMSIs with interleaved segments lie in contiguous blocks (sorted by mmsi):
    # sorted among themselves, they become positions after the frame's rows
    shared = pl.col(S.MMSI).is_in(split.implode())
    spans = runs.filter(shared).group_by(S.MMSI).agg(pl.col("_r0").min(), pl.col("_r1").max())
    at = spans.select(pl.int_ranges("_r0", pl.col("_r1") + 1, dtype=pl.UInt32)).to_series()
    at = at.explode()
    block = (
        df.select(ORDER_KEYS)
        .gather(at)
        .with_columns(at.alias("_row"))
        .sort(_ORDER_EXPRS, **_ORDER_OPTIONS)
    )
    b0, b1 = _bounds(block[S.SEGMENT_ID], offset=df.height)
    keep = runs.filter(~shared)
    return _InOrder(
        df,
        pl.concat([df[S.TS], block[S.TS]], rechunk=False),
        pl.concat([keep["_r0"], b0]),
        pl.concat([keep["_r1"], b1]),
        tail=block["_row"],
        ties_open=True,
    )


def _pick_tied(o: _InOrder, sub: pl.Series, positions: pl.Series, *, last: bool) -> pl.Series:
    """The position whose row :func:`prepare`'s order puts at each of ``positions`` among the
    rows of the same segment and instant: last (``last``) or first by ``dt_s`` descending (nulls
    first), ``lat``, ``lon``.

    ``positions`` are the last (``last``) or first positions of their runs of one segment and
    instant; null stays null; ``sub``: the positions (ascending) of every segment holding one of
    them. Only endpoints with a tie cost more than a gather.
    """
    idx = positions.cast(pl.Int64)
    nb = (idx - 1) if last else (idx + 1)
    n = o.ts.len()
    ok = positions.is_not_null() & (nb >= 0) & (nb < n)
    safe_nb = pl.select(pl.when(ok).then(nb)).to_series()
    ts = o.ts
    tied = (
        ok
        & (o.seg(safe_nb) == o.seg(positions)).fill_null(False)
        & (ts.gather(safe_nb) == ts.gather(positions)).fill_null(False)
    )
    if not tied.any():
        return positions
    seg, ts = o.seg(sub), ts.gather(sub)
    brk = ((seg != seg.shift(1)) | (ts != ts.shift(1))).fill_null(True)
    run = brk.cast(pl.UInt32).cum_sum() - 1
    starts = brk.arg_true().cast(pl.Int64).append(pl.Series([sub.len()], dtype=pl.Int64))
    k = run.gather(sub.search_sorted(positions.filter(tied)))
    cand = (
        pl.DataFrame({"_k": k, "_b0": starts.gather(k), "_b1": starts.gather(k + 1)})
        .with_row_index("_j")
        .select("_j", pl.int_ranges("_b0", "_b1", dtype=pl.UInt32).alias("_r"))
        .explode("_r")
    )
    cand = cand.with_columns(sub.gather(cand["_r"]).alias("_r"))
    cand = cand.with_columns(o.frame.select(S.DT_S, S.LAT, S.LON).gather(o.rows(cand["_r"])))
    cand = cand.sort(["_j", S.DT_S, S.LAT, S.LON], maintain_order=True, **_pick_options())
    chosen = cand.group_by("_j", maintain_order=True).agg(
        (pl.col("_r").last() if last else pl.col("_r").first()).cast(pl.UInt32)
    )["_r"]
    return positions.cast(pl.UInt32).clone().scatter(tied.arg_true(), chosen)


def _pick_options() -> dict[str, Any]:
    return {"descending": [False, True, False, False], "nulls_last": [True, False, True, True]}


def _harbour_at(
    p: pl.DataFrame,
    rows: pl.Series,
    coverage: CoverageContext | None,
    at: pl.DataFrame | None = None,
) -> pl.Series:
    """:data:`HARBOUR` of ``p`` at ``rows`` (null rows: null), as :func:`with_harbour` gives it,
    computed for those rows only: anchorages learned from the still positions in the 3x3 cells
    around them (the only ones a cell's verdict depends on), unless the column or ``coverage``'s
    anchorages are there. ``at``: ``mmsi, lat, lon`` of ``p`` at ``rows`` when gathered
    already."""
    if HARBOUR in p.columns:
        return p[HARBOUR].gather(rows)
    if at is None:
        at = p.select(S.MMSI, S.LAT, S.LON).gather(rows)
    at = at.select(S.MMSI, S.LAT, S.LON).with_columns(_cells())
    if coverage is not None:
        learned = coverage.learned
    else:
        near = at.select(
            (pl.col("_hcy") + pl.lit(list(range(-1, 2)))).alias("_hcy"), pl.col("_hcx")
        ).explode("_hcy")
        near = (
            near.select("_hcy", (pl.col("_hcx") + pl.lit(list(range(-1, 2)))).alias("_hcx"))
            .explode("_hcx")
            .drop_nulls()
            .unique()
        )
        speed = _speed(p.columns)
        still = (
            p.lazy()
            .filter((speed < STATIONARY_KN).fill_null(False))
            .select(S.MMSI, S.LAT, S.LON, speed.alias(S.SOG_KN))
            .with_columns(_cells())
            .join(near.lazy(), on=["_hcy", "_hcx"], how="semi")
        )
        learned = _learned_cells(still).collect(engine=ENGINE)
    flag = at.join(learned, on=["_hcy", "_hcx"], how="left", maintain_order="left")[
        "_learned"
    ].fill_null(False)
    for c in (IN_PORT, AT_ANCHORAGE):
        if c in p.columns:
            flag = flag | p[c].gather(rows).fill_null(False)
    return pl.select(pl.when(rows.is_not_null()).then(flag)).to_series().alias(HARBOUR)


def gap_links(
    prepared: pl.DataFrame,
    *,
    min_gap_h: float,
    window_h: float = 12.0,
    include_segment_boundaries: bool = True,
    include_open: bool = True,
    coverage: CoverageContext | None = None,
) -> pl.DataFrame:
    """Candidate silences longer than ``min_gap_h``: one row per (start position, end position).

    Columns: ``mmsi, segment_id, other_segment_id, is_open``, then ``s_<col>`` / ``e_<col>`` for
    the positions where the vessel went dark and reappeared (``e_`` null for open gaps), and
    ``gap_s``. Used by :func:`detect_gaps` and by the dark-rendezvous detector. Open gaps run to
    the data horizon of ``coverage`` (all the run's positions), else of ``prepared``.

    ``prepared`` is the shared :func:`vessels.events._common.prepare` frame, or staged tracks
    (segmented and zone-labelled, as the stages write them), which are read as
    :func:`detect_gaps` reads them (only the columns gaps need, no re-sort of ordered input):
    the same silences.

    Examples
    --------
    >>> from datetime import timedelta
    >>> from vessels.testing import make_track, staged
    >>> a = make_track(n=3, interval_s=600)
    >>> b = make_track(n=3, interval_s=600, start=a["ts"].max() + timedelta(hours=3))
    >>> gap_links(staged(pl.concat([a, b])), min_gap_h=2.0, include_open=False)["gap_s"].to_list()
    [10800.0]
    """
    lean = None if SEG in prepared.columns else _lean_tracks(prepared)
    return _gap_links(
        (_in_order(prepare(prepared)) if SEG not in prepared.columns else _in_order(prepared))
        if lean is None
        else lean,
        min_gap_h=min_gap_h,
        window_h=window_h,
        include_segment_boundaries=include_segment_boundaries,
        include_open=include_open,
        coverage=coverage,
    )


def _gap_links(
    o: _InOrder,
    *,
    min_gap_h: float,
    window_h: float,
    include_segment_boundaries: bool,
    include_open: bool,
    coverage: CoverageContext | None,
) -> pl.DataFrame:
    """:func:`gap_links` of the positions ``o``."""
    p = o.frame
    thr_us = int(min_gap_h * 3.6e9)
    # eager column operations (no multi-branch lazy plan caching a copy of the frame); the
    # silences within segments: one difference of zero-copy slices over every position, then
    # the few long ones kept when both ends lie in one segment
    after = _steps_where(o.ts, thr_us)
    s_pos = after.filter((o.seg(after) == o.seg(after + 1)).fill_null(False))
    inner_rows = pl.DataFrame({"_s_r": s_pos, "_e_r": s_pos + 1})
    if o.ties_open:  # as prepare orders them: by MMSI, a hash of the segment id, time
        at = o.rows(s_pos)
        inner_rows = (
            inner_rows.with_columns(
                p[S.MMSI].gather(at).alias("_m"),
                p[S.SEGMENT_ID].gather(at).hash(seed=0).alias("_h"),
            )
            .sort("_m", "_h", "_s_r")
            .select("_s_r", "_e_r")
        )
    inner = inner_rows.lazy()
    r0, r1 = o.r0, o.r1
    at0 = o.rows(r0)
    segs = pl.LazyFrame(
        {
            S.MMSI: p[S.MMSI].gather(at0),
            "_sid": p[S.SEGMENT_ID].gather(at0),
            "_first": o.ts.gather(r0),
            "_last": o.ts.gather(r1),
            "_r0": r0,
            "_r1": r1,
        }
    )
    data_end = None
    if include_open:
        data_end = coverage.horizon if coverage is not None else data_horizon(p)
    base = pl.LazyFrame({S.TS: [data_end]}, schema={S.TS: S.TS_DTYPE})
    parts = [inner]
    if include_segment_boundaries:
        # only MMSIs with two segments or more have a boundary between segments
        multi = segs.filter(pl.col(S.MMSI).is_duplicated())
        starts = (
            multi.sort(S.MMSI, "_first", "_sid")
            .with_columns(pl.col("_last").cum_max().shift().over(S.MMSI).alias("_prev_max"))
            .filter(pl.col("_first") > pl.col("_prev_max"))
        )
        ends = multi.select(
            S.MMSI, pl.col("_last").alias("_prev_max"), pl.col("_r1").alias("_s_r"), "_sid"
        ).sort("_prev_max", S.MMSI, "_sid")
        cross = (
            starts.sort("_prev_max")
            .join_asof(ends, on="_prev_max", by=S.MMSI, strategy="backward", check_sortedness=False)
            .filter((pl.col("_first") - pl.col("_prev_max")).dt.total_microseconds() > thr_us)
            .select(S.MMSI, "_s_r", pl.col("_r0").alias("_e_r"))
        )
        parts.append(cross)
    if include_open:
        last = (
            segs.sort(S.MMSI, "_last", "_sid")
            .group_by(S.MMSI)
            .agg(pl.all().last())
            .join(base.select(pl.col(S.TS).alias("_end")), how="cross")
            .filter((pl.col("_end") - pl.col("_last")).dt.total_microseconds() > thr_us)
            .select(S.MMSI, pl.col("_r1").alias("_s_r"), pl.lit(None, pl.UInt32).alias("_e_r"))
        )
        parts.append(last)
    links = pl.concat(
        [x.select(pl.col("_s_r").cast(pl.UInt32), pl.col("_e_r").cast(pl.UInt32)) for x in parts]
    ).collect(engine=ENGINE)
    # positions in the window before each gap start: binary search on a (segment, second) key
    s_at, e_at = links["_s_r"], links["_e_r"]
    # the positions of the segments the silences start or end in: all the rest is about them
    k = o.seg(pl.concat([s_at, e_at]).drop_nulls()).unique().sort()
    sub = (
        pl.DataFrame({"_b0": r0.gather(k), "_b1": r1.gather(k) + 1})
        .select(pl.int_ranges("_b0", "_b1", dtype=pl.UInt32).alias("_r"))
        .explode("_r")
        .to_series()
    )
    n_before = _positions_before(o, sub, s_at, window_h)
    if o.ties_open:
        s_at, e_at = _pick_tied(o, sub, s_at, last=True), _pick_tied(o, sub, e_at, last=False)
    s_rows, e_rows = o.rows(s_at), o.rows(e_at)
    cols = [S.SEGMENT_ID, *_SIDE_COLS[:-1]]
    # both ends in one gather (a list column of many chunks is re-chunked by each gather)
    both = pl.concat([s_rows, e_rows])
    sides = p.select(S.MMSI, *cols).gather(both)
    harbour = _harbour_at(p, both, coverage, at=sides)
    sides = sides.drop(S.MMSI).with_columns(harbour)
    s_side, e_side = sides.head(s_rows.len()), sides.tail(e_rows.len())
    cols.append(HARBOUR)
    out = pl.concat(
        [
            links,
            s_side.rename({c: f"s_{c}" for c in cols}),
            e_side.rename({c: f"e_{c}" for c in cols}),
        ],
        how="horizontal",
    ).with_columns(
        pl.Series("s__n_before", n_before, dtype=pl.UInt32),
        pl.lit(data_end, dtype=S.TS_DTYPE).alias("_data_end"),
    )
    return (
        out.lazy()
        .with_columns(
            p[S.MMSI].gather(o.rows(links["_s_r"])).alias(S.MMSI),
            pl.col(f"s_{S.SEGMENT_ID}").alias(S.SEGMENT_ID),
            pl.when(pl.col(f"e_{S.SEGMENT_ID}") != pl.col(f"s_{S.SEGMENT_ID}"))
            .then(pl.col(f"e_{S.SEGMENT_ID}"))
            .alias("other_segment_id"),
            pl.col("_e_r").is_null().alias("is_open"),
            (pl.coalesce(pl.col(f"e_{S.TS}"), pl.col("_data_end")) - pl.col(f"s_{S.TS}"))
            .dt.total_seconds(fractional=True)
            .alias("gap_s"),
            pl.coalesce(pl.col(f"e_{S.TS}"), pl.col("_data_end")).alias("_end_ts"),
        )
        .drop("_s_r", "_e_r", "_data_end")
        .collect(engine=ENGINE)
    )


def _positions_before(o: _InOrder, sub: pl.Series, s_pos: pl.Series, window_h: float) -> pl.Series:
    """Positions of the segment in the ``window_h`` before (and at) each of ``s_pos``: those
    whose whole second is later than the start's minus the window, up to the start position.
    ``sub``: the positions (ascending) of every segment holding one of ``s_pos``."""
    t_s = o.ts.gather(sub).dt.epoch("s")
    key = o.seg(sub).cast(pl.Int64) * (1 << 40) + (t_s - (t_s.min() or 0))
    i = sub.search_sorted(s_pos).cast(pl.Int64)
    first = key.search_sorted(key.gather(i) - int(window_h * 3600), side="right")
    return (i - first.cast(pl.Int64) + 1).cast(pl.UInt32)


def _extent_only(p: pl.DataFrame, n_vessels: int | None = None) -> CoverageContext:
    """A context holding only the coverage extent of ``p`` (for :func:`edge_expr`): exactly
    :func:`vessels.events.coverage.coverage_context`'s, with both quantiles of a column taken in
    one selection (numpy's partition at the ranks of polars' ``nearest`` quantile).
    ``n_vessels``: the number of MMSIs in ``p`` when known."""
    if n_vessels is None:
        n_vessels = p[S.MMSI].n_unique()
    if p.height == 0 or n_vessels < EDGE_MIN_VESSELS:
        return CoverageContext(learned=pl.DataFrame(), horizon=None, extent=None)
    lo, hi = (math.floor((p.height - 1) * q + 0.5) for q in (0.001, 0.999))
    y0, y1 = _ranked(p[S.LAT], lo, hi)
    x0, x1 = _ranked(p[S.LON], lo, hi)
    extent = (y0, y1, x0, x1)
    return CoverageContext(learned=pl.DataFrame(), horizon=None, extent=extent)


def _ranked(a: pl.Series | np.ndarray, lo: int, hi: int) -> tuple[float, float]:
    """The values of ranks ``lo`` (near the bottom) and ``hi`` (near the top) of ``a`` sorted
    (NaN last, as polars sorts), without sorting or copying ``a``: the candidates beyond a bound
    taken from a strided sample, checked by counting, then selected among themselves."""
    s = a if isinstance(a, pl.Series) else pl.Series(a, nan_to_null=False)
    n = s.len()
    step = max(1, n // 50_000)
    sample = np.sort(s.gather_every(step).to_numpy())
    m = len(sample)
    for widen in (2, 8, 32):
        # low side: every value <= bound, at least lo + 1 of them (polars compares NaN as the
        # largest value: a NaN bound takes everything below it, and NaN is beyond any number)
        b_lo = sample[min(m - 1, (lo // step + 1) * widen)]
        b_hi = sample[max(0, m - 1 - ((n - 1 - hi) // step + 1) * widen)]
        low = s.filter(s <= b_lo)
        high = s.filter(s >= b_hi)
        if low.len() > lo and high.len() >= n - hi:
            v_lo = np.partition(low.to_numpy(), lo)[lo]
            k = hi - (n - high.len())
            return float(v_lo), float(np.partition(high.to_numpy(), k)[k])
    ends = np.partition(s.to_numpy(), (lo, hi))
    return float(ends[lo]), float(ends[hi])


def _true_at(mask: pl.Series) -> pl.Series:
    """Where ``mask`` is true (null is not), ascending: numpy's ``flatnonzero``, cheaper than
    ``arg_true`` when many are."""
    return pl.Series(np.flatnonzero(mask.fill_null(False).to_numpy()), dtype=pl.UInt32)


def _median_interval_above(
    p: pl.DataFrame,
    mmsis: pl.Series,
    threshold: float,
    *,
    clip_s: float | None = None,
) -> pl.Series | None:
    """The MMSIs of ``mmsis`` whose median interval (``dt_s`` > 0) is above ``threshold``
    seconds; with ``clip_s``, of the intervals clipped at ``clip_s`` in whole milliseconds
    (:mod:`vessels.events.reception`'s ``_ms``) against ``threshold`` milliseconds.

    ``p``'s rows of one MMSI are contiguous (``mmsi`` ascending), found by binary search. When
    they are few, their medians are taken directly. Otherwise by counting: per vessel the ``n``
    intervals and the ``k`` above the threshold are counts over row blocks, and the median is
    above the threshold when ``2 k > n`` — except when ``2 k == n`` (the two middle values
    straddle it) or, in whole milliseconds, an interval lies within a hair of the threshold:
    the medians of those vessels are taken. No grouping or per-vessel sort of every row. None
    (the caller takes the medians itself) when ``mmsi`` is not ascending without nulls or the
    threshold is negative.
    """
    m = p[S.MMSI]
    if threshold < 0 or S.DT_S not in p.columns or m.null_count() or not m.is_sorted():
        return None
    vals = mmsis.cast(pl.UInt32).unique().sort()
    a, b = m.search_sorted(vals, side="left"), m.search_sorted(vals, side="right")
    here = b > a
    vals, a, b = vals.filter(here), a.filter(here), b.filter(here)

    def medians(which: pl.Series | None = None) -> pl.Series:
        # the medians of the vessels ``which`` (all) over their rows, as a group-by takes them
        a_w, b_w = (a, b) if which is None else (a.filter(which), b.filter(which))
        rows = (
            pl.DataFrame({"_a": a_w, "_b": b_w})
            .select(pl.int_ranges("_a", "_b", dtype=pl.UInt32))
            .to_series()
            .explode()
        )
        dt = pl.col(S.DT_S).cast(pl.Float64)
        ms = (dt.clip(upper_bound=clip_s) * 1000.0).round(0).cast(pl.Int64)
        return (
            p.select(S.MMSI, S.DT_S)
            .gather(rows)
            .lazy()
            .filter(dt > 0)
            .group_by(S.MMSI)
            .agg((dt if clip_s is None else ms).median().alias("_med"))
            .filter(pl.col("_med") > threshold)
            .sort(S.MMSI)
            .collect(engine=ENGINE)[S.MMSI]
        )

    if vals.len() == 0 or (b - a).cast(pl.Int64).sum() * 8 < p.height:
        return medians() if vals.len() else pl.Series(S.MMSI, [], dtype=pl.UInt32)
    dt = p[S.DT_S].cast(pl.Float64)
    if dt.is_nan().any():
        return None

    def per_vessel(rows: pl.Series) -> np.ndarray:
        # how many of ``rows`` (ascending) lie in each vessel's block [a, b)
        return (rows.search_sorted(b) - rows.search_sorted(a)).cast(pl.Int64).to_numpy()

    # the rows not counted are few (first positions, repeats), and so are those above
    n = (b - a).cast(pl.Int64).to_numpy()
    n = n - per_vessel(dt.is_null().arg_true()) - per_vessel((dt <= 0).arg_true())
    if clip_s is None:
        k = per_vessel(_true_at(dt > threshold))
        band = np.zeros(len(n), dtype=bool)
    else:
        # round(min(dt, clip_s) * 1000) > threshold <=> the product is beyond edge (whole -
        # 0.5 ms): decided on dt itself outside a thin band around edge / 1000 s (a relative
        # 1e-9 is far wider than the products' rounding); a vessel with an interval in the
        # band, or clipped near the edge, is left open
        edge_s = (math.floor(threshold) + 1 - 0.5) / 1000.0
        lo, hi = edge_s * (1 - 1e-9), edge_s * (1 + 1e-9)
        if not (lo > 0 and hi < clip_s):
            return None
        k = per_vessel(_true_at(dt > hi))
        band = per_vessel(((dt >= lo) & (dt <= hi)).arg_true()) > 0
    open_ = ((n > 0) & (2 * k == n)) | band
    listed = vals.filter(pl.Series((2 * k > n) & ~open_))
    if not open_.any():
        return listed
    return pl.concat([listed, medians(pl.Series(open_))]).sort()


def _reception_near(p: pl.DataFrame, links: pl.DataFrame) -> pl.DataFrame:
    """The reception figures :func:`~vessels.events.reception.area_reception` reads (``_rcy,
    _rcx``, vessels, positions per vessel-day) of the cells where the ``links`` start, exactly as
    :func:`~vessels.events.reception.reception_grid` of all of ``p`` has them, from the positions
    in those cells and (for the sparse test) every position of the vessels seen there."""
    starts = links.select(_cell_exprs(f"s_{S.LAT}", f"s_{S.LON}", CELL_DEG)).unique()
    if starts.height == 0 or S.DT_S not in p.columns:
        return reception_grid(p if starts.height else p.clear())
    cy, cx = _CY, _CX

    def float_key(lat: str, lon: str) -> pl.Expr:
        # the same cells as one Float64 (exact: the cell indices are small integers), with no
        # integer casts over every position
        y, x = (pl.col(lat) / CELL_DEG).floor(), (pl.col(lon) / CELL_DEG).floor()
        return y * float(1 << 16) + x

    keys = links.select(float_key(f"s_{S.LAT}", f"s_{S.LON}")).to_series()
    keys = keys.filter(keys.is_finite()).unique()
    cells = _cell_exprs(S.LAT, S.LON, CELL_DEG)
    dt = pl.col(S.DT_S).cast(pl.Float64)
    clipped = pl.when(dt > 0).then(dt.clip(upper_bound=MAX_INTERVAL_H * 3600.0))
    ms = (clipped * 1000.0).round(0).cast(pl.Int64).alias("_ms")
    here = (
        p.lazy()
        .filter(float_key(S.LAT, S.LON).is_in(keys.implode()))
        .select(S.MMSI, *cells, ms)
        .collect(engine=ENGINE)
    )
    seen = here[S.MMSI].unique()
    threshold_ms = SPARSE_INTERVAL_MIN * 60_000.0
    sparse = _median_interval_above(p, seen, threshold_ms, clip_s=MAX_INTERVAL_H * 3600.0)
    if sparse is None:
        sparse = (
            p.lazy()
            .filter(pl.col(S.MMSI).is_in(seen.implode()))
            .select(S.MMSI, ms)
            .filter(pl.col("_ms").is_not_null())
            .group_by(S.MMSI)
            .agg(pl.col("_ms").median().alias("_med"))
            .filter(pl.col("_med") > threshold_ms)
            .collect(engine=ENGINE)[S.MMSI]
        )
    # per (cell, vessel) row before the cells' group-by: an ``is_in`` inside an aggregation is
    # evaluated group by group against the whole list (seconds with 20 k cells of sparse vessels)
    measured = ((pl.col("_n") > 0) & ~pl.col(S.MMSI).is_in(sparse.implode())).alias("_measured")
    rate = pl.when("_measured").then(86_400_000.0 * pl.col("_n") / pl.col("_ms"))
    # one UInt64 key per (cell, vessel), as reception_grid groups: a one-column group-by
    cell = (pl.col(cy).cast(pl.Int64) + _OFFSET) * _SPAN + (pl.col(cx).cast(pl.Int64) + _OFFSET)
    key = (cell.cast(pl.UInt64) * _MMSI_SPAN + pl.col(S.MMSI).cast(pl.UInt64)).alias("_key")
    return (
        here.lazy()
        .group_by(key)
        .agg(pl.col("_ms").count().alias("_n"), pl.col("_ms").sum().alias("_ms"))
        .select(
            (pl.col("_key") // _MMSI_SPAN).alias("_cell"),
            (pl.col("_key") % _MMSI_SPAN).cast(pl.UInt32).alias(S.MMSI),
            "_n",
            "_ms",
        )
        .with_columns(measured)
        .group_by("_cell")
        .agg(
            pl.col("_measured").sum().cast(pl.UInt32).alias(RECEPTION_VESSELS),
            rate.median().alias(RECEPTION_POS_PER_DAY),
        )
        .select(
            ((pl.col("_cell") // _SPAN).cast(pl.Int64) - _OFFSET).cast(pl.Int32).alias(cy),
            ((pl.col("_cell") % _SPAN).cast(pl.Int64) - _OFFSET).cast(pl.Int32).alias(cx),
            RECEPTION_VESSELS,
            RECEPTION_POS_PER_DAY,
        )
        .collect(engine=ENGINE)
    )


def detect_gaps(
    tracks: Frameish,
    config: GapConfig | None = None,
    *,
    zones: Any = None,
    prepared: pl.DataFrame | None = None,
    coverage: CoverageContext | None = None,
) -> pl.DataFrame:
    """Detect AIS gaps; returns events in :data:`vessels.schema.EVENT_SCHEMA`.

    Parameters
    ----------
    tracks : polars.DataFrame or LazyFrame
        Staged positions: segmented (:func:`vessels.segment`) and zone-labelled
        (:func:`vessels.label_zones`), refused otherwise. Only the columns gap detection reads
        are collected, and tracks in the order the stages write them (``mmsi, ts``) are not
        sorted again (only MMSIs whose segments interleave are); other input is sorted. The
        events are those of the shared :func:`vessels.events._common.prepare` path.
    config : GapConfig, optional
        Thresholds; defaults documented on :class:`GapConfig`.
    zones : table, optional
        Zone attributes (``zone_id, name, kind``) to name the zone a gap starts/ends in.
    prepared : polars.DataFrame, optional
        Already prepared positions (used by :func:`vessels.events.detect_events`).
    coverage : CoverageContext, optional
        Anchorages, data horizon and coverage extent of all the run's positions
        (:func:`vessels.events.coverage.coverage_context`); default: of ``tracks``.
    """
    cfg = config or GapConfig()
    if prepared is not None:
        o = _in_order(prepared)
    else:
        lean = _lean_tracks(tracks)
        o = _in_order(prepare(tracks)) if lean is None else lean
    p = o.frame
    lo = min(cfg.min_gap_h, cfg.min_gap_in_zone_h)
    links = _gap_links(
        o,
        min_gap_h=lo,
        window_h=cfg.positions_window_h,
        include_segment_boundaries=cfg.include_segment_boundaries,
        include_open=cfg.report_open,
        coverage=coverage,
    )
    # everything below depends on the few candidate silences only: the vessels, cells and zones
    # they touch, not every position again
    max_s = cfg.max_median_interval_min * 60.0
    sparse = _median_interval_above(p, links[S.MMSI], max_s)
    if sparse is None:
        at_gaps = p.filter(pl.col(S.MMSI).is_in(links[S.MMSI].unique().implode()))
        sparse = sparse_mmsi(at_gaps, max_median_interval_min=cfg.max_median_interval_min)
    links = links.filter(~pl.col(S.MMSI).is_in(sparse.implode()))
    if links.height:
        # the data's extent once for both ends (it reads every position)
        if coverage is not None:
            extent = coverage
        else:  # the MMSIs counted at segment starts, not over every row
            extent = _extent_only(p, p[S.MMSI].gather(o.rows(o.r0)).n_unique())
        s_edge = edge_expr(p, f"s_{S.LAT}", f"s_{S.LON}", extent)
        e_edge = edge_expr(p, f"e_{S.LAT}", f"e_{S.LON}", extent)
    else:
        s_edge = e_edge = pl.lit(False)
    grid = coverage.reception if coverage is not None else None
    links = area_reception(
        links,
        f"s_{S.LAT}",
        f"s_{S.LON}",
        _reception_near(p, links) if grid is None else grid,
        min_vessels=cfg.area_reception_min_vessels,
        alias="_area_rx",
    )
    links = links.with_columns(
        (pl.col(f"s_{HARBOUR}") | pl.col(f"e_{HARBOUR}").fill_null(False)).alias("_port_call"),
        (s_edge & (e_edge | pl.col("is_open"))).alias("_edge"),
        (pl.col("s__n_before") < cfg.min_positions_before).alias("_poor"),
        (pl.col("_area_rx") <= cfg.area_reception_max_pos_per_day)
        .fill_null(False)
        .alias("_poor_area"),
    )
    link_zones = pl.concat([links[f"s_{S.ZONE_IDS}"], links[f"e_{S.ZONE_IDS}"]]).explode()
    zt = zone_table(zones, link_zones if zones is None else None)
    eez_ids = zt.filter(pl.col(S.ZONE_KIND) == "eez")[S.ZONE_ID].to_list()
    not_eez = pl.lit(pl.Series("_eez", [eez_ids], dtype=pl.List(pl.String)))
    zt = zt.filter(pl.col(S.ZONE_KIND) != "eez")
    gap_h = pl.col("gap_s") / 3600.0
    ev = (
        links.lazy()
        .with_columns(
            pl.col(f"s_{S.ZONE_IDS}").list.set_difference(not_eez).alias("_sz"),
            pl.col(f"e_{S.ZONE_IDS}").list.set_difference(not_eez).alias("_ez"),
        )
        .with_columns(
            pl.coalesce(first_zone_expr("_sz"), first_zone_expr("_ez")).alias(S.EVENT_ZONE_ID)
        )
        .join(zt.lazy(), left_on=S.EVENT_ZONE_ID, right_on=S.ZONE_ID, how="left")
        .filter(
            (gap_h > cfg.min_gap_h)
            | (pl.col(S.EVENT_ZONE_ID).is_not_null() & (gap_h > cfg.min_gap_in_zone_h))
        )
        .with_columns(
            pl.col(f"s_{S.TS}").alias(S.START_TS),
            pl.col("_end_ts").alias(S.END_TS),
            gap_h.alias(S.DURATION_H),
            pl.col(f"s_{S.LAT}").alias(S.LAT),
            pl.col(f"s_{S.LON}").alias(S.LON),
            pl.col(f"s_{S.LAT}").alias(S.START_LAT),
            pl.col(f"s_{S.LON}").alias(S.START_LON),
            pl.col(f"e_{S.LAT}").alias(S.END_LAT),
            pl.col(f"e_{S.LON}").alias(S.END_LON),
            pl.coalesce(pl.col(f"s_{S.EEZ_ISO3}"), pl.col(f"e_{S.EEZ_ISO3}")).alias(S.EEZ_ISO3),
            pl.col(S.ZONE_NAME).alias(S.EVENT_ZONE_NAME),
            pl.col(f"s_{S.SHORE_KM}").alias(S.SHORE_KM),
            haversine_m(f"s_{S.LAT}", f"s_{S.LON}", f"e_{S.LAT}", f"e_{S.LON}").alias("_dist_m"),
        )
    )
    dist = pl.col("_dist_m")
    likely = (
        (gap_h >= cfg.intentional_min_gap_h)
        & (pl.col(f"s_{S.SHORE_KM}") > cfg.intentional_min_shore_nm * KM_PER_NM)
        & (pl.col("s__n_before") >= cfg.intentional_min_positions)
        & ~pl.col("is_open")
        & ~pl.col("_port_call")
        & ~pl.col("_edge")
        & ~pl.col("_poor")
        & ~pl.col("_poor_area")
    ).fill_null(False)
    start_eez, end_eez = pl.col(f"s_{S.EEZ_ISO3}"), pl.col(f"e_{S.EEZ_ISO3}")
    summary = compile_template(
        "AIS off {at_least}{hours:.1f} h{open}, went dark{offshore}{eez}{zone}{reappeared}"
        "{intentional}{port_call}{poor}{poor_area}{edge}",
        fields={
            "at_least": clause(pl.col("is_open"), "for at least "),
            "hours": gap_h,
            "open": clause(pl.col("is_open"), " (still dark at end of data)"),
            "offshore": clause(
                pl.col(f"s_{S.SHORE_KM}").is_not_null(),
                " {nm:.0f} nm offshore",
                fields={"nm": pl.col(f"s_{S.SHORE_KM}") / KM_PER_NM},
            ),
            "eez": in_eez_clause(start_eez),
            "zone": clause(
                pl.col(S.EVENT_ZONE_ID).is_not_null(),
                " at {name}",
                fields={"name": pl.col(S.EVENT_ZONE_NAME)},
            ),
            "reappeared": clause(
                end_eez.is_not_null() & (end_eez != start_eez).fill_null(True),
                ", reappeared in {eez} EEZ",
                fields={"eez": end_eez},
            ),
            "intentional": clause(likely, " (likely intentional)"),
            "port_call": clause(pl.col("_port_call"), " (port call)"),
            "poor": clause(pl.col("_poor"), " (barely received before: reception, not intent)"),
            "poor_area": clause(
                pl.col("_poor_area"),
                " (poor reception in the area: {rx:.1f} positions per vessel-day; reception,"
                " not intent)",
                fields={"rx": pl.col("_area_rx")},
            ),
            "edge": clause(pl.col("_edge"), " (at the edge of the data's coverage)"),
        },
        null=None,
        name="summary",
    )
    evidence = {
        "summary": summary,
        "gap_h": gap_h,
        "gap_dist_m": dist,
        "implied_speed_kn": pl.when(pl.col("gap_s") > 0).then(
            dist / pl.col("gap_s") / (1852.0 / 3600.0)
        ),
        "start_shore_km": pl.col(f"s_{S.SHORE_KM}"),
        "end_shore_km": pl.col(f"e_{S.SHORE_KM}"),
        "start_eez_iso3": pl.col(f"s_{S.EEZ_ISO3}"),
        "end_eez_iso3": pl.col(f"e_{S.EEZ_ISO3}"),
        "positions_12h_before": pl.col("s__n_before"),
        "likely_intentional": likely,
        "is_open": pl.col("is_open"),
        "port_call": pl.col("_port_call"),
        "coverage_edge": pl.col("_edge"),
        "poor_reception": pl.col("_poor"),
        "poor_area_reception": pl.col("_poor_area"),
        "area_reception_pos_per_day": pl.col("_area_rx"),
        "in_zone_kind": pl.col(S.ZONE_KIND),
        "zone_kind": pl.col(S.ZONE_KIND),
        "other_segment_id": pl.col("other_segment_id"),
    }
    return finish(ev, "ais_gap", evidence=evidence)


def reception_report(coverage: CoverageContext, config: GapConfig | None = None) -> dict[str, Any]:
    """The reception figures of ``summary.json`` (``coverage.reception``) for a run.

    :func:`vessels.events.reception.reception_summary` of the run's grid with the thresholds of
    ``config``: cells judged, poor cells, and the share of positions lying in a poor cell.

    Examples
    --------
    >>> from vessels.testing import make_track
    >>> from vessels.events.coverage import coverage_context
    >>> reception_report(coverage_context(make_track(n=5)))["poor_reception_position_share"]
    0.0
    """
    cfg = config or GapConfig()
    grid = coverage.reception
    return reception_summary(
        grid if grid is not None else reception_grid(pl.DataFrame(schema={S.MMSI: pl.UInt32})),
        max_pos_per_day=cfg.area_reception_max_pos_per_day,
        min_vessels=cfg.area_reception_min_vessels,
    )


def _detect(p: pl.DataFrame, cfg: GapConfig, ctx: Context) -> pl.DataFrame:
    return detect_gaps(p, cfg, zones=ctx.zones, prepared=p, coverage=ctx.coverage)


DETECTOR = register(
    Detector(
        event_type=S.AIS_GAP,
        config=GapConfig,
        detect=_detect,
        columns=(
            S.MMSI,
            S.TS,
            S.LAT,
            S.LON,
            S.SEGMENT_ID,
            S.SOG_KN,
            S.IMPLIED_SPEED_KN,
            S.SHORE_KM,
            S.EEZ_ISO3,
            S.ZONE_IDS,
        ),
        evidence=(
            "summary",
            "gap_h",
            "gap_dist_m",
            "implied_speed_kn",
            "start_shore_km",
            "end_shore_km",
            "start_eez_iso3",
            "end_eez_iso3",
            "positions_12h_before",
            "likely_intentional",
            "is_open",
            "port_call",
            "coverage_edge",
            "poor_reception",
            "poor_area_reception",
            "area_reception_pos_per_day",
            "in_zone_kind",
            "zone_kind",
        ),
        label="AIS gaps",
        style={"color": "#111111", "weight": 2, "opacity": 0.9, "dashArray": "6 6"},
        doc="a vessel's AIS silent for hours within one track (went dark, came back or not)",
        risk_rules=("ais_gap", "ais_gap_intentional"),
        order=10,
    )
)
