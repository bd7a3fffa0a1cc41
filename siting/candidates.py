"""Candidate sites: read them from a file or generate an H3 grid, and validate them.

A candidates GeoDataFrame (docs/CONTRACTS.md) is in EPSG:4326 with a RangeIndex ``0..n-1`` and the
columns ``site_id`` (str, unique), ``name`` (str or None), the file's other columns unchanged, and
``geometry``: all points, or all polygons/multipolygons. ``site_id`` values are generated as
``"site-0001"``, ``"site-0002"``, ... only when the input has no ``site_id`` column.

Readers (:func:`read_candidates`) do the I/O and then call the pure validator
(:func:`validate_candidates`); the H3 grid (:func:`h3_candidates`) is pure compute and
:func:`generate_h3_candidates` loads the country or bidding-zone polygons it needs.

>>> import geopandas as gpd
>>> from shapely.geometry import Point
>>> raw = gpd.GeoDataFrame({"cost": [3, 4]}, geometry=[Point(8.7, 50.1), Point(4.9, 52.4)],
...                        crs="EPSG:4326")
>>> cands = validate_candidates(raw)
>>> list(cands.columns), list(cands["site_id"])
(['site_id', 'name', 'cost', 'geometry'], ['site-0001', 'site-0002'])
>>> list(site_attributes(cands).columns)
['site.cost']
"""

from __future__ import annotations

import difflib
import logging
import warnings
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import geopandas as gpd
import h3
import numpy as np
import pandas as pd
import pyogrio
import pyogrio.errors
import pyproj
import shapely
from pyproj import CRS

from layers.base import EU_EEA_COUNTRIES
from siting.errors import (
    CandidatesError,
    ConfigError,
    CRSError,
    CRSMismatchError,
    DataSourceError,
    SitingWarning,
)

if TYPE_CHECKING:
    from layers.catalog import Catalog

__all__ = [
    "COUNTRIES_SOURCE",
    "COUNTRY_ALIASES",
    "COUNTRY_GROUPS",
    "WGS84",
    "ZONES_SOURCE",
    "expand_countries",
    "generate_h3_candidates",
    "h3_candidates",
    "read_candidates",
    "site_attributes",
    "validate_candidates",
]

logger = logging.getLogger(__name__)

WGS84 = CRS.from_epsg(4326)
"""The CRS every candidates frame is held in (EPSG:4326, x = lon, y = lat)."""

COUNTRIES_SOURCE = "ne/upstream/ne_50m_admin_0_countries.geojson"
"""Catalogue name of the Natural Earth 1:50m admin-0 countries (joined on ``ISO_A2_EH``)."""
ZONES_SOURCE = "bidding-zones-entsoepy/bidding_zones_europe.geojson"
"""Catalogue name of the European bidding-zone polygons (property ``zone``, ``current`` only)."""

_EU_ONLY = tuple(code for code in EU_EEA_COUNTRIES if code not in {"IS", "LI", "NO"})
COUNTRY_GROUPS: dict[str, tuple[str, ...]] = {
    "EU": _EU_ONLY,
    "EEA": EU_EEA_COUNTRIES,
    "EFTA": ("IS", "LI", "NO", "CH"),
}
"""Group shorthands: ``EU`` = the 27 member states, ``EEA`` = EU + IS, LI, NO,
``EFTA`` = IS, LI, NO, CH (ISO 3166-1 alpha-2)."""

COUNTRY_ALIASES: dict[str, str] = {"UK": "GB", "EL": "GR"}
"""Common non-ISO codes accepted for countries: ``UK`` -> ``GB``, ``EL`` (EU usage) -> ``GR``.
Kosovo is ``XK`` (user-assigned code, as in Natural Earth's ``ISO_A2_EH``)."""

_CSV_COORDINATE_COLUMNS: tuple[tuple[str, str], ...] = (
    ("lon", "lat"),
    ("longitude", "latitude"),
    ("lng", "lat"),
    ("x", "y"),
)
_VECTOR_SUFFIXES = (".geojson", ".json", ".gpkg")
_PARQUET_SUFFIXES = (".parquet", ".geoparquet")
_SUPPORTED_SUFFIXES = (".csv", *_VECTOR_SUFFIXES, *_PARQUET_SUFFIXES)
_MAX_LISTED = 5
_POINT, _POLYGON, _MULTIPOLYGON, _COLLECTION = 0, 3, 6, 7
_TYPE_NAMES = {
    -1: "missing",
    0: "Point",
    1: "LineString",
    2: "LinearRing",
    3: "Polygon",
    4: "MultiPoint",
    5: "MultiLineString",
    6: "MultiPolygon",
    7: "GeometryCollection",
}
_H3_MAX_RESOLUTION = 15
_DEFAULT_MAX_CELLS = 1_000_000


# --------------------------------------------------------------------------------------------
# helpers for messages
# --------------------------------------------------------------------------------------------
def _first(values: Iterable[Any], limit: int = _MAX_LISTED) -> str:  # Any: ids, rows or codes
    """Return the first ``limit`` values joined with ", " and "(and N more)"."""
    items = list(values)
    shown = ", ".join(repr(v) if isinstance(v, str) else str(v) for v in items[:limit])
    if len(items) > limit:
        shown += f" (and {len(items) - limit} more)"
    return shown


