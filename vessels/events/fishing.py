"""Fishing-likeness score per position and fishing events grouped with GFW's rules.

The score is a transparent kinematic heuristic in [0, 1], not GFW's neural network:

``score = type_factor * (w_speed * speed_band + w_turn * turning + w_night * night
+ w_type * type)``

- ``speed_band``: 1 inside the fishing speed band (default 1-5 kn: trawling, hauling, drifting
  gillnets), falling linearly to 0 at ``speed_low_kn`` and ``speed_high_kn``;
- ``turning``: mean absolute course change over ``turn_window`` positions, saturating at
  ``turn_full_deg`` (course from COG, else from the bearing between positions), multiplied by
  the rising edge of the speed band (GPS jitter of a vessel at rest is not turning);
- ``night``: 1 between ``night_start_h`` and ``night_end_h`` local solar time (lon / 15);
- ``type``: 1 for AIS ship type 30 (fishing), 0.5 unknown, 0 other; ``type_factor`` damps
  ship types that are not fishing vessels (31-99: tugs, passenger, cargo, tankers, ...).

A position is *fishing* when ``score >= min_score``. Fishing positions are grouped into events
per segment with GFW's rules (event-definitions: split > 10 km or > 2 h; join < 1 h and < 2 km;
drop <= 20 min, <= 5 positions, mean speed >= 10 kn, length <= 0.5 km).

Examples
--------
>>> from vessels.testing import make_track
>>> t = make_track(n=5, speed_kn=3.0, ship_type=30)
>>> fishing_score(t)["fishing_score"].round(2).to_list()
[0.55, 0.55, 0.55, 0.55, 0.55]
"""

from __future__ import annotations

from dataclasses import dataclass

import polars as pl

from vessels import schema as S
from vessels._geo import haversine_m, initial_bearing_deg
from vessels.events._common import (
    ENGINE,
    SEG,
    Frameish,
    extent_aggs,
    finish,
    first_zone_agg,
    fixed_point,
    prepare,
    prev_in,
    runs_id,
)
from vessels.events.registry import Context, Detector, register

__all__ = [
    "FISHING_SCORE",
    "FishingConfig",
    "detect_fishing",
    "fishing_score",
    "speed_kn_expr",
    "with_fishing_score",
]

#: Name of the per-position score column added by :func:`fishing_score`.
FISHING_SCORE = "fishing_score"


@dataclass(frozen=True)
class FishingConfig:
    """Parameters of the fishing score and of fishing events.

    Attributes
    ----------
    min_score : float
        A position is fishing when its score is at least this. Default 0.5 (midpoint of [0, 1]).
    speed_low_kn, speed_band_low_kn, speed_band_high_kn, speed_high_kn : float
        Trapezoid of the speed band: 0 below 0.3 kn (at anchor), 1 within 1-5 kn (GFW training data:
        trawlers 2-5 kn, gillnets and longlines hauling 0.5-3 kn), 0 above 8 kn (steaming).
    turn_window : int
        Positions in the centred window of mean course change. Default 5.
    turn_full_deg : float
        Mean course change giving a full turning score. Default 30 deg.
    night_start_h, night_end_h : float
        Local solar hours counted as night. Default 19-6 (totoaba gillnets and squid jigging are
        set at night).
    weight_speed, weight_turn, weight_night, weight_type : float
        Weights of the components (sum 1). Defaults 0.40 / 0.35 / 0.10 / 0.15 (ours: speed and
        turning are the strongest features in GFW's published model analysis; a vessel of unknown
        type moving straight at fishing speed by day scores 0.475, just below the threshold).
    non_fishing_type_factor : float
        Multiplier for AIS types 31-99 (not fishing vessels). Default 0.2.
    split_max_dist_km, split_max_gap_h : float
        Split an event where consecutive fishing positions are more than 10 km or 2 h apart (GFW).
    join_max_gap_h, join_max_dist_km : float
        Join events less than 1 h and 2 km apart (GFW).
    drop_max_duration_min : float
        Drop events lasting <= 20 min (GFW).
    drop_max_positions : int
        Drop events with <= 5 positions (GFW).
    drop_min_mean_speed_kn : float
        Drop events with mean speed >= 10 kn (GFW).
    drop_max_length_km : float
        Drop events whose track is <= 0.5 km long (GFW).
    """

    min_score: float = 0.5
    speed_low_kn: float = 0.3
    speed_band_low_kn: float = 1.0
    speed_band_high_kn: float = 5.0
    speed_high_kn: float = 8.0
    turn_window: int = 5
    turn_full_deg: float = 30.0
    night_start_h: float = 19.0
    night_end_h: float = 6.0
    weight_speed: float = 0.40
    weight_turn: float = 0.35
    weight_night: float = 0.10
    weight_type: float = 0.15
    non_fishing_type_factor: float = 0.2
    split_max_dist_km: float = 10.0
    split_max_gap_h: float = 2.0
    join_max_gap_h: float = 1.0
    join_max_dist_km: float = 2.0
    drop_max_duration_min: float = 20.0
    drop_max_positions: int = 5
    drop_min_mean_speed_kn: float = 10.0
    drop_max_length_km: float = 0.5


