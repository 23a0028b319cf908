"""`prepare` sorts through a row order of its key columns (the last tie-breaker, a hash of every
other column, only where rows tie on all the keys; input in ``(mmsi, ts)`` order sorted only for
vessels with several segments or repeated instants): the frame must equal a full sort of every
row by all of ``_total_order``'s keys, whatever the input order and shape."""

from __future__ import annotations

import itertools
from collections.abc import Callable
from datetime import timedelta

import polars as pl
import pytest
from polars.testing import assert_frame_equal

from vessels import schema as S
from vessels.events import _common as C
from vessels.testing import T0, make_track, staged


def _seg_key() -> pl.Expr:
    """The segment number as a running count of segment changes (what ``prepare`` numbers from
    two slices of the column)."""
    new = (pl.col(S.SEGMENT_ID) != pl.col(S.SEGMENT_ID).shift()).fill_null(True)
    return new.cast(pl.UInt32).cum_sum().alias(C.SEG)


def _time_order(frame: pl.DataFrame, rows: pl.Series) -> pl.Series:
    """``rows`` of ``frame`` in a stable sort by ``mmsi, ts, segment_id`` as `identity_periods`
    orders them (`_time_moves`, then the moves applied)."""
    from vessels.events.identity_change import _time_moves

    moves = _time_moves(frame, rows)
    return rows if moves is None else rows.scatter(*moves)


def _full_sort(tracks: pl.DataFrame, *, keep_all: bool = False) -> pl.DataFrame:
    """The reference: every row sorted by all of ``_total_order``'s keys in one sort."""
    lf = tracks.lazy()
    names = lf.collect_schema().names()
    missing = {n: d for n, d in C._PREPARED_SCHEMA.items() if n not in names}
    lf = lf.with_columns(pl.lit(None, dtype=d).alias(n) for n, d in missing.items())
    lf = (
        (lf if keep_all else lf.select(C._used(names)))
        .filter(
            pl.col(S.TS).is_not_null() & pl.col(S.LAT).is_not_null() & pl.col(S.LON).is_not_null()
        )
        .with_columns(pl.col(S.SEGMENT_ID).fill_null(pl.col(S.MMSI).cast(pl.String)))
    )
    keys, options = C._total_order(lf.collect_schema().names())
    row = pl.int_range(pl.len(), dtype=pl.UInt32)
    start = pl.when(~C.same_as_prev()).then(row).forward_fill()
    out = (
        lf.sort(keys, **options)
        .with_columns(_seg_key())
        .with_columns((row - start).alias(C.IDX))
        .collect(engine=C.ENGINE)
    )
    if keep_all:
        return out
    # the nearly all-null text columns kept as Categorical, once the rows are in order
    return out.with_columns(pl.col(c).cast(pl.Categorical) for c in C.SPARSE_TEXT)


def _fleet() -> pl.DataFrame:
    """Five vessels; duplicated instants (some differing only in the name), a second segment
    interleaved in time with the first, -0.0 and 0.0 latitudes, nulls."""
    parts = [
        make_track(m, n=25 + 7 * m, interval_s=60 * m, speed_kn=3.0 * (m % 2), vessel_name=f"V{m}")
        for m in range(1, 6)
    ]
    f = staged(pl.concat(parts))
    i = pl.int_range(pl.len())
    dup = f.gather([0, 3, 3, 10, 40, 41]).with_columns(
        pl.when(pl.int_range(pl.len()) % 2 == 0)
        .then(pl.lit("OTHER NAME"))
        .otherwise(pl.col(S.VESSEL_NAME))
        .alias(S.VESSEL_NAME)
    )
    f = pl.concat([f, dup])
    return f.with_columns(
        pl.when(i % 7 == 3)
        .then(pl.col(S.SEGMENT_ID) + "-b")
        .otherwise(pl.col(S.SEGMENT_ID))
        .alias(S.SEGMENT_ID),
        pl.when(i % 13 == 0)
        .then(-0.0)
        .when(i % 13 == 1)
        .then(0.0)
        .otherwise(pl.col(S.LAT))
        .alias(S.LAT),
    )


