"""Loaders: fixture files in the Marine Regions and WDPA schemas, every format, bad geometries."""

from __future__ import annotations

import zipfile
from pathlib import Path

import geopandas as gpd
import polars as pl
import pytest
import shapely

from vessels import schema as S
from vessels.errors import UserError
from vessels.zones import ZoneGeometryWarning, label_zones, load_zone_file, load_zones

BOX_MX = shapely.box(-118.0, 14.0, -86.0, 32.0)
ALACRANES_ISH = shapely.box(-90.0, 22.2, -89.4, 22.8)


def marine_regions(path: Path, driver: str = "GeoJSON") -> Path:
    gdf = gpd.GeoDataFrame(
        {
            "MRGID": [8424],
            "GEONAME": ["Mexican Exclusive Economic Zone"],
            "POL_TYPE": ["200NM"],
            "TERRITORY1": ["Mexico"],
            "ISO_TER1": ["MEX"],
            "SOVEREIGN1": ["Mexico"],
            "ISO_SOV1": ["MEX"],
        },
        geometry=[BOX_MX],
        crs="EPSG:4326",
    )
    gdf.to_file(path, driver=driver, engine="pyogrio")
    return path


def wdpa(path: Path, driver: str = "GPKG") -> Path:
    gdf = gpd.GeoDataFrame(
        {
            "WDPAID": [12345.0, 555.0],
            "NAME": ["Arrecife Alacranes", "Zona de Refugio"],
            "DESIG_ENG": ["National Park", "Refuge"],
            "IUCN_CAT": ["II", "Not Reported"],
            "MARINE": ["2", "2"],
            "NO_TAKE": ["Part", "All"],
            "STATUS": ["Designated", "Designated"],
            "ISO3": ["MEX", "MEX"],
        },
        geometry=[ALACRANES_ISH, shapely.box(-114.9, 30.9, -114.5, 31.2)],
        crs="EPSG:4326",
    )
    gdf.to_file(path, driver=driver, engine="pyogrio")
    return path


def plain(path: Path, geoms, crs="EPSG:4326", driver=None) -> Path:
    gdf = gpd.GeoDataFrame(
        {"NOMBRE": [f"z{i}" for i in range(len(geoms))]}, geometry=geoms, crs=crs
    )
    gdf.to_file(path, driver=driver, engine="pyogrio")
    return path


def test_marine_regions_geojson_replaces_default_eez(tmp_path):
    z = load_zones([marine_regions(tmp_path / "eez.geojson")])
    mr = z[z[S.ZONE_ID] == "mr-8424"].iloc[0]
    assert (mr[S.ZONE_KIND], mr[S.ZONE_ISO3]) == ("eez", "MEX")
    assert "CC-BY 4.0" in mr[S.ZONE_LICENCE]
    assert "eez-MEX" not in set(z[S.ZONE_ID]) and "eez-USA" in set(z[S.ZONE_ID])
    assert list(z.columns) == list(S.ZONE_TABLE_COLUMNS) and z.crs.to_epsg() == 4326


def test_wdpa_geopackage_maps_no_take(tmp_path):
    z = load_zone_file(wdpa(tmp_path / "wdpa.gpkg"))
    assert dict(zip(z[S.ZONE_ID], z[S.ZONE_KIND], strict=True)) == {
        "wdpa-12345": "protected_area",
        "wdpa-555": "no_take",
    }
    zones = load_zones([tmp_path / "wdpa.gpkg"])
    out = label_zones(pl.DataFrame({S.LAT: [31.0], S.LON: [-114.7]}), zones)
    assert "wdpa-555" in out[S.ZONE_IDS].item()


@pytest.mark.parametrize("zipped", [False, True], ids=["shp", "zipped-shp"])
def test_shapefile_plain_and_zipped_with_name_field(tmp_path, zipped):
    shp = plain(tmp_path / "areas.shp", [ALACRANES_ISH], driver="ESRI Shapefile")
    path = shp
    if zipped:
        path = tmp_path / "areas.zip"
        with zipfile.ZipFile(path, "w") as zf:
            for ext in (".shp", ".shx", ".dbf", ".prj", ".cpg"):
                f = shp.with_suffix(ext)
                if f.exists():
                    zf.write(f, f.name)
    z = load_zone_file(path, name_field="nombre", kind="aoi")
    assert z[S.ZONE_NAME].tolist() == ["z0"] and z[S.ZONE_KIND].tolist() == ["aoi"]


