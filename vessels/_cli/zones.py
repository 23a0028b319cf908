"""``vessels zones``: list the zone layers, rebuild the derived layers, fetch official EEZs."""

from __future__ import annotations

from pathlib import Path

import click

from vessels._cli.common import data_console, emit_json, get_console

__all__ = ["command"]


@click.group("zones")
def command() -> None:
    """Zone layers: EEZs, protected areas and areas of interest.

    \b
    Examples:
      vessels zones list                                  # default layers, source, accuracy
      vessels zones list --zones wdpa_mex.gpkg            # defaults + an official WDPA file
      vessels zones build-eez                             # rebuild the approximate EEZs
      vessels zones build-world                           # rebuild the world land layer (GSHHG)
      vessels zones fetch-eez MEX USA --out eez_mr.geojson  # official EEZs (Marine Regions)
    """


@command.command("list")
@click.option(
    "--zones",
    "zone_files",
    multiple=True,
    type=click.Path(),
    help="Zone file to add (GeoJSON, GeoPackage, Shapefile/.zip, GeoParquet); repeatable.",
)
@click.option("--no-default-zones", is_flag=True, help="Show only the --zones files.")
@click.option("--name-field", default=None, help="Name attribute of files in no known schema.")
@click.option(
    "--kind",
    type=click.Choice(["eez", "protected_area", "no_take", "aoi"]),
    default=None,
    help="Kind of the --zones features (required for files in no known schema).",
)
@click.option("--json", "as_json", is_flag=True, help="Print the table as JSON on stdout.")
def list_cmd(
    zone_files: tuple[str, ...],
    no_default_zones: bool,
    name_field: str | None,
    kind: str | None,
    as_json: bool,
) -> int:
    """Show the zone layers with kind, source, licence, accuracy, area and sea area (EEZs)."""
    from pyproj import Geod
    from rich.markup import escape
    from rich.table import Table

    from vessels import schema as S
    from vessels.zones import load_zones
    from vessels.zones._eez import sea_area_km2

    zones = load_zones(
        list(zone_files) or None,
        defaults=not no_default_zones,
        name_field=name_field,
        kind=kind,
    )
    geod = Geod(ellps="WGS84")
    rows = []
    for rec in zones.itertuples(index=False):  # one row per zone, not per position
        area_m2, _ = geod.geometry_area_perimeter(rec.geometry)
        row = {c: getattr(rec, c) for c in S.ZONE_TABLE_COLUMNS if c != "geometry"}
        row["area_km2"] = round(abs(area_m2) / 1e6, 1)
        # EEZs: the sea area (land removed), comparable with official EEZ areas
        row["sea_km2"] = round(sea_area_km2(rec.geometry), 1) if rec.kind == "eez" else None
        rows.append(row)
    if as_json:
        emit_json(rows)
        return 0
    console = data_console()  # data: stdout, so `vessels zones list > zones.txt` works
    # a narrow terminal gets the short columns whole; source and accuracy are long prose
    wide = console.width >= 120
    every = ("zone_id", "kind", "iso3", "area_km2", "sea_km2", "name", "source", "accuracy")
    cols: tuple[str, ...] = every if wide else every[:6]
    table = Table(title=f"{len(rows)} zones")
    for col in cols:
        numeric = col in ("area_km2", "sea_km2")
        table.add_column(
            col, overflow="fold", no_wrap=numeric, justify="right" if numeric else "left"
        )
    for r in rows:  # escape: "[...]" in a licence would otherwise be read as rich markup
        cells = (
            r["zone_id"],
            r["kind"],
            r["iso3"] or "",
            f"{r['area_km2']:,.0f}",
            "" if r["sea_km2"] is None else f"{r['sea_km2']:,.0f}",
            r["name"],
            f"{r['source']} [licence: {r['licence']}]",
            r["accuracy"],
        )
        table.add_row(*(escape(str(v)) for v in cells[: len(cols)]))
    console.print(table)
    if not wide:
        console.print(
            "source, licence and accuracy of each zone: in a terminal of 120+ columns or --json",
            highlight=False,
        )
    return 0


