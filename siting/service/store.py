"""The embedded SQLite job store: study jobs, their owner, state and per-stage progress.

One database file (``<data_dir>/studies.sqlite3``, WAL journal, ``synchronous=FULL``) holds the
metadata; each job's input and results live in ``<data_dir>/studies/<id>/``. Every change is one
transaction, so a crash leaves each job either fully recorded or absent. Owners are stored as
the SHA-256 hex digest of their API key (``""`` when the server runs without keys), never the
key itself.

>>> import tempfile, pathlib
>>> store = JobStore(pathlib.Path(tempfile.mkdtemp()) / "s.sqlite3")
>>> job = store.create(owner="o1", name="demo")
>>> store.get(job.id, owner="o1").state, store.get(job.id, owner="o2")
('queued', None)
>>> store.close()
"""

from __future__ import annotations

import sqlite3
import threading
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Literal

from siting.service.errors import ApiError

__all__ = ["ACTIVE_STATES", "JOB_STATES", "RESTART_REASON", "JobRecord", "JobStore"]

JobState = Literal["queued", "running", "succeeded", "failed"]
JOB_STATES: tuple[JobState, ...] = ("queued", "running", "succeeded", "failed")
ACTIVE_STATES: tuple[JobState, ...] = ("queued", "running")
RESTART_REASON = "server restarted while running"
"""Error recorded on a job that was running when the server stopped without finishing it."""

_SCHEMA = """
CREATE TABLE IF NOT EXISTS studies (
    id TEXT PRIMARY KEY,
    owner TEXT NOT NULL,
    name TEXT NOT NULL,
    state TEXT NOT NULL,
    created_at TEXT NOT NULL,
    started_at TEXT,
    finished_at TEXT,
    n_candidates INTEGER,
    engine TEXT,
    error TEXT
);
CREATE INDEX IF NOT EXISTS studies_owner ON studies (owner, created_at);
CREATE INDEX IF NOT EXISTS studies_state ON studies (state, created_at);
CREATE TABLE IF NOT EXISTS progress (
    study_id TEXT NOT NULL REFERENCES studies (id) ON DELETE CASCADE,
    stage TEXT NOT NULL,
    done INTEGER NOT NULL,
    total INTEGER NOT NULL,
    PRIMARY KEY (study_id, stage)
);
"""
_COLUMNS = (
    "id, owner, name, state, created_at, started_at, finished_at, n_candidates, engine, error"
)


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="milliseconds")


@dataclass(frozen=True)
class JobRecord:
    """One stored study job; ``progress`` maps stage -> ``(done, total)``."""

    id: str
    owner: str
    name: str
    state: JobState
    created_at: str
    started_at: str | None = None
    finished_at: str | None = None
    n_candidates: int | None = None
    engine: str | None = None
    error: str | None = None
    progress: dict[str, tuple[int, int]] = field(default_factory=dict)


