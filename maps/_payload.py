"""Read a result (DESIGN.md section 5) into what maps draw: columns, criteria, units, payloads.

Nothing here computes or changes a score: values are taken from the result as they are.
"""

from __future__ import annotations

import html
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from maps._encode import column_json, encode_geometries
from maps._overlay import Overlay
from maps._style import (
    EXCLUDED_COLOR,
    KIND_COLORS,
    ColorScheme,
    categorical_scheme,
    score_palette,
    score_palette_index,
    sequential_scheme,
    unit_from_name,
    voltage_scheme,
)
from siting.errors import ConfigError, CRSError

__all__ = [
    "REQUIRED_COLUMNS",
    "Criterion",
    "attribute_columns",
    "attribute_unit",
    "criteria_of",
    "overlay_payload",
    "result_attributions",
    "site_payload",
    "validate_result",
]

REQUIRED_COLUMNS: tuple[str, ...] = ("site_id", "rank", "score", "excluded", "geometry")
"""Result columns every map and report needs."""
NON_ATTRIBUTE_PREFIXES: frozenset[str] = frozenset({"value", "contrib", "risk", "cost", "site"})

_OVERLAY_STYLES: Mapping[str, Mapping[str, Any]] = {  # Any: Leaflet path options
    "substations": {"radius": 4, "weight": 1, "fillOpacity": 0.9, "opacity": 1.0},
    "lines": {"radius": 3, "weight": 2, "fillOpacity": 0.0, "opacity": 0.85},
    "zones": {"radius": 4, "weight": 1, "fillOpacity": 0.35, "opacity": 0.8},
    "countries": {"radius": 4, "weight": 1, "fillOpacity": 0.25, "opacity": 0.8},
    "events": {"radius": 3, "weight": 0, "fillOpacity": 0.6, "opacity": 0.6},
    "areas": {"radius": 4, "weight": 2, "fillOpacity": 0.3, "opacity": 0.9, "dashArray": "4 3"},
    "cables": {"radius": 4, "weight": 1.5, "fillOpacity": 0.8, "opacity": 0.8},
    "points": {"radius": 4, "weight": 1, "fillOpacity": 0.8, "opacity": 0.9},
}


@dataclass(frozen=True)
class Criterion:
    """One scoring criterion as the result holds it (column names may be absent: None)."""

    name: str
    attribute: str | None
    value_column: str | None
    contrib_column: str | None
    unit: str


def validate_result(result: gpd.GeoDataFrame) -> None:
    """Check a result has the columns maps need and is in EPSG:4326.

    Raises
    ------
    ConfigError
        If a required column is missing or there are no rows.
    CRSError
        If the result's CRS is not EPSG:4326.
    """
    missing = [column for column in REQUIRED_COLUMNS if column not in result.columns]
    if missing:
        msg = (
            f"result lacks column(s) {', '.join(map(repr, missing))}; a result needs "
            f"{', '.join(REQUIRED_COLUMNS)} (DESIGN.md section 5)"
        )
        raise ConfigError(msg)
    if len(result) == 0:
        msg = "result has no candidates (0 rows); nothing to draw"
        raise ConfigError(msg)
    crs = result.crs
    if crs is None or crs.to_epsg() != 4326:
        msg = f"result has CRS {crs!r}; expected EPSG:4326"
        raise CRSError(msg)


def attribute_columns(result: pd.DataFrame) -> list[str]:
    """Return the sampled attribute columns ``layer.attribute`` of a result, in order.

    >>> attribute_columns(pd.DataFrame(columns=["site_id", "grid.a_km", "value.a", "site.x"]))
    ['grid.a_km']
    """
    return [
        column
        for column in result.columns
        if isinstance(column, str)
        and "." in column
        and column.split(".", 1)[0] not in NON_ATTRIBUTE_PREFIXES
    ]


def attribute_unit(metadata: Mapping[str, Any], key: str) -> str:  # Any: JSON metadata
    """Return the unit of attribute ``key`` from the metadata, else from its name suffix.

    >>> attribute_unit({"attributes": {"power.price": {"unit": "EUR/MWh"}}}, "power.price")
    'EUR/MWh'
    >>> attribute_unit({}, "grid.substation_distance_km")
    'km'
    """
    described = (metadata.get("attributes") or {}).get(key) or {}
    unit = described.get("unit")
    return str(unit) if unit not in (None, "", "1") else unit_from_name(key)


