"""Point layers (GeoPackage, Shapefile, GeoJSON, FlatGeobuf, GeoParquet) as AIS inputs (private).

A point layer is turned into a CSV beside the other temporary inputs and read like any CSV, so
every row goes through the same rules and accounting: latitude and longitude come from the point
geometry (columns ``LAT``/``LON``), a column named ``mmsi`` (any case) becomes ``MMSI`` and the
first datetime column becomes ``BaseDateTime`` (times converted to UTC) unless the layer has those
columns already; other columns keep their names (``--columns`` can map them). Rows without a
geometry keep empty LAT/LON and are quarantined as missing positions. geopandas/pyogrio are used
here only, at the edge.
"""

from __future__ import annotations

from pathlib import Path

from vessels.errors import FormatError

__all__ = ["GEO_SUFFIXES", "is_geo_layer", "point_layer_to_csv"]

#: Extensions read as vector layers (``.parquet`` only when it carries ``geo`` metadata).
GEO_SUFFIXES = (".gpkg", ".shp", ".geojson", ".fgb")

_SQLITE_MAGIC = b"SQLite format 3\x00"


def _is_geoparquet(path: Path) -> bool:
    try:
        import pyarrow.parquet as pq

        meta = pq.read_schema(path).metadata or {}
    except Exception:  # not a readable Parquet file: the Parquet reader reports it
        return False
    return b"geo" in meta


def is_geo_layer(path: Path) -> bool:
    """Whether ``path`` is a vector layer (by extension, SQLite magic or GeoParquet metadata)."""
    low = path.name.lower()
    if low.endswith(GEO_SUFFIXES):
        return True
    with path.open("rb") as fh:
        head = fh.read(16)
    if head == _SQLITE_MAGIC:
        return True
    if head[:4] == b"PAR1" or low.endswith((".parquet", ".geoparquet")):
        return _is_geoparquet(path)
    return False


def _text_times(series: object) -> object | None:
    """A text column of date-times (``2024/01/02 10:00:00+00`` as Shapefiles write them, or ISO
    8601) parsed to UTC, or None when its first 100 values are not all such times."""
    import pandas as pd

    assert isinstance(series, pd.Series)
    if not (pd.api.types.is_object_dtype(series) or pd.api.types.is_string_dtype(series)):
        return None
    head = series.dropna().head(100).astype(str)
    if head.empty or not head.str.match(r"^\d{4}[-/]\d{2}[-/]\d{2}[T ]\d{2}:\d{2}").all():
        return None
    text = series.astype("string").str.replace("/", "-", n=2, regex=False)
    return pd.to_datetime(text, utc=True, errors="coerce", format="ISO8601")


def point_layer_to_csv(path: Path, name: str, dest: Path) -> Path:
    """Write the points of the vector layer ``path`` as a CSV at ``dest`` (see module doc)."""
    import geopandas as gpd
    import pandas as pd

    low = path.name.lower()
    try:
        if low.endswith((".parquet", ".geoparquet")) or (
            not low.endswith(GEO_SUFFIXES) and _is_geoparquet(path)
        ):
            gdf = gpd.read_parquet(path)
        else:
            gdf = gpd.read_file(path)
    except Exception as exc:  # pyogrio/GDAL errors: the message names the problem, not bytes
        text = str(exc).splitlines()[0][:200] if str(exc) else type(exc).__name__
        raise FormatError(
            f"{name}: cannot read this file as a vector layer ({text})",
            hint="check that it is a GeoPackage/Shapefile/GeoJSON/GeoParquet of points",
        ) from None
    geom = gdf.geometry
    kinds = set(geom.dropna().geom_type.unique())
    if kinds - {"Point"}:
        raise FormatError(
            f"{name}: the layer holds {', '.join(sorted(kinds))} geometries; AIS inputs are points",
            hint="export one point per position (e.g. from a tracks layer: its vertices)",
        )
    if gdf.crs is not None and not gdf.crs.equals("EPSG:4326"):
        geom = geom.to_crs("EPSG:4326")
    frame = pd.DataFrame(gdf.drop(columns=gdf.geometry.name))
    lower = {str(c).lower(): c for c in frame.columns}
    if "lat" not in lower and "lon" not in lower:
        frame["LAT"] = geom.y.where(geom.notna())
        frame["LON"] = geom.x.where(geom.notna())
    if "mmsi" in lower and lower["mmsi"] != "MMSI":
        frame = frame.rename(columns={lower["mmsi"]: "MMSI"})
    if not any(pd.api.types.is_datetime64_any_dtype(frame[c]) for c in frame.columns):
        for col in frame.columns:  # Shapefiles store times as text: the first such column
            parsed = _text_times(frame[col])
            if parsed is not None:
                frame[col] = parsed
                break
    for col in list(frame.columns):
        series = frame[col]
        if isinstance(series.dtype, pd.DatetimeTZDtype):
            frame[col] = series.dt.tz_convert("UTC").dt.tz_localize(None)
    times = [c for c in frame.columns if pd.api.types.is_datetime64_any_dtype(frame[c])]
    if times and "basedatetime" not in lower:
        frame = frame.rename(columns={times[0]: "BaseDateTime"})
    for col in frame.columns:
        if pd.api.types.is_datetime64_any_dtype(frame[col]):
            frame[col] = frame[col].dt.strftime("%Y-%m-%dT%H:%M:%S.%f")
    frame.to_csv(dest, index=False)
    return dest
