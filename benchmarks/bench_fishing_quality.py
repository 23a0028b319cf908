"""Fishing-score quality against three independent references (issue 14). Not a timed test.

References (see :mod:`vessels.evaluation.fishing_refs`):

(a) **Speed mixture (dafishr)** on VMS-like data: the simulator's fishing vessels and real NOAA
    tracks (tracktable-data) thinned to one fix every 1-4 h; Cohen's kappa of ``score >= 0.5``
    against dafishr's "hauling" label, over all positions. Ports: NGA World Port Index (in
    tracktable-data) plus the simulator's port stations.
(b) **Status 7 while moving** in the real NOAA AIS of tracktable-data (the only file with a
    status column is ``NYHarbor_2020_06_30_first_hour.csv``).
(c) **Simulator truth per gear**: ``mixed`` scenario, several seeds, full-rate AIS; precision,
    recall and F1 over the positions of the vessels of each gear, and the share of positions
    of non-fishing vessels called fishing.

Each figure is given for the score as it was before issue 14 (``old``: the 1-5 kn speed band
heuristic) and for the gear-specific score (``new``), from the same run. Results are appended
to ``benchmarks/results/fishing.md``.

Usage::

    .venv/bin/python benchmarks/bench_fishing_quality.py --seeds 0 1 2 3 4
"""

from __future__ import annotations

import argparse
import platform
import sys
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import polars as pl

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from vessels import schema as S  # noqa: E402
from vessels.evaluation.fishing_refs import (  # noqa: E402
    agreement,
    sim_fishing_truth,
    speed_mixture_reference,
    status7_reference,
    thin_to_vms,
)
from vessels.events._common import prepare  # noqa: E402

RESULTS = ROOT / "benchmarks" / "results" / "fishing.md"
THRESHOLD = 0.5
#: GFW's published per-gear precision / recall of its fishing classifier (vessel-scoring docs)
GFW = {"longline": (0.97, 0.78), "trawl": (0.93, 0.91), "purse_seine": (0.11, 0.73)}


def _tracktable_dir() -> Path:
    import tracktable_data

    return Path(tracktable_data.__file__).parent


def ports_table() -> pl.DataFrame:
    """World Port Index ports (tracktable-data) plus the simulator's port stations."""
    import pyogrio

    from vessels.simulation._regions import REGIONS

    wpi = pyogrio.read_dataframe(
        _tracktable_dir() / "python_info_data" / "WPI.shp", columns=["LATITUDE", "LONGITUDE"]
    )
    ports = pl.DataFrame(
        {"lat": wpi["LATITUDE"].to_numpy(), "lon": wpi["LONGITUDE"].to_numpy()},
        schema={"lat": pl.Float64, "lon": pl.Float64},
    )
    sim = pl.DataFrame(
        [(la, lo) for r in REGIONS.values() for la, lo in (*r.stations, *r.marinas)],
        schema={"lat": pl.Float64, "lon": pl.Float64},
        orient="row",
    )
    return pl.concat([ports, sim]).unique()


def pipeline_positions(positions: pl.DataFrame) -> pl.DataFrame:
    """Segment and zone-label positions as ``vessels score`` does, then prepare them."""
    from vessels.tracks import segment
    from vessels.zones import default_zones, label_zones

    tracks = segment(positions)
    tracks = label_zones(tracks, default_zones())
    if isinstance(tracks, pl.LazyFrame):
        tracks = tracks.collect()
    return prepare(tracks, keep_all=True)


def scorers() -> dict[str, Callable[[pl.DataFrame], pl.DataFrame]]:
    """name -> function adding ``fishing_score`` to a prepared frame: the score before issue 14
    (frozen in ``benchmarks/_fishing_legacy.py``) and the package's current one."""
    from benchmarks._fishing_legacy import legacy_fishing_score
    from vessels.events._fishing_model import with_fishing_score_v2

    return {"old": legacy_fishing_score, "new": lambda p: with_fishing_score_v2(p)}


