"""Tests of the geopolitics layer: sources parsing, distance decay by hand, real named places."""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pyproj
import pytest
import shapely

from layers import geopolitics
from layers._geopolitics_sources import parse_ucdp_events, parse_wgi_stability
from layers.base import LayerParams
from siting.errors import ConfigError, LayerDataError

GEOD = pyproj.Geod(ellps="WGS84")
REPO_ROOT = Path(__file__).resolve().parents[2]


def tiny_countries() -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame(
        {
            "name": ["Aland", "Bland"],
            "iso2": ["NO", "UA"],
            "iso3": ["NOR", "UKR"],
            "is_disputed": [False, False],
        },
        geometry=[shapely.box(-1, -1, 1, 1), shapely.box(9, -1, 11, 1)],
        crs="EPSG:4326",
    )


def tiny_layer(**kwargs) -> geopolitics.GeopoliticsLayer:
    countries = tiny_countries()
    stability = pd.DataFrame(
        {"stability": [0.89, -1.43], "stability_se": [0.22, 0.23], "stability_year": [2023, 2023]},
        index=pd.Index(["NO", "UA"]),
    )
    inform = pd.DataFrame(
        {"risk": [1.4, 6.0], "human": [0.5, 9.0]}, index=pd.Index(["NOR", "UKR"], name="iso3")
    )
    values = geopolitics.build_country_values(countries, stability, inform)
    events = pd.DataFrame(
        {
            "id": [1, 2, 3, 4],
            "date_start": pd.to_datetime(["2020-05-01", "2021-06-01", "2010-01-01", "2020-01-01"]),
            "lon": [0.0, 0.0, 0.0, 10.0],
            "lat": [0.0, 0.0, 0.0, 0.0],
            "best": [10.0, 6.0, 100.0, 1000.0],
            "type_of_violence": [1, 1, 1, 1],
        }
    )
    return geopolitics.GeopoliticsLayer(countries, values, events, **kwargs)


def test_distance_decay_by_hand() -> None:
    layer = tiny_layer()
    # 50 km east of the events at (0, 0) along the equator, by pyproj.Geod (independent)
    lon50, _, _ = GEOD.fwd(0.0, 0.0, 90.0, 50_000.0)
    lon100, _, _ = GEOD.fwd(0.0, 0.0, 90.0, 100_000.0)
    out = layer.sample_lonlat(np.array([lon50, lon100, 0.0]), np.array([0.0, 0.0, 0.0]))
    # window 2014..2023-02 keeps events 1, 2 (10 + 6 fatalities) and 4 (1000, at 10 deg E,
    # ~1113 km away: beyond the 200 km cutoff); event 3 (2010) is outside the window.
    assert out["geopolitics.conflict_exposure"].tolist() == pytest.approx([8.0, 4.0, 16.0])
    assert out["geopolitics.nearest_conflict_km"].tolist() == pytest.approx([50.0, 100.0, 0.0])
    assert out["geopolitics.stability"].tolist() == [0.89, 0.89, 0.89]
    assert out["geopolitics.stability_se"].tolist() == [0.22, 0.22, 0.22]
    assert out["geopolitics.inform_conflict"].tolist() == [0.5, 0.5, 0.5]


