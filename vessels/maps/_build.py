"""folium assembly of the risk map (the outer layer; data preparation lives in ``_data``)."""

from __future__ import annotations

import functools
import gzip
import json
import logging
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import polars as pl
import shapely

from vessels import schema as S
from vessels.maps import _data, _overlays
from vessels.maps._offline import asset_bytes, localise
from vessels.maps._page import PageData, Verbatim, inert, layer_name
from vessels.outputs import write_text
from vessels.zones import default_zones, load_land, load_world_land
from vessels.zones._naturalearth import data_dir

if TYPE_CHECKING:  # pragma: no cover
    import folium

    from vessels.network import VesselGraph

__all__ = ["risk_map", "save_map"]

log = logging.getLogger("vessels.maps")

ZONE_STYLES: dict[str, dict[str, Any]] = {
    "eez": {"color": "#33658a", "weight": 1.5, "dashArray": "4 4", "fill": False},
    "protected_area": {
        "color": "#2d6a4f",
        "weight": 1,
        "fillColor": "#52b788",
        "fillOpacity": 0.18,
    },
    "no_take": {"color": "#9d0208", "weight": 1.2, "fillColor": "#e85d04", "fillOpacity": 0.2},
    "aoi": {
        "color": "#7b2cbf",
        "weight": 1.2,
        "dashArray": "2 4",
        "fillColor": "#c77dff",
        "fillOpacity": 0.15,
    },
}
ZONE_LABELS = {
    "eez": "EEZ",
    "protected_area": "Protected area",
    "no_take": "No-take zone",
    "aoi": "Area of interest",
    "other": "Other zones",  # a kind outside vessels.schema.ZONE_KINDS (API input); drawn as AOI
}
#: Light and dark alternatives that need no API key (CARTO's now do).
_ESRI_CANVAS = {
    "Light grey (Esri)": "https://server.arcgisonline.com/ArcGIS/rest/services/Canvas/"
    "World_Light_Gray_Base/MapServer/tile/{z}/{y}/{x}",
    "Dark grey (Esri)": "https://server.arcgisonline.com/ArcGIS/rest/services/Canvas/"
    "World_Dark_Gray_Base/MapServer/tile/{z}/{y}/{x}",
}
_ESRI_ATTR = "Tiles &copy; Esri &mdash; Esri, HERE, Garmin, &copy; OpenStreetMap contributors"
#: Land is filled without an outline (a fill cut at the detail box would show the cut as a
#: line); the coastline is a separate line layer (:data:`COAST_STYLE`).
LAND_STYLE = {
    "stroke": False,
    "fillColor": "#e8e2cf",
    "fillOpacity": 1.0,
    "className": "vessels-land",
}
COAST_STYLE = {
    "color": "#8d8672",
    "weight": 0.8,
    "opacity": 1.0,
    "fill": False,
    "className": "vessels-coast",
}
SEA_COLOUR = "#c9dbe6"
#: Douglas-Peucker tolerance of the land outside the data's box (~5 km: a coastline when zoomed
#: out, ~100 kB for the whole land layer).
COARSE_LAND_DEG = 0.05
#: The same for the 1:50m world land drawn zoomed out (every continent; ~0.35 MB of GeoJSON).
COARSE_WORLD_LAND_DEG = 0.1
#: The coarse world land (:func:`_coarse_land` of the 1:50m world land at
#: :data:`COARSE_WORLD_LAND_DEG`) as shipped in ``vessels/data`` (gzip WKB, 0.1 MB): every map
#: reads it (2 ms) instead of simplifying the world (~0.6 CPU s). Rebuilt by
#: :func:`write_coarse_world_land`; a test checks it is the simplification's result.
COARSE_WORLD_LAND_FILE = "ne_50m_land_world_coarse.wkb.gz"
#: Map panes (z-index): event bands under the tracks, event markers and gap lines above them, so
#: a click on a track always opens the vessel card and a click on an event its event card.
PANES = {"vessels-bands": 405, "vessels-tracks": 410, "vessels-events": 420}
#: Timedimension control buttons: Font Awesome 6 solid glyphs (the plugin's CSS asks for the
#: Bootstrap 3 glyphicon font from a CDN, which offline maps do not have).
_SLIDER_ICONS = {
    "play": "\\f04b",
    "play.pause": "\\f04c",
    "play.reverse": "\\f04b",
    "backward": "\\f048",
    "forward": "\\f051",
    "loop": "\\f01e",
    "stop": "\\f04d",
    "speed": "\\f625",
    "play.loading": "\\f110",
    "date.loading": "\\f110",
}

