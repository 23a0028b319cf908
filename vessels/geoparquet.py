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
import sys
from pathlib import Path
from typing import Any

import numpy as np
import polars as pl

from vessels import schema as S
from vessels._frames import in_mmsi_ts_order
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
        numpy array of shapely geometries (None where a row has no location); for a table made
        from WKB (:func:`track_lines`), decoded when first asked for.
    """

    def __init__(self, frame: pl.DataFrame, geometry: np.ndarray) -> None:
        if len(geometry) != frame.height:
            raise ValueError(f"{len(geometry)} geometries for {frame.height} rows")
        self.frame = frame
        self._geometry: np.ndarray | None = geometry
        self._wkb: Any = None
        self._meta: dict[str, Any] | None = None

    @classmethod
    def _from_wkb(cls, frame: pl.DataFrame, wkb: Any, meta: dict[str, Any]) -> GeoTable:
        """A table whose geometries are given as a pyarrow binary array of WKB (one per row,
        no nulls) with their ``geo`` metadata (:func:`geo_metadata`): written as they are."""
        if len(wkb) != frame.height:
            raise ValueError(f"{len(wkb)} geometries for {frame.height} rows")
        table = cls.__new__(cls)
        table.frame = frame
        table._geometry = None
        table._wkb = wkb
        table._meta = meta
        return table

    @property
    def geometry(self) -> np.ndarray:
        if self._geometry is None:
            import shapely

            wkb = self._wkb.to_numpy(zero_copy_only=False)
            self._geometry = np.asarray(shapely.from_wkb(wkb), dtype=object)
        return self._geometry


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
    Point for a segment of one position). Segments break at AIS gaps, so no line crosses one.

    Segments come in ``segment_id`` text order. Positions in ``(mmsi, ts)`` row order (as
    ``tracks.parquet`` holds them) need no sort by time: a stable order by segment keeps each
    segment's positions in time order. The WKB of the lines is then written straight from the
    coordinates (:func:`_wkb_lines`, the bytes shapely writes), not through 100 k shapely objects.
    """
    import shapely

    lf = tracks.lazy()
    have = lf.collect_schema().names()
    extra = [c for c in (S.VESSEL_ID,) if c in have]
    pos = (
        lf.select(S.MMSI, S.SEGMENT_ID, S.TS, S.LAT, S.LON, *extra)
        .filter(pl.col(S.SEGMENT_ID).is_not_null())
        .collect()
    )
    rank = _segment_rank(pos[S.SEGMENT_ID])
    if _in_time_order(pos):
        # a segment's rows all have one mmsi: in (mmsi, ts) row order they are in time order
        # (ties in row order), so a stable order by rank alone is the order by (rank, ts)
        order = np.argsort(rank.to_numpy(), kind="stable")
    else:
        order = (
            pl.DataFrame([rank, pos[S.TS], pl.int_range(pos.height, eager=True).alias("_i")])
            .sort(rank.name, S.TS, maintain_order=True)["_i"]
            .to_numpy()
        )
    # ranks are dense (0..k-1) and the order is by rank: segment r holds the next
    # count(r) rows of the order (no diff over 10 M sorted ranks)
    counts = np.bincount(rank.to_numpy()).astype(np.int64)
    ends = np.cumsum(counts) - 1
    starts = ends - counts + 1
    first, last = order[starts], order[ends]
    segments = pos.select(S.MMSI, S.SEGMENT_ID)[first].with_columns(
        pos[S.TS].gather(first).alias(S.START_TS),
        pos[S.TS].gather(last).alias(S.END_TS),
        pl.Series(S.N_POSITIONS, counts, dtype=pl.UInt32),
    )
    if extra:  # the last known value of each segment, in time order
        known = (
            pos.select(*extra)[order]
            .with_columns(pl.Series("_seg", np.repeat(np.arange(len(counts)), counts)))
            .group_by("_seg", maintain_order=True)
            .agg(pl.col(c).drop_nulls().last() for c in extra)
        )
        segments = segments.with_columns(known.get_column(c) for c in extra)
    segments = segments.select(
        S.MMSI,
        *extra,
        S.SEGMENT_ID,
        S.START_TS,
        S.END_TS,
        S.N_POSITIONS,
        ((pl.col(S.END_TS) - pl.col(S.START_TS)).dt.total_seconds() / 3600.0).alias(S.DURATION_H),
    )
    x = pos[S.LON].cast(pl.Float64).to_numpy()[order]
    y = pos[S.LAT].cast(pl.Float64).to_numpy()[order]
    del pos
    if len(counts) and sys.byteorder == "little" and not (np.isnan(x).any() or np.isnan(y).any()):
        return GeoTable._from_wkb(segments, *_wkb_lines(x, y, counts))
    seg_index = np.repeat(np.arange(len(counts)), counts)
    coords = np.column_stack([x, y])
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


