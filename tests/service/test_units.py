"""Unit tests: the error table, settings, key hashing, the job store, and the app in-process."""

from __future__ import annotations

import hashlib
import sqlite3
import warnings
from pathlib import Path

import pytest
from starlette.exceptions import StarletteDeprecationWarning

from siting.errors import (
    CandidatesError,
    ConfigError,
    CRSMismatchError,
    DataSourceError,
    LayerDataError,
    LayerNotFoundError,
    LicenceError,
    SitingError,
)
from siting.service import ServiceSettings, create_app
from siting.service._auth import ANONYMOUS, KeyRing, hash_key
from siting.service.errors import ApiError, status_for
from siting.service.settings import is_loopback
from siting.service.store import RESTART_REASON, JobStore

with warnings.catch_warnings():  # starlette 1.x asks for httpx2 and warns when it uses httpx
    warnings.simplefilter("ignore", StarletteDeprecationWarning)
    from fastapi.testclient import TestClient


@pytest.mark.parametrize(
    ("error", "status"),
    [
        (ConfigError("x"), 422),
        (LicenceError("x"), 422),
        (CandidatesError("x"), 422),
        (CRSMismatchError("x"), 422),
        (LayerDataError("x"), 422),
        (LayerNotFoundError("x"), 404),
        (DataSourceError("x"), 503),
        (SitingError("x"), 500),
        (RuntimeError("x"), 500),
    ],
)
def test_error_table(error: Exception, status: int) -> None:
    assert status_for(error) == status


def test_settings_from_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("SITING_API_KEYS", " a , b,,a ")
    monkeypatch.setenv("SITING_PORT", "9001")
    monkeypatch.setenv("SITING_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("SITING_DATA_MIRROR", "/not/a/service/setting")
    settings = ServiceSettings()
    assert settings.key_list() == ("a", "b")
    assert settings.port == 9001
    assert settings.host == "127.0.0.1"
    assert settings.db_path == tmp_path / "studies.sqlite3"
    assert "a" not in repr(settings.api_keys)


def test_bad_setting_names_the_field(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SITING_MAX_SYNC_CANDIDATES", "0")
    with pytest.raises(ValueError, match="max_sync_candidates"):
        ServiceSettings()


@pytest.mark.parametrize(
    ("host", "expected"),
    [("127.0.0.1", True), ("127.1.2.3", True), ("::1", True), ("localhost", True),
     ("0.0.0.0", False), ("192.168.1.10", False), ("example.org", False)],
)  # fmt: skip
def test_is_loopback(host: str, expected: bool) -> None:
    assert is_loopback(host) is expected


def test_keys_are_held_as_sha256_hashes() -> None:
    # sha256("abc") is the FIPS 180-2 test vector ba7816bf...f20015ad
    assert hash_key("abc") == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
    ring = KeyRing(["abc"])
    assert ring.owner("Bearer", "abc") == hashlib.sha256(b"abc").hexdigest()
    for scheme, token in [("Bearer", "abd"), ("Basic", "abc"), (None, None)]:
        with pytest.raises(ApiError) as info:
            ring.owner(scheme, token)
        assert info.value.status == 401
    assert KeyRing([]).owner(None, None) == ANONYMOUS


def test_store_keeps_submission_order_when_timestamps_tie(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Jobs submitted within the same millisecond share created_at; the queue must
    # still be first-in first-out, not ordered by the random job id.
    monkeypatch.setattr("siting.service.store._now", lambda: "2026-11-23T00:00:00.000+00:00")
    store = JobStore(tmp_path / "s.sqlite3")
    ids = [
        store.create(owner="o", name=f"j{i}", max_active_owner=50, max_active_total=50).id
        for i in range(20)
    ]
    queued = []
    while (job_id := store.next_queued(exclude=set(queued))) is not None:
        queued.append(job_id)
    assert queued == ids
    assert [job.id for job in store.list_jobs(owner="o")] == ids[::-1]
    store.close()


def test_store_lifecycle_limits_and_recovery(tmp_path: Path) -> None:
    path = tmp_path / "s.sqlite3"
    store = JobStore(path)
    a = store.create(owner="o1", name="a", max_active_owner=2, max_active_total=3)
    b = store.create(owner="o1", name="b", max_active_owner=2, max_active_total=3)
    with pytest.raises(ApiError, match="2 study jobs are already queued or running for this"):
        store.create(owner="o1", name="c", max_active_owner=2, max_active_total=3)
    c = store.create(owner="o2", name="c", max_active_owner=2, max_active_total=3)
    with pytest.raises(ApiError, match="on this server"):
        store.create(owner="o3", name="d", max_active_owner=2, max_active_total=3)
    assert store.next_queued(exclude=set()) == a.id
    assert store.mark_running(a.id)
    assert not store.mark_running(a.id)
    store.set_progress(a.id, "layers", 2, 5)
    store.set_progress(a.id, "layers", 5, 5)
    store.set_candidates(a.id, n_candidates=7, engine="local")
    store.finish(b.id, state="failed", error="boom")
    assert store.get(a.id, owner="o2") is None
    record = store.get(a.id, owner="o1")
    assert record is not None
    assert record.progress == {"layers": (5, 5)}
    assert record.n_candidates == 7
    assert store.counts() == {"queued": 1, "running": 1, "succeeded": 0, "failed": 1}
    store.close()

    reopened = JobStore(path)  # a restart: the running job becomes failed, the queued one stays
    assert reopened.recover() == [a.id]
    again = reopened.get(a.id, owner=None)
    assert again is not None
    assert again.state == "failed"
    assert again.error == RESTART_REASON
    assert reopened.next_queued(exclude=set()) == c.id
    assert reopened.delete(c.id, owner="o1") is False
    assert reopened.delete(c.id, owner="o2") is True
    assert reopened.get(c.id, owner=None) is None
    reopened.close()
    with sqlite3.connect(path) as conn:  # the owner column holds what we gave it, no key
        owners = {row[0] for row in conn.execute("SELECT owner FROM studies")}
    conn.close()
    assert owners == {"o1"}


def test_in_process_app_without_keys(tmp_path: Path) -> None:
    settings = ServiceSettings(data_dir=tmp_path, sync_workers=1, max_body_bytes=2000)
    with TestClient(create_app(settings)) as client:
        assert client.get("/v1/studies").json() == {"studies": []}
        response = client.post("/v1/score", content=b"{" + b" " * 3000 + b"}",
                               headers={"content-type": "application/json"})  # fmt: skip
        assert response.status_code == 413
        response = client.post("/v1/sample", json={"candidates": {}, "layers": ["grid"]})
        assert response.status_code == 422
        assert "candidates.type" in response.json()["detail"]
        assert client.get("/nowhere").status_code == 404
    assert (tmp_path / "studies.sqlite3").is_file()
