"""The named scenarios: which vessels, what each does, and what is planted.

Times are seconds after the scenario start (default 2024-03-01 00:00 UTC: 17:00 in Sonora and
Baja California Sur (UTC-7), 18:00 in Yucatán (UTC-6); night falls about 1-2 h into the
scenario — the staging assumes that default start). Plans are staged for 50 h and stretched to
the requested period (vessels wait in port or drift at the end). Every
scenario vessel is built from a few plan verbs (see :mod:`vessels.simulation._track`); each planted
behaviour is recorded as a :class:`PlantedEvent` and turned into truth rows after sampling.

Examples
--------
>>> sorted(SCENARIOS)
['carrier-network', 'eez-fleet', 'gulf-of-california', 'mixed', 'pacific-eez', 'yucatan']
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

from vessels import schema as S
from vessels.simulation._track import Plan, VesselSpec, offset_deg

__all__ = ["SCENARIOS", "SCENARIO_REGIONS", "PlantedEvent", "ScenarioBuild"]

H = 3600.0


@dataclass(frozen=True)
class PlantedEvent:
    """One planted behaviour, in plan time; ``ais_gap`` times come from the dark period."""

    event_type: str
    keys: tuple[str, ...]
    t0_s: float
    t1_s: float
    illegal: bool
    description: str
    zone_id: str | None = None
    subtype: str | None = None


@dataclass
class ScenarioBuild:
    """Vessels and planted behaviours of one scenario (before sampling)."""

    name: str
    vessels: list[VesselSpec] = field(default_factory=list)
    planted: list[PlantedEvent] = field(default_factory=list)

    def add(self, spec: VesselSpec) -> VesselSpec:
        self.vessels.append(spec)
        return spec

    def plant(self, *args: object, **kw: object) -> None:
        self.planted.append(PlantedEvent(*args, **kw))  # type: ignore[arg-type]

    def dark(
        self,
        spec: VesselSpec,
        t0_s: float,
        t1_s: float,
        description: str,
        *,
        illegal: bool = True,
        zone_id: str | None = None,
    ) -> None:
        """Switch a vessel's AIS off and record the gap."""
        spec.plan.go_dark(t0_s, t1_s)
        self.plant(S.AIS_GAP, (spec.key,), t0_s, t1_s, illegal, description, zone_id)


def _rng(seed: int, name: str, i: int) -> np.random.Generator:
    return np.random.default_rng([seed, sum(map(ord, name)), i])


