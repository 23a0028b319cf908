"""Windowed fishing features (vessels.events._fishing_features) and the gear rules built on them."""

from __future__ import annotations

import math
from datetime import timedelta
from typing import Any

import numpy as np
import polars as pl
import pytest

from tests.events._helpers import T0, label, track, zigzag
from tests.factories import make_positions
from vessels import schema as S
from vessels.events._common import prepare
from vessels.events._fishing_features import feature_names, with_fishing_features
from vessels.events._fishing_model import (
    FISHING_BEHAVIOUR,
    FISHING_SCORE,
    FishingScoreConfig,
    with_fishing_score_v2,
)
from vessels.testing import staged


def path(
    mmsi: int,
    pts: list[tuple[float, float, float]],
    *,
    interval_s: float = 60.0,
    **static: Any,
) -> pl.DataFrame:
    """Positions from (east_m, north_m, sog_kn) offsets around 25 N 110 W, one per interval."""
    rows = []
    for i, (east, north, sog) in enumerate(pts):
        rows.append(
            {
                S.MMSI: mmsi,
                S.TS: T0 + timedelta(seconds=i * interval_s),
                S.LAT: 25.0 + north / 111_195.0,
                S.LON: -110.0 + east / (111_195.0 * math.cos(math.radians(25.0))),
                S.SOG_KN: sog,
                **static,
            }
        )
    return make_positions(rows)


def drifting(mmsi: int, hours: float, speed_kn: float, seed: int = 0, **kw: Any) -> pl.DataFrame:
    """A random walk with persistence at ``speed_kn`` (a drifting boat), one fix a minute."""
    rng = np.random.default_rng(seed)
    n = int(hours * 60)
    heading = np.cumsum(rng.normal(0, 20, n))
    step = speed_kn * 1852 / 60
    e = np.cumsum(step * np.sin(np.radians(heading)))
    no = np.cumsum(step * np.cos(np.radians(heading)))
    return path(mmsi, [(float(a), float(b), speed_kn) for a, b in zip(e, no, strict=True)], **kw)


def moored(
    mmsi: int, hours: float, noise_m: float = 10.0, seed: int = 0, **kw: Any
) -> pl.DataFrame:
    """A boat at a mooring: GPS noise only, SOG 0-0.1 kn, one fix every 3 minutes."""
    rng = np.random.default_rng(seed)
    n = int(hours * 20)
    pts = [
        (
            float(rng.normal(0, noise_m)),
            float(rng.normal(0, noise_m)),
            float(abs(rng.normal(0, 0.05))),
        )
        for _ in range(n)
    ]
    return path(mmsi, pts, interval_s=180.0, **kw)


def circle(mmsi: int, radius_m: float = 400.0, speed_kn: float = 10.0, **kw: Any) -> pl.DataFrame:
    """Steam 20 min straight, close a circle, then steam 20 min straight again."""
    step = speed_kn * 1852 / 60
    pts = [(-step * (20 - i), 0.0, speed_kn) for i in range(20)]
    n = max(int(2 * math.pi * radius_m / step), 6)
    for k in range(1, n + 1):
        a = 2 * math.pi * k / n
        pts.append((radius_m * math.sin(a), radius_m - radius_m * math.cos(a), speed_kn))
    pts += [(step * (i + 1), 0.0, speed_kn) for i in range(20)]
    return path(mmsi, pts, **kw)


def scored(df: pl.DataFrame, shore_km: float = 40.0, **kw: Any) -> pl.DataFrame:
    return with_fishing_score_v2(prepare(label(df, shore_km=shore_km), keep_all=True), **kw)


# ---------------------------------------------------------------- features


def test_feature_columns_are_added_in_order_and_rows_keep_their_order() -> None:
    p = prepare(track(n=30, interval_s=300, speed_kn=3.0))
    f = with_fishing_features(p, (0.5, 2.0))
    assert f.columns[: len(p.columns)] == p.columns
    assert f.columns[len(p.columns) :] == feature_names((0.5, 2.0))
    assert f[S.TS].to_list() == p[S.TS].to_list()


