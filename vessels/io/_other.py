"""Parquet/GeoParquet (canonical schema) and tracktable ``.traj`` readers (private)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import polars as pl

from vessels import schema as S
from vessels.cleaning import ERROR, RAW_COL
from vessels.errors import FormatError

__all__ = ["stage_parquet", "stage_traj"]


_NUMERIC_COLUMNS = (
    S.LAT,
    S.LON,
    S.SOG_KN,
    S.COG_DEG,
    S.HEADING_DEG,
    S.NAV_STATUS,
    S.IMO,
    S.SHIP_TYPE,
    S.LENGTH_M,
    S.WIDTH_M,
    S.DRAFT_M,
)
_TEXT_COLUMNS = (S.VESSEL_NAME, S.CALLSIGN, S.DESTINATION, S.AIS_CLASS, S.SOURCE_FILE)


def _is_number(dtype: pl.DataType) -> bool:
    return dtype.is_numeric() or dtype == pl.Null


def _check_dtypes(name: str, schema: pl.Schema) -> None:
    """Refuse columns whose dtype cannot hold their canonical values (file, column, what to do)."""
    problems = []
    for col, dtype in schema.items():
        if col == S.MMSI and not _is_number(dtype):
            problems.append(f"column {col!r} has dtype {dtype}, expected an integer MMSI")
        elif col == S.TS and not (
            isinstance(dtype, pl.Datetime | pl.Date) or dtype == pl.String or _is_number(dtype)
        ):
            problems.append(
                f"column {col!r} has dtype {dtype}, expected a UTC Datetime "
                "(or ISO 8601 text, or epoch seconds/ms/us/ns)"
            )
        elif col in _NUMERIC_COLUMNS and not _is_number(dtype):
            problems.append(f"column {col!r} has dtype {dtype}, expected a number")
        elif col in _TEXT_COLUMNS and not (
            dtype in (pl.String, pl.Null, pl.Categorical) or isinstance(dtype, pl.Enum)
        ):
            problems.append(f"column {col!r} has dtype {dtype}, expected text")
        elif col == S.SOURCE_ROW and not _is_number(dtype):
            problems.append(f"column {col!r} has dtype {dtype}, expected a row number")
    if problems:
        raise FormatError(
            f"{name}: Parquet columns of the wrong type: {'; '.join(problems)}",
            hint="cast these columns to the vessels position schema "
            f"({', '.join(f'{c} {d}' for c, d in S.POSITION_SCHEMA.items())}), "
            "or export the data as CSV and read it with --format csv --columns",
        )


def _parquet_ts(dtype: pl.DataType) -> pl.Expr:
    ts = pl.col(S.TS)
    if isinstance(dtype, pl.Datetime):
        ts = ts.dt.cast_time_unit("us")
        if dtype.time_zone is None:
            return ts.dt.replace_time_zone("UTC")
        return ts.dt.convert_time_zone("UTC")
    if isinstance(dtype, pl.Date):
        return ts.cast(pl.Datetime("us")).dt.replace_time_zone("UTC")
    if dtype == pl.String:
        from vessels.io._csvcore import _parse_ts

        return _parse_ts(ts.str.strip_chars(), None)
    from vessels.io._csvcore import epoch_us

    num = ts.cast(pl.Float64)
    return epoch_us(num).cast(pl.Datetime("us")).dt.replace_time_zone("UTC")


def stage_parquet(path: Path, name: str) -> pl.LazyFrame:
    """Staged frame of a Parquet/GeoParquet file in the canonical schema.

    Provenance already in the file (a round trip of our own output) is kept, so a row still
    traces back to its original input line; rows without it get this file and row number.
    Columns must have a dtype that can hold their values (numbers for numbers, text for text,
    a Datetime, ISO text or epoch number for ``ts``); otherwise a :class:`FormatError` names the
    file and columns. An MMSI outside 0..4294967295 or not whole is quarantined
    (``mmsi_out_of_range``); a NaN number is null; an unparseable ``ts`` is ``unparseable_ts``.
    """
    try:
        lf = pl.scan_parquet(path, glob=False)
        schema = lf.collect_schema()
    except (pl.exceptions.PolarsError, OSError) as exc:
        raise FormatError(f"{name}: not a readable Parquet file ({exc})") from None
    missing = [c for c in (S.MMSI, S.TS, S.LAT, S.LON) if c not in schema]
    if missing:
        raise FormatError(
            f"{name}: Parquet file lacks the canonical columns {', '.join(missing)}",
            hint=f"expected the vessels position schema ({', '.join(S.POSITION_SCHEMA)})",
        )
    _check_dtypes(name, schema)
    lf = lf.with_row_index("_idx", offset=1)
    exprs = []
    errors: list[pl.Expr] = []
    for col in S.POSITION_SCHEMA:
        if col in (S.FLAG, S.MMSI_VALID, S.SOURCE_FILE, S.SOURCE_ROW) or col not in schema:
            continue
        dtype = schema[col]
        if col == S.MMSI:
            num = pl.col(col).cast(pl.Float64)
            ok = (num >= 0) & (num <= 4_294_967_295) & (num.floor() == num)
            exprs.append(pl.when(ok).then(num).cast(pl.UInt32).alias(col))
            errors.append(pl.when(num.is_not_null() & ~ok).then(pl.lit("mmsi_out_of_range")))
        elif col == S.TS:
            ts = _parquet_ts(dtype)
            exprs.append(ts.alias(col))
            errors.append(
                pl.when(pl.col(col).is_not_null() & ts.is_null()).then(pl.lit("unparseable_ts"))
            )
        elif col in _NUMERIC_COLUMNS:
            exprs.append(pl.col(col).cast(pl.Float64).fill_nan(None).alias(col))
        else:
            exprs.append(pl.col(col).cast(pl.String).alias(col))
    if S.TS_SOURCE in schema:  # our own output: keep how each time was found
        exprs.append(pl.col(S.TS_SOURCE).cast(pl.String))
    src_file = pl.lit(name)
    src_row = pl.col("_idx").cast(pl.UInt64)
    if S.SOURCE_FILE in schema and S.SOURCE_ROW in schema:
        src_file = pl.coalesce(pl.col(S.SOURCE_FILE).cast(pl.String), src_file)
        src_row = pl.coalesce(pl.col(S.SOURCE_ROW).cast(pl.UInt64, strict=False), src_row)
    error = pl.coalesce(errors) if errors else pl.lit(None, pl.String)
    return lf.select(
        *exprs,
        src_file.alias(S.SOURCE_FILE),
        src_row.alias(S.SOURCE_ROW),
        error.alias(ERROR),
        pl.lit(None, pl.String).alias(RAW_COL),
    )


def stage_traj(path: Path, name: str) -> pl.LazyFrame:
    """Staged frame of a tracktable ``.traj`` file (one trajectory per line).

    A line is ``*T*,<id>,<domain>,<n>,0,*P*,<domain>,2,1,1,<k>,[<prop>,<type>]*k`` followed by
    points ``id,YYYY-MM-DD HH:MM:SS,lon,lat`` (+ ``k`` property values each). Every point is an
    input row; its ``source_row`` is the line of its trajectory. Lines that do not parse become
    one quarantined row each (``traj_malformed``).
    """
    ids: list[np.ndarray] = []
    tss: list[np.ndarray] = []
    lons: list[np.ndarray] = []
    lats: list[np.ndarray] = []
    rows: list[np.ndarray] = []
    bad_rows: list[int] = []
    bad_raw: list[str] = []
    with path.open(encoding="utf-8", errors="replace") as fh:
        for lineno, line in enumerate(fh, start=1):
            text = line.rstrip("\r\n")
            parts = text.split(",")
            try:
                p = parts.index("*P*")
                k = int(parts[p + 5])
                start = p + 6 + 2 * k
                width = 4 + k
                pts = np.array(parts[start:], dtype=object)
                if len(pts) == 0 or len(pts) % width:
                    raise ValueError
            except (ValueError, IndexError):
                bad_rows.append(lineno)
                bad_raw.append(text)
                continue
            grid = pts.reshape(-1, width)
            ids.append(grid[:, 0])
            tss.append(grid[:, 1])
            lons.append(grid[:, 2])
            lats.append(grid[:, 3])
            rows.append(np.full(len(grid), lineno, dtype=np.uint64))
    if not ids and not bad_rows:
        raise FormatError(f"{name}: empty .traj file")

    def cat(arrs: list[np.ndarray], dtype: type = object) -> np.ndarray:
        return np.concatenate(arrs) if arrs else np.array([], dtype=dtype)

    pts_df = pl.DataFrame(
        {
            "id": cat(ids).astype(str),
            "ts": cat(tss).astype(str),
            "lon": cat(lons).astype(str),
            "lat": cat(lats).astype(str),
            S.SOURCE_ROW: cat(rows, np.uint64),
        },
        schema={
            "id": pl.String,
            "ts": pl.String,
            "lon": pl.String,
            "lat": pl.String,
            S.SOURCE_ROW: pl.UInt64,
        },
    )
    num_id = pl.col("id").cast(pl.Float64, strict=False)
    ok_id = (num_id >= 0) & (num_id <= 4_294_967_295) & (num_id.floor() == num_id)
    ts = (
        pl.col("ts")
        .str.to_datetime("%Y-%m-%d %H:%M:%S%.f", strict=False, time_unit="us")
        .dt.replace_time_zone("UTC")
    )
    lat = pl.col("lat").cast(pl.Float64, strict=False)
    lon = pl.col("lon").cast(pl.Float64, strict=False)
    error = pl.coalesce(
        pl.when(~ok_id.fill_null(False)).then(pl.lit("unparseable_mmsi")),
        pl.when(ts.is_null()).then(pl.lit("unparseable_ts")),
        pl.when(lat.is_null()).then(pl.lit("unparseable_lat")),
        pl.when(lon.is_null()).then(pl.lit("unparseable_lon")),
    )
    good = pts_df.lazy().select(
        pl.when(ok_id).then(num_id).cast(pl.UInt32).alias(S.MMSI),
        ts.alias(S.TS),
        lat.alias(S.LAT),
        lon.alias(S.LON),
        pl.lit(name).alias(S.SOURCE_FILE),
        pl.col(S.SOURCE_ROW),
        error.alias(ERROR),
        pl.concat_str(["id", "ts", "lon", "lat"], separator=",").alias(RAW_COL),
    )
    bad = pl.LazyFrame(
        {
            S.SOURCE_FILE: [name] * len(bad_rows),
            S.SOURCE_ROW: bad_rows,
            ERROR: ["traj_malformed"] * len(bad_rows),
            RAW_COL: bad_raw,
        },
        schema={
            S.SOURCE_FILE: pl.String,
            S.SOURCE_ROW: pl.UInt64,
            ERROR: pl.String,
            RAW_COL: pl.String,
        },
    )
    return pl.concat([good, bad], how="diagonal")
