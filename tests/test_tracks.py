"""Tests of vessels.tracks: scenario table, identity conflicts, properties."""

from __future__ import annotations

import math
import random
from dataclasses import dataclass
from datetime import timedelta

import polars as pl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from polars.testing import assert_frame_equal

from tests.factories import T0, make_positions, make_track
from vessels import schema as S
from vessels._geo import MPS_PER_KN
from vessels.config import override
from vessels.errors import ConfigError, SchemaError
from vessels.tracks import (
    SORT_KEYS,
    SegmentConfig,
    identity_conflicts,
    kinematics_exprs,
    segment,
)

MMSI_A = 345000001
MMSI_B = 345000002


def _renumber(frame: pl.DataFrame, offset: int) -> pl.DataFrame:
    """Give a second track distinct source rows (the factories number each frame from 1)."""
    return frame.with_columns((pl.col(S.SOURCE_ROW) + offset).alias(S.SOURCE_ROW))


def _gap_track(gap_h: float) -> pl.DataFrame:
    first = make_track(MMSI_A, n=10)
    second = make_track(MMSI_A, n=10, start=T0 + timedelta(minutes=9, hours=gap_h), lon=-109.9)
    return pl.concat([first, _renumber(second, 100)])


def _outlier_track() -> pl.DataFrame:
    track = make_track(MMSI_A, n=30)
    # position 15 jumps 50 km north (a GPS glitch), then the track carries on
    return track.with_columns(
        pl.when(pl.col(S.SOURCE_ROW) == 15)
        .then(pl.col(S.LAT) + 0.45)
        .otherwise(pl.col(S.LAT))
        .alias(S.LAT)
    )


def _two_transmitters(n: int = 60, sep_deg_lon: float = 3.1, offset_s: int = 60) -> pl.DataFrame:
    """One MMSI sent by two vessels ~300 km apart (3.1 deg of lon at 31 N), reporting in turn."""
    a = make_track(MMSI_A, lat=31.0, lon=-114.5, n=n, interval_s=120)
    b = make_track(
        MMSI_A,
        lat=31.0,
        lon=-114.5 + sep_deg_lon,
        n=n,
        interval_s=120,
        course_deg=270,
        start=T0 + timedelta(seconds=offset_s),
    )
    return pl.concat([a, _renumber(b, 10_000)])


def _jittered(speed_kn: float, interval_s: float, jitter_m: float, n: int = 120) -> pl.DataFrame:
    """A straight track with a deterministic +-jitter_m GPS error across the track."""
    track = make_track(MMSI_A, n=n, interval_s=interval_s, speed_kn=speed_kn, course_deg=0)
    rng = random.Random(7)
    noise_deg = [rng.uniform(-jitter_m, jitter_m) / 111_195.0 for _ in range(n)]
    return track.with_columns(pl.col(S.LON) + pl.Series(noise_deg))


def _day_boundary() -> pl.DataFrame:
    return make_track(MMSI_A, start=T0 - timedelta(hours=1), n=120, interval_s=60)


@dataclass(frozen=True)
class Scenario:
    frame: pl.DataFrame
    n_segments: int
    sizes: tuple[int, ...]  # positions per segment, sorted descending
    max_leg_speed_kn: float | None  # upper bound of implied speed within segments (None: no legs)


SCENARIOS = {
    "gap-25h-splits": Scenario(_gap_track(25.0), 2, (10, 10), 10.5),
    "gap-23h-does-not-split": Scenario(_gap_track(23.0), 1, (20,), 10.5),
    "gps-jump-single-outlier": Scenario(_outlier_track(), 2, (29, 1), 10.5),
    "two-transmitters-300km": Scenario(_two_transmitters(), 2, (60, 60), 10.5),
    "fast-panga-22kn-10s": Scenario(make_track(MMSI_A, speed_kn=22, interval_s=10), 1, (60,), 22.5),
    "go-fast-45kn-60s": Scenario(make_track(MMSI_A, speed_kn=45, interval_s=60), 1, (60,), 45.5),
    "panga-30kn-gps-noise-150m": Scenario(_jittered(30, 10, 150), 1, (120,), None),
    "empty": Scenario(make_positions([]), 0, (), None),
    "one-position": Scenario(make_track(MMSI_A, n=1), 1, (1,), None),
    "day-boundary-does-not-split": Scenario(_day_boundary(), 1, (120,), 10.5),
    "two-vessels-independent": Scenario(
        pl.concat([make_track(MMSI_A, n=5), _renumber(make_track(MMSI_B, n=7), 100)]),
        2,
        (7, 5),
        10.5,
    ),
}


