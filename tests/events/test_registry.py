"""The detector registry agrees with what the detectors, the schema and the risk rules do."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import polars as pl
import pytest

import vessels.events
from vessels import schema as S
from vessels.events import EVENT_TYPES, detectors, prepare
from vessels.events.registry import DEFAULT_ORDER, detectors_markdown
from vessels.risk import VESSEL_SCHEMA
from vessels.risk.rules import EVENT_RULES
from vessels.testing import staged

BUILT_IN = [d for d in detectors() if d.event_type in EVENT_TYPES]


def test_built_in_detectors_are_the_records_of_the_package_modules_in_order() -> None:
    # every public module of vessels/events that declares a DETECTOR is a built-in, and nothing else
    package = Path(vessels.events.__file__).parent
    declared = {
        getattr(vessels.events, p.stem).DETECTOR.event_type
        for p in package.glob("[!_]*.py")
        if "\nDETECTOR = register(" in p.read_text(encoding="utf-8")
    }
    assert set(EVENT_TYPES) == declared
    assert tuple(d.event_type for d in BUILT_IN) == EVENT_TYPES
    orders = [d.order for d in BUILT_IN]
    assert orders == sorted(orders) and len(set(orders)) == len(orders)
    assert max(orders) < DEFAULT_ORDER


def test_vessel_table_counts_every_built_in_type() -> None:
    counts = [c for c in VESSEL_SCHEMA if c not in S.VESSEL_BASE_SCHEMA]
    assert counts == [S.event_count_column(t) for t in EVENT_TYPES]


@pytest.mark.parametrize("record", BUILT_IN, ids=lambda d: d.event_type)
def test_risk_rule_names_match_the_rules(record: object) -> None:
    t = record.event_type  # type: ignore[attr-defined]
    scoring = tuple(r.name for r in EVENT_RULES if t in r.event_types)
    assert record.risk_rules == scoring  # type: ignore[attr-defined]


@pytest.mark.parametrize("record", BUILT_IN, ids=lambda d: d.event_type)
def test_declared_columns_are_prepared_columns(record: object) -> None:
    prepared = prepare(staged(S.empty_positions())).columns
    assert set(record.columns) <= set(prepared)  # type: ignore[attr-defined]


@pytest.mark.parametrize("folder", ["gulf-of-california", "pacific-eez", "yucatan"])
def test_events_fill_only_their_declared_evidence(
    folder: str, sample_run: Callable[[str, str], object]
) -> None:
    events: pl.DataFrame = sample_run(folder, "default").events  # type: ignore[attr-defined]
    seen = set()
    for record in BUILT_IN:
        ev = events.filter(pl.col(S.EVENT_TYPE) == record.event_type)
        if ev.height == 0:
            continue
        seen.add(record.event_type)
        filled = {
            f for f in S.EVIDENCE_FIELDS if ev[S.EVIDENCE].struct.field(f).null_count() < ev.height
        }
        assert filled <= set(record.evidence), (record.event_type, filled - set(record.evidence))
    assert seen  # the sample has events to check


def test_docs_detector_table_is_the_generated_one() -> None:
    doc = (Path(__file__).resolve().parents[2] / "docs" / "events.md").read_text()
    block = doc.split("<!-- detectors:start")[1].split("-->", 1)[1].split("<!-- detectors:end")[0]
    assert block.strip() == detectors_markdown().strip(), (
        "docs/events.md detector table is stale: paste detectors_markdown() between the markers"
    )
