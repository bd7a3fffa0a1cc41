"""Geodesic queries against line features: value of lines within a radius, distance to nearest.

:class:`LineIndex` is built once from (Multi)LineStrings in EPSG:4326 and one value per line
(e.g. thermal capacity in MW), and answers for many candidate points:

- :meth:`LineIndex.sum_within`: the sum of the values of the *distinct* lines that come within a
  geodesic radius (a line passing through the circle counts once however many vertices it has);
- :meth:`LineIndex.nearest`: the geodesic distance to, and position of, the nearest line.

Method and accuracy. Each line is densified so that consecutive vertices are at most
``max_spacing_km`` apart (geodesic length of each original segment divided evenly; new vertices
are interpolated linearly in longitude/latitude, i.e. segments are taken as drawn on a map).
Vertices go into a :class:`layers.nearest.NearestIndex` (a KD-tree on unit normals with
certified geodesic bounds). A line's distance from a point is its nearest vertex's exact
geodesic distance, refined onto the two sub-segments either side of that vertex (the foot of the
perpendicular on the sub-segment's great-circle arc, measured with ``pyproj.Geod``). The result
is never more than ``max_spacing_km / 2`` above the true distance (the nearest point of a line lies
on a sub-segment whose nearer end is at most half its length away), and in practice within a few
metres: the refinement recovers the perpendicular foot unless the line bends sharply next to it.
``sum_within`` uses the same rule at the radius edge, so a line counts when its refined distance is
<= ``radius_km``. Lines must not cross the antimeridian (segments are not split at +-180).
"""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import numpy.typing as npt
import pyproj
import shapely

from layers.geodesy import (
    as_lon_lat,
    geodesic_distance_km,
    lon_lat_from_unit_vectors,
    unit_vectors,
)
from layers.nearest import NearestIndex, check_radius_km
from siting.errors import ConfigError, CRSError, CRSMismatchError
from siting.types import FloatArray, IntArray

__all__ = ["LineIndex", "densify_lines"]

_WGS84 = pyproj.CRS.from_epsg(4326)
_LINE_TYPES = (
    shapely.GeometryType.LINESTRING,
    shapely.GeometryType.LINEARRING,
    shapely.GeometryType.MULTILINESTRING,
)


def _check_lines(lines: gpd.GeoSeries) -> npt.NDArray[np.object_]:
    """Check CRS and geometry types of the line features; return the geometry array."""
    if lines.crs is None:
        msg = "line features have no CRS; expected EPSG:4326"
        raise CRSError(msg)
    if pyproj.CRS.from_user_input(lines.crs) != _WGS84:
        msg = f"line features are in {lines.crs.to_string()!r}; expected 'EPSG:4326'"
        raise CRSMismatchError(msg)
    arr = np.asarray(lines.values, dtype=object)
    is_bad = ~np.isin(shapely.get_type_id(arr), _LINE_TYPES) | shapely.is_empty(arr)
    if is_bad.any():
        pos = int(np.flatnonzero(is_bad)[0])
        geom = arr[pos]
        kind = "missing" if geom is None else ("empty " if geom.is_empty else "") + geom.geom_type
        msg = (
            f"line feature {lines.index[pos]!r} (row {pos}) is {kind!r}; expected a non-empty "
            "LineString or MultiLineString"
        )
        raise ConfigError(msg)
    return arr


