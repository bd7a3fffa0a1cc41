"""Tests of ``siting data status`` and ``siting data fetch`` through click's CliRunner."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from siting.cli import cli

GRID_VINTAGE = "2022-03 map extract (PyPSA-Eur fixes to 2024-08)"


def run(args: list[str], *, mirror: Path | None, cache: Path) -> tuple[int, str, str]:
    env = {
        "SITING_DATA_MIRROR": str(mirror) if mirror is not None else "",
        "SITING_CACHE_DIR": str(cache),
        "SITING_OFFLINE": "1",
    }
    result = CliRunner().invoke(cli, args, env=env, obj={})
    return result.exit_code, result.stdout, result.stderr


def test_status_json_without_mirror(tmp_path: Path) -> None:
    code, out, _ = run(["data", "status", "--json"], mirror=None, cache=tmp_path)
    assert code == 0
    body = json.loads(out)
    assert body["mirror"] is None
    assert body["allow_download"] is False
    rows = {row["name"]: row for row in body["sources"]}
    buses = rows["entsoe-gridkit/buses.csv"]
    assert buses["available"] == "downloadable"
    assert buses["where"].startswith("https://raw.githubusercontent.com/")
    assert (buses["licence"], buses["licence_flag"], buses["vintage"]) == (
        "CC-BY-4.0",
        "unclear",
        GRID_VINTAGE,
    )
    zones = rows["bidding-zones-entsoepy/bidding_zones_europe.geojson"]
    assert (zones["available"], zones["mirror_only"]) == ("missing", True)
    assert "derived from 44 originals" in zones["mirror_only_reason"]
    cables = rows["connectivity/submarine_cables.geojson"]
    assert (cables["opt_in_required"], cables["opted_in"]) == (True, False)


def test_status_text_with_mirror_and_opt_in(mirror: Path, tmp_path: Path) -> None:
    args = ["data", "status", "--dataset", "connectivity", "--opt-in", "non-commercial"]
    code, out, _ = run(args, mirror=mirror, cache=tmp_path)
    assert code == 0
    assert f"mirror: {mirror}" in out
    assert "connectivity/buildings.geojson  mirror  [non-commercial] CC-BY-NC-SA-3.0" in out
    assert "needs opt-in" not in out
    assert "sources: " in out.splitlines()[-1]


def test_status_unknown_name_or_dataset_exits_2(tmp_path: Path) -> None:
    code, _, err = run(["data", "status", "entsoe-gridkit/buse.csv"], mirror=None, cache=tmp_path)
    assert code == 2
    assert "unknown data source 'entsoe-gridkit/buse.csv'; did you mean" in err
    code, _, err = run(["data", "status", "--dataset", "gridd"], mirror=None, cache=tmp_path)
    assert code == 2
    assert "unknown dataset(s) ['gridd']" in err


def test_fetch_gated_source_without_opt_in_exits_2(tmp_path: Path) -> None:
    args = ["data", "fetch", "connectivity/submarine_cables.geojson"]
    code, _, err = run(args, mirror=None, cache=tmp_path)
    assert code == 2
    assert "--opt-in non-commercial" in err


def test_fetch_from_mirror_verifies_and_exits_0(mirror: Path, tmp_path: Path) -> None:
    args = ["data", "fetch", "entsoe-gridkit/converters.csv", "--json"]
    code, out, _ = run(args, mirror=mirror, cache=tmp_path)
    assert code == 0
    assert json.loads(out) == [
        {
            "name": "entsoe-gridkit/converters.csv",
            "state": "ok",
            "via": "mirror",
            "where": str(mirror / "entsoe-gridkit" / "converters.csv"),
            "message": "",
        }
    ]


@pytest.mark.parametrize(
    ("name", "needle"),
    [
        ("entsoe-gridkit/buses.csv", "downloads are disabled (SITING_OFFLINE=1)"),
        ("bidding-zones-entsoepy/bidding_zones_europe.geojson", "mirror-only"),
    ],
)
def test_fetch_failure_exits_1(tmp_path: Path, name: str, needle: str) -> None:
    code, out, _ = run(["data", "fetch", name], mirror=None, cache=tmp_path)
    assert code == 1
    assert out.startswith(f"failed   {name}  ")
    assert needle in out
    assert out.splitlines()[-1] == "0 ok, 0 skipped, 1 failed"
