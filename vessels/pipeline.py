"""The main job in one call: AIS files -> tracks -> zones -> events -> risk -> output files.

:func:`run` chains the stages (``vessels.io.read_ais`` → ``vessels.tracks.segment`` →
``vessels.zones.label_zones`` → ``vessels.events.detect_events`` → :func:`vessels.risk.score`),
times each one, and (with ``out=``) writes every output file of ``vessels score``. It returns a
:class:`PipelineResult` that shows itself as a small HTML card in a notebook.

:class:`Pipeline` holds the options so one configuration can be run on many inputs.

Examples
--------
>>> p = Pipeline(profile="gulf-of-california")
>>> p
Pipeline(profile='gulf-of-california')

See :func:`run` for a complete run.
"""

from __future__ import annotations

import html
import importlib.metadata
import itertools
import platform
import tempfile
import time
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import AbstractContextManager, contextmanager, nullcontext
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

import geopandas as gpd
import polars as pl

from vessels import schema as S
from vessels._progress import StageHook, StageReporter
from vessels._version import __version__
from vessels.cleaning import DEFAULT_PLAUSIBLE_TIME, PlausibleTime
from vessels.errors import ConfigError
from vessels.events import EVENT_TYPES, detect_events_and_coverage
from vessels.events.coverage import sparse_mmsi
from vessels.events.fishing import score_positions
from vessels.events.gaps import reception_report
from vessels.filters import BBox, TimeWindow, mmsi_list
from vessels.ingestion import ingest, scan_positions
from vessels.maps import risk_map, save_map
from vessels.network import VesselGraph, graphml, network_summary, vessel_graph
from vessels.outputs import (
    atomic_path,
    prepare_out_dir,
    scratch_dir,
    staged_output,
    write_csv,
    write_feature_collection,
    write_json,
    write_parquet,
    write_text,
)
from vessels.risk import Profile, ScoreResult, load_profile, score
from vessels.watchlist import load_watchlist
from vessels.zones import default_zones, label_zones, load_zones
from vessels.zones._coverage import coverage_from_parts, coverage_parts

__all__ = ["OUTPUT_FILES", "Pipeline", "PipelineResult", "events_geojson", "run"]

#: Files written by :meth:`PipelineResult.write` (``map.html`` unless ``map=False``).
OUTPUT_FILES = (
    S.VESSELS_FILE,
    S.VESSELS_CSV_FILE,
    S.VESSEL_DAYS_FILE,
    S.CONTRIBUTIONS_FILE,
    S.CONTRIBUTIONS_CSV_FILE,
    S.EVENTS_FILE,
    S.EVENTS_CSV_FILE,
    S.EVENTS_GEOJSON_FILE,
    S.EVENTS_GEOPARQUET_FILE,
    S.VESSELS_GEOPARQUET_FILE,
    S.TRACKS_GEOPARQUET_FILE,
    S.QUARANTINE_FILE,
    S.IDENTITY_HISTORY_FILE,
    S.NETWORKS_FILE,
    S.NETWORK_EDGES_FILE,
    S.NETWORK_NODES_FILE,
    S.CARRIERS_FILE,
    S.GRAPHML_FILE,
    S.TRACKS_FILE,
    S.SUMMARY_FILE,
    S.MAP_FILE,
)

Paths = str | Path | Iterable[str | Path]


