"""RFC 4180 quoting of the line-based CSV reader, checked against Python's csv module.

Properties (Hypothesis):

* any row of fields written by ``csv.writer`` (minimal or full quoting) is read back exactly,
  through the field splitter and through ``read_ais`` (text stored as received);
* on any single line, the splitter either agrees with ``csv.reader(strict=True)`` field for
  field, or flags the line (``_quotes_ok`` false) exactly when the csv module refuses it.
"""

from __future__ import annotations

import csv
import io
from pathlib import Path

import polars as pl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from vessels import schema as S
from vessels.io import read_ais
from vessels.io._csvcore import _split

# fields without line breaks (a physical line is a record in this reader)
FIELD = st.text(
    alphabet=st.sampled_from(list("ab ,\"\t=+-;'Ñ名"))
    | st.characters(blacklist_characters="\r\n", blacklist_categories=("Cs",)),
    max_size=8,
)
ROWS = st.lists(st.lists(FIELD, min_size=3, max_size=3), min_size=1, max_size=6)
SETTINGS = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def _split_lines(lines: list[str], n: int) -> pl.DataFrame:
    frame = pl.LazyFrame({"line": lines, "_line": list(range(1, len(lines) + 1))})
    return _split(frame, n, quotes=True).sort("_line").collect()


def _write(rows: list[list[str]], quoting: int) -> list[str]:
    buf = io.StringIO()
    csv.writer(buf, quoting=quoting, lineterminator="\n").writerows(rows)
    return buf.getvalue().split("\n")[:-1]


@pytest.mark.parametrize("quoting", [csv.QUOTE_MINIMAL, csv.QUOTE_ALL], ids=["minimal", "all"])
@SETTINGS
@given(rows=ROWS)
def test_rows_written_by_csv_module_read_back_exactly(quoting: int, rows: list[list[str]]) -> None:
    lines = _write(rows, quoting)
    # a row of three empty fields is written as ",," (fine) -- but csv writes [""] as '""'
    out = _split_lines(lines, 3)
    assert out["_quotes_ok"].all()
    assert out["_nfields"].to_list() == [3] * len(rows)
    got = [list(r) for r in out.select("f0", "f1", "f2").rows()]
    assert got == rows


LINE = st.text(alphabet=st.sampled_from(list('ab,"\t ')), min_size=1, max_size=14)


@SETTINGS
@given(line=LINE)
def test_any_line_agrees_with_csv_module_or_is_flagged(line: str) -> None:
    try:
        expected: list[str] | None = next(csv.reader([line], strict=True))
    except csv.Error:
        expected = None
    n = max(len(expected), 1) if expected is not None else 1
    out = _split_lines([line], n).row(0, named=True)
    if expected is None:
        assert not out["_quotes_ok"], f"{line!r} accepted, csv module refuses it"
        return
    if '"' in line:
        assert out["_quotes_ok"], f"{line!r} flagged, csv module reads {expected}"
    assert out["_nfields"] == len(expected)
    assert [out[f"f{i}"] for i in range(n)] == expected


@pytest.mark.parametrize(
    ("line", "fields"),
    [
        ('"""LEAD",x,y', ['"LEAD', "x", "y"]),
        ('"a,b",c,d', ["a,b", "c", "d"]),
        ('"","",""', ["", "", ""]),
        ('a""b,c,d', ['a""b', "c", "d"]),
        ('"say ""hi""",c,d', ['say "hi"', "c", "d"]),
        ('\t=1+1,"\t=1+1",x', ["\t=1+1", "\t=1+1", "x"]),
    ],
    ids=[
        "doubled-leading-quote",
        "comma-in-quotes",
        "empty-quoted",
        "quote-inside-unquoted",
        "escaped-quotes",
        "leading-tab",
    ],
)
def test_known_lines(line: str, fields: list[str]) -> None:
    assert next(csv.reader([line], strict=True)) == fields  # the reference agrees
    out = _split_lines([line], 3).row(0, named=True)
    assert out["_quotes_ok"] and out["_nfields"] == 3
    assert [out["f0"], out["f1"], out["f2"]] == fields


@pytest.mark.parametrize(
    "line",
    ['"UNTERM,x,y', 'a,"b"c,d', 'a,b,"', '"a"",b,c'],
    ids=["unterminated", "text-after-closing-quote", "lone-quote", "escaped-then-unterminated"],
)
def test_malformed_lines_flagged(line: str) -> None:
    with pytest.raises(csv.Error):
        next(csv.reader([line], strict=True))
    assert not _split_lines([line], 3).row(0, named=True)["_quotes_ok"]


HEADER = "MMSI,BaseDateTime,LAT,LON,SOG,COG,Heading,VesselName"


@SETTINGS
@given(
    names=st.lists(
        FIELD.filter(lambda s: s.strip().upper() not in ("", "NULL", "NA", "N/A")),
        min_size=1,
        max_size=5,
    )
)
def test_names_stored_as_received(
    tmp_path_factory: pytest.TempPathFactory, names: list[str]
) -> None:
    d = tmp_path_factory.mktemp("rfc")
    rows = [
        [
            "345070339",
            f"2024-06-01T00:{i:02d}:00",
            "31.0",
            str(-114.5 + i * 0.001),
            "5",
            "60",
            "511",
            name,
        ]
        for i, name in enumerate(names)
    ]
    buf = io.StringIO()
    csv.writer(buf, lineterminator="\n").writerows([HEADER.split(","), *rows])
    path = Path(d) / "ais.csv"
    path.write_text(buf.getvalue(), encoding="utf-8")
    ing = read_ais(path)
    got = ing.positions.sort(S.SOURCE_ROW).select(S.VESSEL_NAME).collect()[S.VESSEL_NAME]
    assert got.to_list() == names
    assert ing.summary()["quarantined_rows"] == 0
