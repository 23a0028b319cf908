"""Stages are imported plainly: no importlib / find_spec / hasattr lookups with fallbacks.

Laziness lives only in the CLI dispatcher (``vessels/cli.py``) and the public namespace
(``vessels/__init__.py``); everywhere else a missing stage is an ImportError, not a silent
"stage not installed" branch.
"""

from __future__ import annotations

import re
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[1] / "vessels"
ALLOWED = {"cli.py", "__init__.py"}
# The detector registry imports every public module of vessels/events once, in name order, at
# ``import vessels.events``: a deterministic registration, not a lookup (an import error fails).
DISCOVERY = ("events/registry.py", "importlib.import_module(info.name)")
LOOKUP = re.compile(r"\bimport_module\(|\bfind_spec\(|\bhasattr\(|__import__\(")


def test_no_stage_lookups_outside_the_dispatcher_and_the_namespace() -> None:
    offenders = []
    for path in sorted(PACKAGE.rglob("*.py")):
        rel = path.relative_to(PACKAGE)
        if str(rel) in ALLOWED:
            continue
        for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
            if LOOKUP.search(line) and not (
                str(rel) == DISCOVERY[0] and line.strip().startswith(DISCOVERY[1])
            ):
                offenders.append(f"vessels/{rel}:{n}: {line.strip()}")
    assert offenders == []


def test_no_fallback_segmentation_in_the_detectors() -> None:
    common = (PACKAGE / "events" / "_common.py").read_text(encoding="utf-8")
    assert "except ImportError" not in common
    assert "from vessels.tracks import kinematics_exprs\n" in common and "segment(" not in common


def test_the_detector_discovery_has_no_fallback() -> None:
    registry = (PACKAGE / "events" / "registry.py").read_text(encoding="utf-8")
    assert registry.count("import_module(") == 1
    assert "except ImportError" not in registry and "ModuleNotFoundError" not in registry
