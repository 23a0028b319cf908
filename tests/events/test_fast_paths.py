"""The events stage's fast paths (issue 16, events6) equal the plain computations they replace.

Each test builds the plain reference (a sort per quantile, a per-row text lookup, a two-key
join, the exact nearest-boundary distance of every point, a fresh median per call) and checks
the fast path gives exactly the same values on data made to hit the corner cases.
"""

from __future__ import annotations

import gc
from pathlib import Path

import numpy as np
import polars as pl
import pytest

from vessels import schema as S
from vessels.events._common import prepare
from vessels.events.coverage import (
    AT_ANCHORAGE,
    HARBOUR,
    IN_PORT,
    _cells,
    _extent,
    _tails,
    coverage_context,
    sparse_mmsi,
    with_harbour,
)
from vessels.events.fleet import _beyond, _boundary_distance, _eez_layer
from vessels.events.identity_change import _text_ids
from vessels.testing import make_track, staged


@pytest.mark.parametrize("seed", range(6))
def test_tails_equal_polars_quantiles(seed: int) -> None:
    rng = np.random.default_rng(seed)
    for n in [1, 2, 3, 999, 1000, 1001, 1501, 2001, *rng.integers(1, 40_000, 20).tolist()]:
        # few distinct values (ties at the quantile index) and many
        x = pl.Series(np.round(rng.normal(size=int(n)) * 50.0, int(rng.integers(0, 4))))
        assert _tails(x) == (x.quantile(0.001), x.quantile(0.999)), n


def test_tails_with_nan_are_the_quantiles() -> None:
    x = pl.Series([1.0, float("nan"), 3.0] * 700)
    got = _tails(x)
    want = (x.quantile(0.001), x.quantile(0.999))
    assert str(got) == str(want)  # NaN == NaN as text


def test_extent_equals_the_quantiles_of_the_positions() -> None:
    rng = np.random.default_rng(7)
    frame = pl.DataFrame(
        {
            S.MMSI: rng.integers(1, 50, 5_000).astype(np.uint32),
            S.LAT: np.round(rng.normal(20, 3, 5_000), 3),
            S.LON: np.round(rng.normal(-110, 5, 5_000), 2),
        }
    )
    want = frame.select(
        pl.col(S.LAT).quantile(0.001).alias("y0"),
        pl.col(S.LAT).quantile(0.999).alias("y1"),
        pl.col(S.LON).quantile(0.001).alias("x0"),
        pl.col(S.LON).quantile(0.999).alias("x1"),
    ).row(0)
    assert _extent(frame.lazy()) == want
    assert _extent(frame.head(100).with_columns(pl.lit(1, pl.UInt32).alias(S.MMSI)).lazy()) is None


def _text_ids_per_row(frame: pl.DataFrame, name: str, f) -> pl.Series:  # type: ignore[no-untyped-def]
    distinct = frame.select(pl.col(name).unique().drop_nulls())
    ids = distinct.select(f(pl.col(name)).rank("dense").cast(pl.UInt32)).to_series()
    return frame.select(
        pl.col(name).replace_strict(distinct[name], ids, default=None, return_dtype=pl.UInt32)
    ).to_series()


@pytest.mark.parametrize("seed", range(5))
def test_text_ids_by_runs_equal_a_per_row_lookup(seed: int) -> None:
    rng = np.random.default_rng(seed)
    words = [None, "", " ", "a", "A", " a", "b b", "B  B", "ship", "SHIP ", "x"]
    runs = [words[int(i)] for i in rng.integers(0, len(words), 300)]
    rows = [w for w in runs for _ in range(int(rng.integers(1, 4)))]
    frame = pl.DataFrame({S.VESSEL_NAME: rows}, schema={S.VESSEL_NAME: pl.String})

    def norm(c: pl.Expr) -> pl.Expr:
        return c.str.strip_chars().str.to_uppercase().str.replace_all(r"\s+", " ").replace("", None)

    got = _text_ids(frame, S.VESSEL_NAME, norm)
    assert got.equals(_text_ids_per_row(frame, S.VESSEL_NAME, norm))
    assert got.null_count() > 0 and got.n_unique() > 3


