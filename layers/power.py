"""The ``power`` layer: bidding zone, industrial and wholesale prices, carbon intensity, DC demand.

For each candidate (sampled at ``layers.points.sample_points``):

- ``zone``: the entsoe-py bidding zone holding the point; outside that file (GB, IE/SEM, TR, the
  western Balkans, ...) the Electricity Maps zone (``IE``/``GB-NIR`` -> ``IE_SEM``, else its
  country). Strict point-in-polygon first (bidding zones, then Electricity Maps zones), then the
  nearest polygon within the coast tolerance (default 5 km) in the same order.
- ``country``: the zone's country; for zones spanning countries (``DE_LU``, ``IE_SEM``) the
  Natural Earth country of the point.
- ``price_eur_per_mwh``: Eurostat nrg_pc_205 non-household price excl. VAT and recoverable taxes,
  for the largest consumption band available in the latest half-year (``price_band``,
  ``price_period``); countries whose latest figure is more than 2 years older than the newest
  period have none. Country-level: zones of multi-zone countries (DK, IT, NO, SE) get the
  national figure (``price_basis = "national_for_zone"``).
- ``wholesale_eur_per_mwh``: mean of Ember's monthly day-ahead prices over the country's latest
  calendar year with 12 months (``wholesale_year``); national for multi-zone countries too.
- ``carbon_g_per_kwh``: OWID electricity carbon intensity via codecarbon (``carbon_year``).
- ``dc_demand_growth_twh``: TYNDP 2024 draft data-centre demand growth, 2019 -> 2040
  (Distributed Energy scenario by default).

Missing figures are NaN and listed in :meth:`PowerLayer.metadata`; never 0.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

import geopandas as gpd
import numpy as np
import pandas as pd

from layers._jurisdiction_countries import NE_SOURCE, read_countries
from layers._power_sources import (
    BIDDING_ZONES,
    CARBON_JSON,
    DC_DEMAND,
    DC_DEMAND_SCENARIOS,
    EM_ZONES,
    EMBER_MONTHLY,
    EUROSTAT_BAND_ORDER,
    EUROSTAT_BANDS,
    EUROSTAT_TIMESERIES,
    dc_demand_growth,
    latest_full_year_means,
    latest_industrial_prices,
    read_bidding_zones,
    read_carbon_intensity,
    read_dc_demand,
    read_em_zones,
    read_ember_monthly,
    read_eurostat_bands,
    read_eurostat_timeseries,
)
from layers.base import Attribute, LayerParams, attribute_key, layer_options
from layers.lookup import PolygonIndex
from layers.points import sample_points
from siting.errors import ConfigError

if TYPE_CHECKING:
    from layers.catalog import Catalog, Source

__all__ = [
    "ATTRIBUTES",
    "MULTI_COUNTRY_ZONES",
    "NAME",
    "OPTIONS",
    "SOURCES",
    "PowerLayer",
    "country_figures",
    "load",
]

NAME = "power"
SOURCES: tuple[str, ...] = (
    BIDDING_ZONES,
    EM_ZONES,
    NE_SOURCE,
    EUROSTAT_BANDS,
    EUROSTAT_TIMESERIES,
    EMBER_MONTHLY,
    CARBON_JSON,
    DC_DEMAND,
)
"""Catalogue names read by :func:`load`."""

OPTIONS: tuple[str, ...] = ("coast_tolerance_km", "dc_demand_scenario", "max_price_age_semesters")
DEFAULT_COAST_TOLERANCE_KM = 5.0
DEFAULT_DC_SCENARIO = "distributed_energy_2040"
DEFAULT_MAX_PRICE_AGE_SEMESTERS = 4

MULTI_COUNTRY_ZONES: dict[str, frozenset[str]] = {
    "DE_LU": frozenset({"DE", "LU"}),
    "IE_SEM": frozenset({"IE", "GB"}),
}
"""Bidding zones spanning several countries: the point's Natural Earth country decides."""

