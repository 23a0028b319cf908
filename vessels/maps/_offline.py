"""Offline maps: swap every CDN link of a folium map for an embedded copy from our bundle.

folium pulls Leaflet, jQuery, Bootstrap and its plugins from CDNs. An analyst's air-gapped
machine has no CDN, so an offline map carries the same files inside the HTML as ``data:`` URIs.
The files ship in ``vessels/data/web/`` (taken from npm, licences beside them; see the README
there). CSS ``url(...)`` references (Leaflet's layer icon, Font Awesome's fonts) are embedded too.

Examples
--------
>>> local_asset("https://cdn.jsdelivr.net/npm/leaflet@1.9.3/dist/leaflet.js")
'leaflet/leaflet.js'
>>> local_asset("https://example.org/unknown.js") is None
True
"""

from __future__ import annotations

import base64
import functools
import re
from importlib import resources
from importlib.resources.abc import Traversable
from posixpath import dirname, join, normpath
from typing import Any

from vessels.errors import UserError

__all__ = ["DROPPED", "ICON_ONLY", "asset_bytes", "local_asset", "localise", "uses_icons"]

#: CDN URL pattern -> file under vessels/data/web (patterns ignore the CDN host and version).
ASSETS: tuple[tuple[str, str], ...] = (
    (r"/leaflet@[\d.]+/dist/leaflet\.js$", "leaflet/leaflet.js"),
    (r"/leaflet@[\d.]+/dist/leaflet\.css$", "leaflet/leaflet.css"),
    (r"/jquery(?:-3[\d.]*)?(?:\.min)?\.js$", "jquery/jquery.min.js"),
    (r"bootstrap@5[\d.]*/dist/js/bootstrap\.bundle\.min\.js$", "bootstrap/bootstrap.bundle.min.js"),
    (r"bootstrap@5[\d.]*/dist/css/bootstrap\.min\.css$", "bootstrap/bootstrap.min.css"),
    (
        r"leaflet\.awesome-markers(?:\.min)?\.js$",
        "leaflet.awesome-markers/leaflet.awesome-markers.min.js",
    ),
    (r"leaflet\.awesome-markers\.css$", "leaflet.awesome-markers/leaflet.awesome-markers.css"),
    (r"fontawesome-free@6[\d.]*/css/all(?:\.min)?\.css$", "fontawesome-free/css/all.min.css"),
    (
        r"leaflet\.markercluster(?:-src)?\.js$",
        "leaflet.markercluster/leaflet.markercluster.js",
    ),
    (r"/MarkerCluster\.css$", "leaflet.markercluster/MarkerCluster.css"),
    (r"/MarkerCluster\.Default\.css$", "leaflet.markercluster/MarkerCluster.Default.css"),
    (r"jquery-ui(?:\.min)?\.js$", "jquery-ui/jquery-ui.min.js"),
    (r"iso8601(?:\.min)?\.js$", "iso8601-js-period/iso8601.js"),
    (
        r"leaflet\.timedimension(?:\.min)?\.js$",
        "leaflet-timedimension/leaflet.timedimension.min.js",
    ),
    (
        r"leaflet\.timedimension\.control(?:\.min)?\.css$",
        "leaflet-timedimension/leaflet.timedimension.control.min.css",
    ),
    (r"/moment(?:\.min)?\.js$", "moment/moment.min.js"),
)

#: CDN files an offline map leaves out, with the reason (none is needed by our maps).
DROPPED: tuple[tuple[str, str], ...] = (
    (r"bootstrap-glyphicons\.css$", "Bootstrap 3 glyph font, only for prefix='glyphicon' icons"),
    (r"leaflet\.awesome\.rotate(?:\.min)?\.css$", "rotates awesome-marker icons; unused"),
    (r"highlight\.js/.*\.css$", "code highlighting styles of the time-slider demo; unused"),
)

#: Files needed only when the map has folium.Icon markers (Font Awesome is ~400 kB embedded).
ICON_ONLY = ("leaflet.awesome-markers/", "fontawesome-free/")

