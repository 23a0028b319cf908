"""One door for the PyData ecosystem: any supported table in, a polars frame out (private).

Public functions that take positions or events call :func:`as_polars` first and validate the
result: polars frames pass through untouched; pandas DataFrames, GeoDataFrames and movingpandas
``Trajectory`` / ``TrajectoryCollection`` objects are converted once, here:

- a point geometry gives ``lat``/``lon`` (EPSG:4326) when those columns are absent;
- a movingpandas time index becomes the ``ts`` column;
- datetimes become UTC (naive values are taken as UTC, as everywhere in vessels);
- ``source_file``/``source_row`` (the tie-breakers of the ``mmsi, ts`` order) are added when
  absent: ``<DataFrame>`` (the type's name) and the row number;
- canonical columns are cast to their schema dtype (``mmsi`` int64 -> UInt32...) where the
  values allow it; the stage contract then reports anything still wrong.

Anything else raises the stage contract's TypeError naming the function and the argument.
"""

from __future__ import annotations

import contextlib
from typing import Any

import polars as pl

from vessels import schema as S

__all__ = ["as_polars", "in_mmsi_ts_order", "is_pydata_table"]

_CANONICAL: dict[str, pl.DataType] = {
    **S.EVENT_BASE_SCHEMA,
    **S.SEGMENT_DERIVED_SCHEMA,
    **S.POSITION_SCHEMA,
}


_TRAJECTORY_TYPES = ("Trajectory", "TrajectoryCollection")


def in_mmsi_ts_order() -> pl.Expr:
    """One boolean: the rows run in ``(mmsi, ts)`` order (each at or after the one before it; a
    null MMSI or time breaks the order; no rows or one row: True). One pass, no sort.

    Examples
    --------
    >>> from datetime import datetime, UTC
    >>> t = [datetime(2024, 3, 1, h, tzinfo=UTC) for h in (1, 2, 0)]
    >>> pl.DataFrame({"mmsi": [1, 1, 2], "ts": t}).select(in_mmsi_ts_order()).item()
    True
    >>> pl.DataFrame({"mmsi": [1, 1, 1], "ts": t}).select(in_mmsi_ts_order()).item()
    False
    """
    m, t = pl.col(S.MMSI), pl.col(S.TS)
    later = (m > m.shift(1)) | ((m == m.shift(1)) & (t >= t.shift(1)))
    return later.slice(1).fill_null(False).all()


def is_pydata_table(value: object) -> bool:
    """Whether ``value`` is a pandas/geopandas frame or a movingpandas trajectory object."""
    return type(value).__module__.split(".")[0] in {
        "pandas",
        "geopandas",
        "movingpandas",
    } and type(value).__name__ in {"DataFrame", "GeoDataFrame", *_TRAJECTORY_TYPES}


def _points_frame(value: Any) -> Any:
    """A pandas/GeoDataFrame of points from a movingpandas object (time index as ``ts``)."""
    import pandas as pd

    trajectories = value.trajectories if type(value).__name__ == "TrajectoryCollection" else [value]
    parts = []
    for traj in trajectories:
        df = traj.df.copy()
        time_name = df.index.name or S.TS
        df = df.reset_index().rename(columns={time_name: S.TS})
        id_col = getattr(traj, "traj_id_col_name", None) or S.SEGMENT_ID
        if id_col not in df.columns:
            df[id_col] = traj.id
        obj_col = getattr(traj, "obj_id_col_name", None)
        if obj_col and obj_col not in df.columns and traj.obj_id is not None:
            df[obj_col] = traj.obj_id
        parts.append(df)
    if not parts:
        raise ValueError("the trajectory collection is empty")
    import geopandas as gpd

    out = pd.concat(parts, ignore_index=True)
    return gpd.GeoDataFrame(out, geometry=parts[0].geometry.name, crs=parts[0].crs)


def _from_pandas(df: Any) -> pl.DataFrame:
    import pandas as pd

    source = f"<{type(df).__name__}>"

    if type(df).__name__ == "GeoDataFrame" and getattr(df, "_geometry_column_name", None):
        geom = df.geometry
        if df.crs is not None and not df.crs.equals("EPSG:4326"):
            geom = geom.to_crs("EPSG:4326")
        df = pd.DataFrame(df.drop(columns=df.geometry.name))
        is_point = (geom.geom_type == "Point").to_numpy()
        if is_point.any():
            if S.LAT not in df.columns:
                df[S.LAT] = geom.y.where(is_point)
            if S.LON not in df.columns:
                df[S.LON] = geom.x.where(is_point)
    else:
        df = pd.DataFrame(df)
    if not isinstance(df.index, pd.RangeIndex):
        df = df.reset_index(drop=df.index.name is None or df.index.name in df.columns)
    frame = pl.from_pandas(df)
    casts = []
    for name, dtype in frame.schema.items():
        target = _CANONICAL.get(name)
        if isinstance(dtype, pl.Datetime):
            utc = (
                pl.col(name).dt.convert_time_zone("UTC")
                if dtype.time_zone is not None
                else pl.col(name).dt.replace_time_zone("UTC")
            )
            casts.append(utc.dt.cast_time_unit("us").alias(name))
        elif target is not None and dtype != target:
            # values that do not fit stay as they are: the stage contract names the column
            with contextlib.suppress(pl.exceptions.PolarsError, ValueError, TypeError):
                frame = frame.with_columns(pl.col(name).cast(target, strict=True))
    frame = frame.with_columns(casts) if casts else frame
    if S.SOURCE_ROW not in frame.columns:  # the tie-breaker of the (mmsi, ts) sort order
        frame = frame.with_columns(pl.int_range(pl.len(), dtype=pl.UInt64).alias(S.SOURCE_ROW))
    if S.SOURCE_FILE not in frame.columns:
        frame = frame.with_columns(pl.lit(source, pl.String).alias(S.SOURCE_FILE))
    return frame


def as_polars(value: object, name: str, func: str) -> pl.DataFrame | pl.LazyFrame:
    """``value`` as a polars frame (see the module doc), or the contract's TypeError.

    Examples
    --------
    >>> import pandas as pd
    >>> df = pd.DataFrame({"mmsi": [345000001], "ts": pd.to_datetime(["2024-03-01 00:00"])})
    >>> out = as_polars(df, "frame", "segment")
    >>> out.schema["mmsi"], out.schema["ts"]
    (UInt32, Datetime(time_unit='us', time_zone='UTC'))
    """
    if isinstance(value, pl.DataFrame | pl.LazyFrame):
        return value
    if is_pydata_table(value):
        if type(value).__name__ in _TRAJECTORY_TYPES:
            value = _points_frame(value)
        return _from_pandas(value)
    S.require_frame(value, name, func)
    raise AssertionError("unreachable")  # pragma: no cover
