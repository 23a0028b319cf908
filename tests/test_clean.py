"""Cleaning rules on staged frames: quarantine rules, corrections, duplicates."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.factories import make_positions, make_track
from vessels import schema as S
from vessels.cleaning import (
    CORRECTIONS,
    apply_corrections,
    classify,
    clean,
    correction_counts,
    stage_defaults,
)

T0 = datetime(2024, 6, 1, tzinfo=UTC)


def _staged(**over: Any) -> pl.LazyFrame:
    row: dict[str, Any] = {S.MMSI: 345070339, S.TS: T0, S.LAT: 31.0, S.LON: -114.5}
    row.update(over)
    schema = {S.MMSI: pl.UInt32, S.TS: S.TS_DTYPE, S.LAT: pl.Float64, S.LON: pl.Float64}
    for k, v in row.items():
        if k not in schema:
            schema[k] = pl.String if isinstance(v, str) else pl.Float64
    return pl.LazyFrame([row], schema=schema)


@pytest.mark.parametrize(
    ("over", "rule"),
    [
        pytest.param({}, None, id="valid"),
        pytest.param({S.MMSI: None}, "missing_mmsi", id="no-mmsi"),
        pytest.param({S.TS: None}, "missing_ts", id="no-ts"),
        pytest.param({S.LAT: 91.0}, "position_not_available", id="lat-91"),
        pytest.param({S.LON: 181.0}, "position_not_available", id="lon-181"),
        pytest.param({S.LAT: None}, "position_not_available", id="lat-null"),
        pytest.param({S.LAT: -90.5}, "lat_out_of_range", id="lat-below"),
        pytest.param({S.LON: 180.01}, "lon_out_of_range", id="lon-above"),
        pytest.param({S.MMSI: 3_450_000}, "non_vessel_base_station", id="base-station"),
        pytest.param({S.MMSI: 123456789}, None, id="fake-kept"),
        pytest.param({"_error": "unparseable_sog_kn"}, "unparseable_sog_kn", id="reader-rule"),
    ],
)
def test_quarantine_rules(over: dict[str, Any], rule: str | None) -> None:
    got = classify(_staged(**over)).select(S.RULE).collect().item()
    assert got == rule


@pytest.mark.parametrize(
    ("column", "value", "expected", "correction"),
    [
        pytest.param(S.SOG_KN, 102.3, None, "sog_not_available", id="sog-102.3"),
        pytest.param(S.SOG_KN, 102.2, 102.2, None, id="sog-102.2-kept"),
        pytest.param(S.SOG_KN, -1.0, None, "sog_out_of_range", id="sog-negative"),
        pytest.param(S.COG_DEG, 360.0, None, "cog_not_available", id="cog-360"),
        pytest.param(S.COG_DEG, -60.6, 349.0, "cog_negative_corrected", id="cog-neg-fixed"),
        pytest.param(S.COG_DEG, -204.8, 204.8, "cog_negative_corrected", id="cog-neg-min"),
        pytest.param(S.COG_DEG, -49.6, None, "cog_negative_corrected", id="cog-neg-to-360-na"),
        pytest.param(S.COG_DEG, -300.0, None, "cog_out_of_range", id="cog-below-fault"),
        pytest.param(S.HEADING_DEG, 511.0, None, "heading_not_available", id="heading-511"),
        pytest.param(S.HEADING_DEG, 360.0, None, "heading_out_of_range", id="heading-360"),
        pytest.param(S.LENGTH_M, 0.0, None, "length_not_available", id="length-0"),
        pytest.param(S.DRAFT_M, 0.0, None, "draft_not_available", id="draft-0"),
        pytest.param(S.SHIP_TYPE, 0.0, None, "ship_type_not_available", id="shiptype-0"),
        pytest.param(S.SHIP_TYPE, 300.0, None, "ship_type_out_of_range", id="shiptype-300"),
        pytest.param(S.SHIP_TYPE, 30.0, 30, None, id="shiptype-float-30"),
        pytest.param(S.NAV_STATUS, 16.0, None, "nav_status_out_of_range", id="status-16"),
        pytest.param(S.IMO, 0.0, None, "imo_not_available", id="imo-0"),
    ],
)
def test_corrections(column: str, value: float, expected: Any, correction: str | None) -> None:
    staged = stage_defaults(_staged(**{column: value}))
    fixed = apply_corrections(staged).select(column).collect().item()
    if expected is None:
        assert fixed is None
    else:
        assert fixed == pytest.approx(expected, abs=1e-3)
    counts = staged.select(correction_counts(staged)).collect().row(0, named=True)
    assert {k for k, v in counts.items() if v} == ({correction} if correction else set())


def test_correction_names_are_unique() -> None:
    names = [c.name for c in CORRECTIONS]
    assert len(names) == len(set(names))


def test_clean_output_schema_is_canonical_and_flags_set() -> None:
    positions, quarantine = clean(make_track(n=3).lazy())
    df = positions.collect()
    assert df.schema == pl.Schema(S.POSITION_SCHEMA)
    assert df[S.FLAG].to_list() == ["MEX"] * 3
    assert quarantine.collect().height == 0
    assert set(S.QUARANTINE_SCHEMA) <= set(quarantine.collect_schema().names())


def test_exact_duplicates_removed_keeping_first_source_row() -> None:
    track = make_track(n=4)
    dup = track.slice(1, 2).with_columns(pl.col(S.SOURCE_ROW) + 100)
    positions, _ = clean(pl.concat([dup, track]).lazy())
    df = positions.collect()
    assert df.height == 4
    assert df[S.SOURCE_ROW].to_list() == [1, 2, 3, 4]


def test_near_duplicate_is_kept() -> None:
    track = make_track(n=2)
    other = track.head(1).with_columns(pl.col(S.SOG_KN) + 0.1, pl.col(S.SOURCE_ROW) + 10)
    assert clean(pl.concat([track, other]).lazy())[0].collect().height == 3


def test_quarantine_raw_is_json_when_reader_kept_no_text() -> None:
    bad = make_positions([{S.MMSI: 345000001, S.TS: T0, S.LAT: 95.0, S.LON: 0.0}])
    q = clean(bad.lazy())[1].collect()
    assert q[S.RULE].to_list() == ["lat_out_of_range"]
    assert '"lat":95.0' in q[S.RAW][0]


@settings(max_examples=25, deadline=None)
@given(st.randoms(use_true_random=False))
def test_clean_is_order_independent(rnd: Any) -> None:
    rows = []
    for i in range(30):
        rows.append(
            {
                S.MMSI: rnd.choice([345000001, 345000002, 3_450_000]),
                S.TS: T0 + timedelta(seconds=rnd.randint(0, 5) * 60),
                S.LAT: rnd.choice([31.0, 31.1, 91.0]),
                S.LON: -114.5,
                S.SOG_KN: rnd.choice([5.0, 102.3]),
                S.SOURCE_ROW: i + 1,
            }
        )
    frame = make_positions(rows)
    shuffled = frame.sample(fraction=1.0, shuffle=True, seed=rnd.randint(0, 10**6))
    content = [c for c in S.POSITION_SCHEMA if c not in (S.SOURCE_ROW,)]
    a = clean(frame.lazy())[0].collect()
    b = clean(shuffled.lazy())[0].collect()
    assert a.equals(b)  # same kept row (lowest source_row) whatever the order
    assert a.select(content).equals(b.select(content))


def test_public_clean_survives_importing_the_submodule() -> None:
    import vessels
    import vessels.io  # imports vessels.cleaning: must not shadow the public vessels.clean

    lf = make_track(n=2).lazy()
    positions, _ = vessels.clean(lf)
    assert positions.collect().height == 2
