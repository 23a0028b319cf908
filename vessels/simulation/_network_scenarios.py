"""Scenarios beyond single vessels (issue 19): a carrier serving six boats, a fleet at an EEZ edge.

- ``carrier-network``: a Panama-flagged reefer on the high seas west of Mexico's Pacific EEZ
  serves six Chinese longliners one after another, creeping 4 km on at 1.5 kn after each (3 h
  alongside each: six planted ``encounter`` pairs; the reefer's ``loitering`` from the first
  service to the last), then steams on towards Manzanillo. The longliners set, soak and haul
  longlines before and after their meeting (``fishing`` per set) and steam between sets. The seven
  vessels form one network with the reefer as its hub (it met six distinct vessels). Four
  longliners fishing alone nearby (``fishing`` per set) are in no network; two cargo ships
  passing through are the clean controls.
- ``eez-fleet``: 200 Chinese squid jiggers mass 15–45 km outside Mexico's Pacific EEZ boundary,
  at least 3 km apart (planted ``fleet_presence`` per member, from its arrival to the end); they
  jig drifting slowly with the current and on their own (``fishing``, and ``loitering`` by its
  kinematic definition: slower than 2 kn for hours far from shore). Three of them cross 25 km
  into the EEZ and jig there for 5 h (``eez_incursion`` truth from the zone geometry;
  ``fishing`` inside, zone ``eez-MEX``). 12 Korean jiggers scattered along the same line (too
  few for a fleet: ``fishing``/``loitering``, no ``fleet_presence``) and 15 Mexican longliners
  fishing inside their own EEZ near the line (``fishing`` per set); three cargo ships running up
  and down the line are the clean controls.

Examples
--------
>>> sb = eez_fleet(0, 50.0)
>>> sum(1 for e in sb.planted if e.event_type == "fleet_presence")
200
>>> sb = carrier_network(0, 50.0)
>>> sum(1 for e in sb.planted if e.event_type == "encounter")
6
>>> sum(1 for e in sb.planted if e.event_type == "fishing") >= 10
True
"""

from __future__ import annotations

import math
from functools import cache

import numpy as np
import shapely

from vessels import schema as S
from vessels._geo import MPS_PER_KN
from vessels.simulation._scenarios import H, ScenarioBuild, _pos_at, _rng
from vessels.simulation._track import Plan, VesselSpec, offset_deg

__all__ = ["FLEET_SIZE", "carrier_network", "eez_fleet"]

#: Members of the simulated distant-water fleet.
FLEET_SIZE = 200
#: Least distance between two drifting jiggers' spots (m): a fleet spreads out so that its
#: lights do not compete; closer spots would also make chance encounters of drifting neighbours.
JIGGER_SPACING_M = 3_000.0
#: Hours a longline set takes at most (set ~2 h, soak <= 3 h, haul ~3 h) plus the steam after it.
_SET_H = 9.0


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


def _far_enough(spot: tuple[float, float], taken: list[tuple[float, float]]) -> bool:
    """Whether ``spot`` is at least :data:`JIGGER_SPACING_M` from every taken spot."""
    if not taken:
        return True
    lat = np.radians([t[0] for t in taken])
    lon = np.radians([t[1] for t in taken])
    la, lo = math.radians(spot[0]), math.radians(spot[1])
    a = np.sin((lat - la) / 2) ** 2 + math.cos(la) * np.cos(lat) * np.sin((lon - lo) / 2) ** 2
    return bool((2 * 6_371_000.0 * np.arcsin(np.sqrt(a))).min() >= JIGGER_SPACING_M)


def _outside(
    r: np.random.Generator, taken: list[tuple[float, float]]
) -> tuple[float, float, float]:
    """(lat, lon, edge lon): a spot 15-45 km west of the EEZ limit, at least 12 km (0.11 deg)
    from every part of it (the limit is not a meridian: drift must not carry a jigger in) and
    :data:`JIGGER_SPACING_M` from every spot already taken (which it joins)."""
    mex = _mex_edge()
    while True:
        lat = float(r.uniform(23.7, 24.8))
        edge = _edge_lon(lat)
        spot = offset_deg(lat, edge, -float(r.uniform(15_000, 45_000)), 0.0)
        if shapely.distance(mex, shapely.Point(spot[1], spot[0])) >= 0.11 and _far_enough(
            spot, taken
        ):
            taken.append(spot)
            return spot[0], spot[1], edge


#: The current the jiggers drift with (kn, towards degrees): parallel to the EEZ limit, so the
#: fleet keeps its distance to it; all drift together, which is why drifting neighbours do not meet.
CURRENT = (0.05, 315.0)


