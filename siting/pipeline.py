"""Run a study end to end: candidates -> layers -> risk models -> scoring -> ranked result.

``run_study(study) -> StudyResult`` is the whole main job in one pure-by-construction pass: every
stage is a function of the study and the data files it resolves through the catalogue; the seed
comes from the study. Writing the results folder (:meth:`StudyResult.to_folder`) is separate I/O.

>>> import siting  # doctest: +SKIP
>>> result = siting.run_study(siting.load_study("examples/europe_expansion.toml"))  # doctest: +SKIP
>>> result.ranking.head()  # doctest: +SKIP
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import geopandas as gpd
import pandas as pd

from layers.base import EU_EEA_COUNTRIES, Layer, LayerParams
from layers.catalog import Catalog
from risk_models.registry import compute_risk_outputs, required_attributes
from siting.candidates import (
    expand_countries,
    generate_h3_candidates,
    read_candidates,
    site_attributes,
)
from siting.errors import ConfigError
from siting.result import build_result
from siting.sampling import layers_for_attributes, sample_layers
from siting.scoring import score
from siting.study import Study

if TYPE_CHECKING:
    import folium

__all__ = [
    "ENGINES",
    "STAGES",
    "ProgressCallback",
    "StudyResult",
    "needed_attributes",
    "run_study",
]

logger = logging.getLogger(__name__)

STAGES: tuple[str, ...] = ("candidates", "layers", "risks", "scoring", "outputs")
"""The stages of a study run, in order; progress is reported per stage."""

ENGINES: tuple[str, ...] = ("local", "dask")
"""Execution engines: ``local`` (one process) and ``dask`` (a dask.distributed cluster)."""

ProgressCallback = Callable[[str, int, int], None]
"""``progress(stage, done, total)``: called as each stage advances (``done == total`` ends it)."""


def _no_progress(stage: str, done: int, total: int) -> None:
    """Ignore progress."""


@dataclass
class StudyResult:
    """The outcome of a study run.

    Parameters
    ----------
    ranking
        The ranked GeoDataFrame (result schema, DESIGN.md section 5), EPSG:4326, best rank first.
    metadata
        JSON-serialisable result metadata (study, weights, method, sources, layers, warnings...).
    study
        The study that produced it (paths resolved).
    layers
        The loaded layers (for map overlays and report context); not serialised.
    catalog
        The catalogue the data came from (for the lock file's checksums).
    """

    ranking: gpd.GeoDataFrame
    metadata: dict[str, Any]  # Any: JSON-serialisable values
    study: Study
    layers: Mapping[str, Layer] = field(default_factory=dict)
    catalog: Catalog | None = None
    _overlays: dict[str, list[Any]] = field(default_factory=dict, repr=False)  # Any: Overlay

    def top(self, n: int) -> gpd.GeoDataFrame:
        """Return the ``n`` best-ranked candidates, best first (excluded ones never)."""
        ranked = self.ranking[self.ranking["rank"].notna()]
        return ranked.sort_values(["rank", "site_id"], kind="stable").head(n)

    def overlays(self, names: Sequence[str] | None = None) -> list[Any]:  # Any: maps.Overlay
        """Return map overlays of the named layers (default: every layer the study loaded).

        Layers the study did not sample are loaded now through the study's catalogue. Overlays
        are built once per layer and kept, so the map and every report share them.
        """
        from layers.registry import load_layer
        from siting.overlays import overlays_for_layers  # lazy: maps is a face of its own

        wanted = list(self.layers) if names is None else list(names)
        found: list[Any] = []  # Any: maps.Overlay
        for name in wanted:
            if name not in self._overlays:
                layer = self.layers.get(name)
                if layer is None:
                    if self.catalog is None:
                        continue
                    layer = load_layer(name, self.catalog, layer_params(self.study))
                self._overlays[name] = overlays_for_layers({name: layer})[0]
            found.extend(self._overlays[name])
        return found

    def map(
        self, *, overlays: Sequence[str] | None = None, **options: Any
    ) -> folium.Map:  # Any: ranked_map options
        """Draw the ranked map (``maps.ranked_map``) with overlays from the study's layers."""
        import maps  # lazy: siting does not import maps at import time (STYLE A1)

        chosen = self.study.output.map_overlays if overlays is None else overlays
        return maps.ranked_map(
            self.ranking, self.metadata, overlays=self.overlays(chosen), **options
        )

    def report(self, site_id: str, **options: Any) -> str:  # Any: site_report options
        """Return the standalone HTML site report of ``site_id`` (``maps.site_report``)."""
        import maps

        return maps.site_report(
            self.ranking, self.metadata, site_id, overlays=self.overlays(), **options
        )

    def to_folder(self, out_dir: str | Path | None = None, *, overwrite: bool = False) -> Path:
        """Write the results folder (ranking files, map, reports, summary, lock) atomically.

        ``out_dir`` defaults to the study's ``[output] dir`` (see ``siting.outputs``).
        """
        from siting.outputs import write_folder

        target = Path(out_dir) if out_dir is not None else Path(self.study.output.dir)
        return write_folder(self, target, overwrite=overwrite)


def _criteria_keys(study: Study) -> list[str]:
    keys = [c.attribute for c in study.criteria] + [c.attribute for c in study.constraints]
    return list(dict.fromkeys(keys))


def _risk_names(keys: Sequence[str]) -> list[str]:
    return [k.removeprefix("risk.") for k in keys if k.startswith("risk.")]


def _risk_params(study: Study) -> dict[str, dict[str, Any]]:  # Any: model keyword arguments
    return {name: dict(values) for name, values in study.risk.items()}


def needed_attributes(study: Study) -> list[str]:
    """Return every attribute key the study needs sampled (criteria, constraints, risks, costs).

    Costs need ``power.price_eur_per_mwh`` and ``power.carbon_g_per_kwh`` and, with
    ``pue = "auto"``, ``climate.pue_estimate``; they are sampled whenever the ``power`` layer is
    used anyway, so that the result always carries costs where the data allows.
    """
    keys = _criteria_keys(study)
    risks = _risk_names(keys)
    if risks:
        keys += sorted(required_attributes(risks, params=_risk_params(study)))
    layer_keys = [k for k in keys if not k.startswith(("site.", "risk.", "cost."))]
    wants_costs = any(k.startswith(("cost.", "power.")) for k in keys)
    if wants_costs:
        layer_keys += ["power.price_eur_per_mwh", "power.carbon_g_per_kwh"]
        if study.study.pue == "auto":
            layer_keys.append("climate.pue_estimate")
    return list(dict.fromkeys(layer_keys))


def layer_params(study: Study) -> LayerParams:
    """Return the layer parameters a study implies (IT load, voltage, radius, market, opt-ins)."""
    market = expand_countries(study.study.market) if study.study.market else EU_EEA_COUNTRIES
    return LayerParams(
        it_load_mw=study.study.it_load_mw,
        min_voltage_kv=study.study.min_voltage_kv,
        radius_km=study.study.radius_km,
        market=tuple(market),
        opt_in=frozenset(study.layers.opt_in),
        options={name: dict(values) for name, values in study.layers.options.items()},
    )


def study_catalog(study: Study) -> Catalog:
    """Return the catalogue a study reads its data through (mirror, cache, paths, opt-ins)."""
    paths = {name: Path(path) for name, path in study.layers.paths.items()}
    return Catalog.from_env(opt_in=tuple(study.layers.opt_in), paths=paths)


def load_candidates(study: Study, catalog: Catalog) -> gpd.GeoDataFrame:
    """Read or generate the study's candidates (EPSG:4326, validated)."""
    section = study.candidates
    if section is None:
        msg = "the study has no [candidates] section; expected 'file' or [candidates.h3]"
        raise ConfigError(msg)
    if section.file is not None:
        return read_candidates(section.file, crs=section.crs, repair=section.repair_geometry)
    assert section.h3 is not None  # guaranteed by CandidatesSection's validator
    return generate_h3_candidates(
        catalog,
        countries=section.h3.countries,
        zones=section.h3.zones,
        resolution=section.h3.resolution,
    )


def run_study(
    study: Study,
    *,
    candidates: gpd.GeoDataFrame | None = None,
    catalog: Catalog | None = None,
    engine: str = "local",
    scheduler: str | None = None,
    progress: ProgressCallback | None = None,
) -> StudyResult:
    """Run a study: candidates -> layers -> risk models -> scoring -> robustness -> result.

    Parameters
    ----------
    study
        A validated study (:func:`siting.load_study`), paths resolved.
    candidates
        Candidates to use instead of the study's ``[candidates]`` section (e.g. from an API body).
    catalog
        Data catalogue; default :func:`study_catalog`.
    engine
        ``"local"`` or ``"dask"`` (sampling partitioned over a dask.distributed cluster).
    scheduler
        Dask scheduler address for ``engine="dask"`` (default: a local cluster).
    progress
        ``progress(stage, done, total)`` callback (see :data:`STAGES`).

    Returns
    -------
    StudyResult

    Raises
    ------
    ConfigError
        If the study cannot run as written (unknown engine, site column missing, ...).
    DataSourceError, LicenceError
        If a data file is missing or needs an opt-in.
    """
    if engine not in ENGINES:
        msg = f"unknown engine {engine!r}; expected one of {', '.join(ENGINES)}"
        raise ConfigError(msg)
    report = progress or _no_progress
    catalog = catalog or study_catalog(study)

    report("candidates", 0, 1)
    if candidates is None:
        candidates = load_candidates(study, catalog)
    report("candidates", 1, 1)
    logger.info("%d candidates", len(candidates))

    keys = needed_attributes(study)
    layer_names = layers_for_attributes(keys)
    params = layer_params(study)
    report("layers", 0, len(layer_names))
    if engine == "dask":
        try:
            from siting.engines.dask import sample_layers_dask
        except ImportError as err:
            msg = (
                f"engine 'dask' needs dask.distributed and dask-geopandas ({err}); "
                "install them with: pip install -e '.[dask]'"
            )
            raise ConfigError(msg) from err

        attributes, layer_meta, layers = sample_layers_dask(
            candidates,
            layer_names,
            catalog=catalog,
            params=params,
            scheduler=scheduler,
            progress=lambda done: report("layers", done, len(layer_names)),
        )
    else:
        attributes, layer_meta, layers = _sample_local(
            candidates,
            layer_names,
            catalog=catalog,
            params=params,
            progress=lambda done: report("layers", done, len(layer_names)),
        )
    report("layers", len(layer_names), len(layer_names))

    site = site_attributes(candidates)
    table = pd.concat([site, attributes], axis=1)

    risk_names = _risk_names(_criteria_keys(study))
    report("risks", 0, 1)
    risk_std: dict[str, pd.Series] = {}
    risk_meta: dict[str, Any] = {}  # Any: JSON-serialisable
    if risk_names:
        outputs = compute_risk_outputs(table, risk_names, params=_risk_params(study))
        risk_columns = {f"risk.{name}": out.risk for name, out in outputs.items()}
        table = table.assign(**risk_columns)
        risk_std = {f"risk.{n}": o.std for n, o in outputs.items() if o.std is not None}
        risk_meta = {
            name: {
                "description": _risk_description(name),
                "params": _risk_params(study).get(name, {}),
            }
            for name in outputs
        }
    report("risks", 1, 1)

    report("scoring", 0, 1)
    scoring = score(table, study, site_ids=candidates["site_id"], risk_std=risk_std)
    report("scoring", 1, 1)

    metadata = _metadata(scoring.metadata, layer_meta, risk_meta, engine=engine)
    ranking = build_result(candidates, table, scoring, metadata)
    return StudyResult(
        ranking=ranking, metadata=metadata, study=study, layers=layers, catalog=catalog
    )


def _sample_local(
    candidates: gpd.GeoDataFrame,
    layer_names: Sequence[str],
    *,
    catalog: Catalog,
    params: LayerParams,
    progress: Callable[[int], None],
) -> tuple[pd.DataFrame, dict[str, Any], dict[str, Layer]]:  # Any: JSON-serialisable
    """Sample every layer in this process; return attributes, metadata and the loaded layers."""
    layers: dict[str, Layer] = {}
    if not layer_names:  # only site.* / risk-free criteria: nothing to sample
        return pd.DataFrame(index=candidates.index), {"sources": []}, layers

    def keep(layer: Layer) -> None:
        layers[layer.name] = layer
        progress(len(layers))

    attributes, meta = sample_layers(
        candidates, layer_names, catalog=catalog, params=params, on_layer=keep
    )
    return attributes, meta, layers


def _risk_description(name: str) -> str:
    from risk_models.registry import risk_model

    description: str = risk_model(name).DESCRIPTION
    return description


def _metadata(
    scoring_meta: Mapping[str, Any],
    layer_meta: Mapping[str, Any],
    risk_meta: Mapping[str, Any],
    *,
    engine: str,
) -> dict[str, Any]:  # Any: JSON-serialisable values
    """Assemble the result metadata (docs/CONTRACTS.md) from the stages' own metadata."""
    from layers.registry import layer_attributes

    described = {
        f"{name}.{attr}": description
        for name in layer_meta
        if name != "sources"
        for attr, description in layer_attributes(name).items()
    }
    metadata: dict[str, Any] = {  # Any: JSON-serialisable values
        **dict(scoring_meta),  # software, study, method, weights, criteria, sensitivity, counts
        "attributes": {
            key: {
                "unit": described[key].unit,
                "description": described[key].description,
                "sources": list(described[key].sources),
            }
            for key in described
        },
        "sources": list(layer_meta.get("sources", [])),
        "layers": {k: v for k, v in layer_meta.items() if k != "sources"},
        "risks": dict(risk_meta),
        "engine": engine,
    }
    return metadata
