"""Inputs as analysts receive them (issue #18 point 1): day-first times, ``--time-format``,
loud failure of ``vessels score`` below ``--min-accepted``, repeated ``--mmsi``, the unknown
zone-schema hint, point layers (GeoPackage, GeoJSON, Shapefile, GeoParquet) and stdin."""

from __future__ import annotations

import json
from pathlib import Path

import polars as pl
import pytest

from vessels.cli import main
from vessels.errors import UserError
from vessels.io import read_ais

HEADER = "MMSI,BaseDateTime,LAT,LON,SOG,COG,Heading,VesselName\n"


def _rows(times: list[str], mmsi: int = 345070339) -> str:
    return "".join(
        f"{mmsi},{t},{24.0 + i * 0.01:.2f},-110.9,5.0,60.0,511,PANGA {i}\n"
        for i, t in enumerate(times)
    )


def test_day_first_times_are_detected_and_read(tmp_path: Path) -> None:
    f = tmp_path / "vms.csv"
    f.write_text(HEADER + _rows(["02/01/2024 10:00:00", "25/01/2024 10:00:00", "NULL"]))
    ing = read_ais(f)
    ts = ing.positions.select("ts").collect()["ts"].to_list()
    assert [t.isoformat() for t in ts] == ["2024-01-02T10:00:00+00:00", "2024-01-25T10:00:00+00:00"]
    assert ing.summary()["per_rule"] == {"missing_ts": 1}


def test_month_first_detected_from_a_second_number_above_12(tmp_path: Path) -> None:
    f = tmp_path / "us.csv"
    f.write_text(HEADER + _rows(["01/02/2024 10:00", "01/25/2024 10:00"]))
    ts = read_ais(f).positions.select("ts").collect()["ts"].to_list()
    assert [t.isoformat() for t in ts] == ["2024-01-02T10:00:00+00:00", "2024-01-25T10:00:00+00:00"]


