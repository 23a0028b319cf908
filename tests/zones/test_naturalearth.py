"""The world-atlas (TopoJSON) -> shipped GeoJSON step, on a tiny synthetic topology."""

from __future__ import annotations

import json

import pytest
import shapely

from vessels.zones._naturalearth import COUNTRIES_FILE, LAND_FILE, build_natural_earth


def _topology(country_id: str) -> dict:
    # two squares sharing an edge (arc 1), quantized with a transform, like world-atlas
    return {
        "type": "Topology",
        "transform": {"scale": [0.5, 0.5], "translate": [-100.0, 20.0]},
        "arcs": [
            [[0, 0], [0, 10]],  # shared edge x=-100, y 20..25
            [[0, 10], [-10, 0], [0, -10], [10, 0]],  # west part of A
            [[0, 0], [10, 0], [0, 10], [-10, 0]],  # east part of B
        ],
        "objects": {
            "countries": {
                "type": "GeometryCollection",
                "geometries": [
                    {"type": "Polygon", "arcs": [[0, 1]], "id": country_id,
                     "properties": {"name": "A"}},
                    {"type": "Polygon", "arcs": [[~0, 2]], "id": "840",
                     "properties": {"name": "B"}},
                ],
            },
            "land": {
                "type": "GeometryCollection",
                "geometries": [{"type": "MultiPolygon", "arcs": [[[1, 0]], [[2, ~0]]]}],
            },
        },
    }  # fmt: skip


def test_countries_and_land_are_written_with_sovereigns(tmp_path):
    src = tmp_path / "countries-10m.json"
    src.write_text(json.dumps(_topology("484")))
    build_natural_earth(src, tmp_path)
    countries = json.loads((tmp_path / COUNTRIES_FILE).read_text())["features"]
    props = {f["properties"]["name"]: f["properties"] for f in countries}
    assert props["A"]["iso3"] == "MEX" and props["B"]["sovereign_iso3"] == "USA"
    areas = {
        f["properties"]["name"]: shapely.from_geojson(json.dumps(f["geometry"])).area
        for f in countries
    }
    assert areas == {"A": pytest.approx(25.0), "B": pytest.approx(25.0)}
    land = json.loads((tmp_path / LAND_FILE).read_text())["features"][0]["geometry"]
    assert shapely.from_geojson(json.dumps(land)).area == pytest.approx(50.0)


def test_unknown_country_id_is_refused(tmp_path):
    src = tmp_path / "countries-10m.json"
    src.write_text(json.dumps(_topology("999")))
    with pytest.raises(KeyError, match="no sovereign mapping for '999'"):
        build_natural_earth(src, tmp_path)