@dataclass
class PipelineResult:
    """Everything one run produced.

    Attributes
    ----------
    tracks
        Accepted positions with track (``segment_id``, ...) and zone columns: a DataFrame, or,
        when the run wrote ``tracks.parquet`` into ``out``, a LazyFrame over that file (so the
        positions are not held in memory twice).
    quarantine
        Rejected input rows with the rule that rejected them.
    events
        The event table (:data:`vessels.schema.EVENT_SCHEMA`).
    vessels, contributions, vessel_days
        From :func:`vessels.risk.score`.
    zones
        The zone layer used (GeoDataFrame), or None.
    summary
        Row accounting, counts per rule and event type, timings per stage, versions, profile.
    profile
        The risk profile used.
    identity_history
        One row per vessel and identity period (name, call sign, IMO, ship type, flag) from
        :meth:`vessels.io.Ingested.identity_history`: how each vessel's identity changed.
    network
        The vessel graph (:func:`vessels.network.vessel_graph`): who met whom, networks,
        carriers.
    """

    tracks: pl.DataFrame | pl.LazyFrame
    quarantine: pl.DataFrame
    events: pl.DataFrame
    vessels: pl.DataFrame
    contributions: pl.DataFrame
    vessel_days: pl.DataFrame
    zones: Any
    summary: dict[str, Any]
    profile: Profile
    files: dict[str, Path] = field(default_factory=dict)
    identity_history: pl.DataFrame | None = None
    network: VesselGraph | None = None

    def top(self, n: int = 10) -> pl.DataFrame:
        """The ``n`` highest-risk vessels with their score, tier and first reason."""
        return self.vessels.head(n).select(
            S.MMSI,
            S.VESSEL_NAME,
            S.FLAG,
            S.RISK_SCORE,
            S.RISK_TIER,
            pl.col(S.REASONS).list.first().alias("top_reason"),
        )

    @staged_output(owned=OUTPUT_FILES)
    def write(
        self,
        out: str | Path,
        *,
        overwrite: bool = False,
        top_n: int = 50,
        map: bool = True,
        offline_map: bool = False,
        tracks: bool = True,
        already_written: Mapping[str, Path] | None = None,
    ) -> dict[str, Path]:
        """Write every output file into ``out`` (crash-consistently); returns name -> path.

        The files go to a staging directory swapped in at the end
        (:func:`vessels.outputs.staged_output`): ``out`` holds the previous or the new complete
        results at every instant.

        ``tracks=False`` leaves out ``tracks.parquet`` (the accepted positions with track and
        zone columns: the biggest file, needed by ``vessels map DIR``). ``already_written``
        names output files the run wrote into ``out`` before (kept and listed).
        """
        timings = self.summary.setdefault("timings_s", {})
        memory = self.summary.setdefault("peak_rss_gb_after_stage", {})
        cpu = self.summary.get(CPU_KEY)  # kept where the run measured its stages' CPU
        with _timed(timings, "outputs", memory, cpu):
            d = prepare_out_dir(out, overwrite=overwrite)
            files = {
                "vessels.parquet": write_parquet(self.vessels, d / "vessels.parquet"),
                "vessels.csv": write_csv(self.vessels, d / "vessels.csv"),
                "vessel_days.parquet": write_parquet(self.vessel_days, d / "vessel_days.parquet"),
                "contributions.parquet": write_parquet(
                    self.contributions, d / "contributions.parquet"
                ),
                "contributions.csv": write_csv(self.contributions, d / "contributions.csv"),
                "events.parquet": write_parquet(self.events, d / "events.parquet"),
                "events.csv": write_csv(self.events, d / "events.csv"),
                "events.geojson": write_feature_collection(
                    _event_features(self.events), d / "events.geojson"
                ),
                "quarantine.parquet": write_parquet(self.quarantine, d / "quarantine.parquet"),
            }
            if self.identity_history is not None:
                files[S.IDENTITY_HISTORY_FILE] = write_parquet(
                    self.identity_history, d / S.IDENTITY_HISTORY_FILE
                )
            if self.network is not None:
                g = self.network
                for name, table in (
                    (S.NETWORKS_FILE, g.networks),
                    (S.NETWORK_EDGES_FILE, g.edges),
                    (S.NETWORK_NODES_FILE, g.nodes),
                    (S.CARRIERS_FILE, g.carriers),
                ):
                    files[name] = write_parquet(table, d / name)
                files[S.GRAPHML_FILE] = write_text(graphml(g), d / S.GRAPHML_FILE)
            if tracks:  # positions with segment and zone columns: `vessels map DIR` reads them
                frame = self.tracks
                if isinstance(frame, pl.LazyFrame):
                    frame = frame.collect()
                files["tracks.parquet"] = _write_tracks(frame, d / "tracks.parquet")
            with_lines = tracks or "tracks.parquet" in (already_written or {})
            files.update(_write_geoparquet(self, d, lines=with_lines))
        if map:
            with _timed(timings, "map", memory, cpu):
                files[S.MAP_FILE] = _write_map(
                    self, d / S.MAP_FILE, top_n=top_n, offline=offline_map
                )
        files.update(already_written or {})
        for stale in set(OUTPUT_FILES) - set(files) - {"summary.json"}:
            # a file of an earlier run that this run did not write (e.g. map.html with --no-map)
            # would be read as this run's: remove it (only our own file names, nothing else)
            (d / stale).unlink(missing_ok=True)
        self.summary["outputs"] = sorted([*files, "summary.json"])
        self.summary["map_written"] = "map.html" in files
        files["summary.json"] = write_json(self.summary, d / "summary.json")
        self.files = files
        return files

    def _relocate(self, old: Path, new: Path) -> None:
        """Point paths into the staging directory ``old`` at the final directory ``new``."""
        self.files = {
            k: new / p.relative_to(old) if p.is_relative_to(old) else p
            for k, p in self.files.items()
        }
        spilled = self.files.get("tracks.parquet")
        if isinstance(self.tracks, pl.LazyFrame) and spilled is not None:
            self.tracks = pl.scan_parquet(spilled, glob=False)

    def _repr_html_(self) -> str:
        s = self.summary
        t0, t1 = s.get("time_range", [None, None])
        tiers = s.get("vessels_per_tier", {})
        rows = "".join(
            "<tr>"
            + "".join(f"<td>{html.escape('' if v is None else str(v))}</td>" for v in row)
            + "</tr>"
            for row in self.top(10).with_columns(pl.col(S.RISK_SCORE).round(1)).iter_rows()
        )
        head = "".join(
            f"<th>{html.escape(c)}</th>"
            for c in ("mmsi", "name", "flag", "score", "tier", "top reason")
        )
        tier_text = ", ".join(f"{k}: {v}" for k, v in tiers.items())
        return (
            "<div class='vessels-result'>"
            f"<b>vessels {html.escape(__version__)} risk run</b> (PipelineResult) — profile "
            f"<code>{html.escape(self.profile.name)}</code><br>"
            f"{s.get('accepted_rows', 0):,} positions accepted of {s.get('input_rows', 0):,} "
            f"({s.get('quarantined_rows', 0):,} quarantined, {s.get('duplicate_rows', 0):,} "
            f"duplicates); {self.vessels.height:,} vessels, {self.events.height:,} events<br>"
            f"time range: {html.escape(str(t0))} → {html.escape(str(t1))}<br>"
            f"tiers: {html.escape(tier_text)}"
            f"<table><thead><tr>{head}</tr></thead><tbody>{rows}</tbody></table></div>"
        )

    def __repr__(self) -> str:
        return (
            f"PipelineResult(profile={self.profile.name!r}, "
            f"positions={self.summary.get('positions')}, "
            f"events={self.events.height}, vessels={self.vessels.height})"
        )


@contextmanager
def _timed(
    timings: dict[str, float],
    stage: str,
    memory: dict[str, float] | None = None,
    cpu: dict[str, float] | None = None,
) -> Iterator[None]:
    """Add the stage's wall seconds to ``timings`` (the process's peak RSS to ``memory``, and
    the CPU seconds of every thread of the process, user + system, to ``cpu``)."""
    t = time.perf_counter()
    c = time.process_time()
    try:
        yield
    finally:
        timings[stage] = round(timings.get(stage, 0.0) + time.perf_counter() - t, 3)
        if cpu is not None:
            cpu[stage] = round(cpu.get(stage, 0.0) + time.process_time() - c, 3)
        if memory is not None:
            memory[stage] = _peak_rss_gb()


def _stage_hook(progress: bool | StageHook | None) -> StageHook | None:
    """The hook of ``run(progress=...)``: True shows rich progress on stderr (or the notebook)."""
    if progress is None or progress is False:
        return None
    if progress is True:
        from rich.console import Console

        return StageReporter(Console(stderr=True, highlight=False))
    if not callable(progress):
        raise ConfigError(f"progress must be True, False or a callable, got {progress!r}")
    return progress


