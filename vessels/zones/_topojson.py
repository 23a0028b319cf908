"""A minimal TopoJSON decoder (private): enough for Natural Earth's ``world-atlas`` files.

TopoJSON stores shared polygon edges once as delta-encoded, quantized *arcs*; a polygon ring is a
list of arc indices (``~i`` means arc ``i`` reversed). Specification:
https://github.com/topojson/topojson-specification

Examples
--------
>>> topo = {
...     "type": "Topology",
...     "transform": {"scale": [1, 1], "translate": [0, 0]},
...     "arcs": [[[0, 0], [1, 0], [0, 1], [-1, 0], [0, -1]]],
...     "objects": {"sq": {"type": "GeometryCollection", "geometries": [
...         {"type": "Polygon", "arcs": [[0]], "id": "1", "properties": {"name": "a"}}]}},
... }
>>> [(f["id"], f["properties"]["name"], f["geometry"].area) for f in decode_object(topo, "sq")]
[('1', 'a', 1.0)]
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import shapely
from shapely.geometry.base import BaseGeometry

__all__ = ["decode_object"]


def _decoded_arcs(topology: Mapping[str, Any]) -> list[np.ndarray]:
    transform = topology.get("transform")
    out = []
    for arc in topology["arcs"]:
        xy = np.asarray(arc, dtype=np.float64).reshape(-1, 2)
        if transform is not None:
            xy = np.cumsum(xy, axis=0) * np.asarray(transform["scale"]) + np.asarray(
                transform["translate"]
            )
        out.append(xy)
    return out


def _ring(arcs: list[np.ndarray], indices: Sequence[int]) -> np.ndarray:
    parts = []
    for k, i in enumerate(indices):
        xy = arcs[i] if i >= 0 else arcs[~i][::-1]
        parts.append(xy if k == 0 else xy[1:])
    return np.concatenate(parts)


def _polygon(arcs: list[np.ndarray], rings: Sequence[Sequence[int]]) -> BaseGeometry:
    coords = [_ring(arcs, r) for r in rings]
    coords = [c for c in coords if len(c) >= 4]
    if not coords:
        return shapely.Polygon()
    return shapely.Polygon(coords[0], coords[1:])


def decode_object(topology: Mapping[str, Any], name: str) -> list[dict[str, Any]]:
    """Decode the (Multi)Polygon geometries of one object into feature dicts.

    Returns ``[{"id": ..., "properties": {...}, "geometry": shapely geometry}, ...]``; geometries
    are made valid (quantization can produce tiny self-intersections).
    """
    arcs = _decoded_arcs(topology)
    obj = topology["objects"][name]
    geoms = obj["geometries"] if obj["type"] == "GeometryCollection" else [obj]
    features = []
    for g in geoms:
        if g["type"] == "Polygon":
            geom = _polygon(arcs, g["arcs"])
        elif g["type"] == "MultiPolygon":
            parts = [_polygon(arcs, p) for p in g["arcs"]]
            geom = shapely.MultiPolygon([p for p in parts if not p.is_empty])
        else:
            continue
        features.append(
            {
                "id": g.get("id"),
                "properties": dict(g.get("properties") or {}),
                "geometry": shapely.make_valid(geom),
            }
        )
    return features
