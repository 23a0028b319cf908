"""Windowed movement features of the fishing score, as polars expressions (private).

The features are those of Global Fishing Watch's vessel-scoring model (Kroodsma et al. 2018,
*Science* 359: "Tracking the global footprint of fisheries", supplementary: speed and course
statistics over windows of 0.5-24 h around each position, time of day, distance from shore
and port), computed without any per-row Python:

- ``speed_kn``: speed over ground if reported, else implied by the previous position (VMS); a
  fix with neither takes the next fix's speed.
- ``speed_mean_kn_<w>``, ``speed_std_kn_<w>``: mean and standard deviation of ``speed_kn`` over a
  window of ``w`` hours *centred* on the position (``w/2`` before and after, same segment).
- ``straightness_<w>``: mean resultant length of the unit course vectors over the window, in
  [0, 1]: 1 on a straight line, near 0 when the vessel turns back and forth or circles.
- ``turn_net_deg_<w>``: absolute value of the sum of *signed* course changes over the window (a
  purse-seine set closes a 360-degree circle in 15-30 min; the random COG jitter of a straight
  track cancels out, where a sum of absolute changes would grow with the reporting rate).
- ``slow_frac_<w>``: share of the window's positions at most ``DRIFT_MAX_KN`` (drifting,
  stationary); ``tow_frac_<w>``: share within ``TOW_BAND_KN`` (towing, setting, hauling). Shares
  rather than means, so that minutes of steaming next to a short set do not hide it.
- ``drift_m_<w>``: length of the sum of the window's *slow* steps (steps between two positions no
  faster than ``DRIFT_MAX_KN``, so the last step of an arrival at 20 kn does not count): the net
  distance the vessel drifted while slow. A moored or anchored boat's steps are GPS noise and
  cancel out (tens of metres); a drifting gillnet or a longline soak moves with the current
  (hundreds of metres to kilometres); steaming before or after the drift does not count.
- ``interval_s_<w>``: mean interval between the window's fixes (its time span over the number of
  intervals; null for a position alone in its window): how densely the track is sampled there.
- ``local_solar_h``: local solar hour (UTC hour + lon / 15), and ``is_night``.

Every windowed feature is a difference of two cumulative sums, gathered at the first and last
row of the window; the window bounds come from one ``search_sorted`` per side on the key
``segment * stride + epoch seconds``, which jumps by more than any window between segments, so
a window never mixes two segments. The cumulative sums restart at each segment (see
:func:`window_sum`); each is built once per source column and shared by every window and scale,
and only those the requested columns need are built (``only``).

Examples
--------
>>> from vessels.testing import make_track, staged
>>> from vessels.events._common import prepare
>>> p = prepare(staged(make_track(n=7, interval_s=600, speed_kn=3.0, ship_type=30)))
>>> f = with_fishing_features(p, scales_h=(1.0,))
>>> f["speed_mean_kn_1h"].round(2).to_list()
[3.0, 3.0, 3.0, 3.0, 3.0, 3.0, 3.0]
>>> f["n_1h"].to_list()  # positions within +-30 min (inclusive), same segment
[4, 5, 6, 7, 6, 5, 4]
>>> f["straightness_1h"].round(3).to_list()[3]
1.0
"""

from __future__ import annotations

from collections.abc import Collection, Sequence

import polars as pl

from vessels import schema as S
from vessels._geo import initial_bearing_deg, signed_turn_deg
from vessels.events._common import DEG_M, ENGINE, IDX, SEG, next_in, prev_in

__all__ = [
    "COURSE_DEG",
    "DRIFT_MAX_KN",
    "SPEED_KN",
    "TOW_BAND_KN",
    "WINDOW_KEY",
    "feature_names",
    "local_solar_hour",
    "night_expr",
    "scale_label",
    "speed_kn_expr",
    "window_key_expr",
    "window_sum",
    "with_fishing_features",
]

#: Speed used by every feature: SOG if reported, else implied speed (knots).
SPEED_KN = "speed_kn"
#: Course used by the turning features: COG if reported, else the bearing from the previous fix.
COURSE_DEG = "course_deg"
#: Integer key of the windows (see module docstring).
WINDOW_KEY = "_wkey"
#: Steps ending at a position at most this fast count in ``drift_m_<w>`` (knots).
DRIFT_MAX_KN = 2.0
#: Speeds counted in ``tow_frac_<w>`` (knots, inclusive).
TOW_BAND_KN = (1.0, 6.5)
#: Per-scale feature stems, in column order.
_STEMS = (
    "n",
    "interval_s",
    "speed_mean_kn",
    "speed_std_kn",
    "straightness",
    "turn_net_deg",
    "slow_frac",
    "tow_frac",
    "drift_m",
)
#: The running sums (see :func:`with_fishing_features`) each windowed stem reads.
_SOURCES = {
    "n": (),
    "interval_s": (),
    "speed_mean_kn": ("sp",),
    "speed_std_kn": ("sp", "sp2"),
    "straightness": ("cx", "cy"),
    "turn_net_deg": ("dc",),
    "slow_frac": ("slow",),
    "tow_frac": ("tow",),
    "drift_m": ("de", "dn"),
}


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
    """Names of the columns :func:`with_fishing_features` adds (all of them), in order.

    Examples
    --------
    >>> feature_names([1.0])[:6]
    ['speed_kn', 'course_deg', 'local_solar_h', 'is_night', 'n_1h', 'interval_s_1h']
    """
    names = [SPEED_KN, COURSE_DEG, "local_solar_h", "is_night"]
    for w in scales_h:
        names += [f"{stem}_{scale_label(w)}" for stem in _STEMS]
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


