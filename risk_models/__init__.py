"""Risk indices computed from layer attributes (pure numpy/pandas, no I/O).

Each model maps attributes to a risk in [0, 1] (1 worst) with its standard error; see
:mod:`risk_models.registry` for the list and for computing several at once.
"""

from risk_models.base import RiskOutput
from risk_models.registry import RISK_MODELS, compute_risks, required_attributes

__all__ = ["RISK_MODELS", "RiskOutput", "compute_risks", "required_attributes"]
