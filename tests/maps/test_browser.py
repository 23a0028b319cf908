"""The maps in a real browser (headless Debian Chromium via Playwright; no network)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import polars as pl
import pytest

from tests.maps.conftest import HOSTILE, HOSTILE_DEST, HOSTILE_REASON, event_row, events_frame
from vessels import schema as S
from vessels.maps import risk_map, save_map

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")

EXPECTED_LAYERS = [
    "Tracks, top 4 by risk",
    "AIS gaps (2)",
    "Encounters (1)",
    "Dark rendezvous (1)",
    "Loitering (1)",
    "Fishing (1)",
    "Zone entries (1)",
    "EEZ incursions (1)",
]


def _layer_names(page: Any) -> list[str]:
    return [
        t.strip()
        for t in page.locator(".leaflet-control-layers-overlays label span span").all_inner_texts()
    ]


def _pointer(page: Any, selector: str, action: str = "click", at: float = 0.25) -> None:
    """Click/hover a point on an SVG path (a horizontal line has a zero-height box, which
    Playwright's locator.click calls invisible, so use the mouse at the line's coordinates)."""
    box = page.evaluate(
        "(sel) => { const r = document.querySelector(sel).getBoundingClientRect();"
        " return [r.left, r.top, r.width, r.height]; }",
        selector,
    )
    x, y = box[0] + box[2] * at, box[1] + box[3] / 2
    getattr(page.mouse, "click" if action == "click" else "move")(x, y)


def _count(page: Any, selector: str) -> int:
    return int(page.evaluate(f"() => document.querySelectorAll({selector!r}).length"))


@pytest.fixture(scope="module")
def scene_html(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    import geopandas as gpd
    import shapely

    from tests.maps.conftest import tracks_frame, vessels_frame

    zones = gpd.GeoDataFrame(
        {
            S.ZONE_ID: ["aoi-1", "pa-1"],
            S.ZONE_NAME: ["Vaquita <refuge>", "Alto Golfo"],
            S.ZONE_KIND: ["aoi", "protected_area"],
        },
        geometry=[shapely.box(-114.5, 30.9, -114.2, 31.5), shapely.box(-114.0, 31.3, -113.7, 31.7)],
        crs=4326,
    )
    out = tmp_path_factory.mktemp("maps")
    paths = {}
    for offline in (False, True):
        m = risk_map(
            tracks_frame(),
            events_frame(),
            vessels_frame(),
            zones,
            title="Test <map>",
            profile="gulf-of-california",
            offline=offline,
        )
        paths["offline" if offline else "online"] = save_map(
            m, out / f"scene-{'offline' if offline else 'online'}.html"
        )
    return paths


@pytest.mark.parametrize("mode", ["online", "offline"])
def test_map_initialises_with_expected_layers_and_features(
    scene_html: dict[str, Path], open_map: Any, mode: str
) -> None:
    opened = open_map(scene_html[mode], allow_cdn=(mode == "online"))
    page = opened.page
    assert opened.errors == []
    names = _layer_names(page)
    for layer in EXPECTED_LAYERS:
        assert layer in names
    assert "Zones: Area of interest (1)" in names and "Zones: Protected area (1)" in names
    assert "Land (Natural Earth)" in names  # the map reads without tiles
    assert _count(page, "path.vessels-land") == 1
    bases = page.locator(".leaflet-control-layers-base label span span").all_inner_texts()
    if mode == "online":
        assert [b.strip() for b in bases] == [
            "OpenStreetMap",
            "Light grey (Esri)",
            "Dark grey (Esri)",
        ]
    else:
        assert bases == []  # no tile servers offline: our land layer instead
        assert opened.remote == []  # and nothing was requested from the network
    assert _count(page, "path.vessels-track") == 4
    assert _count(page, "path.vessels-ais_gap") == 2
    assert _count(page, "path.vessels-encounter") == 1
    assert _count(page, "path.vessels-dark_rendezvous") == 1
    assert _count(page, "path.vessels-zone_entry") == 1
    assert _count(page, "path.vessels-eez_incursion") == 1
    counts = page.evaluate("() => window.vesselsMap.counts")
    assert counts["track"] == 4 and counts["loitering"] == 1 and counts["fishing"] == 1
    # the title panel shows the (escaped) title, the profile and the data's time range
    title = page.locator("#vessels-title").inner_text()
    assert "Test <map>" in title and "gulf-of-california" in title
    assert "2024-03-01 00:00" in title and "2024-03-01 09:50" in title
    assert "critical" in page.locator("#vessels-legend").inner_text()


def test_track_click_opens_vessel_card_with_hostile_name_as_text(
    scene_html: dict[str, Path], open_map: Any, artifacts: Path
) -> None:
    opened = open_map(scene_html["online"])
    page = opened.page
    _pointer(page, "path.vessels-mmsi-345000001")
    card = page.locator(".leaflet-popup-content .vessels-card")
    card.wait_for()
    assert card.locator(".vessels-card-title").inner_text() == HOSTILE
    text = card.inner_text()
    assert "345000001" in text and "MEX" in text and "30 fishing" in text
    assert "92 / 100 (critical)" in text and "X<b>1</b>" in text and "AIS gaps: 2" in text
    assert f"Destination\t{HOSTILE_DEST}" in text
    assert card.locator("li").all_inner_texts()[0] == HOSTILE_REASON
    # nothing ran: no dialog, no injected element, no flag set by the script text
    assert opened.dialogs == []
    assert (
        _count(
            page,
            ".leaflet-popup-content img, .leaflet-popup-content script, .leaflet-popup-content b",
        )
        == 0
    )
    assert page.evaluate("() => window.__pwned === undefined")
    assert opened.errors == []
    page.screenshot(path=str(artifacts / "scene-popup.png"))


def test_event_popup_and_tooltip_are_text(scene_html: dict[str, Path], open_map: Any) -> None:
    opened = open_map(scene_html["offline"], allow_cdn=False)
    page = opened.page
    _pointer(page, "path.vessels-ais_gap", action="hover", at=0.5)
    tip = page.locator(".leaflet-tooltip")
    tip.wait_for()
    assert HOSTILE in tip.inner_text()
    page.evaluate(
        "() => window.vesselsMap.layers.ais_gap.forEach(l => l.feature.properties.mmsi === "
        "345000001 && l.openPopup())"
    )
    card = page.locator(".leaflet-popup-content .vessels-card")
    card.wait_for()
    text = card.inner_text()
    assert "7.2 h" in text and "3.4 kn" in text and f"dark near {HOSTILE}" in text
    assert opened.dialogs == [] and opened.errors == []


def test_encounter_card_names_both_vessels_and_highlights_their_tracks(
    scene_html: dict[str, Path], open_map: Any
) -> None:
    opened = open_map(scene_html["offline"], allow_cdn=False)
    page = opened.page
    width = "() => [1, 2, 3].map(i => document.querySelector("
    width += "'path.vessels-mmsi-34500000' + i).getAttribute('stroke-width'))"
    assert page.evaluate(width) == ["3", "3", "3"]
    page.locator("path.vessels-encounter").click()
    card = page.locator(".leaflet-popup-content .vessels-card")
    card.wait_for()
    text = card.inner_text()
    assert f"{HOSTILE} (345000001)" in text and "SEA STAR (345000002)" in text
    assert page.evaluate(width) == ["7", "7", "3"]  # both vessels of the encounter, not the third
    page.locator(".leaflet-popup-close-button").click()
    assert page.evaluate(width) == ["3", "3", "3"]
    assert opened.dialogs == [] and opened.errors == []


@pytest.mark.parametrize("offline", [False, True], ids=["online", "offline"])
def test_many_point_events_are_clustered(
    tmp_path: Path,
    open_map: Any,
    scene: tuple[pl.DataFrame, pl.DataFrame, pl.DataFrame],
    offline: bool,
) -> None:
    tracks, _events, vessels = scene
    many = pl.DataFrame(
        [
            event_row(
                "zone_entry",
                345000002,
                hours=(i / 100, i / 100),
                lat=31.2 + (i % 10) * 0.001,
                lon=-114.5 + (i // 10) * 0.001,
                event_id=f"z{i}",
            )
            for i in range(300)
        ],
        schema=S.EVENT_SCHEMA,
    )
    m = risk_map(tracks, many, vessels, land=False, cluster_threshold=200, offline=offline)
    opened = open_map(save_map(m, tmp_path / "cluster.html"), allow_cdn=not offline)
    page = opened.page
    assert "Zone entries (300), clustered" in _layer_names(page)
    assert _count(page, ".marker-cluster") >= 1
    assert _count(page, "path.vessels-zone_entry") < 300  # not all drawn individually
    assert page.evaluate("() => window.vesselsMap.counts.zone_entry") == 300
    assert opened.errors == []


@pytest.mark.parametrize("offline", [False, True], ids=["online", "offline"])
def test_time_slider_loads(
    tmp_path: Path,
    open_map: Any,
    scene: tuple[pl.DataFrame, pl.DataFrame, pl.DataFrame],
    offline: bool,
) -> None:
    tracks, events, vessels = scene
    m = risk_map(tracks, events, vessels, land=False, time_slider=True, offline=offline)
    opened = open_map(save_map(m, tmp_path / "slider.html"), allow_cdn=not offline)
    page = opened.page
    page.locator(".leaflet-bar-timecontrol").wait_for()
    assert opened.errors == []
    # step the slider forward: track pieces and event dots appear as time passes
    page.locator(".timecontrol-forward").click()
    page.locator(".timecontrol-forward").click()
    slider_paths = "() => [...document.querySelectorAll('path.leaflet-interactive')]"
    slider_paths += ".filter(p => !p.getAttribute('class').includes('vessels-')).length"
    page.wait_for_function(f"({slider_paths})() > 0")  # drawn by the time layer, not ours
    if offline:
        assert opened.remote == []


def test_screenshot_of_offline_scene(
    scene_html: dict[str, Path], open_map: Any, artifacts: Path
) -> None:
    opened = open_map(scene_html["offline"], allow_cdn=False)
    shot = artifacts / "scene-offline.png"
    opened.page.screenshot(path=str(shot))
    assert shot.stat().st_size > 10_000


DEMO = Path(__file__).resolve().parents[2] / "maps" / "demo.html"


def test_demo_map_opens_with_no_network(open_map: Any, artifacts: Path) -> None:
    """The committed demo (an offline map) works air-gapped; its screenshot is left for people."""
    opened = open_map(DEMO, allow_cdn=False)
    page = opened.page
    assert opened.errors == [] and opened.remote == []
    names = _layer_names(page)
    assert any(n.startswith("Tracks, top") for n in names)
    assert page.evaluate("() => window.vesselsMap.counts.track") >= 1
    page.screenshot(path=str(artifacts / "demo.png"))
