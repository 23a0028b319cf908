"""The generic scorer: events + rules + profile -> per-vessel and per-vessel-day scores.

How a score is made (the same for every rule; nothing rule-specific lives here):

1. For each enabled rule, the events of its types that meet its condition are selected. Pair rules
   (``encounter``, ``dark_rendezvous``) add a mirrored copy so the other vessel scores too.
2. ``hours`` = the rule's hours expression, clipped to ``[0, max_hours]``; events below
   ``min_hours`` and nearer the shore than ``min_shore_km`` are dropped (inside a protected area,
   no-take zone or AOI only if ``shore_exempt_in_zones`` is false), and so are events on a track
   of fewer than ``min_track_positions`` positions (noise tracks: corrupt lines, GPS jumps).
3. ``raw = (points + points_per_h × hours) × zone-kind multiplier × specific-zone multiplier``
   (× ``open_multiplier`` for events still open at the end of the data), rounded to 0.01.
4. Per vessel (or vessel-day) and rule, events are taken by decreasing ``raw`` (ties by
   ``event_id``) until the rule's ``cap`` is used up; each contribution is what fits under it.
   An event that finds the cap used up stays as a zero-point row whose explanation says
   "capped", so every scored event leaves a trace (they are never among the ``reasons``).
5. Vessel rules add one contribution each.
6. The score is the sum of the contributions; above 100 a ``total_cap`` line with negative points
   brings it to 100, so the listed contributions always add up to the score.

Examples
--------
>>> import polars as pl
>>> from datetime import datetime, UTC
>>> from vessels import schema as S
>>> t = datetime(2024, 3, 1, tzinfo=UTC)
>>> ev = pl.DataFrame([{
...     S.EVENT_ID: "g1", S.EVENT_TYPE: "ais_gap", S.MMSI: 345000001,
...     S.START_TS: t, S.END_TS: t, S.DURATION_H: 4.0,
...     S.EVENT_ZONE_ID: "aoi-x", S.EVENT_ZONE_NAME: "Alto Golfo AOI",
...     S.EVIDENCE: {"gap_h": 4.0, "in_zone_kind": "aoi"},
... }], schema=S.EVENT_SCHEMA)
>>> res = score(ev, profile="default")
>>> res.vessels.select(S.MMSI, S.RISK_SCORE, S.RISK_TIER).row(0)
(345000001, 14.0, 'low')
>>> res.contributions[S.EXPLANATION].to_list()
['dark 4.0 h inside Alto Golfo AOI (+14)']
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import polars as pl

from vessels import schema as S
from vessels._frames import as_polars, in_mmsi_ts_order
from vessels._template import compile_template
from vessels.events import EVENT_TYPES, zone_table
from vessels.risk._network import propagate
from vessels.risk.profile import Profile, RuleWeights, load_profile
from vessels.risk.rules import (
    EVENT_RULES,
    HOURS_COL,
    OTHER_SHIP_TYPE,
    OWN_SHIP_TYPE,
    TRACK_POSITIONS,
    VESSEL_RULES,
    ZONE_KIND_COL,
    EventRule,
)

__all__ = ["DAY", "DAY_SCHEMA", "TOTAL_CAP_RULE", "VESSEL_SCHEMA", "ScoreResult", "score"]

#: The vessel table of :func:`score`: vessel columns, then one ``n_<type>`` count per built-in
#: detector (:data:`vessels.events.EVENT_TYPES`, report order).
VESSEL_SCHEMA = S.vessel_schema(EVENT_TYPES)

#: Column of the UTC day in :attr:`ScoreResult.vessel_days`.
DAY = "day"
#: Rule name of the line that brings a total above 100 back to 100.
TOTAL_CAP_RULE = "total_cap"
#: Highest score.
MAX_SCORE = 100.0
_NAMED_ZONE_KINDS = ("protected_area", "no_take", "aoi")
_RAW = "_raw_points"
_RUN = "_run"
_OTHER = "other"
#: Evidence field: an event's mean fishing score (the rules' ``min_fishing_score`` reads it).
_MEAN_FISHING_SCORE = S.EV_MEAN_FISHING_SCORE
_WHERE = "where"
_IS_OPEN = "_is_open"

DAY_SCHEMA: dict[str, pl.DataType] = {
    S.MMSI: pl.UInt32(),
    DAY: pl.Date(),
    S.RISK_SCORE: pl.Float64(),
    S.RISK_TIER: pl.String(),
    S.REASONS: pl.List(pl.String()),
}


@dataclass(frozen=True)
class ScoreResult:
    """What :func:`score` returns.

    Attributes
    ----------
    vessels
        One row per vessel in :data:`VESSEL_SCHEMA`, by risk (desc) then MMSI.
    contributions
        One row per (vessel, rule, event) in :data:`vessels.schema.CONTRIBUTION_SCHEMA`; the points
        of a vessel add up to its ``risk_score``.
    vessel_days
        Per vessel and UTC day (of the event start): the same scoring with caps applied per day.
    profile
        The profile used.
    """

    vessels: pl.DataFrame
    contributions: pl.DataFrame
    vessel_days: pl.DataFrame
    profile: Profile


def _zone_kind_expr(fields: Sequence[str], zone_kinds: Mapping[str, str] | None) -> pl.Expr:
    candidates = [pl.col(f) for f in (S.EV_ZONE_KIND, S.EV_IN_ZONE_KIND) if f in fields]
    if zone_kinds:
        candidates.append(
            pl.col(S.EVENT_ZONE_ID).replace_strict(
                dict(zone_kinds), default=None, return_dtype=pl.String
            )
        )
    if not candidates:
        return pl.lit(None, dtype=pl.String)
    return pl.coalesce(candidates) if len(candidates) > 1 else candidates[0]


def _kinds(
    events: pl.DataFrame, zones: Any, zone_kinds: Mapping[str, str] | None
) -> dict[str, str]:
    """zone_id -> kind: from the zone layer (or guessed from the ids), then ``zone_kinds``."""
    table = zone_table(zones, events[S.EVENT_ZONE_ID] if zones is None else None)
    kinds = {
        str(k): str(v) for k, v in table.select(S.ZONE_ID, S.ZONE_KIND).drop_nulls().iter_rows()
    }
    kinds.update(zone_kinds or {})
    return kinds


def _prepare_events(events: pl.DataFrame, zone_kinds: Mapping[str, str] | None) -> pl.DataFrame:
    """Events with evidence unnested and the derived template columns added."""
    ev = events
    fields: list[str] = []
    if S.EVIDENCE in ev.columns:
        dtype = ev.schema[S.EVIDENCE]
        assert isinstance(dtype, pl.Struct)
        fields = [f.name for f in dtype.fields if f.name not in ev.columns]
        ev = ev.with_columns(pl.col(S.EVIDENCE).struct.field(*fields)) if fields else ev
    kind = _zone_kind_expr(fields, zone_kinds).alias(ZONE_KIND_COL)
    ev = ev.with_columns(kind)
    where = (
        pl.when(pl.col(S.EVENT_ZONE_NAME).is_not_null() & (pl.col(ZONE_KIND_COL) != "eez"))
        .then(pl.lit(" inside ") + pl.col(S.EVENT_ZONE_NAME))
        .when(pl.col(S.EEZ_ISO3).is_not_null())
        .then(pl.lit(" in the ") + pl.col(S.EEZ_ISO3) + pl.lit(" EEZ"))
        .otherwise(pl.lit(""))
    )
    return ev.with_columns(
        where.alias(_WHERE),
        pl.col(S.OTHER_MMSI).alias(_OTHER),
        pl.col(S.START_TS).dt.date().alias(DAY),
        (pl.col(S.EV_IS_OPEN).fill_null(False) if S.EV_IS_OPEN in fields else pl.lit(False)).alias(
            _IS_OPEN
        ),
    )


def _with_track_positions(
    ev: pl.DataFrame, positions: pl.LazyFrame | None, partners: pl.DataFrame | None = None
) -> pl.DataFrame:
    """Add ``track_positions``: positions in the event's track (the smaller of the two tracks
    of an event naming ``other_segment_id``); null when unknown. ``partners``
    (:func:`vessels.risk._partners.partner_facts` of vessels whose positions are not given) adds
    their segments' sizes."""
    has_segments = positions is not None and S.SEGMENT_ID in positions.collect_schema()
    if positions is None or not has_segments or S.SEGMENT_ID not in ev.columns:
        return ev.with_columns(pl.lit(None, dtype=pl.UInt32).alias(TRACK_POSITIONS))
    wanted = ev.select(pl.col(S.SEGMENT_ID)).to_series().drop_nulls()
    if S.EV_OTHER_SEGMENT_ID in ev.columns:
        wanted = pl.concat([wanted, ev[S.EV_OTHER_SEGMENT_ID].drop_nulls()])
    ids = wanted.unique().implode()
    sizes = (
        positions.filter(pl.col(S.SEGMENT_ID).is_in(ids))
        .group_by(S.SEGMENT_ID)
        .agg(pl.len().cast(pl.UInt32).alias("_n"))
    )
    if partners is not None:  # a segment is one vessel's: the partners' are not in positions
        theirs = partners.lazy().filter(pl.col(S.SEGMENT_ID).is_in(ids))
        n = pl.col(TRACK_POSITIONS).cast(pl.UInt32).alias("_n")
        sizes = pl.concat([sizes, theirs.select(S.SEGMENT_ID, n)])
    counts = sizes.collect()
    out = ev.join(counts, on=S.SEGMENT_ID, how="left")
    if S.EV_OTHER_SEGMENT_ID in ev.columns:
        out = out.join(
            counts.rename({S.SEGMENT_ID: S.EV_OTHER_SEGMENT_ID, "_n": "_n_other"}),
            on=S.EV_OTHER_SEGMENT_ID,
            how="left",
        )
        n = pl.min_horizontal("_n", "_n_other")
        return out.with_columns(n.alias(TRACK_POSITIONS)).drop("_n", "_n_other")
    return out.rename({"_n": TRACK_POSITIONS})


