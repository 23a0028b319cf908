"""The default zone layers: approximate EEZs, protected areas, areas of interest (AOIs).

The GeoJSON files live in ``vessels/data/`` (so they work after a regular install) and are copied
to ``zones/`` at the top of the repository for browsing; ``tests/zones`` checks the copies match.
Protected-area outlines are published vertices (sources in :data:`PROTECTED_AREAS`); AOIs are the
project's own analysis areas, not legal lines (rationale in :data:`AOIS` and ``zones/README.md``).

Examples
--------
>>> zones = default_zones()
>>> sorted(zones["kind"].unique())
['aoi', 'eez', 'protected_area']
>>> zones.crs.to_epsg(), "mx-pn-arrecife-alacranes" in set(zones["zone_id"])
(4326, True)
"""

from __future__ import annotations

import json
import shutil
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import shapely

from vessels import schema as S
from vessels.zones._land import load_land
from vessels.zones._naturalearth import data_dir

if TYPE_CHECKING:
    import geopandas as gpd

__all__ = [
    "AOIS",
    "AOI_FILE",
    "EEZ_FILE",
    "LAYER_FILES",
    "PROTECTED_AREAS",
    "PROTECTED_AREA_FILE",
    "ZoneSpec",
    "build_static_layers",
    "copy_to_repo",
    "default_zones",
    "repo_zones_dir",
    "write_zone_geojson",
]

EEZ_FILE = "eez_approx.geojson"
PROTECTED_AREA_FILE = "protected_areas.geojson"
AOI_FILE = "aoi.geojson"
LAYER_FILES = (EEZ_FILE, PROTECTED_AREA_FILE, AOI_FILE)


@dataclass(frozen=True)
class ZoneSpec:
    """One hand-specified zone: its table record and a ring of (lat, lon) vertices."""

    zone_id: str
    name: str
    kind: str
    source: str
    licence: str
    accuracy: str
    ring_lat_lon: tuple[tuple[float, float], ...]
    clip_land: bool = False  # AOIs cover water only: Natural Earth land is removed
    rationale: str = ""


_CONANP = (
    "CONANP protected-area layer (Comisión Nacional de Áreas Naturales Protegidas, Mexico), "
    "as transcribed in the project's zones-facts notes"
)

PROTECTED_AREAS = (
    ZoneSpec(
        zone_id="mx-pn-arrecife-alacranes",
        name="Parque Nacional Arrecife Alacranes",
        kind="protected_area",
        source=f"Decree of 6 June 1994 (DOF), 20 outer vertices; {_CONANP}",
        licence="Mexican federal government public information (decree vertices)",
        accuracy="decree vertices (whole arc-seconds); area within 0.03 % of the decreed "
        "333,768 ha; core zones not included",
        ring_lat_lon=(
            (22.18361, -89.55333),
            (22.15028, -89.64639),
            (22.16667, -89.74694),
            (22.21833, -89.83333),
            (22.28917, -89.90222),
            (22.37333, -89.95167),
            (22.46056, -90.00167),
            (22.56472, -90.00778),
            (22.65417, -89.97139),
            (22.72944, -89.90417),
            (22.78278, -89.82222),
            (22.79889, -89.72111),
            (22.79222, -89.67833),
            (22.75611, -89.58667),
            (22.69861, -89.50611),
            (22.61722, -89.45000),
            (22.52556, -89.40778),
            (22.42750, -89.40111),
            (22.32694, -89.42389),
            (22.24111, -89.47417),
        ),
    ),
    ZoneSpec(
        zone_id="mx-rb-alto-golfo",
        name="Reserva de la Biosfera Alto Golfo de California y Delta del Río Colorado",
        kind="protected_area",
        source=f"Decree of 10 June 1993 (DOF); outer boundary digitised (53 vertices); {_CONANP}",
        licence="Mexican federal government public information (CONANP)",
        accuracy="digitised CONANP outline (~9,342 km2), not the decree's vertex table; "
        "the Vaquita Refuge and Zero Tolerance Area are NOT included (see zones/README.md)",
        ring_lat_lon=(
            (31.74468, -114.26471),
            (31.74075, -114.25005),
            (31.73176, -114.08889),
            (31.72224, -114.06703),
            (31.70665, -113.94096),
            (31.68975, -113.91304),
            (31.63811, -113.86627),
            (31.63008, -113.79699),
            (31.62129, -113.77042),
            (31.53803, -113.68750),
            (31.49986, -113.64150),
            (31.47614, -113.63078),
            (31.41017, -113.62473),
            (31.36832, -113.61047),
            (31.33947, -113.61045),
            (31.34480, -113.64177),
            (31.04108, -114.82141),
            (31.03089, -114.85935),
            (31.04277, -114.86851),
            (31.05999, -114.87337),
            (31.47078, -115.06830),
            (31.55473, -115.07289),
            (31.56377, -115.07376),
            (31.67827, -115.07033),
            (31.69427, -115.05523),
            (31.70506, -115.05290),
            (31.71775, -115.05685),
            (31.76681, -115.08011),
            (31.77948, -115.08301),
            (31.80590, -115.10042),
            (31.82551, -115.14545),
            (31.84853, -115.17775),
            (31.93463, -115.20672),
            (31.96906, -115.21769),
            (31.97110, -114.99226),
            (32.00496, -114.96612),
            (32.03742, -114.96540),
            (32.08612, -114.96538),
            (32.08784, -114.96004),
            (32.11878, -114.97737),
            (32.15888, -114.94679),
            (32.09079, -114.86568),
            (32.01285, -114.79128),
            (31.94130, -114.72319),
            (31.92109, -114.70254),
            (31.89782, -114.66294),
            (31.89110, -114.64091),
            (31.87896, -114.61903),
            (31.85759, -114.58576),
            (31.83914, -114.56406),
            (31.80526, -114.53749),
            (31.75943, -114.45426),
            (31.75087, -114.43233),
        ),
    ),
)

