"""Shared simulations (module-scoped caches keep the suite fast)."""

from __future__ import annotations

import functools

import pytest

from vessels.simulation import Simulation, simulate

SCENARIOS = ("gulf-of-california", "yucatan", "pacific-eez")


@functools.lru_cache(maxsize=8)
def cached(scenario: str, seed: int = 0, hours: float | None = None) -> Simulation:
    return simulate(scenario, seed=seed, hours=hours)


@pytest.fixture(params=SCENARIOS)
def sim(request: pytest.FixtureRequest) -> Simulation:
    return cached(request.param)
