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
FILES = [
    "NYHarbor_2020_06_30_first_hour.csv",
    "NYHarbor_2020_12_08.traj",
    "NYHarbor_2020_12_first_week.traj",
    "US_coastal_2020_06_30.traj",
    "VirginiaBeach_2020_06_04_to_06_filtered.traj",
]
#: The Earth's largest possible distance from land (Point Nemo, ~2,688 km) with margin.
MAX_SHORE_KM = 2700.0


@pytest.fixture(scope="module", params=FILES)
def labelled(request) -> pl.DataFrame:
    df = read_ais(EXAMPLES / request.param).positions.collect()
    return label_zones(df)


def test_under_two_percent_on_land(labelled):
    rep = coverage_report(labelled)
    assert rep["positions"] == labelled.height > 1000
    assert rep["geo_class_shares"][S.GEO_LAND] < 0.02, rep["geo_class_shares"]
    assert not [w for w in rep["warnings"] if "on land" in w]


def test_no_shore_distance_beyond_the_earths_maximum(labelled):
    assert labelled[S.SHORE_KM].abs().max() < MAX_SHORE_KM  # type: ignore[operator]
    assert labelled[S.SHORE_KM].null_count() == 0


def test_every_position_has_a_class(labelled):
    assert labelled[S.GEO_CLASS].null_count() == 0
    assert (labelled[S.ON_LAND] == (labelled[S.GEO_CLASS] == S.GEO_LAND)).all()
