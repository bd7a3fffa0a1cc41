"""The ``jurisdiction`` layer: country, EU/EEA membership, GDPR transfer regime, sanctions, laws.

Each candidate is placed in a Natural Earth 1:50m country (``ISO_A2_EH``; points sampled at
``layers.points.sample_points``) and takes that country's row of the project's fact table
``layers/facts/jurisdiction_countries.csv`` (each row cites its sources and the date checked).

Explicit values where there is no ordinary country:

- **offshore** (farther than ``coast_tolerance_km``, default 5 km, from every country):
  ``jurisdiction.country`` is None and ``jurisdiction.gdpr_regime`` is ``"high_seas"``;
  every other attribute is None (unknown, not False);
- **disputed** (a Natural Earth feature without an ISO code: Northern Cyprus, Somaliland,
  Siachen Glacier): country None, ``gdpr_regime`` ``"disputed"``, others None.

Countries that Natural Earth has but the fact table does not list are *not* EU or EEA members
and have no adequacy decision (the table lists every EEA state and every adequacy country, which
``load`` checks), so their membership flags are False and their regime ``third_country``; their
sanctions, localisation and government-access facts were not compiled and are None.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

import geopandas as gpd
import numpy as np
import pandas as pd

from layers._jurisdiction_countries import (
    FACTS_NAME,
    FACTS_PATH,
    GDPR_REGIMES,
    NE_SOURCE,
    CountryLookup,
    read_countries,
    read_country_facts,
)
from layers.base import EU_EEA_COUNTRIES, Attribute, LayerParams, attribute_key, layer_options
from layers.points import sample_points
from siting.errors import ConfigError, LayerDataError

if TYPE_CHECKING:
    from layers.catalog import Catalog, Source

__all__ = [
    "ADEQUACY_COUNTRIES",
    "ATTRIBUTES",
    "DEFAULT_COAST_TOLERANCE_KM",
    "DISPUTED",
    "GDPR_REGIME_VALUES",
    "HIGH_SEAS",
    "NAME",
    "SOURCES",
    "JurisdictionLayer",
    "build_country_table",
    "load",
]

NAME = "jurisdiction"
SOURCES: tuple[str, ...] = (NE_SOURCE,)
"""Catalogue files read (the fact table ships with the project and is cited as FACTS_NAME)."""

HIGH_SEAS = "high_seas"
"""``gdpr_regime`` of a point in no country (beyond the coastline tolerance)."""
DISPUTED = "disputed"
"""``gdpr_regime`` of a point in a de-facto territory that has no ISO code in Natural Earth."""
GDPR_REGIME_VALUES: tuple[str, ...] = (*GDPR_REGIMES, HIGH_SEAS, DISPUTED)
"""Every value ``jurisdiction.gdpr_regime`` can take."""

ADEQUACY_COUNTRIES: tuple[str, ...] = (
    "AD", "AR", "BR", "CA", "CH", "FO", "GB", "GG", "IL", "IM", "JE", "JP", "KR", "NZ", "US", "UY",
)  # fmt: skip
"""Countries with a GDPR Art. 45 adequacy decision in force (full or partial), as compiled."""

DEFAULT_COAST_TOLERANCE_KM = 5.0
OPTIONS: tuple[str, ...] = ("coast_tolerance_km",)

_FACTS = (FACTS_NAME,)
_BOTH = (NE_SOURCE, FACTS_NAME)

ATTRIBUTES: Mapping[str, Attribute] = {
    "country": Attribute(
        "country",
        "",
        "none",
        "ISO 3166-1 alpha-2 code of the Natural Earth country holding the site (XK for Kosovo); "
        "None offshore or in a territory without a code.",
        "str",
        (NE_SOURCE,),
    ),
    "country_name": Attribute(
        "country_name",
        "",
        "none",
        "Natural Earth name of the country holding the site; None offshore.",
        "str",
        (NE_SOURCE,),
    ),
    "eu_member": Attribute(
        "eu_member",
        "",
        "none",
        "The site is in an EU member state (EU law applies).",
        "bool",
        _BOTH,
    ),
    "eea_member": Attribute(
        "eea_member",
        "",
        "none",
        "The site is in the European Economic Area (EU27 plus IS, LI, NO).",
        "bool",
        _BOTH,
    ),
    "gdpr_regime": Attribute(
        "gdpr_regime",
        "",
        "none",
        "GDPR transfer regime for personal data sent from the EEA to the site: 'eea', "
        "'adequacy', 'adequacy_partial' (sector or certified organisations only), "
        "'third_country'; 'high_seas' offshore, 'disputed' in an uncoded territory.",
        "str",
        _BOTH,
    ),
    "adequacy_scope": Attribute(
        "adequacy_scope",
        "",
        "none",
        "Scope of the country's adequacy decision in words; None without one.",
        "str",
        _FACTS,
    ),
    "adequacy_decision": Attribute(
        "adequacy_decision",
        "",
        "none",
        "Commission implementing decision (number and date); None without one.",
        "str",
        _FACTS,
    ),
    "sanctioned": Attribute(
        "sanctioned",
        "",
        "none",
        "EU restrictive measures with sectoral or economic effect apply to the country as a whole "
        "(not only listings of persons, an arms embargo or territorial measures); None where "
        "the project has not compiled the country.",
        "bool",
        _FACTS,
    ),
    "sanctions_regime": Attribute(
        "sanctions_regime",
        "",
        "none",
        "EU Council regulation(s) of the restrictive measures concerning the country; None "
        "where there are none recorded.",
        "str",
        _FACTS,
    ),
    "data_localisation": Attribute(
        "data_localisation",
        "",
        "none",
        "Data-localisation law applying in the country, in words with its legal act; None "
        "where the project has not sourced one.",
        "str",
        _FACTS,
    ),
    "government_access": Attribute(
        "government_access",
        "",
        "none",
        "Laws giving the state compelled access to data held by providers, with legal acts; "
        "None where the project has not sourced one.",
        "str",
        _FACTS,
    ),
}

_BOOL_COLUMNS = ("eu_member", "eea_member", "sanctioned")
_TEXT_FACTS = (
    "adequacy_scope",
    "adequacy_decision",
    "sanctions_regime",
    "data_localisation",
    "government_access",
)


def build_country_table(countries: gpd.GeoDataFrame, facts: pd.DataFrame) -> pd.DataFrame:
    """Return one row of attribute values per country feature, plus a final offshore row.

    Parameters
    ----------
    countries
        Output of ``read_countries`` (n features).
    facts
        Output of ``read_country_facts``, indexed by iso2.

    Returns
    -------
    DataFrame with n + 1 rows (position n = offshore) and the columns of :data:`ATTRIBUTES`.

    Raises
    ------
    LayerDataError
        If the fact table lacks an EEA state or an adequacy country (the derived
        ``third_country`` for unlisted countries would then be wrong).
    """
    for code in (*EU_EEA_COUNTRIES, *ADEQUACY_COUNTRIES):
        if code not in facts.index:
            msg = f"{FACTS_NAME}: country {code!r} missing; expected every EEA and adequacy country"
            raise LayerDataError(msg)
    iso2 = _codes(countries)
    is_disputed = countries["is_disputed"].to_numpy(dtype=bool)
    rows = facts.reindex(pd.Index(iso2, dtype=object))
    is_listed = rows["gdpr_regime"].notna().to_numpy()
    is_plain = ~is_disputed
    table = pd.DataFrame(index=pd.RangeIndex(len(iso2) + 1))
    table["country"] = pd.Series([*iso2, None], dtype=object)
    table["country_name"] = pd.Series(
        [*countries["name"].to_numpy(dtype=object), None], dtype=object
    )
    for column in ("eu_member", "eea_member"):
        values = rows[column].astype("boolean").to_numpy(dtype=object, copy=True)
        values[~is_listed & is_plain] = False  # unlisted: not a member (the lists are complete)
        values[is_disputed] = None
        table[column] = pd.array([*values, None], dtype="boolean")
    regime = rows["gdpr_regime"].to_numpy(dtype=object, copy=True)
    regime[~is_listed & is_plain] = "third_country"
    regime[is_disputed] = DISPUTED
    table["gdpr_regime"] = pd.Series([*regime, HIGH_SEAS], dtype=object)
    table["sanctioned"] = pd.array(
        [*rows["sanctioned"].to_numpy(dtype=object), None], dtype="boolean"
    )
    for column in _TEXT_FACTS:
        values = rows[column].to_numpy(dtype=object, copy=True)
        values[pd.isna(values)] = None
        table[column] = pd.Series([*values, None], dtype=object)
    return table[list(ATTRIBUTES)]


def _codes(countries: gpd.GeoDataFrame) -> np.ndarray:
    """Return the countries' iso2 codes as an object array with None (not NaN) for no code."""
    iso2 = countries["iso2"].to_numpy(dtype=object, copy=True)
    iso2[pd.isna(iso2)] = None
    return iso2


