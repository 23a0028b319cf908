"""Scoring part of a run whose events name vessels scored elsewhere (:mod:`vessels.partition`).

A score task of one MMSI bucket scores its own vessels from their positions, but its pair events
also name *partners*, vessels of other buckets. Of a partner the scorer reads only two things
(:mod:`vessels.risk.scorer`): its last known AIS ship type (``other_ship_type`` /
``own_ship_type`` in the rule conditions) and the number of positions of a segment an event
names (``track_positions``, for ``min_track_positions``). :func:`partner_facts` computes both
per vessel where its positions are (one row per segment), and
:func:`vessels.risk.scorer.score_inputs` (``partners=``) scores a bucket from its own positions
and those few rows — instead of every partner's whole history.

Examples
--------
>>> from datetime import datetime, UTC
>>> from vessels import schema as S
>>> t = [datetime(2024, 3, 1, h, tzinfo=UTC) for h in (1, 2, 3)]
>>> pos = pl.DataFrame(
...     {S.MMSI: [2, 2, 2], S.TS: t, S.SHIP_TYPE: [70, 80, None],
...      S.SEGMENT_ID: ["2-a", "2-a", "2-b"]},
...     schema={S.MMSI: pl.UInt32, S.TS: S.TS_DTYPE, S.SHIP_TYPE: pl.UInt8,
...             S.SEGMENT_ID: pl.String},
... )
>>> partner_facts(pos).rows()
[(2, '2-a', 2, 80), (2, '2-b', 1, 80)]
"""

from __future__ import annotations

import polars as pl

from vessels import schema as S
from vessels.risk.rules import TRACK_POSITIONS

__all__ = ["PARTNER_SCHEMA", "partner_facts"]

#: One row per partner vessel and segment: the segment's positions, the vessel's last known type.
PARTNER_SCHEMA: dict[str, pl.DataType] = {
    S.MMSI: pl.UInt32(),
    S.SEGMENT_ID: pl.String(),
    TRACK_POSITIONS: pl.UInt32(),
    S.SHIP_TYPE: pl.UInt8(),
}


def partner_facts(positions: pl.DataFrame | pl.LazyFrame) -> pl.DataFrame:
    """What :func:`vessels.risk.scorer.score_inputs` (``partners=``) needs of the vessels of
    ``positions`` (each vessel's rows all there, in file order): :data:`PARTNER_SCHEMA`, sorted
    by MMSI and segment.

    The ship type is the scorer's "last known" (latest non-null by time, over all the vessel's
    rows, as :mod:`vessels.risk.scorer` computes it); the count is the segment's positions.
    """
    lf = positions.lazy()
    have = lf.collect_schema().names()
    segment = pl.col(S.SEGMENT_ID) if S.SEGMENT_ID in have else pl.lit(None, pl.String)
    types = lf.group_by(S.MMSI).agg(
        pl.col(S.SHIP_TYPE).sort_by(S.TS).drop_nulls().last().alias(S.SHIP_TYPE)
    )
    sizes = (
        lf.select(S.MMSI, segment.alias(S.SEGMENT_ID))
        .group_by(S.MMSI, S.SEGMENT_ID)
        .agg(pl.len().alias(TRACK_POSITIONS))
    )
    return (
        sizes.join(types, on=S.MMSI, how="left")
        .select(list(PARTNER_SCHEMA))
        .cast(PARTNER_SCHEMA)  # type: ignore[arg-type]
        .sort(S.MMSI, S.SEGMENT_ID, nulls_last=True)
        .collect()
    )