def test_harbour_lookup_equals_the_join_on_cells() -> None:
    tracks = pl.concat(
        [
            make_track(m, n=40, interval_s=300, lat=lat, lon=lon, speed_kn=0.2)
            for m, (lat, lon) in enumerate(
                [(25.0, -110.0), (-0.004, 179.995), (-33.9, 18.4), (60.1, -0.003)], start=1
            )
        ]
    ).with_columns(
        pl.Series(IN_PORT, [None, True, False, None] * 40),
        pl.Series(AT_ANCHORAGE, [False, None, None, True] * 40),
    )
    p = prepare(staged(tracks))
    ctx = coverage_context(p)
    learned = p.gather([0, 5, 45, 90, 150]).select(*_cells()).unique()
    learned = learned.with_columns(pl.lit(True).alias("_learned"))
    import dataclasses

    got = with_harbour(p, dataclasses.replace(ctx, learned=learned))[HARBOUR]
    joined = (
        p.select(*_cells())
        .join(learned, on=["_hcy", "_hcx"], how="left", maintain_order="left")["_learned"]
        .fill_null(False)
    )
    labels = p.select(
        pl.any_horizontal(pl.col(IN_PORT).fill_null(False), pl.col(AT_ANCHORAGE).fill_null(False))
    ).to_series()
    assert got.to_list() == (joined | labels).to_list()
    assert 0 < got.sum() < p.height


def test_fleet_prefilter_never_drops_a_point_within_the_band() -> None:
    from vessels.zones import default_zones

    layer = _eez_layer(default_zones())
    assert layer is not None
    rng = np.random.default_rng(3)
    lat = np.concatenate([rng.uniform(-70, 75, 4_000), rng.uniform(10, 35, 4_000)])
    lon = np.concatenate([rng.uniform(-180, 180, 4_000), rng.uniform(-125, -80, 4_000)])
    for band_km in (5.0, 50.0, 300.0):
        beyond = _beyond(lat, lon, layer, band_km)
        km, _ = _boundary_distance(lat, lon, layer)
        assert not (beyond & (km <= band_km)).any()
        # it does leave out most points far from any boundary at low and middle latitudes (the
        # bound is loose near the poles, where points are kept: exact, only slower)
        far = (km > band_km * 1.5 + 50) & (np.abs(lat) < 40)
        assert (far & beyond).sum() > 0.5 * far.sum() > 0


def test_sparse_vessels_are_measured_per_frame() -> None:
    fast = make_track(1, n=10, interval_s=600)
    slow = make_track(2, n=10, interval_s=4 * 3600)
    a = prepare(staged(pl.concat([fast, slow])))
    assert sparse_mmsi(a, max_median_interval_min=30.0).to_list() == [2]
    assert sparse_mmsi(a, max_median_interval_min=300.0).to_list() == []
    del a
    gc.collect()
    b = prepare(staged(pl.concat([fast.with_columns(pl.lit(3, pl.UInt32).alias(S.MMSI)), slow])))
    assert sparse_mmsi(b, max_median_interval_min=30.0).to_list() == [2]
    c = prepare(staged(slow.with_columns(pl.lit(9, pl.UInt32).alias(S.MMSI))))
    assert sparse_mmsi(c, max_median_interval_min=30.0).to_list() == [9]
    assert sparse_mmsi(b.lazy(), max_median_interval_min=30.0).to_list() == [2]


def _busy_fleet(seed: int) -> pl.DataFrame:
    """30 vessels (extent measured): a moored crowd of 6 (learned anchorage cells), transits,
    a vessel silent for 8 h (two segments), duplicate instants, rows without a position, and the
    rows in a shuffled order."""
    from datetime import timedelta

    rng = np.random.default_rng(seed)
    parts = []
    for k in range(30):
        moored = k < 6
        t = make_track(
            345_000_001 + k,
            n=int(rng.integers(20, 80)),
            interval_s=int(rng.integers(60, 900)),
            lat=25.0 + (0.0005 * k if moored else float(rng.uniform(-2, 2))),
            lon=-110.0 + (0.0005 * k if moored else float(rng.uniform(-2, 2))),
            speed_kn=0.0 if moored else float(rng.uniform(0.3, 14)),
        )
        if k == 7:  # silent 8 h: a second segment
            later = make_track(345_000_001 + k, n=10, start=t["ts"].max() + timedelta(hours=8))
            t = pl.concat([t, later])
        parts.append(t)
    frame = pl.concat(parts)
    frame = pl.concat([frame, frame.sample(40, seed=seed)])  # repeated reports of one instant
    holes = frame.sample(5, seed=seed + 1).with_columns(pl.lit(None, dtype=pl.Float64).alias(S.LAT))
    frame = pl.concat([frame, holes]).sample(fraction=1.0, shuffle=True, seed=seed)
    return staged(frame, shore_km=40.0)


