"""Event-type and evidence-field names live in vessels/schema.py (and the detector registry):
the later stages (risk, maps, simulation) name them through constants, not string literals."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from vessels import schema as S
from vessels.events import EVENT_TYPES

PACKAGE = Path(__file__).resolve().parents[1] / "vessels"
LITERAL = re.compile(r'(?<![\w.])"([a-z][a-z0-9_]*)"')
# not event types: risk rules named after the event type they score, and the ship-type words
# of the map's (first code, last code, word) table
NOT_AN_EVENT_TYPE = re.compile(r'^\s*(name=|"[a-z_]+": S\.EV_|\(\d+, \d+, ")')


def _code_lines(path: Path) -> list[tuple[int, str]]:
    """Lines of code: docstrings, comments and doctest lines left out."""
    out, in_doc = [], False
    for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        quotes = line.count('"""')
        if quotes == 1:
            in_doc = not in_doc
            continue
        if in_doc or quotes or line.strip().startswith(("#", ">>>", "...")):
            continue
        out.append((n, line))
    return out


@pytest.mark.parametrize("stage", ["risk", "maps", "simulation"])
def test_no_event_type_literals_in_later_stages(stage: str) -> None:
    offenders = [
        f"vessels/{path.relative_to(PACKAGE)}:{n}: {line.strip()}"
        for path in sorted((PACKAGE / stage).rglob("*.py"))
        for n, line in _code_lines(path)
        if not NOT_AN_EVENT_TYPE.match(line)
        and any(m.group(1) in EVENT_TYPES for m in LITERAL.finditer(line))
    ]
    assert offenders == []


EVIDENCE_READ = re.compile(r'(?:_ev|struct\.field)\("([a-z][a-z0-9_]*)"\)')


@pytest.mark.parametrize("where", ["risk", "maps", "simulation", "network.py"])
def test_evidence_fields_read_through_constants(where: str) -> None:
    paths = [PACKAGE / where] if where.endswith(".py") else sorted((PACKAGE / where).rglob("*.py"))
    offenders = [
        f"vessels/{path.relative_to(PACKAGE)}:{n}: {line.strip()}"
        for path in paths
        for n, line in _code_lines(path)
        if any(m.group(1) in S.EVIDENCE_FIELDS for m in EVIDENCE_READ.finditer(line))
    ]
    assert offenders == []


def test_evidence_name_constants_are_evidence_fields() -> None:
    names = {k: v for k, v in vars(S).items() if k.startswith("EV_")}
    assert names  # the constants exist
    for key, value in names.items():
        assert key == f"EV_{value.upper()}" and value in S.EVIDENCE_FIELDS, key


def test_event_type_constants_name_the_built_in_detectors() -> None:
    constants = {getattr(S, t.upper()) for t in EVENT_TYPES}
    assert constants == set(EVENT_TYPES)
