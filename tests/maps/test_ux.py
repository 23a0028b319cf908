"""The map as an analyst reads it (issue #18): what it says when its scripts cannot load, land
and EEZs, labels, the click model, tooltips, gaps, the time slider, layout, colours, the default
view, the event list, vessel search and the vessel timeline.

Browser checks run headless Chromium (``open_map``); screenshots go to ``tests/_artifacts/maps``
and visual points are checked by pixel statistics on them.
"""

from __future__ import annotations

import io
import itertools
import json
import re
from datetime import timedelta
from pathlib import Path
from typing import Any

import numpy as np
import polars as pl
import pytest
import shapely

from tests.factories import T0, make_track
from tests.maps.conftest import (
    CHROMIUM_ARGS,
    HOSTILE,
    event_row,
    events_frame,
    tracks_frame,
    vessels_frame,
)
from vessels import schema as S
from vessels.maps import risk_map, save_map
from vessels.maps._build import (
    COARSE_LAND_DEG,
    COARSE_WORLD_LAND_DEG,
    COARSE_WORLD_LAND_FILE,
    LAND_STYLE,
    SEA_COLOUR,
    ZONE_STYLES,
    _coarse_land,
    _coarse_world_land,
    _zone_features,
    land_layers,
    write_coarse_world_land,
)
from vessels.maps._data import TIER_COLOURS, prepare, split_at_gaps
from vessels.zones import default_zones, load_land, load_world_land
from vessels.zones._naturalearth import data_dir

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")


# --- helpers -----------------------------------------------------------------------------------


def _block(html: str) -> dict[str, Any]:
    m = re.search(r'<script type="application/json" id="vessels-data">(.*?)</script>', html, re.S)
    assert m is not None
    return dict(json.loads(m.group(1)))


def _rgb(hex_colour: str) -> np.ndarray:
    return np.array([int(hex_colour[i : i + 2], 16) for i in (1, 3, 5)], dtype=float)


def _shot(page: Any, path: Path) -> np.ndarray:
    from PIL import Image

    png = page.screenshot(path=str(path))
    return np.asarray(Image.open(io.BytesIO(png)).convert("RGB")).astype(float)


def _near(img: np.ndarray, colour: str, tol: float = 12.0) -> np.ndarray:
    """Mask of pixels within ``tol`` of ``colour`` on every channel."""
    return np.all(np.abs(img - _rgb(colour)) <= tol, axis=-1)


def _xy(page: Any, lat: float, lon: float) -> tuple[float, float]:
    """Page pixel of a position on the map."""
    x, y = page.evaluate(
        "([la, lo]) => { const m = window.vesselsMap.map;"
        " const p = m.latLngToContainerPoint([la, lo]);"
        " const r = m.getContainer().getBoundingClientRect();"
        " return [p.x + r.left, p.y + r.top]; }",
        [lat, lon],
    )
    return float(x), float(y)


def _card_title(page: Any) -> str:
    # the card just opened (a closing one fades out for 200 ms)
    card = page.locator(".leaflet-popup-content .vessels-card-title").last
    card.wait_for()
    return str(card.inner_text())


def _close_popup(page: Any) -> None:
    page.evaluate("() => window.vesselsMap.map.closePopup()")
    page.wait_for_function("() => !document.querySelector('.leaflet-popup')")
    # a card's auto-pan may still be moving the map
    page.wait_for_function(
        "() => { const a = window.vesselsMap.map._panAnim; return !a || !a._inProgress; }"
    )


def _visible_tooltips(page: Any) -> int:
    return int(
        page.evaluate(
            "() => [...document.querySelectorAll('.leaflet-tooltip')]"
            ".filter(t => t.offsetParent !== null).length"
        )
    )


def _rect(page: Any, selector: str) -> tuple[float, float, float, float] | None:
    r = page.evaluate(
        "(s) => { const e = document.querySelector(s); if (!e || e.offsetParent === null)"
        " return null; const b = e.getBoundingClientRect();"
        " return [b.left, b.top, b.right, b.bottom]; }",
        selector,
    )
    return None if r is None else (r[0], r[1], r[2], r[3])


