"""Measuring a ranking against ground truth: does risk put the planted vessels first?

Used by ``benchmarks/bench_score.py --calibrate`` and the calibration tests on the shipped
samples. *Positives* are vessels with at least one planted illegal behaviour in the truth table
(either side of a pair); *controls* are the clean vessels the simulator lists; *legal* vessels have
truth rows but none illegal (legal fishing, a ferry's zone entries...).

The ranking AUC is the probability that a random positive scores above a random negative
(ties count one half): 1.0 means every planted vessel outranks every negative.

Examples
--------
>>> ranking_auc([80, 60], [10, 0, 60])
0.9166666666666666
>>> ranking_auc([], [1])
nan
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from typing import Any

import polars as pl

from vessels import schema as S

__all__ = ["calibration_table", "ranking_auc"]


def ranking_auc(positives: Iterable[float], negatives: Iterable[float]) -> float:
    """P(positive > negative) + ½ P(tie) over all pairs (the Mann-Whitney AUC)."""
    pos = pl.Series("p", list(positives), dtype=pl.Float64)
    neg = pl.Series("n", list(negatives), dtype=pl.Float64)
    if pos.len() == 0 or neg.len() == 0:
        return math.nan
    pairs = pl.DataFrame({"p": pos}).join(pl.DataFrame({"n": neg}), how="cross")
    wins = pairs.select(
        ((pl.col("p") > pl.col("n")).cast(pl.Float64) + 0.5 * (pl.col("p") == pl.col("n"))).mean()
    ).item()
    return float(wins)


def calibration_table(
    vessels: pl.DataFrame, truth: pl.DataFrame, controls: Iterable[int]
) -> dict[str, Any]:
    """Ranking figures of one scored scenario.

    Parameters
    ----------
    vessels
        The vessel table of :func:`vessels.risk.score` (``mmsi``, ``risk_score``, ``risk_tier``).
    truth
        Truth rows with ``mmsi``, ``other_mmsi`` and ``illegal``.
    controls
        MMSIs of the clean control vessels.

    Returns
    -------
    dict
        ``auc_vs_controls``, ``auc_vs_negatives`` (controls + legal-only vessels), the lowest
        planted score, the highest control / legal score, and the rows behind them.
    """
    illegal = truth.filter(pl.col("illegal"))
    planted = set(illegal[S.MMSI].to_list()) | set(illegal[S.OTHER_MMSI].drop_nulls().to_list())
    touched = set(truth[S.MMSI].to_list()) | set(truth[S.OTHER_MMSI].drop_nulls().to_list())
    control_set = set(controls) - planted
    legal = touched - planted - control_set
    score_of = dict(vessels.select(S.MMSI, S.RISK_SCORE).iter_rows())

    def scores(ids: set[int]) -> list[float]:
        return [float(score_of.get(m, 0.0)) for m in sorted(ids)]

    pos, ctl, leg = scores(planted), scores(control_set), scores(legal)
    return {
        "planted": len(pos),
        "controls": len(ctl),
        "legal": len(leg),
        "auc_vs_controls": ranking_auc(pos, ctl),
        "auc_vs_negatives": ranking_auc(pos, ctl + leg),
        "min_planted": min(pos) if pos else math.nan,
        "max_control": max(ctl) if ctl else math.nan,
        "max_legal": max(leg) if leg else math.nan,
        "planted_mmsi": sorted(planted),
        "control_mmsi": sorted(control_set),
        "legal_mmsi": sorted(legal),
    }
