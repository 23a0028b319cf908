"""Dark rendezvous: vessels that go dark together, or go dark next to a loitering vessel.

None of the public systems derives this from AIS alone (event-definitions, "What none of them
does"). Two kinds (``evidence.rendezvous_kind``), plus crowds:

- ``gap_gap``: two vessels each go silent for longer than ``min_gap_h`` (gaps computed as in
  :mod:`vessels.events.gaps`, per segment) and

  * both gaps are *closed* (an open gap runs to the end of the data: the track left coverage or
    the data ended, nothing says it went dark; issue 13), and neither vessel reports too sparsely
    for gaps to mean anything (``max_median_interval_min``);
  * both went dark *at sea*: not in a port or anchorage (:mod:`vessels.events.coverage`), at least
    ``min_shore_km`` from shore, and neither gap is at the edge of the data's coverage;
  * they went dark close in space (``max_sep_km``) and time (``max_start_diff_h``) and
    reappeared close in time (``max_end_diff_h``) at positions consistent with having stayed
    together until they parted (within ``max_end_sep_km``); the two silences overlap at least
    ``min_overlap_h``.

  One row per pair-episode (overlapping matches of one pair are merged): ``mmsi`` <
  ``other_mmsi``.
- ``gap_loitering``: a gap of one vessel meeting the same conditions (closed, at sea, not sparse)
  overlaps in time a loitering event of another vessel whose mean position is within
  ``max_sep_km`` of where the first went dark. ``mmsi`` is the vessel that went dark,
  ``other_mmsi`` the loiterer.
- ``group``: more than ``max_group`` vessels going dark in one ~``max_sep_km`` cell within one
  ``max_start_diff_h`` window (a fleet or a crowd that slipped past the port/anchorage gate) are
  one group event, not N² pairs: ``mmsi`` and ``other_mmsi`` are the two smallest MMSIs,
  ``evidence.group_size`` the number of vessels. The shipped profiles do not score groups.

Candidate pairs come from a join on (~``max_sep_km`` cell, ``max_start_diff_h`` window) keys
and their neighbours, with crowds taken out first, so each gap meets at most a bounded number of
candidates: time and memory grow linearly with the positions (issue 13 measured 810,886 pairs
from 9 k VMS positions before).

Examples
--------
>>> from datetime import timedelta
>>> from vessels.testing import make_track, T0, staged
>>> def dark(m, lat):
...     a = make_track(m, n=6, interval_s=600, lat=lat, speed_kn=1)
...     b = make_track(m, n=3, interval_s=600, lat=lat, speed_kn=1, start=T0 + timedelta(hours=5))
...     return pl.concat([a, b])
>>> ev = detect_dark_rendezvous(staged(pl.concat([dark(1, 25.0), dark(2, 25.01)])))
>>> ev.select("mmsi", "other_mmsi", pl.col("evidence").struct.field("rendezvous_kind")).rows()
[(1, 2, 'gap_gap')]
"""

from __future__ import annotations

from dataclasses import dataclass

import polars as pl

from vessels import schema as S
from vessels._geo import haversine_m
from vessels._template import clause, compile_template
from vessels.events._common import (
    ENGINE,
    Frameish,
    cell_deg_for,
    finish,
    in_eez_clause,
    neighbour_join,
    prepare,
)
from vessels.events.coverage import (
    HARBOUR,
    CoverageContext,
    edge_expr,
    max_abs_lat,
    sparse_mmsi,
    with_harbour,
)
from vessels.events.gaps import gap_links
from vessels.events.loitering import LoiteringConfig, detect_loitering
from vessels.events.registry import Context, Detector, register

__all__ = ["DarkRendezvousConfig", "detect_dark_rendezvous"]


