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

import numpy as np
import shapely

from vessels.zones._topojson import decode_object

__all__ = [
    "COUNTRIES_FILE",
    "COUNTRY_BOUNDS",
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
#: Box of the shipped *country* polygons (the EEZ builder's input): the Americas from the
#: antimeridian to the mid-Atlantic, Cape Horn and the South Sandwich Islands to Greenland, so
#: every state of the Americas and its Pacific/Atlantic islands competes for median lines.
COUNTRY_BOUNDS = (-180.0, -62.0, -20.0, 84.0)
COUNTRIES_FILE = "ne_10m_countries_americas_wide.geojson"
LAND_FILE = "ne_10m_land_americas.geojson"
NE_SOURCE = (
    "Natural Earth 4.1.0 1:10m Admin-0 countries via npm world-atlas 2.0.2 "
    "(https://www.naturalearthdata.com)"
)
NE_LICENCE = "public domain (Natural Earth)"

#: ISO 3166 numeric id (as in world-atlas) -> (territory ISO3, sovereign ISO3), for every feature
#: that reaches COUNTRY_BOUNDS. Features without an id are keyed by name.
SOVEREIGN: dict[str, tuple[str, str]] = {
    "010": ("ATA", "ATA"),  # no sovereign; competes for median lines only
    "016": ("ASM", "USA"),
    "028": ("ATG", "ATG"),
    "032": ("ARG", "ARG"),
    "044": ("BHS", "BHS"),
    "052": ("BRB", "BRB"),
    "060": ("BMU", "GBR"),
    "068": ("BOL", "BOL"),
    "076": ("BRA", "BRA"),
    "084": ("BLZ", "BLZ"),
    "092": ("VGB", "GBR"),
    "124": ("CAN", "CAN"),
    "132": ("CPV", "CPV"),
    "136": ("CYM", "GBR"),
    "152": ("CHL", "CHL"),
    "170": ("COL", "COL"),
    "184": ("COK", "NZL"),
    "188": ("CRI", "CRI"),
    "192": ("CUB", "CUB"),
    "212": ("DMA", "DMA"),
    "214": ("DOM", "DOM"),
    "218": ("ECU", "ECU"),
    "222": ("SLV", "SLV"),
    "238": ("FLK", "GBR"),  # administered by the UK, claimed by Argentina
    "239": ("SGS", "GBR"),  # administered by the UK, claimed by Argentina
    "242": ("FJI", "FJI"),
    "250": ("FRA", "FRA"),
    "258": ("PYF", "FRA"),
    "296": ("KIR", "KIR"),
    "304": ("GRL", "DNK"),
    "308": ("GRD", "GRD"),
    "320": ("GTM", "GTM"),
    "328": ("GUY", "GUY"),
    "332": ("HTI", "HTI"),
    "340": ("HND", "HND"),
    "352": ("ISL", "ISL"),
    "388": ("JAM", "JAM"),
    "484": ("MEX", "MEX"),
    "500": ("MSR", "GBR"),
    "528": ("NLD", "NLD"),
    "531": ("CUW", "NLD"),
    "533": ("ABW", "NLD"),
    "534": ("SXM", "NLD"),
    "554": ("NZL", "NZL"),
    "558": ("NIC", "NIC"),
    "570": ("NIU", "NZL"),
    "581": ("UMI", "USA"),
    "591": ("PAN", "PAN"),
    "600": ("PRY", "PRY"),
    "604": ("PER", "PER"),
    "612": ("PCN", "GBR"),
    "620": ("PRT", "PRT"),
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
    "776": ("TON", "TON"),
    "780": ("TTO", "TTO"),
    "796": ("TCA", "GBR"),
    "840": ("USA", "USA"),
    "850": ("VIR", "USA"),
    "858": ("URY", "URY"),
    "862": ("VEN", "VEN"),
    "876": ("WLF", "FRA"),
    "882": ("WSM", "WSM"),
    # no ISO numeric id in Natural Earth
    "Clipperton I.": ("CPT", "FRA"),
    "USNB Guantanamo Bay": ("CUB", "CUB"),  # leased to the USA; Cuban sovereign territory
    "Bajo Nuevo Bank": ("COL", "COL"),  # administered by Colombia, disputed
    "Serranilla Bank": ("COL", "COL"),  # administered by Colombia, disputed
}


def data_dir() -> Path:
    """The package data directory ``vessels/data`` (works after a regular install)."""
    return Path(__file__).resolve().parent.parent / "data"


def _unwrap_ring(xy: np.ndarray) -> np.ndarray:
    """Longitudes made continuous across the antimeridian; a ring that circles a pole
    (Antarctica) is closed along that pole."""
    x = xy[:, 0].copy()
    d = np.diff(x)
    k = np.concatenate([[0.0], np.cumsum(-np.sign(d) * (np.abs(d) > 180.0))])
    out = np.column_stack([x + 360.0 * k, xy[:, 1]])
    if abs(out[-1, 0] - out[0, 0]) > 180.0:
        pole = -90.0 if out[:, 1].mean() < 0 else 90.0
        out = np.vstack([out, np.array([[out[-1, 0], pole], [out[0, 0], pole]]), out[:1]])
    return out


def _fix_antimeridian(geom: Any) -> Any:
    """Polygons whose rings jump across the antimeridian (Russia, Fiji, Kiribati, the USA's
    Aleutians, Antarctica in world-atlas) split into pieces on either side of it; clipped as they
    are, they would cover every longitude in their latitude band."""
    out = []
    wrapped = False
    for poly in shapely.get_parts(shapely.get_parts(geom)):
        if poly.geom_type != "Polygon" or poly.is_empty:
            continue
        rings = [np.asarray(poly.exterior.coords)] + [np.asarray(r.coords) for r in poly.interiors]
        if not any((np.abs(np.diff(r[:, 0])) > 180.0).any() for r in rings):
            out.append(poly)
            continue
        wrapped = True
        fixed = [_unwrap_ring(r) for r in rings]
        unwrapped = shapely.make_valid(shapely.Polygon(fixed[0], fixed[1:]))
        for shift in (-360.0, 0.0, 360.0):
            moved = shapely.transform(unwrapped, lambda c, s=shift: c + np.array([s, 0.0]))
            piece = shapely.clip_by_rect(moved, -180.0, -90.0, 180.0, 90.0)
            out.extend(
                q for q in shapely.get_parts(piece) if q.geom_type == "Polygon" and not q.is_empty
            )
    if not wrapped:
        return geom
    merged = shapely.union_all([shapely.make_valid(p) for p in out])
    return shapely.MultiPolygon([q for q in shapely.get_parts(merged) if q.geom_type == "Polygon"])


def _clean(geom: Any, bounds: tuple[float, float, float, float] = DATA_BOUNDS) -> Any:
    geom = shapely.clip_by_rect(geom, *bounds)
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
        geom = _clean(_fix_antimeridian(f["geometry"]), COUNTRY_BOUNDS)
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


#: Natural Earth 1:50m land of the whole world (maps), from world-atlas ``land-50m.json``.
WORLD_LAND_FILE = "ne_50m_land_world.geojson"


def build_world_land(land_50m_json: str | Path, out_dir: str | Path | None = None) -> Path:
    """Derive :data:`WORLD_LAND_FILE` from world-atlas 2.0.2 ``package/land-50m.json``:
    polygons split at the antimeridian, coordinates to 1e-4 deg (~11 m)."""
    topo = json.loads(Path(land_50m_json).read_text(encoding="utf-8"))
    parts = [
        q
        for f in decode_object(topo, "land")
        for q in shapely.get_parts(shapely.get_parts(_fix_antimeridian(f["geometry"])))
        if q.geom_type == "Polygon" and not q.is_empty
    ]
    geom = shapely.set_precision(shapely.MultiPolygon(parts), 1e-4)
    polys = [g for g in shapely.get_parts(geom) if g.geom_type == "Polygon" and not g.is_empty]
    out = (Path(out_dir) if out_dir is not None else data_dir()) / WORLD_LAND_FILE
    _write([{"properties": {"name": "land"}, "geometry": shapely.MultiPolygon(polys)}], out)
    return out
