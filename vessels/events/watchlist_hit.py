"""Watchlist hits: a vessel whose identity, at any time in the data, matches an entry of the
analyst's watchlist (:mod:`vessels.watchlist`).

The watchlist comes with the run (``vessels score --watchlist FILE``, ``vessels.run(watchlist=)``,
``detect_events(watchlist=)``); without one the detector reports nothing. Each hit is one event per
(vessel, entry) over the period in which the vessel carried the matching identity, with the match
quality (``exact_imo``, ``exact_mmsi``, ``exact_callsign``, ``name_exact``, ``name_fuzzy``) and
score in its evidence. The list's text (list name, reason, link) is the analyst's file: data.

Examples
--------
>>> from vessels.testing import make_track, staged
>>> from vessels.watchlist import load_watchlist
>>> wl = load_watchlist(pl.DataFrame({"name": ["F/V Sea Star"], "list": ["IUU"],
...                                   "reason": ["no licence"]}))
>>> t = make_track(345000001, n=3, vessel_name="SEA STAR")
>>> ev = detect_watchlist_hits(staged(t), wl)
>>> ev["evidence"].struct.field("summary").item()
"on list IUU (no licence) by name 'SEA STAR'"
"""

from __future__ import annotations

from dataclasses import dataclass

import polars as pl

from vessels import schema as S
from vessels._template import compile_template
from vessels.events._common import Frameish, finish, per_frame, prepare
from vessels.events.identity_change import identity_parts, identity_periods
from vessels.events.registry import Context, Detector, register
from vessels.watchlist import load_watchlist, match_watchlist

__all__ = ["WatchlistConfig", "detect_watchlist_hits"]


@dataclass(frozen=True)
class WatchlistConfig:
    """Parameters of the watchlist matcher.

    Attributes
    ----------
    min_name_similarity : int
        Lowest similarity (0-100, normalised Levenshtein of the normalised names without spaces,
        equal digits required) of a fuzzy name hit. Default 80 (ours: with the edit budget below,
        precision >= 0.95 and recall >= 0.9 on the simulator's renamed vessels, measured by
        tests/events/test_watchlist.py).
    chars_per_edit : int
        A fuzzy name hit may differ by one edit per this many letters of the shorter name
        (shorter names must be equal). Default 10 (ours: one typo in a 10-19 letter name).
    max_block_pairs : int
        Blocking keys (first word, first four letters, longest word of a name) shared by more
        (vessel name, entry) pairs than this are not used to find candidates. Default 20000.
    """

    min_name_similarity: int = 80
    chars_per_edit: int = 10
    max_block_pairs: int = 20_000


def detect_watchlist_hits(
    tracks: Frameish,
    watchlist: pl.DataFrame | None,
    config: WatchlistConfig | None = None,
    *,
    periods: pl.DataFrame | None = None,
) -> pl.DataFrame:
    """Watchlist hits as EVENT_SCHEMA rows (none without a watchlist)."""
    cfg = config or WatchlistConfig()
    if watchlist is None or watchlist.height == 0:
        return S.empty_events()
    wl = load_watchlist(watchlist)
    per = periods if periods is not None else identity_periods(prepare(tracks))
    hits = match_watchlist(
        per,
        wl,
        min_name_score=cfg.min_name_similarity,
        chars_per_edit=cfg.chars_per_edit,
        max_block_pairs=cfg.max_block_pairs,
    )
    # where the vessel was when it first carried the matching identity
    where = (
        per.lazy()
        .select(S.MMSI, "valid_from", S.LAT, S.LON, S.SEGMENT_ID)
        .sort(S.MMSI, "valid_from")
    )
    located = (
        hits.lazy()
        .sort(S.MMSI, "first_seen")
        .join_asof(
            where,
            left_on="first_seen",
            right_on="valid_from",
            by=S.MMSI,
            strategy="forward",
            check_sortedness=False,
        )
        .join(
            where.group_by(S.MMSI).agg(
                pl.col(S.LAT).first().alias("_lat0"),
                pl.col(S.LON).first().alias("_lon0"),
                pl.col(S.SEGMENT_ID).first().alias("_seg0"),
            ),
            on=S.MMSI,
            how="left",
        )
        .with_columns(
            pl.coalesce(S.LAT, "_lat0").alias(S.LAT),
            pl.coalesce(S.LON, "_lon0").alias(S.LON),
            pl.coalesce(S.SEGMENT_ID, "_seg0").alias(S.SEGMENT_ID),
            pl.col("first_seen").alias(S.START_TS),
            pl.col("last_seen").alias(S.END_TS),
        )
        .with_columns(pl.col(S.LAT).alias(S.START_LAT), pl.col(S.LON).alias(S.START_LON))
    )
    return finish(
        located,
        S.WATCHLIST_HIT,
        evidence={
            "summary": compile_template(
                "on list {list_name} ({reason}) by {matched_by}", null=None
            ),
            "list_name": pl.col("list_name"),
            "reason": pl.col("reason"),
            "link": pl.col("link"),
            "match_quality": pl.col("match_quality"),
            "match_score": pl.col("match_score"),
            "matched_by": pl.col("matched_by"),
            "flag": pl.col(S.FLAG),
        },
        key=pl.concat_str([pl.col("entry_id").cast(pl.String), pl.col("list_name")], separator=":"),
    )


def _detect(p: pl.DataFrame, cfg: WatchlistConfig, ctx: Context) -> pl.DataFrame:
    if ctx.watchlist is None:
        return S.empty_events()
    periods = ctx.parts.get(S.WATCHLIST_HIT)
    if periods is None:  # once per prepared frame: identity_change reads the same periods
        periods = per_frame(p, "identity_periods", identity_periods)
    return detect_watchlist_hits(p, ctx.watchlist, cfg, periods=periods)


DETECTOR = register(
    Detector(
        event_type=S.WATCHLIST_HIT,
        config=WatchlistConfig,
        detect=_detect,
        columns=(S.MMSI, S.TS, S.LAT, S.LON, S.SEGMENT_ID, S.VESSEL_NAME, S.CALLSIGN, S.IMO),
        evidence=(
            "summary",
            "list_name",
            "reason",
            "link",
            "match_quality",
            "match_score",
            "matched_by",
            "flag",
        ),
        label="Watchlist hits",
        style={
            "radius": 9,
            "color": "#000000",
            "weight": 3,
            "fillColor": "#ff006e",
            "fillOpacity": 0.95,
        },
        doc="a vessel whose name, MMSI, IMO or call sign matches an entry of the analyst's "
        "watchlist (exact or fuzzy name, with a match quality)",
        risk_rules=("watchlist_hit",),
        # name blocks too common among all vessels are dropped: a property of every vessel
        scope="global",
        parts=identity_parts,
        order=100,
    )
)
