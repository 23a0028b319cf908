"""Real NOAA MarineCadastre AIS from tracktable-data (public domain; BSD-2 package)."""

from __future__ import annotations

from pathlib import Path

import polars as pl
import tracktable_data  # dev extra: real NOAA MarineCadastre AIS (public domain)

from vessels import schema as S
from vessels.io import read_ais

EXAMPLES = Path(tracktable_data.__file__).parent / "python_example_data"
NY_CSV = EXAMPLES / "NYHarbor_2020_06_30_first_hour.csv"
NY_TRAJ = EXAMPLES / "NYHarbor_2020_12_08.traj"

# A rough box well inside the continental US interior (Kansas-Missouri-Nebraska...), hundreds of
# kilometres from any coast: no AIS position may fall there.
INLAND = (-104.0, 35.0, -90.0, 43.0)


def _inland(df: pl.DataFrame) -> int:
    lon0, lat0, lon1, lat1 = INLAND
    return df.filter(
        pl.col(S.LON).is_between(lon0, lon1) & pl.col(S.LAT).is_between(lat0, lat1)
    ).height


def test_ny_harbor_csv() -> None:
    ing = read_ais(NY_CSV)
    df = ing.positions.collect()
    s = ing.summary()
    assert s["balanced"]
    assert s["input_rows"] == 8689  # data-formats.md: 8,689 rows
    assert s["input_rows"] == s["accepted_rows"] + s["quarantined_rows"] + s["duplicate_rows"]
    assert s["accepted_rows"] > 8500
    # the 2020 negative-COG fault is present in about half the rows and is repaired
    assert s["corrections"]["cog_negative_corrected"] > 3000
    assert df[S.COG_DEG].drop_nulls().min() >= 0.0  # type: ignore[operator]
    assert df[S.COG_DEG].drop_nulls().max() < 360.0  # type: ignore[operator]
    # US harbour: most vessels US-flagged, mostly valid MMSIs, class B common
    assert (df[S.FLAG] == "USA").mean() > 0.7  # type: ignore[operator]
    assert df[S.MMSI_VALID].mean() > 0.9  # type: ignore[operator]
    assert set(df[S.AIS_CLASS].drop_nulls().unique().to_list()) == {"A", "B"}
    assert df[S.LAT].is_between(40.0, 41.5).all() and df[S.LON].is_between(-75.0, -73.0).all()
    assert _inland(df) == 0


def test_traj_file() -> None:
    ing = read_ais(NY_TRAJ)
    df = ing.positions.collect()
    s = ing.summary()
    assert s["balanced"] and s["quarantined_rows"] == 0
    assert s["input_rows"] == s["accepted_rows"] + s["duplicate_rows"]
    assert df[S.MMSI].n_unique() > 10
    assert (df[S.FLAG].is_not_null()).mean() > 0.9  # type: ignore[operator]
    assert _inland(df) == 0
    assert df[S.TS].dt.date().unique().to_list() == [df[S.TS][0].date()]
