"""Geopolitical risk: country instability combined with exposure to recorded conflict.

Formula (all arrays element-wise, risk in [0, 1], 1 worst)::

    s = clip((stability_max - stability) / (stability_max - stability_min), 0, 1)
    c = 1 - exp(-conflict_exposure / exposure_scale)
    risk = 1 - (1 - s) * (1 - c)

``s`` rescales the WGI Political Stability estimate (default range -2.5..2.5, the WGI scale) so
that the most stable country is 0 and the least 1; ``c`` saturates the fatality-weighted,
distance-decayed conflict exposure (``exposure_scale`` fatalities give ``c = 1 - 1/e = 0.63``);
the two combine like independent threats (either one alone makes the risk high, and a good
value of one does not hide a bad value of the other).

Uncertainty: the WGI standard error ``se`` propagates by the delta method,
``std = (1 - c) * se / (stability_max - stability_min)`` (0 where ``s`` is clipped); the event
counts carry no published error. NaN in any input gives NaN risk.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from risk_models.base import RiskOutput, require_attributes
from siting.errors import ConfigError

__all__ = [
    "DEFAULT_EXPOSURE_SCALE",
    "DEFAULT_STABILITY_RANGE",
    "DESCRIPTION",
    "NAME",
    "REQUIRED_ATTRIBUTES",
    "compute",
]

NAME = "geopolitical"
STABILITY = "geopolitics.stability"
STABILITY_SE = "geopolitics.stability_se"
EXPOSURE = "geopolitics.conflict_exposure"
REQUIRED_ATTRIBUTES: frozenset[str] = frozenset({STABILITY, STABILITY_SE, EXPOSURE})
DEFAULT_STABILITY_RANGE: tuple[float, float] = (-2.5, 2.5)
"""WGI estimates are on a standard-normal scale, in practice within -2.5..2.5."""
DEFAULT_EXPOSURE_SCALE = 50.0
"""Fatalities (distance-weighted) at which the conflict term reaches 1 - 1/e."""

DESCRIPTION = (
    "Country instability and conflict exposure, 0..1 (1 worst): "
    "risk = 1 - (1 - s)(1 - c), s = clip((2.5 - WGI stability) / 5, 0, 1), "
    "c = 1 - exp(-conflict_exposure / 50); std = (1 - c) * WGI standard error / 5."
)


def compute(
    attributes: pd.DataFrame,
    *,
    stability_range: tuple[float, float] = DEFAULT_STABILITY_RANGE,
    exposure_scale: float = DEFAULT_EXPOSURE_SCALE,
) -> RiskOutput:
    """Return the geopolitical risk of each candidate.

    Parameters
    ----------
    attributes
        Table with ``geopolitics.stability``, ``geopolitics.stability_se`` and
        ``geopolitics.conflict_exposure`` (fatalities, >= 0).
    stability_range
        (min, max) of the stability scale: max maps to 0 risk, min to 1.
    exposure_scale
        Exposure (fatalities) at which the conflict term is ``1 - 1/e``; > 0.

    Returns
    -------
    RiskOutput
        ``risk`` and ``std`` (Series aligned with ``attributes``); ``reasons`` name the driver
        where the risk is at least 0.5.

    Raises
    ------
    ConfigError
        If a required column is missing or a parameter is out of range.

    Examples
    --------
    >>> table = pd.DataFrame({"geopolitics.stability": [2.5, 0.0, 0.0],
    ...                       "geopolitics.stability_se": [0.2, 0.2, 0.2],
    ...                       "geopolitics.conflict_exposure": [0.0, 0.0, 50.0]})
    >>> out = compute(table)
    >>> out.risk.round(4).tolist(), out.std.round(4).tolist()
    ([0.0, 0.5, 0.8161], [0.04, 0.04, 0.0147])
    """
    require_attributes(attributes, REQUIRED_ATTRIBUTES, model=NAME)
    low, high = (float(v) for v in stability_range)
    if not (np.isfinite(low) and np.isfinite(high) and high > low):
        msg = f"stability_range {stability_range!r}; expected (min, max) with max > min"
        raise ConfigError(msg)
    if not (np.isfinite(exposure_scale) and exposure_scale > 0):
        msg = f"exposure_scale {exposure_scale!r}; expected a number > 0 (fatalities)"
        raise ConfigError(msg)
    span = high - low
    stability = attributes[STABILITY].to_numpy(dtype=np.float64)
    se = attributes[STABILITY_SE].to_numpy(dtype=np.float64)
    exposure = attributes[EXPOSURE].to_numpy(dtype=np.float64)
    raw = (high - stability) / span
    s = np.clip(raw, 0.0, 1.0)
    c = -np.expm1(-np.maximum(exposure, 0.0) / exposure_scale)
    risk = 1.0 - (1.0 - s) * (1.0 - c)
    is_clipped = (raw < 0.0) | (raw > 1.0)
    std = np.where(is_clipped, 0.0, (1.0 - c) * se / span)
    std = np.where(np.isnan(risk), np.nan, std)
    reasons = _reasons(s, c, risk, stability, exposure)
    index = attributes.index
    return RiskOutput(
        risk=pd.Series(risk, index=index, name=f"risk.{NAME}"),
        std=pd.Series(std, index=index, name=f"risk.{NAME}"),
        reasons=pd.Series(reasons, index=index, dtype=object),
    )


def _reasons(
    s: np.ndarray, c: np.ndarray, risk: np.ndarray, stability: np.ndarray, exposure: np.ndarray
) -> np.ndarray:
    """Return a reason text where risk >= 0.5 (None elsewhere), naming the larger driver."""
    out = np.full(risk.shape, None, dtype=object)
    is_high = risk >= 0.5
    by_conflict = is_high & (c >= s)
    by_stability = is_high & ~by_conflict
    out[by_conflict] = np.char.add(
        np.char.mod("recorded conflict nearby (exposure %.0f", exposure[by_conflict]),
        " fatalities, distance-weighted)",
    ).astype(object)
    out[by_stability] = np.char.add(
        np.char.mod("low political stability (WGI estimate %+.2f", stability[by_stability]), ")"
    ).astype(object)
    return out