# ---------------------------------------------------------------------------------------------
def gulf_of_california(seed: int, end_h: float = 50.0) -> ScenarioBuild:
    """Pangas poaching in the upper Gulf, a dark rendezvous, trawlers, ferry, cargo."""
    sb = ScenarioBuild("gulf-of-california")
    r = _rng(seed, sb.name, 0)

    def plan(i: int, lat: float, lon: float, status: int = 5) -> Plan:
        return Plan(_rng(seed, sb.name, i), lat=lat, lon=lon, status=status)

    # --- pangas out of San Felipe, fishing in the Alto Golfo reserve at night, going dark
    grounds = [(31.35, -114.40), (31.42, -114.30), (31.30, -114.52)]
    port = (31.03, -114.78)
    for n, (g, night_day, _soak_h, dark_h) in enumerate(
        [(grounds[0], 0, 5.0, 8.0), (grounds[1], 1, 6.0, 9.5)]
    ):
        p = plan(10 + n, *port)
        p.at((1.0 + 24 * night_day) * H + r.uniform(0, 1800))
        p.go(*g, speed_kn=r.uniform(18, 24))
        f0, f1a = p.gillnet(soak_h=1.0, set_heading_deg=r.uniform(0, 360))
        dark0 = p.t_s + 300
        p.stay(dark_h, drift_kn=0.4, status=7)  # fishing on, unseen
        dark1 = p.t_s - 300
        f1b0, f1 = p.gillnet(soak_h=1.0, set_heading_deg=r.uniform(0, 360))
        p.go(*port, speed_kn=r.uniform(18, 24))
        p.at(end_h * H, status=5)
        v = sb.add(
            VesselSpec(
                f"panga-{n + 1}",
                345070101 + n,
                ["DON CHUY", "LA TOTOABERA"][n],
                "panga",
                "MEX",
                30,
                "B",
                7.6 + n * 0.6,
                2.1,
                None,
                p,
                callsign=None,
                has_heading=False,
            )
        )
        sb.dark(
            v,
            dark0,
            dark1,
            "panga switches AIS off while fishing in the Alto Golfo reserve",
            zone_id="mx-rb-alto-golfo",
        )
        for a, z in ((f0, f1a), (f1b0, f1)):
            sb.plant(
                S.FISHING,
                (v.key,),
                a,
                z,
                True,
                "gillnet set/haul inside the Alto Golfo biosphere reserve at night",
                "mx-rb-alto-golfo",
                "gillnet",
            )
    # a third panga fishes in the reserve without switching off
    p = plan(12, 31.22, -113.64)
    p.at(3.0 * H)
    p.go(*grounds[2], speed_kn=20.0)
    f0, f1 = p.gillnet(soak_h=4.0, set_heading_deg=60.0)
    p.go(31.22, -113.64, speed_kn=20.0)
    p.at(end_h * H, status=5)
    v3 = sb.add(
        VesselSpec(
            "panga-3",
            345070103,
            "EL GUERO II",
            "panga",
            "MEX",
            30,
            "B",
            8.2,
            2.2,
            None,
            p,
            has_heading=False,
        )
    )
    sb.plant(
        S.FISHING,
        (v3.key,),
        f0,
        f1,
        True,
        "gillnet soak and haul inside the Alto Golfo reserve, AIS left on",
        "mx-rb-alto-golfo",
        "gillnet",
    )

    # --- a recreational boat near San Carlos cloned onto panga-3's MMSI
    p = plan(13, 27.87, -111.07)
    p.at(6 * H)
    for k in range(14):
        a = np.radians(30 * k)
        p.go(
            *offset_deg(27.87, -111.07, 1500 * np.sin(a), 1500 * np.cos(a)), speed_kn=7.0, status=0
        )
    p.stay(10.0, drift_kn=0.2, status=5)
    p.at(end_h * H, status=5)
    clone = sb.add(
        VesselSpec(
            "clone-of-panga-3",
            345070103,
            "EL GUERO 2",
            "recreational",
            "MEX",
            37,
            "B",
            9.0,
            3.0,
            None,
            p,
            has_heading=False,
        )
    )
    sb.plant(
        S.IDENTITY_CONFLICT,
        (v3.key, clone.key),
        0.0,
        0.0,
        True,
        "two transmitters broadcast MMSI 345070103 (a panga and a pleasure boat 400 km apart)",
        None,
        "shared_mmsi",
    )

    # --- dark rendezvous offshore: a fishing boat and a larger vessel switch off a few minutes
    # before they meet, stay together 4.5 h, part, and switch back on 2 h later, far apart
    meet = (27.55, -111.95)
    fb = plan(14, 27.33, -112.23)
    fb.at(4.0 * H)
    fb.go(27.42, -112.10, speed_kn=9.0)
    fb.go(*meet, speed_kn=9.0)
    fb_arrive = fb.t_s
    lv = plan(15, 26.3, -110.6, status=0)
    lv.go(27.1, -111.2, speed_kn=11.0)
    lv.at(max(lv.t_s, fb_arrive - 5.0 * H))
    lv.go(*offset_deg(*meet, 60, 0), speed_kn=10.0)
    lv_arrive = lv.t_s
    t_meet = max(fb.t_s, lv.t_s) + 600
    fb.at(t_meet)
    lv.at(t_meet)
    fb.stay(4.5, drift_kn=0.3, status=7)
    lv.stay(4.5, drift_kn=0.3, status=0)
    t_part = fb.t_s
    fb.go(27.42, -112.10, speed_kn=9.0)
    fb.go(27.33, -112.23, speed_kn=9.0)
    fb.at(end_h * H, status=5)
    # then it leaves the Gulf (steaming on, not idling offshore: no unplanned loitering)
    lv.route(
        [(27.1, -111.2), (26.0, -110.3), (24.5, -109.6), (23.0, -109.0), (21.0, -107.0)],
        speed_kn=12.0,
    )
    lv.stay(max(0.5, end_h - lv.t_s / H), drift_kn=0.5, status=0)
    fbv = sb.add(
        VesselSpec(
            "fishing-boat-sr",
            345070110,
            "LA GUERRERA",
            S.FISHING,
            "MEX",
            30,
            "B",
            12.0,
            3.5,
            None,
            fb,
            has_heading=False,
        )
    )
    lvv = sb.add(
        VesselSpec(
            "motor-vessel",
            345070111,
            "OCEAN PEARL",
            "cargo",
            "MEX",
            79,
            "A",
            38.0,
            8.0,
            3.0,
            lv,
            callsign="XCGP7",
            imo=None,
            destination="LA PAZ",
        )
    )
    a0, a1 = fb_arrive - 480, t_part + 2.0 * H
    b0, b1 = lv_arrive - 480, t_part + 2.1 * H
    sb.dark(fbv, a0, a1, "fishing boat dark from just before an offshore meeting until 2 h after")
    sb.dark(lvv, b0, b1, "motor vessel dark around the same offshore meeting")
    sb.plant(
        S.DARK_RENDEZVOUS,
        (fbv.key, lvv.key),
        min(a0, b0),
        max(a1, b1),
        True,
        "both vessels go dark within a few km of each other 40 km off Santa Rosalía and "
        "stay dark through a 4.5 h meeting",
    )

    # --- legal shrimp trawlers out of Guaymas
    for n in range(3):
        p = plan(20 + n, 27.83, -110.93)
        p.at(r.uniform(0.5, 3.0) * H)
        g = offset_deg(27.55, -110.80, r.uniform(-4000, 4000), r.uniform(-6000, 6000))
        p.go(*g, speed_kn=9.0)
        f0, f1 = p.trawl(hours=r.uniform(10, 13), speed_kn=3.0, heading_deg=140 + 10 * n)
        p.go(27.83, -110.93, speed_kn=9.0)
        p.at(end_h * H, status=5)
        v = sb.add(
            VesselSpec(
                f"trawler-{n + 1}",
                345070201 + n,
                ["CAPITAN ARMANDO", "SONORA III", "MAR DE CORTES"][n],
                "trawler",
                "MEX",
                30,
                "A",
                22.0 + n,
                6.5,
                2.8,
                p,
                callsign=f"XCS{n + 21}",
                has_heading=False,
                destination="GUAYMAS",
            )
        )
        sb.plant(
            S.FISHING,
            (v.key,),
            f0,
            f1,
            False,
            "shrimp trawling in open season off Sonora",
            None,
            "trawl",
        )
    # one trawler changes its broadcast name (typo fixed mid-trip)
    sb.vessels[-1].rename = (20 * H, "MAR DE CORTEZ")
    sb.plant(
        S.IDENTITY_CHANGE,
        (sb.vessels[-1].key,),
        20 * H,
        20 * H,
        False,
        "broadcast name changes from MAR DE CORTES to MAR DE CORTEZ",
        None,
        "static_change",
    )

    # --- ferry Santa Rosalía - Guaymas (controls)
    p = plan(30, 27.335, -112.25)
    p.at(1.0 * H)
    for _ in range(3):
        p.route([(27.32, -112.22), (27.5, -111.6), (27.82, -110.95)], speed_kn=13.0)
        p.stay(3.0, drift_kn=0.05, status=5)
        p.route([(27.5, -111.6), (27.32, -112.22), (27.335, -112.25)], speed_kn=13.0)
        p.stay(3.0, drift_kn=0.05, status=5)
    sb.add(
        VesselSpec(
            "ferry",
            345070301,
            "SANTA ROSALIA",
            "ferry",
            "MEX",
            60,
            "A",
            108.0,
            18.0,
            4.6,
            p,
            callsign="XCFE3",
            imo=7800722,
            destination="GUAYMAS",
        )
    )
    # --- cargo to Guaymas and a tanker (controls)
    for n in range(3):
        p = plan(40 + n, 23.0 + 0.5 * n, -109.0 - 0.25 * n, status=0)
        p.at(n * 4 * H)
        p.route(
            [(24.5, -109.6), (26.0, -110.3), (27.0, -110.75), (27.80, -110.96)],
            speed_kn=r.uniform(11, 14),
        )
        p.stay(end_h - p.t_s / H, drift_kn=0.05, status=1)
        sb.add(
            VesselSpec(
                f"cargo-{n + 1}",
                [352001234, 636012345, 345070401][n],
                ["ATLANTIC GRACE", "PACIFIC ORE", "PEMEX GUAYMAS"][n],
                "tanker" if n == 2 else "cargo",
                ["PAN", "LBR", "MEX"][n],
                [70, 70, 80][n],
                "A",
                [180.0, 225.0, 183.0][n],
                [30.0, 32.0, 32.0][n],
                [9.8, 11.5, 10.2][n],
                p,
                callsign=["3EAB7", "A8XY2", "XCPG1"][n],
                imo=[9307839, 9412345, 9215671][n],
                destination="GUAYMAS",
            )
        )
    # --- a recreational boat (control)
    p = plan(50, 27.90, -111.00, status=0)
    p.at(16 * H)
    p.route([(27.85, -111.12), (27.80, -111.02), (27.88, -110.98)], speed_kn=15.0)
    p.stay(2.0, drift_kn=0.5, status=0)
    p.go(27.90, -111.00, speed_kn=15.0)
    p.stay(end_h - p.t_s / H, drift_kn=0.0, status=5)
    sb.add(
        VesselSpec(
            "yacht",
            367123450,
            "SEA BREEZE",
            "recreational",
            "USA",
            37,
            "B",
            14.0,
            4.5,
            None,
            p,
            has_heading=False,
        )
    )
    return sb


