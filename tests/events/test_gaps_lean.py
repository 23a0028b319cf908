"""``detect_gaps`` on staged tracks (its own lean path, issue 16) finds exactly the events of the
shared path (:func:`vessels.events._common.prepare` then ``detect_gaps(prepared=...)``), whatever
the input order, with ties at the gap ends, two transmitters on one MMSI and open gaps; and the
exact extent selection equals polars' quantiles."""

from __future__ import annotations

import math
from datetime import timedelta

import numpy as np
import polars as pl
import pytest
from polars.testing import assert_frame_equal

from vessels import schema as S
from vessels.events._common import prepare
from vessels.events.gaps import GapConfig, _median_interval_above, _ranked, detect_gaps
from vessels.testing import T0, make_track, staged


def _fleet(two_transmitters: bool = True) -> pl.DataFrame:
    parts = []
    for m in range(1, 31):  # 30 vessels (enough for a coverage edge), each silent once or twice
        a = make_track(m, n=40, interval_s=300, lat=20.0 + m * 0.2, lon=-110.0 + m * 0.1)
        gap_h = 1.5 + (m % 7) * 1.7
        b = make_track(
            m,
            n=30,
            interval_s=300,
            start=a[S.TS].max() + timedelta(hours=gap_h),
            lat=20.05 + m * 0.2,
            lon=-109.9 + m * 0.1,
        )
        parts += [a, b]
    # two transmitters on one MMSI, 300 km apart, interleaved in time (segmented apart)
    if two_transmitters:
        parts.append(make_track(99, n=50, interval_s=400, lat=10.0, lon=-100.0, speed_kn=5))
        later = T0 + timedelta(seconds=170)
        parts.append(make_track(99, n=50, interval_s=400, lat=12.7, lon=-100.0, start=later))
    t = pl.concat(parts).with_columns(
        pl.when(pl.col(S.MMSI) % 3 == 0)
        .then(pl.lit(0.5))
        .otherwise(pl.col(S.SOG_KN))
        .alias(S.SOG_KN)
    )
    return staged(t, shore_km=90.0)


def _with_end_ties(t: pl.DataFrame) -> pl.DataFrame:
    """Each gap end repeated at the same instant, elsewhere and with other kinematics."""
    g = detect_gaps(t, GapConfig(min_gap_h=1.0, min_gap_in_zone_h=1.0))
    ends = pl.concat(
        [
            g.select(S.MMSI, pl.col(S.START_TS).alias(S.TS)),
            g.select(S.MMSI, pl.col(S.END_TS).alias(S.TS)),
        ]
    )
    at = t.join(ends, on=[S.MMSI, S.TS], how="semi")
    assert at.height > 10
    return pl.concat(
        [
            t,
            at.with_columns(pl.col(S.LAT) - 2e-4, pl.lit(None, pl.Float64).alias(S.DT_S)),
            at.with_columns(
                pl.col(S.LON) + 3e-4, pl.lit(9e9).alias(S.DT_S), pl.lit(0.0).alias(S.SHORE_KM)
            ),
            at.with_columns(pl.col(S.LAT) + 1e-4, pl.lit(0.0).alias(S.DT_S)),
        ]
    )


CONFIGS = {
    "default": GapConfig(),
    "2h-gfw": GapConfig(
        min_gap_h=2.0, min_gap_in_zone_h=2.0, report_open=False, max_median_interval_min=math.inf
    ),
    "short": GapConfig(min_gap_h=1.0, min_gap_in_zone_h=0.5),
}


@pytest.mark.parametrize("config", list(CONFIGS.values()), ids=list(CONFIGS))
@pytest.mark.parametrize("order", ["as-staged", "shuffled", "reversed"])
@pytest.mark.parametrize("ties", [False, True], ids=["no-ties", "ties-at-ends"])
@pytest.mark.parametrize("shared_mmsi", [False, True], ids=["one-per-mmsi", "two-transmitters"])
def test_lean_path_equals_prepared_path(
    config: GapConfig, order: str, ties: bool, shared_mmsi: bool
) -> None:
    t = _fleet(shared_mmsi)
    if ties:
        t = _with_end_ties(t).sort(S.MMSI, S.TS, maintain_order=True)
    if order == "shuffled":
        t = t.sample(fraction=1.0, shuffle=True, seed=11)
    elif order == "reversed":
        t = t.reverse()
    lean = detect_gaps(t, config)
    shared = detect_gaps(t, config, prepared=prepare(t))
    assert lean.height >= 25
    assert_frame_equal(lean, shared)


