"""Shared fixtures: one pipeline run per (sample, profile) for the whole session."""

from __future__ import annotations

from collections.abc import Callable
from functools import cache
from pathlib import Path

import pytest
from hypothesis import HealthCheck, settings

# Hypothesis' per-example deadline is a timed assertion: on a shared, loaded machine it fails tests
# for being slow, not wrong. Correctness is what the properties check; speed lives in benchmarks/.
settings.register_profile("vessels", deadline=None, suppress_health_check=[HealthCheck.too_slow])
settings.load_profile("vessels")

SAMPLES = Path(__file__).resolve().parents[1] / "ais_samples"

#: sample folder -> its AIS file name
SAMPLE_FILES = {
    "gulf-of-california": "ais.csv",
    "gulf-of-california-nmea": "ais.nmea",
    "yucatan": "ais.csv",
    "pacific-eez": "ais.csv",
}


@cache
def _run_sample(folder: str, profile: str):  # type: ignore[no-untyped-def]
    from vessels.pipeline import run

    path = SAMPLES / folder / SAMPLE_FILES[folder]
    assert path.exists(), f"shipped sample {path} is missing"
    return run(path, profile=profile, map=False)


@pytest.fixture(scope="session")
def sample_run() -> Callable[[str, str], object]:
    """``sample_run(folder, profile)`` -> PipelineResult, computed once per session."""
    return _run_sample
