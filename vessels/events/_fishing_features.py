"""Windowed movement features of the fishing score, as polars expressions (private).

The features are those of Global Fishing Watch's vessel-scoring model (Kroodsma et al. 2018,
*Science* 359: "Tracking the global footprint of fisheries", supplementary: speed and course
statistics over windows of 0.5-24 h around each position, time of day, distance from shore
and port), computed without any per-row Python:

- ``speed_kn``: speed over ground if reported, else implied by the previous position (VMS).
- ``speed_mean_kn_<w>``, ``speed_std_kn_<w>``: mean and standard deviation of ``speed_kn`` over a
  window of ``w`` hours *centred* on the position (``w/2`` before and after, same segment).
- ``straightness_<w>``: mean resultant length of the unit course vectors over the window, in
  [0, 1]: 1 on a straight line, near 0 when the vessel turns back and forth or circles.
- ``turn_net_deg_<w>``: absolute value of the sum of *signed* course changes over the window (a
  purse-seine set closes a 360-degree circle in 15-30 min; the random COG jitter of a straight
  track cancels out, where a sum of absolute changes would grow with the reporting rate).
- ``extent_m_<w>``: diagonal of the window's latitude/longitude box in metres: a few tens of
  metres for a moored or anchored vessel (GPS noise, swinging), hundreds to thousands for a
  drifting one (a drifting gillnet or a longline soak moves with the current).
- ``drift_extent_m_<w>``: the same box over the window's positions slower than ``DRIFT_MAX_KN``
  only, so that steaming before or after a drift does not count as drifting.
- ``slow_frac_<w>``: share of the window's positions below ``slow_kn`` (drifting or stationary).
- ``local_solar_h``: local solar hour (UTC hour + lon / 15), and ``is_night``.

Windows are centred sums built from two one-sided rolling sums keyed by
``segment * stride + epoch seconds``: the key jumps by more than any window between segments,
so a window never mixes two segments, and no grouping (``over``) is needed.

Examples
--------
>>> from tests.factories import make_track
>>> from vessels.events._common import prepare
>>> p = prepare(make_track(n=7, interval_s=600, speed_kn=3.0, ship_type=30))
>>> f = with_fishing_features(p, scales_h=(1.0,))
>>> f["speed_mean_kn_1h"].round(2).to_list()
[3.0, 3.0, 3.0, 3.0, 3.0, 3.0, 3.0]
>>> f["n_1h"].to_list()  # positions within +-30 min (inclusive), same segment
[4.0, 5.0, 6.0, 7.0, 6.0, 5.0, 4.0]
>>> f["straightness_1h"].round(3).to_list()[3]
1.0
"""

from __future__ import annotations

from collections.abc import Sequence

import polars as pl

from vessels import schema as S
from vessels._geo import initial_bearing_deg
from vessels.events._common import DEG_M, ENGINE, SEG, prev_in

__all__ = [
    "COURSE_DEG",
    "SPEED_KN",
    "WINDOW_KEY",
    "centred_extreme",
    "centred_mean",
    "centred_sum",
    "feature_names",
    "local_solar_hour",
    "night_expr",
    "scale_label",
    "speed_kn_expr",
    "window_key_expr",
    "with_fishing_features",
]

#: Speed used by every feature: SOG if reported, else implied speed (knots).
SPEED_KN = "speed_kn"
#: Course used by the turning features: COG if reported, else the bearing from the previous fix.
COURSE_DEG = "course_deg"
#: Integer key of the window sums (see module docstring).
WINDOW_KEY = "_wkey"
#: Below this a position counts as drifting or stationary in ``slow_frac_<w>`` (knots).
SLOW_KN = 1.0
#: Positions at most this fast make the ``drift_extent_m_<w>`` box (knots).
DRIFT_MAX_KN = 2.0


def speed_kn_expr() -> pl.Expr:
    """Speed over ground if reported, else the implied speed from the previous position.

    Examples
    --------
    >>> df = pl.DataFrame({"sog_kn": [None, 2.0], "implied_speed_kn": [3.0, 9.0]})
    >>> df.select(speed_kn_expr())["sog_kn"].to_list()
    [3.0, 2.0]
    """
    return pl.coalesce(pl.col(S.SOG_KN).cast(pl.Float64), pl.col(S.IMPLIED_SPEED_KN))


def scale_label(hours: float) -> str:
    """Column suffix of a window of ``hours`` (``1h``, ``0.5h``, ``12h``).

    Examples
    --------
    >>> scale_label(1.0), scale_label(0.5), scale_label(12)
    ('1h', '0.5h', '12h')
    """
    return f"{hours:g}h"


