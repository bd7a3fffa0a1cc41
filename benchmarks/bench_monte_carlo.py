"""Benchmark the Monte Carlo robustness analysis at scale: wall time and peak memory.

Run: ``.venv/bin/python benchmarks/bench_monte_carlo.py [--candidates 1000000] [--samples 1000]``.
Run it once per size (a fresh process), since peak resident memory only grows. Prints one line:
candidates, samples, seconds for :func:`siting.robustness.monte_carlo` (WSM, Dirichlet weights),
the process's peak RSS and its RSS before the call.
"""

from __future__ import annotations

import argparse
import resource
import time

import numpy as np

from siting.robustness import monte_carlo


def peak_rss_mib() -> float:
    """Return this process's peak resident memory so far, MiB (Linux reports KiB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--candidates", type=int, default=1_000_000)
    parser.add_argument("--samples", type=int, default=1000)
    parser.add_argument("--criteria", type=int, default=10)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    rng = np.random.default_rng(args.seed)
    values = rng.random((args.candidates, args.criteria))
    weights = np.full(args.criteria, 1.0 / args.criteria)
    before = peak_rss_mib()
    start = time.perf_counter()
    monte_carlo(
        values,
        weights,
        method="wsm",
        is_benefit=np.ones(args.criteria, dtype=bool),
        samples=args.samples,
        concentration=50.0,
        top_k=10,
        rng=np.random.default_rng(args.seed + 1),
    )
    seconds = time.perf_counter() - start
    print(
        f"| {args.candidates:,} | {args.samples:,} | {seconds:.1f} | {peak_rss_mib():,.0f} "
        f"| {before:,.0f} |"
    )


if __name__ == "__main__":
    main()