def _where(frame: pd.DataFrame, mask: np.ndarray) -> str:
    """Describe the rows selected by ``mask``: 1-based row numbers and their site_ids if any."""
    rows = np.flatnonzero(mask)
    text = f"row {_first(rows + 1)}" if len(rows) == 1 else f"rows {_first(rows + 1)}"
    if "site_id" in frame.columns:
        ids = frame["site_id"].to_numpy()[rows]
        text += f" (site_id {_first(str(v) for v in ids)})"
    return text


# --------------------------------------------------------------------------------------------
# CRS
# --------------------------------------------------------------------------------------------
def _to_crs(value: Any, *, what: str) -> CRS:  # Any: any user input pyproj understands
    """Normalise user CRS input once (STYLE C1); raise CRSError naming the value."""
    try:
        return CRS.from_user_input(value)
    except pyproj.exceptions.CRSError as err:
        msg = (
            f"cannot understand {what} {value!r}; expected an EPSG code such as 'EPSG:3035', "
            "a PROJ string or WKT"
        )
        raise CRSError(msg) from err


# --------------------------------------------------------------------------------------------
# validation (pure)
# --------------------------------------------------------------------------------------------
def validate_candidates(gdf: gpd.GeoDataFrame, *, repair: bool = False) -> gpd.GeoDataFrame:
    """Check a candidates frame and return a normalised copy (the input is not changed).

    Parameters
    ----------
    gdf
        Candidates with a CRS (any; geographic coordinates are range-checked before
        reprojection). Optional columns ``site_id`` and ``name``; any other columns are kept.
    repair
        Repair invalid polygons with :func:`shapely.make_valid` (keeping their polygonal parts)
        instead of rejecting them.

    Returns
    -------
    geopandas.GeoDataFrame
        EPSG:4326, RangeIndex, columns ``site_id`` (str, unique; ``"site-0001"``... generated
        only when the input has no ``site_id`` column), ``name`` (str or None), the other
        columns unchanged, ``geometry`` (all points, or all polygons/multipolygons).

    Raises
    ------
    CRSError
        If the frame has no CRS, or coordinates cannot be transformed to EPSG:4326.
    CandidatesError
        If the frame is empty, a geometry is missing or empty, coordinates are NaN, out of range
        or swapped (``|lat| > 90``), ``site_id`` has blanks or duplicates, a polygon is invalid
        (and ``repair`` is False), or the geometry types are mixed or unusable (lines,
        multipoints, collections).

    Examples
    --------
    >>> import geopandas as gpd
    >>> from shapely.geometry import Point
    >>> bad = gpd.GeoDataFrame(geometry=[Point(50.1, 95.0)], crs="EPSG:4326")
    >>> validate_candidates(bad)
    Traceback (most recent call last):
    ...
    siting.errors.CandidatesError: latitude out of range [-90, 90] at row 1 (site_id 'site-0001')...
    """
    if gdf.crs is None:
        msg = "candidates have no CRS; give one (e.g. crs='EPSG:3035' or --crs EPSG:3035)"
        raise CRSError(msg)
    if len(gdf) == 0:
        msg = "no candidates: the input has 0 rows; expected at least one site"
        raise CandidatesError(msg)
    frame = _normalise_columns(gdf)
    geoms = np.asarray(frame.geometry.array, dtype=object)
    _check_present(frame, geoms)
    kind = _check_types(frame, geoms)
    _check_coordinates(frame, geoms, gdf.crs)
    if kind == "polygon":
        geoms = _check_validity(frame, geoms, repair=repair)
    source_crs = CRS.from_user_input(gdf.crs)
    out = gpd.GeoDataFrame(frame.drop(columns="geometry"), geometry=geoms, crs=source_crs)
    if not source_crs.equals(WGS84):
        out = out.to_crs(WGS84)
        _check_transformed(out)
    out = out.set_crs(WGS84, allow_override=True)
    return out


def _normalise_columns(gdf: gpd.GeoDataFrame) -> pd.DataFrame:
    """Return a plain DataFrame: site_id, name, other columns, geometry; RangeIndex."""
    geometry_name = gdf.geometry.name
    frame = pd.DataFrame(gdf).reset_index(drop=True)
    geometry = frame.pop(geometry_name)
    if "geometry" in frame.columns:
        msg = (
            f"candidates have a non-geometry column named 'geometry' besides the geometry "
            f"column {geometry_name!r}; rename one of them"
        )
        raise CandidatesError(msg)
    n = len(frame)
    if "site_id" in frame.columns:
        site_id = _site_ids(frame["site_id"])
    else:
        width = max(4, len(str(n)))
        site_id = pd.Series([f"site-{i:0{width}d}" for i in range(1, n + 1)], dtype=str)
    if "name" in frame.columns:
        raw = frame["name"]
        names = pd.Series(
            np.where(raw.isna().to_numpy(), None, raw.astype(str).to_numpy()), dtype=object
        )
    else:
        names = pd.Series([None] * n, dtype=object)
    others = frame.drop(columns=[c for c in ("site_id", "name") if c in frame.columns])
    head = pd.DataFrame(
        {
            "site_id": pd.Series(site_id.to_numpy(), dtype=str),
            "name": pd.Series(names.to_numpy(), dtype=object),
        }
    )
    out = pd.concat([head, others], axis=1)
    out["geometry"] = geometry.to_numpy()
    return out


