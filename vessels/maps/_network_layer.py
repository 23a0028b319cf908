"""The network layer of the risk map: who met whom (:mod:`vessels.network`), drawn as a graph.

Each vessel of a network that contains a drawn vessel is a node at the mean place of its links
(where it met the others; a vessel linked only by a shared IMO sits at its last position); each
linked pair is a straight line between its nodes, coloured by how they are linked (met at sea,
dark together, shared identity, same small port the same day). A node's card is the vessel's
network summary — its network, how many distinct vessels it is linked to and, for a carrier
(met :attr:`~vessels.network.NetworkConfig.min_carrier_partners` or more vessels at sea), how
many it met, how often and where; a link's card says how and when the pair was linked, and
opening it highlights both tracks. The vessel card (click on a track) gets the same network
rows and what the ``network_contact`` rule does.

Examples
--------
>>> from vessels import schema as S
>>> from vessels.network import vessel_graph
>>> g = vessel_graph(S.empty_events())
>>> network_layer(g, [], None).features
[]
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import polars as pl

from vessels import schema as S
from vessels.network import EDGE_KINDS, VesselGraph
from vessels.risk.rules import RULES_BY_NAME

__all__ = ["LINK_STYLES", "NetworkLayer", "annotate_vessel_cards", "network_layer"]

#: Line style per edge kind (the first kind of a pair in :data:`vessels.network.EDGE_KINDS`
#: order decides its colour).
LINK_STYLES: dict[str, dict[str, Any]] = {
    S.ENCOUNTER: {"color": "#c1121f", "weight": 2.5, "opacity": 0.85},
    S.DARK_RENDEZVOUS: {"color": "#6a00f4", "weight": 2.5, "opacity": 0.85, "dashArray": "6 4"},
    "shared_identity": {"color": "#0077b6", "weight": 2, "opacity": 0.85, "dashArray": "2 4"},
    "port_co_visit": {"color": "#2d6a4f", "weight": 1.5, "opacity": 0.8, "dashArray": "8 6"},
}
LINK_LABELS = {
    S.ENCOUNTER: "met at sea (encounter)",  # also the legend's labels
    S.DARK_RENDEZVOUS: "dark together (rendezvous)",
    "shared_identity": "shared identity (one IMO)",
    "port_co_visit": "same small port, same day",
}
NODE_STYLE = {"color": "#1b263b", "weight": 1.5, "fillOpacity": 0.95}
_NO_TIER = "#9e9e9e"


@dataclass
class NetworkLayer:
    """Features of the network layer (``net_link`` lines, then ``net_node`` markers)."""

    features: list[dict[str, Any]] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    n_links: int = 0
    n_nodes: int = 0
    kinds: list[str] = field(default_factory=list)


#: The vessel card's line on the network rule (the network vessel's card has the full text).
SHORT_RULE_TEXT = (
    "rule network_contact: a share of each contact's score, two hops; one 'in contact with' "
    "line per contact under 'Why this score'"
)


def rule_text() -> str:
    """What the ``network_contact`` rule does, for cards (from the rule registry)."""
    rule = RULES_BY_NAME["network_contact"]
    return f"rule {rule.name}: {rule.description}"


def legend_rows(kinds: Sequence[str]) -> list[dict[str, Any]]:
    """Legend rows: one line symbol per drawn edge kind (the vessels are circles sized by how
    many vessels they are linked to; their card says so)."""
    rows = []
    for kind in EDGE_KINDS:
        if kind not in kinds:
            continue
        st = LINK_STYLES[kind]
        rows.append(
            {
                "symbol": {
                    "shape": "sw",
                    "css": {
                        "border-top": f"3px {'dashed' if st.get('dashArray') else 'solid'} "
                        f"{st['color']}"
                    },
                },
                "label": LINK_LABELS[kind],
            }
        )
    return rows


def _node_rows(graph: VesselGraph, mmsi: pl.Series, *, compact: bool = False) -> pl.DataFrame:
    """Per linked vessel of ``mmsi``: its network rows (text) for cards, with the carrier
    summary (``compact``: the few rows the vessel card gets). Only the vessels asked for are
    put into words (a few hundred of tens of thousands of nodes at 10 M positions)."""
    nets = graph.networks.select(
        "network_id",
        pl.col("n_vessels").alias("_net_n"),
        pl.col("hub_mmsi").alias("_hub"),
    )
    car = graph.carriers.select(
        S.MMSI,
        pl.lit(True).alias("_carrier"),
        pl.col("n_partners").alias("_c_partners"),
        pl.col("n_encounters").alias("_c_enc"),
        pl.col("n_dark_rendezvous").alias("_c_dark"),
        pl.col("eez_iso3").list.join(", ").alias("_c_eez"),
        pl.col(S.LAT).alias("_c_lat"),
        pl.col(S.LON).alias("_c_lon"),
        pl.col("first_ts").alias("_c_t0"),
        pl.col("last_ts").alias("_c_t1"),
    )
    n = (
        graph.nodes.filter(pl.col(S.MMSI).is_in(mmsi.implode()))
        .join(nets, on="network_id", how="left")
        .join(car, on=S.MMSI, how="left")
    )
    where = pl.format(
        "{} EEZ; around {}, {}",
        pl.when(pl.col("_c_eez").fill_null("") == "")
        .then(pl.lit("outside any"))
        .otherwise(pl.col("_c_eez")),
        pl.col("_c_lat").round(2),
        pl.col("_c_lon").round(2),
    )
    carrier = pl.format(
        "met {} distinct vessels at sea ({} encounters, {} dark rendezvous)",
        "_c_partners",
        "_c_enc",
        "_c_dark",
    )
    when = (
        pl.col("_c_t0").dt.strftime("%Y-%m-%d %H:%M")
        + pl.lit(" – ")
        + pl.col("_c_t1").dt.strftime("%Y-%m-%d %H:%M UTC")
    )
    is_carrier = pl.col("_carrier").fill_null(False)
    if compact:  # the vessel card: three rows at most (it also has the score's reasons)
        fields: tuple[tuple[str, pl.Expr], ...] = (
            (
                "Network",
                pl.format(
                    "{}: {} vessels; linked to {} ({} at sea)",
                    "network_id",
                    "_net_n",
                    "n_partners",
                    "n_met_at_sea",
                ),
            ),
            ("Carrier", pl.when(is_carrier).then(pl.format("{}; {}", carrier, where))),
        )
    else:
        fields = (
            ("Network", pl.format("{} ({} vessels, hub {})", "network_id", "_net_n", "_hub")),
            ("Linked vessels", pl.col("n_partners")),
            ("Met at sea", pl.col("n_met_at_sea")),
            ("Carrier", pl.when(is_carrier).then(carrier)),
            ("Carrier: where", pl.when(is_carrier).then(where)),
            ("Carrier: when", pl.when(is_carrier).then(when)),
            ("Network points", pl.lit(rule_text())),
        )
    rows = pl.concat_list(
        [
            pl.struct(pl.lit(label).alias("l"), value.cast(pl.String).alias("v"))
            for label, value in fields
        ]
    ).list.eval(pl.element().filter(pl.element().struct.field("v").is_not_null()))
    return n.select(S.MMSI, rows.alias("rows"), is_carrier.alias("_carrier"))


def annotate_vessel_cards(tracks: list[dict[str, Any]], graph: VesselGraph | None) -> int:
    """Append each drawn vessel's network rows to its vessel card; return how many got them.

    A vessel whose reasons include network points (``network_contact``'s "in contact with
    ...") also gets a line on what that rule does."""
    if graph is None or graph.nodes.height == 0 or not tracks:
        return 0
    drawn = [f["properties"]["mmsi"] for f in tracks]
    rows = _node_rows(graph, pl.Series(drawn, dtype=pl.UInt32), compact=True).select(S.MMSI, "rows")
    by_mmsi = dict(rows.iter_rows())
    prefix = RULES_BY_NAME["network_contact"].explanation.split("{", 1)[0]
    n = 0
    for f in tracks:  # one per drawn vessel
        props = f["properties"]
        extra = list(by_mmsi.get(props["mmsi"]) or [])
        if any(str(r).startswith(prefix) for r in props.get("reasons") or []):
            # the score has network points: say what the rule does, next to its reasons
            extra.append({"l": "Network points", "v": SHORT_RULE_TEXT})
        if extra:
            props["rows"] = [*props.get("rows", []), *extra]
            n += 1
    return n


def network_layer(
    graph: VesselGraph | None,
    drawn: Sequence[int],
    tracks: pl.DataFrame | pl.LazyFrame | None,
    *,
    max_links: int = 5_000,
) -> NetworkLayer:
    """The network layer: the networks that contain a drawn vessel (see the module docstring).

    Parameters
    ----------
    graph
        :func:`vessels.network.vessel_graph` of the run.
    drawn
        MMSIs of the vessels drawn on the map.
    tracks
        Positions: the last position of a vessel linked only by a shared IMO (no place).
    max_links
        Most pairs drawn (pairs with a drawn vessel first); the title panel says when it bites.
    """
    out = NetworkLayer()
    if graph is None or graph.edges.height == 0 or not drawn:
        return out
    drawn_s = pl.Series(list(drawn), dtype=pl.UInt32).implode()
    nets = graph.nodes.filter(pl.col(S.MMSI).is_in(drawn_s))["network_id"].unique().implode()
    nodes = graph.nodes.filter(pl.col("network_id").is_in(nets))
    if nodes.height == 0:
        return out
    in_net = nodes[S.MMSI].implode()
    pairs = (
        graph.edges.filter(pl.col("mmsi_a").is_in(in_net))
        .group_by("mmsi_a", "mmsi_b")
        .agg(
            pl.col("edge_kind")
            .sort_by(pl.col("edge_kind").cast(pl.Enum(EDGE_KINDS)))
            .alias("kinds"),
            pl.col("n_events").sum(),
            pl.col("first_ts").min(),
            pl.col("last_ts").max(),
            pl.col(S.LAT).mean(),
            pl.col(S.LON).mean(),
        )
        .with_columns(
            (pl.col("mmsi_a").is_in(drawn_s) | pl.col("mmsi_b").is_in(drawn_s)).alias("_drawn")
        )
        .sort(["_drawn", "n_events", "mmsi_a", "mmsi_b"], descending=[True, True, False, False])
    )
    if pairs.height > max_links:
        out.notes.append(
            f"network layer: {pairs.height - max_links:,} of {pairs.height:,} links not drawn "
            f"(limit {max_links:,}; links of drawn vessels first)"
        )
        pairs = pairs.head(max_links)
    # a node sits at the mean place of its links; without any (shared IMO only): last position
    ends = pl.concat(
        [
            pairs.select(pl.col("mmsi_a").alias(S.MMSI), S.LAT, S.LON),
            pairs.select(pl.col("mmsi_b").alias(S.MMSI), S.LAT, S.LON),
        ]
    )
    place = ends.group_by(S.MMSI).agg(pl.col(S.LAT).mean(), pl.col(S.LON).mean())
    unplaced = place.filter(pl.col(S.LAT).is_null())[S.MMSI]
    if unplaced.len() and tracks is not None:
        last = (
            tracks.lazy()
            .select(pl.col(S.MMSI).cast(pl.UInt32), S.TS, S.LAT, S.LON)
            .filter(pl.col(S.MMSI).is_in(unplaced.implode()))
            .drop_nulls([S.LAT, S.LON])
            .sort(S.TS)
            .group_by(S.MMSI)
            .agg(pl.col(S.LAT).last().alias("_lat"), pl.col(S.LON).last().alias("_lon"))
            .collect()
        )
        place = (
            place.join(last, on=S.MMSI, how="left")
            .with_columns(
                pl.coalesce(S.LAT, "_lat").alias(S.LAT), pl.coalesce(S.LON, "_lon").alias(S.LON)
            )
            .drop("_lat", "_lon")
        )
    place = place.drop_nulls([S.LAT, S.LON])
    names = nodes.select(
        S.MMSI,
        pl.when(pl.col(S.VESSEL_NAME).str.strip_chars().fill_null("") == "")
        .then(pl.col(S.MMSI).cast(pl.String))
        .otherwise(pl.col(S.VESSEL_NAME))
        .alias("_name"),
    )
    pa = place.rename({S.MMSI: "mmsi_a", S.LAT: "_alat", S.LON: "_alon"})
    pb = place.rename({S.MMSI: "mmsi_b", S.LAT: "_blat", S.LON: "_blon"})
    # in the order of ``pairs`` (polars' joins do not keep it unless asked: the map's list of
    # links came out in another order from run to run at 10 M positions)
    na = names.rename({S.MMSI: "mmsi_a", "_name": "_na"})
    nb = names.rename({S.MMSI: "mmsi_b", "_name": "_nb"})
    links = (
        pairs.join(pa, on="mmsi_a", maintain_order="left")
        .join(pb, on="mmsi_b", maintain_order="left")
        .join(na, on="mmsi_a", how="left", maintain_order="left")
        .join(nb, on="mmsi_b", how="left", maintain_order="left")
    )
    out.features.extend(_link_features(links))
    out.kinds = sorted({k for ks in links["kinds"].to_list() for k in ks}, key=EDGE_KINDS.index)
    out.n_links = links.height
    node_rows = _node_rows(graph, place[S.MMSI])
    node_tab = (
        nodes.join(place, on=S.MMSI)
        .join(node_rows, on=S.MMSI, how="left")
        .join(names, on=S.MMSI, how="left")
        .sort(S.MMSI)
    )
    out.features.extend(_node_features(node_tab))
    out.n_nodes = node_tab.height
    return out


def _link_features(links: pl.DataFrame) -> list[dict[str, Any]]:
    kind_text = pl.col("kinds").list.eval(
        pl.element().replace_strict(LINK_LABELS, default=pl.element())
    )
    rows = links.select(
        "mmsi_a",
        "mmsi_b",
        "_alat",
        "_alon",
        "_blat",
        "_blon",
        pl.col("kinds").list.first().alias("_k"),
        pl.format("{} – {}", "_na", "_nb").alias("title"),
        pl.format("{} – {}: {}", "_na", "_nb", kind_text.list.join(", ")).alias("tip"),
        pl.concat_list(
            [
                pl.struct(pl.lit(label).alias("l"), value.cast(pl.String).alias("v"))
                for label, value in (
                    ("Vessels (MMSI)", pl.format("{} – {}", "mmsi_a", "mmsi_b")),
                    ("Linked by", kind_text.list.join(", ")),
                    ("Linking events", pl.col("n_events")),
                    ("First", pl.col("first_ts").dt.strftime("%Y-%m-%d %H:%M UTC")),
                    ("Last", pl.col("last_ts").dt.strftime("%Y-%m-%d %H:%M UTC")),
                    (
                        "Where",
                        pl.format("{}, {}", pl.col(S.LAT).round(3), pl.col(S.LON).round(3)),
                    ),
                )
            ]
        )
        .list.eval(pl.element().filter(pl.element().struct.field("v").is_not_null()))
        .alias("rows"),
    ).to_dicts()
    return [
        {
            "type": "Feature",
            "geometry": {
                "type": "LineString",
                "coordinates": [
                    [round(r["_alon"], 5), round(r["_alat"], 5)],
                    [round(r["_blon"], 5), round(r["_blat"], 5)],
                ],
            },
            "properties": {
                "kind": "net_link",
                "link": [r["mmsi_a"], r["mmsi_b"]],
                "title": r["title"],
                "tip": r["tip"],
                "rows": r["rows"],
                "style": dict(LINK_STYLES[r["_k"]]),
            },
        }
        for r in rows  # one per drawn pair (capped by max_links)
    ]


def _node_features(nodes: pl.DataFrame) -> list[dict[str, Any]]:
    from vessels.maps._data import TIER_COLOURS

    rows = nodes.select(
        S.MMSI,
        S.LAT,
        S.LON,
        "n_partners",
        pl.col("_carrier").fill_null(False),
        pl.col(S.RISK_TIER)
        .replace_strict(TIER_COLOURS, default=_NO_TIER, return_dtype=pl.String)
        .alias("_fill"),
        pl.col("_name").alias("title"),
        pl.format("{}: linked to {} vessel(s)", "_name", "n_partners").alias("tip"),
        pl.col("rows").fill_null(
            pl.lit([], dtype=pl.List(pl.Struct({"l": pl.String, "v": pl.String})))
        ),
    ).to_dicts()
    return [
        {
            "type": "Feature",
            "geometry": {"type": "Point", "coordinates": [round(r[S.LON], 5), round(r[S.LAT], 5)]},
            "properties": {
                "kind": "net_node",
                "mmsi": r[S.MMSI],
                "title": r["title"],
                "tip": r["tip"],
                "rows": [{"l": "Vessel (MMSI)", "v": str(r[S.MMSI])}, *r["rows"]],
                "style": {
                    **NODE_STYLE,
                    "radius": round(4 + 2.0 * min(r["n_partners"], 16) ** 0.5, 1),
                    "fillColor": r["_fill"],
                    "weight": 3 if r["_carrier"] else NODE_STYLE["weight"],
                    "pane": "vessels-network",
                },
            },
        }
        for r in rows  # one per node of the drawn networks
    ]
