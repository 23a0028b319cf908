"""Fishing score per position (gear-specific rules, AIS and VMS) and fishing events.

The per-position ``fishing_score`` in [0, 1] and the ``fishing_behaviour`` that gave it come
from documented rules over windowed movement features, one rule per gear behaviour (trawl, net
set/haul, purse-seine set, soak; a slow-speed rule on VMS-sparse fixes): see
:mod:`vessels.events._fishing_model` and ``docs/fishing.md``, where the rules are measured
against three independent references. A merchant ship (AIS types 60-89) always scores 0; a
vessel that does not declare itself a fishing vessel reaches the threshold only with strong,
sustained behaviour.

A position is *fishing* when ``score >= min_score``. Fishing positions are grouped into events
per segment with GFW's rules (event-definitions: split > 10 km or > 2 h; join < 1 h and < 2 km;
drop <= 20 min, <= 5 positions, mean speed >= 10 kn, length <= 0.5 km). Runs of VMS-sparse
fixes (``fishing_behaviour == "vms_slow"``) use the ``vms_*`` split and drop limits instead: a
VMS reporting every 1-4 h cannot have two fishing fixes within 2 h, nor six within an hour's
fishing.

Examples
--------
>>> from vessels.testing import make_track, staged
>>> t = make_track(n=5, speed_kn=3.0, ship_type=30)
>>> fishing_score(staged(t))["fishing_score"].round(2).to_list()
[0.8, 0.8, 0.8, 0.8, 0.8]
>>> fishing_score(staged(make_track(n=5, speed_kn=3.0, ship_type=70)))["fishing_score"].max()
0.0
"""

from __future__ import annotations

import itertools
import math
from collections import deque
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, fields

import polars as pl

from vessels import schema as S
from vessels._geo import haversine_m
from vessels._template import compile_template, format_number
from vessels.events._common import (
    IDX,
    SEG,
    Frameish,
    extent_aggs,
    finish,
    first_zone_agg,
    fixed_point,
    in_eez_clause,
    prepare,
    prev_in,
    runs_id,
)
from vessels.events._fishing_features import speed_kn_expr
from vessels.events._fishing_model import PORT_FLAGS, FishingScoreConfig, with_fishing_score_v2
from vessels.events.registry import Context, Detector, register

__all__ = [
    "FISHING_BEHAVIOUR",
    "FISHING_SCORE",
    "FishingConfig",
    "detect_fishing",
    "fishing_score",
    "score_positions",
    "speed_kn_expr",
    "with_fishing_score",
]

#: Name of the per-position score column added by :func:`fishing_score`.
FISHING_SCORE = S.FISHING_SCORE
#: Name of the per-position behaviour column (which gear rule gave the score).
FISHING_BEHAVIOUR = S.FISHING_BEHAVIOUR


@dataclass(frozen=True)
class FishingConfig(FishingScoreConfig):
    """Parameters of fishing events; the score's parameters follow (from FishingScoreConfig).

    Attributes
    ----------
    min_score : float
        A position is fishing when its score is at least this. Default 0.5 (midpoint of [0, 1]).
    split_max_dist_km, split_max_gap_h : float
        Split an event where consecutive fishing positions are more than 10 km or 2 h apart (GFW).
    join_max_gap_h, join_max_dist_km : float
        Join events less than 1 h and 2 km apart (GFW).
    drop_max_duration_min : float
        Drop events lasting <= 20 min (GFW).
    drop_max_positions : int
        Drop events with <= 5 positions (GFW).
    drop_min_mean_speed_kn : float
        Drop events with mean speed >= 10 kn (GFW).
    drop_max_length_km : float
        Drop events whose track is <= 0.5 km long (GFW).
    vms_split_max_gap_h, vms_split_max_dist_km : float
        Split limits for runs of VMS-sparse fixes: 6 h and 30 km (ours: VMS reports every 1-4 h,
        and 4 h at 3.5-5 kn covers 26-37 km; GFW's 2 h and 10 km would split every pair of fixes).
    vms_drop_max_positions : int
        Drop VMS runs with at most this many fixes: 1 (ours: two consecutive slow fixes at sea
        are sustained behaviour on a VMS; six would need 6-24 h of fishing).
    """

    min_score: float = 0.5
    split_max_dist_km: float = 10.0
    split_max_gap_h: float = 2.0
    join_max_gap_h: float = 1.0
    join_max_dist_km: float = 2.0
    drop_max_duration_min: float = 20.0
    drop_max_positions: int = 5
    drop_min_mean_speed_kn: float = 10.0
    drop_max_length_km: float = 0.5
    vms_split_max_gap_h: float = 6.0
    vms_split_max_dist_km: float = 30.0
    vms_drop_max_positions: int = 1


