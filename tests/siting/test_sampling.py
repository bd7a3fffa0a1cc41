"""Tests for siting.sampling: layer orchestration on synthetic layers, attribute resolution."""

from __future__ import annotations

import json
import sys
import types
from pathlib import Path

import geopandas as gpd
import pandas as pd
import pytest
from shapely.geometry import Point, box

from layers.base import Attribute, LayerParams
from layers.catalog import Catalog, Source
from siting.candidates import validate_candidates
from siting.errors import ConfigError, LayerDataError, LayerNotFoundError
from siting.sampling import (
    layers_for_attributes,
    parse_layer_names,
    sample_layers,
    write_samples,
)

SOURCE_A = Source("fake/a.csv", "aa", 1, "CC-BY-4.0", "", "Fake A", "2024")
SOURCE_B = Source("fake/b.csv", "bb", 2, "CC-BY-NC-4.0", "non-commercial", "Fake B", "2023")


class CoordinateLayer:
    """A synthetic layer: one coordinate of each site's representative point, in degrees."""

    def __init__(self, name: str, axis: str, sources: tuple[Source, ...]) -> None:
        self.name = name
        self.axis = axis
        self.attributes = {f"{axis}_deg": Attribute(f"{axis}_deg", "deg", "none", axis)}
        self.sources = sources

    def sample(self, candidates: gpd.GeoDataFrame) -> pd.DataFrame:
        points = candidates.geometry.representative_point()
        values = points.x if self.axis == "lon" else points.y
        return pd.DataFrame(
            {f"{self.name}.{self.axis}_deg": values.to_numpy()}, index=candidates.index
        )

    def metadata(self) -> dict[str, str]:
        return {"axis": self.axis}


def fake_module(name: str, layer: object, calls: list[str]) -> types.ModuleType:
    module = types.ModuleType(f"layers.{name}")
    module.NAME = name
    module.ATTRIBUTES = layer.attributes  # type: ignore[attr-defined]
    module.SOURCES = tuple(s.name for s in layer.sources)  # type: ignore[attr-defined]

    def load(catalog: Catalog, params: LayerParams) -> object:
        calls.append(name)
        return layer

    module.load = load
    return module


