"""Nearest-shoreline-vertex trees over only the part of the world a run needs (private).

The densified world shoreline has about 4.3 million vertices; a k-d tree over all of them takes
seconds to build, more than labelling a whole small file. A distance query bounded by ``bound_km``
only ever reaches vertices within ``bound_km`` of the query point, so a tree over the vertices of
the 1-degree cells around the query points answers it exactly as the whole-world tree would (the
same vertices within reach, the same float64 coordinates, hence the same distances).

:class:`ShoreTrees` keeps one such regional tree and widens it when a later batch needs cells it
does not cover; past :data:`FULL_SHARE` of all vertices it builds the whole-world tree instead.
Unbounded queries always use the whole-world tree.

Examples
--------
>>> import numpy as np
>>> far = [[-170.0 + k, 60.0] for k in range(10)]  # lon, lat: ten vertices off Alaska
>>> verts = np.array([[10.0, 0.0], [10.5, 0.5], *far])
>>> cell = shore_cells(verts[:, 1], verts[:, 0])
>>> order = np.argsort(cell, kind="stable")
>>> trees = ShoreTrees(verts[order], cell_starts(cell[order]))
>>> tree = trees.for_points(np.array([0.1]), np.array([10.1]), bound_km=20.0)
>>> tree.n  # only the two vertices near (0.1, 10.1)
2
"""

from __future__ import annotations

import math
import threading
from collections.abc import Callable

import numpy as np
import polars as pl
from scipy.spatial import cKDTree

from vessels._geo import EARTH_RADIUS_M
from vessels._geo import unit_xyz as _unit_xyz

__all__ = ["FULL_SHARE", "N_CELLS", "ShoreTrees", "cell_starts", "shore_cell_expr", "shore_cells"]

_NY, _NX = 180, 360
N_CELLS = _NY * _NX
#: above this share of all vertices a regional tree is not worth it: build the world's tree
FULL_SHARE = 0.5


def shore_cells(lat: np.ndarray, lon: np.ndarray) -> np.ndarray:
    """1-degree cell id per point (row from the south pole, longitude wrapped)."""
    r = np.clip(np.floor(np.asarray(lat, dtype=np.float64) + 90.0), 0, _NY - 1).astype(np.int64)
    c = np.mod(np.floor(np.asarray(lon, dtype=np.float64) + 180.0), _NX).astype(np.int64)
    return r * _NX + c


def shore_cell_expr(lat: pl.Expr, lon: pl.Expr) -> pl.Expr:
    """:func:`shore_cells` as a polars expression (Int64; finite coordinates): the cells of a
    file's positions are found in a scan, without 10 M-element NumPy temporaries.

    Examples
    --------
    >>> df = pl.DataFrame({"lat": [-90.0, 0.5, 89.99], "lon": [-180.0, 179.5, 180.0]})
    >>> df.select(shore_cell_expr(pl.col("lat"), pl.col("lon"))).to_series().to_list()
    [0, 32759, 64440]
    >>> shore_cells(df["lat"].to_numpy(), df["lon"].to_numpy()).tolist()
    [0, 32759, 64440]
    """
    row = (lat.cast(pl.Float64) + 90.0).floor().clip(0, _NY - 1).cast(pl.Int64)
    col = ((lon.cast(pl.Float64) + 180.0).floor() % _NX).cast(pl.Int64)  # floor modulo
    return row * _NX + col


def cell_starts(sorted_cells: np.ndarray) -> np.ndarray:
    """Offsets (N_CELLS + 1) of each cell's run in vertices sorted by cell."""
    return np.searchsorted(sorted_cells, np.arange(N_CELLS + 1)).astype(np.int64)


