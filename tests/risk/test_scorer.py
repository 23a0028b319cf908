"""Scenario tables for the generic scorer: sums, caps, multipliers, zones, pairs, determinism."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.factories import make_track
from tests.risk._events import T0, event, events
from vessels import schema as S
from vessels.risk import TOTAL_CAP_RULE, VESSEL_SCHEMA, parse_profile, score

A, B, C = 345000001, 345000002, 345000003

#: A hand-checkable profile: every expected number below follows from these weights.
SIMPLE = parse_profile(
    {
        "tiers": {"medium": 20, "high": 40, "critical": 80},
        "rules": {
            "ais_gap": {
                "points": 2,
                "points_per_h": 1,
                "max_hours": 10,
                "min_shore_km": 5,
                "cap": 30,
                "zone_kind_multipliers": {"aoi": 2, "no_take": 3},
                "zone_multipliers": {"aoi-upper-gulf": 1.5},
            },
            "encounter": {"points": 10, "points_per_h": 1},
            "dark_rendezvous": {"points": 20},
            "zone_presence": {"points": 1},
            "fishing_in_zone": {"points_per_h": 4},
            "identity_conflict": {"points": 50},
            "eez_incursion": {"points": 60},
        },
        "vessel_rules": {"invalid_mmsi": {"points": 7}},
    },
    source="simple.toml",
)


def _points(res: Any, mmsi: int) -> list[float]:
    return res.contributions.filter(pl.col(S.MMSI) == mmsi)[S.POINTS].to_list()


def _score_of(res: Any, mmsi: int) -> float:
    return float(res.vessels.filter(pl.col(S.MMSI) == mmsi)[S.RISK_SCORE].item())


def _gap(mmsi: int, h: float, i: int = 0, **kw: Any) -> dict[str, Any]:
    return event(
        "ais_gap", mmsi, hours=h, gap_h=h, start=T0 + timedelta(hours=12 * i), shore_km=40.0, **kw
    )


SCENARIOS = [
    pytest.param([_gap(A, 4)], {A: 6.0}, id="gap-offshore-points-plus-per-hour"),
    pytest.param([_gap(A, 40)], {A: 12.0}, id="gap-hours-clipped-at-max_hours"),
    pytest.param([_gap(A, 4, in_zone_kind="aoi")], {A: 12.0}, id="gap-in-aoi-kind-multiplier"),
    pytest.param(
        [_gap(A, 4, in_zone_kind="aoi", zone_id="aoi-upper-gulf", zone_name="Alto Golfo")],
        {A: 18.0},
        id="gap-in-specific-aoi-multiplies-with-kind",
    ),
    pytest.param([_gap(A, 4, in_zone_kind="no_take")], {A: 18.0}, id="gap-no-take-weighs-most"),
    pytest.param(
        [{**_gap(A, 4), S.SHORE_KM: 1.0}], {A: 0.0}, id="gap-near-shore-outside-zones-ignored"
    ),
    pytest.param(
        [{**_gap(A, 4, in_zone_kind="aoi"), S.SHORE_KM: 1.0}],
        {A: 12.0},
        id="gap-near-shore-inside-aoi-counts",
    ),
    pytest.param([_gap(A, 10, i=i) for i in range(4)], {A: 30.0}, id="rule-cap-per-vessel"),
    pytest.param(
        [event("encounter", A, other_mmsi=B, hours=3)],
        {A: 13.0, B: 13.0},
        id="encounter-scores-both-vessels",
    ),
    pytest.param(
        [
            event("encounter", A, other_mmsi=B, hours=3, event_id="e1"),
            event("encounter", B, other_mmsi=A, hours=3, event_id="e2"),
        ],
        {A: 13.0, B: 13.0},
        id="encounter-written-both-ways-counts-once",
    ),
    pytest.param(
        [event("dark_rendezvous", A, other_mmsi=B, overlap_h=5)],
        {A: 20.0, B: 20.0, C: 0.0},
        id="dark-rendezvous-pair",
    ),
    pytest.param(
        [event("zone_entry", A, zone_kind="aoi", ship_type=70, time_inside_h=3)],
        {A: 0.0},
        id="merchant-in-aoi-not-scored",
    ),
    pytest.param(
        [event("zone_entry", A, zone_kind="aoi", ship_type=30, time_inside_h=3)],
        {A: 1.0},
        id="fishing-vessel-in-aoi-scored",
    ),
    pytest.param([event("fishing", A, hours=2)], {A: 0.0}, id="fishing-outside-zones-is-legal"),
    pytest.param(
        [event("fishing", A, hours=2, zone_kind="protected_area")],
        {A: 8.0},
        id="fishing-in-protected-area",
    ),
    pytest.param([event("loitering", A, hours=8)], {A: 0.0}, id="rule-absent-from-profile-is-off"),
    pytest.param(
        [
            event("identity_conflict", A, conflict_kind="shared_mmsi"),
            event("eez_incursion", A, hours=5, is_fishing_vessel=True),
        ],
        {A: 100.0},
        id="total-capped-at-100",
    ),
    pytest.param(
        [event("identity_conflict", A, conflict_kind="invalid_mmsi")],
        {A: 7.0},
        id="invalid-mmsi-event-scored-by-vessel-rule-once",
    ),
]


@pytest.mark.parametrize(("rows", "expected"), SCENARIOS)
def test_scenarios(rows: list[dict[str, Any]], expected: dict[int, float]) -> None:
    res = score(events(rows), make_track(C, n=3), SIMPLE)
    for mmsi, value in expected.items():
        assert _score_of(res, mmsi) == pytest.approx(value)
        assert sum(_points(res, mmsi)) == pytest.approx(value)


def test_total_cap_is_its_own_line() -> None:
    rows = [
        event("identity_conflict", A, conflict_kind="shared_mmsi"),
        event("eez_incursion", A, hours=5, is_fishing_vessel=True),
    ]
    res = score(events(rows), profile=SIMPLE)
    cap = res.contributions.filter(pl.col(S.RULE_NAME) == TOTAL_CAP_RULE)
    assert cap[S.POINTS].to_list() == [-10.0]
    assert "capped at 100" in cap[S.EXPLANATION].item()
    # the cap line is not a reason
    reasons = res.vessels[S.REASONS].item()
    assert not any("capped" in r for r in reasons)


def test_cap_takes_biggest_events_first() -> None:
    rows = [_gap(A, 2, i=0), _gap(A, 10, i=1), _gap(A, 10, i=2), _gap(A, 10, i=3)]
    res = score(events(rows), profile=SIMPLE)
    # 12 + 12 + 6 (cap 30 reached); the 4-point gap finds the cap used up: a zero-point row
    # that says so (issue #18: capped points leave a trace), never one of the reasons
    assert _points(res, A) == [12.0, 12.0, 6.0, 0.0]
    capped = res.contributions.filter(pl.col(S.POINTS) == 0)[S.EXPLANATION].item()
    assert (
        capped.startswith("dark 2.0 h") and "capped: ais_gap already gave its cap of 30" in capped
    )
    assert not any("capped" in r for r in res.vessels[S.REASONS].item())


def test_explanations_are_plain_words() -> None:
    rows = [
        _gap(A, 4, in_zone_kind="aoi", zone_id="aoi-upper-gulf", zone_name="Alto Golfo AOI"),
        event("encounter", A, other_mmsi=B, hours=3, eez_iso3="MEX"),
    ]
    res = score(events(rows), profile=SIMPLE)
    got = set(res.contributions.filter(pl.col(S.MMSI) == A)[S.EXPLANATION])
    assert got == {
        "dark 4.0 h inside Alto Golfo AOI (+18)",
        f"met vessel {B} for 3.0 h in the MEX EEZ (+13)",
    }
    b = res.contributions.filter(pl.col(S.MMSI) == B)[S.EXPLANATION].item()
    assert b == f"met vessel {A} for 3.0 h in the MEX EEZ (+13)"
    assert (
        res.vessels.filter(pl.col(S.MMSI) == A)[S.REASONS]
        .item()
        .to_list()[0]
        .startswith("dark 4.0 h")
    )


def test_vessel_table_has_static_data_counts_and_order() -> None:
    pos = pl.concat(
        [
            make_track(A, n=5, vessel_name='=HYPERLINK("x")', flag="MEX", ship_type=30),
            make_track(B, n=3, vessel_name="SEA STAR", flag="USA"),
            make_track(C, n=2, mmsi_valid=False),
        ]
    )
    rows = [_gap(A, 4), event("encounter", A, other_mmsi=B, hours=3)]
    res = score(events(rows), pos, SIMPLE)
    v = res.vessels
    S.validate(v, VESSEL_SCHEMA, what="vessels")
    assert v[S.MMSI].to_list() == [A, B, C]  # A 19, B 13, C 7 (invalid MMSI)
    a = v.row(0, named=True)
    assert a[S.VESSEL_NAME] == '=HYPERLINK("x")' and a[S.N_POSITIONS] == 5
    assert a["n_ais_gap"] == 1 and a["n_encounter"] == 1
    assert v.row(1, named=True)["n_encounter"] == 1
    assert v.row(2, named=True)[S.MMSI_VALID] is False
    assert v[S.RISK_TIER].to_list() == ["low", "low", "low"]


@pytest.mark.parametrize(
    ("value", "tier"),
    [(0, "low"), (19.99, "low"), (20, "medium"), (40, "high"), (80, "critical"), (100, "critical")],
)
def test_tiers(value: float, tier: str) -> None:
    assert SIMPLE.tier_of(value) == tier


def test_vessel_days_apply_caps_per_day() -> None:
    rows = [_gap(A, 10, i=i) for i in range(4)]  # 06:00, 18:00 day 1; 06:00, 18:00 day 2
    res = score(events(rows), profile=SIMPLE)
    days = res.vessel_days.filter(pl.col(S.MMSI) == A)
    assert days[S.RISK_SCORE].to_list() == [24.0, 24.0]
    assert _score_of(res, A) == 30.0


def test_empty_events_give_empty_tables() -> None:
    res = score(S.empty_events())
    assert res.vessels.height == 0 and res.contributions.height == 0
    S.validate(res.vessels, VESSEL_SCHEMA)
    S.validate(res.contributions, S.CONTRIBUTION_SCHEMA)


def test_static_columns_are_last_known_in_time_whatever_the_row_order() -> None:
    # the name changes mid-track and the last fix has none: the last known name is the one of
    # the latest fix that has a name, in (mmsi, ts) row order (fast path) and shuffled alike
    a = make_track(A, n=6, vessel_name="OLD NAME").with_columns(
        pl.when(pl.int_range(pl.len()) >= 3)
        .then(pl.lit("NEW NAME"))
        .otherwise(pl.col(S.VESSEL_NAME))
        .alias(S.VESSEL_NAME)
    )
    a = a.with_columns(
        pl.when(pl.int_range(pl.len()) == 5)
        .then(None)
        .otherwise(pl.col(S.VESSEL_NAME))
        .alias(S.VESSEL_NAME)
    )
    pos = pl.concat([a, make_track(B, n=3, vessel_name="SEA STAR")])
    rows = [event("encounter", A, other_mmsi=B, hours=3)]
    in_order = score(events(rows), pos.lazy(), SIMPLE)
    shuffled = score(events(rows), pos.sample(fraction=1.0, shuffle=True, seed=3).lazy(), SIMPLE)
    assert in_order.vessels.filter(pl.col(S.MMSI) == A)[S.VESSEL_NAME].item() == "NEW NAME"
    assert shuffled.vessels.equals(in_order.vessels)
    assert shuffled.vessel_days.equals(in_order.vessel_days)


def test_positions_only_vessels_score_zero() -> None:
    res = score(S.empty_events(), make_track(A, n=4).lazy())
    assert res.vessels.select(S.MMSI, S.RISK_SCORE, S.N_POSITIONS).row(0) == (A, 0.0, 4)


# --- properties -----------------------------------------------------------------------------

_event_rows = st.lists(
    st.builds(
        lambda kind, m, o, h, i, zk, shore: event(
            kind,
            m,
            other_mmsi=o if kind in ("encounter", "dark_rendezvous") and o != m else None,
            hours=h,
            gap_h=h,
            start=T0 + timedelta(hours=i),
            in_zone_kind=zk,
            shore_km=shore,
            event_id=f"{kind}-{m}-{i}",
        ),
        st.sampled_from(
            ["ais_gap", "encounter", "dark_rendezvous", "fishing", "identity_conflict"]
        ),
        st.sampled_from([A, B, C]),
        st.sampled_from([A, B, C]),
        st.floats(0, 48),
        st.integers(0, 72),
        st.sampled_from([None, "aoi", "no_take", "protected_area"]),
        st.sampled_from([None, 1.0, 50.0]),
    ),
    max_size=25,
    unique_by=lambda r: r[S.EVENT_ID],
)


@settings(max_examples=15, deadline=None)
@given(_event_rows, st.randoms(use_true_random=False))
def test_property_sum_equals_score_and_order_does_not_matter(
    rows: list[dict[str, Any]], rnd: Any
) -> None:
    for profile in (SIMPLE, "gulf-of-california"):
        res = score(events(rows), profile=profile)
        sums = res.contributions.group_by(S.MMSI).agg(pl.col(S.POINTS).sum())
        joined = res.vessels.join(sums, on=S.MMSI, how="left").with_columns(
            pl.col(S.POINTS).fill_null(0.0)
        )
        assert ((joined[S.RISK_SCORE] - joined[S.POINTS]).abs() < 1e-6).all()
        assert joined[S.RISK_SCORE].is_between(0, 100).all()
        shuffled = list(rows)
        rnd.shuffle(shuffled)
        again = score(events(shuffled), profile=profile)
        assert again.vessels.equals(res.vessels)
        assert again.contributions.equals(res.contributions)
        assert again.vessel_days.equals(res.vessel_days)


def test_open_gap_weighs_by_open_multiplier() -> None:
    prof = parse_profile({"rules": {"ais_gap": {"points_per_h": 2, "open_multiplier": 0.25}}})
    rows = [_gap(A, 4), {**_gap(B, 4), S.EVIDENCE: {"gap_h": 4.0, "is_open": True}}]
    res = score(events(rows), profile=prof)
    assert (_score_of(res, A), _score_of(res, B)) == (8.0, 2.0)


def test_events_on_noise_tracks_are_ignored() -> None:
    """A 'track' of 3 stray fixes does not make gaps or a shared MMSI count."""
    prof = parse_profile(
        {
            "rules": {
                "ais_gap": {"points": 10, "min_track_positions": 10},
                "identity_conflict": {"points": 20, "min_track_positions": 10},
            }
        }
    )
    real = make_track(A, n=30).with_columns(pl.lit("a-real").alias(S.SEGMENT_ID))
    noise = make_track(A, n=3, lat=26.0).with_columns(pl.lit("a-noise").alias(S.SEGMENT_ID))
    pos = pl.concat([real, noise])
    rows = [
        {**_gap(A, 8, i=0), S.SEGMENT_ID: "a-real"},
        {**_gap(A, 8, i=1), S.SEGMENT_ID: "a-noise"},
        {
            **event(
                "identity_conflict",
                A,
                conflict_kind="shared_mmsi",
                other_segment_id="a-noise",
                event_id="id-1",
            ),
            S.SEGMENT_ID: "a-real",
        },
    ]
    res = score(events(rows), pos, prof)
    assert res.contributions[S.RULE_NAME].to_list() == ["ais_gap"]
    assert _score_of(res, A) == 10.0
    # without positions the track length is unknown and nothing is dropped
    assert _score_of(score(events(rows), profile=prof), A) == 40.0


_position_rows = st.lists(
    st.tuples(
        st.sampled_from([A, B, C]),
        st.integers(0, 4 * 24 * 6),  # 10-minute steps over four UTC days
        st.sampled_from([None, "ONE", "TWO"]),
        st.sampled_from([None, "XA1"]),
        st.sampled_from([None, "MEX", "PAN"]),
        st.sampled_from([None, 30, 70]),
        st.sampled_from([None, True, False]),
    ),
    max_size=40,
)


@settings(max_examples=40, deadline=None)
@given(_position_rows)
def test_property_vessel_facts_from_days_and_runs_equal_a_pass_over_the_positions(
    rows: list[tuple[Any, ...]],
) -> None:
    # in (mmsi, ts) order the scorer takes each vessel's facts (last known static values,
    # validity, positions, first/last time) from its days' instead of a second pass, and groups
    # the positions by runs of consecutive rows
    from vessels.risk.scorer import DAY, _position_facts, _vessel_facts_from_days

    names = [S.MMSI, "_step", S.VESSEL_NAME, S.CALLSIGN, S.FLAG, S.SHIP_TYPE, S.MMSI_VALID]
    dtypes = [pl.UInt32, pl.Int64, pl.String, pl.String, pl.String, pl.UInt8, pl.Boolean]
    pos = (
        pl.DataFrame(rows, schema=dict(zip(names, dtypes, strict=True)), orient="row")
        .with_columns(
            (pl.lit(T0) + pl.duration(minutes=10 * pl.col("_step")))
            .dt.cast_time_unit("us")
            .alias(S.TS)
        )
        .drop("_step")
        .sort(S.MMSI, S.TS)
        .lazy()
    )
    days = _position_facts(pos, [S.MMSI, DAY], time_ordered=True)
    direct = _position_facts(pos, [S.MMSI], time_ordered=True).sort(S.MMSI)
    assert _vessel_facts_from_days(days).sort(S.MMSI).equals(direct)
    # grouped by runs of rows (in order) as by hashing the keys with a sort by time (any order)
    for keys, facts in (([S.MMSI, DAY], days), ([S.MMSI], direct)):
        hashed = _position_facts(pos, keys, time_ordered=False)
        assert facts.sort(keys).equals(hashed.sort(keys))
