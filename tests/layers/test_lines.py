"""Tests for layers.lines: densification, nearest line distance and distinct-line sums."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pyproj
import pytest
from shapely import LineString, MultiLineString, Point

from layers.lines import LineIndex, densify_lines
from siting.errors import ConfigError, CRSError, CRSMismatchError

GEOD = pyproj.Geod(ellps="WGS84")
HALF_DEGREE_MERIDIAN_KM = 55.287473  # meridian arc from the equator to 0.5 N (WGS84)


def _geod_km(lon1, lat1, lon2, lat2):
    return GEOD.inv(lon1, lat1, lon2, lat2)[2] / 1000.0


def test_densify_spacing_and_order():
    line = LineString([(0, 0), (1, 0), (1, 2)])
    lon, lat, line_idx, part = densify_lines([line], max_spacing_km=10.0)
    steps = _geod_km(lon[:-1], lat[:-1], lon[1:], lat[1:])
    assert steps.max() <= 10.0
    # 111.32 km -> 12 steps, 221.1 km -> 23 steps; plus the first vertex.
    assert lon.size == 1 + 12 + 23
    assert (lon[0], lat[0], lon[-1], lat[-1]) == (0.0, 0.0, 1.0, 2.0)
    assert (lon[12], lat[12]) == (1.0, 0.0)
    assert set(line_idx.tolist()) == {0} and set(part.tolist()) == {0}


def test_densify_multilines_keep_parts_apart():
    multi = MultiLineString([[(0, 0), (0.01, 0)], [(5, 5), (5.01, 5)]])
    lon, _, line_idx, part = densify_lines([multi], max_spacing_km=100.0)
    assert lon.tolist() == [0.0, 0.01, 5.0, 5.01]
    assert line_idx.tolist() == [0, 0, 0, 0] and part.tolist() == [0, 0, 1, 1]


@pytest.fixture(params=["scalar", "one", "many"])
def north_of_equator(request):
    """Points 0.5 degree north of the equator at lon 1 (scalar, 1-element, 3 copies)."""
    return {"scalar": (1.0, 0.5), "one": ([1.0], [0.5]), "many": ([1.0] * 3, [0.5] * 3)}[
        request.param
    ]


def test_nearest_is_perpendicular_foot(north_of_equator):
    lon, lat = north_of_equator
    # The equator from 0 to 2 E; the nearest point of it is straight south (the meridian
    # meets the equator at a right angle), 55.287 km away.
    lines = gpd.GeoSeries([LineString([(0, 0), (2, 0)]), LineString([(0, 3), (2, 3)])], crs=4326)
    distance_km, index = LineIndex(lines, max_spacing_km=30.0).nearest(lon, lat)
    n = np.size(lon)
    assert distance_km.shape == (n,) and index.tolist() == [0] * n
    # Even with a coarse 30 km densification the foot refinement makes it exact to ~1 m.
    np.testing.assert_allclose(distance_km, HALF_DEGREE_MERIDIAN_KM, atol=1e-3)


def test_sum_within_counts_each_line_once():
    zigzag = LineString([(0, 0.1), (0.2, -0.1), (0.4, 0.1), (0.6, -0.1)])
    far = LineString([(5, 5), (6, 6)])
    lines = gpd.GeoSeries([zigzag, far], crs=4326)
    index = LineIndex(lines, [380.0, 220.0])
    assert index.sum_within([0.3], [0.0], radius_km=25.0).tolist() == [380.0]
    assert index.sum_within([0.3, 20.0], [0.0, 20.0], radius_km=25.0).tolist() == [380.0, 0.0]
    # Radius edge: the equator line from 0 to 2 E is 55.287 km from (1, 0.5).
    eq = LineIndex(gpd.GeoSeries([LineString([(0, 0), (2, 0)])], crs=4326), [1.0])
    assert eq.sum_within(1.0, 0.5, radius_km=55.28).tolist() == [0.0]
    assert eq.sum_within(1.0, 0.5, radius_km=55.29).tolist() == [1.0]


def test_matches_brute_force_on_fine_vertices():
    rng = np.random.default_rng(7)
    lines = []
    for _ in range(15):
        start = rng.uniform([5, 45], [9, 49])
        steps = rng.normal(0, 0.15, (rng.integers(2, 8), 2))
        lines.append(LineString(np.vstack([start, start + np.cumsum(steps, axis=0)])))
    series = gpd.GeoSeries(lines, crs=4326)
    values = rng.uniform(100, 400, len(lines))
    index = LineIndex(series, values)
    c_lon, c_lat = rng.uniform(4.5, 9.5, 120), rng.uniform(44.5, 49.5, 120)
    fine_lon, fine_lat, fine_line, _ = densify_lines(np.asarray(series.values), max_spacing_km=0.05)
    full_km = _geod_km(
        np.repeat(c_lon, fine_lon.size),
        np.repeat(c_lat, fine_lon.size),
        np.tile(fine_lon, c_lon.size),
        np.tile(fine_lat, c_lon.size),
    ).reshape(c_lon.size, fine_lon.size)
    brute_km = full_km.min(axis=1)
    distance_km, idx = index.nearest(c_lon, c_lat)
    # Brute force on 50 m vertices overestimates by <= 25 m; ours refines onto the segment.
    assert np.all(distance_km <= brute_km + 1e-3)
    assert np.all(distance_km >= brute_km - 0.026)
    assert np.array_equal(idx, fine_line[full_km.argmin(axis=1)])
    got = index.sum_within(c_lon, c_lat, radius_km=25.0)
    starts = np.flatnonzero(np.r_[True, fine_line[1:] != fine_line[:-1]])
    line_km = np.minimum.reduceat(full_km, starts, axis=1)  # (candidates, lines)
    expected = ((line_km <= 25.0) * values[fine_line[starts]]).sum(axis=1)
    # Candidates with a line within the brute force's own 25 m tolerance of the edge are left out.
    margin = np.abs(line_km - 25.0).min(axis=1) > 0.03
    assert margin.mean() > 0.9 and (expected > 0).sum() > 20
    np.testing.assert_allclose(got[margin], expected[margin])


def test_empty_and_errors():
    lines = gpd.GeoSeries([LineString([(0, 0), (1, 0)])], crs=4326)
    with pytest.raises(ConfigError, match=r"values has shape \(2,\)"):
        LineIndex(lines, [1.0, 2.0])
    with pytest.raises(CRSError, match=r"no CRS"):
        LineIndex(gpd.GeoSeries([LineString([(0, 0), (1, 0)])]))
    with pytest.raises(CRSMismatchError, match=r"EPSG:3857"):
        LineIndex(lines.to_crs(3857))
    with pytest.raises(ConfigError, match=r"'Point'"):
        LineIndex(gpd.GeoSeries([Point(0, 0)], crs=4326))
    with pytest.raises(ConfigError, match=r"max_spacing_km 0"):
        LineIndex(lines, max_spacing_km=0)
    empty = LineIndex(gpd.GeoSeries([], crs=4326))
    distance_km, idx = empty.nearest([0.0], [0.0])
    assert np.isnan(distance_km[0]) and idx.tolist() == [-1]
    assert empty.sum_within([0.0], [0.0], radius_km=10.0).tolist() == [0.0]


def test_nearest_max_distance():
    eq = LineIndex(gpd.GeoSeries([LineString([(0, 0), (2, 0)])], crs=4326), [1.0])
    distance_km, idx = eq.nearest([1.0, 1.0], [0.5, 3.0], max_distance_km=56.0)
    assert idx.tolist() == [0, -1] and np.isnan(distance_km[1])
    assert distance_km[0] == pytest.approx(HALF_DEGREE_MERIDIAN_KM, abs=1e-3)
    assert eq.nearest([1.0], [0.5], max_distance_km=55.0)[1].tolist() == [-1]