def window_sum(x: pl.Expr, lo: str, hi: str) -> pl.Expr:
    """Sum of ``x`` over rows ``lo .. hi - 1`` (Int64 columns of row indices; nulls as 0).

    The running sum restarts at each segment (windows never cross one): a running sum over the
    whole frame would carry the rounding of every earlier vessel's rows into this one's window
    sums, so a vessel's features (and fishing score) would depend on which other vessels share
    its frame — a partitioned run (one MMSI bucket per frame) and an in-process run differed in
    the last bits of ``mean_fishing_score`` on the 200-jigger ``eez-fleet`` scenario.
    :func:`with_fishing_features` computes the same sums from running sums it builds once per
    source column (:func:`_running_sum`, :func:`_window_diff`), shared by every window.
    """
    first = pl.int_range(pl.len(), dtype=pl.Int64) - pl.int_range(pl.len(), dtype=pl.Int64).over(
        SEG
    )
    return _window_diff(_running_sum(x), lo, hi, first)


def _running_sum(x: pl.Expr) -> pl.Expr:
    """Running sum of ``x`` (nulls as 0) restarting at each segment."""
    return x.fill_null(0.0).cast(pl.Float64).cum_sum().over(SEG)


def _window_diff(cs: pl.Expr, lo: str, hi: str, first: pl.Expr) -> pl.Expr:
    """``cs[hi - 1] - cs[lo - 1]`` (0 for the second term when ``lo`` is the segment's first row
    ``first``): the window sum from a running sum ``cs`` of :func:`_running_sum`."""
    before = pl.when(pl.col(lo) > first).then(cs.gather((pl.col(lo) - 1).clip(0))).otherwise(0.0)
    return cs.gather(pl.col(hi) - 1) - before


def _course_or_bearing(frame: pl.DataFrame) -> pl.Series:
    """COG if reported, else the initial bearing from the previous fix of the segment (null at
    its first fix), computed for the rows without COG only."""
    cog = frame.get_column(S.COG_DEG).cast(pl.Float64)
    if not cog.null_count():
        return cog
    idx = cog.is_null().arg_true()
    lat, lon = pl.col(S.LAT), pl.col(S.LON)
    ends = frame.select(prev_in(lat).alias("_lat0"), prev_in(lon).alias("_lon0"), lat, lon)
    brg = ends.select(pl.all().gather(idx)).select(
        initial_bearing_deg("_lat0", "_lon0", S.LAT, S.LON)
    )
    return cog.scatter(idx, brg.to_series())


