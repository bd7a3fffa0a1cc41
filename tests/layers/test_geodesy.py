"""Tests for layers.geodesy: exact distances, unit vectors and the prefilter bounds."""

from __future__ import annotations

import numpy as np
import pytest

from layers.geodesy import (
    R_MAX_KM,
    R_MIN_KM,
    as_lon_lat,
    chord_for_km,
    distance_bounds_km,
    ecef_km,
    geodesic_distance_km,
    lon_lat_from_unit_vectors,
    unit_vectors,
)
from siting.errors import ConfigError

# Published WGS84 figures: first degree of meridian arc 110 574.389 m; equatorial degree
# a * pi / 180 = 111 319.491 m; quarter meridian 10 001 965.729 m.
MERIDIAN_DEGREE_KM = 110.574389
EQUATOR_DEGREE_KM = 111.319491
QUARTER_MERIDIAN_KM = 10001.965729


@pytest.fixture(params=["scalar", "one", "many"])
def shaped(request):
    """Return (lon1, lat1, lon2, lat2, expected) as scalars, 1-element or 3-element arrays."""
    if request.param == "scalar":
        return 0.0, 0.0, 0.0, 1.0, MERIDIAN_DEGREE_KM
    if request.param == "one":
        return [0.0], [0.0], [1.0], [0.0], np.array([EQUATOR_DEGREE_KM])
    return (
        [0.0, 0.0, 10.0],
        [0.0, 0.0, 0.0],
        [0.0, 1.0, 10.0],
        [1.0, 0.0, 90.0],
        np.array([MERIDIAN_DEGREE_KM, EQUATOR_DEGREE_KM, QUARTER_MERIDIAN_KM]),
    )


def test_geodesic_distance_hand_values(shaped):
    lon1, lat1, lon2, lat2, expected = shaped
    got = geodesic_distance_km(lon1, lat1, lon2, lat2)
    assert np.shape(got) == np.shape(expected)
    np.testing.assert_allclose(got, expected, atol=2e-6)


def test_geodesic_distance_broadcasts_and_is_symmetric():
    got = geodesic_distance_km(0.0, 0.0, [0.0, 1.0], 0.0)
    np.testing.assert_allclose(got, [0.0, EQUATOR_DEGREE_KM], atol=2e-6)
    assert float(geodesic_distance_km(5, 45, 6, 46)) == pytest.approx(
        float(geodesic_distance_km(6, 46, 5, 45)), rel=1e-12
    )


def test_geodesic_distance_rejects_non_broadcasting_shapes():
    with pytest.raises(ConfigError, match=r"do not broadcast"):
        geodesic_distance_km([0.0, 1.0], 0.0, [0.0, 1.0, 2.0], 0.0)


def test_as_lon_lat_validates():
    with pytest.raises(ConfigError, match=r"latitude 91\.0 at position 1"):
        as_lon_lat([0.0, 0.0], [0.0, 91.0])
    with pytest.raises(ConfigError, match=r"longitude nan"):
        as_lon_lat([np.nan], [0.0])
    with pytest.raises(ConfigError, match=r"equal length"):
        as_lon_lat([0.0, 1.0], [0.0])


def test_unit_vectors_and_inverse():
    xyz = unit_vectors([0.0, 90.0, 0.0], [0.0, 0.0, 90.0])
    np.testing.assert_allclose(xyz, [[1, 0, 0], [0, 1, 0], [0, 0, 1]], atol=1e-15)
    lon, lat = lon_lat_from_unit_vectors(unit_vectors([-170.0, 25.0], [-33.0, 60.0]))
    np.testing.assert_allclose(lon, [-170.0, 25.0])
    np.testing.assert_allclose(lat, [-33.0, 60.0])


def test_ecef_matches_hand_values():
    # Equator at 90E: (0, a, 0); north pole: (0, 0, b), b = 6356.752314245 km.
    np.testing.assert_allclose(
        ecef_km([90.0, 0.0], [0.0, 90.0]), [[0, 6378.137, 0], [0, 0, 6356.752314245]], atol=1e-9
    )


def test_radii_of_curvature():
    # a (1 - e^2) and a / sqrt(1 - e^2) for WGS84, from the published constants.
    assert abs(R_MIN_KM - 6335.439327) < 1e-6
    assert abs(R_MAX_KM - 6399.593626) < 1e-6


def test_bounds_enclose_true_geodesic_on_random_pairs():
    rng = np.random.default_rng(20240601)
    n = 20_000
    lon1 = rng.uniform(-180, 180, n)
    lat1 = np.degrees(np.arcsin(rng.uniform(-1, 1, n)))
    # Mix of short (< 50 km), medium and global pairs.
    scale = np.choose(rng.integers(0, 3, n), [0.3, 5.0, 180.0])
    lon2 = np.clip(lon1 + rng.normal(0, 1, n) * scale, -180, 180)
    lat2 = np.clip(lat1 + rng.normal(0, 1, n) * scale / 2, -90, 90)
    s = geodesic_distance_km(lon1, lat1, lon2, lat2)
    chord_n = np.linalg.norm(unit_vectors(lon1, lat1) - unit_vectors(lon2, lat2), axis=1)
    lower, upper = distance_bounds_km(chord_n)
    assert np.all(lower <= s) and np.all(s <= upper)
    chord_e = np.linalg.norm(ecef_km(lon1, lat1) - ecef_km(lon2, lat2), axis=1)
    assert np.all(chord_e <= s + 1e-9)
    # A KD-tree ball of chord_for_km(s) never misses the pair.
    assert np.all(chord_n <= chord_for_km(s))


def test_chord_for_km_values_and_errors():
    assert float(chord_for_km(1e9)) == 2.0
    # 100 km on a sphere of radius R_MIN_KM: chord = 2 sin(100 / (2 R)).
    assert float(chord_for_km(100.0)) == pytest.approx(2 * np.sin(50.0 / 6335.439327), rel=1e-8)
    with pytest.raises(ConfigError, match=r"radius -1\.0"):
        chord_for_km(-1.0)