def speed_kn_expr() -> pl.Expr:
    """Speed over ground if reported, else the implied speed from the previous position."""
    return pl.coalesce(pl.col(S.SOG_KN).cast(pl.Float64), pl.col(S.IMPLIED_SPEED_KN))


def with_fishing_score(frame: pl.DataFrame, cfg: FishingConfig) -> pl.DataFrame:
    """Add the ``fishing_score`` column to a prepared frame (sorted by segment, ts).

    Computed in stages of plain columnar expressions with masked shifts (no grouping).
    """
    sp = speed_kn_expr()
    rise = ((sp - cfg.speed_low_kn) / max(cfg.speed_band_low_kn - cfg.speed_low_kn, 1e-9)).clip(
        0.0, 1.0
    )
    fall = ((cfg.speed_high_kn - sp) / max(cfg.speed_high_kn - cfg.speed_band_high_kn, 1e-9)).clip(
        0.0, 1.0
    )
    lf = frame.lazy().with_columns(
        pl.min_horizontal(rise, fall).fill_null(0.0).alias("_band"),
        rise.fill_null(0.0).alias("_moving"),
        initial_bearing_deg(prev_in(pl.col(S.LAT)), prev_in(pl.col(S.LON)), S.LAT, S.LON).alias(
            "_brg"
        ),
    )
    bearing_change = ((pl.col("_brg") - prev_in(pl.col("_brg")) + 540.0) % 360.0 - 180.0).abs()
    # how much the track turns, not which way: course_change_deg is signed (schema.py), and a
    # circle fished to port must score as one fished to starboard
    lf = lf.with_columns(
        pl.coalesce(pl.col(S.COURSE_CHANGE_DEG).abs(), bearing_change).fill_null(0.0).alias("_cc")
    )
    # centred mean over turn_window positions of the same segment (masked shifts, no grouping)
    cc = pl.col("_cc")
    half = cfg.turn_window // 2
    total: pl.Expr = pl.lit(0.0)
    count: pl.Expr = pl.lit(0.0)
    for off in range(-half, max(cfg.turn_window, 1) - half):
        if off == 0:
            v = cc
        else:
            same = (pl.col(SEG) == pl.col(SEG).shift(off)).fill_null(False)
            v = pl.when(same).then(cc.shift(off))
        total = total + v.fill_null(0.0)
        count = count + v.is_not_null().cast(pl.Float64)
    # GPS jitter of a vessel at rest gives random bearings: turning only counts when moving
    turn = (total / count / cfg.turn_full_deg).clip(0.0, 1.0) * pl.col("_moving")
    hour = (pl.col(S.TS).dt.epoch("s") % 86_400) / 3600.0
    local = (hour + pl.col(S.LON) / 15.0) % 24.0
    if cfg.night_start_h > cfg.night_end_h:
        night = (local >= cfg.night_start_h) | (local < cfg.night_end_h)
    else:
        night = (local >= cfg.night_start_h) & (local < cfg.night_end_h)
    st = pl.col(S.SHIP_TYPE)
    typ = pl.when(st == 30).then(1.0).when(st.is_null()).then(0.5).otherwise(0.0)
    factor = pl.when((st > 30) & (st <= 99)).then(cfg.non_fishing_type_factor).otherwise(1.0)
    raw = (
        cfg.weight_speed * pl.col("_band")
        + cfg.weight_turn * turn
        + cfg.weight_night * night.cast(pl.Float64)
        + cfg.weight_type * typ
    )
    return (
        lf.with_columns((raw * factor).clip(0.0, 1.0).alias(FISHING_SCORE))
        .drop("_band", "_moving", "_brg", "_cc")
        .collect(engine=ENGINE)
    )


