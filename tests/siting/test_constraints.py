"""Tests of hard constraints."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from siting.constraints import apply_constraints
from siting.errors import ConfigError
from siting.study import Constraint

TABLE = pd.DataFrame(
    {
        "site.price": [30.0, 80.0, np.nan, 50.0],
        "site.regime": ["eea", "third_country", "adequacy", None],
        "site.grid_ok": [True, False, True, True],
    }
)
IDS = ["a", "b", "c", "d"]


def run(*rules: Constraint, force: tuple[str, ...] = ()) -> tuple[list[bool], list[list[str]]]:
    excluded, reasons = apply_constraints(TABLE, rules, site_ids=IDS, force_include=force)
    return excluded.tolist(), reasons


def test_min_max_and_missing_exclude() -> None:
    excluded, reasons = run(Constraint(attribute="site.price", min=40, max=60))
    assert excluded == [True, True, True, False]
    assert reasons == [
        ["site.price below min 40"],
        ["site.price above max 60"],
        ["site.price missing (no data)"],
        [],
    ]


def test_missing_keep() -> None:
    excluded, _ = run(Constraint(attribute="site.price", max=60, missing="keep"))
    assert excluded == [False, True, False, False]


def test_in_not_in_equals_and_every_reason() -> None:
    excluded, reasons = run(
        Constraint(attribute="site.regime", **{"in": ["eea", "adequacy"]}, missing="keep"),
        Constraint(attribute="site.grid_ok", equals=True),
        Constraint(attribute="site.price", max=60, reason="power too expensive", missing="keep"),
    )
    assert excluded == [False, True, False, False]
    assert reasons[1] == [
        "site.regime not in ['eea', 'adequacy']",
        "site.grid_ok not equal to 'True'",
        "power too expensive",
    ]
    excluded, reasons = run(Constraint(attribute="site.regime", not_in=["third_country"]))
    assert excluded == [False, True, False, True]
    assert reasons[3] == ["site.regime missing (no data)"]


def test_force_include() -> None:
    excluded, reasons = run(Constraint(attribute="site.price", max=60), force=("b",))
    assert excluded == [False, False, True, False]
    assert reasons[1] == ["force_include overrides: site.price above max 60"]


def test_idempotent() -> None:
    rule = Constraint(attribute="site.price", max=60)
    once = apply_constraints(TABLE, [rule], site_ids=IDS, force_include=())
    twice = apply_constraints(TABLE, [rule, rule], site_ids=IDS, force_include=())
    assert once[0].tolist() == twice[0].tolist()
    assert once[1] == twice[1]


def test_errors() -> None:
    with pytest.raises(ConfigError, match=r"constraint attribute 'site.nope' is not in"):
        run(Constraint(attribute="site.nope", max=1))
    with pytest.raises(ConfigError, match=r"'min' on 'site.regime' needs numbers"):
        run(Constraint(attribute="site.regime", min=1))
    with pytest.raises(ConfigError, match=r"force_include names unknown site_id\(s\) \['zz'\]"):
        run(Constraint(attribute="site.price", max=60), force=("zz",))