_CSS = """
<style>
.leaflet-container.vessels-map { background: __SEA__; }
.vessels-card { font: 12px/1.35 system-ui, sans-serif; min-width: 220px; }
.vessels-card-title { font-weight: 700; font-size: 14px; margin-bottom: 4px;
  overflow-wrap: anywhere; }
.vessels-card table { border-collapse: collapse; }
.vessels-card th { text-align: left; padding: 1px 8px 1px 0; color: #555; font-weight: 600;
  vertical-align: top; white-space: nowrap; }
.vessels-card td { padding: 1px 0; overflow-wrap: anywhere; }
.vessels-card-sub { margin-top: 6px; font-weight: 600; }
.vessels-card ul { margin: 2px 0 0 16px; padding: 0; }
.vessels-panel { position: absolute; z-index: 690; background: rgba(255,255,255,.93);
  border-radius: 6px; box-shadow: 0 1px 5px rgba(0,0,0,.35); padding: 8px 10px;
  font: 12px/1.35 system-ui, sans-serif; color: #222; }
.vessels-title { top: 10px; left: 54px; max-width: 46%; }
.vessels-title h1 { font-size: 16px; margin: 0 0 2px 0; font-weight: 700; }
.vessels-title .vessels-note { color: #8a4b00; }
.vessels-legend { bottom: 28px; right: 10px; max-height: 45vh; overflow: auto; }
/* a clicked track or marker gets no focus rectangle (the popup shows what was clicked) */
.vessels-map .leaflet-interactive:focus, .vessels-map path:focus { outline: none; }
/* while a card is open, hover tooltips stay closed */
.vessels-popup-open .leaflet-tooltip { display: none; }
.vessels-noload { position: fixed; z-index: 10000; top: 20%; left: 50%;
  transform: translateX(-50%); max-width: 640px; background: #fff8e1; color: #222;
  border: 2px solid #b35c00; border-radius: 8px; padding: 14px 18px;
  font: 14px/1.45 system-ui, sans-serif; box-shadow: 0 2px 12px rgba(0,0,0,.35); }
.vessels-noload[hidden] { display: none; }
.vessels-noload h2 { font-size: 17px; margin: 0 0 6px 0; }
.vessels-noload code { background: #f1e6c8; padding: 1px 4px; border-radius: 3px;
  white-space: nowrap; }
.vessels-noload .vessels-noload-files { color: #555; font-size: 12px;
  overflow-wrap: anywhere; }
.vessels-search { margin-top: 6px; position: relative; }
.vessels-search input { width: 100%; box-sizing: border-box; font: 12px system-ui, sans-serif;
  padding: 3px 6px; border: 1px solid #999; border-radius: 4px; }
.vessels-search-results { background: #fff; border: 1px solid #bbb; border-top: 0;
  max-height: 180px; overflow: auto; }
.vessels-search-results div { padding: 2px 6px; cursor: pointer; overflow-wrap: anywhere; }
.vessels-search-results div:hover, .vessels-search-results .sel { background: #e3edf5; }
.vessels-events { left: 10px; width: 380px; padding: 6px 8px; display: flex;
  flex-direction: column; }
.vessels-events-head { display: flex; justify-content: space-between; align-items: center;
  font-weight: 700; cursor: pointer; user-select: none; }
.vessels-events-body { overflow: auto; margin-top: 4px; }
.vessels-events.collapsed .vessels-events-body { display: none; }
.vessels-events table { border-collapse: collapse; width: 100%; }
.vessels-events th { position: sticky; top: 0; background: #eef2f5; text-align: left;
  cursor: pointer; padding: 2px 4px; white-space: nowrap; font-weight: 600; }
.vessels-events th.asc::after { content: " \\25B2"; font-size: 9px; }
.vessels-events th.desc::after { content: " \\25BC"; font-size: 9px; }
.vessels-events td { padding: 1px 4px; border-top: 1px solid #e4e4e4; vertical-align: top;
  overflow-wrap: break-word; }
.vessels-events tbody tr { cursor: pointer; }
.vessels-events tbody tr:hover, .vessels-events tbody tr.sel { background: #e3edf5; }
.vessels-events .dot { display: inline-block; width: 9px; height: 9px; border-radius: 50%;
  margin-right: 4px; border: 1px solid #555; vertical-align: middle; }
.vessels-timeline { margin-top: 6px; }
.vessels-timeline-bar { position: relative; height: 30px; background: #f3f3f3;
  border: 1px solid #ccc; border-radius: 3px; }
.vessels-timeline-bar span { position: absolute; display: block; }
.vessels-timeline-bar .rx { top: 11px; height: 8px; background: #6c8ebf; }
.vessels-timeline-bar .gap { top: 9px; height: 12px; background: repeating-linear-gradient(
  90deg, #111 0 3px, transparent 3px 6px); }
.vessels-timeline-bar .ev { top: 1px; width: 8px; height: 8px; margin-left: -4px;
  border-radius: 50%; border: 1px solid #333; cursor: pointer; }
.vessels-timeline-bar .ev.band { border-radius: 2px; margin-left: 0; top: 21px; height: 7px;
  opacity: .7; }
.vessels-timeline-axis { display: flex; justify-content: space-between; color: #555;
  font-size: 11px; }
.vessels-timeline-key { color: #555; font-size: 11px; }
.vessels-legend .vessels-legend-row { display: flex; align-items: center; gap: 6px; margin: 1px 0; }
.vessels-legend .sw, .vessels-legend .dot, .vessels-legend .box { flex: none; }
.vessels-legend .sw { width: 22px; height: 0; border-top: 4px solid; }
.vessels-legend .dot { width: 12px; height: 12px; border-radius: 50%; border: 2px solid;
  margin: 0 5px; box-sizing: border-box; }
.vessels-legend .box { width: 16px; height: 11px; border: 1px solid; margin: 0 3px; }
</style>
""".replace("__SEA__", SEA_COLOUR)


