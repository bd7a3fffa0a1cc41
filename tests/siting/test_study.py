"""Tests of the study model and load_study."""

from __future__ import annotations

from pathlib import Path

import pytest

import siting.study as study_module
from siting.errors import ConfigError
from siting.study import (
    AggregationMethod,
    CategoricalValue,
    LinearValue,
    WeightsMethod,
    load_study,
    parse_study,
)

BASE = {"study": {"name": "t", "it_load_mw": 100}}
CRIT = {"attribute": "site.land_price", "better": "lower"}

FULL = """
[study]
name = "Europe AI training campus"
it_load_mw = 300
pue = 1.25
radius_km = 25
market = ["EU", "NO"]
seed = 42

[candidates]
file = "sites.csv"
force_include = ["FRA-1"]

[layers]
opt_in = ["non-commercial"]
paths = { "entsoe-gridkit/buses.csv" = "my/buses.csv" }

[[constraints]]
attribute = "site.regime"
in = ["eea", "adequacy"]
missing = "keep"

[[criteria]]
attribute = "site.price"
name = "price"
better = "lower"
[criteria.value]
function = "linear"
worst = 150
best = 40

[[criteria]]
attribute = "site.regime"
name = "regime"
better = "higher"
[criteria.value]
function = "categorical"
map = { eea = 1.0, adequacy = 0.8 }
default = 0

[scoring]
method = "topsis"
weights = "ahp"
[scoring.ahp]
criteria = ["regime", "price"]
matrix = [[1, 0.333333], [3, 1]]
[scoring.sensitivity]
samples = 100
attribute_noise = { "site.price" = 0.1 }

[output]
dir = "results/europe"
formats = ["csv"]
"""


def study(**extra: object) -> dict[str, object]:
    return {**BASE, "criteria": [CRIT], **extra}


def test_full_study_loads_and_resolves_paths(tmp_path: Path) -> None:
    path = tmp_path / "s.toml"
    path.write_text(FULL, encoding="utf-8")
    s = load_study(path)
    assert s.study.pue == 1.25
    assert s.scoring.method is AggregationMethod.TOPSIS
    assert s.scoring.weights is WeightsMethod.AHP
    assert isinstance(s.criteria[0].value, LinearValue)
    assert isinstance(s.criteria[1].value, CategoricalValue)
    assert s.constraints[0].in_ == ("eea", "adequacy")
    assert s.candidates is not None
    assert s.candidates.file == str(tmp_path.resolve() / "sites.csv")
    assert s.output.dir == str(tmp_path.resolve() / "results/europe")
    assert s.layers.paths["entsoe-gridkit/buses.csv"] == str(tmp_path.resolve() / "my/buses.csv")


def test_defaults() -> None:
    s = parse_study(study())
    assert s.criteria[0].key == "site.land_price"
    assert s.scoring.method is AggregationMethod.WSM
    assert s.scoring.sensitivity.samples == 0
    assert s.study.pue == "auto"
    assert s.study.radius_km == 25.0


def test_frozen() -> None:
    s = parse_study(study())
    with pytest.raises(ValueError, match="frozen"):
        s.study.name = "other"  # type: ignore[misc]


