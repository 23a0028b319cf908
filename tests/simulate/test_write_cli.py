"""Writers (files the readers accept, mess accounted for) and the two CLI commands."""

from __future__ import annotations

import json
from pathlib import Path

import polars as pl
import pytest

from vessels import schema as S
from vessels.cli import main
from vessels.simulation import write
from vessels.simulation._write import MC_HEADER

from .conftest import cached

COMPARED = [
    S.LAT,
    S.LON,
    S.SOG_KN,
    S.COG_DEG,
    S.HEADING_DEG,
    S.NAV_STATUS,
    S.VESSEL_NAME,
    S.CALLSIGN,
    S.IMO,
    S.SHIP_TYPE,
    S.LENGTH_M,
    S.WIDTH_M,
    S.AIS_CLASS,
    S.FLAG,
]


@pytest.fixture(scope="module")
def small():
    return cached("gulf-of-california", 0, 10)


def test_marinecadastre_file_layout_and_accounting(small, tmp_path: Path) -> None:
    write(small, tmp_path, format="marinecadastre")
    lines = (tmp_path / "ais.csv").read_text(encoding="utf-8").splitlines()
    assert lines[0] == MC_HEADER
    man = json.loads((tmp_path / "manifest.json").read_text())
    expected = (
        man["n_positions"]
        + man["duplicate_lines"]
        + man["corrupt_lines"]
        + man["unavailable_position_lines"]
    )
    assert len(lines) - 1 == expected
    assert man["duplicate_lines"] > 0 and man["swapped_pairs"] > 0
    assert any(",102.3," in x for x in lines) or any(",360.0," in x for x in lines)
    assert any(",91.0,181.0," in x for x in lines)


def test_files_are_deterministic(small, tmp_path: Path) -> None:
    for fmt, name in [("marinecadastre", "ais.csv"), ("nmea", "ais.nmea")]:
        write(small, tmp_path / "a", format=fmt)
        write(small, tmp_path / "b", format=fmt)
        assert (tmp_path / "a" / name).read_bytes() == (tmp_path / "b" / name).read_bytes()


def test_nmea_has_tag_blocks_and_multipart_static(small, tmp_path: Path) -> None:
    write(small, tmp_path, format="nmea")
    lines = (tmp_path / "ais.nmea").read_text().splitlines()
    assert all(x.startswith("\\s:") and "c:" in x for x in lines)
    assert any("!AIVDM,2,1," in x for x in lines) and any("!AIVDM,2,2," in x for x in lines)


def test_truth_files_agree(small, tmp_path: Path) -> None:
    write(small, tmp_path, format="parquet")
    t = pl.read_parquet(tmp_path / "truth.parquet")
    assert t.equals(small.truth)
    records = json.loads((tmp_path / "truth.json").read_text())
    assert [r["truth_id"] for r in records] == t["truth_id"].to_list()
    assert pl.read_parquet(tmp_path / "controls.parquet").equals(small.controls)
    assert pl.read_parquet(tmp_path / "ais.parquet").equals(small.positions)


@pytest.mark.parametrize(
    ("fmt", "name", "tol"),
    [
        ("marinecadastre", "ais.csv", 0.0),
        ("nmea", "ais.nmea", 2e-6),
        ("parquet", "ais.parquet", 0.0),
    ],
    ids=["marinecadastre", "nmea", "parquet"],
)
def test_reader_recovers_the_clean_positions(
    small, tmp_path: Path, fmt: str, name: str, tol: float
) -> None:
    import vessels.io as io

    write(small, tmp_path, format=fmt)
    ing = io.read_ais(tmp_path / name)
    got = ing.positions
    got = got.collect() if isinstance(got, pl.LazyFrame) else got
    exp = small.positions
    shared = small.vessels.filter(pl.col(S.MMSI).is_duplicated())[S.MMSI].implode()
    j = exp.join(got, on=[S.MMSI, S.TS], how="full", suffix="_r", coalesce=True)
    assert j.height == exp.height == got.height
    j = j.filter(~pl.col(S.MMSI).is_in(shared))  # one static record per MMSI in NMEA
    for c in COMPARED:
        a, b = pl.col(c), pl.col(f"{c}_r")
        if j.schema[c].is_float():
            bad = j.filter(((a - b).abs() > tol + 1e-9) | (a.is_null() != b.is_null()))
        else:
            bad = j.filter(a.cast(pl.String).ne_missing(b.cast(pl.String)))
        assert bad.height == 0, (c, bad.head(3))


