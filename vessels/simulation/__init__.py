"""Scenario simulator with ground truth, file writers, and the evaluator.

Real AIS with labelled illegal behaviour around Mexico does not exist in a redistributable form,
so vessels simulates it: vessel kinds with realistic kinematics, ITU-R M.1371 reporting
intervals, a reception model, noise and file mess, and a truth table of what was planted.
``evaluate`` scores any event table against that truth.

The package itself is callable and forwards to :func:`simulate`, so ``vessels.simulate(...)``
works even after ``import vessels.simulate`` has made the package an attribute of ``vessels``.

Examples
--------
>>> import vessels.simulate as vsim
>>> sim = vsim.simulate("pacific-eez", seed=0, hours=4)
>>> sim.positions.height > 0
True
>>> import vessels
>>> vessels.simulate("pacific-eez", seed=0, hours=4).positions.equals(sim.positions)
True
"""

from __future__ import annotations

import sys
import types
from typing import Any

from vessels.simulate._evaluate import (
    MATCH_TOLERANCE_H,
    evaluate,
    evaluate_sample,
    read_events,
    read_truth,
)
from vessels.simulate._params import (
    MessConfig,
    NoiseConfig,
    ReceptionConfig,
    ReportingConfig,
    SimConfig,
)
from vessels.simulate._scenarios import SCENARIOS
from vessels.simulate._simulate import DEFAULT_START, ROSTER_SCHEMA, Simulation, simulate
from vessels.simulate._truth import TRUTH_SCHEMA
from vessels.simulate._write import FORMATS, write

__all__ = [
    "DEFAULT_START",
    "FORMATS",
    "MATCH_TOLERANCE_H",
    "ROSTER_SCHEMA",
    "SCENARIOS",
    "TRUTH_SCHEMA",
    "MessConfig",
    "NoiseConfig",
    "ReceptionConfig",
    "ReportingConfig",
    "SimConfig",
    "Simulation",
    "evaluate",
    "evaluate_sample",
    "read_events",
    "read_truth",
    "simulate",
    "write",
]


class _CallableModule(types.ModuleType):
    """This package, callable as :func:`simulate` (see the module docstring)."""

    def __call__(self, *args: Any, **kwargs: Any) -> Simulation:
        return simulate(*args, **kwargs)


sys.modules[__name__].__class__ = _CallableModule
