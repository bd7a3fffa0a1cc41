"""Tests of the jurisdiction layer: fact table, synthetic countries, real named places."""

from __future__ import annotations

import re
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pyproj
import pytest
import shapely

from layers import jurisdiction
from layers._jurisdiction_countries import FACTS_PATH, read_country_facts
from layers.base import EU_EEA_COUNTRIES, LayerParams
from siting.errors import ConfigError, LayerDataError

GEOD = pyproj.Geod(ellps="WGS84")
REPO_ROOT = Path(__file__).resolve().parents[2]


def square(x0: float, y0: float, size: float = 1.0) -> shapely.Polygon:
    return shapely.box(x0, y0, x0 + size, y0 + size)


def tiny_countries() -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame(
        {
            "name": ["Switzerland", "Ireland", "Disputed land", "Zedland"],
            "iso2": ["CH", "IE", None, "ZZ"],
            "iso3": ["CHE", "IRL", None, "ZZZ"],
            "is_disputed": [False, False, True, False],
        },
        geometry=[square(0, 0), square(2, 0), square(4, 0), square(6, 0)],
        crs="EPSG:4326",
    )


@pytest.fixture(scope="module")
def layer() -> jurisdiction.JurisdictionLayer:
    return jurisdiction.JurisdictionLayer(tiny_countries(), read_country_facts())


# --- the fact table ----------------------------------------------------------------------


def test_fact_table_rows_cite_source_and_date() -> None:
    facts = read_country_facts()
    assert facts["source"].notna().all()
    assert facts["checked"].map(lambda d: bool(re.fullmatch(r"\d{4}-\d{2}-\d{2}", d))).all()
    assert facts["source"].str.contains("https://").all()


def test_fact_table_membership_and_regimes() -> None:
    facts = read_country_facts()
    eea = set(facts.index[facts["eea_member"].fillna(False).to_numpy(dtype=bool)])
    assert eea == set(EU_EEA_COUNTRIES) | {"AX"}  # Aland is part of Finland
    assert set(facts.index[facts["gdpr_regime"] == "eea"]) == eea
    assert facts.loc["CH", "gdpr_regime"] == "adequacy"
    assert facts.loc["GB", "gdpr_regime"] == "adequacy"
    assert facts.loc["US", "gdpr_regime"] == "adequacy_partial"
    assert facts.loc[["TR", "RS", "UA", "RU"], "gdpr_regime"].tolist() == ["third_country"] * 4
    sanctioned = set(facts.index[facts["sanctioned"].fillna(False).to_numpy(dtype=bool)])
    assert sanctioned == {"RU", "BY", "IR", "KP"}
    for code in ("TR", "UA", "RU", "BY", "MD", "GE", "AM", "AZ", "IL", "US", "CA", "JP", "KR"):
        assert code in facts.index
    assert "242-FZ" in facts.loc["RU", "data_localisation"]
    assert "CLOUD Act" in facts.loc["US", "government_access"]


def test_fact_table_errors(tmp_path) -> None:
    frame = pd.read_csv(FACTS_PATH, dtype=str, keep_default_na=False)
    bad = frame.copy()
    bad.loc[bad["iso2"] == "CH", "gdpr_regime"] = "adequate"
    bad.to_csv(tmp_path / "bad.csv", index=False)
    with pytest.raises(LayerDataError, match="gdpr_regime 'adequate'; expected one of eea"):
        read_country_facts(tmp_path / "bad.csv")
    frame.drop(columns="sanctioned").to_csv(tmp_path / "short.csv", index=False)
    with pytest.raises(LayerDataError, match="missing column 'sanctioned'"):
        read_country_facts(tmp_path / "short.csv")
    frame[frame["iso2"] != "NO"].to_csv(tmp_path / "no_norway.csv", index=False)
    with pytest.raises(LayerDataError, match="country 'NO' missing; expected every EEA"):
        jurisdiction.JurisdictionLayer(
            tiny_countries(), read_country_facts(tmp_path / "no_norway.csv")
        )


@pytest.mark.realdata
def test_fact_table_agrees_with_shared_compilation(mirror) -> None:
    """Take-over check against ../shared/data/sovereignty (read here only, never at run time)."""
    ours = read_country_facts()
    shared = pd.read_csv(
        mirror / "sovereignty/jurisdiction_membership.csv", keep_default_na=False, na_values=[""]
    ).set_index("iso2")
    common = ours.index.intersection(shared.index).drop("AX")  # shared table: Aland not EU
    for column in ("eu_member", "eea_member"):
        theirs = shared.loc[common, column].astype(str) == "True"
        assert (ours.loc[common, column].to_numpy(dtype=bool) == theirs.to_numpy()).all(), column
    decisions = pd.read_csv(
        mirror / "sovereignty/gdpr_adequacy_decisions.csv", keep_default_na=False, na_values=[""]
    )
    in_force = set(decisions.loc[decisions["status"] == "in force", "iso2"])
    adequacy = set(ours.index[ours["gdpr_regime"].isin(["adequacy", "adequacy_partial"])])
    assert adequacy == in_force | {"BR"}  # Brazil: decision (EU) 2026/179, adopted 2026-01-26
    partial = {"CA", "JP", "US"}
    assert set(ours.index[ours["gdpr_regime"] == "adequacy_partial"]) == partial


# --- the layer on synthetic countries ---------------------------------------------------


