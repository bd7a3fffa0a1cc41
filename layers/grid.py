"""The ``grid`` layer: substations, line capacity, generation, planned lines and constraint areas.

For each candidate (sampled at ``layers.points.sample_points``):

- ``substation_distance_km``/``substation_voltage_kv``: geodesic distance to, and voltage of, the
  nearest AC substation in service at or above the study's minimum voltage (GridKit buses that are
  not synthetic joints, not DC, not under construction). The minimum voltage is the study's
  ``min_voltage_kv`` or, by default, follows the IT load (:data:`layers._gridkit.VOLTAGE_RULE`).
- ``line_capacity_within_km_mva``: sum of N-1 derated thermal ratings of the AC lines
  (>= 200 kV; lines the 2022 map flags under construction count, as in PyPSA-Eur) that come
  within the study radius; ratings from voltage and circuits with PyPSA-Eur's standard line
  types (``sqrt(3) V I_nom circuits``) times 0.7.
- ``generation_within_km_mw``: installed capacity of powerplantmatching plants within the radius.
- ``planned_capacity_within_km_mva``: N-1 derated rating added by TYNDP 2020 new lines and line
  upgrades (all project statuses by default) within the radius.
- ``constraint_area``/``constraint_measure``: a known data-centre grid-connection constraint or
  moratorium area the site lies in (project fact table ``layers/facts/grid_constraint_areas.csv``).

Outside the countries the grid data cover (GridKit map countries; powerplantmatching's 36
countries for generation) the values are NaN, not 0; 0 inside coverage is a true zero.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import geopandas as gpd
import numpy as np
import pandas as pd

from layers._gridkit import (
    BUSES,
    LINE_TYPES,
    LINES,
    MIN_RATED_VOLTAGE_KV,
    N1_FACTOR,
    POWERPLANTS,
    PPM_VINTAGE_YEAR,
    SQRT3,
    TYNDP_NEW_LINES,
    TYNDP_UPGRADED_LINES,
    VOLTAGE_RULE,
    VOLTAGE_RULE_TOP_KV,
    circle_polygons,
    default_min_voltage_kv,
    line_rating_mva,
    read_buses,
    read_constraint_areas,
    read_lines,
    read_powerplants,
    read_tyndp_lines,
    substation_mask,
    validate_statuses,
)
from layers._jurisdiction_countries import NE_SOURCE, read_countries
from layers.base import Attribute, LayerParams, attribute_key, layer_options
from layers.lines import LineIndex
from layers.lookup import PolygonIndex
from layers.nearest import NearestIndex
from layers.points import sample_points
from siting.errors import ConfigError, LayerDataError

if TYPE_CHECKING:
    from layers.catalog import Catalog, Source

__all__ = [
    "ATTRIBUTES",
    "CONSTRAINT_AREAS_PATH",
    "NAME",
    "OPTIONS",
    "PPM_COUNTRY_TO_ISO2",
    "SOURCES",
    "TYNDP_STATUSES",
    "GridLayer",
    "constraint_polygons",
    "load",
    "prepare_lines",
    "prepare_planned",
    "prepare_plants",
]

NAME = "grid"
CONSTRAINT_AREAS_PATH = Path(__file__).resolve().parent / "facts" / "grid_constraint_areas.csv"
SOURCES: tuple[str, ...] = (
    BUSES,
    LINES,
    TYNDP_NEW_LINES,
    TYNDP_UPGRADED_LINES,
    POWERPLANTS,
    NE_SOURCE,
)
"""Catalogue names read by :func:`load` (the constraint fact table is in the project)."""

TYNDP_STATUSES: tuple[str, ...] = (
    "under_construction",
    "in_permitting",
    "planned_not_yet_permitting",
    "under_consideration",
)
"""TYNDP 2020 project statuses in the data; all count as planned unless the study narrows them."""

OPTIONS: tuple[str, ...] = (
    "planned_statuses",
    "coast_tolerance_km",
    "line_spacing_km",
    "under_construction_lines",
)
UNDER_CONSTRUCTION_CHOICES: tuple[str, ...] = ("keep", "exclude")
"""Keys accepted in a study's ``[layers.grid]`` table."""
DEFAULT_COAST_TOLERANCE_KM = 5.0
DEFAULT_LINE_SPACING_KM = 2.0
"""Densification step for line-within-radius tests; distance error at most half of it."""

