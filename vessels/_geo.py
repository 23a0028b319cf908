"""Geodesy helpers as polars expressions (private; shared by tracks, events, simulate, zones).

Examples
--------
>>> import polars as pl
>>> df = pl.DataFrame({"a": [0.0], "b": [0.0], "c": [0.0], "d": [1.0]})
>>> round(df.select(haversine_m("a", "b", "c", "d")).item() / 1000, 1)
111.2
"""

from __future__ import annotations

import numpy as np
import polars as pl

__all__ = [
    "EARTH_RADIUS_M",
    "MPS_PER_KN",
    "M_PER_NM",
    "haversine_m",
    "haversine_m_np",
    "initial_bearing_deg",
]

#: Mean Earth radius (IUGG), metres.
EARTH_RADIUS_M = 6_371_008.8
#: One international nautical mile, metres.
M_PER_NM = 1852.0
#: One knot in metres per second.
MPS_PER_KN = M_PER_NM / 3600.0


def _col(x: str | pl.Expr) -> pl.Expr:
    return pl.col(x) if isinstance(x, str) else x


def haversine_m(
    lat1: str | pl.Expr, lon1: str | pl.Expr, lat2: str | pl.Expr, lon2: str | pl.Expr
) -> pl.Expr:
    """Great-circle distance in metres between two (lat, lon) columns in degrees."""
    p1 = _col(lat1).radians()
    p2 = _col(lat2).radians()
    dphi = p2 - p1
    dlmb = (_col(lon2) - _col(lon1)).radians()
    a = (dphi / 2).sin().pow(2) + p1.cos() * p2.cos() * (dlmb / 2).sin().pow(2)
    return 2 * EARTH_RADIUS_M * a.sqrt().clip(0.0, 1.0).arcsin()


def initial_bearing_deg(
    lat1: str | pl.Expr, lon1: str | pl.Expr, lat2: str | pl.Expr, lon2: str | pl.Expr
) -> pl.Expr:
    """Initial great-circle bearing in degrees [0, 360) from point 1 to point 2."""
    p1 = _col(lat1).radians()
    p2 = _col(lat2).radians()
    dlmb = (_col(lon2) - _col(lon1)).radians()
    y = dlmb.sin() * p2.cos()
    x = p1.cos() * p2.sin() - p1.sin() * p2.cos() * dlmb.cos()
    return (pl.arctan2(y, x).degrees() + 360.0) % 360.0


def haversine_m_np(
    lat1: np.ndarray, lon1: np.ndarray, lat2: np.ndarray, lon2: np.ndarray
) -> np.ndarray:
    """NumPy twin of :func:`haversine_m` for array code at the edges (simulator, zones).

    Examples
    --------
    >>> import numpy as np
    >>> float(np.round(haversine_m_np(np.array([0.0]), np.array([0.0]),
    ...                               np.array([0.0]), np.array([1.0]))[0] / 1000, 1))
    111.2
    """
    p1 = np.radians(lat1)
    p2 = np.radians(lat2)
    a = (
        np.sin((p2 - p1) / 2) ** 2
        + np.cos(p1) * np.cos(p2) * np.sin(np.radians(lon2 - lon1) / 2) ** 2
    )
    return 2 * EARTH_RADIUS_M * np.arcsin(np.sqrt(np.clip(a, 0.0, 1.0)))
