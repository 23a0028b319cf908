"""Crash-consistent output directories (``vessels.outputs.staged_dir``) and their CLI contract.

Every test starts from a directory of "previous results" and checks, byte for byte, that a
failed or refused write leaves it as it was, and that a successful one replaces it whole.
"""

from __future__ import annotations

import errno
import hashlib
import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from vessels import outputs
from vessels.errors import OutputError, UserError
from vessels.outputs import (
    COMPLETE_MARKER,
    check_complete,
    locked_dir,
    mark_complete,
    scratch_dir,
    staged_dir,
    staged_output,
)

ROOT = Path(__file__).resolve().parents[1]


def snapshot(d: Path) -> dict[str, str]:
    """Relative path -> sha256 of every file under ``d`` (the state a test compares)."""
    return {
        str(p.relative_to(d)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(d.rglob("*"))
        if p.is_file()
    }


def leftovers(out: Path) -> list[str]:
    """Staging, old or lock entries beside ``out`` (none may survive a finished run)."""
    return sorted(p.name for p in out.parent.iterdir() if p.name.startswith(f".{out.name}."))


@pytest.fixture
def previous(tmp_path: Path) -> Path:
    """A complete results directory of an earlier run."""
    out = tmp_path / "results"
    with staged_dir(out) as stage:
        (stage.path / "vessels.csv").write_text("old\n")
        (stage.path / "events.csv").write_text("old events\n")
    return out


def test_new_directory_appears_complete_only_at_the_end(tmp_path: Path) -> None:
    out = tmp_path / "a" / "b" / "results"
    with staged_dir(out) as stage:
        (stage.path / "x.txt").write_text("1")
        assert not out.exists()
        assert stage.path.parent == out.parent and stage.scratch.is_dir()
        assert scratch_dir(stage.path) == stage.scratch
    assert sorted(p.name for p in out.iterdir()) == [COMPLETE_MARKER, "x.txt"]
    body = check_complete(out)
    assert body["files"] == ["x.txt"] and body["complete"] is True
    assert leftovers(out) == []


def test_overwrite_swaps_the_whole_directory(previous: Path) -> None:
    with staged_dir(previous, overwrite=True, owned=["vessels.csv", "events.csv"]) as stage:
        (stage.path / "vessels.csv").write_text("new\n")
        assert (previous / "vessels.csv").read_text() == "old\n"  # untouched while staging
    assert (previous / "vessels.csv").read_text() == "new\n"
    # events.csv is owned and this run did not write it: it must not survive as "new"
    assert not (previous / "events.csv").exists()
    assert leftovers(previous) == []


def test_foreign_files_are_carried_over(previous: Path) -> None:
    (previous / "notes.txt").write_text("mine")
    (previous / "sub").mkdir()
    (previous / "sub" / "a.txt").write_text("deep")
    with staged_dir(previous, overwrite=True, owned=["vessels.csv", "events.csv"]) as stage:
        (stage.path / "vessels.csv").write_text("new\n")
    assert (previous / "notes.txt").read_text() == "mine"
    assert (previous / "sub" / "a.txt").read_text() == "deep"


@pytest.mark.parametrize(
    "fault",
    [KeyboardInterrupt, RuntimeError, OSError(errno.EIO, "Input/output error"), SystemExit(3)],
    ids=["interrupt", "bug", "io-error", "exit"],
)
def test_any_exception_leaves_previous_results(previous: Path, fault: BaseException) -> None:
    before = snapshot(previous)
    with (
        pytest.raises(type(fault) if isinstance(fault, BaseException) else fault),
        staged_dir(previous, overwrite=True) as stage,
    ):
        (stage.path / "vessels.csv").write_text("half")
        raise fault
    assert snapshot(previous) == before
    assert leftovers(previous) == []


def test_disk_full_is_an_output_error(previous: Path) -> None:
    before = snapshot(previous)
    with (
        pytest.raises(OutputError, match="disk full") as info,
        staged_dir(previous, overwrite=True),
    ):
        raise RuntimeError("I/O error: No space left on device (os error 28)")
    assert "keeps its previous results" in (info.value.hint or "")
    assert snapshot(previous) == before and leftovers(previous) == []


def test_second_writer_is_refused_while_the_first_holds_the_lock(previous: Path) -> None:
    before = snapshot(previous)
    with staged_dir(previous, overwrite=True):
        with (
            pytest.raises(UserError, match="another vessels run is writing"),
            staged_dir(previous, overwrite=True),
        ):
            pass  # pragma: no cover - never entered
        with pytest.raises(UserError, match="another vessels run"), locked_dir(previous):
            pass  # pragma: no cover
    # the first one still finished normally (nothing owned: the old files are carried over)
    assert snapshot(previous)["vessels.csv"] == before["vessels.csv"]
    check_complete(previous)
    with locked_dir(previous):
        pass
    assert leftovers(previous) == []


def test_lock_is_exclusive_across_processes(previous: Path) -> None:
    code = textwrap.dedent(
        f"""
        import sys, time
        from vessels.outputs import locked_dir
        with locked_dir({str(previous)!r}):
            print("locked", flush=True)
            sys.stdin.readline()
        """
    )
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    proc = subprocess.Popen(
        [sys.executable, "-c", code],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        env=env,
        text=True,
    )
    try:
        assert proc.stdout is not None and proc.stdout.readline().strip() == "locked"
        with (
            pytest.raises(UserError, match="another vessels run is writing"),
            staged_dir(previous, overwrite=True),
        ):
            pass  # pragma: no cover
    finally:
        assert proc.stdin is not None
        proc.stdin.write("\n")
        proc.stdin.close()
        proc.wait(timeout=30)
    with staged_dir(previous, overwrite=True):
        pass


def test_stale_staging_of_a_killed_run_is_removed(previous: Path) -> None:
    stale = previous.parent / f".{previous.name}.vessels-staging-abc123"
    stale.mkdir()
    (stale / "tracks.parquet").write_text("half")
    old = previous.parent / f".{previous.name}.vessels-old-x1"
    old.mkdir()
    # a look-alike of another directory is not ours and stays
    other = previous.parent / f".{previous.name}.vessels-staging-abc.vessels-staging-1"
    other.mkdir()
    with staged_dir(previous, overwrite=True):
        pass
    assert not stale.exists() and not old.exists() and other.exists()


@pytest.mark.parametrize("state", ["between-renames", "after-first-rename-no-staging"])
def test_half_done_two_rename_swap_is_recovered(tmp_path: Path, state: str) -> None:
    out = tmp_path / "results"
    with staged_dir(out) as stage:
        (stage.path / "v.txt").write_text("old")
    old = tmp_path / ".results.vessels-old-k1"
    os.rename(out, old)  # killed after renaming out away
    if state == "between-renames":
        new = tmp_path / ".results.vessels-staging-k1"
        new.mkdir()
        (new / "v.txt").write_text("new")
        mark_complete(new)
    with staged_dir(out, overwrite=True, owned=["v.txt"]) as stage:
        # recovery ran before staging: out holds complete results again
        expected = "new" if state == "between-renames" else "old"
        assert (out / "v.txt").read_text() == expected
        check_complete(out)
        (stage.path / "v.txt").write_text("newest")
    assert (out / "v.txt").read_text() == "newest" and leftovers(out) == []


def test_two_rename_fallback_swaps_too(previous: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(outputs, "_exchange", lambda a, b: False)
    with staged_dir(previous, overwrite=True, owned=["vessels.csv", "events.csv"]) as stage:
        (stage.path / "vessels.csv").write_text("new\n")
    assert (previous / "vessels.csv").read_text() == "new\n"
    check_complete(previous)
    assert leftovers(previous) == []


def test_refusals(tmp_path: Path, previous: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    with pytest.raises(UserError, match="already exists and is not empty"), staged_dir(previous):
        pass  # pragma: no cover
    f = tmp_path / "file"
    f.write_text("x")
    with (
        pytest.raises(UserError, match="exists and is not a directory"),
        staged_dir(f, overwrite=True),
    ):
        pass  # pragma: no cover
    monkeypatch.chdir(previous)
    with (
        pytest.raises(UserError, match="current directory"),
        staged_dir(previous.parent, overwrite=True),
    ):
        pass  # pragma: no cover
    assert f.read_text() == "x"


def test_marker_check(tmp_path: Path) -> None:
    with pytest.raises(UserError, match="no completion marker"):
        check_complete(tmp_path)
    (tmp_path / COMPLETE_MARKER).write_text("{not json")
    with pytest.raises(UserError, match="damaged completion marker"):
        check_complete(tmp_path)
    (tmp_path / COMPLETE_MARKER).write_text(json.dumps({"complete": True}))
    assert check_complete(tmp_path)["complete"] is True


def test_decorator_relocates_paths_and_nests(tmp_path: Path) -> None:
    calls: list[Path] = []

    @staged_output(owned=["a.txt"])
    def inner(*, out: Path | None = None, overwrite: bool = False) -> dict[str, Path]:
        assert out is not None
        calls.append(Path(out))
        (Path(out) / "a.txt").write_text("a")
        return {"a.txt": Path(out) / "a.txt"}

    @staged_output(owned=["a.txt", "b.txt"])
    def outer(*, out: Path | None = None, overwrite: bool = False) -> dict[str, Path]:
        assert out is not None
        files = inner(out=out, overwrite=True)  # writes straight into the outer stage
        (Path(out) / "b.txt").write_text("b")
        return {**files, "b.txt": Path(out) / "b.txt"}

    out = tmp_path / "r"
    files = outer(out=out)
    assert files == {"a.txt": out.resolve() / "a.txt", "b.txt": out.resolve() / "b.txt"}
    assert calls[0].name.startswith(".r.vessels-staging-")
    assert outer.__kwdefaults__ == {"out": None, "overwrite": False}


@pytest.mark.parametrize("n_events", [0, 1, 3])
def test_events_geojson_file_is_the_text_of_events_geojson(n_events: int, tmp_path: Path) -> None:
    # what `PipelineResult.write` streams into events.geojson is byte for byte the text of
    # `events_geojson`: non-ASCII names, quotes, a missing position, the last feature's comma
    from datetime import UTC, datetime

    import polars as pl

    from vessels import schema as S
    from vessels.pipeline import _event_features, events_geojson

    t = datetime(2024, 3, 1, tzinfo=UTC)
    rows = [
        {
            S.EVENT_ID: "g1",
            S.EVENT_TYPE: "ais_gap",
            S.MMSI: 1,
            S.START_TS: t,
            S.LAT: 20.5,
            S.LON: -110.25,
            S.EVIDENCE: {"summary": 'Año "b"\n–'},
        },
        {S.EVENT_ID: "g2", S.EVENT_TYPE: "ais_gap", S.MMSI: 2, S.START_TS: t},
        {
            S.EVENT_ID: "g3",
            S.EVENT_TYPE: "loitering",
            S.MMSI: 3,
            S.START_TS: t,
            S.LAT: -1.0,
            S.LON: 2.0,
            S.EVENT_ZONE_NAME: "Ñ zone,",
        },
    ][:n_events]
    ev = pl.DataFrame(rows, schema=S.EVENT_SCHEMA)
    out = outputs.write_feature_collection(_event_features(ev), tmp_path / "events.geojson")
    assert out.read_bytes() == events_geojson(ev).encode("utf-8")
    assert len(json.loads(out.read_text(encoding="utf-8"))["features"]) == n_events
