"""Cost depends on rows and vessels, never on the time span (issue #11).

One implausible row (1970, 9999) among 100 k positions of 2024 used to make the encounter search
walk a 10-minute grid over decades (minutes to hours, memory growing). Each case times the same
read → segment → detect run with and without that row in this process and compares the ratio
(best of two runs each, so a busy machine does not decide): not a timed threshold.
``plausible_time=None`` switches the cleaning rule off, so the detectors themselves see the row;
with the default window the row is quarantined before them.
"""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

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


def _run(path: Path, window: PlausibleTime | None) -> tuple[float, int, int]:
    t = time.perf_counter()
    positions = read_ais(path, plausible_time=window).positions.collect()
    events = detect_events(staged(positions))  # segmented, zone labels unknown
    return time.perf_counter() - t, positions.height, events.height


@pytest.fixture(scope="module")
def base(tmp_path_factory: pytest.TempPathFactory) -> dict[str, object]:
    """The 100 k-row file without an odd row, and its best-of-two time per window setting."""
    path = tmp_path_factory.mktemp("span") / "base.csv"
    assert _write(path, None) == N_VESSELS * N_PER_VESSEL
    _run(path, None)  # warm-up: imports, first-use compilation
    return {"path": path, "times": {}}


@pytest.mark.parametrize(
    ("odd", "window"),
    [
        ("1970-01-01T00:00:00", None),
        ("9999-12-31T00:00:00", None),
        ("1970-01-01T00:00:00", DEFAULT_PLAUSIBLE_TIME),
    ],
    ids=["1970-rule-off", "9999-rule-off", "1970-rule-on"],
)
def test_one_implausible_row_costs_at_most_twice(
    base: dict[str, object], tmp_path: Path, odd: str, window: PlausibleTime | None
) -> None:
    path = base["path"]
    times = base["times"]
    assert isinstance(path, Path) and isinstance(times, dict)
    with_odd = tmp_path / "odd.csv"
    _write(with_odd, odd)
    key = window is None
    if key not in times:
        times[key] = min(_run(path, window), _run(path, window))
    t_base, n_base, _ = times[key]
    t_odd, n_odd, _ = min(_run(with_odd, window), _run(with_odd, window))
    assert n_base == N_VESSELS * N_PER_VESSEL
    assert n_odd == n_base + (1 if window is None else 0)  # the detectors did see the row
    assert t_odd <= 2.0 * t_base, f"{t_odd:.2f} s with the {odd} row vs {t_base:.2f} s without"