def test_window_half_distance_and_offshore() -> None:
    start, end = pd.Timestamp("2021-01-01"), pd.Timestamp("2021-12-31")
    layer = tiny_layer(half_distance_km=25.0, window=(start, end), cutoff_km=2000.0)
    lon50, _, _ = GEOD.fwd(0.0, 0.0, 90.0, 50_000.0)
    out = layer.sample_lonlat(np.array([lon50, 5.0]), np.array([0.0, 0.0]))
    # only event 2 (6 fatalities) in 2021: 6 * 0.5 ** (50 / 25) = 1.5
    assert out["geopolitics.conflict_exposure"].iloc[0] == pytest.approx(1.5)
    # (5, 0) is in no country: country values NaN, distances still measured
    assert np.isnan(out["geopolitics.stability"].iloc[1])
    assert pd.isna(out["geopolitics.stability_year"].iloc[1])
    assert out["geopolitics.nearest_conflict_km"].iloc[1] == pytest.approx(
        GEOD.inv(5.0, 0.0, 0.0, 0.0)[2] / 1000.0
    )
    meta = layer.metadata()
    assert meta["conflict_window"] == ["2021-01-01", "2021-12-31"]
    assert meta["half_distance_km"] == 25.0 and meta["conflict_events"] == 1
    overlay = layer.overlays()["conflict_events"]
    assert overlay["fatalities"].tolist() == [6.0] and overlay.attrs["attribution"]


@pytest.mark.parametrize("n", [1, 4])
def test_sample_geodataframe(n: int) -> None:
    layer = tiny_layer()
    candidates = gpd.GeoDataFrame(
        {"site_id": [f"s{i}" for i in range(n)]},
        geometry=[shapely.Point(10.0, 0.0)] * n,
        crs="EPSG:4326",
        index=pd.Index(range(10, 10 + n)),
    )
    out = layer.sample(candidates)
    assert out.index.equals(candidates.index)
    assert list(out.columns) == [f"geopolitics.{a}" for a in geopolitics.ATTRIBUTES]
    assert out["geopolitics.stability"].tolist() == [-1.43] * n
    assert out["geopolitics.conflict_exposure"].tolist() == pytest.approx([1000.0] * n)


def test_parse_wgi_latest_year_and_codes() -> None:
    wgi = pd.DataFrame(
        {
            "code": ["KSV", "KSV", "ROM", "ANT", "NOR"],
            "countryname": ["Kosovo", "Kosovo", "Romania", "Antilles", "Norway"],
            "year": [2022, 2023, 2023, 2023, 2023],
            "indicator": ["pv", "pv", "pv", "pv", "cc"],
            "estimate": [-0.5, -0.32, 0.6, 0.1, 2.0],
            "stddev": [0.2, 0.23, 0.2, 0.3, 0.1],
        }
    )
    table = parse_wgi_stability(wgi, {"KSV": "XK", "ROM": "RO", "NOR": "NO"}, source="wgi")
    assert table.index.tolist() == ["RO", "XK"]
    assert table.loc["XK"].tolist() == [-0.32, 0.23, 2023]


def test_parse_ucdp_errors() -> None:
    raw = pd.DataFrame(
        {
            "id": [1],
            "year": [2015],
            "type_of_violence": [1],
            "where_prec": [1],
            "latitude": [50.0],
            "longitude": [36.0],
            "date_start": ["3/31/2014 12:00:00 AM"],
            "best": [1],
        }
    )
    with pytest.raises(LayerDataError, match="date_start '3/31/2014 12:00:00 AM' disagrees"):
        parse_ucdp_events(raw, source="ucdp")
    raw["date_start"] = ["31/03/2015 00:00"]
    with pytest.raises(LayerDataError, match="does not parse month-first"):
        parse_ucdp_events(raw, source="ucdp")


def test_options() -> None:
    opts = geopolitics.parse_options(
        LayerParams(options={"geopolitics": {"half_distance_km": 25, "window_start": "2022-02-24"}})
    )
    assert opts["half_distance_km"] == 25.0 and opts["window"][0] == pd.Timestamp("2022-02-24")
    with pytest.raises(ConfigError, match="unknown option 'halflife' for layer 'geopolitics'"):
        geopolitics.parse_options(LayerParams(options={"geopolitics": {"halflife": 5}}))
    with pytest.raises(ConfigError, match="half_distance_km 0 for layer 'geopolitics'"):
        geopolitics.parse_options(LayerParams(options={"geopolitics": {"half_distance_km": 0}}))
    with pytest.raises(ConfigError, match="window_start 'soon'"):
        geopolitics.parse_options(LayerParams(options={"geopolitics": {"window_start": "soon"}}))
    with pytest.raises(ConfigError, match="window_end '2014-01-01' is before"):
        geopolitics.parse_options(
            LayerParams(
                options={"geopolitics": {"window_start": "2020-01-01", "window_end": "2014-01-01"}}
            )
        )


