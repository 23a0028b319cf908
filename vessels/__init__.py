"""vessels: maritime vessel-risk analytics from AIS.

The public API is the names in ``__all__``; each is imported on first use so that
``import vessels`` stays light (folium, movingpandas and geopandas load only when needed).

Examples
--------
>>> import vessels as vs
>>> "read_ais" in vs.__all__
True
"""

from __future__ import annotations

import importlib
from typing import Any

from vessels._version import __version__

#: public name -> "module:attribute"
_EXPORTS: dict[str, str] = {
    "read_ais": "vessels.io:read_ais",
    "ingest": "vessels.ingestion:ingest",
    "clean": "vessels.cleaning:clean",
    "segment": "vessels.tracks:segment",
    "SegmentConfig": "vessels.tracks:SegmentConfig",
    "to_trajectories": "vessels.interop:to_trajectories",
    "to_geodataframe": "vessels.interop:to_geodataframe",
    "load_zones": "vessels.zones:load_zones",
    "default_zones": "vessels.zones:default_zones",
    "label_zones": "vessels.zones:label_zones",
    "detect_events": "vessels.events:detect_events",
    "DetectorConfig": "vessels.events:DetectorConfig",
    "score": "vessels.risk:score",
    "load_profile": "vessels.risk:load_profile",
    "risk_map": "vessels.maps:risk_map",
    "simulate": "vessels.simulation:simulate",
    "evaluate": "vessels.simulation:evaluate",
    "run": "vessels.pipeline:run",
    "match_watchlist": "vessels.watchlist:match_watchlist",
    "load_watchlist": "vessels.watchlist:load_watchlist",
    "Pipeline": "vessels.pipeline:Pipeline",
}

__all__ = ["__version__", *_EXPORTS]


def __getattr__(name: str) -> Any:
    target = _EXPORTS.get(name)
    if target is None:
        raise AttributeError(f"module 'vessels' has no attribute {name!r}")
    module, attr = target.split(":")
    value = getattr(importlib.import_module(module), attr)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(__all__)
