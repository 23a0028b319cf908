"""Zones: EEZs, protected areas, AOIs, ports; land, inland water and shore distance worldwide.

Examples
--------
>>> import numpy as np
>>> from vessels.zones import is_on_land
>>> is_on_land(np.array([21.0]), np.array([-89.6])).tolist()  # Mérida, Yucatán
[True]
"""

from __future__ import annotations

from vessels.zones._coverage import coverage_report
from vessels.zones._eez import EEZConfig, build_eez
from vessels.zones._label import ZONE_EDGE_KM, LabelConfig, ZoneIndex, label_zones
from vessels.zones._land import (
    ShoreConfig,
    is_on_land,
    load_countries,
    load_land,
    load_world_land,
    shore_distance_km,
)
from vessels.zones._layers import default_zones
from vessels.zones._load import ZoneGeometryWarning, load_zone_file, load_zones
from vessels.zones._ports import learn_anchorages, load_ports
from vessels.zones._underway import UnderwayConfig, underway_water

__all__ = [
    "ZONE_EDGE_KM",
    "EEZConfig",
    "LabelConfig",
    "ShoreConfig",
    "UnderwayConfig",
    "ZoneGeometryWarning",
    "ZoneIndex",
    "build_eez",
    "coverage_report",
    "default_zones",
    "is_on_land",
    "label_zones",
    "learn_anchorages",
    "load_countries",
    "load_land",
    "load_ports",
    "load_world_land",
    "load_zone_file",
    "load_zones",
    "shore_distance_km",
    "underway_water",
]
