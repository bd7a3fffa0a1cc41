"""Tests for layers.raster: reading with nodata, nearest and bilinear sampling, wrap-around."""

from __future__ import annotations

import numpy as np
import pyproj
import pytest
import rasterio
from affine import Affine

from layers.raster import RasterData, read_raster, sample_raster
from siting.errors import ConfigError, DataSourceError

WGS84 = pyproj.CRS.from_epsg(4326)
# 4x4 raster of 1-degree cells, corner (10, 54): cell centres lon 10.5..13.5, lat 53.5..50.5.
GRID = np.arange(16, dtype=np.float64).reshape(4, 4)
TRANSFORM = Affine(1.0, 0.0, 10.0, 0.0, -1.0, 54.0)


@pytest.fixture
def raster_4x4():
    values = GRID.copy()
    values[2, 2] = np.nan
    return RasterData(values, TRANSFORM, WGS84)


@pytest.fixture(params=["scalar", "one", "many"])
def centre_of_cell_5(request):
    """Point (11.5, 52.5), centre of cell (1, 1) holding 5, in three input shapes."""
    return {"scalar": (11.5, 52.5), "one": ([11.5], [52.5]), "many": ([11.5] * 3, [52.5] * 3)}[
        request.param
    ]


def test_shapes(raster_4x4, centre_of_cell_5):
    lon, lat = centre_of_cell_5
    for method in ("nearest", "bilinear"):
        got = sample_raster(raster_4x4, lon, lat, method=method)
        assert got.tolist() == [5.0] * np.size(lon)


def test_nearest_hand_values(raster_4x4):
    lon = [10.01, 13.99, 12.5, 9.99, 14.0, 11.0]
    lat = [53.99, 50.01, 51.5, 52.0, 52.0, 52.0]
    # Cells (0,0)=0, (3,3)=15, (2,2)=NaN, outside west, on the east edge (outside), and the
    # corner shared by cells (1,0),(1,1),(2,0),(2,1) -> the cell to its south-east: (2,1)=9.
    got = sample_raster(raster_4x4, lon, lat)
    np.testing.assert_array_equal(got, [0.0, 15.0, np.nan, np.nan, np.nan, 9.0])


def test_bilinear_hand_values(raster_4x4):
    # (11.0, 53.0): midway between centres 10.5/11.5 and 53.5/52.5 -> mean(0, 1, 4, 5) = 2.5.
    # (11.25, 53.5): on the top row of centres, 3/4 of the way from 10.5 to 11.5 -> 0.75.
    # (10.2, 53.8): within half a cell of the corner -> edge value 0 (no extrapolation).
    got = sample_raster(raster_4x4, [11.0, 11.25, 10.2], [53.0, 53.5, 53.8], method="bilinear")
    np.testing.assert_allclose(got, [2.5, 0.75, 0.0])


def test_bilinear_nan_neighbours(raster_4x4):
    # (12.0, 52.0) sits between 5, 6, 9 and NaN (cell 2,2) with weights 1/4 each.
    renorm = sample_raster(raster_4x4, [12.0], [52.0], method="bilinear")
    np.testing.assert_allclose(renorm, [(5 + 6 + 9) / 3])
    strict = sample_raster(raster_4x4, [12.0], [52.0], method="bilinear", renormalise_nan=False)
    assert np.isnan(strict[0])
    # Exactly on the NaN centre: all weight on NaN -> NaN either way.
    assert np.isnan(sample_raster(raster_4x4, [12.5], [51.5], method="bilinear")[0])


