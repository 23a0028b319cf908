"""Water shown by the vessel's own track: land positions of a vessel underway are on water.

The world layer (GSHHG *h* + WDBII, :mod:`vessels.zones._world`) does not draw every navigable
waterway: the Houston Ship Channel, Louisiana's Intracoastal Waterway and bayous, the Hudson
above Manhattan, the Delaware at Philadelphia, the Dismal Swamp Canal ... are land in every
source available here (zones/README.md lists them cluster by cluster). A ship moving at 5 kn is
on water whatever the map says, so :func:`underway_water` takes the evidence from the track:

1. **Underway.** A position the layer puts on land whose implied speed to *both* the previous and
   the next fix of the same vessel lies in ``[min_kn, max_kn]``, each fix at most ``max_gap_s``
   away in time, is on water. Both sides must agree, so one GPS outlier (a jump that makes one
   leg fast and the other back) does not count, nor does a vessel lying still (under
   ``min_kn``: GPS jitter at a berth is a few tenths of a knot), nor a jump faster than any
   vessel on an inland waterway (``max_kn``; a road vehicle on a motorway is faster too).
2. **Berth beside it.** The vessel's other land positions in the same ``cell_deg`` cell as one of
   its own underway positions, or in one of the 8 cells around it, are its berth or its anchoring
   spot on that waterway (a barge tied up on the bayou it was seen moving along): water too.

Only the vessel's own rows count, so the answer does not depend on the other vessels in the
frame (a partition by MMSI gives the same labels as the whole). Positions it turns into water get
``geo_class = inland_water``, ``on_land = false`` and ``shore_km = 0``: the banks of a waterway
that the layer does not draw are nearer than the layer can measure, as on a WDBII river line.

Examples
--------
>>> import polars as pl
>>> from datetime import datetime, timedelta
>>> t0 = datetime(2020, 6, 30)
>>> df = pl.DataFrame({
...     "mmsi": [1, 1, 1],
...     "ts": [t0 + timedelta(minutes=m) for m in (0, 1, 2)],
...     "lat": [29.744, 29.7455, 29.747], "lon": [-95.107, -95.107, -95.107],  # 5.4 kn north
... })
>>> from vessels.zones import label_zones
>>> label_zones(df, underway=None)["geo_class"].to_list()  # the layer alone: Houston Ship Channel
['land', 'land', 'land']
>>> label_zones(df)["geo_class"].to_list()  # the middle fix is underway, the others beside it
['inland_water', 'inland_water', 'inland_water']
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TypeVar

import numpy as np
import polars as pl

from vessels import schema as S
from vessels._geo import MPS_PER_KN, haversine_m, haversine_m_np
from vessels.errors import SchemaError

__all__ = ["DEFAULT_UNDERWAY", "UnderwayConfig", "underway_mask", "underway_water"]

F = TypeVar("F", pl.DataFrame, pl.LazyFrame)

_ROW = "_uw_row"
#: land rows per chunk of the leg computation (bounds its temporary arrays to ~40 MB)
_CHUNK = 250_000


@dataclass(frozen=True)
class UnderwayConfig:
    """Parameters of :func:`underway_water` (see the module docstring).

    Attributes
    ----------
    min_kn
        Slowest implied speed, on both legs, of a vessel underway (2 kn: well above the few
        tenths of a knot of GPS jitter of a vessel at rest, below the 4-10 kn of barges and
        tugs on inland waterways).
    max_kn
        Fastest implied speed, on both legs, that still counts (40 kn: above almost every vessel
        on an inland waterway; a jump faster than that is a position error, and a road vehicle
        carrying a transponder on a motorway is faster too).
    max_gap_s
        Each leg spans at most this long (900 s = 15 min): the fix is then within a few km of
        the vessel's path on either side, so the speed is evidence about *this* position.
    cell_deg
        Cell of the berth rule (0.01 deg, ~1.1 km): a vessel's land positions within one cell of
        its own underway ones (3 x 3 cells) are its berth on that waterway.
    """

    min_kn: float = 2.0
    max_kn: float = 40.0
    max_gap_s: float = 900.0
    cell_deg: float = 0.01

    def __post_init__(self) -> None:
        if not 0.0 < self.min_kn < self.max_kn:
            raise ValueError(
                f"UnderwayConfig: need 0 < min_kn < max_kn, got {self.min_kn}, {self.max_kn}"
            )
        if self.max_gap_s <= 0 or self.cell_deg <= 0:
            raise ValueError("UnderwayConfig: max_gap_s and cell_deg must be > 0")


DEFAULT_UNDERWAY = UnderwayConfig()


def _land_rows(frame: pl.LazyFrame, cfg: UnderwayConfig) -> pl.LazyFrame:
    """Row numbers (``_ROW``) of the land positions that the vessel's own track puts on water."""
    land = pl.col(S.GEO_CLASS) == S.GEO_LAND
    vessels = frame.filter(land).select(S.MMSI).unique()
    same = pl.col(S.MMSI) == pl.col(S.MMSI).shift(1)
    same_next = pl.col(S.MMSI) == pl.col(S.MMSI).shift(-1)
    dt_prev = (pl.col(S.TS) - pl.col(S.TS).shift(1)).dt.total_microseconds() / 1e6
    dt_next = (pl.col(S.TS).shift(-1) - pl.col(S.TS)).dt.total_microseconds() / 1e6
    d_prev = haversine_m(pl.col(S.LAT).shift(1), pl.col(S.LON).shift(1), S.LAT, S.LON)
    d_next = haversine_m(S.LAT, S.LON, pl.col(S.LAT).shift(-1), pl.col(S.LON).shift(-1))
    lo, hi = cfg.min_kn * MPS_PER_KN, cfg.max_kn * MPS_PER_KN

    def leg(d: pl.Expr, dt: pl.Expr, ok: pl.Expr) -> pl.Expr:
        return ok & (dt > 0) & (dt <= cfg.max_gap_s) & (d / dt).is_between(lo, hi)

    track = (
        frame.join(vessels, on=S.MMSI, how="semi")
        .select(_ROW, S.MMSI, S.TS, S.LAT, S.LON, land.alias("_land"))
        .filter(pl.all_horizontal(pl.col(S.TS, S.LAT, S.LON).is_not_null()))
        .sort(S.MMSI, S.TS, _ROW)
        .with_columns(
            (
                pl.col("_land")
                & leg(d_prev, dt_prev, same).fill_null(False)
                & leg(d_next, dt_next, same_next).fill_null(False)
            ).alias("_underway"),
            (pl.col(S.LAT) / cfg.cell_deg).floor().cast(pl.Int64).alias("_cy"),
            (pl.col(S.LON) / cfg.cell_deg).floor().cast(pl.Int64).alias("_cx"),
        )
        .filter("_land")
    )
    seen = track.filter("_underway").select(S.MMSI, "_cy", "_cx").unique()
    return _beside(track, seen).select(_ROW)