def _jig(p: Plan, hours: float, *, wander_kn: float = 0.05) -> tuple[float, float]:
    """Jig for ``hours``: drift with :data:`CURRENT` plus a small own wander (status 7)."""
    t0 = p.t_s
    n = max(1, round(hours * 6.0))  # 10-min steps
    dt = hours * 3600.0 / n
    cur_m = CURRENT[0] * MPS_PER_KN * dt
    ch = math.radians(CURRENT[1])
    heading = float(p.rng.uniform(0, 360))
    for _ in range(n):
        heading += float(p.rng.normal(0, 40))
        w = wander_kn * MPS_PER_KN * dt * float(p.rng.uniform(0.3, 1.0))
        h = math.radians(heading)
        p.statuses[-1] = 7
        p.lat, p.lon = offset_deg(
            p.lat,
            p.lon,
            cur_m * math.sin(ch) + w * math.sin(h),
            cur_m * math.cos(ch) + w * math.cos(h),
        )
        p.t_s += dt
        p._knot(7)
    return t0, p.t_s


def _steam_for(p: Plan, hours: float, speed_kn: float, heading_deg: float) -> None:
    """Steam out and back along ``heading_deg`` for ``hours`` (never slow: no loitering)."""
    if hours <= 0.05:
        return
    leg_m = speed_kn * 1852.0 * hours / 2.0
    h = math.radians(heading_deg)
    lat0, lon0 = p.lat, p.lon
    p.go(*offset_deg(lat0, lon0, leg_m * math.sin(h), leg_m * math.cos(h)), speed_kn=speed_kn)
    p.go(lat0, lon0, speed_kn=speed_kn)


def _longlines_until(p: Plan, t_end_s: float, heading_deg: float) -> list[tuple[float, float]]:
    """Longline sets (set, soak < 4 h, haul) one after another, steaming 8 km between them,
    while a whole set still fits before ``t_end_s``; then steam until then. The sets' times."""
    sets = []
    while t_end_s - p.t_s >= _SET_H * H:
        hd = heading_deg + float(p.rng.normal(0, 20))
        sets.append(
            p.longline(
                set_h=float(p.rng.uniform(1.5, 2.0)),
                soak_h=float(p.rng.uniform(2.5, 3.0)),
                heading_deg=hd,
            )
        )
        p.go(*offset_deg(p.lat, p.lon, 8_000.0 * math.sin(math.radians(hd + 90)), 0.0), 9.0)
    _steam_for(p, (t_end_s - p.t_s) / H, 9.0, heading_deg + 90)
    return sets


def _plant_sets(
    sb: ScenarioBuild, key: str, sets: list[tuple[float, float]], description: str
) -> None:
    for f0, f1 in sets:
        sb.plant(
            event_type=S.FISHING,
            keys=(key,),
            t0_s=f0,
            t1_s=f1,
            illegal=False,
            description=description,
            zone_id=None,
            subtype="longline",
        )


def _cargo(sb: ScenarioBuild, seed: int, n: int, route: list[tuple[float, float]]) -> None:
    """A cargo ship steaming along ``route`` at 13 kn (a clean control: no planted behaviour;
    the route is long enough to last the scenario: a track ending early reads as going dark)."""
    p = Plan(_rng(seed, sb.name, 900 + n), lat=route[0][0], lon=route[0][1], status=0)
    p.route(route[1:], speed_kn=13.0)  # under way from the first to the last hour
    sb.add(
        VesselSpec(
            key=f"cargo-{n + 1}",
            mmsi=636_019_001 + n,
            name=f"PACIFIC TRADER {n + 1}",
            kind="cargo",
            flag="LBR",
            ship_type=70,
            ais_class="A",
            length_m=180.0,
            width_m=30.0,
            draft_m=10.5,
            plan=p,
            callsign=f"D5XY{n}",
            imo=9_400_001 + n,
            destination="LAZARO CARDENAS",
        )
    )


