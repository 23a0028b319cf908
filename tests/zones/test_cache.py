"""The on-disk array cache (vessels/zones/_cache.py) and the regional shoreline trees
(vessels/zones/_shoretree.py): cached and regional results equal freshly built ones, and a
corrupted, truncated, stale or unwritable cache is rebuilt or bypassed, never trusted."""

from __future__ import annotations

import os
from functools import lru_cache
from pathlib import Path

import numpy as np
import polars as pl
import pytest
from scipy.spatial import cKDTree

from vessels._geo import EARTH_RADIUS_M
from vessels.zones import ZoneIndex, default_zones, label_zones
from vessels.zones import _cache as C
from vessels.zones import _world as W
from vessels.zones._shoretree import ShoreTrees, shore_cell_expr, shore_cells


@pytest.fixture
def cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    d = tmp_path / "cache"
    monkeypatch.setenv(C.CACHE_ENV, str(d))
    return d


def _builder(calls: list[int], n: int = 1000):
    def build() -> dict[str, np.ndarray]:
        calls.append(1)
        return {"a": np.arange(n, dtype=np.float64) * 0.5, "b": np.ones((3, 4), dtype=np.uint8)}

    return build


def _same(x: dict[str, np.ndarray], y: dict[str, np.ndarray]) -> bool:
    return x.keys() == y.keys() and all(
        np.array_equal(x[k], y[k]) and x[k].dtype == y[k].dtype for k in x
    )


def test_second_call_reads_the_entry(cache: Path) -> None:
    calls: list[int] = []
    first = C.cached_arrays("t", ["v1"], _builder(calls))
    second = C.cached_arrays("t", ["v1"], _builder(calls))
    assert calls == [1]
    assert _same(first, second)
    assert len(list(cache.glob("t-*.npz"))) == 1


def test_changed_input_gives_a_new_entry(cache: Path, tmp_path: Path) -> None:
    src = tmp_path / "input.bin"
    src.write_bytes(b"one")
    calls: list[int] = []
    C.cached_arrays("t", [src], _builder(calls))
    src.write_bytes(b"two")  # same size, other content: the key hashes content, not metadata
    C.cached_arrays("t", [src], _builder(calls))
    C.cached_arrays("t", [src], _builder(calls))
    assert calls == [1, 1]


