"""Card text of the risk map: tier colours, event labels, vessel and event cards, timelines.

Every text that came from AIS (names, call signs, reasons, summaries) is carried as *data*; the
page writes it with ``textContent``. Split from :mod:`vessels.maps._data` (issue 15).

Examples
--------
>>> event_singular("encounter")
'Encounter'
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

import polars as pl

from vessels import schema as S
from vessels.errors import UserError
from vessels.events import EVENT_TYPES
from vessels.events.registry import DetectorTable

__all__ = [
    "EVENT_LABELS",
    "EVENT_SINGULAR",
    "EVENT_STYLES",
    "TIER_COLOURS",
    "TIMELINE_BINS",
    "UNKNOWN_TIER_COLOUR",
    "event_singular",
    "timelines",
]


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


#: Resolution of the vessel-card timeline (reception shown per 1/240 of the data's time range).
TIMELINE_BINS = 240


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
