"""Same-run timing of the ``fishing_score`` stage alone (``score_positions``), two checkouts.

Stages a frame once (cached in ``benchmarks/_data/``, git-ignored) the way ``vessels score`` has it
just before the stage: a MarineCadastre-layout CSV from ``gen_marinecadastre.py`` (``--rows``,
500 positions per vessel like the 10 M-row day), ingested (parse, clean, segment) and labelled
(``label_zones`` with the default zones); or ``--staged FILE``. Then, ``--reps`` times,
alternately for the checkout given with ``--compare`` and for this one, a fresh subprocess reads
the staged frame and times ``score_positions`` on it: wall, user and system CPU seconds of the
stage, the resident size before it, the peak RSS before and after it (``ru_maxrss``), and what
the stage adds (peak after minus resident before). The scores of the two checkouts are compared
for exact equality. On a shared machine, compare CPU seconds of the same run, not wall times
from different hours.

Usage::

    .venv/bin/python benchmarks/bench_fishing_stage.py --compare ../main             # 2 M rows
    .venv/bin/python benchmarks/bench_fishing_stage.py --staged labelled.parquet --compare ../main

Prints a Markdown table (the lead copies figures into ``benchmarks/results/fishing.md``).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "benchmarks" / "_data"

#: Run in the subprocess with the checkout on PYTHONPATH: times the stage, writes the scores.
_CHILD = r"""
import json, resource, sys, time
import polars as pl
from vessels.events.fishing import score_positions

def rss_gb():
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmRSS"):
                return int(line.split()[1]) / 1024**2
    return 0.0

staged = pl.read_parquet(sys.argv[1])
before = rss_gb()
r0 = resource.getrusage(resource.RUSAGE_SELF)
peak0 = r0.ru_maxrss / 1024**2
t0 = time.perf_counter()
out = score_positions(staged)
wall = time.perf_counter() - t0
r1 = resource.getrusage(resource.RUSAGE_SELF)
out.select("fishing_score", "fishing_behaviour").write_parquet(sys.argv[2])
print(json.dumps({
    "rows": staged.height,
    "wall_s": wall,
    "user_s": r1.ru_utime - r0.ru_utime,
    "sys_s": r1.ru_stime - r0.ru_stime,
    "staged_gb": before,
    "peak_before_gb": peak0,
    "peak_after_gb": r1.ru_maxrss / 1024**2,
}))
"""


def staged_frame(rows: int) -> Path:
    """The labelled frame of ``rows`` generated positions (built on first use)."""
    DATA.mkdir(parents=True, exist_ok=True)
    path = DATA / f"fishing_stage_{rows}.parquet"
    if path.exists():
        return path
    sys.path.insert(0, str(ROOT))
    import polars as pl

    from benchmarks.gen_marinecadastre import generate
    from vessels.ingestion import ingest
    from vessels.pipeline import _load_zones
    from vessels.zones import label_zones

    with tempfile.TemporaryDirectory(dir=DATA) as tmp:
        csv = Path(tmp) / "input.csv"
        generate(rows, vessels=max(1, rows // 500)).write_csv(csv)
        ingested = ingest([csv], Path(tmp) / "positions.parquet")
        positions = pl.read_parquet(ingested.positions)
    label_zones(positions, _load_zones(None, False)).write_parquet(path)
    return path


def run(tree: Path, staged: Path, scores: Path) -> dict[str, float]:
    env = {**os.environ, "PYTHONPATH": str(tree)}
    out = subprocess.run(
        [sys.executable, "-c", _CHILD, str(staged), str(scores)],
        env=env,
        cwd=tree,
        check=True,
        capture_output=True,
        text=True,
    )
    return json.loads(out.stdout.strip().splitlines()[-1])  # type: ignore[no-any-return]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rows", type=int, default=2_000_000)
    ap.add_argument("--reps", type=int, default=2)
    ap.add_argument("--compare", type=Path, help="another checkout, run before this one")
    ap.add_argument("--staged", type=Path, help="an already staged frame (Parquet) to use")
    args = ap.parse_args()
    import polars as pl

    staged = args.staged or staged_frame(args.rows)
    trees = [("this", ROOT)]
    if args.compare is not None:
        trees.insert(0, (args.compare.name or "other", args.compare.resolve()))
    lines = [
        f"Staged frame `{staged.name}`; load average (1 min) at start "
        f"{os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs.",
        "",
        "| run | checkout | rows | wall s | user s | sys s | CPU s | RSS before GiB "
        "| peak before GiB | peak after GiB | stage adds GiB |",
        "|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    with tempfile.TemporaryDirectory() as tmp:
        for rep in range(1, args.reps + 1):
            for name, tree in trees:
                r = run(tree, staged, Path(tmp) / f"{name}.parquet")
                cpu = r["user_s"] + r["sys_s"]
                lines.append(
                    f"| {rep} | {name} | {r['rows']:,} | {r['wall_s']:.2f} | {r['user_s']:.2f} | "
                    f"{r['sys_s']:.2f} | {cpu:.2f} | {r['staged_gb']:.2f} | "
                    f"{r['peak_before_gb']:.2f} | {r['peak_after_gb']:.2f} | "
                    f"{r['peak_after_gb'] - r['staged_gb']:.2f} |"
                )
                print(lines[-1], flush=True)
        if len(trees) == 2:
            a, b = (pl.read_parquet(Path(tmp) / f"{n}.parquet") for n, _ in trees)
            lines += ["", f"Scores identical (fishing_score, fishing_behaviour): {a.equals(b)}."]
    print("\n".join(lines))


if __name__ == "__main__":
    main()