# the generated parameter tables read one Attributes section: the score's attributes follow
FishingConfig.__doc__ = (
    (FishingConfig.__doc__ or "").rstrip()
    + "\n"
    + ((FishingScoreConfig.__doc__ or "").split("----------\n", 1)[1].rstrip() + "\n    ")
)


#: Rows scored at once: the windowed features of a chunk of whole segments are built, reduced to
#: the two score columns and dropped before the next chunk (bounds memory at 10 M rows; chunks of
#: 250 k rows also take less CPU per row than 2 M, measured).
SCORE_CHUNK_ROWS = 250_000


def _score_columns(
    p: pl.DataFrame, cfg: FishingScoreConfig, chunk_rows: int = SCORE_CHUNK_ROWS
) -> pl.DataFrame:
    """``fishing_score`` and ``fishing_behaviour`` of a prepared frame, in its row order.

    Computed chunk by chunk of whole segments (a segment is never split and the window sums
    restart per segment, so every value is the same as in one pass, bit for bit).
    """
    n = p.height
    cols = [FISHING_SCORE, FISHING_BEHAVIOUR]
    if n <= chunk_rows:
        return with_fishing_score_v2(p, cfg).select(cols)
    seg = p[SEG]
    targets = pl.Series(range(chunk_rows, n, chunk_rows))
    starts = seg.search_sorted(seg.gather(targets), side="left").to_list()
    bounds = sorted({0, *starts, n})
    parts = [
        with_fishing_score_v2(p.slice(a, b - a), cfg).select(cols)
        for a, b in itertools.pairwise(bounds)
    ]
    return pl.concat(parts)


def with_fishing_score(frame: pl.DataFrame, cfg: FishingScoreConfig) -> pl.DataFrame:
    """Add ``fishing_score`` and ``fishing_behaviour`` to a prepared frame (rows keep their order).

    A frame that already has a ``fishing_score`` (written by :func:`score_positions` in
    ``vessels score``) is returned as it is.
    """
    if FISHING_SCORE in frame.columns:
        return frame
    return frame.with_columns(_score_columns(frame, cfg))


def fishing_score(tracks: Frameish, config: FishingScoreConfig | None = None) -> pl.DataFrame:
    """Return the positions (all their columns) with ``fishing_score`` and ``fishing_behaviour``.

    Rows come back sorted by ``mmsi``, segment and ``ts``; the tracks must be segmented and carry
    ``shore_km`` (:func:`vessels.events.prepare`).

    Examples
    --------
    >>> from vessels.testing import make_track, staged
    >>> fishing_score(staged(make_track(n=3, speed_kn=14.0, ship_type=70)))["fishing_score"].max()
    0.0
    """
    cfg = config or FishingConfig()
    p = prepare(tracks, keep_all=True, zone_labels=(S.SHORE_KM,))
    return with_fishing_score_v2(p.drop(FISHING_SCORE, FISHING_BEHAVIOUR, strict=False), cfg).drop(
        SEG, "_i"
    )


