"""The built-in risk models, what they need, and computing several at once.

``RISK_MODELS`` maps a model name to its module (``risk_models.<name>``), imported on first
use so that a model whose module is missing does not break the others. ``composite`` is computed
after the models it combines (its ``dimensions``), which are computed first even when not asked
for; only the asked-for models are returned.
"""

from __future__ import annotations

import importlib
import inspect
from collections.abc import Iterator, Mapping, Sequence
from types import ModuleType
from typing import Any

import pandas as pd

from risk_models.base import RiskOutput
from siting.errors import ConfigError, SitingError

__all__ = [
    "BUILTIN_RISK_MODELS",
    "RISK_MODELS",
    "compute_risk_outputs",
    "compute_risks",
    "required_attributes",
    "risk_model",
]

BUILTIN_RISK_MODELS: tuple[str, ...] = ("geopolitical", "sovereignty", "hazard", "composite")
"""Names of the built-in risk models; each is the module ``risk_models.<name>``."""
COMPOSITE = "composite"

Params = Mapping[str, Mapping[str, Any]]  # Any: model keyword arguments from the study


class _LazyModules(Mapping[str, ModuleType]):
    """Read-only mapping name -> risk-model module, importing each module on first access."""

    def __init__(self, names: Sequence[str]) -> None:
        self._names = tuple(names)

    def __getitem__(self, name: str) -> ModuleType:
        if name not in self._names:
            msg = f"unknown risk model {name!r}; expected one of {', '.join(self._names)}"
            raise ConfigError(msg)
        try:
            return importlib.import_module(f"risk_models.{name}")
        except ModuleNotFoundError as err:
            if err.name != f"risk_models.{name}":
                raise
            msg = f"risk model {name!r} is registered but risk_models.{name} is not installed"
            raise SitingError(msg) from err

    def __iter__(self) -> Iterator[str]:
        return iter(self._names)

    def __len__(self) -> int:
        return len(self._names)

    def __contains__(self, name: object) -> bool:
        return name in self._names


RISK_MODELS: Mapping[str, ModuleType] = _LazyModules(BUILTIN_RISK_MODELS)
"""Risk-model name -> module exposing NAME, REQUIRED_ATTRIBUTES, DESCRIPTION, compute."""


def risk_model(name: str) -> ModuleType:
    """Return the module of risk model ``name``.

    Raises
    ------
    ConfigError
        If ``name`` is not a built-in risk model.
    SitingError
        If the model's module cannot be imported.
    """
    return RISK_MODELS[name]


def _dimensions(params: Params) -> tuple[str, ...]:
    """Return the composite's dimensions from its params (or the module default)."""
    composite = risk_model(COMPOSITE)
    dims = tuple(params.get(COMPOSITE, {}).get("dimensions", composite.DEFAULT_DIMENSIONS))
    for name in dims:
        if name == COMPOSITE or name not in RISK_MODELS:
            allowed = ", ".join(n for n in RISK_MODELS if n != COMPOSITE)
            msg = f"composite dimension {name!r} is not a risk model; expected one of {allowed}"
            raise ConfigError(msg)
    return dims


def _order(names: Sequence[str], params: Params) -> list[str]:
    """Return the models to compute, dependencies first, each once."""
    for name in names:
        if name not in RISK_MODELS:
            msg = f"unknown risk model {name!r}; expected one of {', '.join(RISK_MODELS)}"
            raise ConfigError(msg)
    order: list[str] = []
    if COMPOSITE in names:
        order.extend(_dimensions(params))
    order.extend(n for n in names if n != COMPOSITE)
    if COMPOSITE in names:
        order.append(COMPOSITE)
    return list(dict.fromkeys(order))


def required_attributes(names: Sequence[str], *, params: Params | None = None) -> set[str]:
    """Return the attribute keys the named risk models read (composite: its dimensions').

    Raises
    ------
    ConfigError
        If a name is not a risk model.

    Examples
    --------
    >>> sorted(required_attributes(["sovereignty"]))
    ['jurisdiction.country', 'jurisdiction.gdpr_regime', 'jurisdiction.sanctioned']
    """
    needed: set[str] = set()
    for name in _order(names, params or {}):
        needed |= set(risk_model(name).REQUIRED_ATTRIBUTES)
    return needed


def compute_risk_outputs(
    attributes: pd.DataFrame, names: Sequence[str], *, params: Params | None = None
) -> dict[str, RiskOutput]:
    """Compute the named risk models and return their full outputs (risk, std, reasons).

    Parameters
    ----------
    attributes
        Attributes table (columns ``layer.attribute``).
    names
        Risk models to compute.
    params
        Keyword arguments per model name (e.g. ``{"sovereignty": {"required_regimes":
        ["eea"]}}``); unknown model names are an error.

    Raises
    ------
    ConfigError
        If a model name or parameter is invalid, or an attribute is missing.
    """
    params = dict(params or {})
    for key in params:
        if key not in RISK_MODELS:
            allowed = ", ".join(RISK_MODELS)
            msg = f"parameters for unknown risk model {key!r}; expected one of {allowed}"
            raise ConfigError(msg)
    outputs: dict[str, RiskOutput] = {}
    table = attributes
    for name in _order(names, params):
        kwargs = dict(params.get(name, {}))
        if name == COMPOSITE:
            kwargs.setdefault("dimensions", _dimensions(params))
            kwargs["stds"] = {dim: outputs[dim].std for dim in kwargs["dimensions"]}
        compute = risk_model(name).compute
        try:
            inspect.signature(compute).bind(table, **kwargs)
        except TypeError as err:
            msg = f"bad parameters {sorted(kwargs)!r} for risk model {name!r}: {err}"
            raise ConfigError(msg) from err
        output: RiskOutput = compute(table, **kwargs)
        outputs[name] = output
        table = table.assign(**{f"risk.{name}": output.risk})
    return {name: outputs[name] for name in names}


def compute_risks(
    attributes: pd.DataFrame, names: Sequence[str], *, params: Params | None = None
) -> tuple[pd.DataFrame, dict[str, pd.Series | None]]:
    """Compute the named risk models: a table of ``risk.<name>`` columns and their std.

    Returns
    -------
    risks : DataFrame
        Index-aligned with ``attributes``, one column ``risk.<name>`` per asked-for model.
    stds : dict
        ``"risk.<name>"`` -> standard-error Series (None where the model has none).

    Raises
    ------
    ConfigError
        As :func:`compute_risk_outputs`.

    Examples
    --------
    >>> table = pd.DataFrame({"jurisdiction.gdpr_regime": ["eea", "third_country"],
    ...                       "jurisdiction.country": ["IE", "TR"],
    ...                       "jurisdiction.sanctioned": [False, False]})
    >>> risks, stds = compute_risks(table, ["sovereignty"])
    >>> risks["risk.sovereignty"].tolist(), stds["risk.sovereignty"].tolist()
    ([0.0, 1.0], [0.0, 0.0])
    """
    outputs = compute_risk_outputs(attributes, names, params=params)
    risks = pd.DataFrame(
        {f"risk.{name}": output.risk for name, output in outputs.items()}, index=attributes.index
    )
    stds = {f"risk.{name}": output.std for name, output in outputs.items()}
    return risks, stds
