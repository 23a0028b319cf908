"""Planted port calls: the simulator's coasters berth in World Port Index ports, the truth has a
``port_visit`` row per stay, and the port visit detector is measured against it."""

from __future__ import annotations

import json
from pathlib import Path

import polars as pl
import pytest

from vessels import schema as S
from vessels.cli import main
from vessels.errors import UserError
from vessels.events import detect_events
from vessels.simulation import evaluate, simulate
from vessels.simulation._portcalls import PORT_ROUNDS, berth
from vessels.testing import staged
from vessels.zones import label_zones, load_ports

#: targets for the port visit detector on planted calls (measured 1.0 / 1.0 on every region)
MIN_RECALL = 0.9
MIN_PRECISION = 0.9


@pytest.mark.parametrize("scenario", ["gulf-of-california", "yucatan", "pacific-eez"])
def test_port_visits_are_planted_and_found(scenario: str) -> None:
    sim = simulate(scenario, seed=3, hours=40, port_calls=4)
    truth = sim.truth.filter(pl.col(S.EVENT_TYPE) == "port_visit")
    assert truth.height == 8  # two calls per coaster
    assert set(truth["description"].str.extract(r"at (.+) \(WPI\)").to_list()) <= {
        name for rounds in PORT_ROUNDS.values() for r in rounds for name, _ in r[1:3]
    }
    events = detect_events(staged(label_zones(sim.positions)), types=["port_visit"])
    row = evaluate(truth, events, event_types=["port_visit"]).row(0, named=True)
    assert row["recall"] >= MIN_RECALL, row
    assert row["precision"] >= MIN_PRECISION, row
    # the matched visits name the planted port, with its ISO 3166 country
    coaster = events.filter(pl.col(S.MMSI).is_in(truth[S.MMSI].implode()))
    assert set(coaster[S.EVENT_ZONE_NAME].to_list()) <= set(load_ports()["port_name"].to_list())
    assert set(coaster[S.EVIDENCE].struct.field("port_country").to_list()) == {"MEX"}


def test_a_missed_visit_lowers_recall() -> None:
    """The measurement can fail: drop the detector's visits at one port and recall falls."""
    sim = simulate("pacific-eez", seed=3, hours=40, port_calls=4)
    truth = sim.truth.filter(pl.col(S.EVENT_TYPE) == "port_visit")
    events = detect_events(staged(label_zones(sim.positions)), types=["port_visit"])
    kept = events.filter(pl.col(S.EVENT_ZONE_NAME) != "Ensenada")
    assert kept.height < events.height
    row = evaluate(truth, kept, event_types=["port_visit"]).row(0, named=True)
    assert row["recall"] < MIN_RECALL


def test_berths_are_in_water_inside_the_port_radius() -> None:
    from vessels._geo import haversine_m_np
    from vessels.simulation._land import on_land

    names = {name for rounds in PORT_ROUNDS.values() for r in rounds for name, _ in r[1:3]}
    for name in sorted(names):
        lat, lon, radius_km = berth(name)
        port = load_ports().filter((pl.col("port_name") == name) & (pl.col("iso3") == "MEX"))
        d_m = haversine_m_np(port["lat"].to_numpy(), port["lon"].to_numpy(), lat, lon)[0]
        assert d_m <= 0.8 * radius_km * 1000.0, name
        assert not on_land(pl.Series([lat]).to_numpy(), pl.Series([lon]).to_numpy())[0], name
        lab = label_zones(pl.DataFrame({S.LAT: [lat], S.LON: [lon]}))
        assert lab[S.IN_PORT].to_list() == [True], name


def test_no_port_calls_by_default_and_negative_refused() -> None:
    sim = simulate("yucatan", seed=0, hours=6)
    assert "port_visit" not in set(sim.truth[S.EVENT_TYPE].to_list())
    assert not sim.vessels["kind"].is_in(["coaster"]).any()
    with pytest.raises(UserError, match="port-calls"):
        simulate("yucatan", seed=0, hours=6, port_calls=-1)


def test_cli_simulate_port_calls_then_score_and_evaluate(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    sim_dir, out = tmp_path / "sim", tmp_path / "out"
    args = ["simulate", "--scenario", "yucatan", "--seed", "1", "--hours", "40"]
    assert main([*args, "--port-calls", "2", "--out", str(sim_dir), "-q"]) == 0
    assert main(["score", str(sim_dir / "ais.csv"), "--out", str(out), "--no-map", "-q"]) == 0
    capsys.readouterr()
    truth = str(sim_dir / "truth.parquet")
    events = str(out / "events.parquet")
    assert main(["evaluate", "--truth", truth, "--events", events, "--json"]) == 0
    doc = json.loads(capsys.readouterr().out)
    row = next(r for r in doc["rows"] if r["event_type"] == "port_visit")
    assert row["n_truth"] == 4
    assert row["recall"] >= MIN_RECALL and row["precision"] >= MIN_PRECISION, row