@pytest.mark.parametrize(
    ("data", "pattern"),
    [
        ({**study(), "bogus": 1}, r"unknown key 'bogus'; allowed keys: study, candidates"),
        (
            {"study": {**BASE["study"], "it_lod_mw": 3}, "criteria": [CRIT]},
            r"study\.it_lod_mw: unknown key 'it_lod_mw'; allowed keys: name, description",
        ),
        ({"study": {"name": "t", "it_load_mw": 0}, "criteria": [CRIT]}, r"it_load_mw.*greater"),
        ({**BASE, "criteria": [{**CRIT, "weight": 0}]}, r"criteria\[0\]\.weight.*greater than 0"),
        ({**BASE, "criteria": [{**CRIT, "better": "less"}]}, r"'higher' or 'lower' \(got 'less'\)"),
        (study(scoring={"method": "electre"}), r"'wsm', 'wpm' or 'topsis' \(got 'electre'\)"),
        (study(scoring={"weights": "guess"}), r"'direct', 'ahp' or 'entropy'"),
        (
            {**BASE, "criteria": [{**CRIT, "value": {"function": "cubic"}}]},
            r"criteria\[0\]\.value.*'cubic'.*'linear'.*'categorical'",
        ),
        (
            {**BASE, "criteria": [{**CRIT, "value": {"function": "linear", "wrost": 1}}]},
            r"unknown key 'wrost'; allowed keys: function, worst, best",
        ),
        (
            {
                **BASE,
                "criteria": [{**CRIT, "value": {"function": "linear", "worst": 1, "best": 9}}],
            },
            r"better = 'lower' contradicts linear worst = 1.0, best = 9.0",
        ),
        ({**BASE, "criteria": [{**CRIT, "attribute": "moon.dust"}]}, r"unknown layer 'moon'.*grid"),
        (
            {**BASE, "criteria": [{**CRIT, "attribute": "risk.astrology"}]},
            r"risk model.*geopolitical",
        ),
        ({**BASE, "criteria": [{**CRIT, "attribute": "nodot"}]}, r"is not 'layer.attribute'"),
        ({**BASE, "criteria": []}, r"at least one \[\[criteria\]\]"),
        ({**BASE, "criteria": [CRIT, CRIT]}, r"duplicate criterion names \['site.land_price'\]"),
        (study(constraints=[{"attribute": "site.x"}]), r"no test; expected one or more of min"),
        (study(constraints=[{"attribute": "site.x", "min": 5, "max": 1}]), r"min 5.0 > max 1.0"),
        (
            study(constraints=[{"attribute": "site.x", "in": ["a"], "missing": "drop"}]),
            r"'exclude' or 'keep' \(got 'drop'\)",
        ),
        (study(scoring={"weights": "ahp"}), r"needs a \[scoring.ahp\] table"),
        (
            study(scoring={"weights": "ahp", "ahp": {"criteria": ["x"], "matrix": [[1]]}}),
            r"must name every criterion",
        ),
        (
            {
                **BASE,
                "criteria": [{**CRIT, "name": "a"}, {**CRIT, "name": "b"}],
                "scoring": {
                    "weights": "ahp",
                    "ahp": {"criteria": ["a", "b"], "matrix": [[1, 3], [3, 1]]},
                },
            },
            r"not reciprocal at \[0\]\[1\] = 3.0",
        ),
        (
            {**BASE, "criteria": [{**CRIT, "weight": 2}], "scoring": {"weights": "entropy"}},
            r"set 'weight' but scoring.weights = 'entropy'",
        ),
        (study(candidates={"crs": "EPSG:4326"}), r"exactly one of 'file' or 'h3' \(neither"),
        (study(candidates={"h3": {"resolution": 16, "countries": ["DE"]}}), r"resolution.*15"),
        (study(study={"name": "t", "it_load_mw": 1, "pue": 0.9}), r"pue"),
        (study(output={"formats": ["shp"]}), r"'gpkg', 'geojson' or 'csv'"),
        (
            study(scoring={"sensitivity": {"attribute_noise": {"grid.bogus": 0.1}}}),
            r"attribute_noise: unknown attribute 'grid.bogus'",
        ),
        (study(risk={"tarot": {}}), r"unknown risk model 'tarot'"),
    ],
)
def test_invalid_studies_name_the_problem(data: dict[str, object], pattern: str) -> None:
    with pytest.raises(ConfigError, match=pattern):
        parse_study(data)


def test_several_errors_in_one_message() -> None:
    data = {"study": {"name": "t", "it_load_mw": -1, "x": 1}, "criteria": [CRIT]}
    with pytest.raises(ConfigError) as info:
        parse_study(data)
    text = str(info.value)
    assert text.startswith("invalid study study: 2 problems")
    assert "study.it_load_mw" in text
    assert "unknown key 'x'" in text


def test_toml_syntax_error_has_line(tmp_path: Path) -> None:
    path = tmp_path / "bad.toml"
    path.write_text('[study]\nname = "x\n', encoding="utf-8")
    with pytest.raises(ConfigError, match=r"not valid TOML: .*line 2"):
        load_study(path)


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="cannot read study file"):
        load_study(tmp_path / "nope.toml")


def _fake_registry(monkeypatch: pytest.MonkeyPatch) -> None:
    """Registry where 'power' has one attribute and 'grid' cannot be imported."""
    from layers import registry
    from layers.base import Attribute

    def layer_attributes(name: str) -> dict[str, Attribute]:
        if name == "grid":
            raise ModuleNotFoundError("No module named 'layers.lookup'")
        if name == "power":
            return {"price_eur_per_mwh": Attribute("price_eur_per_mwh", "EUR/MWh", "lower", "x")}
        return {}

    monkeypatch.setattr(registry, "layer_attributes", layer_attributes)
    study_module._layer_attribute_keys.cache_clear()


def test_layer_attributes_checked_without_crashing_on_missing_layer(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    _fake_registry(monkeypatch)
    try:
        ok = parse_study(
            {**BASE, "criteria": [{"attribute": "power.price_eur_per_mwh", "better": "lower"}]}
        )
        assert ok.criteria[0].attribute == "power.price_eur_per_mwh"
        with pytest.raises(
            ConfigError, match=r"'grid.x_km': layer module 'layers.grid' cannot be imported"
        ):
            parse_study({**BASE, "criteria": [{"attribute": "grid.x_km", "better": "lower"}]})
        with pytest.raises(
            ConfigError, match=r"unknown attribute 'power.cost'; layer 'power' has power.price"
        ):
            parse_study({**BASE, "criteria": [{"attribute": "power.cost", "better": "lower"}]})
    finally:
        study_module._layer_attribute_keys.cache_clear()


def test_cost_and_risk_attributes_accepted() -> None:
    s = parse_study(
        {
            **BASE,
            "criteria": [
                {"attribute": "cost.energy_eur_per_year", "better": "lower"},
                {"attribute": "risk.geopolitical", "better": "lower"},
            ],
        }
    )
    assert s.criterion_names == ("cost.energy_eur_per_year", "risk.geopolitical")
