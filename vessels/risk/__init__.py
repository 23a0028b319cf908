"""Risk scoring: declarative rules, TOML profiles and one generic scorer.

* :mod:`vessels.risk.rules` — the registry of rule records (what each rule reads and says);
* :mod:`vessels.risk.profile` — profiles (how much each rule weighs), shipped as TOML files;
* :mod:`vessels.risk.scorer` — :func:`score`, which interprets both.

Examples
--------
>>> from vessels import schema as S
>>> from vessels.risk import score
>>> res = score(S.empty_events())
>>> res.vessels.height, res.contributions.columns
(0, ['mmsi', 'rule', 'event_id', 'points', 'explanation'])
"""

from __future__ import annotations

from vessels.risk.profile import (
    Profile,
    RuleWeights,
    VesselRuleWeights,
    available_profiles,
    load_profile,
    parse_profile,
)
from vessels.risk.rules import EVENT_RULES, VESSEL_RULES, EventRule, VesselRule
from vessels.risk.scorer import DAY, TOTAL_CAP_RULE, VESSEL_SCHEMA, ScoreResult, score

__all__ = [
    "DAY",
    "EVENT_RULES",
    "TOTAL_CAP_RULE",
    "VESSEL_RULES",
    "VESSEL_SCHEMA",
    "EventRule",
    "Profile",
    "RuleWeights",
    "ScoreResult",
    "VesselRule",
    "VesselRuleWeights",
    "available_profiles",
    "load_profile",
    "parse_profile",
    "score",
]
