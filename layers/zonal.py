"""Area-weighted zonal statistics of a raster over polygon candidates.

Each raster cell is weighted by the exact area of its intersection with the polygon, measured in
an equal-area CRS: EPSG:6933 (WGS 84 / NSIDC EASE-Grid 2.0 Global, cylindrical equal-area) for
geographic and non-equal-area rasters, or the raster's own CRS when that is already an equal-area
projection (e.g. EPSG:3035 LAEA Europe). EPSG:6933 is used everywhere rather than switching to
EPSG:3035 inside Europe because both are equal-area, so the weights are the same up to rounding,
and one CRS keeps polygons that straddle Europe's edge consistent.

Consequences worth knowing:

- On a geographic (lon/lat) raster, a cell's weight is its true ground area, so northern cells
  of a large polygon weigh less than southern ones (cos latitude). exactextract's ``mean``
  weights by the covered *fraction* of each cell instead; its ``weighted_mean`` with a raster of
  cell areas matches ours to within the variation of area density inside one cell.
- Cells that are NaN (nodata) are excluded from every statistic; ``coverage`` reports how much of
  the polygon they left covered.
- Polygons are intersected with the raster extent as it is (no longitude wrap-around).
- Memory grows with the number of cells in the polygons' bounding boxes; work is done in batches
  of about ``max_pairs`` (cell, polygon) pairs.
"""

from __future__ import annotations

from collections.abc import Sequence

import geopandas as gpd
import numpy as np
import pandas as pd
import pyproj
import shapely

from layers.raster import RasterData
from siting.errors import ConfigError, CRSError
from siting.types import FloatArray, IntArray

__all__ = ["ZONAL_STATS", "zonal_mean", "zonal_stats"]

ZONAL_STATS = ("mean", "min", "max", "coverage")
"""Statistics :func:`zonal_stats` can compute."""

_EQUAL_AREA = pyproj.CRS.from_epsg(6933)
_POLYGON_TYPES = (shapely.GeometryType.POLYGON, shapely.GeometryType.MULTIPOLYGON)


def _is_equal_area(crs: pyproj.CRS) -> bool:
    """Whether ``crs`` is a projection that preserves area (its method name says so)."""
    if not crs.is_projected:
        return False
    operation = crs.coordinate_operation
    return operation is not None and "equal area" in operation.method_name.lower()


def _cell_windows(
    raster: RasterData, bounds: FloatArray
) -> tuple[IntArray, IntArray, IntArray, IntArray]:
    """Return the [col0, col1) x [row0, row1) cell window covering each bounding box."""
    t = raster.transform
    rows, cols = raster.shape
    ca = (bounds[:, 0] - t.c) / t.a
    cb = (bounds[:, 2] - t.c) / t.a
    ra = (bounds[:, 1] - t.f) / t.e
    rb = (bounds[:, 3] - t.f) / t.e
    col0 = np.clip(np.floor(np.minimum(ca, cb)), 0, cols).astype(np.int64)
    col1 = np.clip(np.ceil(np.maximum(ca, cb)), 0, cols).astype(np.int64)
    row0 = np.clip(np.floor(np.minimum(ra, rb)), 0, rows).astype(np.int64)
    row1 = np.clip(np.ceil(np.maximum(ra, rb)), 0, rows).astype(np.int64)
    return col0, np.maximum(col1, col0), row0, np.maximum(row1, row0)


