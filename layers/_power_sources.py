"""Readers and derivations for the power layer: zones, prices, carbon intensity, DC demand.

Readers (``read_*``) do the I/O and validate columns and units (LayerDataError naming file and
column). Derivations (``latest_industrial_prices``, ``latest_full_year_means``, ...) are pure
functions on the tables the readers return; they reproduce the catalogue's derived files from the
originals (Eurostat wide tables, Ember monthly series, codecarbon's JSON).

>>> s = pd.Series(["2024 December", "2007 June"])
>>> semester_periods(s, file="f", column="c").tolist()
['2024-S2', '2007-S1']
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd

from layers._gridkit import check_range, require_columns
from siting.errors import LayerDataError
from siting.units import KWH_PER_MWH

__all__ = [
    "BIDDING_ZONES",
    "CARBON_JSON",
    "DC_DEMAND",
    "DC_DEMAND_SCENARIOS",
    "EMBER_MONTHLY",
    "EM_ZONES",
    "EM_ZONE_TO_BIDDING_ZONE",
    "EUROSTAT_AGGREGATES",
    "EUROSTAT_BANDS",
    "EUROSTAT_BAND_ORDER",
    "EUROSTAT_NAME_TO_ISO2",
    "EUROSTAT_TIMESERIES",
    "dc_demand_growth",
    "latest_full_year_means",
    "latest_industrial_prices",
    "read_bidding_zones",
    "read_carbon_intensity",
    "read_dc_demand",
    "read_em_zones",
    "read_ember_monthly",
    "read_eurostat_bands",
    "read_eurostat_timeseries",
    "semester_periods",
]

BIDDING_ZONES = "bidding-zones-entsoepy/bidding_zones_europe.geojson"
EM_ZONES = "electricitymaps-zones/world_zones_2023-01.geojson"
EUROSTAT_BANDS = "eurostat-nonhousehold-prices/nrg_pc_205_groups_europe.csv"
EUROSTAT_TIMESERIES = "eurostat-nonhousehold-prices/nrg_pc_205_time_all_countries.csv"
EMBER_MONTHLY = "ember-wholesale-prices/european_wholesale_electricity_price_data_monthly.csv"
CARBON_JSON = "carbon-intensity/codecarbon_global_energy_mix.json"
DC_DEMAND = "datacentre-demand/tyndp2024_draft_datacentre_demand_twh.csv"

EUROSTAT_GEO_COLUMN = "Geopolitical entity (reporting)"
EUROSTAT_BAND_ORDER: tuple[str, ...] = ("IG", "IF", "IE", "ID", "IC", "IB", "IA")
"""Consumption bands from largest (IG, >= 150 GWh/yr) to smallest (IA, < 20 MWh/yr)."""
EUROSTAT_AGGREGATES = frozenset({"EU27", "Euro area"})
EUROSTAT_NAME_TO_ISO2: dict[str, str] = {
    "Albania": "AL", "Austria": "AT", "Belgium": "BE", "Bosnia and Herz.": "BA",
    "Bulgaria": "BG", "Croatia": "HR", "Cyprus": "CY", "Czech Rep.": "CZ", "Denmark": "DK",
    "Estonia": "EE", "Finland": "FI", "France": "FR", "Georgia": "GE", "Germany": "DE",
    "Greece": "GR", "Hungary": "HU", "Iceland": "IS", "Ireland": "IE", "Italy": "IT",
    "Kosovo": "XK", "Latvia": "LV", "Liechtenstein": "LI", "Lithuania": "LT",
    "Luxembourg": "LU", "Malta": "MT", "Moldova": "MD", "Montenegro": "ME",
    "Netherlands": "NL", "North Macedonia": "MK", "Norway": "NO", "Poland": "PL",
    "Portugal": "PT", "Romania": "RO", "Serbia": "RS", "Slovakia": "SK", "Slovenia": "SI",
    "Spain": "ES", "Sweden": "SE", "Turkey": "TR", "Ukraine": "UA", "United Kingdom": "GB",
}  # fmt: skip
"""Country names as shortened in the Eurostat copies -> ISO 3166-1 alpha-2 (GR/GB, not EL/UK)."""

EM_ZONE_TO_BIDDING_ZONE: dict[str, str] = {"IE": "IE_SEM", "GB-NIR": "IE_SEM"}
"""Electricity Maps zones whose bidding zone is not their country code (the all-island SEM)."""

DC_DEMAND_SCENARIOS: tuple[str, ...] = (
    "distributed_energy_2040",
    "global_ambition_2040",
    "distributed_energy_2050",
    "global_ambition_2050",
)
"""TYNDP 2024 scenario/year columns a data-centre demand growth can be measured to (from 2019)."""

_EUR_PER_KWH_RANGE = (0.0, 2.0)
_EUR_PER_MWH_RANGE = (-500.0, 2000.0)
_G_PER_KWH_RANGE = (0.0, 1500.0)
_TWH_RANGE = (0.0, 1000.0)
_SEMESTER = re.compile(r"^(\d{4}) (June|December)$")
_BAND = re.compile(r"band (I[A-G])$")


def _as_float(frame: pd.DataFrame, column: str, *, file: str) -> np.ndarray:
    values = pd.to_numeric(frame[column], errors="coerce")
    bad = values.isna() & frame[column].notna()
    if bad.any():
        msg = (
            f"{file}: column {column!r} holds non-numeric value "
            f"{frame.loc[bad, column].iloc[0]!r}; expected numbers"
        )
        raise LayerDataError(msg)
    return values.to_numpy(dtype=np.float64)


def read_bidding_zones(path: Path, *, file: str = BIDDING_ZONES) -> gpd.GeoDataFrame:
    """Read the entsoe-py bidding-zone polygons, keeping the current zones.

    Returns
    -------
    GeoDataFrame with ``zone`` (entsoe-py key, e.g. ``DE_LU``, ``NO_1``), ``country`` (ISO
    alpha-2 of the zone's country; ``DE`` for ``DE_LU``) and ``geometry``, EPSG:4326.

    Raises
    ------
    LayerDataError
        If a column is missing or the CRS is not EPSG:4326.
    """
    frame = gpd.read_file(path)
    require_columns(frame, ("zone", "country", "current", "geometry"), file=file)
    if frame.crs is None or frame.crs.to_epsg() != 4326:
        msg = f"{file}: CRS {frame.crs!r}; expected EPSG:4326"
        raise LayerDataError(msg)
    current = frame["current"].astype(str).str.lower().isin(["true", "1"])
    keep = frame.loc[current.to_numpy()]
    return gpd.GeoDataFrame(
        {
            "zone": keep["zone"].astype(str).to_numpy(dtype=object),
            "country": keep["country"].astype(str).to_numpy(dtype=object),
        },
        geometry=keep.geometry.to_numpy(),
        crs=frame.crs,
    )


def read_em_zones(path: Path, *, file: str = EM_ZONES) -> gpd.GeoDataFrame:
    """Read the Electricity Maps (MIT snapshot) zone polygons.

    Returns
    -------
    GeoDataFrame with ``em_zone`` (``zoneName``), ``zone`` (bidding-zone key: ``IE_SEM`` for
    ``IE``/``GB-NIR``, else the zone's country key), ``country`` (``countryKey``) and geometry.

    Raises
    ------
    LayerDataError
        If a column is missing.
    """
    frame = gpd.read_file(path)
    require_columns(frame, ("zoneName", "countryKey", "geometry"), file=file)
    em_zone = frame["zoneName"].astype(str)
    country = frame["countryKey"].astype(str)
    zone = em_zone.map(EM_ZONE_TO_BIDDING_ZONE).fillna(country)
    return gpd.GeoDataFrame(
        {
            "em_zone": em_zone.to_numpy(dtype=object),
            "zone": zone.to_numpy(dtype=object),
            "country": country.to_numpy(dtype=object),
        },
        geometry=frame.geometry.to_numpy(),
        crs=frame.crs if frame.crs is not None else "EPSG:4326",
    )


def _eurostat_iso2(names: pd.Series, *, file: str) -> pd.Series:
    """Map Eurostat country names to ISO alpha-2; aggregates become None."""
    names = names.astype(str).str.strip()
    unknown = sorted(set(names) - set(EUROSTAT_NAME_TO_ISO2) - EUROSTAT_AGGREGATES)
    if unknown:
        msg = (
            f"{file}: column {EUROSTAT_GEO_COLUMN!r} has unknown country name(s) {unknown!r}; "
            f"expected one of {sorted(EUROSTAT_NAME_TO_ISO2)!r} or an aggregate"
        )
        raise LayerDataError(msg)
    return names.map(EUROSTAT_NAME_TO_ISO2)


def semester_periods(columns: pd.Series, *, file: str, column: str) -> pd.Series:
    """Turn Eurostat's ``'YYYY June'``/``'YYYY December'`` labels into ``'YYYY-S1'``/``'YYYY-S2'``.

    Raises
    ------
    LayerDataError
        If a label is not of that form.
    """
    parts = columns.astype(str).str.extract(_SEMESTER)
    bad = parts[0].isna()
    if bad.any():
        msg = (
            f"{file}: column {columns[bad].iloc[0]!r} in {column!r} is not a half-year label; "
            "expected 'YYYY June' or 'YYYY December'"
        )
        raise LayerDataError(msg)
    return parts[0] + "-S" + parts[1].map({"June": "1", "December": "2"})


def read_eurostat_timeseries(path: Path, *, file: str = EUROSTAT_TIMESERIES) -> pd.DataFrame:
    """Read the wide Eurostat band-IC table (country x half-year, EUR/kWh excl. VAT).

    Returns
    -------
    Long DataFrame ``iso2, period ('YYYY-S1'), band ('IC'), price_eur_per_mwh``, empty cells
    dropped, aggregates (EU27, euro area) dropped.

    Raises
    ------
    LayerDataError
        If the country column is missing, a header is not a half-year, a country is unknown or
        prices are not in EUR/kWh (outside [0, 2]).
    """
    raw = pd.read_csv(path)
    require_columns(raw, (EUROSTAT_GEO_COLUMN,), file=file)
    value_columns = [c for c in raw.columns if c != EUROSTAT_GEO_COLUMN]
    periods = semester_periods(pd.Series(value_columns), file=file, column="header")
    values = np.column_stack([_as_float(raw, c, file=file) for c in value_columns])
    for j, column in enumerate(value_columns):
        check_range(values[:, j], *_EUR_PER_KWH_RANGE, file=file, column=column, unit="EUR/kWh")
    iso2 = _eurostat_iso2(raw[EUROSTAT_GEO_COLUMN], file=file).to_numpy(dtype=object)
    long = pd.DataFrame(
        {
            "iso2": np.repeat(iso2, len(value_columns)),
            "period": np.tile(periods.to_numpy(dtype=object), len(raw)),
            "band": "IC",
            "price_eur_per_mwh": values.reshape(-1) * KWH_PER_MWH,
        }
    )
    keep = long["iso2"].notna() & long["price_eur_per_mwh"].notna()
    return long.loc[keep].reset_index(drop=True)


def read_eurostat_bands(
    path: Path, *, period: str = "2024-S2", file: str = EUROSTAT_BANDS
) -> pd.DataFrame:
    """Read the wide Eurostat country x consumption-band table (one half-year, EUR/kWh excl. VAT).

    A value of exactly 0 means "not available/confidential" in the source (EE, GE, LV band IG)
    and is dropped, as are empty cells.

    Returns
    -------
    Long DataFrame ``iso2, period, band ('IA'...'IG'), price_eur_per_mwh``.

    Raises
    ------
    LayerDataError
        If the country column is missing, a band header is not recognised, a country is unknown
        or prices are not in EUR/kWh.
    """
    raw = pd.read_csv(path)
    require_columns(raw, (EUROSTAT_GEO_COLUMN,), file=file)
    bands: dict[str, str] = {}
    for column in raw.columns:
        if column == EUROSTAT_GEO_COLUMN or column.endswith("all bands"):
            continue
        match = _BAND.search(column)
        if match is None:
            msg = f"{file}: column {column!r} is not a consumption band; expected '... - band IX'"
            raise LayerDataError(msg)
        bands[column] = match.group(1)
    missing = sorted(set(EUROSTAT_BAND_ORDER) - set(bands.values()))
    if missing:
        msg = (
            f"{file}: no column for band(s) {missing!r}; "
            f"expected bands {list(EUROSTAT_BAND_ORDER)!r}"
        )
        raise LayerDataError(msg)
    iso2 = _eurostat_iso2(raw[EUROSTAT_GEO_COLUMN], file=file)
    frames = []
    for column, band in bands.items():
        values = _as_float(raw, column, file=file)
        check_range(values, *_EUR_PER_KWH_RANGE, file=file, column=column, unit="EUR/kWh")
        frames.append(
            pd.DataFrame(
                {"iso2": iso2, "period": period, "band": band, "price_eur_per_mwh": values}
            )
        )
    long = pd.concat(frames, ignore_index=True)
    keep = long["iso2"].notna() & (long["price_eur_per_mwh"] > 0)
    long = long.loc[keep].copy()
    long["price_eur_per_mwh"] = long["price_eur_per_mwh"] * KWH_PER_MWH
    return long.reset_index(drop=True)


def _semester_index(period: pd.Series) -> pd.Series:
    """Return ``2 * year + (semester - 1)`` for ``'YYYY-Sn'`` labels (consecutive integers)."""
    return period.str.slice(0, 4).astype(int) * 2 + period.str.slice(6, 7).astype(int) - 1


def latest_industrial_prices(
    bands: pd.DataFrame, timeseries: pd.DataFrame, *, max_age_semesters: int = 4
) -> pd.DataFrame:
    """Pick each country's industrial price: largest band of the latest period available.

    Rows from both tables are pooled; per country the latest period is taken, and within it the
    largest consumption band (:data:`EUROSTAT_BAND_ORDER`). Periods older than
    ``max_age_semesters`` before the newest period in the data are not used (the country then
    has no figure).

    Parameters
    ----------
    bands, timeseries
        Long tables ``iso2, period, band, price_eur_per_mwh``.
    max_age_semesters
        Oldest usable period, in half-years before the newest one.

    Returns
    -------
    DataFrame indexed by ``iso2`` with ``price_eur_per_mwh``, ``band``, ``period``.

    >>> b = pd.DataFrame({"iso2": ["SE", "SE"], "period": "2024-S2", "band": ["IF", "IG"],
    ...                   "price_eur_per_mwh": [58.9, 55.9]})
    >>> t = pd.DataFrame({"iso2": ["SE", "GB"], "period": ["2024-S2", "2020-S1"], "band": "IC",
    ...                   "price_eur_per_mwh": [85.3, 120.0]})
    >>> latest_industrial_prices(b, t).to_dict("index")
    {'SE': {'price_eur_per_mwh': 55.9, 'band': 'IG', 'period': '2024-S2'}}
    """
    pooled = pd.concat([bands, timeseries], ignore_index=True)
    pooled = pooled.loc[pooled["price_eur_per_mwh"].notna()].copy()
    if pooled.empty:
        return pd.DataFrame(
            {"price_eur_per_mwh": [], "band": [], "period": []}, index=pd.Index([], name="iso2")
        )
    semester = _semester_index(pooled["period"])
    pooled = pooled.loc[semester >= semester.max() - max_age_semesters].copy()
    pooled["semester"] = _semester_index(pooled["period"])
    pooled["band_rank"] = pooled["band"].map({b: i for i, b in enumerate(EUROSTAT_BAND_ORDER)})
    pooled = pooled.sort_values(["iso2", "semester", "band_rank"], ascending=[True, False, True])
    best = pooled.drop_duplicates("iso2", keep="first").set_index("iso2")
    return best[["price_eur_per_mwh", "band", "period"]]


def read_ember_monthly(path: Path, *, file: str = EMBER_MONTHLY) -> pd.DataFrame:
    """Read Ember's monthly day-ahead prices by country.

    Returns
    -------
    DataFrame ``iso3, year, month, price_eur_per_mwh``.

    Raises
    ------
    LayerDataError
        If a column is missing, a date is not ``YYYY-MM-DD`` or prices are not EUR/MWh.
    """
    raw = pd.read_csv(path)
    price_column = "Price (EUR/MWhe)"
    require_columns(raw, ("ISO3 Code", "Date", price_column), file=file)
    dates = pd.to_datetime(raw["Date"], format="%Y-%m-%d", errors="coerce")
    if dates.isna().any():
        msg = (
            f"{file}: column 'Date' holds {raw.loc[dates.isna(), 'Date'].iloc[0]!r}; "
            "expected YYYY-MM-DD"
        )
        raise LayerDataError(msg)
    price = _as_float(raw, price_column, file=file)
    check_range(price, *_EUR_PER_MWH_RANGE, file=file, column=price_column, unit="EUR/MWh")
    return pd.DataFrame(
        {
            "iso3": raw["ISO3 Code"].astype(str).to_numpy(dtype=object),
            "year": dates.dt.year.to_numpy(dtype=np.int64),
            "month": dates.dt.month.to_numpy(dtype=np.int64),
            "price_eur_per_mwh": price,
        }
    )


def latest_full_year_means(monthly: pd.DataFrame) -> pd.DataFrame:
    """Return each country's mean monthly price over its latest calendar year with 12 months.

    Returns
    -------
    DataFrame indexed by ``iso3`` with ``wholesale_eur_per_mwh`` (unweighted mean of the 12
    monthly means) and ``year``.

    >>> m = pd.DataFrame({"iso3": ["SWE"] * 13, "year": [2024] * 12 + [2025],
    ...                   "month": list(range(1, 13)) + [1], "price_eur_per_mwh": range(13)})
    >>> latest_full_year_means(m).to_dict("index")
    {'SWE': {'wholesale_eur_per_mwh': 5.5, 'year': 2024}}
    """
    valid = monthly.loc[monthly["price_eur_per_mwh"].notna()]
    grouped = valid.groupby(["iso3", "year"]).agg(
        wholesale_eur_per_mwh=("price_eur_per_mwh", "mean"), months=("month", "nunique")
    )
    full = grouped.loc[grouped["months"] == 12].reset_index()
    latest = full.sort_values(["iso3", "year"]).drop_duplicates("iso3", keep="last")
    out = latest.set_index("iso3")[["wholesale_eur_per_mwh", "year"]]
    out["year"] = out["year"].astype(np.int64)
    return out


def read_carbon_intensity(path: Path, *, file: str = CARBON_JSON) -> pd.DataFrame:
    """Read codecarbon's ``global_energy_mix.json`` (OWID electricity carbon intensity).

    Returns
    -------
    DataFrame indexed by ``iso3`` with ``carbon_g_per_kwh`` and ``year``.

    Raises
    ------
    LayerDataError
        If the JSON is not an object of country objects with ``carbon_intensity`` and ``year``,
        or intensities are not gCO2/kWh (outside [0, 1500]).
    """
    with Path(path).open(encoding="utf-8") as handle:
        data = json.load(handle)
    if not isinstance(data, dict) or not all(isinstance(v, dict) for v in data.values()):
        msg = f"{file}: expected a JSON object keyed by ISO3 code with one object per country"
        raise LayerDataError(msg)
    frame = pd.DataFrame.from_dict(data, orient="index")
    require_columns(frame, ("carbon_intensity", "year"), file=file)
    carbon = _as_float(frame, "carbon_intensity", file=file)
    check_range(carbon, *_G_PER_KWH_RANGE, file=file, column="carbon_intensity", unit="gCO2/kWh")
    return pd.DataFrame(
        {"carbon_g_per_kwh": carbon, "year": _as_float(frame, "year", file=file)},
        index=pd.Index(frame.index.astype(str), name="iso3"),
    )


def read_dc_demand(path: Path, *, file: str = DC_DEMAND) -> pd.DataFrame:
    """Read the TYNDP 2024 draft data-centre demand table (TWh per country).

    Returns
    -------
    DataFrame indexed by ISO alpha-2 (``UK`` mapped to ``GB``; the ``EU`` total dropped) with
    ``twh_2019`` and one column per :data:`DC_DEMAND_SCENARIOS` (``twh_<scenario>``).

    Raises
    ------
    LayerDataError
        If a column is missing or the unit is not TWh.
    """
    raw = pd.read_csv(path, dtype={"country_code": str}, keep_default_na=False, na_values=[""])
    scenario_columns = [
        "twh_2040_distributed_energy", "twh_2050_distributed_energy",
        "twh_2040_global_ambition", "twh_2050_global_ambition",
    ]  # fmt: skip
    require_columns(raw, ("country_code", "unit", "twh_2019", *scenario_columns), file=file)
    units = sorted(set(raw["unit"].astype(str)) - {"TWh"})
    if units:
        msg = f"{file}: column 'unit' has {units!r}; expected 'TWh'"
        raise LayerDataError(msg)
    out = pd.DataFrame(index=pd.Index(raw["country_code"].replace({"UK": "GB"}), name="iso2"))
    for column in ("twh_2019", *scenario_columns):
        values = _as_float(raw, column, file=file)
        check_range(values, *_TWH_RANGE, file=file, column=column, unit="TWh")
        out[column] = values
    renamed = {
        "twh_2040_distributed_energy": "twh_distributed_energy_2040",
        "twh_2050_distributed_energy": "twh_distributed_energy_2050",
        "twh_2040_global_ambition": "twh_global_ambition_2040",
        "twh_2050_global_ambition": "twh_global_ambition_2050",
    }
    return out.rename(columns=renamed).drop(index="EU", errors="ignore")


def dc_demand_growth(demand: pd.DataFrame, *, scenario: str) -> pd.Series:
    """Return data-centre demand growth from 2019 to the scenario year, TWh, per ISO alpha-2.

    >>> d = pd.DataFrame({"twh_2019": [3.1], "twh_distributed_energy_2040": [37.2]},
    ...                  index=pd.Index(["SE"], name="iso2"))
    >>> round(float(dc_demand_growth(d, scenario="distributed_energy_2040")["SE"]), 1)
    34.1
    """
    return (demand[f"twh_{scenario}"] - demand["twh_2019"]).rename("dc_demand_growth_twh")
