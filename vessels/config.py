"""Configuration machinery: frozen dataclasses of thresholds, overridden from TOML, validated.

Each stage owns its own frozen config dataclass next to its code (``vessels.tracks.SegmentConfig``,
the detectors' configs in ``vessels.events``, the risk profiles in ``vessels.risk``); every field
has a unit in its name and its docstring cites where the default comes from. This module gives
them one way to be overridden from a mapping or a TOML file, with errors that name the key and
the file.

Examples
--------
>>> from dataclasses import dataclass
>>> @dataclass(frozen=True)
... class GapConfig:
...     min_gap_h: float = 6.0
>>> override(GapConfig(), {"min_gap_h": 12}, source="profile.toml")
GapConfig(min_gap_h=12.0)
>>> override(GapConfig(), {"min_gap": 12}, source="profile.toml")
Traceback (most recent call last):
...
vessels.errors.ConfigError: profile.toml: unknown key 'min_gap' (known keys: min_gap_h)
>>> override(GapConfig(), {"min_gap_h": -1}, source="profile.toml")
Traceback (most recent call last):
...
vessels.errors.ConfigError: profile.toml: key 'min_gap_h' must not be negative, got -1
"""

from __future__ import annotations

import dataclasses
import math
import re
import tomllib
import types
import typing
from collections.abc import Mapping
from pathlib import Path
from typing import Any, TypeVar

from vessels.errors import ConfigError

__all__ = ["check_number", "load_toml", "override"]

T = TypeVar("T")


def load_toml(path: str | Path) -> dict[str, Any]:
    """Read a TOML file, turning a missing file or a syntax error into a :class:`ConfigError`."""
    p = Path(path)
    try:
        data = p.read_bytes()
    except FileNotFoundError:
        raise ConfigError(f"{p}: file not found", hint="check the path") from None
    except IsADirectoryError:
        raise ConfigError(f"{p}: is a directory, not a TOML file", hint="check the path") from None
    except OSError as exc:
        raise ConfigError(f"{p}: cannot read: {exc.strerror}") from None
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise ConfigError(
            f"{p}: not UTF-8 text (byte 0x{data[exc.start]:02x} on line {line})",
            hint="TOML files are UTF-8; save the file as UTF-8",
        ) from None
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{p}: not valid TOML: {exc}") from None


#: Largest sensible value of a key, by its name (first match wins): units in names make the
#: range of every threshold known. A larger value is a typo (or a hostile file) that would
#: overflow time arithmetic or blow up a grid, so it is refused rather than clipped.
_BOUNDS: tuple[tuple[str, float, str], ...] = (
    (r"^(points|points_per_h|cap)$", 100.0, "points (a score is 0-100)"),
    (r"(^|_)score$", 1.0, "(a score in [0, 1])"),
    (r"^weight_", 1.0, "(a weight in [0, 1])"),
    (r"^night_(start|end)_h$", 24.0, "hours of the day"),
    (r"ship_types?(_min|_max)?$", 255.0, "(AIS ship types are 0-255)"),
    (r"mmsi_(min|max)$", 999_999_999.0, "(an MMSI has 9 digits)"),
    (r"_kn$", 102.2, "kn (the largest speed AIS can report)"),
    (r"_deg$", 360.0, "degrees"),
    (r"_km$", 20_038.0, "km (half the Earth's circumference)"),
    (r"_nm$", 10_820.0, "nm (half the Earth's circumference)"),
    (r"_m$", 20_038_000.0, "m (half the Earth's circumference)"),
    (r"(_h|_hours)$", 8_784.0, "hours (a leap year)"),
    (r"_min$", 527_040.0, "minutes (a leap year)"),
    (r"_s$", 31_622_400.0, "seconds (a leap year)"),
    (r"(factor|multiplier)s?$", 100.0, ""),
    (r"", 1e9, ""),  # counts, windows: anything larger is not a setting
)


