"""Vectorised sampling of voyage plans into received AIS position messages.

Input: the knots of every vessel concatenated (vessel index, time, lat, lon, status), the
vessels' transceiver class, their transmitter-off periods and the coast receivers. Output: one
row per received message. Every step is a numpy array operation over all messages at once
(loops run over receivers and dark periods, never over messages).

Steps: (1) knots -> straight segments with speed and course; (2) per segment the ITU-R M.1371
nominal interval for the class, speed and status, thinned to ``min_interval_s``; (3) message
times on a per-vessel grid; (4) positions interpolated along the segment; (5) transmitter-off
periods removed; (6) reception: terrestrial near coast stations, sparse satellite offshore;
(7) noise, "not available" values, rare GPS jumps; (8) anything on land removed.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from vessels._geo import MPS_PER_KN, haversine_m_np
from vessels.simulation._land import on_land
from vessels.simulation._params import SimConfig
from vessels.simulation._track import M_PER_DEG_LAT, STATUS_NA

__all__ = ["Knots", "sample_messages"]


@dataclass
class Knots:
    """Concatenated knots of all vessels (sorted by vessel, then time)."""

    v: np.ndarray  # int64 vessel index
    t_s: np.ndarray
    lat: np.ndarray
    lon: np.ndarray
    status: np.ndarray  # uint8, STATUS_NA for none


def _nominal_interval_s(
    is_b: np.ndarray, speed_kn: np.ndarray, status: np.ndarray, cfg: SimConfig
) -> np.ndarray:
    r = cfg.reporting
    anchored = np.isin(status, (1, 5)) & (speed_kn <= r.class_a_anchored_max_kn)
    a = np.where(
        anchored,
        r.class_a_anchored_s,
        np.where(
            speed_kn > r.class_a_very_fast_kn,
            r.class_a_very_fast_s,
            np.where(speed_kn > r.class_a_fast_kn, r.class_a_fast_s, r.class_a_underway_s),
        ),
    )
    b = np.where(speed_kn <= r.class_b_slow_max_kn, r.class_b_slow_s, r.class_b_underway_s)
    return np.where(is_b, b, a)


def _station_distance_km(lat: np.ndarray, lon: np.ndarray, stations: np.ndarray) -> np.ndarray:
    """Distance to the nearest receiver, looked up on a 0.02-degree grid (error < 1.6 km).

    The grid spans the messages' bounding box; distances are equirectangular (well within 1 %
    of great-circle at receiver ranges). Cost: one pass over the grid per station, one lookup
    per message.
    """
    if lat.size == 0:
        return np.zeros(0)
    res = 0.02
    la0, lo0 = float(lat.min()), float(lon.min())
    ni = int((lat.max() - la0) / res) + 1
    nj = int((lon.max() - lo0) / res) + 1
    g_lat = la0 + (np.arange(ni) + 0.5) * res
    g_lon = lo0 + (np.arange(nj) + 0.5) * res
    km_per_deg = M_PER_DEG_LAT / 1000.0
    coslat = np.cos(np.radians(g_lat))[:, None]
    d2 = np.full((ni, nj), np.inf)
    for s_lat, s_lon in stations:
        dy = ((g_lat - s_lat) * km_per_deg)[:, None]
        dx = ((g_lon - s_lon) * km_per_deg)[None, :] * coslat
        np.minimum(d2, dx * dx + dy * dy, out=d2)
    i = np.minimum(((lat - la0) / res).astype(np.int64), ni - 1)
    j = np.minimum(((lon - lo0) / res).astype(np.int64), nj - 1)
    return np.sqrt(d2[i, j])


def _empty_messages() -> dict[str, np.ndarray]:
    f = np.zeros(0, dtype=np.float64)
    return {
        "v": np.zeros(0, dtype=np.int64),
        "t_s": f,
        "lat": f,
        "lon": f,
        "sog_kn": f,
        "cog_deg": f,
        "heading_deg": f,
        "nav_status": np.zeros(0, dtype=np.uint8),
        "gps_jump": np.zeros(0, dtype=bool),
        "n_dropped_on_land": np.array([0]),
    }


def _group_arange(counts: np.ndarray) -> np.ndarray:
    """0..n-1 for each group of the given sizes, concatenated."""
    total = int(counts.sum())
    starts = np.repeat(np.cumsum(counts) - counts, counts)
    return np.arange(total, dtype=np.int64) - starts


def sample_messages(
    knots: Knots,
    *,
    is_class_b: np.ndarray,
    has_heading: np.ndarray,
    dark_v: np.ndarray,
    dark_t0: np.ndarray,
    dark_t1: np.ndarray,
    stations: np.ndarray,
    horizon_s: float,
    cfg: SimConfig,
    rng: np.random.Generator,
) -> dict[str, np.ndarray]:
    """Received position messages of all vessels as arrays (see the module docstring)."""
    v = knots.v
    if v.size == 0:
        return _empty_messages()
    same = v[1:] == v[:-1]
    i0 = np.nonzero(same)[0]
    i1 = i0 + 1
    sv = v[i0]
    t0, t1 = knots.t_s[i0], knots.t_s[i1]
    la0, la1 = knots.lat[i0], knots.lat[i1]
    lo0, lo1 = knots.lon[i0], knots.lon[i1]
    st = knots.status[i0]
    dur = np.maximum(t1 - t0, 1e-6)
    dist = haversine_m_np(la0, lo0, la1, lo1)
    speed_kn = dist / dur / MPS_PER_KN
    course = (
        np.degrees(np.arctan2((lo1 - lo0) * np.cos(np.radians((la0 + la1) / 2)), la1 - la0)) + 360.0
    ) % 360.0
    b = is_class_b[sv]
    nominal = _nominal_interval_s(b, speed_kn, st, cfg)
    eff = np.maximum(nominal, cfg.min_interval_s)
    k_msgs = eff / nominal
    # per-vessel phase so that message grids are stable across segments of the same interval
    phase_v = np.zeros(int(v.max()) + 1)
    phase_v[int(v.min()) :] = rng.uniform(0.0, 1.0, size=int(v.max()) + 1 - int(v.min()))
    s0 = np.maximum(t0, 0.0)
    s1 = np.minimum(t1, horizon_s)
    ph = phase_v[sv] * eff
    j0 = np.ceil((s0 - ph) / eff)
    j1 = np.ceil((s1 - ph) / eff)  # exclusive: the next segment owns its start time
    counts = np.where(s1 > s0, np.maximum(j1 - j0, 0), 0).astype(np.int64)
    seg = np.repeat(np.arange(sv.size), counts)
    j = j0[seg] + _group_arange(counts)
    t = ph[seg] + j * eff[seg]
    frac = np.clip((t - t0[seg]) / dur[seg], 0.0, 1.0)
    lat = la0[seg] + frac * (la1[seg] - la0[seg])
    lon = lo0[seg] + frac * (lo1[seg] - lo0[seg])
    mv = sv[seg]
    n = t.size

    # transmitter off
    keep = np.ones(n, dtype=bool)
    for dv, a, z in zip(dark_v.tolist(), dark_t0.tolist(), dark_t1.tolist(), strict=True):
        keep &= ~((mv == dv) & (t >= a) & (t <= z))

    # reception: nearest coast station, class-dependent range, satellite floor
    rc = cfg.reception
    d_km = _station_distance_km(lat, lon, stations)
    mb = b[seg]
    rng_km = np.where(mb, rc.class_b_range_km, rc.class_a_range_km)
    p_terr = rc.terrestrial_p / (1.0 + (d_km / rng_km) ** rc.falloff_power)
    p_sat = np.where(mb, rc.satellite_p_class_b, rc.satellite_p_class_a)
    p_msg = 1.0 - (1.0 - p_terr) * (1.0 - p_sat)
    p_bucket = 1.0 - (1.0 - p_msg) ** k_msgs[seg]
    keep &= rng.random(n) < p_bucket

    idx = np.nonzero(keep)[0]
    seg, t, lat, lon, mv = seg[idx], t[idx], lat[idx], lon[idx], mv[idx]
    n = t.size
    mb = b[seg]

    # noise
    nz = cfg.noise
    t = np.round(t + rng.uniform(-2.0, 2.0, n))
    sd = np.where(mb, nz.position_sd_m_class_b, nz.position_sd_m_class_a)
    north = rng.normal(0.0, 1.0, n) * sd
    east = rng.normal(0.0, 1.0, n) * sd
    jump = rng.random(n) < nz.gps_jump_rate
    if jump.any():
        r = rng.uniform(*nz.gps_jump_km, size=int(jump.sum())) * 1000.0
        a = rng.uniform(0, 2 * np.pi, size=r.size)
        north[jump] += r * np.cos(a)
        east[jump] += r * np.sin(a)
    lat = lat + north / M_PER_DEG_LAT
    lon = lon + east / (M_PER_DEG_LAT * np.cos(np.radians(lat)))
    sp = speed_kn[seg]
    sog = np.clip(
        sp * (1 + rng.normal(0, nz.sog_rel_sd, n)) + rng.normal(0, nz.sog_abs_sd_kn, n), 0.0, 102.0
    )
    cog_sd = nz.cog_sd_deg + 30.0 / (1.0 + 4.0 * sp)
    cog = (course[seg] + rng.normal(0, 1.0, n) * cog_sd) % 360.0
    heading = np.where(
        has_heading[mv], np.round((cog + rng.normal(0, 3.0, n)) % 360.0) % 360.0, np.nan
    )
    sog[rng.random(n) < nz.sog_unavailable_rate] = np.nan
    cog[rng.random(n) < nz.cog_unavailable_rate] = np.nan
    status = np.where(mb, STATUS_NA, st[seg]).astype(np.uint8)

    land = on_land(lat, lon)
    ok = ~land
    return {
        "v": mv[ok],
        "t_s": t[ok],
        "lat": lat[ok],
        "lon": lon[ok],
        "sog_kn": sog[ok],
        "cog_deg": cog[ok],
        "heading_deg": heading[ok],
        "nav_status": status[ok],
        "gps_jump": jump[ok],
        "n_dropped_on_land": np.array([int(land.sum())]),
    }
