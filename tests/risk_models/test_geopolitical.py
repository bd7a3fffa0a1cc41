"""Tests of the geopolitical risk model: hand-computed values, properties, real places."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from risk_models import geopolitical
from siting.errors import ConfigError


def table(stability, se, exposure) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "geopolitics.stability": np.atleast_1d(np.asarray(stability, dtype=float)),
            "geopolitics.stability_se": np.atleast_1d(np.asarray(se, dtype=float)),
            "geopolitics.conflict_exposure": np.atleast_1d(np.asarray(exposure, dtype=float)),
        }
    )


def test_hand_computed_values() -> None:
    out = geopolitical.compute(table([0.5, -1.5, 3.0], [0.2, 0.2, 0.2], [0.0, 100.0, 0.0]))
    # s = (2.5 - 0.5) / 5 = 0.4; no conflict -> risk 0.4; std = 0.2 / 5 = 0.04
    # s = 0.8, c = 1 - e^-2 = 0.8646647; risk = 1 - 0.2 * 0.1353353 = 0.9729329
    # std = 0.1353353 * 0.04 = 0.0054134; stability 3.0 is clipped: risk 0, std 0
    assert out.risk.tolist() == pytest.approx([0.4, 0.9729329, 0.0], abs=1e-7)
    assert out.std.tolist() == pytest.approx([0.04, 0.0054134, 0.0], abs=1e-7)
    assert out.reasons.tolist()[0] is None
    assert out.reasons.tolist()[1].startswith("recorded conflict nearby (exposure 100 fatalities")


def test_low_stability_reason_and_parameters() -> None:
    out = geopolitical.compute(
        table([-2.0], [0.3], [10.0]), stability_range=(-2.0, 2.0), exposure_scale=10.0
    )
    # s = 1 (at the edge, not clipped); c = 1 - 1/e; risk = 1; std = (1/e) * 0.3 / 4
    assert out.risk.iloc[0] == pytest.approx(1.0)
    assert out.std.iloc[0] == pytest.approx(math.exp(-1) * 0.075)
    assert out.reasons.iloc[0] == "low political stability (WGI estimate -2.00)"


@pytest.mark.parametrize("n", [1, 5])
def test_shapes_and_index(n: int) -> None:
    frame = table([0.0] * n, [0.1] * n, [0.0] * n)
    frame.index = pd.Index([f"s{i}" for i in range(n)])
    out = geopolitical.compute(frame)
    assert out.risk.index.equals(frame.index)
    assert out.risk.tolist() == pytest.approx([0.5] * n)


def test_nan_propagates() -> None:
    out = geopolitical.compute(table([np.nan, 0.0], [0.2, np.nan], [0.0, np.nan]))
    assert np.isnan(out.risk.iloc[0]) and np.isnan(out.std.iloc[0])
    assert np.isnan(out.risk.iloc[1])


def test_missing_column_and_bad_parameters() -> None:
    with pytest.raises(ConfigError, match=r"needs attribute 'geopolitics\.conflict_exposure'"):
        geopolitical.compute(
            table([0.0], [0.1], [0.0]).drop(columns="geopolitics.conflict_exposure")
        )
    with pytest.raises(ConfigError, match=r"exposure_scale 0\.0"):
        geopolitical.compute(table([0.0], [0.1], [0.0]), exposure_scale=0.0)
    with pytest.raises(ConfigError, match=r"stability_range \(1\.0, -1\.0\)"):
        geopolitical.compute(table([0.0], [0.1], [0.0]), stability_range=(1.0, -1.0))


@given(
    st.floats(-4, 4),
    st.floats(-4, 4),
    st.floats(0, 1e4),
    st.floats(0, 1e4),
)
def test_bounded_and_monotone(a: float, b: float, e1: float, e2: float) -> None:
    out = geopolitical.compute(table([a, b, a, a], [0.2] * 4, [e1, e1, e1, e2]))
    risk = out.risk.to_numpy()
    assert np.all((risk >= 0) & (risk <= 1))
    # less stable -> not less risky; more exposure -> not less risky
    if a <= b:
        assert risk[0] >= risk[1] - 1e-12
    if e1 <= e2:
        assert risk[3] >= risk[2] - 1e-12


@pytest.mark.realdata
def test_kharkiv_warsaw_oslo(mirror) -> None:
    from layers.base import LayerParams
    from layers.catalog import Catalog
    from layers.geopolitics import load

    layer = load(Catalog(mirror=mirror, allow_download=False), LayerParams())
    lon = np.array([36.2304, 21.0122, 10.7522])  # Kharkiv, Warsaw, Oslo
    lat = np.array([49.9935, 52.2297, 59.9139])
    out = geopolitical.compute(layer.sample_lonlat(lon, lat))
    kharkiv, warsaw, oslo = out.risk.tolist()
    assert kharkiv > warsaw > oslo
    assert kharkiv > 0.9  # Ukraine's WGI 2023 -1.43 and heavy recorded fighting nearby
    assert out.std.notna().all()
