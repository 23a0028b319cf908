"""Land polygons, point-on-land tests and distance to shore (Natural Earth 1:10m, Americas).

Examples
--------
>>> import numpy as np
>>> is_on_land(np.array([19.43, 25.0]), np.array([-99.13, -120.0])).tolist()  # Mexico City, Pacific
[True, False]
>>> km = shore_distance_km(np.array([19.43, 31.0]), np.array([-99.13, -114.5]))
>>> bool(km[0] < -100), bool(0 < km[1] < 40)  # inland is negative; the upper Gulf is near shore
(True, True)
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np
import shapely
from numpy.typing import ArrayLike
from scipy.spatial import cKDTree
from shapely.geometry import MultiPolygon

from vessels._geo import EARTH_RADIUS_M
from vessels.zones._grid import GridIndex
from vessels.zones._naturalearth import COUNTRIES_FILE, DATA_BOUNDS, LAND_FILE, data_dir

#: Signed distance to shore (0.1 km units) at the nodes of a 0.05 deg grid over DATA_BOUNDS,
#: stored as the first column (``first``, int16) and differences along longitude (``dx``, int16).
SHORE_GRID_FILE = "shore_km_grid_0p05deg.npz"
SHORE_GRID_RES_DEG = 0.05
#: |interpolated grid distance| beyond which its sign is certain: half the diagonal of a 0.05 deg
#: cell (3.9 km at the equator) plus the grid's 0.05 km rounding and ~0.55 km coast densification.
_SIGN_SAFE_KM = 4.5

__all__ = [
    "SHORE_GRID_FILE",
    "ShoreConfig",
    "build_shore_grid",
    "is_on_land",
    "load_countries",
    "load_land",
    "shore_distance_km",
]


@dataclass(frozen=True)
class ShoreConfig:
    """Resolution of the land index and of the coastline used for distances.

    Attributes
    ----------
    land_grid_res_deg
        Cell size of the point-on-land grid prefilter (0.025 deg ~ 2.8 km): measured trade-off
        between build time (~0.5 s once per process) and the share of near-coast points needing
        the exact test (65 % at 0.025 deg, 95 % at 0.05 deg).
    coast_spacing_deg
        The coastline is densified to at most this vertex spacing (0.01 deg ~ 1.1 km) before the
        nearest-vertex search, so a distance overestimates the distance to the polyline by at most
        ~0.55 km at the coast and much less offshore (sqrt(d^2 + s^2/4) - d).
    exact_within_km
        Points whose interpolated distance from the shipped 0.05 deg grid (:data:`SHORE_GRID_FILE`)
        is below this are measured exactly (k-d tree); farther points keep the bilinear
        interpolation of exact node distances (measured error in ``docs/zones.md``). ``inf``
        measures every point exactly (slower: far-from-shore queries cost ~10x more).
    """

    land_grid_res_deg: float = 0.025
    coast_spacing_deg: float = 0.01
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


def is_on_land(
    lat: ArrayLike, lon: ArrayLike, *, config: ShoreConfig = DEFAULT_SHORE
) -> np.ndarray:
    """Whether each (lat, lon) in degrees falls on Natural Earth 1:10m land (vectorised).

    Points outside the data region (lon -140..-50, lat -10..50) and NaN coordinates are ``False``.
    Lakes are land in Natural Earth's land layer. Cost: ~0.1 s per million points after a
    one-off ~1 s index build.

    Examples
    --------
    >>> import numpy as np
    >>> is_on_land([31.5, 31.0], [-114.0, -113.0]).tolist()  # upper Gulf water, Sonora desert
    [False, True]
    """
    x, y = _as_xy(lat, lon)
    return _land_grid(config.land_grid_res_deg).contains(x.ravel(), y.ravel()).reshape(x.shape)


def _unit_xyz(lat: np.ndarray, lon: np.ndarray) -> np.ndarray:
    p = np.radians(lat)
    lm = np.radians(lon)
    c = np.cos(p)
    return np.column_stack([c * np.cos(lm), c * np.sin(lm), np.sin(p)])


@lru_cache(maxsize=4)
def _coast_tree(spacing_deg: float) -> cKDTree:
    coast = shapely.segmentize(shapely.boundary(load_land()), spacing_deg)
    xy = shapely.get_coordinates(coast)
    minx, miny, maxx, maxy = DATA_BOUNDS
    eps = 1e-6  # drop the artificial edges left by clipping to the data region
    real = (
        (np.abs(xy[:, 0] - minx) > eps)
        & (np.abs(xy[:, 0] - maxx) > eps)
        & (np.abs(xy[:, 1] - miny) > eps)
        & (np.abs(xy[:, 1] - maxy) > eps)
    )
    xy = np.unique(xy[real], axis=0)
    return cKDTree(_unit_xyz(xy[:, 1], xy[:, 0]))


def coast_distance_km(
    lat: np.ndarray,
    lon: np.ndarray,
    *,
    config: ShoreConfig = DEFAULT_SHORE,
    max_km: float = np.inf,
) -> np.ndarray:
    """Unsigned great-circle distance (km) to the nearest (densified) coastline vertex.

    With ``max_km``, points farther than that get ``inf`` (the search stops early: faster).
    """
    tree = _coast_tree(config.coast_spacing_deg)
    out = np.full(lat.shape, np.nan)
    ok = np.isfinite(lat) & np.isfinite(lon)
    if ok.any():
        ub = 2.0 * np.sin(min(max_km * 1000.0 / EARTH_RADIUS_M, np.pi) / 2.0)
        ub = np.inf if not np.isfinite(max_km) else ub
        chord, _ = tree.query(_unit_xyz(lat[ok], lon[ok]), distance_upper_bound=ub, workers=-1)
        out[ok] = 2.0 * EARTH_RADIUS_M / 1000.0 * np.arcsin(np.clip(chord / 2.0, 0.0, 1.0))
    return out


def _grid_nodes() -> tuple[np.ndarray, np.ndarray]:
    x0, y0, x1, y1 = DATA_BOUNDS
    r = SHORE_GRID_RES_DEG
    xs = x0 + r * np.arange(round((x1 - x0) / r) + 1)
    ys = y0 + r * np.arange(round((y1 - y0) / r) + 1)
    return xs, ys


def build_shore_grid(out_dir: str | Path | None = None) -> Path:
    """Compute the shipped shore-distance grid from the shipped land (exact at every node).

    Takes tens of seconds (far-from-shore nearest-vertex queries are the slow ones); run by
    ``vessels zones build-land``.
    """
    xs, ys = _grid_nodes()
    gx, gy = np.meshgrid(xs, ys)
    km = coast_distance_km(gy.ravel(), gx.ravel())
    land = is_on_land(gy.ravel(), gx.ravel())
    signed = np.where(land, -km, km).reshape(gx.shape)
    out = Path(out_dir) if out_dir is not None else data_dir()
    path = out / SHORE_GRID_FILE
    q = np.round(signed * 10).astype(np.int16)
    np.savez_compressed(path, first=q[:, 0], dx=np.diff(q, axis=1).astype(np.int16))
    return path


@lru_cache(maxsize=1)
def _shore_grid() -> np.ndarray:
    with np.load(data_dir() / SHORE_GRID_FILE) as z:
        first, dx = z["first"].astype(np.int32), z["dx"].astype(np.int32)
    q = np.concatenate([first[:, None], first[:, None] + np.cumsum(dx, axis=1)], axis=1)
    return q.astype(np.float32) / np.float32(10.0)


def _interp_grid(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """Bilinear interpolation of the node grid; NaN off the grid."""
    grid = _shore_grid()
    ny, nx = grid.shape
    x0, y0 = DATA_BOUNDS[0], DATA_BOUNDS[1]
    fx = (x - x0) / SHORE_GRID_RES_DEG
    fy = (y - y0) / SHORE_GRID_RES_DEG
    ok = (fx >= 0) & (fx <= nx - 1) & (fy >= 0) & (fy <= ny - 1)
    out = np.full(x.shape, np.nan)
    fx, fy = fx[ok], fy[ok]
    i = np.minimum(fx.astype(np.int64), nx - 2)
    j = np.minimum(fy.astype(np.int64), ny - 2)
    tx = fx - i
    ty = fy - j
    out[ok] = (grid[j, i] * (1 - tx) + grid[j, i + 1] * tx) * (1 - ty) + (
        grid[j + 1, i] * (1 - tx) + grid[j + 1, i + 1] * tx
    ) * ty
    return out


def shore_distance_km(
    lat: ArrayLike, lon: ArrayLike, *, config: ShoreConfig = DEFAULT_SHORE
) -> np.ndarray:
    """Signed distance to the nearest coastline in km: positive at sea, negative on land.

    Near the coast (``|d| < config.exact_within_km``) and outside the grid: great-circle distance
    to the Natural Earth 1:10m coastline densified to ``config.coast_spacing_deg`` (a k-d tree on
    unit vectors, so the nearest vertex is the true great-circle nearest). Farther out: bilinear
    interpolation of the same exact distance precomputed on a 0.05 deg grid. NaN coordinates give
    NaN.

    Examples
    --------
    >>> import numpy as np
    >>> km = shore_distance_km([13.0], [-105.0])  # far Pacific, ~550 km off Mexico
    >>> 500 < float(km[0]) < 600
    True
    """
    x, y = _as_xy(lat, lon)
    shape = x.shape
    x, y = x.ravel(), y.ravel()
    out = _interp_grid(x, y)
    ok = np.isfinite(x) & np.isfinite(y)
    need = ok & ~(np.abs(out) >= config.exact_within_km)  # near shore, or off the grid (NaN)
    if need.any():
        # the grid is within ~4 km of the truth near the coast: bound the search beyond that
        bound = config.exact_within_km + 5.0 if np.isfinite(config.exact_within_km) else np.inf
        km = coast_distance_km(y[need], x[need], config=config, max_km=bound)
        lost = ~np.isfinite(km)  # farther than the bound after all: measure without it
        if lost.any():
            km[lost] = coast_distance_km(y[need][lost], x[need][lost], config=config)
        # The sign: a bilinear interpolation of a 1-Lipschitz function is within half a cell
        # diagonal (< 4 km at 0.05 deg) of it, so |grid| above that already tells land from sea;
        # only the rest need the point-on-land test.
        grid_km = out[need]
        land = grid_km < 0
        unsure = ~(np.abs(grid_km) >= _SIGN_SAFE_KM)
        if unsure.any():
            land[unsure] = is_on_land(y[need][unsure], x[need][unsure], config=config)
        out[need] = np.where(land, -km, km)
    return out.reshape(shape)
