"""Tests of direct, AHP and entropy weights."""

from __future__ import annotations

import numpy as np
import pytest
from pymcdm.weights.subjective import AHP

from siting.errors import ConfigError
from siting.weights import ahp_weights, entropy_weights, normalise_weights


def test_normalise() -> None:
    np.testing.assert_allclose(normalise_weights([3, 1, 4]), [0.375, 0.125, 0.5])
    with pytest.raises(ConfigError, match=r"weights must be finite and > 0, got \[1.0, 0.0\]"):
        normalise_weights([1.0, 0.0])


def test_ahp_published_job_location_example() -> None:
    """AHP job-choice example, "Location" comparison of jobs A, B, C.

    Source: worked AHP example in course notes "SEC 1.2 Methodology of AHP" (Example 2, Peter's
    three job offers; scribd.com/document/837305994), which states the priorities
    0.1634, 0.2970, 0.5396 (geometric-mean method, which equals the principal eigenvector for
    n = 3). CR by hand: for a 3x3 reciprocal matrix lambda_max = 1 + t + 1/t with
    t = (a13 / (a12 a23))^(1/3) = (4/3)^(1/3) = 1.100642, so lambda_max = 3.009203,
    CI = 0.004601, CR = CI / 0.58 = 0.007933.
    """
    result = ahp_weights([[1, 1 / 2, 1 / 3], [2, 1, 1 / 2], [3, 2, 1]])
    np.testing.assert_allclose(result.weights, [0.1634, 0.2970, 0.5396], atol=5e-4)
    assert round(result.lambda_max, 3) == 3.009
    assert round(result.consistency_ratio, 3) == 0.008
    assert result.random_index == 0.58
    assert result.is_consistent


def test_ahp_consistent_matrix() -> None:
    # weights 0.5, 0.3, 0.2 give a perfectly consistent matrix: CR 0
    w = np.array([0.5, 0.3, 0.2])
    result = ahp_weights(w[:, None] / w[None, :])
    np.testing.assert_allclose(result.weights, w)
    assert abs(result.consistency_ratio) < 1e-9


def test_ahp_against_pymcdm_4x4() -> None:
    matrix = np.array(
        [[1, 3, 5, 9], [1 / 3, 1, 2, 4], [1 / 5, 1 / 2, 1, 3], [1 / 9, 1 / 4, 1 / 3, 1]]
    )
    ours = ahp_weights(matrix)
    theirs = AHP(matrix=matrix)()
    np.testing.assert_allclose(ours.weights, theirs, atol=1e-6)
    # pymcdm uses Tummala & Ling's RI (0.8921 for n=4); convert its CR to Saaty's RI 0.90.
    np.testing.assert_allclose(
        ours.consistency_ratio, AHP(matrix=matrix).get_cr() * 0.8921 / 0.90, rtol=1e-6
    )


def test_ahp_inconsistent_flagged() -> None:
    # A > B (9), B > C (9), but C > A (9): strongly intransitive
    result = ahp_weights([[1, 9, 1 / 9], [1 / 9, 1, 9], [9, 1 / 9, 1]])
    assert result.consistency_ratio > 0.1
    assert not result.is_consistent


def test_ahp_errors() -> None:
    with pytest.raises(ConfigError, match="square"):
        ahp_weights([[1, 2]])
    with pytest.raises(ConfigError, match="larger than the random-index table"):
        ahp_weights(np.ones((16, 16)))


def test_entropy_hand_computed() -> None:
    # column 1: shares 0.25, 0.75 -> E = -(0.25 ln 0.25 + 0.75 ln 0.75) / ln 2 = 0.811278
    # column 2: equal shares -> E = 1 -> weight 0
    w = entropy_weights([[1.0, 2.0], [3.0, 2.0]])
    np.testing.assert_allclose(w, [1.0, 0.0])
    # three criteria: d = 1 - E
    x = np.array([[1.0, 1.0], [3.0, 2.0]])
    d1 = 1 - 0.811278124459
    d2 = 1 - (-(1 / 3 * np.log(1 / 3) + 2 / 3 * np.log(2 / 3)) / np.log(2))
    np.testing.assert_allclose(entropy_weights(x), [d1 / (d1 + d2), d2 / (d1 + d2)], rtol=1e-9)


def test_entropy_errors() -> None:
    with pytest.raises(ConfigError, match="undefined"):
        entropy_weights([[1.0], [1.0]])
    with pytest.raises(ConfigError, match=">= 2 candidates"):
        entropy_weights([[1.0, 2.0]])
