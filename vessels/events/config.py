"""``DetectorConfig``: one frozen config per detector, overridable from TOML profiles.

A profile is a TOML file with one section per detector (``[ais_gap]``, ``[zone_entry]``,
``[eez_incursion]``, ``[encounter]``, ``[loitering]``, ``[fishing]``, ``[dark_rendezvous]``,
``[identity_conflict]``); keys are the fields of that detector's config. Unknown sections or keys
raise :class:`~vessels.errors.ConfigError` naming the key and the file. Bundled profiles live in
``vessels/events/profiles/`` (:func:`profile_path`).

Examples
--------
>>> cfg = DetectorConfig.from_mapping({"ais_gap": {"min_gap_h": 12}}, source="cli")
>>> cfg.ais_gap.min_gap_h, cfg.encounter.max_dist_m
(12.0, 500.0)
>>> DetectorConfig.from_mapping({"ais_gap": {"min_gap": 12}}, source="my.toml")
Traceback (most recent call last):
...
vessels.errors.ConfigError: my.toml [ais_gap]: unknown key 'min_gap' (known keys: ...)
>>> DetectorConfig.from_toml(profile_path("upper_gulf")).ais_gap.min_gap_in_zone_h
1.0
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any, Protocol, runtime_checkable

from vessels.config import load_toml, override
from vessels.errors import ConfigError
from vessels.events.registry import detectors, get

__all__ = [
    "PROFILES_DIR",
    "DetectorConfig",
    "DetectorSettings",
    "parameters_markdown",
    "profile_path",
]

#: Directory of the bundled TOML profiles.
PROFILES_DIR = Path(__file__).parent / "profiles"


def profile_path(name: str) -> Path:
    """Path of a bundled profile (``default``, ``upper_gulf``, ``yucatan``).

    Examples
    --------
    >>> profile_path("default").name
    'default.toml'
    """
    path = PROFILES_DIR / f"{name}.toml"
    if not path.exists():
        known = ", ".join(sorted(p.stem for p in PROFILES_DIR.glob("*.toml")))
        raise ConfigError(f"unknown detector profile {name!r} (known: {known})")
    return path


class DetectorConfig:
    """One frozen config per registered detector; attribute and TOML section = the event type.

    The sections come from the detector registry (:mod:`vessels.events.registry`): a detector
    registered later has its section too. Build it with :meth:`from_toml` (a profile file) or
    :meth:`from_mapping`; every key is validated by :func:`vessels.config.override` (unknown
    keys, wrong types, numbers that are negative, not finite or out of range are a
    :class:`~vessels.errors.ConfigError` naming the key and the source), then each section as a
    whole (bands and trapezoid corners that must rise, shares within [0, 1], a regular
    expression that must compile). ``DetectorConfig(fishing=FishingConfig(...))`` sets
    sections directly.

    Examples
    --------
    >>> cfg = DetectorConfig()
    >>> cfg.ais_gap.min_gap_h, cfg.loitering.min_shore_nm
    (6.0, 20.0)
    >>> DetectorConfig.from_mapping({"loitering": {"min_duration_h": 8}}, source="x").loitering
    LoiteringConfig(max_speed_kn=2.0, min_duration_h=8.0, min_shore_nm=20.0, ...)
    """

    __slots__ = ("_sections",)

    def __init__(self, **sections: Any) -> None:
        records = {d.event_type: d for d in detectors()}
        unknown = sorted(set(sections) - set(records))
        if unknown:
            raise TypeError(
                f"DetectorConfig: unknown section(s) {', '.join(unknown)} "
                f"(known: {', '.join(records)})"
            )
        values: dict[str, Any] = {}
        for name, record in records.items():
            value = sections.get(name)
            if value is None:
                value = record.config()
            elif not isinstance(value, record.config):
                raise TypeError(
                    f"DetectorConfig: {name} must be a {record.config.__name__}, "
                    f"got {type(value).__name__}"
                )
            values[name] = value
        object.__setattr__(self, "_sections", values)

    def __getattr__(self, name: str) -> Any:
        sections = object.__getattribute__(self, "_sections")
        try:
            return sections[name]
        except KeyError:
            raise AttributeError(f"DetectorConfig has no section {name!r}") from None

    def __setattr__(self, name: str, value: Any) -> None:
        raise AttributeError("DetectorConfig is frozen; use replace() or from_mapping()")

    def section(self, event_type: str) -> Any:
        """The config of one detector (ConfigError naming the known ones if unknown)."""
        get(event_type)
        return self._sections[event_type]

    @property
    def sections(self) -> dict[str, Any]:
        """event type -> config, in registry order."""
        return dict(self._sections)

    def replace(self, **changes: Any) -> DetectorConfig:
        """A copy with some sections replaced."""
        return DetectorConfig(**{**self._sections, **changes})

    def __eq__(self, other: object) -> bool:
        return isinstance(other, DetectorConfig) and self._sections == other._sections

    def __hash__(self) -> int:
        return hash(tuple(self._sections.items()))

    def __repr__(self) -> str:
        inner = ", ".join(f"{k}={v!r}" for k, v in self._sections.items())
        return f"DetectorConfig({inner})"

    @classmethod
    def from_mapping(cls, mapping: Mapping[str, Any], *, source: str) -> DetectorConfig:
        """Defaults overridden by ``{section: {key: value}}``, validated (unknown -> error)."""
        base = cls()
        sections = set(base._sections)
        changes: dict[str, Any] = {}
        for section, values in mapping.items():
            if section not in sections:
                raise ConfigError(
                    f"{source}: unknown section [{section}] (known: {', '.join(sorted(sections))})"
                )
            if not isinstance(values, Mapping):
                raise ConfigError(f"{source}: [{section}] must be a table of key = value")
            changes[section] = override(
                base.section(section), values, source=f"{source} [{section}]"
            )
            _check_section(section, changes[section], f"{source} [{section}]")
        return base.replace(**changes)

    @classmethod
    def from_toml(cls, path: str | Path) -> DetectorConfig:
        """Load a TOML profile (see module docstring)."""
        return cls.from_mapping(load_toml(path), source=str(path))


@runtime_checkable
class DetectorSettings(Protocol):
    """Anything that yields a :class:`DetectorConfig`, e.g. a risk profile
    (:class:`vessels.risk.Profile`), so ``detect_events(tracks, zones, profile)`` uses that
    profile's detector overrides."""

    def detector_config(self) -> DetectorConfig: ...


