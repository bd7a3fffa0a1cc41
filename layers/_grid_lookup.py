"""Fast point-in-polygon over large polygons: split them, then use ``layers.lookup.PolygonIndex``.

Country and bidding-zone polygons are large and detailed (a zone can have tens of thousands of
vertices), so each exact point-in-polygon test is slow. Splitting every polygon into pieces of
at most ``max_vertices`` vertices (halving bounding boxes) keeps each test small; the answer is
mapped back to the original polygon. Containment is unchanged (a point is in a polygon iff it is
in one of its pieces). With a tolerance, the points outside every piece (hence every polygon)
are given the polygon whose *original* boundary is nearest, if within the tolerance, with the
shared ``layers.lines.LineIndex.nearest`` over those boundaries (built on first use; the cut
lines are not boundaries). This matches ``PolygonIndex``'s tolerance rule.

This composes the shared primitives; the tiling could move into ``layers.lookup`` itself.

>>> from shapely import box
>>> index = TiledPolygonIndex(gpd.GeoSeries([box(0, 0, 3, 1), box(3, 0, 4, 1)], crs=4326))
>>> index.n_pieces
2
>>> index.lookup([0.5, 2.5, 3.5, 9.0], [0.5, 0.5, 0.5, 0.5]).tolist()
[0, 0, 1, -1]
>>> index.lookup([4.005], [0.5], tolerance_km=1.0).tolist()
[1]
"""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import numpy.typing as npt
import shapely

from layers.lines import LineIndex
from layers.lookup import PolygonIndex
from siting.errors import ConfigError
from siting.types import IntArray

__all__ = ["DEFAULT_MAX_VERTICES", "TiledPolygonIndex", "tile_polygons"]

DEFAULT_MAX_VERTICES = 256
"""Largest piece, in vertices, after splitting."""
_MAX_ROUNDS = 30
_MIN_VERTICES = 16
"""A half of a piece has about half its vertices plus a few cut points, so splitting converges
only when the target is well above a box's 5."""

_POLYGONAL = (shapely.GeometryType.POLYGON, shapely.GeometryType.MULTIPOLYGON)


def tile_polygons(
    geoms: npt.NDArray[np.object_], *, max_vertices: int = DEFAULT_MAX_VERTICES
) -> tuple[npt.NDArray[np.object_], IntArray]:
    """Split polygons until every piece has at most ``max_vertices``; return pieces and owners.

    Each round halves every oversized piece along the longer side of its bounding box (a
    quadtree-like split: total work grows with vertices x rounds, not with a fixed grid's cells).

    >>> from shapely import box, segmentize
    >>> square = segmentize(box(0, 0, 4, 1), 0.25)  # 41 vertices
    >>> pieces, owner = tile_polygons(np.array([square], dtype=object), max_vertices=16)
    >>> len(pieces) > 1, set(owner.tolist()), round(float(shapely.area(pieces).sum()), 6)
    (True, {0}, 4.0)
    >>> bool((shapely.get_num_coordinates(pieces) <= 16).all())
    True
    """
    if max_vertices < _MIN_VERTICES:
        msg = f"max_vertices {max_vertices!r} must be >= {_MIN_VERTICES}"
        raise ConfigError(msg)
    valid = np.flatnonzero(~shapely.is_missing(geoms))
    valid = valid[~shapely.is_empty(geoms[valid])]
    pieces, part_of = shapely.get_parts(geoms[valid], return_index=True)
    owner = valid[part_of].astype(np.int64)
    done_pieces: list[npt.NDArray[np.object_]] = []
    done_owner: list[IntArray] = []
    for _ in range(_MAX_ROUNDS):
        keep = np.isin(shapely.get_type_id(pieces), _POLYGONAL) & ~shapely.is_empty(pieces)
        pieces, owner = pieces[keep], owner[keep]
        big = shapely.get_num_coordinates(pieces) > max_vertices
        done_pieces.append(pieces[~big])
        done_owner.append(owner[~big])
        if not big.any():
            break
        pieces, owner = pieces[big], owner[big]
        x0, y0, x1, y1 = shapely.bounds(pieces).T
        wide = (x1 - x0) >= (y1 - y0)
        xm, ym = (x0 + x1) / 2.0, (y0 + y1) / 2.0
        first = shapely.box(x0, y0, np.where(wide, xm, x1), np.where(wide, y1, ym))
        second = shapely.box(np.where(wide, xm, x0), np.where(wide, y0, ym), x1, y1)
        halves = shapely.intersection(
            np.concatenate([pieces, pieces]), np.concatenate([first, second])
        )
        pieces, part_of = shapely.get_parts(halves, return_index=True)
        owner = np.concatenate([owner, owner])[part_of]
    else:
        done_pieces.append(pieces)
        done_owner.append(owner)
    return np.concatenate(done_pieces), np.concatenate(done_owner).astype(np.int64)


