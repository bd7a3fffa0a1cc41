"""Sample built-in layers for a set of candidates and collect the sources they used.

:func:`sample_layers` loads each named layer once (``layers.registry.load_layer``, all I/O
there), calls its pure ``sample`` and joins the columns on the candidates' index.
:func:`layers_for_attributes` says which layers a set of attribute keys needs, so a study loads
only those. :func:`write_samples` writes candidates plus attributes to CSV/GeoJSON/GeoPackage.
"""

from __future__ import annotations

import dataclasses
import difflib
import json
import logging
import time
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from layers import registry
from layers.base import Layer, LayerParams
from siting.errors import ConfigError, LayerDataError, LayerNotFoundError
from siting.files import write_atomically

if TYPE_CHECKING:
    from layers.base import Layer
    from layers.catalog import Catalog, Source

__all__ = [
    "NO_LAYER_PREFIXES",
    "OUTPUT_SUFFIXES",
    "check_output_path",
    "layers_for_attributes",
    "parse_layer_names",
    "sample_layers",
    "write_samples",
]

logger = logging.getLogger(__name__)

NO_LAYER_PREFIXES: tuple[str, ...] = ("site", "risk")
"""Attribute prefixes that need no layer: ``site.*`` (candidates' own columns) and ``risk.*``
(computed by risk models from other attributes)."""

OUTPUT_SUFFIXES: tuple[str, ...] = (".csv", ".geojson", ".gpkg")
"""File types :func:`write_samples` writes."""

_SOURCE_KEYS = ("name", "licence", "licence_flag", "attribution", "vintage", "sha256")


def parse_layer_names(spec: str | Iterable[str]) -> tuple[str, ...]:
    """Turn ``"grid,power"`` / ``"all"`` / a list into validated built-in layer names.

    Names are stripped, lower-cased and de-duplicated in order; ``"all"`` means every built-in
    layer in pipeline order.

    Raises
    ------
    LayerNotFoundError
        If a name is not a built-in layer (close matches and the valid names are listed), or
        no name is given.

    Examples
    --------
    >>> parse_layer_names("power, grid,power")
    ('power', 'grid')
    >>> parse_layer_names("all") == registry.BUILTIN_LAYERS
    True
    """
    items = spec.split(",") if isinstance(spec, str) else list(spec)
    names = [str(item).strip().lower() for item in items if str(item).strip()]
    if not names:
        valid = ", ".join(registry.BUILTIN_LAYERS)
        msg = f"no layer named in {spec!r}; expected one or more of {valid} or 'all'"
        raise LayerNotFoundError(msg)
    if "all" in names:
        return tuple(registry.BUILTIN_LAYERS)
    unknown = [n for n in names if n not in registry.BUILTIN_LAYERS]
    if unknown:
        hints = []
        for name in unknown:
            close = [n for n in registry.BUILTIN_LAYERS if n.startswith(name)]
            close = close or difflib.get_close_matches(name, registry.BUILTIN_LAYERS, n=2)
            hints.append(f"{name!r} (did you mean {' or '.join(close)}?)" if close else repr(name))
        msg = (
            f"unknown layer {', '.join(hints)}; expected one or more of "
            f"{', '.join(registry.BUILTIN_LAYERS)} or 'all'"
        )
        raise LayerNotFoundError(msg)
    return tuple(dict.fromkeys(names))


