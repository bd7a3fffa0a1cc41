"""Tests of the risk-model registry: listing, lazy import, dependency order, errors."""

from __future__ import annotations

import importlib.util

import numpy as np
import pandas as pd
import pytest

from risk_models import registry
from risk_models.registry import (
    RISK_MODELS,
    compute_risk_outputs,
    compute_risks,
    required_attributes,
)
from siting.errors import ConfigError, SitingError


def attributes() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "name": ["Dublin", "Kharkiv"],
            "geopolitics.stability": [0.9, -1.43],
            "geopolitics.stability_se": [0.22, 0.23],
            "geopolitics.conflict_exposure": [0.0, 50.0],
            "jurisdiction.gdpr_regime": ["eea", "third_country"],
            "jurisdiction.country": ["IE", "UA"],
            "jurisdiction.sanctioned": [False, False],
        },
        index=pd.Index(["DUB", "HRK"]),
    )


def test_lists_the_four_models() -> None:
    assert list(RISK_MODELS) == ["geopolitical", "sovereignty", "hazard", "composite"]
    assert "hazard" in RISK_MODELS and len(RISK_MODELS) == 4
    for name in ("geopolitical", "sovereignty", "composite"):
        module = RISK_MODELS[name]
        assert name == module.NAME
        assert isinstance(module.DESCRIPTION, str) and module.DESCRIPTION


def test_hazard_is_lazy() -> None:
    if importlib.util.find_spec("risk_models.hazard") is None:
        with pytest.raises(SitingError, match="risk model 'hazard' is registered but"):
            RISK_MODELS["hazard"]
    else:
        assert RISK_MODELS["hazard"].NAME == "hazard"


def test_compute_risks_with_composite_dependencies() -> None:
    params = {
        "sovereignty": {"required_regimes": ["eea"]},
        "composite": {"dimensions": ["geopolitical", "sovereignty"]},
    }
    risks, stds = compute_risks(attributes(), ["composite"], params=params)
    assert list(risks.columns) == ["risk.composite"]
    # Dublin: s = (2.5 - 0.9) / 5 = 0.32, c = 0 -> geo 0.32; sovereignty 0
    # composite = 1 - sqrt(0.68 * 1) = 0.1753789; std = 0.8246211 * (0.5 * 0.044 / 0.68)
    assert risks.loc["DUB", "risk.composite"] == pytest.approx(0.1753789, abs=1e-7)
    assert stds["risk.composite"].loc["DUB"] == pytest.approx(0.8246211 * 0.5 * 0.044 / 0.68)
    # Kharkiv is not in the EEA: sovereignty 1 -> composite 1
    assert risks.loc["HRK", "risk.composite"] == 1.0


def test_compute_risk_outputs_keeps_reasons() -> None:
    outputs = compute_risk_outputs(
        attributes(),
        ["sovereignty", "geopolitical"],
        params={"sovereignty": {"required_regimes": ["eea"]}},
    )
    assert list(outputs) == ["sovereignty", "geopolitical"]
    assert outputs["sovereignty"].reasons.loc["HRK"] == (
        "Kharkiv (UA) has GDPR regime 'third_country'; the study requires one of eea"
    )
    # Kharkiv geopolitical: s = 0.786, c = 1 - 1/e; 1 - 0.214 * 0.3678794
    assert outputs["geopolitical"].risk.loc["HRK"] == pytest.approx(1 - 0.214 * np.exp(-1))


def test_required_attributes() -> None:
    assert required_attributes(["geopolitical"]) == {
        "geopolitics.stability",
        "geopolitics.stability_se",
        "geopolitics.conflict_exposure",
    }
    both = required_attributes(
        ["composite"], params={"composite": {"dimensions": ["geopolitical", "sovereignty"]}}
    )
    assert "jurisdiction.gdpr_regime" in both and "geopolitics.stability" in both


@pytest.mark.parametrize(
    ("names", "params", "match"),
    [
        (["weather"], None, "unknown risk model 'weather'; expected one of geopolitical"),
        (["sovereignty"], {"sovreignty": {}}, "parameters for unknown risk model 'sovreignty'"),
        (["sovereignty"], {"sovereignty": {"regimes": ["eea"]}}, "bad parameters \\['regimes'\\]"),
        (
            ["composite"],
            {"composite": {"dimensions": ["composite"]}},
            "composite dimension 'composite'",
        ),
    ],
)
def test_errors(names, params, match) -> None:
    with pytest.raises(ConfigError, match=match):
        compute_risks(attributes(), names, params=params)


def test_registry_names_are_modules() -> None:
    assert tuple(RISK_MODELS) == registry.BUILTIN_RISK_MODELS


def test_default_composite_needs_hazard_attributes() -> None:
    if importlib.util.find_spec("risk_models.hazard") is None:
        pytest.skip("risk_models.hazard is not written yet")
    needed = required_attributes(["composite"])
    assert set(RISK_MODELS["hazard"].REQUIRED_ATTRIBUTES) <= needed
    assert "geopolitics.stability" in needed
