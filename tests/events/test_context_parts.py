"""The coverage context merged from MMSI-bucket parts is the context of the whole input.

A partitioned run (vessels.partition, step 1b) computes one :func:`context_part` per bucket
and merges them, so that no process holds every position; these tests hold the merged context
to the whole-input one (and to the whole-input helpers it replaced) on inputs that exercise
every piece: learned anchorages, the horizon with stray late rows, the extent's quantile tails,
sparse vessels in the reception grid, NaN coordinates. The order statistics (horizon, extent) are
merged in two looks: ladders of every ``parts``-th extreme value per part, then each part's values
inside the cut the ladders leave (:func:`tail_cuts`, :func:`context_tails`).
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
    FIGURES,
    CoverageContext,
    _extent,
    _horizon,
    _learned_cells,
    _tail_rows,
    context_from_parts,
    context_part,
    context_tails,
    coverage_context,
    tail_cuts,
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


def _merged(frames: list[pl.DataFrame], rows_bound: int, parts: int) -> CoverageContext:
    """Both looks over ``frames`` (the parts), as the partitioned run takes them."""
    ctx_parts = [context_part(f, rows_bound=rows_bound, parts=parts) for f in frames]
    cuts = tail_cuts(ctx_parts)
    if cuts is None:
        return context_from_parts(ctx_parts[::-1])  # the order of the parts does not matter
    tails = [context_tails(f, cuts) for f in frames]
    return context_from_parts(ctx_parts[::-1], tails)


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
    buckets = _split(p, n_buckets)
    _same(_merged(buckets, p.height, n_buckets), whole)  # two looks
    _same(_merged(buckets, p.height, 1), whole)  # the ladders hold the extreme values
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
    assert all(ld.ranks.tolist() == list(range(k)) for ld in part.ladders.values())


@pytest.mark.parametrize("n_buckets", [4, 16])
def test_all_ladders_hold_about_one_parts_tail(n_buckets: int) -> None:
    """The parts' ladders together keep about as many values as one part's extreme values
    (not one such tail per part: B x N / 1000 values), and the second look returns about
    ``parts`` values per part and figure."""
    rows = 40_000 * n_buckets  # a rows bound as large as the parts' rows
    p = segment(_traffic(5, n_vessels=80))
    buckets = _split(p, n_buckets)
    parts = [context_part(b, rows_bound=rows, parts=n_buckets) for b in buckets]
    k = _tail_rows(rows)
    for figure in FIGURES:
        kept = sum(part.ladders[figure].values.size for part in parts)
        assert kept <= k + n_buckets
    cuts = tail_cuts(parts)
    assert cuts is not None
    for b in buckets:
        for below, values, counts in context_tails(b, cuts).values():
            assert values.size <= 3 * n_buckets + 2
            assert below >= 0 and int(counts.sum()) >= values.size


def test_tail_in_one_bucket() -> None:
    """Every extreme value (the southernmost, northernmost, westernmost, easternmost positions
    and the latest instants) in one bucket's vessels: the other parts' ladders reach none of
    them, and the merge is still the whole input's context."""
    rng = random.Random(11)
    bulk = [
        make_track(
            370_000_000 + i * 104_729,
            start=T0 + timedelta(minutes=rng.randint(0, 60)),
            lat=rng.uniform(10.0, 12.0),
            lon=rng.uniform(-80.0, -78.0),
            n=400,
            interval_s=60.0,
            speed_kn=rng.choice([0.0, 8.0]),
        )
        for i in range(30)
    ]
    p0 = segment(pl.concat(bulk))
    # the vessels of one bucket carry the tails: far south, far north-east, long after
    target = p0.with_columns(bucket_expr(5).alias("_b"))["_b"][0]
    mmsi = [
        m
        for m in range(371_000_000, 371_100_000, 997)
        if pl.DataFrame({S.MMSI: [m]}, schema={S.MMSI: pl.UInt32}).select(bucket_expr(5)).item()
        == target
    ][:3]
    far = [
        make_track(mmsi[0], lat=-30.0, lon=-170.0, n=300, interval_s=5.0),
        make_track(mmsi[1], lat=50.0, lon=100.0, n=300, interval_s=5.0),
        make_track(mmsi[2], start=T0 + timedelta(days=3), n=300, interval_s=5.0),
    ]
    p = segment(pl.concat([*bulk, *far]))
    whole = coverage_context(p)
    assert whole.extent is not None and whole.extent[0] == -30.0  # the tail is that bucket's
    assert whole.horizon > T0 + timedelta(days=3)
    buckets = _split(p, 5)
    for parts in (5, 2, 9):
        _same(_merged(buckets, p.height, parts), whole)