def _step_hook(hook: StageHook | None, stage: str) -> Callable[[str], None] | None:
    """An ``on_step(text)`` callback that tells ``hook`` a step of ``stage`` began."""
    if hook is None:
        return None
    return lambda text: hook(stage, "step", {"step": text})


@contextmanager
def _announced(hook: StageHook | None, stage: str) -> Iterator[dict[str, Any]]:
    """Tell ``hook`` a stage starts, then that it is done with the counts put in the yielded dict
    (or that it failed)."""
    info: dict[str, Any] = {}
    if hook is None:
        yield info
        return
    t = time.perf_counter()
    hook(stage, "start", info)
    try:
        yield info
    except BaseException:
        hook(stage, "failed", info)
        raise
    info.setdefault("seconds", round(time.perf_counter() - t, 3))
    hook(stage, "done", info)


class _Stages:
    """The stages :func:`_announced_together` runs: their ``info`` dicts, the one running now."""

    def __init__(self, hook: StageHook | None, stages: Sequence[str]) -> None:
        self.hook = hook
        self.info: dict[str, dict[str, Any]] = {stage: {} for stage in stages}
        self.current = stages[0]

    def step(self, text: str) -> None:
        if self.hook is not None:
            self.hook(self.current, "step", {"step": text})


@contextmanager
def _announced_together(hook: StageHook | None, stages: Sequence[str]) -> Iterator[_Stages]:
    """Like :func:`_announced` for stages that run interleaved (batch by batch): all start
    together and end together, each ``done`` in stage order with the counts (and the seconds) put
    in ``yielded.info[stage]``; on an error the stage running (``yielded.current``) and the
    others not finished are told ``failed``."""
    told = _Stages(hook, stages)
    if hook is None:
        yield told
        return
    for stage in stages:
        hook(stage, "start", told.info[stage])
    try:
        yield told
    except BaseException:
        hook(told.current, "failed", told.info[told.current])
        for stage in stages:
            if stage != told.current:
                hook(stage, "failed", told.info[stage])
        raise
    for stage in stages:
        hook(stage, "done", told.info[stage])


def _peak_rss_gb() -> float:
    """Peak resident memory of this process so far, in GB (0 where unknown)."""
    try:
        import resource
    except ImportError:  # pragma: no cover - Windows
        return 0.0
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    # kilobytes on Linux, bytes on macOS
    return round(peak / (1024**3 if platform.system() == "Darwin" else 1024**2), 3)


#: summary.json's CPU seconds per stage (user + system, every thread of the process), next to
#: the wall seconds of ``timings_s``; ``ingest`` there includes ``tracks`` (one call).
CPU_KEY = "cpu_s"

#: Positions per :func:`_label_by_vessel` batch (whole vessels): the labelling's working set
#: (struct of labels, point-in-zone and shore-distance arrays) follows a batch, not the run.
LABEL_BATCH_ROWS = 2_000_000

#: Positions per batch of whole vessels that ``run`` reads from the ingested file, labels,
#: scores for fishing and writes to ``tracks.parquet`` before it reads the next: the 10 M-row
#: frame with every column (2.2 GiB) is never held, only a batch with its labels and scores.
POSITION_BATCH_ROWS = 1_000_000

#: Rows per row group of a ``tracks.parquet`` written batch by batch (what polars' own writer
#: chooses for this schema, about 100 k rows: the detectors' lazy scans read it in parallel).
TRACKS_ROW_GROUP_ROWS = 100_000


def _vessel_bounds(mmsi: pl.Series, rows: int) -> list[int] | None:
    """Row bounds ``[0, ..., n]`` cutting ``mmsi``-sorted positions into batches of whole vessels
    of about ``rows`` rows each (one vessel with more rows stays whole); None when ``mmsi`` has
    nulls or is not sorted (then the positions go as one batch).

    Examples
    --------
    >>> _vessel_bounds(pl.Series([1, 1, 2, 2, 2, 3]), 2)
    [0, 2, 5, 6]
    >>> _vessel_bounds(pl.Series([2, 1]), 1) is None
    True
    """
    n = mmsi.len()
    if mmsi.null_count() or not mmsi.is_sorted():
        return None
    if n <= rows:
        return [0, n]
    starts = (mmsi != mmsi.shift(1)).fill_null(True).arg_true()
    wanted = pl.int_range(rows, n, rows, eager=True).cast(starts.dtype)
    cuts = starts.gather(starts.search_sorted(wanted, side="left").clip(0, starts.len() - 1))
    return sorted({0, *cuts.to_list(), n})


def _label_by_vessel(
    positions: pl.DataFrame, zone_layer: Any, rows: int = LABEL_BATCH_ROWS
) -> pl.DataFrame:
    """:func:`vessels.zones.label_zones` of ``positions``, batch by batch of whole vessels.

    The labels of a position depend on its own coordinates and on its vessel's rows (the
    underway-water rule), never on another vessel's, so labelling zero-copy slices of whole
    vessels gives the same frame (the columns of the batches are joined as chunks, not copied)
    while the labelling's working set is a batch's. Positions not in ``mmsi`` order (ingest writes
    them in that order) are labelled at once.
    """
    mmsi = positions[S.MMSI] if S.MMSI in positions.columns else None
    bounds = None if mmsi is None else _vessel_bounds(mmsi, rows)
    if positions.height <= rows or bounds is None:
        return label_zones(positions, zone_layer)
    index = _zone_index(zone_layer)
    parts = [
        label_zones(positions.slice(a, b - a), index)
        for a, b in itertools.pairwise(bounds)
        if b > a
    ]
    return pl.concat(parts, how="vertical", rechunk=False)


def _zone_index(zone_layer: Any) -> Any:
    """The zone layer's :class:`vessels.zones.ZoneIndex`, built once for every batch."""
    from vessels.zones import LabelConfig, ZoneIndex

    if isinstance(zone_layer, ZoneIndex):
        return zone_layer
    return ZoneIndex(zone_layer, LabelConfig())


