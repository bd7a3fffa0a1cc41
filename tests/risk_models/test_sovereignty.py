"""Tests of the sovereignty risk model: required regimes, reasons, sanctions, errors."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from risk_models import sovereignty
from siting.errors import ConfigError


def sites() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "name": ["Zurich", "Dublin", "Istanbul", "Moscow", "Buoy", "Unknown"],
            "jurisdiction.gdpr_regime": [
                "adequacy",
                "eea",
                "third_country",
                "third_country",
                "high_seas",
                None,
            ],
            "jurisdiction.country": ["CH", "IE", "TR", "RU", None, "XX"],
            "jurisdiction.sanctioned": pd.array([False, False, False, True, None, None], "boolean"),
        },
        index=pd.Index(["ZRH", "DUB", "IST", "MOW", "SEA", "UNK"]),
    )


def test_eea_required_excludes_zurich_with_reason() -> None:
    out = sovereignty.compute(sites(), required_regimes=["eea"])
    assert out.risk.loc["ZRH"] == 1.0
    assert out.risk.loc["DUB"] == 0.0
    assert out.reasons.loc["ZRH"] == (
        "Zurich (CH) has GDPR regime 'adequacy'; the study requires one of eea"
    )
    assert out.reasons.loc["DUB"] is None
    assert out.reasons.loc["SEA"] == (
        "Buoy (no country) has GDPR regime 'high_seas'; the study requires one of eea"
    )
    assert np.isnan(out.risk.loc["UNK"]) and np.isnan(out.std.loc["UNK"])
    assert out.std.loc["ZRH"] == 0.0


def test_default_eea_or_adequacy() -> None:
    out = sovereignty.compute(sites())
    assert out.risk.loc[["ZRH", "DUB", "IST"]].tolist() == [0.0, 0.0, 1.0]
    assert out.reasons.loc["IST"] == (
        "Istanbul (TR) has GDPR regime 'third_country'; the study requires one of eea, adequacy"
    )


def test_sanctions() -> None:
    out = sovereignty.compute(sites(), required_regimes=["third_country", "eea"])
    assert out.risk.loc[["IST", "MOW"]].tolist() == [0.0, 1.0]
    assert (
        out.reasons.loc["MOW"]
        == "Moscow (RU) is under EU sectoral restrictive measures (sanctions)"
    )
    kept = sovereignty.compute(
        sites(), required_regimes=["third_country"], exclude_sanctioned=False
    )
    assert kept.risk.loc["MOW"] == 0.0
    both = sovereignty.compute(sites(), required_regimes=["eea"])
    assert both.reasons.loc["MOW"].endswith("; and it is under EU sectoral restrictive measures")


def test_names_fall_back_to_index() -> None:
    out = sovereignty.compute(sites().drop(columns="name"), required_regimes="eea")
    assert out.reasons.loc["ZRH"].startswith("ZRH (CH) has GDPR regime")


@pytest.mark.parametrize(
    ("required", "match"),
    [
        (["eu"], "required regime 'eu' is unknown; expected one of eea, adequacy"),
        ([], r"required_regimes \[\] is empty"),
    ],
)
def test_bad_required(required, match) -> None:
    with pytest.raises(ConfigError, match=match):
        sovereignty.compute(sites(), required_regimes=required)


def test_missing_column() -> None:
    with pytest.raises(ConfigError, match=r"needs attribute 'jurisdiction\.sanctioned'"):
        sovereignty.compute(sites().drop(columns="jurisdiction.sanctioned"))


def test_regime_values_match_layer() -> None:
    from layers.jurisdiction import GDPR_REGIME_VALUES

    assert set(sovereignty.REGIME_VALUES) == set(GDPR_REGIME_VALUES)