def _reach(needed: np.ndarray, bound_km: float) -> np.ndarray:
    """(NY, NX) mask of the cells holding every point within ``bound_km`` of a point in a
    ``needed`` cell (a little wider: 0.1 % on the radius, whole cells)."""
    delta = min(bound_km * 1.001 * 1000.0 / EARTH_RADIUS_M, math.pi)
    kr = math.ceil(math.degrees(delta))
    out = np.zeros((_NY, _NX), dtype=bool)
    for r in np.flatnonzero(needed.any(axis=1)).tolist():
        phi = math.radians(max(abs(r - 90), abs(r - 89)))  # highest |lat| of the row
        cos_phi = math.cos(phi)
        rows = slice(max(r - kr, 0), min(r + kr, _NY - 1) + 1)
        if cos_phi <= math.sin(delta) or delta >= math.pi / 2:
            out[rows, :] = True  # the cap reaches a pole or every longitude
            continue
        kc = math.ceil(math.degrees(math.asin(math.sin(delta) / cos_phi)))
        if 2 * kc + 1 >= _NX:
            out[rows, :] = True
            continue
        cols = np.flatnonzero(needed[r])
        wide = np.unique(np.mod(cols[:, None] + np.arange(-kc, kc + 1), _NX))
        out[rows, wide] = True
    return out


class ShoreTrees:
    """k-d trees (unit vectors) over the shoreline vertices, regional or whole-world.

    Parameters
    ----------
    verts
        (n, 2) lon/lat degrees, sorted by :func:`shore_cells`.
    starts
        :func:`cell_starts` of the sorted cell ids.
    xyz
        lat/lon degrees -> (n, 3) unit vectors (the function the queries use).
    """

    def __init__(
        self,
        verts: np.ndarray,
        starts: np.ndarray,
        xyz: Callable[[np.ndarray, np.ndarray], np.ndarray] | None = None,
    ) -> None:
        self.verts = verts
        self.starts = starts
        self.xyz = xyz or _unit_xyz
        self._lock = threading.Lock()
        self._covered = np.zeros((_NY, _NX), dtype=bool)
        self._regional: cKDTree | None = None
        self._full: cKDTree | None = None

    def full(self) -> cKDTree:
        """The whole-world tree (built once)."""
        with self._lock:
            if self._full is None:
                self._full = cKDTree(self.xyz(self.verts[:, 1], self.verts[:, 0]))
            return self._full

    def for_points(self, lat: np.ndarray, lon: np.ndarray, bound_km: float) -> cKDTree:
        """A tree holding every vertex within ``bound_km`` of every point (finite lat/lon)."""
        if not np.isfinite(bound_km):
            return self.full()
        return self.for_cells(shore_cells(lat, lon), bound_km)

    def for_cells(self, cells: np.ndarray, bound_km: float) -> cKDTree:
        """A tree holding every vertex within ``bound_km`` of every point of the 1-degree
        ``cells`` (:func:`shore_cells` of the points; repeats allowed)."""
        if not np.isfinite(bound_km):
            return self.full()
        needed = np.zeros(N_CELLS, dtype=bool)
        needed[cells] = True
        reach = _reach(needed.reshape(_NY, _NX), bound_km)
        with self._lock:
            if self._full is not None:
                return self._full
            if self._regional is not None and not (reach & ~self._covered).any():
                return self._regional
            covered = self._covered | reach
            cells = np.flatnonzero(covered.ravel())
            lo, hi = self.starts[cells], self.starts[cells + 1]
            lens = hi - lo
            total = int(lens.sum())
            if total > FULL_SHARE * len(self.verts):
                self._full = cKDTree(self.xyz(self.verts[:, 1], self.verts[:, 0]))
                return self._full
            shift = lo - np.concatenate([[0], np.cumsum(lens)[:-1]])
            idx = np.repeat(shift, lens) + np.arange(total, dtype=np.int64)
            v = self.verts[idx]
            self._regional = cKDTree(self.xyz(v[:, 1], v[:, 0]) if total else np.zeros((0, 3)))
            self._covered = covered
            return self._regional
