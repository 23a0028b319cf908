"""The most frequent value of a group, ties to the smallest, in two steps that polars runs safely.

Private module. ``pl.col(c).drop_nulls().mode().sort().first()`` inside a ``group_by().agg()``
(the "smallest most frequent value" of a text column) makes, now and then, a text column that a
later filter and string expression read past its end: polars 2.1 panics
(``assertion failed: i < self.len()`` in ``binview/mod.rs``) in about one run in ten of the fleet
detector on some inputs (``tests/events/test_modes.py`` repeats such a case). ``mode()`` alone in
the aggregation, as a list, then the list sorted and its first element taken outside it, is the
same value and does not fail.

Examples
--------
>>> import polars as pl
>>> df = pl.DataFrame({"g": [1, 1, 1, 2, 2, 3], "x": ["b", "a", "b", "c", "a", None]})
>>> out = df.group_by("g").agg(modes_agg("x")).with_columns(smallest(pl.col("x")))
>>> out.sort("g")["x"].to_list()
['b', 'a', None]
"""

from __future__ import annotations

import polars as pl

__all__ = ["modes_agg", "smallest"]


def modes_agg(name: str) -> pl.Expr:
    """In an aggregation: the list of the most frequent non-null values of column ``name``."""
    return pl.col(name).drop_nulls().mode()


def smallest(modes: pl.Expr) -> pl.Expr:
    """After the aggregation: the smallest of :func:`modes_agg`'s values (null when none), under
    the same name."""
    return modes.list.sort().list.first()
