"""Benchmark: load and sample the grid and power layers on N random points in Europe (seeded).

Usage::

    SITING_DATA_MIRROR=../shared/data .venv/bin/python benchmarks/bench_layers_grid_power.py \
        --points 1000000

Prints, per layer, wall-clock seconds and the process's peak RSS after load and after sample.
Points are uniform in lon -10..30, lat 36..70 (EPSG:4326), seed 42.
"""

from __future__ import annotations

import argparse
import resource
import sys
import time

import numpy as np

from layers import grid, power
from layers.base import LayerParams
from layers.catalog import Catalog


def peak_rss_mb() -> float:
    """Return the peak resident set size of this process, MB (Linux reports KiB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--points", type=int, default=1_000_000)
    parser.add_argument("--seed", type=int, default=42)
    args = parser.parse_args(argv)

    rng = np.random.default_rng(args.seed)
    lon = rng.uniform(-10.0, 30.0, args.points)
    lat = rng.uniform(36.0, 70.0, args.points)
    catalog = Catalog.from_env()
    params = LayerParams()
    total = 0.0
    for module in (grid, power):
        start = time.perf_counter()
        layer = module.load(catalog, params)
        load_s = time.perf_counter() - start
        load_rss = peak_rss_mb()
        start = time.perf_counter()
        out = layer.sample_lonlat(lon, lat)
        sample_s = time.perf_counter() - start
        total += load_s + sample_s
        filled = float(out.notna().to_numpy().mean())
        print(
            f"{module.NAME}: load {load_s:.2f} s (peak RSS {load_rss:.0f} MB), "
            f"sample {args.points:,} points {sample_s:.2f} s (peak RSS {peak_rss_mb():.0f} MB), "
            f"non-missing share {filled:.3f}"
        )
    print(f"total grid + power: {total:.2f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
