"""Track simplification for the risk map: Douglas-Peucker per track part, a per-vessel point
cap, and the parts cut again at AIS gaps. Split from :mod:`vessels.maps._data` (issue 15).

Examples
--------
>>> import polars as pl
>>> from datetime import datetime, UTC
>>> pos = pl.DataFrame({
...     "mmsi": [1, 1, 1, 1], "segment_id": ["a"] * 4,
...     "ts": [datetime(2024, 1, 1, h, tzinfo=UTC) for h in range(4)],
...     "lat": [0.0, 0.0, 0.0, 0.0], "lon": [0.0, 0.1, 0.2, 0.3]})
>>> simplify_tracks(pos, simplify_m=10.0, max_points_per_track=100).height  # straight: 2 ends
2
"""

from __future__ import annotations

import numpy as np
import polars as pl
import shapely

from vessels import schema as S

__all__ = [
    "M_PER_DEG",
    "PART",
    "simplify_tracks",
    "split_at_gaps",
]


M_PER_DEG = 111_195.0


def simplify_tracks(
    positions: pl.DataFrame,
    *,
    simplify_m: float,
    max_points_per_track: int,
    key: str = S.SEGMENT_ID,
) -> pl.DataFrame:
    """Douglas-Peucker simplification per (mmsi, ``key``) part, then a per-vessel point cap.

    Input and output columns: ``mmsi, <key>, ts, lat, lon`` (sorted). The tolerance is applied in
    degrees (``simplify_m`` / 111 195 m), which is conservative east-west away from the equator.
    A vessel still above ``max_points_per_track`` keeps every k-th point plus the ends of each
    part. Timestamps survive simplification (carried as the Z coordinate).
    """
    return _simplify(
        positions, simplify_m=simplify_m, max_points_per_track=max_points_per_track, key=key
    )[0]


def _simplify(
    positions: pl.DataFrame,
    *,
    simplify_m: float,
    max_points_per_track: int,
    key: str,
) -> tuple[pl.DataFrame, int]:
    """Douglas-Peucker simplification per (mmsi, ``key``) part, then a per-vessel point cap.

    Input and output columns: ``mmsi, <key>, ts, lat, lon`` (sorted). The tolerance is applied in
    degrees (``simplify_m`` / 111 195 m), which is conservative east-west away from the equator.
    A vessel still above ``max_points_per_track`` keeps every k-th point plus the ends of each
    part. Timestamps survive simplification (carried as the Z coordinate).
    """
    cols = [S.MMSI, key, S.TS, S.LAT, S.LON]
    if positions.height == 0:
        return positions.select(cols), 0
    part = (
        positions.select(cols)
        .sort([S.MMSI, key, S.TS])
        .with_columns(
            ((pl.col(S.MMSI) != pl.col(S.MMSI).shift()) | (pl.col(key) != pl.col(key).shift()))
            .fill_null(True)
            .cum_sum()
            .alias("_part")
        )
    )
    sizes = part.group_by("_part").len()
    part = part.join(sizes, on="_part", how="left")
    single = part.filter(pl.col("len") < 2).select(cols)
    multi = part.filter(pl.col("len") >= 2).with_columns(
        (pl.col("_part").rank("dense") - 1).cast(pl.Int64).alias("_idx")
    )
    if multi.height:
        epoch_s = multi[S.TS].dt.epoch("us").to_numpy().astype(np.float64) / 1e6
        lines = shapely.linestrings(
            multi[S.LON].to_numpy(),
            multi[S.LAT].to_numpy(),
            epoch_s,
            indices=multi["_idx"].to_numpy(),
        )
        simplified = shapely.simplify(lines, simplify_m / M_PER_DEG, preserve_topology=False)
        coords, idx = shapely.get_coordinates(simplified, include_z=True, return_index=True)
        keys = multi.group_by("_idx").agg(pl.col(S.MMSI).first(), pl.col(key).first())
        kept = (
            pl.DataFrame(
                {
                    "_idx": idx.astype(np.int64),
                    S.LON: coords[:, 0],
                    S.LAT: coords[:, 1],
                    "_us": np.round(coords[:, 2] * 1e6).astype(np.int64),
                }
            )
            .join(keys, on="_idx", how="left")
            .with_columns(
                pl.from_epoch("_us", time_unit="us").dt.replace_time_zone("UTC").alias(S.TS)
            )
            .select(cols)
        )
    else:
        kept = single.clear()
    out = pl.concat([kept, single.cast(kept.schema)]).sort([S.MMSI, key, S.TS])
    # per-vessel cap: every k-th point, always keeping the first and last point of each part
    out = out.with_columns(
        pl.len().over(S.MMSI).alias("_n"), pl.int_range(pl.len()).over(S.MMSI).alias("_i")
    )
    step = (pl.col("_n") / max(1, max_points_per_track)).ceil().cast(pl.Int64).clip(1)
    ends = (pl.col(key) != pl.col(key).shift(1).over(S.MMSI)).fill_null(True) | (
        pl.col(key) != pl.col(key).shift(-1).over(S.MMSI)
    ).fill_null(True)
    n_capped = out.filter(pl.col("_n") > max_points_per_track)[S.MMSI].n_unique()
    return out.filter((pl.col("_i") % step == 0) | ends).select(cols), n_capped


