"""Coverage honesty: where the positions are, and whether reporting is dense enough.

:func:`coverage_report` counts labelled positions per geographic class (``geo_class``) and
measures how sparse the reporting is (the median, over vessels, of each vessel's median time
between fixes). It returns warnings when a large share is on land (a sign of a wrong coordinate
order, a file of trucks, or a coastline that misses the data's harbours) or when the data is too
sparse for the continuity-based detectors (AIS gaps, loitering, rendezvous).

Examples
--------
>>> import polars as pl
>>> from datetime import datetime, timedelta
>>> t0 = datetime(2024, 1, 1)
>>> df = pl.DataFrame({"mmsi": [1, 1, 1], "ts": [t0, t0 + timedelta(hours=3),
...                    t0 + timedelta(hours=6)], "geo_class": ["open_sea"] * 3})
>>> rep = coverage_report(df)
>>> rep["geo_class_counts"]["open_sea"], rep["median_fix_interval_h"], len(rep["warnings"])
(3, 3.0, 1)
"""

from __future__ import annotations

from typing import Any

import polars as pl

from vessels import schema as S
from vessels._frames import in_mmsi_ts_order

__all__ = [
    "LAND_WARN_SHARE",
    "SPARSE_WARN_H",
    "coverage_from_parts",
    "coverage_parts",
    "coverage_report",
]

#: Warn when more than this share of positions is classed ``land`` (real AIS: well under 2 %).
LAND_WARN_SHARE = 0.05
#: Warn when the median vessel reports less often than this (hours between fixes): class A AIS
#: reports every 2-10 s underway (>= 60 s in MarineCadastre), VMS every 1-4 h.
SPARSE_WARN_H = 1.0


def coverage_report(
    positions: pl.DataFrame | pl.LazyFrame,
    *,
    land_warn_share: float = LAND_WARN_SHARE,
    sparse_warn_h: float = SPARSE_WARN_H,
) -> dict[str, Any]:
    """Positions per geographic class and reporting density, with warnings.

    Parameters
    ----------
    positions
        Labelled positions (``geo_class`` from :func:`vessels.zones.label_zones`); ``mmsi`` and
        ``ts`` give the reporting density when present.

    Returns
    -------
    dict with ``positions``, ``geo_class_counts`` and ``geo_class_shares`` (every class of
    ``vessels.schema.GEO_CLASSES`` plus ``unknown`` for null coordinates),
    ``median_fix_interval_h`` (median over vessels of their median hours between consecutive
    fixes; null with fewer than two fixes per vessel), ``sparse_vessel_share`` (vessels whose own
    median exceeds ``sparse_warn_h``) and ``warnings`` (list of str).
    """
    counts_df, per_vessel = coverage_parts(positions)
    return coverage_from_parts(
        counts_df, per_vessel, land_warn_share=land_warn_share, sparse_warn_h=sparse_warn_h
    )


def coverage_parts(
    positions: pl.DataFrame | pl.LazyFrame,
) -> tuple[pl.DataFrame, pl.DataFrame | None]:
    """What :func:`coverage_report` counts, in parts that add up across MMSI partitions.

    Positions per ``geo_class`` (``geo_class, len``) and each vessel's median hours between
    fixes (``mmsi, _med_h``; None without ``mmsi``/``ts``). A partitioned run
    (:mod:`vessels.partition`) computes them per MMSI bucket and gives their concatenation to
    :func:`coverage_from_parts`.
    """
    lf = positions.lazy() if isinstance(positions, pl.DataFrame) else positions
    names = lf.collect_schema().names()
    if S.GEO_CLASS not in names:
        raise ValueError("coverage_report: positions need 'geo_class' (run label_zones first)")
    # counted per class as it is (an enum: no text per position), named afterwards
    counts_df = (
        lf.group_by(S.GEO_CLASS)
        .len()
        .select(pl.col(S.GEO_CLASS).cast(pl.String).fill_null("unknown"), "len")
        .collect()
    )
    if S.MMSI not in names or S.TS not in names:
        return counts_df, None
    # intervals between consecutive fixes of one vessel: a diff of the sorted column where the
    # previous row is the same vessel (no window per MMSI). Positions already in (mmsi, ts)
    # order (labelled batches of ``vessels score``) are not sorted again: the same intervals,
    # and a median does not depend on the order of its values.
    same = pl.col(S.MMSI) == pl.col(S.MMSI).shift(1)
    if isinstance(positions, pl.LazyFrame) or not positions.select(in_mmsi_ts_order()).item():
        pairs = lf.select(S.MMSI, S.TS).sort(S.MMSI, S.TS)
    else:  # flagged sorted, the group by takes each vessel's rows as a slice (a third less CPU)
        pairs = lf.select(pl.col(S.MMSI).set_sorted(), S.TS)
    per_vessel = (
        pairs.with_columns(
            pl.when(same).then(pl.col(S.TS).diff().dt.total_seconds() / 3600.0).alias("_dt_h")
        )
        .group_by(S.MMSI)
        .agg(pl.col("_dt_h").median().alias("_med_h"))
        .drop_nulls("_med_h")
        .sort(S.MMSI)
        .collect()
    )
    return counts_df, per_vessel


def coverage_from_parts(
    counts_df: pl.DataFrame,
    per_vessel: pl.DataFrame | None,
    *,
    land_warn_share: float = LAND_WARN_SHARE,
    sparse_warn_h: float = SPARSE_WARN_H,
) -> dict[str, Any]:
    """:func:`coverage_report` from the (concatenated) :func:`coverage_parts`."""
    counts_df = counts_df.group_by(S.GEO_CLASS).agg(pl.col("len").sum())
    got = dict(zip(counts_df[S.GEO_CLASS].to_list(), counts_df["len"].to_list(), strict=True))
    counts = {c: int(got.get(c, 0)) for c in (*S.GEO_CLASSES, "unknown")}
    n = sum(counts.values())
    shares = {c: (v / n if n else 0.0) for c, v in counts.items()}
    median_h: float | None = None
    sparse_share: float | None = None
    if per_vessel is not None and n and per_vessel.height:
        med = per_vessel["_med_h"].median()
        median_h = None if med is None else round(float(med), 6)  # type: ignore[arg-type]
        sparse = per_vessel["_med_h"] > sparse_warn_h
        sparse_share = float(sparse.mean())  # type: ignore[arg-type]
    warnings: list[str] = []
    if n and shares[S.GEO_LAND] > land_warn_share:
        warnings.append(
            f"{shares[S.GEO_LAND]:.1%} of positions are on land (more than "
            f"{land_warn_share:.0%}): check the coordinates (lat/lon swapped?) and the data "
            "source; detectors that use the shore distance will misfire"
        )
    if median_h is not None and median_h > sparse_warn_h:
        warnings.append(
            f"sparse reporting: the median vessel reports every {median_h:.1f} h (more than "
            f"{sparse_warn_h:g} h); AIS-gap, loitering and rendezvous detectors, which rely on "
            "continuity, cannot be trusted on this data"
        )
    return {
        "positions": n,
        "geo_class_counts": counts,
        "geo_class_shares": {c: round(v, 6) for c, v in shares.items()},
        "median_fix_interval_h": median_h,
        "sparse_vessel_share": None if sparse_share is None else round(sparse_share, 6),
        "warnings": warnings,
    }
