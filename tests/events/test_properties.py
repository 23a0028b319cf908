"""Hypothesis: input order and splitting the input into two files never change the events."""

from __future__ import annotations

import polars as pl
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.events import test_scenarios as sc
from vessels import schema as S
from vessels.events import detect_events
from vessels.testing import staged

_BASE = pl.concat(
    [
        sc.alongside_3h_offshore(),
        sc.gap_7h_80nm(),
        sc.panga_dark_3h_upper_gulf(),
        sc.foreign_longliner_in_mex_eez(),
        sc.two_transmitters_one_mmsi(),
        sc.reefer_loitering_offshore(),
        sc.two_go_dark_together(),
        sc.renamed_vessel(),
        sc.encounter_straddling_midnight(),
    ],
    how="diagonal_relaxed",
)
_EXPECTED = detect_events(_BASE)


def test_fixture_is_rich() -> None:
    assert set(_EXPECTED[S.EVENT_TYPE]) >= {
        "ais_gap",
        "encounter",
        "eez_incursion",
        "loitering",
        "fishing",
        "dark_rendezvous",
        "identity_conflict",
        "zone_entry",
    }


@settings(max_examples=8, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(seed=st.integers(0, 2**32 - 1), cut=st.floats(0.0, 1.0))
def test_shuffle_and_split_change_no_event(seed: int, cut: float) -> None:
    shuffled = _BASE.sample(fraction=1.0, shuffle=True, seed=seed)
    k = int(cut * shuffled.height)
    parts = [
        shuffled.head(k).with_columns(pl.lit("file_a.csv").alias(S.SOURCE_FILE)),
        shuffled.tail(shuffled.height - k).with_columns(pl.lit("file_b.csv").alias(S.SOURCE_FILE)),
    ]
    assert detect_events(parts).equals(_EXPECTED)


@settings(max_examples=8, deadline=None)
@given(seed=st.integers(0, 2**32 - 1))
def test_distances_and_durations_non_negative(seed: int) -> None:
    ev = detect_events(_BASE.sample(fraction=1.0, shuffle=True, seed=seed))
    evidence = ev[S.EVIDENCE].struct.unnest()
    for col in ("gap_dist_m", "median_dist_m", "min_dist_m", "track_length_km", "start_sep_km"):
        assert (evidence[col].drop_nulls() >= 0).all()
    assert (ev[S.END_TS] >= ev[S.START_TS]).all()


def test_every_event_has_the_core_columns_filled() -> None:
    core = [S.EVENT_ID, S.EVENT_TYPE, S.MMSI, S.SEGMENT_ID, S.START_TS, S.END_TS, S.DURATION_H]
    core += [S.LAT, S.LON]
    assert _EXPECTED.select(pl.col(core).null_count()).row(0) == (0,) * len(core)
    summaries = _EXPECTED[S.EVIDENCE].struct.field("summary")
    assert summaries.null_count() == 0
    pairs = _EXPECTED.filter(pl.col(S.EVENT_TYPE).is_in(["encounter", "dark_rendezvous"]))
    assert pairs[S.OTHER_MMSI].null_count() == 0


_RAW = (
    pl.concat(
        [sc.gap_7h_80nm(), sc.two_transmitters_one_mmsi(), sc.alongside_3h_offshore()],
        how="diagonal_relaxed",
    )
    .drop(S.SEGMENT_ID)
    .with_columns(pl.int_range(pl.len(), dtype=pl.UInt64).alias(S.SOURCE_ROW))
)
_RAW_EXPECTED = detect_events(staged(_RAW))


@settings(max_examples=5, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(seed=st.integers(0, 2**32 - 1), cut=st.floats(0.0, 1.0))
def test_shuffle_and_split_with_the_segmenter_change_no_event(seed: int, cut: float) -> None:
    """Segmented by the segmenter stage (the detectors refuse unsegmented tracks), input order
    and file splits still do not matter."""
    shuffled = _RAW.sample(fraction=1.0, shuffle=True, seed=seed)
    k = int(cut * shuffled.height)
    parts = pl.concat([shuffled.head(k), shuffled.tail(shuffled.height - k)])
    assert detect_events(staged(parts)).equals(_RAW_EXPECTED)
    assert {"ais_gap", "encounter", "identity_conflict"} <= set(_RAW_EXPECTED[S.EVENT_TYPE])
