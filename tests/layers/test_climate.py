"""Tests for the climate layer: free-cooling model, PUE model, bilinear sampling, real data."""

from __future__ import annotations

import re

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import rasterio
from affine import Affine
from scipy.interpolate import RegularGridInterpolator

from layers import climate
from layers.base import LayerParams
from layers.catalog import Catalog
from siting.errors import ConfigError, LayerDataError

EXAMPLES = "examples/cities30.csv"


@pytest.fixture(params=[1, 3], ids=["one", "many"])
def n_points(request) -> int:
    return request.param


def test_free_cooling_hours_hand_computed(n_points) -> None:
    # Jan, Mar, May, Jul, Sep, Nov at 8 degC and the other months at 28 degC, threshold 18,
    # sd 5: Phi(2) = 0.9772498681 of the cold months' hours, Phi(-2) of the warm months'.
    monthly = np.tile(np.array([8.0, 28.0] * 6), (n_points, 1))
    hours = climate.free_cooling_hours(monthly, threshold_c=18.0, hourly_sd_k=5.0)
    days = np.array([31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31])
    cold_hours = 24 * days[0::2].sum()  # Jan Mar May Jul Sep Nov = 184 days
    warm_hours = 24 * days[1::2].sum()  # 181 days
    expected = cold_hours * 0.9772498681 + warm_hours * 0.0227501319
    assert cold_hours == 4416 and warm_hours == 4344
    np.testing.assert_allclose(hours, np.full(n_points, expected), rtol=1e-9)


def test_free_cooling_limits_and_nan() -> None:
    monthly = np.array([[-40.0] * 12, [60.0] * 12, [np.nan] + [0.0] * 11])
    hours = climate.free_cooling_hours(monthly, threshold_c=18.0, hourly_sd_k=5.0)
    assert hours[0] == pytest.approx(8760.0)
    assert hours[1] == pytest.approx(0.0, abs=1e-9)
    assert np.isnan(hours[2])


def test_pue_blend() -> None:
    pue = climate.pue_from_free_cooling_hours(
        np.array([2190.0, np.nan]), pue_free_cooling=1.1, pue_mechanical=1.5
    )
    assert pue[0] == pytest.approx(1.5 - 0.4 * 0.25)
    assert np.isnan(pue[1])


def test_bilinear_wraps_the_dateline_and_holds_poles() -> None:
    # 4 columns of 90 deg centred at -135, -45, 45, 135; 2 rows centred at 45 N and 45 S.
    values = np.array([[[0.0, 10.0, 20.0, 30.0], [100.0, 110.0, 120.0, 130.0]]])
    grid = climate.MonthlyGrid(values, lon0=-135.0, lat0=45.0, dlon=90.0, dlat=-90.0)
    lon = np.array([-135.0, -90.0, 180.0, -180.0, 0.0, 0.0])
    lat = np.array([45.0, 45.0, 45.0, 0.0, 90.0, -90.0])
    got = climate.sample_periodic_bilinear(grid, lon, lat)[:, 0]
    # (-90, 45): between 0 and 10 -> 5; (180, 45): between 30 and 0 -> 15;
    # (-180, 0): mean of 30, 0, 130, 100 -> 65; poles hold their row:
    # (0, 90) -> 15, (0, -90) -> 115.
    np.testing.assert_allclose(got, [0.0, 5.0, 15.0, 65.0, 15.0, 115.0])


def test_options_validation() -> None:
    with pytest.raises(
        ConfigError, match="unknown option 'treshold' for layer 'climate'; expected one of"
    ):
        climate.ClimateOptions.from_mapping({"treshold": 1})
    with pytest.raises(ConfigError, match="'hourly_temperature_sd_k' = 0 must be a number"):
        climate.ClimateOptions.from_mapping({"hourly_temperature_sd_k": 0})
    with pytest.raises(ConfigError, match=re.escape("'pue_free_cooling' = 1.6 must not exceed")):
        climate.ClimateOptions.from_mapping({"pue_free_cooling": 1.6})


