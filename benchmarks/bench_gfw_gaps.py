"""Gap detection side by side with GFW pipe-gaps' core ``GapDetector``, same run, same positions.

Issue 16, point 2: the same positions, the same threshold (a silence strictly longer than 2 h,
GFW's condition ``duration > threshold``), the same gaps found (vessel, start, end: printed and
asserted equal), and the CPU seconds of each side measured alternately in one process.

- **GFW** gets what its core gets in its pipeline: the messages already grouped per vessel (a list
  of dicts per ``ssvid``: ``timestamp`` in epoch seconds, ``lat``, ``lon``, ``receiver_type``),
  and runs ``GapDetector(threshold=2 h).detect(messages)`` per vessel (its own per-vessel sort,
  the pairwise scan, distance, duration, speed and the positions counted 12 h before each gap).
  Building the dicts is not counted.
- **vessels** gets the staged tracks as the stages write them (``tracks.parquet`` of
  ``vessels.run``: sorted by ``mmsi, ts``, segmented and zone-labelled, read into memory, which is
  not counted) and runs the public ``detect_gaps(tracks, config)``: everything it needs from that
  input is counted (column selection, the sortedness check or sort, the diff and threshold, the
  positions 12 h before, distance and speed, and what GFW's core does not do: identity segments,
  ports and anchorages, reception of the area, the data's coverage edge, the event table). Open
  gaps and the sparse-reporter rule are off so the definition is GFW's
  (``GapConfig(min_gap_h=2, min_gap_in_zone_h=2, report_open=False,
  max_median_interval_min=inf)``).

Also timed: the path before issue 16 (the shared ``prepare`` of all detectors, then
``detect_gaps(prepared=...)``), a bare polars ``sort + diff + filter`` floor, and movingpandas'
ObservationGapSplitter against ``segment()`` (the cases of ``bench_segment.py`` on its 200k-point
set, re-run here). Encounters against a naive pairwise reference are a test
(``tests/events/test_encounter_pairwise.py``), not a timing.

pipe-gaps is not on PyPI. The script fetches ``src/pipe_gaps/core/gap_detector.py`` and the two
``pipe_gaps.common`` modules it imports (Apache-2.0, pinned commit :data:`PIPE_GAPS_COMMIT`)
into ``benchmarks/_data/pipe_gaps/src`` (ignored by git; nothing of it is committed), with empty
package ``__init__`` files as the only shim. Without network, put the three files there by hand
(same paths under ``src/``), or pass ``--pipe-gaps DIR`` (a checkout's ``src``); without them the
GFW side is skipped with a message saying where to put them. Its dependencies ``geopy`` and
``rich`` are on PyPI (``pip install geopy rich``; a benchmark-only extra, not a dependency of
vessels).

Usage (heavy at 6 M rows: ~6 GB and minutes; run under the shared benchmark lock)::

    flock /work/notes/bench.lock .venv/bin/python benchmarks/bench_gfw_gaps.py --rows 6000000
"""

from __future__ import annotations

import argparse
import gc
import hashlib
import importlib
import os
import platform
import statistics
import sys
import time
import urllib.request
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import polars as pl

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
DATA = HERE / "_data"
SCRATCH = DATA / "pipe_gaps" / "src"
RESULTS = HERE / "results" / "gfw_gaps.md"

#: github.com/GlobalFishingWatch/pipe-gaps, the commit whose files were compared.
PIPE_GAPS_COMMIT = "60a9653dcc3a4c505814e825b63a04adf8293c44"
#: path under src/ -> sha256 of the file at that commit.
PIPE_GAPS_FILES = {
    "pipe_gaps/core/gap_detector.py": (
        "7f5391a0a3f54755c75113f50a9b818f259f9552a93b2acf695f1a78debabaa0"
    ),
    "pipe_gaps/common/dictionaries.py": (
        "a50daafdc7a149e606731020a3077ab896c727c51d5bd7132ea0b674b114fc7b"
    ),
    "pipe_gaps/common/iterables.py": (
        "7d3acb4cb1ae64f025ad52956caf557597ac8627fbd11be66eeb774c606d11bd"
    ),
}
_RAW = "https://raw.githubusercontent.com/GlobalFishingWatch/pipe-gaps/{commit}/src/{path}"
#: The package markers pipe-gaps has (its own core/__init__ re-exports the detector).
_SHIMS = {
    "pipe_gaps/__init__.py": "",
    "pipe_gaps/common/__init__.py": "",
    "pipe_gaps/core/__init__.py": "from .gap_detector import GapDetector, GapDetectionError\n",
}
THRESHOLD_H = 2.0


