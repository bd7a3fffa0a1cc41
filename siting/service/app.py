"""The FastAPI application: endpoints, error handlers, limits and the job machinery's lifespan.

``create_app(settings)`` builds the app; ``siting serve`` runs it under uvicorn. The OpenAPI
spec is at ``/openapi.json`` (interactive docs at ``/docs``). See ``docs/service.md``.
"""

from __future__ import annotations

import json
import logging
import os
import shutil
import time
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Annotated, Any

from fastapi import Depends, FastAPI, Request, Response
from fastapi.exceptions import RequestValidationError
from fastapi.responses import FileResponse, JSONResponse
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from pydantic import SecretStr
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException as StarletteHTTPException

from siting import __version__
from siting.errors import LayerNotFoundError, SitingError
from siting.pipeline import STAGES
from siting.service._auth import KeyRing
from siting.service._jobs import JobRunner
from siting.service._limits import BodyLimitMiddleware
from siting.service._workers import WorkerPool
from siting.service.errors import ApiError, error_body, status_for
from siting.service.models import (
    HealthResponse,
    JobList,
    JobStatus,
    LayerInfo,
    LayersResponse,
    RankedFeatureCollection,
    SampleRequest,
    ScoreRequest,
    StageProgress,
    StudyJobRequest,
)
from siting.service.settings import ServiceSettings
from siting.service.store import JobRecord, JobStore
from siting.study import OutputFormat, Study

__all__ = ["GeoJSONResponse", "create_app"]

logger = logging.getLogger(__name__)

LAYERS_CACHE_S = 30.0
SITE_NOTE = (
    "site.<property>: every other property of the candidates' features, as given "
    "(numbers where numeric)"
)
MEDIA_TYPES = {
    "geojson": "application/geo+json",
    "csv": "text/csv",
    "gpkg": "application/geopackage+sqlite3",
}
ERROR_SCHEMA: dict[str, Any] = {  # Any: OpenAPI fragment
    "content": {
        "application/json": {
            "schema": {
                "type": "object",
                "properties": {"error": {"type": "string"}, "detail": {"type": "string"}},
            }
        }
    }
}
_bearer = HTTPBearer(auto_error=False, description="An API key from SITING_API_KEYS.")


class GeoJSONResponse(Response):
    """A response whose body is GeoJSON text already serialised."""

    media_type = "application/geo+json"


def _errors(*codes: int) -> dict[int | str, dict[str, Any]]:  # Any: OpenAPI fragment
    return {code: {**ERROR_SCHEMA, "description": "Error"} for code in codes}


# ----------------------------------------------------------------------------------------------
# Error handlers


def _loc_text(loc: tuple[int | str, ...]) -> str:
    text = ""
    for part in loc[1:] if loc and loc[0] == "body" else loc:
        text += f"[{part}]" if isinstance(part, int) else ("." if text else "") + str(part)
    return text or "body"


def _validation_detail(err: RequestValidationError) -> str:
    lines = []
    for item in err.errors():
        where = _loc_text(tuple(item.get("loc", ())))
        message = str(item.get("msg", "invalid")).removeprefix("Value error, ")
        got = item.get("input")
        if isinstance(got, bytes | str) and where == "body":
            message = "expected a JSON object sent with 'Content-Type: application/json'"
            got = None
        shown = "" if isinstance(got, dict | list) or got is None else f" (got {got!r:.80})"
        lines.append(f"{where}: {message}{shown}")
    return "; ".join(lines)


def _install_handlers(app: FastAPI) -> None:
    @app.exception_handler(ApiError)
    async def api_error(request: Request, err: ApiError) -> JSONResponse:
        return JSONResponse(error_body(err.kind, err.message), err.status, headers=err.headers)

    @app.exception_handler(SitingError)
    async def siting_error(request: Request, err: SitingError) -> JSONResponse:
        status = status_for(err)
        if status >= 500:
            logger.exception("unexpected siting error", exc_info=err)
        return JSONResponse(error_body(type(err).__name__, str(err)), status)

    @app.exception_handler(RequestValidationError)
    async def invalid(request: Request, err: RequestValidationError) -> JSONResponse:
        body = error_body("validation", _validation_detail(err))
        errors = [
            {"loc": list(e.get("loc", ())), "msg": str(e.get("msg", ""))} for e in err.errors()
        ]
        return JSONResponse({**body, "errors": errors}, 422)

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, err: StarletteHTTPException) -> JSONResponse:
        return JSONResponse(
            error_body("http", str(err.detail)), err.status_code, headers=err.headers
        )


