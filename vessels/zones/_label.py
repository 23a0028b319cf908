"""Label positions with their EEZ, the protected areas / AOIs containing them, and shore distance.

Adds to a frame of positions (``lat``/``lon`` in degrees):

``eez_iso3`` (String)
    Sovereign ISO3 of the EEZ containing the point (zones of kind ``eez``; the first in table order
    if two overlap); null on the high seas, outside every EEZ layer, or for null coordinates.
``zone_ids`` (List(String))
    ``zone_id`` of every protected area, no-take area and AOI containing the point, in table order;
    empty list when none.
``shore_km`` (Float64)
    Signed distance to the nearest shoreline of the world layer (GSHHG coast and lake shores,
    WDBII rivers and canals): positive in water, **negative on land**; 0 where the vessel's own
    track shows water the layer does not draw (:func:`vessels.zones.underway_water`).
``zone_edge_km`` (Float64, additive, for hysteresis)
    Distance to the nearest edge of any zone layer (EEZ or not), saturated at
    ``LabelConfig.edge_cap_km``. A change of ``eez_iso3`` or ``zone_ids`` between two positions
    is certain when the new position has ``zone_edge_km >= buffer`` (it is at least that far
    inside/outside every zone): an event layer confirms entries and exits only then, so a vessel
    jittering on a boundary does not generate hundreds of entries.

Point-in-zone uses a grid prefilter per zone (cells wholly inside/outside answered by lookup,
boundary cells by ``shapely.contains_xy``), so results equal exact point-in-polygon.

Examples
--------
>>> import polars as pl
>>> df = pl.DataFrame({"lat": [31.2, 22.45, 13.0], "lon": [-114.5, -89.7, -105.0]})
>>> out = label_zones(df)
>>> out["eez_iso3"].to_list()
['MEX', 'MEX', None]
>>> out["zone_ids"].to_list()
[['mx-rb-alto-golfo', 'aoi-upper-gulf'], ['mx-pn-arrecife-alacranes', 'aoi-campeche-bank'], []]
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import numpy as np
import polars as pl
import pyarrow as pa
import shapely
from scipy import ndimage
from scipy.spatial import cKDTree

from vessels import schema as S
from vessels._frames import as_polars
from vessels._geo import chord_of_km, km_of_chord
from vessels._geo import unit_xyz as _unit_xyz
from vessels.errors import SchemaError
from vessels.zones import _cache
from vessels.zones import _grid as _grid_module
from vessels.zones._grid import BOUNDARY, INSIDE, GridIndex
from vessels.zones._land import DEFAULT_SHORE, ShoreConfig
from vessels.zones._ports import _NX, ANCHORAGE_CELL_DEG, in_port_arrays, load_ports
from vessels.zones._underway import DEFAULT_UNDERWAY, UnderwayConfig, underway_water
from vessels.zones._world import INLAND, LAND, SHORE_BAND, geo_class_codes, world_shore_km

if TYPE_CHECKING:
    import geopandas as gpd

__all__ = ["ZONE_EDGE_KM", "LabelConfig", "ZoneIndex", "label_arrays", "label_zones"]

#: Additive column: distance (km) to the nearest zone edge, saturated at ``edge_cap_km``.
ZONE_EDGE_KM = "zone_edge_km"
#: Positions labelled per call of the NumPy core when labelling a DataFrame. Each call has a
#: fixed cost (the shoreline tree around its points, grown and rebuilt while the calls bring new
#: areas), so a frame's own chunks (often ~100 k rows, from Parquet row groups) cost twice the CPU
#: of a few large calls; a million points keep the per-call arrays to a few hundred MB.
EAGER_BATCH_ROWS = 1_000_000

F = TypeVar("F", pl.DataFrame, pl.LazyFrame)


@dataclass(frozen=True)
class LabelConfig:
    """Parameters of :func:`label_zones`.

    Attributes
    ----------
    grid_res_deg
        Cell size of the point-in-zone grid prefilter (0.05 deg ~ 5.5 km; measured: builds in
        well under a second per zone, and sends a few % of open-sea points to the exact test).
    edge_cap_km
        ``zone_edge_km`` is exact below this and saturates at it (5 km: well above AIS position
        noise of tens of metres and the ~1 km accuracy of the default layers' edges).
    edge_spacing_deg
        Zone boundaries are densified to this vertex spacing for ``zone_edge_km`` (0.005 deg,
        ~0.5 km; error at most ~0.25 km at the edge).
    shore
        Shore-distance settings (:class:`vessels.zones.ShoreConfig`).
    near_shore_km
        Sea positions nearer the shore than this are ``near_shore`` rather than ``open_sea``
        (5 km: inside most states' 12 nm territorial sea, where harbour approaches, moorings and
        coastal traffic lie).
    ports
        Label ``in_port`` / ``port_name`` from the World Port Index (``False``: never in port).
    """

    grid_res_deg: float = 0.05
    edge_cap_km: float = 5.0
    edge_spacing_deg: float = 0.005
    shore: ShoreConfig = DEFAULT_SHORE
    near_shore_km: float = 5.0
    ports: bool = True


DEFAULT_LABEL = LabelConfig()


def _ranges(lo: np.ndarray, hi: np.ndarray) -> np.ndarray:
    """Concatenation of ``arange(lo[i], hi[i])`` for all i, without a Python loop."""
    lens = np.maximum(hi - lo, 0)
    total = int(lens.sum())
    if total == 0:
        return np.zeros(0, dtype=np.int64)
    shift = lo - np.concatenate([[0], np.cumsum(lens)[:-1]])
    return np.repeat(shift, lens) + np.arange(total, dtype=np.int64)


class ZoneIndex:
    """Per-zone grid indexes of one zone table, plus a k-d tree of zone edges (reusable).

    Build it once and pass it to :func:`label_zones` for many frames (e.g. per partition).

    Examples
    --------
    >>> import geopandas as gpd, numpy as np, shapely
    >>> table = gpd.GeoDataFrame(
    ...     {"zone_id": ["box"], "name": ["a box"], "kind": ["aoi"], "iso3": [None],
    ...      "source": ["doc"], "licence": ["MIT"], "accuracy": ["exact"]},
    ...     geometry=[shapely.box(-90, 20, -89, 21)], crs="EPSG:4326")
    >>> index = ZoneIndex(table)
    >>> rows, ks = index.areas(np.array([-89.5, -80.0]), np.array([20.5, 20.5]))
    >>> rows.tolist(), [index.area_ids[k] for k in ks]
    ([0], ['box'])
    """

    #: up to this many non-EEZ zones, each zone tests every point; above, points are bucketed
    SMALL_LAYER = 8

    def __init__(self, zones: gpd.GeoDataFrame, config: LabelConfig = DEFAULT_LABEL) -> None:
        missing = [c for c in S.ZONE_TABLE_COLUMNS if c not in zones.columns]
        if missing:
            raise SchemaError(f"zone table: missing columns {missing}")
        self.config = config
        kinds = zones[S.ZONE_KIND].to_numpy()
        geoms = zones.geometry.to_numpy()
        self.eez_iso3 = [str(v) for v in zones[S.ZONE_ISO3].to_numpy()[kinds == "eez"]]
        self.area_ids = [str(v) for v in zones[S.ZONE_ID].to_numpy()[kinds != "eez"]]
        is_eez = np.asarray(kinds == "eez", dtype=bool)
        # the grids and canvases are a pure function of the geometries and the config: built
        # once per machine and read back from vessels.zones._cache afterwards
        parts = [
            *(shapely.to_wkb(g, byte_order=1) for g in geoms),
            is_eez.tobytes(),
            repr(config),
            Path(__file__),
            Path(_grid_module.__file__),
            np.__version__,
            shapely.geos_version_string,
        ]
        arrays = _cache.cached_arrays(
            "zoneindex", parts, lambda: self._build_arrays(geoms[is_eez], geoms[~is_eez])
        )
        self._from_arrays(arrays, geoms[is_eez], geoms[~is_eez])
        edges = shapely.segmentize(shapely.boundary(geoms), config.edge_spacing_deg)
        xy = shapely.get_coordinates(edges)
        self._edge_tree = cKDTree(_unit_xyz(xy[:, 1], xy[:, 0])) if len(xy) else None

    def _build_arrays(self, eez: np.ndarray, areas: np.ndarray) -> dict[str, np.ndarray]:
        """Build the grids and canvases and pack them as plain arrays (for the cache)."""
        res = self.config.grid_res_deg
        self.eez_grids = [GridIndex.build(g, res) for g in eez]
        self.area_grids = [GridIndex.build(g, res) for g in areas]
        self._build_canvas()
        grids = self.eez_grids + self.area_grids
        return {
            "grid_origin": np.array([[g.x0, g.y0] for g in grids], dtype=np.float64).reshape(-1, 2),
            "grid_shape": np.array([g.state.shape for g in grids], dtype=np.int64).reshape(-1, 2),
            "grid_state": np.concatenate([g.state.ravel() for g in grids])
            if grids
            else np.zeros(0, dtype=np.uint8),
            "canvas_origin": np.array([self._x0, self._y0], dtype=np.float64),
            "eez_canvas": self._eez_canvas,
            "near_canvas": self._near_canvas,
        }

    def _from_arrays(self, a: dict[str, np.ndarray], eez: np.ndarray, areas: np.ndarray) -> None:
        """Grids and canvases from :meth:`_build_arrays`' arrays (freshly built or cached)."""
        geoms = [*eez, *areas]
        if len(a["grid_shape"]) != len(geoms):
            raise ValueError("zone index arrays do not match the zone table")
        ends = np.cumsum(a["grid_shape"].prod(axis=1))
        grids = []
        for k, g in enumerate(geoms):
            shapely.prepare(g)
            shape = tuple(int(v) for v in a["grid_shape"][k])
            x0, y0 = (float(v) for v in a["grid_origin"][k])
            state = a["grid_state"][(ends[k - 1] if k else 0) : ends[k]].reshape(shape)
            res = self.config.grid_res_deg
            grids.append(GridIndex(geom=g, x0=x0, y0=y0, res_deg=res, state=state))
        self.eez_grids = grids[: len(eez)]
        self.area_grids = grids[len(eez) :]
        self._x0, self._y0 = (float(v) for v in a["canvas_origin"])
        self._eez_canvas = a["eez_canvas"]
        self._near_canvas = a["near_canvas"]

    def _build_canvas(self) -> None:
        """One grid over all zones: the EEZ code of cells wholly inside one EEZ (-1 none,
        -2 needs the exact test), and the cells that may lie within edge_cap_km of any edge."""
        r = self.config.grid_res_deg
        grids = self.eez_grids + self.area_grids
        if not grids:
            self._x0 = self._y0 = 0.0
            self._eez_canvas = np.full((1, 1), -1, dtype=np.int16)
            self._near_canvas = np.zeros((1, 1), dtype=bool)
            return
        # the near-edge mask reaches ``pad`` cells beyond each zone's own grid
        pad = max(self._extra_cells(g) for g in grids)
        x0 = min(g.x0 for g in grids) - pad * r
        y0 = min(g.y0 for g in grids) - pad * r
        nx = max(round((g.x0 - x0) / r) + g.state.shape[1] for g in grids) + pad
        ny = max(round((g.y0 - y0) / r) + g.state.shape[0] for g in grids) + pad
        eez = np.full((ny, nx), -1, dtype=np.int16)
        near = np.zeros((ny, nx), dtype=bool)

        def window(g: GridIndex, grow: int = 0) -> tuple[slice, slice]:
            ox, oy = round((g.x0 - x0) / r) - grow, round((g.y0 - y0) / r) - grow
            h, w = g.state.shape
            return slice(oy, oy + h + 2 * grow), slice(ox, ox + w + 2 * grow)

        for k, g in enumerate(self.eez_grids):
            win = eez[window(g)]  # a view: edits land in ``eez``
            free = win == -1
            win[free & (g.state == INSIDE)] = k
            win[free & (g.state == BOUNDARY)] = -2
        for g in grids:
            near[window(g, pad)] |= self._near_mask(g, pad)
        self._x0, self._y0 = float(x0), float(y0)
        self._eez_canvas, self._near_canvas = eez, near

    def _cells(self, x: np.ndarray, y: np.ndarray) -> np.ndarray:
        """Flat canvas cell per point, -1 off the canvas (or NaN)."""
        ny, nx = self._eez_canvas.shape
        fx = (x - self._x0) / self.config.grid_res_deg
        fy = (y - self._y0) / self.config.grid_res_deg
        ok = (fx >= 0) & (fx < nx) & (fy >= 0) & (fy < ny)
        out = np.full(x.shape, -1, dtype=np.int64)
        out[ok] = fy[ok].astype(np.int64) * nx + fx[ok].astype(np.int64)
        return out

    def _extra_cells(self, grid: GridIndex) -> int:
        """Cells of dilation that cover edge_cap_km at the zone's highest latitude."""
        y_max = max(abs(grid.y0), abs(grid.y0 + grid.state.shape[0] * grid.res_deg), 1.0)
        km_per_cell = grid.res_deg * 111.0 * np.cos(np.radians(min(y_max, 85.0)))
        return int(np.ceil(self.config.edge_cap_km / km_per_cell)) + 1

    def _near_mask(self, grid: GridIndex, pad: int) -> np.ndarray:
        """Cells that may lie within edge_cap_km of this zone's edge, on the grid padded by
        ``pad`` cells on every side."""
        boundary = np.pad(grid.state == BOUNDARY, pad, constant_values=False)
        return ndimage.binary_dilation(boundary, iterations=self._extra_cells(grid))

    def eez(self, x: np.ndarray, y: np.ndarray, cells: np.ndarray | None = None) -> np.ndarray:
        """Index into ``eez_iso3`` per point, -1 for none (first zone in table order wins)."""
        cells = self._cells(x, y) if cells is None else cells
        on = cells >= 0
        out = np.full(x.shape, -1, dtype=np.int32)
        out[on] = self._eez_canvas.ravel()[cells[on]]
        todo = np.flatnonzero(out == -2)
        if todo.size:
            sub = np.full(todo.shape, -1, dtype=np.int32)
            xs, ys = x[todo], y[todo]
            for k, grid in enumerate(self.eez_grids):
                free = np.flatnonzero(sub < 0)
                if not free.size:
                    break
                hit = grid.contains(xs[free], ys[free])
                sub[free[hit]] = k
            out[todo] = sub
        return out

    def areas(
        self, x: np.ndarray, y: np.ndarray, cells: np.ndarray | None = None
    ) -> tuple[np.ndarray, np.ndarray]:
        """Memberships of the non-EEZ zones as (point index, zone index) pairs.

        With a few zones every zone tests every point (a grid lookup each). With many (e.g. a
        national WDPA file) points are bucketed by canvas cell once, and each zone tests only the
        points inside its own bounding window.
        """
        rows: list[np.ndarray] = []
        ks: list[np.ndarray] = []
        if len(self.area_grids) <= self.SMALL_LAYER:
            for k, grid in enumerate(self.area_grids):
                hit = np.flatnonzero(grid.contains(x, y))
                rows.append(hit)
                ks.append(np.full(hit.shape, k, dtype=np.int32))
        else:
            cells = self._cells(x, y) if cells is None else cells
            order = np.argsort(cells, kind="stable")
            sorted_cells = cells[order]
            r = self.config.grid_res_deg
            nx = self._eez_canvas.shape[1]
            for k, grid in enumerate(self.area_grids):  # a loop over zones, not points
                ox = round((grid.x0 - self._x0) / r)
                oy = round((grid.y0 - self._y0) / r)
                h, w = grid.state.shape
                starts = (oy + np.arange(h, dtype=np.int64)) * nx + ox
                lo = np.searchsorted(sorted_cells, starts, side="left")
                hi = np.searchsorted(sorted_cells, starts + w, side="left")
                idx = order[_ranges(lo, hi)]
                hit = idx[grid.contains(x[idx], y[idx])]
                rows.append(hit)
                ks.append(np.full(hit.shape, k, dtype=np.int32))
        if not rows:
            return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int32)
        return np.concatenate(rows).astype(np.int64), np.concatenate(ks)

    def edge_km(self, x: np.ndarray, y: np.ndarray, cells: np.ndarray | None = None) -> np.ndarray:
        """Distance to the nearest zone edge, saturated at ``edge_cap_km``."""
        cap = self.config.edge_cap_km
        out = np.full(x.shape, cap)
        if self._edge_tree is None:
            return out
        cells = self._cells(x, y) if cells is None else cells
        near = np.zeros(x.shape, dtype=bool)
        on = cells >= 0
        near[on] = self._near_canvas.ravel()[cells[on]]
        if near.any():
            chord_cap = chord_of_km(cap)
            chord, _ = self._edge_tree.query(
                _unit_xyz(y[near], x[near]), distance_upper_bound=chord_cap, workers=-1
            )
            km = km_of_chord(chord)
            out[near] = np.minimum(np.where(np.isfinite(chord), km, cap), cap)
        return out


