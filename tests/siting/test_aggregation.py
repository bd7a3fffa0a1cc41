"""Tests of WSM, WPM, TOPSIS and ranking."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays
from pymcdm.methods import TOPSIS
from pymcdm.normalizations import vector_normalization

from siting.aggregation import rank_scores, topsis, wpm, wsm


def test_wsm_hand() -> None:
    v = np.array([[0.2, 0.8], [1.0, 0.0]])
    # 0.25*0.2 + 0.75*0.8 = 0.65 ; 0.25*1 + 0 = 0.25
    np.testing.assert_allclose(wsm(v, np.array([0.25, 0.75])), [0.65, 0.25])


def test_wpm_hand() -> None:
    v = np.array([[0.25, 1.0], [0.5, 0.5], [0.0, 1.0]])
    # 0.25^0.5 * 1^0.5 = 0.5 ; 0.5^0.5 * 0.5^0.5 = 0.5 ; 0 -> 0
    np.testing.assert_allclose(wpm(v, np.array([0.5, 0.5])), [0.5, 0.5, 0.0])
    # 0.8^0.25 * 0.5^0.75 = 0.945742 * 0.594604 = 0.562341
    np.testing.assert_allclose(
        wpm(np.array([[0.8, 0.5]]), np.array([0.25, 0.75])), [0.562341], rtol=1e-5
    )


def test_topsis_published_example() -> None:
    """Papathanasiou, J. & Ploskas, N. (2018). TOPSIS. In Multiple Criteria Decision Aid,
    Springer Optimization and Its Applications 136, pp. 1-30: six alternatives, four benefit
    criteria, weights 0.4, 0.3, 0.1, 0.2, vector normalisation; stated relative closeness
    0.387, 0.327, 0.391, 0.615, 0.868, 0.493."""
    matrix = np.array(
        [[8, 7, 2, 1], [5, 3, 7, 5], [7, 5, 6, 4], [9, 9, 7, 3], [11, 10, 3, 7], [6, 9, 5, 4]],
        dtype=float,
    )
    closeness = topsis(matrix, np.array([0.4, 0.3, 0.1, 0.2]), is_benefit=np.ones(4, bool))
    np.testing.assert_allclose(np.round(closeness, 3), [0.387, 0.327, 0.391, 0.615, 0.868, 0.493])


@settings(max_examples=30, deadline=None)
@given(
    arrays(np.float64, (7, 4), elements=st.floats(1.0, 100.0)),
    arrays(np.float64, 4, elements=st.floats(0.05, 1.0)),
    arrays(np.bool_, 4),
)
def test_topsis_matches_pymcdm(matrix: np.ndarray, raw_w: np.ndarray, benefit: np.ndarray) -> None:
    w = raw_w / raw_w.sum()
    types = np.where(benefit, 1, -1)
    if np.any(np.ptp(matrix, axis=0) == 0):
        return  # pymcdm divides by zero on a constant column
    with warnings.catch_warnings():  # pymcdm warns about dominant alternatives; irrelevant here
        warnings.simplefilter("ignore", UserWarning)
        expected = TOPSIS(normalization_function=vector_normalization)(matrix, w, types)
    np.testing.assert_allclose(topsis(matrix, w, is_benefit=benefit), expected, atol=1e-9)


def test_topsis_nan_rows() -> None:
    m = np.array([[1.0, 2.0], [np.nan, 1.0], [3.0, 1.0]])
    out = topsis(m, np.array([0.5, 0.5]), is_benefit=np.array([True, True]))
    assert np.isnan(out[1]) and np.all(np.isfinite(out[[0, 2]]))


@pytest.mark.parametrize(
    ("scores", "expected"),
    [
        ([0.5], [1]),
        ([0.2, 0.9, 0.9, 0.1], [3, 1, 1, 4]),
        ([np.nan, 0.3, 0.3], [0, 1, 1]),
        ([0.1 + 0.2, 0.3], [1, 1]),  # float noise ties
    ],
)
def test_rank_scores(scores: list[float], expected: list[int]) -> None:
    assert rank_scores(np.array(scores)).tolist() == expected


values = arrays(np.float64, (6, 3), elements=st.floats(0.0, 1.0))
weights = arrays(np.float64, 3, elements=st.floats(0.01, 1.0))


@settings(max_examples=60, deadline=None)
@given(values, weights)
def test_properties(v: np.ndarray, raw_w: np.ndarray) -> None:
    w = raw_w / raw_w.sum()
    benefit = np.ones(3, bool)
    perm = np.array([2, 0, 1])
    for fn in (
        lambda a, b: wsm(a, b),
        lambda a, b: wpm(a, b),
        lambda a, b: topsis(a, b, is_benefit=benefit),
    ):
        s = fn(v, w)
        assert np.all((s >= -1e-12) & (s <= 1 + 1e-12))
        np.testing.assert_allclose(fn(v[:, perm], w[perm]), s, atol=1e-12)
    # dominance: row 0 made >= row 1 on every criterion never ranks below it
    d = v.copy()
    d[0] = np.maximum(v[0], v[1])
    for s in (wsm(d, w), wpm(d, w), topsis(d, w, is_benefit=benefit)):
        r = rank_scores(s)
        assert r[0] <= r[1]
