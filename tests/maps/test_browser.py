"""Open generated maps and reports in headless Chromium (Debian's), count drawn features."""

from pathlib import Path
from typing import Any

import geopandas as gpd
import pytest
from synthetic import CHROMIUM, CHROMIUM_ARGS, grid_overlays, h3_result, make_metadata

import maps

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(
        not Path(CHROMIUM).exists(),
        reason=f"browser test: {CHROMIUM} is absent (apt-get install -y chromium)",
    ),
]

COUNT_FEATURES = """() => {
  const map = window[document.querySelector('.folium-map').id];
  let drawn = 0, labels = 0;
  map.eachLayer(l => {
    const isPath = l instanceof L.Path && l.sitingRow !== undefined;
    if (isPath && l._renderer && l._renderer._container) drawn++;
    if (l.sitingDrawn !== undefined) drawn += l.sitingDrawn;  // one-canvas layers
    if (l instanceof L.Marker && l.options.icon.options.className === 'siting-rank') labels++;
  });
  return {drawn, labels};
}"""
MAP_READY = """() => {
  const el = document.querySelector('.folium-map');
  return el && window[el.id] && window[el.id]._loaded && document.querySelector('canvas') !== null;
}"""


@pytest.fixture(scope="module")
def browser() -> Any:  # Any: a playwright Browser
    sync_api = pytest.importorskip("playwright.sync_api", reason="playwright is not installed")
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


def open_page(browser: Any, path: Path) -> tuple[Any, list[str]]:  # Any: playwright objects
    page = browser.new_page(viewport={"width": 1100, "height": 800})
    problems: list[str] = []
    page.on(
        "console", lambda m: problems.append(f"{m.type}: {m.text}") if m.type == "error" else None
    )
    page.on("pageerror", lambda e: problems.append(f"pageerror: {e}"))
    page.on("requestfailed", lambda r: problems.append(f"requestfailed: {r.url}"))
    page.goto(path.as_uri())
    page.wait_for_function(MAP_READY, timeout=20_000)
    return page, problems


@pytest.fixture(scope="module")
def inline() -> bool:
    pytest.importorskip("xstatic.pkg.leaflet", reason="inline mode needs xstatic-leaflet")
    return True


def test_map_draws_every_feature(
    browser: Any, inline: bool, points: gpd.GeoDataFrame, tmp_path: Path
) -> None:
    fmap = maps.ranked_map(
        points, make_metadata(), overlays=grid_overlays(), tiles=None, inline_assets=inline
    )
    path = maps.write_html(maps.render_html(fmap), tmp_path / "map.html")
    page, problems = open_page(browser, path)
    counts = page.evaluate(COUNT_FEATURES)
    # 12 candidates (10 ranked + 2 excluded) + 4 substations + 2 lines; 10 rank labels
    assert counts == {"drawn": 18, "labels": 10}
    # clicking the rank-1 site (6.5, 48.0) opens a popup with its contributions
    point = page.evaluate(
        "() => { const map = window[document.querySelector('.folium-map').id];"
        " const p = map.latLngToContainerPoint([48.0, 6.5]); return [p.x, p.y]; }"
    )
    box = page.locator(".folium-map").bounding_box()
    page.mouse.click(box["x"] + point[0], box["y"] + point[1])
    popup = page.locator(".leaflet-popup-content").inner_text(timeout=5_000)
    assert "Rank 1 of 10, score 0.961" in popup
    assert "grid_distance" in popup and "0.588" in popup and "EUR/MWh" in popup
    attribution = page.locator(".leaflet-control-attribution").inner_text()
    assert "Eurostat nrg_pc_205" in attribution and "GridKit" in attribution
    page.screenshot(path=str(tmp_path / "map.png"))
    assert (tmp_path / "map.png").stat().st_size > 10_000
    assert problems == []


@pytest.mark.parametrize("canvas_threshold", [5000, 100], ids=["leaflet-paths", "one-canvas"])
def test_h3_map_toggle_and_popup(
    browser: Any, inline: bool, tmp_path: Path, canvas_threshold: int
) -> None:
    result = h3_result(400, resolution=7)
    fmap = maps.ranked_map(
        result, make_metadata(), tiles=None, inline_assets=inline, canvas_threshold=canvas_threshold
    )
    path = maps.write_html(maps.render_html(fmap), tmp_path / "h3.html")
    page, problems = open_page(browser, path)
    assert page.evaluate(COUNT_FEATURES) == {"drawn": 400, "labels": 10}
    page.get_by_label("Excluded candidates (80)").uncheck()
    assert page.evaluate(COUNT_FEATURES)["drawn"] == 320  # every 5th of 400 is excluded
    # click the centre of the rank-1 cell: its popup shows rank, score and contributions
    best = result.loc[result["rank"] == 1].iloc[0]
    centre = best.geometry.centroid
    point = page.evaluate(
        "([lat, lon]) => { const map = window[document.querySelector('.folium-map').id];"
        " const p = map.latLngToContainerPoint([lat, lon]); return [p.x, p.y]; }",
        [centre.y, centre.x],
    )
    box = page.locator(".folium-map").bounding_box()
    page.mouse.click(box["x"] + point[0], box["y"] + point[1])
    popup = page.locator(".leaflet-popup-content").inner_text(timeout=5_000)
    assert f"({best['site_id']})" in popup or best["site_id"] in popup
    assert f"Rank 1 of 320, score {best['score']:.3f}" in popup
    assert f"{best['contrib.grid_distance']:.3f}" in popup
    page.screenshot(path=str(tmp_path / "h3.png"))
    assert problems == []


def test_report_opens_offline(
    browser: Any, inline: bool, points: gpd.GeoDataFrame, tmp_path: Path
) -> None:
    text = maps.site_report(
        points, make_metadata(), "S000002", overlays=grid_overlays(), radius_km=150.0,
        tiles=None, inline_assets=inline,
    )  # fmt: skip
    path = maps.write_html(text, tmp_path / "report.html")
    page, problems = open_page(browser, path)
    counts = page.evaluate(COUNT_FEATURES)
    # the 150 km box around S000002 (7.95, 49.09) spans lon 5.89..10.01, lat 47.74..50.44: it
    # holds candidates S0..S4 (5, one excluded), line L1 (L2 starts at lat 51), the 4 nearest
    # substations (all there are) and the ring marking the site: 11
    assert counts["drawn"] == 11
    assert page.locator("svg.contrib-chart rect.contrib-bar").count() == 2
    page.screenshot(path=str(tmp_path / "report.png"), full_page=True)
    assert problems == []
