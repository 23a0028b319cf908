"""Ground truth: planted behaviours -> truth rows with real timestamps and MMSIs.

Gaps are timed from the received messages (start = last position before the transmitter went
off, end = first position after). Zone entries and EEZ incursions are derived geometrically
from the received clean positions (GPS jumps excluded) against the default zone layers
(:func:`vessels.zones.default_zones`), so the truth and the detectors use the same boundaries.

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

__all__ = ["TRUTH_SCHEMA", "build_truth", "zone_layers", "zones_fingerprint"]

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

#: outside-the-zone time that still counts as the same visit (boundary flicker from GPS noise)
MERGE_GAP_H = 0.5


def zone_layers() -> list[tuple[str, str, str, Any]]:
    """(zone_id, kind, iso3, geometry) of :func:`vessels.zones.default_zones`."""
    from vessels.zones import default_zones

    gdf = default_zones()
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
    fishing = dict(
        zip(st["_v"].to_list(), (st[S.SHIP_TYPE] == 30).fill_null(False).to_list(), strict=True)
    )
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
                        event_type=S.EEZ_INCURSION,
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
                        event_type=S.ZONE_ENTRY,
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
        if ev.event_type == S.EEZ_INCURSION and ev.zone_id in zone_layer_ids:
            continue  # derived from the zone layer below
        if ev.event_type == S.AIS_GAP or ev.subtype == "static_change":
            # the two consecutive received positions around the dark period (or the rename);
            # message times carry +-2 s clock jitter, hence the slack
            t = t_of(vis[0])
            after = t[t >= b - 2.5] if ev.event_type == S.AIS_GAP else t[t >= a]
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
            if ev.event_type == S.PORT_VISIT and b > horizon_s:
                continue  # still in port when the data ends: an open visit, departure unknown
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
