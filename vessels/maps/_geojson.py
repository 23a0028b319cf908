"""GeoJSON features of the risk map: one per drawn vessel track, one per event, and their bounds.

Split from :mod:`vessels.maps._data` (issue 15); the card text comes from
:mod:`vessels.maps._cards`, the simplified lines from :mod:`vessels.maps._simplify`.

Examples
--------
>>> _bounds([{"geometry": {"type": "Point", "coordinates": [1.0, 2.0]}}])
(1.0, 2.0, 1.0, 2.0)
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import polars as pl
import shapely

from vessels import schema as S
from vessels.maps._cards import EVENT_STYLES, _event_rows, _vessel_cards
from vessels.maps._simplify import _simplify

__all__ = [
    "COORD_DECIMALS",
    "LINE_EVENTS",
    "TRACK_PART_EVENTS",
    "event_features",
    "track_features",
]


COORD_DECIMALS = 5  # ~1 m: finer is invisible on a map and only costs bytes


LINE_EVENTS = (S.AIS_GAP,)


TRACK_PART_EVENTS = (S.LOITERING, S.FISHING)


def _lines_by_vessel(simplified: pl.DataFrame, key: str) -> pl.DataFrame:
    """mmsi -> list of lines (each a list of [lon, lat]) and single points, rounded."""
    pts = simplified.with_columns(
        pl.concat_list(
            pl.col(S.LON).round(COORD_DECIMALS), pl.col(S.LAT).round(COORD_DECIMALS)
        ).alias("_xy")
    )
    parts = pts.group_by([S.MMSI, key], maintain_order=True).agg(
        pl.col("_xy"), pl.col(S.TS).min().alias("_t0")
    )
    return parts.group_by(S.MMSI, maintain_order=True).agg(pl.col("_xy").alias("_lines"))


def track_features(
    selected: pl.DataFrame,
    simplified: pl.DataFrame,
    key: str = S.SEGMENT_ID,
    timeline: pl.DataFrame | None = None,
) -> list[dict[str, Any]]:
    """One GeoJSON feature per drawn vessel (MultiLineString, or Point if it has one fix).

    One line per ``key`` part (track segment, cut again at AIS gaps by :func:`prepare`).
    Features come lowest risk first so the riskiest tracks are drawn on top. ``timeline``
    (``mmsi``, ``tl``: reception runs in time bins) goes into the vessel card.
    """
    cards = _vessel_cards(selected)
    if timeline is not None:
        cards = cards.join(timeline, on=S.MMSI, how="left")
    else:
        cards = cards.with_columns(pl.lit(None).alias("tl"))
    lines = _lines_by_vessel(simplified, key)
    rows = (
        cards.join(lines, on=S.MMSI, how="inner")
        .sort([S.RISK_SCORE, S.MMSI], nulls_last=False)
        .to_dicts()
    )
    features: list[dict[str, Any]] = []
    for r in rows:  # one iteration per drawn vessel (<= top_n), not per position
        multi = [ln for ln in r["_lines"] if len(ln) >= 2]
        if multi:
            geometry: dict[str, Any] = {"type": "MultiLineString", "coordinates": multi}
        else:
            geometry = {"type": "Point", "coordinates": r["_lines"][0][0]}
        style: dict[str, Any] = {
            "color": r["colour"],
            "weight": 3,
            "opacity": 0.9,
            "className": f"vessels-track vessels-mmsi-{r[S.MMSI]}",
        }
        if not multi:
            style.update(radius=5, fillColor=r["colour"], fillOpacity=0.9)
        features.append(
            {
                "type": "Feature",
                "geometry": geometry,
                "properties": {
                    "kind": "track",
                    "mmsi": r[S.MMSI],
                    "tier": r[S.RISK_TIER],
                    "title": r["title"],
                    "tip": r["tip"],
                    "rows": r["rows"],
                    "reasons": r["reasons"],
                    "timeline": r["tl"] or [],
                    "style": style,
                },
            }
        )
    return features


def _r(x: float | None) -> float | None:
    return None if x is None or (isinstance(x, float) and math.isnan(x)) else round(x, 5)


def event_features(
    events: pl.DataFrame,
    selected: pl.DataFrame,
    positions: pl.DataFrame,
    *,
    simplify_m: float,
    max_events_per_type: int,
) -> tuple[dict[str, list[dict[str, Any]]], dict[str, int]]:
    """Features per event type for the drawn vessels, and how many events were left out.

    Gaps become dashed lines from the last fix before to the first fix after; loitering and
    fishing become the track slice between start and end (a straight line if no fix falls in
    it); the other types become points at the event's representative position.
    """
    rows = _event_rows(events, selected)
    # keep the longest events when a type has too many (longest are the most telling)
    ranked = rows.with_columns(
        pl.col(S.END_TS)
        .sub(pl.col(S.START_TS))
        .rank("ordinal", descending=True)
        .over(S.EVENT_TYPE)
        .alias("_rank")
    )
    dropped = ranked.filter(pl.col("_rank") > max_events_per_type).group_by(S.EVENT_TYPE).len()
    left_out = dict(zip(dropped[S.EVENT_TYPE].to_list(), dropped["len"].to_list(), strict=True))
    rows = ranked.filter(pl.col("_rank") <= max_events_per_type).drop("_rank")

    # track slices of loitering / fishing events: the event's own segment when it names one (an
    # MMSI shared by two transmitters has two simultaneous segments far apart), one line per part
    slices: dict[str, list[list[list[float]]]] = {}
    parts = rows.filter(pl.col(S.EVENT_TYPE).is_in(TRACK_PART_EVENTS)).select(
        S.EVENT_ID,
        S.MMSI,
        pl.col(S.SEGMENT_ID).alias("_ev_seg"),
        S.START_TS,
        S.END_TS,
    )
    if parts.height and positions.height:
        inside = (
            positions.select(S.MMSI, S.SEGMENT_ID, S.TS, S.LAT, S.LON)
            .join(parts, on=S.MMSI, how="inner")
            .filter(
                pl.col(S.TS).is_between(pl.col(S.START_TS), pl.col(S.END_TS))
                & (pl.col("_ev_seg").is_null() | (pl.col("_ev_seg") == pl.col(S.SEGMENT_ID)))
            )
            .with_columns(
                (pl.col(S.EVENT_ID) + pl.lit("\x1f") + pl.col(S.SEGMENT_ID)).alias("_part_key")
            )
        )
        if inside.height:
            simp, _ = _simplify(
                inside, simplify_m=simplify_m, max_points_per_track=10**9, key="_part_key"
            )
            by_event = (
                simp.with_columns(pl.col("_part_key").str.split("\x1f").list.first().alias("_eid"))
                .group_by("_eid", "_part_key", maintain_order=True)
                .agg(
                    pl.concat_list(
                        pl.col(S.LON).round(COORD_DECIMALS), pl.col(S.LAT).round(COORD_DECIMALS)
                    ).alias("_xy")
                )
                .filter(pl.col("_xy").list.len() >= 2)
                .group_by("_eid", maintain_order=True)
                .agg(pl.col("_xy"))
            )
            slices = dict(zip(by_event["_eid"].to_list(), by_event["_xy"].to_list(), strict=True))

    out: dict[str, list[dict[str, Any]]] = {}
    for r in rows.to_dicts():  # one iteration per drawn event (capped per type)
        etype = r[S.EVENT_TYPE]
        start = (_r(r[S.START_LON]), _r(r[S.START_LAT]))
        end = (_r(r[S.END_LON]), _r(r[S.END_LAT]))
        point = (_r(r[S.LON]), _r(r[S.LAT]))
        geometry: dict[str, Any] | None = None
        lines = slices.get(r[S.EVENT_ID]) if etype in TRACK_PART_EVENTS else None
        if lines:
            geometry = {"type": "MultiLineString", "coordinates": lines}
        elif (etype in LINE_EVENTS or etype in TRACK_PART_EVENTS) and None not in (*start, *end):
            geometry = {"type": "LineString", "coordinates": [list(start), list(end)]}
        elif None not in point:
            geometry = {"type": "Point", "coordinates": list(point)}
        elif None not in start:
            geometry = {"type": "Point", "coordinates": list(start)}
        if geometry is None:
            continue
        style = dict(EVENT_STYLES.get(etype, EVENT_STYLES[S.ZONE_ENTRY]))
        style["className"] = f"vessels-event vessels-{etype}"
        if geometry["type"] == "Point" and "radius" not in style:
            style.update(radius=6, fillColor=style.get("color", "#333"), fillOpacity=0.9)
        out.setdefault(etype, []).append(
            {
                "type": "Feature",
                "geometry": geometry,
                "properties": {
                    "kind": etype,
                    "mmsi": r[S.MMSI],
                    "link": [m for m in (r[S.MMSI], r[S.OTHER_MMSI]) if m is not None],
                    "t0": None
                    if r[S.START_TS] is None
                    else r[S.START_TS].strftime("%Y-%m-%dT%H:%M:%SZ"),
                    "t1": None
                    if r[S.END_TS] is None
                    else r[S.END_TS].strftime("%Y-%m-%dT%H:%M:%SZ"),
                    "title": r["title"],
                    "tip": r["tip"],
                    "rows": r["rows"],
                    "item": r["item"],
                    "style": style,
                },
            }
        )
    return out, left_out


def _bounds(features: list[dict[str, Any]]) -> tuple[float, float, float, float] | None:
    coords = [shapely.get_coordinates(shapely.geometry.shape(f["geometry"])) for f in features]
    if not coords:
        return None
    xy = np.concatenate(coords)
    if xy.size == 0:
        return None
    return (
        float(xy[:, 0].min()),
        float(xy[:, 1].min()),
        float(xy[:, 0].max()),
        float(xy[:, 1].max()),
    )
