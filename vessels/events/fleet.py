"""Fleets massing at EEZ edges: many fishing vessels of one flag together along a boundary.

Distant-water fleets (hundreds of squid jiggers along the Galápagos, Peruvian or Argentine EEZ,
some crossing in) are a pattern no single-vessel detector sees. The detector:

1. takes the positions of fishing vessels (declared AIS type in ``fishing_ship_types``) outside
   their own flag's EEZ (high seas or a foreign EEZ), at least ``min_shore_km`` from shore, thinned
   to the first position of each vessel in each ``time_bin_h`` bin (linear in positions);
2. measures each one's distance to the nearest EEZ boundary of another state (exact geometry,
   shapely STRtree over the zone layer's EEZ polygons; the bordered EEZ is the one the vessel is
   in, or the nearest one on the high seas) and keeps those within ``band_km``;
3. groups them per time bin and flag: vessels within ``link_km`` of each other are linked and a
   connected group (single linkage) of ``min_vessels`` or more is a fleet at that time
   (:mod:`vessels.events._fleet_groups`); fleet groups of bins that follow each other (no gap
   longer than one bin) and share a member are one fleet, an episode if seen for at least
   ``min_duration_h`` (two groups along one long boundary are two fleets);
4. writes one ``fleet_presence`` event per member and episode (``mmsi`` = the member; the
   member's first to last time in the band during the episode) with the fleet's id, its largest
   count at one time (``group_size``), and the member's own ``eez_incursion`` events in the
   episode linked by count (``n_incursions``) and ids (:func:`fleet_table`).

Without a zone layer with EEZ geometry (``detect_events(..., zones=...)``) there is no boundary
and no event. A vessel fleet along its own flag's EEZ is not reported (step 1).

Examples
--------
>>> FleetConfig().min_vessels
20
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import polars as pl
import shapely

from vessels import schema as S
from vessels._geo import EARTH_RADIUS_M, haversine_m
from vessels._template import clause, compile_template
from vessels.events._common import finish, require_stages
from vessels.events._fleet_groups import fleet_groups, in_large_groups
from vessels.events.registry import Context, Detector, register

__all__ = ["FLEET_PRESENCE", "FleetConfig", "detect_fleets", "fleet_table"]

FLEET_PRESENCE = S.FLEET_PRESENCE


@dataclass(frozen=True)
class FleetConfig:
    """Parameters of the fleet detector.

    Attributes
    ----------
    min_vessels : int
        Fishing vessels of one flag along one EEZ boundary at once that make a fleet. Default 20
        (ours: the distant-water fleets of issue 19 number in the hundreds; a handful of boats
        of one flag near a boundary is ordinary fishing).
    link_km : float
        Vessels within this distance of each other in one time bin are linked; a fleet is a
        connected group of linked vessels (single linkage), so two groups along one boundary
        farther apart than this are two fleets. Default 10 km (ours: squid jiggers work 1-5 km
        apart, a fleet of hundreds spreads over tens of km).
    band_km : float
        Distance to the EEZ boundary (outside it, or inside the foreign EEZ) within which a
        vessel is "along" it. Default 50 km (ours: the Galápagos and Argentine fleets work
        within tens of km of the line).
    min_shore_km : float
        Positions nearer the shore are not counted (the EEZ polygon's boundary is also the
        coastline). Default 50 km.
    time_bin_h : float
        Counting bin. Default 1 h.
    min_duration_h : float
        Shortest fleet episode. Default 3 h.
    fishing_ship_types : tuple of int
        AIS types that are fishing vessels. Default (30,).
    """

    min_vessels: int = 20
    link_km: float = 10.0
    band_km: float = 50.0
    min_shore_km: float = 50.0
    time_bin_h: float = 1.0
    min_duration_h: float = 3.0
    fishing_ship_types: tuple[int, ...] = (30,)


def _eez_layer(zones: Any) -> tuple[list[str], Any] | None:
    """(iso3 per polygon part, STRtree of the parts' boundaries) of the zone layer's EEZs."""
    import geopandas as gpd

    if not isinstance(zones, gpd.GeoDataFrame) or "kind" not in zones.columns:
        return None
    eez = zones[zones["kind"] == "eez"]
    if len(eez) == 0:
        return None
    iso = eez["iso3"] if "iso3" in eez.columns else eez["zone_id"].str.removeprefix("eez-")
    parts, codes = [], []
    for code, geom in zip(iso.tolist(), eez.geometry.tolist(), strict=True):
        if geom is None or code is None:
            continue
        for g in shapely.get_parts(geom):
            parts.append(shapely.boundary(g))
            codes.append(str(code))
    if not parts:
        return None
    return codes, shapely.STRtree(parts)


def _boundary_distance(
    lat: np.ndarray, lon: np.ndarray, layer: tuple[list[str], Any]
) -> tuple[np.ndarray, list[str]]:
    """Distance (km) from each point to the nearest EEZ boundary, and that EEZ's code."""
    codes, tree = layer
    pts = shapely.points(lon, lat)
    idx = tree.query_nearest(pts, all_matches=False, return_distance=False)
    src, part = idx[0], idx[1]
    near = shapely.shortest_line(pts[src], tree.geometries[part])
    end = shapely.get_point(near, 1)
    out_km = np.full(lat.size, np.inf)
    code = np.full(lat.size, "", dtype=object)
    d = (
        pl.DataFrame(
            {
                "a": lat[src],
                "b": lon[src],
                "c": shapely.get_y(end),
                "d": shapely.get_x(end),
            }
        )
        .select(haversine_m(pl.col("a"), pl.col("b"), pl.col("c"), pl.col("d")) / 1000.0)
        .to_series()
        .to_numpy()
    )
    out_km[src] = d
    code[src] = np.asarray(codes, dtype=object)[part]
    return out_km, code.tolist()


def _beyond(
    lat: np.ndarray, lon: np.ndarray, layer: tuple[list[str], Any], km: float
) -> np.ndarray:
    """True where a point is surely more than ``km`` from the point :func:`_boundary_distance`
    measures to (so it cannot be kept within a band of ``km``): a cheap exact pre-filter.

    That point lies on the nearest boundary in the (lon, lat) plane, ``d`` degrees away, where
    ``d`` is found among the boundaries' single segments (an index of short pieces answers fast;
    the whole boundaries make every nearest-point query walk thousands of vertices). Along a
    great circle, ``hav(theta) = hav(dlat) + cos(lat1) cos(lat2) hav(dlon)``, at least
    ``cos(lat_max)**2 * hav(d)`` (``hav`` of the square root of ``x`` is concave in ``x``, so
    ``hav(a) + hav(b) >= hav(sqrt(a**2 + b**2))`` for ``a**2 + b**2 <= pi**2``); ``lat_max`` is at
    most ``|lat| + d``. A point is dropped only when that lower bound exceeds ``km`` by 1 % +
    1 km, far above any rounding.
    """
    _, tree = layer
    lines = shapely.get_parts(tree.geometries)
    xy, ring = shapely.get_coordinates(lines, return_index=True)
    same = ring[1:] == ring[:-1]
    segments = shapely.linestrings(
        np.stack([xy[:-1][same], xy[1:][same]], axis=1)  # (n, 2 points, 2 coords)
    )
    seg_tree = shapely.STRtree(segments)
    pts = shapely.points(lon, lat)
    idx, d_deg = seg_tree.query_nearest(pts, all_matches=False, return_distance=True)
    d = np.full(lat.size, np.inf)
    d[idx[0]] = d_deg
    lat_max = np.minimum(np.abs(lat) + d, 90.0)
    hav = np.sin(np.radians(np.minimum(d, 180.0)) / 2.0) ** 2 * np.cos(np.radians(lat_max)) ** 2
    lower_km = 2.0 * np.arcsin(np.sqrt(np.clip(hav, 0.0, 1.0))) * EARTH_RADIUS_M / 1000.0
    return (d <= 180.0) & (lower_km > km * 1.01 + 1.0)


def _candidates(p: pl.DataFrame | pl.LazyFrame, cfg: FleetConfig) -> pl.DataFrame:
    bin_us = int(cfg.time_bin_h * 3_600_000_000)
    return (
        p.lazy()
        .filter(
            pl.col(S.SHIP_TYPE).is_in(list(cfg.fishing_ship_types)).fill_null(False)
            & pl.col(S.FLAG).is_not_null()
            & (pl.col(S.EEZ_ISO3) != pl.col(S.FLAG)).fill_null(True)
            & (pl.col(S.SHORE_KM) >= cfg.min_shore_km).fill_null(False)
        )
        .with_columns(
            (pl.col(S.TS).dt.epoch("us") // bin_us).alias("_bin"),
            pl.col(S.EEZ_ISO3).alias("_in"),
        )
        .sort(S.MMSI, S.TS)
        .group_by(S.MMSI, "_bin", maintain_order=True)
        .agg(
            pl.col(S.TS).first(),
            pl.col(S.TS).last().alias("_t_last"),
            pl.col(S.LAT).first(),
            pl.col(S.LON).first(),
            pl.col(S.FLAG).first(),
            pl.col("_in").first(),
            pl.col(S.SEGMENT_ID).first(),
        )
        .collect()
    )


def detect_fleets(
    positions: pl.DataFrame | pl.LazyFrame,
    zones: Any,
    config: FleetConfig | None = None,
    *,
    incursions: pl.DataFrame | None = None,
    candidates: pl.DataFrame | None = None,
) -> pl.DataFrame:
    """``fleet_presence`` events (EVENT_SCHEMA rows), one per member and fleet episode.

    ``positions`` are segmented and zone-labelled tracks (refused otherwise, see
    :func:`vessels.events._common.require_stages`). ``candidates``: :func:`fleet_parts` of
    every vessel, in MMSI order (a partitioned run gathers them from its buckets); default:
    computed from ``positions``."""
    cfg = config or FleetConfig()
    if candidates is None:
        names = positions.lazy().collect_schema().names()
        S.require_columns(positions, (S.MMSI, S.TS, S.LAT, S.LON), what="detectors: tracks")
        require_stages(names, tuple(S.ZONE_LABEL_SCHEMA))
    layer = _eez_layer(zones)
    if layer is None:
        cand = pl.DataFrame()
    else:
        cand = _candidates(positions, cfg) if candidates is None else candidates
    if layer is None or cand.height == 0:
        return finish(pl.DataFrame(schema={S.MMSI: pl.UInt32}), FLEET_PRESENCE)
    # only the candidates in a large enough group among all candidates can be in a fleet among
    # those within the band (in_large_groups): the others are left out before the geometry
    cand = cand.filter(in_large_groups(cand, link_km=cfg.link_km, min_vessels=cfg.min_vessels))
    if cand.height == 0:
        return finish(pl.DataFrame(schema={S.MMSI: pl.UInt32}), FLEET_PRESENCE)
    lat, lon = cand[S.LAT].to_numpy(), cand[S.LON].to_numpy()
    # positions surely beyond the band are left out before the exact (costly) measurement: the
    # band's filter below would drop them anyway
    near = ~_beyond(lat, lon, layer, cfg.band_km)
    cand = cand.filter(pl.Series(near))
    km, code = _boundary_distance(lat[near], lon[near], layer)
    cand = cand.with_columns(
        pl.Series("_km", km),
        pl.coalesce(pl.col("_in"), pl.Series("_near", code, dtype=pl.String)).alias("_border"),
    ).filter((pl.col("_km") <= cfg.band_km) & (pl.col("_border") != pl.col(S.FLAG)))
    members = fleet_groups(
        cand,
        link_km=cfg.link_km,
        min_vessels=cfg.min_vessels,
        time_bin_h=cfg.time_bin_h,
        min_duration_h=cfg.min_duration_h,
    )
    if members.height == 0:
        return finish(pl.DataFrame(schema={S.MMSI: pl.UInt32}), FLEET_PRESENCE)
    n_inc = pl.lit(0, dtype=pl.UInt32).alias("_ninc")
    if incursions is not None and incursions.height:
        inc = (
            members.select(S.MMSI, "fleet_id", S.START_TS, S.END_TS)
            .join(
                incursions.select(
                    S.MMSI, pl.col(S.START_TS).alias("_ia"), pl.col(S.END_TS).alias("_ib")
                ),
                on=S.MMSI,
            )
            .filter((pl.col("_ia") <= pl.col(S.END_TS)) & (pl.col("_ib") >= pl.col(S.START_TS)))
            .group_by(S.MMSI, "fleet_id")
            .agg(pl.len().cast(pl.UInt32).alias("_ninc"))
        )
        members = members.join(inc, on=[S.MMSI, "fleet_id"], how="left")
        n_inc = pl.col("_ninc").fill_null(0)
    members = members.with_columns(n_inc.alias("_ninc"), pl.col("_border").alias(S.EEZ_ISO3))
    summary = compile_template(
        "one of up to {size} {flag}-flagged fishing vessels massed within {band_km} km of the "
        "{border} EEZ edge{incursions}",
        fields={
            "size": pl.col("_size"),
            "flag": pl.col(S.FLAG),
            "band_km": pl.lit(f"{cfg.band_km:g}"),
            "border": pl.col("_border"),
            "incursions": clause(
                pl.col("_ninc") > 0, "; {n} incursion(s) into it", fields={"n": pl.col("_ninc")}
            ),
        },
        null=None,
        name="summary",
    )
    return finish(
        members.with_columns(pl.col(S.LAT).alias(S.START_LAT), pl.col(S.LON).alias(S.START_LON)),
        FLEET_PRESENCE,
        evidence={
            "summary": summary,
            "flag": pl.col(S.FLAG),
            "group_size": pl.col("_size"),
            "fleet_id": pl.col("fleet_id"),
            "n_incursions": pl.col("_ninc"),
        },
        key=pl.col("fleet_id"),
    )


def fleet_table(events: pl.DataFrame) -> pl.DataFrame:
    """One row per fleet episode from its ``fleet_presence`` events, with the member count over
    time (``count_by_hour``: members present per hour bin, from each member's first to last time
    in the band) and the members' own ``eez_incursion`` events in the episode (``incursion_ids``).

    Examples
    --------
    >>> fleet_table(S.empty_events()).height
    0
    """
    fp = events.filter(pl.col(S.EVENT_TYPE) == FLEET_PRESENCE)
    schema = {
        "fleet_id": pl.String(),
        S.FLAG: pl.String(),
        S.EEZ_ISO3: pl.String(),
        "n_members": pl.UInt32(),
        "max_at_once": pl.UInt32(),
        S.START_TS: S.TS_DTYPE,
        S.END_TS: S.TS_DTYPE,
        S.LAT: pl.Float64(),
        S.LON: pl.Float64(),
        "n_incursions": pl.UInt32(),
        "incursion_ids": pl.List(pl.String()),
        "count_by_hour": pl.List(pl.Struct({"hour": S.TS_DTYPE, "n_vessels": pl.UInt32()})),
        "members": pl.List(pl.UInt32()),
    }
    if fp.height == 0:
        return pl.DataFrame(schema=schema)
    ev = fp.with_columns(pl.col(S.EVIDENCE).struct.field("fleet_id", "group_size", "flag"))
    hours = (
        ev.select(
            "fleet_id",
            S.MMSI,
            pl.datetime_ranges(pl.col(S.START_TS).dt.truncate("1h"), pl.col(S.END_TS), "1h").alias(
                "hour"
            ),
        )
        .explode("hour")
        .group_by("fleet_id", "hour")
        .agg(pl.col(S.MMSI).n_unique().cast(pl.UInt32).alias("n_vessels"))
        .sort("fleet_id", "hour")
        .group_by("fleet_id", maintain_order=True)
        .agg(pl.struct("hour", "n_vessels").alias("count_by_hour"))
    )
    inc = events.filter(pl.col(S.EVENT_TYPE) == S.EEZ_INCURSION).select(
        S.MMSI, S.EVENT_ID, pl.col(S.START_TS).alias("_ia"), pl.col(S.END_TS).alias("_ib")
    )
    linked = (
        ev.select("fleet_id", S.MMSI, S.START_TS, S.END_TS)
        .join(inc, on=S.MMSI)
        .filter((pl.col("_ia") <= pl.col(S.END_TS)) & (pl.col("_ib") >= pl.col(S.START_TS)))
        .group_by("fleet_id")
        .agg(pl.col(S.EVENT_ID).unique().sort().alias("incursion_ids"))
    )
    out = (
        ev.group_by("fleet_id")
        .agg(
            pl.col("flag").first().alias(S.FLAG),
            pl.col(S.EEZ_ISO3).first(),
            pl.col(S.MMSI).n_unique().cast(pl.UInt32).alias("n_members"),
            pl.col("group_size").max().cast(pl.UInt32).alias("max_at_once"),
            pl.col(S.START_TS).min(),
            pl.col(S.END_TS).max(),
            pl.col(S.LAT).mean(),
            pl.col(S.LON).mean(),
            pl.col(S.MMSI).unique().sort().alias("members"),
        )
        .join(linked, on="fleet_id", how="left")
        .join(hours, on="fleet_id", how="left")
        .with_columns(
            pl.col("incursion_ids").fill_null(pl.lit([], dtype=pl.List(pl.String))),
        )
        .with_columns(pl.col("incursion_ids").list.len().cast(pl.UInt32).alias("n_incursions"))
    )
    return out.select(list(schema)).cast(pl.Schema(schema)).sort(S.START_TS, "fleet_id")


def fleet_parts(p: pl.DataFrame, cfg: FleetConfig, ctx: Context) -> pl.DataFrame:
    """The per-vessel parts of ``fleet_presence`` (a ``scope="global"`` detector: it counts
    vessels of every bucket): each vessel's candidate positions, one per time bin."""
    return _candidates(p, cfg)


def _detect(p: pl.DataFrame, cfg: FleetConfig, ctx: Context) -> pl.DataFrame:
    return detect_fleets(
        p,
        ctx.zones,
        cfg,
        incursions=ctx.events.get(S.EEZ_INCURSION),
        candidates=ctx.parts.get(FLEET_PRESENCE),
    )


DETECTOR = register(
    Detector(
        event_type=FLEET_PRESENCE,
        config=FleetConfig,
        detect=_detect,
        columns=(
            S.MMSI,
            S.TS,
            S.LAT,
            S.LON,
            S.SEGMENT_ID,
            S.SHIP_TYPE,
            S.FLAG,
            S.EEZ_ISO3,
            S.SHORE_KM,
        ),
        evidence=("summary", "flag", "group_size", "fleet_id", "n_incursions"),
        label="Fleet presence",
        style={
            "radius": 4,
            "color": "#000000",
            "weight": 1,
            "fillColor": "#ff7f0e",
            "fillOpacity": 0.7,
        },
        doc="N or more fishing vessels of one flag together along (or across) another state's "
        "EEZ boundary, one event per member",
        risk_rules=("fleet_incursion",),
        uses=(S.EEZ_INCURSION,),
        # fleets count the vessels of every MMSI bucket: found once, on all buckets' parts
        scope="global",
        parts=fleet_parts,
        order=120,
    )
)
