"""Parameters of the simulator: frozen dataclasses, each default with its source.

Examples
--------
>>> cfg = SimConfig()
>>> cfg.reporting.class_a_underway_s, cfg.reporting.class_b_underway_s
(10.0, 30.0)
>>> cfg.min_interval_s
60.0
"""

from __future__ import annotations

from dataclasses import dataclass, field

__all__ = ["MessConfig", "NoiseConfig", "ReceptionConfig", "ReportingConfig", "SimConfig"]


@dataclass(frozen=True)
class ReportingConfig:
    """Nominal AIS reporting intervals.

    Source: ITU-R M.1371-5, Annex 1, Table 1 (class A) and Table 2 (class B "CS"): class A
    at anchor or moored and not moving faster than 3 kn reports every 3 min, 0-14 kn every
    10 s, 14-23 kn every 6 s, above 23 kn every 2 s; class B CS reports every 3 min at
    2 kn or less and every 30 s above.
    """

    class_a_anchored_s: float = 180.0
    class_a_underway_s: float = 10.0
    class_a_fast_s: float = 6.0
    class_a_very_fast_s: float = 2.0
    class_a_fast_kn: float = 14.0
    class_a_very_fast_kn: float = 23.0
    class_a_anchored_max_kn: float = 3.0
    class_b_slow_s: float = 180.0
    class_b_underway_s: float = 30.0
    class_b_slow_max_kn: float = 2.0
    #: static and voyage data (types 5 and 24): ITU-R M.1371-5 says every 6 min; the NMEA writer
    #: sends it every ``static_every_s`` to keep files small (documented decimation).
    static_every_s: float = 1800.0


@dataclass(frozen=True)
class ReceptionConfig:
    """Which transmitted messages reach a receiver.

    Terrestrial VHF reception is near-certain inside the radio horizon of a coast station and
    falls off steeply beyond it (class A 12.5 W: ~40 nm; class B 2 W: ~20 nm, the usual planning
    figures of coastal AIS networks). Offshore only satellites hear a vessel: each message is
    picked up with a small probability (class B much less often than class A; satellite AIS
    detection of class B is a known weakness, e.g. GFW's reception-quality papers).
    """

    terrestrial_p: float = 0.95
    class_a_range_km: float = 74.0
    class_b_range_km: float = 37.0
    falloff_power: float = 6.0
    satellite_p_class_a: float = 0.10
    satellite_p_class_b: float = 0.08


@dataclass(frozen=True)
class NoiseConfig:
    """Measurement noise and glitches.

    GPS horizontal error of a few metres to tens of metres (consumer GNSS, class B worse);
    SOG/COG jitter; rare GPS "jumps" of several km that real tracks show.
    """

    position_sd_m_class_a: float = 8.0
    position_sd_m_class_b: float = 20.0
    sog_rel_sd: float = 0.03
    sog_abs_sd_kn: float = 0.1
    cog_sd_deg: float = 2.0
    gps_jump_rate: float = 1.0 / 5_000
    gps_jump_km: tuple[float, float] = (3.0, 25.0)
    sog_unavailable_rate: float = 0.003
    cog_unavailable_rate: float = 0.003


@dataclass(frozen=True)
class MessConfig:
    """What the writers add to a file on top of the clean positions (per position line)."""

    duplicate_rate: float = 0.004
    out_of_order_rate: float = 0.005
    corrupt_lines: int = 6
    unavailable_position_lines: int = 3


@dataclass(frozen=True)
class SimConfig:
    """Everything the simulator can be tuned with.

    ``min_interval_s`` thins the nominal ITU stream to at most one message per vessel per that
    many seconds (NOAA MarineCadastre publishes AIS downsampled to one minute, so 60 s is the
    realistic default for that format; the shipped samples use a larger value to stay small).
    """

    min_interval_s: float = 60.0
    reporting: ReportingConfig = field(default_factory=ReportingConfig)
    reception: ReceptionConfig = field(default_factory=ReceptionConfig)
    noise: NoiseConfig = field(default_factory=NoiseConfig)
    mess: MessConfig = field(default_factory=MessConfig)
