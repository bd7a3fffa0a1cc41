"""Readers and rules for the grid layer: GridKit buses/lines, TYNDP 2020 lines, power plants.

Readers (``read_*``) do the I/O and validate columns and units, raising
:class:`~siting.errors.LayerDataError` naming the file and the column. The rules (line ratings,
default minimum voltage, substation selection, circle polygons) are pure functions on arrays.

Line ratings follow PyPSA-Eur (``config.default.yaml`` ``lines.types`` with PyPSA's standard line
types, documented in ``entsoe-gridkit/PROVENANCE.md``): a circuit of voltage ``V`` kV carries
``sqrt(3) * V * I_nom`` MVA, where ``I_nom`` is the nominal current of the standard conductor of
its voltage class; PyPSA-Eur's ``s_max_pu = 0.7`` approximates N-1 security.

>>> round(float(line_rating_mva(np.array([220.0]), np.array([1.0]))[0]), 2)
491.56
>>> round(float(line_rating_mva(np.array([380.0]), np.array([2.0]), n1_factor=0.7)[0]), 2)
2377.34
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import shapely

from layers.geodesy import GEOD
from siting.errors import ConfigError, LayerDataError
from siting.types import BoolArray, FloatArray

__all__ = [
    "BUSES",
    "CONSTRAINT_AREAS",
    "GRIDKIT_QUOTECHAR",
    "LINES",
    "LINE_TYPES",
    "MIN_RATED_VOLTAGE_KV",
    "N1_FACTOR",
    "POWERPLANTS",
    "PPM_VINTAGE_YEAR",
    "SQRT3",
    "TYNDP_NEW_LINES",
    "TYNDP_UPGRADED_LINES",
    "VOLTAGE_RULE",
    "VOLTAGE_RULE_TOP_KV",
    "LineType",
    "check_range",
    "circle_polygons",
    "default_min_voltage_kv",
    "line_rating_mva",
    "read_buses",
    "read_constraint_areas",
    "read_lines",
    "read_powerplants",
    "read_tyndp_lines",
    "require_columns",
    "substation_mask",
    "validate_statuses",
]

BUSES = "entsoe-gridkit/buses.csv"
LINES = "entsoe-gridkit/lines.csv"
TYNDP_NEW_LINES = "entsoe-gridkit/tyndp2020/new_lines.csv"
TYNDP_UPGRADED_LINES = "entsoe-gridkit/tyndp2020/upgraded_lines.csv"
POWERPLANTS = "powerplantmatching/powerplants.csv"
CONSTRAINT_AREAS = "layers/facts/grid_constraint_areas.csv"
"""Fact-table name of the constraint areas (project-relative path)."""

GRIDKIT_QUOTECHAR = "'"
"""GridKit quotes string fields with a single quote (entsoe-gridkit/PROVENANCE.md)."""


@dataclass(frozen=True)
class LineType:
    """A PyPSA standard overhead-line type used to rate a voltage class.

    Parameters
    ----------
    name
        PyPSA standard line-type name.
    min_voltage_kv
        Lowest line voltage (kV, inclusive) the type is used for.
    i_nom_ka
        Nominal current per circuit, kA.
    nominal_voltage_kv
        Voltage the type is named for, kV.
    """

    name: str
    min_voltage_kv: float
    i_nom_ka: float
    nominal_voltage_kv: float


LINE_TYPES: tuple[LineType, ...] = (
    LineType("Al/St 240/40 2-bundle 220.0", 200.0, 1.29, 220.0),
    LineType("Al/St 240/40 3-bundle 300.0", 300.0, 1.935, 300.0),
    LineType("Al/St 240/40 4-bundle 380.0", 380.0, 2.58, 380.0),
)
"""Voltage classes and conductors (PyPSA-Eur ``lines.types``; 380 kV type also for 500/750 kV)."""

MIN_RATED_VOLTAGE_KV = LINE_TYPES[0].min_voltage_kv
"""Lines below this voltage have no standard type and are not counted (as in PyPSA-Eur)."""

N1_FACTOR = 0.7
"""PyPSA-Eur ``s_max_pu``: share of the thermal rating usable under N-1 security."""

SQRT3 = float(np.sqrt(3.0))

VOLTAGE_RULE: tuple[tuple[float, float], ...] = ((100.0, 220.0), (300.0, 300.0))
"""Default minimum substation voltage from the IT load: up to 100 MW -> 220 kV, up to 300 MW ->
300 kV (the 275/300/330 kV class), above -> 380 kV."""
VOLTAGE_RULE_TOP_KV = 380.0

PPM_VINTAGE_YEAR = 2025
"""Release year of the powerplantmatching snapshot (v0.6.1, 2025-01): plants with ``DateOut``
before it are treated as retired."""

_BUS_COLUMNS = ("bus_id", "voltage", "dc", "symbol", "under_construction", "tags", "x", "y")
_LINE_COLUMNS = ("line_id", "voltage", "circuits", "length", "under_construction", "geometry")
_TYNDP_COLUMNS = ("project_status", "v_nom", "x0", "y0", "x1", "y1", "num_parallel", "type")
_PPM_COLUMNS = ("Name", "Fueltype", "Country", "Capacity", "DateOut", "lat", "lon")
_AREA_COLUMNS = (
    "name", "country", "scope", "centre_lon", "centre_lat", "radius_km", "wkt",
    "min_it_load_mw", "measure", "since", "status", "source", "source_url", "checked",
)  # fmt: skip
_VOLTAGE_RANGE_KV = (50.0, 1200.0)
_CIRCLE_VERTICES = 72


def require_columns(frame: pd.DataFrame, required: tuple[str, ...], *, file: str) -> None:
    """Raise if ``frame`` lacks any of ``required`` columns.

    Raises
    ------
    LayerDataError
        Naming the file, the missing column(s) and the columns expected.
    """
    missing = [c for c in required if c not in frame.columns]
    if missing:
        msg = f"{file}: missing column(s) {missing!r}; expected columns {list(required)!r}"
        raise LayerDataError(msg)


def _numeric(frame: pd.DataFrame, column: str, *, file: str) -> FloatArray:
    """Return ``column`` as float64, raising on text that is not a number."""
    values = pd.to_numeric(frame[column], errors="coerce")
    bad = values.isna() & frame[column].notna()
    if bad.any():
        example = frame.loc[bad, column].iloc[0]
        msg = f"{file}: column {column!r} holds non-numeric value {example!r}; expected numbers"
        raise LayerDataError(msg)
    return values.to_numpy(dtype=np.float64)


def check_range(
    values: FloatArray, lo: float, hi: float, *, file: str, column: str, unit: str
) -> None:
    """Raise if any finite value lies outside ``[lo, hi]`` (a unit or column mix-up)."""
    finite = values[np.isfinite(values)]
    if finite.size and (finite.min() < lo or finite.max() > hi):
        msg = (
            f"{file}: column {column!r} has values from {finite.min()!r} to {finite.max()!r}; "
            f"expected {unit} within [{lo}, {hi}]"
        )
        raise LayerDataError(msg)


def _check_lon_lat(
    lon: FloatArray, lat: FloatArray, *, file: str, columns: tuple[str, str]
) -> None:
    check_range(lon, -180.0, 180.0, file=file, column=columns[0], unit="degrees longitude")
    check_range(lat, -90.0, 90.0, file=file, column=columns[1], unit="degrees latitude")


def read_buses(path: Path, *, file: str = BUSES) -> pd.DataFrame:
    """Read GridKit ``buses.csv``.

    Returns
    -------
    DataFrame with ``bus_id`` (str), ``voltage_kv``, ``is_dc``, ``symbol``,
    ``is_under_construction``, ``country`` (ISO alpha-2, ``UK`` mapped to ``GB``), ``lon``, ``lat``.

    Raises
    ------
    LayerDataError
        If a column is missing or voltages/coordinates are out of range.
    """
    raw = pd.read_csv(path, quotechar=GRIDKIT_QUOTECHAR, dtype={"bus_id": str})
    require_columns(raw, _BUS_COLUMNS, file=file)
    voltage = _numeric(raw, "voltage", file=file)
    check_range(voltage, *_VOLTAGE_RANGE_KV, file=file, column="voltage", unit="kV")
    lon = _numeric(raw, "x", file=file)
    lat = _numeric(raw, "y", file=file)
    _check_lon_lat(lon, lat, file=file, columns=("x", "y"))
    country = raw["tags"].astype("string").str.extract(r'"country"=>"([^"]*)"')[0]
    return pd.DataFrame(
        {
            "bus_id": raw["bus_id"].astype(str),
            "voltage_kv": voltage,
            "is_dc": raw["dc"].astype(str).eq("t").to_numpy(),
            "symbol": raw["symbol"].astype(str),
            "is_under_construction": raw["under_construction"].astype(str).eq("t").to_numpy(),
            "country": country.replace({"UK": "GB"}).astype(object).where(country.notna(), None),
            "lon": lon,
            "lat": lat,
        }
    )


def substation_mask(buses: pd.DataFrame, *, min_voltage_kv: float) -> BoolArray:
    """Return True for AC substations in service at or above ``min_voltage_kv``.

    A substation is any GridKit bus that is not a synthetic ``joint``, not DC, not under
    construction and has a known voltage; power-plant switchyards and phase shifters count.

    >>> b = pd.DataFrame({"voltage_kv": [380.0, 220.0, 380.0, 380.0, np.nan],
    ...     "is_dc": [False, False, True, False, False],
    ...     "symbol": ["Substation"] * 3 + ["joint", "x"],
    ...     "is_under_construction": [False] * 5})
    >>> substation_mask(b, min_voltage_kv=300.0).tolist()
    [True, False, False, False, False]
    """
    voltage = buses["voltage_kv"].to_numpy(dtype=np.float64)
    with np.errstate(invalid="ignore"):
        is_high = voltage >= min_voltage_kv
    return (
        is_high
        & ~buses["is_dc"].to_numpy(dtype=bool)
        & ~buses["is_under_construction"].to_numpy(dtype=bool)
        & buses["symbol"].ne("joint").to_numpy()
    )


def line_rating_mva(
    voltage_kv: FloatArray, circuits: FloatArray, *, n1_factor: float = 1.0
) -> FloatArray:
    """Return the thermal rating of AC lines, MVA: ``sqrt(3) * V * I_nom * circuits * n1_factor``.

    Parameters
    ----------
    voltage_kv
        Line voltage, kV. Below :data:`MIN_RATED_VOLTAGE_KV` (or NaN) the rating is NaN.
    circuits
        Number of parallel circuits.
    n1_factor
        Share of the rating usable under N-1 security (1 = full thermal rating).

    Returns
    -------
    Rating per line, MVA (NaN where no standard type applies).

    >>> line_rating_mva(np.array([132.0, 300.0]), np.array([1.0, 1.0])).round(1).tolist()
    [nan, 1005.5]
    """
    voltage = np.asarray(voltage_kv, dtype=np.float64)
    thresholds = np.array([t.min_voltage_kv for t in LINE_TYPES])
    currents = np.array([t.i_nom_ka for t in LINE_TYPES])
    with np.errstate(invalid="ignore"):
        cls = np.searchsorted(thresholds, np.nan_to_num(voltage, nan=-1.0), side="right") - 1
    i_nom = np.where(cls >= 0, currents[np.clip(cls, 0, None)], np.nan)
    return SQRT3 * voltage * i_nom * np.asarray(circuits, dtype=np.float64) * n1_factor


def default_min_voltage_kv(it_load_mw: float) -> float:
    """Return the default minimum substation voltage, kV, for an IT load (:data:`VOLTAGE_RULE`).

    >>> [default_min_voltage_kv(x) for x in (20.0, 100.0, 150.0, 500.0)]
    [220.0, 220.0, 300.0, 380.0]
    """
    for max_load_mw, voltage_kv in VOLTAGE_RULE:
        if it_load_mw <= max_load_mw:
            return voltage_kv
    return VOLTAGE_RULE_TOP_KV


def read_lines(path: Path, *, file: str = LINES) -> pd.DataFrame:
    """Read GridKit ``lines.csv`` (AC lines).

    Returns
    -------
    DataFrame with ``line_id`` (str), ``voltage_kv``, ``circuits``, ``length_km``,
    ``is_under_construction`` and ``geometry`` (shapely LineStrings, EPSG:4326).

    Raises
    ------
    LayerDataError
        If a column is missing, the voltage is not in kV, the length does not look like metres
        (median below 1,000) or a geometry is not valid WKT.
    """
    raw = pd.read_csv(path, quotechar=GRIDKIT_QUOTECHAR, dtype={"line_id": str})
    require_columns(raw, _LINE_COLUMNS, file=file)
    voltage = _numeric(raw, "voltage", file=file)
    check_range(voltage, *_VOLTAGE_RANGE_KV, file=file, column="voltage", unit="kV")
    circuits = _numeric(raw, "circuits", file=file)
    check_range(circuits, 1.0, 12.0, file=file, column="circuits", unit="circuit count")
    length_m = _numeric(raw, "length", file=file)
    median_m = float(np.nanmedian(length_m)) if length_m.size else np.nan
    if length_m.size and not median_m >= 1000.0:
        msg = (
            f"{file}: column 'length' has median {median_m!r}; expected metres "
            "(GridKit lengths are in m, median about 25,000)"
        )
        raise LayerDataError(msg)
    try:
        geometry = shapely.from_wkt(raw["geometry"].to_numpy(dtype=object))
    except shapely.errors.GEOSException as err:
        msg = f"{file}: column 'geometry' holds text that is not WKT; expected LINESTRING WKT"
        raise LayerDataError(msg) from err
    under = raw["under_construction"].astype(str).str.lower().isin(["true", "t"]).to_numpy()
    return pd.DataFrame(
        {
            "line_id": raw["line_id"].astype(str),
            "voltage_kv": voltage,
            "circuits": circuits,
            "length_km": length_m / 1000.0,
            "is_under_construction": under,
            "geometry": geometry,
        }
    )


def read_tyndp_lines(path: Path, *, file: str) -> pd.DataFrame:
    """Read a PyPSA-Eur TYNDP 2020 line table (``new_lines.csv`` or ``upgraded_lines.csv``).

    Returns
    -------
    DataFrame indexed by the file's first column (project id, or the upgraded line's id) with
    ``status``, ``voltage_kv``, ``circuits``, ``i_nom_ka`` (from the PyPSA line type) and
    ``geometry`` (straight LineString between the two endpoints, EPSG:4326).

    Raises
    ------
    LayerDataError
        If a column is missing, a value is out of range or a line type is unknown.
    """
    raw = pd.read_csv(path, index_col=0)
    require_columns(raw, _TYNDP_COLUMNS, file=file)
    voltage = _numeric(raw, "v_nom", file=file)
    check_range(voltage, *_VOLTAGE_RANGE_KV, file=file, column="v_nom", unit="kV")
    circuits = _numeric(raw, "num_parallel", file=file)
    coords = {c: _numeric(raw, c, file=file) for c in ("x0", "y0", "x1", "y1")}
    _check_lon_lat(coords["x0"], coords["y0"], file=file, columns=("x0", "y0"))
    _check_lon_lat(coords["x1"], coords["y1"], file=file, columns=("x1", "y1"))
    currents = {t.name: t.i_nom_ka for t in LINE_TYPES}
    unknown = sorted(set(raw["type"].astype(str)) - set(currents))
    if unknown:
        msg = (
            f"{file}: column 'type' has unknown line type(s) {unknown!r}; "
            f"expected {list(currents)!r}"
        )
        raise LayerDataError(msg)
    xy = np.stack(
        [
            np.stack([coords["x0"], coords["y0"]], axis=1),
            np.stack([coords["x1"], coords["y1"]], axis=1),
        ],
        axis=1,
    )
    return pd.DataFrame(
        {
            "status": raw["project_status"].astype(str).to_numpy(),
            "voltage_kv": voltage,
            "circuits": circuits,
            "i_nom_ka": raw["type"].astype(str).map(currents).to_numpy(dtype=np.float64),
            "geometry": shapely.linestrings(xy),
        },
        index=raw.index.astype(str),
    )


def read_powerplants(path: Path, *, file: str = POWERPLANTS) -> pd.DataFrame:
    """Read powerplantmatching ``powerplants.csv``.

    Returns
    -------
    DataFrame with ``name``, ``fueltype``, ``country_name``, ``capacity_mw``, ``date_out``,
    ``lon``, ``lat``.

    Raises
    ------
    LayerDataError
        If a column is missing or capacities are not MW (negative or above 10,000 per plant).
    """
    raw = pd.read_csv(path, index_col=0)
    require_columns(raw, _PPM_COLUMNS, file=file)
    capacity = _numeric(raw, "Capacity", file=file)
    check_range(capacity, 0.0, 10_000.0, file=file, column="Capacity", unit="MW per plant")
    lon = _numeric(raw, "lon", file=file)
    lat = _numeric(raw, "lat", file=file)
    _check_lon_lat(lon, lat, file=file, columns=("lon", "lat"))
    return pd.DataFrame(
        {
            "name": raw["Name"].astype(str).to_numpy(),
            "fueltype": raw["Fueltype"].astype(str).to_numpy(),
            "country_name": raw["Country"].astype(str).to_numpy(),
            "capacity_mw": capacity,
            "date_out": _numeric(raw, "DateOut", file=file),
            "lon": lon,
            "lat": lat,
        }
    )


def circle_polygons(
    lon: FloatArray, lat: FloatArray, radius_km: FloatArray, *, vertices: int = _CIRCLE_VERTICES
) -> np.ndarray:
    """Return geodesic circles as polygons (vertices at ``radius_km`` along evenly spaced azimuths).

    >>> p = circle_polygons(np.array([0.0]), np.array([0.0]), np.array([111.32]))[0]
    >>> round(p.bounds[2], 2)
    1.0
    """
    n = len(lon)
    azimuths = np.linspace(0.0, 360.0, vertices, endpoint=False)
    lons = np.repeat(np.asarray(lon, dtype=np.float64), vertices)
    lats = np.repeat(np.asarray(lat, dtype=np.float64), vertices)
    dist_m = np.repeat(np.asarray(radius_km, dtype=np.float64) * 1000.0, vertices)
    x, y, _ = GEOD.fwd(lons, lats, np.tile(azimuths, n), dist_m)
    ring = np.stack([np.asarray(x), np.asarray(y)], axis=1).reshape(n, vertices, 2)
    return shapely.polygons(ring)


def read_constraint_areas(path: Path, *, file: str = CONSTRAINT_AREAS) -> pd.DataFrame:
    """Read the project's constraint-area fact table (one row per area, each with a source).

    Returns
    -------
    The table with ``radius_km``, ``centre_lon``, ``centre_lat``, ``min_it_load_mw`` as floats.

    Raises
    ------
    LayerDataError
        If a column is missing, a row has no source or date checked, a ``scope`` is not
        ``local``, ``national`` or ``exempt``, or a local or exempt row has neither a
        centre+radius nor WKT.
    """
    raw = pd.read_csv(path, dtype=str, keep_default_na=False, na_values=[""])
    require_columns(raw, _AREA_COLUMNS, file=file)
    for column in ("name", "country", "measure", "source", "checked", "scope"):
        if raw[column].isna().any():
            row = int(np.flatnonzero(raw[column].isna().to_numpy())[0])
            msg = f"{file}: column {column!r} is empty in row {row}; every row needs it"
            raise LayerDataError(msg)
    bad_scope = sorted(set(raw["scope"]) - {"local", "national", "exempt"})
    if bad_scope:
        msg = f"{file}: column 'scope' has {bad_scope!r}; expected 'local', 'national' or 'exempt'"
        raise LayerDataError(msg)
    table = raw.copy()
    for column in ("centre_lon", "centre_lat", "radius_km", "min_it_load_mw"):
        table[column] = _numeric(raw, column, file=file)
    is_local = table["scope"].isin(["local", "exempt"])
    has_circle = table[["centre_lon", "centre_lat", "radius_km"]].notna().all(axis=1)
    has_wkt = table["wkt"].notna()
    lacking = is_local & ~(has_circle | has_wkt)
    if lacking.any():
        msg = (
            f"{file}: row {table.loc[lacking, 'name'].iloc[0]!r} has neither centre_lon/centre_lat/"
            "radius_km nor wkt; expected one of them for scope 'local' or 'exempt'"
        )
        raise LayerDataError(msg)
    check_range(table["radius_km"].to_numpy(), 0.0, 500.0, file=file, column="radius_km", unit="km")
    return table


def validate_statuses(statuses: tuple[str, ...], *, allowed: tuple[str, ...]) -> tuple[str, ...]:
    """Return ``statuses`` if all are known TYNDP project statuses, else raise ConfigError."""
    unknown = [s for s in statuses if s not in allowed]
    if unknown:
        msg = f"unknown TYNDP project status(es) {unknown!r}; expected some of {list(allowed)!r}"
        raise ConfigError(msg)
    return statuses
