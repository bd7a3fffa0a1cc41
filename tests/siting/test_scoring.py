"""Tests of the scoring engine on site.* attributes (no layers)."""

from __future__ import annotations

import json
from typing import Any

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from siting.errors import ConfigError, SitingWarning
from siting.scoring import score
from siting.study import parse_study

TABLE = pd.DataFrame(
    {
        "site.price": [40.0, 70.0, 100.0, np.nan],
        "site.quote": [90.0, 60.0, 30.0, 50.0],
        "site.regime": ["eea", "adequacy", "third_country", "eea"],
    }
)
IDS = ["A", "B", "C", "D"]


def make(criteria: list[dict[str, Any]], **extra: Any) -> Any:
    return parse_study(
        {"study": {"name": "t", "it_load_mw": 10, "pue": 1.2}, "criteria": criteria, **extra}
    )


PRICE = {
    "attribute": "site.price",
    "name": "price",
    "better": "lower",
    "weight": 1,
    "value": {"function": "linear", "worst": 100, "best": 40},
}
QUOTE = {"attribute": "site.quote", "name": "quote", "better": "lower", "weight": 3}


def test_wsm_hand_computed() -> None:
    # price linear 100->0, 40->1: A 1, B 0.5, C 0, D missing -> worst 0
    # quote min-max lower over 30..90: A 0, B 0.5, C 1, D (90-50)/60 = 0.666667
    # weights 0.25, 0.75: A 0.25, B 0.5, C 0.75, D 0.5
    result = score(TABLE, make([PRICE, QUOTE]), site_ids=IDS)
    t = result.table
    np.testing.assert_allclose(t["score"], [0.25, 0.5, 0.75, 0.5])
    assert t["rank"].tolist() == [4, 2, 1, 2]
    np.testing.assert_allclose(t["value.price"], [1.0, 0.5, 0.0, 0.0])
    np.testing.assert_allclose(t["contrib.price"] + t["contrib.quote"], t["score"])
    assert result.metadata["weights"] == {"price": 0.25, "quote": 0.75}
    assert "criterion 'price': 1 missing value(s) filled (worst)" in result.metadata["warnings"]
    json.dumps(result.metadata)  # serialisable


def test_wpm_hand_computed() -> None:
    # values as in WSM with price 'mean' fill: D price = mean(1, 0.5, 0) = 0.5
    # A: 1^0.25 * 0^0.75 = 0; B: 0.5; C: 0; D: 0.5^0.25 * 0.666667^0.75 = 0.840896 * 0.737788
    price = {**PRICE, "missing": "mean"}
    result = score(TABLE, make([price, QUOTE], scoring={"method": "wpm"}), site_ids=IDS)
    np.testing.assert_allclose(result.table["score"], [0.0, 0.5, 0.0, 0.620403], atol=1e-6)
    assert result.table["rank"].tolist() == [3, 2, 3, 1]


def test_missing_exclude_and_constraints() -> None:
    price = {**PRICE, "missing": "exclude"}
    study = make(
        [price, QUOTE], constraints=[{"attribute": "site.regime", "not_in": ["third_country"]}]
    )
    t = score(TABLE, study, site_ids=IDS).table
    assert t["excluded"].tolist() == [False, False, True, True]
    assert t["rank"].isna().tolist() == [False, False, True, True]
    assert t["exclusion_reasons"][2] == ["site.regime in excluded ['third_country']"]
    assert t["exclusion_reasons"][3] == ["no value for criterion 'price' (site.price)"]
    # min-max of quote now spans the ranked A, B only (60..90): A 0, B 1
    np.testing.assert_allclose(t["value.quote"][:2], [0.0, 1.0])
    assert np.isnan(t["score"][2])


