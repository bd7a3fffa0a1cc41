"""Tests of annual energy and carbon costs."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from siting.costs import compute_costs
from siting.errors import ConfigError


def test_costs_number_pue() -> None:
    table = pd.DataFrame(
        {"power.price_eur_per_mwh": [80.0, np.nan], "power.carbon_g_per_kwh": [50.0, 300.0]}
    )
    costs, meta = compute_costs(table, it_load_mw=300.0, pue=1.25)
    # 300 MW * 1.25 * 8760 h = 3,285,000 MWh; * 80 EUR = 262.8 M EUR; * 50 g/kWh = 164,250 t
    np.testing.assert_allclose(costs["cost.energy_mwh_per_year"], [3_285_000.0, 3_285_000.0])
    np.testing.assert_allclose(costs["cost.energy_eur_per_year"], [262_800_000.0, np.nan])
    np.testing.assert_allclose(costs["cost.carbon_t_per_year"], [164_250.0, 985_500.0])
    assert meta["pue"] == 1.25


def test_costs_auto_pue_from_climate() -> None:
    table = pd.DataFrame({"power.price_eur_per_mwh": [100.0], "climate.pue_estimate": [1.1]})
    costs, meta = compute_costs(table, it_load_mw=10.0, pue="auto")
    # 10 * 1.1 * 8760 = 96,360 MWh * 100 = 9,636,000 EUR
    np.testing.assert_allclose(costs["cost.energy_eur_per_year"], [9_636_000.0])
    assert meta["pue"] == "climate.pue_estimate"
    assert "cost.carbon_t_per_year" not in costs


def test_costs_auto_without_climate() -> None:
    table = pd.DataFrame({"power.price_eur_per_mwh": [100.0]})
    with pytest.raises(ConfigError, match=r"pue = 'auto' needs the 'climate.pue_estimate'"):
        compute_costs(table, it_load_mw=10.0, pue="auto")


def test_costs_skipped_without_inputs() -> None:
    costs, meta = compute_costs(pd.DataFrame({"site.x": [1.0]}), it_load_mw=10.0, pue="auto")
    assert list(costs.columns) == []
    assert "not computed" in meta["note"]
