"""Unit constants and conversions: the only home of numbers such as 1000 or 8760.

>>> mw_to_kw(1.5)
1500.0
>>> round(rtt_ms_for_fibre_km(1000.0, route_factor=1.0), 3)
10.007
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

__all__ = [
    "FIBRE_SPEED_KM_PER_MS",
    "FIBRE_VELOCITY_FACTOR",
    "G_PER_TONNE",
    "HOURS_PER_YEAR",
    "KM_PER_M",
    "KWH_PER_MWH",
    "KW_PER_MW",
    "M_PER_KM",
    "SPEED_OF_LIGHT_KM_PER_MS",
    "WGS84_MEAN_RADIUS_KM",
    "km_to_m",
    "m_to_km",
    "mw_to_kw",
    "mwh_per_year",
    "rtt_ms_for_fibre_km",
    "tonnes_from_g",
]

HOURS_PER_YEAR = 8760.0
"""Hours in a (non-leap) year, the convention for annual energy figures."""
M_PER_KM = 1000.0
KM_PER_M = 1.0 / M_PER_KM
KW_PER_MW = 1000.0
KWH_PER_MWH = 1000.0
G_PER_TONNE = 1_000_000.0
SPEED_OF_LIGHT_KM_PER_MS = 299_792.458 / 1000.0
"""Speed of light in vacuum, km per millisecond."""
FIBRE_VELOCITY_FACTOR = 2.0 / 3.0
"""Light in silica fibre travels at about 2/3 c (refractive index ~1.47)."""
FIBRE_SPEED_KM_PER_MS = SPEED_OF_LIGHT_KM_PER_MS * FIBRE_VELOCITY_FACTOR
WGS84_MEAN_RADIUS_KM = 6371.0088
"""IUGG mean Earth radius R1 of the WGS84 ellipsoid, km (for pre-filters, never the answer)."""

FloatLike = float | npt.NDArray[np.float64]


def km_to_m(km: FloatLike) -> FloatLike:
    """Convert kilometres to metres."""
    return km * M_PER_KM


def m_to_km(m: FloatLike) -> FloatLike:
    """Convert metres to kilometres."""
    return m * KM_PER_M


def mw_to_kw(mw: FloatLike) -> FloatLike:
    """Convert megawatts to kilowatts."""
    return mw * KW_PER_MW


def mwh_per_year(power_mw: FloatLike) -> FloatLike:
    """Return the energy in MWh of a constant load of ``power_mw`` running all year (8760 h)."""
    return power_mw * HOURS_PER_YEAR


def tonnes_from_g(grams: FloatLike) -> FloatLike:
    """Convert grams to metric tonnes."""
    return grams / G_PER_TONNE


def rtt_ms_for_fibre_km(distance_km: FloatLike, *, route_factor: float) -> FloatLike:
    """Return the round-trip time in ms over fibre for a geodesic distance.

    Parameters
    ----------
    distance_km
        Geodesic (great-circle) distance, km.
    route_factor
        Fibre route length divided by the geodesic distance (>= 1).

    Returns
    -------
    Round-trip propagation delay, ms: ``2 * distance_km * route_factor / (2/3 c)``.
    """
    return 2.0 * distance_km * route_factor / FIBRE_SPEED_KM_PER_MS
