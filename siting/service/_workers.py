"""A fixed pool of worker processes for synchronous requests, with per-request time limits.

Why processes: scoring is CPU-bound Python/numpy; processes run in parallel, a crash (e.g. in
GDAL) cannot take the server down, and a request over its time limit is stopped by killing its
worker, which is then replaced, so no worker is ever left hung. Idle workers wait in an
``asyncio.Queue``; a new worker joins it only once its imports are done (it says ``ready``), so
a replacement never eats a request's time limit. A request that cannot get a worker within its
time limit is refused (429).
"""

from __future__ import annotations

import asyncio
import logging
import multiprocessing
import os
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from multiprocessing.connection import Connection
from multiprocessing.process import BaseProcess
from typing import Any

from siting.service._tasks import worker_main
from siting.service.errors import ApiError

__all__ = ["WorkerPool"]

logger = logging.getLogger(__name__)

JOIN_TIMEOUT_S = 5.0
READY_TIMEOUT_S = 300.0
"""Longest a new worker may take to import the library before it is given up."""


class _Worker:
    """One worker process and the parent's end of its pipe."""

    def __init__(self, ctx: Any) -> None:  # Any: a multiprocessing context
        parent, child = ctx.Pipe(duplex=True)
        self.conn: Connection = parent
        self.process: BaseProcess = ctx.Process(
            target=worker_main, args=(child, os.getpid()), name="siting-sync-worker", daemon=True
        )
        self.process.start()
        child.close()

    def wait_ready(self, timeout_s: float) -> bool:
        """Wait for the worker's ``("ready",)`` message (its imports are done)."""
        try:
            return bool(self.conn.poll(timeout_s)) and self.conn.recv() == ("ready",)
        except (EOFError, OSError):
            return False

    def call(self, message: tuple[Any, ...], timeout_s: float) -> tuple[Any, ...]:  # Any: task
        """Send a task and wait for its answer; raise TimeoutError or EOFError."""
        self.conn.send(message)
        if not self.conn.poll(timeout_s):
            raise TimeoutError
        answer: tuple[Any, ...] = self.conn.recv()
        return answer

    def stop(self, *, kill: bool) -> None:
        """Stop the process (ask politely unless ``kill``) and close the pipe."""
        if not kill:
            try:
                self.conn.send(None)
            except OSError:
                kill = True
        if kill and self.process.is_alive():
            self.process.kill()
        self.process.join(JOIN_TIMEOUT_S)
        if self.process.is_alive():
            self.process.kill()
            self.process.join(JOIN_TIMEOUT_S)
        self.conn.close()


class WorkerPool:
    """``size`` spawned worker processes serving ``score`` and ``sample`` tasks.

    Parameters
    ----------
    size
        Number of worker processes.
    """

    def __init__(self, size: int) -> None:
        self.size = size
        self._ctx = multiprocessing.get_context("spawn")
        self._idle: asyncio.Queue[_Worker] | None = None
        self._all: set[_Worker] = set()
        self._threads = ThreadPoolExecutor(max_workers=size, thread_name_prefix="siting-sync")
        self._loop: asyncio.AbstractEventLoop | None = None
        self._closing = False

    def start(self) -> None:
        """Start the workers (call from the event loop that will use the pool)."""
        self._idle = asyncio.Queue()
        self._loop = asyncio.get_running_loop()
        for _ in range(self.size):
            self._spawn()

    def _spawn(self) -> None:
        """Start a worker; it joins the idle queue once its imports are done."""
        worker = _Worker(self._ctx)
        self._all.add(worker)
        threading.Thread(
            target=self._admit, args=(worker,), name="siting-sync-start", daemon=True
        ).start()

    def _admit(self, worker: _Worker) -> None:
        """Wait (in a thread) until ``worker`` is ready, then make it available."""
        if worker.wait_ready(READY_TIMEOUT_S):
            self._loop.call_soon_threadsafe(self._idle.put_nowait, worker)  # type: ignore[union-attr]
            return
        if worker in self._all and not self._closing:
            logger.error("a sync worker did not start (exit code %s)", worker.process.exitcode)
            self._all.discard(worker)
            worker.stop(kill=True)

    def _replace(self, worker: _Worker) -> None:
        """Kill ``worker`` and start a fresh one."""
        self._all.discard(worker)
        worker.stop(kill=True)
        self._spawn()

    async def run(self, kind: str, *args: Any, timeout_s: float) -> Any:  # Any: task values
        """Run task ``kind`` on a worker and return its value.

        Raises
        ------
        ApiError
            429 when no worker frees up in time, 408 when the task exceeds the time limit,
            the task's status for a ``SitingError`` in it, 500 when the worker crashed or the
            task failed unexpectedly.
        """
        assert self._idle is not None  # start() ran (internal invariant)
        started = time.monotonic()
        try:
            worker = await asyncio.wait_for(self._idle.get(), timeout=timeout_s)
        except TimeoutError as err:
            msg = (
                f"all {self.size} scoring workers stayed busy for the request time limit of "
                f"{timeout_s:g} s; retry later"
            )
            raise ApiError(429, "limit", msg, {"Retry-After": "5"}) from err
        remaining = max(0.0, timeout_s - (time.monotonic() - started))
        loop = asyncio.get_running_loop()
        try:
            answer = await loop.run_in_executor(self._threads, worker.call, (kind, args), remaining)
        except TimeoutError as err:
            self._replace(worker)
            msg = (
                f"the request exceeded the time limit of {timeout_s:g} s and was stopped; "
                "send fewer candidates or submit the study as a job (POST /v1/studies)"
            )
            raise ApiError(408, "limit", msg) from err
        except (EOFError, OSError) as err:
            self._replace(worker)
            logger.error("sync worker died during a %s task: %s", kind, err)
            raise ApiError(500, "internal", "the worker process died; see the server log") from err
        self._idle.put_nowait(worker)
        if answer[0] == "ok":
            return answer[1]
        _, status, error_kind, message = answer
        if answer[0] == "crash":
            logger.error("unexpected error in a %s task:\n%s", kind, message)
            message = "unexpected server error; see the server log"
        raise ApiError(status, error_kind, message)

    def close(self) -> None:
        """Stop every worker."""
        self._closing = True
        for worker in list(self._all):
            worker.stop(kill=False)
        self._all.clear()
        self._threads.shutdown(wait=False, cancel_futures=True)