@dataclass(frozen=True)
class DarkRendezvousConfig:
    """Parameters of the dark-rendezvous detector.

    Attributes
    ----------
    min_gap_h : float
        Silences longer than this count. Default 2 h (issue 5's in-zone gap threshold: pangas
        meeting a mothership go dark for hours).
    max_sep_km : float
        Going-dark positions within this distance. Default 5 km ("a few km", issue 5; ten times
        GFW's 500-m encounter radius, since positions drift during a gap).
    max_end_sep_km : float
        Reappearing positions within this distance. Default 100 km (ours: vessels that part at
        the end of a meeting and steam apart for a couple of hours before switching back on).
    max_start_diff_h : float
        The two went dark within this of each other. Default 6 h (ours: one may wait for the
        other at the meeting point; the simulator's planted meeting has 3.9 h between them).
    max_end_diff_h : float
        The two reappeared within this of each other. Default 3 h (ours).
    min_overlap_h : float
        The two dark periods (or dark period and loitering) overlap at least this long. Default
        1 h (ours).
    min_shore_km : float
        Both went dark at least this far from shore. Default 5 km (ours; berths, harbour basins
        and beaches lie nearer; issue 13).
    max_group : int
        More vessels than this going dark in one cell and time window are one group event.
        Default 4 (ours).
    max_median_interval_min : float
        Vessels reporting less often than this (median interval) are not judged. Default 30 min
        (as :class:`vessels.events.GapConfig`).
    min_positions_before : int
        Each vessel had at least this many positions in the 12 h before it went dark (else its
        silence is poor reception). Default 5 (as :class:`vessels.events.GapConfig`).
    with_loitering : bool
        Also report gaps overlapping another vessel's loitering. Default true (issue 5).
    """

    min_gap_h: float = 2.0
    max_sep_km: float = 5.0
    max_end_sep_km: float = 100.0
    max_start_diff_h: float = 6.0
    max_end_diff_h: float = 3.0
    min_overlap_h: float = 1.0
    min_shore_km: float = 5.0
    max_group: int = 4
    max_median_interval_min: float = 30.0
    min_positions_before: int = 5
    with_loitering: bool = True


def _gaps(
    p: pl.DataFrame, cfg: DarkRendezvousConfig, coverage: CoverageContext | None = None
) -> pl.DataFrame:
    """Closed gaps that went dark at sea, away from ports, of vessels that report densely."""
    g = gap_links(p, min_gap_h=cfg.min_gap_h, include_open=False, coverage=coverage)
    sparse = sparse_mmsi(p, max_median_interval_min=cfg.max_median_interval_min)
    at_sea = (
        ~pl.col("is_open")
        & ~pl.col(f"s_{HARBOUR}").fill_null(False)
        & ~pl.col(f"e_{HARBOUR}").fill_null(False)
        & (pl.col(f"s_{S.SHORE_KM}").is_null() | (pl.col(f"s_{S.SHORE_KM}") >= cfg.min_shore_km))
        & ~(
            edge_expr(p, f"s_{S.LAT}", f"s_{S.LON}", coverage)
            & edge_expr(p, f"e_{S.LAT}", f"e_{S.LON}", coverage)
        )
        & ~pl.col(S.MMSI).is_in(sparse.implode())
        & (pl.col("s__n_before") >= cfg.min_positions_before)
    )
    return (
        g.lazy()
        .filter(at_sea)
        .select(
            S.MMSI,
            S.SEGMENT_ID,
            pl.col(f"s_{S.TS}").alias("_s"),
            pl.col("_end_ts").alias("_e"),
            pl.col(f"s_{S.LAT}").alias("_slat"),
            pl.col(f"s_{S.LON}").alias("_slon"),
            pl.col(f"e_{S.LAT}").alias("_elat"),
            pl.col(f"e_{S.LON}").alias("_elon"),
            pl.col(f"s_{S.EEZ_ISO3}").alias(S.EEZ_ISO3),
            pl.col(f"s_{S.SHORE_KM}").alias(S.SHORE_KM),
            pl.col("gap_s"),
        )
        .collect(engine=ENGINE)
    )


def _suffix(lf: pl.LazyFrame, sfx: str) -> pl.LazyFrame:
    return lf.rename({c: f"{c}{sfx}" for c in lf.collect_schema().names()})


