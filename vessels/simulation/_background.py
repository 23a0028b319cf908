"""Background traffic, generated as arrays: cargo and tankers on lanes, recreational loops.

Used to scale a scenario to thousands of vessels and millions of rows. Every vessel's knots are
built with array operations over all vessels at once (no loop over vessels or messages).
Lane vessels shuttle along a lane with a 2-6 h port stay at each end; recreational boats loop
around a point off a marina. Background vessels carry no planted behaviour.

Examples
--------
>>> from vessels.simulation._regions import REGIONS
>>> knots, static = background_vessels(10, [REGIONS["yucatan"]], horizon_s=3600.0, seed=0,
...                                    first_index=5)
>>> static.height, int(knots.v.min())
(10, 5)
"""

from __future__ import annotations

import numpy as np
import polars as pl

from vessels import schema as S
from vessels._geo import MPS_PER_KN, haversine_m_np
from vessels.simulation._regions import MID_FLAG, Region
from vessels.simulation._sample import Knots
from vessels.simulation._track import M_PER_DEG_LAT

__all__ = ["background_vessels"]

_P = 12  # points per resampled lane
_WORDS_A = np.array(
    [
        "OCEAN",
        "PACIFIC",
        "ATLANTIC",
        "GOLDEN",
        "NORDIC",
        "STAR",
        "BLUE",
        "SILVER",
        "GRAND",
        "ROYAL",
        "EAGLE",
        "CORAL",
    ]
)
_WORDS_B = np.array(
    [
        "TRADER",
        "SPIRIT",
        "PRIDE",
        "GLORY",
        "EXPRESS",
        "NAVIGATOR",
        "VENTURE",
        "HARMONY",
        "FORTUNE",
        "DAWN",
        "WAVE",
        "QUEEN",
    ]
)
_LANE_MIDS = np.array([352, 355, 371, 636, 538, 366, 345])
_REC_MIDS = np.array([345, 367, 366])


def _resample_lane(points: tuple[tuple[float, float], ...]) -> tuple[np.ndarray, np.ndarray]:
    lat = np.array([p[0] for p in points])
    lon = np.array([p[1] for p in points])
    cum = np.concatenate([[0.0], np.cumsum(haversine_m_np(lat[:-1], lon[:-1], lat[1:], lon[1:]))])
    s = np.linspace(0.0, cum[-1], _P)
    return np.interp(s, cum, lat), np.interp(s, cum, lon)


def _static(n: int, first_index: int, rng: np.random.Generator, *, rec: np.ndarray) -> pl.DataFrame:
    mids = np.where(rec, rng.choice(_REC_MIDS, n), rng.choice(_LANE_MIDS, n))
    serial = rng.choice(np.arange(500_000, 1_000_000), size=n, replace=False)
    mmsi = mids * 1_000_000 + serial
    tanker = (~rec) & (rng.random(n) < 0.35)
    kind = np.where(rec, "recreational", np.where(tanker, "tanker", "cargo"))
    length = np.where(rec, rng.uniform(8, 20, n), rng.uniform(90, 300, n)).round(0)
    idx = np.arange(first_index, first_index + n)
    name = pl.concat_str(
        [
            pl.Series(rng.choice(_WORDS_A, n)),
            pl.lit(" "),
            pl.Series(rng.choice(_WORDS_B, n)),
            pl.lit(" "),
            pl.Series((idx % 997) + 1).cast(pl.String),
        ]
    )
    frame = pl.DataFrame({"_v": idx}).with_columns(name.alias(S.VESSEL_NAME))
    return frame.with_columns(
        pl.Series("_key", [f"background-{i}" for i in range(n)]),
        pl.Series("_kind", kind),
        pl.Series(S.MMSI, mmsi).cast(pl.UInt32),
        pl.lit(None, pl.Float64).alias("_rename_s"),
        pl.lit(None, pl.String).alias("_rename_to"),
        pl.lit(None, pl.String).alias(S.CALLSIGN),
        pl.Series(S.IMO, np.where(rec, 0, 9_100_000 + serial)).cast(pl.UInt32).replace(0, None),
        pl.Series(S.SHIP_TYPE, np.where(rec, 37, np.where(tanker, 80, 70))).cast(pl.UInt8),
        pl.Series(S.LENGTH_M, length).cast(pl.Float32),
        pl.Series(S.WIDTH_M, (length / 6.5).round(0)).cast(pl.Float32),
        pl.Series(S.DRAFT_M, np.where(rec, np.nan, (length / 25).round(1)))
        .cast(pl.Float32)
        .fill_nan(None),
        pl.lit(None, pl.String).alias(S.DESTINATION),
        pl.Series(S.AIS_CLASS, np.where(rec, "B", "A")),
        pl.Series(S.FLAG, [MID_FLAG[int(m)] for m in np.unique(mids)]).gather(
            np.searchsorted(np.unique(mids), mids)
        ),
    ).select(
        "_v",
        "_key",
        "_kind",
        S.MMSI,
        S.VESSEL_NAME,
        "_rename_s",
        "_rename_to",
        S.CALLSIGN,
        S.IMO,
        S.SHIP_TYPE,
        S.LENGTH_M,
        S.WIDTH_M,
        S.DRAFT_M,
        S.DESTINATION,
        S.AIS_CLASS,
        S.FLAG,
    )


