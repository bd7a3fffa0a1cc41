"""The study model: a pydantic v2 description of one siting study, loaded from TOML.

A study names the candidates, the layers it may use, the hard constraints, the criteria with their
value functions and weights, the scoring method and its sensitivity analysis, and the outputs.
Every section forbids unknown keys; every method name is a :class:`enum.StrEnum`; attribute keys
are checked against the static attribute lists of the built-in layers, ``site.<column>``,
``risk.<model>`` and ``cost.<name>`` without opening any file (STYLE K3). The full key reference
is ``docs/study-format.md``.

>>> study = parse_study({
...     "study": {"name": "demo", "it_load_mw": 50},
...     "criteria": [{"attribute": "site.land_price_eur_per_m2", "better": "lower"}],
... })
>>> study.criteria[0].key, study.scoring.method.value, study.criterion_weights()
('site.land_price_eur_per_m2', 'wsm', {'site.land_price_eur_per_m2': 1.0})
"""

from __future__ import annotations

import enum
import itertools
import math
import tomllib
import types
import typing
from collections.abc import Mapping
from functools import lru_cache
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    field_validator,
    model_validator,
)

from siting.errors import ConfigError

__all__ = [
    "COST_ATTRIBUTES",
    "PLANNED_RISK_MODELS",
    "AggregationMethod",
    "AhpSection",
    "Better",
    "CandidatesSection",
    "CategoricalValue",
    "Constraint",
    "ConstraintMissing",
    "Criterion",
    "CriterionMissing",
    "H3Section",
    "LayersSection",
    "LinearValue",
    "LogisticValue",
    "MinMaxValue",
    "OutputFormat",
    "OutputSection",
    "PiecewiseValue",
    "ScoringSection",
    "SensitivitySection",
    "StepValue",
    "Study",
    "StudySection",
    "ValueFunction",
    "ValueFunctionName",
    "WeightsMethod",
    "check_attribute_key",
    "load_study",
    "parse_study",
]

COST_ATTRIBUTES: tuple[str, ...] = (
    "cost.energy_mwh_per_year",
    "cost.energy_eur_per_year",
    "cost.carbon_t_per_year",
)
"""Attributes computed by :mod:`siting.costs` that constraints and criteria may use."""

PLANNED_RISK_MODELS: tuple[str, ...] = ("geopolitical", "sovereignty", "hazard", "composite")
"""Risk model names used when ``risk_models.registry`` cannot be imported yet."""

GROUPS: tuple[str, ...] = ("EU", "EEA", "EFTA")
"""Country groups accepted wherever ISO alpha-2 codes are."""

AHP_RECIPROCAL_RTOL = 0.01
"""Relative tolerance of the AHP reciprocal check ``a_ij * a_ji == 1`` (0.333333 * 3 passes)."""


