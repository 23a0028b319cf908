"""label_zones: contract (dtypes, laziness, nulls, empties), exactness of the grid, hysteresis."""

from __future__ import annotations

import numpy as np
import polars as pl
import pytest
import shapely
from hypothesis import given, settings
from hypothesis import strategies as st

from vessels import schema as S
from vessels.errors import SchemaError
from vessels.zones import (
    ZONE_EDGE_KM,
    LabelConfig,
    ShoreConfig,
    ZoneIndex,
    default_zones,
    is_on_land,
    label_zones,
    load_land,
    shore_distance_km,
)


def test_output_dtypes_match_zone_label_schema():
    out = label_zones(pl.DataFrame({S.LAT: [21.0, 31.0], S.LON: [-91.0, -114.5]}))
    S.validate(out, S.ZONE_LABEL_SCHEMA, what="labelled")
    S.validate(out, S.GEO_LABEL_SCHEMA, what="labelled")
    assert out.schema[ZONE_EDGE_KM] == pl.Float64()


def test_lazyframe_stays_lazy_and_matches_eager():
    df = pl.DataFrame({S.LAT: [21.0, 31.0, 13.0], S.LON: [-91.0, -114.5, -105.0]})
    lazy = label_zones(df.lazy())
    assert isinstance(lazy, pl.LazyFrame)
    assert lazy.collect().equals(label_zones(df))
    assert lazy.collect(engine="streaming").equals(label_zones(df))


def test_null_and_nan_coordinates_give_null_labels():
    df = pl.DataFrame({S.LAT: [None, float("nan"), 21.0], S.LON: [-91.0, -91.0, -91.0]})
    out = label_zones(df)
    assert out[S.EEZ_ISO3].to_list() == [None, None, "MEX"]
    assert out[S.ZONE_IDS].to_list()[:2] == [[], []]
    assert out[S.SHORE_KM].is_null().to_list() == [True, True, False]
    for col in (S.GEO_CLASS, S.ON_LAND, S.IN_PORT, S.AT_ANCHORAGE):
        assert out[col].is_null().to_list() == [True, True, False], col


def test_empty_frame_and_empty_zone_table():
    empty = S.empty_positions()
    out = label_zones(empty)
    assert out.height == 0
    S.validate(out, S.ZONE_LABEL_SCHEMA)
    no_zones = default_zones().iloc[0:0]
    out2 = label_zones(pl.DataFrame({S.LAT: [21.0], S.LON: [-91.0]}), no_zones)
    assert out2[S.EEZ_ISO3].to_list() == [None]
    assert out2[S.ZONE_IDS].to_list() == [[]]
    assert out2[ZONE_EDGE_KM].to_list() == [LabelConfig().edge_cap_km]


def test_missing_coordinate_column_is_a_schema_error():
    with pytest.raises(SchemaError, match="lat"):
        label_zones(pl.DataFrame({S.LON: [1.0]}))


def test_relabelling_replaces_columns():
    once = label_zones(pl.DataFrame({S.LAT: [21.0], S.LON: [-91.0]}))
    twice = label_zones(once)
    assert twice.columns == once.columns
    assert twice.equals(once)


def _exact(lat: np.ndarray, lon: np.ndarray):
    zones = default_zones()
    eez = np.full(lat.shape, None, dtype=object)
    for rec in zones[zones["kind"] == "eez"].itertuples():
        hit = shapely.contains_xy(rec.geometry, lon, lat) & (eez == None)  # noqa: E711
        eez[hit] = rec.iso3
    areas = {
        rec.zone_id: shapely.contains_xy(rec.geometry, lon, lat)
        for rec in zones[zones["kind"] != "eez"].itertuples()
    }
    return eez, areas


