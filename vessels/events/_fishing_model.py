"""Gear-specific fishing score per position: documented rules over windowed features (private).

Each gear has a behaviour score in [0, 1] built from the features of
:mod:`vessels.events._fishing_features` with trapezoid ``band``\\ s and ``ramp``\\ s whose corners
are parameters of :class:`FishingScoreConfig` (each with its source). The position's score is
the strongest behaviour, damped by what the vessel declares itself to be::

    fishing_score = type_factor(ship_type) * max(trawl, haul, seine_set, soak)

Every AIS-mode behaviour counts only at sea (``at_sea_shore_km`` from the coast).

- **trawl** (and hauling longlines): 1.5-6 kn, with a share ``min_share`` of the
  ``short_window_h`` window at towing speed; full score only with turns over ``mid_window_h``
  (tows end in a turn), 70 % on a straight tow.
- **haul / set** (gillnets set at 2-3 kn and hauled at 1-2 kn for 20-60 min): 0.5-3 kn, with a
  share ``min_share`` of the ``short_window_h`` window at towing speed; ``haul_factor`` of a
  full score.
- **purse-seine set**: a closing circle (net turning of >= ``circle_turn_deg`` within
  ``short_window_h``) at 4 kn or more, at least ``circle_shore_km`` offshore.
- **soak** (gillnets and pangas, longline soak, purse-seine pursing, squid jigging): slow (below
  1-2 kn, with a share ``min_share`` of the ``short_window_h`` window slow) *and drifting* (its
  slow steps over ``mid_window_h`` add up to at least ``soak_drift_m``: a moored or anchored
  boat's GPS noise cancels out), not
  self-reported at anchor or moored (status 1, 5), not in a port or anchorage when the positions
  carry ``in_port`` / ``at_anchorage``, and not at one of the vessel's own *berths*: a ~2 km
  cell (``berth_cell_deg``) where the segment spends at least ``berth_min_h`` slow, within
  ``stationary_min_shore_km`` of the coast (GFW learns anchorages from where vessels stop; this
  is the per-vessel version, which needs no port layer). A vessel that does not drift counts only
  at night and at least ``stationary_min_shore_km`` offshore (squid jigging). By day the soak
  score is ``soak_day_factor`` (night fisheries: squid, totoaba).
- **Longline sets** (5-10 kn in a straight line) are not scored on purpose: on AIS they look
  exactly like steaming to and from the grounds, which a longliner does at the same speeds on the
  same trip; calling them fishing makes every transit fishing. A longline trip is detected by its
  soak and its slow haul. GFW's classifier, with far more features, has 78 % recall on longliners.

``type_factor``: 1 for AIS type 30 (fishing); ``unknown_type_factor`` for no or 0 type, so that
an undeclared vessel reaches the threshold only with strong, sustained behaviour; small craft
(36 sailing, 37 pleasure: pangas often declare it) ``small_craft_type_factor``, and for them only
the haul and soak behaviours count (pangas set gillnets and longlines; trawls and purse seines
are a declared fishing vessel's gear); passenger,
cargo and tankers (60-89) 0: a merchant ship is never called fishing; other declared types
(tugs, pilots, law enforcement, ...) ``other_type_factor``.

**VMS mode.** A position whose ``mid_window_h`` window holds fixes more than
``vms_min_interval_min`` apart on average, or no other fix (VMS reports every 1-4 h; satellite
AIS has holes of hours), cannot show tows, circles or drifting within a window: its score is
the at-sea slow-speed rule of the VMS literature (dafishr's speed mixture puts hauling below
~2.4 kn on Mexican VMS; GFW trawlers 2-5 kn): full up to ``vms_speed_kn[0]``, zero from
``vms_speed_kn[1]``, away from the coast, using the reported speed when there is one, else the
implied speed between fixes; a fix that has not moved from the previous one
(``vms_min_move_m``) is a boat at a berth or at anchor; a vessel
not declared a fishing vessel also needs the fix before or after to be slow at sea (sustained).

Examples
--------
>>> from vessels.testing import make_track, staged
>>> from vessels.events._common import prepare
>>> p = prepare(staged(make_track(n=40, interval_s=300, speed_kn=3.0, ship_type=30)))
>>> s = with_fishing_score_v2(p)
>>> round(s["fishing_score"][20], 2), s["fishing_behaviour"][20]  # steady 3 kn, straight
(0.8, 'haul')
>>> p = prepare(staged(make_track(n=40, interval_s=300, speed_kn=3.0, ship_type=70)))
>>> with_fishing_score_v2(p)["fishing_score"].max()  # a cargo ship never fishes
0.0
"""

