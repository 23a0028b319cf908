"""Planted port calls: coastal freighters that berth in World Port Index ports, with truth.

``simulate(..., port_calls=N)`` adds ``N`` coasters to a scenario. Each sails a round of two real
WPI ports of the scenario's region (:data:`PORT_ROUNDS`): from the open sea to the first port's
berth, a stay of 3-6 h moored (nav status 5, no drift), out and along the coast to the second
port, another stay, and out to sea again. Every stay is a planted ``port_visit`` truth row (from
the arrival at the berth to the departure); the port visit detector measures it from the
``in_port`` label (the WPI harbour-size radius), so its visit starts up to ~30 min earlier (the
approach inside the radius), which the evaluator's default one-hour tolerance absorbs.

The berth is the first point in water (Natural Earth, as the simulator's land mask; and not
land in the world layer) found on rings every 0.4 km (up to 0.8 of the in-port radius) around
the WPI position (WPI positions are often on land); the approach waypoints are hand-placed
offshore of each port.

Examples
--------
>>> from vessels.simulation._scenarios import ScenarioBuild
>>> sb = ScenarioBuild("gulf-of-california")
>>> add_port_calls(sb, "gulf-of-california", seed=0, n=1, end_h=50.0)
>>> [p.event_type for p in sb.planted], sb.vessels[0].kind
(['port_visit', 'port_visit'], 'coaster')
"""

from __future__ import annotations

import math
from functools import lru_cache

import numpy as np

from vessels import schema as S
from vessels.simulation._scenarios import SCENARIO_REGIONS, ScenarioBuild
from vessels.simulation._track import Plan, VesselSpec, offset_deg

__all__ = ["PORT_ROUNDS", "add_port_calls", "berth"]

H = 3600.0

#: region -> rounds: (open-sea start, (WPI port, offshore approach waypoint), (second port, its
#: waypoint), open-sea end), all (lat, lon); straight legs between them stay at sea.
Round = tuple[
    tuple[float, float],
    tuple[str, tuple[float, float]],
    tuple[str, tuple[float, float]],
    tuple[float, float],
]
PORT_ROUNDS: dict[str, tuple[Round, ...]] = {
    "gulf-of-california": (
        (
            (27.00, -111.50),
            ("Santa Rosalia", (27.30, -112.15)),
            ("Isla San Marcos", (27.18, -112.00)),
            (27.00, -111.50),
        ),
        (
            (25.20, -109.60),
            ("Topolobampo", (25.45, -109.20)),
            ("Mazatlan", (23.12, -106.50)),
            (23.00, -106.80),
        ),
    ),
    "yucatan": (
        (
            (20.20, -91.50),
            ("Campeche", (19.90, -90.75)),
            ("Ciudad Del Carmen", (18.75, -91.90)),
            (19.20, -92.30),
        ),
    ),
    "pacific-eez": (
        (
            (31.60, -117.00),
            ("Ensenada", (31.80, -116.75)),
            ("Rosarito", (32.36, -117.20)),
            (32.20, -117.60),
        ),
    ),
}


@lru_cache(maxsize=64)
def berth(port_name: str) -> tuple[float, float, float]:
    """(lat, lon, radius_km) of a water point within 0.8 of the in-port radius of the Mexican
    WPI port ``port_name`` (rings every 0.4 km, 16 bearings, nearest first)."""
    import polars as pl

    from vessels.simulation._land import on_land
    from vessels.zones import load_ports
    from vessels.zones._world import LAND, geo_class_codes

    row = load_ports().filter((pl.col("port_name") == port_name) & (pl.col("iso3") == "MEX"))
    if row.height != 1:
        raise KeyError(f"no unique Mexican World Port Index port named {port_name!r}")
    lat0, lon0, radius = (float(row[c][0]) for c in ("lat", "lon", "radius_km"))
    cand = [(lat0, lon0)]
    for r_m in np.arange(400.0, 0.8 * radius * 1000.0 + 1.0, 400.0):
        for k in range(16):
            a = 2 * math.pi * k / 16
            cand.append(offset_deg(lat0, lon0, r_m * math.sin(a), r_m * math.cos(a)))
    la = np.array([c[0] for c in cand])
    lo = np.array([c[1] for c in cand])
    ok = ~on_land(la, lo) & (geo_class_codes(la, lo) != LAND)
    if not ok.any():
        raise ValueError(f"no water within 0.8 radius of the WPI position of {port_name!r}")
    i = int(np.flatnonzero(ok)[0])
    return float(la[i]), float(lo[i]), radius


def add_port_calls(sb: ScenarioBuild, scenario: str, *, seed: int, n: int, end_h: float) -> None:
    """Add ``n`` coasters calling at two WPI ports each, with ``port_visit`` planted."""
    rounds = [r for reg in SCENARIO_REGIONS[scenario] for r in PORT_ROUNDS.get(reg, ())]
    if n <= 0 or not rounds:
        return
    for i in range(n):
        rng = np.random.default_rng([seed, 9090, i])
        start, (p1, w1), (p2, w2), end = rounds[i % len(rounds)]
        if i // len(rounds) % 2:  # every other coaster sails the round the other way
            start, (p1, w1), (p2, w2), end = end, (p2, w2), (p1, w1), start
        b1, b2 = berth(p1), berth(p2)
        speed = float(rng.uniform(9.0, 12.0))
        p = Plan(rng, lat=start[0], lon=start[1], status=0)
        p.at(float(rng.uniform(0.5, 6.0)) * H, status=0)
        p.go(*w1, speed_kn=speed)
        p.go(b1[0], b1[1], speed_kn=6.0)
        a1, d1 = p.stay(float(rng.uniform(3.0, 6.0)), drift_kn=0.0, status=5)
        p.go(*w1, speed_kn=6.0)
        p.go(*w2, speed_kn=speed)
        p.go(b2[0], b2[1], speed_kn=6.0)
        a2, d2 = p.stay(float(rng.uniform(3.0, 6.0)), drift_kn=0.0, status=5)
        p.go(*w2, speed_kn=6.0)
        p.go(*end, speed_kn=speed)
        p.at(end_h * H, status=0)
        v = sb.add(
            VesselSpec(
                key=f"coaster-{i + 1}",
                mmsi=345070801 + i,
                name=f"COSTERO {i + 1}",
                kind="coaster",
                flag="MEX",
                ship_type=70,
                ais_class="A",
                length_m=float(rng.uniform(60.0, 110.0)),
                width_m=14.0,
                draft_m=5.0,
                plan=p,
                callsign=f"XCPC{i + 1}",
                imo=9_300_000 + 7 * i,
                destination=p2.upper()[:20],
            )
        )
        for port, a, d in ((p1, a1, d1), (p2, a2, d2)):
            sb.plant(
                event_type=S.PORT_VISIT,
                keys=(v.key,),
                t0_s=a,
                t1_s=d,
                illegal=False,
                description=f"port call at {port} (WPI)",
            )
