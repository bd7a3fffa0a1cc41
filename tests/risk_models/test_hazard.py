"""Tests for risk_models.hazard (hand-computed values)."""

from __future__ import annotations

import math
import re

import numpy as np
import pandas as pd
import pytest

from risk_models import hazard
from siting.errors import ConfigError


def _table(mag, count, natural) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "hazards.max_magnitude_within_100km": mag,
            "hazards.quakes_m5_within_100km": count,
            "hazards.inform_natural": natural,
        }
    )


def test_hand_computed_values() -> None:
    out = hazard.compute(_table([6.7, 0.0, 8.0], [7, 0, 40], [4.8, 4.1, 10.0]))
    # Athens-like: magnitude term 1.7 / 2.5 = 0.68; frequency ln 8 / ln 21 = 0.6830134;
    # seismic 0.6815067; risk 0.5 * 0.6815067 + 0.5 * 0.48 = 0.5807533.
    athens = 0.5 * (0.68 + math.log(8) / math.log(21)) / 2 + 0.24
    assert out.risk.iloc[0] == pytest.approx(athens, abs=1e-12)
    assert out.risk.iloc[0] == pytest.approx(0.58075, abs=1e-5)
    # Berlin-like: no events: 0.5 * 0.41 = 0.205.
    assert out.risk.iloc[1] == pytest.approx(0.205)
    # Saturated everything: 1.0.
    assert out.risk.iloc[2] == pytest.approx(1.0)
    assert out.reasons.iloc[0] == "M6.7 max and 7 M>=5 events within 100 km"
    assert out.reasons.iloc[1] is None
    assert out.reasons.iloc[2].endswith("; INFORM natural hazard 10.0/10")
    assert out.std is None


def test_nan_propagates_and_bounds() -> None:
    out = hazard.compute(_table([np.nan, 5.5, 9.9], [1, np.nan, 0], [3.0, 3.0, 0.0]))
    assert np.isnan(out.risk.iloc[0]) and np.isnan(out.risk.iloc[1])
    assert 0.0 <= out.risk.iloc[2] <= 1.0


def test_weights_and_parameters() -> None:
    table = _table([7.5], [20], [2.0])
    assert hazard.compute(table, seismic_weight=1.0).risk.iloc[0] == pytest.approx(1.0)
    assert hazard.compute(table, seismic_weight=0.0).risk.iloc[0] == pytest.approx(0.2)
    with pytest.raises(ConfigError, match=re.escape("'seismic_weight' = 1.5 must be a number in")):
        hazard.compute(table, seismic_weight=1.5)


def test_missing_column() -> None:
    with pytest.raises(ConfigError, match=re.escape("needs attribute 'hazards.inform_natural'")):
        hazard.compute(_table([7.0], [1], [1.0]).drop(columns=["hazards.inform_natural"]))


def test_module_contract() -> None:
    assert hazard.NAME == "hazard"
    assert set(hazard.REQUIRED_ATTRIBUTES) <= {
        f"hazards.{a}" for a in __import__("layers.hazards").hazards.ATTRIBUTES
    }
    assert "INFORM" in hazard.DESCRIPTION


def test_empty_table() -> None:
    out = hazard.compute(_table([], [], []))
    assert len(out.risk) == 0
