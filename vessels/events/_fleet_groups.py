"""Fleets as groups of vessels operating together (private helper of :mod:`vessels.events.fleet`).

A fleet is not "every vessel of one flag along one EEZ": two groups 500 km apart along the same
boundary are two fleets. Per time bin and flag, vessels are linked when they are within
``link_km`` of each other (haversine, between their positions in that bin); the connected
components (single linkage) are the groups of that bin. A group with ``min_vessels`` or more is a
fleet at that time. Fleet groups of consecutive bins (no gap longer than one bin) that share a
member are the same fleet; a fleet seen for at least ``min_duration_h`` is an episode, with the
union of its members, its largest count at one time and the EEZ it lines most often.

Neighbours are found in grid cells ``link_km`` high whose width in longitude grows with the
cosine of the row's latitude (so a cell is at least ``link_km`` wide everywhere); each position
probes the cells around it in its own and the two adjacent rows, so every pair within
``link_km`` is compared and no other pair far apart is. Components: scipy's
``connected_components`` (linear in links). Everything else is polars joins and group-bys.

Examples
--------
>>> from datetime import datetime, UTC
>>> t = datetime(2024, 3, 1, tzinfo=UTC)
>>> rows = [(i, 0, t, t, 20.0, -120.0 + 0.02 * i, "CHN", "MEX") for i in range(3)]
>>> rows += [(10 + i, 0, t, t, 20.0, -110.0 + 0.02 * i, "CHN", "MEX") for i in range(3)]
>>> cand = pl.DataFrame(rows, schema=CANDIDATE_SCHEMA, orient="row")
>>> g = fleet_groups(cand, link_km=5.0, min_vessels=3, time_bin_h=1.0, min_duration_h=1.0)
>>> g.group_by("fleet_id").len().sort("fleet_id")["len"].to_list()  # two groups, not one
[3, 3]
"""

from __future__ import annotations

import numpy as np
import polars as pl
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components

from vessels import schema as S
from vessels._geo import haversine_m
from vessels.events._modes import modes_agg, smallest

__all__ = ["CANDIDATE_SCHEMA", "fleet_groups", "in_large_groups"]

#: Columns :func:`fleet_groups` reads: one row per vessel and time bin in the band.
CANDIDATE_SCHEMA: dict[str, pl.DataType] = {
    S.MMSI: pl.UInt32(),
    "_bin": pl.Int64(),
    S.TS: S.TS_DTYPE,
    "_t_last": S.TS_DTYPE,
    S.LAT: pl.Float64(),
    S.LON: pl.Float64(),
    S.FLAG: pl.String(),
    "_border": pl.String(),
}
_KM_PER_DEG = 111.32


def _cells(cand: pl.DataFrame, link_km: float) -> pl.DataFrame:
    """Row, cell (own row) and the cells each position probes (own and adjacent rows)."""
    h = link_km / _KM_PER_DEG

    def width(row: pl.Expr) -> pl.Expr:
        # the row's widest |latitude| (capped near the pole): its cells are >= link_km wide
        top = pl.max_horizontal((row * h).abs(), ((row + 1) * h).abs()).clip(upper_bound=89.0)
        return h / top.radians().cos()

    row = (pl.col(S.LAT) / h).floor().cast(pl.Int64)
    return cand.with_columns(row.alias("_r")).with_columns(
        (pl.col(S.LON) / width(pl.col("_r"))).floor().cast(pl.Int64).alias("_c"),
        *[
            (pl.col(S.LON) / width(pl.col("_r") + dr)).floor().cast(pl.Int64).alias(f"_p{dr + 1}")
            for dr in (-1, 0, 1)
        ],
    )


