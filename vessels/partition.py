"""Partitioned execution: the plan that scores a month on a laptop or a year on a Dask cluster.

The plan (every step is a plain function of paths and small arguments, so any executor of
:mod:`vessels.executors` can run it; the code inside a step is polars):

1. **bucket** — :func:`vessels.ingestion.ingest` (one history for all input files: a gap or an
   encounter crossing midnight or a file boundary is seen once) writes cleaned, deduplicated,
   segmented positions; they are split into ``positions/bucket=K/`` by :func:`bucket_expr`, a
   documented integer hash of the MMSI (the same in every process, machine and polars version).
1b. **context** (one task per bucket, merged in the driver) — the coverage context of all
   positions (learned anchorages, data horizon, coverage extent, latitude range, reception grid),
   broadcast to every task: what depends on every vessel is computed once, as the in-process run
   computes it. Each bucket's task reduces its positions to a small
   :class:`vessels.events.coverage.ContextPart`; the driver merges them
   (:func:`vessels.events.coverage.context_from_parts`), so no process holds every position.
2. **vessel stage** (one task per bucket) — zone labels, every detector whose registry record has
   ``scope="vessel"`` (gaps, zone entries, EEZ incursions, loitering, fishing, identity
   conflicts), and the bucket's *footprint*: for each vessel and time bin of ``bin_h`` hours, the
   bounding box of its positions in the bin together with the positions bracketing the bin (so
   any point interpolated between two positions lies in it), and the positions of the events
   that the pair tasks' detectors read (``uses``; none for encounters). The boxes, widened by
   the largest halo of those detectors (:func:`pair_halo_m`), are cut into
   cells of ``cell_deg`` degrees and written, with the links, to one file per bucket
   (``footprint/bucket=K.parquet``, ``links/bucket=K.parquet``: one row group per *tile group*
   of consecutive time tiles, tile = time tile x space tile: this is the shuffle). Also the
   bucket's harbour cells and the per-vessel ``parts`` of the detectors that declare them
   (:attr:`vessels.events.registry.Detector.parts`).
2b. **global stage** (driver) — every ``scope="global"`` detector (identity changes across one
   IMO's MMSIs, watchlist hits, fleets of one flag at an EEZ edge) once, on its parts from
   every bucket and the per-vessel events it reads (``uses``) from every bucket; and so every
   *trackless* pair detector (dark rendezvous: silences and loitering events, no positions):
   what the in-process run computes, once (:data:`_TRACKLESS`).
3. **tile stage** (one task per tile group, reading only its row groups of every bucket's
   file; within it, tile by tile) — vessels whose widened boxes share a cell in the
   same time bin are candidate pairs. A pair close enough for any pair detector shares such a
   cell, so no pair is lost; the candidate set is the union over tiles (a set: a pair seen in
   two tiles is one candidate), each with the time windows of the rows its detection needs.
   The driver chains a pair's windows into *episodes* (:func:`_episodes`: no event spans two)
   and gives each episode to one *pair task*: the time span (``pair_span_h``) where it begins
   and the pair's hash bucket within the span (:func:`pair_spans`, :func:`pair_task_expr`).
3b. **shuffle stage** (one task per bucket) — reads the bucket's tracks once and writes, per
   pair task that needs any of its vessels, the rows of its episodes' windows (only the pair
   detectors' columns): one file per bucket, ``pairrows/bucket=K.parquet``, one row group per
   pair task ``J`` (column ``pair_bucket``; total reads linear in the rows; a row is copied to
   the few tasks whose episodes cover its hour, however long the input; files grow with the
   buckets, not buckets x pair tasks; see :func:`shuffle_stage`).
4. **pair stage** (one task per pair task) — reads only its own row groups, runs the pair
   detectors that read positions (encounters) and keeps the events of its pairs that start in
   one of its episodes: every pair event is found once.
4b. **partner stage** (one task per bucket) — the shuffle of the score stage's input: the
   driver reads every event once; of the bucket's vessels that other buckets' score tasks need
   (named with one of their vessels in an event) each task writes only what the scorer reads of
   a partner — its last known ship type and its segments' sizes, one row per segment — to
   ``partners/from=K.parquet``, one row group per score bucket ``TO`` (:func:`partner_stage`).
5. **score stage** (one task per bucket) — :func:`vessels.risk.scorer.score_inputs` of the
   bucket's positions and every event naming one of its vessels, with the partners' facts;
   only the bucket's vessels are kept, with the other rules' contributions and the network
   rules' edges (as :func:`vessels.risk.scorer.score_inputs` gives them).
6. **collect** — events, vessels, contributions and vessel-days are concatenated; the network
   rules are scored over all vessels (:func:`vessels.risk.scorer.with_network`: a contact's
   score may come from any bucket), and the tables sorted exactly as :func:`vessels.run` sorts
   them: they are byte-identical to an in-process run.

Intermediate data is hive-partitioned Parquet under ``work_dir`` (readable by polars, DuckDB,
Spark): ``positions/``, ``tracks/``, ``events_vessel/`` (``bucket=K``),
``footprint/`` and ``links/`` (``bucket=K.parquet``, row groups by tile group), ``pairrows/``
(``bucket=K.parquet``, row groups by pair task), ``events_global/``, ``events_pair/``
(``pair_bucket=J``) and ``partners/`` (``from=K.parquet``, row groups by score bucket).
``work_dir`` may be an fsspec URL (``s3://``, ``gs://``, ``abfs://``, ``file://``) that every
worker can reach.

Examples
--------
>>> import polars as pl
>>> pl.DataFrame({"mmsi": [345070339, 345070340]}, schema={"mmsi": pl.UInt32}).select(
...     bucket_expr(16)).to_series().to_list()
[5, 15]
"""

from __future__ import annotations

import dataclasses
import math
import os
import re
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import polars as pl

from vessels import schema as S
from vessels._geo import EARTH_RADIUS_M
from vessels.errors import ConfigError, UserError

__all__ = [
    "BUCKET_ROWS",
    "PartitionPlan",
    "PlanResult",
    "bucket_expr",
    "execute",
    "footprint_cells",
    "pair_bucket_expr",
    "pair_halo_m",
    "register_halo",
]

#: Default positions per bucket when ``buckets`` is not given (about 1.5 GB of working memory
#: per bucket in the vessel stage, measured on simulated traffic; see docs/scale-out.md).
BUCKET_ROWS = 2_000_000

_M32 = 0xFFFFFFFF
#: Knuth's multiplicative hashing constant (2^32 / golden ratio), TAOCP vol. 3, 6.4.
_KNUTH = 2_654_435_761
_METERS_PER_DEG = EARTH_RADIUS_M * math.pi / 180
_BUCKET = "bucket"
_PAIR_BUCKET = "pair_bucket"
_TILE = "tile"
_GROUP = "tile_group"
#: The score bucket a row of ``partners/from=K.parquet`` is for (one row group per value).
_TO = "to_bucket"