def _site_ids(raw: pd.Series) -> pd.Series:
    """Convert a site_id column to unique, non-blank strings (integral floats lose ``.0``)."""
    values = raw.reset_index(drop=True)
    missing = values.isna().to_numpy()
    if missing.any():
        msg = (
            f"site_id is missing at {_where(pd.DataFrame(index=values.index), missing)}; "
            "expected a non-empty, unique id on every row"
        )
        raise CandidatesError(msg)
    if pd.api.types.is_float_dtype(values) and np.all(np.mod(values.to_numpy(), 1.0) == 0.0):
        values = values.astype(np.int64)
    ids = values.astype(str).str.strip()
    blank = (ids == "").to_numpy()
    if blank.any():
        msg = (
            f"site_id is blank at {_where(pd.DataFrame(index=ids.index), blank)}; "
            "expected a non-empty, unique id on every row"
        )
        raise CandidatesError(msg)
    # object dtype: hashing Python str is ~8x faster than pandas' Arrow-backed duplicated()
    duplicated = pd.Series(ids.to_numpy(dtype=object), dtype=object).duplicated(keep=False)
    duplicated = duplicated.to_numpy()
    if duplicated.any():
        dupes = pd.unique(ids[duplicated])
        msg = (
            f"duplicate site_id {_first(dupes)} ({int(duplicated.sum())} rows); "
            "expected every site_id to be unique"
        )
        raise CandidatesError(msg)
    return ids


def _check_present(frame: pd.DataFrame, geoms: np.ndarray) -> None:
    """Reject missing and empty geometries."""
    missing = shapely.is_missing(geoms)
    if missing.any():
        msg = f"geometry is missing at {_where(frame, missing)}; expected a point or polygon"
        raise CandidatesError(msg)
    empty = shapely.is_empty(geoms)
    if empty.any():
        msg = f"geometry is empty at {_where(frame, empty)}; expected a point or polygon"
        raise CandidatesError(msg)


def _check_types(frame: pd.DataFrame, geoms: np.ndarray) -> str:
    """Return ``"point"`` or ``"polygon"``; reject unusable and mixed geometry types."""
    type_ids = shapely.get_type_id(geoms)
    usable = np.isin(type_ids, (_POINT, _POLYGON, _MULTIPOLYGON))
    if not usable.all():
        bad_types = sorted({_TYPE_NAMES[int(t)] for t in type_ids[~usable]})
        msg = (
            f"unusable geometry type {_first(bad_types)} at {_where(frame, ~usable)}; "
            "expected Point, or Polygon/MultiPolygon"
        )
        raise CandidatesError(msg)
    is_point = type_ids == _POINT
    if is_point.any() and not is_point.all():
        msg = (
            f"mixed geometry types: {int(is_point.sum())} points and "
            f"{int((~is_point).sum())} polygons (polygons at {_where(frame, ~is_point)}); "
            "expected all points or all polygons/multipolygons"
        )
        raise CandidatesError(msg)
    return "point" if is_point.all() else "polygon"


def _check_coordinates(frame: pd.DataFrame, geoms: np.ndarray, crs: Any) -> None:  # Any: CRS-like
    """Reject NaN/inf coordinates and, for geographic CRSs, out-of-range or swapped lon/lat."""
    coords, index = shapely.get_coordinates(geoms, return_index=True)
    n = len(geoms)
    not_finite = np.bincount(index, weights=~np.isfinite(coords).all(axis=1), minlength=n) > 0
    if not_finite.any():
        msg = f"NaN or infinite coordinates at {_where(frame, not_finite)}; expected numbers"
        raise CandidatesError(msg)
    if not CRS.from_user_input(crs).is_geographic:
        return
    lon_bad = np.bincount(index, weights=np.abs(coords[:, 0]) > 180.0, minlength=n) > 0
    lat_bad = np.bincount(index, weights=np.abs(coords[:, 1]) > 90.0, minlength=n) > 0
    if lat_bad.any():
        hint = ""
        swapped = np.bincount(index, weights=np.abs(coords[:, 0]) > 90.0, minlength=n) > 0
        if not (swapped & lat_bad).any():
            hint = "; lon and lat look swapped (|lat| > 90 but |lon| <= 90)"
        msg = (
            f"latitude out of range [-90, 90] at {_where(frame, lat_bad)}{hint}; "
            "expected x = longitude, y = latitude in degrees"
        )
        raise CandidatesError(msg)
    if lon_bad.any():
        msg = (
            f"longitude out of range [-180, 180] at {_where(frame, lon_bad)}; "
            "expected x = longitude, y = latitude in degrees (is the CRS right?)"
        )
        raise CandidatesError(msg)


def _check_validity(frame: pd.DataFrame, geoms: np.ndarray, *, repair: bool) -> np.ndarray:
    """Return the polygons, repaired with make_valid when asked; reject invalid ones otherwise."""
    invalid = ~shapely.is_valid(geoms)
    if not invalid.any():
        return geoms
    if not repair:
        first = int(np.flatnonzero(invalid)[0])
        reason = shapely.is_valid_reason(geoms[first])
        msg = (
            f"invalid polygon at {_where(frame, invalid)} (first: {reason}); expected valid "
            "polygons, or ask for repair (repair=True, --repair-geometry) to fix them with "
            "shapely.make_valid"
        )
        raise CandidatesError(msg)
    rows = np.flatnonzero(invalid)
    repaired = shapely.make_valid(geoms[rows])
    # Keep the polygonal parts only (make_valid may add lines/points along self-intersections).
    parts, part_row = shapely.get_parts(repaired, return_index=True)
    parts, sub = shapely.get_parts(parts, return_index=True)
    part_row = part_row[sub]
    keep = (shapely.get_type_id(parts) == _POLYGON) & (shapely.area(parts) > 0.0)
    has_area = np.bincount(part_row[keep], minlength=len(rows)) > 0
    if not has_area.all():
        lost = np.zeros(len(geoms), dtype=bool)
        lost[rows[~has_area]] = True
        msg = (
            f"polygon at {_where(frame, lost)} has no area left after make_valid; expected "
            "polygons that enclose an area"
        )
        raise CandidatesError(msg)
    fixed = shapely.multipolygons(parts[keep], indices=part_row[keep])
    out = geoms.copy()
    out[rows] = fixed
    logger.info("repaired %d invalid polygon(s) with shapely.make_valid", len(rows))
    return out


