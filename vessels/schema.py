"""Canonical column names and dtypes: the one place that owns them.

Every stage imports column names from here (``from vessels import schema as S`` then
``pl.col(S.MMSI)``) so that no column-name string literal is scattered through the code.
Units are part of every name that has one (``sog_kn``, ``dist_m``, ``shore_km``, ``duration_h``).

Examples
--------
>>> from vessels import schema as S
>>> S.POSITION_SCHEMA[S.MMSI]
UInt32
>>> empty = S.empty_positions()
>>> S.validate(empty, S.POSITION_SCHEMA, what="positions")
>>> S.event_count_column(S.AIS_GAP)
'n_ais_gap'
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Mapping

import polars as pl

from vessels.errors import SchemaError

__all__ = [
    "CONTRIBUTION_SCHEMA",
    "EVENT_BASE_SCHEMA",
    "EVENT_SCHEMA",
    "EVIDENCE_DTYPE",
    "EVIDENCE_FIELDS",
    "FISHING_SCORE_SCHEMA",
    "GEO_LABEL_SCHEMA",
    "POSITION_SCHEMA",
    "QUARANTINE_SCHEMA",
    "SEGMENT_DERIVED_SCHEMA",
    "TS_DTYPE",
    "VESSEL_BASE_SCHEMA",
    "ZONE_LABEL_SCHEMA",
    "ZONE_TABLE_COLUMNS",
    "empty_events",
    "empty_positions",
    "event_count_column",
    "require_columns",
    "require_frame",
    "validate",
    "vessel_schema",
]

TS_DTYPE = pl.Datetime("us", "UTC")

# --- canonical position columns -------------------------------------------------------------
MMSI = "mmsi"
TS = "ts"
LAT = "lat"
LON = "lon"
SOG_KN = "sog_kn"
COG_DEG = "cog_deg"
HEADING_DEG = "heading_deg"
NAV_STATUS = "nav_status"
VESSEL_NAME = "vessel_name"
CALLSIGN = "callsign"
IMO = "imo"
SHIP_TYPE = "ship_type"
LENGTH_M = "length_m"
WIDTH_M = "width_m"
DRAFT_M = "draft_m"
DESTINATION = "destination"
AIS_CLASS = "ais_class"
FLAG = "flag"
MMSI_VALID = "mmsi_valid"
SOURCE_FILE = "source_file"
SOURCE_ROW = "source_row"
#: The original vessel id of inputs whose ids are not MMSIs (VMS permit or registration numbers):
#: such a vessel's ``mmsi`` is a synthetic number (:func:`vessels.io.synthetic_mmsi`) and this
#: column, carried into every output, names it. Absent for AIS.
VESSEL_ID = "vessel_id"

POSITION_SCHEMA: dict[str, pl.DataType] = {
    MMSI: pl.UInt32(),
    TS: TS_DTYPE,
    LAT: pl.Float64(),
    LON: pl.Float64(),
    SOG_KN: pl.Float32(),
    COG_DEG: pl.Float32(),
    HEADING_DEG: pl.Float32(),
    NAV_STATUS: pl.UInt8(),
    VESSEL_NAME: pl.String(),
    CALLSIGN: pl.String(),
    IMO: pl.UInt32(),
    SHIP_TYPE: pl.UInt8(),
    LENGTH_M: pl.Float32(),
    WIDTH_M: pl.Float32(),
    DRAFT_M: pl.Float32(),
    DESTINATION: pl.String(),
    AIS_CLASS: pl.Enum(["A", "B"]),
    FLAG: pl.String(),
    MMSI_VALID: pl.Boolean(),
    SOURCE_FILE: pl.String(),
    SOURCE_ROW: pl.UInt64(),
}

# --- derived per position by vessels.tracks ---------------------------------------------------
DT_S = "dt_s"
DIST_M = "dist_m"
IMPLIED_SPEED_KN = "implied_speed_kn"
COURSE_CHANGE_DEG = "course_change_deg"
SEGMENT_ID = "segment_id"

#: The one definition of each derived column (vessels.tracks.kinematics_exprs computes them):
#:
#: - ``dt_s``: seconds since the previous position of the segment (null at its first position);
#: - ``dist_m``: great-circle (haversine) metres from the previous position;
#: - ``implied_speed_kn``: ``dist_m / dt_s`` in knots (null where ``dt_s`` is 0 or null);
#: - ``course_change_deg``: the SIGNED turn of the track between the previous leg and this one,
#:   degrees in [-180, 180), positive = clockwise (to starboard), negative = to port; from the
#:   positions' bearings, not the reported COG; null at a segment's first two positions and next
#:   to a zero-length leg. Consumers that need how much a track turns take ``abs()``.
SEGMENT_DERIVED_SCHEMA: dict[str, pl.DataType] = {
    DT_S: pl.Float64(),
    DIST_M: pl.Float64(),
    IMPLIED_SPEED_KN: pl.Float64(),
    COURSE_CHANGE_DEG: pl.Float64(),
    SEGMENT_ID: pl.String(),
}

# --- derived per position by vessels.zones ----------------------------------------------------
EEZ_ISO3 = "eez_iso3"
ZONE_IDS = "zone_ids"
SHORE_KM = "shore_km"

ZONE_LABEL_SCHEMA: dict[str, pl.DataType] = {
    EEZ_ISO3: pl.String(),
    ZONE_IDS: pl.List(pl.String()),
    SHORE_KM: pl.Float64(),
}

# --- geography per position (vessels.zones, world layer + ports; issue 12) -----------------
#: Geographic class of a position, one of GEO_CLASSES (first match in this order): a WPI port or
#: a learned anchorage; land (GSHHG land more than 1-2 km from any water); inland water (lakes,
#: rivers and canals); near shore (sea within LabelConfig.near_shore_km of the coast, including
#: the 1.5 km shoreline-uncertainty band on the land side of the coastline); open sea.
GEO_CLASS = "geo_class"
GEO_PORT_ANCHORAGE = "port_anchorage"
GEO_LAND = "land"
GEO_INLAND_WATER = "inland_water"
GEO_NEAR_SHORE = "near_shore"
GEO_OPEN_SEA = "open_sea"
GEO_CLASSES = (GEO_OPEN_SEA, GEO_NEAR_SHORE, GEO_INLAND_WATER, GEO_PORT_ANCHORAGE, GEO_LAND)
ON_LAND = "on_land"  # explicit land flag (shore_km < 0 on land as before)
IN_PORT = "in_port"  # within the harbour-size radius of a World Port Index port
AT_ANCHORAGE = "at_anchorage"  # in an anchorage cell learned from the data (if given)
PORT_NAME = "port_name"  # the port (or the anchorage's nearest port); null elsewhere
PORT_COUNTRY = "port_country"

GEO_LABEL_SCHEMA: dict[str, pl.DataType] = {
    GEO_CLASS: pl.Enum(GEO_CLASSES),
    ON_LAND: pl.Boolean(),
    IN_PORT: pl.Boolean(),
    AT_ANCHORAGE: pl.Boolean(),
    PORT_NAME: pl.String(),
    PORT_COUNTRY: pl.String(),
}

# --- derived per position by vessels.events.fishing (written to tracks.parquet) --------------
FISHING_SCORE = "fishing_score"
FISHING_BEHAVIOUR = "fishing_behaviour"
#: Behaviours the fishing score recognises (vessels.events._fishing_model; docs/fishing.md).
FISHING_BEHAVIOURS = ("trawl", "haul", "seine_set", "soak", "vms_slow")

#: ``fishing_score``: how fishing-like the position is, in [0, 1] (fishing at >= 0.5 by default);
#: ``fishing_behaviour``: the gear behaviour that gave the score (null where the score is 0).
FISHING_SCORE_SCHEMA: dict[str, pl.DataType] = {
    FISHING_SCORE: pl.Float64(),
    FISHING_BEHAVIOUR: pl.Enum(list(FISHING_BEHAVIOURS)),
}

# --- zone layers (GeoDataFrame columns, EPSG:4326) --------------------------------------------
ZONE_ID = "zone_id"
ZONE_NAME = "name"
ZONE_KIND = "kind"
ZONE_ISO3 = "iso3"
ZONE_SOURCE = "source"
ZONE_LICENCE = "licence"
ZONE_ACCURACY = "accuracy"
ZONE_KIND_EEZ = "eez"
ZONE_KIND_PROTECTED_AREA = "protected_area"
ZONE_KIND_NO_TAKE = "no_take"
ZONE_KIND_AOI = "aoi"
ZONE_KINDS = (ZONE_KIND_EEZ, ZONE_KIND_PROTECTED_AREA, ZONE_KIND_NO_TAKE, ZONE_KIND_AOI)
ZONE_TABLE_COLUMNS = (
    ZONE_ID,
    ZONE_NAME,
    ZONE_KIND,
    ZONE_ISO3,
    ZONE_SOURCE,
    ZONE_LICENCE,
    ZONE_ACCURACY,
    "geometry",
)

#: How a position's ``ts`` was obtained (an extra column of read positions, not part of
#: POSITION_SCHEMA): a time column of the file, an NMEA tag block ``c:``, a time written before
#: the sentence on the line, an epoch after it, reconstructed from base-station UTC reports and the
#: report's own UTC second, or assumed from ``--start-time``.
TS_SOURCE = "ts_source"
TS_SOURCES = ("column", "tag_block", "line_prefix", "trailing_epoch", "base_station", "assumed")
TS_SOURCE_DTYPE = pl.Enum(list(TS_SOURCES))

# --- quarantine -------------------------------------------------------------------------------
#: Accounting bucket (and ``rule`` value in classified frames) of identity rows: static reports
#: (NMEA types 5 and 24) and CSV rows with the identity of a vessel but no position (DMA). Their
#: fields are joined onto the vessel's positions; they are neither positions nor quarantined:
#: input_rows = accepted_rows + quarantined_rows + duplicate_rows + identity_rows + filtered_rows.
IDENTITY_ROWS = "identity_rows"
#: Columns an identity row carries to the positions of its vessel (as-of join in time).
IDENTITY_FIELDS = (
    VESSEL_NAME,
    CALLSIGN,
    IMO,
    SHIP_TYPE,
    LENGTH_M,
    WIDTH_M,
    DRAFT_M,
    DESTINATION,
)
RULE = "rule"
RAW = "raw"
QUARANTINE_SCHEMA: dict[str, pl.DataType] = {
    SOURCE_FILE: pl.String(),
    SOURCE_ROW: pl.UInt64(),
    RULE: pl.String(),
    RAW: pl.String(),
}
#: Quarantine rule names shared by readers and cleaning (see vessels.cleaning.PlausibleTime and
#: vessels.io): a timestamp before / after the plausible window, a line that is not valid text in
#: the file's encoding, a line whose double quotes do not follow RFC 4180.
RULE_TS_TOO_EARLY = "ts_too_early"
RULE_TS_TOO_LATE = "ts_too_late"
RULE_INVALID_UTF8 = "invalid_utf8"
RULE_MALFORMED_QUOTES = "malformed_quotes"

# --- events (all detectors write these columns, then an ``evidence`` struct) -------------------
EVENT_ID = "event_id"
EVENT_TYPE = "event_type"
OTHER_MMSI = "other_mmsi"
START_TS = "start_ts"
END_TS = "end_ts"
DURATION_H = "duration_h"
START_LAT = "start_lat"
START_LON = "start_lon"
END_LAT = "end_lat"
END_LON = "end_lon"
EVENT_ZONE_ID = "zone_id"
EVENT_ZONE_NAME = "zone_name"
EVIDENCE = "evidence"

AIS_GAP = "ais_gap"
ZONE_ENTRY = "zone_entry"
EEZ_INCURSION = "eez_incursion"
ENCOUNTER = "encounter"
LOITERING = "loitering"
FISHING = "fishing"
DARK_RENDEZVOUS = "dark_rendezvous"
IDENTITY_CONFLICT = "identity_conflict"
IDENTITY_CHANGE = "identity_change"
WATCHLIST_HIT = "watchlist_hit"
PORT_VISIT = "port_visit"
FLEET_PRESENCE = "fleet_presence"
# The names of the built-in event types. Which detectors exist, and their report order, is the
# detector registry's: vessels.events.EVENT_TYPES (one record per module of vessels/events/).

EVENT_BASE_SCHEMA: dict[str, pl.DataType] = {
    EVENT_ID: pl.String(),
    EVENT_TYPE: pl.String(),
    MMSI: pl.UInt32(),
    OTHER_MMSI: pl.UInt32(),
    SEGMENT_ID: pl.String(),
    START_TS: TS_DTYPE,
    END_TS: TS_DTYPE,
    DURATION_H: pl.Float64(),
    LAT: pl.Float64(),
    LON: pl.Float64(),
    START_LAT: pl.Float64(),
    START_LON: pl.Float64(),
    END_LAT: pl.Float64(),
    END_LON: pl.Float64(),
    EEZ_ISO3: pl.String(),
    EVENT_ZONE_ID: pl.String(),
    EVENT_ZONE_NAME: pl.String(),
    SHORE_KM: pl.Float64(),
}


#: Evidence of an event: one typed struct for all event types (fields a type does not use are null).
#: Owned by vessels.events; fields may be appended, never renamed (risk rules and maps read them).
EVIDENCE_FIELDS: dict[str, pl.DataType] = {
    # shared
    "summary": pl.String(),  # one plain-language sentence, e.g. "dark 7.2 h, 80 nm offshore"
    "n_positions": pl.UInt32(),
    "mean_speed_kn": pl.Float64(),
    # ais_gap
    "gap_h": pl.Float64(),
    "gap_dist_m": pl.Float64(),
    "implied_speed_kn": pl.Float64(),
    "start_shore_km": pl.Float64(),
    "end_shore_km": pl.Float64(),
    "start_eez_iso3": pl.String(),
    "end_eez_iso3": pl.String(),
    "positions_12h_before": pl.UInt32(),
    "likely_intentional": pl.Boolean(),
    "is_open": pl.Boolean(),
    "port_call": pl.Boolean(),  # starts or ends in a port / anchorage (issue 13): not scored
    "coverage_edge": pl.Boolean(),  # starts and ends at the edge of the data's extent
    "poor_reception": pl.Boolean(),  # barely received in the 12 h before: reception, not intent
    "in_zone_kind": pl.String(),  # kind of the protected area / AOI a gap starts or ends in
    # zone_entry / eez_incursion
    "zone_kind": pl.String(),
    "time_inside_h": pl.Float64(),
    "fishing_time_inside_h": pl.Float64(),
    "moored_share": pl.Float64(),  # zone_entry: share of the visit in a port / anchorage
    "max_speed_kn": pl.Float64(),
    "flag": pl.String(),
    "ship_type": pl.UInt8(),
    "is_fishing_vessel": pl.Boolean(),
    # encounter / dark_rendezvous
    "other_segment_id": pl.String(),
    "median_dist_m": pl.Float64(),
    "min_dist_m": pl.Float64(),
    "median_speed_kn": pl.Float64(),
    "encounter_profile": pl.String(),
    "start_sep_km": pl.Float64(),
    "end_sep_km": pl.Float64(),
    "overlap_h": pl.Float64(),
    "rendezvous_kind": pl.String(),
    "group_size": pl.UInt32(),  # dark_rendezvous of kind "group": vessels dark together
    # loitering / fishing
    "is_carrier": pl.Boolean(),
    "track_length_km": pl.Float64(),
    "mean_fishing_score": pl.Float64(),
    # identity_conflict
    "conflict_kind": pl.String(),  # shared_mmsi | invalid_mmsi | non_ship_mid
    "detail": pl.String(),
    # identity_change (field that changed: vessel_name | callsign | imo | ship_type | flag)
    "change_field": pl.String(),
    "from_value": pl.String(),
    "to_value": pl.String(),
    "n_changes": pl.UInt32(),
    "flag_hopping": pl.Boolean(),  # the IMO changed flag (MMSI) two times or more
    # watchlist_hit (list text is the analyst's file: untrusted data)
    "list_name": pl.String(),
    "reason": pl.String(),
    "link": pl.String(),
    "match_quality": pl.String(),  # exact_imo | exact_mmsi | exact_callsign | name_exact | ...
    "match_score": pl.Float64(),
    "matched_by": pl.String(),
    "port_name": pl.String(),
    "port_country": pl.String(),  # port_visit (WPI port)
    "fleet_id": pl.String(),  # fleet_presence: the fleet episode (flag, EEZ, start, a member)
    "n_incursions": pl.UInt32(),  # fleet_presence: the member's eez_incursions in the episode
    # ais_gap, issue 13: reception of the start cell (vessels.events.reception), not scored
    "poor_area_reception": pl.Boolean(),
    "area_reception_pos_per_day": pl.Float64(),
}
EVIDENCE_DTYPE = pl.Struct(EVIDENCE_FIELDS)

#: Names of the evidence fields read outside the detectors (risk rules, maps, the evaluator);
#: each is a key of EVIDENCE_FIELDS (a test checks it).
EV_CONFLICT_KIND = "conflict_kind"
EV_COVERAGE_EDGE = "coverage_edge"
EV_DETAIL = "detail"
EV_FISHING_TIME_INSIDE_H = "fishing_time_inside_h"
EV_FLAG_HOPPING = "flag_hopping"
EV_FLEET_ID = "fleet_id"
EV_GAP_DIST_M = "gap_dist_m"
EV_GAP_H = "gap_h"
EV_IMPLIED_SPEED_KN = "implied_speed_kn"
EV_IN_ZONE_KIND = "in_zone_kind"
EV_IS_CARRIER = "is_carrier"
EV_IS_FISHING_VESSEL = "is_fishing_vessel"
EV_IS_OPEN = "is_open"
EV_LIKELY_INTENTIONAL = "likely_intentional"
EV_MEAN_FISHING_SCORE = "mean_fishing_score"
EV_MEDIAN_DIST_M = "median_dist_m"
EV_MOORED_SHARE = "moored_share"
EV_N_INCURSIONS = "n_incursions"
EV_OTHER_SEGMENT_ID = "other_segment_id"
EV_OVERLAP_H = "overlap_h"
EV_POOR_AREA_RECEPTION = "poor_area_reception"
EV_POOR_RECEPTION = "poor_reception"
EV_PORT_NAME = "port_name"
EV_PORT_CALL = "port_call"
EV_RENDEZVOUS_KIND = "rendezvous_kind"
EV_SHIP_TYPE = "ship_type"
EV_SUMMARY = "summary"
EV_TIME_INSIDE_H = "time_inside_h"
EV_ZONE_KIND = "zone_kind"

EVENT_SCHEMA: dict[str, pl.DataType] = {**EVENT_BASE_SCHEMA, EVIDENCE: EVIDENCE_DTYPE}


# --- output file names (``vessels ingest`` / ``vessels score`` / ``vessels.run``) -------------
INGEST_POSITIONS_FILE = "positions.parquet"  # vessels ingest: cleaned, segmented positions
SCRATCH_POSITIONS_FILE = "positions.arrow"  # vessels score: the same, a scratch Arrow IPC file
TRACKS_FILE = "tracks.parquet"  # vessels score: positions with track and zone columns
QUARANTINE_FILE = "quarantine.parquet"
IDENTITY_HISTORY_FILE = "identity_history.parquet"  # identity periods per vessel
NETWORKS_FILE = "networks.parquet"  # vessels.network: one row per connected network
NETWORK_EDGES_FILE = "network_edges.parquet"  # one row per linked pair and edge kind
NETWORK_NODES_FILE = "network_nodes.parquet"  # one row per linked vessel
CARRIERS_FILE = "carriers.parquet"  # vessels that met many distinct vessels at sea
GRAPHML_FILE = "network.graphml"  # the vessel graph for networkx / Gephi
SUMMARY_FILE = "summary.json"
VESSELS_FILE = "vessels.parquet"
VESSELS_CSV_FILE = "vessels.csv"
VESSEL_DAYS_FILE = "vessel_days.parquet"
CONTRIBUTIONS_FILE = "contributions.parquet"
CONTRIBUTIONS_CSV_FILE = "contributions.csv"
EVENTS_FILE = "events.parquet"
EVENTS_CSV_FILE = "events.csv"
EVENTS_GEOJSON_FILE = "events.geojson"
MAP_FILE = "map.html"
# GeoParquet (WKB geometry + "geo" metadata; vessels.geoparquet) for geopandas, QGIS, DuckDB
EVENTS_GEOPARQUET_FILE = "events.geoparquet"  # event points
TRACKS_GEOPARQUET_FILE = "tracks.geoparquet"  # one line per track segment
VESSELS_GEOPARQUET_FILE = "vessels.geoparquet"  # vessel table at each vessel's last position


# --- risk outputs (owned by vessels.risk) ------------------------------------------------------
RISK_SCORE = "risk_score"  # 0-100
RISK_TIER = "risk_tier"  # low | medium | high | critical
# top contributions in plain words, e.g. "dark 4.0 h inside Alto Golfo AOI (+25)"
REASONS = "reasons"
N_POSITIONS = "n_positions"
FIRST_TS = "first_ts"
LAST_TS = "last_ts"
RISK_TIERS = ("low", "medium", "high", "critical")


def event_count_column(event_type: str) -> str:
    """Name of the per-vessel count column of one event type, e.g. ``n_ais_gap``."""
    return f"n_{event_type}"


VESSEL_BASE_SCHEMA: dict[str, pl.DataType] = {
    MMSI: pl.UInt32(),
    VESSEL_NAME: pl.String(),
    CALLSIGN: pl.String(),
    FLAG: pl.String(),
    SHIP_TYPE: pl.UInt8(),
    IMO: pl.UInt32(),
    LENGTH_M: pl.Float32(),
    WIDTH_M: pl.Float32(),
    MMSI_VALID: pl.Boolean(),
    N_POSITIONS: pl.UInt32(),
    FIRST_TS: TS_DTYPE,
    LAST_TS: TS_DTYPE,
    RISK_SCORE: pl.Float64(),
    RISK_TIER: pl.String(),
    REASONS: pl.List(pl.String()),
}


def vessel_schema(event_types: Iterable[str]) -> dict[str, pl.DataType]:
    """The vessel table: :data:`VESSEL_BASE_SCHEMA` then one ``n_<type>`` count per event type.

    The vessel table of ``vessels.score`` is ``vessel_schema(vessels.events.EVENT_TYPES)``
    (:data:`vessels.risk.VESSEL_SCHEMA`).

    Examples
    --------
    >>> list(vessel_schema([AIS_GAP]))[-2:]
    ['reasons', 'n_ais_gap']
    """
    return {**VESSEL_BASE_SCHEMA, **{event_count_column(t): pl.UInt32() for t in event_types}}


# One row per (vessel, rule, event): the score of a vessel is the sum of its points after caps.
RULE_NAME = "rule"
POINTS = "points"
EXPLANATION = "explanation"
CONTRIBUTION_SCHEMA: dict[str, pl.DataType] = {
    MMSI: pl.UInt32(),
    RULE_NAME: pl.String(),
    EVENT_ID: pl.String(),
    POINTS: pl.Float64(),
    EXPLANATION: pl.String(),
}


def empty_positions(with_derived: bool = False) -> pl.DataFrame:
    """An empty frame in the canonical position schema (optionally with track columns).

    Examples
    --------
    >>> empty_positions().height
    0
    >>> "segment_id" in empty_positions(with_derived=True).columns
    True
    """
    schema = dict(POSITION_SCHEMA)
    if with_derived:
        schema.update(SEGMENT_DERIVED_SCHEMA)
    return pl.DataFrame(schema=schema)


def empty_events() -> pl.DataFrame:
    """An empty frame in the full event schema (base columns + evidence struct).

    Examples
    --------
    >>> empty_events().columns[:3]
    ['event_id', 'event_type', 'mmsi']
    >>> empty_events().columns[-1]
    'evidence'
    """
    return pl.DataFrame(schema=EVENT_SCHEMA)


def validate(
    frame: pl.DataFrame | pl.LazyFrame,
    schema: Mapping[str, pl.DataType],
    *,
    what: str = "frame",
) -> None:
    """Raise :class:`~vessels.errors.SchemaError` if a column is missing or has the wrong dtype.

    Extra columns are allowed. A LazyFrame is checked without being collected.

    Examples
    --------
    >>> import polars as pl
    >>> validate(pl.DataFrame({"mmsi": [1]}), {"mmsi": pl.UInt32()}, what="positions")
    Traceback (most recent call last):
    ...
    vessels.errors.SchemaError: positions: column 'mmsi' has dtype Int64, expected UInt32
    """
    actual = frame.collect_schema() if isinstance(frame, pl.LazyFrame) else frame.schema
    problems: list[str] = []
    for name, dtype in schema.items():
        if name not in actual:
            problems.append(f"missing column {name!r} ({dtype})")
        elif actual[name] != dtype:
            problems.append(f"column {name!r} has dtype {actual[name]}, expected {dtype}")
    if problems:
        raise SchemaError(f"{what}: " + "; ".join(problems))


def require_frame(value: object, name: str, func: str) -> None:
    """Refuse anything but a polars DataFrame/LazyFrame, naming the function and the argument.

    Examples
    --------
    >>> require_frame("tracks.parquet", "tracks", "segment")
    Traceback (most recent call last):
    ...
    TypeError: segment: tracks must be a polars DataFrame or LazyFrame, got str 'tracks.parquet'...
    """
    if isinstance(value, pl.DataFrame | pl.LazyFrame):
        return
    shown = repr(value)
    shown = shown if len(shown) <= 60 else shown[:57] + "..."
    hint = ""
    if isinstance(value, str | os.PathLike):
        hint = (
            " (read a file first, e.g. vessels.read_ais(path).positions or pl.read_parquet(path))"
        )
    elif type(value).__module__.startswith(("pandas", "geopandas")):
        hint = " (convert with pl.from_pandas(frame))"
    raise TypeError(
        f"{func}: {name} must be a polars DataFrame or LazyFrame, "
        f"got {type(value).__name__} {shown}{hint}"
    )


def require_columns(
    frame: pl.DataFrame | pl.LazyFrame, columns: Iterable[str], *, what: str
) -> None:
    """Raise :class:`~vessels.errors.SchemaError` naming the ``columns`` that ``frame`` lacks.

    Examples
    --------
    >>> require_columns(pl.DataFrame({"mmsi": [1]}), ["mmsi", "ts"], what="clean: input")
    Traceback (most recent call last):
    ...
    vessels.errors.SchemaError: clean: input lacks column(s) 'ts' (has: 'mmsi')
    """
    names = frame.collect_schema().names() if isinstance(frame, pl.LazyFrame) else frame.columns
    missing = [c for c in columns if c not in names]
    if missing:
        have = ", ".join(repr(c) for c in names[:20]) + (", ..." if len(names) > 20 else "")
        raise SchemaError(
            f"{what} lacks column(s) {', '.join(repr(c) for c in missing)} (has: {have or 'none'})"
        )