def criteria_of(result: pd.DataFrame, metadata: Mapping[str, Any]) -> list[Criterion]:  # Any: JSON
    """Return the criteria: from ``metadata["criteria"]``, else from ``contrib.*`` columns."""
    described = metadata.get("criteria") or []
    names: list[tuple[str, str | None]] = [
        (str(item.get("name") or item.get("attribute")), item.get("attribute"))
        for item in described
    ]
    if not names:
        names = [
            (column.split(".", 1)[1], None)
            for column in result.columns
            if isinstance(column, str) and column.startswith("contrib.")
        ]
    criteria = []
    for name, attribute in names:
        attr = attribute if attribute in result.columns else None
        criteria.append(
            Criterion(
                name=name,
                attribute=attr,
                value_column=f"value.{name}" if f"value.{name}" in result.columns else None,
                contrib_column=f"contrib.{name}" if f"contrib.{name}" in result.columns else None,
                unit=attribute_unit(metadata, attr) if attr else "",
            )
        )
    return criteria


def result_attributions(metadata: Mapping[str, Any]) -> list[str]:  # Any: JSON metadata
    """Return the HTML-escaped attribution lines of the result's sources (unique, in order).

    >>> result_attributions({"sources": [{"attribution": "A & B"}, {"attribution": "A & B"}]})
    ['A &amp; B']
    """
    lines: list[str] = []
    for source in metadata.get("sources") or []:
        text = html.escape(str(source.get("attribution") or "").strip())
        if text and text not in lines:
            lines.append(text)
    return lines


def _values(series: pd.Series, *, decimals: int = 6) -> list[Any]:  # Any: JSON scalars
    """Return a column as JSON scalars (NaN/NA -> None), floats rounded to ``decimals``."""
    loaded: list[Any] = json.loads(column_json(series, decimals=decimals))
    return loaded


def _reasons(series: pd.Series) -> list[list[str]]:
    """Return exclusion reasons as lists of text (a bare string becomes a one-item list)."""
    reasons = series.map(
        lambda v: [str(v)] if isinstance(v, str) else [str(x) for x in v] if _is_list(v) else []
    )
    return reasons.tolist()


def _is_list(value: Any) -> bool:  # Any: a cell of an object column
    return isinstance(value, list | tuple | np.ndarray)


def site_payload(
    result: gpd.GeoDataFrame,
    metadata: Mapping[str, Any],  # Any: JSON metadata
    *,
    excluded: bool,
    top_n: int,
    extra_attributes: Sequence[str] = (),
) -> dict[str, Any]:  # Any: JSON values
    """Return the data the ``siting.sites`` script draws for ranked or excluded candidates.

    Parameters
    ----------
    result
        The rows to draw (already selected: ranked or excluded ones), result schema.
    metadata
        Result metadata (criteria, attribute units, sensitivity ``k``).
    excluded
        Whether these rows are excluded ones (grey, reasons in popups, no rank labels).
    top_n
        Rows with ``rank <= top_n`` get a rank label.
    extra_attributes
        Attribute columns to show in popups besides the criteria's own attributes; when the
        metadata names no criteria every attribute column is shown.
    """
    criteria = criteria_of(result, metadata)
    frame = result.reset_index(drop=True)
    fields: dict[str, Any] = {  # Any: JSON lists
        "site_id": frame["site_id"].astype(str).tolist(),
        "name": _values(frame["name"]) if "name" in frame.columns else None,
        "rank": _values(frame["rank"].astype("Int64")),
        "score": _values(frame["score"].astype("float64"), decimals=4),
        "reasons": _reasons(frame["exclusion_reasons"])
        if excluded and "exclusion_reasons" in frame.columns
        else None,
    }
    for column in ("p_top_k", "rank_p05", "rank_p95"):
        fields[column] = _values(frame[column], decimals=3) if column in frame.columns else None
    shown = [c.attribute for c in criteria if c.attribute]
    extra = list(extra_attributes) if criteria else attribute_columns(frame)
    sensitivity = metadata.get("sensitivity") or {}
    payload: dict[str, Any] = {  # Any: JSON values
        "geom": encode_geometries(frame.geometry.values),
        "excluded": excluded,
        "n_ranked": int((~result["excluded"].astype(bool)).sum()) if not excluded else 0,
        "k": sensitivity.get("top_k", sensitivity.get("k", "k")),
        "fields": fields,
        "criteria": [
            {
                "name": c.name,
                "unit": c.unit,
                "attr": _values(frame[c.attribute]) if c.attribute else None,
                "value": _values(frame[c.value_column], decimals=3) if c.value_column else None,
                "contrib": _values(frame[c.contrib_column], decimals=4)
                if c.contrib_column
                else None,
            }
            for c in criteria
        ],
        "attributes": [
            {"name": key, "unit": attribute_unit(metadata, key), "col": _values(frame[key])}
            for key in extra
            if key in frame.columns and key not in shown
        ],
        "risks": [
            {"name": column.split(".", 1)[1], "unit": "", "col": _values(frame[column], decimals=3)}
            for column in frame.columns
            if isinstance(column, str) and column.startswith("risk.")
        ],
        "costs": [
            {
                "name": column.split(".", 1)[1],
                "unit": unit_from_name(column),
                "col": _values(frame[column], decimals=0),
            }
            for column in frame.columns
            if isinstance(column, str) and column.startswith("cost.")
        ],
        "style": {
            "radius": 6,
            "weight": 0.5 if not excluded else 0.8,
            "stroke": "#333333",
            "fillOpacity": 0.8 if not excluded else 0.5,
        },
        "attribution": None,
        "attributions": result_attributions(metadata),
    }
    if excluded:
        payload["color"] = None
        payload["fill"] = EXCLUDED_COLOR
        payload["top"] = []
    else:
        payload["color"] = score_palette_index(frame["score"].to_numpy(dtype=np.float64)).tolist()
        payload["palette"] = [*score_palette(), EXCLUDED_COLOR]
        rank = frame["rank"].astype("Int64")
        is_top = (rank <= top_n).fillna(False).to_numpy(dtype=bool)
        points = shapely.point_on_surface(frame.geometry.values[is_top])
        top_rank = rank[is_top].to_numpy(dtype=np.int64)
        order = np.argsort(-top_rank)  # draw #1 last so it sits on top
        payload["top"] = [
            [round(float(y), 5), round(float(x), 5), int(r)]
            for x, y, r in zip(
                shapely.get_x(points)[order],
                shapely.get_y(points)[order],
                top_rank[order],
                strict=True,
            )
        ]
    return payload


