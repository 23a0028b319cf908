"""Ground truth: planted behaviours -> truth rows with real timestamps and MMSIs.

Gaps are timed from the received messages (start = last position before the transmitter went
off, end = first position after). Zone entries and EEZ incursions are derived geometrically
from the received clean positions (GPS jumps excluded) against the default zone layers
(:func:`vessels.zones.default_zones`) when available, else against two built-in polygons whose
vertices are published facts (cited below).

Examples
--------
>>> list(TRUTH_SCHEMA)[:3]
['truth_id', 'event_type', 'mmsi']
"""

from __future__ import annotations

import hashlib
from datetime import datetime, timedelta
from typing import Any

import numpy as np
import polars as pl
import shapely

from vessels import schema as S
from vessels.simulation._scenarios import PlantedEvent

__all__ = ["BUILTIN_ZONES", "TRUTH_SCHEMA", "build_truth", "zone_layers", "zones_fingerprint"]

TRUTH_SCHEMA: dict[str, pl.DataType] = {
    "truth_id": pl.String(),
    S.EVENT_TYPE: pl.String(),
    S.MMSI: pl.UInt32(),
    S.OTHER_MMSI: pl.UInt32(),
    S.START_TS: S.TS_DTYPE,
    S.END_TS: S.TS_DTYPE,
    S.EVENT_ZONE_ID: pl.String(),
    "scenario": pl.String(),
    "description": pl.String(),
    "illegal": pl.Boolean(),
    "subtype": pl.String(),
    "vessel_key": pl.String(),
    "other_vessel_key": pl.String(),
    #: "planted" (a behaviour the scenario staged) or "geometry" (a zone visit or EEZ incursion
    #: read off the received positions); controls are vessels without planted rows
    "basis": pl.String(),
}

#: Alto Golfo de California y Delta del Río Colorado biosphere reserve (1993), outer boundary
#: as digitised in CONANP's protected-area layer (53 vertices, lat lon).
_ALTO_GOLFO = [
    (31.74468, -114.26471),
    (31.74075, -114.25005),
    (31.73176, -114.08889),
    (31.72224, -114.06703),
    (31.70665, -113.94096),
    (31.68975, -113.91304),
    (31.63811, -113.86627),
    (31.63008, -113.79699),
    (31.62129, -113.77042),
    (31.53803, -113.6875),
    (31.49986, -113.6415),
    (31.47614, -113.63078),
    (31.41017, -113.62473),
    (31.36832, -113.61047),
    (31.33947, -113.61045),
    (31.3448, -113.64177),
    (31.04108, -114.82141),
    (31.03089, -114.85935),
    (31.04277, -114.86851),
    (31.05999, -114.87337),
    (31.47078, -115.0683),
    (31.55473, -115.07289),
    (31.56377, -115.07376),
    (31.67827, -115.07033),
    (31.69427, -115.05523),
    (31.70506, -115.0529),
    (31.71775, -115.05685),
    (31.76681, -115.08011),
    (31.77948, -115.08301),
    (31.8059, -115.10042),
    (31.82551, -115.14545),
    (31.84853, -115.17775),
    (31.93463, -115.20672),
    (31.96906, -115.21769),
    (31.9711, -114.99226),
    (32.00496, -114.96612),
    (32.03742, -114.9654),
    (32.08612, -114.96538),
    (32.08784, -114.96004),
    (32.11878, -114.97737),
    (32.15888, -114.94679),
    (32.09079, -114.86568),
    (32.01285, -114.79128),
    (31.9413, -114.72319),
    (31.92109, -114.70254),
    (31.89782, -114.66294),
    (31.8911, -114.64091),
    (31.87896, -114.61903),
    (31.85759, -114.58576),
    (31.83914, -114.56406),
    (31.80526, -114.53749),
    (31.75943, -114.45426),
    (31.75087, -114.43233),
]
#: Parque Nacional Arrecife Alacranes, decree of 6 June 1994: 20 outer-boundary vertices as
#: distributed in CONANP's protected-area layer (lat lon).
_ALACRANES = [
    (22.18361, -89.55333),
    (22.15028, -89.64639),
    (22.16667, -89.74694),
    (22.21833, -89.83333),
    (22.28917, -89.90222),
    (22.37333, -89.95167),
    (22.46056, -90.00167),
    (22.56472, -90.00778),
    (22.65417, -89.97139),
    (22.72944, -89.90417),
    (22.78278, -89.82222),
    (22.79889, -89.72111),
    (22.79222, -89.67833),
    (22.75611, -89.58667),
    (22.69861, -89.50611),
    (22.61722, -89.45),
    (22.52556, -89.40778),
    (22.4275, -89.40111),
    (22.32694, -89.42389),
    (22.24111, -89.47417),
]

