"""Data preparation for the risk map, in polars and shapely (no folium here).

Turns tracks, events and the vessel table into GeoJSON-ready feature dicts: which vessels to
draw, their simplified tracks, one feature per event. Every text that came from AIS (names, call
signs, reasons, summaries) is carried as *data*; the page writes it with ``textContent``.

Examples
--------
>>> import polars as pl
>>> from datetime import datetime, UTC
>>> pos = pl.DataFrame({
...     "mmsi": [1, 1, 1, 1], "segment_id": ["a"] * 4,
...     "ts": [datetime(2024, 1, 1, h, tzinfo=UTC) for h in range(4)],
...     "lat": [0.0, 0.0, 0.0, 0.0], "lon": [0.0, 0.1, 0.2, 0.3]})
>>> simplify_tracks(pos, simplify_m=10.0, max_points_per_track=100).height  # straight: 2 ends
2
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import numpy as np
import polars as pl
import shapely

from vessels import schema as S
from vessels.errors import UserError
from vessels.events import EVENT_TYPES
from vessels.events.registry import DetectorTable

__all__ = [
    "EVENT_LABELS",
    "EVENT_SINGULAR",
    "EVENT_STYLES",
    "TIER_COLOURS",
    "MapData",
    "event_features",
    "prepare",
    "select_vessels",
    "simplify_tracks",
    "track_features",
]

M_PER_DEG = 111_195.0
COORD_DECIMALS = 5  # ~1 m: finer is invisible on a map and only costs bytes

#: Tier colours: an ordered light-to-dark ramp (grey, yellow, orange, dark red) that stays
#: distinct under red-green and blue-yellow colour blindness (``tests/maps/test_ux.py`` checks
#: simulated deuteranopia/protanopia/tritanopia) and from every zone line (low is grey, not the
#: blue of the EEZ dashes).
TIER_COLOURS: dict[str, str] = {
    "low": "#8c8c8c",
    "medium": "#f2c12e",
    "high": "#e66101",
    "critical": "#7f0019",
}
UNKNOWN_TIER_COLOUR = "#7f7f7f"

#: Legend label and Leaflet path options per event type, from the detector registry (live views:
#: a detector registered later appears too).
EVENT_LABELS: Mapping[str, str] = DetectorTable(lambda d: d.label)
EVENT_STYLES: Mapping[str, dict[str, Any]] = DetectorTable(lambda d: dict(d.style))
#: One event of each type, for card titles ("Zone entry: ...", not the legend's plural cut short).
EVENT_SINGULAR: dict[str, str] = {
    S.AIS_GAP: "AIS gap",
    S.ZONE_ENTRY: "Zone entry",
    S.EEZ_INCURSION: "EEZ incursion",
    S.ENCOUNTER: "Encounter",
    S.LOITERING: "Loitering",
    S.FISHING: "Fishing",
    S.DARK_RENDEZVOUS: "Dark rendezvous",
    S.IDENTITY_CONFLICT: "Identity conflict",
}


def event_singular(event_type: str) -> str:
    """The name of one event of ``event_type`` (a type we do not know: its legend label).

    >>> event_singular("zone_entry"), event_singular("dark_rendezvous")
    ('Zone entry', 'Dark rendezvous')
    """
    if event_type in EVENT_SINGULAR:
        return EVENT_SINGULAR[event_type]
    return str(EVENT_LABELS.get(event_type, event_type))


LINE_EVENTS = (S.AIS_GAP,)
TRACK_PART_EVENTS = (S.LOITERING, S.FISHING)

_SHIP_TYPES: tuple[tuple[int, int, str], ...] = (
    (30, 30, "fishing"),
    (31, 32, "towing"),
    (33, 33, "dredging"),
    (34, 34, "diving"),
    (35, 35, "military"),
    (36, 36, "sailing"),
    (37, 37, "pleasure craft"),
    (40, 49, "high-speed craft"),
    (50, 50, "pilot"),
    (51, 51, "search and rescue"),
    (52, 52, "tug"),
    (53, 59, "port / law enforcement"),
    (60, 69, "passenger"),
    (70, 79, "cargo"),
    (80, 89, "tanker"),
    (90, 99, "other"),
)

_VESSEL_OPTIONAL: dict[str, pl.DataType] = {
    S.VESSEL_NAME: pl.String(),
    S.CALLSIGN: pl.String(),
    S.FLAG: pl.String(),
    S.SHIP_TYPE: pl.UInt8(),
    S.REASONS: pl.List(pl.String()),
    S.FIRST_TS: S.TS_DTYPE,
    S.LAST_TS: S.TS_DTYPE,
    S.N_POSITIONS: pl.UInt32(),
    S.DESTINATION: pl.String(),
    S.VESSEL_ID: pl.String(),  # VMS runs: the permit / registration number the file names
}


def _ident() -> pl.Expr:
    """How a vessel is named when it has no name: its own vessel id (VMS runs, whose MMSI is a
    synthetic stand-in) or its MMSI."""
    return (
        pl.when(pl.col(S.VESSEL_ID).is_not_null())
        .then(pl.lit("vessel ") + pl.col(S.VESSEL_ID))
        .otherwise(pl.lit("MMSI ") + pl.col(S.MMSI).cast(pl.String))
    )


def _ship_type_label() -> pl.Expr:
    code = pl.col(S.SHIP_TYPE)
    expr: Any = pl.lit(None, dtype=pl.String)
    for lo, hi, label in reversed(_SHIP_TYPES):
        expr = pl.when(code.is_between(lo, hi)).then(pl.lit(label)).otherwise(expr)
    return (
        pl.when(code.is_null())
        .then(pl.lit(None, dtype=pl.String))
        .otherwise(code.cast(pl.String) + pl.lit(" ") + expr.fill_null("unknown"))
    )


def _fmt_num(expr: pl.Expr, decimals: int, unit: str = "") -> pl.Expr:
    rounded = expr.round(decimals)
    if decimals == 0:
        rounded = rounded.cast(pl.Int64)
    return rounded.cast(pl.String) + pl.lit(unit)


def _fmt_ts(expr: pl.Expr) -> pl.Expr:
    return expr.dt.strftime("%Y-%m-%d %H:%M UTC")


def select_vessels(
    vessels: pl.DataFrame, *, top_n: int, mmsi: Sequence[int] | None = None
) -> tuple[pl.DataFrame, int]:
    """Simplified positions and the number of vessels the point cap thinned."""
    missing = [c for c in (S.MMSI, S.RISK_SCORE, S.RISK_TIER) if c not in vessels.columns]
    if missing:
        raise UserError(f"vessels table lacks column(s) {', '.join(missing)}")
    v = vessels.with_columns(
        [
            pl.lit(None, dtype=dtype).alias(name)
            for name, dtype in _VESSEL_OPTIONAL.items()
            if name not in vessels.columns
        ]
    ).with_columns(pl.col(S.MMSI).cast(pl.UInt32))
    total = v.height
    ranked = v.sort([S.RISK_SCORE, S.MMSI], descending=[True, False], nulls_last=True)
    if mmsi:
        wanted = pl.Series(S.MMSI, list(mmsi), dtype=pl.UInt32)
        unknown = sorted(set(wanted.to_list()) - set(ranked[S.MMSI].to_list()))
        if unknown:
            raise UserError(
                f"MMSI not in the vessels table: {', '.join(map(str, unknown))}",
                hint="check the number, or drop --mmsi to draw the top-ranked vessels",
            )
        return ranked.filter(pl.col(S.MMSI).is_in(wanted.implode())), total
    if top_n < 1:
        raise UserError(f"top_n must be at least 1, got {top_n}")
    return ranked.head(top_n), total


def simplify_tracks(
    positions: pl.DataFrame,
    *,
    simplify_m: float,
    max_points_per_track: int,
    key: str = S.SEGMENT_ID,
) -> pl.DataFrame:
    """Douglas-Peucker simplification per (mmsi, ``key``) part, then a per-vessel point cap.

    Input and output columns: ``mmsi, <key>, ts, lat, lon`` (sorted). The tolerance is applied in
    degrees (``simplify_m`` / 111 195 m), which is conservative east-west away from the equator.
    A vessel still above ``max_points_per_track`` keeps every k-th point plus the ends of each
    part. Timestamps survive simplification (carried as the Z coordinate).
    """
    return _simplify(
        positions, simplify_m=simplify_m, max_points_per_track=max_points_per_track, key=key
    )[0]


def _simplify(
    positions: pl.DataFrame,
    *,
    simplify_m: float,
    max_points_per_track: int,
    key: str,
) -> tuple[pl.DataFrame, int]:
    """Douglas-Peucker simplification per (mmsi, ``key``) part, then a per-vessel point cap.

    Input and output columns: ``mmsi, <key>, ts, lat, lon`` (sorted). The tolerance is applied in
    degrees (``simplify_m`` / 111 195 m), which is conservative east-west away from the equator.
    A vessel still above ``max_points_per_track`` keeps every k-th point plus the ends of each
    part. Timestamps survive simplification (carried as the Z coordinate).
    """
    cols = [S.MMSI, key, S.TS, S.LAT, S.LON]
    if positions.height == 0:
        return positions.select(cols), 0
    part = (
        positions.select(cols)
        .sort([S.MMSI, key, S.TS])
        .with_columns(
            ((pl.col(S.MMSI) != pl.col(S.MMSI).shift()) | (pl.col(key) != pl.col(key).shift()))
            .fill_null(True)
            .cum_sum()
            .alias("_part")
        )
    )
    sizes = part.group_by("_part").len()
    part = part.join(sizes, on="_part", how="left")
    single = part.filter(pl.col("len") < 2).select(cols)
    multi = part.filter(pl.col("len") >= 2).with_columns(
        (pl.col("_part").rank("dense") - 1).cast(pl.Int64).alias("_idx")
    )
    if multi.height:
        epoch_s = multi[S.TS].dt.epoch("us").to_numpy().astype(np.float64) / 1e6
        lines = shapely.linestrings(
            multi[S.LON].to_numpy(),
            multi[S.LAT].to_numpy(),
            epoch_s,
            indices=multi["_idx"].to_numpy(),
        )
        simplified = shapely.simplify(lines, simplify_m / M_PER_DEG, preserve_topology=False)
        coords, idx = shapely.get_coordinates(simplified, include_z=True, return_index=True)
        keys = multi.group_by("_idx").agg(pl.col(S.MMSI).first(), pl.col(key).first())
        kept = (
            pl.DataFrame(
                {
                    "_idx": idx.astype(np.int64),
                    S.LON: coords[:, 0],
                    S.LAT: coords[:, 1],
                    "_us": np.round(coords[:, 2] * 1e6).astype(np.int64),
                }
            )
            .join(keys, on="_idx", how="left")
            .with_columns(
                pl.from_epoch("_us", time_unit="us").dt.replace_time_zone("UTC").alias(S.TS)
            )
            .select(cols)
        )
    else:
        kept = single.clear()
    out = pl.concat([kept, single.cast(kept.schema)]).sort([S.MMSI, key, S.TS])
    # per-vessel cap: every k-th point, always keeping the first and last point of each part
    out = out.with_columns(
        pl.len().over(S.MMSI).alias("_n"), pl.int_range(pl.len()).over(S.MMSI).alias("_i")
    )
    step = (pl.col("_n") / max(1, max_points_per_track)).ceil().cast(pl.Int64).clip(1)
    ends = (pl.col(key) != pl.col(key).shift(1).over(S.MMSI)).fill_null(True) | (
        pl.col(key) != pl.col(key).shift(-1).over(S.MMSI)
    ).fill_null(True)
    n_capped = out.filter(pl.col("_n") > max_points_per_track)[S.MMSI].n_unique()
    return out.filter((pl.col("_i") % step == 0) | ends).select(cols), n_capped


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


def _vessel_cards(selected: pl.DataFrame) -> pl.DataFrame:
    """One row per vessel: title, tip, rows (label, value), reasons, style colour."""
    present = [t for t in EVENT_TYPES if S.event_count_column(t) in selected.columns]
    counts_expr = (
        pl.concat_list(
            [
                pl.when(pl.col(S.event_count_column(t)).fill_null(0) > 0).then(
                    pl.lit(
                        f"{EVENT_LABELS[t].lower().replace('ais', 'AIS').replace('eez', 'EEZ')}: "
                    )
                    + pl.col(S.event_count_column(t)).cast(pl.String)
                )
                for t in present
            ]
        )
        .list.drop_nulls()
        .list.join(", ")
        if present
        else pl.lit(None, dtype=pl.String)
    )
    name = pl.col(S.VESSEL_NAME).str.strip_chars()
    title = pl.when(name.is_null() | (name == "")).then(_ident()).otherwise(name)
    score = pl.col(S.RISK_SCORE)
    return selected.select(
        S.MMSI,
        S.RISK_SCORE,
        S.RISK_TIER,
        title.alias("title"),
        (title + pl.lit(" · ") + _fmt_num(score, 0) + pl.lit(" (") + pl.col(S.RISK_TIER) + ")")
        .fill_null(title)
        .alias("tip"),
        pl.concat_list(
            [
                pl.struct(pl.lit(label).alias("l"), value.cast(pl.String).alias("v"))
                for label, value in (
                    ("Vessel id", pl.col(S.VESSEL_ID)),
                    # a VMS vessel's MMSI is a synthetic stand-in for its id: not shown
                    ("MMSI", pl.when(pl.col(S.VESSEL_ID).is_null()).then(pl.col(S.MMSI))),
                    ("Name", pl.col(S.VESSEL_NAME)),
                    ("Call sign", pl.col(S.CALLSIGN)),
                    ("Destination", pl.col(S.DESTINATION)),
                    ("Flag", pl.col(S.FLAG)),
                    ("Type", _ship_type_label()),
                    (
                        "Risk score",
                        _fmt_num(score, 0, " / 100 (") + pl.col(S.RISK_TIER) + pl.lit(")"),
                    ),
                    ("Events", counts_expr),
                    ("First seen", _fmt_ts(pl.col(S.FIRST_TS))),
                    ("Last seen", _fmt_ts(pl.col(S.LAST_TS))),
                )
            ]
        )
        .list.eval(pl.element().filter(pl.element().struct.field("v").is_not_null()))
        .alias("rows"),
        pl.col(S.REASONS).fill_null(pl.lit([], dtype=pl.List(pl.String))).alias("reasons"),
        pl.col(S.RISK_TIER)
        .replace_strict(TIER_COLOURS, default=UNKNOWN_TIER_COLOUR, return_dtype=pl.String)
        .alias("colour"),
    )


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


def _event_rows(events: pl.DataFrame, selected: pl.DataFrame) -> pl.DataFrame:
    """Events of the drawn vessels with card title/rows/tip prepared as text."""
    names = selected.select(
        S.MMSI,
        pl.when(pl.col(S.VESSEL_NAME).str.strip_chars().fill_null("") == "")
        .then(_ident())
        .when(pl.col(S.VESSEL_ID).is_not_null())
        .then(pl.col(S.VESSEL_NAME) + pl.lit(" (") + pl.col(S.VESSEL_ID) + ")")
        .otherwise(pl.col(S.VESSEL_NAME) + pl.lit(" (") + pl.col(S.MMSI).cast(pl.String) + ")")
        .alias("_who"),
    )
    missing = [c for c in (S.EVENT_ID, S.EVENT_TYPE, S.MMSI) if c not in events.columns]
    if missing:
        raise UserError(f"events lack column(s) {', '.join(missing)}")
    # tolerate minimal event frames: absent base columns are null, MMSIs compared as UInt32
    events = events.with_columns(
        [
            pl.lit(None, dtype=dtype).alias(name)
            for name, dtype in S.EVENT_BASE_SCHEMA.items()
            if name not in events.columns
        ]
    ).with_columns(pl.col(S.MMSI).cast(pl.UInt32), pl.col(S.OTHER_MMSI).cast(pl.UInt32))
    drawn = selected[S.MMSI].implode()
    ev = events.filter(
        pl.col(S.MMSI).is_in(drawn) | pl.col(S.OTHER_MMSI).is_in(drawn).fill_null(False)
    )
    ev = ev.join(names, on=S.MMSI, how="left").join(
        names.rename({S.MMSI: S.OTHER_MMSI, "_who": "_other"}), on=S.OTHER_MMSI, how="left"
    )
    ev_type = pl.col(S.EVENT_TYPE)
    singular = {t: event_singular(t) for t in set(EVENT_LABELS) | set(EVENT_SINGULAR)}
    label = ev_type.replace_strict(singular, default=ev_type, return_dtype=pl.String)
    who = pl.col("_who").fill_null(pl.lit("MMSI ") + pl.col(S.MMSI).cast(pl.String))
    other = pl.col("_other").fill_null(pl.lit("MMSI ") + pl.col(S.OTHER_MMSI).cast(pl.String))
    evidence = pl.col(S.EVIDENCE)
    ev_dtype = ev.schema.get(S.EVIDENCE)
    ev_fields = {f.name for f in ev_dtype.fields} if isinstance(ev_dtype, pl.Struct) else set()

    def field(name: str) -> pl.Expr:
        return evidence.struct.field(name) if name in ev_fields else pl.lit(None)

    row_specs: list[tuple[str, pl.Expr]] = [
        ("Vessel", who),
        ("Other vessel", other),
        ("Start", _fmt_ts(pl.col(S.START_TS))),
        ("End", _fmt_ts(pl.col(S.END_TS))),
        ("Duration", _fmt_num(pl.col(S.DURATION_H), 1, " h")),
        ("Gap", _fmt_num(field(S.EV_GAP_H).cast(pl.Float64), 1, " h")),
        ("Implied speed", _fmt_num(field(S.EV_IMPLIED_SPEED_KN).cast(pl.Float64), 1, " kn")),
        ("Gap distance", _fmt_num(field(S.EV_GAP_DIST_M).cast(pl.Float64) / 1000.0, 1, " km")),
        ("Median distance", _fmt_num(field(S.EV_MEDIAN_DIST_M).cast(pl.Float64), 0, " m")),
        ("Zone", pl.col(S.EVENT_ZONE_NAME)),
        ("EEZ", pl.col(S.EEZ_ISO3)),
        ("Shore distance", _fmt_num(pl.col(S.SHORE_KM), 1, " km")),
        ("Detail", field(S.EV_DETAIL).cast(pl.String)),
        ("Summary", field(S.EV_SUMMARY).cast(pl.String)),
        ("Event id", pl.col(S.EVENT_ID)),
    ]
    return ev.select(
        S.EVENT_ID,
        S.EVENT_TYPE,
        S.MMSI,
        S.OTHER_MMSI,
        S.SEGMENT_ID,
        S.START_TS,
        S.END_TS,
        S.LAT,
        S.LON,
        S.START_LAT,
        S.START_LON,
        S.END_LAT,
        S.END_LON,
        (label + pl.lit(": ") + who).alias("title"),
        (label + pl.lit(" · ") + who).alias("tip"),
        # the event list's row: type, vessel, start (UTC) and duration as text
        pl.struct(
            label.alias("type"),
            who.alias("vessel"),
            _fmt_ts(pl.col(S.START_TS)).alias("start"),
            _fmt_num(pl.col(S.DURATION_H), 1, " h").alias("duration"),
            pl.col(S.DURATION_H).cast(pl.Float64).alias("hours"),
        ).alias("item"),
        pl.concat_list(
            [
                pl.struct(pl.lit(lbl).alias("l"), expr.cast(pl.String).alias("v"))
                for lbl, expr in row_specs
            ]
        )
        .list.eval(pl.element().filter(pl.element().struct.field("v").is_not_null()))
        .alias("rows"),
    )


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


@dataclass
class MapData:
    """Everything the folium layer needs, prepared from the frames."""

    selected: pl.DataFrame
    n_vessels_total: int
    tracks: list[dict[str, Any]]
    events: dict[str, list[dict[str, Any]]]
    events_left_out: dict[str, int]
    n_positions_in: int
    n_points_drawn: int
    time_range: tuple[datetime, datetime] | None
    bounds: tuple[float, float, float, float] | None  # min lon, min lat, max lon, max lat
    simplified: pl.DataFrame
    notes: list[str] = field(default_factory=list)
    #: the default view: the tracks of the highest tier present (e.g. the critical vessels)
    focus_bounds: tuple[float, float, float, float] | None = None
    focus_tier: str | None = None
    #: simplified positions' line key (segment, cut at AIS gaps)
    part_key: str = S.SEGMENT_ID
    #: time bins of the vessel-card timelines (``TIMELINE_BINS`` over ``time_range``)
    timeline_bins: int = 0


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


PART = "_part"
#: Resolution of the vessel-card timeline (reception shown per 1/240 of the data's time range).
TIMELINE_BINS = 240


def split_at_gaps(positions: pl.DataFrame, events: pl.DataFrame) -> pl.DataFrame:
    """Add :data:`PART`: the segment id, cut again wherever one of the vessel's AIS gap events
    ends between two consecutive fixes (so no line is drawn straight across the gap).

    Examples
    --------
    >>> from datetime import datetime, UTC
    >>> t = [datetime(2024, 1, 1, h, tzinfo=UTC) for h in (0, 1, 9, 10)]
    >>> pos = pl.DataFrame({"mmsi": [1] * 4, "segment_id": ["a"] * 4, "ts": t,
    ...     "lat": [0.0] * 4, "lon": [0.0, 0.1, 0.2, 0.3]}, schema_overrides={"mmsi": pl.UInt32})
    >>> gaps = pl.DataFrame({"event_type": ["ais_gap"], "mmsi": [1], "end_ts": [t[2]]})
    >>> split_at_gaps(pos, gaps)["_part"].str.split("\\x1f").list.last().to_list()
    ['0', '0', '1', '1']
    """
    pos = positions.sort(S.TS).with_columns(
        pl.col(S.TS).shift().over(S.MMSI, S.SEGMENT_ID).alias("_prev_ts")
    )
    if all(c in events.columns for c in (S.EVENT_TYPE, S.MMSI, S.END_TS)):
        gaps = (
            events.filter(pl.col(S.EVENT_TYPE) == S.AIS_GAP)
            .select(pl.col(S.MMSI).cast(pl.UInt32), pl.col(S.END_TS).alias("_gap_end"))
            .drop_nulls()
            .with_columns(pl.col("_gap_end").cast(pos.schema[S.TS]))
            .sort("_gap_end")
        )
    else:
        gaps = pl.DataFrame(
            schema={S.MMSI: pl.UInt32, "_gap_end": pos.schema.get(S.TS, S.TS_DTYPE)}
        )
    cut = pos.join_asof(
        gaps,
        left_on=S.TS,
        right_on="_gap_end",
        by=S.MMSI,
        strategy="backward",
        check_sortedness=False,  # both sorted by time above
    ).with_columns(
        (pl.col("_gap_end") > pl.col("_prev_ts")).fill_null(False).cast(pl.UInt32).alias("_cut")
    )
    return (
        cut.with_columns(
            (
                pl.col(S.SEGMENT_ID)
                + pl.lit("\x1f")
                + pl.col("_cut").cum_sum().over(S.MMSI, S.SEGMENT_ID).cast(pl.String)
            ).alias(PART)
        )
        .drop("_prev_ts", "_gap_end", "_cut")
        .sort(S.MMSI, S.SEGMENT_ID, S.TS)
    )


def timelines(
    positions: pl.DataFrame, t0: datetime, t1: datetime, bins: int = TIMELINE_BINS
) -> pl.DataFrame:
    """Per vessel, the runs of time bins (of ``bins`` over ``t0..t1``) with at least one fix:
    ``mmsi``, ``tl`` (list of ``[first_bin, last_bin]``) — the "AIS received" bar of the card.
    """
    span_us = max((t1 - t0).total_seconds() * 1e6, 1.0)
    b = (
        positions.select(
            S.MMSI,
            ((pl.col(S.TS) - pl.lit(t0)).dt.total_microseconds() / span_us * bins)
            .floor()
            .clip(0, bins - 1)
            .cast(pl.Int64)
            .alias("_b"),
        )
        .unique()
        .sort(S.MMSI, "_b")
        .with_columns(
            ((pl.col("_b") - pl.col("_b").shift().over(S.MMSI)) != 1)
            .fill_null(True)
            .cum_sum()
            .over(S.MMSI)
            .alias("_run")
        )
    )
    runs = b.group_by(S.MMSI, "_run").agg(
        pl.col("_b").min().alias("a"), pl.col("_b").max().alias("z")
    )
    return (
        runs.sort(S.MMSI, "_run")
        .group_by(S.MMSI, maintain_order=True)
        .agg(pl.concat_list("a", "z").alias("tl"))
    )


#: Size of the grid cells (degrees) in which :func:`focus_area` looks for the densest group.
FOCUS_CELL_DEG = 1.0


def focus_area(
    positions: pl.DataFrame, selected: pl.DataFrame, tier: str
) -> tuple[tuple[float, float, float, float] | None, int]:
    """The default view: the positions of the ``tier`` vessels in and around (one cell each
    way) the :data:`FOCUS_CELL_DEG` grid cell holding most of them, and how many of those
    vessels also have positions outside it (e.g. a shared MMSI seen at both ends of a gulf).

    Examples
    --------
    >>> from datetime import datetime, UTC
    >>> pos = pl.DataFrame({"mmsi": [1, 1, 1, 2], "ts": [datetime(2024, 1, 1, tzinfo=UTC)] * 4,
    ...     "lat": [31.1, 31.2, 24.0, 31.3], "lon": [-114.6, -114.5, -108.0, -114.4]},
    ...     schema_overrides={"mmsi": pl.UInt32})
    >>> sel = pl.DataFrame({"mmsi": [1, 2], "risk_tier": ["critical"] * 2},
    ...     schema_overrides={"mmsi": pl.UInt32})
    >>> focus_area(pos, sel, "critical")
    ((-114.6, 31.1, -114.4, 31.3), 1)
    """
    top = positions.join(
        selected.filter(pl.col(S.RISK_TIER) == tier).select(S.MMSI), on=S.MMSI, how="semi"
    ).with_columns(
        (pl.col(S.LAT) / FOCUS_CELL_DEG).floor().alias("_cy"),
        (pl.col(S.LON) / FOCUS_CELL_DEG).floor().alias("_cx"),
    )
    if top.height == 0:
        return None, 0
    best = top.group_by("_cy", "_cx").len().sort("len", "_cy", "_cx", descending=True).row(0)
    near = ((pl.col("_cy") - best[0]).abs() <= 1) & ((pl.col("_cx") - best[1]).abs() <= 1)
    inside = top.filter(near)
    box = inside.select(
        pl.col(S.LON).min().alias("w"),
        pl.col(S.LAT).min().alias("s"),
        pl.col(S.LON).max().alias("e"),
        pl.col(S.LAT).max().alias("n"),
    ).row(0)
    elsewhere = top.filter(~near)[S.MMSI].n_unique()
    return (float(box[0]), float(box[1]), float(box[2]), float(box[3])), elsewhere


def prepare(
    tracks: pl.DataFrame | pl.LazyFrame,
    events: pl.DataFrame | pl.LazyFrame | None,
    vessels: pl.DataFrame | pl.LazyFrame,
    *,
    top_n: int,
    mmsi: Sequence[int] | None,
    simplify_m: float,
    max_points_per_track: int,
    max_points_total: int,
    max_events_per_type: int,
    max_vessels: int = 2_000,
) -> MapData:
    """Select, simplify and build features (see :func:`vessels.maps.risk_map`)."""
    vtab = vessels.collect() if isinstance(vessels, pl.LazyFrame) else vessels
    selected, total = select_vessels(vtab, top_n=top_n, mmsi=mmsi)
    notes: list[str] = []
    if selected.height > max_vessels:
        notes.append(
            f"{selected.height:,} vessels asked for; only the {max_vessels:,} highest-risk drawn "
            "to keep the file small"
        )
        selected = selected.head(max_vessels)
    elif not mmsi and total > selected.height:
        notes.append(f"showing the top {selected.height:,} of {total:,} vessels by risk score")

    lf = tracks.lazy()
    tschema = lf.collect_schema()
    missing = [c for c in (S.MMSI, S.TS, S.LAT, S.LON) if c not in tschema]
    if missing:
        raise UserError(f"tracks lack column(s) {', '.join(missing)}")
    seg = (
        pl.col(S.SEGMENT_ID).cast(pl.String)
        if S.SEGMENT_ID in tschema
        else pl.lit("0", dtype=pl.String).alias(S.SEGMENT_ID)
    )
    stats = lf.select(
        pl.len().alias("n"), pl.col(S.TS).min().alias("t0"), pl.col(S.TS).max().alias("t1")
    )
    drawn = selected[S.MMSI].implode()
    pos_lf = (
        lf.filter(pl.col(S.MMSI).cast(pl.UInt32).is_in(drawn))
        .select(pl.col(S.MMSI).cast(pl.UInt32), seg, S.TS, S.LAT, S.LON)
        .drop_nulls([S.LAT, S.LON, S.TS])
    )
    queries = [stats, pos_lf]
    if S.DESTINATION in tschema and selected[S.DESTINATION].is_null().all():
        queries.append(  # the last destination each drawn vessel broadcast (AIS text too)
            lf.filter(pl.col(S.MMSI).cast(pl.UInt32).is_in(drawn))
            .sort(S.TS)
            .group_by(pl.col(S.MMSI).cast(pl.UInt32))
            .agg(pl.col(S.DESTINATION).drop_nulls().last())
        )
    stats_df, positions, *dest = pl.collect_all(queries)
    if dest:
        selected = selected.drop(S.DESTINATION).join(
            dest[0], on=S.MMSI, how="left", maintain_order="left"
        )
    n_in: int = stats_df.item(0, "n")
    t0, t1 = stats_df["t0"][0], stats_df["t1"][0]

    if events is None:
        ev = S.empty_events()
    else:
        ev = events.collect() if isinstance(events, pl.LazyFrame) else events
    positions = split_at_gaps(positions, ev)

    per_track = max_points_per_track
    if selected.height:
        per_track = max(2, min(max_points_per_track, max_points_total // selected.height))
    simplified, n_capped = _simplify(
        positions, simplify_m=simplify_m, max_points_per_track=per_track, key=PART
    )
    if n_capped:
        notes.append(
            f"{n_capped:,} tracks thinned to at most ~{per_track:,} points each after "
            f"Douglas-Peucker ({simplify_m:g} m) to keep the file small"
        )
    tl = timelines(positions, t0, t1) if t0 is not None and t1 is not None else None
    tracks_f = track_features(selected, simplified, PART, tl)

    ev_f, left_out = event_features(
        ev,
        selected,
        positions,
        simplify_m=simplify_m,
        max_events_per_type=max_events_per_type,
    )
    for etype, n in sorted(left_out.items()):
        notes.append(
            f"{n:,} {EVENT_LABELS.get(etype, etype).lower()} not drawn "
            f"(limit {max_events_per_type:,} per type, longest kept)"
        )
    all_f = tracks_f + [f for fs in ev_f.values() for f in fs]
    # the default view: the highest tier present (critical pangas fill the screen, not a few
    # pixels of a view fitted to every drawn vessel)
    tiers = [t for t in reversed(S.RISK_TIERS) if t in {f["properties"]["tier"] for f in tracks_f}]
    focus_tier = tiers[0] if tiers else None
    focus_bounds = None
    if focus_tier is not None:
        focus_bounds, n_elsewhere = focus_area(positions, selected, focus_tier)
        if n_elsewhere:
            notes.append(
                f"view: the densest group of {focus_tier} tracks; {n_elsewhere:,} {focus_tier} "
                f"vessel{'s' if n_elsewhere > 1 else ''} also seen elsewhere (zoom out, or use "
                "the event list or search)"
            )
    return MapData(
        selected=selected,
        n_vessels_total=total,
        tracks=tracks_f,
        events=ev_f,
        events_left_out=left_out,
        n_positions_in=n_in,
        n_points_drawn=simplified.height,
        time_range=(t0, t1) if t0 is not None and t1 is not None else None,
        bounds=_bounds(all_f),
        simplified=simplified,
        notes=notes,
        focus_bounds=focus_bounds,
        focus_tier=focus_tier,
        part_key=PART,
        timeline_bins=TIMELINE_BINS if tl is not None else 0,
    )
