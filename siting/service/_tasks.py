"""Work done in child processes: synchronous score/sample tasks and whole study jobs.

Children are started with the ``spawn`` method, so they share nothing with the server but the
arguments they are given. Each child watches its parent and exits when the server is gone, so a
killed server leaves no orphan computing. Every outcome goes back over a pipe as a tuple:

- sync tasks: ``("ok", value)``, ``("error", status, kind, message)`` for a ``SitingError``,
  ``("crash", 500, "internal", traceback)`` for anything else (a bug);
- jobs: ``("candidates", n, engine)``, ``("progress", stage, done, total)``, then ``("done",)``,
  ``("failed", message)`` or ``("crashed", traceback)``.
"""

from __future__ import annotations

import json
import logging
import os
import tempfile
import threading
import time
import traceback
from collections.abc import Callable
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

from siting.errors import ConfigError, SitingError
from siting.service.errors import status_for

__all__ = ["RESULT_DIRNAME", "job_main", "run_sample", "run_score", "worker_main"]

RESULT_DIRNAME = "result"
"""Name of a job's results folder inside its job folder."""
INPUT_FILENAME = "input.json"
PARENT_POLL_S = 0.5


def _watch_parent(ppid: int) -> None:
    """Exit this process as soon as its parent (the server) is gone."""

    def watch() -> None:
        while True:
            if os.getppid() != ppid:
                os._exit(3)
            time.sleep(PARENT_POLL_S)

    threading.Thread(target=watch, name="parent-watch", daemon=True).start()


def run_score(study: Any, candidates: Any) -> str:  # Any: Study, FeatureCollection (pickled)
    """Score inline candidates with a study; return the ranked GeoJSON text (with metadata)."""
    from siting.pipeline import run_study
    from siting.result import write_result
    from siting.service._geojson import features_to_candidates

    sites = features_to_candidates(candidates)
    result = run_study(study, candidates=sites)
    with tempfile.TemporaryDirectory(prefix="siting-score-") as tmp:
        path = write_result(result.ranking, result.metadata, Path(tmp) / "ranking.geojson")
        return path.read_text(encoding="utf-8")


def run_sample(
    names: list[str], opt_in: list[str], candidates: Any
) -> str:  # Any: FeatureCollection (pickled)
    """Sample layers for inline candidates; return GeoJSON text (attributes, ``metadata``)."""
    from layers.base import LayerParams
    from layers.catalog import Catalog
    from siting import __version__
    from siting.sampling import parse_layer_names, sample_layers, write_samples
    from siting.service._geojson import features_to_candidates

    layer_names = parse_layer_names(names)
    sites = features_to_candidates(candidates)
    flags = frozenset(opt_in)
    catalog = Catalog.from_env(opt_in=flags)
    attributes, sampled = sample_layers(
        sites, layer_names, catalog=catalog, params=LayerParams(opt_in=flags)
    )
    metadata = {
        "software": {"name": "siting", "version": __version__},
        "candidates": {"count": len(sites)},
        "layers": {name: sampled[name] for name in layer_names},
        "sources": sampled["sources"],
    }
    with tempfile.TemporaryDirectory(prefix="siting-sample-") as tmp:
        out = Path(tmp) / "samples.geojson"
        write_samples(sites, attributes, metadata, out, overwrite=True)
        collection = json.loads(out.read_text(encoding="utf-8"))
        sidecar = out.with_name(f"{out.stem}.meta.json")
        collection["metadata"] = json.loads(sidecar.read_text(encoding="utf-8"))
        return json.dumps(collection, ensure_ascii=False)


TASKS: dict[str, Callable[..., Any]] = {"score": run_score, "sample": run_sample}


def _call(kind: str, args: tuple[Any, ...]) -> tuple[Any, ...]:  # Any: task arguments/results
    try:
        return ("ok", TASKS[kind](*args))
    except SitingError as err:
        return ("error", status_for(err), type(err).__name__, str(err))
    except Exception:  # a bug: the parent logs the traceback and answers 500
        return ("crash", 500, "internal", traceback.format_exc())


def worker_main(conn: Connection, ppid: int) -> None:
    """Serve sync tasks ``(kind, args)`` from ``conn`` until ``None`` or the pipe closes."""
    _watch_parent(ppid)
    import siting.pipeline  # warm the imports before the first request
    import siting.result  # noqa: F401
    from layers.registry import all_attributes

    try:
        all_attributes()  # imports every layer module, as each run's metadata does
    except ImportError as err:  # a broken layer module fails the requests that need it
        logging.getLogger(__name__).warning("layer modules not all importable: %s", err)
    conn.send(("ready",))
    while True:
        try:
            message = conn.recv()
        except EOFError:
            return
        if message is None:
            return
        kind, args = message
        conn.send(_call(kind, args))


def job_main(
    job_dir: str,
    conn: Connection,
    ppid: int,
    scheduler: str | None,
    dask_min_candidates: int,
    max_sensitivity_draws: int,
) -> None:
    """Run the study job stored in ``job_dir`` and write its results folder there."""
    _watch_parent(ppid)
    try:
        _run_job(Path(job_dir), conn, scheduler, dask_min_candidates, max_sensitivity_draws)
    except SitingError as err:
        conn.send(("failed", f"{type(err).__name__}: {err}"))
    except Exception:  # a bug: reported as the job's error, with the traceback
        conn.send(("crashed", traceback.format_exc()))


def _run_job(
    job_dir: Path, conn: Connection, scheduler: str | None, dask_min: int, max_draws: int
) -> None:
    from siting.pipeline import load_candidates, run_study, study_catalog
    from siting.service._geojson import check_site_ids_for_files, features_to_candidates
    from siting.service.models import FeatureCollection
    from siting.study import parse_study

    data = json.loads((job_dir / INPUT_FILENAME).read_text(encoding="utf-8"))
    study = parse_study(data["study"], source="request")
    catalog = study_catalog(study)

    def progress(stage: str, done: int, total: int) -> None:
        conn.send(("progress", stage, done, total))

    progress("candidates", 0, 1)
    if data.get("candidates") is not None:
        sites = features_to_candidates(FeatureCollection.model_validate(data["candidates"]))
    else:
        sites = load_candidates(study, catalog)
    check_site_ids_for_files(sites)
    samples = study.scoring.sensitivity.samples
    if len(sites) * samples > max_draws:
        msg = (
            f"{len(sites)} candidates x {samples} sensitivity samples exceed the service limit "
            f"of {max_draws} rank draws; lower scoring.sensitivity.samples"
        )
        raise ConfigError(msg)
    use_dask = scheduler is not None and len(sites) > dask_min
    engine = "dask" if use_dask else "local"
    conn.send(("candidates", len(sites), engine))
    result = run_study(
        study,
        candidates=sites,
        catalog=catalog,
        engine=engine,
        scheduler=scheduler if use_dask else None,
        progress=progress,
    )
    progress("outputs", 0, 1)
    result.to_folder(job_dir / RESULT_DIRNAME, overwrite=True)
    progress("outputs", 1, 1)
    conn.send(("done",))