def _check_transformed(gdf: gpd.GeoDataFrame) -> None:
    """Reject coordinates that did not survive the transform to EPSG:4326."""
    geoms = np.asarray(gdf.geometry.array, dtype=object)
    coords, index = shapely.get_coordinates(geoms, return_index=True)
    ok = (
        np.isfinite(coords).all(axis=1)
        & (np.abs(coords[:, 0]) <= 180.0)
        & (np.abs(coords[:, 1]) <= 90.0)
    )
    bad = np.bincount(index, weights=~ok, minlength=len(geoms)) > 0
    if bad.any():
        msg = (
            f"coordinates at {_where(gdf, bad)} do not transform to valid EPSG:4326 "
            "longitude/latitude; expected coordinates inside the CRS's area of use (is the CRS "
            "right?)"
        )
        raise CRSError(msg)


def site_attributes(candidates: gpd.GeoDataFrame) -> pd.DataFrame:
    """Return the candidates' own columns as attributes keyed ``site.<column>``.

    Every column other than ``site_id``, ``name`` and the geometry becomes ``site.<column>``.
    Text columns whose non-missing values all parse as numbers become float; other columns
    keep their dtype. Missing values stay NaN/None.

    Parameters
    ----------
    candidates
        A validated candidates frame (:func:`validate_candidates`).

    Returns
    -------
    pandas.DataFrame
        Same index as ``candidates``.

    Examples
    --------
    >>> import geopandas as gpd
    >>> from shapely.geometry import Point
    >>> c = gpd.GeoDataFrame({"site_id": ["a", "b"], "name": [None, None],
    ...                       "price": ["10.5", ""], "kind": ["hub", "metro"]},
    ...                      geometry=[Point(0, 0), Point(1, 1)], crs="EPSG:4326")
    >>> attrs = site_attributes(c)
    >>> attrs["site.price"].tolist(), attrs["site.kind"].tolist()
    ([10.5, nan], ['hub', 'metro'])
    """
    skip = {"site_id", "name", candidates.geometry.name}
    columns = {}
    for column in candidates.columns:  # loop over columns, not rows
        if column in skip:
            continue
        values = candidates[column]
        if pd.api.types.is_object_dtype(values) or pd.api.types.is_string_dtype(values):
            text = values.astype("string").str.strip()
            present = (text.notna() & (text != "")).to_numpy(dtype=bool)
            numbers = pd.to_numeric(text.where(present), errors="coerce").to_numpy(
                dtype=np.float64, na_value=np.nan
            )
            if present.any() and not np.isnan(numbers[present]).any():
                values = pd.Series(numbers, index=candidates.index)
        columns[f"site.{column}"] = values
    return pd.DataFrame(columns, index=candidates.index)


# --------------------------------------------------------------------------------------------
# reading (I/O)
# --------------------------------------------------------------------------------------------
def read_candidates(
    path: str | Path,
    *,
    crs: Any = None,  # Any: EPSG code, "EPSG:3035", WKT, pyproj.CRS
    repair: bool = False,
    layer: str | None = None,
) -> gpd.GeoDataFrame:
    """Read candidate sites from GeoJSON, GeoPackage, GeoParquet or CSV and validate them.

    CSV files need ``lon``/``lat`` columns (also accepted, case-insensitively:
    ``longitude``/``latitude``, ``lng``/``lat``, ``x``/``y``) or a WKT ``geometry`` column, and
    are in EPSG:4326 unless ``crs`` says otherwise. Other formats carry their CRS; a file with
    no CRS is an error unless ``crs`` is given, and a ``crs`` that contradicts the file's CRS is
    an error too. A Parquet file without GeoParquet metadata is read like a CSV.

    Parameters
    ----------
    path
        ``.csv``, ``.geojson``/``.json``, ``.gpkg``, ``.parquet``/``.geoparquet``.
    crs
        CRS of the coordinates when the file does not say (normalised once with
        :meth:`pyproj.CRS.from_user_input`).
    repair
        Repair invalid polygons with :func:`shapely.make_valid` instead of rejecting them.
    layer
        Layer of a multi-layer GeoPackage (required when it has more than one).

    Returns
    -------
    geopandas.GeoDataFrame
        As :func:`validate_candidates` returns.

    Raises
    ------
    CandidatesError
        If the file is missing, unreadable, empty or its content is invalid (one line naming the
        file and the bad values).
    CRSError
        If the CRS is missing, cannot be understood, or contradicts the file's.
    """
    file = Path(path)
    user_crs = None if crs is None else _to_crs(crs, what="CRS")
    try:
        raw = _read_raw(file, user_crs=user_crs, layer=layer)
        return validate_candidates(raw, repair=repair)
    except (CandidatesError, CRSError) as err:
        msg = f"candidates file {str(file)!r}: {err}"
        raise type(err)(msg) from err