# ---------------------------------------------------------------------------------------------
def yucatan(seed: int, end_h: float = 50.0) -> ScenarioBuild:
    """A reefer loitering on the Campeche Bank met by fishing boats, a go-fast, legal fishing."""
    sb = ScenarioBuild("yucatan")
    r = _rng(seed, sb.name, 0)

    def plan(i: int, lat: float, lon: float, status: int = 5) -> Plan:
        return Plan(_rng(seed, sb.name, i), lat=lat, lon=lon, status=status)

    bank = (22.90, -91.00)
    reefer = plan(10, 22.8, -88.2, status=0)
    reefer.route([(23.1, -89.0), bank], speed_kn=12.0)
    lo0, lo1 = reefer.stay(28.0, drift_kn=0.4, status=0, step_min=15)
    reefer.route([(23.1, -89.0), (22.4, -87.3)], speed_kn=12.0)
    reefer.stay(max(0.5, end_h - reefer.t_s / H), drift_kn=0.3, status=0)
    rv = sb.add(
        VesselSpec(
            "reefer",
            352009876,
            "POLAR FROST",
            "reefer",
            "PAN",
            70,
            "A",
            92.0,
            15.0,
            6.1,
            reefer,
            callsign="3FRZ4",
            imo=9187654,
            destination="PANAMA",
        )
    )
    sb.plant(
        S.LOITERING,
        (rv.key,),
        lo0,
        lo1,
        True,
        "refrigerated carrier loitering 28 h on the Campeche Bank, far from port",
        None,
        "carrier",
    )

    # two boats from Progreso meet the reefer (sea cucumber transshipment)
    progreso = (21.36, -89.66)
    for n in range(2):
        p = plan(20 + n, *progreso)
        p.at(lo0 + (4 + 10 * n) * H - 9 * H)
        if n == 0:  # first fishes inside the Alacranes national park
            p.go(22.68, -89.75, speed_kn=14.0)
            f0, f1 = p.trawl(hours=4.0, speed_kn=2.5, heading_deg=30.0, tow_h=1.0)
        # position alongside the reefer at the meeting time
        t_meet = lo0 + (6 + 10 * n) * H
        alongside = _pos_at(reefer, t_meet)
        p.go(*offset_deg(*alongside, 80, 40), speed_kn=14.0)
        p.at(max(p.t_s, t_meet))
        t_meet = p.t_s
        e0 = t_meet
        # follow the drifting reefer during the meeting: copy its knots with an offset
        for tt in np.arange(t_meet + 900, t_meet + 4.0 * H + 1, 900):
            la, lo = _pos_at(reefer, float(tt))
            p.go(
                *offset_deg(la, lo, 60 + r.normal(0, 15), 30 + r.normal(0, 15)),
                speed_kn=1.0,
                status=0,
            )
            p.t_s = float(tt)
            p.t[-1] = p.t_s
        e1 = p.t_s
        p.go(*progreso, speed_kn=14.0)
        p.stay(max(0.5, end_h - p.t_s / H), drift_kn=0.0, status=5)
        v = sb.add(
            VesselSpec(
                f"lancha-{n + 1}",
                345080101 + n,
                ["DONA LUPE", "EL CHAC"][n],
                S.FISHING,
                "MEX",
                30,
                "B",
                11.0,
                3.0,
                None,
                p,
                has_heading=False,
            )
        )
        sb.plant(
            S.ENCOUNTER,
            (v.key, rv.key),
            e0,
            e1,
            True,
            "fishing boat alongside the loitering reefer for 3 h",
            None,
            "transshipment",
        )
        if n == 0:
            sb.plant(
                S.FISHING,
                (v.key,),
                f0,
                f1,
                True,
                "fishing inside Parque Nacional Arrecife Alacranes",
                "mx-pn-arrecife-alacranes",
                "trawl",
            )

    # a go-fast with a dark period through the Yucatán Channel approaches
    p = plan(30, 19.5, -85.5, status=0)
    p.at(3 * H)
    p.go(20.6, -85.8, speed_kn=32.0)
    d0 = p.t_s
    p.route([(21.9, -86.2), (22.3, -87.3)], speed_kn=30.0)
    p.stay(1.0, drift_kn=0.5, status=0)
    p.go(23.0, -88.3, speed_kn=30.0)
    d1 = d0 + 7.5 * H
    p.route([(22.9, -88.6), (21.75, -88.4)], speed_kn=28.0)
    p.stay(max(0.5, end_h - p.t_s / H), drift_kn=0.3, status=0)
    gf = sb.add(
        VesselSpec(
            "go-fast",
            345080201,
            "RAYO",
            "fast-boat",
            "MEX",
            37,
            "B",
            12.0,
            2.8,
            None,
            p,
            has_heading=False,
        )
    )
    sb.dark(gf, d0, d1, "fast boat dark for 7.5 h across the Yucatán Channel approaches")

    # legal fishing out of Progreso (medium-size longliners for red grouper)
    for n in range(3):
        p = plan(40 + n, 21.36 + 0.01 * n, -89.66)
        p.at(r.uniform(0, 4) * H)
        g = offset_deg(21.85, -89.95 + 0.2 * n, r.uniform(-5000, 5000), r.uniform(-5000, 5000))
        p.go(*g, speed_kn=8.0)
        f0, f1 = p.longline(set_h=1.5, soak_h=3.0, heading_deg=90.0 + 15 * n)
        p.go(21.36 + 0.01 * n, -89.66, speed_kn=8.0)
        p.stay(max(0.5, end_h - p.t_s / H), drift_kn=0.0, status=5)
        v = sb.add(
            VesselSpec(
                f"progreso-{n + 1}",
                345080301 + n,
                ["DON FELIPE", "HERMANOS CEH", "YUCALPETEN"][n],
                "longliner",
                "MEX",
                30,
                "A",
                19.0 + n,
                6.0,
                2.5,
                p,
                callsign=f"XCY{n + 3}",
                has_heading=False,
                destination="PROGRESO",
            )
        )
        sb.plant(
            S.FISHING,
            (v.key,),
            f0,
            f1,
            False,
            "legal red-grouper longlining north of Progreso",
            None,
            "longline",
        )

    # tankers on the lanes (controls)
    lanes = [
        [(21.0, -85.8), (22.5, -86.6), (23.2, -88.5), (23.3, -90.5), (22.0, -92.0), (18.7, -93.2)],
        [(25.5, -92.0), (23.0, -90.5), (21.40, -89.67)],
    ]
    for n, lane in enumerate(lanes):
        p = plan(50 + n, *lane[0], status=0)
        p.route(lane[1:], speed_kn=13.0)
        p.stay(max(0.5, end_h - p.t_s / H), drift_kn=0.05, status=1)
        sb.add(
            VesselSpec(
                f"tanker-{n + 1}",
                [538004321, 371005678][n],
                ["GULF STAR", "NORDIC AURORA"][n],
                "tanker",
                ["MHL", "PAN"][n],
                80,
                "A",
                250.0 - 60 * n,
                44.0 - 10 * n,
                12.0,
                p,
                callsign=["V7AB3", "3EQT9"][n],
                imo=[9356789, 9276543][n],
                destination=["DOS BOCAS", "PROGRESO"][n],
            )
        )
    # a freighter at anchor off Progreso and a pleasure boat off Cancún (controls)
    p = plan(60, 21.42, -89.70, status=1)
    p.at(end_h * H, status=1)
    sb.add(
        VesselSpec(
            "anchored-cargo",
            355004455,
            "CARIBBEAN TRADER",
            "cargo",
            "PAN",
            70,
            "A",
            120.0,
            20.0,
            7.5,
            p,
            callsign="3EKL5",
            imo=9123457,
            destination="PROGRESO",
        )
    )
    p = plan(61, 21.13, -86.72, status=0)
    for day in range(2):
        p.at((15 + 24 * day) * H)
        for k in range(25):
            a = np.radians(30 * k)
            p.go(*offset_deg(21.13, -86.72, 1800 * np.sin(a), 1800 * np.cos(a)), speed_kn=8.0)
    p.at(end_h * H, status=5)
    sb.add(
        VesselSpec(
            "yacht-cancun",
            367556677,
            "BLUE MARLIN",
            "recreational",
            "USA",
            37,
            "B",
            15.0,
            4.0,
            None,
            p,
            has_heading=False,
        )
    )
    return sb


