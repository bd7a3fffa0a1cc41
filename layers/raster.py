"""Raster data in memory and vectorised point sampling (nearest cell or bilinear).

:func:`read_raster` does the I/O (one read of one band); :func:`sample_raster` is pure compute.
Conventions, stated once:

- Cells are areas (GDAL "pixel is area"): cell (row, col) covers
  ``x in [c + col*a, c + (col+1)*a)``, ``y`` likewise with the transform's ``f`` and ``e``; its
  value belongs to the cell centre for bilinear interpolation.
- Nodata cells (the file's nodata value or mask) are NaN.
- A geographic raster whose columns span exactly 360 degrees is *global*: longitudes wrap
  around, so a raster stored 0..360 is sampled with -180..180 longitudes (and vice versa), and
  bilinear interpolation between the last and the first column works across the seam.
- Points outside the raster extent get NaN. Inside the extent but less than half a cell from its
  edge, bilinear interpolation uses the edge cells (constant extension, no extrapolation).
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path

import numpy as np
import numpy.typing as npt
import pyproj
import rasterio
from affine import Affine
from rasterio.errors import RasterioIOError

from layers.geodesy import as_lon_lat
from siting.errors import ConfigError, CRSError, DataSourceError
from siting.types import Bounds, FloatArray

__all__ = ["RasterData", "SampleMethod", "read_raster", "sample_raster"]

_WGS84 = pyproj.CRS.from_epsg(4326)
_FULL_CIRCLE_DEG = 360.0


class SampleMethod(StrEnum):
    """How a raster is sampled at a point."""

    NEAREST = "nearest"
    """Value of the cell containing the point."""
    BILINEAR = "bilinear"
    """Bilinear interpolation between the four surrounding cell centres."""


@dataclass(frozen=True, eq=False)
class RasterData:
    """One raster band in memory.

    Parameters
    ----------
    values
        2-D float64 array (rows, cols); NaN marks nodata.
    transform
        Affine transform from (col, row) to (x, y) of the cell corner, in ``crs`` units; no
        rotation.
    crs
        Coordinate reference system of the grid.

    Raises
    ------
    ConfigError
        When ``values`` is not 2-D or the transform is rotated or degenerate.
    """

    values: FloatArray
    transform: Affine
    crs: pyproj.CRS

    def __post_init__(self) -> None:
        if np.ndim(self.values) != 2:
            msg = f"raster values must be a 2-D array, got shape {np.shape(self.values)!r}"
            raise ConfigError(msg)
        t = self.transform
        if t.b != 0 or t.d != 0 or t.a == 0 or t.e == 0:
            msg = f"raster transform {tuple(t)[:6]!r} is rotated or degenerate; expected b = d = 0"
            raise ConfigError(msg)

    @property
    def shape(self) -> tuple[int, int]:
        """Return (rows, cols)."""
        rows, cols = np.shape(self.values)
        return int(rows), int(cols)

    @property
    def bounds(self) -> Bounds:
        """Return (minx, miny, maxx, maxy) of the grid, in ``crs`` units."""
        rows, cols = self.shape
        t = self.transform
        x0, y0 = t.c, t.f
        x1, y1 = t.c + cols * t.a, t.f + rows * t.e
        return (min(x0, x1), min(y0, y1), max(x0, x1), max(y0, y1))

    @property
    def is_global(self) -> bool:
        """Whether the raster is geographic and its columns span exactly 360 degrees."""
        span = abs(self.transform.a) * self.shape[1]
        return bool(self.crs.is_geographic and abs(span - _FULL_CIRCLE_DEG) < 1e-9)


def read_raster(path: str | Path, *, band: int = 1) -> RasterData:
    """Read one band of a raster file into memory (one read), nodata as NaN.

    Parameters
    ----------
    path
        Any file rasterio/GDAL can open (GeoTIFF, netCDF subdataset, ...).
    band
        1-based band number.

    Returns
    -------
    RasterData
        Values as float64 with NaN where the file's mask or nodata value says no data.

    Raises
    ------
    DataSourceError
        When the file cannot be opened.
    ConfigError
        When ``band`` does not exist in the file.
    CRSError
        When the file has no CRS.
    """
    try:
        with rasterio.open(path) as src:
            if isinstance(band, bool) or band not in range(1, src.count + 1):
                msg = f"band {band!r} is not in {str(path)!r}; expected 1..{src.count}"
                raise ConfigError(msg)
            if src.crs is None:
                msg = f"raster {str(path)!r} has no CRS"
                raise CRSError(msg)
            data = src.read(band, masked=True)
            crs = pyproj.CRS.from_user_input(src.crs.to_wkt())
            transform = src.transform
    except RasterioIOError as err:
        msg = f"cannot open raster {str(path)!r}: {err}"
        raise DataSourceError(msg) from err
    values = np.ma.filled(data.astype(np.float64), np.nan)
    return RasterData(values=values, transform=transform, crs=crs)


def _grid_coordinates(
    raster: RasterData, lon: FloatArray, lat: FloatArray
) -> tuple[FloatArray, FloatArray]:
    """Return fractional (col, row) of lon/lat points; global rasters wrap col into [0, cols)."""
    if raster.crs.equals(_WGS84, ignore_axis_order=True):
        x, y = lon, lat
    else:
        transformer = pyproj.Transformer.from_crs(_WGS84, raster.crs, always_xy=True)
        x, y = transformer.transform(lon, lat)
        x, y = np.asarray(x, dtype=np.float64), np.asarray(y, dtype=np.float64)
    t = raster.transform
    col = (x - t.c) / t.a
    row = (y - t.f) / t.e
    if raster.is_global:
        col = np.mod(col, raster.shape[1])
    return col, row


def sample_raster(
    raster: RasterData,
    lon: npt.ArrayLike,
    lat: npt.ArrayLike,
    *,
    method: SampleMethod | str = SampleMethod.NEAREST,
    renormalise_nan: bool = True,
) -> FloatArray:
    """Return raster values at points (vectorised; no I/O).

    Parameters
    ----------
    raster
        The band to sample (any CRS; points are transformed from EPSG:4326 when it differs).
    lon, lat
        Points, degrees, EPSG:4326; scalars or 1-D arrays of equal length n.
    method
        ``"nearest"``: value of the cell containing the point. ``"bilinear"``: interpolation
        between the four surrounding cell centres (longitudes wrap on global rasters).
    renormalise_nan
        Bilinear only. True: NaN neighbours are dropped and the remaining weights rescaled to
        sum to 1 (NaN only when every neighbour with a positive weight is NaN), so coastal
        points of a land-only grid get a value. False: any NaN neighbour with a positive weight
        gives NaN.

    Returns
    -------
    FloatArray
        Shape (n,), in the raster's units; NaN outside the raster or on nodata.

    Raises
    ------
    ConfigError
        When coordinates are invalid or ``method`` is not a known method.

    Examples
    --------
    A 2x2 raster of 1-degree cells with corner (0, 2):

    >>> r = RasterData(np.array([[1.0, 2.0], [3.0, 4.0]]), Affine(1, 0, 0, 0, -1, 2), _WGS84)
    >>> sample_raster(r, [0.5, 1.9, 5.0], [1.5, 0.1, 1.0]).tolist()
    [1.0, 4.0, nan]
    >>> sample_raster(r, [1.0], [1.0], method="bilinear").tolist()
    [2.5]
    """
    try:
        chosen = SampleMethod(method)
    except ValueError as err:
        options = [m.value for m in SampleMethod]
        msg = f"method {method!r} is not a sampling method; expected one of {options!r}"
        raise ConfigError(msg) from err
    lon_arr, lat_arr = as_lon_lat(lon, lat, name="points")
    rows, cols = raster.shape
    col, row = _grid_coordinates(raster, lon_arr, lat_arr)
    out = np.full(lon_arr.size, np.nan)
    is_inside = (col >= 0) & (col <= cols) & (row >= 0) & (row <= rows) & np.isfinite(col + row)
    if chosen is SampleMethod.NEAREST:
        c = np.floor(col[is_inside]).astype(np.int64)
        r = np.floor(row[is_inside]).astype(np.int64)
        if raster.is_global:
            c %= cols
        is_cell = (c < cols) & (r < rows)
        idx = np.flatnonzero(is_inside)[is_cell]
        out[idx] = raster.values[r[is_cell], c[is_cell]]
        return out
    idx = np.flatnonzero(is_inside)
    u = col[idx] - 0.5
    v = row[idx] - 0.5
    c0 = np.floor(u)
    r0 = np.floor(v)
    fx = u - c0
    fy = v - r0
    c0 = c0.astype(np.int64)
    r0 = r0.astype(np.int64)
    if raster.is_global:
        c_lo, c_hi = c0 % cols, (c0 + 1) % cols
    else:
        c_lo, c_hi = np.clip(c0, 0, cols - 1), np.clip(c0 + 1, 0, cols - 1)
    r_lo, r_hi = np.clip(r0, 0, rows - 1), np.clip(r0 + 1, 0, rows - 1)
    weights = np.stack(((1 - fx) * (1 - fy), fx * (1 - fy), (1 - fx) * fy, fx * fy))
    values = np.stack(
        (
            raster.values[r_lo, c_lo],
            raster.values[r_lo, c_hi],
            raster.values[r_hi, c_lo],
            raster.values[r_hi, c_hi],
        )
    )
    is_valid = ~np.isnan(values)
    total = np.sum(np.where(is_valid, weights * np.where(is_valid, values, 0.0), 0.0), axis=0)
    if renormalise_nan:
        weight_sum = np.sum(np.where(is_valid, weights, 0.0), axis=0)
        with np.errstate(invalid="ignore", divide="ignore"):
            result = np.where(weight_sum > 0, total / weight_sum, np.nan)
    else:
        has_nan = np.any(~is_valid & (weights > 0), axis=0)
        result = np.where(has_nan, np.nan, total)
    out[idx] = result
    return out
