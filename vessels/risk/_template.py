"""Explanation templates compiled to polars expressions (private).

A template is a ``str.format``-style string such as ``"dark {hours:.1f} h{where} (+{points:.0f})"``.
It is parsed once and turned into one ``pl.concat_str`` expression, so explanations for a million
contributions are built without a Python loop over rows. Supported format specs: none, ``.Nf``
(fixed decimals) and ``d`` (whole number). A null field renders as ``?``.

Examples
--------
>>> import polars as pl
>>> df = pl.DataFrame({"hours": [4.0, 12.25], "points": [25.0, 7.6], "zone": ["AOI", None]})
>>> expr = compile_template("dark {hours:.1f} h in {zone} (+{points:.0f})")
>>> df.select(expr).to_series().to_list()
['dark 4.0 h in AOI (+25)', 'dark 12.2 h in ? (+8)']
>>> template_fields("met {other_mmsi} for {hours:.1f} h")
['other_mmsi', 'hours']
"""

from __future__ import annotations

import re
import string

import polars as pl

from vessels.errors import ConfigError

__all__ = ["compile_template", "template_fields"]

_FIXED = re.compile(r"^\.(\d)f$")


def template_fields(template: str) -> list[str]:
    """Names of the fields a template reads, in order of appearance."""
    return [f for _, f, _, _ in string.Formatter().parse(template) if f]


def _field_expr(name: str, spec: str) -> pl.Expr:
    col = pl.col(name)
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


def compile_template(template: str) -> pl.Expr:
    """One polars expression (named ``explanation``) that renders ``template`` per row."""
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
        parts.append(_field_expr(field, spec or "").fill_null("?"))
    if not parts:
        return pl.lit("").alias("explanation")
    return pl.concat_str(parts).alias("explanation")