def test_topsis_raw_and_categorical() -> None:
    regime = {
        "attribute": "site.regime",
        "name": "regime",
        "better": "higher",
        "weight": 1,
        "value": {"function": "categorical", "map": {"eea": 1, "adequacy": 0.8}, "default": 0},
    }
    quote = {**QUOTE, "weight": 1}
    t = score(TABLE, make([quote, regime], scoring={"method": "topsis"}), site_ids=IDS).table
    # quote raw (cost), regime values 1, 0.8, 0, 1; hand TOPSIS:
    # norms: quote sqrt(8100+3600+900+2500) = 122.882; regime sqrt(1+0.64+0+1) = 1.624808
    # weighted quote 0.5*x/122.882: .366205 .244137 .122068 .203447
    # weighted regime 0.5*x/1.624808: .307729 .246183 0 .307729
    # ideal (min quote, max regime) = (.122068, .307729); anti = (.366205, 0)
    # A: d+ .244137, d- .307729 -> .557616 ; C: d+ .307729 d- .244137 -> .442384
    # B: d+ sqrt(.122069^2+.061546^2)=.136706, d- sqrt(.122068^2+.246183^2)=.274785 -> .667779
    # D: d+ .081379, d- sqrt(.162758^2+.307729^2)=.348119 -> .810526
    # (arithmetic done with a calculator, 6 decimals)
    np.testing.assert_allclose(t["score"], [0.557616, 0.667779, 0.442384, 0.810526], atol=2e-6)
    # raw criterion reports its min-max position as value
    np.testing.assert_allclose(t["value.quote"], [0.0, 0.5, 1.0, 40 / 60])


def test_ahp_inconsistent_warns() -> None:
    a = {**PRICE, "weight": None}
    b = {**QUOTE, "weight": None}
    c = {"attribute": "site.quote", "name": "quote2", "better": "higher"}
    study = make(
        [a, b, c],
        scoring={
            "weights": "ahp",
            "ahp": {
                "criteria": ["price", "quote", "quote2"],
                "matrix": [[1, 9, 1 / 9], [1 / 9, 1, 9], [9, 1 / 9, 1]],
            },
        },
    )
    with pytest.warns(SitingWarning, match="AHP consistency ratio"):
        result = score(TABLE, study, site_ids=IDS)
    assert result.metadata["ahp"]["consistency_ratio"] > 0.1
    assert any("AHP consistency ratio" in w for w in result.metadata["warnings"])


def test_ahp_weights_follow_criteria_order() -> None:
    study = make(
        [{**PRICE, "weight": None}, {**QUOTE, "weight": None}],
        scoring={
            "weights": "ahp",
            "ahp": {"criteria": ["quote", "price"], "matrix": [[1, 3], [1 / 3, 1]]},
        },
    )
    result = score(TABLE, study, site_ids=IDS)
    assert result.metadata["weights"] == pytest.approx({"price": 0.25, "quote": 0.75})


def test_entropy_weights() -> None:
    study = make(
        [{**PRICE, "weight": None}, {**QUOTE, "weight": None}], scoring={"weights": "entropy"}
    )
    w = score(TABLE, study, site_ids=IDS).metadata["weights"]
    assert sum(w.values()) == pytest.approx(1.0)


def test_costs_as_criterion() -> None:
    table = TABLE.assign(**{"power.price_eur_per_mwh": [50.0, 60.0, 70.0, 80.0]})
    study = make([{"attribute": "cost.energy_eur_per_year", "better": "lower"}])
    t = score(table, study, site_ids=IDS).table
    # 10 MW * 1.2 * 8760 = 105,120 MWh; * 50 = 5,256,000 EUR
    assert t["cost.energy_eur_per_year"][0] == pytest.approx(5_256_000.0)
    assert t["rank"].tolist() == [1, 2, 3, 4]


