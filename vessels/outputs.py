"""Writing results safely: atomic files, CSV formula-injection neutralisation.

Output files are written to a temporary file in the same directory and renamed into place, so
an interrupted run never leaves a half-written table that looks complete.

Examples
--------
>>> import polars as pl
>>> df = pl.DataFrame({"vessel_name": ["=HYPERLINK(1)", "SEA STAR", "-1+2", None]})
>>> neutralise_csv(df)["vessel_name"].to_list()
["'=HYPERLINK(1)", 'SEA STAR', "'-1+2", None]
"""

from __future__ import annotations

import contextlib
import json
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Any

import polars as pl

from vessels.errors import UserError

__all__ = [
    "atomic_path",
    "neutralise_csv",
    "prepare_out_dir",
    "write_csv",
    "write_json",
    "write_parquet",
    "write_text",
]

#: Leading characters that make spreadsheet programs evaluate a cell (OWASP CSV injection).
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


def prepare_out_dir(path: str | Path, *, overwrite: bool = True) -> Path:
    """Create the output directory, or refuse an existing non-empty one unless ``overwrite``.

    Raises :class:`~vessels.errors.UserError` when the directory cannot be created or written.
    """
    out = Path(path)
    if out.exists() and not out.is_dir():
        raise UserError(f"output path {out} exists and is not a directory")
    if out.is_dir() and any(out.iterdir()) and not overwrite:
        raise UserError(
            f"output directory {out} already exists and is not empty",
            hint="pass --overwrite to replace its files, or choose another --out",
        )
    try:
        out.mkdir(parents=True, exist_ok=True)
        probe = out / ".vessels-write-test"
        probe.write_bytes(b"")
        probe.unlink()
    except OSError as exc:
        raise UserError(
            f"output directory {out} is not writable: {exc.strerror}",
            hint="choose another --out",
        ) from None
    return out


@contextlib.contextmanager
def atomic_path(target: str | Path) -> Iterator[Path]:
    """Yield a temporary path next to ``target``; rename it onto ``target`` on success."""
    target = Path(target)
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    os.close(fd)
    tmp_path = Path(tmp)
    try:
        yield tmp_path
        # mkstemp makes 0600 files; give the result the permissions a plain open() would.
        os.chmod(tmp_path, 0o666 & ~_umask())
        os.replace(tmp_path, target)
    finally:
        if tmp_path.exists():
            tmp_path.unlink()


def _umask() -> int:
    current = os.umask(0)
    os.umask(current)
    return current


def write_parquet(df: pl.DataFrame | pl.LazyFrame, target: str | Path) -> Path:
    """Write Parquet atomically (a LazyFrame is streamed with ``sink_parquet``)."""
    with atomic_path(target) as tmp:
        if isinstance(df, pl.LazyFrame):
            df.sink_parquet(tmp)
        else:
            df.write_parquet(tmp)
    return Path(target)


def neutralise_csv(df: pl.DataFrame) -> pl.DataFrame:
    """Prefix string cells that a spreadsheet would run as a formula with a single quote."""
    exprs = []
    for name, dtype in df.schema.items():
        if dtype == pl.String:
            col = pl.col(name)
            risky = pl.any_horizontal([col.str.starts_with(p) for p in FORMULA_PREFIXES])
            exprs.append(pl.when(risky).then(pl.lit("'") + col).otherwise(col).alias(name))
    return df.with_columns(exprs) if exprs else df


def _csv_ready(df: pl.DataFrame) -> pl.DataFrame:
    """Flatten columns CSV cannot hold (lists, structs) into JSON-ish text."""
    exprs = []
    for name, dtype in df.schema.items():
        if isinstance(dtype, pl.List):
            exprs.append(pl.col(name).cast(pl.List(pl.String)).list.join("; ").alias(name))
        elif isinstance(dtype, pl.Struct):
            exprs.append(pl.col(name).struct.json_encode().alias(name))
    return df.with_columns(exprs) if exprs else df


def write_csv(df: pl.DataFrame, target: str | Path) -> Path:
    """Write CSV atomically, with nested columns flattened and formula cells neutralised."""
    safe = neutralise_csv(_csv_ready(df))
    with atomic_path(target) as tmp:
        safe.write_csv(tmp)
    return Path(target)


def write_json(obj: Any, target: str | Path) -> Path:
    """Write JSON atomically (UTF-8, indented, datetimes as ISO text)."""
    with atomic_path(target) as tmp, tmp.open("w", encoding="utf-8") as fh:
        json.dump(obj, fh, indent=2, default=str, ensure_ascii=False)
        fh.write("\n")
    return Path(target)


def write_text(text: str, target: str | Path) -> Path:
    """Write a text file (HTML, GeoJSON) atomically."""
    with atomic_path(target) as tmp:
        fh: IO[str]
        with tmp.open("w", encoding="utf-8") as fh:
            fh.write(text)
    return Path(target)