def _js_helpers() -> str:
    return asset_bytes("vessels/vessels-map.js").decode("utf-8")


#: Shown by the page itself (plain HTML, no framework) when its scripts could not be loaded; the
#: page's script unhides it and lists the files that failed. Without JavaScript, the noscript
#: copy says the same.
_NOLOAD_TEXT = (
    "<h2>This map could not load</h2>"
    "<p>Its scripts (Leaflet and its plugins) come from the internet (CDNs such as "
    "cdn.jsdelivr.net), and they could not be fetched: this computer is offline, or a "
    "firewall or browser setting blocks those sites.</p>"
    "<p><b>Remedy:</b> make a self-contained map that needs no internet &mdash; "
    "<code>vessels map OUT_DIR --offline</code> (or <code>vessels score ... --offline-map</code>, "
    "or <code>risk_map(..., offline=True)</code> in Python) &mdash; and open that file.</p>"
)
_NOLOAD = (
    '<div id="vessels-noload" class="vessels-noload" role="alert" hidden>'
    + _NOLOAD_TEXT
    + '<p class="vessels-noload-files"></p></div>'
    + '<noscript><div class="vessels-noload">'
    + _NOLOAD_TEXT.replace("could not load", "needs JavaScript")
    + "</div></noscript>"
)


def _slider_css() -> str:
    """CSS giving the time slider's buttons Font Awesome icons from our bundle (embedded)."""
    import base64

    font = base64.b64encode(asset_bytes("fontawesome-free/webfonts/fa-solid-900.woff2"))
    rules = "".join(
        f'.vessels-map .leaflet-bar-timecontrol .timecontrol-{sel}:before {{ content: "{code}"; }}'
        for sel, code in _SLIDER_ICONS.items()
    )
    return (
        "<style>@font-face { font-family: 'vessels-fa'; font-weight: 900; font-display: block;"
        f" src: url(data:font/woff2;base64,{font.decode('ascii')}) format('woff2'); }}"
        ".vessels-map .leaflet-bar-timecontrol a[class*='timecontrol-']:before,"
        ".vessels-map .leaflet-bar-timecontrol .timecontrol-speed:before,"
        ".vessels-map .leaflet-bar-timecontrol .timecontrol-date.loading:before"
        " { font-family: 'vessels-fa'; font-weight: 900; font-style: normal; }" + rules + "</style>"
    )


def _expand(b: tuple[float, float, float, float], margin_deg: float) -> tuple[float, ...]:
    return (b[0] - margin_deg, b[1] - margin_deg, b[2] + margin_deg, b[3] + margin_deg)


def _land_geometry() -> Any:
    """Natural Earth 1:10m land of the Americas (:func:`vessels.zones.load_land`)."""
    return load_land()


def _default_zones() -> Any:
    return default_zones()


def _world_land_geometry() -> Any:
    """Natural Earth 1:50m land of the whole world (:func:`vessels.zones.load_world_land`)."""
    return load_world_land()


#: lon/lat box of the shipped 1:10m land (``ne_10m_land_americas.geojson``); outside it the map
#: draws the 1:50m world land.
FINE_LAND_BOX = (-140.0, -10.0, -50.0, 50.0)


@functools.lru_cache(maxsize=4)
def _coarse_land(land: Any, deg: float = COARSE_LAND_DEG) -> tuple[Any, Any]:
    """The whole land layer simplified to ``deg`` (:data:`COARSE_LAND_DEG`; the world layer
    :data:`COARSE_WORLD_LAND_DEG`): (polygons, coastline)."""
    g = shapely.make_valid(shapely.simplify(land, deg, preserve_topology=True))
    g = shapely.set_precision(g, 1e-3)
    return g, shapely.boundary(g)


@functools.lru_cache(maxsize=1)
def _coarse_world_land() -> tuple[Any, Any]:
    """The shipped coarse world land (:data:`COARSE_WORLD_LAND_FILE`): (polygons, coastline),
    the same as ``_coarse_land(load_world_land(), COARSE_WORLD_LAND_DEG)``."""
    g = shapely.from_wkb(gzip.decompress((data_dir() / COARSE_WORLD_LAND_FILE).read_bytes()))
    # WKB does not keep the precision grid the overlays of land_layers work on: set it again
    # ("pointwise": the coordinates are on it already and stay as they are)
    g = shapely.set_precision(g, 1e-3, mode="pointwise")
    return g, shapely.boundary(g)