from __future__ import annotations

from dataclasses import dataclass

import polars as pl

from vessels import schema as S
from vessels.events._common import ENGINE, SEG, next_in, prev_in
from vessels.events._fishing_features import SPEED_KN, scale_label, with_fishing_features

__all__ = [
    "BEHAVIOURS",
    "FISHING_BEHAVIOUR",
    "FISHING_SCORE",
    "FishingScoreConfig",
    "at_berth_expr",
    "band",
    "ramp",
    "type_factor_expr",
    "with_fishing_score_v2",
]

FISHING_SCORE = S.FISHING_SCORE
#: Name of the column holding the behaviour that gave the score (``trawl``, ``haul``,
#: ``seine_set``, ``soak``, ``vms_slow``; null when the score is 0).
FISHING_BEHAVIOUR = S.FISHING_BEHAVIOUR
BEHAVIOURS = S.FISHING_BEHAVIOURS
#: Optional boolean columns (from a port/anchorage layer) that rule out soaking when true.
PORT_FLAGS = (S.IN_PORT, S.AT_ANCHORAGE)


@dataclass(frozen=True)
class FishingScoreConfig:
    """Parameters of the per-position fishing score (see the module docstring for the rules).

    Attributes
    ----------
    short_window_h, mid_window_h : float
        Centred windows of the features: 0.5 h (a purse-seine set closes in 15-30 min) and 2 h
        (a trawl tow lasts 1-4 h, a gillnet soak hours; GFW uses windows of 0.5-24 h).
    trawl_speed_kn : tuple of float
        Trapezoid (zero, full, full, zero) of the speed of towing and hauling: 1.0 / 2.0 / 5.5 /
        7.0 kn (GFW training data: trawlers 2-5 kn; longline hauls up to 5-6).
    trawl_straight_factor : float
        Share of the trawl score kept on a perfectly straight track (no turns): 0.7 (ours).
    haul_speed_kn : tuple of float
        Trapezoid of the speed of setting and hauling nets: 0.5 / 1.0 / 3.0 / 4.0 kn (gillnets
        set at 2-3 kn, hauled at 1-2 kn).
    min_share : tuple of float
        Share of the short window's positions at towing speed (haul) or drifting speed (soak) at
        which those scores start / are full: 0.3 / 0.6 (ours: sustained for about 10-20 min; a
        share, not a mean, so that steaming next to a 20-min gillnet set does not hide it).
    haul_factor : float
        Score of a full haul/set: 0.8 (ours: short, so weaker evidence than a sustained tow).
    circle_turn_deg : tuple of float
        Net turning within the short window at which the seine score starts / is full:
        200 / 320 deg (a trawler's turn between tows is ~180 deg).
    circle_min_speed_kn : tuple of float
        Short-window mean speed at which the seine score starts / is full: 4 / 6 kn (the net is
        set at speed).
    soak_speed_kn : tuple of float
        Speed at which the soak score is full / zero: 1.0 / 2.0 kn (drifting gillnets, longline
        soak and purse-seine pursing at 0-1 kn).
    soak_drift_m : tuple of float
        Net drift over the 2-h window's slow steps at which a slow vessel starts / fully counts
        as drifting: 100 / 300 m (ours: the GPS noise of a moored boat cancels out to tens of
        metres; a boat drifting at 0.3 kn moves 1.1 km in 2 h).
    stationary_min_shore_km : float
        A slow vessel that does not drift counts as soaking only at night and at least this far
        from the coast: 20 km (ours: squid jiggers at night offshore; anchorages lie closer in).
    berth_cell_deg : float
        Cell size of the berth search: 0.02 deg (~2 km, larger than GPS noise and an anchor
        swing, smaller than the distance a drifting net covers in a few hours).
    berth_min_h : float
        Slow time in one cell that makes it the vessel's berth: 6 h (ours: longer than a visible
        gillnet soak; a night's squid jigging far offshore is exempt by the shore rule).
    at_sea_shore_km : tuple of float
        Distance from the coast at which every AIS-mode behaviour starts / fully counts: 0.5 /
        2.0 km (ours: harbours, marinas and rivers are not fishing grounds; a 1:10m coastline
        puts many berths within a few hundred metres of the shore or on it).
    circle_shore_km : tuple of float
        Distance from the coast at which the purse-seine circle starts / fully counts: 2 / 5 km
        (ours: pilot boats, patrols and ferries turn at speed in harbours).
    soak_day_factor : float
        Share of the soak score kept by day: 0.8 (night fisheries: squid jigging, totoaba).
    night_start_h, night_end_h : float
        Local solar hours counted as night: 19-6.
    min_window_positions : int
        Positions needed in each window for trawl, haul and soak: 3 (ours: sustained; a share
        of one or two fixes means nothing).
    unknown_type_factor : float
        Multiplier for vessels without a ship type: 0.6 (only strong, sustained behaviour
        reaches 0.5).
    small_craft_type_factor : float
        Multiplier for AIS types 36-37 (sailing, pleasure; many pangas declare 37): 0.5.
    other_type_factor : float
        Multiplier for declared types other than fishing, small craft and merchant: 0.3.
    vms_min_interval_min : float
        Positions whose 2-h window has fixes this far apart on average, or no other fix, use VMS
        mode: 20 min (decided per position, so a satellite hole inside a dense AIS track falls
        back to the VMS rule there only).
    vms_speed_kn : tuple of float
        In VMS mode the score is full up to the first and zero from the second speed: 3.5 / 5.0
        kn (dafishr's hauling threshold ~2.4 kn on Mexican VMS; trawling up to 5 kn).
    vms_min_shore_km : tuple of float
        In VMS mode, distance from the coast at which the score starts / is full: 2 / 5 km (ours;
        dafishr drops positions within 0.15 deg of a port).
    vms_min_move_m : tuple of float
        In VMS mode, distance from the previous fix at which the score starts / is full:
        100 / 300 m (a boat at a berth or at anchor does not move between fixes hours apart).
    """

    short_window_h: float = 0.5
    mid_window_h: float = 2.0
    trawl_speed_kn: tuple[float, float, float, float] = (1.0, 2.0, 5.5, 7.0)
    trawl_straight_factor: float = 0.7
    haul_speed_kn: tuple[float, float, float, float] = (0.5, 1.0, 3.0, 4.0)
    min_share: tuple[float, float] = (0.3, 0.6)
    haul_factor: float = 0.8
    circle_turn_deg: tuple[float, float] = (200.0, 320.0)
    circle_min_speed_kn: tuple[float, float] = (4.0, 6.0)
    soak_speed_kn: tuple[float, float] = (1.0, 2.0)
    soak_drift_m: tuple[float, float] = (100.0, 300.0)
    stationary_min_shore_km: float = 20.0
    berth_cell_deg: float = 0.02
    berth_min_h: float = 6.0
    at_sea_shore_km: tuple[float, float] = (0.5, 2.0)
    circle_shore_km: tuple[float, float] = (2.0, 5.0)
    soak_day_factor: float = 0.8
    night_start_h: float = 19.0
    night_end_h: float = 6.0
    min_window_positions: int = 3
    unknown_type_factor: float = 0.6
    small_craft_type_factor: float = 0.5
    other_type_factor: float = 0.3
    vms_min_interval_min: float = 20.0
    vms_speed_kn: tuple[float, float] = (3.5, 5.0)
    vms_min_shore_km: tuple[float, float] = (2.0, 5.0)
    vms_min_move_m: tuple[float, float] = (100.0, 300.0)


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


