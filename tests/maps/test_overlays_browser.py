"""The fleet and network layers of the risk map (issue 19) in headless Chromium.

A carrier that met three boats and a fleet of four jiggers of one flag (one of which crossed
into the EEZ) are drawn; every name is hostile text. In the browser: the network links and
vessels and the fleet's hour cells render, the hour control shows one hour at a time and steps
through the hours, the carrier's card carries its summary (how many distinct vessels it met,
where) and the network rule, the vessel card gets the network rows — and the names are shown as
the exact text, with nothing run (no dialog, no page error, no handler attribute).
"""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Any

import polars as pl
import pytest

from tests.factories import T0, make_track
from tests.maps.conftest import event_row
from vessels import schema as S
from vessels.maps import risk_map, save_map
from vessels.risk import VESSEL_SCHEMA

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")

CARRIER = 352000001
BOATS = (412000011, 412000012, 412000013)
FLEET = (412000021, 412000022, 412000023, 412000024)
CARRIER_NAME = "<img src=x onerror=alert(1)>{{7*7}}"
BOAT_NAME = "</script><svg onload=window.__pwned=1>"
FLEET_NAME = "JIGGER \"'&<b>"


def _name(mmsi: int) -> str:
    if mmsi == CARRIER:
        return CARRIER_NAME
    if mmsi in BOATS:
        return f"{BOAT_NAME} {mmsi % 100}"
    return f"{FLEET_NAME} {mmsi % 100}"


def _scene() -> tuple[pl.DataFrame, pl.DataFrame, pl.DataFrame]:
    tracks = []
    for i, mmsi in enumerate((CARRIER, *BOATS)):
        tracks.append(
            make_track(mmsi, lat=20.0 + 0.05 * i, lon=-120.0, n=37, interval_s=600.0, speed_kn=4.0)
        )
    for i, mmsi in enumerate(FLEET):  # 6 h along the boundary, 0.02° apart
        tracks.append(
            make_track(mmsi, lat=19.0 + 0.02 * i, lon=-118.0, n=37, interval_s=600.0, speed_kn=3.0)
        )
    tr = pl.concat(tracks, how="diagonal_relaxed").with_columns(
        pl.col(S.MMSI).cast(pl.UInt32),
        (pl.col(S.MMSI).cast(pl.String) + "-a").alias(S.SEGMENT_ID),
    )
    rows = [
        event_row(
            "encounter",
            CARRIER,
            hours=(1.0 + i, 2.0 + i),
            lat=20.0 + 0.05 * (i + 1),
            lon=-119.9,
            other=boat,
            event_id=f"enc-{boat}",
        )
        for i, boat in enumerate(BOATS)
    ]
    fleet_id = "fleet-CHN-MEX-20240301T00"
    for mmsi in FLEET:
        rows.append(
            event_row(
                "fleet_presence",
                mmsi,
                hours=(0.0, 6.0),
                lat=19.03,
                lon=-117.9,
                evidence={
                    "fleet_id": fleet_id,
                    "group_size": len(FLEET),
                    "flag": "CHN",
                    "n_incursions": 1 if mmsi == FLEET[0] else 0,
                    "summary": f"one of up to 4 {FLEET_NAME}",
                },
                event_id=f"fp-{mmsi}",
            )
        )
    rows.append(
        event_row("eez_incursion", FLEET[0], hours=(3.0, 3.0), lat=19.0, lon=-117.8, event_id="inc")
    )
    events = pl.DataFrame(rows, schema=S.EVENT_SCHEMA)
    vrows = []
    for k, mmsi in enumerate((CARRIER, *BOATS, *FLEET)):
        row: dict[str, Any] = dict.fromkeys(VESSEL_SCHEMA)
        row.update(
            {
                S.MMSI: mmsi,
                S.VESSEL_NAME: _name(mmsi),
                S.FLAG: "CHN",
                S.SHIP_TYPE: 79 if mmsi == CARRIER else 30,
                S.MMSI_VALID: True,
                S.N_POSITIONS: 37,
                S.FIRST_TS: T0,
                S.LAST_TS: T0 + timedelta(hours=6),
                S.RISK_SCORE: 80.0 - k,
                S.RISK_TIER: "high",
                # as the scorer writes network_contact's explanation (vessels.risk.rules)
                S.REASONS: (
                    [f"in contact with {CARRIER} (score 80) by encounter (+16)"]
                    if mmsi in BOATS
                    else []
                ),
            }
        )
        vrows.append(row)
    return tr, events, pl.DataFrame(vrows, schema=VESSEL_SCHEMA)


