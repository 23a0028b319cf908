"""The plausible time window rule and epoch timestamps read by magnitude (issue #11)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import polars as pl
import pytest

from vessels import schema as S
from vessels.cleaning import AIS_EARLIEST, DEFAULT_PLAUSIBLE_TIME, PlausibleTime, clean
from vessels.errors import ConfigError
from vessels.io import read_ais

HEADER = "MMSI,BaseDateTime,LAT,LON,SOG,COG,Heading\n"


def _one(ts: datetime) -> pl.LazyFrame:
    return pl.LazyFrame(
        {S.MMSI: [345070339], S.TS: [ts], S.LAT: [31.0], S.LON: [-114.5]},
        schema={S.MMSI: pl.UInt32, S.TS: S.TS_DTYPE, S.LAT: pl.Float64, S.LON: pl.Float64},
    )


def _rule(ts: datetime, window: PlausibleTime | None = DEFAULT_PLAUSIBLE_TIME) -> str | None:
    positions, quarantine = clean(_one(ts), plausible_time=window)
    q = quarantine.collect()
    assert q.height + positions.collect().height == 1
    return q[S.RULE].item() if q.height else None


@pytest.mark.parametrize(
    ("ts", "rule"),
    [
        (datetime(1970, 1, 1, tzinfo=UTC), S.RULE_TS_TOO_EARLY),
        (datetime(1, 1, 1, tzinfo=UTC), S.RULE_TS_TOO_EARLY),
        (datetime(1969, 12, 31, 23, 59, 59, tzinfo=UTC), S.RULE_TS_TOO_EARLY),
        (datetime(1999, 12, 31, 23, 59, 59, tzinfo=UTC), S.RULE_TS_TOO_EARLY),
        (AIS_EARLIEST, None),
        (datetime(2024, 6, 1, tzinfo=UTC), None),
        (datetime.now(UTC) + timedelta(hours=23), None),
        (datetime.now(UTC) + timedelta(days=2), S.RULE_TS_TOO_LATE),
        (datetime(2999, 1, 1, tzinfo=UTC), S.RULE_TS_TOO_LATE),
        (datetime(9999, 12, 31, tzinfo=UTC), S.RULE_TS_TOO_LATE),
    ],
    ids=["1970", "0001", "1969", "1999", "earliest", "2024", "now+23h", "now+2d", "2999", "9999"],
)
def test_default_window(ts: datetime, rule: str | None) -> None:
    assert _rule(ts) == rule


def test_window_off_and_configured() -> None:
    old = datetime(1970, 1, 1, tzinfo=UTC)
    assert _rule(old, None) is None
    assert _rule(old, PlausibleTime(earliest="1960-01-01")) is None
    narrow = PlausibleTime(earliest="2024-01-01", latest="2024-12-31T23:59:59")
    assert _rule(datetime(2025, 1, 1, tzinfo=UTC), narrow) == S.RULE_TS_TOO_LATE
    assert _rule(datetime(2023, 12, 31, tzinfo=UTC), narrow) == S.RULE_TS_TOO_EARLY
    assert _rule(datetime(2024, 7, 1, tzinfo=UTC), narrow) is None


def test_latest_follows_the_run_clock() -> None:
    w = PlausibleTime(future_margin=timedelta(hours=1))
    now = datetime(2030, 1, 1, tzinfo=UTC)
    assert w.bounds(now) == (AIS_EARLIEST, now + timedelta(hours=1))


@pytest.mark.parametrize(
    "kwargs",
    [{"earliest": "2025-01-01", "latest": "2024-01-01"}, {"earliest": "not a date"}],
    ids=["reversed", "unparseable"],
)
def test_bad_window_refused(kwargs: dict[str, str]) -> None:
    with pytest.raises(ConfigError, match="time window"):
        PlausibleTime(**kwargs)


INSTANT = datetime(2024, 6, 1, 12, 0, 0, tzinfo=UTC)
EPOCH_S = int(INSTANT.timestamp())


@pytest.mark.parametrize(
    "text",
    [str(EPOCH_S), f"{EPOCH_S}.0", str(EPOCH_S * 1000), str(EPOCH_S * 10**6), str(EPOCH_S * 10**9)],
    ids=["seconds", "seconds-float", "millis", "micros", "nanos"],
)
def test_epoch_unit_by_magnitude(tmp_path: Path, text: str) -> None:
    path = tmp_path / "ais.csv"
    path.write_text(HEADER + f"345070339,{text},31.0,-114.5,5,60,511\n")
    got = read_ais(path).positions.collect()
    assert got[S.TS].to_list() == [INSTANT]


@pytest.mark.parametrize(
    ("text", "rule"),
    [
        ("0", S.RULE_TS_TOO_EARLY),
        ("-1", S.RULE_TS_TOO_EARLY),
        ("1e30", "unparseable_ts"),
        ("99999999999999999999999", "unparseable_ts"),
        ("253402300800", S.RULE_TS_TOO_EARLY),  # year 10000 in seconds = 1978 in ms
        ("32503680000000000", S.RULE_TS_TOO_LATE),  # year 3000 in microseconds
        ("inf", "unparseable_ts"),
        ("nan", "unparseable_ts"),
        ("56134-01-01T00:00:00", "unparseable_ts"),
    ],
    ids=["zero", "minus-one", "1e30", "23-digits", "y10000-s", "y3000-us", "inf", "nan", "y56134"],
)
def test_absurd_epochs_quarantined_not_overflowing(tmp_path: Path, text: str, rule: str) -> None:
    path = tmp_path / "ais.csv"
    path.write_text(HEADER + f"345070339,{text},31.0,-114.5,5,60,511\n")
    ing = read_ais(path)
    q = ing.quarantine.collect()
    assert q[S.RULE].to_list() == [rule]
    # the quarantined ts converts to Python without OverflowError (or is null)
    q[S.TS].to_list()
    assert ing.summary()["balanced"]


def test_run_passes_the_window_through(tmp_path: Path) -> None:
    from vessels.pipeline import run

    path = tmp_path / "ais.csv"
    path.write_text(
        HEADER
        + "345070339,2024-06-01T00:00:00,31.0,-114.5,5,60,511\n"
        + "345070339,1970-01-01T00:00:00,31.0,-114.5,5,60,511\n"
    )
    on = run(path, no_default_zones=True, map=False)
    off = run(path, no_default_zones=True, map=False, plausible_time=None)
    assert (on.summary["accepted_rows"], on.summary["quarantined_rows"]) == (1, 1)
    assert (off.summary["accepted_rows"], off.summary["quarantined_rows"]) == (2, 0)


def test_window_of_the_wrong_type_refused(tmp_path: Path) -> None:
    path = tmp_path / "ais.csv"
    path.write_text(HEADER + "345070339,2024-06-01T00:00:00,31.0,-114.5,5,60,511\n")
    with pytest.raises(TypeError, match="PlausibleTime"):
        read_ais(path, plausible_time="2020-01-01")  # type: ignore[arg-type]
