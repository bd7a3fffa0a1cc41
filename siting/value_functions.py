"""Value functions: map a raw attribute column to 0..1 (1 best), NaN in means NaN out.

Each function is array-in/array-out and vectorised. :func:`apply_value_function` dispatches on a
study's value-function model; a criterion without one uses min-max over the candidates.

>>> linear(np.array([150.0, 95.0, 40.0, 20.0, np.nan]), worst=150.0, best=40.0)
array([0. , 0.5, 1. , 1. , nan])
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import numpy.typing as npt
import pandas as pd

from siting.study import (
    Better,
    CategoricalValue,
    LinearValue,
    LogisticValue,
    MinMaxValue,
    PiecewiseValue,
    StepValue,
)
from siting.types import BoolArray, FloatArray

__all__ = [
    "apply_value_function",
    "categorical",
    "linear",
    "logistic",
    "minmax",
    "piecewise",
    "step",
]


def _as_float(values: npt.ArrayLike) -> FloatArray:
    return np.asarray(values, dtype=np.float64)


def linear(values: npt.ArrayLike, *, worst: float, best: float) -> FloatArray:
    """Map linearly from ``worst`` (0) to ``best`` (1), clipped to 0..1.

    ``best`` may be below ``worst`` (lower is better).

    >>> linear([0.0, 5.0, 10.0], worst=10.0, best=0.0)
    array([1. , 0.5, 0. ])
    """
    x = _as_float(values)
    return np.clip((x - worst) / (best - worst), 0.0, 1.0) + 0.0  # + 0.0: no -0.0


def minmax(
    values: npt.ArrayLike, *, better: Better | str, mask: BoolArray | None = None
) -> FloatArray:
    """Min-max scale over the finite values (where ``mask`` is True), oriented by ``better``.

    When every considered value is equal the criterion does not discriminate and every finite
    value maps to 1.0. Values outside the considered range are clipped to 0..1.

    Parameters
    ----------
    values
        Raw attribute values; NaN is missing.
    better
        ``"higher"`` or ``"lower"``.
    mask
        Candidates that define the range (those still in the ranking); default all.

    >>> minmax([10.0, 20.0, 30.0, np.nan], better="lower")
    array([1. , 0.5, 0. , nan])
    """
    x = _as_float(values)
    finite = np.isfinite(x)
    considered = finite if mask is None else (finite & mask)
    if not considered.any():
        return np.full(x.shape, np.nan)
    pool = x if considered.all() else x[considered]
    low = float(pool.min())
    high = float(pool.max())
    if high == low:
        return np.where(np.isfinite(x), 1.0, np.nan)
    if Better(better) is Better.LOWER:
        scaled = (high - x) / (high - low)
    else:
        scaled = (x - low) / (high - low)
    return np.clip(scaled, 0.0, 1.0, out=scaled)


def piecewise(values: npt.ArrayLike, *, points: Sequence[Sequence[float]]) -> FloatArray:
    """Interpolate linearly through ``points`` ``[(x, value), ...]``; flat beyond the ends.

    >>> piecewise([0.0, 5.0, 20.0, 40.0], points=[(0, 1.0), (10, 0.8), (30, 0.0)])
    array([1. , 0.9, 0.4, 0. ])
    """
    x = _as_float(values)
    xp = np.array([p[0] for p in points], dtype=np.float64)
    fp = np.array([p[1] for p in points], dtype=np.float64)
    out = np.interp(x, xp, fp)
    return np.where(np.isnan(x), np.nan, out)


def step(
    values: npt.ArrayLike, *, thresholds: Sequence[float], values_at: Sequence[float]
) -> FloatArray:
    """Return ``values_at[i]`` where ``thresholds[i-1] <= x < thresholds[i]``.

    ``values_at`` has one more entry than ``thresholds``.

    >>> step([1.0, 10.0, 15.0, 99.0], thresholds=[10.0, 20.0], values_at=[1.0, 0.5, 0.0])
    array([1. , 0.5, 0.5, 0. ])
    """
    x = _as_float(values)
    idx = np.searchsorted(np.asarray(thresholds, dtype=np.float64), x, side="right")
    out = np.asarray(values_at, dtype=np.float64)[np.minimum(idx, len(thresholds))]
    return np.where(np.isnan(x), np.nan, out)


def logistic(
    values: npt.ArrayLike, *, midpoint: float, scale: float, better: Better | str
) -> FloatArray:
    """Logistic curve with value 0.5 at ``midpoint``, steepness ``scale`` (raw units).

    For ``better="lower"`` (a distance decay): ``1 / (1 + exp((x - midpoint) / scale))``.

    >>> logistic([20.0, 25.0], midpoint=20.0, scale=5.0, better="lower").round(4)
    array([0.5   , 0.2689])
    """
    x = _as_float(values)
    sign = 1.0 if Better(better) is Better.LOWER else -1.0
    z = np.clip(sign * (x - midpoint) / scale, -700.0, 700.0)
    return 1.0 / (1.0 + np.exp(z))


def categorical(
    values: npt.ArrayLike, *, mapping: Mapping[str, float], default: float | None = None
) -> FloatArray:
    """Map category labels to values; unlisted labels get ``default`` (None: NaN, missing).

    Labels are compared as text; booleans as ``"true"``/``"false"``; None/NaN are missing.

    >>> categorical(["eea", "adequacy", "other", None], mapping={"eea": 1.0, "adequacy": 0.8})
    array([1. , 0.8, nan, nan])
    """
    series = pd.Series(np.atleast_1d(np.asarray(values, dtype=object)), dtype=object)
    is_missing = series.isna().to_numpy()
    lookup = {str(k): float(v) for k, v in mapping.items()}
    lookup.update({k.capitalize(): v for k, v in lookup.items() if k in ("true", "false")})
    mapped = series.astype(str).map(lookup).to_numpy(dtype=np.float64, na_value=np.nan)
    fill = np.nan if default is None else float(default)
    out = np.where(np.isnan(mapped), fill, mapped)
    out[is_missing] = np.nan
    return out


def apply_value_function(
    values: npt.ArrayLike,
    spec: LinearValue
    | MinMaxValue
    | PiecewiseValue
    | StepValue
    | LogisticValue
    | CategoricalValue
    | None,
    *,
    better: Better | str,
    mask: BoolArray | None = None,
) -> FloatArray:
    """Apply a study value function (``None``: min-max) to one raw attribute column.

    Parameters
    ----------
    values
        Raw values of one attribute (text for categorical, numbers otherwise).
    spec
        The criterion's ``value`` model, or None for min-max.
    better
        The criterion's direction (used by min-max and logistic).
    mask
        Candidates that define a min-max range; default all.

    Returns
    -------
    Values in 0..1, 1 best, NaN where the raw value is missing (or an unlisted category without a
    default).
    """
    if isinstance(spec, CategoricalValue):
        return categorical(values, mapping=spec.map, default=spec.default)
    if spec is None or isinstance(spec, MinMaxValue):
        return minmax(values, better=better, mask=mask)
    if isinstance(spec, LinearValue):
        return linear(values, worst=spec.worst, best=spec.best)
    if isinstance(spec, PiecewiseValue):
        return piecewise(values, points=spec.points)
    if isinstance(spec, StepValue):
        return step(values, thresholds=spec.thresholds, values_at=spec.values)
    return logistic(values, midpoint=spec.midpoint, scale=spec.scale, better=better)
