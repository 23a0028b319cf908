"""Grid prefilter for fast point-in-polygon (private).

A polygon's bounding box is cut into square cells of ``res_deg``. Cells the boundary passes
through (found from the densified boundary, dilated by one cell so no crossing is missed) are
*boundary* cells; every other cell lies wholly inside or wholly outside, and a connected run of such
cells shares one answer, so one representative point per run is tested. A query point then costs an
array lookup, and only points in boundary cells go to the exact ``shapely.contains_xy``.

Thread safety: ``label_zones`` runs inside a polars ``map_batches`` UDF, which polars calls from
several threads at once, and ``shapely.contains_xy`` releases the GIL. GEOS prepared geometries
are not thread-safe (libgeos/geos#825, still so in GEOS 3.14.1 under shapely 2.2): two threads
querying one prepared polygon corrupt the heap ("malloc(): unaligned tcache chunk detected",
SIGABRT or SIGSEGV, about once in 40 runs of a 700 k-row ``vessels score``). Every exact test
therefore holds :data:`GEOS_LOCK`; the lookups around it stay parallel.

Examples
--------
>>> import numpy as np, shapely
>>> grid = GridIndex.build(shapely.box(0, 0, 10, 10), res_deg=1.0)
>>> grid.contains(np.array([5.0, 0.5, 10.5, np.nan]), np.array([5.0, 0.5, 5.0, 1.0])).tolist()
[True, True, False, False]
"""

from __future__ import annotations

import threading
from dataclasses import dataclass

import numpy as np
import shapely
from scipy import ndimage
from shapely.geometry.base import BaseGeometry

__all__ = ["BOUNDARY", "GEOS_LOCK", "INSIDE", "OUTSIDE", "GridIndex"]

#: Held around every query of a shared prepared geometry (see the module docstring).
GEOS_LOCK = threading.Lock()

OUTSIDE, INSIDE, BOUNDARY = np.uint8(0), np.uint8(1), np.uint8(2)


@dataclass(frozen=True, eq=False)
class GridIndex:
    """Cell states of one (multi)polygon on a regular lon/lat grid."""

    geom: BaseGeometry
    x0: float
    y0: float
    res_deg: float
    state: np.ndarray  # (ny, nx) uint8: OUTSIDE, INSIDE, BOUNDARY

    @classmethod
    def build(cls, geom: BaseGeometry, res_deg: float) -> GridIndex:
        """Classify every cell of ``geom``'s bounding box (plus one cell of margin)."""
        shapely.prepare(geom)
        minx, miny, maxx, maxy = geom.bounds
        x0 = np.floor(minx / res_deg) * res_deg - res_deg
        y0 = np.floor(miny / res_deg) * res_deg - res_deg
        nx = int(np.ceil((maxx - x0) / res_deg)) + 2
        ny = int(np.ceil((maxy - y0) / res_deg)) + 2
        ring = shapely.segmentize(shapely.boundary(geom), res_deg / 2)
        xy = shapely.get_coordinates(ring)
        ix = np.clip(((xy[:, 0] - x0) // res_deg).astype(np.int64), 0, nx - 1)
        iy = np.clip(((xy[:, 1] - y0) // res_deg).astype(np.int64), 0, ny - 1)
        touched = np.zeros((ny, nx), dtype=bool)
        touched[iy, ix] = True
        boundary = ndimage.binary_dilation(touched, structure=np.ones((3, 3), dtype=bool))
        labels, n = ndimage.label(~boundary)
        state = np.full((ny, nx), BOUNDARY, dtype=np.uint8)
        if n:
            flat = labels.ravel()
            ids, first = np.unique(flat, return_index=True)
            keep = ids > 0
            ids, first = ids[keep], first[keep]
            cy, cx = np.divmod(first, nx)
            with GEOS_LOCK:
                inside = shapely.contains_xy(
                    geom, x0 + (cx + 0.5) * res_deg, y0 + (cy + 0.5) * res_deg
                )
            lut = np.zeros(n + 1, dtype=np.uint8)
            lut[ids] = np.where(inside, INSIDE, OUTSIDE)
            state = np.where(boundary, BOUNDARY, lut[labels]).astype(np.uint8)
        return cls(geom=geom, x0=float(x0), y0=float(y0), res_deg=res_deg, state=state)

    def cells(self, x: np.ndarray, y: np.ndarray) -> np.ndarray:
        """Cell state per point (OUTSIDE for points off the grid or NaN)."""
        ny, nx = self.state.shape
        fx = (x - self.x0) / self.res_deg
        fy = (y - self.y0) / self.res_deg
        ok = (fx >= 0) & (fx < nx) & (fy >= 0) & (fy < ny)  # False for NaN
        out = np.zeros(x.shape, dtype=np.uint8)
        out[ok] = self.state[fy[ok].astype(np.int64), fx[ok].astype(np.int64)]
        return out

    def contains(self, x: np.ndarray, y: np.ndarray) -> np.ndarray:
        """Exact ``contains_xy(geom, x, y)``: lookups first, shapely on boundary cells only."""
        x = np.asarray(x, dtype=np.float64)
        y = np.asarray(y, dtype=np.float64)
        st = self.cells(x, y)
        out = st == INSIDE
        b = st == BOUNDARY
        if b.any():
            xb, yb = x[b], y[b]
            with GEOS_LOCK:
                out[b] = shapely.contains_xy(self.geom, xb, yb)
        return out
