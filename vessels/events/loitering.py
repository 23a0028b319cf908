"""Loitering: a vessel moving slower than 2 kn for hours, far from shore.

Per segment, positions whose implied speed (SOG where the implied speed is undefined) is below
``max_speed_kn`` form runs; a run is broken by a silence longer than ``max_position_gap_h`` (that
silence is an AIS gap, reported by :mod:`vessels.events.gaps`). Runs lasting at least
``min_duration_h`` whose mean position is at least ``min_shore_nm`` from shore are events,
unless most of the run lies in a port or anchorage (:mod:`vessels.events.coverage`: ships waiting
at anchor) or the vessel reports too sparsely to tell (``max_median_interval_min``).
``evidence.is_carrier`` flags reefers/carriers, since a loitering carrier is the transshipment
signal.

Examples
--------
>>> from vessels.testing import make_track, staged
>>> t = make_track(n=60, interval_s=600, speed_kn=0.5, vessel_name="OCEAN REEFER", ship_type=70)
>>> ev = detect_loitering(staged(t))
>>> ev["duration_h"].to_list(), ev["evidence"].struct.field("is_carrier").to_list()
([9.833333333333334], [True])
"""

from __future__ import annotations

from dataclasses import dataclass

import polars as pl

from vessels import schema as S
from vessels._template import clause, compile_template
from vessels.events._common import (
    KM_PER_NM,
    SEG,
    Frameish,
    exact_mean,
    exact_sum,
    extent_aggs,
    finish,
    first_zone_agg,
    in_eez_clause,
    prepare,
    prev_in,
    runs_id,
)
from vessels.events.coverage import HARBOUR, sparse_mmsi, with_harbour
from vessels.events.registry import Context, Detector, register

__all__ = ["LoiteringConfig", "carrier_expr", "detect_loitering"]


@dataclass(frozen=True)
class LoiteringConfig:
    """Parameters of the loitering detector.

    Attributes
    ----------
    max_speed_kn : float
        Implied speed below this is loitering. Default 2 kn (GFW, Starboard).
    min_duration_h : float
        Default 4 h (Pew / Welch 2022 carrier loitering, Starboard; Miller 2018 used 8 h).
    min_shore_nm : float
        Mean distance from shore at least this. Default 20 nm (GFW published loitering events).
    max_position_gap_h : float
        A silence longer than this breaks a run. Default 3 h (ours: GFW averages speed per hour;
        longer silences are gaps, not evidence of slow movement).
    carrier_name_pattern : str
        Regular expression on the vessel name marking carriers. Default
        ``(?i)REEFER|CARRIER|FRIGO|\\bREEF`` (ours; AIS has no reefer ship type).
    max_median_interval_min : float
        Vessels reporting less often than this (median interval) are not judged: with hours
        between fixes every vessel looks slow. Default 30 min (as the gap detector).
    carrier_ship_type_min, carrier_ship_type_max : int
        A name match counts when the AIS type is in this range (cargo 70-79) or unknown.
    """

    max_speed_kn: float = 2.0
    min_duration_h: float = 4.0
    min_shore_nm: float = 20.0
    max_position_gap_h: float = 3.0
    carrier_name_pattern: str = r"(?i)REEFER|CARRIER|FRIGO|\bREEF"
    max_median_interval_min: float = 30.0
    carrier_ship_type_min: int = 70
    carrier_ship_type_max: int = 79


def carrier_expr(cfg: LoiteringConfig) -> pl.Expr:
    """True for reefers/carriers: name matches and AIS type is cargo (70-79) or unknown."""
    st = pl.col(S.SHIP_TYPE)
    return pl.col(S.VESSEL_NAME).str.contains(cfg.carrier_name_pattern).fill_null(False) & (
        st.is_null() | st.is_between(cfg.carrier_ship_type_min, cfg.carrier_ship_type_max)
    )


