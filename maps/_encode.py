"""Compact JSON encodings of geometries and columns for the map script.

Geometries are split into parts (points, lines or polygons), their coordinates quantised to
1e-5 degree (about 1.1 m) and delta-encoded as integers, with ragged offsets like
``shapely.to_ragged_array``. A 100 000-cell H3 grid then costs about 10 MB of HTML instead of
the ~40 MB of plain GeoJSON.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd
import shapely

from siting.errors import ConfigError

if TYPE_CHECKING:
    import numpy.typing as npt

__all__ = [
    "COORD_SCALE",
    "column_json",
    "encode_geometries",
    "geometry_family",
    "to_script_json",
]

COORD_SCALE = 100_000
"""Coordinates are sent as integers of 1e-5 degree."""

_FAMILIES: dict[int, str] = {0: "point", 1: "line", 2: "line", 3: "polygon"}


def geometry_family(geometries: npt.ArrayLike) -> str | None:
    """Return ``"point"``, ``"line"`` or ``"polygon"`` for one-family geometries, None if empty.

    Raises
    ------
    ConfigError
        If the geometries mix families (e.g. points and polygons) or hold collections.

    >>> from shapely import Point, MultiPoint
    >>> geometry_family([Point(0, 0), MultiPoint([(1, 1), (2, 2)])])
    'point'
    """
    parts = shapely.get_parts(np.asarray(geometries, dtype=object))
    parts = parts[~shapely.is_empty(parts)]
    families = {
        _FAMILIES.get(int(type_id), "other") for type_id in np.unique(shapely.get_type_id(parts))
    }
    if not families:
        return None
    if len(families) > 1 or "other" in families:
        msg = f"geometries mix kinds {sorted(families)!r}; expected one of point, line, polygon"
        raise ConfigError(msg)
    return families.pop()


def encode_geometries(geometries: npt.ArrayLike) -> dict[str, Any]:  # Any: JSON values
    """Encode geometries of one family for the map script.

    Parameters
    ----------
    geometries
        Shapely geometries in EPSG:4326 (lon, lat); None or empty ones draw nothing.

    Returns
    -------
    dict
        ``family``, ``count`` (number of input geometries), ``scale`` (:data:`COORD_SCALE`),
        ``coords`` (delta-encoded integer x, y pairs), ``offsets`` (ragged offsets of the parts:
        none for points, ``[line starts]`` for lines, ``[ring starts, polygon starts]`` for
        polygons) and ``owner`` (row of each part, or None when parts and rows coincide).

    >>> from shapely import Point
    >>> encoded = encode_geometries([Point(10.0, 50.0), Point(10.00001, 50.5)])
    >>> encoded["coords"], encoded["owner"]
    ([1000000, 5000000, 1, 50000], None)
    """
    array = np.asarray(geometries, dtype=object)
    family = geometry_family(array)
    parts, owner = shapely.get_parts(array, return_index=True)
    keep = ~shapely.is_empty(parts)
    parts, owner = parts[keep], owner[keep]
    if family == "line" and bool(np.any(shapely.get_type_id(parts) == 2)):
        parts = shapely.linestrings(shapely.get_coordinates(parts), indices=_ring_index(parts))
    if family is None or parts.size == 0:
        coords = np.empty((0, 2))
        offsets: list[list[int]] = []
    else:
        _, coords, raw_offsets = shapely.to_ragged_array(parts)
        offsets = [np.asarray(o).tolist() for o in raw_offsets]
    quantised = np.rint(coords[:, :2] * COORD_SCALE).astype(np.int64)
    deltas = np.diff(quantised, axis=0, prepend=np.zeros((1, 2), dtype=np.int64))
    is_one_to_one = owner.size == array.size and bool(np.all(owner == np.arange(array.size)))
    return {
        "family": family or "point",
        "count": int(array.size),
        "scale": COORD_SCALE,
        "coords": deltas.ravel().tolist(),
        "offsets": offsets,
        "owner": None if is_one_to_one else owner.tolist(),
    }


def _ring_index(lines: npt.NDArray[Any]) -> npt.NDArray[np.int64]:  # Any: shapely objects
    """Return the line index of every coordinate (so LinearRings become LineStrings)."""
    counts = shapely.get_num_coordinates(lines)
    return np.repeat(np.arange(lines.size), counts)


def column_json(values: pd.Series | npt.ArrayLike, *, decimals: int = 6) -> str:
    """Return a column as a JSON array; NaN/NA/None become null, floats keep ``decimals``.

    >>> column_json(pd.Series([0.123456789, float("nan")]), decimals=3)
    '[0.123,null]'
    >>> column_json(pd.Series([1, None], dtype="Int64"))
    '[1,null]'
    """
    series = values if isinstance(values, pd.Series) else pd.Series(values)
    return series.reset_index(drop=True).to_json(orient="values", double_precision=decimals)


def to_script_json(value: Any) -> str:  # Any: JSON-serialisable
    r"""Serialise ``value`` for a ``<script>`` block (``</`` escaped so it cannot end the block).

    >>> print(to_script_json({"a": "</script>"}))
    {"a": "<\/script>"}
    """
    return json.dumps(value, ensure_ascii=False, allow_nan=False).replace("</", "<\\/")