@lru_cache(maxsize=1)
def _default_index() -> ZoneIndex:
    from vessels.zones._layers import default_zones

    return ZoneIndex(default_zones())


def _index_for(zones: Any, config: LabelConfig) -> ZoneIndex:
    if isinstance(zones, ZoneIndex):
        return zones
    if zones is None and config == DEFAULT_LABEL:
        return _default_index()
    if zones is None:
        from vessels.zones._layers import default_zones

        zones = default_zones()
    return ZoneIndex(zones, config)


#: geo_class codes of :func:`geo_arrays` (index into ``vessels.schema.GEO_CLASSES``)
_OPEN, _NEAR, _INLAND, _PORT, _LAND = range(5)
assert S.GEO_CLASSES == ("open_sea", "near_shore", "inland_water", "port_anchorage", "land")


def _anchorage_table(anchorages: pl.DataFrame | None) -> pl.DataFrame:
    if anchorages is None:
        return pl.DataFrame(
            {"cell": [], "port_name": [], "port_country": []},
            schema={"cell": pl.Int64, "port_name": pl.String, "port_country": pl.String},
        )
    missing = [c for c in ("cell", "port_name", "port_country") if c not in anchorages.columns]
    if missing:
        raise SchemaError(f"anchorages: missing columns {missing} (see learn_anchorages)")
    return anchorages.select("cell", "port_name", "port_country").sort("cell")