def test_sample_synthetic(layer) -> None:
    near_lon, _, _ = GEOD.fwd(3.0, 0.5, 90.0, 4_000.0)  # 4 km east of Ireland's square
    far_lon, _, _ = GEOD.fwd(3.0, 0.5, 90.0, 6_000.0)  # 6 km east: beyond 5 km tolerance
    lon = np.array([0.5, 2.5, near_lon, far_lon, 4.5, 6.5])
    lat = np.full(6, 0.5)
    out = layer.sample_lonlat(lon, lat, pd.Index(list("abcdef")))
    assert list(out.columns) == [f"jurisdiction.{a}" for a in jurisdiction.ATTRIBUTES]
    assert out["jurisdiction.country"].tolist() == ["CH", "IE", "IE", None, None, "ZZ"]
    assert out["jurisdiction.gdpr_regime"].tolist() == [
        "adequacy",
        "eea",
        "eea",
        "high_seas",
        "disputed",
        "third_country",
    ]
    eu = out["jurisdiction.eu_member"]
    assert eu.dtype == "boolean"
    assert eu.iloc[[0, 1, 5]].tolist() == [False, True, False]
    assert eu.iloc[[3, 4]].isna().all()
    assert out["jurisdiction.sanctioned"].iloc[0] == False  # noqa: E712 (nullable boolean)
    assert pd.isna(out["jurisdiction.sanctioned"].iloc[5])  # Zedland: not compiled
    assert out["jurisdiction.adequacy_scope"].iloc[0] == "full"
    assert out["jurisdiction.adequacy_decision"].iloc[0].startswith("2000/518/EC")
    assert out["jurisdiction.adequacy_scope"].iloc[1] is None


@pytest.mark.parametrize("n", [1, 3])
def test_sample_geodataframe(layer, n: int) -> None:
    candidates = gpd.GeoDataFrame(
        {"site_id": [f"s{i}" for i in range(n)]},
        geometry=[shapely.Point(0.5, 0.5)] * n,
        crs="EPSG:4326",
    )
    out = layer.sample(candidates)
    assert out.index.equals(candidates.index)
    assert out["jurisdiction.country"].tolist() == ["CH"] * n


def test_metadata_and_overlays(layer) -> None:
    meta = layer.metadata()
    assert meta["sentinels"]["offshore"] == {"country": None, "gdpr_regime": "high_seas"}
    assert meta["countries_without_compiled_facts"] == ["ZZ"]
    assert meta["coast_tolerance_km"] == 5.0
    overlay = layer.overlays()["gdpr_regime"]
    assert overlay.crs.to_epsg() == 4326 and overlay.attrs["attribution"]
    assert overlay["gdpr_regime"].tolist() == ["adequacy", "eea", "disputed", "third_country"]


def test_options() -> None:
    params = LayerParams(options={"jurisdiction": {"coast_tolerance_km": 2}})
    assert jurisdiction._options(params) == {"coast_tolerance_km": 2.0}
    with pytest.raises(ConfigError, match="unknown option 'tolerance' for layer 'jurisdiction'"):
        jurisdiction._options(LayerParams(options={"jurisdiction": {"tolerance": 1}}))
    with pytest.raises(ConfigError, match="coast_tolerance_km -1"):
        jurisdiction._options(LayerParams(options={"jurisdiction": {"coast_tolerance_km": -1}}))


# --- real data ---------------------------------------------------------------------------


@pytest.fixture(scope="module")
def real_layer(mirror) -> jurisdiction.JurisdictionLayer:
    from layers.catalog import Catalog

    return jurisdiction.load(Catalog(mirror=mirror, allow_download=False), LayerParams())


@pytest.mark.realdata
def test_named_cities(real_layer) -> None:
    cities = pd.read_csv(REPO_ROOT / "examples" / "cities30.csv").set_index("site_id")
    candidates = gpd.GeoDataFrame(
        cities, geometry=gpd.points_from_xy(cities["lon"], cities["lat"]), crs="EPSG:4326"
    )
    out = real_layer.sample(candidates)
    assert out.notna().all().loc[["jurisdiction.country", "jurisdiction.gdpr_regime"]].all()
    regime = out["jurisdiction.gdpr_regime"]
    assert regime["ZRH"] == "adequacy"
    assert regime["DUB"] == "eea"
    assert regime["IST"] == "third_country"
    assert regime["BEG"] == "third_country"
    assert regime["LON"] == "adequacy"
    assert regime["OSL"] == "eea" and not out.loc["OSL", "jurisdiction.eu_member"]
    assert out.loc["HRK", "jurisdiction.country"] == "UA"
    assert out.loc["MRS", "jurisdiction.country"] == "FR"  # coastal city
    assert out.loc["REK", "jurisdiction.country"] == "IS"
    assert out["jurisdiction.eu_member"].sum() == 23


@pytest.mark.realdata
def test_real_offshore_kosovo_and_coast(real_layer) -> None:
    lon = np.array([-30.0, 21.1655, 5.30])  # mid-Atlantic, Pristina, Marseille harbour entrance
    lat = np.array([45.0, 42.6629, 43.28])
    out = real_layer.sample_lonlat(lon, lat)
    assert out["jurisdiction.country"].tolist() == [None, "XK", "FR"]
    assert out["jurisdiction.gdpr_regime"].tolist() == ["high_seas", "third_country", "eea"]
