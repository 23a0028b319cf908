"""Gear-specific fishing score per position: documented rules over windowed features (private).

Each gear has a behaviour score in [0, 1] built from the features of
:mod:`vessels.events._fishing_features` with trapezoid ``band``\\ s and ``ramp``\\ s whose corners
are parameters of :class:`FishingScoreConfig` (each with its source). The position's score is
the strongest behaviour, damped by what the vessel declares itself to be::

    fishing_score = type_factor(ship_type) * max(trawl, longline_set, seine_set, soak)

- **trawl** (and hauling gear): sustained 1.5-5.5 kn over ``mid_window_h`` with a steady speed;
  full score only with turns (tows end in a turn), 70 % on a straight tow.
- **longline set**: 5-10 kn in a straight line, on a trip whose ``long_window_h`` also holds
  drifting (soak) time, away from the coast; the slow haul and the soak score as *soak*.
- **purse-seine set**: a closing circle (>= ``circle_turn_deg`` of turning within
  ``short_window_h``) at 4 kn or more; the pursing drift after it scores as *soak*.
- **soak** (gillnets and pangas, longline soak, purse-seine pursing, squid jigging): drifting or
  stationary (mean < 1-2 kn over ``mid_window_h``) at sea, at least ``soak_min_shore_km`` from
  the coast, not self-reported at anchor or moored; a night bonus (squid jigging and totoaba
  gillnets are night fisheries).

``type_factor``: 1 for AIS type 30 (fishing); ``unknown_type_factor`` for no or 0 type, so that
an undeclared vessel reaches the threshold only with strong, sustained behaviour; small craft
(36 sailing, 37 pleasure: pangas often declare it) ``small_craft_type_factor``; passenger,
cargo and tankers (60-89) 0: a merchant ship is never called fishing; other declared types
(tugs, pilots, law enforcement, ...) ``other_type_factor``.

**VMS mode.** A segment whose median interval between fixes exceeds ``vms_min_median_dt_min``
(VMS reports every 1-4 h; satellite AIS has holes of hours) cannot show tows, circles or the
set/soak pattern: its score is the at-sea slow-speed rule of the VMS literature (dafishr's
speed mixture puts hauling below ~2.4 kn on Mexican VMS; GFW trawlers 2-5 kn):
``band(speed, -1, 0, vms_speed_full_kn, vms_speed_zero_kn)`` away from the coast, using the
reported speed when there is one, else the implied speed between fixes.

Examples
--------
>>> from tests.factories import make_track
>>> from vessels.events._common import prepare
>>> p = prepare(make_track(n=40, interval_s=300, speed_kn=3.0, ship_type=30))
>>> s = with_fishing_score_v2(p)
>>> round(s["fishing_score"][20], 2)  # a straight 3 kn tow of a fishing vessel
0.7
>>> p = prepare(make_track(n=40, interval_s=300, speed_kn=3.0, ship_type=70))
>>> with_fishing_score_v2(p)["fishing_score"].max()  # a cargo ship never fishes
0.0
"""

from __future__ import annotations

from dataclasses import dataclass

import polars as pl

from vessels import schema as S
from vessels.events._common import ENGINE, SEG
from vessels.events._fishing_features import SPEED_KN, scale_label, with_fishing_features

__all__ = [
    "BEHAVIOURS",
    "FISHING_BEHAVIOUR",
    "FISHING_SCORE",
    "FishingScoreConfig",
    "band",
    "ramp",
    "type_factor_expr",
    "with_fishing_score_v2",
]

FISHING_SCORE = "fishing_score"
#: Name of the column holding the behaviour that gave the score (``trawl``, ``longline_set``,
#: ``seine_set``, ``soak``, ``vms_slow``; null when the score is 0).
FISHING_BEHAVIOUR = "fishing_behaviour"
BEHAVIOURS = ("trawl", "longline_set", "seine_set", "soak", "vms_slow")


