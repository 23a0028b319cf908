"""Encounters against a naive O(n^2) reference (issue 16): the cell-indexed neighbour search and the
run rule find exactly what checking every pair of vessels at every grid instant finds.

A small fleet drifts slowly (0.8 kn, offshore, never still, so no port, anchorage, speed or shore
condition applies) in a box a few cells wide: some vessels travel in pairs 100-450 m apart, some
cross, the rest wander. The reference joins every grid point with every other of the same instant
(no cells), keeps those within the radius, and forms runs of consecutive instants per pair of
segments exactly as the definition says (GFW, Miller et al. 2018: at least ``min_duration_h``).
"""

from __future__ import annotations

import math
from datetime import UTC, datetime, timedelta

import numpy as np
import polars as pl
import pytest

from vessels import schema as S
from vessels._geo import haversine_m
from vessels.events._common import prepare, sort_events
from vessels.events.encounter import EncounterConfig, _grid, detect_encounters, encounter_pairs
from vessels.testing import make_positions, make_track, staged

T0 = datetime(2024, 3, 1, tzinfo=UTC)
STEP_S = 600  # on the 10-min grid: resampling is the identity, the test is about the search
HOURS = 9
M_PER_DEG = 111_195.0


def _fleet(seed: int, lat0: float, lon0: float) -> pl.DataFrame:
    rng = np.random.default_rng(seed)
    n = HOURS * 3600 // STEP_S + 1
    step_m = 0.8 * 1852.0 / 3600.0 * STEP_S
    rows = []

    def track(mmsi: int, lat: np.ndarray, lon: np.ndarray) -> None:
        for i in range(n):
            rows.append(
                {
                    S.MMSI: mmsi,
                    S.TS: T0 + timedelta(seconds=i * STEP_S),
                    S.LAT: float(lat[i]),
                    S.LON: float(lon[i]),
                    S.SOG_KN: 0.8,
                }
            )

    def wander(start_lat: float, start_lon: float) -> tuple[np.ndarray, np.ndarray]:
        heading = np.cumsum(rng.normal(0.0, 0.5, n)) + rng.uniform(0, 2 * math.pi)
        dy = np.concatenate([[0.0], np.cos(heading[1:]) * step_m / M_PER_DEG])
        dx = np.concatenate(
            [[0.0], np.sin(heading[1:]) * step_m / (M_PER_DEG * math.cos(math.radians(lat0)))]
        )
        return start_lat + np.cumsum(dy), start_lon + np.cumsum(dx)

    mmsi = 200_000_001
    for _ in range(14):  # wanderers in a ~8 km box
        lat, lon = wander(lat0 + rng.uniform(0, 0.07), lon0 + rng.uniform(0, 0.08))
        track(mmsi, lat, lon)
        mmsi += 1
    for _ in range(6):  # pairs travelling together, some of them only for part of the time
        lat, lon = wander(lat0 + rng.uniform(0, 0.07), lon0 + rng.uniform(0, 0.08))
        track(mmsi, lat, lon)
        sep_m = rng.uniform(100.0, 450.0)
        bearing = rng.uniform(0, 2 * math.pi)
        drift = np.where(np.arange(n) > rng.integers(10, n), 40.0, 0.0).cumsum()  # drift apart
        off_y = (sep_m + drift) * math.cos(bearing) / M_PER_DEG
        off_x = (sep_m + drift) * math.sin(bearing) / (M_PER_DEG * math.cos(math.radians(lat0)))
        track(mmsi + 1, lat + off_y, lon + off_x)
        mmsi += 2
    return staged(make_positions(rows), shore_km=80.0)


def _config() -> EncounterConfig:
    return EncounterConfig(short_enabled=False)


def _naive_close(p: pl.DataFrame, cfg: EncounterConfig) -> pl.DataFrame:
    """Every pair of grid points of one instant and two MMSIs within the radius: O(n^2)."""
    g = _grid(p, cfg).select("_k", "_sid", S.MMSI, S.LAT, S.LON)
    other = g.rename({"_sid": "_sid_r", S.MMSI: "_mmsi_r", S.LAT: "_lat_r", S.LON: "_lon_r"})
    return (
        g.join(other, on="_k", how="inner")
        .filter(pl.col(S.MMSI) < pl.col("_mmsi_r"))
        .filter(haversine_m(S.LAT, S.LON, "_lat_r", "_lon_r") <= cfg.max_dist_m)
        .select("_k", "_sid", "_sid_r", S.MMSI, "_mmsi_r")
    )


