"""Tests of result assembly and files (round trips, determinism, atomic writes)."""

from __future__ import annotations

import json
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
from shapely.geometry import Point

from siting.errors import ConfigError
from siting.result import build_result, meta_path, read_result, write_result
from siting.scoring import score
from siting.study import parse_study


@pytest.fixture
def ranked() -> tuple[gpd.GeoDataFrame, dict]:
    candidates = gpd.GeoDataFrame(
        {"site_id": ["a", "b", "c"], "name": ["Alpha", None, "Gamma"]},
        geometry=[Point(10.0, 50.0), Point(11.5, 51.25), Point(12.0, 52.0)],
        crs="EPSG:4326",
    )
    attributes = pd.DataFrame({"site.price": [30.0, 20.0, 90.0], "risk.hazard": [0.1, 0.5, 0.2]})
    study = parse_study(
        {
            "study": {"name": "r", "it_load_mw": 5, "pue": 1.3},
            "constraints": [{"attribute": "site.price", "max": 50}],
            "criteria": [
                {"attribute": "site.price", "name": "price", "better": "lower"},
                {"attribute": "risk.hazard", "name": "hazard", "better": "lower"},
            ],
        }
    )
    scoring = score(attributes, study, site_ids=candidates["site_id"])
    gdf = build_result(candidates, attributes, scoring, scoring.metadata)
    return gdf, scoring.metadata


def test_build_result_schema(ranked: tuple[gpd.GeoDataFrame, dict]) -> None:
    gdf, _ = ranked
    assert list(gdf.columns) == [
        "site_id",
        "name",
        "rank",
        "score",
        "excluded",
        "exclusion_reasons",
        "site.price",
        "risk.hazard",
        "value.price",
        "value.hazard",
        "contrib.price",
        "contrib.hazard",
        "geometry",
    ]
    # a: price 1.0 (min-max over a, b: 30 -> 0, 20 -> 1) hmm: a is worse on price, better hazard
    # a: price value 0, hazard 1 -> 0.5 ; b: price 1, hazard 0 -> 0.5 : tie, both rank 1
    assert gdf["site_id"].tolist() == ["a", "b", "c"]
    assert gdf["rank"].tolist()[:2] == [1, 1]
    assert gdf["rank"].isna().tolist() == [False, False, True]
    assert gdf.crs.to_epsg() == 4326


@pytest.mark.parametrize("suffix", [".geojson", ".csv", ".gpkg"])
def test_round_trip(tmp_path: Path, ranked: tuple[gpd.GeoDataFrame, dict], suffix: str) -> None:
    gdf, meta = ranked
    path = write_result(gdf, meta, tmp_path / f"out{suffix}")
    assert meta_path(path).is_file()
    back, meta_back = read_result(path)
    assert meta_back["weights"] == meta["weights"]
    assert back["site_id"].tolist() == ["a", "b", "c"]
    assert back["rank"].tolist()[:2] == [1, 1] and pd.isna(back["rank"][2])
    assert back["excluded"].tolist() == [False, False, True]
    assert back["exclusion_reasons"].tolist() == [[], [], ["site.price above max 50"]]
    np.testing.assert_allclose(back["score"][:2], gdf["score"][:2])
    assert back.geometry[1].equals(Point(11.5, 51.25))
    assert not list(tmp_path.glob(".*tmp*"))


@pytest.mark.parametrize("suffix", [".geojson", ".csv"])
def test_byte_identical(tmp_path: Path, ranked: tuple[gpd.GeoDataFrame, dict], suffix: str) -> None:
    gdf, meta = ranked
    one = write_result(gdf, meta, tmp_path / f"one{suffix}").read_bytes()
    two = write_result(gdf.copy(), dict(meta), tmp_path / f"two{suffix}").read_bytes()
    assert one == two
    assert (
        meta_path(tmp_path / f"one{suffix}").read_bytes()
        == meta_path(tmp_path / f"two{suffix}").read_bytes()
    )


def test_geojson_has_metadata_member(tmp_path: Path, ranked: tuple[gpd.GeoDataFrame, dict]) -> None:
    gdf, meta = ranked
    doc = json.loads(write_result(gdf, meta, tmp_path / "r.geojson").read_text())
    assert doc["type"] == "FeatureCollection"
    assert doc["metadata"]["method"] == "wsm"
    assert doc["features"][2]["properties"]["score"] is None


def test_bad_suffix(tmp_path: Path, ranked: tuple[gpd.GeoDataFrame, dict]) -> None:
    gdf, meta = ranked
    with pytest.raises(ConfigError, match=r"suffix '.shp'; expected one of"):
        write_result(gdf, meta, tmp_path / "r.shp")