def fishing_score(tracks: Frameish, config: FishingConfig | None = None) -> pl.DataFrame:
    """Return the positions (all their columns) with a ``fishing_score`` column in [0, 1].

    Rows come back sorted by ``mmsi``, segment and ``ts``; missing segment/kinematic columns are
    added as :func:`vessels.events.prepare` does.

    Examples
    --------
    >>> from vessels.testing import make_track
    >>> fishing_score(make_track(n=3, speed_kn=14.0, ship_type=70))["fishing_score"].max()
    0.0
    """
    cfg = config or FishingConfig()
    p = prepare(tracks, keep_all=True)
    return with_fishing_score(p, cfg).drop(SEG, "_i")


# decimals kept by the fixed-point sums of fishing events (far below the data's precision)
_DEG_DIGITS = 9  # ~0.1 mm
_KM_DIGITS = 6  # 1 mm
_KN_DIGITS = 6
_SCORE_DIGITS = 9
_M_DIGITS = 3  # 1 mm


def _ratio(total: str, count: str, digits: int) -> pl.Expr:
    """In an aggregation: sum of fixed-point ``total`` over sum of ``count`` (null if 0)."""
    n = pl.col(count).sum()
    return pl.when(n > 0).then(pl.col(total).sum() / n / float(10**digits))