def geo_arrays(
    lat: np.ndarray,
    lon: np.ndarray,
    *,
    config: LabelConfig = DEFAULT_LABEL,
    anchorages: pl.DataFrame | None = None,
) -> dict[str, Any]:
    """NumPy core of the geography columns: ``geo_code`` (index into ``GEO_CLASSES``, -1 for NaN
    coordinates), ``on_land``, ``in_port``, ``at_anchorage``, ``port_row`` (row of
    :func:`vessels.zones.load_ports`, -1 none), ``anchorage_idx`` (row of the sorted anchorage
    table, -1 none) with ``anchorage_names``/``anchorage_countries``, and ``shore_km``.
    """
    y = np.asarray(lat, dtype=np.float64)
    x = np.asarray(lon, dtype=np.float64)
    ok = np.isfinite(x) & np.isfinite(y)
    codes = geo_class_codes(y, x)
    shore = world_shore_km(y, x, codes, exact_within_km=config.shore.exact_within_km)
    port_row = np.full(y.shape, -1, dtype=np.int64)
    if config.ports:
        # every WPI radius is <= 8 km; positions the land layer puts on land are checked at any
        # distance from its shoreline (a berth on a waterway GSHHG/WDBII do not draw: the
        # Delaware at Philadelphia, the Houston Ship Channel)
        near = np.flatnonzero(ok & ((np.abs(shore) <= 10.0) | (codes == LAND)))
        port_row[near] = in_port_arrays(y[near], x[near])
    in_port = port_row >= 0
    table = _anchorage_table(anchorages)
    keys = table["cell"].to_numpy().astype(np.int64)
    at_anch = np.zeros(y.shape, dtype=bool)
    anch_idx = np.full(y.shape, -1, dtype=np.int64)
    if keys.size:
        iy = np.floor((y[ok] + 90.0) / ANCHORAGE_CELL_DEG).astype(np.int64)
        ix = np.mod(np.floor((x[ok] + 180.0) / ANCHORAGE_CELL_DEG).astype(np.int64), _NX)
        cell = iy * _NX + ix
        k = np.minimum(np.searchsorted(keys, cell), keys.size - 1)
        hit = keys[k] == cell
        idx = np.flatnonzero(ok)[hit]
        at_anch[idx] = True
        anch_idx[idx] = k[hit]
    geo = np.full(y.shape, _OPEN, dtype=np.int8)
    geo[(codes == SHORE_BAND) | (shore <= config.near_shore_km)] = _NEAR
    geo[codes == INLAND] = _INLAND
    port = in_port | at_anch
    # a berth in a port is water even where the coastline's generalisation puts it on land:
    # the land flag and the sign of shore_km follow the class
    on_land = ok & (codes == LAND) & ~port
    berth = ok & (codes == LAND) & port
    shore[berth] = np.abs(shore[berth])
    geo[on_land] = _LAND
    geo[port] = _PORT
    geo[~ok] = -1
    return {
        "geo_code": geo,
        S.ON_LAND: on_land,
        S.IN_PORT: in_port,
        S.AT_ANCHORAGE: at_anch,
        "port_row": port_row,
        "anchorage_idx": anch_idx,
        "anchorage_names": table["port_name"].to_list(),
        "anchorage_countries": table["port_country"].to_list(),
        S.SHORE_KM: shore,
    }


