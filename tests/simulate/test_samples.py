"""The committed samples in ais_samples/ are exactly what the documented command produces."""

from __future__ import annotations

import json
from pathlib import Path

import polars as pl
import pytest

from vessels.cli import main

SAMPLES = Path(__file__).resolve().parents[2] / "ais_samples"
DIRS = ["gulf-of-california", "yucatan", "pacific-eez", "gulf-of-california-nmea"]


def _command(manifest: dict, out: Path) -> list[str]:
    """The regeneration command documented in ais_samples/README.md, rebuilt from the manifest."""
    args = [
        "simulate",
        "--scenario",
        manifest["scenario"],
        "--seed",
        str(manifest["seed"]),
        "--out",
        str(out),
        "--format",
        manifest["format"],
        "-q",
    ]
    if manifest["hours"] != 48:
        args += ["--hours", f"{manifest['hours']:g}"]
    if manifest["min_interval_s"] != 60:
        args += ["--min-interval-s", f"{manifest['min_interval_s']:g}"]
    if manifest.get("n_background_vessels"):
        args += ["--vessels", str(manifest["n_vessels"])]
    return args


@pytest.mark.parametrize("name", DIRS)
def test_sample_is_reproducible(name: str, tmp_path: Path) -> None:
    src = SAMPLES / name
    manifest = json.loads((src / "manifest.json").read_text())
    assert main(_command(manifest, tmp_path)) == 0
    ais = next(p.name for p in src.iterdir() if p.name.startswith("ais."))
    assert (tmp_path / ais).read_bytes() == (src / ais).read_bytes(), (
        f"ais_samples/{name}/{ais} differs from a fresh run: regenerate it with the command in "
        "ais_samples/README.md (did the simulator or the default zones change?)"
    )
    assert (tmp_path / "truth.json").read_bytes() == (src / "truth.json").read_bytes()
    for table in ("truth.parquet", "controls.parquet", "roster.parquet"):
        assert pl.read_parquet(tmp_path / table).equals(pl.read_parquet(src / table)), table
    assert json.loads((tmp_path / "manifest.json").read_text()) == manifest


def test_readme_lists_every_sample() -> None:
    text = (SAMPLES / "README.md").read_text(encoding="utf-8")
    for name in DIRS:
        assert f"ais_samples/{name}" in text
