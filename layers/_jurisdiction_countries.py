"""Country polygons (Natural Earth) and the project's jurisdiction fact table: reading and lookup.

Shared by the ``jurisdiction`` and ``geopolitics`` layers. Reading functions (``read_*``) do the
I/O and validate columns; :class:`CountryLookup` is pure compute on the loaded polygons.

Country identity is ISO 3166-1 alpha-2 from Natural Earth's ``ISO_A2_EH`` column ("every
hectare": fills the gaps of ``ISO_A2``, e.g. Kosovo ``XK``). Features whose ``ISO_A2_EH`` is
``-99`` (Northern Cyprus, Somaliland, Siachen Glacier) are de-facto territories without a code:
they are flagged *disputed* and get no country code.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

import geopandas as gpd
import numpy as np
import numpy.typing as npt
import pandas as pd

from layers.lookup import PolygonIndex
from siting.errors import LayerDataError

__all__ = [
    "FACTS_NAME",
    "FACTS_PATH",
    "GDPR_REGIMES",
    "NE_SOURCE",
    "CountryLookup",
    "iso3_to_iso2",
    "read_countries",
    "read_country_facts",
    "require_columns",
]

NE_SOURCE = "ne/upstream/ne_50m_admin_0_countries.geojson"
"""Catalogue name of the Natural Earth 1:50m admin-0 countries (the original with a url)."""

NE_COLUMNS: tuple[str, ...] = ("ADMIN", "ISO_A2_EH", "ISO_A3_EH", "geometry")
NE_NO_CODE = "-99"
"""Natural Earth's marker for a feature without an ISO code."""

FACTS_PATH = Path(__file__).resolve().parent / "facts" / "jurisdiction_countries.csv"
FACTS_NAME = "layers/facts/jurisdiction_countries.csv"
"""Name under which the project's own fact table is cited as a source."""

GDPR_REGIMES: tuple[str, ...] = ("eea", "adequacy", "adequacy_partial", "third_country")
"""GDPR transfer regimes a country can have (Chapter V): inside the EEA, full adequacy decision,
adequacy limited to a sector or to certified organisations, or none (SCC/BCR/derogations)."""

FACT_COLUMNS: tuple[str, ...] = (
    "iso2",
    "name",
    "eu_member",
    "eea_member",
    "gdpr_regime",
    "adequacy_scope",
    "adequacy_decision",
    "sanctioned",
    "sanctions_regime",
    "data_localisation",
    "government_access",
    "source",
    "checked",
)

WGI_CODE_TO_ISO2: Mapping[str, str] = {
    "ADO": "AD",
    "ROM": "RO",
    "ZAR": "CD",
    "TMP": "TL",
    "WBG": "PS",
    "KSV": "XK",
}
"""World Bank codes that are not ISO 3166 alpha-3 (Kosovo has no ISO alpha-3 in Natural Earth)."""


def require_columns(frame: pd.DataFrame, columns: tuple[str, ...], *, source: str) -> None:
    """Raise :class:`LayerDataError` naming ``source`` and the first missing column.

    >>> require_columns(pd.DataFrame({"a": [1]}), ("a",), source="x.csv")
    >>> require_columns(pd.DataFrame({"a": [1]}), ("a", "b"), source="x.csv")
    Traceback (most recent call last):
    ...
    siting.errors.LayerDataError: x.csv: missing column 'b'; expected columns a, b
    """
    missing = [column for column in columns if column not in frame.columns]
    if missing:
        msg = f"{source}: missing column {missing[0]!r}; expected columns {', '.join(columns)}"
        raise LayerDataError(msg)


def read_countries(path: Path, *, source: str = NE_SOURCE) -> gpd.GeoDataFrame:
    """Read Natural Earth admin-0 countries, keeping name, ISO codes and geometry.

    Parameters
    ----------
    path
        Local path of ``ne_50m_admin_0_countries.geojson`` (EPSG:4326).
    source
        Catalogue name used in error messages.

    Returns
    -------
    GeoDataFrame with columns ``name``, ``iso2`` (None where Natural Earth has ``-99``),
    ``iso3`` (None likewise), ``is_disputed`` (bool) and ``geometry``; RangeIndex.

    Raises
    ------
    LayerDataError
        If a column is missing, the CRS is not EPSG:4326 or the file holds no features.
    """
    frame = gpd.read_file(path)
    require_columns(frame, NE_COLUMNS, source=source)
    if frame.crs is None or frame.crs.to_epsg() != 4326:
        msg = f"{source}: CRS {frame.crs!r}; expected EPSG:4326"
        raise LayerDataError(msg)
    if frame.empty:
        msg = f"{source}: no features; expected Natural Earth admin-0 countries"
        raise LayerDataError(msg)
    iso2 = frame["ISO_A2_EH"].astype(str).to_numpy(dtype=object, copy=True)
    iso3 = frame["ISO_A3_EH"].astype(str).to_numpy(dtype=object, copy=True)
    is_disputed = iso2 == NE_NO_CODE
    iso2[is_disputed] = None
    iso3[iso3 == NE_NO_CODE] = None
    return gpd.GeoDataFrame(
        {
            "name": frame["ADMIN"].astype(str).to_numpy(dtype=object),
            "iso2": iso2,
            "iso3": iso3,
            "is_disputed": is_disputed,
        },
        geometry=frame.geometry.to_numpy(),
        crs=frame.crs,
    )


