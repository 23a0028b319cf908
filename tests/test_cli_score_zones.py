"""`vessels score --zones` with a file in no known schema: clear error, then one option fixes it."""

from __future__ import annotations

import json
from pathlib import Path

import polars as pl
import pytest

from vessels.cli import main

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = ROOT / "ais_samples" / "gulf-of-california" / "ais.csv"


@pytest.fixture
def patrol_box(tmp_path: Path) -> Path:
    # an analyst's own box over the upper Gulf, with a Spanish attribute name
    ring = [[-115.0, 30.8], [-114.3, 30.8], [-114.3, 31.5], [-115.0, 31.5], [-115.0, 30.8]]
    fc = {
        "type": "FeatureCollection",
        "features": [
            {
                "type": "Feature",
                "properties": {"zona": "Caja de patrulla"},
                "geometry": {"type": "Polygon", "coordinates": [ring]},
            }
        ],
    }
    path = tmp_path / "patrulla.geojson"
    path.write_text(json.dumps(fc), encoding="utf-8")
    return path


def test_unknown_schema_is_a_user_error_listing_fields(
    patrol_box: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    rc = main(
        ["score", str(SAMPLE), "--out", str(tmp_path / "o"), "--zones", str(patrol_box), "-q"]
    )
    err = capsys.readouterr().err
    assert rc == 2
    assert "zona" in err and "patrulla.geojson" in err
    assert "Traceback" not in err


def test_name_field_and_kind_make_it_load(patrol_box: Path, tmp_path: Path) -> None:
    out = tmp_path / "o"
    rc = main(
        [
            "score",
            str(SAMPLE),
            "--out",
            str(out),
            "--zones",
            str(patrol_box),
            "--zones-name-field",
            "zona",
            "--zones-kind",
            "aoi",
            "--no-map",
            "-q",
        ]
    )
    assert rc == 0
    events = pl.read_parquet(out / "events.parquet")
    names = set(events.filter(pl.col("event_type") == "zone_entry")["zone_name"].drop_nulls())
    assert "Caja de patrulla" in names
