"""Settings of the HTTP service, read from ``SITING_*`` environment variables (pydantic-settings).

Every field has a safe default: the server listens on the loopback interface only, keys are off
(anonymous access, which ``siting serve`` allows only on a loopback address), and every request,
job and queue is bounded. Keyword arguments (the CLI's options) win over the environment.

>>> s = ServiceSettings(api_keys="k1, k2", data_dir="/tmp/siting-doc")
>>> s.host, s.key_list()
('127.0.0.1', ('k1', 'k2'))
"""

from __future__ import annotations

import ipaddress
import os
from pathlib import Path

import platformdirs
from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict

__all__ = ["DEFAULT_DATA_DIR", "ServiceSettings", "is_loopback"]

DEFAULT_DATA_DIR = Path(platformdirs.user_data_dir("siting")) / "service"
"""Default folder of the job store (``studies.sqlite3``) and the result folders."""

MIB = 1024 * 1024


def is_loopback(host: str) -> bool:
    """Return whether ``host`` names only the local machine (``localhost``, 127.0.0.0/8, ::1).

    >>> is_loopback("127.0.0.1"), is_loopback("localhost"), is_loopback("0.0.0.0")
    (True, True, False)
    """
    if host.strip().lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


class ServiceSettings(BaseSettings):
    """Service settings; each field ``x`` is read from ``SITING_X``.

    Parameters
    ----------
    host, port
        Listening address; ``127.0.0.1`` (local only) by default.
    data_dir
        Folder of the SQLite job store and the result folders.
    api_keys
        Comma-separated API keys (``SITING_API_KEYS``); empty means no keys (anonymous access).
        Clients send ``Authorization: Bearer KEY``; only hashes are kept once the app is built.
    max_body_bytes
        Largest request body accepted, bytes (larger is 413).
    max_sync_candidates
        Most candidates in one ``/v1/score`` or ``/v1/sample`` request (more is 413).
    max_job_candidates
        Most inline candidates in one ``/v1/studies`` job (more is 413).
    max_sensitivity_draws
        Most candidates x ``scoring.sensitivity.samples`` in one request or job (more is 413):
        the Monte Carlo keeps one rank per candidate and sample in memory.
    max_reports
        Largest ``output.top_n_reports`` a job may ask for (more is 422).
    request_timeout_s
        Time limit of a synchronous request (queueing plus compute), seconds (exceeded is 408).
    sync_workers
        Worker processes serving ``/v1/score`` and ``/v1/sample``.
    job_workers
        Study jobs running at once (each in its own process); more wait queued.
    max_active_jobs
        Queued plus running jobs allowed per API key (more is 429).
    max_queued_jobs
        Queued plus running jobs allowed on the server in all (more is 429).
    job_timeout_s
        Time limit of one study job, seconds; a job over it is stopped and marked failed.
    dask_scheduler
        Address of a dask.distributed scheduler; jobs with more than ``dask_min_candidates``
        candidates then run with ``engine="dask"``.
    dask_min_candidates
        Candidate count above which a job goes to the dask scheduler (when one is set).
    """

    model_config = SettingsConfigDict(env_prefix="SITING_", extra="ignore", frozen=True)

    host: str = "127.0.0.1"
    port: int = Field(default=8000, ge=0, le=65535)
    data_dir: Path = DEFAULT_DATA_DIR
    api_keys: SecretStr = SecretStr("")
    max_body_bytes: int = Field(default=20 * MIB, gt=0)
    max_sync_candidates: int = Field(default=5000, gt=0)
    max_job_candidates: int = Field(default=200_000, gt=0)
    max_sensitivity_draws: int = Field(default=20_000_000, gt=0)
    max_reports: int = Field(default=50, ge=0)
    request_timeout_s: float = Field(default=60.0, gt=0, allow_inf_nan=False)
    sync_workers: int = Field(default=max(1, min(4, os.cpu_count() or 1)), ge=1, le=64)
    job_workers: int = Field(default=2, ge=1, le=64)
    max_active_jobs: int = Field(default=10, ge=1)
    max_queued_jobs: int = Field(default=100, ge=1)
    job_timeout_s: float = Field(default=3600.0, gt=0, allow_inf_nan=False)
    dask_scheduler: str | None = None
    dask_min_candidates: int = Field(default=50_000, ge=0)

    def key_list(self) -> tuple[str, ...]:
        """Return the configured API keys (stripped, blanks dropped), in the order given."""
        raw = self.api_keys.get_secret_value()
        return tuple(dict.fromkeys(k.strip() for k in raw.split(",") if k.strip()))

    @property
    def db_path(self) -> Path:
        """Path of the SQLite job store."""
        return self.data_dir / "studies.sqlite3"

    @property
    def studies_dir(self) -> Path:
        """Folder holding one folder per study job (its input and its results)."""
        return self.data_dir / "studies"
