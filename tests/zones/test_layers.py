"""The committed default layers: ids, provenance, sizes, copies, and the EEZ builder."""

from __future__ import annotations

import filecmp

import numpy as np
import pytest
import shapely
from pyproj import Geod

from vessels import schema as S
from vessels.zones import default_zones, load_land
from vessels.zones._layers import LAYER_FILES, repo_zones_dir
from vessels.zones._naturalearth import data_dir

GEOD = Geod(ellps="WGS84")
AMERICAS = [
    "MEX", "USA", "CAN", "GTM", "BLZ", "HND", "SLV", "NIC", "CRI", "PAN", "COL", "ECU", "PER",
    "CHL", "ARG", "URY", "BRA", "VEN", "GUY", "SUR", "CUB", "BHS", "JAM", "HTI", "DOM", "TTO",
    "BRB", "ATG", "DMA", "GRD", "KNA", "LCA", "VCT", "FRA", "GBR", "NLD", "DNK", "KIR",
]  # fmt: skip
EXPECTED_IDS = {
    *(f"eez-{s}" for s in AMERICAS),
    "mx-pn-arrecife-alacranes", "mx-rb-alto-golfo",
    "aoi-upper-gulf", "aoi-campeche-bank", "aoi-yucatan-channel",
}  # fmt: skip


def area_km2(geom) -> float:
    return abs(GEOD.geometry_area_perimeter(shapely.orient_polygons(geom))[0]) / 1e6


@pytest.fixture(scope="module")
def zones():
    return default_zones()


def test_ids_kinds_and_columns(zones):
    assert set(zones[S.ZONE_ID]) == EXPECTED_IDS
    assert list(zones.columns) == list(S.ZONE_TABLE_COLUMNS)
    assert zones.crs.to_epsg() == 4326
    assert set(zones[S.ZONE_KIND]) <= set(S.ZONE_KINDS)
    kinds = dict(zip(zones[S.ZONE_ID], zones[S.ZONE_KIND], strict=True))
    assert {k for k, v in kinds.items() if v == "aoi"} == {i for i in EXPECTED_IDS if "aoi" in i}
    assert all(zones.geometry.is_valid)


def test_every_zone_has_provenance(zones):
    for col in (S.ZONE_SOURCE, S.ZONE_LICENCE, S.ZONE_ACCURACY):
        assert zones[col].str.len().min() > 10, col
    eez = zones[zones[S.ZONE_KIND] == "eez"]
    assert eez[S.ZONE_NAME].str.contains("approximate").all()
    aoi = zones[zones[S.ZONE_KIND] == "aoi"]
    assert aoi[S.ZONE_SOURCE].str.contains("not a legal boundary").all()


@pytest.mark.parametrize(
    ("zone_id", "published_km2", "rel_tol"),
    [("mx-pn-arrecife-alacranes", 3337.68, 0.001), ("mx-rb-alto-golfo", 9342.0, 0.005)],
    ids=["alacranes-decree-333768ha", "alto-golfo-conanp-9342km2"],
)
def test_protected_area_sizes_match_published(zones, zone_id, published_km2, rel_tol):
    geom = zones.loc[zones[S.ZONE_ID] == zone_id].geometry.item()
    assert area_km2(geom) == pytest.approx(published_km2, rel=rel_tol)


@pytest.mark.parametrize(
    ("zone_id", "min_km2", "max_km2"),
    [
        ("aoi-upper-gulf", 15_000, 40_000),
        ("aoi-campeche-bank", 100_000, 250_000),
        ("aoi-yucatan-channel", 20_000, 80_000),
    ],
    ids=["upper-gulf", "campeche-bank", "yucatan-channel"],
)
def test_aois_are_water_of_reasonable_size(zones, zone_id, min_km2, max_km2):
    geom = zones.loc[zones[S.ZONE_ID] == zone_id].geometry.item()
    assert min_km2 < area_km2(geom) < max_km2
    on_land = shapely.intersection(geom, load_land())
    assert area_km2(on_land) < 0.005 * area_km2(geom)


def test_mexico_eez_sea_area_near_official(zones):
    """Official (Marine Regions) ≈ 3.19 M km²; the approximation must be within 2 %."""
    mex = zones.loc[zones[S.ZONE_ID] == "eez-MEX"].geometry.item()
    sea = area_km2(shapely.difference(mex, load_land()))
    assert 0.98 < sea / 3.19e6 < 1.02


@pytest.mark.parametrize(
    ("iso3", "official_km2", "rel_tol"),
    [("CRI", 574_000, 0.05), ("ECU", 1_080_000, 0.05), ("CHL", 3_680_000, 0.05)],
)
def test_other_eez_sea_areas_near_official(zones, iso3, official_km2, rel_tol):
    """Rounded Marine Regions figures, for states whose boundaries are close to equidistance."""
    from vessels.zones._eez import sea_area_km2

    geom = zones.loc[zones[S.ZONE_ID] == f"eez-{iso3}"].geometry.item()
    assert abs(sea_area_km2(geom) / official_km2 - 1) < rel_tol


def test_antimeridian_countries_do_not_smear_across_the_pacific(zones):
    """World-atlas rings that jump across 180 deg (Fiji, Russia) once covered whole latitude
    bands; the open Pacific off Peru and the North Pacific must not belong to them."""
    pts = shapely.points([(-79.0, -14.0), (-150.0, 45.0), (-140.0, -17.0)])
    eez = zones[zones[S.ZONE_KIND] == "eez"]
    pairs = zip(eez[S.ZONE_ID], eez.geometry, strict=True)
    hits = {z: bool(shapely.contains(g, pts).any()) for z, g in pairs}
    assert hits["eez-PER"] or not any(hits.values())
    assert not any(v for z, v in hits.items() if z not in ("eez-PER", "eez-FRA"))


def test_eezs_do_not_overlap(zones):
    eez = zones[zones[S.ZONE_KIND] == "eez"].geometry.to_numpy()
    for i in range(len(eez)):
        for j in range(i + 1, len(eez)):
            assert shapely.intersection(eez[i], eez[j]).area < 1e-6


@pytest.mark.parametrize("name", LAYER_FILES)
def test_repo_copies_match_packaged_files(name):
    repo = repo_zones_dir()
    assert repo.is_dir(), "the tests run from a source checkout, which has zones/"
    assert filecmp.cmp(repo / name, data_dir() / name, shallow=False)


def test_static_layers_rebuild_identically(tmp_path):
    from vessels.zones._layers import AOI_FILE, PROTECTED_AREA_FILE, build_static_layers

    build_static_layers(tmp_path)
    for name in (PROTECTED_AREA_FILE, AOI_FILE):
        assert (tmp_path / name).read_bytes() == (data_dir() / name).read_bytes(), name


def test_eez_builder_reproduces_committed_file(tmp_path):
    """Runs the full builder over the Americas (~9 CPU-s; ~25 s wall when the machine is loaded)."""
    from vessels.cli import main

    out = tmp_path / "eez.geojson"
    assert main(["zones", "build-eez", "--out", str(out), "--quiet"]) == 0
    assert out.read_bytes() == (data_dir() / "eez_approx.geojson").read_bytes()


def test_land_covers_the_study_region():
    land = load_land()
    minx, miny, maxx, maxy = land.bounds
    assert minx <= -130 and maxx >= -60 and miny <= 0 and maxy >= 40
    assert np.isclose(area_km2(land.intersection(shapely.box(-99.2, 19.3, -99.0, 19.5))),
                      area_km2(shapely.box(-99.2, 19.3, -99.0, 19.5)), rtol=1e-3)  # fmt: skip
