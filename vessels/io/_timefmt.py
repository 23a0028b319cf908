"""Detecting ``dd/mm/yyyy`` / ``mm/dd/yyyy`` time columns from their values (private).

Exports of VMS and national AIS systems often write times as ``31/01/2024 14:05`` (day first)
or ``01/31/2024 14:05`` (month first). ISO 8601 parsing rejects
both, which would quarantine every row. The column decides: a first number above 12 means day
first, a second number above 12 means month first; when every value reads both ways the file is
refused with a message naming the two ``--time-format`` values, never guessed.
"""

from __future__ import annotations

from pathlib import Path

import polars as pl

from vessels.errors import UserError

__all__ = ["detect_slash_ts_format"]

#: day/month/year with one separator (``/``, ``.`` or ``-``), then an optional time
_DATE = (
    r"^\s*\"?(\d{1,2})([/.\-])(\d{1,2})[/.\-](\d{4})(?:[ T]+(\d{1,2}):(\d{2})(:\d{2})?(\.\d+)?)?"
)


def _format(first: str, sep: str, with_time: bool, seconds: bool, fraction: bool) -> str:
    a, b = ("%d", "%m") if first == "day" else ("%m", "%d")
    fmt = f"{a}{sep}{b}{sep}%Y"
    if with_time:
        fmt += " %H:%M" + (":%S" if seconds else "") + ("%.f" if fraction else "")
    return fmt


def detect_slash_ts_format(path: Path, name: str, ts_index: int) -> str | None:
    """The strftime format of a ``dd/mm/yyyy``-like time column (field ``ts_index``), or None.

    None when the column is not of that kind (ISO 8601, epoch: the default parser reads it).
    Raises :class:`UserError` when every value reads both day- and month-first.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> f = pathlib.Path(tempfile.mkdtemp()) / "vms.csv"
    >>> rows = ["id,fecha,lat,lon", "A1,02/01/2024 10:00,24,-110", "A1,25/01/2024 10:00,24,-110"]
    >>> _ = f.write_text("\\n".join(rows) + "\\n")
    >>> detect_slash_ts_format(f, "vms.csv", 1)
    '%d/%m/%Y %H:%M'
    >>> _ = f.write_text("id,fecha,lat,lon\\nA1,2024-01-02T10:00:00,24.1,-110.3\\n")
    >>> detect_slash_ts_format(f, "vms.csv", 1) is None
    True
    """
    lines = pl.scan_lines(path, name="line", glob=False).slice(1)
    field = pl.col("line").str.split(",").list.get(ts_index, null_on_oob=True)
    head = lines.head(1000).select(field.alias("v")).collect()["v"].drop_nulls()
    if head.is_empty() or head.str.contains(_DATE).mean() < 0.5:  # type: ignore[operator]
        return None
    parts = (
        lines.select(field.str.extract_groups(_DATE).alias("g"))
        .unnest("g")
        .filter(pl.col("1").is_not_null())
        .select(
            pl.col("1").cast(pl.Int32).max().alias("first_max"),
            pl.col("3").cast(pl.Int32).max().alias("second_max"),
            pl.col("2").first().alias("sep"),
            pl.col("5").is_not_null().any().alias("with_time"),
            pl.col("7").is_not_null().any().alias("seconds"),
            pl.col("8").is_not_null().any().alias("fraction"),
        )
        .collect()
        .row(0, named=True)
    )
    first_max, second_max = parts["first_max"], parts["second_max"]
    if first_max > 12 and second_max > 12:
        return None  # not a date the two readings explain: rows are quarantined as usual
    args = (parts["sep"], parts["with_time"], parts["seconds"], parts["fraction"])
    if first_max > 12:
        return _format("day", *args)
    if second_max > 12:
        return _format("month", *args)
    day, month = _format("day", *args), _format("month", *args)
    raise UserError(
        f"{name}: the times (e.g. {head[0]!r}) read both day-first and month-first: "
        "no day above 12 decides",
        hint=f"pass --time-format '{day}' (day first) or --time-format '{month}' (month first)",
    )
