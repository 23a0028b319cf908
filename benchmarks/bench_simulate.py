"""Benchmark: `simulate("mixed")` scaled with background traffic, and the writers.

Run: ``.venv/bin/python benchmarks/bench_simulate.py [--vessels 7000] [--hours 48]``.
Prints one Markdown table row per step; the figures in ``benchmarks/results/simulate.md`` were
made with it. The target is 10 M positions generated in at most 2 minutes.
"""

from __future__ import annotations

import argparse
import os
import platform
import resource
import tempfile
import time
from datetime import UTC, datetime

import polars as pl

from vessels.simulation import simulate, write


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--vessels", type=int, default=7000)
    ap.add_argument("--hours", type=float, default=48.0)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument(
        "--write", action="store_true", help="also time the Parquet, CSV and NMEA writers"
    )
    a = ap.parse_args()
    load = os.getloadavg()
    print(
        f"date {datetime.now(UTC):%Y-%m-%d %H:%M} UTC, "
        f"{platform.processor() or platform.machine()}, {os.cpu_count()} CPUs, "
        f"load average {load[0]:.1f}, polars {pl.__version__}"
    )
    t = time.perf_counter()
    sim = simulate("mixed", seed=a.seed, n_vessels=a.vessels, hours=a.hours)
    dt = time.perf_counter() - t
    n = sim.positions.height
    print("| step | vessels | hours | rows | seconds | rows/s |")
    print("|---|---:|---:|---:|---:|---:|")
    print(
        f"| simulate mixed | {sim.vessels.height:,} | {a.hours:g} | {n:,} | {dt:.1f} "
        f"| {n / dt:,.0f} |"
    )
    if a.write:
        with tempfile.TemporaryDirectory() as d:
            for fmt in ("parquet", "marinecadastre", "nmea"):
                t = time.perf_counter()
                write(sim, f"{d}/{fmt}", format=fmt)
                dt = time.perf_counter() - t
                print(
                    f"| write {fmt} | {sim.vessels.height:,} | {a.hours:g} | {n:,} | {dt:.1f} "
                    f"| {n / dt:,.0f} |"
                )

    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"peak RSS {peak_mb:,.0f} MB")


if __name__ == "__main__":
    main()
