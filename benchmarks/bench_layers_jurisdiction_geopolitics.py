"""Benchmark: sample the jurisdiction and geopolitics layers at 1M points over Europe.

Run: ``SITING_DATA_MIRROR=/work/shared/data .venv/bin/python
benchmarks/bench_layers_jurisdiction_geopolitics.py [--points 1000000]``. Target: under 30 s on
2 cores for both layers together (loading excluded, reported apart).
"""

from __future__ import annotations

import argparse
import time

import numpy as np

from layers import geopolitics, jurisdiction
from layers.base import LayerParams
from layers.catalog import Catalog

EUROPE_BOUNDS = (-25.0, 34.0, 45.0, 72.0)
"""(minx, miny, maxx, maxy), EPSG:4326: Iceland to the Urals' foot, Crete to North Cape."""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--points", type=int, default=1_000_000)
    parser.add_argument("--seed", type=int, default=20240601)
    args = parser.parse_args()
    rng = np.random.default_rng(args.seed)
    minx, miny, maxx, maxy = EUROPE_BOUNDS
    lon = rng.uniform(minx, maxx, args.points)
    lat = rng.uniform(miny, maxy, args.points)
    catalog = Catalog.from_env()
    params = LayerParams()
    total = 0.0
    for module in (jurisdiction, geopolitics):
        start = time.perf_counter()
        layer = module.load(catalog, params)
        loaded = time.perf_counter() - start
        start = time.perf_counter()
        out = layer.sample_lonlat(lon, lat)
        took = time.perf_counter() - start
        total += took
        print(
            f"{module.NAME}: load {loaded:.2f} s, sample {args.points:,} points {took:.2f} s "
            f"({args.points / took:,.0f} points/s), {out.shape[1]} attributes"
        )
    print(f"both layers: {total:.2f} s for {args.points:,} points")


if __name__ == "__main__":
    main()
