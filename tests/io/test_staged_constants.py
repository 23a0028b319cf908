"""The fast CSV path's staged file holds neither its constant columns nor row ids: read back,
the classified rows are the ones the reader classified, column for column."""

from __future__ import annotations

from pathlib import Path

import polars as pl
import pyarrow.parquet as pq

from vessels import schema as S
from vessels.io import read_ais
from vessels.io._read import ROW_ID, SHORT_SUSPECT

SAMPLE = Path(__file__).resolve().parents[2] / "ais_samples" / "gulf-of-california" / "ais.csv"


def test_read_back_equals_the_classified_rows(tmp_path: Path) -> None:
    lines = SAMPLE.read_text().splitlines()
    header, body = lines[0], lines[1:1_501]

    def out_of_range(line: str) -> str:  # latitude 95: quarantined, read by the fast path
        fields = line.split(",")
        fields[2] = "95.0"
        return ",".join(fields)

    bad = [out_of_range(line) if i % 7 == 0 else line for i, line in enumerate(body)]
    (tmp_path / "a.csv").write_text("\n".join([header, *body]) + "\n")
    (tmp_path / "b.csv").write_text("\n".join([header, *bad[:300]]) + "\n")
    ing = read_ais([tmp_path / "a.csv", tmp_path / "b.csv"])
    assert ing._parts is not None
    parts = [fast for _, fast in ing._parts]
    assert all(p is not None for p in parts)
    expected = pl.concat(
        [
            p.classified.with_row_index(ROW_ID, offset=offset).drop(SHORT_SUSPECT).collect()
            for p, offset in zip(parts, (0, 1_500), strict=True)
            if p is not None
        ]
    )
    materialized = ing.materialize(tmp_path / "c.parquet")
    got = materialized.classified.collect()
    assert got.equals(expected)
    assert got[S.RULE].null_count() < got.height  # some rows quarantined
    assert got[S.SOURCE_FILE].n_unique() == 2
    written = pq.read_schema(tmp_path / "c_0.parquet").names
    for column in (ROW_ID, S.SOURCE_FILE, S.TS_SOURCE, S.FLAG, S.VESSEL_ID, S.MMSI_VALID):
        assert column not in written
    assert S.MMSI in written and S.SOURCE_ROW in written