def _with_ship_types(
    ev: pl.DataFrame, feats: pl.DataFrame, partners: pl.DataFrame | None = None
) -> pl.DataFrame:
    """Add ``own_ship_type`` and ``other_ship_type`` (last known AIS type of each vessel; of
    the ``partners`` vessels, :func:`vessels.risk._partners.partner_facts`, theirs)."""
    types = feats.select(S.MMSI, S.SHIP_TYPE)
    if partners is not None:
        known = partners.select(S.MMSI, S.SHIP_TYPE).unique(S.MMSI, maintain_order=True)
        types = pl.concat([types.filter(pl.col(S.SHIP_TYPE).is_not_null()), known])
    types = types.filter(pl.col(S.SHIP_TYPE).is_not_null())
    evidence_type = pl.col(S.EV_SHIP_TYPE) if S.EV_SHIP_TYPE in ev.columns else pl.lit(None)
    return (
        ev.join(types.rename({S.SHIP_TYPE: OWN_SHIP_TYPE}), on=S.MMSI, how="left")
        .join(
            types.rename({S.MMSI: S.OTHER_MMSI, S.SHIP_TYPE: OTHER_SHIP_TYPE}),
            on=S.OTHER_MMSI,
            how="left",
        )
        .with_columns(pl.coalesce(OWN_SHIP_TYPE, evidence_type.cast(pl.UInt8)).alias(OWN_SHIP_TYPE))
    )