class JobStore:
    """Thread-safe access to the job database (one connection, one lock, one transaction each).

    Parameters
    ----------
    path
        The SQLite file; created with its folder when missing.
    """

    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._lock = threading.Lock()
        self._conn = sqlite3.connect(self.path, check_same_thread=False, isolation_level=None)
        self._conn.execute("PRAGMA journal_mode=WAL")
        self._conn.execute("PRAGMA synchronous=FULL")
        self._conn.execute("PRAGMA foreign_keys=ON")
        self._conn.execute("PRAGMA busy_timeout=5000")
        self._conn.executescript(_SCHEMA)

    @contextmanager
    def _tx(self) -> Iterator[sqlite3.Cursor]:
        """Run a block as one transaction under the store lock."""
        with self._lock:
            cur = self._conn.cursor()
            cur.execute("BEGIN IMMEDIATE")
            try:
                yield cur
            except BaseException:
                cur.execute("ROLLBACK")
                raise
            cur.execute("COMMIT")

    def close(self) -> None:
        """Close the database connection."""
        with self._lock:
            self._conn.close()

    def create(
        self,
        *,
        owner: str,
        name: str,
        job_id: str | None = None,
        max_active_owner: int | None = None,
        max_active_total: int | None = None,
    ) -> JobRecord:
        """Insert a new queued job and return it; the limits are checked in the same transaction.

        Parameters
        ----------
        max_active_owner, max_active_total
            Most queued plus running jobs allowed for ``owner`` and for everyone (None: no limit).

        Raises
        ------
        ApiError
            429 when a limit would be exceeded.
        """
        record = JobRecord(
            id=job_id or uuid.uuid4().hex, owner=owner, name=name, state="queued", created_at=_now()
        )
        with self._tx() as cur:
            active = "SELECT COUNT(*) FROM studies WHERE state IN ('queued', 'running')"
            limits = (
                (max_active_owner, active + " AND owner = ?", (owner,), "for this API key"),
                (max_active_total, active, (), "on this server"),
            )
            for limit, sql, args, whose in limits:
                if limit is not None and int(cur.execute(sql, args).fetchone()[0]) >= limit:
                    msg = (
                        f"{limit} study jobs are already queued or running {whose}, the limit; "
                        "wait for one to finish or delete one"
                    )
                    raise ApiError(429, "limit", msg, {"Retry-After": "30"})
            cur.execute(
                "INSERT INTO studies (id, owner, name, state, created_at) VALUES (?, ?, ?, ?, ?)",
                (record.id, owner, name, record.state, record.created_at),
            )
        return record

    def _record(self, cur: sqlite3.Cursor, row: tuple[object, ...]) -> JobRecord:
        rows = cur.execute(
            "SELECT stage, done, total FROM progress WHERE study_id = ?", (row[0],)
        ).fetchall()
        keys = _COLUMNS.split(", ")
        values = dict(zip(keys, row, strict=True))
        return JobRecord(**values, progress={s: (int(d), int(t)) for s, d, t in rows})  # type: ignore[arg-type]

    def get(self, job_id: str, *, owner: str | None) -> JobRecord | None:
        """Return job ``job_id`` if ``owner`` owns it (``owner=None``: any owner), else None."""
        with self._tx() as cur:
            row = cur.execute(f"SELECT {_COLUMNS} FROM studies WHERE id = ?", (job_id,)).fetchone()
            if row is None or (owner is not None and row[1] != owner):
                return None
            return self._record(cur, row)

    def list_jobs(self, *, owner: str) -> list[JobRecord]:
        """Return ``owner``'s jobs, newest first."""
        with self._tx() as cur:
            rows = cur.execute(
                f"SELECT {_COLUMNS} FROM studies WHERE owner = ? "
                "ORDER BY created_at DESC, rowid DESC",
                (owner,),
            ).fetchall()
            return [self._record(cur, row) for row in rows]

    def count_active(self, *, owner: str | None = None) -> int:
        """Return the number of queued or running jobs (of ``owner``, or of everyone)."""
        sql = "SELECT COUNT(*) FROM studies WHERE state IN ('queued', 'running')"
        args: tuple[str, ...] = ()
        if owner is not None:
            sql += " AND owner = ?"
            args = (owner,)
        with self._tx() as cur:
            return int(cur.execute(sql, args).fetchone()[0])

    def counts(self) -> dict[str, int]:
        """Return the number of jobs in each state."""
        with self._tx() as cur:
            found = cur.execute("SELECT state, COUNT(*) FROM studies GROUP BY state").fetchall()
        rows = dict(found)
        return {state: int(rows.get(state, 0)) for state in JOB_STATES}

    def next_queued(self, *, exclude: set[str]) -> str | None:
        """Return the oldest queued job not in ``exclude``, or None."""
        with self._tx() as cur:
            for (job_id,) in cur.execute(
                "SELECT id FROM studies WHERE state = 'queued' ORDER BY created_at, rowid"
            ).fetchall():
                if job_id not in exclude:
                    return str(job_id)
        return None

    def mark_running(self, job_id: str) -> bool:
        """Move a queued job to running; return False if it is no longer queued (deleted)."""
        with self._tx() as cur:
            cur.execute(
                "UPDATE studies SET state = 'running', started_at = ? "
                "WHERE id = ? AND state = 'queued'",
                (_now(), job_id),
            )
            return cur.rowcount == 1

    def set_candidates(self, job_id: str, *, n_candidates: int, engine: str) -> None:
        """Record how many candidates a job has and the engine it runs on."""
        with self._tx() as cur:
            cur.execute(
                "UPDATE studies SET n_candidates = ?, engine = ? WHERE id = ?",
                (n_candidates, engine, job_id),
            )

    def set_progress(self, job_id: str, stage: str, done: int, total: int) -> None:
        """Record a stage's progress (``done`` of ``total`` steps)."""
        with self._tx() as cur:
            if cur.execute("SELECT 1 FROM studies WHERE id = ?", (job_id,)).fetchone() is None:
                return
            cur.execute(
                "INSERT INTO progress (study_id, stage, done, total) VALUES (?, ?, ?, ?) "
                "ON CONFLICT (study_id, stage) DO UPDATE SET done = excluded.done, "
                "total = excluded.total",
                (job_id, stage, int(done), int(total)),
            )

    def finish(self, job_id: str, *, state: JobState, error: str | None = None) -> None:
        """Record a job's end: ``succeeded`` or ``failed`` with its error."""
        with self._tx() as cur:
            cur.execute(
                "UPDATE studies SET state = ?, error = ?, finished_at = ? WHERE id = ?",
                (state, error, _now(), job_id),
            )

    def delete(self, job_id: str, *, owner: str) -> bool:
        """Delete ``owner``'s job ``job_id``; return whether it existed."""
        with self._tx() as cur:
            cur.execute("DELETE FROM studies WHERE id = ? AND owner = ?", (job_id, owner))
            return cur.rowcount == 1

    def ids(self) -> set[str]:
        """Return every stored job id."""
        with self._tx() as cur:
            return {str(r[0]) for r in cur.execute("SELECT id FROM studies").fetchall()}

    def recover(self, *, reason: str = RESTART_REASON) -> list[str]:
        """Mark jobs left ``running`` by a previous server as failed; return their ids."""
        with self._tx() as cur:
            ids = [
                str(r[0])
                for r in cur.execute("SELECT id FROM studies WHERE state = 'running'").fetchall()
            ]
            cur.execute(
                "UPDATE studies SET state = 'failed', error = ?, finished_at = ? "
                "WHERE state = 'running'",
                (reason, _now()),
            )
        return ids
