"""VMS inputs (issue #18 point 1): vessels named by permit or registration numbers, not MMSIs.

A CONAPESCA-like export: latin-1 names with Ñ, day-first times, a flag column with NULL cells and
a text id per vessel. Each id gets a synthetic MMSI (outside the 30-bit AIS range), keeps its own
id in ``vessel_id`` in every output, and has no MMSI rules (no "invalid MMSI" points, no
non-ship-MID conflicts)."""

from __future__ import annotations

import json
import re
from datetime import datetime, timedelta
from pathlib import Path

import polars as pl
import pytest

from vessels import schema as S
from vessels.cli import main
from vessels.flags import SYNTHETIC_MMSI_MAX, SYNTHETIC_MMSI_MIN
from vessels.io import _vms, read_ais

HEADER = "Permiso,Nombre,Puerto Base,Fecha,Latitud,Longitud,Velocidad,Rumbo,Bandera\n"
COLUMNS = (
    "vessel_id=Permiso,name=Nombre,ts=Fecha,lat=Latitud,lon=Longitud,sog=Velocidad,"
    "cog=Rumbo,flag=Bandera"
)
#: id, name, home port, flag cell (NULL and "México" fall back to --flag)
VESSELS = [
    ("BCS-00231", "DOÑA MARÍA", "Peñasco", "MEX"),
    ("SON 0012", "EL NIÑO", "Guaymas", "NULL"),
    ("PER-0099", "SEÑOR DE LOS MARES", "San Felipe", "México"),
    ("1234", "GUATEMALTECO", "Champerico", "gtm"),
]


def vms_csv(path: Path, *, hours: int = 24, reverse: bool = False) -> Path:
    """Hourly fixes in the upper Gulf of California (the totoaba/vaquita AOI), one vessel per
    row of VESSELS."""
    t0 = datetime(2024, 3, 13)
    lines = []
    for k, (pid, name, port, flag) in enumerate(VESSELS):
        for i in range(hours):
            t = t0 + timedelta(hours=i)
            lat, lon = 31.0 + 0.02 * k + 0.002 * i, -114.45 + 0.002 * i
            speed = 2.5 if i % 3 else 8.0
            lines.append(
                f"{pid},{name},{port},{t:%d/%m/%Y %H:%M},{lat:.5f},{lon:.5f},{speed},{i * 7 % 360},"
                f"{flag}\n"
            )
    if reverse:
        lines.reverse()
    path.write_bytes((HEADER + "".join(lines)).encode("latin-1"))
    return path


@pytest.fixture(scope="module")
def run_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    src = vms_csv(tmp_path_factory.mktemp("vms") / "conapesca.csv")
    out = tmp_path_factory.mktemp("run") / "out"
    args = ["score", str(src), "--out", str(out), "--columns", COLUMNS, "--flag", "MEX"]
    assert main([*args, "--encoding", "latin-1", "-q", "--no-map"]) == 0
    return out


def test_vessels_keep_their_ids_names_and_flags(run_dir: Path) -> None:
    v = pl.read_parquet(run_dir / S.VESSELS_FILE).sort(S.VESSEL_ID)
    assert v.columns[:2] == [S.MMSI, S.VESSEL_ID]
    got = {r[S.VESSEL_ID]: (r[S.VESSEL_NAME], r[S.FLAG]) for r in v.iter_rows(named=True)}
    assert got == {
        "BCS-00231": ("DOÑA MARÍA", "MEX"),
        "SON 0012": ("EL NIÑO", "MEX"),  # NULL cell: --flag
        "PER-0099": ("SEÑOR DE LOS MARES", "MEX"),  # not an ISO3 code: --flag
        "1234": ("GUATEMALTECO", "GTM"),  # a number id is still an id, not an MMSI
    }
    assert v[S.MMSI].is_between(SYNTHETIC_MMSI_MIN, SYNTHETIC_MMSI_MAX).all()
    assert v[S.MMSI].n_unique() == 4
    assert v[S.MMSI_VALID].null_count() == 4  # not applicable, neither valid nor invalid


def test_no_mmsi_rules_apply(run_dir: Path) -> None:
    contrib = pl.read_parquet(run_dir / S.CONTRIBUTIONS_FILE)
    assert "invalid_mmsi" not in contrib[S.RULE_NAME].to_list()
    events = pl.read_parquet(run_dir / S.EVENTS_FILE)
    assert "identity_conflict" not in events[S.EVENT_TYPE].to_list()
    summary = json.loads((run_dir / S.SUMMARY_FILE).read_text())
    assert summary["accepted_rows"] == summary["input_rows"] == 4 * 24
    assert "vessel id" in " ".join(summary["warnings"])  # the sparse-reporting warning names ids


def test_every_output_names_the_vessel_id(run_dir: Path) -> None:
    v = pl.read_parquet(run_dir / S.VESSELS_FILE)
    ids = dict(zip(v[S.MMSI], v[S.VESSEL_ID], strict=True))
    for name in (
        S.EVENTS_FILE,
        S.CONTRIBUTIONS_FILE,
        S.VESSEL_DAYS_FILE,
        S.TRACKS_FILE,
        S.IDENTITY_HISTORY_FILE,
    ):
        frame = pl.read_parquet(run_dir / name)
        assert S.VESSEL_ID in frame.columns, name
        pairs = frame.select(S.MMSI, S.VESSEL_ID).unique().rows()
        assert all(ids[m] == vid for m, vid in pairs), name
        # the zone events, days, positions and identities exist (these vessels score 0 points)
        assert pairs or name == S.CONTRIBUTIONS_FILE, name
    csv = (run_dir / S.VESSELS_CSV_FILE).read_text(encoding="utf-8")
    assert "DOÑA MARÍA" in csv and "BCS-00231" in csv


