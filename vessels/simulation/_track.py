"""Per-vessel voyage plans: a piecewise-linear path of timed knots plus transmitter-off periods.

A plan is built with a few verbs (``go``, ``stay``, ``trawl``, ``gillnet``, ``longline``,
``purse_seine``) that append knots; the bulk sampling of the plans into AIS messages is
vectorised in :mod:`vessels.simulation._sample`. Plans hold tens to hundreds of knots per vessel,
never one per message.

Examples
--------
>>> import numpy as np
>>> p = Plan(np.random.default_rng(0), lat=27.0, lon=-111.0)
>>> p.go(27.1, -111.0, speed_kn=10.0)
>>> round(p.t_s / 3600, 2)  # 11.1 km at 10 kn
0.6
>>> t0, t1 = p.trawl(hours=2.0, speed_kn=3.0, heading_deg=0.0)
>>> round((t1 - t0) / 3600, 1)
2.0
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

from vessels._geo import MPS_PER_KN, haversine_m_np

__all__ = ["STATUS_NA", "Plan", "VesselSpec", "offset_deg"]

#: nav_status value used internally for "not available" (written as empty / null).
STATUS_NA = 255
M_PER_DEG_LAT = 111_195.0


def offset_deg(lat: float, lon: float, east_m: float, north_m: float) -> tuple[float, float]:
    """Move a point by metres east/north (flat-earth, fine for tens of km)."""
    dlat = north_m / M_PER_DEG_LAT
    dlon = east_m / (M_PER_DEG_LAT * math.cos(math.radians(lat)))
    return lat + dlat, lon + dlon


@dataclass
class Plan:
    """Timed knots of one vessel (seconds after the scenario start)."""

    rng: np.random.Generator
    lat: float
    lon: float
    t_s: float = 0.0
    status: int = 0
    t: list[float] = field(default_factory=list)
    lats: list[float] = field(default_factory=list)
    lons: list[float] = field(default_factory=list)
    statuses: list[int] = field(default_factory=list)
    dark: list[tuple[float, float]] = field(default_factory=list)

    def __post_init__(self) -> None:
        self._knot(self.status)

    def _knot(self, status: int) -> None:
        self.t.append(self.t_s)
        self.lats.append(self.lat)
        self.lons.append(self.lon)
        self.statuses.append(status)

    def at(self, t_s: float, status: int | None = None) -> None:
        """Wait where the vessel is until ``t_s`` (no-op if that time has passed)."""
        if t_s > self.t_s + 1.0:
            st = self.statuses[-1] if status is None else status
            self.stay((t_s - self.t_s) / 3600.0, drift_kn=0.0, status=st, step_min=30.0)

    def go(self, lat: float, lon: float, speed_kn: float, status: int = 0) -> None:
        """Steam in a straight line to (lat, lon) at ``speed_kn``."""
        d = float(
            haversine_m_np(
                np.array([self.lat]), np.array([self.lon]), np.array([lat]), np.array([lon])
            )[0]
        )
        self.statuses[-1] = status
        self.t_s += max(d / (speed_kn * MPS_PER_KN), 1.0)
        self.lat, self.lon = lat, lon
        self._knot(status)

    def route(self, points: list[tuple[float, float]], speed_kn: float, status: int = 0) -> None:
        """Steam through waypoints."""
        for la, lo in points:
            self.go(la, lo, speed_kn, status)

    def stay(
        self, hours: float, *, drift_kn: float = 0.3, status: int = 1, step_min: float = 10.0
    ) -> tuple[float, float]:
        """Drift (random walk with persistence) around the current point for ``hours``."""
        t0 = self.t_s
        n = max(1, round(hours * 60.0 / step_min))
        dt = hours * 3600.0 / n
        heading = self.rng.uniform(0, 360)
        for _ in range(n):
            heading += self.rng.normal(0, 40)
            step = drift_kn * MPS_PER_KN * dt * self.rng.uniform(0.3, 1.0)
            h = math.radians(heading)
            self.statuses[-1] = status
            self.lat, self.lon = offset_deg(
                self.lat, self.lon, step * math.sin(h), step * math.cos(h)
            )
            self.t_s += dt
            self._knot(status)
        return t0, self.t_s

    def _leg(self, heading_deg: float, dist_m: float, speed_kn: float, status: int) -> None:
        h = math.radians(heading_deg)
        la, lo = offset_deg(self.lat, self.lon, dist_m * math.sin(h), dist_m * math.cos(h))
        self.go(la, lo, speed_kn, status)

    def trawl(
        self,
        hours: float,
        speed_kn: float,
        heading_deg: float,
        *,
        tow_h: float = 1.5,
        status: int = 7,
    ) -> tuple[float, float]:
        """Bottom-trawl tows back and forth along ``heading_deg`` with turns between tows."""
        t0 = self.t_s
        end = t0 + hours * 3600.0
        direction = heading_deg
        while self.t_s < end - 60:
            left_h = (end - self.t_s) / 3600.0
            tow = min(tow_h * self.rng.uniform(0.8, 1.2), left_h)
            v = speed_kn * self.rng.uniform(0.85, 1.15)
            # a tow is slightly curved: three sub-legs with a few degrees of course change
            for k in range(3):
                self._leg(
                    direction + self.rng.normal(0, 6) + (k - 1) * 4,
                    v * MPS_PER_KN * tow * 3600 / 3,
                    v,
                    status,
                )
            if self.t_s >= end - 60:
                break
            # turn: a short wide arc to reverse course, offset a few hundred metres
            self._leg(direction + 90, 300, v, status)
            direction = (direction + 180 + self.rng.normal(0, 8)) % 360
        return t0, self.t_s

    def gillnet(
        self, *, soak_h: float, set_heading_deg: float, net_km: float = 1.5, status: int = 7
    ) -> tuple[float, float]:
        """Set a gillnet (2-3 kn), soak it drifting (0-0.5 kn), haul it back (1-2 kn)."""
        t0 = self.t_s
        self._leg(set_heading_deg, net_km * 1000, self.rng.uniform(2.0, 3.0), status)
        self.stay(soak_h, drift_kn=0.4, status=status, step_min=15)
        self._leg(set_heading_deg + 180, net_km * 1000, self.rng.uniform(1.0, 2.0), status)
        return t0, self.t_s

    def longline(
        self, *, set_h: float, soak_h: float, heading_deg: float, status: int = 7
    ) -> tuple[float, float]:
        """Set a longline at 6-8 kn, soak drifting, haul it back at 4-5 kn."""
        t0 = self.t_s
        v_set = self.rng.uniform(6.0, 8.0)
        line_m = v_set * MPS_PER_KN * set_h * 3600
        for _ in range(4):
            self._leg(heading_deg + self.rng.normal(0, 3), line_m / 4, v_set, status)
        self.stay(soak_h, drift_kn=0.8, status=status, step_min=15)
        v_haul = self.rng.uniform(4.0, 5.0)
        for _ in range(6):
            self._leg(heading_deg + 180 + self.rng.normal(0, 5), line_m / 6, v_haul, status)
        return t0, self.t_s

    def purse_seine(self, *, radius_m: float = 400.0, status: int = 7) -> tuple[float, float]:
        """Encircle a school at ~10 kn, then purse and brail drifting for 1.5-2.5 h."""
        t0 = self.t_s
        start = self.rng.uniform(0, 360)
        c_lat, c_lon = offset_deg(
            self.lat,
            self.lon,
            -radius_m * math.sin(math.radians(start)),
            -radius_m * math.cos(math.radians(start)),
        )
        for k in range(1, 13):
            a = math.radians(start + 30 * k)
            la, lo = offset_deg(c_lat, c_lon, radius_m * math.sin(a), radius_m * math.cos(a))
            self.go(la, lo, self.rng.uniform(9.0, 11.0), status)
        self.stay(self.rng.uniform(1.5, 2.5), drift_kn=0.5, status=status, step_min=10)
        return t0, self.t_s

    def go_dark(self, t0_s: float, t1_s: float) -> None:
        """Switch the transponder off between two times (no message is sent)."""
        self.dark.append((t0_s, t1_s))


@dataclass(kw_only=True)
class VesselSpec:
    """A simulated vessel: identity, static data as broadcast, and its plan."""

    key: str
    mmsi: int
    name: str
    kind: str
    flag: str
    ship_type: int
    ais_class: str
    length_m: float
    width_m: float
    draft_m: float | None
    plan: Plan
    callsign: str | None = None
    imo: int | None = None
    destination: str | None = None
    has_heading: bool = True
    #: (time after which the broadcast name changes, new name)
    rename: tuple[float, str] | None = None
