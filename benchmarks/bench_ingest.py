"""Ingest benchmark (issue 2, "Performance"): CSV/Parquet -> clean (+ segment) -> Parquet.

Each measurement runs in a fresh subprocess under ``/usr/bin/time -v`` (wall time and peak RSS
of that process alone). The baseline is a bare ``polars.read_csv`` + sort by (MMSI,
BaseDateTime) of the same file, measured in the same run. Also measures pyais NMEA decoding
throughput (messages/s) on a generated log.

Usage::

    .venv/bin/python benchmarks/bench_ingest.py --rows 1000000 [--rows 10000000] [--nmea 50000]

Same-run floor comparison of one CSV against one or more source trees (each run in a fresh
process with that tree first on ``sys.path``; floor and trees alternate, ``--repeats`` rounds)::

    .venv/bin/python benchmarks/bench_ingest.py --csv big.csv --tree . --tree /path/to/main

Results are appended to ``benchmarks/results/ingest.md``.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import platform
import re
import subprocess
import sys
import textwrap
from pathlib import Path

HERE = Path(__file__).resolve().parent
DATA = HERE / "_data"
RESULTS = HERE / "results" / "ingest.md"
PY = sys.executable

BASELINE = """
import polars as pl, sys
df = pl.read_csv(sys.argv[1]).sort("MMSI", "BaseDateTime")
print(df.height)
"""
INGEST = """
import sys
from vessels._cli.ingest import run_ingest
s = run_ingest([sys.argv[1]], sys.argv[2], overwrite=True, segment=sys.argv[3] == "1")
print(s["input_rows"], s["accepted_rows"], s["balanced"], s["segmented"])
"""
NMEA = """
import sys, time
from pathlib import Path
from vessels.io._nmea import stage_nmea
t = time.perf_counter()
lf = stage_nmea(Path(sys.argv[1]), "x")
n = lf.collect().height
print(n, time.perf_counter() - t)
"""


def timed(code: str, *args: str, cwd: Path | None = None) -> tuple[float, float, str, float]:
    """(wall s, peak RSS MB, stdout, CPU s = user + sys) of ``python -c code args``, fresh process.

    CPU seconds are reported too because the machine is shared: wall time and the wall ratio move
    with the other jobs' load, CPU time much less.
    """
    proc = subprocess.run(
        ["/usr/bin/time", "-v", PY, "-c", textwrap.dedent(code), *args],
        capture_output=True,
        text=True,
        check=True,
        cwd=cwd or HERE.parent,
        env={**os.environ, "PYTHONPATH": str(cwd or HERE.parent)},
    )
    user = re.search(r"User time \(seconds\): ([\d.]+)", proc.stderr)
    system = re.search(r"System time \(seconds\): ([\d.]+)", proc.stderr)
    wall = re.search(r"Elapsed \(wall clock\) time.*: (.+)", proc.stderr)
    rss = re.search(r"Maximum resident set size \(kbytes\): (\d+)", proc.stderr)
    assert wall and rss and user and system, proc.stderr
    parts = [float(p) for p in wall.group(1).split(":")]
    seconds = sum(p * 60 ** (len(parts) - 1 - i) for i, p in enumerate(parts))
    cpu = float(user.group(1)) + float(system.group(1))
    return seconds, int(rss.group(1)) / 1024, proc.stdout.strip(), cpu


def ensure_csv(rows: int) -> Path:
    path = DATA / f"mc_{rows}.csv"
    if not path.exists():
        subprocess.run(
            [PY, str(HERE / "gen_marinecadastre.py"), "--rows", str(rows), "--out", str(path)],
            check=True,
        )
    return path


def ensure_nmea(n: int) -> Path:
    path = DATA / f"nmea_{n}.nmea"
    if path.exists():
        return path
    from functools import reduce

    import numpy as np
    from pyais import encode_dict

    rng = np.random.default_rng(1)
    lines = []
    t0 = 1_717_200_000
    for i in range(n):
        d = {
            "type": 1,
            "mmsi": int(345_000_000 + rng.integers(0, 2000)),
            "lat": float(rng.uniform(29, 32)),
            "lon": float(rng.uniform(-115, -112)),
            "speed": float(rng.uniform(0, 20)),
            "course": float(rng.uniform(0, 359)),
            "heading": 511,
        }
        s = encode_dict(d, talker_id="AI")[0]
        tag = f"s:r1,c:{t0 + i}"
        cs = reduce(lambda a, c: a ^ ord(c), tag, 0)
        lines.append(f"\\{tag}*{cs:02X}\\{s}")
    path.write_text("\n".join(lines) + "\n")
    return path


def alternate(csv: Path, trees: list[Path], repeats: int, out: Path) -> list[str]:
    """Floor and ``ingest`` of each tree on ``csv``, alternating, ``repeats`` rounds.

    Rows of a Markdown table: round, step, wall s, CPU s (user + sys), peak RSS MB, and the
    CPU and wall ratios to the floor of the same round.
    """
    lines = [
        "| round | step | wall s | CPU s | peak RSS MB | CPU ratio | wall ratio |",
        "|---:|---|---:|---:|---:|---:|---:|",
    ]
    for r in range(1, repeats + 1):
        base_s, base_mb, _, base_cpu = timed(BASELINE, str(csv))
        lines.append(
            f"| {r} | floor: read_csv + sort | {base_s:.1f} | {base_cpu:.1f} | {base_mb:,.0f} "
            "| 1.00 | 1.00 |"
        )
        print(lines[-1], flush=True)
        for tree in trees:
            wall, mb, stdout, cpu = timed(INGEST, str(csv), str(out), "1", cwd=tree)
            lines.append(
                f"| {r} | ingest {tree} ({stdout}) | {wall:.1f} | {cpu:.1f} | {mb:,.0f} "
                f"| {cpu / base_cpu:.2f} | {wall / base_s:.2f} |"
            )
            print(lines[-1], flush=True)
    return lines


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rows", type=int, action="append", default=None)
    ap.add_argument("--nmea", type=int, default=50_000)
    ap.add_argument("--csv", type=Path, help="alternate floor and --tree ingests on this CSV")
    ap.add_argument("--tree", type=Path, action="append", default=None)
    ap.add_argument("--repeats", type=int, default=2)
    args = ap.parse_args()
    if args.csv is not None:
        trees = [t.resolve() for t in args.tree or [HERE.parent]]
        out = Path(os.environ.get("TMPDIR", "/tmp")) / "bench_ingest_out"
        alternate(args.csv.resolve(), trees, args.repeats, out)
        return
    DATA.mkdir(parents=True, exist_ok=True)
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    load = os.getloadavg()
    lines = [
        f"\n## Run {dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M} UTC",
        "",
        f"Machine: {os.cpu_count()} CPUs ({platform.processor() or platform.machine()}), "
        f"Python {platform.python_version()}, load average at start "
        f"{load[0]:.1f}/{load[1]:.1f}/{load[2]:.1f} (CPU shared with other jobs).",
        "",
        "| input | rows | step | wall s | CPU s | peak RSS MB | rows/s | wall ratio | CPU ratio |",
        "|---|---:|---|---:|---:|---:|---:|---:|---:|",
    ]
    for rows in args.rows or [1_000_000]:
        csv = ensure_csv(rows)
        out = DATA / f"out_{rows}"
        base_s, base_mb, _, base_cpu = timed(BASELINE, str(csv))
        measures = [("CSV", "polars.read_csv + sort (baseline)", base_s, base_mb, base_cpu)]
        for seg in ("0", "1"):
            wall, mb, stdout, cpu = timed(INGEST, str(csv), str(out), seg)
            label = "ingest + clean" + (" + segment" if seg == "1" else "")
            measures.append(("CSV", f"{label} -> Parquet ({stdout})", wall, mb, cpu))
        pq = DATA / f"mc_{rows}.parquet"
        (out / "positions.parquet").replace(pq)
        wall, mb, stdout, cpu = timed(INGEST, str(pq), str(out) + "_pq", "1")
        measures.append(
            ("Parquet", f"ingest + clean + segment -> Parquet ({stdout})", wall, mb, cpu)
        )
        for kind, step, wall, mb, cpu in measures:
            lines.append(
                f"| {kind} | {rows:,} | {step} | {wall:.1f} | {cpu:.1f} | {mb:,.0f} | "
                f"{rows / wall:,.0f} | {wall / base_s:.2f} | {cpu / base_cpu:.2f} |"
            )
        print("\n".join(lines[-len(measures) :]), flush=True)
    if args.nmea:
        nmea = ensure_nmea(args.nmea)
        wall, mb, stdout, _ = timed(NMEA, str(nmea))
        n, decode_s = stdout.split()
        lines += [
            "",
            f"NMEA (pyais {_pyais_version()}): {int(n):,} type-1 messages with tag blocks decoded "
            f"in {float(decode_s):.1f} s = **{int(n) / float(decode_s):,.0f} msg/s** "
            f"(process wall {wall:.1f} s, peak RSS {mb:,.0f} MB).",
        ]
        print(lines[-1])
    with RESULTS.open("a") as fh:
        fh.write("\n".join(lines) + "\n")


def _pyais_version() -> str:
    import pyais

    return str(pyais.__version__)


if __name__ == "__main__":
    main()
