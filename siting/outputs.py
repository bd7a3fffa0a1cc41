"""Write a study's results folder atomically, and the lock file that pins what produced it.

The folder holds ``ranking.gpkg``, ``ranking.geojson``, ``ranking.csv`` (with their sidecar
``ranking.meta.json``), ``map.html``, ``reports/<site_id>.html`` for the top N sites,
``summary.md`` and ``study.lock.json``. The map and reports carry Leaflet inline (from the
``xstatic-leaflet`` package), so the folder opens offline apart from the background tiles.
Everything is written into a hidden sibling folder (``.<name>.partial-<pid>``) which is renamed
into place only when complete, so an interrupted run never leaves a folder that looks finished.
"""

from __future__ import annotations

import hashlib
import json
import os
import platform
import shutil
from importlib import metadata as importlib_metadata
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

from siting.errors import ConfigError
from siting.result import write_result
from siting.summary import render_summary

if TYPE_CHECKING:
    from siting.pipeline import StudyResult

__all__ = ["LOCK_PACKAGES", "lock_document", "report_filename", "write_folder"]

LOCK_PACKAGES: tuple[str, ...] = (
    "numpy", "pandas", "geopandas", "shapely", "pyproj", "pyogrio", "rasterio", "scipy", "h3",
    "folium", "pydantic",
)  # fmt: skip
"""Packages whose versions go into ``study.lock.json``."""

RANKING_STEM = "ranking"


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def lock_document(result: StudyResult) -> dict[str, Any]:  # Any: JSON-serialisable values
    """Return the lock document: resolved study, software and package versions, data checksums.

    Each data file's sha256 is computed from the very file the run read (mirror, cache, package
    or an explicit path), not copied from the catalogue.
    """
    files: list[dict[str, str]] = []
    for source in result.metadata.get("sources", []):
        name = source["name"]
        entry = {"name": name, "expected_sha256": source.get("sha256", "")}
        if result.catalog is not None:
            path = result.catalog.path(name)
            entry["sha256"] = _sha256(path)
        files.append(entry)
    candidates_file = result.study.candidates.file if result.study.candidates else None
    candidates: dict[str, str] | None = None
    if candidates_file is not None:
        path = Path(candidates_file)
        candidates = {"path": str(path), "sha256": _sha256(path)}
    versions = {}
    for package in LOCK_PACKAGES:
        try:
            versions[package] = importlib_metadata.version(package)
        except importlib_metadata.PackageNotFoundError:
            versions[package] = "not installed"
    return {
        "software": result.metadata.get("software", {}),
        "python": platform.python_version(),
        "packages": versions,
        "study": result.study.model_dump(mode="json", by_alias=True),
        "candidates": candidates,
        "data": files,
    }


def report_filename(site_id: str) -> str:
    """Return the file name of a site's report: the id percent-encoded so it stays one file.

    >>> report_filename("FRA-1"), report_filename("../etc/x"), report_filename("a b")
    ('FRA-1.html', '%2E.%2Fetc%2Fx.html', 'a%20b.html')
    """
    name = quote(site_id, safe="")
    if name.startswith("."):
        name = "%2E" + name[1:]
    return f"{name}.html"


def _write_text(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")


def write_folder(result: StudyResult, target: Path, *, overwrite: bool = False) -> Path:
    """Write the results folder for ``result`` at ``target``, atomically.

    Parameters
    ----------
    result
        The study result.
    target
        The folder to create. It must not exist unless ``overwrite`` is true.
    overwrite
        Replace an existing folder (only after the new one is complete).

    Returns
    -------
    The folder written.

    Raises
    ------
    ConfigError
        If ``target`` exists and ``overwrite`` is false, or is a file.
    """
    target = Path(target)
    if target.exists() and not overwrite:
        msg = (
            f"output folder {str(target)!r} exists; pass --overwrite (overwrite=True) to replace it"
        )
        raise ConfigError(msg)
    if target.exists() and not target.is_dir():
        msg = f"output path {str(target)!r} is a file; expected a folder"
        raise ConfigError(msg)
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.parent / f".{target.name}.partial-{os.getpid()}"
    if partial.exists():
        shutil.rmtree(partial)
    partial.mkdir()
    try:
        _write_contents(result, partial)
        if target.exists():
            retired = target.parent / f".{target.name}.old-{os.getpid()}"
            target.rename(retired)
            partial.rename(target)
            shutil.rmtree(retired)
        else:
            partial.rename(target)
    finally:
        if partial.exists():
            shutil.rmtree(partial)
    return target


def _write_contents(result: StudyResult, folder: Path) -> None:
    """Write every output file into ``folder`` (which is not yet visible as the result)."""
    ranking, metadata = result.ranking, result.metadata
    for fmt in result.study.output.formats:
        write_result(ranking, metadata, folder / f"{RANKING_STEM}.{fmt.value}")
    top = result.top(result.study.output.top_n_reports)
    _write_text(folder / "map.html", _map_html(result))
    for site_id in top["site_id"]:
        path = folder / "reports" / report_filename(str(site_id))
        _write_text(path, result.report(str(site_id), inline_assets=True))
    _write_text(folder / "summary.md", render_summary(ranking, metadata))
    lock = json.dumps(lock_document(result), indent=2, sort_keys=True, ensure_ascii=False)
    _write_text(folder / "study.lock.json", lock + "\n")


def _map_html(result: StudyResult) -> str:
    html: str = result.map(inline_assets=True).get_root().render()
    return html
