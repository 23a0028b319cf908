"""One pipeline: the stage-by-stage API, ``vessels.run`` and ``vessels score`` give equal outputs.

On every shipped sample and every shipped profile. The stage-by-stage code is the README's
"Python API" example (read -> segment -> label_zones -> detect_events -> score); the CLI run
writes its tables, which are read back and compared with the in-memory ones.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import cache
from pathlib import Path

import polars as pl
import pytest
from polars.testing import assert_frame_equal

import vessels as vs
from tests.conftest import SAMPLE_FILES, SAMPLES
from vessels import schema as S
from vessels.cli import main
from vessels.risk import ScoreResult, available_profiles

PROFILES = available_profiles()
CASES = [(folder, profile) for folder in SAMPLE_FILES for profile in PROFILES]


@cache
def _stages(folder: str, profile_name: str) -> tuple[pl.DataFrame, ScoreResult]:
    """The README's stage-by-stage example on one sample."""
    profile = vs.load_profile(profile_name)
    data = vs.read_ais(SAMPLES / folder / SAMPLE_FILES[folder])
    tracks = vs.segment(data.positions)
    zones = vs.default_zones()
    labelled = vs.label_zones(tracks, zones).collect()
    events = vs.detect_events(labelled, zones, profile)
    scored = vs.score(events, labelled, profile, zones=zones)
    return events, scored


def test_every_shipped_profile_is_covered() -> None:
    assert set(PROFILES) >= {"default", "gulf-of-california", "yucatan"}


@pytest.mark.parametrize(("folder", "profile"), CASES)
def test_stage_by_stage_api_equals_run(
    folder: str, profile: str, sample_run: Callable[[str, str], object]
) -> None:
    res = sample_run(folder, profile)
    events, scored = _stages(folder, profile)
    assert events.height > 0
    assert_frame_equal(events, res.events)  # type: ignore[attr-defined]
    assert_frame_equal(scored.vessels, res.vessels)  # type: ignore[attr-defined]
    assert_frame_equal(scored.contributions, res.contributions)  # type: ignore[attr-defined]
    assert_frame_equal(scored.vessel_days, res.vessel_days)  # type: ignore[attr-defined]


@pytest.mark.parametrize("folder", list(SAMPLE_FILES))
def test_cli_score_equals_run(
    folder: str, tmp_path: Path, sample_run: Callable[[str, str], object]
) -> None:
    """``vessels score`` writes what ``vessels.run`` returns (each sample, each profile)."""
    for profile in PROFILES:
        out = tmp_path / profile
        args = ["score", str(SAMPLES / folder / SAMPLE_FILES[folder]), "--out", str(out)]
        assert main([*args, "--profile", profile, "--no-map", "--quiet"]) == 0
        res = sample_run(folder, profile)
        assert_frame_equal(pl.read_parquet(out / S.EVENTS_FILE), res.events)  # type: ignore[attr-defined]
        assert_frame_equal(pl.read_parquet(out / S.VESSELS_FILE), res.vessels)  # type: ignore[attr-defined]
        assert_frame_equal(
            pl.read_parquet(out / S.CONTRIBUTIONS_FILE),
            res.contributions,  # type: ignore[attr-defined]
        )
        assert_frame_equal(
            pl.read_parquet(out / S.QUARANTINE_FILE),
            res.quarantine,  # type: ignore[attr-defined]
        )
