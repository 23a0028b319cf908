"""docs/adding-a-detector.md, executed: a toy detector in one module reaches everything derived.

The page's Python blocks are run in order (as one module would be); the test then checks that
the new detector is dispatched by ``detect_events``, has its ``DetectorConfig`` and TOML section,
appears in the generated docs tables and the map legend, passes the contract matrix, and that
the events score, without any other file of the project being edited.
"""

from __future__ import annotations

import re
import sys
import types
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import polars as pl
import pytest

from tests.events.test_contract import INPUTS
from vessels import schema as S
from vessels.events import DetectorConfig, detect_events, detectors
from vessels.events.config import parameters_markdown
from vessels.events.registry import detectors_markdown, unregister
from vessels.maps._data import EVENT_LABELS, EVENT_STYLES
from vessels.risk import score
from vessels.testing import make_track, staged

DOC = Path(__file__).resolve().parents[2] / "docs" / "adding-a-detector.md"


def _python_blocks() -> list[str]:
    return re.findall(r"```python\n(.*?)```", DOC.read_text(encoding="utf-8"), flags=re.S)


@pytest.fixture
def toy() -> Iterator[dict[str, Any]]:
    """The walkthrough's module, executed; unregistered afterwards."""
    module = types.ModuleType("toy_speeding")  # the one new module of the walkthrough
    sys.modules[module.__name__] = module
    try:
        for block in _python_blocks():
            exec(compile(block, str(DOC), "exec"), module.__dict__)
        yield module.__dict__
    finally:
        unregister("speeding")
        del sys.modules[module.__name__]


def test_the_walkthrough_has_the_steps() -> None:
    assert len(_python_blocks()) == 4


def test_toy_detector_reaches_every_derived_place(toy: dict[str, Any]) -> None:
    assert [d.event_type for d in detectors()][-1] == "speeding"
    assert DetectorConfig().speeding == toy["SpeedingConfig"]()
    strict = DetectorConfig.from_mapping({"speeding": {"max_speed_kn": 70}}, source="t")
    assert strict.speeding.max_speed_kn == 70.0
    assert "### `[speeding]` — `SpeedingConfig`" in parameters_markdown()
    assert "| `max_speed_kn` | `40.0` |" in parameters_markdown()
    assert "| `speeding` | Speeding |" in detectors_markdown()
    assert EVENT_LABELS["speeding"] == "Speeding" and "speeding" in list(EVENT_LABELS)
    assert EVENT_STYLES["speeding"]["fillColor"] == "#ff7f0e"
    fast = staged(make_track(345000001, n=5, speed_kn=55.0))
    everything = detect_events(fast)  # default: every registered detector
    assert "speeding" in everything[S.EVENT_TYPE].to_list()


@pytest.mark.parametrize("inp", list(INPUTS))
def test_toy_detector_passes_the_contract_matrix(toy: dict[str, Any], inp: str) -> None:
    out = detect_events(INPUTS[inp](), types=["speeding"])
    assert out.schema == pl.Schema(S.EVENT_SCHEMA)
    assert (out[S.EVENT_TYPE] == "speeding").all()
    assert out[S.EVENT_ID].is_unique().all()


def test_toy_events_are_scored_without_crashing(toy: dict[str, Any]) -> None:
    fast = staged(make_track(345000001, n=5, speed_kn=55.0))
    events = detect_events(fast)
    res = score(events, fast)
    assert res.vessels[S.MMSI].to_list() == [345000001]


def test_registry_refuses_duplicates_and_unknown_evidence(toy: dict[str, Any]) -> None:
    from vessels.errors import ConfigError
    from vessels.events import Detector, register

    with pytest.raises(ConfigError, match="already registered"):
        register(toy["SPEEDING"])
    with pytest.raises(ConfigError, match=r"not in vessels\.schema\.EVIDENCE_FIELDS"):
        Detector(
            event_type="odd",
            config=toy["SpeedingConfig"],
            detect=toy["detect_speeding"],
            columns=(),
            evidence=("no_such_field",),
            label="Odd",
            style={},
            doc="x",
        )
    with pytest.raises(ConfigError, match="cannot be unregistered"):
        unregister("fishing")


SHIPPED_CHECK = """
import polars as pl
import vessels.events as E
from vessels.errors import ConfigError
from vessels.events import DetectorConfig, detect_events
from vessels.events.registry import unregister
from vessels.maps._data import EVENT_LABELS
from vessels.risk import VESSEL_SCHEMA, score
from vessels.testing import make_track, staged

assert E.__file__.startswith({root!r}), E.__file__  # the copy, not the checkout
assert E.EVENT_TYPES[-1] == "speeding", E.EVENT_TYPES
assert list(VESSEL_SCHEMA)[-1] == "n_speeding"
assert DetectorConfig().speeding.max_speed_kn == 40.0
assert EVENT_LABELS["speeding"] == "Speeding"
try:
    unregister("speeding")
except ConfigError as e:
    assert "built-in" in str(e)
else:
    raise AssertionError("a shipped detector was unregistered")
fast = staged(make_track(345000001, n=5, speed_kn=55.0))
res = score(detect_events(fast), fast)
assert res.vessels["n_speeding"].to_list() == [1], res.vessels
print("shipped ok")
"""


def test_a_module_dropped_into_the_package_is_a_built_in_detector(tmp_path: Path) -> None:
    """Shipping the walkthrough's detector is adding ONE file to vessels/events/: in a copy of
    the package (links to the real files plus that module) it is registered at import, listed in
    EVENT_TYPES and counted in the vessel table, with no other file edited."""
    import os
    import subprocess

    real = Path(__file__).resolve().parents[2] / "vessels"
    copy = tmp_path / "vessels"
    copy.mkdir()
    for entry in real.iterdir():
        if entry.name not in ("events", "__pycache__"):
            (copy / entry.name).symlink_to(entry)
    (copy / "events").mkdir()
    for entry in (real / "events").iterdir():
        if entry.name != "__pycache__":
            (copy / "events" / entry.name).symlink_to(entry)
    module = "".join(_python_blocks()[:3])  # config, detect function, record: the one module
    (copy / "events" / "speeding.py").write_text(module, encoding="utf-8")
    env = {**os.environ, "PYTHONPATH": str(tmp_path), "PYTHONDONTWRITEBYTECODE": "1"}
    done = subprocess.run(
        [sys.executable, "-c", SHIPPED_CHECK.format(root=str(copy))],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    assert "shipped ok" in done.stdout
