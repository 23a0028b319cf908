"""detect_events runs with numpy's huge-page madvise off and gives the caller's setting back."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

import vessels.events as E
from vessels.testing import make_track, staged

_set = np._core.multiarray._set_madvise_hugepage


@pytest.mark.parametrize("caller", [True, False], ids=["caller-on", "caller-off"])
def test_detectors_run_on_small_pages_and_the_setting_is_restored(
    monkeypatch: pytest.MonkeyPatch, caller: bool
) -> None:
    seen: list[bool] = []
    real = E.prepare

    def spy(*a: Any, **k: Any) -> Any:
        now = _set(False)  # returns the setting in force, which is put back at once
        _set(now)
        seen.append(bool(now))
        return real(*a, **k)

    monkeypatch.setattr(E, "prepare", spy)
    before = _set(caller)
    try:
        E.detect_events(staged(make_track(n=20, interval_s=600)), types=["ais_gap"])
        after = _set(before)
    finally:
        _set(before)
    assert seen == [False]
    assert after is caller


def test_the_setting_is_restored_when_a_detector_fails(monkeypatch: pytest.MonkeyPatch) -> None:
    def boom(*a: Any, **k: Any) -> Any:
        raise RuntimeError("boom")

    monkeypatch.setattr(E, "prepare", boom)
    before = _set(True)
    try:
        with pytest.raises(RuntimeError, match="boom"):
            E.detect_events(staged(make_track(n=3)), types=["ais_gap"])
        assert _set(before) is True
    finally:
        _set(before)
