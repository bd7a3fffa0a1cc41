"""Tests for `siting layers list|show` through click's CliRunner."""

from __future__ import annotations

import json
import sys
import types
from pathlib import Path

import pytest
from click.testing import CliRunner

from layers import registry
from layers.base import Attribute
from siting.cli import cli

DISTANCE = Attribute(
    "substation_distance_km", "km", "lower", "Geodesic distance to the nearest substation.",
    sources=("entsoe-gridkit/buses.csv",),
)  # fmt: skip
PRICE = Attribute("price_eur_per_mwh", "EUR/MWh", "lower", "Industrial price.")


@pytest.fixture
def fake_layers(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """'grid' with one real catalogue source and one unknown; 'power' fine; 'hazards' missing."""
    monkeypatch.delenv("SITING_DATA_MIRROR", raising=False)
    monkeypatch.setenv("SITING_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.setenv("SITING_OFFLINE", "1")
    grid = types.ModuleType("layers.grid")
    grid.NAME = "grid"
    grid.ATTRIBUTES = {DISTANCE.name: DISTANCE}
    grid.SOURCES = ("ne/upstream/ne_50m_admin_0_countries.geojson", "nowhere/x.csv")
    power = types.ModuleType("layers.power")
    power.NAME = "power"
    power.ATTRIBUTES = {PRICE.name: PRICE}
    power.SOURCES = ()
    monkeypatch.setitem(sys.modules, "layers.grid", grid)
    monkeypatch.setitem(sys.modules, "layers.power", power)
    monkeypatch.setitem(sys.modules, "layers.hazards", None)  # import raises ImportError


def run(*args: str) -> object:
    return CliRunner().invoke(cli, list(args), obj={})


def test_list_text(fake_layers) -> None:
    result = run("layers", "list")
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert "grid:" in lines
    assert (
        "  grid.substation_distance_km  [km] better=lower  "
        "Geodesic distance to the nearest substation."
    ) in lines
    assert "  power.price_eur_per_mwh  [EUR/MWh] better=lower  Industrial price." in lines
    assert any(line.startswith("hazards: unavailable (") for line in lines)
    assert lines[-1].startswith("site.<column>:")


def test_list_json(fake_layers) -> None:
    result = run("layers", "list", "--json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert list(data["layers"]) == sorted(registry.BUILTIN_LAYERS)  # sort_keys
    grid = data["layers"]["grid"]
    assert grid["available"] is True
    assert grid["attributes"]["grid.substation_distance_km"] == {
        "unit": "km", "better": "lower", "dtype": "float",
        "description": "Geodesic distance to the nearest substation.",
        "sources": ["entsoe-gridkit/buses.csv"],
    }  # fmt: skip
    assert data["layers"]["hazards"]["available"] is False
    assert "layers.hazards" in data["layers"]["hazards"]["reason"]


def test_show_json_with_catalogue_sources(fake_layers) -> None:
    result = run("layers", "show", "GRID", "--json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    ne, unknown = data["sources"]
    assert ne == {
        "name": "ne/upstream/ne_50m_admin_0_countries.geojson",
        "licence": "public-domain",
        "licence_flag": "",
        "vintage": "Natural Earth v5.1.x (population/GDP estimates 2011–2020)",
        "attribution": "Made with Natural Earth (naturalearthdata.com)",
    }
    assert unknown["name"] == "nowhere/x.csv"
    assert "unknown data source 'nowhere/x.csv'" in unknown["error"]
    assert list(data["attributes"]) == ["grid.substation_distance_km"]


def test_show_text(fake_layers) -> None:
    result = run("layers", "show", "grid")
    assert result.exit_code == 0, result.output
    assert (
        "  ne/upstream/ne_50m_admin_0_countries.geojson: public-domain; vintage Natural "
        "Earth v5.1.x (population/GDP estimates 2011–2020)" in result.stdout
    )


def test_show_unknown_exits_2(fake_layers) -> None:
    result = run("layers", "show", "grdi")
    assert result.exit_code == 2
    assert "unknown layer 'grdi'; expected one of grid, power" in result.stderr


def test_show_unavailable_exits_1(fake_layers) -> None:
    result = run("layers", "show", "hazards")
    assert result.exit_code == 1
    assert result.stderr.startswith("Error: layer 'hazards' is not available (")
    assert result.stderr.count("\n") == 1


def test_list_real_modules_without_data(monkeypatch: pytest.MonkeyPatch) -> None:
    """`layers list` reads no data: it works with no mirror, whatever modules exist today."""
    monkeypatch.delenv("SITING_DATA_MIRROR", raising=False)
    result = run("layers", "list", "--json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert set(data["layers"]) == set(registry.BUILTIN_LAYERS)
    for layer in data["layers"].values():
        if layer["available"]:
            assert layer["attributes"] and layer["reason"] is None
        else:
            assert layer["reason"] and layer["attributes"] == {}
        for key, attr in layer["attributes"].items():
            assert key.startswith(f"{layer['name']}.")
            assert attr["better"] in {"higher", "lower", "none"}
            assert attr["description"]