_OUT = [
    S.MMSI,
    S.OTHER_MMSI,
    S.SEGMENT_ID,
    "_other_seg",
    S.START_TS,
    S.END_TS,
    S.LAT,
    S.LON,
    S.START_LAT,
    S.START_LON,
    S.END_LAT,
    S.END_LON,
    S.EEZ_ISO3,
    S.SHORE_KM,
    "_gap_h",
    "_ssep",
    "_esep",
    "_ov_h",
    "_kind",
    "_group",
]


def _ordered(gaps: pl.DataFrame) -> pl.DataFrame:
    """The silences in one order, however they were gathered (one frame or one per bucket)."""
    return gaps.sort(S.MMSI, "_s", "_e", S.SEGMENT_ID, "_slat", "_slon", maintain_order=True)


def _crowd_cell(cfg: DarkRendezvousConfig, max_lat: float) -> float:
    return cell_deg_for(cfg.max_sep_km * 1000.0, cfg.max_sep_km, max_lat)


def dark_gaps(p: pl.DataFrame, cfg: DarkRendezvousConfig, ctx: Context) -> pl.DataFrame:
    """The silences a dark rendezvous is made of, per vessel (a vessel's rows depend on its own
    positions and the run's coverage only): a partitioned run gathers them from every MMSI
    bucket, so that crowds are counted over all vessels (:attr:`Context.parts`)."""
    return _gaps(with_harbour(p, ctx.coverage), cfg, ctx.coverage)


def crowd_pairs(gaps: pl.DataFrame, cfg: DarkRendezvousConfig, max_lat: float) -> pl.DataFrame:
    """``(a, b)``: the two lowest MMSIs of each crowd (the vessels a group event names).

    A partitioned run adds them to the candidate pairs, so the pair bucket owning ``(a, b)``
    writes the group event, once.
    """
    crowd = _crowds(_ordered(gaps), cfg, _crowd_cell(cfg, max_lat)).filter(
        pl.col("_nb") > cfg.max_group
    )
    return (
        crowd.group_by("_by", "_bx", "_tb")
        .agg(pl.col(S.MMSI).unique().sort().head(2).alias("_ms"))
        .select(
            pl.col("_ms").list.get(0).cast(pl.UInt32).alias("a"),
            pl.col("_ms").list.get(1).cast(pl.UInt32).alias("b"),
        )
        .unique()
        .sort("a", "b")
    )


def _crowds(gaps: pl.DataFrame, cfg: DarkRendezvousConfig, cell: float) -> pl.DataFrame:
    """Gaps with their (cell, time window) bucket and the number of vessels in it."""
    win_s = max(cfg.max_start_diff_h, 1e-3) * 3600.0
    return gaps.with_columns(
        (pl.col("_slat") / cell).floor().cast(pl.Int64).alias("_by"),
        (pl.col("_slon") / cell).floor().cast(pl.Int64).alias("_bx"),
        (pl.col("_s").dt.epoch("s") / win_s).floor().cast(pl.Int64).alias("_tb"),
    ).with_columns(pl.col(S.MMSI).n_unique().over("_by", "_bx", "_tb").alias("_nb"))


def _group_events(crowd: pl.DataFrame) -> pl.LazyFrame:
    """One group event per crowded bucket."""
    return (
        crowd.lazy()
        .sort(S.MMSI, "_s")
        .group_by("_by", "_bx", "_tb")
        .agg(
            pl.col(S.MMSI).unique(maintain_order=True).alias("_ms"),
            pl.col(S.SEGMENT_ID).first(),
            pl.col("_s").min().alias(S.START_TS),
            pl.col("_e").max().alias(S.END_TS),
            pl.col("_slat").mean().alias(S.LAT),
            pl.col("_slon").mean().alias(S.LON),
            pl.col("_slat").first().alias(S.START_LAT),
            pl.col("_slon").first().alias(S.START_LON),
            pl.col("_elat").first().alias(S.END_LAT),
            pl.col("_elon").first().alias(S.END_LON),
            pl.col(S.EEZ_ISO3).drop_nulls().first(),
            pl.col(S.SHORE_KM).mean(),
            (pl.col("gap_s").max() / 3600.0).alias("_gap_h"),
        )
        .select(
            pl.col("_ms").list.get(0).alias(S.MMSI),
            pl.col("_ms").list.get(1, null_on_oob=True).alias(S.OTHER_MMSI),
            S.SEGMENT_ID,
            pl.lit(None, pl.String).alias("_other_seg"),
            S.START_TS,
            S.END_TS,
            S.LAT,
            S.LON,
            S.START_LAT,
            S.START_LON,
            S.END_LAT,
            S.END_LON,
            S.EEZ_ISO3,
            S.SHORE_KM,
            "_gap_h",
            pl.lit(None, pl.Float64).alias("_ssep"),
            pl.lit(None, pl.Float64).alias("_esep"),
            (
                (pl.col(S.END_TS) - pl.col(S.START_TS)).dt.total_seconds(fractional=True) / 3600.0
            ).alias("_ov_h"),
            pl.lit("group").alias("_kind"),
            pl.col("_ms").list.len().cast(pl.UInt32).alias("_group"),
        )
    )


