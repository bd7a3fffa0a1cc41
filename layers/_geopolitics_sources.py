"""Read the geopolitics sources: WGI political stability and UCDP conflict events.

I/O and parsing only; the ``geopolitics`` layer combines the results. INFORM is read by the
shared :mod:`layers._inform` reader.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

import numpy as np
import pandas as pd

from layers._jurisdiction_countries import require_columns
from siting.errors import LayerDataError

__all__ = [
    "UCDP_COLUMNS",
    "WGI_COLUMNS",
    "WGI_STABILITY",
    "parse_ucdp_events",
    "parse_wgi_stability",
    "read_ucdp_events",
    "read_wgi",
]

WGI_COLUMNS: tuple[str, ...] = ("code", "countryname", "year", "indicator", "estimate", "stddev")
WGI_STABILITY = "pv"
"""WGI indicator code of Political Stability and Absence of Violence/Terrorism."""

UCDP_COLUMNS: tuple[str, ...] = (
    "id",
    "year",
    "type_of_violence",
    "where_prec",
    "latitude",
    "longitude",
    "date_start",
    "best",
)
UCDP_MAX_WHERE_PREC = 5
"""UCDP ``where_prec`` 6 (only the country known) and 7 (international waters or airspace) place
an event at a country centroid or nowhere; such events are dropped from distance measures."""


def read_wgi(path: Path, *, source: str) -> pd.DataFrame:
    """Read the World Bank's long-format WGI CSV (``wgidataset.csv``).

    Raises
    ------
    LayerDataError
        If a needed column is missing.
    """
    frame = pd.read_csv(path, encoding="utf-8-sig", na_values=[".."], keep_default_na=False)
    require_columns(frame, WGI_COLUMNS, source=source)
    return frame


def parse_wgi_stability(
    wgi: pd.DataFrame, code_to_iso2: Mapping[str, str], *, source: str
) -> pd.DataFrame:
    """Return each economy's latest WGI political-stability estimate, its standard error and year.

    Parameters
    ----------
    wgi
        Long WGI table (columns of :data:`WGI_COLUMNS`).
    code_to_iso2
        WGI code (ISO alpha-3 or the World Bank's own) -> ISO alpha-2; codes without a mapping
        (e.g. the former Netherlands Antilles) are dropped.
    source
        Name used in error messages.

    Returns
    -------
    DataFrame indexed by iso2: ``stability`` (estimate, about -2.5..2.5, higher is more stable),
    ``stability_se`` (its standard error), ``stability_year`` (int).

    Raises
    ------
    LayerDataError
        If an estimate or standard error is not numeric.

    Examples
    --------
    >>> wgi = pd.DataFrame({"code": ["NOR", "NOR", "NOR"], "countryname": ["Norway"] * 3,
    ...     "year": [2022, 2023, 2023], "indicator": ["pv", "pv", "cc"],
    ...     "estimate": [0.8, 0.89, 2.0], "stddev": [0.2, 0.22, 0.1]})
    >>> parse_wgi_stability(wgi, {"NOR": "NO"}, source="wgi").loc["NO"].tolist()
    [0.89, 0.22, 2023.0]
    """
    rows = wgi[wgi["indicator"].astype(str) == WGI_STABILITY]
    try:
        estimate = pd.to_numeric(rows["estimate"], errors="raise").astype(np.float64)
        stddev = pd.to_numeric(rows["stddev"], errors="raise").astype(np.float64)
        year = pd.to_numeric(rows["year"], errors="raise").astype(np.int64)
    except (ValueError, TypeError) as err:
        msg = f"{source}: non-numeric WGI estimate, stddev or year: {err}"
        raise LayerDataError(msg) from err
    iso2 = rows["code"].astype(str).map(dict(code_to_iso2))
    table = pd.DataFrame(
        {
            "iso2": iso2.to_numpy(dtype=object),
            "stability": estimate.to_numpy(),
            "stability_se": stddev.to_numpy(),
            "stability_year": year.to_numpy(),
        }
    )
    table = table[table["iso2"].notna() & table["stability"].notna()]
    latest = table.sort_values(["iso2", "stability_year"]).groupby("iso2", sort=True).tail(1)
    return latest.set_index("iso2")


def read_ucdp_events(path: Path, *, source: str) -> pd.DataFrame:
    """Read the original UCDP Ukraine CSV (cp1252 text, spreadsheet-mangled dates).

    Raises
    ------
    LayerDataError
        If a needed column is missing.
    """
    frame = pd.read_csv(path, encoding="cp1252", usecols=lambda c: c in UCDP_COLUMNS)
    require_columns(frame, UCDP_COLUMNS, source=source)
    return frame


def parse_ucdp_events(raw: pd.DataFrame, *, source: str) -> pd.DataFrame:
    """Derive the located events with an ISO start date, as the data PROVENANCE describes.

    ``date_start`` strings are ``m/d/yyyy ...`` or ``mm/dd/yyyy hh:mm`` and are all read
    month-first; the parsed year must equal the ``year`` column for every row. Events located
    no better than the country (``where_prec`` > 5) are dropped.

    Returns
    -------
    DataFrame with ``id``, ``date_start`` (datetime64), ``lon``, ``lat``, ``best`` (UCDP's best
    fatality estimate, float), ``type_of_violence``.

    Raises
    ------
    LayerDataError
        If a date does not parse, disagrees with ``year``, or a coordinate is out of range.

    Examples
    --------
    >>> raw = pd.DataFrame({"id": [1, 2], "year": [2022, 2014], "type_of_violence": [1, 1],
    ...     "where_prec": [1, 7], "latitude": [50.0, 49.0], "longitude": [36.2, 32.0],
    ...     "date_start": ["02/05/2022 00:00", "3/31/2014 12:00:00 AM"], "best": [3, 1]})
    >>> parse_ucdp_events(raw, source="ucdp")[["id", "date_start"]].to_dict("records")
    [{'id': 1, 'date_start': Timestamp('2022-02-05 00:00:00')}]
    """
    day = raw["date_start"].astype(str).str.strip().str.split(" ").str[0]
    try:
        date = pd.to_datetime(day, format="%m/%d/%Y", errors="raise")
    except ValueError as err:
        msg = f"{source}: date_start does not parse month-first (m/d/yyyy): {err}"
        raise LayerDataError(msg) from err
    year = pd.to_numeric(raw["year"], errors="coerce")
    mismatch = date.dt.year.to_numpy() != year.to_numpy()
    if mismatch.any():
        first = int(np.flatnonzero(mismatch)[0])
        msg = (
            f"{source}: date_start {raw['date_start'].iloc[first]!r} disagrees with year "
            f"{raw['year'].iloc[first]!r}; expected month-first dates of that year"
        )
        raise LayerDataError(msg)
    lon = pd.to_numeric(raw["longitude"], errors="coerce").to_numpy(dtype=np.float64)
    lat = pd.to_numeric(raw["latitude"], errors="coerce").to_numpy(dtype=np.float64)
    is_bad = ~((np.abs(lon) <= 180.0) & (np.abs(lat) <= 90.0))
    if is_bad.any():
        first = int(np.flatnonzero(is_bad)[0])
        msg = (
            f"{source}: event coordinate ({lon[first]!r}, {lat[first]!r}); expected lon/lat degrees"
        )
        raise LayerDataError(msg)
    is_located = pd.to_numeric(raw["where_prec"], errors="coerce").to_numpy() <= UCDP_MAX_WHERE_PREC
    events = pd.DataFrame(
        {
            "id": raw["id"].to_numpy(),
            "date_start": date.to_numpy(),
            "lon": lon,
            "lat": lat,
            "best": pd.to_numeric(raw["best"], errors="coerce").to_numpy(dtype=np.float64),
            "type_of_violence": raw["type_of_violence"].to_numpy(),
        }
    )
    return events[is_located].reset_index(drop=True)
