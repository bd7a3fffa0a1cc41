"""Tests of the composite risk: geometric means written out by hand, std, properties."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from risk_models import composite
from siting.errors import ConfigError


def test_safety_form_hand_values() -> None:
    frame = pd.DataFrame({"risk.a": [0.5, 0.36, 1.0, 0.19], "risk.b": [0.5, 0.0, 0.0, 0.0]})
    out = composite.compute(frame, dimensions=["a", "b"])
    # 1 - sqrt(0.5*0.5) = 0.5; 1 - sqrt(0.64) = 0.2; a dimension at 1 -> 1; 1 - sqrt(0.81) = 0.1
    assert out.risk.tolist() == pytest.approx([0.5, 0.2, 1.0, 0.1])
    assert out.reasons.tolist()[:3] == ["worst dimension: a", None, "worst dimension: a"]


def test_weights_and_std() -> None:
    frame = pd.DataFrame({"risk.a": [0.19, 0.36], "risk.b": [0.0, 0.0]})
    weighted = composite.compute(frame, dimensions=["a", "b"], weights={"a": 3.0, "b": 1.0})
    # 1 - 0.81 ** 0.75 = 0.1461850
    assert weighted.risk.iloc[0] == pytest.approx(0.1461850, abs=1e-7)
    stds = {"a": pd.Series([0.0, 0.1]), "b": None}
    out = composite.compute(frame, dimensions=["a", "b"], stds=stds)
    # std = (1 - 0.2) * (0.5 * 0.1 / 0.64) = 0.0625
    assert out.std.iloc[1] == pytest.approx(0.0625)
    assert out.std.iloc[0] == 0.0


def test_inform_form() -> None:
    frame = pd.DataFrame({"risk.a": [0.25], "risk.b": [0.64]})
    out = composite.compute(
        frame, dimensions=["a", "b"], form="inform", stds={"a": pd.Series([0.05])}
    )
    # sqrt(0.25 * 0.64) = 0.4; std = 0.4 * (0.5 * 0.05 / 0.25) = 0.04
    assert out.risk.iloc[0] == pytest.approx(0.4)
    assert out.std.iloc[0] == pytest.approx(0.04)


def test_nan_propagates() -> None:
    out = composite.compute(
        pd.DataFrame({"risk.a": [np.nan], "risk.b": [0.1]}), dimensions=["a", "b"]
    )
    assert np.isnan(out.risk.iloc[0]) and np.isnan(out.std.iloc[0])


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"dimensions": []}, r"dimensions \[\] is empty"),
        ({"dimensions": ["a", "c"]}, "composite needs column 'risk.c'"),
        (
            {"dimensions": ["a"], "form": "mean"},
            "form 'mean' is unknown; expected one of safety, inform",
        ),
        ({"dimensions": ["a"], "weights": {"z": 1.0}}, "weight for 'z' names no dimension"),
        ({"dimensions": ["a"], "weights": {"a": -1.0}}, "expected numbers > 0"),
    ],
)
def test_errors(kwargs, match) -> None:
    with pytest.raises(ConfigError, match=match):
        composite.compute(pd.DataFrame({"risk.a": [0.1]}), **kwargs)


@given(
    st.lists(st.floats(0, 1), min_size=2, max_size=5),
    st.lists(st.floats(0.1, 10), min_size=5, max_size=5),
)
def test_not_below_weighted_mean(risks: list[float], weights: list[float]) -> None:
    w = np.array(weights[: len(risks)])
    r, _ = composite.combine(np.array([risks]), w)
    mean = float(np.sum(w / w.sum() * np.array(risks)))
    assert 0.0 <= r[0] <= 1.0
    assert r[0] >= mean - 1e-9
    assert r[0] <= max(risks) + 1e-9