def background_vessels(
    n: int, regions: list[Region], *, horizon_s: float, seed: int, first_index: int
) -> tuple[Knots, pl.DataFrame]:
    """Knots and static data of ``n`` background vessels (vessel indices from ``first_index``)."""
    rng = np.random.default_rng([seed, 777])
    rec = rng.random(n) < 0.25
    static = _static(n, first_index, rng, rec=rec)
    v_all, t_all, la_all, lo_all, st_all = [], [], [], [], []

    # --- lane traffic: (V, R, P) arrays
    lanes = [_resample_lane(lane) for r in regions for lane in r.lanes]
    lane_lat = np.stack([a for a, _ in lanes])
    lane_lon = np.stack([b for _, b in lanes])
    seg = haversine_m_np(lane_lat[:, :-1], lane_lon[:, :-1], lane_lat[:, 1:], lane_lon[:, 1:])
    cum = np.concatenate([np.zeros((len(lanes), 1)), np.cumsum(seg, axis=1)], axis=1)
    length = cum[:, -1]
    iv = np.nonzero(~rec)[0]
    nv = iv.size
    if nv:
        lane = rng.integers(0, len(lanes), nv)
        speed = rng.uniform(10.0, 16.0, nv) * MPS_PER_KN
        dwell = rng.uniform(2.0, 6.0, nv) * 3600.0
        off = rng.random(nv)
        passes = int(np.ceil(horizon_s * 16.0 * MPS_PER_KN / length.min())) + 2
        r = np.arange(passes)
        leg_s = length[lane] / speed
        t_pass = r[None, :] * (leg_s + dwell)[:, None] - (off * (leg_s + dwell))[:, None]
        fwd = ((r[None, :] + (off * 1000).astype(int)[:, None]) % 2) == 0
        p = np.arange(_P)
        pidx = np.where(fwd[:, :, None], p[None, None, :], _P - 1 - p[None, None, :])
        lrow = lane[:, None, None]
        lat = lane_lat[lrow, pidx]
        lon = lane_lon[lrow, pidx]
        along = np.where(fwd[:, :, None], cum[lrow, pidx], length[lrow] - cum[lrow, pidx])
        t = t_pass[:, :, None] + along / speed[:, None, None]
        st = np.zeros(t.shape, dtype=np.uint8)
        st[:, :, -1] = 5
        v_all.append(np.repeat(first_index + iv, passes * _P))
        t_all.append(t.reshape(-1))
        la_all.append(lat.reshape(-1))
        lo_all.append(lon.reshape(-1))
        st_all.append(st.reshape(-1))

    # --- recreational loops around a point off a marina: (V, K) arrays
    ir = np.nonzero(rec)[0]
    if ir.size:
        marinas = np.array([m for r_ in regions for m in r_.marinas])
        m = rng.integers(0, len(marinas), ir.size)
        radius = rng.uniform(800.0, 2000.0, ir.size)
        speed = rng.uniform(5.0, 9.0, ir.size) * MPS_PER_KN
        step_t = 2 * np.pi * radius / 12 / speed
        k = int(np.ceil(horizon_s / step_t.min())) + 2
        kk = np.arange(k)
        phase = rng.uniform(0, 2 * np.pi, ir.size)
        ang = phase[:, None] + kk[None, :] * (2 * np.pi / 12)
        c_lat = marinas[m, 0][:, None]
        c_lon = marinas[m, 1][:, None]
        lat = c_lat + radius[:, None] * np.cos(ang) / M_PER_DEG_LAT
        lon = c_lon + radius[:, None] * np.sin(ang) / (M_PER_DEG_LAT * np.cos(np.radians(c_lat)))
        t = kk[None, :] * step_t[:, None] - rng.uniform(0, 600, ir.size)[:, None]
        v_all.append(np.repeat(first_index + ir, k))
        t_all.append(t.reshape(-1))
        la_all.append(lat.reshape(-1))
        lo_all.append(lon.reshape(-1))
        st_all.append(np.zeros(t.size, dtype=np.uint8))

    if not v_all:
        empty = np.zeros(0)
        return Knots(empty.astype(np.int64), empty, empty, empty, empty.astype(np.uint8)), static
    v = np.concatenate(v_all)
    order = np.argsort(v, kind="stable")
    return (
        Knots(
            v=v[order].astype(np.int64),
            t_s=np.concatenate(t_all)[order],
            lat=np.concatenate(la_all)[order],
            lon=np.concatenate(lo_all)[order],
            status=np.concatenate(st_all)[order],
        ),
        static,
    )
