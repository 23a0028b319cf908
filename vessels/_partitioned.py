"""The partitioned branch of :func:`vessels.run` (private): ingest, plan, outputs.

Kept apart from :mod:`vessels.pipeline` so that the in-process path there stays as it was.
"""

from __future__ import annotations

import shutil
import tempfile
import time
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path
from typing import Any

import polars as pl

from vessels import schema as S
from vessels.errors import ConfigError as P_ConfigError
from vessels.executors import executor_for
from vessels.ingestion import ingest
from vessels.network import network_summary, vessel_graph
from vessels.outputs import atomic_path, scratch_dir
from vessels.partition import PartitionPlan, _pattern, execute
from vessels.risk import Profile, ScoreResult


def _require_empty(work: str) -> None:
    """A work directory of an earlier run would mix its files into this one: refuse it."""
    if "://" not in work or work.startswith("file://"):
        local = Path(work.removeprefix("file://"))
        local.mkdir(parents=True, exist_ok=True)
        if any(local.iterdir()):
            raise P_ConfigError(f"work directory {work} is not empty (use a new one per run)")
        return
    import fsspec

    fs, path = fsspec.core.url_to_fs(work)
    if fs.exists(path) and fs.ls(path):
        raise P_ConfigError(f"work directory {work} is not empty (use a new one per run)")


def run_partitioned(
    inputs: str | Path | Iterable[str | Path],
    *,
    executor: Any,
    buckets: int | None,
    work_dir: str | Path | None,
    out: str | Path | None,
    prof: Profile,
    ingest_options: Mapping[str, Any],
    zones: Callable[[], Any],
    top_n: int,
    map: bool,
    offline_map: bool,
    write_tracks: bool,
    watchlist: pl.DataFrame | None = None,
) -> Any:
    """:func:`vessels.run` with ``executor`` set (see there)."""
    from vessels import pipeline as P

    plan = PartitionPlan(buckets=buckets)
    timings: dict[str, float] = {}
    memory: dict[str, float] = {}
    cpu: dict[str, float] = {}  # CPU seconds of this process per stage (the plan's: per step)
    if isinstance(executor, str) and executor.startswith(("tcp://", "tls://")) and not work_dir:
        raise P.ConfigError(
            f"--scheduler {executor}: give --work-dir, a directory or URL (s3://, gs://, ...) "
            "that the scheduler's workers can read and write"
        )
    with (
        executor_for(executor) as ex,
        tempfile.TemporaryDirectory(prefix="vessels-", dir=scratch_dir(out)) as tmp,
    ):
        assert ex is not None
        work = str(work_dir) if work_dir is not None else str(Path(tmp) / "work")
        if work_dir is not None:
            _require_empty(work)
        c = time.process_time()
        with P._timed(timings, "ingest", memory):
            ingested = ingest(inputs, Path(tmp) / S.INGEST_POSITIONS_FILE, **ingest_options)
        cpu["ingest"] = round(time.process_time() - c, 3)
        if ingested.vessel_ids is not None:  # every output would have to carry vessel_id
            raise P.ConfigError(
                "VMS inputs (a vessel_id column) are not supported with a partitioned executor "
                "yet: run them in process (no executor)"
            )
        c = time.process_time()
        with P._timed(timings, "zones", memory):
            zone_layer = zones()
        cpu["zones"] = round(time.process_time() - c, 3)
        with P._timed(timings, "plan", memory):
            planned = execute(
                ingested.positions,
                zones=zone_layer,
                profile=prof,
                executor=ex,
                work_dir=work,
                plan=plan,
                timings=timings,
                watchlist=watchlist,
                cpu=cpu,
            )
        Path(ingested.positions).unlink(missing_ok=True)
        tracks_scan = pl.scan_parquet(_pattern(planned.tracks_glob))
        tracks: pl.DataFrame | pl.LazyFrame
        spilled: Path | None = None
        c = time.process_time()
        if out is not None and write_tracks:
            with P._timed(timings, "write_tracks", memory):
                target = Path(out) / S.TRACKS_FILE
                with atomic_path(target) as tmp_file:
                    tracks_scan.sink_parquet(tmp_file, compression="lz4")
                spilled = target
            tracks = pl.scan_parquet(spilled, glob=False)
        else:
            # the work directory goes away: keep the tracks of the vessels the map draws
            top = planned.vessels.head(max(top_n, 1))[S.MMSI]
            tracks = tracks_scan.filter(pl.col(S.MMSI).is_in(top.implode())).collect()
        cpu["write_tracks"] = round(time.process_time() - c, 3)
        scored = ScoreResult(
            vessels=planned.vessels,
            contributions=planned.contributions,
            vessel_days=planned.vessel_days,
            profile=prof,
        )
        # the vessel graph of every vessel's events, as the in-process run builds it
        with P._timed(timings, "network", memory):
            graph = vessel_graph(
                planned.events,
                identity_history=ingested.identity_history,
                vessels=planned.vessels,
            )
        summary = P._summary(
            ingested.summary,
            planned.n_positions,
            planned.time_range,
            planned.events,
            scored,
            prof,
            timings,
        )
        summary["networks"] = network_summary(graph)
        summary["peak_rss_gb_after_stage"] = memory
        summary["cpu_s"] = cpu  # outputs add theirs when written
        # as the in-process run: reader warnings, coverage honesty, sparse reporters
        summary["warnings"] = [
            *summary.get("warnings", []),
            *planned.coverage["warnings"],
            *P._sparse_warnings(tracks_scan, prof),
        ]
        summary["coverage"] = planned.coverage
        summary["inputs"] = [
            str(p) for p in ([inputs] if isinstance(inputs, str | Path) else inputs)
        ]
        opts = ingest_options
        box = opts.get("bbox")
        summary["filters"] = {
            "since": None if opts.get("since") is None else opts["since"].isoformat(),
            "until": None if opts.get("until") is None else opts["until"].isoformat(),
            "bbox": list(box.as_tuple()) if box else None,
            "mmsi": sorted(opts["mmsi"]) if opts.get("mmsi") is not None else None,
        }
        summary["execution"] = {"executor": ex.name, **planned.stats}
        result = P.PipelineResult(
            tracks=tracks,
            quarantine=ingested.quarantine,
            events=planned.events,
            vessels=planned.vessels,
            contributions=planned.contributions,
            vessel_days=planned.vessel_days,
            zones=zone_layer,
            summary=summary,
            profile=prof,
            identity_history=ingested.identity_history,
            network=graph,
        )
        if out is not None:
            result.write(
                out,
                overwrite=True,
                top_n=top_n,
                map=map,
                offline_map=offline_map,
                tracks=False,
                already_written={S.TRACKS_FILE: spilled} if spilled is not None else None,
            )
        if work_dir is None:
            shutil.rmtree(work, ignore_errors=True)
    return result
