"""Known points against the default layers (issue 3's acceptance table)."""

from __future__ import annotations

import polars as pl
import pytest

from tests.factories import make_positions
from vessels import schema as S
from vessels.zones import label_zones

# (id, lat, lon, expected eez_iso3, zone ids that must be present, zone ids that must be absent)
KNOWN = [
    ("off-ensenada", 31.75, -116.85, "MEX", [], ["aoi-upper-gulf"]),
    ("off-san-diego", 32.65, -117.35, "USA", [], []),
    ("gulf-of-california-north", 31.2, -114.5, "MEX", ["aoi-upper-gulf", "mx-rb-alto-golfo"], []),
    ("gulf-of-california-midriff", 28.8, -112.9, "MEX", [], ["aoi-upper-gulf"]),
    ("gulf-of-california-guaymas", 27.5, -111.3, "MEX", [], []),
    ("gulf-of-california-la-paz", 24.6, -110.0, "MEX", [], []),
    ("gulf-of-california-mouth", 23.3, -108.5, "MEX", [], []),
    ("campeche-bank", 21.0, -91.0, "MEX", ["aoi-campeche-bank"], []),
    ("campeche-bank-north", 23.2, -89.0, "MEX", ["aoi-campeche-bank"], []),
    ("yucatan-channel-east", 21.8, -85.3, "CUB", ["aoi-yucatan-channel"], []),
    ("yucatan-channel-west", 21.5, -86.6, "MEX", ["aoi-yucatan-channel"], []),
    ("far-pacific-13n-105w", 13.0, -105.0, None, [], []),
    ("arrecife-alacranes", 22.45, -89.75, "MEX", ["mx-pn-arrecife-alacranes"], []),
    ("off-belize", 17.3, -87.8, "BLZ", [], []),
    ("off-el-salvador", 13.0, -89.0, "SLV", [], []),
    ("off-guatemala-pacific", 13.6, -91.3, "GTM", [], []),
    ("gulf-of-honduras-hnd", 16.2, -86.5, "HND", [], []),
    ("gulf-of-mexico-usa", 28.0, -90.0, "USA", [], []),
]


@pytest.fixture(scope="module")
def labelled() -> pl.DataFrame:
    frame = make_positions([{S.MMSI: 1, S.LAT: k[1], S.LON: k[2]} for k in KNOWN])
    return label_zones(frame)


@pytest.mark.parametrize(
    ("case", "lat", "lon", "eez", "present", "absent"), KNOWN, ids=[k[0] for k in KNOWN]
)
def test_known_point(labelled, case, lat, lon, eez, present, absent):
    row = labelled.filter((pl.col(S.LAT) == lat) & (pl.col(S.LON) == lon)).row(0, named=True)
    assert row[S.EEZ_ISO3] == eez, case
    assert set(present) <= set(row[S.ZONE_IDS]), row[S.ZONE_IDS]
    assert not set(absent) & set(row[S.ZONE_IDS]), row[S.ZONE_IDS]
    assert row[S.SHORE_KM] > 0  # all these points are at sea


@pytest.mark.parametrize(
    ("case", "lat", "lon"),
    [("mexico-city", 19.43, -99.13), ("merida", 20.97, -89.62), ("phoenix", 33.45, -112.07)],
    ids=lambda v: v if isinstance(v, str) else "",
)
def test_on_land_has_non_positive_shore_km(case, lat, lon):
    out = label_zones(pl.DataFrame({S.LAT: [lat], S.LON: [lon]}))
    assert out[S.SHORE_KM].item() <= 0, case
    assert out[S.EEZ_ISO3].item() in ("MEX", "USA")  # EEZ polygons include their state's land


def test_gulf_of_california_everywhere_is_mex():
    """Every sea point of a 0.1-degree grid over the Gulf (a hand-drawn hull) is in eez-MEX."""
    import numpy as np
    import shapely

    from vessels.zones import is_on_land

    hull = shapely.Polygon(
        [(-109.6, 23.0), (-106.5, 23.3), (-112.5, 29.5), (-114.0, 31.9), (-115.0, 31.8),
         (-113.3, 28.5), (-110.3, 24.2)]
    )  # fmt: skip
    gx, gy = np.meshgrid(np.arange(-115.5, -105.5, 0.1), np.arange(22.5, 32.0, 0.1))
    x, y = gx.ravel(), gy.ravel()
    keep = shapely.contains_xy(hull, x, y) & ~is_on_land(y, x)
    assert keep.sum() > 1000
    out = label_zones(pl.DataFrame({S.LAT: y[keep], S.LON: x[keep]}))
    assert out[S.EEZ_ISO3].unique().to_list() == ["MEX"]
    assert (out[S.SHORE_KM] > 0).all()
