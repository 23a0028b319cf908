"""Zone entries: visits of any vessel to protected areas and areas of interest (AOIs).

A *visit* is a run of positions of one segment inside one zone. Hysteresis against boundary
jitter: two stretches inside the same zone separated by positions outside for less than
``merge_gap_min`` are one visit, so a vessel sitting on a boundary produces one visit, not one per
crossing. Visits shorter than ``min_dwell_min`` are dropped (default 0: every entry counts).
Each visit is one ``zone_entry`` event from entry (first position inside) to exit (last position
inside) with time inside, fishing-like time inside and speed profile.

Examples
--------
>>> from vessels.testing import make_track, staged
>>> t = make_track(n=10, interval_s=600).with_columns(
...     pl.lit(["aoi-upper-gulf"]).alias("zone_ids"))
>>> detect_zone_entries(staged(t)).select("zone_id", "duration_h").rows()
[('aoi-upper-gulf', 1.5)]
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import polars as pl

from vessels import schema as S
from vessels._template import compile_template, format_number
from vessels.events._common import (
    SEG,
    Frameish,
    exact_mean,
    exact_sum,
    extent_aggs,
    finish,
    prepare,
    prev_in,
    runs_id,
    zone_table,
)
from vessels.events.coverage import HARBOUR, with_harbour
from vessels.events.fishing import (
    FISHING_SCORE,
    FishingConfig,
    speed_kn_expr,
    with_fishing_score,
)
from vessels.events.registry import Context, Detector, register

__all__ = ["ZoneEntryConfig", "detect_zone_entries", "visit_columns", "visits"]


@dataclass(frozen=True)
class ZoneEntryConfig:
    """Parameters of the zone-entry detector.

    Attributes
    ----------
    merge_gap_min : float
        Stretches inside one zone separated by less than this outside are one visit. Default
        30 min (ours: absorbs GPS jitter and drifting along a boundary, the hysteresis issue 5
        asks for; an exit and return within half an hour is one visit for an analyst).
    min_dwell_min : float
        Drop visits shorter than this. Default 0 (report every entry, as Skylight does).
    min_fishing_score : float
        Positions scoring at least this count as fishing-like time inside. Default 0.5 (the
        fishing detector's threshold).
    """

    merge_gap_min: float = 30.0
    min_dwell_min: float = 0.0
    min_fishing_score: float = 0.5


def visit_columns() -> list[str | pl.Expr]:
    """The per-position columns a visit (zone entry or EEZ incursion) is built from."""
    return [
        SEG,
        S.SEGMENT_ID,
        S.MMSI,
        "_i",
        S.TS,
        S.LAT,
        S.LON,
        S.DT_S,
        S.SHORE_KM,
        S.EEZ_ISO3,
        S.FLAG,
        S.SHIP_TYPE,
        FISHING_SCORE,
        speed_kn_expr().alias("_sp"),
        HARBOUR,
    ]


def visits(rows: pl.LazyFrame, key: str, merge_gap_min: float, min_fishing: float) -> pl.LazyFrame:
    """Group rows (one per position inside ``key``) into visits per (segment, key).

    ``rows`` needs ``_seg, segment_id, _i, ts, lat, lon, dt_s, _sp, fishing_score`` and ``key``.
    """
    grp = [SEG, key]
    prev_i = prev_in(pl.col("_i"), *grp)
    prev_ts = prev_in(pl.col(S.TS), *grp)
    outside_s = (pl.col(S.TS) - prev_ts).dt.total_seconds(fractional=True)
    new_visit = (pl.col("_i") - prev_i > 1) & (outside_s >= merge_gap_min * 60.0)
    consecutive = (pl.col("_i") - prev_i == 1).fill_null(False)
    return (
        rows.sort(*grp, "_i")
        .with_columns(runs_id(new_visit, *grp).alias("_visit"), consecutive.alias("_cons"))
        .group_by("_visit")
        .agg(
            pl.col(key).first(),
            pl.col(S.SEGMENT_ID).first(),
            pl.col(S.MMSI).first(),
            *extent_aggs(),
            # exact whatever order the rows of a group are added in (see _common.exact_sum)
            exact_mean(pl.col(S.LAT), 9).alias(S.LAT),
            exact_mean(pl.col(S.LON), 9).alias(S.LON),
            exact_mean(pl.col(S.SHORE_KM), 6).alias(S.SHORE_KM),
            pl.col(S.EEZ_ISO3).drop_nulls().first(),
            pl.len().alias("_n"),
            exact_mean(pl.col("_sp"), 6).alias("_mean_sp"),
            pl.col("_sp").max().alias("_max_sp"),
            (
                exact_sum(
                    pl.col(S.DT_S).filter(pl.col("_cons") & (pl.col(FISHING_SCORE) >= min_fishing)),
                    6,
                )
                / 3600.0
            ).alias("_fish_h"),
            # how fishing-like the fishing part of the visit is (null when none of it is)
            exact_mean(pl.col(FISHING_SCORE).filter(pl.col(FISHING_SCORE) >= min_fishing), 9).alias(
                "_fish_score"
            ),
            pl.col(S.FLAG).drop_nulls().first().alias("_flag"),
            pl.col(S.SHIP_TYPE).drop_nulls().first().alias("_st"),
            pl.col(HARBOUR).cast(pl.Float64).mean().alias("_moored"),
        )
        .with_columns(
            (
                (pl.col(S.END_TS) - pl.col(S.START_TS)).dt.total_seconds(fractional=True) / 3600.0
            ).alias(S.DURATION_H)
        )
    )


def _with_score(p: pl.DataFrame) -> pl.DataFrame:
    if FISHING_SCORE in p.columns:
        return p
    return with_fishing_score(p, FishingConfig())


def detect_zone_entries(
    tracks: Frameish,
    config: ZoneEntryConfig | None = None,
    *,
    zones: Any = None,
    prepared: pl.DataFrame | None = None,
) -> pl.DataFrame:
    """Detect visits to protected areas and AOIs; EVENT_SCHEMA rows."""
    cfg = config or ZoneEntryConfig()
    p = with_harbour(_with_score(prepared if prepared is not None else prepare(tracks)))
    # moored in a harbour inside the zone is not fishing there (issue 13)
    p = p.with_columns(
        pl.when(pl.col(HARBOUR))
        .then(pl.lit(0.0, dtype=p.schema[FISHING_SCORE]))
        .otherwise(pl.col(FISHING_SCORE))
        .alias(FISHING_SCORE)
    )
    zt = zone_table(zones, p[S.ZONE_IDS].explode() if zones is None else None)
    zt = zt.filter(pl.col(S.ZONE_KIND) != "eez")
    rows = (
        p.lazy()
        .filter(pl.col(S.ZONE_IDS).list.len() > 0)
        .select(
            *visit_columns(),
            pl.col(S.ZONE_IDS).list.unique().alias(S.EVENT_ZONE_ID),
        )
        .explode(S.EVENT_ZONE_ID)
        .join(zt.lazy(), left_on=S.EVENT_ZONE_ID, right_on=S.ZONE_ID, how="semi")
    )
    ev = (
        visits(rows, S.EVENT_ZONE_ID, cfg.merge_gap_min, cfg.min_fishing_score)
        .filter(pl.col(S.DURATION_H) * 60.0 >= cfg.min_dwell_min)
        .join(zt.lazy(), left_on=S.EVENT_ZONE_ID, right_on=S.ZONE_ID, how="left")
        .with_columns(pl.col(S.ZONE_NAME).alias(S.EVENT_ZONE_NAME))
    )
    summary = compile_template(
        "inside {zone} ({kind}) {hours:.1f} h, {fishing_h:.1f} h fishing-like, mean {mean} kn, "
        "max {max} kn",
        fields={
            "zone": pl.col(S.EVENT_ZONE_NAME),
            "kind": pl.col(S.ZONE_KIND).fill_null("zone"),
            "hours": pl.col(S.DURATION_H),
            "fishing_h": pl.col("_fish_h"),
            "mean": format_number(pl.col("_mean_sp"), ".1f").fill_null("?"),
            "max": format_number(pl.col("_max_sp"), ".1f").fill_null("?"),
        },
        null=None,
        name="summary",
    )
    return finish(
        ev,
        "zone_entry",
        evidence={
            "summary": summary,
            "n_positions": pl.col("_n"),
            "mean_speed_kn": pl.col("_mean_sp"),
            "max_speed_kn": pl.col("_max_sp"),
            "zone_kind": pl.col(S.ZONE_KIND),
            "time_inside_h": pl.col(S.DURATION_H),
            "fishing_time_inside_h": pl.col("_fish_h"),
            "mean_fishing_score": pl.col("_fish_score"),
            "moored_share": pl.col("_moored"),
            "flag": pl.col("_flag"),
            "ship_type": pl.col("_st"),
            "is_fishing_vessel": pl.col("_st") == 30,
        },
        key=pl.concat_str([pl.col(S.EVENT_ZONE_ID), pl.col(S.SEGMENT_ID)], separator=":"),
    )


def _detect(p: pl.DataFrame, cfg: ZoneEntryConfig, ctx: Context) -> pl.DataFrame:
    return detect_zone_entries(p, cfg, zones=ctx.zones, prepared=p)


DETECTOR = register(
    Detector(
        event_type=S.ZONE_ENTRY,
        config=ZoneEntryConfig,
        detect=_detect,
        columns=(
            S.MMSI,
            S.TS,
            S.LAT,
            S.LON,
            S.SEGMENT_ID,
            S.DT_S,
            S.SHORE_KM,
            S.EEZ_ISO3,
            S.FLAG,
            S.SHIP_TYPE,
            S.SOG_KN,
            S.IMPLIED_SPEED_KN,
            S.ZONE_IDS,
        ),
        evidence=(
            "summary",
            "n_positions",
            "mean_speed_kn",
            "zone_kind",
            "time_inside_h",
            "fishing_time_inside_h",
            "mean_fishing_score",
            "moored_share",
            "max_speed_kn",
            "flag",
            "ship_type",
            "is_fishing_vessel",
        ),
        label="Zone entries",
        style={
            "radius": 6,
            "color": "#ffffff",
            "weight": 1,
            "fillColor": "#1d3557",
            "fillOpacity": 0.9,
        },
        doc="a visit to a protected area, no-take zone or area of interest",
        risk_rules=("zone_presence",),
        fishing_score=True,
        order=20,
    )
)