def _merge_episodes(pairs: pl.LazyFrame) -> pl.LazyFrame:
    """One row per pair-episode: overlapping matches of the same pair are merged."""
    ordered = pairs.sort(S.MMSI, S.OTHER_MMSI, "_kind", S.START_TS, "_ov_h")
    prev_end = pl.col(S.END_TS).cum_max().shift().over(S.MMSI, S.OTHER_MMSI, "_kind")
    new = (pl.col(S.START_TS) > prev_end).fill_null(True)
    return (
        ordered.with_columns(new.cast(pl.UInt32).cum_sum().alias("_ep"))
        .group_by(S.MMSI, S.OTHER_MMSI, "_kind", "_ep")
        .agg(
            pl.all().sort_by("_ov_h", descending=True).first(),
            pl.col(S.START_TS).min().alias("_ep_s"),
            pl.col(S.END_TS).max().alias("_ep_e"),
        )
        .with_columns(pl.col("_ep_s").alias(S.START_TS), pl.col("_ep_e").alias(S.END_TS))
        .select(_OUT)
    )


def detect_dark_rendezvous(
    tracks: Frameish,
    config: DarkRendezvousConfig | None = None,
    *,
    loitering: LoiteringConfig | None = None,
    prepared: pl.DataFrame | None = None,
    loitering_events: pl.DataFrame | None = None,
    coverage: CoverageContext | None = None,
    gaps: pl.DataFrame | None = None,
) -> pl.DataFrame:
    """Detect dark rendezvous (``gap_gap``, ``gap_loitering``, ``group``); EVENT_SCHEMA rows.

    ``coverage`` (:func:`vessels.events.coverage.coverage_context` of all the run's positions)
    gives the anchorages, coverage edge and latitude range; default: those of ``tracks``.
    ``gaps`` (:func:`dark_gaps` of all the run's vessels) are the silences among which crowds
    are counted; default: those of ``tracks``.
    """
    cfg = config or DarkRendezvousConfig()
    p = with_harbour(prepared if prepared is not None else prepare(tracks), coverage)
    gaps = _ordered(_gaps(p, cfg, coverage) if gaps is None else gaps)
    # the crowd cells depend on the latitude range: that of all the run's positions
    max_lat = coverage.max_abs_lat if coverage is not None else max_abs_lat(p)
    cell = _crowd_cell(cfg, max_lat)
    sep_m = cfg.max_sep_km * 1000.0
    bucketed = _crowds(gaps, cfg, cell)
    crowded = pl.col("_nb") > cfg.max_group
    crowd = bucketed.filter(crowded)
    single = bucketed.filter(~crowded).drop("_by", "_bx", "_nb")
    a = single.lazy()
    # the right side in the neighbouring time windows too: equal window keys after the shift
    shifts = pl.LazyFrame({"_dt": [-1, 0, 1]}, schema={"_dt": pl.Int64})
    b = _suffix(
        single.lazy()
        .join(shifts, how="cross")
        .with_columns((pl.col("_tb") + pl.col("_dt")).alias("_tb"))
        .drop("_dt"),
        "_r",
    ).rename({"_tb_r": "_tb"})
    max_start = pl.duration(seconds=int(cfg.max_start_diff_h * 3600))
    max_end = pl.duration(seconds=int(cfg.max_end_diff_h * 3600))
    ov_s = pl.max_horizontal("_s", "_s_r")
    ov_e = pl.min_horizontal("_e", "_e_r")
    ov_h = (ov_e - ov_s).dt.total_seconds(fractional=True) / 3600.0
    s_sep = haversine_m("_slat", "_slon", "_slat_r", "_slon_r") / 1000.0
    e_sep = haversine_m("_elat", "_elon", "_elat_r", "_elon_r") / 1000.0
    gg = (
        neighbour_join(
            a,
            b,
            lat=("_slat", "_slat_r"),
            lon=("_slon", "_slon_r"),
            cell_deg=cell,
            on=("_tb",),
        )
        .filter(pl.col(S.MMSI) < pl.col(f"{S.MMSI}_r"))
        .filter(
            ((pl.col("_s") - pl.col("_s_r")).abs() <= max_start)
            & ((pl.col("_e") - pl.col("_e_r")).abs() <= max_end)
        )
        .with_columns(ov_h.alias("_ov_h"), s_sep.alias("_ssep"), e_sep.alias("_esep"))
        .filter(
            (pl.col("_ov_h") >= cfg.min_overlap_h)
            & (pl.col("_ssep") * 1000 <= sep_m)
            & (pl.col("_esep") <= cfg.max_end_sep_km)
        )
        .select(
            S.MMSI,
            pl.col(f"{S.MMSI}_r").alias(S.OTHER_MMSI),
            S.SEGMENT_ID,
            pl.col(f"{S.SEGMENT_ID}_r").alias("_other_seg"),
            ov_s.alias(S.START_TS),
            ov_e.alias(S.END_TS),
            ((pl.col("_slat") + pl.col("_slat_r")) / 2).alias(S.LAT),
            ((pl.col("_slon") + pl.col("_slon_r")) / 2).alias(S.LON),
            pl.col("_slat").alias(S.START_LAT),
            pl.col("_slon").alias(S.START_LON),
            pl.col("_elat").alias(S.END_LAT),
            pl.col("_elon").alias(S.END_LON),
            S.EEZ_ISO3,
            S.SHORE_KM,
            (pl.col("gap_s") / 3600.0).alias("_gap_h"),
            "_ssep",
            "_esep",
            "_ov_h",
            pl.lit("gap_gap").alias("_kind"),
            pl.lit(None, pl.UInt32).alias("_group"),
        )
    )
    parts = [gg]
    if cfg.with_loitering:
        loit = (
            loitering_events
            if loitering_events is not None
            else detect_loitering(p, loitering, prepared=p)
        )
        loiter_lf = loit.lazy().select(
            pl.col(S.MMSI).alias("_lm"),
            pl.col(S.SEGMENT_ID).alias("_lseg"),
            pl.col(S.START_TS).alias("_ls"),
            pl.col(S.END_TS).alias("_le"),
            pl.col(S.LAT).alias("_llat"),
            pl.col(S.LON).alias("_llon"),
        )
        ov_s2 = pl.max_horizontal("_s", "_ls")
        ov_e2 = pl.min_horizontal("_e", "_le")
        gl = (
            neighbour_join(
                bucketed.lazy(),
                loiter_lf,
                lat=("_slat", "_llat"),
                lon=("_slon", "_llon"),
                cell_deg=cell,
            )
            .filter(pl.col(S.MMSI) != pl.col("_lm"))
            .with_columns(
                ((ov_e2 - ov_s2).dt.total_seconds(fractional=True) / 3600.0).alias("_ov_h"),
                (haversine_m("_slat", "_slon", "_llat", "_llon") / 1000.0).alias("_ssep"),
                (haversine_m("_elat", "_elon", "_llat", "_llon") / 1000.0).alias("_esep"),
            )
            .filter((pl.col("_ov_h") >= cfg.min_overlap_h) & (pl.col("_ssep") * 1000 <= sep_m))
            .select(
                S.MMSI,
                pl.col("_lm").alias(S.OTHER_MMSI),
                S.SEGMENT_ID,
                pl.col("_lseg").alias("_other_seg"),
                ov_s2.alias(S.START_TS),
                ov_e2.alias(S.END_TS),
                pl.col("_llat").alias(S.LAT),
                pl.col("_llon").alias(S.LON),
                pl.col("_slat").alias(S.START_LAT),
                pl.col("_slon").alias(S.START_LON),
                pl.col("_elat").alias(S.END_LAT),
                pl.col("_elon").alias(S.END_LON),
                S.EEZ_ISO3,
                S.SHORE_KM,
                (pl.col("gap_s") / 3600.0).alias("_gap_h"),
                "_ssep",
                "_esep",
                "_ov_h",
                pl.lit("gap_loitering").alias("_kind"),
                pl.lit(None, pl.UInt32).alias("_group"),
            )
        )
        parts.append(gl)
    ev = pl.concat([_merge_episodes(pl.concat(parts)), _group_events(crowd)])
    near = pl.col("_ssep")
    summary = compile_template(
        "{lead}{other} for {hours:.1f} h{apart}{eez}",
        fields={
            "lead": pl.when(pl.col("_kind") == "gap_gap")
            .then(pl.lit("dark at the same time as MMSI "))
            .when(pl.col("_kind") == "group")
            .then(
                compile_template(
                    "{n} vessels dark together, first MMSI ",
                    fields={"n": pl.col("_group")},
                    null=None,
                )
            )
            .otherwise(pl.lit("dark next to loitering MMSI ")),
            "other": pl.col(S.OTHER_MMSI),
            "hours": pl.col("_ov_h"),
            "apart": clause(near.is_not_null(), ", {km:.1f} km apart", fields={"km": near}),
            "eez": in_eez_clause(),
        },
        null="",  # a missing part is left out
        name="summary",
    )
    return finish(
        ev,
        "dark_rendezvous",
        evidence={
            "summary": summary,
            "gap_h": pl.col("_gap_h"),
            "other_segment_id": pl.col("_other_seg"),
            "start_sep_km": pl.col("_ssep"),
            "end_sep_km": pl.col("_esep"),
            "overlap_h": pl.col("_ov_h"),
            "rendezvous_kind": pl.col("_kind"),
            "group_size": pl.col("_group"),
        },
        key=pl.concat_str(
            [pl.col("_kind"), pl.col(S.SEGMENT_ID), pl.col("_other_seg")],
            separator=":",
            ignore_nulls=True,
        ),
    )


