"""Parquet/GeoParquet (canonical schema) and tracktable ``.traj`` readers (private)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import polars as pl

from vessels import schema as S
from vessels.cleaning import ERROR, RAW_COL
from vessels.errors import FormatError

__all__ = ["stage_parquet", "stage_traj"]


def stage_parquet(path: Path, name: str) -> pl.LazyFrame:
    """Staged frame of a Parquet/GeoParquet file in the canonical schema.

    Provenance already in the file (a round trip of our own output) is kept, so a row still
    traces back to its original input line; rows without it get this file and row number.
    """
    try:
        lf = pl.scan_parquet(path)
        schema = lf.collect_schema()
    except (pl.exceptions.ComputeError, OSError) as exc:
        raise FormatError(f"{name}: not a readable Parquet file ({exc})") from None
    missing = [c for c in (S.MMSI, S.TS, S.LAT, S.LON) if c not in schema]
    if missing:
        raise FormatError(
            f"{name}: Parquet file lacks the canonical columns {', '.join(missing)}",
            hint=f"expected the vessels position schema ({', '.join(S.POSITION_SCHEMA)})",
        )
    lf = lf.with_row_index("_idx", offset=1)
    exprs = []
    for col in S.POSITION_SCHEMA:
        if col in (S.FLAG, S.MMSI_VALID, S.SOURCE_FILE, S.SOURCE_ROW) or col not in schema:
            continue
        e = pl.col(col)
        dtype = schema[col]
        if col == S.TS and isinstance(dtype, pl.Datetime) and dtype.time_zone is None:
            e = e.dt.replace_time_zone("UTC")
        exprs.append(e)
    src_file = pl.lit(name)
    src_row = pl.col("_idx").cast(pl.UInt64)
    if S.SOURCE_FILE in schema and S.SOURCE_ROW in schema:
        src_file = pl.coalesce(pl.col(S.SOURCE_FILE).cast(pl.String), src_file)
        src_row = pl.coalesce(pl.col(S.SOURCE_ROW).cast(pl.UInt64), src_row)
    return lf.select(
        *exprs,
        src_file.alias(S.SOURCE_FILE),
        src_row.alias(S.SOURCE_ROW),
        pl.lit(None, pl.String).alias(ERROR),
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