def test_windows_do_not_cross_segments() -> None:
    a = track(345000001, n=12, interval_s=300, speed_kn=3.0, segment_id="a")
    b = track(
        345000001,
        n=12,
        interval_s=300,
        speed_kn=12.0,
        segment_id="b",
        start=T0 + timedelta(hours=1),
    )
    f = with_fishing_features(prepare(pl.concat([a, b])), (2.0,))
    means = f.group_by(S.SEGMENT_ID).agg(
        pl.col("speed_mean_kn_2h").min().alias("lo"), pl.col("speed_mean_kn_2h").max().alias("hi")
    )
    got = {r[S.SEGMENT_ID]: (round(r["lo"], 6), round(r["hi"], 6)) for r in means.to_dicts()}
    assert got == {"a": (3.0, 3.0), "b": (12.0, 12.0)}


def test_centred_window_counts_both_sides() -> None:
    f = with_fishing_features(prepare(track(n=13, interval_s=600, speed_kn=3.0)), (2.0,))
    # +-1 h inclusive at 10-min fixes: 13 positions in the middle, 7 at either end
    assert f["n_2h"].to_list()[6] == 13
    assert f["n_2h"].to_list()[0] == 7 and f["n_2h"].to_list()[-1] == 7


def test_speed_mean_and_std() -> None:
    pts = [(i * 100.0, 0.0, 2.0 if i % 2 else 4.0) for i in range(40)]
    f = with_fishing_features(prepare(label(path(345000002, pts))), (0.5,))
    mid = f.row(20, named=True)
    assert mid["speed_mean_kn_0.5h"] == pytest.approx(3.0, abs=0.05)
    assert mid["speed_std_kn_0.5h"] == pytest.approx(1.0, abs=0.05)


def test_straightness_is_one_on_a_line_and_low_on_a_zigzag() -> None:
    line = with_fishing_features(prepare(track(n=30, interval_s=300, speed_kn=3.0)), (2.0,))
    assert line["straightness_2h"][15] == pytest.approx(1.0)
    zz = with_fishing_features(prepare(label(zigzag(345000003, n=30, leg=2))), (2.0,))
    assert zz["straightness_2h"][15] < 0.8


def test_net_turning_sees_a_circle_and_not_cog_jitter() -> None:
    f = with_fishing_features(prepare(label(circle(345000004))), (0.5,))
    assert f["turn_net_deg_0.5h"].max() > 320
    rng = np.random.default_rng(1)
    jitter = track(n=60, interval_s=30, speed_kn=10.0).with_columns(
        (pl.lit(90.0) + pl.Series(rng.normal(0, 3, 60))).cast(pl.Float32).alias(S.COG_DEG)
    )
    g = with_fishing_features(prepare(jitter), (0.5,))
    assert g["turn_net_deg_0.5h"].max() < 60


def test_drift_box_tells_drifting_from_moored() -> None:
    d = with_fishing_features(prepare(label(drifting(345000005, 3, 0.4))), (2.0,))
    m = with_fishing_features(prepare(label(moored(345000006, 3))), (2.0,))
    assert d["drift_m_2h"].median() > 500  # type: ignore[operator]
    assert m["drift_m_2h"].max() < 100  # type: ignore[operator]


def test_features_do_not_depend_on_input_row_order() -> None:
    df = pl.concat([label(drifting(345000007, 2, 0.4)), track(345000008, n=40, speed_kn=3.0)])
    a = with_fishing_features(prepare(df), (0.5, 2.0))
    b = with_fishing_features(prepare(df.sample(fraction=1.0, shuffle=True, seed=3)), (0.5, 2.0))
    assert a.equals(b)


def test_empty_frame_and_one_row() -> None:
    assert with_fishing_features(prepare(staged(S.empty_positions())), (1.0,)).height == 0
    one = with_fishing_features(prepare(track(n=1)), (1.0,))
    assert one["n_1h"].to_list() == [1]


