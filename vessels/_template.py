"""Text templates compiled to polars expressions (private): the risk rules' explanations and
the detectors' evidence summaries.

A template is a ``str.format``-style string such as ``"dark {hours:.1f} h{where} (+{points:.0f})"``.
It is parsed once and turned into one ``pl.concat_str`` expression, so explanations for a million
contributions (or summaries for a million events) are built without a Python loop over rows.
Supported format specs: none, ``.Nf`` (fixed decimals) and ``d`` (whole number). A field is the
column of its name, or the expression given for it in ``fields``. A null field renders as ``?``
(``null=``: another text, or ``None`` to make the whole text null, as ``pl.concat_str`` does).
:func:`clause` is a template shown only where a condition holds (an optional part of a sentence).

Examples
--------
>>> import polars as pl
>>> df = pl.DataFrame({"hours": [4.0, 12.25], "points": [25.0, 7.6], "zone": ["AOI", None]})
>>> expr = compile_template("dark {hours:.1f} h in {zone} (+{points:.0f})")
>>> df.select(expr).to_series().to_list()
['dark 4.0 h in AOI (+25)', 'dark 12.2 h in ? (+8)']
>>> template_fields("met {other_mmsi} for {hours:.1f} h")
['other_mmsi', 'hours']
>>> shore = clause(pl.col("zone").is_not_null(), " in {zone}")
>>> df.select(compile_template("{h:.1f} h{shore}", fields={"h": pl.col("hours"), "shore": shore},
...     null=None)).to_series().to_list()
['4.0 h in AOI', '12.2 h']
"""

from __future__ import annotations

import re
import string
from collections.abc import Mapping

import polars as pl

from vessels.errors import ConfigError

__all__ = ["clause", "compile_template", "format_number", "template_fields"]

_FIXED = re.compile(r"^\.(\d)f$")


def template_fields(template: str) -> list[str]:
    """Names of the fields a template reads, in order of appearance."""
    return [f for _, f, _, _ in string.Formatter().parse(template) if f]


def _field_expr(name: str, spec: str, col: pl.Expr) -> pl.Expr:
    if not spec:
        return col.cast(pl.String)
    if spec == "d":
        return col.round(0).cast(pl.Int64).cast(pl.String)
    m = _FIXED.match(spec)
    if m is None:
        raise ConfigError(f"explanation template: unsupported format spec {spec!r} for {name!r}")
    decimals = int(m.group(1))
    if decimals == 0:
        return col.round(0).cast(pl.Int64).cast(pl.String)
    # fixed decimals: integer part and zero-padded fractional part, so 4 -> "4.0", 4.1 -> "4.10"
    scaled = (col.abs() * 10**decimals).round(0).cast(pl.Int64)
    whole = (scaled // 10**decimals).cast(pl.String)
    frac = (scaled % 10**decimals).cast(pl.String).str.zfill(decimals)
    sign = pl.when((col < 0) & (scaled > 0)).then(pl.lit("-")).otherwise(pl.lit(""))
    return pl.concat_str([sign, whole, pl.lit("."), frac])


def format_number(expr: pl.Expr, spec: str) -> pl.Expr:
    """``expr`` as a template field with format ``spec`` renders it (e.g. ``".1f"``), as text.

    Examples
    --------
    >>> pl.select(format_number(pl.lit(2.25), ".1f")).item()
    '2.2'
    """
    return _field_expr("value", spec, expr)


def compile_template(
    template: str,
    *,
    fields: Mapping[str, pl.Expr] | None = None,
    null: str | None = "?",
    name: str = "explanation",
) -> pl.Expr:
    """One polars expression (named ``name``) that renders ``template`` per row.

    A field is ``fields[field]`` when given, else the column of that name. A null field renders
    as ``null``; with ``null=None`` the whole text is null.
    """
    given = fields or {}
    parts: list[pl.Expr] = []
    for literal, field, spec, conversion in string.Formatter().parse(template):
        if literal:
            parts.append(pl.lit(literal))
        if field is None:
            continue
        if conversion:
            raise ConfigError(f"explanation template: conversions like !{conversion} unsupported")
        if not field:
            raise ConfigError(f"explanation template {template!r}: empty field {{}}")
        value = _field_expr(field, spec or "", given.get(field, pl.col(field)))
        parts.append(value if null is None else value.fill_null(null))
    if not parts:
        return pl.lit("").alias(name)
    return pl.concat_str(parts).alias(name)


def clause(
    condition: pl.Expr, template: str, *, fields: Mapping[str, pl.Expr] | None = None
) -> pl.Expr:
    """``template`` (nulls make it null) where ``condition`` holds, else the empty text."""
    text = compile_template(template, fields=fields, null=None, name="clause")
    return pl.when(condition).then(text).otherwise(pl.lit(""))