def _read_raw(file: Path, *, user_crs: CRS | None, layer: str | None) -> gpd.GeoDataFrame:
    """Read ``file`` into a GeoDataFrame with its CRS settled (not yet validated)."""
    suffix = file.suffix.lower()
    if suffix not in _SUPPORTED_SUFFIXES:
        allowed = ", ".join(_SUPPORTED_SUFFIXES)
        msg = f"unsupported file type {file.suffix!r}; expected one of {allowed}"
        raise CandidatesError(msg)
    if not file.is_file():
        msg = "file not found; expected an existing candidates file"
        raise CandidatesError(msg)
    if file.stat().st_size == 0:
        msg = "file is empty (0 bytes); expected at least one candidate"
        raise CandidatesError(msg)
    if suffix == ".csv":
        return _table_to_frame(_read_csv(file), crs=user_crs or WGS84)
    if suffix in _PARQUET_SUFFIXES:
        table = _read_parquet(file)
        if not isinstance(table, gpd.GeoDataFrame):
            return _table_to_frame(table, crs=user_crs or WGS84)
        return _settle_crs(table, user_crs)
    return _settle_crs(_read_vector(file, layer=layer), user_crs)


def _unreadable(err: Exception) -> CandidatesError:
    """Return the CandidatesError for a file a reader could not parse."""
    first_line = str(err).strip().splitlines()[0] if str(err).strip() else type(err).__name__
    return CandidatesError(f"cannot read the file ({first_line}); expected a valid file")


def _read_csv(file: Path) -> pd.DataFrame:
    """Read a CSV keeping site_id and name as text."""
    try:
        return pd.read_csv(file, dtype={"site_id": str, "name": str}, skipinitialspace=True)
    except (pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeDecodeError) as err:
        raise _unreadable(err) from err


def _read_parquet(file: Path) -> pd.DataFrame:
    """Read GeoParquet as a GeoDataFrame, plain Parquet as a DataFrame."""
    import pyarrow
    import pyarrow.parquet

    try:
        metadata = pyarrow.parquet.read_schema(file).metadata or {}
        if b"geo" in metadata:
            return gpd.read_parquet(file)
        return pd.read_parquet(file)
    except (pyarrow.ArrowException, ValueError, OSError) as err:
        raise _unreadable(err) from err


def _read_vector(file: Path, *, layer: str | None) -> gpd.GeoDataFrame:
    """Read a GeoJSON or GeoPackage with pyogrio (one layer)."""
    try:
        layers = pyogrio.list_layers(file)
        if layer is None and len(layers) > 1:
            names = [str(name) for name in layers[:, 0]]
            msg = f"file has {len(names)} layers ({_first(names)}); choose one with layer=..."
            raise CandidatesError(msg)
        return gpd.read_file(file, layer=layer, engine="pyogrio")
    except (pyogrio.errors.DataSourceError, pyogrio.errors.DataLayerError, ValueError) as err:
        raise _unreadable(err) from err


def _settle_crs(gdf: gpd.GeoDataFrame, user_crs: CRS | None) -> gpd.GeoDataFrame:
    """Apply the user's CRS to a file without one; reject a contradicting CRS."""
    if gdf.crs is None:
        if user_crs is None:
            msg = "file has no CRS; give one (e.g. crs='EPSG:3035' or --crs EPSG:3035)"
            raise CRSError(msg)
        return gdf.set_crs(user_crs)
    file_crs = CRS.from_user_input(gdf.crs)
    if user_crs is not None and not file_crs.equals(user_crs, ignore_axis_order=True):
        msg = (
            f"the file's CRS {file_crs.to_string()!r} differs from the CRS given "
            f"{user_crs.to_string()!r}; drop the CRS option or reproject the file"
        )
        raise CRSMismatchError(msg)
    return gdf


def _table_to_frame(table: pd.DataFrame, *, crs: CRS) -> gpd.GeoDataFrame:
    """Turn a table with lon/lat (or x/y, or WKT geometry) columns into a GeoDataFrame."""
    if len(table) == 0:
        msg = "no candidates: the file has a header but 0 rows; expected at least one site"
        raise CandidatesError(msg)
    lower = {str(c).lower(): c for c in table.columns}
    for x_name, y_name in _CSV_COORDINATE_COLUMNS:
        if x_name in lower and y_name in lower:
            x_col, y_col = lower[x_name], lower[y_name]
            break
    else:
        if "geometry" in table.columns:
            return _wkt_to_frame(table, crs=crs)
        msg = (
            f"no coordinate columns among {_first([str(c) for c in table.columns], 12)}; "
            "expected 'lon' and 'lat' (or a WKT 'geometry' column)"
        )
        raise CandidatesError(msg)
    if "geometry" in table.columns:
        msg = (
            f"both coordinate columns {x_col!r}/{y_col!r} and a 'geometry' column; "
            "expected one of them"
        )
        raise CandidatesError(msg)
    x = pd.to_numeric(table[x_col], errors="coerce").to_numpy(dtype=np.float64)
    y = pd.to_numeric(table[y_col], errors="coerce").to_numpy(dtype=np.float64)
    unparsable = (np.isnan(x) & table[x_col].notna().to_numpy()) | (
        np.isnan(y) & table[y_col].notna().to_numpy()
    )
    frame = table.reset_index(drop=True)
    if unparsable.any():
        msg = f"non-numeric {x_col!r}/{y_col!r} at {_where(frame, unparsable)}; expected numbers"
        raise CandidatesError(msg)
    missing = np.isnan(x) | np.isnan(y)
    if missing.any():
        msg = f"NaN coordinates ({x_col!r}/{y_col!r} empty) at {_where(frame, missing)}"
        raise CandidatesError(msg)
    return gpd.GeoDataFrame(frame, geometry=shapely.points(x, y), crs=crs)


