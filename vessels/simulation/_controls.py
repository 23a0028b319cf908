"""Real-world control vessels (issue 13): ordinary patterns that fooled the detectors on real data.

Each control is a clean vessel (no planted behaviour) whose ``kind`` names its pattern, so
:func:`vessels.simulation.evaluate_controls` can count false events per pattern:

- ``port-crowd``: fishing boats moored together in a port (a marina point of the region), all
  silent for the same 8-12 h (AIS off at the berth): a crowded port with overlapping silences;
- ``anchorage-queue``: cargo ships at anchor side by side near the end of a shipping lane (the
  canal / port queue), silent for a few hours each;
- ``track-ends-early``: a pleasure boat moored in a marina whose AIS stops for good well before the
  data does (switched off for the night, never back in the data);
- ``leaves-coverage``: a cargo ship steaming along a lane whose track ends mid-lane (it left the
  receivers' range / the extract's box);
- ``vms-sparse``: fishing boats at their berths in and just off a port, reporting every 1-20 h
  with no navigational status (a VMS-like feed);
- ``unknown-type``: a foreign-flagged ship on a lane with no AIS ship type (not a fishing vessel).

Examples
--------
>>> from vessels.simulation._regions import REGIONS
>>> knots, static, dark, sparse = control_vessels(12, [REGIONS["yucatan"]], horizon_s=86400.0,
...                                               seed=0, first_index=5)
>>> sorted(set(static["_kind"].to_list()))[:3]
['anchorage-queue', 'leaves-coverage', 'port-crowd']
"""

from __future__ import annotations

import numpy as np
import polars as pl

from vessels import schema as S
from vessels._geo import MPS_PER_KN, haversine_m_np
from vessels.simulation._regions import MID_FLAG, Region
from vessels.simulation._sample import Knots
from vessels.simulation._track import M_PER_DEG_LAT

__all__ = ["CONTROL_KINDS", "control_vessels", "thin_sparse"]

#: The control patterns, in the order vessels are dealt to them.
CONTROL_KINDS = (
    "port-crowd",
    "anchorage-queue",
    "track-ends-early",
    "leaves-coverage",
    "vms-sparse",
    "unknown-type",
)
_TYPE = {
    "port-crowd": 30,
    "anchorage-queue": 70,
    "track-ends-early": 37,
    "leaves-coverage": 70,
    "vms-sparse": 30,
    "unknown-type": None,
}
_STEP_S = 600.0


def _jitter(rng: np.random.Generator, lat: float, lon: float, m: float) -> tuple[float, float]:
    dy, dx = rng.uniform(-m, m, 2)
    return lat + dy / M_PER_DEG_LAT, lon + dx / (M_PER_DEG_LAT * np.cos(np.radians(lat)))


def control_vessels(
    n: int, regions: list[Region], *, horizon_s: float, seed: int, first_index: int
) -> tuple[Knots, pl.DataFrame, list[tuple[int, float, float]], list[tuple[int, float]]]:
    """Knots, static rows, dark windows ``(vessel, t0, t1)`` and sparse reporters
    ``(vessel, interval_s)`` of ``n`` control vessels (indices from ``first_index``)."""
    rng = np.random.default_rng([seed, 1313])
    marinas = [m for r in regions for m in r.marinas]
    lane_ends = [lane[-1] for r in regions for lane in r.lanes]
    lanes = [lane for r in regions for lane in r.lanes]
    port = marinas[int(rng.integers(0, len(marinas)))]
    queue = lane_ends[int(rng.integers(0, len(lane_ends)))]
    crowd_dark0 = float(rng.uniform(0.1, 0.4)) * horizon_s
    v_all: list[np.ndarray] = []
    t_all: list[np.ndarray] = []
    la_all: list[np.ndarray] = []
    lo_all: list[np.ndarray] = []
    st_all: list[np.ndarray] = []
    dark: list[tuple[int, float, float]] = []
    sparse: list[tuple[int, float]] = []
    kinds: list[str] = []
    grid = np.arange(-_STEP_S, horizon_s + 2 * _STEP_S, _STEP_S)
    for i in range(n):
        kind = CONTROL_KINDS[i % len(CONTROL_KINDS)]
        kinds.append(kind)
        v = first_index + i
        t = grid
        if kind in ("port-crowd", "track-ends-early", "anchorage-queue"):
            centre = queue if kind == "anchorage-queue" else port
            spread = 1200.0 if kind == "anchorage-queue" else 250.0
            c_lat, c_lon = _jitter(rng, centre[0], centre[1], spread)
            lat = c_lat + rng.normal(0, 3.0, t.size) / M_PER_DEG_LAT
            lon = c_lon + rng.normal(0, 3.0, t.size) / M_PER_DEG_LAT
            status = np.full(t.size, 1 if kind == "anchorage-queue" else 5, dtype=np.uint8)
            if kind == "port-crowd":
                a = crowd_dark0 + float(rng.uniform(0, 1800))
                dark.append((v, a, a + float(rng.uniform(8, 12)) * 3600.0))
            elif kind == "anchorage-queue":
                a = float(rng.uniform(0.1, 0.6)) * horizon_s
                dark.append((v, a, a + float(rng.uniform(2.5, 5)) * 3600.0))
            else:
                dark.append((v, float(rng.uniform(0.3, 0.6)) * horizon_s, horizon_s + 7200.0))
        elif kind == "vms-sparse":
            # at their berths in and just off the port, swinging on a mooring (the real Mexican
            # VMS subsample has most fixes inside ports); VMS sends no navigational status.
            # Slow circling at sea would be fishing by the VMS literature's own rule (dafishr:
            # slow and at sea), so it cannot serve as a clean control.
            c_lat, c_lon = _jitter(rng, port[0], port[1], 400.0)
            ang = rng.uniform(0, 2 * np.pi) + t / 7200.0
            gps = np.random.default_rng([seed, 1313, v]).normal(0, 5.0, (2, t.size))  # own stream
            lat = c_lat + (30.0 * np.cos(ang) + gps[0]) / M_PER_DEG_LAT
            lon = c_lon + (30.0 * np.sin(ang) + gps[1]) / M_PER_DEG_LAT
            status = np.zeros(t.size, dtype=np.uint8)
            sparse.append((v, float(rng.uniform(1.0, 20.0)) * 3600.0))
        else:  # a lane vessel: leaves-coverage, unknown-type
            lane = lanes[int(rng.integers(0, len(lanes)))]
            la = np.array([p[0] for p in lane])
            lo = np.array([p[1] for p in lane])
            cum = np.concatenate(
                [[0.0], np.cumsum(haversine_m_np(la[:-1], lo[:-1], la[1:], lo[1:]))]
            )
            # steaming at 12 kn, back and forth along the lane
            d = (t - t[0]) * 12.0 * MPS_PER_KN + float(rng.uniform(0, cum[-1]))
            d = np.abs((d + cum[-1]) % (2 * cum[-1]) - cum[-1])
            lat = np.interp(d, cum, la)
            lon = np.interp(d, cum, lo)
            status = np.zeros(t.size, dtype=np.uint8)
            if kind == "leaves-coverage":
                dark.append((v, float(rng.uniform(0.3, 0.7)) * horizon_s, horizon_s + 7200.0))
        v_all.append(np.full(t.size, v, dtype=np.int64))
        t_all.append(t)
        la_all.append(lat)
        lo_all.append(lon)
        st_all.append(status)
    static = _static(kinds, first_index, rng)
    if not v_all:
        e = np.zeros(0)
        return Knots(e.astype(np.int64), e, e, e, e.astype(np.uint8)), static, dark, sparse
    knots = Knots(
        v=np.concatenate(v_all),
        t_s=np.concatenate(t_all),
        lat=np.concatenate(la_all),
        lon=np.concatenate(lo_all),
        status=np.concatenate(st_all),
    )
    return knots, static, dark, sparse


