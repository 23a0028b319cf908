"""The risk map's fleet and network overlays, added by :func:`vessels.maps.risk_map` in one call.

:func:`add_overlays` builds the fleet layer (:mod:`vessels.maps._fleet_layer`) and the network
layer (:mod:`vessels.maps._network_layer`), adds them to the map through the page's own GeoJSON
helper (so their text goes into the page's data block, never into folium), loads the fleet
layer's hour control (``vessels-layers.js``) and returns the legend sections and notes.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import polars as pl

from vessels import schema as S
from vessels.maps import _fleet_layer, _network_layer
from vessels.maps._offline import asset_bytes
from vessels.maps._page import Verbatim
from vessels.network import VesselGraph, vessel_graph

__all__ = ["Overlays", "add_overlays", "annotate_cards", "complete_events", "graph_for"]

_CSS = """
<style>
.vessels-fleet-time { bottom: 28px; left: 400px; min-width: 300px; max-width: 420px; }
.vessels-fleet-time[hidden] { display: none; }
.vessels-fleet-head { font-weight: 700; margin-bottom: 3px; }
.vessels-fleet-row { display: flex; gap: 4px; align-items: center; }
.vessels-fleet-row input { flex: 1; }
.vessels-fleet-row button { font: 11px system-ui, sans-serif; padding: 1px 5px; cursor: pointer; }
.vessels-fleet-label { margin-top: 3px; color: #333; }
</style>
"""
#: Map panes of the overlays, under the tracks (z 410) and event markers (z 420) so that a click
#: on a track or an event still opens its card: fleet cells under the event bands (z 405), the
#: network's links and vessels between the bands and the tracks.
PANES = {"vessels-fleet": 402, "vessels-network": 407}


@dataclass
class Overlays:
    """What :func:`add_overlays` added: legend sections and notes for the title panel."""

    legend: list[dict[str, Any]] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    n_fleets: int = 0
    n_links: int = 0


def complete_events(events: pl.DataFrame) -> pl.DataFrame:
    """Events with every :data:`~vessels.schema.EVENT_SCHEMA` column (the map accepts a few)."""
    return events.select(
        (pl.col(c).cast(dtype) if c in events.columns else pl.lit(None, dtype=dtype).alias(c))
        for c, dtype in S.EVENT_SCHEMA.items()
    )


def graph_for(
    network: VesselGraph | None, events: pl.DataFrame, vessels: pl.DataFrame
) -> VesselGraph:
    """The run's graph, or one built from the events (no IMO-history links) when not given."""
    if network is not None:
        return network
    return vessel_graph(events, vessels=vessels.with_columns(pl.col(S.MMSI).cast(pl.UInt32)))


def annotate_cards(tracks: list[dict[str, Any]], graph: VesselGraph) -> None:
    """Network rows (and the network rule's text) on the drawn vessels' cards."""
    _network_layer.annotate_vessel_cards(tracks, graph)


def add_overlays(
    m: Any,
    geojson: Callable[..., Any],
    *,
    events: pl.DataFrame,
    tracks: pl.DataFrame | pl.LazyFrame,
    graph: VesselGraph,
    drawn: list[int],
    fleet_cell_deg: float = 0.1,
    max_fleet_cells: int = 20_000,
    max_network_links: int = 5_000,
) -> Overlays:
    """Add the fleet and network layers to ``m`` (``geojson``: the page's layer helper)."""
    import folium
    from branca.element import MacroElement
    from jinja2 import Template

    out = Overlays()
    fleet = _fleet_layer.fleet_layer(
        events, tracks, cell_deg=fleet_cell_deg, max_cells=max_fleet_cells
    )
    net = _network_layer.network_layer(graph, drawn, tracks, max_links=max_network_links)
    out.notes = [*fleet.notes, *net.notes]
    if not fleet.features and not net.features:
        return out
    for pane, z in PANES.items():
        folium.map.CustomPane(pane, z_index=z, pointer_events=False).add_to(m)
    if net.features:
        # one entry in the layer control: links (lines) and vessels (circles, on top)
        label = f"Network ({net.n_links} links, {net.n_nodes} vessels)"
        geojson(net.features, label, pane="vessels-network").add_to(m)
        out.n_links = net.n_links
        out.legend.append({"heading": "Network", "rows": _network_layer.legend_rows(net.kinds)})
    if fleet.features:
        # one entry in the layer control: the fleet markers and their hour cells (the hour
        # control shows one hour's cells at a time, and follows this entry)
        label = f"Fleets ({fleet.n_fleets}), members by hour"
        geojson(fleet.features, label, pane="vessels-fleet").add_to(m)
        out.n_fleets = fleet.n_fleets
        out.legend.append({"heading": "Fleets", "rows": _fleet_layer.legend_rows()})
    root = m.get_root()
    root.header.add_child(Verbatim(_CSS), name="vessels_layers_css")
    js = asset_bytes("vessels/vessels-layers.js").decode("utf-8")
    root.header.add_child(Verbatim("<script>" + js + "</script>"), name="vessels_layers")
    init = MacroElement()
    init._template = Template(  # our constants only; after the overlays exist
        "{% macro script(this, kwargs) %}"
        "vesselsMap.overlays({{ this._parent.get_name() }});"
        "{% endmacro %}"
    )
    m.add_child(init)
    return out
