"""Tests of the power layer: derivations on tiny inputs, bad data, real-data acceptance (mirror)."""

from __future__ import annotations

import json
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
from shapely import Point, box

from layers import _power_sources as ps
from layers import power
from layers.base import LayerParams
from siting.errors import ConfigError, LayerDataError

REPO = Path(__file__).resolve().parents[2]


def _write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


# ---------------------------------------------------------------- derivations (hand values)


BANDS_CSV = (
    "Geopolitical entity (reporting),Consumption 150 000 MWh or over - band IG,"
    "Consumption from 2 000 MWh to 19 999 MWh - band ID,Consumption from 20 000 MWh to 69 999 MWh"
    " - band IE,Consumption from 20 MWh to 499 MWh - band IB,Consumption from 500 MWh to 1 999 "
    "MWh - band IC,Consumption from 70 000 MWh to 149 999 MWh - band IF,Consumption less than 20 "
    "MWh - band IA,Consumption of kWh - all bands\n"
    "Sweden,0.0559,0.0725,0.0598,0.1007,0.0853,0.0589,0.1763,0.0789\n"
    "Estonia,0.0,0.1404,0.1421,0.1598,0.1484,0.1338,0.2177,0.1482\n"
    "Croatia,,0.1979,0.2024,0.2503,0.23,,0.2726,0.2219\n"
    "EU27,0.1176,0.1682,0.1425,0.2228,0.1899,0.1254,0.2864,0.1786\n"
)
TIMESERIES_CSV = (
    "Geopolitical entity (reporting),2020 June,2024 June,2024 December\n"
    "United Kingdom,0.1300,,\n"
    "Iceland,,0.0860,\n"
    "Sweden,0.0500,0.0900,0.0853\n"
)


def test_industrial_price_largest_band_latest_period(tmp_path):
    bands = ps.read_eurostat_bands(_write(tmp_path, "g.csv", BANDS_CSV))
    series = ps.read_eurostat_timeseries(_write(tmp_path, "t.csv", TIMESERIES_CSV))
    prices = ps.latest_industrial_prices(bands, series)
    # SE: band IG 0.0559 EUR/kWh -> 55.9 EUR/MWh; EE: IG is 0 (= not available) -> IF 133.8;
    # HR: IG and IF empty -> IE 202.4; IS: only 2024-S1 band IC -> 86.0; GB: 2020-S1 too old.
    assert prices.loc["SE"].tolist() == [pytest.approx(55.9), "IG", "2024-S2"]
    assert prices.loc["EE"].tolist() == [pytest.approx(133.8), "IF", "2024-S2"]
    assert prices.loc["HR"].tolist() == [pytest.approx(202.4), "IE", "2024-S2"]
    assert prices.loc["IS"].tolist() == [pytest.approx(86.0), "IC", "2024-S1"]
    assert "GB" not in prices.index
    with_old = ps.latest_industrial_prices(bands, series, max_age_semesters=9)
    assert with_old.loc["GB"].tolist() == [pytest.approx(130.0), "IC", "2020-S1"]


def test_eurostat_prices_in_eur_per_mwh_are_rejected(tmp_path):
    text = "Geopolitical entity (reporting),2024 June\nSweden,85.3\n"
    with pytest.raises(LayerDataError, match=r"column '2024 June'.*EUR/kWh"):
        ps.read_eurostat_timeseries(_write(tmp_path, "t.csv", text), file="t.csv")


def test_eurostat_unknown_country_and_bad_header(tmp_path):
    text = "Geopolitical entity (reporting),2024 June\nAtlantis,0.1\n"
    with pytest.raises(LayerDataError, match=r"'Geopolitical entity \(reporting\)'.*'Atlantis'"):
        ps.read_eurostat_timeseries(_write(tmp_path, "t.csv", text))
    text = "Geopolitical entity (reporting),2024 Q2\nSweden,0.1\n"
    with pytest.raises(LayerDataError, match=r"'2024 Q2'.*half-year"):
        ps.read_eurostat_timeseries(_write(tmp_path, "t2.csv", text))
    text = "Country,2024 June\nSweden,0.1\n"
    with pytest.raises(LayerDataError, match=r"t3\.csv: missing column.*Geopolitical entity"):
        ps.read_eurostat_timeseries(_write(tmp_path, "t3.csv", text), file="t3.csv")


