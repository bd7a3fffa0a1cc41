"""Tests for the connectivity layer: latency model, lattice, aggregation, opt-in, real data."""

from __future__ import annotations

import re
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pyproj
import pytest

from layers import connectivity as conn
from layers.base import LayerParams
from layers.catalog import Catalog
from siting.errors import ConfigError, LayerDataError

REPO = Path(__file__).resolve().parents[2]
GEOD = pyproj.Geod(ellps="WGS84")


def test_radius_for_rtt() -> None:
    # 10 ms round trip = 5 ms one way at 299792.458 * 2/3 km/s = 999.308 km of fibre,
    # / 1.5 route factor = 666.205 km geodesic.
    assert conn.radius_km_for_rtt_ms(10.0, route_factor=1.5) == pytest.approx(666.2055, abs=1e-3)
    assert conn.radius_km_for_rtt_ms(10.0, route_factor=1.0) == pytest.approx(999.3082, abs=1e-3)


def test_bilinear_lattice_weights_and_shared_nodes() -> None:
    lon = np.array([0.1, 0.4, 10.25])
    lat = np.array([0.2, 0.2, -0.25])
    nlon, nlat, idx, w = conn.bilinear_lattice(lon, lat, step_deg=0.5)
    np.testing.assert_allclose(w.sum(axis=1), 1.0)
    # Point 0: fx = 0.2, fy = 0.4 -> weights 0.48, 0.12, 0.32, 0.08.
    np.testing.assert_allclose(w[0], [0.48, 0.12, 0.32, 0.08])
    # Points 0 and 1 share their cell: 4 nodes; point 2 adds 4 more.
    assert len(nlon) == 8
    assert nlon[idx[2]].tolist() == [10.0, 10.5, 10.0, 10.5]
    assert nlat[idx[2]].tolist() == [-0.5, -0.5, 0.0, 0.0]


def test_aggregate_population_offset_bound() -> None:
    lon = np.array([10.0, 10.2, 30.0])
    lat = np.array([50.0, 50.0, 60.0])
    pop = np.array([3.0, 1.0, 5.0])
    c_lon, _, c_pop, offset = conn.aggregate_population(lon, lat, pop, resolution=3)
    assert sorted(c_pop.tolist()) == [4.0, 5.0]
    assert c_pop.sum() == 9.0
    # The pair's centroid lies 3/4 of the way to the heavier city: offsets ~ 3.6 and 10.7 km,
    # weighted mean (3 * 3.58 + 10.73) / 9 ~ 2.38 km; the lone city has offset 0.
    pair = int(np.argmax(c_pop == 4.0))
    assert c_lon[pair] == pytest.approx(10.05, abs=1e-3)
    d_pair = GEOD.inv(10.0, 50.0, 10.2, 50.0)[2] / 1000.0
    assert offset == pytest.approx((3 * d_pair / 4 + 1 * 3 * d_pair / 4) / 9, rel=1e-3)


def test_options_validation() -> None:
    with pytest.raises(
        ConfigError, match="unknown option 'route' for layer 'connectivity'; expected one of"
    ):
        conn.ConnectivityOptions.from_mapping({"route": 1.2})
    with pytest.raises(ConfigError, match=r"'route_factor' = 0.5 must lie in \[1.0, 5.0\]"):
        conn.ConnectivityOptions.from_mapping({"route_factor": 0.5})
    with pytest.raises(ConfigError, match="'lattice_step_deg' = 'x' must be a number"):
        conn.ConnectivityOptions.from_mapping({"lattice_step_deg": "x"})


def test_parse_errors() -> None:
    with pytest.raises(
        LayerDataError, match=re.escape("cities.json: column 'population' not found")
    ):
        conn.parse_cities(
            pd.DataFrame({"countrycode": ["DE"], "latitude": [1.0], "longitude": [2.0]}),
            source="cities.json",
        )
    with pytest.raises(LayerDataError, match=re.escape("row 0 has invalid coordinates lon=200.0")):
        conn.parse_cities(
            pd.DataFrame(
                {"countrycode": ["DE"], "latitude": [1.0], "longitude": [200.0], "population": [1]}
            ),
            source="x",
        )
    with pytest.raises(LayerDataError, match="region 'r1' has coordinates"):
        conn.parse_cloud_regions(
            [{"name": "P", "providerType": "h", "regions": [{"identifier": "r1"}]}], source="dc"
        )
    with pytest.raises(LayerDataError, match="feature 0 has geometry type 'LineString'"):
        conn.parse_point_features(
            {"features": [{"geometry": {"type": "LineString", "coordinates": []}}]},
            source="f",
            keep=(),
        )