def _ingested_batches(path: Path, rows: int = POSITION_BATCH_ROWS) -> Iterator[pl.DataFrame]:
    """The ingested positions (``path``, in ``(mmsi, ts)`` order) batch by batch of whole
    vessels of about ``rows`` rows, each read from the file when it is asked for (a sliced scan
    reads only the row groups it needs); the whole file at once when it is small, or when its
    ``mmsi`` column is not sorted or has nulls. At least one batch, empty when the file is."""
    scan = scan_positions(path)
    bounds = None
    if S.MMSI in scan.collect_schema().names():
        mmsi = scan.select(S.MMSI).collect().to_series()
        bounds = _vessel_bounds(mmsi, rows)
        del mmsi
    if bounds is None or len(bounds) <= 2:
        yield scan.collect()
        return
    for a, b in itertools.pairwise(bounds):
        yield scan.slice(a, b - a).collect()


def _prepare_shore(path: Path, index: Any, rows: int = POSITION_BATCH_ROWS) -> None:
    """Build the shoreline tree the labelling of every batch of the ingested positions (``path``)
    will query, once, from the 1-degree cells of their coordinates
    (:func:`vessels.zones._world.prepare_shore_cells`):
    batch by batch it would be widened and rebuilt as batches reach new coasts. Nothing to do
    for a file of one batch."""
    from vessels.zones._shoretree import shore_cell_expr
    from vessels.zones._world import prepare_shore_cells

    scan = scan_positions(path)
    if not {S.LAT, S.LON} <= set(scan.collect_schema().names()):
        return
    if scan.select(pl.len()).collect().item() <= rows:
        return
    # the distinct 1-degree cells of the finite positions, found in the scan: the same tree as
    # from the coordinates (prepare_shore_km), without two 10 M-element arrays and their cells
    lat, lon = pl.col(S.LAT).cast(pl.Float64), pl.col(S.LON).cast(pl.Float64)
    cells = (
        scan.filter(lat.is_finite() & lon.is_finite())
        .select(shore_cell_expr(lat, lon).unique())
        .collect()
        .to_series()
        .to_numpy()
    )
    prepare_shore_cells(cells, exact_within_km=index.config.shore.exact_within_km)


@dataclass
class _PositionFacts:
    """What the run reports of all labelled positions, gathered batch by batch of whole vessels:
    the parts of :func:`vessels.zones.coverage_report` (they add up across vessels), the row
    count and the time range."""

    counts: list[pl.DataFrame] = field(default_factory=list)
    per_vessel: list[pl.DataFrame] = field(default_factory=list)
    by_vessel: bool = True
    n: int = 0
    t0: Any = None
    t1: Any = None

    def add(self, labelled: pl.DataFrame) -> None:
        counts, per_vessel = coverage_parts(labelled)
        self.counts.append(counts)
        if per_vessel is None:
            self.by_vessel = False
        else:
            self.per_vessel.append(per_vessel)
        self.n += labelled.height
        t0, t1 = _time_range(labelled)
        if t0 is not None:
            self.t0 = t0 if self.t0 is None else min(self.t0, t0)
            self.t1 = t1 if self.t1 is None else max(self.t1, t1)

    def coverage(self) -> dict[str, Any]:
        per_vessel = pl.concat(self.per_vessel) if self.by_vessel and self.per_vessel else None
        return coverage_from_parts(pl.concat(self.counts), per_vessel)


def _write_tracks(
    parts: pl.DataFrame | Iterable[pl.DataFrame],
    target: Path,
    *,
    timed: Callable[[], AbstractContextManager[Any]] | None = None,
) -> Path:
    """Write the positions atomically with lz4 (the largest file: 30 % bigger than zstd but
    about 30 % faster to write, measured at 10 M rows); batches keep min/max statistics only for
    the columns readers filter by (a fifth less CPU than statistics everywhere).

    ``parts`` is a frame, or frames of the same schema (batches of whole vessels) that are
    made while the file is written: each is written as row groups of the one file and dropped
    before the next is asked for, so only one batch is held. Batches go through pyarrow's
    writer (polars writes a file in one call) with dictionary pages for the text, enum and id
    columns, as polars' writer chooses for them: polars reads dictionary-encoded text back
    as views into one dictionary, and the detectors' scan of a file with plain text pages held
    8 % more memory (measured at 3 M rows); ``timed()`` wraps each batch's writing (the stage's
    clock).
    """
    if isinstance(parts, pl.DataFrame):
        with atomic_path(target) as tmp:
            parts.write_parquet(tmp, compression="lz4")
        return target
    import pyarrow.parquet as pq

    with atomic_path(target) as tmp:
        writer: Any = None
        try:
            for part in parts:
                with timed() if timed is not None else nullcontext():
                    table = part.to_arrow()
                    del part
                    if writer is None:
                        writer = pq.ParquetWriter(
                            tmp,
                            table.schema,
                            compression="lz4",
                            use_dictionary=_dictionary_columns(table.schema),
                            write_statistics=_statistics_columns(table.schema),
                        )
                    writer.write_table(table, row_group_size=TRACKS_ROW_GROUP_ROWS)
                    del table
            if writer is None:
                raise ValueError("_write_tracks: no batch of positions to write")
        finally:
            if writer is not None:
                writer.close()
    return target


#: Columns of ``tracks.parquet`` with min/max statistics: what a reader filters positions by
#: (vessel, time, area, track). The others' statistics skip nothing in row groups of whole
#: vessels' rows and took a fifth of the writing's CPU (text min/max).
_STATISTICS = (S.MMSI, S.TS, S.LAT, S.LON, S.SEGMENT_ID)


def _statistics_columns(schema: Any) -> list[str]:
    """The columns of :data:`_STATISTICS` present in an Arrow schema."""
    return [f.name for f in schema if f.name in _STATISTICS]


def _dictionary_columns(schema: Any) -> list[str]:
    """The columns of an Arrow schema that :func:`_write_tracks` dictionary-encodes: text, lists
    of text, enums, and the vessel ids (a batch's values repeat row after row)."""
    import pyarrow as pa

    def texty(t: Any) -> bool:
        return bool(
            pa.types.is_string(t) or pa.types.is_large_string(t) or pa.types.is_dictionary(t)
        )

    return [
        f.name
        for f in schema
        if texty(f.type)
        or f.name in (S.MMSI, S.IMO)
        or (
            (pa.types.is_large_list(f.type) or pa.types.is_list(f.type))
            and texty(f.type.value_type)
        )
    ]