def test_ember_latest_full_year_mean(tmp_path):
    rows = ["Country,ISO3 Code,Date,Price (EUR/MWhe)"]
    rows += [f"Sweden,SWE,2024-{m:02d}-01,{10 * m}" for m in range(1, 13)]  # mean 65.0
    rows += ["Sweden,SWE,2025-01-01,500", "Sweden,SWE,2025-02-01,500"]  # incomplete year
    rows += [f"Switzerland,CHE,2023-{m:02d}-01,{m}" for m in range(1, 13)]  # mean 6.5
    monthly = ps.read_ember_monthly(_write(tmp_path, "e.csv", "\n".join(rows) + "\n"))
    means = ps.latest_full_year_means(monthly)
    assert means.loc["SWE"].tolist() == [pytest.approx(65.0), 2024]
    assert means.loc["CHE"].tolist() == [pytest.approx(6.5), 2023]


def test_ember_missing_price_column(tmp_path):
    text = "Country,ISO3 Code,Date,Price (EUR/kWh)\nSweden,SWE,2024-01-01,0.05\n"
    with pytest.raises(LayerDataError, match=r"e\.csv: missing column.*Price \(EUR/MWhe\)"):
        ps.read_ember_monthly(_write(tmp_path, "e.csv", text), file="e.csv")


def test_carbon_json_shape_and_units(tmp_path):
    good = {
        "FRA": {"carbon_intensity": 56.0, "year": 2023},
        "POL": {"carbon_intensity": 662.0, "year": 2023},
    }
    table = ps.read_carbon_intensity(_write(tmp_path, "c.json", json.dumps(good)))
    assert table.loc["FRA", "carbon_g_per_kwh"] == 56.0
    kg = {"FRA": {"carbon_intensity": 0.056e6, "year": 2023}}
    with pytest.raises(LayerDataError, match=r"column 'carbon_intensity'.*gCO2/kWh"):
        ps.read_carbon_intensity(_write(tmp_path, "c2.json", json.dumps(kg)))
    with pytest.raises(LayerDataError, match=r"missing column.*'carbon_intensity'"):
        ps.read_carbon_intensity(_write(tmp_path, "c3.json", json.dumps({"FRA": {"year": 1}})))


def test_dc_demand_growth_and_uk_code(tmp_path):
    text = (
        "study,country_code,unit,twh_2019,twh_2040_distributed_energy,twh_2050_distributed_energy,"
        "twh_2040_global_ambition,twh_2050_global_ambition\n"
        "TYNDP2024,IE,TWh,1.4,19.3,21.4,16.7,18.6\nTYNDP2024,UK,TWh,1.5,2.0,2.1,1.7,1.8\n"
        "TYNDP2024,EU,TWh,76.4,201.3,260.0,178.7,240.1\n"
    )
    demand = ps.read_dc_demand(_write(tmp_path, "d.csv", text))
    growth = ps.dc_demand_growth(demand, scenario="global_ambition_2040")
    assert growth.to_dict() == pytest.approx({"IE": 15.3, "GB": 0.2})
    with pytest.raises(LayerDataError, match=r"column 'unit'.*'GWh'"):
        ps.read_dc_demand(_write(tmp_path, "d2.csv", text.replace("TWh", "GWh")))


# ---------------------------------------------------------------- compute on tiny zones


def _tiny_layer():
    bidding = gpd.GeoDataFrame(
        {"zone": ["AA", "BB_1", "BB_2"], "country": ["AA", "BB", "BB"]},
        geometry=[box(0, 0, 1, 1), box(2, 0, 3, 1), box(3, 0, 4, 1)],
        crs="EPSG:4326",
    )
    fallback = gpd.GeoDataFrame(
        {"em_zone": ["CC"], "zone": ["CC"], "country": ["CC"]},
        geometry=[box(10, 0, 11, 1)],
        crs="EPSG:4326",
    )
    figures = power.country_figures(
        prices=pd.DataFrame(
            {"price_eur_per_mwh": [100.0, 50.0], "band": ["IG", "IF"], "period": ["2024-S2"] * 2},
            index=["AA", "BB"],
        ),
        wholesale=pd.DataFrame({"wholesale_eur_per_mwh": [80.0], "year": [2025]}, index=["AA"]),
        carbon=pd.DataFrame({"carbon_g_per_kwh": [300.0, 20.0], "year": [2023.0, 2022.0]},
                            index=["AA", "CC"]),
        dc_growth=pd.Series({"BB": 34.1}),
    )  # fmt: skip
    return power.PowerLayer(bidding_zones=bidding, fallback_zones=fallback, figures=figures)


