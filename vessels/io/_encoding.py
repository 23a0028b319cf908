"""Text encodings of input files: every text input reaches the parsers as valid UTF-8 (private).

polars reads text as UTF-8 and stops the whole query at the first invalid byte ("invalid utf8",
no line number). So before a text file is parsed:

* a file with a UTF-16 / UTF-32 byte-order mark is decoded with it (whatever was declared);
* a file in a declared single-byte encoding (``latin-1``, ``cp1252``... as Mexican VMS exports
  are) is decoded line by line into a temporary UTF-8 copy, so ``Ñ`` stays ``Ñ``;
* a file declared (or assumed) UTF-8 is validated in large chunks (no copy when it is valid, the
  usual case); when it is not, a temporary copy is written in which each line that is not valid
  UTF-8 is kept with its bad bytes escaped (``\\xd1``) and its line number is recorded, so the
  reader quarantines exactly those rows as :data:`vessels.schema.RULE_INVALID_UTF8` and every
  other row is read normally.

Lines are split at ``\\n`` exactly as :func:`polars.scan_lines` does, so line numbers agree.
"""

from __future__ import annotations

import codecs
import dataclasses
from pathlib import Path

from vessels.errors import UserError
from vessels.io._paths import Source, _tempdir

__all__ = ["DEFAULT_ENCODING", "check_encoding", "decode_source"]

DEFAULT_ENCODING = "utf-8"
_CHUNK = 1 << 24
_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)


def check_encoding(encoding: str | None) -> str:
    """The codec name of ``encoding`` (default UTF-8), or a UserError naming the option.

    Examples
    --------
    >>> check_encoding("latin-1"), check_encoding(None)
    ('iso8859-1', 'utf-8')
    >>> check_encoding("klingon")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    vessels.errors.UserError: --encoding 'klingon' is not a known text encoding (e.g. utf-8, ...)
    """
    if encoding is None:
        return DEFAULT_ENCODING
    try:
        return codecs.lookup(encoding).name
    except (LookupError, TypeError):
        raise UserError(
            f"--encoding {encoding!r} is not a known text encoding",
            hint="e.g. utf-8, latin-1, cp1252, utf-16",
        ) from None


def _bom_encoding(path: Path) -> str | None:
    with path.open("rb") as fh:
        head = fh.read(4)
    for bom, name in _BOMS:
        if head.startswith(bom):
            return name
    return None


def _scan_utf8(path: Path) -> tuple[bool, bool, bool]:
    """Whether the whole file is valid UTF-8, holds a double quote, holds a carriage return.

    One pass over the bytes (ASCII chunks are checked without decoding; each chunk is searched
    for the two bytes at memchr speed until they are found): the CSV reader asks all three,
    and three passes over a file of 10 M lines cost ~0.6 CPU s more than one. The quote and
    carriage-return answers are only complete when the file is valid UTF-8 (the pass stops at
    the first invalid byte).
    """
    dec = codecs.getincrementaldecoder("utf-8")()
    buf = bytearray(_CHUNK)
    view = memoryview(buf)
    quote = cr = False
    try:
        with path.open("rb", buffering=0) as fh:
            while n := fh.readinto(buf):
                quote = quote or buf.find(b'"', 0, n) >= 0
                cr = cr or buf.find(b"\r", 0, n) >= 0
                if n == _CHUNK and buf.isascii() and not dec.getstate()[0]:
                    continue
                dec.decode(view[:n], final=False)
            dec.decode(b"", final=True)
    except UnicodeDecodeError:
        return False, quote, cr
    return True, quote, cr


def _transcode_lines(src: Source, encoding: str) -> Source:
    """UTF-8 copy of an ASCII-compatible file, line by line; undecodable lines recorded."""
    dest = _tempdir() / src.path.name
    bad: list[int] = []
    with src.path.open("rb") as fin, dest.open("w", encoding="utf-8", newline="") as fout:
        for lineno, line in enumerate(fin, start=1):
            try:
                text = line.decode(encoding)
            except UnicodeDecodeError:
                bad.append(lineno)
                text = line.decode(encoding, errors="backslashreplace")
            fout.write(text)
    return dataclasses.replace(src, path=dest, invalid_lines=frozenset(bad))


def _transcode_stream(src: Source, encoding: str) -> Source:
    """UTF-8 copy of a UTF-16/32 file; lines holding undecodable units recorded."""
    dest = _tempdir() / src.path.name
    bad: list[int] = []
    with (
        src.path.open("r", encoding=encoding, errors="replace", newline="") as fin,
        dest.open("w", encoding="utf-8", newline="") as fout,
    ):
        for lineno, line in enumerate(fin, start=1):
            if "\ufffd" in line:
                bad.append(lineno)
            fout.write(line)
    return dataclasses.replace(src, path=dest, invalid_lines=frozenset(bad))


def decode_source(src: Source, encoding: str | None = None) -> Source:
    """``src`` itself when it is valid UTF-8 text, else a UTF-8 copy (see the module doc)."""
    codec = check_encoding(encoding)
    bom = _bom_encoding(src.path)
    if bom is not None:
        return _transcode_stream(src, bom)
    if codec in ("utf-16", "utf-16-le", "utf-16-be", "utf-32", "utf-32-le", "utf-32-be"):
        return _transcode_stream(src, codec)
    if codec == "utf-8":
        valid, quote, cr = _scan_utf8(src.path)
        if not valid:
            return _transcode_lines(src, "utf-8")
        return dataclasses.replace(src, has_quote=quote, has_cr=cr)
    return _transcode_lines(src, codec)