def _ties(seed: int, nan: bool) -> tuple[random.Random, pl.DataFrame]:
    rng = random.Random(seed)
    tracks = []
    for i in range(rng.randint(20, 60)):
        n = rng.randint(1, 200)
        lat = [rng.choice([-1.0, 0.0, 0.5, 2.0, float(rng.randint(-3, 3))]) for _ in range(n)]
        if nan:  # distinct values: a quantile's index off by the NaN would change it
            lat = [x + rng.uniform(0.0, 0.1) for x in lat]
        if nan and seed == 0 and rng.random() < 0.2:  # many NaN: the top quantile is NaN
            lat = [float("nan") if rng.random() < 0.5 else x for x in lat]
        elif nan and i < seed:  # fewer NaN than the top 0.1 %: it moves the top quantile
            lat[0] = float("nan")
        t = make_track(372_000_000 + i * 31, n=n, interval_s=rng.choice([1.0, 30.0]))
        tracks.append(t.with_columns(pl.Series(S.LAT, lat), pl.col(S.LON).round(2)))
    return rng, segment(pl.concat(tracks))


@pytest.mark.parametrize("seed", range(6))
def test_two_looks_on_ties(seed: int) -> None:
    """Random parts of few distinct values (many ties) and strides that do not match the number
    of parts: the two looks still land on the whole input's figures."""
    rng, p = _ties(seed, nan=False)
    whole = coverage_context(p)
    n_buckets = rng.randint(2, 8)
    for parts in (n_buckets, rng.randint(2, 40)):
        _same(_merged(_split(p, n_buckets), p.height + rng.randint(0, 5000), parts), whole)


@pytest.mark.parametrize("seed", range(4))
def test_two_looks_with_nan_coordinates(seed: int, monkeypatch: pytest.MonkeyPatch) -> None:
    """NaN latitudes sort last in polars' quantiles (an index past the numbers is NaN): the
    merged extent and horizon are those of the whole-input helpers. (The reception grid cannot
    bin NaN, so it is left out here.)"""
    import vessels.events.coverage as coverage

    monkeypatch.setattr(coverage, "reception_parts", lambda frame: pl.DataFrame())
    monkeypatch.setattr(coverage, "reception_from_parts", lambda parts: pl.DataFrame())
    rng, p = _ties(seed, nan=True)
    assert p[S.LAT].is_nan().any()
    n_buckets = rng.randint(2, 8)
    for parts in (1, n_buckets, rng.randint(2, 40)):
        merged = _merged(_split(p, n_buckets), p.height, parts)
        assert merged.horizon == _horizon(p.lazy())
        want = _extent(p.lazy())
        assert merged.extent is not None and want is not None
        for x, y in zip(merged.extent, want, strict=True):
            assert x == y or (math.isnan(x) and math.isnan(y))


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


def test_strided_parts_need_their_tails() -> None:
    p = segment(_traffic(7))
    parts = [context_part(b, rows_bound=p.height, parts=3) for b in _split(p, 3)]
    with pytest.raises(ValueError, match="context_tails"):
        context_from_parts(parts)
    with pytest.raises(ValueError, match="at least 1"):
        context_part(p, parts=0)