class JurisdictionLayer:
    """Loaded jurisdiction layer: country polygons, fact table and the country lookup.

    Parameters
    ----------
    countries
        Natural Earth countries (``read_countries``).
    facts
        Fact table (``read_country_facts``).
    sources
        Catalogue entries read.
    coast_tolerance_km
        A point within this geodesic distance of a country (but in none) takes that country.
    """

    name = NAME
    attributes = ATTRIBUTES

    def __init__(
        self,
        countries: gpd.GeoDataFrame,
        facts: pd.DataFrame,
        *,
        sources: Sequence[Source] = (),
        coast_tolerance_km: float = DEFAULT_COAST_TOLERANCE_KM,
    ) -> None:
        self.countries = countries
        self.facts = facts
        self.sources = tuple(sources)
        self.coast_tolerance_km = coast_tolerance_km
        self.table = build_country_table(countries, facts)
        self.lookup = CountryLookup(countries)

    def sample(self, candidates: gpd.GeoDataFrame) -> pd.DataFrame:
        """Return the jurisdiction attributes of each candidate (index-aligned).

        Parameters
        ----------
        candidates
            EPSG:4326 candidates; polygons are sampled at ``layers.points.sample_points``.

        Returns
        -------
        DataFrame with columns ``jurisdiction.<attribute>``; booleans are nullable
        (``<NA>`` offshore), text None where there is no value.
        """
        lon, lat = sample_points(candidates)
        return self.sample_lonlat(lon, lat, candidates.index)

    def sample_lonlat(
        self, lon: np.ndarray, lat: np.ndarray, index: pd.Index | None = None
    ) -> pd.DataFrame:
        """Return the attributes for points given as lon/lat arrays (degrees, EPSG:4326)."""
        positions = self.lookup.positions(lon, lat, tolerance_km=self.coast_tolerance_km)
        rows = np.where(positions < 0, len(self.countries), positions)
        out = self.table.take(rows)
        out.columns = [attribute_key(NAME, column) for column in out.columns]
        out.index = pd.RangeIndex(len(rows)) if index is None else index
        return out

    def metadata(self) -> dict[str, Any]:  # Any: JSON-serialisable values
        """Return sources, rules, sentinels and the countries without compiled facts."""
        iso2 = self.countries["iso2"].dropna()
        unlisted = sorted(set(iso2) - set(self.facts.index))
        checked = self.facts["checked"].dropna()
        return {
            "fact_table": FACTS_NAME,
            "fact_rows": len(self.facts),
            "facts_checked": [str(checked.min()), str(checked.max())] if len(checked) else None,
            "coast_tolerance_km": self.coast_tolerance_km,
            "country_polygons": "Natural Earth 1:50m admin-0, ISO_A2_EH",
            "sentinels": {
                "offshore": {"country": None, "gdpr_regime": HIGH_SEAS},
                "disputed": {"country": None, "gdpr_regime": DISPUTED},
            },
            "gdpr_regimes": list(GDPR_REGIME_VALUES),
            "countries_without_compiled_facts": unlisted,
            "notes": [
                "Countries not in the fact table are not EU/EEA members and have no adequacy "
                "decision (those lists are complete); their sanctions, data-localisation and "
                "government-access facts are None (not compiled).",
                "Sub-national regimes are not modelled: EU territorial sanctions on Crimea and "
                "the non-government-controlled areas of Ukraine, Svalbard outside the EEA "
                "(Natural Earth puts it in Norway).",
                "Polygons are sampled at one point (layers.points.sample_points), not by the "
                "worst jurisdiction they touch.",
            ],
        }

    def overlays(self) -> dict[str, gpd.GeoDataFrame]:
        """Return countries coloured by GDPR regime (EPSG:4326) for maps."""
        table = self.table.iloc[: len(self.countries)]
        frame = gpd.GeoDataFrame(
            {
                "iso2": pd.Series(_codes(self.countries), dtype=object),
                "name": self.countries["name"].to_numpy(dtype=object),
                "gdpr_regime": table["gdpr_regime"].to_numpy(dtype=object),
                "sanctioned": table["sanctioned"].to_numpy(dtype=object),
            },
            geometry=self.countries.geometry.to_numpy(),
            crs=self.countries.crs,
        )
        frame.attrs["attribution"] = (
            "Made with Natural Earth; GDPR regimes and sanctions compiled by the siting project "
            "from the European Commission and the EU sanctions map"
        )
        return {"gdpr_regime": frame}


