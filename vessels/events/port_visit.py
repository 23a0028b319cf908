"""Port visits: one event per stay of a vessel in a port or anchorage (informational).

Global Fishing Watch builds port visits from distances to its anchorages: a vessel *enters* a port
within 3 km of an anchorage and *exits* beyond 4 km (hysteresis, so that a vessel moving along the
edge does not enter and leave many times), and a *stop* starts below 0.2 kn and ends above 0.5 kn
(GFW, "Port visits" in the anchorages/events documentation). Here the geography is already a
per-position label: ``in_port`` (within the harbour-size radius of a World Port Index port) or
``at_anchorage`` (an anchorage cell learned from the data), both from
:func:`vessels.zones.label_zones`. The hysteresis is adapted to those labels in time rather than
distance:

* a visit **starts** at the first position in a port/anchorage of a segment;
* it **ends** at the last such position before the vessel has been seen *outside* for longer than
  ``exit_grace_h`` (positions outside for a shorter time, e.g. swinging at anchor across the edge
  of the port radius, do not end it); a silence *inside* the port never ends a visit (boats often
  switch AIS off at the berth), but a new segment does (see :mod:`vessels.tracks`);
* a stay counts only if the vessel **stopped**: some position's speed (SOG, else the implied
  speed) is below ``stop_speed_kn`` (GFW's stop threshold) — ships transiting a harbour channel
  that passes a port are not visits. Set ``stop_speed_kn`` high to count every stay.

``start_ts`` is the arrival (first position inside), ``end_ts`` the departure (last position
inside), ``duration_h`` the time between them. A visit whose first position is the first of its
segment, or whose last is the last, is **open** (``evidence.is_open``; ``detail`` says which end):
the vessel was already in port when the data begins, or is still there when it ends, so its
arrival or departure is unknown and the duration is a lower bound. The port's name and country
(``port_name``, ``port_country``; the name also as ``zone_name``) are those of the nearest World
Port Index port. Port visits score nothing: they are context for the analyst (a vessel silent at
its berth is not "dark at sea").

Examples
--------
>>> import polars as pl
>>> from vessels.testing import make_track, staged
>>> t = make_track(n=7, interval_s=3600, speed_kn=0.0).with_columns(
...     pl.Series("in_port", [False, True, True, True, True, True, False]),
...     pl.lit("GUAYMAS").alias("port_name"), pl.lit("Mexico").alias("port_country"))
>>> ev = detect_port_visits(staged(t))
>>> ev.select("duration_h", "zone_name").rows()
[(4.0, 'GUAYMAS')]
>>> ev["evidence"].struct.field("summary").item()
'in port GUAYMAS (Mexico) 4.0 h'
"""

from __future__ import annotations

from dataclasses import dataclass

import polars as pl

from vessels import schema as S
from vessels._template import clause, compile_template
from vessels.events._common import (
    IDX,
    SEG,
    Frameish,
    exact_mean,
    extent_aggs,
    finish,
    prepare,
    runs_id,
    same_as_next,
    same_as_prev,
)
from vessels.events.registry import Context, Detector, register

__all__ = ["PORT_VISIT", "PortVisitConfig", "detect_port_visits"]

PORT_VISIT = S.PORT_VISIT


@dataclass(frozen=True)
class PortVisitConfig:
    """Parameters of the port-visit detector.

    Attributes
    ----------
    exit_grace_h : float
        A visit ends only when the vessel has been seen outside the port/anchorage for longer than
        this. Default 1 h (ours: the time-domain stand-in for GFW's 3 km enter / 4 km exit
        hysteresis — about 1 km of margin at harbour speeds).
    stop_speed_kn : float
        A stay is a visit only if some position's speed is below this. Default 0.2 kn (GFW: a
        port stop starts below 0.2 kn).
    min_duration_h : float
        Shortest visit reported (arrival to departure). Default 0 h (ours: a stop is enough, as
        in GFW's port visits).
    """

    exit_grace_h: float = 1.0
    stop_speed_kn: float = 0.2
    min_duration_h: float = 0.0


