"""Criterion weights: direct (normalised), AHP (principal eigenvector, Saaty CR) and entropy.

>>> normalise_weights([3.0, 1.0])
array([0.75, 0.25])
>>> result = ahp_weights([[1.0, 3.0], [1.0 / 3.0, 1.0]])
>>> result.weights, result.consistency_ratio
(array([0.75, 0.25]), 0.0)
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from siting.errors import ConfigError
from siting.types import FloatArray

__all__ = [
    "AHP_CR_THRESHOLD",
    "SAATY_RANDOM_INDEX",
    "AhpResult",
    "ahp_weights",
    "entropy_weights",
    "normalise_weights",
]

SAATY_RANDOM_INDEX: dict[int, float] = {
    1: 0.0,
    2: 0.0,
    3: 0.58,
    4: 0.90,
    5: 1.12,
    6: 1.24,
    7: 1.32,
    8: 1.41,
    9: 1.45,
    10: 1.49,
    11: 1.51,
    12: 1.48,
    13: 1.56,
    14: 1.57,
    15: 1.59,
}
"""Saaty's random consistency index RI by matrix size n (Saaty 1980 for n <= 10; n = 11..15 from
Saaty's later extended table as commonly cited)."""

AHP_CR_THRESHOLD = 0.1
"""A consistency ratio above this is reported as a warning in the result."""


def normalise_weights(weights: npt.ArrayLike) -> FloatArray:
    """Return positive relative weights scaled to sum to 1.

    Raises
    ------
    ConfigError
        If a weight is not finite and positive.
    """
    w = np.asarray(weights, dtype=np.float64)
    if w.size == 0 or not np.all(np.isfinite(w) & (w > 0)):
        msg = f"weights must be finite and > 0, got {w.tolist()!r}"
        raise ConfigError(msg)
    normalised: FloatArray = w / w.sum()
    return normalised


@dataclass(frozen=True)
class AhpResult:
    """AHP weights and consistency figures.

    Parameters
    ----------
    weights
        Principal right eigenvector, normalised to sum 1 (row order of the matrix).
    lambda_max
        Principal eigenvalue.
    consistency_index
        ``(lambda_max - n) / (n - 1)`` (0 for n <= 2).
    random_index
        Saaty's RI for n.
    consistency_ratio
        ``CI / RI`` (0 for n <= 2).
    """

    weights: FloatArray
    lambda_max: float
    consistency_index: float
    random_index: float
    consistency_ratio: float

    @property
    def is_consistent(self) -> bool:
        """Return whether the consistency ratio is at most :data:`AHP_CR_THRESHOLD`."""
        return self.consistency_ratio <= AHP_CR_THRESHOLD


def ahp_weights(matrix: npt.ArrayLike) -> AhpResult:
    """Derive weights from a reciprocal pairwise comparison matrix (Saaty's eigenvector method).

    Parameters
    ----------
    matrix
        n x n, ``matrix[i][j]`` = how much more important criterion i is than j (> 0).

    Returns
    -------
    The weights and the consistency ratio with Saaty's random index.

    Raises
    ------
    ConfigError
        If the matrix is not square, not positive, or larger than the RI table (15).
    """
    a = np.asarray(matrix, dtype=np.float64)
    if a.ndim != 2 or a.shape[0] != a.shape[1] or a.shape[0] == 0:
        msg = f"AHP matrix must be square and non-empty, got shape {a.shape!r}"
        raise ConfigError(msg)
    n = a.shape[0]
    if n > max(SAATY_RANDOM_INDEX):
        msg = f"AHP matrix of size {n} is larger than the random-index table (at most 15)"
        raise ConfigError(msg)
    if not np.all(np.isfinite(a) & (a > 0)):
        msg = f"AHP matrix entries must be finite and > 0, got {a.tolist()!r}"
        raise ConfigError(msg)
    eigenvalues, eigenvectors = np.linalg.eig(a)
    k = int(np.argmax(eigenvalues.real))
    lambda_max = float(eigenvalues[k].real)
    vector = np.abs(eigenvectors[:, k].real)
    weights = vector / vector.sum()
    ri = SAATY_RANDOM_INDEX[n]
    if n <= 2:
        ci = 0.0
        cr = 0.0
    else:
        ci = (lambda_max - n) / (n - 1)
        cr = ci / ri
    return AhpResult(
        weights=weights,
        lambda_max=lambda_max,
        consistency_index=ci,
        random_index=ri,
        consistency_ratio=cr,
    )


def entropy_weights(values: npt.ArrayLike) -> FloatArray:
    """Return Shannon-entropy weights of a value matrix (rows candidates, columns criteria).

    ``p_ij = x_ij / sum_i x_ij``, ``E_j = -sum_i p_ij ln p_ij / ln m``, ``w_j ∝ 1 - E_j``.
    Values must be >= 0 and finite (use value scores in 0..1).

    Raises
    ------
    ConfigError
        If there are fewer than two candidates, a value is negative or missing, or every
        criterion is equally uninformative (all ``1 - E_j`` are zero).

    >>> entropy_weights([[1.0, 0.5], [0.0, 0.5]]).tolist()
    [1.0, 0.0]
    """
    x = np.asarray(values, dtype=np.float64)
    if x.ndim != 2 or x.shape[0] < 2:
        msg = f"entropy weights need a 2-D matrix with >= 2 candidates, got shape {x.shape!r}"
        raise ConfigError(msg)
    if not np.all(np.isfinite(x) & (x >= 0)):
        msg = "entropy weights need finite values >= 0 (apply value functions first)"
        raise ConfigError(msg)
    totals = x.sum(axis=0)
    p = np.divide(x, totals, out=np.full_like(x, 1.0 / x.shape[0]), where=totals > 0)
    plogp = np.where(p > 0, p * np.log(np.where(p > 0, p, 1.0)), 0.0)
    entropy = -plogp.sum(axis=0) / np.log(x.shape[0])
    diversity = np.clip(1.0 - entropy, 0.0, None)
    if diversity.sum() <= 0:
        msg = "entropy weights are undefined: every criterion has the same value share everywhere"
        raise ConfigError(msg)
    weights: FloatArray = diversity / diversity.sum()
    return weights