@dataclass(frozen=True)
class FishingScoreConfig:
    """Parameters of the per-position fishing score (see the module docstring for the rules).

    Attributes
    ----------
    short_window_h, mid_window_h, long_window_h : float
        Centred windows of the features: 0.5 h (a purse-seine set closes in 15-30 min), 2 h (a
        trawl tow lasts 1-4 h; GFW uses 0.5-24 h windows), 12 h (a longline set-soak-haul cycle).
    trawl_speed_kn : tuple of float
        Trapezoid (zero, full, full, zero) of the 2-h mean speed of towing and hauling:
        1.0 / 2.0 / 5.0 / 6.5 kn (GFW training data: trawlers 2-5 kn).
    trawl_max_std_kn : tuple of float
        Speed standard deviation over 2 h at which the trawl score is full / zero: 1.2 / 2.5 kn
        (ours: a steady tow; a vessel accelerating out of port is not towing).
    trawl_straight_factor : float
        Share of the trawl score kept on a perfectly straight track (no turns): 0.7 (ours).
    longline_speed_kn : tuple of float
        Trapezoid of the setting speed: 4.0 / 5.0 / 9.0 / 10.5 kn (longliners set at 5-10 kn).
    longline_min_straightness : tuple of float
        0.5-h straightness at which the set score starts / is full: 0.8 / 0.95.
    longline_slow_frac : tuple of float
        Share of drifting positions in the 12-h window at which the set score starts / is
        full: 0.05 / 0.2 (a set is followed or preceded by a soak).
    longline_min_shore_km : float
        Sets are scored at least this far from the coast: 10 km (ours: longlining is offshore;
        avoids calling a departure from port a set).
    circle_turn_deg : tuple of float
        Turning within the short window at which the seine score starts / is full: 180 / 300 deg.
    circle_min_speed_kn : tuple of float
        Short-window mean speed at which the seine score starts / is full: 4 / 6 kn (the net is
        set at speed).
    soak_speed_kn : tuple of float
        2-h mean speed at which the soak score is full / zero: 1.0 / 2.0 kn (drifting gillnets,
        longline soak and purse-seine pursing at 0-1 kn).
    soak_min_shore_km : tuple of float
        Distance from the coast at which the soak score starts / is full: 0.5 / 2.0 km (ours:
        boats at a berth or moored off a beach are not soaking).
    soak_day_factor : float
        Share of the soak score kept by day: 0.8 (night fisheries: squid jigging, totoaba).
    night_start_h, night_end_h : float
        Local solar hours counted as night: 19-6.
    min_window_positions : float
        Positions needed in the 2-h window for trawl and soak: 3 (ours: sustained behaviour).
    unknown_type_factor : float
        Multiplier for vessels without a ship type: 0.6 (only strong, sustained behaviour
        reaches 0.5).
    small_craft_type_factor : float
        Multiplier for AIS types 36-37 (sailing, pleasure; many pangas declare 37): 0.5.
    other_type_factor : float
        Multiplier for declared types other than fishing, small craft and merchant: 0.3.
    vms_min_median_dt_min : float
        Segments whose median interval between fixes exceeds this use VMS mode: 20 min.
    vms_speed_kn : tuple of float
        In VMS mode the score is full up to the first and zero from the second speed: 3.5 / 5.0
        kn (dafishr's hauling threshold ~2.4 kn on Mexican VMS; trawling up to 5 kn).
    vms_min_shore_km : tuple of float
        In VMS mode, distance from the coast at which the score starts / is full: 2 / 5 km (ours;
        dafishr drops positions within 0.15 deg of a port).
    """

    short_window_h: float = 0.5
    mid_window_h: float = 2.0
    long_window_h: float = 12.0
    trawl_speed_kn: tuple[float, float, float, float] = (1.0, 2.0, 5.0, 6.5)
    trawl_max_std_kn: tuple[float, float] = (1.2, 2.5)
    trawl_straight_factor: float = 0.7
    longline_speed_kn: tuple[float, float, float, float] = (4.0, 5.0, 9.0, 10.5)
    longline_min_straightness: tuple[float, float] = (0.8, 0.95)
    longline_slow_frac: tuple[float, float] = (0.05, 0.2)
    longline_min_shore_km: float = 10.0
    circle_turn_deg: tuple[float, float] = (180.0, 300.0)
    circle_min_speed_kn: tuple[float, float] = (4.0, 6.0)
    soak_speed_kn: tuple[float, float] = (1.0, 2.0)
    soak_min_shore_km: tuple[float, float] = (0.5, 2.0)
    soak_day_factor: float = 0.8
    night_start_h: float = 19.0
    night_end_h: float = 6.0
    min_window_positions: float = 3.0
    unknown_type_factor: float = 0.6
    small_craft_type_factor: float = 0.5
    other_type_factor: float = 0.3
    vms_min_median_dt_min: float = 20.0
    vms_speed_kn: tuple[float, float] = (3.5, 5.0)
    vms_min_shore_km: tuple[float, float] = (2.0, 5.0)


