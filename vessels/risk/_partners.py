"""Scoring part of a run whose events name vessels scored elsewhere (:mod:`vessels.partition`).

A score task of one MMSI bucket scores its own vessels from their positions, but its pair events
also name *partners*, vessels of other buckets. Of a partner the scorer reads only two things
(:mod:`vessels.risk.scorer`): its last known AIS ship type (``other_ship_type`` /
``own_ship_type`` in the rule conditions) and the number of positions of a segment an event
names (``track_positions``, for ``min_track_positions``). :func:`partner_facts` computes both
per vessel where its positions are (one row per segment), and :func:`score_part` scores a bucket
from its own positions and those few rows — instead of every partner's whole history.

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

from typing import Any

import polars as pl

from vessels import schema as S
from vessels.events import EVENT_TYPES
from vessels.risk.profile import Profile
from vessels.risk.rules import TRACK_POSITIONS
from vessels.risk.scorer import (
    DAY,
    VESSEL_SCHEMA,
    NetworkInputs,
    ScoreResult,
    _base_contributions,
    _contributions,
    _days,
    _event_counts,
    _features,
    _finish_contributions,
    _kinds,
    _network_pairs,
    _prepare_events,
    _summarise,
    _with_ship_types,
    network_rules,
)

__all__ = ["PARTNER_SCHEMA", "partner_facts", "score_part"]

#: One row per partner vessel and segment: the segment's positions, the vessel's last known type.
PARTNER_SCHEMA: dict[str, pl.DataType] = {
    S.MMSI: pl.UInt32(),
    S.SEGMENT_ID: pl.String(),
    TRACK_POSITIONS: pl.UInt32(),
    S.SHIP_TYPE: pl.UInt8(),
}


def partner_facts(positions: pl.DataFrame | pl.LazyFrame) -> pl.DataFrame:
    """What :func:`score_part` needs of the vessels of ``positions`` (each vessel's rows all
    there, in file order): :data:`PARTNER_SCHEMA`, sorted by MMSI and segment.

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


def _with_track_positions(
    ev: pl.DataFrame, positions: pl.LazyFrame, partners: pl.DataFrame
) -> pl.DataFrame:
    """``track_positions`` as :func:`vessels.risk.scorer._with_track_positions` computes it from
    the positions of both the bucket's vessels and its partners: counts of the bucket's own
    segments from ``positions``, of the partners' from ``partners`` (a segment is one vessel's)."""
    has_segments = S.SEGMENT_ID in positions.collect_schema()
    if not has_segments or S.SEGMENT_ID not in ev.columns:
        return ev.with_columns(pl.lit(None, dtype=pl.UInt32).alias(TRACK_POSITIONS))
    wanted = ev.select(pl.col(S.SEGMENT_ID)).to_series().drop_nulls()
    if S.EV_OTHER_SEGMENT_ID in ev.columns:
        wanted = pl.concat([wanted, ev[S.EV_OTHER_SEGMENT_ID].drop_nulls()])
    ids = wanted.unique().implode()
    own = positions.filter(pl.col(S.SEGMENT_ID).is_in(ids)).select(
        S.SEGMENT_ID, pl.lit(1, pl.UInt32).alias("_n")
    )
    theirs = partners.lazy().filter(pl.col(S.SEGMENT_ID).is_in(ids))
    counts = (
        pl.concat([own, theirs.select(S.SEGMENT_ID, pl.col(TRACK_POSITIONS).alias("_n"))])
        .group_by(S.SEGMENT_ID)
        .agg(pl.col("_n").sum().cast(pl.UInt32))
        .collect()
    )
    out = ev.join(counts, on=S.SEGMENT_ID, how="left")
    if S.EV_OTHER_SEGMENT_ID in ev.columns:
        out = out.join(
            counts.rename({S.SEGMENT_ID: S.EV_OTHER_SEGMENT_ID, "_n": "_n_other"}),
            on=S.EV_OTHER_SEGMENT_ID,
            how="left",
        )
        n = pl.min_horizontal("_n", "_n_other")
        return out.with_columns(n.alias(TRACK_POSITIONS)).drop("_n", "_n_other")
    return out.rename({"_n": TRACK_POSITIONS})


def score_part(
    events: pl.DataFrame,
    positions: pl.DataFrame | pl.LazyFrame,
    partners: pl.DataFrame,
    prof: Profile,
    *,
    zones: Any = None,
) -> NetworkInputs:
    """:func:`vessels.risk.scorer.score_inputs` of one bucket's ``events`` and ``positions``,
    with its partners known by :func:`partner_facts` (``partners``) instead of their positions.

    The rows of the bucket's own vessels are those :func:`score_inputs` gives with the
    partners' positions (the partners' own rows differ: they are scored in their bucket).
    The steps are :func:`vessels.risk.scorer._score`'s, with the partners' ship types and
    segment sizes joined where it reads them from positions.
    """
    S.validate(events, S.EVENT_BASE_SCHEMA, what="events")
    ev = _prepare_events(events, _kinds(events, zones, None))
    lazy_pos = positions.lazy()

    vkeys = [S.MMSI]
    feats = _features(lazy_pos, ev, vkeys)
    types = pl.concat(
        [
            feats.select(S.MMSI, S.SHIP_TYPE).filter(pl.col(S.SHIP_TYPE).is_not_null()),
            partners.select(S.MMSI, S.SHIP_TYPE).unique(S.MMSI, maintain_order=True),
        ]
    )
    ev = _with_ship_types(ev, types)
    ev = _with_track_positions(ev, lazy_pos, partners)
    base = _base_contributions(ev, feats, prof, vkeys)
    pairs = {rule.name: _network_pairs(ev, rule, vkeys) for rule in network_rules(prof)}
    contrib = _finish_contributions(base, pairs, prof, vkeys)
    summary = _summarise(contrib, feats, prof, vkeys)
    counts = _event_counts(ev)
    static = [c for c in VESSEL_SCHEMA if c in feats.columns and c != S.MMSI]
    vessels = (
        summary.join(feats.select(S.MMSI, *static), on=S.MMSI, how="left")
        .join(counts, on=S.MMSI, how="left")
        .with_columns(pl.col(S.event_count_column(t)).fill_null(0) for t in EVENT_TYPES)
        .with_columns(pl.col(S.N_POSITIONS).fill_null(0))
        .select(list(VESSEL_SCHEMA))
        .cast(pl.Schema(VESSEL_SCHEMA))
        .sort([S.RISK_SCORE, S.MMSI], descending=[True, False])
    )

    dkeys = [S.MMSI, DAY]
    dfeats = _features(lazy_pos, ev, dkeys)
    dbase = _base_contributions(ev, dfeats, prof, dkeys)
    dpairs = {rule.name: _network_pairs(ev, rule, dkeys) for rule in network_rules(prof)}
    dcontrib = _finish_contributions(dbase, dpairs, prof, dkeys)
    days = _days(dcontrib, dfeats, prof)
    return NetworkInputs(
        result=ScoreResult(
            vessels=vessels, contributions=_contributions(contrib), vessel_days=days, profile=prof
        ),
        base=base,
        pairs=pairs,
        day_base=dbase,
        day_pairs=dpairs,
    )
