"""Golden tests per input format on the small fixture files in tests/data/."""

from __future__ import annotations

import gzip
import shutil
import zipfile
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import polars as pl
import pytest
import zstandard

from vessels import schema as S
from vessels.errors import FormatError, UserError
from vessels.io import read_ais

DATA = Path(__file__).resolve().parents[1] / "data"


def _balanced(summary: dict[str, Any]) -> None:
    assert summary["balanced"]
    total = (
        summary["accepted_rows"]
        + summary["quarantined_rows"]
        + summary["duplicate_rows"]
        + summary[S.IDENTITY_ROWS]
        + summary["filtered_rows"]
    )
    assert summary["input_rows"] == total
    non_filtered = {k: v for k, v in summary["per_rule"].items() if k != "filtered_out"}
    assert sum(non_filtered.values()) == summary["quarantined_rows"]
    for f in summary["per_file"].values():
        assert f["input_rows"] == (
            f["accepted_rows"]
            + f["quarantined_rows"]
            + f["duplicate_rows"]
            + f[S.IDENTITY_ROWS]
            + f["filtered_rows"]
        )


# file, format, accepted MMSIs (sorted by mmsi, ts), {rule: count}, duplicates
GOLDEN = [
    pytest.param(
        "mc_2015.csv",
        "marinecadastre",
        [111111111, 123456789, 345070339, 345070339, 367000140, 983451234],
        {
            "empty_line": 1,
            "lat_out_of_range": 1,
            "lon_out_of_range": 1,
            "non_vessel_aid_to_navigation": 1,
            "non_vessel_base_station": 1,
            "non_vessel_sar_aircraft": 1,
            "non_vessel_sart_mob_epirb": 1,
            # line 5: 91/181 with SOG/COG/heading sentinels is a position report, not identity
            "position_not_available": 1,
            "unparseable_lat": 1,
            "unparseable_mmsi": 1,
            "unparseable_ts": 1,
            "wrong_field_count": 1,
        },
        1,
        id="marinecadastre-2015",
    ),
    pytest.param(
        "mc_variant.csv",
        "marinecadastre",
        [366999618, 366999618, 367000140],
        {},
        0,
        id="marinecadastre-reordered-misspelt-eta-crlf-quoted",
    ),
    pytest.param(
        "mc_2024.csv", "marinecadastre2024", [345070339, 345070339], {}, 0, id="marinecadastre-2024"
    ),
    pytest.param(
        "dma.csv",
        "dma",
        [219000001, 219000002],
        {
            "non_vessel_dma_aton": 1,
            "non_vessel_dma_base_station": 1,
            "non_vessel_dma_sar_airborne": 1,
            "position_not_available": 1,
        },
        0,
        id="dma",
    ),
    pytest.param(
        "sample.nmea",
        "nmea",
        # line 10 has no timestamp: placed between its timed neighbours (ts_source base_station)
        [345000002, 345000002, 345000003, 345070339, 345070339, 345070339, 345070339],
        {
            "bad_bit_count": 1,
            "bad_checksum": 1,
            "non_vessel_base_station": 1,
            "not_nmea": 1,
            "orphan_fragment": 1,
        },
        0,
        id="nmea",
    ),
    pytest.param(
        "sample.traj",
        "traj",
        [338123456, 338123456, 367448070, 367448070, 367448070],
        {"traj_malformed": 1},
        0,
        id="traj",
    ),
]


@pytest.mark.parametrize(("name", "fmt", "mmsis", "rules", "dups"), GOLDEN)
def test_golden(name: str, fmt: str, mmsis: list[int], rules: dict[str, int], dups: int) -> None:
    ing = read_ais(DATA / name)
    positions = ing.positions.collect()
    assert positions.schema == pl.Schema({**S.POSITION_SCHEMA, S.TS_SOURCE: S.TS_SOURCE_DTYPE})
    assert positions[S.MMSI].to_list() == mmsis
    summary = ing.summary()
    assert summary["per_rule"] == rules
    assert summary["duplicate_rows"] == dups
    assert summary["per_file"][str(DATA / name)]["format"] == fmt
    _balanced(summary)
    q = ing.quarantine.collect()
    assert q.height == summary["quarantined_rows"]
    assert q[S.RAW].null_count() == 0
    assert (q[S.SOURCE_ROW] >= 1).all()


