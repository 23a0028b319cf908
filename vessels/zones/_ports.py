"""Ports (NGA World Port Index) and anchorages learned from the data (the GFW way).

Ports
    :data:`PORTS_FILE` in ``vessels/data/`` is a compact copy of the World Port Index (NGA,
    public domain; the copy shipped by the PyPI package ``tracktable-data``): 3,696 ports with
    name, country, harbour size and type and position, rebuilt by :func:`build_ports`
    (``vessels zones build-ports``). A position is *in port* when it lies within the radius of a
    port's harbour size (:data:`PORT_RADIUS_KM`) of that port's WPI position.

Anchorages
    :func:`learn_anchorages` finds them in the user's own positions as Global Fishing Watch does
    (published method): cells of about 0.5 km where at least ``min_vessels`` distinct vessels
    stayed (speed below 0.5 kn) over the data; each is named after the nearest WPI port. Learning
    from the data works anywhere, without a download.

Examples
--------
>>> ports = load_ports()
>>> ports.filter(pl.col("port_name") == "Ensenada").select("country", "iso3", "harbour_size").row(0)
('Mexico', 'MEX', 'Medium')
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

import numpy as np
import polars as pl
from scipy.spatial import cKDTree

from vessels import schema as S
from vessels._geo import chord_of_km as _chord
from vessels._geo import km_of_chord as _km
from vessels._geo import unit_xyz as _unit_xyz_world
from vessels.errors import SchemaError
from vessels.zones._naturalearth import data_dir

__all__ = [
    "ANCHORAGE_CELL_DEG",
    "PORTS_FILE",
    "PORT_RADIUS_KM",
    "WPI_COUNTRY_ISO3",
    "anchorage_cells",
    "build_ports",
    "learn_anchorages",
    "load_ports",
    "nearest_port",
]

PORTS_FILE = "wpi_ports.csv"
#: In-port radius (km) around a WPI position by WPI harbour size. WPI gives one point per port;
#: berths, basins and terminals spread around it, the more so the larger the port.
PORT_RADIUS_KM: dict[str, float] = {
    "Very Small": 2.0,
    "Small": 3.0,
    "Medium": 5.0,
    "Large": 8.0,
    "": 3.0,
}
_MAX_RADIUS_KM = max(PORT_RADIUS_KM.values())
#: Anchorage cell size (deg): 0.005 deg is ~0.56 km north-south (narrower east-west away from the
#: equator), close to the ~0.5 km S2 cells of GFW's anchorages.
ANCHORAGE_CELL_DEG = 0.005
_NX = round(360 / ANCHORAGE_CELL_DEG)

#: WPI country name (its "Country Code" column holds names) -> ISO 3166-1 alpha-3, the code the
#: ``flag`` column uses. Matched against the Debian ``iso-codes`` list (name, common or official
#: name) once; the WPI spellings that list lacks were assigned by hand (Burma -> MMR, Congo
#: (Brazzaville) -> COG, Johnson Atoll / Midway / Wake -> UMI, Svalbard -> SJM, ...). Territories
#: keep their own code (Puerto Rico PRI, Guam GUM), as MIDs do.
WPI_COUNTRY_ISO3: dict[str, str] = {
    "Albania": "ALB",
    "Algeria": "DZA",
    "American Samoa": "ASM",
    "Angola": "AGO",
    "Antarctica": "ATA",
    "Antigua and Barbuda": "ATG",
    "Argentina": "ARG",
    "Aruba": "ABW",
    "Australia": "AUS",
    "Bahrain": "BHR",
    "Bangladesh": "BGD",
    "Barbados": "BRB",
    "Belgium": "BEL",
    "Belize": "BLZ",
    "Benin": "BEN",
    "Bermuda": "BMU",
    "Bosnia and Herzegovina": "BIH",
    "Brazil": "BRA",
    "British Indian Ocean Territory": "IOT",
    "British Virgin Islands": "VGB",
    "Brunei": "BRN",
    "Bulgaria": "BGR",
    "Burma": "MMR",
    "Cabo Verde": "CPV",
    "Cambodia": "KHM",
    "Cameroon": "CMR",
    "Canada": "CAN",
    "Caribbean Netherlands": "BES",
    "Cayman Islands": "CYM",
    "Chile": "CHL",
    "China": "CHN",
    "Christmas Island": "CXR",
    "Colombia": "COL",
    "Comoros": "COM",
    "Congo (Brazzaville)": "COG",
    "Congo (Kinshasa)": "COD",
    "Cook Islands": "COK",
    "Costa Rica": "CRI",
    "Cote D'Ivoire": "CIV",
    "Croatia": "HRV",
    "Cuba": "CUB",
    "Curacao": "CUW",
    "Cyprus": "CYP",
    "Denmark": "DNK",
    "Djibouti": "DJI",
    "Dominica": "DMA",
    "Dominican Republic": "DOM",
    "Ecuador": "ECU",
    "Egypt": "EGY",
    "El Salvador": "SLV",
    "Equatorial Guinea": "GNQ",
    "Eritrea": "ERI",
    "Estonia": "EST",
    "Falkland Islands (Islas Malvinas)": "FLK",
    "Faroe Islands": "FRO",
    "Federated States of Micronesia": "FSM",
    "Fiji": "FJI",
    "Finland": "FIN",
    "France": "FRA",
    "French Guiana": "GUF",
    "French Polynesia": "PYF",
    "Gabon": "GAB",
    "Georgia": "GEO",
    "Germany": "DEU",
    "Ghana": "GHA",
    "Gibraltar": "GIB",
    "Greece": "GRC",
    "Greenland": "GRL",
    "Grenada": "GRD",
    "Guadeloupe": "GLP",
    "Guam": "GUM",
    "Guatemala": "GTM",
    "Guernsey": "GGY",
    "Guinea": "GIN",
    "Guinea-Bissau": "GNB",
    "Guyana": "GUY",
    "Haiti": "HTI",
    "Honduras": "HND",
    "Hong Kong": "HKG",
    "Iceland": "ISL",
    "India": "IND",
    "Indonesia": "IDN",
    "Iran": "IRN",
    "Iraq": "IRQ",
    "Ireland": "IRL",
    "Isle of Man": "IMN",
    "Israel": "ISR",
    "Italy": "ITA",
    "Jamaica": "JAM",
    "Japan": "JPN",
    "Jersey": "JEY",
    "Johnson Atoll": "UMI",
    "Jordan": "JOR",
    "Kenya": "KEN",
    "Kiribati": "KIR",
    "Kuwait": "KWT",
    "Latvia": "LVA",
    "Lebanon": "LBN",
    "Liberia": "LBR",
    "Libya": "LBY",
    "Lithuania": "LTU",
    "Macau": "MAC",
    "Madagascar": "MDG",
    "Malaysia": "MYS",
    "Maldives": "MDV",
    "Malta": "MLT",
    "Marshall Islands": "MHL",
    "Martinique": "MTQ",
    "Mauritania": "MRT",
    "Mauritius": "MUS",
    "Mexico": "MEX",
    "Midway Islands": "UMI",
    "Monaco": "MCO",
    "Montenegro": "MNE",
    "Morocco": "MAR",
    "Mozambique": "MOZ",
    "Namibia": "NAM",
    "Nauru": "NRU",
    "Netherlands": "NLD",
    "New Caledonia": "NCL",
    "New Zealand": "NZL",
    "Nicaragua": "NIC",
    "Nigeria": "NGA",
    "Niue": "NIU",
    "Norfolk Island": "NFK",
    "North Korea": "PRK",
    "Northern Mariana Islands": "MNP",
    "Norway": "NOR",
    "Oman": "OMN",
    "Pakistan": "PAK",
    "Palau": "PLW",
    "Panama": "PAN",
    "Papua New Guinea": "PNG",
    "Paraguay": "PRY",
    "Peru": "PER",
    "Philippines": "PHL",
    "Poland": "POL",
    "Portugal": "PRT",
    "Puerto Rico": "PRI",
    "Qatar": "QAT",
    "Reunion": "REU",
    "Romania": "ROU",
    "Russia": "RUS",
    "Saint Helena, Ascension, and Tristan da Cunha": "SHN",
    "Saint Kitts and Nevis": "KNA",
    "Saint Lucia": "LCA",
    "Saint Pierre and Miquelon": "SPM",
    "Saint Vincent and the Grenadines (Windward Islands)": "VCT",
    "Samoa": "WSM",
    "Sao Tome and Principe": "STP",
    "Saudi Arabia": "SAU",
    "Senegal": "SEN",
    "Seychelles": "SYC",
    "Sierra Leone": "SLE",
    "Singapore": "SGP",
    "Sint Maarten": "SXM",
    "Slovenia": "SVN",
    "Solomon Islands": "SLB",
    "Somalia": "SOM",
    "South Africa": "ZAF",
    "South Georgia and South Sandwich Islands": "SGS",
    "South Korea": "KOR",
    "Spain": "ESP",
    "Sri Lanka": "LKA",
    "Sudan": "SDN",
    "Suriname": "SUR",
    "Svalbard": "SJM",
    "Sweden": "SWE",
    "Syria": "SYR",
    "Taiwan": "TWN",
    "Tanzania": "TZA",
    "Thailand": "THA",
    "The Bahamas": "BHS",
    "The Gambia": "GMB",
    "Timor-Leste": "TLS",
    "Togo": "TGO",
    "Tonga": "TON",
    "Trinidad and Tobago": "TTO",
    "Tunisia": "TUN",
    "Turkey": "TUR",
    "Turks and Caicos Islands": "TCA",
    "Tuvalu": "TUV",
    "U.S. Virgin Islands": "VIR",
    "Ukraine": "UKR",
    "United Arab Emirates": "ARE",
    "United Kingdom": "GBR",
    "United States": "USA",
    "Uruguay": "URY",
    "Vanuatu": "VUT",
    "Venezuela": "VEN",
    "Vietnam": "VNM",
    "Wake Island": "UMI",
    "Wallis and Futuna": "WLF",
    "Western Sahara": "ESH",
    "Yemen": "YEM",
}

_WPI_COLUMNS = {
    "World Port Index Number": "wpi_id",
    "Main Port Name": "port_name",
    "Country Code": "country",
    "Harbor Size": "harbour_size",
    "Harbor Type": "harbour_type",
    "Latitude": "lat",
    "Longitude": "lon",
}


def build_ports(source_csv: str | Path | None = None, out_dir: str | Path | None = None) -> Path:
    """Compact the World Port Index CSV (default: the copy in ``tracktable-data``) into
    :data:`PORTS_FILE` (sorted by WPI number; deterministic)."""
    if source_csv is None:
        from vessels.zones._world_build import gshhg_dir

        source_csv = gshhg_dir() / "ports.csv"
    df = pl.read_csv(source_csv, glob=False, infer_schema_length=0)
    missing = [c for c in _WPI_COLUMNS if c not in df.columns]
    if missing:
        raise SchemaError(f"{source_csv}: not a World Port Index CSV (missing {missing})")
    df = (
        df.select([pl.col(k).alias(v) for k, v in _WPI_COLUMNS.items()])
        .with_columns(
            pl.col("wpi_id").cast(pl.Int64),
            pl.col("lat").cast(pl.Float64).round(6),
            pl.col("lon").cast(pl.Float64).round(6),
            pl.col("port_name", "country", "harbour_size", "harbour_type").str.strip_chars(),
        )
        .sort("wpi_id")
    )
    unknown = sorted(set(df["country"].to_list()) - set(WPI_COUNTRY_ISO3))
    if unknown:
        raise SchemaError(
            f"{source_csv}: World Port Index country names without an ISO 3166 code: {unknown} "
            "(add them to vessels.zones._ports.WPI_COUNTRY_ISO3)"
        )
    df = df.with_columns(
        pl.col("country").replace_strict(WPI_COUNTRY_ISO3, return_dtype=pl.String).alias("iso3")
    ).select("wpi_id", "port_name", "country", "iso3", "harbour_size", "harbour_type", "lat", "lon")
    out = (Path(out_dir) if out_dir is not None else data_dir()) / PORTS_FILE
    df.write_csv(out)
    return out


@lru_cache(maxsize=1)
def load_ports() -> pl.DataFrame:
    """The shipped World Port Index ports: ``wpi_id, port_name, country`` (the WPI's name),
    ``iso3`` (ISO 3166-1 alpha-3), ``harbour_size, harbour_type, lat, lon, radius_km``."""
    df = pl.read_csv(
        data_dir() / PORTS_FILE,
        glob=False,
        schema_overrides={"wpi_id": pl.Int64, "lat": pl.Float64, "lon": pl.Float64},
        infer_schema_length=0,
    ).with_columns(
        pl.col("port_name", "country", "iso3", "harbour_size", "harbour_type").fill_null("")
    )
    radius = pl.col("harbour_size").replace_strict(PORT_RADIUS_KM, default=3.0)
    return df.with_columns(radius.cast(pl.Float64).alias("radius_km"))


@lru_cache(maxsize=1)
def _port_tree() -> tuple[cKDTree, np.ndarray]:
    p = load_ports()
    xyz = _unit_xyz_world(p["lat"].to_numpy(), p["lon"].to_numpy())
    return cKDTree(xyz), p["radius_km"].to_numpy()


def nearest_port(
    lat: np.ndarray, lon: np.ndarray, *, max_km: float = np.inf
) -> tuple[np.ndarray, np.ndarray]:
    """Row of the nearest WPI port in :func:`load_ports` (-1 beyond ``max_km``) and its distance
    in km (``inf`` beyond ``max_km``) per point."""
    tree, _ = _port_tree()
    ub = _chord(max_km) if np.isfinite(max_km) else np.inf
    chord, idx = tree.query(_unit_xyz_world(lat, lon), distance_upper_bound=ub, workers=-1)
    found = np.isfinite(chord)
    return np.where(found, idx, -1), np.where(found, _km(chord), np.inf)


_MASK_DEG = 0.1  # cell size of the "a port radius may reach here" prefilter


@lru_cache(maxsize=1)
def _port_cell_mask() -> np.ndarray:
    """Boolean 0.1 deg grid (lat -90..90 rows, lon -180..180 columns): True where some WPI port's
    in-port radius may reach into the cell. Points elsewhere skip the k-d query (most coastal
    traffic is not in a port; measured ~0.4 CPU-s saved per 2 M coastal positions)."""
    p = load_ports()
    lat = p["lat"].to_numpy()
    lon = p["lon"].to_numpy()
    r_deg = p["radius_km"].to_numpy() / 111.19 + 0.01  # + margin for the spherical distance
    ny, nx = int(180 / _MASK_DEG), int(360 / _MASK_DEG)
    i = np.clip(((lat + 90.0) / _MASK_DEG).astype(np.int64), 0, ny - 1)
    j = np.mod(((lon + 180.0) / _MASK_DEG).astype(np.int64), nx)
    di = np.ceil(r_deg / _MASK_DEG).astype(np.int64)
    coslat = np.maximum(np.cos(np.radians(np.minimum(np.abs(lat) + r_deg, 90.0))), 1e-3)
    dj = np.minimum(np.ceil(r_deg / coslat / _MASK_DEG).astype(np.int64), nx // 2)
    mask = np.zeros((ny, nx), dtype=bool)
    for a in range(-int(di.max()), int(di.max()) + 1):
        for b in range(-int(dj.max()), int(dj.max()) + 1):
            sel = (abs(a) <= di) & (abs(b) <= dj)
            mask[np.clip(i[sel] + a, 0, ny - 1), np.mod(j[sel] + b, nx)] = True
    return mask


def in_port_arrays(lat: np.ndarray, lon: np.ndarray) -> np.ndarray:
    """Row of the WPI port whose in-port radius contains each point (the nearest such port among
    the four nearest), -1 for none. Callers pass only points near water."""
    out = np.full(lat.shape, -1, dtype=np.int64)
    if lat.size == 0:
        return out
    mask = _port_cell_mask()
    ci = np.clip(np.floor((lat + 90.0) / _MASK_DEG), 0, mask.shape[0] - 1).astype(np.int64)
    cj = np.mod(np.floor((lon + 180.0) / _MASK_DEG), mask.shape[1]).astype(np.int64)
    cand = np.flatnonzero(mask[ci, cj])
    if cand.size == 0:
        return out
    if cand.size < lat.size:
        out[cand] = in_port_arrays_all(lat[cand], lon[cand])
        return out
    return in_port_arrays_all(lat, lon)


def in_port_arrays_all(lat: np.ndarray, lon: np.ndarray) -> np.ndarray:
    """:func:`in_port_arrays` without the cell prefilter (the k-d query for every point)."""
    tree, radius = _port_tree()
    out = np.full(lat.shape, -1, dtype=np.int64)
    if lat.size == 0:
        return out
    chord, idx = tree.query(
        _unit_xyz_world(lat, lon), k=4, distance_upper_bound=_chord(_MAX_RADIUS_KM), workers=-1
    )
    km = _km(chord)
    safe = np.minimum(idx, len(radius) - 1)
    ok = np.isfinite(chord) & (km <= radius[safe])
    first = np.argmax(ok, axis=1)
    hit = ok.any(axis=1)
    out[hit] = idx[hit, first[hit]]
    return out


def anchorage_cells(lat: pl.Expr, lon: pl.Expr) -> pl.Expr:
    """Int64 key of the ~0.5 km anchorage cell of each position (polars expression)."""
    iy = ((lat + 90.0) / ANCHORAGE_CELL_DEG).floor().cast(pl.Int64)
    ix = ((lon + 180.0) / ANCHORAGE_CELL_DEG).floor().cast(pl.Int64) % _NX
    return iy * _NX + ix


def learn_anchorages(
    positions: pl.DataFrame | pl.LazyFrame,
    *,
    min_vessels: int = 20,
    max_sog_kn: float = 0.5,
    dilate: bool = True,
) -> pl.DataFrame:
    """Anchorage cells learned from the positions themselves (Global Fishing Watch's method).

    A ~0.5 km cell (:data:`ANCHORAGE_CELL_DEG`) is an anchorage when at least ``min_vessels``
    distinct MMSIs reported in it with ``sog_kn < max_sog_kn`` (GFW: 20 vessels, 0.5 kn). Each is
    named after the nearest WPI port (``port_name``, ``port_country`` as ISO 3166-1 alpha-3,
    ``port_km``). With
    ``dilate`` the 8 neighbours of every anchorage cell are added (``n_vessels`` 0 for them), so a
    ship swinging at anchor across a cell edge stays at anchor.

    Returns ``cell`` (Int64 key, :func:`anchorage_cells`), ``lat``/``lon`` of the cell centre,
    ``n_vessels``, ``n_positions``, ``port_name``, ``port_country``, ``port_km``.

    Examples
    --------
    >>> import polars as pl
    >>> pos = pl.DataFrame({"mmsi": list(range(25)), "lat": [40.6] * 25, "lon": [-74.05] * 25,
    ...                     "sog_kn": [0.1] * 25})
    >>> a = learn_anchorages(pos, dilate=False)
    >>> a.select("n_vessels", "port_name").row(0)  # the Upper Bay off Staten Island
    (25, 'Stapleton Si')
    """
    lf = positions.lazy() if isinstance(positions, pl.DataFrame) else positions
    names = lf.collect_schema().names()
    for col in (S.MMSI, S.LAT, S.LON, S.SOG_KN):
        if col not in names:
            raise SchemaError(f"learn_anchorages: missing column {col!r}")
    cells = (
        lf.filter(
            (pl.col(S.SOG_KN) < max_sog_kn) & pl.col(S.LAT).is_finite() & pl.col(S.LON).is_finite()
        )
        .group_by(anchorage_cells(pl.col(S.LAT), pl.col(S.LON)).alias("cell"))
        .agg(pl.col(S.MMSI).n_unique().alias("n_vessels"), pl.len().alias("n_positions"))
        .filter(pl.col("n_vessels") >= min_vessels)
        .collect()
    )
    if dilate and cells.height:
        iy, ix = cells["cell"] // _NX, cells["cell"] % _NX
        ring = [
            ((iy + dy) * _NX + (ix + dx) % _NX).alias("cell")
            for dy in (-1, 0, 1)
            for dx in (-1, 0, 1)
            if dy or dx
        ]
        extra = pl.concat([pl.DataFrame([r]) for r in ring]).unique()
        extra = extra.join(cells.select("cell"), on="cell", how="anti").with_columns(
            pl.lit(0, pl.UInt32).alias("n_vessels"), pl.lit(0, pl.UInt32).alias("n_positions")
        )
        cells = pl.concat([cells, extra.select(cells.columns)], how="vertical_relaxed")
    cells = cells.sort("cell")
    cy = (cells["cell"] // _NX).to_numpy() * ANCHORAGE_CELL_DEG - 90.0 + ANCHORAGE_CELL_DEG / 2
    cx = (cells["cell"] % _NX).to_numpy() * ANCHORAGE_CELL_DEG - 180.0 + ANCHORAGE_CELL_DEG / 2
    row, km = nearest_port(cy.astype(np.float64), cx.astype(np.float64))
    ports = load_ports()
    safe = np.maximum(row, 0)
    return cells.with_columns(
        pl.Series(S.LAT, cy, dtype=pl.Float64),
        pl.Series(S.LON, cx, dtype=pl.Float64),
        pl.Series("port_name", ports["port_name"].to_numpy()[safe], dtype=pl.String),
        pl.Series("port_country", ports["iso3"].to_numpy()[safe], dtype=pl.String),
        pl.Series("port_km", km, dtype=pl.Float64),
    ).select(
        "cell", S.LAT, S.LON, "n_vessels", "n_positions", "port_name", "port_country", "port_km"
    )
