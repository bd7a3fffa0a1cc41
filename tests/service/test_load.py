"""Bounded loopback load test: 50 concurrent /v1/score requests of 100 sites each all succeed."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import numpy as np
import pytest

from tests.service.helpers import ALICE, Server, many_points, site_study, start_server

CONCURRENT = 50
SITES = 100


@pytest.fixture(scope="module")
def live(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    data_dir: Path = tmp_path_factory.mktemp("load") / "data"
    running = start_server(data_dir, request_timeout_s=120)
    yield running
    running.stop()


async def fire(url: str, n: int, body: dict[str, object]) -> list[tuple[int, float]]:
    limits = httpx.Limits(max_connections=n, max_keepalive_connections=n)
    headers = {"Authorization": f"Bearer {ALICE}"}
    async with httpx.AsyncClient(
        base_url=url, headers=headers, limits=limits, timeout=180
    ) as client:

        async def one() -> tuple[int, float]:
            started = time.perf_counter()
            response = await client.post("/v1/score", json=body)
            elapsed = time.perf_counter() - started
            if response.status_code == 200:
                assert len(response.json()["features"]) == SITES
            return response.status_code, elapsed

        return await asyncio.gather(*(one() for _ in range(n)))


@pytest.mark.slow
def test_fifty_concurrent_scores_of_a_hundred_sites(live: Server) -> None:
    body = {"study": site_study(), "candidates": many_points(SITES)}
    warm = httpx.post(
        f"{live.url}/v1/score", json=body, headers={"Authorization": f"Bearer {ALICE}"}, timeout=180
    )
    assert warm.status_code == 200, warm.text
    results = asyncio.run(fire(live.url, CONCURRENT, body))
    statuses = [status for status, _ in results]
    assert statuses == [200] * CONCURRENT
    latencies = np.array([elapsed for _, elapsed in results])
    p50, p95 = np.percentile(latencies, [50, 95])
    print(f"\n{CONCURRENT} x {SITES} sites: p50 {p50:.3f} s, p95 {p95:.3f} s")