def eez_fleet(seed: int, end_h: float = 50.0) -> ScenarioBuild:
    """A 200-vessel fleet along Mexico's Pacific EEZ edge, three members crossing in."""
    sb = ScenarioBuild("eez-fleet")
    r = _rng(seed, sb.name, 0)
    taken: list[tuple[float, float]] = []
    crossers = {17: 10.0, 83: 20.0, 151: 30.0}  # member -> hour it crosses in
    jigging = "squid jigging, drifting under lights"
    slow = "drifting while jigging: slower than 2 kn for hours far from shore"
    for i in range(FLEET_SIZE):
        lat, lon, edge = _outside(r, taken)
        spot = (lat, lon)
        p = Plan(_rng(seed, sb.name, 100 + i), lat=spot[0], lon=spot[1] - 0.4, status=0)
        p.at(float(r.uniform(0.0, 2.0)) * H)
        p.go(*spot, speed_kn=10.0)
        arrived = p.t_s
        drifts = []
        inside = None
        if i in crossers:
            drifts.append(_jig(p, crossers[i] - p.t_s / H))
            p.go(*offset_deg(lat, edge, 25_000.0, 0.0), speed_kn=9.0)
            inside = _jig(p, 5.0)
            p.go(*spot, speed_kn=9.0)
        drifts.append(_jig(p, max(0.5, end_h - p.t_s / H)))
        v = sb.add(
            VesselSpec(
                key=f"jigger-{i + 1:03d}",
                mmsi=412_500_001 + i,
                name=f"LU YAN YUAN YU {100 + i}",
                kind="squid-jigger",
                flag="CHN",
                ship_type=30,
                ais_class="A",
                length_m=62.0,
                width_m=10.0,
                draft_m=4.5,
                plan=p,
                callsign=f"BZ{4000 + i}",
            )
        )
        sb.plant(
            event_type=S.FLEET_PRESENCE,
            keys=(v.key,),
            t0_s=arrived,
            t1_s=end_h * H,
            illegal=False,
            description="one of 200 Chinese squid jiggers massed along Mexico's Pacific EEZ edge",
            zone_id=None,
            subtype="distant_water_fleet",
        )
        for d0, d1 in drifts:
            sb.plant(
                event_type=S.FISHING,
                keys=(v.key,),
                t0_s=d0,
                t1_s=d1,
                illegal=False,
                description=jigging,
                zone_id=None,
                subtype="squid_jigging",
            )
            sb.plant(
                event_type=S.LOITERING,
                keys=(v.key,),
                t0_s=d0,
                t1_s=d1,
                illegal=False,
                description=slow,
                zone_id=None,
                subtype="fishing_drift",
            )
        if inside is not None:
            sb.plant(
                event_type=S.FISHING,
                keys=(v.key,),
                t0_s=inside[0],
                t1_s=inside[1],
                illegal=True,
                description="a fleet member jigging inside Mexico's EEZ",
                zone_id="eez-MEX",
                subtype="squid_jigging",
            )
            sb.plant(
                event_type=S.LOITERING,
                keys=(v.key,),
                t0_s=inside[0],
                t1_s=inside[1],
                illegal=True,
                description=slow,
                zone_id="eez-MEX",
                subtype="fishing_drift",
            )
    for i in range(12):  # a few Korean jiggers along the same line: too few to be a fleet
        lat, lon, _ = _outside(r, taken)
        p = Plan(_rng(seed, sb.name, 400 + i), lat=lat, lon=lon, status=7)
        d0, d1 = _jig(p, end_h)
        v = sb.add(
            VesselSpec(
                key=f"kr-jigger-{i + 1}",
                mmsi=440_100_001 + i,
                name=f"OYANG {70 + i}",
                kind="squid-jigger",
                flag="KOR",
                ship_type=30,
                ais_class="A",
                length_m=58.0,
                width_m=9.5,
                draft_m=4.2,
                plan=p,
            )
        )
        sb.plant(
            event_type=S.FISHING,
            keys=(v.key,),
            t0_s=d0,
            t1_s=d1,
            illegal=False,
            description=jigging,
            zone_id=None,
            subtype="squid_jigging",
        )
        sb.plant(
            event_type=S.LOITERING,
            keys=(v.key,),
            t0_s=d0,
            t1_s=d1,
            illegal=False,
            description=slow,
            zone_id=None,
            subtype="fishing_drift",
        )
    for i in range(15):  # Mexican longliners inside their own EEZ near the line
        lat = float(r.uniform(23.7, 24.8))
        spot = offset_deg(lat, _edge_lon(lat), float(r.uniform(15_000, 40_000)), 0.0)
        p = Plan(_rng(seed, sb.name, 500 + i), lat=spot[0], lon=spot[1], status=7)
        p.at(float(r.uniform(0.0, 3.0)) * H, status=0)
        sets = _longlines_until(p, end_h * H, float(r.choice([0.0, 180.0])))
        v = sb.add(
            VesselSpec(
                key=f"mx-longliner-{i + 1}",
                mmsi=345_300_001 + i,
                name=f"DON PEPE {i + 1}",
                kind="longliner",
                flag="MEX",
                ship_type=30,
                ais_class="A",
                length_m=24.0,
                width_m=6.5,
                draft_m=2.8,
                plan=p,
            )
        )
        _plant_sets(sb, v.key, sets, "Mexican longlining in Mexico's EEZ")
    for n, lon in enumerate((-117.2, -116.6, -116.0)):  # cargo ships running along the line
        north, south = (25.6, lon), (22.8, lon + 0.3)
        leg = [north, south] if n % 2 == 0 else [south, north]
        _cargo(sb, seed, n, leg * 3)  # up and down the line
    return sb