def events_geojson(events: pl.DataFrame) -> str:
    """The event table as a GeoJSON FeatureCollection of points (``lat``/``lon``), text.

    Every event column becomes a property (the evidence as a nested object). Built with polars
    expressions, not a Python loop over events.

    Examples
    --------
    >>> import json
    >>> from vessels import schema as S
    >>> json.loads(events_geojson(S.empty_events()))["features"]
    []
    """
    if events.height == 0:
        return '{"type":"FeatureCollection","features":[]}\n'
    body = _event_features(events).str.join(",\n").item()
    return '{"type":"FeatureCollection","features":[\n' + body + "\n]}\n"


def _event_features(events: pl.DataFrame) -> pl.Series:
    """One GeoJSON Feature (text) per event of :func:`events_geojson`."""
    props = [c for c in events.columns if c not in (S.LAT, S.LON)]
    lon = pl.col(S.LON).cast(pl.String)
    lat = pl.col(S.LAT).cast(pl.String)
    geometry = (
        pl.when(pl.col(S.LAT).is_not_null() & pl.col(S.LON).is_not_null())
        .then(pl.concat_str([pl.lit('{"type":"Point","coordinates":['), lon, pl.lit(","), lat]))
        .otherwise(pl.lit("null"))
    )
    geometry = pl.when(geometry == "null").then(geometry).otherwise(geometry + pl.lit("]}"))
    feature = pl.concat_str(
        [
            pl.lit('{"type":"Feature","geometry":'),
            geometry,
            pl.lit(',"properties":'),
            pl.struct(props).struct.json_encode(),
            pl.lit("}"),
        ]
    )
    return events.select(feature.alias("feature")).to_series()


def _write_geoparquet(result: PipelineResult, d: Path, *, lines: bool) -> dict[str, Path]:
    """events/vessels (and, with ``lines``, tracks) as GeoParquet for geopandas, QGIS, DuckDB."""
    from vessels import geoparquet as G

    files = {
        S.EVENTS_GEOPARQUET_FILE: G.write_geoparquet(
            G.event_points(result.events), d / S.EVENTS_GEOPARQUET_FILE
        ),
        S.VESSELS_GEOPARQUET_FILE: G.write_geoparquet(
            G.vessel_points(result.vessels, result.tracks), d / S.VESSELS_GEOPARQUET_FILE
        ),
    }
    if lines:
        files[S.TRACKS_GEOPARQUET_FILE] = G.write_geoparquet(
            G.track_lines(result.tracks), d / S.TRACKS_GEOPARQUET_FILE
        )
    return files


def _write_map(result: PipelineResult, path: Path, *, top_n: int, offline: bool) -> Path:
    m = risk_map(
        result.tracks,
        result.events,
        result.vessels,
        result.zones,
        top_n=top_n,
        title=f"vessels risk map ({result.profile.name})",
        profile=result.profile.name,
        offline=offline,
        network=result.network,
    )
    save_map(m, path, offline=offline)
    return path


def _load_zones(
    zones: Paths | gpd.GeoDataFrame | None,
    no_default_zones: bool,
    name_field: str | None = None,
    kind: str | None = None,
) -> gpd.GeoDataFrame:
    """The zone layer: user files (+ defaults unless ``no_default_zones``), a GeoDataFrame as is."""
    if isinstance(zones, gpd.GeoDataFrame):
        return zones
    paths: list[str | Path] = []
    if zones is not None:
        paths = [zones] if isinstance(zones, str | Path) else list(zones)
    if paths:
        return load_zones(paths, defaults=not no_default_zones, name_field=name_field, kind=kind)
    if no_default_zones:
        return gpd.GeoDataFrame(
            {c: [] for c in S.ZONE_TABLE_COLUMNS if c != "geometry"},
            geometry=[],
            crs="EPSG:4326",
        )
    return default_zones()


def _versions() -> dict[str, str]:
    out = {"vessels": __version__, "python": platform.python_version()}
    for name in ("polars", "shapely", "geopandas", "folium", "numpy"):
        out[name] = importlib.metadata.version(name)
    return out


