"""Behaviour detectors: one event table for gaps, zone entries, EEZ incursions, encounters,
loitering, fishing, dark rendezvous and identity conflicts.

:func:`detect_events` runs them all over segmented, zone-labelled positions and returns one frame
in :data:`vessels.schema.EVENT_SCHEMA`, sorted by ``start_ts, event_type, mmsi, other_mmsi,
event_id``. Each detector is also callable alone (``detect_gaps(tracks, config)``, ...).
The table, every evidence field and every default with its source are documented in
``docs/events.md``.

Examples
--------
>>> from datetime import timedelta
>>> import polars as pl
>>> from vessels.testing import make_track, staged
>>> a = make_track(n=6, interval_s=600)
>>> b = make_track(n=3, interval_s=600, start=a["ts"].max() + timedelta(hours=7))
>>> ev = detect_events(staged(pl.concat([a, b])), types=["ais_gap"])
>>> ev["evidence"].struct.field("summary").to_list()
['AIS off 7.0 h, went dark']
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

import polars as pl

from vessels import schema as S
from vessels.errors import ConfigError
from vessels.events._common import (
    Frameish,
    finish,
    prepare,
    small_pages,
    sort_events,
    zone_table,
)
from vessels.events.config import PROFILES_DIR, DetectorConfig, DetectorSettings, profile_path
from vessels.events.coverage import CoverageContext, coverage_context, with_harbour
from vessels.events.dark_rendezvous import DarkRendezvousConfig, detect_dark_rendezvous
from vessels.events.eez_incursion import EezIncursionConfig, detect_eez_incursions
from vessels.events.encounter import EncounterConfig, detect_encounters
from vessels.events.fishing import (
    FISHING_SCORE,
    FishingConfig,
    detect_fishing,
    fishing_score,
    with_fishing_score,
)
from vessels.events.fleet import FleetConfig, detect_fleets, fleet_table
from vessels.events.gaps import GapConfig, detect_gaps
from vessels.events.identity import IdentityConfig, detect_identity_conflicts
from vessels.events.identity_change import IdentityChangeConfig, detect_identity_changes
from vessels.events.loitering import LoiteringConfig, detect_loitering
from vessels.events.port_visit import PortVisitConfig, detect_port_visits  # noqa: F401
from vessels.events.registry import Context, Detector, detectors, register, register_package
from vessels.events.watchlist_hit import WatchlistConfig, detect_watchlist_hits
from vessels.events.zone_entry import ZoneEntryConfig, detect_zone_entries
from vessels.watchlist import load_watchlist

#: The built-in event types in report order: one per detector module of this package (each
#: module registers its record; adding a built-in detector is adding its module).
EVENT_TYPES: tuple[str, ...] = register_package(__name__, __path__)

__all__ = [
    "EVENT_TYPES",
    "FISHING_SCORE",
    "PROFILES_DIR",
    "Context",
    "DarkRendezvousConfig",
    "Detector",
    "DetectorConfig",
    "DetectorSettings",
    "EezIncursionConfig",
    "EncounterConfig",
    "FishingConfig",
    "FleetConfig",
    "GapConfig",
    "IdentityChangeConfig",
    "IdentityConfig",
    "LoiteringConfig",
    "WatchlistConfig",
    "ZoneEntryConfig",
    "detect_dark_rendezvous",
    "detect_eez_incursions",
    "detect_encounters",
    "detect_events",
    "detect_events_and_coverage",
    "detect_fishing",
    "detect_fleets",
    "detect_gaps",
    "detect_identity_changes",
    "detect_identity_conflicts",
    "detect_loitering",
    "detect_watchlist_hits",
    "detect_zone_entries",
    "detectors",
    "events_by_vessel",
    "finish",
    "fishing_score",
    "fleet_table",
    "prepare",
    "profile_path",
    "register",
    "zone_table",
]


def _config(config: DetectorConfig | DetectorSettings | str | Path | None) -> DetectorConfig:
    if config is None:
        return DetectorConfig()
    if isinstance(config, DetectorConfig):
        return config
    if isinstance(config, DetectorSettings):  # a risk profile: its detector overrides
        return config.detector_config()
    if isinstance(config, str | Path):
        return DetectorConfig.from_toml(config)
    raise TypeError(
        "config must be a DetectorConfig, a risk profile (vessels.load_profile(...)) or the path "
        f"of a detector TOML file, got {type(config).__name__} {config!r}"
    )


def detect_events(
    tracks: Frameish | Sequence[Frameish],
    zones: Any = None,
    config: DetectorConfig | DetectorSettings | str | Path | None = None,
    *,
    types: Iterable[str] | None = None,
    watchlist: str | Path | pl.DataFrame | None = None,
    coverage: CoverageContext | None = None,
    parts: dict[str, pl.DataFrame] | None = None,
    given: dict[str, pl.DataFrame] | None = None,
) -> pl.DataFrame:
    """Run the detectors and return one event table (:data:`vessels.schema.EVENT_SCHEMA`).

    Parameters
    ----------
    tracks : DataFrame, LazyFrame or a sequence of them
        Positions (POSITION_SCHEMA) with ``vessels.tracks.segment`` columns and
        ``vessels.zones.label_zones`` columns (``eez_iso3, zone_ids, shore_km``). Tracks
        without ``segment_id`` or a zone label column are refused (SchemaError naming the stage
        to run): the detectors do not segment or label. Null labels mean unknown, which
        disables the shore and zone conditions.
    zones : GeoDataFrame or polars DataFrame, optional
        Zone attributes ``zone_id, name, kind`` (only attribute columns are read), used to name
        zones and to know their kind. Without it, kinds are guessed from id prefixes.
    config : DetectorConfig, a risk Profile, or path of a detector TOML file, optional
        Thresholds; defaults documented in ``docs/events.md``. A risk profile
        (:func:`vessels.load_profile`) gives its ``detectors``/``[events]`` overrides, exactly
        as :func:`vessels.run` uses them.
    types : iterable of str, optional
        Event types to run (default: every registered detector, see
        :mod:`vessels.events.registry`).
    watchlist : path or DataFrame, optional
        The analyst's watchlist (:func:`vessels.watchlist.load_watchlist`) for ``watchlist_hit``.
    coverage : CoverageContext, optional
        What depends on all the run's positions, not one vessel's: learned anchorages, data
        horizon, coverage extent (:func:`vessels.events.coverage.coverage_context`). Default:
        computed from ``tracks``. A partitioned run (:mod:`vessels.partition`) computes it once
        over the whole input and gives it to every part, so each part sees what the whole run
        sees.
    parts : dict, optional
        For ``scope="global"`` detectors (:mod:`vessels.events.registry`), by event type: their
        per-vessel parts of all the run's vessels (default: computed from ``tracks``).
    given : dict, optional
        Events already found, by event type, that the wanted detectors read (``uses``): they are
        not detected again. A partitioned run gives a ``scope="global"`` detector the events of
        every bucket this way (e.g. ``fleet_presence`` reads all ``eez_incursion`` events).

    Returns
    -------
    polars.DataFrame
        Events sorted by ``start_ts, event_type, mmsi, other_mmsi, event_id``.

    Examples
    --------
    Two vessels drifting 200 m apart for three hours, 80 km offshore:

    >>> import polars as pl
    >>> from vessels.testing import make_track, staged
    >>> pair = pl.concat([make_track(1, n=181, speed_kn=0.5), make_track(2, n=181, speed_kn=0.5,
    ...                   lat=25.0018)]).with_columns(pl.lit(80.0).alias("shore_km"))
    >>> ev = detect_events(staged(pair), types=["encounter"])
    >>> ev.select("mmsi", "other_mmsi", "duration_h").rows()
    [(1, 2, 3.0)]
    >>> ev["evidence"].struct.field("summary").item()
    'within 200 m of MMSI 2 for 3.0 h at 0.5 kn, 80 km from shore'
    """
    events, _ = detect_events_and_coverage(
        tracks,
        zones,
        config,
        types=types,
        watchlist=watchlist,
        coverage=coverage,
        parts=parts,
        given=given,
    )
    return events


def detect_events_and_coverage(
    tracks: Frameish | Sequence[Frameish],
    zones: Any = None,
    config: DetectorConfig | DetectorSettings | str | Path | None = None,
    *,
    types: Iterable[str] | None = None,
    watchlist: str | Path | pl.DataFrame | None = None,
    coverage: CoverageContext | None = None,
    parts: dict[str, pl.DataFrame] | None = None,
    given: dict[str, pl.DataFrame] | None = None,
) -> tuple[pl.DataFrame, CoverageContext]:
    """Run the detectors; return the event table and the coverage context they read.

    :func:`detect_events` with its coverage context: the one given, or the one computed from
    the prepared positions (no second read of ``tracks``), for callers that report it too (the
    reception grid of ``summary.json``, :mod:`vessels.pipeline`). Parameters as
    :func:`detect_events`.

    Examples
    --------
    >>> from vessels.testing import make_track, staged
    >>> events, context = detect_events_and_coverage(staged(make_track(n=5)), types=["ais_gap"])
    >>> events.height, context.reception.height
    (0, 1)
    """
    cfg = _config(config)
    records = {d.event_type: d for d in detectors()}
    if isinstance(types, str):
        raise TypeError(f"types must be a list of event types, got the text {types!r}")
    wanted = list(records) if types is None else list(types)
    unknown = sorted(set(wanted) - set(records))
    if unknown:
        raise ConfigError(
            f"unknown event type(s) {', '.join(unknown)} (known: {', '.join(records)})"
        )
    needed = set(wanted)
    for t in reversed(list(records)):  # a detector's inputs run first (registry order)
        if t in needed:
            needed.update(records[t].uses)
    # numpy views of 10 M-row columns on small pages: no huge-page compaction stalls
    with small_pages():
        p = prepare(tracks)
        if coverage is None:
            # from the prepared columns themselves, not a second read of the tracks (at 10 M
            # positions a read of seven columns, 0.5 GiB of fresh pages); its working set (the
            # reception grid's, ~0.55 GiB) no longer sets the stage's peak, the detectors do
            coverage = coverage_context(p)
        if any(records[t].fishing_score for t in needed):  # reused when the tracks carry it
            p = with_fishing_score(p, cfg.fishing)
        # the port/anchorage gate (learned crowd cells + in_port/at_anchorage) once for all the
        # detectors that read it, from the run's anchorages (all its positions)
        p = with_harbour(p, coverage)
        wl = None if watchlist is None else load_watchlist(watchlist)
        context = Context(zones=zones, watchlist=wl, coverage=coverage, parts=dict(parts or {}))
        out: list[pl.DataFrame] = []
        for t, record in records.items():
            if t not in needed:
                continue
            if given is not None and t in given and t not in wanted:
                context.events[t] = given[t]
                continue
            context.events[t] = record.detect(p, cfg.section(t), context)
            if t in wanted:
                out.append(context.events[t])
    events = pl.concat(out) if out else S.empty_events()
    return sort_events(_name_zones(events, zones)), coverage


def _name_zones(events: pl.DataFrame, zones: Any) -> pl.DataFrame:
    """Fill ``zone_name`` from the zone table where a detector left it null."""
    if events.height == 0:
        return events
    zt = zone_table(zones, events[S.EVENT_ZONE_ID] if zones is None else None)
    names = zt.select(pl.col(S.ZONE_ID).alias(S.EVENT_ZONE_ID), pl.col(S.ZONE_NAME).alias("_zn"))
    return (
        events.join(names, on=S.EVENT_ZONE_ID, how="left", maintain_order="left")
        .with_columns(pl.coalesce(S.EVENT_ZONE_NAME, "_zn").alias(S.EVENT_ZONE_NAME))
        .drop("_zn")
    )


def events_by_vessel(events: pl.DataFrame) -> pl.DataFrame:
    """One row per (vessel, event): pair events appear for both ``mmsi`` and ``other_mmsi``.

    Adds ``vessel_mmsi`` and ``role`` (``"primary"`` for ``mmsi``, ``"other"`` for
    ``other_mmsi``); risk scoring uses it to attribute an encounter to both vessels.

    Examples
    --------
    >>> ev = S.empty_events().vstack(S.empty_events())
    >>> events_by_vessel(ev).columns[-2:]
    ['vessel_mmsi', 'role']
    """
    primary = events.with_columns(
        pl.col(S.MMSI).alias("vessel_mmsi"), pl.lit("primary").alias("role")
    )
    other = events.filter(pl.col(S.OTHER_MMSI).is_not_null()).with_columns(
        pl.col(S.OTHER_MMSI).alias("vessel_mmsi"), pl.lit("other").alias("role")
    )
    return pl.concat([primary, other]).sort("vessel_mmsi", S.START_TS, S.EVENT_ID)
