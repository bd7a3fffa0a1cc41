"""Annual energy use, energy cost and carbon of the planned load at each candidate.

``cost.energy_mwh_per_year = it_load_mw * pue * 8760``;
``cost.energy_eur_per_year = cost.energy_mwh_per_year * power.price_eur_per_mwh``;
``cost.carbon_t_per_year = cost.energy_mwh_per_year * power.carbon_g_per_kwh * 1000 / 1e6``
(g/kWh times kWh per MWh gives g per MWh; divided by g per tonne).

PUE is a number from the study, or ``"auto"``: the climate layer's ``climate.pue_estimate``
per candidate. NaN inputs give NaN costs.

>>> import pandas as pd
>>> table = pd.DataFrame({"power.price_eur_per_mwh": [100.0], "power.carbon_g_per_kwh": [200.0]})
>>> costs, meta = compute_costs(table, it_load_mw=10.0, pue=1.2)
>>> costs.iloc[0].tolist()  # 10 MW * 1.2 * 8760 h = 105120 MWh; * 100 EUR; * 200 g/kWh
[105120.0, 10512000.0, 21024.0]
"""

from __future__ import annotations

from typing import Any, Literal

import numpy as np
import pandas as pd

from siting.errors import ConfigError
from siting.units import G_PER_TONNE, HOURS_PER_YEAR, KWH_PER_MWH

__all__ = [
    "CARBON_ATTRIBUTE",
    "PRICE_ATTRIBUTE",
    "PUE_ATTRIBUTE",
    "annual_carbon_t",
    "annual_energy_cost_eur",
    "annual_energy_mwh",
    "compute_costs",
]

PRICE_ATTRIBUTE = "power.price_eur_per_mwh"
CARBON_ATTRIBUTE = "power.carbon_g_per_kwh"
PUE_ATTRIBUTE = "climate.pue_estimate"


def annual_energy_mwh(it_load_mw: float, pue: float | np.ndarray) -> float | np.ndarray:
    """Return the facility's annual energy use, MWh: IT load x PUE x 8760 h.

    >>> annual_energy_mwh(300.0, 1.2)
    3153600.0
    """
    return it_load_mw * pue * HOURS_PER_YEAR


def annual_energy_cost_eur(
    energy_mwh: float | np.ndarray, price_eur_per_mwh: float | np.ndarray
) -> float | np.ndarray:
    """Return the annual energy cost, EUR: energy (MWh) x price (EUR/MWh)."""
    return energy_mwh * price_eur_per_mwh


def annual_carbon_t(
    energy_mwh: float | np.ndarray, carbon_g_per_kwh: float | np.ndarray
) -> float | np.ndarray:
    """Return annual emissions, tonnes CO2(e): energy (MWh) x intensity (g/kWh) x 1000 / 1e6.

    >>> annual_carbon_t(1000.0, 250.0)
    250.0
    """
    return energy_mwh * carbon_g_per_kwh * KWH_PER_MWH / G_PER_TONNE


def compute_costs(
    attributes: pd.DataFrame,
    *,
    it_load_mw: float,
    pue: float | Literal["auto"],
    required: bool = False,
) -> tuple[pd.DataFrame, dict[str, Any]]:  # Any: JSON-serialisable metadata
    """Compute the ``cost.*`` columns that the available attributes allow.

    Parameters
    ----------
    attributes
        Attributes table; uses ``power.price_eur_per_mwh``, ``power.carbon_g_per_kwh`` and, for
        ``pue="auto"``, ``climate.pue_estimate``.
    it_load_mw
        IT load, MW.
    pue
        Power usage effectiveness (>= 1), or ``"auto"`` for the climate layer's estimate.
    required
        True when a constraint or criterion uses a ``cost.*`` attribute: then a PUE that cannot
        be resolved is an error even without price or carbon columns.

    Returns
    -------
    costs
        Index-aligned table with the computable ``cost.*`` columns (possibly none).
    metadata
        Inputs and formulae used, or why costs were not computed.

    Raises
    ------
    ConfigError
        If costs are computable or required but ``pue="auto"`` and there is no
        ``climate.pue_estimate`` column.
    """
    has_price = PRICE_ATTRIBUTE in attributes.columns
    has_carbon = CARBON_ATTRIBUTE in attributes.columns
    costs = pd.DataFrame(index=attributes.index)
    meta: dict[str, Any] = {  # Any: JSON values
        "it_load_mw": float(it_load_mw),
        "hours_per_year": HOURS_PER_YEAR,
        "columns": [],
    }
    if not (has_price or has_carbon or required):
        meta["note"] = f"no {PRICE_ATTRIBUTE} or {CARBON_ATTRIBUTE} attribute: costs not computed"
        return costs, meta
    if pue == "auto":
        if PUE_ATTRIBUTE not in attributes.columns:
            msg = (
                f"pue = 'auto' needs the {PUE_ATTRIBUTE!r} attribute (climate layer), which was "
                "not sampled; set [study] pue to a number such as 1.2"
            )
            raise ConfigError(msg)
        pue_values: float | np.ndarray = attributes[PUE_ATTRIBUTE].to_numpy(
            dtype=np.float64, na_value=np.nan
        )
        meta["pue"] = PUE_ATTRIBUTE
    else:
        pue_values = float(pue)
        meta["pue"] = float(pue)
    energy = np.broadcast_to(
        np.asarray(annual_energy_mwh(it_load_mw, pue_values), dtype=np.float64),
        (len(attributes),),
    )
    costs["cost.energy_mwh_per_year"] = energy
    if has_price:
        price = attributes[PRICE_ATTRIBUTE].to_numpy(dtype=np.float64, na_value=np.nan)
        costs["cost.energy_eur_per_year"] = annual_energy_cost_eur(energy, price)
    if has_carbon:
        carbon = attributes[CARBON_ATTRIBUTE].to_numpy(dtype=np.float64, na_value=np.nan)
        costs["cost.carbon_t_per_year"] = annual_carbon_t(energy, carbon)
    meta["columns"] = list(costs.columns)
    meta["formulae"] = {
        "cost.energy_mwh_per_year": "it_load_mw * pue * hours_per_year",
        "cost.energy_eur_per_year": f"cost.energy_mwh_per_year * {PRICE_ATTRIBUTE}",
        "cost.carbon_t_per_year": f"cost.energy_mwh_per_year * {CARBON_ATTRIBUTE} * 1000 / 1e6",
    }
    return costs, meta