#: the 3 x 3 block of cells (row step, column step) around a cell, itself included
_AROUND = [(dy, dx) for dy in (-1, 0, 1) for dx in (-1, 0, 1)]


def _beside(cells: F, seen: F) -> F:
    """Rows of ``cells`` (``mmsi``, ``_cy``, ``_cx``) in or beside a ``seen`` cell of the vessel."""
    around = pl.concat(
        [seen.with_columns(pl.col("_cy") + dy, pl.col("_cx") + dx) for dy, dx in _AROUND]
    ).unique()
    return cells.join(around, on=[S.MMSI, "_cy", "_cx"], how="semi")


def _in_order(mmsi: np.ndarray, ts: np.ndarray) -> bool:
    """Rows already sorted by vessel, then time (as the pipeline's positions are)."""
    m0, m1, t0, t1 = mmsi[:-1], mmsi[1:], ts[:-1], ts[1:]
    return bool(np.all((m1 > m0) | ((m1 == m0) & (t1 >= t0))))


def underway_mask(
    mmsi: np.ndarray,
    ts: np.ndarray,
    lat: np.ndarray,
    lon: np.ndarray,
    land: np.ndarray,
    valid: np.ndarray | None = None,
    *,
    ticks_per_s: float = 1e6,
    config: UnderwayConfig = DEFAULT_UNDERWAY,
) -> np.ndarray:
    """NumPy core of :func:`underway_water`: which rows (``land`` ones only) are water.

    ``ts`` are integer time ticks (``ticks_per_s`` per second: 1e6 for microseconds);
    ``valid`` marks the rows with a vessel, a time and a position (``None``: all of them); only
    those form tracks. When the rows are already in (vessel, time) order, as the pipeline's are,
    the neighbours of a row are the rows beside it and nothing is sorted or copied; otherwise
    only the rows of the vessels that have land positions are sorted. The legs are computed for
    the land rows only, in chunks, so the extra memory stays small next to the frame.
    """
    out = np.zeros(land.shape, dtype=bool)
    cand = land if valid is None else land & valid
    land_rows = np.flatnonzero(cand)
    if not land_rows.size:
        return out
    order: np.ndarray | None
    if valid is None and _in_order(mmsi, ts):
        order, at = None, land_rows  # a row's place in the order is its row number
        last = land.size - 1
    else:
        keep = np.isin(mmsi, np.unique(mmsi[land_rows]))
        sel = np.flatnonzero(keep if valid is None else keep & valid)
        m, t = mmsi[sel], ts[sel]
        order = sel if _in_order(m, t) else sel[np.lexsort((t, m))]  # stable: ties by row
        del m, t, keep, sel
        at = np.flatnonzero(land[order])
        last = order.size - 1
    lo, hi = config.min_kn * MPS_PER_KN, config.max_kn * MPS_PER_KN
    max_gap = config.max_gap_s * ticks_per_s
    rows = at if order is None else np.empty(at.size, dtype=np.int64)
    underway = np.empty(at.size, dtype=bool)
    for c0 in range(0, at.size, _CHUNK):
        p = at[c0 : c0 + _CHUNK]
        pp, pn = np.maximum(p - 1, 0), np.minimum(p + 1, last)
        r, prev, nxt = (p, pp, pn) if order is None else (order[p], order[pp], order[pn])
        if order is not None:
            rows[c0 : c0 + p.size] = r

        def leg(o: np.ndarray, exists: np.ndarray, r: np.ndarray) -> np.ndarray:
            dt = np.abs(ts[r] - ts[o])
            d_m = haversine_m_np(lat[o], lon[o], lat[r], lon[r])
            with np.errstate(divide="ignore", invalid="ignore"):
                v = d_m / (dt / ticks_per_s)
            ok = exists & (mmsi[o] == mmsi[r]) & (dt > 0) & (dt <= max_gap)
            return ok & (v >= lo) & (v <= hi)

        # the leg to the next fix only where the leg from the previous one holds (most land
        # rows fail the first already): the same answer, half the distances for those rows
        both = leg(prev, p > 0, r)
        k = np.flatnonzero(both)
        both[k] = leg(nxt[k], p[k] < last, r[k])
        underway[c0 : c0 + p.size] = both
    if not underway.any():
        return out
    cy = np.floor(lat[rows] / config.cell_deg)
    cx = np.floor(lon[rows] / config.cell_deg)
    packed = _pack_cells(mmsi[rows], cy, cx)
    if packed is None:  # cells out of the packable range (only with an odd cell size): polars
        cells = pl.DataFrame(
            {S.MMSI: mmsi[rows], "_cy": cy.astype(np.int64), "_cx": cx.astype(np.int64)}
        )
        beside = _beside(cells.with_row_index("_k"), cells.filter(pl.Series(underway)).unique())
        out[rows[beside["_k"].to_numpy()]] = True
        return out
    del cy, cx
    # sorted with polars: numpy 2.x's np.unique hashes and then sorts, ~10x slower here
    seen_keys = pl.Series(packed[underway]).unique().to_numpy()
    steps = [dy * _CY_STEP + dx for dy, dx in _AROUND]
    around_keys = pl.Series(np.concatenate([seen_keys + d for d in steps])).sort().to_numpy()
    del seen_keys
    at_key = np.searchsorted(around_keys, packed)
    at_key[at_key == around_keys.size] = 0
    out[rows[around_keys[at_key] == packed]] = True
    return out


