"""Download official EEZ polygons from the Marine Regions web service (optional, online).

Marine Regions (Flanders Marine Institute, https://www.marineregions.org) publishes the World EEZ
layer under CC-BY 4.0 through a GeoServer WFS. :func:`fetch_eez` asks it for the EEZs of one
sovereign state at a time (``iso_sov1``), keeps each answer as GeoJSON in a cache directory, and
reuses the cached file next time (``refresh=True`` downloads again). Offline, it fails with a
:class:`~vessels.errors.UserError` saying how to proceed.

Examples
--------
>>> print(wfs_url("https://example.org/wfs", "MEX"))  # doctest: +ELLIPSIS
https://example.org/wfs?service=WFS&...&typeName=MarineRegions%3Aeez&...iso_sov1%3D%27MEX%27
"""

from __future__ import annotations

import json
import os
import re
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from vessels.errors import UserError

__all__ = ["MARINE_REGIONS_WFS", "default_cache_dir", "fetch_eez", "wfs_url"]

MARINE_REGIONS_WFS = "https://geo.vliz.be/geoserver/MarineRegions/wfs"


def default_cache_dir() -> Path:
    """``$XDG_CACHE_HOME/vessels/marineregions`` (``~/.cache/...`` by default)."""
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "vessels" / "marineregions"


def wfs_url(base_url: str, iso3: str) -> str:
    """The WFS GetFeature request for the EEZs of one sovereign state, as GeoJSON."""
    query = urllib.parse.urlencode(
        {
            "service": "WFS",
            "version": "1.0.0",
            "request": "GetFeature",
            "typeName": "MarineRegions:eez",
            "outputFormat": "application/json",
            "CQL_FILTER": f"iso_sov1='{iso3}'",
        }
    )
    return f"{base_url}?{query}"


def _download(url: str, timeout_s: float) -> dict[str, Any]:
    try:
        with urllib.request.urlopen(url, timeout=timeout_s) as resp:
            body = resp.read()
    except urllib.error.HTTPError as exc:
        raise UserError(f"Marine Regions answered HTTP {exc.code} for {url}") from None
    except (urllib.error.URLError, TimeoutError, OSError) as exc:
        reason = getattr(exc, "reason", exc)
        raise UserError(
            f"cannot reach the Marine Regions web service ({reason})",
            hint="check the network, or download World EEZ from https://www.marineregions.org/"
            "downloads.php and pass the file with --zones",
        ) from None
    try:
        doc = json.loads(body)
    except ValueError:
        raise UserError(f"Marine Regions did not return GeoJSON for {url}") from None
    if not isinstance(doc, dict) or doc.get("type") != "FeatureCollection":
        raise UserError(f"Marine Regions did not return a FeatureCollection for {url}")
    return doc


def fetch_eez(
    iso3: Sequence[str],
    *,
    cache_dir: str | Path | None = None,
    base_url: str = MARINE_REGIONS_WFS,
    refresh: bool = False,
    timeout_s: float = 60.0,
    out: str | Path | None = None,
) -> list[Path]:
    """Fetch (or reuse from the cache) the official EEZs of sovereign states ``iso3``.

    Returns the cached GeoJSON paths (one per state), or ``[out]`` when ``out`` is given (all
    states merged into one file). Load them with ``load_zones(paths)``: they are recognised as
    Marine Regions files and replace the default approximate EEZs of the same states.
    """
    from vessels.zones._load import load_zone_file

    codes = [c.strip().upper() for c in iso3]
    bad = [c for c in codes if not re.fullmatch(r"[A-Z]{3}", c)]
    if bad or not codes:
        raise UserError(f"not ISO 3166 alpha-3 codes: {bad}", hint="e.g. MEX USA CUB")
    cache = Path(cache_dir) if cache_dir is not None else default_cache_dir()
    try:
        cache.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise UserError(f"cannot create the cache directory {cache}: {exc}") from None
    paths = []
    features: list[Any] = []
    for code in codes:
        path = cache / f"eez_{code}.geojson"
        if refresh or not path.exists():
            doc = _download(wfs_url(base_url, code), timeout_s)
            if not doc.get("features"):
                raise UserError(f"Marine Regions has no EEZ with sovereign {code}")
            tmp = path.with_suffix(".tmp")
            tmp.write_text(json.dumps(doc), encoding="utf-8")
            tmp.replace(path)
        load_zone_file(path)  # check it is usable before anyone relies on it
        paths.append(path)
        features.extend(json.loads(path.read_text(encoding="utf-8"))["features"])
    if out is not None:
        target = Path(out)
        target.write_text(
            json.dumps({"type": "FeatureCollection", "features": features}), encoding="utf-8"
        )
        return [target]
    return paths
