"""CSV layouts: NOAA MarineCadastre (2015-2023 and 2024+), Danish Maritime Authority (private).

Header names come from ../shared/docs/data-formats.md and from real files (tracktable-data's
NYHarbor_2020_06_30 file: reordered columns, ``TranscieverClass``, extra ``ETA``).
"""

from __future__ import annotations

from vessels import schema as S
from vessels.io._csvcore import Layout

__all__ = ["DMA", "LAYOUTS", "MARINECADASTRE", "MARINECADASTRE_2024"]

MARINECADASTRE = Layout(
    name="marinecadastre",
    columns={
        S.MMSI: ("MMSI",),
        S.TS: ("BaseDateTime",),
        S.LAT: ("LAT",),
        S.LON: ("LON",),
        S.SOG_KN: ("SOG",),
        S.COG_DEG: ("COG",),
        S.HEADING_DEG: ("Heading",),
        S.VESSEL_NAME: ("VesselName",),
        S.IMO: ("IMO",),
        S.CALLSIGN: ("CallSign",),
        S.SHIP_TYPE: ("VesselType",),
        S.NAV_STATUS: ("Status",),
        S.LENGTH_M: ("Length",),
        S.WIDTH_M: ("Width",),
        S.DRAFT_M: ("Draft",),
        S.AIS_CLASS: ("TransceiverClass", "TranscieverClass"),
    },
)

MARINECADASTRE_2024 = Layout(
    name="marinecadastre2024",
    columns={
        S.MMSI: ("mmsi",),
        S.TS: ("base_date_time",),
        S.LAT: ("latitude",),
        S.LON: ("longitude",),
        S.SOG_KN: ("sog",),
        S.COG_DEG: ("cog",),
        S.HEADING_DEG: ("heading",),
        S.VESSEL_NAME: ("vessel_name",),
        S.IMO: ("imo",),
        S.CALLSIGN: ("call_sign",),
        S.SHIP_TYPE: ("vessel_type",),
        S.NAV_STATUS: ("status",),
        S.LENGTH_M: ("length",),
        S.WIDTH_M: ("width",),
        S.DRAFT_M: ("draft",),
        S.AIS_CLASS: ("transceiver", "transceiver_class"),
    },
)

#: DMA navigational-status words -> ITU code (ITU-R M.1371, message 1 field "navigational status").
DMA_NAV_STATUS: dict[str, int] = {
    "Under way using engine": 0,
    "At anchor": 1,
    "Not under command": 2,
    "Restricted maneuverability": 3,
    "Restricted manoeuverability": 3,
    "Constrained by her draught": 4,
    "Moored": 5,
    "Aground": 6,
    "Engaged in fishing": 7,
    "Under way sailing": 8,
    "Reserved for future amendment [HSC]": 9,
    "Reserved for future amendment [WIG]": 10,
    "Power-driven vessel towing astern": 11,
    "Power-driven vessel pushing ahead or towing alongside": 12,
    "Reserved for future use": 13,
    "AIS-SART": 14,
    "Unknown value": 15,
}

#: DMA ship-type words -> ITU ship-type code (ITU-R M.1371-5 Table 53). Group words (WIG, HSC,
#: Passenger, Cargo, Tanker, Other) give the group code ``x0``; the ``Cargo type`` column adds the
#: second digit (:data:`DMA_CARGO`). "Reserved" (38/39 or 1-19) maps to no single code: such
#: words are counted in summary.json (``unmapped_words``) and the ship type stays null.
DMA_SHIP_TYPE: dict[str, int] = {
    "WIG": 20,
    "Fishing": 30,
    "Towing": 31,
    "Towing long/wide": 32,
    "Dredging": 33,
    "Diving": 34,
    "Military": 35,
    "Sailing": 36,
    "Pleasure": 37,
    "HSC": 40,
    "Pilot": 50,
    "SAR": 51,
    "Tug": 52,
    "Port tender": 53,
    "Anti-pollution": 54,
    "Law enforcement": 55,
    "Spare 1": 56,
    "Spare 2": 57,
    "Spare - Local Vessel": 56,
    "Medical": 58,
    "Not party to conflict": 59,
    "Passenger": 60,
    "Cargo": 70,
    "Tanker": 80,
    "Other": 90,
}

#: DMA ``Cargo type`` words -> second digit of the ship type (ITU-R M.1371-5 Table 53: 1-4 =
#: carrying dangerous goods, harmful substances or marine pollutants of IMO hazard or pollutant
#: category X/Y/Z/OS, formerly hazard category A/B/C/D; 9 = no additional information).
DMA_CARGO: dict[str, int] = {
    "Category X": 1,
    "Category Y": 2,
    "Category Z": 3,
    "Category OS": 4,
    "Hazardous category A": 1,
    "Hazardous category B": 2,
    "Hazardous category C": 3,
    "Hazardous category D": 4,
    "No additional information": 9,
}

DMA = Layout(
    name="dma",
    columns={
        S.TS: ("# Timestamp", "Timestamp"),
        S.AIS_CLASS: ("Type of mobile",),
        S.MMSI: ("MMSI",),
        S.LAT: ("Latitude",),
        S.LON: ("Longitude",),
        S.NAV_STATUS: ("Navigational status",),
        S.SOG_KN: ("SOG",),
        S.COG_DEG: ("COG",),
        S.HEADING_DEG: ("Heading",),
        S.IMO: ("IMO",),
        S.CALLSIGN: ("Callsign",),
        S.VESSEL_NAME: ("Name",),
        S.SHIP_TYPE: ("Ship type",),
        S.WIDTH_M: ("Width",),
        S.LENGTH_M: ("Length",),
        S.DRAFT_M: ("Draught",),
        S.DESTINATION: ("Destination",),
    },
    ts_format="%d/%m/%Y %H:%M:%S",
    null_tokens=("Unknown", "Undefined", "Unknown value"),
    text_codes={S.NAV_STATUS: DMA_NAV_STATUS, S.SHIP_TYPE: DMA_SHIP_TYPE},
    class_map={"Class A": "A", "Class B": "B"},
    non_vessel_prefix="non_vessel_dma",
    cargo_columns=("Cargo type",),
    cargo_codes=DMA_CARGO,
)

LAYOUTS: dict[str, Layout] = {
    MARINECADASTRE.name: MARINECADASTRE,
    MARINECADASTRE_2024.name: MARINECADASTRE_2024,
    DMA.name: DMA,
}
