"""Fleets and networks (issue 19, points 2-4): the vessel graph, GraphML, the network rule,
fleet_presence, and the simulator scenarios with their evaluate figures."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import networkx as nx
import polars as pl
import pytest

import vessels
from vessels import schema as S
from vessels.events import fleet_table
from vessels.network import NetworkConfig, graphml, network_summary, vessel_graph
from vessels.risk import load_profile, score
from vessels.simulation import evaluate, simulate

T = datetime(2024, 3, 1, tzinfo=UTC)
CARRIER = 352_001_234


def _ev(
    event_type: str,
    mmsi: int,
    other: int | None = None,
    hours: float = 0.0,
    duration_h: float = 2.0,
    **evidence: Any,
):
    return {
        S.EVENT_ID: f"{event_type}-{mmsi}-{other}-{hours}",
        S.EVENT_TYPE: event_type,
        S.MMSI: mmsi,
        S.OTHER_MMSI: other,
        S.START_TS: T + timedelta(hours=hours),
        S.END_TS: T + timedelta(hours=hours + duration_h),
        S.DURATION_H: duration_h,
        S.LAT: 21.0,
        S.LON: -120.0,
        S.SHORE_KM: 300.0,
        S.EVIDENCE: evidence or None,
    }


def _events(rows: list[dict[str, Any]]) -> pl.DataFrame:
    return pl.DataFrame(rows, schema=S.EVENT_SCHEMA)


# --- the graph ---------------------------------------------------------------------------------
def test_components_carriers_and_edge_kinds() -> None:
    rows = [_ev("encounter", 900, m, hours=i) for i, m in enumerate([11, 12, 13])]
    rows += [
        _ev("dark_rendezvous", 20, 21, rendezvous_kind="pair"),
        _ev("dark_rendezvous", 30, 31, rendezvous_kind="group"),  # a crowd: no edge
        _ev("identity_change", 41, 40, change_field="flag"),  # same IMO, new MMSI
        _ev("encounter", 11, 11),  # self-pairs are not edges
    ]
    g = vessel_graph(_events(rows))
    assert g.edges.select("mmsi_a", "mmsi_b", "edge_kind").rows() == [
        (11, 900, "encounter"),
        (12, 900, "encounter"),
        (13, 900, "encounter"),
        (20, 21, "dark_rendezvous"),
        (40, 41, "shared_identity"),
    ]
    nets = {r["network_id"]: r for r in g.networks.iter_rows(named=True)}
    assert sorted(nets) == ["net-11", "net-20", "net-40"]
    assert nets["net-11"]["members"] == [11, 12, 13, 900]
    assert (nets["net-11"]["hub_mmsi"], nets["net-11"]["hub_partners"]) == (900, 3)
    assert g.carriers[S.MMSI].to_list() == [900]
    assert g.carriers["partners"].to_list() == [[11, 12, 13]]
    strict = vessel_graph(_events(rows), config=NetworkConfig(min_carrier_partners=4))
    assert strict.carriers.height == 0
    summary = network_summary(g)
    assert summary["networks"] == 3
    assert summary["links_per_kind"]["encounter"] == 3
    assert summary["links_per_kind"]["port_co_visit"] == 0


def test_shared_imo_is_chained_and_port_co_visits_are_bounded() -> None:
    hist = pl.DataFrame(
        {
            S.MMSI: [1, 2, 3, 4],
            S.IMO: [7, 7, 7, None],
            "valid_from": [T, T + timedelta(days=1), T + timedelta(days=2), T],
            "valid_to": [T, T + timedelta(days=1), T + timedelta(days=2), T],
        },
        schema_overrides={S.MMSI: pl.UInt32, S.IMO: pl.UInt32},
    ).with_columns(pl.col("valid_from", "valid_to").cast(S.TS_DTYPE))
    port = [_ev("port_visit", m, hours=0, port_name="SMALL COVE") for m in (50, 51)]
    busy = [_ev("port_visit", 60 + m, hours=0, port_name="BIG PORT") for m in range(5)]
    g = vessel_graph(_events(port + busy), identity_history=hist)
    kinds = g.edges.select("mmsi_a", "mmsi_b", "edge_kind").rows()
    # three MMSIs of one IMO: a chain of two links, not all three pairs
    assert (1, 2, "shared_identity") in kinds and (2, 3, "shared_identity") in kinds
    assert (1, 3, "shared_identity") not in kinds
    # two boats in a small cove are linked; five in a busy port (> 4) are not
    assert (50, 51, "port_co_visit") in kinds
    assert not any(k == "port_co_visit" and a >= 60 for a, _, k in kinds)


def test_graphml_opens_in_networkx_with_escaped_names(tmp_path: Path) -> None:
    rows = [_ev("encounter", 900, m, hours=i) for i, m in enumerate([11, 12])]
    names = pl.DataFrame(
        {
            S.MMSI: [900, 11, 12],
            S.VESSEL_NAME: ['<script>alert("x")</script> & co', "A\x01B", "O'NEIL"],
            S.FLAG: ["PAN", "CHN", None],
            S.RISK_SCORE: [55.0, 10.0, 0.0],
            S.RISK_TIER: ["high", "low", "low"],
        },
        schema_overrides={S.MMSI: pl.UInt32},
    )
    g = vessel_graph(_events(rows), vessels=names)
    path = tmp_path / "network.graphml"
    path.write_text(graphml(g), encoding="utf-8")
    nxg = nx.read_graphml(path)
    assert sorted(nxg.nodes) == ["11", "12", "900"]
    assert nxg.number_of_edges() == 2
    assert nxg.nodes["900"]["name"] == '<script>alert("x")</script> & co'
    assert nxg.nodes["900"]["risk_score"] == 55.0
    assert nxg.nodes["11"]["name"] == "A\ufffdB"  # a control character XML cannot carry
    assert "flag" not in nxg.nodes["12"]  # null attributes are left out
    assert nxg.edges["900", "11"]["kinds"] == "encounter"
    assert "<script>" not in path.read_text(encoding="utf-8")
    _check_graphml_structure(path)


def _check_graphml_structure(path: Path) -> None:
    """What Gephi's GraphML importer needs (graphml.graphdrawing.org primer): the GraphML
    namespace, every <key> (with a valid attr.type) before the <graph>, every <data> naming a
    declared key for its element kind, edges between declared nodes, unique ids."""
    import xml.etree.ElementTree as ET

    ns = "{http://graphml.graphdrawing.org/xmlns}"
    root = ET.parse(path).getroot()
    assert root.tag == f"{ns}graphml"
    children = [c.tag for c in root]
    assert children[-1] == f"{ns}graph" and set(children[:-1]) <= {f"{ns}key"}
    keys = {k.get("id"): k for k in root.findall(f"{ns}key")}
    assert all(k.get("attr.type") in {"string", "int", "double", "boolean"} for k in keys.values())
    graph = root.find(f"{ns}graph")
    assert graph is not None and graph.get("edgedefault") in {"directed", "undirected"}
    nodes = [n.get("id") for n in graph.findall(f"{ns}node")]
    assert len(nodes) == len(set(nodes))
    edges = graph.findall(f"{ns}edge")
    assert len({e.get("id") for e in edges}) == len(edges)
    for e in edges:
        assert e.get("source") in nodes and e.get("target") in nodes
    for kind in ("node", "edge"):
        for el in graph.findall(f"{ns}{kind}"):
            for d in el.findall(f"{ns}data"):
                key = keys.get(d.get("key"))
                assert key is not None and key.get("for") == kind, d.get("key")


# --- the network rule ----------------------------------------------------------------------------
def _hub_case() -> pl.DataFrame:
    """Five listed vessels met a carrier; a fishing boat met the carrier afterwards."""
    rows = [_ev("watchlist_hit", 500 + i, list_name="L", matched_by="imo") for i in range(5)]
    # long meetings (6 h): the carrier's encounter points come from these, not from its short
    # meeting with the boat (a contact's points from meeting a vessel are not passed back to it)
    rows += [_ev("encounter", 900, 500 + i, hours=i, duration_h=6.0) for i in range(5)]
    rows += [_ev("encounter", 7, 900, hours=10)]
    return _events(rows)


def test_network_rule_passes_risk_two_hops_and_explains_it() -> None:
    res = score(_hub_case(), profile="default")
    c = res.contributions
    net = c.filter(pl.col(S.RULE_NAME) == "network_contact")
    boat = net.filter(pl.col(S.MMSI) == 7)
    # the boat met the carrier, whose score is high only because of the listed vessels it met
    assert boat.height == 1
    assert boat[S.EVENT_ID].item() == "encounter-7-900-10"
    assert boat[S.EXPLANATION].item().startswith("in contact with 900 (score ")
    carrier = net.filter(pl.col(S.MMSI) == 900)
    assert carrier[S.POINTS].sum() == pytest.approx(20.0)  # the rule's cap
    # contributions still add up to every score
    totals = c.group_by(S.MMSI).agg(pl.col(S.POINTS).sum().clip(upper_bound=100))
    joined = res.vessels.join(totals, on=S.MMSI)
    assert (joined[S.RISK_SCORE] - joined[S.POINTS]).abs().max() < 0.011
    # without the listed vessels nothing travels: the boat keeps only its own encounter
    quiet = score(_hub_case().filter(pl.col(S.EVENT_TYPE) != "watchlist_hit"), profile="default")
    assert quiet.contributions.filter(pl.col(S.RULE_NAME) == "network_contact").height == 0


def test_network_rule_has_no_echo_and_can_be_switched_off(tmp_path: Path) -> None:
    # A is high risk and met B; B's score must not travel back to A
    rows = [_ev("watchlist_hit", 1, list_name="L", matched_by="imo"), _ev("encounter", 1, 2)]
    res = score(_events(rows), profile="default")
    net = res.contributions.filter(pl.col(S.RULE_NAME) == "network_contact")
    assert net[S.MMSI].to_list() == [2]
    off = tmp_path / "off.toml"
    off.write_text(
        '[profile]\nextends = "default"\n[rules.network_contact]\nenabled = false\n',
        encoding="utf-8",
    )
    res_off = score(_events(rows), profile=load_profile(off))
    assert res_off.contributions.filter(pl.col(S.RULE_NAME) == "network_contact").height == 0


# --- simulator scenarios with truth ------------------------------------------------------------
@pytest.fixture(scope="module")
def scenario_run(tmp_path_factory: pytest.TempPathFactory):
    cache: dict[str, tuple[Any, Any]] = {}

    def get(name: str) -> tuple[Any, Any]:
        if name not in cache:
            sim = simulate(name, seed=0)
            d = tmp_path_factory.mktemp(name)
            sim.positions.write_parquet(d / "ais.parquet")
            # the analyst's list names the carrier (issue 19: a boat that met a listed carrier)
            wl = pl.DataFrame({"mmsi": [CARRIER], "list_name": ["investigation"]})
            res = vessels.run(d / "ais.parquet", out=d / "out", map=False, watchlist=wl)
            cache[name] = (sim, res)
        return cache[name]

    return get


def test_carrier_serving_six_boats(scenario_run) -> None:
    sim, res = scenario_run("carrier-network")
    table = evaluate(sim.truth, res.events, controls=sim.controls)
    enc = table.filter(pl.col(S.EVENT_TYPE) == "encounter").row(0, named=True)
    assert enc["n_truth"] == 6 and enc["recall"] >= 0.9, table
    assert enc["fp_on_controls"] == 0, table
    boats = set(sim.truth.filter(pl.col(S.EVENT_TYPE) == "encounter")[S.MMSI].to_list())
    # network recall: the planted boats found in the carrier's network
    node = res.network.nodes.filter(pl.col(S.MMSI) == CARRIER)
    net_id = node["network_id"].item()
    members = set(
        res.network.networks.filter(pl.col("network_id") == net_id)["members"].item().to_list()
    )
    assert len(boats & members) / len(boats) >= 0.9
    controls = set(sim.controls[S.MMSI].to_list())
    assert controls, "the scenario has clean controls (cargo ships passing through)"
    solo = set(sim.vessels.filter(pl.col("vessel_key").str.starts_with("solo-"))[S.MMSI])
    assert len(solo) == 4
    assert not (members & (controls | solo)), "a boat fishing alone is not in the network"
    # the boats fish before and after their meeting (planted per longline set): found
    fishing = table.filter(pl.col(S.EVENT_TYPE) == "fishing").row(0, named=True)
    assert fishing["n_truth"] >= 20 and fishing["recall"] >= 0.9, table
    loiter = table.filter(pl.col(S.EVENT_TYPE) == "loitering").row(0, named=True)
    assert loiter["n_truth"] == 1 and loiter["recall"] == 1.0, table  # the reefer
    carrier = res.network.carriers.filter(pl.col(S.MMSI) == CARRIER).row(0, named=True)
    assert carrier["n_partners"] >= 6 * 0.9
    assert carrier["n_encounters"] >= 5
    # outputs: files, summary section, network points explained for the boats
    out = res.files["network.graphml"].parent
    for f in ("networks.parquet", "network_edges.parquet", "carriers.parquet"):
        assert (out / f).exists(), f
    assert nx.read_graphml(out / "network.graphml").has_node(str(CARRIER))
    _check_graphml_structure(out / "network.graphml")
    assert res.summary["networks"]["carriers"] >= 1
    net = res.contributions.filter(pl.col(S.RULE_NAME) == "network_contact")
    assert set(net[S.MMSI].to_list()) & boats
    via_carrier = net.filter(
        pl.col(S.MMSI).is_in(list(boats))
        & pl.col(S.EXPLANATION).str.starts_with(f"in contact with {CARRIER} ")
    )
    assert via_carrier[S.MMSI].n_unique() >= 5, net


def test_fleet_at_the_eez_edge_with_three_incursions(scenario_run) -> None:
    sim, res = scenario_run("eez-fleet")
    table = evaluate(sim.truth, res.events, controls=sim.controls)
    fp = table.filter(pl.col(S.EVENT_TYPE) == "fleet_presence").row(0, named=True)
    assert fp["n_truth"] == 200
    assert fp["recall"] >= 0.9 and fp["precision"] >= 0.9, table
    assert fp["fp_on_controls"] == 0, table
    others = sim.vessels.filter(pl.col(S.FLAG).is_in(["KOR", "MEX"]))[S.MMSI]
    assert others.len() == 27
    in_fleet = res.events.filter(pl.col(S.EVENT_TYPE) == "fleet_presence")[S.MMSI]
    assert not in_fleet.is_in(others.implode()).any(), "Korean (12) and Mexican boats: no fleet"
    # the jiggers jig (fishing, and loitering by its kinematic definition) and nothing else:
    # no chance encounters of drifting neighbours, no other event type
    for etype in ("fishing", "loitering"):
        row = table.filter(pl.col(S.EVENT_TYPE) == etype).row(0, named=True)
        assert row["n_truth"] >= 200 and row["recall"] >= 0.9 and row["precision"] >= 0.9, table
    every = table.filter(pl.col(S.EVENT_TYPE) == "all").row(0, named=True)
    assert every["precision"] >= 0.95 and every["recall"] >= 0.95, table
    inc = table.filter(pl.col(S.EVENT_TYPE) == "eez_incursion").row(0, named=True)
    assert inc["n_truth"] == 3 and inc["recall"] >= 0.9, table
    fleets = fleet_table(res.events)
    assert fleets.height == 1, fleets
    f = fleets.row(0, named=True)
    assert (f[S.FLAG], f[S.EEZ_ISO3]) == ("CHN", "MEX")
    assert f["max_at_once"] >= 180 and f["n_members"] >= 180
    crossers = set(sim.truth.filter(pl.col(S.EVENT_TYPE) == "eez_incursion")[S.MMSI].to_list())
    linked = res.events.filter(pl.col(S.EVENT_ID).is_in(f["incursion_ids"]))
    assert set(linked[S.MMSI].to_list()) == crossers
    counts = f["count_by_hour"]
    assert max(c["n_vessels"] for c in counts) >= 180  # the count over time
    scored = res.contributions.filter(pl.col(S.RULE_NAME) == "fleet_incursion")
    assert set(scored[S.MMSI].to_list()) == crossers


def test_no_fleet_without_eez_geometry() -> None:
    """Without a zone layer there is no boundary: no fleet event (and no row of nulls)."""
    from vessels.events import detect_events
    from vessels.testing import make_track, staged

    ev = detect_events(staged(make_track(412000001, n=5)), types=["fleet_presence"])
    assert ev.height == 0


def _page_data(html: str) -> dict[str, Any]:
    import json
    import re

    block = re.search(r'<script type="application/json" id="vessels-data">(.*?)</script>', html)
    assert block is not None
    return json.loads(block.group(1))


def test_map_of_a_run_shows_the_carrier_network_and_the_fleet(scenario_run, tmp_path: Path) -> None:
    """`vessels map DIR` reads the run's network files: the carrier's card says how many
    distinct vessels it met and where; the fleet's card its members and count over time."""
    from vessels.cli import main

    _sim, res = scenario_run("carrier-network")
    out = res.files["network.graphml"].parent
    assert main(["map", str(out), "--offline", "--out", str(tmp_path / "n.html"), "-q"]) == 0
    cards = _page_data((tmp_path / "n.html").read_text(encoding="utf-8"))["cards"]
    carrier = [c for c in cards if {"l": "Vessel (MMSI)", "v": str(CARRIER)} in c.get("rows", [])]
    assert len(carrier) == 1, "one network-vessel card for the carrier"
    rows = {r["l"]: r["v"] for r in carrier[0]["rows"]}
    assert rows["Carrier"].startswith("met 6 distinct vessels at sea"), rows
    assert rows["Carrier: where"].startswith(("outside any EEZ", "MEX EEZ")), rows
    links = [c for c in cards if any(r["l"] == "Linked by" for r in c.get("rows", []))]
    assert len(links) >= 6

    _sim, res = scenario_run("eez-fleet")
    out = res.files["network.graphml"].parent
    assert main(["map", str(out), "--out", str(tmp_path / "f.html"), "-q"]) == 0
    html = (tmp_path / "f.html").read_text(encoding="utf-8")
    assert "vesselsMap.overlays(" in html
    cards = _page_data(html)["cards"]
    fleets = [c for c in cards if any(r["l"] == "Most at once" for r in c.get("rows", []))]
    assert len(fleets) == 1
    rows = {r["l"]: r["v"] for r in fleets[0]["rows"]}
    assert int(rows["Members"]) >= 180 and rows["Along the EEZ of"] == "MEX"
    assert len(rows["Count over time (UTC hour, members)"].split(" · ")) >= 3
    cells = [c for c in cards if any(r["l"] == "Members in this cell" for r in c.get("rows", []))]
    assert (
        cells
        and max(
            int(next(r["v"] for r in c["rows"] if r["l"] == "Members present this hour"))
            for c in cells
        )
        >= 180
    )
