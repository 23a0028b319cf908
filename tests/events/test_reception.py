"""The reception grid learned from the data (issue 13, point 4: reception quality of the area)."""

from __future__ import annotations

from datetime import timedelta

import polars as pl
import pytest

from vessels import schema as S
from vessels.events.reception import (
    CELL_DEG,
    RECEPTION_CELL_LAT_DEG,
    RECEPTION_CELL_LON_DEG,
    RECEPTION_POS_PER_DAY,
    RECEPTION_POSITIONS,
    RECEPTION_VESSEL_HOURS,
    RECEPTION_VESSELS,
    area_reception,
    empty_grid,
    poor_cells,
    reception_grid,
    reception_summary,
)
from vessels.testing import T0, make_track
from vessels.tracks import segment


def _crossing(mmsi: int, *, lat: float, hole_interval_s: float) -> pl.DataFrame:
    """A vessel heard every minute for a day, steaming east at 1 kn across 140 W, except in the
    cell just east of 140 W (about hours 6-21) where it is heard every ``hole_interval_s``."""
    track = make_track(mmsi, n=24 * 60, interval_s=60, lat=lat, lon=-140.1015, speed_kn=1.0)
    minute = pl.int_range(pl.len())
    in_hole = (pl.col(S.LON) >= -140.0) & (pl.col(S.LON) < -139.75)
    return track.filter(~in_hole | (minute % int(hole_interval_s // 60) == 0))


def _grid_row(grid: pl.DataFrame, lat: float, lon: float) -> dict[str, object]:
    cy, cx = int(lat // CELL_DEG), int(lon // CELL_DEG)
    row = grid.filter(
        (pl.col(RECEPTION_CELL_LAT_DEG) == cy * CELL_DEG)
        & (pl.col(RECEPTION_CELL_LON_DEG) == cx * CELL_DEG)
    )
    assert row.height == 1, grid
    return row.row(0, named=True)


def test_dense_and_sparse_areas_are_told_apart() -> None:
    hole = pl.concat(
        [_crossing(m, lat=10.0 + m * 0.01, hole_interval_s=4 * 3600) for m in (1, 2, 3)]
    )
    good = pl.concat([_crossing(m, lat=20.0 + m * 0.01, hole_interval_s=60) for m in (4, 5, 6)])
    grid = reception_grid(segment(pl.concat([hole, good])))
    bad_cell = _grid_row(grid, 10.02, -139.9)
    good_cell = _grid_row(grid, 20.05, -139.9)
    assert bad_cell[RECEPTION_VESSELS] == 3
    # 4 fixes in ~14 h (4 h apart): under 7 per vessel-day, under Welch's 10
    assert 5.0 < bad_cell[RECEPTION_POS_PER_DAY] < 7.0
    assert good_cell[RECEPTION_POS_PER_DAY] == pytest.approx(1440.0)
    # the good water west of the hole is good for the same vessels
    assert _grid_row(grid, 10.02, -140.2)[RECEPTION_POS_PER_DAY] == pytest.approx(1440.0)
    poor = poor_cells(grid, max_pos_per_day=10.0, min_vessels=3)
    assert poor.select(RECEPTION_CELL_LAT_DEG, RECEPTION_CELL_LON_DEG).rows() == [(10.0, -140.0)]


def test_one_silent_vessel_does_not_make_a_cell_poor() -> None:
    """The median over vessels: three well-received vessels outvote one that went silent there."""
    loud = [
        make_track(m, n=600, interval_s=60, speed_kn=0.3, lat=30.0 + m * 0.01) for m in (1, 2, 3)
    ]
    quiet = pl.concat(
        [
            make_track(4, n=30, interval_s=60, speed_kn=0.3, lat=30.05),
            make_track(4, start=T0 + timedelta(hours=20), n=30, speed_kn=0.3, lat=30.05),
        ]
    )
    grid = reception_grid(segment(pl.concat([*loud, quiet])))
    assert grid.height == 1
    row = grid.row(0, named=True)
    assert row[RECEPTION_VESSELS] == 4
    assert row[RECEPTION_POS_PER_DAY] == pytest.approx(1440.0)
    assert poor_cells(grid, max_pos_per_day=10.0, min_vessels=3).height == 0


def test_sparse_reporters_are_left_out_but_their_positions_counted() -> None:
    """A VMS-like vessel (hourly fixes) measures its schedule, not the receivers."""
    ais = [make_track(m, n=120, interval_s=60, speed_kn=0.3, lat=5.0 + m * 0.01) for m in (1, 2, 3)]
    vms = [make_track(m, n=20, interval_s=3600, speed_kn=0.0, lat=5.05 + m * 0.001) for m in (7, 8)]
    p = segment(pl.concat([*ais, *vms]))
    row = reception_grid(p).row(0, named=True)
    assert row[RECEPTION_POSITIONS] == 3 * 120 + 2 * 20
    assert row[RECEPTION_VESSELS] == 3
    assert row[RECEPTION_POS_PER_DAY] == pytest.approx(1440.0)
    kept = reception_grid(p, sparse_interval_min=None).row(0, named=True)
    assert kept[RECEPTION_VESSELS] == 5
    # median of (1440, 1440, 1440, 24, 24)
    assert kept[RECEPTION_POS_PER_DAY] == pytest.approx(1440.0)


def test_vessel_hours_add_up_the_intervals_ending_in_the_cell() -> None:
    track = make_track(1, n=121, interval_s=60, speed_kn=0.0)
    grid = reception_grid(segment(track))
    assert grid[RECEPTION_VESSEL_HOURS].to_list() == [pytest.approx(2.0)]
    assert grid[RECEPTION_POSITIONS].to_list() == [121]


def test_without_dt_s_the_intervals_are_computed() -> None:
    tracks = pl.concat([make_track(m, n=50, interval_s=300, speed_kn=0.0) for m in (1, 2, 3)])
    assert S.DT_S not in tracks.columns
    assert reception_grid(tracks).equals(reception_grid(segment(tracks)))


def test_input_order_does_not_matter() -> None:
    hole = pl.concat(
        [_crossing(m, lat=10.0 + m * 0.01, hole_interval_s=4 * 3600) for m in (1, 2, 3)]
    )
    p = segment(hole)
    shuffled = p.sample(fraction=1.0, shuffle=True, seed=7)
    assert reception_grid(shuffled).equals(reception_grid(p))


def test_empty_and_unlocated_inputs_give_an_empty_grid() -> None:
    assert reception_grid(S.empty_positions()).equals(empty_grid())
    nowhere = make_track(1, n=3).with_columns(pl.lit(None, pl.Float64).alias(S.LAT))
    assert reception_grid(nowhere).height == 0
    assert reception_summary(empty_grid(), max_pos_per_day=10.0, min_vessels=3) == {
        "reception_cell_deg": CELL_DEG,
        "reception_cells": 0,
        "poor_reception_cells": 0,
        "poor_reception_position_share": 0.0,
    }


def test_area_reception_looks_up_judged_cells_only() -> None:
    hole = pl.concat([_crossing(m, lat=10.0 + m * 0.01, hole_interval_s=4 * 3600) for m in (1, 2)])
    grid = reception_grid(segment(hole))
    points = pl.DataFrame({"a": [10.02, 10.02, 50.0], "b": [-139.9, -140.2, 0.0]})
    two = area_reception(points, "a", "b", grid, min_vessels=2, alias="r")["r"].to_list()
    assert two[0] < 7.0
    assert two[1:] == [pytest.approx(1440.0), None]
    # two vessels are too few to judge a cell when three are asked
    three = area_reception(points, "a", "b", grid, min_vessels=3, alias="r")["r"].to_list()
    assert three == [None, None, None]


def test_summary_share_of_positions_in_poor_cells() -> None:
    hole = pl.concat(
        [_crossing(m, lat=10.0 + m * 0.01, hole_interval_s=4 * 3600) for m in (1, 2, 3)]
    )
    grid = reception_grid(segment(hole))
    out = reception_summary(grid, max_pos_per_day=10.0, min_vessels=3)
    in_hole = hole.filter((pl.col(S.LON) >= -140.0) & (pl.col(S.LON) < -139.75)).height
    assert in_hole == 3 * 4  # four fixes of each vessel in the hole cell
    assert out["poor_reception_cells"] == 1
    assert out["poor_reception_position_share"] == pytest.approx(in_hole / hole.height, abs=1e-6)
