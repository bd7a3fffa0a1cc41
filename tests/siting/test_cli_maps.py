import sys
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pytest
from click.testing import CliRunner
from shapely.geometry import LineString, Point, Polygon

from siting.cli import cli
from siting.errors import LayerDataError
from siting.overlays import overlays_from_frames

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "maps"))
from synthetic import make_metadata, point_result


@pytest.fixture
def result_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A result path whose reading is served from memory (siting.result is another issue)."""
    path = tmp_path / "ranking.geojson"
    path.write_text("{}", encoding="utf-8")
    result, metadata = point_result(), make_metadata()

    def read(p: Path) -> tuple[gpd.GeoDataFrame, dict[str, Any]]:
        assert p == path
        return result, metadata

    monkeypatch.setattr("siting.cli.maps._read_result", read)
    return path


def test_map_command(result_file: Path, tmp_path: Path) -> None:
    out = tmp_path / "map.html"
    run = CliRunner().invoke(cli, ["map", str(result_file), "--out", str(out), "--tiles", "none"])
    assert run.exit_code == 0, run.output
    assert run.output.strip() == str(out)
    html = out.read_text(encoding="utf-8")
    assert "siting.sites(" in html and "Eurostat nrg_pc_205" in html
    again = CliRunner().invoke(cli, ["map", str(result_file), "--out", str(out)])
    assert again.exit_code == 2 and "exists; pass overwrite=True (CLI: --overwrite)" in again.output


def test_report_site_and_top(result_file: Path, tmp_path: Path) -> None:
    out = tmp_path / "one.html"
    run = CliRunner().invoke(
        cli, ["report", str(result_file), "--site", "S000003", "--out", str(out), "--tiles", "none"]
    )
    assert run.exit_code == 0, run.output
    assert "Site report: Site &lt;3&gt; (S000003)" in out.read_text(encoding="utf-8")
    folder = tmp_path / "reports"
    run = CliRunner().invoke(
        cli, ["report", str(result_file), "--top", "3", "--out", str(folder), "--tiles", "none"]
    )
    assert run.exit_code == 0, run.output
    # ranks 1..3 are S000000, S000002, S000001
    assert sorted(p.name for p in folder.iterdir()) == [
        "report-001-S000000.html", "report-002-S000002.html", "report-003-S000001.html",
    ]  # fmt: skip


def test_report_usage_errors(result_file: Path, tmp_path: Path) -> None:
    run = CliRunner().invoke(cli, ["report", str(result_file), "--out", str(tmp_path / "x.html")])
    assert run.exit_code == 2 and "exactly one of --site ID or --top N" in run.output
    run = CliRunner().invoke(
        cli, ["report", str(result_file), "--site", "nope", "--out", str(tmp_path / "x.html")]
    )
    assert run.exit_code == 2 and "site_id 'nope' is not in the result" in run.output


def test_inline_assets_missing_folder_is_one_line(result_file: Path, tmp_path: Path) -> None:
    empty = tmp_path / "empty"
    empty.mkdir()
    run = CliRunner().invoke(
        cli,
        ["map", str(result_file), "--out", str(tmp_path / "m.html"), "--assets-dir", str(empty)],
    )
    assert run.exit_code == 1
    assert run.output.startswith("Error: inline map assets not found: no leaflet.js in")


def test_overlays_from_frames() -> None:
    substations = gpd.GeoDataFrame(
        {"voltage_kv": [110.0, 220.0, 380.0, np.nan]},
        geometry=[Point(0, 0), Point(1, 1), Point(2, 2), Point(3, 3)],
        crs="EPSG:4326",
    )
    substations.attrs["attribution"] = "GridKit"
    landings = gpd.GeoDataFrame({"name": ["x"]}, geometry=[Point(0, 0)], crs="EPSG:4326")
    landings.attrs["attribution"] = "TeleGeography"
    areas = gpd.GeoDataFrame(
        {"name": ["Dublin"], "measure": ["moratorium"]},
        geometry=[Polygon([(0, 0), (1, 0), (1, 1)])],
        crs="EPSG:4326",
    )
    areas.attrs["attribution"] = "siting"
    overlays, notes = overlays_from_frames(
        "grid", {"substations": substations, "cable_landings": landings, "constraint_areas": areas}
    )
    assert [o.kind for o in overlays] == ["substations", "areas"]
    assert overlays[0].name == "Substations >= 220 kV"
    assert overlays[0].data["voltage_kv"].tolist() == [220.0, 380.0]  # 110 kV and unknown dropped
    assert overlays[1].value_column == "measure" and overlays[1].label == "name"
    assert notes == ["grid.cable_landings: cables are drawn only when opted in (--cables)"]
    with_cables, _ = overlays_from_frames("c", {"cable_landings": landings}, include_cables=True)
    assert with_cables[0].kind == "cables"


def test_overlay_frames_split_by_family_and_need_attribution() -> None:
    mixed = gpd.GeoDataFrame(geometry=[Point(0, 0), LineString([(0, 0), (1, 1)])], crs="EPSG:4326")
    mixed.attrs["attribution"] = "a"
    overlays, _ = overlays_from_frames("x", {"stuff": mixed})
    assert [(o.kind, len(o.data)) for o in overlays] == [("points", 1), ("lines", 1)]
    mixed.attrs.clear()
    with pytest.raises(LayerDataError, match=r"overlay 'stuff' of layer 'x' has no attribution"):
        overlays_from_frames("x", {"stuff": mixed})


@pytest.mark.parametrize("suffix", [".geojson", ".gpkg", ".csv"])
def test_map_and_report_from_a_written_result(tmp_path: Path, suffix: str) -> None:
    from siting.result import write_result

    path = tmp_path / f"ranking{suffix}"
    write_result(point_result(), make_metadata(), path)
    out = tmp_path / "map.html"
    run = CliRunner().invoke(cli, ["map", str(path), "--out", str(out), "--tiles", "none"])
    assert run.exit_code == 0, run.output
    assert "Eurostat nrg_pc_205" in out.read_text(encoding="utf-8")
    report = tmp_path / "report.html"
    run = CliRunner().invoke(
        cli, ["report", str(path), "--site", "S000004", "--out", str(report), "--tiles", "none"]
    )
    assert run.exit_code == 0, run.output
    assert "Reasons: inside grid moratorium area" in report.read_text(encoding="utf-8")