def test_lean_path_reads_a_scan(tmp_path) -> None:  # type: ignore[no-untyped-def]
    t = _fleet()
    t.write_parquet(tmp_path / "tracks.parquet")
    scanned = detect_gaps(pl.scan_parquet(tmp_path / "tracks.parquet"))
    assert_frame_equal(scanned, detect_gaps(t, prepared=prepare(t)))


@pytest.mark.parametrize("n", [1, 2, 999, 1001, 4321, 200_003])
@pytest.mark.parametrize("kind", ["normal", "rounded", "sorted", "nan"])
def test_ranked_equals_polars_nearest_quantile(n: int, kind: str) -> None:
    rng = np.random.default_rng(n)
    a = rng.normal(size=n)
    if kind == "rounded":
        a = a.round(1)
    elif kind == "sorted":
        a = np.sort(a)
    elif kind == "nan":
        a[: n // 3] = np.nan
    s = pl.Series(a, nan_to_null=False)
    lo, hi = (math.floor((n - 1) * q + 0.5) for q in (0.001, 0.999))
    got = _ranked(a, lo, hi)
    want = (s.quantile(0.001), s.quantile(0.999))
    assert all(g == w or (math.isnan(g) and math.isnan(w)) for g, w in zip(got, want, strict=True))


def _medians_above(p: pl.DataFrame, mmsis: list[int], threshold: float, clip_s: float | None):
    """The sparse-reporter rule as a group-by median (the definition)."""
    dt = pl.col(S.DT_S).cast(pl.Float64)
    ms = (dt.clip(upper_bound=clip_s) * 1000.0).round(0).cast(pl.Int64)
    return sorted(
        p.filter(pl.col(S.MMSI).is_in(mmsis) & (dt > 0))
        .group_by(S.MMSI)
        .agg((dt if clip_s is None else ms).median().alias("_med"))
        .filter(pl.col("_med") > threshold)[S.MMSI]
        .to_list()
    )


@pytest.mark.parametrize("clip_s", [None, 86_400.0], ids=["seconds", "whole-ms"])
@pytest.mark.parametrize("share", [0.05, 1.0], ids=["few-vessels", "most-vessels"])
@pytest.mark.parametrize("seed", range(4))
def test_median_interval_above_equals_the_group_by_median(
    clip_s: float | None, share: float, seed: int
) -> None:
    # few intervals per vessel (many even counts whose middle pair straddles the threshold),
    # drawn from values at, a hair around and far from the 30 min threshold, nulls, zeros,
    # negative and clipped intervals
    rng = np.random.default_rng(seed)
    values = [None, 0.0, -3.0, 60.0, 1799.0, 1800.0, 1800.0005, 1800.0004999, 1800.0005001]
    values += [1799.9995, 1800.001, 1800.5, 1801.0, 5400.0, 90_000.0, 3_000_000.0]
    sizes = rng.integers(1, 9, 600)
    mmsi = np.repeat(np.arange(1, 601, dtype=np.uint32), sizes)
    picks = rng.integers(0, len(values), mmsi.size)
    p = pl.DataFrame(
        {S.MMSI: mmsi, S.DT_S: [values[i] for i in picks]},
        schema={S.MMSI: pl.UInt32, S.DT_S: pl.Float64},
    )
    asked = rng.choice(np.arange(1, 601), int(600 * share), replace=False).tolist()
    threshold = 1800.0 if clip_s is None else 1_800_000.0
    got = _median_interval_above(p, pl.Series(asked, dtype=pl.UInt32), threshold, clip_s=clip_s)
    assert got is not None
    assert got.to_list() == _medians_above(p, asked, threshold, clip_s)


def test_median_interval_above_declines_what_it_cannot_count() -> None:
    p = pl.DataFrame(
        {S.MMSI: [2, 1, 1], S.DT_S: [60.0, 60.0, 4000.0]},
        schema={S.MMSI: pl.UInt32, S.DT_S: pl.Float64},
    )
    asked = pl.Series([1, 2], dtype=pl.UInt32)
    assert _median_interval_above(p, asked, 1800.0) is None  # MMSIs not ascending
    nan = p.sort(S.MMSI).with_columns(pl.lit(float("nan")).alias(S.DT_S))
    assert _median_interval_above(nan, asked, 1800.0) is None  # NaN intervals, most vessels
