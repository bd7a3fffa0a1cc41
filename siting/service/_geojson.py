"""Turn a request's GeoJSON FeatureCollection into a validated candidates GeoDataFrame."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from siting.candidates import WGS84, validate_candidates
from siting.errors import CandidatesError
from siting.service.models import FeatureCollection, PointGeometry

__all__ = ["check_site_ids_for_files", "features_to_candidates"]


def _geometries(fc: FeatureCollection) -> np.ndarray:
    """Return shapely geometries; points in one vectorised call, polygons parsed by GEOS."""
    geoms = [f.geometry for f in fc.features]
    if all(isinstance(g, PointGeometry) for g in geoms):
        xy = np.array([g.coordinates[:2] for g in geoms], dtype=np.float64)
        points: np.ndarray = shapely.points(xy)
        return points
    texts = np.array([g.model_dump_json() for g in geoms], dtype=object)
    try:
        shapes: np.ndarray = shapely.from_geojson(texts, on_invalid="raise")
        return shapes
    except shapely.errors.GEOSException as err:
        msg = (
            f"candidates: a polygon cannot be read ({err}); expected closed rings "
            "(first position equal to the last) of at least four positions"
        )
        raise CandidatesError(msg) from err


def features_to_candidates(fc: FeatureCollection) -> gpd.GeoDataFrame:
    """Return the candidates of a FeatureCollection, validated (EPSG:4326, ``site_id``, ...).

    ``site_id`` is ``properties.site_id`` when present, else the feature ``id`` when every
    feature has one, else generated (``site-0001``...). Other properties are kept as columns.

    Raises
    ------
    CandidatesError
        If a geometry cannot be read or the candidates fail
        :func:`siting.candidates.validate_candidates`.
    """
    records = [dict(f.properties or {}) for f in fc.features]
    frame = pd.DataFrame.from_records(records, index=pd.RangeIndex(len(records)))
    ids = [f.id for f in fc.features]
    if "site_id" not in frame.columns and all(i is not None for i in ids):
        frame.insert(0, "site_id", [str(i) for i in ids])
    gdf = gpd.GeoDataFrame(frame, geometry=_geometries(fc), crs=WGS84)
    return validate_candidates(gdf)


def check_site_ids_for_files(candidates: gpd.GeoDataFrame) -> None:
    """Reject site_ids that cannot name a report file (``reports/<site_id>.html``).

    Raises
    ------
    CandidatesError
        Naming the first bad site_id and the characters not allowed.
    """
    ids = candidates["site_id"].astype(str)
    bad = ids.str.contains(r"[/\\\x00]", regex=True)
    bad |= ids.str.startswith(".")
    if bad.any():
        first = ids[bad].iloc[0]
        msg = (
            f"site_id {first!r} cannot name a report file; expected no '/', '\\' or NUL and no "
            "leading '.'"
        )
        raise CandidatesError(msg)
