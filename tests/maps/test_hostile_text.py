"""Hostile text in every text field of ``risk_map`` stays data (issue #11, point 1).

branca compiles ``Element(text)`` and re-compiles every ``MacroElement``'s output as a Jinja2
template, so before the fix a vessel named ``{{...os.mkdir(...)}}`` ran code while the map was
built. For each payload of :mod:`tests.maps.payloads` and each text field, one map is built
with the payload (plus a per-field tag) in every field; then per (field, payload):

* nothing ran: neither marker exists, the build did not fail;
* the text never reached a template compiler: every source ``jinja2.Environment.compile``
  saw during build and render is free of the field's tag;
* the text is only in the page's JSON data block (escaped, no ``<``, ``>``, ``&``, U+2028/9 in it)
  and reads back from it exactly as given (``{{7*7}}`` is ``{{7*7}}``, not 49);
* no tag of the payload appears anywhere in the page as markup.

The browser side (nothing runs, the literal text is visible) is in ``test_browser_hostile.py``.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

import jinja2
import pytest

from tests.maps.payloads import (
    BLOCK,
    FIELDS,
    HOSTILE_MMSI,
    PAYLOADS,
    cleanup_markers,
    hostile_inputs,
    markers_present,
    tagged,
)
from vessels.maps import risk_map

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")


@dataclass
class Built:
    page: str = ""
    error: BaseException | None = None
    markers: list[str] = field(default_factory=list)
    compiled: list[str] = field(default_factory=list)

    def block(self) -> tuple[str, dict[str, Any]]:
        found = BLOCK.findall(self.page)
        assert len(found) == 1, "exactly one data block"
        return found[0], json.loads(found[0])


_BUILT: dict[str, Built] = {}


def build(payload_id: str, tmp_path_factory: pytest.TempPathFactory) -> Built:
    """Build (once per payload) and render the map, recording every template compiled."""
    if payload_id in _BUILT:
        return _BUILT[payload_id]
    built = Built()
    cwd = tmp_path_factory.mktemp("cwd")
    real_compile = jinja2.Environment.compile

    def spy(self: jinja2.Environment, source: Any, *args: Any, **kwargs: Any) -> Any:
        built.compiled.append(str(source))
        return real_compile(self, source, *args, **kwargs)

    cleanup_markers(cwd)
    with pytest.MonkeyPatch.context() as mp:
        mp.chdir(cwd)
        mp.setattr(jinja2.Environment, "compile", spy)
        payload = PAYLOADS[payload_id]
        try:
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
            built.page = m.get_root().render()
        except Exception as exc:  # reported by every case of this payload
            built.error = exc
        built.markers = markers_present(cwd)
    cleanup_markers(cwd)
    _BUILT[payload_id] = built
    return built


def _card(cards: list[dict[str, Any]], label: str, value: str | None = None) -> dict[str, Any]:
    found = [
        c
        for c in cards
        if any(r["l"] == label and (value is None or r["v"] == value) for r in c.get("rows", []))
    ]
    assert len(found) == 1, f"one card with row {label!r}"
    return found[0]


def _row(card: dict[str, Any], label: str) -> str:
    return next(r["v"] for r in card["rows"] if r["l"] == label)


def read_back(data: dict[str, Any], field_name: str) -> list[str]:
    """Where each field must show in the page's data, as the page will write it."""
    cards = data["cards"]
    vessel = _card(cards, "MMSI", str(HOSTILE_MMSI))
    if field_name == "vessel_name":
        return [_row(vessel, "Name")]
    if field_name == "callsign":
        return [_row(vessel, "Call sign")]
    if field_name == "destination":
        return [_row(vessel, "Destination")]
    if field_name == "reason":
        return [vessel["reasons"][0]]
    if field_name.startswith("zone_"):
        zone = _card(cards, "Zone id")
        label = {
            "zone_name": None,
            "zone_id": "Zone id",
            "zone_source": "Source",
            "zone_kind": "Kind",
        }[field_name]
        return [zone["title"] if label is None else _row(zone, label)]
    if field_name.startswith("event_"):
        gap = _card(cards, "Event id", tagged_value(data, "event_id"))
        label = {"event_zone_name": "Zone", "event_summary": "Summary", "event_id": "Event id"}
        return [_row(gap, label[field_name])]
    if field_name == "title":
        return [data["title"]["heading"]]
    assert field_name == "profile"
    line = data["title"]["lines"][-1]
    assert line.startswith("profile: ")
    return [line.removeprefix("profile: ").split(" · ")[0]]


def tagged_value(data: dict[str, Any], field_name: str) -> str:
    ids = [r["v"] for c in data["cards"] for r in c.get("rows", []) if r["l"] == "Event id"]
    return next(v for v in ids if v.endswith(f"ZQX{field_name}"))


CASES = [(f, p) for p in PAYLOADS for f in FIELDS]


@pytest.mark.parametrize(("field_name", "payload_id"), CASES, ids=[f"{p}-{f}" for f, p in CASES])
def test_hostile_text_is_data(
    field_name: str, payload_id: str, tmp_path_factory: pytest.TempPathFactory
) -> None:
    built = build(payload_id, tmp_path_factory)
    assert built.error is None, f"map build failed: {built.error!r}"
    assert built.markers == [], "a template payload ran code"
    value = tagged(PAYLOADS[payload_id], field_name)
    tag = f"ZQX{field_name}"
    assert not [s for s in built.compiled if tag in s], "input text reached a template compiler"
    raw, data = built.block()
    # escaped for a <script> block, and the only place the text is in the page
    assert not set(raw) & {"<", ">", "&", "\u2028", "\u2029", "\x00"}
    assert built.page.count(tag) == raw.count(tag) >= 1
    # read back exactly as given: not evaluated ({{7*7}} stays {{7*7}}), not altered
    assert read_back(data, field_name) == [value]
    if "<" in value or "\x00" in value:
        assert value not in built.page


def test_payload_list_size() -> None:
    """The suite covers every family named in issue #11 (guards against a shrinking list)."""
    families = {k.split("-")[0] for k in PAYLOADS}
    assert families >= {"tpl", "html", "js", "css", "xls", "uni"}
    assert len(CASES) >= 300


def test_text_in_a_layer_is_refused_not_rendered() -> None:
    """The guard behind the construction: folium never gets a string outside the allow-list."""
    from vessels.maps._page import PageData, inert, layer_name

    with pytest.raises(RuntimeError, match="would reach folium"):
        inert({"properties": {"style": {"className": "{{7*7}}"}}}, "test")
    feature = {"type": "Feature", "geometry": None, "properties": {"title": "{{7*7}}", "mmsi": 1}}
    page = PageData()
    assert page.features([feature])[0]["properties"] == {"mmsi": 1, "ref": 0}
    assert page.cards == [{"title": "{{7*7}}"}]
    assert layer_name("Zones: {{7*7}} <b>&#39;</b> (1)") == "Zones: 77 b39/b (1)"
