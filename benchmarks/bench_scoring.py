"""Benchmark the scoring engine against bare numpy doing the same arithmetic.

Run: ``.venv/bin/python benchmarks/bench_scoring.py [--candidates 1000000] [--repeat 3]``.
Prints one table: our time, the bare-numpy time in the same run, and the ratio (target <= 3).
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable

import numpy as np
import pandas as pd

from siting.aggregation import rank_scores, topsis, wsm
from siting.robustness import monte_carlo
from siting.scoring import score
from siting.study import parse_study
from siting.value_functions import minmax


def best_of(fn: Callable[[], object], repeat: int) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return min(times)


def bare_minmax(raw: np.ndarray) -> np.ndarray:
    lo = raw.min(axis=0)
    hi = raw.max(axis=0)
    return 1.0 - (raw - lo) / (hi - lo)


def bare_rank(s: np.ndarray) -> np.ndarray:
    order = np.argsort(-s)
    ranks = np.empty(s.size, dtype=np.int64)
    ranks[order] = np.arange(1, s.size + 1)
    return ranks


def bare_topsis(x: np.ndarray, w: np.ndarray) -> np.ndarray:
    v = x / np.sqrt((x * x).sum(axis=0)) * w
    ideal, anti = v.max(axis=0), v.min(axis=0)
    dp = np.sqrt(((v - ideal) ** 2).sum(axis=1))
    dm = np.sqrt(((v - anti) ** 2).sum(axis=1))
    return dm / (dp + dm)


def ours_wsm(raw: np.ndarray, w: np.ndarray) -> np.ndarray:
    values = np.column_stack([minmax(raw[:, j], better="lower") for j in range(raw.shape[1])])
    return rank_scores(wsm(values, w))


def bare_wsm(raw: np.ndarray, w: np.ndarray) -> np.ndarray:
    return bare_rank(bare_minmax(raw) @ w)


def ours_topsis(raw: np.ndarray, w: np.ndarray) -> np.ndarray:
    return rank_scores(topsis(raw, w, is_benefit=np.ones(raw.shape[1], bool)))


def bare_topsis_rank(raw: np.ndarray, w: np.ndarray) -> np.ndarray:
    return bare_rank(bare_topsis(raw, w))


def bare_monte_carlo(values: np.ndarray, w: np.ndarray, samples: int, seed: int) -> np.ndarray:
    rng = np.random.default_rng(seed)
    draws = rng.dirichlet(50.0 * w, size=samples)
    scores = values @ draws.T
    order = np.argsort(-scores, axis=0)
    ranks = np.empty_like(order)
    np.put_along_axis(ranks, order, np.arange(1, values.shape[0] + 1)[:, None], axis=0)
    p_top = (ranks <= 5).mean(axis=1)
    np.percentile(ranks, [5.0, 95.0], axis=1, method="inverted_cdf")
    return p_top


def study_for(m: int, method: str) -> object:
    return parse_study(
        {
            "study": {"name": "bench", "it_load_mw": 100, "pue": 1.2},
            "criteria": [
                {"attribute": f"site.c{j}", "better": "lower", "weight": 1 + j % 3}
                for j in range(m)
            ],
            "scoring": {"method": method},
        }
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--candidates", type=int, default=1_000_000)
    parser.add_argument("--criteria", type=int, default=12)
    parser.add_argument("--mc-candidates", type=int, default=10_000)
    parser.add_argument("--samples", type=int, default=1000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    rng = np.random.default_rng(0)
    n, m = args.candidates, args.criteria
    raw = rng.uniform(1.0, 100.0, size=(n, m))
    w = np.arange(1, m + 1, dtype=float)
    w /= w.sum()
    rows = []
    for label, ours, bare in (
        (f"WSM min-max + rank, {n:,} x {m}", lambda: ours_wsm(raw, w), lambda: bare_wsm(raw, w)),
        (
            f"TOPSIS + rank, {n:,} x {m}",
            lambda: ours_topsis(raw, w),
            lambda: bare_topsis_rank(raw, w),
        ),
    ):
        t_ours, t_bare = best_of(ours, args.repeat), best_of(bare, args.repeat)
        rows.append((label, t_ours, t_bare))
    mc_values = rng.uniform(0.0, 1.0, size=(args.mc_candidates, m))

    def ours_mc() -> object:
        return monte_carlo(
            mc_values,
            w,
            method="wsm",
            is_benefit=np.ones(m, bool),
            samples=args.samples,
            concentration=50.0,
            top_k=5,
            rng=np.random.default_rng(1),
        )

    rows.append(
        (
            f"Monte Carlo WSM, {args.samples} samples x {args.mc_candidates:,}",
            best_of(ours_mc, args.repeat),
            best_of(lambda: bare_monte_carlo(mc_values, w, args.samples, 1), args.repeat),
        )
    )
    frame = pd.DataFrame({f"site.c{j}": raw[:, j] for j in range(m)})
    ids = pd.Series(np.arange(n).astype(str))
    for method in ("wsm", "topsis"):
        study = study_for(m, method)
        t_full = best_of(lambda s=study: score(frame, s, site_ids=ids), 1)
        rows.append((f"score() end to end ({method}), {n:,} x {m}, incl. flips", t_full, np.nan))
    print(f"{'benchmark':62s} {'ours s':>9s} {'numpy s':>9s} {'ratio':>6s}")
    for label, t_ours, t_bare in rows:
        ratio = t_ours / t_bare if np.isfinite(t_bare) else np.nan
        print(f"{label:62s} {t_ours:9.3f} {t_bare:9.3f} {ratio:6.2f}")


if __name__ == "__main__":
    main()
