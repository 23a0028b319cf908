"""Resolving input paths (files, globs, directories) and decompressing archives (private)."""

from __future__ import annotations

import atexit
import functools
import glob as globmod
import gzip
import shutil
import tempfile
import zipfile
import zlib
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from vessels.errors import FormatError, UserError

__all__ = ["Source", "expand_paths", "open_sources"]

#: Extensions of files a directory scan picks up.
AIS_SUFFIXES = (
    ".csv",
    ".txt",
    ".nmea",
    ".log",
    ".ais",
    ".parquet",
    ".geoparquet",
    ".traj",
    ".zip",
    ".gz",
    ".zst",
    ".gpkg",
    ".shp",
    ".geojson",
    ".fgb",
)

#: The input name that means standard input.
STDIN = "-"

_TEMP_DIRS: list[tempfile.TemporaryDirectory[str]] = []


def _cleanup() -> None:  # pragma: no cover - interpreter exit
    for d in _TEMP_DIRS:
        d.cleanup()


atexit.register(_cleanup)


@dataclass(frozen=True)
class Source:
    """One readable (decompressed) file and the name it is reported under."""

    path: Path  #: the file polars reads (a temporary file for compressed input)
    name: str  #: the user-facing name (``archive.zip!member.csv`` for zip members)
    #: 1-based lines that are not valid text in the file's encoding (see ``_encoding``)
    invalid_lines: frozenset[int] = frozenset()
    #: whether the file holds a double quote / a carriage return, when the UTF-8 check of
    #: ``_encoding`` already read every byte (None: not looked at)
    has_quote: bool | None = None
    has_cr: bool | None = None


def expand_paths(paths: str | Path | Iterable[str | Path]) -> list[Path]:
    """Files named by a path, a glob, a directory, or a list of them (sorted, deduplicated)."""
    items: list[str | Path] = [paths] if isinstance(paths, str | Path) else list(paths)
    if not items:
        raise UserError("no input files given", hint="pass at least one AIS file")
    out: list[Path] = []
    for item in items:
        text = str(item)
        p = Path(item)
        if text == STDIN:
            out.append(Path(STDIN))
        elif p.is_dir():
            found = sorted(
                f for f in p.rglob("*") if f.is_file() and f.name.lower().endswith(AIS_SUFFIXES)
            )
            if not found:
                raise UserError(
                    f"{p}: directory holds no AIS files",
                    hint=f"expected files ending in {', '.join(AIS_SUFFIXES)}",
                )
            out.extend(found)
        elif p.is_file():
            out.append(p)
        elif any(ch in text for ch in "*?["):
            found = sorted(Path(f) for f in globmod.glob(text, recursive=True) if Path(f).is_file())
            if not found:
                raise UserError(f"{text}: no file matches this pattern", hint="check the glob")
            out.extend(found)
        else:
            raise UserError(f"{text}: file not found", hint="check the path")
    seen: set[Path] = set()
    unique = []
    for f in out:
        if f not in seen:
            seen.add(f)
            unique.append(f)
    return unique


def _tempdir() -> Path:
    d = tempfile.TemporaryDirectory(prefix="vessels-ingest-")
    _TEMP_DIRS.append(d)
    return Path(d.name)


def _copy_stream(src_open: Callable[[], Any], dest: Path, name: str, kind: str) -> None:
    try:
        with src_open() as fin, dest.open("wb") as fout:
            shutil.copyfileobj(fin, fout, length=1 << 22)
    except (OSError, EOFError, zipfile.BadZipFile, zlib.error) as exc:
        raise FormatError(
            f"{name}: cannot decompress this {kind} file ({exc})",
            hint="check that the file is complete, or decompress it yourself",
        ) from None
    except Exception as exc:  # zstandard raises its own ZstdError
        if type(exc).__name__ == "ZstdError":
            raise FormatError(
                f"{name}: cannot decompress this zstd file ({exc})",
                hint="check that the file is complete, or decompress it yourself",
            ) from None
        raise


def open_sources(path: Path) -> list[Source]:
    """Readable files for one input: itself, or its decompressed content in a temp directory."""
    name = str(path)
    low = path.name.lower()
    if name == STDIN:
        dest = _tempdir() / "stdin"
        _copy_stream(lambda: _StdinBytes(), dest, "<stdin>", "standard input")
        return [_maybe_layer(Source(dest, "<stdin>"))]
    if low.endswith(".zip"):
        try:
            zf = zipfile.ZipFile(path)
        except (zipfile.BadZipFile, OSError) as exc:
            raise FormatError(
                f"{name}: cannot open this zip file ({exc})", hint="check the file is complete"
            ) from None
        with zf:
            members = [m for m in zf.infolist() if not m.is_dir()]
            if not members:
                raise FormatError(f"{name}: zip archive is empty")
            tmp = _tempdir()
            out = []
            for i, m in enumerate(members):
                dest = tmp / f"{i}_{Path(m.filename).name}"
                _copy_stream(functools.partial(zf.open, m), dest, name, "zip")
                out.append(_maybe_layer(Source(dest, f"{name}!{m.filename}")))
            return out
    if low.endswith(".gz"):
        dest = _tempdir() / path.name[:-3]
        _copy_stream(lambda: gzip.open(path, "rb"), dest, name, "gzip")  # noqa: SIM115
        return [_maybe_layer(Source(dest, name))]
    if low.endswith(".zst"):
        import zstandard

        dest = _tempdir() / path.name[:-4]

        def _open() -> Any:
            return zstandard.ZstdDecompressor().stream_reader(path.open("rb"))

        _copy_stream(_open, dest, name, "zstd")
        return [_maybe_layer(Source(dest, name))]
    return [_maybe_layer(Source(path, name))]


class _StdinBytes:
    """``sys.stdin.buffer`` as a context manager that does not close standard input."""

    def __enter__(self) -> Any:
        import sys

        return sys.stdin.buffer

    def __exit__(self, *exc: object) -> None:
        return None


def _maybe_layer(src: Source) -> Source:
    """A point layer (GeoPackage, Shapefile, GeoJSON, GeoParquet) as a temporary CSV, or ``src``."""
    from vessels.io._geoin import is_geo_layer, point_layer_to_csv

    if not src.path.is_file() or not is_geo_layer(src.path):
        return src
    dest = _tempdir() / (src.path.name + ".csv")
    return Source(point_layer_to_csv(src.path, src.name, dest), src.name)
