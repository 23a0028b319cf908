"""Zones: EEZs, protected areas and areas of interest; point-in-zone and distance to shore.

Examples
--------
>>> import numpy as np
>>> from vessels.zones import is_on_land
>>> is_on_land(np.array([21.0]), np.array([-89.6])).tolist()  # Mérida, Yucatán
[True]
"""

from __future__ import annotations

from vessels.zones._land import (
    ShoreConfig,
    is_on_land,
    load_countries,
    load_land,
    shore_distance_km,
)

__all__ = [
    "ShoreConfig",
    "is_on_land",
    "load_countries",
    "load_land",
    "shore_distance_km",
]