def sample_layers(
    candidates: gpd.GeoDataFrame,
    layer_names: Sequence[str],
    *,
    catalog: Catalog,
    params: LayerParams,
    on_layer: Callable[[Layer], None] | None = None,
) -> tuple[pd.DataFrame, dict[str, Any]]:  # Any: JSON-serialisable metadata values
    """Load each named layer once, sample it for the candidates and join the columns.

    Parameters
    ----------
    candidates
        Validated candidates (:func:`siting.candidates.validate_candidates`), EPSG:4326.
    layer_names
        Built-in layer names (validated before anything is loaded; duplicates are sampled once).
    catalog
        Resolves the layers' data files.
    params
        Study-level layer parameters.
    on_layer
        Called with each layer once it has been sampled (progress, keeping loaded layers).

    Returns
    -------
    attributes : pandas.DataFrame
        Index of ``candidates``; columns ``"<layer>.<attribute>"`` in layer order. NaN = no data.
    metadata : dict
        ``{layer name: layer.metadata(), ..., "sources": [source dict, ...]}``; each source dict
        has ``name``, ``licence``, ``licence_flag``, ``attribution``, ``vintage``, ``sha256``
        (one entry per catalogue name, in first-use order).

    Raises
    ------
    LayerNotFoundError
        If a name is not a built-in layer, or its module cannot be imported.
    LayerDataError
        If a layer returns a frame that is not aligned to the candidates or has columns outside
        its ``"<layer>."`` prefix.
    DataSourceError, LicenceError
        From the catalogue when a source is missing or needs an opt-in.
    """
    names = parse_layer_names(layer_names)
    frames: list[pd.DataFrame] = []
    metadata: dict[str, Any] = {}  # Any: JSON-serialisable values
    sources: dict[str, dict[str, Any]] = {}  # Any: JSON-serialisable values
    for name in names:  # one iteration per layer, never per candidate
        started = time.perf_counter()
        try:
            layer = registry.load_layer(name, catalog, params)
        except ImportError as err:
            msg = f"layer {name!r} is not available ({err}); expected an importable layers.{name}"
            raise LayerNotFoundError(msg) from err
        loaded = time.perf_counter()
        frame = layer.sample(candidates)
        _check_frame(name, frame, candidates)
        frames.append(frame)
        metadata[name] = layer.metadata()
        for source in layer.sources:
            sources.setdefault(source.name, _source_dict(source))
        if on_layer is not None:
            on_layer(layer)
        logger.info(
            "layer %s: loaded in %.2f s, sampled %d candidates in %.2f s",
            name,
            loaded - started,
            len(candidates),
            time.perf_counter() - loaded,
        )
    attributes = pd.concat(frames, axis=1) if frames else pd.DataFrame(index=candidates.index)
    metadata["sources"] = list(sources.values())
    return attributes, metadata


def _check_frame(name: str, frame: pd.DataFrame, candidates: gpd.GeoDataFrame) -> None:
    """Reject a layer output that is misaligned or outside the layer's key prefix."""
    if not isinstance(frame, pd.DataFrame) or not frame.index.equals(candidates.index):
        msg = (
            f"layer {name!r} returned a result not aligned to the {len(candidates)} candidates; "
            "expected a DataFrame with the candidates' index"
        )
        raise LayerDataError(msg)
    foreign = [str(c) for c in frame.columns if not str(c).startswith(f"{name}.")]
    if foreign:
        msg = f"layer {name!r} returned columns {foreign[:5]!r}; expected keys '{name}.<attribute>'"
        raise LayerDataError(msg)


def _source_dict(source: Source) -> dict[str, Any]:  # Any: JSON-serialisable values
    """Return the result-metadata view of a catalogue Source."""
    full = source.as_dict() if hasattr(source, "as_dict") else dataclasses.asdict(source)
    return {key: full.get(key, "") for key in _SOURCE_KEYS}


def layers_for_attributes(keys: Iterable[str]) -> list[str]:
    """Return the built-in layers (pipeline order) that the attribute keys need.

    ``site.*`` (candidates' columns) and ``risk.*`` (risk models) need no layer. Every other key
    must be ``"<layer>.<attribute>"`` of a built-in layer and a known attribute of it.

    Raises
    ------
    LayerNotFoundError
        If a key's layer or attribute does not exist (close matches are suggested), or the
        layer's module cannot be imported to check the attribute.

    Examples
    --------
    >>> layers_for_attributes(["site.land_price", "risk.composite"])
    []
    """
    needed: dict[str, None] = {}
    unknown: list[str] = []
    for key in keys:  # attribute keys of a study: a handful
        prefix, _, attribute = str(key).partition(".")
        if prefix in NO_LAYER_PREFIXES and attribute:
            continue
        if prefix not in registry.BUILTIN_LAYERS or not attribute:
            unknown.append(str(key))
            continue
        if attribute not in _attributes_of(prefix):
            unknown.append(str(key))
            continue
        needed[prefix] = None
    if unknown:
        raise _unknown_keys(unknown)
    return [name for name in registry.BUILTIN_LAYERS if name in needed]


