"""Stage-to-floor ratios of issue 16, every figure from the same run on this machine.

On one MarineCadastre-layout CSV (``benchmarks/_data/score_<rows>.csv``, written by
``bench_score.py``/``gen_marinecadastre.py`` if missing), each step runs in a fresh process
under ``/usr/bin/time -v`` (wall, user + system CPU, peak RSS of that process alone):

- **floor (read + sort)**: ``polars.read_csv`` + sort by (MMSI, BaseDateTime);
- **ingest**: ``vessels ingest`` (read, clean, deduplicate, segment, write Parquet);
- **score**: the whole ``vessels score`` job on the CSV (map included);
- **floor (sort positions)**: ``read_parquet`` of the score's ``tracks.parquet`` (the segmented,
  zone-labelled, fishing-scored positions the events stage reads) + sort by (mmsi, ts);
- **events**: the score's events stage alone on a scan of that file, as ``vessels.run`` calls it
  (``detect_events_and_coverage`` with the default zones and profile: the detectors and the
  coverage context of their prepared positions; read, imports and zone loading included, as the
  floor includes its read).

The detectors refuse positions that skipped zone labelling (stage contract), so the events step
reads the score's labelled tracks, not the ingested positions.

Ratios: ingest / floor (target <= 3), events / sort floor (<= 2), score / floor (<= 4, and
<= 4 GB peak RSS), each on wall and on CPU seconds (CPU moves much less with the other jobs'
load). Results are appended to ``benchmarks/results/floors.md``. Heavy: run under
``flock /work/notes/bench.lock`` on a shared machine::

    python benchmarks/bench_floors.py --rows 10000000 --repeat 3

With ``--repeat N`` the five steps run N times in rounds (floor, ingest, score, sort floor, events;
then again), so each ratio compares medians taken under the same conditions: a single floor
measurement moved from 16 to 36 CPU s between runs on this shared machine (a parallel polars read
spends more CPU waiting when the other core is busy), which alone moved a ratio by 2x. Every
round's figures are listed under the table.

Every step, the floors included, runs in the allocator environment the ``vessels`` command gives
itself (``_RJEM_MALLOC_CONF`` = :data:`vessels.cli.ALLOCATOR_DECAY`, polars' jemalloc keeping freed
pages for 3 s), so the library steps (ingest, events) and the floors are measured as the command
runs them and both sides of every ratio see the same allocator; ``--library-allocator`` runs them
with polars' own default instead (the score step sets the CLI's value itself either way). A value
of ``_RJEM_MALLOC_CONF`` already in the environment is kept.
"""

from __future__ import annotations

import argparse
import os
import platform
import shutil
import statistics
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parent))

from bench_ingest import timed  # noqa: E402

DATA = HERE / "_data"
RESULTS = HERE / "results" / "floors.md"

FLOOR = """
import polars as pl, sys
df = pl.read_csv(sys.argv[1]).sort("MMSI", "BaseDateTime")
print(df.height)
"""
INGEST = """
import sys
from vessels._cli.ingest import run_ingest
s = run_ingest([sys.argv[1]], sys.argv[2], overwrite=True, segment=True)
print(s["accepted_rows"])
"""
SORT = """
import polars as pl, sys
df = pl.read_parquet(sys.argv[1]).sort("mmsi", "ts")
print(df.height)
"""
EVENTS = """
import polars as pl, sys
from vessels.events import detect_events_and_coverage
from vessels.risk import load_profile
from vessels.zones import default_zones
tracks = pl.scan_parquet(sys.argv[1])
events, _ = detect_events_and_coverage(tracks, default_zones(), load_profile("default"))
print(events.height)
"""
SCORE = """
import sys
from vessels.cli import main
sys.exit(main(["score", sys.argv[1], "--out", sys.argv[2], "--overwrite", "-q"]))
"""