# --- GFW's core ----------------------------------------------------------------------------------


def obtain_pipe_gaps(src: Path = SCRATCH) -> tuple[Any, list[str]] | None:
    """``(GapDetector, notes)`` from ``src`` (fetched there when absent), or None to skip."""
    notes: list[str] = []
    for rel, sha in PIPE_GAPS_FILES.items():
        target = src / rel
        if not target.exists():
            url = _RAW.format(commit=PIPE_GAPS_COMMIT, path=rel)
            try:
                with urllib.request.urlopen(url, timeout=20) as r:
                    body = r.read()
            except OSError as exc:
                print(
                    f"SKIP GFW side: {rel} is not in {src} and could not be fetched ({exc}).\n"
                    f"  Put pipe-gaps' src/{rel} (commit {PIPE_GAPS_COMMIT}, Apache-2.0) at "
                    f"{target}\n  (and the other files of {sorted(PIPE_GAPS_FILES)}), or pass "
                    "--pipe-gaps <checkout>/src.",
                    file=sys.stderr,
                )
                return None
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(body)
            notes.append(f"fetched {rel}")
        digest = hashlib.sha256(target.read_bytes()).hexdigest()
        if digest != sha:
            notes.append(f"{rel}: sha256 {digest[:12]}… differs from commit {PIPE_GAPS_COMMIT[:7]}")
    for rel, text in _SHIMS.items():
        if not (src / rel).exists():
            (src / rel).write_text(text)
    missing = [m for m in ("geopy", "rich") if importlib.util.find_spec(m) is None]
    if missing:
        print(
            f"SKIP GFW side: pipe-gaps needs {', '.join(missing)} (pip install geopy rich)",
            file=sys.stderr,
        )
        return None
    sys.path.insert(0, str(src))
    module = importlib.import_module("pipe_gaps.core.gap_detector")
    return module.GapDetector, notes


def gfw_messages(tracks: pl.DataFrame) -> list[list[dict[str, Any]]]:
    """The positions as GFW's core receives them: one list of message dicts per vessel."""
    msgs = tracks.select(
        pl.col("mmsi").alias("ssvid"),
        (pl.col("ts").dt.epoch("us") / 1e6).alias("timestamp"),
        "lat",
        "lon",
        pl.lit("terrestrial").alias("receiver_type"),
    )
    return [part.to_dicts() for part in msgs.partition_by("ssvid", maintain_order=True)]


def gfw_detect(detector_cls: Any, per_vessel: list[list[dict[str, Any]]]) -> list[dict[str, Any]]:
    from datetime import timedelta

    detector = detector_cls(threshold=timedelta(hours=THRESHOLD_H))
    out: list[dict[str, Any]] = []
    for messages in per_vessel:
        out.extend(detector.detect(messages))
    return out


def gfw_keys(gaps: list[dict[str, Any]]) -> set[tuple[int, int, int]]:
    """(vessel, start µs, end µs) of GFW's gaps."""
    return {
        (
            int(g["ssvid"]),
            round(g["OFF"]["timestamp"] * 1e6),
            round(g["ON"]["timestamp"] * 1e6),
        )
        for g in gaps
    }


# --- vessels -------------------------------------------------------------------------------------


def gap_config() -> Any:
    from vessels.events.gaps import GapConfig

    return GapConfig(
        min_gap_h=THRESHOLD_H,
        min_gap_in_zone_h=THRESHOLD_H,
        report_open=False,
        max_median_interval_min=float("inf"),
    )


def vessels_detect(tracks: pl.DataFrame) -> pl.DataFrame:
    from vessels.events.gaps import detect_gaps

    return detect_gaps(tracks, gap_config())