def densify_lines(
    geometries: npt.ArrayLike, *, max_spacing_km: float
) -> tuple[FloatArray, FloatArray, IntArray, IntArray]:
    """Return vertices every <= ``max_spacing_km`` along (Multi)LineStrings in EPSG:4326.

    Parameters
    ----------
    geometries
        Array of LineString/LinearRing/MultiLineString, lon/lat degrees.
    max_spacing_km
        Largest geodesic distance between consecutive output vertices, km (> 0). Each input
        segment is cut into ``ceil(length / max_spacing_km)`` equal steps in lon/lat.

    Returns
    -------
    lon, lat : FloatArray
        Vertex coordinates in order along each part (original vertices included).
    line : IntArray
        Position of the input geometry each vertex belongs to.
    part : IntArray
        Running number of the single-line part each vertex belongs to (consecutive vertices with
        the same part are joined by a segment).

    Raises
    ------
    ConfigError
        When ``max_spacing_km`` is not a positive finite number.

    Examples
    --------
    A 1-degree stretch of the equator (111.3 km) cut into 50 km steps gives 3 steps:

    >>> from shapely import LineString
    >>> lon, lat, line, part = densify_lines([LineString([(0, 0), (1, 0)])], max_spacing_km=50.0)
    >>> lon.round(4).tolist()
    [0.0, 0.3333, 0.6667, 1.0]
    """
    spacing = float(max_spacing_km)
    if not np.isfinite(spacing) or spacing <= 0:
        msg = f"max_spacing_km {max_spacing_km!r} must be a positive distance in km"
        raise ConfigError(msg)
    parts, line_of_part = shapely.get_parts(np.asarray(geometries, dtype=object), return_index=True)
    coords, part_of_coord = shapely.get_coordinates(parts, return_index=True)
    is_first = np.ones(part_of_coord.size, dtype=bool)
    is_first[1:] = part_of_coord[1:] != part_of_coord[:-1]
    seg = np.flatnonzero(~is_first) - 1  # segment k runs from coordinate k to k + 1
    length_km = geodesic_distance_km(
        coords[seg, 0], coords[seg, 1], coords[seg + 1, 0], coords[seg + 1, 1]
    )
    n_steps = np.maximum(np.ceil(length_km / spacing), 1).astype(np.int64)
    seg_rep = np.repeat(seg, n_steps)
    first_of_seg = np.repeat(np.cumsum(n_steps) - n_steps, n_steps)
    step = np.arange(seg_rep.size) - first_of_seg + 1
    t = step / np.repeat(n_steps, n_steps)
    new_lon = coords[seg_rep, 0] + t * (coords[seg_rep + 1, 0] - coords[seg_rep, 0])
    new_lat = coords[seg_rep, 1] + t * (coords[seg_rep + 1, 1] - coords[seg_rep, 1])
    start = np.flatnonzero(is_first)
    order_coord = np.concatenate((start, seg_rep))
    order_step = np.concatenate((np.zeros(start.size, dtype=np.int64), step))
    order = np.lexsort((order_step, order_coord))
    lon = np.concatenate((coords[start, 0], new_lon))[order]
    lat = np.concatenate((coords[start, 1], new_lat))[order]
    part = part_of_coord[order_coord[order]].astype(np.int64)
    return lon, lat, line_of_part[part].astype(np.int64), part


def _segment_foot_km(
    p_lon: FloatArray,
    p_lat: FloatArray,
    a_lon: FloatArray,
    a_lat: FloatArray,
    b_lon: FloatArray,
    b_lat: FloatArray,
) -> FloatArray:
    """Return the geodesic distance from P to the perpendicular foot on arc AB (inf if off-arc).

    The foot is the point of the great-circle arc between the unit normals of A and B nearest
    to P's normal; the distance to it is measured exactly with pyproj. When the foot falls
    outside the arc the nearest point is an end, which the caller already measured, so inf.
    """
    p = unit_vectors(p_lon, p_lat)
    a = unit_vectors(a_lon, a_lat)
    b = unit_vectors(b_lon, b_lat)
    normal = np.cross(a, b)
    norm = np.linalg.norm(normal, axis=1)
    is_arc = norm > 1e-15
    normal[is_arc] /= norm[is_arc, None]
    foot = p - np.sum(p * normal, axis=1)[:, None] * normal
    is_between = (
        is_arc
        & (np.sum(np.cross(a, foot) * normal, axis=1) >= 0)
        & (np.sum(np.cross(foot, b) * normal, axis=1) >= 0)
        & (np.linalg.norm(foot, axis=1) > 0)
    )
    out = np.full(p_lon.size, np.inf)
    if is_between.any():
        f_lon, f_lat = lon_lat_from_unit_vectors(foot[is_between])
        out[is_between] = geodesic_distance_km(p_lon[is_between], p_lat[is_between], f_lon, f_lat)
    return out


