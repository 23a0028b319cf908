"""Benchmark of the full ``vessels score`` job on a generated day of AIS.

Generates (once, cached in ``benchmarks/_data/``, git-ignored) a MarineCadastre-layout CSV of
``--rows`` positions with ``benchmarks/gen_marinecadastre.py`` (20k vessels, one UTC day, the
quirks of real files), then runs ``vessels score FILE --out DIR --overwrite --json`` in a fresh
subprocess and records wall time, the child's peak RSS and the stage timings the command writes
into ``summary.json``. Targets (issue 6): ≤ 120 s wall and ≤ 6 GB peak RSS at 10 M rows, map
included. Results are appended to ``benchmarks/results/score.md``.

With ``--calibrate`` it measures the ranking instead: for each simulator scenario and seed it
writes the simulated AIS as a MarineCadastre CSV, runs the whole pipeline with the default profile
and the scenario's own profile, and reports the ranking AUC of the vessels with planted illegal
behaviour against the clean controls (and against controls + legal-only vessels), with the lowest
planted score and the highest control / legal score. Results go to the calibration section of
``benchmarks/results/score.md``.

With ``--sparse`` it times ``vessels score`` on a 10 k-row VMS-like file (issue 13): 1,700
fishing boats reporting every 1-20 h over three days, most fixes inside five ports where the
boats sit together with overlapping silences (the Mexican VMS subsample that produced 810,886
dark rendezvous in 46 s and 4.9 GB). Targets: ≤ 5 s wall, ≤ 1 GB peak RSS, and no dark
rendezvous.

Usage::

    .venv/bin/python benchmarks/bench_score.py                    # 10 M rows
    .venv/bin/python benchmarks/bench_score.py --rows 1000000     # quicker check
    .venv/bin/python benchmarks/bench_score.py --calibrate --seeds 0 1 2
    .venv/bin/python benchmarks/bench_score.py --sparse           # VMS-like 10 k rows
    .venv/bin/python benchmarks/bench_score.py --compare ../main  # that checkout, then this one

With ``--compare DIR`` the same command runs first with the code of another checkout (e.g. the
main branch's worktree) and then with this one's, back to back on the same input: a same-run
comparison on a shared machine, where figures from different hours are not comparable.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import tempfile
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


SPARSE_ROWS = 10_000
SPARSE_WALL_S = 5.0
SPARSE_RSS_GB = 1.0
#: ports of the VMS-like file (Progreso, Campeche, Celestún, Sisal, Ciudad del Carmen)
_PORTS = [
    (21.283, -89.665),
    (19.845, -90.540),
    (20.858, -90.402),
    (21.166, -90.033),
    (18.650, -91.830),
]


def ensure_sparse_input(rows: int = SPARSE_ROWS, seed: int = 0) -> Path:
    """A VMS-like MarineCadastre-layout CSV: boats reporting every 1-20 h, mostly in port."""
    import numpy as np

    DATA.mkdir(parents=True, exist_ok=True)
    path = DATA / f"vms_like_{rows}.csv"
    if path.exists():
        return path
    rng = np.random.default_rng(seed)
    n_v = 1_700
    v = rng.integers(0, n_v, rows)
    v.sort()
    home = rng.integers(0, len(_PORTS), n_v)
    interval_h = rng.uniform(1.0, 20.0, rows)
    first = np.r_[True, v[1:] != v[:-1]]
    start = rng.uniform(0, 12, n_v)
    t_h = np.zeros(rows)
    acc = 0.0
    for i in range(rows):  # cumulative time per boat (10 k rows: a loop is fine here)
        acc = start[v[i]] if first[i] else acc + interval_h[i]
        t_h[i] = acc
    in_port = rng.random(rows) < 0.7
    plat = np.array([_PORTS[h][0] for h in home])[v]
    plon = np.array([_PORTS[h][1] for h in home])[v]
    # in port: within ~300 m of the quay; at sea: 10-80 km north (the Campeche Bank)
    lat = np.where(in_port, plat + rng.normal(0, 0.002, rows), plat + rng.uniform(0.1, 0.7, rows))
    lon = np.where(in_port, plon + rng.normal(0, 0.002, rows), plon + rng.uniform(-0.4, 0.4, rows))
    sog = np.where(in_port, 0.0, rng.uniform(0.0, 9.0, rows)).round(1)
    t0 = np.datetime64("2023-06-01T00:00:00")
    ts = t0 + (t_h * 3600).astype("timedelta64[s]")
    keep = t_h < 72.0
    mmsi = 345_000_000 + 10_000 + v
    lines = ["MMSI,BaseDateTime,LAT,LON,SOG,COG,Heading,VesselName,VesselType"]
    for m, t, la, lo, sp in zip(mmsi[keep], ts[keep], lat[keep], lon[keep], sog[keep], strict=True):
        lines.append(f"{m},{t!s},{la:.5f},{lo:.5f},{sp},0.0,511,PANGA {m % 10000},30")
    path.write_text("\n".join(lines) + "\n")
    return path


def sparse_report(path: Path, res: dict[str, object]) -> str:
    s = res["summary"]
    assert isinstance(s, dict)
    wall = float(res["wall_s"])  # type: ignore[arg-type]
    rss = float(res["peak_rss_gb"])  # type: ignore[arg-type]
    per_type = s.get("events_per_type", {})
    tiers = s.get("vessels_per_tier", {})
    return "\n".join(
        [
            f"### VMS-like sparse file — {datetime.now(UTC):%Y-%m-%d %H:%M} UTC",
            "",
            f"Input: `benchmarks/_data/{path.name}` (`bench_score.py --sparse`: 1,700 boats, "
            "fixes every 1-20 h over 72 h, 70 % inside five ports). Load average (1 min) at start: "
            f"{res['load_at_start']:.1f} on {os.cpu_count()} CPUs.",
            "",
            "| measure | value | target |",
            "|---|---|---|",
            f"| wall time, whole `vessels score` command (map included) | {wall:.1f} s "
            f"| ≤ {SPARSE_WALL_S:.0f} s {'✅' if wall <= SPARSE_WALL_S else '❌'} |",
            f"| CPU time of the command (user + sys, all threads) | {res['cpu_s']:.1f} s | |",
            f"| peak RSS | {rss:.2f} GB | ≤ {SPARSE_RSS_GB:.0f} GB "
            f"{'✅' if rss <= SPARSE_RSS_GB else '❌'} |",
            f"| positions / vessels | {s.get('positions'):,} / {s.get('vessels'):,} | |",
            f"| events (dark rendezvous) | {s.get('events'):,} "
            f"({per_type.get('dark_rendezvous', 0):,}) | 0 dark rendezvous |",
            f"| high / critical vessels | {tiers.get('high', 0)} / {tiers.get('critical', 0)} | |",
            f"| summary.json warnings | {len(s.get('warnings', []))} | the sparse warning |",
            "",
            "Stage timings (s): "
            + ", ".join(f"{k} {v:.2f}" for k, v in s.get("timings_s", {}).items()),
            "",
        ]
    )


def _describe(tree: Path) -> str:
    """``branch @ commit`` of a checkout (``?`` where git cannot tell)."""

    def git(*args: str) -> str:
        r = subprocess.run(["git", "-C", str(tree), *args], capture_output=True, text=True)
        return r.stdout.strip() or "?"

    return f"{git('rev-parse', '--abbrev-ref', 'HEAD')} @ {git('rev-parse', '--short', 'HEAD')}"


def run_score(path: Path, out: Path, profile: str, tree: Path = ROOT) -> dict[str, object]:
    """Run ``vessels score`` in a child process with the code of checkout ``tree`` (its
    ``vessels`` package is imported from the working directory); wall time, peak RSS and the
    summary."""
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
    load = os.getloadavg()[0]
    env = {**os.environ, "PYTHONPATH": str(tree)}
    t = time.perf_counter()
    # wait4: the peak RSS and CPU time of this child alone (RUSAGE_CHILDREN would carry an
    # earlier child's peak into a second run of --compare)
    with tempfile.TemporaryFile("w+") as fout, tempfile.TemporaryFile("w+") as ferr:
        proc = subprocess.Popen(cmd, stdout=fout, stderr=ferr, text=True, cwd=tree, env=env)
        _, status, usage = os.wait4(proc.pid, 0)
        wall = time.perf_counter() - t
        proc.returncode = os.waitstatus_to_exitcode(status)
        fout.seek(0)
        ferr.seek(0)
        stdout, stderr = fout.read(), ferr.read()
    peak_kb = usage.ru_maxrss
    # CPU seconds of the child (all threads): on a shared, loaded machine the wall time follows
    # the load, this does not
    cpu = usage.ru_utime + usage.ru_stime
    if proc.returncode != 0:
        sys.stderr.write(stderr[-4000:])
        raise SystemExit(f"vessels score failed with exit code {proc.returncode}")
    summary = json.loads(stdout)
    return {
        "wall_s": wall,
        "cpu_s": cpu,
        "load_at_start": load,
        "peak_rss_gb": peak_kb / 1024 / 1024,
        "summary": summary,
        "map_bytes": (out / "map.html").stat().st_size if (out / "map.html").exists() else 0,
    }


def report(rows: int, res: dict[str, object], profile: str, code: str | None = None) -> str:
    s = res["summary"]
    assert isinstance(s, dict)
    timings = s.get("timings_s", {})
    memory = s.get("peak_rss_gb_after_stage", {})
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
        f" profile `{profile}`." + (f" Code: `{code}`." if code else ""),
        "",
        "| measure | value | target |",
        "|---|---|---|",
        f"| wall time, whole command | {wall:.1f} s | ≤ {TARGET_WALL_S:.0f} s {ok_wall} |",
        f"| CPU time of the command (user + sys, all threads) | {res['cpu_s']:.1f} s | |",
        f"| load average (1 min) at start | {res['load_at_start']:.1f} on {os.cpu_count()} CPUs "
        "| |",
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
        "Peak RSS of the process after each stage (GB, from summary.json):",
        "",
        "| " + " | ".join(memory) + " |",
        "|" + "---|" * len(memory),
        "| " + " | ".join(f"{v:.2f}" for v in memory.values()) + " |",
        "",
        "Events per type: "
        + ", ".join(f"{k} {v:,}" for k, v in s.get("events_per_type", {}).items()),
        "",
    ]
    return "\n".join(lines)


#: scenario -> its own risk profile
SCENARIO_PROFILES = {
    "gulf-of-california": "gulf-of-california",
    "yucatan": "yucatan",
    "pacific-eez": "default",
    "mixed": "default",
}


def calibrate(seeds: list[int], scenarios: list[str]) -> str:
    """Ranking AUC per scenario, seed and profile, as a markdown section."""
    import tempfile

    sys.path.insert(0, str(ROOT))
    from vessels.pipeline import run
    from vessels.risk.calibration import calibration_table
    from vessels.simulation import simulate, write

    rows = []
    for scenario in scenarios:
        for seed in seeds:
            sim = simulate(scenario, seed=seed)
            with tempfile.TemporaryDirectory() as tmp:
                write(sim, tmp, format="marinecadastre")
                for prof in dict.fromkeys(["default", SCENARIO_PROFILES[scenario]]):
                    res = run(Path(tmp) / "ais.csv", profile=prof, map=False)
                    tab = calibration_table(res.vessels, sim.truth, sim.controls["mmsi"])
                    rows.append((scenario, seed, prof, tab))
                    print(scenario, seed, prof, {k: v for k, v in tab.items() if "mmsi" not in k})
    lines = [
        f"## Calibration — {datetime.now(UTC):%Y-%m-%d %H:%M} UTC",
        "",
        "`benchmarks/bench_score.py --calibrate --seeds "
        + " ".join(map(str, seeds))
        + "`: simulator scenarios written as MarineCadastre CSV (file mess included), the whole "
        "pipeline run on them. Positives: vessels with a planted illegal behaviour (either side "
        "of a pair). Controls: the simulator's clean vessels (cargo, tankers, ferry, "
        "recreational). "
        "Legal: vessels with only legal truth rows (legal fishing).",
        "",
        "| scenario | seed | profile | planted | controls | legal | AUC vs controls "
        "| AUC vs controls+legal | lowest planted | highest control | highest legal |",
        "|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for scenario, seed, prof, t in rows:
        lines.append(
            f"| {scenario} | {seed} | {prof} | {t['planted']} | {t['controls']} | {t['legal']} "
            f"| {t['auc_vs_controls']:.3f} | {t['auc_vs_negatives']:.3f} "
            f"| {t['min_planted']:.1f} | {t['max_control']:.1f} | {t['max_legal']:.1f} |"
        )
    return "\n".join([*lines, ""])


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rows", type=int, default=10_000_000)
    ap.add_argument("--profile", default="default")
    ap.add_argument("--calibrate", action="store_true")
    ap.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
    ap.add_argument("--scenarios", nargs="+", default=list(SCENARIO_PROFILES))
    ap.add_argument("--sparse", action="store_true")
    ap.add_argument(
        "--compare",
        metavar="DIR",
        type=Path,
        help="first run the same command with the code of the checkout DIR, then this one's",
    )
    args = ap.parse_args()
    if args.sparse:
        path = ensure_sparse_input()
        res = run_score(path, DATA / "vms_like_out", args.profile)
        text = sparse_report(path, res)
        print(text)
        _store("sparse-vms", text)
        return
    if args.calibrate:
        text = calibrate(args.seeds, args.scenarios)
        print(text)
        _store("calibration", text)
        return
    path = ensure_input(args.rows)
    out = DATA / f"score_out_{args.rows}"
    if args.compare is not None:
        other = args.compare.resolve()
        first = run_score(path, DATA / f"score_out_{args.rows}_compare", args.profile, other)
        res = run_score(path, out, args.profile)
        text = "\n".join(
            [
                report(args.rows, first, args.profile, f"{other.name}: {_describe(other)}"),
                report(args.rows, res, args.profile, f"{ROOT.name}: {_describe(ROOT)}"),
                f"Same run, back to back: wall {first['wall_s']:.1f} s -> {res['wall_s']:.1f} s, "
                f"CPU {first['cpu_s']:.1f} s -> {res['cpu_s']:.1f} s, peak RSS "
                f"{first['peak_rss_gb']:.2f} GB -> {res['peak_rss_gb']:.2f} GB.",
                "",
            ]
        )
        print(text)
        _store(f"speed-{args.rows}-compare", text)
        return
    res = run_score(path, out, args.profile)
    text = report(args.rows, res, args.profile, f"{ROOT.name}: {_describe(ROOT)}")
    print(text)
    _store(f"speed-{args.rows}", text)


HEADER = (
    "# `vessels score` benchmark and calibration\n\n"
    "Produced by `benchmarks/bench_score.py` (speed of the whole command) and "
    "`benchmarks/bench_score.py --calibrate` (ranking AUC on the simulator's scenarios). "
    "Each section is replaced by the latest run of the same kind.\n"
)


def _store(key: str, text: str) -> None:
    """Replace (or add) the section ``key`` of the results file with ``text``."""
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    old = RESULTS.read_text(encoding="utf-8") if RESULTS.exists() else HEADER
    begin, end = f"<!-- {key} -->", f"<!-- /{key} -->"
    block = f"{begin}\n{text.rstrip()}\n{end}\n"
    if begin in old and end in old:
        head, rest = old.split(begin, 1)
        _, tail = rest.split(end, 1)
        new = head + block + tail.lstrip("\n")
    else:
        new = old.rstrip() + "\n\n" + block
    RESULTS.write_text(new, encoding="utf-8")


if __name__ == "__main__":
    main()