PPM_COUNTRY_TO_ISO2: dict[str, str] = {
    "Albania": "AL", "Austria": "AT", "Belgium": "BE", "Bosnia and Herzegovina": "BA",
    "Bulgaria": "BG", "Croatia": "HR", "Czechia": "CZ", "Denmark": "DK", "Estonia": "EE",
    "Finland": "FI", "France": "FR", "Germany": "DE", "Greece": "GR", "Hungary": "HU",
    "Ireland": "IE", "Italy": "IT", "Kosovo": "XK", "Latvia": "LV", "Lithuania": "LT",
    "Luxembourg": "LU", "Moldova": "MD", "Montenegro": "ME", "Netherlands": "NL",
    "North Macedonia": "MK", "Norway": "NO", "Poland": "PL", "Portugal": "PT", "Romania": "RO",
    "Serbia": "RS", "Slovakia": "SK", "Slovenia": "SI", "Spain": "ES", "Sweden": "SE",
    "Switzerland": "CH", "Ukraine": "UA", "United Kingdom": "GB",
}  # fmt: skip
"""powerplantmatching ``Country`` names -> ISO alpha-2 (its coverage for generation sums)."""

_FACTS = "layers/facts/grid_constraint_areas.csv"

ATTRIBUTES: Mapping[str, Attribute] = {
    "substation_distance_km": Attribute(
        "substation_distance_km", "km", "lower",
        "Geodesic distance to the nearest AC substation in service (not a synthetic joint, not "
        "under construction) at or above the study's minimum voltage (metadata: min_voltage_kv).",
        sources=(BUSES, NE_SOURCE),
    ),
    "substation_voltage_kv": Attribute(
        "substation_voltage_kv", "kV", "higher",
        "Voltage of that nearest substation (lower bound of the map's voltage range).",
        sources=(BUSES,),
    ),
    "line_capacity_within_km_mva": Attribute(
        "line_capacity_within_km_mva", "MVA", "higher",
        "Sum of the N-1 derated thermal ratings (0.7 x sqrt(3) V I_nom circuits, PyPSA-Eur "
        "standard line types) of AC lines >= 200 kV within the study radius (lines flagged under "
        "construction in the 2022 map count, as in PyPSA-Eur; option under_construction_lines).",
        sources=(LINES, NE_SOURCE),
    ),
    "generation_within_km_mw": Attribute(
        "generation_within_km_mw", "MW", "higher",
        "Installed electrical capacity of power plants (not retired by 2025) within the radius.",
        sources=(POWERPLANTS, NE_SOURCE),
    ),
    "planned_capacity_within_km_mva": Attribute(
        "planned_capacity_within_km_mva", "MVA", "higher",
        "N-1 derated rating added by TYNDP 2020 new AC lines and line upgrades within the "
        "radius (an upgrade adds its new rating minus the existing line's).",
        sources=(TYNDP_NEW_LINES, TYNDP_UPGRADED_LINES, LINES, NE_SOURCE),
    ),
    "constraint_area": Attribute(
        "constraint_area", "", "none",
        "Name of a known data-centre grid-connection constraint or moratorium area the site lies "
        "in (project fact table), else None.",
        dtype="str", sources=(_FACTS, NE_SOURCE),
    ),
    "constraint_measure": Attribute(
        "constraint_measure", "", "none",
        "What applies in that constraint area (moratorium, connection constraint, zoning), "
        "since when, per the fact table; None outside constraint areas.",
        dtype="str", sources=(_FACTS,),
    ),
    "in_constraint_area": Attribute(
        "in_constraint_area", "", "none",
        "True when the site lies in a known data-centre grid-connection constraint or moratorium "
        "area (``constraint_area`` is set), else False; use it in a constraint "
        "(``equals = false``) to keep sites out of such areas.",
        dtype="bool", sources=(_FACTS, NE_SOURCE),
    ),
}  # fmt: skip
"""Attributes of the grid layer (keys without the ``grid.`` prefix)."""


