"""Benchmark of the full ``vessels score`` job on a generated day of AIS.

Generates (once, cached in ``benchmarks/_data/``, git-ignored) a MarineCadastre-layout CSV of
``--rows`` positions with ``benchmarks/gen_marinecadastre.py`` (20k vessels, one UTC day, the
quirks of real files), then runs ``vessels score FILE --out DIR --overwrite --json`` in a fresh
subprocess and records wall time, the child's peak RSS and the stage timings the command writes
into ``summary.json``. Targets (issue 6): ≤ 120 s wall and ≤ 6 GB peak RSS at 10 M rows, map
included. Results are appended to ``benchmarks/results/score.md``.

Usage::

    .venv/bin/python benchmarks/bench_score.py                    # 10 M rows
    .venv/bin/python benchmarks/bench_score.py --rows 1000000     # quicker check
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
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "benchmarks" / "_data"
RESULTS = ROOT / "benchmarks" / "results" / "score.md"
TARGET_WALL_S = 120.0
TARGET_RSS_GB = 6.0


def ensure_input(rows: int) -> Path:
    """The generated CSV for ``rows`` positions (generated on first use)."""
    DATA.mkdir(parents=True, exist_ok=True)
    path = DATA / f"score_{rows}.csv"
    if not path.exists():
        subprocess.run(
            [
                sys.executable,
                str(ROOT / "benchmarks" / "gen_marinecadastre.py"),
                "--rows",
                str(rows),
                "--out",
                str(path),
            ],
            check=True,
        )
    return path


def run_score(path: Path, out: Path, profile: str) -> dict[str, object]:
    """Run ``vessels score`` in a child process; wall time, peak RSS and the summary."""
    cmd = [
        sys.executable,
        "-c",
        "import sys; from vessels.cli import main; sys.exit(main(sys.argv[1:]))",
        "score",
        str(path),
        "--out",
        str(out),
        "--overwrite",
        "--json",
        "--profile",
        profile,
    ]
    before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    t = time.perf_counter()
    proc = subprocess.run(cmd, capture_output=True, text=True, cwd=ROOT)
    wall = time.perf_counter() - t
    peak_kb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    if proc.returncode != 0:
        sys.stderr.write(proc.stderr[-4000:])
        raise SystemExit(f"vessels score failed with exit code {proc.returncode}")
    summary = json.loads(proc.stdout)
    return {
        "wall_s": wall,
        "peak_rss_gb": max(peak_kb, before) / 1024 / 1024,
        "summary": summary,
        "map_bytes": (out / "map.html").stat().st_size if (out / "map.html").exists() else 0,
    }


def report(rows: int, res: dict[str, object], profile: str) -> str:
    s = res["summary"]
    assert isinstance(s, dict)
    timings = s.get("timings_s", {})
    wall = float(res["wall_s"])  # type: ignore[arg-type]
    rss = float(res["peak_rss_gb"])  # type: ignore[arg-type]
    ok_wall = "✅" if wall <= TARGET_WALL_S else "❌"
    ok_rss = "✅" if rss <= TARGET_RSS_GB else "❌"
    lines = [
        f"### {rows:,} rows — {datetime.now(UTC):%Y-%m-%d %H:%M} UTC",
        "",
        f"Machine: {platform.platform()}, {os.cpu_count()} logical CPUs (shared with other jobs), "
        f"Python {platform.python_version()}, polars {s.get('versions', {}).get('polars')}.",
        f"Input: `benchmarks/_data/score_{rows}.csv` (gen_marinecadastre.py, 20k vessels, one day);"
        f" profile `{profile}`.",
        "",
        "| measure | value | target |",
        "|---|---|---|",
        f"| wall time, whole command | {wall:.1f} s | ≤ {TARGET_WALL_S:.0f} s {ok_wall} |",
        f"| peak RSS of the command | {rss:.2f} GB | ≤ {TARGET_RSS_GB:.0f} GB {ok_rss} |",
        f"| input rows | {s.get('input_rows'):,} | |",
        f"| accepted / quarantined / duplicates | {s.get('accepted_rows'):,} / "
        f"{s.get('quarantined_rows'):,} / {s.get('duplicate_rows'):,} | |",
        f"| vessels / events | {s.get('vessels'):,} / {s.get('events'):,} | |",
        f"| map.html | {int(res['map_bytes']) / 1e6:.1f} MB"  # type: ignore[call-overload]
        f"{'' if s.get('map_written') else ' (not written)'} | |",
        "",
        "Stage timings (s, from summary.json):",
        "",
        "| " + " | ".join(timings) + " |",
        "|" + "---|" * len(timings),
        "| " + " | ".join(f"{v:.1f}" for v in timings.values()) + " |",
        "",
        "Events per type: "
        + ", ".join(f"{k} {v:,}" for k, v in s.get("events_per_type", {}).items()),
        "",
    ]
    return "\n".join(lines)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rows", type=int, default=10_000_000)
    ap.add_argument("--profile", default="default")
    args = ap.parse_args()
    path = ensure_input(args.rows)
    out = DATA / f"score_out_{args.rows}"
    res = run_score(path, out, args.profile)
    text = report(args.rows, res, args.profile)
    print(text)
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    if not RESULTS.exists():
        RESULTS.write_text(
            "# `vessels score` benchmark and calibration\n\n"
            "Produced by `benchmarks/bench_score.py` (speed) and "
            "`benchmarks/bench_score.py --calibrate` (ranking AUC).\n\n",
            encoding="utf-8",
        )
    with RESULTS.open("a", encoding="utf-8") as fh:
        fh.write(text + "\n")


if __name__ == "__main__":
    main()
