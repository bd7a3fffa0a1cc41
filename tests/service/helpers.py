"""Helpers: start the real service (``siting serve``) on 127.0.0.1 in a subprocess; tiny inputs."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest

START_TIMEOUT_S = 120.0
ALICE = "alice-key-0123456789"
BOB = "bob-key-9876543210"


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class Server:
    url: str
    process: subprocess.Popen[bytes]
    data_dir: Path
    log: Path
    settings: dict[str, Any]

    def client(self, key: str | None = ALICE, timeout: float = 60.0) -> httpx.Client:
        headers = {"Authorization": f"Bearer {key}"} if key else {}
        return httpx.Client(base_url=self.url, headers=headers, timeout=timeout)

    def log_text(self) -> str:
        return self.log.read_text(errors="replace") if self.log.exists() else ""

    def stop(self, *, kill: bool = False) -> None:
        if self.process.poll() is not None:
            return
        if kill:
            self.process.send_signal(signal.SIGKILL)
        else:
            self.process.send_signal(signal.SIGTERM)
        try:
            self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(timeout=10)


def start_server(data_dir: Path, **settings: Any) -> Server:
    """Run ``siting serve`` with ``SITING_<NAME>=value`` settings; wait until /health answers."""
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("SITING_") or k in (
        "SITING_DATA_MIRROR", "SITING_CACHE_DIR", "SITING_OFFLINE")}  # fmt: skip
    env["SITING_OFFLINE"] = "1"  # tests never download: data comes from the mirror or not at all
    values: Mapping[str, Any] = {"api_keys": f"{ALICE},{BOB}", **settings}
    env.update({f"SITING_{k.upper()}": str(v) for k, v in values.items()})
    env.update({"SITING_HOST": "127.0.0.1", "SITING_PORT": str(port),
                "SITING_DATA_DIR": str(data_dir)})  # fmt: skip
    log = data_dir.parent / f"{data_dir.name}-server-{port}.log"
    with log.open("ab") as handle:
        process = subprocess.Popen(
            [sys.executable, "-c", "from siting.cli import main; main()", "serve"],
            env=env,
            stdout=handle,
            stderr=subprocess.STDOUT,
        )
    server = Server(f"http://127.0.0.1:{port}", process, data_dir, log, dict(values))
    deadline = time.monotonic() + START_TIMEOUT_S
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"server exited with {process.returncode}:\n{server.log_text()}")
        try:
            if httpx.get(f"{server.url}/health", timeout=2).status_code == 200:
                return server
        except httpx.TransportError:
            pass
        time.sleep(0.2)
    server.stop(kill=True)
    pytest.fail(f"server did not answer /health within {START_TIMEOUT_S} s:\n{server.log_text()}")


def points(rows: list[tuple[str, float, float, dict[str, Any]]]) -> dict[str, Any]:
    """GeoJSON FeatureCollection of points: (site_id, lon, lat, other properties)."""
    return {
        "type": "FeatureCollection",
        "features": [
            {
                "type": "Feature",
                "properties": {"site_id": site_id, **props},
                "geometry": {"type": "Point", "coordinates": [lon, lat]},
            }
            for site_id, lon, lat, props in rows
        ],
    }


def many_points(n: int) -> dict[str, Any]:
    """``n`` points across Europe with site.land_price and site.fibre_gbps."""
    return points(
        [
            (f"s{i:05d}", -8.0 + (i % 97) * 0.3, 38.0 + (i % 89) * 0.25,
             {"land_price": float(i % 100), "fibre_gbps": float(i % 11)})
            for i in range(n)
        ]
    )  # fmt: skip


# Hand-computed example: linear values, equal weights (WSM):
#   A: land_price 20 -> 0.8, fibre 10 -> 1.0 -> score 0.9, rank 1
#   B: land_price 50 -> 0.5, fibre 5  -> 0.5 -> score 0.5, rank 2
#   C: land_price 90 -> excluded by "land_price <= 80" ("too expensive")
ABC = points(
    [
        ("A", 8.68, 50.11, {"land_price": 20.0, "fibre_gbps": 10.0, "name": "Frankfurt"}),
        ("B", 2.35, 48.86, {"land_price": 50.0, "fibre_gbps": 5.0}),
        ("C", 10.75, 59.91, {"land_price": 90.0, "fibre_gbps": 8.0}),
    ]
)


def site_study(**extra: Any) -> dict[str, Any]:
    study: dict[str, Any] = {
        "study": {"name": "service-test", "it_load_mw": 20},
        "constraints": [{"attribute": "site.land_price", "max": 80, "reason": "too expensive"}],
        "criteria": [
            {"attribute": "site.land_price", "better": "lower", "weight": 1,
             "value": {"function": "linear", "worst": 100, "best": 0}},
            {"attribute": "site.fibre_gbps", "better": "higher", "weight": 1,
             "value": {"function": "linear", "worst": 0, "best": 10}},
        ],
    }  # fmt: skip
    study.update(extra)
    return study
