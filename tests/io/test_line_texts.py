"""``_line_texts``: the quarantined lines of a fast-path CSV file read by line number, as
polars' line reader splits them."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import polars as pl
import pytest

from vessels.io import _read


def _polars_lines(path: Path, numbers: list[int]) -> list[str]:
    lines = (
        pl.scan_lines(path, name="line", row_index_name="_line", row_index_offset=1, glob=False)
        .filter(pl.col("_line").is_in(numbers))
        .collect()
    )
    return lines.sort("_line")["line"].to_list()


@pytest.mark.parametrize("block", [1, 3, 7, 1 << 24])
@pytest.mark.parametrize(
    "text",
    [
        "h,a\n1,x\n\n2,y\n3,zz\n",  # a blank line, a final line feed
        "h,a\n1,x\n2,y\n3,last",  # no final line feed
        "only one line",
        "\n\n\n",
        "h\n" + "".join(f"{i},{'é' * (i % 5)}\n" for i in range(200)),  # UTF-8, many blocks
    ],
    ids=["blank-line", "no-final-feed", "one-line", "blank-lines-only", "many"],
)
def test_same_lines_as_polars(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, text: str, block: int
) -> None:
    monkeypatch.setattr(_read, "_LINE_BLOCK_BYTES", block)
    path = tmp_path / "f.csv"
    path.write_bytes(text.encode())
    n = pl.scan_lines(path, name="line", glob=False).select(pl.len()).collect().item()
    for numbers in ([1], list(range(1, n + 1)), list(range(1, n + 1, 2)), [n]):
        got = _read._line_texts(path, np.array(numbers, dtype=np.uint32))
        assert got == _polars_lines(path, numbers), numbers


def test_lines_it_cannot_give(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """None (polars' reader is used instead) for a line past the end, for text that is not
    UTF-8, and for many lines."""
    path = tmp_path / "f.csv"
    path.write_bytes(b"h,a\n1,x\n2,\xff\n")
    assert _read._line_texts(path, np.array([4])) is None  # after the final line feed
    assert _read._line_texts(path, np.array([9])) is None
    assert _read._line_texts(path, np.array([3])) is None  # not UTF-8
    assert _read._line_texts(path, np.array([2])) == ["1,x"]
    monkeypatch.setattr(_read, "_FEW_LINES", 1)
    assert _read._line_texts(path, np.array([1, 2])) is None