def _tile_group(plan: PartitionPlan, first: int, per_group: int) -> pl.Expr:
    """The tile group of a footprint row (from its ``bin``): ``per_group`` consecutive time tiles
    (of ``plan.tile_bins`` bins) from time tile ``first`` on, every space tile of them."""
    time_tile = pl.col("bin") // plan.tile_bins
    return ((time_tile - first) // per_group).clip(lower_bound=0).cast(pl.Int32).alias(_GROUP)


def tile_groups(plan: PartitionPlan, t0_us: int, t1_us: int, n_groups: int) -> tuple[int, int]:
    """``(first time tile, time tiles per group)`` splitting the time tiles of ``t0_us..t1_us``
    (epoch microseconds) into at most ``n_groups`` groups of consecutive time tiles.

    Examples
    --------
    >>> tile_groups(PartitionPlan(), 0, 7 * 86_400_000_000 - 1, 8)  # 14 half-days, 8 groups
    (0, 2)
    """
    span = round(plan.bin_h * 3_600_000_000) * plan.tile_bins
    first, last = t0_us // span, t1_us // span
    return first, max(1, -(-(last - first + 1) // max(1, n_groups)))


def _hash32(expr: pl.Expr) -> pl.Expr:
    """``((x mod 2^32) * 2654435761) mod 2^32`` in UInt64 arithmetic (never overflows)."""
    return ((expr.cast(pl.UInt64) & _M32) * _KNUTH) & _M32


def bucket_expr(n_buckets: int, column: str = S.MMSI) -> pl.Expr:
    """Bucket ``0 .. n_buckets-1`` of each MMSI: Knuth's multiplicative hash, high bits.

    ``bucket = (((mmsi mod 2^32) * 2654435761) mod 2^32) * n_buckets // 2^32``: plain integer
    arithmetic, so it is the same in every process, on every machine and in every polars version
    (unlike ``Expr.hash``, whose values polars does not promise to keep).

    Examples
    --------
    >>> pl.DataFrame({"m": [1, 2, 3]}).select(bucket_expr(4, "m")).to_series().to_list()
    [2, 0, 3]
    """
    if n_buckets < 1:
        raise UserError(f"buckets must be at least 1, got {n_buckets}")
    return ((_hash32(pl.col(column)) * n_buckets) // (1 << 32)).cast(pl.Int32).alias(_BUCKET)


def pair_bucket_expr(n_buckets: int, a: str = "a", b: str = "b") -> pl.Expr:
    """Bucket of an unordered vessel pair (``a < b``): hash of (hash(a) xor b), high bits.

    Examples
    --------
    >>> pl.DataFrame({"a": [1], "b": [2]}).select(pair_bucket_expr(8)).item()
    1
    """
    h = _hash32(_hash32(pl.col(a)) ^ (pl.col(b).cast(pl.UInt64) & _M32))
    return ((h * n_buckets) // (1 << 32)).cast(pl.Int32).alias(_PAIR_BUCKET)


# --- pair detectors' halo -------------------------------------------------------------------

_HALOS: dict[str, Callable[[Any], float]] = {
    S.ENCOUNTER: lambda c: max(p.max_dist_m for p in c.profiles),
    S.DARK_RENDEZVOUS: lambda c: c.max_sep_km * 1000.0,
}
#: Which links (two consecutive positions of a vessel) can hold a pair detector's evidence:
#: ``config -> (min_s, max_s)`` of the time between the two positions (None: no bound).
#: Encounters interpolate only across links shorter than ``max_interp_gap_h`` (and use every
#: position itself); dark rendezvous use silences of at least ``min_gap_h``.
_LINKS: dict[str, Callable[[Any], tuple[float | None, float | None]]] = {
    S.ENCOUNTER: lambda c: (None, c.max_interp_gap_h * 3600.0),
    S.DARK_RENDEZVOUS: lambda c: (c.min_gap_h * 3600.0 * 0.999, None),
}


#: Pair detectors whose event of vessels *a* and *b* depends only on the two vessels' positions
#: *at the same instant* (interpolated along links within the layer's bounds) and on their rows
#: within ``config -> seconds`` of the instants where they are within the halo. For these the
#: tile stage keeps a candidate pair only when the two vessels' linear motions along two links
#: come within the halo at one instant (exact closest approach, not shared cells alone), and
#: the pair stage reads only the rows within that window of such instants, never whole
#: histories. Encounters: grid points interpolate links shorter than ``max_interp_gap_h``, and
#: an event aggregates only its grid instants within the radius (:mod:`vessels.events.encounter`).
_WINDOW_S: dict[str, Callable[[Any], float]] = {
    S.ENCOUNTER: lambda c: c.max_interp_gap_h * 3600.0 + 2 * c.grid_min * 60.0 + 3600.0,
}
#: The time (``config -> seconds``) within which close instants of one pair can still belong
#: to one event of a ``_WINDOW_S`` detector: encounters merge runs less than ``merge_gap_h``
#: apart (the largest of its profiles). Windows of a pair nearer than this are one *episode*,
#: owned by one pair task (:func:`_episodes`); events never span two episodes.
_EPISODE_GAP_S: dict[str, Callable[[Any], float]] = {
    S.ENCOUNTER: lambda c: max(p.merge_gap_h for p in c.profiles) * 3600.0,
}
#: Pair detectors that read no position of the pair in a partitioned run: their per-vessel
#: :attr:`~vessels.events.registry.Detector.parts` (from every bucket) and the per-vessel events
#: they use (from the vessel stage) carry everything. Dark rendezvous: the silences (``parts``)
#: and the loitering events. Such a detector runs *once*, in the driver's global stage, on the
#: parts of every bucket and every bucket's events it uses: what the in-process run computes.
#: It has no footprint layer and no pair task (run in every pair task, each of them counted
#: the crowds of all the silences: pair tasks x silences, growing as the input squared).
_TRACKLESS: set[str] = {S.DARK_RENDEZVOUS}
#: The row-time window of a candidate pair of a detector that reads whole histories (declared
#: with :func:`register_halo` only): ``(lo, hi)`` in epoch microseconds.
_WHOLE = (-(2**62), 2**62)


def register_halo(
    event_type: str,
    halo_m: Callable[[Any], float],
    links: Callable[[Any], tuple[float | None, float | None]] | None = None,
) -> None:
    """Declare how far apart (metres, from its config) two vessels of a pair detector's event
    can be at one instant, and optionally which links between consecutive positions matter
    (``config -> (min_s, max_s)``; default: all). Needed for every ``scope="pair"`` detector."""
    _HALOS[event_type] = halo_m
    if links is not None:
        _LINKS[event_type] = links
    else:
        _LINKS.pop(event_type, None)
    # a detector declared here reads its pairs' whole histories (nothing else is known of it)
    _WINDOW_S.pop(event_type, None)
    _EPISODE_GAP_S.pop(event_type, None)
    _TRACKLESS.discard(event_type)


def pair_halo_m(event_type: str, config: Any) -> float:
    """The halo (metres) of one pair detector under ``config`` (its config section).

    Examples
    --------
    >>> from vessels.events import EncounterConfig
    >>> pair_halo_m("encounter", EncounterConfig())
    500.0
    """
    try:
        fn = _HALOS[event_type]
    except KeyError:
        raise ConfigError(
            f"pair detector {event_type!r} has no halo: declare it with "
            "vessels.partition.register_halo(event_type, lambda config: metres)"
        ) from None
    value = float(fn(config))
    if not math.isfinite(value) or value < 0:
        raise ConfigError(f"pair detector {event_type!r}: halo {value!r} m is not a distance")
    return value


@dataclass(frozen=True)
class Layer:
    """The footprint of one pair detector: halo, links that matter, event types it reads."""

    event_type: str
    halo_m: float
    min_link_s: float | None
    max_link_s: float | None
    uses: tuple[str, ...]
    #: rows of a pair needed within this many seconds of its close instants (None: see rows)
    window_s: float | None = None
    #: ``"window"`` (:data:`_WINDOW_S`) or ``"whole"``
    rows: str = "whole"
    #: windows of a pair nearer than this (seconds) are one episode (:data:`_EPISODE_GAP_S`)
    episode_gap_s: float = 0.0


def pair_layers(config: Any) -> list[Layer]:
    """One :class:`Layer` per pair detector that runs in the pair tasks (every registered
    ``scope="pair"`` detector but the trackless ones, :data:`_TRACKLESS`, which run once in
    the global stage) under ``config`` (a DetectorConfig)."""
    out = []
    for d in _pair_task_records():
        section = config.section(d.event_type)
        lo, hi = _LINKS.get(d.event_type, lambda _c: (None, None))(section)
        window = _WINDOW_S.get(d.event_type)
        gap = _EPISODE_GAP_S.get(d.event_type)
        out.append(
            Layer(
                d.event_type,
                pair_halo_m(d.event_type, section),
                lo,
                hi,
                tuple(d.uses),
                window_s=float(window(section)) if window else None,
                rows="window" if window else "whole",
                episode_gap_s=float(gap(section)) if gap else 0.0,
            )
        )
    return out


# --- the plan -------------------------------------------------------------------------------


@dataclass(frozen=True)
class PartitionPlan:
    """Sizes of the partitions (memory and parallelism, never results).

    Attributes
    ----------
    buckets
        MMSI buckets (None: one per :data:`BUCKET_ROWS` positions, at least 1).
    pair_buckets
        Pair tasks per time span of the pair stage: hash buckets of the candidate pairs (None:
        one per :data:`BUCKET_ROWS` positions of a span on average, at least 1).
    pair_span_h
        Time span of a pair task, hours: an episode of a pair (its close approaches, a few
        hours) goes to the pair task of the span where it begins (:func:`pair_spans`).
    bin_h
        Time bin of the footprint, hours (smaller: tighter boxes, more rows).
    cell_deg
        Cell of the pair matching, degrees (about the distance a vessel covers in ``bin_h``).
    tile_bins, tile_cells
        A space-time tile is ``tile_bins`` time bins by ``tile_cells`` x ``tile_cells`` cells.
    """

    buckets: int | None = None
    pair_buckets: int | None = None
    bin_h: float = 0.5
    cell_deg: float = 0.5
    tile_bins: int = 24
    tile_cells: int = 20
    pair_span_h: float = 24.0

    def __post_init__(self) -> None:
        for name in ("buckets", "pair_buckets"):
            v = getattr(self, name)
            if v is not None and (isinstance(v, bool) or not isinstance(v, int) or v < 1):
                raise UserError(f"{name} must be a whole number >= 1, got {v!r}")
        if not (self.bin_h > 0 and self.cell_deg > 0 and 180 % self.cell_deg < 1e-9):
            raise UserError("bin_h must be > 0 and cell_deg a divisor of 180")
        if self.tile_bins < 1 or self.tile_cells < 1:
            raise UserError("tile_bins and tile_cells must be >= 1")
        if not (self.pair_span_h > 0 and math.isfinite(self.pair_span_h)):
            raise UserError(f"pair_span_h must be a number of hours > 0, got {self.pair_span_h!r}")


@dataclass
class PlanResult:
    """What :func:`execute` returns to :func:`vessels.run`."""

    n_positions: int
    time_range: tuple[Any, Any]
    events: pl.DataFrame
    vessels: pl.DataFrame
    contributions: pl.DataFrame
    vessel_days: pl.DataFrame
    tracks_glob: str
    stats: dict[str, Any] = field(default_factory=dict)
    coverage: dict[str, Any] = field(default_factory=dict)


def _url(base: str, *parts: str) -> str:
    return "/".join([base.rstrip("/"), *parts])


def _local(url: str) -> bool:
    return "://" not in url or url.startswith("file://")


def _strip_file(url: str) -> str:
    return url[len("file://") :] if url.startswith("file://") else url


def _write(frame: pl.DataFrame, url: str) -> None:
    if _local(url):
        path = Path(_strip_file(url))
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
        frame.write_parquet(tmp, compression_level=1)
        tmp.replace(path)  # a retried task overwrites, never half-writes
    else:
        frame.write_parquet(url, compression_level=1)


def _write_grouped(frame: pl.DataFrame, url: str, key: str) -> None:
    """``frame`` (sorted by ``key``) as one Parquet file whose row groups each hold one value of
    ``key``: a reader filtering on ``key`` reads only its row groups (the statistics say which),
    so one file per map task serves every reduce task."""
    import pyarrow.parquet as pq

    table = frame.to_arrow()
    sizes = frame.group_by(key, maintain_order=True).len()["len"].to_list()
    # no dictionary for floats (coordinates, times in hours: nearly all distinct): on the
    # footprint, links and pair rows it made files 15-35 % larger and their writing 1.4-2 x
    # slower, and reading them no faster
    coded = [c for c, dtype in frame.schema.items() if not dtype.is_float()]

    def emit(where: Any) -> None:
        with pq.ParquetWriter(
            where, table.schema, compression="zstd", compression_level=1, use_dictionary=coded
        ) as w:
            offset = 0
            for n in sizes:
                w.write_table(table.slice(offset, n), row_group_size=n)
                offset += n

    if _local(url):
        path = Path(_strip_file(url))
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
        emit(str(tmp))
        tmp.replace(path)  # a retried task overwrites, never half-writes
    else:
        import fsspec  # installed with the [dask] extra

        with fsspec.open(url, "wb") as f:
            emit(f)


def _pattern(glob: str) -> str:
    """``glob`` (a local path with ``*`` wildcards) with ``[``, ``]`` and ``?`` matched literally.

    Work directories are named by users (``--out "runs [test]"``); only ``*`` is ours.

    >>> _pattern("/tmp/run [1]/tracks/*/*.parquet")
    '/tmp/run [[]1[]]/tracks/*/*.parquet'
    """
    if not _local(glob):
        return glob
    return re.sub(r"([\[\]?])", r"[\1]", _strip_file(glob))


def _scan(glob: str, *, hive: bool = False) -> pl.LazyFrame:
    return pl.scan_parquet(_pattern(glob), hive_partitioning=hive, missing_columns="insert")


def _exists(glob: str) -> bool:
    import glob as _glob

    if _local(glob):
        return bool(_glob.glob(_pattern(glob), recursive=True))
    import fsspec  # installed with the [dask] extra

    fs, path = fsspec.core.url_to_fs(glob)
    return bool(fs.glob(path))


def _types(scope: str) -> list[str]:
    from vessels.events import detectors

    return [d.event_type for d in detectors() if d.scope == scope]


# --- step 2: per bucket ---------------------------------------------------------------------


def footprint_cells(
    tracks: pl.DataFrame,
    events: pl.DataFrame,
    layers: list[Layer],
    *,
    bin_h: float,
    cell_deg: float,
    tile_bins: int,
    tile_cells: int,
) -> pl.DataFrame:
    """Cells ``(tile, layer, mmsi, bin, cy, cx)`` that a vessel's widened footprint touches.

    For each segment and each vessel (both, so that silences between segments are covered),
    consecutive positions form links: the box of the two positions over the time between them;
    every position is also a point. A layer (one pair detector) keeps the links whose duration
    is within its bounds (points when it has no lower bound) and the positions of the events
    it reads (``uses``, over their period). Per layer, vessel and time bin the boxes are
    merged, widened by the layer's halo (longitude at the box's highest latitude) and cut into
    ``cell_deg`` cells (longitudes wrap at the antimeridian).
    """
    bin_us = round(bin_h * 3_600_000_000)
    us = pl.col(S.TS).dt.epoch("us")

    def links(keys: list[str]) -> pl.LazyFrame:
        nxt = [pl.col(c).shift(-1).over(keys) for c in ("_t", S.LAT, S.LON)]
        return (
            tracks.lazy()
            .select(*keys, us.alias("_t"), S.LAT, S.LON)
            .sort([*keys, "_t"])
            .with_columns(nxt[0].alias("_t1"), nxt[1].alias("_lat1"), nxt[2].alias("_lon1"))
            .drop_nulls("_t1")
            .select(
                S.MMSI,
                pl.col("_t").alias("t0"),
                pl.col("_t1").alias("t1"),
                pl.min_horizontal(S.LAT, "_lat1").alias("lat0"),
                pl.max_horizontal(S.LAT, "_lat1").alias("lat1"),
                pl.min_horizontal(S.LON, "_lon1").alias("lon0"),
                pl.max_horizontal(S.LON, "_lon1").alias("lon1"),
            )
        )

    all_links = pl.concat([links([S.MMSI]), links([S.MMSI, S.SEGMENT_ID])]).collect()
    points = tracks.select(
        S.MMSI,
        us.alias("t0"),
        us.alias("t1"),
        pl.col(S.LAT).alias("lat0"),
        pl.col(S.LAT).alias("lat1"),
        pl.col(S.LON).alias("lon0"),
        pl.col(S.LON).alias("lon1"),
    )
    n_lon = round(360 / cell_deg)
    n_lat = round(180 / cell_deg)
    out: list[pl.LazyFrame] = []
    for i, layer in enumerate(layers):
        dt = pl.col("t1") - pl.col("t0")
        keep = pl.lit(True)
        if layer.min_link_s is not None:
            keep = keep & (dt >= layer.min_link_s * 1e6)
        if layer.max_link_s is not None:
            keep = keep & (dt <= layer.max_link_s * 1e6)
        parts = [all_links.lazy().filter(keep)]
        if layer.min_link_s is None:
            parts.append(points.lazy())
        if layer.uses:
            parts.append(
                events.lazy()
                .filter(pl.col(S.EVENT_TYPE).is_in(list(layer.uses)))
                .drop_nulls([S.LAT, S.LON, S.START_TS])
                .select(
                    pl.col(S.MMSI).cast(pl.UInt32),
                    pl.col(S.START_TS).dt.epoch("us").alias("t0"),
                    pl.coalesce(S.END_TS, S.START_TS).dt.epoch("us").alias("t1"),
                    pl.col(S.LAT).alias("lat0"),
                    pl.col(S.LAT).alias("lat1"),
                    pl.col(S.LON).alias("lon0"),
                    pl.col(S.LON).alias("lon1"),
                )
            )
        dlat = 1.05 * layer.halo_m / _METERS_PER_DEG  # 5 % margin over the spherical bound
        top = (pl.max_horizontal(pl.col("lat0").abs(), pl.col("lat1").abs()) + dlat).clip(0, 89.9)
        dlon = dlat / top.radians().cos()
        wide = pl.col("cx1") - pl.col("cx0") + 1 >= n_lon
        boxes = (
            pl.concat(parts)
            .filter(pl.col("t1") >= pl.col("t0"))
            .with_columns(
                pl.int_ranges(pl.col("t0") // bin_us, pl.col("t1") // bin_us + 1).alias("bin")
            )
            .explode("bin")
            .group_by(S.MMSI, "bin")
            .agg(pl.min("lat0"), pl.max("lat1"), pl.min("lon0"), pl.max("lon1"))
            .with_columns(
                ((pl.col("lat0") - dlat + 90) / cell_deg).floor().clip(0, n_lat - 1).alias("cy0"),
                ((pl.col("lat1") + dlat + 90) / cell_deg).floor().clip(0, n_lat - 1).alias("cy1"),
                ((pl.col("lon0") - dlon + 180) / cell_deg).floor().alias("cx0"),
                ((pl.col("lon1") + dlon + 180) / cell_deg).floor().alias("cx1"),
            )
            .with_columns(
                pl.when(wide).then(pl.lit(0.0)).otherwise(pl.col("cx0")).alias("cx0"),
                pl.when(wide).then(pl.lit(float(n_lon - 1))).otherwise(pl.col("cx1")).alias("cx1"),
            )
            .with_columns(
                pl.col("cy0", "cy1", "cx0", "cx1").cast(pl.Int64),
                (pl.col("lat0") - dlat).alias("y0"),
                (pl.col("lat1") + dlat).alias("y1"),
                pl.when(wide | (pl.col("lon0") - dlon < -180) | (pl.col("lon1") + dlon > 180))
                .then(pl.lit(-1e9))
                .otherwise(pl.col("lon0") - dlon)
                .alias("x0"),
                pl.when(wide | (pl.col("lon0") - dlon < -180) | (pl.col("lon1") + dlon > 180))
                .then(pl.lit(1e9))
                .otherwise(pl.col("lon1") + dlon)
                .alias("x1"),
            )
        )
        out.append(
            boxes.with_columns(pl.int_ranges("cy0", pl.col("cy1") + 1).alias("cy"))
            .explode("cy")
            .with_columns(pl.int_ranges("cx0", pl.col("cx1") + 1).alias("cx"))
            .explode("cx")
            .with_columns((pl.col("cx") % n_lon).alias("cx"))  # wrap at the antimeridian
            .select(
                pl.concat_str(
                    [
                        (pl.col("bin") // tile_bins).cast(pl.String),
                        (pl.col("cy") // tile_cells).cast(pl.String),
                        (pl.col("cx") // tile_cells).cast(pl.String),
                    ],
                    separator="_",
                ).alias(_TILE),
                pl.lit(i, dtype=pl.Int16).alias("layer"),
                S.MMSI,
                "bin",
                "cy",
                "cx",
                "y0",
                "y1",
                "x0",
                "x1",
            )
            .unique()
        )
    if not out:
        return pl.DataFrame()
    return pl.concat(out).sort(_TILE, "layer", S.MMSI, "bin", "cy", "cx").collect()


def footprint_links(tracks: pl.DataFrame, layers: list[Layer], *, bin_h: float) -> pl.DataFrame:
    """The links of each ``rows="window"`` layer: ``(layer, mmsi, bin, t0, t1, lat0, lon0, lat1,
    lon1, r_m)``, one row per link and time bin it spans.

    A link joins two consecutive instants of one segment (the detector interpolates only within
    segments) whose time apart is within the layer's bounds; an instant whose neighbours both
    lie beyond them is a link of its own (``t0 == t1``). Reports sharing an instant are one
    point, the centre of their box, with ``r_m`` (an upper bound of the box's half-diagonal)
    covering them: any point the detector interpolates between two such instants lies within
    ``r_m`` of the linear motion of the centres (the larger ``r_m`` of the two ends).
    """
    wanted = [(i, la) for i, la in enumerate(layers) if la.rows == "window"]
    if not wanted or tracks.height == 0:
        return pl.DataFrame(schema=_LINK_SCHEMA)
    bin_us = round(bin_h * 3_600_000_000)
    keys = [S.MMSI, S.SEGMENT_ID]
    groups = (
        tracks.lazy()
        .filter(
            pl.col(S.TS).is_not_null() & pl.col(S.LAT).is_not_null() & pl.col(S.LON).is_not_null()
        )
        .select(*keys, pl.col(S.TS).dt.epoch("us").alias("_t"), S.LAT, S.LON)
        .group_by(*keys, "_t")
        .agg(
            ((pl.col(S.LAT).min() + pl.col(S.LAT).max()) / 2).alias("_y"),
            ((pl.col(S.LON).min() + pl.col(S.LON).max()) / 2).alias("_x"),
            (
                (
                    (pl.col(S.LAT).max() - pl.col(S.LAT).min()) ** 2
                    + (pl.col(S.LON).max() - pl.col(S.LON).min()) ** 2
                ).sqrt()
                * (0.5 * _METERS_PER_DEG)
            ).alias("_r"),
        )
        .sort(*keys, "_t")
        .collect()
    )
    same_next = pl.all_horizontal([pl.col(k) == pl.col(k).shift(-1) for k in keys]).fill_null(False)
    same_prev = pl.all_horizontal([pl.col(k) == pl.col(k).shift() for k in keys]).fill_null(False)

    def segments(rows: pl.DataFrame, end: str) -> pl.DataFrame:
        # From a row to its next row (end "1") or to itself (end "": a lone fix).
        return rows.select(
            S.MMSI,
            pl.col("_t").alias("t0"),
            pl.col(f"_t{end}").alias("t1"),
            pl.col("_y").alias("lat0"),
            pl.col("_x").alias("lon0"),
            pl.col(f"_y{end}").alias("lat1"),
            pl.col(f"_x{end}").alias("lon1"),
            pl.max_horizontal("_r", f"_r{end}").alias("r_m"),
        )

    out = []
    for i, layer in wanted:
        span_next = pl.col("_t").shift(-1) - pl.col("_t")
        span_prev = pl.col("_t") - pl.col("_t").shift()

        def within(span: pl.Expr, layer: Layer = layer) -> pl.Expr:
            ok = pl.lit(True)
            if layer.min_link_s is not None:
                ok = ok & (span >= layer.min_link_s * 1e6)
            if layer.max_link_s is not None:
                ok = ok & (span <= layer.max_link_s * 1e6)
            return ok

        marked = groups.with_columns(
            (same_next & within(span_next)).alias("_ln"),
            (same_prev & within(span_prev)).alias("_lp"),
            pl.col("_t", "_y", "_x", "_r").shift(-1).name.suffix("1"),
        )
        link_rows = segments(marked.filter("_ln"), "1")
        lone = segments(marked.filter(~pl.col("_ln") & ~pl.col("_lp")), "")
        out.append(
            pl.concat([link_rows, lone])
            .with_columns(
                pl.lit(i, dtype=pl.Int16).alias("layer"),
                pl.int_ranges(pl.col("t0") // bin_us, pl.col("t1") // bin_us + 1).alias("bin"),
            )
            .explode("bin")
            .select(list(_LINK_SCHEMA))
        )
    return pl.concat(out).cast(_LINK_SCHEMA)  # type: ignore[arg-type]


_LINK_SCHEMA: dict[str, pl.DataType] = {
    "layer": pl.Int16(),
    S.MMSI: pl.UInt32(),
    "bin": pl.Int64(),
    "t0": pl.Int64(),
    "t1": pl.Int64(),
    "lat0": pl.Float64(),
    "lon0": pl.Float64(),
    "lat1": pl.Float64(),
    "lon1": pl.Float64(),
    "r_m": pl.Float64(),
}


#: The zone index of the run's zone layer, built once per process (worker) and reused by every
#: bucket it labels: ``id(zones) -> (zones, ZoneIndex)`` (a strong reference keeps the id valid).
_INDEXES: dict[int, tuple[Any, Any]] = {}


def _zone_index(zones: Any) -> Any:
    """``zones`` as a :class:`vessels.zones.ZoneIndex`, built once per process (about 2 s on the
    default layers: per bucket it was a fixed cost of every vessel task)."""
    from vessels.zones import ZoneIndex

    if zones is None or isinstance(zones, ZoneIndex):
        return zones
    hit = _INDEXES.get(id(zones))
    if hit is not None and hit[0] is zones:
        return hit[1]
    _INDEXES.clear()  # one zone layer per run: never hold two
    index = ZoneIndex(zones)
    _INDEXES[id(zones)] = (zones, index)
    return index


def context_stage(
    bucket: int, *, work: str, rows_bound: int, parts: int = 1, cuts: Any = None
) -> Any:
    """Step 1b for one bucket: the :class:`vessels.events.coverage.ContextPart` of its positions
    (first look), or with ``cuts`` its :func:`vessels.events.coverage.context_tails` (second).

    ``rows_bound`` is the run's total rows and ``parts`` its number of buckets (each part keeps
    a ladder of every ``parts``-th of the extreme values the whole input's horizon and extent
    can need); the driver merges the parts with
    :func:`vessels.events.coverage.context_from_parts` into exactly the context of all the
    positions, without any process holding them all.
    """
    from vessels.events.coverage import context_part, context_tails

    scan = _scan(_url(work, "positions", f"{_BUCKET}={bucket}", "*.parquet"))
    if cuts is not None:
        return context_tails(scan, cuts)
    return context_part(scan, rows_bound=rows_bound, parts=parts)


def vessel_stage(
    bucket: int,
    work: str,
    zones: Any,
    profile: Any,
    plan: PartitionPlan,
    layers: list[Layer],
    coverage: Any = None,
    groups: tuple[int, int] = (0, 1),
) -> dict[str, Any]:
    """Step 2 for one MMSI bucket: zone labels, per-vessel detectors, footprint cells.

    The footprint cells and links go to one file each, ``footprint/bucket=K.parquet`` and
    ``links/bucket=K.parquet``, sorted by tile group (``groups``: ``(first time tile, time tiles
    per group)``, :func:`_tile_group`) with one row group per group, so a tile task reads only
    its group's row groups of each file: files grow with the buckets, not buckets x tiles.

    ``coverage`` is the :class:`vessels.events.coverage.CoverageContext` of the whole input (step
    1b): the detectors of a bucket see the run's anchorages, data horizon and coverage extent,
    not the bucket's. The bucket's harbour cells are written for the pair stage.
    """
    from vessels.events import Context, _config, detect_events
    from vessels.events._common import prepare
    from vessels.events.coverage import harbour_cells
    from vessels.events.fishing import score_positions
    from vessels.zones import label_zones
    from vessels.zones._coverage import coverage_parts

    t = time.perf_counter()
    positions = _scan(_url(work, "positions", f"{_BUCKET}={bucket}", "*.parquet")).collect()
    labelled = label_zones(positions, _zone_index(zones))
    del positions
    geo_counts, fix_intervals = coverage_parts(labelled)  # summed over buckets by the driver
    # the per-position fishing score, as the in-process run writes it to tracks.parquet (whole
    # vessels are in one bucket, so its windows see the same positions)
    labelled = score_positions(labelled, _config(profile).fishing)
    _write(labelled, _url(work, "tracks", f"{_BUCKET}={bucket}", "part-0.parquet"))
    events = detect_events(labelled, zones, profile, types=_types("vessel"), coverage=coverage)
    _write(events, _url(work, "events_vessel", f"{_BUCKET}={bucket}", "part-0.parquet"))
    with_parts = _part_records()
    if with_parts:  # per-vessel rows that detectors need of all vessels (step 3b, step 4)
        cfg = _config(profile)
        prepared = prepare(labelled)
        ctx = Context(zones=zones, coverage=coverage)
        done: dict[Any, pl.DataFrame] = {}  # detectors sharing a parts function share its rows
        for d in with_parts:
            if d.parts not in done:
                done[d.parts] = d.parts(prepared, cfg.section(d.event_type), ctx)
            _write(
                done[d.parts],
                _url(work, "parts", f"type={d.event_type}", f"{_BUCKET}={bucket}.parquet"),
            )
        del prepared
    located = labelled.filter(
        pl.col(S.TS).is_not_null() & pl.col(S.LAT).is_not_null() & pl.col(S.LON).is_not_null()
    )
    _write(
        harbour_cells(located, coverage),
        _url(work, "harbour", f"{_BUCKET}={bucket}", "part-0.parquet"),
    )
    n_cells = n_links = 0
    present: list[int] = []
    if layers:
        cells = footprint_cells(
            labelled,
            events,
            layers,
            bin_h=plan.bin_h,
            cell_deg=plan.cell_deg,
            tile_bins=plan.tile_bins,
            tile_cells=plan.tile_cells,
        )
        n_cells = cells.height
        group = _tile_group(plan, *groups)
        cells = cells.with_columns(group).sort(_GROUP, _TILE, maintain_order=True)
        present = cells[_GROUP].unique().sort().to_list()
        if n_cells:
            _write_grouped(cells, _url(work, "footprint", f"{_BUCKET}={bucket}.parquet"), _GROUP)
        links = footprint_links(labelled, layers, bin_h=plan.bin_h)
        if links.height:
            # each link goes to every tile where its vessel's box of that bin has a cell
            placed = (
                links.join(
                    cells.select(_TILE, "layer", S.MMSI, "bin").unique(),
                    on=["layer", S.MMSI, "bin"],
                    how="inner",
                )
                .with_columns(group)
                .sort(_GROUP, _TILE, "layer", S.MMSI, "bin", "t0", "t1")
            )
            n_links = placed.height
            if n_links:
                _write_grouped(placed, _url(work, "links", f"{_BUCKET}={bucket}.parquet"), _GROUP)
    return {
        "bucket": bucket,
        "positions": labelled.height,
        "events": events.height,
        "footprint_cells": n_cells,
        "footprint_links": n_links,
        "tile_groups": present,
        "seconds": round(time.perf_counter() - t, 3),
        "geo_counts": geo_counts,
        "fix_intervals": fix_intervals,
    }


def _pair_records() -> list[Any]:
    from vessels.events import detectors

    return [d for d in detectors() if d.scope == "pair"]


def _pair_task_records() -> list[Any]:
    """The pair detectors that run in the pair tasks (every one but the trackless ones)."""
    return [d for d in _pair_records() if d.event_type not in _TRACKLESS]


def _global_records() -> list[Any]:
    """The detectors of the global stage: ``scope="global"``, and the trackless pair detectors
    (:data:`_TRACKLESS`), in registry order."""
    from vessels.events import detectors

    return [
        d
        for d in detectors()
        if d.scope == "global" or (d.scope == "pair" and d.event_type in _TRACKLESS)
    ]


def _part_records() -> list[Any]:
    from vessels.events import detectors

    return [d for d in detectors() if d.parts is not None]


def _parts_of(work: str, event_type: str) -> pl.DataFrame | None:
    """The parts of one detector from every bucket, in MMSI order (as in process)."""
    glob = _url(work, "parts", f"type={event_type}", "*.parquet")
    if not _exists(glob):
        return None
    # every MMSI is in one bucket: sorted by MMSI (stably), the in-process order
    return _scan(glob).collect().sort(S.MMSI, maintain_order=True)


#: The tracks handed to a global detector in the driver: none (it reads its parts), but with
#: the columns of segmented, zone-labelled tracks, as the detectors' stage contract requires.
_NO_TRACKS = pl.DataFrame(
    schema={**S.POSITION_SCHEMA, **S.SEGMENT_DERIVED_SCHEMA, **S.ZONE_LABEL_SCHEMA}
)


def global_stage(
    work: str, zones: Any, profile: Any, coverage: Any, watchlist: pl.DataFrame | None = None
) -> int:
    """Step 2b: each ``scope="global"`` detector, and each trackless pair detector
    (:data:`_TRACKLESS`: dark rendezvous), once, on its parts from every bucket and the
    per-vessel events it reads (``uses``) from every bucket — exactly the in-process input."""
    from vessels.events import detect_events, sort_events

    found = []
    for d in _global_records():
        parts = _parts_of(work, d.event_type)
        if parts is None:
            continue
        # the per-vessel events it reads (fleets: every bucket's EEZ incursions)
        given = {
            u: sort_events(
                _scan(_url(work, "events_vessel", "*", "*.parquet"))
                .filter(pl.col(S.EVENT_TYPE) == u)
                .collect()
            )
            for u in d.uses
        }
        found.append(
            detect_events(
                _NO_TRACKS,
                zones,
                profile,
                types=[d.event_type],
                coverage=coverage,
                parts={d.event_type: parts},
                watchlist=watchlist,
                given=given,
            )
        )
    events = pl.concat(found) if found else S.empty_events()
    _write(events, _url(work, "events_global", "part-0.parquet"))
    return events.height


# --- step 3: per tile -----------------------------------------------------------------------


#: Schema of the tile stage's candidates: the pair and a window of its rows (``lo..hi``, epoch
#: microseconds; :data:`_WHOLE`: the whole histories).
_CANDIDATE_SCHEMA: dict[str, pl.DataType] = {
    "a": pl.UInt32(),
    "b": pl.UInt32(),
    "lo": pl.Int64(),
    "hi": pl.Int64(),
}
#: Beyond this latitude or longitude (degrees) a link pair is kept without the closest-approach
#: test (its flat metric and the detector's linear interpolation across the antimeridian differ).
_EXACT_MAX_LAT = 80.0
_EXACT_MAX_LON = 179.0


def _close_links(cand: pl.LazyFrame, links: pl.LazyFrame, halo_m: float) -> pl.LazyFrame:
    """Link pairs of candidate ``(layer, bin, a, b)`` whose linear motions come within
    ``halo_m`` at one instant: ``(a, b, lo, hi)``, ``lo..hi`` their common time (us).

    Flat metric with the cosine of the highest latitude involved (so never longer than the
    great-circle distance the detector measures), 1 % + 1 m of margin, 1 ms of slack on the
    times (the detector compares instants at millisecond resolution).
    """
    la = links.rename({S.MMSI: "a"})
    lb = links.rename({S.MMSI: "b"})
    slack = 1000
    lo = pl.max_horizontal("t0", "t0_b") - slack
    hi = pl.min_horizontal("t1", "t1_b") + slack
    lat_cols = ["lat0", "lat1", "lat0_b", "lat1_b"]
    lon_cols = ["lon0", "lon1", "lon0_b", "lon1_b"]
    top = pl.max_horizontal([pl.col(c).abs() for c in lat_cols])
    kx = (top + 1.05 * halo_m / _METERS_PER_DEG).clip(0, 89.99).radians().cos() * _METERS_PER_DEG

    def at(t: pl.Expr, sfx: str) -> tuple[pl.Expr, pl.Expr]:
        t0, t1 = pl.col(f"t0{sfx}"), pl.col(f"t1{sfx}")
        f = pl.when(t1 > t0).then((t - t0) / (t1 - t0)).otherwise(0.0)
        y = pl.col(f"lat0{sfx}") + f * (pl.col(f"lat1{sfx}") - pl.col(f"lat0{sfx}"))
        x = pl.col(f"lon0{sfx}") + f * (pl.col(f"lon1{sfx}") - pl.col(f"lon0{sfx}"))
        return y, x

    ya0, xa0 = at(pl.col("_lo"), "")
    yb0, xb0 = at(pl.col("_lo"), "_b")
    ya1, xa1 = at(pl.col("_hi"), "")
    yb1, xb1 = at(pl.col("_hi"), "_b")
    # relative position at lo (d0) and at hi (d1), metres; closest point of the segment d0-d1
    dy0 = (ya0 - yb0) * _METERS_PER_DEG
    dx0 = (xa0 - xb0) * pl.col("_kx")
    vy = (ya1 - yb1) * _METERS_PER_DEG - pl.col("_dy0")
    vx = (xa1 - xb1) * pl.col("_kx") - pl.col("_dx0")
    vv = pl.col("_vy") ** 2 + pl.col("_vx") ** 2
    u = (
        pl.when(pl.col("_vv") > 0)
        .then(-(pl.col("_dy0") * pl.col("_vy") + pl.col("_dx0") * pl.col("_vx")) / pl.col("_vv"))
        .otherwise(0.0)
        .clip(0.0, 1.0)
    )
    dist = (
        (pl.col("_dy0") + pl.col("_u") * pl.col("_vy")) ** 2
        + (pl.col("_dx0") + pl.col("_u") * pl.col("_vx")) ** 2
    ).sqrt()
    unsure = (top > _EXACT_MAX_LAT) | (
        pl.max_horizontal([pl.col(c).abs() for c in lon_cols]) > _EXACT_MAX_LON
    )
    return (
        cand.join(la, on=["layer", "bin", "a"])
        .join(lb, on=["layer", "bin", "b"], suffix="_b")
        .with_columns(lo.alias("_lo"), hi.alias("_hi"))
        .filter(pl.col("_lo") <= pl.col("_hi"))
        .with_columns(kx.alias("_kx"))
        .with_columns(dy0.alias("_dy0"), dx0.alias("_dx0"))
        .with_columns(vy.alias("_vy"), vx.alias("_vx"))
        .with_columns(vv.alias("_vv"))
        .with_columns(u.alias("_u"))
        .filter(unsure | (dist <= (halo_m + pl.col("r_m") + pl.col("r_m_b")) * 1.01 + 1.0))
        .select("a", "b", pl.col("_lo").alias("lo"), pl.col("_hi").alias("hi"))
    )


def tile_stage(group: int, work: str, layers: list[Layer] | None = None) -> pl.DataFrame:
    """Step 3 for one tile group (consecutive time tiles, :func:`tile_groups`): per space-time
    tile of the group, candidate pairs ``a < b`` sharing a cell in a bin, with the time window
    of the rows the pair stage needs (``a, b, lo, hi``; :data:`_WHOLE`: the whole histories).
    Reads only the group's row groups of every bucket's footprint file.

    For a ``rows="window"`` layer (:data:`_WINDOW_S`) a pair is a candidate only where two of
    its links come within the halo at one instant (:func:`_close_links`); its window is their
    common time widened by the layer's ``window_s``.
    """
    mine = pl.col(_GROUP) == group
    cells = _scan(_url(work, "footprint", "*.parquet")).filter(mine).drop(_GROUP).collect()
    layers = layers or []
    by_tile: dict[Any, pl.DataFrame] = {}
    if any(la.rows == "window" and la.window_s is not None for la in layers):
        glob = _url(work, "links", "*.parquet")
        if not _exists(glob):  # pragma: no cover - written with the cells
            raise UserError(f"work directory {work}: footprint links missing")
        links = _scan(glob).filter(mine).drop(_GROUP).collect()
        by_tile = links.partition_by(_TILE, as_dict=True, include_key=False)
        del links
    out = [
        _tile_candidates(part, by_tile.get((tile,)), layers)
        for (tile,), part in cells.group_by(_TILE, maintain_order=True)
    ]
    if not out:
        return pl.DataFrame(schema=_CANDIDATE_SCHEMA)
    return _merge_windows(pl.concat(out))


def _tile_candidates(
    cells: pl.DataFrame, links: pl.DataFrame | None, layers: list[Layer]
) -> pl.DataFrame:
    """The candidates of one tile (see :func:`tile_stage`) from its cells and links."""
    cells = cells.drop(_TILE)
    right = cells.rename({S.MMSI: "b"})
    cand = (
        cells.rename({S.MMSI: "a"})
        .join(right, on=["layer", "bin", "cy", "cx"], suffix="_b")
        # the widened boxes overlap (a box at the antimeridian spans every longitude)
        .filter(
            (pl.col("a") < pl.col("b"))
            & (pl.col("y0") <= pl.col("y1_b"))
            & (pl.col("y0_b") <= pl.col("y1"))
            & (pl.col("x0") <= pl.col("x1_b"))
            & (pl.col("x0_b") <= pl.col("x1"))
        )
        .select("layer", "bin", "a", "b")
        .unique()
    )
    del cells, right
    out = []
    for i in cand["layer"].unique().sort().to_list():
        layer = layers[i] if i < len(layers) else None
        mine = cand.filter(pl.col("layer") == i)
        if layer is not None and layer.rows == "window" and layer.window_s is not None:
            if links is None:  # pragma: no cover - written with the cells
                raise UserError("footprint links of a tile missing")
            pad = round(layer.window_s * 1e6)
            close = _close_links(
                mine.lazy(), links.lazy().filter(pl.col("layer") == i), layer.halo_m
            )
            out.append(close.select("a", "b", pl.col("lo") - pad, pl.col("hi") + pad).collect())
        else:
            lo, hi = _WHOLE
            out.append(
                mine.select("a", "b", pl.lit(lo).alias("lo"), pl.lit(hi).alias("hi")).unique()
            )
    if not out:
        return pl.DataFrame(schema=_CANDIDATE_SCHEMA)
    return pl.concat([f.cast(_CANDIDATE_SCHEMA) for f in out])  # type: ignore[arg-type]


def _merge_windows(frame: pl.DataFrame, keys: tuple[str, ...] = ("a", "b")) -> pl.DataFrame:
    """Overlapping or touching ``lo..hi`` windows of the same ``keys`` merged into one; sorted
    by ``keys``, ``lo``."""
    k = list(keys)
    real = frame.select(*k, "lo", "hi").sort(*k, "lo", "hi")
    if real.height:
        start = _chain_starts(real, k, 0)
        first = np.flatnonzero(start)
        hi = np.maximum.reduceat(real["hi"].to_numpy(), first)
        real = real.filter(pl.Series(start)).with_columns(
            pl.Series("hi", hi, dtype=real["hi"].dtype)
        )
    return real.sort(*k, "lo", "hi")


def _chain_starts(frame: pl.DataFrame, keys: list[str], within_us: int) -> Any:
    """Numpy booleans of the rows of ``frame`` (``lo..hi`` windows, sorted by ``keys``, ``lo``)
    that begin a *chain*: the first window of its key, or one starting more than ``within_us``
    after the latest end of its key's windows before it.

    One pass, linear after one sort of ``hi``: the latest end so far within a key is a running
    maximum over the whole frame of ``key number * n + rank of hi`` (a later key's numbers
    exceed every earlier one's). ``cum_max().over(keys)`` did the same per key, and grew faster
    than the rows with the number of keys (a month's candidate pairs: 5.8 CPU s of 8.4 for
    1.44 M windows of 0.9 M pairs, 4.5 x the pairs costing 5.5 x the time).

    Examples
    --------
    >>> w = pl.DataFrame({"a": [1, 1, 1, 2], "lo": [0, 4, 20, 5], "hi": [10, 6, 30, 8]})
    >>> _chain_starts(w, ["a"], 5).tolist()
    [True, False, True, True]
    """
    n = frame.height
    new_key = frame.select(
        pl.any_horizontal([pl.col(c).ne_missing(pl.col(c).shift()) for c in keys])
    ).to_series()
    first = new_key.to_numpy().copy()
    first[0] = True
    key_no = np.cumsum(first, dtype=np.int64) - 1
    ends, rank = np.unique(frame["hi"].to_numpy(), return_inverse=True)
    running = np.maximum.accumulate(key_no * len(ends) + rank.reshape(-1))
    # the latest end before each row within its key (rows that begin a key: any, unused)
    before = np.where(first[1:], 0, running[:-1] - key_no[1:] * len(ends))
    reach = np.empty(n, dtype=np.int64)
    reach[0] = 0
    reach[1:] = ends[before]
    return first | (frame["lo"].to_numpy() > reach + within_us)


def _episodes(windows: pl.DataFrame, within_us: int) -> pl.DataFrame:
    """``windows`` (``a, b, lo, hi``, merged per pair, :func:`_merge_windows`) with the bounds
    ``ep_lo, ep_hi`` of their pair's *episode*: its windows chained where less than
    ``within_us`` apart.

    One pair task owns an episode and keeps the pair's events that start in it. An event's
    close instants lie in the pair's windows (the tile stage's guarantee) and the detector joins
    close instants only less than the largest :data:`_EPISODE_GAP_S` apart, so every event lies
    in one episode and is kept by exactly one task, which has the rows of all its windows.

    Examples
    --------
    >>> w = pl.DataFrame({"a": [1, 1, 1], "b": [2, 2, 2], "lo": [0, 10, 50], "hi": [5, 20, 60]})
    >>> _episodes(w, 8).select("lo", "ep_lo", "ep_hi").rows()
    [(0, 0, 20), (10, 0, 20), (50, 50, 60)]
    """
    k = ["a", "b"]
    out = windows.sort(*k, "lo", "hi")
    if not out.height:
        return out.with_columns(pl.col("lo").alias("ep_lo"), pl.col("hi").alias("ep_hi"))
    start = _chain_starts(out, k, within_us)
    first = np.flatnonzero(start)
    episode = np.cumsum(start) - 1
    # sorted by lo within a pair: an episode's first window has its lowest lo
    ep_lo = out["lo"].to_numpy()[first][episode]
    ep_hi = np.maximum.reduceat(out["hi"].to_numpy(), first)[episode]
    return out.with_columns(
        pl.Series("ep_lo", ep_lo, dtype=out["lo"].dtype),
        pl.Series("ep_hi", ep_hi, dtype=out["hi"].dtype),
    )


# --- step 4: per pair task ------------------------------------------------------------------


_HOUR_US = 3_600_000_000


def pair_spans(plan: PartitionPlan, t0_us: int, t1_us: int, n_rows: int) -> tuple[int, int, int]:
    """``(span_us, n_spans, per_span)``: the pair tasks of a run over ``t0_us..t1_us`` (epoch
    microseconds, ``n_rows`` positions) are ``n_spans`` time spans of ``plan.pair_span_h`` hours
    from ``t0_us`` on, times ``per_span`` pair hash buckets each (``plan.pair_buckets``, default:
    one per :data:`BUCKET_ROWS` positions of a span on average, at least 1). Their number grows
    with the time the input covers, the pair hash buckets with its density only.

    Examples
    --------
    >>> day = 86_400_000_000
    >>> pair_spans(PartitionPlan(), 0, 30 * day - 1, 61_500_000)  # a month, 2 M rows a day
    (86400000000, 30, 2)
    >>> pair_spans(PartitionPlan(pair_buckets=1), 0, day // 2, 10_000_000)
    (86400000000, 1, 1)
    """
    span_us = max(1, round(plan.pair_span_h * _HOUR_US))
    n_spans = max(1, (t1_us - t0_us) // span_us + 1)
    per_span = plan.pair_buckets or max(1, -(-n_rows // (n_spans * BUCKET_ROWS)))
    return span_us, n_spans, per_span


def pair_task_expr(t0_us: int, span_us: int, n_spans: int, per_span: int) -> pl.Expr:
    """The pair task (``pair_bucket``, ``0 .. n_spans * per_span - 1``) owning an episode
    (columns ``a, b, ep_lo``, :func:`_episodes`): the time span where the episode begins (before
    the first span: the first) and the hash bucket of the pair among ``per_span``
    (:func:`pair_bucket_expr`).

    A vessel's row is copied to a pair task only when one of its pairs has an episode there
    covering the row's hour: to the tasks of at most the two spans an episode (a few hours)
    can touch, and at most ``per_span`` hash buckets each, however long the input. (Pair tasks
    by pair hash alone, as many as MMSI buckets, copied a row to up to as many tasks as the
    vessel had concurrent partners, a number that grew with the input.)

    Examples
    --------
    >>> ep = pl.DataFrame({"a": [1, 1], "b": [2, 2], "ep_lo": [-5, 25]})
    >>> ep.select(pair_task_expr(0, 10, 3, 2)).to_series().to_list()
    [0, 4]
    """
    span = ((pl.col("ep_lo") - t0_us) // span_us).clip(0, n_spans - 1)
    return (span * per_span + pair_bucket_expr(per_span)).cast(pl.Int32).alias(_PAIR_BUCKET)


def _used_columns(lf: pl.LazyFrame) -> pl.LazyFrame:
    """``lf`` with only the columns some detector reads (in the file's order)."""
    from vessels.events._common import _used

    names = lf.collect_schema().names()
    used = set(_used(names))
    return lf.select([c for c in names if c in used])


def _window_rows(lf: pl.LazyFrame, windows: pl.DataFrame) -> pl.DataFrame:
    """The rows of ``lf`` (one MMSI bucket's tracks) that each pair task needs.

    ``windows`` is ``(pair_bucket, mmsi, lo, hi)``, merged per pair task and vessel (see
    :func:`_merge_windows`). A vessel with a :data:`_WHOLE` window gives all its rows, the others
    the rows of the whole hours their windows touch (a superset: more of a vessel's own rows
    never change a windowed detector's events); a row needed by several pair tasks is
    repeated, once per pair task. Returns those rows with a ``pair_bucket`` column, sorted by
    pair task; within one, whole-history rows come first, then windowed rows, each in file
    order. Only the columns the detectors read, so memory follows the rows kept."""
    key = [_PAIR_BUCKET, S.MMSI]
    real = windows.filter(pl.col("lo") <= pl.col("hi")).with_columns(pl.col(S.MMSI).cast(pl.UInt32))
    whole = real.filter(pl.col("lo") <= _WHOLE[0]).select(key).unique()
    hours = (
        real.filter(pl.col("lo") > _WHOLE[0])
        .join(whole, on=key, how="anti")
        .select(
            *key,
            pl.int_ranges(pl.col("lo") // _HOUR_US, pl.col("hi") // _HOUR_US + 1).alias("_h"),
        )
        .explode("_h")
        .unique()
    )
    rows = _used_columns(lf).with_row_index("_i")
    full = rows.join(whole.lazy(), on=S.MMSI, how="inner").with_columns(pl.lit(0).alias("_k"))
    timed = (
        rows.with_columns((pl.col(S.TS).dt.epoch("us") // _HOUR_US).alias("_h"))
        .join(hours.lazy(), on=[S.MMSI, "_h"], how="inner")
        .drop("_h")
        .with_columns(pl.lit(1).alias("_k"))
    )
    return (
        pl.concat([full, timed], how="diagonal")
        .sort(_PAIR_BUCKET, "_k", "_i")
        .drop("_k", "_i")
        .collect()
    )


def _no_rows(work: str) -> pl.DataFrame:
    """No rows, with the columns the pair detectors read from the tracks."""
    return _used_columns(_scan(_url(work, "tracks", "*", "*.parquet"))).head(0).collect()


def pair_windows(pairs: pl.DataFrame, n_buckets: int) -> pl.DataFrame:
    """``(bucket, pair_bucket, mmsi, lo, hi)``: for each pair task and vessel of its candidate
    pairs' windows (``pairs`` is ``(pair_bucket, a, b, lo, hi)``: each window with the task
    owning its episode), the merged time windows of the vessel's rows that the pair task needs,
    with the vessel's MMSI bucket."""
    both = pl.concat(
        [
            pairs.select(_PAIR_BUCKET, pl.col(c).cast(pl.UInt32).alias(S.MMSI), "lo", "hi")
            for c in ("a", "b")
        ]
    )
    return (
        _merge_windows(both, keys=(_PAIR_BUCKET, S.MMSI))
        .with_columns(bucket_expr(n_buckets))
        .sort(_BUCKET, _PAIR_BUCKET, S.MMSI, "lo")
    )


def shuffle_stage(bucket: int, windows: pl.DataFrame, work: str, uses: list[str]) -> int:
    """Step 3b for one MMSI bucket: the shuffle of the pair stage's input.

    Reads the bucket's tracks once (only the columns the pair detectors read) and writes, per
    pair task ``P`` that needs any of its vessels (``windows``: ``(pair_bucket, mmsi, lo,
    hi)`` of this bucket's vessels, :func:`pair_windows`), the rows of their windows: one file,
    ``pairrows/bucket=K.parquet``, sorted by pair task with one row group per pair task (column
    ``pair_bucket``), and the per-vessel events the pair tasks' detectors use (``uses``; none for
    encounters) to ``pairevents/pair_bucket=P/...``. Each pair task then reads only its row
    groups: total reads are linear in the rows, where reading every bucket from every pair task
    grew as pair tasks x buckets; and the files grow with the buckets, where one file per pair
    task and bucket grew as pair tasks x buckets (1,860 at 30 days). Returns the number of pair
    tasks given rows."""
    rows = _window_rows(_scan(_url(work, "tracks", f"{_BUCKET}={bucket}", "*.parquet")), windows)
    if rows.height:  # sorted by pair task: one row group per pair task
        _write_grouped(rows, _url(work, "pairrows", f"{_BUCKET}={bucket}.parquet"), _PAIR_BUCKET)
    n_tasks = rows[_PAIR_BUCKET].n_unique()
    del rows
    if uses:
        vessels_of = windows.select(_PAIR_BUCKET, pl.col(S.MMSI).cast(pl.UInt32)).unique()
        events = (
            _scan(_url(work, "events_vessel", f"{_BUCKET}={bucket}", "*.parquet"))
            .filter(pl.col(S.EVENT_TYPE).is_in(uses))
            .collect()
            .join(vessels_of, on=S.MMSI, how="inner")
        )
        by_pair = events.partition_by(_PAIR_BUCKET, as_dict=True, include_key=False)
        none = events.drop(_PAIR_BUCKET).head(0)
        for p in vessels_of[_PAIR_BUCKET].unique().sort().to_list():
            _write(
                by_pair.get((p,), none),
                _url(work, "pairevents", f"{_PAIR_BUCKET}={p}", f"{_BUCKET}={bucket}.parquet"),
            )
    return n_tasks


def pair_stage(
    pair_bucket: int,
    pairs: pl.DataFrame,
    work: str,
    zones: Any,
    profile: Any,
    coverage: Any = None,
    parts: dict[str, pl.DataFrame] | None = None,
) -> int:
    """Step 4 for one pair task: the pair detectors of the pair tasks (encounters; not the
    trackless ones, :data:`_TRACKLESS`) over its vessels' rows; the events of its episodes only.

    ``pairs`` is ``(a, b, ep_lo, ep_hi)`` (further columns are ignored): the episodes this task
    owns (:func:`_episodes`, :func:`pair_task_expr`). An event of pair ``(a, b)`` is kept when
    it starts within one of them (epoch microseconds; an event without a start only in a
    :data:`_WHOLE` episode): every event is kept by one task. Their rows (this task's row group
    of each bucket's ``pairrows/`` file) and the per-vessel events the detectors use (from the
    vessel stage, which saw each vessel's whole history; ``pairevents/``) were written by
    :func:`shuffle_stage`; ``coverage`` is the
    whole input's context with the harbour cells of every bucket; ``parts`` the detectors'
    per-vessel parts of every bucket (:attr:`Detector.parts`)."""
    from vessels.events import detect_events, sort_events

    uses = sorted({u for d in _pair_task_records() for u in d.uses})
    given = None
    mine = f"{_PAIR_BUCKET}={pair_bucket}"
    if uses:
        glob = _url(work, "pairevents", mine, "*.parquet")
        vessel_events = (
            _scan(glob).collect()
            if _exists(glob)
            else _scan(_url(work, "events_vessel", "*", "*.parquet")).head(0).collect()
        )
        given = {u: sort_events(vessel_events.filter(pl.col(S.EVENT_TYPE) == u)) for u in uses}
    glob = _url(work, "pairrows", "*.parquet")
    tracks = (  # its row group of every bucket's file (the statistics say which)
        _scan(glob).filter(pl.col(_PAIR_BUCKET) == pair_bucket).drop(_PAIR_BUCKET).collect()
        if _exists(glob)
        else _no_rows(work)
    )
    events = detect_events(
        tracks,
        zones,
        profile,
        types=[d.event_type for d in _pair_task_records()],
        coverage=coverage,
        parts=parts,
        given=given,
    )
    del tracks
    lo = pl.min_horizontal(S.MMSI, S.OTHER_MMSI).cast(pl.UInt32)
    hi = pl.max_horizontal(S.MMSI, S.OTHER_MMSI).cast(pl.UInt32)
    keep = pairs.select(
        pl.col("a").cast(pl.UInt32), pl.col("b").cast(pl.UInt32), "ep_lo", "ep_hi"
    ).unique()
    start = pl.col(S.START_TS).dt.epoch("us").fill_null(_WHOLE[0])
    owned = (
        events.select(lo.alias("a"), hi.alias("b"), start.alias("_t"))
        .with_row_index("_i")
        .join(keep, on=["a", "b"], how="inner")
        .filter((pl.col("ep_lo") <= pl.col("_t")) & (pl.col("_t") <= pl.col("ep_hi")))
    )["_i"]
    events = events.with_row_index("_i").filter(pl.col("_i").is_in(owned.implode())).drop("_i")
    _write(events, _url(work, "events_pair", mine, "part-0.parquet"))
    return events.height


# --- step 5: per bucket ---------------------------------------------------------------------


def _all_events(work: str) -> pl.LazyFrame:
    parts = [_scan(_url(work, "events_vessel", "*", "*.parquet"))]
    if _exists(_url(work, "events_global", "*.parquet")):
        parts.append(_scan(_url(work, "events_global", "*.parquet")))
    if _exists(_url(work, "events_pair", "*", "*.parquet")):
        parts.append(_scan(_url(work, "events_pair", "*", "*.parquet")))
    return pl.concat(parts)


def partner_windows(events: pl.DataFrame, n_buckets: int) -> pl.DataFrame:
    """``(bucket, mmsi, to)``: the vessels of bucket ``bucket`` that the score task of bucket
    ``to`` needs as partners — named with one of its vessels in an event of ``events``."""
    named = events.select(
        pl.col(S.MMSI).cast(pl.UInt32).alias("_x"), pl.col(S.OTHER_MMSI).cast(pl.UInt32).alias("_y")
    ).drop_nulls()
    both = pl.concat(
        [
            named.select(pl.col("_y").alias(S.MMSI), bucket_expr(n_buckets, "_x").alias("to")),
            named.select(pl.col("_x").alias(S.MMSI), bucket_expr(n_buckets, "_y").alias("to")),
        ]
    )
    return (
        both.with_columns(bucket_expr(n_buckets))
        .filter(pl.col(_BUCKET) != pl.col("to"))
        .unique()
        .sort(_BUCKET, "to", S.MMSI)
    )


def partner_stage(bucket: int, wanted: pl.DataFrame, work: str) -> int:
    """Step 4b for one bucket: the shuffle of the score stage's partner facts. Of the bucket's
    vessels that score tasks of other buckets need (``wanted``: ``(mmsi, to)``,
    :func:`partner_windows`) the scorer reads only the last known ship type and the sizes of
    the segments events name (:func:`vessels.risk._partners.partner_facts`): computed here once
    from the bucket's tracks (four columns), one row per vessel and segment, and each score
    bucket's share written to one file, ``partners/from=K.parquet``, one row group per score
    bucket ``TO`` (column ``to_bucket``; files grow with the buckets, not buckets squared: 930
    at 30 days before) — a few rows per vessel, where whole histories were copied once per
    bucket naming them."""
    from vessels.risk._partners import partner_facts

    ids = wanted[S.MMSI].unique().implode()
    rows = (
        _scan(_url(work, "tracks", f"{_BUCKET}={bucket}", "*.parquet"))
        .select(S.MMSI, S.TS, S.SHIP_TYPE, S.SEGMENT_ID)
        .filter(pl.col(S.MMSI).is_in(ids))
    )
    facts = partner_facts(rows)
    shares = [
        facts.filter(pl.col(S.MMSI).is_in(part[S.MMSI].implode())).with_columns(
            pl.lit(to, dtype=pl.Int32).alias(_TO)
        )
        for (to,), part in wanted.sort("to", maintain_order=True).group_by(
            "to", maintain_order=True
        )
    ]
    share = pl.concat(shares) if shares else None
    if share is not None and share.height:  # sorted by score bucket: a row group per bucket
        _write_grouped(share, _url(work, "partners", f"from={bucket:05d}.parquet"), _TO)
    return facts.height


def score_stage(
    bucket: int,
    events: pl.DataFrame,
    work: str,
    zones: Any,
    profile: Any,
    n_buckets: int,
) -> Any:
    """Step 5 for one bucket: vessels, contributions and vessel-days of its vessels, with the
    other rules' contributions and the network rules' edges of its vessels, from which the
    driver scores the network rules over all vessels (:func:`vessels.risk.scorer.with_network`).

    ``events`` are the events naming one of its vessels (``mmsi`` or ``other_mmsi``); what the
    scorer needs of the partner vessels (other buckets' vessels those events name) comes from
    its row group of each ``partners/from=K2.parquet`` (:func:`partner_stage`).
    """
    from vessels.risk import load_profile
    from vessels.risk._partners import PARTNER_SCHEMA
    from vessels.risk.scorer import NetworkInputs, score_inputs

    def mine(col: str) -> pl.Expr:
        return bucket_expr(n_buckets, col).fill_null(-1) == bucket

    positions = _scan(_url(work, "tracks", f"{_BUCKET}={bucket}", "*.parquet"))
    glob = _url(work, "partners", "*.parquet")
    partners = (  # its row group of every bucket's file (the statistics say which)
        _scan(glob).filter(pl.col(_TO) == bucket).drop(_TO).collect().cast(PARTNER_SCHEMA)  # type: ignore[arg-type]
        if _exists(glob)
        else pl.DataFrame(schema=PARTNER_SCHEMA)
    )
    got = score_inputs(events, positions, load_profile(profile), zones=zones, partners=partners)
    scored = got.result
    return NetworkInputs(
        result=dataclasses.replace(
            scored,
            vessels=scored.vessels.filter(mine(S.MMSI)),
            contributions=scored.contributions.filter(mine(S.MMSI)),
            vessel_days=scored.vessel_days.filter(mine(S.MMSI)),
        ),
        base=got.base.filter(mine(S.MMSI)),
        pairs={k: v.filter(mine(S.MMSI)) for k, v in got.pairs.items()},
        day_base=got.day_base.filter(mine(S.MMSI)),
        day_pairs={k: v.filter(mine(S.MMSI)) for k, v in got.day_pairs.items()},
    )


# --- the whole plan -------------------------------------------------------------------------


def execute(
    positions: str | Path,
    *,
    zones: Any,
    profile: Any,
    executor: Any,
    work_dir: str,
    plan: PartitionPlan | None = None,
    timings: dict[str, float] | None = None,
    watchlist: pl.DataFrame | None = None,
    cpu: dict[str, float] | None = None,
) -> PlanResult:
    """Run steps 1-6 on the positions file of :func:`vessels.ingestion.ingest`.

    ``executor`` is a :class:`vessels.executors.Executor` (``map`` a function over items);
    ``work_dir`` a directory or fsspec URL that every worker reads and writes; ``watchlist``
    the loaded watchlist (:func:`vessels.watchlist.load_watchlist`), matched in the driver.
    ``timings`` gets each step's wall seconds, ``cpu`` its CPU seconds in this process (user +
    system, every thread: with the out-of-core executor that is all the work; a Dask cluster's
    workers are not counted).
    """
    from vessels.events import DetectorConfig, DetectorSettings, sort_events
    from vessels.events.coverage import context_from_parts, coverage_context, tail_cuts
    from vessels.events.gaps import reception_report
    from vessels.zones._coverage import coverage_from_parts, coverage_report

    plan = plan or PartitionPlan()
    timings = timings if timings is not None else {}
    cpu = cpu if cpu is not None else {}
    work = str(work_dir)
    c = time.process_time()

    def timed(name: str, t: float) -> None:
        nonlocal c
        timings[name] = round(timings.get(name, 0.0) + time.perf_counter() - t, 3)
        now = time.process_time()
        cpu[name] = round(cpu.get(name, 0.0) + now - c, 3)
        c = now

    t = time.perf_counter()
    src = pl.scan_parquet(positions, glob=False)
    stats = src.select(
        pl.len().alias("n"), pl.col(S.TS).min().alias("t0"), pl.col(S.TS).max().alias("t1")
    ).collect()
    n_rows, t0, t1 = stats.row(0)
    n_buckets = plan.buckets or max(1, -(-n_rows // BUCKET_ROWS))
    if n_rows:
        target = _strip_file(_url(work, "positions"))
        if _local(work):
            Path(target).mkdir(parents=True, exist_ok=True)
        src.sink_parquet(
            pl.PartitionBy(target, key=bucket_expr(n_buckets), include_key=False),
            compression_level=1,
            mkdir=True,
        )
    present = (
        src.select(bucket_expr(n_buckets).unique().sort()).collect().to_series().to_list()
        if n_rows
        else []
    )
    timed("partition", t)
    # step 1b: what depends on all the positions (anchorages, horizon, extent), computed once:
    # one small part per bucket (no process holds every position), merged in the driver
    t = time.perf_counter()
    if present:
        look = dict(work=work, rows_bound=n_rows, parts=len(present))
        ctx_parts = executor.map(context_stage, present, **look)
        cuts = tail_cuts(ctx_parts)  # None: the parts' ladders settle the horizon and extent
        tails = None if cuts is None else executor.map(context_stage, present, **look, cuts=cuts)
        coverage = context_from_parts(ctx_parts, tails)
    else:
        coverage = coverage_context(src)
    timed("context", t)
    cfg = profile.detector_config() if isinstance(profile, DetectorSettings) else DetectorConfig()
    layers = pair_layers(cfg)
    bucket_zones = executor.share(zones)
    shared = executor.share(coverage)
    # footprint tile groups: consecutive time tiles, as many groups as buckets (each about a
    # bucket's share of the footprint), every vessel task writing one file of row groups
    grouping = tile_groups(plan, _epoch_us(t0), _epoch_us(t1), n_buckets) if n_rows else (0, 1)
    t = time.perf_counter()
    vstats = executor.map(
        vessel_stage,
        present,
        work=work,
        zones=bucket_zones,
        profile=profile,
        plan=plan,
        layers=layers,
        coverage=shared,
        groups=grouping,
    )
    timed("vessel_stage", t)
    t = time.perf_counter()
    n_global = global_stage(work, zones, profile, coverage, watchlist) if present else 0
    timed("global_stage", t)
    t = time.perf_counter()
    n_pairs = n_tasks = 0
    spans = pair_spans(plan, _epoch_us(t0), _epoch_us(t1), n_rows) if n_rows else (1, 1, 1)
    if _pair_task_records() and _exists(_url(work, "footprint", "*.parquet")):
        harbour = (
            _scan(_url(work, "harbour", "*", "*.parquet")).unique().sort("_hcy", "_hcx").collect()
        )
        pair_coverage = executor.share(dataclasses.replace(coverage, harbour=harbour))
        tiles = sorted({g for s in vstats for g in s["tile_groups"]})
        found = executor.map(tile_stage, tiles, work=work, layers=layers)
        pair_parts = {}
        for d in _pair_task_records():
            got = _parts_of(work, d.event_type) if d.parts is not None else None
            if got is not None:
                pair_parts[d.event_type] = got
        pairs = (
            _merge_windows(pl.concat([f.cast(_CANDIDATE_SCHEMA) for f in found]))
            if found
            else pl.DataFrame(schema=_CANDIDATE_SCHEMA)
        )
        del found
        # (an empty dict cannot be scattered to Dask workers: None says the same)
        shared_parts = executor.share(pair_parts) if pair_parts else None
        timed("tile_stage", t)
        t = time.perf_counter()
        n_pairs = pairs.select("a", "b").n_unique() if pairs.height else 0
        if n_pairs:
            # each episode of a pair (its windows, chained where an event could join them) to
            # the pair task of its time span and pair hash
            within = round(max((la.episode_gap_s for la in layers), default=0.0) * 1e6)
            pairs = (
                _episodes(pairs, within)
                .with_columns(pair_task_expr(_epoch_us(t0), *spans))
                .sort(_PAIR_BUCKET, "a", "b", "lo")
            )
            # step 3b, the shuffle: each bucket's rows (and used events) per pair task, once
            windows = pair_windows(pairs, n_buckets)
            shuffles = [
                (int(k), part.drop(_BUCKET))
                for (k,), part in windows.group_by(_BUCKET, maintain_order=True)
            ]
            uses = sorted({u for d in _pair_task_records() for u in d.uses})
            executor.starmap(shuffle_stage, shuffles, work=work, uses=uses)
            del windows, shuffles
            timed("shuffle_stage", t)
            t = time.perf_counter()
            groups = [
                (int(j), part.select("a", "b", "ep_lo", "ep_hi").unique(maintain_order=True))
                for (j,), part in pairs.group_by(_PAIR_BUCKET, maintain_order=True)
            ]
            n_tasks = len(groups)
            executor.starmap(
                pair_stage,
                groups,
                work=work,
                zones=bucket_zones,
                profile=profile,
                coverage=pair_coverage,
                parts=shared_parts,
            )
        timed("pair_stage", t)
    t = time.perf_counter()
    # step 4b, the shuffle of the score stage's input: every event once, each bucket's share
    # handed to its task; the partners' positions written once per score bucket
    all_events = _all_events(work).collect() if present else S.empty_events()
    partners = partner_windows(all_events, n_buckets)
    executor.starmap(
        partner_stage,
        [
            (int(k), part.drop(_BUCKET))
            for (k,), part in partners.group_by(_BUCKET, maintain_order=True)
        ],
        work=work,
    )
    del partners
    timed("partner_stage", t)
    t = time.perf_counter()

    def mine(b: int, col: str) -> pl.Expr:
        return bucket_expr(n_buckets, col).fill_null(-1) == b

    scored = executor.starmap(
        score_stage,
        [(b, all_events.filter(mine(b, S.MMSI) | mine(b, S.OTHER_MMSI))) for b in present],
        work=work,
        zones=bucket_zones,
        profile=profile,
        n_buckets=n_buckets,
    )
    timed("score_stage", t)
    t = time.perf_counter()
    events = sort_events(all_events) if present else S.empty_events()
    del all_events
    from vessels.risk import load_profile
    from vessels.risk import score as _score
    from vessels.risk.scorer import with_network

    # the network rules pass on the scores of contacts in any bucket: scored here, over all
    empty = _score(S.empty_events(), None, profile)
    prof = load_profile(profile)

    def cat(frames: list[pl.DataFrame]) -> pl.DataFrame:
        return pl.concat(frames, how="vertical")

    whole = empty
    if scored:
        rules = list(scored[0].pairs)
        whole = with_network(
            cat([empty.vessels, *(s.result.vessels for s in scored)]),
            cat([empty.vessel_days, *(s.result.vessel_days for s in scored)]),
            cat([s.base for s in scored]),
            {r: cat([s.pairs[r] for s in scored]) for r in rules},
            cat([s.day_base for s in scored]),
            {r: cat([s.day_pairs[r] for s in scored]) for r in rules},
            prof,
        )
    vessels_ = whole.vessels
    contributions = whole.contributions
    days = whole.vessel_days
    if vstats:
        intervals = [s["fix_intervals"] for s in vstats if s["fix_intervals"] is not None]
        coverage_summary = coverage_from_parts(
            pl.concat([s["geo_counts"] for s in vstats]),
            pl.concat(intervals).sort(S.MMSI) if intervals else None,
        )
    else:
        coverage_summary = coverage_report(
            S.empty_positions().with_columns(pl.lit(None, pl.String).alias(S.GEO_CLASS))
        )
    # the reception grid of all the positions (step 1b), with the profile's thresholds
    coverage_summary["reception"] = reception_report(coverage, cfg.section(S.AIS_GAP))
    timed("collect", t)
    return PlanResult(
        n_positions=int(n_rows),
        time_range=(t0, t1),
        events=events,
        vessels=vessels_,
        contributions=contributions,
        vessel_days=days,
        tracks_glob=_url(work, "tracks", "*", "*.parquet"),
        coverage=coverage_summary,
        stats={
            "buckets": n_buckets,
            "pair_spans": spans[1],
            "pair_buckets": spans[2],
            "pair_tasks": n_tasks,
            "candidate_pairs": n_pairs,
            "global_events": n_global,
            "halo_m": {la.event_type: la.halo_m for la in layers},
            "bucket_rows_max": max((s["positions"] for s in vstats), default=0),
            "footprint_cells": sum(s["footprint_cells"] for s in vstats),
            "footprint_links": sum(s["footprint_links"] for s in vstats),
        },
    )


def _epoch_us(ts: Any) -> int:
    """Epoch microseconds of a timestamp of the positions (a timezone-aware datetime)."""
    return int(pl.Series([ts], dtype=S.TS_DTYPE).dt.epoch("us").item())


def plan_of(buckets: int | None = None, **sizes: Any) -> PartitionPlan:
    """A :class:`PartitionPlan` from keyword sizes (None values keep the defaults)."""
    return PartitionPlan(buckets=buckets, **{k: v for k, v in sizes.items() if v is not None})
