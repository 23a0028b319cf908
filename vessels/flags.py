"""Flag state and identity checks from the MMSI, as polars expressions.

The Maritime Identification Digits (MID) of a ship station MMSI ``MIDxxxxxx`` name its flag
state (ITU-R M.585, Table of MIDs). The MID -> country table below is pyais' table
(``pyais.util.COUNTRY_MAPPING``, MIT, ISO 3166 alpha-2; ``UK`` read as GBR), converted once to
ISO 3166-1 alpha-3 with the Debian ``iso-codes`` list; it is a frozen literal so the lookup is a
vectorised ``replace_strict`` with no Python per row.

Station kinds (ITU-R M.585; see ../shared/docs/data-formats.md, "MMSI"):

* ``00MIDxxxx`` coast/base stations, ``111MIDxxx`` SAR aircraft (MID 2xx-7xx in both),
  ``970xxxxxx``/``972xxxxxx``/``974xxxxxx`` AIS-SART, MOB and EPIRB, ``99MIDxxxx`` aids to
  navigation: **not vessels**;
  :func:`non_vessel_reason` names them so cleaning can exclude and count them.
* ``98MIDxxxx`` craft associated with a parent ship: a vessel; its flag comes from digits 3-5.
* Everything else is treated as a vessel. Wrong length, unknown MID, ``123456789`` and nine
  repeated digits (``000000000``, ``111111111``...) are **kept** and flagged by
  :func:`mmsi_valid` = ``False``: a false identity is a risk signal, not noise.

Examples
--------
>>> import polars as pl
>>> df = pl.DataFrame({"mmsi": [345070339, 367000140, 123456789, 2_470_000, 992_351_000]},
...                   schema={"mmsi": pl.UInt32})
>>> df.select(flag_from_mmsi(pl.col("mmsi"))).to_series().to_list()
['MEX', 'USA', None, None, None]
>>> df.select(mmsi_valid(pl.col("mmsi"))).to_series().to_list()
[True, True, False, False, False]
>>> df.select(non_vessel_reason(pl.col("mmsi"))).to_series().to_list()
[None, None, None, 'non_vessel_base_station', 'non_vessel_aid_to_navigation']
"""

from __future__ import annotations

import polars as pl

__all__ = [
    "MID_TO_ISO3",
    "SYNTHETIC_MMSI_MAX",
    "SYNTHETIC_MMSI_MIN",
    "flag_from_mmsi",
    "is_synthetic",
    "mid_of_mmsi",
    "mmsi_valid",
    "non_vessel_reason",
]

#: First synthetic MMSI (VMS permit/registration numbers, ``vessels.io._vms``): 2**30, one above
#: the largest number the 30-bit AIS MMSI field holds, so no AIS message carries one.
SYNTHETIC_MMSI_MIN = 2**30
#: Last synthetic MMSI (the UInt32 maximum).
SYNTHETIC_MMSI_MAX = 2**32 - 1


def is_synthetic(mmsi: pl.Expr) -> pl.Expr:
    """True where ``mmsi`` is in the synthetic range given to non-MMSI (VMS) vessel ids.

    Examples
    --------
    >>> import polars as pl
    >>> pl.select(is_synthetic(pl.lit(345070339, pl.UInt32))).item()
    False
    """
    return mmsi.cast(pl.Int64) >= SYNTHETIC_MMSI_MIN


