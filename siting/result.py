"""Result files: assemble the ranked GeoDataFrame and write/read it with its metadata.

The result schema is DESIGN.md section 5 / docs/CONTRACTS.md. Writing is deterministic: fixed
column order, floats written with 12 significant digits, metadata keys sorted, so the same
inputs give byte-identical GeoJSON and CSV. Every file is written to a temporary name in the
target folder and renamed; a sidecar ``<stem>.meta.json`` always accompanies it.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from siting.errors import ConfigError, SitingError
from siting.files import write_atomically
from siting.scoring import ScoringResult

__all__ = [
    "FLOAT_DIGITS",
    "RESULT_FORMATS",
    "build_result",
    "meta_path",
    "read_result",
    "write_result",
]

FLOAT_DIGITS = 12
"""Significant digits of floats in written results."""
RESULT_FORMATS: tuple[str, ...] = (".geojson", ".gpkg", ".csv")
RANKING_LAYER = "ranking"
METADATA_TABLE = "siting_metadata"
SENSITIVITY_COLUMNS = ("p_top_k", "rank_p05", "rank_p95")
HEAD_COLUMNS = ("site_id", "name", "rank", "score", "excluded", "exclusion_reasons")


def build_result(
    candidates: gpd.GeoDataFrame,
    attributes: pd.DataFrame,
    scoring: ScoringResult,
    metadata: Mapping[str, Any] | None = None,  # Any: JSON values
) -> gpd.GeoDataFrame:
    """Assemble the ranked result GeoDataFrame in result-schema column order.

    Parameters
    ----------
    candidates
        Candidates (EPSG:4326) with ``site_id``, ``name`` and geometry, index-aligned with
        ``attributes`` and ``scoring.table``.
    attributes
        The attributes table (``layer.attribute``, ``site.*``, ``risk.*``).
    scoring
        Output of :func:`siting.scoring.score`.
    metadata
        Unused in the table; accepted so callers can pass one bundle (kept for the contract).

    Returns
    -------
    Rows sorted by rank (excluded last, then in input order), columns: ``site_id``, ``name``,
    ``rank``, ``score``, ``excluded``, ``exclusion_reasons``, attributes, ``value.*``,
    ``contrib.*``, ``risk.*``, ``cost.*``, sensitivity columns, ``geometry``.
    """
    del metadata
    table = scoring.table
    attr_cols = [c for c in attributes.columns if not c.startswith(("risk.", "cost."))]
    risk_cols = [c for c in attributes.columns if c.startswith("risk.")]
    value_cols = [c for c in table.columns if c.startswith("value.")]
    contrib_cols = [c for c in table.columns if c.startswith("contrib.")]
    cost_cols = [c for c in table.columns if c.startswith("cost.")]
    sens_cols = [c for c in SENSITIVITY_COLUMNS if c in table.columns]
    data = pd.DataFrame(index=table.index)
    data["site_id"] = table["site_id"].astype(str)
    if "name" in candidates.columns:
        data["name"] = candidates["name"].astype(object).where(candidates["name"].notna(), None)
    else:
        data["name"] = None
    for column in HEAD_COLUMNS[2:]:
        data[column] = table[column]
    for column in attr_cols + risk_cols:
        data[column] = attributes[column]
    for column in value_cols + contrib_cols + cost_cols + sens_cols:
        data[column] = table[column]
    order = np.lexsort((np.arange(len(data)), data["rank"].fillna(np.iinfo(np.int64).max)))
    gdf = gpd.GeoDataFrame(data, geometry=candidates.geometry.values, crs=candidates.crs)
    return gdf.iloc[order].reset_index(drop=True)


def meta_path(path: str | Path) -> Path:
    """Return the sidecar metadata path ``<stem>.meta.json`` next to a result file."""
    p = Path(path)
    return p.with_name(f"{p.stem}.meta.json")


def _clean(value: Any) -> Any:  # Any: arbitrary JSON-like value
    """Return ``value`` as plain JSON: NaN -> None, numpy scalars -> Python, floats rounded."""
    if isinstance(value, Mapping):
        return {str(k): _clean(v) for k, v in sorted(value.items(), key=lambda kv: str(kv[0]))}
    if isinstance(value, list | tuple | np.ndarray):
        return [_clean(v) for v in value]
    if isinstance(value, bool | np.bool_):
        return bool(value)
    if isinstance(value, int | np.integer):
        return int(value)
    if isinstance(value, float | np.floating):
        f = float(value)
        return None if not math.isfinite(f) else float(f"{f:.{FLOAT_DIGITS}g}")
    if value is None or value is pd.NA:
        return None
    return value if isinstance(value, str) else str(value)


def _dumps(value: Any) -> str:  # Any: JSON value
    return json.dumps(value, ensure_ascii=False, allow_nan=False, separators=(",", ":"))


def _property_columns(gdf: gpd.GeoDataFrame) -> list[str]:
    return [c for c in gdf.columns if c != gdf.geometry.name]


def _geojson_text(gdf: gpd.GeoDataFrame, metadata: Mapping[str, Any]) -> str:
    columns = _property_columns(gdf)
    records = gdf[columns].astype(object).to_numpy()
    geometries = shapely.to_geojson(gdf.geometry.values, indent=None)
    lines = ['{"type":"FeatureCollection",', f'"metadata":{_dumps(_clean(metadata))},']
    lines.append('"features":[')
    features = []
    for row, geometry in zip(records, geometries, strict=True):
        props = {c: _clean(v) for c, v in zip(columns, row, strict=True)}
        geom = "null" if geometry is None else _dumps(_clean(json.loads(geometry)))
        features.append(f'{{"type":"Feature","properties":{_dumps(props)},"geometry":{geom}}}')
    lines.append(",\n".join(features))
    lines.append("]}")
    return "\n".join(lines) + "\n"


def _flat_frame(gdf: gpd.GeoDataFrame) -> pd.DataFrame:
    """Return properties with list columns as JSON text (for CSV and GeoPackage)."""
    frame = pd.DataFrame(gdf[_property_columns(gdf)])
    frame["exclusion_reasons"] = [_dumps(list(r)) for r in frame["exclusion_reasons"]]
    return frame


def write_result(
    gdf: gpd.GeoDataFrame,
    metadata: Mapping[str, Any],  # Any: JSON values
    path: str | Path,
) -> Path:
    """Write a result to ``.geojson``, ``.gpkg`` or ``.csv`` plus ``<stem>.meta.json``.

    Parameters
    ----------
    gdf
        Output of :func:`build_result`.
    metadata
        JSON-serialisable metadata (``docs/CONTRACTS.md``).
    path
        Target file; its suffix picks the format.

    Returns
    -------
    The path written.

    Raises
    ------
    ConfigError
        If the suffix is not one of ``.geojson``, ``.gpkg``, ``.csv``.
    """
    p = Path(path)
    suffix = p.suffix.lower()
    if suffix not in RESULT_FORMATS:
        msg = f"result file {str(p)!r} has suffix {suffix!r}; expected one of {RESULT_FORMATS}"
        raise ConfigError(msg)
    p.parent.mkdir(parents=True, exist_ok=True)
    meta_text = json.dumps(_clean(metadata), ensure_ascii=False, allow_nan=False, indent=2)
    if suffix == ".geojson":
        text = _geojson_text(gdf, metadata)
        write_atomically(p, lambda tmp: tmp.write_text(text, encoding="utf-8"))
    elif suffix == ".csv":
        frame = _flat_frame(gdf)
        frame["geometry"] = shapely.to_wkt(gdf.geometry.values, rounding_precision=-1)
        write_atomically(
            p,
            lambda tmp: frame.to_csv(
                tmp, index=False, float_format=f"%.{FLOAT_DIGITS}g", lineterminator="\n"
            ),
        )
    else:
        frame = gpd.GeoDataFrame(_flat_frame(gdf), geometry=gdf.geometry.values, crs=gdf.crs)
        meta_frame = pd.DataFrame({"key": ["metadata"], "json": [meta_text]})

        def write_gpkg(tmp: Path) -> None:
            import pyogrio

            pyogrio.write_dataframe(frame, tmp, layer=RANKING_LAYER, driver="GPKG")
            pyogrio.write_dataframe(meta_frame, tmp, layer=METADATA_TABLE, driver="GPKG")

        write_atomically(p, write_gpkg)
    sidecar = meta_path(p)
    write_atomically(sidecar, lambda tmp: tmp.write_text(meta_text + "\n", encoding="utf-8"))
    return p


def _restore(frame: pd.DataFrame) -> pd.DataFrame:
    frame = frame.copy()
    frame["rank"] = pd.to_numeric(frame["rank"]).astype("Int64")
    frame["excluded"] = frame["excluded"].astype(str).str.lower().isin(["true", "1"])
    reasons = frame["exclusion_reasons"]
    frame["exclusion_reasons"] = [
        list(r) if isinstance(r, list) else json.loads(r) if isinstance(r, str) else []
        for r in reasons
    ]
    frame["site_id"] = frame["site_id"].astype(str)
    return frame


def read_result(path: str | Path) -> tuple[gpd.GeoDataFrame, dict[str, Any]]:  # Any: JSON
    """Read a result file written by :func:`write_result`.

    Returns
    -------
    The result GeoDataFrame (EPSG:4326) and its metadata (from the file, else the sidecar).

    Raises
    ------
    ConfigError
        If the suffix is not a result format.
    SitingError
        If the file is not a siting result.
    """
    p = Path(path)
    suffix = p.suffix.lower()
    if suffix not in RESULT_FORMATS:
        msg = f"result file {str(p)!r} has suffix {suffix!r}; expected one of {RESULT_FORMATS}"
        raise ConfigError(msg)
    if suffix == ".geojson":
        doc = json.loads(p.read_text(encoding="utf-8"))
        props = pd.DataFrame([f["properties"] for f in doc["features"]])
        geoms = [
            None if f["geometry"] is None else shapely.from_geojson(_dumps(f["geometry"]))
            for f in doc["features"]
        ]
        gdf = gpd.GeoDataFrame(_restore(props), geometry=geoms, crs="EPSG:4326")
        metadata = doc.get("metadata")
    elif suffix == ".csv":
        frame = pd.read_csv(p, keep_default_na=True, dtype={"site_id": str})
        geometry = shapely.from_wkt(frame.pop("geometry").to_numpy())
        gdf = gpd.GeoDataFrame(_restore(frame), geometry=geometry, crs="EPSG:4326")
        metadata = None
    else:
        import pyogrio

        gdf = pyogrio.read_dataframe(p, layer=RANKING_LAYER)
        gdf = gpd.GeoDataFrame(_restore(gdf), geometry=gdf.geometry.name, crs=gdf.crs)
        table = pyogrio.read_dataframe(p, layer=METADATA_TABLE)
        metadata = json.loads(table["json"].iloc[0])
    if metadata is None:
        sidecar = meta_path(p)
        if not sidecar.is_file():
            msg = f"result {str(p)!r} has no metadata and no sidecar {str(sidecar)!r}"
            raise SitingError(msg)
        metadata = json.loads(sidecar.read_text(encoding="utf-8"))
    return gdf, metadata