def write_coarse_world_land(path: str | Path | None = None) -> Path:
    """Simplify the 1:50m world land to :data:`COARSE_WORLD_LAND_DEG` and write it where
    :func:`_coarse_world_land` reads it (or to ``path``): run after the world land changes."""
    g, _ = _coarse_land.__wrapped__(load_world_land(), COARSE_WORLD_LAND_DEG)
    out = Path(path) if path is not None else data_dir() / COARSE_WORLD_LAND_FILE
    out.write_bytes(gzip.compress(shapely.to_wkb(g), compresslevel=9, mtime=0))
    return out


def land_layers(
    land: Any,
    bbox: tuple[float, ...],
    tol_deg: float,
    world: Any | None = None,
    *,
    coarse: tuple[Any, Any] | None = None,
) -> tuple[Any, Any]:
    """Land polygons and coastline lines for the map: detailed inside ``bbox`` (the data's
    box), coarse everywhere else, so zooming out shows coastlines, not a floating box of land.

    With ``world`` (the 1:50m world land), ``land`` (1:10m) is used only inside
    :data:`FINE_LAND_BOX` where it exists, ``world`` elsewhere in ``bbox``, and the coarse layer
    is the world's: land is drawn on every continent, not only the Americas. ``coarse``: that
    coarse layer, (polygons, coastline), when already known (the shipped one of
    :func:`_coarse_world_land` for the shipped world land).
    The fill has no outline (its cut along ``bbox`` would otherwise be drawn); the coastline
    is the boundary of the land clipped as *lines*, so no edge of ``bbox`` is drawn either.

    Examples
    --------
    >>> land = shapely.MultiPolygon([shapely.box(0, 0, 10, 10)])
    >>> fill, coast = land_layers(land, (4, 4, 6, 6), 0.001)
    >>> round(fill.area, 3), round(coast.length, 3)  # all of the land, its 40-unit coast
    (100.0, 40.0)
    """
    box = shapely.box(*bbox)
    if world is None:
        fine = _clip_simplify(land, bbox, tol_deg)
        fine_coast = shapely.clip_by_rect(
            shapely.simplify(shapely.boundary(land), tol_deg, preserve_topology=False), *bbox
        )
        coarse, coarse_coast = _coarse_land(land)
    else:
        eps = 1e-6  # the 1:10m layer is cut along FINE_LAND_BOX: keep its cut edges out
        inner = (
            max(bbox[0], FINE_LAND_BOX[0] + eps),
            max(bbox[1], FINE_LAND_BOX[1] + eps),
            min(bbox[2], FINE_LAND_BOX[2] - eps),
            min(bbox[3], FINE_LAND_BOX[3] - eps),
        )
        world_fine = _clip_simplify(world, bbox, tol_deg)
        world_coast = shapely.clip_by_rect(
            shapely.simplify(shapely.boundary(world), tol_deg, preserve_topology=False), *bbox
        )
        if inner[0] < inner[2] and inner[1] < inner[3]:
            ibox = shapely.box(*inner)
            fine = shapely.union(
                _clip_simplify(land, inner, tol_deg), shapely.difference(world_fine, ibox)
            )
            fine_coast = shapely.union(
                shapely.clip_by_rect(
                    shapely.simplify(shapely.boundary(land), tol_deg, preserve_topology=False),
                    *inner,
                ),
                shapely.difference(world_coast, ibox),
            )
        else:
            fine, fine_coast = world_fine, world_coast
        coarse, coarse_coast = coarse or _coarse_land(world, COARSE_WORLD_LAND_DEG)
    fill = shapely.union(fine, shapely.difference(coarse, box))
    coast = shapely.union(fine_coast, shapely.difference(coarse_coast, box))
    return fill, coast


def _clip_simplify(geoms: Any, bbox: tuple[float, ...], tol_deg: float) -> Any:
    clipped = shapely.clip_by_rect(geoms, *bbox)
    return shapely.make_valid(shapely.simplify(clipped, tol_deg, preserve_topology=True))


def _geojson(geom: Any) -> dict[str, Any]:
    return json.loads(shapely.to_geojson(shapely.set_precision(geom, 1e-5)))