def _links(cells: pl.DataFrame, link_km: float) -> pl.DataFrame:
    """Pairs of node ids (same bin and flag) within ``link_km`` of each other."""
    probes = pl.concat(
        [
            cells.select(
                "_node",
                "_bin",
                S.FLAG,
                S.LAT,
                S.LON,
                (pl.col("_r") + dr).alias("_r"),
                (pl.col(f"_p{dr + 1}") + dc).alias("_c"),
            )
            for dr in (-1, 0, 1)
            for dc in (-1, 0, 1)
        ]
    )
    own = cells.select(
        pl.col("_node").alias("_other"),
        "_bin",
        S.FLAG,
        "_r",
        "_c",
        pl.col(S.LAT).alias("_lat_o"),
        pl.col(S.LON).alias("_lon_o"),
    )
    pairs = probes.join(own, on=["_bin", S.FLAG, "_r", "_c"]).filter(
        pl.col("_node") < pl.col("_other")
    )
    near = (
        haversine_m(pl.col(S.LAT), pl.col(S.LON), pl.col("_lat_o"), pl.col("_lon_o"))
        <= link_km * 1000.0
    )
    return pairs.filter(near).select("_node", "_other").unique()


def _components(n: int, a: np.ndarray, b: np.ndarray) -> np.ndarray:
    graph = coo_matrix((np.ones(a.size, dtype=np.int8), (a, b)), shape=(n, n))
    return connected_components(graph, directed=False)[1]


def in_large_groups(cand: pl.DataFrame, *, link_km: float, min_vessels: int) -> pl.Series:
    """True for the candidates (rows of ``cand``: ``mmsi, _bin, flag, lat, lon``) whose group of
    their bin and flag, linked among *all* of ``cand``, holds ``min_vessels`` vessels or more.

    Only those can be members of a fleet found among any subset of ``cand`` (the band's filter
    of :func:`vessels.events.fleet.detect_fleets`): links depend on two candidates alone, so a
    subset's links are the links among its rows, each of its groups lies inside one group of
    ``cand``, and holds no more vessels than it. :func:`fleet_groups` of a subset keeps only
    groups of ``min_vessels``; leaving out the rows of smaller groups of ``cand`` first leaves
    those groups exactly as they were (whole groups of ``cand`` are left out, none is cut).

    Examples
    --------
    >>> cand = pl.DataFrame({"mmsi": [1, 2, 3], "_bin": [0, 0, 0], "flag": ["CHN"] * 3,
    ...                      "lat": [20.0, 20.0, 20.0], "lon": [-120.0, -119.99, -110.0]})
    >>> in_large_groups(cand, link_km=5.0, min_vessels=2).to_list()
    [True, True, False]
    """
    if cand.height == 0:
        return pl.Series("_large", [], dtype=pl.Boolean)
    c = cand.select(S.MMSI, "_bin", S.FLAG, S.LAT, S.LON).with_row_index("_node")
    c = c.with_columns(pl.col("_node").cast(pl.Int64))
    links = _links(_cells(c, link_km), link_km)
    labels = _components(c.height, links["_node"].to_numpy(), links["_other"].to_numpy())
    return (
        c.select(S.MMSI, pl.Series("_g", labels, dtype=pl.Int64))
        .select((pl.col(S.MMSI).n_unique().over("_g") >= min_vessels).alias("_large"))
        .to_series()
    )


