"""Land and shore distance: the world layer (GSHHG) for positions, Natural Earth for polygons.

:func:`is_on_land` and :func:`shore_distance_km` work anywhere on Earth from the world layer
(:mod:`vessels.zones._world`). :func:`load_land` / :func:`load_countries` are the Natural Earth
1:10m polygons of the Americas that the EEZ builder, the maps and the simulator draw with.

Examples
--------
>>> import numpy as np
>>> is_on_land(np.array([19.43, 25.0]), np.array([-99.13, -120.0])).tolist()  # Mexico City, Pacific
[True, False]
>>> km = shore_distance_km(np.array([19.43, 31.0]), np.array([-99.13, -114.5]))
>>> bool(km[0] < 0), bool(0 < km[1] < 40)  # inland is negative; the upper Gulf is near shore
(True, True)
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import numpy as np
import shapely
from numpy.typing import ArrayLike
from shapely.geometry import MultiPolygon

from vessels.zones._grid import GridIndex
from vessels.zones._naturalearth import COUNTRIES_FILE, LAND_FILE, WORLD_LAND_FILE, data_dir

__all__ = [
    "ShoreConfig",
    "is_on_land",
    "load_countries",
    "load_land",
    "load_world_land",
    "ne_is_on_land",
    "shore_distance_km",
]


@dataclass(frozen=True)
class ShoreConfig:
    """Shore-distance and Natural Earth land-index settings.

    Attributes
    ----------
    land_grid_res_deg
        Cell size of the Natural Earth point-on-land grid prefilter of :func:`ne_is_on_land`
        (0.025 deg ~ 2.8 km).
    exact_within_km
        Points whose distance interpolated from the world layer's 0.1 deg grid is below this are
        measured exactly against the densified shoreline (k-d tree); farther points keep the
        interpolation (error < 8 km, measured in ``docs/zones.md``). ``inf`` measures every point
        exactly (slower).
    """

    land_grid_res_deg: float = 0.025
    exact_within_km: float = 10.0


DEFAULT_SHORE = ShoreConfig()


def _read_features(name: str) -> list[dict[str, Any]]:
    doc = json.loads((data_dir() / name).read_text(encoding="utf-8"))
    feats: list[dict[str, Any]] = doc["features"]
    return feats


@lru_cache(maxsize=1)
def load_land() -> MultiPolygon:
    """Natural Earth 1:10m land of the Americas (lon -140..-50, lat -10..50) as one MultiPolygon.

    Public domain (Natural Earth 4.1.0 via npm ``world-atlas`` 2.0.2); see ``zones/README.md``.
    The same object is returned on every call (cached, prepared): do not modify it.

    Examples
    --------
    >>> land = load_land()
    >>> land.geom_type, land.contains(shapely.Point(-99.13, 19.43))
    ('MultiPolygon', True)
    """
    feats = _read_features(LAND_FILE)
    geom = shapely.from_geojson(json.dumps(feats[0]["geometry"]))
    if geom.geom_type == "Polygon":
        geom = MultiPolygon([geom])
    shapely.prepare(geom)
    assert isinstance(geom, MultiPolygon)
    return geom


@lru_cache(maxsize=1)
def load_world_land() -> MultiPolygon:
    """Natural Earth 1:50m land of the whole world as one MultiPolygon (for maps).

    Public domain (Natural Earth 4.1.0 via npm ``world-atlas`` 2.0.2, ``land-50m.json``, split
    at the antimeridian; rebuilt by :func:`vessels.zones._naturalearth.build_world_land`).

    Examples
    --------
    >>> land = load_world_land()
    >>> [land.contains(shapely.Point(x, y)) for x, y in [(31.2, 30.0), (12.5, 55.7), (0, 0)]]
    [True, True, False]
    """
    geom = shapely.from_geojson(json.dumps(_read_features(WORLD_LAND_FILE)[0]["geometry"]))
    if geom.geom_type == "Polygon":
        geom = MultiPolygon([geom])
    shapely.prepare(geom)
    assert isinstance(geom, MultiPolygon)
    return geom


@lru_cache(maxsize=1)
def load_countries() -> list[dict[str, Any]]:
    """Natural Earth 1:10m countries in the data region: dicts with ``iso3``, ``sovereign_iso3``,
    ``name`` and ``geometry`` (shapely MultiPolygon).

    Examples
    --------
    >>> mex = [c for c in load_countries() if c["iso3"] == "MEX"][0]
    >>> mex["sovereign_iso3"], mex["geometry"].geom_type
    ('MEX', 'MultiPolygon')
    """
    out = []
    for f in _read_features(COUNTRIES_FILE):
        props = dict(f["properties"])
        props["geometry"] = shapely.from_geojson(json.dumps(f["geometry"]))
        out.append(props)
    return out


@lru_cache(maxsize=4)
def _land_grid(res_deg: float) -> GridIndex:
    return GridIndex.build(load_land(), res_deg)


def _as_xy(lat: ArrayLike, lon: ArrayLike) -> tuple[np.ndarray, np.ndarray]:
    y = np.asarray(lat, dtype=np.float64)
    x = np.asarray(lon, dtype=np.float64)
    if x.shape != y.shape:
        raise ValueError(f"lat and lon differ in shape: {y.shape} vs {x.shape}")
    return x, y


def ne_is_on_land(
    lat: ArrayLike, lon: ArrayLike, *, config: ShoreConfig = DEFAULT_SHORE
) -> np.ndarray:
    """Whether each (lat, lon) in degrees falls on Natural Earth 1:10m land of the Americas
    (vectorised). Used where the Natural Earth country polygons must agree (the EEZ builder, the
    simulator); :func:`is_on_land` is the world layer.

    Points outside the data region (lon -140..-50, lat -10..50) and NaN coordinates are ``False``.
    Lakes are land in Natural Earth's land layer. Cost: ~0.1 s per million points after a
    one-off ~1 s index build.

    Examples
    --------
    >>> import numpy as np
    >>> ne_is_on_land([31.5, 31.0], [-114.0, -113.0]).tolist()  # upper Gulf water, Sonora desert
    [False, True]
    """
    x, y = _as_xy(lat, lon)
    return _land_grid(config.land_grid_res_deg).contains(x.ravel(), y.ravel()).reshape(x.shape)


def is_on_land(lat: ArrayLike, lon: ArrayLike) -> np.ndarray:
    """Whether each (lat, lon) in degrees is on land, anywhere on Earth (vectorised).

    World layer (GSHHG 2.3 high resolution, 30 arc-second raster; see ``zones/README.md``):
    *land* is more than 1.5 km from the sea (the shoreline uncertainty), 2 km from any lake,
    major river or canal and 1 km from any minor river or lesser canal. Positions in harbours, on
    rivers and lakes, and within 1.5 km inland of the coastline are not on land. NaN
    coordinates are ``False``. Cost: two array reads per point.

    Examples
    --------
    >>> import numpy as np
    >>> is_on_land([19.43, 41.88, 40.69], [-99.13, -87.5, -74.04]).tolist()  # Mexico City, Lake
    [True, False, False]
    >>> # Michigan, New York's Upper Bay
    """
    from vessels.zones._world import LAND, geo_class_codes

    x, y = _as_xy(lat, lon)
    return (geo_class_codes(y, x) == LAND) & np.isfinite(x) & np.isfinite(y)


def shore_distance_km(
    lat: ArrayLike, lon: ArrayLike, *, config: ShoreConfig = DEFAULT_SHORE
) -> np.ndarray:
    """Signed great-circle distance (km) to the nearest shoreline, anywhere on Earth: positive
    in water (sea, lakes, rivers, the 1.5 km shore band), negative on land (:func:`is_on_land`).

    The shoreline is GSHHG's coast and lake shores plus WDBII's rivers and canals (levels 1-5, 9
    and 10). Near the
    shore (``|d| < config.exact_within_km``) the distance is exact to the shoreline densified to
    0.01 deg; farther it is interpolated from a 0.1 deg grid of exact node distances. NaN
    coordinates give NaN.

    Examples
    --------
    >>> import numpy as np
    >>> km = shore_distance_km([13.0], [-105.0])  # far Pacific, ~550 km off Mexico
    >>> 500 < float(km[0]) < 600
    True
    """
    from vessels.zones._world import world_shore_km

    x, y = _as_xy(lat, lon)
    return world_shore_km(y, x, exact_within_km=config.exact_within_km)