def test_needs_a_window() -> None:
    with pytest.raises(ValueError, match="at least one window"):
        with_fishing_features(prepare(track(n=3)), ())


# ---------------------------------------------------------------- gear rules
GEAR_CASES = [
    # (id, frame factory, shore_km, expected fishing, expected behaviour or None)
    ("trawler-zigzag-3kn", lambda: zigzag(345000010, n=48, ship_type=30), 40.0, True, "trawl"),
    (
        "drifting-gillnet-panga",
        lambda: drifting(345000011, 4, 0.4, ship_type=30),
        25.0,
        True,
        "soak",
    ),
    ("purse-seine-circle", lambda: circle(345000012, ship_type=30), 100.0, True, "seine_set"),
    ("moored-panga-off-the-beach", lambda: moored(345000013, 30, ship_type=30), 4.0, False, None),
    (
        "fishing-vessel-steaming-9kn",
        lambda: track(345000014, n=60, speed_kn=9.0, ship_type=30),
        40.0,
        False,
        None,
    ),
    ("cargo-at-trawl-speed", lambda: zigzag(345000015, n=48, ship_type=70), 40.0, False, None),
    (
        "tanker-drifting-offshore",
        lambda: drifting(345000016, 4, 0.4, ship_type=80),
        60.0,
        False,
        None,
    ),
    ("unknown-type-in-harbour-3kn", lambda: zigzag(345000017, n=48), 0.3, False, None),
    (
        "unknown-type-straight-3kn",
        lambda: track(345000018, n=48, interval_s=300, speed_kn=3.0),
        40.0,
        False,
        None,
    ),
]


@pytest.mark.parametrize(
    ("make", "shore_km", "fishing", "behaviour"),
    [pytest.param(*c[1:], id=c[0]) for c in GEAR_CASES],
)
def test_gear_rules(make: Any, shore_km: float, fishing: bool, behaviour: str | None) -> None:
    s = scored(make(), shore_km=shore_km)
    called = s.filter(pl.col(FISHING_SCORE) >= 0.5)
    if fishing:
        assert called.height >= s.height * 0.3, s.select(FISHING_SCORE).describe()
        assert called[FISHING_BEHAVIOUR].mode().to_list() == [behaviour]
    else:
        assert called.height == 0, called.select(FISHING_SCORE, FISHING_BEHAVIOUR)


def test_self_reported_moored_or_port_flag_is_not_a_soak() -> None:
    d = drifting(345000020, 4, 0.4, ship_type=30)
    assert scored(d, shore_km=25.0)[FISHING_SCORE].max() >= 0.5  # type: ignore[operator]
    moored_status = d.with_columns(pl.lit(5, pl.UInt8).alias(S.NAV_STATUS))
    assert scored(moored_status, shore_km=25.0)[FISHING_SCORE].max() < 0.5  # type: ignore[operator]
    in_port = prepare(label(d, shore_km=25.0)).with_columns(pl.lit(True).alias("in_port"))
    assert with_fishing_score_v2(in_port)[FISHING_SCORE].max() < 0.5  # type: ignore[operator]


def test_vms_mode_scores_slow_moving_fixes_at_sea_only() -> None:
    # hourly fixes: slow and moving (a soak or tow), then moored (no movement), then steaming
    slow = [(i * 1500.0, 0.0, 1.5) for i in range(6)]
    still = [(slow[-1][0] + (i % 2) * 20.0, 0.0, 0.0) for i in range(6)]
    fast = [(still[-1][0] + (i + 1) * 18_000.0, 0.0, 10.0) for i in range(6)]
    s = scored(path(345000021, slow + still + fast, interval_s=3600.0, ship_type=30))
    assert set(s[FISHING_BEHAVIOUR].drop_nulls()) == {"vms_slow"}
    called = (s[FISHING_SCORE] >= 0.5).to_list()
    assert called[1:6] == [True] * 5
    assert not any(called[7:])


def test_vms_mode_is_not_used_for_dense_ais() -> None:
    s = scored(zigzag(345000022, n=48, ship_type=30))
    assert "vms_slow" not in set(s[FISHING_BEHAVIOUR].drop_nulls())