@pytest.fixture
def calls(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Register synthetic 'grid' (latitude) and 'power' (longitude) layers; record loads."""
    loaded: list[str] = []
    grid = CoordinateLayer("grid", "lat", (SOURCE_A,))
    power = CoordinateLayer("power", "lon", (SOURCE_A, SOURCE_B))
    monkeypatch.setitem(sys.modules, "layers.grid", fake_module("grid", grid, loaded))
    monkeypatch.setitem(sys.modules, "layers.power", fake_module("power", power, loaded))
    return loaded


@pytest.fixture
def catalog() -> Catalog:
    return Catalog(mirror=None, allow_download=False)


@pytest.fixture
def sites() -> gpd.GeoDataFrame:
    raw = gpd.GeoDataFrame(
        {"site_id": ["FRA", "AMS"]},
        geometry=[Point(8.6821, 50.1109), Point(4.9041, 52.3676)],
        crs="EPSG:4326",
    )
    return validate_candidates(raw)


def test_sample_layers_joins_columns_and_sources(calls, catalog, sites) -> None:
    attrs, meta = sample_layers(
        sites, ["power", "grid", "power"], catalog=catalog, params=LayerParams()
    )
    assert calls == ["power", "grid"]  # each layer loaded once, in the order asked
    assert list(attrs.columns) == ["power.lon_deg", "grid.lat_deg"]
    assert attrs.index.equals(sites.index)
    assert attrs["grid.lat_deg"].tolist() == [50.1109, 52.3676]
    assert attrs["power.lon_deg"].tolist() == [8.6821, 4.9041]
    assert meta["grid"] == {"axis": "lat"} and meta["power"] == {"axis": "lon"}
    assert meta["sources"] == [
        {"name": "fake/a.csv", "licence": "CC-BY-4.0", "licence_flag": "", "attribution": "Fake A",
         "vintage": "2024", "sha256": "aa"},
        {"name": "fake/b.csv", "licence": "CC-BY-NC-4.0", "licence_flag": "non-commercial",
         "attribution": "Fake B", "vintage": "2023", "sha256": "bb"},
    ]  # fmt: skip
    json.dumps(meta)  # JSON-serialisable


def test_polygons_sampled_at_representative_point(calls, catalog) -> None:
    polys = validate_candidates(
        gpd.GeoDataFrame({"site_id": ["sq"]}, geometry=[box(0, 0, 2, 4)], crs=4326)
    )
    attrs, _ = sample_layers(polys, ["grid"], catalog=catalog, params=LayerParams())
    assert 0.0 < attrs["grid.lat_deg"].iloc[0] < 4.0


def test_unknown_layer_fails_before_loading(calls, catalog, sites) -> None:
    with pytest.raises(LayerNotFoundError, match=r"unknown layer 'gird'.*did you mean grid"):
        sample_layers(sites, ["grid", "gird"], catalog=catalog, params=LayerParams())
    assert calls == []


def test_unavailable_layer_module(monkeypatch, catalog, sites) -> None:
    monkeypatch.setitem(sys.modules, "layers.hazards", None)  # import raises ImportError
    with pytest.raises(LayerNotFoundError, match="layer 'hazards' is not available"):
        sample_layers(sites, ["hazards"], catalog=catalog, params=LayerParams())


class Misaligned(CoordinateLayer):
    def sample(self, candidates: gpd.GeoDataFrame) -> pd.DataFrame:
        return super().sample(candidates).reset_index(drop=True).iloc[:1]


class Foreign(CoordinateLayer):
    def sample(self, candidates: gpd.GeoDataFrame) -> pd.DataFrame:
        return super().sample(candidates).rename(columns=lambda c: "lat_deg")


@pytest.mark.parametrize(
    ("cls", "pattern"),
    [(Misaligned, "not aligned to the 2 candidates"), (Foreign, r"columns \['lat_deg'\]")],
)
def test_bad_layer_output(monkeypatch, catalog, sites, cls, pattern) -> None:
    layer = cls("grid", "lat", (SOURCE_A,))
    monkeypatch.setitem(sys.modules, "layers.grid", fake_module("grid", layer, []))
    with pytest.raises(LayerDataError, match=pattern):
        sample_layers(sites, ["grid"], catalog=catalog, params=LayerParams())


def test_parse_layer_names() -> None:
    assert parse_layer_names(" Grid ,power,grid") == ("grid", "power")
    assert parse_layer_names(["all"])[0] == "grid"
    with pytest.raises(LayerNotFoundError, match="no layer named"):
        parse_layer_names(" , ")
    with pytest.raises(LayerNotFoundError, match=r"'geo' \(did you mean geopolitics\?\)"):
        parse_layer_names("geo")


def test_layers_for_attributes(calls) -> None:
    keys = ["power.lon_deg", "site.land_price", "risk.composite", "grid.lat_deg"]
    assert layers_for_attributes(keys) == ["grid", "power"]  # pipeline order
    assert layers_for_attributes(["site.x"]) == []
    with pytest.raises(LayerNotFoundError, match=r"'grid.lat_dg' \(close: grid.lat_deg\)"):
        layers_for_attributes(["grid.lat_dg"])
    with pytest.raises(LayerNotFoundError, match=r"unknown attribute 'foo.bar', 'site'"):
        layers_for_attributes(["foo.bar", "site"])


def test_write_samples_formats(tmp_path: Path, sites) -> None:
    attrs = pd.DataFrame({"grid.lat_deg": [50.1109, 52.3676]}, index=sites.index)
    meta = {"layers": {"grid": {"axis": "lat"}}, "sources": []}
    csv = write_samples(sites, attrs, meta, tmp_path / "s.csv")
    table = pd.read_csv(csv)
    assert table.columns.tolist() == ["site_id", "name", "grid.lat_deg", "geometry"]
    assert table["geometry"].tolist() == ["POINT (8.6821 50.1109)", "POINT (4.9041 52.3676)"]
    assert json.loads((tmp_path / "s.meta.json").read_text()) == meta
    for suffix in (".geojson", ".gpkg"):
        out = write_samples(sites, attrs, meta, tmp_path / f"s{suffix}")
        back = gpd.read_file(out)
        assert back["grid.lat_deg"].tolist() == [50.1109, 52.3676]
        assert back["site_id"].tolist() == ["FRA", "AMS"]
        assert back.geometry.x.tolist() == [8.6821, 4.9041]
    leftovers = [p.name for p in tmp_path.iterdir() if p.name.startswith(".")]
    assert leftovers == []


def test_write_samples_refusals(tmp_path: Path, sites) -> None:
    attrs = pd.DataFrame({"grid.lat_deg": [1.0, 2.0]}, index=sites.index)
    write_samples(sites, attrs, {}, tmp_path / "s.csv")
    with pytest.raises(ConfigError, match=r"s\.csv' exists.*--overwrite"):
        write_samples(sites, attrs, {}, tmp_path / "s.csv")
    write_samples(sites, attrs * 2, {}, tmp_path / "s.csv", overwrite=True)
    assert pd.read_csv(tmp_path / "s.csv")["grid.lat_deg"].tolist() == [2.0, 4.0]
    with pytest.raises(ConfigError, match=r"suffix '\.xlsx'; expected one of \.csv"):
        write_samples(sites, attrs, {}, tmp_path / "s.xlsx")
    with pytest.raises(ConfigError, match="clash"):
        write_samples(sites, sites[["site_id"]], {}, tmp_path / "t.csv")