def _wkt_to_frame(table: pd.DataFrame, *, crs: CRS) -> gpd.GeoDataFrame:
    """Parse a WKT ``geometry`` column (as siting's own CSV outputs write it)."""
    frame = table.reset_index(drop=True)
    text = frame.pop("geometry")
    wkt = np.asarray(text.where(text.notna(), None).astype(object), dtype=object)
    geoms = shapely.from_wkt(wkt, on_invalid="ignore")
    bad = shapely.is_missing(geoms) & text.notna().to_numpy()
    if bad.any():
        msg = f"unparsable WKT in 'geometry' at {_where(frame, bad)}; expected WKT geometries"
        raise CandidatesError(msg)
    return gpd.GeoDataFrame(frame, geometry=geoms, crs=crs)


# --------------------------------------------------------------------------------------------
# H3 grids
# --------------------------------------------------------------------------------------------
def h3_candidates(
    areas: gpd.GeoDataFrame,
    *,
    resolution: int,
    id_column: str,
    max_cells: int = _DEFAULT_MAX_CELLS,
) -> gpd.GeoDataFrame:
    """Return the H3 cells whose centre lies in each area, as polygon candidates.

    H3 (v4) average hexagon areas: resolution 4 ~ 1,770 km2 (edge ~ 26 km), 5 ~ 253 km2
    (~ 9.9 km), 6 ~ 36 km2 (~ 3.7 km), 7 ~ 5.2 km2 (~ 1.4 km). A cell belongs to an area when its
    centre lies inside the area (H3 "center" containment); a small area may get no cell at a
    coarse resolution (a :class:`~siting.errors.SitingWarning` names it). A cell whose centre
    lies in two areas (overlapping inputs) is kept once, for the first area in row order.

    Parameters
    ----------
    areas
        Polygons/MultiPolygons in EPSG:4326 whose edges do not cross the antimeridian.
    resolution
        H3 resolution, 0..15.
    id_column
        Column of ``areas`` naming each area (e.g. an ISO code or bidding zone).
    max_cells
        Refuse grids estimated (total geodesic area / average cell area) to exceed this count.

    Returns
    -------
    geopandas.GeoDataFrame
        Candidates (EPSG:4326): ``site_id`` = H3 cell index string, ``name`` =
        ``"<area> <cell>"``, ``area`` = the area's id, ``geometry`` = the cell hexagon.
        Rows are ordered by area (input order), then by cell index.

    Raises
    ------
    ConfigError
        If the resolution is out of range, ``id_column`` is missing, or the grid is too large.
    CRSError
        If ``areas`` is not in EPSG:4326.
    CandidatesError
        If an area is not polygonal, crosses the antimeridian, or no area contains a cell centre.

    Examples
    --------
    >>> import geopandas as gpd
    >>> from shapely.geometry import box
    >>> areas = gpd.GeoDataFrame({"code": ["SQ"]}, geometry=[box(5.0, 49.0, 6.0, 50.0)],
    ...                          crs="EPSG:4326")
    >>> cells = h3_candidates(areas, resolution=5, id_column="code")
    >>> len(cells), cells["area"].unique().tolist(), cells.geom_type.unique().tolist()
    (36, ['SQ'], ['Polygon'])
    """
    if isinstance(resolution, bool) or not isinstance(resolution, int | np.integer):
        msg = f"H3 resolution {resolution!r} is not an integer; expected 0..{_H3_MAX_RESOLUTION}"
        raise ConfigError(msg)
    if not 0 <= resolution <= _H3_MAX_RESOLUTION:
        msg = f"H3 resolution {resolution!r} is out of range; expected 0..{_H3_MAX_RESOLUTION}"
        raise ConfigError(msg)
    if id_column not in areas.columns:
        columns = _first(list(areas.columns), 12)
        msg = f"id_column {id_column!r} is not a column of the areas; expected one of {columns}"
        raise ConfigError(msg)
    if areas.crs is None or not CRS.from_user_input(areas.crs).equals(WGS84):
        found = None if areas.crs is None else CRS.from_user_input(areas.crs).to_string()
        msg = f"areas are in {found!r}; expected EPSG:4326 (reproject them first)"
        raise CRSError(msg)
    ids = areas[id_column].astype(str).to_numpy()
    geoms = np.asarray(areas.geometry.array, dtype=object)
    type_ids = shapely.get_type_id(geoms)
    polygonal = np.isin(type_ids, (_POLYGON, _MULTIPOLYGON)) & ~shapely.is_empty(geoms)
    if not polygonal.all():
        msg = (
            f"areas {_first(ids[~polygonal])} are not (non-empty) polygons; "
            "expected Polygon/MultiPolygon"
        )
        raise CandidatesError(msg)
    _check_antimeridian(geoms, ids)
    _check_grid_size(geoms, resolution=resolution, max_cells=max_cells)

    cell_lists = [
        sorted(h3.h3shape_to_cells(_to_h3shape(geom), resolution)) for geom in geoms
    ]  # one call per area (few), not per cell
    cells = np.array([c for cells in cell_lists for c in cells], dtype=object)
    area_of = np.repeat(ids, [len(c) for c in cell_lists])
    first = ~pd.Series(cells, dtype=object).duplicated(keep="first").to_numpy()
    cells, area_of = cells[first], area_of[first]
    empty_areas = [area for area in ids if area not in set(area_of)]
    if len(cells) == 0:
        msg = (
            f"no H3 cell centre at resolution {resolution} lies in {_first(empty_areas)}; "
            "expected a finer resolution for such small areas"
        )
        raise CandidatesError(msg)
    if empty_areas:
        warnings.warn(
            f"no H3 cell centre at resolution {resolution} lies in {_first(empty_areas)} (or "
            "only centres already taken by an earlier area); they get no candidates (use a finer "
            "resolution to include them)",
            SitingWarning,
            stacklevel=2,
        )
    hexagons = _cell_polygons(cells)
    names = np.char.add(np.char.add(area_of.astype(str), " "), cells.astype(str))
    frame = gpd.GeoDataFrame(
        {"site_id": cells.astype(str), "name": names.astype(object), "area": area_of},
        geometry=hexagons,
        crs=WGS84,
    )
    return validate_candidates(frame)