_MIME = {
    ".js": "text/javascript",
    ".css": "text/css",
    ".png": "image/png",
    ".woff2": "font/woff2",
}
_CSS_URL = re.compile(r"url\(\s*(['\"]?)([^'\")]+)\1\s*\)")
_TTF_FALLBACK = re.compile(r",\s*url\([^)]*\.ttf\)\s*format\([\"']truetype[\"']\)")


def _web_root() -> Traversable:
    return resources.files("vessels").joinpath("data", "web")


def local_asset(url: str) -> str | None:
    """The bundle file (relative to ``vessels/data/web``) that replaces a CDN ``url``, or None."""
    for pattern, rel in ASSETS:
        if re.search(pattern, url):
            return rel
    return None


def _dropped(url: str) -> bool:
    return any(re.search(pattern, url) for pattern, _ in DROPPED)


def asset_bytes(rel: str) -> bytes:
    """The bytes of one bundled file, e.g. ``asset_bytes("leaflet/leaflet.js")``."""
    return _web_root().joinpath(*rel.split("/")).read_bytes()


def _mime(rel: str) -> str:
    for ext, mime in _MIME.items():
        if rel.endswith(ext):
            return mime
    return "application/octet-stream"


def _data_uri(mime: str, payload: bytes) -> str:
    return f"data:{mime};base64,{base64.b64encode(payload).decode('ascii')}"


def _inline_css(rel: str) -> str:
    """CSS text with each url() embedded (local files) or emptied (remote / absent files)."""
    css = asset_bytes(rel).decode("utf-8")
    css = _TTF_FALLBACK.sub("", css)  # we ship woff2 only; every current browser reads it
    base = dirname(rel)

    def repl(match: re.Match[str]) -> str:
        target = match.group(2)
        if target.startswith(("data:", "#")):
            return match.group(0)
        if "//" in target:  # remote (e.g. glyphicon fonts): nothing to fetch offline
            return "url(data:,)"
        path = normpath(join(base, target.split("?")[0].split("#")[0]))
        try:
            payload = asset_bytes(path)
        except FileNotFoundError:
            return "url(data:,)"
        return f"url({_data_uri(_mime(path), payload)})"

    return _CSS_URL.sub(repl, css)


@functools.lru_cache(maxsize=64)
def _embedded(rel: str) -> str:
    if rel.endswith(".css"):
        return _data_uri("text/css", _inline_css(rel).encode("utf-8"))
    return _data_uri(_mime(rel), asset_bytes(rel))


def _walk(element: Any) -> list[Any]:
    out = [element]
    for child in getattr(element, "_children", {}).values():
        out.extend(_walk(child))
    return out


def uses_icons(root: Any) -> bool:
    """Whether a folium element tree contains ``folium.Icon`` markers (awesome-markers)."""
    import folium

    return any(isinstance(el, folium.Icon) for el in _walk(root))


def localise(root: Any) -> int:
    """Replace every CDN link under ``root`` by an embedded copy; return how many were embedded.

    Raises :class:`~vessels.errors.UserError` for a CDN file we have no copy of (e.g. a folium
    plugin added to the map that the bundle does not carry).
    """
    icons = uses_icons(root)
    n = 0
    for el in _walk(root):
        for attr in ("default_js", "default_css"):
            links = getattr(el, attr, None)
            if not links:
                continue
            new: list[tuple[str, str]] = []
            for name, url in links:
                if url.startswith("data:"):
                    new.append((name, url))
                    continue
                if _dropped(url):
                    continue
                rel = local_asset(url)
                if rel is None:
                    raise UserError(
                        f"offline map: no local copy of {url} (used by {type(el).__name__})",
                        hint="remove that plugin or build the map without offline",
                    )
                if rel.startswith(ICON_ONLY) and not icons:
                    continue
                new.append((name, _embedded(rel)))
                n += 1
            setattr(el, attr, new)
    return n
