"""The simulator: determinism, schema, land, reporting intervals, planted behaviour is there."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from vessels import schema as S
from vessels._geo import haversine_m
from vessels.errors import UserError
from vessels.events import EVENT_TYPES
from vessels.simulation import ROSTER_SCHEMA, TRUTH_SCHEMA, SimConfig, simulate
from vessels.simulation._regions import REGIONS

from .conftest import SCENARIOS, cached

EXPECTED_TYPES = {
    "gulf-of-california": {
        "ais_gap",
        "dark_rendezvous",
        "fishing",
        "identity_conflict",
        "identity_change",
        "zone_entry",
    },
    "yucatan": {"ais_gap", "encounter", "fishing", "loitering", "zone_entry"},
    "pacific-eez": {"eez_incursion", "fishing"},
}


def test_same_seed_same_everything() -> None:
    a = simulate("yucatan", seed=3, hours=10)
    b = simulate("yucatan", seed=3, hours=10)
    assert a.positions.equals(b.positions)
    assert a.truth.equals(b.truth)
    assert a.vessels.equals(b.vessels)


def test_other_seed_other_positions() -> None:
    a = simulate("yucatan", seed=3, hours=10)
    b = simulate("yucatan", seed=4, hours=10)
    assert not a.positions.equals(b.positions)


def test_schemas(sim) -> None:
    S.validate(sim.positions, S.POSITION_SCHEMA, what="positions")
    assert sim.positions.columns == list(S.POSITION_SCHEMA)
    assert sim.truth.schema == pl.Schema(TRUTH_SCHEMA)
    assert sim.vessels.schema == pl.Schema(ROSTER_SCHEMA)
    assert set(sim.truth["event_type"]) <= set(EVENT_TYPES)
    assert sim.truth["truth_id"].is_unique().all()


def test_positions_sorted_unique_and_valid(sim) -> None:
    p = sim.positions
    assert p.equals(p.sort(S.MMSI, S.TS))
    assert not p.select(S.MMSI, S.TS).is_duplicated().any()
    assert p[S.LAT].is_between(-90, 90).all() and p[S.LON].is_between(-180, 180).all()
    assert (p[S.COG_DEG].drop_nulls() < 360).all() and (p[S.SOG_KN].drop_nulls() < 102.2).all()
    assert (p[S.HEADING_DEG].drop_nulls() < 360).all()
    assert (
        p.filter(pl.col(S.AIS_CLASS) == "B")[S.NAV_STATUS].null_count()
        == p.filter(pl.col(S.AIS_CLASS) == "B").height
    )


def test_never_on_land(sim) -> None:
    from vessels.zones import is_on_land

    p = sim.positions
    assert not is_on_land(p[S.LAT].to_numpy(), p[S.LON].to_numpy()).any()


@pytest.mark.parametrize("region", sorted(REGIONS))
def test_lanes_and_marinas_at_sea(region: str) -> None:
    from vessels.zones import is_on_land

    r = REGIONS[region]
    pts = [p for lane in r.lanes for p in lane] + list(r.marinas)
    lat = np.array([p[0] for p in pts])
    lon = np.array([p[1] for p in pts])
    assert not is_on_land(lat, lon).any()


def test_truth_references_roster(sim) -> None:
    keys = set(sim.vessels["vessel_key"])
    mmsis = set(sim.vessels[S.MMSI])
    assert set(sim.truth["vessel_key"]) <= keys
    assert set(sim.truth["other_vessel_key"].drop_nulls()) <= keys
    assert set(sim.truth[S.MMSI]) <= mmsis
    assert set(sim.truth[S.OTHER_MMSI].drop_nulls()) <= mmsis
    assert (sim.truth[S.END_TS] >= sim.truth[S.START_TS]).all()


def test_each_scenario_plants_its_behaviours(sim) -> None:
    assert set(sim.truth["event_type"]) >= EXPECTED_TYPES[sim.scenario]
    assert sim.truth["illegal"].any()
    if "fishing" in EXPECTED_TYPES[sim.scenario]:
        fishing = sim.truth.filter(pl.col("event_type") == "fishing")
        assert fishing["illegal"].any() and (~fishing["illegal"]).any()


def test_controls_are_clean(sim) -> None:
    c = sim.controls
    assert c.height >= 1
    planted = sim.truth.filter(pl.col("basis") == "planted")
    involved = set(planted[S.MMSI]) | set(planted[S.OTHER_MMSI].drop_nulls())
    assert not set(c[S.MMSI]) & involved
    # whatever truth a control has is geometry (zone visits), never a staged behaviour
    on_controls = sim.truth.filter(pl.col(S.MMSI).is_in(c[S.MMSI].implode()))
    assert set(on_controls["basis"]) <= {"geometry"}
    assert set(on_controls["event_type"]) <= {"zone_entry"}


def _track(sim, key: str) -> pl.DataFrame:
    """Positions of one roster vessel (by its name and MMSI; the clone shares only the MMSI)."""
    row = sim.vessels.filter(pl.col("vessel_key") == key).row(0, named=True)
    return sim.positions.filter(pl.col(S.MMSI) == row[S.MMSI])


@pytest.mark.parametrize("scenario", SCENARIOS)
def test_gaps_are_really_in_the_data(scenario: str) -> None:
    sim = cached(scenario)
    gaps = sim.truth.filter(pl.col("event_type") == "ais_gap")
    for g in gaps.iter_rows(named=True):
        t = _track(sim, g["vessel_key"])
        inside = t.filter(pl.col(S.TS).is_between(g[S.START_TS], g[S.END_TS], closed="none"))
        assert inside.height == 0, g["description"]
        assert t.filter(pl.col(S.TS) == g[S.START_TS]).height == 1
        assert t.filter(pl.col(S.TS) == g[S.END_TS]).height == 1
        assert (g[S.END_TS] - g[S.START_TS]).total_seconds() >= 6.5 * 3600


def test_encounters_are_close_and_slow() -> None:
    sim = cached("yucatan")
    enc = sim.truth.filter(pl.col("event_type") == "encounter")
    assert enc.height == 2
    for e in enc.iter_rows(named=True):
        a = _track(sim, e["vessel_key"]).filter(pl.col(S.TS).is_between(e[S.START_TS], e[S.END_TS]))
        b = _track(sim, e["other_vessel_key"]).select(
            pl.col(S.TS), pl.col(S.LAT).alias("lat_b"), pl.col(S.LON).alias("lon_b")
        )
        j = a.sort(S.TS).join_asof(b.sort(S.TS), on=S.TS, tolerance="20m").drop_nulls("lat_b")
        assert j.height >= 3
        d = j.select(haversine_m(S.LAT, S.LON, "lat_b", "lon_b")).to_series()
        assert d.median() < 500
        assert a[S.SOG_KN].median() < 2


@pytest.mark.parametrize(
    ("subtype", "low_kn", "high_kn"),
    [
        ("gillnet", 0.0, 3.5),
        ("trawl", 2.0, 4.5),
        ("longline", 0.3, 8.5),
        ("purse_seine", 0.0, 11.5),
    ],
    ids=["gillnet-0-3kn", "trawl-2.5-3.5kn", "longline-set-haul", "purse-seine"],
)
def test_fishing_speeds_by_gear(subtype: str, low_kn: float, high_kn: float) -> None:
    rows = pl.concat([cached(s).truth.with_columns(pl.lit(s).alias("_s")) for s in SCENARIOS])
    rows = rows.filter((pl.col("event_type") == "fishing") & (pl.col("subtype") == subtype))
    assert rows.height >= 1
    for r in rows.iter_rows(named=True):
        t = _track(cached(r["_s"]), r["vessel_key"]).filter(
            pl.col(S.TS).is_between(r[S.START_TS], r[S.END_TS])
        )
        assert t.height >= 5
        med = t[S.SOG_KN].median()
        assert low_kn <= med <= high_kn, (r["description"], med)


def test_loitering_carrier_is_slow_and_far_offshore() -> None:
    sim = cached("yucatan")
    lo = sim.truth.filter(pl.col("event_type") == "loitering").row(0, named=True)
    t = _track(sim, lo["vessel_key"]).filter(pl.col(S.TS).is_between(lo[S.START_TS], lo[S.END_TS]))
    assert t[S.SOG_KN].median() < 2
    assert (lo[S.END_TS] - lo[S.START_TS]).total_seconds() >= 8 * 3600


def test_shared_mmsi_makes_impossible_jumps() -> None:
    sim = cached("gulf-of-california")
    conflict = sim.truth.filter(pl.col("subtype") == "shared_mmsi").row(0, named=True)
    assert sim.vessels.filter(pl.col(S.MMSI) == conflict[S.MMSI]).height == 2
    t = sim.positions.filter(pl.col(S.MMSI) == conflict[S.MMSI]).sort(S.TS)
    speed = t.select(
        haversine_m(S.LAT, S.LON, pl.col(S.LAT).shift(), pl.col(S.LON).shift())
        / (pl.col(S.TS).diff().dt.total_seconds() + 1)
        / 0.514444
    ).to_series()
    assert speed.max() > 200  # hundreds of km apart within minutes
    assert t[S.VESSEL_NAME].n_unique() == 2


def test_name_change_is_visible() -> None:
    sim = cached("gulf-of-california")
    change = sim.truth.filter(pl.col("subtype") == "static_change").row(0, named=True)
    names = sim.positions.filter(pl.col(S.MMSI) == change[S.MMSI])[S.VESSEL_NAME].unique()
    assert set(names) == {"MAR DE CORTES", "MAR DE CORTEZ"}


def test_foreign_longliner_inside_eez() -> None:
    sim = cached("pacific-eez")
    inc = sim.truth.filter(pl.col("event_type") == "eez_incursion")
    assert inc.height >= 1
    row = inc.row(0, named=True)
    assert str(row[S.MMSI]).startswith("412")
    assert sim.vessels.filter(pl.col(S.MMSI) == row[S.MMSI])[S.FLAG].item() == "CHN"


def _single_transmitter(sim) -> pl.DataFrame:
    """Positions of MMSIs used by one vessel only (the shared MMSI interleaves two)."""
    shared = sim.vessels.filter(pl.col(S.MMSI).is_duplicated())[S.MMSI]
    return sim.positions.filter(~pl.col(S.MMSI).is_in(shared.implode()))


def _median_dt(sim, cls: str, sog_lo: float, sog_hi: float) -> float:
    p = _single_transmitter(sim).filter(pl.col(S.AIS_CLASS) == cls).sort(S.MMSI, S.TS)
    dt = p.with_columns(
        dt=pl.col(S.TS).diff().dt.total_seconds().over(S.MMSI),
        prev_sog=pl.col(S.SOG_KN).shift().over(S.MMSI),
    ).filter(
        pl.col(S.SOG_KN).is_between(sog_lo, sog_hi) & pl.col("prev_sog").is_between(sog_lo, sog_hi)
    )
    # the shortest common spacing: reception only ever lengthens it
    return float(dt["dt"].drop_nulls().quantile(0.1))


@pytest.mark.parametrize(
    ("cls", "sog_lo", "sog_hi", "expected_s"),
    [("A", 4.0, 13.0, 10.0), ("B", 4.0, 30.0, 30.0), ("B", 0.0, 1.0, 180.0)],
    ids=["classA-underway-10s", "classB-underway-30s", "classB-slow-3min"],
)
def test_reporting_intervals_follow_itu(
    cls: str, sog_lo: float, sog_hi: float, expected_s: float
) -> None:
    cfg = replace(SimConfig(), min_interval_s=0.0)
    sim = simulate("gulf-of-california", seed=0, hours=8, config=cfg)
    assert _median_dt(sim, cls, sog_lo, sog_hi) == pytest.approx(expected_s, abs=5)


def test_min_interval_thins_messages() -> None:
    sim = cached("gulf-of-california", 0, 8)
    p = _single_transmitter(sim).sort(S.MMSI, S.TS)
    dt = p.select(pl.col(S.TS).diff().dt.total_seconds().over(S.MMSI)).to_series().drop_nulls()
    assert dt.min() >= 55  # 60 s floor, minus the +-2 s clock jitter


def test_background_scales_rows() -> None:
    small = simulate("pacific-eez", seed=1, hours=6)
    big = simulate("pacific-eez", seed=1, hours=6, n_vessels=small.vessels.height + 40)
    assert big.vessels["is_background"].sum() == 40
    assert big.positions.height > small.positions.height
    bg = big.vessels.filter(pl.col("is_background"))
    assert bg[S.MMSI].is_unique().all() and bg["is_control"].all()
    assert not set(bg[S.MMSI]) & set(small.vessels[S.MMSI])


def test_mixed_contains_all_regions() -> None:
    sim = simulate("mixed", seed=0, hours=6, n_vessels=60)
    keys = sim.vessels["vessel_key"].to_list()
    for region in SCENARIOS:
        assert any(k.startswith(region + "/") for k in keys)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"scenario": "atlantis"}, "unknown scenario"),
        ({"hours": 0}, "must be positive"),
        ({"n_vessels": -1}, "must not be negative"),
    ],
    ids=["unknown-scenario", "zero-hours", "negative-vessels"],
)
def test_user_errors(kwargs: dict, message: str) -> None:
    args = {"scenario": "yucatan", **kwargs}
    with pytest.raises(UserError, match=message):
        simulate(args.pop("scenario"), **args)


@settings(max_examples=4, deadline=None)
@given(st.integers(0, 2**31 - 1))
def test_any_seed_keeps_the_invariants(seed: int) -> None:
    from vessels.zones import is_on_land

    sim = simulate("yucatan", seed=seed, hours=16)
    p = sim.positions
    assert not is_on_land(p[S.LAT].to_numpy(), p[S.LON].to_numpy()).any()
    assert not p.select(S.MMSI, S.TS).is_duplicated().any()
    gaps = sim.truth.filter(pl.col("event_type") == "ais_gap")
    assert gaps.height == 1  # the go-fast's dark crossing
    g = gaps.row(0, named=True)
    inside = _track(sim, g["vessel_key"]).filter(
        pl.col(S.TS).is_between(g[S.START_TS], g[S.END_TS], closed="none")
    )
    assert inside.height == 0
    assert set(sim.truth["vessel_key"]) <= set(sim.vessels["vessel_key"])
