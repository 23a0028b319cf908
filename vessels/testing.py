"""Factories for examples and tests: canonical frames from a few readable arguments.

Public, so that the docstring examples of the library and a user's own tests run from an
installed package. :func:`make_positions` builds a frame in the canonical position schema from
partial rows, filling every other column with null (or a sensible default); :func:`make_track`
lays a straight or stationary track for one vessel at a fixed reporting interval;
:func:`staged` runs the stages the detectors need before them (segmentation) and adds constant
zone labels, as :func:`vessels.zones.label_zones` would.

Examples
--------
>>> make_track(345000001, n=3, speed_kn=0.0).select("mmsi", "lat", "lon").rows()[0]
(345000001, 25.0, -110.0)
>>> make_positions([{"mmsi": 1, "lat": 0.0, "lon": 0.0}])["source_row"].to_list()
[1]
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

import polars as pl

from vessels import schema as S

__all__ = ["T0", "make_positions", "make_track", "staged"]

#: Start time of the factory tracks.
T0 = datetime(2024, 3, 1, 0, 0, tzinfo=UTC)


def make_positions(rows: Iterable[Mapping[str, Any]]) -> pl.DataFrame:
    """Canonical positions from dicts; missing columns are null, source columns are filled."""
    rows = list(rows)
    data: dict[str, list[Any]] = {name: [] for name in S.POSITION_SCHEMA}
    for i, row in enumerate(rows):
        unknown = set(row) - set(S.POSITION_SCHEMA)
        if unknown:
            raise KeyError(f"unknown columns {unknown}")
        for name in S.POSITION_SCHEMA:
            value = row.get(name)
            if value is None and name == S.SOURCE_FILE:
                value = "test"
            if value is None and name == S.SOURCE_ROW:
                value = i + 1
            if value is None and name == S.MMSI_VALID:
                value = True
            data[name].append(value)
    return pl.DataFrame(data, schema=S.POSITION_SCHEMA)


def make_track(
    mmsi: int = 345000001,
    *,
    start: datetime = T0,
    lat: float = 25.0,
    lon: float = -110.0,
    n: int = 60,
    interval_s: float = 60.0,
    speed_kn: float = 10.0,
    course_deg: float = 90.0,
    **static: Any,
) -> pl.DataFrame:
    """A straight track (``speed_kn`` along ``course_deg``) of ``n`` positions."""
    rows = []
    step_m = speed_kn * 1852.0 / 3600.0 * interval_s
    dlat = step_m * math.cos(math.radians(course_deg)) / 111_195.0
    for i in range(n):
        la = lat + i * dlat
        east_m = step_m * math.sin(math.radians(course_deg))
        dlon = east_m / (111_195.0 * math.cos(math.radians(la)))
        rows.append(
            {
                S.MMSI: mmsi,
                S.TS: start + timedelta(seconds=i * interval_s),
                S.LAT: la,
                S.LON: lon + i * dlon,
                S.SOG_KN: speed_kn,
                S.COG_DEG: course_deg,
                **static,
            }
        )
    return make_positions(rows)


def staged(
    frame: pl.DataFrame,
    *,
    shore_km: float | None = None,
    eez_iso3: str | None = None,
    zone_ids: Sequence[str] = (),
) -> pl.DataFrame:
    """``frame`` as the detectors receive it from the stages before them: segmented
    (:func:`vessels.tracks.segment`, unless it has a ``segment_id``) and with the zone label
    columns of :func:`vessels.zones.label_zones` (``eez_iso3``, ``zone_ids``, ``shore_km``); a
    label column the frame lacks gets the constant given here (None = unknown).

    The detectors refuse tracks without these columns rather than computing them.

    Examples
    --------
    >>> t = staged(make_track(n=3), shore_km=80.0)
    >>> t.select("segment_id", "shore_km", "zone_ids").row(0)
    ('345000001-20240301T000000', 80.0, [])
    """
    from vessels.tracks import segment

    missing = {n: d for n, d in S.POSITION_SCHEMA.items() if n not in frame.columns}
    out = frame.with_columns(pl.lit(None, dtype=d).alias(n) for n, d in missing.items())
    if S.SEGMENT_ID not in out.columns:
        out = segment(out)
    labels = {
        S.EEZ_ISO3: pl.lit(eez_iso3, dtype=pl.String),
        S.ZONE_IDS: pl.lit(list(zone_ids), dtype=pl.List(pl.String)),
        S.SHORE_KM: pl.lit(shore_km, dtype=pl.Float64),
    }
    return out.with_columns(e.alias(n) for n, e in labels.items() if n not in out.columns)