def test_sensitivity_columns_and_noise() -> None:
    study = make(
        [PRICE, QUOTE],
        scoring={
            "sensitivity": {"samples": 300, "top_k": 1, "attribute_noise": {"site.quote": 0.2}}
        },
    )
    r1 = score(TABLE, study, site_ids=IDS)
    r2 = score(TABLE, study, site_ids=IDS)
    pd.testing.assert_frame_equal(r1.table, r2.table)
    t = r1.table
    assert {"p_top_k", "rank_p05", "rank_p95"} <= set(t.columns)
    assert t["p_top_k"].between(0, 1).all()
    assert r1.metadata["sensitivity"]["monte_carlo"]["relative_noise"] == {"quote": 0.2}
    flips = r1.metadata["sensitivity"]["first_place_flips"]
    assert [f["criterion"] for f in flips] == ["price", "quote"]
    # C leads with 0.75; raising price weight from 0.25 to t: C = 0.75 (1 - t)... flips exist
    assert flips[0]["leader"] == "C" and flips[0]["increase"] is not None


def test_risk_std_sampled() -> None:
    table = TABLE.assign(**{"risk.geopolitical": [0.1, 0.2, 0.3, 0.4]})
    study = make(
        [{"attribute": "risk.geopolitical", "better": "lower"}],
        scoring={"sensitivity": {"samples": 50, "top_k": 1}},
    )
    std = {"risk.geopolitical": pd.Series([0.3, 0.3, 0.3, 0.3])}
    result = score(table, study, site_ids=IDS, risk_std=std)
    assert result.metadata["sensitivity"]["monte_carlo"]["risk_std_sampled"] == [
        "risk.geopolitical"
    ]
    # without noise A (lowest risk) always leads; a std of 0.3 lets others lead sometimes
    assert 0.0 < result.table["p_top_k"].iloc[0] < 1.0


def test_run_time_errors() -> None:
    with pytest.raises(ConfigError, match=r"attribute 'site.nope' is not in the attributes"):
        score(TABLE, make([{"attribute": "site.nope", "better": "lower"}]), site_ids=IDS)
    with pytest.raises(ConfigError, match=r"holds text .*categorical"):
        score(TABLE, make([{"attribute": "site.regime", "better": "lower"}]), site_ids=IDS)


matrix = arrays(np.float64, (6, 3), elements=st.floats(0.0, 100.0))
raw_weights = arrays(np.float64, 3, elements=st.floats(0.1, 10.0))


def _frame(m: np.ndarray) -> pd.DataFrame:
    return pd.DataFrame({f"site.c{j}": m[:, j] for j in range(m.shape[1])})


def _study(w: np.ndarray, method: str, order: list[int], scale: float = 1.0) -> Any:
    crit = [
        {
            "attribute": f"site.c{j}",
            "better": "higher" if j != 1 else "lower",
            "weight": float(w[j] * scale),
        }
        for j in order
    ]
    return make(crit, scoring={"method": method})


@settings(max_examples=25, deadline=None)
@given(matrix, raw_weights, st.sampled_from(["wsm", "wpm", "topsis"]))
def test_engine_properties(m: np.ndarray, w: np.ndarray, method: str) -> None:
    ids = [f"s{i}" for i in range(6)]
    base = score(_frame(m), _study(w, method, [0, 1, 2]), site_ids=ids).table
    s = base["score"].to_numpy()
    assert np.all((s >= -1e-12) & (s <= 1 + 1e-12))
    permuted = score(_frame(m), _study(w, method, [2, 0, 1]), site_ids=ids).table
    np.testing.assert_allclose(permuted["score"], s, atol=1e-9)
    scaled = score(_frame(m), _study(w, method, [0, 1, 2], scale=7.5), site_ids=ids).table
    np.testing.assert_allclose(scaled["score"], s, atol=1e-9)
    # make s0 dominate s1 (higher on c0, c2; lower on c1): s0 never ranks below s1
    d = m.copy()
    d[0, [0, 2]] = np.maximum(m[0, [0, 2]], m[1, [0, 2]])
    d[0, 1] = min(m[0, 1], m[1, 1])
    ranks = score(_frame(d), _study(w, method, [0, 1, 2]), site_ids=ids).table["rank"]
    assert ranks[0] <= ranks[1]
