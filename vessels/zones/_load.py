"""Load zone layers from the files analysts have (GeoJSON, GeoPackage, Shapefile, GeoParquet).

Recognised attribute schemas (case-insensitive):

* **Marine Regions** World EEZ (``MRGID, GEONAME, POL_TYPE, ISO_TER1, ISO_SOV1, ...``): kind
  ``eez``, ``zone_id`` ``mr-<MRGID>``, ``iso3`` = ``ISO_SOV1`` (sovereign), name ``GEONAME``.
* **WDPA** (``WDPAID, NAME, DESIG_ENG, IUCN_CAT, MARINE, NO_TAKE, STATUS, ISO3``): kind
  ``no_take`` when ``NO_TAKE == 'All'`` (as Global Fishing Watch does), else
  ``protected_area``; ``zone_id`` ``wdpa-<WDPAID>``.
* **vessels** zone tables (``zone_id, name, kind`` at least), e.g. the default layers.

Any other file needs ``name_field`` and ``kind``; without them a :class:`~vessels.errors.UserError`
lists the fields found. Every layer is reprojected to EPSG:4326 (a file without a CRS is taken as
EPSG:4326); invalid polygons are repaired with a :class:`ZoneGeometryWarning` naming the feature;
empty or non-polygon features, and coordinates that cannot be degrees (|lat| > 90, |lon| > 180,
not finite; swapped latitude/longitude is named as such) are refused naming the file and the
feature; polygons drawn across the antimeridian (a ring jumping from +179 to -179) are split at
180 degrees. Features that repeat a zone id with the same name (parcels of one area) are merged
with a warning; a zone id naming two different features is refused.

A user EEZ layer (kind ``eez``) replaces the default approximate EEZ of the same ``iso3``; any
layer replaces a default zone with the same ``zone_id``; everything else is added.

Examples
--------
>>> import json, tempfile, pathlib
>>> feat = {"type": "Feature", "properties": {"MRGID": 8424, "GEONAME": "Mexican EEZ",
...         "POL_TYPE": "200NM", "ISO_TER1": "MEX", "ISO_SOV1": "MEX"},
...         "geometry": {"type": "Polygon", "coordinates": [
...             [[-118, 14], [-86, 14], [-86, 32], [-118, 32], [-118, 14]]]}}
>>> path = pathlib.Path(tempfile.mkdtemp()) / "eez.geojson"
>>> _ = path.write_text(json.dumps({"type": "FeatureCollection", "features": [feat]}))
>>> z = load_zones([path])
>>> z.loc[z["kind"] == "eez", "zone_id"].tolist()[:2]
['eez-USA', 'eez-GTM']
>>> "mr-8424" in set(z["zone_id"]), "eez-MEX" in set(z["zone_id"])
(True, False)
"""

from __future__ import annotations

import warnings
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import shapely
import shapely.affinity
from shapely.geometry.base import BaseGeometry

from vessels import schema as S
from vessels.errors import FormatError, UserError

if TYPE_CHECKING:
    import geopandas as gpd

__all__ = ["ZoneGeometryWarning", "load_zone_file", "load_zones"]

MARINE_REGIONS_LICENCE = "CC-BY 4.0 (Flanders Marine Institute, Marine Regions)"
WDPA_LICENCE = "WDPA terms of use (UNEP-WCMC and IUCN, Protected Planet); cite the WDPA release"


class ZoneGeometryWarning(UserWarning):
    """A zone polygon was invalid and has been repaired."""


def _read(path: Path) -> gpd.GeoDataFrame:
    import geopandas as gpd

    if not path.exists():
        raise UserError(f"{path}: zone file not found", hint="check the path")
    suffix = "".join(path.suffixes[-2:]).lower()
    try:
        if path.suffix.lower() in (".parquet", ".geoparquet") or suffix == ".geo.parquet":
            return gpd.read_parquet(path)
        return gpd.read_file(path, engine="pyogrio")
    except UserError:
        raise
    except Exception as exc:  # pyogrio/arrow raise many types for unreadable files
        raise FormatError(
            f"{path}: cannot read as a zone layer ({type(exc).__name__}: {exc})",
            hint="use GeoJSON, GeoPackage, Shapefile (.shp or .zip) or GeoParquet",
        ) from None


def _col(gdf: gpd.GeoDataFrame, name: str) -> str | None:
    """The actual column called ``name`` (case-insensitive), or None."""
    for c in gdf.columns:
        if str(c).lower() == name.lower():
            return str(c)
    return None


