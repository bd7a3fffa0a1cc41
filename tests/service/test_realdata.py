"""Real layers through the live server (needs the data mirror; skipped without it)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.service.helpers import Server, points, start_server
from tests.service.test_http import by_site

# Frankfurt (DE, EU), Paris (FR, EU), Oslo (NO, EEA but not EU): known facts, not computed.
CITIES = points(
    [
        ("fra", 8.6821, 50.1109, {"land_price": 30.0}),
        ("par", 2.3522, 48.8566, {"land_price": 60.0}),
        ("osl", 10.7522, 59.9139, {"land_price": 10.0}),
    ]
)


@pytest.fixture(scope="module")
def live(mirror: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    running = start_server(tmp_path_factory.mktemp("realdata") / "data", request_timeout_s=300)
    yield running
    running.stop()


@pytest.mark.realdata
def test_sample_jurisdiction(live: Server) -> None:
    with live.client(timeout=300) as client:
        response = client.post(
            "/v1/sample", json={"candidates": CITIES, "layers": ["jurisdiction"]}
        )
    assert response.status_code == 200, response.text
    sites = by_site(response.json()["features"])
    assert {k: v["jurisdiction.country"] for k, v in sites.items()} == {
        "fra": "DE",
        "par": "FR",
        "osl": "NO",
    }
    assert {k: v["jurisdiction.eu_member"] for k, v in sites.items()} == {
        "fra": True,
        "par": True,
        "osl": False,
    }
    assert sites["fra"]["land_price"] == 30.0
    sources = response.json()["metadata"]["sources"]
    assert any(s["name"] == "ne/upstream/ne_50m_admin_0_countries.geojson" for s in sources)


@pytest.mark.realdata
def test_score_with_a_jurisdiction_constraint(live: Server) -> None:
    # Oslo has the best land price but is outside the EU; Frankfurt (30) beats Paris (60):
    # linear 100 -> 0: values 0.7 and 0.4.
    study = {
        "study": {"name": "eu-only", "it_load_mw": 20},
        "constraints": [{"attribute": "jurisdiction.eu_member", "equals": True,
                         "reason": "not in the EU"}],
        "criteria": [{"attribute": "site.land_price", "better": "lower",
                      "value": {"function": "linear", "worst": 100, "best": 0}}],
    }  # fmt: skip
    with live.client(timeout=300) as client:
        response = client.post("/v1/score", json={"study": study, "candidates": CITIES})
    assert response.status_code == 200, response.text
    sites = by_site(response.json()["features"])
    assert sites["fra"]["rank"] == 1
    assert sites["fra"]["score"] == pytest.approx(0.7)
    assert sites["par"]["rank"] == 2
    assert sites["par"]["score"] == pytest.approx(0.4)
    assert sites["osl"]["excluded"] is True
    assert sites["osl"]["exclusion_reasons"] == ["not in the EU"]