def prepare_lines(
    lines: pd.DataFrame, *, keep_under_construction: bool = True, n1_factor: float = N1_FACTOR
) -> gpd.GeoDataFrame:
    """Return the rated AC lines with their N-1 capacity (MVA).

    Lines below :data:`MIN_RATED_VOLTAGE_KV` are dropped. Lines flagged under construction are
    kept by default, as PyPSA-Eur does (``lines.under_construction: keep``): the flag marks whole
    long-standing networks (e.g. the Madrid 220 kV ring) in the March 2022 map extract.
    """
    keep = lines["voltage_kv"].to_numpy(dtype=np.float64) >= MIN_RATED_VOLTAGE_KV
    if not keep_under_construction:
        keep &= ~lines["is_under_construction"].to_numpy(dtype=bool)
    kept = lines.loc[keep]
    capacity = line_rating_mva(
        kept["voltage_kv"].to_numpy(dtype=np.float64),
        kept["circuits"].to_numpy(dtype=np.float64),
        n1_factor=n1_factor,
    )
    return gpd.GeoDataFrame(
        {
            "line_id": kept["line_id"].to_numpy(dtype=object),
            "voltage_kv": kept["voltage_kv"].to_numpy(dtype=np.float64),
            "circuits": kept["circuits"].to_numpy(dtype=np.float64),
            "capacity_mva": capacity,
        },
        geometry=kept["geometry"].to_numpy(),
        crs="EPSG:4326",
    )


def prepare_planned(
    new_lines: pd.DataFrame,
    upgraded_lines: pd.DataFrame,
    existing_lines: pd.DataFrame,
    *,
    statuses: Sequence[str] = TYNDP_STATUSES,
    n1_factor: float = N1_FACTOR,
) -> gpd.GeoDataFrame:
    """Return planned TYNDP lines with the N-1 capacity each adds (MVA).

    A new line adds ``sqrt(3) V I_nom circuits * n1_factor``. An upgrade (indexed by the id of
    the existing GridKit line) adds its new rating minus the existing line's rating (clipped at
    0); where the existing line has no standard rating (< 200 kV) the full new rating counts.

    Raises
    ------
    LayerDataError
        If an upgrade refers to a line id that is not in the GridKit lines.
    """

    def rating(table: pd.DataFrame) -> np.ndarray:
        return (
            SQRT3
            * table["voltage_kv"].to_numpy(dtype=np.float64)
            * table["i_nom_ka"].to_numpy(dtype=np.float64)
            * table["circuits"].to_numpy(dtype=np.float64)
            * n1_factor
        )

    existing = existing_lines.set_index("line_id")
    unknown = sorted(set(upgraded_lines.index) - set(existing.index))
    if unknown:
        msg = (
            f"{TYNDP_UPGRADED_LINES}: index value(s) {unknown[:5]!r} are not line ids of "
            f"{LINES}; expected ids of existing lines"
        )
        raise LayerDataError(msg)
    before = existing.loc[upgraded_lines.index]
    before_mva = line_rating_mva(
        before["voltage_kv"].to_numpy(dtype=np.float64),
        before["circuits"].to_numpy(dtype=np.float64),
        n1_factor=n1_factor,
    )
    added_upgrade = np.clip(rating(upgraded_lines) - np.nan_to_num(before_mva, nan=0.0), 0, None)
    frame = pd.concat(
        [
            pd.DataFrame(
                {
                    "project": new_lines.index.to_numpy(dtype=object),
                    "kind": "new",
                    "status": new_lines["status"].to_numpy(dtype=object),
                    "voltage_kv": new_lines["voltage_kv"].to_numpy(dtype=np.float64),
                    "capacity_mva": rating(new_lines),
                    "geometry": new_lines["geometry"].to_numpy(),
                }
            ),
            pd.DataFrame(
                {
                    "project": upgraded_lines.index.to_numpy(dtype=object),
                    "kind": "upgrade",
                    "status": upgraded_lines["status"].to_numpy(dtype=object),
                    "voltage_kv": upgraded_lines["voltage_kv"].to_numpy(dtype=np.float64),
                    "capacity_mva": added_upgrade,
                    "geometry": upgraded_lines["geometry"].to_numpy(),
                }
            ),
        ],
        ignore_index=True,
    )
    frame = frame.loc[frame["status"].isin(list(statuses))].reset_index(drop=True)
    return gpd.GeoDataFrame(frame, geometry="geometry", crs="EPSG:4326")