def label_arrays(
    lat: np.ndarray,
    lon: np.ndarray,
    zones: Any = None,
    *,
    config: LabelConfig = DEFAULT_LABEL,
    anchorages: pl.DataFrame | None = None,
) -> dict[str, Any]:
    """NumPy core of :func:`label_zones`: returns ``eez_code`` (int, -1 none) with
    ``eez_names``, ``area_rows``/``area_ks`` (membership pairs: point index, index into
    ``area_ids``), ``zone_edge_km`` and the geography of :func:`geo_arrays` (``shore_km``...)."""
    index = _index_for(zones, config)
    y = np.asarray(lat, dtype=np.float64)
    x = np.asarray(lon, dtype=np.float64)
    cells = index._cells(x, y)
    eez_k = index.eez(x, y, cells)
    return {
        "eez_code": eez_k,  # index into eez_names, -1 for none
        "eez_names": index.eez_iso3,
        **dict(zip(("area_rows", "area_ks"), index.areas(x, y, cells), strict=True)),
        "area_ids": index.area_ids,
        **geo_arrays(y, x, config=config, anchorages=anchorages),
        ZONE_EDGE_KM: np.where(np.isfinite(x) & np.isfinite(y), index.edge_km(x, y, cells), np.nan),
    }


def _masked(name: str, arr: np.ndarray, valid: np.ndarray, dtype: pl.DataType) -> pl.Series:
    out = pl.Series(name, arr, dtype=dtype)
    if valid.all():
        return out
    return pl.select(pl.when(pl.Series(valid)).then(out)).to_series().alias(name)