def _naive_pairs(close: pl.DataFrame, cfg: EncounterConfig) -> set[tuple[int, int]]:
    """MMSI pairs with a run of consecutive close instants lasting ``min_duration_h``."""
    step_h = cfg.grid_min / 60.0
    out: set[tuple[int, int]] = set()
    for (_, _, a, b), part in close.group_by("_sid", "_sid_r", S.MMSI, "_mmsi_r"):
        ks = sorted(part["_k"].to_list())
        start = prev = ks[0]
        for k in [*ks[1:], None]:
            if k is not None and k == prev + 1:
                prev = k
                continue
            if (prev - start) * step_h >= cfg.min_duration_h - 1e-9:
                out.add((int(a), int(b)))
            if k is not None:
                start = prev = k
    return out


@pytest.mark.parametrize(
    ("seed", "lat0", "lon0"),
    [
        pytest.param(1, 25.0, -110.0, id="gulf"),
        pytest.param(2, 59.9, 4.0, id="high-latitude"),
        pytest.param(3, -0.03, 179.95, id="equator-antimeridian"),
    ],
)
def test_encounters_equal_a_naive_pairwise_reference(seed: int, lat0: float, lon0: float) -> None:
    tracks = _fleet(seed, lat0, lon0)
    cfg = _config()
    p = prepare(tracks)
    naive = _naive_close(p, cfg)
    found = encounter_pairs(p, cfg, cfg.max_dist_m)
    # the same (instant, segment pair) close points, whatever the cells
    key = ["_k", "_sid", "_sid_r"]
    assert sorted(found.select(key).rows()) == sorted(naive.select(key).rows())
    assert naive.height > 100  # the fleet does meet
    want = _naive_pairs(naive, cfg)
    events = detect_encounters(tracks, cfg)
    got = set(events.select(S.MMSI, S.OTHER_MMSI).rows())
    assert got == want
    assert want  # some pairs meet long enough, and some close pairs do not
    assert {(int(a), int(b)) for a, b in naive.select(S.MMSI, "_mmsi_r").unique().rows()} - want


@pytest.mark.parametrize(
    ("seed", "lat0", "lon0", "cfg"),
    [
        pytest.param(1, 25.0, -110.0, EncounterConfig(), id="gulf-both-profiles"),
        pytest.param(2, 59.9, 4.0, EncounterConfig(), id="high-latitude-both-profiles"),
        pytest.param(3, -0.03, 179.95, EncounterConfig(), id="antimeridian-both-profiles"),
        pytest.param(4, 25.0, -110.0, _config(), id="gfw-only-stride-13"),
        pytest.param(
            5, 25.0, -110.0, EncounterConfig(grid_min=7.77, short_min_duration_h=0.4), id="odd-grid"
        ),
        pytest.param(
            6, 25.0, -110.0, EncounterConfig(short_min_duration_h=0.0), id="stride-1-unchanged"
        ),
    ],
)
def test_strided_search_finds_the_same_encounters(
    seed: int, lat0: float, lon0: float, cfg: EncounterConfig, monkeypatch: pytest.MonkeyPatch
) -> None:
    """detect_encounters searches neighbours only at every ``_stride``-th instant, keeps the
    segment pairs also close at an instant next to one found, then pairs all instants of those:
    the events equal those of the full search, and the strided pair instants are the full ones
    of exactly the segment pairs close at a multiple of the stride and at the instant before or
    after it (every run long enough for a profile holds two such instants)."""
    import vessels.events.encounter as E

    tracks = _fleet(seed, lat0, lon0)
    p = prepare(tracks)
    stride = E._stride(cfg)
    full = encounter_pairs(p, cfg, 500.0)
    strided = encounter_pairs(p, cfg, 500.0, stride=stride)
    at = full.filter(pl.col("_k") % stride == 0).select("_k", "_sid", "_sid_r")
    beside = pl.concat([at.with_columns(pl.col("_k") + d) for d in (-1, 1)])
    hit = full.join(beside, on=["_k", "_sid", "_sid_r"], how="semi").select("_sid", "_sid_r")
    if stride == 1:
        hit = at.select("_sid", "_sid_r")
    want = full.join(hit.unique(), on=["_sid", "_sid_r"], how="semi")
    # some pairs close at a multiple of the stride are left out by the instants next to it
    key = ["_k", "_sid", "_sid_r"]
    assert strided.sort(key).equals(want.select(strided.columns).sort(key))
    assert full.height > want.height or stride == 1  # the stride leaves some pairs out
    fast = sort_events(detect_encounters(tracks, cfg))  # (as detect_events orders them)
    monkeypatch.setattr(E, "_stride", lambda cfg: 1)
    slow = sort_events(detect_encounters(tracks, cfg))
    assert fast.equals(slow)
    assert slow.height > 0


