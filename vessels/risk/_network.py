"""Network rules: a share of a vessel's contacts' risk, passed along the edges (private).

A network rule (:class:`vessels.risk.rules.EventRule` with ``network=True``) reads pair events
(encounters, dark rendezvous, the old and new MMSI of a re-flagged IMO) as edges of the vessel
graph. A vessel gets ``share_of_other_score`` × the score of each contact whose score is at least
``min_other_points``, one contribution per contact (the contact's first event of the rule's
types is named), capped per vessel by the rule's ``cap``, like every other rule.

Two rounds, so that risk travels two hops (a fishing boat that met a carrier that met five
high-risk vessels): round 1 passes on the contacts' scores from the other rules; round 2 passes
on the contacts' scores including their round-1 network points, leaving out what they got from
the receiving vessel itself (no echo: A's risk does not come back to A through B). The round-2
points are the contributions; each names the contact, its score and the event linking them, so
a vessel's score still decomposes into its contributions. Linear in the number of edges: joins
and window sums only.

Examples
--------
>>> import polars as pl
>>> base = pl.DataFrame({"mmsi": [1, 2, 3], "points": [60.0, 0.0, 0.0]})
>>> pairs = pl.DataFrame({"mmsi": [2, 1, 3, 2], "other": [1, 2, 2, 3],
...                       "event_id": ["e1", "e1", "e2", "e2"]})
>>> out = propagate(base, pairs, ["mmsi"], share=0.25, min_other_points=10, cap=20)
>>> out.sort("mmsi").select("mmsi", "other", "other_score", "points").rows()
[(2, 1, 60.0, 15.0), (3, 2, 15.0, 3.75)]
"""

from __future__ import annotations

import polars as pl

from vessels import schema as S

__all__ = ["OTHER_SCORE", "propagate"]

#: Derived column (template field of network rules): the contact's score passed on.
OTHER_SCORE = "other_score"
_OTHER = "other"
_MAX = 100.0


def _capped(raw: pl.DataFrame, keys: list[str], cap: float | None) -> pl.DataFrame:
    """``points`` = each contact's raw share, by decreasing share, until the cap is used up."""
    ordered = raw.sort([*keys, "_raw", _OTHER], descending=[False] * len(keys) + [True, False])
    if cap is None:
        return ordered.with_columns(pl.col("_raw").round(2).alias(S.POINTS))
    before = pl.col("_raw").cum_sum().over(keys) - pl.col("_raw")
    room = (pl.lit(cap) - before).clip(lower_bound=0.0)
    return ordered.with_columns(pl.min_horizontal("_raw", room).round(2).alias(S.POINTS))


def propagate(
    base: pl.DataFrame,
    pairs: pl.DataFrame,
    keys: list[str],
    *,
    share: float,
    min_other_points: float,
    cap: float | None,
) -> pl.DataFrame:
    """Network contributions for ``keys`` (``[mmsi]`` or ``[mmsi, day]``).

    Parameters
    ----------
    base
        Contributions of the other rules (``keys`` + ``points``).
    pairs
        One row per (vessel, contact) edge as seen from the vessel: ``keys``, ``other`` and the
        ``event_id`` linking them (duplicates are reduced to the first event id).
    share, min_other_points, cap
        The rule's weights.

    Returns
    -------
    polars.DataFrame
        ``keys``, ``other``, ``event_id``, ``other_score`` and ``points`` (> 0 only).
    """
    other_keys = [_OTHER if k == S.MMSI else k for k in keys]
    edges = (
        pairs.filter(pl.col(S.MMSI) != pl.col(_OTHER))
        .sort([*keys, _OTHER, S.EVENT_ID])
        .unique(subset=[*keys, _OTHER], keep="first", maintain_order=True)
    )
    s0 = base.group_by(keys).agg(pl.col(S.POINTS).sum().clip(upper_bound=_MAX).alias("_s0"))
    s0_other = s0.rename({S.MMSI: _OTHER})

    def passed(score: pl.Expr) -> pl.Expr:
        return pl.when(score >= min_other_points).then(score * share).otherwise(0.0)

    r1 = edges.join(s0_other, on=other_keys, how="left").with_columns(
        passed(pl.col("_s0").fill_null(0.0)).alias("_raw")
    )
    # the capped round-1 total of a contact is min(cap, sum of its raw shares); without the share
    # that came from the receiving vessel itself (no echo) it is min(cap, sum - that share)
    sums = r1.group_by(keys).agg(pl.col("_raw").sum().alias("_sum"))
    echo = r1.select(
        pl.col(S.MMSI).alias(_OTHER),
        pl.col(_OTHER).alias(S.MMSI),
        *[k for k in keys if k != S.MMSI],
        pl.col("_raw").alias("_echo"),
    )
    net_wo_me = pl.col("_osum").fill_null(0.0) - pl.col("_echo").fill_null(0.0)
    if cap is not None:
        net_wo_me = net_wo_me.clip(upper_bound=cap)
    r2 = (
        edges.join(s0_other, on=other_keys, how="left")
        .join(sums.rename({S.MMSI: _OTHER, "_sum": "_osum"}), on=other_keys, how="left")
        .join(echo, on=[*keys, _OTHER], how="left")
        .with_columns(
            (pl.col("_s0").fill_null(0.0) + net_wo_me.clip(lower_bound=0.0))
            .clip(0.0, _MAX)
            .round(2)
            .alias(OTHER_SCORE)
        )
        .with_columns(passed(pl.col(OTHER_SCORE)).alias("_raw"))
    )
    out = _capped(r2, keys, cap).filter(pl.col(S.POINTS) > 0)
    return out.select(*keys, _OTHER, S.EVENT_ID, OTHER_SCORE, S.POINTS)