def vessels_core(tracks: pl.DataFrame) -> pl.DataFrame:
    """What GFW's core computes, from the staged tracks: the silences (identity segments, their
    ends, positions in the 12 h before) with duration, distance and implied speed."""
    from vessels._geo import haversine_m
    from vessels.events.gaps import gap_links

    links = gap_links(tracks, min_gap_h=THRESHOLD_H, include_open=False)
    dist = haversine_m("s_lat", "s_lon", "e_lat", "e_lon")
    return links.select(
        "mmsi",
        pl.col("s_ts").alias("start_ts"),
        pl.col("e_ts").alias("end_ts"),
        (pl.col("gap_s") / 3600.0).alias("duration_h"),
        dist.alias("distance_m"),
        (dist / pl.col("gap_s") / (1852.0 / 3600.0)).alias("implied_speed_kn"),
        pl.col("s__n_before").alias("positions_12h_before"),
    )


def two_transmitter_mmsi(tracks: pl.DataFrame) -> set[int]:
    """MMSIs whose segments interleave in time (vessels tells two transmitters apart; GFW's
    core, grouping by MMSI, reads their positions as one track)."""
    seg = tracks["segment_id"]
    runs = tracks.filter((seg != seg.shift(1)).fill_null(True))
    return set(runs.filter(pl.col("segment_id").is_duplicated())["mmsi"].unique().to_list())


def vessels_detect_prepared(tracks: pl.DataFrame) -> pl.DataFrame:
    """The path before issue 16: the shared prepare of every detector, then the gap detector."""
    from vessels.events._common import prepare
    from vessels.events.gaps import detect_gaps

    return detect_gaps(tracks, gap_config(), prepared=prepare(tracks))


def polars_floor(tracks: pl.DataFrame) -> pl.DataFrame:
    """A bare polars sort + diff + filter of the same positions (issue 16's floor)."""
    thr_us = int(THRESHOLD_H * 3.6e9)
    return (
        tracks.lazy()
        .select("mmsi", "ts")
        .sort("mmsi", "ts")
        .with_columns(pl.col("ts").shift(-1).alias("_next"), pl.col("mmsi").shift(-1).alias("_m"))
        .filter(
            (pl.col("_m") == pl.col("mmsi"))
            & ((pl.col("_next") - pl.col("ts")).dt.total_microseconds() > thr_us)
        )
        .collect()
    )


def vessels_keys(events: pl.DataFrame) -> set[tuple[int, int, int]]:
    rows = events.select(
        pl.col("mmsi").cast(pl.Int64),
        pl.col("start_ts").dt.epoch("us"),
        pl.col("end_ts").dt.epoch("us"),
    ).rows()
    return {(int(m), int(s), int(e)) for m, s, e in rows}


# --- data ----------------------------------------------------------------------------------------


def staged_tracks(inputs: Path, cache: Path) -> pl.DataFrame:
    """``tracks.parquet`` of ``vessels.run(inputs)`` (cached): the staged positions."""
    if not cache.exists():
        import tempfile

        import vessels

        with tempfile.TemporaryDirectory(dir=DATA) as tmp:
            vessels.run(inputs, out=Path(tmp) / "out", map=False)
            (Path(tmp) / "out" / "tracks.parquet").rename(cache)
    return pl.read_parquet(cache)


def marinecadastre(rows: int) -> tuple[str, pl.DataFrame]:
    sys.path.insert(0, str(HERE))
    from gen_marinecadastre import generate

    csv = DATA / f"mc_{rows}.csv"
    cache = DATA / f"gfw_gaps_tracks_mc_{rows}.parquet"
    if not csv.exists() and not cache.exists():  # the staged tracks are cached: no CSV then
        DATA.mkdir(parents=True, exist_ok=True)
        generate(rows).write_csv(csv)
    return (
        f"MarineCadastre-like, {rows:,} rows (gen_marinecadastre.py, one day)",
        staged_tracks(csv, cache),
    )


def real_files() -> list[tuple[str, pl.DataFrame]]:
    import tracktable_data

    ex = Path(tracktable_data.__file__).parent / "python_example_data"
    names = [
        "US_coastal_2020_06_30.traj",
        "NYHarbor_2020_12_first_week.traj",
        "VirginiaBeach_2020_06_04_to_06_filtered.traj",
        "NYHarbor_2020_12_08.traj",
    ]
    out = []
    for name in names:
        stem = name.split(".")[0]
        out.append(
            (
                f"NOAA {name} (tracktable-data)",
                staged_tracks(ex / name, DATA / f"gfw_gaps_{stem}.parquet"),
            )
        )
    return out


