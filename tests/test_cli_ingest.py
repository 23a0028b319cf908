"""``vessels ingest`` through ``main([...])``: outputs, exit codes and user-error messages."""

from __future__ import annotations

import json
from pathlib import Path

import polars as pl
import pytest

from vessels import schema as S
from vessels.cli import main

DATA = Path(__file__).resolve().parent / "data"


def test_ingest_writes_outputs_and_balanced_summary(tmp_path: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    out = tmp_path / "out"
    code = main(["ingest", str(DATA / "mc_2015.csv"), str(DATA / "sample.nmea"), "--out", str(out)])
    assert code == 0
    positions = pl.read_parquet(out / "positions.parquet")
    quarantine = pl.read_parquet(out / "quarantine.parquet")
    summary = json.loads((out / "summary.json").read_text())
    S.validate(positions, S.POSITION_SCHEMA, what="positions.parquet")
    if summary["segmented"]:
        S.validate(positions, S.SEGMENT_DERIVED_SCHEMA, what="positions.parquet")
    S.validate(quarantine, S.QUARANTINE_SCHEMA, what="quarantine.parquet")
    # sample.nmea: 7 (line 10's time is reconstructed from its neighbours' tag blocks)
    assert positions.height == summary["accepted_rows"] == 6 + 7
    assert summary[S.IDENTITY_ROWS] == 2  # the two NMEA static reports
    assert quarantine.height == summary["quarantined_rows"]
    assert summary["balanced"]
    for key in ("input_rows", "accepted_rows", "quarantined_rows", "duplicate_rows"):
        assert key in summary
    assert set(summary["per_file"]) == {str(DATA / "mc_2015.csv"), str(DATA / "sample.nmea")}
    assert sum(summary["per_rule"].values()) == summary["quarantined_rows"]
    err = capsys.readouterr().err
    assert "accepted" in err and "written to" in err


def test_json_and_quiet(tmp_path: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    code = main(["ingest", str(DATA / "dma.csv"), "--out", str(tmp_path / "o"), "--json"])
    assert code == 0
    captured = capsys.readouterr()
    data = json.loads(captured.out)
    assert data["accepted_rows"] == 2 and data["per_rule"]["non_vessel_dma_aton"] == 1
    assert captured.err == ""
    code = main(["ingest", str(DATA / "dma.csv"), "--out", str(tmp_path / "q"), "--quiet"])
    assert code == 0
    captured = capsys.readouterr()
    assert captured.out == "" and captured.err == ""


def test_filters_and_mapping_options(tmp_path: Path) -> None:
    out = tmp_path / "g"
    code = main(
        [
            "ingest",
            str(DATA / "generic.csv"),
            "--format",
            "csv",
            "--columns",
            "mmsi=ShipId,ts=time,lat=y,lon=x",
            "--mmsi",
            "345070339",
            "--bbox=-115,30,-114,32",
            "--since",
            "2024-06-01T00:00:30",
            "--out",
            str(out),
            "--quiet",
        ]
    )
    assert code == 0
    summary = json.loads((out / "summary.json").read_text())
    assert (summary["accepted_rows"], summary["filtered_rows"]) == (1, 2)


def test_help_has_examples(capsys) -> None:  # type: ignore[no-untyped-def]
    assert main(["ingest", "--help"]) == 0
    text = capsys.readouterr().out
    assert "Examples" in text and "--columns" in text and "--overwrite" in text


def _gz_garbage(tmp: Path) -> str:
    p = tmp / "broken.csv.gz"
    p.write_bytes(b"\x1f\x8b\x08\x00 not gzip at all")
    return str(p)


@pytest.mark.parametrize(
    ("args", "needles"),
    [
        pytest.param(
            lambda t: [str(t / "missing.csv")], ["missing.csv", "file not found"], id="missing-file"
        ),
        pytest.param(
            lambda t: [str(DATA / "mc_2015.csv"), "--format", "excel"],
            ["--format", "excel"],
            id="unknown-format",
        ),
        pytest.param(
            lambda t: [str(DATA / "generic.csv")],
            ["generic.csv", "line 1", "BaseDateTime", "--columns"],
            id="header-matches-no-layout",
        ),
        pytest.param(
            lambda t: [_gz_garbage(t)], ["broken.csv.gz", "cannot decompress"], id="bad-compression"
        ),
        pytest.param(
            lambda t: [str(DATA / "generic.csv"), "--columns", "mmsi=ShipId,ts=time"],
            ["--columns", "lat", "lon"],
            id="mapping-incomplete",
        ),
        pytest.param(
            lambda t: [str(DATA / "generic.csv"), "--columns", "mmsi=ShipId,ts=time,lat=y,lon=X9"],
            ["generic.csv", "X9", "header has"],
            id="mapping-unknown-header",
        ),
        pytest.param(
            lambda t: [str(DATA / "generic.csv"), "--columns", "boat=ShipId"],
            ["--columns", "unknown column 'boat'"],
            id="mapping-unknown-name",
        ),
        pytest.param(
            lambda t: [str(DATA / "mc_2015.csv"), "--bbox", "1,2,3"], ["--bbox"], id="bad-bbox"
        ),
        pytest.param(
            lambda t: [str(DATA / "mc_2015.csv"), "--since", "yesterday"],
            ["--since", "ISO 8601"],
            id="bad-since",
        ),
    ],
)
def test_user_errors_exit_2_without_traceback(tmp_path: Path, capsys, args, needles) -> None:  # type: ignore[no-untyped-def]
    code = main(["ingest", *args(tmp_path), "--out", str(tmp_path / "out")])
    assert code == 2
    err = capsys.readouterr().err
    for needle in needles:
        assert needle in err
    assert "Traceback" not in err


def test_output_not_writable(tmp_path: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    blocker = tmp_path / "file"
    blocker.write_text("x")
    assert main(["ingest", str(DATA / "dma.csv"), "--out", str(blocker / "sub")]) == 2
    assert "not writable" in capsys.readouterr().err
    assert main(["ingest", str(DATA / "dma.csv"), "--out", str(blocker)]) == 2
    assert "is a file" in capsys.readouterr().err  # click checks the path type


def test_existing_output_needs_overwrite(tmp_path: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    out = tmp_path / "o"
    assert main(["ingest", str(DATA / "dma.csv"), "--out", str(out), "-q"]) == 0
    assert main(["ingest", str(DATA / "dma.csv"), "--out", str(out), "-q"]) == 2
    assert "--overwrite" in capsys.readouterr().err
    assert main(["ingest", str(DATA / "dma.csv"), "--out", str(out), "-q", "--overwrite"]) == 0
    assert sorted(p.name for p in out.iterdir()) == [
        "identity_history.parquet",
        "positions.parquet",
        "quarantine.parquet",
        "summary.json",
    ]


@pytest.mark.parametrize("segment", [True, False], ids=["segmented", "no-segment"])
def test_cli_positions_match_the_lazy_api(tmp_path: Path, segment: bool) -> None:
    """The CLI's two-pass duplicate removal gives the same rows as read_ais().positions."""
    from vessels.io import read_ais

    files = [DATA / "mc_2015.csv", DATA / "mc_variant.csv", DATA / "sample.nmea"]
    args = ["ingest", *map(str, files), "--out", str(tmp_path / "o"), "-q"]
    assert main(args if segment else [*args, "--no-segment"]) == 0
    written = pl.read_parquet(tmp_path / "o" / "positions.parquet")
    expected = read_ais(files).positions.collect()
    keys = [S.SOURCE_FILE, S.SOURCE_ROW]
    got = written.select(*S.POSITION_SCHEMA, S.TS_SOURCE).sort(keys)
    assert got.equals(expected.sort(keys))
    if not segment:
        assert written.columns == [*S.POSITION_SCHEMA, S.TS_SOURCE]
        assert written.select(S.MMSI, S.TS).equals(written.select(S.MMSI, S.TS).sort(S.MMSI, S.TS))


def test_cli_removes_duplicates_exactly(tmp_path: Path) -> None:
    src = (DATA / "mc_2024.csv").read_text().splitlines()
    # two exact copies of row 2, and a near-copy (different SOG) that must be kept
    near = src[1].replace(",4.0,", ",4.1,", 1)
    (tmp_path / "d.csv").write_text(
        "\n".join([src[0], src[1], src[2], src[1], src[1], near]) + "\n"
    )
    assert main(["ingest", str(tmp_path / "d.csv"), "--out", str(tmp_path / "o"), "-q"]) == 0
    summary = json.loads((tmp_path / "o" / "summary.json").read_text())
    assert (summary["accepted_rows"], summary["duplicate_rows"]) == (3, 2)
    written = pl.read_parquet(tmp_path / "o" / "positions.parquet")
    assert sorted(written[S.SOURCE_ROW].to_list()) == [2, 3, 6]


@pytest.mark.parametrize(
    ("rows", "extra"),
    [(7, []), (500, []), (4_000, []), (500, ["--no-segment"])],
    ids=["7-row-parts", "500-row-parts", "4000-row-parts", "no-segment"],
)
def test_partitioned_ingest_matches_one_pass(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, rows: int, extra: list[str]
) -> None:
    """Cleaning in MMSI ranges (VESSELS_INGEST_PARTITION_ROWS) writes exactly the one-pass output.

    Exact duplicates are planted within and across files, so duplicate removal must still see
    every copy of a row whatever range its MMSI falls in.
    """
    sample = Path(__file__).resolve().parents[1] / "ais_samples" / "gulf-of-california" / "ais.csv"
    lines = sample.read_text().splitlines()
    header, body = lines[0], lines[1:4_001]
    (tmp_path / "a.csv").write_text("\n".join([header, *body, *body[::97]]) + "\n")
    (tmp_path / "b.csv").write_text("\n".join([header, *body[::13]]) + "\n")
    files = [str(tmp_path / "a.csv"), str(tmp_path / "b.csv"), str(DATA / "mc_2015.csv")]
    one = tmp_path / "one"
    assert main(["ingest", *files, "--out", str(one), "-q", *extra]) == 0
    monkeypatch.setenv("VESSELS_INGEST_PARTITION_ROWS", str(rows))
    parts = tmp_path / "parts"
    assert main(["ingest", *files, "--out", str(parts), "-q", *extra]) == 0
    for name in ("positions.parquet", "quarantine.parquet"):
        assert pl.read_parquet(parts / name).equals(pl.read_parquet(one / name)), name
    s1, s2 = (json.loads((d / "summary.json").read_text()) for d in (one, parts))
    for s in (s1, s2):
        s.pop("wall_s")
        s.pop("outputs")
    assert s1 == s2
    assert s1["duplicate_rows"] > 0
    assert pl.read_parquet(one / "positions.parquet")[S.MMSI].n_unique() > 10


def test_partition_rows_env_must_be_a_positive_number(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("VESSELS_INGEST_PARTITION_ROWS", "lots")
    assert main(["ingest", str(DATA / "mc_2015.csv"), "--out", str(tmp_path / "o"), "-q"]) == 2
    assert "VESSELS_INGEST_PARTITION_ROWS" in capsys.readouterr().err


def test_file_names_are_text_not_rich_markup(tmp_path: Path, capsys, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    """A file name holding ``[...]`` is printed as it is, not read as rich styling."""
    monkeypatch.setenv("COLUMNS", "400")  # one line per row: the name is never folded
    name = "[red]x [bold]b.csv"  # no "/" in a file name; rich would eat both tags
    src = tmp_path / name
    src.write_bytes((DATA / "dma.csv").read_bytes())
    assert main(["ingest", str(src), "--out", str(tmp_path / "out")]) == 0
    err = capsys.readouterr().err
    assert name in err, err


@pytest.mark.parametrize("rows", [None, 500], ids=["one-pass", "500-row-parts"])
def test_positions_compression_changes_the_file_not_its_content(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, rows: int | None
) -> None:
    """``ingest(compression=...)``: zstd, lz4 and uncompressed files hold the same positions."""
    import pyarrow.parquet as pq

    from vessels.ingestion import ingest

    if rows is not None:
        monkeypatch.setenv("VESSELS_INGEST_PARTITION_ROWS", str(rows))
    sample = Path(__file__).resolve().parents[1] / "ais_samples" / "gulf-of-california" / "ais.csv"
    frames, codecs = [], []
    for compression in ("zstd", "lz4", "uncompressed"):
        res = ingest(sample, tmp_path / f"{compression}.parquet", compression=compression)
        frames.append(pl.read_parquet(res.positions))
        codecs.append(pq.ParquetFile(res.positions).metadata.row_group(0).column(0).compression)
    assert frames[0].height > 1_000
    assert frames[0].equals(frames[1]) and frames[0].equals(frames[2])
    assert codecs == ["ZSTD", "LZ4", "UNCOMPRESSED"]
    with pytest.raises(ValueError, match="compression must be one of"):
        ingest(sample, tmp_path / "x.parquet", compression="gzip")  # type: ignore[arg-type]


@pytest.mark.parametrize("order", ["as-read", "sorted-by-vessel"])
def test_sorted_accepted_is_the_deduplicated_rows_in_vessel_order(
    tmp_path: Path, order: str
) -> None:
    """``Ingested.sorted_accepted`` (one sort finds the duplicates and orders the rows) keeps
    exactly the rows :meth:`accepted_with_file_no` keeps, sorted by (mmsi, ts, file, row):
    duplicates planted within and across files, and rows sharing (mmsi, ts) that differ."""
    from vessels.io import FILE_NO, read_ais

    sample = Path(__file__).resolve().parents[1] / "ais_samples" / "gulf-of-california" / "ais.csv"
    lines = sample.read_text().splitlines()
    header, body = lines[0], lines[1:3_001]
    if order == "sorted-by-vessel":  # an export already in (mmsi, ts) order: no sort needed
        body = sorted(body, key=lambda line: (int(line.split(",")[0]), line.split(",")[1]))

    # same vessel and time, another position: not a duplicate, a tie kept in input order
    def moved(line: str, i: int) -> str:  # the latitude with one more digit: ~1e-6 degrees away
        fields = line.split(",")
        fields[2] += "1" if "." in fields[2] else ".01"
        if i % 100 == 0:  # and every other one without identity fields: not an identity report
            fields[7:11] = ["", "", "", ""]
        return ",".join(fields)

    twin = [moved(line, i) if i % 50 == 0 else line for i, line in enumerate(body)]
    (tmp_path / "a.csv").write_text("\n".join([header, *body, *body[::97]]) + "\n")
    (tmp_path / "b.csv").write_text("\n".join([header, *body[::13], *twin[::50]]) + "\n")
    ing = read_ais([tmp_path / "a.csv", tmp_path / "b.csv"]).materialize(tmp_path / "c.parquet")
    expected = ing.accepted_with_file_no().collect().sort(S.MMSI, S.TS, FILE_NO, S.SOURCE_ROW)
    got = ing.sorted_accepted()
    assert got.equals(expected)
    assert got.height < sum(1 for _ in ing.classified.collect().iter_rows())  # some dropped
    renamed = ing.sorted_accepted({str(tmp_path / n): n[0] for n in ("a.csv", "b.csv")})
    assert sorted(renamed[S.SOURCE_FILE].unique().to_list()) == ["a", "b"]
    assert renamed.drop(S.SOURCE_FILE).equals(got.drop(S.SOURCE_FILE))
    ties = got.filter(pl.struct(S.MMSI, S.TS).is_duplicated())
    assert ties.height >= 2 * 50  # the moved twins stay, next to their originals
    # the identity periods found in the same sort are identity_history()'s
    again, periods = ing.sorted_accepted_and_identity()
    assert again.equals(got) and periods is not None
    assert periods.equals(ing.identity_history().collect())
    assert periods.height > periods[S.MMSI].n_unique()  # some vessels change identity