def _to_h3shape(geom: Any) -> h3.H3Shape:  # Any: shapely Polygon/MultiPolygon
    """Convert a shapely (Multi)Polygon to an h3 LatLngPoly/LatLngMultiPoly ((lat, lng) order)."""

    def ring(coords: Any) -> list[tuple[float, float]]:  # Any: shapely coordinate sequence
        xy = np.asarray(coords)[:-1]  # h3 wants open loops
        return [(float(lat), float(lng)) for lng, lat in xy]

    polys = [
        h3.LatLngPoly(ring(p.exterior.coords), *[ring(i.coords) for i in p.interiors])
        for p in shapely.get_parts(geom)
    ]
    return polys[0] if len(polys) == 1 else h3.LatLngMultiPoly(*polys)


def _check_antimeridian(geoms: np.ndarray, ids: np.ndarray) -> None:
    """Reject areas with a ring edge spanning more than 180 degrees of longitude."""
    parts, part_area = shapely.get_parts(geoms, return_index=True)
    rings, ring_part = shapely.get_rings(parts, return_index=True)
    coords, ring_idx = shapely.get_coordinates(rings, return_index=True)
    same_ring = ring_idx[1:] == ring_idx[:-1]
    jumps = (np.abs(np.diff(coords[:, 0])) > 180.0) & same_ring
    if jumps.any():
        bad_areas = np.unique(part_area[ring_part[ring_idx[1:][jumps]]])
        msg = (
            f"areas {_first(ids[bad_areas])} have edges crossing the antimeridian; expected "
            "polygons split at +/-180 degrees longitude"
        )
        raise CandidatesError(msg)


def _check_grid_size(geoms: np.ndarray, *, resolution: int, max_cells: int) -> None:
    """Refuse grids whose estimated cell count exceeds ``max_cells``."""
    geod = pyproj.Geod(ellps="WGS84")
    area_m2 = sum(abs(geod.geometry_area_perimeter(g)[0]) for g in geoms)  # per area, few
    cell_m2 = h3.average_hexagon_area(resolution, unit="m^2")
    estimate = area_m2 / cell_m2
    if estimate > max_cells:
        msg = (
            f"an H3 grid at resolution {resolution} would have about {estimate:,.0f} cells "
            f"(limit max_cells={max_cells:,}); expected a coarser resolution or fewer areas"
        )
        raise ConfigError(msg)


def _cell_polygons(cells: np.ndarray) -> np.ndarray:
    """Return the hexagon (or pentagon) polygons of H3 cells as a shapely array."""
    boundaries = [h3.cell_to_boundary(c) for c in cells]  # h3-py has no array API for this
    counts = np.fromiter((len(b) for b in boundaries), dtype=np.int64, count=len(boundaries))
    latlng = np.array([p for b in boundaries for p in b], dtype=np.float64).reshape(-1, 2)
    ring_index = np.repeat(np.arange(len(cells)), counts)
    # Close each ring: shapely.linearrings closes rings itself when given indices.
    rings = shapely.linearrings(latlng[:, ::-1], indices=ring_index)
    polygons: np.ndarray = shapely.polygons(rings)
    return polygons


# --------------------------------------------------------------------------------------------
# generated candidates (I/O)
# --------------------------------------------------------------------------------------------
def expand_countries(codes: Iterable[str]) -> tuple[str, ...]:
    """Expand group shorthands and aliases into ISO 3166-1 alpha-2 codes (order kept, unique).

    ``EU`` (the 27), ``EEA`` (EU + IS, LI, NO) and ``EFTA`` (IS, LI, NO, CH) expand to their
    members; ``UK`` becomes ``GB`` and ``EL`` becomes ``GR``; codes are upper-cased. Codes are
    not checked against any country list here.

    Examples
    --------
    >>> expand_countries(["uk", "EFTA", "NO"])
    ('GB', 'IS', 'LI', 'NO', 'CH')
    """
    out: dict[str, None] = {}
    for code in codes:
        key = str(code).strip().upper()
        for member in COUNTRY_GROUPS.get(key, (key,)):
            out[COUNTRY_ALIASES.get(member, member)] = None
    return tuple(out)