#: the cell row's place in a packed (vessel, cell row, cell column) key; see :func:`_pack_cells`
_CY_STEP = 1 << 16
_CX_OFF, _CY_OFF = 1 << 15, 1 << 14


def _pack_cells(mmsi: np.ndarray, cy: np.ndarray, cx: np.ndarray) -> np.ndarray | None:
    """One Int64 per (vessel, cell row, cell column), or None when a value does not fit.

    The key is ``mmsi << 31 | (cy + 2**14) << 16 | (cx + 2**15)``: a cell column within
    ±(2**15 - 2) and a cell row within ±(2**14 - 2) (±180 and ±90 deg at the default 0.01 deg
    cell) keep one cell of margin on each side, so adding a neighbour's step (±1 row, ±1 column)
    never carries into another field, and equal keys are equal triples. MMSIs are unsigned
    32-bit numbers (< 2**32), so the key stays below 2**63.
    """
    if mmsi.size == 0:
        return np.zeros(0, dtype=np.int64)
    lim_x, lim_y = _CX_OFF - 2, _CY_OFF - 2
    if not (
        np.all(np.abs(cx) <= lim_x)
        and np.all(np.abs(cy) <= lim_y)
        and int(mmsi.min()) >= 0
        and int(mmsi.max()) < (1 << 32)
    ):
        return None
    return (
        (mmsi.astype(np.int64) << 31)
        | ((cy.astype(np.int64) + _CY_OFF) << 16)
        | (cx.astype(np.int64) + _CX_OFF)
    )


