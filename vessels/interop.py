"""GeoPandas and MovingPandas at the edge: conversions for analysts who continue in that world.

The core of vessels works on polars frames. These functions convert a *selection* of positions
into geopandas / movingpandas objects; the selection itself is done in polars first, so a
national day of AIS is filtered in seconds and only the selected rows are converted.
geopandas, shapely and movingpandas are imported inside the functions.

Examples
--------
>>> from vessels.testing import make_track
>>> gdf = to_geodataframe(make_track(n=3), kind="lines")
>>> gdf[["segment_id", "n_positions"]].to_numpy().tolist()
[['345000001-20240301T000000', 3]]
"""

from __future__ import annotations

import warnings
from collections.abc import Iterable
from datetime import datetime
from typing import TYPE_CHECKING, Any, Literal

import polars as pl

from vessels import schema as S
from vessels._frames import as_polars
from vessels.errors import UserError
from vessels.filters import BBox, TimeWindow, mmsi_list

if TYPE_CHECKING:
    import geopandas as gpd
    from movingpandas import TrajectoryCollection

__all__ = ["DEFAULT_MAX_TRAJECTORY_POSITIONS", "to_geodataframe", "to_trajectories"]

#: Largest selection :func:`to_trajectories` converts unless told otherwise. MovingPandas keeps one
#: pandas frame per trajectory and is ~100x slower than polars (benchmarks/results/segment.md);
#: a quarter of a million points converts in seconds, millions would take minutes and gigabytes.
DEFAULT_MAX_TRAJECTORY_POSITIONS = 250_000

CRS = "EPSG:4326"
DURATION_H = S.DURATION_H
LENGTH_KM = "length_km"


def _ensure_segmented(lf: pl.LazyFrame) -> pl.LazyFrame:
    if S.SEGMENT_ID in lf.collect_schema().names():
        return lf
    from vessels.tracks import segment

    return segment(lf)


def to_geodataframe(
    frame: pl.DataFrame | pl.LazyFrame, kind: Literal["points", "lines"] = "points"
) -> gpd.GeoDataFrame:
    """Convert positions to a GeoDataFrame in EPSG:4326.

    Parameters
    ----------
    frame : polars.DataFrame or polars.LazyFrame
        Canonical positions; for ``kind="lines"`` segmented ones (if ``segment_id`` is missing,
        :func:`vessels.tracks.segment` is run first).
    kind : {"points", "lines"}
        ``"points"``: one row per position, every column kept, Point geometry.
        ``"lines"`` on events (``start_lat``... columns): one row per event, a LineString from
        its start to its end position (evidence left out; the struct does not fit a GeoDataFrame).
        ``"lines"`` on positions: one row per segment with ``mmsi, segment_id, start_ts,
        end_ts, n_positions, duration_h, length_km`` (sum of within-segment haversine legs)
        and a LineString through its positions in time order; a one-position segment has an
        empty (null) geometry. Lines are drawn in plain lon/lat, so a segment crossing the
        antimeridian is drawn the long way round.

    Examples
    --------
    >>> from vessels.testing import make_track
    >>> points = to_geodataframe(make_track(n=2))
    >>> points.geometry.iloc[0].wkt, str(points.crs)
    ('POINT (-110 25)', 'EPSG:4326')
    """
    import geopandas as gpd

    frame = as_polars(frame, "frame", "to_geodataframe")
    lf = frame.lazy()
    if kind == "points":
        S.require_columns(lf, [S.LAT, S.LON], what="to_geodataframe: frame")
        pdf = lf.collect().to_pandas()
        geometry = gpd.points_from_xy(pdf[S.LON], pdf[S.LAT], crs=CRS)
        return gpd.GeoDataFrame(pdf, geometry=geometry, crs=CRS)
    if kind != "lines":
        raise UserError(f"unknown kind {kind!r}", hint="use 'points' or 'lines'")
    names = lf.collect_schema().names()
    if S.START_LAT in names and S.END_LAT in names and S.EVENT_ID in names:
        return _event_lines(lf)
    return _lines(_ensure_segmented(lf))


