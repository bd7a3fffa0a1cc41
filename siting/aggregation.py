"""Aggregation of criterion values into one score (WSM, WPM, TOPSIS) and ranking.

All functions take a value matrix (rows candidates, columns criteria) and normalised weights and
return scores in 0..1, higher better. Rows with a NaN get a NaN score and no rank.

>>> v = np.array([[1.0, 0.0], [0.5, 0.5], [0.0, 1.0]])
>>> wsm(v, np.array([0.75, 0.25]))
array([0.75, 0.5 , 0.25])
>>> rank_scores(np.array([0.2, 0.9, 0.9, np.nan]))
array([3, 1, 1, 0])
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from siting.types import BoolArray, FloatArray, IntArray

__all__ = ["TIE_TOLERANCE", "rank_scores", "topsis", "wpm", "wsm"]

TIE_TOLERANCE = 1e-12
"""Scores within this of each other (adjacent in order) share a rank."""


def wsm(values: FloatArray, weights: FloatArray) -> FloatArray:
    """Weighted sum: ``sum_j w_j v_ij`` with values in 0..1 and weights summing to 1."""
    return np.asarray(values, dtype=np.float64) @ np.asarray(weights, dtype=np.float64)


def wpm(values: FloatArray, weights: FloatArray) -> FloatArray:
    """Weighted product: ``prod_j v_ij ** w_j`` (a zero value on any criterion gives 0).

    >>> wpm(np.array([[0.25, 1.0], [1.0, 0.0]]), np.array([0.5, 0.5]))
    array([0.5, 0. ])
    """
    v = np.asarray(values, dtype=np.float64)
    w = np.asarray(weights, dtype=np.float64)
    with np.errstate(divide="ignore"):
        logs = np.log(v)
    # 0 ** w = 0 for w > 0: log 0 = -inf, -inf * w sums to -inf and exp gives 0.
    return np.exp(logs @ w)


def topsis(values: FloatArray, weights: FloatArray, *, is_benefit: BoolArray) -> FloatArray:
    """TOPSIS closeness with vector normalisation (Hwang & Yoon 1981).

    ``r_ij = x_ij / sqrt(sum_i x_ij^2)``, ``v_ij = w_j r_ij``; ideal = best of each column
    (max for benefit, min for cost), anti-ideal = worst; closeness = ``d- / (d+ + d-)``.
    Rows with NaN do not enter the ideal points and get NaN. When the ideal and anti-ideal
    coincide for a row (``d+ + d- = 0``), its closeness is 1.

    Parameters
    ----------
    values
        Raw or value-scored criteria, rows candidates.
    weights
        Normalised weights.
    is_benefit
        Per criterion, True when higher is better.
    """
    x = np.asarray(values, dtype=np.float64)
    w = np.asarray(weights, dtype=np.float64)
    is_complete = np.all(np.isfinite(x), axis=1)
    xc = np.where(is_complete[:, None], x, 0.0)
    norms = np.sqrt(np.einsum("ij,ij->j", xc, xc))
    scale = np.divide(w, norms, out=np.zeros_like(w), where=norms > 0)
    v = x * scale
    vc = np.where(is_complete[:, None], v, np.nan)
    if not is_complete.any():
        return np.full(x.shape[0], np.nan)
    col_max = np.nanmax(vc, axis=0)
    col_min = np.nanmin(vc, axis=0)
    benefit = np.asarray(is_benefit, dtype=bool)
    ideal = np.where(benefit, col_max, col_min)
    anti = np.where(benefit, col_min, col_max)
    d_plus = np.sqrt(np.square(v - ideal).sum(axis=1))
    d_minus = np.sqrt(np.square(v - anti).sum(axis=1))
    total = d_plus + d_minus
    closeness = np.divide(d_minus, total, out=np.ones_like(total), where=total > 0)
    return np.where(is_complete, closeness, np.nan)


def rank_scores(scores: npt.ArrayLike) -> IntArray:
    """Rank scores, 1 = highest; ties share the better (smaller) rank; NaN gets 0 (no rank).

    Scores closer than ``TIE_TOLERANCE`` (1e-12) to the next higher score share its rank, so
    scores that differ only by summation-order noise tie.
    """
    s = np.asarray(scores, dtype=np.float64)
    finite = np.isfinite(s)
    ranks = np.zeros(s.shape, dtype=np.int64)
    if not finite.any():
        return ranks
    valid = s[finite]
    order = np.argsort(-valid, kind="stable")
    ordered = valid[order]
    position = np.arange(1, valid.size + 1)
    starts_group = np.ones(valid.size, dtype=bool)
    starts_group[1:] = (ordered[:-1] - ordered[1:]) > TIE_TOLERANCE
    # "min" ranks: every member of a tie group gets the position of the group's first member.
    sorted_ranks = np.maximum.accumulate(np.where(starts_group, position, 0))
    valid_ranks = np.empty(valid.size, dtype=np.int64)
    valid_ranks[order] = sorted_ranks
    ranks[finite] = valid_ranks
    return ranks
