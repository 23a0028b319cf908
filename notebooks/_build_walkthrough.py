"""Write notebooks/walkthrough.ipynb from the cells below (outputs stripped).

Run ``python notebooks/_build_walkthrough.py`` after editing a cell; the test suite executes the
notebook and checks the committed file matches this script and carries no outputs.
"""

from __future__ import annotations

from pathlib import Path

import nbformat
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

CELLS: list[tuple[str, str]] = [
    (
        "md",
        """# vessels — analyst walkthrough

From a raw AIS file to ranked, explained vessels and a risk map, one stage at a time, on the
shipped **synthetic** Gulf of California sample (made by `vessels simulate`; see
`ais_samples/README.md`). Each stage returns polars frames; the last cell shows the one-call
`vs.run(...)` that `vessels score` uses.""",
    ),
    (
        "code",
        """from pathlib import Path

import polars as pl

import vessels as vs

ROOT = Path.cwd().parent if Path.cwd().name == "notebooks" else Path.cwd()
SAMPLE = ROOT / "ais_samples" / "gulf-of-california" / "ais.csv"
pl.Config.set_tbl_rows(12)
vs.__version__""",
    ),
    ("md", "## 1. Read and clean — nothing is lost silently"),
    (
        "code",
        """data = vs.read_ais(SAMPLE)
summary = data.summary()
# identity rows: a vessel's name/type on a row with no position, joined onto its positions
counts = ("accepted_rows", "quarantined_rows", "duplicate_rows", "identity_rows")
assert summary["input_rows"] == sum(summary[k] for k in counts)
{k: summary[k] for k in ("input_rows", *counts)}""",
    ),
    ("md", "Every rejected row keeps its file, line number, rule and raw text:"),
    (
        "code",
        """quarantine = data.quarantine.collect()
quarantine.group_by("rule").len().sort("len", descending=True)""",
    ),
    ("code", """quarantine.select("source_row", "rule", "raw").head(5)"""),
    ("md", "## 2. Identity-consistent tracks"),
    (
        "code",
        """tracks = vs.segment(data.positions).collect()
tracks.group_by("mmsi").agg(
    pl.col("segment_id").n_unique().alias("segments"), pl.len().alias("positions")
).sort("segments", descending=True).head(5)""",
    ),
    ("md", "## 3. Zones: EEZ, protected areas, areas of interest, distance to shore"),
    (
        "code",
        """zones = vs.default_zones()
zones[["zone_id", "name", "kind", "accuracy"]]""",
    ),
    (
        "code",
        """labelled = vs.label_zones(tracks, zones)
labelled.select("mmsi", "ts", "eez_iso3", "zone_ids", "shore_km").sample(5, seed=1)""",
    ),
    (
        "md",
        """## 4. Behaviour events

Default detector parameters here; a risk profile such as `gulf-of-california` also tunes the
detectors (e.g. shorter gap thresholds in the upper Gulf), so `vs.run(..., profile=...)` below
may find more events than this cell.""",
    ),
    (
        "code",
        """events = vs.detect_events(labelled, zones)
events.group_by("event_type").len().sort("event_type")""",
    ),
    (
        "code",
        """events.select(
    "event_type", "mmsi", "other_mmsi", "start_ts", "duration_h",
    pl.col("evidence").struct.field("summary"),
).head(8)""",
    ),
    ("md", "## 5. Explainable risk scores"),
    (
        "code",
        """result = vs.score(events, labelled, profile="gulf-of-california")
result.vessels.select(
    "mmsi", "vessel_name", "flag", "risk_score", "risk_tier", "reasons"
).head(8)""",
    ),
    ("md", "Every score is the sum of its contributions, one line per rule and event:"),
    (
        "code",
        """top = result.vessels.row(0, named=True)
contrib = result.contributions.filter(pl.col("mmsi") == top["mmsi"])
assert abs(contrib["points"].sum() - top["risk_score"]) < 1e-6
contrib.select("rule", "points", "explanation")""",
    ),
    ("md", "## 6. One high-risk vessel in movingpandas"),
    (
        "code",
        """print(top["vessel_name"], top["mmsi"], top["risk_tier"])
events.filter((pl.col("mmsi") == top["mmsi"]) | (pl.col("other_mmsi") == top["mmsi"])).select(
    "event_type", "start_ts", "end_ts", pl.col("evidence").struct.field("summary")
)""",
    ),
    (
        "code",
        """trajectories = vs.to_trajectories(labelled, mmsi=top["mmsi"])
print(trajectories)
ax = trajectories.plot(figsize=(6, 6))
ax.set_title(f"{top['vessel_name']} ({top['mmsi']})")""",
    ),
    (
        "code",
        """points = vs.to_geodataframe(labelled.filter(pl.col("mmsi") == top["mmsi"]))
points[["ts", "sog_kn", "eez_iso3", "shore_km", "geometry"]].head()""",
    ),
    ("md", "## 7. The risk map (folium), inline"),
    (
        "code",
        """m = vs.risk_map(
    labelled, events, result.vessels, zones, top_n=20, profile="gulf-of-california"
)
m""",
    ),
    ("md", "## 8. All of it in one call (what `vessels score` runs)"),
    (
        "code",
        """res = vs.run(SAMPLE, profile="gulf-of-california", map=False)
res""",
    ),
    (
        "md",
        """## 9. Who met whom: the vessel graph

Encounters, dark rendezvous, shared IMOs and small-port co-visits link vessels into networks
(`vessels.network`); carriers are vessels that met several others at sea. The map above draws
the networks of the drawn vessels as a layer (click a circle for the carrier summary) and, when
the data has `fleet_presence` events, the fleets' members hour by hour. `vessels score` writes
the same tables as Parquet and `network.graphml` (networkx, Gephi).""",
    ),
    (
        "code",
        """from vessels.network import to_networkx

g = res.network
g.networks.select("network_id", "n_vessels", "n_links", "hub_mmsi", "max_risk_score").head()""",
    ),
    (
        "code",
        """g.carriers.select("mmsi", "vessel_name", "n_partners", "eez_iso3").head()""",
    ),
    (
        "code",
        """graph = to_networkx(g)
graph.number_of_nodes(), graph.number_of_edges()""",
    ),
]


def build() -> nbformat.NotebookNode:
    """The walkthrough notebook, without outputs."""
    cells = [new_markdown_cell(src) if kind == "md" else new_code_cell(src) for kind, src in CELLS]
    nb = new_notebook(cells=cells)
    nb.metadata["kernelspec"] = {
        "name": "python3",
        "display_name": "Python 3",
        "language": "python",
    }
    nb.metadata["language_info"] = {"name": "python"}
    for i, cell in enumerate(nb.cells):
        cell["id"] = f"cell-{i:02d}"
    return nb


if __name__ == "__main__":
    target = Path(__file__).with_name("walkthrough.ipynb")
    nbformat.write(build(), target)
    print(f"wrote {target}")
