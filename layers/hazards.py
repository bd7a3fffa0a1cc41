"""Hazards layer: recorded earthquakes near a site and INFORM natural-hazard scores of its country.

Earthquakes come from the U.S. Geological Survey ANSS Comprehensive Catalog (ComCat, public
domain), read from the two original CSV exports: ``hazards/quakes.csv`` (M >= 5 worldwide,
2013-01-01 to 2023-11-04) and ``hazards/usgs_major_earthquakes_1900-2023.csv`` (M >= 6,
1900-01-01 to 2023-09-22). Only rows of type ``earthquake`` are kept, and events in both files
(same ComCat ``id``) are counted once.

- ``quakes_m5_within_100km`` counts M >= 5 events within 100 km (WGS84 geodesic, epicentre)
  in the window where M >= 5 is complete in these files: 2013-01-01 to the last event of
  ``quakes.csv`` (2023-11-04), about 10.8 years. M 5-6 events before 2013 are not in the files,
  so counting over a longer window would mix completeness levels.
- ``max_magnitude_within_100km`` is the largest magnitude within 100 km over everything the
  files hold (M >= 6 since 1900, M >= 5 since 2013). It is 0.0 where no event of M >= 5 is
  recorded within 100 km: the catalogue is global, so that is a known "none", not missing data
  (it is not a magnitude-0 event).
- ``inform_*`` are the INFORM Risk Index 2025 natural-hazard category and components of the
  country holding the site (Natural Earth 1:50m countries, ISO_A3_EH; a point within
  ``coast_tolerance_km`` of a coast takes that country), 0-10, higher is worse; NaN offshore,
  in territories without an ISO code, or where INFORM has no row.

An event catalogue is not a hazard model: for design use a probabilistic hazard map (GEM Global
Seismic Hazard Map, ESHM20), whose licences keep them out of the default data set.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import geopandas as gpd
import numpy as np
import pandas as pd

from layers._inform import INFORM_NATURAL_COMPONENTS, INFORM_SOURCE, read_inform
from layers._jurisdiction_countries import NE_SOURCE, CountryLookup, read_countries
from layers.base import Attribute, LayerParams, attribute_key, layer_options
from layers.geodesy import geodesic_distance_km
from layers.nearest import NearestIndex
from layers.points import sample_points
from siting.errors import ConfigError, LayerDataError
from siting.types import FloatArray

if TYPE_CHECKING:
    from layers.catalog import Catalog, Source

__all__ = [
    "ATTRIBUTES",
    "INFORM_SOURCE",
    "M5_SOURCE",
    "M6_SOURCE",
    "NAME",
    "QUAKE_RADIUS_KM",
    "SOURCES",
    "HazardsLayer",
    "load",
    "max_magnitude_within",
    "parse_quakes",
    "read_quakes",
]

NAME = "hazards"
M5_SOURCE = "hazards/quakes.csv"
M6_SOURCE = "hazards/usgs_major_earthquakes_1900-2023.csv"
SOURCES: tuple[str, ...] = (M5_SOURCE, M6_SOURCE, INFORM_SOURCE, NE_SOURCE)

QUAKE_RADIUS_KM = 100.0
"""Radius of the earthquake attributes, km (geodesic, epicentre)."""
MIN_MAGNITUDE = 5.0
M5_WINDOW_START = pd.Timestamp("2013-01-01", tz="UTC")
"""Start of the window in which M >= 5 events are complete in the files."""
DEFAULT_COAST_TOLERANCE_KM = 10.0
_QUAKE_COLUMNS = ("time", "latitude", "longitude", "mag", "type", "id", "place")
_CHUNK = 200_000

_INFORM_ATTRIBUTES = ("natural", *INFORM_NATURAL_COMPONENTS)
_INFORM_LABELS = {
    "natural": "natural-hazard category (combines the six components)",
    "earthquake": "earthquake component",
    "river_flood": "river-flood component",
    "tsunami": "tsunami component",
    "tropical_cyclone": "tropical-cyclone component",
    "coastal_flood": "coastal-flood component",
    "drought": "drought component",
}

ATTRIBUTES: Mapping[str, Attribute] = {
    "quakes_m5_within_100km": Attribute(
        "quakes_m5_within_100km",
        "events",
        "lower",
        "Number of M>=5 earthquakes with epicentre within 100 km (geodesic), "
        "2013-01-01 to 2023-11-04 (USGS ComCat).",
        dtype="int",
        sources=(M5_SOURCE, M6_SOURCE),
    ),
    "max_magnitude_within_100km": Attribute(
        "max_magnitude_within_100km",
        "magnitude",
        "lower",
        "Largest recorded earthquake magnitude within 100 km (M>=6 since 1900, M>=5 since "
        "2013; USGS ComCat); 0.0 = no M>=5 event recorded within 100 km.",
        sources=(M5_SOURCE, M6_SOURCE),
    ),
    **{
        f"inform_{key}": Attribute(
            f"inform_{key}",
            "score 0-10",
            "lower",
            f"INFORM Risk 2025 {_INFORM_LABELS[key]} of the site's country, 0-10 (higher is "
            "worse); NaN offshore or without an INFORM row.",
            sources=(INFORM_SOURCE, NE_SOURCE),
        )
        for key in _INFORM_ATTRIBUTES
    },
}


def parse_quakes(raw: pd.DataFrame, *, source: str) -> pd.DataFrame:
    """Validate a ComCat CSV export and keep its earthquakes of M >= 5.

    Returns
    -------
    pandas.DataFrame
        Columns ``id``, ``time`` (UTC), ``lon``, ``lat``, ``mag``, ``place``.

    Raises
    ------
    LayerDataError
        When a column is missing, or a time, coordinate or magnitude does not parse.
    """
    for column in _QUAKE_COLUMNS:
        if column not in raw.columns:
            msg = f"{source}: column {column!r} not found; columns are {list(raw.columns)!r}"
            raise LayerDataError(msg)
    quakes = raw[raw["type"] == "earthquake"]
    try:
        time = pd.to_datetime(quakes["time"], utc=True, format="ISO8601")
    except (ValueError, TypeError) as err:
        msg = f"{source}: column 'time' does not parse as ISO 8601: {err}"
        raise LayerDataError(msg) from err
    numbers = {}
    for column in ("longitude", "latitude", "mag"):
        values = pd.to_numeric(quakes[column], errors="coerce").to_numpy(np.float64)
        if np.isnan(values).any():
            i = int(np.flatnonzero(np.isnan(values))[0])
            msg = f"{source}: column {column!r} value {quakes[column].iloc[i]!r} is not a number"
            raise LayerDataError(msg)
        numbers[column] = values
    lon, lat = numbers["longitude"], numbers["latitude"]
    bad = (np.abs(lon) > 180) | (np.abs(lat) > 90)
    if bad.any():
        i = int(np.flatnonzero(bad)[0])
        event, bad_lon, bad_lat = quakes["id"].iloc[i], float(lon[i]), float(lat[i])
        msg = f"{source}: event {event!r} has lon={bad_lon!r}, lat={bad_lat!r}"
        raise LayerDataError(msg)
    frame = pd.DataFrame(
        {
            "id": quakes["id"].astype(str).to_numpy(),
            "time": time.to_numpy(),
            "lon": lon,
            "lat": lat,
            "mag": numbers["mag"],
            "place": quakes["place"].astype("string").to_numpy(),
        }
    )
    return frame[frame["mag"] >= MIN_MAGNITUDE].reset_index(drop=True)


def read_quakes(path: Path, *, source: str) -> pd.DataFrame:
    """Read one ComCat CSV export (I/O; see :func:`parse_quakes`)."""
    try:
        raw = pd.read_csv(path, dtype={"id": str, "place": str, "type": str})
    except (OSError, ValueError) as err:
        msg = f"cannot read {source!r} at {str(path)!r}: {err}"
        raise LayerDataError(msg) from err
    return parse_quakes(raw, source=source)


def max_magnitude_within(
    index: NearestIndex,
    event_lon: FloatArray,
    event_lat: FloatArray,
    magnitude: FloatArray,
    lon: FloatArray,
    lat: FloatArray,
    *,
    radius_km: float,
) -> FloatArray:
    """Return the largest ``magnitude`` of the indexed events within ``radius_km`` of each point.

    Parameters
    ----------
    index
        Index over the event epicentres (built from ``event_lon``, ``event_lat``).
    event_lon, event_lat
        Epicentres, degrees, in the order the index was built from.
    magnitude
        One magnitude per indexed event.
    lon, lat
        Points, degrees, EPSG:4326.
    radius_km
        Geodesic radius, km (an event exactly at the radius counts).

    Returns
    -------
    FloatArray
        Shape (n,); 0.0 where no event is within the radius.

    Examples
    --------
    Events of M5.5 and M7.0 at 50 km and 150 km east of a point on the equator:

    >>> ev_lon, ev_lat = np.array([0.449, 1.347]), np.array([0.0, 0.0])
    >>> idx = NearestIndex(ev_lon, ev_lat)
    >>> max_magnitude_within(idx, ev_lon, ev_lat, np.array([5.5, 7.0]), np.array([0.0, 0.0]),
    ...     np.array([0.0, 10.0]), radius_km=100.0).tolist()
    [5.5, 0.0]
    """
    out = np.zeros(lon.size)
    for start in range(0, lon.size, _CHUNK):
        stop = min(start + _CHUNK, lon.size)
        ci, fj, _, upper_km = index.pairs_within(
            lon[start:stop], lat[start:stop], radius_km=radius_km
        )
        band = np.flatnonzero(upper_km > radius_km)
        keep = np.ones(ci.size, dtype=bool)
        if band.size:
            d = geodesic_distance_km(
                lon[start:stop][ci[band]],
                lat[start:stop][ci[band]],
                event_lon[fj[band]],
                event_lat[fj[band]],
            )
            keep[band] = d <= radius_km
        chunk = np.zeros(stop - start)
        np.maximum.at(chunk, ci[keep], magnitude[fj[keep]])
        out[start:stop] = chunk
    return out


@dataclass(frozen=True)
class HazardsLayer:
    """The loaded hazards layer (use :func:`load`); ``sample`` is pure compute."""

    quakes: pd.DataFrame
    m5_window: tuple[pd.Timestamp, pd.Timestamp]
    countries: gpd.GeoDataFrame
    inform: pd.DataFrame
    coast_tolerance_km: float = DEFAULT_COAST_TOLERANCE_KM
    sources: tuple[Source, ...] = ()
    name: str = NAME
    attributes: Mapping[str, Attribute] = field(default_factory=lambda: ATTRIBUTES)

    def __post_init__(self) -> None:
        in_window = (self.quakes["time"] >= self.m5_window[0]).to_numpy()
        recent = self.quakes[in_window]
        object.__setattr__(self, "_recent_index", NearestIndex(recent["lon"], recent["lat"]))
        object.__setattr__(self, "_all_index", NearestIndex(self.quakes["lon"], self.quakes["lat"]))
        object.__setattr__(self, "_lookup", CountryLookup(self.countries))
        # INFORM rows aligned to the country table (NaN where a country has no code or row).
        aligned = self.inform.reindex(self.countries["iso3"].fillna("").to_numpy())
        table = aligned[list(_INFORM_ATTRIBUTES)].to_numpy(np.float64)
        object.__setattr__(
            self, "_country_scores", np.vstack([table, np.full((1, table.shape[1]), np.nan)])
        )

    def sample(self, candidates: gpd.GeoDataFrame) -> pd.DataFrame:
        """Return the hazard attributes of each candidate (index aligned, NaN = no data)."""
        lon, lat = sample_points(candidates)
        recent: NearestIndex = self._recent_index  # type: ignore[attr-defined]
        every: NearestIndex = self._all_index  # type: ignore[attr-defined]
        count = recent.count_within(lon, lat, radius_km=QUAKE_RADIUS_KM)
        max_mag = max_magnitude_within(
            every,
            self.quakes["lon"].to_numpy(),
            self.quakes["lat"].to_numpy(),
            self.quakes["mag"].to_numpy(),
            lon,
            lat,
            radius_km=QUAKE_RADIUS_KM,
        )
        positions = self._lookup.positions(lon, lat, tolerance_km=self.coast_tolerance_km)  # type: ignore[attr-defined]
        scores = self._country_scores[positions]  # type: ignore[attr-defined]  # -1 -> NaN row
        data: dict[str, Any] = {
            attribute_key(NAME, "quakes_m5_within_100km"): np.asarray(count, dtype=np.int64),
            attribute_key(NAME, "max_magnitude_within_100km"): max_mag,
        }
        for k, key in enumerate(_INFORM_ATTRIBUTES):
            data[attribute_key(NAME, f"inform_{key}")] = scores[:, k]
        return pd.DataFrame(data, index=candidates.index)

    def metadata(self) -> dict[str, Any]:  # Any: JSON-serialisable values
        """Return the radius, catalogue windows and sources used."""
        return {
            "quake_radius_km": QUAKE_RADIUS_KM,
            "min_magnitude": MIN_MAGNITUDE,
            "m5_count_window": [self.m5_window[0].isoformat(), self.m5_window[1].isoformat()],
            "max_magnitude_window": [
                self.quakes["time"].min().isoformat(),
                self.quakes["time"].max().isoformat(),
            ],
            "max_magnitude_completeness": "M>=6 since 1900, M>=5 since 2013-01-01",
            "events": len(self.quakes),
            "coast_tolerance_km": self.coast_tolerance_km,
            "inform_release": "INFORM Risk 2025 v0.7.0 (2025-03-31)",
            "sources": {name: "used" for name in SOURCES},
        }

    def overlays(self) -> dict[str, gpd.GeoDataFrame]:
        """Return the M>=5 earthquakes of the count window as points to draw."""
        recent = self.quakes[(self.quakes["time"] >= self.m5_window[0]).to_numpy()]
        gdf = gpd.GeoDataFrame(
            {
                "id": recent["id"].to_numpy(),
                "time": recent["time"].dt.strftime("%Y-%m-%d").to_numpy(),
                "mag": recent["mag"].to_numpy(),
                "place": recent["place"].to_numpy(),
            },
            geometry=gpd.points_from_xy(recent["lon"], recent["lat"]),
            crs="EPSG:4326",
        )
        gdf.attrs["attribution"] = "U.S. Geological Survey, ANSS Comprehensive Catalog (ComCat)"
        return {"earthquakes_m5": gdf}


def _coast_tolerance(options: Mapping[str, Any]) -> float:  # Any: TOML values
    value = options.get("coast_tolerance_km", DEFAULT_COAST_TOLERANCE_KM)
    if isinstance(value, bool) or not isinstance(value, int | float) or not 0 <= value <= 100:
        msg = f"hazards option 'coast_tolerance_km' = {value!r} must be a number in [0, 100]"
        raise ConfigError(msg)
    return float(value)


def load(catalog: Catalog, params: LayerParams) -> HazardsLayer:
    """Read the earthquake catalogues, INFORM and the country polygons once.

    Raises
    ------
    ConfigError
        On an unknown or out-of-range option in ``params.options["hazards"]``.
    DataSourceError
        When a file cannot be found.
    LayerDataError
        When a file lacks a needed column or has malformed values.
    """
    tolerance = _coast_tolerance(layer_options(params, NAME, ["coast_tolerance_km"]))
    m5 = read_quakes(catalog.path(M5_SOURCE), source=M5_SOURCE)
    m6 = read_quakes(catalog.path(M6_SOURCE), source=M6_SOURCE)
    if m5.empty:
        msg = f"{M5_SOURCE}: no earthquakes of M>=5; expected the 2013-2023 ComCat export"
        raise LayerDataError(msg)
    quakes = pd.concat([m5, m6], ignore_index=True).drop_duplicates("id").reset_index(drop=True)
    window = (M5_WINDOW_START, pd.Timestamp(m5["time"].max()))
    countries = read_countries(catalog.path(NE_SOURCE))
    inform = read_inform(catalog.path(INFORM_SOURCE))
    sources = tuple(catalog.sources_for(SOURCES))
    return HazardsLayer(
        quakes=quakes,
        m5_window=window,
        countries=countries,
        inform=inform,
        coast_tolerance_km=tolerance,
        sources=sources,
    )