_ZONES = (BIDDING_ZONES, EM_ZONES, NE_SOURCE)
ATTRIBUTES: Mapping[str, Attribute] = {
    "zone": Attribute(
        "zone", "", "none",
        "Bidding zone (entsoe-py key, e.g. DE_LU, SE_1; Electricity Maps zone outside the "
        "entsoe-py file, IE_SEM for the island of Ireland).",
        dtype="str", sources=_ZONES,
    ),
    "country": Attribute(
        "country", "", "none",
        "ISO 3166-1 alpha-2 country the price and carbon figures are taken for.",
        dtype="str", sources=_ZONES,
    ),
    "price_eur_per_mwh": Attribute(
        "price_eur_per_mwh", "EUR/MWh", "lower",
        "Eurostat non-household electricity price excl. VAT and recoverable taxes, largest "
        "consumption band available, latest half-year (country level).",
        sources=(EUROSTAT_BANDS, EUROSTAT_TIMESERIES),
    ),
    "price_band": Attribute(
        "price_band", "", "none", "Eurostat consumption band of the price (IG = >= 150 GWh/yr).",
        dtype="str", sources=(EUROSTAT_BANDS, EUROSTAT_TIMESERIES),
    ),
    "price_period": Attribute(
        "price_period", "", "none", "Half-year of the price (YYYY-S1/S2).",
        dtype="str", sources=(EUROSTAT_BANDS, EUROSTAT_TIMESERIES),
    ),
    "price_basis": Attribute(
        "price_basis", "", "none",
        "'country' where the country is one bidding zone, 'national_for_zone' where a zone of a "
        "multi-zone country (DK, IT, NO, SE) gets the national figure; None without a price.",
        dtype="str", sources=(BIDDING_ZONES,),
    ),
    "wholesale_eur_per_mwh": Attribute(
        "wholesale_eur_per_mwh", "EUR/MWh", "lower",
        "Mean of Ember's monthly day-ahead prices over the country's latest full calendar year.",
        sources=(EMBER_MONTHLY,),
    ),
    "wholesale_year": Attribute(
        "wholesale_year", "year", "none", "Calendar year of the wholesale mean.",
        sources=(EMBER_MONTHLY,),
    ),
    "carbon_g_per_kwh": Attribute(
        "carbon_g_per_kwh", "gCO2eq/kWh", "lower",
        "Carbon intensity of electricity generation (OWID via codecarbon), country level.",
        sources=(CARBON_JSON,),
    ),
    "carbon_year": Attribute(
        "carbon_year", "year", "none", "Year of the carbon-intensity figure.",
        sources=(CARBON_JSON,),
    ),
    "dc_demand_growth_twh": Attribute(
        "dc_demand_growth_twh", "TWh", "lower",
        "TYNDP 2024 draft data-centre electricity demand growth from 2019 to the scenario year "
        "(default Distributed Energy 2040), country level.",
        sources=(DC_DEMAND,),
    ),
}  # fmt: skip
"""Attributes of the power layer (keys without the ``power.`` prefix)."""


def country_figures(
    *,
    prices: pd.DataFrame,
    wholesale: pd.DataFrame,
    carbon: pd.DataFrame,
    dc_growth: pd.Series,
) -> pd.DataFrame:
    """Join the per-country figures (all indexed by ISO alpha-2) into one table.

    Returns
    -------
    DataFrame indexed by ``iso2`` with the attribute columns that come from country figures.
    """
    table = pd.concat(
        [
            prices.rename(columns={"band": "price_band", "period": "price_period"}),
            wholesale.rename(columns={"year": "wholesale_year"}),
            carbon.rename(columns={"year": "carbon_year"}),
            dc_growth.rename("dc_demand_growth_twh"),
        ],
        axis=1,
    )
    table.index.name = "iso2"
    for column in ("wholesale_year", "carbon_year"):
        table[column] = table[column].astype(np.float64)
    return table