def test_explain_finds_a_vessel_by_its_id(
    run_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["explain", "SON 0012", "--run", str(run_dir), "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["vessel"][S.VESSEL_ID] == "SON 0012"
    assert report["vessel"][S.VESSEL_NAME] == "EL NIÑO"
    assert report["track"]["positions"] == 24


def test_synthetic_mmsis_are_stable_across_runs_and_row_order(tmp_path: Path) -> None:
    a = read_ais(vms_csv(tmp_path / "a.csv"), columns=COLUMNS, encoding="latin-1")
    b = read_ais(vms_csv(tmp_path / "b.csv", reverse=True), columns=COLUMNS, encoding="latin-1")
    ids_a, ids_b = a.vessel_ids(), b.vessel_ids()
    assert ids_a is not None and ids_b is not None
    assert ids_a.equals(ids_b)
    assert dict(zip(ids_a[S.VESSEL_ID], ids_a[S.MMSI], strict=True)) == _vms.synthetic_mmsi(
        [v[0] for v in VESSELS]
    )


def test_hash_collisions_get_distinct_numbers(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(_vms, "_hash", lambda text: SYNTHETIC_MMSI_MAX)  # every id collides
    got = _vms.synthetic_mmsi(["b", "a", "c"])
    assert got == {"a": SYNTHETIC_MMSI_MAX, "b": SYNTHETIC_MMSI_MIN, "c": SYNTHETIC_MMSI_MIN + 1}


def test_ingest_positions_carry_the_id(tmp_path: Path) -> None:
    src = vms_csv(tmp_path / "v.csv", hours=3)
    out = tmp_path / "clean"
    args = ["ingest", str(src), "--out", str(out), "--columns", COLUMNS, "--encoding", "latin-1"]
    assert main([*args, "-q"]) == 0
    pos = pl.read_parquet(out / S.INGEST_POSITIONS_FILE)
    assert pos.height == 12 and pos[S.VESSEL_ID].null_count() == 0
    assert set(pos[S.VESSEL_ID]) == {v[0] for v in VESSELS}


def test_blank_ids_are_quarantined_not_invented(tmp_path: Path) -> None:
    src = tmp_path / "v.csv"
    src.write_text(
        HEADER + " ,X,P,13/03/2024 10:00,27.0,-111.6,2,10,MEX\n" + "A1,Y,P,13/03/2024"
        " 10:00,27.0,-111.6,2,10,MEX\n",
        encoding="utf-8",
    )
    ing = read_ais(src, columns=COLUMNS)
    s = ing.summary()
    assert s["accepted_rows"] == 1 and s["quarantined_rows"] == 1


@pytest.mark.parametrize(
    ("args", "message"),
    [
        pytest.param(["--flag", "MEX"], "--flag is for VMS inputs", id="flag-without-vms"),
        pytest.param(
            ["--columns", COLUMNS, "--flag", "Mexico"], "not an ISO 3166-1", id="flag-not-iso3"
        ),
        pytest.param(["--columns", COLUMNS + ",mmsi=Rumbo"], "not both", id="mmsi-and-vessel-id"),
    ],
)
def test_option_mistakes_exit_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], args: list[str], message: str
) -> None:
    src = vms_csv(tmp_path / "v.csv", hours=2)
    code = main(
        ["score", str(src), "--out", str(tmp_path / "o"), "-q", "--encoding", "latin-1", *args]
    )
    err = capsys.readouterr().err
    assert code == 2 and message in err and "Traceback" not in err


def test_latin1_without_encoding_fails_loudly_with_the_remedy(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    src = vms_csv(tmp_path / "v.csv", hours=2)
    code = main(["score", str(src), "--out", str(tmp_path / "o"), "-q", "--columns", COLUMNS])
    err = capsys.readouterr().err
    assert code == 2 and "invalid_utf8" in err and "--encoding latin-1" in err


def test_map_cards_name_vms_vessels_by_their_id(tmp_path: Path) -> None:
    """The map (cards, event cards, search) names a VMS vessel by its permit number, not by the
    synthetic MMSI that stands in for it internally."""
    src = vms_csv(tmp_path / "conapesca.csv")
    out = tmp_path / "out"
    args = ["score", str(src), "--out", str(out), "--columns", COLUMNS, "--flag", "MEX"]
    assert main([*args, "--encoding", "latin-1", "-q"]) == 0
    html = (out / "map.html").read_text(encoding="utf-8")
    vessels = pl.read_parquet(out / "vessels.parquet")
    synthetic = [str(m) for m in vessels[S.MMSI].to_list()]
    rows = re.findall(r'\{"l": ?"(MMSI|Vessel id)", ?"v": ?"([^"]*)"\}', html)
    assert ("Vessel id", "BCS-00231") in rows
    assert not [v for label, v in rows if label == "MMSI"], rows
    # no card row, title or tip shows a synthetic number as "MMSI <n>"
    assert not any(f"MMSI {m}" in html for m in synthetic)