class TiledPolygonIndex:
    """``PolygonIndex`` over tiled pieces of large polygons; positions refer to the originals.

    Parameters
    ----------
    polygons
        GeoSeries of (Multi)Polygons in EPSG:4326.
    max_vertices
        Largest piece, in vertices, after splitting.

    Notes
    -----
    Where polygons overlap, the earliest polygon wins (pieces keep the polygons' order).
    """

    def __init__(
        self,
        polygons: gpd.GeoSeries,
        *,
        max_vertices: int = DEFAULT_MAX_VERTICES,
        max_spacing_km: float = 1.0,
    ) -> None:
        self._geoms = np.asarray(polygons.values, dtype=object)
        self._crs = polygons.crs
        pieces, owner = tile_polygons(self._geoms, max_vertices=max_vertices)
        self._owner = owner
        self._index = PolygonIndex(gpd.GeoSeries(pieces, crs=polygons.crs), overlap="first")
        self.max_spacing_km = float(max_spacing_km)
        self._boundaries: LineIndex | None = None
        self._boundary_owner: IntArray | None = None

    def _boundary_index(self) -> tuple[LineIndex, IntArray]:
        """Return the LineIndex over the original boundaries (built on first use) and owners."""
        if self._boundaries is None or self._boundary_owner is None:
            owner = np.unique(self._owner)
            lines = gpd.GeoSeries(shapely.boundary(self._geoms[owner]), crs=self._crs)
            self._boundaries = LineIndex(lines, max_spacing_km=self.max_spacing_km)
            self._boundary_owner = owner
        return self._boundaries, self._boundary_owner

    @property
    def n_pieces(self) -> int:
        """Number of tiled pieces."""
        return int(self._owner.size)

    def lookup(
        self, lon: npt.ArrayLike, lat: npt.ArrayLike, *, tolerance_km: float = 0.0
    ) -> IntArray:
        """Return the position of the polygon holding each point (-1 none); see PolygonIndex."""
        lon_arr = np.atleast_1d(np.asarray(lon, dtype=np.float64))
        lat_arr = np.atleast_1d(np.asarray(lat, dtype=np.float64))
        pos = self._index.lookup(lon_arr, lat_arr)
        if self._owner.size == 0:
            return pos
        result = np.where(pos >= 0, self._owner[np.maximum(pos, 0)], -1).astype(np.int64)
        missing = np.flatnonzero(result < 0)
        if tolerance_km > 0 and missing.size:
            boundaries, owner = self._boundary_index()
            # only points with some boundary in reach need the (costlier) nearest search
            in_reach = boundaries.sum_within(
                lon_arr[missing], lat_arr[missing], radius_km=tolerance_km
            )
            missing = missing[in_reach > 0]
            distance_km, line = boundaries.nearest(lon_arr[missing], lat_arr[missing])
            near = distance_km <= tolerance_km
            result[missing[near]] = owner[line[near]]
        elif tolerance_km < 0:
            msg = f"tolerance_km {tolerance_km!r} must be a distance >= 0 km"
            raise ConfigError(msg)
        return result
