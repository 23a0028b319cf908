"""The network of who met whom: a vessel graph from events, its connected networks and carriers.

Vessels are nodes; an edge links two vessels that

- met at sea (``encounter``), or went dark together (``dark_rendezvous``; crowds dark together,
  ``rendezvous_kind = "group"``, are left out);
- share an identity: the old and new MMSI of one IMO (``identity_change`` flag changes), or one
  IMO reported by several MMSIs in the identity history (``shared_identity``);
- called at the same port on the same UTC day (``port_visit`` events), only where at most
  :attr:`NetworkConfig.max_port_co_visitors` vessels did (``port_co_visit``): in a busy port a
  co-visit means nothing, and the pairs of a crowd grow with its square.

:func:`vessel_graph` builds the edge table (one row per pair and kind), the networks (connected
components, :func:`scipy.sparse.csgraph.connected_components`: linear in edges), a node table and
carrier summaries (vessels that met many distinct vessels: how many, where). Everything is polars
joins and group-bys over the events — linear in the number of events; the only quadratic step,
port co-visits, is bounded by ``max_port_co_visitors``. :func:`graphml` writes the graph as
GraphML, which networkx (``networkx.read_graphml``) and Gephi open.

Risk travels along the same kinds of edges through the ``network_contact`` rule
(:mod:`vessels.risk.rules`); this module only describes the graph.

Examples
--------
>>> from datetime import datetime, UTC
>>> from vessels import schema as S
>>> t = datetime(2024, 3, 1, tzinfo=UTC)
>>> ev = pl.DataFrame([{S.EVENT_ID: f"e{i}", S.EVENT_TYPE: "encounter", S.MMSI: 900,
...                     S.OTHER_MMSI: m, S.START_TS: t, S.END_TS: t, S.LAT: 20.0, S.LON: -90.0}
...                    for i, m in enumerate([11, 12, 13])], schema=S.EVENT_SCHEMA)
>>> g = vessel_graph(ev)
>>> g.networks.select("network_id", "n_vessels", "n_links", "hub_mmsi").row(0)
('net-11', 4, 3, 900)
>>> g.carriers.select("mmsi", "n_partners").row(0)
(900, 3)
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import polars as pl
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components

from vessels import schema as S

__all__ = [
    "EDGE_KINDS",
    "NetworkConfig",
    "VesselGraph",
    "graphml",
    "network_summary",
    "to_networkx",
    "vessel_graph",
]

#: Kinds of edge, in report order.
EDGE_KINDS = ("encounter", "dark_rendezvous", "shared_identity", "port_co_visit")
#: Edge kinds that say two vessels were together at sea (carrier summaries count these).
AT_SEA_KINDS = ("encounter", "dark_rendezvous")

EDGE_SCHEMA: dict[str, pl.DataType] = {
    "mmsi_a": pl.UInt32(),
    "mmsi_b": pl.UInt32(),
    "edge_kind": pl.String(),
    "n_events": pl.UInt32(),
    "first_ts": S.TS_DTYPE,
    "last_ts": S.TS_DTYPE,
    S.LAT: pl.Float64(),
    S.LON: pl.Float64(),
    "event_ids": pl.List(pl.String()),
}


@dataclass(frozen=True)
class NetworkConfig:
    """Parameters of the vessel graph.

    Attributes
    ----------
    max_port_co_visitors : int
        A port-day links its visitors only if at most this many vessels called there that day.
        Default 4 (ours: a few boats meeting in a small harbour, not a busy port's traffic).
    min_carrier_partners : int
        A vessel that met (encounter / dark rendezvous) this many distinct vessels or more gets
        a carrier summary row. Default 3 (ours; GFW's carrier loitering work looks at carriers
        serving several vessels).
    """

    max_port_co_visitors: int = 4
    min_carrier_partners: int = 3


@dataclass
class VesselGraph:
    """What :func:`vessel_graph` returns.

    Attributes
    ----------
    edges
        One row per linked pair and edge kind (:data:`EDGE_SCHEMA`; ``mmsi_a < mmsi_b``).
    nodes
        One row per linked vessel: ``mmsi``, ``network_id``, ``n_partners``, ``n_links`` and the
        vessel's name, flag, ship type, score and tier when a vessel table was given.
    networks
        One row per connected network of two or more vessels, largest first.
    carriers
        One row per vessel that met ``min_carrier_partners`` distinct vessels or more at sea.
    """

    edges: pl.DataFrame
    nodes: pl.DataFrame
    networks: pl.DataFrame
    carriers: pl.DataFrame
    config: NetworkConfig = field(default_factory=NetworkConfig)


def _pair_edges(events: pl.DataFrame) -> pl.DataFrame:
    ev = events.filter(
        pl.col(S.EVENT_TYPE).is_in([*AT_SEA_KINDS, S.IDENTITY_CHANGE])
        & pl.col(S.OTHER_MMSI).is_not_null()
        & (pl.col(S.OTHER_MMSI) != pl.col(S.MMSI))
    )
    if S.EVIDENCE in ev.columns:
        kind = pl.col(S.EVIDENCE).struct.field(S.EV_RENDEZVOUS_KIND)
        ev = ev.filter((kind != "group").fill_null(True))
    return ev.select(
        pl.min_horizontal(S.MMSI, S.OTHER_MMSI).alias("mmsi_a"),
        pl.max_horizontal(S.MMSI, S.OTHER_MMSI).alias("mmsi_b"),
        pl.when(pl.col(S.EVENT_TYPE) == S.IDENTITY_CHANGE)
        .then(pl.lit("shared_identity"))
        .otherwise(pl.col(S.EVENT_TYPE))
        .alias("edge_kind"),
        S.EVENT_ID,
        S.START_TS,
        S.END_TS,
        S.LAT,
        S.LON,
    )


def _imo_edges(identity_history: pl.DataFrame | None) -> pl.DataFrame:
    """MMSIs reporting one IMO, chained in time order (k MMSIs -> k - 1 edges, not k²)."""
    empty = pl.DataFrame(
        schema={
            "mmsi_a": pl.UInt32,
            "mmsi_b": pl.UInt32,
            "edge_kind": pl.String,
            S.EVENT_ID: pl.String,
            S.START_TS: S.TS_DTYPE,
            S.END_TS: S.TS_DTYPE,
            S.LAT: pl.Float64,
            S.LON: pl.Float64,
        }
    )
    if identity_history is None or identity_history.height == 0:
        return empty
    h = identity_history
    need = {S.MMSI, S.IMO, "valid_from", "valid_to"}
    if not need <= set(h.columns):
        return empty
    per = (
        h.filter(pl.col(S.IMO).is_not_null())
        .group_by(S.IMO, S.MMSI)
        .agg(pl.col("valid_from").min(), pl.col("valid_to").max())
        .sort(S.IMO, "valid_from", S.MMSI)
        .with_columns(
            pl.col(S.MMSI).shift().over(S.IMO).alias("_prev"),
            pl.col("valid_to").shift().over(S.IMO).alias("_pt"),
        )
        .filter(pl.col("_prev").is_not_null())
    )
    return per.select(
        pl.min_horizontal(S.MMSI, "_prev").cast(pl.UInt32).alias("mmsi_a"),
        pl.max_horizontal(S.MMSI, "_prev").cast(pl.UInt32).alias("mmsi_b"),
        pl.lit("shared_identity").alias("edge_kind"),
        pl.format("imo:{}", pl.col(S.IMO)).alias(S.EVENT_ID),
        pl.min_horizontal("_pt", "valid_from").cast(S.TS_DTYPE).alias(S.START_TS),
        pl.col("valid_from").cast(S.TS_DTYPE).alias(S.END_TS),
        pl.lit(None, dtype=pl.Float64).alias(S.LAT),
        pl.lit(None, dtype=pl.Float64).alias(S.LON),
    )


def _port_edges(events: pl.DataFrame, cfg: NetworkConfig) -> pl.DataFrame:
    visits = events.filter(pl.col(S.EVENT_TYPE) == "port_visit")
    if visits.height == 0 or S.EVIDENCE not in visits.columns:
        return _imo_edges(None)
    v = visits.select(
        S.MMSI,
        S.EVENT_ID,
        S.START_TS,
        S.END_TS,
        S.LAT,
        S.LON,
        pl.coalesce(pl.col(S.EVIDENCE).struct.field(S.EV_PORT_NAME), S.EVENT_ZONE_NAME).alias(
            "_port"
        ),
        pl.col(S.START_TS).dt.date().alias("_day"),
    ).filter(pl.col("_port").is_not_null())
    small = (
        v.group_by("_port", "_day")
        .agg(pl.col(S.MMSI).n_unique().alias("_n"))
        .filter(pl.col("_n").is_between(2, cfg.max_port_co_visitors))
    )
    v = v.join(small.select("_port", "_day"), on=["_port", "_day"])
    pairs = v.join(v, on=["_port", "_day"], suffix="_o").filter(
        pl.col(S.MMSI) < pl.col(f"{S.MMSI}_o")
    )
    return pairs.select(
        pl.col(S.MMSI).alias("mmsi_a"),
        pl.col(f"{S.MMSI}_o").alias("mmsi_b"),
        pl.lit("port_co_visit").alias("edge_kind"),
        S.EVENT_ID,
        pl.min_horizontal(S.START_TS, f"{S.START_TS}_o").alias(S.START_TS),
        pl.max_horizontal(S.END_TS, f"{S.END_TS}_o").alias(S.END_TS),
        S.LAT,
        S.LON,
    )


def _components(edges: pl.DataFrame) -> pl.DataFrame:
    """``mmsi -> network_id`` (``net-<smallest MMSI of the network>``)."""
    a = edges["mmsi_a"].to_numpy().astype(np.int64)
    b = edges["mmsi_b"].to_numpy().astype(np.int64)
    nodes, inv = np.unique(np.concatenate([a, b]), return_inverse=True)
    n = nodes.size
    if n == 0:
        return pl.DataFrame(schema={S.MMSI: pl.UInt32, "network_id": pl.String})
    m = a.size
    graph = coo_matrix((np.ones(m, dtype=np.int8), (inv[:m], inv[m:])), shape=(n, n))
    _, labels = connected_components(graph, directed=False)
    frame = pl.DataFrame({S.MMSI: nodes.astype(np.uint32), "_c": labels})
    return frame.with_columns(
        pl.format("net-{}", pl.col(S.MMSI).min().over("_c")).alias("network_id")
    ).select(S.MMSI, "network_id")


def vessel_graph(
    events: pl.DataFrame,
    *,
    identity_history: pl.DataFrame | None = None,
    vessels: pl.DataFrame | None = None,
    config: NetworkConfig | None = None,
) -> VesselGraph:
    """The vessel graph of an event table (see the module docstring).

    Parameters
    ----------
    events
        Events (:data:`vessels.schema.EVENT_SCHEMA`).
    identity_history
        Identity periods (``identity_history.parquet``): MMSIs sharing an IMO are linked.
    vessels
        The scored vessel table: names, flags, types, scores and tiers on nodes and networks.
    config
        :class:`NetworkConfig`.
    """
    cfg = config or NetworkConfig()
    S.require_frame(events, "events", "vessel_graph")
    raw = pl.concat(
        [
            _pair_edges(events),
            _imo_edges(identity_history),
            _port_edges(events, cfg),
        ],
        how="vertical_relaxed",
    )
    edges = (
        raw.group_by("mmsi_a", "mmsi_b", "edge_kind")
        .agg(
            pl.len().cast(pl.UInt32).alias("n_events"),
            pl.col(S.START_TS).min().alias("first_ts"),
            pl.col(S.END_TS).max().alias("last_ts"),
            pl.col(S.LAT).mean(),
            pl.col(S.LON).mean(),
            pl.col(S.EVENT_ID).unique().sort().alias("event_ids"),
        )
        .with_columns(pl.col("edge_kind").cast(pl.Enum(EDGE_KINDS)).alias("_k"))
        .sort("mmsi_a", "mmsi_b", "_k")
        .drop("_k")
        .select(list(EDGE_SCHEMA))
        .cast(pl.Schema(EDGE_SCHEMA))
    )
    comp = _components(edges)
    ends = pl.concat(
        [
            edges.select(pl.col("mmsi_a").alias(S.MMSI), pl.col("mmsi_b").alias("_o"), "edge_kind"),
            edges.select(pl.col("mmsi_b").alias(S.MMSI), pl.col("mmsi_a").alias("_o"), "edge_kind"),
        ]
    )
    nodes = (
        ends.group_by(S.MMSI)
        .agg(
            pl.col("_o").n_unique().cast(pl.UInt32).alias("n_partners"),
            pl.len().cast(pl.UInt32).alias("n_links"),
            pl.col("_o")
            .filter(pl.col("edge_kind").is_in(AT_SEA_KINDS))
            .n_unique()
            .cast(pl.UInt32)
            .alias("n_met_at_sea"),
        )
        .join(comp, on=S.MMSI, how="left")
    )
    static = [S.VESSEL_NAME, S.FLAG, S.SHIP_TYPE, S.RISK_SCORE, S.RISK_TIER]
    if vessels is not None:
        have = [c for c in static if c in vessels.columns]
        nodes = nodes.join(vessels.select(S.MMSI, *have), on=S.MMSI, how="left")
    for c in static:
        if c not in nodes.columns:
            dtype = {S.SHIP_TYPE: pl.UInt8, S.RISK_SCORE: pl.Float64}.get(c, pl.String)
            nodes = nodes.with_columns(pl.lit(None, dtype=dtype).alias(c))
    nodes = nodes.sort("network_id", S.MMSI)
    return VesselGraph(
        edges=edges,
        nodes=nodes,
        networks=_networks(edges, nodes, comp),
        carriers=_carriers(events, nodes, cfg),
        config=cfg,
    )


def _networks(edges: pl.DataFrame, nodes: pl.DataFrame, comp: pl.DataFrame) -> pl.DataFrame:
    e = edges.join(comp.rename({S.MMSI: "mmsi_a"}), on="mmsi_a", how="left")
    per_kind = [
        (pl.col("edge_kind") == k).sum().cast(pl.UInt32).alias(f"n_{k}") for k in EDGE_KINDS
    ]
    links = e.group_by("network_id").agg(
        pl.struct("mmsi_a", "mmsi_b").n_unique().cast(pl.UInt32).alias("n_links"),
        *per_kind,
        pl.col("first_ts").min(),
        pl.col("last_ts").max(),
        pl.col(S.LAT).mean(),
        pl.col(S.LON).mean(),
    )
    hub = pl.col(S.MMSI).sort_by(["n_partners", S.MMSI], descending=[True, False]).first()
    high = pl.col(S.RISK_TIER).is_in(["high", "critical"]).fill_null(False)
    members = nodes.group_by("network_id").agg(
        pl.len().cast(pl.UInt32).alias("n_vessels"),
        pl.col(S.MMSI).sort().alias("members"),
        hub.alias("hub_mmsi"),
        pl.col("n_partners").max().alias("hub_partners"),
        pl.col(S.RISK_SCORE).max().alias("max_risk_score"),
        high.sum().cast(pl.UInt32).alias("n_high_risk"),
        pl.col(S.FLAG).drop_nulls().unique().sort().alias("flags"),
    )
    return (
        members.join(links, on="network_id", how="left")
        .select(
            "network_id",
            "n_vessels",
            "n_links",
            *[f"n_{k}" for k in EDGE_KINDS],
            "hub_mmsi",
            "hub_partners",
            "max_risk_score",
            "n_high_risk",
            "flags",
            "first_ts",
            "last_ts",
            S.LAT,
            S.LON,
            "members",
        )
        .sort(["n_vessels", "network_id"], descending=[True, False])
    )


def _carriers(events: pl.DataFrame, nodes: pl.DataFrame, cfg: NetworkConfig) -> pl.DataFrame:
    pe = _pair_edges(events).filter(pl.col("edge_kind").is_in(AT_SEA_KINDS))
    eez = events.select(S.EVENT_ID, S.EEZ_ISO3)
    both = pl.concat(
        [
            pe.select(pl.col("mmsi_a").alias(S.MMSI), pl.col("mmsi_b").alias("_o"), "*"),
            pe.select(pl.col("mmsi_b").alias(S.MMSI), pl.col("mmsi_a").alias("_o"), "*"),
        ]
    ).join(eez, on=S.EVENT_ID, how="left")
    out = (
        both.group_by(S.MMSI)
        .agg(
            pl.col("_o").n_unique().cast(pl.UInt32).alias("n_partners"),
            (pl.col("edge_kind") == "encounter").sum().cast(pl.UInt32).alias("n_encounters"),
            (pl.col("edge_kind") == "dark_rendezvous")
            .sum()
            .cast(pl.UInt32)
            .alias("n_dark_rendezvous"),
            pl.col("_o").unique().sort().alias("partners"),
            pl.col(S.EEZ_ISO3).drop_nulls().unique().sort().alias("eez_iso3"),
            pl.col(S.LAT).mean(),
            pl.col(S.LON).mean(),
            pl.col(S.START_TS).min().alias("first_ts"),
            pl.col(S.END_TS).max().alias("last_ts"),
        )
        .filter(pl.col("n_partners") >= cfg.min_carrier_partners)
    )
    keep = ["network_id", S.VESSEL_NAME, S.FLAG, S.SHIP_TYPE, S.RISK_SCORE, S.RISK_TIER]
    return (
        out.join(nodes.select(S.MMSI, *keep), on=S.MMSI, how="left")
        .select(
            S.MMSI,
            S.VESSEL_NAME,
            S.FLAG,
            S.SHIP_TYPE,
            "n_partners",
            "n_encounters",
            "n_dark_rendezvous",
            "eez_iso3",
            S.LAT,
            S.LON,
            "first_ts",
            "last_ts",
            "network_id",
            S.RISK_SCORE,
            S.RISK_TIER,
            "partners",
        )
        .sort(["n_partners", S.MMSI], descending=[True, False])
    )


def network_summary(graph: VesselGraph) -> dict[str, object]:
    """The ``networks`` section of ``summary.json``: counts, the largest networks, carriers.

    Examples
    --------
    >>> from vessels import schema as S
    >>> network_summary(vessel_graph(S.empty_events()))["networks"]
    0
    """
    per_kind = dict.fromkeys(EDGE_KINDS, 0)
    per_kind.update(
        {str(k): int(n) for k, n in graph.edges.group_by("edge_kind").len().iter_rows()}
    )
    top = graph.networks.head(5).select(
        "network_id", "n_vessels", "n_links", "hub_mmsi", "max_risk_score"
    )
    carriers = graph.carriers.head(5).select(S.MMSI, S.VESSEL_NAME, "n_partners", "eez_iso3")
    return {
        "networks": graph.networks.height,
        "vessels_linked": graph.nodes.height,
        "links_per_kind": per_kind,
        "largest": top.to_dicts(),
        "carriers": graph.carriers.height,
        "top_carriers": carriers.to_dicts(),
    }


def _xml_text(expr: pl.Expr) -> pl.Expr:
    """XML-escaped text of a column (untrusted names stay data)."""
    return (
        expr.cast(pl.String)
        .str.replace_all("&", "&amp;", literal=True)
        .str.replace_all("<", "&lt;", literal=True)
        .str.replace_all(">", "&gt;", literal=True)
        .str.replace_all('"', "&quot;", literal=True)
        .str.replace_all("'", "&apos;", literal=True)
        # characters XML 1.0 forbids (control characters) cannot appear even escaped
        .str.replace_all(r"[\x00-\x08\x0B\x0C\x0E-\x1F]", "\ufffd")
    )


def _attr(key: str, expr: pl.Expr) -> pl.Expr:
    return (
        pl.when(expr.is_not_null())
        .then(pl.concat_str([pl.lit(f'<data key="{key}">'), _xml_text(expr), pl.lit("</data>")]))
        .otherwise(pl.lit(""))
    )


#: GraphML attribute keys: id, element, name, type, column.
_KEYS = (
    ("d0", "node", "name", "string", S.VESSEL_NAME),
    ("d1", "node", "flag", "string", S.FLAG),
    ("d2", "node", "ship_type", "int", S.SHIP_TYPE),
    ("d3", "node", "risk_score", "double", S.RISK_SCORE),
    ("d4", "node", "risk_tier", "string", S.RISK_TIER),
    ("d5", "node", "network_id", "string", "network_id"),
    ("d6", "edge", "kinds", "string", "kinds"),
    ("d7", "edge", "n_events", "int", "n_events"),
    ("d8", "edge", "first_ts", "string", "first_ts"),
    ("d9", "edge", "last_ts", "string", "last_ts"),
)


def graphml(graph: VesselGraph) -> str:
    """The graph as GraphML text (undirected; one edge per linked pair with its kinds).

    Node attributes: name, flag, ship type, risk score and tier, network id; edge attributes:
    ``kinds`` (comma-separated), ``n_events``, first/last time. Vessel names are the file's
    text, XML-escaped (untrusted data). Built with polars expressions, not a loop over rows.

    Examples
    --------
    >>> from vessels import schema as S
    >>> graphml(vessel_graph(S.empty_events())).count("<node ")
    0
    """
    head = [
        '<?xml version="1.0" encoding="UTF-8"?>',
        '<graphml xmlns="http://graphml.graphdrawing.org/xmlns">',
        *(f'<key id="{k}" for="{f}" attr.name="{n}" attr.type="{t}"/>' for k, f, n, t, _ in _KEYS),
        '<graph id="vessels" edgedefault="undirected">',
    ]
    node = pl.concat_str(
        [
            pl.lit('<node id="'),
            pl.col(S.MMSI).cast(pl.String),
            pl.lit('">'),
            *(_attr(k, pl.col(c)) for k, f, _, _, c in _KEYS if f == "node"),
            pl.lit("</node>"),
        ]
    )
    pairs = graph.edges.group_by("mmsi_a", "mmsi_b", maintain_order=True).agg(
        pl.col("edge_kind").str.join(",").alias("kinds"),
        pl.col("n_events").sum(),
        pl.col("first_ts").min().dt.to_string("%Y-%m-%dT%H:%M:%SZ"),
        pl.col("last_ts").max().dt.to_string("%Y-%m-%dT%H:%M:%SZ"),
    )
    edge = pl.concat_str(
        [
            pl.lit('<edge id="e'),
            pl.int_range(pl.len()).cast(pl.String),
            pl.lit('" source="'),
            pl.col("mmsi_a").cast(pl.String),
            pl.lit('" target="'),
            pl.col("mmsi_b").cast(pl.String),
            pl.lit('">'),
            *(_attr(k, pl.col(c)) for k, f, _, _, c in _KEYS if f == "edge"),
            pl.lit("</edge>"),
        ]
    )
    nodes = graph.nodes.select(node.alias("x"))["x"].to_list()
    edges = pairs.select(edge.alias("x"))["x"].to_list()
    return "\n".join([*head, *nodes, *edges, "</graph>", "</graphml>", ""])


def to_networkx(graph: VesselGraph) -> Any:
    """The graph as a ``networkx.Graph`` for a notebook (networkx comes with the ``notebook``
    extra): nodes keyed by MMSI with the node table's columns, one edge per linked pair with its
    ``kinds`` and ``n_events``.

    Examples
    --------
    >>> from vessels import schema as S
    >>> to_networkx(vessel_graph(S.empty_events())).number_of_nodes()
    0
    """
    import networkx as nx

    g = nx.Graph()
    g.add_nodes_from((r[S.MMSI], r) for r in graph.nodes.iter_rows(named=True))
    pairs = graph.edges.group_by("mmsi_a", "mmsi_b", maintain_order=True).agg(
        pl.col("edge_kind").str.join(",").alias("kinds"), pl.col("n_events").sum()
    )
    g.add_edges_from((a, b, {"kinds": k, "n_events": n}) for a, b, k, n in pairs.iter_rows())
    return g