PART = "_part"


def split_at_gaps(positions: pl.DataFrame, events: pl.DataFrame) -> pl.DataFrame:
    """Add :data:`PART`: the segment id, cut again wherever one of the vessel's AIS gap events
    ends between two consecutive fixes (so no line is drawn straight across the gap).

    Examples
    --------
    >>> from datetime import datetime, UTC
    >>> t = [datetime(2024, 1, 1, h, tzinfo=UTC) for h in (0, 1, 9, 10)]
    >>> pos = pl.DataFrame({"mmsi": [1] * 4, "segment_id": ["a"] * 4, "ts": t,
    ...     "lat": [0.0] * 4, "lon": [0.0, 0.1, 0.2, 0.3]}, schema_overrides={"mmsi": pl.UInt32})
    >>> gaps = pl.DataFrame({"event_type": ["ais_gap"], "mmsi": [1], "end_ts": [t[2]]})
    >>> split_at_gaps(pos, gaps)["_part"].str.split("\\x1f").list.last().to_list()
    ['0', '0', '1', '1']
    """
    pos = positions.sort(S.TS).with_columns(
        pl.col(S.TS).shift().over(S.MMSI, S.SEGMENT_ID).alias("_prev_ts")
    )
    if all(c in events.columns for c in (S.EVENT_TYPE, S.MMSI, S.END_TS)):
        gaps = (
            events.filter(pl.col(S.EVENT_TYPE) == S.AIS_GAP)
            .select(pl.col(S.MMSI).cast(pl.UInt32), pl.col(S.END_TS).alias("_gap_end"))
            .drop_nulls()
            .with_columns(pl.col("_gap_end").cast(pos.schema[S.TS]))
            .sort("_gap_end")
        )
    else:
        gaps = pl.DataFrame(
            schema={S.MMSI: pl.UInt32, "_gap_end": pos.schema.get(S.TS, S.TS_DTYPE)}
        )
    cut = pos.join_asof(
        gaps,
        left_on=S.TS,
        right_on="_gap_end",
        by=S.MMSI,
        strategy="backward",
        check_sortedness=False,  # both sorted by time above
    ).with_columns(
        (pl.col("_gap_end") > pl.col("_prev_ts")).fill_null(False).cast(pl.UInt32).alias("_cut")
    )
    return (
        cut.with_columns(
            (
                pl.col(S.SEGMENT_ID)
                + pl.lit("\x1f")
                + pl.col("_cut").cum_sum().over(S.MMSI, S.SEGMENT_ID).cast(pl.String)
            ).alias(PART)
        )
        .drop("_prev_ts", "_gap_end", "_cut")
        .sort(S.MMSI, S.SEGMENT_ID, S.TS)
    )