@pytest.mark.parametrize("case", SCENARIOS.values(), ids=SCENARIOS.keys())
def test_segmentation_scenarios(case: Scenario) -> None:
    out = segment(case.frame)
    assert out.height == case.frame.height
    S.validate(out, {**S.POSITION_SCHEMA, **S.SEGMENT_DERIVED_SCHEMA}, what="segmented")
    sizes = out.group_by(S.SEGMENT_ID).len()["len"].sort(descending=True).to_list()
    assert out[S.SEGMENT_ID].n_unique() == case.n_segments
    assert tuple(sizes) == case.sizes
    speeds = out[S.IMPLIED_SPEED_KN].drop_nulls()
    if case.max_leg_speed_kn is not None:
        assert speeds.max() <= case.max_leg_speed_kn  # type: ignore[operator]
    # a segment's first position has no leg; every other position has one
    firsts = out.group_by(S.SEGMENT_ID).agg(pl.col(S.TS).min())
    assert out[S.DT_S].null_count() == firsts.height


def test_output_sorted_and_deterministic_order() -> None:
    frame = _two_transmitters(n=10)
    out = segment(frame.sample(fraction=1.0, shuffle=True, seed=3))
    assert out.select(SORT_KEYS).equals(out.select(SORT_KEYS).sort(SORT_KEYS))


def test_two_transmitters_tracks_are_internally_consistent() -> None:
    out = segment(_two_transmitters())
    per_seg = out.group_by(S.SEGMENT_ID).agg(
        pl.col(S.LON).min().alias("lon_min"),
        pl.col(S.LON).max().alias("lon_max"),
        pl.col(S.DIST_M).max().alias("max_leg_m"),
    )
    # each track stays on its own side: no zig-zag between the two places
    assert (per_seg["lon_max"] - per_seg["lon_min"]).max() < 0.5  # type: ignore[operator]
    assert per_seg["max_leg_m"].max() < 2_000  # type: ignore[operator]


def test_two_transmitters_are_an_identity_conflict() -> None:
    out = segment(_two_transmitters(n=60))
    conflicts = identity_conflicts(out)
    assert conflicts[S.MMSI].to_list() == [MMSI_A]
    row = conflicts.row(0, named=True)
    assert row["n_segments_overlapping"] == 2
    assert sorted(row["segment_ids"]) == sorted(out[S.SEGMENT_ID].unique().to_list())
    # a: 0 .. 118 min, b: 1 .. 119 min -> both open from 1 to 118 min
    assert row["overlap_h"] == pytest.approx(117 / 60)
    assert row[S.START_TS] == T0 + timedelta(minutes=1)
    assert row[S.END_TS] == T0 + timedelta(minutes=118)


@pytest.mark.parametrize(
    "frame",
    [_outlier_track(), _gap_track(25.0), make_track(MMSI_A), make_positions([])],
    ids=["gps-outlier", "gap-split", "plain-track", "empty"],
)
def test_no_identity_conflict_without_overlap(frame: pl.DataFrame) -> None:
    conflicts = identity_conflicts(segment(frame))
    assert conflicts.height == 0
    assert conflicts.columns == [
        S.MMSI,
        "n_segments_overlapping",
        "overlap_h",
        S.START_TS,
        S.END_TS,
        "segment_ids",
    ]