def test_geoparquet_in_projected_crs_is_reprojected(tmp_path):
    gdf = gpd.GeoDataFrame(
        {"zone_id": ["my-box"], "name": ["box"], "kind": ["aoi"]},
        geometry=[ALACRANES_ISH],
        crs="EPSG:4326",
    ).to_crs("EPSG:3857")
    path = tmp_path / "box.parquet"
    gdf.to_parquet(path)
    z = load_zone_file(path)
    minx, _, _, maxy = z.geometry.iloc[0].bounds
    assert abs(minx + 90.0) < 1e-6 and abs(maxy - 22.8) < 1e-6


def test_unknown_schema_lists_fields(tmp_path):
    path = plain(tmp_path / "x.geojson", [ALACRANES_ISH])
    with pytest.raises(UserError, match="fields found: NOMBRE") as exc:
        load_zone_file(path)
    assert "--name-field" in str(exc.value)
    with pytest.raises(UserError, match="no field 'nom'"):
        load_zone_file(path, name_field="nom", kind="aoi")


def test_invalid_polygon_is_repaired_with_a_warning_naming_it(tmp_path):
    bowtie = shapely.Polygon([(-90, 22), (-89, 23), (-89, 22), (-90, 23)])
    assert not bowtie.is_valid
    path = plain(tmp_path / "bow.geojson", [bowtie])
    with pytest.warns(ZoneGeometryWarning, match=r"bow-0 \(z0\).*Self-intersection"):
        z = load_zone_file(path, name_field="NOMBRE", kind="aoi")
    g = z.geometry.iloc[0]
    assert g.is_valid and g.area == pytest.approx(0.5)


@pytest.mark.parametrize(
    ("case", "geom", "message"),
    [
        ("point", shapely.Point(-90, 22), "Point"),
        ("line", shapely.LineString([(-90, 22), (-89, 23)]), "LineString"),
        ("empty", shapely.Polygon(), "empty geometry"),
    ],
    ids=["point", "line", "empty"],
)
def test_wrong_geometry_types_are_refused(tmp_path, case, geom, message):
    path = plain(tmp_path / f"{case}.gpkg", [ALACRANES_ISH, geom], driver="GPKG")
    with pytest.raises(UserError, match=message) as exc:
        load_zone_file(path, name_field="NOMBRE", kind="aoi")
    assert "1 feature(s)" in str(exc.value) and "z1" in str(exc.value)


def test_antimeridian_crossing_polygon_is_split(tmp_path):
    crossing = shapely.Polygon([(170, -20), (-170, -20), (-170, -10), (170, -10)])
    z = load_zone_file(plain(tmp_path / "am.geojson", [crossing]), name_field="NOMBRE", kind="aoi")
    g = z.geometry.iloc[0]
    assert len(g.geoms) == 2 and g.area == pytest.approx(200.0)
    out = label_zones(pl.DataFrame({S.LAT: [-15.0, -15.0], S.LON: [179.5, 0.0]}), z)
    assert out[S.ZONE_IDS].to_list() == [["am-0"], []]


def test_missing_file_and_unreadable_file(tmp_path):
    with pytest.raises(UserError, match="not found"):
        load_zones([tmp_path / "nope.geojson"])
    bad = tmp_path / "bad.geojson"
    bad.write_text("this is not json")
    with pytest.raises(UserError, match="cannot read"):
        load_zones([bad])


def test_no_defaults_and_no_files_is_an_error():
    with pytest.raises(UserError, match="no zone layers"):
        load_zones(None, defaults=False)


def test_bad_kind_is_refused(tmp_path):
    path = plain(tmp_path / "x.geojson", [ALACRANES_ISH])
    with pytest.raises(UserError, match="unknown zone kind"):
        load_zone_file(path, name_field="NOMBRE", kind="reef")