def detect_fishing(
    tracks: Frameish,
    config: FishingConfig | None = None,
    *,
    prepared: pl.DataFrame | None = None,
) -> pl.DataFrame:
    """Fishing events: runs of fishing positions grouped and filtered with GFW's rules.

    Examples
    --------
    >>> from vessels.testing import make_track
    >>> ev = detect_fishing(make_track(n=40, interval_s=300, speed_kn=3.0, ship_type=30))
    >>> ev.select("event_type", "duration_h").rows()
    [('fishing', 3.25)]
    """
    cfg = config or FishingConfig()
    p = prepared if prepared is not None else prepare(tracks)
    if FISHING_SCORE not in p.columns:
        p = with_fishing_score(p, cfg)
    is_f = pl.col(FISHING_SCORE) >= cfg.min_score
    new_run = (
        (is_f != prev_in(is_f))
        | (pl.col(S.DT_S) > cfg.split_max_gap_h * 3600)
        | (pl.col(S.DIST_M) > cfg.split_max_dist_km * 1000)
    )
    runs = (
        p.lazy()
        .with_columns(runs_id(new_run).alias("_run"), speed_kn_expr().alias("_sp"))
        .filter(is_f)
        .group_by("_run")
        .agg(
            pl.col(SEG).first(),
            pl.col(S.SEGMENT_ID).first(),
            pl.col(S.MMSI).first(),
            *extent_aggs(),
            # fixed-point integer sums: exact whatever order the rows of a group are added in
            # (see _common.exact_sum)
            fixed_point(pl.col(S.LAT), _DEG_DIGITS).sum().alias("_slat"),
            fixed_point(pl.col(S.LON), _DEG_DIGITS).sum().alias("_slon"),
            fixed_point(pl.col(S.SHORE_KM), _KM_DIGITS).sum().alias("_sshore"),
            fixed_point(pl.col(S.SHORE_KM), _KM_DIGITS).count().alias("_nshore"),
            pl.len().alias("_n"),
            fixed_point(pl.col("_sp"), _KN_DIGITS).sum().alias("_ssp"),
            fixed_point(pl.col("_sp"), _KN_DIGITS).count().alias("_nsp"),
            fixed_point(pl.col(FISHING_SCORE), _SCORE_DIGITS).sum().alias("_sscore"),
            fixed_point(pl.col(S.DIST_M).slice(1), _M_DIGITS).sum().alias("_len_m"),
            pl.col(S.EEZ_ISO3).drop_nulls().first().alias(S.EEZ_ISO3),
            first_zone_agg().alias(S.EVENT_ZONE_ID),
            pl.col(S.FLAG).drop_nulls().first().alias("_flag"),
            pl.col(S.SHIP_TYPE).drop_nulls().first().alias("_st"),
        )
        .sort(SEG, S.START_TS, "_run")  # _run breaks ties: a total order
    )
    gap_h = (pl.col(S.START_TS) - prev_in(pl.col(S.END_TS))).dt.total_seconds(
        fractional=True
    ) / 3600.0
    jump_m = haversine_m(
        prev_in(pl.col(S.END_LAT)),
        prev_in(pl.col(S.END_LON)),
        pl.col(S.START_LAT),
        pl.col(S.START_LON),
    )
    join = (gap_h < cfg.join_max_gap_h) & (jump_m < cfg.join_max_dist_km * 1000)
    ev = (
        runs.with_columns(
            runs_id(~join).alias("_grp"),
            fixed_point(pl.when(join).then(jump_m).otherwise(0.0), _M_DIGITS).alias("_jump"),
        )
        .group_by("_grp")
        .agg(
            pl.col(S.SEGMENT_ID).first(),
            pl.col(S.MMSI).first(),
            pl.col(S.START_TS).first(),
            pl.col(S.END_TS).last(),
            pl.col(S.START_LAT).first(),
            pl.col(S.START_LON).first(),
            pl.col(S.END_LAT).last(),
            pl.col(S.END_LON).last(),
            _ratio("_slat", "_n", _DEG_DIGITS).alias(S.LAT),
            _ratio("_slon", "_n", _DEG_DIGITS).alias(S.LON),
            _ratio("_sshore", "_nshore", _KM_DIGITS).alias(S.SHORE_KM),
            pl.col("_n").sum().alias("_n"),
            _ratio("_ssp", "_nsp", _KN_DIGITS).alias("_mean_sp"),
            _ratio("_sscore", "_n", _SCORE_DIGITS).alias("_mean_score"),
            (
                (pl.col("_len_m").sum() + pl.col("_jump").sum()) / float(10**_M_DIGITS) / 1000.0
            ).alias("_len_km"),
            pl.col(S.EEZ_ISO3).drop_nulls().first(),
            pl.col(S.EVENT_ZONE_ID).drop_nulls().first(),
            pl.col("_flag").drop_nulls().first(),
            pl.col("_st").drop_nulls().first(),
        )
        .with_columns(
            (
                (pl.col(S.END_TS) - pl.col(S.START_TS)).dt.total_seconds(fractional=True) / 3600.0
            ).alias(S.DURATION_H)
        )
        .filter(
            (pl.col(S.DURATION_H) * 60.0 > cfg.drop_max_duration_min)
            & (pl.col("_n") > cfg.drop_max_positions)
            & (pl.col("_mean_sp").fill_null(0.0) < cfg.drop_min_mean_speed_kn)
            & (pl.col("_len_km").fill_null(0.0) > cfg.drop_max_length_km)
        )
    )
    summary = pl.concat_str(
        [
            pl.lit("fishing-like movement for "),
            pl.col(S.DURATION_H).round(1).cast(pl.String),
            pl.lit(" h over "),
            pl.col("_len_km").round(1).cast(pl.String),
            pl.lit(" km at "),
            pl.col("_mean_sp").round(1).cast(pl.String).fill_null("?"),
            pl.lit(" kn"),
            pl.when(pl.col(S.EEZ_ISO3).is_not_null())
            .then(pl.concat_str([pl.lit(" in "), pl.col(S.EEZ_ISO3), pl.lit(" EEZ")]))
            .otherwise(pl.lit("")),
        ]
    )
    return finish(
        ev,
        "fishing",
        evidence={
            "summary": summary,
            "n_positions": pl.col("_n"),
            "mean_speed_kn": pl.col("_mean_sp"),
            "track_length_km": pl.col("_len_km"),
            "mean_fishing_score": pl.col("_mean_score"),
            "flag": pl.col("_flag"),
            "ship_type": pl.col("_st"),
            "is_fishing_vessel": (pl.col("_st") == 30),
        },
        key=pl.col(S.SEGMENT_ID),
    )


def _detect(p: pl.DataFrame, cfg: FishingConfig, ctx: Context) -> pl.DataFrame:
    return detect_fishing(p, cfg, prepared=p)


DETECTOR = register(
    Detector(
        event_type=S.FISHING,
        config=FishingConfig,
        detect=_detect,
        columns=(
            S.MMSI,
            S.TS,
            S.LAT,
            S.LON,
            S.SEGMENT_ID,
            S.SOG_KN,
            S.IMPLIED_SPEED_KN,
            S.COURSE_CHANGE_DEG,
            S.DT_S,
            S.DIST_M,
            S.SHORE_KM,
            S.EEZ_ISO3,
            S.FLAG,
            S.SHIP_TYPE,
        ),
        evidence=(
            "summary",
            "n_positions",
            "mean_speed_kn",
            "flag",
            "ship_type",
            "is_fishing_vessel",
            "track_length_km",
            "mean_fishing_score",
        ),
        label="Fishing",
        style={"color": "#2bb673", "weight": 9, "opacity": 0.45, "lineCap": "round"},
        doc="a run of positions with fishing-like speed and turning (heuristic fishing score)",
        risk_rules=("fishing_in_zone",),
        fishing_score=True,
    )
)