def _double_glitch() -> pl.DataFrame:
    """Two consecutive bad fixes at the same wrong place, 50 km off."""
    track = make_track(MMSI_A, n=30)
    bad = pl.col(S.SOURCE_ROW).is_in([15, 16])
    return track.with_columns(pl.when(bad).then(pl.col(S.LAT) + 0.45).otherwise(pl.col(S.LAT)))


def test_double_glitch_is_a_short_segment_not_a_conflict() -> None:
    out = segment(_double_glitch())
    assert out.group_by(S.SEGMENT_ID).len()["len"].sort().to_list() == [2, 28]
    assert identity_conflicts(out).height == 0
    assert identity_conflicts(out, min_positions=2)[S.MMSI].to_list() == [MMSI_A]


def test_three_transmitters_one_mmsi() -> None:
    tracks = [
        _renumber(
            make_track(
                MMSI_A,
                lat=lat,
                lon=-112.0,
                n=30,
                interval_s=180,
                start=T0 + timedelta(seconds=60 * i),
            ),
            1000 * i,
        )
        for i, lat in enumerate((24.0, 26.0, 28.0))
    ]
    out = segment(pl.concat(tracks))
    assert out.group_by(S.SEGMENT_ID).len()["len"].to_list() == [30, 30, 30]
    assert identity_conflicts(out)["n_segments_overlapping"].to_list() == [3]


def test_segment_id_format_and_same_second_disambiguation() -> None:
    # both transmitters start in the same second: ids differ by a "-2" suffix
    out = segment(_two_transmitters(n=5, offset_s=0))
    ids = sorted(out[S.SEGMENT_ID].unique().to_list())
    assert ids == [f"{MMSI_A}-20240301T000000", f"{MMSI_A}-20240301T000000-2"]
    # the suffix goes to the segment whose first row sorts later (source_row 10001)
    later = out.filter(pl.col(S.SOURCE_ROW) == 10_001)[S.SEGMENT_ID].item()
    assert later.endswith("-2")


def test_segment_id_uses_segment_start_not_day() -> None:
    out = segment(_day_boundary())
    assert out[S.SEGMENT_ID].unique().to_list() == [f"{MMSI_A}-20240229T230000"]


def test_kinematics_values() -> None:
    out = segment(make_track(MMSI_A, n=5, interval_s=30, speed_kn=12, course_deg=45))
    assert out[S.DT_S].to_list() == [None, 30.0, 30.0, 30.0, 30.0]
    step_m = 12 * MPS_PER_KN * 30
    assert out[S.DIST_M].drop_nulls().to_list() == pytest.approx([step_m] * 4, rel=1e-3)
    assert out[S.IMPLIED_SPEED_KN].drop_nulls().to_list() == pytest.approx([12.0] * 4, rel=1e-3)
    assert out[S.COURSE_CHANGE_DEG].to_list()[:2] == [None, None]
    assert out[S.COURSE_CHANGE_DEG].drop_nulls().to_list() == pytest.approx([0.0] * 3, abs=0.01)


def test_course_change_is_signed_starboard_positive() -> None:
    rows = [
        {S.MMSI: MMSI_A, S.TS: T0 + timedelta(minutes=i), S.LAT: lat, S.LON: lon}
        for i, (lat, lon) in enumerate([(25.0, -110.0), (25.01, -110.0), (25.01, -109.99)])
    ]
    turn_right = segment(make_positions(rows))[S.COURSE_CHANGE_DEG][2]
    assert turn_right == pytest.approx(90.0, abs=0.1)
    left = [{**r, S.LON: -220.0 - r[S.LON]} for r in rows]  # mirror east-west
    assert segment(make_positions(left))[S.COURSE_CHANGE_DEG][2] == pytest.approx(-90.0, abs=0.1)


