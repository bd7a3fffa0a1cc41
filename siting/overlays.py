"""Turn layers' ``overlays()`` GeoDataFrames into :class:`maps.Overlay` objects for maps.

A layer may offer map features through ``overlays() -> dict[str, GeoDataFrame]`` (EPSG:4326,
``.attrs["attribution"]`` set). The key names the feature set; it decides how it is drawn
(:data:`OVERLAY_KINDS_BY_KEY`), which column is coloured and which labels it. Substations and HV
lines are kept from ``min_voltage_kv`` (220 kV by default) up; submarine cables and landings are
drawn only when the user opts in.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING

import numpy as np
import shapely

from maps import Overlay
from siting.errors import LayerDataError

if TYPE_CHECKING:
    import geopandas as gpd

    from layers.base import Layer, LayerParams
    from layers.catalog import Catalog

__all__ = [
    "LABEL_COLUMNS",
    "OVERLAY_KINDS_BY_KEY",
    "VALUE_COLUMNS",
    "load_overlays",
    "overlays_for_layers",
    "overlays_from_frames",
]

log = logging.getLogger(__name__)

OVERLAY_KINDS_BY_KEY: Mapping[str, str] = {
    "substations": "substations",
    "hv_lines": "lines",
    "lines": "lines",
    "bidding_zones": "zones",
    "zones": "zones",
    "countries": "countries",
    "conflict_events": "events",
    "events": "events",
    "constraint_areas": "areas",
    "areas": "areas",
    "cables": "cables",
    "cable_landings": "cables",
    "landings": "cables",
}
"""Overlay key -> how it is drawn; other keys fall back on their geometry (points, lines, areas)."""
VALUE_COLUMNS: Mapping[str, tuple[str, ...]] = {
    "substations": ("voltage_kv",),
    "lines": ("voltage_kv",),
    "zones": ("price_eur_per_mwh", "wholesale_price_eur_per_mwh", "industrial_price_eur_per_mwh"),
    "countries": ("gdpr_regime", "transfer_regime"),
    "events": ("fatalities", "events"),
    "areas": ("status", "measure"),
    "cables": (),
    "points": (),
}
"""Columns coloured for each kind, first present wins (voltage, price, GDPR regime, ...)."""
LABEL_COLUMNS: tuple[str, ...] = ("name", "zone", "country", "city", "region", "id")
"""Columns used as feature labels, first present wins."""
_FAMILY_KIND = {"point": "points", "line": "lines", "polygon": "areas"}
_TITLES = {
    "substations": "Substations >= {kv:g} kV",
    "lines": "HV lines >= {kv:g} kV",
    "zones": "Bidding zones by price",
    "countries": "Countries by GDPR regime",
    "events": "Conflict events",
    "areas": "Grid constraint areas",
}


def _family(frame: gpd.GeoDataFrame) -> np.ndarray:
    """Return each feature's geometry family ('point', 'line', 'polygon', '')."""
    type_id = shapely.get_type_id(frame.geometry.values)
    families = np.array(["point", "line", "line", "polygon", "point", "line", "polygon", ""])
    return np.where(type_id >= 0, families[np.clip(type_id, 0, 7)], "")


def overlays_from_frames(
    layer_name: str,
    frames: Mapping[str, gpd.GeoDataFrame],
    *,
    min_voltage_kv: float = 220.0,
    include_cables: bool = False,
) -> tuple[list[Overlay], list[str]]:
    """Convert one layer's overlay frames to map overlays.

    Parameters
    ----------
    layer_name
        Name of the layer (for titles and messages).
    frames
        The layer's ``overlays()`` result: key -> GeoDataFrame (EPSG:4326, attribution in
        ``.attrs["attribution"]``).
    min_voltage_kv
        Substations and lines below this voltage, kV, or of unknown voltage, are dropped.
    include_cables
        Draw ``cables`` overlays (submarine cables and landings; often non-commercial licences).

    Returns
    -------
    tuple
        The overlays, and notes on frames not drawn (one line each).

    Raises
    ------
    LayerDataError
        If a frame has no attribution.
    """
    overlays: list[Overlay] = []
    notes: list[str] = []
    for key, frame in frames.items():
        attribution = str(frame.attrs.get("attribution") or "").strip()
        if not attribution:
            msg = f"overlay {key!r} of layer {layer_name!r} has no attribution in .attrs"
            raise LayerDataError(msg)
        families = _family(frame)
        for family in [f for f in ("point", "line", "polygon") if (families == f).any()]:
            part = frame[families == family]
            kind = OVERLAY_KINDS_BY_KEY.get(key, _FAMILY_KIND[family])
            if kind == "cables" and not include_cables:
                notes.append(f"{layer_name}.{key}: cables are drawn only when opted in (--cables)")
                continue
            value = next((c for c in VALUE_COLUMNS[kind] if c in part.columns), None)
            if kind in ("substations", "lines") and value is not None:
                voltage = part[value].to_numpy(dtype=np.float64, na_value=np.nan)
                part = part[voltage >= min_voltage_kv]
            label = next((c for c in LABEL_COLUMNS if c in part.columns), None)
            title = _TITLES.get(kind, f"{layer_name}: {key.replace('_', ' ')}")
            title = title.format(kv=min_voltage_kv)
            if len(families) and len(set(families) - {""}) > 1:
                title = f"{title} ({family}s)"
            overlays.append(Overlay(title, part, kind, value, label, attribution))  # type: ignore[arg-type]
    return overlays, notes


def load_overlays(
    names: Sequence[str],
    catalog: Catalog,
    params: LayerParams,
    *,
    min_voltage_kv: float = 220.0,
    include_cables: bool = False,
) -> tuple[list[Overlay], list[str]]:
    """Load layers by name and return their map overlays, plus notes on what is unavailable.

    Parameters
    ----------
    names
        Built-in layer names (``"grid"``, ``"geopolitics"``, ...).
    catalog
        Data catalogue the layers read through.
    params
        Study-level layer parameters.
    min_voltage_kv, include_cables
        As in :func:`overlays_from_frames`.

    Returns
    -------
    tuple
        Overlays in the order asked, and one note per layer without overlays or frame skipped.

    Raises
    ------
    LayerNotFoundError
        If a name is not a built-in layer.
    DataSourceError
        If a layer's data cannot be found.
    """
    from layers.registry import load_layer

    layers = {name: load_layer(name, catalog, params) for name in names}
    return overlays_for_layers(layers, min_voltage_kv=min_voltage_kv, include_cables=include_cables)


def overlays_for_layers(
    layers: Mapping[str, Layer],
    *,
    min_voltage_kv: float = 220.0,
    include_cables: bool = False,
) -> tuple[list[Overlay], list[str]]:
    """Return the map overlays of already loaded layers, plus notes on what is unavailable.

    Parameters
    ----------
    layers
        Layer name -> loaded layer.
    min_voltage_kv, include_cables
        As for :func:`overlays_from_frames`.
    """
    overlays: list[Overlay] = []
    notes: list[str] = []
    for name, layer in layers.items():
        method = getattr(layer, "overlays", None)
        if method is None:
            notes.append(f"layer {name!r} offers no map overlays")
            continue
        found, skipped = overlays_from_frames(
            name, method(), min_voltage_kv=min_voltage_kv, include_cables=include_cables
        )
        overlays.extend(found)
        notes.extend(skipped)
    for note in notes:
        log.info("overlay unavailable: %s", note)
    return overlays, notes
