"""The real server on 127.0.0.1, driven over HTTP: score, jobs, downloads, keys, limits."""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

import httpx
import pyogrio
import pytest

from tests.service.helpers import ABC, ALICE, BOB, Server, many_points, site_study

JOB_TIMEOUT_S = 180.0


def wait_for(client: httpx.Client, study_id: str, states: tuple[str, ...]) -> dict[str, Any]:
    deadline = time.monotonic() + JOB_TIMEOUT_S
    while time.monotonic() < deadline:
        status = client.get(f"/v1/studies/{study_id}").json()
        if status["state"] in states:
            return status
        time.sleep(0.1)
    pytest.fail(f"study {study_id} did not reach {states} within {JOB_TIMEOUT_S} s: {status}")


def by_site(features: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    return {f["properties"]["site_id"]: f["properties"] for f in features}


# --------------------------------------------------------------------------------- basics


def test_health_needs_no_key_and_openapi_lists_the_endpoints(server: Server) -> None:
    health = httpx.get(f"{server.url}/health")
    assert health.status_code == 200
    assert health.json()["status"] == "ok"
    paths = httpx.get(f"{server.url}/openapi.json").json()["paths"]
    for path in ("/v1/layers", "/v1/sample", "/v1/score", "/v1/studies",
                 "/v1/studies/{study_id}", "/v1/studies/{study_id}/map.html"):  # fmt: skip
        assert path in paths


@pytest.mark.parametrize("header", [None, "Bearer not-a-key", f"Basic {ALICE}"])
def test_missing_or_unknown_key_is_401(server: Server, header: str | None) -> None:
    headers = {"Authorization": header} if header else {}
    response = httpx.get(f"{server.url}/v1/studies", headers=headers)
    assert response.status_code == 401
    assert response.headers["www-authenticate"] == "Bearer"
    assert "API key" in response.json()["detail"]


def test_layers_lists_every_builtin_layer(server: Server) -> None:
    from layers.registry import BUILTIN_LAYERS

    with server.client() as client:
        body = client.get("/v1/layers").json()
    assert sorted(body["layers"]) == sorted(BUILTIN_LAYERS)
    assert body["site"].startswith("site.")


# --------------------------------------------------------------------------------- score


def test_score_ranks_as_computed_by_hand(server: Server) -> None:
    with server.client() as client:
        response = client.post("/v1/score", json={"study": site_study(), "candidates": ABC})
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("application/geo+json")
    body = response.json()
    sites = by_site(body["features"])
    assert sites["A"]["rank"] == 1
    assert sites["A"]["score"] == pytest.approx(0.9)
    assert sites["A"]["name"] == "Frankfurt"
    assert sites["B"]["rank"] == 2
    assert sites["B"]["score"] == pytest.approx(0.5)
    assert sites["C"]["excluded"] is True
    assert sites["C"]["rank"] is None
    assert sites["C"]["exclusion_reasons"] == ["too expensive"]
    assert [f["properties"]["site_id"] for f in body["features"]] == ["A", "B", "C"]
    assert body["metadata"]["software"]["name"] == "siting"


def test_score_bad_field_is_422_naming_it(server: Server) -> None:
    study = site_study()
    study["criteria"][0]["better"] = "sideways"
    with server.client() as client:
        response = client.post("/v1/score", json={"study": study, "candidates": ABC})
    assert response.status_code == 422
    assert "study.criteria[0].better" in response.json()["detail"]
    assert "'sideways'" in response.json()["detail"]


def test_score_with_output_section_is_422(server: Server) -> None:
    study = site_study(output={"top_n_reports": 3})
    with server.client() as client:
        response = client.post("/v1/score", json={"study": study, "candidates": ABC})
    assert response.status_code == 422
    assert "output" in response.json()["detail"]


def test_unusable_candidates_are_422(server: Server) -> None:
    duplicate = json.loads(json.dumps(ABC))
    duplicate["features"][1]["properties"]["site_id"] = "A"
    with server.client() as client:
        response = client.post("/v1/score", json={"study": site_study(), "candidates": duplicate})
    assert response.status_code == 422
    assert response.json()["error"] == "CandidatesError"
    assert "duplicate site_id 'A'" in response.json()["detail"]


def test_missing_site_column_is_422(server: Server) -> None:
    study = site_study()
    study["criteria"][1]["attribute"] = "site.no_such_column"
    with server.client() as client:
        response = client.post("/v1/score", json={"study": study, "candidates": ABC})
    assert response.status_code == 422, response.text
    assert "no_such_column" in response.json()["detail"]


def test_not_json_is_422(server: Server) -> None:
    with server.client() as client:
        response = client.post(
            "/v1/score", content=b"study=1", headers={"content-type": "text/plain"}
        )
    assert response.status_code == 422
    assert "JSON" in response.json()["detail"]


# --------------------------------------------------------------------------------- limits


def test_too_many_candidates_is_413(server: Server) -> None:
    with server.client() as client:
        response = client.post(
            "/v1/score", json={"study": site_study(), "candidates": many_points(151)}
        )
    assert response.status_code == 413
    assert "151 candidates exceed the limit of 150" in response.json()["detail"]


def test_body_over_the_limit_is_413_announced_or_streamed(server: Server) -> None:
    big = json.dumps({"study": site_study(), "candidates": ABC, "pad": "x" * 1_000_001}).encode()
    with server.client() as client:
        announced = client.post(
            "/v1/score", content=big, headers={"content-type": "application/json"}
        )

        def chunks() -> Any:
            for start in range(0, len(big), 65536):
                yield big[start : start + 65536]

        streamed = client.post(
            "/v1/score", content=chunks(), headers={"content-type": "application/json"}
        )
        still_fine = client.post("/v1/score", json={"study": site_study(), "candidates": ABC})
    assert announced.status_code == 413
    assert "exceeds the limit of 1000000 bytes" in announced.json()["detail"]
    assert streamed.status_code == 413
    assert still_fine.status_code == 200


def test_sensitivity_draws_over_the_limit_are_413(server: Server) -> None:
    study = site_study(scoring={"sensitivity": {"samples": 1_000_000}})
    with server.client() as client:
        response = client.post("/v1/score", json={"study": study, "candidates": many_points(100)})
    assert response.status_code == 413
    assert "sensitivity samples" in response.json()["detail"]


# --------------------------------------------------------------------------------- jobs


def test_job_lifecycle_progress_and_downloads(server: Server, tmp_path: Path) -> None:
    study = site_study(output={"top_n_reports": 2})
    with server.client() as client:
        created = client.post("/v1/studies", json={"study": study, "candidates": ABC})
        assert created.status_code == 202, created.text
        study_id = created.json()["id"]
        assert created.headers["location"] == f"/v1/studies/{study_id}"
        assert created.json()["state"] in ("queued", "running")
        status = wait_for(client, study_id, ("succeeded", "failed"))
        assert status["state"] == "succeeded", status
        assert status["n_candidates"] == 3
        assert status["engine"] == "local"
        assert {s: p["state"] for s, p in status["progress"].items()} == {
            "candidates": "done", "layers": "done", "risks": "done", "scoring": "done",
            "outputs": "done",
        }  # fmt: skip
        assert status["finished_at"] >= status["started_at"] >= status["created_at"]

        geojson = client.get(f"/v1/studies/{study_id}/ranking.geojson")
        assert geojson.status_code == 200
        sites = by_site(geojson.json()["features"])
        assert sites["A"]["score"] == pytest.approx(0.9)
        assert sites["C"]["excluded"] is True

        csv = client.get(f"/v1/studies/{study_id}/ranking.csv")
        assert csv.status_code == 200
        lines = csv.text.strip().splitlines()
        assert lines[0].startswith("site_id,name,rank,score")
        assert [line.split(",")[0] for line in lines[1:]] == ["A", "B", "C"]

        gpkg = client.get(f"/v1/studies/{study_id}/ranking.gpkg")
        assert gpkg.status_code == 200
        (tmp_path / "ranking.gpkg").write_bytes(gpkg.content)
        frame = pyogrio.read_dataframe(tmp_path / "ranking.gpkg", layer="ranking")
        assert list(frame["site_id"]) == ["A", "B", "C"]

        page = client.get(f"/v1/studies/{study_id}/map.html")
        assert page.status_code == 200
        assert "<html" in page.text.lower()
        assert client.get(f"/v1/studies/{study_id}/reports/A.html").status_code == 200
        assert client.get(f"/v1/studies/{study_id}/reports/B.html").status_code == 200
        assert client.get(f"/v1/studies/{study_id}/reports/C.html").status_code == 404
        assert client.get(f"/v1/studies/{study_id}/reports/..%2Finput.html").status_code == 404
        assert client.get(f"/v1/studies/{study_id}/ranking.shp").status_code == 422

        assert study_id in [s["id"] for s in client.get("/v1/studies").json()["studies"]]
        assert client.delete(f"/v1/studies/{study_id}").status_code == 204
        assert client.get(f"/v1/studies/{study_id}").status_code == 404
        assert client.get(f"/v1/studies/{study_id}/ranking.csv").status_code == 404
    assert not (server.data_dir / "studies" / study_id).exists()


def test_failed_job_reports_its_error(server: Server) -> None:
    study = site_study()
    study["criteria"][1]["attribute"] = "site.no_such_column"
    with server.client() as client:
        study_id = client.post("/v1/studies", json={"study": study, "candidates": ABC}).json()["id"]
        status = wait_for(client, study_id, ("succeeded", "failed"))
        assert status["state"] == "failed"
        assert "no_such_column" in status["error"]
        response = client.get(f"/v1/studies/{study_id}/map.html")
        assert response.status_code == 409
        client.delete(f"/v1/studies/{study_id}")


def test_job_refuses_server_paths_and_needs_candidates(server: Server) -> None:
    with server.client() as client:
        with_file = site_study(candidates={"file": "/etc/passwd"})
        response = client.post("/v1/studies", json={"study": with_file})
        assert response.status_code == 422
        assert "candidates.file" in response.json()["detail"]
        response = client.post("/v1/studies", json={"study": site_study()})
        assert response.status_code == 422
        assert "candidates: required" in response.json()["detail"]


def test_keys_see_only_their_own_studies(server: Server) -> None:
    with server.client(ALICE) as alice, server.client(BOB) as bob:
        study_id = alice.post(
            "/v1/studies", json={"study": site_study(), "candidates": ABC}
        ).json()["id"]
        wait_for(alice, study_id, ("succeeded", "failed"))
        assert bob.get(f"/v1/studies/{study_id}").status_code == 404
        assert bob.get(f"/v1/studies/{study_id}/ranking.geojson").status_code == 404
        assert bob.delete(f"/v1/studies/{study_id}").status_code == 404
        assert study_id not in [s["id"] for s in bob.get("/v1/studies").json()["studies"]]
        assert alice.get(f"/v1/studies/{study_id}").status_code == 200
        assert alice.delete(f"/v1/studies/{study_id}").status_code == 204


def test_active_job_limit_is_429_and_queued_results_are_409(server: Server) -> None:
    # job_workers=1, max_active_jobs=2: a job takes seconds to start (a fresh process), so the
    # first two are still active when the third arrives.
    body = {"study": site_study(), "candidates": ABC}
    with server.client(BOB) as client:
        first = client.post("/v1/studies", json=body).json()["id"]
        second = client.post("/v1/studies", json=body).json()["id"]
        third = client.post("/v1/studies", json=body)
        assert third.status_code == 429
        assert (
            "2 study jobs are already queued or running for this API key" in third.json()["detail"]
        )
        assert third.headers["retry-after"]
        state = client.get(f"/v1/studies/{second}").json()["state"]
        if state in ("queued", "running"):
            assert client.get(f"/v1/studies/{second}/ranking.csv").status_code == 409
        assert client.delete(f"/v1/studies/{first}").status_code == 204
        assert client.delete(f"/v1/studies/{second}").status_code == 204
        assert client.post("/v1/studies", json=body).status_code == 202
