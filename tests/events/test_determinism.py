"""detect_events is deterministic at scale: same input -> same table, whatever the row order.

Small inputs are processed in one piece, so they cannot show run-to-run differences. This input
(~330k positions, 1000 vessels) is large enough for polars to cut frames into several batches and
use all its threads, which is where results used to change from run to run (a sort of the
prepared positions with ties on duplicate reports; float sums and divisions whose last bits
depended on how the streaming engine batched the rows). It carries the things that made those
differences visible: duplicate reports of one instant with different SOG, long slow runs offshore,
fishing zig-zags of foreign vessels inside an EEZ, pairs drifting side by side, dark periods and
a renamed vessel.
"""

from __future__ import annotations

from datetime import UTC, datetime

import numpy as np
import polars as pl
import pytest

from vessels import schema as S
from vessels._geo import MPS_PER_KN, haversine_m
from vessels.events import detect_events

T0_US = int(datetime(2024, 3, 1, tzinfo=UTC).timestamp() * 1e6)


def many_vessels(n_vessels: int = 1000, per_vessel: int = 300, seed: int = 5) -> pl.DataFrame:
    """A day of labelled positions (segment, kinematics, zone labels) for ``n_vessels`` vessels.

    Vectorised numpy: transit (10 kn), fishing zig-zags (3 kn) and drifting (0.5 kn) vessels;
    every other drifter shadows the previous one 220 m away; 15 % go dark for 3-8 h; 5 % of the
    positions are reported twice (a second receiver: same instant and position, SOG + 0.4 kn,
    dt_s = 0) as real feeds do.
    """
    rng = np.random.default_rng(seed)
    v = np.repeat(np.arange(n_vessels), per_vessel)
    step = np.tile(np.arange(per_vessel), n_vessels)
    kind = rng.choice(3, n_vessels, p=[0.2, 0.4, 0.4])  # transit, fishing, drifting
    lat0 = rng.uniform(20.0, 22.0, n_vessels)
    lon0 = rng.uniform(-112.0, -110.0, n_vessels)
    shadow = np.flatnonzero((kind == 2) & (np.arange(n_vessels) % 2 == 1))
    kind[shadow - 1] = 2
    lat0[shadow] = lat0[shadow - 1] + 0.002
    lon0[shadow] = lon0[shadow - 1]
    speed = np.choose(kind, [10.0, 3.0, 0.5])
    interval_s = 86_400.0 / per_vessel
    t_s = step * interval_s + rng.uniform(0, interval_s * 0.3, v.size)
    zigzag = np.where((kind[v] == 1) & (step // 4 % 2 == 1), 90.0, 0.0)
    course = rng.uniform(0, 360, n_vessels)[v] + zigzag
    d_m = speed[v] * MPS_PER_KN * interval_s
    north = np.cumsum(d_m * np.cos(np.radians(course)))
    east = np.cumsum(d_m * np.sin(np.radians(course)))
    first = np.arange(n_vessels) * per_vessel
    north -= np.repeat(north[first], per_vessel)
    east -= np.repeat(east[first], per_vessel)
    lat = lat0[v] + north / 111_195.0 + rng.normal(0, 2e-5, v.size)
    lon = lon0[v] + east / (111_195.0 * np.cos(np.radians(lat0[v]))) + rng.normal(0, 2e-5, v.size)
    dark = rng.random(n_vessels) < 0.15
    dark_from = rng.uniform(2 * 3600, 12 * 3600, n_vessels)
    dark_to = dark_from + rng.uniform(3 * 3600, 8 * 3600, n_vessels)
    keep = ~(dark[v] & (t_s >= dark_from[v]) & (t_s < dark_to[v]))
    mmsi = np.where(kind > 0, 412_000_000, 345_000_000) + np.arange(n_vessels)
    frame = pl.DataFrame(
        {
            "_v": v,
            S.MMSI: mmsi[v].astype(np.uint32),
            S.TS: (T0_US + t_s * 1e6).astype(np.int64),
            S.LAT: lat,
            S.LON: lon,
            S.SOG_KN: np.maximum(speed[v] + rng.normal(0, 0.3, v.size), 0.0).astype(np.float32),
            S.COG_DEG: (course % 360).astype(np.float32),
            S.VESSEL_NAME: np.where((v == 7) & (step > per_vessel // 2), "NEW NAME", "OLD NAME"),
        }
    ).filter(pl.Series(keep))
    repeat = frame.filter(pl.Series(rng.random(frame.height) < 0.05)).with_columns(
        pl.col(S.SOG_KN) + 0.4
    )
    frame = pl.concat(
        [frame.with_columns(pl.lit(0).alias("_dup")), repeat.with_columns(pl.lit(1).alias("_dup"))]
    ).sort("_v", S.TS, "_dup")
    same = pl.col("_v") == pl.col("_v").shift()
    prev = {c: pl.when(same).then(pl.col(c).shift()) for c in (S.TS, S.LAT, S.LON)}
    fishing = pl.col(S.MMSI) >= 412_000_000
    return (
        frame.with_columns(pl.col(S.TS).cast(pl.Datetime("us")).dt.replace_time_zone("UTC"))
        .with_columns(
            (pl.col(S.TS) - prev[S.TS]).dt.total_seconds(fractional=True).alias(S.DT_S),
            haversine_m(prev[S.LAT], prev[S.LON], pl.col(S.LAT), pl.col(S.LON)).alias(S.DIST_M),
        )
        .with_columns(
            pl.when(pl.col(S.DT_S) > 0)
            .then(pl.col(S.DIST_M) / pl.col(S.DT_S) / MPS_PER_KN)
            .alias(S.IMPLIED_SPEED_KN),
            pl.col(S.MMSI).cast(pl.String).alias(S.SEGMENT_ID),
            pl.when(fishing).then(pl.lit(30, pl.UInt8)).alias(S.SHIP_TYPE),
            pl.when(fishing).then(pl.lit("CHN")).otherwise(pl.lit("MEX")).alias(S.FLAG),
            pl.lit("MEX").alias(S.EEZ_ISO3),
            (60.0 + (pl.col(S.LAT) - 20.0) * 50.0).alias(S.SHORE_KM),
            pl.when(pl.col(S.LON) > -110.6)
            .then(pl.lit(["aoi-upper-gulf"]))
            .otherwise(pl.lit([], dtype=pl.List(pl.String)))
            .alias(S.ZONE_IDS),
        )
        .drop("_v", "_dup")
    )


@pytest.fixture(scope="module")
def positions() -> pl.DataFrame:
    return many_vessels()


@pytest.fixture(scope="module")
def expected(positions: pl.DataFrame) -> pl.DataFrame:
    return detect_events(positions)


def _differences(expected: pl.DataFrame, got: pl.DataFrame) -> str:
    """Which event types and columns differ (for a readable failure)."""
    missing = expected.join(got, on=S.EVENT_ID, how="anti")
    extra = got.join(expected, on=S.EVENT_ID, how="anti")
    lines = [
        f"{expected.height} events expected, {got.height} got; "
        f"missing by type {sorted(missing[S.EVENT_TYPE].value_counts().rows())}, "
        f"extra by type {sorted(extra[S.EVENT_TYPE].value_counts().rows())}"
    ]
    both = expected.unnest(S.EVIDENCE).join(
        got.unnest(S.EVIDENCE), on=S.EVENT_ID, how="inner", suffix="_got"
    )
    for col in expected.unnest(S.EVIDENCE).columns:
        if col == S.EVENT_ID:
            continue
        a, b = both[col], both[f"{col}_got"]
        differ = ~(a.eq_missing(b))
        if differ.any():
            types = sorted(set(both.filter(differ)[S.EVENT_TYPE]))
            lines.append(f"{col}: {int(differ.sum())} events differ ({', '.join(types)})")
    return "\n".join(lines)


def test_input_is_large_and_rich(positions: pl.DataFrame, expected: pl.DataFrame) -> None:
    assert positions.height > 300_000
    key = [S.MMSI, S.TS, S.LAT, S.LON]
    assert positions.select(pl.struct(key).is_duplicated().sum()).item() > 10_000
    assert set(expected[S.EVENT_TYPE]) >= {
        "ais_gap",
        "zone_entry",
        "eez_incursion",
        "encounter",
        "loitering",
        "fishing",
        "dark_rendezvous",
        "identity_change",  # renames (identity_change owns them since issue 19)
    }


def test_same_input_same_events(positions: pl.DataFrame, expected: pl.DataFrame) -> None:
    for _ in range(3):
        got = detect_events(positions)
        assert got.equals(expected), _differences(expected, got)


def test_input_order_changes_no_event(positions: pl.DataFrame, expected: pl.DataFrame) -> None:
    shuffled = positions.sample(fraction=1.0, shuffle=True, seed=3)
    got = detect_events(shuffled)
    assert got.equals(expected), _differences(expected, got)
    k = positions.height // 3  # two "files", lazily, each in shuffled order
    got = detect_events([shuffled.slice(k).lazy(), shuffled.slice(0, k).lazy()])
    assert got.equals(expected), _differences(expected, got)
