"""Build the shipped world land / inland-water / shore-distance arrays from GSHHG + WDBII.

The sources are the GSHHG 2.3 shorelines and WDBII rivers shipped by the PyPI package
``tracktable-data`` (~280 MB installed; an *optional* build-time dependency). The run time needs
only the compact arrays written here (:data:`vessels.zones._world.WORLD_FILE`).

Method (``vessels zones build-world``; deterministic; a few minutes, ~3 GB peak):

1. Every 30 arc-second pixel (1/120 deg, ~0.93 km) of the globe is classed by painting the
   GSHHG *high* resolution polygons in level order (PIL scan conversion, pixel centres): L1 land,
   L2 lakes, L3 islands in lakes, L4 ponds on islands, L5 Antarctica (ice front). Rivers (WDBII
   levels 1-3: double-lined, permanent major and additional major rivers; level 9: major canals;
   levels 4 and 5: additional and minor rivers, level 10: lesser canals) are drawn 2 pixels wide
   and turn land into inland water.
2. Land pixels within ``tolerance_km`` (1.5 km: the *shoreline uncertainty* of GSHHG *h* at
   30", see zones/README.md) of the sea (Euclidean distance transform on the pixel grid,
   km-scaled per latitude band) become the *shore band* (water for every purpose: berths, piers,
   docks and marina basins that a generalised coastline puts "on land"); land pixels within
   ``inland_tolerance_km`` (2 km) of a lake or major river and within ``minor_tolerance_km``
   (1 km) of a minor waterway become inland water.
3. The pixels are stored two-level: a 0.05 deg grid holds the class of uniform cells, and 6x6 pixel
   tiles only for the mixed ones.
4. Shore distance: the coastline, lake shores and river lines (same levels) densified to 0.01 deg
   are stored as vertices (1e-4 deg, delta-coded) for an exact nearest-vertex search near the coast,
   and the signed great-circle distance from them is precomputed at the nodes of a 0.1 deg grid
   (0.1 km units) for the open sea and the interior of continents.
"""

from __future__ import annotations

import itertools
import time
from pathlib import Path
from typing import Any

import numpy as np
import shapely
from scipy import ndimage

from vessels.errors import VesselsError

__all__ = ["build_world", "gshhg_dir"]

FINE_PER_DEG = 120  # pixels per degree
TILE = 6  # pixels per coarse cell side (coarse = 0.05 deg)
SEA, LAND, INLAND, SHORE_BAND, MIXED = 0, 1, 2, 3, 4
RIVER_LEVELS = ("01", "02", "03", "09")
#: WDBII levels of the minor waterways: 4 additional rivers, 5 minor rivers, 10 canals of lesser
#: importance. Real AIS runs on them (the Intracoastal Waterway and the Elizabeth River at
#: Norfolk, the Fraser at Vancouver, Louisiana's bayous). They are widened by the narrower
#: ``minor_tolerance_km`` (1 km), not ``inland_tolerance_km``: there are many more of them, and
#: widening them all by 2 km would turn whole river basins into "water".
MINOR_RIVER_LEVELS = ("04", "05", "10")
BAND_ROWS = 600  # 5 deg of latitude per painting band
PAD = 12  # rows of overlap above and below a band (for the distance transform)


def gshhg_dir() -> Path:
    """``python_info_data`` of the installed ``tracktable-data`` (GSHHG, WDBII, WPI).

    Raises a clear error naming the package when it is not installed."""
    try:
        import tracktable_data.python_info_data as info
    except ImportError as exc:
        raise VesselsError(
            "the world layers are built from GSHHG/WDBII/WPI in the PyPI package 'tracktable-data' "
            "(~280 MB, optional): pip install tracktable-data, then re-run. The shipped arrays in "
            "vessels/data/ are enough to *use* the layers."
        ) from exc
    return Path(info.__file__).resolve().parent


def _read(path: Path) -> np.ndarray:
    import pyogrio

    df = pyogrio.read_dataframe(path)
    return np.asarray(df.geometry.values)