def _assert_same_context(got: object, want: object) -> None:
    """Two coverage contexts equal field by field (frames exactly)."""
    from polars.testing import assert_frame_equal

    for name in ("learned", "reception"):
        assert_frame_equal(getattr(got, name), getattr(want, name), check_exact=True)
    fields = ("horizon", "extent", "max_abs_lat", "harbour")
    assert [getattr(got, f) for f in fields] == [getattr(want, f) for f in fields]


@pytest.mark.parametrize("seed", range(3))
def test_coverage_from_the_prepared_positions_equals_a_read_of_the_tracks(seed: int) -> None:
    """detect_events_and_coverage computes the context from the prepared frame (no second read
    of the tracks): the same context and events as the pipeline's former separate
    ``coverage_context(tracks)`` call, on the same tracks."""
    from polars.testing import assert_frame_equal

    from vessels.events import detect_events, detect_events_and_coverage

    tracks = _busy_fleet(seed)
    want = coverage_context(tracks.lazy())
    assert want.learned.height > 0 and want.extent is not None  # the parts are exercised
    events, got = detect_events_and_coverage(tracks.lazy())
    _assert_same_context(got, want)
    assert events.height > 0
    assert_frame_equal(events, detect_events(tracks.lazy(), coverage=want), check_exact=True)
    given_events, given = detect_events_and_coverage(tracks, coverage=want)
    assert given is want
    assert_frame_equal(given_events, events, check_exact=True)


def _scan_cases(tmp_path: Path, seed: int) -> list[Path]:
    """The busy fleet written to Parquet: whole, without optional columns (added as typed
    nulls), with an all-null column, and cut into three files read through one glob."""
    frame = _busy_fleet(seed)
    # repeated instants that differ in a non-key column: the last tie-breaker decides
    ties = frame.head(30).with_columns(pl.lit("OTHER NAME").alias(S.VESSEL_NAME))
    frame = pl.concat([frame, ties]).sample(fraction=1.0, shuffle=True, seed=seed)
    whole = tmp_path / "whole.parquet"
    frame.write_parquet(whole, row_group_size=97)
    bare = tmp_path / "bare.parquet"
    frame.drop(S.VESSEL_NAME, S.CALLSIGN, S.IMO, S.COURSE_CHANGE_DEG).write_parquet(bare)
    nulls = tmp_path / "nulls.parquet"
    frame.with_columns(pl.lit(None).alias(S.CALLSIGN)).write_parquet(nulls)
    parts = tmp_path / "parts"
    parts.mkdir()
    n = frame.height // 3
    for i, start in enumerate((0, n, 2 * n)):
        frame.slice(start, None if i == 2 else n).write_parquet(parts / f"{i}.parquet")
    return [whole, bare, nulls, parts / "*.parquet"]


@pytest.mark.parametrize("seed", range(2))
@pytest.mark.parametrize("keep_all", [False, True], ids=["used", "keep_all"])
def test_prepare_reads_a_plain_scan_column_by_column_to_the_same_frame(
    tmp_path: Path, seed: int, keep_all: bool
) -> None:
    """A bare Parquet scan is collected one column at a time (less decoder memory); the prepared
    frame is exactly the one-query collect's, in every column, row and column order."""
    from polars.testing import assert_frame_equal

    from vessels.events._common import _plain_scan

    for path in _scan_cases(tmp_path, seed):
        scan = pl.scan_parquet(path)
        assert _plain_scan(scan)
        eager = pl.read_parquet(path)  # the same rows, collected once (not a plain scan)
        assert not _plain_scan(eager.lazy())
        assert not _plain_scan(scan.filter(pl.col(S.LAT) > 0))
        got = prepare(scan, keep_all=keep_all)
        assert_frame_equal(got, prepare(eager, keep_all=keep_all), check_exact=True)
        assert all(got[c].n_chunks() == 1 for c in got.columns)


