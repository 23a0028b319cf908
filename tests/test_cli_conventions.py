"""CLI conventions (issue #18 point 4): data on stdout, progress and logs on stderr; the top-level
help's typical use shows --profile."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from vessels.cli import main

ROOT = Path(__file__).resolve().parents[1]


def test_zones_list_table_goes_to_stdout(capsys) -> None:  # type: ignore[no-untyped-def]
    assert main(["zones", "list"]) == 0
    captured = capsys.readouterr()
    assert "zones" in captured.out and "eez" in captured.out  # `vessels zones list > f` not empty
    assert "zone_id" not in captured.err


def test_top_level_help_shows_a_profile(capsys) -> None:  # type: ignore[no-untyped-def]
    assert main(["--help"]) == 0
    out = capsys.readouterr().out
    typical = out.split("Typical use:")[1].split("Options:")[0]
    assert "vessels score" in typical and "--profile" in typical


def test_the_command_runs_numpy_without_huge_pages_unless_told() -> None:
    """`vessels` sets NUMPY_MADVISE_HUGEPAGE=0 before numpy loads (numpy reads it on import);
    a value the user set is kept."""
    probe = (
        "import sys; from vessels.cli import _quiet_hugepages; _quiet_hugepages(); "
        "import numpy; print(numpy._core.multiarray._set_madvise_hugepage(True))"
    )
    got = _probe_with_and_without(probe, "NUMPY_MADVISE_HUGEPAGE", "1")
    assert got == {None: "False", "1": "True"}


def _probe_with_and_without(probe: str, var: str, told: str) -> dict[str | None, str]:
    """What the Python code ``probe`` prints in a fresh process of this checkout, with the
    environment variable ``var`` unset (key None) and set to ``told``."""
    env = {k: v for k, v in os.environ.items() if k != var}
    env["PYTHONPATH"] = str(ROOT)  # this checkout's vessels
    got: dict[str | None, str] = {}
    for value in (None, told):
        e = dict(env) if value is None else {**env, var: value}
        out = subprocess.run([sys.executable, "-c", probe], env=e, capture_output=True, text=True)
        assert out.returncode == 0, out.stderr
        got[value] = out.stdout.strip()
    return got


def test_the_command_lets_the_allocator_keep_freed_pages_unless_told() -> None:
    """`vessels` sets polars' jemalloc decay (ALLOCATOR_DECAY) before polars loads, which appends
    it to its own options (the last value of an option wins); a value the user set is kept."""
    probe = (
        "import os; from vessels.cli import _keep_freed_pages; _keep_freed_pages(); "
        "import polars; print(os.environ['_RJEM_MALLOC_CONF'])"
    )
    got = _probe_with_and_without(probe, "_RJEM_MALLOC_CONF", "dirty_decay_ms:100")
    from vessels.cli import ALLOCATOR_DECAY

    assert got[None].endswith("," + ALLOCATOR_DECAY)
    assert got["dirty_decay_ms:100"].endswith(",dirty_decay_ms:100")
    assert ALLOCATOR_DECAY not in got["dirty_decay_ms:100"]
