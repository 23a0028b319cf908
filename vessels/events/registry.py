"""The detector registry: one :class:`Detector` record per event type.

Everything that lists detectors derives from here: :func:`vessels.events.detect_events` (which
detectors run and in what order), :class:`vessels.events.DetectorConfig` (one section per record,
its TOML section named by the event type), the parameter tables of ``docs/events.md``
(:func:`vessels.events.config.parameters_markdown`), the detector table
(:func:`detectors_markdown`), the map legend labels and styles, and the test suite's contract
matrix. A detector module declares its record and calls :func:`register` at import; adding a
detector is one new module (plus its tests) — see ``docs/adding-a-detector.md``.

The built-in detectors are the records registered by the public modules of the
:mod:`vessels.events` package, which imports each of them once, in name order, when it is first
imported (:func:`register_package`); their :attr:`Detector.order` fixes the report order. No list
of built-in event types is kept anywhere else.

Examples
--------
>>> import vessels.events  # registers the built-in detectors
>>> [d.event_type for d in detectors()][:3]
['ais_gap', 'zone_entry', 'eez_incursion']
>>> get("fishing").label
'Fishing'
"""

from __future__ import annotations

import dataclasses
import importlib
import pkgutil
import re
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

import polars as pl

from vessels import schema as S
from vessels.errors import ConfigError

__all__ = [
    "Context",
    "Detector",
    "DetectorTable",
    "built_in_types",
    "detectors",
    "detectors_markdown",
    "get",
    "register",
    "register_package",
    "unregister",
]


@dataclass
class Context:
    """What a detector may read besides the prepared positions and its config.

    Attributes
    ----------
    zones
        The zone layer passed to ``detect_events`` (or None).
    events
        Events of the detectors that already ran in this call, by event type (a detector lists
        the types it reads in :attr:`Detector.uses`, which then run first).
    watchlist
        The loaded watchlist (:func:`vessels.watchlist.load_watchlist`) or None.
    coverage
        What depends on *all* the run's positions (learned anchorages, data horizon, coverage
        extent, harbour cells): a :class:`vessels.events.coverage.CoverageContext`, or None (a
        detector then computes it from its own positions).
    parts
        For a ``scope="global"`` detector, by event type: its :attr:`Detector.parts` of *all*
        the run's vessels (concatenated over the MMSI buckets of a partitioned run); absent: the
        detector computes them from the positions it is given.
    """

    zones: Any = None
    events: dict[str, pl.DataFrame] = field(default_factory=dict)
    watchlist: pl.DataFrame | None = None
    coverage: Any = None
    parts: dict[str, pl.DataFrame] = field(default_factory=dict)


#: The :attr:`Detector.order` of records that do not set one (after every built-in detector).
DEFAULT_ORDER = 1000

#: ``detect(prepared, config, context) -> events`` (EVENT_SCHEMA rows of one event type).
DetectFn = Callable[[pl.DataFrame, Any, Context], pl.DataFrame]


@dataclass(frozen=True)
class Detector:
    """One detector, declared once.

    Attributes
    ----------
    event_type
        The ``event_type`` it writes; also its :class:`DetectorConfig` attribute and TOML section.
    config
        Its frozen config dataclass (every field with a unit in its name and documented in the
        class's ``Attributes`` section: the docs tables are generated from it).
    detect
        ``detect(prepared, config, context)``: rows of :data:`vessels.schema.EVENT_SCHEMA`.
    columns
        Prepared-frame columns it reads (the contract matrix checks it runs with only these).
    evidence
        Evidence fields it fills (a subset of :data:`vessels.schema.EVIDENCE_FIELDS`).
    label, style
        Map legend label (plural) and Leaflet path options (lines: ``weight``/``dashArray``;
        markers: ``radius``/``fillColor``).
    doc
        One sentence for the detector table of the docs.
    risk_rules
        Names of the risk rules (:mod:`vessels.risk.rules`) that score its events.
    uses
        Event types whose events it reads from :attr:`Context.events` (run first).
    fishing_score
        It reads the ``fishing_score`` column (computed with the ``[fishing]`` config).
    scope
        ``"vessel"``: its events depend on one vessel's rows only (partitioned execution runs it
        per MMSI bucket); ``"pair"``: an event of vessels *a* and *b* depends on the rows of *a*
        and *b* (run per candidate pair found in space-time tiles, see :mod:`vessels.partition`);
        ``"global"``: its events link vessels by something other than proximity (one IMO under
        several MMSIs): it declares :attr:`parts`, and a partitioned run computes them per MMSI
        bucket and runs the detector once on their concatenation (:attr:`Context.parts`).
    parts
        ``parts(prepared, config, context) -> DataFrame``: per-vessel rows (each depends on one
        MMSI's rows and the run's :attr:`Context.coverage` only) from which a ``scope="global"``
        detector finds its events, or that a ``scope="pair"`` detector needs of *all* vessels
        (the silences among which dark-rendezvous crowds are counted).
    order
        Its place in reports: the docs tables, the map legend and the vessel table's
        ``n_<type>`` count columns follow ascending ``order`` (ties: registration order). The
        built-in detectors use distinct multiples of 10 below :data:`DEFAULT_ORDER`; records
        that do not set it come after them.
    """

    event_type: str
    config: type
    detect: DetectFn
    columns: tuple[str, ...]
    evidence: tuple[str, ...]
    label: str
    style: Mapping[str, Any]
    doc: str
    risk_rules: tuple[str, ...] = ()
    uses: tuple[str, ...] = ()
    fishing_score: bool = False
    scope: str = "vessel"
    parts: Callable[[pl.DataFrame, Any, Context], pl.DataFrame] | None = None
    order: int = DEFAULT_ORDER

    def __post_init__(self) -> None:
        where = f"detector {self.event_type!r}"
        if self.scope not in ("vessel", "pair", "global"):
            raise ConfigError(
                f"{where}: scope must be 'vessel', 'pair' or 'global', got {self.scope!r}"
            )
        if self.scope == "global" and self.parts is None:
            raise ConfigError(f"{where}: a 'global' scope needs parts")
        if self.scope == "vessel" and self.parts is not None:
            raise ConfigError(f"{where}: parts are for a 'global' or 'pair' scope")
        if not re.fullmatch(r"[a-z][a-z0-9_]*", self.event_type):
            raise ConfigError(f"{where}: event_type must be lower_snake_case")
        if not (dataclasses.is_dataclass(self.config) and isinstance(self.config, type)):
            raise ConfigError(f"{where}: config must be a dataclass type")
        unknown = sorted(set(self.evidence) - set(S.EVIDENCE_FIELDS))
        if unknown:
            raise ConfigError(
                f"{where}: evidence field(s) {', '.join(unknown)} are not in "
                "vessels.schema.EVIDENCE_FIELDS"
            )
        if not self.label or not self.doc:
            raise ConfigError(f"{where}: label and doc are required")


