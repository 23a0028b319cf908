"""Network rules: a share of a vessel's contacts' risk, passed along the edges (private).

A network rule (:class:`vessels.risk.rules.EventRule` with ``network=True``) reads pair events
(encounters, dark rendezvous, the old and new MMSI of a re-flagged IMO) as edges of the vessel
graph. A vessel gets ``share_of_other_score`` × the score of each contact whose score is at least
``min_other_points``, one contribution per contact (the contact's first event of the rule's
types is named), capped per vessel by the rule's ``cap``, like every other rule.

Two rounds, so that risk travels two hops (a fishing boat that met a carrier that met five
high-risk vessels): round 1 passes on the contacts' scores from the other rules; round 2 passes
on the contacts' scores including their round-1 network points, leaving out what they got from
the receiving vessel itself (no echo: A's risk does not come back to A through B) or from the
receiving vessel's own contacts (no triangles: vessels that all met each other do not lift one
another). Neither round passes on a contact's points from the events that link it to the
receiving vessel (that evidence scored the receiver already). The round-2
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
        Contributions of the other rules (``keys`` + ``points``, and ``event_id`` when known: a
        contact's points from the events linking it to the vessel are then not passed on).
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
    # a contact does not pass on its points from the very events linking it to the receiving
    # vessel: that evidence scored the receiver already (no double counting)
    if S.EVENT_ID in base.columns:
        shared = (
            pairs.filter(pl.col(S.MMSI) != pl.col(_OTHER))
            .unique(subset=[*keys, _OTHER, S.EVENT_ID])
            .join(
                base.filter(pl.col(S.EVENT_ID).is_not_null())
                .group_by(*keys, S.EVENT_ID)
                .agg(pl.col(S.POINTS).sum().alias("_pts"))
                .rename({S.MMSI: _OTHER}),
                on=[*other_keys, S.EVENT_ID],
                how="inner",
            )
            .group_by(*keys, _OTHER)
            .agg(pl.col("_pts").sum().alias("_shared"))
        )
        edges = edges.join(shared, on=[*keys, _OTHER], how="left").with_columns(
            pl.col("_shared").fill_null(0.0)
        )
    else:
        edges = edges.with_columns(pl.lit(0.0).alias("_shared"))
    own = (pl.col("_s0").fill_null(0.0) - pl.col("_shared")).clip(lower_bound=0.0)

    def passed(score: pl.Expr) -> pl.Expr:
        return pl.when(score >= min_other_points).then(score * share).otherwise(0.0)

    r1 = edges.join(s0_other, on=other_keys, how="left").with_columns(passed(own).alias("_raw"))
    # round 2: a contact C passes on its round-1 points only from vessels X that are neither the
    # receiving vessel R (no echo) nor R's own contacts (R hears from them directly in round 1;
    # without this, a group of vessels that all met each other lifted one another around the
    # triangle). Paths R - C - X: linear in the edges times a contact's degree.
    day_keys = [k for k in keys if k != S.MMSI]
    hop = r1.select(
        pl.col(S.MMSI).alias(_OTHER), *day_keys, pl.col(_OTHER).alias("_x"), "_raw"
    ).filter(pl.col("_raw") > 0)
    mine = edges.select(*keys, pl.col(_OTHER).alias("_x"))
    sums = (
        edges.select(*keys, _OTHER)
        .join(hop, on=[_OTHER, *day_keys], how="inner")
        .filter(pl.col("_x") != pl.col(S.MMSI))
        .join(mine, on=[*keys, "_x"], how="anti")
        .group_by(*keys, _OTHER)
        .agg(pl.col("_raw").sum().alias("_osum"))
    )
    net_wo_me = pl.col("_osum").fill_null(0.0)
    if cap is not None:
        net_wo_me = net_wo_me.clip(upper_bound=cap)
    r2 = (
        edges.join(s0_other, on=other_keys, how="left")
        .join(sums, on=[*keys, _OTHER], how="left")
        .with_columns(
            (own + net_wo_me.clip(lower_bound=0.0)).clip(0.0, _MAX).round(2).alias(OTHER_SCORE)
        )
        .with_columns(passed(pl.col(OTHER_SCORE)).alias("_raw"))
    )
    out = _capped(r2, keys, cap).filter(pl.col(S.POINTS) > 0)
    return out.select(*keys, _OTHER, S.EVENT_ID, OTHER_SCORE, S.POINTS)
