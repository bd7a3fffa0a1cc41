"""Tests for layers.zonal: area-weighted zonal statistics, checked by hand and by exactextract."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pyproj
import pytest
import rasterio
import shapely
from affine import Affine
from exactextract import exact_extract
from shapely import Point, box

from layers.raster import RasterData, read_raster
from layers.zonal import zonal_mean, zonal_stats
from siting.errors import ConfigError, CRSError

LAEA = pyproj.CRS.from_epsg(3035)
WGS84 = pyproj.CRS.from_epsg(4326)
NODATA = -9999.0


def _write(path, values, transform, crs):
    data = np.where(np.isnan(values), NODATA, values)
    profile = dict(driver="GTiff", width=values.shape[1], height=values.shape[0], count=1)
    with rasterio.open(
        path, "w", dtype="float64", crs=crs, transform=transform, nodata=NODATA, **profile
    ) as dst:
        dst.write(data, 1)
    return path


def test_hand_computed_4x4():
    # 4x4 raster of 1 km cells in EPSG:3035 (equal-area), origin (4 000 000, 3 004 000).
    values = np.arange(16, dtype=np.float64).reshape(4, 4)
    values[0, 1] = np.nan
    r = RasterData(values, Affine(1000, 0, 4_000_000, 0, -1000, 3_004_000), LAEA)
    polygons = gpd.GeoSeries(
        [
            # Whole top row: cells 0, NaN, 2, 3 -> mean 5/3, coverage 3/4.
            box(4_000_000, 3_003_000, 4_004_000, 3_004_000),
            # Half of cell 4 (area 0.5) and all of cell 5 (area 1): (4*0.5 + 5) / 1.5 = 14/3.
            box(4_000_500, 3_002_000, 4_002_000, 3_003_000),
            # Entirely outside the raster.
            box(0, 0, 10, 10),
            shapely.Polygon(),
        ],
        index=[10, 11, 12, 13],
        crs=3035,
    )
    got = zonal_stats(r, polygons)
    assert got.index.tolist() == [10, 11, 12, 13]
    np.testing.assert_allclose(got["mean"], [5 / 3, 14 / 3, np.nan, np.nan])
    np.testing.assert_allclose(got["min"], [0, 4, np.nan, np.nan])
    np.testing.assert_allclose(got["max"], [3, 5, np.nan, np.nan])
    np.testing.assert_allclose(got["coverage"], [0.75, 1.0, 0.0, np.nan])
    np.testing.assert_allclose(zonal_mean(r, polygons.iloc[:2]), [5 / 3, 14 / 3])


def test_matches_exactextract_on_equal_area_raster(tmp_path):
    rng = np.random.default_rng(3)
    values = rng.uniform(0, 100, (20, 20))
    values[3, 4] = values[10, 10] = np.nan
    transform = Affine(1000, 0, 4_000_000, 0, -1000, 3_020_000)
    path = _write(tmp_path / "laea.tif", values, transform, "EPSG:3035")
    polygons = gpd.GeoDataFrame(
        geometry=[
            Point(4_010_000, 3_010_000).buffer(6000),
            box(4_001_300, 3_002_700, 4_007_900, 3_013_100),
            shapely.Polygon(
                [(4_000_500, 3_000_500), (4_019_500, 3_004_000), (4_005_000, 3_019_500)]
            ),
        ],
        crs=3035,
    )
    expected = exact_extract(path, polygons, ["mean", "min", "max"], output="pandas")
    got = zonal_stats(read_raster(path), polygons.geometry)
    for name in ("mean", "min", "max"):
        np.testing.assert_allclose(got[name], expected[name], rtol=1e-6)


def _cell_areas_6933(transform, rows, cols):
    c, r = np.meshgrid(np.arange(cols), np.arange(rows))
    x0, y0 = transform.c + transform.a * c, transform.f + transform.e * r
    cells = shapely.box(x0, y0 + transform.e, x0 + transform.a, y0).ravel()
    return gpd.GeoSeries(cells, crs=4326).to_crs(6933).area.to_numpy().reshape(rows, cols)


def test_geographic_raster_weights_by_true_area(tmp_path):
    # A 2.5-degree grid over Europe. Our weights are the EPSG:6933 areas of cell-polygon
    # intersections. exactextract's weighted_mean with a raster of cell areas weights by
    # coverage fraction x cell area, which assumes area density is uniform inside a cell; on a
    # grid refined 10x (same values) that assumption's error shrinks to ~1e-5, and the two agree.
    rng = np.random.default_rng(5)
    values = rng.uniform(-5, 25, (16, 20))
    transform = Affine(2.5, 0, -12.5, 0, -2.5, 72.5)
    v_path = _write(tmp_path / "v.tif", values, transform, "EPSG:4326")
    refine = 10
    fine_tf = Affine(2.5 / refine, 0, -12.5, 0, -2.5 / refine, 72.5)
    fine_v = _write(
        tmp_path / "fv.tif", np.kron(values, np.ones((refine, refine))), fine_tf, "EPSG:4326"
    )
    fine_w = _write(
        tmp_path / "fw.tif",
        _cell_areas_6933(fine_tf, 16 * refine, 20 * refine),
        fine_tf,
        "EPSG:4326",
    )
    coarse_w = _write(
        tmp_path / "w.tif", _cell_areas_6933(transform, 16, 20), transform, "EPSG:4326"
    )
    polygons = gpd.GeoDataFrame(
        geometry=[box(-3.3, 40.1, 3.7, 43.9), Point(15.2, 55.1).buffer(4.0), box(5, 45, 10, 50)],
        crs=4326,
    )
    got = zonal_mean(read_raster(v_path), polygons.geometry)
    refined = exact_extract(fine_v, polygons, ["weighted_mean"], weights=fine_w, output="pandas")
    np.testing.assert_allclose(got, refined["weighted_mean"], rtol=1e-4)
    coarse = exact_extract(v_path, polygons, ["weighted_mean"], weights=coarse_w, output="pandas")
    # Cell-aligned box: every cell fully covered, so the coarse weighting agrees to rounding;
    # the 4-degree circle cuts many cells and the coarse approximation is off by ~0.45 %.
    np.testing.assert_allclose(got[2], coarse["weighted_mean"][2], rtol=1e-9)
    np.testing.assert_allclose(got, coarse["weighted_mean"], rtol=6e-3)
    # Unweighted coverage means ignore cos(latitude) and differ more.
    plain = exact_extract(v_path, polygons, ["mean"], output="pandas")["mean"]
    assert abs(got[2] - plain[2]) > 1e-3


def test_polygons_reprojected_to_raster_crs():
    r = RasterData(np.array([[1.0, 3.0]]), Affine(1.0, 0, 0, 0, -1.0, 1.0), WGS84)
    square = gpd.GeoSeries([box(0.5, 0.0, 1.5, 1.0)], crs=4326)
    # Half of each cell -> equal areas (same latitudes) -> mean 2.
    np.testing.assert_allclose(zonal_mean(r, square.to_crs(3857)), [2.0], rtol=1e-9)


def test_errors():
    r = RasterData(np.ones((2, 2)), Affine(1.0, 0, 0, 0, -1.0, 2.0), WGS84)
    with pytest.raises(ConfigError, match=r"stats \('median',\)"):
        zonal_stats(r, gpd.GeoSeries([box(0, 0, 1, 1)], crs=4326), stats=("median",))
    with pytest.raises(CRSError, match=r"no CRS"):
        zonal_mean(r, gpd.GeoSeries([box(0, 0, 1, 1)]))
    with pytest.raises(ConfigError, match=r"'Point'"):
        zonal_mean(r, gpd.GeoSeries([Point(0, 0)], crs=4326))