def test_cloud_regions_swap_lat_lon() -> None:
    records = [
        {
            "name": "Amazon",
            "providerType": "hyperscaler",
            "regions": [
                {"identifier": "eu-central-1", "countryId": "DE", "coordinates": [50.1, 8.7]}
            ],
        }
    ]
    frame = conn.parse_cloud_regions(records, source="dc")
    assert (frame.loc[0, "lon"], frame.loc[0, "lat"]) == (8.7, 50.1)


def test_opt_in_rule() -> None:
    assert conn.is_opted_in(conn.IXP_SOURCE, frozenset({"non-commercial"}))
    assert conn.is_opted_in(conn.IXP_SOURCE, frozenset({conn.IXP_SOURCE}))
    assert not conn.is_opted_in(conn.IXP_SOURCE, frozenset({conn.CABLE_LANDING_SOURCE}))


# ---------------------------------------------------------------------------- real data


def _cities30() -> gpd.GeoDataFrame:
    frame = pd.read_csv(REPO / "examples" / "cities30.csv")
    return gpd.GeoDataFrame(frame, geometry=gpd.points_from_xy(frame.lon, frame.lat), crs=4326)


@pytest.fixture(scope="module")
def default_layer(mirror) -> conn.ConnectivityLayer:
    return conn.load(Catalog.from_env(), LayerParams())


def test_real_named_places(default_layer) -> None:
    cities = _cities30()
    out = default_layer.sample(cities).set_axis(cities["name"])
    within = out["connectivity.population_within_10ms"]
    latency = out["connectivity.latency_ms_to_population"]
    assert within["Frankfurt"] > within["Reykjavik"]
    assert latency["Frankfurt"] < latency["Reykjavik"]
    # Frankfurt has an AWS/Azure/GCP region: distance 0 (same city coordinates) or a few km.
    assert out["connectivity.cloud_region_distance_km"]["Frankfurt"] < 20.0
    # Not opted in: NaN, and the metadata says why.
    assert out["connectivity.ixp_distance_km"].isna().all()
    assert out["connectivity.cable_landing_distance_km"].isna().all()
    notes = default_layer.metadata()["sources"]
    assert notes[conn.IXP_SOURCE].startswith("not opted in")
    assert notes[conn.CABLE_LANDING_SOURCE].startswith("not opted in")
    assert "ixp_buildings" not in default_layer.overlays()


def test_real_latency_against_exact_all_pairs(default_layer) -> None:
    # Exact reference: every market city, pyproj geodesic from the point itself.
    rng = np.random.default_rng(7)
    lon = rng.uniform(-10.0, 30.0, 60)
    lat = rng.uniform(36.0, 68.0, 60)
    cities = default_layer.cities
    _, _, d_m = GEOD.inv(
        np.repeat(lon, len(cities)),
        np.repeat(lat, len(cities)),
        np.tile(cities["lon"].to_numpy(), lon.size),
        np.tile(cities["lat"].to_numpy(), lon.size),
    )
    d_km = d_m.reshape(lon.size, len(cities)) / 1000.0
    pop = cities["population"].to_numpy()
    exact_ms = 2.0 * 1.5 * (d_km @ pop / pop.sum()) / (299_792.458 / 1000.0 * 2.0 / 3.0)
    exact_within = (d_km <= 666.2054622) @ pop
    got = default_layer.sample(gpd.GeoDataFrame(geometry=gpd.points_from_xy(lon, lat), crs=4326))
    latency_err = np.abs(got["connectivity.latency_ms_to_population"].to_numpy() - exact_ms)
    assert latency_err.max() < 0.05
    within_err = np.abs(got["connectivity.population_within_10ms"].to_numpy() - exact_within)
    assert within_err.mean() / exact_within.mean() < 0.03


def test_real_opt_in_reads_telegeography(mirror) -> None:
    params = LayerParams(opt_in=frozenset({"non-commercial"}))
    layer = conn.load(Catalog.from_env(opt_in={"non-commercial"}), params)
    cities = _cities30()
    out = layer.sample(cities).set_axis(cities["name"])
    assert out["connectivity.ixp_distance_km"]["Frankfurt"] < 5.0  # DE-CIX Frankfurt
    assert out["connectivity.cable_landing_distance_km"]["Marseille"] < 5.0
    assert out["connectivity.cable_landing_distance_km"]["Prague"] > 300.0
    assert out.notna().all().all()
    assert set(layer.overlays()) == {"cloud_regions", "ixp_buildings", "cable_landings"}
    assert layer.metadata()["sources"][conn.IXP_SOURCE] == "used (opted in)"


def test_real_empty_market_gives_nan(mirror) -> None:
    layer = conn.load(Catalog.from_env(), LayerParams(market=("ZZ",)))
    out = layer.sample(_cities30())
    assert out["connectivity.latency_ms_to_population"].isna().all()
    assert "no city in market" in layer.metadata()["sources"][conn.CITIES_SOURCE]