def _detect(p: pl.DataFrame, cfg: DarkRendezvousConfig, ctx: Context) -> pl.DataFrame:
    return detect_dark_rendezvous(
        p,
        cfg,
        prepared=p,
        loitering_events=ctx.events["loitering"],
        coverage=ctx.coverage,
        gaps=ctx.parts.get(S.DARK_RENDEZVOUS),
    )


DETECTOR = register(
    Detector(
        event_type=S.DARK_RENDEZVOUS,
        config=DarkRendezvousConfig,
        detect=_detect,
        columns=(
            S.MMSI,
            S.TS,
            S.LAT,
            S.LON,
            S.SEGMENT_ID,
            S.SOG_KN,
            S.IMPLIED_SPEED_KN,
            S.EEZ_ISO3,
            S.SHORE_KM,
        ),
        evidence=(
            "summary",
            "gap_h",
            "other_segment_id",
            "start_sep_km",
            "end_sep_km",
            "overlap_h",
            "rendezvous_kind",
            "group_size",
        ),
        label="Dark rendezvous",
        style={
            "radius": 9,
            "color": "#ff00ff",
            "weight": 3,
            "fillColor": "#000000",
            "fillOpacity": 0.95,
        },
        doc="an AIS gap overlapping another vessel's gap or loitering nearby (AIS off to meet)",
        risk_rules=("dark_rendezvous", "network_contact"),
        uses=(S.LOITERING,),
        scope="pair",
        parts=dark_gaps,
        order=70,
    )
)