def test_tiny_zones_hand_values():
    layer = _tiny_layer()
    points = [Point(0.5, 0.5), Point(3.5, 0.5), Point(10.5, 0.5), Point(1.02, 0.5), Point(1.5, 0.5)]
    out = layer.sample(gpd.GeoDataFrame(geometry=points, crs="EPSG:4326"))
    assert list(out.columns) == [f"power.{k}" for k in power.ATTRIBUTES]
    # (1.02, 0.5) is 2.2 km outside AA (within the 5 km tolerance); (1.5, 0.5) is 55 km from any
    assert out["power.zone"].tolist() == ["AA", "BB_2", "CC", "AA", None]
    assert out["power.country"].tolist() == ["AA", "BB", "CC", "AA", None]
    np.testing.assert_array_equal(
        out["power.price_eur_per_mwh"], [100.0, 50.0, np.nan, 100.0, np.nan]
    )
    assert out["power.price_basis"].tolist() == [
        "country",
        "national_for_zone",
        None,
        "country",
        None,
    ]
    assert out["power.price_band"].tolist() == ["IG", "IF", None, "IG", None]
    np.testing.assert_array_equal(
        out["power.wholesale_eur_per_mwh"], [80.0, np.nan, np.nan, 80.0, np.nan]
    )
    np.testing.assert_array_equal(
        out["power.carbon_g_per_kwh"], [300.0, np.nan, 20.0, 300.0, np.nan]
    )
    np.testing.assert_array_equal(
        out["power.dc_demand_growth_twh"], [np.nan, 34.1, np.nan, np.nan, np.nan]
    )
    meta = layer.metadata()
    assert meta["zones_with_national_price"] == ["BB_1", "BB_2"]
    # reference countries: bidding-zone countries and those with a European figure (CC has only
    # a world-wide carbon figure, so it is not listed as lacking the others)
    assert meta["countries_without_wholesale"] == ["BB"]
    assert meta["countries_without_price"] == []
    assert meta["countries_without_carbon"] == ["BB"]


def test_tiny_zones_scalar_and_empty():
    layer = _tiny_layer()
    assert layer.sample_lonlat(np.array([0.5]), np.array([0.5]))["power.zone"].tolist() == ["AA"]
    assert len(layer.sample_lonlat(np.array([]), np.array([]))) == 0


def test_options_validation():
    with pytest.raises(ConfigError, match=r"dc_demand_scenario 'high'.*distributed_energy_2040"):
        power._options(LayerParams(options={"power": {"dc_demand_scenario": "high"}}))
    with pytest.raises(ConfigError, match=r"unknown option 'zones' for layer 'power'"):
        power._options(LayerParams(options={"power": {"zones": 1}}))


# ---------------------------------------------------------------- real data (mirror)


@pytest.fixture(scope="module")
def real_layer(mirror):
    from layers.catalog import Catalog

    return power.load(Catalog.from_env(), LayerParams())


@pytest.fixture(scope="module")
def cities(mirror):
    frame = pd.read_csv(REPO / "examples" / "cities30.csv")
    return gpd.GeoDataFrame(
        frame, geometry=gpd.points_from_xy(frame["lon"], frame["lat"]), crs="EPSG:4326"
    )


