"""Detector quality on the shipped simulator samples, held to floors set from measurement.

Each shipped sample in ``ais_samples/`` carries the truth of what the simulator planted. The whole
pipeline (read, clean, segment, label zones, detect) runs on it with the detectors' default
parameters, and ``vessels.simulation.evaluate_sample`` scores the events. The floors below are the
values measured on 2026-11-28 (fishing: 2026-12-06, gear-specific score, issue 14; recorded in
BENCHMARKS.md and ais_samples/README.md); a change that loses a planted behaviour or adds false
events fails here. Raise a floor when a detector improves.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import polars as pl
import pytest

from vessels.simulation import evaluate_sample

SAMPLES = Path(__file__).resolve().parents[1] / "ais_samples"

# (sample, event_type, recall floor, precision floor)
FLOORS = [
    ("gulf-of-california", "ais_gap", 1.0, 0.8),
    ("gulf-of-california", "zone_entry", 1.0, 0.875),
    ("gulf-of-california", "fishing", 1.0, 1.0),
    ("gulf-of-california", "dark_rendezvous", 1.0, 1.0),
    ("gulf-of-california", "identity_conflict", 1.0, 0.5),
    ("gulf-of-california", "identity_change", 1.0, 1.0),
    ("gulf-of-california-nmea", "ais_gap", 1.0, 1.0),
    ("gulf-of-california-nmea", "zone_entry", 1.0, 1.0),
    ("gulf-of-california-nmea", "fishing", 1.0, 1.0),
    ("gulf-of-california-nmea", "dark_rendezvous", 1.0, 1.0),
    ("gulf-of-california-nmea", "identity_conflict", 1.0, 1.0),
    ("gulf-of-california-nmea", "identity_change", 1.0, 1.0),
    ("yucatan", "ais_gap", 1.0, 0.25),
    ("yucatan", "zone_entry", 1.0, 1.0),
    ("yucatan", "encounter", 1.0, 0.66),
    ("yucatan", "loitering", 1.0, 1.0),
    ("yucatan", "fishing", 1.0, 1.0),
    ("pacific-eez", "eez_incursion", 1.0, 1.0),
    ("pacific-eez", "fishing", 1.0, 1.0),
]

# false events on clean control vessels, at most
CONTROL_FP_CEILING = {
    "gulf-of-california": 1,  # a phantom gap between two GPS jumps of one cargo ship
    "gulf-of-california-nmea": 0,
    "yucatan": 0,
    "pacific-eez": 0,
}


@pytest.fixture(scope="module")
def quality(sample_run: Callable[[str, str], Any]) -> Callable[[str], pl.DataFrame]:
    cache: dict[str, pl.DataFrame] = {}

    def get(folder: str) -> pl.DataFrame:
        if folder not in cache:
            cache[folder] = evaluate_sample(SAMPLES / folder, sample_run(folder, "default").events)
        return cache[folder]

    return get


@pytest.mark.parametrize(
    ("folder", "event_type", "recall_floor", "precision_floor"),
    [pytest.param(*f, id=f"{f[0]}-{f[1]}") for f in FLOORS],
)
def test_detector_meets_its_floor(
    quality: Callable[[str], pl.DataFrame],
    folder: str,
    event_type: str,
    recall_floor: float,
    precision_floor: float,
) -> None:
    table = quality(folder)
    row = table.filter(pl.col("event_type") == event_type)
    assert row.height == 1, f"{event_type} missing from the evaluation of {folder}:\n{table}"
    r = row.row(0, named=True)
    assert r["n_truth"] > 0
    assert r["recall"] >= recall_floor, table
    assert r["precision"] >= precision_floor, table


@pytest.mark.parametrize("folder", list(CONTROL_FP_CEILING))
def test_false_events_on_clean_controls_stay_rare(
    quality: Callable[[str], pl.DataFrame], folder: str
) -> None:
    table = quality(folder)
    total = table.filter(pl.col("event_type") == "all")["fp_on_controls"].item()
    assert total <= CONTROL_FP_CEILING[folder], table


def test_every_planted_type_has_a_floor() -> None:
    # a planted behaviour type without a floor would be unmeasured: keep the table complete
    for folder in CONTROL_FP_CEILING:
        truth = pl.read_parquet(SAMPLES / folder / "truth.parquet")
        planted = set(truth["event_type"])
        floored = {t for f, t, *_ in FLOORS if f == folder}
        assert planted <= floored, f"{folder}: no floor for {sorted(planted - floored)}"