def _pos_at(plan: Plan, t_s: float) -> tuple[float, float]:
    """Position of a plan at a time (linear between knots)."""
    return (float(np.interp(t_s, plan.t, plan.lats)), float(np.interp(t_s, plan.t, plan.lons)))


# ---------------------------------------------------------------------------------------------
#: approximate seaward limit of Mexico's EEZ along 24.3-24.4 N west of Baja California
#: (200 nm from the coast near Bahía Magdalena): used only when no EEZ layer is available.
PACIFIC_EEZ_LON = -115.7


def pacific_eez(seed: int, end_h: float = 50.0) -> ScenarioBuild:
    """A Chinese-flagged longliner fishing inside Mexico's Pacific EEZ; legal fishing around."""
    sb = ScenarioBuild("pacific-eez")

    def plan(i: int, lat: float, lon: float, status: int = 0) -> Plan:
        return Plan(_rng(seed, sb.name, i), lat=lat, lon=lon, status=status)

    p = plan(10, 24.45, -117.6)
    p.go(24.35, -115.0, speed_kn=9.5)
    f0, f1 = p.longline(set_h=3.0, soak_h=3.0, heading_deg=105.0)
    p.route([(24.5, -117.6), (25.5, -125.0)], speed_kn=9.5)  # back out to sea, not idling
    p.stay(max(0.5, end_h - p.t_s / H), drift_kn=0.5, status=0)
    ll = sb.add(
        VesselSpec(
            "longliner-cn",
            412440123,
            "ZHE LING YU 1023",
            "longliner",
            "CHN",
            30,
            "A",
            55.0,
            9.0,
            4.0,
            p,
            callsign="BZXY8",
            imo=None,
            destination="FISHING GROUND",
        )
    )
    cross_in = _crossing_time(p, PACIFIC_EEZ_LON, inbound=True)
    cross_out = _crossing_time(p, PACIFIC_EEZ_LON, inbound=False)
    sb.plant(
        S.EEZ_INCURSION,
        (ll.key,),
        cross_in,
        cross_out,
        True,
        "Chinese-flagged longliner inside Mexico's EEZ",
        "eez-MEX",
    )
    sb.plant(
        S.FISHING,
        (ll.key,),
        f0,
        f1,
        True,
        "foreign longlining inside Mexico's EEZ",
        "eez-MEX",
        "longline",
    )

    p = plan(11, 22.5, -121.0)
    p.go(22.3, -120.0, speed_kn=9.0)
    f0, f1 = p.longline(set_h=4.0, soak_h=4.0, heading_deg=80.0)
    p.go(21.5, -128.0, speed_kn=9.0)  # on to the next ground
    p.stay(max(0.5, end_h - p.t_s / H), drift_kn=0.6, status=0)
    v = sb.add(
        VesselSpec(
            "longliner-cn-2",
            413220456,
            "LU RONG YUAN YU 606",
            "longliner",
            "CHN",
            30,
            "A",
            48.0,
            8.5,
            3.8,
            p,
            callsign="BZQW2",
        )
    )
    sb.plant(
        S.FISHING, (v.key,), f0, f1, False, "foreign longlining on the high seas", None, "longline"
    )

    p = plan(12, 23.3, -112.6)
    p.at(2 * H)
    fish = []
    for k in range(3):
        p.go(*offset_deg(p.lat, p.lon, 9000 * (k + 1), -4000), speed_kn=13.0)
        fish.append(p.purse_seine(radius_m=450.0))
    p.route([(22.6, -110.0), (23.15, -106.55)], speed_kn=13.0)  # home to Mazatlán
    p.at(end_h * H, status=5)
    ps = sb.add(
        VesselSpec(
            "purse-seiner",
            345090101,
            "MARIA ISABEL",
            "purse-seiner",
            "MEX",
            30,
            "A",
            70.0,
            13.0,
            6.5,
            p,
            callsign="XCTU5",
            imo=8912345,
            destination="MAZATLAN",
        )
    )
    for a, z in fish:
        sb.plant(
            S.FISHING,
            (ps.key,),
            a,
            z,
            False,
            "tuna purse-seine set in Mexican waters",
            None,
            "purse_seine",
        )

    lane = [
        (18.9, -104.5),
        (20.5, -106.5),
        (22.6, -110.2),
        (24.5, -112.9),
        (27.5, -115.5),
        (31.5, -116.9),
    ]
    for n in range(3):
        pts = lane if n % 2 == 0 else lane[::-1]
        start = offset_deg(*pts[1], 0, 0) if n == 2 else pts[0]
        p = plan(20 + n, *start)
        p.route(pts[2:] if n == 2 else pts[1:], speed_kn=14.0 + n)
        p.stay(max(0.5, end_h - p.t_s / H), drift_kn=0.05, status=1)
        sb.add(
            VesselSpec(
                f"cargo-{n + 1}",
                [355123000, 366487000, 636098000][n],
                ["MSC ALTAIR", "HORIZON SPIRIT", "KOTA BAHARI"][n],
                "cargo",
                ["PAN", "USA", "LBR"][n],
                71,
                "A",
                294.0 - 40 * n,
                32.0,
                12.5,
                p,
                callsign=["3FMA1", "WDC1234", "A8KB9"][n],
                imo=[9461867, 9299876, 9380123][n],
                destination="ENSENADA",
            )
        )
    return sb


