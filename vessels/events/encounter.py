"""Encounters (possible transshipment): two vessels close together, slow, for a while.

Method (GFW, Miller et al. 2018, made day-boundary free):

1. each segment is resampled onto a global ``grid_min`` grid of instants (multiples of 10 min
   since the Unix epoch, so no UTC-day partition exists), interpolating linearly between the two
   bracketing positions only when they are less than ``max_interp_gap_h`` apart;
2. grid points are binned into (instant, ~``cell_km`` cell) and each is joined against the 9
   neighbouring cells of the same instant (work grows with the number of positions, not with the
   square of the number of vessels); the true great-circle distance is then checked;
3. per pair of segments, consecutive instants within the radius form runs; runs of at least
   ``min_duration_h`` are merged when less than ``merge_gap_h`` apart, and kept when both vessels'
   median speed is below ``max_median_speed_kn`` and the mean position is at least
   ``min_shore_km`` from shore (ships side by side in port are not an encounter), and not in a
   port or anchorage (:mod:`vessels.events.coverage`; ships queueing at anchor are not meeting).

A second profile, ``short_transfer`` (Skylight's standard rendezvous: 250 m for 30 min), catches
short transfers nearer to shore; it still needs ``short_min_shore_km`` (default 2 km) so that
ships moored side by side at a berth are not reported, and it is not reported where a ``gfw``
encounter of the same pair already covers the time.

One row per pair: ``mmsi`` is the smaller MMSI and ``other_mmsi`` the larger; risk scoring must
attribute the event to both (``vessels.events.events_by_vessel`` gives one row per vessel).

Examples
--------
>>> from vessels.testing import make_track, staged
>>> a = make_track(1, n=200, interval_s=60, speed_kn=0.5)
>>> b = make_track(2, n=200, interval_s=60, speed_kn=0.5, lat=25.002)
>>> detect_encounters(staged(pl.concat([a, b]))).select("mmsi", "other_mmsi", "duration_h").rows()
[(1, 2, 3.1666666666666665)]
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Sequence
from dataclasses import dataclass

import polars as pl

from vessels import schema as S
from vessels._geo import EARTH_RADIUS_M, haversine_m
from vessels._template import clause, compile_template
from vessels.events._common import (
    ENGINE,
    SEG,
    Frameish,
    cell_deg_for,
    exact_mean,
    finish,
    first_zone_expr,
    prepare,
    prev_in,
    runs_id,
    same_as_next,
    same_as_prev,
)
from vessels.events._modes import modes_agg, smallest
from vessels.events.coverage import CoverageContext, harbour_cells, harbour_expr
from vessels.events.registry import Context, Detector, register

__all__ = [
    "GFW",
    "SHORT_TRANSFER",
    "EncounterConfig",
    "EncounterProfile",
    "detect_encounters",
    "encounter_pairs",
]

#: The two encounter profiles (``evidence.encounter_profile``).
GFW = "gfw"
SHORT_TRANSFER = "short_transfer"


@dataclass(frozen=True)
class EncounterProfile:
    """One way of meeting that counts as an encounter (a sub-config of :class:`EncounterConfig`).

    Attributes
    ----------
    name : str
        ``evidence.encounter_profile`` of its events.
    max_dist_m, min_duration_h, max_median_speed_kn, min_shore_km, merge_gap_h : float
        A run of grid instants within ``max_dist_m`` lasting ``min_duration_h``, runs less than
        ``merge_gap_h`` apart merged, both vessels' median speed below ``max_median_speed_kn``,
        the mean position at least ``min_shore_km`` from shore (or shore distance unknown).
    max_duration_h : float or None
        At most this long (None: no limit).
    moored_max_sog_kn : float or None
        Not when both vessels' median reported SOG is below this (moored together; None: no
        such test).
    yields_to : str or None
        Not reported where an encounter of this earlier profile of the same pair overlaps it.
    """

    name: str
    max_dist_m: float
    min_duration_h: float
    max_median_speed_kn: float
    min_shore_km: float
    merge_gap_h: float
    max_duration_h: float | None = None
    moored_max_sog_kn: float | None = None
    yields_to: str | None = None


@dataclass(frozen=True)
class EncounterConfig:
    """Parameters of the encounter detector.

    Attributes
    ----------
    max_dist_m : float
        Distance between the two vessels at each grid instant. Default 500 m (GFW, Miller 2018).
    min_duration_h : float
        Minimum duration of a run. Default 2 h (GFW).
    max_median_speed_kn : float
        Each vessel's median speed during the encounter must be below this. Default 2 kn (GFW).
    min_shore_km : float
        Mean position at least this far from shore. Default 10 km (GFW: 10 km from a
        port/anchorage; we use distance to shore, the anchorage list is not available).
    grid_min : float
        Resampling interval. Default 10 min (GFW).
    max_interp_gap_h : float
        Interpolate only between positions less than this apart. Default 1 h (GFW).
    merge_gap_h : float
        Merge encounters of the same pair less than this apart. Default 4 h (GFW).
    cell_km : float
        Spatial cell of the neighbour search. Default 2 km (GFW ~2 km cells + adjacent cells).
    short_enabled : bool
        Also run the ``short_transfer`` profile. Default true (issue 5).
    short_max_dist_m : float
        Default 250 m (Skylight standard rendezvous).
    short_min_duration_h : float
        Default 0.5 h (Skylight: > 30 min).
    short_max_median_speed_kn : float
        Default 2 kn (as GFW).
    short_min_shore_km : float
        Default 5 km (ours: excludes berths, harbour basins and anchorages as the shore layer
        places them - measured on the simulator, moored boats sit 3.5-4.5 km from its coastline;
        Starboard uses 10 km).
    short_max_duration_h : float
        Default 3 h (ours: a near-shore transfer is short; vessels rafted or moored together for
        longer are not a transfer. Long offshore meetings are the ``gfw`` profile's).
    short_moored_max_sog_kn : float
        Default 0.1 kn (ours): when both vessels' median *reported* SOG is below this they are
        moored or at anchor together (vessels drifting at sea report 0.2-1 kn), not transferring.
        Measured on the simulator: moored boats report 0.0 kn, a drifting reefer 0.2 kn.
    short_merge_gap_h : float
        Default 1 h (ours: repeated short contacts within an hour are one transfer).
    """

    max_dist_m: float = 500.0
    min_duration_h: float = 2.0
    max_median_speed_kn: float = 2.0
    min_shore_km: float = 10.0
    grid_min: float = 10.0
    max_interp_gap_h: float = 1.0
    merge_gap_h: float = 4.0
    cell_km: float = 2.0
    short_enabled: bool = True
    short_max_dist_m: float = 250.0
    short_min_duration_h: float = 0.5
    short_max_median_speed_kn: float = 2.0
    short_min_shore_km: float = 5.0
    short_max_duration_h: float = 3.0
    short_moored_max_sog_kn: float = 0.1
    short_merge_gap_h: float = 1.0

    @property
    def profiles(self) -> tuple[EncounterProfile, ...]:
        """The profiles this config runs, in order: ``gfw``, then ``short_transfer`` when
        ``short_enabled`` (the flat keys above are the TOML surface; this is their grouping).

        Examples
        --------
        >>> [(p.name, p.max_dist_m) for p in EncounterConfig().profiles]
        [('gfw', 500.0), ('short_transfer', 250.0)]
        >>> len(EncounterConfig(short_enabled=False).profiles)
        1
        """
        gfw = EncounterProfile(
            name=GFW,
            max_dist_m=self.max_dist_m,
            min_duration_h=self.min_duration_h,
            max_median_speed_kn=self.max_median_speed_kn,
            min_shore_km=self.min_shore_km,
            merge_gap_h=self.merge_gap_h,
        )
        if not self.short_enabled:
            return (gfw,)
        short = EncounterProfile(
            name=SHORT_TRANSFER,
            max_dist_m=self.short_max_dist_m,
            min_duration_h=self.short_min_duration_h,
            max_median_speed_kn=self.short_max_median_speed_kn,
            min_shore_km=self.short_min_shore_km,
            merge_gap_h=self.short_merge_gap_h,
            max_duration_h=self.short_max_duration_h,
            moored_max_sog_kn=self.short_moored_max_sog_kn,
            yields_to=GFW,
        )
        return (gfw, short)


#: Grid instants per block of the neighbour search (2 h at the default 10 min): the grid and the
#: join are built one block at a time, so memory follows a block, not the whole day (measured at
#: 10 M positions: the command's peak fell from 7.5-9.2 GB to 4.6 GB, and the step got faster).
BLOCK_INSTANTS = 12

#: Columns of the grid's owners (one row per position owning grid instants).
_OWNER_SCHEMA = {
    "_pi": pl.UInt32(),
    "_sid": pl.UInt32(),
    S.MMSI: pl.UInt32(),
    "_ms": pl.Int64(),
    "_run0": pl.UInt32(),
    "_klo": pl.Int64(),
    "_khi": pl.Int64(),
}

#: Owner columns carried to the owner's grid points.
_KEEP = ("_pi", "_sid", S.MMSI, "_ms", "_run0")

#: Grid instants per block of the strided neighbour search (4 h at the default 10 min, of which
#: a quarter are searched: ~0.5 M points at 10 M positions, half the working set of 12 x 4
#: instants). Each instant is searched alone, so the block size does not change the pairs.
STRIDED_BLOCK_INSTANTS = 24

_GRID_SCHEMA = {
    "_sid": pl.UInt32(),
    S.MMSI: pl.UInt32(),
    "_k": pl.Int64(),
    S.LAT: pl.Float64(),
    S.LON: pl.Float64(),
    "_sp": pl.Float64(),
    "_sog": pl.Float64(),
    "_pi": pl.UInt32(),
}
#: The grid's columns without the speeds (the strided search's points).
_POINT_SCHEMA = {c: d for c, d in _GRID_SCHEMA.items() if c not in ("_sp", "_sog")}


#: Rows per slice (whole segments) in which the grid's owners are computed.
OWNER_SLICE_ROWS = 1 << 20


def _segment_slices(seg: pl.Series, rows: int) -> list[tuple[int, int]]:
    """``(start, end)`` row ranges of about ``rows`` rows that cut the frame only where ``seg``
    (increasing, as the prepared ``_seg``) changes.

    Examples
    --------
    >>> _segment_slices(pl.Series([1, 1, 1, 2, 2, 3, 4, 4], dtype=pl.UInt32), 2)
    [(0, 3), (3, 6), (6, 8)]
    """
    n = seg.len()
    cuts = {0, n}
    for r in range(rows, n, rows):  # the first row of the segment holding row r
        cuts.add(int(seg.search_sorted(seg[r], side="left")))
    ends = sorted(cuts)
    return [(a, b) for a, b in itertools.pairwise(ends) if b > a]


class _Grid:
    """Positions resampled onto the global grid, built for one block of instants at a time.

    Each position of the prepared frame (sorted by segment, ts) *owns* the grid instants from
    its own time up to (not including) the next position's time in its segment: at those
    instants it is the last position at or before the instant, the start of the interpolation.
    Expanding each position's range of instants gives the whole grid in one pass, with no search
    and no join. The comparison is at millisecond resolution, as a binary search of the instants
    on a (segment, millisecond) key of the positions found them (the grid's points, their values
    and its blocks are those of that search).
    """

    def __init__(self, p: pl.DataFrame, cfg: EncounterConfig, stride: int = 1) -> None:
        self.cfg = cfg
        self.step_us = int(cfg.grid_min * 60e6)
        self.empty = p.height == 0
        self.stride = stride
        self._p = p
        self._owners: pl.DataFrame | None = None
        #: the owners of an instant that is a multiple of ``stride`` (those of the strided search)
        self.strided = pl.DataFrame(schema=_OWNER_SCHEMA)
        if self.empty:
            self._owners = pl.DataFrame(schema=_OWNER_SCHEMA)
            return
        # the prepared columns themselves (no copy); the values the grid reads are computed for
        # the gathered rows only (see _side)
        self.side = p.select(S.TS, S.LAT, S.LON, S.IMPLIED_SPEED_KN, S.SOG_KN)
        # computed over slices of whole segments (every expression reads its own segment's
        # rows only), each filtered to its owners before the next: the working set of the
        # expressions is a slice's, not all rows' (at 10 M rows +0.56 GiB in one piece). With a
        # stride, only the strided owners are kept: the other owners are needed for the few
        # segments the strided search finds (:meth:`owners_of`), not for all (at 10 M rows
        # 7.1 M owners, 0.28 GiB, against 3.3 M strided)
        if stride > 1:
            self.strided = self._sliced_owners(stride)
        else:
            self._owners = self._sliced_owners(1)

    def _sliced_owners(self, stride: int) -> pl.DataFrame:
        """The owners of all segments (``stride`` > 1: only those of an instant that is a
        multiple of ``stride``), computed slice by slice."""
        p = self._p
        parts = []
        for start, end in _segment_slices(p[SEG], OWNER_SLICE_ROWS):
            row = pl.int_range(pl.len(), dtype=pl.UInt32) + start
            part = self._owner_rows(p.slice(start, end - start).lazy(), row)
            if stride > 1:  # (a filter of the whole owners frame would copy it first)
                part = part.filter(pl.col("_khi") // stride * stride >= pl.col("_klo"))
            parts.append(part)
        return pl.concat(parts, rechunk=False) if stride == 1 else pl.concat(parts)

    def _owner_rows(self, frame: pl.LazyFrame, row: pl.Expr) -> pl.DataFrame:
        """The owners among the rows of ``frame`` (whole segments of the prepared frame, in its
        order), ``row`` giving each row's number in the prepared frame."""
        step = self.step_us
        t = pl.col(S.TS).dt.epoch("us")
        ms_us = t // 1000 * 1000  # the time truncated to the millisecond, in microseconds
        # the segment's first and last grid instants (those within its time span); the frame is
        # sorted by segment, so its first and last rows are found by neighbours, not a group-by
        k_first = pl.when(~same_as_prev()).then((t + step - 1) // step).forward_fill()
        k_last = pl.when(~same_as_next()).then(t // step).backward_fill()
        # instants from this position's (ms) time to before the next one's; the segment's last
        # position owns only the segment's last instant (when it falls on that position's ms)
        k_lo = pl.max_horizontal((ms_us + step - 1) // step, k_first)
        k_hi = (
            pl.when(same_as_next())
            .then(pl.min_horizontal((ms_us.shift(-1) + step - 1) // step - 1, k_last))
            .otherwise(k_last)
        )
        # the first position of the run of positions sharing this one's (segment, ms): the
        # bracketing "next" position when an instant falls exactly on this millisecond
        run_start = pl.when(~(same_as_prev() & (ms_us == ms_us.shift()))).then(row).forward_fill()
        return (
            frame.select(
                row.alias("_pi"),
                pl.col(SEG).alias("_sid"),
                S.MMSI,
                (ms_us // 1000).alias("_ms"),
                run_start.alias("_run0"),
                k_lo.alias("_klo"),
                k_hi.alias("_khi"),
            )
            .filter(pl.col("_klo") <= pl.col("_khi"))
            .collect(engine=ENGINE)
        )

    @property
    def owners(self) -> pl.DataFrame:
        """Every position owning grid instants (``_OWNER_SCHEMA``), sorted by segment and time."""
        if self._owners is None:
            self._owners = self._sliced_owners(1)
        return self._owners

    def owners_of(self, segments: pl.Series) -> pl.DataFrame:
        """The rows of :attr:`owners` of the prepared segments ``segments`` (``_seg`` codes), in
        the same order; computed from those segments' rows alone when :attr:`owners` is not
        held (a strided grid)."""
        if self._owners is not None:
            return self._owners.filter(pl.col("_sid").is_in(segments.implode()))
        p = self._p
        # whole segments with their prepared row numbers: each segment's owners depend on its
        # own rows alone, as over a slice
        rows = p[SEG].is_in(segments.implode()).arg_true()
        frame = p.select(SEG, S.MMSI, S.TS).gather(rows).with_columns(rows.alias("_row"))
        return self._owner_rows(frame.lazy(), pl.col("_row"))

    def _side(self, rows: pl.Series, speeds: bool = True) -> pl.DataFrame:
        """Time (us), position and (with ``speeds``) speeds of the prepared ``rows``."""
        if not speeds:
            return (
                self.side.select(S.TS, S.LAT, S.LON)
                .gather(rows)
                .select(pl.col(S.TS).dt.epoch("us").alias("_t"), S.LAT, S.LON)
            )
        sp = pl.coalesce(pl.col(S.IMPLIED_SPEED_KN), pl.col(S.SOG_KN).cast(pl.Float64))
        return self.side.gather(rows).select(
            pl.col(S.TS).dt.epoch("us").alias("_t"),
            S.LAT,
            S.LON,
            sp.alias("_sp"),
            pl.col(S.SOG_KN).cast(pl.Float64).alias("_sog"),
        )

    def blocks(self, size: int, owners: pl.DataFrame | None = None) -> list[tuple[int, int]]:
        """``(first, last)`` grid instants of the blocks of ``size`` instants that hold data
        (of ``owners``, default all).

        Blocks are aligned on multiples of ``size`` and only those overlapping some segment's
        extent are listed, so the count follows the segments' durations, never the time span
        of the data: a 1970 row among 2024 data adds one block, not 2.8 million.
        """
        if self.empty:
            return []
        owners = self.owners if owners is None else owners
        if owners.height == 0:
            return []
        # the blocks of each owner's first and last instants, and (for the few owners whose
        # instants span three blocks or more) those between: no list per owner
        b0, b1 = pl.col("_klo").floordiv(size), pl.col("_khi").floordiv(size)
        ids = (
            pl.concat(
                [
                    owners.select(b0.unique().alias("_b")),
                    owners.select(b1.unique().alias("_b")),
                    owners.filter(b1 - b0 >= 2)
                    .select(pl.int_ranges(b0 + 1, b1).alias("_b"))
                    .explode("_b"),
                ]
            )
            .unique()
            .sort("_b")["_b"]
        )
        return [(b * size, b * size + size - 1) for b in ids.to_list()]

    def build(
        self,
        lo: int,
        hi: int,
        *,
        stride: int = 1,
        owners: pl.DataFrame | None = None,
        speeds: bool = True,
    ) -> pl.DataFrame:
        """Grid points of instants ``lo..hi`` (one row per segment and instant); with ``stride``
        only the instants that are multiples of it, with ``owners`` only those owners' points;
        without ``speeds``, no ``_sp, _sog`` (the same other columns)."""
        if self.empty:
            return pl.DataFrame(schema=_GRID_SCHEMA)
        first = pl.max_horizontal("_klo", pl.lit(lo))
        if stride > 1:  # the first multiple of stride at or after it
            first = (first + (stride - 1)) // stride * stride
        last = pl.min_horizontal("_khi", pl.lit(hi))
        slots = (
            (self.owners if owners is None else owners)
            .lazy()
            .filter((pl.col("_klo") <= hi) & (pl.col("_khi") >= lo))
            .select(*_KEEP, first.alias("_k0"), last.alias("_k1"))
            .filter(pl.col("_k0") <= pl.col("_k1"))
            .select(*_KEEP, pl.int_ranges("_k0", pl.col("_k1") + 1, step=stride).alias("_k"))
            .explode("_k")
            .with_columns(self._next_row())
            .collect(engine=ENGINE)
        )
        return self._points(slots, speeds)

    def _next_row(self) -> pl.Expr:
        """``_ni``: the prepared row of the position after the grid point's instant (the first
        of the run sharing the owner's millisecond when the instant falls on it)."""
        return (
            pl.when(pl.col("_k") * self.step_us // 1000 == pl.col("_ms"))
            .then(pl.col("_run0"))
            .otherwise(pl.col("_pi") + 1)
            .alias("_ni")
        )

    def points_at(self, at: pl.DataFrame, owners: pl.DataFrame) -> pl.DataFrame | None:
        """The grid points of the (segment ``_sid``, instant ``_k``) rows of ``at`` that exist
        (the same values as :meth:`build` gives them), or None when the owners cannot be
        searched on one packed key (then the caller does without). ``owners``: the rows of
        :attr:`owners` of (at least) the segments of ``at`` (:meth:`owners_of`).

        Each instant's owner is found by a binary search of the owners on a packed
        ``(segment, first instant)`` key (they are sorted by it: rows of a segment in time
        order own consecutive ranges of instants), not by building the segments' grids.
        """
        o = owners
        if self.empty or o.height == 0 or at.height == 0:
            return pl.DataFrame(schema=_GRID_SCHEMA)
        k_min, k_max = int(o["_klo"].min()), int(o["_khi"].max())  # type: ignore[arg-type]
        width = k_max - k_min + 2
        if (int(o["_sid"].max()) + 1) * width >= 2**62:  # type: ignore[arg-type]
            return None
        key = o["_sid"].cast(pl.Int64) * width + (o["_klo"] - k_min)
        if not key.is_sorted():
            return None
        at = at.filter(pl.col("_k").is_between(k_min, k_max))
        want = at["_sid"].cast(pl.Int64) * width + (at["_k"] - k_min)
        j = (key.search_sorted(want, side="right").cast(pl.Int64) - 1).clip(lower_bound=0)
        cand = o.gather(j).with_columns(at["_k"])
        ok = (cand["_sid"] == at["_sid"]) & (cand["_klo"] <= at["_k"]) & (cand["_khi"] >= at["_k"])
        slots = cand.filter(ok).select(*_KEEP, "_k").with_columns(self._next_row())
        return self._points(slots)

    def _points(self, slots: pl.DataFrame, speeds: bool = True) -> pl.DataFrame:
        """Grid points of ``slots`` (owner columns, ``_k`` and ``_ni``): the position
        interpolated between the owner and the next position, where they are close enough in
        time (without ``speeds``: no ``_sp, _sog``)."""
        step = self.step_us
        i_prev = slots["_pi"]
        a = self._side(i_prev, speeds)
        b = self._side(slots["_ni"], speeds)
        g = pl.DataFrame(
            {
                "_sid": slots["_sid"],
                S.MMSI: slots[S.MMSI],
                "_k": slots["_k"],
                "_t": slots["_k"] * step,
                "_t0": a["_t"],
                "_t1": b["_t"],
                "_lat0": a[S.LAT],
                "_lon0": a[S.LON],
                "_lat1": b[S.LAT],
                "_lon1": b[S.LON],
                **({"_sp0": a["_sp"], "_sp1": b["_sp"], "_sog": a["_sog"]} if speeds else {}),
                "_pi": i_prev,
            }
        )
        del a, b
        span = pl.col("_t1") - pl.col("_t0")
        frac = pl.when(span > 0).then((pl.col("_t") - pl.col("_t0")) / span).otherwise(0.0)
        speed: list[pl.Expr] = [
            pl.when(span > 0).then(pl.col("_sp1")).otherwise(pl.col("_sp0")).alias("_sp"),
            pl.col("_sog"),
        ]
        schema = _GRID_SCHEMA if speeds else _POINT_SCHEMA
        return (
            g.lazy()
            .filter((span <= 0) | (span < int(self.cfg.max_interp_gap_h * 3.6e9)))
            .select(
                "_sid",
                S.MMSI,
                "_k",
                (pl.col("_lat0") + frac * (pl.col("_lat1") - pl.col("_lat0"))).alias(S.LAT),
                (pl.col("_lon0") + frac * (pl.col("_lon1") - pl.col("_lon0"))).alias(S.LON),
                *(speed if speeds else []),
                "_pi",
            )
            .collect(engine=ENGINE)
            .cast(schema)  # type: ignore[arg-type]
        )


def _grid(p: pl.DataFrame, cfg: EncounterConfig) -> pl.DataFrame:
    """Positions resampled onto the global grid (one row per segment and grid instant)."""
    grid = _Grid(p, cfg)
    parts = [grid.build(lo, hi) for lo, hi in grid.blocks(1 << 62)]
    return pl.concat(parts) if parts else pl.DataFrame(schema=_GRID_SCHEMA)


#: Latitude beyond which the neighbour search visits every cell of its stencil (no pruning by
#: the distance to the cell's edges, see :func:`_neighbour_reach`).
_PRUNE_MAX_LAT = 80.0
#: Safety factor on the largest coordinate differences of two points within the radius.
_REACH_MARGIN = 1.1


def _neighbour_reach(radius_m: float, max_lat: float, cell: float) -> tuple[float, float] | None:
    """The largest latitude and longitude differences (degrees, with a 10 % margin) of two points
    within ``radius_m`` of each other and at most ``max_lat`` from the equator, or None (visit
    every neighbour cell) beyond :data:`_PRUNE_MAX_LAT` or when a difference reaches a cell.

    On the sphere, ``hav(d/R) = hav(dlat) + cos(lat1) cos(lat2) hav(dlon)``: so
    ``|dlat| <= d/R`` and ``hav(dlon) <= hav(d/R) / cos(max_lat)**2``.
    """
    if max_lat > _PRUNE_MAX_LAT:
        return None
    ang = radius_m / EARTH_RADIUS_M
    s = math.sin(ang / 2.0) / math.cos(math.radians(max_lat))
    if ang >= math.pi / 2 or s >= 1.0:
        return None
    dlat = math.degrees(ang) * _REACH_MARGIN
    dlon = math.degrees(2.0 * math.asin(s)) * _REACH_MARGIN
    if dlat >= cell or dlon >= cell:
        return None
    return dlat, dlon


def _reaches(cell: float, nx: int, reach: tuple[float, float] | None) -> list[pl.Expr]:
    """``_up``, ``_east``, ``_west``: whether a point (``lat``, ``lon``) can have a neighbour
    within ``reach`` (latitude, longitude difference in degrees; None: anywhere) in the cell
    above, east of or west of its own: whether the point lies within reach of that side. The
    cells by the antimeridian (whose width may differ) always reach east and west."""
    if reach is None:
        return [pl.lit(True).alias(c) for c in ("_up", "_east", "_west")]
    dlat, dlon = reach
    y = (pl.col(S.LAT) + 90.0) / cell
    x = (pl.col(S.LON) + 180.0) / cell
    x0 = x.floor()
    wrap = (x0 <= 0) | (x0 >= nx - 1)
    return [
        ((1.0 - (y - y.floor())) * cell <= dlat).alias("_up"),
        (((1.0 - (x - x0)) * cell <= dlon) | wrap).alias("_east"),
        (((x - x0) * cell <= dlon) | wrap).alias("_west"),
    ]


#: Columns of each grid point in a pair row (:func:`_close_in_block`).
_PAIR_COLS = ("_k", "_sid", S.MMSI, S.LAT, S.LON, "_sp", "_sog", "_pi")


def _close_in_block(
    g: pl.DataFrame, cfg: EncounterConfig, radius_m: float, cols: Sequence[str] = _PAIR_COLS
) -> pl.DataFrame:
    """Pairs of grid points of ``g`` (same instant, different MMSIs) within ``radius_m``.

    Columns ``cols`` of both points (``_r`` for the other vessel's, ``_k`` once) and ``_d``;
    ``mmsi < other mmsi``.
    The cell size only indexes the search (each candidate's true distance is checked), so it may
    differ between blocks: any cell covering ``radius_m`` finds the same pairs.
    """
    max_lat = float(g[S.LAT].abs().max() or 0.0) if g.height else 0.0  # type: ignore[arg-type]
    cell = cell_deg_for(radius_m, cfg.cell_km, max_lat)
    nx = math.ceil(360.0 / cell)
    ny = math.ceil(180.0 / cell) + 3
    k0 = int(g["_k"].min() or 0) if g.height else 0  # type: ignore[arg-type]
    # one Int64 key per (instant, cell): a single-column hash join
    cy = ((pl.col(S.LAT) + 90.0) / cell).floor().cast(pl.Int64) + 1
    cx = ((pl.col(S.LON) + 180.0) / cell).floor().cast(pl.Int64) % nx

    base = g.select(
        pl.int_range(pl.len(), dtype=pl.UInt32).alias("_gi"),
        S.MMSI,
        S.LAT,
        S.LON,
        ((pl.col("_k") - k0) * ny + cy).alias("_ky"),
        cx.alias("_cx"),
        *_reaches(cell, nx, _neighbour_reach(radius_m, max_lat, cell)),
    ).lazy()

    def key(dy: int, dx: int) -> pl.Expr:
        return ((pl.col("_ky") + dy) * nx + (pl.col("_cx") + dx) % nx).alias("_key")

    left = base.select("_gi", S.MMSI, S.LAT, S.LON, key(0, 0))
    # half stencil: each unordered pair of neighbouring cells is visited once; within one cell both
    # orders meet, so there the pair is kept only with mmsi < other mmsi. A point goes into a
    # neighbour cell only when it lies within reach of that side of its own (see _reaches).
    stencil = {
        (0, 0): pl.lit(True),
        (0, 1): pl.col("_east"),
        (1, -1): pl.col("_up") & pl.col("_west"),
        (1, 0): pl.col("_up"),
        (1, 1): pl.col("_up") & pl.col("_east"),
    }
    right = pl.concat(
        [
            base.filter(cond).select(
                pl.col("_gi").alias("_gi_r"),
                pl.col(S.MMSI).alias("_mmsi_r"),
                pl.col(S.LAT).alias("_lat_r"),
                pl.col(S.LON).alias("_lon_r"),
                pl.lit((dy, dx) != (0, 0)).alias("_moved"),
                key(dy, dx),
            )
            for (dy, dx), cond in stencil.items()
        ]
    )
    found = (
        left.join(right, on="_key", how="inner")
        .filter(
            (pl.col(S.MMSI) != pl.col("_mmsi_r"))
            & (pl.col("_moved") | (pl.col(S.MMSI) < pl.col("_mmsi_r")))
        )
        .with_columns(haversine_m(S.LAT, S.LON, "_lat_r", "_lon_r").alias("_d"))
        .filter(pl.col("_d") <= radius_m)
        .select(
            # orient every pair as mmsi < other mmsi
            pl.when(pl.col(S.MMSI) < pl.col("_mmsi_r"))
            .then(pl.col("_gi"))
            .otherwise(pl.col("_gi_r"))
            .alias("_a"),
            pl.when(pl.col(S.MMSI) < pl.col("_mmsi_r"))
            .then(pl.col("_gi_r"))
            .otherwise(pl.col("_gi"))
            .alias("_b"),
            "_d",
        )
        .collect(engine=ENGINE)
    )
    return _with_other(
        g.select(cols).gather(found["_a"]), g.select(cols).gather(found["_b"]), found
    )


def _stride(cfg: EncounterConfig) -> int:
    """The fewest consecutive grid instants of a run any profile keeps (its shortest duration):
    every such run holds an instant that is a multiple of this number."""
    step_h = cfg.grid_min / 60.0
    shortest = min(prof.min_duration_h for prof in cfg.profiles)
    # _runs keeps a run when (k1 - k0) * step_h >= min_duration_h - 1e-9
    span = max(0, math.ceil((shortest - 1e-9) / step_h - 1e-9))
    while span > 0 and span * step_h < shortest - 1e-9:  # guard the float rounding of ceil
        span += 1
    while span > 0 and (span - 1) * step_h >= shortest - 1e-9:
        span -= 1
    return span + 1


def _close_strided(grid: _Grid, cfg: EncounterConfig, radius_m: float, stride: int) -> pl.DataFrame:
    """What :func:`_close_in_block` finds over all blocks, for the segment pairs that can form
    a run long enough for some profile, found with a quarter (1 / ``stride``) of the grid.

    A run is kept only when it spans at least ``stride`` consecutive instants (see
    :func:`_stride`), and any ``stride`` consecutive integers hold one multiple of ``stride``:
    so every pair of segments with such a run is within ``radius_m`` at an instant that is a
    multiple of ``stride``, and at the instant before or after it. The neighbour search runs
    on those instants alone, the pairs it found are checked at the instants next to them
    (:func:`_close_beside`); then, for the segment pairs left, every instant's points are
    paired directly and their distance computed the same way. The pair instants of other
    segment pairs belong to runs shorter than every profile's minimum, which :func:`_runs`
    drops: the events are the same.
    """
    # the owners of an instant that is a multiple of the stride (the others have no point here)
    strided = grid.strided
    if grid.stride != stride:
        strided = grid.owners.filter(pl.col("_khi") // stride * stride >= pl.col("_klo"))
    # (positions alone: the speeds are read for the pairs' instants of the second pass)
    found = [
        _close_in_block(
            grid.build(lo, hi, stride=stride, owners=strided, speeds=False),
            cfg,
            radius_m,
            ("_k", "_sid"),
        ).drop("_d")
        for lo, hi in grid.blocks(STRIDED_BLOCK_INSTANTS, strided)
    ]
    del strided
    hits = (
        pl.concat(found)
        if found
        else pl.DataFrame(schema={"_k": pl.Int64(), "_sid": pl.UInt32(), "_sid_r": pl.UInt32()})
    )
    pairs = _close_beside(grid, hits, radius_m) if stride > 1 else None
    if pairs is None:
        pairs = hits.select("_sid", "_sid_r").unique()
    cols = list(_PAIR_COLS)
    if pairs.height == 0:
        empty = pl.DataFrame(schema=_GRID_SCHEMA).select(cols)
        return _with_other(empty, empty, pl.DataFrame(schema={"_d": pl.Float64()}))
    segments = pl.concat([pairs["_sid"], pairs["_sid_r"]]).unique()
    owners = grid.owners_of(segments)
    parts = []
    for lo, hi in grid.blocks(BLOCK_INSTANTS, owners):
        g = grid.build(lo, hi, owners=owners).select(cols)
        other = g.select(
            "_k", *(pl.col(c).alias(_OTHER.get(c, f"{c}_r")) for c in cols if c != "_k")
        )
        both = (
            g.lazy()
            .join(pairs.lazy(), on="_sid")
            .join(other.lazy(), on=["_k", "_sid_r"])
            .with_columns(haversine_m(S.LAT, S.LON, "_lat_r", "_lon_r").alias("_d"))
            .filter(pl.col("_d") <= radius_m)
            .collect(engine=ENGINE)
        )
        parts.append(both)
    return (
        pl.concat(parts)
        if parts
        else _with_other(
            pl.DataFrame(schema=_GRID_SCHEMA).select(cols),
            pl.DataFrame(schema=_GRID_SCHEMA).select(cols),
            pl.DataFrame(schema={"_d": pl.Float64()}),
        )
    )


def _close_beside(grid: _Grid, hits: pl.DataFrame, radius_m: float) -> pl.DataFrame | None:
    """The segment pairs of ``hits`` (pair instants ``_k, _sid, _sid_r`` within ``radius_m``
    at multiples of the stride) that are also within ``radius_m`` at an instant next to a hit
    (None: the grid's owners could not be searched, see :meth:`_Grid.points_at`).

    A run a profile keeps spans the stride's number of consecutive instants, two or more, so it
    holds a multiple of the stride and the instant before or after it: the other pairs' runs are
    all dropped. Most pairs found at a multiple of the stride are vessels passing each other,
    close at that instant alone (at 10 M positions 8,422 pairs at 8,433 instants); only the
    points of the hits' neighbour instants are built, not every instant of their segments. The
    distance is the one :func:`_close_strided` computes (a hair of tolerance: it only selects).
    """
    beside = pl.concat([hits.with_columns(pl.col("_k") + d) for d in (-1, 1)])
    at = pl.concat(
        [beside.select("_sid", "_k"), beside.select(pl.col("_sid_r").alias("_sid"), "_k")]
    ).unique()
    points = grid.points_at(at, grid.owners_of(at["_sid"].unique()))
    if points is None:
        return None
    own = points.select("_sid", "_k", S.LAT, S.LON)
    other = own.select(
        pl.col("_sid").alias("_sid_r"),
        "_k",
        pl.col(S.LAT).alias("_lat_r"),
        pl.col(S.LON).alias("_lon_r"),
    )
    return (
        beside.lazy()
        .join(own.lazy(), on=["_sid", "_k"])
        .join(other.lazy(), on=["_sid_r", "_k"])
        .filter(haversine_m(S.LAT, S.LON, "_lat_r", "_lon_r") <= radius_m * (1.0 + 1e-9))
        .select("_sid", "_sid_r")
        .unique()
        .collect(engine=ENGINE)
    )


#: Names of the other vessel's columns in a pair row (the rest get an ``_r`` suffix).
_OTHER = {S.MMSI: "_mmsi_r", S.LAT: "_lat_r", S.LON: "_lon_r"}


def _with_other(a: pl.DataFrame, b: pl.DataFrame, d: pl.DataFrame) -> pl.DataFrame:
    """Pair rows: ``a``'s columns, ``b``'s (but ``_k``) renamed as the other vessel's, ``_d``."""
    b = b.drop("_k")
    b = b.rename({c: _OTHER.get(c, f"{c}_r") for c in b.columns})
    return pl.concat([a, b, d.select("_d")], how="horizontal")


def encounter_pairs(
    p: pl.DataFrame, cfg: EncounterConfig, radius_m: float, *, stride: int = 1
) -> pl.DataFrame:
    """Grid instants at which two segments of different MMSIs are within ``radius_m``.

    One row per (instant, segment pair) with ``mmsi < other_mmsi``; columns ``_k`` (grid index),
    ``_sid``/``_sid_r`` (segment codes), positions, speeds, shore, EEZ and zone of both.
    Instants never meet each other, so the grid is built and searched one block of
    :data:`BLOCK_INSTANTS` instants at a time (the whole day's grid and join are never held).
    With ``stride`` > 1, only the segment pairs within ``radius_m`` at some instant that is a
    multiple of ``stride`` and at the instant before or after it (all their instants; see
    :func:`_close_strided`): every pair with ``stride`` or more consecutive close instants.
    """
    grid = _Grid(p, cfg, stride)
    if stride > 1:
        close = _close_strided(grid, cfg, radius_m, stride)
    else:
        parts = [
            _close_in_block(grid.build(lo, hi), cfg, radius_m)
            for lo, hi in grid.blocks(BLOCK_INSTANTS)
        ]
        close = (
            pl.concat(parts)
            if parts
            else _close_in_block(pl.DataFrame(schema=_GRID_SCHEMA), cfg, radius_m)
        )
        del parts
    # labels only for the pair instants (gathering lists for every grid point is costly)
    la = p.select(S.SHORE_KM, S.EEZ_ISO3, S.ZONE_IDS).gather(close["_pi"])
    lb = p.select(pl.col(S.SHORE_KM).alias("_shore_r")).gather(close["_pi_r"])
    pairs = pl.concat(
        [
            close.drop("_pi", "_pi_r", "_d"),
            la.with_columns(first_zone_expr().alias("_zone")).drop(S.ZONE_IDS),
            lb,
            close.select("_d"),
        ],
        how="horizontal",
    )
    seg_ids = p.lazy().filter(~same_as_prev()).select(SEG, S.SEGMENT_ID)
    return (
        pairs.lazy()
        .join(seg_ids.rename({SEG: "_sid"}), on="_sid", how="left")
        .join(seg_ids.rename({SEG: "_sid_r", S.SEGMENT_ID: "_seg_r"}), on="_sid_r", how="left")
        .collect(engine=ENGINE)
    )


def _runs(
    pairs: pl.LazyFrame,
    *,
    radius_m: float,
    min_duration_h: float,
    merge_gap_h: float,
    step_h: float,
) -> pl.LazyFrame:
    """Group pair instants into merged runs; returns pair rows with a ``_grp`` id per event."""
    key = ["_sid", "_sid_r"]
    rows = (
        pairs.filter(pl.col("_d") <= radius_m)
        .sort(*key, "_k")
        .with_columns(runs_id(pl.col("_k") - prev_in(pl.col("_k"), *key) != 1, *key).alias("_run"))
    )
    runs = (
        rows.group_by(*key, "_run")
        .agg(pl.col("_k").min().alias("_k0"), pl.col("_k").max().alias("_k1"))
        .filter((pl.col("_k1") - pl.col("_k0")) * step_h >= min_duration_h - 1e-9)
        .sort(*key, "_k0")
        .with_columns(
            runs_id(
                (pl.col("_k0") - prev_in(pl.col("_k1"), *key)) * step_h >= merge_gap_h, *key
            ).alias("_grp")
        )
        .select(*key, "_run", "_grp")
    )
    return rows.join(runs, on=[*key, "_run"], how="inner")


def _aggregate(rows: pl.LazyFrame, step_us: int) -> pl.LazyFrame:
    key = ["_sid", "_sid_r", "_grp"]
    return (
        rows.group_by(key)
        .agg(
            pl.col(S.MMSI).first(),
            pl.col("_mmsi_r").first().alias(S.OTHER_MMSI),
            pl.col(S.SEGMENT_ID).first(),
            pl.col("_seg_r").first().alias("_other_seg"),
            pl.col("_k").min().alias("_k0"),
            pl.col("_k").max().alias("_k1"),
            pl.len().alias("_n"),
            pl.col("_d").median().alias("_med_d"),
            pl.col("_d").min().alias("_min_d"),
            pl.col("_sp").median().alias("_med_sp"),
            pl.col("_sog").median().alias("_med_sog"),
            pl.col("_sog_r").median().alias("_med_sog_r"),
            pl.col("_sp_r").median().alias("_med_sp_r"),
            # exact whatever order the rows of a group are added in (see _common.exact_sum)
            exact_mean((pl.col(S.SHORE_KM) + pl.col("_shore_r")) / 2, 6).alias(S.SHORE_KM),
            exact_mean((pl.col(S.LAT) + pl.col("_lat_r")) / 2, 9).alias(S.LAT),
            exact_mean((pl.col(S.LON) + pl.col("_lon_r")) / 2, 9).alias(S.LON),
            pl.col(S.LAT).sort_by("_k").first().alias(S.START_LAT),
            pl.col(S.LON).sort_by("_k").first().alias(S.START_LON),
            pl.col(S.LAT).sort_by("_k").last().alias(S.END_LAT),
            pl.col(S.LON).sort_by("_k").last().alias(S.END_LON),
            modes_agg(S.EEZ_ISO3).alias(S.EEZ_ISO3),
            pl.col("_zone").drop_nulls().sort().first().alias(S.EVENT_ZONE_ID),
        )
        .with_columns(
            smallest(pl.col(S.EEZ_ISO3)),
            pl.from_epoch(pl.col("_k0") * step_us, time_unit="us")
            .dt.replace_time_zone("UTC")
            .alias(S.START_TS),
            pl.from_epoch(pl.col("_k1") * step_us, time_unit="us")
            .dt.replace_time_zone("UTC")
            .alias(S.END_TS),
        )
    )


def detect_encounters(
    tracks: Frameish,
    config: EncounterConfig | None = None,
    *,
    prepared: pl.DataFrame | None = None,
    coverage: CoverageContext | None = None,
) -> pl.DataFrame:
    """Detect encounters (profiles ``gfw`` and ``short_transfer``); EVENT_SCHEMA rows.

    Each profile of :attr:`EncounterConfig.profiles` finds its runs among the same candidate
    pairs; a profile that ``yields_to`` another is not reported where that profile's encounter
    of the same pair overlaps it. Encounters in a harbour cell (a port or anchorage) are
    dropped: the cells of ``coverage`` (:func:`vessels.events.coverage.coverage_context` of
    all the run's positions), else of ``tracks``.
    """
    cfg = config or EncounterConfig()
    p = prepared if prepared is not None else prepare(tracks)
    profiles = cfg.profiles
    radius = max(prof.max_dist_m for prof in profiles)
    # only pairs close long enough for some profile (the runs of the others are dropped)
    pairs = encounter_pairs(p, cfg, radius, stride=_stride(cfg)).lazy()
    step_h = cfg.grid_min / 60.0
    step_us = int(cfg.grid_min * 60e6)
    found: dict[str, pl.LazyFrame] = {}
    parts = []
    for prof in profiles:
        keep = (pl.max_horizontal("_med_sp", "_med_sp_r") < prof.max_median_speed_kn) & (
            pl.col(S.SHORE_KM).is_null() | (pl.col(S.SHORE_KM) >= prof.min_shore_km)
        )
        if prof.max_duration_h is not None:
            keep = keep & ((pl.col("_k1") - pl.col("_k0")) * step_h <= prof.max_duration_h)
        if prof.moored_max_sog_kn is not None:
            # both reporting a speed of (almost) zero: moored or at anchor, not a transfer
            keep = keep & ~(
                pl.max_horizontal("_med_sog", "_med_sog_r") < prof.moored_max_sog_kn
            ).fill_null(False)
        runs = _runs(
            pairs,
            radius_m=prof.max_dist_m,
            min_duration_h=prof.min_duration_h,
            merge_gap_h=prof.merge_gap_h,
            step_h=step_h,
        )
        ev = (
            _aggregate(runs, step_us).filter(keep).with_columns(pl.lit(prof.name).alias("_profile"))
        )
        found[prof.name] = ev
        if prof.yields_to is not None and prof.yields_to in found:
            covered = found[prof.yields_to].select(
                "_sid", "_sid_r", pl.col("_k0").alias("_mk0"), pl.col("_k1").alias("_mk1")
            )
            overlapping = (
                ev.join(covered, on=["_sid", "_sid_r"], how="inner")
                .filter((pl.col("_k0") <= pl.col("_mk1")) & (pl.col("_k1") >= pl.col("_mk0")))
                .select("_sid", "_sid_r", "_grp")
                .unique()
            )
            ev = ev.join(overlapping, on=["_sid", "_sid_r", "_grp"], how="anti")
        parts.append(ev)
    # vessels side by side in a port or at an anchorage are not meeting (issue 13)
    ev = pl.concat(parts).filter(~harbour_expr(S.LAT, S.LON, harbour_cells(p, coverage)))
    summary = compile_template(
        "within {dist_m:.0f} m of MMSI {other} for {hours:.1f} h at {speed:.1f} kn{shore}{short}",
        fields={
            "dist_m": pl.col("_med_d"),
            "other": pl.col(S.OTHER_MMSI),
            "hours": (pl.col("_k1") - pl.col("_k0")) * step_h,
            "speed": pl.max_horizontal("_med_sp", "_med_sp_r"),
            "shore": clause(
                pl.col(S.SHORE_KM).is_not_null(),
                ", {km:.0f} km from shore",
                fields={"km": pl.col(S.SHORE_KM)},
            ),
            "short": clause(pl.col("_profile") == SHORT_TRANSFER, " (short transfer)"),
        },
        null=None,
        name="summary",
    )
    return finish(
        ev,
        "encounter",
        evidence={
            "summary": summary,
            "n_positions": pl.col("_n"),
            "other_segment_id": pl.col("_other_seg"),
            "median_dist_m": pl.col("_med_d"),
            "min_dist_m": pl.col("_min_d"),
            "median_speed_kn": pl.max_horizontal("_med_sp", "_med_sp_r"),
            "encounter_profile": pl.col("_profile"),
        },
        key=pl.concat_str(
            [pl.col(S.SEGMENT_ID), pl.col("_other_seg"), pl.col("_profile")], separator=":"
        ),
    )


def _detect(p: pl.DataFrame, cfg: EncounterConfig, ctx: Context) -> pl.DataFrame:
    return detect_encounters(p, cfg, prepared=p, coverage=ctx.coverage)


DETECTOR = register(
    Detector(
        event_type=S.ENCOUNTER,
        config=EncounterConfig,
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
            "n_positions",
            "other_segment_id",
            "median_dist_m",
            "min_dist_m",
            "median_speed_kn",
            "encounter_profile",
        ),
        label="Encounters",
        style={
            "radius": 8,
            "color": "#ffffff",
            "weight": 2,
            "fillColor": "#7b2cbf",
            "fillOpacity": 0.95,
        },
        doc="two vessels close together at low speed for hours, away from port (transshipment?)",
        risk_rules=("encounter", "network_contact"),
        scope="pair",
        order=40,
    )
)
