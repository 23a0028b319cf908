"""NMEA reader speed before/after a change, on a generated 200 k-message log (same run).

Writes three logs with the project's vectorised NMEA encoder (type 1/18 positions of 2,000
vessels, one message every 0.05 s):

- ``tagged``: one sentence per line with an IEC 61162-450 tag block (``c:`` epoch), the log
  the reader was measured on before;
- ``untimed``: the same sentences with no timestamp at all and a type-4 base-station report
  every 10 s (time reconstruction);
- ``grouped``: the untimed log with 2-4 sentences per line and one in four with talker ``AB``.

Each log is decoded by ``stage_nmea(path).collect()`` in a fresh process, with the code at
``--before`` (a checkout of the earlier ``vessels`` package, e.g. ``git archive <commit>
vessels | tar -x -C /tmp/before``) and the current tree, alternating, ``--repeat`` times;
the best CPU time of each is kept. Run under ``flock /work/notes/bench.lock`` on a shared
machine::

    python benchmarks/bench_nmea.py --before /tmp/vessels-before --messages 200000
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "benchmarks" / "_data"
CODE = """
import resource, sys, time
from pathlib import Path
from vessels.io._nmea import stage_nmea
t, c = time.perf_counter(), time.process_time()
k = resource.getrusage(resource.RUSAGE_SELF).ru_stime
df = stage_nmea(Path(sys.argv[1]), "x").collect()
wall, cpu = time.perf_counter() - t, time.process_time() - c
sys_s = resource.getrusage(resource.RUSAGE_SELF).ru_stime - k
n = df.filter(df["_error"].is_null()).height
print(df.height, n, wall, cpu, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, sys_s)
"""


def write_logs(n: int) -> dict[str, Path]:
    from pyais import encode_dict

    from vessels.simulation._nmea import nmea_checksum, position_sentences, tag_blocks

    rng = np.random.default_rng(1)
    t0 = int(datetime(2024, 6, 1, tzinfo=UTC).timestamp())
    t = t0 + np.arange(n) * 0.05
    sec = np.floor(t).astype(np.int64)
    pos = position_sentences(
        rng.integers(345_000_000, 345_002_000, n),
        rng.random(n) < 0.7,
        rng.uniform(29, 32, n),
        rng.uniform(-115, -112, n),
        rng.uniform(0, 20, n).round(1),
        rng.uniform(0, 359, n).round(1),
        np.full(n, np.nan),
        np.zeros(n, dtype=np.int64),
        sec % 60,
        rng.random(n) < 0.5,
    ).to_list()
    tags = tag_blocks(("r1",), np.zeros(n, dtype=np.int64), sec).to_list()
    DATA.mkdir(parents=True, exist_ok=True)
    paths = {k: DATA / f"nmea_{k}_{n}.nmea" for k in ("tagged", "untimed", "grouped")}
    paths["tagged"].write_text("\n".join(a + b for a, b in zip(tags, pos, strict=True)) + "\n")
    untimed: list[str] = []
    next_anchor = t0
    for ti, s in zip(t, pos, strict=True):
        if ti >= next_anchor:
            d = datetime.fromtimestamp(next_anchor, UTC)
            fields = {"year": d.year, "month": d.month, "day": d.day, "hour": d.hour}
            fields |= {"minute": d.minute, "second": d.second, "lat": 30.0, "lon": -113.0}
            msg = {"type": 4, "mmsi": 3450001, **fields}
            untimed.append(encode_dict(msg, talker_id="AI", sentence_type="VDM")[0])
            next_anchor += 10
        untimed.append(s)
    paths["untimed"].write_text("\n".join(untimed) + "\n")
    grouped: list[str] = []
    i = 0
    while i < len(untimed):
        k = int(rng.integers(2, 5))
        part = []
        for s in untimed[i : i + k]:
            if rng.random() < 0.25:
                body = "AB" + s[3 : s.rindex("*")]
                s = f"!{body}*{nmea_checksum(body):02X}"
            part.append(s)
        grouped.append("".join(part))
        i += k
    paths["grouped"].write_text("\n".join(grouped) + "\n")
    return paths


def decode(code_root: Path, path: Path) -> tuple[float, int, int, float, float, float]:
    env = {**os.environ, "PYTHONPATH": str(code_root)}
    out = subprocess.run(
        [sys.executable, "-c", CODE, str(path)],
        env=env,
        cwd=code_root,  # `python -c` puts the working directory first on sys.path
        capture_output=True,
        text=True,
        check=True,
    ).stdout.split()
    return float(out[3]), int(out[0]), int(out[1]), float(out[2]), float(out[4]), float(out[5])


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--before", type=Path, required=True)
    ap.add_argument("--messages", type=int, default=200_000)
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args()
    paths = {k: DATA / f"nmea_{k}_{args.messages}.nmea" for k in ("tagged", "untimed", "grouped")}
    if not all(p.exists() for p in paths.values()):  # the logs are seeded: reuse them
        paths = write_logs(args.messages)
    load = os.getloadavg()[0]
    best: dict[tuple[str, str], tuple[float, int, int, float, float, float]] = {}
    for _ in range(args.repeat):
        for log, path in paths.items():
            for label, root in (("before", args.before), ("after", ROOT)):
                r = decode(root, path)
                key = (log, label)
                if key not in best or r[0] < best[key][0]:
                    best[key] = r
    stamp = time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())
    print(f"### NMEA reader before/after, {stamp}, {args.messages:,} messages, load {load:.1f}")
    print()
    print(
        f"CPU seconds of the decoding process (best of {args.repeat}; CPU time moves much less "
        "with the other jobs' load than wall time), wall seconds of that same run, and the "
        "after/before CPU ratio; sys s is the part of the CPU time spent in the kernel "
        "(mostly mapping fresh memory pages)."
    )
    print()
    print(
        "| log | code | rows | accepted | CPU s | sys s | wall s | msg/CPU-s | peak RSS MB "
        "| ratio |"
    )
    print("|---|---|---:|---:|---:|---:|---:|---:|---:|---:|")
    for log in paths:
        b = best[(log, "before")][0]
        for label in ("before", "after"):
            s, rows, ok, wall, rss, sys_s = best[(log, label)]
            ratio = f"{s / b:.2f}" if label == "after" else ""
            rate = args.messages / s
            print(
                f"| {log} | {label} | {rows:,} | {ok:,} | {s:.2f} | {sys_s:.2f} | {wall:.2f} "
                f"| {rate:,.0f} "
                f"| {rss:,.0f} | {ratio} |"
            )


if __name__ == "__main__":
    main()
