"""Identity conflicts: one MMSI in two places at once, invalid or non-ship MMSIs.

Kinds (``evidence.conflict_kind``):

- ``shared_mmsi``: two or more segments of one MMSI open at the same time (the segmenter splits
  positions that are physically inconsistent into separate segments). Overlapping segments are
  clustered per MMSI; one event per cluster, from the first to the last instant at which two
  segments were open (approximated by the second segment's start and the second-latest end).
- ``invalid_mmsi``: positions flagged ``mmsi_valid = False`` by cleaning; one event per MMSI.
- ``non_ship_mid``: an MMSI outside the ship range 2xxxxxxxx-7xxxxxxxx (ITU-R M.585: 0 = group
  or coast station, 1 = SAR aircraft, 8 = handheld, 9 = AtoN, SART, MOB, EPIRB); one per MMSI.

Changes of a vessel's name, call sign, IMO, ship type or flag over time are not conflicts: they
are ``identity_change`` events (:mod:`vessels.events.identity_change`), the one owner of
identity changes (so a rename is reported, and scored, once).

Examples
--------
>>> from vessels.testing import make_track, staged
>>> detect_identity_conflicts(staged(make_track(mmsi=970000001, n=3)))["evidence"].struct.field(
...     "detail").to_list()
['MMSI 970000001 belongs to an AtoN, SART, MOB or EPIRB device']
"""

from __future__ import annotations

from dataclasses import dataclass

import polars as pl

from vessels import schema as S
from vessels._geo import haversine_m
from vessels._template import compile_template
from vessels.events._common import (
    SEG,
    Frameish,
    exact_mean,
    finish,
    prepare,
    runs_id,
    same_as_prev,
)
from vessels.events.registry import Context, Detector, register
from vessels.flags import is_synthetic

__all__ = ["IdentityConfig", "detect_identity_conflicts"]


@dataclass(frozen=True)
class IdentityConfig:
    """Parameters of the identity-conflict detector.

    Attributes
    ----------
    min_segment_positions : int
        Segments with fewer positions are ignored for ``shared_mmsi`` (a lone GPS outlier becomes a
        short segment inside its vessel's track). Default 3 (ours; vessels.tracks uses 2).
    ship_mmsi_min, ship_mmsi_max : int
        The ship MMSI range (MID 201-775 as first three digits, ITU-R M.585). Defaults
        200000000 and 799999999.
    report_shared_mmsi, report_mmsi_validity : bool
        Switch each kind on or off. Default all on.
    """

    min_segment_positions: int = 3
    ship_mmsi_min: int = 200_000_000
    ship_mmsi_max: int = 799_999_999
    report_shared_mmsi: bool = True
    report_mmsi_validity: bool = True


def _of_vessels_with_segments(p: pl.DataFrame) -> pl.LazyFrame:
    """The rows of the vessels with two segments or more (and the rows without an MMSI).

    Only such a vessel can have simultaneous tracks (:func:`_shared` drops a cluster of one
    segment), so the segment table is built for their rows alone: 1 % of the rows at 10 M,
    0.21 -> 0.02 CPU s at 2 M (benchmarks/results/events.md, events7).
    """
    several = (
        p.lazy()
        .filter(same_as_prev(S.MMSI) & ~same_as_prev())
        .select(pl.col(S.MMSI).unique())
        .collect()
        .to_series()
    )
    return p.lazy().filter(pl.col(S.MMSI).is_in(several.implode()) | pl.col(S.MMSI).is_null())


