"""Scenario table of the detectors: named positives and negatives from issue 5."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import polars as pl
import pytest

from tests.events._helpers import T0, at, events_of, label, track, zigzag
from tests.factories import make_track
from vessels import schema as S
from vessels.events import detect_events
from vessels.testing import staged

UPPER_GULF = "aoi-upper-gulf"


@dataclass(frozen=True)
class Scenario:
    id: str
    build: Callable[[], pl.DataFrame]
    event_type: str
    expected: int  # number of events of event_type
    check: Callable[[pl.DataFrame], object] | None = None


# --- positives ---------------------------------------------------------------------------------


def alongside_3h_offshore() -> pl.DataFrame:
    a = track(345000010, n=181, interval_s=60, speed_kn=0.5, lat=22.0, lon=-108.0)
    b = track(412000020, n=181, interval_s=60, speed_kn=0.5, lat=22.0018, lon=-108.0, shore_km=80.0)
    return pl.concat([a, b])


def _check_alongside(ev: pl.DataFrame) -> None:
    row = ev.row(0, named=True)
    assert (row["mmsi"], row["other_mmsi"]) == (345000010, 412000020)
    assert row["ev_encounter_profile"] == "gfw"
    assert 2.9 <= row["duration_h"] <= 3.0
    assert 150 < row["ev_median_dist_m"] < 250


def gap_7h_80nm() -> pl.DataFrame:
    before = track(345000011, n=73, interval_s=600, shore_km=80 * 1.852, speed_kn=8.0)
    after = track(345000011, n=10, interval_s=600, start=at(19.0), shore_km=150.0, lat=25.3)
    return pl.concat([before, after])


def _check_gap_7h(ev: pl.DataFrame) -> None:
    row = ev.row(0, named=True)
    assert row["duration_h"] == pytest.approx(7.0)
    assert row["ev_start_shore_km"] == pytest.approx(148.16)
    assert row["ev_positions_12h_before"] == 72
    assert row["ev_likely_intentional"] is False  # 7 h < GFW's 12 h
    assert row["ev_is_open"] is False
    assert "80 nm offshore" in row["ev_summary"]
    assert row["ev_implied_speed_kn"] > 0


def gap_13h_80nm() -> pl.DataFrame:
    before = track(345000012, n=73, interval_s=600, shore_km=80 * 1.852 + 1, speed_kn=8.0)
    after = track(345000012, n=10, interval_s=600, start=at(25.0), lat=25.3)
    return pl.concat([before, after])


def panga_dark_3h_upper_gulf() -> pl.DataFrame:
    kw: dict[str, Any] = {
        "speed_kn": 4.0,
        "lat": 31.2,
        "lon": -114.6,
        "shore_km": 8.0,
        "zones": [UPPER_GULF],
    }
    a = track(345000013, n=12, interval_s=300, **kw)
    b = track(345000013, n=12, interval_s=300, start=at(1.0 + 3.0), **kw)
    return pl.concat([a, b])


def _check_panga(ev: pl.DataFrame) -> None:
    row = ev.row(0, named=True)
    assert row["zone_id"] == UPPER_GULF
    assert row["ev_in_zone_kind"] == "aoi"
    assert row["duration_h"] == pytest.approx(3.0 + 5 / 60, abs=0.01)


def panga_dark_3h_outside_zone() -> pl.DataFrame:
    kw: dict[str, Any] = {"speed_kn": 4.0, "shore_km": 8.0}
    a = track(345000014, n=12, interval_s=300, **kw)
    b = track(345000014, n=12, interval_s=300, start=at(4.0), **kw)
    return pl.concat([a, b])


def foreign_longliner_in_mex_eez() -> pl.DataFrame:
    return zigzag(
        416000015, n=72, interval_s=300, ship_type=30, flag="TWN", lat=21.8, lon=-86.2
    ).pipe(label, eez="MEX", shore_km=60.0)


def _check_longliner(ev: pl.DataFrame) -> None:
    row = ev.row(0, named=True)
    assert row["eez_iso3"] == "MEX"
    assert row["zone_id"] == "eez-MEX"
    assert row["ev_flag"] == "TWN"
    assert row["ev_is_fishing_vessel"] is True
    assert row["ev_fishing_time_inside_h"] > 4.0


def two_transmitters_one_mmsi() -> pl.DataFrame:
    a = track(345000016, segment_id="345000016-a", n=60, interval_s=120, lat=31.0, lon=-114.5)
    b = track(
        345000016,
        segment_id="345000016-b",
        n=60,
        interval_s=120,
        lat=31.0,
        lon=-111.4,
        start=at(1 / 60),
    )
    return pl.concat([a, b])


def _check_transmitters(ev: pl.DataFrame) -> None:
    row = ev.row(0, named=True)
    assert row["ev_conflict_kind"] == "shared_mmsi"
    assert row["ev_other_segment_id"] == "345000016-b"
    assert "2 simultaneous tracks" in row["ev_detail"]


def reefer_loitering_offshore() -> pl.DataFrame:
    return track(
        354000017,
        n=40,
        interval_s=600,
        speed_kn=0.8,
        shore_km=60.0,
        vessel_name="ATLANTIC REEFER",
        ship_type=70,
    )


def zigzag_fisher() -> pl.DataFrame:
    return zigzag(345000018, n=48, interval_s=300, ship_type=30, flag="MEX").pipe(label)


def two_go_dark_together() -> pl.DataFrame:
    def dark(mmsi: int, lat: float) -> pl.DataFrame:
        kw: dict[str, Any] = {"lat": lat, "speed_kn": 1.0, "shore_km": 40.0}
        return pl.concat(
            [
                track(mmsi, n=6, interval_s=600, **kw),
                track(mmsi, n=6, interval_s=600, start=at(5.0), **kw),
            ]
        )

    return pl.concat([dark(345000019, 25.0), dark(345000020, 25.01)])


def crossing_the_aoi() -> pl.DataFrame:
    out = track(345000021, n=10, interval_s=300, speed_kn=12.0)
    inside = track(
        345000021, n=12, interval_s=300, speed_kn=12.0, start=at(50 / 60), zones=[UPPER_GULF]
    )
    out2 = track(345000021, n=10, interval_s=300, speed_kn=12.0, start=at(110 / 60))
    return pl.concat([out, inside, out2])


def renamed_vessel() -> pl.DataFrame:
    return pl.concat(
        [
            track(345000022, n=5, vessel_name="LA PALOMA"),
            track(345000022, n=5, vessel_name="PALOMA II", start=at(1.0)),
        ]
    )


def search_and_rescue_aircraft() -> pl.DataFrame:
    return track(111345000, n=5)


def silent_30h_new_segment() -> pl.DataFrame:
    a = track(345000023, segment_id="345000023-a", n=10, interval_s=600)
    b = track(345000023, segment_id="345000023-b", n=10, interval_s=600, start=at(32.0))
    return pl.concat([a, b])


def _check_boundary(ev: pl.DataFrame) -> None:
    row = ev.row(0, named=True)
    assert row["segment_id"] == "345000023-a"
    assert row["ev_other_segment_id"] == "345000023-b"
    assert row["duration_h"] == pytest.approx(32.0 - 1.5)


def still_dark_at_end() -> pl.DataFrame:
    a = track(345000024, n=10, interval_s=600)
    other = track(345000025, n=60, interval_s=600)  # defines the data end (~9.8 h)
    return pl.concat([a, other])


# --- negatives ---------------------------------------------------------------------------------


def anchored_side_by_side_in_port() -> pl.DataFrame:
    kw: dict[str, Any] = {
        "n": 24 * 6,
        "interval_s": 600,
        "speed_kn": 0.0,
        "shore_km": 0.4,
        "lon": -109.9,
    }
    return pl.concat([track(345000030, lat=24.16, **kw), track(345000031, lat=24.1605, **kw)])


def ferry_shuttling() -> pl.DataFrame:
    legs = []
    for i in range(8):
        course = 90.0 if i % 2 == 0 else 270.0
        lon = -110.3 if i % 2 == 0 else -110.3 + 0.45
        legs.append(
            track(
                345000032,
                start=at(i * 3.0),
                n=25,
                interval_s=360,
                speed_kn=15.0,
                course_deg=course,
                lat=24.2,
                lon=lon,
                ship_type=60,
                shore_km=5.0,
            )
        )
    return pl.concat(legs)


def merchant_crossing_eez() -> pl.DataFrame:
    return track(
        351000033, n=80, interval_s=600, speed_kn=13.0, ship_type=70, flag="PAN", eez="MEX"
    )


def on_zone_boundary() -> pl.DataFrame:
    rows = track(345000034, n=72, interval_s=300, speed_kn=0.3, shore_km=3.0)
    return rows.with_columns(
        pl.when(pl.int_range(pl.len()) % 2 == 0)
        .then(pl.lit([UPPER_GULF]))
        .otherwise(pl.lit([], dtype=pl.List(pl.String)))
        .alias(S.ZONE_IDS)
    )


def encounter_straddling_midnight() -> pl.DataFrame:
    start = at(-1.0)  # 23:00 UTC the day before T0
    kw: dict[str, Any] = {"start": start, "n": 181, "interval_s": 60, "speed_kn": 0.3, "lon": -94.0}
    return pl.concat([track(345000035, lat=20.0, **kw), track(345000036, lat=20.002, **kw)])


def _check_midnight(ev: pl.DataFrame) -> None:
    row = ev.row(0, named=True)
    assert row["start_ts"] < T0 < row["end_ts"]


def two_transmitters_alternating() -> pl.DataFrame:
    """Shared MMSI reporting in turn: per MMSI every 2 min, per segment never silent."""
    return two_transmitters_one_mmsi()


SCENARIOS = [
    Scenario(
        "encounter-3h-alongside-offshore", alongside_3h_offshore, "encounter", 1, _check_alongside
    ),
    Scenario("gap-7h-starting-80nm-out", gap_7h_80nm, "ais_gap", 1, _check_gap_7h),
    Scenario(
        "gap-13h-80nm-likely-intentional",
        gap_13h_80nm,
        "ais_gap",
        1,
        lambda ev: ev["ev_likely_intentional"].to_list() == [True] or pytest.fail("not flagged"),
    ),
    Scenario(
        "panga-dark-3h-in-upper-gulf-aoi", panga_dark_3h_upper_gulf, "ais_gap", 1, _check_panga
    ),
    Scenario(
        "foreign-longliner-fishing-in-mex-eez",
        foreign_longliner_in_mex_eez,
        "eez_incursion",
        1,
        _check_longliner,
    ),
    Scenario(
        "two-transmitters-one-mmsi",
        two_transmitters_one_mmsi,
        "identity_conflict",
        1,
        _check_transmitters,
    ),
    Scenario(
        "reefer-loitering-offshore",
        reefer_loitering_offshore,
        "loitering",
        1,
        lambda ev: ev["ev_is_carrier"].to_list() == [True] or pytest.fail("not a carrier"),
    ),
    Scenario("zigzag-fisher-fishing", zigzag_fisher, "fishing", 1),
    Scenario("two-vessels-dark-together", two_go_dark_together, "dark_rendezvous", 1),
    Scenario(
        "crossing-the-aoi-one-entry",
        crossing_the_aoi,
        "zone_entry",
        1,
        lambda ev: ev["ev_time_inside_h"].to_list() == [pytest.approx(55 / 60)] or pytest.fail(),
    ),
    Scenario(
        "renamed-vessel",
        renamed_vessel,
        "identity_change",  # identity_change owns renames (issue 19), not identity_conflict
        1,
        lambda ev: ev["ev_from_value"][0] == "LA PALOMA" or pytest.fail(),
    ),
    Scenario(
        "sar-aircraft-mmsi",
        search_and_rescue_aircraft,
        "identity_conflict",
        1,
        lambda ev: ev["ev_conflict_kind"].to_list() == ["non_ship_mid"] or pytest.fail(),
    ),
    Scenario("silent-30h-across-segments", silent_30h_new_segment, "ais_gap", 1, _check_boundary),
    Scenario(
        "still-dark-at-end-of-data",
        still_dark_at_end,
        "ais_gap",
        1,
        lambda ev: ev["ev_is_open"].to_list() == [True] or pytest.fail(),
    ),
    # negatives
    Scenario("neg-anchored-side-by-side-in-port", anchored_side_by_side_in_port, "encounter", 0),
    Scenario("neg-anchored-in-port-not-loitering", anchored_side_by_side_in_port, "loitering", 0),
    Scenario("neg-ferry-shuttling-no-fishing", ferry_shuttling, "fishing", 0),
    Scenario("neg-ferry-shuttling-no-gap", ferry_shuttling, "ais_gap", 0),
    Scenario("neg-ferry-shuttling-no-loitering", ferry_shuttling, "loitering", 0),
    Scenario("neg-merchant-crossing-eez", merchant_crossing_eez, "eez_incursion", 0),
    Scenario("neg-merchant-crossing-no-fishing", merchant_crossing_eez, "fishing", 0),
    Scenario("neg-on-zone-boundary-one-visit", on_zone_boundary, "zone_entry", 1),
    Scenario("neg-on-zone-boundary-no-gap", on_zone_boundary, "ais_gap", 0),
    Scenario("neg-panga-dark-3h-outside-zone", panga_dark_3h_outside_zone, "ais_gap", 0),
    Scenario(
        "encounter-straddling-midnight-once",
        encounter_straddling_midnight,
        "encounter",
        1,
        _check_midnight,
    ),
    Scenario("neg-shared-mmsi-no-fake-gap", two_transmitters_alternating, "ais_gap", 0),
    Scenario("neg-shared-mmsi-no-encounter", two_transmitters_alternating, "encounter", 0),
]


@pytest.mark.parametrize("sc", SCENARIOS, ids=[s.id for s in SCENARIOS])
def test_scenario(sc: Scenario) -> None:
    events = detect_events(staged(sc.build()))
    assert events.schema == pl.Schema(S.EVENT_SCHEMA)
    got = events_of(events, sc.event_type)
    assert got.height == sc.expected, got.select("event_id", "ev_summary").rows()
    if sc.check is not None:
        sc.check(got)
    assert events[S.EVENT_ID].is_unique().all()
    assert (events[S.EVIDENCE].struct.field("summary").str.len_chars() > 0).all()


def test_gap_is_per_segment_not_per_mmsi() -> None:
    """Per MMSI the positions of two transmitters interleave; per segment neither is silent."""
    a = make_track(345000040, n=60, interval_s=600, lat=31.0, lon=-114.5)
    b = make_track(345000040, n=60, interval_s=600, lat=31.0, lon=-111.4, start=at(3.0))
    # a ends at 9.8 h, b starts at 3 h: per MMSI no 6-h silence either, but a gap-free overlap
    events = detect_events(staged(pl.concat([a, b])))  # real segmenter splits them
    assert events_of(events, "ais_gap").height == 0
    assert events_of(events, "identity_conflict")["ev_conflict_kind"].to_list() == ["shared_mmsi"]
