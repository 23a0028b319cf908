"""World Port Index ports, learned anchorages and coverage honesty."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import numpy as np
import polars as pl
import pytest

from vessels import schema as S
from vessels.errors import SchemaError
from vessels.zones import coverage_report, label_zones, learn_anchorages, load_ports
from vessels.zones._ports import PORT_RADIUS_KM, build_ports


def test_shipped_ports_are_the_world_port_index(tmp_path):
    ports = load_ports()
    assert ports.height == 3696
    assert ports["wpi_id"].is_unique().all()
    assert ports["lat"].is_between(-90, 90).all() and ports["lon"].is_between(-180, 180).all()
    # rebuilding from the source in tracktable-data gives the committed file byte for byte
    from vessels.zones._naturalearth import data_dir

    out = build_ports(out_dir=tmp_path)
    assert out.read_bytes() == (data_dir() / "wpi_ports.csv").read_bytes()


def test_port_country_is_iso3_like_the_flag_column():
    """WPI's "Country Code" holds names; ports carry ISO 3166-1 alpha-3 codes, the code of the
    ``flag`` column (MID table), so a port call and a flag compare directly."""
    from vessels.flags import MID_TO_ISO3

    ports = load_ports()
    assert ports["iso3"].str.contains(r"^[A-Z]{3}$").all()
    code = dict(zip(ports["country"], ports["iso3"], strict=True))
    assert (code["Mexico"], code["United States"], code["Burma"]) == ("MEX", "USA", "MMR")
    assert code["Congo (Kinshasa)"] == "COD" and code["Congo (Brazzaville)"] == "COG"
    # every code is a flag code, except places without a MID of their own
    no_mid = {"BES", "ESH", "FLK", "GGY", "GUM", "IMN", "JEY", "NFK", "SGS", "SJM", "SXM", "TLS"}
    assert set(ports["iso3"]) - set(MID_TO_ISO3.values()) <= no_mid | {"UMI"}
    guaymas = label_zones(pl.DataFrame({S.LAT: [27.915], S.LON: [-110.89]}))
    assert guaymas[S.PORT_COUNTRY].to_list() == ["MEX"]


def test_port_on_a_waterway_the_land_layer_lacks_is_a_port_not_land():
    """Beaumont (the Neches River, Texas) and Manchester (the Manchester Ship Canal) are WPI ports
    ~24 km from any GSHHG / WDBII line, so the raster has land there: a berth there is in port
    (water), not "on land", however far the nearest shoreline is; a point 20 km inland of
    Trenton stays land. (Trenton and Richmond, the former examples, now lie on WDBII minor
    waterways and are inland water in the raster itself.)"""
    out = label_zones(
        pl.DataFrame({S.LAT: [30.0833, 53.4833, 40.2], S.LON: [-94.0833, -2.2667, -75.0]})
    )
    assert out[S.IN_PORT].to_list() == [True, True, False]
    assert out[S.GEO_CLASS].to_list() == [S.GEO_PORT_ANCHORAGE, S.GEO_PORT_ANCHORAGE, S.GEO_LAND]
    assert out[S.PORT_NAME].to_list()[:2] == ["Beaumont", "Manchester"]
    assert out[S.PORT_COUNTRY].to_list()[:2] == ["USA", "GBR"]
    shore = out[S.SHORE_KM].to_list()
    assert shore[0] > 10 and shore[1] > 10 and shore[2] < -10  # the sign follows the class


def test_build_ports_names_a_country_without_a_code(tmp_path):
    src = tmp_path / "wpi.csv"
    cols = [
        "World Port Index Number", "Main Port Name", "Country Code", "Harbor Size",
        "Harbor Type", "Latitude", "Longitude",
    ]  # fmt: skip
    src.write_text(",".join(cols) + "\n1,X,Atlantis,Small,Open Roadstead,1.0,2.0\n")
    with pytest.raises(SchemaError, match=r"wpi\.csv.*Atlantis"):
        build_ports(src, out_dir=tmp_path)


def test_build_ports_rejects_a_file_that_is_not_the_wpi(tmp_path):
    bad = tmp_path / "x.csv"
    bad.write_text("a,b\n1,2\n")
    with pytest.raises(SchemaError, match=r"x\.csv.*World Port Index"):
        build_ports(bad, out_dir=tmp_path)


def _km_east(lat: float, km: float) -> float:
    return km / (111.195 * np.cos(np.radians(lat)))


@pytest.mark.parametrize("size", ["Very Small", "Small", "Medium", "Large"])
def test_in_port_radius_follows_harbour_size(size):
    p = load_ports().filter(pl.col("harbour_size") == size).sort("wpi_id").row(0, named=True)
    r = PORT_RADIUS_KM[size]
    lat = [p["lat"], p["lat"]]
    lon = [p["lon"] + _km_east(p["lat"], 0.8 * r), p["lon"] + _km_east(p["lat"], 3.0 * r)]
    out = label_zones(pl.DataFrame({S.LAT: lat, S.LON: lon}))
    if out[S.GEO_CLASS][0] == S.GEO_LAND and not out[S.IN_PORT][0]:
        pytest.fail(f"{p['port_name']}: a point 0.8 radius from the port is not in port")
    assert out[S.IN_PORT][0] is True
    assert out[S.PORT_NAME][0] is not None
    # 3 radii away it is not *this* port (another may be near)
    assert out[S.PORT_NAME][1] != p["port_name"] or not out[S.IN_PORT][1]


def _stops(n_vessels: int, lat: float, lon: float, sog: float = 0.1) -> pl.DataFrame:
    t0 = datetime(2024, 3, 1, tzinfo=UTC)
    rows = []
    for m in range(n_vessels):
        for k in range(3):
            rows.append(
                {S.MMSI: 100 + m, S.TS: t0 + timedelta(hours=k), S.LAT: lat + 0.0005 * (m % 3),
                 S.LON: lon, S.SOG_KN: sog}
            )  # fmt: skip
    return pl.DataFrame(rows)


def test_learned_anchorage_is_named_after_the_nearest_port_and_labels_positions():
    crowd = _stops(25, 29.70, 32.60)  # the Suez anchorage off Port Tewfik
    few = _stops(5, 10.0, -30.0)  # 5 vessels: not an anchorage
    moving = _stops(30, 20.0, -40.0, sog=5.0)  # 30 vessels, all moving: not an anchorage
    a = learn_anchorages(pl.concat([crowd, few, moving]), dilate=False)
    assert a.height >= 1
    assert (a["n_vessels"] >= 20).all()
    assert a["lat"].is_between(29.69, 29.71).all()
    assert set(a["port_country"].to_list()) == {"EGY"}
    assert a["port_km"].max() < 30  # type: ignore[operator]
    out = label_zones(
        pl.DataFrame({S.LAT: [29.7001, 10.0, 29.0], S.LON: [32.6001, -30.0, 32.6]}), anchorages=a
    )
    assert out[S.AT_ANCHORAGE].to_list() == [True, False, False]
    assert out[S.GEO_CLASS][0] == S.GEO_PORT_ANCHORAGE
    assert out[S.PORT_NAME][0] == a["port_name"][0]


def test_anchorage_dilation_adds_the_neighbour_cells():
    a0 = learn_anchorages(_stops(20, 29.70, 32.60), dilate=False)
    a1 = learn_anchorages(_stops(20, 29.70, 32.60), dilate=True)
    assert a1.height == 9 * a0.height or a1.height > a0.height
    assert set(a0["cell"].to_list()) <= set(a1["cell"].to_list())


def test_learn_anchorages_names_the_missing_column():
    with pytest.raises(SchemaError, match="sog_kn"):
        learn_anchorages(pl.DataFrame({S.MMSI: [1], S.LAT: [0.0], S.LON: [0.0]}))


def test_coverage_counts_every_class_and_warns_on_land_and_sparse_data():
    t0 = datetime(2024, 1, 1, tzinfo=UTC)
    # 10 positions, 3 of them in the Sahara; one vessel reporting every 4 h
    lat = [23.0] * 3 + [0.0] * 7
    lon = [10.0] * 3 + [-30.0] * 7
    df = pl.DataFrame(
        {S.MMSI: [1] * 10, S.TS: [t0 + timedelta(hours=4 * i) for i in range(10)],
         S.LAT: lat, S.LON: lon}
    )  # fmt: skip
    rep = coverage_report(label_zones(df))
    assert rep["geo_class_counts"][S.GEO_LAND] == 3
    assert rep["geo_class_counts"][S.GEO_OPEN_SEA] == 7
    assert set(rep["geo_class_counts"]) == {*S.GEO_CLASSES, "unknown"}
    assert rep["median_fix_interval_h"] == pytest.approx(4.0)
    assert rep["sparse_vessel_share"] == 1.0
    assert len(rep["warnings"]) == 2
    assert any("on land" in w for w in rep["warnings"])
    assert any("sparse" in w for w in rep["warnings"])


def test_coverage_is_quiet_on_dense_sea_traffic():
    t0 = datetime(2024, 1, 1, tzinfo=UTC)
    df = pl.DataFrame(
        {S.MMSI: [1] * 10, S.TS: [t0 + timedelta(minutes=i) for i in range(10)],
         S.LAT: [0.0] * 10, S.LON: [-30.0] * 10}
    )  # fmt: skip
    rep = coverage_report(label_zones(df))
    assert rep["warnings"] == []
    assert rep["median_fix_interval_h"] == pytest.approx(1 / 60, abs=1e-6)


def test_coverage_needs_labelled_positions():
    with pytest.raises(ValueError, match="geo_class"):
        coverage_report(pl.DataFrame({S.LAT: [0.0], S.LON: [0.0]}))


def test_port_cell_prefilter_changes_no_answer():
    # the 0.1 deg prefilter only skips points no port radius can reach: the answers equal the
    # plain k-d query for points around every WPI port (incl. high latitudes and the antimeridian)
    # and uniform over the globe
    from vessels.zones._ports import in_port_arrays, in_port_arrays_all

    ports = load_ports()
    rng = np.random.default_rng(7)
    n = 40_000
    k = rng.integers(0, ports.height, n)
    lat = np.clip(ports["lat"].to_numpy()[k] + rng.normal(0, 0.06, n), -90, 90)
    lon = ports["lon"].to_numpy()[k] + rng.normal(0, 0.12, n)
    lat = np.concatenate([lat, rng.uniform(-90, 90, n), [89.99, -89.99, 0.0, 0.0]])
    lon = np.concatenate([lon, rng.uniform(-180, 180, n), [0.0, 0.0, 179.999, -179.999]])
    fast, plain = in_port_arrays(lat, lon), in_port_arrays_all(lat, lon)
    assert (fast >= 0).sum() > 2_000  # the check covers many in-port points
    assert np.array_equal(fast, plain)