def test_grid_prefilter_equals_exact_point_in_polygon():
    rng = np.random.default_rng(7)
    # dense near the boundaries that matter: upper Gulf, Yucatán, plus the whole region
    lat = np.concatenate([rng.uniform(0, 40, 20_000), rng.uniform(29.5, 32.5, 10_000),
                          rng.uniform(17.5, 24.5, 10_000)])  # fmt: skip
    lon = np.concatenate([rng.uniform(-130, -60, 20_000), rng.uniform(-116, -112, 10_000),
                          rng.uniform(-93.5, -84, 10_000)])  # fmt: skip
    out = label_zones(pl.DataFrame({S.LAT: lat, S.LON: lon}))
    eez, areas = _exact(lat, lon)
    assert out[S.EEZ_ISO3].to_list() == list(eez)
    got = out[S.ZONE_IDS].to_list()
    for zid, mask in areas.items():
        assert [zid in g for g in got] == mask.tolist(), zid


@settings(max_examples=25, deadline=None)
@given(st.permutations(list(range(12))))
def test_row_order_does_not_change_labels(perm):
    rng = np.random.default_rng(3)
    lat = rng.uniform(15, 33, 12)
    lon = rng.uniform(-118, -85, 12)
    df = pl.DataFrame({"i": np.arange(12), S.LAT: lat, S.LON: lon})
    a = label_zones(df)
    b = label_zones(df[list(perm)]).sort("i")
    assert a.equals(b)


def test_zone_edge_km_bounds_and_hysteresis_meaning():
    """A change of labels between two points implies an edge between them, so the nearer of the
    two to that edge has zone_edge_km at most half their separation (plus densification error)."""
    cap = LabelConfig().edge_cap_km
    # walk across the Alacranes boundary and across the MEX/CUB equidistance line
    lat = np.concatenate([np.full(400, 22.45), np.linspace(20.5, 22.5, 400)])
    lon = np.concatenate([np.linspace(-90.3, -89.0, 400), np.full(400, -85.9)])
    out = label_zones(pl.DataFrame({S.LAT: lat, S.LON: lon}))
    edge = out[ZONE_EDGE_KM].to_numpy()
    assert np.all((edge >= 0) & (edge <= cap))
    key = [f"{e}|{z}" for e, z in zip(out[S.EEZ_ISO3], out[S.ZONE_IDS].to_list(), strict=True)]
    changes = [i for i in range(1, len(key)) if key[i] != key[i - 1] and i != 400]
    assert changes, "the walks must cross an edge"
    step_km = 1.3 * 111.0 * np.cos(np.radians(22.45)) / 399
    for i in changes:
        assert min(edge[i], edge[i - 1]) <= step_km / 2 + 0.3
    # far from every edge the value saturates
    far = label_zones(pl.DataFrame({S.LAT: [27.5], S.LON: [-111.3]}))
    assert far[ZONE_EDGE_KM].item() == cap


def test_reusable_zone_index_gives_same_result():
    df = pl.DataFrame({S.LAT: [21.0, 31.0], S.LON: [-91.0, -114.5]})
    index = ZoneIndex(default_zones())
    assert label_zones(df, index).equals(label_zones(df))


def test_ne_is_on_land_agrees_with_shapely():
    from vessels.zones._land import ne_is_on_land

    rng = np.random.default_rng(11)
    lat = rng.uniform(10, 35, 50_000)
    lon = rng.uniform(-120, -80, 50_000)
    assert (ne_is_on_land(lat, lon) == shapely.contains_xy(load_land(), lon, lat)).all()


def test_world_land_agrees_with_natural_earth_away_from_the_coast():
    """Two independent coastlines (GSHHG, Natural Earth) agree wherever both are > 5 km away."""
    from vessels.zones._land import ne_is_on_land

    rng = np.random.default_rng(12)
    lat = rng.uniform(10, 35, 50_000)
    lon = rng.uniform(-120, -80, 50_000)
    km = shore_distance_km(lat, lon)
    clear = np.abs(km) > 5.0
    world = is_on_land(lat, lon)
    ne = ne_is_on_land(lat, lon)
    assert (world[clear] == ne[clear]).mean() > 0.99  # the rest: lakes, which NE counts as land


