"""Benchmark the shared spatial primitives in ``layers/`` at 1M candidate points.

Run from the repository root:

    SITING_DATA_MIRROR=../shared/data .venv/bin/python benchmarks/bench_primitives.py

Prints a Markdown table: operation, candidates, features, seconds, peak RSS (MiB) of the
process while the operation ran. Candidates are uniform random points in a Europe box
(-11..32 E, 35..71 N) from a seeded generator. Real inputs are read from the data mirror when
``SITING_DATA_MIRROR`` is set (bidding zones, ENTSO-E grid lines, NCEP 2.5-degree temperature
grid); otherwise synthetic stand-ins of similar size are used and the table says so.
"""

from __future__ import annotations

import argparse
import os
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import psutil
import pyproj
import shapely
from affine import Affine

from layers.lines import LineIndex
from layers.lookup import PolygonIndex
from layers.nearest import NearestIndex
from layers.raster import RasterData, read_raster, sample_raster

BBOX = (-11.0, 35.0, 32.0, 71.0)


class PeakRSS:
    """Sample this process's RSS every few milliseconds while a block runs."""

    def __init__(self) -> None:
        self._process = psutil.Process()
        self.peak_bytes = 0
        self._stop = threading.Event()

    def _run(self) -> None:
        while not self._stop.is_set():
            self.peak_bytes = max(self.peak_bytes, self._process.memory_info().rss)
            time.sleep(0.005)

    def __enter__(self) -> PeakRSS:
        self.peak_bytes = self._process.memory_info().rss
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()
        self.peak_bytes = max(self.peak_bytes, self._process.memory_info().rss)


def timed(fn: Callable[[], Any]) -> tuple[Any, float, float]:
    """Return (result, seconds, peak RSS MiB) of one call."""
    with PeakRSS() as rss:
        start = time.perf_counter()
        result = fn()
        seconds = time.perf_counter() - start
    return result, seconds, rss.peak_bytes / 2**20


def random_points(rng: np.random.Generator, n: int) -> tuple[np.ndarray, np.ndarray]:
    return rng.uniform(BBOX[0], BBOX[2], n), rng.uniform(BBOX[1], BBOX[3], n)


def load_zones(mirror: Path | None, rng: np.random.Generator) -> tuple[gpd.GeoSeries, str]:
    path = mirror / "bidding-zones-entsoepy" / "bidding_zones_europe.geojson" if mirror else None
    if path is not None and path.is_file():
        return gpd.read_file(path).geometry, "bidding zones (real)"
    # Synthetic: 40 Voronoi cells over the box, clipped to it.
    seeds = shapely.multipoints(np.column_stack(random_points(rng, 40)))
    cells = shapely.get_parts(shapely.voronoi_polygons(seeds, extend_to=shapely.box(*BBOX)))
    return gpd.GeoSeries(
        shapely.intersection(cells, shapely.box(*BBOX)), crs=4326
    ), "synthetic zones"


def load_lines(
    mirror: Path | None, rng: np.random.Generator
) -> tuple[gpd.GeoSeries, np.ndarray, str]:
    path = mirror / "entsoe-gridkit" / "lines.csv" if mirror else None
    if path is not None and path.is_file():
        table = pd.read_csv(path, quotechar="'")
        lines = gpd.GeoSeries.from_wkt(table["geometry"], crs=4326)
        return lines, table["voltage"].to_numpy(dtype=np.float64), "grid lines (real)"
    # Synthetic: 11 000 random polylines of 2-6 vertices, ~30 km steps.
    n = 11_000
    start = np.column_stack(random_points(rng, n))
    steps = rng.normal(0, 0.3, (n, 4, 2))
    coords = np.concatenate(
        (start[:, None, :], start[:, None, :] + np.cumsum(steps, axis=1)), axis=1
    )
    return (
        gpd.GeoSeries(shapely.linestrings(coords), crs=4326),
        np.full(n, 380.0),
        "synthetic lines",
    )


