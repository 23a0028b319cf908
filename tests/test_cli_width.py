"""Width-aware terminal tables (issue #18 point 4): at 80 columns (COLUMNS=80) every line fits
and nothing is cut with an ellipsis: long cells wrap, tables that cannot wrap get compact."""

from __future__ import annotations

from pathlib import Path

import polars as pl
import pytest

from tests.test_cli_score import write_sample
from vessels.cli import main

ROOT = Path(__file__).resolve().parents[1]
GULF = ROOT / "ais_samples" / "gulf-of-california"


def _fits(text: str, width: int = 80) -> None:
    lines = text.splitlines()
    assert lines and max(len(line) for line in lines) <= width
    assert "…" not in text  # nothing truncated
    for line in lines:  # a table row that starts with a rule ends with one: not cropped
        if line[:1] in "┏┃┡│└":
            assert line.rstrip()[-1:] in "┓┃┩│┘", line


def test_score_ranking_at_80_columns(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("COLUMNS", "80")
    sample = write_sample(tmp_path / "ais.csv")
    assert main(["score", str(sample), "--out", str(tmp_path / "o"), "--no-map"]) == 0
    err = capsys.readouterr().err
    _fits(err)
    assert "top 4 vessels by risk" in err
    # the "top reason" cells wrap over several lines: joined, each reason is there whole
    cells = [line.split("│")[-2].strip() for line in err.splitlines() if line.count("│") >= 7]
    joined = " ".join(c for c in cells if c)
    vessels = pl.read_parquet(tmp_path / "o" / "vessels.parquet")
    for reasons in vessels["reasons"].to_list():
        if reasons:
            assert reasons[0] in joined


def test_evaluate_at_80_columns_keeps_every_event_type_whole(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("COLUMNS", "80")
    truth = str(GULF / "truth.parquet")
    assert main(["evaluate", "--truth", truth, "--events", truth]) == 0
    out = capsys.readouterr().out
    _fits(out)
    for name in ("dark_rendezvous", "identity_conflict", "zone_entry"):
        assert name in out


def test_wide_terminal_keeps_the_full_headers(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("COLUMNS", "160")
    truth = str(GULF / "truth.parquet")
    assert main(["evaluate", "--truth", truth, "--events", truth]) == 0
    out = capsys.readouterr().out
    assert "precision" in out and "FP on controls" in out


def test_zones_list_at_80_columns(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("COLUMNS", "80")
    assert main(["zones", "list"]) == 0
    out = capsys.readouterr().out
    _fits(out)
    assert "5,086,713" in out  # numbers are never folded over two lines
    assert "--json" in out  # says where the dropped columns are