def test_shore_distance_grid_error_is_bounded():
    """Measured error of the grid interpolation (used beyond exact_within_km) against exact."""
    rng = np.random.default_rng(5)
    lat = rng.uniform(5, 35, 20_000)
    lon = rng.uniform(-125, -65, 20_000)
    fast = shore_distance_km(lat, lon)
    exact = shore_distance_km(lat, lon, config=ShoreConfig(exact_within_km=np.inf))
    err = np.abs(fast - exact)
    near = np.abs(exact) < ShoreConfig().exact_within_km - 6  # surely measured exactly
    assert err[near].max() < 1e-9
    assert np.percentile(err, 99) < 3.0
    assert err.max() < 8.0  # half the diagonal of a 0.1 deg cell bounds a 1-Lipschitz function
    assert (np.sign(fast) == np.sign(exact)).mean() > 0.999


def test_shore_distance_is_exact_great_circle_near_a_vertex():
    from vessels.zones._world import _arrays

    lon, lat = _arrays()["verts"][1000]
    km = shore_distance_km([lat + 0.0], [lon + 0.0])
    assert abs(km[0]) < 1e-6


@pytest.mark.parametrize("dist_km", [0.5, 2.0, 3.9, 4.5], ids=lambda d: f"{d}km-west")
def test_zone_edge_km_is_exact_just_outside_a_zone_at_high_latitude(dist_km):
    import geopandas as gpd

    box = gpd.GeoDataFrame(
        {"zone_id": ["b"], "name": ["b"], "kind": ["aoi"], "iso3": [None], "source": ["t"],
         "licence": ["t"], "accuracy": ["t"]},
        geometry=[shapely.box(-60.0, 44.5, -59.0, 45.5)],
        crs="EPSG:4326",
    )  # fmt: skip
    lon = -60.0 - dist_km / (111.195 * np.cos(np.radians(45.0)))
    out = label_zones(pl.DataFrame({S.LAT: [45.0], S.LON: [lon]}), box)
    assert out[ZONE_EDGE_KM].item() == pytest.approx(dist_km, abs=0.05)
    assert out[S.ZONE_IDS].item().to_list() == []


@settings(max_examples=40, deadline=None)
@given(
    st.lists(st.floats(5, 35), min_size=1, max_size=30),
    st.lists(st.floats(-125, -65), min_size=1, max_size=30),
)
def test_shore_sign_agrees_with_is_on_land(lats, lons):
    n = min(len(lats), len(lons))
    lat, lon = np.array(lats[:n]), np.array(lons[:n])
    km = shore_distance_km(lat, lon)
    land = is_on_land(lat, lon)
    assert np.all(km[land] <= 0) and np.all(km[~land] >= 0)


def test_many_zones_take_the_bucketed_path_and_stay_exact():
    """A national WDPA file has hundreds of areas: points are bucketed by cell, same answers."""
    import geopandas as gpd

    rng = np.random.default_rng(13)
    n_zones = 3 * ZoneIndex.SMALL_LAYER
    cx, cy = rng.uniform(-100, -90, n_zones), rng.uniform(18, 25, n_zones)
    radii = rng.uniform(0.2, 2, n_zones)
    geoms = [shapely.Point(x, y).buffer(r) for x, y, r in zip(cx, cy, radii, strict=True)]
    zones = gpd.GeoDataFrame(
        {
            "zone_id": [f"z{i:02d}" for i in range(n_zones)],
            "name": "z",
            "kind": "protected_area",
            "iso3": None,
            "source": "t",
            "licence": "t",
            "accuracy": "t",
        },
        geometry=geoms,
        crs="EPSG:4326",
    )
    lat, lon = rng.uniform(16, 27, 30_000), rng.uniform(-103, -87, 30_000)
    out = label_zones(pl.DataFrame({S.LAT: lat, S.LON: lon}), zones)
    expected = [[] for _ in lat]
    for i, g in enumerate(geoms):
        for j in np.flatnonzero(shapely.contains_xy(g, lon, lat)):
            expected[j].append(f"z{i:02d}")
    assert out[S.ZONE_IDS].to_list() == expected