_AOI_SOURCE = "vessels project analysis area (drawn by the project; not a legal boundary)"
_AOI_LICENCE = "MIT (vessels project); water only: Natural Earth land removed (public domain)"

AOIS = (
    ZoneSpec(
        zone_id="aoi-upper-gulf",
        name="Upper Gulf of California (totoaba / vaquita AOI)",
        kind="aoi",
        source=_AOI_SOURCE,
        licence=_AOI_LICENCE,
        accuracy="analysis area: water of the Gulf north of 30.0 N; edges are ours",
        ring_lat_lon=((30.0, -115.3), (32.3, -115.3), (32.3, -112.6), (30.0, -112.6)),
        clip_land=True,
        rationale=(
            "All of the Gulf of California north of 30.0 N: the biosphere reserve, the Vaquita "
            "Refuge and Zero Tolerance Area (whose official polygons we do not ship), and the "
            "gillnet grounds of San Felipe, Golfo de Santa Clara and Puerto Peñasco where totoaba "
            "poaching and vaquita by-catch happen. Wider than the legal areas so that a dark "
            "period or rendezvous just outside them still counts."
        ),
    ),
    ZoneSpec(
        zone_id="aoi-campeche-bank",
        name="Campeche Bank / Yucatán shelf AOI",
        kind="aoi",
        source=_AOI_SOURCE,
        licence=_AOI_LICENCE,
        accuracy="analysis area: shelf extent drawn by hand (roughly the 200 m isobath), "
        "±20 km; west edge at the Tabasco–Campeche border parallel 18°39'05\"N",
        ring_lat_lon=(
            (18.6514, -92.4681),
            (18.6514, -92.90),
            (20.00, -92.90),
            (21.50, -92.40),
            (23.00, -91.30),
            (23.80, -89.80),
            (23.60, -88.00),
            (22.60, -87.00),
            (21.00, -87.00),
            (20.50, -89.00),
            (19.40, -90.20),
            (18.30, -91.50),
            (18.20, -92.4681),
        ),
        clip_land=True,
        rationale=(
            "The shallow Yucatán shelf off Campeche, Yucatán and northern Quintana Roo (west of "
            "87.0 W): the federal sea-cucumber closure (DOF 12 May 2015) starts at the "
            "Tabasco–Campeche border parallel and runs along the shelf's outer limit; "
            "sea-cucumber poaching and at-sea transfers (also of cocaine in transit) concentrate "
            "here. Includes Arrecife Alacranes."
        ),
    ),
    ZoneSpec(
        zone_id="aoi-yucatan-channel",
        name="Yucatán Channel AOI",
        kind="aoi",
        source=_AOI_SOURCE,
        licence=_AOI_LICENCE,
        accuracy="analysis area: box 87.0–84.6 W, 20.5–22.6 N minus land; edges are ours",
        ring_lat_lon=((20.5, -87.0), (22.6, -87.0), (22.6, -84.6), (20.5, -84.6)),
        clip_land=True,
        rationale=(
            "The strait between Cabo Catoche (Mexico) and Cabo San Antonio (Cuba), with the "
            "approaches to Cancún and Isla Mujeres: the maritime route between the Caribbean and "
            "the Gulf of Mexico used for drug transit, where rendezvous with Yucatán "
            "sea-cucumber boats are reported. Adjoins the Campeche Bank AOI at 87.0 W."
        ),
    ),
)