def prepare_plants(plants: pd.DataFrame, *, vintage_year: int = PPM_VINTAGE_YEAR) -> pd.DataFrame:
    """Return plants in operation at the data vintage (``DateOut`` missing or >= ``vintage_year``).

    Raises
    ------
    LayerDataError
        If a plant's ``Country`` is not in :data:`PPM_COUNTRY_TO_ISO2`.
    """
    unknown = sorted(set(plants["country_name"]) - set(PPM_COUNTRY_TO_ISO2))
    if unknown:
        msg = (
            f"{POWERPLANTS}: column 'Country' has unknown name(s) {unknown!r}; "
            f"expected one of {sorted(PPM_COUNTRY_TO_ISO2)!r}"
        )
        raise LayerDataError(msg)
    date_out = plants["date_out"].to_numpy(dtype=np.float64)
    in_service = np.isnan(date_out) | (date_out >= vintage_year)
    kept = plants.loc[in_service].reset_index(drop=True)
    return kept.assign(iso2=kept["country_name"].map(PPM_COUNTRY_TO_ISO2))


def constraint_polygons(
    areas: pd.DataFrame, *, it_load_mw: float, scope: str = "local"
) -> gpd.GeoDataFrame:
    """Return the areas of one ``scope`` that apply at ``it_load_mw`` as polygons (EPSG:4326).

    ``scope="local"`` gives constraint areas; ``scope="exempt"`` gives the places a national rule
    of the same country does not cover (e.g. the two designated Dutch hyperscale locations).
    Circles (centre + radius) become 72-vertex geodesic polygons; WKT rows are parsed.
    National rows are never included (they apply by country, see :class:`GridLayer`).
    """
    applies = areas["min_it_load_mw"].isna() | (areas["min_it_load_mw"] <= it_load_mw)
    local = areas.loc[applies & areas["scope"].eq(scope)].reset_index(drop=True)
    is_circle = local["wkt"].isna().to_numpy()
    geometry = np.empty(len(local), dtype=object)
    if is_circle.any():
        geometry[is_circle] = circle_polygons(
            local.loc[is_circle, "centre_lon"].to_numpy(dtype=np.float64),
            local.loc[is_circle, "centre_lat"].to_numpy(dtype=np.float64),
            local.loc[is_circle, "radius_km"].to_numpy(dtype=np.float64),
        )
    if (~is_circle).any():
        geometry[~is_circle] = gpd.GeoSeries.from_wkt(
            local.loc[~is_circle, "wkt"].to_numpy(dtype=object)
        ).to_numpy()
    return gpd.GeoDataFrame(local, geometry=list(geometry), crs="EPSG:4326")


def _measure_text(areas: pd.DataFrame) -> np.ndarray:
    """Return 'measure (since S, status T)' per row."""
    return (
        areas["measure"].astype(str)
        + " (since "
        + areas["since"].fillna("?").astype(str)
        + "; status: "
        + areas["status"].fillna("?").astype(str)
        + ")"
    ).to_numpy(dtype=object)