def test_ambiguous_day_month_is_refused_with_both_formats(tmp_path: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    f = tmp_path / "amb.csv"
    f.write_text(HEADER + _rows(["02/01/2024 10:00", "03/01/2024 10:00"]))
    with pytest.raises(UserError) as exc:
        read_ais(f)
    assert "day-first and month-first" in exc.value.message
    assert "--time-format '%d/%m/%Y %H:%M'" in (exc.value.hint or "")
    assert main(["ingest", str(f), "--out", str(tmp_path / "o")]) == 2
    err = capsys.readouterr().err
    assert "--time-format" in err and "Traceback" not in err


def test_time_format_option_decides(tmp_path: Path) -> None:
    f = tmp_path / "amb.csv"
    f.write_text(HEADER + _rows(["02/01/2024 10:00", "03/01/2024 10:00"]))
    out = tmp_path / "o"
    assert main(["ingest", str(f), "--out", str(out), "--time-format", "%m/%d/%Y %H:%M", "-q"]) == 0
    ts = pl.read_parquet(out / "positions.parquet")["ts"].to_list()
    assert [t.isoformat() for t in ts] == ["2024-02-01T10:00:00+00:00", "2024-03-01T10:00:00+00:00"]


def _score(args: list[str]) -> int:
    return main(["score", *args, "--no-map", "-q"])


def test_score_fails_loudly_below_min_accepted(tmp_path: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    f = tmp_path / "bad.csv"
    f.write_text(HEADER + _rows(["yesterday"] * 8 + ["2024-01-02T10:00:00"] * 2))
    assert _score([str(f), "--out", str(tmp_path / "o")]) == 2
    err = capsys.readouterr().err
    assert "unparseable_ts 8" in err and "--min-accepted 0" in err
    assert (tmp_path / "o" / "summary.json").exists()  # outputs still written
    assert _score([str(f), "--out", str(tmp_path / "o2"), "--min-accepted", "0"]) == 0


def test_score_has_every_reading_option_of_ingest() -> None:
    from vessels._cli.ingest import command as ingest_cmd
    from vessels._cli.score import command as score_cmd

    ingest_only = {"--no-segment"}  # score always segments
    opts = {o for p in ingest_cmd.params for o in p.opts if o.startswith("--")}
    score_opts = {o for p in score_cmd.params for o in p.opts}
    assert opts - ingest_only - score_opts == set()


def test_repeated_mmsi_keeps_all(tmp_path: Path) -> None:
    f = tmp_path / "ais.csv"
    times = ["2024-01-02T10:00:00", "2024-01-02T10:05:00"]
    f.write_text(
        HEADER + _rows(times, 345070339) + _rows(times, 345070340) + _rows(times, 345070341)
    )
    out = tmp_path / "o"
    args = ["ingest", str(f), "--out", str(out), "-q", "--mmsi", "345070339", "--mmsi", "345070341"]
    assert main(args) == 0
    kept = sorted(pl.read_parquet(out / "positions.parquet")["mmsi"].unique().to_list())
    assert kept == [345070339, 345070341]


def test_unknown_zone_schema_hint_names_real_score_options(tmp_path: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    from vessels._cli.score import command as score_cmd

    zones = tmp_path / "z.geojson"
    zones.write_text(
        json.dumps(
            {
                "type": "FeatureCollection",
                "features": [
                    {
                        "type": "Feature",
                        "properties": {"nombre": "zona"},
                        "geometry": {
                            "type": "Polygon",
                            "coordinates": [[[-111, 24], [-110, 24], [-110, 25], [-111, 24]]],
                        },
                    }
                ],
            }
        )
    )
    f = tmp_path / "ais.csv"
    f.write_text(HEADER + _rows(["2024-01-02T10:00:00", "2024-01-02T10:05:00"]))
    assert _score([str(f), "--out", str(tmp_path / "o"), "--zones", str(zones)]) == 2
    err = capsys.readouterr().err
    score_opts = {o for p in score_cmd.params for o in p.opts}
    named = {w.strip(";,()") for w in err.split() if w.startswith("--")}
    assert "--zones-name-field" in named and "--zones-kind" in named
    # every option the message offers for score exists on score
    score_part = err.split("vessels score:")[1].split(";")[0]
    assert {w for w in score_part.split() if w.startswith("--")} <= score_opts


def _points(tmp_path: Path):  # type: ignore[no-untyped-def]
    import geopandas as gpd
    import pandas as pd
    from shapely.geometry import Point

    ts = pd.to_datetime(["2024-01-02T10:00:00Z", "2024-01-02T10:05:00Z", "2024-01-02T10:10:00Z"])
    return gpd.GeoDataFrame(
        {
            "mmsi": [345070339, 345070339, 345070339],
            "fecha": ts,
            "SOG": [5.0, 5.0, 5.0],
            "VesselName": ["NUÑEZ", "NUÑEZ", "NUÑEZ"],
        },
        geometry=[Point(-110.9, 24.0), Point(-110.89, 24.01), None],
        crs="EPSG:4326",
    )


@pytest.mark.parametrize("suffix", [".gpkg", ".geojson", ".shp", ".parquet"])
def test_point_layers_are_inputs_with_full_accounting(tmp_path: Path, suffix: str) -> None:
    gdf = _points(tmp_path)
    f = tmp_path / f"ais{suffix}"
    if suffix == ".parquet":
        gdf.to_parquet(f)
    else:
        gdf.to_file(f)
    ing = read_ais(f)
    pos = ing.positions.collect()
    s = ing.summary()
    assert (s["input_rows"], s["accepted_rows"], s["quarantined_rows"]) == (3, 2, 1)
    assert pos["lat"].to_list() == pytest.approx([24.0, 24.01])
    assert [t.isoformat() for t in pos["ts"]] == [
        "2024-01-02T10:00:00+00:00",
        "2024-01-02T10:05:00+00:00",
    ]
    assert pos["vessel_name"].to_list() == ["NUÑEZ", "NUÑEZ"]


def test_broken_geopackage_message_has_no_binary_header(tmp_path: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    f = tmp_path / "ais.gpkg"
    f.write_bytes(b"SQLite format 3\x00" + bytes(range(256)) * 4)
    assert main(["ingest", str(f), "--out", str(tmp_path / "o")]) == 2
    err = capsys.readouterr().err
    assert "ais.gpkg" in err and "vector layer" in err
    assert "SQLite format" not in err and "\\x00" not in err and "Traceback" not in err


def test_polygon_layer_is_refused_clearly(tmp_path: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    import geopandas as gpd
    from shapely.geometry import box

    f = tmp_path / "zones.gpkg"
    gpd.GeoDataFrame({"mmsi": [1]}, geometry=[box(0, 0, 1, 1)], crs="EPSG:4326").to_file(f)
    assert main(["ingest", str(f), "--out", str(tmp_path / "o")]) == 2
    assert "Polygon geometries; AIS inputs are points" in capsys.readouterr().err


def test_stdin_dash_is_read(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import io

    text = HEADER + _rows(["2024-01-02T10:00:00", "2024-01-02T10:05:00"])
    fake = io.TextIOWrapper(io.BytesIO(text.encode()), encoding="utf-8")
    monkeypatch.setattr("sys.stdin", fake)
    out = tmp_path / "o"
    assert main(["ingest", "-", "--out", str(out), "-q"]) == 0
    summary = json.loads((out / "summary.json").read_text())
    assert summary["accepted_rows"] == 2
    assert list(summary["per_file"]) == ["<stdin>"]
