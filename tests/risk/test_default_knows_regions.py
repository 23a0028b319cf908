"""The default profile knows the shipped regional AOIs (issue #18 point 5): a user who forgets
``--profile`` still sees the totoaba pangas and the Yucatán lanchas as critical; the regional
profiles only tune (and keep their own, higher, scores)."""

from __future__ import annotations

from pathlib import Path

import polars as pl
import pytest

from vessels import schema as S
from vessels.pipeline import run

SAMPLES = Path(__file__).resolve().parents[2] / "ais_samples"


def _scores(sample: str, profile: str) -> pl.DataFrame:
    roster = pl.read_parquet(SAMPLES / sample / "roster.parquet").unique(S.MMSI)
    res = run(SAMPLES / sample / "ais.csv", profile=profile, map=False)
    return roster.select(S.MMSI, "vessel_key", "is_control").join(
        res.vessels.select(S.MMSI, S.RISK_SCORE, S.RISK_TIER, S.REASONS), on=S.MMSI, how="left"
    )


@pytest.mark.parametrize(
    ("sample", "regional", "planted"),
    [
        pytest.param(
            "gulf-of-california",
            "gulf-of-california",
            ["panga-1", "panga-2", "panga-3"],
            id="totoaba-pangas",
        ),
        pytest.param("yucatan", "yucatan", ["lancha-1", "lancha-2", "reefer"], id="lanchas"),
    ],
)
def test_default_profile_ranks_the_regional_patterns_critical(
    sample: str, regional: str, planted: list[str]
) -> None:
    default = _scores(sample, "default")
    crit = default.filter(pl.col("vessel_key").is_in(planted))
    assert crit[S.RISK_TIER].to_list() == ["critical"] * len(planted), crit
    controls = default.filter(pl.col("is_control"))
    assert controls.height and set(controls[S.RISK_TIER].fill_null("low")) == {"low"}
    tuned = _scores(sample, regional).filter(pl.col("vessel_key").is_in(planted))
    # the regional profile tunes on top: never lower than the default for its own pattern
    both = crit.join(tuned.select("vessel_key", S.RISK_SCORE), on="vessel_key", suffix="_r")
    assert (both[f"{S.RISK_SCORE}_r"] >= both[S.RISK_SCORE]).all()


def test_the_vaquita_aoi_reason_reads_in_the_default_run() -> None:
    default = _scores("gulf-of-california", "default")
    panga = default.filter(pl.col("vessel_key") == "panga-2")
    reasons = " | ".join(panga[S.REASONS].item())
    assert "dark 9.4 h inside Upper Gulf of California (totoaba / vaquita AOI)" in reasons
