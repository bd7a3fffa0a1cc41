"""Robustness of a ranking: Monte Carlo over weights (and attributes), and first-place flips.

Monte Carlo draws weight vectors from a Dirichlet distribution with mean equal to the study's
weights and concentration ``c`` (``alpha = c * w``; larger ``c`` means tighter), optionally with a
freshly perturbed criterion matrix per sample, and reports per candidate the probability of
ranking in the top ``k`` and the 5th/95th percentile of its rank (observed ranks,
inverted-CDF percentiles). Ranks in a sample are "min" ranks: ties share the better rank.

"What flips first place": for each criterion, its weight is moved (the others rescaled to keep
their proportions and the sum 1) up towards 1 and down towards 0 until another candidate scores
at least as high as the current leader; the smallest such change is reported as a share of the
total weight. WSM scores are linear in the moved weight, so its flips are solved exactly. For WPM
and TOPSIS a coarse grid (10 steps per direction) locates the first change and bisection among
the candidates that beat the leader there refines it to 1e-6; this is exact for WPM
(log-linear), while for TOPSIS, whose scores are not linear in the weights, a flip that reverses
again within one grid step can be missed.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from siting.aggregation import TIE_TOLERANCE
from siting.study import AggregationMethod
from siting.types import BoolArray, FloatArray

__all__ = [
    "MonteCarloResult",
    "Scorer",
    "first_place_flips",
    "make_scorer",
    "monte_carlo",
]

FLIP_GRID_POINTS = 11
FLIP_TOLERANCE = 1e-6
SCORE_DECIMALS = 12
MAX_BLOCK_ELEMENTS = 8_000_000
"""Candidates x samples scored at once (bounds memory to ~64 MB per block of floats)."""
MAX_RANK_BUFFER = 32_000_000
"""Candidates x samples of ranks held before they are reduced (~128 MB of int32)."""


@dataclass(frozen=True)
class Scorer:
    """Scores of a fixed criterion matrix for many weight vectors at once.

    Call with ``weights`` of shape (g, m) and optional row indices; returns (rows, g) scores.
    """

    fn: Callable[[FloatArray, np.ndarray | None], FloatArray]

    def __call__(self, weights: FloatArray, rows: np.ndarray | None = None) -> FloatArray:
        """Return scores of ``rows`` (default all) for each weight vector (columns)."""
        return self.fn(np.atleast_2d(weights), rows)


def make_scorer(
    matrix: FloatArray, *, method: AggregationMethod | str, is_benefit: BoolArray
) -> Scorer:
    """Prepare a criterion matrix (complete rows, no NaN) for scoring under many weights.

    WSM and WPM use the value matrix directly (``V @ W.T``, ``exp(log V @ W.T)``). TOPSIS uses
    the fact that the ideal and anti-ideal of the weighted matrix are the weights times those of
    the vector-normalised matrix ``R``, so ``d+ = sqrt((R - R*)^2 @ (W^2).T``.

    >>> s = make_scorer(np.array([[1.0, 0.0], [0.0, 1.0]]), method="wsm",
    ...                 is_benefit=np.array([True, True]))
    >>> s(np.array([[0.7, 0.3]])).ravel().tolist()
    [0.7, 0.3]
    """
    x = np.asarray(matrix, dtype=np.float64)
    kind = AggregationMethod(method)
    if kind is AggregationMethod.WSM:

        def wsm_fn(w: FloatArray, rows: np.ndarray | None) -> FloatArray:
            v = x if rows is None else x[rows]
            return v @ np.ascontiguousarray(w.T)  # contiguous: BLAS path, ~5x faster

        return Scorer(wsm_fn)
    if kind is AggregationMethod.WPM:
        has_zero = x <= 0
        logs = np.log(np.where(has_zero, 1.0, x))

        def wpm_fn(w: FloatArray, rows: np.ndarray | None) -> FloatArray:
            lg = logs if rows is None else logs[rows]
            zero = has_zero if rows is None else has_zero[rows]
            wt = np.ascontiguousarray(w.T)
            out = np.exp(lg @ wt)
            if not has_zero.any():
                return out
            return np.where((zero.astype(np.float64) @ (wt > 0)) > 0, 0.0, out)

        return Scorer(wpm_fn)
    norms = np.sqrt(np.einsum("ij,ij->j", x, x))
    r = np.divide(x, norms, out=np.zeros_like(x), where=norms > 0)
    benefit = np.asarray(is_benefit, dtype=bool)
    r_ideal = np.where(benefit, r.max(axis=0), r.min(axis=0))
    r_anti = np.where(benefit, r.min(axis=0), r.max(axis=0))
    d_plus_sq = np.square(r - r_ideal)
    d_minus_sq = np.square(r - r_anti)

    def topsis_fn(w: FloatArray, rows: np.ndarray | None) -> FloatArray:
        w2 = np.ascontiguousarray(np.square(w).T)
        dp = np.sqrt((d_plus_sq if rows is None else d_plus_sq[rows]) @ w2)
        dm = np.sqrt((d_minus_sq if rows is None else d_minus_sq[rows]) @ w2)
        total = dp + dm
        closeness: FloatArray = np.divide(dm, total, out=np.ones_like(total), where=total > 0)
        return closeness

    return Scorer(topsis_fn)


@dataclass(frozen=True)
class MonteCarloResult:
    """Per-candidate Monte Carlo figures (rows as in the matrix given)."""

    p_top_k: FloatArray
    rank_p05: FloatArray
    rank_p95: FloatArray
    samples: int
    top_k: int


def _min_ranks(scores: FloatArray) -> np.ndarray:
    """Return "min" ranks (1 = highest) down each column; near-ties (1e-12) share a rank."""
    order = np.argsort(-scores, axis=0)
    ordered = np.take_along_axis(scores, order, axis=0)
    position = np.arange(1, scores.shape[0] + 1, dtype=np.int32)[:, None]
    starts = np.ones(scores.shape, dtype=bool)
    starts[1:] = (ordered[:-1] - ordered[1:]) > TIE_TOLERANCE
    sorted_ranks = np.maximum.accumulate(np.where(starts, position, 0), axis=0)
    ranks = np.empty(scores.shape, dtype=np.int32)
    np.put_along_axis(ranks, order, sorted_ranks, axis=0)
    return ranks


class _RankSummary:
    """Per-candidate share of ranks <= ``top_k`` and 5th/95th rank percentiles, streamed.

    Holding every rank (candidates x samples int32) costs 4 GB at 1M candidates x 1000
    samples. An inverted-CDF percentile is one order statistic, so it is enough to keep, per
    candidate, the ``k`` smallest ranks seen so far (5th percentile) and the ``k`` largest (95th):
    about a tenth of the samples. Ranks arrive in column blocks and are buffered until
    ``MAX_RANK_BUFFER`` elements, then merged into the kept ranks with ``np.partition``. When all
    ranks fit in the buffer this is exactly ``np.percentile(..., method="inverted_cdf")`` over
    the full array, which is what is computed.
    """

    def __init__(self, n: int, samples: int, top_k: int) -> None:
        # The 0-based order-statistic positions numpy uses for these percentiles.
        lo, hi = np.percentile(np.arange(samples), [5.0, 95.0], method="inverted_cdf")
        self.k_low = int(lo) + 1  # keep the k_low smallest: the percentile is their maximum
        self.k_high = samples - int(hi)  # keep the k_high largest: the percentile is their minimum
        self.top_k = top_k
        self.samples = samples
        self.in_top = np.zeros(n, dtype=np.int64)
        width = max(1, min(samples, MAX_RANK_BUFFER // max(n, 1)))
        self.width = max(width, self.k_low, self.k_high) if width < samples else samples
        self.buffer = np.empty((n, self.width), dtype=np.int32)
        self.filled = 0
        self.seen = 0
        self.low: np.ndarray | None = None
        self.high: np.ndarray | None = None

    def add(self, ranks: np.ndarray) -> None:
        """Take a block of ranks (n x b), one column per sample."""
        self.in_top += np.count_nonzero(ranks <= self.top_k, axis=1)
        start = 0
        while start < ranks.shape[1]:
            take = min(ranks.shape[1] - start, self.width - self.filled)
            self.buffer[:, self.filled : self.filled + take] = ranks[:, start : start + take]
            self.filled += take
            start += take
            if self.filled == self.width and self.seen + self.filled < self.samples:
                self._merge()

    def _merge(self) -> tuple[np.ndarray, np.ndarray]:
        """Reduce the buffered ranks into the kept ones; return ``(low, high)``."""
        block = self.buffer[:, : self.filled]
        low = np.concatenate([block] if self.low is None else [self.low, block], axis=1)
        k_low = min(self.k_low, low.shape[1])
        low.partition(k_low - 1, axis=1)
        self.low = low[:, :k_low].copy()
        del low
        high = np.concatenate([block] if self.high is None else [self.high, block], axis=1)
        k_high = min(self.k_high, high.shape[1])
        high.partition(high.shape[1] - k_high, axis=1)
        self.high = high[:, high.shape[1] - k_high :].copy()
        self.seen += self.filled
        self.filled = 0
        return self.low, self.high

    def result(self) -> tuple[FloatArray, FloatArray, FloatArray]:
        """Return ``(p_top_k, rank_p05, rank_p95)`` once every sample has been added."""
        p_top_k = self.in_top / self.samples
        if self.low is None:  # every rank fitted in the buffer: the direct computation
            p05, p95 = np.percentile(
                self.buffer[:, : self.filled], [5.0, 95.0], axis=1, method="inverted_cdf"
            )
            return p_top_k, p05.astype(np.float64), p95.astype(np.float64)
        low, high = self._merge()
        return p_top_k, low.max(axis=1).astype(np.float64), high.min(axis=1).astype(np.float64)


def monte_carlo(
    matrix: FloatArray,
    weights: FloatArray,
    *,
    method: AggregationMethod | str,
    is_benefit: BoolArray,
    samples: int,
    concentration: float,
    top_k: int,
    rng: np.random.Generator,
    perturb: Callable[[np.random.Generator], FloatArray] | None = None,
) -> MonteCarloResult:
    """Sample weights (and optionally the matrix) and summarise the ranks each candidate gets.

    Parameters
    ----------
    matrix
        Criterion matrix of the ranked candidates (n x m), complete.
    weights
        Normalised weights (m,), the Dirichlet mean.
    method, is_benefit
        As for :func:`make_scorer`.
    samples
        Number of Monte Carlo samples (>= 1).
    concentration
        Dirichlet concentration ``c``: ``alpha = c * weights``.
    top_k
        ``p_top_k`` is the share of samples in which the rank is <= ``top_k``.
    rng
        Seeded generator; the only source of randomness.
    perturb
        Optional: returns a freshly perturbed matrix (attribute noise) for each sample.

    Returns
    -------
    The per-candidate probabilities and rank percentiles.
    """
    x = np.asarray(matrix, dtype=np.float64)
    n = x.shape[0]
    w = np.asarray(weights, dtype=np.float64)
    weight_draws = rng.dirichlet(np.maximum(concentration * w, 1e-12), size=samples)
    summary = _RankSummary(n, samples, top_k)
    if perturb is None:
        scorer = make_scorer(x, method=method, is_benefit=is_benefit)
        block = max(1, MAX_BLOCK_ELEMENTS // max(n, 1))
        for start in range(0, samples, block):
            stop = min(start + block, samples)
            summary.add(_min_ranks(scorer(weight_draws[start:stop])))
    else:
        for s in range(samples):
            scorer = make_scorer(perturb(rng), method=method, is_benefit=is_benefit)
            summary.add(_min_ranks(scorer(weight_draws[s : s + 1])))
    p_top_k, p05, p95 = summary.result()
    return MonteCarloResult(
        p_top_k=p_top_k,
        rank_p05=p05,
        rank_p95=p95,
        samples=samples,
        top_k=top_k,
    )


def _shifted(weights: FloatArray, j: int, t: np.ndarray) -> FloatArray:
    """Return weight rows with criterion ``j`` set to each ``t``, others rescaled proportionally."""
    rest = 1.0 - weights[j]
    out = np.outer(1.0 - t, weights / rest) if rest > 0 else np.zeros((t.size, weights.size))
    out[:, j] = t
    return out


def _challenger(
    scorer: Scorer, weights: FloatArray, j: int, t: np.ndarray, leader: int
) -> np.ndarray:
    """Return, per t, whether some other candidate scores >= the leader."""
    scores = np.round(scorer(_shifted(weights, j, t)), SCORE_DECIMALS)
    lead = scores[leader].copy()
    scores[leader] = -np.inf
    beaten: np.ndarray = scores.max(axis=0) >= lead
    return beaten


def _refine(
    scorer: Scorer, weights: FloatArray, j: int, leader: int, good: float, bad: float
) -> tuple[float, int]:
    """Bisect between ``good`` (leader holds) and ``bad`` (leader beaten); return t and winner."""
    scores_bad = np.round(scorer(_shifted(weights, j, np.array([bad]))), SCORE_DECIMALS)[:, 0]
    lead_bad = scores_bad[leader]
    contenders = np.flatnonzero(scores_bad >= lead_bad)
    rows = np.union1d(contenders, [leader])
    sub_leader = int(np.searchsorted(rows, leader))
    while abs(bad - good) > FLIP_TOLERANCE:
        mid = 0.5 * (good + bad)
        if _challenger_rows(scorer, weights, j, mid, rows, sub_leader):
            bad = mid
        else:
            good = mid
    final = np.round(scorer(_shifted(weights, j, np.array([bad])), rows), SCORE_DECIMALS)[:, 0]
    final[sub_leader] = -np.inf
    return bad, int(rows[int(np.argmax(final))])


def _challenger_rows(
    scorer: Scorer, weights: FloatArray, j: int, t: float, rows: np.ndarray, sub_leader: int
) -> bool:
    scores = np.round(scorer(_shifted(weights, j, np.array([t])), rows), SCORE_DECIMALS)[:, 0]
    lead = scores[sub_leader]
    scores[sub_leader] = -np.inf
    return bool(scores.max() >= lead)


def _wsm_flips(
    x: FloatArray, w: FloatArray, j: int, leader: int, site_ids: Sequence[str]
) -> dict[str, Any]:  # Any: JSON values
    """Exact WSM flips: scores are linear in the moved weight ``t``.

    ``s_i(t) = b_i + t (a_i - b_i)`` with ``a_i = v_ij`` and ``b_i`` the other criteria's
    weighted mean; candidate i overtakes the leader L where ``s_i(t) = s_L(t)``.
    """
    a = x[:, j]
    b = (x @ w - w[j] * a) / (1.0 - w[j])
    c = b - b[leader]
    k = (a - b) - (a[leader] - b[leader])
    with np.errstate(divide="ignore", invalid="ignore"):
        t = np.where(k != 0, -c / k, np.nan)
    t[leader] = np.nan
    out: dict[str, Any] = {}  # Any: JSON values
    for direction, valid in (
        ("increase", (k > 0) & (t > w[j]) & (t <= 1.0)),
        ("decrease", (k < 0) & (t < w[j]) & (t >= 0.0)),
    ):
        if not valid.any():
            continue
        candidates = np.flatnonzero(valid)
        pick = candidates[
            np.argmin(t[candidates]) if direction == "increase" else np.argmax(t[candidates])
        ]
        new_weight = float(t[pick])
        out[direction] = {
            "weight_change": round(new_weight - float(w[j]), 6),
            "new_weight": round(new_weight, 6),
            "new_leader": str(site_ids[pick]),
        }
    return out


def first_place_flips(
    matrix: FloatArray,
    weights: FloatArray,
    *,
    method: AggregationMethod | str,
    is_benefit: BoolArray,
    names: Sequence[str],
    site_ids: Sequence[str],
) -> list[dict[str, Any]]:  # Any: JSON-serialisable values
    """For each criterion, find the smallest weight change that gives first place to another.

    Parameters
    ----------
    matrix
        Criterion matrix of the ranked candidates (n x m), complete, n >= 2.
    weights
        Normalised weights (m,).
    method, is_benefit
        As for :func:`make_scorer`.
    names
        Criterion names (m).
    site_ids
        Candidate ids (n).

    Returns
    -------
    One dict per criterion: ``criterion``, ``weight``, ``leader``, and ``increase`` /
    ``decrease`` (each ``None`` when no change in that direction flips first place, else
    ``{"weight_change", "new_weight", "new_leader"}``), plus ``smallest_change`` (signed share,
    ``None`` when first place never flips; 0 when another candidate already ties).

    >>> flips = first_place_flips(np.array([[1.0, 0.0], [0.0, 1.0]]), np.array([0.6, 0.4]),
    ...     method="wsm", is_benefit=np.array([True, True]), names=["a", "b"],
    ...     site_ids=["x", "y"])
    >>> flips[0]["smallest_change"], flips[0]["decrease"]["new_leader"]
    (-0.1, 'y')
    """
    x = np.asarray(matrix, dtype=np.float64)
    w = np.asarray(weights, dtype=np.float64)
    scorer = make_scorer(x, method=method, is_benefit=is_benefit)
    base = np.round(scorer(w[None, :])[:, 0], SCORE_DECIMALS)
    leader = int(np.argmax(base))
    ties = np.flatnonzero(base == base[leader])
    flips: list[dict[str, Any]] = []  # Any: JSON values
    for j, name in enumerate(names):
        entry: dict[str, Any] = {  # Any: JSON values
            "criterion": name,
            "weight": float(w[j]),
            "leader": str(site_ids[leader]),
            "increase": None,
            "decrease": None,
            "smallest_change": None,
        }
        if ties.size > 1:
            entry["smallest_change"] = 0.0
            flips.append(entry)
            continue
        if w.size == 1:
            flips.append(entry)
            continue
        if AggregationMethod(method) is AggregationMethod.WSM:
            entry.update(_wsm_flips(x, w, j, leader, site_ids))
        for direction, end in (("increase", 1.0), ("decrease", 0.0)):
            if AggregationMethod(method) is AggregationMethod.WSM:
                break
            grid = np.linspace(w[j], end, FLIP_GRID_POINTS)[1:]
            beaten = _challenger(scorer, w, j, grid, leader)
            if not beaten.any():
                continue
            first = int(np.argmax(beaten))
            good = float(w[j]) if first == 0 else float(grid[first - 1])
            t, winner = _refine(scorer, w, j, leader, good, float(grid[first]))
            entry[direction] = {
                "weight_change": round(t - float(w[j]), 6),
                "new_weight": round(t, 6),
                "new_leader": str(site_ids[winner]),
            }
        changes = [
            entry[d]["weight_change"] for d in ("increase", "decrease") if entry[d] is not None
        ]
        if changes:
            entry["smallest_change"] = min(changes, key=abs)
        flips.append(entry)
    return flips
