"""End-to-end tests of ``vessels score`` through ``vessels.cli.main``.

The input is a small MarineCadastre CSV built from the test factories: a fishing vessel that goes
dark for 10 h offshore (named ``=HYPERLINK("x")``, to test CSV injection), two vessels drifting
alongside for 4 h (an encounter), and a cargo ship on passage (a clean control).
"""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path

import polars as pl
import pytest

from tests.factories import T0, make_track
from vessels import schema as S
from vessels.cli import main
from vessels.risk import VESSEL_SCHEMA

DARK, MEET_A, MEET_B, CARGO = 345000001, 345000002, 345000003, 366000004
INJECTION = '=HYPERLINK("x")'


def _marinecadastre(df: pl.DataFrame) -> pl.DataFrame:
    return df.select(
        pl.col(S.MMSI).alias("MMSI"),
        pl.col(S.TS).dt.strftime("%Y-%m-%dT%H:%M:%S").alias("BaseDateTime"),
        pl.col(S.LAT).round(6).alias("LAT"),
        pl.col(S.LON).round(6).alias("LON"),
        pl.col(S.SOG_KN).alias("SOG"),
        pl.col(S.COG_DEG).alias("COG"),
        pl.lit(511).alias("Heading"),
        pl.col(S.VESSEL_NAME).alias("VesselName"),
        pl.lit(None, dtype=pl.String).alias("IMO"),
        pl.col(S.CALLSIGN).alias("CallSign"),
        pl.col(S.SHIP_TYPE).alias("VesselType"),
        pl.lit(0).alias("Status"),
        pl.lit(20.0).alias("Length"),
        pl.lit(6.0).alias("Width"),
        pl.lit(3.0).alias("Draft"),
        pl.lit(None, dtype=pl.String).alias("Cargo"),
        pl.lit("A").alias("TransceiverClass"),
    )


