"""Where real AIS lands "on land": the geography classes of the NOAA MarineCadastre files in the
PyPI package ``tracktable-data`` (issue 12: fewer than 2 % of accepted positions on land).

For each file: the accepted positions (``read_ais``), their ``geo_class`` shares after
``label_zones`` with the default layers, the land share with the map alone
(``underway=None``) and with the track rule (``vessels.zones.underway_water``: a vessel underway
is on water whatever the map says), and the largest clusters (0.1 deg cells) of the positions
the *map* classes ``land``, with their distance to the GSHHG/WDBII shoreline, how many of them
are underway (implied speed 2-40 kn to both neighbouring fixes) and how many the track rule
turns into water, so that every land position can be looked at on a chart and explained
(zones/README.md).

Run:  .venv/bin/python benchmarks/bench_real_geography.py [--clusters 25]
Prints one Markdown table row per file and the cluster table.
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import polars as pl

from vessels import schema as S
from vessels._geo import MPS_PER_KN, haversine_m
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


def _underway(min_kn: float = 2.0, max_kn: float = 40.0, max_gap_s: float = 900.0) -> pl.Expr:
    """Implied speed to both neighbouring fixes of the vessel within ``[min_kn, max_kn]``, each
    at most ``max_gap_s`` away (the first rule of ``underway_water``; rows must be in time
    order per vessel, as ``read_ais`` gives them)."""
    lat, lon, ts = pl.col(S.LAT), pl.col(S.LON), pl.col(S.TS)

    def leg(k: int) -> pl.Expr:
        d_m = haversine_m(lat, lon, lat.shift(k), lon.shift(k))
        dt_s = ((ts - ts.shift(k)).dt.total_microseconds().abs() / 1e6).over(S.MMSI)
        v_kn = d_m.over(S.MMSI) / dt_s / MPS_PER_KN
        return (dt_s > 0) & (dt_s <= max_gap_s) & v_kn.is_between(min_kn, max_kn)

    return (leg(1) & leg(-1)).fill_null(False)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--clusters", type=int, default=25)
    args = parser.parse_args()
    land_parts = []
    print(
        "| file | accepted positions | land (map alone) | land (map + track rule) | land share "
        "| inland water | port/anchorage |"
    )
    print("|---|---:|---:|---:|---:|---:|---:|")
    for name in FILES:
        # time order per vessel, for the neighbour legs of _underway (label_zones keeps row order)
        df = (
            read_ais(examples_dir() / name)
            .positions.collect()
            .sort(S.MMSI, S.TS, maintain_order=True)
        )
        t0 = time.perf_counter()
        out = label_zones(df)
        dt = time.perf_counter() - t0
        alone = label_zones(df, underway=None)
        counts = dict(out[S.GEO_CLASS].value_counts().iter_rows())
        n = out.height
        land = counts.get(S.GEO_LAND, 0)
        land_map = int((alone[S.GEO_CLASS] == S.GEO_LAND).sum())
        print(
            f"| {name} | {n:,} | {land_map:,} ({100 * land_map / n:.2f} %) | {land:,} | "
            f"**{100 * land / n:.2f} %** | {100 * counts.get(S.GEO_INLAND_WATER, 0) / n:.1f} % | "
            f"{100 * counts.get(S.GEO_PORT_ANCHORAGE, 0) / n:.1f} % |  <!-- {dt:.1f} s -->"
        )
        land_parts.append(
            alone.with_columns(
                _underway().alias("underway"),
                (out[S.GEO_CLASS] != S.GEO_LAND).alias("to_water"),
            )
            .filter(pl.col(S.GEO_CLASS) == S.GEO_LAND)
            .select(S.LAT, S.LON, S.SHORE_KM, S.MMSI, "underway", "to_water")
            .with_columns(pl.lit(name.split("_")[0]).alias("file"))
        )
    land_all = pl.concat(land_parts)
    print()
    print("| file | land (map alone) | underway (rule 1) | turned into water (rules 1 + 2) |")
    print("|---|---:|---:|---:|")
    for file, n_land, n_uw, n_water in (
        land_all.group_by("file", maintain_order=True)
        .agg(pl.len(), pl.col("underway").sum(), pl.col("to_water").sum())
        .iter_rows()
    ):
        print(f"| {file} | {n_land:,} | {n_uw:,} | {n_water:,} |")
    print()
    clusters = (
        land_all.with_columns(
            (pl.col(S.LAT) * 10).floor().alias("cy"), (pl.col(S.LON) * 10).floor().alias("cx")
        )
        .group_by("file", "cy", "cx")
        .agg(
            pl.len().alias("positions"),
            pl.col(S.MMSI).n_unique().alias("vessels"),
            pl.col(S.LAT).median().round(3),
            pl.col(S.LON).median().round(3),
            pl.col(S.SHORE_KM).median().round(1).alias("median_shore_km"),
            pl.col("underway").sum(),
            pl.col("to_water").sum(),
        )
        .sort("positions", descending=True)
        .drop("cy", "cx")
    )
    fmt = {"tbl_formatting": "MARKDOWN", "tbl_hide_column_data_types": True}
    with pl.Config(tbl_rows=args.clusters, **fmt):
        print(clusters.head(args.clusters))


if __name__ == "__main__":
    main()
