"""The track rule of label_zones (vessels.zones.underway_water): land positions of a vessel
underway are water, and so is its berth beside them; still, jumping or too-fast tracks stay land.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import polars as pl
import pytest

from vessels import schema as S
from vessels.errors import SchemaError
from vessels.zones import UnderwayConfig, label_zones, underway_water

T0 = datetime(2020, 6, 30, tzinfo=UTC)
M_PER_DEG_LAT = 111_195.0
# the Houston Ship Channel (Lynchburg reach): navigable, but land in GSHHG h and every WDBII
# level (zones/README.md); 12 km from the nearest water the layer draws
HOUSTON = (29.744, -95.107)
KANSAS = (38.5, -98.5)  # the known-point test's Kansas (tests/zones/test_world.py)


def track(
    mmsi: int,
    start: tuple[float, float],
    speed_kn: float,
    n: int,
    *,
    step_s: float = 60.0,
    t0: datetime = T0,
) -> pl.DataFrame:
    """``n`` fixes ``step_s`` apart, heading north from ``start`` at ``speed_kn``."""
    dlat = speed_kn * 1852.0 / 3600.0 * step_s / M_PER_DEG_LAT
    return pl.DataFrame(
        {
            S.MMSI: pl.Series([mmsi] * n, dtype=pl.UInt32),
            S.TS: [t0 + timedelta(seconds=k * step_s) for k in range(n)],
            S.LAT: [start[0] + k * dlat for k in range(n)],
            S.LON: [start[1]] * n,
        }
    ).with_columns(pl.col(S.TS).dt.cast_time_unit("us"))


def classes(df: pl.DataFrame, **kw: object) -> list[str]:
    return label_zones(df, **kw)[S.GEO_CLASS].cast(pl.String).to_list()  # type: ignore[arg-type]


def test_the_map_alone_has_the_channel_as_land() -> None:
    """Precondition of every test here: without the track rule the channel is land."""
    assert set(classes(track(1, HOUSTON, 5.0, 5), underway=None)) == {S.GEO_LAND}


@pytest.mark.parametrize("speed_kn", [2.5, 5.0, 10.0, 25.0], ids=lambda v: f"{v}kn")
def test_a_vessel_underway_on_an_undrawn_waterway_is_on_water(speed_kn: float) -> None:
    out = label_zones(track(1, HOUSTON, speed_kn, 6))
    assert out[S.GEO_CLASS].cast(pl.String).to_list() == [S.GEO_INLAND_WATER] * 6
    assert not out[S.ON_LAND].any()
    assert out[S.SHORE_KM].to_list() == [0.0] * 6  # banks nearer than the layer can measure


@pytest.mark.parametrize(
    ("speed_kn", "step_s", "why"),
    [
        (0.3, 60.0, "at rest: GPS jitter"),
        (1.5, 60.0, "slower than min_kn"),
        (50.0, 60.0, "faster than max_kn (a road vehicle)"),
        (5.0, 1200.0, "fixes 20 min apart: no evidence about this position"),
    ],
    ids=["at-rest", "crawling", "road-speed", "sparse"],
)
def test_no_evidence_of_being_underway_keeps_land(speed_kn: float, step_s: float, why: str) -> None:
    assert set(classes(track(1, HOUSTON, speed_kn, 6, step_s=step_s))) == {S.GEO_LAND}, why


def test_real_land_stays_land_under_a_road_speed_track() -> None:
    road = track(7, KANSAS, 45.0, 10)
    assert set(classes(road, underway=None)) == {S.GEO_LAND}
    assert set(classes(road)) == {S.GEO_LAND}


def test_one_outlier_inland_does_not_count() -> None:
    """A vessel at sea whose one fix jumps 20 km inland and back: both legs ~650 kn."""
    sea = track(3, (29.30, -94.70), 8.0, 5)  # off Galveston, open Gulf
    jump = sea.with_columns(
        pl.when(pl.int_range(pl.len()) == 2)
        .then(pl.lit(HOUSTON[0]))
        .otherwise(pl.col(S.LAT))
        .alias(S.LAT),
        pl.when(pl.int_range(pl.len()) == 2)
        .then(pl.lit(HOUSTON[1]))
        .otherwise(pl.col(S.LON))
        .alias(S.LON),
    )
    got = classes(jump)
    assert got[2] == S.GEO_LAND
    assert got == classes(jump, underway=None)


def test_the_berth_beside_its_own_track_is_water_a_stop_farther_is_not() -> None:
    moving = track(5, HOUSTON, 6.0, 6)  # ~1.1 km north in 5 min
    last = moving.row(-1, named=True)
    berth = track(5, (last[S.LAT] + 0.002, last[S.LON]), 0.0, 30, t0=T0 + timedelta(minutes=6))
    far = track(5, (last[S.LAT] + 0.05, last[S.LON]), 0.0, 30, t0=T0 + timedelta(hours=3))
    got = classes(pl.concat([moving, berth, far]))
    assert got[:36] == [S.GEO_INLAND_WATER] * 36  # underway, then moored 200 m on
    assert set(got[36:]) == {S.GEO_LAND}  # 5.5 km away and never seen moving there


def test_only_the_vessels_own_track_counts_and_row_order_is_kept() -> None:
    """Partition-safe: a vessel's labels do not depend on other vessels' rows (MMSI buckets
    give the same answer as the whole), and the rows come back in their input order."""
    mover = track(1, HOUSTON, 6.0, 6)
    moored = track(2, HOUSTON, 0.0, 6)  # same cells, never underway
    both = pl.concat([mover, moored]).sample(fraction=1.0, shuffle=True, seed=3)
    out = label_zones(both)
    assert out.select(S.MMSI, S.TS).equals(both.select(S.MMSI, S.TS))
    by_vessel = dict(
        out.group_by(S.MMSI).agg(pl.col(S.GEO_CLASS).cast(pl.String).unique()).iter_rows()
    )
    assert by_vessel == {1: [S.GEO_INLAND_WATER], 2: [S.GEO_LAND]}
    alone = label_zones(moored)
    assert alone[S.GEO_CLASS].cast(pl.String).unique().to_list() == [S.GEO_LAND]


def test_lazy_and_eager_agree() -> None:
    df = pl.concat([track(1, HOUSTON, 6.0, 6), track(2, KANSAS, 0.0, 3)])
    eager = label_zones(df)
    lazy = label_zones(df.lazy()).collect()
    assert lazy.equals(eager)
    assert lazy[S.GEO_CLASS].cast(pl.String).to_list()[:6] == [S.GEO_INLAND_WATER] * 6


def test_without_mmsi_or_ts_the_map_alone_decides() -> None:
    pts = track(1, HOUSTON, 6.0, 6).drop(S.MMSI)
    assert label_zones(pts).equals(label_zones(pts, underway=None))


def test_underway_water_needs_the_label_columns() -> None:
    with pytest.raises(Exception, match="geo_class"):
        underway_water(track(1, HOUSTON, 6.0, 3))


@pytest.mark.parametrize(
    "kw",
    [{"min_kn": 0.0}, {"min_kn": 5.0, "max_kn": 4.0}, {"max_gap_s": 0.0}, {"cell_deg": -1.0}],
    ids=["min-zero", "min-above-max", "gap-zero", "cell-negative"],
)
def test_config_is_validated(kw: dict[str, float]) -> None:
    with pytest.raises(ValueError, match="UnderwayConfig"):
        UnderwayConfig(**kw)


def test_null_positions_and_times_are_left_alone() -> None:
    df = track(1, HOUSTON, 6.0, 6)
    holes = df.with_columns(
        pl.when(pl.int_range(pl.len()) == 0).then(None).otherwise(pl.col(S.LAT)).alias(S.LAT)
    )
    out = label_zones(holes)
    assert out[S.GEO_CLASS][0] is None
    assert out[S.GEO_CLASS].cast(pl.String).to_list()[1:] == [S.GEO_INLAND_WATER] * 5


def test_eager_and_lazy_agree_on_shuffled_rows_with_holes() -> None:
    """The NumPy form (eager; sorts when the rows are not in vessel/time order) and the polars
    form (lazy) of the rule give the same labels, nulls and shuffled rows included."""
    df = pl.concat(
        [
            track(1, HOUSTON, 6.0, 8),
            track(2, HOUSTON, 0.0, 5),
            track(3, (HOUSTON[0] + 0.003, HOUSTON[1]), 0.0, 4, t0=T0 + timedelta(minutes=3)),
            track(1, (HOUSTON[0] + 0.004, HOUSTON[1]), 0.0, 4, t0=T0 + timedelta(minutes=9)),
            track(4, KANSAS, 45.0, 5),
        ]
    )
    holes = df.with_columns(
        pl.when(pl.int_range(pl.len()) == 3).then(None).otherwise(pl.col(S.TS)).alias(S.TS)
    ).sample(fraction=1.0, shuffle=True, seed=11)
    eager = label_zones(holes)
    assert eager.equals(label_zones(holes.lazy()).collect())
    got = dict(
        eager.group_by(S.MMSI).agg(pl.col(S.GEO_CLASS).cast(pl.String).unique().sort()).iter_rows()
    )
    # vessel 1's berth 0.4 km on is water; the hole (no time) stays as the map says
    assert got == {
        1: [S.GEO_INLAND_WATER, S.GEO_LAND],
        2: [S.GEO_LAND],
        3: [S.GEO_LAND],
        4: [S.GEO_LAND],
    }
    row_without_time = eager.filter(pl.col(S.TS).is_null())
    assert row_without_time[S.GEO_CLASS].cast(pl.String).to_list() == [S.GEO_LAND]


def test_millisecond_timestamps_give_the_same_answer() -> None:
    df = track(1, HOUSTON, 6.0, 6)
    ms = df.with_columns(pl.col(S.TS).dt.cast_time_unit("ms"))
    assert label_zones(ms)[S.GEO_CLASS].equals(label_zones(df)[S.GEO_CLASS])


def test_a_timestamp_that_is_not_a_datetime_is_refused() -> None:
    df = track(1, HOUSTON, 6.0, 3).with_columns(pl.col(S.TS).cast(pl.String))
    with pytest.raises(SchemaError, match="Datetime"):
        label_zones(df)
    assert set(classes(df, underway=None)) == {S.GEO_LAND}


def test_packed_cell_keys_match_the_three_key_join() -> None:
    """The berth rule's packed (vessel, cell row, cell column) keys give the same rows as the
    polars three-key join it falls back to, including cells at the poles and the antimeridian."""
    import numpy as np

    import vessels.zones._underway as U

    rng = np.random.default_rng(7)
    n = 20_000
    mmsi = np.sort(rng.choice(np.array([1, 2, 2**32 - 1, 366_000_001], dtype=np.uint32), n))
    ts = np.zeros(n, dtype=np.int64)
    for m in np.unique(mmsi):
        sel = mmsi == m
        ts[sel] = np.cumsum(rng.integers(1, 200, sel.sum())) * 1_000_000
    # short random walks near a few corners of the grid, some fast enough to be "underway"
    base = rng.choice(np.array([[0.0, 0.0], [89.995, 179.995], [-89.995, -179.995]]), n)
    lat = np.clip(base[:, 0] + np.cumsum(rng.normal(0, 0.004, n)) % 0.3 - 0.15, -90, 90)
    lon = np.clip(base[:, 1] + np.cumsum(rng.normal(0, 0.004, n)) % 0.3 - 0.15, -180, 180)
    land = rng.random(n) < 0.7
    packed = U.underway_mask(mmsi, ts, lat, lon, land)
    original = U._pack_cells
    try:
        U._pack_cells = lambda *a: None  # type: ignore[assignment]
        joined = U.underway_mask(mmsi, ts, lat, lon, land)
    finally:
        U._pack_cells = original
    assert packed.any() and (packed != land).any()
    assert np.array_equal(packed, joined)


def test_packed_cell_keys_are_one_to_one_and_steps_do_not_carry() -> None:
    import numpy as np

    import vessels.zones._underway as U

    mmsi = np.array([0, 0, 1, 2**32 - 1, 2**32 - 1], dtype=np.uint32)
    cy = np.array([-9000.0, 9000.0, 0.0, -9000.0, 9000.0])
    cx = np.array([-18000.0, 18000.0, 0.0, 18000.0, -18000.0])
    keys = U._pack_cells(mmsi, cy, cx)
    assert keys is not None and (keys >= 0).all() and len(set(keys.tolist())) == 5
    for dy in (-1, 0, 1):
        for dx in (-1, 0, 1):
            step = U._pack_cells(mmsi, cy + dy, cx + dx)
            assert step is not None
            assert np.array_equal(step, keys + dy * U._CY_STEP + dx)
    assert U._pack_cells(mmsi, cy * 10, cx) is None  # out of range: the join decides