# ---------------------------------------------------------------------------- CLI
def test_cli_simulate_then_evaluate(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "sim"
    assert (
        main(
            [
                "simulate",
                "--scenario",
                "pacific-eez",
                "--seed",
                "2",
                "--hours",
                "6",
                "--out",
                str(out),
                "-q",
            ]
        )
        == 0
    )
    assert (out / "ais.csv").exists() and (out / "truth.parquet").exists()
    truth = str(out / "truth.parquet")
    capsys.readouterr()
    assert main(["evaluate", "--truth", truth, "--events", truth, "--json"]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert doc["controls"] >= 1
    assert all(r["recall"] == 1.0 for r in doc["rows"])
    assert main(["evaluate", "--truth", truth, "--events", str(out / "truth.json")]) == 0


def test_cli_refuses_non_empty_out_without_overwrite(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "x.txt").write_text("keep me")
    args = ["simulate", "--scenario", "yucatan", "--hours", "2", "--out", str(tmp_path), "-q"]
    assert main(args) == 2
    assert "--overwrite" in capsys.readouterr().err
    assert main([*args, "--overwrite"]) == 0


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["simulate", "--scenario", "atlantis", "--out", "{tmp}/o"], "atlantis"),
        (["simulate", "--scenario", "yucatan", "--hours", "0", "--out", "{tmp}/o"], "hours"),
        (
            ["evaluate", "--truth", "{tmp}/missing.parquet", "--events", "{tmp}/e.parquet"],
            "not found",
        ),
        (
            ["evaluate", "--truth", "{tmp}/bad.parquet", "--events", "{tmp}/bad.parquet"],
            "missing column",
        ),
        (
            ["evaluate", "--truth", "{tmp}/x.txt", "--events", "{tmp}/bad.parquet"],
            "unknown extension",
        ),
    ],
    ids=["unknown-scenario", "zero-hours", "missing-truth", "wrong-schema", "bad-extension"],
)
def test_cli_user_errors_exit_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], args: list[str], message: str
) -> None:
    pl.DataFrame({"a": [1]}).write_parquet(tmp_path / "bad.parquet")
    (tmp_path / "x.txt").write_text("hello")
    code = main([a.replace("{tmp}", str(tmp_path)) for a in args])
    err = capsys.readouterr().err
    assert code == 2
    assert message in err
    assert "Traceback" not in err


def test_cli_nmea_with_background_vessels(tmp_path: Path) -> None:
    out = tmp_path / "n"
    args = [
        "simulate",
        "--scenario",
        "mixed",
        "--seed",
        "1",
        "--hours",
        "3",
        "--vessels",
        "80",
        "--format",
        "nmea",
        "--out",
        str(out),
        "-q",
    ]
    assert main(args) == 0
    man = json.loads((out / "manifest.json").read_text())
    assert man["n_vessels"] == 80 and man["n_background_vessels"] == 80 - 31
    assert (out / "ais.nmea").stat().st_size > 0


def test_evaluate_sample_with_a_real_detector_run() -> None:
    """The shipped sample, read and run through the detectors, scored in one call."""
    import vessels.pipeline as pipeline
    from vessels.simulation import evaluate_sample

    sample = Path(__file__).resolve().parents[2] / "ais_samples" / "pacific-eez"
    events = pipeline.run(sample / "ais.csv", map=False).events
    r = evaluate_sample(sample, events)
    assert set(r["event_type"]) >= {"eez_incursion", "fishing", "all"}
    # a sanity floor, not a quality bar (the lead sets those): the planted incursion is found
    assert r.filter(pl.col("event_type") == "eez_incursion")["recall"].item() == 1.0


def test_evaluate_prints_event_types_and_control_kinds_as_text(tmp_path: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    """Truth, events and controls are the user's files: their words are never markup."""
    from datetime import UTC, datetime

    t0 = datetime(2024, 1, 1, tzinfo=UTC)
    row = {S.MMSI: 1, S.START_TS: t0, S.END_TS: t0}
    truth = pl.DataFrame([{**row, S.EVENT_TYPE: "[red]planted[/red]", "truth_id": "t1"}])
    events = pl.DataFrame(
        [{**row, S.MMSI: 2, S.EVENT_TYPE: "[bold]found[/bold]", S.EVENT_ID: "e1"}]
    )
    controls = pl.DataFrame({S.MMSI: [2], "kind": ["[blink]harbour[/blink]"]})
    for df, name in ((truth, "truth"), (events, "events"), (controls, "controls")):
        df.write_parquet(tmp_path / f"{name}.parquet")
    code = main(
        [
            "evaluate",
            "--truth",
            str(tmp_path / "truth.parquet"),
            "--events",
            str(tmp_path / "events.parquet"),
        ]
    )
    assert code == 0
    out = capsys.readouterr().out
    for word in ("[red]planted[/red]", "[bold]found[/bold]", "[blink]harbour[/blink]"):
        assert word in out, out
