"""Tests for layers.lookup.PolygonIndex."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pytest
from shapely import LineString, Polygon, box

from layers.lookup import PolygonIndex, equal_area_km2
from siting.errors import ConfigError, CRSError, CRSMismatchError

# Two unit squares side by side, a small square overlapping the first, and an empty polygon.
ZONES = gpd.GeoSeries(
    [box(0, 0, 1, 1), box(1, 0, 2, 1), box(0.2, 0.2, 0.4, 0.4), Polygon()], crs=4326
)


@pytest.fixture(params=["scalar", "one", "many"])
def inside_first(request):
    """Points at (0.5, 0.7) as a scalar, 1-element list or three copies."""
    return {"scalar": (0.5, 0.7), "one": ([0.5], [0.7]), "many": ([0.5] * 3, [0.7] * 3)}[
        request.param
    ]


def test_lookup_shapes(inside_first):
    lon, lat = inside_first
    assert PolygonIndex(ZONES).lookup(lon, lat).tolist() == [0] * np.size(lon)


def test_overlap_rules_and_boundaries():
    lon = [0.3, 1.0, 1.5, 3.0, 359.5]
    lat = [0.3, 0.5, 0.5, 0.5, 0.5]
    # First: the enclave (2) loses to zone 0; the shared border x = 1 goes to zone 0;
    # 359.5 E wraps to -0.5 E, outside.
    assert PolygonIndex(ZONES).lookup(lon, lat).tolist() == [0, 0, 1, -1, -1]
    # Smallest: the enclave wins; the border point is equal-area tie -> earlier position.
    assert PolygonIndex(ZONES, overlap="smallest").lookup(lon, lat).tolist() == [2, 0, 1, -1, -1]


def test_tolerance_is_geodesic():
    index = PolygonIndex(ZONES)
    # (2.01, 0.5) is 0.01 degree of longitude east of zone 1: 1.113 km at lat 0.5.
    assert index.lookup([2.01], [0.5], tolerance_km=1.0).tolist() == [-1]
    assert index.lookup([2.01], [0.5], tolerance_km=1.2).tolist() == [1]
    # (0.5, -0.02) is 0.02 degree of latitude south of zone 0: 2.211 km.
    assert index.lookup([0.5], [-0.02], tolerance_km=2.2).tolist() == [-1]
    assert index.lookup([0.5], [-0.02], tolerance_km=2.22).tolist() == [0]


def test_equal_area_km2():
    # 1 x 1 degree at the equator on the WGS84 authalic sphere: 12 308 km2 (to 1 km2).
    assert equal_area_km2([box(0, 0, 1, 1)])[0] == pytest.approx(12308.0, abs=1.0)


def test_errors_and_empty():
    with pytest.raises(ConfigError, match=r"overlap 'largest'"):
        PolygonIndex(ZONES, overlap="largest")
    with pytest.raises(CRSError, match=r"no CRS"):
        PolygonIndex(gpd.GeoSeries([box(0, 0, 1, 1)]))
    with pytest.raises(CRSMismatchError, match=r"EPSG:3035"):
        PolygonIndex(gpd.GeoSeries([box(0, 0, 1, 1)], crs=3035))
    with pytest.raises(ConfigError, match=r"'LineString'"):
        PolygonIndex(gpd.GeoSeries([LineString([(0, 0), (1, 1)])], crs=4326))
    with pytest.raises(ConfigError, match=r"tolerance|radius_km -1"):
        PolygonIndex(ZONES).lookup([0.0], [0.0], tolerance_km=-1)
    empty = PolygonIndex(gpd.GeoSeries([], crs=4326))
    assert empty.lookup([0.0], [0.0], tolerance_km=5).tolist() == [-1]


def test_real_bidding_zones(mirror):
    zones = gpd.read_file(mirror / "bidding-zones-entsoepy" / "bidding_zones_europe.geojson")
    index = PolygonIndex(zones.geometry)
    # Berlin, Paris, Oslo, Madrid, mid-Atlantic.
    got = index.lookup([13.40, 2.35, 10.75, -3.70, -30.0], [52.52, 48.86, 59.91, 40.42, 45.0])
    names = [zones["zone"].iloc[i] if i >= 0 else None for i in got]
    assert names[1] == "FR" and names[3] == "ES" and names[4] is None
    assert names[0].startswith("DE") and names[2] == "NO_1"


def test_longitudes_0_360_wrap():
    west = PolygonIndex(gpd.GeoSeries([box(-1, 0, 0, 1)], crs=4326))
    assert west.lookup([359.5, -0.5], [0.5, 0.5]).tolist() == [0, 0]