def write_sample(path: Path) -> Path:
    """A small AIS day in the central Gulf of California (see module docstring)."""
    kw = {"interval_s": 120, "speed_kn": 6.0, "vessel_name": INJECTION, "ship_type": 30}
    parts = [
        make_track(DARK, lat=26.0, lon=-110.6, n=60, **kw),
        make_track(DARK, start=T0 + timedelta(hours=12), lat=26.05, lon=-110.5, n=60, **kw),
        make_track(
            MEET_A,
            lat=26.5,
            lon=-110.9,
            n=150,
            interval_s=120,
            speed_kn=0.5,
            vessel_name="LA PERLA",
            ship_type=30,
        ),
        make_track(
            MEET_B,
            lat=26.5005,
            lon=-110.9,
            n=150,
            interval_s=120,
            speed_kn=0.5,
            vessel_name="REEFER UNO",
            ship_type=30,
        ),
        make_track(
            CARGO,
            lat=25.5,
            lon=-110.0,
            n=280,
            interval_s=180,
            speed_kn=12.0,
            course_deg=20.0,
            vessel_name="CARGO",
            ship_type=70,
        ),
    ]
    df = _marinecadastre(pl.concat(parts))
    # one duplicate line and one corrupt line, so the row accounting has something to count
    text = df.write_csv()
    lines = text.splitlines()
    lines += [lines[5], f"{DARK},not-a-time,26.0,-110.6,1,1,511,X,,,30,0,20,6,3,,A"]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def sample(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_sample(tmp_path_factory.mktemp("ais") / "ais.csv")


@pytest.fixture(scope="module")
def scored(sample: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("run") / "out"
    assert main(["score", str(sample), "--out", str(out), "--quiet", "--no-map"]) == 0
    return out


EXPECTED_FILES = [
    "vessels.parquet",
    "vessels.csv",
    "vessel_days.parquet",
    "contributions.parquet",
    "contributions.csv",
    "events.parquet",
    "events.csv",
    "events.geojson",
    "quarantine.parquet",
    "tracks.parquet",
    "summary.json",
]


def test_files_exist(scored: Path) -> None:
    for name in EXPECTED_FILES:
        assert (scored / name).stat().st_size > 0, name
    # nothing half-written left behind
    assert not [p for p in scored.iterdir() if p.name.endswith(".tmp")]


def test_schemas(scored: Path) -> None:
    S.validate(pl.read_parquet(scored / "vessels.parquet"), VESSEL_SCHEMA, what="vessels")
    S.validate(pl.read_parquet(scored / "events.parquet"), S.EVENT_SCHEMA, what="events")
    S.validate(
        pl.read_parquet(scored / "contributions.parquet"), S.CONTRIBUTION_SCHEMA, what="contrib"
    )
    S.validate(pl.read_parquet(scored / "quarantine.parquet"), S.QUARANTINE_SCHEMA, what="q")
    tracks = pl.read_parquet(scored / "tracks.parquet")
    S.validate(tracks, {**S.POSITION_SCHEMA, **S.SEGMENT_DERIVED_SCHEMA}, what="tracks")


def test_counts_add_up(scored: Path) -> None:
    s = json.loads((scored / "summary.json").read_text())
    assert s["input_rows"] == (
        s["accepted_rows"] + s["quarantined_rows"] + s["duplicate_rows"] + s["filtered_rows"]
    )
    assert s["duplicate_rows"] == 1 and s["quarantined_rows"] == 1
    assert pl.read_parquet(scored / "quarantine.parquet").height == s["quarantined_rows"]
    events = pl.read_parquet(scored / "events.parquet")
    assert sum(s["events_per_type"].values()) == events.height == s["events"]
    vessels = pl.read_parquet(scored / "vessels.parquet")
    assert vessels.height == s["vessels"] == 4
    assert vessels[S.N_POSITIONS].sum() == s["accepted_rows"]
    contrib = pl.read_parquet(scored / "contributions.parquet")
    sums = contrib.group_by(S.MMSI).agg(pl.col(S.POINTS).sum())
    check = vessels.join(sums, on=S.MMSI, how="left").with_columns(pl.col(S.POINTS).fill_null(0))
    assert ((check[S.RISK_SCORE] - check[S.POINTS]).abs() < 1e-6).all()
    assert set(s["timings_s"]) >= {"ingest", "tracks", "zones", "events", "risk", "outputs"}
    assert s["profile"]["name"] == "default"
    assert s["versions"]["vessels"]


def test_ranking_and_reasons(scored: Path) -> None:
    v = pl.read_parquet(scored / "vessels.parquet")
    order = v[S.MMSI].to_list()
    assert order[-1] == CARGO and v.row(-1, named=True)[S.RISK_SCORE] == 0
    assert v.filter(pl.col(S.MMSI) == CARGO)[S.RISK_TIER].item() == "low"
    meet = v.filter(pl.col(S.MMSI).is_in([MEET_A, MEET_B]))
    assert (meet["n_encounter"] == 1).all()
    assert all(any("met vessel" in r for r in rs) for rs in meet[S.REASONS].to_list())
    dark = v.filter(pl.col(S.MMSI) == DARK).row(0, named=True)
    assert dark[S.RISK_SCORE] > 0 and dark[S.REASONS][0].startswith("dark 10.0 h")


def test_csv_injection_is_neutralised(scored: Path) -> None:
    text = (scored / "vessels.csv").read_text(encoding="utf-8")
    assert "'" + INJECTION.replace('"', '""') in text
    cells = pl.read_csv(scored / "vessels.csv")[S.VESSEL_NAME].to_list()
    assert "'" + INJECTION in cells
    assert not any(str(c).startswith(("=", "+", "-", "@")) for c in cells if c)
    # Parquet keeps the name exactly as received
    assert INJECTION in pl.read_parquet(scored / "vessels.parquet")[S.VESSEL_NAME].to_list()


def test_geojson_is_valid(scored: Path) -> None:
    gj = json.loads((scored / "events.geojson").read_text())
    events = pl.read_parquet(scored / "events.parquet")
    assert gj["type"] == "FeatureCollection" and len(gj["features"]) == events.height
    f = gj["features"][0]
    assert f["geometry"]["type"] == "Point" and len(f["geometry"]["coordinates"]) == 2
    assert {"event_id", "event_type", "mmsi", "evidence"} <= set(f["properties"])


def test_existing_out_is_refused_then_overwritten(
    sample: Path, scored: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["score", str(sample), "--out", str(scored), "--quiet", "--no-map"]) == 2
    err = capsys.readouterr().err
    assert "already exists" in err and "--overwrite" in err and "Traceback" not in err
    # an empty directory is fine without --overwrite
    empty = tmp_path / "empty"
    empty.mkdir()
    assert main(["score", str(sample), "--out", str(empty), "-q", "--no-map"]) == 0


def test_two_runs_are_identical(sample: Path, scored: Path, tmp_path: Path) -> None:
    again = tmp_path / "again"
    assert main(["score", str(sample), "--out", str(again), "--quiet", "--no-map"]) == 0
    for name in ("vessels.parquet", "events.parquet", "contributions.parquet"):
        assert pl.read_parquet(again / name).equals(pl.read_parquet(scored / name)), name
    for name in ("vessels.csv", "events.csv", "events.geojson"):
        assert (again / name).read_bytes() == (scored / name).read_bytes(), name


def test_json_and_filters(sample: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "one"
    code = main(
        ["score", str(sample), "--out", str(out), "--json", "--no-map", "--mmsi", str(CARGO)]
    )
    assert code == 0
    s = json.loads(capsys.readouterr().out)
    assert s["vessels"] == 1 and s["filters"]["mmsi"] == [CARGO]
    assert s["filtered_rows"] > 0
    v = pl.read_parquet(out / "vessels.parquet")
    assert v[S.MMSI].to_list() == [CARGO]


def test_quiet_prints_nothing(
    sample: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["score", str(sample), "--out", str(tmp_path / "q"), "--quiet", "--no-map"]) == 0
    captured = capsys.readouterr()
    assert captured.out == "" and captured.err == ""


@pytest.mark.parametrize(
    ("args", "message"),
    [
        pytest.param(["--bbox", "1,2,3"], "four numbers", id="bbox-three-numbers"),
        pytest.param(["--bbox", "a,b,c,d"], "not four numbers", id="bbox-not-numbers"),
        pytest.param(["--bbox=-100,30,-110,31"], "not a box", id="bbox-inverted"),
        pytest.param(["--profile", "atlantis"], "unknown profile", id="unknown-profile"),
        pytest.param(["--mmsi", "12ab"], "not an MMSI", id="bad-mmsi"),
        pytest.param(["--since", "yesterday"], "not a date/time", id="bad-since"),
        pytest.param(
            ["--since", "2024-03-02", "--until", "2024-03-01"], "is not before", id="since-after"
        ),
    ],
)
def test_user_errors_exit_2(
    sample: Path,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    args: list[str],
    message: str,
) -> None:
    assert main(["score", str(sample), "--out", str(tmp_path / "x"), "-q", *args]) == 2
    err = capsys.readouterr().err
    assert message in err and "Traceback" not in err


def test_bad_profile_file_names_key_and_file(
    sample: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    prof = tmp_path / "mine.toml"
    prof.write_text('[profile]\nextends = "default"\n[rules.encounter]\npoints = -5\n')
    code = main(["score", str(sample), "--out", str(tmp_path / "x"), "-q", "--profile", str(prof)])
    assert code == 2
    err = capsys.readouterr().err
    assert str(prof) in err and "rules.encounter.points" in err and "negative" in err


def test_missing_input_is_a_user_error(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["score", str(tmp_path / "nope.csv"), "--out", str(tmp_path / "o"), "-q"]) == 2
    assert "Traceback" not in capsys.readouterr().err


def test_ranked_table_is_printed(
    sample: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["score", str(sample), "--out", str(tmp_path / "t"), "--no-map", "--top", "3"]) == 0
    err = capsys.readouterr().err
    # the clean cargo ship ranks 4th: not printed; the hostile name prints as plain text
    assert "top 3 vessels by risk" in err and INJECTION in err and "CARGO" not in err