def detect_port_visits(
    tracks: Frameish,
    config: PortVisitConfig | None = None,
    *,
    prepared: pl.DataFrame | None = None,
) -> pl.DataFrame:
    """Detect port visits; EVENT_SCHEMA rows (one per stay, see the module docs)."""
    cfg = config or PortVisitConfig()
    p = prepared if prepared is not None else prepare(tracks)
    inside = (pl.col(S.IN_PORT).fill_null(False) | pl.col(S.AT_ANCHORAGE).fill_null(False)).alias(
        "_in"
    )
    speed = pl.coalesce(pl.col(S.SOG_KN).cast(pl.Float64), pl.col(S.IMPLIED_SPEED_KN))
    lf = p.lazy().with_columns(
        inside,
        speed.alias("_sp"),
        (~same_as_prev()).alias("_seg_first"),
        (~same_as_next()).alias("_seg_last"),
    )
    # ts of the first outside position of each outside run, carried forward: on re-entry, the
    # vessel has been outside since then
    first_out = ~pl.col("_in") & (pl.col("_in").shift().fill_null(True) | pl.col("_seg_first"))
    lf = lf.with_columns(pl.when(first_out).then(pl.col(S.TS)).forward_fill().alias("_left_ts"))
    gap_out_s = cfg.exit_grace_h * 3600.0
    ins = lf.filter(pl.col("_in"))
    ev = (
        ins.with_columns(
            runs_id(_new_visit(gap_out_s)).alias("_visit"),
        )
        .group_by("_visit")
        .agg(
            pl.col(S.SEGMENT_ID).first(),
            pl.col(S.MMSI).first(),
            *extent_aggs(),
            exact_mean(pl.col(S.LAT), 9).alias(S.LAT),
            exact_mean(pl.col(S.LON), 9).alias(S.LON),
            exact_mean(pl.col(S.SHORE_KM), 6).alias(S.SHORE_KM),
            pl.col(S.EEZ_ISO3).drop_nulls().first(),
            # String again where prepare() kept them Categorical (_common.SPARSE_TEXT)
            pl.col(S.PORT_NAME).drop_nulls().first().cast(pl.String).alias("_port"),
            pl.col(S.PORT_COUNTRY).drop_nulls().first().cast(pl.String).alias("_country"),
            pl.col("_seg_first").first().alias("_open_start"),
            pl.col("_seg_last").last().alias("_open_end"),
            pl.col("_sp").min().alias("_min_sp"),
            exact_mean(pl.col("_sp"), 6).alias("_mean_sp"),
            pl.col(S.AT_ANCHORAGE).fill_null(False).all().alias("_anch"),
            pl.len().alias("_n"),
        )
        .with_columns(
            (
                (pl.col(S.END_TS) - pl.col(S.START_TS)).dt.total_seconds(fractional=True) / 3600.0
            ).alias(S.DURATION_H),
            pl.col("_port").alias(S.EVENT_ZONE_NAME),
        )
        .filter(
            (pl.col("_min_sp") < cfg.stop_speed_kn).fill_null(False)
            & (pl.col(S.DURATION_H) >= cfg.min_duration_h)
        )
    )
    where = pl.concat_str(
        [
            pl.when(pl.col("_anch")).then(pl.lit("at anchorage")).otherwise(pl.lit("in port")),
            pl.when(pl.col("_port").is_not_null())
            .then(pl.concat_str([pl.lit(" "), pl.col("_port")]))
            .otherwise(pl.lit("")),
            pl.when(pl.col("_country").is_not_null())
            .then(pl.concat_str([pl.lit(" ("), pl.col("_country"), pl.lit(")")]))
            .otherwise(pl.lit("")),
        ]
    )
    open_detail = (
        pl.when(pl.col("_open_start") & pl.col("_open_end"))
        .then(pl.lit("open at both ends: in port when the data begins and when it ends"))
        .when(pl.col("_open_start"))
        .then(pl.lit("open at start: already in port when the data begins"))
        .when(pl.col("_open_end"))
        .then(pl.lit("open at end: still in port when the data ends"))
    )
    summary = compile_template(
        "{where} {hours:.1f} h{open}",
        fields={
            "where": where,
            "hours": pl.col(S.DURATION_H),
            "open": clause(pl.col("_open_start") | pl.col("_open_end"), " or more (open)"),
        },
        null=None,
        name="summary",
    )
    return finish(
        ev,
        PORT_VISIT,
        evidence={
            "summary": summary,
            "n_positions": pl.col("_n"),
            "mean_speed_kn": pl.col("_mean_sp"),
            "is_open": pl.col("_open_start") | pl.col("_open_end"),
            "detail": open_detail,
            "port_name": pl.col("_port"),
            "port_country": pl.col("_country"),
        },
        key=pl.col(S.SEGMENT_ID),
    )


def _new_visit(grace_s: float) -> pl.Expr:
    """Over the inside rows only: a visit starts where the segment starts, or where the vessel
    re-enters after more than ``grace_s`` outside (timed from its first outside position)."""
    out_for_s = (pl.col(S.TS) - pl.col("_left_ts")).dt.total_seconds(fractional=True)
    reentered = pl.col(IDX) != (pl.col(IDX).shift() + 1)
    return ~same_as_prev(SEG) | (reentered & (out_for_s > grace_s))


def _detect(p: pl.DataFrame, cfg: PortVisitConfig, ctx: Context) -> pl.DataFrame:
    return detect_port_visits(p, cfg, prepared=p)


DETECTOR = register(
    Detector(
        event_type=PORT_VISIT,
        config=PortVisitConfig,
        detect=_detect,
        columns=(
            S.MMSI,
            S.TS,
            S.LAT,
            S.LON,
            S.SEGMENT_ID,
            S.SOG_KN,
            S.IMPLIED_SPEED_KN,
            S.SHORE_KM,
            S.EEZ_ISO3,
            S.IN_PORT,
            S.AT_ANCHORAGE,
            S.PORT_NAME,
            S.PORT_COUNTRY,
        ),
        evidence=(
            "summary",
            "n_positions",
            "mean_speed_kn",
            "is_open",
            "detail",
            "port_name",
            "port_country",
        ),
        label="Port visits",
        style={"radius": 5, "color": "#ffffff", "weight": 1, "fillColor": "#7f7f7f"},
        doc="a stay in a World Port Index port or a learned anchorage, with a stop (informational)",
        order=110,
    )
)
