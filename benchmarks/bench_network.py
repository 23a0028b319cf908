"""Fleet and network stages at scale (issue #19).

Targets: fleet and network stages <= 15 s together on 10 M positions of ~20 k vessels; the graph
library chosen by measurement on 1 M edges. Cases (each in a fresh process):

- ``graph``: :func:`vessels.network.vessel_graph` on 1 M encounter events among 200 k vessels
  (edges, connected networks, nodes, carriers) and GraphML text of it;
- ``cc_scipy`` / ``cc_networkx``: connected components alone on the same 1 M edges —
  ``scipy.sparse.csgraph.connected_components`` (what vessels uses) against networkx
  (``nx.Graph`` built from the edge list + ``nx.connected_components``); rustworkx is not
  installed here and was not measured;
- ``score_network``: :func:`vessels.risk.score` of those 1 M events with the default profile
  (``network_contact`` on) against the same profile with the rule off (same run, the ratio is
  the rule's cost);
- ``fleet``: :func:`vessels.events.detect_fleets` on 10 M synthetic positions of 20 k vessels
  off Mexico's Pacific coast (half typed fishing, four flags, scattered; 400 of them a Chinese
  fleet of jiggers 20-50 km outside Mexico's EEZ at 24 N), with the shipped zone layer.

Run: ``flock /work/notes/bench.lock python benchmarks/bench_network.py``; results go to
``benchmarks/results/network.md``.
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
import numpy as np
import polars as pl
from datetime import datetime, UTC
from vessels import schema as S

import os
which = sys.argv[1]
rng = np.random.default_rng(19)
scale = float(os.environ.get("BENCH_SCALE", "1"))  # < 1 for a quick check of the script

def edges_events(n=int(1_000_000 * scale), n_vessels=int(200_000 * scale)):
    a = rng.integers(0, n_vessels, n)
    b = (a + rng.integers(1, n_vessels, n)) % n_vessels
    t0 = datetime(2024, 3, 1, tzinfo=UTC)
    return pl.DataFrame({
        S.EVENT_ID: pl.int_range(n, eager=True).cast(pl.String),
        S.EVENT_TYPE: ["encounter"] * n,
        S.MMSI: (a + 412_000_000).astype(np.uint32),
        S.OTHER_MMSI: (b + 412_000_000).astype(np.uint32),
        S.START_TS: pl.Series([t0] * n).cast(S.TS_DTYPE),
        S.DURATION_H: rng.uniform(2, 6, n),
        S.LAT: rng.uniform(20, 25, n),
        S.LON: rng.uniform(-125, -115, n),
        S.SHORE_KM: rng.uniform(20, 500, n),
    }).with_columns(pl.col(S.START_TS).alias(S.END_TS)).select(
        [pl.col(c) if c in ("event_id","event_type","mmsi","other_mmsi","start_ts","end_ts",
                            "duration_h","lat","lon","shore_km")
         else pl.lit(None, dtype=d).alias(c) for c, d in S.EVENT_SCHEMA.items()]
    )

extra = {}
if which in ("graph", "cc_scipy", "cc_networkx", "score_network", "score_plain"):
    ev = edges_events()
t, c = time.perf_counter(), time.process_time()
if which == "graph":
    from vessels.network import graphml, vessel_graph
    g = vessel_graph(ev)
    text = graphml(g)
    extra = {"networks": g.networks.height, "nodes": g.nodes.height, "edges": g.edges.height,
             "graphml_mb": round(len(text) / 1e6, 1)}
elif which == "cc_scipy":
    from vessels.network import _components, vessel_graph
    e = ev.select(pl.min_horizontal("mmsi", "other_mmsi").alias("mmsi_a"),
                  pl.max_horizontal("mmsi", "other_mmsi").alias("mmsi_b"))
    t, c = time.perf_counter(), time.process_time()
    extra = {"components": _components(e)["network_id"].n_unique()}
elif which == "cc_networkx":
    import networkx as nx
    pairs = list(zip(ev["mmsi"].to_list(), ev["other_mmsi"].to_list()))
    t, c = time.perf_counter(), time.process_time()
    gr = nx.Graph()
    gr.add_edges_from(pairs)
    extra = {"components": sum(1 for _ in nx.connected_components(gr))}
elif which in ("score_network", "score_plain"):
    from vessels.risk import load_profile, score
    import dataclasses
    prof = load_profile("default")
    if which == "score_plain":
        rules = dict(prof.rules)
        rules["network_contact"] = dataclasses.replace(rules["network_contact"], enabled=False)
        prof = dataclasses.replace(prof, rules=rules)
    t, c = time.perf_counter(), time.process_time()
    res = score(ev, profile=prof)
    extra = {"contributions": res.contributions.height}
elif which == "fleet":
    from vessels.events import detect_fleets
    from vessels.zones import default_zones
    n_v, per = int(20_000 * scale), 500
    v = np.repeat(np.arange(n_v), per)
    lat0 = rng.uniform(20, 28, n_v); lon0 = rng.uniform(-122, -112, n_v)
    flags = np.array(["CHN", "MEX", "KOR", "USA"])[rng.integers(0, 4, n_v)]
    stype = np.where(rng.random(n_v) < 0.5, 30, 70)
    # a real fleet among them: 400 Chinese jiggers 20-50 km outside Mexico's EEZ at 24 N
    k = min(400, n_v)
    lat0[:k] = rng.uniform(23.8, 24.6, k); lon0[:k] = rng.uniform(-116.5, -116.2, k)
    flags[:k] = "CHN"; stype[:k] = 30
    ts = np.tile(np.arange(per) * 120, n_v)
    pos = pl.DataFrame({
        S.MMSI: (v + 412_000_000).astype(np.uint32),
        S.TS: pl.from_epoch(pl.Series(ts + 1709251200), time_unit="s").cast(S.TS_DTYPE),
        S.LAT: lat0[v] + rng.normal(0, 0.02, v.size),
        S.LON: lon0[v] + rng.normal(0, 0.02, v.size),
        S.SHIP_TYPE: stype[v].astype(np.uint8),
        S.FLAG: flags[v],
        S.SHORE_KM: np.full(v.size, 150.0),
        S.SEGMENT_ID: (v + 412_000_000).astype(str),
    }).with_columns(
        pl.when(pl.col(S.LON) > -116).then(pl.lit("MEX")).alias(S.EEZ_ISO3),
        pl.lit([], dtype=pl.List(pl.String)).alias(S.ZONE_IDS),  # staged: zone-labelled tracks
    )
    zones = default_zones()
    t, c = time.perf_counter(), time.process_time()
    out = detect_fleets(pos, zones)
    extra = {"positions": pos.height, "fleet_events": out.height,
             "fleets": out["evidence"].struct.field("fleet_id").n_unique()}
wall, cpu = time.perf_counter() - t, time.process_time() - c
rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1e6
print(json.dumps({"wall_s": wall, "cpu_s": cpu, "rss_gb": rss, **extra}))
"""