def test_read_rejects_non_global_grid(tmp_path) -> None:
    path = tmp_path / "small.tif"
    profile = {
        "driver": "GTiff", "width": 4, "height": 3, "count": 12, "dtype": "float32",
        "crs": "EPSG:4326", "transform": Affine(1.0, 0.0, 0.0, 0.0, -1.0, 10.0),
    }  # fmt: skip
    with rasterio.open(path, "w", **profile) as dst:
        dst.write(np.zeros((12, 3, 4), dtype=np.float32))
    with pytest.raises(
        LayerDataError, match=re.escape("4 columns of 1.0 deg do not span 360 degrees")
    ):
        climate.read_monthly_grid(path)


def test_read_rejects_too_few_bands(tmp_path) -> None:
    path = tmp_path / "two.tif"
    profile = {
        "driver": "GTiff", "width": 4, "height": 2, "count": 2, "dtype": "float32",
        "crs": "EPSG:4326", "transform": Affine(90.0, 0.0, -180.0, 0.0, -90.0, 90.0),
    }  # fmt: skip
    with rasterio.open(path, "w", **profile) as dst:
        dst.write(np.zeros((2, 2, 4), dtype=np.float32))
    with pytest.raises(LayerDataError, match="has 2 bands; expected 12 months"):
        climate.read_monthly_grid(path)


def _cities(root) -> gpd.GeoDataFrame:
    frame = pd.read_csv(root / EXAMPLES)
    return gpd.GeoDataFrame(frame, geometry=gpd.points_from_xy(frame.lon, frame.lat), crs=4326)


@pytest.fixture(scope="module")
def real_layer(mirror) -> climate.ClimateLayer:
    return climate.load(Catalog.from_env(), LayerParams())


def test_real_named_places(real_layer, mirror) -> None:
    from pathlib import Path

    cities = _cities(Path(__file__).resolve().parents[2])
    out = real_layer.sample(cities).set_axis(cities["name"])
    hours = out["climate.free_cooling_hours"]
    assert hours["Stockholm"] > hours["Madrid"]
    assert hours["Lulea"] > hours["Athens"]
    assert out["climate.warmest_month_c"]["Athens"] > out["climate.warmest_month_c"]["Reykjavik"]
    assert out["climate.pue_estimate"]["Stockholm"] < out["climate.pue_estimate"]["Madrid"]
    assert out.notna().all().all()
    assert list(out.columns) == [f"climate.{a}" for a in climate.ATTRIBUTES]


def test_real_bilinear_matches_independent_interpolator(real_layer, mirror) -> None:
    # The staged GeoTIFF (derived from the same NetCDF) read with rasterio, interpolated with
    # scipy's RegularGridInterpolator: an independent path to the same monthly values.
    tif = mirror / "climate" / "ncep_r1_air_sig995_ltm_1981_2010_2p5deg.tif"
    with rasterio.open(tif) as src:
        bands = src.read(list(range(1, 13))).astype(np.float64)
    lats = 90.0 - 2.5 * np.arange(73)
    lons = -180.0 + 2.5 * np.arange(144)
    lon = np.array([8.6821, -3.7038, 18.0686, 23.7275, 12.34, -21.94])
    lat = np.array([50.1109, 40.4168, 59.3293, 37.9838, 45.67, 64.15])
    expected = np.column_stack(
        [
            RegularGridInterpolator((lats[::-1], lons), band[::-1], method="linear")(
                np.column_stack((lat, lon))
            )
            for band in bands
        ]
    )
    got = climate.sample_periodic_bilinear(real_layer.grid, lon, lat)
    np.testing.assert_allclose(got, expected, atol=1e-4)


def test_real_metadata_says_cdd_not_used(real_layer) -> None:
    meta = real_layer.metadata()
    assert meta["free_cooling_threshold_c"] == 18.0
    assert meta["sources"]["climate/monthly_cdd.csv"].startswith("not used")