def _multiplier(mapping: Mapping[str, float], column: str) -> pl.Expr:
    if not mapping:
        return pl.lit(1.0)
    return pl.col(column).replace_strict(dict(mapping), default=1.0, return_dtype=pl.Float64)


def _rule_contributions(
    ev: pl.DataFrame, rule: EventRule, weights: RuleWeights, keys: list[str]
) -> pl.LazyFrame:
    """The contributions of one rule, as a lazy query (all rules are collected together)."""
    selected = pl.col(S.EVENT_TYPE).is_in(list(rule.event_types))
    if rule.condition is not None:
        selected = selected & rule.condition.fill_null(False)
    hours = rule.hours.cast(pl.Float64).fill_null(0.0).clip(lower_bound=0.0)
    if weights.max_hours is not None:
        hours = hours.clip(upper_bound=weights.max_hours)
    m = ev.lazy().filter(selected).with_columns(hours.alias(HOURS_COL))
    in_zone = pl.col(ZONE_KIND_COL).is_in(list(_NAMED_ZONE_KINDS)).fill_null(False)
    far_enough = pl.col(S.SHORE_KM).is_null() | (pl.col(S.SHORE_KM) >= weights.min_shore_km)
    if weights.shore_exempt_in_zones:
        far_enough = far_enough | in_zone
    long_enough = pl.col(TRACK_POSITIONS).is_null() | (
        pl.col(TRACK_POSITIONS) >= weights.min_track_positions
    )
    # the fishing score behind the event: events of types that carry none are not affected
    sure_enough = (
        pl.col(_MEAN_FISHING_SCORE).is_null()
        | (pl.col(_MEAN_FISHING_SCORE) >= weights.min_fishing_score)
        if _MEAN_FISHING_SCORE in ev.columns
        else pl.lit(True)
    )
    m = m.filter((pl.col(HOURS_COL) >= weights.min_hours) & far_enough & long_enough & sure_enough)
    if rule.pair:
        mirrored = m.filter(pl.col(S.OTHER_MMSI).is_not_null()).with_columns(
            pl.col(S.OTHER_MMSI).alias(S.MMSI), pl.col(S.MMSI).alias(_OTHER)
        )
        lo = pl.min_horizontal(S.MMSI, _OTHER).alias("_lo")
        hi = pl.max_horizontal(S.MMSI, _OTHER).alias("_hi")
        # a detector may write one row per pair or one per vessel: count each pair once per vessel
        m = (
            pl.concat([m, mirrored])
            .with_columns(lo, hi)
            .sort(S.EVENT_ID)
            .unique(
                subset=[S.MMSI, "_lo", "_hi", S.EVENT_TYPE, S.START_TS],
                keep="first",
                maintain_order=True,
            )
            .drop("_lo", "_hi")
        )
    raw = (
        (weights.points + weights.points_per_h * pl.col(HOURS_COL))
        * _multiplier(weights.zone_kind_multipliers, ZONE_KIND_COL)
        * _multiplier(weights.zone_multipliers, S.EVENT_ZONE_ID)
        * pl.when(pl.col(_IS_OPEN)).then(weights.open_multiplier).otherwise(1.0)
    ).round(2)
    m = m.with_columns(raw.alias(_RAW)).filter(pl.col(_RAW) > 0)
    m = m.sort([*keys, _RAW, S.EVENT_ID], descending=[False] * len(keys) + [True, False])
    if weights.cap is None:
        points = pl.col(_RAW)
    else:
        before = pl.col(_RAW).cum_sum().over(keys) - pl.col(_RAW)
        room = (pl.lit(weights.cap) - before).clip(lower_bound=0.0)
        points = pl.min_horizontal(pl.col(_RAW), room).round(2)
    # raw > 0 here, so a zero is an event the rule's cap held back: kept as a "capped" row
    m = m.with_columns(points.alias(S.POINTS))
    explanation = compile_template(rule.explanation)
    if weights.cap is not None:
        capped = pl.lit(f" — capped: {rule.name} already gave its cap of {weights.cap:g} points")
        explanation = (
            pl.when(pl.col(S.POINTS) > 0).then(explanation).otherwise(explanation + capped)
        )
    return m.select(
        *keys,
        pl.lit(rule.name).alias(S.RULE_NAME),
        S.EVENT_ID,
        S.POINTS,
        explanation.alias(S.EXPLANATION),
    )


