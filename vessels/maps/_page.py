"""The one way input text reaches a map page: a JSON data block, never a template.

branca (folium's page builder) compiles text as a Jinja2 template in two places: every
``Element(text)`` compiles ``text``, and ``MacroElement.render`` wraps what each macro rendered
(e.g. a GeoJSON layer's data) in ``Element(...)`` and so compiles it *again*. Any input text that
reached folium — a vessel named ``{{7*7}}``, a zone name, the title — would be evaluated while
the page is built (up to running shell commands). HTML escaping does not help: ``{{ }}`` is not
HTML.

So, by construction:

* every text from the input (names, call signs, destinations, reasons, zone and profile names,
  the title, notes) goes into :class:`PageData` and leaves it only through
  :class:`DataBlock`, an element whose ``render`` returns the JSON as is (nothing compiles it),
  with ``<``, ``>``, ``&``, U+2028 and U+2029 escaped so it cannot end its ``<script>`` block;
* the page's own script (``vessels/data/web/vessels/vessels-map.js``) reads that block with
  ``JSON.parse`` and writes the text with ``textContent``;
* what folium does render — layer data, layer names — passes :func:`inert` or
  :func:`layer_name`: GeoJSON properties keep only numbers and our own class names and colours
  (a feature points at its card by ``ref``), and a string with a character outside a small
  allow-list (no braces, no ``<``, no quotes, no ``%``) is an internal error, never rendered.

Examples
--------
>>> page = PageData()
>>> f = {"type": "Feature", "geometry": None,
...      "properties": {"kind": "track", "mmsi": 1, "title": "{{7*7}}", "tip": "</script>"}}
>>> page.features([f])[0]["properties"]
{'kind': 'track', 'mmsi': 1, 'ref': 0}
>>> page.cards[0]["title"]
'{{7*7}}'
>>> block_json({"t": "</script><b>&\\u2028"})
'{"t": "\\\\u003c/script\\\\u003e\\\\u003cb\\\\u003e\\\\u0026\\\\u2028"}'
>>> layer_name("Zones: <b>{{x}}</b> (2)")
'Zones: bx/b (2)'
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from typing import Any

from branca.element import Element

__all__ = [
    "DATA_ID",
    "DataBlock",
    "PageData",
    "Verbatim",
    "block_json",
    "inert",
    "layer_name",
]

#: id of the page's JSON data block (read by vessels-map.js).
DATA_ID = "vessels-data"
#: Properties a feature may keep on the folium side: numbers and our own constants only.
FEATURE_KEYS = ("kind", "mmsi", "link", "t0", "t1", "style", "times", "icon", "iconstyle")
#: Properties that are (or may hold) input text: they go to the feature's card in the block.
CARD_KEYS = ("title", "tip", "rows", "reasons", "item", "timeline")
#: Every string folium renders must match this: our class names, colours, numbers, ISO times,
#: layer labels. No ``{ } % # <>`` pairs that start a template or a tag, no quotes, no ``&``.
_INERT = re.compile(r"[A-Za-z0-9 _.,:#()/+\-]*")
_NOT_LABEL = re.compile(r"[^A-Za-z0-9 _.,:()/+\-]")
_JS_ESCAPES = {
    "<": "\\u003c",
    ">": "\\u003e",
    "&": "\\u0026",
    "\u2028": "\\u2028",
    "\u2029": "\\u2029",
}
_JS_ESCAPE_RE = re.compile("[<>&\u2028\u2029]")


def block_json(obj: Any) -> str:
    """JSON text safe inside ``<script type="application/json">`` (no ``</script>``, no
    ``<!--``, no raw line/paragraph separators)."""
    text = json.dumps(obj, ensure_ascii=True, allow_nan=False, separators=(", ", ": "))
    return _JS_ESCAPE_RE.sub(lambda m: _JS_ESCAPES[m.group(0)], text)


def layer_name(text: str) -> str:
    """A layer name folium may render: characters outside a small allow-list are dropped.

    Layer names are ours (labels and counts); this makes sure a label that ever came from
    elsewhere cannot carry template or markup syntax into the layer control.
    """
    return _NOT_LABEL.sub("", text)


def inert(obj: Any, where: str) -> Any:
    """``obj`` unchanged if every string in it (keys and values) matches the allow-list.

    Raises
    ------
    RuntimeError
        A string that could start a template or markup would reach folium: a bug in the map
        code (input text must go through :class:`PageData`), never rendered.
    """
    stack = [obj]
    while stack:  # a few values per drawn vessel / event / zone; coordinates are skipped
        x = stack.pop()
        if isinstance(x, str):
            if not _INERT.fullmatch(x):
                raise RuntimeError(
                    f"internal error: text {x[:40]!r} would reach folium ({where}); "
                    "input text must travel in the page's data block"
                )
        elif isinstance(x, dict):
            stack.extend(x.keys())
            # GeoJSON coordinates are numbers from shapely / polars (and can be millions)
            stack.extend(v for k, v in x.items() if k != "coordinates")
        elif isinstance(x, list | tuple):
            stack.extend(x)
    return obj


class PageData:
    """Collects the text of a page: feature cards, the title panel, the legend."""

    def __init__(self) -> None:
        self.cards: list[dict[str, Any]] = []
        self.title: dict[str, Any] = {}
        self.legend: list[dict[str, Any]] = []
        #: the data's time range for the vessel-card timelines: t0, t1 (ISO, UTC) and bins
        self.time: dict[str, Any] = {}
        #: the default view: ``focus`` [[south, west], [north, east]] and the ``tier`` it shows
        self.view: dict[str, Any] = {}

    def features(self, features: Iterable[dict[str, Any]]) -> list[dict[str, Any]]:
        """Copies of GeoJSON features whose text properties moved to a card (``ref``).

        Geometries are kept as they are (numbers); properties keep only
        :data:`FEATURE_KEYS`, which must pass :func:`inert`.
        """
        out = []
        for f in features:  # one per drawn vessel / event / zone (capped)
            props = f.get("properties") or {}
            kept = {k: props[k] for k in FEATURE_KEYS if k in props}
            card = {k: props[k] for k in CARD_KEYS if props.get(k) is not None}
            if card:
                kept["ref"] = len(self.cards)
                self.cards.append(card)
            out.append({**f, "properties": inert(kept, "feature properties")})
        return out

    def block(self) -> DataBlock:
        return DataBlock(
            {
                "cards": self.cards,
                "title": self.title,
                "legend": self.legend,
                "time": self.time,
                "view": self.view,
            }
        )


class Verbatim(Element):
    """Page text that is never compiled as a template (our own CSS and script files)."""

    def __init__(self, text: str) -> None:
        super().__init__()
        self._name = "Verbatim"
        self._text = text

    def render(self, **kwargs: Any) -> str:
        return self._text


class DataBlock(Verbatim):
    """``<script type="application/json" id="vessels-data">`` holding the page's text."""

    def __init__(self, data: dict[str, Any]) -> None:
        super().__init__(
            f'<script type="application/json" id="{DATA_ID}">{block_json(data)}</script>'
        )
        self._name = "DataBlock"