#: MID -> ISO 3166-1 alpha-3 (from pyais.util.COUNTRY_MAPPING, ITU-R M.585 Table of MIDs).
MID_TO_ISO3: dict[int, str] = {
    201: "ALB",
    202: "AND",
    203: "AUT",
    204: "PRT",
    205: "BEL",
    206: "BLR",
    207: "BGR",
    208: "VAT",
    209: "CYP",
    210: "CYP",
    211: "DEU",
    212: "CYP",
    213: "GEO",
    214: "MDA",
    215: "MLT",
    216: "ARM",
    218: "DEU",
    219: "DNK",
    220: "DNK",
    224: "ESP",
    225: "ESP",
    226: "FRA",
    227: "FRA",
    228: "FRA",
    229: "MLT",
    230: "FIN",
    231: "FRO",
    232: "GBR",
    233: "GBR",
    234: "GBR",
    235: "GBR",
    236: "GIB",
    237: "GRC",
    238: "HRV",
    239: "GRC",
    240: "GRC",
    241: "GRC",
    242: "MAR",
    243: "HUN",
    244: "NLD",
    245: "NLD",
    246: "NLD",
    247: "ITA",
    248: "MLT",
    249: "MLT",
    250: "IRL",
    251: "ISL",
    252: "LIE",
    253: "LUX",
    254: "MCO",
    255: "PRT",
    256: "MLT",
    257: "NOR",
    258: "NOR",
    259: "NOR",
    261: "POL",
    262: "MNE",
    263: "PRT",
    264: "ROU",
    265: "SWE",
    266: "SWE",
    267: "SVK",
    268: "SMR",
    269: "CHE",
    270: "CZE",
    271: "TUR",
    272: "UKR",
    273: "RUS",
    274: "MKD",
    275: "LVA",
    276: "EST",
    277: "LTU",
    278: "SVN",
    279: "SRB",
    301: "AIA",
    303: "USA",
    304: "ATG",
    305: "ATG",
    306: "CUW",
    307: "ABW",
    308: "BHS",
    309: "BHS",
    310: "BMU",
    311: "BHS",
    312: "BLZ",
    314: "BRB",
    316: "CAN",
    319: "CYM",
    321: "CRI",
    323: "CUB",
    325: "DMA",
    327: "DOM",
    329: "GLP",
    330: "GRD",
    331: "GRL",
    332: "GTM",
    334: "HND",
    336: "HTI",
    338: "USA",
    339: "JAM",
    341: "KNA",
    343: "LCA",
    345: "MEX",
    347: "MTQ",
    348: "MSR",
    350: "NIC",
    351: "PAN",
    352: "PAN",
    353: "PAN",
    354: "PAN",
    355: "PAN",
    356: "PAN",
    357: "PAN",
    358: "PRI",
    359: "SLV",
    361: "SPM",
    362: "TTO",
    364: "TCA",
    366: "USA",
    367: "USA",
    368: "USA",
    369: "USA",
    370: "PAN",
    371: "PAN",
    372: "PAN",
    373: "PAN",
    374: "PAN",
    375: "VCT",
    376: "VCT",
    377: "VCT",
    378: "VGB",
    379: "VIR",
    401: "AFG",
    403: "SAU",
    405: "BGD",
    408: "BHR",
    410: "BTN",
    412: "CHN",
    413: "CHN",
    414: "CHN",
    416: "TWN",
    417: "LKA",
    419: "IND",
    422: "IRN",
    423: "AZE",
    425: "IRQ",
    428: "ISR",
    431: "JPN",
    432: "JPN",
    434: "TKM",
    436: "KAZ",
    437: "UZB",
    438: "JOR",
    440: "KOR",
    441: "KOR",
    443: "PSE",
    445: "PRK",
    447: "KWT",
    450: "LBN",
    451: "KGZ",
    453: "MAC",
    455: "MDV",
    457: "MNG",
    459: "NPL",
    461: "OMN",
    463: "PAK",
    466: "QAT",
    468: "SYR",
    470: "ARE",
    471: "ARE",
    472: "TJK",
    473: "YEM",
    475: "YEM",
    477: "HKG",
    478: "BIH",
    501: "ATA",
    503: "AUS",
    506: "MMR",
    508: "BRN",
    510: "FSM",
    511: "PLW",
    512: "NZL",
    514: "KHM",
    515: "KHM",
    516: "CXR",
    518: "COK",
    520: "FJI",
    523: "CCK",
    525: "IDN",
    529: "KIR",
    531: "LAO",
    533: "MYS",
    536: "MNP",
    538: "MHL",
    540: "NCL",
    542: "NIU",
    544: "NRU",
    546: "PYF",
    548: "PHL",
    553: "PNG",
    555: "PCN",
    557: "SLB",
    559: "ASM",
    561: "WSM",
    563: "SGP",
    564: "SGP",
    565: "SGP",
    566: "SGP",
    567: "THA",
    570: "TON",
    572: "TUV",
    574: "VNM",
    576: "VUT",
    577: "VUT",
    578: "WLF",
    601: "ZAF",
    603: "AGO",
    605: "DZA",
    607: "ATF",
    608: "IOT",
    609: "BDI",
    610: "BEN",
    611: "BWA",
    612: "CAF",
    613: "CMR",
    615: "COG",
    616: "COM",
    617: "CPV",
    618: "ATA",
    619: "CIV",
    620: "COM",
    621: "DJI",
    622: "EGY",
    624: "ETH",
    625: "ERI",
    626: "GAB",
    627: "GHA",
    629: "GMB",
    630: "GNB",
    631: "GNQ",
    632: "GIN",
    633: "BFA",
    634: "KEN",
    635: "ATA",
    636: "LBR",
    637: "LBR",
    642: "LBY",
    644: "LSO",
    645: "MUS",
    647: "MDG",
    649: "MLI",
    650: "MOZ",
    654: "MRT",
    655: "MWI",
    656: "NER",
    657: "NGA",
    659: "NAM",
    660: "REU",
    661: "RWA",
    662: "SDN",
    663: "SEN",
    664: "SYC",
    665: "SHN",
    666: "SOM",
    667: "SLE",
    668: "STP",
    669: "SWZ",
    670: "TCD",
    671: "TGO",
    672: "TUN",
    674: "TZA",
    675: "UGA",
    676: "COD",
    677: "TZA",
    678: "ZMB",
    679: "ZWE",
    701: "ARG",
    710: "BRA",
    720: "BOL",
    725: "CHL",
    730: "COL",
    735: "ECU",
    740: "GBR",
    745: "GUF",
    750: "GUY",
    755: "PRY",
    760: "PER",
    765: "SUR",
    770: "URY",
    775: "VEN",
}

