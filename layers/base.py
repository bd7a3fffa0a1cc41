"""The Layer protocol, attribute descriptions and the parameters a study passes to layers.

A layer turns catalogue sources into named, typed attributes for each candidate. Loading a layer
(``load(catalog, params)`` in each layer module) does the I/O once; ``Layer.sample`` is pure
compute on in-memory data and returns a DataFrame aligned to the candidates' index, with NaN
(or None for text) where there is no data. Attribute keys are ``"<layer>.<attribute>"``.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal, Protocol, runtime_checkable

from siting.errors import ConfigError

if TYPE_CHECKING:
    import geopandas as gpd
    import pandas as pd

    from layers.catalog import Source

__all__ = [
    "EU_EEA_COUNTRIES",
    "Attribute",
    "Layer",
    "LayerParams",
    "attribute_key",
    "check_option_keys",
    "layer_options",
]

Better = Literal["higher", "lower", "none"]
Dtype = Literal["float", "int", "bool", "str"]

EU_EEA_COUNTRIES: tuple[str, ...] = (
    "AT", "BE", "BG", "HR", "CY", "CZ", "DK", "EE", "FI", "FR", "DE", "GR", "HU", "IE", "IT",
    "LV", "LT", "LU", "MT", "NL", "PL", "PT", "RO", "SK", "SI", "ES", "SE", "IS", "LI", "NO",
)  # fmt: skip
"""ISO 3166-1 alpha-2 codes of the 27 EU members plus the EEA-EFTA states (IS, LI, NO)."""


@dataclass(frozen=True)
class Attribute:
    """One attribute a layer produces.

    Parameters
    ----------
    name
        Key within the layer, with its unit in the name (``"substation_distance_km"``).
    unit
        Unit as text (``"km"``, ``"EUR/MWh"``, ``"1"`` for unitless, ``""`` for text/categorical).
    better
        ``"higher"``, ``"lower"`` or ``"none"`` (categorical or context): the natural direction a
        criterion on this attribute would take. Criteria still state their own direction.
    description
        One or two sentences: what the value means and how it is computed.
    dtype
        ``"float"``, ``"int"``, ``"bool"`` or ``"str"``.
    sources
        Catalogue names (data-root relative paths) or fact-table names the value comes from.
    """

    name: str
    unit: str
    better: Better
    description: str
    dtype: Dtype = "float"
    sources: tuple[str, ...] = ()


def attribute_key(layer: str, attribute: str) -> str:
    """Return the full attribute key ``"layer.attribute"``.

    >>> attribute_key("grid", "substation_distance_km")
    'grid.substation_distance_km'
    """
    return f"{layer}.{attribute}"


@dataclass(frozen=True)
class LayerParams:
    """Study-level parameters layers may use; every field has a documented default.

    Parameters
    ----------
    it_load_mw
        IT load of the planned data centre, MW (drives the default minimum substation voltage).
    min_voltage_kv
        Minimum substation voltage, kV; ``None`` derives it from ``it_load_mw`` (grid layer rule).
    radius_km
        Radius for within-radius sums (line capacity, generation), km.
    market
        ISO alpha-2 codes of the countries whose population a latency criterion serves.
    opt_in
        Licence flags (``"non-commercial"``, ``"share-alike"``, ``"copyleft"``, ``"unclear"``) or
        catalogue names the user has opted into.
    options
        Per-layer extra options from the study's ``[layers.<name>]`` table, keyed by layer name.
    """

    it_load_mw: float = 100.0
    min_voltage_kv: float | None = None
    radius_km: float = 25.0
    market: tuple[str, ...] = EU_EEA_COUNTRIES
    opt_in: frozenset[str] = frozenset()
    options: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)  # Any: free-form TOML


def check_option_keys(
    options: Mapping[str, Any], *, layer: str, allowed: Iterable[str]
) -> dict[str, Any]:  # Any: TOML values
    """Return a copy of a layer's options table after refusing keys the layer does not know.

    Values are the layer's to validate; this checks keys only.

    Raises
    ------
    ConfigError
        If a key is not in ``allowed`` (the message names it and lists the allowed keys).

    >>> check_option_keys({"radius": 3}, layer="grid", allowed=["line_spacing_km"])
    Traceback (most recent call last):
    ...
    siting.errors.ConfigError: unknown option 'radius' for layer 'grid'; expected one of ...
    """
    names = list(allowed)
    for key in options:
        if key not in names:
            msg = f"unknown option {key!r} for layer {layer!r}; expected one of {', '.join(names)}"
            raise ConfigError(msg)
    return dict(options)


def layer_options(
    params: LayerParams, layer: str, allowed: Iterable[str]
) -> dict[str, Any]:  # Any: TOML values
    """Return the study's ``[layers.options.<layer>]`` table with its keys checked.

    Raises
    ------
    ConfigError
        If a key is not in ``allowed`` (see :func:`check_option_keys`).
    """
    return check_option_keys(params.options.get(layer, {}), layer=layer, allowed=allowed)


@runtime_checkable
class Layer(Protocol):
    """A spatial layer: named, typed attributes sampled for each candidate."""

    name: str
    attributes: Mapping[str, Attribute]
    sources: Sequence[Source]

    def sample(self, candidates: gpd.GeoDataFrame) -> pd.DataFrame:
        """Return one row per candidate (same index), columns ``"<layer>.<attribute>"``."""
        ...

    def metadata(self) -> dict[str, Any]:  # Any: JSON-serialisable values
        """Return parameters, rules and notes applied (JSON-serialisable), for result metadata."""
        ...
