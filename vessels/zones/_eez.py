"""Approximate EEZ builder: 200 nautical miles from land, split by the equidistance line.

Method (``vessels zones build-eez``; deterministic, offline, a few seconds):

1. Every state's Natural Earth 1:10m land (islands included; territories grouped under their
   sovereign, e.g. Puerto Rico under USA) gives its coastline, densified to 0.01 deg (~1.1 km).
2. A regular grid of ``res_deg`` cells covers :attr:`EEZConfig.bounds_deg`. A sea cell belongs to
   the state whose coastline vertex is nearest to the cell centre (great-circle distance, k-d tree
   on unit vectors): that *is* the equidistance (median) line, at the grid's resolution. Cells
   farther than 200 nm from every coast stay high seas. A land cell belongs to the country
   containing its centre, so each EEZ polygon includes its state's land (like Global Fishing
   Watch's EEZ-land union), and a position in a port is labelled with that port's state.
3. Cells of each wanted state are merged row by row into rectangles and unioned into a polygon, then
   all states are simplified together (``shapely.coverage_simplify``) so neighbours keep one shared
   edge.

Known error sources (why the output is *approximate*): distances are measured from Natural Earth's
simplified coast, not from the legal baselines (Mexico's straight baselines, e.g. across the
Gulf of California's midriff islands, push its limit seaward); treaty boundaries (Mexico–USA 1978,
Mexico–Cuba 1976, Honduras/Cayman and others) follow negotiated lines that depart from strict
equidistance; every feature is given full effect (rocks that legally generate no EEZ still do here;
islands missing from Natural Earth generate none); the grid adds up to half a cell (~2.8 km at
0.05 deg) along every edge, reduced by the simplification tolerance.

Examples
--------
>>> cfg = EEZConfig()
>>> cfg.limit_nm, cfg.states[:3], len(cfg.states)
(200.0, ('MEX', 'USA', 'GTM'), 38)
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import numpy as np
import shapely
from scipy.spatial import cKDTree
from shapely.geometry.base import BaseGeometry

from vessels import schema as S
from vessels._geo import EARTH_RADIUS_M, M_PER_NM
from vessels._geo import unit_xyz as _unit_xyz
from vessels.zones._grid import GridIndex
from vessels.zones._land import load_countries
from vessels.zones._naturalearth import COUNTRY_BOUNDS, NE_SOURCE

__all__ = ["EEZ_NAMES", "EEZConfig", "build_eez", "eez_features", "sea_area_km2"]

EEZ_NAMES = {
    "MEX": "Mexico",
    "USA": "United States",
    "GTM": "Guatemala",
    "BLZ": "Belize",
    "HND": "Honduras",
    "SLV": "El Salvador",
    "CUB": "Cuba",
    "NIC": "Nicaragua",
    "CRI": "Costa Rica",
    "PAN": "Panama",
    "COL": "Colombia",
    "ECU": "Ecuador",
    "PER": "Peru",
    "CHL": "Chile",
    "ARG": "Argentina",
    "URY": "Uruguay",
    "BRA": "Brazil",
    "VEN": "Venezuela",
    "GUY": "Guyana",
    "SUR": "Suriname",
    "CAN": "Canada",
    "BHS": "Bahamas",
    "JAM": "Jamaica",
    "HTI": "Haiti",
    "DOM": "Dominican Republic",
    "TTO": "Trinidad and Tobago",
    "BRB": "Barbados",
    "ATG": "Antigua and Barbuda",
    "DMA": "Dominica",
    "GRD": "Grenada",
    "KNA": "Saint Kitts and Nevis",
    "LCA": "Saint Lucia",
    "VCT": "Saint Vincent and the Grenadines",
    "FRA": "France (Caribbean, French Guiana, St Pierre, Clipperton, Polynesia)",
    "GBR": "United Kingdom (Caribbean, Bermuda, Falklands, S. Georgia, Pitcairn)",
    "NLD": "Netherlands (Caribbean)",
    "DNK": "Denmark (Greenland)",
    "KIR": "Kiribati (Line and Phoenix Islands)",
}


@dataclass(frozen=True)
class EEZConfig:
    """Parameters of the approximate EEZ builder.

    Attributes
    ----------
    limit_nm
        Outer limit: 200 nautical miles (UNCLOS art. 57).
    res_deg
        Grid cell size (0.05 deg ~ 5.5 km): the equidistance line and the 200 nm arc are resolved
        to half a cell before simplification.
    coast_spacing_deg
        Coastline densification before the nearest-vertex search (0.01 deg ~ 1.1 km).
    simplify_deg
        ``shapely.coverage_simplify`` tolerance (Visvalingam-Whyatt) that removes the grid's
        staircase (0.1 deg: steps of a few cells go, the line stays within ~1 cell of the grid).
    bounds_deg
        (min lon, min lat, max lon, max lat) of the grid: the Americas from the antimeridian to
        lon -20 and from lat -62 to 84 (the shipped country polygons' box); EEZs are clipped here
        (e.g. the Aleutians west of 180 and the Atlantic east of 20 W are outside).
    states
        Sovereign ISO3 codes written out (every other state in the box still competes for the
        median line: Russia, Portugal's Azores, Iceland, Cabo Verde, Fiji, Tonga, Samoa, ...).
    """

    limit_nm: float = 200.0
    res_deg: float = 0.1
    coast_spacing_deg: float = 0.01
    simplify_deg: float = 0.1
    bounds_deg: tuple[float, float, float, float] = COUNTRY_BOUNDS
    states: tuple[str, ...] = tuple(EEZ_NAMES)


def _coast_points(config: EEZConfig) -> tuple[np.ndarray, np.ndarray, list[str]]:
    """Densified coastline vertices (lon, lat) with a state code per vertex."""
    countries = load_countries()
    sovs = sorted({c["sovereign_iso3"] for c in countries})
    code = {s: i for i, s in enumerate(sovs)}
    minx, miny, maxx, maxy = COUNTRY_BOUNDS
    xys, labels = [], []
    for c in countries:
        ring = shapely.segmentize(shapely.boundary(c["geometry"]), config.coast_spacing_deg)
        xy = shapely.get_coordinates(ring)
        eps = 1e-6  # drop the artificial edges left by clipping to the data region
        real = (
            (np.abs(xy[:, 0] - minx) > eps)
            & (np.abs(xy[:, 0] - maxx) > eps)
            & (np.abs(xy[:, 1] - miny) > eps)
            & (np.abs(xy[:, 1] - maxy) > eps)
        )
        xys.append(xy[real])
        labels.append(np.full(int(real.sum()), code[c["sovereign_iso3"]], dtype=np.int16))
    return np.concatenate(xys), np.concatenate(labels), sovs


def _state_grid(config: EEZConfig) -> tuple[np.ndarray, list[str], tuple[float, float]]:
    """(ny, nx) int16 grid of sovereign codes (-1 = high seas) and the code list."""
    x0, y0, x1, y1 = config.bounds_deg
    r = config.res_deg
    nx = round((x1 - x0) / r)
    ny = round((y1 - y0) / r)
    cx = x0 + (np.arange(nx) + 0.5) * r
    cy = y0 + (np.arange(ny) + 0.5) * r
    gx, gy = np.meshgrid(cx, cy)
    gx, gy = gx.ravel(), gy.ravel()
    xy, lab, sovs = _coast_points(config)
    code = {s: i for i, s in enumerate(sovs)}
    # land cells belong to the country that contains their centre (decided first: only the
    # sea cells need the nearest-coast search, the expensive part)
    state = np.full(gx.shape, -1, dtype=np.int16)
    for c in load_countries():
        minx, miny, maxx, maxy = c["geometry"].bounds
        sel = np.flatnonzero((gx >= minx) & (gx <= maxx) & (gy >= miny) & (gy <= maxy))
        if sel.size:
            inside = GridIndex.build(c["geometry"], config.res_deg).contains(gx[sel], gy[sel])
            state[sel[inside]] = code[c["sovereign_iso3"]]
    sea = np.flatnonzero(state < 0)
    tree = cKDTree(_unit_xyz(xy[:, 1], xy[:, 0]))
    limit_rad = config.limit_nm * M_PER_NM / EARTH_RADIUS_M
    chord_max = 2.0 * np.sin(limit_rad / 2.0)
    chord, idx = tree.query(_unit_xyz(gy[sea], gx[sea]), distance_upper_bound=chord_max, workers=-1)
    found = np.isfinite(chord)
    state[sea[found]] = lab[idx[found]]
    return state.reshape(ny, nx), sovs, (x0, y0)


def _polygonise(mask: np.ndarray, x0: float, y0: float, r: float) -> BaseGeometry:
    """Union of the cells where ``mask`` is True, via one rectangle per run in each row."""
    ny, nx = mask.shape
    padded = np.zeros((ny, nx + 2), dtype=np.int8)
    padded[:, 1:-1] = mask
    d = np.diff(padded, axis=1)
    rs, cs = np.nonzero(d == 1)
    re, ce = np.nonzero(d == -1)
    order_s = np.lexsort((cs, rs))
    order_e = np.lexsort((ce, re))
    rows, c0, c1 = rs[order_s], cs[order_s], ce[order_e]
    boxes = shapely.box(x0 + c0 * r, y0 + rows * r, x0 + c1 * r, y0 + (rows + 1) * r)
    return shapely.union_all(boxes)


def build_eez(config: EEZConfig = EEZConfig()) -> dict[str, BaseGeometry]:
    """Approximate EEZ (multi)polygons, EPSG:4326, keyed by sovereign ISO3 (``config.states``).

    Examples
    --------
    >>> eez = build_eez(EEZConfig(res_deg=0.5, states=("BLZ",)))  # coarse and quick
    >>> eez["BLZ"].geom_type in ("Polygon", "MultiPolygon")
    True
    """
    grid, sovs, (x0, y0) = _state_grid(config)
    code = {s: i for i, s in enumerate(sovs)}
    raw = [_polygonise(grid == code[s], x0, y0, config.res_deg) for s in config.states]
    simple = shapely.coverage_simplify(np.array(raw, dtype=object), config.simplify_deg)
    out = {}
    for s, g in zip(config.states, simple, strict=True):
        g = shapely.make_valid(shapely.set_precision(g, 1e-5))
        polys = [p for p in shapely.get_parts(g) if p.geom_type == "Polygon"]
        out[s] = shapely.MultiPolygon(polys)
    return out


def eez_features(
    eez: dict[str, BaseGeometry], config: EEZConfig = EEZConfig()
) -> list[dict[str, Any]]:
    """Zone-table records (``vessels.schema.ZONE_TABLE_COLUMNS``) of the built EEZs."""
    accuracy = (
        f"approximate, not a legal boundary: {config.limit_nm:g} nm from Natural Earth 1:10m land "
        f"split by the equidistance line on a {config.res_deg:g} deg grid; ignores baselines and "
        "treaty lines; the polygon includes the state's land; clipped to lon -180..-20, "
        "lat -62..84 (see zones/README.md for this state's known error sources)"
    )
    return [
        {
            S.ZONE_ID: f"eez-{s}",
            S.ZONE_NAME: f"{EEZ_NAMES.get(s, s)} EEZ (approximate)",
            S.ZONE_KIND: "eez",
            S.ZONE_ISO3: s,
            S.ZONE_SOURCE: f"vessels zones build-eez from {NE_SOURCE}",
            S.ZONE_LICENCE: "public domain (derived from Natural Earth)",
            S.ZONE_ACCURACY: accuracy,
            "geometry": g,
        }
        for s, g in eez.items()
    ]


@lru_cache(maxsize=1)
def _country_land() -> BaseGeometry:
    land = shapely.union_all([c["geometry"] for c in load_countries()])
    shapely.prepare(land)
    return land


def sea_area_km2(geom: BaseGeometry) -> float:
    """Geodesic area (km^2, WGS84) of ``geom`` minus the Natural Earth land of the shipped
    country polygons (lon -180..-20, lat -62..84; land elsewhere is not subtracted).

    Examples
    --------
    >>> round(sea_area_km2(shapely.box(-100.0, 20.0, -99.0, 21.0)))  # inland Mexico
    0
    """
    from pyproj import Geod

    minx, miny, maxx, maxy = geom.bounds
    land = shapely.clip_by_rect(_country_land(), minx, miny, maxx, maxy)
    sea = shapely.difference(geom, land)
    area_m2, _ = Geod(ellps="WGS84").geometry_area_perimeter(sea)
    return abs(area_m2) / 1e6