@staged_output(owned=OUTPUT_FILES)
def run(
    inputs: Paths,
    *,
    out: str | Path | None = None,
    zones: Paths | Any | None = None,
    no_default_zones: bool = False,
    zones_name_field: str | None = None,
    zones_kind: str | None = None,
    profile: str | Path | Profile = "default",
    since: datetime | str | None = None,
    until: datetime | str | None = None,
    bbox: BBox | Sequence[float] | str | None = None,
    mmsi: int | Iterable[int] | None = None,
    format: str | None = None,
    columns: str | Mapping[str, str] | None = None,
    encoding: str | None = None,
    plausible_time: PlausibleTime | None = DEFAULT_PLAUSIBLE_TIME,
    overwrite: bool = False,
    top_n: int = 50,
    map: bool = True,
    offline_map: bool = False,
    write_tracks: bool = True,
    partition_rows: int | None = None,
    start_time: datetime | str | None = None,
    time_zone: str | None = None,
    time_format: str | None = None,
    watchlist: str | Path | pl.DataFrame | None = None,
    progress: bool | StageHook | None = None,
    flag: str | None = None,
    executor: Any = None,
    buckets: int | None = None,
    work_dir: str | Path | None = None,
) -> PipelineResult:
    """Run the whole job: read, clean, segment, label zones, detect events, score; write if ``out``.

    Parameters
    ----------
    inputs
        AIS files, globs or directories (any format ``vessels.read_ais`` reads).
    out
        Output directory; refused if it exists and is not empty, unless ``overwrite``. Written
        crash-consistently: staged beside it under a lock and swapped in complete at the end.
    zones, no_default_zones
        Extra zone files (added to the shipped defaults unless ``no_default_zones``), or a
        GeoDataFrame used as is.
    zones_name_field, zones_kind
        For zone files in no known schema (neither Marine Regions nor WDPA): the attribute that
        names a feature, and the kind of every feature (``eez``, ``protected_area``, ``no_take``,
        ``aoi``); see :func:`vessels.zones.load_zones`.
    profile
        Risk profile: a shipped name, a TOML path or a :class:`vessels.risk.Profile`. Its
        ``[events]`` section overrides detector parameters.
    since, until, bbox, mmsi
        Filters pushed down into the scan (``since <= ts < until``; bbox is
        ``(min_lon, min_lat, max_lon, max_lat)``).
    format, columns
        Passed to ``vessels.read_ais`` for files whose format cannot be detected.
    encoding
        Text encoding of the input files (default UTF-8), passed to ``vessels.read_ais``.
    plausible_time
        Plausible time window (``vessels.cleaning.PlausibleTime``; default 2000-01-01 to the
        run's clock + 1 day; None: off), passed to ``vessels.read_ais``.
    top_n
        Vessels drawn on the map.
    map, offline_map
        Write ``map.html`` (with ``out``); embed its scripts for use without internet.
    write_tracks
        Write ``tracks.parquet`` (with ``out``).
    partition_rows
        Rows per in-memory cleaning pass of :func:`vessels.ingestion.ingest` (memory, not
        results).
    start_time, time_zone
        For NMEA logs without timestamps or base-station reports: the time of the first
        message, and the zone of local times (see :func:`vessels.read_ais`).
    time_format
        strftime format of CSV time columns (see :func:`vessels.read_ais`; day-first
        ``dd/mm/yyyy`` columns are detected when omitted).
    watchlist
        The analyst's watchlist (CSV/Parquet/JSON file or DataFrame, see
        :func:`vessels.watchlist.load_watchlist`): vessels whose identity history matches an
        entry get a ``watchlist_hit`` event (and the ``watchlist_hit`` rule's points).
    progress
        ``True``: show each stage with its counts while it runs (rich, on stderr or in the
        notebook); or a hook ``hook(stage, state, info)`` called with ``"start"``, ``"step"``
        and ``"done"`` (see :mod:`vessels._progress`). Default: nothing shown.
    flag
        VMS inputs (``columns`` maps ``vessel_id``, a permit or registration number, instead of
        ``mmsi``): the ISO3 flag of vessels without a ``flag`` column value. Their MMSIs are
        synthetic (no MMSI rules apply) and every output carries ``vessel_id`` beside ``mmsi``
        (events also ``other_vessel_id``).
    executor, buckets, work_dir
        Partitioned execution (:mod:`vessels.partition`): ``executor`` is None or
        ``"in-process"`` (default: everything in memory), ``"out-of-core"`` (one MMSI bucket at a
        time), ``"local:N"``, ``"tcp://HOST:8786"`` or a ``dask.distributed.Client``
        (:mod:`vessels.executors`); ``buckets`` the number of MMSI buckets (default: one per
        2 M positions); ``work_dir`` the directory or fsspec URL of the intermediate Parquet
        (default: a temporary directory, removed after the run). The tables are identical
        whatever the executor.

    Returns
    -------
    PipelineResult
        Tables, zone layer, summary (row accounting, counts, timings, memory) and profile; in a
        notebook it shows a summary card.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> d = pathlib.Path(tempfile.mkdtemp())
    >>> _ = (d / "ais.csv").write_text(
    ...     "MMSI,BaseDateTime,LAT,LON,SOG,COG,Heading,VesselName\\n"
    ...     "345070339,2023-06-01T00:00:00,24.0,-110.9,5.0,60.0,511,SEA STAR\\n"
    ...     "345070339,2023-06-01T00:10:00,24.01,-110.88,5.0,60.0,511,SEA STAR\\n"
    ...     "345070339,2023-06-01T00:10:00,24.01,-110.88,5.0,60.0,511,SEA STAR\\n")
    >>> res = run(d / "ais.csv", no_default_zones=True)
    >>> res.summary["accepted_rows"], res.summary["duplicate_rows"]
    (2, 1)
    >>> res.vessels.select("mmsi", "vessel_name", "risk_score").row(0)
    (345070339, 'SEA STAR', 0.0)
    """
    prof = load_profile(profile)
    hook = _stage_hook(progress)
    box = BBox.of(bbox)
    window = TimeWindow.of(since, until)
    since, until = window.since, window.until
    mmsi_list_ = mmsi_list(mmsi)
    wl = None if watchlist is None else load_watchlist(watchlist)  # refused before any work
    if out is not None:  # fail before hours of work, not after
        prepare_out_dir(out, overwrite=overwrite)
    timings: dict[str, float] = {}
    memory: dict[str, float] = {}
    cpu: dict[str, float] = {}  # CPU seconds per stage (ingest's includes "tracks")
    # the reading options both executors pass to ingest(), spelled once
    ingest_options: dict[str, Any] = dict(
        format=format,
        columns=columns,
        since=since,
        until=until,
        bbox=box,
        mmsi=mmsi_list_,
        encoding=encoding,
        plausible_time=plausible_time,
        partition_rows=partition_rows,
        start_time=start_time,
        time_zone=time_zone,
        time_format=time_format,
    )
    if (executor is None or executor == "in-process") and (buckets or work_dir):
        raise ConfigError("buckets and work_dir are for a partitioned run: set executor too")
    if executor is not None and executor != "in-process":
        from vessels._partitioned import run_partitioned

        if flag is not None:
            raise ConfigError(
                "VMS inputs (flag) are not supported with a partitioned executor yet: "
                "run them in process (no executor)"
            )

        return run_partitioned(
            inputs,
            executor=executor,
            buckets=buckets,
            work_dir=work_dir,
            out=out,
            prof=prof,
            ingest_options=ingest_options,
            zones=lambda: _load_zones(zones, no_default_zones, zones_name_field, zones_kind),
            top_n=top_n,
            map=map,
            offline_map=offline_map,
            write_tracks=write_tracks,
            watchlist=wl,
        )
    with tempfile.TemporaryDirectory(prefix="vessels-", dir=scratch_dir(out)) as tmp:
        with _announced(hook, "ingest") as told, _timed(timings, "ingest", memory, cpu):
            ingested = ingest(
                inputs,
                Path(tmp) / S.SCRATCH_POSITIONS_FILE,
                **ingest_options,
                on_step=_step_hook(hook, "ingest"),
                flag=flag,
                file_format="arrow",  # a scratch file, read back once: least CPU to write
            )
            told.update(ingested.summary)
        # ingest() times parsing ("ingest") and cleaning + segmentation ("tracks") apart
        timings["tracks"] = ingested.timings_s.get("tracks", 0.0)
        timings["ingest"] = round(timings["ingest"] - timings["tracks"], 3)
        memory["tracks"] = memory["ingest"]
        # zones -> fishing score -> tracks.parquet, batch by batch of whole vessels read from the
        # ingested file (all three are per vessel): the whole frame with every column is never held.
        # The three stages run interleaved: the hook hears all three start, then each done (its own
        # seconds) in stage order.
        spill = out is not None and write_tracks
        stages = ["zones", "fishing_score", *(["write_tracks"] if spill else [])]
        facts = _PositionFacts()
        for stage in stages:  # summary.json lists them in stage order
            timings.setdefault(stage, 0.0)
        with _announced_together(hook, stages) as running:
            with _timed(timings, "zones", memory, cpu):
                zone_layer = _load_zones(zones, no_default_zones, zones_name_field, zones_kind)
                index = _zone_index(zone_layer)
                _prepare_shore(ingested.positions, index)
            fishing = prof.detector_config().fishing

            def processed() -> Iterator[pl.DataFrame]:
                batches = _ingested_batches(ingested.positions)
                for i in itertools.count(1):
                    running.current = "zones"
                    with _timed(timings, "zones", memory, cpu):
                        batch = next(batches, None)  # read from the ingested file
                        if batch is None:
                            return
                        running.step(f"batch {i} ({batch.height:,} positions)")
                        batch = label_zones(batch, index)
                        facts.add(batch)  # positions per geographic class, sparseness, time range
                    # per position, written to tracks.parquet; the detectors reuse it (profile's
                    # [fishing])
                    running.current = "fishing_score"
                    with _timed(timings, "fishing_score", memory, cpu):
                        batch = score_positions(batch, fishing)
                    if spill:
                        running.current = "write_tracks"
                    yield batch
                    del batch  # not held while the next batch is read

            tracks: pl.DataFrame | pl.LazyFrame
            spilled: Path | None = None
            if spill:
                # write the positions now (an output anyway) and read them lazily from the file from
                # here on: the detectors, the scorer and the map read only the columns and rows they
                # need, and the full frame (GBs at 10 M rows) is not held while the detectors work
                spilled = _write_tracks(
                    processed(),
                    Path(out) / S.TRACKS_FILE,  # type: ignore[arg-type]
                    timed=lambda: _timed(timings, "write_tracks", memory, cpu),
                )
                tracks = pl.scan_parquet(spilled, glob=False)
            else:
                parts = list(processed())
                tracks = (
                    pl.concat(parts, how="vertical", rechunk=False) if len(parts) > 1 else parts[0]
                )
                del parts
            n_positions = facts.n
            t_range = (facts.t0, facts.t1)
            coverage = facts.coverage()
            running.info["zones"].update(positions=n_positions, zones=len(zone_layer))
            running.info["fishing_score"]["positions"] = n_positions
            if spill:
                running.info["write_tracks"]["positions"] = n_positions
            for stage in stages:
                running.info[stage]["seconds"] = timings.get(stage, 0.0)
    read_summary = ingested.summary
    quarantine = ingested.quarantine
    identity_history = ingested.identity_history
    with _announced(hook, "events") as told, _timed(timings, "events", memory, cpu):
        # what depends on all the positions (anchorages, horizon, extent, reception grid), once,
        # from the detectors' prepared positions (no second read): summary.json reports its grid
        events, context = detect_events_and_coverage(tracks, zone_layer, prof, watchlist=wl)
        told.update(events=events.height, per_type=_per_type(events))
    coverage["reception"] = reception_report(context, prof.detector_config().section(S.AIS_GAP))
    with _announced(hook, "risk") as told, _timed(timings, "risk", memory, cpu):
        scored = score(events, tracks, prof, zones=zone_layer)
        if ingested.vessel_ids is not None:  # VMS: every table names vessels by their own id
            events, scored, identity_history = _name_vessels(
                ingested.vessel_ids, events, scored, identity_history
            )
        told.update(
            vessels=scored.vessels.height,
            high_or_critical=scored.vessels[S.RISK_TIER].is_in(["high", "critical"]).sum(),
        )
    with _timed(timings, "network", memory, cpu):
        graph = vessel_graph(events, identity_history=identity_history, vessels=scored.vessels)
    summary = _summary(read_summary, n_positions, t_range, events, scored, prof, timings)
    summary["networks"] = network_summary(graph)
    summary["peak_rss_gb_after_stage"] = memory
    summary[CPU_KEY] = cpu
    # reader warnings (time reconstruction), coverage honesty and sparse reporters, in that order
    summary["warnings"] = [
        *summary.get("warnings", []),
        *coverage["warnings"],
        *_sparse_warnings(tracks, prof, ingested.vessel_ids),
    ]
    summary["coverage"] = coverage
    summary["inputs"] = [str(p) for p in ([inputs] if isinstance(inputs, str | Path) else inputs)]
    summary["filters"] = {
        "since": None if since is None else since.isoformat(),
        "until": None if until is None else until.isoformat(),
        "bbox": list(box.as_tuple()) if box else None,
        "mmsi": sorted(mmsi_list_) if mmsi_list_ is not None else None,
    }
    result = PipelineResult(
        tracks=tracks,
        quarantine=quarantine,
        events=events,
        vessels=scored.vessels,
        contributions=scored.contributions,
        vessel_days=scored.vessel_days,
        zones=zone_layer,
        summary=summary,
        profile=prof,
        identity_history=identity_history,
        network=graph,
    )
    if out is not None:
        with _announced(hook, "outputs") as told:
            result.write(
                out,
                overwrite=True,
                top_n=top_n,
                map=map,
                offline_map=offline_map,
                tracks=write_tracks and spilled is None,
                already_written={"tracks.parquet": spilled} if spilled is not None else None,
            )
            told["files"] = len(result.files)
    return result


