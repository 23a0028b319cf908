"""Benchmark of the behaviour detectors on a generated day of AIS.

The generator is vectorised numpy (no per-row Python): ``vessels`` vessels over 24 h, each with
``rows / vessels`` positions at jittered intervals, spread over an area that grows with the number
of vessels (constant density, as when a national feed grows into a regional one). Behaviours:
transit (8-16 kn), fishing (zig-zag 2-5 kn), drifting (< 1 kn), anchored in port groups (vessels
within ~300 m of each other, near shore), encounter pairs (a vessel copying another's drifting
track 200 m away), and dark periods (2-10 h silences in 10 % of the vessels). The input already
carries ``segment_id`` (one per vessel), kinematics and zone labels, so the figures are the
detectors' own cost (``prepare`` = sort + checks is timed separately).

Each size runs in a fresh subprocess so that the peak RSS is the peak of that size alone.

Usage::

    .venv/bin/python benchmarks/bench_events.py --rows 1000000 --vessels 2000
    .venv/bin/python benchmarks/bench_events.py --rows 10000000 --vessels 20000
    .venv/bin/python benchmarks/bench_events.py --sizes 1000000:2000,10000000:20000  # both

``--stage TRACKS [--against CHECKOUT] [--rounds N]`` measures the score's events stage exactly as
``bench_floors.py`` does (its ``EVENTS`` step on a scan of a score's ``tracks.parquet``, fresh
process, user + system CPU and peak RSS of ``/usr/bin/time -v``) next to its floor (``SORT``:
``read_parquet`` + sort of the same file), in interleaved rounds: floor, this checkout, then
``CHECKOUT`` (another worktree, e.g. main's) when given. Medians and every round are printed, so
a change is compared with its base under the same load (heavy: run under the bench lock)::

    flock /work/notes/bench.lock .venv/bin/python benchmarks/bench_events.py \
        --stage benchmarks/_data/floors_10000000/score/tracks.parquet --against ../main --rounds 3
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import subprocess
import sys
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np
import polars as pl

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from vessels import schema as S  # noqa: E402
from vessels._geo import MPS_PER_KN  # noqa: E402

DATA = ROOT / "benchmarks" / "_data"
T0_US = int(datetime(2024, 3, 1, tzinfo=UTC).timestamp() * 1e6)


def generate(rows: int, vessels: int, seed: int = 11) -> pl.DataFrame:
    """One day of positions for ``vessels`` vessels, about ``rows`` positions in total."""
    rng = np.random.default_rng(seed)
    per = max(rows // vessels, 2)
    n = per * vessels
    # area grows with the vessel count: 2000 vessels on ~4 x 4 deg
    side = 4.0 * np.sqrt(vessels / 2000.0)
    lat0 = rng.uniform(15.0, 15.0 + side, vessels)
    lon0 = rng.uniform(-110.0, -110.0 + side, vessels)
    kind = rng.choice(5, vessels, p=[0.45, 0.2, 0.15, 0.1, 0.1])  # transit fish drift port pair
    # port groups: 10 vessels around one point
    port_idx = np.flatnonzero(kind == 3)
    anchor = port_idx - port_idx % 10
    lat0[port_idx] = lat0[anchor] + rng.normal(0, 0.001, port_idx.size)
    lon0[port_idx] = lon0[anchor] + rng.normal(0, 0.001, port_idx.size)
    # pair vessels copy the previous vessel's origin, 200 m north
    pair_idx = np.flatnonzero(kind == 4)
    pair_idx = pair_idx[pair_idx > 0]
    kind[pair_idx - 1] = 2
    lat0[pair_idx] = lat0[pair_idx - 1] + 200 / 111_195
    lon0[pair_idx] = lon0[pair_idx - 1]
    speed = np.select(
        [kind == 0, kind == 1, kind == 3],
        [rng.uniform(8, 16, vessels), rng.uniform(2, 5, vessels), np.zeros(vessels)],
        rng.uniform(0.1, 0.9, vessels),
    )
    course = rng.uniform(0, 360, vessels)
    course[pair_idx] = course[pair_idx - 1]
    speed[pair_idx] = speed[pair_idx - 1]

    v = np.repeat(np.arange(vessels), per)
    step = np.tile(np.arange(per), vessels)
    dt_s = 86_400.0 / per
    t_s = step * dt_s + rng.uniform(0, dt_s * 0.5, n)
    # fishing: zig-zag every 6 positions
    cog = course[v] + np.where((kind[v] == 1) & ((step // 6) % 2 == 1), 90.0, 0.0)
    cog = cog + rng.normal(0, 3, n)
    sog = np.maximum(speed[v] + rng.normal(0, 0.2, n) * (speed[v] > 0), 0)
    d_m = sog * MPS_PER_KN * dt_s
    north = d_m * np.cos(np.radians(cog))
    east = d_m * np.sin(np.radians(cog))
    # cumulative displacement per vessel (reset at each vessel start)
    cn = np.cumsum(north)
    ce = np.cumsum(east)
    first = np.arange(vessels) * per
    cn -= np.repeat(cn[first] - north[first], per)
    ce -= np.repeat(ce[first] - east[first], per)
    lat = lat0[v] + cn / 111_195.0
    lon = lon0[v] + ce / (111_195.0 * np.cos(np.radians(lat0[v])))
    lat += rng.normal(0, 0.00005, n)
    lon += rng.normal(0, 0.00005, n)
    # dark periods: 10 % of vessels lose a 2-10 h window
    dark = rng.random(vessels) < 0.1
    dstart = rng.uniform(0, 14 * 3600, vessels)
    dlen = rng.uniform(2 * 3600, 10 * 3600, vessels)
    keep = ~(dark[v] & (t_s >= dstart[v]) & (t_s < dstart[v] + dlen[v]))
    mids = np.array([345, 366, 412, 416, 351, 538, 636])
    mid = mids[rng.integers(0, len(mids), vessels)]
    mmsi = (mid * 1_000_000 + np.arange(vessels) % 1_000_000).astype(np.uint32)
    flag_of = {345: "MEX", 366: "USA", 412: "CHN", 416: "TWN", 351: "PAN", 538: "MHL", 636: "LBR"}
    ship_type = np.select([kind == 1, kind == 0], [30, 70], 0).astype(np.uint8)
    shore = np.abs(lat - 15.0 - side / 2) * 111.0  # a 'coast' along the middle latitude
    shore[kind[v] == 3] = rng.uniform(0.1, 1.0, int((kind[v] == 3).sum()))
    eez = np.where(lon < -110.0 + side / 2, "MEX", "GTM")
    zone = (lat > 15.0 + side * 0.7) & (lon > -110.0 + side * 0.7)
    df = pl.DataFrame(
        {
            S.MMSI: mmsi[v],
            S.TS: (T0_US + (t_s * 1e6).astype(np.int64)),
            S.LAT: lat,
            S.LON: lon,
            S.SOG_KN: sog.astype(np.float32),
            S.COG_DEG: (cog % 360).astype(np.float32),
            S.SHIP_TYPE: ship_type[v],
            S.SHORE_KM: shore,
            S.EEZ_ISO3: eez,
            "_zone": zone,
        }
    )
    flags = pl.DataFrame(
        {"_mid": list(flag_of), S.FLAG: list(flag_of.values())},
        schema={"_mid": pl.UInt32, S.FLAG: pl.String},
    )
    df = (
        df.filter(pl.Series(keep))
        .with_columns(
            pl.col(S.TS).cast(S.TS_DTYPE),
            (pl.col(S.MMSI) // 1_000_000).alias("_mid"),
            pl.when(pl.col(S.SHIP_TYPE) == 0)
            .then(None)
            .otherwise(pl.col(S.SHIP_TYPE))
            .alias(S.SHIP_TYPE),
        )
        .join(flags, on="_mid", how="left")
        .drop("_mid")
        .with_columns(
            pl.when(pl.col("_zone"))
            .then(pl.lit(["aoi-upper-gulf"]))
            .otherwise(pl.lit([], dtype=pl.List(pl.String)))
            .alias(S.ZONE_IDS),
            pl.col(S.MMSI).cast(pl.String).alias(S.SEGMENT_ID),
            pl.lit(True).alias(S.MMSI_VALID),
        )
        .drop("_zone")
    )
    missing = {c: d for c, d in S.POSITION_SCHEMA.items() if c not in df.columns}
    df = df.with_columns(pl.lit(None, dtype=d).alias(c) for c, d in missing.items())
    from vessels.tracks import kinematics_exprs

    # the segmenter's kinematics per segment (one segment per vessel), rows as the stages
    # write them: sorted by mmsi, ts
    df = df.sort(S.MMSI, S.TS).with_columns(kinematics_exprs(S.SEGMENT_ID))
    schema = pl.Schema({**S.POSITION_SCHEMA, **S.SEGMENT_DERIVED_SCHEMA, **S.ZONE_LABEL_SCHEMA})
    return df.select(list(schema)).cast(schema)


def _rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


def run_one(rows: int, vessels: int) -> dict[str, object]:
    """Generate (or reuse) the data, then time each step of ``detect_events`` as it runs them:
    ``prepare``, the coverage context, the fishing score, the harbour gate, then every detector
    of the registry in its order with the same :class:`~vessels.events.registry.Context`."""
    from vessels.events import DetectorConfig, prepare
    from vessels.events.coverage import coverage_context, with_harbour
    from vessels.events.fishing import with_fishing_score
    from vessels.events.registry import Context, detectors

    DATA.mkdir(parents=True, exist_ok=True)
    path = DATA / f"events_{rows}_{vessels}.parquet"
    if not path.exists():
        generate(rows, vessels).write_parquet(path)
    frame = pl.read_parquet(path)
    cfg = DetectorConfig()
    times: dict[str, float] = {}
    cpu: dict[str, float] = {}

    def step(name: str, fn: Callable[..., Any], *args: Any) -> Any:
        t, c = time.perf_counter(), time.process_time()
        out = fn(*args)
        times[name], cpu[name] = time.perf_counter() - t, time.process_time() - c
        return out

    p = step("prepare", prepare, frame)
    coverage = step("coverage_context", coverage_context, p)
    p = step("fishing_score", with_fishing_score, p, cfg.fishing)
    p = step("harbour", with_harbour, p, coverage)
    context = Context(zones=None, watchlist=None, coverage=coverage, parts={})
    counts: dict[str, int] = {}
    for record in detectors():
        t = record.event_type
        out = step(t, record.detect, p, cfg.section(t), context)
        context.events[t] = out
        counts[t] = out.height
    del p
    return {
        "rows": frame.height,
        "vessels": vessels,
        "times_s": {k: round(v, 3) for k, v in times.items()},
        "cpu_s": {k: round(v, 3) for k, v in cpu.items()},
        "load_1min_after": round(os.getloadavg()[0], 2),
        "events": counts,
        "gap_us_per_position": round(times[S.AIS_GAP] / frame.height * 1e6, 4),
        "peak_rss_mb": round(_rss_mb(), 0),
        "polars_threads": pl.thread_pool_size(),
    }


def evaluate_on_simulator(seeds: list[int], hours: float = 24.0) -> pl.DataFrame:
    """Detect events on every simulator scenario and score them against its truth table.

    Pipeline: ``simulate`` -> ``vessels.tracks.segment`` -> ``vessels.zones.label_zones`` ->
    ``detect_events``; ``vessels.simulation.evaluate`` matches events to planted behaviours.
    """
    import vessels.simulation as vsim
    from vessels.events import detect_events
    from vessels.tracks import segment
    from vessels.zones import default_zones, label_zones

    zones = default_zones()
    rows = []
    for scenario in sorted(vsim.SCENARIOS):
        for seed in seeds:
            sim = vsim.simulate(scenario, seed=seed, hours=hours)
            tracks = label_zones(segment(sim.positions), zones)
            events = detect_events(tracks, zones)
            ev = vsim.evaluate(sim.truth, events, controls=sim.controls)
            rows.append(
                ev.with_columns(pl.lit(scenario).alias("scenario"), pl.lit(seed).alias("seed"))
            )
    allrows = pl.concat(rows).filter(pl.col(S.EVENT_TYPE) != "all")
    tot = allrows.group_by(S.EVENT_TYPE).agg(
        pl.col("n_truth", "n_detected", "tp", "fp", "fn", "fp_on_controls").sum()
    )
    return (
        tot.with_columns(
            (pl.col("n_detected") - pl.col("fp")).alias("_ok"),
        )
        .with_columns(
            pl.when(pl.col("n_detected") > 0)
            .then(pl.col("_ok") / pl.col("n_detected"))
            .alias("precision"),
            pl.when(pl.col("n_truth") > 0).then(pl.col("tp") / pl.col("n_truth")).alias("recall"),
        )
        .drop("_ok")
        .sort(S.EVENT_TYPE)
    )


def run_total(rows: int, vessels: int, eager: bool = False) -> dict[str, object]:
    """``detect_events`` end to end (prepare + all detectors) in a fresh process: wall, CPU, RSS."""
    from vessels.events import detect_events

    path = DATA / f"events_{rows}_{vessels}.parquet"
    if not path.exists():
        DATA.mkdir(parents=True, exist_ok=True)
        generate(rows, vessels).write_parquet(path)
    # lazy input, as stages hand LazyFrames to each other: only the columns the detectors read
    # are ever materialised (pass --eager to hold the whole input frame in memory first)
    lazy = pl.scan_parquet(path)
    frame: pl.DataFrame | pl.LazyFrame = lazy.collect() if eager else lazy
    rss_input = _rss_mb()
    t, c = time.perf_counter(), time.process_time()
    total = detect_events(frame)
    return {
        "input": "eager DataFrame" if eager else "LazyFrame (scan_parquet)",
        "rows": pl.scan_parquet(path).select(pl.len()).collect().item(),
        "vessels": vessels,
        "detect_events_wall_s": round(time.perf_counter() - t, 3),
        "detect_events_cpu_s": round(time.process_time() - c, 3),
        "events_total": total.height,
        "peak_rss_mb": round(_rss_mb(), 0),
        "rss_after_reading_input_mb": round(rss_input, 0),
        "load_1min_after": round(os.getloadavg()[0], 2),
    }


def run_stage(tracks: Path, against: Path | None, rounds: int) -> str:
    """The events stage of ``bench_floors.py`` on ``tracks`` (this checkout and ``against``) and
    its sort floor, in ``rounds`` interleaved rounds; a Markdown report of medians and rounds."""
    import statistics

    sys.path.insert(0, str(ROOT / "benchmarks"))
    from bench_floors import EVENTS, SORT
    from bench_ingest import timed

    steps: dict[str, tuple[str, Path]] = {"floor (read_parquet + sort)": (SORT, ROOT)}
    steps["events stage (this checkout)"] = (EVENTS, ROOT)
    if against is not None:
        steps[f"events stage ({against})"] = (EVENTS, against)
    got: dict[str, list[tuple[float, float, str, float]]] = {k: [] for k in steps}
    load0 = os.getloadavg()
    for _ in range(rounds):
        for name, (code, cwd) in steps.items():
            got[name].append(timed(code, str(tracks), cwd=cwd))
    load1 = os.getloadavg()
    floor_cpu = statistics.median(r[3] for r in got["floor (read_parquet + sort)"])
    lines = [
        f"Machine: {platform.platform()}, {os.cpu_count()} CPUs (shared), Python "
        f"{platform.python_version()}, polars {pl.__version__}; load average (1/5/15 min) "
        f"{load0[0]:.1f}/{load0[1]:.1f}/{load0[2]:.1f} at start, "
        f"{load1[0]:.1f}/{load1[1]:.1f}/{load1[2]:.1f} at end. Input: `{tracks}`.",
        "",
        "| step | output | median wall s | median CPU s | peak RSS MB | CPU / floor |"
        " rounds (CPU s) |",
        "|---|---|---:|---:|---:|---:|---|",
    ]
    for name, runs in got.items():
        cpu = statistics.median(r[3] for r in runs)
        lines.append(
            f"| {name} | {runs[-1][2].splitlines()[-1] if runs[-1][2] else ''} | "
            f"{statistics.median(r[0] for r in runs):.1f} | {cpu:.1f} | "
            f"{max(r[1] for r in runs):,.0f} | {cpu / floor_cpu:.2f} | "
            f"{', '.join(f'{r[3]:.1f}' for r in runs)} |"
        )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rows", type=int, default=1_000_000)
    ap.add_argument("--vessels", type=int, default=2_000)
    ap.add_argument("--sizes", help="rows:vessels,... run each in a fresh subprocess")
    ap.add_argument("--total", action="store_true", help="only detect_events end to end")
    ap.add_argument("--eager", action="store_true", help="with --total: read the input first")
    ap.add_argument(
        "--evaluate", type=int, default=0, metavar="N", help="score on N simulator seeds instead"
    )
    ap.add_argument("--hours", type=float, default=24.0, help="with --evaluate: simulated hours")
    ap.add_argument(
        "--stage", type=Path, metavar="TRACKS", help="the score's events stage on this file"
    )
    ap.add_argument(
        "--against", type=Path, metavar="CHECKOUT", help="with --stage: also this checkout's"
    )
    ap.add_argument("--rounds", type=int, default=3, help="with --stage: interleaved rounds")
    args = ap.parse_args(argv)
    if args.stage is not None:
        if args.rounds < 1:
            ap.error(f"--rounds must be >= 1, got {args.rounds}")
        against = args.against.resolve() if args.against is not None else None
        print(run_stage(args.stage.resolve(), against, args.rounds))
        return
    if args.evaluate:
        with pl.Config(tbl_rows=20, tbl_width_chars=160):
            print(evaluate_on_simulator(list(range(args.evaluate)), hours=args.hours))
        return
    if args.sizes:
        results = []
        for item in args.sizes.split(","):
            rows, vessels = (int(x) for x in item.split(":"))
            load = os.getloadavg()[0]
            res: dict[str, object] = {"load_1min_before": round(load, 2)}
            for extra in ([], ["--total"], ["--total", "--eager"]):
                out = subprocess.run(
                    [
                        sys.executable,
                        __file__,
                        "--rows",
                        str(rows),
                        "--vessels",
                        str(vessels),
                        *extra,
                    ],
                    check=True,
                    capture_output=True,
                    text=True,
                )
                part = json.loads(out.stdout.strip().splitlines()[-1])
                res["_".join(x.strip("-") for x in extra) or "per_detector"] = part
            results.append(res)
        print(
            json.dumps(
                {
                    "date": datetime.now(UTC).isoformat(timespec="seconds"),
                    "machine": f"{platform.processor() or platform.machine()}, "
                    f"{os.cpu_count()} CPUs, Python {platform.python_version()}, "
                    f"polars {pl.__version__}",
                    "results": results,
                },
                indent=1,
            )
        )
    elif args.total:
        print(json.dumps(run_total(args.rows, args.vessels, eager=args.eager)))
    else:
        print(json.dumps(run_one(args.rows, args.vessels)))


if __name__ == "__main__":
    main()