def fleet_groups(
    cand: pl.DataFrame,
    *,
    link_km: float,
    min_vessels: int,
    time_bin_h: float,
    min_duration_h: float,
) -> pl.DataFrame:
    """One row per member and fleet episode (see the module docstring).

    Columns: ``mmsi, fleet_id, start_ts, end_ts`` (the member's first and last time in the
    band during the episode), ``lat, lon`` (its mean position then), ``flag, _border`` (the
    EEZ the fleet lines most often), ``_size`` (the most members at one time), ``_bins``.
    """
    out_schema = {
        S.MMSI: pl.UInt32(),
        "fleet_id": pl.String(),
        S.START_TS: S.TS_DTYPE,
        S.END_TS: S.TS_DTYPE,
        S.LAT: pl.Float64(),
        S.LON: pl.Float64(),
        S.FLAG: pl.String(),
        "_border": pl.String(),
        "_size": pl.UInt32(),
        "_bins": pl.UInt32(),
    }
    if cand.height == 0:
        return pl.DataFrame(schema=out_schema)
    c = (
        cand.select(list(CANDIDATE_SCHEMA))
        .sort(S.FLAG, "_bin", S.MMSI)
        .with_row_index("_node")
        .with_columns(pl.col("_node").cast(pl.Int64))
    )
    links = _links(_cells(c, link_km), link_km)
    labels = _components(
        c.height, links["_node"].to_numpy(), links["_other"].to_numpy()
    )  # groups of one bin (links never cross bins or flags)
    c = c.with_columns(pl.Series("_g", labels, dtype=pl.Int64))
    sizes = c.group_by("_g").agg(pl.col(S.MMSI).n_unique().cast(pl.UInt32).alias("_n"))
    c = c.join(sizes, on="_g").filter(pl.col("_n") >= min_vessels)
    if c.height == 0:
        return pl.DataFrame(schema=out_schema)
    # fleets over time: qualifying groups of bins <= 2 apart that share a member are one fleet
    g = c.select("_g", "_bin", S.FLAG, S.MMSI)
    later = g.join(g, on=[S.FLAG, S.MMSI], suffix="_o").filter(
        (pl.col("_bin_o") > pl.col("_bin")) & (pl.col("_bin_o") - pl.col("_bin") <= 2)
    )
    groups = c.select("_g").unique().sort("_g").with_row_index("_k")
    k = groups.with_columns(pl.col("_k").cast(pl.Int64))
    ab = (
        later.select("_g", "_g_o")
        .join(k, on="_g")
        .join(k.rename({"_g": "_g_o", "_k": "_k_o"}), on="_g_o")
    )
    fleet = _components(groups.height, ab["_k"].to_numpy(), ab["_k_o"].to_numpy())
    c = c.join(
        groups.with_columns(pl.Series("_f", fleet, dtype=pl.Int64)).select("_g", "_f"), on="_g"
    )
    bin_us = int(time_bin_h * 3_600_000_000)
    episodes = (
        c.group_by("_f")
        .agg(
            pl.col("_bin").min().alias("_b0"),
            pl.col("_bin").max().alias("_b1"),
            pl.col("_n").max().alias("_size"),
            pl.col(S.FLAG).first(),
            modes_agg("_border").alias("_fb"),
            pl.col(S.MMSI).min().alias("_m0"),
        )
        .with_columns(smallest(pl.col("_fb")))
        .filter((pl.col("_b1") - pl.col("_b0") + 1) * time_bin_h >= min_duration_h)
    )
    t0 = pl.from_epoch(pl.col("_b0") * bin_us, time_unit="us").dt.replace_time_zone("UTC")
    episodes = episodes.with_columns(
        pl.format(
            "fleet-{}-{}-{}-{}",
            pl.col(S.FLAG),
            pl.col("_fb"),
            t0.dt.strftime("%Y%m%dT%H"),
            pl.col("_m0"),
        ).alias("fleet_id")
    ).select("_f", "fleet_id", "_fb", "_size")
    return (
        c.join(episodes, on="_f")
        # each member's rows in time order, in one slice: its mean position sums in one order
        .sort(S.MMSI, "fleet_id", S.TS)
        .group_by(S.MMSI, "fleet_id", maintain_order=True)
        .agg(
            pl.col(S.TS).min().alias(S.START_TS),
            pl.col("_t_last").max().alias(S.END_TS),
            pl.col(S.LAT).mean(),
            pl.col(S.LON).mean(),
            pl.col(S.FLAG).first(),
            pl.col("_fb").first().alias("_border"),
            pl.col("_size").first(),
            pl.len().cast(pl.UInt32).alias("_bins"),
        )
        .select(list(out_schema))
        .cast(pl.Schema(out_schema))
    )