def _fmt(x: float) -> str:
    return "—" if x != x else f"{x:.2f}"


def sim_quality(seeds: list[int], hours: float, n_vessels: int | None) -> list[dict[str, Any]]:
    """(c) per-gear precision / recall / F1 on full-rate simulated AIS, and (a) on VMS-thinned."""
    from vessels.simulation import simulate

    rows: list[dict[str, Any]] = []
    frames: list[pl.DataFrame] = []
    vms_frames: list[pl.DataFrame] = []
    ports = ports_table()
    for seed in seeds:
        sim = simulate("mixed", seed=seed, hours=hours, n_vessels=n_vessels)
        # an MMSI shared by two transmitters (the identity scenario) has no per-vessel truth
        shared = sim.vessels.group_by(S.MMSI).len().filter(pl.col("len") > 1)[S.MMSI]
        pos = sim_fishing_truth(
            sim.positions.filter(~pl.col(S.MMSI).is_in(shared.implode())), sim.truth
        )
        p = pipeline_positions(pos)
        for name, fn in scorers().items():
            p = p.with_columns(
                fn(p.drop("fishing_score", strict=False))["fishing_score"].alias(f"s_{name}")
            )
        frames.append(p.with_columns(pl.lit(seed).alias("_seed")))
        # VMS-like: the fishing vessels (AIS type 30) only, as Mexican VMS covers fishing fleets
        fishers = pos.filter(pl.col(S.SHIP_TYPE) == 30)
        thin = thin_to_vms(fishers, seed=seed)
        q = pipeline_positions(thin)
        for name, fn in scorers().items():
            q = q.with_columns(
                fn(q.drop("fishing_score", strict=False))["fishing_score"].alias(f"s_{name}")
            )
        q = speed_mixture_reference(q, ports)
        vms_frames.append(q.with_columns(pl.lit(seed).alias("_seed")))
    allp = pl.concat(frames, how="diagonal_relaxed")
    for name in scorers():
        pred = pl.col(f"s_{name}") >= THRESHOLD
        for gear in ["trawl", "longline", "gillnet", "purse_seine"]:
            g = allp.filter(pl.col("truth_gear") == gear)
            a = agreement(g.select(pred)[f"s_{name}"], g["truth_fishing"])
            rows.append({"ref": "sim truth (AIS)", "model": name, "group": gear, **a})
        fishers = allp.filter(pl.col("truth_gear").is_not_null())
        a = agreement(fishers.select(pred)[f"s_{name}"], fishers["truth_fishing"])
        rows.append({"ref": "sim truth (AIS)", "model": name, "group": "all fishing vessels", **a})
        st7 = status7_reference(allp).filter(pl.col("ref_status7").is_not_null())
        a = agreement(st7.select(pred)[f"s_{name}"], st7["ref_status7"])
        rows.append({"ref": "status 7 moving (sim AIS)", "model": name, "group": "all", **a})
        others = allp.filter(pl.col("truth_gear").is_null())
        a = agreement(others.select(pred)[f"s_{name}"], others["truth_fishing"])
        rows.append({"ref": "sim truth (AIS)", "model": name, "group": "non-fishing vessels", **a})
    allq = pl.concat(vms_frames, how="diagonal_relaxed")
    for name in scorers():
        pred = allq[f"s_{name}"] >= THRESHOLD
        a = agreement(pred, allq["ref_hauling"])
        rows.append({"ref": "dafishr (sim VMS)", "model": name, "group": "fishing vessels", **a})
        a = agreement(pred, allq["truth_fishing"])
        rows.append({"ref": "sim truth (VMS)", "model": name, "group": "fishing vessels", **a})
    a = agreement(allq["ref_hauling"], allq["truth_fishing"])
    rows.append({"ref": "sim truth (VMS)", "model": "dafishr", "group": "fishing vessels", **a})
    return rows