class LineIndex:
    """Spatial index over line features for geodesic within-radius sums and nearest distances.

    Parameters
    ----------
    lines
        GeoSeries of LineString/MultiLineString in EPSG:4326 (must not cross the antimeridian).
    values
        One value per line (e.g. capacity in MW); default 1 (so sums are counts of lines).
        NaN values propagate to every candidate the line is within range of.
    max_spacing_km
        Densification step, km; bounds the worst-case distance error at half of it.
    chunk_size
        Candidates processed per batch in :meth:`sum_within`; memory grows with it times the
        number of vertices within the radius.

    Raises
    ------
    CRSError, CRSMismatchError
        When ``lines`` has no CRS or one other than EPSG:4326.
    ConfigError
        When a geometry is not a non-empty line, or ``values`` has the wrong length.

    Examples
    --------
    >>> from shapely import LineString
    >>> lines = gpd.GeoSeries(
    ...     [LineString([(0, 0), (0, 1)]), LineString([(1, 0), (1, 1)])], crs=4326
    ... )
    >>> index = LineIndex(lines, [380.0, 220.0])
    >>> index.sum_within([0.2, 0.5], [0.5, 0.5], radius_km=60.0).tolist()
    [380.0, 600.0]
    >>> distance_km, idx = index.nearest([0.7], [0.5])
    >>> round(float(distance_km[0]), 2), int(idx[0])
    (33.4, 1)
    """

    def __init__(
        self,
        lines: gpd.GeoSeries,
        values: npt.ArrayLike | None = None,
        *,
        max_spacing_km: float = 1.0,
        chunk_size: int = 50_000,
    ) -> None:
        geoms = _check_lines(lines)
        self._n_lines = int(geoms.size)
        if values is None:
            self._values = np.ones(self._n_lines)
        else:
            self._values = np.asarray(values, dtype=np.float64)
            if self._values.shape != (self._n_lines,):
                msg = (
                    f"values has shape {self._values.shape!r}; expected one value per line, "
                    f"shape ({self._n_lines},)"
                )
                raise ConfigError(msg)
        self.max_spacing_km = float(max_spacing_km)
        self._lon, self._lat, self._line, part = densify_lines(
            geoms, max_spacing_km=self.max_spacing_km
        )
        self._has_next = np.zeros(part.size, dtype=bool)
        self._has_next[:-1] = part[1:] == part[:-1]
        self._has_prev = np.zeros(part.size, dtype=bool)
        self._has_prev[1:] = self._has_next[:-1]
        self._vertices = NearestIndex(self._lon, self._lat, chunk_size=chunk_size)
        self._chunk_size = int(chunk_size)

    @property
    def n_lines(self) -> int:
        """Number of line features."""
        return self._n_lines

    @property
    def n_vertices(self) -> int:
        """Number of vertices after densification."""
        return int(self._lon.size)

    def _refine_km(self, lon: FloatArray, lat: FloatArray, vertex: IntArray) -> FloatArray:
        """Return the distance from each point to the sub-segments either side of ``vertex``."""
        best = np.full(lon.size, np.inf)
        for has_side, offset in ((self._has_prev, -1), (self._has_next, 1)):
            sel = np.flatnonzero(has_side[vertex])
            if sel.size:
                v = vertex[sel]
                w = v + offset
                d = _segment_foot_km(
                    lon[sel], lat[sel], self._lon[v], self._lat[v], self._lon[w], self._lat[w]
                )
                best[sel] = np.minimum(best[sel], d)
        return best

    def nearest(
        self, lon: npt.ArrayLike, lat: npt.ArrayLike, *, max_distance_km: float | None = None
    ) -> tuple[FloatArray, IntArray]:
        """Return the geodesic distance to, and position of, the nearest line.

        Parameters
        ----------
        lon, lat
            Candidate points, degrees, EPSG:4326; scalars or 1-D arrays of equal length n.
        max_distance_km
            Optional cut-off, km: lines farther than this are reported as missing (NaN, -1);
            points with no line in range are skipped cheaply.

        Returns
        -------
        distance_km : FloatArray
            Shape (n,), km; at most ``max_spacing_km / 2`` above the true distance (see the
            module docstring). NaN when the index has no lines.
        index : IntArray
            Shape (n,), position of the nearest line in ``lines``; -1 when there is none.

        Raises
        ------
        ConfigError
            When coordinates are malformed or out of range.
        """
        lon_arr, lat_arr = as_lon_lat(lon, lat, name="candidates")
        limit = None if max_distance_km is None else check_radius_km(max_distance_km)
        # A line within the limit has a vertex within limit + spacing / 2: search a little wider.
        vertex_limit = None if limit is None else limit + self.max_spacing_km
        distance_km, vertex = self._vertices.query(lon_arr, lat_arr, max_distance_km=vertex_limit)
        index = np.full(lon_arr.size, -1, dtype=np.int64)
        has = vertex >= 0
        if has.any():
            refined = self._refine_km(lon_arr[has], lat_arr[has], vertex[has])
            distance_km[has] = np.minimum(distance_km[has], refined)
            index[has] = self._line[vertex[has]]
        if limit is not None:
            is_far = ~(distance_km <= limit)
            distance_km[is_far] = np.nan
            index[is_far] = -1
        return distance_km, index

    def sum_within(self, lon: npt.ArrayLike, lat: npt.ArrayLike, *, radius_km: float) -> FloatArray:
        """Return the sum of the values of the distinct lines within a geodesic radius.

        Parameters
        ----------
        lon, lat
            Candidate points, degrees, EPSG:4326; scalars or 1-D arrays of equal length n.
        radius_km
            Geodesic radius, km; a line counts once when any point of it is within the radius
            (to the tolerance in the module docstring).

        Returns
        -------
        FloatArray
            Shape (n,); 0.0 where no line is in range (a true zero).

        Raises
        ------
        ConfigError
            When coordinates or ``radius_km`` are invalid.
        """
        lon_arr, lat_arr = as_lon_lat(lon, lat, name="candidates")
        radius = check_radius_km(radius_km)
        out = np.zeros(lon_arr.size)
        margin = radius + self.max_spacing_km
        n_lines = np.int64(max(self._n_lines, 1))
        for start in range(0, lon_arr.size, self._chunk_size):
            stop = min(start + self._chunk_size, lon_arr.size)
            c_lon, c_lat = lon_arr[start:stop], lat_arr[start:stop]
            ci, vj, _, upper_km = self._vertices.pairs_within(c_lon, c_lat, radius_km=margin)
            key = ci * n_lines + self._line[vj]
            found = np.unique(key[upper_km <= radius])
            # Lines not surely within: measure their vertices, then refine the nearest one.
            rest = np.flatnonzero(~np.isin(key, found, assume_unique=False))
            if rest.size:
                d = geodesic_distance_km(
                    c_lon[ci[rest]], c_lat[ci[rest]], self._lon[vj[rest]], self._lat[vj[rest]]
                )
                hit = np.unique(key[rest[d <= radius]])
                miss = ~np.isin(key[rest], hit)
                rest, d = rest[miss], d[miss]
                order = np.lexsort((d, key[rest]))
                rest, d = rest[order], d[order]
                is_first = np.ones(rest.size, dtype=bool)
                is_first[1:] = key[rest[1:]] != key[rest[:-1]]
                nearest = rest[is_first]
                refined = self._refine_km(c_lon[ci[nearest]], c_lat[ci[nearest]], vj[nearest])
                found = np.concatenate((found, hit, key[nearest[refined <= radius]]))
            cand = found // n_lines
            out[start:stop] = np.bincount(
                cand, weights=self._values[found % n_lines], minlength=stop - start
            )
        return out
