"""The scoring engine: attributes table + study -> scores, ranks, explanations and robustness.

The engine knows nothing about where attributes came from: it reads columns ``layer.attribute``
(``site.<column>`` for the candidates' own columns, ``risk.<model>`` for risk models) from one
table. Steps, all vectorised over candidates:

1. ``cost.*`` columns from :mod:`siting.costs` (when their inputs exist);
2. hard constraints (:mod:`siting.constraints`) and criteria with ``missing = "exclude"``;
3. value functions (:mod:`siting.value_functions`); min-max ranges span the candidates still in
   the ranking; missing values then follow each criterion's policy (``worst`` -> value 0,
   ``mean`` -> mean value of the ranked candidates);
4. weights (direct, AHP, entropy; :mod:`siting.weights`), normalised to sum 1;
5. aggregation (:mod:`siting.aggregation`) and ranking (1 best, ties share the better rank);
6. robustness (:mod:`siting.robustness`): Monte Carlo when ``samples > 0``, first-place flips.

TOPSIS takes a criterion without a value function as its raw values with its direction
(textbook TOPSIS); its ``value.<criterion>`` column then reports the min-max position between the
worst and best ranked candidate, which is that criterion's own one-dimensional closeness.
``contrib.<criterion>`` is ``weight * value``: it adds up to the score for WSM; for WPM and
TOPSIS it is the weighted value, shown for explanation only.
"""

from __future__ import annotations

import logging
import warnings
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from siting import __version__
from siting.aggregation import rank_scores, topsis, wpm, wsm
from siting.constraints import FORCE_INCLUDE_PREFIX, apply_constraints
from siting.costs import CARBON_ATTRIBUTE, PRICE_ATTRIBUTE, PUE_ATTRIBUTE, compute_costs
from siting.errors import ConfigError, SitingWarning
from siting.robustness import first_place_flips, monte_carlo
from siting.study import (
    COST_ATTRIBUTES,
    AggregationMethod,
    Better,
    CategoricalValue,
    Criterion,
    CriterionMissing,
    Study,
    WeightsMethod,
)
from siting.types import BoolArray, FloatArray
from siting.value_functions import apply_value_function, minmax
from siting.weights import AHP_CR_THRESHOLD, ahp_weights, entropy_weights, normalise_weights

__all__ = ["ScoringResult", "score"]

COST_INPUTS: dict[str, tuple[str, ...]] = {
    "cost.energy_mwh_per_year": (PUE_ATTRIBUTE,),
    "cost.energy_eur_per_year": (PUE_ATTRIBUTE, PRICE_ATTRIBUTE),
    "cost.carbon_t_per_year": (PUE_ATTRIBUTE, CARBON_ATTRIBUTE),
}
"""Attributes whose relative noise carries over to each cost attribute."""

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class ScoringResult:
    """What :func:`score` returns.

    Parameters
    ----------
    table
        Index-aligned with the attributes: ``site_id``, ``rank`` (Int64, <NA> when excluded),
        ``score``, ``excluded``, ``exclusion_reasons``, ``value.*``, ``contrib.*``, ``cost.*``
        and, with Monte Carlo, ``p_top_k``, ``rank_p05``, ``rank_p95``.
    metadata
        JSON-serialisable: method, weights, criteria, AHP, sensitivity, costs, warnings, counts
        (per ``docs/CONTRACTS.md``; the caller adds sources and layers).
    """

    table: pd.DataFrame
    metadata: dict[str, Any]  # Any: JSON-serialisable values


def _numeric_column(raw: pd.Series, criterion: Criterion) -> FloatArray:
    try:
        values: FloatArray = pd.to_numeric(raw, errors="raise").to_numpy(
            dtype=np.float64, na_value=np.nan
        )
    except (ValueError, TypeError) as err:
        msg = (
            f"criterion {criterion.key!r}: attribute {criterion.attribute!r} holds text "
            f"(e.g. {raw.dropna().iloc[0]!r}); use value.function = 'categorical'"
        )
        raise ConfigError(msg) from err
    return values


def _is_raw_topsis(criterion: Criterion, method: AggregationMethod) -> bool:
    return method is AggregationMethod.TOPSIS and criterion.value is None


@dataclass(frozen=True)
class _Matrix:
    values: FloatArray  # n x m, value functions applied, missing filled where kept
    matrix: FloatArray  # n x m, what the aggregation sees (raw columns for TOPSIS raw criteria)
    filled: list[int]  # per criterion, how many kept values were filled by the missing policy