def generate_h3_candidates(
    catalog: Catalog,
    *,
    countries: Sequence[str] = (),
    zones: Sequence[str] = (),
    resolution: int,
    max_cells: int = _DEFAULT_MAX_CELLS,
) -> gpd.GeoDataFrame:
    """Generate an H3 grid over ISO countries and/or European bidding zones.

    Countries come from Natural Earth 1:50m admin-0 (:data:`COUNTRIES_SOURCE`), joined on
    ``ISO_A2_EH`` (so Kosovo is ``XK``); all parts of a country are used, overseas ones included
    (France includes French Guiana, Reunion...). Groups ``EU``/``EEA``/``EFTA`` and aliases
    ``UK``/``EL`` are accepted (:func:`expand_countries`). Bidding zones come from
    :data:`ZONES_SOURCE` (property ``zone``, e.g. ``DE_LU``, ``NO_1``, ``IT_CNOR``; current zones
    only; ``-`` is read as ``_``). Countries come first, then zones; a cell is kept once, for the
    first area containing its centre.

    Parameters
    ----------
    catalog
        Resolves the catalogue names to files.
    countries, zones
        ISO alpha-2 codes or groups; bidding-zone keys. At least one of them is required.
    resolution
        H3 resolution, 0..15 (see :func:`h3_candidates` for cell sizes).
    max_cells
        Refuse grids estimated to exceed this many cells.

    Returns
    -------
    geopandas.GeoDataFrame
        As :func:`h3_candidates` returns (``area`` = country code or zone key).

    Raises
    ------
    ConfigError
        If no area is given, a code or zone is unknown (close valid ones are suggested), or the
        grid is too large.
    DataSourceError
        If the boundary files cannot be found or read.
    """
    codes = expand_countries(countries)
    zone_keys = tuple(dict.fromkeys(str(z).strip().upper().replace("-", "_") for z in zones))
    if not codes and not zone_keys:
        msg = "no areas for the H3 grid; expected countries (e.g. 'DE', 'EEA') and/or zones"
        raise ConfigError(msg)
    frames = []
    if codes:
        frames.append(_country_areas(catalog, codes))
    if zone_keys:
        frames.append(_zone_areas(catalog, zone_keys))
    areas = gpd.GeoDataFrame(pd.concat(frames, ignore_index=True), crs=WGS84)
    return h3_candidates(areas, resolution=resolution, id_column="area", max_cells=max_cells)


def _read_boundaries(catalog: Catalog, name: str, columns: list[str]) -> gpd.GeoDataFrame:
    """Read a boundary file from the catalogue as EPSG:4326."""
    path = catalog.path(name)
    try:
        gdf = gpd.read_file(path, columns=columns, engine="pyogrio")
    except (pyogrio.errors.DataSourceError, pyogrio.errors.DataLayerError) as err:
        msg = f"cannot read {name!r} at {str(path)!r} ({err}); expected the catalogued GeoJSON"
        raise DataSourceError(msg) from err
    missing = [c for c in columns if c not in gdf.columns]
    if missing:
        msg = f"{name!r} lacks column(s) {_first(missing)}; expected {_first(columns)}"
        raise DataSourceError(msg)
    return gdf.to_crs(WGS84) if gdf.crs is not None and not gdf.crs.equals(WGS84) else gdf


def _unknown(
    kind: str, unknown: Sequence[str], valid: Sequence[str], names: dict[str, str]
) -> ConfigError:
    """Build the ConfigError for unknown codes, suggesting close valid ones."""
    hints = []
    for value in unknown:
        close = difflib.get_close_matches(value, valid, n=3, cutoff=0.5)
        by_name = difflib.get_close_matches(value.title(), list(names), n=2, cutoff=0.7)
        close += [names[n] for n in by_name if names[n] not in close]
        hints.append(f"{value!r} (close: {', '.join(close)})" if close else repr(value))
    msg = f"unknown {kind} {', '.join(hints)}; valid {kind}s include {_first(sorted(valid), 60)}"
    return ConfigError(msg)


def _country_areas(catalog: Catalog, codes: Sequence[str]) -> gpd.GeoDataFrame:
    """Return one (dissolved) polygon per requested ISO code, column ``area``."""
    world = _read_boundaries(catalog, COUNTRIES_SOURCE, ["ISO_A2_EH", "NAME"])
    world = world[world["ISO_A2_EH"] != "-99"]
    valid = sorted(set(world["ISO_A2_EH"]))
    names = dict(zip(world["NAME"].astype(str), world["ISO_A2_EH"].astype(str), strict=True))
    unknown = [c for c in codes if c not in valid]
    if unknown:
        raise _unknown("country code", unknown, valid, names)
    chosen = world[world["ISO_A2_EH"].isin(codes)]
    dissolved = chosen.dissolve(by="ISO_A2_EH").reindex(list(codes))
    return gpd.GeoDataFrame(
        {"area": list(codes)}, geometry=dissolved.geometry.to_numpy(), crs=WGS84
    )


def _zone_areas(catalog: Catalog, zone_keys: Sequence[str]) -> gpd.GeoDataFrame:
    """Return the polygons of the requested current bidding zones, column ``area``."""
    zones = _read_boundaries(catalog, ZONES_SOURCE, ["zone", "current"])
    zones = zones[zones["current"].astype(bool)]
    valid = sorted(set(zones["zone"].astype(str)))
    unknown = [z for z in zone_keys if z not in valid]
    if unknown:
        raise _unknown("bidding zone", unknown, valid, {})
    chosen = zones.set_index("zone").loc[list(zone_keys)]
    return gpd.GeoDataFrame(
        {"area": list(zone_keys)}, geometry=chosen.geometry.to_numpy(), crs=WGS84
    )