def _rising(cfg: Any, *keys: str) -> str | None:
    values = [getattr(cfg, k) for k in keys]
    if values == sorted(values):
        return None
    shown = ", ".join(f"{k} = {v:g}" for k, v in zip(keys, values, strict=True))
    return f"keys {' <= '.join(repr(k) for k in keys)} must not decrease, got {shown}"


def _at_least(cfg: Any, key: str, low: float, why: str) -> str | None:
    value = getattr(cfg, key)
    return None if value >= low else f"key {key!r} must be at least {low:g} ({why}), got {value!r}"


def _at_most(cfg: Any, key: str, high: float, why: str) -> str | None:
    value = getattr(cfg, key)
    return None if value <= high else f"key {key!r} must be at most {high:g} ({why}), got {value!r}"


def _corners(cfg: Any) -> str | None:
    """Every tuple key has its default's number of values, in non-decreasing order (trapezoid
    corners zero/full/full/zero and (start, full) ramps are written from low to high)."""
    default = type(cfg)()
    for f in dataclasses.fields(cfg):
        value = getattr(cfg, f.name)
        if not isinstance(value, tuple):
            continue
        want = len(getattr(default, f.name))
        if len(value) != want:
            return f"key {f.name!r} must have {want} values, got {len(value)}: {list(value)!r}"
        if list(value) != sorted(value):
            shown = ", ".join(f"{v:g}" for v in value)
            return f"key {f.name!r} must not decrease (corners from low to high), got [{shown}]"
    return None


def _windows(cfg: Any) -> str | None:
    """The short window must be shorter than the mid window (equal ones name the same feature
    columns twice)."""
    if cfg.short_window_h < cfg.mid_window_h:
        return None
    return (
        f"key 'short_window_h' must be less than 'mid_window_h', got "
        f"{cfg.short_window_h:g} and {cfg.mid_window_h:g}"
    )


#: Multipliers of the fishing score: a share of a score in [0, 1], so above 1 is a typo.
_FISHING_FACTORS = (
    "trawl_straight_factor",
    "haul_factor",
    "soak_day_factor",
    "unknown_type_factor",
    "small_craft_type_factor",
    "other_type_factor",
)


