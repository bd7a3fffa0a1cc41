"""Read the INFORM Risk Index workbook (EU JRC) into one table indexed by ISO3.

Shared by the ``hazards`` layer (natural-hazard components) and the ``geopolitics`` layer
(risk, human-hazard and conflict components). The reader opens the official workbook
(``governance/inform_risk_2025_v070.xlsx``, sheet ``"INFORM Risk 2025 (a-z)"``), checks that every
column it needs is present, and returns scores on INFORM's 0-10 scale (higher is worse) with
INFORM's missing marker ``"x"`` (and empty cells) as NaN.

Columns of the returned table (INFORM's own heading in brackets):

==================================  =========================================================
``country``                         country name (COUNTRY)
``risk``                            INFORM risk, 0-10 (INFORM RISK)
``risk_class``                      text class, e.g. ``"Low"`` (RISK CLASS)
``lack_of_reliability``             reliability index, 0-10, higher = less reliable
``hazard_exposure``                 hazard & exposure dimension (HAZARD & EXPOSURE)
``natural``                         natural-hazard category (Natural)
``earthquake`` ... ``drought``      natural-hazard components (Earthquake, River Flood,
                                    Tsunami, Tropical Cyclone, Coastal flood, Drought)
``epidemic``                        Epidemic
``human``                           human-hazard category (Human)
``projected_conflict_probability``  Projected Conflict Probability
``current_conflict_intensity``      Current Conflict Intensity
``vulnerability``                   vulnerability dimension (VULNERABILITY)
``lack_of_coping_capacity``         LACK OF COPING CAPACITY
==================================  =========================================================

INFORM 2025 names the conflict components "Projected Conflict Probability" and "Current
Conflict Intensity" (earlier releases: "Projected Conflict Risk" and "Current Highly Violent
Conflict Intensity"); both spellings are accepted.
"""

from __future__ import annotations

import warnings
from collections.abc import Mapping
from pathlib import Path

import numpy as np
import pandas as pd

from siting.errors import LayerDataError

__all__ = [
    "INFORM_COLUMNS",
    "INFORM_NATURAL_COMPONENTS",
    "INFORM_SCORE_COLUMNS",
    "INFORM_SHEET",
    "INFORM_SOURCE",
    "parse_inform",
    "read_inform",
]

INFORM_SOURCE = "governance/inform_risk_2025_v070.xlsx"
"""Catalogue name of the INFORM 2025 workbook (read by the geopolitics and hazards layers)."""
INFORM_SHEET = "INFORM Risk 2025 (a-z)"
"""Sheet of the INFORM 2025 workbook holding one row per country."""

INFORM_COLUMNS: Mapping[str, tuple[str, ...]] = {
    "country": ("COUNTRY",),
    "risk": ("INFORM RISK",),
    "risk_class": ("RISK CLASS",),
    "lack_of_reliability": ("Lack of Reliability (*)",),
    "hazard_exposure": ("HAZARD & EXPOSURE",),
    "natural": ("Natural",),
    "earthquake": ("Earthquake",),
    "river_flood": ("River Flood",),
    "tsunami": ("Tsunami",),
    "tropical_cyclone": ("Tropical Cyclone",),
    "coastal_flood": ("Coastal flood",),
    "drought": ("Drought",),
    "epidemic": ("Epidemic",),
    "human": ("Human",),
    "projected_conflict_probability": ("Projected Conflict Probability", "Projected Conflict Risk"),
    "current_conflict_intensity": (
        "Current Conflict Intensity",
        "Current Highly Violent Conflict Intensity",
    ),
    "vulnerability": ("VULNERABILITY",),
    "lack_of_coping_capacity": ("LACK OF COPING CAPACITY",),
}
"""Output column -> accepted INFORM headings (first match wins, compared case-insensitively)."""

INFORM_TEXT_COLUMNS: tuple[str, ...] = ("country", "risk_class")
INFORM_SCORE_COLUMNS: tuple[str, ...] = tuple(
    c for c in INFORM_COLUMNS if c not in INFORM_TEXT_COLUMNS
)
"""Numeric output columns, all on INFORM's 0-10 scale (higher is worse)."""

INFORM_NATURAL_COMPONENTS: tuple[str, ...] = (
    "earthquake",
    "river_flood",
    "tsunami",
    "tropical_cyclone",
    "coastal_flood",
    "drought",
)
"""The natural-hazard components INFORM combines into its ``natural`` category."""

_ISO3_HEADING = "ISO3"