def _zone_features(
    zones: Any, bbox: tuple[float, ...], tol_deg: float, land: Any | None = None
) -> dict[str, list[dict[str, Any]]]:
    if zones is None or len(zones) == 0:
        return {}
    gdf = zones.to_crs(4326) if getattr(zones, "crs", None) not in (None, "EPSG:4326") else zones
    raw = np.asarray(gdf.geometry.values)
    geoms = _clip_simplify(raw, bbox, tol_deg)
    # EEZs are drawn as outlines: clip their boundary *lines*, so the edge of the map's box is not
    # drawn as if it were a maritime boundary (clipping the polygon would add the box's sides)
    outlines = shapely.clip_by_rect(
        shapely.simplify(shapely.boundary(raw), tol_deg, preserve_topology=True), *bbox
    )
    if land is not None:
        # an EEZ is a sea area: its outline is drawn at sea only, not across land nor along the
        # coast (land grown by ~2 pixels of the data's view takes the coast-hugging parts too)
        ashore = shapely.buffer(_clip_simplify(land, bbox, tol_deg), 2 * tol_deg)
        outlines = shapely.difference(outlines, ashore)
    out: dict[str, list[dict[str, Any]]] = {}
    cols = set(gdf.columns)

    def val(row: Any, col: str) -> Any:
        return row[col] if col in cols else None

    for i, (_, row) in enumerate(gdf.iterrows()):  # zone layers are small (tens of rows)
        raw_kind = str(val(row, S.ZONE_KIND) or "aoi")
        # the kind names a layer, a class and a style: only our own kinds do (others are text)
        kind = raw_kind if raw_kind in S.ZONE_KINDS else "other"
        geom = outlines[i] if kind == "eez" else geoms[i]
        if geom is None or shapely.is_empty(geom):
            continue
        name = val(row, S.ZONE_NAME) or val(row, S.ZONE_ID) or kind
        style = dict(ZONE_STYLES.get(kind, ZONE_STYLES["aoi"]))
        style["className"] = f"vessels-zone vessels-zone-{kind}"
        out.setdefault(kind, []).append(
            {
                "type": "Feature",
                "geometry": _geojson(geom),
                "properties": {
                    "kind": f"zone_{kind}",
                    "title": str(name),
                    "tip": f"{ZONE_LABELS.get(kind, raw_kind)}: {name}",
                    "rows": [
                        {"l": "Kind", "v": ZONE_LABELS.get(raw_kind, raw_kind)},
                        {"l": "Zone id", "v": _str(val(row, S.ZONE_ID))},
                        {"l": "Country", "v": _str(val(row, S.ZONE_ISO3))},
                        {"l": "Source", "v": _str(val(row, S.ZONE_SOURCE))},
                        {"l": "Licence", "v": _str(val(row, S.ZONE_LICENCE))},
                        {"l": "Accuracy", "v": _str(val(row, S.ZONE_ACCURACY))},
                    ],
                    "style": style,
                },
            }
        )
    return out


def _str(x: Any) -> str | None:
    if x is None or (isinstance(x, float) and np.isnan(x)):
        return None
    return str(x)


def _title_data(
    title: str, profile: str | None, data: _data.MapData, offline: bool
) -> dict[str, Any]:
    """The title panel as data: a heading, lines and notes (the page writes them as text)."""
    lines: list[str] = []
    if data.time_range is not None:
        t0, t1 = data.time_range
        lines.append(f"{t0.strftime('%Y-%m-%d %H:%M')} – {t1.strftime('%Y-%m-%d %H:%M')} UTC")
    lines.append(
        f"profile: {profile or 'default'} · {data.selected.height:,} vessels drawn · "
        f"{data.n_positions_in:,} positions → {data.n_points_drawn:,} points"
        f"{' · offline' if offline else ''}"
    )
    return {"heading": title, "lines": lines, "notes": list(data.notes)}


def _legend_data(data: _data.MapData, zone_kinds: Sequence[str]) -> list[dict[str, Any]]:
    """The legend as data: sections of (symbol, label) rows; symbols are CSS property maps."""
    tiers = [
        {
            "symbol": {"shape": "sw", "css": {"border-color": _data.TIER_COLOURS[tier]}},
            "label": tier,
        }
        for tier in reversed(S.RISK_TIERS)
    ]
    sections: list[dict[str, Any]] = [{"heading": "Risk tier", "rows": tiers}]
    events = []
    for etype in _data.EVENT_LABELS:
        if etype not in data.events:
            continue
        st = _data.EVENT_STYLES[etype]
        if "radius" in st:
            sym = {
                "shape": "dot",
                "css": {"background": st["fillColor"], "border-color": st["color"]},
            }
        else:
            sym = {
                "shape": "sw",
                "css": {
                    "border-top": f"{min(st['weight'], 6)}px "
                    f"{'dashed' if st.get('dashArray') else 'solid'} {st['color']}",
                    "opacity": str(max(st["opacity"], 0.6)),
                },
            }
        events.append({"symbol": sym, "label": _data.EVENT_LABELS[etype]})
    if events:
        sections.append({"heading": "Events", "rows": events})
    zones = []
    for kind in zone_kinds:
        st = ZONE_STYLES.get(kind, ZONE_STYLES["aoi"])
        fill = st.get("fillColor", "transparent") if st.get("fill", True) else "transparent"
        css = {
            "background": fill,
            "border-color": st["color"],
            "border-style": "dashed" if st.get("dashArray") else "solid",
        }
        zones.append({"symbol": {"shape": "box", "css": css}, "label": ZONE_LABELS.get(kind, kind)})
    if zones:
        sections.append({"heading": "Zones", "rows": zones})
    return sections