def with_fishing_features(
    frame: pl.DataFrame,
    scales_h: Sequence[float] = (0.5, 2.0),
    *,
    only: Collection[str] | None = None,
    night_start_h: float = 19.0,
    night_end_h: float = 6.0,
) -> pl.DataFrame:
    """Add the feature columns (:func:`feature_names`) to a prepared frame.

    ``frame`` must come from :func:`vessels.events._common.prepare` (sorted by segment and time,
    with ``_seg`` and the kinematic columns). Rows keep their order. With ``only``, just those
    windowed columns are added (the per-position ones always are).
    """
    if not scales_h:
        raise ValueError("with_fishing_features needs at least one window scale")
    max_w = max(scales_h) * 3600.0
    sp0 = speed_kn_expr()
    course0 = pl.col("_course0")
    lf = frame.lazy()
    if frame.get_column(SEG).is_sorted():
        # as prepare() numbers them: flagged sorted, the running sums per segment (``over``)
        # take the segments as slices instead of hashing ``_seg`` (the same sums, bit for bit)
        lf = lf.with_columns(pl.col(SEG).set_sorted())
    lf = lf.with_columns(_course_or_bearing(frame).alias("_course0")).with_columns(
        pl.coalesce(sp0, next_in(sp0)).alias(SPEED_KN),
        pl.coalesce(course0, next_in(course0)).alias(COURSE_DEG),
        local_solar_hour().alias("local_solar_h"),
        night_expr(night_start_h, night_end_h).alias("is_night"),
        window_key_expr(max_w).alias(WINDOW_KEY),
    )
    course = pl.col(COURSE_DEG)
    rad = course.radians()
    sp = pl.col(SPEED_KN)
    # the step from the previous fix, in metres east / north, counted when both ends are slow
    slow_step = (
        (sp <= DRIFT_MAX_KN).fill_null(False)
        & (sp.shift() <= DRIFT_MAX_KN).fill_null(False)
        & (pl.col(SEG) == pl.col(SEG).shift())
    )
    lat_prev = pl.col(S.LAT).shift()
    north = (pl.col(S.LAT) - lat_prev) * DEG_M
    east = (
        ((pl.col(S.LON) - pl.col(S.LON).shift() + 540.0) % 360.0 - 180.0)
        * DEG_M
        * pl.col(S.LAT).radians().cos()
    )
    lf = lf.with_columns(
        rad.cos().alias("_cx"),
        rad.sin().alias("_cy"),
        signed_turn_deg(course, prev_in(course)).fill_null(0.0).alias("_dc"),
        pl.when(slow_step).then(east).otherwise(0.0).alias("_de"),
        pl.when(slow_step).then(north).otherwise(0.0).alias("_dn"),
    )
    wanted = set(feature_names(scales_h)) if only is None else set(only)
    # the running sums the requested columns need, built once each and shared by every scale
    sources = {
        "sp": sp,
        "sp2": sp.pow(2),
        "cx": pl.col("_cx"),
        "cy": pl.col("_cy"),
        "dc": pl.col("_dc"),
        "slow": (sp <= DRIFT_MAX_KN).cast(pl.Float64),
        "tow": sp.is_between(*TOW_BAND_KN).cast(pl.Float64),
        "de": pl.col("_de"),
        "dn": pl.col("_dn"),
    }
    scales = [
        (i, w, {stem: f"{stem}_{scale_label(w)}" for stem in _STEMS})
        for i, w in enumerate(scales_h)
    ]
    used = {
        src
        for _, _, names in scales
        for stem, srcs in _SOURCES.items()
        if names[stem] in wanted
        for src in srcs
    }
    sums = [_running_sum(sources[src]).alias(f"_cs_{src}") for src in sources if src in used]
    key = pl.col(WINDOW_KEY)
    # the row index of the first row of this row's segment (rows are sorted by segment)
    row = pl.int_range(pl.len(), dtype=pl.Int64)
    first = row - (
        pl.col(IDX).cast(pl.Int64)
        if IDX in frame.columns
        else pl.int_range(pl.len(), dtype=pl.Int64).over(SEG)
    )
    bounds: list[pl.Expr] = [first.alias("_first")]
    cols: list[pl.Expr] = []
    for i, w, names in scales:
        if not wanted & set(names.values()):
            continue
        half = int(w * 3600.0 / 2.0)
        lo, hi = f"_lo{i}", f"_hi{i}"
        bounds += [
            key.search_sorted(key - half, side="left").cast(pl.Int64).alias(lo),
            key.search_sorted(key + half, side="right").cast(pl.Int64).alias(hi),
        ]

        def wsum(src: str, lo: str = lo, hi: str = hi) -> pl.Expr:
            return _window_diff(pl.col(f"_cs_{src}"), lo, hi, pl.col("_first"))

        n = (pl.col(hi) - pl.col(lo)).cast(pl.Float64)
        mean = wsum("sp") / n
        if names["n"] in wanted:
            cols.append((pl.col(hi) - pl.col(lo)).alias(names["n"]))
        if names["interval_s"] in wanted:
            t = pl.col(S.TS).dt.epoch("s")
            span = (t.gather(pl.col(hi) - 1) - t.gather(pl.col(lo))).cast(pl.Float64)
            k = pl.col(hi) - pl.col(lo) - 1
            cols.append(pl.when(k > 0).then(span / k).alias(names["interval_s"]))
        if names["speed_mean_kn"] in wanted:
            cols.append(mean.alias(names["speed_mean_kn"]))
        if names["speed_std_kn"] in wanted:
            mean2 = wsum("sp2") / n
            std = (mean2 - mean.pow(2)).clip(lower_bound=0.0).sqrt()
            cols.append(std.alias(names["speed_std_kn"]))
        if names["straightness"] in wanted:
            cx = wsum("cx")
            cy = wsum("cy")
            r = ((cx.pow(2) + cy.pow(2)).sqrt() / n).clip(0.0, 1.0)
            cols.append(r.alias(names["straightness"]))
        if names["turn_net_deg"] in wanted:
            cols.append(wsum("dc").abs().alias(names["turn_net_deg"]))
        if names["slow_frac"] in wanted:
            cols.append((wsum("slow") / n).alias(names["slow_frac"]))
        if names["tow_frac"] in wanted:
            cols.append((wsum("tow") / n).alias(names["tow_frac"]))
        if names["drift_m"] in wanted:
            de = wsum("de")
            dn = wsum("dn")
            cols.append((de.pow(2) + dn.pow(2)).sqrt().alias(names["drift_m"]))
    drop = [WINDOW_KEY, "_course0", "_cx", "_cy", "_dc", "_de", "_dn"]
    if cols:
        lf = lf.with_columns(sums).with_columns(bounds).with_columns(cols)
        drop += [str(e.meta.output_name()) for e in [*sums, *bounds]]
    return lf.drop(drop).collect(engine=ENGINE)