@pytest.mark.parametrize("seed", range(3))
def test_shared_mmsi_from_the_vessels_with_several_segments_equals_all_rows(
    seed: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    """identity_conflict builds its segment table from the vessels with two segments or more
    only: the same events as from every row (the filter switched off), on a fleet with
    transmitters sharing MMSIs (simultaneous segments), vessels silent for hours (sequential
    segments), one-segment vessels and rows without an MMSI."""
    from datetime import timedelta

    from polars.testing import assert_frame_equal

    from vessels.events import identity

    rng = np.random.default_rng(seed)
    parts = []
    for k in range(40):
        t = make_track(
            345_000_001 + k,
            n=int(rng.integers(5, 40)),
            interval_s=int(rng.integers(60, 600)),
            lat=25.0 + float(rng.uniform(-1, 1)),
            lon=-110.0 + float(rng.uniform(-1, 1)),
        )
        if k % 5 == 0:  # a second transmitter on the same MMSI, far away, at the same time
            parts.append(t.with_columns(pl.col(S.LAT) + 3.0, pl.col(S.LON) - 2.0))
        if k % 7 == 0:  # silent 9 h, then a later segment
            parts.append(make_track(345_000_001 + k, n=8, start=t["ts"].max() + timedelta(hours=9)))
        parts.append(t)
    frame = staged(pl.concat(parts).sample(fraction=1.0, shuffle=True, seed=seed))
    p = prepare(frame)
    assert p.select(pl.col("_seg").n_unique()).item() > p[S.MMSI].n_unique()
    got = identity.detect_identity_conflicts(p, prepared=p)
    monkeypatch.setattr(identity, "_of_vessels_with_segments", lambda q: q.lazy())
    want = identity.detect_identity_conflicts(p, prepared=p)
    assert (got["evidence"].struct.field("conflict_kind") == "shared_mmsi").sum() >= 3
    keys = [S.START_TS, S.EVENT_ID]
    assert_frame_equal(got.sort(keys), want.sort(keys), check_exact=True)


def _inside_then_qualifying(p: pl.DataFrame, cfg) -> pl.DataFrame:  # type: ignore[no-untyped-def]
    """eez_incursion's rows as built before events7: every position inside a foreign EEZ
    collected, then the qualifying segments found among them and their rows kept."""
    from vessels.events.eez_incursion import _MERCHANT_SHIP_TYPES, FISHING_SCORE, HARBOUR
    from vessels.events.zone_entry import visit_columns

    merchant = pl.col(S.SHIP_TYPE).is_in(list(_MERCHANT_SHIP_TYPES)).fill_null(False)
    sparse = sparse_mmsi(p, max_median_interval_min=cfg.max_median_interval_min)
    merchant_seg = p.lazy().filter(merchant).select(pl.col("_seg").unique()).collect().to_series()
    inside = (
        p.lazy()
        .with_columns(
            pl.when(
                pl.col(HARBOUR)
                | pl.col("_seg").is_in(merchant_seg.implode())
                | pl.col(S.MMSI).is_in(sparse.implode())
            )
            .then(pl.lit(0.0, dtype=p.schema[FISHING_SCORE]))
            .otherwise(pl.col(FISHING_SCORE))
            .alias(FISHING_SCORE)
        )
        .filter(
            pl.col(S.EEZ_ISO3).is_not_null()
            & pl.col(S.FLAG).is_not_null()
            & (pl.col(S.EEZ_ISO3) != pl.col(S.FLAG))
        )
        .select(*visit_columns(), pl.col(S.EEZ_ISO3).alias("_eez"))
        .collect()
    )
    qualifying = inside.filter(
        pl.col(S.SHIP_TYPE).is_in(list(cfg.fishing_ship_types)).fill_null(False)
        | (pl.col(FISHING_SCORE) >= cfg.min_fishing_score)
    )["_seg"].unique()
    return inside.filter(pl.col("_seg").is_in(qualifying.implode()))


@pytest.mark.parametrize("seed", range(3))
def test_eez_incursion_rows_of_qualifying_segments_equal_inside_then_filter(seed: int) -> None:
    """eez_incursion finds the qualifying segments first and collects only their positions inside
    a foreign EEZ: exactly the rows (values, order) of collecting every position inside first."""
    from polars.testing import assert_frame_equal

    from vessels.events.eez_incursion import EezIncursionConfig, _qualifying_rows

    rng = np.random.default_rng(seed)
    n = 6_000
    mmsi = np.sort(rng.integers(0, 60, n)).astype(np.uint32) + 345_000_001
    frame = pl.DataFrame(
        {
            S.MMSI: mmsi,
            S.TS: pl.datetime_range(
                pl.datetime(2024, 3, 1, time_zone="UTC"),
                pl.datetime(2024, 3, 1, time_zone="UTC") + pl.duration(seconds=60 * (n - 1)),
                "60s",
                eager=True,
            ),
            S.LAT: rng.uniform(20, 30, n),
            S.LON: rng.uniform(-115, -105, n),
            S.SOG_KN: rng.uniform(0, 12, n).astype(np.float32),
            S.FLAG: rng.choice(["MEX", "USA", None], n).tolist(),  # type: ignore[arg-type]
            S.SHIP_TYPE: rng.choice([30, 70, 52, 0], n).astype(np.uint8),
            S.EEZ_ISO3: rng.choice(["MEX", "USA", "GTM", None], n).tolist(),  # type: ignore[arg-type]
            "fishing_score": np.round(rng.uniform(0, 1, n), 2),
            S.IN_PORT: rng.uniform(0, 1, n) < 0.05,
        }
    ).with_columns(
        # a few segments per vessel; ship type constant per vessel half of the time
        (pl.col(S.MMSI).cast(pl.String) + "-" + (pl.int_range(pl.len()) % 3).cast(pl.String)).alias(
            S.SEGMENT_ID
        )
    )
    p = with_harbour(prepare(staged(frame), keep_all=True), coverage_context(frame))
    for cfg in (EezIncursionConfig(), EezIncursionConfig(min_fishing_score=0.9)):
        want = _inside_then_qualifying(p, cfg)
        got = _qualifying_rows(p, cfg)
        assert 0 < got.height < p.height
        assert_frame_equal(got, want, check_exact=True)


@pytest.mark.parametrize("seed", range(3))
def test_identity_periods_look_up_the_mid_flag_of_the_unflagged_rows_only(seed: int) -> None:
    """identity_periods fills a missing flag from the MID for the rows without one (scatter),
    as the coalesce of the whole column did: the same periods."""
    from vessels.events.identity_change import identity_periods
    from vessels.flags import flag_from_mmsi

    p = prepare(_busy_fleet(seed))
    rng = np.random.default_rng(seed)
    unflagged = pl.Series(rng.random(p.height) < 0.3)
    # some rows lose their flag; MMSIs of several MIDs, one unknown (its MID gives no flag)
    mmsi = p[S.MMSI] + pl.Series((rng.integers(0, 4, p.height) * 100_000_000).astype("uint32"))
    p = p.with_columns(
        mmsi.alias(S.MMSI),
        pl.when(unflagged).then(None).otherwise(pl.col(S.FLAG)).alias(S.FLAG),
    )
    assert p[S.FLAG].null_count() > 0
    whole = p.with_columns(pl.coalesce(S.FLAG, flag_from_mmsi(pl.col(S.MMSI))))
    assert whole[S.FLAG].null_count() > 0  # an MMSI whose MID has no flag stays without one
    assert identity_periods(p).equals(identity_periods(whole))


@pytest.mark.parametrize("seed", range(2))
def test_context_of_a_scan_from_the_prepared_positions_equals_the_scans_own(
    tmp_path: Path, seed: int
) -> None:
    """On a bare Parquet scan, detect_events_and_coverage computes the coverage context from the
    prepared positions (no second read of the file): the same context and events as
    ``coverage_context`` of the scan itself."""
    from polars.testing import assert_frame_equal

    from vessels.events import detect_events, detect_events_and_coverage

    path = tmp_path / "tracks.parquet"
    _busy_fleet(seed).write_parquet(path)
    scan = pl.scan_parquet(path)
    want = coverage_context(scan)
    assert want.learned.height > 0 and want.extent is not None  # the parts are exercised
    events, got = detect_events_and_coverage(scan)
    _assert_same_context(got, want)
    assert events.height > 0
    assert_frame_equal(events, detect_events(scan, coverage=want), check_exact=True)
