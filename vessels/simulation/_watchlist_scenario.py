"""A watchlisted vessel under a changed name (issue 19), with its watchlist and truth.

``renamed-watchlisted``: on the high seas west of Mexico's Pacific EEZ, a Chinese longliner on a
generated RFMO-style IUU list (listed by IMO number and its old name, ``F/V FU YUAN YU 7788``)
fishes, changes its broadcast name to ``HAI XIANG 9`` after 20 h and keeps fishing, then transits
east. Its IMO number stays: the list still finds it (``watchlist_hit``, the whole run) and the
rename is an ``identity_change``. A second listed longliner, listed by name only as
``F/V Lu Rong Yu No. 1189``, broadcasts ``LU RONG YU 1189`` (prefix and "No." dropped).
Controls: four longliners with look-alike names (another hull number, one word swapped, a hull
number one digit short) and their own IMO numbers, which must not match.

The scenario carries its watchlist (:attr:`ScenarioBuild.watchlist`); ``vessels simulate``
writes it as ``watchlist.csv`` next to the AIS file, for ``vessels score --watchlist``.

Examples
--------
>>> sb = renamed_watchlisted(0, 50.0)
>>> sorted({e.event_type for e in sb.planted})
['identity_change', 'watchlist_hit']
>>> sb.watchlist["Vessel Name"].to_list()
['F/V Fu Yuan Yu 7788', 'F/V Lu Rong Yu No. 1189']
"""

from __future__ import annotations

import polars as pl

from vessels import schema as S
from vessels.simulation._scenarios import H, ScenarioBuild, _rng
from vessels.simulation._track import Plan, VesselSpec, offset_deg

__all__ = ["RENAME_H", "renamed_watchlisted"]

#: Hour at which the listed longliner changes its broadcast name.
RENAME_H = 20.0

_LIST = "Generated RFMO IUU vessel list"


def _longliner(
    sb: ScenarioBuild, seed: int, i: int, start: tuple[float, float], end_h: float
) -> Plan:
    """Fishing (drifting with gear out) near ``start``, then transiting east."""
    p = Plan(_rng(seed, sb.name, 10 + i), lat=start[0], lon=start[1], status=7)
    p.stay(min(32.0, end_h - 8.0), drift_kn=0.8, status=7)
    p.go(*offset_deg(p.lat, p.lon, 120_000.0, -20_000.0), speed_kn=10.0)
    p.stay(max(0.5, end_h - p.t_s / H), drift_kn=0.8, status=7)
    return p


def renamed_watchlisted(seed: int, end_h: float = 50.0) -> ScenarioBuild:
    """A listed longliner renamed mid-run, a second listed one, four look-alike controls."""
    sb = ScenarioBuild("renamed-watchlisted")
    r = _rng(seed, sb.name, 0)
    ground = (21.4, -120.6)

    def spot() -> tuple[float, float]:
        return offset_deg(
            *ground, float(r.uniform(-60_000, 60_000)), float(r.uniform(-40_000, 40_000))
        )

    listed = [
        ("listed-renamed", 412_700_001, "FU YUAN YU 7788", 8_712_345, "BZXA8"),
        ("listed-by-name", 412_700_002, "LU RONG YU 1189", None, "BZXB2"),
    ]
    controls = [  # look-alikes of the listed names, each with its own IMO number
        ("lookalike-hull", 412_700_101, "FU YUAN YU 7789", 8_712_346),
        ("lookalike-word", 412_700_102, "FU HAI YU 7788", 8_712_347),
        ("lookalike-hull-2", 412_700_103, "LU RONG YU 1198", 8_712_348),
        ("lookalike-short", 412_700_104, "FU YUAN YU 778", 8_712_349),
    ]

    def longliner(
        i: int,
        key: str,
        mmsi: int,
        name: str,
        imo: int | None,
        callsign: str,
        size: tuple[float, float, float],
    ) -> VesselSpec:
        length_m, width_m, draft_m = size
        return sb.add(
            VesselSpec(
                key=key,
                mmsi=mmsi,
                name=name,
                kind="longliner",
                flag="CHN",
                ship_type=30,
                ais_class="A",
                length_m=length_m,
                width_m=width_m,
                draft_m=draft_m,
                plan=_longliner(sb, seed, i, spot(), end_h),
                callsign=callsign,
                imo=imo,
            )
        )

    specs = [
        longliner(i, key, mmsi, name, imo, callsign, (48.0, 8.5, 3.6))
        for i, (key, mmsi, name, imo, callsign) in enumerate(listed)
    ]
    for i, (key, mmsi, name, imo) in enumerate(controls):
        longliner(10 + i, key, mmsi, name, imo, f"BZXC{i + 1}", (46.0, 8.2, 3.4))
    renamed, by_name = specs
    renamed.rename = (RENAME_H * H, "HAI XIANG 9")
    sb.plant(
        event_type=S.IDENTITY_CHANGE,
        keys=(renamed.key,),
        t0_s=RENAME_H * H,
        t1_s=RENAME_H * H,
        illegal=False,
        description="listed longliner changes its broadcast name from FU YUAN YU 7788 to "
        "HAI XIANG 9 (IMO number kept)",
        zone_id=None,
        subtype="static_change",
    )
    for v, how in ((renamed, "by IMO number, under its new name too"), (by_name, "by name")):
        sb.plant(
            event_type=S.WATCHLIST_HIT,
            keys=(v.key,),
            t0_s=0.0,
            t1_s=end_h * H,
            illegal=True,
            description=f"on the {_LIST}, matched {how}",
            zone_id=None,
            subtype="iuu_list",
        )
    sb.watchlist = pl.DataFrame(
        {
            "Vessel Name": ["F/V Fu Yuan Yu 7788", "F/V Lu Rong Yu No. 1189"],
            "IMO Number": ["IMO 8712345", None],
            "Flag": ["CHN", "CHN"],
            "List": [_LIST, _LIST],
            "Reason": ["unauthorised fishing (simulated)", "unauthorised fishing (simulated)"],
        },
        schema={k: pl.String for k in ("Vessel Name", "IMO Number", "Flag", "List", "Reason")},
    )
    return sb