def _network_pairs(ev: pl.DataFrame, rule: EventRule, keys: list[str]) -> pl.DataFrame:
    """The edges of a network rule as seen from each vessel: ``keys``, ``other``, ``event_id``
    and ``event_type`` (both directions of every selected pair event)."""
    selected = (
        pl.col(S.EVENT_TYPE).is_in(list(rule.event_types)) & pl.col(S.OTHER_MMSI).is_not_null()
    )
    if rule.condition is not None:
        selected = selected & rule.condition.fill_null(False)
    m = ev.filter(selected).select(
        *keys, pl.col(S.OTHER_MMSI).alias(_OTHER), S.EVENT_ID, S.EVENT_TYPE
    )
    mirrored = m.select(
        pl.col(_OTHER).alias(S.MMSI),
        *[k for k in keys if k != S.MMSI],
        pl.col(S.MMSI).alias(_OTHER),
        S.EVENT_ID,
        S.EVENT_TYPE,
    )
    return pl.concat([m, mirrored.select(m.columns)])


def _network_from_pairs(
    pairs: pl.DataFrame,
    base: pl.DataFrame,
    rule: EventRule,
    weights: RuleWeights,
    keys: list[str],
) -> pl.DataFrame:
    """Contributions of a network rule from its edges (:func:`_network_pairs`, of every vessel)
    and the other rules' contributions ``base`` (of every vessel)."""
    out = propagate(
        base.select(*keys, S.EVENT_ID, S.POINTS),
        pairs.select(*keys, _OTHER, S.EVENT_ID),
        keys,
        share=weights.share_of_other_score,
        min_other_points=weights.min_other_points,
        cap=weights.cap,
    )
    types = pairs.select(S.EVENT_ID, S.EVENT_TYPE).unique(S.EVENT_ID)
    out = out.join(types, on=S.EVENT_ID, how="left")
    return out.select(
        *keys,
        pl.lit(rule.name).alias(S.RULE_NAME),
        S.EVENT_ID,
        S.POINTS,
        compile_template(rule.explanation).alias(S.EXPLANATION),
    )


def network_rules(profile: Profile) -> list[EventRule]:
    """The profile's enabled network rules (scored over all vessels at once)."""
    return [
        rule
        for rule in EVENT_RULES
        if rule.network and rule.name in profile.rules and profile.rules[rule.name].enabled
    ]


def _in_time_order(positions: pl.LazyFrame | None) -> bool:
    """Whether the rows of ``positions`` run in ``(mmsi, ts)`` order (as ``tracks.parquet`` and
    the segmented positions of ``vessels score`` do): one pass over the two columns.

    Examples
    --------
    >>> from datetime import datetime, UTC
    >>> t = [datetime(2024, 3, 1, h, tzinfo=UTC) for h in (1, 2, 0)]
    >>> _in_time_order(pl.LazyFrame({"mmsi": [1, 1, 2], "ts": t}))
    True
    >>> _in_time_order(pl.LazyFrame({"mmsi": [1, 1, 1], "ts": t}))
    False
    """
    if positions is None:
        return False
    return bool(positions.select(in_mmsi_ts_order()).collect().item())


#: The static columns of the vessel features (:func:`_position_facts`) and their dtypes.
_STATIC_SCHEMA: dict[str, pl.DataType] = {
    S.VESSEL_NAME: pl.String(),
    S.CALLSIGN: pl.String(),
    S.FLAG: pl.String(),
    S.SHIP_TYPE: pl.UInt8(),
    S.IMO: pl.UInt32(),
    S.LENGTH_M: pl.Float32(),
    S.WIDTH_M: pl.Float32(),
    S.MMSI_VALID: pl.Boolean(),
    S.N_POSITIONS: pl.UInt32(),
    S.FIRST_TS: S.TS_DTYPE,
    S.LAST_TS: S.TS_DTYPE,
}
#: The static columns taken as each key's last known (non-null) value.
_LAST_KNOWN = (S.VESSEL_NAME, S.CALLSIGN, S.FLAG, S.SHIP_TYPE, S.IMO, S.LENGTH_M, S.WIDTH_M)


def _known_validity() -> pl.Expr:
    """A group's MMSI validity: whether every known value is true; null when no row has one
    (VMS ids: MMSI rules do not apply). Over positions or over days' values alike."""
    valid = pl.col(S.MMSI_VALID)
    return pl.when(valid.is_not_null().any()).then(valid.all()).alias(S.MMSI_VALID)