def test_global_wrap_both_conventions():
    # 4 columns of 90 degrees; values 0, 1, 2, 3 for centres 45, 135, 225, 315 (0..360 grid).
    values = np.tile(np.arange(4.0), (2, 1))
    grid_360 = RasterData(values, Affine(90.0, 0, 0.0, 0, -90.0, 90.0), WGS84)
    assert grid_360.is_global
    # -45 E == 315 E -> column 3; bilinear at 0 E = between centres 315 (3) and 45 (0) -> 1.5.
    assert sample_raster(grid_360, [-45.0, 315.0], [10.0, 10.0]).tolist() == [3.0, 3.0]
    got = sample_raster(grid_360, [0.0, 360.0, -170.0], [10.0, 10.0, 10.0], method="bilinear")
    # -170 E = 190 E: between centres 135 (1) and 225 (2), 55/90 of the way -> 1 + 55/90.
    np.testing.assert_allclose(got, [1.5, 1.5, 1.0 + 55.0 / 90.0])
    # The same grid stored -180..180 (centres -135, -45, 45, 135 hold 2, 3, 0, 1).
    grid_180 = RasterData(
        np.roll(values, 2, axis=1), Affine(90.0, 0, -180.0, 0, -90.0, 90.0), WGS84
    )
    np.testing.assert_allclose(
        sample_raster(grid_180, [0.0, 360.0, -170.0], [10.0, 10.0, 10.0], method="bilinear"), got
    )


def test_projected_raster_is_sampled_in_its_crs():
    laea = pyproj.CRS.from_epsg(3035)
    x, y = pyproj.Transformer.from_crs(WGS84, laea, always_xy=True).transform(10.0, 52.0)
    corner = Affine(
        1000.0, 0, np.floor(x / 1000) * 1000 - 1000, 0, -1000.0, np.ceil(y / 1000) * 1000 + 1000
    )
    r = RasterData(np.arange(9.0).reshape(3, 3), corner, laea)
    assert sample_raster(r, [10.0], [52.0]).tolist() == [4.0]


def test_read_raster_nodata_and_band(tmp_path, raster_4x4):
    path = tmp_path / "r.tif"
    data = GRID.copy()
    data[0, 1] = -9999.0
    profile = dict(driver="GTiff", width=4, height=4, count=2, dtype="float32", crs="EPSG:4326")
    with rasterio.open(path, "w", transform=TRANSFORM, nodata=-9999.0, **profile) as dst:
        dst.write(data.astype("float32"), 1)
        dst.write(np.where(data == -9999.0, data, data * 2).astype("float32"), 2)
    r = read_raster(path, band=2)
    assert r.values.dtype == np.float64 and r.shape == (4, 4)
    assert np.isnan(r.values[0, 1]) and r.values[3, 3] == 30.0
    assert r.bounds == (10.0, 50.0, 14.0, 54.0)
    with pytest.raises(ConfigError, match=r"band 3 is not in"):
        read_raster(path, band=3)
    with pytest.raises(DataSourceError, match=r"cannot open raster"):
        read_raster(tmp_path / "missing.tif")


def test_errors(raster_4x4):
    with pytest.raises(ConfigError, match=r"method 'cubic'.*'nearest', 'bilinear'"):
        sample_raster(raster_4x4, [11.0], [52.0], method="cubic")
    with pytest.raises(ConfigError, match=r"2-D"):
        RasterData(np.zeros(3), TRANSFORM, WGS84)
    with pytest.raises(ConfigError, match=r"rotated"):
        RasterData(GRID, Affine(1, 0.1, 0, 0, -1, 0), WGS84)


def test_real_climate_grid(mirror):
    path = mirror / "climate" / "ncep_r1_air_sig995_ltm_1981_2010_2p5deg.tif"
    r = read_raster(path, band=13)
    assert r.is_global and r.shape == (73, 144)
    # Across the dateline seam, 178.75 E is midway between the centres 177.5 E and 180 E.
    got = sample_raster(r, [178.75], [0.0], method="bilinear")
    np.testing.assert_allclose(got, [(r.values[36, 143] + r.values[36, 0]) / 2])
    # Annual mean near-surface temperature: Sahara warmer than Svalbard.
    hot, cold = sample_raster(r, [10.0, 15.0], [25.0, 78.0], method="bilinear")
    assert hot > 20.0 and cold < -5.0
