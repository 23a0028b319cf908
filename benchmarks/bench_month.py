"""A simulated month scored out-of-core and on a Dask LocalCluster (#17). Not a test.

Generate (vectorised, one UTC day per MarineCadastre CSV file, written day by day so the month
never sits in memory):

    python benchmarks/bench_month.py generate --days 30 --vessels 20000 --out /tmp/month

Every vessel reports about every 14 minutes (20 000 vessels x 30 days ~ 62 M rows). Planted,
known in advance and written to ``planted.json``:

- cross-midnight gaps: each day 1 % of the vessels go silent from 21:00 to 04:00 the next day;
- cross-midnight encounters: ``--pairs`` vessel pairs drift at ~0.5 kn, 40 km apart, and come
  within ~200 m of each other from 23:00 to 02:00 on days 1, 4, 7, ... of the month.

Score the first K days and report wall time, peak RSS of the process tree (workers included)
and what was found:

    flock /work/notes/bench.lock python benchmarks/bench_month.py score --in /tmp/month \\
        --days 7 --scheduler out-of-core --buckets 8

Prints one JSON line (``rows``, ``wall_s``, ``cpu_s``, ``peak_rss_gb``, planted vs found, the
wall and CPU seconds of each stage, ``tasks``: per plan function (out-of-core) its tasks and
their CPU seconds, summed, smallest and largest; with ``--work-dir`` also the files and MB of each
intermediate directory, kept there, and ``pair_rows``: the rows shuffled to the pair tasks, the
distinct positions among them and the copies per position).
"""

from __future__ import annotations

import argparse
import contextlib
import json
import math
import sys
import threading
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np
import polars as pl

START = datetime(2024, 3, 1, tzinfo=UTC)
STEP_S = 840.0  # ~14 min between reports
KM_PER_DEG = 111.195


#: Where the vessels start (lat0, lat1, lon0, lon1) and the margin (degrees) they may drift
#: beyond it. ``ocean``: 26 deg x 35 deg of open eastern Pacific (no land within the margin:
#: Hawaii lies west of -154.8, Clipperton and the Revillagigedo islands east of -114.7,
#: Guadalupe north of 29 N), ~1.9 vessels per 1000 km2 with 20 000 vessels, about the density
#: of the 10 M-row benchmark day (20 000 vessels over the US box, ~1.6 per 1000 km2).
#: ``dense``: the earlier 12 deg x 16 deg box off Mexico, ~100 vessels per square degree
#: (~9 per 1000 km2 everywhere: a busy strait or harbour approach over the whole area).
AREAS = {
    "ocean": ((0.0, 26.0, -153.0, -118.0), 1.0),
    "dense": ((8.0, 20.0, -128.0, -112.0), 2.0),
}


