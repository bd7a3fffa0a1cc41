"""Run study jobs in the background: one spawned process per job, at most N at once.

A scheduler thread starts the oldest queued jobs while fewer than ``job_workers`` run; a
monitor thread per running job persists each progress message to the store, enforces the job
time limit and records the outcome. Processes (not threads) are used so that a job can be
stopped at any moment (time limit, DELETE, shutdown) and a crash in it cannot harm the server.
Queued jobs survive a restart and run when the server is back; running ones are marked failed
by :meth:`siting.service.store.JobStore.recover` at start-up.
"""

from __future__ import annotations

import logging
import multiprocessing
import os
import shutil
import threading
import time
from multiprocessing.connection import Connection
from multiprocessing.process import BaseProcess
from pathlib import Path
from typing import Any

from siting.service._tasks import RESULT_DIRNAME, job_main
from siting.service.settings import ServiceSettings
from siting.service.store import JobStore

__all__ = ["JobRunner"]

logger = logging.getLogger(__name__)

POLL_S = 0.2
JOIN_TIMEOUT_S = 5.0
STOP_REASON = "server stopped while running"


class _Running:
    def __init__(self, job_id: str, process: BaseProcess, conn: Connection) -> None:
        self.job_id = job_id
        self.process = process
        self.conn = conn
        self.cancelled = threading.Event()
        self.finished = threading.Event()


class JobRunner:
    """Start queued jobs in processes and follow them to the end.

    Parameters
    ----------
    store
        The job store.
    settings
        Service settings (``job_workers``, ``job_timeout_s``, ``dask_scheduler``, folders).
    """

    def __init__(self, store: JobStore, settings: ServiceSettings) -> None:
        self.store = store
        self.settings = settings
        self._ctx = multiprocessing.get_context("spawn")
        self._cond = threading.Condition()
        self._running: dict[str, _Running] = {}
        self._stopping = False
        self._thread = threading.Thread(target=self._loop, name="siting-jobs", daemon=True)

    def job_dir(self, job_id: str) -> Path:
        """Return the folder of job ``job_id``."""
        return self.settings.studies_dir / job_id

    def result_dir(self, job_id: str) -> Path:
        """Return the results folder of job ``job_id``."""
        return self.job_dir(job_id) / RESULT_DIRNAME

    def start(self) -> None:
        """Start the scheduler thread."""
        self._thread.start()

    def wake(self) -> None:
        """Tell the scheduler that a job was queued."""
        with self._cond:
            self._cond.notify_all()

    def _loop(self) -> None:
        while True:
            with self._cond:
                while not self._stopping and len(self._running) >= self.settings.job_workers:
                    self._cond.wait()
                if self._stopping:
                    return
                job_id = self.store.next_queued(exclude=set(self._running))
                if job_id is None:
                    self._cond.wait(timeout=1.0)
                    continue
                if not self.store.mark_running(job_id):
                    continue
                self._launch(job_id)

    def _launch(self, job_id: str) -> None:
        """Start job ``job_id``'s process and its monitor thread (caller holds the lock)."""
        parent, child = self._ctx.Pipe(duplex=False)
        process = self._ctx.Process(
            target=job_main,
            args=(
                str(self.job_dir(job_id)),
                child,
                os.getpid(),
                self.settings.dask_scheduler,
                self.settings.dask_min_candidates,
                self.settings.max_sensitivity_draws,
            ),
            name=f"siting-job-{job_id}",
            daemon=True,
        )
        process.start()
        child.close()
        running = _Running(job_id, process, parent)
        self._running[job_id] = running
        threading.Thread(
            target=self._monitor, args=(running,), name=f"siting-monitor-{job_id}", daemon=True
        ).start()

    def _monitor(self, job: _Running) -> None:
        deadline = time.monotonic() + self.settings.job_timeout_s
        outcome: tuple[str, str | None] | None = None
        try:
            while outcome is None:
                if job.cancelled.is_set():
                    break
                if time.monotonic() > deadline:
                    limit = self.settings.job_timeout_s
                    outcome = ("failed", f"the job exceeded its time limit of {limit:g} s")
                    break
                if not job.conn.poll(POLL_S):
                    continue
                try:
                    message = job.conn.recv()
                except (EOFError, OSError):
                    job.process.join(JOIN_TIMEOUT_S)
                    code = job.process.exitcode
                    outcome = ("failed", f"the job process exited unexpectedly (exit code {code})")
                    break
                outcome = self._handle(job.job_id, message)
        finally:
            if job.process.is_alive():
                job.process.kill()
            job.process.join(JOIN_TIMEOUT_S)
            job.conn.close()
            if outcome is not None and not job.cancelled.is_set():
                state, error = outcome
                self.store.finish(
                    job.job_id, state="succeeded" if state == "done" else "failed", error=error
                )
                logger.info("study job %s %s%s", job.job_id, state, f": {error}" if error else "")
            with self._cond:
                self._running.pop(job.job_id, None)
                self._cond.notify_all()
            job.finished.set()

    def _handle(
        self, job_id: str, message: tuple[Any, ...]
    ) -> tuple[str, str | None] | None:  # Any: message fields
        """Persist one message from a job; return its outcome when the job has ended."""
        kind = message[0]
        if kind == "progress":
            _, stage, done, total = message
            self.store.set_progress(job_id, stage, done, total)
            return None
        if kind == "candidates":
            self.store.set_candidates(job_id, n_candidates=message[1], engine=message[2])
            return None
        if kind == "done":
            return ("done", None)
        if kind == "failed":
            return ("failed", str(message[1]))
        logger.error("study job %s crashed:\n%s", job_id, message[1])
        last = str(message[1]).strip().splitlines()[-1:] or ["unknown error"]
        return ("failed", f"internal error: {last[0]}")

    def cancel(self, job_id: str) -> None:
        """Stop job ``job_id`` if it is running and wait until its process is gone."""
        with self._cond:
            job = self._running.get(job_id)
        if job is None:
            return
        job.cancelled.set()
        job.finished.wait(JOIN_TIMEOUT_S + 2 * POLL_S + 1.0)

    def remove_files(self, job_id: str) -> None:
        """Delete job ``job_id``'s folder (input and results)."""
        shutil.rmtree(self.job_dir(job_id), ignore_errors=True)

    def running_count(self) -> int:
        """Return how many jobs are running now."""
        with self._cond:
            return len(self._running)

    def stop(self) -> None:
        """Stop scheduling, stop running jobs and mark them failed ("server stopped...")."""
        with self._cond:
            self._stopping = True
            jobs = list(self._running.values())
            self._cond.notify_all()
        for job in jobs:
            job.cancelled.set()
        for job in jobs:
            job.finished.wait(JOIN_TIMEOUT_S + 2 * POLL_S + 1.0)
            self.store.finish(job.job_id, state="failed", error=STOP_REASON)
        self._thread.join(JOIN_TIMEOUT_S)
