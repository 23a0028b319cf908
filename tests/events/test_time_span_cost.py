"""Cost depends on rows and vessels, never on the time span (issue #11).

One implausible row (1970, 9999) among 100 k positions of 2024 used to make the encounter search
walk a 10-minute grid over decades (minutes to hours, memory growing). Each case runs the same
read → segment → detect job with and without that row and compares the *size of what the job
materialises*: every frame polars produces on the way (each ``collect``, and each eager frame
operation, which polars runs as a lazy query collected internally) adds its rows × columns to a
count. The count is exact and the same on an idle or a busy machine (no timing); a structure that
grows with the time span (a grid over decades: millions of rows) multiplies it, which the
self-check below proves the count sees. ``plausible_time=None`` switches the cleaning rule off, so
the detectors themselves see the row; with the default window the row is quarantined before them.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import numpy as np
import polars as pl
import pytest

from vessels.cleaning import DEFAULT_PLAUSIBLE_TIME, PlausibleTime
from vessels.events import detect_events
from vessels.io import read_ais
from vessels.testing import staged

N_VESSELS = 200
N_PER_VESSEL = 500  # 100 k positions
HEADER = "MMSI,BaseDateTime,LAT,LON,SOG,COG,Heading"


class _Cells:
    """Rows × columns of every frame polars materialised while :func:`_counting` was active."""

    def __init__(self) -> None:
        self.cells = 0
        self.largest = 0  # rows of the largest single frame

    def add(self, frame: Any) -> None:
        if isinstance(frame, pl.DataFrame):
            self.cells += frame.height * max(frame.width, 1)
            self.largest = max(self.largest, frame.height)


@contextmanager
def _counting(monkeypatch: pytest.MonkeyPatch) -> Iterator[_Cells]:
    """Count what ``LazyFrame.collect`` and polars' internal eager collect produce."""
    seen = _Cells()
    with monkeypatch.context() as m:
        for name in ("collect", "_collect_eager"):
            real: Callable[..., Any] = getattr(pl.LazyFrame, name)

            def counted(self: pl.LazyFrame, *a: Any, _real: Any = real, **k: Any) -> Any:
                out = _real(self, *a, **k)
                seen.add(out)
                return out

            m.setattr(pl.LazyFrame, name, counted)
        yield seen


def _write(path: Path, odd: str | None) -> int:
    """200 vessels x 500 positions every 2 min, loitering close together (many encounters)."""
    v = np.repeat(np.arange(N_VESSELS), N_PER_VESSEL)
    k = np.tile(np.arange(N_PER_VESSEL), N_VESSELS)
    t0 = datetime(2024, 3, 1, tzinfo=UTC)
    ts = pl.Series([t0 + timedelta(seconds=120 * int(i)) for i in range(N_PER_VESSEL)])
    frame = pl.DataFrame(
        {
            "MMSI": (345_000_001 + v).astype(np.int64),
            "BaseDateTime": ts.dt.strftime("%Y-%m-%dT%H:%M:%S").gather(k),
            "LAT": 25.0 + (v % 20) * 0.001 + k * 1e-5,
            "LON": -110.0 + (v // 20) * 0.001 + k * 1e-5,
            "SOG": np.full(v.size, 0.5),
            "COG": np.full(v.size, 45.0),
            "Heading": np.full(v.size, 511),
        }
    )
    if odd is not None:
        extra = frame.head(1).with_columns(pl.lit(odd).alias("BaseDateTime"))
        frame = pl.concat([frame, extra])
    frame.write_csv(path)
    return frame.height


def _run(
    path: Path, window: PlausibleTime | None, monkeypatch: pytest.MonkeyPatch
) -> tuple[_Cells, int, int]:
    with _counting(monkeypatch) as seen:
        positions = read_ais(path, plausible_time=window).positions.collect()
        events = detect_events(staged(positions))  # segmented, zone labels unknown
    return seen, positions.height, events.height


@pytest.fixture(scope="module")
def base(tmp_path_factory: pytest.TempPathFactory) -> dict[str, object]:
    """The 100 k-row file without an odd row, and its count per window setting."""
    path = tmp_path_factory.mktemp("span") / "base.csv"
    assert _write(path, None) == N_VESSELS * N_PER_VESSEL
    return {"path": path, "runs": {}}


@pytest.mark.parametrize(
    ("odd", "window"),
    [
        ("1970-01-01T00:00:00", None),
        ("9999-12-31T00:00:00", None),
        ("1970-01-01T00:00:00", DEFAULT_PLAUSIBLE_TIME),
    ],
    ids=["1970-rule-off", "9999-rule-off", "1970-rule-on"],
)
def test_one_implausible_row_adds_no_time_span_structure(
    base: dict[str, object],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    odd: str,
    window: PlausibleTime | None,
) -> None:
    path = base["path"]
    runs = base["runs"]
    assert isinstance(path, Path) and isinstance(runs, dict)
    with_odd = tmp_path / "odd.csv"
    _write(with_odd, odd)
    key = window is None
    if key not in runs:
        runs[key] = _run(path, window, monkeypatch)
    seen_base, n_base, ev_base = runs[key]
    seen_odd, n_odd, _ = _run(with_odd, window, monkeypatch)
    assert n_base == N_VESSELS * N_PER_VESSEL
    assert n_odd == n_base + (1 if window is None else 0)  # the detectors did see the row
    assert ev_base > 0  # the loitering fleet gives the encounter search real work
    # one row more may add a few rows per table (its own segment, gap, event), never a grid
    # over the decades between it and the data: 1970 -> 2024 on a 10-min grid is 2.8 M
    # instants per segment, i.e. many times the 100 k-row job's whole count
    assert seen_odd.cells <= 1.1 * seen_base.cells + 10_000, (
        f"{seen_odd.cells:,} cells materialised with the {odd} row vs {seen_base.cells:,} without"
    )
    assert seen_odd.largest <= seen_base.largest + 100, (seen_odd.largest, seen_base.largest)


def test_the_count_sees_a_structure_over_the_time_span(monkeypatch: pytest.MonkeyPatch) -> None:
    """Self-check: a 10-minute grid from 1970 to 2024 built by a polars query (as the old encounter
    search did), eagerly or lazily, is counted — and dwarfs the 100 k-row job's bound above."""
    t0, t1 = datetime(1970, 1, 1, tzinfo=UTC), datetime(2024, 3, 1, tzinfo=UTC)
    span = pl.DataFrame({"t0": [t0], "t1": [t1]})
    with _counting(monkeypatch) as seen:
        grid = span.select(pl.datetime_ranges("t0", "t1", "10m").explode().alias("t"))
    assert grid.height > 2_800_000
    assert seen.largest == grid.height and seen.cells >= grid.height
    with _counting(monkeypatch) as lazy:
        span.lazy().select(pl.datetime_ranges("t0", "t1", "10m").explode()).collect()
    assert lazy.largest == grid.height
