"""Event-table builders for the risk tests (EVENT_SCHEMA frames from a few readable arguments)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import UTC, datetime, timedelta
from typing import Any

import polars as pl

from vessels import schema as S

T0 = datetime(2024, 3, 1, 6, 0, tzinfo=UTC)
_BASE = set(S.EVENT_BASE_SCHEMA)
_EVIDENCE = set(S.EVIDENCE_FIELDS)


def event(
    event_type: str,
    mmsi: int,
    *,
    event_id: str | None = None,
    hours: float = 1.0,
    start: datetime = T0,
    **fields: Any,
) -> dict[str, Any]:
    """One event row; keyword arguments go to base columns or to the evidence struct by name."""
    unknown = set(fields) - _BASE - _EVIDENCE
    if unknown:
        raise KeyError(f"unknown event fields {unknown}")
    row: dict[str, Any] = {
        S.EVENT_ID: event_id or f"{event_type}-{mmsi}-{start:%Y%m%d%H%M}",
        S.EVENT_TYPE: event_type,
        S.MMSI: mmsi,
        S.START_TS: start,
        S.END_TS: start + timedelta(hours=hours),
        S.DURATION_H: hours,
    }
    row.update({k: v for k, v in fields.items() if k in _BASE})
    row[S.EVIDENCE] = {k: v for k, v in fields.items() if k in _EVIDENCE}
    return row


def events(rows: Iterable[Mapping[str, Any]]) -> pl.DataFrame:
    """An EVENT_SCHEMA frame from event rows (missing columns and evidence fields are null)."""
    return pl.DataFrame(list(rows), schema=S.EVENT_SCHEMA)