def _name_vessels(
    ids: pl.DataFrame,
    events: pl.DataFrame,
    scored: ScoreResult,
    identity_history: pl.DataFrame | None,
) -> tuple[pl.DataFrame, ScoreResult, pl.DataFrame | None]:
    """Add ``vessel_id`` after ``mmsi`` (and ``other_vessel_id`` after ``other_mmsi``)."""

    def named(frame: pl.DataFrame, key: str = S.MMSI, name: str = S.VESSEL_ID) -> pl.DataFrame:
        table = ids.rename({S.MMSI: key, S.VESSEL_ID: name})
        out = frame.join(table, on=key, how="left", maintain_order="left")
        cols = list(frame.columns)
        cols.insert(cols.index(key) + 1, name)
        return out.select(cols)

    events = named(named(events), S.OTHER_MMSI, "other_" + S.VESSEL_ID)
    scored = ScoreResult(
        vessels=named(scored.vessels),
        contributions=named(scored.contributions),
        vessel_days=named(scored.vessel_days),
        profile=scored.profile,
    )
    history = None if identity_history is None else named(identity_history)
    return events, scored, history


def _sparse_warnings(
    tracks: pl.DataFrame | pl.LazyFrame, prof: Profile, ids: pl.DataFrame | None = None
) -> list[str]:
    """A warning naming the vessels whose reporting is too sparse for gaps, dark rendezvous and
    loitering (the detectors skip them; :func:`vessels.events.coverage.sparse_mmsi`)."""
    limit = prof.detector_config().section(S.AIS_GAP).max_median_interval_min
    sparse = sparse_mmsi(tracks, max_median_interval_min=limit)
    if sparse.len() == 0:
        return []
    shown = ", ".join(str(m) for m in sparse.head(20).to_list())
    more = f" and {sparse.len() - 20} more" if sparse.len() > 20 else ""
    if ids is not None:  # VMS: name vessels by their own id, not the synthetic MMSI
        named = dict(ids.iter_rows())
        shown = ", ".join(str(named.get(m, m)) for m in sparse.head(20).to_list())
    return [
        f"{sparse.len()} vessel(s) report too sparsely (median interval over {limit:g} min, e.g. "
        f"VMS): AIS-gap, dark-rendezvous and loitering detection is disabled for them "
        f"({'vessel id' if ids is not None else 'MMSI'} {shown}{more})"
    ]


