"""Colours and units for maps: score palette, voltage classes, categories, unit names.

Colours are computed here, once, as whole arrays; the browser only looks them up.
"""

from __future__ import annotations

from functools import lru_cache
from typing import TYPE_CHECKING

import branca.colormap as cm
import numpy as np
import numpy.typing as npt
import pandas as pd

if TYPE_CHECKING:
    from collections.abc import Mapping
    from typing import Any

__all__ = [
    "CATEGORY_COLORS",
    "EXCLUDED_COLOR",
    "KIND_COLORS",
    "MISSING_COLOR",
    "SCORE_PALETTE_SIZE",
    "VOLTAGE_CLASSES_KV",
    "ColorScheme",
    "categorical_scheme",
    "score_colors",
    "score_palette",
    "score_palette_index",
    "sequential_scheme",
    "unit_from_name",
    "voltage_scheme",
]

SCORE_PALETTE_SIZE = 256
"""Scores 0..1 map to this many viridis colours (index ``round(score * 255)``)."""
EXCLUDED_COLOR = "#9e9e9e"
"""Grey of excluded candidates."""
MISSING_COLOR = "#cccccc"
"""Colour of overlay features whose value is missing (NaN)."""
VOLTAGE_CLASSES_KV: tuple[tuple[float, str, str], ...] = (
    (0.0, "#7f7f7f", "< 220 kV"),
    (220.0, "#2ca02c", "220-299 kV"),
    (300.0, "#d62728", "300-499 kV (380/400 kV)"),
    (500.0, "#9467bd", ">= 500 kV"),
)
"""(lower bound kV, colour, label): the ENTSO-E map habit, 220 kV green and 380/400 kV red."""
CATEGORY_COLORS: tuple[str, ...] = (
    "#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd",
    "#8c564b", "#e377c2", "#17becf", "#bcbd22", "#7f7f7f",
)  # fmt: skip
"""Tableau-10 colours for categorical values, assigned to the sorted categories in turn."""
KIND_COLORS: Mapping[str, str] = {
    "substations": "#2ca02c",
    "lines": "#2ca02c",
    "zones": "#fd8d3c",
    "countries": "#6a3d9a",
    "events": "#e41a1c",
    "areas": "#ff7f00",
    "cables": "#1f78b4",
    "points": "#333333",
}
"""Colour of an overlay drawn without a value column."""

_UNIT_SUFFIXES: tuple[tuple[str, str], ...] = (
    ("_eur_per_mwh", "EUR/MWh"),
    ("_eur_per_year", "EUR/year"),
    ("_eur_per_kw", "EUR/kW"),
    ("_g_per_kwh", "gCO2/kWh"),
    ("_gco2_per_kwh", "gCO2/kWh"),
    ("_mwh_per_year", "MWh/year"),
    ("_km2", "km²"),
    ("_km", "km"),
    ("_kv", "kV"),
    ("_mw", "MW"),
    ("_mva", "MVA"),
    ("_ms", "ms"),
    ("_m", "m"),
    ("_c", "°C"),
    ("_eur", "EUR"),
    ("_pct", "%"),
    ("_share", "share"),
    ("_probability", "probability"),
    ("_hours", "h"),
    ("_years", "years"),
    ("_count", "count"),
)


def unit_from_name(name: str) -> str:
    """Return the unit a column name states in its suffix (STYLE C5), or ``""``.

    >>> unit_from_name("grid.substation_distance_km")
    'km'
    >>> unit_from_name("cost.energy_eur_per_year")
    'EUR/year'
    >>> unit_from_name("score")
    ''
    """
    lowered = name.lower()
    for suffix, unit in _UNIT_SUFFIXES:
        if lowered.endswith(suffix):
            return unit
    return ""


@lru_cache(maxsize=1)
def score_palette() -> tuple[str, ...]:
    """Return the 256 viridis colours of scores 0, 1/255, ..., 1 (branca's viridis)."""
    colormap = cm.linear.viridis.scale(0.0, 1.0)
    last = SCORE_PALETTE_SIZE - 1
    return tuple(colormap.rgb_hex_str(i / last) for i in range(SCORE_PALETTE_SIZE))


def score_palette_index(scores: npt.ArrayLike) -> npt.NDArray[np.int64]:
    """Return each score's index into :func:`score_palette`; -1 where the score is NaN.

    >>> score_palette_index([0.0, 0.5, 1.0, float("nan")]).tolist()
    [0, 128, 255, -1]
    """
    values = np.asarray(scores, dtype=np.float64)
    last = SCORE_PALETTE_SIZE - 1
    index = np.rint(np.clip(values, 0.0, 1.0) * last)
    return np.where(np.isnan(values), -1, index).astype(np.int64)


