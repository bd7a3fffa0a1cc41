"""End-to-end study runs: run_study, the results folder, atomic writes, determinism, the CLI."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

import siting
from siting.cli import cli
from siting.errors import ConfigError
from siting.pipeline import STAGES, needed_attributes

SITES = """site_id,name,lon,lat,land_price,power_quote,zoning
A,Alpha,8.68,50.11,120,85,industrial
B,Beta,4.90,52.37,200,95,industrial
C,Gamma,-6.26,53.35,90,110,industrial
D,Delta,18.07,59.33,60,55,residential
E,Epsilon,2.35,48.86,150,70,industrial
"""

STUDY = """
[study]
name = "site-only study"
it_load_mw = 20
pue = 1.25
seed = 7

[candidates]
file = "sites.csv"

[[constraints]]
attribute = "site.zoning"
in = ["industrial"]
reason = "the plot is not zoned for industry"

[[criteria]]
name = "land"
attribute = "site.land_price"
better = "lower"
weight = 1

[[criteria]]
name = "power"
attribute = "site.power_quote"
better = "lower"
weight = 3

[scoring.sensitivity]
samples = 200
top_k = 2

[output]
dir = "out"
top_n_reports = 2
"""


@pytest.fixture
def study_file(tmp_path: Path) -> Path:
    (tmp_path / "sites.csv").write_text(SITES, encoding="utf-8")
    path = tmp_path / "study.toml"
    path.write_text(STUDY, encoding="utf-8")
    return path


def test_run_study_ranks_by_hand_computed_scores(study_file: Path) -> None:
    result = siting.run_study(siting.load_study(study_file))
    table = result.ranking.set_index("site_id")
    # D is excluded (residential). Among A, B, C, E min-max over the ranked four:
    # land: A 120 -> (200-120)/110 = 0.727273, B 0, C 1, E 50/110 = 0.454545
    # power: A 85 -> (110-85)/40 = 0.625, B 0.375, C 0, E 1
    # score = 0.25 land + 0.75 power: A 0.650568, B 0.28125, C 0.25, E 0.863636
    assert table.loc["E", "score"] == pytest.approx(0.863636, abs=1e-6)
    assert table.loc["A", "score"] == pytest.approx(0.650568, abs=1e-6)
    assert table.loc["B", "score"] == pytest.approx(0.28125, abs=1e-6)
    assert table.loc["C", "score"] == pytest.approx(0.25, abs=1e-6)
    ranks = table["rank"].astype("float").fillna(0).astype(int).to_dict()
    assert ranks == {"A": 2, "B": 3, "C": 4, "D": 0, "E": 1}
    assert bool(table.loc["D", "excluded"])
    assert table.loc["D", "exclusion_reasons"] == ["the plot is not zoned for industry"]
    assert result.top(1)["site_id"].tolist() == ["E"]
    assert {"p_top_k", "rank_p05", "rank_p95"} <= set(result.ranking.columns)


def test_progress_reports_every_stage(study_file: Path) -> None:
    seen: list[tuple[str, int, int]] = []
    siting.run_study(siting.load_study(study_file), progress=lambda *a: seen.append(a))
    stages = [s for s, _, _ in seen]
    assert [s for s in STAGES if s in stages] == ["candidates", "layers", "risks", "scoring"]
    assert all(done <= total for _, done, total in seen)


def test_site_only_study_needs_no_layer(study_file: Path) -> None:
    assert needed_attributes(siting.load_study(study_file)) == []


def test_unknown_engine_is_refused(study_file: Path) -> None:
    with pytest.raises(ConfigError, match=r"unknown engine 'spark'; expected one of local, dask"):
        siting.run_study(siting.load_study(study_file), engine="spark")


def test_results_folder_has_every_output(study_file: Path, tmp_path: Path) -> None:
    result = siting.run_study(siting.load_study(study_file))
    folder = result.to_folder(tmp_path / "results")
    names = sorted(p.relative_to(folder).as_posix() for p in folder.rglob("*") if p.is_file())
    assert names == [
        "map.html",
        "ranking.csv",
        "ranking.geojson",
        "ranking.gpkg",
        "ranking.meta.json",
        "reports/A.html",
        "reports/E.html",
        "study.lock.json",
        "summary.md",
    ]
    lock = json.loads((folder / "study.lock.json").read_text(encoding="utf-8"))
    assert lock["software"]["name"] == "siting"
    assert lock["candidates"]["sha256"] == (
        __import__("hashlib").sha256(SITES.encode()).hexdigest()
    )
    assert lock["study"]["study"]["name"] == "site-only study"
    summary = (folder / "summary.md").read_text(encoding="utf-8")
    assert "| 1 | E | Epsilon |" in summary
    assert "the plot is not zoned for industry | 1 |" in summary
    assert "## What flips first place" in summary
    assert not list(tmp_path.glob(".results.partial-*"))
    for page in ("map.html", "reports/E.html"):  # Leaflet inline: opens offline
        html = (folder / page).read_text(encoding="utf-8")
        assert '<script src="http' not in html and "L.map(" in html, page
    report = (folder / "reports/E.html").read_text(encoding="utf-8")
    assert "Site report: Epsilon (E)" in report and "site-only study" in report


def test_existing_folder_needs_overwrite(study_file: Path, tmp_path: Path) -> None:
    result = siting.run_study(siting.load_study(study_file))
    (tmp_path / "results").mkdir()
    with pytest.raises(ConfigError, match="exists; pass --overwrite"):
        result.to_folder(tmp_path / "results")
    result.to_folder(tmp_path / "results", overwrite=True)
    assert (tmp_path / "results" / "summary.md").is_file()


def test_interrupted_write_leaves_no_folder(
    study_file: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import siting.outputs

    result = siting.run_study(siting.load_study(study_file))

    def broken(*args: object, **kwargs: object) -> str:
        raise KeyboardInterrupt

    monkeypatch.setattr(siting.outputs, "render_summary", broken)
    with pytest.raises(KeyboardInterrupt):
        result.to_folder(tmp_path / "results")
    assert not (tmp_path / "results").exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["sites.csv", "study.toml"]


def test_same_study_gives_identical_ranking_bytes(study_file: Path, tmp_path: Path) -> None:
    study = siting.load_study(study_file)
    first = siting.run_study(study).to_folder(tmp_path / "one")
    second = siting.run_study(study).to_folder(tmp_path / "two")
    for name in ("ranking.geojson", "ranking.csv", "ranking.meta.json", "summary.md"):
        assert (first / name).read_bytes() == (second / name).read_bytes(), name


def test_cli_study_run(study_file: Path, tmp_path: Path) -> None:
    runner = CliRunner()
    out = tmp_path / "cli-out"
    result = runner.invoke(cli, ["study", "run", str(study_file), "--out", str(out), "-q"])
    assert result.exit_code == 0, result.output
    assert "4 ranked, 1 excluded; first: E (Epsilon)" in result.output
    assert (out / "map.html").is_file()
    again = runner.invoke(cli, ["study", "run", str(study_file), "--out", str(out), "-q"])
    assert again.exit_code == 2
    assert "exists; pass --overwrite" in again.output


def test_cli_study_run_with_candidates_override(study_file: Path, tmp_path: Path) -> None:
    other = tmp_path / "other.csv"
    other.write_text(SITES.replace("E,Epsilon,2.35,48.86,150,70", "E,Epsilon,2.35,48.86,150,200"))
    out = tmp_path / "override"
    result = CliRunner().invoke(
        cli,
        ["study", "run", str(study_file), "--candidates", str(other), "--out", str(out), "-q"],
    )
    assert result.exit_code == 0, result.output
    assert "first: A (Alpha)" in result.output


def test_cli_study_run_bad_study_exits_2(tmp_path: Path) -> None:
    bad = tmp_path / "bad.toml"
    bad.write_text(
        '[study]\nname = "x"\nit_load_mw = -5\n[[criteria]]\nattribute = "site.a"\n'
        'better = "lower"\n',
        encoding="utf-8",
    )
    result = CliRunner().invoke(cli, ["study", "run", str(bad), "--out", str(tmp_path / "o")])
    assert result.exit_code == 2
    assert "it_load_mw" in result.output
