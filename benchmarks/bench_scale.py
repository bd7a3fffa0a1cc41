"""Benchmark: a study (every built-in layer + WSM scoring) at 10k-1M candidates, local vs dask.

Usage::

    SITING_DATA_MIRROR=../shared/data .venv/bin/python benchmarks/bench_scale.py \
        [--sizes 10000,100000,1000000] [--engines local,dask] [--dask-sizes 100000,1000000]

Each (engine, size) runs in a fresh subprocess so its peak memory is honest. Candidates are
uniform random points over Europe (lon -10..30, lat 36..70, EPSG:4326, seeded), the study
samples all seven built-in layers (grid, power, jurisdiction, geopolitics, climate,
connectivity, hazards; layer loading included), computes the geopolitical and hazard risk
models and scores with WSM (min-max value functions, direct weights, no Monte Carlo).
The dask engine runs on a LocalCluster of 2 single-threaded worker processes started by the
run (its start-up time is included).

Prints a Markdown table: candidates, engine, wall seconds (whole ``run_study``), seconds in the
layers stage, peak RSS of the process tree (sampled every 0.1 s with psutil: driver plus dask
workers) and of the driver alone (``getrusage``), MiB.
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import geopandas as gpd
import numpy as np
import psutil

EUROPE_BOUNDS = (-10.0, 36.0, 30.0, 70.0)
"""(minx, miny, maxx, maxy), EPSG:4326."""

STUDY_TOML = """\
[study]
name = "scale benchmark"
it_load_mw = 300
pue = "auto"
radius_km = 25
market = ["EEA", "GB", "CH"]
seed = 1

[candidates.h3]
resolution = 5
countries = ["NL"]

[[constraints]]
attribute = "jurisdiction.gdpr_regime"
in = ["eea", "adequacy"]
reason = "outside the EEA and adequacy countries"

[[constraints]]
attribute = "grid.substation_distance_km"
max = 40
reason = "no substation at the required voltage within 40 km"

[[criteria]]
name = "price"
attribute = "power.price_eur_per_mwh"
better = "lower"
value = { function = "minmax" }

[[criteria]]
name = "grid"
attribute = "grid.line_capacity_within_km_mva"
better = "higher"
value = { function = "minmax" }

[[criteria]]
name = "geopolitical"
attribute = "risk.geopolitical"
better = "lower"
value = { function = "minmax" }

[[criteria]]
name = "latency"
attribute = "connectivity.latency_ms_to_population"
better = "lower"
value = { function = "minmax" }

[[criteria]]
name = "cooling"
attribute = "climate.free_cooling_hours"
better = "higher"
missing = "mean"
value = { function = "minmax" }

[[criteria]]
name = "seismic"
attribute = "risk.hazard"
better = "lower"
value = { function = "minmax" }

[scoring]
method = "wsm"
weights = "direct"
"""


class TreePeak:
    """Sample the RSS of this process and all its descendants; keep the peak (bytes)."""

    def __init__(self, interval_s: float = 0.1) -> None:
        self.interval_s = interval_s
        self.peak_bytes = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        me = psutil.Process()
        while not self._stop.is_set():
            total = 0
            for proc in [me, *me.children(recursive=True)]:
                try:
                    total += proc.memory_info().rss
                except psutil.Error:  # a worker exited between listing and reading: skip it
                    continue
            self.peak_bytes = max(self.peak_bytes, total)
            self._stop.wait(self.interval_s)

    def __enter__(self) -> TreePeak:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()


def random_points(n: int, seed: int) -> gpd.GeoDataFrame:
    """Return ``n`` seeded uniform random candidates over :data:`EUROPE_BOUNDS`."""
    rng = np.random.default_rng(seed)
    minx, miny, maxx, maxy = EUROPE_BOUNDS
    lon = rng.uniform(minx, maxx, n)
    lat = rng.uniform(miny, maxy, n)
    ids = np.char.add("p", np.arange(n).astype(str)).astype(object)
    return gpd.GeoDataFrame(
        {"site_id": ids, "name": None}, geometry=gpd.points_from_xy(lon, lat), crs="EPSG:4326"
    )


def run_one(n: int, engine: str, seed: int) -> dict[str, object]:
    """Run the benchmark study once in this process; return the measurements."""
    from siting.pipeline import run_study
    from siting.study import load_study

    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "study.toml"
        path.write_text(STUDY_TOML, encoding="utf-8")
        study = load_study(path)
    candidates = random_points(n, seed)
    stages: dict[str, float] = {}
    started: dict[str, float] = {}

    def progress(stage: str, done: int, total: int) -> None:
        now = time.perf_counter()
        started.setdefault(stage, now)
        if done >= total:
            stages[stage] = now - started[stage]

    with TreePeak() as peak:
        t0 = time.perf_counter()
        result = run_study(study, candidates=candidates, engine=engine, progress=progress)
        wall = time.perf_counter() - t0
    ranked = int(result.ranking["rank"].notna().sum())
    return {
        "n": n,
        "engine": engine,
        "wall_s": round(wall, 1),
        "layers_s": round(stages.get("layers", float("nan")), 1),
        "scoring_s": round(stages.get("scoring", float("nan")), 1),
        "tree_peak_mib": round(peak.peak_bytes / 2**20),
        "driver_peak_mib": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024),
        "ranked": ranked,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="10000,100000,1000000")
    parser.add_argument("--engines", default="local,dask")
    parser.add_argument("--dask-sizes", default="100000,1000000")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--one", nargs=2, metavar=("N", "ENGINE"), help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.one:
        print(json.dumps(run_one(int(args.one[0]), args.one[1], args.seed)))
        return 0
    runs = []
    for engine in args.engines.split(","):
        sizes = args.dask_sizes if engine == "dask" else args.sizes
        runs += [(int(n), engine) for n in sizes.split(",")]
    print(
        "| candidates | engine | wall s | layers s | scoring s | peak RSS tree MiB | "
        "peak RSS driver MiB | ranked |"
    )
    print("|---:|---|---:|---:|---:|---:|---:|---:|")
    for n, engine in runs:
        cmd = [sys.executable, __file__, "--one", str(n), engine, "--seed", str(args.seed)]
        done = subprocess.run(cmd, capture_output=True, text=True, check=False)
        if done.returncode != 0:
            print(f"| {n:,} | {engine} | failed: {done.stderr.strip().splitlines()[-1]} |")
            continue
        row = json.loads(done.stdout.strip().splitlines()[-1])
        print(
            f"| {row['n']:,} | {row['engine']} | {row['wall_s']} | {row['layers_s']} | "
            f"{row['scoring_s']} | {row['tree_peak_mib']:,} | {row['driver_peak_mib']:,} | "
            f"{row['ranked']:,} |",
            flush=True,
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