class GridLayer:
    """Loaded grid layer: indexes over substations, lines, plants and constraint areas.

    Parameters
    ----------
    substations
        DataFrame ``lon, lat, voltage_kv`` of the substations at or above the minimum voltage.
    lines
        GeoDataFrame of rated lines with ``voltage_kv`` and ``capacity_mva`` (N-1).
    planned
        GeoDataFrame of planned lines with ``capacity_mva`` (N-1 added capacity).
    plants
        DataFrame ``lon, lat, capacity_mw`` (``iso2`` optional) of plants in operation.
    local_areas
        GeoDataFrame of local constraint areas (``name``, ``measure``, ``since``, ``status``).
    national_areas
        DataFrame of national constraint rules (``name``, ``country``, ...), applied by country.
    countries
        GeoDataFrame ``iso2, geometry`` used for coverage and national rules; None skips both
        (every candidate is treated as covered).
    grid_countries, generation_countries
        ISO alpha-2 codes the grid map and the plant list cover.
    min_voltage_kv, min_voltage_reason
        Minimum substation voltage and how it was chosen (for metadata).
    radius_km
        Radius of the within-radius sums, km.
    """

    name = NAME
    attributes = ATTRIBUTES

    def __init__(
        self,
        *,
        substations: pd.DataFrame,
        lines: gpd.GeoDataFrame,
        planned: gpd.GeoDataFrame,
        plants: pd.DataFrame,
        local_areas: gpd.GeoDataFrame,
        national_areas: pd.DataFrame,
        exempt_areas: gpd.GeoDataFrame | None = None,
        countries: gpd.GeoDataFrame | None = None,
        grid_countries: frozenset[str] = frozenset(),
        generation_countries: frozenset[str] = frozenset(),
        min_voltage_kv: float,
        min_voltage_reason: str = "",
        radius_km: float = 25.0,
        coast_tolerance_km: float = DEFAULT_COAST_TOLERANCE_KM,
        line_spacing_km: float = DEFAULT_LINE_SPACING_KM,
        sources: Sequence[Source] = (),
        notes: Mapping[str, Any] | None = None,  # Any: JSON-serialisable values
    ) -> None:
        self.substations = substations.reset_index(drop=True)
        self.lines = lines
        self.planned = planned
        self.plants = plants.reset_index(drop=True)
        self.local_areas = local_areas.reset_index(drop=True)
        self.national_areas = national_areas.reset_index(drop=True)
        self.countries = countries
        self.grid_countries = frozenset(grid_countries)
        self.generation_countries = frozenset(generation_countries)
        self.min_voltage_kv = float(min_voltage_kv)
        self.min_voltage_reason = min_voltage_reason
        self.radius_km = float(radius_km)
        self.coast_tolerance_km = float(coast_tolerance_km)
        self.line_spacing_km = float(line_spacing_km)
        self.sources = tuple(sources)
        self.notes = dict(notes or {})
        self._substation_index = NearestIndex(
            self.substations["lon"].to_numpy(dtype=np.float64),
            self.substations["lat"].to_numpy(dtype=np.float64),
        )
        self._line_index = LineIndex(
            lines.geometry, lines["capacity_mva"].to_numpy(dtype=np.float64),
            max_spacing_km=self.line_spacing_km,
        )  # fmt: skip
        self._planned_index = LineIndex(
            planned.geometry, planned["capacity_mva"].to_numpy(dtype=np.float64),
            max_spacing_km=self.line_spacing_km,
        )  # fmt: skip
        self._plant_index = NearestIndex(
            self.plants["lon"].to_numpy(dtype=np.float64),
            self.plants["lat"].to_numpy(dtype=np.float64),
        )
        self._plant_mw = self.plants["capacity_mw"].to_numpy(dtype=np.float64)
        self._area_index = PolygonIndex(self.local_areas.geometry, overlap="smallest")
        self.exempt_areas = (
            exempt_areas.reset_index(drop=True)
            if exempt_areas is not None
            else gpd.GeoDataFrame({"name": [], "country": []}, geometry=[], crs="EPSG:4326")
        )
        self._exempt_index = PolygonIndex(self.exempt_areas.geometry, overlap="smallest")
        self._exempt_country = self.exempt_areas["country"].to_numpy(dtype=object)
        self._area_name = self.local_areas["name"].to_numpy(dtype=object)
        self._area_measure = _measure_text(self.local_areas)
        self._country_index = PolygonIndex(countries.geometry) if countries is not None else None

    def sample(self, candidates: gpd.GeoDataFrame) -> pd.DataFrame:
        """Return the grid attributes of each candidate (index-aligned, NaN/None = no data).

        Parameters
        ----------
        candidates
            EPSG:4326 candidates; polygons are sampled at ``layers.points.sample_points``.
        """
        lon, lat = sample_points(candidates)
        return self.sample_lonlat(lon, lat, candidates.index)

    def candidate_countries(self, lon: np.ndarray, lat: np.ndarray) -> np.ndarray:
        """Return the ISO alpha-2 country of each point (None offshore/unknown)."""
        if self._country_index is None or self.countries is None:
            return np.full(lon.size, None, dtype=object)
        pos = self._country_index.lookup(lon, lat, tolerance_km=self.coast_tolerance_km)
        iso2 = np.append(self.countries["iso2"].to_numpy(dtype=object), None)
        return iso2[np.where(pos < 0, len(self.countries), pos)]

    def sample_lonlat(
        self, lon: np.ndarray, lat: np.ndarray, index: pd.Index | None = None
    ) -> pd.DataFrame:
        """Return the grid attributes for points given as lon/lat arrays (degrees, EPSG:4326)."""
        lon = np.asarray(lon, dtype=np.float64)
        lat = np.asarray(lat, dtype=np.float64)
        n = lon.size
        country = self.candidate_countries(lon, lat)
        if self._country_index is None:
            in_grid = np.ones(n, dtype=bool)
            in_generation = np.ones(n, dtype=bool)
        else:
            codes = pd.Series(country, dtype=object)
            in_grid = codes.isin(self.grid_countries).to_numpy()
            in_generation = codes.isin(self.generation_countries).to_numpy()

        distance = np.full(n, np.nan)
        voltage = np.full(n, np.nan)
        line_mva = np.full(n, np.nan)
        planned_mva = np.full(n, np.nan)
        generation = np.full(n, np.nan)
        grid_idx = np.flatnonzero(in_grid)
        if grid_idx.size and self._substation_index.n_features:
            d, pos = self._substation_index.query(lon[grid_idx], lat[grid_idx])
            distance[grid_idx] = d
            voltage[grid_idx] = self.substations["voltage_kv"].to_numpy(dtype=np.float64)[pos]
        if grid_idx.size:
            line_mva[grid_idx] = self._line_index.sum_within(
                lon[grid_idx], lat[grid_idx], radius_km=self.radius_km
            )
            planned_mva[grid_idx] = self._planned_index.sum_within(
                lon[grid_idx], lat[grid_idx], radius_km=self.radius_km
            )
        gen_idx = np.flatnonzero(in_generation)
        if gen_idx.size:
            generation[gen_idx] = self._plant_index.within(
                lon[gen_idx], lat[gen_idx], radius_km=self.radius_km, values=self._plant_mw
            )

        area_pos = self._area_index.lookup(lon, lat)
        name = np.append(self._area_name, None)[
            np.where(area_pos < 0, len(self._area_name), area_pos)
        ]
        measure = np.append(self._area_measure, None)[
            np.where(area_pos < 0, len(self._area_measure), area_pos)
        ]
        if len(self.national_areas):
            national_countries = self.national_areas["country"].to_numpy(dtype=object)
            national_measure = _measure_text(self.national_areas)
            match = np.full(n, -1, dtype=np.int64)
            for j in range(len(national_countries)):  # a few rules, not per candidate
                match[(match < 0) & (country == national_countries[j])] = j
            use = (area_pos < 0) & (match >= 0)
            if len(self.exempt_areas):
                exempt_pos = self._exempt_index.lookup(lon, lat)
                exempt_country = np.append(self._exempt_country, None)[
                    np.where(exempt_pos < 0, len(self._exempt_country), exempt_pos)
                ]
                use &= ~((exempt_pos >= 0) & (exempt_country == country))
            name[use] = self.national_areas["name"].to_numpy(dtype=object)[match[use]]
            measure[use] = national_measure[match[use]]

        out = pd.DataFrame(
            {
                "substation_distance_km": distance,
                "substation_voltage_kv": voltage,
                "line_capacity_within_km_mva": line_mva,
                "generation_within_km_mw": generation,
                "planned_capacity_within_km_mva": planned_mva,
                "constraint_area": pd.Series(name, dtype=object),
                "constraint_measure": pd.Series(measure, dtype=object),
                "in_constraint_area": pd.Series(name, dtype=object).notna().to_numpy(),
            }
        )
        out.columns = [attribute_key(NAME, c) for c in out.columns]
        out.index = pd.RangeIndex(n) if index is None else index
        return out

    def metadata(self) -> dict[str, Any]:  # Any: JSON-serialisable values
        """Return the rules applied: minimum voltage and why, radius, ratings, N-1, coverage."""
        ratings = [
            {
                "line_type": t.name,
                "from_voltage_kv": t.min_voltage_kv,
                "i_nom_ka": t.i_nom_ka,
                "mva_per_circuit_at_nominal_voltage": round(
                    SQRT3 * t.nominal_voltage_kv * t.i_nom_ka, 1
                ),
            }
            for t in LINE_TYPES
        ]
        return {
            "min_voltage_kv": self.min_voltage_kv,
            "min_voltage_reason": self.min_voltage_reason,
            "min_voltage_rule": (
                "default from IT load: "
                + ", ".join(f"<= {mw:g} MW -> {kv:g} kV" for mw, kv in VOLTAGE_RULE)
                + f", above -> {VOLTAGE_RULE_TOP_KV:g} kV"
            ),
            "radius_km": self.radius_km,
            "line_rating_formula": "sqrt(3) * line voltage kV * I_nom kA * circuits * n1_factor",
            "line_types": ratings,
            "lines_below_kv_not_counted": MIN_RATED_VOLTAGE_KV,
            "n1_factor": N1_FACTOR,
            "line_spacing_km": self.line_spacing_km,
            "coast_tolerance_km": self.coast_tolerance_km,
            "counts": {
                "substations": len(self.substations),
                "lines": len(self.lines),
                "planned_lines": len(self.planned),
                "plants": len(self.plants),
                "constraint_areas_local": len(self.local_areas),
                "constraint_rules_national": len(self.national_areas),
            },
            "grid_countries": sorted(self.grid_countries),
            "generation_countries": sorted(self.generation_countries),
            "constraint_areas": [
                {
                    k: _json(row[k])
                    for k in (
                        "name",
                        "country",
                        "since",
                        "status",
                        "source",
                        "source_url",
                        "checked",
                    )
                }
                for _, row in pd.concat(
                    [self.local_areas.drop(columns="geometry"), self.national_areas]
                ).iterrows()
            ],
            "sources": [s.as_dict() for s in self.sources],
            **self.notes,
        }

    def overlays(self) -> dict[str, gpd.GeoDataFrame]:
        """Return map features: substations >= 220 kV, HV lines, constraint areas (EPSG:4326)."""
        gridkit = "ENTSO-E grid map (unofficial extract), GridKit / PyPSA-Eur (CC BY 4.0)"
        subs = self.substations.loc[self.substations["voltage_kv"] >= 220.0]
        substations = gpd.GeoDataFrame(
            {"voltage_kv": subs["voltage_kv"].to_numpy(dtype=np.float64)},
            geometry=gpd.points_from_xy(subs["lon"], subs["lat"]),
            crs="EPSG:4326",
        )
        substations.attrs["attribution"] = gridkit
        lines = self.lines[["voltage_kv", "capacity_mva", "geometry"]].copy()
        lines.attrs["attribution"] = gridkit
        areas = self.local_areas[
            ["name", "measure", "since", "status", "source", "geometry"]
        ].copy()
        if self.countries is not None and len(self.national_areas):
            by_iso = (
                self.countries.dropna(subset=["iso2"]).drop_duplicates("iso2").set_index("iso2")
            )
            national = self.national_areas.loc[self.national_areas["country"].isin(by_iso.index)]
            areas = pd.concat(
                [
                    areas,
                    gpd.GeoDataFrame(
                        national[["name", "measure", "since", "status", "source"]],
                        geometry=by_iso.geometry.loc[national["country"]].to_numpy(),
                        crs="EPSG:4326",
                    ),
                ],
                ignore_index=True,
            )
        areas = gpd.GeoDataFrame(areas, geometry="geometry", crs="EPSG:4326")
        areas.attrs["attribution"] = "Constraint areas compiled by the siting project (see sources)"
        return {"substations": substations, "hv_lines": lines, "constraint_areas": areas}


