"""Zones: EEZs, protected areas and areas of interest; point-in-zone and distance to shore.

Examples
--------
>>> import numpy as np
>>> from vessels.zones import is_on_land
>>> is_on_land(np.array([21.0]), np.array([-89.6])).tolist()  # Mérida, Yucatán
[True]
"""

from __future__ import annotations

from vessels.zones._eez import EEZConfig, build_eez
from vessels.zones._label import ZONE_EDGE_KM, LabelConfig, ZoneIndex, label_zones
from vessels.zones._land import (
    ShoreConfig,
    is_on_land,
    load_countries,
    load_land,
    shore_distance_km,
)
from vessels.zones._layers import default_zones
from vessels.zones._load import ZoneGeometryWarning, load_zone_file, load_zones

__all__ = [
    "ZONE_EDGE_KM",
    "EEZConfig",
    "LabelConfig",
    "ShoreConfig",
    "ZoneGeometryWarning",
    "ZoneIndex",
    "build_eez",
    "default_zones",
    "is_on_land",
    "label_zones",
    "load_countries",
    "load_land",
    "load_zone_file",
    "load_zones",
    "shore_distance_km",
]