def test_marinecadastre_values() -> None:
    df = read_ais(DATA / "mc_2015.csv").positions.collect()
    first = df.filter(pl.col(S.SOURCE_ROW) == 2).row(0, named=True)
    assert first[S.IMO] == 9307839  # "IMO9307839"
    assert first[S.SHIP_TYPE] == 30  # "30.0"
    assert first[S.AIS_CLASS] == "A"
    assert first[S.FLAG] == "MEX"
    neg = df.filter(pl.col(S.SOURCE_ROW) == 3).row(0, named=True)
    assert neg[S.COG_DEG] == pytest.approx(-150.4 + 409.6, abs=1e-3)
    assert neg[S.HEADING_DEG] is None
    sentinel = df.filter(pl.col(S.SOURCE_ROW) == 6).row(0, named=True)
    assert sentinel[S.SOG_KN] is None and sentinel[S.COG_DEG] is None
    assert sentinel[S.LENGTH_M] is None and sentinel[S.WIDTH_M] is None
    fakes = df.filter(pl.col(S.MMSI).is_in([123456789, 111111111]))
    assert fakes[S.MMSI_VALID].to_list() == [False, False]


def test_quarantine_keeps_line_number_and_raw_text() -> None:
    q = read_ais(DATA / "mc_2015.csv").quarantine.collect()
    lines = (DATA / "mc_2015.csv").read_text().split("\n")
    for row in q.iter_rows(named=True):
        assert row[S.RAW] == lines[row[S.SOURCE_ROW] - 1]
    assert q.filter(pl.col(S.RULE) == "unparseable_lat")[S.SOURCE_ROW].item() == 11


def test_quoted_field_with_comma() -> None:
    df = read_ais(DATA / "mc_variant.csv").positions.collect()
    assert "SHRIKE, CG" in df[S.VESSEL_NAME].to_list()


def test_dma_text_fields() -> None:
    df = read_ais(DATA / "dma.csv").positions.collect()
    row = df.row(0, named=True)
    assert row[S.NAV_STATUS] == 7 and row[S.SHIP_TYPE] == 30 and row[S.AIS_CLASS] == "A"
    assert row[S.TS] == datetime(2024, 3, 1, tzinfo=UTC)
    assert row[S.IMO] is None  # "Unknown"
    assert df.row(1, named=True)[S.SHIP_TYPE] == 37


def test_nmea_static_joined_as_of() -> None:
    df = read_ais(DATA / "sample.nmea").positions.collect()
    panga = df.filter(pl.col(S.MMSI) == 345070339)
    assert panga[S.VESSEL_NAME].unique().to_list() == ["PANGA UNO"]
    assert panga[S.LENGTH_M].unique().to_list() == [12.0]
    lancha = df.filter(pl.col(S.MMSI) == 345000002).sort(S.TS)
    # the type 24 report arrives after the first class-B position: the position before the
    # vessel's first identity report takes the earliest one after it
    assert lancha[S.VESSEL_NAME].to_list() == ["LANCHA", "LANCHA"]
    assert lancha[S.AIS_CLASS].to_list() == ["B", "B"]
    # trailing epoch field on line 6
    assert lancha[S.TS][0] == datetime(2024, 6, 1, 0, 1, 30, tzinfo=UTC)


def test_generic_csv_with_mapping() -> None:
    ing = read_ais(DATA / "generic.csv", columns="mmsi=ShipId,ts=time,lat=y,lon=x,sog=speed")
    df = ing.positions.collect()
    assert df.height == 3
    assert df.filter(pl.col(S.MMSI) == 345070339)[S.SOG_KN].to_list() == [5.0, 5.5]
    assert ing.summary()["per_file"][str(DATA / "generic.csv")]["format"] == "csv"


@pytest.mark.parametrize("kind", ["zip", "gz", "zst"])
def test_compressed_inputs(tmp_path: Path, kind: str) -> None:
    src = DATA / "mc_2015.csv"
    if kind == "zip":
        target = tmp_path / "AIS_2022_01_03.zip"
        with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as zf:
            zf.write(src, "AIS_2022_01_03.csv")
        name = f"{target}!AIS_2022_01_03.csv"
    elif kind == "gz":
        target = tmp_path / "mc.csv.gz"
        with src.open("rb") as fin, gzip.open(target, "wb") as fout:
            shutil.copyfileobj(fin, fout)
        name = str(target)
    else:
        target = tmp_path / "mc.csv.zst"
        target.write_bytes(zstandard.ZstdCompressor().compress(src.read_bytes()))
        name = str(target)
    plain = read_ais(src)
    packed = read_ais(target)
    cols = [c for c in S.POSITION_SCHEMA if c != S.SOURCE_FILE]
    assert packed.positions.collect().select(cols).equals(plain.positions.collect().select(cols))
    assert list(packed.summary()["per_file"]) == [name]


def test_corrupt_compression_is_a_user_error(tmp_path: Path) -> None:
    bad = tmp_path / "broken.csv.gz"
    bad.write_bytes(b"\x1f\x8b\x08\x00garbage")
    with pytest.raises(FormatError, match="cannot decompress"):
        read_ais(bad)


def test_parquet_round_trip(tmp_path: Path) -> None:
    first = read_ais(DATA / "mc_2015.csv").positions.collect()
    path = tmp_path / "positions.parquet"
    first.write_parquet(path)
    again = read_ais(path)
    assert again.positions.collect().equals(first)
    assert again.summary()["per_file"][str(path)]["format"] == "parquet"


