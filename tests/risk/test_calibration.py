"""Calibration on the shipped samples: planted vessels rank above every clean control.

Each sample in ``ais_samples/<scenario>/`` (made by ``vessels simulate``) comes with its truth and
its clean controls. The whole pipeline runs on the sample with the scenario's own profile; the
vessels with planted illegal behaviour must all outrank every clean control (ranking AUC 1.0) and
every vessel with only legal behaviour, and controls and legal fishing must stay in the low tier.
The measured AUCs per scenario and seed are in benchmarks/results/score.md.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import polars as pl
import pytest

from vessels import schema as S
from vessels.pipeline import run
from vessels.risk.calibration import calibration_table, ranking_auc

SAMPLES = Path(__file__).resolve().parents[2] / "ais_samples"

CASES = [
    pytest.param(("gulf-of-california", "ais.csv", "gulf-of-california"), id="gulf-csv"),
    pytest.param(("gulf-of-california-nmea", "ais.nmea", "gulf-of-california"), id="gulf-nmea"),
    pytest.param(("yucatan", "ais.csv", "yucatan"), id="yucatan"),
    pytest.param(("pacific-eez", "ais.csv", "default"), id="pacific-eez"),
]


@pytest.fixture(scope="module", params=CASES)
def scored(request: pytest.FixtureRequest) -> dict[str, Any]:
    folder, name, profile = request.param
    path = SAMPLES / folder / name
    assert path.exists(), f"shipped sample {path} is missing"
    res = run(path, profile=profile)
    truth = pl.read_parquet(SAMPLES / folder / "truth.parquet")
    controls = pl.read_parquet(SAMPLES / folder / "controls.parquet")[S.MMSI].to_list()
    return {
        "vessels": res.vessels,
        "table": calibration_table(res.vessels, truth, controls),
    }


def test_planted_vessels_rank_above_every_clean_control(scored: dict[str, Any]) -> None:
    t = scored["table"]
    assert t["planted"] > 0 and t["controls"] > 0
    assert t["auc_vs_controls"] == 1.0, t
    assert t["min_planted"] > t["max_control"]


def test_planted_vessels_rank_above_legal_activity(scored: dict[str, Any]) -> None:
    t = scored["table"]
    assert t["auc_vs_negatives"] == 1.0, t


def test_controls_and_legal_fishing_stay_low(scored: dict[str, Any]) -> None:
    t = scored["table"]
    quiet = scored["vessels"].filter(pl.col(S.MMSI).is_in(t["control_mmsi"] + t["legal_mmsi"]))
    assert set(quiet[S.RISK_TIER]) <= {"low"}, quiet.select(S.MMSI, S.RISK_SCORE)


def test_a_planted_vessel_leads_the_ranking(scored: dict[str, Any]) -> None:
    top = scored["vessels"][S.MMSI][0]
    assert top in scored["table"]["planted_mmsi"]


@pytest.mark.parametrize(
    ("pos", "neg", "auc"),
    [
        pytest.param([2, 3], [0, 1], 1.0, id="perfect"),
        pytest.param([0, 1], [2, 3], 0.0, id="inverted"),
        pytest.param([1, 1], [1, 1], 0.5, id="all-ties"),
        pytest.param([3, 1], [2], 0.5, id="half"),
    ],
)
def test_ranking_auc(pos: list[float], neg: list[float], auc: float) -> None:
    assert ranking_auc(pos, neg) == auc
