"""Data preparation for the risk map, in polars and shapely (no folium here).

Turns tracks, events and the vessel table into GeoJSON-ready feature dicts: which vessels to
draw, their simplified tracks, one feature per event. Every text that came from AIS (names, call
signs, reasons, summaries) is carried as *data*; the page writes it with ``textContent``.

:func:`prepare` runs the steps, each in its own module: selection (:mod:`vessels.maps._select`),
simplification (:mod:`vessels.maps._simplify`), card text (:mod:`vessels.maps._cards`) and the
GeoJSON features (:mod:`vessels.maps._geojson`); their public names are re-exported here.

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

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import polars as pl

from vessels import schema as S
from vessels.errors import UserError
from vessels.maps._cards import (
    EVENT_LABELS,
    EVENT_SINGULAR,
    EVENT_STYLES,
    TIER_COLOURS,
    TIMELINE_BINS,
    UNKNOWN_TIER_COLOUR,
    event_singular,
    timelines,
)
from vessels.maps._geojson import (
    COORD_DECIMALS,
    LINE_EVENTS,
    TRACK_PART_EVENTS,
    _bounds,
    event_features,
    track_features,
)
from vessels.maps._select import FOCUS_CELL_DEG, focus_area, select_vessels
from vessels.maps._simplify import M_PER_DEG, PART, _simplify, simplify_tracks, split_at_gaps

__all__ = [
    "COORD_DECIMALS",
    "EVENT_LABELS",
    "EVENT_SINGULAR",
    "EVENT_STYLES",
    "FOCUS_CELL_DEG",
    "LINE_EVENTS",
    "M_PER_DEG",
    "PART",
    "TIER_COLOURS",
    "TIMELINE_BINS",
    "TRACK_PART_EVENTS",
    "UNKNOWN_TIER_COLOUR",
    "MapData",
    "event_features",
    "event_singular",
    "focus_area",
    "prepare",
    "select_vessels",
    "simplify_tracks",
    "split_at_gaps",
    "timelines",
    "track_features",
]


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
