"""The built-in layers: names, their static attribute lists, and loading them.

Each built-in layer lives in its own module under ``layers/`` and exposes, at module level:

- ``NAME``: the layer name (``"grid"``);
- ``ATTRIBUTES``: ``Mapping[str, Attribute]``, keyed by attribute name (without the layer prefix);
- ``SOURCES``: catalogue names the layer may read (opt-in sources included);
- ``load(catalog, params) -> Layer``: reads the data once and returns a ready layer.

Attribute lists are static so that a study can be validated without opening any file.
"""

from __future__ import annotations

import importlib
from collections.abc import Mapping
from types import ModuleType
from typing import TYPE_CHECKING

from layers.base import Attribute, Layer, LayerParams, attribute_key
from siting.errors import LayerNotFoundError

if TYPE_CHECKING:
    from layers.catalog import Catalog

__all__ = [
    "BUILTIN_LAYERS",
    "all_attributes",
    "layer_attributes",
    "layer_module",
    "load_layer",
]

BUILTIN_LAYERS: tuple[str, ...] = (
    "grid",
    "power",
    "jurisdiction",
    "geopolitics",
    "climate",
    "connectivity",
    "hazards",
)
"""Names of the built-in layers, in the order the pipeline samples them."""


def layer_module(name: str) -> ModuleType:
    """Return the module implementing built-in layer ``name``.

    Raises
    ------
    LayerNotFoundError
        If ``name`` is not a built-in layer.
    """
    if name not in BUILTIN_LAYERS:
        msg = f"unknown layer {name!r}; expected one of {', '.join(BUILTIN_LAYERS)}"
        raise LayerNotFoundError(msg)
    return importlib.import_module(f"layers.{name}")


def layer_attributes(name: str) -> Mapping[str, Attribute]:
    """Return the static attribute descriptions of layer ``name`` (no data is read)."""
    module = layer_module(name)
    attributes: Mapping[str, Attribute] = module.ATTRIBUTES
    return attributes


def all_attributes() -> dict[str, Attribute]:
    """Return every built-in attribute keyed ``"layer.attribute"`` (no data is read)."""
    return {
        attribute_key(name, attr): description
        for name in BUILTIN_LAYERS
        for attr, description in layer_attributes(name).items()
    }


def load_layer(name: str, catalog: Catalog, params: LayerParams) -> Layer:
    """Load built-in layer ``name``: read its sources through ``catalog`` once.

    Raises
    ------
    LayerNotFoundError
        If ``name`` is not a built-in layer.
    DataSourceError
        If a source cannot be found, fetched or verified.
    """
    layer: Layer = layer_module(name).load(catalog, params)
    return layer
