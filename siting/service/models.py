"""Request and response bodies of the HTTP service (pydantic v2; the study is the library's model).

Candidates travel as a GeoJSON FeatureCollection (RFC 7946: lon/lat on WGS84, EPSG:4326) of Point
or Polygon/MultiPolygon features. A feature's ``site_id`` is its ``properties.site_id`` or else
its ``id``; every other property becomes a ``site.<property>`` attribute. Property values are
scalars (text, number, boolean or null).

>>> fc = FeatureCollection.model_validate({"type": "FeatureCollection", "features": [
...     {"type": "Feature", "properties": {"site_id": "a", "land_price": 3},
...      "geometry": {"type": "Point", "coordinates": [8.7, 50.1]}}]})
>>> fc.features[0].geometry.coordinates
(8.7, 50.1)
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from siting.study import Study

__all__ = [
    "Feature",
    "FeatureCollection",
    "Geometry",
    "HealthResponse",
    "JobList",
    "JobStatus",
    "LayerInfo",
    "LayersResponse",
    "MultiPolygonGeometry",
    "PointGeometry",
    "PolygonGeometry",
    "RankedFeatureCollection",
    "SampleRequest",
    "ScoreRequest",
    "StageProgress",
    "StudyJobRequest",
]

FiniteFloat = Annotated[float, Field(allow_inf_nan=False)]
Position = tuple[FiniteFloat, FiniteFloat] | tuple[FiniteFloat, FiniteFloat, FiniteFloat]
"""A GeoJSON position: ``[lon, lat]`` or ``[lon, lat, height]`` (height ignored)."""
Ring = Annotated[list[Position], Field(min_length=4)]
"""A closed linear ring: at least four positions, the last equal to the first."""
PropertyValue = str | int | FiniteFloat | bool | None
"""A feature property: a scalar (numbers finite; null for missing)."""


class _GeoModel(BaseModel):
    """GeoJSON objects: foreign members (``bbox``, ``crs``...) are ignored, as RFC 7946 allows."""

    model_config = ConfigDict(frozen=True, extra="ignore")


class PointGeometry(_GeoModel):
    """A GeoJSON Point."""

    type: Literal["Point"]
    coordinates: Position


class PolygonGeometry(_GeoModel):
    """A GeoJSON Polygon: an exterior ring then holes."""

    type: Literal["Polygon"]
    coordinates: Annotated[list[Ring], Field(min_length=1)]


class MultiPolygonGeometry(_GeoModel):
    """A GeoJSON MultiPolygon."""

    type: Literal["MultiPolygon"]
    coordinates: Annotated[list[Annotated[list[Ring], Field(min_length=1)]], Field(min_length=1)]


Geometry = Annotated[
    PointGeometry | PolygonGeometry | MultiPolygonGeometry, Field(discriminator="type")
]
"""A candidate's geometry: Point, Polygon or MultiPolygon (one kind per collection)."""


class Feature(_GeoModel):
    """One candidate: geometry, optional ``id`` and scalar properties."""

    type: Literal["Feature"]
    id: str | int | None = None
    properties: dict[str, PropertyValue] | None = None
    geometry: Geometry


class FeatureCollection(_GeoModel):
    """Candidates as a GeoJSON FeatureCollection in EPSG:4326 (lon, lat)."""

    type: Literal["FeatureCollection"]
    features: list[Feature] = Field(min_length=1)