# --- timing --------------------------------------------------------------------------------------


def timed(fn: Callable[[], Any]) -> tuple[Any, float, float]:
    gc.collect()
    c, w = time.process_time(), time.perf_counter()
    result = fn()
    return result, time.process_time() - c, time.perf_counter() - w


def compare(
    label: str, tracks: pl.DataFrame, detector_cls: Any | None, repeat: int, floor: bool
) -> dict[str, Any]:
    print(f"\n== {label}: {tracks.height:,} positions, {tracks['mmsi'].n_unique():,} vessels")
    per_vessel = gfw_messages(tracks) if detector_cls is not None else None
    sides: dict[str, Callable[[], Any]] = {}
    if per_vessel is not None:
        sides["gfw"] = lambda: gfw_detect(detector_cls, per_vessel)
    sides["vessels"] = lambda: vessels_detect(tracks)
    sides["vessels_core"] = lambda: vessels_core(tracks)
    if floor:
        sides["polars_floor"] = lambda: polars_floor(tracks)
    # the path before issue 16 allocates gigabytes at 6 M rows: timed after the alternation
    # (twice), so that freeing them does not land in the next side's time
    before = {"vessels_prepare": lambda: vessels_detect_prepared(tracks)}
    cpu: dict[str, list[float]] = {k: [] for k in [*sides, *before]}
    wall: dict[str, list[float]] = {k: [] for k in [*sides, *before]}
    results: dict[str, Any] = {}
    rounds = [sides] * repeat + [before] * min(repeat, 2)
    for group in rounds:  # alternate the sides so a change of load hits all of them
        for name, fn in group.items():
            results[name], c, w = timed(fn)
            cpu[name].append(c)
            wall[name].append(w)
            print(f"  {name:<16} CPU {c:7.3f} s  wall {w:7.3f} s", flush=True)
    ours = vessels_keys(results["vessels"])
    before = vessels_keys(results["vessels_prepare"])
    core = vessels_keys(results["vessels_core"])
    assert ours == before, "lean detect_gaps and the prepare path found different gaps"
    assert ours == core, "gap_links and detect_gaps found different gaps"
    shared = two_transmitter_mmsi(tracks)
    row: dict[str, Any] = {
        "label": label,
        "rows": tracks.height,
        "vessels": tracks["mmsi"].n_unique(),
        "gaps": len(ours),
        "cpu": {k: statistics.median(v) for k, v in cpu.items()},
        "cpu_min": {k: min(v) for k, v in cpu.items()},
        "wall": {k: statistics.median(v) for k, v in wall.items()},
        "repeats": repeat,
    }
    if per_vessel is not None:
        theirs = gfw_keys(results["gfw"])
        row["gfw_gaps"] = len(theirs)
        single_ours = {k for k in ours if k[0] not in shared}
        single_theirs = {k for k in theirs if k[0] not in shared}
        row["equal"] = single_ours == single_theirs
        row["single"] = (len(single_ours), len(single_theirs))
        row["shared"] = (len(shared), len(ours - single_ours), len(theirs - single_theirs))
        print(
            f"  gaps: vessels {len(ours)}, GFW {len(theirs)}; on MMSIs with one transmitter "
            f"{len(single_ours)} / {len(single_theirs)}, equal: {row['equal']}; "
            f"{len(shared)} MMSIs with two transmitters: vessels {len(ours - single_ours)} "
            f"gaps, GFW {len(theirs - single_theirs)}"
        )
        for key in sorted(ours ^ theirs)[:20]:
            side = "vessels only" if key in ours else "GFW only"
            tx = " (two transmitters)" if key[0] in shared else ""
            print(f"    {side}: mmsi {key[0]}{tx} {_iso(key[1])} -> {_iso(key[2])}")
        for m, s, e in sorted(ours)[:10]:
            print(f"    mmsi {m} {_iso(s)} -> {_iso(e)} ({(e - s) / 3.6e9:.2f} h)")
    return row


def _iso(us: int) -> str:
    return datetime.fromtimestamp(us / 1e6, UTC).strftime("%Y-%m-%dT%H:%M:%S")