def feature_names(scales_h: Sequence[float]) -> list[str]:
    """Names of the columns :func:`with_fishing_features` adds, in order.

    Examples
    --------
    >>> feature_names([1.0])[:4]
    ['speed_kn', 'course_deg', 'local_solar_h', 'is_night']
    """
    names = [SPEED_KN, COURSE_DEG, "local_solar_h", "is_night"]
    for w in scales_h:
        s = scale_label(w)
        names += [
            f"n_{s}",
            f"speed_mean_kn_{s}",
            f"speed_std_kn_{s}",
            f"straightness_{s}",
            f"turn_net_deg_{s}",
            f"slow_frac_{s}",
            f"extent_m_{s}",
            f"drift_extent_m_{s}",
        ]
    return names


def local_solar_hour(ts: str = S.TS, lon: str = S.LON) -> pl.Expr:
    """Local solar hour in [0, 24): UTC hour of day plus longitude / 15.

    Examples
    --------
    >>> from datetime import datetime, UTC
    >>> df = pl.DataFrame({"ts": [datetime(2024, 3, 1, 6, tzinfo=UTC)], "lon": [-90.0]})
    >>> df.select(local_solar_hour())["ts"].to_list()
    [0.0]
    """
    hour = (pl.col(ts).dt.epoch("s") % 86_400) / 3600.0
    return (hour + pl.col(lon) / 15.0) % 24.0


def night_expr(start_h: float = 19.0, end_h: float = 6.0) -> pl.Expr:
    """True between ``start_h`` and ``end_h`` local solar time (wraps around midnight)."""
    local = local_solar_hour()
    if start_h > end_h:
        return (local >= start_h) | (local < end_h)
    return (local >= start_h) & (local < end_h)


def window_key_expr(max_window_s: float) -> pl.Expr:
    """Int64 ``segment * stride + (epoch_s - min epoch_s)``, ascending in a prepared frame.

    ``stride`` exceeds the frame's time span plus twice ``max_window_s``, so windows keyed by it
    never reach into the next segment.
    """
    t = pl.col(S.TS).dt.epoch("s")
    rel = t - t.min()
    stride = rel.max() + 2 * int(max_window_s) + 2
    return pl.col(SEG).cast(pl.Int64) * stride + rel


def centred_sum(x: pl.Expr, half_s: float, key: str = WINDOW_KEY) -> pl.Expr:
    """Sum of ``x`` over positions within ``half_s`` seconds before or after (inclusive).

    Two one-sided rolling sums (backward, and backward on the reversed frame) minus the centre.
    Nulls must be filled by the caller.
    """
    w = f"{max(int(half_s), 0)}i"
    back = x.rolling_sum_by(pl.col(key), window_size=w, closed="both")
    fwd = x.reverse().rolling_sum_by(-pl.col(key).reverse(), window_size=w, closed="both").reverse()
    return back + fwd - x


def centred_extreme(x: pl.Expr, half_s: float, *, largest: bool, key: str = WINDOW_KEY) -> pl.Expr:
    """Minimum (or maximum) of ``x`` within ``half_s`` seconds before or after (inclusive)."""
    w = f"{max(int(half_s), 0)}i"
    if largest:
        back = x.rolling_max_by(pl.col(key), window_size=w, closed="both")
        fwd = x.reverse().rolling_max_by(-pl.col(key).reverse(), window_size=w, closed="both")
        return pl.max_horizontal(back, fwd.reverse())
    back = x.rolling_min_by(pl.col(key), window_size=w, closed="both")
    fwd = x.reverse().rolling_min_by(-pl.col(key).reverse(), window_size=w, closed="both")
    return pl.min_horizontal(back, fwd.reverse())


def centred_mean(x: pl.Expr, half_s: float, key: str = WINDOW_KEY) -> pl.Expr:
    """Mean of ``x`` (nulls ignored) within ``half_s`` seconds before or after."""
    valid = x.is_not_null().cast(pl.Float64)
    n = centred_sum(valid, half_s, key)
    return pl.when(n > 0).then(centred_sum(x.fill_null(0.0), half_s, key) / n)