def zonal_stats(
    raster: RasterData,
    polygons: gpd.GeoSeries,
    *,
    stats: Sequence[str] = ZONAL_STATS,
    max_pairs: int = 2_000_000,
) -> pd.DataFrame:
    """Return area-weighted statistics of raster cells over each polygon.

    Parameters
    ----------
    raster
        The band to summarise (NaN = nodata).
    polygons
        GeoSeries of Polygon/MultiPolygon with a CRS; reprojected to the raster's CRS when it
        differs. Empty geometries give NaN.
    stats
        Any of ``"mean"`` (area-weighted mean of valid cells), ``"min"`` and ``"max"`` (over
        valid cells with a positive intersection area), ``"coverage"`` (share, 0..1, of the
        polygon's equal-area covered by valid cells).
    max_pairs
        Upper bound on (cell, polygon) pairs handled per batch (a single polygon's window is
        never split).

    Returns
    -------
    pandas.DataFrame
        One column per requested statistic, index aligned to ``polygons``; NaN where the
        polygon covers no valid cell (``coverage`` is then 0, or NaN for an empty polygon).

    Raises
    ------
    CRSError
        When ``polygons`` has no CRS.
    ConfigError
        When a statistic is unknown or a geometry is not a polygon.

    Examples
    --------
    A 2x2 raster of 1-km cells in EPSG:3035; the polygon covers all of the top-left cell and
    half of the top-right one:

    >>> from affine import Affine
    >>> from shapely import box
    >>> r = RasterData(
    ...     np.array([[1.0, 4.0], [np.nan, 8.0]]),
    ...     Affine(1000, 0, 4_000_000, 0, -1000, 3_002_000),
    ...     pyproj.CRS.from_epsg(3035),
    ... )
    >>> zone = gpd.GeoSeries([box(4_000_000, 3_001_000, 4_001_500, 3_002_000)], crs=3035)
    >>> zonal_stats(r, zone).round(6).to_dict("records")
    [{'mean': 2.0, 'min': 1.0, 'max': 4.0, 'coverage': 1.0}]
    """
    unknown = [s for s in stats if s not in ZONAL_STATS]
    if unknown or not stats:
        msg = f"stats {tuple(stats)!r} must be a non-empty selection of {ZONAL_STATS!r}"
        raise ConfigError(msg)
    if polygons.crs is None:
        msg = "polygons have no CRS; expected one (EPSG:4326 for candidates)"
        raise CRSError(msg)
    if not pyproj.CRS.from_user_input(polygons.crs).equals(raster.crs, ignore_axis_order=True):
        polygons = polygons.to_crs(raster.crs)
    geoms = np.asarray(polygons.values, dtype=object)
    is_bad = ~np.isin(shapely.get_type_id(geoms), _POLYGON_TYPES) & ~shapely.is_empty(geoms)
    is_bad |= shapely.is_missing(geoms)
    if is_bad.any():
        pos = int(np.flatnonzero(is_bad)[0])
        kind = "missing" if geoms[pos] is None else geoms[pos].geom_type
        msg = f"polygon {polygons.index[pos]!r} (row {pos}) is {kind!r}; expected a Polygon"
        raise ConfigError(msg)

    if _is_equal_area(raster.crs):

        def area(g: np.ndarray) -> FloatArray:
            return shapely.area(g)

    else:
        to_equal_area = pyproj.Transformer.from_crs(raster.crs, _EQUAL_AREA, always_xy=True)

        def area(g: np.ndarray) -> FloatArray:
            projected = shapely.transform(
                g, lambda xy: np.column_stack(to_equal_area.transform(xy[:, 0], xy[:, 1]))
            )
            return shapely.area(projected)

    n = geoms.size
    weight_sum = np.zeros(n)
    value_sum = np.zeros(n)
    low = np.full(n, np.inf)
    high = np.full(n, -np.inf)
    is_empty = shapely.is_empty(geoms)
    bounds = np.where(is_empty[:, None], 0.0, shapely.bounds(geoms))
    col0, col1, row0, row1 = _cell_windows(raster, bounds)
    n_cells = np.where(is_empty, 0, (col1 - col0) * (row1 - row0))
    t = raster.transform
    cum = np.cumsum(n_cells)
    start = 0
    while start < n:
        limit = (cum[start - 1] if start else 0) + max(int(max_pairs), 1)
        stop = max(int(np.searchsorted(cum, limit, side="right")), start + 1)
        sel = np.arange(start, stop)
        counts = n_cells[sel]
        poly = np.repeat(sel, counts)
        if poly.size:
            width = np.repeat(col1[sel] - col0[sel], counts)
            offset = np.arange(poly.size) - np.repeat(np.cumsum(counts) - counts, counts)
            col = col0[poly] + offset % np.maximum(width, 1)
            row = row0[poly] + offset // np.maximum(width, 1)
            xa, xb = t.c + col * t.a, t.c + (col + 1) * t.a
            ya, yb = t.f + row * t.e, t.f + (row + 1) * t.e
            cells = shapely.box(np.minimum(xa, xb), np.minimum(ya, yb), np.maximum(xa, xb),
                                np.maximum(ya, yb))  # fmt: skip
            targets = geoms[poly]
            shapely.prepare(targets)
            is_inside = shapely.contains_properly(targets, cells)
            is_edge = ~is_inside & shapely.intersects(targets, cells)
            pieces = cells.copy()
            pieces[is_edge] = shapely.intersection(targets[is_edge], cells[is_edge])
            keep = is_inside | is_edge
            weight = np.zeros(poly.size)
            weight[keep] = area(pieces[keep])
            values = raster.values[row, col]
            is_used = (weight > 0) & ~np.isnan(values)
            p, w, v = poly[is_used], weight[is_used], values[is_used]
            weight_sum += np.bincount(p, weights=w, minlength=n)
            value_sum += np.bincount(p, weights=w * v, minlength=n)
            np.minimum.at(low, p, v)
            np.maximum.at(high, p, v)
        start = stop

    has_data = weight_sum > 0
    out = pd.DataFrame(index=polygons.index)
    for name in stats:
        if name == "mean":
            with np.errstate(invalid="ignore", divide="ignore"):
                out[name] = np.where(has_data, value_sum / weight_sum, np.nan)
        elif name == "min":
            out[name] = np.where(has_data, low, np.nan)
        elif name == "max":
            out[name] = np.where(has_data, high, np.nan)
        else:
            total = np.zeros(n)
            total[~is_empty] = area(geoms[~is_empty])
            with np.errstate(invalid="ignore", divide="ignore"):
                out[name] = np.where(total > 0, np.minimum(weight_sum / total, 1.0), np.nan)
    return out


def zonal_mean(raster: RasterData, polygons: gpd.GeoSeries) -> FloatArray:
    """Return the area-weighted mean of valid raster cells over each polygon.

    Parameters
    ----------
    raster
        The band to average (NaN = nodata, excluded).
    polygons
        GeoSeries of Polygon/MultiPolygon with a CRS (reprojected to the raster's when it
        differs).

    Returns
    -------
    FloatArray
        Shape (n,), raster units; NaN where a polygon covers no valid cell. Weights are the
        exact equal-area intersection areas (see the module docstring).

    Raises
    ------
    CRSError
        When ``polygons`` has no CRS.
    ConfigError
        When a geometry is not a polygon.

    Examples
    --------
    >>> from affine import Affine
    >>> from shapely import box
    >>> r = RasterData(np.array([[2.0, 6.0]]), Affine(1000, 0, 0, 0, -1000, 1000),
    ...                pyproj.CRS.from_epsg(6933))
    >>> zonal_mean(r, gpd.GeoSeries([box(500, 0, 2000, 1000)], crs=6933)).tolist()
    [4.666666666666667]
    """
    return zonal_stats(raster, polygons, stats=("mean",))["mean"].to_numpy(dtype=np.float64)
