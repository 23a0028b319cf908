"""Dark rendezvous: vessels that go dark together, or go dark next to a loitering vessel.

None of the public systems derives this from AIS alone (event-definitions, "What none of them
does"). Two kinds (``evidence.rendezvous_kind``):

- ``gap_gap``: gaps (silences longer than ``min_gap_h``, computed as in
  :mod:`vessels.events.gaps`, per segment) of two different MMSIs overlap in time by at least
  ``min_overlap_h`` and the positions where they went dark, or where they reappeared, are within
  ``max_sep_km``. One row per pair: ``mmsi`` < ``other_mmsi``.
- ``gap_loitering``: a gap of one vessel overlaps in time a loitering event of another vessel
  whose mean position is within ``max_sep_km`` of where the first went dark or reappeared.
  ``mmsi`` is the vessel that went dark, ``other_mmsi`` the loiterer.

Candidate pairs come from a join on ~``max_sep_km`` cells and their 8 neighbours (no all-pairs
comparison). The event spans the overlap of the two periods.

Examples
--------
>>> from datetime import timedelta
>>> from vessels.testing import make_track, T0
>>> def dark(m, lat):
...     a = make_track(m, n=3, interval_s=600, lat=lat, speed_kn=1)
...     b = make_track(m, n=3, interval_s=600, lat=lat, speed_kn=1, start=T0 + timedelta(hours=5))
...     return pl.concat([a, b])
>>> ev = detect_dark_rendezvous(pl.concat([dark(1, 25.0), dark(2, 25.01)]))
>>> ev.select("mmsi", "other_mmsi", pl.col("evidence").struct.field("rendezvous_kind")).rows()
[(1, 2, 'gap_gap')]
"""

from __future__ import annotations

from dataclasses import dataclass

import polars as pl