def _event_lines(lf: pl.LazyFrame) -> gpd.GeoDataFrame:
    """Events as lines from their start to their end position (every column but evidence)."""
    import geopandas as gpd
    import numpy as np
    import shapely

    df = lf.drop(S.EVIDENCE, strict=False).collect()
    coords = np.stack(
        [
            df.select(S.START_LON, S.START_LAT).to_numpy(),
            df.select(S.END_LON, S.END_LAT).to_numpy(),
        ],
        axis=1,
    )
    lines = shapely.linestrings(coords)
    missing = np.isnan(coords).any(axis=(1, 2))
    geometry = np.where(missing, None, lines)
    return gpd.GeoDataFrame(df.to_pandas(), geometry=gpd.GeoSeries(geometry, crs=CRS), crs=CRS)


def _lines(lf: pl.LazyFrame) -> gpd.GeoDataFrame:
    import geopandas as gpd
    import numpy as np
    import shapely

    has_dist = S.DIST_M in lf.collect_schema().names()
    length_km = (pl.col(S.DIST_M).sum() / 1000.0) if has_dist else pl.lit(None, pl.Float64)
    ordered = lf.sort(S.MMSI, S.SEGMENT_ID, S.TS, S.SOURCE_FILE, S.SOURCE_ROW)
    segs = (
        ordered.group_by(S.MMSI, S.SEGMENT_ID, maintain_order=True)
        .agg(
            pl.col(S.TS).min().alias(S.START_TS),
            pl.col(S.TS).max().alias(S.END_TS),
            pl.len().cast(pl.UInt32).alias(S.N_POSITIONS),
            length_km.alias(LENGTH_KM),
            pl.col(S.LON),
            pl.col(S.LAT),
        )
        .with_columns(
            (
                (pl.col(S.END_TS) - pl.col(S.START_TS)).dt.total_seconds(fractional=True) / 3600.0
            ).alias(DURATION_H)
        )
        .collect()
    )
    lines = np.full(segs.height, None, dtype=object)
    drawable = (segs[S.N_POSITIONS] >= 2).to_numpy()
    if drawable.any():
        sub = segs.filter(pl.Series(drawable))
        coords = np.column_stack([sub[S.LON].explode().to_numpy(), sub[S.LAT].explode().to_numpy()])
        index = np.repeat(np.arange(sub.height), sub[S.N_POSITIONS].to_numpy())
        lines[drawable] = shapely.linestrings(coords, indices=index)
    pdf = (
        segs.drop(S.LON, S.LAT)
        .select(S.MMSI, S.SEGMENT_ID, S.START_TS, S.END_TS, S.N_POSITIONS, DURATION_H, LENGTH_KM)
        .to_pandas()
    )
    return gpd.GeoDataFrame(pdf, geometry=gpd.GeoSeries(lines, crs=CRS), crs=CRS)