def score_colors(scores: npt.ArrayLike) -> npt.NDArray[np.str_]:
    """Return the ``#rrggbb`` colour of each score (viridis, 0 dark purple, 1 yellow).

    NaN (excluded or unscored) is grey.

    >>> score_colors([0.0, 1.0, float("nan")]).tolist()
    ['#440154', '#fde725', '#9e9e9e']
    """
    palette = np.array((*score_palette(), EXCLUDED_COLOR))
    return palette[score_palette_index(scores)]


class ColorScheme:
    """Per-feature palette indices plus the palette and its legend entries.

    Parameters
    ----------
    index
        Palette index of each feature (int array).
    palette
        Colours ``#rrggbb``.
    legend
        ``(colour, label)`` rows to show in the map legend.
    """

    def __init__(
        self, index: npt.NDArray[np.int64], palette: list[str], legend: list[tuple[str, str]]
    ) -> None:
        self.index = index
        self.palette = palette
        self.legend = legend

    def as_dict(self) -> dict[str, Any]:  # Any: JSON values
        """Return the JSON form the map script reads."""
        return {"index": self.index.tolist(), "palette": self.palette}


def voltage_scheme(voltage_kv: npt.ArrayLike) -> ColorScheme:
    """Colour voltages by :data:`VOLTAGE_CLASSES_KV`; NaN voltages get :data:`MISSING_COLOR`.

    >>> voltage_scheme([110.0, 220.0, 380.0, 750.0, float("nan")]).index.tolist()
    [0, 1, 2, 3, 4]
    """
    values = np.asarray(voltage_kv, dtype=np.float64)
    bounds = np.array([lower for lower, _, _ in VOLTAGE_CLASSES_KV[1:]])
    index = np.digitize(values, bounds)
    index = np.where(np.isnan(values), len(VOLTAGE_CLASSES_KV), index).astype(np.int64)
    palette = [color for _, color, _ in VOLTAGE_CLASSES_KV] + [MISSING_COLOR]
    legend = [(color, label) for _, color, label in VOLTAGE_CLASSES_KV]
    if np.isnan(values).any():
        legend.append((MISSING_COLOR, "voltage unknown"))
    return ColorScheme(index, palette, legend)


def sequential_scheme(values: npt.ArrayLike, *, unit: str, steps: int = 9) -> ColorScheme:
    """Colour numbers on a yellow-orange-red scale from their minimum to their maximum.

    Values are binned into ``steps`` equal-width classes; NaN gets :data:`MISSING_COLOR`.

    >>> sequential_scheme([10.0, 20.0, float("nan")], unit="EUR/MWh", steps=2).index.tolist()
    [0, 1, 2]
    """
    data = np.asarray(values, dtype=np.float64)
    finite = data[np.isfinite(data)]
    colormap = cm.linear.YlOrRd_09
    palette = [colormap.rgb_hex_str(i / max(steps - 1, 1)) for i in range(steps)]
    if finite.size == 0:
        index = np.full(data.shape, steps, dtype=np.int64)
        return ColorScheme(index, [*palette, MISSING_COLOR], [(MISSING_COLOR, "no data")])
    low, high = float(finite.min()), float(finite.max())
    span = high - low
    scaled = np.zeros_like(data) if span == 0 else (data - low) / span
    index = np.minimum(np.floor(scaled * steps), steps - 1)
    index = np.where(np.isnan(data), steps, index).astype(np.int64)
    suffix = f" {unit}" if unit else ""
    legend = [(palette[0], f"{low:.4g}{suffix}"), (palette[-1], f"{high:.4g}{suffix}")]
    if np.isnan(data).any():
        legend.append((MISSING_COLOR, "no data"))
    return ColorScheme(index, [*palette, MISSING_COLOR], legend)


def categorical_scheme(values: pd.Series) -> ColorScheme:
    """Colour text categories with :data:`CATEGORY_COLORS` in sorted order (cycling past 10).

    >>> scheme = categorical_scheme(pd.Series(["b", "a", None, "b"]))
    >>> scheme.index.tolist(), scheme.legend[:2]
    ([1, 0, 2, 1], [('#1f77b4', 'a'), ('#ff7f0e', 'b')])
    """
    codes, categories = pd.factorize(values.astype("string"), sort=True, use_na_sentinel=True)
    palette = [CATEGORY_COLORS[i % len(CATEGORY_COLORS)] for i in range(len(categories))]
    index = np.where(codes < 0, len(categories), codes).astype(np.int64)
    legend = [(palette[i], str(category)) for i, category in enumerate(categories)]
    if (codes < 0).any():
        legend.append((MISSING_COLOR, "no data"))
    return ColorScheme(index, [*palette, MISSING_COLOR], legend)
