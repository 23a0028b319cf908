"""The named scenarios: which vessels, what each does, and what is planted.

Times are seconds after the scenario start (default 2024-03-01 00:00 UTC: 17:00 in Sonora and
Baja California Sur (UTC-7), 18:00 in Yucatán (UTC-6); night falls about 1-2 h into the
scenario — the staging assumes that default start). Plans are staged for 50 h and stretched to
the requested period (vessels wait in port or drift at the end). Every
scenario vessel is built from a few plan verbs (see :mod:`vessels.simulation._track`); each planted
behaviour is recorded as a :class:`PlantedEvent` and turned into truth rows after sampling.

Examples
--------
>>> sorted(SCENARIOS)  # doctest: +NORMALIZE_WHITESPACE
['carrier-network', 'eez-fleet', 'gulf-of-california', 'mixed', 'pacific-eez',
 'renamed-watchlisted', 'yucatan']
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import polars as pl

from vessels import schema as S
from vessels.simulation._track import Plan, VesselSpec, offset_deg

__all__ = [
    "CATALOGUE",
    "SCENARIOS",
    "SCENARIO_REGIONS",
    "PlantedEvent",
    "Scenario",
    "ScenarioBuild",
]

H = 3600.0


@dataclass(frozen=True, kw_only=True)
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
    #: the analyst's watchlist that comes with the scenario (written as ``watchlist.csv``)
    watchlist: pl.DataFrame | None = None

    def add(self, spec: VesselSpec) -> VesselSpec:
        self.vessels.append(spec)
        return spec

    def plant(self, **fields: Any) -> None:
        """Record a planted behaviour (the :class:`PlantedEvent` fields, by keyword)."""
        self.planted.append(PlantedEvent(**fields))

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
        self.plant(
            event_type=S.AIS_GAP,
            keys=(spec.key,),
            t0_s=t0_s,
            t1_s=t1_s,
            illegal=illegal,
            description=description,
            zone_id=zone_id,
        )


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
                key=f"panga-{n + 1}",
                mmsi=345070101 + n,
                name=["DON CHUY", "LA TOTOABERA"][n],
                kind="panga",
                flag="MEX",
                ship_type=30,
                ais_class="B",
                length_m=7.6 + n * 0.6,
                width_m=2.1,
                draft_m=None,
                plan=p,
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
                event_type=S.FISHING,
                keys=(v.key,),
                t0_s=a,
                t1_s=z,
                illegal=True,
                description="gillnet set/haul inside the Alto Golfo biosphere reserve at night",
                zone_id="mx-rb-alto-golfo",
                subtype="gillnet",
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
            key="panga-3",
            mmsi=345070103,
            name="EL GUERO II",
            kind="panga",
            flag="MEX",
            ship_type=30,
            ais_class="B",
            length_m=8.2,
            width_m=2.2,
            draft_m=None,
            plan=p,
            has_heading=False,
        )
    )
    sb.plant(
        event_type=S.FISHING,
        keys=(v3.key,),
        t0_s=f0,
        t1_s=f1,
        illegal=True,
        description="gillnet soak and haul inside the Alto Golfo reserve, AIS left on",
        zone_id="mx-rb-alto-golfo",
        subtype="gillnet",
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
            key="clone-of-panga-3",
            mmsi=345070103,
            name="EL GUERO 2",
            kind="recreational",
            flag="MEX",
            ship_type=37,
            ais_class="B",
            length_m=9.0,
            width_m=3.0,
            draft_m=None,
            plan=p,
            has_heading=False,
        )
    )
    sb.plant(
        event_type=S.IDENTITY_CONFLICT,
        keys=(v3.key, clone.key),
        t0_s=0.0,
        t1_s=0.0,
        illegal=True,
        description="two transmitters broadcast MMSI 345070103 (a panga and a pleasure boat "
        "400 km apart)",
        zone_id=None,
        subtype="shared_mmsi",
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
            key="fishing-boat-sr",
            mmsi=345070110,
            name="LA GUERRERA",
            kind=S.FISHING,
            flag="MEX",
            ship_type=30,
            ais_class="B",
            length_m=12.0,
            width_m=3.5,
            draft_m=None,
            plan=fb,
            has_heading=False,
        )
    )
    lvv = sb.add(
        VesselSpec(
            key="motor-vessel",
            mmsi=345070111,
            name="OCEAN PEARL",
            kind="cargo",
            flag="MEX",
            ship_type=79,
            ais_class="A",
            length_m=38.0,
            width_m=8.0,
            draft_m=3.0,
            plan=lv,
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
        event_type=S.DARK_RENDEZVOUS,
        keys=(fbv.key, lvv.key),
        t0_s=min(a0, b0),
        t1_s=max(a1, b1),
        illegal=True,
        description="both vessels go dark within a few km of each other 40 km off Santa "
        "Rosalía and stay dark through a 4.5 h meeting",
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
                key=f"trawler-{n + 1}",
                mmsi=345070201 + n,
                name=["CAPITAN ARMANDO", "SONORA III", "MAR DE CORTES"][n],
                kind="trawler",
                flag="MEX",
                ship_type=30,
                ais_class="A",
                length_m=22.0 + n,
                width_m=6.5,
                draft_m=2.8,
                plan=p,
                callsign=f"XCS{n + 21}",
                has_heading=False,
                destination="GUAYMAS",
            )
        )
        sb.plant(
            event_type=S.FISHING,
            keys=(v.key,),
            t0_s=f0,
            t1_s=f1,
            illegal=False,
            description="shrimp trawling in open season off Sonora",
            zone_id=None,
            subtype="trawl",
        )
    # one trawler changes its broadcast name (typo fixed mid-trip)
    sb.vessels[-1].rename = (20 * H, "MAR DE CORTEZ")
    sb.plant(
        event_type=S.IDENTITY_CHANGE,
        keys=(sb.vessels[-1].key,),
        t0_s=20 * H,
        t1_s=20 * H,
        illegal=False,
        description="broadcast name changes from MAR DE CORTES to MAR DE CORTEZ",
        zone_id=None,
        subtype="static_change",
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
            key="ferry",
            mmsi=345070301,
            name="SANTA ROSALIA",
            kind="ferry",
            flag="MEX",
            ship_type=60,
            ais_class="A",
            length_m=108.0,
            width_m=18.0,
            draft_m=4.6,
            plan=p,
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
                key=f"cargo-{n + 1}",
                mmsi=[352001234, 636012345, 345070401][n],
                name=["ATLANTIC GRACE", "PACIFIC ORE", "PEMEX GUAYMAS"][n],
                kind="tanker" if n == 2 else "cargo",
                flag=["PAN", "LBR", "MEX"][n],
                ship_type=[70, 70, 80][n],
                ais_class="A",
                length_m=[180.0, 225.0, 183.0][n],
                width_m=[30.0, 32.0, 32.0][n],
                draft_m=[9.8, 11.5, 10.2][n],
                plan=p,
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
            key="yacht",
            mmsi=367123450,
            name="SEA BREEZE",
            kind="recreational",
            flag="USA",
            ship_type=37,
            ais_class="B",
            length_m=14.0,
            width_m=4.5,
            draft_m=None,
            plan=p,
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
            key="reefer",
            mmsi=352009876,
            name="POLAR FROST",
            kind="reefer",
            flag="PAN",
            ship_type=70,
            ais_class="A",
            length_m=92.0,
            width_m=15.0,
            draft_m=6.1,
            plan=reefer,
            callsign="3FRZ4",
            imo=9187654,
            destination="PANAMA",
        )
    )
    sb.plant(
        event_type=S.LOITERING,
        keys=(rv.key,),
        t0_s=lo0,
        t1_s=lo1,
        illegal=True,
        description="refrigerated carrier loitering 28 h on the Campeche Bank, far from port",
        zone_id=None,
        subtype="carrier",
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
                key=f"lancha-{n + 1}",
                mmsi=345080101 + n,
                name=["DONA LUPE", "EL CHAC"][n],
                kind=S.FISHING,
                flag="MEX",
                ship_type=30,
                ais_class="B",
                length_m=11.0,
                width_m=3.0,
                draft_m=None,
                plan=p,
                has_heading=False,
            )
        )
        sb.plant(
            event_type=S.ENCOUNTER,
            keys=(v.key, rv.key),
            t0_s=e0,
            t1_s=e1,
            illegal=True,
            description="fishing boat alongside the loitering reefer for 3 h",
            zone_id=None,
            subtype="transshipment",
        )
        if n == 0:
            sb.plant(
                event_type=S.FISHING,
                keys=(v.key,),
                t0_s=f0,
                t1_s=f1,
                illegal=True,
                description="fishing inside Parque Nacional Arrecife Alacranes",
                zone_id="mx-pn-arrecife-alacranes",
                subtype="trawl",
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
            key="go-fast",
            mmsi=345080201,
            name="RAYO",
            kind="fast-boat",
            flag="MEX",
            ship_type=37,
            ais_class="B",
            length_m=12.0,
            width_m=2.8,
            draft_m=None,
            plan=p,
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
                key=f"progreso-{n + 1}",
                mmsi=345080301 + n,
                name=["DON FELIPE", "HERMANOS CEH", "YUCALPETEN"][n],
                kind="longliner",
                flag="MEX",
                ship_type=30,
                ais_class="A",
                length_m=19.0 + n,
                width_m=6.0,
                draft_m=2.5,
                plan=p,
                callsign=f"XCY{n + 3}",
                has_heading=False,
                destination="PROGRESO",
            )
        )
        sb.plant(
            event_type=S.FISHING,
            keys=(v.key,),
            t0_s=f0,
            t1_s=f1,
            illegal=False,
            description="legal red-grouper longlining north of Progreso",
            zone_id=None,
            subtype="longline",
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
                key=f"tanker-{n + 1}",
                mmsi=[538004321, 371005678][n],
                name=["GULF STAR", "NORDIC AURORA"][n],
                kind="tanker",
                flag=["MHL", "PAN"][n],
                ship_type=80,
                ais_class="A",
                length_m=250.0 - 60 * n,
                width_m=44.0 - 10 * n,
                draft_m=12.0,
                plan=p,
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
            key="anchored-cargo",
            mmsi=355004455,
            name="CARIBBEAN TRADER",
            kind="cargo",
            flag="PAN",
            ship_type=70,
            ais_class="A",
            length_m=120.0,
            width_m=20.0,
            draft_m=7.5,
            plan=p,
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
            key="yacht-cancun",
            mmsi=367556677,
            name="BLUE MARLIN",
            kind="recreational",
            flag="USA",
            ship_type=37,
            ais_class="B",
            length_m=15.0,
            width_m=4.0,
            draft_m=None,
            plan=p,
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
            key="longliner-cn",
            mmsi=412440123,
            name="ZHE LING YU 1023",
            kind="longliner",
            flag="CHN",
            ship_type=30,
            ais_class="A",
            length_m=55.0,
            width_m=9.0,
            draft_m=4.0,
            plan=p,
            callsign="BZXY8",
            imo=None,
            destination="FISHING GROUND",
        )
    )
    cross_in = _crossing_time(p, PACIFIC_EEZ_LON, inbound=True)
    cross_out = _crossing_time(p, PACIFIC_EEZ_LON, inbound=False)
    sb.plant(
        event_type=S.EEZ_INCURSION,
        keys=(ll.key,),
        t0_s=cross_in,
        t1_s=cross_out,
        illegal=True,
        description="Chinese-flagged longliner inside Mexico's EEZ",
        zone_id="eez-MEX",
    )
    sb.plant(
        event_type=S.FISHING,
        keys=(ll.key,),
        t0_s=f0,
        t1_s=f1,
        illegal=True,
        description="foreign longlining inside Mexico's EEZ",
        zone_id="eez-MEX",
        subtype="longline",
    )

    p = plan(11, 22.5, -121.0)
    p.go(22.3, -120.0, speed_kn=9.0)
    f0, f1 = p.longline(set_h=4.0, soak_h=4.0, heading_deg=80.0)
    p.go(21.5, -128.0, speed_kn=9.0)  # on to the next ground
    p.stay(max(0.5, end_h - p.t_s / H), drift_kn=0.6, status=0)
    v = sb.add(
        VesselSpec(
            key="longliner-cn-2",
            mmsi=413220456,
            name="LU RONG YUAN YU 606",
            kind="longliner",
            flag="CHN",
            ship_type=30,
            ais_class="A",
            length_m=48.0,
            width_m=8.5,
            draft_m=3.8,
            plan=p,
            callsign="BZQW2",
        )
    )
    sb.plant(
        event_type=S.FISHING,
        keys=(v.key,),
        t0_s=f0,
        t1_s=f1,
        illegal=False,
        description="foreign longlining on the high seas",
        zone_id=None,
        subtype="longline",
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
            key="purse-seiner",
            mmsi=345090101,
            name="MARIA ISABEL",
            kind="purse-seiner",
            flag="MEX",
            ship_type=30,
            ais_class="A",
            length_m=70.0,
            width_m=13.0,
            draft_m=6.5,
            plan=p,
            callsign="XCTU5",
            imo=8912345,
            destination="MAZATLAN",
        )
    )
    for a, z in fish:
        sb.plant(
            event_type=S.FISHING,
            keys=(ps.key,),
            t0_s=a,
            t1_s=z,
            illegal=False,
            description="tuna purse-seine set in Mexican waters",
            zone_id=None,
            subtype="purse_seine",
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
                key=f"cargo-{n + 1}",
                mmsi=[355123000, 366487000, 636098000][n],
                name=["MSC ALTAIR", "HORIZON SPIRIT", "KOTA BAHARI"][n],
                kind="cargo",
                flag=["PAN", "USA", "LBR"][n],
                ship_type=71,
                ais_class="A",
                length_m=294.0 - 40 * n,
                width_m=32.0,
                draft_m=12.5,
                plan=p,
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
                event_type=e.event_type,
                keys=tuple(f"{part.name}/{k}" for k in e.keys),
                t0_s=e.t0_s,
                t1_s=e.t1_s,
                illegal=e.illegal,
                description=e.description,
                zone_id=e.zone_id,
                subtype=e.subtype,
            )
            for e in part.planted
        ]
    return sb


# scenarios of issue 19 (fleets, networks) live in their own module, which imports this one
from vessels.simulation._network_scenarios import carrier_network, eez_fleet  # noqa: E402
from vessels.simulation._watchlist_scenario import renamed_watchlisted  # noqa: E402


@dataclass(frozen=True, kw_only=True)
class Scenario:
    """One entry of the scenario catalogue.

    Attributes
    ----------
    name : str
        The name ``simulate()`` and ``vessels simulate`` take.
    build : callable
        ``build(seed, end_h) -> ScenarioBuild``: the scenario's vessels and planted behaviours.
    regions : tuple of str
        The regions (:mod:`vessels.simulation._regions`) whose receivers and lanes it uses.
    """

    name: str
    build: Callable[[int, float], ScenarioBuild]
    regions: tuple[str, ...]


#: The scenario catalogue, one record per scenario (:data:`SCENARIOS` and
#: :data:`SCENARIO_REGIONS` are views of it).
CATALOGUE: tuple[Scenario, ...] = (
    Scenario(name="gulf-of-california", build=gulf_of_california, regions=("gulf-of-california",)),
    Scenario(name="yucatan", build=yucatan, regions=("yucatan",)),
    Scenario(name="pacific-eez", build=pacific_eez, regions=("pacific-eez",)),
    Scenario(
        name="mixed",
        build=mixed,
        regions=("gulf-of-california", "yucatan", "pacific-eez"),
    ),
    Scenario(name="carrier-network", build=carrier_network, regions=("pacific-eez",)),
    Scenario(name="eez-fleet", build=eez_fleet, regions=("pacific-eez",)),
    Scenario(name="renamed-watchlisted", build=renamed_watchlisted, regions=("pacific-eez",)),
)

#: scenario name -> its builder
SCENARIOS: dict[str, Callable[[int, float], ScenarioBuild]] = {s.name: s.build for s in CATALOGUE}

#: regions whose receivers and lanes a scenario uses
SCENARIO_REGIONS: dict[str, tuple[str, ...]] = {s.name: s.regions for s in CATALOGUE}
