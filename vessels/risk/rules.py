"""The rule registry: every way a vessel can earn risk points, as declarative records.

A rule says *what* it reads (event types and a polars condition over the event table, with the
``evidence`` struct unnested into plain columns), *which hours* it counts, whether a pair event
also counts for the other vessel, and *how it explains itself* (a template). It says nothing about
*how much*: the numbers (points per event, points per hour, caps, multipliers by zone kind and by
specific zone) come from a profile (:mod:`vessels.risk.profile`, TOML files in
``vessels/risk/profiles/``). One generic scorer (:func:`vessels.risk.score`) interprets both.

Vessel rules read a per-vessel feature table instead of events (e.g. an invalid MMSI).

Template fields: any event column or evidence field, plus ``hours`` (the hours the rule counts),
``points`` (after multipliers and caps), ``where`` (" inside <zone>", " in the <ISO3> EEZ" or ""),
``zone_kind``, ``other`` (the other vessel of a pair event, as seen from the scored vessel), and
``own_ship_type`` / ``other_ship_type`` (last known AIS ship type of each vessel) and
``track_positions`` (positions in the event's track, when positions are given).

Examples
--------
>>> [r.name for r in EVENT_RULES][:3]
['ais_gap', 'ais_gap_intentional', 'fishing_in_zone']
>>> RULES_BY_NAME["dark_rendezvous"].pair
True
>>> sorted(VESSEL_RULES_BY_NAME)
['invalid_mmsi']
"""

from __future__ import annotations

from dataclasses import dataclass, field

import polars as pl

from vessels import schema as S

__all__ = [
    "EVENT_RULES",
    "MERCHANT_SHIP_TYPES",
    "RULES_BY_NAME",
    "SUSTAINED_FISHING_H",
    "VESSEL_RULES",
    "VESSEL_RULES_BY_NAME",
    "EventRule",
    "VesselRule",
    "fishing_vessel",
]

#: AIS ship type codes of merchant traffic (60-69 passenger, 70-79 cargo, 80-89 tanker): ships
#: exercising freedom of navigation through zones, not suspects by being there.
MERCHANT_SHIP_TYPES = tuple(range(60, 90))

#: Name of the derived column holding the kind of the zone an event is tagged with.
ZONE_KIND_COL = "zone_kind"
#: Name of the derived column holding the hours a rule counts.
HOURS_COL = "hours"
#: Derived columns: last known AIS ship type of the event's vessel and of the other vessel.
OWN_SHIP_TYPE = "own_ship_type"
OTHER_SHIP_TYPE = "other_ship_type"
#: Derived column: positions in the event's track (the smaller track of a two-track event).
TRACK_POSITIONS = "track_positions"


@dataclass(frozen=True)
class EventRule:
    """A rule that turns matching events into contributions.

    Parameters
    ----------
    name
        Rule name (also the key of its section in a profile, ``[rules.<name>]``).
    event_types
        Event types the rule reads.
    condition
        Extra polars condition over the event table (evidence fields unnested); ``None`` = all.
    hours
        Expression giving the hours the rule counts for ``points_per_h`` (default ``duration_h``).
    pair
        Pair event (``other_mmsi``): the other vessel gets the same contribution.
    network
        A network rule: the pair events are edges of the vessel graph, and a vessel gets a
        share of each contact's score (the profile's ``share_of_other_score`` and
        ``min_other_points``) instead of points per event (:mod:`vessels.risk._network`).
    explanation
        Template of the plain-words explanation (see module docstring for the fields).
    description
        One line for the documentation: what the rule means to an analyst.
    """

    name: str
    event_types: tuple[str, ...]
    explanation: str
    description: str
    condition: pl.Expr | None = None
    hours: pl.Expr = field(default_factory=lambda: pl.col(S.DURATION_H))
    pair: bool = False
    network: bool = False


@dataclass(frozen=True)
class VesselRule:
    """A rule over the per-vessel feature table (one contribution per vessel at most).

    Features available: ``mmsi``, ``mmsi_valid`` (false when any position or identity event says
    the MMSI is invalid or not a ship's), ``n_positions``, ``ship_type``, ``flag``.
    """

    name: str
    condition: pl.Expr
    explanation: str
    description: str


def _ev(field: str) -> pl.Expr:
    return pl.col(field)


_in_named_zone = pl.col(ZONE_KIND_COL).is_in(
    [S.ZONE_KIND_PROTECTED_AREA, S.ZONE_KIND_NO_TAKE, S.ZONE_KIND_AOI]
)


def _merchant(column: str) -> pl.Expr:
    return pl.col(column).is_in(list(MERCHANT_SHIP_TYPES)).fill_null(False)


_not_merchant = ~_merchant(OWN_SHIP_TYPE)
#: A gap that means "went dark": not a port call, not a vessel leaving the data's coverage.
_dark = (
    ~_ev(S.EV_PORT_CALL).fill_null(False)
    & ~_ev(S.EV_COVERAGE_EDGE).fill_null(False)
    & ~_ev(S.EV_POOR_RECEPTION).fill_null(False)
    & ~_ev(S.EV_POOR_AREA_RECEPTION).fill_null(False)
)
_carrier = _ev(S.EV_IS_CARRIER).fill_null(False)

