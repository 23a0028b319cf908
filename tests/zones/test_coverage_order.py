"""Coverage parts do not depend on the row order (sorted positions skip the sort)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import polars as pl

from vessels import schema as S
from vessels.zones import coverage_report
from vessels.zones._coverage import coverage_parts


def _positions() -> pl.DataFrame:
    t0 = datetime(2024, 1, 1, tzinfo=UTC)
    hours = {1: [0, 1, 1, 5], 2: [0, 3, 9], 3: [2]}  # vessel 1 has two fixes at 1 h
    rows = [(m, t0 + timedelta(hours=h)) for m, hs in hours.items() for h in hs]
    return pl.DataFrame(
        {
            S.MMSI: [m for m, _ in rows],
            S.TS: [t for _, t in rows],
            S.GEO_CLASS: pl.Series(
                ["open_sea", "land", None, "near_shore", "open_sea", "land", "land", None],
                dtype=pl.Enum(S.GEO_CLASSES),
            ),
        }
    )


def test_parts_are_the_same_in_any_row_order() -> None:
    ordered = _positions()
    counts, per_vessel = coverage_parts(ordered)
    assert per_vessel is not None
    assert per_vessel.rows() == [(1, 1.0), (2, 4.5)]  # medians of [1, 0, 4] and [3, 6]
    assert dict(counts.iter_rows()) == {"open_sea": 2, "land": 3, "near_shore": 1, "unknown": 2}
    for frame in (ordered.reverse(), ordered.sample(fraction=1.0, shuffle=True, seed=1).lazy()):
        c, v = coverage_parts(frame)
        assert v is not None and v.equals(per_vessel)
        assert c.sort(S.GEO_CLASS).equals(counts.sort(S.GEO_CLASS))
    assert coverage_report(ordered.reverse()) == coverage_report(ordered)
