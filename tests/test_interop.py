"""Tests of vessels.interop: GeoDataFrame and TrajectoryCollection conversions of a selection."""

from __future__ import annotations

from datetime import timedelta

import polars as pl
import pytest

from tests.factories import T0, make_track
from vessels import schema as S
from vessels.errors import UserError
from vessels.interop import to_geodataframe, to_trajectories
from vessels.tracks import segment

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning", "ignore::FutureWarning")

MMSI_A = 345000001
MMSI_B = 345000002


def _fleet() -> pl.DataFrame:
    """Vessel A (two transmitters, 300 km apart), vessel B near Yucatán, plus a lone B outlier."""
    a1 = make_track(MMSI_A, lat=31.0, lon=-114.5, n=20, interval_s=120)
    a2 = make_track(
        MMSI_A, lat=31.0, lon=-111.4, n=20, interval_s=120, start=T0 + timedelta(seconds=60)
    )
    b = make_track(MMSI_B, lat=21.5, lon=-89.0, n=30, interval_s=300, speed_kn=5)
    return pl.concat(
        [
            a1,
            a2.with_columns(pl.col(S.SOURCE_ROW) + 1000),
            b.with_columns(pl.col(S.SOURCE_ROW) + 2000),
        ]
    )


def test_points_one_row_per_position() -> None:
    seg = segment(_fleet())
    gdf = to_geodataframe(seg.lazy(), kind="points")
    assert len(gdf) == seg.height
    assert gdf.crs.to_epsg() == 4326
    assert list(gdf.columns[:-1]) == seg.columns
    assert gdf.geometry.x.tolist() == seg[S.LON].to_list()
    assert gdf.geometry.y.tolist() == seg[S.LAT].to_list()


def test_lines_one_per_segment() -> None:
    seg = segment(_fleet())
    lines = to_geodataframe(seg, kind="lines")
    assert sorted(lines[S.SEGMENT_ID]) == sorted(seg[S.SEGMENT_ID].unique().to_list())
    assert lines.crs.to_epsg() == 4326
    per = lines.set_index(S.SEGMENT_ID)
    a_ids = [i for i in per.index if i.startswith(str(MMSI_A))]
    assert len(a_ids) == 2
    for seg_id in a_ids:
        row = per.loc[seg_id]
        assert row[S.N_POSITIONS] == 20
        assert len(row.geometry.coords) == 20
        # a consistent track: the line never crosses the 300 km between the transmitters
        xs = [x for x, _ in row.geometry.coords]
        assert max(xs) - min(xs) < 0.5
        assert row["duration_h"] == pytest.approx(38 / 60)
    b_row = per.loc[f"{MMSI_B}-20240301T000000"]
    expected_km = seg.filter(pl.col(S.MMSI) == MMSI_B)[S.DIST_M].sum() / 1000
    assert b_row["length_km"] == pytest.approx(expected_km)
    # coordinates follow time order
    first = seg.filter(pl.col(S.MMSI) == MMSI_B).sort(S.TS).row(0, named=True)
    assert b_row.geometry.coords[0] == (first[S.LON], first[S.LAT])


def test_lines_segment_unsegmented_input_and_null_geometry_for_single_points() -> None:
    lone = make_track(MMSI_B, n=1, start=T0 + timedelta(days=3))
    lines = to_geodataframe(pl.concat([make_track(MMSI_B, n=4), lone]), kind="lines")
    assert sorted(lines[S.N_POSITIONS].tolist()) == [1, 4]
    single = lines[lines[S.N_POSITIONS] == 1]
    assert single.geometry.isna().all()


def test_unknown_kind_is_a_user_error() -> None:
    with pytest.raises(UserError, match="unknown kind"):
        to_geodataframe(make_track(n=2), kind="polygons")  # type: ignore[arg-type]


def test_trajectories_keyed_by_segment_id() -> None:
    seg = segment(_fleet())
    tc = to_trajectories(seg)
    ids = sorted(t.id for t in tc.trajectories)
    assert ids == sorted(seg[S.SEGMENT_ID].unique().to_list())
    by_id = {t.id: t for t in tc.trajectories}
    a_first = by_id[f"{MMSI_A}-20240301T000000"]
    assert a_first.obj_id == MMSI_A
    assert len(a_first.df) == 20
    assert a_first.get_start_time() == T0  # UTC-aware, like every vessels time (#18)


@pytest.mark.parametrize(
    ("selection", "expected_ids"),
    [
        (
            {"mmsi": MMSI_B},
            [f"{MMSI_B}-20240301T000000"],
        ),
        (
            {"mmsi": [MMSI_A, MMSI_B], "until": T0 + timedelta(minutes=30)},
            [
                f"{MMSI_A}-20240301T000000",
                f"{MMSI_A}-20240301T000100",
                f"{MMSI_B}-20240301T000000",
            ],
        ),
        (
            {"bbox": (-115.0, 30.5, -114.0, 31.5)},
            [f"{MMSI_A}-20240301T000000"],
        ),
        (
            {"bbox": (-90.0, 21.0, -88.0, 22.0), "since": "2024-03-01T01:00:00"},
            [f"{MMSI_B}-20240301T000000"],
        ),
    ],
    ids=["by-mmsi", "two-mmsi-until", "bbox-west-transmitter", "bbox-and-since-iso-string"],
)
def test_trajectory_selection(selection: dict, expected_ids: list[str]) -> None:
    tc = to_trajectories(_fleet(), **selection)  # unsegmented: segmented after the mmsi filter
    assert sorted(t.id for t in tc.trajectories) == expected_ids


def test_time_window_keeps_whole_data_segment_ids() -> None:
    tc = to_trajectories(_fleet(), mmsi=MMSI_B, since=T0 + timedelta(hours=1))
    (traj,) = tc.trajectories
    assert traj.id == f"{MMSI_B}-20240301T000000"  # id of the whole segment, not of the window
    assert traj.get_start_time() == T0 + timedelta(hours=1)


def test_bbox_keeps_whole_segment_not_clipped() -> None:
    # the box covers only the first few positions of B's track
    tc = to_trajectories(_fleet(), bbox=(-89.01, 21.49, -88.99, 21.51))
    (traj,) = tc.trajectories
    assert len(traj.df) == 30


@pytest.mark.parametrize(
    ("selection", "message"),
    [
        ({"mmsi": 999999999}, "no positions match the selection \\(mmsi=999999999\\)"),
        ({"since": T0 + timedelta(days=10)}, "no positions match"),
        ({"bbox": (0.0, 0.0, 1.0, 1.0)}, "no positions match"),
        ({"max_positions": 50}, "more than 50 positions"),
        ({"bbox": (1.0, 0.0, 0.0, 1.0)}, "bbox 1.0,0.0,0.0,1.0 is not a box"),
        ({"since": "yesterday"}, "since 'yesterday' is not a date/time"),
    ],
    ids=[
        "unknown-mmsi",
        "window-after-data",
        "box-elsewhere",
        "too-large",
        "bbox-inverted",
        "bad-since",
    ],
)
def test_trajectory_selection_errors(selection: dict, message: str) -> None:
    with pytest.raises(UserError, match=message):
        to_trajectories(_fleet(), **selection)
