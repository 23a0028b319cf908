"""Risk profiles: the numbers behind the rules, loaded from TOML and validated.

A profile file has these sections (all optional except what you want switched on)::

    [profile]
    name = "my-profile"
    description = "one line"
    extends = "default"            # start from a shipped profile (or a path), then override
    max_reasons = 3                # how many contributions go into `reasons`
    detectors = "upper_gulf"       # detector profile (vessels/events/profiles/) the [events]
                                   # section is applied on top of (default: detector defaults)

    [tiers]                        # lowest score of each tier (low starts at 0)
    medium = 25
    high = 50
    critical = 75

    [rules.ais_gap]                # one section per rule of vessels.risk.rules
    points = 4                     # per event
    points_per_h = 1.5             # per hour the rule counts (gap hours, hours inside...)
    max_hours = 24                 # hours counted per event at most
    min_hours = 0                  # shorter events are ignored
    min_shore_km = 0               # events nearer the shore are ignored...
    shore_exempt_in_zones = true   # ...unless inside a protected area / no-take zone / AOI
    min_track_positions = 10       # events on a track of fewer positions are ignored
    min_fishing_score = 0.5        # events whose fishing positions score less on average are
                                   # ignored (events with a mean_fishing_score: fishing, zone
                                   # entries, EEZ incursions)
    cap = 40                       # most points this rule can give one vessel
    open_multiplier = 0.5          # events still open at the end of the data (default 0: unscored)
    enabled = true

    [rules.network_contact]        # network rules (vessels.risk._network)
    share_of_other_score = 0.2     # share of each contact's score passed on (0-1)
    min_other_points = 50          # contacts scoring less pass nothing on
    cap = 20
    [rules.ais_gap.zone_kind_multipliers]
    aoi = 1.5                      # protected_area, no_take, aoi, eez
    [rules.ais_gap.zone_multipliers]
    "aoi-upper-gulf" = 2.0         # by zone_id; multiplies with the kind multiplier

    [vessel_rules.invalid_mmsi]
    points = 10

    [events]                       # detector parameter overrides (vessels.events.DetectorConfig)

A rule with no section in a profile (after ``extends``) is off. Unknown sections, rules or keys,
values of the wrong type, numbers that are negative, not finite or above their range
(:func:`vessels.config.check_number`), ``min_hours`` above ``max_hours``, and a profile that gives
no points at all raise :class:`~vessels.errors.ConfigError` naming the file and the key.

Examples
--------
>>> p = load_profile("default")
>>> p.name, p.tiers["critical"]
('default', 75.0)
>>> p.rules["ais_gap"].points_per_h > 0
True
>>> sorted(available_profiles())
['default', 'gulf-of-california', 'yucatan']
"""

from __future__ import annotations

import dataclasses
import importlib.resources
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from vessels import schema as S
from vessels.config import check_number, load_toml, override
from vessels.errors import ConfigError
from vessels.events.config import DetectorConfig, profile_path
from vessels.risk.rules import RULES_BY_NAME, VESSEL_RULES_BY_NAME

__all__ = [
    "DEFAULT_TIERS",
    "Profile",
    "RuleWeights",
    "VesselRuleWeights",
    "available_profiles",
    "load_profile",
    "parse_profile",
]

#: Lowest score of each tier above ``low``.
DEFAULT_TIERS: dict[str, float] = {"medium": 25.0, "high": 50.0, "critical": 75.0}

_SECTIONS = ("profile", "tiers", "rules", "vessel_rules", "events")
_PROFILE_KEYS = ("name", "description", "extends", "max_reasons", "detectors")


@dataclass(frozen=True)
class RuleWeights:
    """The numbers of one event rule in one profile (units in names; see module docstring)."""

    points: float = 0.0
    points_per_h: float = 0.0
    max_hours: float | None = None
    min_hours: float = 0.0
    min_shore_km: float = 0.0
    shore_exempt_in_zones: bool = True
    min_track_positions: int = 0
    min_fishing_score: float = 0.0
    cap: float | None = None
    open_multiplier: float = 0.0
    share_of_other_score: float = 0.0
    min_other_points: float = 0.0
    enabled: bool = True
    zone_kind_multipliers: dict[str, float] = field(default_factory=dict)
    zone_multipliers: dict[str, float] = field(default_factory=dict)


@dataclass(frozen=True)
class VesselRuleWeights:
    """The numbers of one vessel rule in one profile."""

    points: float = 0.0
    enabled: bool = True


