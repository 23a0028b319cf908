"""Docstring examples run for an installed user, who has no ``tests`` package.

The examples build their inputs with the public :mod:`vessels.testing`; this runs the doctests of
the modules that use it in a fresh interpreter where ``import tests`` fails.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "vessels"

_RUNNER = """
import doctest, importlib, sys

class _NoTests:
    def find_spec(self, name, path=None, target=None):
        if name == "tests" or name.startswith("tests."):
            raise ImportError("the tests package is not installed")
        return None

sys.meta_path.insert(0, _NoTests())
failed = 0
for name in sys.argv[1:]:
    module = importlib.import_module(name)
    flags = doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE
    result = doctest.testmod(module, optionflags=flags)
    assert result.attempted > 0, name
    failed += result.failed
sys.exit(1 if failed else 0)
"""


def _modules_using_testing() -> list[str]:
    names = []
    for path in sorted(PACKAGE.rglob("*.py")):
        if "vessels.testing import" in path.read_text(encoding="utf-8"):
            rel = path.relative_to(ROOT).with_suffix("")
            parts = rel.parts[:-1] if rel.name == "__init__" else rel.parts
            names.append(".".join(parts))
    return names


def test_no_library_module_imports_the_tests_package() -> None:
    offenders = [
        str(p.relative_to(ROOT))
        for p in PACKAGE.rglob("*.py")
        if "from tests" in p.read_text(encoding="utf-8")
        or "import tests" in p.read_text(encoding="utf-8")
    ]
    assert offenders == []


def test_doctests_run_without_the_tests_package(tmp_path: Path) -> None:
    modules = [*_modules_using_testing(), "vessels.testing"]
    assert "vessels.tracks" in modules and "vessels.events" in modules
    proc = subprocess.run(
        [sys.executable, "-c", _RUNNER, *modules],
        cwd=tmp_path,  # not the repository root: `tests` is not on the path by accident
        env={"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin"},
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert proc.returncode == 0, proc.stdout[-4000:] + proc.stderr[-4000:]


def test_doctests_read_no_files_of_the_source_checkout() -> None:
    """An installed wheel has no ``ais_samples/`` or ``tests/data/``: examples make their data."""
    offenders = [
        f"{p.relative_to(ROOT)}:{n}"
        for p in sorted(PACKAGE.rglob("*.py"))
        for n, line in enumerate(p.read_text(encoding="utf-8").splitlines(), start=1)
        if line.strip().startswith((">>>", "..."))
        and ("ais_samples" in line or "tests/data" in line or ".parents[" in line)
    ]
    assert offenders == []
