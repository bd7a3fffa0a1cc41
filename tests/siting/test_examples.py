"""The example studies: they validate, and a smaller European run works end to end on real data."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest

import siting
from siting.candidates import read_candidates
from siting.study import H3Section

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = ROOT / "examples"


@pytest.mark.parametrize("name", ["europe_expansion.toml", "sovereign_inference.toml"])
def test_example_studies_validate(name: str) -> None:
    study = siting.load_study(EXAMPLES / name)
    assert study.criteria


def test_europe_example_uses_an_ahp_matrix_that_is_consistent() -> None:
    study = siting.load_study(EXAMPLES / "europe_expansion.toml")
    assert study.scoring.weights.value == "ahp"
    assert study.study.it_load_mw == 300


@pytest.fixture(scope="module")
def hubs_result(mirror: Path) -> siting.StudyResult:
    study = siting.load_study(EXAMPLES / "europe_expansion.toml")
    hubs = read_candidates(EXAMPLES / "candidate_sites.csv")
    return siting.run_study(study, candidates=hubs)


@pytest.mark.realdata
def test_europe_example_on_hubs_ranks_and_excludes_as_expected(
    hubs_result: siting.StudyResult,
) -> None:
    table = hubs_result.ranking.set_index("site_id")
    top3 = hubs_result.top(3)["site_id"].tolist()
    # cheap, clean Nordic power with large grid capacity leads a 300 MW training campus
    assert {"STO", "OSL"} <= set(top3)
    constraint = "inside a known data-centre grid-connection constraint or moratorium area"
    for site in ("FRA", "AMS", "DUB"):
        assert bool(table.loc[site, "excluded"]), site
        assert constraint in table.loc[site, "exclusion_reasons"]
    # Eemshaven is one of the two designated Dutch hyperscale locations: not in a constraint area
    assert not bool(table.loc["EEM", "grid.in_constraint_area"])
    sovereignty = "personal data may only be processed in the EEA or an adequacy country"
    for site in ("IST", "BEG"):
        assert table.loc[site, "exclusion_reasons"] == [sovereignty]
    # Zurich is an adequacy country: allowed
    assert table.loc["ZRH", "jurisdiction.gdpr_regime"] == "adequacy"
    assert (
        not bool(table.loc["ZRH", "excluded"])
        or sovereignty not in table.loc["ZRH", "exclusion_reasons"]
    )
    ahp = hubs_result.metadata["ahp"]
    assert ahp["consistency_ratio"] < 0.1
    assert pd.notna(table.loc["STO", "cost.energy_eur_per_year"])


@pytest.mark.realdata
def test_europe_example_folder_explains_the_top_sites(
    hubs_result: siting.StudyResult, tmp_path: Path
) -> None:
    folder = hubs_result.to_folder(tmp_path / "europe-hubs")
    summary = (folder / "summary.md").read_text(encoding="utf-8")
    best = hubs_result.top(1).iloc[0]
    assert f"| 1 | {best['site_id']} | {best['name']} |" in summary
    assert "strongest: " in summary
    assert "## What flips first place" in summary
    assert "AHP consistency ratio" in summary
    assert "entsoe-gridkit/buses.csv" in summary
    assert len(list((folder / "reports").glob("*.html"))) == 10
    lock = json.loads((folder / "study.lock.json").read_text(encoding="utf-8"))
    hashes = {entry["name"]: entry["sha256"] for entry in lock["data"]}
    expected = {entry["name"]: entry["expected_sha256"] for entry in lock["data"]}
    assert hashes == expected
    assert "grid.substation_distance_km" in (folder / "ranking.csv").read_text().splitlines()[0]


@pytest.mark.realdata
def test_europe_example_on_a_small_hexagon_grid_is_deterministic(
    mirror: Path, tmp_path: Path
) -> None:
    study = siting.load_study(EXAMPLES / "europe_expansion.toml")
    small = study.model_copy(
        update={
            "candidates": study.candidates.model_copy(
                update={"h3": H3Section(resolution=4, countries=("DK", "LU", "IE"))}
            )
        }
    )
    first = siting.run_study(small).to_folder(tmp_path / "one")
    second = siting.run_study(small).to_folder(tmp_path / "two")
    ranking = first / "ranking.geojson"
    for name in ("ranking.geojson", "ranking.csv"):
        assert (first / name).read_bytes() == (second / name).read_bytes(), name
    cells = json.loads(ranking.read_text(encoding="utf-8"))["features"]
    assert len(cells) > 20
    assert {f["geometry"]["type"] for f in cells} == {"Polygon"}
    assert (first / "map.html").stat().st_size > 10_000
