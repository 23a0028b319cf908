"""Which vessels the risk map draws, and the default view (the densest group of the top tier).

Split from :mod:`vessels.maps._data` (issue 15).

Examples
--------
>>> import polars as pl
>>> v = pl.DataFrame({"mmsi": [1, 2], "risk_score": [10.0, 90.0], "risk_tier": ["low", "high"]})
>>> select_vessels(v, top_n=1)[0]["mmsi"].to_list()
[2]
"""

from __future__ import annotations

from collections.abc import Sequence

import polars as pl

from vessels import schema as S
from vessels.errors import UserError

__all__ = [
    "FOCUS_CELL_DEG",
    "focus_area",
    "select_vessels",
]


_VESSEL_OPTIONAL: dict[str, pl.DataType] = {
    S.VESSEL_NAME: pl.String(),
    S.CALLSIGN: pl.String(),
    S.FLAG: pl.String(),
    S.SHIP_TYPE: pl.UInt8(),
    S.REASONS: pl.List(pl.String()),
    S.FIRST_TS: S.TS_DTYPE,
    S.LAST_TS: S.TS_DTYPE,
    S.N_POSITIONS: pl.UInt32(),
    S.DESTINATION: pl.String(),
    S.VESSEL_ID: pl.String(),  # VMS runs: the permit / registration number the file names
}


def select_vessels(
    vessels: pl.DataFrame, *, top_n: int, mmsi: Sequence[int] | None = None
) -> tuple[pl.DataFrame, int]:
    """Simplified positions and the number of vessels the point cap thinned."""
    missing = [c for c in (S.MMSI, S.RISK_SCORE, S.RISK_TIER) if c not in vessels.columns]
    if missing:
        raise UserError(f"vessels table lacks column(s) {', '.join(missing)}")
    v = vessels.with_columns(
        [
            pl.lit(None, dtype=dtype).alias(name)
            for name, dtype in _VESSEL_OPTIONAL.items()
            if name not in vessels.columns
        ]
    ).with_columns(pl.col(S.MMSI).cast(pl.UInt32))
    total = v.height
    ranked = v.sort([S.RISK_SCORE, S.MMSI], descending=[True, False], nulls_last=True)
    if mmsi:
        wanted = pl.Series(S.MMSI, list(mmsi), dtype=pl.UInt32)
        unknown = sorted(set(wanted.to_list()) - set(ranked[S.MMSI].to_list()))
        if unknown:
            raise UserError(
                f"MMSI not in the vessels table: {', '.join(map(str, unknown))}",
                hint="check the number, or drop --mmsi to draw the top-ranked vessels",
            )
        return ranked.filter(pl.col(S.MMSI).is_in(wanted.implode())), total
    if top_n < 1:
        raise UserError(f"top_n must be at least 1, got {top_n}")
    return ranked.head(top_n), total


#: Size of the grid cells (degrees) in which :func:`focus_area` looks for the densest group.
FOCUS_CELL_DEG = 1.0


def focus_area(
    positions: pl.DataFrame, selected: pl.DataFrame, tier: str
) -> tuple[tuple[float, float, float, float] | None, int]:
    """The default view: the positions of the ``tier`` vessels in and around (one cell each
    way) the :data:`FOCUS_CELL_DEG` grid cell holding most of them, and how many of those
    vessels also have positions outside it (e.g. a shared MMSI seen at both ends of a gulf).

    Examples
    --------
    >>> from datetime import datetime, UTC
    >>> pos = pl.DataFrame({"mmsi": [1, 1, 1, 2], "ts": [datetime(2024, 1, 1, tzinfo=UTC)] * 4,
    ...     "lat": [31.1, 31.2, 24.0, 31.3], "lon": [-114.6, -114.5, -108.0, -114.4]},
    ...     schema_overrides={"mmsi": pl.UInt32})
    >>> sel = pl.DataFrame({"mmsi": [1, 2], "risk_tier": ["critical"] * 2},
    ...     schema_overrides={"mmsi": pl.UInt32})
    >>> focus_area(pos, sel, "critical")
    ((-114.6, 31.1, -114.4, 31.3), 1)
    """
    top = positions.join(
        selected.filter(pl.col(S.RISK_TIER) == tier).select(S.MMSI), on=S.MMSI, how="semi"
    ).with_columns(
        (pl.col(S.LAT) / FOCUS_CELL_DEG).floor().alias("_cy"),
        (pl.col(S.LON) / FOCUS_CELL_DEG).floor().alias("_cx"),
    )
    if top.height == 0:
        return None, 0
    best = top.group_by("_cy", "_cx").len().sort("len", "_cy", "_cx", descending=True).row(0)
    near = ((pl.col("_cy") - best[0]).abs() <= 1) & ((pl.col("_cx") - best[1]).abs() <= 1)
    inside = top.filter(near)
    box = inside.select(
        pl.col(S.LON).min().alias("w"),
        pl.col(S.LAT).min().alias("s"),
        pl.col(S.LON).max().alias("e"),
        pl.col(S.LAT).max().alias("n"),
    ).row(0)
    elsewhere = top.filter(~near)[S.MMSI].n_unique()
    return (float(box[0]), float(box[1]), float(box[2]), float(box[3])), elsewhere