class _Model(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid", populate_by_name=True)


class Better(enum.StrEnum):
    """Direction of a criterion: which end of the raw attribute is better."""

    HIGHER = "higher"
    LOWER = "lower"


class CriterionMissing(enum.StrEnum):
    """What a criterion does with a candidate whose attribute is missing (NaN)."""

    WORST = "worst"
    EXCLUDE = "exclude"
    MEAN = "mean"


class ConstraintMissing(enum.StrEnum):
    """What a constraint does with a candidate whose attribute is missing (NaN)."""

    EXCLUDE = "exclude"
    KEEP = "keep"


class AggregationMethod(enum.StrEnum):
    """How value scores and weights combine into one score."""

    WSM = "wsm"
    WPM = "wpm"
    TOPSIS = "topsis"


class WeightsMethod(enum.StrEnum):
    """Where criterion weights come from."""

    DIRECT = "direct"
    AHP = "ahp"
    ENTROPY = "entropy"


class ValueFunctionName(enum.StrEnum):
    """Value functions mapping a raw attribute to 0..1 (1 best)."""

    LINEAR = "linear"
    MINMAX = "minmax"
    PIECEWISE = "piecewise"
    STEP = "step"
    LOGISTIC = "logistic"
    CATEGORICAL = "categorical"


class OutputFormat(enum.StrEnum):
    """File formats of the ranking."""

    GPKG = "gpkg"
    GEOJSON = "geojson"
    CSV = "csv"


FiniteFloat = Annotated[float, Field(allow_inf_nan=False)]
CountryCode = Annotated[str, Field(pattern=r"^([A-Z]{2}|EU|EEA|EFTA)$")]


# ----------------------------------------------------------------------------------------------
# [study]


class StudySection(_Model):
    """The ``[study]`` table: what is being built and study-wide parameters."""

    name: str = Field(min_length=1)
    description: str | None = None
    it_load_mw: float = Field(gt=0, allow_inf_nan=False)
    pue: Annotated[float, Field(ge=1.0, le=5.0)] | Literal["auto"] = "auto"
    min_voltage_kv: float | None = Field(default=None, gt=0, allow_inf_nan=False)
    radius_km: float = Field(default=25.0, gt=0, allow_inf_nan=False)
    market: tuple[CountryCode, ...] = ("EEA",)
    seed: int = Field(default=0, ge=0)


# ----------------------------------------------------------------------------------------------
# [candidates]


class H3Section(_Model):
    """The ``[candidates.h3]`` table: an H3 hexagon grid over countries and/or bidding zones."""

    resolution: int = Field(ge=0, le=15)
    countries: tuple[CountryCode, ...] = ()
    zones: tuple[str, ...] = ()

    @model_validator(mode="after")
    def _some_area(self) -> H3Section:
        if not self.countries and not self.zones:
            msg = "candidates.h3 needs 'countries' and/or 'zones' (none given)"
            raise ValueError(msg)
        return self


class CandidatesSection(_Model):
    """The ``[candidates]`` table: exactly one of ``file`` or ``h3``."""

    file: str | None = Field(default=None, min_length=1)
    h3: H3Section | None = None
    crs: str | None = None
    repair_geometry: bool = False
    force_include: tuple[str, ...] = ()

    @model_validator(mode="after")
    def _one_source(self) -> CandidatesSection:
        if (self.file is None) == (self.h3 is None):
            given = "both" if self.file is not None else "neither"
            msg = f"candidates needs exactly one of 'file' or 'h3' ({given} given)"
            raise ValueError(msg)
        return self


# ----------------------------------------------------------------------------------------------
# [layers]


class LayersSection(_Model):
    """The ``[layers]`` table: licence opt-ins, explicit data paths and per-layer options."""

    opt_in: tuple[str, ...] = ()
    paths: dict[str, str] = Field(default_factory=dict)
    options: dict[str, dict[str, Any]] = Field(default_factory=dict)  # Any: free-form TOML


# ----------------------------------------------------------------------------------------------
# [[constraints]]


class Constraint(_Model):
    """One ``[[constraints]]`` entry: a hard exclusion rule on one attribute.

    A candidate passes when every given test passes (``min <= x``, ``x <= max``, ``x in in``,
    ``x not in not_in``, ``x == equals``); otherwise it is excluded with ``reason``.
    """

    attribute: str
    min: FiniteFloat | None = None
    max: FiniteFloat | None = None
    in_: tuple[str | float | bool, ...] | None = Field(default=None, alias="in")
    not_in: tuple[str | float | bool, ...] | None = None
    equals: str | float | bool | None = None
    missing: ConstraintMissing = ConstraintMissing.EXCLUDE
    reason: str | None = Field(default=None, min_length=1)

    @model_validator(mode="after")
    def _some_test(self) -> Constraint:
        tests = (self.min, self.max, self.in_, self.not_in, self.equals)
        if all(t is None for t in tests):
            msg = (
                f"constraint on {self.attribute!r} has no test; "
                "expected one or more of min, max, in, not_in, equals"
            )
            raise ValueError(msg)
        if self.min is not None and self.max is not None and self.min > self.max:
            msg = f"constraint on {self.attribute!r}: min {self.min!r} > max {self.max!r}"
            raise ValueError(msg)
        return self


# ----------------------------------------------------------------------------------------------
# [criteria.value]


class LinearValue(_Model):
    """Linear from ``worst`` (value 0) to ``best`` (value 1), clipped to 0..1."""

    function: Literal["linear"]
    worst: FiniteFloat
    best: FiniteFloat

    @model_validator(mode="after")
    def _distinct(self) -> LinearValue:
        if self.worst == self.best:
            msg = f"linear value function needs worst != best (both {self.worst!r})"
            raise ValueError(msg)
        return self


class MinMaxValue(_Model):
    """Min-max over the candidates still in the ranking, oriented by the criterion's ``better``."""

    function: Literal["minmax"]


class PiecewiseValue(_Model):
    """Piecewise-linear through ``points`` ``[[x, value], ...]`` (x increasing), flat outside."""

    function: Literal["piecewise"]
    points: tuple[tuple[FiniteFloat, Annotated[float, Field(ge=0, le=1)]], ...] = Field(
        min_length=2
    )

    @field_validator("points")
    @classmethod
    def _increasing(
        cls, points: tuple[tuple[float, float], ...]
    ) -> tuple[tuple[float, float], ...]:
        xs = [p[0] for p in points]
        if any(b <= a for a, b in itertools.pairwise(xs)):
            msg = f"piecewise points need strictly increasing x, got {xs!r}"
            raise ValueError(msg)
        return points


class StepValue(_Model):
    """Step function: ``values[i]`` for ``thresholds[i-1] <= x < thresholds[i]``."""

    function: Literal["step"]
    thresholds: tuple[FiniteFloat, ...] = Field(min_length=1)
    values: tuple[Annotated[float, Field(ge=0, le=1)], ...]

    @model_validator(mode="after")
    def _shapes(self) -> StepValue:
        t = list(self.thresholds)
        if any(b <= a for a, b in itertools.pairwise(t)):
            msg = f"step thresholds must be strictly increasing, got {t!r}"
            raise ValueError(msg)
        if len(self.values) != len(t) + 1:
            msg = (
                f"step needs len(values) == len(thresholds) + 1, got {len(self.values)} values "
                f"for {len(t)} thresholds"
            )
            raise ValueError(msg)
        return self


class LogisticValue(_Model):
    """Logistic curve: 0.5 at ``midpoint``; ``scale`` (raw units) sets the steepness."""

    function: Literal["logistic"]
    midpoint: FiniteFloat
    scale: float = Field(gt=0, allow_inf_nan=False)


class CategoricalValue(_Model):
    """Categorical mapping of text values to 0..1; ``default`` for unlisted (None: missing)."""

    function: Literal["categorical"]
    map: dict[str, Annotated[float, Field(ge=0, le=1)]] = Field(min_length=1)
    default: Annotated[float, Field(ge=0, le=1)] | None = None


ValueFunction = Annotated[
    LinearValue | MinMaxValue | PiecewiseValue | StepValue | LogisticValue | CategoricalValue,
    Field(discriminator="function"),
]
"""One of the value-function models, chosen by its ``function`` key."""


# ----------------------------------------------------------------------------------------------
# [[criteria]]


class Criterion(_Model):
    """One ``[[criteria]]`` entry: an attribute, its direction, value function and weight."""

    attribute: str
    name: str | None = Field(default=None, min_length=1)
    weight: float | None = Field(default=None, gt=0, allow_inf_nan=False)
    better: Better
    missing: CriterionMissing = CriterionMissing.WORST
    value: ValueFunction | None = None

    @model_validator(mode="after")
    def _consistent(self) -> Criterion:
        value = self.value
        if isinstance(value, LinearValue):
            says_higher = value.best > value.worst
            if says_higher != (self.better is Better.HIGHER):
                msg = (
                    f"criterion {self.key!r}: better = {self.better.value!r} contradicts linear "
                    f"worst = {value.worst!r}, best = {value.best!r}"
                )
                raise ValueError(msg)
        return self

    @property
    def key(self) -> str:
        """Return the criterion's name (its attribute key when no name was given)."""
        return self.name if self.name is not None else self.attribute


# ----------------------------------------------------------------------------------------------
# [scoring]


class AhpSection(_Model):
    """The ``[scoring.ahp]`` table: a pairwise comparison matrix over the criteria."""

    criteria: tuple[str, ...] = Field(min_length=1)
    matrix: tuple[tuple[Annotated[float, Field(gt=0, allow_inf_nan=False)], ...], ...]

    @model_validator(mode="after")
    def _square_reciprocal(self) -> AhpSection:
        n = len(self.criteria)
        if len(self.matrix) != n or any(len(row) != n for row in self.matrix):
            shape = [len(row) for row in self.matrix]
            msg = f"ahp matrix must be {n}x{n} (one row and column per criterion), got rows {shape}"
            raise ValueError(msg)
        for i in range(n):
            for j in range(i, n):
                product = self.matrix[i][j] * self.matrix[j][i]
                if not math.isclose(product, 1.0, rel_tol=AHP_RECIPROCAL_RTOL):
                    msg = (
                        f"ahp matrix is not reciprocal at [{i}][{j}] = {self.matrix[i][j]!r} and "
                        f"[{j}][{i}] = {self.matrix[j][i]!r}; expected a_ij * a_ji = 1"
                    )
                    raise ValueError(msg)
        return self


class SensitivitySection(_Model):
    """The ``[scoring.sensitivity]`` table: Monte Carlo over weights and attributes."""

    samples: int = Field(default=0, ge=0, le=1_000_000)
    concentration: float = Field(default=50.0, gt=0, allow_inf_nan=False)
    top_k: int = Field(default=5, ge=1)
    attribute_noise: dict[str, Annotated[float, Field(ge=0, allow_inf_nan=False)]] = Field(
        default_factory=dict
    )
    use_risk_uncertainty: bool = True


class ScoringSection(_Model):
    """The ``[scoring]`` table: aggregation method, weights method and sensitivity."""

    method: AggregationMethod = AggregationMethod.WSM
    weights: WeightsMethod = WeightsMethod.DIRECT
    ahp: AhpSection | None = None
    sensitivity: SensitivitySection = Field(default_factory=SensitivitySection)


# ----------------------------------------------------------------------------------------------
# [output]


class OutputSection(_Model):
    """The ``[output]`` table: where and what ``siting study run`` writes."""

    dir: str = Field(default="results", min_length=1)
    top_n_reports: int = Field(default=10, ge=0)
    map_overlays: tuple[str, ...] = ()
    formats: tuple[OutputFormat, ...] = (OutputFormat.GPKG, OutputFormat.GEOJSON, OutputFormat.CSV)


# ----------------------------------------------------------------------------------------------
# Attribute keys


@lru_cache(maxsize=1)
def _layer_attribute_keys() -> tuple[frozenset[str], dict[str, str]]:
    """Return known ``layer.attribute`` keys and, per unavailable layer, why (no data read)."""
    from layers.registry import BUILTIN_LAYERS, layer_attributes

    keys: set[str] = set()
    unavailable: dict[str, str] = {}
    for name in BUILTIN_LAYERS:
        try:
            attributes = layer_attributes(name)
        except ImportError as err:
            unavailable[name] = f"layer module 'layers.{name}' cannot be imported ({err})"
            continue
        keys.update(f"{name}.{attr}" for attr in attributes)
    return frozenset(keys), unavailable


def _risk_model_names() -> tuple[str, ...]:
    """Return risk model names from ``risk_models.registry`` or the planned list."""
    try:
        from risk_models.registry import RISK_MODELS
    except ImportError:
        return PLANNED_RISK_MODELS
    return tuple(sorted(RISK_MODELS))


def check_attribute_key(key: str) -> None:
    """Raise ``ValueError`` when ``key`` cannot name an attribute.

    Accepted: ``site.<column>`` (checked against the candidates at run time), ``risk.<model>``,
    ``cost.<name>`` from :data:`COST_ATTRIBUTES`, and ``layer.attribute`` of a built-in layer.

    Raises
    ------
    ValueError
        Naming the key and the allowed forms or keys.

    >>> check_attribute_key("site.land_price")
    >>> check_attribute_key("cost.nonsense")
    Traceback (most recent call last):
    ...
    ValueError: unknown attribute 'cost.nonsense'; cost attributes are ...
    """
    prefix, dot, rest = key.partition(".")
    if not dot or not prefix or not rest:
        msg = (
            f"attribute key {key!r} is not 'layer.attribute'; expected e.g. "
            "'power.price_eur_per_mwh', 'site.<column>', 'risk.<model>' or 'cost.<name>'"
        )
        raise ValueError(msg)
    if prefix == "site":
        return
    if prefix == "cost":
        if key not in COST_ATTRIBUTES:
            msg = f"unknown attribute {key!r}; cost attributes are {', '.join(COST_ATTRIBUTES)}"
            raise ValueError(msg)
        return
    if prefix == "risk":
        names = _risk_model_names()
        if rest not in names:
            msg = f"unknown risk model {key!r}; expected risk.<model> with model one of {names}"
            raise ValueError(msg)
        return
    from layers.registry import BUILTIN_LAYERS

    known, unavailable = _layer_attribute_keys()
    if key in known:
        return
    if prefix in unavailable:
        msg = f"unknown attribute {key!r}: {unavailable[prefix]}"
        raise ValueError(msg)
    if prefix in BUILTIN_LAYERS:
        options = sorted(k for k in known if k.startswith(prefix + "."))
        msg = f"unknown attribute {key!r}; layer {prefix!r} has {', '.join(options)}"
        raise ValueError(msg)
    msg = (
        f"unknown layer {prefix!r} in attribute {key!r}; expected one of "
        f"{', '.join((*BUILTIN_LAYERS, 'site', 'risk', 'cost'))}"
    )
    raise ValueError(msg)


# ----------------------------------------------------------------------------------------------
# The study


class Study(_Model):
    """A whole study file; see ``docs/study-format.md`` for every key.

    Relative paths (``candidates.file``, ``output.dir``, ``layers.paths`` values) are relative to
    the study file; :func:`load_study` resolves them with :meth:`resolve_paths`.
    """

    study: StudySection
    candidates: CandidatesSection | None = None
    layers: LayersSection = Field(default_factory=LayersSection)
    risk: dict[str, dict[str, Any]] = Field(default_factory=dict)  # Any: model keyword args
    constraints: tuple[Constraint, ...] = ()
    criteria: tuple[Criterion, ...]
    scoring: ScoringSection = Field(default_factory=ScoringSection)
    output: OutputSection = Field(default_factory=OutputSection)

    @field_validator("criteria")
    @classmethod
    def _some_criteria(cls, criteria: tuple[Criterion, ...]) -> tuple[Criterion, ...]:
        if not criteria:
            msg = "a study needs at least one [[criteria]] entry"
            raise ValueError(msg)
        return criteria

    @model_validator(mode="after")
    def _cross_checks(self) -> Study:
        errors: list[str] = []
        models = _risk_model_names()
        for name in self.risk:
            if name not in models:
                errors.append(f"risk.{name}: unknown risk model {name!r}; expected one of {models}")
        for i, constraint in enumerate(self.constraints):
            try:
                check_attribute_key(constraint.attribute)
            except ValueError as err:
                errors.append(f"constraints[{i}].attribute: {err}")
        for i, criterion in enumerate(self.criteria):
            try:
                check_attribute_key(criterion.attribute)
            except ValueError as err:
                errors.append(f"criteria[{i}].attribute: {err}")
        names = [c.key for c in self.criteria]
        duplicates = sorted({n for n in names if names.count(n) > 1})
        if duplicates:
            errors.append(f"criteria: duplicate criterion names {duplicates!r}; set 'name'")
        errors.extend(self._weight_errors(names))
        for key in self.scoring.sensitivity.attribute_noise:
            try:
                check_attribute_key(key)
            except ValueError as err:
                errors.append(f"scoring.sensitivity.attribute_noise: {err}")
        if errors:
            raise ValueError("; ".join(errors))
        return self

    def _weight_errors(self, names: list[str]) -> list[str]:
        method = self.scoring.weights
        errors: list[str] = []
        if method is WeightsMethod.DIRECT:
            if self.scoring.ahp is not None:
                errors.append("scoring.ahp is given but scoring.weights = 'direct'; set 'ahp'")
            return errors
        with_weight = [c.key for c in self.criteria if c.weight is not None]
        if with_weight:
            errors.append(
                f"criteria {with_weight!r} set 'weight' but scoring.weights = {method.value!r} "
                "derives the weights; remove 'weight' or use weights = 'direct'"
            )
        if method is WeightsMethod.AHP:
            if self.scoring.ahp is None:
                errors.append("scoring.weights = 'ahp' needs a [scoring.ahp] table")
            elif sorted(self.scoring.ahp.criteria) != sorted(names):
                errors.append(
                    f"scoring.ahp.criteria {list(self.scoring.ahp.criteria)!r} must name every "
                    f"criterion exactly once; criteria are {names!r}"
                )
        elif self.scoring.ahp is not None:
            errors.append(f"scoring.ahp is given but scoring.weights = {method.value!r}")
        return errors

    @property
    def criterion_names(self) -> tuple[str, ...]:
        """Return the criterion names in study order."""
        return tuple(c.key for c in self.criteria)

    def criterion_weights(self) -> dict[str, float]:
        """Return the direct relative weights (unset weights count 1), not normalised."""
        return {c.key: (1.0 if c.weight is None else c.weight) for c in self.criteria}

    def resolve_paths(self, base_dir: Path) -> Study:
        """Return a copy with relative paths made absolute against ``base_dir`` (no file opened).

        Parameters
        ----------
        base_dir
            Folder of the study file.
        """
        base = Path(base_dir)

        def absolute(path: str) -> str:
            p = Path(path).expanduser()
            return str(p if p.is_absolute() else (base / p))

        update: dict[str, Any] = {  # Any: pydantic model_copy update values
            "output": self.output.model_copy(update={"dir": absolute(self.output.dir)}),
            "layers": self.layers.model_copy(
                update={"paths": {k: absolute(v) for k, v in self.layers.paths.items()}}
            ),
        }
        if self.candidates is not None and self.candidates.file is not None:
            update["candidates"] = self.candidates.model_copy(
                update={"file": absolute(self.candidates.file)}
            )
        return self.model_copy(update=update)


# ----------------------------------------------------------------------------------------------
# Loading and error messages


def _model_of(annotation: Any) -> list[type[BaseModel]]:  # Any: a typing annotation
    """Return the BaseModel classes an annotation may hold (unwrapping Optional, tuple, dict)."""
    origin = typing.get_origin(annotation)
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return [annotation]
    if origin is Annotated:
        return _model_of(typing.get_args(annotation)[0])
    if origin in (typing.Union, types.UnionType, tuple, list, dict):
        found: list[type[BaseModel]] = []
        for arg in typing.get_args(annotation):
            found.extend(_model_of(arg))
        return found
    return []


def _allowed_keys(loc: tuple[int | str, ...]) -> list[str] | None:
    """Return the keys allowed in the table at ``loc`` (the parent of an unknown key)."""
    models: list[type[BaseModel]] = [Study]
    for part in loc:
        if isinstance(part, int):
            continue
        nxt: list[type[BaseModel]] = []
        for model in models:
            for fname, finfo in model.model_fields.items():
                if part in (fname, finfo.alias):
                    nxt.extend(_model_of(finfo.annotation))
            tag = model.model_fields.get("function")
            if tag is not None and part in typing.get_args(tag.annotation):
                nxt.append(model)
        if not nxt:
            return None
        models = nxt
    if len(models) != 1:
        return None
    return [f.alias or name for name, f in models[0].model_fields.items()]


def _format_loc(loc: tuple[int | str, ...]) -> str:
    text = ""
    for part in loc:
        if isinstance(part, int):
            text += f"[{part}]"
        elif part in ValueFunctionName.__members__.values() and text.endswith(".value"):
            continue
        else:
            text += ("." if text else "") + str(part)
    return text or "(top level)"


def _format_errors(err: ValidationError) -> str:
    lines: list[str] = []
    for item in err.errors(include_url=False):
        loc = tuple(item["loc"])
        where = _format_loc(loc)
        if item["type"] == "extra_forbidden":
            allowed = _allowed_keys(loc[:-1])
            options = f"; allowed keys: {', '.join(allowed)}" if allowed else ""
            lines.append(f"{where}: unknown key {loc[-1]!r}{options}")
            continue
        message = str(item["msg"]).removeprefix("Value error, ")
        if not loc:
            lines.append(message)
        elif item["type"] == "missing" or isinstance(item["input"], dict | list):
            lines.append(f"{where}: {message}")
        else:
            lines.append(f"{where}: {message} (got {item['input']!r})")
    return "\n".join(lines)


def parse_study(data: Mapping[str, Any], *, source: str = "study") -> Study:  # Any: TOML values
    """Validate a study given as a mapping (parsed TOML or a JSON body).

    Parameters
    ----------
    data
        The study's tables, as ``tomllib`` returns them.
    source
        Name used in error messages (the file path).

    Returns
    -------
    The validated, frozen study.

    Raises
    ------
    ConfigError
        Naming each bad key path, the bad value and the allowed options, one line per problem.
    """
    try:
        return Study.model_validate(dict(data))
    except ValidationError as err:
        count = err.error_count()
        head = f"invalid study {source}: {count} problem{'s' if count > 1 else ''}"
        msg = f"{head}\n{_format_errors(err)}"
        raise ConfigError(msg) from err


def load_study(path: str | Path) -> Study:
    """Read and validate a study TOML file; relative paths become relative to its folder.

    Parameters
    ----------
    path
        The study file (``.toml``).

    Returns
    -------
    The validated study with resolved paths.

    Raises
    ------
    ConfigError
        If the file cannot be read, is not valid TOML (with line and column) or fails validation.
    """
    p = Path(path)
    try:
        text = p.read_text(encoding="utf-8")
    except OSError as err:
        msg = f"cannot read study file {str(p)!r}: {err.strerror or err}"
        raise ConfigError(msg) from err
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as err:
        msg = f"study file {str(p)!r} is not valid TOML: {err}"
        raise ConfigError(msg) from err
    return parse_study(data, source=repr(str(p))).resolve_paths(p.resolve().parent)
