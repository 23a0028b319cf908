"""Natural Earth land and country polygons for the Americas (shipped in ``vessels/data/``).

The files are derived from the npm package ``world-atlas`` 2.0.2 (Natural Earth 4.1.0, 1:10m
Admin-0 countries, public domain; TopoJSON by Mike Bostock, ISC licence) by
:func:`build_natural_earth` (CLI: ``vessels zones build-land --world-atlas countries-10m.json``):
polygons are clipped to :data:`DATA_BOUNDS` and rounded to 1e-5 degrees (about 1 m).

Examples
--------
>>> DATA_BOUNDS
(-140.0, -10.0, -50.0, 50.0)
>>> SOVEREIGN["630"]  # Puerto Rico
('PRI', 'USA')
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import shapely

from vessels.zones._topojson import decode_object

__all__ = [
    "COUNTRIES_FILE",
    "DATA_BOUNDS",
    "LAND_FILE",
    "NE_LICENCE",
    "NE_SOURCE",
    "SOVEREIGN",
    "build_natural_earth",
    "data_dir",
]

#: (min lon, min lat, max lon, max lat) of the shipped land/country data: the study region
#: (lon -130..-60, lat 0..40) plus a 10-degree margin so that distances and the EEZ builder are
#: right near its edges.
DATA_BOUNDS = (-140.0, -10.0, -50.0, 50.0)
COUNTRIES_FILE = "ne_10m_countries_americas.geojson"
LAND_FILE = "ne_10m_land_americas.geojson"
NE_SOURCE = (
    "Natural Earth 4.1.0 1:10m Admin-0 countries via npm world-atlas 2.0.2 "
    "(https://www.naturalearthdata.com)"
)
NE_LICENCE = "public domain (Natural Earth)"

#: ISO 3166 numeric id (as in world-atlas) -> (territory ISO3, sovereign ISO3), for every feature
#: that reaches DATA_BOUNDS. Features without an id are keyed by name.
SOVEREIGN: dict[str, tuple[str, str]] = {
    "028": ("ATG", "ATG"),
    "044": ("BHS", "BHS"),
    "052": ("BRB", "BRB"),
    "060": ("BMU", "GBR"),
    "068": ("BOL", "BOL"),
    "076": ("BRA", "BRA"),
    "084": ("BLZ", "BLZ"),
    "092": ("VGB", "GBR"),
    "124": ("CAN", "CAN"),
    "136": ("CYM", "GBR"),
    "170": ("COL", "COL"),
    "188": ("CRI", "CRI"),
    "192": ("CUB", "CUB"),
    "212": ("DMA", "DMA"),
    "214": ("DOM", "DOM"),
    "218": ("ECU", "ECU"),
    "222": ("SLV", "SLV"),
    "250": ("FRA", "FRA"),
    "258": ("PYF", "FRA"),
    "296": ("KIR", "KIR"),
    "308": ("GRD", "GRD"),
    "320": ("GTM", "GTM"),
    "328": ("GUY", "GUY"),
    "332": ("HTI", "HTI"),
    "340": ("HND", "HND"),
    "388": ("JAM", "JAM"),
    "484": ("MEX", "MEX"),
    "500": ("MSR", "GBR"),
    "528": ("NLD", "NLD"),
    "531": ("CUW", "NLD"),
    "533": ("ABW", "NLD"),
    "534": ("SXM", "NLD"),
    "554": ("NZL", "NZL"),
    "558": ("NIC", "NIC"),
    "581": ("UMI", "USA"),
    "591": ("PAN", "PAN"),
    "604": ("PER", "PER"),
    "630": ("PRI", "USA"),
    "643": ("RUS", "RUS"),
    "652": ("BLM", "FRA"),
    "659": ("KNA", "KNA"),
    "660": ("AIA", "GBR"),
    "662": ("LCA", "LCA"),
    "663": ("MAF", "FRA"),
    "666": ("SPM", "FRA"),
    "670": ("VCT", "VCT"),
    "740": ("SUR", "SUR"),
    "780": ("TTO", "TTO"),
    "796": ("TCA", "GBR"),
    "840": ("USA", "USA"),
    "850": ("VIR", "USA"),
    "862": ("VEN", "VEN"),
    # no ISO numeric id in Natural Earth
    "Clipperton I.": ("CPT", "FRA"),
    "USNB Guantanamo Bay": ("CUB", "CUB"),  # leased to the USA; Cuban sovereign territory
    "Bajo Nuevo Bank": ("COL", "COL"),  # administered by Colombia, disputed
    "Serranilla Bank": ("COL", "COL"),  # administered by Colombia, disputed
}


def data_dir() -> Path:
    """The package data directory ``vessels/data`` (works after a regular install)."""
    return Path(__file__).resolve().parent.parent / "data"


def _clean(geom: Any) -> Any:
    geom = shapely.clip_by_rect(geom, *DATA_BOUNDS)
    geom = shapely.set_precision(geom, 1e-5)
    polys = [g for g in shapely.get_parts(geom) if g.geom_type == "Polygon" and not g.is_empty]
    return shapely.MultiPolygon(polys) if polys else None


def _write(features: list[dict[str, Any]], path: Path) -> None:
    doc = {
        "type": "FeatureCollection",
        "name": path.stem,
        "features": [
            {
                "type": "Feature",
                "properties": f["properties"],
                "geometry": json.loads(shapely.to_geojson(f["geometry"])),
            }
            for f in features
        ],
    }
    path.write_text(json.dumps(doc, separators=(",", ":")) + "\n", encoding="utf-8")


def build_natural_earth(world_atlas_json: str | Path, out_dir: str | Path | None = None) -> None:
    """Derive the shipped country and land GeoJSON from world-atlas ``countries-10m.json``.

    Get the input with ``npm pack world-atlas@2.0.2 && tar xzf world-atlas-2.0.2.tgz``; the file
    is ``package/countries-10m.json``.
    """
    topo = json.loads(Path(world_atlas_json).read_text(encoding="utf-8"))
    out = Path(out_dir) if out_dir is not None else data_dir()
    out.mkdir(parents=True, exist_ok=True)
    countries = []
    for f in decode_object(topo, "countries"):
        geom = _clean(f["geometry"])
        if geom is None:
            continue
        name = f["properties"].get("name", "")
        key = f["id"] if f["id"] is not None else name
        if key not in SOVEREIGN:
            raise KeyError(f"no sovereign mapping for {key!r} ({name}); add it to SOVEREIGN")
        iso3, sov = SOVEREIGN[key]
        props = {"iso_n3": f["id"], "name": name, "iso3": iso3, "sovereign_iso3": sov}
        countries.append({"properties": props, "geometry": geom})
    countries.sort(key=lambda f: (f["properties"]["iso3"], f["properties"]["name"]))
    _write(countries, out / COUNTRIES_FILE)
    land = [_clean(f["geometry"]) for f in decode_object(topo, "land")]
    merged = shapely.union_all([g for g in land if g is not None])
    _write([{"properties": {"name": "land"}, "geometry": _clean(merged)}], out / LAND_FILE)
