"""Hostile text in headless Chromium (issue #11, point 1): nothing runs, the text is shown.

One page per payload of :mod:`tests.maps.payloads`, with the payload (plus a per-field tag) in
every text field of ``risk_map``. In the browser: no dialog, no page error, no flag set by a
script from the data, no element the data could have made (only the tags our script creates
inside cards, tooltips and panels; no ``on*`` attribute, no ``javascript:`` link anywhere), and
each field's literal text is in a visible card, tooltip or panel, exactly as given.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.maps.payloads import (
    HOSTILE_MMSI,
    PAYLOADS,
    cleanup_markers,
    hostile_inputs,
    markers_present,
    tagged,
)
from vessels.maps import risk_map, save_map

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")

#: The only elements our script creates for data (cards, tooltips, title panel with its search
#: box, legend, event list).
OUR_TAGS = {
    "DIV",
    "H1",
    "B",
    "SPAN",
    "TABLE",
    "THEAD",
    "TBODY",
    "TR",
    "TH",
    "TD",
    "UL",
    "LI",
    "INPUT",
}

_INJECTED = """() => {
  const all = [...document.querySelectorAll('*')];
  const handlers = all.filter(
      e => [...e.attributes].some(a => a.name.toLowerCase().startsWith("on")));
  const jsLinks = all.filter(e => [...e.attributes].some(
      a => /^\\s*javascript:/i.test(a.value) && ['href', 'src', 'action'].includes(a.name)));
  const ours = document.querySelectorAll(
      '#vessels-title *, #vessels-legend *, #vessels-events *, .leaflet-popup-content *,' +
      ' .leaflet-tooltip *');
  const tags = [...new Set([...ours].map(e => e.tagName))];
  return {handlers: handlers.length, jsLinks: jsLinks.length, tags: tags,
          pwned: window.__pwned === undefined ? null : String(window.__pwned)};
}"""

_CARD = """(sel) => {
  const card = document.querySelector(sel);
  if (!card) return null;
  const rows = {};
  card.querySelectorAll('tr').forEach(tr => {
    rows[tr.querySelector('th').textContent] = tr.querySelector('td').textContent; });
  const title = card.querySelector('.vessels-card-title');
  return {title: title ? title.textContent : null, rows: rows,
          reasons: [...card.querySelectorAll('li')].map(li => li.textContent)};
}"""


def _open_card(page: Any, layers: str, mmsi: int | None) -> dict[str, Any]:
    """Open the popup of the first feature of ``vesselsMap.layers[layers]`` (of ``mmsi``)."""
    page.evaluate(
        "([kind, mmsi]) => { const ls = window.vesselsMap.layers[kind];"
        " const l = ls.find(l => mmsi === null || l.feature.properties.mmsi === mmsi);"
        " window.__card = l; l.openPopup(); }",
        [layers, mmsi],
    )
    card = page.locator(".leaflet-popup-content .vessels-card")
    card.wait_for()
    assert card.is_visible()
    got = page.evaluate(_CARD, ".leaflet-popup-content .vessels-card")
    page.evaluate("() => window.__card.closePopup()")
    card.wait_for(state="detached")
    return got


@pytest.mark.parametrize("payload_id", list(PAYLOADS))
def test_hostile_text_in_the_browser(
    payload_id: str, tmp_path: Path, open_map: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    payload = PAYLOADS[payload_id]
    monkeypatch.chdir(tmp_path)
    cleanup_markers(tmp_path)
    tracks, events, vessels, zones = hostile_inputs(payload)
    m = risk_map(
        tracks,
        events,
        vessels,
        zones,
        land=False,
        title=tagged(payload, "title"),
        profile=tagged(payload, "profile"),
    )
    path = save_map(m, tmp_path / "hostile.html")
    assert markers_present(tmp_path) == []
    opened = open_map(path)
    page = opened.page

    def v(name: str) -> str:
        return tagged(payload, name)

    # the title panel: heading and profile line, visible, as given
    title = page.locator("#vessels-title")
    assert title.is_visible()
    assert page.evaluate("() => document.querySelector('#vessels-title h1').textContent") == v(
        "title"
    )
    lines = page.evaluate(
        "() => [...document.querySelectorAll('#vessels-title > div')].map(d => d.textContent)"
    )
    assert any(line.startswith(f"profile: {v('profile')} · ") for line in lines)

    # the vessel card (click on its track) and its tooltip
    vessel = _open_card(page, "track", HOSTILE_MMSI)
    assert vessel["rows"]["Name"] == v("vessel_name")
    assert vessel["rows"]["Call sign"] == v("callsign")
    assert vessel["rows"]["Destination"] == v("destination")
    assert vessel["reasons"][0] == v("reason")
    tip = page.evaluate(
        "(mmsi) => { const l = window.vesselsMap.layers.track.find("
        "l => l.feature.properties.mmsi === mmsi); l.openTooltip();"
        " const e = l.getTooltip().getElement().querySelector('.vessels-tip');"
        " const r = e.getBoundingClientRect();"
        " return [e.textContent, r.width > 0 && r.height > 0]; }",
        HOSTILE_MMSI,
    )
    assert tip == [f"{v('vessel_name').strip()} · 92 (critical)", True]

    # the zone card (name, id, source file) and the AIS-gap event card
    zone = _open_card(page, "zone_other", None)  # its kind is not one of ours: "Other zones"
    assert zone["rows"]["Kind"] == v("zone_kind")
    assert zone["title"] == v("zone_name")
    assert zone["rows"]["Zone id"] == v("zone_id") and zone["rows"]["Source"] == v("zone_source")
    gap = _open_card(page, "ais_gap", HOSTILE_MMSI)
    assert gap["rows"]["Zone"] == v("event_zone_name")
    assert gap["rows"]["Summary"] == v("event_summary")
    assert gap["rows"]["Event id"] == v("event_id")

    # the event list names the vessel as text
    name = v("vessel_name")
    listed = page.evaluate(
        "() => [...document.querySelectorAll('#vessels-events tbody tr')]"
        ".map(r => r.children[1].textContent)"
    )
    if name.strip():
        assert f"{name} ({HOSTILE_MMSI})" in listed

    # nothing from the data ran or became an element; layer names are ours alone
    found = page.evaluate(_INJECTED)
    assert found["pwned"] is None and found["handlers"] == 0 and found["jsLinks"] == 0
    assert set(found["tags"]) <= OUR_TAGS
    controls = page.locator(".leaflet-control-layers").inner_text()
    assert "ZQX" not in controls and "Zones: Other zones (1)" in controls
    assert opened.dialogs == [] and opened.errors == []
    assert markers_present(tmp_path) == []
