"""EEZ incursions: a fishing vessel inside an EEZ other than its flag state's.

A *fishing vessel* is one with AIS ship type 30, or one that behaves like one: it spends at least
``min_fishing_time_h`` with fishing-like positions (see :mod:`vessels.events.fishing`) inside the
foreign EEZ. Merchant ships crossing an EEZ exercise freedom of navigation and are not reported.
Visits to the foreign EEZ use the same hysteresis as zone entries. The flag is the ISO3 of the
MMSI's MID (``flag`` column); the EEZ is its sovereign's ISO3 (``eez_iso3``).

Examples
--------
>>> from vessels.testing import make_track, staged
>>> t = make_track(n=30, interval_s=600, ship_type=30, flag="CHN").with_columns(
...     pl.lit("MEX").alias("eez_iso3"))
>>> detect_eez_incursions(staged(t)).select("eez_iso3", "duration_h").rows()
[('MEX', 4.833333333333333)]
"""

from __future__ import annotations

from dataclasses import dataclass

import polars as pl

from vessels import schema as S
from vessels._template import compile_template
from vessels.events._common import ENGINE, SEG, Frameish, finish, prepare
from vessels.events.coverage import HARBOUR, sparse_mmsi, with_harbour
from vessels.events.fishing import FISHING_SCORE
from vessels.events.registry import Context, Detector, register
from vessels.events.zone_entry import _with_score, visit_columns, visits

__all__ = ["EezIncursionConfig", "detect_eez_incursions"]

#: AIS types of merchant traffic (60-69 passenger, 70-79 cargo, 80-89 tanker), as
#: ``vessels.risk.rules.MERCHANT_SHIP_TYPES``: never a fishing vessel by behaviour.
_MERCHANT_SHIP_TYPES = tuple(range(60, 90))


@dataclass(frozen=True)
class EezIncursionConfig:
    """Parameters of the EEZ-incursion detector.

    Attributes
    ----------
    fishing_ship_types : tuple of int
        AIS types that are fishing vessels. Default (30,) (ITU-R M.1371: 30 = fishing).
    min_time_inside_h : float
        A typed fishing vessel must stay at least this long. Default 1 h (ours: excludes corner
        cuts; UNCLOS art. 17-19 allows innocent passage only in the territorial sea).
    min_fishing_time_h : float
        A vessel of unknown or another non-merchant type counts when fishing-like at least this
        long inside, at sea (positions in a port or anchorage do not count). Default 3 h (ours,
        issue 13: an unknown ship type is unknown, not fishing; only sustained fishing behaviour
        makes it a fishing vessel). Merchant types (60-89) never count by behaviour.
    max_median_interval_min : float
        Vessels reporting less often than this (median interval, e.g. VMS) have no
        fishing-like time: speeds and turns between fixes hours apart say nothing about
        fishing. Default 30 min (as the gap detector).
    merge_gap_min : float
        Hysteresis at the EEZ boundary, as for zone entries. Default 30 min.
    min_fishing_score : float
        Fishing-like positions score at least this. Default 0.5.
    """

    fishing_ship_types: tuple[int, ...] = (30,)
    max_median_interval_min: float = 30.0
    min_time_inside_h: float = 1.0
    min_fishing_time_h: float = 3.0
    merge_gap_min: float = 30.0
    min_fishing_score: float = 0.5


def _qualifying_rows(p: pl.DataFrame, cfg: EezIncursionConfig) -> pl.DataFrame:
    """The positions inside a foreign EEZ of the segments that can qualify (typed fishing, or a
    fishing-like position inside), with the visit columns, the fishing score zeroed where the
    vessel is moored in a harbour, a merchant ship or a sparse reporter, and ``_eez``."""
    merchant = pl.col(S.SHIP_TYPE).is_in(list(_MERCHANT_SHIP_TYPES)).fill_null(False)
    sparse = sparse_mmsi(p, max_median_interval_min=cfg.max_median_interval_min)
    # "any row of the segment" conditions as a lookup of the segments that have such a row (the
    # same as ``cond.any().over(SEG)``, without a window over every position)
    merchant_seg = p.lazy().filter(merchant).select(pl.col(SEG).unique()).collect().to_series()
    # moored in a harbour or a merchant ship: its positions are not fishing (issue 13)
    score = (
        pl.when(
            pl.col(HARBOUR)
            | pl.col(SEG).is_in(merchant_seg.implode())
            | pl.col(S.MMSI).is_in(sparse.implode())
        )
        .then(pl.lit(0.0, dtype=p.schema[FISHING_SCORE]))
        .otherwise(pl.col(FISHING_SCORE))
    )
    foreign = (
        pl.col(S.EEZ_ISO3).is_not_null()
        & pl.col(S.FLAG).is_not_null()
        & (pl.col(S.EEZ_ISO3) != pl.col(S.FLAG))
    )
    # only segments that are typed fishing vessels or have fishing-like positions inside a
    # foreign EEZ can qualify: found first, so that only their positions inside are collected
    # (not every position in a foreign EEZ, half of the rows of a national day)
    qualifying = (
        p.lazy()
        .filter(
            foreign
            & (
                pl.col(S.SHIP_TYPE).is_in(list(cfg.fishing_ship_types)).fill_null(False)
                | (score >= cfg.min_fishing_score)
            )
        )
        .select(pl.col(SEG).unique())
        .collect()
        .to_series()
    )
    return (
        p.lazy()
        .filter(foreign & pl.col(SEG).is_in(qualifying.implode()))
        .with_columns(score.alias(FISHING_SCORE))
        .select(*visit_columns(), pl.col(S.EEZ_ISO3).alias("_eez"))
        .collect(engine=ENGINE)
    )


