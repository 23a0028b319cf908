"""The renamed-watchlisted scenario (issue 19): simulate -> score --watchlist -> evaluate."""

from __future__ import annotations

import json
from pathlib import Path

import polars as pl
import pytest

from vessels import schema as S
from vessels.cli import main
from vessels.simulation import simulate

MIN_RECALL = 0.9
MIN_PRECISION = 0.95


def test_scenario_carries_its_watchlist_and_truth() -> None:
    sim = simulate("renamed-watchlisted", seed=0, hours=30)
    assert sim.watchlist is not None and sim.watchlist.height == 2
    hits = sim.truth.filter(pl.col(S.EVENT_TYPE) == S.WATCHLIST_HIT)
    assert sorted(hits["vessel_key"].to_list()) == ["listed-by-name", "listed-renamed"]
    renamed = sim.positions.filter(pl.col(S.MMSI) == 412_700_001)
    assert set(renamed[S.VESSEL_NAME].unique().to_list()) == {"FU YUAN YU 7788", "HAI XIANG 9"}
    assert sorted(sim.controls["vessel_key"].to_list()) == [
        "lookalike-hull",
        "lookalike-hull-2",
        "lookalike-short",
        "lookalike-word",
    ]


def test_cli_simulate_score_with_watchlist_and_evaluate(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    sim_dir, out = tmp_path / "sim", tmp_path / "out"
    args = ["simulate", "--scenario", "renamed-watchlisted", "--seed", "1", "--hours", "30"]
    assert main([*args, "--out", str(sim_dir), "-q"]) == 0
    wl = sim_dir / "watchlist.csv"
    assert json.loads((sim_dir / "manifest.json").read_text())["watchlist"] == "watchlist.csv"
    score = ["score", str(sim_dir / "ais.csv"), "--watchlist", str(wl), "--out", str(out)]
    assert main([*score, "--no-map", "-q"]) == 0
    capsys.readouterr()
    truth, controls = str(sim_dir / "truth.parquet"), str(sim_dir / "controls.parquet")
    events = str(out / "events.parquet")
    ev_args = ["evaluate", "--truth", truth, "--events", events, "--controls", controls]
    assert main([*ev_args, "--json"]) == 0
    doc = json.loads(capsys.readouterr().out)
    rows = {r["event_type"]: r for r in doc["rows"]}
    for kind in (S.WATCHLIST_HIT, S.IDENTITY_CHANGE):
        row = rows[kind]
        assert row["recall"] >= MIN_RECALL and row["precision"] >= MIN_PRECISION, row
        assert row["fp_on_controls"] == 0, row
    assert rows[S.WATCHLIST_HIT]["n_truth"] == 2
    # no hit at all on the look-alike controls (whatever the evaluator's matching)
    hits = pl.read_parquet(events).filter(pl.col(S.EVENT_TYPE) == S.WATCHLIST_HIT)
    ctrl = pl.read_parquet(controls)[S.MMSI].to_list()
    assert hits.height == 2 and not hits[S.MMSI].is_in(ctrl).any()
    # the renamed vessel is found by its IMO number, across its new name
    renamed = hits.filter(pl.col(S.MMSI) == 412_700_001)
    quality = renamed["evidence"].struct.field("match_quality").to_list()
    assert quality == ["exact_imo"]