def _lookup(name: str, idx: np.ndarray, values: list[Any]) -> pl.Series:
    """``values[idx]`` as a String series, null where ``idx < 0``."""
    return pl.Series(name, idx).replace_strict(
        list(range(len(values))), values, default=None, return_dtype=pl.String()
    )


def _geo_columns(res: dict[str, Any]) -> list[pl.Series]:
    """The GEO_LABEL_SCHEMA columns from :func:`geo_arrays`' output."""
    geo = res["geo_code"]
    valid = geo >= 0
    ports = load_ports()
    row = res["port_row"]
    pname = _lookup(S.PORT_NAME, row, ports["port_name"].to_list())
    pcountry = _lookup(S.PORT_COUNTRY, row, ports["iso3"].to_list())
    if res["anchorage_names"]:
        k = res["anchorage_idx"]
        aname = _lookup(S.PORT_NAME, k, res["anchorage_names"])
        acountry = _lookup(S.PORT_COUNTRY, k, res["anchorage_countries"])
        pname = pname.fill_null(aname)
        pcountry = pcountry.fill_null(acountry)
    klass = pl.Series(S.GEO_CLASS, geo).replace_strict(
        list(range(len(S.GEO_CLASSES))),
        list(S.GEO_CLASSES),
        default=None,
        return_dtype=S.GEO_LABEL_SCHEMA[S.GEO_CLASS],
    )
    return [
        klass,
        _masked(S.ON_LAND, res[S.ON_LAND], valid, pl.Boolean()),
        _masked(S.IN_PORT, res[S.IN_PORT], valid, pl.Boolean()),
        _masked(S.AT_ANCHORAGE, res[S.AT_ANCHORAGE], valid, pl.Boolean()),
        pname,
        pcountry,
    ]


