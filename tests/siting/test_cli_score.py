"""Tests of `siting score` and `siting study validate` through CliRunner (site.* only)."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from siting.cli import cli
from siting.result import read_result

SITES = """site_id,lon,lat,land_price,power_quote
A,10.0,50.0,20,60
B,11.0,51.0,35,45
C,12.0,52.0,50,40
D,13.0,53.0,,90
"""

STUDY = """
[study]
name = "cli test"
it_load_mw = 100
pue = 1.2

[[constraints]]
attribute = "site.power_quote"
max = 80

[[criteria]]
attribute = "site.land_price"
name = "land"
better = "lower"
weight = 1

[[criteria]]
attribute = "site.power_quote"
name = "power"
better = "lower"
weight = 3
"""


@pytest.fixture
def files(tmp_path: Path) -> tuple[Path, Path]:
    sites = tmp_path / "sites.csv"
    sites.write_text(SITES, encoding="utf-8")
    study = tmp_path / "study.toml"
    study.write_text(STUDY, encoding="utf-8")
    return sites, study


def test_study_validate_ok(files: tuple[Path, Path]) -> None:
    _, study = files
    result = CliRunner().invoke(cli, ["study", "validate", str(study)])
    assert result.exit_code == 0, result.output
    assert "valid study 'cli test': 2 criteria (land, power)" in result.output


def test_study_validate_bad(tmp_path: Path) -> None:
    bad = tmp_path / "bad.toml"
    bad.write_text(STUDY.replace('better = "lower"\nweight = 3', 'better = "lowest"\nweight = 3'))
    result = CliRunner().invoke(cli, ["study", "validate", str(bad)])
    assert result.exit_code == 2
    assert "criteria[1].better: Input should be 'higher' or 'lower' (got 'lowest')" in result.output


def test_score_writes_ranked_result(files: tuple[Path, Path], tmp_path: Path) -> None:
    sites, study = files
    out = tmp_path / "result.geojson"
    result = CliRunner().invoke(
        cli, ["score", str(sites), "--study", str(study), "--out", str(out)]
    )
    assert result.exit_code == 0, result.output
    gdf, meta = read_result(out)
    # land min-max lower over A..C (20..50): A 1, B 0.5, C 0 ; D excluded (quote 90 > 80)
    # power min-max lower over 40..60: A 0, B 0.75, C 1 ; weights 0.25 / 0.75
    # A 0.25, B 0.125 + 0.5625 = 0.6875, C 0.75
    assert gdf["site_id"].tolist() == ["C", "B", "A", "D"]
    assert gdf["score"].round(6).tolist()[:3] == [0.75, 0.6875, 0.25]
    assert gdf["exclusion_reasons"].tolist()[3] == ["site.power_quote above max 80"]
    assert meta["weights"] == {"land": 0.25, "power": 0.75}
    assert (tmp_path / "result.meta.json").is_file()


def test_score_refuses_overwrite_and_bad_suffix(files: tuple[Path, Path], tmp_path: Path) -> None:
    sites, study = files
    out = tmp_path / "r.csv"
    out.write_text("x")
    result = CliRunner().invoke(
        cli, ["score", str(sites), "--study", str(study), "--out", str(out)]
    )
    assert result.exit_code == 2
    assert "pass --overwrite" in result.output
    result = CliRunner().invoke(
        cli, ["score", str(sites), "--study", str(study), "--out", str(tmp_path / "r.shp")]
    )
    assert result.exit_code == 2
    assert "expected one of" in result.output