class PowerLayer:
    """Loaded power layer: zone polygons and per-country price/carbon/demand figures.

    Parameters
    ----------
    bidding_zones
        GeoDataFrame ``zone, country, geometry`` (entsoe-py current zones).
    fallback_zones
        GeoDataFrame ``zone, country, geometry`` used outside the bidding zones.
    figures
        Output of :func:`country_figures` (indexed by ISO alpha-2).
    countries
        GeoDataFrame ``iso2, geometry`` for multi-country zones; None keeps the zone's country.
    coast_tolerance_km
        Nearest-polygon tolerance for points just outside every polygon, km.
    """

    name = NAME
    attributes = ATTRIBUTES

    def __init__(
        self,
        *,
        bidding_zones: gpd.GeoDataFrame,
        fallback_zones: gpd.GeoDataFrame,
        figures: pd.DataFrame,
        countries: gpd.GeoDataFrame | None = None,
        coast_tolerance_km: float = DEFAULT_COAST_TOLERANCE_KM,
        sources: Sequence[Source] = (),
        notes: Mapping[str, Any] | None = None,  # Any: JSON-serialisable values
    ) -> None:
        self.bidding_zones = bidding_zones.reset_index(drop=True)
        self.fallback_zones = fallback_zones.reset_index(drop=True)
        self.figures = figures
        self.countries = countries
        self.coast_tolerance_km = float(coast_tolerance_km)
        self.sources = tuple(sources)
        self.notes = dict(notes or {})
        zones_per_country = self.bidding_zones.groupby("country")["zone"].nunique()
        self.multi_zone_countries = frozenset(zones_per_country.index[zones_per_country > 1])
        self._zone_sets = (self.bidding_zones, self.fallback_zones)
        self._zone_indexes = tuple(PolygonIndex(z.geometry) for z in self._zone_sets)
        self._country_index = PolygonIndex(countries.geometry) if countries is not None else None

    def sample(self, candidates: gpd.GeoDataFrame) -> pd.DataFrame:
        """Return the power attributes of each candidate (index-aligned, NaN/None = no data)."""
        lon, lat = sample_points(candidates)
        return self.sample_lonlat(lon, lat, candidates.index)

    def zones(self, lon: np.ndarray, lat: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Return the zone and its country for each point (None where no zone is in reach)."""
        n = lon.size
        zone = np.full(n, None, dtype=object)
        country = np.full(n, None, dtype=object)
        todo = np.arange(n)
        for tolerance in (0.0, self.coast_tolerance_km):
            for frame, index in zip(self._zone_sets, self._zone_indexes, strict=True):
                if not todo.size or not len(frame):
                    continue
                pos = np.asarray(
                    index.lookup(lon[todo], lat[todo], tolerance_km=tolerance), dtype=np.int64
                )
                hit = pos >= 0
                zone[todo[hit]] = frame["zone"].to_numpy(dtype=object)[pos[hit]]
                country[todo[hit]] = frame["country"].to_numpy(dtype=object)[pos[hit]]
                todo = todo[~hit]
        if self._country_index is not None and self.countries is not None:
            shared = np.flatnonzero(pd.Series(zone, dtype=object).isin(MULTI_COUNTRY_ZONES))
            if shared.size:
                pos = np.asarray(
                    self._country_index.lookup(
                        lon[shared], lat[shared], tolerance_km=self.coast_tolerance_km
                    ),
                    dtype=np.int64,
                )
                iso2 = np.append(self.countries["iso2"].to_numpy(dtype=object), None)[
                    np.where(pos < 0, len(self.countries), pos)
                ]
                valid = [f"{z}|{c}" for z, cs in MULTI_COUNTRY_ZONES.items() for c in cs]
                pairs = pd.Series(zone[shared], dtype=object).str.cat(
                    pd.Series(iso2, dtype=object).fillna(""), sep="|"
                )
                allowed = pairs.isin(valid).to_numpy()
                country[shared[allowed]] = iso2[allowed]
        return zone, country

    def sample_lonlat(
        self, lon: np.ndarray, lat: np.ndarray, index: pd.Index | None = None
    ) -> pd.DataFrame:
        """Return the power attributes for points given as lon/lat arrays (degrees, EPSG:4326)."""
        lon = np.asarray(lon, dtype=np.float64)
        lat = np.asarray(lat, dtype=np.float64)
        zone, country = self.zones(lon, lat)
        codes = pd.Index(self.figures.index)
        pos = codes.get_indexer(pd.Index(country.astype(object)))
        rows = self.figures.reset_index(drop=True)
        padded = pd.concat([rows, rows.iloc[:0].reindex([len(rows)])], ignore_index=True)
        taken = padded.take(np.where(pos < 0, len(rows), pos)).reset_index(drop=True)
        has_price = taken["price_eur_per_mwh"].notna().to_numpy()
        basis = np.where(
            pd.Series(country, dtype=object).isin(self.multi_zone_countries).to_numpy(),
            "national_for_zone",
            "country",
        ).astype(object)
        basis[~has_price] = None
        out = pd.DataFrame(
            {
                "zone": pd.Series(zone, dtype=object),
                "country": pd.Series(country, dtype=object),
                "price_eur_per_mwh": taken["price_eur_per_mwh"].to_numpy(dtype=np.float64),
                "price_band": pd.Series(_none(taken["price_band"]), dtype=object),
                "price_period": pd.Series(_none(taken["price_period"]), dtype=object),
                "price_basis": pd.Series(basis, dtype=object),
                "wholesale_eur_per_mwh": taken["wholesale_eur_per_mwh"].to_numpy(np.float64),
                "wholesale_year": taken["wholesale_year"].to_numpy(dtype=np.float64),
                "carbon_g_per_kwh": taken["carbon_g_per_kwh"].to_numpy(dtype=np.float64),
                "carbon_year": taken["carbon_year"].to_numpy(dtype=np.float64),
                "dc_demand_growth_twh": taken["dc_demand_growth_twh"].to_numpy(np.float64),
            }
        )
        out.columns = [attribute_key(NAME, c) for c in out.columns]
        out.index = pd.RangeIndex(lon.size) if index is None else index
        return out

    def _reference_countries(self) -> list[str]:
        """Return the countries the layer is meant for.

        Bidding-zone countries and any with a European figure (price, wholesale, DC demand);
        carbon alone is world-wide and does not count.
        """
        fig = self.figures
        european = fig[["price_eur_per_mwh", "wholesale_eur_per_mwh", "dc_demand_growth_twh"]]
        return sorted(
            set(self.bidding_zones["country"]) | set(fig.index[european.notna().any(axis=1)])
        )

    def metadata(self) -> dict[str, Any]:  # Any: JSON-serialisable values
        """Return the rules, vintages per country and the countries without each figure."""
        fig = self.figures
        europe = self._reference_countries()

        def missing(column: str) -> list[str]:
            present = set(fig.index[fig[column].notna()])
            return sorted(set(europe) - present)

        return {
            "zone_rule": (
                "entsoe-py bidding zones, then Electricity Maps zones (IE/GB-NIR -> IE_SEM); "
                "strict point-in-polygon first, then the nearest polygon within coast_tolerance_km"
            ),
            "coast_tolerance_km": self.coast_tolerance_km,
            "multi_country_zones": {k: sorted(v) for k, v in MULTI_COUNTRY_ZONES.items()},
            "zones_with_national_price": sorted(
                self.bidding_zones.loc[
                    self.bidding_zones["country"].isin(self.multi_zone_countries), "zone"
                ]
            ),
            "multi_zone_countries": sorted(self.multi_zone_countries),
            "price_rule": (
                "Eurostat nrg_pc_205, X_VAT, EUR; largest band available ("
                + " > ".join(EUROSTAT_BAND_ORDER)
                + ") in the latest half-year; 0 in the source = not available"
            ),
            "price_vintage_by_country": {
                str(k): f"{r.price_period} band {r.price_band}"
                for k, r in fig.dropna(subset=["price_eur_per_mwh"]).iterrows()
            },
            "wholesale_year_by_country": {
                str(k): int(v) for k, v in fig["wholesale_year"].dropna().items()
            },
            "carbon_year_by_country": {
                str(k): int(v) for k, v in fig["carbon_year"].dropna().items()
            },
            "countries_without_price": missing("price_eur_per_mwh"),
            "countries_without_wholesale": missing("wholesale_eur_per_mwh"),
            "countries_without_carbon": missing("carbon_g_per_kwh"),
            "countries_without_dc_demand": missing("dc_demand_growth_twh"),
            "sources": [s.as_dict() for s in self.sources],
            **self.notes,
        }

    def overlays(self) -> dict[str, gpd.GeoDataFrame]:
        """Return the bidding zones (and fallback zones) with their country figures."""
        zones = pd.concat(
            [
                self.bidding_zones.assign(zone_source="entsoe-py"),
                self.fallback_zones.loc[
                    self.fallback_zones["country"].isin(self.figures.index)
                    & ~self.fallback_zones["country"].isin(self.bidding_zones["country"])
                ].assign(zone_source="Electricity Maps"),
            ],
            ignore_index=True,
        )
        fig = self.figures.reindex(zones["country"].to_numpy())
        frame = gpd.GeoDataFrame(
            {
                "zone": zones["zone"].to_numpy(dtype=object),
                "country": zones["country"].to_numpy(dtype=object),
                "zone_source": zones["zone_source"].to_numpy(dtype=object),
                "price_eur_per_mwh": fig["price_eur_per_mwh"].to_numpy(dtype=np.float64),
                "wholesale_eur_per_mwh": fig["wholesale_eur_per_mwh"].to_numpy(np.float64),
                "carbon_g_per_kwh": fig["carbon_g_per_kwh"].to_numpy(dtype=np.float64),
            },
            geometry=zones.geometry.to_numpy(),
            crs="EPSG:4326",
        )
        frame.attrs["attribution"] = (
            "Bidding zones: entsoe-py (EnergieID), Natural Earth, NVE; Electricity Maps "
            "(MIT 2023-01); prices: Eurostat nrg_pc_205; Ember (CC BY 4.0); "
            "carbon: OWID via CodeCarbon"
        )
        return {"bidding_zones": frame}


def _none(values: pd.Series) -> np.ndarray:
    """Return an object array with None for missing text."""
    arr = values.to_numpy(dtype=object)
    return np.where(pd.isna(values).to_numpy(), None, arr)


def _options(params: LayerParams) -> dict[str, Any]:  # Any: TOML values
    """Return the validated ``[layers.power]`` options."""
    options = layer_options(params, NAME, OPTIONS)
    scenario = options.get("dc_demand_scenario", DEFAULT_DC_SCENARIO)
    if scenario not in DC_DEMAND_SCENARIOS:
        msg = (
            f"dc_demand_scenario {scenario!r} for layer {NAME!r}; expected one of "
            f"{', '.join(DC_DEMAND_SCENARIOS)}"
        )
        raise ConfigError(msg)
    tolerance = options.get("coast_tolerance_km", DEFAULT_COAST_TOLERANCE_KM)
    if not isinstance(tolerance, int | float) or isinstance(tolerance, bool) or tolerance < 0:
        msg = f"coast_tolerance_km {tolerance!r} for layer {NAME!r}; expected a number >= 0"
        raise ConfigError(msg)
    age = options.get("max_price_age_semesters", DEFAULT_MAX_PRICE_AGE_SEMESTERS)
    if not isinstance(age, int) or isinstance(age, bool) or age < 0:
        msg = f"max_price_age_semesters {age!r} for layer {NAME!r}; expected an integer >= 0"
        raise ConfigError(msg)
    return {
        "dc_demand_scenario": scenario,
        "coast_tolerance_km": float(tolerance),
        "max_price_age_semesters": age,
    }


def _iso3_to_iso2(countries: gpd.GeoDataFrame, iso3: pd.Index) -> pd.Index:
    """Map ISO alpha-3 codes to alpha-2 through Natural Earth (unknown -> NaN)."""
    table = countries.dropna(subset=["iso2", "iso3"]).drop_duplicates("iso3")
    return pd.Index(iso3.map(dict(zip(table["iso3"], table["iso2"], strict=True))), name="iso2")


def load(catalog: Catalog, params: LayerParams) -> PowerLayer:
    """Read the power sources once, derive the country figures and return the layer.

    Raises
    ------
    ConfigError
        If a ``[layers.power]`` option is unknown or invalid.
    DataSourceError
        If a source file cannot be found.
    LayerDataError
        If a file lacks a column or has values in the wrong unit.
    """
    options = _options(params)
    countries = read_countries(catalog.path(NE_SOURCE))
    bidding = read_bidding_zones(catalog.path(BIDDING_ZONES))
    fallback = read_em_zones(catalog.path(EM_ZONES))
    bands = read_eurostat_bands(catalog.path(EUROSTAT_BANDS))
    timeseries = read_eurostat_timeseries(catalog.path(EUROSTAT_TIMESERIES))
    monthly = read_ember_monthly(catalog.path(EMBER_MONTHLY))
    carbon = read_carbon_intensity(catalog.path(CARBON_JSON))
    demand = read_dc_demand(catalog.path(DC_DEMAND))

    prices = latest_industrial_prices(
        bands, timeseries, max_age_semesters=options["max_price_age_semesters"]
    )
    wholesale = latest_full_year_means(monthly)
    wholesale.index = _iso3_to_iso2(countries, wholesale.index)
    carbon.index = _iso3_to_iso2(countries, carbon.index)
    figures = country_figures(
        prices=prices,
        wholesale=wholesale.loc[wholesale.index.notna()],
        carbon=carbon.loc[carbon.index.notna()],
        dc_growth=dc_demand_growth(demand, scenario=options["dc_demand_scenario"]),
    )
    stale = sorted((set(timeseries["iso2"]) | set(bands["iso2"])) - set(prices.index))
    notes = {
        "dc_demand_scenario": options["dc_demand_scenario"],
        "max_price_age_semesters": options["max_price_age_semesters"],
        "countries_with_only_stale_price": stale,
        "wholesale_rule": (
            "unweighted mean of Ember monthly day-ahead prices over the latest calendar year "
            "with 12 months, per country (national series for multi-zone countries)"
        ),
    }
    return PowerLayer(
        bidding_zones=bidding,
        fallback_zones=fallback,
        figures=figures,
        countries=countries[["iso2", "geometry"]],
        coast_tolerance_km=options["coast_tolerance_km"],
        sources=catalog.sources_for(SOURCES),
        notes=notes,
    )
