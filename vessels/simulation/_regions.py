"""Geography used by the scenarios: coast receivers, shipping lanes, marinas, flags by MID.

All coordinates are (lat, lon) in degrees WGS84, chosen by us from public charts and checked
against Natural Earth 1:10m land (``tests/simulate`` asserts every lane vertex is at sea).
Receiver sites are real ports; their AIS receivers are an assumption of the model.

Examples
--------
>>> MID_FLAG[345], MID_FLAG[412]
('MEX', 'CHN')
>>> sorted(REGIONS)
['gulf-of-california', 'pacific-eez', 'yucatan']
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["MID_FLAG", "REGIONS", "Region"]

#: ITU Maritime Identification Digits used by the simulator -> ISO 3166 alpha-3 flag.
#: Source: ITU Table of MIDs (as summarised in the project's data-format notes).
MID_FLAG: dict[int, str] = {
    345: "MEX",
    366: "USA",
    367: "USA",
    338: "USA",
    412: "CHN",
    413: "CHN",
    352: "PAN",
    355: "PAN",
    371: "PAN",
    636: "LBR",
    538: "MHL",
    323: "CUB",
    319: "CYM",
}


@dataclass(frozen=True)
class Region:
    """Receivers, lanes and marinas of one sea area."""

    stations: tuple[tuple[float, float], ...]
    lanes: tuple[tuple[tuple[float, float], ...], ...]
    marinas: tuple[tuple[float, float], ...]


REGIONS: dict[str, Region] = {
    "gulf-of-california": Region(
        stations=(
            (31.02, -114.84),  # San Felipe
            (31.31, -113.54),  # Puerto Peñasco
            (31.69, -114.50),  # Golfo de Santa Clara
            (28.82, -111.94),  # Bahía de Kino
            (27.92, -110.90),  # Guaymas
            (27.34, -112.27),  # Santa Rosalía
            (26.01, -111.35),  # Loreto
            (24.14, -110.31),  # La Paz
            (25.60, -109.05),  # Topolobampo
            (23.20, -106.42),  # Mazatlán
            (22.89, -109.91),  # Cabo San Lucas
        ),
        lanes=(
            ((23.0, -109.0), (24.5, -109.6), (26.0, -110.3), (27.0, -110.75), (27.8, -110.95)),
            ((23.15, -106.55), (23.6, -107.8), (24.2, -109.2), (24.45, -110.0)),
            ((25.45, -109.2), (24.9, -109.7), (24.45, -110.0)),
            ((27.32, -112.22), (27.5, -111.6), (27.82, -110.95)),
        ),
        marinas=((27.87, -111.07), (31.22, -113.66), (24.33, -110.42)),
    ),
    "yucatan": Region(
        stations=(
            (21.28, -89.66),  # Progreso
            (19.85, -90.53),  # Campeche
            (18.65, -91.83),  # Ciudad del Carmen
            (18.43, -93.18),  # Dos Bocas
            (21.16, -86.85),  # Cancún
            (20.50, -86.95),  # Cozumel
            (21.52, -87.38),  # Holbox
        ),
        lanes=(
            ((20.8, -85.8), (22.5, -86.5), (24.0, -87.5), (25.5, -89.0)),
            (
                (21.0, -85.8),
                (22.5, -86.6),
                (23.2, -88.5),
                (23.3, -90.5),
                (22.0, -92.0),
                (18.7, -93.2),
            ),
            ((21.40, -89.67), (23.0, -90.5), (25.5, -92.0)),
        ),
        marinas=((21.35, -89.72), (21.13, -86.72), (20.55, -87.00)),
    ),
    "pacific-eez": Region(
        stations=(
            (31.85, -116.62),  # Ensenada
            (24.78, -112.10),  # Puerto San Carlos (Bahía Magdalena)
            (22.89, -109.91),  # Cabo San Lucas
            (19.05, -104.32),  # Manzanillo
            (18.72, -110.95),  # Isla Socorro (naval station)
            (28.87, -118.30),  # Isla Guadalupe
        ),
        lanes=(
            (
                (18.9, -104.5),
                (20.5, -106.5),
                (22.6, -110.2),
                (24.5, -112.9),
                (27.5, -115.5),
                (31.5, -116.9),
            ),
            ((29.0, -125.0), (31.3, -117.2)),
            ((20.0, -125.0), (22.4, -110.4)),
        ),
        marinas=((22.86, -109.86), (31.83, -116.68)),
    ),
}
