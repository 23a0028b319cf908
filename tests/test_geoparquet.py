"""GeoParquet outputs (issue #18 point 2): ``geopandas.read_parquet`` reads the events, tracks and
vessels of a run, with every row, UTC-aware times and the right geometry."""

from __future__ import annotations

import json
from pathlib import Path

import geopandas as gpd
import polars as pl
import pyarrow.parquet as pq
import pytest
import shapely

from tests.test_cli_score import write_sample
from vessels import schema as S
from vessels.cli import main
from vessels.geoparquet import event_points, track_lines, write_geoparquet


@pytest.fixture(scope="module")
def run_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    sample = write_sample(tmp_path_factory.mktemp("ais") / "ais.csv")
    out = tmp_path_factory.mktemp("run") / "out"
    assert main(["score", str(sample), "--out", str(out), "-q", "--no-map"]) == 0
    return out


def test_events_geoparquet_has_every_event_at_its_point(run_dir: Path) -> None:
    g = gpd.read_parquet(run_dir / S.EVENTS_GEOPARQUET_FILE)
    ev = pl.read_parquet(run_dir / S.EVENTS_FILE)
    assert len(g) == ev.height > 0
    assert list(g[S.EVENT_ID]) == ev[S.EVENT_ID].to_list()
    assert str(g.crs) == "OGC:CRS84" and set(g.geom_type) == {"Point"}
    assert list(g.geometry.x) == pytest.approx(ev[S.LON].to_list())
    assert list(g.geometry.y) == pytest.approx(ev[S.LAT].to_list())
    assert str(g[S.START_TS].dt.tz) == "UTC" and str(g[S.END_TS].dt.tz) == "UTC"


def test_tracks_geoparquet_is_one_line_per_segment_in_time_order(run_dir: Path) -> None:
    g = gpd.read_parquet(run_dir / S.TRACKS_GEOPARQUET_FILE)
    pos = pl.read_parquet(run_dir / S.TRACKS_FILE).sort(S.SEGMENT_ID, S.TS)
    assert sorted(g[S.SEGMENT_ID]) == sorted(pos[S.SEGMENT_ID].unique().to_list())
    assert int(g[S.N_POSITIONS].sum()) == pos.height  # every position is on a line
    for row in g.itertuples():
        seg = pos.filter(pl.col(S.SEGMENT_ID) == row.segment_id)
        coords = shapely.get_coordinates(row.geometry)
        assert len(coords) == seg.height == row.n_positions
        assert coords[:, 0].tolist() == pytest.approx(seg[S.LON].to_list())
        assert coords[:, 1].tolist() == pytest.approx(seg[S.LAT].to_list())
        assert row.start_ts == seg[S.TS].min() and row.end_ts == seg[S.TS].max()
    assert str(g[S.START_TS].dt.tz) == "UTC"


def test_vessels_geoparquet_sits_at_the_last_position(run_dir: Path) -> None:
    g = gpd.read_parquet(run_dir / S.VESSELS_GEOPARQUET_FILE)
    v = pl.read_parquet(run_dir / S.VESSELS_FILE)
    assert list(g[S.MMSI]) == v[S.MMSI].to_list()  # same rows, same (risk) order
    last = pl.read_parquet(run_dir / S.TRACKS_FILE).sort(S.TS).group_by(S.MMSI).last()
    for row in g.itertuples():
        want = last.filter(pl.col(S.MMSI) == row.mmsi)
        assert (row.geometry.x, row.geometry.y) == pytest.approx((want[S.LON][0], want[S.LAT][0]))
    assert list(g[S.RISK_SCORE]) == v[S.RISK_SCORE].to_list()


def test_geo_metadata_is_geoparquet_1_0(run_dir: Path) -> None:
    for name in (S.EVENTS_GEOPARQUET_FILE, S.TRACKS_GEOPARQUET_FILE, S.VESSELS_GEOPARQUET_FILE):
        meta = json.loads(pq.read_schema(run_dir / name).metadata[b"geo"])
        assert meta["version"] == "1.0.0" and meta["primary_column"] == "geometry"
        col = meta["columns"]["geometry"]
        assert col["encoding"] == "WKB" and col["geometry_types"]
        bounds = gpd.read_parquet(run_dir / name).total_bounds
        assert col["bbox"] == pytest.approx(list(bounds))
        assert -112 < col["bbox"][0] <= col["bbox"][2] < -108  # the sample's area, lon first
    summary = json.loads((run_dir / S.SUMMARY_FILE).read_text())
    assert S.TRACKS_GEOPARQUET_FILE in summary["outputs"]


def test_no_tracks_run_writes_no_track_lines(tmp_path: Path) -> None:
    sample = write_sample(tmp_path / "ais.csv")
    out = tmp_path / "o"
    assert main(["score", str(sample), "--out", str(out), "-q", "--no-map", "--no-tracks"]) == 0
    assert not (out / S.TRACKS_GEOPARQUET_FILE).exists()
    assert len(gpd.read_parquet(out / S.VESSELS_GEOPARQUET_FILE)) == 4


def test_empty_events_and_null_locations(tmp_path: Path) -> None:
    empty = tmp_path / "e.geoparquet"
    write_geoparquet(event_points(S.empty_events()), empty)
    g = gpd.read_parquet(empty)
    assert len(g) == 0 and S.EVENT_TYPE in g.columns
    ev = pl.DataFrame(
        [{S.EVENT_ID: "x", S.EVENT_TYPE: "ais_gap", S.MMSI: 1, S.LAT: None, S.LON: None}],
        schema=S.EVENT_SCHEMA,
    )
    write_geoparquet(event_points(ev), tmp_path / "n.geoparquet")
    g = gpd.read_parquet(tmp_path / "n.geoparquet")
    assert len(g) == 1 and g.geometry.iloc[0] is None  # no location: no made-up point


