"""Land mask for the simulator: no simulated position may be on land.

Uses :func:`vessels.zones.load_land` (Natural Earth 1:10m land) when the zones package provides
it, else reads the same shipped file directly. Points are first binned into 0.05-degree cells;
only points in cells that touch land are tested exactly, so millions of points cost seconds.

Examples
--------
>>> import numpy as np
>>> on_land(np.array([27.4, 29.0]), np.array([-111.6, -110.0])).tolist()  # Gulf; Sonora
[False, True]
"""

from __future__ import annotations

import functools
import json
from pathlib import Path
from typing import Any

import numpy as np
import shapely

__all__ = ["land_geometry", "on_land"]

_CELL_DEG = 0.05


@functools.lru_cache(maxsize=1)
def land_geometry() -> Any:
    """The land polygons as one prepared shapely geometry."""
    geom: Any = None
    try:
        from vessels.zones import load_land

        geom = load_land()
    except (ImportError, AttributeError):
        path = Path(__file__).resolve().parent.parent / "data" / "ne_10m_land_americas.geojson"
        with path.open(encoding="utf-8") as fh:
            features = json.load(fh)["features"]
        geom = shapely.union_all([shapely.geometry.shape(f["geometry"]) for f in features])
    if not isinstance(geom, shapely.Geometry):  # a GeoSeries / GeoDataFrame
        geom = shapely.union_all(np.asarray(getattr(geom, "geometry", geom)))
    shapely.prepare(geom)
    return geom


def on_land(lat: np.ndarray, lon: np.ndarray) -> np.ndarray:
    """Boolean mask: which (lat, lon) points fall on land (vectorised)."""
    try:  # the Natural Earth land the samples were made with (vessels.zones.is_on_land is GSHHG)
        from vessels.zones._land import ne_is_on_land

        return np.asarray(ne_is_on_land(lat, lon), dtype=bool)
    except ImportError:
        pass
    lat = np.asarray(lat, dtype=np.float64)
    lon = np.asarray(lon, dtype=np.float64)
    out = np.zeros(lat.shape, dtype=bool)
    if lat.size == 0:
        return out
    land = land_geometry()
    ci = np.floor(lat / _CELL_DEG).astype(np.int64)
    cj = np.floor(lon / _CELL_DEG).astype(np.int64)
    key = ci * 100_000 + cj
    cells, inverse = np.unique(key, return_inverse=True)
    c_i = np.rint(cells / 100_000).astype(np.int64)
    c_j = cells - c_i * 100_000
    boxes = shapely.box(
        c_j * _CELL_DEG, c_i * _CELL_DEG, (c_j + 1) * _CELL_DEG, (c_i + 1) * _CELL_DEG
    )
    touches = shapely.intersects(land, boxes)
    check = touches[inverse]
    if check.any():
        out[check] = shapely.contains_xy(land, lon[check], lat[check])
    return out
