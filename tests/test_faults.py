"""Fault injection on ``vessels score --overwrite``: interrupts, kills and a full disk.

The output directory starts with the complete results of an earlier run (profile ``yucatan``);
the faulted run writes other results (profile ``gulf-of-california``). After every fault the
directory must hold exactly the earlier results (byte for byte) or exactly the new ones (marker
present, tables equal to a clean run's), never a mix; no temporary file may be left in the
temp directory; and a rerun must succeed.
"""

from __future__ import annotations

import errno
import hashlib
import json
import os
import random
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import polars as pl
import pytest

from tests.test_cli_score import write_sample
from vessels.cli import main
from vessels.outputs import check_complete

ROOT = Path(__file__).resolve().parents[1]
OLD_PROFILE, NEW_PROFILE = "yucatan", "gulf-of-california"
#: outputs whose bytes do not depend on timings (summary.json and the marker do)
STABLE = ("vessels.csv", "events.csv", "contributions.csv", "events.geojson")


def snapshot(d: Path) -> dict[str, str]:
    return {
        str(p.relative_to(d)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(d.rglob("*"))
        if p.is_file()
    }


def leftovers(out: Path) -> list[str]:
    return sorted(p.name for p in out.parent.iterdir() if p.name.startswith(f".{out.name}."))


def _cli(args: list[str], env_tmp: Path) -> subprocess.Popen[str]:
    env = {**os.environ, "PYTHONPATH": str(ROOT), "TMPDIR": str(env_tmp)}
    return subprocess.Popen(
        [sys.executable, "-m", "vessels.cli", *args],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


@pytest.fixture(scope="module")
def runs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, object]:
    """The earlier results, a clean run of the new ones, and how long a run takes."""
    base = tmp_path_factory.mktemp("faults")
    sample = write_sample(base / "ais.csv")
    old = base / "old"
    assert main(["score", str(sample), "--out", str(old), "-q", "--profile", OLD_PROFILE]) == 0
    new = base / "new"
    t0 = time.perf_counter()
    proc = _cli(["score", str(sample), "--out", str(new), "-q", "--profile", NEW_PROFILE], base)
    _, err = proc.communicate(timeout=600)
    assert proc.returncode == 0, err
    return {"old": old, "new": new, "seconds": time.perf_counter() - t0, "sample": sample}


def _state(out: Path, runs: dict[str, object], old_snapshot: dict[str, str]) -> str:
    """'old' or 'new'; fails the test on anything else (a mix, a missing marker, nothing)."""
    assert out.is_dir(), f"{out} is gone"
    now = snapshot(out)
    if now == old_snapshot:
        return "old"
    check_complete(out)
    new = runs["new"]
    assert isinstance(new, Path)
    for name in STABLE:
        assert (out / name).read_bytes() == (new / name).read_bytes(), f"mixed: {name}"
    for name in ("vessels.parquet", "events.parquet", "contributions.parquet"):
        assert pl.read_parquet(out / name).equals(pl.read_parquet(new / name)), f"mixed: {name}"
    assert set(now) == set(snapshot(new)), "a different set of files"
    summary = json.loads((out / "summary.json").read_text())
    assert summary["profile"]["name"] == NEW_PROFILE
    return "new"


def _fresh_out(tmp_path: Path, runs: dict[str, object]) -> tuple[Path, dict[str, str]]:
    out = tmp_path / "out"
    old = runs["old"]
    assert isinstance(old, Path)
    shutil.copytree(old, out)
    return out, snapshot(out)


def _wait_for_staging(out: Path, proc: subprocess.Popen[str]) -> None:
    """Wait until the run is inside ``vessels score`` (its staging directory exists)."""
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and proc.poll() is None:
        if any(".vessels-staging-" in n for n in leftovers(out)):
            return
        time.sleep(0.01)


@pytest.mark.parametrize(
    ("sig", "seed"),
    [(signal.SIGINT, s) for s in range(3)] + [(signal.SIGKILL, s) for s in range(3)],
    ids=[f"sigint-{s}" for s in range(3)] + [f"sigkill-{s}" for s in range(3)],
)
def test_signal_at_a_random_point(
    tmp_path: Path, runs: dict[str, object], sig: signal.Signals, seed: int
) -> None:
    out, old_snapshot = _fresh_out(tmp_path, runs)
    tmp = tmp_path / "tmp"
    tmp.mkdir()
    seconds = runs["seconds"]
    assert isinstance(seconds, float)
    delay = random.Random(seed * 7919 + int(sig)).uniform(0.0, seconds)
    args = [
        "score",
        str(runs["sample"]),
        "--out",
        str(out),
        "--overwrite",
        "-q",
        "--profile",
        NEW_PROFILE,
    ]
    proc = _cli(args, tmp)
    _wait_for_staging(out, proc)
    time.sleep(delay)
    if proc.poll() is None:
        proc.send_signal(sig)
    _, err = proc.communicate(timeout=600)
    state = _state(out, runs, old_snapshot)
    assert list(tmp.iterdir()) == [], "temporary files left in TMPDIR"
    if sig == signal.SIGINT:
        # -2: the signal came after the run had finished, while Python shut down with the
        # default SIGINT action back in place (nothing left to clean; the results are complete)
        late = proc.returncode == -signal.SIGINT and state == "new" and not err.strip()
        assert proc.returncode in (0, 1) or late, (proc.returncode, err)
        assert "Traceback" not in err, err
        if proc.returncode == 1:
            assert "interrupted" in err and len(err.strip().splitlines()) == 1, err
        assert leftovers(out) == [], "staging or lock left after an interrupt"
    else:
        assert proc.returncode in (0, -signal.SIGKILL)
    # whatever happened, the next run succeeds, cleans up and leaves the new results
    rerun = _cli(args, tmp)
    _, err = rerun.communicate(timeout=600)
    assert rerun.returncode == 0, err
    assert _state(out, runs, old_snapshot) == "new"
    assert leftovers(out) == [] and list(tmp.iterdir()) == []
    print(f"{sig.name} after {delay:.2f}s: {state}")


# --- a full disk --------------------------------------------------------------------------------


def _enospc(*_: object, **__: object) -> None:
    raise OSError(errno.ENOSPC, "No space left on device")


def _polars_enospc(*_: object, **__: object) -> None:
    raise pl.exceptions.ComputeError(
        "parquet: underlying IO error: No space left on device (os error 28)"
    )


INJECTIONS = {
    # where the write layer fails: the early tracks spill, a CSV table, the summary, the marker
    # in the swap, and polars' own Parquet writer (as polars words it)
    "tracks-spill": ("vessels.pipeline._write_tracks", _enospc),
    "csv-table": ("vessels.pipeline.write_csv", _enospc),
    "summary-json": ("vessels.pipeline.write_json", _enospc),
    "completion-marker": ("vessels.outputs.mark_complete", _enospc),
    "polars-parquet": ("polars.DataFrame.write_parquet", _polars_enospc),
}


@pytest.mark.parametrize("point", list(INJECTIONS))
def test_disk_full_at_each_write_point(
    tmp_path: Path,
    runs: dict[str, object],
    point: str,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    out, old_snapshot = _fresh_out(tmp_path, runs)
    target, fault = INJECTIONS[point]
    monkeypatch.setattr(target, fault)
    args = [
        "score",
        str(runs["sample"]),
        "--out",
        str(out),
        "--overwrite",
        "-q",
        "--profile",
        NEW_PROFILE,
    ]
    assert main(args) == 1
    err = capsys.readouterr().err
    assert "disk full" in err and "keeps its previous results" in err and "Traceback" not in err
    assert snapshot(out) == old_snapshot and leftovers(out) == []
    monkeypatch.undo()
    assert main(args) == 0
    assert _state(out, runs, old_snapshot) == "new"


@pytest.fixture
def small_fs(tmp_path: Path) -> Iterator[Path]:
    """A 32 MB tmpfs (we run as root in CI); a plain directory where mounting is not allowed,
    in which case the disk is filled by the test's filler file only as far as the host allows."""
    mnt = tmp_path / "fs"
    mnt.mkdir()
    ok = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=32m", "tmpfs", str(mnt)],
        capture_output=True,
        check=False,
    )
    if ok.returncode != 0:  # pragma: no cover - unprivileged machines
        pytest.fail(f"cannot mount a tmpfs for the disk-full test: {ok.stderr.decode().strip()}")
    try:
        yield mnt
    finally:
        subprocess.run(["umount", "-l", str(mnt)], check=False)


@pytest.mark.parametrize("free_kb", [8, 48, 120])
def test_real_full_disk(
    small_fs: Path, runs: dict[str, object], free_kb: int, tmp_path: Path
) -> None:
    out = small_fs / "out"
    old = runs["old"]
    assert isinstance(old, Path)
    shutil.copytree(old, out)
    old_snapshot = snapshot(out)
    st = os.statvfs(small_fs)
    filler = small_fs / "filler"
    with filler.open("wb") as fh:
        fh.truncate(0)
        os.posix_fallocate(fh.fileno(), 0, st.f_bavail * st.f_frsize - free_kb * 1024)
    tmp = tmp_path / "tmp"
    tmp.mkdir()
    args = [
        "score",
        str(runs["sample"]),
        "--out",
        str(out),
        "--overwrite",
        "-q",
        "--profile",
        NEW_PROFILE,
    ]
    proc = _cli(args, tmp)
    _, err = proc.communicate(timeout=600)
    assert proc.returncode == 1, err
    assert "disk full" in err and "Traceback" not in err, err
    assert snapshot(out) == old_snapshot and leftovers(out) == []
    assert list(tmp.iterdir()) == []
    filler.unlink()
    rerun = _cli(args, tmp)
    _, err = rerun.communicate(timeout=600)
    assert rerun.returncode == 0, err
    assert _state(out, runs, old_snapshot) == "new"