def test_strided_search_leaves_out_a_vessel_passing_at_one_instant() -> None:
    """A transit passing a moored vessel is within 500 m at one grid instant, a multiple of the
    stride: the strided search finds it there, but not at the instants next to it, so its
    segment pair is not paired at every instant; the drifting pair beside them is."""
    cfg = EncounterConfig()
    stride = 4
    assert (int(T0.timestamp()) // STEP_S) % stride == 0
    moored = make_track(1, start=T0, n=181, interval_s=60, speed_kn=0.0)
    drifting = make_track(2, start=T0, n=181, interval_s=60, speed_kn=0.0, lat=25.0018)
    # 12 kn east along 111 m north of vessel 1, abeam of it at T0 + 80 min (instant 8)
    east_m_per_min = 12.0 * 1852.0 / 60.0
    lon0 = -110.0 - 80 * east_m_per_min / (111_195.0 * math.cos(math.radians(25.001)))
    passing = make_track(3, start=T0, n=181, interval_s=60, speed_kn=12.0, lat=25.001, lon=lon0)
    p = prepare(staged(pl.concat([moored, drifting, passing]), shore_km=80.0))
    full = encounter_pairs(p, cfg, 500.0)
    pair = [S.MMSI, "_mmsi_r"]
    k0 = int(T0.timestamp()) // STEP_S
    passed = full.filter((pl.col(S.MMSI) == 1) & (pl.col("_mmsi_r") == 3))
    assert passed["_k"].to_list() == [k0 + 8]  # found at one instant, a multiple of 4
    strided = encounter_pairs(p, cfg, 500.0, stride=stride)
    assert set(strided.select(pair).unique().rows()) == {(1, 2)}
    assert (
        strided.filter(pl.col("_mmsi_r") == 2).height
        == full.filter((pl.col(S.MMSI) == 1) & (pl.col("_mmsi_r") == 2)).height
    )


@pytest.mark.parametrize("rows", [1, 7, 50])
def test_grid_owners_computed_in_slices_of_segments_equal_one_piece(
    rows: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The grid's owners are computed over slices of whole segments: the same owners (and
    encounters) as in one piece, whatever the slice size."""
    import vessels.events.encounter as E

    tracks = _fleet(1, 25.0, -110.0)
    p = prepare(tracks)
    cfg = EncounterConfig()
    whole = E._Grid(p, cfg).owners
    want = sort_events(detect_encounters(tracks, cfg))
    monkeypatch.setattr(E, "OWNER_SLICE_ROWS", rows)
    assert len(E._segment_slices(p["_seg"], rows)) > 3
    sliced = E._Grid(p, cfg).owners
    assert sliced.n_chunks() > 1 and sliced.rechunk().equals(whole)
    # the owners of the strided search, filtered slice by slice: those of a multiple of 4
    strided = E._Grid(p, cfg, 4).strided
    want_strided = whole.filter(pl.col("_khi") // 4 * 4 >= pl.col("_klo"))
    assert 0 < strided.height < whole.height and strided.equals(want_strided)
    # a strided grid holds no other owners: those of a few segments come from their own rows
    grid = E._Grid(p, cfg, 4)
    some = whole["_sid"].unique().sort().gather_every(3)
    assert 0 < some.len() < whole["_sid"].n_unique()
    assert grid.owners_of(some).equals(whole.filter(pl.col("_sid").is_in(some.implode())))
    assert grid.owners.rechunk().equals(whole)
    assert sort_events(detect_encounters(tracks, cfg)).equals(want)
    assert want.height > 0
