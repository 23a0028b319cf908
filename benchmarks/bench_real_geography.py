"""Where real AIS lands "on land": the geography classes of the NOAA MarineCadastre files in the
PyPI package ``tracktable-data`` (issue 12: fewer than 2 % of accepted positions on land).

For each file: the accepted positions (``read_ais``), their ``geo_class`` shares after
``label_zones`` with the default layers, and the largest clusters (0.1 deg cells) of the
positions still classed ``land`` with their distance to the GSHHG/WDBII shoreline, so that every
remaining land position can be looked at on a chart and explained (zones/README.md).

Run:  .venv/bin/python benchmarks/bench_real_geography.py [--clusters 25]
Prints one Markdown table row per file and the cluster table.
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import polars as pl

from vessels import schema as S
from vessels.io import read_ais
from vessels.zones import label_zones

FILES = (
    "NYHarbor_2020_06_30_first_hour.csv",
    "NYHarbor_2020_12_08.traj",
    "NYHarbor_2020_12_first_week.traj",
    "US_coastal_2020_06_30.traj",
    "VirginiaBeach_2020_06_04_to_06_filtered.traj",
)


def examples_dir() -> Path:
    import tracktable_data  # optional: real NOAA AIS (public domain)

    return Path(tracktable_data.__file__).parent / "python_example_data"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--clusters", type=int, default=25)
    args = parser.parse_args()
    land_parts = []
    print("| file | accepted positions | land | land share | inland water | port/anchorage |")
    print("|---|---:|---:|---:|---:|---:|")
    for name in FILES:
        df = read_ais(examples_dir() / name).positions.collect()
        t0 = time.perf_counter()
        out = label_zones(df)
        dt = time.perf_counter() - t0
        counts = dict(out[S.GEO_CLASS].value_counts().iter_rows())
        n = out.height
        land = counts.get(S.GEO_LAND, 0)
        print(
            f"| {name} | {n:,} | {land:,} | {100 * land / n:.2f} % | "
            f"{100 * counts.get(S.GEO_INLAND_WATER, 0) / n:.1f} % | "
            f"{100 * counts.get(S.GEO_PORT_ANCHORAGE, 0) / n:.1f} % |  <!-- {dt:.1f} s -->"
        )
        land_parts.append(
            out.filter(pl.col(S.GEO_CLASS) == S.GEO_LAND)
            .select(S.LAT, S.LON, S.SHORE_KM, S.MMSI)
            .with_columns(pl.lit(name.split("_")[0]).alias("file"))
        )
    clusters = (
        pl.concat(land_parts)
        .with_columns(
            (pl.col(S.LAT) * 10).floor().alias("cy"), (pl.col(S.LON) * 10).floor().alias("cx")
        )
        .group_by("file", "cy", "cx")
        .agg(
            pl.len().alias("positions"),
            pl.col(S.MMSI).n_unique().alias("vessels"),
            pl.col(S.LAT).median().round(3),
            pl.col(S.LON).median().round(3),
            pl.col(S.SHORE_KM).median().round(1).alias("median_shore_km"),
        )
        .sort("positions", descending=True)
        .drop("cy", "cx")
    )
    fmt = {"tbl_formatting": "MARKDOWN", "tbl_hide_column_data_types": True}
    with pl.Config(tbl_rows=args.clusters, **fmt):
        print(clusters.head(args.clusters))


if __name__ == "__main__":
    main()