def _json(value: Any) -> Any:  # Any: a pandas cell
    """Return a JSON-friendly cell (NaN -> None)."""
    if isinstance(value, float) and np.isnan(value):
        return None
    return value


def _options(params: LayerParams) -> dict[str, Any]:  # Any: TOML values
    """Return the validated ``[layers.grid]`` options."""
    options = layer_options(params, NAME, OPTIONS)
    statuses = options.get("planned_statuses", TYNDP_STATUSES)
    if isinstance(statuses, str) or not isinstance(statuses, Sequence):
        msg = f"planned_statuses {statuses!r} for layer {NAME!r}; expected a list of statuses"
        raise ConfigError(msg)
    out: dict[str, Any] = {
        "planned_statuses": validate_statuses(tuple(statuses), allowed=TYNDP_STATUSES)
    }
    for key, default in (
        ("coast_tolerance_km", DEFAULT_COAST_TOLERANCE_KM),
        ("line_spacing_km", DEFAULT_LINE_SPACING_KM),
    ):
        value = options.get(key, default)
        if not isinstance(value, int | float) or isinstance(value, bool) or value < 0:
            msg = f"{key} {value!r} for layer {NAME!r}; expected a number >= 0"
            raise ConfigError(msg)
        out[key] = float(value)
    choice = options.get("under_construction_lines", "keep")
    if choice not in UNDER_CONSTRUCTION_CHOICES:
        msg = (
            f"under_construction_lines {choice!r} for layer {NAME!r}; expected one of "
            f"{', '.join(UNDER_CONSTRUCTION_CHOICES)}"
        )
        raise ConfigError(msg)
    out["under_construction_lines"] = choice
    if out["line_spacing_km"] <= 0:
        msg = f"line_spacing_km {out['line_spacing_km']!r} for layer {NAME!r}; expected > 0"
        raise ConfigError(msg)
    return out


