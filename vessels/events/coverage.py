"""Where and when the data can say a vessel went dark: ports, anchorages, the data horizon,
the edge of coverage and vessels that report too sparsely.

Real traffic (issue 13) taught four things the detectors must know before calling a silence
"dark":

- **Ports and anchorages.** A vessel moored in a harbour or lying at anchor is silent, slow and
  next to other vessels; that is a port call, not a rendezvous. Each position gets one boolean,
  :data:`HARBOUR`: true in a *port or anchorage*. It is the ``in_port`` / ``at_anchorage``
  columns of the zone labelling when they are present (World Port Index ports and learned
  anchorages, issue 12), or'ed with an anchorage learned from the data itself, the way GFW learns
  its anchorages (Global Fishing Watch, "Anchorages, ports and voyages": cells where many
  distinct vessels sit still): a ~1 km cell (:data:`CELL_DEG`) whose 3x3 neighbourhood holds
  stationary positions (speed below :data:`STATIONARY_KN`, GFW's 0.5 kn) of at least
  :data:`MIN_VESSELS` distinct vessels. GFW asks 20 vessels over years of data; a day of data
  needs fewer, and a two- or three-vessel meeting at sea is not a crowd. Like GFW, no distance
  from shore is imposed: ships queue at anchor wherever the port authority puts them.
- **The data horizon.** The end of the data is not the single latest row: a few stray late rows
  must not move it (real MarineCadastre extracts carry them). :func:`data_horizon` is the
  latest instant still reached by the bulk of the rows (the 99.9th percentile of ``ts`` once there
  are more than 1,000 rows).
- **The edge of coverage.** A silence that starts and ends at the edge of the data's extent is a
  vessel that left the area (a bounding-box extract, the range of a coastal receiver), not a
  vessel that went dark: :func:`edge_expr`.
- **Reception of the area.** A silence starting where every vessel is heard only a few times a
  day (a satellite hole, the fringe of a receiver's range) says nothing about the transponder:
  the reception grid of :mod:`vessels.events.reception` (positions per vessel-day per cell,
  learned from all the run's positions as GFW learns its reception maps) is part of the
  context, :attr:`CoverageContext.reception`.
- **Sparse reporting.** VMS and subsampled feeds report every 1-20 h; every interval is longer
  than a gap threshold. A vessel whose median interval between positions exceeds
  ``max_median_interval_min`` cannot support continuity-based detectors (gaps, dark rendezvous,
  loitering); :func:`sparse_mmsi` lists them, those detectors skip them, and ``vessels score``
  says so in ``summary.json`` (``warnings``).

Examples
--------
>>> import polars as pl
>>> from vessels.testing import make_track, staged
>>> from vessels.events._common import prepare
>>> p = with_harbour(prepare(staged(make_track(n=5, interval_s=600))))
>>> p[HARBOUR].any()
False
>>> sparse_mmsi(p, max_median_interval_min=30.0).to_list()
[]
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Final

import numpy as np
import polars as pl

from vessels import schema as S
from vessels.events._common import DEG_M, per_frame
from vessels.events.reception import medians_above, reception_from_parts, reception_parts

__all__ = [
    "AT_ANCHORAGE",
    "CELL_DEG",
    "EXTENT_Q",
    "FIGURES",
    "HARBOUR",
    "IN_PORT",
    "MIN_VESSELS",
    "STATIONARY_KN",
    "ContextPart",
    "CoverageContext",
    "Ladder",
    "TailCuts",
    "TailPart",
    "context_from_parts",
    "context_part",
    "context_tails",
    "coverage_context",
    "data_horizon",
    "edge_expr",
    "harbour_cells",
    "harbour_expr",
    "max_abs_lat",
    "sparse_mmsi",
    "tail_cuts",
    "with_harbour",
]

#: Per-position columns of the zone labelling (issue 12, geography) read when present; the same
#: names as ``vessels.schema`` gives them there.
IN_PORT: Final = "in_port"
AT_ANCHORAGE: Final = "at_anchorage"
#: Column added by :func:`with_harbour`: the position is in a port or an anchorage.
HARBOUR: Final = "_harbour"
#: Cell of the learned anchorages, degrees (~1.1 km of latitude).
CELL_DEG: Final = 0.01
#: A position is stationary below this speed (GFW anchorages: 0.5 kn).
STATIONARY_KN: Final = 0.5
#: Distinct stationary vessels in a cell's 3x3 neighbourhood that make it an anchorage (ours).
MIN_VESSELS: Final = 4
#: A silence starting and ending this close to the data's extent is "left the area" (ours), at
#: least :data:`EDGE_MIN_KM`.
EDGE_FRACTION: Final = 0.02
EDGE_MIN_KM: Final = 5.0
#: The extent of fewer vessels than this is theirs, not the coverage's: no edge (ours).
EDGE_MIN_VESSELS: Final = 20


def _cells(lat: str = S.LAT, lon: str = S.LON) -> list[pl.Expr]:
    return [
        (pl.col(lat) / CELL_DEG).floor().cast(pl.Int32).alias("_hcy"),
        (pl.col(lon) / CELL_DEG).floor().cast(pl.Int32).alias("_hcx"),
    ]


def _speed(names: list[str]) -> pl.Expr:
    parts = [pl.col(c).cast(pl.Float64) for c in (S.SOG_KN, S.IMPLIED_SPEED_KN) if c in names]
    return pl.coalesce(parts) if parts else pl.lit(None, pl.Float64)


def _located(p: pl.DataFrame | pl.LazyFrame) -> pl.LazyFrame:
    """The rows the detectors keep (:func:`vessels.events._common.prepare` drops the others)."""
    return p.lazy().filter(
        pl.col(S.TS).is_not_null() & pl.col(S.LAT).is_not_null() & pl.col(S.LON).is_not_null()
    )


def _still_cells(p: pl.DataFrame | pl.LazyFrame) -> pl.LazyFrame:
    """The distinct (vessel, ~1 km cell) of stationary positions: what anchorages learn from."""
    lf = p.lazy()
    sp = _speed(lf.collect_schema().names())
    return lf.filter((sp < STATIONARY_KN).fill_null(False)).select(S.MMSI, *_cells()).unique()


def _crowded(still: pl.LazyFrame) -> pl.LazyFrame:
    """Cells whose 3x3 neighbourhood holds :data:`MIN_VESSELS` distinct ``still`` vessels."""
    offsets = pl.LazyFrame(
        {"_dy": [dy for dy in (-1, 0, 1) for _ in range(3)], "_dx": [-1, 0, 1] * 3},
        schema={"_dy": pl.Int32, "_dx": pl.Int32},
    )
    return (
        still.join(offsets, how="cross")
        .select(
            S.MMSI,
            (pl.col("_hcy") + pl.col("_dy")).alias("_hcy"),
            (pl.col("_hcx") + pl.col("_dx")).alias("_hcx"),
        )
        .group_by("_hcy", "_hcx")
        .agg(pl.col(S.MMSI).n_unique().alias("_nv"))
        .filter(pl.col("_nv") >= MIN_VESSELS)
        .select("_hcy", "_hcx", pl.lit(True).alias("_learned"))
        .sort("_hcy", "_hcx")
    )


def _learned_cells(p: pl.DataFrame | pl.LazyFrame) -> pl.LazyFrame:
    """Anchorage cells learned from the stationary crowd (see module docstring)."""
    return _crowded(_still_cells(p))


#: ``(lat_lo, lat_hi, lon_lo, lon_hi)``: the 0.1 %-99.9 % range of the positions' coordinates.
Extent = tuple[float, float, float, float]


@dataclass(frozen=True)
class CoverageContext:
    """What the detectors must know about *all* the positions of a run, not one vessel's.

    Learned anchorages (a crowd of vessels), the data horizon and the coverage extent are
    properties of the whole input: a detector that sees a part of it (one MMSI bucket of a
    partitioned run, :mod:`vessels.partition`) must be given them, computed once over the whole
    input by :func:`coverage_context`. :func:`vessels.events.detect_events` computes them from its
    own input when not given, so the in-process run and a partitioned run take the same path.

    Attributes
    ----------
    learned
        Learned anchorage cells (``_hcy, _hcx, _learned``, see :func:`with_harbour`).
    horizon
        The robust end of the data (:func:`data_horizon`), None without positions.
    extent
        ``(lat_lo, lat_hi, lon_lo, lon_hi)``: the 0.1 %-99.9 % coordinate range of the positions
        (:func:`edge_expr`), None when fewer than :data:`EDGE_MIN_VESSELS` vessels (no edge).
    max_abs_lat
        The largest absolute latitude of the positions (sizes latitude-dependent cells).
    harbour
        The ~1 km cells holding a harbour position (:func:`harbour_cells`), once the positions
        are labelled; None: computed from the detector's own positions.
    reception
        The reception grid of all the positions
        (:func:`vessels.events.reception.reception_grid`); None: computed from the detector's
        own positions.
    """

    learned: pl.DataFrame
    horizon: Any
    extent: Extent | None
    max_abs_lat: float = 0.0
    harbour: pl.DataFrame | None = None
    reception: pl.DataFrame | None = None


def coverage_context(positions: pl.DataFrame | pl.LazyFrame) -> CoverageContext:
    """The :class:`CoverageContext` of ``positions`` (all of a run's positions; may be a scan).

    Only ``mmsi, ts, lat, lon``, ``dt_s`` and the speeds (``sog_kn``, ``implied_speed_kn``) are
    read. It is :func:`context_from_parts` of one :func:`context_part`: a partitioned run
    computes a part per MMSI bucket and merges them, the same code on the same rows.

    Examples
    --------
    >>> from vessels.testing import make_track
    >>> ctx = coverage_context(make_track(n=5, interval_s=600))
    >>> ctx.learned.height, str(ctx.horizon), ctx.extent, ctx.reception.height
    (0, '2024-03-01 00:40:00+00:00', None, 1)
    """
    return context_from_parts([context_part(positions)])


@dataclass(frozen=True)
class Ladder:
    """Every ``stride``-th of a part's extreme values of one figure, and the last one kept.

    The part's values of the figure (``ts`` or a coordinate without NaN; negated for a figure
    taken from the top, so that its extreme values are the smallest) in ascending order, at the
    ranks ``stride - 1, 2 stride - 1, ...`` and ``m - 1`` below ``m``, the fewer of the part's
    values and as many as the whole input's figure can need. From the ladders of all parts,
    :func:`tail_cuts` bounds where each figure lies; with a stride of 1 the ladder is the
    part's ``m`` extreme values themselves and settles it.

    Attributes
    ----------
    values
        The values at ``ranks`` (ascending).
    ranks
        Their 0-based ranks among the part's values (ascending, the last ``m - 1``).
    count
        The part's values of the figure (non-NaN).
    """

    values: np.ndarray
    ranks: np.ndarray
    count: int


@dataclass(frozen=True)
class ContextPart:
    """What :func:`context_from_parts` needs of one part of the positions (a few small frames).

    The coverage context is a set of whole-input figures; each is merged from per-part pieces
    that stay small whatever the part's size: counts, a :class:`Ladder` per order statistic
    (the horizon and the extent's four quantiles), the stationary (vessel, cell) pairs and the
    reception grid's (cell, vessel) rows. Parts must not share a vessel (the MMSI buckets of
    :mod:`vessels.partition`).

    Attributes
    ----------
    rows
        Located positions of the part.
    vessels
        Distinct MMSIs of the part.
    nan
        Per coordinate (``lat``, ``lon``): the part's count of NaN.
    ladders
        Per figure of :data:`FIGURES`: the part's :class:`Ladder`.
    stride
        The ladders' stride (1: they hold the part's extreme values themselves).
    ts_dtype
        The dtype of ``ts`` (the horizon's ladder holds its integers).
    max_abs_lat
        The part's largest absolute latitude (0 without positions).
    still
        Distinct ``mmsi, _hcy, _hcx`` of stationary positions (:func:`with_harbour`).
    reception
        :func:`vessels.events.reception.reception_parts` of the part.
    """

    rows: int
    vessels: int
    nan: dict[str, int]
    ladders: dict[str, Ladder]
    stride: int
    ts_dtype: pl.DataType
    max_abs_lat: float
    still: pl.DataFrame
    reception: pl.DataFrame


@dataclass(frozen=True)
class TailCuts:
    """Where each order statistic of the context lies, found from the parts' ladders.

    Per figure of :data:`FIGURES` that needs a second look at the positions: ``(rank, lower,
    upper)``, the figure being the value of 0-based ``rank`` among the (negated, for a figure
    from the top) values of all the parts, which lies in ``(lower, upper]`` (``lower`` None:
    unbounded). :func:`context_tails` returns each part's count below and values inside.
    """

    cuts: dict[str, tuple[int, Any, Any]]


#: Per figure of :data:`FIGURES`, a part's count at or below the cut's ``lower`` and the
#: distinct values inside the cut with their counts (:func:`context_tails`).
TailPart = dict[str, tuple[int, np.ndarray, np.ndarray]]

#: The coverage extent's quantiles (:func:`edge_expr`): 0.1 % and 99.9 %.
EXTENT_Q: Final = (0.001, 0.999)

#: The order statistics of the context: the horizon (``ts``, from the top) and the extent's
#: quantiles (low and high, per coordinate): figure -> (column, taken from the top).
FIGURES: Final = {
    "horizon": (S.TS, True),
    "lat_lo": (S.LAT, False),
    "lat_hi": (S.LAT, True),
    "lon_lo": (S.LON, False),
    "lon_hi": (S.LON, True),
}


def _tail_rows(n: int) -> int:
    """How many extreme values of a part hold the horizon and the extent quantiles of any
    input of at most ``n`` rows: ``ceil(n / 1000) + 2`` (the horizon's ``k + 1`` latest, the
    quantiles' ``round((n - 1) q) + 1`` smallest and ``n - round((n - 1)(1 - q))`` largest)."""
    return math.ceil(n * 0.001) + 2


def _figure_values(frame: pl.DataFrame, figure: str) -> pl.Series:
    """The values of ``figure`` in ``frame``: ``ts`` as integers, a coordinate without NaN."""
    column, _ = FIGURES[figure]
    x = frame[column]
    if column == S.TS:
        return x.to_physical()
    return x.filter(~x.is_nan()) if x.dtype.is_float() else x


def _ladder(x: pl.Series, top: bool, cap: int, stride: int) -> Ladder:
    m = min(x.len(), cap)
    tail = x.top_k(m).sort(descending=True) if top else x.bottom_k(m).sort()
    values = tail.to_numpy()
    if top:
        values = -values
    ranks = np.arange(stride - 1, m, stride, dtype=np.int64)
    if m and (ranks.size == 0 or ranks[-1] != m - 1):
        ranks = np.append(ranks, np.int64(m - 1))
    return Ladder(values=values[ranks].copy(), ranks=ranks, count=x.len())


def context_part(
    positions: pl.DataFrame | pl.LazyFrame, *, rows_bound: int | None = None, parts: int = 1
) -> ContextPart:
    """The :class:`ContextPart` of ``positions`` (one MMSI bucket, or all of a run).

    Parameters
    ----------
    positions : DataFrame or LazyFrame
        The part's positions (may be a scan; only the context's columns are read).
    rows_bound : int, optional
        At least the number of rows of the whole input the part belongs to (how many extreme
        values the ladders reach); default: the part's own rows (the part is the whole input).
    parts : int
        How many parts the whole input is split into: the ladders' stride, so that all the
        parts' ladders together hold about as many values as one part's extreme values (the
        second look, :func:`context_tails`, then returns about ``parts`` values a part). 1:
        the ladders hold the extreme values themselves and settle the context alone.

    Examples
    --------
    >>> from vessels.testing import make_track
    >>> part = context_part(make_track(n=5))
    >>> part.rows, part.vessels, part.ladders["horizon"].ranks.tolist()
    (5, 1, [0, 1, 2])
    """
    if parts < 1:
        raise ValueError(f"parts must be at least 1, got {parts!r}")
    lf = _located(positions)
    names = lf.collect_schema().names()
    # the few columns every part reads, read once (a scan would be decoded once per part)
    wanted = (S.MMSI, S.TS, S.LAT, S.LON, S.DT_S, S.SOG_KN, S.IMPLIED_SPEED_KN)
    frame = lf.select([c for c in wanted if c in names]).collect()
    cap = _tail_rows(max(frame.height, rows_bound or 0))
    ladders = {
        figure: _ladder(_figure_values(frame, figure), top, cap, parts)
        for figure, (_, top) in FIGURES.items()
    }
    nan = {
        c: int(frame[c].is_nan().sum()) if frame[c].dtype.is_float() else 0 for c in (S.LAT, S.LON)
    }
    return ContextPart(
        rows=frame.height,
        vessels=frame[S.MMSI].n_unique(),
        nan=nan,
        ladders=ladders,
        stride=parts,
        ts_dtype=frame[S.TS].dtype,
        max_abs_lat=max_abs_lat(frame),
        still=_still_cells(frame).collect(),
        reception=reception_parts(frame),
    )


def _ranks(parts: Sequence[ContextPart]) -> dict[str, int | None]:
    """Per figure, its 0-based rank among the (negated, from the top) values of all the parts;
    None: the figure is not computed (no rows, too few vessels for an extent) or is NaN."""
    n = sum(p.rows for p in parts)
    ranks: dict[str, int | None] = dict.fromkeys(FIGURES)
    if not n:
        return ranks
    # the (k+1)-th latest instant: the latest once the stray last k rows are set aside
    ranks["horizon"] = 0 if n <= 1000 else math.ceil(n * 0.001)
    if sum(p.vessels for p in parts) < EDGE_MIN_VESSELS:
        return ranks
    lo, hi = (_nearest_index(n, q) for q in EXTENT_Q)
    for c in (S.LAT, S.LON):
        # polars' "nearest" quantile: NaN sort last, so an index past the numbers is NaN
        n_num = n - sum(p.nan[c] for p in parts)
        ranks[f"{c}_lo"] = lo if lo < n_num else None
        ranks[f"{c}_hi"] = n_num - 1 - hi if hi < n_num else None
    return ranks


def _cut(ladders: Sequence[Ladder], rank: int) -> tuple[Any, Any]:
    """``(lower, upper)``: the value of ``rank`` among all the ladders' parts lies in
    ``(lower, upper]`` (``lower`` None: unbounded); ``upper`` is that value when every ladder
    has a stride of 1.

    A ladder point of rank ``i`` at or below ``t`` says the part has at least ``i + 1`` values
    at or below ``t``; the part's first point above ``t``, of rank ``j``, says it has at most
    ``j`` (a part without one: all its values). ``upper`` is the smallest ladder value with at
    least ``rank + 1`` values at or below it, ``lower`` the largest with at most ``rank``.
    """
    values = np.concatenate([ld.values for ld in ladders])
    # what passing each point adds to the least (``up``) and the most (``down``) values at or
    # below: the rank step from the part's previous point, and to its next point (or count)
    up = np.concatenate([np.diff(ld.ranks, prepend=np.int64(-1)) for ld in ladders])
    down = np.concatenate([np.diff(ld.ranks, append=np.int64(ld.count)) for ld in ladders])
    most0 = sum(int(ld.ranks[0]) if ld.ranks.size else ld.count for ld in ladders)
    order = np.argsort(values, kind="stable")
    v = values[order]
    last = np.searchsorted(v, v, side="right") - 1  # the last point of each value's ties
    least = np.cumsum(up[order])[last]
    most = most0 + np.cumsum(down[order])[last]
    enough = np.flatnonzero(least >= rank + 1)
    if not enough.size:
        raise RuntimeError(f"the parts' ladders do not reach rank {rank}")
    upper = v[enough[0]]
    few = np.flatnonzero(most <= rank)
    lower = v[few[-1]] if few.size else None
    return lower, upper


def tail_cuts(parts: Sequence[ContextPart]) -> TailCuts | None:
    """Where the context's order statistics lie, from the parts' ladders (the driver's step
    between the two looks at the positions); None when the ladders settle them all (every
    part has a stride of 1, e.g. a single part).

    The answer of each figure is then found from each part's :func:`context_tails`: about
    ``parts`` values a part, so that the whole merge holds about as many values as one part's
    extreme values, whatever the number of parts.

    Examples
    --------
    >>> from vessels.testing import make_track
    >>> tail_cuts([context_part(make_track(1, n=5)), context_part(make_track(2, n=5))]) is None
    True
    """
    if all(p.stride == 1 for p in parts):
        return None
    cuts = {
        figure: (rank, *_cut([p.ladders[figure] for p in parts], rank))
        for figure, rank in _ranks(parts).items()
        if rank is not None
    }
    return TailCuts(cuts)


def context_tails(positions: pl.DataFrame | pl.LazyFrame, cuts: TailCuts) -> TailPart:
    """The second look at a part's positions: per figure of ``cuts``, the part's count of
    values at or below the cut and its distinct values inside it, with their counts.

    Examples
    --------
    >>> from vessels.testing import make_track
    >>> tails = context_tails(make_track(n=5), TailCuts({"lat_lo": (1, None, 25.0)}))
    >>> below, values, counts = tails["lat_lo"]
    >>> below, values.tolist(), counts.tolist()
    (0, [25.0], [5])
    """
    columns = {FIGURES[f][0] for f in cuts.cuts}
    frame = _located(positions).select(sorted(columns)).collect()
    out: TailPart = {}
    for figure, (_, lower, upper) in cuts.cuts.items():
        values = _figure_values(frame, figure).to_numpy()
        if FIGURES[figure][1]:
            values = -values
        inside = values <= upper
        below = 0
        if lower is not None:
            at_or_below = values <= lower
            below = int(at_or_below.sum())
            inside &= ~at_or_below
        found, counts = np.unique(values[inside], return_counts=True)
        out[figure] = (below, found, counts)
    return out


def _settle(rank: int, lower: Any, upper: Any, tails: Sequence[TailPart], figure: str) -> Any:
    """The value of ``rank`` from the parts' :func:`context_tails` of its cut."""
    below = sum(t[figure][0] for t in tails)
    values = np.concatenate([t[figure][1] for t in tails])
    counts = np.concatenate([t[figure][2] for t in tails])
    order = np.argsort(values, kind="stable")
    reached = below + np.cumsum(counts[order])
    hit = np.flatnonzero(reached >= rank + 1)
    if below > rank or not hit.size:
        raise RuntimeError(f"the cut ({lower!r}, {upper!r}] of {figure} does not hold rank {rank}")
    return values[order][hit[0]]


def context_from_parts(
    parts: Sequence[ContextPart], tails: Sequence[TailPart] | None = None
) -> CoverageContext:
    """The :class:`CoverageContext` of the positions whose parts are ``parts``.

    Exactly :func:`coverage_context` of all the parts' positions together, when no vessel is in
    two parts, each part was computed with a ``rows_bound`` of at least the total rows and,
    when :func:`tail_cuts` of the parts is not None, ``tails`` are every part's
    :func:`context_tails` of those cuts (in any order).

    Examples
    --------
    >>> from vessels.testing import make_track
    >>> a, b = make_track(1, n=5), make_track(2, n=5)
    >>> parts = [context_part(x, rows_bound=10, parts=2) for x in (a, b)]
    >>> cuts = tail_cuts(parts)
    >>> merged = context_from_parts(parts, [context_tails(x, cuts) for x in (a, b)])
    >>> whole = coverage_context(pl.concat([a, b]))
    >>> (merged.horizon, merged.extent) == (whole.horizon, whole.extent)
    True
    """
    if not parts:
        raise ValueError("context_from_parts needs at least one part")
    cuts = tail_cuts(parts)
    if cuts is not None and tails is None:
        raise ValueError("parts with a stride above 1 need their context_tails of tail_cuts")
    figures: dict[str, Any] = {}
    for figure, rank in _ranks(parts).items():
        if rank is None:
            figures[figure] = float("nan")
            continue
        if cuts is None:
            _, value = _cut([p.ladders[figure] for p in parts], rank)
        else:
            assert tails is not None
            value = _settle(rank, *cuts.cuts[figure][1:], tails, figure)
        figures[figure] = -value if FIGURES[figure][1] else value
    n = sum(p.rows for p in parts)
    horizon: Any = None
    if n:
        ts = pl.Series([int(figures["horizon"])], dtype=pl.Int64)
        horizon = ts.cast(parts[0].ts_dtype).item()
    extent: Extent | None = None
    if n and sum(p.vessels for p in parts) >= EDGE_MIN_VESSELS:
        extent = tuple(float(figures[f]) for f in ("lat_lo", "lat_hi", "lon_lo", "lon_hi"))  # type: ignore[assignment]
    still = pl.concat([p.still for p in parts], how="vertical")
    return CoverageContext(
        learned=_crowded(still.lazy()).collect(),
        horizon=horizon,
        extent=extent,
        max_abs_lat=max((p.max_abs_lat for p in parts), default=0.0),
        reception=reception_from_parts([p.reception for p in parts]),
    )


def max_abs_lat(p: pl.DataFrame | pl.LazyFrame) -> float:
    """The largest absolute latitude of ``p`` (0 without positions).

    Examples
    --------
    >>> max_abs_lat(pl.DataFrame({"lat": [10.0, -30.5]}))
    30.5
    """
    value = p.lazy().select(pl.col(S.LAT).abs().max()).collect().item()
    return float(value or 0.0)


def _horizon(lf: pl.LazyFrame) -> Any:
    n = lf.select(pl.len()).collect().item()
    if n == 0:
        return None
    if n <= 1000:
        return lf.select(pl.col(S.TS).max()).collect().item()
    # the (k+1)-th latest instant: the latest once the stray last k rows are set aside
    k = math.ceil(n * 0.001)
    return lf.select(pl.col(S.TS).top_k(k + 1).min()).collect().item()


def _extent(lf: pl.LazyFrame) -> Extent | None:
    frame = lf.select(S.MMSI, S.LAT, S.LON).collect()
    if frame[S.MMSI].n_unique() < EDGE_MIN_VESSELS:
        return None
    lat, lon = frame[S.LAT].drop_nulls(), frame[S.LON].drop_nulls()
    del frame
    if lat.len() == 0:
        return None
    return (*_tails(lat), *_tails(lon))


def _tails(x: pl.Series) -> tuple[float, float]:
    """``x.quantile(0.001)`` and ``x.quantile(0.999)`` (no nulls), by partial selection.

    polars' default ("nearest") quantile is the value at index ``round((n - 1) * q)`` (half away
    from zero) of the sorted values; those are the largest of the smallest ``i + 1`` values and
    the smallest of the largest ``n - i`` values, found without sorting all ``n`` (a full sort per
    quantile dominated the coverage context at 10 M positions). With NaN (sorted last by polars,
    unordered by a partial selection) the quantiles themselves are taken.
    """
    n = x.len()
    if x.dtype.is_float() and x.is_nan().any():
        return float(x.quantile(0.001)), float(x.quantile(0.999))  # type: ignore[arg-type]
    lo, hi = (_nearest_index(n, q) for q in (0.001, 0.999))
    return float(x.bottom_k(lo + 1).max()), float(x.top_k(n - hi).min())  # type: ignore[arg-type]


def _nearest_index(n: int, q: float) -> int:
    """The index of polars' "nearest" quantile ``q`` of ``n`` sorted values."""
    f = (n - 1.0) * q
    whole = math.floor(f)
    return min(n - 1, whole + 1 if f - whole >= 0.5 else whole)


def with_harbour(p: pl.DataFrame, context: CoverageContext | None = None) -> pl.DataFrame:
    """Add :data:`HARBOUR` (true in a port or anchorage) to prepared positions, once.

    A no-op when the column is already there, so :func:`vessels.events.detect_events` computes it
    once and each detector called alone computes it for itself. The learned anchorages are those
    of ``context`` (all the run's positions), else learned from ``p``.

    Examples
    --------
    Five vessels sitting still side by side 3 km from shore are an anchorage:

    >>> import polars as pl
    >>> from vessels.testing import make_track, staged
    >>> from vessels.events._common import prepare
    >>> crowd = pl.concat([make_track(m, n=6, speed_kn=0.0, lat=25.0 + m * 1e-3)
    ...                    for m in range(1, 6)]).with_columns(pl.lit(3.0).alias("shore_km"))
    >>> with_harbour(prepare(staged(crowd)))[HARBOUR].all()
    True
    """
    if HARBOUR in p.columns:
        return p
    labelled = [pl.col(c).fill_null(False) for c in (IN_PORT, AT_ANCHORAGE) if c in p.columns]
    if p.height == 0:
        return p.with_columns(pl.lit(False).alias(HARBOUR))
    learned = context.learned if context is not None else _learned_cells(p).collect()
    # a set lookup of one packed key per position (the cells are few), not a join on two keys
    flag = pl.any_horizontal(harbour_expr(S.LAT, S.LON, learned), *labelled)
    return p.with_columns(flag.alias(HARBOUR))


def harbour_expr(lat: str, lon: str, cells: pl.DataFrame) -> pl.Expr:
    """True where ``(lat, lon)`` falls in one of ``cells`` (``_hcy, _hcx``), else false.

    ``cells`` is :func:`harbour_cells` of the prepared positions; used to gate events (whose
    position is a mean or an interpolated point, not a labelled position).

    Examples
    --------
    >>> cells = pl.DataFrame({"_hcy": [2500], "_hcx": [-11000]}, schema={"_hcy": pl.Int32,
    ...                      "_hcx": pl.Int32})
    >>> pl.DataFrame({"a": [25.005, 26.0], "b": [-109.995, -110.0]}).select(
    ...     harbour_expr("a", "b", cells)).to_series().to_list()
    [True, False]
    """
    key = (pl.col(lat) / CELL_DEG).floor().cast(pl.Int64) * 1_000_003 + (
        pl.col(lon) / CELL_DEG
    ).floor().cast(pl.Int64)
    keys = cells.select(
        pl.col("_hcy").cast(pl.Int64) * 1_000_003 + pl.col("_hcx").cast(pl.Int64)
    ).to_series()
    return key.is_in(keys.implode()).fill_null(False)


def harbour_cells(p: pl.DataFrame, context: CoverageContext | None = None) -> pl.DataFrame:
    """The distinct ~1 km cells (``_hcy, _hcx``) of harbour positions of ``p``.

    With a ``context`` that knows the harbour cells of all the run's positions, those.

    Examples
    --------
    >>> from vessels.testing import make_track, staged
    >>> from vessels.events._common import prepare
    >>> harbour_cells(with_harbour(prepare(staged(make_track(n=3))))).height
    0
    """
    if context is not None and context.harbour is not None:
        return context.harbour
    return (
        with_harbour(p, context)
        .lazy()
        .filter(pl.col(HARBOUR))
        .select(*_cells())
        .unique()
        .sort("_hcy", "_hcx")
        .collect()
    )


def data_horizon(p: pl.DataFrame) -> object:
    """The robust end of the data: the latest instant reached by the bulk of the rows.

    The maximum ``ts`` once the stray last 0.1 % of rows is set aside (for more than 1,000
    rows; below that the maximum). ``None`` for an empty frame.

    Examples
    --------
    >>> from datetime import timedelta
    >>> from vessels.testing import make_track, T0, staged
    >>> from vessels.events._common import prepare
    >>> bulk = pl.concat([make_track(m, n=200, interval_s=60) for m in range(1, 11)])
    >>> stray = make_track(99, n=1, start=T0 + timedelta(hours=20))
    >>> p = prepare(staged(pl.concat([bulk, stray])))
    >>> data_horizon(p) == T0 + timedelta(seconds=199 * 60)
    True
    """
    return _horizon(p.lazy())


def edge_expr(
    p: pl.DataFrame, lat: str, lon: str, context: CoverageContext | None = None
) -> pl.Expr:
    """True where ``(lat, lon)`` lies at the edge of the extent of ``p``'s positions.

    The extent is that of ``context`` (all the run's positions) when given.

    Within :data:`EDGE_FRACTION` of the span (at least :data:`EDGE_MIN_KM`) of the 0.1 %-99.9 %
    latitude/longitude range: where a vessel leaves a bounding-box extract or a receiver's range.
    An axis spanning less than four edge widths has no edge, and the positions of fewer than
    :data:`EDGE_MIN_VESSELS` vessels have none either (their extent is theirs, not the
    receivers').

    Examples
    --------
    >>> from vessels.testing import make_track, staged
    >>> from vessels.events._common import prepare
    >>> p = prepare(staged(pl.concat([make_track(m, n=100, interval_s=600, speed_kn=10)
    ...                               for m in range(1, 21)])))
    >>> p.select(edge_expr(p, "lat", "lon")).to_series()[[0, 50]].to_list()
    [True, False]
    """
    extent = context.extent if context is not None else _extent(p.lazy())
    if extent is None:
        return pl.lit(False)
    q = dict(zip(("y0", "y1", "x0", "x1"), extent, strict=True))
    mid = math.radians((q["y0"] + q["y1"]) / 2.0)
    edge_y = max(EDGE_FRACTION * (q["y1"] - q["y0"]), EDGE_MIN_KM * 1000.0 / DEG_M)
    edge_x = max(
        EDGE_FRACTION * (q["x1"] - q["x0"]),
        EDGE_MIN_KM * 1000.0 / (DEG_M * max(math.cos(mid), 0.05)),
    )
    conds = []
    if q["y1"] - q["y0"] > 4 * edge_y:  # an axis the data hardly spans has no edge to leave by
        conds += [pl.col(lat) <= q["y0"] + edge_y, pl.col(lat) >= q["y1"] - edge_y]
    if q["x1"] - q["x0"] > 4 * edge_x:
        conds += [pl.col(lon) <= q["x0"] + edge_x, pl.col(lon) >= q["x1"] - edge_x]
    if not conds:
        return pl.lit(False)
    return pl.any_horizontal(conds).fill_null(False)


def sparse_mmsi(p: pl.DataFrame | pl.LazyFrame, *, max_median_interval_min: float) -> pl.Series:
    """MMSIs whose median interval between positions is longer than ``max_median_interval_min``.

    Continuity-based detectors (gaps, dark rendezvous, loitering) cannot judge them: a vessel
    reporting every 1-20 h (VMS) is "silent" between every two positions. A vessel with a single
    position has no interval and is not listed.

    Examples
    --------
    >>> from vessels.testing import make_track, staged
    >>> from vessels.events._common import prepare
    >>> p = prepare(staged(pl.concat([make_track(1, n=10, interval_s=600),
    ...                               make_track(2, n=10, interval_s=4 * 3600)])))
    >>> sparse_mmsi(p, max_median_interval_min=30.0).to_list()
    [2]
    """
    limit_s = max_median_interval_min * 60.0
    if isinstance(p, pl.DataFrame):
        # several detectors ask it of the same prepared frame (loitering, dark rendezvous, EEZ
        # incursions): found once per frame and limit, from counts (medians_above)
        return per_frame(p, f"sparse_mmsi {limit_s!r}", lambda f: _sparse_by_counts(f, limit_s))
    medians = _measure_intervals(p)
    return (
        medians.lazy()
        .filter((pl.col("_n") >= 1) & (pl.col("_med") > limit_s))
        .sort(S.MMSI)
        .collect()[S.MMSI]
    )


def _sparse_by_counts(p: pl.DataFrame, limit_s: float) -> pl.Series:
    """:func:`sparse_mmsi` of a frame in memory: the vessels whose median positive interval is
    above ``limit_s`` (:func:`vessels.events.reception.medians_above`), sorted."""
    if S.DT_S in p.columns:
        # the segmenter's interval to the previous position of the segment (no sort needed)
        dt = pl.col(S.DT_S).cast(pl.Float64)
        found = medians_above(p, pl.when(dt > 0).then(dt), limit_s)
    else:
        intervals = _intervals(p.lazy()).filter(pl.col("_dt") > 0).collect()
        found = medians_above(intervals, pl.col("_dt"), limit_s)
    return found.sort()


def _intervals(lf: pl.LazyFrame) -> pl.LazyFrame:
    """``mmsi, _dt``: seconds since the vessel's previous position (positions without
    ``dt_s``; sorted by vessel and time)."""
    return (
        lf.select(S.MMSI, S.TS)
        .sort(S.MMSI, S.TS)
        .select(
            S.MMSI,
            pl.when(pl.col(S.MMSI) == pl.col(S.MMSI).shift())
            .then((pl.col(S.TS) - pl.col(S.TS).shift()).dt.total_seconds(fractional=True))
            .alias("_dt"),
        )
    )


def _measure_intervals(p: pl.DataFrame | pl.LazyFrame) -> pl.DataFrame:
    lf = p.lazy()
    if S.DT_S in lf.collect_schema().names():
        # the segmenter's interval to the previous position of the segment (no sort needed)
        intervals = lf.select(S.MMSI, pl.col(S.DT_S).cast(pl.Float64).alias("_dt"))
    else:
        intervals = _intervals(lf)
    return (
        intervals.filter(pl.col("_dt") > 0)
        .group_by(S.MMSI)
        .agg(pl.col("_dt").median().alias("_med"), pl.len().alias("_n"))
        .collect()
    )
