"""The score's scratch positions file (Arrow IPC) and the columns the sorted rows get after the
sort (``source_file`` from the file number, ``flag`` and ``mmsi_valid`` per vessel): the same
content as the Parquet file and as the per-row computation."""

from __future__ import annotations

from pathlib import Path

import polars as pl
import pytest

from vessels import schema as S
from vessels.ingestion import ingest, scan_positions
from vessels.io import FILE_NO, read_ais

SAMPLE = Path(__file__).resolve().parents[1] / "ais_samples" / "gulf-of-california" / "ais.csv"


def _two_files(tmp_path: Path) -> list[Path]:
    """Two CSV files of the sample with duplicates within and across them, and MMSIs with no
    known flag (a 9-digit MMSI of MID 100) and known fakes (flag but not valid)."""
    lines = SAMPLE.read_text().splitlines()
    header, body = lines[0], lines[1:2_001]

    def odd(line: str, i: int) -> str:
        fields = line.split(",")
        fields[0] = "100000001" if i % 2 else "111111111"
        return ",".join(fields)

    strange = [odd(line, i) for i, line in enumerate(body[::40])]
    a, b = tmp_path / "a.csv", tmp_path / "b.csv"
    a.write_text("\n".join([header, *body, *body[::97], *strange]) + "\n")
    b.write_text("\n".join([header, *body[::13], *strange[::3]]) + "\n")
    return [a, b]


@pytest.mark.parametrize("partition_rows", [None, 700])
def test_arrow_positions_have_the_parquet_content(tmp_path: Path, partition_rows: int) -> None:
    """``file_format="arrow"`` writes the same frame as Parquet, in one range or in several
    MMSI ranges streamed into one file; :func:`scan_positions` reads either."""
    files = _two_files(tmp_path)
    pq = ingest(files, tmp_path / "p.parquet", partition_rows=partition_rows)
    ipc = ingest(files, tmp_path / "p.arrow", partition_rows=partition_rows, file_format="arrow")
    assert (tmp_path / "p.arrow").read_bytes()[:6] == b"ARROW1"
    assert (tmp_path / "p.parquet").read_bytes()[:4] == b"PAR1"
    want = pl.read_parquet(pq.positions)
    got = scan_positions(ipc.positions).collect()
    assert want.height > 2_000
    assert got.equals(want)
    assert scan_positions(pq.positions).collect().equals(want)
    assert ipc.summary == pq.summary
    assert ipc.quarantine.equals(pq.quarantine)
    assert ipc.identity_history is not None and pq.identity_history is not None
    assert ipc.identity_history.equals(pq.identity_history)


def test_file_format_is_checked(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="file_format must be one of"):
        ingest(SAMPLE, tmp_path / "x.parquet", file_format="csv")  # type: ignore[arg-type]


def test_sorted_rows_get_file_names_and_flags_as_every_row_would(tmp_path: Path) -> None:
    """``source_file``, ``flag`` and ``mmsi_valid`` added after the sort equal the per-row
    values (:meth:`accepted_with_file_no`), renamed files included, for MMSIs with and
    without a known flag."""
    ing = read_ais(_two_files(tmp_path)).materialize(tmp_path / "c.parquet")
    assert set(ing._derived_after_sort()) == {S.SOURCE_FILE, S.FLAG, S.MMSI_VALID}
    expected = ing.accepted_with_file_no().collect().sort(S.MMSI, S.TS, FILE_NO, S.SOURCE_ROW)
    got = ing.sorted_accepted()
    assert got.equals(expected)
    assert got[S.FLAG].null_count() > 0 and got[S.FLAG].null_count() < got.height
    assert not got.filter(pl.col(S.MMSI) == 111111111)[S.MMSI_VALID].any()
    assert got[S.MMSI_VALID].any()
    short = {str(tmp_path / "a.csv"): "0", str(tmp_path / "b.csv"): "1"}
    renamed = ing.sorted_accepted(short)
    assert renamed[S.SOURCE_FILE].to_list() == got[S.SOURCE_FILE].replace_strict(short).to_list()


def test_parquet_inputs_keep_their_own_provenance(tmp_path: Path) -> None:
    """Rows of a Parquet input may name another file in ``source_file`` (vessels' own
    positions read back): those names are kept, not replaced by the input's name."""
    first = ingest(SAMPLE, tmp_path / "first.parquet")
    again = tmp_path / "again.parquet"
    pl.read_parquet(first.positions).write_parquet(again)
    ing = read_ais(again).materialize(tmp_path / "c.parquet")
    assert S.SOURCE_FILE not in ing._derived_after_sort()
    got = ing.sorted_accepted()
    assert set(got[S.SOURCE_FILE].unique().to_list()) == {str(SAMPLE)}
    res = ingest(again, tmp_path / "second.arrow", file_format="arrow")
    positions = scan_positions(res.positions).collect()
    assert positions[S.SOURCE_FILE].unique().to_list() == [str(SAMPLE)]
    assert positions.select(list(S.POSITION_SCHEMA)).equals(
        pl.read_parquet(first.positions).select(list(S.POSITION_SCHEMA))
    )