def _strings(gdf: gpd.GeoDataFrame, name: str | None, default: str = "") -> np.ndarray:
    if name is None:
        return np.full(len(gdf), default, dtype=object)
    values = gdf[name].to_numpy(dtype=object)
    return np.array(["" if v is None or v != v else str(v) for v in values], dtype=object)


def _ids(gdf: gpd.GeoDataFrame, name: str, prefix: str) -> np.ndarray:
    out = []
    for v in gdf[name].to_numpy(dtype=object):
        if isinstance(v, float) and v == int(v):
            v = int(v)
        out.append(f"{prefix}{v}")
    return np.array(out, dtype=object)


def _fix_antimeridian(geom: BaseGeometry) -> BaseGeometry:
    """Split a polygon whose rings jump across +-180 deg into parts on either side."""
    xy = shapely.get_coordinates(geom)
    rings = shapely.get_rings(geom) if geom.geom_type == "Polygon" else []
    if geom.geom_type == "MultiPolygon":
        rings = [r for p in geom.geoms for r in shapely.get_rings(p)]
    if len(xy) == 0 or not any(
        np.any(np.abs(np.diff(shapely.get_coordinates(r)[:, 0])) > 180.0) for r in rings
    ):
        return geom

    def _east(c: np.ndarray) -> np.ndarray:
        c = c.copy()
        c[:, 0] = np.where(c[:, 0] < 0, c[:, 0] + 360.0, c[:, 0])
        return c

    shifted = shapely.transform(geom, _east)
    west = shapely.clip_by_rect(shifted, -180.0, -90.0, 180.0, 90.0)
    east = shapely.affinity.translate(
        shapely.clip_by_rect(shifted, 180.0, -90.0, 540.0, 90.0), xoff=-360.0
    )
    return shapely.union(west, east)


def _outside_wgs84(xy: np.ndarray) -> str | None:
    """Why coordinates cannot be WGS84 longitude/latitude degrees, or None when they can be."""
    if not np.isfinite(xy).all():
        return "coordinates that are not finite numbers"
    lon = float(np.abs(xy[:, 0]).max())
    lat = float(np.abs(xy[:, 1]).max())
    if lon <= 180.0 and lat <= 90.0:
        return None
    why = (
        "coordinates outside longitude ±180 / latitude ±90 "
        f"(|lon| up to {lon:g}, |lat| up to {lat:g})"
    )
    if lat > 90.0 and lat <= 180.0 and lon <= 90.0:
        why += "; they look swapped (GeoJSON and WKT order is longitude, latitude)"
    elif max(lon, lat) > 1000.0:
        why += "; metres of a projected CRS in a file without its CRS?"
    return why


def _duplicates(
    ids: np.ndarray, names: np.ndarray, geoms: np.ndarray, path: Path
) -> tuple[np.ndarray, np.ndarray]:
    """Merge features sharing a zone id and a name (parcels of one area) with a warning; refuse
    ids shared by differently named features. Returns the kept row positions and geometries."""
    first: dict[str, int] = {}
    clash: list[str] = []
    merged: list[str] = []
    keep: list[int] = []
    out = list(geoms)
    for i, zid in enumerate(ids):
        key = str(zid)
        j = first.get(key)
        if j is None:
            first[key] = i
            keep.append(i)
        elif names[i] != names[j]:
            clash.append(f"{key} ({names[j]!s} / {names[i]!s})")
        else:
            out[j] = shapely.MultiPolygon([*shapely.get_parts(out[j]), *shapely.get_parts(out[i])])
            merged.append(key)
    if clash:
        shown = "; ".join(clash[:5]) + (f"; ... {len(clash) - 5} more" if len(clash) > 5 else "")
        raise UserError(
            f"{path}: {len(clash)} zone id(s) name different features: {shown}",
            hint="give every zone its own zone_id",
        )
    if merged:
        shown = ", ".join(sorted(set(merged))[:5])
        warnings.warn(
            f"{path.name}: {len(merged)} feature(s) repeat a zone id with the same name "
            f"({shown}); their polygons are merged into one zone",
            ZoneGeometryWarning,
            stacklevel=3,
        )
    idx = np.array(keep, dtype=np.int64)
    return idx, np.array([out[i] for i in keep], dtype=object)


