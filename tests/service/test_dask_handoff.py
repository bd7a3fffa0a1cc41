"""The service hands large jobs to a dask scheduler when one is configured (issue 10, item 3)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.service.helpers import Server, many_points, start_server
from tests.service.test_http import by_site, wait_for

distributed = pytest.importorskip("distributed")


@pytest.fixture(scope="module")
def scheduler_address() -> Iterator[str]:
    cluster = distributed.LocalCluster(
        n_workers=1, threads_per_worker=1, processes=True, dashboard_address=":0"
    )
    try:
        yield cluster.scheduler_address
    finally:
        cluster.close()


@pytest.fixture
def dask_server(tmp_path: Path, scheduler_address: str) -> Iterator[Server]:
    running = start_server(
        tmp_path / "data",
        dask_scheduler=scheduler_address,
        dask_min_candidates=5,
        job_workers=1,
        request_timeout_s=120,
    )
    yield running
    running.stop()


@pytest.mark.realdata
def test_large_job_runs_on_the_dask_engine(mirror: Path, dask_server: Server) -> None:
    study = {
        "study": {"name": "dask-handoff", "it_load_mw": 20},
        "criteria": [
            {"attribute": "site.land_price", "better": "lower", "weight": 1},
            {"attribute": "climate.free_cooling_hours", "better": "higher", "weight": 1},
        ],
        "output": {"top_n_reports": 1},
    }
    small = {"type": "FeatureCollection", "features": many_points(20)["features"][:4]}
    with dask_server.client(timeout=120) as client:
        big_id = client.post("/v1/studies", json={"study": study, "candidates": many_points(20)})
        assert big_id.status_code == 202, big_id.text
        status = wait_for(client, big_id.json()["id"], ("succeeded", "failed"))
        assert status["state"] == "succeeded", status
        assert status["engine"] == "dask"
        sites = by_site(
            client.get(f"/v1/studies/{big_id.json()['id']}/ranking.geojson").json()["features"]
        )
        assert len(sites) == 20
        assert all(s["climate.free_cooling_hours"] > 0 for s in sites.values())

        small_id = client.post("/v1/studies", json={"study": study, "candidates": small})
        status = wait_for(client, small_id.json()["id"], ("succeeded", "failed"))
        assert status["state"] == "succeeded", status
        assert status["engine"] == "local"  # at or below dask_min_candidates: stays local
