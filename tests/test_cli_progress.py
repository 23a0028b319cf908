"""Per-stage progress and verbosity of ``vessels score`` (issue #18 point 4): stages with counts on
stderr, -v off a terminal, nothing with -q, stdout pure JSON with --json."""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from rich.console import Console

from tests.test_cli_score import write_sample
from vessels._progress import StageReporter
from vessels.cli import main
from vessels.pipeline import run

ROOT = Path(__file__).resolve().parents[1]
STAGES = ["ingest", "zones", "fishing_score", "write_tracks", "events", "risk", "outputs"]


@pytest.fixture(scope="module")
def sample(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_sample(tmp_path_factory.mktemp("ais") / "ais.csv")


def test_run_tells_the_hook_every_stage_with_counts(sample: Path, tmp_path: Path) -> None:
    calls: list[tuple[str, str, dict[str, Any]]] = []
    res = run(
        sample,
        out=tmp_path / "o",
        map=False,
        progress=lambda stage, state, info: calls.append((stage, state, dict(info))),
    )
    done = {stage: info for stage, state, info in calls if state == "done"}
    assert [stage for stage, state, _ in calls if state == "start"] == STAGES
    assert list(done) == STAGES
    assert any(stage == "ingest" and state == "step" for stage, state, _ in calls)
    s = res.summary
    assert done["ingest"]["accepted_rows"] == s["accepted_rows"]
    assert done["ingest"]["input_rows"] == s["input_rows"]
    assert done["events"]["events"] == s["events"]
    assert done["events"]["per_type"] == s["events_per_type"]
    assert done["risk"]["vessels"] == s["vessels"]
    assert done["outputs"]["files"] == len(res.files)
    assert all(info["seconds"] >= 0 for info in done.values())


def test_a_failing_stage_is_reported_failed(tmp_path: Path) -> None:
    bad = tmp_path / "bad.csv"
    bad.write_text("MMSI,BaseDateTime,LAT,LON\n1,not-a-time,1,1\n")
    calls: list[tuple[str, str]] = []
    with pytest.raises(Exception):  # noqa: B017 - whichever error: the hook must hear of it
        run(bad, columns="nope=x", progress=lambda s, st, i: calls.append((s, st)))
    assert ("ingest", "failed") in calls and ("ingest", "done") not in calls


def test_verbose_prints_stage_lines_off_a_terminal(
    sample: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["score", str(sample), "--out", str(tmp_path / "v"), "--no-map", "-v"]) == 0
    err = capsys.readouterr().err
    lines = [ln for ln in err.splitlines() if ln.split(" ")[0] in STAGES]
    assert [ln.split(" ")[0] for ln in lines] == STAGES
    ingest = lines[0]
    assert "rows read" in ingest and "positions accepted" in ingest and ingest.endswith(" s")
    assert "events" in lines[4] and "vessels scored" in lines[5]


def test_without_verbose_a_log_gets_no_progress(
    sample: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["score", str(sample), "--out", str(tmp_path / "n"), "--no-map"]) == 0
    err = capsys.readouterr().err
    assert not [ln for ln in err.splitlines() if ln.startswith("zones ")]
    assert "top " in err  # the ranking is still printed


def test_json_stdout_stays_json_with_verbose(
    sample: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code = main(["score", str(sample), "--out", str(tmp_path / "j"), "--no-map", "--json", "-vv"])
    assert code == 0
    captured = capsys.readouterr()
    assert json.loads(captured.out)["vessels"] == 4
    assert "vessels scored" in captured.err  # progress went to stderr
    assert "ingest: cleaning" in captured.err  # -vv: the steps inside a stage


def test_quiet_and_verbose_together_is_a_user_error(
    sample: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["score", str(sample), "--out", str(tmp_path / "x"), "-q", "-v"]) == 2
    assert "--quiet and --verbose" in capsys.readouterr().err


def test_quiet_is_silent_with_a_map_in_a_real_process(sample: Path, tmp_path: Path) -> None:
    """-q prints nothing, not even the map's log notes (pytest would capture those, so a real
    process runs the shipped gulf sample, whose map view writes such a note)."""
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    gulf = ROOT / "ais_samples" / "gulf-of-california" / "ais.csv"
    args = [sys.executable, "-m", "vessels.cli", "score", str(gulf), "--profile"]
    args += ["gulf-of-california", "--out", str(tmp_path / "m")]
    loud = subprocess.run(args, env=env, capture_output=True, text=True, check=False)
    assert loud.returncode == 0, loud.stderr
    assert "risk map:" in loud.stderr  # the note exists without -q
    quiet = subprocess.run(
        [*args, "--overwrite", "-q"], env=env, capture_output=True, text=True, check=False
    )
    assert quiet.returncode == 0
    assert quiet.stdout == "" and quiet.stderr == ""


def test_live_display_on_a_terminal_leaves_one_line_per_stage() -> None:
    buf = io.StringIO()
    console = Console(file=buf, force_terminal=True, width=120, color_system=None)
    with StageReporter(console) as rep:
        rep("ingest", "start", {})
        rep("ingest", "step", {"step": "writing positions"})
        rep(
            "ingest",
            "done",
            {
                "input_rows": 10,
                "accepted_rows": 9,
                "quarantined_rows": 1,
                "duplicate_rows": 0,
                "seconds": 0.25,
            },
        )
        rep("events", "start", {})
        rep("events", "done", {"events": 2, "per_type": {"fishing": 2}, "seconds": 1.0})
    text = buf.getvalue()
    assert "reading, cleaning and segmenting" in text  # the spinner named the stage
    assert "10 rows read, 9 positions accepted (1 quarantined, 0 duplicates)   0.2 s" in text
    assert "2 events (fishing 2)   1.0 s" in text
    assert rep._progress is None  # nothing left running


def test_quiet_console_reporter_prints_nothing() -> None:
    buf = io.StringIO()
    rep = StageReporter(Console(file=buf, quiet=True, force_terminal=True), verbosity=2)
    rep("zones", "start", {})
    rep("zones", "step", {"step": "x"})
    rep("zones", "done", {"positions": 1, "zones": 1})
    rep.close()
    assert buf.getvalue() == ""
