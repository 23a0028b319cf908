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
import tomllib
import types
import typing
from collections.abc import Mapping
from pathlib import Path
from typing import Any, TypeVar

from vessels.errors import ConfigError

__all__ = ["load_toml", "override"]

T = TypeVar("T")


def load_toml(path: str | Path) -> dict[str, Any]:
    """Read a TOML file, turning a missing file or a syntax error into a :class:`ConfigError`."""
    p = Path(path)
    try:
        with p.open("rb") as fh:
            return tomllib.load(fh)
    except FileNotFoundError:
        raise ConfigError(f"{p}: file not found", hint="check the path") from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{p}: not valid TOML: {exc}") from None


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

    Unknown keys, values of the wrong type, and negative numbers are refused with a
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
        if isinstance(conv, int | float) and not isinstance(conv, bool) and conv < 0:
            raise ConfigError(f"{source}: key {key!r} must not be negative, got {value!r}")
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
