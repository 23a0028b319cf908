"""``vessels explain MMSI --run DIR`` (issue #18 point 4): one vessel's score taken apart from a
finished run's outputs: contributions that add up to the score, events, track summary."""

from __future__ import annotations

import json
from pathlib import Path

import polars as pl
import pytest

from tests.test_cli_score import CARGO, DARK, INJECTION, MEET_A, MEET_B, write_sample
from vessels import schema as S
from vessels.cli import main


@pytest.fixture(scope="module")
def run_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    sample = write_sample(tmp_path_factory.mktemp("ais") / "ais.csv")
    out = tmp_path_factory.mktemp("run") / "out"
    assert main(["score", str(sample), "--out", str(out), "-q", "--no-map"]) == 0
    return out


def _explain(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(["explain", *args])
    captured = capsys.readouterr()
    return code, captured.out, captured.err


@pytest.mark.parametrize("mmsi", [DARK, MEET_A, MEET_B, CARGO], ids=["dark", "a", "b", "cargo"])
def test_json_contributions_add_up_to_the_score(
    run_dir: Path, capsys: pytest.CaptureFixture[str], mmsi: int
) -> None:
    code, out, _ = _explain(capsys, str(mmsi), "--run", str(run_dir), "--json")
    assert code == 0
    report = json.loads(out)
    vessels = pl.read_parquet(run_dir / S.VESSELS_FILE).filter(pl.col(S.MMSI) == mmsi)
    assert report["vessel"][S.MMSI] == mmsi
    assert report["vessel"][S.RISK_SCORE] == pytest.approx(vessels[S.RISK_SCORE][0])
    total = sum(c[S.POINTS] for c in report["contributions"])
    assert total == pytest.approx(vessels[S.RISK_SCORE][0], abs=0.01)
    events = pl.read_parquet(run_dir / S.EVENTS_FILE)
    mine = events.filter((pl.col(S.MMSI) == mmsi) | (pl.col(S.OTHER_MMSI) == mmsi))
    assert sorted(e[S.EVENT_ID] for e in report["events"]) == sorted(mine[S.EVENT_ID].to_list())
    # every contribution of an event points at an event of the report with those points
    by_id = {e[S.EVENT_ID]: e for e in report["events"]}
    for c in report["contributions"]:
        if c[S.EVENT_ID] is not None:
            assert by_id[c[S.EVENT_ID]]["points"] >= c[S.POINTS] - 1e-9
    assert report["track"]["positions"] == vessels[S.N_POSITIONS][0]


def test_dark_vessel_reads_as_a_story(run_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = _explain(capsys, str(DARK), "--run", str(run_dir))
    assert code == 0 and err == ""  # data on stdout
    assert f"MMSI {DARK}" in out and INJECTION in out  # the hostile name, as plain text
    assert "contributions" in out and "ais_gap" in out and "total" in out
    assert "events (" in out and "track: 120 positions" in out
    assert "longest gap 1" in out  # the 10-12 h dark spell


def test_the_partner_of_an_encounter_sees_the_pair_event(
    run_dir: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    code, out, _ = _explain(capsys, str(MEET_B), "--run", str(run_dir), "--json")
    assert code == 0
    events = json.loads(out)["events"]
    pair = [e for e in events if e[S.EVENT_TYPE] == "encounter"]
    assert pair and all(e["with_mmsi"] == MEET_A for e in pair)  # the other vessel, either side
    monkeypatch.setenv("COLUMNS", "300")  # one line per event row
    code, text, _ = _explain(capsys, str(MEET_B), "--run", str(run_dir))
    assert code == 0 and f"[with {MEET_A}]" in text


def test_narrow_terminal_keeps_lines_within_its_width(
    run_dir: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("COLUMNS", "80")
    code, out, _ = _explain(capsys, str(DARK), "--run", str(run_dir))
    assert code == 0
    assert max(len(line) for line in out.splitlines()) <= 80
    assert "dark" in out  # the explanation is wrapped, not cut


@pytest.mark.parametrize(
    ("vessel", "message"),
    [
        pytest.param("123456789", "is not in this run", id="unknown-mmsi"),
        pytest.param("abc", "is not in this run", id="not-a-number"),
    ],
)
def test_unknown_vessel_is_a_user_error(
    run_dir: Path, capsys: pytest.CaptureFixture[str], vessel: str, message: str
) -> None:
    code, _, err = _explain(capsys, vessel, "--run", str(run_dir))
    assert code == 2 and message in err and "Traceback" not in err
    assert str(DARK) in err or str(MEET_A) in err  # the hint names vessels that are there


def test_a_directory_that_is_not_a_run_is_refused(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, _, err = _explain(capsys, str(DARK), "--run", str(tmp_path))
    assert code == 2 and "completion marker" in err
    code, _, err = _explain(capsys, str(DARK), "--run", str(tmp_path / "nope"))
    assert code == 2 and "not a directory" in err


def test_a_run_without_tracks_still_explains(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    sample = write_sample(tmp_path / "ais.csv")
    out = tmp_path / "o"
    assert main(["score", str(sample), "--out", str(out), "-q", "--no-map", "--no-tracks"]) == 0
    code, text, _ = _explain(capsys, str(DARK), "--run", str(out))
    assert code == 0 and "track: not in this run" in text and "ais_gap" in text


def test_score_points_to_explain(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    sample = write_sample(tmp_path / "ais.csv")
    assert main(["score", str(sample), "--out", str(tmp_path / "o"), "--no-map"]) == 0
    err = capsys.readouterr().err
    top = pl.read_parquet(tmp_path / "o" / S.VESSELS_FILE)[S.MMSI][0]
    assert f"vessels explain {top} --run {tmp_path / 'o'}" in err