def _static(kinds: list[str], first_index: int, rng: np.random.Generator) -> pl.DataFrame:
    n = len(kinds)
    local = np.array([k in ("port-crowd", "track-ends-early", "vms-sparse") for k in kinds])
    # local boats fly the flag of the port's state (345 = Mexico); ships fly flags of convenience
    mids = np.where(local, 345, rng.choice(np.array([352, 355, 371, 636, 538]), n))
    mmsi = mids * 1_000_000 + rng.choice(np.arange(100_000, 500_000), size=n, replace=False)
    st = [_TYPE[k] for k in kinds]
    small = [k in ("port-crowd", "track-ends-early", "vms-sparse") for k in kinds]
    length = np.where(small, rng.uniform(8, 25, n), rng.uniform(90, 250, n)).round(0)
    return pl.DataFrame(
        {
            "_v": np.arange(first_index, first_index + n),
            "_key": [f"control-{i}-{k}" for i, k in enumerate(kinds)],
            "_kind": kinds,
            S.MMSI: mmsi,
            S.VESSEL_NAME: [f"CONTROL {k.upper()} {i + 1}" for i, k in enumerate(kinds)],
            "_rename_s": [None] * n,
            "_rename_to": [None] * n,
            S.CALLSIGN: [None] * n,
            S.IMO: [None] * n,
            S.SHIP_TYPE: st,
            S.LENGTH_M: length,
            S.WIDTH_M: (length / 6.5).round(0),
            S.DRAFT_M: [None] * n,
            S.DESTINATION: [None] * n,
            S.AIS_CLASS: ["B" if k == "track-ends-early" else "A" for k in kinds],
            S.FLAG: [MID_FLAG[int(m)] for m in mids],
        },
        schema_overrides={
            "_v": pl.Int64,
            S.MMSI: pl.UInt32,
            "_rename_s": pl.Float64,
            "_rename_to": pl.String,
            S.CALLSIGN: pl.String,
            S.IMO: pl.UInt32,
            S.SHIP_TYPE: pl.UInt8,
            S.LENGTH_M: pl.Float32,
            S.WIDTH_M: pl.Float32,
            S.DRAFT_M: pl.Float32,
            S.DESTINATION: pl.String,
        },
    )


def thin_sparse(frame: pl.DataFrame, sparse: list[tuple[int, float]]) -> pl.DataFrame:
    """Keep one message per ``interval_s`` of each sparse reporter (``_v``, ``_t_s`` columns).

    Examples
    --------
    >>> f = pl.DataFrame({"_v": [1] * 10 + [2] * 10, "_t_s": [float(i * 600) for i in range(20)]})
    >>> thin_sparse(f, [(1, 3600.0)]).height
    12
    """
    if not sparse:
        return frame
    iv = pl.DataFrame(
        {"_v": [v for v, _ in sparse], "_iv": [s for _, s in sparse]},
        schema={"_v": frame.schema["_v"], "_iv": pl.Float64},
    )
    f = frame.with_row_index("_row").join(iv, on="_v", how="left", maintain_order="left")
    bucket = (pl.col("_t_s") / pl.col("_iv")).floor()
    keep = pl.col("_iv").is_null() | (
        pl.col("_row") == pl.col("_row").min().over("_v", bucket)
    ).fill_null(True)
    return f.filter(keep).drop("_row", "_iv")