def at_berth_expr(cfg: FishingScoreConfig, speed: pl.Expr, *, packed_key: bool = False) -> pl.Expr:
    """True where the segment spends at least ``berth_min_h`` slow (< 1 kn) in the position's
    ``berth_cell_deg`` cell, within ``stationary_min_shore_km`` of the coast: the vessel's berth,
    mooring or anchorage (see the module docstring). One grouped sum, no join.

    With ``packed_key`` the cell (segment, row, column) is grouped by one Int64 instead of three
    keys (the same groups, faster): only for latitudes in [-90, 90] and longitudes in
    [-180, 180], whose cell indices fit 15 and 16 bits at cells of at least 0.011 deg.
    """
    slow_s = pl.when(speed < 1.0).then(pl.col(S.DT_S).fill_null(0.0).clip(0.0, 3600.0))
    cell = _berth_cell(cfg.berth_cell_deg, packed_key)
    cell_s = slow_s.fill_null(0.0).sum().over(cell)
    near = pl.col(S.SHORE_KM).fill_null(0.0) < cfg.stationary_min_shore_km
    return (cell_s >= cfg.berth_min_h * 3600.0) & near


def _berth_cell(size_deg: float, packed_key: bool) -> pl.Expr | list[pl.Expr]:
    """The group key of :func:`at_berth_expr`: segment, cell row and cell column, as three keys or
    packed into one Int64 (segment in the top 32 bits, row and column in 15 and 16 bits)."""
    row = (pl.col(S.LAT) / size_deg).floor()
    col = (pl.col(S.LON) / size_deg).floor()
    if not packed_key:
        return [pl.col(SEG), row.cast(pl.Int32), col.cast(pl.Int32)]
    return (
        pl.col(SEG).cast(pl.Int64) * 2**31
        + (row.cast(pl.Int64) + 2**14) * 2**16
        + (col.cast(pl.Int64) + 2**15)
    )