@pytest.mark.realdata
def test_cities30_zones_and_figures(real_layer, cities):
    out = real_layer.sample(cities).set_index(cities["name"])
    assert list(out.columns) == [f"power.{k}" for k in power.ATTRIBUTES]
    zone = out["power.zone"]
    assert zone["Frankfurt"] == "DE_LU" and zone["Lulea"] == "SE_1" and zone["Stockholm"] == "SE_3"
    assert zone["Oslo"] == "NO_1" and zone["Milan"] == "IT_NORD" and zone["Copenhagen"] == "DK_2"
    assert zone["Dublin"] == "IE_SEM" and zone["London"] == "GB" and zone["Istanbul"] == "TR"
    assert out["power.country"]["Dublin"] == "IE"
    assert zone.notna().all()
    price = out["power.price_eur_per_mwh"]
    # Eurostat 2024-S2, largest band: SE IG 0.0559, NO IG 0.0377, FI IF 0.0500, DE IG 0.1390 EUR/kWh
    assert price["Stockholm"] == pytest.approx(55.9)
    assert price["Oslo"] == pytest.approx(37.7)
    assert price["Helsinki"] == pytest.approx(50.0)
    assert price["Berlin"] == pytest.approx(139.0)
    assert max(price["Stockholm"], price["Oslo"], price["Helsinki"]) < price["Berlin"]
    assert out["power.price_basis"]["Lulea"] == "national_for_zone"
    assert out["power.price_basis"]["Berlin"] == "country"
    # GB's last Eurostat figure is 2020-S1 (too old), Switzerland is not in Eurostat: NaN, not 0
    assert np.isnan(price["London"]) and np.isnan(price["Zurich"])
    carbon = out["power.carbon_g_per_kwh"]
    assert carbon["Paris"] == pytest.approx(56.039) and carbon["Warsaw"] == pytest.approx(661.926)
    assert carbon["Paris"] < carbon["Warsaw"]
    assert out["power.wholesale_eur_per_mwh"]["Madrid"] == pytest.approx(67.054, abs=1e-3)
    assert out["power.wholesale_year"]["Madrid"] == 2025
    assert out["power.dc_demand_growth_twh"]["Stockholm"] == pytest.approx(37.2 - 3.1)
    assert np.isnan(out["power.dc_demand_growth_twh"]["Oslo"])  # NO is not in the TYNDP table


@pytest.mark.realdata
def test_derived_files_agree_with_our_derivation(real_layer, mirror):
    """Our derivation from the originals reproduces the catalogue's derived files."""
    derived = pd.read_csv(
        mirror / "ember-wholesale-prices/annual_mean_of_monthly_prices_derived.csv"
    )
    se = derived.loc[(derived["iso3"] == "SWE") & (derived["year"] == 2025), "price_eur_mwh_mean"]
    assert real_layer.figures.loc["SE", "wholesale_eur_per_mwh"] == pytest.approx(
        float(se.iloc[0]), abs=0.01
    )
    long = pd.read_csv(
        mirror / "eurostat-nonhousehold-prices/nrg_pc_205_2024S2_all_bands_xvat_eur_long.csv"
    )
    de_ig = long.loc[(long["geo"] == "DE") & (long["band"] == "IG"), "eur_per_kwh"].iloc[0]
    assert real_layer.figures.loc["DE", "price_eur_per_mwh"] == pytest.approx(de_ig * 1000.0)
    carbon = pd.read_csv(mirror / "carbon-intensity/country_grid_carbon_intensity.csv")
    pl = carbon.loc[carbon["iso_code"] == "POL", "carbon_intensity_gco2_per_kwh"].iloc[0]
    assert real_layer.figures.loc["PL", "carbon_g_per_kwh"] == pytest.approx(pl)


@pytest.mark.realdata
def test_metadata_and_overlays(real_layer):
    meta = real_layer.metadata()
    assert meta["multi_zone_countries"] == ["DK", "IT", "NO", "SE"]
    assert "SE_1" in meta["zones_with_national_price"]
    assert "GB" in meta["countries_without_price"] and "CH" in meta["countries_without_price"]
    assert "GB" in meta["countries_with_only_stale_price"]
    overlay = real_layer.overlays()["bidding_zones"]
    assert overlay.crs.to_epsg() == 4326 and overlay.attrs["attribution"]
    assert {"DE_LU", "SE_1", "GB", "IE_SEM"} <= set(overlay["zone"])