def load(catalog: Catalog, params: LayerParams) -> GridLayer:
    """Read the grid sources once, apply the study's rules and return the layer.

    Raises
    ------
    ConfigError
        If a ``[layers.grid]`` option is unknown or invalid.
    DataSourceError
        If a source file cannot be found.
    LayerDataError
        If a file lacks a column or has values in the wrong unit.
    """
    options = _options(params)
    if params.min_voltage_kv is not None:
        min_voltage_kv = float(params.min_voltage_kv)
        reason = f"study min_voltage_kv = {min_voltage_kv:g}"
    else:
        min_voltage_kv = default_min_voltage_kv(params.it_load_mw)
        reason = f"default for it_load_mw = {params.it_load_mw:g} MW"
    buses = read_buses(catalog.path(BUSES))
    raw_lines = read_lines(catalog.path(LINES))
    new_lines = read_tyndp_lines(catalog.path(TYNDP_NEW_LINES), file=TYNDP_NEW_LINES)
    upgraded = read_tyndp_lines(catalog.path(TYNDP_UPGRADED_LINES), file=TYNDP_UPGRADED_LINES)
    plants = prepare_plants(read_powerplants(catalog.path(POWERPLANTS)))
    areas = read_constraint_areas(CONSTRAINT_AREAS_PATH)
    countries = read_countries(catalog.path(NE_SOURCE))

    subs = buses.loc[substation_mask(buses, min_voltage_kv=min_voltage_kv)]
    applies = areas["min_it_load_mw"].isna() | (areas["min_it_load_mw"] <= params.it_load_mw)
    national = areas.loc[applies & areas["scope"].eq("national")].reset_index(drop=True)
    keep_uc = options["under_construction_lines"] == "keep"
    lines = prepare_lines(raw_lines, keep_under_construction=keep_uc)
    notes = {
        "under_construction_lines": options["under_construction_lines"],
        "lines_flagged_under_construction": int(raw_lines["is_under_construction"].sum()),
        "lines_below_200kv_not_counted": int(
            (raw_lines["voltage_kv"] < MIN_RATED_VOLTAGE_KV).sum()
        ),
        "planned_statuses": list(options["planned_statuses"]),
        "plants_retired_before": PPM_VINTAGE_YEAR,
        "constraint_rules_not_applicable_at_load": areas.loc[~applies, "name"].tolist(),
        "substation_definition": (
            "GridKit buses that are AC, not symbol 'joint', not under construction, with a known "
            "voltage at or above min_voltage_kv (power-plant switchyards count)"
        ),
        "coverage_rule": (
            "candidates whose country (Natural Earth, coast tolerance) is not in the grid map "
            "(or, for generation, not in powerplantmatching) get NaN"
        ),
    }
    return GridLayer(
        substations=pd.DataFrame(
            {"lon": subs["lon"], "lat": subs["lat"], "voltage_kv": subs["voltage_kv"]}
        ),
        lines=lines,
        planned=prepare_planned(
            new_lines, upgraded, raw_lines, statuses=options["planned_statuses"]
        ),
        plants=plants,
        local_areas=constraint_polygons(areas, it_load_mw=params.it_load_mw),
        national_areas=national,
        exempt_areas=constraint_polygons(areas, it_load_mw=params.it_load_mw, scope="exempt"),
        countries=countries[["iso2", "geometry"]],
        grid_countries=frozenset(buses["country"].dropna()),
        generation_countries=frozenset(plants["iso2"]),
        min_voltage_kv=min_voltage_kv,
        min_voltage_reason=reason,
        radius_km=params.radius_km,
        coast_tolerance_km=options["coast_tolerance_km"],
        line_spacing_km=options["line_spacing_km"],
        sources=catalog.sources_for(SOURCES),
        notes=notes,
    )
