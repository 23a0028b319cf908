"""Scenarios beyond single vessels (issue 19): a carrier serving six boats, a fleet at an EEZ edge.

- ``carrier-network``: a Panama-flagged reefer on the high seas west of Mexico's Pacific EEZ
  serves six Chinese longliners one after another, moving 8 km on after each (3 h alongside each:
  six planted ``encounter`` pairs; the reefer's ``loitering``).
  The seven vessels form one network with the
  reefer as its hub (it met six distinct vessels). Controls: four longliners fishing alone nearby.
- ``eez-fleet``: 200 Chinese squid jiggers mass 15–40 km outside Mexico's Pacific EEZ boundary
  (planted ``fleet_presence`` per member, from its arrival to the end); three of them cross
  25 km into the EEZ for 5 h (``eez_incursion`` truth from the zone geometry). Controls: 12
  Korean jiggers scattered along the same line (too few for a fleet) and 15 Mexican boats
  fishing inside their own EEZ near the line.

Examples
--------
>>> sb = eez_fleet(0, 50.0)
>>> sum(1 for e in sb.planted if e.event_type == "fleet_presence")
200
>>> sb = carrier_network(0, 50.0)
>>> sum(1 for e in sb.planted if e.event_type == "encounter")
6
"""

from __future__ import annotations

from functools import cache

import numpy as np
import shapely

from vessels import schema as S
from vessels.simulation._scenarios import H, ScenarioBuild, _pos_at, _rng
from vessels.simulation._track import Plan, VesselSpec, offset_deg

__all__ = ["FLEET_SIZE", "carrier_network", "eez_fleet"]

#: Members of the simulated distant-water fleet.
FLEET_SIZE = 200


@cache
def _mex_edge() -> shapely.Geometry:
    """Mexico's EEZ from the shipped zone layer (the line the fleet masses along)."""
    from vessels.zones import default_zones

    z = default_zones()
    return z[z["zone_id"] == "eez-MEX"].geometry.iloc[0]


def _edge_lon(lat: float) -> float:
    """Longitude of the western (seaward) limit of Mexico's EEZ at a latitude."""
    line = shapely.LineString([(-135.0, lat), (-100.0, lat)])
    xs = [c[0] for g in shapely.get_parts(_mex_edge().intersection(line)) for c in g.coords]
    return float(min(xs))


def _outside(r: np.random.Generator) -> tuple[float, float, float]:
    """(lat, lon, edge lon): a spot 15-40 km west of the EEZ limit and at least 12 km (0.11 deg)
    from every part of it (the limit is not a meridian: drift must not carry a jigger in)."""
    mex = _mex_edge()
    while True:
        lat = float(r.uniform(23.7, 24.8))
        edge = _edge_lon(lat)
        spot = offset_deg(lat, edge, -float(r.uniform(15_000, 40_000)), 0.0)
        if shapely.distance(mex, shapely.Point(spot[1], spot[0])) >= 0.11:
            return spot[0], spot[1], edge


def eez_fleet(seed: int, end_h: float = 50.0) -> ScenarioBuild:
    """A 200-vessel fleet along Mexico's Pacific EEZ edge, three members crossing in."""
    sb = ScenarioBuild("eez-fleet")
    r = _rng(seed, sb.name, 0)
    crossers = {17: 10.0, 83: 20.0, 151: 30.0}  # member -> hour it crosses in
    for i in range(FLEET_SIZE):
        lat, lon, edge = _outside(r)
        spot = (lat, lon)
        p = Plan(_rng(seed, sb.name, 100 + i), lat=spot[0], lon=spot[1] - 0.4, status=0)
        p.at(float(r.uniform(0.0, 2.0)) * H)
        p.go(*spot, speed_kn=10.0)
        arrived = p.t_s
        if i in crossers:
            p.stay(crossers[i] - p.t_s / H, drift_kn=0.25, status=7)
            inside = offset_deg(lat, edge, 25_000.0, 0.0)
            p.go(*inside, speed_kn=9.0)
            p.stay(5.0, drift_kn=0.25, status=7)
            p.go(*spot, speed_kn=9.0)
        p.stay(max(0.5, end_h - p.t_s / H), drift_kn=0.25, status=7)
        v = sb.add(
            VesselSpec(
                f"jigger-{i + 1:03d}",
                412_500_001 + i,
                f"LU YAN YUAN YU {100 + i}",
                "squid-jigger",
                "CHN",
                30,
                "A",
                62.0,
                10.0,
                4.5,
                p,
                callsign=f"BZ{4000 + i}",
            )
        )
        sb.plant(
            S.FLEET_PRESENCE,
            (v.key,),
            arrived,
            end_h * H,
            False,
            "one of 200 Chinese squid jiggers massed along Mexico's Pacific EEZ edge",
            None,
            "distant_water_fleet",
        )
    for i in range(12):  # a few Korean jiggers along the same line: too few to be a fleet
        lat, lon, _ = _outside(r)
        p = Plan(_rng(seed, sb.name, 400 + i), lat=lat, lon=lon, status=7)
        p.stay(end_h, drift_kn=0.25, status=7)
        sb.add(
            VesselSpec(
                f"kr-jigger-{i + 1}",
                440_100_001 + i,
                f"OYANG {70 + i}",
                "squid-jigger",
                "KOR",
                30,
                "A",
                58.0,
                9.5,
                4.2,
                p,
            )
        )
    for i in range(15):  # Mexican boats inside their own EEZ near the line
        lat = float(r.uniform(23.7, 24.8))
        spot = offset_deg(lat, _edge_lon(lat), float(r.uniform(10_000, 40_000)), 0.0)
        p = Plan(_rng(seed, sb.name, 500 + i), lat=spot[0], lon=spot[1], status=7)
        p.stay(end_h, drift_kn=0.25, status=7)
        sb.add(
            VesselSpec(
                f"mx-longliner-{i + 1}",
                345_300_001 + i,
                f"DON PEPE {i + 1}",
                "longliner",
                "MEX",
                30,
                "A",
                24.0,
                6.5,
                2.8,
                p,
            )
        )
    return sb