def ramp(x: pl.Expr, zero: float, full: float) -> pl.Expr:
    """0 at ``zero``, 1 at ``full``, linear between (either direction), clipped.

    Examples
    --------
    >>> pl.select(ramp(pl.lit(3.0), 2.0, 4.0)).item(), pl.select(ramp(pl.lit(3.0), 4.0, 2.0)).item()
    (0.5, 0.5)
    """
    span = full - zero
    if span == 0:
        return (x >= full).cast(pl.Float64)
    return ((x - zero) / span).clip(0.0, 1.0)


def band(x: pl.Expr, corners: tuple[float, float, float, float]) -> pl.Expr:
    """Trapezoid: 0 below ``corners[0]``, 1 on ``corners[1]..corners[2]``, 0 above ``corners[3]``.

    Examples
    --------
    >>> pl.select(band(pl.lit(1.5), (1.0, 2.0, 5.0, 6.0))).item()
    0.5
    """
    a, b, c, d = corners
    return pl.min_horizontal(ramp(x, a, b), ramp(x, d, c))


def type_factor_expr(cfg: FishingScoreConfig) -> pl.Expr:
    """Multiplier of the behaviour score from the AIS ship type (see the module docstring)."""
    st = pl.col(S.SHIP_TYPE)
    return (
        pl.when(st == 30)
        .then(1.0)
        .when(st.is_null() | (st == 0))
        .then(cfg.unknown_type_factor)
        .when((st >= 60) & (st <= 89))
        .then(0.0)
        .when((st == 36) | (st == 37))
        .then(cfg.small_craft_type_factor)
        .otherwise(cfg.other_type_factor)
    )