def _criterion_matrix(
    raw: Mapping[str, np.ndarray | pd.Series],
    criteria: Sequence[Criterion],
    method: AggregationMethod,
    kept: BoolArray,
) -> _Matrix:
    """Apply value functions and missing policies to the raw criterion columns."""
    n = kept.shape[0]
    m = len(criteria)
    values = np.empty((n, m))
    matrix = np.empty((n, m))
    filled: list[int] = []
    for j, c in enumerate(criteria):
        column = raw[c.key]
        if _is_raw_topsis(c, method):
            x = np.asarray(column, dtype=np.float64)
            v = minmax(x, better=c.better, mask=kept)
            is_missing = kept & np.isnan(x)
            ok = kept & ~np.isnan(x)
            if is_missing.any():
                if c.missing is CriterionMissing.MEAN and ok.any():
                    fill_raw = float(x[ok].mean())
                    fill_value = float(v[ok].mean())
                elif ok.any():
                    fill_raw = float(x[ok].min() if c.better is Better.HIGHER else x[ok].max())
                    fill_value = 0.0
                else:
                    fill_raw, fill_value = 0.0, 0.0
                x = np.where(is_missing, fill_raw, x)
                v = np.where(is_missing, fill_value, v)
            matrix[:, j] = x
            values[:, j] = v
        else:
            v = apply_value_function(column, c.value, better=c.better, mask=kept)
            is_missing = kept & np.isnan(v)
            if is_missing.any():
                ok = kept & ~np.isnan(v)
                fill = (
                    float(v[ok].mean()) if c.missing is CriterionMissing.MEAN and ok.any() else 0.0
                )
                v = np.where(is_missing, fill, v)
            values[:, j] = v
            matrix[:, j] = v
        filled.append(int(is_missing.sum()))
    return _Matrix(values=values, matrix=matrix, filled=filled)


def _weights(
    study: Study, values: FloatArray
) -> tuple[FloatArray, dict[str, Any] | None, list[str]]:  # Any: JSON
    method = study.scoring.weights
    names = list(study.criterion_names)
    warns: list[str] = []
    if method is WeightsMethod.DIRECT:
        return normalise_weights(list(study.criterion_weights().values())), None, warns
    if method is WeightsMethod.ENTROPY:
        return entropy_weights(values), None, warns
    ahp = study.scoring.ahp
    if ahp is None:  # the study model guarantees it; kept for type narrowing
        msg = "scoring.weights = 'ahp' needs a [scoring.ahp] table"
        raise ConfigError(msg)
    result = ahp_weights(ahp.matrix)
    order = [list(ahp.criteria).index(name) for name in names]
    weights = result.weights[order]
    info = {
        "criteria": list(ahp.criteria),
        "matrix": [list(row) for row in ahp.matrix],
        "weights": {name: float(w) for name, w in zip(ahp.criteria, result.weights, strict=True)},
        "lambda_max": result.lambda_max,
        "consistency_index": result.consistency_index,
        "random_index": result.random_index,
        "consistency_ratio": result.consistency_ratio,
        "is_consistent": result.is_consistent,
    }
    if not result.is_consistent:
        text = (
            f"AHP consistency ratio {result.consistency_ratio:.3f} exceeds "
            f"{AHP_CR_THRESHOLD}: the pairwise judgements are inconsistent; revise the matrix"
        )
        warns.append(text)
        warnings.warn(text, SitingWarning, stacklevel=3)
    return weights, info, warns


def _value_function_text(c: Criterion, method: AggregationMethod) -> dict[str, Any]:  # Any: JSON
    if c.value is not None:
        return c.value.model_dump(mode="json")
    return {"function": "raw" if method is AggregationMethod.TOPSIS else "minmax"}


def _raw_columns(
    table: pd.DataFrame, criteria: Sequence[Criterion]
) -> dict[str, np.ndarray | pd.Series]:
    raw: dict[str, np.ndarray | pd.Series] = {}
    for c in criteria:
        if c.attribute not in table.columns:
            msg = (
                f"criterion {c.key!r}: attribute {c.attribute!r} is not in the attributes table; "
                f"available: {', '.join(map(str, table.columns))}"
            )
            raise ConfigError(msg)
        column = table[c.attribute]
        raw[c.key] = column if isinstance(c.value, CategoricalValue) else _numeric_column(column, c)
    return raw