#: Hours of fishing-like behaviour inside a zone that make a vessel of unknown (or another
#: non-merchant) type count as a fishing vessel (issue 13; as the EEZ-incursion detector's
#: ``min_fishing_time_h``).
SUSTAINED_FISHING_H = 3.0


def fishing_vessel(fishing_hours: str = S.EV_FISHING_TIME_INSIDE_H) -> pl.Expr:
    """The vessel-class gate of fishing rules: a declared fishing type, or a vessel of unknown
    (or another non-merchant) ship type with sustained fishing behaviour (``fishing_hours`` at
    least :data:`SUSTAINED_FISHING_H`). An unknown ship type alone is unknown, not fishing, and
    merchant traffic is never fishing (issue 13).

    Examples
    --------
    >>> ev = pl.DataFrame({"is_fishing_vessel": [True, None, None, None],
    ...                    "own_ship_type": [30, None, 70, None],
    ...                    "fishing_time_inside_h": [0.0, 5.0, 9.0, 1.0]})
    >>> ev.select(fishing_vessel()).to_series().to_list()
    [True, True, False, False]
    """
    declared = pl.col(S.EV_IS_FISHING_VESSEL).fill_null(False)
    hours = pl.col(fishing_hours).fill_null(0.0)
    sustained = (hours >= SUSTAINED_FISHING_H) & ~_merchant(OWN_SHIP_TYPE)
    return declared | sustained