def test_many_files_directory_and_glob(tmp_path: Path) -> None:
    for name in ("mc_2015.csv", "dma.csv", "mc_2024.csv"):
        shutil.copy(DATA / name, tmp_path / name)
    by_dir = read_ais(tmp_path).summary()
    by_glob = read_ais(str(tmp_path / "*.csv")).summary()
    assert by_dir["per_file"].keys() == by_glob["per_file"].keys()
    assert len(by_dir["per_file"]) == 3
    assert by_dir["accepted_rows"] == 6 + 2 + 2
    _balanced(by_dir)


def test_filters_are_counted_not_lost() -> None:
    ing = read_ais(
        DATA / "mc_2015.csv",
        since=datetime(2022, 1, 3, 0, 0, 30),
        bbox=(-120.0, 20.0, -70.0, 45.0),
    )
    df = ing.positions.collect()
    assert df[S.MMSI].to_list() == [345070339, 367000140]
    s = ing.summary()
    # 8 otherwise-valid rows at 00:00:00 (lines 2, 12-17, 20; the filter applies before the
    # non-vessel rules); rows failing validity rules stay quarantined under their own rule
    assert s["filtered_rows"] == 8
    assert s["per_rule"]["filtered_out"] == 8
    assert s["per_rule"]["lat_out_of_range"] == 1
    _balanced(s)
    assert "filtered_out" not in ing.quarantine.collect()[S.RULE].to_list()
    only = read_ais(DATA / "mc_2015.csv", mmsi=[367000140]).positions.collect()
    assert only[S.MMSI].unique().to_list() == [367000140]


@pytest.mark.parametrize(
    ("kwargs", "error", "match"),
    [
        pytest.param({"paths": DATA / "nope.csv"}, UserError, "file not found", id="missing"),
        pytest.param({"paths": str(DATA / "*.nothing")}, UserError, "no file matches", id="glob"),
        pytest.param(
            {"paths": DATA / "generic.csv"}, FormatError, "matches no known AIS layout", id="hdr"
        ),
        pytest.param(
            {"paths": DATA / "mc_2015.csv", "format": "dma"},
            FormatError,
            "lacks the columns",
            id="wrong-format",
        ),
        pytest.param(
            {"paths": DATA / "mc_2015.csv", "format": "excel"},
            UserError,
            "unknown format",
            id="fmt",
        ),
        pytest.param(
            {"paths": DATA / "generic.csv", "columns": "mmsi=ShipId,ts=time,lat=y,lon=nope"},
            FormatError,
            "nope",
            id="mapping-column-absent",
        ),
        pytest.param(
            {"paths": DATA / "generic.csv", "columns": "mmsi:ShipId"},
            UserError,
            "not of the form",
            id="mapping-syntax",
        ),
        pytest.param(
            {"paths": DATA / "mc_2015.csv", "bbox": (10, 10, 0, 0)}, UserError, "bbox", id="bbox"
        ),
    ],
)
def test_user_errors(kwargs: dict[str, Any], error: type[Exception], match: str) -> None:
    with pytest.raises(error, match=match):
        read_ais(**kwargs)


def test_unknown_header_message_lists_expected_columns() -> None:
    with pytest.raises(FormatError) as info:
        read_ais(DATA / "generic.csv")
    msg = str(info.value)
    assert "line 1" in msg and "BaseDateTime" in msg and "# Timestamp" in msg


def test_nmea_detected_after_leading_noise(tmp_path: Path) -> None:
    log = tmp_path / "capture.log"
    log.write_text("receiver started\n" + (DATA / "sample.nmea").read_text())
    ing = read_ais(log)
    assert ing.formats[str(log)] == "nmea"
    assert ing.summary()["per_rule"]["not_nmea"] == 2
    # line numbers shift by one with the extra first line
    q = ing.quarantine.collect()
    assert q.filter(pl.col(S.RULE) == "not_nmea")[S.SOURCE_ROW].to_list() == [1, 14]


def test_duplicates_across_files_keep_the_first_file_whatever_the_argument_order(
    tmp_path: Path,
) -> None:
    a, b = tmp_path / "a.csv", tmp_path / "b.csv"
    shutil.copy(DATA / "mc_2024.csv", a)
    shutil.copy(DATA / "mc_2024.csv", b)
    one = read_ais([a, b])
    two = read_ais([b, a])
    p1, p2 = one.positions.collect(), two.positions.collect()
    assert p1.equals(p2)
    assert p1[S.SOURCE_FILE].unique().to_list() == [str(a)]
    s = one.summary()
    assert s["per_file"][str(b)]["duplicate_rows"] == 2
    assert s["per_file"][str(a)]["accepted_rows"] == 2
    _balanced(s)
