from typing import Any

import geopandas as gpd
import numpy as np
import pytest
from shapely.geometry import Point
from synthetic import decode_points, grid_overlays, h3_result, make_metadata, payloads

import maps
from maps import Overlay
from siting.errors import ConfigError, CRSError

VIRIDIS_LOW, VIRIDIS_HIGH = "#440154", "#fde725"


def render(result: gpd.GeoDataFrame, **options: Any) -> str:
    options.setdefault("tiles", None)
    return maps.render_html(maps.ranked_map(result, make_metadata(), **options))


def test_colours_follow_scores(points: gpd.GeoDataFrame) -> None:
    html = render(points)
    (_, excluded), (_, ranked) = payloads(html)
    assert excluded["excluded"] is True and excluded["color"] is None
    assert excluded["fill"] == "#9e9e9e"
    palette = ranked["palette"]
    kept = points[~points["excluded"]].reset_index(drop=True)
    colours = [palette[i] for i in ranked["color"]]
    # highest score (rank 1, 0.961) is the most yellow; lowest (0.320) the darkest kept colour
    best = int(np.argmax(kept["score"]))
    worst = int(np.argmin(kept["score"]))
    assert ranked["fields"]["rank"][best] == 1
    assert ranked["color"][best] == round(0.961333 * 255)  # 245
    assert ranked["color"][worst] == round(0.320127 * 255)  # 82
    order = np.argsort(kept["score"].to_numpy())
    assert np.all(np.diff(np.asarray(ranked["color"])[order]) >= 0)
    assert colours[best] == maps.score_colors([kept["score"][best]])[0]
    assert palette[0] == VIRIDIS_LOW and palette[255] == VIRIDIS_HIGH


def test_popups_hold_contributions_and_units(points: gpd.GeoDataFrame) -> None:
    (_, _), (_, ranked) = payloads(render(points))
    kept = points[~points["excluded"]].reset_index(drop=True)
    grid, price = ranked["criteria"]
    assert grid["name"] == "grid_distance" and grid["unit"] == "km"
    assert price["unit"] == "EUR/MWh"
    # row 0 is S000000: distance 1.0 km -> value 0.98, contribution 0.6 * 0.98 = 0.588
    assert kept["site_id"][0] == "S000000"
    assert grid["attr"][0] == 1.0
    assert grid["value"][0] == 0.98
    assert grid["contrib"][0] == 0.588
    # price 60 EUR/MWh -> value (200-60)/150 = 0.9333, contribution 0.3733
    assert price["contrib"][0] == pytest.approx(0.3733, abs=1e-4)
    assert ranked["fields"]["p_top_k"][0] == 1.0 and ranked["k"] == 3
    assert [c["name"] for c in ranked["risks"]] == ["geopolitics"]
    assert ranked["costs"][0]["unit"] == "EUR/year"
    assert ranked["costs"][0]["col"][0] == 52_560_000  # 60 EUR/MWh * 876 000 MWh


def test_excluded_carry_reasons(points: gpd.GeoDataFrame) -> None:
    (_, excluded), _ = payloads(render(points))
    assert excluded["fields"]["site_id"] == ["S000004", "S000009"]
    assert excluded["fields"]["reasons"] == [["inside grid moratorium area"]] * 2


def test_top_n_labels_and_points(points: gpd.GeoDataFrame) -> None:
    _, (_, ranked) = payloads(render(points, top_n=3))
    assert sorted(t[2] for t in ranked["top"]) == [1, 2, 3]
    label_1 = next(t for t in ranked["top"] if t[2] == 1)
    assert label_1[:2] == [48.0, 6.5]  # S000000 at (6.5, 48.0), as (lat, lon)
    lonlat = decode_points(ranked["geom"])
    assert lonlat[0].tolist() == [6.5, 48.0]


def test_attribution_present(points: gpd.GeoDataFrame) -> None:
    html = render(points, overlays=grid_overlays())
    assert "Eurostat nrg_pc_205 (CC BY 4.0)" in html
    assert "GridKit ENTSO-E extract (c) OpenStreetMap contributors, ODbL" in html
    layers = payloads(html)
    assert [b for b, _ in layers] == ["overlay", "overlay", "sites", "sites"]
    assert all(d["attribution"] for b, d in layers if b == "overlay")


def test_overlays_coloured_by_voltage(points: gpd.GeoDataFrame) -> None:
    (_, substations), (_, lines), *_ = payloads(render(points, overlays=grid_overlays()))
    # 220 kV green, 380 kV red, 110 kV grey, unknown light grey
    assert [substations["palette"][i] for i in substations["color"]] == [
        "#2ca02c", "#d62728", "#7f7f7f", "#cccccc",
    ]  # fmt: skip
    assert substations["text"][1] == "B - voltage_kv: 380 kV"
    assert lines["geom"]["family"] == "line" and lines["geom"]["offsets"] == [[0, 2, 4]]


def test_h3_choropleth(hexes: gpd.GeoDataFrame) -> None:
    _, (_, ranked) = payloads(render(hexes))
    assert ranked["geom"]["family"] == "polygon"
    assert len(ranked["geom"]["offsets"][1]) == int((~hexes["excluded"]).sum()) + 1
    assert len(ranked["top"]) == 10


def test_inline_mode_has_no_cdn(points: gpd.GeoDataFrame) -> None:
    pytest.importorskip("xstatic.pkg.leaflet", reason="xstatic-leaflet is not installed")
    inline = render(points, inline_assets=True)
    linked = render(points)
    assert "cdn.jsdelivr.net" in linked
    assert "<script src=" not in inline and "<link rel=" not in inline
    assert "jquery" not in linked.lower() and "bootstrap" not in linked.lower()


def test_same_inputs_same_bytes(points: gpd.GeoDataFrame) -> None:
    assert render(points) == render(points)


def test_validation_errors(points: gpd.GeoDataFrame) -> None:
    with pytest.raises(ConfigError, match=r"lacks column\(s\) 'score'"):
        render(points.drop(columns=["score"]))
    with pytest.raises(CRSError, match=r"expected EPSG:4326"):
        render(points.to_crs(3035))
    with pytest.raises(ConfigError, match=r"no candidates"):
        render(points.iloc[:0])
    with pytest.raises(ConfigError, match=r"top_n must be >= 0, got -1"):
        render(points, top_n=-1)
    with pytest.raises(ConfigError, match=r"unknown tiles 'no-such-tiles'"):
        render(points, tiles="no-such-tiles")


def test_overlay_validation() -> None:
    frame = gpd.GeoDataFrame({"v": [1.0]}, geometry=[Point(0, 0)], crs="EPSG:4326")
    with pytest.raises(ConfigError, match=r"unknown overlay kind 'roads'; expected one of"):
        Overlay("x", frame, "roads", attribution="a")  # type: ignore[arg-type]
    with pytest.raises(ConfigError, match=r"value_column 'kv' is not a column"):
        Overlay("x", frame, "points", "kv", attribution="a")
    with pytest.raises(ConfigError, match=r"has no attribution"):
        Overlay("x", frame, "points")
    with pytest.raises(CRSError, match=r"expected EPSG:4326"):
        Overlay("x", frame.to_crs(3857), "points", attribution="a")


def test_many_cells_stay_compact() -> None:
    result = h3_result(2000, resolution=8)
    html = render(result, inline_assets=False)
    # about 100 bytes per hexagon (7 delta-encoded vertices plus the popup columns)
    assert len(html.encode()) / len(result) < 400
