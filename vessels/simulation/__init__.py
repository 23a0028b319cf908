"""Scenario simulator with ground truth, file writers, and the evaluator.

Real AIS with labelled illegal behaviour around Mexico does not exist in a redistributable form,
so vessels simulates it: vessel kinds with realistic kinematics, ITU-R M.1371 reporting
intervals, a reception model, noise and file mess, and a truth table of what was planted.
``evaluate`` scores any event table against that truth.

The package is ``vessels.simulation`` (not ``vessels.simulate``) so that importing it never
shadows the public function ``vessels.simulate``.

Examples
--------
>>> import vessels.simulation as vsim
>>> sim = vsim.simulate("pacific-eez", seed=0, hours=4)
>>> sim.positions.height > 0
True
>>> import vessels
>>> vessels.simulate("pacific-eez", seed=0, hours=4).positions.equals(sim.positions)
True
"""

from __future__ import annotations

from vessels.simulation._evaluate import (
    CONTEXT_FLAGS,
    MATCH_TOLERANCE_H,
    claims,
    evaluate,
    evaluate_sample,
    false_events_by_control,
    read_events,
    read_truth,
)
from vessels.simulation._params import (
    MessConfig,
    NoiseConfig,
    ReceptionConfig,
    ReportingConfig,
    SimConfig,
)
from vessels.simulation._scenarios import SCENARIOS
from vessels.simulation._simulate import DEFAULT_START, ROSTER_SCHEMA, Simulation, simulate
from vessels.simulation._truth import TRUTH_SCHEMA
from vessels.simulation._write import FORMATS, write

__all__ = [
    "CONTEXT_FLAGS",
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
    "claims",
    "evaluate",
    "evaluate_sample",
    "false_events_by_control",
    "read_events",
    "read_truth",
    "simulate",
    "write",
]
