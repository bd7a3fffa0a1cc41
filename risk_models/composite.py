"""Composite risk: a weighted geometric mean of risk dimensions, INFORM-style.

INFORM combines its dimensions with a geometric mean so that dimensions do not fully compensate
each other. Applied to *risks* (INFORM's own form), a single very low dimension drags the
composite towards 0 and hides a very bad one; what a siting study needs is the opposite, so the
default form takes the geometric mean of the *safeties* ``1 - r``::

    form="safety" (default):  risk = 1 - prod_i (1 - r_i) ** w_i
    form="inform":            risk = prod_i r_i ** w_i

with weights ``w_i > 0`` normalised to sum to 1 (equal by default). With ``form="safety"`` any
dimension at 1 gives a composite of 1, and the composite is never below the weighted
arithmetic mean of the risks. NaN in any dimension gives NaN.

Uncertainty, by the delta method with independent dimensions (``s_i`` their std)::

    safety: std = (1 - risk) * sqrt(sum_i (w_i * s_i / (1 - r_i)) ** 2)
    inform: std = risk * sqrt(sum_i (w_i * s_i / r_i) ** 2)

A dimension with no std (None, or 0) contributes nothing; where a dimension with a positive
std sits exactly at the singular point (r_i = 1 for safety, 0 for inform) the std is NaN.
Dimensions are the ``risk.<name>`` columns of other models, computed first by the registry.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd

from risk_models.base import RiskOutput
from siting.errors import ConfigError

__all__ = [
    "DEFAULT_DIMENSIONS",
    "DESCRIPTION",
    "FORMS",
    "NAME",
    "REQUIRED_ATTRIBUTES",
    "combine",
    "compute",
]

NAME = "composite"
REQUIRED_ATTRIBUTES: frozenset[str] = frozenset()
"""No layer attributes directly: the inputs are other models' ``risk.<name>`` columns."""
DEFAULT_DIMENSIONS: tuple[str, ...] = ("geopolitical", "hazard")
"""Risk models combined when the study names none."""
FORMS: tuple[str, ...] = ("safety", "inform")

DESCRIPTION = (
    "Weighted geometric mean of risk dimensions (risk.<model> columns), 0..1: "
    "risk = 1 - prod (1 - r_i)^w_i (default, one bad dimension is not hidden by good ones) or "
    "INFORM's prod r_i^w_i; weights normalised to 1 (equal by default); std by the delta method."
)


def combine(
    risks: np.ndarray,
    weights: np.ndarray,
    stds: np.ndarray | None = None,
    *,
    form: str = "safety",
) -> tuple[np.ndarray, np.ndarray]:
    """Combine an (n, k) array of risks with k weights; return (risk, std), each shape (n,).

    Parameters
    ----------
    risks
        Risks in [0, 1], shape (n, k); NaN propagates.
    weights
        k positive weights (normalised here).
    stds
        Standard errors, shape (n, k), or None for none (std 0 where defined).
    form
        ``"safety"`` or ``"inform"`` (see the module docstring).

    Examples
    --------
    >>> r, s = combine(np.array([[0.5, 0.0], [1.0, 0.1]]), np.array([1.0, 1.0]))
    >>> r.round(4).tolist(), s.tolist()
    ([0.2929, 1.0], [0.0, 0.0])
    """
    w = np.asarray(weights, dtype=np.float64)
    w = w / w.sum()
    r = np.asarray(risks, dtype=np.float64)
    sd = np.zeros_like(r) if stds is None else np.nan_to_num(np.asarray(stds, dtype=np.float64))
    if form == "safety":
        base = 1.0 - r
        with np.errstate(divide="ignore"):
            risk = 1.0 - np.exp(np.sum(w * np.log(base), axis=1))
        scale = 1.0 - risk
    else:
        base = r
        with np.errstate(divide="ignore"):
            risk = np.exp(np.sum(w * np.log(base), axis=1))
        scale = risk
    with np.errstate(divide="ignore", invalid="ignore"):
        terms = np.where(sd == 0.0, 0.0, w * sd / base)
    std = scale * np.sqrt(np.sum(terms**2, axis=1))
    std = np.where(np.isnan(risk), np.nan, std)
    return np.clip(risk, 0.0, 1.0), std


def compute(
    attributes: pd.DataFrame,
    *,
    dimensions: Sequence[str] = DEFAULT_DIMENSIONS,
    weights: Mapping[str, float] | None = None,
    form: str = "safety",
    stds: Mapping[str, pd.Series | None] | None = None,
) -> RiskOutput:
    """Return the composite risk of the ``risk.<dimension>`` columns of ``attributes``.

    Parameters
    ----------
    attributes
        Table holding a ``risk.<name>`` column per dimension (the registry adds them).
    dimensions
        Names of the risk models combined (at least one).
    weights
        Relative weight per dimension (> 0); default equal.
    form
        ``"safety"`` (default) or ``"inform"``.
    stds
        Standard error Series per dimension (the registry passes the models' ``std``).

    Returns
    -------
    RiskOutput
        ``risk``, ``std`` and ``reasons`` naming the worst dimension where the composite >= 0.5.

    Raises
    ------
    ConfigError
        If a dimension column is missing, a weight is not positive or names no dimension, or
        ``form`` is unknown.

    Examples
    --------
    >>> table = pd.DataFrame({"risk.a": [0.19, 1.0], "risk.b": [0.0, 0.0]})
    >>> compute(table, dimensions=["a", "b"]).risk.round(4).tolist()
    [0.1, 1.0]
    """
    names = tuple(dimensions)
    if not names:
        msg = f"dimensions {list(names)!r} is empty; expected at least one risk model name"
        raise ConfigError(msg)
    if form not in FORMS:
        msg = f"form {form!r} is unknown; expected one of {', '.join(FORMS)}"
        raise ConfigError(msg)
    columns = [f"risk.{name}" for name in names]
    for column in columns:
        if column not in attributes.columns:
            msg = f"composite needs column {column!r}; expected one of risk.{', risk.'.join(names)}"
            raise ConfigError(msg)
    weight_map = dict(weights or {})
    for key in weight_map:
        if key not in names:
            msg = f"weight for {key!r} names no dimension; expected one of {', '.join(names)}"
            raise ConfigError(msg)
    w = np.array([float(weight_map.get(name, 1.0)) for name in names])
    if not np.all(np.isfinite(w) & (w > 0)):
        msg = f"weights {weight_map!r}; expected numbers > 0"
        raise ConfigError(msg)
    risks = attributes[columns].to_numpy(dtype=np.float64)
    std_map = dict(stds or {})
    std_cols = [std_map.get(name) for name in names]
    sd = np.column_stack(
        [
            np.zeros(len(attributes))
            if s is None
            else s.reindex(attributes.index).to_numpy(dtype=np.float64)
            for s in std_cols
        ]
    )
    risk, std = combine(risks, w, sd, form=form)
    worst = np.nanargmax(np.where(np.isnan(risks), -1.0, risks), axis=1)
    labels = np.array(names, dtype=object)[worst]
    reasons = np.full(len(risk), None, dtype=object)
    is_high = risk >= 0.5
    reasons[is_high] = "worst dimension: " + labels[is_high]
    index = attributes.index
    return RiskOutput(
        risk=pd.Series(risk, index=index, name=f"risk.{NAME}"),
        std=pd.Series(std, index=index, name=f"risk.{NAME}"),
        reasons=pd.Series(reasons, index=index, dtype=object),
    )
