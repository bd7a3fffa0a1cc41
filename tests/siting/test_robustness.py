"""Tests of the Monte Carlo and first-place flips."""

from __future__ import annotations

import numpy as np
import pytest

from siting.aggregation import topsis, wpm, wsm
from siting.robustness import _RankSummary, first_place_flips, make_scorer, monte_carlo

V = np.array([[0.9, 0.2, 0.5], [0.4, 0.9, 0.6], [0.1, 0.1, 0.1], [0.6, 0.5, 0.9]])
W = np.array([0.5, 0.3, 0.2])
BENEFIT = np.ones(3, bool)


@pytest.mark.parametrize("method", ["wsm", "wpm", "topsis"])
def test_scorer_matches_aggregation(method: str) -> None:
    weights = np.array([[0.5, 0.3, 0.2], [0.1, 0.1, 0.8]])
    scores = make_scorer(V, method=method, is_benefit=BENEFIT)(weights)
    for k, w in enumerate(weights):
        expected = {"wsm": wsm(V, w), "wpm": wpm(V, w), "topsis": topsis(V, w, is_benefit=BENEFIT)}
        np.testing.assert_allclose(scores[:, k], expected[method], atol=1e-12)


def test_monte_carlo_seeded_and_sane() -> None:
    kwargs = dict(method="wsm", is_benefit=BENEFIT, samples=500, concentration=50.0, top_k=1)
    a = monte_carlo(V, W, rng=np.random.default_rng(7), **kwargs)
    b = monte_carlo(V, W, rng=np.random.default_rng(7), **kwargs)
    np.testing.assert_array_equal(a.p_top_k, b.p_top_k)
    # candidate 2 is dominated by every other: never first, always last
    assert a.p_top_k[2] == 0.0
    assert a.rank_p05[2] == 4.0 and a.rank_p95[2] == 4.0
    # probabilities of rank 1 add to >= 1 (ties may share it)
    assert a.p_top_k.sum() >= 1.0
    assert np.all(a.rank_p05 <= a.rank_p95)


def test_monte_carlo_high_concentration_reproduces_ranking() -> None:
    # WSM at W: 0.61, 0.59, 0.11, 0.63 -> ranks 2, 3, 4, 1; huge concentration keeps them
    mc = monte_carlo(
        V,
        W,
        method="wsm",
        is_benefit=BENEFIT,
        samples=200,
        concentration=1e7,
        top_k=1,
        rng=np.random.default_rng(1),
    )
    np.testing.assert_array_equal(mc.rank_p05, [2, 3, 4, 1])
    np.testing.assert_array_equal(mc.p_top_k, [0, 0, 0, 1])


def test_monte_carlo_perturb_is_used() -> None:
    calls = []

    def perturb(rng: np.random.Generator) -> np.ndarray:
        calls.append(1)
        return V[::-1].copy()

    mc = monte_carlo(
        V,
        W,
        method="wsm",
        is_benefit=BENEFIT,
        samples=5,
        concentration=1e7,
        top_k=1,
        rng=np.random.default_rng(0),
        perturb=perturb,
    )
    assert len(calls) == 5
    np.testing.assert_array_equal(mc.p_top_k, [1, 0, 0, 0])  # reversed rows: row 0 is old row 3


def test_flips_wsm_hand_computed() -> None:
    """Two candidates, two criteria, WSM. A = (1, 0.2), B = (0.4, 1), weights (0.6, 0.4).

    Scores: A = 0.6 + 0.08 = 0.68, B = 0.24 + 0.4 = 0.64. With weight t on criterion 1 (1 - t on
    criterion 2): A(t) = t + 0.2 (1 - t), B(t) = 0.4 t + (1 - t); equal at 0.8 t + 0.2 =
    1 - 0.6 t -> t = 4/7 = 0.571429, a change of -0.028571. Raising criterion 1 never flips.
    """
    m = np.array([[1.0, 0.2], [0.4, 1.0]])
    flips = first_place_flips(
        m,
        np.array([0.6, 0.4]),
        method="wsm",
        is_benefit=np.ones(2, bool),
        names=["c1", "c2"],
        site_ids=["A", "B"],
    )
    c1 = flips[0]
    assert c1["leader"] == "A"
    assert c1["increase"] is None
    assert c1["decrease"]["new_leader"] == "B"
    assert c1["smallest_change"] == pytest.approx(4 / 7 - 0.6, abs=2e-6)
    # criterion 2 raised from 0.4 to 3/7 flips it: +0.028571
    assert flips[1]["smallest_change"] == pytest.approx(3 / 7 - 0.4, abs=2e-6)