def _with_nulls(f: pl.DataFrame) -> pl.DataFrame:
    i = pl.int_range(pl.len())
    return f.with_columns(
        pl.when(i % 5 == 0).then(None).otherwise(pl.col(S.SEGMENT_ID)).alias(S.SEGMENT_ID),
        pl.when(i % 17 == 2).then(None).otherwise(pl.col(S.LON)).alias(S.LON),
        pl.when(i % 3 == 0).then(None).otherwise(pl.col(S.DT_S)).alias(S.DT_S),
    )


def _one_segment_in_order() -> pl.DataFrame:
    return staged(pl.concat([make_track(m, n=30) for m in (7, 8, 9)]))


def _repeated_instant_one_segment() -> pl.DataFrame:
    f = staged(make_track(5, n=20))
    return pl.concat([f, f.gather([4, 9]).with_columns(pl.lit("DUP").alias(S.VESSEL_NAME))]).sort(
        S.MMSI, S.TS, maintain_order=True
    )


def _late_second_segment() -> pl.DataFrame:
    a = staged(make_track(3, n=15))
    b = staged(make_track(3, n=15, start=T0 + timedelta(hours=5))).with_columns(
        pl.lit("3-z").alias(S.SEGMENT_ID)
    )
    return pl.concat([a, b])


SHAPES: dict[str, Callable[[], pl.DataFrame]] = {
    "shuffled": lambda: _fleet().sample(fraction=1.0, shuffle=True, seed=3),
    "sorted-by-mmsi-ts": lambda: _fleet().sort(S.MMSI, S.TS, maintain_order=True),
    "sorted-with-nulls": lambda: _with_nulls(_fleet()).sort(S.MMSI, S.TS, maintain_order=True),
    "shuffled-with-nulls": lambda: _with_nulls(_fleet()).sample(fraction=1.0, seed=5, shuffle=True),
    "one-segment-in-order": _one_segment_in_order,
    "repeated-instant-one-segment": _repeated_instant_one_segment,
    "late-second-segment": _late_second_segment,
    "one-row": lambda: staged(make_track(n=1)),
    "empty": lambda: staged(S.empty_positions()),
}


@pytest.mark.parametrize("keep_all", [False, True], ids=["used", "keep_all"])
@pytest.mark.parametrize("shape", list(SHAPES))
def test_prepare_equals_one_full_sort(shape: str, keep_all: bool) -> None:
    tracks = SHAPES[shape]()
    expected = _full_sort(tracks, keep_all=keep_all)
    for given in (tracks, tracks.lazy()):
        assert_frame_equal(C.prepare(given, keep_all=keep_all), expected, check_exact=True)


def test_prepare_of_two_parts_equals_one_full_sort() -> None:
    tracks = SHAPES["sorted-by-mmsi-ts"]()
    expected = _full_sort(tracks)
    assert_frame_equal(C.prepare([tracks.head(20), tracks.tail(tracks.height - 20)]), expected)


def test_prepared_columns_are_one_chunk() -> None:
    tracks = SHAPES["sorted-by-mmsi-ts"]()
    chunked = pl.concat([tracks.head(10), tracks.tail(tracks.height - 10)], rechunk=False)
    assert max(s.n_chunks() for s in chunked.get_columns()) > 1
    for order in (chunked, chunked.sample(fraction=1.0, shuffle=True, seed=1)):
        p = C.prepare(order)
        assert all(s.n_chunks() == 1 for s in p.get_columns())


def test_tie_hash_of_some_rows_is_the_hash_of_those_rows() -> None:
    """The tie-breaker is hashed on the tied rows only: a row hash, the same as on all rows."""
    f = _fleet()
    rest = [c for c in f.columns if c not in C.ORDER_KEYS]
    whole = f.select(pl.struct(rest).hash(seed=0)).to_series()
    rows = pl.Series([0, 5, 17, f.height - 1])
    part = f.gather(rows).select(pl.struct(rest).hash(seed=0)).to_series()
    assert part.to_list() == whole.gather(rows).to_list()