def run(which: str) -> dict[str, object]:
    env = dict(os.environ, PYTHONPATH=str(HERE.parent))
    out = subprocess.run(
        [sys.executable, "-c", CASE, which], capture_output=True, text=True, env=env
    )
    if out.returncode:
        raise SystemExit(f"case {which} failed:\n{out.stderr[-3000:]}")
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> None:
    load = os.getloadavg()[0]
    cases = ["cc_scipy", "cc_networkx", "graph", "score_plain", "score_network", "fleet"]
    res = {c: run(c) for c in cases}

    def row(name: str, what: str) -> str:
        r = res[name]
        keys = [k for k in r if k not in ("wall_s", "cpu_s", "rss_gb")]
        more = ", ".join(f"{k} {r[k]}" for k in keys)
        return (
            f"| {what} | {float(r['wall_s']):.2f} | {float(r['cpu_s']):.2f} | "  # type: ignore[arg-type]
            f"{float(r['rss_gb']):.2f} | {more} |"  # type: ignore[arg-type]
        )

    nx_ratio = float(res["cc_networkx"]["wall_s"]) / float(res["cc_scipy"]["wall_s"])  # type: ignore[arg-type]
    net_ratio = float(res["score_network"]["wall_s"]) / float(res["score_plain"]["wall_s"])  # type: ignore[arg-type]
    together = float(res["fleet"]["wall_s"]) + float(res["graph"]["wall_s"])  # type: ignore[arg-type]
    lines = [
        "# Fleets and networks (issue #19)",
        "",
        f"Run {datetime.now(UTC):%Y-%m-%d %H:%M} UTC on {platform.machine()}, "
        f"{os.cpu_count()} CPUs, Python {platform.python_version()}; load average {load:.1f} "
        "at the start. Script: `benchmarks/bench_network.py` (fresh process per case).",
        "",
        "| case | wall s | CPU s | peak RSS GB | |",
        "|---|---|---|---|---|",
        row("cc_scipy", "connected components, scipy.sparse.csgraph (1 M edges)"),
        row("cc_networkx", "connected components, networkx (1 M edges)"),
        row("graph", "`vessel_graph` + GraphML (1 M encounter events, 200 k vessels)"),
        row("score_plain", "`score`, 1 M encounters, network rule off"),
        row("score_network", "`score`, 1 M encounters, network rule on"),
        row("fleet", "`detect_fleets`, 10 M positions, 20 k vessels"),
        "",
        f"networkx / scipy connected components: {nx_ratio:.1f} × (same run). "
        f"Scoring with the network rule: {net_ratio:.2f} × without it. Fleet stage (10 M "
        f"positions) + network stage (1 M events): {together:.1f} s (target ≤ 15 s).",
    ]
    (HERE / "results" / "network.md").write_text("\n".join(lines) + "\n", encoding="utf-8")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