def _label_batch(
    s: pl.Series, index: ZoneIndex, with_edge: bool, anchorages: pl.DataFrame | None
) -> pl.Series:
    lat = s.struct.field(S.LAT).cast(pl.Float64).fill_null(np.nan).to_numpy()
    lon = s.struct.field(S.LON).cast(pl.Float64).fill_null(np.nan).to_numpy()
    res = label_arrays(lat, lon, index, config=index.config, anchorages=anchorages)
    ids: list[str] = res["area_ids"]
    n = lat.shape[0]
    # zone_ids as a list column built straight from offsets: pairs sorted by (point, zone order)
    rows, ks = res["area_rows"], res["area_ks"]
    order = np.lexsort((ks, rows))
    offsets = np.concatenate([[0], np.cumsum(np.bincount(rows, minlength=n))]).astype(np.int64)
    values = pl.Series(ks[order]).replace_strict(
        list(range(len(ids))), ids, return_dtype=pl.String()
    )
    arr = pa.LargeListArray.from_arrays(pa.array(offsets), values.to_arrow())
    zone_ids = pl.Series(S.ZONE_IDS, arr).cast(pl.List(pl.String()))
    cols = [
        pl.Series(S.EEZ_ISO3, res["eez_code"]).replace_strict(
            list(range(len(res["eez_names"]))),
            res["eez_names"],
            default=None,
            return_dtype=pl.String(),
        ),
        zone_ids,
        pl.Series(S.SHORE_KM, res[S.SHORE_KM], dtype=pl.Float64()).fill_nan(None),
        *_geo_columns(res),
    ]
    if with_edge:
        cols.append(pl.Series(ZONE_EDGE_KM, res[ZONE_EDGE_KM], dtype=pl.Float64()).fill_nan(None))
    assert all(len(c) == n for c in cols)
    return pl.DataFrame(cols).to_struct("_zones")


