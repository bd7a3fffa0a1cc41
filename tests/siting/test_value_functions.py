"""Tests of value functions (hand-computed expectations)."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from siting.study import LinearValue, StepValue
from siting.value_functions import (
    apply_value_function,
    categorical,
    linear,
    logistic,
    minmax,
    piecewise,
    step,
)


@pytest.fixture(params=["scalar", "one", "many"])
def shape(request: pytest.FixtureRequest) -> str:
    return str(request.param)


def test_linear_scalar_one_many(shape: str) -> None:
    values = {"scalar": 95.0, "one": [95.0], "many": [150.0, 95.0, 40.0]}[shape]
    expected = {"scalar": 0.5, "one": [0.5], "many": [0.0, 0.5, 1.0]}[shape]
    np.testing.assert_allclose(linear(values, worst=150.0, best=40.0), expected)


def test_linear_clips_and_keeps_nan() -> None:
    # worst 0, best 10: -5 -> clipped 0; 2.5 -> 0.25; 20 -> clipped 1
    out = linear([-5.0, 2.5, 20.0, np.nan], worst=0.0, best=10.0)
    np.testing.assert_allclose(out, [0.0, 0.25, 1.0, np.nan])


def test_minmax_directions_and_mask() -> None:
    np.testing.assert_allclose(minmax([2.0, 4.0, 6.0], better="higher"), [0.0, 0.5, 1.0])
    np.testing.assert_allclose(minmax([2.0, 4.0, 6.0], better="lower"), [1.0, 0.5, 0.0])
    # range from the masked candidates only (2..4); 6 clips to 1
    mask = np.array([True, True, False])
    np.testing.assert_allclose(minmax([2.0, 4.0, 6.0], better="higher", mask=mask), [0, 1, 1])


def test_minmax_constant_is_one() -> None:
    np.testing.assert_allclose(minmax([3.0, 3.0, np.nan], better="lower"), [1.0, 1.0, np.nan])


def test_piecewise() -> None:
    # points (0,1) (10,0.8) (30,0): x=20 is halfway 0.8 -> 0 = 0.4
    out = piecewise([-1.0, 0.0, 5.0, 20.0, 30.0, 99.0, np.nan], points=[(0, 1), (10, 0.8), (30, 0)])
    np.testing.assert_allclose(out, [1.0, 1.0, 0.9, 0.4, 0.0, 0.0, np.nan])


def test_step_boundaries() -> None:
    out = step([9.99, 10.0, 19.99, 20.0, np.nan], thresholds=[10, 20], values_at=[1.0, 0.6, 0.1])
    np.testing.assert_allclose(out, [1.0, 0.6, 0.6, 0.1, np.nan])


def test_logistic() -> None:
    # 1 / (1 + e^1) = 0.268941..., 1 / (1 + e^-1) = 0.731058...
    lower = logistic([20.0, 25.0, 15.0], midpoint=20.0, scale=5.0, better="lower")
    np.testing.assert_allclose(lower, [0.5, 0.2689414, 0.7310586], rtol=1e-6)
    higher = logistic([25.0], midpoint=20.0, scale=5.0, better="higher")
    np.testing.assert_allclose(higher, [0.7310586], rtol=1e-6)
    assert np.isnan(logistic([np.nan], midpoint=0, scale=1, better="lower"))[0]


def test_categorical() -> None:
    out = categorical(
        ["eea", "adequacy", "third_country", None, "x"],
        mapping={"eea": 1.0, "adequacy": 0.8, "third_country": 0.0},
    )
    np.testing.assert_allclose(out, [1.0, 0.8, 0.0, np.nan, np.nan])
    with_default = categorical(["x", None], mapping={"eea": 1.0}, default=0.2)
    np.testing.assert_allclose(with_default, [0.2, np.nan])
    booleans = categorical(np.array([True, False]), mapping={"true": 1.0, "false": 0.3})
    np.testing.assert_allclose(booleans, [1.0, 0.3])


def test_apply_dispatch() -> None:
    spec = LinearValue(function="linear", worst=0, best=4)
    np.testing.assert_allclose(apply_value_function([1.0], spec, better="higher"), [0.25])
    spec2 = StepValue(function="step", thresholds=[1.0], values=[0.0, 1.0])
    np.testing.assert_allclose(apply_value_function([2.0], spec2, better="higher"), [1.0])
    np.testing.assert_allclose(apply_value_function([1.0, 3.0], None, better="higher"), [0, 1])


finite = st.floats(min_value=-1e6, max_value=1e6, allow_nan=False)


@given(st.lists(finite, min_size=2, max_size=30))
def test_monotone_and_bounded(xs: list[float]) -> None:
    x = np.sort(np.array(xs))
    for out in (
        linear(x, worst=-10.0, best=10.0),
        minmax(x, better="higher"),
        piecewise(x, points=[(-5, 0), (0, 0.3), (5, 1)]),
        step(x, thresholds=[-1, 1], values_at=[0, 0.5, 1]),
        logistic(x, midpoint=0.0, scale=3.0, better="higher"),
    ):
        assert np.all((out >= 0) & (out <= 1))
        assert np.all(np.diff(out) >= -1e-12)
