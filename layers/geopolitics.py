"""The ``geopolitics`` layer: country stability, INFORM risk and exposure to recorded conflict.

Country-level values (the site's Natural Earth country, as in the ``jurisdiction`` layer):

- ``stability``, ``stability_se``, ``stability_year``: World Bank WGI *Political Stability and
  Absence of Violence/Terrorism* estimate (about -2.5..2.5, higher is more stable) of the latest
  year the economy has, with its published standard error;
- ``inform_risk`` (0-10, higher is worse) and ``inform_conflict``: INFORM Risk 2025 and its
  *Human* hazard category, which INFORM builds from Projected Conflict Probability and Current
  Conflict Intensity.

Site-level values from UCDP georeferenced events (organised violence with at least one death):

- ``conflict_exposure`` = sum over events e in the time window and within ``cutoff_km`` of
  ``best_e * 0.5 ** (d_e / half_distance_km)``, with ``best_e`` UCDP's best fatality estimate and
  ``d_e`` the geodesic distance (defaults: half-distance 50 km, cutoff 200 km where the weight is
  1/16, window 2014-01-01..2023-02-28, the whole file);
- ``nearest_conflict_km``: geodesic distance to the nearest event in the window.

**Coverage**: the event file holds Ukraine only (UCDP GED 22.1 plus candidate events,
2014-01-22..2023-02-28). Exposure elsewhere is therefore 0 *by data coverage*, not by evidence of
peace, and ``nearest_conflict_km`` is the distance to Ukraine's events; use ``stability`` and
``inform_conflict`` for a world-wide signal. Events located no better than the country
(``where_prec`` 6-7) are dropped. Offshore sites and uncoded territories get NaN country values.
The Fragile States Index (non-commercial licence) is not used.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

import geopandas as gpd
import numpy as np
import pandas as pd

from layers._geopolitics_sources import (
    parse_ucdp_events,
    parse_wgi_stability,
    read_ucdp_events,
    read_wgi,
)
from layers._inform import INFORM_SOURCE, read_inform
from layers._jurisdiction_countries import (
    NE_SOURCE,
    CountryLookup,
    iso3_to_iso2,
    read_countries,
)
from layers.base import Attribute, LayerParams, attribute_key, layer_options
from layers.nearest import NearestIndex
from layers.points import sample_points
from siting.errors import ConfigError

if TYPE_CHECKING:
    from layers.catalog import Catalog, Source

__all__ = [
    "ATTRIBUTES",
    "DEFAULT_CUTOFF_KM",
    "DEFAULT_HALF_DISTANCE_KM",
    "DEFAULT_WINDOW",
    "NAME",
    "SOURCES",
    "GeopoliticsLayer",
    "aggregate_events",
    "build_country_values",
    "load",
]

NAME = "geopolitics"
WGI_SOURCE = "governance/wgidataset.csv"
UCDP_SOURCE = "conflict/UCDP-Ukraine.csv"
SOURCES: tuple[str, ...] = (NE_SOURCE, WGI_SOURCE, INFORM_SOURCE, UCDP_SOURCE)

DEFAULT_HALF_DISTANCE_KM = 50.0
DEFAULT_CUTOFF_KM = 200.0
"""Four half-distances: an event at the cutoff weighs 1/16 (kept low for 1M-point speed)."""
DEFAULT_WINDOW: tuple[str, str] = ("2014-01-01", "2023-02-28")
DEFAULT_COAST_TOLERANCE_KM = 5.0
OPTIONS: tuple[str, ...] = (
    "half_distance_km",
    "cutoff_km",
    "window_start",
    "window_end",
    "coast_tolerance_km",
)
INFORM_ISO3_EXTRA: Mapping[str, str] = {"XKX": "XK", "KOS": "XK"}

ATTRIBUTES: Mapping[str, Attribute] = {
    "stability": Attribute(
        "stability",
        "1",
        "higher",
        "WGI Political Stability and Absence of Violence/Terrorism estimate of the site's "
        "country, latest year (about -2.5..2.5, higher is more stable); NaN offshore.",
        "float",
        (NE_SOURCE, WGI_SOURCE),
    ),
    "stability_se": Attribute(
        "stability_se",
        "1",
        "lower",
        "Standard error of the WGI stability estimate (same scale).",
        "float",
        (WGI_SOURCE,),
    ),
    "stability_year": Attribute(
        "stability_year",
        "year",
        "none",
        "Year of the WGI stability estimate used.",
        "int",
        (WGI_SOURCE,),
    ),
    "inform_risk": Attribute(
        "inform_risk",
        "1",
        "lower",
        "INFORM Risk Index 2025 of the site's country, 0-10 (higher is worse).",
        "float",
        (NE_SOURCE, INFORM_SOURCE),
    ),
    "inform_conflict": Attribute(
        "inform_conflict",
        "1",
        "lower",
        "INFORM 2025 Human hazard category of the site's country, 0-10, from Projected Conflict "
        "Probability and Current Conflict Intensity.",
        "float",
        (NE_SOURCE, INFORM_SOURCE),
    ),
    "conflict_exposure": Attribute(
        "conflict_exposure",
        "fatalities",
        "lower",
        "Sum of UCDP best fatality estimates of organised-violence events in the time window, "
        "each weighted 0.5 ** (distance_km / half_distance_km) within cutoff_km (defaults 50 km "
        "and 200 km). Events cover Ukraine only: 0 elsewhere by data coverage.",
        "float",
        (UCDP_SOURCE,),
    ),
    "nearest_conflict_km": Attribute(
        "nearest_conflict_km",
        "km",
        "higher",
        "Geodesic distance to the nearest UCDP event in the time window (Ukraine-only coverage).",
        "float",
        (UCDP_SOURCE,),
    ),
}

_COUNTRY_COLUMNS = ("stability", "stability_se", "stability_year", "inform_risk", "inform_conflict")


def build_country_values(
    countries: gpd.GeoDataFrame, stability: pd.DataFrame, inform: pd.DataFrame
) -> pd.DataFrame:
    """Return the country-level values per country feature, plus a final all-NaN offshore row.

    Parameters
    ----------
    countries
        Natural Earth countries (``read_countries``), n features.
    stability
        ``parse_wgi_stability`` output, indexed by iso2.
    inform
        ``read_inform`` output indexed by iso3 (columns ``risk``, ``human``).

    Returns
    -------
    DataFrame with n + 1 rows and the columns ``stability``, ``stability_se``,
    ``stability_year`` (nullable Int64), ``inform_risk``, ``inform_conflict``.
    """
    codes = iso3_to_iso2(countries) | dict(INFORM_ISO3_EXTRA)
    inform_iso2 = pd.Series(inform.index.map(codes), index=inform.index)
    inform_by_iso2 = inform.loc[inform_iso2.notna().to_numpy()].copy()
    inform_by_iso2.index = pd.Index(inform_iso2.dropna().to_numpy(dtype=object))
    inform_by_iso2 = inform_by_iso2[~inform_by_iso2.index.duplicated()]
    iso2 = pd.Index([*countries["iso2"].to_numpy(dtype=object), None], dtype=object)
    wgi = stability.reindex(iso2)
    risk = inform_by_iso2.reindex(iso2)
    table = pd.DataFrame(index=pd.RangeIndex(len(iso2)))
    table["stability"] = wgi["stability"].to_numpy(dtype=np.float64)
    table["stability_se"] = wgi["stability_se"].to_numpy(dtype=np.float64)
    table["stability_year"] = pd.array(wgi["stability_year"].to_numpy(), dtype="Int64")
    table["inform_risk"] = risk["risk"].to_numpy(dtype=np.float64)
    table["inform_conflict"] = risk["human"].to_numpy(dtype=np.float64)
    return table


def aggregate_events(events: pd.DataFrame) -> pd.DataFrame:
    """Merge events at identical coordinates (exact: the sums do not change).

    Returns
    -------
    DataFrame with ``lon``, ``lat``, ``fatalities`` (sum of ``best``) and ``events`` (count).

    Examples
    --------
    >>> e = pd.DataFrame({"lon": [36.2, 36.2, 30.5], "lat": [50.0, 50.0, 50.4],
    ...                   "best": [3.0, 2.0, 1.0]})
    >>> aggregate_events(e).to_dict("list")
    {'lon': [30.5, 36.2], 'lat': [50.4, 50.0], 'fatalities': [1.0, 5.0], 'events': [1, 2]}
    """
    grouped = events.groupby(["lon", "lat"], sort=True)["best"].agg(["sum", "size"])
    return pd.DataFrame(
        {
            "lon": grouped.index.get_level_values("lon").to_numpy(dtype=np.float64),
            "lat": grouped.index.get_level_values("lat").to_numpy(dtype=np.float64),
            "fatalities": grouped["sum"].to_numpy(dtype=np.float64),
            "events": grouped["size"].to_numpy(dtype=np.int64),
        }
    )


class GeopoliticsLayer:
    """Loaded geopolitics layer: per-country values, conflict events and their indexes.

    Parameters
    ----------
    countries
        Natural Earth countries (``read_countries``).
    country_values
        ``build_country_values`` output (n features + 1 offshore row).
    events
        ``parse_ucdp_events`` output (all located events; the window is applied here).
    half_distance_km
        Distance at which an event's weight halves, km (> 0).
    cutoff_km
        Events farther than this do not count towards exposure, km (> 0).
    window
        Inclusive (start, end) dates of ``date_start`` of the events used.
    coast_tolerance_km
        Coastline tolerance of the country lookup, km.
    sources
        Catalogue entries read.
    """

    name = NAME
    attributes = ATTRIBUTES

    def __init__(
        self,
        countries: gpd.GeoDataFrame,
        country_values: pd.DataFrame,
        events: pd.DataFrame,
        *,
        half_distance_km: float = DEFAULT_HALF_DISTANCE_KM,
        cutoff_km: float = DEFAULT_CUTOFF_KM,
        window: tuple[pd.Timestamp, pd.Timestamp] = (
            pd.Timestamp(DEFAULT_WINDOW[0]),
            pd.Timestamp(DEFAULT_WINDOW[1]),
        ),
        coast_tolerance_km: float = DEFAULT_COAST_TOLERANCE_KM,
        sources: Sequence[Source] = (),
    ) -> None:
        self.countries = countries
        self.country_values = country_values
        self.half_distance_km = float(half_distance_km)
        self.cutoff_km = float(cutoff_km)
        self.window = window
        self.coast_tolerance_km = float(coast_tolerance_km)
        self.sources = tuple(sources)
        in_window = (events["date_start"] >= window[0]) & (events["date_start"] <= window[1])
        self.events = events[in_window].reset_index(drop=True)
        self.locations = aggregate_events(self.events)
        self.lookup = CountryLookup(countries)
        self.event_index = NearestIndex(
            self.locations["lon"].to_numpy(), self.locations["lat"].to_numpy()
        )

    def decay(self, distance_km: np.ndarray) -> np.ndarray:
        """Return the weight ``0.5 ** (distance_km / half_distance_km)`` of events at a distance.

        >>> layer = GeopoliticsLayer.__new__(GeopoliticsLayer)
        >>> layer.half_distance_km = 50.0
        >>> layer.decay(np.array([0.0, 50.0, 100.0])).tolist()
        [1.0, 0.5, 0.25]
        """
        return np.power(0.5, np.asarray(distance_km, dtype=np.float64) / self.half_distance_km)

    def sample(self, candidates: gpd.GeoDataFrame) -> pd.DataFrame:
        """Return the geopolitics attributes of each candidate (index-aligned).

        Parameters
        ----------
        candidates
            EPSG:4326 candidates; polygons are sampled at ``layers.points.sample_points``.

        Returns
        -------
        DataFrame with columns ``geopolitics.<attribute>``; NaN where there is no data.
        """
        lon, lat = sample_points(candidates)
        return self.sample_lonlat(lon, lat, candidates.index)

    def sample_lonlat(
        self, lon: np.ndarray, lat: np.ndarray, index: pd.Index | None = None
    ) -> pd.DataFrame:
        """Return the attributes for points given as lon/lat arrays (degrees, EPSG:4326)."""
        positions = self.lookup.positions(lon, lat, tolerance_km=self.coast_tolerance_km)
        rows = np.where(positions < 0, len(self.countries), positions)
        out = self.country_values.take(rows).reset_index(drop=True)
        out["conflict_exposure"] = self.event_index.within(
            lon,
            lat,
            radius_km=self.cutoff_km,
            values=self.locations["fatalities"].to_numpy(),
            weight_fn=self.decay,
        )
        distance_km, _ = self.event_index.query(lon, lat)
        out["nearest_conflict_km"] = distance_km
        out = out[list(ATTRIBUTES)]
        out.columns = [attribute_key(NAME, column) for column in out.columns]
        out.index = pd.RangeIndex(len(rows)) if index is None else index
        return out

    def metadata(self) -> dict[str, Any]:  # Any: JSON-serialisable values
        """Return vintages, the event window, decay parameters and coverage notes."""
        values = self.country_values.iloc[: len(self.countries)]
        iso2 = self.countries["iso2"].to_numpy(dtype=object)
        has_code = pd.notna(iso2)
        years = values["stability_year"].dropna()
        return {
            "wgi_indicator": "pv (Political Stability and Absence of Violence/Terrorism)",
            "wgi_years": sorted({int(y) for y in years}),
            "inform_release": "INFORM Risk 2025 v0.7.0 (2025-03-31)",
            "conflict_window": [str(self.window[0].date()), str(self.window[1].date())],
            "conflict_events": len(self.events),
            "conflict_locations": len(self.locations),
            "half_distance_km": self.half_distance_km,
            "cutoff_km": self.cutoff_km,
            "coast_tolerance_km": self.coast_tolerance_km,
            "countries_without_wgi": sorted(
                str(c) for c in iso2[has_code & values["stability"].isna().to_numpy()]
            ),
            "countries_without_inform": sorted(
                str(c) for c in iso2[has_code & values["inform_risk"].isna().to_numpy()]
            ),
            "notes": [
                "Conflict events cover Ukraine only (UCDP GED 22.1 and candidate events, "
                "2014-01-22..2023-02-28): conflict_exposure is 0 elsewhere by data coverage, "
                "and nearest_conflict_km measures to Ukraine's events.",
                "2022-2023 events are UCDP candidate events (provisional fatality counts).",
                "Events with where_prec 6-7 (country-level location) are dropped.",
                "The Fragile States Index (CC BY-NC-SA) is not used.",
            ],
        }

    def overlays(self) -> dict[str, gpd.GeoDataFrame]:
        """Return the conflict-event locations in the window (EPSG:4326) for maps."""
        frame = gpd.GeoDataFrame(
            self.locations[["fatalities", "events"]].copy(),
            geometry=gpd.points_from_xy(self.locations["lon"], self.locations["lat"]),
            crs="EPSG:4326",
        )
        frame.attrs["attribution"] = (
            "UCDP Georeferenced Event Dataset (Sundberg & Melander 2013; Davies, Pettersson & "
            "Öberg 2023), Ukraine extract via PeaceRep"
        )
        return {"conflict_events": frame}


def _positive(options: Mapping[str, Any], key: str, default: float) -> float:  # Any: TOML
    """Return option ``key`` as a float > 0 (>= 0 for the coast tolerance)."""
    value = options.get(key, default)
    is_number = isinstance(value, int | float) and not isinstance(value, bool)
    allow_zero = key == "coast_tolerance_km"
    if not is_number or not np.isfinite(value) or value < 0 or (value == 0 and not allow_zero):
        bound = ">= 0" if allow_zero else "> 0"
        msg = f"{key} {value!r} for layer {NAME!r}; expected a number {bound}"
        raise ConfigError(msg)
    return float(value)


def _date(options: Mapping[str, Any], key: str, default: str) -> pd.Timestamp:  # Any: TOML
    """Return option ``key`` as a Timestamp (ISO date text or a TOML date)."""
    value = options.get(key, default)
    try:
        stamp = pd.Timestamp(str(value))
    except ValueError as err:
        msg = f"{key} {value!r} for layer {NAME!r}; expected an ISO date such as '2022-02-24'"
        raise ConfigError(msg) from err
    return stamp


def parse_options(params: LayerParams) -> dict[str, Any]:  # Any: mixed option types
    """Return the validated ``[layers.geopolitics]`` options as keyword arguments of the layer.

    Raises
    ------
    ConfigError
        If an option is unknown, not a positive number, not a date, or the window is empty.
    """
    options = layer_options(params, NAME, OPTIONS)
    start = _date(options, "window_start", DEFAULT_WINDOW[0])
    end = _date(options, "window_end", DEFAULT_WINDOW[1])
    if end < start:
        msg = f"window_end {str(end.date())!r} is before window_start {str(start.date())!r}"
        raise ConfigError(msg)
    return {
        "half_distance_km": _positive(options, "half_distance_km", DEFAULT_HALF_DISTANCE_KM),
        "cutoff_km": _positive(options, "cutoff_km", DEFAULT_CUTOFF_KM),
        "coast_tolerance_km": _positive(options, "coast_tolerance_km", DEFAULT_COAST_TOLERANCE_KM),
        "window": (start, end),
    }


def load(catalog: Catalog, params: LayerParams) -> GeopoliticsLayer:
    """Read Natural Earth, WGI, INFORM and the UCDP events once and return the layer.

    Raises
    ------
    ConfigError
        If a ``[layers.geopolitics]`` option is invalid.
    DataSourceError
        If a file cannot be found.
    LayerDataError
        If a file lacks a column or holds unparseable values.
    """
    options = parse_options(params)
    countries = read_countries(catalog.path(NE_SOURCE))
    wgi = read_wgi(catalog.path(WGI_SOURCE), source=WGI_SOURCE)
    stability = parse_wgi_stability(wgi, iso3_to_iso2(countries), source=WGI_SOURCE)
    inform = read_inform(catalog.path(INFORM_SOURCE))
    events = parse_ucdp_events(
        read_ucdp_events(catalog.path(UCDP_SOURCE), source=UCDP_SOURCE), source=UCDP_SOURCE
    )
    values = build_country_values(countries, stability, inform)
    sources = tuple(catalog.source(name) for name in SOURCES)
    return GeopoliticsLayer(countries, values, events, sources=sources, **options)
