"""docs/scoring.md must show the shipped rules and profiles exactly as they are."""

from __future__ import annotations

from pathlib import Path

from vessels.risk import available_profiles, load_profile
from vessels.risk._docs import all_tables, profile_table, rules_table

DOC = Path(__file__).resolve().parents[2] / "docs" / "scoring.md"


def test_rules_table_in_docs() -> None:
    assert rules_table() in DOC.read_text(encoding="utf-8")


def test_every_profile_table_in_docs() -> None:
    text = DOC.read_text(encoding="utf-8")
    for name in available_profiles():
        assert profile_table(load_profile(name)) in text, (
            f"docs/scoring.md is out of date for profile {name}: "
            "paste the output of `python -m vessels.risk._docs`"
        )


def test_all_tables_mentions_every_output_column() -> None:
    from vessels import schema as S
    from vessels.risk import VESSEL_SCHEMA

    text = DOC.read_text(encoding="utf-8")
    for column in [*VESSEL_SCHEMA, *S.CONTRIBUTION_SCHEMA]:
        assert f"`{column}`" in text, column
    assert all_tables()
