"""What every risk model returns: a risk in [0, 1] (1 worst), its uncertainty, and reasons.

A risk model is a pure function of an attributes table (columns ``"layer.attribute"``); it does
no I/O. Each model module under ``risk_models/`` exposes ``NAME``, ``REQUIRED_ATTRIBUTES`` (the
attribute keys it reads), ``DESCRIPTION`` (formula and parameters in words) and
``compute(attributes, **params) -> RiskOutput``. The result column is ``"risk.<NAME>"``.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import pandas as pd

from siting.errors import ConfigError

__all__ = ["RiskOutput", "require_attributes"]


@dataclass(frozen=True)
class RiskOutput:
    """A risk model's output, index-aligned with the attributes table it was computed from.

    Parameters
    ----------
    risk
        Risk in [0, 1], 1 worst; NaN where an input is missing.
    std
        One standard error of ``risk`` (same units), from the inputs' published uncertainty, or
        ``None`` when the model has none. The robustness analysis samples ``risk`` with it.
    reasons
        Text per candidate explaining a high risk or an exclusion-worthy condition (``None`` where
        nothing is worth saying), or ``None`` for the whole output.
    """

    risk: pd.Series
    std: pd.Series | None = None
    reasons: pd.Series | None = None


def require_attributes(attributes: pd.DataFrame, required: Iterable[str], *, model: str) -> None:
    """Raise ConfigError naming the first (sorted) required attribute column that is missing.

    >>> require_attributes(pd.DataFrame({"a.x": [1]}), {"a.x", "a.y"}, model="demo")
    Traceback (most recent call last):
    ...
    siting.errors.ConfigError: risk model 'demo' needs attribute 'a.y'; expected columns a.x, a.y
    """
    names = sorted(required)
    for column in names:
        if column not in attributes.columns:
            msg = (
                f"risk model {model!r} needs attribute {column!r}; "
                f"expected columns {', '.join(names)}"
            )
            raise ConfigError(msg)
