"""The reception grid learned from the data (issue 13, point 4: reception quality of the area)."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import polars as pl
import pytest

from vessels import schema as S
from vessels.events.coverage import coverage_context
from vessels.events.gaps import GapConfig, detect_gaps
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
from vessels.testing import T0, make_track, staged
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


# --- the gap detector reads the grid (Welch et al. 2022's reception criterion) ----------------


def _went_dark(mmsi: int = 9) -> pl.DataFrame:
    """A vessel heard every minute for 12 h steaming east into the cell just east of 140 W,
    silent for 14 h there, then heard again for 2 h further east."""
    before = make_track(mmsi, n=721, interval_s=60, lat=10.05, lon=-140.193, speed_kn=1.0)
    assert before[S.LON].max() > -140.0  # it went dark inside that cell
    back = make_track(
        mmsi,
        start=before[S.TS].max() + timedelta(hours=14),
        n=120,
        interval_s=60,
        lat=10.05,
        lon=-139.7,
        speed_kn=1.0,
    )
    return pl.concat([before, back])


def _area(hole_interval_s: float) -> pl.DataFrame:
    """The dark vessel among three others crossing its cell, heard there every
    ``hole_interval_s``; 200 km from shore (more than Welch's 50 nm)."""
    others = [_crossing(m, lat=10.0 + m * 0.01, hole_interval_s=hole_interval_s) for m in (1, 2, 3)]
    return staged(pl.concat([*others, _went_dark()]), shore_km=200.0)


def _gap(tracks: pl.DataFrame) -> dict[str, object]:
    ev = detect_gaps(tracks)
    ev = ev.filter(pl.col(S.MMSI) == 9)
    assert ev.height == 1, ev
    return ev.row(0, named=True)


def test_the_same_silence_is_poor_reception_only_where_the_area_is_poorly_received() -> None:
    dense = _gap(_area(60))
    sparse = _gap(_area(4 * 3600))
    for gap in (dense, sparse):
        assert gap[S.DURATION_H] == pytest.approx(14.0, abs=0.05)
        assert gap[S.EVIDENCE]["positions_12h_before"] >= 14
        assert not gap[S.EVIDENCE]["poor_reception"]  # the vessel itself was well received
    assert dense[S.EVIDENCE]["likely_intentional"]
    assert not dense[S.EVIDENCE]["poor_area_reception"]
    assert dense[S.EVIDENCE]["area_reception_pos_per_day"] == pytest.approx(1440.0)
    assert "poor reception in the area" not in dense[S.EVIDENCE]["summary"]
    assert sparse[S.EVIDENCE]["poor_area_reception"]
    assert not sparse[S.EVIDENCE]["likely_intentional"]
    assert sparse[S.EVIDENCE]["area_reception_pos_per_day"] < 10.0
    assert "poor reception in the area" in sparse[S.EVIDENCE]["summary"]
    assert "(likely intentional)" not in sparse[S.EVIDENCE]["summary"]


def test_a_gap_in_a_poorly_received_area_earns_no_points() -> None:
    from vessels.risk import score

    points = {}
    for name, interval in (("dense", 60), ("sparse", 4 * 3600)):
        tracks = _area(interval)
        ev = detect_gaps(tracks)
        contributions = score(ev, tracks).contributions
        mine = contributions.filter(pl.col(S.MMSI) == 9)
        points[name] = float(mine[S.POINTS].sum()) if mine.height else 0.0
    assert points["dense"] > 0
    assert points["sparse"] == 0.0


def test_the_thresholds_come_from_the_gap_config() -> None:
    tracks = _area(4 * 3600)
    # Welch's 10 per vessel-day: poor; a threshold of 5 per day: this area (~7) is good enough
    lenient = _gap_with(tracks, GapConfig(area_reception_max_pos_per_day=5.0))
    assert not lenient["poor_area_reception"] and lenient["likely_intentional"]
    # four vessels measured in the cell: asking for five leaves it unknown, and unknown is not poor
    unknown = _gap_with(tracks, GapConfig(area_reception_min_vessels=5))
    assert unknown["area_reception_pos_per_day"] is None
    assert not unknown["poor_area_reception"] and unknown["likely_intentional"]


def _gap_with(tracks: pl.DataFrame, cfg: GapConfig) -> dict[str, object]:
    ev = detect_gaps(tracks, cfg).filter(pl.col(S.MMSI) == 9)
    assert ev.height == 1, ev
    return ev[S.EVIDENCE].to_list()[0]


def test_a_partitioned_context_gives_the_same_flags() -> None:
    """The grid is a property of all the positions: a detector given only the dark vessel's
    bucket, with the whole run's context, still sees the poorly received area."""
    tracks = _area(4 * 3600)
    context = coverage_context(tracks)
    alone = tracks.filter(pl.col(S.MMSI) == 9)
    ev = detect_gaps(alone, coverage=context)
    assert ev[S.EVIDENCE].struct.field("poor_area_reception").to_list() == [True]
    # without the context, the vessel alone is too few vessels to judge its cell
    ev = detect_gaps(alone)
    assert ev[S.EVIDENCE].struct.field("poor_area_reception").to_list() == [False]


def _marinecadastre_csv(tracks: pl.DataFrame, path: Path) -> Path:
    tracks.select(
        pl.col(S.MMSI).alias("MMSI"),
        pl.col(S.TS).dt.strftime("%Y-%m-%dT%H:%M:%S").alias("BaseDateTime"),
        pl.col(S.LAT).round(6).alias("LAT"),
        pl.col(S.LON).round(6).alias("LON"),
        pl.col(S.SOG_KN).alias("SOG"),
        pl.col(S.COG_DEG).alias("COG"),
        pl.lit("A").alias("TransceiverClass"),
    ).write_csv(path)
    return path


def test_summary_reports_the_share_of_positions_in_poor_cells(tmp_path: Path) -> None:
    """summary.json: the same reception figures in process and out of core."""
    from vessels.pipeline import run

    tracks = pl.concat(
        [_crossing(m, lat=10.0 + m * 0.01, hole_interval_s=4 * 3600) for m in (1, 2, 3)]
        + [_went_dark()]
    )
    src = _marinecadastre_csv(tracks, tmp_path / "ais.csv")
    res = run(src, map=False)
    rec = res.summary["coverage"]["reception"]
    grid = reception_grid(segment(tracks))
    assert rec == reception_summary(grid, max_pos_per_day=10.0, min_vessels=3)
    assert rec["poor_reception_cells"] == 1
    in_hole = tracks.filter((pl.col(S.LON) >= -140.0) & (pl.col(S.LON) < -139.75)).height
    assert rec["poor_reception_position_share"] == pytest.approx(in_hole / tracks.height, abs=1e-6)
    ooc = run(src, map=False, executor="out-of-core", buckets=3)
    assert ooc.summary["coverage"]["reception"] == rec
    gaps = res.events.filter(pl.col(S.EVENT_TYPE) == S.AIS_GAP)
    assert gaps[S.EVIDENCE].struct.field("poor_area_reception").to_list() == [True]
    assert gaps.equals(ooc.events.filter(pl.col(S.EVENT_TYPE) == S.AIS_GAP))


@pytest.mark.parametrize("seed", range(8))
def test_medians_above_from_counts_equal_filtering_every_median(seed: int) -> None:
    """The sparse-vessel test from counts (:func:`medians_above`) lists the vessels whose median
    is above the limit, exactly as computing every vessel's median: with ties at the limit, even
    counts whose two middle values straddle it, nulls, NaN and vessels without a value."""
    import numpy as np

    from vessels.events.reception import medians_above

    rng = np.random.default_rng(seed)
    n = 4_000
    mmsi = rng.integers(1, 400, n)
    values = rng.choice([10.0, 20.0, 30.0, 40.0, 50.0], n) + rng.choice([0.0, 0.5], n)
    frame = pl.DataFrame({S.MMSI: mmsi.astype(np.uint32), "v": values})
    frame = frame.with_columns(
        pl.when(pl.int_range(pl.len()) % 7 == 0).then(None).otherwise(pl.col("v")).alias("v")
    )
    if seed % 2:  # NaN in a few vessels
        frame = frame.with_columns(
            pl.when(pl.int_range(pl.len()) % 97 == 0).then(float("nan")).otherwise("v").alias("v")
        )
    frame = pl.concat([frame, pl.DataFrame({S.MMSI: [999], "v": [None]}, schema=frame.schema)])
    for limit in (20.0, 30.0, 30.25, 45.0):
        want = (
            frame.group_by(S.MMSI)
            .agg(pl.col("v").median().alias("_med"))
            .filter(pl.col("_med") > limit)[S.MMSI]
            .sort()
        )
        got = medians_above(frame, pl.col("v"), limit).sort()
        assert 0 < want.len() < frame[S.MMSI].n_unique()
        assert got.equals(want)
        ints = frame.with_columns((pl.col("v").fill_nan(None) * 2).cast(pl.Int64))
        want_int = (
            ints.group_by(S.MMSI)
            .agg(pl.col("v").median().alias("_med"))
            .filter(pl.col("_med") > 2 * limit)[S.MMSI]
            .sort()
        )
        assert medians_above(ints, pl.col("v"), 2 * limit).sort().equals(want_int)