def _position_facts(
    positions: pl.LazyFrame, keys: list[str], *, time_ordered: bool = False
) -> pl.DataFrame:
    """Per key (``mmsi``, or ``mmsi`` and ``day``): the last known static values, MMSI
    validity, number of positions and first/last time, in :data:`_STATIC_SCHEMA`.

    ``time_ordered``: the positions' rows run in ``(mmsi, ts)`` order (:func:`_in_time_order`),
    so each key's rows are in time order already and its last known value is its last non-null
    one (no sort of every group by time: 3/4 of this step's CPU at 10 M positions). The values
    are the same: a sort by time leaves rows already in time order where they are. Each key's
    rows are then also one run of consecutive rows: they are grouped by run (a sorted run
    number), not by hashing the keys of every row (half the CPU at 10 M positions).
    """
    pos = positions
    if DAY in keys:
        pos = pos.with_columns(pl.col(S.TS).dt.date().alias(DAY))
    group_keys: list[str] | list[pl.Expr] = keys
    if time_ordered:
        starts = pl.any_horizontal(pl.col(k) != pl.col(k).shift(1) for k in keys)
        pos = pos.with_columns(starts.fill_null(True).cum_sum().set_sorted().alias(_RUN))
        group_keys = [_RUN]

    def last_known(name: str) -> pl.Expr:
        col = pl.col(name) if time_ordered else pl.col(name).sort_by(S.TS)
        return col.drop_nulls().last().alias(name)

    have = pos.collect_schema().names()
    facts = (
        pos.group_by(group_keys, maintain_order=time_ordered)
        .agg(
            *(pl.col(k).first() for k in keys if time_ordered),
            *(  # IMO and dimensions (joined from identity rows) are absent in minimal frames
                last_known(c) if c in have else pl.lit(None, _STATIC_SCHEMA[c]).alias(c)
                for c in _LAST_KNOWN
            ),
            _known_validity(),
            pl.len().cast(pl.UInt32).alias(S.N_POSITIONS),
            pl.col(S.TS).min().alias(S.FIRST_TS),
            pl.col(S.TS).max().alias(S.LAST_TS),
        )
        .collect()
    )
    return facts.drop(_RUN) if time_ordered else facts


def _vessel_facts_from_days(days: pl.DataFrame) -> pl.DataFrame:
    """:func:`_position_facts` per ``mmsi`` from the one per ``mmsi`` and ``day``: the same
    values without a second pass over every position.

    A vessel's last known value is that of its last day with one; its validity is null when no
    day has one, else whether every day's known validity is true (as over its positions: the
    days' values are over their non-null rows); positions add up; first and last times are the
    extremes of the days'.

    Examples
    --------
    >>> from datetime import datetime, UTC
    >>> t = [datetime(2024, 3, d, h, tzinfo=UTC) for d, h in ((1, 1), (1, 2), (2, 0), (3, 0))]
    >>> pos = pl.LazyFrame({"mmsi": [1, 1, 1, 1], "ts": t, "vessel_name": ["A", None, "B", None],
    ...     "callsign": None, "flag": None, "ship_type": None, "mmsi_valid": [True] * 4},
    ...     schema_overrides={"callsign": pl.String, "flag": pl.String, "ship_type": pl.UInt8})
    >>> days = _position_facts(pos, ["mmsi", "day"], time_ordered=True)
    >>> _vessel_facts_from_days(days).equals(_position_facts(pos, ["mmsi"], time_ordered=True))
    True
    """
    return (
        days.sort(S.MMSI, DAY)
        .group_by(S.MMSI, maintain_order=True)
        .agg(
            *(pl.col(c).drop_nulls().last() for c in _LAST_KNOWN),
            _known_validity(),
            pl.col(S.N_POSITIONS).sum().cast(pl.UInt32),
            pl.col(S.FIRST_TS).min(),
            pl.col(S.LAST_TS).max(),
        )
    )


def _features(
    facts: pl.DataFrame | None,
    ev: pl.DataFrame,
    keys: list[str],
) -> pl.DataFrame:
    """Per-key vessel features for vessel rules and the static columns of the vessel table:
    ``facts`` (:func:`_position_facts` of the positions per ``keys``, None without positions)
    for every key with an event (either side of a pair) or a position."""
    invalid_kinds = ["invalid_mmsi", "non_ship_mid"]
    if S.EV_CONFLICT_KIND in ev.columns:
        bad_ids = ev.filter(
            (pl.col(S.EVENT_TYPE) == S.IDENTITY_CONFLICT)
            & pl.col(S.EV_CONFLICT_KIND).is_in(invalid_kinds).fill_null(False)
        )
    else:
        bad_ids = ev.clear()
    bad = bad_ids.select(*keys).unique().with_columns(pl.lit(False).alias("_ev_valid"))
    # every vessel with an event (either side of a pair) or a position gets a row
    from_events = pl.concat(
        [
            ev.select(*keys),
            ev.filter(pl.col(S.OTHER_MMSI).is_not_null()).select(
                pl.col(S.OTHER_MMSI).alias(S.MMSI), *[k for k in keys if k != S.MMSI]
            ),
        ]
    )
    agg = pl.DataFrame(schema={**from_events.schema, **_STATIC_SCHEMA}) if facts is None else facts
    all_keys = pl.concat([agg.select(keys), from_events.cast(agg.select(keys).schema)]).unique()
    feats = all_keys.join(agg, on=keys, how="left").with_columns(pl.col(S.N_POSITIONS).fill_null(0))
    feats = feats.join(bad, on=keys, how="left").with_columns(
        pl.when(pl.col("_ev_valid").is_not_null())
        .then(pl.lit(False))
        .otherwise(pl.col(S.MMSI_VALID))
        .alias(S.MMSI_VALID)
    )
    return feats.drop("_ev_valid")