#: Columns :func:`score_positions` reads (others are not carried through the computation).
_SCORE_INPUTS = (
    S.MMSI,
    S.TS,
    S.LAT,
    S.LON,
    S.SOG_KN,
    S.COG_DEG,
    S.NAV_STATUS,
    S.SHIP_TYPE,
    *S.SEGMENT_DERIVED_SCHEMA,
    S.SHORE_KM,
    *PORT_FLAGS,
)


#: Columns of a prepared batch that the score reads (:func:`with_fishing_score_v2`): the inputs,
#: the row number carried through, and prepare's segment number and row in segment.
_SCORED_COLUMNS = ("_row", *_SCORE_INPUTS, SEG, IDX)


#: Rows per batch of whole vessels in :func:`score_positions`: the windowed features of 10 M
#: positions at once took the run's peak RSS from 3.8 to 6.3 GB; every window stays inside one
#: vessel, so scoring whole vessels batch by batch gives the same values. 250 k rows take about
#: two thirds of the CPU of 2 M-row batches and a third of their memory (page faults and cache
#: misses of the wide feature frames; benchmarks/results/fishing.md).
_BATCH_ROWS = 250_000


def _vessel_batches(frame: pl.DataFrame, max_rows: int) -> Iterator[pl.DataFrame]:
    """``frame`` in groups of whole vessels (MMSI) of about ``max_rows`` rows each (one vessel with
    more rows stays whole), one at a time; the frame itself when it is small enough.

    A frame sorted by MMSI (as ``vessels score`` hands it over) is cut into slices, which copy
    nothing; any other frame gives one filtered copy per batch, made when the batch is asked for.
    Batches are built column by column: an operation on the whole frame would first give all
    its columns the same chunks, i.e. copy them (zone labelling returns its columns in other
    chunks than the ingested ones: 2.2 GB at 10 M rows).
    """
    n = frame.height
    if n <= max_rows:
        yield frame
        return
    columns = frame.get_columns()
    mmsi = frame.get_column(S.MMSI)
    if mmsi.null_count() == 0 and mmsi.is_sorted():
        # each batch starts at the first row of the vessel holding its k * max_rows-th row
        starts = mmsi.search_sorted(mmsi.gather(list(range(max_rows, n, max_rows))), side="left")
        for a, b in itertools.pairwise(sorted({0, *starts.to_list(), n})):
            yield pl.DataFrame([c.slice(a, b - a) for c in columns])
        return
    sizes = mmsi.to_frame().group_by(S.MMSI).len().sort(S.MMSI, nulls_last=True)
    before = sizes["len"].cum_sum() - sizes["len"]
    batch = sizes.select(S.MMSI, (before // max_rows).alias("_batch"))
    ids = mmsi.to_frame().join(
        batch, on=S.MMSI, how="left", nulls_equal=True, maintain_order="left"
    )["_batch"]
    for b in ids.unique().sort().to_list():
        mask = ids == b
        yield pl.DataFrame([c.filter(mask) for c in columns])


#: Batches scored at the same time (threads): the cores polars uses.
_THREADS = max(1, min(4, pl.thread_pool_size()))


def _in_threads(
    fn: Callable[[pl.DataFrame], pl.DataFrame], items: Iterator[pl.DataFrame], threads: int
) -> list[pl.DataFrame]:
    """``[fn(x) for x in items]`` with up to ``threads`` calls at once, taking the next item only
    when a call is free (the items are built lazily: at most ``threads`` are alive)."""
    if threads <= 1:
        return [fn(x) for x in items]
    out: list[pl.DataFrame] = []
    with ThreadPoolExecutor(threads) as pool:
        running: deque[Future[pl.DataFrame]] = deque()
        for x in items:
            if len(running) >= threads:
                out.append(running.popleft().result())
            running.append(pool.submit(fn, x))
            del x
        out += [f.result() for f in running]
    return out


#: Float inputs of the score: a vessel whose values are all finite (or null) gets finite
#: behaviour scores, so a type factor of 0 makes its score exactly 0.
_FLOAT_INPUTS = (
    S.LAT,
    S.LON,
    S.SOG_KN,
    S.COG_DEG,
    S.DT_S,
    S.DIST_M,
    S.IMPLIED_SPEED_KN,
    S.COURSE_CHANGE_DEG,
    S.SHORE_KM,
)


def _ashore_km(cfg: FishingScoreConfig) -> float | None:
    """The shore distance (km) at or below which every behaviour of a position is 0, or None.

    Each behaviour (trawl, haul, purse-seine set, soak, VMS slow) is a product with a ramp of
    the position's own ``shore_km`` (``at_sea_shore_km``, ``circle_shore_km``,
    ``vms_min_shore_km``): at or below the lowest of their zero points, with every ramp rising
    (zero below full), all five factors are 0, whatever the windows say.

    Examples
    --------
    >>> _ashore_km(FishingConfig())
    0.5
    >>> _ashore_km(FishingConfig(circle_shore_km=(5.0, 2.0))) is None
    True
    """
    ramps = (cfg.at_sea_shore_km, cfg.circle_shore_km, cfg.vms_min_shore_km)
    if not all(math.isfinite(z) and math.isfinite(f) and z < f for z, f in ramps):
        return None
    return min(z for z, _ in ramps)


def _finite_config(cfg: FishingScoreConfig) -> bool:
    """Whether every number of ``cfg`` is finite: a behaviour score with a 0 factor is then
    exactly 0 (never 0 * inf = NaN) when the inputs are finite."""
    values: list[float] = []
    for f in fields(FishingScoreConfig):
        v = getattr(cfg, f.name)
        values += list(v) if isinstance(v, tuple) else [v]
    return all(isinstance(v, int | float) and math.isfinite(v) for v in values)


def _never_fishing(narrow: pl.DataFrame, cfg: FishingScoreConfig) -> pl.Series | None:
    """Per row: whether its vessel scores 0 wherever it is located (None: no such vessel).

    Two kinds of vessels, each with finite (or null) float inputs on every row, so that their
    windowed features and behaviour scores are finite:

    - **cannot fish by type**: the score is the type factor times the best behaviour score, and
      the type factor of AIS types 60-89 (passenger, cargo, tanker) is 0: a vessel that declares
      one of them on every row scores exactly 0 on every located row and gets no behaviour.
      On AIS data this is most of the positions (43 % of the 10 M-row benchmark).
    - **never at sea**: every behaviour has a factor that is 0 at or below
      :func:`_ashore_km` of the position's own shore distance; a vessel whose every row is
      there (a boat kept in port, on a river, or positions on land) scores 0 everywhere too
      (16 % of the rows left after the first kind in the 10 M-row benchmark).

    Their windowed features need not be built. A vessel never shares a window with another.
    """
    factors = (cfg.trawl_straight_factor, cfg.soak_day_factor)
    if not (all(0.0 <= f <= 1.0 for f in factors) and cfg.haul_factor >= 0.0):
        return None
    if not _finite_config(cfg):
        return None
    ashore_km = _ashore_km(cfg) if S.SHORE_KM in narrow.columns else None
    typed = S.SHIP_TYPE in narrow.columns and narrow.get_column(S.SHIP_TYPE).null_count() < len(
        narrow
    )
    if not typed and ashore_km is None:
        return None
    finite = pl.all_horizontal(
        pl.lit(True),
        *(
            pl.col(c).is_finite() | pl.col(c).is_null()
            for c in _FLOAT_INPUTS
            if c in narrow.columns and narrow.schema[c].is_float()
        ),
    ).fill_null(False)
    kinds: list[pl.Expr] = []
    if typed:
        kinds.append(pl.col(S.SHIP_TYPE).is_between(60, 89).fill_null(False))
    if ashore_km is not None:
        # null shore_km is taken as far from the coast by the score (fill_null(1e6))
        kinds.append(pl.col(S.SHORE_KM).fill_null(1e6) <= ashore_km)
    # a vessel is fixed when one kind holds on all its rows: the vessels with a row where it
    # does not are looked up (null MMSIs are one vessel, as in a group by), no window per vessel
    rows = narrow.select(S.MMSI, *((finite & kind).alias(f"_k{i}") for i, kind in enumerate(kinds)))
    mmsi = pl.col(S.MMSI)
    fixed = rows.select(
        pl.any_horizontal(
            ~mmsi.is_in(
                rows.filter(~pl.col(f"_k{i}")).get_column(S.MMSI).unique().implode(),
                nulls_equal=True,
            )
            for i in range(len(kinds))
        ).alias("_fixed")
    ).to_series()
    return fixed if fixed.any() else None


def score_positions(tracks: pl.DataFrame, config: FishingScoreConfig | None = None) -> pl.DataFrame:
    """``tracks`` in its own row order with ``fishing_score`` and ``fishing_behaviour`` added.

    The stage ``vessels score`` runs between zone labelling and the detectors, so that the score
    is written to ``tracks.parquet`` and the detectors reuse it. Only the columns the score reads
    are carried through the computation (memory), batch by batch of whole vessels, then the two
    columns are put back in the input's row order.

    Examples
    --------
    >>> import polars as pl
    >>> from vessels.testing import make_track, staged
    >>> t = staged(pl.concat([make_track(2, n=30, speed_kn=3.0, ship_type=30),
    ...                       make_track(1, n=30, speed_kn=12.0, ship_type=30)]))
    >>> out = score_positions(t)
    >>> out["mmsi"].to_list() == t["mmsi"].to_list(), out["fishing_score"].max()
    (True, 0.8)
    """
    S.require_frame(tracks, "tracks", "score_positions")
    cfg = config or FishingConfig()
    n = tracks.height
    # the columns the score reads, as they are (a frame of the tracks' Series copies nothing;
    # tracks.select would first give every column of the tracks the same chunks); each batch's
    # prepared copy and features are dropped once it is scored, so the peak holds a batch's
    # working set per thread on top of the tracks
    narrow = pl.DataFrame(
        [
            pl.int_range(n, dtype=pl.UInt32, eager=True).alias("_row"),
            *(tracks.get_column(c) for c in _SCORE_INPUTS if c in tracks.columns),
        ]
    )

    def scored_batch(batch: pl.DataFrame) -> pl.DataFrame:
        p = prepare(batch, keep_all=True, zone_labels=(S.SHORE_KM,))
        # the score's columns only: prepare(keep_all=True) also adds every prepared column the
        # batch lacks as nulls (text, static data, zone labels), which the windows would carry
        p = p.select(c for c in _SCORED_COLUMNS if c in p.columns)
        return p.select("_row").with_columns(_score_columns(p, cfg)).sort("_row")

    fixed = _never_fishing(narrow, cfg) if S.MMSI in narrow.columns else None
    todo = narrow if fixed is None else narrow.filter(~fixed)
    # batches are independent: a few at a time in threads (polars releases the GIL), in order
    parts = _in_threads(scored_batch, _vessel_batches(todo, _BATCH_ROWS), _THREADS)
    del narrow, todo
    scored = pl.concat(parts) if len(parts) > 1 else parts[0]
    del parts
    if scored.height == n:
        # sliced batches come back in row order; filtered ones need the sort
        aligned = scored if scored["_row"].is_sorted() else scored.sort("_row")
    else:  # rows prepare() dropped (no time or position) come back with a null score
        aligned = pl.DataFrame({"_row": pl.int_range(n, eager=True, dtype=pl.UInt32)}).join(
            scored, on="_row", how="left", maintain_order="left"
        )
    if fixed is not None:  # 0 where located, as the score of a type factor of 0 (no behaviour)
        located = pl.all_horizontal(
            tracks.get_column(c).is_not_null() for c in (S.TS, S.LAT, S.LON)
        )
        aligned = aligned.with_columns(
            pl.when(pl.lit(fixed) & located)
            .then(0.0)
            .otherwise(pl.col(FISHING_SCORE))
            .alias(FISHING_SCORE)
        )
    # adding columns to a DataFrame does not copy the others (dropping may: only when needed)
    carried = [c for c in (FISHING_SCORE, FISHING_BEHAVIOUR) if c in tracks.columns]
    return (tracks.drop(carried) if carried else tracks).with_columns(
        aligned[FISHING_SCORE], aligned[FISHING_BEHAVIOUR]
    )


# decimals kept by the fixed-point sums of fishing events (far below the data's precision)
_DEG_DIGITS = 9  # ~0.1 mm
_KM_DIGITS = 6  # 1 mm
_KN_DIGITS = 6
_SCORE_DIGITS = 9
_M_DIGITS = 3  # 1 mm


def _dominant_behaviour() -> pl.Expr:
    """The behaviour with the most positions in an event (``_nb_<behaviour>`` counts; ties go to
    the first in :data:`vessels.schema.FISHING_BEHAVIOURS`)."""
    counts = [pl.col(f"_nb_{b}") for b in S.FISHING_BEHAVIOURS]
    top = pl.max_horizontal(*counts)
    out: pl.Expr = pl.lit(None, pl.String)
    for b, c in reversed(list(zip(S.FISHING_BEHAVIOURS, counts, strict=True))):
        out = pl.when((c == top) & (top > 0)).then(pl.lit(b)).otherwise(out)
    return out


def _ratio(total: str, count: str, digits: int) -> pl.Expr:
    """In an aggregation: sum of fixed-point ``total`` over sum of ``count`` (null if 0)."""
    n = pl.col(count).sum()
    # times the inverse, not divided by the constant: polars divides a one-row column by a
    # constant exactly but a longer one as x * (1/c), so an MMSI bucket with one event and the
    # whole input would differ in the last bit (see _common._inverse)
    return pl.when(n > 0).then(pl.col(total).sum() / n * (1.0 / float(10**digits)))


def detect_fishing(
    tracks: Frameish,
    config: FishingConfig | None = None,
    *,
    prepared: pl.DataFrame | None = None,
) -> pl.DataFrame:
    """Fishing events: runs of fishing positions grouped and filtered with GFW's rules.

    Examples
    --------
    >>> from vessels.testing import make_track, staged
    >>> ev = detect_fishing(staged(make_track(n=40, interval_s=300, speed_kn=3.0, ship_type=30)))
    >>> ev.select("event_type", "duration_h").rows()
    [('fishing', 3.25)]
    """
    cfg = config or FishingConfig()
    p = prepared if prepared is not None else prepare(tracks)
    if FISHING_SCORE not in p.columns:
        p = with_fishing_score(p, cfg)
    if FISHING_BEHAVIOUR not in p.columns:  # a score computed elsewhere, without behaviours
        p = p.with_columns(
            pl.lit(None, S.FISHING_SCORE_SCHEMA[FISHING_BEHAVIOUR]).alias(FISHING_BEHAVIOUR)
        )
    is_f = pl.col(FISHING_SCORE) >= cfg.min_score
    beh = pl.col(FISHING_BEHAVIOUR).cast(pl.String)
    vms = (beh == "vms_slow").fill_null(False)
    max_gap_s = pl.when(vms).then(cfg.vms_split_max_gap_h).otherwise(cfg.split_max_gap_h) * 3600
    max_dist_m = (
        pl.when(vms).then(cfg.vms_split_max_dist_km).otherwise(cfg.split_max_dist_km) * 1000
    )
    new_run = (
        (is_f != prev_in(is_f)) | (pl.col(S.DT_S) > max_gap_s) | (pl.col(S.DIST_M) > max_dist_m)
    )
    runs = (
        p.lazy()
        .with_columns(runs_id(new_run).alias("_run"), speed_kn_expr().alias("_sp"))
        .filter(is_f)
        .group_by("_run")
        .agg(
            pl.col(SEG).first(),
            pl.col(S.SEGMENT_ID).first(),
            pl.col(S.MMSI).first(),
            *extent_aggs(),
            # fixed-point integer sums: exact whatever order the rows of a group are added in
            # (see _common.exact_sum)
            fixed_point(pl.col(S.LAT), _DEG_DIGITS).sum().alias("_slat"),
            fixed_point(pl.col(S.LON), _DEG_DIGITS).sum().alias("_slon"),
            fixed_point(pl.col(S.SHORE_KM), _KM_DIGITS).sum().alias("_sshore"),
            fixed_point(pl.col(S.SHORE_KM), _KM_DIGITS).count().alias("_nshore"),
            pl.len().alias("_n"),
            fixed_point(pl.col("_sp"), _KN_DIGITS).sum().alias("_ssp"),
            fixed_point(pl.col("_sp"), _KN_DIGITS).count().alias("_nsp"),
            fixed_point(pl.col(FISHING_SCORE), _SCORE_DIGITS).sum().alias("_sscore"),
            fixed_point(pl.col(S.DIST_M).slice(1), _M_DIGITS).sum().alias("_len_m"),
            pl.col(S.EEZ_ISO3).drop_nulls().first().alias(S.EEZ_ISO3),
            first_zone_agg().alias(S.EVENT_ZONE_ID),
            pl.col(S.FLAG).drop_nulls().first().alias("_flag"),
            pl.col(S.SHIP_TYPE).drop_nulls().first().alias("_st"),
            *[(beh == b).sum().alias(f"_nb_{b}") for b in S.FISHING_BEHAVIOURS],
        )
        .sort(SEG, S.START_TS, "_run")  # _run breaks ties: a total order
    )
    gap_h = (pl.col(S.START_TS) - prev_in(pl.col(S.END_TS))).dt.total_seconds(fractional=True) * (
        1.0 / 3600.0
    )
    jump_m = haversine_m(
        prev_in(pl.col(S.END_LAT)),
        prev_in(pl.col(S.END_LON)),
        pl.col(S.START_LAT),
        pl.col(S.START_LON),
    )
    join = (gap_h < cfg.join_max_gap_h) & (jump_m < cfg.join_max_dist_km * 1000)
    ev = (
        runs.with_columns(
            runs_id(~join).alias("_grp"),
            fixed_point(pl.when(join).then(jump_m).otherwise(0.0), _M_DIGITS).alias("_jump"),
        )
        .group_by("_grp")
        .agg(
            pl.col(S.SEGMENT_ID).first(),
            pl.col(S.MMSI).first(),
            pl.col(S.START_TS).first(),
            pl.col(S.END_TS).last(),
            pl.col(S.START_LAT).first(),
            pl.col(S.START_LON).first(),
            pl.col(S.END_LAT).last(),
            pl.col(S.END_LON).last(),
            _ratio("_slat", "_n", _DEG_DIGITS).alias(S.LAT),
            _ratio("_slon", "_n", _DEG_DIGITS).alias(S.LON),
            _ratio("_sshore", "_nshore", _KM_DIGITS).alias(S.SHORE_KM),
            pl.col("_n").sum().alias("_n"),
            _ratio("_ssp", "_nsp", _KN_DIGITS).alias("_mean_sp"),
            _ratio("_sscore", "_n", _SCORE_DIGITS).alias("_mean_score"),
            (
                (pl.col("_len_m").sum() + pl.col("_jump").sum())
                * (1.0 / float(10**_M_DIGITS))
                * (1.0 / 1000.0)
            ).alias("_len_km"),
            pl.col(S.EEZ_ISO3).drop_nulls().first(),
            pl.col(S.EVENT_ZONE_ID).drop_nulls().first(),
            pl.col("_flag").drop_nulls().first(),
            pl.col("_st").drop_nulls().first(),
            *[pl.col(f"_nb_{b}").sum() for b in S.FISHING_BEHAVIOURS],
        )
        .with_columns(
            (
                (pl.col(S.END_TS) - pl.col(S.START_TS)).dt.total_seconds(fractional=True)
                * (1.0 / 3600.0)
            ).alias(S.DURATION_H),
            _dominant_behaviour().alias("_beh"),
        )
        .filter(
            (pl.col(S.DURATION_H) * 60.0 > cfg.drop_max_duration_min)
            & (
                pl.col("_n")
                > pl.when(pl.col("_nb_vms_slow") * 2 >= pl.col("_n"))
                .then(cfg.vms_drop_max_positions)
                .otherwise(cfg.drop_max_positions)
            )
            & (pl.col("_mean_sp").fill_null(0.0) < cfg.drop_min_mean_speed_kn)
            & (pl.col("_len_km").fill_null(0.0) > cfg.drop_max_length_km)
        )
    )
    summary = compile_template(
        "fishing-like movement ({behaviour}) for {hours:.1f} h over {km:.1f} km at {speed} kn, "
        "fishing score {score}{eez}",
        fields={
            "behaviour": pl.col("_beh").fill_null("?"),
            "hours": pl.col(S.DURATION_H),
            "km": pl.col("_len_km"),
            "speed": format_number(pl.col("_mean_sp"), ".1f").fill_null("?"),
            # two decimals, trailing zeros dropped ("0.5"): not a fixed-decimals spec
            "score": pl.col("_mean_score").round(2).cast(pl.String).fill_null("?"),
            "eez": in_eez_clause(),
        },
        null=None,
        name="summary",
    )
    return finish(
        ev,
        "fishing",
        evidence={
            "summary": summary,
            "n_positions": pl.col("_n"),
            "mean_speed_kn": pl.col("_mean_sp"),
            "track_length_km": pl.col("_len_km"),
            "mean_fishing_score": pl.col("_mean_score"),
            "flag": pl.col("_flag"),
            "ship_type": pl.col("_st"),
            "is_fishing_vessel": (pl.col("_st") == 30),
        },
        key=pl.col(S.SEGMENT_ID),
    )


def _detect(p: pl.DataFrame, cfg: FishingConfig, ctx: Context) -> pl.DataFrame:
    return detect_fishing(p, cfg, prepared=p)


DETECTOR = register(
    Detector(
        event_type=S.FISHING,
        config=FishingConfig,
        detect=_detect,
        columns=(
            S.MMSI,
            S.TS,
            S.LAT,
            S.LON,
            S.SEGMENT_ID,
            S.SOG_KN,
            S.IMPLIED_SPEED_KN,
            S.COURSE_CHANGE_DEG,
            S.DT_S,
            S.DIST_M,
            S.SHORE_KM,
            S.EEZ_ISO3,
            S.FLAG,
            S.SHIP_TYPE,
            S.COG_DEG,
            S.NAV_STATUS,
        ),
        evidence=(
            "summary",
            "n_positions",
            "mean_speed_kn",
            "flag",
            "ship_type",
            "is_fishing_vessel",
            "track_length_km",
            "mean_fishing_score",
        ),
        label="Fishing",
        style={"color": "#2bb673", "weight": 9, "opacity": 0.45, "lineCap": "round"},
        doc="a run of positions whose gear-specific fishing score is >= 0.5 (trawl, net set/haul, "
        "purse-seine set, soak; slow speed on VMS-sparse fixes), grouped with GFW's rules",
        risk_rules=("fishing_in_zone",),
        fishing_score=True,
        order=60,
    )
)