def ensure_csv(rows: int) -> Path:
    path = DATA / f"score_{rows}.csv"
    if not path.exists():
        import subprocess

        DATA.mkdir(parents=True, exist_ok=True)
        gen = [sys.executable, str(HERE / "gen_marinecadastre.py"), "--rows", str(rows)]
        subprocess.run([*gen, "--out", str(path)], check=True)
    return path


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rows", type=int, default=10_000_000)
    ap.add_argument(
        "--keep", action="store_true", help="keep the ingest and score outputs (benchmarks/_data)"
    )
    ap.add_argument(
        "--repeat", type=int, default=1, help="rounds of the five steps; medians are reported"
    )
    ap.add_argument(
        "--library-allocator",
        action="store_true",
        help="run the steps with polars' default allocator settings, not the vessels command's",
    )
    args = ap.parse_args()
    if not args.library_allocator:
        from vessels.cli import ALLOCATOR_DECAY

        os.environ.setdefault("_RJEM_MALLOC_CONF", ALLOCATOR_DECAY)
    allocator = os.environ.get("_RJEM_MALLOC_CONF", "polars' default")
    if args.repeat < 1:
        ap.error(f"--repeat must be >= 1, got {args.repeat}")
    csv = ensure_csv(args.rows)
    work = DATA / f"floors_{args.rows}"
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir(parents=True)
    load0 = os.getloadavg()
    positions = work / "score" / "tracks.parquet"
    steps = {
        "floor (read_csv + sort)": (FLOOR, str(csv)),
        "vessels ingest (+ segment)": (INGEST, str(csv), str(work / "ingest")),
        "vessels score": (SCORE, str(csv), str(work / "score")),
        "floor (read_parquet + sort positions)": (SORT, str(positions)),
        "detect_events (scan of the positions)": (EVENTS, str(positions)),
    }
    rounds: dict[str, list[tuple[float, float, str, float]]] = {k: [] for k in steps}
    for _ in range(args.repeat):
        for name, (code, *argv) in steps.items():
            rounds[name].append(timed(code, *argv))

    runs: dict[str, tuple[float, float, str, float]] = {
        name: (
            statistics.median([r[0] for r in got]),
            statistics.median([r[1] for r in got]),
            got[-1][2],
            statistics.median([r[3] for r in got]),
        )
        for name, got in rounds.items()
    }
    load1 = os.getloadavg()
    floor = runs["floor (read_csv + sort)"]
    sort_floor = runs["floor (read_parquet + sort positions)"]
    base = {
        "floor (read_csv + sort)": floor,
        "vessels ingest (+ segment)": floor,
        "vessels score": floor,
        "floor (read_parquet + sort positions)": sort_floor,
        "detect_events (scan of the positions)": sort_floor,
    }
    stamp = time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())
    lines = [
        f"### {args.rows:,} rows — {stamp}",
        "",
        f"Machine: {platform.platform()}, {os.cpu_count()} CPUs (shared), Python "
        f"{platform.python_version()}; load average (1/5/15 min) {load0[0]:.1f}/{load0[1]:.1f}/"
        f"{load0[2]:.1f} at start, {load1[0]:.1f}/{load1[1]:.1f}/{load1[2]:.1f} at end.",
        "",
        f"Rounds: {args.repeat} (figures are medians over the rounds; ratios of medians)."
        if args.repeat > 1
        else "Rounds: 1.",
        "",
        f"Allocator (_RJEM_MALLOC_CONF) of every step: {allocator}.",
        "",
        "| step | output | wall s | CPU s | peak RSS MB | ratio wall | ratio CPU |",
        "|---|---|---:|---:|---:|---:|---:|",
    ]
    for name, (wall, rss, out, cpu) in runs.items():
        bw, _, _, bc = base[name]
        lines.append(
            f"| {name} | {out.splitlines()[-1] if out else ''} | {wall:.1f} | {cpu:.1f} | "
            f"{rss:,.0f} | {wall / bw:.2f} | {cpu / bc:.2f} |"
        )
    if args.repeat > 1:
        lines += ["", "Every round (wall s / CPU s / peak RSS MB):", ""]
        for name, got in rounds.items():
            each = "; ".join(f"{w:.1f} / {c:.1f} / {r:,.0f}" for w, r, _, c in got)
            lines.append(f"- {name}: {each}")
    summary = work / "score" / "summary.json"
    if summary.exists():  # the score's own stage split (wall s) and peak RSS after each stage
        import json

        info = json.loads(summary.read_text())
        stages = ", ".join(f"{k} {v:.1f}" for k, v in info.get("timings_s", {}).items())
        peaks = ", ".join(
            f"{k} {v:.2f}" for k, v in info.get("peak_rss_gb_after_stage", {}).items()
        )
        lines += ["", f"Score stages (wall s): {stages}.", f"Peak RSS GiB after stage: {peaks}."]
    lines.append("")
    text = "\n".join(lines) + "\n"
    print(text)
    if not RESULTS.exists():
        RESULTS.write_text(
            "# Stage-to-floor ratios (issue 16, `benchmarks/bench_floors.py`)\n\n"
            "Ratios are to the floor named in the step's group: ingest and score to the bare "
            "`read_csv` + sort of the same CSV, `detect_events` to the bare `read_parquet` + "
            "sort of the same positions. Same run, fresh process per step.\n\n"
        )
    with RESULTS.open("a") as fh:
        fh.write(text + "\n")
    if not args.keep:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