def _sources(res: str, minor_rivers: bool = True) -> dict[str, Any]:
    d = gshhg_dir()
    out: dict[str, Any] = {}
    for lev in (1, 2, 3, 4, 5):
        out[f"L{lev}"] = _read(d / "GSHHS_shp" / res / f"GSHHS_{res}_L{lev}.shp")
    minor = MINOR_RIVER_LEVELS if minor_rivers else ()
    for key, levels in (("rivers", RIVER_LEVELS), ("minor_rivers", minor)):
        got = [_read(d / "WDBII_shp" / res / f"WDBII_river_{res}_L{lv}.shp") for lv in levels]
        out[key] = np.concatenate(got) if got else np.empty(0, dtype=object)
    return out


def _paint_band(
    img_h: int, lat_top: float, geoms: np.ndarray, tree: shapely.STRtree, fill: int, canvas: Any
) -> None:
    """Paint the polygons intersecting the band onto ``canvas`` (a PIL ImageDraw)."""
    from PIL import ImageDraw

    assert isinstance(canvas, ImageDraw.ImageDraw)
    lat_bot = lat_top - img_h / FINE_PER_DEG
    box = shapely.box(-180.0, lat_bot, 180.0, lat_top)
    for k in tree.query(box):
        g = shapely.clip_by_rect(geoms[k], -180.0, lat_bot, 180.0, lat_top)
        for part in shapely.get_parts(g):
            if part.geom_type != "Polygon" or part.is_empty:
                continue
            xy = shapely.get_coordinates(part.exterior)
            px = (xy[:, 0] + 180.0) * FINE_PER_DEG - 0.5
            py = (lat_top - xy[:, 1]) * FINE_PER_DEG - 0.5
            canvas.polygon(list(zip(px.tolist(), py.tolist(), strict=True)), fill=fill)


def _draw_paths(
    img_h: int, lat_top: float, xy: np.ndarray, start: np.ndarray, canvas: Any, width: int
) -> None:
    """Draw the paths (vertex runs split at ``start``) that reach the band."""
    lat_bot = lat_top - img_h / FINE_PER_DEG
    idx = np.flatnonzero((xy[:, 1] >= lat_bot - 0.05) & (xy[:, 1] <= lat_top + 0.05))
    if not idx.size:
        return
    new = np.ones(idx.size, dtype=bool)
    new[1:] = (np.diff(idx) != 1) | start[idx[1:]]
    cuts = [*np.flatnonzero(new).tolist(), idx.size]
    px = ((xy[idx, 0] + 180.0) * FINE_PER_DEG - 0.5).tolist()
    py = ((lat_top - xy[idx, 1]) * FINE_PER_DEG - 0.5).tolist()
    for a, b in itertools.pairwise(cuts):
        if b - a >= 2:
            canvas.line(list(zip(px[a:b], py[a:b], strict=True)), fill=1, width=width)
        else:
            canvas.point((px[a], py[a]), fill=1)


def classify_band(
    row0: int,
    nrows: int,
    src: dict[str, Any],
    trees: dict[str, Any],
    tolerance_km: float,
    paths: tuple[np.ndarray, np.ndarray, np.ndarray],
    inland_tolerance_km: float,
    minor_tolerance_km: float = 0.0,
) -> np.ndarray:
    """Pixel classes (SEA/LAND/INLAND/SHORE_BAND) of rows ``row0 .. row0+nrows`` (row 0 = 90 N)."""
    from PIL import Image, ImageDraw

    top = max(row0 - PAD, 0)
    bot = min(row0 + nrows + PAD, 180 * FINE_PER_DEG)
    h = bot - top
    w = 360 * FINE_PER_DEG
    lat_top = 90.0 - top / FINE_PER_DEG
    img = Image.new("L", (w, h), SEA)
    draw = ImageDraw.Draw(img)
    for lev, fill in (("L1", LAND), ("L5", LAND), ("L2", INLAND), ("L3", LAND), ("L4", INLAND)):
        _paint_band(h, lat_top, src[lev], trees[lev], fill, draw)
    # the shorelines themselves, drawn as lines: a channel, basin or river narrower than a
    # pixel has no water pixel of its own, but its shoreline still marks it
    q, start, kind = paths
    xy = q.astype(np.float64) / 1e4
    lines = {}
    for k, width in ((0, 1), (1, 1), (2, 2), (3, 2)):
        im = Image.new("L", (w, h), 0)
        sel = kind == k
        _draw_paths(h, lat_top, xy[sel], start[sel], ImageDraw.Draw(im), width)
        lines[k] = np.asarray(im, dtype=bool)
    cls = np.asarray(img, dtype=np.uint8).copy()
    cls[lines[2] & (cls == LAND)] = INLAND  # major rivers and canals
    inland_src = (cls == INLAND) | lines[1] | lines[2]  # what the inland tolerance widens
    cls[lines[3] & (cls == LAND)] = INLAND  # minor waterways: the drawn line only
    land = cls == LAND
    if land.any() and (~land).any():
        lat_mid = lat_top - h / 2 / FINE_PER_DEG
        km_y = 111.195 / FINE_PER_DEG
        km_x = km_y * max(np.cos(np.radians(lat_mid)), 0.02)
        sea = (cls == SEA) | lines[0]
        if sea.any():
            d_sea = ndimage.distance_transform_edt(~sea, sampling=(km_y, km_x))
            cls[land & (d_sea <= tolerance_km)] = SHORE_BAND
        if inland_src.any():
            d_in = ndimage.distance_transform_edt(~inland_src, sampling=(km_y, km_x))
            cls[(cls == LAND) & (d_in <= inland_tolerance_km)] = INLAND
        if minor_tolerance_km > 0 and lines[3].any():
            d_mi = ndimage.distance_transform_edt(~lines[3], sampling=(km_y, km_x))
            cls[(cls == LAND) & (d_mi <= minor_tolerance_km)] = INLAND
    return cls[row0 - top : row0 - top + nrows]


