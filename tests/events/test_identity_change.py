"""identity_change events (issue #19, point 1): renames, call-sign and ship-type changes, and
flag changes of one IMO across MMSIs (flag hopping)."""

from __future__ import annotations

from datetime import timedelta

import polars as pl

from tests.factories import T0, make_track
from vessels import schema as S
from vessels.events import IdentityChangeConfig, detect_events, detect_identity_changes
from vessels.testing import staged


def _ev(events: pl.DataFrame) -> list[dict[str, object]]:
    return (
        events.select(S.MMSI, S.OTHER_MMSI, pl.col(S.EVIDENCE).struct.unnest())
        .select(
            S.MMSI,
            S.OTHER_MMSI,
            "change_field",
            "from_value",
            "to_value",
            "n_changes",
            "flag_hopping",
        )
        .to_dicts()
    )


def _reflagged(mmsis: list[int]) -> pl.DataFrame:
    return pl.concat(
        [
            make_track(m, n=5, imo=9123456, start=T0 + timedelta(hours=i))
            for i, m in enumerate(mmsis)
        ],
        how="diagonal_relaxed",
    )


def test_flag_hopping_needs_two_flag_changes() -> None:
    two = _ev(
        detect_events(
            staged(_reflagged([412000001, 440000001, 567000001])), types=["identity_change"]
        )
    )
    assert [(e["mmsi"], e["other_mmsi"], e["from_value"], e["to_value"]) for e in two] == [
        (440000001, 412000001, "CHN", "KOR"),
        (567000001, 440000001, "KOR", "THA"),
    ]
    assert all(e["flag_hopping"] and e["change_field"] == "flag" for e in two)
    one = _ev(detect_events(staged(_reflagged([412000001, 440000001])), types=["identity_change"]))
    assert [(e["flag_hopping"], e["n_changes"]) for e in one] == [(False, 1)]
    # the same flag under a new MMSI is no flag change
    same = detect_events(staged(_reflagged([412000001, 412000002])), types=["identity_change"])
    assert same.height == 0
    strict = IdentityChangeConfig(min_flag_changes_hopping=3)
    hop = detect_identity_changes(staged(_reflagged([412000001, 440000001, 567000001])), strict)
    assert not any(hop[S.EVIDENCE].struct.field("flag_hopping").to_list())


def test_name_callsign_and_ship_type_changes_in_time_order() -> None:
    a = make_track(412000001, n=5, vessel_name="sea  star", callsign="BX1", ship_type=30)
    b = make_track(
        412000001,
        n=5,
        start=T0 + timedelta(hours=1),
        lat=25.1,
        vessel_name="SEA STAR",
        callsign="BX2",
        ship_type=30,
    )
    c = make_track(
        412000001,
        n=5,
        start=T0 + timedelta(hours=2),
        lat=25.2,
        vessel_name="GOLDEN STAR",
        callsign="BX2",
        ship_type=70,
    )
    ev = detect_events(staged(pl.concat([a, b, c])), types=["identity_change"])
    got = sorted((e["change_field"], e["from_value"], e["to_value"]) for e in _ev(ev))
    # "sea  star" and "SEA STAR" are one name (case and spaces)
    assert got == [
        ("callsign", "BX1", "BX2"),
        ("ship_type", "30", "70"),
        ("vessel_name", "SEA STAR", "GOLDEN STAR"),
    ]
    name = ev.filter(pl.col(S.EVIDENCE).struct.field("change_field") == "vessel_name").row(
        0, named=True
    )
    assert name[S.END_TS] == T0 + timedelta(hours=2)  # first report of the new name
    assert name[S.START_TS] == T0 + timedelta(hours=1, minutes=4)  # last report of the old one
    off = detect_identity_changes(
        staged(pl.concat([a, b, c])), IdentityChangeConfig(report_ship_type=False)
    )
    assert "ship_type" not in off[S.EVIDENCE].struct.field("change_field").to_list()


def test_steady_identity_is_no_event() -> None:
    t = make_track(412000001, n=20, vessel_name="SEA STAR", callsign="BX1", imo=9123456)
    assert detect_events(staged(t), types=["identity_change"]).height == 0


def test_a_rename_is_reported_and_scored_once() -> None:
    """identity_change owns identity changes: no identity_conflict for a rename, one event, one
    contribution (issue #19: static changes were reported twice)."""
    from vessels.risk import score

    t = pl.concat(
        [
            make_track(345000001, n=30, vessel_name="LA PALOMA"),
            make_track(345000001, n=30, vessel_name="PALOMA II", start=T0 + timedelta(hours=6)),
        ],
        how="diagonal_relaxed",
    )
    ev = detect_events(staged(t))
    assert ev.filter(pl.col(S.EVENT_TYPE) == S.IDENTITY_CONFLICT).height == 0
    changes = ev.filter(pl.col(S.EVENT_TYPE) == S.IDENTITY_CHANGE)
    assert changes.height == 1
    res = score(ev, t, "default")
    rules = res.contributions.filter(pl.col("rule").is_in(["identity_change", "flag_hopping"]))
    assert rules["event_id"].to_list() == changes[S.EVENT_ID].to_list()
    assert rules["points"].to_list() == [3.0]


def test_two_transmitters_alternating_are_no_change() -> None:
    """A, B, A, B on one MMSI (a shared MMSI) is not a rename; A then B for good is."""
    a = make_track(345000002, n=40, vessel_name="EL GUERO 2", interval_s=120)
    b = make_track(
        345000002, n=40, vessel_name="EL GUERO II", interval_s=120, lat=26.0
    ).with_columns(pl.col(S.TS) + timedelta(seconds=60))
    shared = pl.concat([a, b], how="diagonal_relaxed")
    assert detect_identity_changes(staged(shared)).height == 0
    later = b.with_columns(pl.col(S.TS) + timedelta(hours=3))
    renamed = pl.concat([a, later], how="diagonal_relaxed")
    assert _ev(detect_identity_changes(staged(renamed)))[0]["to_value"] == "EL GUERO II"