def _options(params: LayerParams) -> dict[str, Any]:  # Any: TOML values
    """Return the validated ``[layers.jurisdiction]`` options."""
    options = layer_options(params, NAME, OPTIONS)
    tolerance = options.get("coast_tolerance_km", DEFAULT_COAST_TOLERANCE_KM)
    if not isinstance(tolerance, int | float) or isinstance(tolerance, bool) or tolerance < 0:
        msg = f"coast_tolerance_km {tolerance!r} for layer {NAME!r}; expected a number >= 0"
        raise ConfigError(msg)
    return {"coast_tolerance_km": float(tolerance)}


def load(catalog: Catalog, params: LayerParams) -> JurisdictionLayer:
    """Read the country polygons and the fact table once and return the layer.

    Raises
    ------
    ConfigError
        If a ``[layers.jurisdiction]`` option is unknown or out of range.
    DataSourceError
        If the Natural Earth file cannot be found.
    LayerDataError
        If a file lacks a column or the fact table is inconsistent.
    """
    options = _options(params)
    countries = read_countries(catalog.path(NE_SOURCE))
    facts = read_country_facts(FACTS_PATH)
    sources = tuple(catalog.source(name) for name in SOURCES)
    return JurisdictionLayer(countries, facts, sources=sources, **options)
