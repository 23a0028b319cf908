"""Scenario simulator with ground truth, file writers, and the evaluator.

Real AIS with labelled illegal behaviour around Mexico does not exist in a redistributable form,
so vessels simulates it: vessel kinds with realistic kinematics, ITU-R M.1371 reporting
intervals, a reception model, noise and file mess, and a truth table of what was planted.
``evaluate`` scores any event table against that truth.

Examples
--------
>>> import vessels.simulate as vsim
>>> sim = vsim.simulate("pacific-eez", seed=0, hours=4)
>>> sim.positions.height > 0
True
"""

from __future__ import annotations

from vessels.simulate._evaluate import MATCH_TOLERANCE_H, evaluate, read_events, read_truth
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
    "read_events",
    "read_truth",
    "simulate",
    "write",
]