def _timestamped(data: _data.MapData, events: dict[str, list[dict[str, Any]]]) -> dict[str, Any]:
    """FeatureCollection for folium's TimestampedGeoJson: track parts and event points."""
    colours = dict(
        zip(
            data.selected[S.MMSI].to_list(),
            data.selected[S.RISK_TIER]
            .replace_strict(
                _data.TIER_COLOURS, default=_data.UNKNOWN_TIER_COLOUR, return_dtype=pl.String
            )
            .to_list(),
            strict=True,
        )
    )
    parts = (
        data.simplified.group_by([S.MMSI, data.part_key], maintain_order=True)
        .agg(
            pl.concat_list(
                pl.col(S.LON).round(_data.COORD_DECIMALS), pl.col(S.LAT).round(_data.COORD_DECIMALS)
            ).alias("xy"),
            pl.col(S.TS).dt.strftime("%Y-%m-%dT%H:%M:%SZ").alias("times"),
        )
        .filter(pl.col("xy").list.len() >= 2)
        .to_dicts()
    )
    feats: list[dict[str, Any]] = [
        {
            "type": "Feature",
            "geometry": {"type": "LineString", "coordinates": p["xy"]},
            "properties": {
                "times": p["times"],
                "style": {"color": colours.get(p[S.MMSI], "#777"), "weight": 3},
            },
        }
        for p in parts  # one per track segment of the drawn vessels
    ]
    # event markers appear at their start time. NB: folium writes this data into the page
    # without HTML escaping, so it carries no text at all (no names, no popups): times and styles
    for etype in _data.EVENT_LABELS:
        style = _data.EVENT_STYLES.get(etype, {})
        for f in events.get(etype, []):  # events are capped per type
            t = f["properties"].get("t0")
            if t is None:
                continue
            geom = f["geometry"]
            if geom["type"] == "Point":
                xy = geom["coordinates"]
            elif geom["type"] == "LineString":
                xy = geom["coordinates"][0]
            else:
                xy = geom["coordinates"][0][0]
            feats.append(
                {
                    "type": "Feature",
                    "geometry": {"type": "Point", "coordinates": xy},
                    "properties": {
                        "times": [t],
                        "icon": "circle",
                        "iconstyle": {
                            "radius": 6,
                            "color": style.get("color", "#333"),
                            "fillColor": style.get("fillColor", style.get("color", "#333")),
                            "fillOpacity": 0.9,
                            "weight": 1,
                        },
                    },
                }
            )
    return inert({"type": "FeatureCollection", "features": feats}, "time slider")