def _polygonal(geoms: np.ndarray, ids: np.ndarray, names: np.ndarray, path: Path) -> np.ndarray:
    """Repair, split at the antimeridian and check every geometry; return MultiPolygons."""
    bad: list[str] = []
    out = np.empty(len(geoms), dtype=object)
    for i, g in enumerate(geoms):  # one iteration per zone feature (tens), never per position
        label = f"{ids[i]!s} ({names[i]!s})" if names[i] else str(ids[i])
        if g is None or g.is_empty:
            bad.append(f"{label}: empty geometry")
            continue
        if g.geom_type == "GeometryCollection":
            g = (
                shapely.MultiPolygon([p for p in shapely.get_parts(g) if p.geom_type == "Polygon"])
                if any(p.geom_type in ("Polygon", "MultiPolygon") for p in g.geoms)
                else g
            )
        if g.geom_type not in ("Polygon", "MultiPolygon"):
            bad.append(f"{label}: {g.geom_type}")
            continue
        outside = _outside_wgs84(shapely.get_coordinates(g))
        if outside:
            bad.append(f"{label}: {outside}")
            continue
        if not g.is_valid:
            reason = shapely.is_valid_reason(g)
            warnings.warn(
                f"{path.name}: zone {label} has an invalid polygon ({reason}); repaired with "
                "shapely.make_valid",
                ZoneGeometryWarning,
                stacklevel=4,
            )
            g = shapely.make_valid(g)
        g = _fix_antimeridian(g)
        parts = [p for p in shapely.get_parts(g) if p.geom_type == "Polygon" and not p.is_empty]
        if not parts:
            bad.append(f"{label}: no polygon left after repair")
            continue
        out[i] = shapely.MultiPolygon(parts)
    if bad:
        shown = "; ".join(bad[:5]) + (f"; ... {len(bad) - 5} more" if len(bad) > 5 else "")
        raise UserError(
            f"{path}: {len(bad)} feature(s) are not usable zone polygons: {shown}",
            hint="zones must be Polygon or MultiPolygon features; drop or fix these features",
        )
    return out


def _in_memory_zones(obj: object) -> gpd.GeoDataFrame | None:
    """A GeoDataFrame of an in-memory zone source (GeoDataFrame, shapely geometry, GeoJSON
    geometry/Feature/FeatureCollection dict), or None for a path."""
    import geopandas as gpd
    import shapely.geometry

    if isinstance(obj, gpd.GeoDataFrame):
        return obj.copy()
    if isinstance(obj, shapely.geometry.base.BaseGeometry):
        return gpd.GeoDataFrame(geometry=[obj], crs="EPSG:4326")
    if isinstance(obj, dict):
        kind = obj.get("type")
        if kind == "FeatureCollection":
            return gpd.GeoDataFrame.from_features(obj, crs="EPSG:4326")
        if kind == "Feature":
            return gpd.GeoDataFrame.from_features([obj], crs="EPSG:4326")
        try:
            geom = shapely.geometry.shape(obj)
        except Exception as exc:
            raise UserError(
                f"not a GeoJSON geometry, Feature or FeatureCollection ({exc})"
            ) from None
        return gpd.GeoDataFrame(geometry=[geom], crs="EPSG:4326")
    return None


