"""PyData both ways (issue #18 point 2): pandas, GeoDataFrame and movingpandas objects are accepted
by the public functions, times stay UTC-aware, and nothing is lost on a round trip."""

from __future__ import annotations

import warnings
from datetime import timedelta

import pandas as pd
import polars as pl
import pytest

import vessels as vs
from vessels import schema as S
from vessels.testing import T0, make_track, staged


def _tracks() -> pl.DataFrame:
    a = make_track(345000001, lat=26.0, lon=-110.6, n=30, interval_s=120)
    b = make_track(345000001, start=T0 + timedelta(hours=12), lat=26.05, lon=-110.5, n=30)
    c = make_track(366000004, lat=27.0, lon=-111.0, n=40, interval_s=60)
    return pl.concat([a, b.with_columns(pl.col(S.SOURCE_ROW) + 1000), c])


@pytest.mark.parametrize("kind", ["pandas", "geopandas", "trajectories", "lazy"])
def test_segment_accepts_pydata_tables(kind: str) -> None:
    df = _tracks()
    expected = vs.segment(df).select(S.MMSI, S.TS, S.SEGMENT_ID).sort(S.MMSI, S.TS)
    if kind == "pandas":
        value: object = df.to_pandas()
    elif kind == "geopandas":
        value = vs.to_geodataframe(df).drop(columns=[S.LAT, S.LON])  # position from geometry
    elif kind == "trajectories":
        value = vs.to_trajectories(df)
    else:
        value = df.lazy()
    out = vs.segment(value)  # type: ignore[arg-type]
    out = out.collect() if isinstance(out, pl.LazyFrame) else out
    assert out.schema[S.TS] == S.TS_DTYPE
    got = out.select(S.MMSI, S.TS, S.SEGMENT_ID).sort(S.MMSI, S.TS)
    assert got.equals(expected)


def test_detect_events_and_label_zones_take_geodataframes_and_collections() -> None:
    df = staged(_tracks())  # segmented, zone labels null (unknown)
    expected = vs.detect_events(df).select(S.EVENT_TYPE, S.MMSI, S.START_TS).sort(pl.all())
    for value in (vs.to_geodataframe(df), vs.to_trajectories(df)):
        got = vs.detect_events(value).select(S.EVENT_TYPE, S.MMSI, S.START_TS).sort(pl.all())
        assert got.equals(expected)
    labelled = vs.label_zones(df.to_pandas())
    assert labelled.height == df.height and S.EEZ_ISO3 in labelled.columns


def test_trajectories_are_utc_aware_and_meet_event_times() -> None:
    df = vs.segment(_tracks())
    tc = vs.to_trajectories(df)
    traj = tc.trajectories[0]
    assert str(traj.df.index.tz) == "UTC"
    start = traj.df.index[0] + pd.Timedelta(minutes=1)  # a UTC-aware time, as events carry
    point = traj.get_position_at(start.to_pydatetime())
    assert point is not None and not point.is_empty


def test_event_lines() -> None:
    row = {
        S.EVENT_ID: "e1",
        S.EVENT_TYPE: "ais_gap",
        S.MMSI: 345000001,
        S.START_TS: T0,
        S.END_TS: T0 + timedelta(hours=9),
        S.START_LAT: 26.0,
        S.START_LON: -110.6,
        S.END_LAT: 26.05,
        S.END_LON: -110.5,
    }
    ev = pl.DataFrame([row], schema=S.EVENT_SCHEMA, strict=False)
    gdf = vs.to_geodataframe(ev, kind="lines")
    assert gdf.geometry.iloc[0].wkt == "LINESTRING (-110.6 26, -110.5 26.05)"
    assert str(gdf[S.START_TS].dt.tz) == "UTC"


def test_round_trip_polars_movingpandas_vessels_geopandas_keeps_rows_and_utc() -> None:
    df = vs.segment(_tracks())
    tc = vs.to_trajectories(df)  # polars -> movingpandas
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        back = vs.segment(tc)  # movingpandas -> vessels
    assert isinstance(back, pl.DataFrame)
    assert back.height == df.height
    assert back.schema[S.TS] == S.TS_DTYPE
    gdf = vs.to_geodataframe(back)  # vessels -> geopandas
    assert len(gdf) == df.height
    assert str(gdf[S.TS].dt.tz) == "UTC"
    assert sorted(gdf[S.TS]) == sorted(pd.Series(df[S.TS].to_list()))
    lines = vs.to_geodataframe(back, kind="lines")
    assert str(lines[S.START_TS].dt.tz) == "UTC"
    assert int(lines[S.N_POSITIONS].sum()) == df.height


def test_trajectories_explore_with_the_notebook_extra() -> None:
    """``tc.explore()`` (folium via geopandas) needs mapclassify: the ``notebook`` extra has it."""
    tc = vs.to_trajectories(vs.segment(_tracks()))
    m = tc.explore()
    assert "leaflet" in m.get_root().render().lower()
