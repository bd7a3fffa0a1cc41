"""Fixtures of the service tests: a real server per test module."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.service.helpers import Server, start_server


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """One server for a test module: two keys, small limits, one job at a time."""
    data_dir = tmp_path_factory.mktemp("service") / "data"
    running = start_server(
        data_dir,
        max_sync_candidates=150,
        max_body_bytes=1_000_000,
        max_active_jobs=2,
        job_workers=1,
        sync_workers=2,
        request_timeout_s=30,
    )
    yield running
    running.stop()