def score(
    attributes: pd.DataFrame,
    study: Study,
    *,
    site_ids: Sequence[str] | pd.Series,
    risk_std: Mapping[str, pd.Series] | None = None,
) -> ScoringResult:
    """Score and rank candidates from their attributes according to a study.

    Parameters
    ----------
    attributes
        One row per candidate, columns ``layer.attribute`` / ``site.<col>`` / ``risk.<model>``.
    study
        The validated study.
    site_ids
        Candidate ids aligned with the rows of ``attributes``.
    risk_std
        Standard errors of ``risk.<model>`` columns (from ``RiskOutput.std``), keyed by column;
        sampled in the Monte Carlo when ``use_risk_uncertainty`` is true.

    Returns
    -------
    The result table (index-aligned with ``attributes``) and its metadata.

    Raises
    ------
    ConfigError
        If a criterion or constraint attribute is not a column, text meets a numeric value
        function, ``pue = "auto"`` cannot be resolved, or a ``force_include`` id is unknown.
    """
    ids = pd.Series(np.asarray(site_ids, dtype=object), index=attributes.index, dtype=object)
    method = study.scoring.method
    criteria = study.criteria
    names = list(study.criterion_names)
    uses_cost = any(
        k in COST_ATTRIBUTES
        for k in [c.attribute for c in criteria] + [c.attribute for c in study.constraints]
    )
    costs, cost_meta = compute_costs(
        attributes, it_load_mw=study.study.it_load_mw, pue=study.study.pue, required=uses_cost
    )
    table = pd.concat([attributes, costs], axis=1) if len(costs.columns) else attributes
    force_include = study.candidates.force_include if study.candidates is not None else ()
    is_excluded, reasons = apply_constraints(
        table, study.constraints, site_ids=ids, force_include=force_include
    )
    raw = _raw_columns(table, criteria)
    is_forced = ids.isin(list(force_include)).to_numpy(dtype=bool)
    # missing = "exclude": judged on the value after the value function (unknown categories too).
    for c in criteria:
        if c.missing is not CriterionMissing.EXCLUDE:
            continue
        probe = apply_value_function(raw[c.key], c.value, better=c.better)
        is_missing = np.isnan(probe)
        text = f"no value for criterion {c.key!r} ({c.attribute})"
        for idx in np.flatnonzero(is_missing):
            reasons[idx].append(FORCE_INCLUDE_PREFIX + text if is_forced[idx] else text)
        is_excluded = is_excluded | (is_missing & ~is_forced)
    kept = ~is_excluded
    built = _criterion_matrix(raw, criteria, method, kept)
    warns: list[str] = []
    n_kept = int(kept.sum())
    if n_kept >= 2:
        weights, ahp_info, weight_warns = _weights(study, built.values[kept])
    elif study.scoring.weights is WeightsMethod.ENTROPY:
        msg = f"entropy weights need at least 2 ranked candidates, {n_kept} remain"
        raise ConfigError(msg)
    else:
        weights, ahp_info, weight_warns = _weights(study, built.values[kept])
    warns.extend(weight_warns)
    for name, count in zip(names, built.filled, strict=True):
        if count:
            policy = next(c.missing.value for c in criteria if c.key == name)
            warns.append(f"criterion {name!r}: {count} missing value(s) filled ({policy})")
    is_benefit = np.array(
        [(c.better is Better.HIGHER) or not _is_raw_topsis(c, method) for c in criteria]
    )
    scores = np.full(len(table), np.nan)
    sub = built.matrix[kept]
    if n_kept:
        if method is AggregationMethod.WSM:
            scores[kept] = wsm(sub, weights)
        elif method is AggregationMethod.WPM:
            scores[kept] = wpm(sub, weights)
        else:
            scores[kept] = topsis(sub, weights, is_benefit=is_benefit)
    ranks = rank_scores(scores)
    out = pd.DataFrame(index=attributes.index)
    out["site_id"] = ids
    out["rank"] = pd.Series(ranks, index=attributes.index).astype("Int64").mask(ranks == 0)
    out["score"] = scores
    out["excluded"] = is_excluded
    out["exclusion_reasons"] = pd.Series(reasons, index=attributes.index, dtype=object)
    for j, name in enumerate(names):
        out[f"value.{name}"] = built.values[:, j]
    for j, name in enumerate(names):
        out[f"contrib.{name}"] = np.where(kept, weights[j] * built.values[:, j], np.nan)
    for column in costs.columns:
        out[column] = costs[column]
    sensitivity = _sensitivity(
        study, table, raw, built, weights, is_benefit, kept, ids, risk_std, out, warns
    )
    excluded_by_reason: dict[str, int] = {}
    for idx in np.flatnonzero(is_excluded):
        for r in reasons[idx]:
            excluded_by_reason[r] = excluded_by_reason.get(r, 0) + 1
    metadata: dict[str, Any] = {  # Any: JSON values
        "software": {"name": "siting", "version": __version__},
        "study": study.model_dump(mode="json", by_alias=True),
        "method": method.value,
        "weights": {name: float(w) for name, w in zip(names, weights, strict=True)},
        "weights_method": study.scoring.weights.value,
        "ahp": ahp_info,
        "criteria": [
            {
                "name": c.key,
                "attribute": c.attribute,
                "better": c.better.value,
                "weight": float(weights[j]),
                "missing": c.missing.value,
                "value_function": _value_function_text(c, method),
            }
            for j, c in enumerate(criteria)
        ],
        "sensitivity": sensitivity,
        "costs": cost_meta,
        "warnings": warns,
        "counts": {
            "candidates": len(table),
            "excluded": int(is_excluded.sum()),
            "ranked": n_kept,
            "excluded_by_reason": dict(sorted(excluded_by_reason.items())),
        },
    }
    for text in warns:
        logger.warning(text)
    return ScoringResult(table=out, metadata=metadata)