@command.command("build-eez")
@click.option(
    "--out",
    "out_path",
    type=click.Path(),
    default=None,
    help="Output GeoJSON (default: the packaged vessels/data/eez_approx.geojson and zones/).",
)
@click.option("--res-deg", type=click.FloatRange(min=0.005, max=1.0), default=None)
@click.option("--quiet", is_flag=True, help="No summary.")
def build_eez_cmd(out_path: str | None, res_deg: float | None, quiet: bool) -> int:
    """Rebuild the approximate EEZs (200 nm + equidistance) from the shipped Natural Earth land."""
    import dataclasses

    from vessels.zones._eez import EEZConfig, build_eez, eez_features, sea_area_km2
    from vessels.zones._layers import EEZ_FILE, copy_to_repo, write_zone_geojson
    from vessels.zones._naturalearth import data_dir

    config = EEZConfig() if res_deg is None else dataclasses.replace(EEZConfig(), res_deg=res_deg)
    eez = build_eez(config)
    records = eez_features(eez, config)
    if out_path is None:
        target = data_dir() / EEZ_FILE
        write_zone_geojson(records, target)
        copy_to_repo([target])
    else:
        target = Path(out_path)
        write_zone_geojson(records, target)
    if not quiet:
        console = get_console()
        for iso3, geom in eez.items():
            console.print(f"eez-{iso3}: sea area {sea_area_km2(geom):,.0f} km2")
        console.print(f"wrote {target}", markup=False)
    return 0


@command.command("build-layers")
def build_layers_cmd() -> int:
    """Rebuild the protected-area and AOI layers from the vertices in vessels/zones/_layers.py."""
    from vessels.zones._layers import build_static_layers, copy_to_repo

    paths = build_static_layers()
    copy_to_repo(paths)
    for p in paths:
        get_console().print(f"wrote {p}", markup=False)
    return 0


@command.command("build-land")
@click.option(
    "--world-atlas",
    "world_atlas",
    type=click.Path(exists=True, dir_okay=False),
    required=True,
    help="world-atlas countries-10m.json (npm pack world-atlas@2.0.2).",
)
def build_land_cmd(world_atlas: str) -> int:
    """Rebuild the shipped Natural Earth land (Americas) and countries (wide box)."""
    from vessels.zones._land import _land_grid, load_countries, load_land
    from vessels.zones._naturalearth import build_natural_earth

    build_natural_earth(world_atlas)
    load_land.cache_clear()
    load_countries.cache_clear()
    _land_grid.cache_clear()
    get_console().print("wrote the Natural Earth land and country files")
    return 0


@command.command("build-world")
@click.option("--out", "out_path", type=click.Path(), default=None, help="Output .npz.")
@click.option(
    "--tolerance-km",
    type=click.FloatRange(min=0.0, max=5.0),
    default=1.5,
    help="Shore band: land this close to the sea counts as water (shoreline uncertainty).",
)
def build_world_cmd(out_path: str | None, tolerance_km: float) -> int:
    """Rebuild the world land / inland-water / shore-distance arrays from GSHHG + WDBII.

    Needs the optional PyPI package tracktable-data (~280 MB); takes minutes and ~3 GB.
    """
    from vessels.zones._naturalearth import data_dir
    from vessels.zones._world import WORLD_FILE
    from vessels.zones._world_build import build_world

    target = Path(out_path) if out_path else data_dir() / WORLD_FILE
    build_world(target, tolerance_km=tolerance_km, log=get_console().print)
    return 0


@command.command("build-ports")
@click.option(
    "--wpi-csv",
    type=click.Path(exists=True, dir_okay=False),
    default=None,
    help="World Port Index CSV (default: the copy in the optional tracktable-data package).",
)
def build_ports_cmd(wpi_csv: str | None) -> int:
    """Rebuild the compact World Port Index table shipped in vessels/data."""
    from vessels.zones._ports import build_ports

    get_console().print(f"wrote {build_ports(wpi_csv)}", markup=False)
    return 0


@command.command("fetch-eez")
@click.argument("iso3", nargs=-1, required=True)
@click.option(
    "--cache-dir",
    type=click.Path(file_okay=False),
    default=None,
    help="Where downloaded layers are kept (default ~/.cache/vessels/marineregions).",
)
@click.option("--url", "base_url", default=None, help="WFS endpoint (default: Marine Regions).")
@click.option("--out", "out_path", type=click.Path(), default=None, help="Write all as GeoJSON.")
@click.option("--refresh", is_flag=True, help="Download again even if cached.")
@click.option("--timeout-s", type=click.FloatRange(min=1), default=60.0)
def fetch_eez_cmd(
    iso3: tuple[str, ...],
    cache_dir: str | None,
    base_url: str | None,
    out_path: str | None,
    refresh: bool,
    timeout_s: float,
) -> int:
    """Download official EEZs (Marine Regions, CC-BY 4.0) by sovereign ISO3, e.g. MEX USA.

    Use the files with ``--zones``: they replace the approximate EEZs of the same states.
    """
    from vessels.zones._fetch import MARINE_REGIONS_WFS, fetch_eez

    paths = fetch_eez(
        list(iso3),
        cache_dir=cache_dir,
        base_url=base_url or MARINE_REGIONS_WFS,
        refresh=refresh,
        timeout_s=timeout_s,
        out=out_path,
    )
    console = get_console()
    for p in paths:
        console.print(f"{p}", markup=False)
    console.print("Marine Regions (Flanders Marine Institute), CC-BY 4.0: cite when you publish.")
    return 0