@dataclass(frozen=True)
class Profile:
    """A validated risk profile (see :func:`load_profile`)."""

    name: str
    description: str = ""
    source: str = "<memory>"
    max_reasons: int = 3
    tiers: dict[str, float] = field(default_factory=lambda: dict(DEFAULT_TIERS))
    rules: dict[str, RuleWeights] = field(default_factory=dict)
    vessel_rules: dict[str, VesselRuleWeights] = field(default_factory=dict)
    events: dict[str, Any] = field(default_factory=dict)
    detectors: str | None = None

    def detector_mapping(self) -> dict[str, Any]:
        """Detector overrides: the ``detectors`` profile's sections, then ``[events]`` on top."""
        base: dict[str, Any] = {}
        if self.detectors is not None:
            base = load_toml(_detector_profile_path(self.detectors, self.source))
        return _merge(base, self.events)

    def detector_config(self) -> DetectorConfig:
        """``vessels.events.DetectorConfig`` with this profile's overrides (validated)."""
        return DetectorConfig.from_mapping(
            self.detector_mapping(), source=f"{self.source} [events]"
        )

    def tier_of(self, score: float) -> str:
        """Tier name of a score under this profile's thresholds.

        Examples
        --------
        >>> Profile(name="x").tier_of(60)
        'high'
        """
        tier = "low"
        for name in S.RISK_TIERS[1:]:
            if score >= self.tiers[name]:
                tier = name
        return tier


def _profiles_dir() -> Any:
    return importlib.resources.files("vessels.risk") / "profiles"


def available_profiles() -> list[str]:
    """Names of the shipped profiles."""
    return sorted(
        p.name.removesuffix(".toml") for p in _profiles_dir().iterdir() if p.name.endswith(".toml")
    )


def _merge(base: Mapping[str, Any], top: Mapping[str, Any]) -> dict[str, Any]:
    out = dict(base)
    for key, value in top.items():
        if isinstance(value, Mapping) and isinstance(out.get(key), Mapping):
            out[key] = _merge(out[key], value)
        else:
            out[key] = value
    return out


def _read(name_or_path: str | Path, _seen: tuple[str, ...] = ()) -> tuple[dict[str, Any], str]:
    """Raw mapping of a profile with its ``extends`` chain merged in, and its source name."""
    text = str(name_or_path)
    path = Path(text)
    if text in available_profiles() and not path.exists():
        resource = _profiles_dir() / f"{text}.toml"
        with importlib.resources.as_file(resource) as real:
            raw = load_toml(real)
        source = f"{text}.toml"
    elif path.suffix == ".toml" or path.exists():
        raw = load_toml(path)
        source = str(path)
    else:
        raise ConfigError(
            f"unknown profile {text!r}",
            hint=f"use one of {', '.join(available_profiles())} or a path to a .toml file",
        )
    if source in _seen:
        raise ConfigError(f"{source}: 'extends' loops back to itself")
    meta = raw.get("profile", {})
    parent = meta.get("extends") if isinstance(meta, Mapping) else None
    if parent is not None:
        if not isinstance(parent, str):
            raise ConfigError(f"{source}: key 'profile.extends' must be a string, got {parent!r}")
        if not Path(parent).is_absolute() and (path.parent / parent).exists():
            parent = str(path.parent / parent)
        try:
            base, _ = _read(parent, (*_seen, source))
        except ConfigError as exc:
            if exc.message.startswith(source):
                raise
            raise ConfigError(
                f"{source}: key 'profile.extends': {exc.message}", hint=exc.hint
            ) from None
        base.get("profile", {}).pop("name", None)
        raw = _merge(base, raw)
    return raw, source


def _table(value: Any, key: str, source: str) -> Mapping[str, Any]:
    if not isinstance(value, Mapping):
        raise ConfigError(f"{source}: key {key!r} must be a table, got {value!r}")
    return value


def _multipliers(
    value: Any, key: str, source: str, allowed: tuple[str, ...] | None
) -> dict[str, float]:
    out: dict[str, float] = {}
    for name, mult in _table(value, key, source).items():
        full = f"{key}.{name}"
        if allowed is not None and name not in allowed:
            raise ConfigError(
                f"{source}: unknown key {full!r} (known zone kinds: {', '.join(allowed)})"
            )
        if isinstance(mult, bool) or not isinstance(mult, int | float):
            raise ConfigError(f"{source}: key {full!r} must be a number, got {mult!r}")
        check_number(full, mult, source=source)
        out[str(name)] = float(mult)
    return out


def _rule_weights(name: str, value: Any, source: str) -> RuleWeights:
    key = f"rules.{name}"
    table = dict(_table(value, key, source))
    kinds = table.pop("zone_kind_multipliers", {})
    zones = table.pop("zone_multipliers", {})
    try:
        weights = override(RuleWeights(), table, source=source)
    except ConfigError as exc:  # name the full dotted key, not just the leaf
        raise ConfigError(exc.message.replace("key '", f"key '{key}.", 1)) from None
    if weights.max_hours is not None and weights.min_hours > weights.max_hours:
        raise ConfigError(
            f"{source}: key '{key}.min_hours' ({weights.min_hours:g}) is above "
            f"'{key}.max_hours' ({weights.max_hours:g})"
        )
    return dataclasses.replace(
        weights,
        zone_kind_multipliers=_multipliers(
            kinds, f"{key}.zone_kind_multipliers", source, S.ZONE_KINDS
        ),
        zone_multipliers=_multipliers(zones, f"{key}.zone_multipliers", source, None),
    )