def carrier_network(seed: int, end_h: float = 50.0) -> ScenarioBuild:
    """A reefer on the high seas serving six longliners one after another."""
    sb = ScenarioBuild("carrier-network")
    r = _rng(seed, sb.name, 0)
    ground = (21.2, -121.0)
    reefer = Plan(_rng(seed, sb.name, 10), lat=20.6, lon=-119.0, status=0)
    reefer.go(*ground, speed_kn=12.0)
    # one service per spot, moving 8 km on between services: carriers go to the boats (and a
    # crowd of vessels stopping at one spot would read as an anchorage, see events.coverage)
    services = []
    for _ in range(6):
        services.append(reefer.stay(4.0, drift_kn=0.3, status=0, step_min=15))
        reefer.go(*offset_deg(reefer.lat, reefer.lon, 8_000.0, 0.0), speed_kn=10.0)
    lo0, lo1 = services[0][0], services[-1][1]
    reefer.go(20.0, -117.0, speed_kn=12.0)
    reefer.stay(max(0.5, end_h - reefer.t_s / H), drift_kn=0.3, status=0)
    rv = sb.add(
        VesselSpec(
            "reefer",
            352_001_234,
            "FRIGO PACIFICO",
            "reefer",
            "PAN",
            70,
            "A",
            110.0,
            17.0,
            7.0,
            reefer,
            callsign="3FQP7",
            imo=9234567,
            destination="MANZANILLO",
        )
    )
    sb.plant(
        S.LOITERING,
        (rv.key,),
        lo0,
        lo1,
        True,
        "reefer drifting on the high seas for 27 h, serving longliners one after another",
        None,
        "carrier",
    )
    for n in range(6):
        t_meet = services[n][0] + 0.5 * H
        start = offset_deg(*ground, float(r.uniform(-60_000, 60_000)), -70_000.0)
        p = Plan(_rng(seed, sb.name, 20 + n), lat=start[0], lon=start[1], status=7)
        p.stay(max(0.5, (t_meet / H) - 5.0), drift_kn=0.8, status=7)  # fishing before
        alongside = _pos_at(reefer, t_meet)
        p.go(*offset_deg(*alongside, 70, 40), speed_kn=10.0)
        p.at(max(p.t_s, t_meet))
        e0 = p.t_s
        for tt in np.arange(e0 + 900, e0 + 3.0 * H + 1, 900):
            la, lo = _pos_at(reefer, float(tt))
            p.go(
                *offset_deg(la, lo, 60 + r.normal(0, 15), 30 + r.normal(0, 15)),
                speed_kn=1.0,
                status=0,
            )
            p.t_s = float(tt)
            p.t[-1] = p.t_s
        e1 = p.t_s
        p.go(*offset_deg(*alongside, -80_000.0, -40_000.0), speed_kn=10.0)
        p.stay(max(0.5, end_h - p.t_s / H), drift_kn=0.8, status=7)
        v = sb.add(
            VesselSpec(
                f"longliner-{n + 1}",
                412_600_001 + n,
                f"ZHONG YU {700 + n}",
                "longliner",
                "CHN",
                30,
                "A",
                45.0,
                8.0,
                3.5,
                p,
                callsign=f"BZW{60 + n}",
            )
        )
        sb.plant(
            S.ENCOUNTER,
            (v.key, rv.key),
            e0,
            e1,
            True,
            "longliner alongside the reefer for 3 h (transshipment at sea)",
            None,
            "transshipment",
        )
    for n in range(4):  # longliners fishing alone nearby (controls)
        start = offset_deg(*ground, float(r.uniform(-80_000, 80_000)), 60_000.0 + 15_000 * n)
        p = Plan(_rng(seed, sb.name, 40 + n), lat=start[0], lon=start[1], status=7)
        p.stay(end_h, drift_kn=0.8, status=7)
        sb.add(
            VesselSpec(
                f"solo-longliner-{n + 1}",
                412_700_001 + n,
                f"HAI FENG {800 + n}",
                "longliner",
                "CHN",
                30,
                "A",
                42.0,
                7.5,
                3.2,
                p,
            )
        )
    return sb