def real_quality() -> list[dict[str, Any]]:
    """(a) on thinned real NOAA tracks, (b) status 7 while moving on the real NOAA hour."""
    from vessels.io import read_ais

    rows: list[dict[str, Any]] = []
    ex = _tracktable_dir() / "python_example_data"
    ports = ports_table()
    # (b) status 7 while moving
    ny = read_ais(ex / "NYHarbor_2020_06_30_first_hour.csv").positions.collect()
    p = status7_reference(pipeline_positions(ny))
    for name, fn in scorers().items():
        s = fn(p.drop("fishing_score", strict=False))["fishing_score"] >= THRESHOLD
        a = agreement(
            pl.Series(s).filter(p["ref_status7"].is_not_null()), p["ref_status7"].drop_nulls()
        )
        rows.append({"ref": "status 7 moving (NOAA NY 1 h)", "model": name, "group": "all", **a})
        rows.append(
            {
                "ref": "called fishing (NOAA NY 1 h)",
                "model": name,
                "group": "share of all positions",
                "n": p.height,
                "precision": float("nan"),
                "recall": float("nan"),
                "f1": float("nan"),
                "kappa": float(s.mean() or 0.0),
            }
        )
    # (a) VMS-like real tracks
    for fname in ("US_coastal_2020_06_30.traj", "NYHarbor_2020_12_first_week.traj"):
        raw = read_ais(ex / fname).positions.collect()
        thin = thin_to_vms(raw, seed=0)
        q = speed_mixture_reference(pipeline_positions(thin), ports)
        for name, fn in scorers().items():
            s = fn(q.drop("fishing_score", strict=False))["fishing_score"] >= THRESHOLD
            a = agreement(s, q["ref_hauling"])
            rows.append(
                {"ref": f"dafishr (VMS-thinned {fname})", "model": name, "group": "all", **a}
            )
    return rows


def to_markdown(rows: list[dict[str, Any]], header: str) -> str:
    lines = [
        header,
        "",
        "| reference | model | group | n | TP | FP | FN | precision | recall | F1 | kappa |",
        "|---|---|---|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for r in rows:
        lines.append(
            f"| {r['ref']} | {r['model']} | {r['group']} | {r['n']} | {r.get('tp', '')} | "
            f"{r.get('fp', '')} | {r.get('fn', '')} | {_fmt(r['precision'])} | "
            f"{_fmt(r['recall'])} | {_fmt(r['f1'])} | {_fmt(r['kappa'])} |"
        )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
    ap.add_argument("--hours", type=float, default=48.0)
    ap.add_argument("--vessels", type=int, default=None, help="total vessels (adds background)")
    ap.add_argument("--no-real", action="store_true", help="skip the real NOAA data")
    ap.add_argument("--no-write", action="store_true", help="print only")
    args = ap.parse_args(argv)
    t0 = time.perf_counter()
    rows = sim_quality(args.seeds, args.hours, args.vessels)
    if not args.no_real:
        rows += real_quality()
    wall = time.perf_counter() - t0
    header = (
        f"## Fishing quality — {datetime.now(UTC):%Y-%m-%d %H:%M} UTC\n\n"
        f"`bench_fishing_quality.py --seeds {' '.join(map(str, args.seeds))} --hours "
        f"{args.hours:g}{f' --vessels {args.vessels}' if args.vessels else ''}` "
        f"({wall:.0f} s; {platform.machine()}, Python {platform.python_version()}, "
        f"polars {pl.__version__}). Threshold {THRESHOLD}; kappa column for 'called fishing' "
        "rows is the share of positions called fishing."
    )
    md = to_markdown(rows, header)
    print(md)
    if not args.no_write:
        RESULTS.parent.mkdir(parents=True, exist_ok=True)
        with RESULTS.open("a", encoding="utf-8") as fh:
            fh.write(md + "\n\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