def parse_profile(raw: Mapping[str, Any], *, source: str = "<memory>") -> Profile:
    """Validate a raw profile mapping (as read from TOML) into a :class:`Profile`.

    Examples
    --------
    >>> parse_profile({"rules": {"ais_gap": {"points": -1}}}, source="p.toml")
    Traceback (most recent call last):
    ...
    vessels.errors.ConfigError: p.toml: key 'rules.ais_gap.points' must not be negative, got -1
    >>> parse_profile({"rules": {"no_such_rule": {}}}, source="p.toml")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    vessels.errors.ConfigError: p.toml: unknown key 'rules.no_such_rule' (known rules: ...)
    """
    for section in raw:
        if section not in _SECTIONS:
            raise ConfigError(
                f"{source}: unknown key {section!r} (known sections: {', '.join(_SECTIONS)})"
            )
    meta = _table(raw.get("profile", {}), "profile", source)
    for key, value in meta.items():
        if key not in _PROFILE_KEYS:
            raise ConfigError(
                f"{source}: unknown key 'profile.{key}' (known keys: {', '.join(_PROFILE_KEYS)})"
            )
        want: type = int if key == "max_reasons" else str
        if isinstance(value, bool) or not isinstance(value, want):
            kind = "a whole number" if want is int else "a string"
            raise ConfigError(f"{source}: key 'profile.{key}' must be {kind}, got {value!r}")
        if key == "max_reasons" and isinstance(value, int) and not 0 <= value <= 100:
            raise ConfigError(
                f"{source}: key 'profile.max_reasons' must be 0 to 100, got {value!r}"
            )

    tiers = dict(DEFAULT_TIERS)
    tier_table = _table(raw.get("tiers", {}), "tiers", source)
    tiers.update(_multipliers(tier_table, "tiers", source, S.RISK_TIERS[1:]))
    ordered = [tiers[t] for t in S.RISK_TIERS[1:]]
    if ordered != sorted(ordered) or ordered[-1] > 100:
        raise ConfigError(f"{source}: key 'tiers' must rise medium ≤ high ≤ critical ≤ 100")

    rules: dict[str, RuleWeights] = {}
    for name, value in _table(raw.get("rules", {}), "rules", source).items():
        if name not in RULES_BY_NAME:
            raise ConfigError(
                f"{source}: unknown key 'rules.{name}' "
                f"(known rules: {', '.join(sorted(RULES_BY_NAME))})"
            )
        rules[name] = _rule_weights(name, value, source)

    vessel_rules: dict[str, VesselRuleWeights] = {}
    for name, value in _table(raw.get("vessel_rules", {}), "vessel_rules", source).items():
        key = f"vessel_rules.{name}"
        if name not in VESSEL_RULES_BY_NAME:
            raise ConfigError(
                f"{source}: unknown key {key!r} "
                f"(known vessel rules: {', '.join(sorted(VESSEL_RULES_BY_NAME))})"
            )
        try:
            vessel_rules[name] = override(
                VesselRuleWeights(), _table(value, key, source), source=source
            )
        except ConfigError as exc:
            raise ConfigError(exc.message.replace("key '", f"key '{key}.", 1)) from None

    events = dict(_table(raw.get("events", {}), "events", source))
    profile = Profile(
        name=str(meta.get("name", Path(source).stem)),
        description=str(meta.get("description", "")),
        source=source,
        max_reasons=int(meta.get("max_reasons", 3)),
        tiers=tiers,
        rules=rules,
        vessel_rules=vessel_rules,
        events=events,
        detectors=meta.get("detectors"),
    )
    profile.detector_config()  # validate detector overrides now, naming this file
    live = [
        n
        for n, w in rules.items()
        if w.enabled and (w.points > 0 or w.points_per_h > 0 or w.share_of_other_score > 0)
    ] + [n for n, w in vessel_rules.items() if w.enabled and w.points > 0]
    if not live:
        raise ConfigError(
            f"{source}: the profile gives no points (no enabled rule with points or points_per_h "
            "above 0): every vessel would score 0",
            hint="add [rules.NAME] sections, or start from a shipped one with "
            '[profile] extends = "default"',
        )
    return profile


def _detector_profile_path(name: str, source: str) -> Path:
    path = Path(name)
    if path.suffix == ".toml":
        if not path.is_absolute() and source not in ("<memory>",):
            near = Path(source).parent / path
            path = near if near.exists() else path
        return path
    try:
        return Path(profile_path(name))
    except ConfigError as exc:
        raise ConfigError(f"{source}: key 'profile.detectors': {exc.message}") from None


def load_profile(name_or_path: str | Path | Profile = "default") -> Profile:
    """Load a shipped profile by name (``default``, ``gulf-of-california``, ``yucatan``) or a file.

    Raises :class:`~vessels.errors.ConfigError` naming the file and key on any invalid entry.

    Examples
    --------
    >>> load_profile("gulf-of-california").rules["ais_gap"].zone_kind_multipliers["aoi"] >= 2
    True
    >>> load_profile("nowhere")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    vessels.errors.ConfigError: unknown profile 'nowhere' (use one of default, ... .toml file)
    """
    if isinstance(name_or_path, Profile):
        return name_or_path
    raw, source = _read(name_or_path)
    return parse_profile(raw, source=source)