def test_same_timestamp_duplicates_do_not_split() -> None:
    track = make_track(MMSI_A, n=4)
    dup = _renumber(track.slice(1, 1), 100).with_columns(pl.col(S.LAT) + 0.0005)  # ~55 m away
    out = segment(pl.concat([track, dup]))
    assert out[S.SEGMENT_ID].n_unique() == 1
    zero = out.filter(pl.col(S.DT_S) == 0)
    assert zero.height == 1
    assert zero[S.IMPLIED_SPEED_KN].to_list() == [None]


def test_lazy_in_lazy_out_same_result() -> None:
    frame = pl.concat([_two_transmitters(n=8), _renumber(_gap_track(30), 50_000)])
    lazy = segment(frame.lazy())
    assert isinstance(lazy, pl.LazyFrame)
    assert_frame_equal(lazy.collect(), segment(frame))


def test_resegmenting_is_idempotent() -> None:
    once = segment(_two_transmitters(n=10))
    assert_frame_equal(segment(once), once)


def test_missing_column_is_a_schema_error() -> None:
    with pytest.raises(SchemaError, match="source_row"):
        segment(make_track(n=2).drop(S.SOURCE_ROW))


def test_config_override_and_validation() -> None:
    strict = override(SegmentConfig(), {"max_gap_h": 1}, source="test.toml")
    assert segment(_gap_track(2.0), strict)[S.SEGMENT_ID].n_unique() == 2
    with pytest.raises(ConfigError, match="max_open_tracks"):
        SegmentConfig(max_open_tracks=0)
    with pytest.raises(ConfigError, match="max_gap_h"):
        SegmentConfig(max_gap_h=0.0)


def test_slower_limit_splits_a_fast_boat() -> None:
    # the default keeps a 45 kn go-fast whole; GFW's 25 kn as an absolute limit would not
    fast = make_track(MMSI_A, speed_kn=45, interval_s=60, n=10)
    assert segment(fast, SegmentConfig(max_speed_kn=25))[S.SEGMENT_ID].n_unique() > 1


def test_kinematics_exprs_reproduce_segment_columns() -> None:
    out = segment(pl.concat([_two_transmitters(n=20), _renumber(_outlier_track(), 90_000)]))
    redo = out.sort(S.SEGMENT_ID, S.TS, S.SOURCE_FILE, S.SOURCE_ROW).with_columns(
        kinematics_exprs(S.SEGMENT_ID)
    )
    assert_frame_equal(redo.sort(SORT_KEYS), out)


# --- properties ---------------------------------------------------------------------------------

STEP_CHOICES_S = [0, 10, 60, 600, 3600, 20 * 3600, 30 * 3600]


@st.composite
def position_sets(draw: st.DrawFn) -> pl.DataFrame:
    """A few MMSIs with random steps, jumps and interleaved second transmitters."""
    rows = []
    n_mmsi = draw(st.integers(1, 3))
    for m in range(n_mmsi):
        t = T0 + timedelta(seconds=draw(st.integers(0, 86_400)))
        lat = draw(st.floats(20.0, 30.0))
        lon = draw(st.floats(-115.0, -105.0))
        for _ in range(draw(st.integers(1, 25))):
            kind = draw(st.sampled_from(["move", "move", "move", "jump", "other"]))
            t += timedelta(seconds=draw(st.sampled_from(STEP_CHOICES_S)))
            if kind == "move":
                lat += draw(st.floats(-0.01, 0.01))
                lon += draw(st.floats(-0.01, 0.01))
                pos = (lat, lon)
            elif kind == "jump":
                pos = (lat + draw(st.floats(-2.0, 2.0)), lon + draw(st.floats(-2.0, 2.0)))
            else:  # a second transmitter far away
                pos = (lat + 3.0, lon)
            rows.append({S.MMSI: MMSI_A + m, S.TS: t, S.LAT: pos[0], S.LON: pos[1]})
    return make_positions(rows)


PROPERTY_SETTINGS = settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)


@PROPERTY_SETTINGS
@given(frame=position_sets(), seed=st.integers(0, 2**32 - 1))
def test_property_shuffling_changes_nothing(frame: pl.DataFrame, seed: int) -> None:
    expected = segment(frame)
    assert_frame_equal(segment(frame.sample(fraction=1.0, shuffle=True, seed=seed)), expected)


