"""The fleet layer of the risk map: where a fleet's members were, hour by hour (density over time).

For every ``fleet_presence`` episode (:mod:`vessels.events.fleet`) the members' own positions
between their first and last time in the band are binned into grid cells (``cell_deg``) and UTC
hours; each (fleet, hour, cell) with at least one member is a square coloured by how many
distinct members were in it that hour. The page shows one hour at a time: a slider panel
(``vessels-layers.js``) steps through the hours, starting at the fleet's peak, and says how many
members were present. One marker per fleet opens the fleet card: flag, bordered EEZ, members,
most at once, the count over time and the members' own EEZ incursions.

Why not folium's ``HeatMapWithTime`` or ``TimestampedGeoJson``: both install *the* map's
single ``map.timeDimension`` (``--time-slider`` already uses it for the tracks), and
``HeatMapWithTime`` loads heatmap.js from folium's GitHub tree, which the offline bundle does not
carry. Plain GeoJSON cells with our own hour control work offline, next to the time slider, and
their text travels in the page's data block like every other card.

Examples
--------
>>> from vessels import schema as S
>>> fleet_layer(S.empty_events(), None).features
[]
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import polars as pl

from vessels import schema as S
from vessels.events.fleet import fleet_table

__all__ = ["DENSITY_COLOURS", "FleetLayer", "fleet_layer"]

#: Sequential fill colours by members in a cell in one hour: 1, 2-4, 5-9, 10-19, 20+.
DENSITY_COLOURS: tuple[tuple[int, str], ...] = (
    (20, "#7f2704"),
    (10, "#d94801"),
    (5, "#fd8d3c"),
    (2, "#fdbe85"),
    (1, "#feedde"),
)
FLEET_MARKER_STYLE = {
    "radius": 9,
    "color": "#4a1486",
    "weight": 2,
    "fillColor": "#fd8d3c",
    "fillOpacity": 0.95,
}
_HOUR = "%Y-%m-%dT%H:%M:%SZ"


@dataclass
class FleetLayer:
    """Features of the fleet layer (cards still as text: the page moves them to its data block).

    Attributes
    ----------
    features
        ``fleet`` markers (one per episode) then ``fleet_cell`` squares (one per fleet, hour and
        cell with members; ``t0`` = the hour).
    notes
        What was left out (cell cap), for the title panel.
    """

    features: list[dict[str, Any]] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    n_fleets: int = 0


def _colour(n: pl.Expr) -> pl.Expr:
    expr = pl.lit(DENSITY_COLOURS[-1][1])
    for lo, colour in reversed(DENSITY_COLOURS[:-1]):
        expr = pl.when(n >= lo).then(pl.lit(colour)).otherwise(expr)
    return expr


def legend_rows() -> list[dict[str, Any]]:
    """Legend rows of the layer: the fleet marker and the density colours."""
    rows: list[dict[str, Any]] = [
        {
            "symbol": {
                "shape": "dot",
                "css": {
                    "background": FLEET_MARKER_STYLE["fillColor"],
                    "border-color": FLEET_MARKER_STYLE["color"],
                },
            },
            "label": "fleet (click: members, count over time)",
        }
    ]
    (hi, dark), (_, light) = DENSITY_COLOURS[0], DENSITY_COLOURS[-1]
    rows.append(
        {
            "symbol": {
                "shape": "box",
                "css": {
                    "background": f"linear-gradient(90deg, {light}, {dark})",
                    "border-color": dark,
                },
            },
            "label": f"members in a cell that hour: 1 to {hi}+",
        }
    )
    return rows


def fleet_layer(
    events: pl.DataFrame,
    tracks: pl.DataFrame | pl.LazyFrame | None,
    *,
    cell_deg: float = 0.1,
    max_cells: int = 20_000,
) -> FleetLayer:
    """The fleet layer's features from the events and the positions (see the module docstring).

    Parameters
    ----------
    events
        Events (``fleet_presence`` and ``eez_incursion`` are used).
    tracks
        Positions with ``mmsi, ts, lat, lon`` (a LazyFrame is filtered to the fleets' members
        and times before collecting); None draws the fleet markers only.
    cell_deg
        Grid cell size in degrees (default 0.1°, ~11 km: a fleet's band is tens of km wide).
    max_cells
        Most cells drawn (the busiest hours of each fleet are kept; the title panel says so).
    """
    out = FleetLayer()
    fp = events.filter(pl.col(S.EVENT_TYPE) == S.FLEET_PRESENCE)
    if fp.height == 0:
        return out
    table = fleet_table(events)
    out.n_fleets = table.height
    out.features.extend(_fleet_markers(table))
    if tracks is None:
        return out
    windows = fp.select(
        pl.col(S.MMSI).cast(pl.UInt32),
        pl.col(S.EVIDENCE).struct.field(S.EV_FLEET_ID),
        pl.col(S.START_TS).alias("_a"),
        pl.col(S.END_TS).alias("_b"),
    )
    members = windows[S.MMSI].unique().implode()
    pos = (
        tracks.lazy()
        .select(pl.col(S.MMSI).cast(pl.UInt32), S.TS, S.LAT, S.LON)
        .filter(pl.col(S.MMSI).is_in(members))
        .drop_nulls([S.TS, S.LAT, S.LON])
        .join(windows.lazy(), on=S.MMSI)
        .filter(pl.col(S.TS).is_between(pl.col("_a"), pl.col("_b")))
        .with_columns(
            pl.col(S.TS).dt.truncate("1h").alias("_hour"),
            (pl.col(S.LAT) / cell_deg).floor().cast(pl.Int32).alias("_cy"),
            (pl.col(S.LON) / cell_deg).floor().cast(pl.Int32).alias("_cx"),
        )
    )
    per_hour = pos.group_by("fleet_id", "_hour").agg(
        pl.col(S.MMSI).n_unique().cast(pl.UInt32).alias("_at_hour")
    )
    cells = (
        pos.group_by("fleet_id", "_hour", "_cy", "_cx")
        .agg(pl.col(S.MMSI).n_unique().cast(pl.UInt32).alias("_n"))
        .join(per_hour, on=["fleet_id", "_hour"])
        .sort(
            ["_at_hour", "fleet_id", "_hour", "_n", "_cy", "_cx"], descending=[True] + [False] * 5
        )
        .collect()
    )
    if cells.height > max_cells:
        out.notes.append(
            f"fleet layer: {cells.height - max_cells:,} of {cells.height:,} hour cells not drawn "
            f"(limit {max_cells:,}, busiest hours kept)"
        )
        cells = cells.head(max_cells)
    meta = table.select("fleet_id", S.FLAG, S.EEZ_ISO3, "n_members")
    cells = cells.join(meta, on="fleet_id", how="left").sort("fleet_id", "_hour", "_cy", "_cx")
    out.features.extend(_cell_features(cells, cell_deg))
    return out


def _fleet_markers(table: pl.DataFrame) -> list[dict[str, Any]]:
    counts = (
        pl.col("count_by_hour")
        .list.eval(
            pl.element().struct.field("hour").dt.strftime("%H:%M")
            + pl.lit(" ")
            + pl.element().struct.field("n_vessels").cast(pl.String)
        )
        .list.join(" · ")
    )
    rows = table.select(
        "fleet_id",
        S.LAT,
        S.LON,
        pl.format("Fleet of {} {}-flagged fishing vessels", "n_members", S.FLAG).alias("title"),
        pl.format("fleet {} · {} members", S.FLAG, "n_members").alias("tip"),
        pl.concat_list(
            [
                pl.struct(pl.lit(label).alias("l"), value.cast(pl.String).alias("v"))
                for label, value in (
                    ("Fleet id", pl.col("fleet_id")),
                    ("Flag", pl.col(S.FLAG)),
                    ("Along the EEZ of", pl.col(S.EEZ_ISO3)),
                    ("Members", pl.col("n_members")),
                    ("Most at once", pl.col("max_at_once")),
                    ("From", pl.col(S.START_TS).dt.strftime("%Y-%m-%d %H:%M UTC")),
                    ("To", pl.col(S.END_TS).dt.strftime("%Y-%m-%d %H:%M UTC")),
                    ("Count over time (UTC hour, members)", counts),
                    ("Incursions by members", pl.col("n_incursions")),
                    (
                        "Incursion events",
                        pl.when(pl.col("n_incursions") > 0).then(
                            pl.col("incursion_ids").list.head(20).list.join(", ")
                        ),
                    ),
                    ("Member MMSIs", pl.col("members").cast(pl.List(pl.String)).list.join(", ")),
                )
            ]
        )
        .list.eval(pl.element().filter(pl.element().struct.field("v").is_not_null()))
        .alias("rows"),
    ).to_dicts()
    return [
        {
            "type": "Feature",
            "geometry": {"type": "Point", "coordinates": [round(r[S.LON], 5), round(r[S.LAT], 5)]},
            "properties": {
                "kind": "fleet",
                "title": r["title"],
                "tip": r["tip"],
                "rows": r["rows"],
                "style": {**FLEET_MARKER_STYLE, "pane": "vessels-events"},  # above the tracks
            },
        }
        for r in rows  # one per fleet episode
        if r[S.LAT] is not None and r[S.LON] is not None
    ]


def _cell_features(cells: pl.DataFrame, cell_deg: float) -> list[dict[str, Any]]:
    rows = cells.select(
        (pl.col("_cx") * cell_deg).round(5).alias("_w"),
        (pl.col("_cy") * cell_deg).round(5).alias("_s"),
        ((pl.col("_cx") + 1) * cell_deg).round(5).alias("_e"),
        ((pl.col("_cy") + 1) * cell_deg).round(5).alias("_n_"),
        pl.col("_hour").dt.strftime(_HOUR).alias("t0"),
        _colour(pl.col("_n")).alias("_fill"),
        pl.format("{} of the {} fleet here", "_n", S.FLAG).alias("tip"),
        pl.format(
            "{} member(s) in this cell, {} UTC", "_n", pl.col("_hour").dt.strftime("%Y-%m-%d %H:%M")
        ).alias("title"),
        pl.concat_list(
            [
                pl.struct(pl.lit(label).alias("l"), value.cast(pl.String).alias("v"))
                for label, value in (
                    ("Fleet id", pl.col("fleet_id")),
                    ("Flag", pl.col(S.FLAG)),
                    ("Along the EEZ of", pl.col(S.EEZ_ISO3)),
                    ("Members in this cell", pl.col("_n")),
                    ("Members present this hour", pl.col("_at_hour")),
                    ("Members in all", pl.col("n_members")),
                )
            ]
        )
        .list.eval(pl.element().filter(pl.element().struct.field("v").is_not_null()))
        .alias("rows"),
    ).to_dicts()
    return [
        {
            "type": "Feature",
            "geometry": {
                "type": "Polygon",
                "coordinates": [
                    [
                        [r["_w"], r["_s"]],
                        [r["_e"], r["_s"]],
                        [r["_e"], r["_n_"]],
                        [r["_w"], r["_n_"]],
                        [r["_w"], r["_s"]],
                    ]
                ],
            },
            "properties": {
                "kind": "fleet_cell",
                "t0": r["t0"],
                "title": r["title"],
                "tip": r["tip"],
                "rows": r["rows"],
                "style": {
                    "color": "#7f2704",
                    "weight": 0.5,
                    "fillColor": r["_fill"],
                    "fillOpacity": 0.75,
                },
            },
        }
        for r in rows  # one per fleet, hour and occupied cell (capped by max_cells)
    ]
