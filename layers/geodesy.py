"""Geodesic helpers on the WGS84 ellipsoid: distances, unit vectors and safe KD-tree radii.

Distances are exact geodesics on the WGS84 ellipsoid (``pyproj.Geod.inv``, Karney's algorithm).
Spatial indexes work on *unit normal vectors*: the point ``(lon, lat)`` with geodetic latitude
``lat`` maps to the ellipsoid's outward unit normal ``(cos lat cos lon, cos lat sin lon, sin lat)``.
The angle ``theta`` between two normals bounds the geodesic distance ``s`` between the points:

``R_MIN_KM * theta <= s <= R_MAX_KM * theta``

where ``R_MIN_KM = a (1 - e^2)`` (the smallest radius of curvature, the meridional radius at the
equator, 6335.439 km) and ``R_MAX_KM = a / sqrt(1 - e^2)`` (the largest, at the poles,
6399.594 km). Proof sketch: along any curve on the surface the normal turns at a rate of at most
the largest principal curvature ``1 / R_MIN_KM``, so ``theta <= s / R_MIN_KM``; conversely the
inverse Gauss map carries the great-circle arc between the two normals onto a surface curve of
length at most ``R_MAX_KM * theta``, and the geodesic is no longer than that curve.
So a KD-tree query on unit vectors with the chord of ``radius_km / R_MIN_KM`` never misses a
feature that is within ``radius_km`` on the ellipsoid, and pairs whose upper bound is within the
radius need no geodesic computation at all.

The primitives' own KD-trees use Earth-centred Cartesian coordinates in km
(:func:`ecef_km`, EPSG:4978 on the WGS84 surface): the straight-line chord between two surface
points is never longer than the geodesic between them (``chord <= s``), and it is close
(``s - chord ~ s**3 / (24 R**2)``: 0.7 m at 100 km, 0.13 km at 500 km), so it is a much tighter
lower bound than the normals' angle, which makes exact nearest-neighbour certification cheap.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt
import pyproj

from siting.errors import ConfigError
from siting.types import FloatArray
from siting.units import KM_PER_M

__all__ = [
    "GEOD",
    "R_MAX_KM",
    "R_MIN_KM",
    "angle_from_chord",
    "as_lon_lat",
    "chord_for_km",
    "distance_bounds_km",
    "ecef_km",
    "geodesic_distance_km",
    "lon_lat_from_unit_vectors",
    "unit_vectors",
]

GEOD = pyproj.Geod(ellps="WGS84")
"""The WGS84 ellipsoid used for every geodesic in siting."""

R_MIN_KM: float = GEOD.a * (1.0 - GEOD.es) * KM_PER_M
"""Smallest radius of curvature of WGS84 (meridional radius at the equator), km."""
R_MAX_KM: float = GEOD.a / np.sqrt(1.0 - GEOD.es) * KM_PER_M
"""Largest radius of curvature of WGS84 (at the poles), km."""

_REL_SLACK = 1e-9
"""Relative inflation of prefilter radii that absorbs floating-point rounding in unit vectors."""
_ABS_SLACK_CHORD = 1e-12
"""Absolute chord slack (unit sphere) for the same purpose, for radii near zero."""


def as_lon_lat(
    lon: npt.ArrayLike, lat: npt.ArrayLike, *, name: str = "lon/lat"
) -> tuple[FloatArray, FloatArray]:
    """Validate longitudes and latitudes and return them as equal-shape 1-D float64 arrays.

    Parameters
    ----------
    lon, lat
        Longitude and latitude, degrees, EPSG:4326; scalars or 1-D arrays of equal length.
        Longitude must lie in [-180, 360] (both conventions are accepted), latitude in
        [-90, 90]; NaN and infinite values are rejected.
    name
        What the coordinates are, used in error messages (``"candidates"``, ``"features"``).

    Returns
    -------
    lon, lat : FloatArray
        1-D float64 arrays of length n (n = 1 for scalars).

    Raises
    ------
    ConfigError
        When shapes differ, an array is not 1-D, or a value is non-finite or out of range.

    Examples
    --------
    >>> as_lon_lat(10, 50)
    (array([10.]), array([50.]))
    """
    lon_arr = np.atleast_1d(np.asarray(lon, dtype=np.float64))
    lat_arr = np.atleast_1d(np.asarray(lat, dtype=np.float64))
    if lon_arr.ndim != 1 or lat_arr.ndim != 1 or lon_arr.shape != lat_arr.shape:
        msg = (
            f"{name}: lon and lat must be scalars or 1-D arrays of equal length, "
            f"got shapes {lon_arr.shape!r} and {lat_arr.shape!r}"
        )
        raise ConfigError(msg)
    bad_lon = ~np.isfinite(lon_arr) | (lon_arr < -180.0) | (lon_arr > 360.0)
    if bad_lon.any():
        pos = int(np.flatnonzero(bad_lon)[0])
        msg = (
            f"{name}: longitude {float(lon_arr[pos])!r} at position {pos} is not a finite "
            "value in [-180, 360] degrees"
        )
        raise ConfigError(msg)
    bad_lat = ~np.isfinite(lat_arr) | (lat_arr < -90.0) | (lat_arr > 90.0)
    if bad_lat.any():
        pos = int(np.flatnonzero(bad_lat)[0])
        msg = (
            f"{name}: latitude {float(lat_arr[pos])!r} at position {pos} is not a finite "
            "value in [-90, 90] degrees"
        )
        raise ConfigError(msg)
    return lon_arr, lat_arr


def geodesic_distance_km(
    lon1: npt.ArrayLike, lat1: npt.ArrayLike, lon2: npt.ArrayLike, lat2: npt.ArrayLike
) -> FloatArray:
    """Return the geodesic distance on the WGS84 ellipsoid between two sets of points.

    Parameters
    ----------
    lon1, lat1, lon2, lat2
        Degrees, EPSG:4326; scalars or arrays that broadcast together. NaN coordinates give NaN.

    Returns
    -------
    FloatArray
        Distance in km, with the broadcast shape of the inputs (0-d for four scalars).
        Exact to the nanometre (``pyproj.Geod.inv``).

    Raises
    ------
    ConfigError
        When the inputs do not broadcast together.

    Examples
    --------
    The first degree of latitude along a meridian from the equator is 110.574 km on WGS84:

    >>> round(float(geodesic_distance_km(0.0, 0.0, 0.0, 1.0)), 3)
    110.574
    >>> geodesic_distance_km([0.0, 0.0], 0.0, 0.0, [0.0, 1.0]).round(3)
    array([  0.   , 110.574])
    """
    try:
        arrays = np.broadcast_arrays(
            *(np.asarray(v, dtype=np.float64) for v in (lon1, lat1, lon2, lat2))
        )
    except ValueError as err:
        msg = (
            "geodesic_distance_km: coordinate shapes "
            f"{[np.shape(v) for v in (lon1, lat1, lon2, lat2)]!r} do not broadcast together"
        )
        raise ConfigError(msg) from err
    shape = arrays[0].shape
    flat = [np.ascontiguousarray(a).ravel() for a in arrays]
    if flat[0].size == 0:
        return np.zeros(shape, dtype=np.float64)
    _, _, dist_m = GEOD.inv(flat[0], flat[1], flat[2], flat[3])
    return np.asarray(dist_m, dtype=np.float64).reshape(shape) * KM_PER_M


def unit_vectors(lon: npt.ArrayLike, lat: npt.ArrayLike) -> FloatArray:
    """Return the WGS84 outward unit normals of points, for KD-trees on the sphere.

    Parameters
    ----------
    lon, lat
        Degrees (geodetic latitude), EPSG:4326; broadcastable arrays or scalars.

    Returns
    -------
    FloatArray
        Shape (n, 3): ``(cos lat cos lon, cos lat sin lon, sin lat)`` for the n flattened points.

    Examples
    --------
    >>> unit_vectors([0.0, 90.0], [0.0, 0.0]).round(12)
    array([[1., 0., 0.],
           [0., 1., 0.]])
    """
    lon_rad, lat_rad = np.broadcast_arrays(
        np.radians(np.asarray(lon, dtype=np.float64)), np.radians(np.asarray(lat, dtype=np.float64))
    )
    lon_rad = lon_rad.ravel()
    lat_rad = lat_rad.ravel()
    cos_lat = np.cos(lat_rad)
    return np.column_stack((cos_lat * np.cos(lon_rad), cos_lat * np.sin(lon_rad), np.sin(lat_rad)))


def ecef_km(lon: npt.ArrayLike, lat: npt.ArrayLike) -> FloatArray:
    """Return Earth-centred Cartesian coordinates (km) of points on the WGS84 surface.

    The chord between two such points is a lower bound on their geodesic distance.

    Parameters
    ----------
    lon, lat
        Degrees (geodetic latitude), EPSG:4326, height 0; broadcastable arrays or scalars.

    Returns
    -------
    FloatArray
        Shape (n, 3), km, EPSG:4978 axes (X to 0E on the equator, Z to the north pole).

    Examples
    --------
    >>> ecef_km([0.0, 0.0], [0.0, 90.0]).round(6)
    array([[6378.137   ,    0.      ,    0.      ],
           [   0.      ,    0.      , 6356.752314]])
    """
    lon_rad, lat_rad = np.broadcast_arrays(
        np.radians(np.asarray(lon, dtype=np.float64)), np.radians(np.asarray(lat, dtype=np.float64))
    )
    lon_rad = lon_rad.ravel()
    lat_rad = lat_rad.ravel()
    sin_lat = np.sin(lat_rad)
    prime_vertical_km = GEOD.a * KM_PER_M / np.sqrt(1.0 - GEOD.es * sin_lat * sin_lat)
    cos_lat = np.cos(lat_rad)
    return np.column_stack(
        (
            prime_vertical_km * cos_lat * np.cos(lon_rad),
            prime_vertical_km * cos_lat * np.sin(lon_rad),
            prime_vertical_km * (1.0 - GEOD.es) * sin_lat,
        )
    )


def lon_lat_from_unit_vectors(xyz: FloatArray) -> tuple[FloatArray, FloatArray]:
    """Return the longitude and geodetic latitude (degrees) whose WGS84 normal is ``xyz``.

    Parameters
    ----------
    xyz
        Shape (n, 3); rows need not be normalised (only directions matter).

    Returns
    -------
    lon, lat : FloatArray
        Degrees, EPSG:4326, lon in [-180, 180].

    Examples
    --------
    >>> lon, lat = lon_lat_from_unit_vectors(unit_vectors(12.5, 41.9))
    >>> float(lon[0]), float(lat[0])
    (12.5, 41.9)
    """
    xyz = np.asarray(xyz, dtype=np.float64)
    lon = np.degrees(np.arctan2(xyz[:, 1], xyz[:, 0]))
    lat = np.degrees(np.arctan2(xyz[:, 2], np.hypot(xyz[:, 0], xyz[:, 1])))
    return lon, lat


def chord_for_km(distance_km: npt.ArrayLike) -> FloatArray:
    """Return a unit-sphere chord that safely encloses a geodesic radius on the ellipsoid.

    Every feature within ``distance_km`` (WGS84 geodesic) of a point has a unit normal within
    this chord of the point's unit normal (see the module docstring), so a KD-tree ball query
    with it never misses a true neighbour. The radius is inflated by a relative 1e-9 and an
    absolute 1e-12 to absorb rounding.

    Parameters
    ----------
    distance_km
        Geodesic radius, km, >= 0.

    Returns
    -------
    FloatArray
        Chord length on the unit sphere, in [0, 2] (2 = the whole sphere).

    Raises
    ------
    ConfigError
        When a distance is negative or NaN.

    Examples
    --------
    >>> float(chord_for_km(0.0)) < 1e-11
    True
    >>> float(chord_for_km(1e9))
    2.0
    """
    dist = np.asarray(distance_km, dtype=np.float64)
    if np.isnan(dist).any() or (dist < 0).any():
        msg = f"radius {distance_km!r} must be a non-negative distance in km"
        raise ConfigError(msg)
    theta = np.minimum(dist / R_MIN_KM * (1.0 + _REL_SLACK), np.pi)
    return np.minimum(2.0 * np.sin(theta / 2.0) + _ABS_SLACK_CHORD, 2.0)


def angle_from_chord(chord: npt.ArrayLike) -> FloatArray:
    """Return the central angle (radians) subtended by a unit-sphere chord.

    Examples
    --------
    >>> round(float(angle_from_chord(2.0)), 12) == round(float(np.pi), 12)
    True
    """
    return 2.0 * np.arcsin(np.clip(np.asarray(chord, dtype=np.float64) / 2.0, 0.0, 1.0))


def distance_bounds_km(chord: npt.ArrayLike) -> tuple[FloatArray, FloatArray]:
    """Return guaranteed lower and upper bounds (km) on the geodesic distance for a chord.

    Parameters
    ----------
    chord
        Chord between two WGS84 unit normals (see :func:`unit_vectors`).

    Returns
    -------
    lower_km, upper_km : FloatArray
        ``R_MIN_KM * theta`` and ``R_MAX_KM * theta`` (theta = central angle), shrunk and
        inflated by a relative 1e-9 and a chord of 1e-12 against rounding. The true
        geodesic distance lies between.

    Examples
    --------
    >>> lo, hi = distance_bounds_km(chord_for_km(100.0))
    >>> bool(lo <= 100.0 + 1e-6) and bool(hi > 100.0)
    True
    """
    chord_arr = np.asarray(chord, dtype=np.float64)
    theta_low = angle_from_chord(np.maximum(chord_arr - _ABS_SLACK_CHORD, 0.0))
    theta_high = angle_from_chord(chord_arr + _ABS_SLACK_CHORD)
    return R_MIN_KM * theta_low * (1.0 - _REL_SLACK), R_MAX_KM * theta_high * (1.0 + _REL_SLACK)