def to_trajectories(
    frame: pl.DataFrame | pl.LazyFrame,
    *,
    mmsi: int | Iterable[int] | None = None,
    since: datetime | str | None = None,
    until: datetime | str | None = None,
    bbox: tuple[float, float, float, float] | None = None,
    max_positions: int = DEFAULT_MAX_TRAJECTORY_POSITIONS,
) -> TrajectoryCollection:
    """A movingpandas TrajectoryCollection of a selection, one trajectory per ``segment_id``.

    The selection is made in polars (lazily) before anything is converted.

    Parameters
    ----------
    frame : polars.DataFrame or polars.LazyFrame
        Canonical positions, segmented or not (unsegmented input is segmented after the MMSI
        filter and before the time and box filters, so segment ids are those of the whole data).
    mmsi : int or iterable of int, optional
        Keep only these vessels.
    since, until : datetime or ISO 8601 str, optional
        Keep positions with ``since <= ts <= until``; naive datetimes are taken as UTC.
    bbox : (min_lon, min_lat, max_lon, max_lat), optional
        Keep the segments with at least one position (within the time window) inside the box,
        with all their positions in the time window, so tracks are not cut at the box edge.
    max_positions : int
        Refuse selections larger than this (see :data:`DEFAULT_MAX_TRAJECTORY_POSITIONS`).

    Returns
    -------
    movingpandas.TrajectoryCollection
        Trajectory ids are segment ids and ``obj_id`` is the MMSI. MovingPandas drops
        one-position segments (a trajectory needs two points). Times are UTC-aware, like
        every time in vessels (``traj.get_position_at(event.start_ts)`` works).

    Raises
    ------
    vessels.errors.UserError
        When the selection is empty, too large, or a bound is malformed.

    Examples
    --------
    >>> from vessels.testing import make_track
    >>> tc = to_trajectories(make_track(345000001, n=10), mmsi=345000001,
    ...                      since="2024-03-01T00:02:00")
    >>> len(tc), len(tc.trajectories[0].df)
    (1, 8)
    """
    frame = as_polars(frame, "frame", "to_trajectories")
    lf = frame.lazy()
    described: list[str] = []
    wanted = mmsi_list(mmsi)
    window = TimeWindow.of(since, until)
    box = BBox.of(bbox)
    if wanted is not None:
        lf = lf.filter(pl.col(S.MMSI).is_in(pl.Series(wanted, dtype=pl.UInt32).implode()))
        described.append(f"mmsi={wanted if len(wanted) > 1 else wanted[0]}")
    lf = _ensure_segmented(lf)
    if window.since is not None:
        lf = lf.filter(pl.col(S.TS) >= window.since)
        described.append(f"since={since}")
    if window.until is not None:
        lf = lf.filter(pl.col(S.TS) <= window.until)  # inclusive: the last instant is drawn
        described.append(f"until={until}")
    if box is not None:
        inside = pl.col(S.LON).is_between(box.min_lon, box.max_lon) & pl.col(S.LAT).is_between(
            box.min_lat, box.max_lat
        )
        lf = lf.filter(inside.any().over(S.SEGMENT_ID))
        described.append(f"bbox={box.as_tuple()}")
    selection = lf.head(max_positions + 1).collect()
    what = ", ".join(described) or "no filter"
    if selection.height == 0:
        raise UserError(
            f"no positions match the selection ({what})",
            hint="check the MMSI, the time window and the box (min_lon, min_lat, max_lon, max_lat)",
        )
    if selection.height > max_positions:
        raise UserError(
            f"the selection ({what}) has more than {max_positions:,} positions",
            hint="narrow it by mmsi, since/until or bbox, or raise max_positions",
        )
    return _collection(selection)


def _import_movingpandas() -> Any:
    with warnings.catch_warnings():
        # movingpandas warns at import that the optional Stone Soup smoothers are missing
        warnings.filterwarnings("ignore", message=".*Stone Soup.*", category=UserWarning)
        import movingpandas

    return movingpandas


def _collection(selection: pl.DataFrame) -> TrajectoryCollection:
    import geopandas as gpd

    mpd = _import_movingpandas()
    # movingpandas works in naive times: hand it naive UTC rather than let it drop the zone
    naive = selection.with_columns(pl.col(S.TS).dt.replace_time_zone(None))
    pdf = naive.sort(S.SEGMENT_ID, S.TS, S.SOURCE_FILE, S.SOURCE_ROW).to_pandas()
    geometry = gpd.points_from_xy(pdf[S.LON], pdf[S.LAT], crs=CRS)
    gdf = gpd.GeoDataFrame(pdf, geometry=geometry, crs=CRS)
    collection: TrajectoryCollection = mpd.TrajectoryCollection(
        gdf, traj_id_col=S.SEGMENT_ID, obj_id_col=S.MMSI, t=S.TS
    )
    for traj in collection.trajectories:
        # back to UTC-aware: traj.get_position_at(event.start_ts) compares like with like
        traj.df.index = traj.df.index.tz_localize("UTC")
    return collection