def test_single_position_segment_is_a_point() -> None:
    from datetime import UTC, datetime

    t = datetime(2024, 1, 1, tzinfo=UTC)
    pos = pl.DataFrame(
        {
            S.MMSI: [1, 2, 2],
            S.SEGMENT_ID: ["a", "b", "b"],
            S.TS: [t, t, t.replace(hour=1)],
            S.LAT: [1.0, 2.0, 2.5],
            S.LON: [3.0, 4.0, 4.5],
        }
    )
    table = track_lines(pos)
    kinds = dict(zip(table.frame[S.SEGMENT_ID], [g.geom_type for g in table.geometry], strict=True))
    assert kinds == {"a": "Point", "b": "LineString"}


def _positions_with_conflicts() -> pl.DataFrame:
    """Three vessels in (mmsi, ts) order: two segments of one MMSI interleaved in time, a tie
    in time inside a segment, a one-position segment, and ids whose text order is not the
    vessels' numeric order (9 sorts after 10 as text)."""
    from datetime import UTC, datetime, timedelta

    t = datetime(2024, 1, 1, tzinfo=UTC)
    rows = [
        (9, "9-a", 0, 1.0, 2.0),
        (9, "9-a", 60, 1.1, 2.1),
        (10, "10-b", 0, 5.0, 6.0),
        (10, "10-c", 30, 7.0, 8.0),
        (10, "10-b", 60, 5.1, 6.1),
        (10, "10-b", 60, 5.2, 6.2),  # same time as the row before: row order decides
        (10, "10-c", 90, 7.1, 8.1),
        (11, "11-d", 0, 3.0, 4.0),
    ]
    return pl.DataFrame(
        {
            S.MMSI: [r[0] for r in rows],
            S.SEGMENT_ID: [r[1] for r in rows],
            S.TS: [t + timedelta(seconds=r[2]) for r in rows],
            S.LAT: [r[3] for r in rows],
            S.LON: [r[4] for r in rows],
        }
    )


def test_track_lines_are_the_shapely_lines_of_each_segment_in_time_order() -> None:
    pos = _positions_with_conflicts()
    table = track_lines(pos)
    assert table.frame[S.SEGMENT_ID].to_list() == ["10-b", "10-c", "11-d", "9-a"]
    assert table.frame[S.N_POSITIONS].to_list() == [3, 2, 1, 2]
    want = [
        shapely.LineString([(6.0, 5.0), (6.1, 5.1), (6.2, 5.2)]),
        shapely.LineString([(8.0, 7.0), (8.1, 7.1)]),
        shapely.Point(4.0, 3.0),
        shapely.LineString([(2.0, 1.0), (2.1, 1.1)]),
    ]
    assert list(shapely.to_wkb(table.geometry)) == list(shapely.to_wkb(want))


def test_track_lines_do_not_depend_on_row_order(tmp_path: Path) -> None:
    # rows in (mmsi, ts) order take the path without a sort by time, rows out of that order
    # (vessel 11 first, 10-c before 10-b; rows of equal time keep their order) the sort: the
    # same file bytes. With NaN coordinates the lines are made by shapely: the same lines
    pos = _positions_with_conflicts()
    moved = pos[[7, 0, 1, 3, 6, 2, 4, 5]]
    one = write_geoparquet(track_lines(pos), tmp_path / "1.geoparquet")
    two = write_geoparquet(track_lines(moved), tmp_path / "2.geoparquet")
    assert one.read_bytes() == two.read_bytes()
    with_nan = pos.with_columns(
        pl.when(pl.col(S.SEGMENT_ID) == "11-d")
        .then(float("nan"))
        .otherwise(pl.col(S.LAT))
        .alias(S.LAT)
    )
    a, b = track_lines(pos), track_lines(with_nan)
    assert b.frame.equals(a.frame)
    assert list(shapely.to_wkb(b.geometry[:2])) == list(shapely.to_wkb(a.geometry[:2]))
    assert b._wkb is None and a._wkb is not None  # the two paths were taken


def test_track_lines_keep_the_last_known_vessel_id() -> None:
    pos = _positions_with_conflicts().with_columns(
        pl.Series(S.VESSEL_ID, ["x", None, "b1", "c", "b2", None, None, "d"])
    )
    table = track_lines(pos)
    assert table.frame.columns[:3] == [S.MMSI, S.VESSEL_ID, S.SEGMENT_ID]
    assert table.frame[S.VESSEL_ID].to_list() == ["b2", "c", "d", "x"]
    assert track_lines(pos[[7, 0, 1, 3, 6, 2, 4, 5]]).frame.equals(table.frame)


def test_no_positions_give_an_empty_track_table(tmp_path: Path) -> None:
    empty = _positions_with_conflicts().clear()
    table = track_lines(empty)
    assert table.frame.height == 0 and len(table.geometry) == 0
    assert table.frame.columns == [
        S.MMSI,
        S.SEGMENT_ID,
        S.START_TS,
        S.END_TS,
        S.N_POSITIONS,
        S.DURATION_H,
    ]
    assert len(gpd.read_parquet(write_geoparquet(table, tmp_path / "e.geoparquet"))) == 0