def _time_range(tracks: pl.DataFrame) -> tuple[Any, Any]:
    if tracks.height == 0:
        return (None, None)
    row = tracks.select(pl.col(S.TS).min().alias("t0"), pl.col(S.TS).max().alias("t1")).row(0)
    return row[0], row[1]


def _per_type(events: pl.DataFrame) -> dict[str, int]:
    """Events per type, every registered type present (0 when none)."""
    per_type = dict.fromkeys(EVENT_TYPES, 0)
    per_type.update(dict(events.group_by(S.EVENT_TYPE).len().sort(S.EVENT_TYPE).iter_rows()))
    return per_type


def _summary(
    read_summary: Mapping[str, Any],
    n_positions: int,
    t_range: tuple[Any, Any],
    events: pl.DataFrame,
    scored: ScoreResult,
    profile: Profile,
    timings: dict[str, float],
) -> dict[str, Any]:
    per_type = _per_type(events)
    risk_rules = {
        rule: {"contributions": int(n), "points": round(float(p), 2), "capped": int(c)}
        for rule, n, p, c in scored.contributions.group_by(S.RULE_NAME)
        .agg(
            (pl.col(S.POINTS) != 0).sum().alias("_n"),
            pl.col(S.POINTS).sum(),
            (pl.col(S.POINTS) == 0).sum().alias("_capped"),
        )
        .sort(S.RULE_NAME)
        .iter_rows()
    }
    tiers = dict.fromkeys(S.RISK_TIERS, 0)
    tiers.update(dict(scored.vessels.group_by(S.RISK_TIER).len().iter_rows()))
    return {
        **{
            k: read_summary.get(k)
            for k in (
                "input_rows",
                "accepted_rows",
                "quarantined_rows",
                "duplicate_rows",
                S.IDENTITY_ROWS,
                "filtered_rows",
                "balanced",
            )
        },
        "per_rule": dict(read_summary.get("per_rule", {})),
        "corrections": dict(read_summary.get("corrections", {})),
        "per_file": dict(read_summary.get("per_file", {})),
        S.TS_SOURCE: dict(read_summary.get(S.TS_SOURCE, {})),
        "unmapped_words": dict(read_summary.get("unmapped_words", {})),
        "positions": n_positions,
        "vessels": scored.vessels.height,
        "vessels_per_tier": tiers,
        "events": events.height,
        "events_per_type": per_type,
        "risk_rules": risk_rules,
        "time_range": [None if t is None else t.isoformat() for t in t_range],
        "timings_s": timings,
        "versions": _versions(),
        "profile": {
            "name": profile.name,
            "source": profile.source,
            "description": profile.description,
            "tiers": profile.tiers,
        },
    }


class Pipeline:
    """Options for :func:`run`, kept to run one configuration on many inputs.

    Examples
    --------
    >>> p = Pipeline(profile="yucatan", no_default_zones=True)
    >>> p.options["profile"]
    'yucatan'
    """

    def __init__(self, **options: Any) -> None:
        unknown = set(options) - set(run.__kwdefaults__ or {})
        if unknown:
            raise ConfigError(f"Pipeline: unknown option(s) {', '.join(sorted(unknown))}")
        self.options = options

    def run(self, inputs: Paths, **overrides: Any) -> PipelineResult:
        """Run on ``inputs`` with the stored options (``overrides`` win)."""
        return run(inputs, **{**self.options, **overrides})

    def __repr__(self) -> str:
        opts = ", ".join(f"{k}={v!r}" for k, v in sorted(self.options.items()))
        return f"Pipeline({opts})"
