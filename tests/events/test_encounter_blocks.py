"""The encounter search runs one block of grid instants at a time; the block size must not
change an event (instants never meet each other, and the cell size only indexes the search)."""

from __future__ import annotations

import polars as pl
import pytest

import vessels.events.encounter as enc
from tests.events.test_scenarios import alongside_3h_offshore, encounter_straddling_midnight
from vessels.events import detect_events


@pytest.mark.parametrize(
    "build", [alongside_3h_offshore, encounter_straddling_midnight], ids=["3h", "midnight"]
)
@pytest.mark.parametrize("block", [1, 2, 7])
def test_block_size_does_not_change_encounters(
    build: object, block: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    tracks = build()  # type: ignore[operator]
    whole = detect_events(tracks, types=["encounter"])
    monkeypatch.setattr(enc, "BLOCK_INSTANTS", block)
    blocked = detect_events(tracks, types=["encounter"])
    assert whole.height > 0
    assert blocked.equals(whole)


def test_pairs_identical_across_block_sizes(monkeypatch: pytest.MonkeyPatch) -> None:
    from vessels.events._common import prepare

    p = prepare(pl.concat([alongside_3h_offshore(), encounter_straddling_midnight()]))
    cfg = enc.EncounterConfig()
    whole = enc.encounter_pairs(p, cfg, 500.0).sort(pl.all())
    monkeypatch.setattr(enc, "BLOCK_INSTANTS", 1)
    one = enc.encounter_pairs(p, cfg, 500.0).sort(pl.all())
    assert whole.height > 0
    assert one.equals(whole)