EVENT_RULES: tuple[EventRule, ...] = (
    EventRule(
        name="ais_gap",
        event_types=(S.AIS_GAP,),
        condition=_dark,
        hours=pl.coalesce(_ev(S.EV_GAP_H), pl.col(S.DURATION_H)),
        explanation="dark {hours:.1f} h{where} (+{points:.0f})",
        description="AIS gap (vessel went dark); points per hour dark, more inside zones; not a "
        "port call (silence starting or ending in port/at anchorage), a vessel leaving the "
        "data's coverage, nor a silence after poor reception",
    ),
    EventRule(
        name="ais_gap_intentional",
        event_types=(S.AIS_GAP,),
        condition=_ev(S.EV_LIKELY_INTENTIONAL).fill_null(False) & _dark,
        explanation="gap meets GFW likely-disabling criteria (+{points:.0f})",
        description="gap meets GFW's likely intentional disabling criteria (≥ 12 h, > 50 nm out, "
        "≥ 14 positions in the 12 h before)",
    ),
    EventRule(
        name="fishing_in_zone",
        event_types=(S.FISHING,),
        condition=_in_named_zone,
        explanation="fishing {hours:.1f} h{where}, fishing score {mean_fishing_score:.2f} "
        "(+{points:.0f})",
        description="fishing-like behaviour inside a protected area, no-take zone or AOI (the "
        "profile's min_fishing_score is the least mean fishing score that counts)",
    ),
    EventRule(
        name="zone_presence",
        event_types=(S.ZONE_ENTRY,),
        condition=_in_named_zone & _not_merchant & (_ev(S.EV_MOORED_SHARE).fill_null(0.0) < 0.5),
        hours=pl.coalesce(_ev(S.EV_TIME_INSIDE_H), pl.col(S.DURATION_H)),
        explanation="{hours:.1f} h{where} (+{points:.0f})",
        description="a non-merchant vessel inside a protected area, no-take zone or AOI (not "
        "while moored in a harbour inside it)",
    ),
    EventRule(
        name="eez_incursion",
        event_types=(S.EEZ_INCURSION,),
        condition=fishing_vessel(),
        hours=pl.coalesce(_ev(S.EV_TIME_INSIDE_H), pl.col(S.DURATION_H)),
        explanation="foreign ({flag}) fishing vessel {hours:.1f} h in the {eez_iso3} EEZ "
        "(+{points:.0f})",
        description="a fishing vessel (declared type 30, or unknown type fishing-like for hours at "
        "sea) inside an EEZ other than its flag state's",
    ),
    EventRule(
        name="eez_incursion_fishing",
        event_types=(S.EEZ_INCURSION,),
        condition=(_ev(S.EV_FISHING_TIME_INSIDE_H).fill_null(0.0) > 0) & fishing_vessel(),
        hours=_ev(S.EV_FISHING_TIME_INSIDE_H),
        explanation="fishing {hours:.1f} h in the {eez_iso3} EEZ under a foreign flag, fishing "
        "score {mean_fishing_score:.2f} (+{points:.0f})",
        description="fishing time of a foreign fishing vessel inside another state's EEZ (the "
        "profile's min_fishing_score is the least mean fishing score that counts)",
    ),
    EventRule(
        name="encounter",
        event_types=(S.ENCOUNTER,),
        condition=~(_merchant(OWN_SHIP_TYPE) & _merchant(OTHER_SHIP_TYPE)),
        pair=True,
        explanation="met vessel {other} for {hours:.1f} h{where} (+{points:.0f})",
        description="two vessels alongside at sea (possible transshipment), not both merchant "
        "ships; both vessels score",
    ),
    EventRule(
        name="dark_rendezvous",
        event_types=(S.DARK_RENDEZVOUS,),
        condition=(_ev(S.EV_RENDEZVOUS_KIND) != "group").fill_null(True),
        pair=True,
        hours=pl.coalesce(_ev(S.EV_OVERLAP_H), pl.col(S.DURATION_H)),
        explanation="dark rendezvous with vessel {other} over {hours:.1f} h{where} (+{points:.0f})",
        description="two vessels dark at the same time, disappearing/reappearing close together "
        "at sea; both vessels score (a crowd dark together is one unscored group event)",
    ),
    EventRule(
        name="loitering",
        event_types=(S.LOITERING,),
        condition=_not_merchant | _carrier,
        explanation="loitering {hours:.1f} h{where} (+{points:.0f})",
        description="a fishing, carrier or unknown vessel drifting slowly offshore for hours",
    ),
    EventRule(
        name="loitering_merchant",
        event_types=(S.LOITERING,),
        condition=_merchant(OWN_SHIP_TYPE) & ~_carrier,
        explanation="merchant ship loitering {hours:.1f} h{where} (+{points:.0f})",
        description="a cargo/tanker/passenger ship drifting far out at sea (waiting at an "
        "anchorage is excluded by the profile's min_shore_km)",
    ),
    EventRule(
        name="loitering_carrier",
        event_types=(S.LOITERING,),
        condition=_carrier,
        explanation="carrier/reefer loitering{where} (+{points:.0f})",
        description="a carrier or reefer loitering: the classic transshipment signal",
    ),
    EventRule(
        name="identity_conflict",
        event_types=(S.IDENTITY_CONFLICT,),
        condition=~_ev(S.EV_CONFLICT_KIND).is_in(["invalid_mmsi", "non_ship_mid"]).fill_null(False),
        explanation="identity conflict: {conflict_kind} (+{points:.0f})",
        description="one MMSI in two places at once (two transmitters sharing an identity)",
    ),
    EventRule(
        name="identity_change",
        event_types=(S.IDENTITY_CHANGE,),
        condition=~_ev(S.EV_FLAG_HOPPING).fill_null(False),
        explanation="identity changed: {summary} (+{points:.0f})",
        description="name / call sign / IMO / ship type changed within the data (often typos), "
        "or one re-flagging (the IMO's new MMSI)",
    ),
    EventRule(
        name="flag_hopping",
        event_types=(S.IDENTITY_CHANGE,),
        condition=_ev(S.EV_FLAG_HOPPING).fill_null(False),
        explanation="flag hopping: {summary} (+{points:.0f})",
        description="a flag change of an IMO that changed flag repeatedly within the data",
    ),
    EventRule(
        name="fleet_incursion",
        event_types=(S.FLEET_PRESENCE,),
        condition=_ev(S.EV_N_INCURSIONS).fill_null(0) > 0,
        explanation="crossed into the {eez_iso3} EEZ from a fleet of up to {group_size} "
        "{flag}-flagged vessels massed at its edge (+{points:.0f})",
        description="a member of a fleet massed along an EEZ edge that crossed into that EEZ "
        "(the incursion itself scores through eez_incursion)",
    ),
    EventRule(
        name="network_contact",
        event_types=(S.ENCOUNTER, S.DARK_RENDEZVOUS, S.IDENTITY_CHANGE),
        condition=~(_merchant(OWN_SHIP_TYPE) & _merchant(OTHER_SHIP_TYPE))
        & (_ev(S.EV_RENDEZVOUS_KIND) != "group").fill_null(True),
        pair=True,
        network=True,
        explanation="in contact with {other} (score {other_score:.0f}) by {event_type} "
        "(+{points:.0f})",
        description="a share of the score of each vessel it met at sea, was dark with, or shares "
        "an IMO with (two hops: a boat that met a carrier that met high-risk vessels); one "
        "contribution per contact",
    ),
    EventRule(
        name="watchlist_hit",
        event_types=(S.WATCHLIST_HIT,),
        explanation="on list {list_name} ({reason}) by {matched_by} (+{points:.0f})",
        description="the vessel's MMSI, IMO, call sign or name (exact or fuzzy) is on the "
        "analyst's watchlist",
    ),
)

VESSEL_RULES: tuple[VesselRule, ...] = (
    VesselRule(
        name="invalid_mmsi",
        condition=~pl.col(S.MMSI_VALID).fill_null(True),
        explanation="invalid or non-ship MMSI (+{points:.0f})",
        description="MMSI that is not a valid ship identity (wrong length or MID)",
    ),
)

RULES_BY_NAME: dict[str, EventRule] = {r.name: r for r in EVENT_RULES}
VESSEL_RULES_BY_NAME: dict[str, VesselRule] = {r.name: r for r in VESSEL_RULES}