def _vessel_rule_contributions(
    feats: pl.DataFrame, profile: Profile, keys: list[str]
) -> list[pl.LazyFrame]:
    out = []
    for rule in VESSEL_RULES:
        weights = profile.vessel_rules.get(rule.name)
        if weights is None or not weights.enabled or weights.points <= 0:
            continue
        out.append(
            feats.lazy()
            .filter(rule.condition.fill_null(False))
            .with_columns(pl.lit(round(weights.points, 2)).alias(S.POINTS))
            .select(
                *keys,
                pl.lit(rule.name).alias(S.RULE_NAME),
                pl.lit(None, dtype=pl.String).alias(S.EVENT_ID),
                S.POINTS,
                compile_template(rule.explanation).alias(S.EXPLANATION),
            )
        )
    return out


def _empty_contributions(keys: list[str]) -> pl.DataFrame:
    key_schema = {S.MMSI: pl.UInt32(), DAY: pl.Date()}
    return pl.DataFrame(
        schema={
            **{k: key_schema[k] for k in keys},
            **{c: t for c, t in S.CONTRIBUTION_SCHEMA.items() if c != S.MMSI},
        }
    )


def _base_contributions(
    ev: pl.DataFrame,
    feats: pl.DataFrame,
    profile: Profile,
    keys: list[str],
) -> pl.DataFrame:
    """The contributions of every rule but the network rules, per ``keys``, no total caps."""
    empty = _empty_contributions(keys)
    parts = [empty.lazy()]
    for rule in EVENT_RULES:
        weights = profile.rules.get(rule.name)
        if weights is None or not weights.enabled or rule.network:
            continue
        parts.append(_rule_contributions(ev, rule, weights, keys))
    parts.extend(_vessel_rule_contributions(feats, profile, keys))
    return pl.concat([p.cast(empty.schema) for p in parts]).collect()


def _finish_contributions(
    contrib: pl.DataFrame,
    pairs: Mapping[str, pl.DataFrame],
    profile: Profile,
    keys: list[str],
) -> pl.DataFrame:
    """``contrib`` (:func:`_base_contributions`) with the network rules' contributions over the
    edges ``pairs`` (rule name -> :func:`_network_pairs`) and the total-cap lines, sorted."""
    empty = _empty_contributions(keys)
    network = [
        _network_from_pairs(pairs[rule.name], contrib, rule, profile.rules[rule.name], keys)
        for rule in network_rules(profile)
    ]
    contrib = pl.concat([contrib, *(n.cast(empty.schema) for n in network)])
    totals = contrib.group_by(keys).agg(pl.col(S.POINTS).sum().round(2).alias("_total"))
    over = totals.filter(pl.col("_total") > MAX_SCORE).with_columns(
        (pl.lit(MAX_SCORE) - pl.col("_total")).round(2).alias(S.POINTS)
    )
    caps = over.select(
        *keys,
        pl.lit(TOTAL_CAP_RULE).alias(S.RULE_NAME),
        pl.lit(None, dtype=pl.String).alias(S.EVENT_ID),
        S.POINTS,
        compile_template("sum {_total:.1f} capped at 100 ({points:.1f})").alias(S.EXPLANATION),
    )
    order = [*keys, S.POINTS, S.RULE_NAME, S.EVENT_ID]
    return pl.concat([contrib, caps.cast(empty.schema)]).sort(
        order,
        descending=[False] * len(keys) + [True, False, False],
        nulls_last=True,
    )


def _tier_expr(profile: Profile, column: str) -> pl.Expr:
    expr: Any = pl.lit(S.RISK_TIERS[0])
    for tier in S.RISK_TIERS[1:]:
        expr = pl.when(pl.col(column) >= profile.tiers[tier]).then(pl.lit(tier)).otherwise(expr)
    return expr


def _summarise(
    contrib: pl.DataFrame, feats: pl.DataFrame, profile: Profile, keys: list[str]
) -> pl.DataFrame:
    totals = contrib.group_by(keys).agg(
        pl.col(S.POINTS).sum().round(2).clip(upper_bound=MAX_SCORE).alias(S.RISK_SCORE)
    )
    reasons = (
        contrib.filter((pl.col(S.RULE_NAME) != TOTAL_CAP_RULE) & (pl.col(S.POINTS) > 0))
        .group_by(keys, maintain_order=True)
        .agg(pl.col(S.EXPLANATION).head(profile.max_reasons).alias(S.REASONS))
    )
    all_keys = pl.concat([feats.select(keys), totals.select(keys)]).unique()
    return (
        all_keys.join(totals, on=keys, how="left")
        .join(reasons, on=keys, how="left")
        .with_columns(
            pl.col(S.RISK_SCORE).fill_null(0.0),
            pl.col(S.REASONS).fill_null(pl.lit([], dtype=pl.List(pl.String))),
        )
        .with_columns(_tier_expr(profile, S.RISK_SCORE).alias(S.RISK_TIER))
    )