_REGISTRY: dict[str, Detector] = {}
_BUILT_IN: list[str] = []  # event types registered by the modules of vessels.events


def register(detector: Detector, *, replace: bool = False) -> Detector:
    """Add ``detector`` to the registry (a second record for one event type is refused)."""
    if detector.event_type in _REGISTRY and not replace:
        raise ConfigError(f"detector {detector.event_type!r} is already registered")
    missing = [u for u in detector.uses if u not in _REGISTRY]
    if missing:
        raise ConfigError(
            f"detector {detector.event_type!r} uses unregistered detector(s) {', '.join(missing)}"
        )
    _REGISTRY[detector.event_type] = detector
    return detector


def register_package(name: str, path: Iterable[str]) -> tuple[str, ...]:
    """Import every public module of the package ``name`` and mark every record as built-in.

    ``vessels/events/__init__.py`` calls it once, at its own import (``register_package(__name__,
    __path__)``), before any other code can reach :func:`register`: so the records registered
    when it returns are exactly those of the package's modules. The modules are imported in
    name order (``pkgutil.iter_modules``), so registration is deterministic; a module that fails
    to import fails ``import vessels.events`` (there is no fallback). Two built-in records with
    the same :attr:`Detector.order`, or one without an order, are refused: the report order must
    not depend on file names.

    Returns
    -------
    tuple of str
        The built-in event types in report order (:func:`built_in_types`).
    """
    for info in pkgutil.iter_modules(list(path), f"{name}."):
        if not info.name.rpartition(".")[2].startswith("_"):
            importlib.import_module(info.name)  # the one discovery: no fallback, no lookup
    _BUILT_IN.extend(t for t in _REGISTRY if t not in _BUILT_IN)
    by_order: dict[int, str] = {}
    for t in _BUILT_IN:
        order = _REGISTRY[t].order
        if order >= DEFAULT_ORDER:
            raise ConfigError(f"built-in detector {t!r} needs an order below {DEFAULT_ORDER}")
        if order in by_order:
            raise ConfigError(
                f"built-in detectors {by_order[order]!r} and {t!r} have the same order {order}"
            )
        by_order[order] = t
    return built_in_types()


def built_in_types() -> tuple[str, ...]:
    """Event types of the detectors shipped with the package, in report order.

    Examples
    --------
    >>> import vessels.events
    >>> built_in_types()[:2]
    ('ais_gap', 'zone_entry')
    """
    return tuple(d.event_type for d in detectors() if d.event_type in _BUILT_IN)


def unregister(event_type: str) -> None:
    """Remove a detector (for tests and experiments); built-in detectors may not be removed."""
    if event_type in _BUILT_IN:
        raise ConfigError(f"built-in detector {event_type!r} cannot be unregistered")
    _REGISTRY.pop(event_type, None)


def _rank(d: Detector) -> tuple[int, int]:
    return (d.order, list(_REGISTRY).index(d.event_type))


def detectors() -> tuple[Detector, ...]:
    """Registered detectors by :attr:`Detector.order`, then in registration order."""
    return tuple(sorted(_REGISTRY.values(), key=_rank))


def get(event_type: str) -> Detector:
    """The record of one event type (ConfigError naming the known ones otherwise)."""
    try:
        return _REGISTRY[event_type]
    except KeyError:
        known = ", ".join(d.event_type for d in detectors())
        raise ConfigError(f"unknown event type {event_type!r} (known: {known})") from None


class DetectorTable(Mapping[str, Any]):
    """A live read-only view ``event_type -> getter(record)`` over the registry (map legend)."""

    def __init__(self, getter: Callable[[Detector], Any]) -> None:
        self._getter = getter

    def __getitem__(self, key: str) -> Any:
        if key not in _REGISTRY:
            raise KeyError(key)
        return self._getter(_REGISTRY[key])

    def __iter__(self) -> Iterator[str]:
        return iter([d.event_type for d in detectors()])

    def __len__(self) -> int:
        return len(_REGISTRY)


def detectors_markdown() -> str:
    """The detector table of ``docs/events.md``: type, map label, what it finds, risk rules."""
    lines = [
        "| event type | map label | what it finds | evidence | risk rules |",
        "|---|---|---|---|---|",
    ]
    for d in detectors():
        rules = ", ".join(f"`{r}`" for r in d.risk_rules) or "—"
        evidence = ", ".join(f"`{e}`" for e in d.evidence)
        lines.append(f"| `{d.event_type}` | {d.label} | {d.doc} | {evidence} | {rules} |")
    return "\n".join(lines)