def load_zone_file(
    path: str | Path | gpd.GeoDataFrame,
    *,
    name_field: str | None = None,
    kind: str | None = None,
) -> gpd.GeoDataFrame:
    """Read one zone file into the zone table (``vessels.schema.ZONE_TABLE_COLUMNS``, EPSG:4326).

    Parameters
    ----------
    path
        GeoJSON, GeoPackage, Shapefile (``.shp`` or a ``.zip`` holding one), or GeoParquet.
    name_field
        Attribute holding the zone name, for files in no recognised schema (required there).
    kind
        One of ``vessels.schema.ZONE_KINDS``: required for unrecognised files, overrides the kind
        of recognised ones.
    """
    import geopandas as gpd

    if kind is not None and kind not in S.ZONE_KINDS:
        raise UserError(f"unknown zone kind {kind!r}", hint=f"use one of {', '.join(S.ZONE_KINDS)}")
    memory = _in_memory_zones(path)
    if memory is None:
        p = Path(path)
        gdf = _read(p)
    else:  # sensible defaults: kind aoi, names from a "name" column or "zone N"
        p, gdf = Path("zones"), memory
        known = any(_col(gdf, c) for c in ("MRGID", "WDPAID", S.ZONE_ID))
        if not known and name_field is None:
            name_field = _col(gdf, "name")
            if name_field is None:
                gdf[S.ZONE_NAME] = [f"zone {i}" for i in range(len(gdf))]
                name_field = S.ZONE_NAME
        if not known and kind is None:
            kind = "aoi"
    if gdf.crs is None:
        gdf = gdf.set_crs("EPSG:4326")
    elif gdf.crs.to_epsg() != 4326:
        gdf = gdf.to_crs("EPSG:4326")
    n = len(gdf)
    fields = [str(c) for c in gdf.columns if c != gdf.geometry.name]
    src_name = p.name
    if _col(gdf, "MRGID") and _col(gdf, "GEONAME"):
        ids = _ids(gdf, _col(gdf, "MRGID") or "", "mr-")
        names = _strings(gdf, _col(gdf, "GEONAME"))
        kinds = np.full(n, "eez", dtype=object)
        iso3 = _strings(gdf, _col(gdf, "ISO_SOV1") or _col(gdf, "ISO_TER1"))
        source = np.full(n, f"Marine Regions World EEZ ({src_name})", dtype=object)
        licence = np.full(n, MARINE_REGIONS_LICENCE, dtype=object)
        pol = _strings(gdf, _col(gdf, "POL_TYPE"))
        accuracy = np.array([f"official (Marine Regions; {t or 'EEZ'})" for t in pol], dtype=object)
    elif _col(gdf, "WDPAID") and _col(gdf, "NAME"):
        ids = _ids(gdf, _col(gdf, "WDPAID") or "", "wdpa-")
        names = _strings(gdf, _col(gdf, "NAME"))
        no_take = _strings(gdf, _col(gdf, "NO_TAKE"))
        kinds = np.where(no_take == "All", "no_take", "protected_area").astype(object)
        iso3 = _strings(gdf, _col(gdf, "ISO3"))
        desig = _strings(gdf, _col(gdf, "DESIG_ENG"))
        status = _strings(gdf, _col(gdf, "STATUS"))
        source = np.array([f"WDPA ({src_name}); {d}".rstrip("; ") for d in desig], dtype=object)
        licence = np.full(n, WDPA_LICENCE, dtype=object)
        accuracy = np.array([f"official (WDPA; status {s or 'n/a'})" for s in status], dtype=object)
    elif _col(gdf, S.ZONE_ID) and _col(gdf, S.ZONE_NAME) and _col(gdf, S.ZONE_KIND):
        ids = _strings(gdf, _col(gdf, S.ZONE_ID))
        names = _strings(gdf, _col(gdf, S.ZONE_NAME))
        kinds = _strings(gdf, _col(gdf, S.ZONE_KIND))
        iso3 = _strings(gdf, _col(gdf, S.ZONE_ISO3))
        source = _strings(gdf, _col(gdf, S.ZONE_SOURCE), default=src_name)
        licence = _strings(gdf, _col(gdf, S.ZONE_LICENCE), default="unknown (user file)")
        accuracy = _strings(gdf, _col(gdf, S.ZONE_ACCURACY), default="unknown (user file)")
        unknown = sorted({str(k) for k in kinds} - set(S.ZONE_KINDS))
        if unknown:
            raise UserError(
                f"{p}: unknown zone kind(s) {unknown}", hint=f"use {', '.join(S.ZONE_KINDS)}"
            )
    else:
        if name_field is None or kind is None:
            raise UserError(
                f"{p}: not a Marine Regions, WDPA or vessels zone file; fields found: "
                f"{', '.join(fields) or '(none)'}",
                hint="vessels score: --zones-name-field FIELD --zones-kind "
                + "|".join(S.ZONE_KINDS)
                + "; vessels zones list: --name-field FIELD --kind KIND"
                + "; Python: load_zones(..., name_field=, kind=)",
            )
        col = _col(gdf, name_field)
        if col is None:
            raise UserError(
                f"{p}: no field {name_field!r}; fields found: {', '.join(fields) or '(none)'}"
            )
        names = _strings(gdf, col)
        stem = p.name.split(".")[0]
        ids = np.array([f"{stem}-{i}" for i in range(n)], dtype=object)
        kinds = np.full(n, kind, dtype=object)
        iso3 = np.full(n, "", dtype=object)
        source = np.full(n, src_name, dtype=object)
        licence = np.full(n, "unknown (user file)", dtype=object)
        accuracy = np.full(n, "unknown (user file)", dtype=object)
    if kind is not None:
        kinds = np.full(n, kind, dtype=object)
    geoms = _polygonal(gdf.geometry.to_numpy(), ids, names, p)
    keep, geoms = _duplicates(ids, names, geoms, p)
    data = {
        S.ZONE_ID: ids[keep],
        S.ZONE_NAME: names[keep],
        S.ZONE_KIND: kinds[keep],
        S.ZONE_ISO3: np.array([v or None for v in iso3[keep]], dtype=object),
        S.ZONE_SOURCE: source[keep],
        S.ZONE_LICENCE: licence[keep],
        S.ZONE_ACCURACY: accuracy[keep],
    }
    return gpd.GeoDataFrame(data, geometry=list(geoms), crs="EPSG:4326")[list(S.ZONE_TABLE_COLUMNS)]