def _attributes_of(name: str) -> Any:  # Any: Mapping[str, Attribute]
    """Return the static attributes of a built-in layer; a missing module is LayerNotFoundError."""
    try:
        return registry.layer_attributes(name)
    except ImportError as err:
        msg = f"layer {name!r} is not available ({err}); expected an importable layers.{name}"
        raise LayerNotFoundError(msg) from err


def _unknown_keys(unknown: Sequence[str]) -> LayerNotFoundError:
    """Build the error for unknown attribute keys with close matches from importable layers."""
    known = [f"{p}.<column>" for p in NO_LAYER_PREFIXES]
    for name in registry.BUILTIN_LAYERS:
        try:
            known += [f"{name}.{a}" for a in registry.layer_attributes(name)]
        except ImportError:
            known.append(f"{name}.<unavailable>")
    hints = []
    for key in unknown:
        close = difflib.get_close_matches(key, known, n=3, cutoff=0.6)
        hints.append(f"{key!r} (close: {', '.join(close)})" if close else repr(key))
    msg = (
        f"unknown attribute {', '.join(hints)}; expected 'layer.attribute' with a layer among "
        f"{', '.join(registry.BUILTIN_LAYERS)}, or site.<column> / risk.<model> "
        "(see `siting layers list`)"
    )
    return LayerNotFoundError(msg)


def write_samples(
    candidates: gpd.GeoDataFrame,
    attributes: pd.DataFrame,
    metadata: dict[str, Any],  # Any: JSON-serialisable values
    path: str | Path,
    *,
    overwrite: bool = False,
) -> Path:
    """Write candidates plus sampled attributes, and a ``<stem>.meta.json`` sidecar.

    ``.csv`` holds the geometry as WKT in a ``geometry`` column; ``.geojson`` and ``.gpkg``
    (layer ``samples``) hold real geometries. Each file is written to a temporary name in the
    same folder and then renamed, so a failed run leaves no partial file.

    Raises
    ------
    ConfigError
        If the suffix is not one of :data:`OUTPUT_SUFFIXES`, the file exists and ``overwrite`` is
        False, or a candidates column has the same name as a sampled attribute.
    """
    out = Path(path)
    check_output_path(out, overwrite=overwrite)
    clash = sorted(set(candidates.columns) & set(attributes.columns))
    if clash:
        msg = f"candidates columns {clash[:5]!r} clash with sampled attributes; rename them"
        raise ConfigError(msg)
    table = pd.concat([candidates.drop(columns=candidates.geometry.name), attributes], axis=1)
    geometry = candidates.geometry
    suffix = out.suffix.lower()
    if suffix == ".csv":
        table["geometry"] = shapely.to_wkt(np.asarray(geometry.array, dtype=object))
        write_atomically(out, lambda tmp: table.to_csv(tmp, index=False, float_format="%.10g"))
    else:
        gdf = gpd.GeoDataFrame(table, geometry=geometry.to_numpy(), crs=candidates.crs)
        driver, layer = ("GeoJSON", None) if suffix == ".geojson" else ("GPKG", "samples")
        write_atomically(
            out, lambda tmp: gdf.to_file(tmp, driver=driver, layer=layer, engine="pyogrio")
        )
    sidecar = out.with_name(f"{out.stem}.meta.json")
    text = json.dumps(metadata, indent=2, sort_keys=True, default=str) + "\n"
    write_atomically(sidecar, lambda tmp: tmp.write_text(text, encoding="utf-8"))
    return out


def check_output_path(path: Path, *, overwrite: bool) -> None:
    """Reject an unsupported suffix, or an existing file without ``overwrite``."""
    if path.suffix.lower() not in OUTPUT_SUFFIXES:
        allowed = ", ".join(OUTPUT_SUFFIXES)
        msg = f"output {str(path)!r} has suffix {path.suffix!r}; expected one of {allowed}"
        raise ConfigError(msg)
    if path.exists() and not overwrite:
        msg = f"output {str(path)!r} exists; expected a new file name, or --overwrite to replace it"
        raise ConfigError(msg)
    if not path.parent.is_dir():
        msg = f"output folder {str(path.parent)!r} does not exist; expected an existing folder"
        raise ConfigError(msg)
