"""Reading AIS files: format sniffing, one reader per format, cleaning and row accounting.

Formats: NOAA MarineCadastre CSV (2015-2023 layout and variants, 2024+ snake_case), Danish
Maritime Authority CSV, raw NMEA (``!AIVDM``/``!AIVDO``, decoded with pyais), Parquet/GeoParquet
in the canonical schema, tracktable ``.traj``, and any CSV with a column mapping. Plain, ``.zip``,
``.gz`` and ``.zst`` files; globs, directories and lists of them.

Examples
--------
>>> from vessels.io import FORMATS, read_ais
>>> "marinecadastre" in FORMATS
True
"""

from __future__ import annotations

from vessels.io._read import (
    FILE_NO,
    FILTERED_OUT,
    FORMATS,
    MIN_ACCEPTED_SHARE,
    Ingested,
    acceptance_problem,
    parse_columns,
    read_ais,
)

__all__ = [
    "FILE_NO",
    "FILTERED_OUT",
    "FORMATS",
    "MIN_ACCEPTED_SHARE",
    "Ingested",
    "acceptance_problem",
    "parse_columns",
    "read_ais",
]
