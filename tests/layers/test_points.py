"""Tests for layers.points.sample_points."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pytest
from shapely import LineString, MultiPolygon, Point, Polygon, box

from layers.points import sample_points
from siting.errors import CandidatesError, CRSError, CRSMismatchError

# A C shape whose centroid (in the gap) is outside the polygon.
C_SHAPE = Polygon([(0, 0), (3, 0), (3, 1), (1, 1), (1, 2), (3, 2), (3, 3), (0, 3)])


@pytest.mark.parametrize("n", [1, 3])
def test_points_sampled_where_they_are(n):
    gdf = gpd.GeoDataFrame(geometry=[Point(10.5, 50.25)] * n, crs=4326)
    lon, lat = sample_points(gdf)
    assert lon.tolist() == [10.5] * n and lat.tolist() == [50.25] * n


def test_polygons_at_centroid_or_inside_point():
    square = box(2, 40, 4, 42)
    gdf = gpd.GeoDataFrame(
        geometry=[square, C_SHAPE, MultiPolygon([box(0, 0, 1, 1), box(5, 0, 6, 1)])], crs=4326
    )
    lon, lat = sample_points(gdf)
    # Square: centroid (3, 41) by hand.
    assert (lon[0], lat[0]) == (3.0, 41.0)
    # C shape: centroid x = (3*1*1.5*2 + 1*1*0.5) / 7 = 9.5/7 = 1.357, y = 1.5, in the gap.
    assert not C_SHAPE.contains(Point(9.5 / 7, 1.5))
    assert C_SHAPE.intersects(Point(lon[1], lat[1]))
    # Two squares: centroid (3, 0.5) falls between them, so the point must be in one square.
    assert gdf.geometry[2].intersects(Point(lon[2], lat[2]))


def test_series_input_and_dtypes():
    lon, lat = sample_points(gpd.GeoSeries([Point(1, 2)], crs="EPSG:4326"))
    assert lon.dtype == np.float64 and lat.dtype == np.float64


def test_errors():
    with pytest.raises(CRSError, match=r"no CRS"):
        sample_points(gpd.GeoDataFrame(geometry=[Point(0, 0)]))
    with pytest.raises(CRSMismatchError, match=r"EPSG:3035"):
        sample_points(gpd.GeoDataFrame(geometry=[Point(0, 0)], crs=3035))
    bad = gpd.GeoDataFrame(geometry=[Point(0, 0), LineString([(0, 0), (1, 1)])], crs=4326)
    with pytest.raises(CandidatesError, match=r"candidate 1 \(row 1\) has a 'LineString'"):
        sample_points(bad)
    with pytest.raises(CandidatesError, match=r"'missing'"):
        sample_points(gpd.GeoDataFrame(geometry=[None], crs=4326))
    with pytest.raises(CandidatesError, match=r"empty Point"):
        sample_points(gpd.GeoDataFrame(geometry=[Point()], crs=4326))