# ----------------------------------------------------------------------------------------------
# State and dependencies


class _Service:
    """What the endpoints share: settings, keys, store, workers, job runner."""

    def __init__(self, settings: ServiceSettings) -> None:
        self.keys = KeyRing(settings.key_list())
        # keep only the hashes: the app's copy of the settings holds no key
        self.settings = settings.model_copy(update={"api_keys": SecretStr("")})
        self.store: JobStore | None = None
        self.pool: WorkerPool | None = None
        self.runner: JobRunner | None = None
        self.layers_cache: tuple[float, LayersResponse] | None = None


def _service(request: Request) -> _Service:
    service: _Service = request.app.state.service
    return service


def _owner(
    request: Request,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> str:
    header = request.headers.get("authorization")
    scheme, _, token = (header or "").partition(" ")
    if credentials is not None:
        scheme, token = credentials.scheme, credentials.credentials
    return _service(request).keys.owner(scheme or None, token.strip() or None)


Owner = Annotated[str, Depends(_owner)]
Service = Annotated[_Service, Depends(_service)]


def _cleanup_folders(studies_dir: Path, known: set[str]) -> None:
    """Remove job folders without a stored job and half-written result folders."""
    if not studies_dir.is_dir():
        return
    for folder in studies_dir.iterdir():
        if folder.name not in known:
            shutil.rmtree(folder, ignore_errors=True)
            continue
        for partial in folder.glob(".result.*-*"):
            shutil.rmtree(partial, ignore_errors=True)


@asynccontextmanager
async def _lifespan(app: FastAPI) -> AsyncIterator[None]:
    service: _Service = app.state.service
    settings = service.settings
    settings.studies_dir.mkdir(parents=True, exist_ok=True)
    store = JobStore(settings.db_path)
    failed = store.recover()
    if failed:
        logger.warning("marked %d interrupted study job(s) failed: %s", len(failed), failed)
    _cleanup_folders(settings.studies_dir, store.ids())
    service.store = store
    service.pool = WorkerPool(settings.sync_workers)
    service.pool.start()
    service.runner = JobRunner(store, settings)
    service.runner.start()
    try:
        yield
    finally:
        service.runner.stop()
        service.pool.close()
        store.close()


def _store(service: _Service) -> JobStore:
    assert service.store is not None  # set by the lifespan (internal invariant)
    return service.store


def _runner(service: _Service) -> JobRunner:
    assert service.runner is not None  # set by the lifespan (internal invariant)
    return service.runner


def _pool(service: _Service) -> WorkerPool:
    assert service.pool is not None  # set by the lifespan (internal invariant)
    return service.pool


# ----------------------------------------------------------------------------------------------
# Helpers of the endpoints


def _check_count(n: int, limit: int, *, where: str) -> None:
    if n > limit:
        msg = f"{n} candidates exceed the limit of {limit} per {where}"
        raise ApiError(413, "limit", msg)


def _check_draws(n: int, study: Study, limit: int) -> None:
    samples = study.scoring.sensitivity.samples
    if n * samples > limit:
        msg = (
            f"{n} candidates x {samples} sensitivity samples = {n * samples} rank draws exceed "
            f"the limit of {limit}; lower scoring.sensitivity.samples"
        )
        raise ApiError(413, "limit", msg)


def _not_found(study_id: str) -> ApiError:
    return ApiError(404, "not_found", f"no study {study_id!r} for this API key")


def _status(record: JobRecord, runner: JobRunner) -> JobStatus:
    progress = {}
    for stage in STAGES:
        if stage in record.progress:
            done, total = record.progress[stage]
            if done >= total:
                progress[stage] = StageProgress(state="done", done=done, total=total)
            else:
                progress[stage] = StageProgress(state="running", done=done, total=total)
        else:
            progress[stage] = StageProgress(state="pending", done=0, total=None)
    base = f"/v1/studies/{record.id}"
    links = {"self": base}
    if record.state == "succeeded":
        result = runner.result_dir(record.id)
        for fmt in OutputFormat:
            if (result / f"ranking.{fmt.value}").is_file():
                links[f"ranking.{fmt.value}"] = f"{base}/ranking.{fmt.value}"
        if (result / "map.html").is_file():
            links["map.html"] = f"{base}/map.html"
        reports = sorted(p.stem for p in (result / "reports").glob("*.html"))
        links.update({f"reports/{s}.html": f"{base}/reports/{s}.html" for s in reports})
    return JobStatus(
        id=record.id,
        name=record.name,
        state=record.state,
        created_at=record.created_at,
        started_at=record.started_at,
        finished_at=record.finished_at,
        n_candidates=record.n_candidates,
        engine=record.engine,
        progress=progress,
        error=record.error,
        links=links,
    )


def _finished_file(service: _Service, owner: str, study_id: str, relative: str) -> Path:
    record = _store(service).get(study_id, owner=owner)
    if record is None:
        raise _not_found(study_id)
    if record.state != "succeeded":
        msg = (
            f"study {study_id!r} is {record.state!r}; its results can be downloaded once it "
            "has 'succeeded'"
        )
        raise ApiError(409, "not_ready", msg)
    result = _runner(service).result_dir(study_id)
    path = result / relative
    if not path.resolve().is_relative_to(result.resolve()) or not path.is_file():
        msg = f"study {study_id!r} has no {relative!r}"
        raise ApiError(404, "not_found", msg)
    return path


def _write_input(folder: Path, data: dict[str, Any]) -> None:  # Any: JSON values
    """Write a job's input into ``folder`` atomically (temporary folder, then rename)."""
    partial = folder.with_name(f".{folder.name}.partial")
    partial.mkdir(parents=True, exist_ok=True)
    text = json.dumps(data, ensure_ascii=False, allow_nan=False)
    (partial / "input.json").write_text(text, encoding="utf-8")
    with (partial / "input.json").open("rb") as handle:
        os.fsync(handle.fileno())
    partial.rename(folder)


def _describe_layers() -> LayersResponse:
    """Describe every built-in layer: attributes, sources, licences, availability (no read)."""
    from layers.catalog import Catalog
    from layers.registry import BUILTIN_LAYERS, layer_module

    try:
        catalog: Catalog | None = Catalog.from_env()
        catalog_problem = None
    except SitingError as err:
        catalog, catalog_problem = None, str(err)
    layers: dict[str, LayerInfo] = {}
    for name in BUILTIN_LAYERS:  # one iteration per layer
        try:
            module = layer_module(name)
        except ImportError as err:
            layers[name] = LayerInfo(
                name=name, available=False, reason=str(err), attributes={}, sources=[]
            )
            continue
        attributes = {
            f"{name}.{key}": {
                "unit": a.unit,
                "better": a.better,
                "dtype": a.dtype,
                "description": a.description,
                "sources": list(a.sources),
            }
            for key, a in module.ATTRIBUTES.items()
        }
        names = list(getattr(module, "SOURCES", ()))
        sources: list[dict[str, Any]] = []  # Any: JSON values
        reason = catalog_problem
        if catalog is not None:
            try:
                sources = [s.as_dict() for s in catalog.status(names)]
            except SitingError as err:
                reason = str(err)
        missing = [s["name"] for s in sources if s["available"] == "missing"]
        if missing and reason is None:
            reason = f"data missing: {', '.join(missing)}"
        available = reason is None
        layers[name] = LayerInfo(
            name=name, available=available, reason=reason, attributes=attributes, sources=sources
        )
    return LayersResponse(layers=layers, site=SITE_NOTE)


# ----------------------------------------------------------------------------------------------
# The app


def create_app(settings: ServiceSettings | None = None) -> FastAPI:
    """Build the service app.

    Parameters
    ----------
    settings
        Service settings; default read from the ``SITING_*`` environment.

    Returns
    -------
    fastapi.FastAPI
        The app; its lifespan opens the store, marks interrupted jobs failed, starts the sync
        workers and the job runner, and stops them all on shutdown.
    """
    settings = settings or ServiceSettings()
    app = FastAPI(
        title="siting",
        version=__version__,
        description="Score and rank candidate data-centre sites; run siting studies as jobs.",
        lifespan=_lifespan,
    )
    app.state.service = _Service(settings)
    app.add_middleware(BodyLimitMiddleware, max_body_bytes=settings.max_body_bytes)
    _install_handlers(app)
    _routes(app)
    build_openapi = app.openapi

    def openapi() -> dict[str, Any]:  # Any: the OpenAPI document
        """Return the spec, without the ``type: string`` FastAPI adds next to a ``$ref``."""
        spec = build_openapi()
        for operations in spec.get("paths", {}).values():
            for operation in operations.values():
                for answer in operation.get("responses", {}).values():
                    for media in answer.get("content", {}).values():
                        if "$ref" in media.get("schema", {}):
                            media["schema"].pop("type", None)
        return spec

    app.openapi = openapi  # type: ignore[method-assign]
    return app


def _routes(app: FastAPI) -> None:
    @app.get("/health", response_model=HealthResponse, tags=["service"])
    def health(service: Service) -> HealthResponse:
        """Report that the service is up, its version and its job counts."""
        counts = _store(service).counts()
        return HealthResponse(status="ok", version=__version__, jobs=counts)

    @app.get("/v1/layers", response_model=LayersResponse, tags=["layers"], responses=_errors(401))
    async def list_layers(service: Service, owner: Owner) -> LayersResponse:
        """List the built-in layers: attributes, sources, licences and data availability."""
        cached = service.layers_cache
        if cached is not None and time.monotonic() - cached[0] < LAYERS_CACHE_S:
            return cached[1]
        described = await run_in_threadpool(_describe_layers)
        service.layers_cache = (time.monotonic(), described)
        return described

    @app.post(
        "/v1/sample",
        response_class=GeoJSONResponse,
        responses={
            200: {"description": "Candidates with sampled attributes (GeoJSON)"},
            **_errors(401, 404, 408, 413, 422, 429, 503),
        },
        tags=["layers"],
    )
    async def sample(body: SampleRequest, service: Service, owner: Owner) -> GeoJSONResponse:
        """Sample built-in layers for GeoJSON candidates; return them with their attributes."""
        from siting.sampling import parse_layer_names

        try:
            names = parse_layer_names(body.layers)
        except LayerNotFoundError as err:
            raise ApiError(422, "validation", f"layers: {err}") from err
        _check_count(
            len(body.candidates.features),
            service.settings.max_sync_candidates,
            where="synchronous request",
        )
        text = await _pool(service).run(
            "sample",
            list(names),
            list(body.opt_in),
            body.candidates,
            timeout_s=service.settings.request_timeout_s,
        )
        return GeoJSONResponse(text)

    @app.post(
        "/v1/score",
        response_class=GeoJSONResponse,
        responses={
            200: {
                "model": RankedFeatureCollection,
                "description": "The ranked FeatureCollection with its metadata",
            },
            **_errors(401, 404, 408, 413, 422, 429, 503),
        },
        tags=["scoring"],
    )
    async def score(body: ScoreRequest, service: Service, owner: Owner) -> GeoJSONResponse:
        """Score and rank GeoJSON candidates with a study (synchronous, bounded size)."""
        n = len(body.candidates.features)
        _check_count(n, service.settings.max_sync_candidates, where="synchronous request")
        _check_draws(n, body.study, service.settings.max_sensitivity_draws)
        text = await _pool(service).run(
            "score", body.study, body.candidates, timeout_s=service.settings.request_timeout_s
        )
        return GeoJSONResponse(text)

    @app.post(
        "/v1/studies",
        status_code=202,
        response_model=JobStatus,
        tags=["studies"],
        responses=_errors(401, 413, 422, 429),
    )
    async def submit(
        body: StudyJobRequest, service: Service, owner: Owner, response: Response
    ) -> JobStatus:
        """Queue a full study as a background job; poll ``GET /v1/studies/{id}``."""
        settings = service.settings
        study = body.study
        if body.candidates is not None:
            n = len(body.candidates.features)
            _check_count(n, settings.max_job_candidates, where="study job")
            _check_draws(n, study, settings.max_sensitivity_draws)
        elif study.candidates is None or study.candidates.h3 is None:
            msg = "candidates: required unless the study generates them with [candidates.h3]"
            raise ApiError(422, "validation", msg)
        if study.output.top_n_reports > settings.max_reports:
            msg = (
                f"study.output.top_n_reports: {study.output.top_n_reports} exceeds the limit of "
                f"{settings.max_reports} reports per study"
            )
            raise ApiError(422, "validation", msg)
        runner = _runner(service)
        job_id = uuid.uuid4().hex
        data = {
            "study": study.model_dump(mode="json", by_alias=True),
            "candidates": None
            if body.candidates is None
            else body.candidates.model_dump(mode="json"),
        }
        await run_in_threadpool(_write_input, runner.job_dir(job_id), data)
        try:
            record = await run_in_threadpool(
                _store(service).create,
                owner=owner,
                name=study.study.name,
                job_id=job_id,
                max_active_owner=settings.max_active_jobs,
                max_active_total=settings.max_queued_jobs,
            )
        except ApiError:
            runner.remove_files(job_id)
            raise
        runner.wake()
        response.headers["Location"] = f"/v1/studies/{job_id}"
        return _status(record, runner)

    @app.get("/v1/studies", response_model=JobList, tags=["studies"], responses=_errors(401))
    def list_studies(service: Service, owner: Owner) -> JobList:
        """List this key's study jobs, newest first."""
        runner = _runner(service)
        return JobList(studies=[_status(r, runner) for r in _store(service).list_jobs(owner=owner)])

    @app.get(
        "/v1/studies/{study_id}",
        response_model=JobStatus,
        tags=["studies"],
        responses=_errors(401, 404),
    )
    def get_study(study_id: str, service: Service, owner: Owner) -> JobStatus:
        """Return a study job's state, per-stage progress, error and result links."""
        record = _store(service).get(study_id, owner=owner)
        if record is None:
            raise _not_found(study_id)
        return _status(record, _runner(service))

    @app.get(
        "/v1/studies/{study_id}/ranking.{fmt}",
        tags=["studies"],
        response_class=FileResponse,
        responses=_errors(401, 404, 409),
    )
    def ranking_file(
        study_id: str, fmt: OutputFormat, service: Service, owner: Owner
    ) -> FileResponse:
        """Download the ranking as GeoJSON, CSV or GeoPackage."""
        path = _finished_file(service, owner, study_id, f"ranking.{fmt.value}")
        return FileResponse(path, media_type=MEDIA_TYPES[fmt.value], filename=path.name)

    @app.get(
        "/v1/studies/{study_id}/map.html",
        tags=["studies"],
        response_class=FileResponse,
        responses=_errors(401, 404, 409),
    )
    def map_file(study_id: str, service: Service, owner: Owner) -> FileResponse:
        """Download the ranked map (standalone HTML)."""
        path = _finished_file(service, owner, study_id, "map.html")
        return FileResponse(path, media_type="text/html")

    @app.get(
        "/v1/studies/{study_id}/reports/{site_id}.html",
        tags=["studies"],
        response_class=FileResponse,
        responses=_errors(401, 404, 409),
    )
    def report_file(study_id: str, site_id: str, service: Service, owner: Owner) -> FileResponse:
        """Download the HTML report of one of the top-ranked sites."""
        if "/" in site_id or "\\" in site_id or site_id.startswith("."):
            raise ApiError(404, "not_found", f"no report for site {site_id!r}")
        path = _finished_file(service, owner, study_id, f"reports/{site_id}.html")
        return FileResponse(path, media_type="text/html")

    @app.delete(
        "/v1/studies/{study_id}", status_code=204, tags=["studies"], responses=_errors(401, 404)
    )
    async def delete_study(study_id: str, service: Service, owner: Owner) -> Response:
        """Delete a study job: stop it if it runs, then remove its record and files."""
        store, runner = _store(service), _runner(service)
        if not store.delete(study_id, owner=owner):
            raise _not_found(study_id)
        # the record is gone, so the scheduler cannot start it any more; stop it if it runs
        await run_in_threadpool(runner.cancel, study_id)
        await run_in_threadpool(runner.remove_files, study_id)
        return Response(status_code=204)
