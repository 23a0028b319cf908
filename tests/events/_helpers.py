"""Test inputs for the detectors: factory tracks plus the derived columns the detectors read.

``track`` wraps :func:`tests.factories.make_track` and adds ``segment_id`` and the zone labels
(``eez_iso3``, ``zone_ids``, ``shore_km``) so that detector tests do not depend on the segmenter
or the zone labeller; kinematics are added by :func:`vessels.events.prepare`.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

import polars as pl

from tests.factories import T0, make_positions, make_track
from vessels import schema as S

__all__ = ["T0", "at", "events_of", "label", "track", "zigzag"]


def at(hours: float) -> datetime:
    """T0 plus ``hours``."""
    return T0 + timedelta(hours=hours)


def label(
    df: pl.DataFrame,
    *,
    segment_id: str | None = None,
    shore_km: float | None = 80.0,
    eez: str | None = "MEX",
    zones: Sequence[str] = (),
) -> pl.DataFrame:
    """Add segment id and constant zone labels."""
    seg = segment_id if segment_id is not None else f"{df[S.MMSI][0]}-a"
    return df.with_columns(
        pl.lit(seg, dtype=pl.String).alias(S.SEGMENT_ID),
        pl.lit(shore_km, dtype=pl.Float64).alias(S.SHORE_KM),
        pl.lit(eez, dtype=pl.String).alias(S.EEZ_ISO3),
        pl.lit(list(zones), dtype=pl.List(pl.String)).alias(S.ZONE_IDS),
    )


def track(
    mmsi: int = 345000001,
    *,
    segment_id: str | None = None,
    shore_km: float | None = 80.0,
    eez: str | None = "MEX",
    zones: Sequence[str] = (),
    **kw: Any,
) -> pl.DataFrame:
    """A labelled straight track (see :func:`tests.factories.make_track` for ``kw``)."""
    return label(
        make_track(mmsi, **kw), segment_id=segment_id, shore_km=shore_km, eez=eez, zones=zones
    )


def zigzag(
    mmsi: int,
    *,
    start: datetime = T0,
    n: int = 60,
    interval_s: float = 300.0,
    lat: float = 21.5,
    lon: float = -87.0,
    speed_kn: float = 3.0,
    leg: int = 4,
    **static: Any,
) -> pl.DataFrame:
    """A fishing-like track: legs of ``leg`` positions alternating course 45 / 135 degrees."""
    rows = []
    step_deg = speed_kn * 1852.0 / 3600.0 * interval_s / 111_195.0
    la, lo = lat, lon
    for i in range(n):
        course = 45.0 if (i // leg) % 2 == 0 else 135.0
        rows.append(
            {
                S.MMSI: mmsi,
                S.TS: start + timedelta(seconds=i * interval_s),
                S.LAT: la,
                S.LON: lo,
                S.SOG_KN: speed_kn,
                S.COG_DEG: course,
                **static,
            }
        )
        la += step_deg * math.cos(math.radians(course))
        lo += step_deg * math.sin(math.radians(course)) / math.cos(math.radians(la))
    return make_positions(rows)


def events_of(events: pl.DataFrame, event_type: str) -> pl.DataFrame:
    """Events of one type with the evidence struct unnested (prefixed ``ev_``)."""
    sub = events.filter(pl.col(S.EVENT_TYPE) == event_type)
    ev = sub[S.EVIDENCE].struct.unnest()
    return pl.concat(
        [sub.drop(S.EVIDENCE), ev.rename({c: f"ev_{c}" for c in ev.columns})], how="horizontal"
    )