def _card(page: Any, kind: str, mmsi: int | None) -> dict[str, Any]:
    """Open the card of the first ``kind`` feature (of ``mmsi``) and read it from its popup."""
    return page.evaluate(
        """([kind, mmsi]) => {
          const ls = window.vesselsMap.layers[kind];
          const l = ls.find(l => mmsi === null || l.feature.properties.mmsi === mmsi);
          l.openPopup();
          const card = l.getPopup().getElement().querySelector('.vessels-card');
          const rows = {};
          card.querySelectorAll('tr').forEach(tr => {
            rows[tr.querySelector('th').textContent] = tr.querySelector('td').textContent; });
          const out = {title: card.querySelector('.vessels-card-title').textContent, rows: rows};
          l.closePopup();
          return out;
        }""",
        [kind, mmsi],
    )


@pytest.mark.parametrize("offline", [False, True], ids=["online", "offline"])
def test_fleet_and_network_layers_render_and_names_stay_text(
    open_map: Any, tmp_path: Path, empty_zones: Any, offline: bool
) -> None:
    tracks, events, vessels_ = _scene()
    m = risk_map(tracks, events, vessels_, empty_zones, land=False, offline=offline, top_n=8)
    path = save_map(m, tmp_path / "overlays.html")
    html = path.read_text(encoding="utf-8")
    # names are JSON data with < > & escaped, never markup or template text folium compiled
    assert (
        "<img src=x" not in html
        and "<svg onload" not in html
        and "49" not in html.split("{{7*7}}")[0][-3:]
    )
    assert html.count("{{7*7}}") == html.count("\\u003cimg src=x onerror=alert(1)\\u003e{{7*7}}")
    opened = open_map(path, allow_cdn=not offline)
    page = opened.page
    page.wait_for_function("() => window.vesselsMap.isReady === true")
    counts = page.evaluate("() => window.vesselsMap.counts")
    assert counts.get("net_link") == 3, counts  # the carrier and its three boats
    assert counts.get("net_node") == 4, counts
    assert counts.get("fleet") == 1, counts
    assert counts.get("fleet_cell", 0) >= 7, counts  # >= one cell in each of the 7 hours
    # rendered: SVG paths of the links and the cells of one hour are in the map
    drawn = page.evaluate(
        """() => { const V = window.vesselsMap, map = V.map;
          const on = k => (V.layers[k] || []).filter(l => map.hasLayer(l) && l.getElement()).length;
          return {links: on('net_link'), nodes: on('net_node'), cells: on('fleet_cell'),
                  fleet: on('fleet'), hours: V.fleet.hours.length,
                  hourCells: V.fleet.byHour[V.fleet.hours[V.fleet.index]].length}; }"""
    )
    assert drawn["links"] == 3 and drawn["nodes"] == 4 and drawn["fleet"] == 1, drawn
    assert drawn["hours"] == 7, drawn  # 00:00 .. 06:00 UTC
    assert drawn["cells"] == drawn["hourCells"] > 0, drawn  # one hour at a time
    label = page.text_content("#vessels-fleet-time .vessels-fleet-label") or ""
    assert "4 fleet member(s) present" in label, label
    before = page.evaluate("() => window.vesselsMap.fleet.index")
    page.click("#vessels-fleet-time button[title='next hour']")
    after = page.evaluate(
        "() => [window.vesselsMap.fleet.index, window.vesselsMap.fleet.hours.length]"
    )
    assert after[0] == min(before + 1, after[1] - 1)
    new_label = page.text_content("#vessels-fleet-time .vessels-fleet-label") or ""
    assert new_label != label or before == after[1] - 1
    # the carrier's node card: its summary, the network rule, the exact name
    node = _card(page, "net_node", CARRIER)
    assert node["title"] == CARRIER_NAME
    assert node["rows"]["Carrier"].startswith("met 3 distinct vessels at sea (3 encounters"), node
    assert "MEX EEZ" in node["rows"]["Carrier: where"], node
    assert node["rows"]["Network points"].startswith("rule network_contact:"), node
    # the vessel card (track) carries the same network rows
    card = _card(page, "track", CARRIER)
    assert card["title"] == CARRIER_NAME
    assert card["rows"]["Network"] == f"net-{CARRIER}: 4 vessels; linked to 3 (3 at sea)", card
    assert card["rows"]["Carrier"].startswith("met 3 distinct vessels at sea"), card
    boat = _card(page, "track", BOATS[0])  # its score has network points: the rule is explained
    assert boat["rows"]["Network points"].startswith("rule network_contact:"), boat
    assert "Network points" not in card["rows"], card  # the carrier's has none
    # a link's card names both vessels as text
    link = _card(page, "net_link", None)
    assert CARRIER_NAME in link["title"] and BOAT_NAME in link["title"], link
    assert link["rows"]["Linked by"] == "met at sea (encounter)"
    fleet = _card(page, "fleet", None)
    assert fleet["rows"]["Members"] == "4" and fleet["rows"]["Incursion events"] == "inc", fleet
    assert fleet["rows"]["Along the EEZ of"] == "MEX"
    # nothing from the data ran or became markup
    checks = page.evaluate(
        """() => ({
          handlers: [...document.querySelectorAll('*')].filter(e => [...e.attributes].some(
              a => a.name.toLowerCase().startsWith('on'))).length,
          imgs: document.querySelectorAll('img[src="x"], svg[onload]').length,
          pwned: window.__pwned === undefined ? null : String(window.__pwned)})"""
    )
    assert checks == {"handlers": 0, "imgs": 0, "pwned": None}, checks
    assert not opened.dialogs and not opened.errors, (opened.dialogs, opened.errors)
    if offline:
        assert opened.remote == [], opened.remote  # everything embedded


