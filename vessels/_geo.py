"""Geodesy: the one module of great-circle formulas (private; shared by tracks, events, simulate,
zones). Each formula has a polars-expression form and a NumPy twin computing the same float
operations in the same order, and the haversine also a form over shared trigonometry (latitude
cosines computed once, as :func:`vessels.tracks.segment` does on its hot path).

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
    "chord_of_km",
    "haversine_m",
    "haversine_m_np",
    "haversine_m_np_trig",
    "haversine_m_trig",
    "initial_bearing_deg",
    "initial_bearing_deg_np",
    "km_of_chord",
    "signed_turn_deg",
    "unit_xyz",
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
    return haversine_m_trig(p2 - p1, (_col(lon2) - _col(lon1)).radians(), p1.cos(), p2.cos())


def haversine_m_trig(dphi: pl.Expr, dlmb: pl.Expr, cos_phi1: pl.Expr, cos_phi2: pl.Expr) -> pl.Expr:
    """:func:`haversine_m` from the latitude and longitude differences (radians, point 2 minus
    point 1) and the cosines of both latitudes, for callers that share them with other formulas.
    """
    a = (dphi / 2).sin().pow(2) + cos_phi1 * cos_phi2 * (dlmb / 2).sin().pow(2)
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


def signed_turn_deg(course: pl.Expr, prev_course: pl.Expr) -> pl.Expr:
    """The signed turn from ``prev_course`` to ``course`` (degrees), in [-180, 180);
    positive = clockwise (to starboard). The one definition of a course change: the
    ``course_change_deg`` column (:func:`vessels.tracks.kinematics_exprs`) and the fishing
    features' turning both use it.

    Examples
    --------
    >>> pl.select(signed_turn_deg(pl.lit(10.0), pl.lit(350.0))).item()
    20.0
    >>> pl.select(signed_turn_deg(pl.lit(350.0), pl.lit(10.0))).item()
    -20.0
    """
    return (course - prev_course + 540.0) % 360.0 - 180.0


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
    return haversine_m_np_trig(p2 - p1, np.radians(lon2 - lon1), np.cos(p1), np.cos(p2))


def haversine_m_np_trig(
    dphi: np.ndarray, dlmb: np.ndarray, cos_phi1: np.ndarray, cos_phi2: np.ndarray
) -> np.ndarray:
    """NumPy twin of :func:`haversine_m_trig`."""
    a = np.sin(dphi / 2) ** 2 + cos_phi1 * cos_phi2 * np.sin(dlmb / 2) ** 2
    return 2 * EARTH_RADIUS_M * np.arcsin(np.sqrt(np.clip(a, 0.0, 1.0)))


def initial_bearing_deg_np(
    lat1: np.ndarray, lon1: np.ndarray, lat2: np.ndarray, lon2: np.ndarray
) -> np.ndarray:
    """NumPy twin of :func:`initial_bearing_deg` (same formula)."""
    p1 = np.radians(lat1)
    p2 = np.radians(lat2)
    dlmb = np.radians(lon2 - lon1)
    y = np.sin(dlmb) * np.cos(p2)
    x = np.cos(p1) * np.sin(p2) - np.sin(p1) * np.cos(p2) * np.cos(dlmb)
    return (np.degrees(np.arctan2(y, x)) + 360.0) % 360.0


def unit_xyz(lat: np.ndarray, lon: np.ndarray) -> np.ndarray:
    """(n, 3) points on the unit sphere for (lat, lon) in degrees (for KD-tree chord queries)."""
    p = np.radians(lat)
    lm = np.radians(lon)
    c = np.cos(p)
    return np.column_stack([c * np.cos(lm), c * np.sin(lm), np.sin(p)])


def chord_of_km(km: float) -> float:
    """The unit-sphere chord of a great-circle distance in km (at most a half circle)."""
    return float(2.0 * np.sin(min(km * 1000.0 / EARTH_RADIUS_M, np.pi) / 2.0))


def km_of_chord(chord: np.ndarray) -> np.ndarray:
    """Great-circle km of unit-sphere chords (inverse of :func:`chord_of_km`).

    Examples
    --------
    >>> import numpy as np
    >>> float(np.round(km_of_chord(np.array([chord_of_km(100.0)]))[0], 6))
    100.0
    """
    return 2.0 * EARTH_RADIUS_M / 1000.0 * np.arcsin(np.clip(chord / 2.0, 0.0, 1.0))