def _event_counts(ev: pl.DataFrame) -> pl.DataFrame:
    """Events per vessel and type; a pair event counts for both vessels, once each."""
    cols = [S.EVENT_ID, S.EVENT_TYPE, S.MMSI, S.OTHER_MMSI, S.START_TS]
    mirrored = ev.filter(pl.col(S.OTHER_MMSI).is_not_null()).with_columns(
        pl.col(S.OTHER_MMSI).alias(S.MMSI), pl.col(S.MMSI).alias(S.OTHER_MMSI)
    )
    # a detector may write a pair once or once per vessel: key a pair event by the pair and time
    pair_key = pl.concat_str(
        [
            pl.col(S.EVENT_TYPE),
            pl.min_horizontal(S.MMSI, S.OTHER_MMSI).cast(pl.String),
            pl.max_horizontal(S.MMSI, S.OTHER_MMSI).cast(pl.String),
            pl.col(S.START_TS).cast(pl.String),
        ],
        separator="|",
    )
    key = pl.when(pl.col(S.OTHER_MMSI).is_null()).then(pl.col(S.EVENT_ID)).otherwise(pair_key)
    both = (
        pl.concat([ev.select(cols), mirrored.select(cols)])
        .with_columns(key.alias("_key"))
        .unique(subset=[S.MMSI, "_key"])
    )
    return both.group_by(S.MMSI).agg(
        (pl.col(S.EVENT_TYPE) == t).sum().cast(pl.UInt32).alias(S.event_count_column(t))
        for t in EVENT_TYPES
    )


def score(
    events: pl.DataFrame | pl.LazyFrame,
    positions: pl.DataFrame | pl.LazyFrame | None = None,
    profile: str | Profile = "default",
    *,
    zones: Any = None,
    zone_kinds: Mapping[str, str] | None = None,
) -> ScoreResult:
    """Score every vessel from its events (and positions, for static data and vessel rules).

    Parameters
    ----------
    events
        Event table in :data:`vessels.schema.EVENT_SCHEMA`.
    positions
        Canonical positions (optional): vessels without events get a row with score 0, static
        columns (name, call sign, flag, type) and ``n_positions``/``first_ts``/``last_ts`` are
        filled from them, vessel rules see ``mmsi_valid``, the last known ship types of both
        vessels of a pair reach the rule conditions, and (with ``segment_id``) each event's track
        length is known for ``min_track_positions``.
    profile
        A shipped profile name, a path to a TOML file, or a :class:`Profile`.
    zones
        The zone layer the events were detected with (GeoDataFrame or a frame with
        ``zone_id, kind``): the kind of each event's zone, for events whose evidence does not
        carry it. Without ``zones`` (and ``zone_kinds``), kinds are guessed from the zone ids
        the way :func:`vessels.detect_events` guesses them without a zone layer.
    zone_kinds
        ``zone_id -> kind``, taking precedence over ``zones``.

    Returns
    -------
    ScoreResult
        Deterministic: the same inputs give identical tables.

    Examples
    --------
    >>> import polars as pl
    >>> from datetime import datetime, UTC
    >>> from vessels import schema as S
    >>> t = datetime(2024, 3, 1, 5, tzinfo=UTC)
    >>> ev = pl.DataFrame([{
    ...     S.EVENT_ID: "e1", S.EVENT_TYPE: "encounter", S.MMSI: 345000001,
    ...     S.OTHER_MMSI: 345000002, S.START_TS: t, S.END_TS: t, S.DURATION_H: 3.0,
    ...     S.SHORE_KM: 40.0,
    ... }], schema=S.EVENT_SCHEMA)
    >>> res = score(ev, profile="default")
    >>> res.vessels.select(S.MMSI, S.RISK_SCORE, S.event_count_column("encounter")).rows()
    [(345000001, 18.0, 1), (345000002, 18.0, 1)]
    >>> res.vessels[S.REASONS][0].to_list()
    ['met vessel 345000002 for 3.0 h (+18)']
    """
    events = as_polars(events, "events", "score")
    if positions is not None:
        positions = as_polars(positions, "positions", "score")
    if not isinstance(profile, str | Path | Profile):
        raise TypeError(
            "score: profile must be a profile name, a TOML path or a Profile, "
            f"got {type(profile).__name__} {profile!r}"
        )
    return _score(events, positions, load_profile(profile), zones, zone_kinds).result


@dataclass(frozen=True)
class NetworkInputs:
    """A score and what its network rules read, for scoring parts of a run apart
    (:mod:`vessels.partition`): ``result`` is the full score of these events, ``base`` /
    ``day_base`` the other rules' contributions per vessel / vessel-day (no total caps) and
    ``pairs`` / ``day_pairs`` the network rules' edges (rule name -> edges), from which
    :func:`with_network` scores the network rules over all vessels at once."""

    result: ScoreResult
    base: pl.DataFrame
    pairs: dict[str, pl.DataFrame]
    day_base: pl.DataFrame
    day_pairs: dict[str, pl.DataFrame]


