"""One pass over a text file's bytes answers the CSV reader's three questions (valid UTF-8,
a double quote, a carriage return) as the separate checks do."""

from __future__ import annotations

from pathlib import Path

import pytest

from vessels.io import _encoding
from vessels.io._csvcore import has_quote, plain_text
from vessels.io._paths import Source


@pytest.mark.parametrize("chunk", [4, 1 << 24])
@pytest.mark.parametrize(
    "data",
    [
        b"a,b\n1,2\n",
        b'a,b\n1,"x"\n',
        b"a,b\r\n1,2\r\n",
        b"a,b\n" + b"1,2\n" * 5 + b'3,"q"\r\n',  # both late, past the first chunks
        "a,b\n1,Ñ\n".encode(),  # not ASCII, valid
        b"a,b\n1,\xd1\n",  # not UTF-8
    ],
    ids=["plain", "quote", "crlf", "late", "utf8", "latin1"],
)
def test_one_pass_answers_as_the_separate_checks(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, data: bytes, chunk: int
) -> None:
    monkeypatch.setattr(_encoding, "_CHUNK", chunk)
    path = tmp_path / "f.csv"
    path.write_bytes(data)
    valid, quote, cr = _encoding._scan_utf8(path)
    try:
        data.decode("utf-8")
        assert valid
    except UnicodeDecodeError:
        assert not valid
        return
    assert quote == has_quote(path)
    assert cr == (b"\r" in data)
    assert plain_text(path, cr) == plain_text(path)
    src = _encoding.decode_source(Source(path, "f.csv"))
    assert (src.has_quote, src.has_cr) == (quote, cr)