#: (zone_id, kind, iso3, polygon) used when vessels.zones.default_zones() is not available.
BUILTIN_ZONES: list[tuple[str, str, str, Any]] = [
    (
        "mx-rb-alto-golfo",
        "protected_area",
        "MEX",
        shapely.Polygon([(lo, la) for la, lo in _ALTO_GOLFO]),
    ),
    (
        "mx-pn-arrecife-alacranes",
        "protected_area",
        "MEX",
        shapely.Polygon([(lo, la) for la, lo in _ALACRANES]),
    ),
]

#: outside-the-zone time that still counts as the same visit (boundary flicker from GPS noise)
MERGE_GAP_H = 0.5


def zone_layers() -> list[tuple[str, str, str, Any]]:
    """(zone_id, kind, iso3, geometry) of the default zones, or the built-in fallback."""
    try:
        from vessels.zones import default_zones

        gdf = default_zones()
    except (ImportError, AttributeError):
        return list(BUILTIN_ZONES)
    return [
        (str(zid), str(kind), str(iso3) if iso3 is not None else "", geom)
        for zid, kind, iso3, geom in zip(
            gdf[S.ZONE_ID], gdf[S.ZONE_KIND], gdf[S.ZONE_ISO3], gdf.geometry, strict=True
        )
    ]


def zones_fingerprint() -> str:
    """Short SHA-256 of the zone layers the geometric truth was derived from.

    Written to ``manifest.json`` so a test can tell "the simulator changed" from "the default
    zones changed" when a committed sample no longer reproduces.
    """
    h = hashlib.sha256()
    for zid, kind, iso3, geom in sorted(zone_layers(), key=lambda z: z[0]):
        h.update(f"{zid}|{kind}|{iso3}|".encode())
        h.update(shapely.to_wkb(geom))
    return h.hexdigest()[:16]


def _zone_rows(frame: pl.DataFrame, static: pl.DataFrame) -> list[dict[str, Any]]:
    """Zone entries (protected areas, no-take zones, AOIs) and foreign-fishing EEZ incursions."""
    clean = frame.filter(~pl.col("_gps_jump")).sort("_v", "_t_s")
    lat = clean[S.LAT].to_numpy()
    lon = clean[S.LON].to_numpy()
    v = clean["_v"].to_numpy()
    ts = clean[S.TS]
    first_of_vessel = np.r_[True, v[1:] != v[:-1]] if v.size else np.zeros(0, bool)
    st = static.select("_v", S.FLAG, S.SHIP_TYPE)
    flag = dict(zip(st["_v"].to_list(), st[S.FLAG].to_list(), strict=True))
    fishing = dict(zip(st["_v"].to_list(), (st[S.SHIP_TYPE] == 30).to_list(), strict=True))
    rows: list[dict[str, Any]] = []
    for zid, kind, iso3, geom in zone_layers():
        if kind not in ("protected_area", "no_take", "aoi", "eez"):
            continue
        x0, y0, x1, y1 = shapely.bounds(geom)
        cand = (lon >= x0) & (lon <= x1) & (lat >= y0) & (lat <= y1)
        if kind == "eez":  # only foreign fishing vessels can make an incursion
            foreign = np.array([fishing[i] and flag[i] != iso3 for i in range(len(fishing))])
            cand &= foreign[v] if foreign.size else False
        if not cand.any():
            continue
        inside = np.zeros(v.size, dtype=bool)
        inside[cand] = shapely.contains_xy(geom, lon[cand], lat[cand])
        if not inside.any():
            continue
        run_start = inside & (first_of_vessel | ~np.r_[False, inside[:-1]])
        run_id = np.cumsum(run_start | ~inside)
        runs = (
            pl.DataFrame(
                {"_v": v, "ts": ts, "inside": inside, "run": run_id, "first": first_of_vessel}
            )
            .filter(pl.col("inside"))
            .group_by("_v", "run")
            .agg(
                pl.col("ts").min().alias("a"),
                pl.col("ts").max().alias("b"),
                pl.col("first").first().alias("from_start"),
            )
            .sort("_v", "a")
            .with_columns(
                new=(pl.col("a") - pl.col("b").shift().over("_v"))
                .dt.total_seconds()
                .fill_null(1e12)
                > MERGE_GAP_H * 3600
            )
            .with_columns(visit=pl.col("new").cum_sum())
            .group_by("_v", "visit")
            .agg(pl.col("a").min(), pl.col("b").max(), pl.col("from_start").first())
            .sort("_v", "a")
        )
        for r in runs.iter_rows(named=True):
            vi = int(r["_v"])
            if kind == "eez":
                if not fishing[vi] or flag[vi] == iso3:
                    continue
                rows.append(
                    dict(
                        event_type="eez_incursion",
                        v=vi,
                        a=r["a"],
                        b=r["b"],
                        zone=zid,
                        illegal=True,
                        subtype="foreign_fishing_vessel",
                        desc=f"{flag[vi]}-flagged fishing vessel inside {zid}",
                    )
                )
            else:  # a visit: also when the vessel is inside from its first position
                rows.append(
                    dict(
                        event_type="zone_entry",
                        v=vi,
                        a=r["a"],
                        b=r["b"],
                        zone=zid,
                        illegal=bool(fishing[vi] and kind != "aoi"),
                        subtype=kind,
                        desc=f"inside {zid} ({kind})",
                    )
                )
    return rows