def _score(
    events: pl.DataFrame | pl.LazyFrame,
    positions: pl.DataFrame | pl.LazyFrame | None,
    prof: Profile,
    zones: Any = None,
    zone_kinds: Mapping[str, str] | None = None,
    partners: pl.DataFrame | None = None,
) -> NetworkInputs:
    """:func:`score` with the network rules' inputs (``prof`` loaded, inputs checked);
    ``partners``: what is known of vessels the events name whose positions are not given."""
    ev_in = events.collect() if isinstance(events, pl.LazyFrame) else events
    S.validate(ev_in, S.EVENT_BASE_SCHEMA, what="events")
    ev = _prepare_events(ev_in, _kinds(ev_in, zones, zone_kinds))
    lazy_pos = positions.lazy() if positions is not None else None

    vkeys = [S.MMSI]
    dkeys = [S.MMSI, DAY]
    facts = dfacts = None
    if lazy_pos is not None:
        ordered = _in_time_order(lazy_pos)
        dfacts = _position_facts(lazy_pos, dkeys, time_ordered=ordered)
        # in time order, a vessel's facts follow from its days' (one pass over the positions)
        facts = (
            _vessel_facts_from_days(dfacts)
            if ordered
            else _position_facts(lazy_pos, vkeys, time_ordered=False)
        )
    feats = _features(facts, ev, vkeys)
    ev = _with_ship_types(ev, feats, partners)
    ev = _with_track_positions(ev, lazy_pos, partners)
    base = _base_contributions(ev, feats, prof, vkeys)
    pairs = {rule.name: _network_pairs(ev, rule, vkeys) for rule in network_rules(prof)}
    contrib = _finish_contributions(base, pairs, prof, vkeys)
    summary = _summarise(contrib, feats, prof, vkeys)
    counts = _event_counts(ev)
    static = [c for c in VESSEL_SCHEMA if c in feats.columns and c != S.MMSI]
    vessels = (
        summary.join(feats.select(S.MMSI, *static), on=S.MMSI, how="left")
        .join(counts, on=S.MMSI, how="left")
        .with_columns(pl.col(S.event_count_column(t)).fill_null(0) for t in EVENT_TYPES)
        .with_columns(pl.col(S.N_POSITIONS).fill_null(0))
        .select(list(VESSEL_SCHEMA))
        .cast(pl.Schema(VESSEL_SCHEMA))
        .sort([S.RISK_SCORE, S.MMSI], descending=[True, False])
    )

    dfeats = _features(dfacts, ev, dkeys)
    dbase = _base_contributions(ev, dfeats, prof, dkeys)
    dpairs = {rule.name: _network_pairs(ev, rule, dkeys) for rule in network_rules(prof)}
    dcontrib = _finish_contributions(dbase, dpairs, prof, dkeys)
    days = _days(dcontrib, dfeats, prof)
    return NetworkInputs(
        result=ScoreResult(
            vessels=vessels, contributions=_contributions(contrib), vessel_days=days, profile=prof
        ),
        base=base,
        pairs=pairs,
        day_base=dbase,
        day_pairs=dpairs,
    )


def _days(dcontrib: pl.DataFrame, dfeats: pl.DataFrame, prof: Profile) -> pl.DataFrame:
    return (
        _summarise(dcontrib, dfeats, prof, [S.MMSI, DAY])
        .filter(pl.col(S.MMSI).is_not_null() & pl.col(DAY).is_not_null())
        .select(list(DAY_SCHEMA))
        .cast(pl.Schema(DAY_SCHEMA))
        .sort([S.MMSI, DAY])
    )


def _contributions(contrib: pl.DataFrame) -> pl.DataFrame:
    return contrib.select(list(S.CONTRIBUTION_SCHEMA)).cast(pl.Schema(S.CONTRIBUTION_SCHEMA))


def score_inputs(
    events: pl.DataFrame | pl.LazyFrame,
    positions: pl.DataFrame | pl.LazyFrame | None,
    profile: Profile,
    *,
    zones: Any = None,
    partners: pl.DataFrame | None = None,
) -> NetworkInputs:
    """:func:`score` of part of a run, with what :func:`with_network` needs of it.

    ``partners`` (:func:`vessels.risk._partners.partner_facts`): the last known ship type and
    segment sizes of vessels the events name whose positions are elsewhere (another bucket of a
    partitioned run); the rows of the vessels of ``positions`` are then those that scoring with
    the partners' whole positions gives.
    """
    return _score(events, positions, profile, zones, partners=partners)


def with_network(
    vessels: pl.DataFrame,
    vessel_days: pl.DataFrame,
    base: pl.DataFrame,
    pairs: Mapping[str, pl.DataFrame],
    day_base: pl.DataFrame,
    day_pairs: Mapping[str, pl.DataFrame],
    profile: Profile,
) -> ScoreResult:
    """The score of a whole run from its parts' :class:`NetworkInputs`, concatenated over all
    vessels (each vessel's rows from one part): the network rules are scored over all vessels
    as :func:`score` scores them, and each vessel's score, tier and reasons (and each
    vessel-day's) follow from its contributions as there."""
    vkeys = [S.MMSI]
    contrib = _finish_contributions(base, pairs, profile, vkeys)
    summary = _summarise(contrib, vessels.select(vkeys), profile, vkeys)
    scored = [S.RISK_SCORE, S.RISK_TIER, S.REASONS]
    vessels = (
        vessels.drop(scored)
        .join(summary, on=S.MMSI, how="left")
        .select(list(VESSEL_SCHEMA))
        .cast(pl.Schema(VESSEL_SCHEMA))
        .sort([S.RISK_SCORE, S.MMSI], descending=[True, False])
    )
    dkeys = [S.MMSI, DAY]
    dcontrib = _finish_contributions(day_base, day_pairs, profile, dkeys)
    days = _days(dcontrib, vessel_days.select(dkeys), profile)
    return ScoreResult(
        vessels=vessels,
        contributions=_contributions(contrib),
        vessel_days=days,
        profile=profile,
    )