def test_hour_control_follows_the_layer_control(
    open_map: Any, tmp_path: Path, empty_zones: Any
) -> None:
    tracks, events, vessels_ = _scene()
    m = risk_map(tracks, events, vessels_, empty_zones, land=False, offline=True)
    page = open_map(save_map(m, tmp_path / "o.html"), allow_cdn=False).page
    page.wait_for_function("() => window.vesselsMap.isReady === true")
    assert page.is_visible("#vessels-fleet-time")
    page.click("label:has-text('members by hour') input")
    assert not page.is_visible("#vessels-fleet-time")
    page.click("label:has-text('members by hour') input")
    assert page.is_visible("#vessels-fleet-time")
    n = page.evaluate(
        "() => window.vesselsMap.layers.fleet_cell.filter(l => window.vesselsMap.map.hasLayer(l))"
        ".length"
    )
    assert n == page.evaluate(
        "() => window.vesselsMap.fleet.byHour[window.vesselsMap.fleet.hours["
        "window.vesselsMap.fleet.index]].length"
    )


def test_no_overlays_without_fleets_or_links(tmp_path: Path, empty_zones: Any) -> None:
    tracks, events, vessels_ = _scene()
    alone = events.filter(pl.col(S.EVENT_TYPE) == "eez_incursion")
    html = risk_map(tracks, alone, vessels_, empty_zones, land=False).get_root().render()
    assert "vesselsMap.fleet.init" not in html and "Network links" not in html
