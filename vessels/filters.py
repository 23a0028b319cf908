"""Row filters of a run, as typed values validated once: :class:`BBox`, :class:`TimeWindow`, MMSIs.

Every entry point (``vessels.read_ais``, ``vessels.ingestion.ingest``, ``vessels.run`` and the
CLI) converts its arguments with :meth:`BBox.of`, :meth:`TimeWindow.of` and :func:`mmsi_list`,
so a value is checked the same way, with the same message, wherever it comes in. Messages name
the parameter (``bbox``, ``since``); the CLI adds its flag.

Examples
--------
>>> BBox.of("-115.5,30.5,-114,31.9")
BBox(min_lon=-115.5, min_lat=30.5, max_lon=-114.0, max_lat=31.9)
>>> TimeWindow.of("2024-03-01", None).since.isoformat()
'2024-03-01T00:00:00+00:00'
>>> mmsi_list(345070339), mmsi_list([1, 2])
([345070339], [1, 2])
>>> mmsi_list("345070339")
Traceback (most recent call last):
...
TypeError: mmsi must be an int or an iterable of ints, got str '345070339'
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime

from vessels.errors import UserError

__all__ = ["BBox", "TimeWindow", "mmsi_list"]

_BBOX_HINT = (
    "min_lon < max_lon within ±180 and min_lat < max_lat within ±90, e.g. -115.5,30.5,-114,31.9"
)


@dataclass(frozen=True)
class BBox:
    """A longitude/latitude box in degrees WGS84 (``min_lon < max_lon``, ``min_lat < max_lat``)."""

    min_lon: float
    min_lat: float
    max_lon: float
    max_lat: float

    def __post_init__(self) -> None:
        lo_lon, lo_lat, hi_lon, hi_lat = self.min_lon, self.min_lat, self.max_lon, self.max_lat
        ok = all(math.isfinite(v) for v in (lo_lon, lo_lat, hi_lon, hi_lat)) and (
            -180 <= lo_lon < hi_lon <= 180 and -90 <= lo_lat < hi_lat <= 90
        )
        if not ok:
            raise UserError(
                f"bbox {lo_lon},{lo_lat},{hi_lon},{hi_lat} is not a box", hint=_BBOX_HINT
            )

    @classmethod
    def of(cls, value: BBox | Sequence[float] | str | None) -> BBox | None:
        """A BBox from a BBox, four numbers ``(min_lon, min_lat, max_lon, max_lat)`` or their
        comma-separated text; None stays None."""
        if value is None or isinstance(value, BBox):
            return value
        if isinstance(value, str):
            parts = [p.strip() for p in value.split(",")]
            try:
                values = [float(p) for p in parts]
            except ValueError:
                raise UserError(f"bbox {value!r} is not four numbers", hint=_BBOX_HINT) from None
        elif isinstance(value, Sequence) and all(
            isinstance(v, numbers.Real) and not isinstance(v, bool) for v in value
        ):
            values = [float(v) for v in value]
        else:
            raise TypeError(
                "bbox must be four numbers (min_lon, min_lat, max_lon, max_lat), "
                f"got {type(value).__name__} {value!r}"
            )
        if len(values) != 4:
            raise UserError(
                f"bbox needs four numbers min_lon,min_lat,max_lon,max_lat, got {len(values)}",
                hint=_BBOX_HINT,
            )
        return cls(*values)

    def as_tuple(self) -> tuple[float, float, float, float]:
        """``(min_lon, min_lat, max_lon, max_lat)``."""
        return self.min_lon, self.min_lat, self.max_lon, self.max_lat


def _time(value: datetime | date | str | None, name: str) -> datetime | None:
    if value is None:
        return None
    if isinstance(value, str):
        try:
            value = datetime.fromisoformat(value.strip())
        except ValueError:
            raise UserError(
                f"{name} {value!r} is not a date/time",
                hint="use ISO 8601, e.g. 2024-03-01 or 2024-03-01T06:00:00 (UTC)",
            ) from None
    elif isinstance(value, date) and not isinstance(value, datetime):
        value = datetime(value.year, value.month, value.day)
    elif not isinstance(value, datetime):
        raise TypeError(
            f"{name} must be a datetime or ISO 8601 text, got {type(value).__name__} {value!r}"
        )
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


@dataclass(frozen=True)
class TimeWindow:
    """``since <= ts < until`` in UTC; either end may be open (None)."""

    since: datetime | None = None
    until: datetime | None = None

    def __post_init__(self) -> None:
        if self.since is not None and self.until is not None and self.since >= self.until:
            raise UserError(
                f"since {self.since.isoformat()} is not before until {self.until.isoformat()}"
            )

    @classmethod
    def of(
        cls, since: datetime | date | str | None, until: datetime | date | str | None
    ) -> TimeWindow:
        """A window from datetimes (naive = UTC), dates or ISO 8601 text."""
        return cls(_time(since, "since"), _time(until, "until"))


def mmsi_list(value: int | Iterable[int] | None) -> list[int] | None:
    """MMSIs as a list of ints: one int, or an iterable of ints (text is refused, not split)."""
    if value is None:
        return None
    if isinstance(value, numbers.Integral) and not isinstance(value, bool):
        values: list[object] = [value]
    elif isinstance(value, str | bytes) or not isinstance(value, Iterable):
        raise TypeError(
            f"mmsi must be an int or an iterable of ints, got {type(value).__name__} {value!r}"
        )
    else:
        values = list(value)
    out: list[int] = []
    for v in values:
        if isinstance(v, bool) or not isinstance(v, numbers.Integral):
            raise TypeError(f"mmsi values must be ints, got {type(v).__name__} {v!r}")
        if not 0 <= int(v) <= 999_999_999:
            raise UserError(f"mmsi {v} is not an MMSI (up to 9 digits)")
        out.append(int(v))
    return out
