"""GeoParquet outputs: events, tracks (one line per segment) and vessels' last positions.

The Parquet tables of a run (``events.parquet``, ``tracks.parquet``, ``vessels.parquet``) are plain
Parquet with ``lat``/``lon`` columns; these writers add the GeoParquet 1.0.0 form that
``geopandas.read_parquet`` (and QGIS, DuckDB spatial, GDAL) open as geometry directly: a WKB
``geometry`` column and the ``geo`` file metadata (encoding, geometry types, bbox; no ``crs``
key, which GeoParquet defines as OGC:CRS84, i.e. WGS 84 longitude/latitude).

Every column of the source table is kept with its type (times stay UTC-aware).

Examples
--------
>>> import tempfile, pathlib, datetime as dt
>>> import geopandas as gpd
>>> from vessels import schema as S
>>> t = dt.datetime(2024, 3, 1, tzinfo=dt.UTC)
>>> pos = pl.DataFrame({S.MMSI: [1, 1, 1], S.SEGMENT_ID: ["1-a", "1-a", "1-a"],
...     S.TS: [t, t + dt.timedelta(minutes=5), t + dt.timedelta(minutes=10)],
...     S.LAT: [25.0, 25.01, 25.02], S.LON: [-110.0, -110.0, -110.01]})
>>> path = pathlib.Path(tempfile.mkdtemp()) / "tracks.geoparquet"
>>> _ = write_geoparquet(track_lines(pos), path)
>>> g = gpd.read_parquet(path)
>>> g.geometry.iloc[0].geom_type, int(g["n_positions"].iloc[0]), str(g.crs)
('LineString', 3, 'OGC:CRS84')
>>> str(g["start_ts"].dt.tz)
'UTC'
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import polars as pl

from vessels import schema as S
from vessels.outputs import atomic_path

__all__ = [
    "EVENTS_GEOPARQUET_FILE",
    "GEOMETRY",
    "TRACKS_GEOPARQUET_FILE",
    "VESSELS_GEOPARQUET_FILE",
    "GeoTable",
    "event_points",
    "track_lines",
    "vessel_points",
    "write_geoparquet",
]

EVENTS_GEOPARQUET_FILE = S.EVENTS_GEOPARQUET_FILE
TRACKS_GEOPARQUET_FILE = S.TRACKS_GEOPARQUET_FILE
VESSELS_GEOPARQUET_FILE = S.VESSELS_GEOPARQUET_FILE
#: Name of the WKB geometry column.
GEOMETRY = "geometry"


class GeoTable:
    """A polars table and one shapely geometry (or None) per row, ready to write.

    Attributes
    ----------
    frame
        The attribute columns.
    geometry
        numpy array of shapely geometries (None where a row has no location).
    """

    def __init__(self, frame: pl.DataFrame, geometry: np.ndarray) -> None:
        if len(geometry) != frame.height:
            raise ValueError(f"{len(geometry)} geometries for {frame.height} rows")
        self.frame = frame
        self.geometry = geometry


def _points(lon: pl.Series, lat: pl.Series) -> np.ndarray:
    import shapely

    x = lon.cast(pl.Float64).to_numpy()
    y = lat.cast(pl.Float64).to_numpy()
    geoms = np.asarray(shapely.points(x, y), dtype=object)
    geoms[np.isnan(x) | np.isnan(y)] = None  # nulls became NaN: no location, no geometry
    return geoms


def event_points(events: pl.DataFrame) -> GeoTable:
    """Events with their representative point (``lat``/``lon``) as geometry.

    Examples
    --------
    >>> event_points(S.empty_events()).frame.height
    0
    """
    return GeoTable(events, _points(events[S.LON], events[S.LAT]))


def vessel_points(vessels: pl.DataFrame, tracks: pl.DataFrame | pl.LazyFrame) -> GeoTable:
    """The vessel table with each vessel's last accepted position (``last_lat``, ``last_lon``) as
    geometry; vessels without positions (a pair event's partner only) get none."""
    last = (
        tracks.lazy()
        .select(S.MMSI, S.TS, S.LAT, S.LON)
        .group_by(S.MMSI)
        .agg(
            pl.col(S.LAT).sort_by(S.TS).last().alias("last_lat"),
            pl.col(S.LON).sort_by(S.TS).last().alias("last_lon"),
        )
        .collect()
    )
    frame = vessels.join(last, on=S.MMSI, how="left", maintain_order="left")
    return GeoTable(frame, _points(frame["last_lon"], frame["last_lat"]))


def track_lines(tracks: pl.DataFrame | pl.LazyFrame) -> GeoTable:
    """One row per track segment: ``mmsi``, ``segment_id``, ``start_ts``, ``end_ts``,
    ``n_positions``, ``duration_h``, with a LineString through its positions in time order (a
    Point for a segment of one position). Segments break at AIS gaps, so no line crosses one."""
    import shapely

    lf = tracks.lazy()
    have = lf.collect_schema().names()
    extra = [c for c in (S.VESSEL_ID,) if c in have]
    pos = (
        lf.select(S.MMSI, S.SEGMENT_ID, S.TS, S.LAT, S.LON, *extra)
        .filter(pl.col(S.SEGMENT_ID).is_not_null())
        .collect()
    )
    pos = pos.sort(_segment_rank(pos[S.SEGMENT_ID]), S.TS, maintain_order=True)
    segments = pos.group_by(S.SEGMENT_ID, maintain_order=True).agg(
        pl.col(S.MMSI).first(),
        *[pl.col(c).drop_nulls().last() for c in extra],
        pl.col(S.TS).first().alias(S.START_TS),
        pl.col(S.TS).last().alias(S.END_TS),
        pl.len().cast(pl.UInt32).alias(S.N_POSITIONS),
    )
    segments = segments.select(
        S.MMSI,
        *extra,
        S.SEGMENT_ID,
        S.START_TS,
        S.END_TS,
        S.N_POSITIONS,
        ((pl.col(S.END_TS) - pl.col(S.START_TS)).dt.total_seconds() / 3600.0).alias(S.DURATION_H),
    )
    counts = segments[S.N_POSITIONS].to_numpy().astype(np.int64)
    seg_index = np.repeat(np.arange(len(counts)), counts)
    coords = np.column_stack([pos[S.LON].to_numpy(), pos[S.LAT].to_numpy()])
    geoms = np.empty(len(counts), dtype=object)
    multi = counts >= 2
    if multi.all():  # the usual case: no copy of the coordinates
        geoms[:] = shapely.linestrings(coords, indices=seg_index)
    elif multi.any():
        keep = multi[seg_index]
        # indices must run 0..k-1 over the kept segments, in order
        renumber = np.cumsum(multi) - 1
        geoms[multi] = shapely.linestrings(coords[keep], indices=renumber[seg_index[keep]])
    if (~multi).any():
        single = ~multi[seg_index]
        geoms[~multi] = shapely.points(coords[single])
    return GeoTable(segments, geoms)


def _segment_rank(segment_id: pl.Series) -> pl.Series:
    """Per row, the rank of its ``segment_id`` among the distinct ids in text order (UInt32): a
    sort by it orders the rows as a sort by the text does, without comparing 10 M strings.

    The ranks are taken over the runs of equal consecutive ids (positions come grouped by
    vessel and time, so there are about as many runs as segments), not over every row.

    Examples
    --------
    >>> _segment_rank(pl.Series(["b", "b", "a", "c", "b"])).to_list()
    [1, 1, 0, 2, 1]
    """
    n = segment_id.len()
    if n == 0:
        return pl.Series("_rank", [], dtype=pl.UInt32)
    starts = (segment_id != segment_id.shift(1)).fill_null(True).arg_true()
    ranks = segment_id.gather(starts).rank("dense").cast(pl.UInt32).to_numpy()
    runs = np.diff(np.append(starts.to_numpy().astype(np.int64), n))
    return pl.Series("_rank", np.repeat(ranks - 1, runs), dtype=pl.UInt32)


_TYPE_NAMES = {0: "Point", 1: "LineString", 3: "Polygon", 4: "MultiPoint", 5: "MultiLineString"}


def _geometry_types(geoms: np.ndarray) -> list[str]:
    """GeoParquet names of the geometry types present (nulls have type id -1)."""
    import shapely

    ids = {int(t) for t in np.unique(shapely.get_type_id(geoms)) if t >= 0}
    return sorted(_TYPE_NAMES[t] for t in ids)


def _bbox(geoms: np.ndarray) -> list[float] | None:
    import shapely

    if len(geoms) == 0:
        return None
    bounds = shapely.total_bounds(geoms)  # NaN when every geometry is None
    if np.isnan(bounds).any():
        return None
    return [float(v) for v in bounds]


def geo_metadata(geoms: np.ndarray) -> dict[str, Any]:
    """The GeoParquet 1.0.0 ``geo`` metadata of a WKB column holding ``geoms``."""
    column: dict[str, Any] = {"encoding": "WKB", "geometry_types": _geometry_types(geoms)}
    box = _bbox(geoms)
    if box is not None:
        column["bbox"] = box
    return {"version": "1.0.0", "primary_column": GEOMETRY, "columns": {GEOMETRY: column}}


def write_geoparquet(table: GeoTable, target: str | Path) -> Path:
    """Write ``table`` as GeoParquet (atomically, zstd): its columns plus WKB ``geometry``."""
    import pyarrow as pa
    import pyarrow.parquet as pq
    import shapely

    geoms = table.geometry
    wkb = shapely.to_wkb(geoms, include_srid=False)  # None stays None
    arrow = table.frame.to_arrow()
    if GEOMETRY in arrow.column_names:
        raise ValueError(f"the table already has a column named {GEOMETRY!r}")
    # from the object array itself: pyarrow converts a Python list of 100 k bytes objects
    # (160 MB of track lines at 10 M positions) about 30 x slower (measured)
    arrow = arrow.append_column(GEOMETRY, pa.array(wkb, type=pa.binary()))
    meta = dict(arrow.schema.metadata or {})
    meta[b"geo"] = json.dumps(geo_metadata(geoms)).encode()
    arrow = arrow.replace_schema_metadata(meta)
    with atomic_path(target) as tmp:
        pq.write_table(arrow, tmp, compression="zstd")
    return Path(target)
