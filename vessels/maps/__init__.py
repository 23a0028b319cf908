"""Interactive risk maps (folium): tracks by risk tier, events, zones, legend, offline mode.

:func:`risk_map` returns a ``folium.Map`` (the caller saves it, e.g. with :func:`save_map`);
``vessels map DIR`` builds one from the outputs of ``vessels score``. See ``docs/maps.md``.

All AIS text (names, call signs, reasons, summaries) travels as JSON data and is written into
the page with ``textContent``: a vessel named ``<img src=x onerror=alert(1)>`` shows exactly
those characters.

Examples
--------
>>> from vessels.maps import TIER_COLOURS
>>> sorted(TIER_COLOURS)
['critical', 'high', 'low', 'medium']
"""

from __future__ import annotations

from vessels.maps._build import risk_map, save_map
from vessels.maps._data import EVENT_LABELS, TIER_COLOURS

__all__ = ["EVENT_LABELS", "TIER_COLOURS", "risk_map", "save_map"]