def _sensitivity(
    study: Study,
    table: pd.DataFrame,
    raw: Mapping[str, np.ndarray | pd.Series],
    built: _Matrix,
    weights: FloatArray,
    is_benefit: BoolArray,
    kept: BoolArray,
    ids: pd.Series,
    risk_std: Mapping[str, pd.Series] | None,
    out: pd.DataFrame,
    warns: list[str],
) -> dict[str, Any] | None:  # Any: JSON values
    """Run Monte Carlo (writing columns into ``out``) and the first-place flips."""
    n_kept = int(kept.sum())
    if n_kept < 2:
        return None
    config = study.scoring.sensitivity
    method = study.scoring.method
    names = list(study.criterion_names)
    sub = built.matrix[kept]
    kept_ids = ids[kept].astype(str).tolist()
    flips = first_place_flips(
        sub, weights, method=method, is_benefit=is_benefit, names=names, site_ids=kept_ids
    )
    result: dict[str, Any] = {"first_place_flips": flips, "monte_carlo": None}  # Any: JSON
    if config.samples == 0:
        return result
    noise = _noise_spec(study, table, risk_std, kept)
    rng = np.random.default_rng(study.study.seed)
    perturb = None
    if noise:
        criteria = study.criteria
        kept_raw = {
            k: (v[kept] if isinstance(v, np.ndarray) else v[kept].reset_index(drop=True))
            for k, v in raw.items()
        }
        all_kept = np.ones(n_kept, dtype=bool)

        def perturb(generator: np.random.Generator) -> FloatArray:
            noisy = dict(kept_raw)
            for key, (relative, absolute, clip) in noise.items():
                base = np.asarray(noisy[key], dtype=np.float64)
                z = generator.standard_normal(base.shape[0])
                sample = base * (1.0 + relative * z) + absolute * z
                noisy[key] = np.clip(sample, 0.0, 1.0) if clip else sample
            return _criterion_matrix(noisy, criteria, method, all_kept).matrix

    mc = monte_carlo(
        sub,
        weights,
        method=method,
        is_benefit=is_benefit,
        samples=config.samples,
        concentration=config.concentration,
        top_k=config.top_k,
        rng=rng,
        perturb=perturb,
    )
    for column, values in (
        ("p_top_k", mc.p_top_k),
        ("rank_p05", mc.rank_p05),
        ("rank_p95", mc.rank_p95),
    ):
        full = np.full(len(out), np.nan)
        full[kept] = values
        out[column] = full
    result["monte_carlo"] = {
        "samples": mc.samples,
        "top_k": mc.top_k,
        "concentration": config.concentration,
        "seed": study.study.seed,
        "relative_noise": {k: v[0] for k, v in sorted(noise.items()) if v[0] > 0},
        "risk_std_sampled": sorted(k for k, v in noise.items() if np.any(np.asarray(v[1]) > 0)),
    }
    return result


def _noise_spec(
    study: Study,
    table: pd.DataFrame,
    risk_std: Mapping[str, pd.Series] | None,
    kept: BoolArray,
) -> dict[str, tuple[float, Any, bool]]:  # Any: float or per-candidate array
    """Return, per criterion name, (relative se, absolute se array, clip to 0..1)."""
    config = study.scoring.sensitivity
    spec: dict[str, tuple[float, Any, bool]] = {}  # Any: as above
    for c in study.criteria:
        if isinstance(c.value, CategoricalValue):
            continue
        relative = config.attribute_noise.get(c.attribute, 0.0)
        if c.attribute in COST_INPUTS:
            # cost = energy(pue) x input: independent relative errors add in quadrature.
            parts = [config.attribute_noise.get(k, 0.0) for k in COST_INPUTS[c.attribute]]
            relative = float(np.sqrt(np.sum(np.square(parts))))
        absolute: Any = 0.0  # Any: float or array
        is_risk = c.attribute.startswith("risk.")
        if is_risk and config.use_risk_uncertainty and risk_std and c.attribute in risk_std:
            std = pd.to_numeric(risk_std[c.attribute]).to_numpy(dtype=np.float64, na_value=0.0)
            absolute = np.nan_to_num(std[kept], nan=0.0)
        if relative > 0 or np.any(np.asarray(absolute) > 0):
            spec[c.key] = (relative, absolute, is_risk)
    return spec