def _is_geodataframe(value: object) -> bool:
    import geopandas as gpd  # heavy: only when a zone table is passed in

    return isinstance(value, gpd.GeoDataFrame)


def label_zones(
    frame: F,
    zones: gpd.GeoDataFrame | ZoneIndex | None = None,
    *,
    config: LabelConfig = DEFAULT_LABEL,
    edge_km: bool = True,
    anchorages: pl.DataFrame | None = None,
    underway: UnderwayConfig | None = DEFAULT_UNDERWAY,
) -> F:
    """Add ``eez_iso3``, ``zone_ids``, ``shore_km``, the geography columns (``geo_class``,
    ``on_land``, ``in_port``, ``at_anchorage``, ``port_name``, ``port_country``) and
    ``zone_edge_km`` to positions.

    Parameters
    ----------
    frame
        Positions with ``lat``/``lon`` (Float64 degrees); a LazyFrame stays lazy (the labelling
        runs batch by batch as an element-wise expression, so it streams and partitions).
    zones
        A zone table (``vessels.schema.ZONE_TABLE_COLUMNS``, EPSG:4326, e.g. from
        :func:`vessels.zones.load_zones`), a prebuilt :class:`ZoneIndex` (reuse across calls), or
        ``None`` for :func:`vessels.zones.default_zones`.
    config
        Grid, edge and shore-distance settings.
    edge_km
        Also add ``zone_edge_km`` (distance to the nearest zone edge, for hysteresis).
    anchorages
        Anchorage cells from :func:`vessels.zones.learn_anchorages` (learned from this or other
        data); without them ``at_anchorage`` is always false.
    underway
        When the frame has ``mmsi`` and ``ts``: land positions of a vessel underway, and its land
        positions beside those, are water (:func:`vessels.zones.underway_water`; the waterways
        the world layer does not draw). ``None``: the map alone decides.

    Returns
    -------
    The same kind of frame with the columns of ``vessels.schema.ZONE_LABEL_SCHEMA`` and
    ``GEO_LABEL_SCHEMA`` appended
    (replacing any existing ones). Null coordinates give null labels and an empty ``zone_ids``.

    Examples
    --------
    >>> import polars as pl
    >>> lf = pl.LazyFrame({"lat": [31.5], "lon": [-117.0]})  # off Ensenada
    >>> label_zones(lf).select("eez_iso3", "zone_ids").collect().row(0)
    ('MEX', [])
    """
    frame = as_polars(frame, "frame", "label_zones")  # type: ignore[assignment]
    if zones is not None and not isinstance(zones, ZoneIndex) and not _is_geodataframe(zones):
        raise TypeError(
            "label_zones: zones must be a GeoDataFrame (vessels.load_zones / default_zones), "
            f"a ZoneIndex or None, got {type(zones).__name__}"
        )
    schema = frame.collect_schema() if isinstance(frame, pl.LazyFrame) else frame.schema
    S.require_columns(frame, (S.LAT, S.LON), what="label_zones: frame")
    index = _index_for(zones, config)
    out_cols = [*S.ZONE_LABEL_SCHEMA, *S.GEO_LABEL_SCHEMA] + ([ZONE_EDGE_KM] if edge_km else [])
    dtype = pl.Struct(
        {
            **S.ZONE_LABEL_SCHEMA,
            **S.GEO_LABEL_SCHEMA,
            **({ZONE_EDGE_KM: pl.Float64()} if edge_km else {}),
        }
    )
    table = _anchorage_table(anchorages)  # validated once, not per batch
    existing = [c for c in out_cols if c in schema]
    base = frame.drop(existing) if existing else frame
    if isinstance(base, pl.DataFrame):
        # the labels of a point do not depend on the others in its batch: label in a few large
        # batches rather than one call per chunk of the frame
        points = base.select(pl.struct(S.LAT, S.LON)).to_series()
        parts = [
            _label_batch(points.slice(i, EAGER_BATCH_ROWS), index, edge_km, table)
            for i in range(0, max(points.len(), 1), EAGER_BATCH_ROWS)
        ]
        labels = pl.concat(parts) if len(parts) > 1 else parts[0]
        out = base.with_columns(labels.cast(dtype).alias("_zones")).unnest("_zones")
        return out if underway is None else underway_water(out, underway)
    expr = (
        pl.struct(S.LAT, S.LON)
        .map_batches(
            lambda s: _label_batch(s, index, edge_km, table),
            return_dtype=dtype,
            is_elementwise=True,
        )
        .alias("_zones")
    )
    lazy_out = base.with_columns(expr).unnest("_zones")
    return lazy_out if underway is None else underway_water(lazy_out, underway)
