"""Crash and overload: jobs survive a server crash; a request over its time limit is stopped."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.service.helpers import ABC, ALICE, Server, many_points, site_study, start_server
from tests.service.test_http import by_site, wait_for


@pytest.mark.slow
def test_restart_after_a_crash(tmp_path: Path) -> None:
    data_dir = tmp_path / "data"
    first = start_server(data_dir, job_workers=1)
    try:
        with first.client(ALICE) as client:
            done_id = client.post(
                "/v1/studies", json={"study": site_study(), "candidates": ABC}
            ).json()["id"]
            assert wait_for(client, done_id, ("succeeded", "failed"))["state"] == "succeeded"
            # a job long enough to be caught running (20 M rank draws), and one queued behind it
            slow = site_study(scoring={"sensitivity": {"samples": 20_000}})
            running_id = client.post(
                "/v1/studies", json={"study": slow, "candidates": many_points(1000)}
            ).json()["id"]
            queued_id = client.post(
                "/v1/studies", json={"study": site_study(), "candidates": ABC}
            ).json()["id"]
            assert (
                wait_for(client, running_id, ("running", "succeeded", "failed"))["state"]
                == "running"
            )
            assert client.get(f"/v1/studies/{queued_id}").json()["state"] == "queued"
    finally:
        first.stop(kill=True)  # SIGKILL: no shutdown code runs
    assert first.process.returncode == -9

    second = start_server(data_dir, job_workers=1)
    try:
        with second.client(ALICE) as client:
            crashed = client.get(f"/v1/studies/{running_id}").json()
            assert crashed["state"] == "failed"
            assert crashed["error"] == "server restarted while running"
            resumed = wait_for(client, queued_id, ("succeeded", "failed"))
            assert resumed["state"] == "succeeded", resumed
            kept = client.get(f"/v1/studies/{done_id}/ranking.geojson")
            assert kept.status_code == 200
            assert by_site(kept.json()["features"])["A"]["score"] == pytest.approx(0.9)
            assert client.get("/health").json()["jobs"]["failed"] == 1
    finally:
        second.stop()


def score_until_ok(server: Server, body: dict[str, Any], within_s: float) -> httpx.Response:
    deadline = time.monotonic() + within_s
    with server.client(ALICE) as client:
        while True:
            response = client.post("/v1/score", json=body)
            if response.status_code == 200 or time.monotonic() > deadline:
                return response
            time.sleep(0.5)


@pytest.mark.slow
def test_request_time_limit_is_408_and_the_worker_is_replaced(tmp_path: Path) -> None:
    server = start_server(tmp_path / "data", request_timeout_s=1.0, sync_workers=1)
    quick = {"study": site_study(), "candidates": ABC}
    # 150 candidates x 130 000 Monte Carlo samples takes seconds (about 3 s on one core)
    slow = {"study": site_study(scoring={"sensitivity": {"samples": 130_000}}),
            "candidates": many_points(150)}  # fmt: skip
    try:
        assert score_until_ok(server, quick, within_s=120).status_code == 200  # worker warm
        started = time.monotonic()
        with server.client(ALICE) as client:
            response = client.post("/v1/score", json=slow)
        assert response.status_code == 408, response.text
        assert "time limit of 1 s" in response.json()["detail"]
        assert time.monotonic() - started < 10.0
        assert score_until_ok(server, quick, within_s=120).status_code == 200  # fresh worker
    finally:
        server.stop()
