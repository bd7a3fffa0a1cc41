"""Benchmark: concurrent ``POST /v1/score`` requests against a real ``siting serve`` on loopback.

Run: ``.venv/bin/python benchmarks/bench_service.py [--concurrent 50] [--sites 100]
[--rounds 3] [--sync-workers N]``. Starts the server in a subprocess on 127.0.0.1 (a free port,
a temporary data folder, one API key), warms it up, then fires ``--concurrent`` simultaneous
requests of ``--sites`` candidates per round and reports latency percentiles over all requests.
Every request must answer 200; the study uses only the candidates' own columns (no layer data).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import httpx
import numpy as np

KEY = "bench-key"
STUDY: dict[str, Any] = {
    "study": {"name": "bench", "it_load_mw": 20},
    "constraints": [{"attribute": "site.land_price", "max": 90}],
    "criteria": [
        {"attribute": "site.land_price", "better": "lower", "weight": 2,
         "value": {"function": "linear", "worst": 100, "best": 0}},
        {"attribute": "site.fibre_gbps", "better": "higher", "value": {"function": "minmax"}},
    ],
}  # fmt: skip


def candidates(n: int, seed: int) -> dict[str, Any]:
    rng = np.random.default_rng(seed)
    lon, lat = rng.uniform(-9.0, 30.0, n), rng.uniform(36.0, 70.0, n)
    price, fibre = rng.uniform(0.0, 100.0, n), rng.integers(1, 100, n)
    features = [
        {"type": "Feature",
         "properties": {"site_id": f"s{i:05d}", "land_price": float(price[i]),
                        "fibre_gbps": int(fibre[i])},
         "geometry": {"type": "Point", "coordinates": [float(lon[i]), float(lat[i])]}}
        for i in range(n)
    ]  # fmt: skip
    return {"type": "FeatureCollection", "features": features}


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def start(data_dir: Path, sync_workers: int | None) -> tuple[subprocess.Popen[bytes], str]:
    port = free_port()
    env = {**os.environ, "SITING_HOST": "127.0.0.1", "SITING_PORT": str(port),
           "SITING_DATA_DIR": str(data_dir), "SITING_API_KEYS": KEY,
           "SITING_REQUEST_TIMEOUT_S": "300", "SITING_OFFLINE": "1"}  # fmt: skip
    if sync_workers:
        env["SITING_SYNC_WORKERS"] = str(sync_workers)
    log = (data_dir / "server.log").open("wb")
    process = subprocess.Popen(
        [sys.executable, "-c", "from siting.cli import main; main()", "serve"],
        env=env, stdout=log, stderr=subprocess.STDOUT,
    )  # fmt: skip
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"{url}/health", timeout=2).status_code == 200:
                return process, url
        except httpx.TransportError:
            time.sleep(0.2)
    process.kill()
    raise SystemExit("server did not start; see " + str(data_dir / "server.log"))


async def round_trip(url: str, n: int, body: dict[str, Any]) -> list[tuple[int, float]]:
    limits = httpx.Limits(max_connections=n, max_keepalive_connections=n)
    async with httpx.AsyncClient(base_url=url, limits=limits, timeout=300,
                                 headers={"Authorization": f"Bearer {KEY}"}) as client:  # fmt: skip

        async def one() -> tuple[int, float]:
            started = time.perf_counter()
            response = await client.post("/v1/score", json=body)
            return response.status_code, time.perf_counter() - started

        return await asyncio.gather(*(one() for _ in range(n)))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--concurrent", type=int, default=50)
    parser.add_argument("--sites", type=int, default=100)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--sync-workers", type=int, default=None)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    body = {"study": STUDY, "candidates": candidates(args.sites, args.seed)}
    with tempfile.TemporaryDirectory(prefix="siting-bench-") as tmp:
        process, url = start(Path(tmp), args.sync_workers)
        try:
            workers = args.sync_workers or "default"
            for _ in range(3):  # warm every worker process
                asyncio.run(round_trip(url, 4, body))
            statuses: list[int] = []
            latencies: list[float] = []
            started = time.perf_counter()
            for _ in range(args.rounds):
                results = asyncio.run(round_trip(url, args.concurrent, body))
                statuses += [s for s, _ in results]
                latencies += [t for _, t in results]
            wall = time.perf_counter() - started
        finally:
            process.send_signal(signal.SIGTERM)
            process.wait(timeout=60)
    lat = np.array(latencies)
    p50, p95, p99 = np.percentile(lat, [50, 95, 99])
    report = {
        "concurrent": args.concurrent, "sites": args.sites, "rounds": args.rounds,
        "sync_workers": workers, "cpus": os.cpu_count(),
        "ok": int(sum(s == 200 for s in statuses)), "requests": len(statuses),
        "p50_s": round(float(p50), 3), "p95_s": round(float(p95), 3),
        "p99_s": round(float(p99), 3), "max_s": round(float(lat.max()), 3),
        "requests_per_s": round(len(statuses) / wall, 1),
        "sites_per_s": round(len(statuses) * args.sites / wall, 0),
    }  # fmt: skip
    print(json.dumps(report, indent=2))
    if report["ok"] != report["requests"]:
        raise SystemExit(f"{report['requests'] - report['ok']} requests failed: {set(statuses)}")


if __name__ == "__main__":
    main()
