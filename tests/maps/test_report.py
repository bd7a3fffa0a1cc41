import math
import re

import geopandas as gpd
import numpy as np
import pytest
from synthetic import grid_overlays, make_metadata, payloads

import maps
from maps._report import contribution_svg, format_value
from siting.errors import ConfigError


def haversine_km(lon1: float, lat1: float, lon2: float, lat2: float) -> float:
    """Great-circle distance on a 6371 km sphere (independent of pyproj; within ~0.5 %)."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * 6371.0 * math.asin(math.sqrt(a))


def report(points: gpd.GeoDataFrame, site_id: str, **options: object) -> str:
    options.setdefault("tiles", None)
    return maps.site_report(points, make_metadata(), site_id, overlays=grid_overlays(), **options)


def test_report_tables(points: gpd.GeoDataFrame) -> None:
    html = report(points, "S000002", radius_km=150.0)
    assert "Site report: S000002" in html
    assert "Rank <b>2</b> of 10 ranked candidates; score <b>0.774</b>" in html
    # attribute table: value, unit, source, vintage
    assert re.search(
        r"<td>grid\.substation_distance_km</td><td class=\"num\">9\.909</td><td class=\"num\">km"
        r"</td><td class=\"num\">entsoe-gridkit/buses\.csv</td><td class=\"num\">2016</td>",
        html,
    )
    # robustness
    assert "Rank interval (5th-95th percentile)" in html and "1 - 4" in html
    assert "Probability of being in the top 3" in html
    # comparison with the top 3: header and the scores in rank order
    assert "<th>This site</th><th>#1</th><th>#2</th><th>#3</th>" in html
    assert '0.774</td><td class="num">0.961</td><td class="num">0.774</td>' in html
    assert "Eurostat nrg_pc_205 (CC BY 4.0)" in html  # sources and attribution


def test_nearest_substations_geodesic(points: gpd.GeoDataFrame) -> None:
    html = report(points, "S000002", n_nearest=2)
    site = points.loc[points["site_id"] == "S000002"].geometry.iloc[0]
    # substation A at (7.0, 48.5) is nearest
    expected = haversine_km(site.x, site.y, 7.0, 48.5)
    found = re.search(
        r"<td>A</td><td class=\"num\">220 kV</td><td class=\"num\">([0-9.]+)</td>", html
    )
    assert found is not None
    assert float(found.group(1)) == pytest.approx(expected, rel=0.005)
    nearest = [d for b, d in payloads(html) if b == "overlay" and "nearest" in d["name"]]
    assert len(nearest) == 1 and len(nearest[0]["text"]) == 2


def test_excluded_report_shows_reasons(points: gpd.GeoDataFrame) -> None:
    html = report(points, "S000004")
    assert "<b>Excluded.</b> Reasons: inside grid moratorium area" in html


def test_report_charts_are_inline_svg(points: gpd.GeoDataFrame) -> None:
    html = report(points, "S000000")
    assert '<svg class="contrib-chart"' in html
    assert "<img " not in html and "d3.min.js" not in html


def test_contribution_svg_bar_widths() -> None:
    svg = contribution_svg(["a", "b"], [0.3, float("nan")], [0.6, 0.4], width_px=580)
    # bar area = 580 - 170 - 110 = 300 px for the largest value (0.6): 0.3 -> 150 px
    assert re.search(r'class="contrib-bar" x="170" y="4" width="150\.0"', svg)
    assert svg.count('class="contrib-bar"') == 1  # NaN draws no bar
    assert "n/a of 0.400" in svg and "0.300 of 0.600" in svg


def test_format_value() -> None:
    assert format_value(np.float64(52_560_000.0)) == "52,560,000"
    assert format_value(None) == "n/a"
    assert format_value("<b>") == "&lt;b&gt;"


def test_unknown_site(points: gpd.GeoDataFrame) -> None:
    with pytest.raises(
        ConfigError, match=r"site_id 'nope' is not in the result; site ids are 'S000000'"
    ):
        report(points, "nope")
    with pytest.raises(ConfigError, match=r"radius_km must be > 0"):
        report(points, "S000000", radius_km=0.0)