def detect_eez_incursions(
    tracks: Frameish,
    config: EezIncursionConfig | None = None,
    *,
    prepared: pl.DataFrame | None = None,
) -> pl.DataFrame:
    """Detect fishing vessels inside foreign EEZs; EVENT_SCHEMA rows."""
    cfg = config or EezIncursionConfig()
    p = with_harbour(_with_score(prepared if prepared is not None else prepare(tracks)))
    rows = _qualifying_rows(p, cfg).lazy()
    typed = pl.col("_st").is_in(list(cfg.fishing_ship_types)).fill_null(False)
    ev = (
        visits(rows, "_eez", cfg.merge_gap_min, cfg.min_fishing_score)
        .with_columns(pl.concat_str([pl.lit("eez-"), pl.col("_eez")]).alias(S.EVENT_ZONE_ID))
        .filter(
            (typed & (pl.col(S.DURATION_H) >= cfg.min_time_inside_h))
            | (pl.col("_fish_h") >= cfg.min_fishing_time_h)
        )
    )
    summary = compile_template(
        "{who} flagged {flag} inside {eez} EEZ for {hours:.1f} h ({fishing_h:.1f} h fishing-like)",
        fields={
            "who": pl.when(typed)
            .then(pl.lit("fishing vessel"))
            .otherwise(pl.lit("vessel fishing-like")),
            "flag": pl.col("_flag"),
            "eez": pl.col("_eez"),
            "hours": pl.col(S.DURATION_H),
            "fishing_h": pl.col("_fish_h"),
        },
        null=None,
        name="summary",
    )
    return finish(
        ev,
        "eez_incursion",
        evidence={
            "summary": summary,
            "n_positions": pl.col("_n"),
            "mean_speed_kn": pl.col("_mean_sp"),
            "max_speed_kn": pl.col("_max_sp"),
            "zone_kind": pl.lit("eez"),
            "time_inside_h": pl.col(S.DURATION_H),
            "fishing_time_inside_h": pl.col("_fish_h"),
            "mean_fishing_score": pl.col("_fish_score"),
            "flag": pl.col("_flag"),
            "ship_type": pl.col("_st"),
            "is_fishing_vessel": typed,
        },
        key=pl.concat_str([pl.col("_eez"), pl.col(S.SEGMENT_ID)], separator=":"),
    )


def _detect(p: pl.DataFrame, cfg: EezIncursionConfig, ctx: Context) -> pl.DataFrame:
    return detect_eez_incursions(p, cfg, prepared=p)


DETECTOR = register(
    Detector(
        event_type=S.EEZ_INCURSION,
        config=EezIncursionConfig,
        detect=_detect,
        columns=(
            S.MMSI,
            S.TS,
            S.LAT,
            S.LON,
            S.SEGMENT_ID,
            S.DT_S,
            S.EEZ_ISO3,
            S.FLAG,
            S.SHIP_TYPE,
        ),
        evidence=(
            "summary",
            "n_positions",
            "mean_speed_kn",
            "zone_kind",
            "time_inside_h",
            "fishing_time_inside_h",
            "mean_fishing_score",
            "max_speed_kn",
            "flag",
            "ship_type",
            "is_fishing_vessel",
        ),
        label="EEZ incursions",
        style={
            "radius": 7,
            "color": "#ffffff",
            "weight": 2,
            "fillColor": "#d62828",
            "fillOpacity": 0.95,
        },
        doc="a foreign-flagged vessel inside another state's EEZ",
        risk_rules=("eez_incursion", "eez_incursion_fishing"),
        fishing_score=True,
        order=30,
    )
)