def _fishing_shares(cfg: Any) -> str | None:
    for key in _FISHING_FACTORS:
        problem = _at_most(cfg, key, 1.0, "a share of the score")
        if problem is not None:
            return problem
    if max(cfg.min_share) > 1.0:
        return (
            f"key 'min_share' must be within [0, 1] (a share of positions), got {cfg.min_share!r}"
        )
    return None


def _regex(cfg: Any, key: str) -> str | None:
    import polars as pl

    pattern = getattr(cfg, key)
    if len(pattern) > 1000:
        return f"key {key!r} is longer than 1000 characters"
    try:  # the pattern runs in polars (Rust regex syntax), so it is checked there
        pl.Series([""], dtype=pl.String).str.contains(pattern)
    except pl.exceptions.PolarsError as exc:
        first = str(exc).strip().splitlines()
        return f"key {key!r} is not a valid regular expression: {pattern!r} ({first[-1]})"
    return None


#: Checks across keys of one section (each returns a message or None); single values are
#: checked by :func:`vessels.config.check_number` (finite, not negative, within their unit).
_SECTION_CHECKS: dict[str, tuple[Any, ...]] = {
    "ais_gap": (lambda c: _at_least(c, "area_reception_min_vessels", 1, "vessels judging a cell"),),
    "encounter": (
        lambda c: _at_least(c, "grid_min", 1.0, "the grid step; 10 by default"),
        lambda c: _at_least(c, "max_dist_m", 1.0, "the pair distance"),
        lambda c: _rising(c, "short_min_duration_h", "short_max_duration_h"),
    ),
    "fishing": (
        _corners,
        _fishing_shares,
        lambda c: _at_least(c, "short_window_h", 1e-3, "a window length"),
        _windows,
        lambda c: _at_least(c, "min_window_positions", 1, "positions in a window"),
        lambda c: _at_least(c, "berth_cell_deg", 1e-6, "the berth grid step"),
    ),
    "loitering": (
        lambda c: _rising(c, "carrier_ship_type_min", "carrier_ship_type_max"),
        lambda c: _regex(c, "carrier_name_pattern"),
    ),
    "identity_conflict": (lambda c: _rising(c, "ship_mmsi_min", "ship_mmsi_max"),),
    "dark_rendezvous": (lambda c: _at_least(c, "max_sep_km", 1e-3, "the pair distance"),),
}


def _check_section(section: str, cfg: Any, source: str) -> None:
    """Refuse values of one section that are each valid but make no sense together."""
    for check in _SECTION_CHECKS.get(section, ()):
        problem = check(cfg)
        if problem is not None:
            raise ConfigError(f"{source}: {problem}")


def _attribute_docs(cls: type) -> dict[str, str]:
    """Field name -> description, from the numpydoc ``Attributes`` section of ``cls``."""
    doc = (cls.__doc__ or "").split("Attributes\n    ----------\n", 1)
    out: dict[str, list[str]] = {}
    current: list[str] = []
    for line in doc[1].splitlines() if len(doc) == 2 else []:
        if re.match(r"^    \S", line):
            current = [n.strip() for n in line.strip().split(":")[0].split(",")]
            for name in current:
                out[name] = []
        elif current and line.strip():
            for name in current:
                out[name].append(line.strip())
    return {k: " ".join(v) for k, v in out.items()}


def parameters_markdown() -> str:
    """The parameter tables of ``docs/events.md``: every detector parameter, default and source.

    Generated from the config classes' docstrings, so the documentation cannot drift from the
    code (a test compares the two).

    Examples
    --------
    >>> print(parameters_markdown().splitlines()[1])
    ### `[ais_gap]` — `GapConfig`
    """
    lines: list[str] = []
    for record in detectors():
        cls = record.config
        cfg = cls()
        docs = _attribute_docs(cls)
        lines += [
            "",
            f"### `[{record.event_type}]` — `{cls.__name__}`",
            "",
            "| parameter | default | meaning and source |",
            "|---|---|---|",
        ]
        for f in dataclasses.fields(cls):
            text = docs.get(f.name, "").replace("|", "\\|")
            lines.append(f"| `{f.name}` | `{getattr(cfg, f.name)!r}` | {text} |")
    return "\n".join(lines)