def parse_inform(raw: pd.DataFrame, *, source: str = "INFORM table") -> pd.DataFrame:
    """Select, rename and type the INFORM columns of a raw sheet (pure compute).

    Parameters
    ----------
    raw
        The sheet as read, first row as headings (INFORM's own headings, e.g. ``"INFORM RISK"``).
    source
        Name of the file or table, used in error messages.

    Returns
    -------
    pandas.DataFrame
        Indexed by upper-case ISO 3166-1 alpha-3 code (index name ``"iso3"``), columns as in
        :data:`INFORM_COLUMNS`; scores are float with NaN where INFORM has ``"x"`` or nothing.

    Raises
    ------
    LayerDataError
        If a needed column is missing, a score is outside 0-10, or an ISO3 code is repeated.

    Examples
    --------
    >>> raw = pd.DataFrame({"COUNTRY": ["Albania"], "ISO3": ["alb"], "INFORM RISK": [2.9],
    ...     "RISK CLASS": ["Low"], "Lack of Reliability (*)": [3.3], "HAZARD & EXPOSURE": [3.5],
    ...     "Natural": [5.5], "Earthquake": [8.3], "River Flood": [4.6], "Tsunami": [6.8],
    ...     "Tropical Cyclone": [0.0], "Coastal flood": [7.4], "Drought": [3.9],
    ...     "Epidemic": ["x"], "Human": [0.9], "Projected Conflict Probability": [0.1],
    ...     "Current Conflict Intensity": [1.7], "VULNERABILITY": [2.1],
    ...     "LACK OF COPING CAPACITY": [3.3]})
    >>> table = parse_inform(raw)
    >>> float(table.loc["ALB", "earthquake"]), bool(np.isnan(table.loc["ALB", "epidemic"]))
    (8.3, True)
    """
    headings = {str(col).strip().casefold(): col for col in raw.columns}
    if _ISO3_HEADING.casefold() not in headings:
        msg = f"{source}: column {_ISO3_HEADING!r} not found; columns are {list(raw.columns)!r}"
        raise LayerDataError(msg)
    selected: dict[str, pd.Series] = {}
    for name, accepted in INFORM_COLUMNS.items():
        match = next((headings[h.casefold()] for h in accepted if h.casefold() in headings), None)
        if match is None:
            msg = (
                f"{source}: column {accepted[0]!r} (for {name!r}) not found; "
                f"expected one of {list(accepted)!r}"
            )
            raise LayerDataError(msg)
        selected[name] = raw[match]
    iso3 = raw[headings[_ISO3_HEADING.casefold()]].astype("string").str.strip().str.upper()
    keep = iso3.notna() & (iso3.str.len() == 3)
    table = pd.DataFrame({name: col[keep].to_numpy() for name, col in selected.items()})
    table.index = pd.Index(iso3[keep].to_numpy(dtype=object), name="iso3")
    duplicated = table.index[table.index.duplicated()]
    if len(duplicated):
        msg = f"{source}: ISO3 code {duplicated[0]!r} appears more than once"
        raise LayerDataError(msg)
    for name in INFORM_SCORE_COLUMNS:
        column = table[name].astype(object)
        is_marker = column.isna() | column.astype(str).str.strip().str.casefold().isin(["x", ""])
        try:
            values = pd.to_numeric(column.mask(is_marker, np.nan), errors="raise").astype(
                np.float64
            )
        except (ValueError, TypeError) as err:
            msg = f"{source}: column {name!r} holds a value that is neither a number nor 'x': {err}"
            raise LayerDataError(msg) from err
        bad = values[(values < 0) | (values > 10)]
        if len(bad):
            value, iso3_code = float(bad.iloc[0]), bad.index[0]
            msg = f"{source}: {name!r} value {value!r} for {iso3_code!r} is outside 0-10"
            raise LayerDataError(msg)
        table[name] = values
    for name in INFORM_TEXT_COLUMNS:
        table[name] = table[name].astype("string")
    return table


def read_inform(path: Path | str, *, sheet: str = INFORM_SHEET) -> pd.DataFrame:
    """Read the INFORM Risk workbook into a table indexed by ISO3 (I/O; see :func:`parse_inform`).

    Parameters
    ----------
    path
        The official INFORM workbook (``.xlsx``), e.g. catalogue entry
        ``"governance/inform_risk_2025_v070.xlsx"``. A ``.csv`` export of the same sheet is also
        accepted.
    sheet
        Sheet holding one row per country.

    Returns
    -------
    pandas.DataFrame
        See :func:`parse_inform`.

    Raises
    ------
    LayerDataError
        If the file cannot be parsed, the sheet is missing, or a needed column is missing.
    """
    path = Path(path)
    try:
        if path.suffix.lower() == ".csv":
            raw = pd.read_csv(path, keep_default_na=False, na_values=[""])
        else:
            with warnings.catch_warnings():
                # openpyxl warns that it drops the workbook's conditional-formatting extensions;
                # they carry no data.
                warnings.filterwarnings("ignore", category=UserWarning, module="openpyxl")
                raw = pd.read_excel(path, sheet_name=sheet, engine="openpyxl")
    except ValueError as err:
        msg = f"cannot read INFORM sheet {sheet!r} from {str(path)!r}: {err}"
        raise LayerDataError(msg) from err
    return parse_inform(raw, source=str(path))