from vessels import schema as S
from vessels._geo import haversine_m
from vessels.events._common import ENGINE, Frameish, cell_deg_for, finish, neighbour_join, prepare
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
        Going-dark or reappearing positions within this distance. Default 5 km ("a few km",
        issue 5; ten times GFW's 500-m encounter radius, since positions drift during a gap).
    min_overlap_h : float
        The two dark periods (or dark period and loitering) overlap at least this long. Default
        1 h (ours).
    with_loitering : bool
        Also report gaps overlapping another vessel's loitering. Default true (issue 5).
    """

    min_gap_h: float = 2.0
    max_sep_km: float = 5.0
    min_overlap_h: float = 1.0
    with_loitering: bool = True


def _gaps(p: pl.DataFrame, cfg: DarkRendezvousConfig) -> pl.LazyFrame:
    g = gap_links(p, min_gap_h=cfg.min_gap_h)
    return g.lazy().select(
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


def _suffix(lf: pl.LazyFrame, sfx: str) -> pl.LazyFrame:
    return lf.rename({c: f"{c}{sfx}" for c in lf.collect_schema().names()})


def detect_dark_rendezvous(
    tracks: Frameish,
    config: DarkRendezvousConfig | None = None,
    *,
    loitering: LoiteringConfig | None = None,
    prepared: pl.DataFrame | None = None,
    loitering_events: pl.DataFrame | None = None,
) -> pl.DataFrame:
    """Detect dark rendezvous (``gap_gap`` and ``gap_loitering``); EVENT_SCHEMA rows."""
    cfg = config or DarkRendezvousConfig()
    p = prepared if prepared is not None else prepare(tracks)
    gaps = _gaps(p, cfg).collect(engine=ENGINE)
    max_lat = float(p[S.LAT].abs().max() or 0.0) if p.height else 0.0  # type: ignore[arg-type]
    cell = cell_deg_for(cfg.max_sep_km * 1000.0, cfg.max_sep_km, max_lat)
    sep_m = cfg.max_sep_km * 1000.0
    a = gaps.lazy()
    b = _suffix(gaps.lazy(), "_r")
    cand = []
    for la, lo in (("_slat", "_slon"), ("_elat", "_elon")):
        cand.append(
            neighbour_join(
                a.filter(pl.col(la).is_not_null()),
                b.filter(pl.col(f"{la}_r").is_not_null()),
                lat=(la, f"{la}_r"),
                lon=(lo, f"{lo}_r"),
                cell_deg=cell,
            ).filter(pl.col(S.MMSI) < pl.col(f"{S.MMSI}_r"))
        )
    ov_s = pl.max_horizontal("_s", "_s_r")
    ov_e = pl.min_horizontal("_e", "_e_r")
    ov_h = (ov_e - ov_s).dt.total_seconds(fractional=True) / 3600.0
    s_sep = haversine_m("_slat", "_slon", "_slat_r", "_slon_r") / 1000.0
    e_sep = haversine_m("_elat", "_elon", "_elat_r", "_elon_r") / 1000.0
    gg = (
        pl.concat(cand)
        .unique([S.MMSI, S.SEGMENT_ID, "_s", f"{S.MMSI}_r", f"{S.SEGMENT_ID}_r", "_s_r"])
        .with_columns(ov_h.alias("_ov_h"), s_sep.alias("_ssep"), e_sep.alias("_esep"))
        .filter(
            (pl.col("_ov_h") >= cfg.min_overlap_h)
            & ((pl.col("_ssep") * 1000 <= sep_m) | (pl.col("_esep") * 1000 <= sep_m)).fill_null(
                False
            )
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
        cand = [
            neighbour_join(
                a.filter(pl.col(la).is_not_null()),
                loiter_lf,
                lat=(la, "_llat"),
                lon=(lon, "_llon"),
                cell_deg=cell,
            ).filter(pl.col(S.MMSI) != pl.col("_lm"))
            for la, lon in (("_slat", "_slon"), ("_elat", "_elon"))
        ]
        ov_s2 = pl.max_horizontal("_s", "_ls")
        ov_e2 = pl.min_horizontal("_e", "_le")
        gl = (
            pl.concat(cand)
            .unique([S.MMSI, S.SEGMENT_ID, "_s", "_lm", "_lseg", "_ls"])
            .with_columns(
                ((ov_e2 - ov_s2).dt.total_seconds(fractional=True) / 3600.0).alias("_ov_h"),
                (haversine_m("_slat", "_slon", "_llat", "_llon") / 1000.0).alias("_ssep"),
                (haversine_m("_elat", "_elon", "_llat", "_llon") / 1000.0).alias("_esep"),
            )
            .filter(
                (pl.col("_ov_h") >= cfg.min_overlap_h)
                & ((pl.col("_ssep") * 1000 <= sep_m) | (pl.col("_esep") * 1000 <= sep_m)).fill_null(
                    False
                )
            )
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
            )
        )
        parts.append(gl)
    ev = pl.concat(parts)
    near = pl.min_horizontal("_ssep", "_esep")
    summary = pl.concat_str(
        [
            pl.when(pl.col("_kind") == "gap_gap")
            .then(pl.lit("dark at the same time as MMSI "))
            .otherwise(pl.lit("dark next to loitering MMSI ")),
            pl.col(S.OTHER_MMSI).cast(pl.String),
            pl.lit(" for "),
            pl.col("_ov_h").round(1).cast(pl.String),
            pl.lit(" h, "),
            near.round(1).cast(pl.String),
            pl.lit(" km apart"),
            pl.when(pl.col(S.EEZ_ISO3).is_not_null())
            .then(pl.concat_str([pl.lit(" in "), pl.col(S.EEZ_ISO3), pl.lit(" EEZ")]))
            .otherwise(pl.lit("")),
        ]
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
        },
        key=pl.concat_str(
            [pl.col("_kind"), pl.col(S.SEGMENT_ID), pl.col("_other_seg")], separator=":"
        ),
    )


def _detect(p: pl.DataFrame, cfg: DarkRendezvousConfig, ctx: Context) -> pl.DataFrame:
    return detect_dark_rendezvous(p, cfg, prepared=p, loitering_events=ctx.events["loitering"])


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
        risk_rules=("dark_rendezvous",),
        uses=(S.LOITERING,),
        scope="pair",
    )
)