def detect_loitering(
    tracks: Frameish,
    config: LoiteringConfig | None = None,
    *,
    prepared: pl.DataFrame | None = None,
) -> pl.DataFrame:
    """Detect loitering events; EVENT_SCHEMA rows."""
    cfg = config or LoiteringConfig()
    p = with_harbour(prepared if prepared is not None else prepare(tracks))
    sparse = sparse_mmsi(p, max_median_interval_min=cfg.max_median_interval_min)
    sp = pl.coalesce(pl.col(S.IMPLIED_SPEED_KN), pl.col(S.SOG_KN).cast(pl.Float64))
    slow = (sp < cfg.max_speed_kn).fill_null(False)
    new_run = (slow != prev_in(slow)) | (pl.col(S.DT_S) > cfg.max_position_gap_h * 3600)
    ev = (
        p.lazy()
        .with_columns(runs_id(new_run).alias("_run"), slow.alias("_slow"), sp.alias("_sp"))
        .filter(pl.col("_slow"))
        .group_by("_run")
        .agg(
            pl.col(S.SEGMENT_ID).first(),
            pl.col(SEG).first(),
            pl.col(S.MMSI).first(),
            *extent_aggs(),
            # exact whatever order the rows of a group are added in (see _common.exact_sum)
            exact_mean(pl.col(S.LAT), 9).alias(S.LAT),
            exact_mean(pl.col(S.LON), 9).alias(S.LON),
            exact_mean(pl.col(S.SHORE_KM), 6).alias(S.SHORE_KM),
            pl.len().alias("_n"),
            exact_mean(pl.col("_sp"), 6).alias("_mean_sp"),
            pl.col("_sp").max().alias("_max_sp"),
            (exact_sum(pl.col(S.DIST_M).slice(1), 3) / 1000.0).alias("_len_km"),
            pl.col(S.EEZ_ISO3).drop_nulls().first(),
            first_zone_agg().alias(S.EVENT_ZONE_ID),
            carrier_expr(cfg).any().alias("_carrier"),
            pl.col(S.FLAG).drop_nulls().first().alias("_flag"),
            pl.col(S.SHIP_TYPE).drop_nulls().first().alias("_st"),
            pl.col(HARBOUR).mean().alias("_in_harbour"),
        )
        .with_columns(
            (
                (pl.col(S.END_TS) - pl.col(S.START_TS)).dt.total_seconds(fractional=True) / 3600.0
            ).alias(S.DURATION_H)
        )
        .filter(
            (pl.col(S.DURATION_H) >= cfg.min_duration_h)
            & (pl.col(S.SHORE_KM).is_null() | (pl.col(S.SHORE_KM) >= cfg.min_shore_nm * KM_PER_NM))
            & (pl.col("_in_harbour") <= 0.5)
            & ~pl.col(S.MMSI).is_in(sparse.implode())
        )
    )
    summary = compile_template(
        "loitered {hours:.1f} h at {speed:.1f} kn{offshore}{eez}{carrier}",
        fields={
            "hours": pl.col(S.DURATION_H),
            "speed": pl.col("_mean_sp"),
            "offshore": clause(
                pl.col(S.SHORE_KM).is_not_null(),
                ", {nm:.0f} nm offshore",
                fields={"nm": pl.col(S.SHORE_KM) / KM_PER_NM},
            ),
            "eez": in_eez_clause(),
            "carrier": clause(pl.col("_carrier"), " (reefer/carrier)"),
        },
        null=None,
        name="summary",
    )
    return finish(
        ev,
        "loitering",
        evidence={
            "summary": summary,
            "n_positions": pl.col("_n"),
            "mean_speed_kn": pl.col("_mean_sp"),
            "max_speed_kn": pl.col("_max_sp"),
            "track_length_km": pl.col("_len_km"),
            "is_carrier": pl.col("_carrier"),
            "flag": pl.col("_flag"),
            "ship_type": pl.col("_st"),
        },
        key=pl.col(S.SEGMENT_ID),
    )


def _detect(p: pl.DataFrame, cfg: LoiteringConfig, ctx: Context) -> pl.DataFrame:
    return detect_loitering(p, cfg, prepared=p)


DETECTOR = register(
    Detector(
        event_type=S.LOITERING,
        config=LoiteringConfig,
        detect=_detect,
        columns=(
            S.MMSI,
            S.TS,
            S.LAT,
            S.LON,
            S.SEGMENT_ID,
            S.SOG_KN,
            S.IMPLIED_SPEED_KN,
            S.DT_S,
            S.DIST_M,
            S.SHORE_KM,
            S.EEZ_ISO3,
            S.FLAG,
            S.SHIP_TYPE,
            S.VESSEL_NAME,
        ),
        evidence=(
            "summary",
            "n_positions",
            "mean_speed_kn",
            "max_speed_kn",
            "flag",
            "ship_type",
            "is_carrier",
            "track_length_km",
        ),
        label="Loitering",
        style={"color": "#00a6d6", "weight": 9, "opacity": 0.45, "lineCap": "round"},
        doc="one vessel slow for hours far from shore (waiting for a rendezvous)",
        risk_rules=("loitering", "loitering_merchant", "loitering_carrier"),
        order=50,
    )
)
