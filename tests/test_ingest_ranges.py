"""The MMSI ranges of a partitioned ingest come from rows per MMSI, not from a sort per range.

:func:`vessels.ingestion._mmsi_quantiles` must give the very bounds polars' "lower" quantiles
of every row gave (the ranges, hence each in-memory pass, stay the same); that the positions do
not depend on the ranges at all is tests/test_cli_ingest.py's
``test_partitioned_ingest_matches_one_pass``.
"""

from __future__ import annotations

import random

import polars as pl
import pytest

from vessels.ingestion import _mmsi_quantiles


def _rows(seed: int) -> pl.DataFrame:
    rng = random.Random(seed)
    pool = [rng.randint(1, 999_999_999) for _ in range(rng.randint(1, 300))]
    # a few vessels with many rows (one MMSI can span several ranges), nulls among them
    weights = [rng.choice([1, 1, 1, 50]) for _ in pool]
    n = rng.randint(1, 5000)
    mmsi = rng.choices(pool, weights=weights, k=n)
    mmsi = [None if rng.random() < 0.01 else m for m in mmsi]
    return pl.DataFrame({"mmsi": mmsi}, schema={"mmsi": pl.UInt32})


@pytest.mark.parametrize("seed", range(40))
def test_quantiles_from_counts_are_polars_lower_quantiles(seed: int) -> None:
    rows = _rows(seed)
    k = random.Random(seed).randint(2, 60)
    qs = [i / k for i in range(1, k)]
    want = rows.select(
        pl.col("mmsi").quantile(q, interpolation="lower").alias(str(i)) for i, q in enumerate(qs)
    ).row(0)
    assert _mmsi_quantiles(rows.lazy(), qs) == sorted({int(v) for v in want if v is not None})


def test_no_rows_no_bounds() -> None:
    empty = pl.LazyFrame({"mmsi": []}, schema={"mmsi": pl.UInt32})
    assert _mmsi_quantiles(empty, [0.5]) == []
