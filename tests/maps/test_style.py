import numpy as np
import pandas as pd
import pytest

from maps._style import (
    categorical_scheme,
    score_colors,
    score_palette_index,
    sequential_scheme,
    unit_from_name,
    voltage_scheme,
)


# viridis end points as published by matplotlib (_cm_listed.py): #440154 and #fde725.
@pytest.mark.parametrize(
    ("score", "expected"),
    [(0.0, "#440154"), (1.0, "#fde725"), (np.nan, "#9e9e9e")],
)
def test_score_colors_scalar(score: float, expected: str) -> None:
    assert score_colors([score]).tolist() == [expected]


def test_score_colors_midpoint_is_viridis_midpoint() -> None:
    # matplotlib's viridis at 0.5 is #21918c; branca's 20-stop copy, at index 128/255, may
    # differ by a unit or two per channel.
    colour = score_colors([0.5])[0]
    rgb = [int(colour[i : i + 2], 16) for i in (1, 3, 5)]
    assert all(abs(a - b) <= 2 for a, b in zip(rgb, (0x21, 0x91, 0x8C), strict=True))


def test_score_colors_follow_scores_one_and_many() -> None:
    assert score_colors(np.array([1.0])).tolist() == ["#fde725"]
    many = score_colors(np.array([0.0, 0.25, 1.0, 1.5, -0.2]))
    # out-of-range scores are clipped to the ends of the scale
    assert many.tolist()[3] == "#fde725" and many.tolist()[4] == "#440154"
    assert score_palette_index([0.25]).tolist() == [64]  # round(0.25 * 255) = 63.75 -> 64


def test_voltage_classes() -> None:
    scheme = voltage_scheme(np.array([219.9, 220.0, 299.0, 300.0, 400.0, 500.0, np.nan]))
    assert scheme.index.tolist() == [0, 1, 1, 2, 2, 3, 4]
    assert scheme.palette[1] == "#2ca02c" and scheme.palette[2] == "#d62728"
    assert scheme.legend[-1][1] == "voltage unknown"


def test_sequential_bins_and_legend() -> None:
    scheme = sequential_scheme(np.array([50.0, 100.0, 150.0]), unit="EUR/MWh", steps=4)
    # (v - 50) / 100 * 4 -> 0, 2, 4 (clipped to 3)
    assert scheme.index.tolist() == [0, 2, 3]
    assert scheme.legend[0][1] == "50 EUR/MWh" and scheme.legend[1][1] == "150 EUR/MWh"


def test_categorical_sorted() -> None:
    scheme = categorical_scheme(pd.Series(["third country", "adequacy", "EU/EEA", "adequacy"]))
    assert [label for _, label in scheme.legend] == ["EU/EEA", "adequacy", "third country"]
    assert scheme.index.tolist() == [2, 1, 0, 1]


@pytest.mark.parametrize(
    ("name", "unit"),
    [
        ("power.price_eur_per_mwh", "EUR/MWh"),
        ("grid.line_capacity_mw", "MW"),
        ("area_km2", "km²"),
        ("connectivity.latency_ms", "ms"),
        ("jurisdiction.gdpr_regime", ""),
    ],
)
def test_unit_from_name(name: str, unit: str) -> None:
    assert unit_from_name(name) == unit