@pytest.mark.parametrize("damage", ["flip_data_byte", "truncate", "garbage", "empty"])
def test_damaged_entry_is_rebuilt(cache: Path, damage: str) -> None:
    calls: list[int] = []
    good = C.cached_arrays("t", ["v"], _builder(calls, n=50_000))
    (path,) = cache.glob("t-*.npz")
    raw = bytearray(path.read_bytes())
    if damage == "flip_data_byte":
        raw[len(raw) // 2] ^= 0xFF  # inside array "a"'s data
    elif damage == "truncate":
        raw = raw[: len(raw) // 3]
    elif damage == "garbage":
        raw = bytearray(os.urandom(len(raw)))
    else:
        raw = bytearray()
    path.write_bytes(bytes(raw))
    again = C.cached_arrays("t", ["v"], _builder(calls, n=50_000))
    assert calls == [1, 1]
    assert _same(good, again)
    # and the rebuilt entry was written back intact
    assert _same(good, C.cached_arrays("t", ["v"], _builder(calls, n=50_000)))
    assert calls == [1, 1]


def test_entry_of_another_key_under_this_name_is_not_read(cache: Path) -> None:
    calls: list[int] = []
    C.cached_arrays("t", ["v1"], _builder(calls))
    (path,) = cache.glob("t-*.npz")
    # an entry copied under the key of other inputs: its stored key does not match
    other = cache / f"t-{C.content_key('t', ['v2'])}.npz"
    other.write_bytes(path.read_bytes())
    C.cached_arrays("t", ["v2"], _builder(calls))
    assert calls == [1, 1]


def test_unwritable_cache_dir_still_returns_the_arrays(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("not a directory")
    monkeypatch.setenv(C.CACHE_ENV, str(blocker / "cache"))
    calls: list[int] = []
    out = C.cached_arrays("t", ["v"], _builder(calls))
    assert calls == [1] and out["b"].shape == (3, 4)


@pytest.mark.parametrize("value", ["off", "0", ""])
def test_cache_can_be_disabled(monkeypatch: pytest.MonkeyPatch, value: str) -> None:
    monkeypatch.setenv(C.CACHE_ENV, value)
    assert C.cache_dir() is None
    calls: list[int] = []
    C.cached_arrays("t", ["v"], _builder(calls))
    C.cached_arrays("t", ["v"], _builder(calls))
    assert calls == [1, 1]


def test_old_entries_are_pruned(cache: Path) -> None:
    calls: list[int] = []
    for i in range(C.KEEP + 3):
        C.cached_arrays("t", [f"v{i}"], _builder(calls))
    assert len(list(cache.glob("t-*.npz"))) == C.KEEP


def test_zone_index_from_cache_labels_like_a_fresh_build(
    cache: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    rng = np.random.default_rng(3)
    # points around the default layers (Gulf of California, Yucatán, the Pacific EEZ edge)
    lat = np.concatenate([rng.uniform(14, 33, 3000), [np.nan, 21.3, 31.2]])
    lon = np.concatenate([rng.uniform(-118, -86, 3000), [0.0, -89.6, -114.5]])
    frame = pl.DataFrame({"lat": lat, "lon": lon})
    zones = default_zones()
    monkeypatch.setenv(C.CACHE_ENV, "off")
    fresh = label_zones(frame, ZoneIndex(zones))
    monkeypatch.setenv(C.CACHE_ENV, str(cache))
    cold = label_zones(frame, ZoneIndex(zones))  # builds and writes the entry
    assert list(cache.glob("zoneindex-*.npz"))
    warm = label_zones(frame, ZoneIndex(zones))  # reads it
    assert fresh.equals(cold) and fresh.equals(warm)
    assert fresh["eez_iso3"].null_count() < fresh.height  # the test exercises real zones


@lru_cache(maxsize=1)
def _world_tree() -> cKDTree:
    v = W._arrays()["verts"]
    return cKDTree(W._unit_xyz_world(v[:, 1], v[:, 0]))  # built here, not by the code under test


def _full_distances(lat: np.ndarray, lon: np.ndarray, ub: float) -> np.ndarray:
    d, _ = _world_tree().query(W._unit_xyz_world(lat, lon), distance_upper_bound=ub)
    return d


@pytest.mark.parametrize(
    ("lat0", "lon0", "spread"),
    [
        (21.0, -90.0, 1.0),  # Yucatán
        (66.0, -170.0, 3.0),  # Bering Strait, across the antimeridian
        (-60.0, 179.5, 2.0),  # open Southern Ocean at the antimeridian (no shore in reach)
        (78.0, 15.0, 2.0),  # Svalbard: wide longitude reach
        (89.5, 0.0, 0.4),  # the pole
    ],
)
@pytest.mark.parametrize("bound_km", [5.0, 20.0, 400.0])
def test_regional_tree_answers_like_the_world_tree(
    lat0: float, lon0: float, spread: float, bound_km: float
) -> None:
    a = W._arrays()
    rng = np.random.default_rng(7)
    lat = np.clip(lat0 + rng.normal(0, spread, 2000), -90, 90)
    lon = lon0 + rng.normal(0, spread, 2000)
    ub = 2.0 * np.sin(bound_km * 1000.0 / EARTH_RADIUS_M / 2.0)
    regional = ShoreTrees(a["verts"], a["cell_start"], W._unit_xyz_world).for_points(
        lat, lon, bound_km
    )
    assert regional.n < len(a["verts"]) // 2  # really regional
    d, _ = regional.query(W._unit_xyz_world(lat, lon), distance_upper_bound=ub)
    np.testing.assert_array_equal(d, _full_distances(lat, lon, ub))


def test_regional_tree_grows_for_a_new_region() -> None:
    a = W._arrays()
    trees = ShoreTrees(a["verts"], a["cell_start"], W._unit_xyz_world)
    t1 = trees.for_points(np.array([21.0]), np.array([-90.0]), 20.0)
    assert trees.for_points(np.array([21.2]), np.array([-89.8]), 20.0) is t1  # covered
    t2 = trees.for_points(np.array([40.6]), np.array([-74.0]), 20.0)  # New York: widened
    assert t2 is not t1 and t2.n > t1.n
    lat, lon = np.array([21.0, 40.6]), np.array([-90.0, -74.0])
    ub = 2.0 * np.sin(20_000.0 / EARTH_RADIUS_M / 2.0)
    d, _ = t2.query(W._unit_xyz_world(lat, lon), distance_upper_bound=ub)
    np.testing.assert_array_equal(d, _full_distances(lat, lon, ub))


def test_tree_prepared_for_all_points_serves_every_batch(monkeypatch: pytest.MonkeyPatch) -> None:
    # vessels score labels batch by batch: prepared once for all positions, the tree is not
    # rebuilt for a batch, and the distances equal those of the world tree
    a = W._arrays()
    trees = ShoreTrees(a["verts"], a["cell_start"], W._unit_xyz_world)
    monkeypatch.setattr(W, "_trees", lambda: trees)
    rng = np.random.default_rng(3)
    lat = np.concatenate([21.0 + rng.normal(0, 0.3, 500), 40.5 + rng.normal(0, 0.3, 500)])
    lon = np.concatenate([-90.0 + rng.normal(0, 0.3, 500), -73.9 + rng.normal(0, 0.3, 500)])
    expected = W.world_shore_km(lat, lon)  # one call, tree for these points
    trees._regional = None
    trees._covered[:] = False
    W.prepare_shore_km(lat, lon)
    prepared = trees._regional
    assert prepared is not None and prepared.n < len(a["verts"]) // 2
    batches = [W.world_shore_km(lat[:500], lon[:500]), W.world_shore_km(lat[500:], lon[500:])]
    assert trees._regional is prepared  # no rebuild for either batch
    np.testing.assert_array_equal(np.concatenate(batches), expected)
    near = np.abs(expected) < 10.0  # measured exactly: the world tree's distances
    assert near.any()
    ub = 2.0 * np.sin(20_000.0 / EARTH_RADIUS_M / 2.0)
    chord = _full_distances(lat[near], lon[near], ub)
    np.testing.assert_allclose(np.abs(expected[near]), W.km_of_chord(chord), rtol=0, atol=0)


def test_shore_cell_expr_equals_shore_cells() -> None:
    # the scan's cells (vessels score prepares the tree from them) are the NumPy function's,
    # on random points and on every edge: poles, antimeridian, cell borders, -0.0
    rng = np.random.default_rng(11)
    edges = np.array([-90.0, -89.5, -0.0, 0.0, 1e-12, -1e-12, 89.999999, 90.0])
    lat = np.concatenate([rng.uniform(-90, 90, 5000), edges, rng.integers(-90, 91, 50) * 1.0])
    lon_edges = np.array([-180.0, -179.999, -0.0, 0.0, 179.999999, 180.0, -1e-12, 1e-12])
    lon = np.concatenate([rng.uniform(-180, 180, 5000), lon_edges, rng.integers(-180, 181, 50)])
    got = pl.DataFrame({"lat": lat, "lon": lon.astype(np.float64)}).select(
        shore_cell_expr(pl.col("lat"), pl.col("lon"))
    )
    np.testing.assert_array_equal(got.to_series().to_numpy(), shore_cells(lat, lon))


def test_tree_prepared_from_cells_is_the_tree_prepared_from_points() -> None:
    a = W._arrays()
    rng = np.random.default_rng(5)
    lat = np.concatenate([21.0 + rng.normal(0, 2, 300), 40.5 + rng.normal(0, 0.3, 300)])
    lon = np.concatenate([-90.0 + rng.normal(0, 2, 300), -73.9 + rng.normal(0, 0.3, 300)])
    by_points = ShoreTrees(a["verts"], a["cell_start"], W._unit_xyz_world)
    by_cells = ShoreTrees(a["verts"], a["cell_start"], W._unit_xyz_world)
    t1 = by_points.for_points(lat, lon, 20.0)
    t2 = by_cells.for_cells(np.unique(shore_cells(lat, lon)), 20.0)
    np.testing.assert_array_equal(by_cells._covered, by_points._covered)
    np.testing.assert_array_equal(t2.data, t1.data)
    assert by_cells.for_points(lat, lon, 20.0) is t2  # covered: no rebuild


def test_pipeline_prepares_the_tree_of_the_file_cells(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # vessels score prepares the tree from a scan of the ingested file: the same covered cells
    # as prepare_shore_km of the file's coordinates (null and NaN coordinates skipped)
    from vessels import pipeline as P

    a = W._arrays()
    rng = np.random.default_rng(9)
    lat = np.concatenate(
        [21.0 + rng.normal(0, 2, 400), [np.nan, 0.0], 40.5 + rng.normal(0, 1, 400)]
    )
    lon = np.concatenate(
        [-90.0 + rng.normal(0, 2, 400), [5.0, np.nan], -73.9 + rng.normal(0, 1, 400)]
    )
    path = tmp_path / "positions.parquet"
    pl.DataFrame({"lat": lat, "lon": lon}).with_columns(
        pl.when(pl.int_range(pl.len()) == 3).then(None).otherwise(pl.col("lat")).alias("lat")
    ).write_parquet(path)
    expected = ShoreTrees(a["verts"], a["cell_start"], W._unit_xyz_world)
    monkeypatch.setattr(W, "_trees", lambda: expected)
    keep = np.isfinite(lat) & np.isfinite(lon) & (np.arange(lat.size) != 3)
    W.prepare_shore_km(lat[keep], lon[keep])
    trees = ShoreTrees(a["verts"], a["cell_start"], W._unit_xyz_world)
    monkeypatch.setattr(W, "_trees", lambda: trees)
    P._prepare_shore(path, ZoneIndex(default_zones()), rows=100)
    assert trees._regional is not None
    np.testing.assert_array_equal(trees._covered, expected._covered)
    np.testing.assert_array_equal(trees._regional.data, expected._regional.data)
