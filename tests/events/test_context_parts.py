"""The coverage context merged from MMSI-bucket parts is the context of the whole input.

A partitioned run (vessels.partition, step 1b) computes one :func:`context_part` per bucket
and merges them, so that no process holds every position; these tests hold the merged context
to the whole-input one (and to the whole-input helpers it replaced) on inputs that exercise
every piece: learned anchorages, the horizon with stray late rows, the extent's quantile tails,
sparse vessels in the reception grid, NaN coordinates.
"""

from __future__ import annotations

import math
import random
from datetime import timedelta

import polars as pl
import pytest

from vessels import schema as S
from vessels.events.coverage import (
    EDGE_MIN_VESSELS,
    CoverageContext,
    _extent,
    _horizon,
    _learned_cells,
    context_from_parts,
    context_part,
    coverage_context,
)
from vessels.events.reception import reception_grid
from vessels.partition import bucket_expr
from vessels.testing import T0, make_track
from vessels.tracks import segment


def _traffic(seed: int, n_vessels: int = 40) -> pl.DataFrame:
    rng = random.Random(seed)
    tracks = []
    for i in range(n_vessels):
        tracks.append(
            make_track(
                366_000_000 + i * 7919,
                start=T0 + timedelta(minutes=rng.randint(0, 600)),
                lat=rng.uniform(-5.0, 40.0),
                lon=rng.uniform(-120.0, -60.0),
                n=rng.randint(20, 120),
                interval_s=rng.choice([10.0, 60.0, 180.0, 3 * 3600.0]),
                speed_kn=rng.choice([0.0, 0.2, 6.0, 12.0]),
                course_deg=rng.uniform(0.0, 360.0),
            )
        )
    # a crowd at anchor: five vessels still within ~1 km
    for j in range(5):
        tracks.append(
            make_track(367_500_000 + j, lat=19.0 + j * 0.002, lon=-96.1, n=30, speed_kn=0.0)
        )
    # stray rows far after the rest (the horizon must not move to them)
    tracks.append(make_track(368_000_001, start=T0 + timedelta(days=20), n=3))
    return pl.concat(tracks, how="vertical")


def _split(p: pl.DataFrame, n_buckets: int) -> list[pl.DataFrame]:
    keyed = p.with_columns(bucket_expr(n_buckets).alias("_b"))
    return [
        part.drop("_b")
        for _, part in sorted(keyed.group_by("_b"), key=lambda kv: kv[0])  # type: ignore[arg-type,return-value]
    ]


def _same(a: CoverageContext, b: CoverageContext) -> None:
    assert a.learned.equals(b.learned)
    assert a.horizon == b.horizon
    if a.extent is None or b.extent is None:
        assert a.extent is None and b.extent is None
    else:
        for x, y in zip(a.extent, b.extent, strict=True):
            assert x == y or (math.isnan(x) and math.isnan(y))
    assert a.max_abs_lat == b.max_abs_lat
    assert a.reception is not None and b.reception is not None
    assert a.reception.equals(b.reception)


@pytest.mark.parametrize("seed", [1, 2, 3])
@pytest.mark.parametrize("n_buckets", [1, 3, 7])
def test_merged_parts_are_the_whole_context(seed: int, n_buckets: int) -> None:
    p = segment(_traffic(seed))
    assert p.height > 1000 and p[S.MMSI].n_unique() >= EDGE_MIN_VESSELS
    whole = coverage_context(p)
    parts = [context_part(b, rows_bound=p.height) for b in _split(p, n_buckets)]
    merged = context_from_parts(parts[::-1])  # the order of the parts does not matter
    _same(merged, whole)
    # and the whole context is what the whole-input helpers compute
    assert whole.horizon == _horizon(p.lazy())
    assert whole.extent == _extent(p.lazy())
    assert whole.learned.equals(_learned_cells(p).collect())
    assert whole.learned.height > 0  # the crowd at anchor is learned
    assert whole.horizon < p[S.TS].max()  # the stray rows did not move the horizon


def test_parts_keep_only_small_tails() -> None:
    p = segment(_traffic(4))
    part = context_part(p, rows_bound=p.height)
    k = math.ceil(p.height * 0.001) + 2
    assert part.latest.len() == k
    assert all(lo.len() == k and hi.len() == k for lo, hi, _ in part.tails.values())


def test_a_too_small_rows_bound_is_what_the_bound_is_for() -> None:
    """Parts sized for fewer rows than the whole can miss the whole's quantile values: the
    bound is needed (this is the failure the ``rows_bound`` argument prevents)."""
    rows = [
        make_track(369_000_000 + i, lat=10.0 + i * 0.5, n=200, interval_s=30.0) for i in range(30)
    ]
    p = segment(pl.concat(rows))
    parts = _split(p, 7)
    small = context_from_parts([context_part(b) for b in parts])
    bounded = context_from_parts([context_part(b, rows_bound=p.height) for b in parts])
    whole = coverage_context(p)
    _same(bounded, whole)
    assert small.extent != whole.extent or small.horizon != whole.horizon


def test_reception_of_parts_is_reception_of_whole() -> None:
    p = segment(_traffic(6))
    parts = [context_part(b, rows_bound=p.height) for b in _split(p, 5)]
    assert context_from_parts(parts).reception.equals(reception_grid(p))  # type: ignore[union-attr]


def test_no_parts_is_an_error() -> None:
    with pytest.raises(ValueError, match="at least one part"):
        context_from_parts([])
