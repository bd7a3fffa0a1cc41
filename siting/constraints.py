"""Hard constraints: exclude candidates whose attributes fail a rule, recording every reason.

A constraint holds one or more tests on one attribute (``min``, ``max``, ``in``, ``not_in``,
``equals``); a candidate fails it when any test fails. A missing value (NaN/None) follows the
constraint's ``missing`` policy: ``exclude`` (default) or ``keep``. Candidates named in
``force_include`` are never excluded; their would-be reasons are kept, prefixed
``"force_include overrides: "``.

>>> import pandas as pd
>>> from siting.study import Constraint
>>> table = pd.DataFrame({"site.price": [30.0, 80.0, float("nan")]})
>>> rule = Constraint(attribute="site.price", max=50)
>>> is_excluded, reasons = apply_constraints(
...     table, [rule], site_ids=["a", "b", "c"], force_include=()
... )
>>> is_excluded.tolist(), reasons
([False, True, True], [[], ['site.price above max 50'], ['site.price missing (no data)']])
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from siting.errors import ConfigError
from siting.study import Constraint, ConstraintMissing
from siting.types import BoolArray, FloatArray

__all__ = ["FORCE_INCLUDE_PREFIX", "apply_constraints", "describe_constraint"]

FORCE_INCLUDE_PREFIX = "force_include overrides: "


def _fmt(value: object) -> str:
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def describe_constraint(constraint: Constraint) -> list[tuple[str, str]]:
    """Return ``(test, reason text)`` per test of a constraint (its own ``reason`` if given).

    >>> from siting.study import Constraint
    >>> describe_constraint(Constraint(attribute="a.b", min=1, not_in=["x"]))
    [('min', 'a.b below min 1'), ('not_in', "a.b in excluded ['x']")]
    """
    key = constraint.attribute
    parts: list[tuple[str, str]] = []
    if constraint.min is not None:
        parts.append(("min", f"{key} below min {_fmt(constraint.min)}"))
    if constraint.max is not None:
        parts.append(("max", f"{key} above max {_fmt(constraint.max)}"))
    if constraint.in_ is not None:
        parts.append(("in", f"{key} not in {[_fmt(v) for v in constraint.in_]!r}"))
    if constraint.not_in is not None:
        parts.append(("not_in", f"{key} in excluded {[_fmt(v) for v in constraint.not_in]!r}"))
    if constraint.equals is not None:
        parts.append(("equals", f"{key} not equal to {_fmt(constraint.equals)!r}"))
    if constraint.reason is not None:
        return [(test, constraint.reason) for test, _ in parts]
    return parts


def _numeric(column: pd.Series, key: str, test: str) -> FloatArray:
    try:
        values: FloatArray = pd.to_numeric(column, errors="raise").to_numpy(
            dtype=np.float64, na_value=np.nan
        )
    except (ValueError, TypeError) as err:
        msg = f"constraint {test!r} on {key!r} needs numbers, got values like {column.iloc[0]!r}"
        raise ConfigError(msg) from err
    return values


def _isin(column: pd.Series, options: Sequence[object]) -> BoolArray:
    found: BoolArray = column.isin(list(options)).to_numpy(dtype=bool)
    return found


def _failures(column: pd.Series, constraint: Constraint, test: str) -> BoolArray:
    key = constraint.attribute
    if test in ("min", "max"):
        bound = constraint.min if test == "min" else constraint.max
        if bound is None:
            msg = f"constraint on {key!r} has no {test!r} bound to test"
            raise ConfigError(msg)
        values = _numeric(column, key, test)
        fails: BoolArray = values < bound if test == "min" else values > bound
        return fails
    if test == "in":
        return ~_isin(column, constraint.in_ or ())
    if test == "not_in":
        return _isin(column, constraint.not_in or ())
    return ~_isin(column, [constraint.equals])


def apply_constraints(
    attributes: pd.DataFrame,
    constraints: Sequence[Constraint],
    *,
    site_ids: Sequence[str] | pd.Series,
    force_include: Sequence[str],
) -> tuple[BoolArray, list[list[str]]]:
    """Apply hard constraints to an attributes table.

    Parameters
    ----------
    attributes
        One row per candidate, columns ``layer.attribute``.
    constraints
        The study's constraints, applied in order (all are evaluated; reasons accumulate).
    site_ids
        Candidate ids, aligned with the rows of ``attributes``.
    force_include
        Site ids that are never excluded.

    Returns
    -------
    is_excluded
        True where the candidate fails at least one constraint (and is not force-included).
    reasons
        Per candidate, every reason in words (empty when it passes).

    Raises
    ------
    ConfigError
        If a constraint's attribute is not a column, a numeric test meets text, or a
        ``force_include`` id is not a candidate.
    """
    n = len(attributes)
    ids = np.asarray(site_ids, dtype=object)
    if ids.shape[0] != n:
        msg = f"site_ids has {ids.shape[0]} entries for {n} attribute rows"
        raise ConfigError(msg)
    is_excluded = np.zeros(n, dtype=bool)
    reasons: list[list[str]] = [[] for _ in range(n)]
    for constraint in constraints:
        key = constraint.attribute
        if key not in attributes.columns:
            msg = (
                f"constraint attribute {key!r} is not in the attributes table; "
                f"available: {', '.join(map(str, attributes.columns))}"
            )
            raise ConfigError(msg)
        column = attributes[key]
        is_missing = column.isna().to_numpy(dtype=bool)
        if constraint.missing is ConstraintMissing.EXCLUDE:
            text = f"{key} missing (no data)"
            for idx in np.flatnonzero(is_missing):
                if text not in reasons[idx]:
                    reasons[idx].append(text)
            is_excluded |= is_missing
        for test, text in describe_constraint(constraint):
            fails = _failures(column, constraint, test) & ~is_missing
            for idx in np.flatnonzero(fails):
                if text not in reasons[idx]:
                    reasons[idx].append(text)
            is_excluded |= fails
    if force_include:
        forced = set(force_include)
        unknown = sorted(forced.difference(ids.tolist()))
        if unknown:
            msg = f"force_include names unknown site_id(s) {unknown!r}"
            raise ConfigError(msg)
        is_forced = np.isin(ids, list(forced))
        for idx in np.flatnonzero(is_forced & is_excluded):
            reasons[idx] = [FORCE_INCLUDE_PREFIX + r for r in reasons[idx]]
        is_excluded &= ~is_forced
    return is_excluded, reasons