@pytest.fixture(scope="module")
def maps(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """The test scene as an online map, an offline map and an offline map with a time slider."""
    out = tmp_path_factory.mktemp("ux")
    paths = {}
    for name, kw in {
        "online": {},
        "offline": {"offline": True},
        "slider": {"offline": True, "time_slider": True},
    }.items():
        m = risk_map(tracks_frame(), events_frame(), vessels_frame(), title="UX scene", **kw)
        paths[name] = save_map(m, out / f"{name}.html")
    return paths


# --- scripts that cannot load -------------------------------------------------------------------


def test_blocked_cdn_says_so_and_names_the_offline_remedy(
    maps: dict[str, Path], open_map: Any, artifacts: Path
) -> None:
    opened = open_map(maps["online"], allow_cdn=False)  # CDN blocked / no internet
    page = opened.page
    page.wait_for_function("() => !document.getElementById('vessels-noload').hidden")
    notice = page.locator("#vessels-noload")
    assert notice.is_visible()
    text = notice.inner_text()
    assert "could not load" in text and "--offline" in text
    assert "leaflet" in text.lower()  # the failed files are named
    img = _shot(page, artifacts / "map-online-blocked.png")
    assert _near(img, "#fff8e1", 3).sum() > 50_000  # the notice box is on screen, large


@pytest.mark.parametrize("name", ["online", "offline"])
def test_notice_stays_hidden_when_the_scripts_load(
    maps: dict[str, Path], open_map: Any, name: str
) -> None:
    opened = open_map(maps[name], allow_cdn=name == "online")
    page = opened.page
    page.wait_for_function("() => window.vesselsMap.isReady === true")
    assert page.evaluate("() => document.getElementById('vessels-noload').hidden")
    assert opened.errors == []


# --- land and EEZ ------------------------------------------------------------------------------


def test_land_layers_reach_far_beyond_the_data_and_stay_small() -> None:
    land = load_land()
    bbox = (-115.5, 30.0, -113.0, 32.5)  # Upper Gulf of California
    fill, coast = land_layers(land, bbox, 0.001)
    for lon, lat in [(-99.13, 19.43), (-74.07, 4.71), (-87.63, 41.88)]:  # far from the data
        assert fill.contains(shapely.Point(lon, lat))
    # the box is not drawn: no coastline runs along its edges
    edges = shapely.boundary(shapely.box(*bbox))
    assert shapely.length(shapely.intersection(coast, shapely.buffer(edges, 1e-6))) < 0.05
    # detailed inside the box, coarse outside: a few hundred kB of GeoJSON at most
    size = len(shapely.to_geojson(fill)) + len(shapely.to_geojson(coast))
    assert size < 700_000, size
    assert COARSE_LAND_DEG <= 0.1


def test_land_layers_draw_the_whole_world_with_the_world_layer() -> None:
    """Zoomed out, the map shows land on every continent (the 1:50m world layer), not only the
    Americas of the 1:10m layer; near data outside the Americas the detail is the world's."""
    land, world = load_land(), load_world_land()
    bbox = (-115.5, 30.0, -113.0, 32.5)
    fill, coast = land_layers(land, bbox, 0.001, world)
    far = [(31.2, 30.0), (12.5, 55.7), (135.0, -25.0), (-155.5, 19.6), (100.0, 60.0)]
    for lon, lat in [(-99.13, 19.43), (-87.63, 41.88), *far]:
        assert fill.contains(shapely.Point(lon, lat)), (lon, lat)
    old, _ = land_layers(land, bbox, 0.001)  # the Americas-only layer misses them
    assert not any(old.contains(shapely.Point(x, y)) for x, y in far)
    # the 1:10m cut at its box (lat 50 N across Canada) is not drawn as a coastline
    seam = shapely.LineString([(-130.0, 50.0), (-60.0, 50.0)])
    assert shapely.length(shapely.intersection(coast, shapely.buffer(seam, 1e-4))) < 1.0
    size = len(shapely.to_geojson(fill)) + len(shapely.to_geojson(coast))
    assert size < 700_000, size
    # data in the Danish straits: land drawn there, from the world layer
    dk = (10.0, 54.5, 13.0, 56.5)
    fill_dk, coast_dk = land_layers(land, dk, 0.001, world)
    assert fill_dk.contains(shapely.Point(11.8, 55.5))  # Zealand
    assert coast_dk.length > 1.0


def test_shipped_coarse_world_land_is_the_simplified_world_land(tmp_path: Path) -> None:
    """Maps read the coarse world land from vessels/data instead of simplifying the world each
    time: it must be exactly what the simplification gives (else rebuild it with
    write_coarse_world_land), and the layers drawn from it are the same."""
    world = load_world_land()
    shipped, shipped_coast = _coarse_world_land()
    computed, computed_coast = _coarse_land.__wrapped__(world, COARSE_WORLD_LAND_DEG)
    assert shapely.to_wkb(shipped) == shapely.to_wkb(computed)
    assert shapely.to_wkb(shipped_coast) == shapely.to_wkb(computed_coast)
    rebuilt = write_coarse_world_land(tmp_path / "coarse.wkb.gz")
    assert rebuilt.read_bytes() == (data_dir() / COARSE_WORLD_LAND_FILE).read_bytes()
    land, bbox = load_land(), (-118.0, 14.0, -86.0, 33.0)
    with_shipped = land_layers(land, bbox, 0.01, world, coarse=(shipped, shipped_coast))
    for a, b in zip(with_shipped, land_layers(land, bbox, 0.01, world), strict=True):
        assert shapely.to_wkb(a) == shapely.to_wkb(b)


def test_eez_outlines_are_at_sea_only() -> None:
    land = load_land()
    zones = default_zones()
    bbox = (-120.0, 14.0, -84.0, 33.0)
    tol = 0.01
    feats = _zone_features(zones, bbox, tol, land)["eez"]
    lines = shapely.union_all([shapely.geometry.shape(f["geometry"]) for f in feats])
    assert lines.length > 10  # the outlines are there
    inland = shapely.buffer(shapely.clip_by_rect(land, *bbox), -0.05)  # clearly on land
    assert shapely.length(shapely.intersection(lines, inland)) == pytest.approx(0, abs=1e-6)
    # without the land the same outlines do cross land (what the map used to draw)
    raw = shapely.union_all(
        [shapely.geometry.shape(f["geometry"]) for f in _zone_features(zones, bbox, tol)["eez"]]
    )
    assert shapely.length(shapely.intersection(raw, inland)) > 1.0


def test_land_drawn_when_zoomed_out(maps: dict[str, Path], open_map: Any, artifacts: Path) -> None:
    opened = open_map(maps["offline"], allow_cdn=False)
    page = opened.page
    page.evaluate("() => window.vesselsMap.map.setView([25, -100], 4, {animate: false})")
    page.wait_for_timeout(300)
    img = _shot(page, artifacts / "zoomed-out.png")
    land = _near(img, LAND_STYLE["fillColor"], 4)
    sea = _near(img, SEA_COLOUR, 4)
    # land far from the data box (Mexico City, the Yucatan, Texas) is drawn
    for lat, lon in [(19.43, -99.13), (20.5, -89.0), (31.0, -99.0)]:
        x, y = _xy(page, lat, lon)
        assert land[int(y), int(x)], (lat, lon)
    assert land.mean() > 0.15 and sea.mean() > 0.15
    # coastline pixels (the land outline colour) along the edge of land
    assert _near(img, "#8d8672", 25).sum() > 2_000


# --- labels, click model, tooltips, focus --------------------------------------------------------


def test_card_titles_name_one_event() -> None:
    m = risk_map(tracks_frame(), events_frame(), vessels_frame(), land=False, zones=None)
    titles = [c["title"] for c in _block(m.get_root().render())["cards"]]
    assert "Zone entry: SEA STAR (345000002)" in titles
    assert "Dark rendezvous: SEA STAR (345000002)" in titles
    assert "EEZ incursion: PANGA 7 (345000003)" in titles
    assert not any(re.search(r"(entrie|rendezvou|incursion|gap)s?:", t[:0]) for t in titles)
    assert not any(t.startswith(("Zone entrie:", "Dark rendezvou:")) for t in titles)


def test_click_model_event_card_on_events_vessel_card_on_tracks(
    tmp_path: Path, open_map: Any
) -> None:
    # an encounter and a zone entry ON the critical vessel's track, loitering along another
    tracks = tracks_frame()
    on_track = tracks.filter(pl.col(S.MMSI) == 345000001).row(20, named=True)
    events = pl.concat(
        [
            events_frame().filter(pl.col(S.EVENT_TYPE).is_in(["loitering", "ais_gap"])),
            pl.DataFrame(
                [
                    event_row(
                        "encounter",
                        345000001,
                        hours=(3.3, 3.5),
                        lat=on_track[S.LAT],
                        lon=on_track[S.LON],
                        other=345000002,
                    )
                ],
                schema=S.EVENT_SCHEMA,
            ),
        ]
    )
    m = risk_map(tracks, events, vessels_frame(), land=False, zones=None, offline=True)
    opened = open_map(save_map(m, tmp_path / "click.html"), allow_cdn=False)
    page = opened.page
    for _ in range(3):  # the same click, again and again: always the event card
        x, y = _xy(page, on_track[S.LAT], on_track[S.LON])
        page.mouse.click(x, y)
        assert _card_title(page).startswith("Encounter: ")
        _close_popup(page)
    # on the track away from events: the vessel card, every time
    row = tracks.filter(pl.col(S.MMSI) == 345000001).row(10, named=True)
    for _ in range(2):
        x, y = _xy(page, row[S.LAT], row[S.LON])
        page.mouse.click(x, y)
        assert _card_title(page) == HOSTILE
        _close_popup(page)
    # loitering is a band under PANGA 7's track: its edge opens the event, its centre the vessel
    panga = tracks.filter(pl.col(S.MMSI) == 345000003).row(15, named=True)  # 2.5 h: loitering
    x, y = _xy(page, panga[S.LAT], panga[S.LON])
    page.mouse.click(x, y)
    assert _card_title(page) == "PANGA 7"
    _close_popup(page)
    x, y = _xy(page, panga[S.LAT], panga[S.LON])  # the card may have panned the map
    page.mouse.click(x, y + 3.5)
    assert _card_title(page) == "Loitering: PANGA 7 (345000003)"
    assert opened.errors == []


def test_tooltip_closes_when_a_popup_opens_and_no_focus_rectangle(
    maps: dict[str, Path], open_map: Any, artifacts: Path
) -> None:
    opened = open_map(maps["offline"], allow_cdn=False)
    page = opened.page
    row = tracks_frame().filter(pl.col(S.MMSI) == 345000002).row(40, named=True)
    x, y = _xy(page, row[S.LAT], row[S.LON])
    page.mouse.move(x, y)
    page.wait_for_function("() => document.querySelector('.leaflet-tooltip') !== null")
    assert _visible_tooltips(page) == 1
    page.mouse.click(x, y)
    assert _card_title(page) == "SEA STAR"
    # where the track is now: a tall card (e.g. with network rows) auto-pans the map
    page.wait_for_function(
        "() => { const a = window.vesselsMap.map._panAnim; return !a || !a._inProgress; }"
    )
    x, y = _xy(page, row[S.LAT], row[S.LON])
    page.mouse.move(x + 1, y)  # still over the track: the tooltip must not come back
    page.wait_for_timeout(200)
    assert _visible_tooltips(page) == 0
    # the clicked track has no focus outline
    style = page.evaluate(
        "() => { const a = document.activeElement;"
        " return [a.tagName, getComputedStyle(a).outlineStyle, getComputedStyle(a).outlineWidth,"
        " getComputedStyle(document.querySelector('path.vessels-mmsi-345000002')).outlineStyle]; }"
    )
    assert style[1] == "none" or style[2] == "0px", style
    assert style[3] == "none", style
    img = _shot(page, artifacts / "clicked-track.png")
    # no black rectangle around the track: near-black pixels only from the gap dashes/markers
    ys, xs = int(y), int(x)
    band = img[ys - 12 : ys + 12, max(0, xs - 300) : xs + 300]
    assert _near(band, "#000000", 30).sum() < 200
    # after closing the card, hover tooltips work again
    _close_popup(page)
    page.mouse.move(x - 2, y)
    page.wait_for_timeout(200)
    assert _visible_tooltips(page) == 1


# --- tracks and gaps ------------------------------------------------------------------------------


def _gap_scene() -> tuple[pl.DataFrame, pl.DataFrame]:
    """SEA STAR (high) silent from 3 h to 7 h, going east: the gap is one AIS gap event."""
    tracks = tracks_frame().filter(
        ~(
            (pl.col(S.MMSI) == 345000002)
            & pl.col(S.TS).is_between(T0 + timedelta(hours=3, minutes=5), T0 + timedelta(hours=7))
        )
    )
    sea = tracks.filter(pl.col(S.MMSI) == 345000002)
    before = sea.filter(pl.col(S.TS) <= T0 + timedelta(hours=3)).row(-1, named=True)
    after = sea.filter(pl.col(S.TS) > T0 + timedelta(hours=7)).row(0, named=True)
    gap = event_row(
        "ais_gap",
        345000002,
        hours=(3.0, (after[S.TS] - T0).total_seconds() / 3600),
        lat=before[S.LAT],
        lon=before[S.LON],
        end=(after[S.LAT], after[S.LON]),
        evidence={"gap_h": 4.0},
    )
    return tracks, pl.DataFrame([gap], schema=S.EVENT_SCHEMA)


def test_tracks_are_cut_at_their_gaps() -> None:
    tracks, events = _gap_scene()
    data = prepare(
        tracks,
        events,
        vessels_frame(),
        top_n=10,
        mmsi=None,
        simplify_m=30.0,
        max_points_per_track=2000,
        max_points_total=400_000,
        max_events_per_type=5_000,
    )
    sea = next(f for f in data.tracks if f["properties"]["mmsi"] == 345000002)
    lines = sea["geometry"]["coordinates"]
    assert len(lines) == 2  # one segment, cut in two at the gap
    gap = events.row(0, named=True)
    assert lines[0][-1][0] == pytest.approx(gap[S.START_LON], abs=1e-4)
    assert lines[1][0][0] == pytest.approx(gap[S.END_LON], abs=1e-4)
    # a gap event of another vessel, or no events at all, cuts nothing
    assert (
        split_at_gaps(
            tracks.with_columns(pl.col(S.MMSI).cast(pl.UInt32)),
            events.with_columns(pl.lit(345000003).cast(pl.UInt32).alias(S.MMSI)),
        )
        .filter(pl.col(S.MMSI) == 345000002)["_part"]
        .n_unique()
        == 1
    )


def test_track_not_drawn_across_its_gap(tmp_path: Path, open_map: Any, artifacts: Path) -> None:
    tracks, events = _gap_scene()
    m = risk_map(tracks, events, vessels_frame(), land=False, zones=None, offline=True)
    opened = open_map(save_map(m, tmp_path / "gap.html"), allow_cdn=False)
    page = opened.page
    page.evaluate(
        "() => { const t = window.vesselsMap.layers.track.find("
        "l => l.feature.properties.mmsi === 345000002);"
        " window.vesselsMap.map.fitBounds(t.getBounds(), {animate: false, padding: [420, 200]}); }"
    )
    img = _shot(page, artifacts / "track-gap.png")
    gap = events.row(0, named=True)
    x0, y0 = _xy(page, gap[S.START_LAT], gap[S.START_LON])
    x1, y1 = _xy(page, gap[S.END_LAT], gap[S.END_LON])
    high = TIER_COLOURS["high"]
    y = round((y0 + y1) / 2)
    inside = img[y - 3 : y + 4, int(x0 + 0.2 * (x1 - x0)) : int(x0 + 0.8 * (x1 - x0))]
    outside = img[y - 3 : y + 4, int(x1 + 5) : int(x1 + 60)]
    assert _near(outside, high, 30).sum() > 50  # the track is drawn after the gap
    assert _near(inside, high, 30).sum() == 0  # but not across it
    assert _near(inside, "#111111", 40).sum() > 20  # the dashed gap line is


# --- time slider ----------------------------------------------------------------------------------


def _open_in_zone(browser: Any, path: Path, tz: str) -> tuple[Any, Any, list[str]]:
    ctx = browser.new_context(viewport={"width": 1280, "height": 820}, timezone_id=tz)
    page = ctx.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.route(
        "**/*",
        lambda r: r.continue_() if r.request.url.startswith(("file:", "data:")) else r.abort(),
    )
    page.goto(path.resolve().as_uri(), wait_until="load")
    page.wait_for_function("() => window.vesselsMap && window.vesselsMap.isReady")
    return ctx, page, errors


def test_time_slider_shows_utc_with_icons_offline(
    maps: dict[str, Path], browser: Any, artifacts: Path
) -> None:
    assert "--headless" in CHROMIUM_ARGS
    ctx, page, errors = _open_in_zone(browser, maps["slider"], "America/Mazatlan")
    try:
        date = page.locator(".timecontrol-date")
        date.wait_for()
        # Mazatlan is UTC-7: browser-local time would read 2024-02-29 17:00
        assert page.evaluate("() => new Date(0).getTimezoneOffset()") == 420
        assert date.inner_text().strip() == "2024-03-01 00:00 UTC"
        page.locator(".timecontrol-forward").click()
        page.wait_for_function(
            "() => document.querySelector('.timecontrol-date').textContent.includes('01:00 UTC')"
        )
        # the buttons' icon font is the bundled Font Awesome, loaded from the page itself
        page.evaluate("() => document.fonts.ready")
        assert page.evaluate("() => document.fonts.check(\"900 14px 'vessels-fa'\", '\\uf04b')")
        family = page.evaluate(
            "() => getComputedStyle(document.querySelector('.timecontrol-play'), '::before')"
            ".fontFamily"
        )
        assert "vessels-fa" in family
        # and the icons differ from one another (missing glyphs are identical empty boxes)
        shots = {
            b: page.locator(f".timecontrol-{b}").screenshot()
            for b in ("play", "forward", "backward")
        }
        assert len(set(shots.values())) == 3
        page.screenshot(path=str(artifacts / "map-time-slider.png"))
        assert errors == []
    finally:
        ctx.close()


def test_panels_and_controls_do_not_overlap(maps: dict[str, Path], open_map: Any) -> None:
    for name in ("slider", "online"):
        opened = open_map(maps[name], allow_cdn=name == "online")
        page = opened.page
        page.wait_for_function("() => window.vesselsMap.isReady === true")
        selectors = [
            "#vessels-title",
            "#vessels-events",
            "#vessels-legend",
            ".leaflet-control-layers",
            ".leaflet-control-zoom",
            ".leaflet-bar-timecontrol",
            ".leaflet-control-scale",
        ]
        rects = {s: _rect(page, s) for s in selectors}
        if name == "slider":
            assert rects[".leaflet-bar-timecontrol"] is not None
        shown = {s: r for s, r in rects.items() if r is not None}
        assert {"#vessels-title", "#vessels-events", "#vessels-legend"} <= set(shown)
        for (a, ra), (b, rb) in itertools.combinations(shown.items(), 2):
            overlap = ra[0] < rb[2] and rb[0] < ra[2] and ra[1] < rb[3] and rb[1] < ra[3]
            assert not overlap, (name, a, ra, b, rb)


# --- colours and the default view ----------------------------------------------------------------

_CVD = {  # Machado et al. 2009, severity 1.0, on linear RGB
    "protanopia": [
        [0.152286, 1.052583, -0.204868],
        [0.114503, 0.786281, 0.099216],
        [-0.003882, -0.048116, 1.051998],
    ],
    "deuteranopia": [
        [0.367322, 0.860646, -0.227968],
        [0.280085, 0.672501, 0.047413],
        [-0.011820, 0.042940, 0.968881],
    ],
    "tritanopia": [
        [1.255528, -0.076749, -0.178779],
        [-0.078411, 0.930809, 0.147602],
        [0.004733, 0.691367, 0.303900],
    ],
}


def _lab(hex_colour: str, vision: str | None) -> np.ndarray:
    c = _rgb(hex_colour) / 255.0
    lin = np.where(c <= 0.04045, c / 12.92, ((c + 0.055) / 1.055) ** 2.4)
    if vision is not None:
        lin = np.clip(np.array(_CVD[vision]) @ lin, 0, 1)
    xyz = np.array([[0.4124, 0.3576, 0.1805], [0.2126, 0.7152, 0.0722], [0.0193, 0.1192, 0.9505]])
    x = (xyz @ lin) / np.array([0.95047, 1.0, 1.08883])
    f = np.where(x > 0.008856, np.cbrt(x), 7.787 * x + 16 / 116)
    return np.array([116 * f[1] - 16, 500 * (f[0] - f[1]), 200 * (f[1] - f[2])])


def _delta_e(a: str, b: str) -> float:
    """Smallest CIE76 distance of two colours under normal vision and three colour blindnesses."""
    return min(float(np.linalg.norm(_lab(a, v) - _lab(b, v))) for v in (None, *_CVD))


def test_tier_colours_are_colour_blind_safe_and_not_zone_colours() -> None:
    tiers = [TIER_COLOURS[t] for t in S.RISK_TIERS]
    for a, b in itertools.combinations(tiers, 2):
        assert _delta_e(a, b) >= 20, (a, b)
    # ordered light to dark (readable in greyscale too): lightness falls with the tier
    light = [_lab(TIER_COLOURS[t], None)[0] for t in ("medium", "high", "critical")]
    assert light == sorted(light, reverse=True)
    for tier, colour in TIER_COLOURS.items():
        for kind, style in ZONE_STYLES.items():
            assert _delta_e(colour, style["color"]) >= 15, (tier, kind)
    # the old low tier was the EEZ blue
    assert _delta_e("#4f7cac", ZONE_STYLES["eez"]["color"]) < 15


def test_default_view_shows_the_critical_vessels(
    tmp_path: Path, open_map: Any, artifacts: Path
) -> None:
    far = make_track(
        345000004, lat=20.0, lon=-105.0, n=60, interval_s=600, speed_kn=6.0, vessel_name="SLOW"
    ).with_columns(pl.lit("345000004-a").alias(S.SEGMENT_ID))
    tracks = pl.concat(
        [tracks_frame().filter(pl.col(S.MMSI) != 345000004), far.select(tracks_frame().columns)]
    )
    m = risk_map(tracks, events_frame(), vessels_frame(), land=False, zones=None, offline=True)
    opened = open_map(save_map(m, tmp_path / "focus.html"), allow_cdn=False)
    page = opened.page
    page.wait_for_function("() => window.vesselsMap.isReady === true")
    img = _shot(page, artifacts / "default-view.png")
    box = _rect(page, "path.vessels-mmsi-345000001")
    assert box is not None
    assert box[2] - box[0] > 400  # the critical track spans a good part of the screen
    drawn = 0.9 * _rgb(TIER_COLOURS["critical"]) + 0.1 * _rgb(SEA_COLOUR)  # opacity 0.9 on sea
    assert (np.abs(img - drawn).max(axis=-1) <= 40).sum() > 400
    # and it is clear of the panels
    events_panel = _rect(page, "#vessels-events")
    assert events_panel is not None and box[0] >= events_panel[2] - 5


# --- event list, vessel search, vessel timeline -------------------------------------------------


def test_event_list_sorts_and_opens_cards(
    maps: dict[str, Path], open_map: Any, artifacts: Path
) -> None:
    opened = open_map(maps["offline"], allow_cdn=False)
    page = opened.page
    rows = page.locator("#vessels-events tbody tr")
    assert rows.count() == events_frame().height == 8
    assert "Events (8)" in page.locator("#vessels-events-head, .vessels-events-head").inner_text()

    def column(i: int) -> list[str]:
        return [
            str(t)
            for t in page.eval_on_selector_all(
                "#vessels-events tbody tr", f"rs => rs.map(r => r.children[{i}].textContent)"
            )
        ]

    starts = column(2)
    assert starts == sorted(starts)  # by start time first
    page.locator("#vessels-events th", has_text="Duration").click()
    hours = [float(d.split()[0]) for d in column(3)]
    assert hours == sorted(hours)
    page.locator("#vessels-events th", has_text="Duration").click()
    hours = [float(d.split()[0]) for d in column(3)]
    assert hours == sorted(hours, reverse=True)
    page.locator("#vessels-events th", has_text="Vessel").click()
    vessels = column(1)
    assert vessels == sorted(vessels)
    # a hostile vessel name in the list is text
    assert any(HOSTILE in v for v in vessels)
    assert page.locator("#vessels-events img, #vessels-events script").count() == 0
    # click: zoom to the event and open its card
    zoom0 = page.evaluate("() => window.vesselsMap.map.getZoom()")
    page.locator("#vessels-events tbody tr", has_text="Dark rendezvous").click()
    assert _card_title(page) == "Dark rendezvous: SEA STAR (345000002)"
    assert page.evaluate("() => window.vesselsMap.map.getZoom()") >= zoom0
    centre = page.evaluate("() => window.vesselsMap.map.getBounds().contains([31.3, -113.8])")
    assert centre
    page.screenshot(path=str(artifacts / "map-event-list.png"))
    assert opened.errors == [] and opened.dialogs == []


def test_vessel_search_by_name_mmsi_and_call_sign(maps: dict[str, Path], open_map: Any) -> None:
    opened = open_map(maps["offline"], allow_cdn=False)
    page = opened.page
    box = page.locator("#vessels-search")
    for query, title in [
        ("sea star", "SEA STAR"),
        ("345000003", "PANGA 7"),
        ("XC04", "SLOW BOAT"),
        ("<img", HOSTILE),
    ]:
        box.fill(query)
        box.press("Enter")
        assert _card_title(page) == title, query
        bounds = page.evaluate(
            "(m) => { const t = window.vesselsMap.layers.track.find("
            "l => l.feature.properties.mmsi === m); return window.vesselsMap.map.getBounds()"
            ".intersects(t.getBounds()); }",
            {"SEA STAR": 345000002, "PANGA 7": 345000003, "SLOW BOAT": 345000004}.get(
                title, 345000001
            ),
        )
        assert bounds
        _close_popup(page)
    box.fill("no such vessel")
    assert page.locator(".vessels-search-results").inner_text().strip() == "no match"
    assert opened.errors == [] and opened.dialogs == []
    assert page.evaluate("() => window.__pwned === undefined")


def test_vessel_card_timeline(maps: dict[str, Path], open_map: Any, artifacts: Path) -> None:
    opened = open_map(maps["offline"], allow_cdn=False)
    page = opened.page
    page.locator("#vessels-search").fill("345000001")
    page.locator("#vessels-search").press("Enter")
    assert _card_title(page) == HOSTILE
    tl = page.locator(".leaflet-popup-content .vessels-timeline")
    tl.wait_for()
    assert page.locator(".vessels-timeline-bar .rx").count() >= 1  # AIS received
    assert page.locator(".vessels-timeline-bar .gap").count() == 1  # its one AIS gap
    assert page.locator(".vessels-timeline-bar .ev").count() == 1  # its encounter
    axis = tl.locator(".vessels-timeline-axis").inner_text()
    assert "2024-03-01 00:00 UTC" in axis and "2024-03-01 09:50 UTC" in axis
    # the gap sits where it happened (4.8 h of the 9.83 h range)
    left = page.evaluate(
        "() => parseFloat(document.querySelector('.vessels-timeline-bar .gap').style.left)"
    )
    assert left == pytest.approx(4.8 / (9 + 50 / 60) * 100, abs=0.5)
    title = page.evaluate("() => document.querySelector('.vessels-timeline-bar .ev').title")
    assert title.startswith("Encounter") and HOSTILE in title
    page.screenshot(path=str(artifacts / "map-vessel-timeline.png"))
    page.locator(".vessels-timeline-bar .ev").click()
    assert _card_title(page).startswith("Encounter: ")
    assert opened.errors == [] and opened.dialogs == []


def test_default_view_is_the_densest_critical_group_and_says_so() -> None:
    """A critical MMSI also broadcast far away (a twin) does not shrink the pangas to pixels."""
    twin = make_track(
        345000001, lat=24.0, lon=-108.0, n=20, interval_s=600, speed_kn=6.0
    ).with_columns(pl.lit("345000001-twin").alias(S.SEGMENT_ID))
    tracks = pl.concat([tracks_frame(), twin.select(tracks_frame().columns)])
    data = prepare(
        tracks,
        events_frame(),
        vessels_frame(),
        top_n=10,
        mmsi=None,
        simplify_m=30.0,
        max_points_per_track=2000,
        max_points_total=400_000,
        max_events_per_type=5_000,
    )
    assert data.focus_tier == "critical"
    assert data.focus_bounds is not None
    west, south, east, north = data.focus_bounds
    assert south >= 30.9 and north <= 31.1 and west >= -114.7 and east <= -113.0
    assert any("densest group of critical tracks" in n for n in data.notes)