def underway_water(labelled: F, config: UnderwayConfig = DEFAULT_UNDERWAY) -> F:
    """Reclass the land positions that the vessel's own track shows to be on water.

    Parameters
    ----------
    labelled
        Positions labelled by :func:`vessels.zones.label_zones` (``geo_class``, ``on_land``,
        ``shore_km``) with ``mmsi`` and ``ts``; without ``mmsi`` or ``ts`` the frame is returned
        unchanged (a bare list of coordinates has no track).
    config
        :class:`UnderwayConfig`.

    Returns
    -------
    The same kind of frame, rows in the same order; land positions underway, and the vessel's
    land positions beside its own underway ones, become ``inland_water`` with ``on_land`` false
    and ``shore_km`` 0.
    """
    schema = labelled.collect_schema() if isinstance(labelled, pl.LazyFrame) else labelled.schema
    if S.MMSI not in schema or S.TS not in schema:
        return labelled
    S.require_columns(labelled, (S.GEO_CLASS, S.ON_LAND, S.SHORE_KM), what="underway_water")
    if isinstance(labelled, pl.DataFrame):
        land = (labelled[S.GEO_CLASS] == S.GEO_LAND).fill_null(False).to_numpy()
        if not land.any():
            return labelled  # nothing on land: no track work at all
        unit = labelled.schema[S.TS]
        if not isinstance(unit, pl.Datetime):
            raise SchemaError(
                f"underway_water: {S.TS!r} must be a Datetime column, got {unit} "
                "(or label with underway=None for the map alone)"
            )
        ticks = {"ns": 1e9, "us": 1e6, "ms": 1e3}[unit.time_unit or "us"]
        cols = [
            labelled[S.MMSI],
            labelled[S.TS].to_physical(),
            labelled[S.LAT].cast(pl.Float64),
            labelled[S.LON].cast(pl.Float64),
        ]
        valid = None
        if any(c.null_count() for c in cols):  # only then copy: null-free columns are read in place
            valid = ~np.logical_or.reduce([c.is_null().to_numpy() for c in cols])
            cols = [c.fill_null(0) if i < 2 else c.fill_null(np.nan) for i, c in enumerate(cols)]
        mmsi, ts, lat, lon = (c.to_numpy() for c in cols)
        hit = underway_mask(mmsi, ts, lat, lon, land, valid, ticks_per_s=ticks, config=config)
        del cols, mmsi, ts, lat, lon
        if not hit.any():
            return labelled
        # only the three relabelled columns are computed and swapped in, taken as Series: a
        # select or with_columns on the whole frame re-chunks every column when their chunks
        # differ (the zone labels come in other chunks than the ingested columns), a full copy
        # of the positions (+2.5 GiB at 10 M rows)
        three = pl.DataFrame([labelled[c] for c in (S.GEO_CLASS, S.ON_LAND, S.SHORE_KM)])
        relabelled = _apply(three.lazy(), pl.lit(pl.Series(hit))).collect()
        out = labelled.clone()  # shallow: the columns are shared, not copied
        for name in (S.GEO_CLASS, S.ON_LAND, S.SHORE_KM):
            out.replace_column(out.get_column_index(name), relabelled[name])
        return out
    # lazy: the same rule as polars expressions, so the frame stays a LazyFrame
    lf = labelled.with_row_index(_ROW)
    rows_lf = _land_rows(lf, config).with_columns(pl.lit(True).alias("_uw_hit"))
    out = lf.join(rows_lf, on=_ROW, how="left", maintain_order="left")
    return _apply(out, pl.col("_uw_hit").fill_null(False)).drop(_ROW, "_uw_hit")


def _apply(lf: pl.LazyFrame, hit: pl.Expr) -> pl.LazyFrame:
    return lf.with_columns(
        # an Enum literal: a String one would build a String column of every row first
        pl.when(hit)
        .then(pl.lit(S.GEO_INLAND_WATER, dtype=S.GEO_LABEL_SCHEMA[S.GEO_CLASS]))
        .otherwise(pl.col(S.GEO_CLASS))
        .alias(S.GEO_CLASS),
        (pl.col(S.ON_LAND) & ~hit).alias(S.ON_LAND),
        pl.when(hit).then(0.0).otherwise(pl.col(S.SHORE_KM)).alias(S.SHORE_KM),
    )