def load_grid(mirror: Path | None, rng: np.random.Generator) -> tuple[RasterData, str]:
    path = mirror / "climate" / "ncep_r1_air_sig995_ltm_1981_2010_2p5deg.tif" if mirror else None
    if path is not None and path.is_file():
        return read_raster(path, band=13), "2.5-degree global grid (real)"
    values = rng.normal(10, 10, (73, 144))
    transform = Affine(2.5, 0, -181.25, 0, -2.5, 91.25)
    return RasterData(values, transform, pyproj.CRS.from_epsg(4326)), "synthetic global grid"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--n", type=int, default=1_000_000, help="candidate points (default 1M)")
    parser.add_argument("--features", type=int, default=10_000, help="point features (default 10k)")
    parser.add_argument("--radius-km", type=float, default=25.0, help="within-radius queries")
    parser.add_argument("--seed", type=int, default=20240601)
    args = parser.parse_args()

    mirror_env = os.environ.get("SITING_DATA_MIRROR")
    mirror = Path(mirror_env) if mirror_env else None
    rng = np.random.default_rng(args.seed)
    lon, lat = random_points(rng, args.n)
    f_lon, f_lat = random_points(rng, args.features)
    zones, zones_label = load_zones(mirror, rng)
    lines, line_values, lines_label = load_lines(mirror, rng)
    grid, grid_label = load_grid(mirror, rng)

    rows: list[tuple[str, int, str, float, float]] = []
    n = args.n
    r = args.radius_km

    index, s, m = timed(lambda: NearestIndex(f_lon, f_lat))
    rows.append(("NearestIndex build (points)", 0, f"{args.features:,}", s, m))
    _, s, m = timed(lambda: index.query(lon, lat))
    rows.append(("NearestIndex.query k=1 (exact geodesic)", n, f"{args.features:,}", s, m))
    _, s, m = timed(lambda: index.count_within(lon, lat, radius_km=r))
    rows.append((f"NearestIndex.count_within {r:g} km", n, f"{args.features:,}", s, m))

    poly_index, s, m = timed(lambda: PolygonIndex(zones))
    rows.append((f"PolygonIndex build ({zones_label})", 0, f"{len(zones):,}", s, m))
    _, s, m = timed(lambda: poly_index.lookup(lon, lat))
    rows.append(("PolygonIndex.lookup", n, f"{len(zones):,}", s, m))
    _, s, m = timed(lambda: poly_index.lookup(lon, lat, tolerance_km=10.0))
    rows.append(("PolygonIndex.lookup tolerance 10 km", n, f"{len(zones):,}", s, m))

    line_index, s, m = timed(lambda: LineIndex(lines, line_values))
    label = f"{len(lines):,} ({line_index.n_vertices:,} vertices)"
    rows.append((f"LineIndex build ({lines_label}, 1 km)", 0, label, s, m))
    _, s, m = timed(lambda: line_index.sum_within(lon, lat, radius_km=r))
    rows.append((f"LineIndex.sum_within {r:g} km", n, f"{len(lines):,}", s, m))
    _, s, m = timed(lambda: line_index.nearest(lon, lat))
    rows.append(("LineIndex.nearest", n, f"{len(lines):,}", s, m))

    for method in ("nearest", "bilinear"):
        _, s, m = timed(lambda method=method: sample_raster(grid, lon, lat, method=method))
        rows.append((f"sample_raster {method} ({grid_label})", n, "73x144 cells", s, m))

    print(f"cpus: {os.cpu_count()}, load average: {os.getloadavg()[0]:.1f}, seed {args.seed}\n")
    print("| operation | candidates | features | seconds | peak RSS MiB |")
    print("|---|---:|---:|---:|---:|")
    for op, n_cand, n_feat, seconds, mib in rows:
        print(f"| {op} | {n_cand:,} | {n_feat} | {seconds:.2f} | {mib:,.0f} |")


if __name__ == "__main__":
    main()