def _packable(frame: pl.DataFrame, cfg: FishingScoreConfig) -> bool:
    """Whether :func:`at_berth_expr` may pack the cell into one key: coordinates in range and
    cells large enough for the bit widths (any other frame groups by three keys)."""
    if cfg.berth_cell_deg < 0.011 or frame.height == 0:
        return False
    ok = frame.select(
        pl.col(S.LAT).is_between(-90.0, 90.0).fill_null(False).all()
        & pl.col(S.LON).is_between(-180.0, 180.0).fill_null(False).all()
    )
    return bool(ok.item())


def with_fishing_score_v2(
    frame: pl.DataFrame, cfg: FishingScoreConfig | None = None, *, keep_features: bool = False
) -> pl.DataFrame:
    """Add ``fishing_score`` (0-1) and ``fishing_behaviour`` to a prepared frame.

    ``frame`` comes from :func:`vessels.events._common.prepare`; rows keep their order. With
    ``keep_features`` the feature columns stay (for inspection and benchmarks).
    """
    cfg = cfg or FishingScoreConfig()
    scales = (cfg.short_window_h, cfg.mid_window_h)
    short, mid = (scale_label(w) for w in scales)
    needed = [
        f"n_{short}",
        f"speed_mean_kn_{short}",
        f"turn_net_deg_{short}",
        f"slow_frac_{short}",
        f"tow_frac_{short}",
        f"n_{mid}",
        f"interval_s_{mid}",
        f"straightness_{mid}",
        f"drift_m_{mid}",
    ]
    f = with_fishing_features(
        frame,
        scales,
        only=None if keep_features else needed,
        night_start_h=cfg.night_start_h,
        night_end_h=cfg.night_end_h,
    )
    sp = pl.col(SPEED_KN)
    shore = pl.col(S.SHORE_KM).fill_null(1e6)  # no shore layer: distance unknown, taken as far
    status = pl.col(S.NAV_STATUS) if S.NAV_STATUS in f.columns else pl.lit(None, pl.UInt8)
    at_rest = status.is_in([1, 5]).fill_null(False)  # self-reported at anchor / moored
    # sustained: enough fixes in both windows for their shares and sums to mean something
    enough = (pl.col(f"n_{mid}") >= cfg.min_window_positions) & (
        pl.col(f"n_{short}") >= cfg.min_window_positions
    )
    turny = 1.0 - pl.col(f"straightness_{mid}").fill_null(1.0)
    trawl = (
        band(sp, cfg.trawl_speed_kn)
        * ramp(pl.col(f"tow_frac_{short}").fill_null(0.0), *cfg.min_share)
        * ramp(shore, *cfg.at_sea_shore_km)
        * (cfg.trawl_straight_factor + (1.0 - cfg.trawl_straight_factor) * ramp(turny, 0.0, 0.3))
        * enough.cast(pl.Float64)
    )
    seine = (
        ramp(pl.col(f"turn_net_deg_{short}"), *cfg.circle_turn_deg)
        * ramp(pl.col(f"speed_mean_kn_{short}").fill_null(0.0), *cfg.circle_min_speed_kn)
        * ramp(shore, *cfg.circle_shore_km)
    )
    night = pl.col("is_night").cast(pl.Float64)
    in_port = pl.any_horizontal(
        *[pl.col(c).fill_null(False) for c in PORT_FLAGS if c in f.columns], pl.lit(False)
    )
    f = f.with_columns(at_berth_expr(cfg, sp, packed_key=_packable(f, cfg)).alias("_at_berth"))
    not_here = (~(at_rest | in_port | pl.col("_at_berth"))).cast(pl.Float64)
    drifting = ramp(pl.col(f"drift_m_{mid}").fill_null(0.0), *cfg.soak_drift_m)
    stationary_ok = (pl.col("is_night") & (shore >= cfg.stationary_min_shore_km)).cast(pl.Float64)
    soak = (
        ramp(sp.fill_null(99.0), *reversed(cfg.soak_speed_kn))
        * ramp(pl.col(f"slow_frac_{short}").fill_null(0.0), *cfg.min_share)
        * pl.max_horizontal(drifting, stationary_ok)
        * ramp(shore, *cfg.at_sea_shore_km)
        * not_here
        * enough.cast(pl.Float64)
        * (cfg.soak_day_factor + (1.0 - cfg.soak_day_factor) * night)
    )
    haul = (
        cfg.haul_factor
        * band(sp, cfg.haul_speed_kn)
        * ramp(pl.col(f"tow_frac_{short}").fill_null(0.0), *cfg.min_share)
        * ramp(shore, *cfg.at_sea_shore_km)
        * not_here
        * enough.cast(pl.Float64)
    )
    vms = (
        band(sp, (-1.0, 0.0, *cfg.vms_speed_kn))
        * ramp(shore, *cfg.vms_min_shore_km)
        * ramp(pl.col(S.DIST_M).fill_null(1e9), *cfg.vms_min_move_m)
        * not_here
    )
    # an undeclared vessel needs the slow fix to be sustained: the fix before or after also slow
    st = pl.col(S.SHIP_TYPE)
    vms_next = pl.max_horizontal(prev_in(vms), next_in(vms)).fill_null(0.0)
    vms = vms * pl.when(st == 30).then(1.0).otherwise(ramp(vms_next, 0.0, 0.5))
    interval = pl.col(f"interval_s_{mid}")
    is_vms = interval.is_null() | (interval > cfg.vms_min_interval_min * 60.0)
    lf = f.lazy().with_columns(
        trawl.fill_null(0.0).alias("_b_trawl"),
        haul.fill_null(0.0).alias("_b_haul"),
        seine.fill_null(0.0).alias("_b_seine_set"),
        soak.fill_null(0.0).alias("_b_soak"),
        vms.fill_null(0.0).alias("_b_vms_slow"),
        is_vms.alias("_vms"),
        type_factor_expr(cfg).alias("_tf"),
    )
    # small craft (36-37, pangas) fish with gillnets, longlines and hand lines: haul and soak;
    # towing a trawl or closing a purse seine needs a declared fishing vessel's gear, and a
    # pleasure boat cruising at 5 kn or circling off a marina would otherwise look like both
    small_craft = st.is_in([36, 37]).fill_null(False)
    lf = lf.with_columns(
        pl.when(small_craft).then(0.0).otherwise(pl.col(c)).alias(c)
        for c in ("_b_trawl", "_b_seine_set")
    )
    ais_cols = ["_b_trawl", "_b_haul", "_b_seine_set", "_b_soak"]
    best_ais = pl.max_horizontal(*ais_cols)
    best = pl.when(pl.col("_vms")).then(pl.col("_b_vms_slow")).otherwise(best_ais)
    which = (
        pl.when(pl.col("_vms"))
        .then(pl.lit("vms_slow"))
        .when(best_ais <= 0)
        .then(pl.lit(None, pl.String))
        .when(pl.col("_b_trawl") == best_ais)
        .then(pl.lit("trawl"))
        .when(pl.col("_b_haul") == best_ais)
        .then(pl.lit("haul"))
        .when(pl.col("_b_seine_set") == best_ais)
        .then(pl.lit("seine_set"))
        .otherwise(pl.lit("soak"))
    )
    # a zero score is +0.0: a reversed ramp at its zero gives -0.0, which times a type factor
    # of 0 would write "-0.0" for a cargo ship (and the vessels that cannot fish are given a
    # plain 0 without computing their behaviour: score_positions)
    product = (best * pl.col("_tf")).clip(0.0, 1.0)
    score = pl.when(product == 0.0).then(0.0).otherwise(product)
    out = lf.with_columns(
        score.alias(FISHING_SCORE),
        pl.when(score > 0)
        .then(which)
        .cast(S.FISHING_SCORE_SCHEMA[FISHING_BEHAVIOUR])
        .alias(FISHING_BEHAVIOUR),
    ).drop(
        "_b_trawl", "_b_haul", "_b_seine_set", "_b_soak", "_b_vms_slow", "_vms", "_tf", "_at_berth"
    )
    if not keep_features:
        drop = [c for c in f.columns if c not in frame.columns and c != "_at_berth"]
        out = out.drop(drop)
    return out.collect(engine=ENGINE)