def generate(out: Path, days: int, n: int, n_pairs: int, seed: int, area: str = "ocean") -> None:
    out.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(seed)
    (la0, la1, lo0, lo1), margin = AREAS[area]
    mmsi = (201_000_000 + np.arange(n, dtype=np.int64) * 24_989).astype(np.int64)
    lat = rng.uniform(la0, la1, n)
    lon = rng.uniform(lo0, lo1, n)
    speed = rng.choice([0.5, 6.0, 10.0, 13.0], n, p=[0.15, 0.3, 0.35, 0.2])
    heading = rng.uniform(0, 360, n)
    phase = rng.uniform(0, STEP_S, n)
    ship_type = rng.choice([30, 70, 80, 60], n)
    # pairs: vessel 2k (leader) and 2k+1 (partner), slow
    pairs = np.arange(n_pairs)
    lead, part = 2 * pairs, 2 * pairs + 1
    speed[lead] = 0.5
    speed[part] = 0.5
    planted: dict[str, list[list[object]]] = {"gaps": [], "encounters": []}
    steps = int(86_400 // STEP_S) + 1
    gap_windows: list[tuple[np.ndarray, float, float]] = []
    enc_days = list(range(1, days, 3))
    for d in range(days):
        day0 = d * 86_400.0
        t = day0 + phase[:, None] + STEP_S * np.arange(steps)[None, :]
        keep = t < day0 + 86_400.0
        # motion: heading wanders, position advances (flat-earth steps of <= 3 km)
        dh = rng.normal(0, 4, (n, steps)).cumsum(axis=1)
        hdg = (heading[:, None] + dh) % 360
        dist_km = speed[:, None] * 1.852 * STEP_S / 3600.0
        dlat = dist_km * np.cos(np.radians(hdg)) / KM_PER_DEG
        dlon = dist_km * np.sin(np.radians(hdg)) / (KM_PER_DEG * np.cos(np.radians(lat[:, None])))
        la = lat[:, None] + dlat.cumsum(axis=1)
        lo = lon[:, None] + dlon.cumsum(axis=1)
        bounce = (la < la0 - margin) | (la > la1 + margin) | (lo < lo0 - margin)
        bounce |= lo > lo1 + margin
        hdg = np.where(bounce, (hdg + 180) % 360, hdg)
        la = np.clip(la, la0 - margin, la1 + margin)
        lo = np.clip(lo, lo0 - margin, lo1 + margin)
        # partners: 40 km east of their leader, 0.2 km during encounter windows (23:00-02:00)
        off_km = np.full((n_pairs, steps), 40.0)
        for e in enc_days:
            w0, w1 = e * 86_400.0 - 3_600.0, e * 86_400.0 + 7_200.0
            tt = t[part]
            before = np.clip((w0 - tt) / 3600.0 * 10.0, 0, None)  # approach at 10 km/h
            after = np.clip((tt - w1) / 3600.0 * 10.0, 0, None)
            inside = np.maximum(before, after)
            off_km = np.minimum(off_km, np.clip(0.2 + inside, 0.2, 40.0))
            if d == e:
                for k in pairs:
                    planted["encounters"].append([int(mmsi[lead[k]]), int(mmsi[part[k]]), w0, w1])
        la[part] = la[lead] + 0.0
        lo[part] = lo[lead] + off_km / (KM_PER_DEG * np.cos(np.radians(la[lead])))
        # gaps: 1 % of the other vessels, 21:00 -> 04:00 next day
        cand = np.arange(2 * n_pairs, n)
        chosen = rng.choice(cand, size=max(1, len(cand) // 100), replace=False)
        gap_windows.append((chosen, day0 + 21 * 3600.0, day0 + 28 * 3600.0))
        for v in chosen[:]:
            planted["gaps"].append([int(mmsi[v]), day0 + 21 * 3600.0, day0 + 28 * 3600.0])
        for vs, g0, g1 in gap_windows[-2:]:
            rows = t[vs]
            keep[vs] &= ~((rows >= g0) & (rows < g1))
        sog = np.broadcast_to(speed[:, None], t.shape)
        frame = pl.DataFrame(
            {
                "MMSI": np.broadcast_to(mmsi[:, None], t.shape)[keep],
                "_t": t[keep],
                "LAT": np.round(la[keep], 5),
                "LON": np.round(lo[keep], 5),
                "SOG": np.round(sog[keep], 1),
                "COG": np.round(hdg[keep], 1),
                "Heading": np.full(int(keep.sum()), 511),
                "VesselType": np.broadcast_to(ship_type[:, None], t.shape)[keep],
            }
        )
        frame = (
            frame.with_columns(
                (pl.lit(START) + pl.duration(microseconds=(pl.col("_t") * 1e6).cast(pl.Int64)))
                .dt.strftime("%Y-%m-%dT%H:%M:%S")
                .alias("BaseDateTime"),
                pl.format("VESSEL {}", pl.col("MMSI")).alias("VesselName"),
            )
            .sort("_t", "MMSI")
            .select(
                "MMSI",
                "BaseDateTime",
                "LAT",
                "LON",
                "SOG",
                "COG",
                "Heading",
                "VesselName",
                "VesselType",
            )
        )
        day = (START + timedelta(days=d)).strftime("%Y-%m-%d")
        frame.write_csv(out / f"AIS_{day}.csv")
        lat, lon = la[:, -1], lo[:, -1]
        heading = hdg[:, -1]
        print(f"day {d + 1}/{days}: {frame.height:,} rows", file=sys.stderr, flush=True)
    (out / "planted.json").write_text(json.dumps(planted))


class _Peak:
    """Peak RSS and CPU seconds of this process and its children (Dask workers), polled."""

    def __init__(self) -> None:
        import psutil

        self.proc = psutil.Process()
        self.peak = 0
        self._cpu: dict[int, float] = {}
        self._cpu0 = sum(self.proc.cpu_times()[:2])
        self._stop = threading.Event()
        self._t = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        while not self._stop.is_set():
            total = 0
            try:
                procs = [self.proc, *self.proc.children(recursive=True)]
                for p in procs:
                    with contextlib.suppress(Exception):  # a worker may exit meanwhile
                        total += p.memory_info().rss
                        cpu = p.cpu_times()
                        self._cpu[p.pid] = cpu.user + cpu.system
            except Exception:
                pass
            self.peak = max(self.peak, total)
            self._stop.wait(0.25)

    def __enter__(self) -> _Peak:
        self._t.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._t.join()
        cpu = self.proc.cpu_times()
        self._cpu[self.proc.pid] = cpu.user + cpu.system

    @property
    def cpu_s(self) -> float:
        """CPU seconds of the tree since entry (children: as last polled, 0.25 s apart)."""
        return sum(self._cpu.values()) - self._cpu0


class _TaskTimes:
    """Per plan function: tasks, CPU seconds (this process: the out-of-core executor runs every
    task here) summed, smallest and largest, and wall seconds summed. Wraps the out-of-core
    executor; for a Dask executor it records nothing (the tasks run in the workers)."""

    def __init__(self) -> None:
        self.by_fn: dict[str, list[float]] = {}

    def executor(self) -> object:
        from vessels.executors import SerialExecutor

        times = self.by_fn

        class Timed(SerialExecutor):
            def map(self, fn, items, **shared):  # type: ignore[no-untyped-def]
                name = getattr(getattr(fn, "fn", fn), "__name__", "task")
                out = []
                for item in items:
                    c, t = time.process_time(), time.perf_counter()
                    out.append(fn(item, **shared))
                    dc, dt = time.process_time() - c, time.perf_counter() - t
                    rec = times.setdefault(name, [0, 0.0, math.inf, 0.0, 0.0])
                    rec[0] += 1
                    rec[1] += dc
                    rec[2] = min(rec[2], dc)
                    rec[3] = max(rec[3], dc)
                    rec[4] += dt
                return out

        return Timed()

    def report(self) -> dict[str, dict[str, float]]:
        return {
            k: {
                "tasks": int(n),
                "cpu_s": round(cpu, 2),
                "cpu_min_s": round(lo, 3),
                "cpu_max_s": round(hi, 3),
                "wall_s": round(wall, 2),
            }
            for k, (n, cpu, lo, hi, wall) in self.by_fn.items()
        }


def _work_files(work: Path) -> dict[str, list[float]]:
    """``{top directory: [files, MB]}`` of a kept work directory."""
    out: dict[str, list[float]] = {}
    for d in sorted(p for p in work.iterdir() if p.is_dir()):
        files = [f for f in d.rglob("*") if f.is_file()]
        out[d.name] = [len(files), round(sum(f.stat().st_size for f in files) / 1e6, 1)]
    return out


def _pair_copies(work: Path) -> dict[str, float] | None:
    """Rows written to ``pairrows/`` (every pair task's input), the distinct positions among
    them and the copies per position: how often the shuffle repeats a row for pair tasks."""
    files = sorted((work / "pairrows").glob("**/*.parquet"))  # per bucket (or, before
    # plan9, per pair task and bucket)
    if not files:
        return None
    rows = pl.scan_parquet(files).select("mmsi", "ts")
    n = rows.select(pl.len()).collect().item()
    distinct = rows.unique().select(pl.len()).collect().item()
    return {"rows": n, "distinct": distinct, "copies": round(n / max(distinct, 1), 3)}


def score(
    src: Path,
    days: int,
    scheduler: str,
    buckets: int | None,
    out: Path,
    work_dir: Path | None = None,
) -> dict:
    from vessels.pipeline import run

    files = sorted(src.glob("AIS_*.csv"))[:days]
    planted = json.loads((src / "planted.json").read_text())
    t_end = days * 86_400.0
    tasks = _TaskTimes()
    executor = tasks.executor() if scheduler == "out-of-core" else scheduler
    t = time.perf_counter()
    with _Peak() as peak:
        res = run(
            files,
            out=out,
            overwrite=True,
            no_default_zones=False,
            map=False,
            write_tracks=False,
            executor=None if scheduler == "in-process" else executor,
            buckets=buckets,
            work_dir=work_dir,
        )
    wall = time.perf_counter() - t
    ev = res.events
    start = pl.lit(START)

    def secs(c: str) -> pl.Expr:
        return (pl.col(c) - start).dt.total_seconds()

    gaps = ev.filter(pl.col("event_type") == "ais_gap").select("mmsi", secs("start_ts").alias("s"))
    want_gaps = [g for g in planted["gaps"] if g[2] <= t_end]
    got_gaps = {
        (m, s0)
        for m, s0, _ in want_gaps
        if gaps.filter((pl.col("mmsi") == m) & ((pl.col("s") - s0).abs() < 1800)).height
    }
    enc = ev.filter(pl.col("event_type") == "encounter").select(
        "mmsi", "other_mmsi", secs("start_ts").alias("s"), secs("end_ts").alias("e")
    )
    want_enc = [e for e in planted["encounters"] if e[3] <= t_end]
    found_enc = 0
    for a, b, w0, w1 in want_enc:
        hit = enc.filter(
            (pl.col("mmsi") == a)
            & (pl.col("other_mmsi") == b)
            & (pl.col("s") < w1)
            & (pl.col("e") > w0)
        )
        found_enc += hit.height == 1
    return {
        "days": days,
        "scheduler": scheduler,
        "buckets": res.summary.get("execution", {}).get("buckets"),
        "rows": res.summary["input_rows"],
        "vessels": res.vessels.height,
        "events": ev.height,
        "wall_s": round(wall, 1),
        "cpu_s": round(peak.cpu_s, 1),
        "peak_rss_gb": round(peak.peak / 1024**3, 2),
        "rows_per_s": round(res.summary["input_rows"] / wall),
        "planted_gaps": len(want_gaps),
        "found_gaps": len(got_gaps),
        "planted_encounters": len(want_enc),
        "found_once_encounters": found_enc,
        "timings_s": res.summary["timings_s"],
        "stage_cpu_s": res.summary.get("cpu_s"),
        "execution": res.summary.get("execution"),
        "tasks": tasks.report(),
        "work_files": _work_files(work_dir) if work_dir is not None else None,
        "pair_rows": _pair_copies(work_dir) if work_dir is not None else None,
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = ap.add_subparsers(dest="cmd", required=True)
    g = sub.add_parser("generate")
    g.add_argument("--days", type=int, default=30)
    g.add_argument("--vessels", type=int, default=20_000)
    g.add_argument("--pairs", type=int, default=50)
    g.add_argument("--seed", type=int, default=17)
    g.add_argument("--area", choices=sorted(AREAS), default="ocean")
    g.add_argument("--out", type=Path, required=True)
    s = sub.add_parser("score")
    s.add_argument("--in", dest="src", type=Path, required=True)
    s.add_argument("--days", type=int, default=30)
    s.add_argument("--scheduler", default="out-of-core")
    s.add_argument("--buckets", type=int, default=None)
    s.add_argument("--out", type=Path, default=Path("/tmp/bench_month_out"))
    s.add_argument(
        "--work-dir",
        type=Path,
        default=None,
        help="keep the intermediate Parquet here (a new directory) and count its files",
    )
    a = ap.parse_args()
    if a.cmd == "generate":
        generate(a.out, a.days, a.vessels, a.pairs, a.seed, a.area)
    else:
        print(
            json.dumps(score(a.src, a.days, a.scheduler, a.buckets, a.out, a.work_dir)), flush=True
        )


if __name__ == "__main__":
    assert math.isfinite(STEP_S)
    main()
