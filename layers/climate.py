"""Climate layer: mean and warmest-month temperature, free-cooling hours and an estimated PUE.

Data: NCEP/NCAR Reanalysis 1 monthly long-term-mean near-surface (sigma 0.995) air temperature,
1981-2010, on a global 2.5-degree grid (NOAA PSL, public domain), read from the original NetCDF
``climate/air.mon.ltm.nc`` through GDAL's netCDF driver. Each of the 12 monthly fields is sampled
at the candidate by bilinear interpolation between the four surrounding cell centres (longitude
wraps around the dateline; at the poles the last row is held), never nearest-cell.

Attributes
----------
``mean_temp_c``
    Day-weighted mean of the 12 interpolated monthly means.
``warmest_month_c``
    Largest of the 12 interpolated monthly means.
``free_cooling_hours``
    Hours per year with outdoor dry-bulb temperature at or below ``free_cooling_threshold_c``
    (default 18 degC: the bottom of ASHRAE TC 9.9's recommended server-inlet range of
    18-27 degC, so outside air alone can meet any supply set-point in that range). Hourly
    temperatures within month m are modelled as normal around the monthly mean ``T_m`` with
    standard deviation ``hourly_temperature_sd_k`` (default 5 K: a diurnal cycle of about
    +/-6 K contributes about 4 K and day-to-day weather about 3 K; sqrt(4^2 + 3^2) = 5), so
    ``hours = sum_m hours_in_month_m * Phi((threshold - T_m) / sd)``.
``pue_estimate``
    ``pue_mechanical - (pue_mechanical - pue_free_cooling) * free_cooling_hours / 8760``: a
    linear blend between a facility cooled by chillers all year (default 1.50; the Uptime
    Institute's 2023 global survey average was 1.58, legacy sites included) and one on free
    cooling all year (default 1.15; hyperscale fleets with economisers report 1.1-1.2). The
    scoring engine uses it when the study's PUE is ``auto``.

Not used: the ERA5 country cooling-degree-day table ``climate/monthly_cdd.csv``. Its licence is
unclear (the repository has no licence file and calls the folder temporary storage), and
country-area means (Norway's is near 0 degC) say little about a site; the gridded NCEP data
already gives site values.

Caveat: a 2.5-degree (~250 km) reanalysis resolves continental contrasts (Nordics vs Iberia),
not valleys, coasts or altitude; 1981-2010 is cooler than today's climate.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import geopandas as gpd
import numpy as np
import pandas as pd
import rasterio
from rasterio.errors import RasterioIOError
from scipy.special import ndtr

from layers.base import Attribute, LayerParams, attribute_key, check_option_keys
from layers.points import sample_points
from siting.errors import ConfigError, LayerDataError
from siting.types import FloatArray
from siting.units import HOURS_PER_YEAR

if TYPE_CHECKING:
    from layers.catalog import Catalog, Source

__all__ = [
    "ATTRIBUTES",
    "DAYS_IN_MONTH",
    "DEFAULT_OPTIONS",
    "NAME",
    "SOURCES",
    "TEMPERATURE_SOURCE",
    "ClimateLayer",
    "ClimateOptions",
    "MonthlyGrid",
    "free_cooling_hours",
    "pue_from_free_cooling_hours",
    "read_monthly_grid",
    "sample_periodic_bilinear",
]

NAME = "climate"
TEMPERATURE_SOURCE = "climate/air.mon.ltm.nc"
SOURCES: tuple[str, ...] = (TEMPERATURE_SOURCE,)
NETCDF_VARIABLE = "air"

DAYS_IN_MONTH = np.array([31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31], dtype=np.float64)
"""Days in each month of a non-leap year (sum 365)."""
HOURS_IN_MONTH = DAYS_IN_MONTH * (HOURS_PER_YEAR / DAYS_IN_MONTH.sum())
"""Hours in each month of a non-leap year (sum 8760)."""

_ATTRIBUTION = "NCEP-NCAR Reanalysis 1 data provided by the NOAA PSL, Boulder, Colorado, USA"

ATTRIBUTES: Mapping[str, Attribute] = {
    "mean_temp_c": Attribute(
        "mean_temp_c",
        "degC",
        "lower",
        "Annual mean near-surface air temperature, 1981-2010 (NCEP/NCAR Reanalysis 1, 2.5 deg, "
        "bilinear), day-weighted mean of the monthly means.",
        sources=(TEMPERATURE_SOURCE,),
    ),
    "warmest_month_c": Attribute(
        "warmest_month_c",
        "degC",
        "lower",
        "Mean temperature of the warmest month, 1981-2010 (NCEP/NCAR Reanalysis 1, bilinear).",
        sources=(TEMPERATURE_SOURCE,),
    ),
    "free_cooling_hours": Attribute(
        "free_cooling_hours",
        "h/yr",
        "higher",
        "Estimated hours per year with outdoor air at or below 18 degC (bottom of ASHRAE's "
        "recommended inlet range): hourly temperatures modelled as normal (sd 5 K) around each "
        "monthly mean.",
        sources=(TEMPERATURE_SOURCE,),
    ),
    "pue_estimate": Attribute(
        "pue_estimate",
        "1",
        "lower",
        "Estimated power usage effectiveness: linear blend from 1.50 (no free cooling) to 1.15 "
        "(free cooling all year) by the share of free-cooling hours.",
        sources=(TEMPERATURE_SOURCE,),
    ),
}

DEFAULT_OPTIONS: Mapping[str, float] = {
    "free_cooling_threshold_c": 18.0,
    "hourly_temperature_sd_k": 5.0,
    "pue_free_cooling": 1.15,
    "pue_mechanical": 1.50,
}
"""Options a study may set under ``[layers.climate]``."""

_OPTION_RANGES: Mapping[str, tuple[float, float]] = {
    "free_cooling_threshold_c": (-10.0, 40.0),
    "hourly_temperature_sd_k": (0.5, 20.0),
    "pue_free_cooling": (1.0, 3.0),
    "pue_mechanical": (1.0, 3.0),
}


@dataclass(frozen=True)
class ClimateOptions:
    """Validated options of the climate layer (see :data:`DEFAULT_OPTIONS`)."""

    free_cooling_threshold_c: float = 18.0
    hourly_temperature_sd_k: float = 5.0
    pue_free_cooling: float = 1.15
    pue_mechanical: float = 1.50

    @classmethod
    def from_mapping(cls, options: Mapping[str, Any]) -> ClimateOptions:  # Any: TOML values
        """Build options from a study's ``[layers.climate]`` table.

        Raises
        ------
        ConfigError
            On an unknown key, a non-number, a value out of range, or
            ``pue_free_cooling > pue_mechanical``.
        """
        options = check_option_keys(options, layer=NAME, allowed=DEFAULT_OPTIONS)
        merged = {**DEFAULT_OPTIONS, **options}
        for key, (low, high) in _OPTION_RANGES.items():
            value = merged[key]
            is_number = isinstance(value, int | float) and not isinstance(value, bool)
            if not is_number or not low <= value <= high:
                msg = f"climate option {key!r} = {value!r} must be a number in [{low}, {high}]"
                raise ConfigError(msg)
        if merged["pue_free_cooling"] > merged["pue_mechanical"]:
            msg = (
                f"climate option 'pue_free_cooling' = {merged['pue_free_cooling']!r} must not "
                f"exceed 'pue_mechanical' = {merged['pue_mechanical']!r}"
            )
            raise ConfigError(msg)
        return cls(**{key: float(merged[key]) for key in DEFAULT_OPTIONS})


@dataclass(frozen=True)
class MonthlyGrid:
    """A global regular grid of 12 monthly fields, cell-centre registered.

    Parameters
    ----------
    values
        Shape (12, n_lat, n_lon), degC, NaN where missing.
    lon0, lat0
        Longitude and latitude of the centre of cell [0, 0], degrees.
    dlon, dlat
        Cell steps, degrees (``dlat`` negative for north-up grids); ``n_lon * dlon`` must be 360.
    """

    values: FloatArray
    lon0: float
    lat0: float
    dlon: float
    dlat: float


def sample_periodic_bilinear(grid: MonthlyGrid, lon: FloatArray, lat: FloatArray) -> FloatArray:
    """Bilinearly interpolate every band of a global, longitude-periodic grid at points.

    Longitude wraps (the cell east of the last column is the first); beyond the first or last
    row of cell centres (near the poles) the row is held. A point gets NaN when any of its
    four corners is NaN.

    Parameters
    ----------
    grid
        The global grid.
    lon, lat
        Points, degrees, EPSG:4326, shape (n,).

    Returns
    -------
    FloatArray
        Shape (n, bands).

    Examples
    --------
    A 4 x 2 grid (90-degree cells) with value = column index; half-way between the centres
    of the last and the first column (across the dateline) gives 1.5:

    >>> values = np.tile(np.arange(4.0), (1, 2, 1))
    >>> g = MonthlyGrid(values, lon0=-135.0, lat0=45.0, dlon=90.0, dlat=-90.0)
    >>> sample_periodic_bilinear(g, np.array([180.0, -90.0]), np.array([0.0, 0.0])).ravel().tolist()
    [1.5, 0.5]
    """
    n_lat, n_lon = grid.values.shape[1:]
    x = np.mod(lon - grid.lon0, 360.0) / grid.dlon
    y = np.clip((lat - grid.lat0) / grid.dlat, 0.0, n_lat - 1.0)
    i0 = np.floor(x).astype(np.int64)
    j0 = np.minimum(np.floor(y).astype(np.int64), n_lat - 2) if n_lat > 1 else np.zeros_like(i0)
    fx = x - i0
    fy = y - j0
    i0 = np.mod(i0, n_lon)
    i1 = np.mod(i0 + 1, n_lon)
    j1 = np.minimum(j0 + 1, n_lat - 1)
    v = grid.values
    out = (
        v[:, j0, i0] * ((1 - fx) * (1 - fy))
        + v[:, j0, i1] * (fx * (1 - fy))
        + v[:, j1, i0] * ((1 - fx) * fy)
        + v[:, j1, i1] * (fx * fy)
    )
    return np.ascontiguousarray(out.T)


def free_cooling_hours(
    monthly_temp_c: FloatArray, *, threshold_c: float, hourly_sd_k: float
) -> FloatArray:
    """Return the expected hours per year at or below ``threshold_c``, from monthly means.

    Parameters
    ----------
    monthly_temp_c
        Shape (n, 12): mean temperature of each month, degC. NaN gives NaN.
    threshold_c
        Outdoor dry-bulb temperature at or below which cooling is free, degC.
    hourly_sd_k
        Standard deviation of hourly temperatures around the monthly mean, K.

    Returns
    -------
    FloatArray
        Shape (n,), hours per year in [0, 8760]:
        ``sum_m hours_in_month_m * Phi((threshold_c - T_m) / hourly_sd_k)``.

    Examples
    --------
    Every month exactly at the threshold: half of all hours, 4380. Every month 5 K below with
    sd 5 K: Phi(1) = 0.841345 of 8760 h = 7370.2 h.

    >>> free_cooling_hours(np.full((1, 12), 18.0), threshold_c=18.0, hourly_sd_k=5.0).tolist()
    [4380.0]
    >>> round(float(free_cooling_hours(np.full((1, 12), 13.0), threshold_c=18.0,
    ...     hourly_sd_k=5.0)[0]), 1)
    7370.2
    """
    share = ndtr((threshold_c - np.asarray(monthly_temp_c, dtype=np.float64)) / hourly_sd_k)
    # np.sum over the month axis, not ``share @ HOURS_IN_MONTH``: BLAS rounds a row differently
    # depending on its position in the batch, and a point's value must not depend on the batch
    # it is sampled with (the dask engine samples partitions and must match the local engine).
    return np.asarray(np.sum(share * HOURS_IN_MONTH, axis=-1), dtype=np.float64)


def pue_from_free_cooling_hours(
    hours: FloatArray, *, pue_free_cooling: float, pue_mechanical: float
) -> FloatArray:
    """Return the estimated PUE: a linear blend by the share of free-cooling hours.

    Examples
    --------
    Half the year on free cooling between 1.15 and 1.50 gives 1.325:

    >>> pue_from_free_cooling_hours(np.array([0.0, 4380.0, 8760.0]),
    ...     pue_free_cooling=1.15, pue_mechanical=1.50).round(4).tolist()
    [1.5, 1.325, 1.15]
    """
    share = np.asarray(hours, dtype=np.float64) / HOURS_PER_YEAR
    return pue_mechanical - (pue_mechanical - pue_free_cooling) * share


@dataclass(frozen=True)
class ClimateLayer:
    """The loaded climate layer (use :func:`load`); ``sample`` is pure compute."""

    grid: MonthlyGrid
    options: ClimateOptions
    sources: tuple[Source, ...] = ()
    name: str = NAME
    attributes: Mapping[str, Attribute] = field(default_factory=lambda: ATTRIBUTES)

    def sample(self, candidates: gpd.GeoDataFrame) -> pd.DataFrame:
        """Return the climate attributes of each candidate (index aligned, NaN = no data)."""
        lon, lat = sample_points(candidates)
        monthly = sample_periodic_bilinear(self.grid, lon, lat)
        hours = free_cooling_hours(
            monthly,
            threshold_c=self.options.free_cooling_threshold_c,
            hourly_sd_k=self.options.hourly_temperature_sd_k,
        )
        columns = {
            "mean_temp_c": np.sum(monthly * DAYS_IN_MONTH, axis=-1) / DAYS_IN_MONTH.sum(),
            "warmest_month_c": monthly.max(axis=1) if monthly.size else np.zeros(0),
            "free_cooling_hours": hours,
            "pue_estimate": pue_from_free_cooling_hours(
                hours,
                pue_free_cooling=self.options.pue_free_cooling,
                pue_mechanical=self.options.pue_mechanical,
            ),
        }
        return pd.DataFrame(
            {attribute_key(NAME, key): value for key, value in columns.items()},
            index=candidates.index,
        )

    def metadata(self) -> dict[str, Any]:  # Any: JSON-serialisable values
        """Return the thresholds and model parameters applied, and the data used."""
        return {
            **{key: getattr(self.options, key) for key in DEFAULT_OPTIONS},
            "free_cooling_method": (
                "hours = sum over months of hours_in_month * Phi((threshold - T_month) / sd), "
                "hourly temperatures normal around the 1981-2010 monthly mean"
            ),
            "pue_method": (
                "pue_mechanical - (pue_mechanical - pue_free_cooling) * free_cooling_hours / 8760"
            ),
            "sampling": "bilinear between 2.5-degree cell centres, longitude periodic",
            "period": "1981-2010 climatology",
            "sources": {
                TEMPERATURE_SOURCE: "used",
                "climate/monthly_cdd.csv": (
                    "not used: licence unclear (no licence file upstream) and country-area "
                    "means do not describe a site"
                ),
            },
            "attribution": _ATTRIBUTION,
        }


def read_monthly_grid(path: Path | str, *, variable: str = NETCDF_VARIABLE) -> MonthlyGrid:
    """Read the 12 monthly fields of a global NetCDF (or GeoTIFF) temperature grid (I/O).

    Parameters
    ----------
    path
        ``air.mon.ltm.nc`` (NetCDF; read through GDAL's netCDF driver) or a 12-band raster.
    variable
        NetCDF variable holding the fields.

    Returns
    -------
    MonthlyGrid
        degC, NaN where the file's missing value or a value outside its valid range is.

    Raises
    ------
    LayerDataError
        If the file cannot be opened, has no 12 monthly bands, is not a global grid of square
        cells whose columns span 360 degrees, or its units are not degC.
    """
    path = Path(path)
    target = f"netcdf:{path}:{variable}" if path.suffix.lower() == ".nc" else str(path)
    try:
        with rasterio.open(target) as dataset:
            tags = dataset.tags(1)
            if dataset.count < 12:
                n_bands = dataset.count
                msg = (
                    f"{str(path)!r}: variable {variable!r} has {n_bands} bands; expected 12 months"
                )
                raise LayerDataError(msg)
            values = dataset.read(list(range(1, 13))).astype(np.float64)
            transform = dataset.transform
            nodata = dataset.nodata
    except RasterioIOError as err:
        msg = f"cannot open {variable!r} in {str(path)!r}: {err}"
        raise LayerDataError(msg) from err
    units = tags.get("units", "degC")
    if units not in ("degC", "C", "Celsius", "degree_Celsius"):
        msg = f"{str(path)!r}: variable {variable!r} has units {units!r}; expected 'degC'"
        raise LayerDataError(msg)
    if transform.b != 0 or transform.d != 0:
        msg = f"{str(path)!r}: grid is rotated ({transform!r}); expected a north-up grid"
        raise LayerDataError(msg)
    n_lon = values.shape[2]
    if not np.isclose(transform.a * n_lon, 360.0):
        msg = f"{str(path)!r}: {n_lon} columns of {transform.a!r} deg do not span 360 degrees"
        raise LayerDataError(msg)
    invalid = ~np.isfinite(values) | (np.abs(values) > 200.0)
    if nodata is not None:
        invalid |= values == nodata
    values[invalid] = np.nan
    return MonthlyGrid(
        values=values,
        lon0=float(transform.c + transform.a / 2.0),
        lat0=float(transform.f + transform.e / 2.0),
        dlon=float(transform.a),
        dlat=float(transform.e),
    )


def load(catalog: Catalog, params: LayerParams) -> ClimateLayer:
    """Read the NCEP monthly temperature grid once and return the ready layer.

    Raises
    ------
    ConfigError
        On an unknown or out-of-range option in ``params.options["climate"]``.
    DataSourceError
        When the file cannot be found.
    LayerDataError
        When the file is not the expected 12-month global grid.
    """
    options = ClimateOptions.from_mapping(params.options.get(NAME, {}))
    grid = read_monthly_grid(catalog.path(TEMPERATURE_SOURCE))
    sources = tuple(catalog.sources_for([TEMPERATURE_SOURCE]))
    return ClimateLayer(grid=grid, options=options, sources=sources)