@pytest.mark.parametrize("shape", list(SHAPES))
def test_identity_time_order_equals_one_stable_sort(shape: str) -> None:
    """`identity_periods` puts its rows in (mmsi, ts, segment_id) order by sorting in place only
    the vessels whose rows are out of that order: the same as one stable sort of every row."""
    tracks = SHAPES[shape]()
    for frame in (tracks, C.prepare(tracks) if tracks.height else tracks):
        for rows in (
            pl.int_range(frame.height, eager=True),
            pl.int_range(0, frame.height, 3, eager=True),
        ):
            rows = rows.cast(pl.get_index_type())
            expected = (
                frame.select(S.MMSI, S.TS, S.SEGMENT_ID)
                .with_row_index("_row")
                .filter(pl.col("_row").is_in(rows.implode()))
                .sort(S.MMSI, S.TS, S.SEGMENT_ID, maintain_order=True)["_row"]
            )
            assert _time_order(frame, rows.clone()).to_list() == expected.to_list()


@pytest.mark.parametrize("shape", list(SHAPES))
def test_identity_changes_in_time_order_equal_those_of_a_gather_of_every_row(shape: str) -> None:
    """`identity_periods` computes its per-row changes over the rows that keep their place as
    they are and over the moved vessels' rows alone (`_in_order`): the same flags as gathering
    every kept row into time order first."""
    from vessels.events.identity_change import _in_order, _time_moves

    tracks = SHAPES[shape]()
    for frame in (tracks, C.prepare(tracks) if tracks.height else tracks):
        frame = frame.with_columns(
            (pl.col(S.LAT) * 1000 % 7).round().alias("_key"), pl.col(S.MMSI).alias("_m")
        )
        new = (pl.col("_m") != pl.col("_m").shift(1)).fill_null(True)
        changed = new | (pl.col("_key") != pl.col("_key").shift(1)).fill_null(True)
        for kept in (
            pl.repeat(True, frame.height, eager=True),
            pl.int_range(frame.height, eager=True) % 3 != 1,
        ):
            rows = kept.arg_true()
            want = frame.gather(_time_order(frame, rows.clone())).select(changed).to_series()
            moves = _time_moves(frame, rows.clone())
            order = rows if moves is None else rows.scatter(*moves)
            got = _in_order(frame, kept, bool(kept.all()), moves, order, changed)
            assert got.to_list() == want.to_list()


def _truly_ascending(s: pl.Series) -> bool:
    """Ascending by its values, not by a flag (a fresh Series carries none)."""
    values = s.to_list()
    return all(a <= b for a, b in itertools.pairwise(values))


@pytest.mark.parametrize("shape", list(SHAPES))
def test_prepared_mmsi_and_segment_number_are_flagged_sorted_and_are(shape: str) -> None:
    """``prepare`` flags ``mmsi`` and ``_seg`` ascending (polars then groups them by slices, no
    hash); the flags hold: the rows are in that order whatever the input's order."""
    p = C.prepare(SHAPES[shape]())
    for name in (S.MMSI, C.SEG):
        assert p[name].flags["SORTED_ASC"], name
        assert _truly_ascending(p[name]), name


def test_mmsi_with_a_null_is_not_flagged_sorted() -> None:
    tracks = SHAPES["sorted-by-mmsi-ts"]()
    tracks = tracks.with_columns(
        pl.when(pl.int_range(pl.len()) == 3).then(None).otherwise(pl.col(S.MMSI)).alias(S.MMSI)
    )
    p = C.prepare(tracks)
    assert p[S.MMSI].null_count() == 1
    assert not p[S.MMSI].flags["SORTED_ASC"]
    assert _truly_ascending(p[C.SEG]) and p[C.SEG].flags["SORTED_ASC"]


def test_runs_id_is_flagged_sorted_and_is() -> None:
    frame = pl.DataFrame(
        {C.SEG: [1, 1, 1, 2, 2, 3, 3, 3, 3], "x": [0, 1, 1, 1, 0, 0, None, 1, 1]},
        schema={C.SEG: pl.UInt32, "x": pl.Int64},
    )
    run = frame.select(C.runs_id(pl.col("x") != C.prev_in(pl.col("x")))).to_series()
    assert run.flags["SORTED_ASC"]
    assert run.to_list() == [1, 2, 2, 3, 4, 5, 6, 7, 7]