def test_flips_dominant_leader_never_flips() -> None:
    m = np.array([[1.0, 1.0], [0.5, 0.2]])
    for method in ("wsm", "wpm", "topsis"):
        flips = first_place_flips(
            m,
            np.array([0.5, 0.5]),
            method=method,
            is_benefit=np.ones(2, bool),
            names=["a", "b"],
            site_ids=["x", "y"],
        )
        assert all(f["smallest_change"] is None for f in flips)


def test_flips_existing_tie() -> None:
    m = np.array([[1.0, 0.0], [0.0, 1.0]])
    flips = first_place_flips(
        m,
        np.array([0.5, 0.5]),
        method="wsm",
        is_benefit=np.ones(2, bool),
        names=["a", "b"],
        site_ids=["x", "y"],
    )
    assert flips[0]["smallest_change"] == 0.0


def test_flips_wpm_hand_computed() -> None:
    """WPM, A = (1, 0.2), B = (0.4, 1), weights (0.6, 0.4).

    ln A = 0.4 ln 0.2 = -0.643775, ln B = 0.6 ln 0.4 = -0.549774: B leads. With weight t on
    criterion 1: ln A = (1 - t) ln 0.2, ln B = t ln 0.4, equal at
    t = ln 0.2 / (ln 0.2 + ln 0.4) = 1.609438 / 2.525729 = 0.637217: a change of +0.037217.
    """
    m = np.array([[1.0, 0.2], [0.4, 1.0]])
    flips = first_place_flips(
        m,
        np.array([0.6, 0.4]),
        method="wpm",
        is_benefit=np.ones(2, bool),
        names=["c1", "c2"],
        site_ids=["A", "B"],
    )
    assert flips[0]["leader"] == "B"
    assert flips[0]["increase"]["new_leader"] == "A"
    assert flips[0]["smallest_change"] == pytest.approx(0.037217, abs=2e-6)
    assert flips[0]["decrease"] is None


@pytest.mark.parametrize("samples", [1, 2, 19, 20, 21, 57, 100, 999, 1000])
@pytest.mark.parametrize("buffer", [1, 7, 64, 10**9])
def test_rank_summary_streams_exactly_the_full_percentiles(samples: int, buffer: int) -> None:
    # Oracle: numpy over the whole rank array. Ranks in few values so ties are everywhere.
    rng = np.random.default_rng(samples * 31 + buffer)
    n = 13
    ranks = rng.integers(1, 9, size=(n, samples)).astype(np.int32)
    summary = _RankSummary(n, samples, top_k=3)
    summary.width = max(1, min(samples, buffer))  # force merges (the production width is large)
    summary.buffer = np.empty((n, summary.width), dtype=np.int32)
    start = 0
    while start < samples:  # blocks of uneven width, as the scorer delivers them
        stop = min(samples, start + int(rng.integers(1, 12)))
        summary.add(ranks[:, start:stop])
        start = stop
    p_top_k, p05, p95 = summary.result()
    expected = np.percentile(ranks, [5.0, 95.0], axis=1, method="inverted_cdf")
    np.testing.assert_array_equal(p05, expected[0])
    np.testing.assert_array_equal(p95, expected[1])
    np.testing.assert_array_equal(p_top_k, (ranks <= 3).mean(axis=1))


def test_monte_carlo_is_the_same_with_a_small_rank_buffer(monkeypatch: pytest.MonkeyPatch) -> None:
    rng = np.random.default_rng(5)
    values = rng.random((300, 4))
    kwargs = dict(
        method="topsis",
        is_benefit=np.array([True, True, False, True]),
        samples=240,
        concentration=20.0,
        top_k=10,
    )
    full = monte_carlo(values, np.full(4, 0.25), rng=np.random.default_rng(3), **kwargs)
    monkeypatch.setattr("siting.robustness.MAX_RANK_BUFFER", 300 * 30)  # 30 samples per merge
    monkeypatch.setattr("siting.robustness.MAX_BLOCK_ELEMENTS", 300 * 7)  # blocks of 7 samples
    streamed = monte_carlo(values, np.full(4, 0.25), rng=np.random.default_rng(3), **kwargs)
    np.testing.assert_array_equal(streamed.p_top_k, full.p_top_k)
    np.testing.assert_array_equal(streamed.rank_p05, full.rank_p05)
    np.testing.assert_array_equal(streamed.rank_p95, full.rank_p95)
    assert len(np.unique(full.rank_p95 - full.rank_p05)) > 5  # the ranks really do move
