"""Benchmark: label N positions against the default zone layers (issue 3: 10 M in <= 20 s) with,
since issue 12, the world geography too (land / inland water / shore distance / WPI ports / EEZ /
protected areas / AOIs; target 10 M in <= 20 s and <= 2 GB).

Positions: half uniform over the study region (lon -130..-60, lat 0..40), half near the coast
(a random Natural Earth coastline vertex jittered by ~10 km, like traffic near ports and fishing
grounds), in a polars DataFrame with Float64 lat/lon. Data is generated in memory (seeded) and
cached under benchmarks/_data/ (git-ignored).

Run:  .venv/bin/python benchmarks/bench_zones.py --n 10000000
      [--tracks]  add ``mmsi``/``ts`` (vessels of 500 fixes, 60 s apart) so that the track rule
                  of ``label_zones`` (``underway_water``: land positions of a vessel underway are
                  water) runs too; the fixes of a vessel are random points, so every vessel has
                  land positions: the rule's worst case (it sorts every vessel's rows)
      [--no-underway]  the map alone (``label_zones(..., underway=None)``), for a same-run A/B
Prints wall time per stage and peak RSS (ru_maxrss) as a Markdown table row.
"""

from __future__ import annotations

import argparse
import os
import platform
import resource
import time
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import polars as pl
import shapely

DATA = Path(__file__).parent / "_data"


def positions(n: int) -> pl.DataFrame:
    path = DATA / f"zones_positions_{n}.parquet"
    if path.exists():
        return pl.read_parquet(path)
    from vessels.zones import load_land

    rng = np.random.default_rng(20261128)
    half = n // 2
    coast = shapely.get_coordinates(shapely.boundary(load_land()))
    coast = coast[
        (coast[:, 0] > -130) & (coast[:, 0] < -60) & (coast[:, 1] > 0) & (coast[:, 1] < 40)
    ]
    pick = rng.integers(0, len(coast), n - half)
    lat = np.concatenate([rng.uniform(0, 40, half), coast[pick, 1] + rng.normal(0, 0.1, n - half)])
    lon = np.concatenate(
        [rng.uniform(-130, -60, half), coast[pick, 0] + rng.normal(0, 0.1, n - half)]
    )
    df = pl.DataFrame({"lat": lat, "lon": lon})
    DATA.mkdir(parents=True, exist_ok=True)
    df.write_parquet(path)
    return df


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--n", type=int, default=1_000_000)
    parser.add_argument("--tracks", action="store_true")
    parser.add_argument("--no-underway", action="store_true")
    args = parser.parse_args()
    df = positions(args.n)
    if args.tracks:
        i = pl.int_range(pl.len(), dtype=pl.Int64)
        t0 = datetime(2020, 6, 30, tzinfo=UTC)
        df = df.with_columns(
            (i // 500 + 200_000_000).cast(pl.UInt32).alias("mmsi"),
            (pl.lit(t0) + pl.duration(seconds=(i % 500) * 60)).dt.cast_time_unit("us").alias("ts"),
        )
    kw = {"underway": None} if args.no_underway else {}
    from vessels.zones import label_zones
    from vessels.zones._label import _default_index

    t0 = time.perf_counter()
    _default_index()  # one-off: read layers, build grids and the edge tree
    label_zones(df.head(10))  # warm the land grid and shore trees
    setup_s = time.perf_counter() - t0
    t1 = time.perf_counter()
    c1 = time.process_time()
    out = label_zones(df, **kw)
    wall_s = time.perf_counter() - t1
    cpu_s = time.process_time() - c1
    rss_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    load = os.getloadavg()
    print(
        f"n={args.n:,} setup={setup_s:.1f}s label={wall_s:.1f}s cpu={cpu_s:.1f}s "
        f"({args.n / wall_s / 1e6:.2f} M/s) peak_rss={rss_mb:,.0f} MB load={load[0]:.1f} "
        f"tracks={args.tracks} underway={not args.no_underway}"
    )
    print(out.select(pl.col("eez_iso3").value_counts(sort=True)).unnest("eez_iso3").head(4))
    print(out.select(pl.col("geo_class").value_counts(sort=True)).unnest("geo_class"))
    print(
        f"| {datetime.now(UTC):%Y-%m-%d %H:%M} | {platform.processor() or platform.machine()}, "
        f"{os.cpu_count()} CPU | {args.n:,} | {setup_s:.1f} | {wall_s:.1f} | {cpu_s:.1f} | "
        f"{rss_mb:,.0f} | "
        f"{load[0]:.1f} |"
    )


if __name__ == "__main__":
    main()