def movingpandas_side_by_side() -> dict[str, dict[str, float]]:
    """bench_segment.py's movingpandas cases on its 200k-point set (each in a subprocess)."""
    sys.path.insert(0, str(HERE))
    import bench_segment as bs

    path = bs.dataset(200_000)
    return {
        "segment": bs.run_case("segment_in_memory", path, 5),
        "mpd_build": bs.run_case("mpd_build", path, 2),
        "mpd_split": bs.run_case("mpd_split", path, 2),
    }


# --- report --------------------------------------------------------------------------------------


def report(
    rows: list[dict[str, Any]],
    mpd: dict[str, dict[str, float]] | None,
    notes: list[str],
    load: tuple[float, ...],
    command: str,
) -> str:
    cpu_model = platform.processor()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu_model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    end_load = os.getloadavg()
    lines = [
        "# Gap detection side by side with GFW pipe-gaps' core (issue 16)",
        "",
        f"- date: {datetime.now(UTC):%Y-%m-%d %H:%M} UTC; machine: {platform.machine()} "
        f"{cpu_model} x{os.cpu_count()}, Python {platform.python_version()}, polars "
        f"{pl.__version__}",
        f"- load average at start {load[0]:.1f}, at end {end_load[0]:.1f} (2 cores shared with "
        "other jobs: CPU seconds are the comparison, wall times are upper bounds)",
        f"- command: `{command}`",
        f"- GFW pipe-gaps `src/pipe_gaps/core/gap_detector.py` at commit {PIPE_GAPS_COMMIT} "
        "(Apache-2.0, fetched into benchmarks/_data, not committed), run with its own "
        "dependencies geopy and rich; the shim is empty package `__init__` files only"
        + (f" ({'; '.join(notes)})" if notes else ""),
        "- same positions on both sides (the staged tracks of `vessels.run`), threshold: silence "
        f"> {THRESHOLD_H:g} h; GFW gets them grouped per vessel as dicts (building them not "
        "counted), vessels gets the in-memory tracks frame as written (reading not counted) and "
        "`detect_gaps` counts everything after that; CPU = median over the repeats of "
        "`time.process_time()` (all threads; the min in brackets), wall = median; sides "
        "alternated in one process (GFW, `detect_gaps`, `gap_links`, polars floor), the path "
        "before issue 16 timed after them",
        "",
        "| data | positions | gaps vessels / GFW | same gaps (one-transmitter MMSIs) | GFW core "
        "CPU s [min] | vessels `gap_links` CPU s [min] (wall) | GFW / `gap_links` | vessels "
        "`detect_gaps` CPU s [min] (wall) | GFW / `detect_gaps` | before: prepare + detect CPU "
        "s | polars sort+diff+filter CPU s |",
        "|---|---:|---:|---|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for r in rows:
        c, w, lo = r["cpu"], r["wall"], r["cpu_min"]
        gfw = c.get("gfw")
        if "equal" in r:
            n1, n2 = r["single"]
            k, g1, g2 = r["shared"]
            same = (
                f"{'yes' if r['equal'] else '**no**'} ({n1} / {n2}); {k} two-transmitter MMSIs: "
                f"{g1} / {g2}"
            )
        else:
            same = "—"
        gfw_cpu = "—" if gfw is None else f"{gfw:.2f} [{lo['gfw']:.2f}]"
        r_core = "—" if gfw is None else f"**{gfw / c['vessels_core']:.1f}x**"
        r_full = "—" if gfw is None else f"**{gfw / c['vessels']:.1f}x**"
        floor = f"{c['polars_floor']:.2f}" if "polars_floor" in c else "—"
        lines.append(
            f"| {r['label']} | {r['rows']:,} | {r['gaps']} / {r.get('gfw_gaps', '—')} | {same} | "
            f"{gfw_cpu} | {c['vessels_core']:.3f} [{lo['vessels_core']:.3f}] "
            f"({w['vessels_core']:.3f}) | {r_core} | "
            f"{c['vessels']:.3f} [{lo['vessels']:.3f}] ({w['vessels']:.3f}) | {r_full} | "
            f"{c['vessels_prepare']:.2f} | {floor} |"
        )
    lines += [
        "",
        "- `gap_links` (vessels.events.gaps) is what GFW's core computes: the silences of each "
        "identity segment with their two ends and the positions in the 12 h before (+ duration, "
        "distance and implied speed, as GFW): the like-for-like comparison. `detect_gaps` is the "
        "whole detector: the event table plus what GFW's core leaves to other stages (port and "
        "anchorage calls, reception of the start cell, the data's coverage edge, zones, the "
        "summary text); both read only the staged tracks given to them.",
        "- 'same gaps' compares (vessel, start, end) on MMSIs with one transmitter; on MMSIs two "
        "transmitters share, vessels follows each transmitter (identity segments) while GFW's "
        "core reads the interleaved positions as one track, so their gaps differ by design "
        "(GFW's known weakness with two vessels on one MMSI).",
    ]
    big = max(rows, key=lambda r: r["rows"]) if rows else None
    if big is not None and "gfw" in big["cpu"]:
        c, lo = big["cpu"], big["cpu_min"]
        core_x, full_x = c["gfw"] / c["vessels_core"], c["gfw"] / c["vessels"]
        lines += [
            "",
            "## Verdict (this run, the largest input)",
            "",
            f"- issue 16's target, gap detection >= 3x faster than GFW's core in CPU on identical "
            f"output (medians of {big['repeats']} alternated repeats): `gap_links` {core_x:.1f}x "
            f"(**{'met' if core_x >= 3 else 'NOT met'}**), `detect_gaps` {full_x:.1f}x "
            f"(**{'met' if full_x >= 3 else 'NOT met'}**); the same gaps: "
            f"**{'yes' if big.get('equal') else 'no'}** on one-transmitter MMSIs. By the minima: "
            f"`gap_links` {lo['gfw'] / lo['vessels_core']:.1f}x, `detect_gaps` "
            f"{lo['gfw'] / lo['vessels']:.1f}x.",
            f"- `detect_gaps` before issue 16 (the shared prepare of every detector, then the "
            f"detector) took {c['vessels_prepare']:.2f} CPU s: "
            f"{c['vessels_prepare'] / c['vessels']:.1f}x the lean path.",
        ]
    if mpd:
        s, b, sp = mpd["segment"], mpd["mpd_build"], mpd["mpd_split"]
        lines += [
            "",
            "## Segmentation vs movingpandas (bench_segment.py's 200k-point set, same run)",
            "",
            f"- vessels `segment()` (frame in memory): CPU {s['cpu_s']:.3f} s, wall "
            f"{s['wall_s']:.3f} s",
            f"- movingpandas ObservationGapSplitter(24 h).split: CPU {sp['cpu_s']:.2f} s, wall "
            f"{sp['wall_s']:.2f} s (+ TrajectoryCollection build CPU {b['cpu_s']:.2f} s)",
            f"- ratio in CPU: **{sp['cpu_s'] / s['cpu_s']:.0f}x** (split alone), "
            f"{(sp['cpu_s'] + b['cpu_s']) / s['cpu_s']:.0f}x with the build",
        ]
    return "\n".join(lines) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=6_000_000, help="MarineCadastre-like rows")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--pipe-gaps", type=Path, help="a pipe-gaps checkout's src directory")
    parser.add_argument("--no-real", action="store_true", help="skip the NOAA files")
    parser.add_argument("--no-mpd", action="store_true", help="skip the movingpandas cases")
    parser.add_argument("--write", action="store_true", help=f"write {RESULTS.relative_to(ROOT)}")
    args = parser.parse_args()
    load = os.getloadavg()
    got = obtain_pipe_gaps(args.pipe_gaps or SCRATCH)
    detector_cls, notes = got if got is not None else (None, [])
    sys.path.insert(0, str(ROOT))
    rows = []
    if args.rows:
        label, tracks = marinecadastre(args.rows)
        rows.append(compare(label, tracks, detector_cls, args.repeat, floor=True))
        del tracks
        gc.collect()
    if not args.no_real:
        for label, tracks in real_files():
            rows.append(compare(label, tracks, detector_cls, args.repeat, floor=False))
    mpd = None if args.no_mpd else movingpandas_side_by_side()
    command = "python benchmarks/bench_gfw_gaps.py " + " ".join(sys.argv[1:])
    text = report(rows, mpd, notes, load, command.strip())
    print("\n" + text)
    if args.write:
        RESULTS.write_text(text)
        print(f"wrote {RESULTS}")
    if detector_cls is not None:
        unequal = [r["label"] for r in rows if not r.get("equal")]
        assert not unequal, f"vessels and GFW found different gaps on: {unequal}"


if __name__ == "__main__":
    main()
