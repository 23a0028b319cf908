"""Paths with glob characters (``[``, ``]``, ``?``) are paths, not patterns.

polars expands every path it scans as a glob by default, and a ``[x]`` in a directory name is a
character class: ``scan_lines`` then reads *nothing*, silently (a whole input file scored as 0
rows), and the Parquet scans of the run's own staging files fail with a traceback. Users name
folders ``AIS [2024]`` or ``runs [test]``; every file the tool reads or writes by name is
read literally (``glob=False``), and the partitioned run's own ``*`` patterns escape the
rest of the path.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import polars as pl
import pytest

from vessels import read_ais
from vessels import schema as S
from vessels.cli import main as cli_main

SAMPLES = Path(__file__).resolve().parent.parent / "ais_samples"
CSVS = (S.EVENTS_CSV_FILE, S.VESSELS_CSV_FILE, S.CONTRIBUTIONS_CSV_FILE)
ODD = "AIS [2024] v?"


@pytest.fixture(scope="module")
def odd_dirs(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    root = tmp_path_factory.mktemp("globs")
    src = root / ODD
    src.mkdir()
    shutil.copy(SAMPLES / "gulf-of-california" / "ais.csv", src / "ais.csv")
    shutil.copy(SAMPLES / "gulf-of-california-nmea" / "ais.nmea", src / "ais.nmea")
    out = root / "runs [test]"
    out.mkdir()
    return src, out


@pytest.mark.parametrize("name", ["ais.csv", "ais.nmea"])
def test_reading_a_file_in_a_bracketed_folder_reads_every_row(odd_dirs, name):
    src, _ = odd_dirs
    plain = SAMPLES / ("gulf-of-california" if name.endswith("csv") else "gulf-of-california-nmea")
    got = read_ais(src / name).classified.collect()
    want = read_ais(plain / name).classified.collect()
    assert got.height == want.height > 1000
    assert got.drop(S.SOURCE_FILE).equals(want.drop(S.SOURCE_FILE))


@pytest.mark.parametrize("scheduler", [None, "out-of-core"])
def test_score_from_and_into_bracketed_folders_equals_plain_paths(odd_dirs, tmp_path, scheduler):
    src, out_root = odd_dirs
    extra = [] if scheduler is None else ["--scheduler", scheduler]
    odd_out = out_root / f"out {scheduler} [1]"
    common = ["--no-map", "-q", "--profile", "gulf-of-california", *extra]
    assert cli_main(["score", str(src / "ais.csv"), "--out", str(odd_out), *common]) == 0
    plain = tmp_path / "plain"
    csv = SAMPLES / "gulf-of-california" / "ais.csv"
    assert cli_main(["score", str(csv), "--out", str(plain), *common]) == 0
    summary = pl.read_json(odd_out / "summary.json")
    assert summary["input_rows"].item() > 1000
    for name in CSVS:
        assert (odd_out / name).read_bytes() == (plain / name).read_bytes(), name
    assert (plain / S.EVENTS_CSV_FILE).read_text().count("\n") > 1  # events were found


def test_map_and_explain_read_a_bracketed_run(odd_dirs, capsys):
    src, out_root = odd_dirs
    run = out_root / "mapped [2]"
    assert cli_main(["score", str(src / "ais.csv"), "--out", str(run), "--no-map", "-q"]) == 0
    assert cli_main(["map", str(run)]) == 0
    assert (run / S.MAP_FILE).stat().st_size > 10_000
    mmsi = pl.read_csv(run / S.VESSELS_CSV_FILE, glob=False)[S.MMSI][0]
    capsys.readouterr()
    assert cli_main(["explain", str(mmsi), "--run", str(run)]) == 0
    assert str(mmsi) in capsys.readouterr().out