def _shared(p: pl.DataFrame, cfg: IdentityConfig) -> pl.LazyFrame:
    segs = (
        _of_vessels_with_segments(p)
        .group_by(SEG)
        .agg(
            pl.col(S.SEGMENT_ID).first(),
            pl.col(S.MMSI).first(),
            pl.col(S.TS).min().alias("_a"),
            pl.col(S.TS).max().alias("_b"),
            pl.len().alias("_n"),
            # exact whatever order the rows of a group are added in (see _common.exact_sum)
            exact_mean(pl.col(S.LAT), 9).alias("_lat"),
            exact_mean(pl.col(S.LON), 9).alias("_lon"),
            pl.col(S.LAT).first().alias("_lat0"),
            pl.col(S.LON).first().alias("_lon0"),
            pl.col(S.EEZ_ISO3).drop_nulls().first().alias(S.EEZ_ISO3),
        )
        .filter((pl.col("_n") >= cfg.min_segment_positions) & (pl.col("_b") > pl.col("_a")))
        .sort(S.MMSI, "_a", S.SEGMENT_ID)
    )
    new_cluster = pl.col("_a") >= pl.col("_b").cum_max().shift().over(S.MMSI)
    sep = haversine_m(
        pl.col("_lat").first(),
        pl.col("_lon").first(),
        pl.col("_lat").get(1, null_on_oob=True),
        pl.col("_lon").get(1, null_on_oob=True),
    )
    clusters = (
        segs.with_columns(runs_id(new_cluster, S.MMSI).alias("_c"))
        .group_by(S.MMSI, "_c")
        .agg(
            pl.len().alias("_k"),
            pl.col(S.SEGMENT_ID).first(),
            pl.col(S.SEGMENT_ID).get(1, null_on_oob=True).alias("_other"),
            pl.col("_a").get(1, null_on_oob=True).alias(S.START_TS),
            pl.col("_b").sort(descending=True).get(1, null_on_oob=True).alias(S.END_TS),
            pl.col("_n").sum().alias("_npos"),
            pl.col("_lat0").get(1, null_on_oob=True).alias(S.LAT),
            pl.col("_lon0").get(1, null_on_oob=True).alias(S.LON),
            pl.col(S.EEZ_ISO3).drop_nulls().first(),
            (sep / 1000.0).alias("_sep_km"),
        )
        .filter(pl.col("_k") >= 2)
        .with_columns(pl.max_horizontal(S.START_TS, S.END_TS).alias(S.END_TS))
    )
    return clusters.select(
        S.MMSI,
        S.SEGMENT_ID,
        S.START_TS,
        S.END_TS,
        S.LAT,
        S.LON,
        S.EEZ_ISO3,
        pl.lit("shared_mmsi").alias("_kind"),
        pl.format(
            "{} simultaneous tracks on one MMSI, {} km apart on average",
            pl.col("_k"),
            pl.col("_sep_km").round(0).cast(pl.Int64),
        ).alias("_detail"),
        pl.col("_other"),
        pl.col("_npos").cast(pl.UInt32),
    )


def _validity(p: pl.DataFrame, cfg: IdentityConfig) -> pl.LazyFrame:
    m = pl.col(S.MMSI)
    what = (
        pl.when(m < 100_000_000)
        .then(pl.lit("a coast station, group call or short MMSI"))
        .when(m < 200_000_000)
        .then(pl.lit("a SAR aircraft (MID 111)"))
        .when(m >= 900_000_000)
        .then(pl.lit("an AtoN, SART, MOB or EPIRB device"))
        .otherwise(pl.lit("a handheld radio (8xx)"))
    )
    suspect = (pl.col(S.MMSI_VALID) == False) | ~m.is_between(  # noqa: E712
        cfg.ship_mmsi_min, cfg.ship_mmsi_max
    )
    # VMS vessels (a permit number, not an MMSI: synthetic MMSI, validity null) have no MMSI
    suspect = suspect & ~(is_synthetic(m) & pl.col(S.MMSI_VALID).is_null())
    # the vessels with a suspect row (a lookup, not a window over every position)
    suspects = p.lazy().filter(suspect).select(pl.col(S.MMSI).unique()).collect().to_series()
    per = (
        p.lazy()
        .filter(pl.col(S.MMSI).is_in(suspects.implode()))  # few rows: sorted within groups
        .group_by(S.MMSI)
        .agg(
            pl.col(S.TS).min().alias(S.START_TS),
            pl.col(S.TS).max().alias(S.END_TS),
            pl.col(S.LAT).sort_by(S.TS, S.SEGMENT_ID).first().alias(S.LAT),
            pl.col(S.LON).sort_by(S.TS, S.SEGMENT_ID).first().alias(S.LON),
            pl.col(S.EEZ_ISO3).sort_by(S.TS, S.SEGMENT_ID).drop_nulls().first(),
            pl.col(S.SEGMENT_ID).sort_by(S.TS, S.SEGMENT_ID).first(),
            (pl.col(S.MMSI_VALID) == False).any().alias("_invalid"),  # noqa: E712
            pl.len().cast(pl.UInt32).alias("_npos"),
        )
    )
    invalid = per.filter(pl.col("_invalid")).with_columns(
        pl.lit("invalid_mmsi").alias("_kind"),
        pl.format("MMSI {} flagged invalid by cleaning", pl.col(S.MMSI)).alias("_detail"),
    )
    non_ship = per.filter(
        ~pl.col("_invalid") & ~m.is_between(cfg.ship_mmsi_min, cfg.ship_mmsi_max)
    ).with_columns(
        pl.lit("non_ship_mid").alias("_kind"),
        pl.concat_str([pl.lit("MMSI "), m.cast(pl.String), pl.lit(" belongs to "), what]).alias(
            "_detail"
        ),
    )
    cols = [
        S.MMSI,
        S.SEGMENT_ID,
        S.START_TS,
        S.END_TS,
        S.LAT,
        S.LON,
        S.EEZ_ISO3,
        "_kind",
        "_detail",
        pl.lit(None, dtype=pl.String).alias("_other"),
        "_npos",
    ]
    return pl.concat([invalid.select(cols), non_ship.select(cols)])


