"""Tests for the hazards layer: quake parsing, max magnitude within a radius, real data."""

from __future__ import annotations

import re
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pyproj
import pytest

from layers import hazards
from layers.base import LayerParams
from layers.catalog import Catalog
from layers.nearest import NearestIndex
from siting.errors import ConfigError, LayerDataError

REPO = Path(__file__).resolve().parents[2]
GEOD = pyproj.Geod(ellps="WGS84")


def _raw(**overrides) -> pd.DataFrame:
    data = {
        "time": ["2014-05-24T09:25:02.000Z", "2015-01-01T00:00:00.000Z", "2016-01-01T00:00:00Z"],
        "latitude": [40.3, 10.0, 0.0],
        "longitude": [25.4, 20.0, 0.0],
        "mag": [6.9, 4.9, 5.0],
        "type": ["earthquake", "earthquake", "nuclear explosion"],
        "id": ["a", "b", "c"],
        "place": ["North Aegean Sea", "x", "y"],
    }
    data.update(overrides)
    return pd.DataFrame(data)


def test_parse_keeps_earthquakes_of_m5() -> None:
    frame = hazards.parse_quakes(_raw(), source="q.csv")
    assert frame["id"].tolist() == ["a"]
    assert frame.loc[0, "mag"] == 6.9
    assert frame.loc[0, "time"] == pd.Timestamp("2014-05-24T09:25:02Z")


def test_parse_errors() -> None:
    with pytest.raises(LayerDataError, match=re.escape("q.csv: column 'mag' not found")):
        hazards.parse_quakes(_raw().drop(columns=["mag"]), source="q.csv")
    with pytest.raises(LayerDataError, match="column 'latitude' value 'north' is not a number"):
        hazards.parse_quakes(_raw(latitude=["north", 1.0, 2.0]), source="q.csv")
    with pytest.raises(LayerDataError, match=re.escape("event 'a' has lon=190.0")):
        hazards.parse_quakes(_raw(longitude=[190.0, 1.0, 2.0]), source="q.csv")


@pytest.mark.parametrize("n", [1, 3])
def test_max_magnitude_within_radius(n) -> None:
    # Events due north of (10, 45) at 99 km (M6.1) and 101 km (M7.0) and one at the point (M5.2).
    lon99, lat99, _ = GEOD.fwd(10.0, 45.0, 0.0, 99_000.0)
    lon101, lat101, _ = GEOD.fwd(10.0, 45.0, 0.0, 101_000.0)
    ev_lon = np.array([lon99, lon101, 10.0])
    ev_lat = np.array([lat99, lat101, 45.0])
    mags = np.array([6.1, 7.0, 5.2])
    index = NearestIndex(ev_lon, ev_lat)
    lon = np.full(n, 10.0)
    lat = np.full(n, 45.0)
    got = hazards.max_magnitude_within(index, ev_lon, ev_lat, mags, lon, lat, radius_km=100.0)
    np.testing.assert_allclose(got, np.full(n, 6.1))
    far = hazards.max_magnitude_within(
        index, ev_lon, ev_lat, mags, np.array([-120.0]), np.array([0.0]), radius_km=100.0
    )
    assert far.tolist() == [0.0]


def test_options_validation(mirror) -> None:
    with pytest.raises(
        ConfigError,
        match="unknown option 'radius' for layer 'hazards'; expected one of coast_tolerance_km",
    ):
        hazards.load(Catalog.from_env(), LayerParams(options={"hazards": {"radius": 5}}))


# ---------------------------------------------------------------------------- real data


@pytest.fixture(scope="module")
def real_layer(mirror) -> hazards.HazardsLayer:
    return hazards.load(Catalog.from_env(), LayerParams())


def test_real_named_places(real_layer) -> None:
    frame = pd.read_csv(REPO / "examples" / "cities30.csv")
    cities = gpd.GeoDataFrame(frame, geometry=gpd.points_from_xy(frame.lon, frame.lat), crs=4326)
    out = real_layer.sample(cities).set_axis(frame["name"])
    count = out["hazards.quakes_m5_within_100km"]
    max_mag = out["hazards.max_magnitude_within_100km"]
    for city in ("Athens", "Istanbul"):
        assert count[city] > count["Berlin"] or max_mag[city] > max_mag["Berlin"]
        assert max_mag[city] >= 6.0
    assert count["Berlin"] == 0 and max_mag["Berlin"] == 0.0
    # 1999-08-17 Izmit earthquake, M7.6, about 90 km east of Istanbul.
    assert max_mag["Istanbul"] == pytest.approx(7.6)
    # INFORM 2025 earthquake component, read by hand from the workbook: GRC 8.1, TUR 9.3, DEU 3.7.
    assert out["hazards.inform_earthquake"]["Athens"] == 8.1
    assert out["hazards.inform_earthquake"]["Istanbul"] == 9.3
    assert out["hazards.inform_earthquake"]["Berlin"] == 3.7
    assert out["hazards.inform_natural"].notna().all()


def test_real_offshore_is_nan(real_layer) -> None:
    sea = gpd.GeoDataFrame(geometry=gpd.points_from_xy([-30.0], [45.0]), crs=4326)
    out = real_layer.sample(sea)
    assert np.isnan(out["hazards.inform_natural"].iloc[0])


def test_real_metadata_and_overlay(real_layer) -> None:
    meta = real_layer.metadata()
    assert meta["m5_count_window"][0].startswith("2013-01-01")
    assert meta["m5_count_window"][1].startswith("2023-11-04")
    assert meta["events"] == 30645  # the staged merged file has 30,645 events
    quakes = real_layer.overlays()["earthquakes_m5"]
    assert quakes.crs.to_epsg() == 4326
    assert (quakes["mag"] >= 5.0).all()
    assert "ComCat" in quakes.attrs["attribution"]
