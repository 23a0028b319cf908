"""Watchlist matching speed (issue #19): a 10 k-entry list against ~20 k vessels' identities.

Target: ``vessels.watchlist.match_watchlist`` in <= 5 s. The fleet and list come from the
simulator's renamed-vessel generator (:func:`vessels.simulation._watchlist.renamed_vessels`:
5 000 listed vessels under AIS variants of their names plus 3 look-alikes each, i.e. ~20 k
vessels and ~21 k identity periods) and 5 000 more list entries that match nobody, so 10 000
entries. The generator's vocabulary is small (~60 words), which makes name blocks larger than
in real lists: a harsh case for the blocking. Baseline in the same run: an exact polars join of
the same identities and list on the normalised name (the least any name matcher must do).
Each case runs in a fresh process; results go to ``benchmarks/results/watchlist.md``.

Run: ``flock /work/notes/bench.lock python benchmarks/bench_watchlist.py``
"""

from __future__ import annotations

import json
import os
import platform
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

HERE = Path(__file__).resolve().parent

CASE = r"""
import json, resource, sys, time
import polars as pl
from vessels.simulation._watchlist import renamed_vessels
from vessels.watchlist import load_watchlist, match_watchlist, normalise_name_expr

case = renamed_vessels(5000, seed=7)
extra = renamed_vessels(5000, seed=8, decoys_per_listed=0)["watchlist"]
wl = load_watchlist(pl.concat([case["watchlist"], extra]))
ids = case["identities"]
which = sys.argv[1]
t0, c0 = time.perf_counter(), time.process_time()
if which == "match":
    hits = match_watchlist(ids, wl)
    n = hits.height
else:
    v = ids.lazy().select("mmsi", normalise_name_expr(pl.col("vessel_name")).alias("k"))
    w = wl.lazy().select("entry_id", normalise_name_expr(pl.col("name")).alias("k"))
    n = v.join(w, on="k").collect().height
wall, cpu = time.perf_counter() - t0, time.process_time() - c0
rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1e6
tp = None
if which == "match":
    truth = case["truth"]
    tp = hits.join(truth, on=["mmsi", "entry_id"]).height
    tp = {"precision": tp / n, "recall": tp / truth.height}
print(json.dumps({"wall_s": wall, "cpu_s": cpu, "rss_gb": rss, "rows": n,
                  "n_vessels": ids["mmsi"].n_unique(), "n_identities": ids.height,
                  "n_entries": wl.height, "quality": tp}))
"""


def run(which: str) -> dict[str, object]:
    env = dict(os.environ, PYTHONPATH=str(HERE.parent))
    out = subprocess.run(
        [sys.executable, "-c", CASE, which], capture_output=True, text=True, env=env, check=True
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> None:
    load = os.getloadavg()[0]
    base = run("baseline")
    res = [run("match") for _ in range(int(os.environ.get("BENCH_RUNS", "3")))]
    best = min(res, key=lambda r: float(r["wall_s"]))  # type: ignore[arg-type]
    ratio = float(best["wall_s"]) / max(float(base["wall_s"]), 1e-9)  # type: ignore[arg-type]
    q = best["quality"]
    lines = [
        "# Watchlist matching (issue #19)",
        "",
        f"Run {datetime.now(UTC):%Y-%m-%d %H:%M} UTC on {platform.machine()}, "
        f"{os.cpu_count()} CPUs, Python {platform.python_version()}; load average {load:.1f} "
        "at the start. Script: `benchmarks/bench_watchlist.py` (fresh process per case; "
        "the best of the match runs).",
        "",
        f"Identities: {best['n_identities']} periods of {best['n_vessels']} vessels; list: "
        f"{best['n_entries']} entries.",
        "",
        "| case | wall s | CPU s | peak RSS GB | rows |",
        "|---|---|---|---|---|",
        f"| baseline: exact polars join on the normalised name | {base['wall_s']:.2f} | "
        f"{base['cpu_s']:.2f} | {base['rss_gb']:.2f} | {base['rows']} |",
        *(
            f"| `match_watchlist` run {i + 1} | {r['wall_s']:.2f} | {r['cpu_s']:.2f} | "
            f"{r['rss_gb']:.2f} | {r['rows']} |"
            for i, r in enumerate(res)
        ),
        "",
        f"Best `match_watchlist`: {best['wall_s']:.2f} s (target ≤ 5 s), {ratio:.1f} × the "
        f"exact-join baseline of the same run; precision {q['precision']:.3f}, recall "  # type: ignore[index]
        f"{q['recall']:.3f} on the generated renames.",  # type: ignore[index]
    ]
    (HERE / "results" / "watchlist.md").write_text("\n".join(lines) + "\n", encoding="utf-8")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