def detect_identity_conflicts(
    tracks: Frameish,
    config: IdentityConfig | None = None,
    *,
    prepared: pl.DataFrame | None = None,
) -> pl.DataFrame:
    """Detect identity conflicts of all kinds; EVENT_SCHEMA rows (``n_positions`` counts the
    positions involved)."""
    cfg = config or IdentityConfig()
    p = prepared if prepared is not None else prepare(tracks)
    parts: list[pl.LazyFrame] = []
    if cfg.report_shared_mmsi:
        parts.append(_shared(p, cfg))
    if cfg.report_mmsi_validity:
        parts.append(_validity(p, cfg))
    if not parts:
        return finish(pl.DataFrame(schema={S.MMSI: pl.UInt32}), "identity_conflict")
    ev = pl.concat(parts, how="vertical_relaxed").with_columns(
        pl.col(S.LAT).alias(S.START_LAT), pl.col(S.LON).alias(S.START_LON)
    )
    return finish(
        ev,
        "identity_conflict",
        evidence={
            "summary": compile_template(
                "{kind}: {detail}",
                fields={"kind": pl.col("_kind").str.replace("_", " "), "detail": pl.col("_detail")},
                null=None,
            ),
            "conflict_kind": pl.col("_kind"),
            "detail": pl.col("_detail"),
            "other_segment_id": pl.col("_other"),
            "n_positions": pl.col("_npos"),
        },
        key=pl.concat_str([pl.col("_kind"), pl.lit("")], separator=":"),
    )


def _detect(p: pl.DataFrame, cfg: IdentityConfig, ctx: Context) -> pl.DataFrame:
    return detect_identity_conflicts(p, cfg, prepared=p)


DETECTOR = register(
    Detector(
        event_type=S.IDENTITY_CONFLICT,
        config=IdentityConfig,
        detect=_detect,
        columns=(
            S.MMSI,
            S.TS,
            S.LAT,
            S.LON,
            S.SEGMENT_ID,
            S.EEZ_ISO3,
            S.MMSI_VALID,
        ),
        evidence=(
            "summary",
            "n_positions",
            "other_segment_id",
            "conflict_kind",
            "detail",
        ),
        label="Identity conflicts",
        style={
            "radius": 7,
            "color": "#000000",
            "weight": 2,
            "fillColor": "#ffd60a",
            "fillOpacity": 0.95,
        },
        doc="one MMSI used by two transmitters, or an invalid or non-ship MMSI",
        risk_rules=("identity_conflict",),
        order=80,
    )
)