def _crossing_time(plan: Plan, lon_limit: float, *, inbound: bool) -> float:
    t = np.asarray(plan.t)
    lo = np.asarray(plan.lons)
    tt = np.arange(t[0], t[-1], 60.0)
    inside = np.interp(tt, t, lo) > lon_limit
    idx = np.nonzero(inside)[0]
    return float(tt[idx[0]] if inbound else tt[idx[-1]])


def mixed(seed: int, end_h: float = 50.0) -> ScenarioBuild:
    """All three regional scenarios together (background traffic is added by the caller)."""
    sb = ScenarioBuild("mixed")
    for f in (gulf_of_california, yucatan, pacific_eez):
        part = f(seed, end_h)
        for v in part.vessels:
            v.key = f"{part.name}/{v.key}"
        sb.vessels += part.vessels
        sb.planted += [
            PlantedEvent(
                e.event_type,
                tuple(f"{part.name}/{k}" for k in e.keys),
                e.t0_s,
                e.t1_s,
                e.illegal,
                e.description,
                e.zone_id,
                e.subtype,
            )
            for e in part.planted
        ]
    return sb


# scenarios of issue 19 (fleets, networks) live in their own module, which imports this one
from vessels.simulation._network_scenarios import carrier_network, eez_fleet  # noqa: E402

SCENARIOS: dict[str, Callable[[int, float], ScenarioBuild]] = {
    "gulf-of-california": gulf_of_california,
    "yucatan": yucatan,
    "pacific-eez": pacific_eez,
    "mixed": mixed,
    "carrier-network": carrier_network,
    "eez-fleet": eez_fleet,
}

#: regions whose receivers and lanes a scenario uses
SCENARIO_REGIONS: dict[str, tuple[str, ...]] = {
    "gulf-of-california": ("gulf-of-california",),
    "yucatan": ("yucatan",),
    "pacific-eez": ("pacific-eez",),
    "mixed": ("gulf-of-california", "yucatan", "pacific-eez"),
    "carrier-network": ("pacific-eez",),
    "eez-fleet": ("pacific-eez",),
}