def check_number(key: str, value: float, *, source: str) -> None:
    """Refuse a number that is not finite, negative, or above the range its name implies.

    Examples
    --------
    >>> check_number("min_gap_h", float("nan"), source="p.toml")
    Traceback (most recent call last):
    ...
    vessels.errors.ConfigError: p.toml: key 'min_gap_h' must be a finite number, got nan
    >>> check_number("gap_h", 1e308, source="p")
    Traceback (most recent call last):
    ...
    vessels.errors.ConfigError: p: key 'gap_h' must be at most 8784 hours (a leap year), got 1e+308
    """
    leaf = key.rsplit(".", 1)[-1]
    if not math.isfinite(value):
        raise ConfigError(f"{source}: key {key!r} must be a finite number, got {value!r}")
    if value < 0:
        raise ConfigError(f"{source}: key {key!r} must not be negative, got {value!r}")
    for pattern, top, unit in _BOUNDS:
        if re.search(pattern, leaf):
            if value > top:
                limit = f"{top:g} {unit}".strip()
                raise ConfigError(f"{source}: key {key!r} must be at most {limit}, got {value!r}")
            return


def _accepts(tp: Any, value: Any) -> tuple[bool, Any]:
    """Whether ``value`` fits annotation ``tp``; returns (ok, converted value)."""
    origin = typing.get_origin(tp)
    if origin in (typing.Union, types.UnionType):
        for arg in typing.get_args(tp):
            ok, conv = _accepts(arg, value)
            if ok:
                return True, conv
        return False, value
    if tp is type(None):
        return value is None, value
    if tp is bool:
        return isinstance(value, bool), value
    if tp is float:
        if isinstance(value, int | float) and not isinstance(value, bool):
            return True, float(value)
        return False, value
    if tp is int:
        return isinstance(value, int) and not isinstance(value, bool), value
    if tp is str:
        return isinstance(value, str), value
    if origin is tuple:
        if isinstance(value, list | tuple):
            args = typing.get_args(tp)
            inner = args[0] if args else Any
            out = []
            for v in value:
                ok, conv = _accepts(inner, v) if inner is not Any else (True, v)
                if not ok:
                    return False, value
                out.append(conv)
            return True, tuple(out)
        return False, value
    if origin is typing.Literal:
        return value in typing.get_args(tp), value
    return True, value


def override(base: T, mapping: Mapping[str, Any], *, source: str) -> T:
    """Return a copy of the frozen dataclass ``base`` with fields replaced from ``mapping``.

    Unknown keys, values of the wrong type, and numbers that are negative, not finite or above
    the range their name implies (:func:`check_number`) are refused with a
    :class:`~vessels.errors.ConfigError` that names ``source`` (a file name or an option) and the
    key.
    """
    if not dataclasses.is_dataclass(base) or isinstance(base, type):
        raise TypeError("override() needs a dataclass instance")
    hints = typing.get_type_hints(type(base))
    fields = {f.name for f in dataclasses.fields(base)}
    changes: dict[str, Any] = {}
    for key, value in mapping.items():
        if key not in fields:
            raise ConfigError(
                f"{source}: unknown key {key!r} (known keys: {', '.join(sorted(fields))})"
            )
        ok, conv = _accepts(hints[key], value)
        if not ok:
            raise ConfigError(
                f"{source}: key {key!r} must be {_describe(hints[key])}, got {value!r}"
            )
        numbers = value if isinstance(conv, tuple) else (value,)  # as given, for the message
        for number in numbers:
            if isinstance(number, int | float) and not isinstance(number, bool):
                check_number(key, number, source=source)
        changes[key] = conv
    return dataclasses.replace(base, **changes)


def _describe(tp: Any) -> str:
    if tp is float:
        return "a number"
    if tp is int:
        return "a whole number"
    if tp is bool:
        return "true or false"
    if tp is str:
        return "a string"
    return f"of type {getattr(tp, '__name__', tp)}"