def with_fishing_score_v2(
    frame: pl.DataFrame, cfg: FishingScoreConfig | None = None, *, keep_features: bool = False
) -> pl.DataFrame:
    """Add ``fishing_score`` (0-1) and ``fishing_behaviour`` to a prepared frame.

    ``frame`` comes from :func:`vessels.events._common.prepare`; rows keep their order. With
    ``keep_features`` the feature columns stay (for inspection and benchmarks).
    """
    cfg = cfg or FishingScoreConfig()
    scales = (cfg.short_window_h, cfg.mid_window_h, cfg.long_window_h)
    f = with_fishing_features(
        frame, scales, night_start_h=cfg.night_start_h, night_end_h=cfg.night_end_h
    )
    short, mid, long_ = (scale_label(w) for w in scales)
    sp = pl.col(SPEED_KN)
    shore = pl.col(S.SHORE_KM).fill_null(1e6)  # no shore layer: distance unknown, taken as far
    status = pl.col(S.NAV_STATUS) if S.NAV_STATUS in f.columns else pl.lit(None, pl.UInt8)
    at_rest = status.is_in([1, 5]).fill_null(False)  # self-reported at anchor / moored
    enough = pl.col(f"n_{mid}") >= cfg.min_window_positions
    steady = ramp(pl.col(f"speed_std_kn_{mid}").fill_null(99.0), *reversed(cfg.trawl_max_std_kn))
    turny = 1.0 - pl.col(f"straightness_{mid}").fill_null(1.0)
    trawl = (
        band(pl.col(f"speed_mean_kn_{mid}"), cfg.trawl_speed_kn)
        * band(sp, (0.5, 1.0, cfg.trawl_speed_kn[2] + 1.0, cfg.trawl_speed_kn[3] + 1.0))
        * steady
        * (cfg.trawl_straight_factor + (1.0 - cfg.trawl_straight_factor) * ramp(turny, 0.0, 0.3))
        * enough.cast(pl.Float64)
    )
    longline = (
        band(sp, cfg.longline_speed_kn)
        * ramp(pl.col(f"straightness_{short}").fill_null(0.0), *cfg.longline_min_straightness)
        * ramp(pl.col(f"slow_frac_{long_}").fill_null(0.0), *cfg.longline_slow_frac)
        * (shore >= cfg.longline_min_shore_km).cast(pl.Float64)
    )
    seine = ramp(pl.col(f"turn_deg_{short}"), *cfg.circle_turn_deg) * ramp(
        pl.col(f"speed_mean_kn_{short}").fill_null(0.0), *cfg.circle_min_speed_kn
    )
    night = pl.col("is_night").cast(pl.Float64)
    soak = (
        ramp(pl.col(f"speed_mean_kn_{mid}").fill_null(99.0), *reversed(cfg.soak_speed_kn))
        * ramp(shore, *cfg.soak_min_shore_km)
        * (~at_rest).cast(pl.Float64)
        * enough.cast(pl.Float64)
        * (cfg.soak_day_factor + (1.0 - cfg.soak_day_factor) * night)
    )
    vms = (
        band(sp, (-1.0, 0.0, *cfg.vms_speed_kn))
        * ramp(shore, *cfg.vms_min_shore_km)
        * (~at_rest).cast(pl.Float64)
    )
    median_dt = pl.col(S.DT_S).median().over(SEG)
    is_vms = (median_dt > cfg.vms_min_median_dt_min * 60.0).fill_null(False)
    lf = f.lazy().with_columns(
        trawl.fill_null(0.0).alias("_b_trawl"),
        longline.fill_null(0.0).alias("_b_longline_set"),
        seine.fill_null(0.0).alias("_b_seine_set"),
        soak.fill_null(0.0).alias("_b_soak"),
        vms.fill_null(0.0).alias("_b_vms_slow"),
        is_vms.alias("_vms"),
        type_factor_expr(cfg).alias("_tf"),
    )
    ais_cols = ["_b_trawl", "_b_longline_set", "_b_seine_set", "_b_soak"]
    best_ais = pl.max_horizontal(*ais_cols)
    best = pl.when(pl.col("_vms")).then(pl.col("_b_vms_slow")).otherwise(best_ais)
    which = (
        pl.when(pl.col("_vms"))
        .then(pl.lit("vms_slow"))
        .when(best_ais <= 0)
        .then(pl.lit(None, pl.String))
        .when(pl.col("_b_trawl") == best_ais)
        .then(pl.lit("trawl"))
        .when(pl.col("_b_longline_set") == best_ais)
        .then(pl.lit("longline_set"))
        .when(pl.col("_b_seine_set") == best_ais)
        .then(pl.lit("seine_set"))
        .otherwise(pl.lit("soak"))
    )
    score = (best * pl.col("_tf")).clip(0.0, 1.0)
    out = lf.with_columns(
        score.alias(FISHING_SCORE),
        pl.when(score > 0).then(which).alias(FISHING_BEHAVIOUR),
    ).drop("_b_trawl", "_b_longline_set", "_b_seine_set", "_b_soak", "_b_vms_slow", "_vms", "_tf")
    if not keep_features:
        drop = [c for c in f.columns if c not in frame.columns]
        out = out.drop(drop)
    return out.collect(engine=ENGINE)