def repo_zones_dir() -> Path:
    """The top-level ``zones/`` directory of a source checkout (may not exist when installed)."""
    return Path(__file__).resolve().parents[2] / "zones"


def _spec_geometry(spec: ZoneSpec) -> Any:
    lat, lon = np.asarray(spec.ring_lat_lon).T
    poly = shapely.Polygon(np.column_stack([lon, lat]))
    poly = shapely.orient_polygons(shapely.make_valid(poly))
    if spec.clip_land:
        poly = shapely.difference(poly, load_land())
        # keep the water bodies, not slivers left between the drawn edge and the coast
        parts = [p for p in shapely.get_parts(poly) if p.area > 1e-3]
        poly = shapely.simplify(shapely.MultiPolygon(parts), 0.002)
        poly = shapely.set_precision(poly, 1e-5)
    return poly


def _spec_record(spec: ZoneSpec) -> dict[str, Any]:
    return {
        S.ZONE_ID: spec.zone_id,
        S.ZONE_NAME: spec.name,
        S.ZONE_KIND: spec.kind,
        S.ZONE_ISO3: "MEX",
        S.ZONE_SOURCE: spec.source,
        S.ZONE_LICENCE: spec.licence,
        S.ZONE_ACCURACY: spec.accuracy,
        "geometry": _spec_geometry(spec),
    }


def write_zone_geojson(records: list[dict[str, Any]], path: str | Path) -> None:
    """Write zone-table records as a GeoJSON FeatureCollection (deterministic, compact)."""
    doc = {
        "type": "FeatureCollection",
        "features": [
            {
                "type": "Feature",
                "properties": {k: r[k] for k in S.ZONE_TABLE_COLUMNS if k != "geometry"},
                "geometry": json.loads(shapely.to_geojson(r["geometry"])),
            }
            for r in records
        ],
    }
    Path(path).write_text(json.dumps(doc, ensure_ascii=False, indent=None) + "\n", "utf-8")


def build_static_layers(out_dir: str | Path | None = None) -> list[Path]:
    """Write the protected-area and AOI layers (and copy them to ``zones/`` in a checkout)."""
    out = Path(out_dir) if out_dir is not None else data_dir()
    written = []
    for name, specs in ((PROTECTED_AREA_FILE, PROTECTED_AREAS), (AOI_FILE, AOIS)):
        path = out / name
        write_zone_geojson([_spec_record(s) for s in specs], path)
        written.append(path)
    return written


def copy_to_repo(paths: list[Path]) -> None:
    """Mirror freshly built layers into the checkout's ``zones/`` directory, if there is one."""
    repo = repo_zones_dir()
    if repo.is_dir() and (repo.parent / "pyproject.toml").is_file():  # a source checkout only
        for p in paths:
            shutil.copyfile(p, repo / p.name)


@lru_cache(maxsize=1)
def _default_zones_cached() -> gpd.GeoDataFrame:
    import geopandas as gpd

    frames = [gpd.read_file(data_dir() / name, engine="pyogrio") for name in LAYER_FILES]
    import pandas as pd

    gdf = gpd.GeoDataFrame(pd.concat(frames, ignore_index=True), crs="EPSG:4326")
    return gdf[list(S.ZONE_TABLE_COLUMNS)]


def default_zones() -> gpd.GeoDataFrame:
    """The default zone layers as one GeoDataFrame (``vessels.schema.ZONE_TABLE_COLUMNS``).

    Approximate EEZs of Mexico and its neighbours (``eez-MEX``, ``eez-USA``, ``eez-GTM``,
    ``eez-BLZ``, ``eez-HND``, ``eez-SLV``, ``eez-CUB``), two protected areas
    (``mx-pn-arrecife-alacranes``, ``mx-rb-alto-golfo``) and three AOIs (``aoi-upper-gulf``,
    ``aoi-campeche-bank``, ``aoi-yucatan-channel``). EPSG:4326. A fresh copy on every call.

    Examples
    --------
    >>> z = default_zones()
    >>> z.loc[z["zone_id"] == "eez-MEX", "iso3"].item()
    'MEX'
    """
    return _default_zones_cached().copy()
