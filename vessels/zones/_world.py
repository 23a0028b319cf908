"""World land, inland water and shore distance, valid for every latitude and longitude.

Run-time half of the world layer (the builder is :mod:`vessels.zones._world_build`). One file,
:data:`WORLD_FILE` in ``vessels/data/``, derived from GSHHG 2.3 (high resolution; LGPL) and WDBII
rivers, holds:

* a 30 arc-second (~0.93 km) class raster of the globe, stored two-level (a 0.05 deg grid of
  uniform cells plus 6x6-pixel tiles for the mixed ones): sea, land, inland water (lakes, rivers
  and canals of WDBII levels 1-5, 9 and 10) and the *shore band* (land within 1.5 km of the sea,
  the shoreline uncertainty of GSHHG *h* at 30": harbour berths, piers, docks and marina basins
  that a generalised coastline puts on land; it counts as water);
* the shoreline (coast, lake shores, river and canal lines) densified to 0.01 deg, for an exact
  nearest-vertex distance near the coast;
* the signed distance at the nodes of a 0.1 deg grid, interpolated far from the coast.

A class lookup costs two array reads per point; the antimeridian and the poles need nothing special
(longitudes wrap, latitudes clamp).

Examples
--------
>>> import numpy as np
>>> geo_class_codes(np.array([41.88, 0.0]), np.array([-87.5, -140.0])).tolist()  # Lake Michigan
[2, 0]
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np
from scipy.spatial import cKDTree

from vessels._geo import chord_of_km, km_of_chord
from vessels._geo import unit_xyz as _unit_xyz_world
from vessels.zones import _cache, _shoretree
from vessels.zones._naturalearth import data_dir

__all__ = [
    "INLAND",
    "LAND",
    "SEA",
    "SHORE_BAND",
    "WORLD_FILE",
    "geo_class_codes",
    "prepare_shore_cells",
    "prepare_shore_km",
    "world_shore_km",
]

WORLD_FILE = "world_gshhg_30s.npz"
SEA, LAND, INLAND, SHORE_BAND, MIXED = 0, 1, 2, 3, 4
_FINE = 120
_TILE = 6
_GRID_RES = 0.1


def pack_vertices(q: np.ndarray, start: np.ndarray) -> dict[str, np.ndarray]:
    """Delta-code (n, 2) int32 vertices (1e-4 deg, path order) with their path-start flags."""
    d = np.diff(q, axis=0, prepend=np.zeros((1, 2), dtype=q.dtype))
    return {
        "vx": d[:, 0].astype(np.int32),
        "vy": d[:, 1].astype(np.int32),
        "vstart": np.packbits(start),
        "vn": np.array([len(q)], dtype=np.int64),
    }


def _unpack_vertices(z: Any) -> tuple[np.ndarray, np.ndarray]:
    q = np.column_stack([np.cumsum(z["vx"].astype(np.int64)), np.cumsum(z["vy"].astype(np.int64))])
    start = np.unpackbits(z["vstart"])[: int(z["vn"][0])].astype(bool)
    return q, start


def densify(q: np.ndarray, start: np.ndarray, spacing_deg: float) -> np.ndarray:
    """(n, 2) lon/lat degrees of the paths in ``q`` (1e-4 deg units) with extra vertices so that
    consecutive vertices of a path are at most ``spacing_deg`` apart (vectorised)."""
    xy = q.astype(np.float64) / 1e4
    seg = np.flatnonzero(~start[1:])  # segment i -> i+1 inside one path
    d = np.hypot(*(xy[seg + 1] - xy[seg]).T)
    n_in = np.ceil(d / spacing_deg).astype(np.int64) - 1
    long = n_in > 0
    seg, n_in = seg[long], n_in[long]
    rep = np.repeat(np.arange(seg.size), n_in)
    k = np.arange(rep.size) - np.repeat(np.cumsum(n_in) - n_in, n_in) + 1
    t = (k / (n_in[rep] + 1))[:, None]
    extra = xy[seg[rep]] * (1 - t) + xy[seg[rep] + 1] * t
    return np.concatenate([xy, extra])


def _build_arrays() -> dict[str, np.ndarray]:
    """Decode :data:`WORLD_FILE`: raster, distance grid and the densified shoreline (sorted by
    1-degree cell for :mod:`vessels.zones._shoretree`)."""
    path = data_dir() / WORLD_FILE
    with np.load(path) as z:
        coarse = z["coarse"]
        tiles = z["tiles"]
        first = z["shore_first"].astype(np.int32)
        dx = z["shore_dx"].astype(np.int32)
        q, start = _unpack_vertices(z)
        spacing = float(z["meta"][3])
    verts = densify(q, start, spacing)
    cell = _shoretree.shore_cells(verts[:, 1], verts[:, 0])
    order = np.argsort(cell, kind="stable")
    grid = np.concatenate([first[:, None], first[:, None] + np.cumsum(dx, axis=1)], axis=1)
    return {
        "coarse": coarse,
        "tiles": tiles,
        "mixed": np.flatnonzero(coarse.ravel() == MIXED),
        "grid": grid.astype(np.float32) / np.float32(10.0),
        "verts": verts[order],
        "cell_start": _shoretree.cell_starts(cell[order]),
    }


@lru_cache(maxsize=1)
def _arrays() -> dict[str, Any]:
    # decoded once per machine (vessels.zones._cache), keyed by the data file and this code
    parts: list[bytes | str | Path] = [
        data_dir() / WORLD_FILE,
        Path(__file__),
        Path(_shoretree.__file__),
        np.__version__,
    ]
    return _cache.cached_arrays("world", parts, _build_arrays)


@lru_cache(maxsize=1)
def _trees() -> _shoretree.ShoreTrees:
    a = _arrays()
    return _shoretree.ShoreTrees(a["verts"], a["cell_start"], _unit_xyz_world)


def _tree() -> cKDTree:
    return _trees().full()


def _mod_outside(a: np.ndarray, m: float) -> np.ndarray:
    """``np.mod(a, m)`` in place, computed only where ``a`` is not already in ``[0, m)`` (for
    those values it is ``a`` itself): the float modulo is the costliest of the per-point
    operations and longitudes rarely need it. ``a`` must be a temporary of the caller.

    Examples
    --------
    >>> a = np.array([-1.0, 0.0, 359.5, 360.0, 725.0, np.nan])
    >>> _mod_outside(a.copy(), 360.0).tolist()[:5] == np.mod(a, 360.0).tolist()[:5]
    True
    """
    out = ~((a >= 0.0) & (a < m))  # NaN too
    if out.any():
        a[out] = np.mod(a[out], m)
    return a


def _pixels(lat: np.ndarray, lon: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    r = np.floor((90.0 - lat) * _FINE)
    c = np.floor((lon + 180.0) * _FINE)
    r = np.clip(np.nan_to_num(r, copy=False, nan=0.0), 0, 180 * _FINE - 1).astype(np.int64)
    c = _mod_outside(np.nan_to_num(c, copy=False, nan=0.0), 360 * _FINE).astype(np.int64)
    return r, c


def classify_with(
    coarse: np.ndarray,
    tiles: np.ndarray,
    lat: np.ndarray,
    lon: np.ndarray,
    mixed: np.ndarray | None = None,
) -> np.ndarray:
    """Pixel class (SEA/LAND/INLAND/SHORE_BAND) per point from explicit arrays."""
    r, c = _pixels(lat, lon)
    nx = coarse.shape[1]
    cell = (r // _TILE) * nx + (c // _TILE)
    out = coarse.ravel()[cell].copy()
    m = np.flatnonzero(out == MIXED)
    if m.size:
        mixed = np.flatnonzero(coarse.ravel() == MIXED) if mixed is None else mixed
        k = np.searchsorted(mixed, cell[m])
        out[m] = tiles[k, (r[m] % _TILE) * _TILE + (c[m] % _TILE)]
    return out


def geo_class_codes(lat: Any, lon: Any) -> np.ndarray:
    """Pixel class per point: 0 sea, 1 land, 2 inland water, 3 shore band (water within 1.5 km
    of the coast on the land side of GSHHG). NaN coordinates give 0 (callers mask them).

    Examples
    --------
    >>> import numpy as np
    >>> geo_class_codes(np.array([30.0, 90.0, -90.0]), np.array([31.0, 0.0, 180.0])).tolist()
    [1, 0, 1]
    """
    a = _arrays()
    y = np.asarray(lat, dtype=np.float64)
    x = np.asarray(lon, dtype=np.float64)
    return classify_with(a["coarse"], a["tiles"], y.ravel(), x.ravel(), a["mixed"]).reshape(y.shape)


def _interp(lat: np.ndarray, lon: np.ndarray) -> np.ndarray:
    grid = _arrays()["grid"]
    ny, nx = grid.shape
    fy = np.clip((lat + 90.0) / _GRID_RES, 0, ny - 1)
    fx = _mod_outside(lon + 180.0, 360.0)
    fx /= _GRID_RES
    i = np.minimum(fx.astype(np.int64), nx - 2)
    j = np.minimum(fy.astype(np.int64), ny - 2)
    tx = fx - i
    ty = fy - j
    # the four corners gathered from the flat grid (one index, no 2-D fancy indexing); the
    # same float32 values and the same float64 arithmetic, term by term
    flat = grid.ravel()
    k = j * nx + i
    g00 = flat.take(k)
    g01 = flat.take(k + 1)
    k += nx
    g10 = flat.take(k)
    g11 = flat.take(k + 1)
    ux = 1 - tx
    return (g00 * ux + g01 * tx) * (1 - ty) + (g10 * ux + g11 * tx) * ty


def _exact_km(lat: np.ndarray, lon: np.ndarray, bound_km: float = np.inf) -> np.ndarray:
    ub = np.inf
    if np.isfinite(bound_km):
        ub = chord_of_km(bound_km)
    # a regional tree around the points answers a bounded query exactly (see _shoretree)
    tree = _trees().for_points(lat, lon, bound_km)
    chord, _ = tree.query(_unit_xyz_world(lat, lon), distance_upper_bound=ub, workers=-1)
    return km_of_chord(chord)


def prepare_shore_km(lat: Any, lon: Any, *, exact_within_km: float = 10.0) -> None:
    """Build, once, the regional shoreline tree that :func:`world_shore_km` of these points (or
    of any subset of them, e.g. batch after batch) will query.

    :func:`world_shore_km` widens the regional tree (:mod:`vessels.zones._shoretree`) to the cells
    each call needs, so labelling a run batch by batch rebuilds it whenever a batch reaches new
    coasts (ten builds of 0.5-0.64 M vertices, 1.3 CPU s, at 10 M positions); built here for every
    point's cell at once, the later calls find it covers them. The distances are the same: a
    bounded query reaches only vertices within the bound, which every such tree holds.

    Examples
    --------
    >>> import numpy as np
    >>> lat, lon = np.array([21.0, 40.6]), np.array([-90.0, -74.0])
    >>> prepare_shore_km(lat, lon)
    >>> bool(np.all(world_shore_km(lat[1:], lon[1:]) == world_shore_km(lat, lon)[1:]))
    True
    """
    y = np.asarray(lat, dtype=np.float64).ravel()
    x = np.asarray(lon, dtype=np.float64).ravel()
    ok = np.isfinite(x) & np.isfinite(y)
    if ok.any():
        prepare_shore_cells(_shoretree.shore_cells(y[ok], x[ok]), exact_within_km=exact_within_km)


def prepare_shore_cells(cells: Any, *, exact_within_km: float = 10.0) -> None:
    """:func:`prepare_shore_km` of points given by their 1-degree cells
    (:func:`vessels.zones._shoretree.shore_cells`, or ``shore_cell_expr`` in a scan of a file's
    positions: the same tree, without the points' coordinates in memory).

    Examples
    --------
    >>> import numpy as np
    >>> from vessels.zones._shoretree import shore_cells
    >>> lat, lon = np.array([21.0, 40.6]), np.array([-90.0, -74.0])
    >>> prepare_shore_cells(np.unique(shore_cells(lat, lon)))
    >>> bool(np.all(world_shore_km(lat[1:], lon[1:]) == world_shore_km(lat, lon)[1:]))
    True
    """
    cells = np.asarray(cells, dtype=np.int64).ravel()
    if cells.size:  # world_shore_km's bounded query reaches exact_within_km + 10 km
        _trees().for_cells(cells, exact_within_km + 10.0)


def world_shore_km(
    lat: Any, lon: Any, codes: np.ndarray | None = None, *, exact_within_km: float = 10.0
) -> np.ndarray:
    """Signed great-circle distance (km) to the nearest shoreline: the sea coast, a lake shore or a
    river or canal line (GSHHG/WDBII). Positive in any water (sea, shore band, inland water),
    negative on land; NaN for NaN coordinates.

    Points whose interpolated 0.1 deg grid distance is below ``exact_within_km`` are measured
    exactly against the shoreline densified to 0.01 deg (k-d tree on unit vectors: error below
    ~0.55 km at the coast, less offshore); farther points keep the bilinear interpolation of the
    exact node distances (error at most half a cell diagonal, < 8 km; see docs/zones.md).

    Examples
    --------
    >>> import numpy as np
    >>> km = world_shore_km(np.array([-48.88, 0.0]), np.array([-123.39, 0.0]))  # Point Nemo
    >>> bool(2600 < km[0] < 2750), bool(500 < km[1] < 700)  # and the Gulf of Guinea at 0, 0
    (True, True)
    """
    y = np.asarray(lat, dtype=np.float64).ravel()
    x = np.asarray(lon, dtype=np.float64).ravel()
    shape = np.shape(lat)
    ok = np.isfinite(x) & np.isfinite(y)
    codes = geo_class_codes(y, x) if codes is None else np.asarray(codes).ravel()
    out = np.full(y.shape, np.nan)
    km = np.abs(_interp(y[ok], x[ok]))
    need = km < exact_within_km
    if need.any():
        sub = _exact_km(y[ok][need], x[ok][need], exact_within_km + 10.0)
        lost = ~np.isfinite(sub)
        if lost.any():
            sub[lost] = _exact_km(y[ok][need][lost], x[ok][need][lost])
        km[need] = sub
    out[ok] = np.where(codes[ok] == LAND, -km, km)
    return out.reshape(shape)