def risk_map(
    tracks: pl.DataFrame | pl.LazyFrame,
    events: pl.DataFrame | pl.LazyFrame | None,
    vessels: pl.DataFrame | pl.LazyFrame,
    zones: Any | None = None,
    *,
    top_n: int = 50,
    mmsi: Sequence[int] | None = None,
    title: str | None = None,
    profile: str | None = None,
    offline: bool = False,
    time_slider: bool = False,
    land: bool = True,
    simplify_m: float = 30.0,
    max_points_per_track: int = 2_000,
    max_points_total: int = 400_000,
    max_events_per_type: int = 5_000,
    cluster_threshold: int = 200,
    max_vessels: int = 2_000,
    network: VesselGraph | None = None,
) -> folium.Map:
    """An interactive risk map of the highest-risk vessels (the caller saves it).

    Layers: base maps (OpenStreetMap, light, dark; none when ``offline``), our own land (a
    coastline at every zoom), zones (EEZ outlines at sea; protected areas, no-take zones and AOIs
    filled), the tracks of the drawn vessels coloured by risk tier and cut at AIS gaps (click:
    vessel card with the reasons of its score and a timeline) and one toggleable layer per event
    type (click: event card). A title panel shows the data's time range, the profile, anything
    left out and a vessel search box; a sortable event list opens any event's card; a legend
    explains colours and symbols. The default view is the densest group of the highest tier's
    tracks. An online page that cannot load its scripts says so and names ``--offline``.

    Parameters
    ----------
    tracks
        Positions with ``mmsi, ts, lat, lon`` and, ideally, ``segment_id`` (from
        ``vessels.segment``); a LazyFrame is filtered to the drawn vessels before collecting.
    events
        Events in :data:`vessels.schema.EVENT_SCHEMA` (or None).
    vessels
        The vessel table of ``vessels.score`` (:data:`vessels.risk.VESSEL_SCHEMA`).
    zones
        A GeoDataFrame with the zone table columns; None uses ``vessels.default_zones()`` when
        the zones module is installed. Pass an empty GeoDataFrame for no zones.
    top_n, mmsi
        Draw the ``top_n`` highest scores, or exactly the vessels in ``mmsi``.
    title, profile
        Shown in the title panel (as text: like every input text they travel in the page's
        JSON data block and are written with ``textContent``, never compiled or parsed).
    offline
        Embed Leaflet & co. in the page and use the land layer instead of tile servers.
    time_slider
        Add a time slider replaying the drawn tracks (folium ``TimestampedGeoJson``).
    simplify_m, max_points_per_track, max_points_total
        Douglas-Peucker tolerance and point budgets that keep the file small; when they bite,
        the title panel and the log say so.
    max_events_per_type, cluster_threshold
        Longest events kept per type; point layers with more features are clustered.
    max_vessels
        Hard limit on drawn vessels whatever ``top_n`` or ``mmsi`` ask (said in the map).
    network
        The run's vessel graph (:func:`vessels.network.vessel_graph`); None builds it from
        ``events``. The networks of the drawn vessels are a layer (links coloured by kind,
        vessels with their carrier summary) and their vessel cards get network rows; fleets
        (``fleet_presence`` events) are a layer of member density by hour with an hour control
        (:mod:`vessels.maps._overlays`).

    Examples
    --------
    >>> import polars as pl
    >>> from datetime import datetime, UTC
    >>> from vessels import schema as S
    >>> t = [datetime(2024, 3, 1, h, tzinfo=UTC) for h in range(3)]
    >>> tracks = pl.DataFrame({"mmsi": [345000001] * 3, "segment_id": ["a"] * 3, "ts": t,
    ...     "lat": [31.0, 31.1, 31.3], "lon": [-114.5, -114.4, -114.45]},
    ...     schema_overrides={"mmsi": pl.UInt32})
    >>> vessels = pl.DataFrame({"mmsi": [345000001], "vessel_name": ["<b>PANGA</b>"],
    ...     "risk_score": [82.0], "risk_tier": ["critical"], "reasons": [["dark 7 h (+25)"]]},
    ...     schema_overrides={"mmsi": pl.UInt32})
    >>> m = risk_map(tracks, S.empty_events(), vessels, land=False, zones=None)
    >>> page = m.get_root().render()
    >>> "<b>PANGA</b>" in page  # the name is JSON data (\\u003c...), never markup
    False
    """
    import folium
    import folium.plugins as plugins
    from branca.element import MacroElement
    from jinja2 import Template

    S.require_frame(tracks, "tracks", "risk_map")
    if events is not None:
        S.require_frame(events, "events", "risk_map")
    S.require_frame(vessels, "vessels", "risk_map")
    if isinstance(events, pl.LazyFrame):
        events = events.collect()
    if isinstance(vessels, pl.LazyFrame):
        vessels = vessels.collect()
    data = _data.prepare(
        tracks,
        events,
        vessels,
        top_n=top_n,
        mmsi=mmsi,
        simplify_m=simplify_m,
        max_points_per_track=max_points_per_track,
        max_points_total=max_points_total,
        max_events_per_type=max_events_per_type,
        max_vessels=max_vessels,
    )
    ev_df = S.empty_events() if events is None else _overlays.complete_events(events)
    graph = _overlays.graph_for(network, ev_df, vessels)
    _overlays.annotate_cards(data.tracks, graph)  # network rows on the vessel cards
    for note in data.notes:
        log.warning("risk map: %s", note)

    bounds = data.bounds
    m = folium.Map(tiles=None, control_scale=True, prefer_canvas=False, zoom_start=5)
    root: Any = m.get_root()
    # our CSS and script go in verbatim (never compiled); all input text goes into `page`,
    # which becomes the page's JSON data block: folium's templates see none of it
    page = PageData()
    root.header.add_child(Verbatim(_CSS), name="vessels_css")
    root.header.add_child(Verbatim("<script>" + _js_helpers() + "</script>"), name="vessels_js")
    root.html.add_child(Verbatim(_NOLOAD), name="vessels_noload")
    if time_slider:
        root.header.add_child(Verbatim(_slider_css()), name="vessels_slider_css")
    helpers = MacroElement()
    helpers._template = Template(  # our constants only
        "{% macro script(this, kwargs) %}"
        + (
            # without tile layers Leaflet has no max zoom, which marker clustering needs
            "{{ this._parent.get_name() }}.options.maxZoom = 18;" if offline else ""
        )
        + "vesselsMap.init({{ this._parent.get_name() }});"
        "{% endmacro %}"
    )
    m.add_child(helpers)
    for pane, z in PANES.items():
        folium.map.CustomPane(pane, z_index=z, pointer_events=False).add_to(m)

    if not offline:
        folium.TileLayer("OpenStreetMap", name="OpenStreetMap").add_to(m)
        for name, url in _ESRI_CANVAS.items():
            folium.TileLayer(url, name=name, attr=_ESRI_ATTR, max_zoom=16, show=False).add_to(m)

    bind = folium.JsCode("vesselsMap.bind")
    point = folium.JsCode("vesselsMap.point")

    def geojson(features: list[dict[str, Any]], name: str, **kw: Any) -> folium.GeoJson:
        return folium.GeoJson(
            {"type": "FeatureCollection", "features": page.features(features)},
            name=layer_name(name),  # folium compiles it; Leaflet writes it with innerHTML
            on_each_feature=bind,
            point_to_layer=point,
            **kw,
        )

    view = bounds if bounds is not None else (-118.0, 14.0, -86.0, 33.0)  # Mexico by default
    span = max(view[2] - view[0], view[3] - view[1], 0.05)
    bbox = _expand(view, max(1.0, 0.5 * span))
    tol_deg = span / 2_000.0  # ~1 pixel on a 2,000-pixel-wide view of the data

    land_geom = _land_geometry() if land else None
    if land_geom is not None:
        fill, coast = land_layers(
            land_geom, bbox, tol_deg, _world_land_geometry(), coarse=_coarse_world_land()
        )
        # over web tiles the land is a light wash (the tiles show through); offline it is the
        # base map
        fill_style = LAND_STYLE if offline else {**LAND_STYLE, "fillOpacity": 0.35}
        land_feats: list[dict[str, Any]] = [
            {
                "type": "Feature",
                "geometry": _geojson(g),
                "properties": {"kind": kind, "style": style},
            }
            for g, kind, style in ((fill, "land", fill_style), (coast, "coast", COAST_STYLE))
            if not shapely.is_empty(g)
        ]
        if land_feats:
            folium.map.CustomPane("vessels-land", z_index=250, pointer_events=False).add_to(m)
            folium.GeoJson(
                inert({"type": "FeatureCollection", "features": land_feats}, "land layer"),
                name="Land (Natural Earth)",
                interactive=False,
                pane="vessels-land",
                on_each_feature=bind,
            ).add_to(m)

    zone_gdf = _default_zones() if zones is None else zones
    zone_feats = _zone_features(
        zone_gdf, bbox, tol_deg, land_geom if land_geom is not None else _land_geometry()
    )
    for kind in (*S.ZONE_KINDS, "other"):
        if kind in zone_feats:
            label = ZONE_LABELS[kind]
            geojson(zone_feats[kind], f"Zones: {label} ({len(zone_feats[kind])})").add_to(m)

    geojson(data.tracks, f"Tracks, top {len(data.tracks)} by risk", pane="vessels-tracks").add_to(m)

    for etype in _data.EVENT_LABELS:
        feats = data.events.get(etype)
        if not feats:
            continue
        name = f"{_data.EVENT_LABELS[etype]} ({len(feats)})"
        n_points = sum(f["geometry"]["type"] == "Point" for f in feats)
        pane = "vessels-bands" if etype in _data.TRACK_PART_EVENTS else "vessels-events"
        for ev in feats:  # circle markers take their pane from their style (vesselsMap.point)
            ev["properties"]["style"]["pane"] = pane
        if n_points > cluster_threshold:
            cluster = plugins.MarkerCluster(name=layer_name(name + ", clustered")).add_to(m)
            geojson(feats, name, control=False, pane=pane).add_to(cluster)
        else:
            geojson(feats, name, pane=pane).add_to(m)

    over = _overlays.add_overlays(
        m, geojson, events=ev_df, tracks=tracks, graph=graph, drawn=data.selected[S.MMSI].to_list()
    )
    for note in over.notes:
        log.warning("risk map: %s", note)
    data.notes.extend(over.notes)

    if time_slider and data.tracks:
        plugins.TimestampedGeoJson(
            _timestamped(data, data.events),
            period="PT1H",
            duration="PT6H",
            add_last_point=False,
            auto_play=False,
            loop=False,
            date_options="YYYY-MM-DD HH:mm",
        ).add_to(m)

    zone_kinds = [k for k in (*S.ZONE_KINDS, "other") if k in zone_feats]
    page.title = _title_data(title or "Vessel risk map", profile, data, offline)
    page.legend = _legend_data(data, zone_kinds) + over.legend
    if data.time_range is not None:
        page.time = {
            "t0": data.time_range[0].strftime("%Y-%m-%dT%H:%M:%SZ"),
            "t1": data.time_range[1].strftime("%Y-%m-%dT%H:%M:%SZ"),
            "bins": data.timeline_bins,
        }
    if data.focus_bounds is not None:
        fb = data.focus_bounds
        page.view = {"focus": [[fb[1], fb[0]], [fb[3], fb[2]]], "tier": data.focus_tier}
    root.html.add_child(page.block(), name="vessels_data")
    folium.LayerControl(collapsed=False).add_to(m)

    # with tracks, vesselsMap.ready fits the highest tier's tracks clear of the panels (no
    # animated folium fit racing it); this is the view without tracks
    if data.focus_bounds is None:
        m.fit_bounds([[view[1], view[0]], [view[3], view[2]]], padding=(20, 20))
    ready = MacroElement()
    ready._template = Template(  # our constants only; runs last, after every layer
        "{% macro script(this, kwargs) %}"
        "vesselsMap.ready({{ this._parent.get_name() }});"
        "{% endmacro %}"
    )
    m.add_child(ready)
    if offline:
        n = localise(m)
        log.info("offline map: %d JS/CSS files embedded", n)
    m._vessels_offline = offline  # type: ignore[attr-defined]
    m._vessels_notes = list(data.notes)  # type: ignore[attr-defined]
    m._vessels_drawn = data.selected.height  # type: ignore[attr-defined]
    return m


def save_map(m: folium.Map, path: str | Path, *, offline: bool | None = None) -> Path:
    """Write a map atomically; ``offline`` (default: as built) embeds any CDN file added since.

    Examples
    --------
    >>> import folium, tempfile, pathlib
    >>> out = pathlib.Path(tempfile.mkdtemp()) / "m.html"
    >>> save_map(folium.Map(tiles=None), out, offline=True).stat().st_size > 100_000
    True
    """
    if offline is None:
        offline = bool(getattr(m, "_vessels_offline", False))
    if offline:
        localise(m)
    return write_text(m.get_root().render(), path)