class _Body(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


_EXAMPLE_CANDIDATES: dict[str, Any] = {  # Any: JSON values
    "type": "FeatureCollection",
    "features": [
        {"type": "Feature", "properties": {"site_id": "fra", "land_price": 20.0},
         "geometry": {"type": "Point", "coordinates": [8.68, 50.11]}},
        {"type": "Feature", "properties": {"site_id": "par", "land_price": 50.0},
         "geometry": {"type": "Point", "coordinates": [2.35, 48.86]}},
    ],
}  # fmt: skip
_EXAMPLE_STUDY: dict[str, Any] = {  # Any: JSON values
    "study": {"name": "example", "it_load_mw": 20},
    "criteria": [{"attribute": "site.land_price", "better": "lower",
                  "value": {"function": "linear", "worst": 100, "best": 0}}],
}  # fmt: skip


def _no_server_paths(study: Study) -> Study:
    """Reject study keys that name files on the server (the service reads only its catalogue)."""
    if study.layers.paths:
        msg = (
            f"layers.paths {sorted(study.layers.paths)!r}: server file paths are not accepted by "
            "the service; its data comes from the server's catalogue"
        )
        raise ValueError(msg)
    return study


class ScoreRequest(_Body):
    """``POST /v1/score``: candidates plus a study without an ``[output]`` section.

    The study's ``[candidates]`` section, if any, is ignored: the candidates are the body's.
    """

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [{"study": _EXAMPLE_STUDY, "candidates": _EXAMPLE_CANDIDATES}]
        }
    )

    study: Study
    candidates: FeatureCollection

    @field_validator("study")
    @classmethod
    def _no_output(cls, study: Study) -> Study:
        if "output" in study.model_fields_set:
            msg = (
                "output: a study sent to /v1/score has no [output] section (synchronous scoring "
                "writes no files); remove it, or POST the study to /v1/studies"
            )
            raise ValueError(msg)
        return _no_server_paths(study)


class StudyJobRequest(_Body):
    """``POST /v1/studies``: a full study and, unless it generates an H3 grid, its candidates.

    ``candidates`` replaces the study's ``[candidates]`` section; without it the study must
    use ``[candidates.h3]`` (``candidates.file`` names a server path and is refused).
    ``output.dir`` is ignored: results live in the service's store.
    """

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {"study": {**_EXAMPLE_STUDY, "output": {"top_n_reports": 1}},
                 "candidates": _EXAMPLE_CANDIDATES}
            ]
        }
    )  # fmt: skip

    study: Study
    candidates: FeatureCollection | None = None

    @field_validator("study")
    @classmethod
    def _no_files(cls, study: Study) -> Study:
        section = study.candidates
        if section is not None and section.file is not None:
            msg = (
                f"candidates.file {section.file!r}: server file paths are not accepted; send the "
                "candidates inline as GeoJSON in 'candidates', or use [candidates.h3]"
            )
            raise ValueError(msg)
        return _no_server_paths(study)


class SampleRequest(_Body):
    """``POST /v1/sample``: candidates and the built-in layers to sample for them."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [{"candidates": _EXAMPLE_CANDIDATES, "layers": ["jurisdiction"]}]
        }
    )

    candidates: FeatureCollection
    layers: list[str] = Field(min_length=1, description="Layer names, or ['all'].")
    opt_in: list[str] = Field(
        default_factory=list,
        description="Licence flags (non-commercial, share-alike) or source names opted into.",
    )


class StageProgress(BaseModel):
    """Progress of one pipeline stage."""

    state: Literal["pending", "running", "done"]
    done: int
    total: int | None


class JobStatus(BaseModel):
    """A study job: state, per-stage progress, error and result links."""

    id: str
    name: str
    state: Literal["queued", "running", "succeeded", "failed"]
    created_at: str
    started_at: str | None
    finished_at: str | None
    n_candidates: int | None
    engine: str | None
    progress: dict[str, StageProgress]
    error: str | None
    links: dict[str, str]


class JobList(BaseModel):
    """The caller's study jobs, newest first."""

    studies: list[JobStatus]


class LayerInfo(BaseModel):
    """A built-in layer: its attributes and its sources with licence and availability."""

    name: str
    available: bool
    reason: str | None
    attributes: dict[str, dict[str, Any]]  # Any: unit, better, dtype, description, sources
    sources: list[dict[str, Any]]  # Any: JSON values of a catalogue source status


class LayersResponse(BaseModel):
    """``GET /v1/layers``: every built-in layer, and what ``site.*`` attributes are."""

    layers: dict[str, LayerInfo]
    site: str


class HealthResponse(BaseModel):
    """``GET /health``."""

    status: Literal["ok"]
    version: str
    jobs: dict[str, int]


class RankedFeatureCollection(BaseModel):
    """The ranked result as GeoJSON (DESIGN.md section 5), with ``metadata`` as a foreign member."""

    type: Literal["FeatureCollection"]
    metadata: dict[str, Any]  # Any: JSON result metadata (docs/CONTRACTS.md)
    features: list[dict[str, Any]]  # Any: GeoJSON features with result properties
