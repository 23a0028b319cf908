"""Geography on real NOAA AIS (tracktable-data): few positions on land, shore distances bounded."""

from __future__ import annotations

from pathlib import Path

import polars as pl
import pytest
import tracktable_data  # dev extra: real NOAA MarineCadastre AIS (public domain)

from vessels import schema as S
from vessels.io import read_ais
from vessels.zones import coverage_report, label_zones

EXAMPLES = Path(tracktable_data.__file__).parent / "python_example_data"
#: file -> largest share of positions classed land. The issue's target is 2 %: met for the New
#: York harbour files (0.53 / 0.47 / 0.18 %); NOT met for the US coastal day (3.33 %) and only
#: just for Virginia Beach (2.01 %), where traffic runs on waterways that neither GSHHG *h* nor
#: WDBII contain (the Houston Ship Channel, the Gulf Intracoastal Waterway and the bayous in
#: Louisiana, the Hudson between Manhattan and Haverstraw, the Delaware at Philadelphia, the
#: James at Hopewell, the Sacramento-San Joaquin delta; zones/README.md names each cluster).
#: Before the minor waterways and the 1.5 km shoreline-uncertainty band: 0.53 / 0.58 / 1.09 /
#: 5.25 / 9.01 %. These limits keep that from getting worse.
FILES = {
    "NYHarbor_2020_06_30_first_hour.csv": 0.01,
    "NYHarbor_2020_12_08.traj": 0.01,
    "NYHarbor_2020_12_first_week.traj": 0.005,
    "US_coastal_2020_06_30.traj": 0.035,
    "VirginiaBeach_2020_06_04_to_06_filtered.traj": 0.022,
}
#: The Earth's largest possible distance from land (Point Nemo, ~2,688 km) with margin.
MAX_SHORE_KM = 2700.0


@pytest.fixture(scope="module", params=list(FILES))
def labelled(request) -> tuple[str, pl.DataFrame]:
    df = read_ais(EXAMPLES / request.param).positions.collect()
    return request.param, label_zones(df)


def test_few_positions_on_land(labelled):
    name, df = labelled
    rep = coverage_report(df)
    assert rep["positions"] == df.height > 1000
    assert rep["geo_class_shares"][S.GEO_LAND] < FILES[name], rep["geo_class_shares"]
    # the former Natural Earth layer put 20-39 % of these files on land; never warn below 5 %
    if rep["geo_class_shares"][S.GEO_LAND] < 0.05:
        assert not [w for w in rep["warnings"] if "on land" in w]


def test_no_shore_distance_beyond_the_earths_maximum(labelled):
    _, df = labelled
    assert df[S.SHORE_KM].abs().max() < MAX_SHORE_KM  # type: ignore[operator]
    assert df[S.SHORE_KM].null_count() == 0


def test_every_position_has_a_class(labelled):
    _, df = labelled
    assert df[S.GEO_CLASS].null_count() == 0
    assert (df[S.ON_LAND] == (df[S.GEO_CLASS] == S.GEO_LAND)).all()