def overlay_scheme(overlay: Overlay) -> ColorScheme | None:
    """Return the colour scheme of an overlay's value column (None: one colour per kind)."""
    if overlay.value_column is None:
        return None
    values = overlay.data[overlay.value_column]
    if pd.api.types.is_numeric_dtype(values) and not pd.api.types.is_bool_dtype(values):
        numbers = values.to_numpy(dtype=np.float64, na_value=np.nan)
        if overlay.kind in ("substations", "lines"):
            return voltage_scheme(numbers)
        return sequential_scheme(numbers, unit=unit_from_name(overlay.value_column))
    return categorical_scheme(values)


def overlay_text(overlay: Overlay) -> list[str] | None:
    """Return each feature's popup text (label and value with its unit), or None."""
    data = overlay.data.reset_index(drop=True)
    parts: list[pd.Series] = []
    if overlay.label is not None:
        parts.append(data[overlay.label].astype("string").fillna("(no name)"))
    if overlay.value_column is not None:
        column = overlay.value_column
        values = data[column]
        unit = unit_from_name(column)
        if pd.api.types.is_numeric_dtype(values) and not pd.api.types.is_bool_dtype(values):
            numbers = values.to_numpy(dtype=np.float64, na_value=np.nan)
            text = pd.Series(np.char.mod("%.4g", numbers), dtype="string")
            text = text.where(~np.isnan(numbers), "n/a")
        else:
            text = values.astype("string").fillna("n/a")
        parts.append(f"{column}: " + text + (f" {unit}" if unit else ""))
    if not parts:
        return None
    joined = parts[0] if len(parts) == 1 else parts[0] + " - " + parts[1]
    return joined.astype(str).tolist()


def overlay_payload(overlay: Overlay) -> tuple[dict[str, Any], ColorScheme | None]:  # Any: JSON
    """Return the data the ``siting.overlay`` script draws, and its colour scheme (legend)."""
    scheme = overlay_scheme(overlay)
    payload: dict[str, Any] = {  # Any: JSON values
        "name": overlay.name,
        "geom": encode_geometries(overlay.data.geometry.values),
        "color": scheme.index.tolist() if scheme else None,
        "palette": scheme.palette if scheme else None,
        "fill": KIND_COLORS[overlay.kind],
        "text": overlay_text(overlay),
        "style": dict(_OVERLAY_STYLES[overlay.kind]),
        "attribution": html.escape(overlay.attribution),
    }
    return payload, scheme