# --- real data ---------------------------------------------------------------------------


@pytest.fixture(scope="module")
def real_layer(mirror) -> geopolitics.GeopoliticsLayer:
    from layers.catalog import Catalog

    return geopolitics.load(Catalog(mirror=mirror, allow_download=False), LayerParams())


@pytest.mark.realdata
def test_real_sources(real_layer) -> None:
    meta = real_layer.metadata()
    # 3,883 events minus 38 with where_prec 6-7, all inside 2014-01-01..2023-02-28
    assert meta["conflict_events"] == 3845
    assert meta["conflict_locations"] == 665
    assert meta["wgi_years"][-1] == 2023


@pytest.mark.realdata
def test_named_cities(real_layer) -> None:
    cities = pd.read_csv(REPO_ROOT / "examples" / "cities30.csv").set_index("site_id")
    candidates = gpd.GeoDataFrame(
        cities, geometry=gpd.points_from_xy(cities["lon"], cities["lat"]), crs="EPSG:4326"
    )
    out = real_layer.sample(candidates)
    assert out.drop(columns="geopolitics.stability_year").notna().all().all()
    # WGI 2024 update, year 2023, indicator pv (wgidataset.csv rows UKRpv2023 etc.)
    assert out.loc["HRK", "geopolitics.stability"] == -1.43
    assert out.loc["HRK", "geopolitics.stability_se"] == 0.23
    assert out.loc["WAW", "geopolitics.stability"] == 0.56
    assert out.loc["OSL", "geopolitics.stability"] == 0.89
    assert out.loc["ZRH", "geopolitics.stability"] == 1.07
    assert out.loc["HRK", "geopolitics.inform_risk"] > out.loc["WAW", "geopolitics.inform_risk"]
    exposure = out["geopolitics.conflict_exposure"]
    assert exposure["HRK"] > 100.0
    assert exposure["OSL"] == 0.0 and exposure["DUB"] == 0.0  # beyond the cutoff: Ukraine only
    nearest = out["geopolitics.nearest_conflict_km"]
    assert nearest["HRK"] < 20.0
    assert nearest["OSL"] > nearest["WAW"] > nearest["HRK"]


@pytest.mark.realdata
def test_cli_sample_gives_every_attribute(mirror, tmp_path, monkeypatch) -> None:
    from click.testing import CliRunner

    from layers import jurisdiction
    from siting.cli import cli

    monkeypatch.setenv("SITING_DATA_MIRROR", str(mirror))
    monkeypatch.setenv("SITING_OFFLINE", "1")
    out = tmp_path / "cities.csv"
    args = ["sample", str(REPO_ROOT / "examples" / "cities30.csv")]
    args += ["--layers", "jurisdiction,geopolitics", "--out", str(out)]
    result = CliRunner().invoke(cli, args, obj={})
    assert result.exit_code == 0, result.output
    table = pd.read_csv(out, keep_default_na=False, na_values=[""]).set_index("site_id")
    assert len(table) == 30
    expected = [f"jurisdiction.{a}" for a in jurisdiction.ATTRIBUTES]
    expected += [f"geopolitics.{a}" for a in geopolitics.ATTRIBUTES]
    assert set(expected) <= set(table.columns)
    always = ["jurisdiction.country", "jurisdiction.gdpr_regime", "jurisdiction.eu_member"]
    always += [f"geopolitics.{a}" for a in geopolitics.ATTRIBUTES]
    assert table[always].notna().all().all()
    assert table.loc["ZRH", "jurisdiction.gdpr_regime"] == "adequacy"