def carrier_network(seed: int, end_h: float = 50.0) -> ScenarioBuild:
    """A reefer on the high seas serving six longliners one after another."""
    sb = ScenarioBuild("carrier-network")
    r = _rng(seed, sb.name, 0)
    ground = (21.2, -121.0)
    reefer = Plan(_rng(seed, sb.name, 10), lat=20.6, lon=-119.0, status=0)
    reefer.go(*ground, speed_kn=12.0)
    # one service per spot, creeping 4 km on at 1.5 kn between services: carriers go to the
    # boats (a crowd of vessels stopping at one spot would read as an anchorage, see
    # events.coverage), and the reefer stays slow from the first service to the last (loitering)
    services = []
    for k in range(6):
        services.append(reefer.stay(4.0, drift_kn=0.3, status=0, step_min=15))
        if k < 5:
            reefer.go(*offset_deg(reefer.lat, reefer.lon, 4_000.0, 0.0), speed_kn=1.5)
    lo0, lo1 = services[0][0], services[-1][1]
    # then on towards Manzanillo, at sea until the data ends (no idling offshore)
    left_m = 12.0 * 1852.0 * max(0.5, end_h - reefer.t_s / H)
    reefer.go(*offset_deg(reefer.lat, reefer.lon, left_m * 0.97, -left_m * 0.2), speed_kn=12.0)
    rv = sb.add(
        VesselSpec(
            key="reefer",
            mmsi=352_001_234,
            name="FRIGO PACIFICO",
            kind="reefer",
            flag="PAN",
            ship_type=70,
            ais_class="A",
            length_m=110.0,
            width_m=17.0,
            draft_m=7.0,
            plan=reefer,
            callsign="3FQP7",
            imo=9234567,
            destination="MANZANILLO",
        )
    )
    sb.plant(
        event_type=S.LOITERING,
        keys=(rv.key,),
        t0_s=lo0,
        t1_s=lo1,
        illegal=True,
        description="reefer slow on the high seas for a day and a half, serving longliners one "
        "after another",
        zone_id=None,
        subtype="carrier",
    )
    longlining = "Chinese longlining on the high seas"
    for n in range(6):
        t_meet = services[n][0] + 0.5 * H
        start = offset_deg(*ground, float(r.uniform(-30_000, 30_000)), -30_000.0)
        p = Plan(_rng(seed, sb.name, 20 + n), lat=start[0], lon=start[1], status=0)
        alongside = _pos_at(reefer, t_meet)
        # fish until it must leave for the meeting (3 h covers the way at 10 kn), then go
        before = _longlines_until(p, t_meet - 4.0 * H, 180.0)
        p.go(*offset_deg(*alongside, 70, 40), speed_kn=10.0)
        if p.t_s < t_meet - 0.2 * H:  # early: steam about near the meeting point
            _steam_for(p, (t_meet - p.t_s) / H - 0.2, 9.0, 0.0)
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
        p.go(*offset_deg(*alongside, -40_000.0, -30_000.0), speed_kn=10.0)
        after = _longlines_until(p, end_h * H, 0.0)
        v = sb.add(
            VesselSpec(
                key=f"longliner-{n + 1}",
                mmsi=412_600_001 + n,
                name=f"ZHONG YU {700 + n}",
                kind="longliner",
                flag="CHN",
                ship_type=30,
                ais_class="A",
                length_m=45.0,
                width_m=8.0,
                draft_m=3.5,
                plan=p,
                callsign=f"BZW{60 + n}",
            )
        )
        sb.plant(
            event_type=S.ENCOUNTER,
            keys=(v.key, rv.key),
            t0_s=e0,
            t1_s=e1,
            illegal=True,
            description="longliner alongside the reefer for 3 h (transshipment at sea)",
            zone_id=None,
            subtype="transshipment",
        )
        _plant_sets(sb, v.key, before + after, longlining)
    for n in range(4):  # longliners fishing alone nearby: in no network
        start = offset_deg(*ground, float(r.uniform(-80_000, 80_000)), 60_000.0 + 15_000 * n)
        p = Plan(_rng(seed, sb.name, 40 + n), lat=start[0], lon=start[1], status=0)
        sets = _longlines_until(p, end_h * H, float(r.uniform(0.0, 360.0)))
        v = sb.add(
            VesselSpec(
                key=f"solo-longliner-{n + 1}",
                mmsi=412_700_001 + n,
                name=f"HAI FENG {800 + n}",
                kind="longliner",
                flag="CHN",
                ship_type=30,
                ais_class="A",
                length_m=42.0,
                width_m=7.5,
                draft_m=3.2,
                plan=p,
            )
        )
        _plant_sets(sb, v.key, sets, longlining)
    # clean controls passing through, on to ports far away
    _cargo(sb, seed, 0, [(22.4, -123.5), (19.4, -116.5), (17.9, -102.2)])
    _cargo(sb, seed, 1, [(19.8, -123.0), (22.6, -117.5), (31.9, -117.0)])
    return sb
