"""The fishing score as it was before issue 14, frozen here as the benchmark's baseline ("old").

A 1-5 kn speed band, mean course change over 5 positions, night and AIS type, weighted
0.40 / 0.35 / 0.10 / 0.15 and damped to 0.2 for types 31-99 (vessels/events/fishing.py at commit
0907992, with the course change taken as absolute, which that commit meant). Not used by the
package.
"""

from __future__ import annotations

import polars as pl

from vessels import schema as S
from vessels._geo import initial_bearing_deg
from vessels.events._common import ENGINE, SEG, prev_in

__all__ = ["legacy_fishing_score"]


def legacy_fishing_score(frame: pl.DataFrame) -> pl.DataFrame:
    """Add the old ``fishing_score`` to a prepared frame (rows keep their order)."""
    sp = pl.coalesce(pl.col(S.SOG_KN).cast(pl.Float64), pl.col(S.IMPLIED_SPEED_KN))
    rise = ((sp - 0.3) / 0.7).clip(0.0, 1.0)
    fall = ((8.0 - sp) / 3.0).clip(0.0, 1.0)
    lf = frame.lazy().with_columns(
        pl.min_horizontal(rise, fall).fill_null(0.0).alias("_band"),
        rise.fill_null(0.0).alias("_moving"),
        initial_bearing_deg(prev_in(pl.col(S.LAT)), prev_in(pl.col(S.LON)), S.LAT, S.LON).alias(
            "_brg"
        ),
    )
    bearing_change = ((pl.col("_brg") - prev_in(pl.col("_brg")) + 540.0) % 360.0 - 180.0).abs()
    cog = pl.col(S.COG_DEG).cast(pl.Float64)
    cog_change = ((cog - prev_in(cog) + 540.0) % 360.0 - 180.0).abs()
    lf = lf.with_columns(pl.coalesce(cog_change, bearing_change).fill_null(0.0).alias("_cc"))
    cc = pl.col("_cc")
    total: pl.Expr = pl.lit(0.0)
    count: pl.Expr = pl.lit(0.0)
    for off in range(-2, 3):
        if off == 0:
            v = cc
        else:
            same = (pl.col(SEG) == pl.col(SEG).shift(off)).fill_null(False)
            v = pl.when(same).then(cc.shift(off))
        total = total + v.fill_null(0.0)
        count = count + v.is_not_null().cast(pl.Float64)
    turn = (total / count / 30.0).clip(0.0, 1.0) * pl.col("_moving")
    hour = (pl.col(S.TS).dt.epoch("s") % 86_400) / 3600.0
    local = (hour + pl.col(S.LON) / 15.0) % 24.0
    night = (local >= 19.0) | (local < 6.0)
    st = pl.col(S.SHIP_TYPE)
    typ = pl.when(st == 30).then(1.0).when(st.is_null()).then(0.5).otherwise(0.0)
    factor = pl.when((st > 30) & (st <= 99)).then(0.2).otherwise(1.0)
    raw = 0.40 * pl.col("_band") + 0.35 * turn + 0.10 * night.cast(pl.Float64) + 0.15 * typ
    return (
        lf.with_columns((raw * factor).clip(0.0, 1.0).alias("fishing_score"))
        .drop("_band", "_moving", "_brg", "_cc")
        .collect(engine=ENGINE)
    )