def _coast_paths(src: dict[str, Any]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Shoreline (L1-L5 rings) and river vertices at 1e-4 deg (int32, path order) and a flag
    per vertex that starts a new path. GSHHG's artificial edges (the antimeridian cut, Antarctica's
    polar closure) are cut out, so no vertex is invented along them."""
    parts = [shapely.boundary(src[lev]) for lev in ("L1", "L5", "L2", "L3", "L4")]
    parts.extend([src["rivers"], src["minor_rivers"]])
    kinds = [0, 0, 1, 1, 1, 2, 3]  # sea coast, lake shore, major river, minor waterway
    lines, kind = [], []
    for p, k in zip(parts, kinds, strict=True):
        got = shapely.get_parts(shapely.get_parts(p))
        lines.append(got)
        kind.append(np.full(len(got), k, dtype=np.int8))
    xy, idx = shapely.get_coordinates(np.concatenate(lines), return_index=True)
    vkind = np.concatenate(kind)[idx]
    q = np.round(xy * 1e4).astype(np.int32)
    start = np.ones(len(q), dtype=bool)
    start[1:] = idx[1:] != idx[:-1]
    fake = (np.abs(np.abs(xy[:, 0]) - 180.0) < 1e-9) | (xy[:, 1] < -89.99)
    start[1:] |= fake[:-1]  # a vertex after an artificial one starts a new path
    keep = ~fake
    start[1:] |= ~keep[:-1]
    q, start, vkind = q[keep], start[keep], vkind[keep]
    same = np.zeros(len(q), dtype=bool)
    same[1:] = (q[1:] == q[:-1]).all(axis=1) & ~start[1:]
    return q[~same], start[~same], vkind[~same]


def build_world(
    out_path: str | Path,
    *,
    res: str = "h",
    tolerance_km: float = 1.5,
    inland_tolerance_km: float = 2.0,
    spacing_deg: float = 0.01,
    rows: tuple[int, int] | None = None,
    distances_from: str | Path | None = None,
    minor_rivers: bool = True,
    minor_tolerance_km: float = 1.0,
    log: Any = print,
) -> Path:
    """Write the compact world arrays (``.npz``) from GSHHG/WDBII; see the module docstring.

    ``rows`` limits the painting to a range of pixel rows (regional checks).
    ``distances_from``: copy the shoreline vertices and the distance grid from an earlier build
    (they do not depend on the tolerances; saves the ~8 CPU-minutes of the grid).
    ``minor_rivers``: also draw WDBII levels 4, 5 and 10 (:data:`MINOR_RIVER_LEVELS`) as inland
    water, widened by ``minor_tolerance_km``. The defaults are those of the shipped file.
    """
    from vessels.zones._world import _unit_xyz_world, densify, pack_vertices

    t0 = time.perf_counter()
    src = _sources(res, minor_rivers)
    trees = {k: shapely.STRtree(v) for k, v in src.items()}
    nrow = 180 * FINE_PER_DEG
    r0, r1 = rows if rows is not None else (0, nrow)
    ny_c, nx_c = nrow // TILE, 360 * FINE_PER_DEG // TILE
    coarse = np.full((ny_c, nx_c), SEA, dtype=np.uint8)
    tiles: list[np.ndarray] = []
    tile_cells: list[np.ndarray] = []
    q, start, kind = _coast_paths(src)
    log(f"{len(q):,} shoreline vertices ({time.perf_counter() - t0:.0f} s)")
    for b0 in range(r0, r1, BAND_ROWS):
        n = min(BAND_ROWS, r1 - b0)
        tols = (inland_tolerance_km, minor_tolerance_km)
        cls = classify_band(b0, n, src, trees, tolerance_km, (q, start, kind), *tols)
        blocks = cls.reshape(n // TILE, TILE, nx_c, TILE).transpose(0, 2, 1, 3).reshape(-1, TILE**2)
        uniform = (blocks == blocks[:, :1]).all(axis=1)
        cvals = np.where(uniform, blocks[:, 0], MIXED).astype(np.uint8)
        coarse[b0 // TILE : (b0 + n) // TILE] = cvals.reshape(n // TILE, nx_c)
        mixed = np.flatnonzero(~uniform)
        tiles.append(blocks[mixed])
        tile_cells.append(mixed + (b0 // TILE) * nx_c)
        log(f"rows {b0}-{b0 + n}: {mixed.size} mixed cells ({time.perf_counter() - t0:.0f} s)")
    tile_arr = np.concatenate(tiles) if tiles else np.zeros((0, TILE**2), np.uint8)
    # tiles are stored in row-major order of their coarse cell, so the k-th MIXED cell owns tile k
    order = np.argsort(np.concatenate(tile_cells), kind="stable")
    tile_arr = tile_arr[order]
    if distances_from is not None:
        with np.load(distances_from) as z:
            kept = {k: z[k] for k in ("shore_first", "shore_dx", "vx", "vy", "vstart", "vn")}
        log(f"distances and vertices copied from {distances_from}")
    else:
        # shore distance is to every line drawn as water: the sea coast, lake shores, major
        # rivers and canals and the minor waterways (a boat on the Intracoastal Waterway is
        # metres from a bank, not "14 km from shore")
        dense = densify(q, start, spacing_deg)
        grid = _distance_grid(dense, coarse, tile_arr, _unit_xyz_world)
        log(f"distance grid done ({time.perf_counter() - t0:.0f} s)")
        kept = {
            "shore_first": grid[:, 0],
            "shore_dx": np.diff(grid, axis=1).astype(np.int16),
            **pack_vertices(q, start),
        }
    out = Path(out_path)
    minor = minor_tolerance_km if minor_rivers else -1.0
    meta = [FINE_PER_DEG, TILE, tolerance_km, spacing_deg, 0.1, inland_tolerance_km, minor]
    np.savez_compressed(
        out,
        coarse=coarse,
        tiles=tile_arr.astype(np.uint8),
        meta=np.array(meta, dtype=np.float64),
        **kept,
    )
    log(f"wrote {out} ({out.stat().st_size / 1e6:.1f} MB, {time.perf_counter() - t0:.0f} s)")
    return out


def _distance_grid(
    q: np.ndarray, coarse: np.ndarray, tiles: np.ndarray, unit_xyz: Any
) -> np.ndarray:
    """Signed distance (0.1 km, int16) at the 0.1 deg nodes (lat -90..90, lon -180..180)."""
    from scipy.spatial import cKDTree

    from vessels._geo import km_of_chord
    from vessels.zones._world import classify_with

    xy = q
    tree = cKDTree(unit_xyz(xy[:, 1], xy[:, 0]))
    lons = -180.0 + 0.1 * np.arange(3601)
    lats = -90.0 + 0.1 * np.arange(1801)
    out = np.zeros((lats.size, lons.size), dtype=np.int16)
    for j0 in range(0, lats.size, 100):
        gy, gx = np.meshgrid(lats[j0 : j0 + 100], lons, indexing="ij")
        chord, _ = tree.query(unit_xyz(gy.ravel(), gx.ravel()), workers=-1)
        km = km_of_chord(chord)
        land = classify_with(coarse, tiles, gy.ravel(), gx.ravel()) == LAND
        signed = np.where(land, -km, km)
        out[j0 : j0 + 100] = np.round(signed * 10).reshape(gy.shape).astype(np.int16)
    return out
