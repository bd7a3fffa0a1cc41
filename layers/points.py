"""The one point at which each candidate is sampled by point-based primitives.

Points are sampled where they are. A polygon (a region or an H3 cell) is sampled at its
centroid when the centroid lies inside it (always the case for convex shapes such as H3
hexagons, so a cell is sampled at its centre), otherwise at ``shapely.point_on_surface``
(the representative point, guaranteed inside), so a crescent-shaped or multi-part region is
never sampled in the sea or in a neighbour. The centroid is the planar centroid in
longitude/latitude, which for cells of a few km differs from the geodesic centre by metres.
Layers that need a polygon rule (zonal means, worst value touched) use :mod:`layers.zonal` or
their own documented rule instead.
"""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pyproj
import shapely

from siting.errors import CandidatesError, CRSError, CRSMismatchError
from siting.types import FloatArray

__all__ = ["sample_points"]

_WGS84 = pyproj.CRS.from_epsg(4326)
_POINT_TYPES = (shapely.GeometryType.POINT,)
_POLYGON_TYPES = (shapely.GeometryType.POLYGON, shapely.GeometryType.MULTIPOLYGON)


def sample_points(candidates: gpd.GeoDataFrame | gpd.GeoSeries) -> tuple[FloatArray, FloatArray]:
    """Return the longitude and latitude at which each candidate is sampled.

    Parameters
    ----------
    candidates
        GeoDataFrame (or GeoSeries) in EPSG:4326 of Point, Polygon or MultiPolygon geometries.

    Returns
    -------
    lon, lat : FloatArray
        Degrees, EPSG:4326, one per candidate in row order: the point itself; for a polygon
        its centroid if that lies inside the polygon (boundary included), else its
        representative point (``shapely.point_on_surface``).

    Raises
    ------
    CRSError
        When the candidates have no CRS.
    CRSMismatchError
        When their CRS is not EPSG:4326.
    CandidatesError
        When a geometry is missing, empty, or not a (Multi)Point/Polygon; the message names the
        first offending row.

    Examples
    --------
    >>> from shapely import Point, Polygon
    >>> gdf = gpd.GeoDataFrame(
    ...     geometry=[Point(10, 50), Polygon([(0, 0), (2, 0), (2, 2), (0, 2)])], crs=4326
    ... )
    >>> lon, lat = sample_points(gdf)
    >>> lon.tolist(), lat.tolist()
    ([10.0, 1.0], [50.0, 1.0])
    """
    geoms = candidates.geometry if isinstance(candidates, gpd.GeoDataFrame) else candidates
    if geoms.crs is None:
        msg = "candidates have no CRS; expected EPSG:4326 (set it or pass --crs)"
        raise CRSError(msg)
    if pyproj.CRS.from_user_input(geoms.crs) != _WGS84:
        msg = (
            f"candidates are in {geoms.crs.to_string()!r} but sampling needs 'EPSG:4326'; "
            "reproject them first"
        )
        raise CRSMismatchError(msg)
    arr = np.asarray(geoms.values, dtype=object)
    types = shapely.get_type_id(arr)
    is_point = np.isin(types, _POINT_TYPES)
    is_polygon = np.isin(types, _POLYGON_TYPES)
    is_bad = ~(is_point | is_polygon) | shapely.is_empty(arr) | shapely.is_missing(arr)
    if is_bad.any():
        pos = int(np.flatnonzero(is_bad)[0])
        label = geoms.index[pos]
        geom = arr[pos]
        kind = "missing" if geom is None else ("empty " if geom.is_empty else "") + geom.geom_type
        msg = (
            f"candidate {label!r} (row {pos}) has a {kind!r} geometry; expected a non-empty "
            "Point, Polygon or MultiPolygon"
        )
        raise CandidatesError(msg)
    points = arr.copy()
    poly = arr[is_polygon]
    if poly.size:
        centroids = shapely.centroid(poly)
        is_inside = shapely.intersects(poly, centroids)
        points[is_polygon] = np.where(is_inside, centroids, shapely.point_on_surface(poly))
    return shapely.get_x(points).astype(np.float64), shapely.get_y(points).astype(np.float64)