def load_zones(
    paths: Any = None,
    *,
    defaults: bool = True,
    name_field: str | None = None,
    kind: str | None = None,
) -> gpd.GeoDataFrame:
    """The zone table for labelling: the default layers and/or user files.

    Parameters
    ----------
    paths
        Zone files (see :func:`load_zone_file`), GeoDataFrames, shapely geometries or GeoJSON
        dicts (geometry, Feature, FeatureCollection), one or a list; ``None`` for none.
        In-memory zones in no known schema default to kind ``aoi`` and take their names from a
        ``name`` column (else ``zone 0``, ``zone 1``...); ``name_field``/``kind`` override.
    defaults
        Start from :func:`vessels.zones.default_zones` (``False``: the files alone).
    name_field, kind
        Passed to :func:`load_zone_file` for every file.

    Returns
    -------
    A GeoDataFrame with ``vessels.schema.ZONE_TABLE_COLUMNS`` in EPSG:4326. A user ``eez`` zone
    replaces the default approximate EEZ with the same ``iso3``; a user zone replaces any zone
    with the same ``zone_id``.

    Examples
    --------
    The default layers, then the same plus an analyst's own area drawn as GeoJSON:

    >>> import json, tempfile, pathlib
    >>> zones = load_zones()
    >>> sorted(set(zones["kind"]))
    ['aoi', 'eez', 'protected_area']
    >>> square = {"type": "Polygon", "coordinates": [[[-114.9, 31.0], [-114.6, 31.0],
    ...           [-114.6, 31.3], [-114.9, 31.3], [-114.9, 31.0]]]}
    >>> fc = {"type": "FeatureCollection", "features": [{"type": "Feature",
    ...       "properties": {"zona": "Patrol box"}, "geometry": square}]}
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "patrol.geojson"
    >>> _ = path.write_text(json.dumps(fc))
    >>> mine = load_zones(path, name_field="zona", kind="aoi")
    >>> mine[mine["kind"] == "aoi"]["name"].tolist()[-1]
    'Patrol box'
    >>> len(mine) == len(zones) + 1
    True
    """
    import geopandas as gpd
    import pandas as pd

    from vessels.zones._layers import default_zones

    if paths is None:
        plist: list[Any] = []
    elif isinstance(paths, str | Path | dict) or _in_memory_zones(paths) is not None:
        plist = [paths]
    else:
        plist = list(paths)
    user = [load_zone_file(p, name_field=name_field, kind=kind) for p in plist]
    frames = []
    if defaults:
        base = default_zones()
        if user:
            u = pd.concat(user, ignore_index=True)
            user_eez = set(u.loc[u[S.ZONE_KIND] == "eez", S.ZONE_ISO3].dropna())
            drop = (base[S.ZONE_KIND] == "eez") & base[S.ZONE_ISO3].isin(user_eez)
            drop |= base[S.ZONE_ID].isin(set(u[S.ZONE_ID]))
            base = base[~drop]
        frames.append(base)
    seen: dict[str, str] = {}
    for i, (path, layer) in enumerate(zip(plist, user, strict=True)):
        key = str(path) if isinstance(path, str | Path) else f"zones #{i}"
        for zid in layer[S.ZONE_ID]:
            if zid in seen and seen[zid] != key:
                warnings.warn(
                    f"zone id {zid!r} is in both {Path(seen[zid]).name} and {Path(key).name}; "
                    f"the one of {Path(key).name} is used",
                    ZoneGeometryWarning,
                    stacklevel=2,
                )
            seen[str(zid)] = key
    frames.extend(user)
    if not frames:
        raise UserError("no zone layers: no files given and the defaults are off")
    out = pd.concat(frames, ignore_index=True)
    out = out.drop_duplicates(subset=S.ZONE_ID, keep="last").reset_index(drop=True)
    return gpd.GeoDataFrame(out, geometry="geometry", crs="EPSG:4326")