def _as_bool(column: pd.Series, *, source: str, name: str) -> pd.Series:
    """Turn ``True``/``False``/empty text into a nullable boolean column."""
    text = column.astype(str).str.strip()
    allowed = {"True", "False", ""}
    bad = sorted(set(text) - allowed)
    if bad:
        msg = f"{source}: column {name!r} has value {bad[0]!r}; expected True, False or empty"
        raise LayerDataError(msg)
    values = text.map({"True": True, "False": False, "": None})
    return pd.Series(pd.array(values.to_numpy(dtype=object), dtype="boolean"), index=column.index)


def read_country_facts(path: Path = FACTS_PATH, *, source: str = FACTS_NAME) -> pd.DataFrame:
    """Read the project's jurisdiction fact table (one row per ISO alpha-2 country).

    Parameters
    ----------
    path
        Path of ``jurisdiction_countries.csv``.
    source
        Name used in error messages.

    Returns
    -------
    DataFrame indexed by ``iso2`` with the columns of :data:`FACT_COLUMNS` (booleans nullable,
    empty text as None).

    Raises
    ------
    LayerDataError
        If a column is missing, a code repeats, a regime is unknown, or an EU member is not in
        the EEA.
    """
    frame = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8")
    require_columns(frame, FACT_COLUMNS, source=source)
    if frame["iso2"].duplicated().any():
        code = frame.loc[frame["iso2"].duplicated(), "iso2"].iloc[0]
        msg = f"{source}: country {code!r} appears twice; expected one row per iso2"
        raise LayerDataError(msg)
    bad = sorted(set(frame["gdpr_regime"]) - set(GDPR_REGIMES))
    if bad:
        msg = f"{source}: gdpr_regime {bad[0]!r}; expected one of {', '.join(GDPR_REGIMES)}"
        raise LayerDataError(msg)
    out = pd.DataFrame(index=pd.Index(frame["iso2"].to_numpy(dtype=object), name="iso2"))
    for column in FACT_COLUMNS[1:]:
        if column in ("eu_member", "eea_member", "sanctioned"):
            out[column] = _as_bool(frame[column], source=source, name=column).to_numpy()
        else:
            values = frame[column].to_numpy(dtype=object, copy=True)
            values[values == ""] = None
            out[column] = pd.Series(values, index=out.index, dtype=object)
    if (out["eu_member"].fillna(False) & ~out["eea_member"].fillna(False)).any():
        code = out.index[out["eu_member"].fillna(False) & ~out["eea_member"].fillna(False)][0]
        msg = (
            f"{source}: {code!r} is an EU member but not in the EEA; expected every EU member in it"
        )
        raise LayerDataError(msg)
    is_eea_regime = out["gdpr_regime"] == "eea"
    if (is_eea_regime != out["eea_member"].fillna(False)).any():
        code = out.index[is_eea_regime != out["eea_member"].fillna(False)][0]
        msg = (
            f"{source}: {code!r} gdpr_regime and eea_member disagree; expected 'eea' iff in the EEA"
        )
        raise LayerDataError(msg)
    return out


def iso3_to_iso2(countries: gpd.GeoDataFrame) -> dict[str, str]:
    """Map ISO alpha-3 (and the World Bank's non-ISO codes) to alpha-2, from Natural Earth.

    >>> import shapely
    >>> c = gpd.GeoDataFrame({"iso2": ["NO", None], "iso3": ["NOR", None]},
    ...                      geometry=[shapely.Point(0, 0)] * 2, crs=4326)
    >>> iso3_to_iso2(c)["NOR"], iso3_to_iso2(c)["KSV"]
    ('NO', 'XK')
    """
    has_codes = countries["iso2"].notna() & countries["iso3"].notna()
    mapping = dict(
        zip(countries.loc[has_codes, "iso3"], countries.loc[has_codes, "iso2"], strict=True)
    )
    mapping.update(WGI_CODE_TO_ISO2)
    return mapping


class CountryLookup:
    """Find the Natural Earth country of points (pure compute; the index is built once).

    Parameters
    ----------
    countries
        Output of :func:`read_countries` (EPSG:4326).

    Notes
    -----
    A point in no polygon but within ``tolerance_km`` (geodesic) of one gets that country, so
    coastal sites are not lost to the 1:50m coastline; farther out it gets position -1.
    """

    def __init__(self, countries: gpd.GeoDataFrame) -> None:
        self.countries = countries
        self.iso2: npt.NDArray[np.object_] = countries["iso2"].to_numpy(dtype=object)
        self.is_disputed: npt.NDArray[np.bool_] = countries["is_disputed"].to_numpy(dtype=bool)
        self._index = PolygonIndex(countries.geometry)

    def positions(
        self,
        lon: npt.NDArray[np.float64],
        lat: npt.NDArray[np.float64],
        *,
        tolerance_km: float,
    ) -> npt.NDArray[np.int64]:
        """Return the row of ``countries`` holding each point, -1 where none (offshore).

        Parameters
        ----------
        lon, lat
            Degrees, EPSG:4326, same shape.
        tolerance_km
            Geodesic distance within which a point outside every polygon still takes the
            nearest one (coastline tolerance).
        """
        result = self._index.lookup(lon, lat, tolerance_km=tolerance_km)
        return np.asarray(result, dtype=np.int64)