_KNOWN_FAKE = (123_456_789, 987_654_321)
_REPEATED = tuple(d * 111_111_111 for d in range(10))


def mid_of_mmsi(mmsi: pl.Expr) -> pl.Expr:
    """The MID of a ship MMSI (``MIDxxxxxx`` or ``98MIDxxxx``), else null.

    Examples
    --------
    >>> import polars as pl
    >>> pl.select(mid_of_mmsi(pl.lit(983450001, pl.UInt32))).item()
    345
    """
    m = mmsi.cast(pl.Int64)
    nine = (m >= 100_000_000) & (m <= 999_999_999)
    return (
        pl.when(nine & (m >= 980_000_000) & (m < 990_000_000))
        .then((m // 10_000) % 1000)
        .when(nine & (m >= 200_000_000) & (m < 800_000_000))
        .then(m // 1_000_000)
        .otherwise(None)
    )


def flag_from_mmsi(mmsi: pl.Expr) -> pl.Expr:
    """ISO 3166-1 alpha-3 flag state from the MID of ``mmsi`` (null when unknown).

    Examples
    --------
    >>> import polars as pl
    >>> pl.select(flag_from_mmsi(pl.lit(412000001, pl.UInt32))).item()
    'CHN'
    """
    return mid_of_mmsi(mmsi).replace_strict(MID_TO_ISO3, default=None, return_dtype=pl.String)


def mmsi_valid(mmsi: pl.Expr) -> pl.Expr:
    """True for a plausible ship MMSI: nine digits, known MID, not an obvious fake.

    Examples
    --------
    >>> import polars as pl
    >>> pl.select(mmsi_valid(pl.lit(111111111, pl.UInt32))).item()
    False
    """
    m = mmsi.cast(pl.Int64)
    fake = m.is_in(_KNOWN_FAKE + _REPEATED)
    return (flag_from_mmsi(mmsi).is_not_null() & ~fake).fill_null(False)


def non_vessel_reason(mmsi: pl.Expr) -> pl.Expr:
    """Reason (rule name) when ``mmsi`` belongs to a station that is not a vessel, else null.

    ``000000000``, ``111111111`` and ``999999999`` are fakes (kept and flagged), not stations.

    Examples
    --------
    >>> import polars as pl
    >>> pl.select(non_vessel_reason(pl.lit(970123456, pl.UInt32))).item()
    'non_vessel_sart_mob_epirb'
    """
    m = mmsi.cast(pl.Int64)
    return (
        pl.when((m >= 2_000_000) & (m < 8_000_000))
        .then(pl.lit("non_vessel_base_station"))
        .when((m >= 111_200_000) & (m < 111_800_000))
        .then(pl.lit("non_vessel_sar_aircraft"))
        .when(
            ((m >= 970_000_000) & (m < 971_000_000))
            | ((m >= 972_000_000) & (m < 973_000_000))
            | ((m >= 974_000_000) & (m < 975_000_000))
        )
        .then(pl.lit("non_vessel_sart_mob_epirb"))
        .when((m >= 992_000_000) & (m < 998_000_000))
        .then(pl.lit("non_vessel_aid_to_navigation"))
        .otherwise(pl.lit(None, pl.String))
    )