def build_truth(
    planted: list[PlantedEvent],
    frame: pl.DataFrame,
    static: pl.DataFrame,
    *,
    keys: list[str],
    scenario: str,
    start: datetime,
    horizon_s: float,
) -> pl.DataFrame:
    """Truth rows (see :data:`TRUTH_SCHEMA`) for planted behaviours and zone events."""
    index = {k: i for i, k in enumerate(keys)}
    mmsi = static[S.MMSI].to_list()
    by_v = frame.select("_v", "_t_s").sort("_v", "_t_s")
    v_sorted = by_v["_v"].to_numpy()
    t_sorted = by_v["_t_s"].to_numpy()

    def t_of(vi: int) -> np.ndarray:
        lo, hi = np.searchsorted(v_sorted, [vi, vi + 1])
        return t_sorted[lo:hi]

    def at(t_s: float) -> datetime:
        return start + timedelta(seconds=round(float(t_s)))

    out: list[dict[str, Any]] = []
    zone_layer_ids = {z[0] for z in zone_layers()}
    for ev in planted:
        vis = [index[k] for k in ev.keys]
        a, b = ev.t0_s, ev.t1_s
        if ev.event_type == "eez_incursion" and ev.zone_id in zone_layer_ids:
            continue  # derived from the zone layer below
        if ev.event_type == "ais_gap" or ev.subtype == "static_change":
            # the two consecutive received positions around the dark period (or the rename);
            # message times carry +-2 s clock jitter, hence the slack
            t = t_of(vis[0])
            after = t[t >= b - 2.5] if ev.event_type == "ais_gap" else t[t >= a]
            if after.size == 0:
                continue
            before = t[t < after[0]]
            if before.size == 0:
                continue
            a, b = float(before[-1]), float(after[0])
        elif ev.subtype == "shared_mmsi":
            ta, tb = t_of(vis[0]), t_of(vis[1])
            if ta.size == 0 or tb.size == 0:
                continue
            a, b = max(ta[0], tb[0]), min(ta[-1], tb[-1])
            if a > b:
                a, b = min(ta[0], tb[0]), max(ta[-1], tb[-1])
        else:
            if a >= horizon_s:
                continue
            b = min(b, horizon_s)
        other = mmsi[vis[1]] if len(vis) > 1 and mmsi[vis[1]] != mmsi[vis[0]] else None
        out.append(
            {
                S.EVENT_TYPE: ev.event_type,
                S.MMSI: mmsi[vis[0]],
                S.OTHER_MMSI: other,
                S.START_TS: at(a),
                S.END_TS: at(b),
                S.EVENT_ZONE_ID: ev.zone_id,
                "scenario": scenario,
                "description": ev.description,
                "illegal": ev.illegal,
                "subtype": ev.subtype,
                "vessel_key": ev.keys[0],
                "other_vessel_key": ev.keys[1] if len(ev.keys) > 1 else None,
                "basis": "planted",
            }
        )
    for r in _zone_rows(frame, static):
        out.append(
            {
                S.EVENT_TYPE: r["event_type"],
                S.MMSI: mmsi[r["v"]],
                S.OTHER_MMSI: None,
                S.START_TS: r["a"],
                S.END_TS: r["b"],
                S.EVENT_ZONE_ID: r["zone"],
                "scenario": scenario,
                "description": r["desc"],
                "illegal": r["illegal"],
                "subtype": r["subtype"],
                "vessel_key": keys[r["v"]],
                "other_vessel_key": None,
                "basis": "geometry",
            }
        )
    schema = {k: v for k, v in TRUTH_SCHEMA.items() if k != "truth_id"}
    truth = pl.DataFrame(out, schema=schema) if out else pl.DataFrame(schema=schema)
    truth = truth.sort(S.EVENT_TYPE, S.START_TS, S.MMSI, "vessel_key")
    ids = pl.format(
        "{}-{}", pl.lit(scenario), pl.int_range(1, pl.len() + 1).cast(pl.String).str.zfill(4)
    )
    return truth.with_columns(ids.alias("truth_id")).select(list(TRUTH_SCHEMA))
