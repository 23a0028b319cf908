"""load_zones takes GeoDataFrames, shapely geometries and GeoJSON dicts (issue #18 point 2)."""

from __future__ import annotations

import geopandas as gpd
import shapely

import vessels as vs

BOX = shapely.box(-114.9, 31.0, -114.6, 31.3)


def test_geodataframe_with_a_name_column() -> None:
    gdf = gpd.GeoDataFrame({"name": ["Patrol box"]}, geometry=[BOX], crs="EPSG:4326")
    zones = vs.load_zones(gdf, defaults=False)  # once read its column names as file paths
    assert zones[["name", "kind"]].values.tolist() == [["Patrol box", "aoi"]]


def test_shapely_geometry_and_geojson_dicts() -> None:
    assert vs.load_zones(BOX, defaults=False)["name"].tolist() == ["zone 0"]
    geometry = shapely.geometry.mapping(BOX)
    feature = {"type": "Feature", "properties": {"name": "F"}, "geometry": geometry}
    fc = {"type": "FeatureCollection", "features": [feature]}
    for value, name in ((geometry, "zone 0"), (feature, "F"), (fc, "F")):
        zones = vs.load_zones(value, defaults=False, kind="protected_area")
        assert zones[["name", "kind"]].values.tolist() == [[name, "protected_area"]]


def test_in_memory_zones_label_positions_next_to_the_defaults() -> None:
    import polars as pl

    zones = vs.load_zones([BOX])
    assert len(zones) == len(vs.load_zones()) + 1
    lf = pl.DataFrame({"lat": [31.1], "lon": [-114.7]})
    ids = vs.label_zones(lf, zones=zones)["zone_ids"].to_list()[0]
    assert "zones-0" in ids