def test_config_corners_move_the_rules() -> None:
    z = zigzag(345000023, n=48, ship_type=30)
    strict = FishingScoreConfig(
        trawl_speed_kn=(4.0, 5.0, 6.0, 7.0), haul_speed_kn=(4.0, 5.0, 6.0, 7.0)
    )
    assert scored(z)[FISHING_SCORE].max() >= 0.5  # type: ignore[operator]
    assert scored(z, cfg=strict)[FISHING_SCORE].max() < 0.5  # type: ignore[operator]


@pytest.mark.parametrize("berth_min_h", [0.5, 2.0, 6.0])
def test_packed_berth_cells_group_like_three_keys(berth_min_h: float) -> None:
    """The one-Int64 cell key of at_berth_expr makes the same groups as (segment, row, column),
    at the corners of the coordinate range too (negative cells, the antimeridian, the poles)."""
    from vessels.events._common import SEG
    from vessels.events._fishing_model import _packable, at_berth_expr

    rng = np.random.default_rng(4)
    n = 20_000
    lat = rng.choice([-90.0, -45.01, -0.005, 0.0, 0.019, 33.3, 90.0], n) + rng.uniform(0, 0.03, n)
    lon = rng.choice([-180.0, -0.01, 0.0, 12.5, 179.97], n) + rng.uniform(0, 0.03, n)
    df = pl.DataFrame(
        {
            SEG: np.sort(rng.integers(0, 200, n)).astype(np.uint32),
            S.LAT: np.clip(lat, -90.0, 90.0),
            S.LON: np.clip(lon, -180.0, 180.0),
            S.DT_S: rng.uniform(0.0, 5000.0, n),
            "speed": rng.uniform(0.0, 1.5, n),
            S.SHORE_KM: rng.uniform(0.0, 30.0, n),
        }
    )
    cfg = FishingScoreConfig(berth_min_h=berth_min_h)
    assert _packable(df, cfg)
    three = df.select(at_berth_expr(cfg, pl.col("speed"))).to_series()
    packed = df.select(at_berth_expr(cfg, pl.col("speed"), packed_key=True)).to_series()
    assert 0 < three.sum() < n
    assert packed.equals(three)
    assert not _packable(df.with_columns(pl.col(S.LON) + 1.0), cfg)  # 181 deg: three keys


def test_packed_berth_cell_key_is_one_to_one_over_the_whole_globe() -> None:
    """Every (segment, cell row, cell column) of valid coordinates gets its own packed key: all
    columns on the extreme rows and all rows on the extreme columns, at the extreme segments."""
    from vessels.events._common import SEG
    from vessels.events._fishing_model import _berth_cell

    size = FishingScoreConfig().berth_cell_deg
    rows = np.arange(-4500, 4500)
    cols = np.arange(-9000, 9000)
    edge_rows = np.array([-4500, -4499, -1, 0, 1, 4498, 4499])
    edge_cols = np.array([-9000, -8999, -1, 0, 1, 8998, 8999])
    r = np.concatenate([np.repeat(edge_rows, cols.size), np.tile(rows, edge_cols.size)])
    c = np.concatenate([np.tile(cols, edge_rows.size), np.repeat(edge_cols, rows.size)])
    grid = pl.DataFrame({S.LAT: (r + 0.5) * size, S.LON: (c + 0.5) * size})
    df = pl.concat(
        [grid.with_columns(pl.lit(s, pl.UInt32).alias(SEG)) for s in (0, 1, 2**32 - 1)]
    ).with_columns(pl.col(S.LAT).clip(-90.0, 90.0))
    three = _berth_cell(size, packed_key=False)
    assert isinstance(three, list)
    keys = df.select(*three, _berth_cell(size, packed_key=True).alias("key"))
    n_cells = keys.drop("key").n_unique()
    assert n_cells == df.height // 3 * 3 - 3 * 49  # the 7 x 7 corner cells appear twice
    assert keys["key"].n_unique() == n_cells