def _in_time_order(pos: pl.DataFrame) -> bool:
    """Whether the rows run in ``(mmsi, ts)`` order (null-free)."""
    return bool(pos.select(in_mmsi_ts_order()).item())


def _wkb_lines(x: np.ndarray, y: np.ndarray, counts: np.ndarray) -> tuple[Any, dict[str, Any]]:
    """Little-endian WKB of one geometry per run of ``counts`` coordinates (a LineString, or a
    Point for a run of one), byte for byte what ``shapely.to_wkb`` writes for the shapely
    geometries of the same coordinates (2D, no SRID), as a pyarrow binary array, with its
    ``geo`` metadata. NaN-free coordinates only.

    Examples
    --------
    >>> import shapely
    >>> x, y = np.array([1.0, 2.0, 5.0]), np.array([3.0, 4.0, 6.0])
    >>> wkb, meta = _wkb_lines(x, y, np.array([2, 1]))
    >>> wkb.to_pylist() == list(shapely.to_wkb([shapely.LineString([(1, 3), (2, 4)]),
    ...                                          shapely.Point(5, 6)]))
    True
    >>> meta["columns"]["geometry"]["geometry_types"], meta["columns"]["geometry"]["bbox"]
    (['LineString', 'Point'], [1.0, 3.0, 5.0, 6.0])
    """
    import pyarrow as pa
    import pyarrow.compute as pc

    line = counts >= 2
    # byte order (1: little endian), type (2 LineString, 1 Point), [point count]; then the
    # coordinates: the header of each geometry and its run of coordinates, joined element-wise
    head = np.where(line, 9, 5).astype(np.int64)
    header = np.zeros((len(counts), 9), dtype=np.uint8)
    header[:, 0] = 1
    header[:, 1] = np.where(line, 2, 1)
    header[:, 5:9] = counts.astype("<u4").view(np.uint8).reshape(-1, 4)
    coords = np.empty((len(x), 2), dtype="<f8")
    coords[:, 0] = x
    coords[:, 1] = y
    big = int(head.sum()) + coords.nbytes > np.iinfo(np.int32).max
    kind, width = (pa.large_binary(), np.int64) if big else (pa.binary(), np.int32)

    def binary(offsets: np.ndarray, data: np.ndarray) -> Any:
        bounds = np.concatenate([[0], np.cumsum(offsets)]).astype(width)
        return pa.Array.from_buffers(
            kind, len(counts), [None, pa.py_buffer(bounds), pa.py_buffer(data)]
        )

    wkb = pc.binary_join_element_wise(
        binary(head, header[np.arange(9) < head[:, None]]),
        binary(16 * counts.astype(np.int64), coords),
        pa.scalar(b"", kind),
    )
    types = sorted(
        t for t, present in (("LineString", line.any()), ("Point", (~line).any())) if present
    )
    column: dict[str, Any] = {"encoding": "WKB", "geometry_types": types}
    if len(x):
        column["bbox"] = [float(x.min()), float(y.min()), float(x.max()), float(y.max())]
    meta = {"version": "1.0.0", "primary_column": GEOMETRY, "columns": {GEOMETRY: column}}
    return wkb, meta


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

    arrow = table.frame.to_arrow()
    if GEOMETRY in arrow.column_names:
        raise ValueError(f"the table already has a column named {GEOMETRY!r}")
    if table._wkb is not None and table._meta is not None:  # written as the table made it
        column, geo = table._wkb, table._meta
    else:
        geoms = table.geometry
        wkb = shapely.to_wkb(geoms, include_srid=False)  # None stays None
        # from the object array itself: pyarrow converts a Python list of 100 k bytes objects
        # (160 MB of track lines at 10 M positions) about 30 x slower (measured)
        column, geo = pa.array(wkb, type=pa.binary()), geo_metadata(geoms)
    arrow = arrow.append_column(GEOMETRY, column)
    meta = dict(arrow.schema.metadata or {})
    meta[b"geo"] = json.dumps(geo).encode()
    arrow = arrow.replace_schema_metadata(meta)
    with atomic_path(target) as tmp:
        pq.write_table(arrow, tmp, compression="zstd")
    return Path(target)