@PROPERTY_SETTINGS
@given(frame=position_sets(), seed=st.integers(0, 2**32 - 1))
def test_property_rows_in_input_order_sorted_or_not(frame: pl.DataFrame, seed: int) -> None:
    """The three ways segment() orders rows agree: rows in input order already sorted by
    (mmsi, ts) are kept as they are, rows in input order are ordered by two one-column sorts,
    other rows by the four-key sort (0 s steps give (mmsi, ts) ties, kept in input order)."""
    one_file = pl.col(S.SOURCE_FILE).first()
    numbered = pl.int_range(1, pl.len() + 1, dtype=pl.UInt64).alias(S.SOURCE_ROW)
    shuffled = frame.sample(fraction=1.0, shuffle=True, seed=seed)
    in_input_order = shuffled.with_columns(one_file.alias(S.SOURCE_FILE), numbered)
    already_sorted = in_input_order.sort(S.MMSI, S.TS, maintain_order=True).with_columns(numbered)
    for rows in (in_input_order, already_sorted):
        expected = segment(rows.sample(fraction=1.0, shuffle=True, seed=seed + 1))
        assert_frame_equal(segment(rows), expected)
    assert segment(already_sorted).select(S.SOURCE_ROW).equals(already_sorted.select(S.SOURCE_ROW))


@PROPERTY_SETTINGS
@given(frame=position_sets(), seed=st.integers(0, 2**32 - 1))
def test_property_split_then_concat_changes_nothing(frame: pl.DataFrame, seed: int) -> None:
    rng = random.Random(seed)
    mask = pl.Series([rng.random() < 0.5 for _ in range(frame.height)])
    parts = pl.concat([frame.filter(~mask), frame.filter(mask)])
    assert_frame_equal(segment(parts), segment(frame))


@PROPERTY_SETTINGS
@given(frame=position_sets())
def test_property_partition_by_mmsi_changes_nothing(frame: pl.DataFrame) -> None:
    first = frame[S.MMSI].min()
    per_part = pl.concat(
        [
            segment(frame.filter(pl.col(S.MMSI) == first)),
            segment(frame.filter(pl.col(S.MMSI) != first)),
        ]
    )
    assert_frame_equal(per_part.sort(SORT_KEYS), segment(frame))


@PROPERTY_SETTINGS
@given(frame=position_sets())
def test_property_segments_are_consistent(frame: pl.DataFrame) -> None:
    config = SegmentConfig()
    out = segment(frame, config)
    legs = out.filter(pl.col(S.DT_S).is_not_null())
    assert (legs[S.DIST_M] >= 0).all()
    assert (legs[S.DT_S] >= 0).all()
    assert (legs[S.DT_S] <= config.max_gap_h * 3600).all()
    reach_m = legs[S.DT_S] * config.max_speed_kn * MPS_PER_KN + config.jump_tolerance_m
    assert (legs[S.DIST_M] <= reach_m + 1e-6).all()
    changes = out[S.COURSE_CHANGE_DEG].drop_nulls()
    assert ((changes >= -180) & (changes < 180)).all()
    # every MMSI's positions are all kept, and segment ids start with their MMSI
    assert out.height == frame.height
    prefix = out[S.SEGMENT_ID].str.split("-").list.first()
    assert (prefix == out[S.MMSI].cast(pl.String)).all()


def test_leg_speed_formula_matches_haversine() -> None:
    out = segment(make_track(MMSI_A, n=3, interval_s=3600, speed_kn=10, course_deg=0))
    dist_m = out[S.DIST_M][1]
    assert dist_m == pytest.approx(10 * 1852.0, rel=1e-3)
    assert out[S.IMPLIED_SPEED_KN][1] == pytest.approx(dist_m / 3600 / MPS_PER_KN)
    assert not math.isnan(out[S.DIST_M][2])