def _extent_m(half_s: float, where: pl.Expr | None = None) -> pl.Expr:
    """Diagonal in metres of the lat/lon box of the window's positions (those ``where`` is true;
    flat-earth, fine for a few km; 0 when no position qualifies)."""
    lat = pl.col(S.LAT) if where is None else pl.when(where).then(pl.col(S.LAT))
    lon = pl.col(S.LON) if where is None else pl.when(where).then(pl.col(S.LON))
    dlat = centred_extreme(lat, half_s, largest=True) - centred_extreme(lat, half_s, largest=False)
    dlon = centred_extreme(lon, half_s, largest=True) - centred_extreme(lon, half_s, largest=False)
    east = dlon * DEG_M * pl.col(S.LAT).radians().cos()
    return (east.pow(2) + (dlat * DEG_M).pow(2)).sqrt().fill_null(0.0)


def with_fishing_features(
    frame: pl.DataFrame,
    scales_h: Sequence[float] = (1.0, 3.0, 12.0),
    *,
    night_start_h: float = 19.0,
    night_end_h: float = 6.0,
) -> pl.DataFrame:
    """Add the feature columns (:func:`feature_names`) to a prepared frame.

    ``frame`` must come from :func:`vessels.events._common.prepare` (sorted by segment and time,
    with ``_seg`` and the kinematic columns). Rows keep their order.
    """
    if not scales_h:
        raise ValueError("with_fishing_features needs at least one window scale")
    max_w = max(scales_h) * 3600.0
    brg = initial_bearing_deg(prev_in(pl.col(S.LAT)), prev_in(pl.col(S.LON)), S.LAT, S.LON)
    lf = frame.lazy().with_columns(
        speed_kn_expr().alias(SPEED_KN),
        pl.coalesce(pl.col(S.COG_DEG).cast(pl.Float64), brg).alias(COURSE_DEG),
        local_solar_hour().alias("local_solar_h"),
        night_expr(night_start_h, night_end_h).alias("is_night"),
        window_key_expr(max_w).alias(WINDOW_KEY),
    )
    # course change between consecutive fixes (COG if reported, else bearings); 0 at a start
    course = pl.col(COURSE_DEG)
    dcourse = (course - prev_in(course) + 540.0) % 360.0 - 180.0  # signed, in [-180, 180)
    rad = course.radians()
    sp = pl.col(SPEED_KN)
    lf = lf.with_columns(
        rad.cos().alias("_cx"),
        rad.sin().alias("_cy"),
        dcourse.fill_null(0.0).alias("_dc"),
        sp.pow(2).alias("_sp2"),
        (sp < SLOW_KN).cast(pl.Float64).alias("_slow"),
        sp.is_not_null().cast(pl.Float64).alias("_spv"),
        course.is_not_null().cast(pl.Float64).alias("_cv"),
        pl.lit(1.0).alias("_one"),
    )
    cols: list[pl.Expr] = []
    for w in scales_h:
        s = scale_label(w)
        half = w * 3600.0 / 2.0
        n = centred_sum(pl.col("_one"), half)
        nsp = centred_sum(pl.col("_spv"), half)
        mean = pl.when(nsp > 0).then(centred_sum(sp.fill_null(0.0), half) / nsp)
        mean2 = pl.when(nsp > 0).then(centred_sum(pl.col("_sp2").fill_null(0.0), half) / nsp)
        nc = centred_sum(pl.col("_cv"), half)
        cx = centred_sum(pl.col("_cx").fill_null(0.0), half)
        cy = centred_sum(pl.col("_cy").fill_null(0.0), half)
        cols += [
            n.alias(f"n_{s}"),
            mean.alias(f"speed_mean_kn_{s}"),
            (mean2 - mean.pow(2)).clip(lower_bound=0.0).sqrt().alias(f"speed_std_kn_{s}"),
            pl.when(nc > 0)
            .then((cx.pow(2) + cy.pow(2)).sqrt() / nc)
            .clip(0.0, 1.0)
            .alias(f"straightness_{s}"),
            centred_sum(pl.col("_dc"), half).abs().alias(f"turn_net_deg_{s}"),
            pl.when(nsp > 0)
            .then(centred_sum(pl.col("_slow").fill_null(0.0), half) / nsp)
            .alias(f"slow_frac_{s}"),
            _extent_m(half).alias(f"extent_m_{s}"),
            _extent_m(half, pl.col(SPEED_KN) <= DRIFT_MAX_KN).alias(f"drift_extent_m_{s}"),
        ]
    return (
        lf.with_columns(cols)
        .drop(WINDOW_KEY, "_cx", "_cy", "_dc", "_sp2", "_slow", "_spv", "_cv", "_one")
        .collect(engine=ENGINE)
    )
