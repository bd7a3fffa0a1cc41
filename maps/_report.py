"""Standalone HTML site reports: local map, attributes, contributions, robustness, comparison.

Charts are inline SVG, so a report opens offline (with ``inline_assets`` and no tiles it needs no
network at all).
"""

from __future__ import annotations

import html
import math
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import folium
import geopandas as gpd
import numpy as np
import pandas as pd
import pyproj
import shapely

from maps._elements import DataLayer, Legend, RawHtml, stable_ids
from maps._io import render_html
from maps._overlay import Overlay
from maps._payload import (
    Criterion,
    attribute_columns,
    attribute_unit,
    criteria_of,
    overlay_payload,
    site_payload,
    validate_result,
)
from maps._ranked import legend_html, new_map, resolve_assets
from maps._style import ColorScheme, score_colors, unit_from_name
from siting.errors import ConfigError
from siting.units import M_PER_KM

__all__ = ["contribution_svg", "format_value", "site_report"]

_GEOD = pyproj.Geod(ellps="WGS84")

REPORT_CSS = """
body { font: 14px/1.45 system-ui, sans-serif; color: #222; margin: 0; }
.siting-report { max-width: 1000px; margin: 0 auto; padding: 12px 20px 40px; }
.siting-report h1 { font-size: 22px; margin: 8px 0 2px; }
.siting-report h2 { font-size: 16px; margin: 22px 0 6px; border-bottom: 1px solid #ccc; }
.siting-report table { border-collapse: collapse; margin: 4px 0; }
.siting-report th, .siting-report td { border-bottom: 1px solid #e3e3e3; padding: 2px 10px 2px 0;
  text-align: left; vertical-align: top; }
.siting-report td.num { text-align: right; font-variant-numeric: tabular-nums; }
.siting-report .muted { color: #666; }
.siting-report .excluded { background: #fde0dd; border: 1px solid #c51b8a; padding: 6px 10px; }
.siting-map-box { max-width: 1000px; margin: 0 auto; padding: 0 20px; }
.siting-map-box .folium-map { border: 1px solid #bbb; }
"""


def format_value(value: Any, *, digits: int | None = None) -> str:  # Any: a table cell
    """Format a cell for a report: NaN/None as ``n/a``, large numbers with separators.

    >>> format_value(1234567.8), format_value(0.123456), format_value(float("nan"))
    ('1,234,568', '0.1235', 'n/a')
    >>> format_value(0.5, digits=3), format_value(True), format_value(["a", "b"])
    ('0.500', 'yes', 'a; b')
    """
    if value is None or value is pd.NA:
        return "n/a"
    if isinstance(value, bool | np.bool_):
        return "yes" if value else "no"
    if isinstance(value, list | tuple | np.ndarray):
        return "; ".join(html.escape(str(v)) for v in value)
    if isinstance(value, int | float | np.integer | np.floating):
        number = float(value)
        if math.isnan(number):
            return "n/a"
        if digits is not None:
            return f"{number:.{digits}f}"
        if abs(number) >= 1000:
            return f"{number:,.0f}"
        if isinstance(value, int | np.integer):
            return str(int(value))
        return f"{number:.4g}"
    return html.escape(str(value))


def contribution_svg(
    names: Sequence[str],
    contributions: Sequence[float],
    weights: Sequence[float],
    *,
    width_px: int = 560,
) -> str:
    """Return a horizontal bar chart (inline SVG) of each criterion's contribution to the score.

    A light bar shows the criterion's weight (the most it can contribute), the dark bar the
    contribution it made; NaN contributions draw no bar and read ``n/a``.

    Parameters
    ----------
    names
        Criterion names.
    contributions
        ``contrib.<criterion>`` values (share of the score, 0..weight).
    weights
        Normalised weights (NaN when unknown).
    width_px
        Chart width in pixels.
    """
    label_px, value_px, row_px = 170, 110, 22
    bar_px = width_px - label_px - value_px
    finite = [v for v in (*contributions, *weights) if v is not None and math.isfinite(v)]
    scale = max(finite) if finite and max(finite) > 0 else 1.0
    rows = []
    for i, (name, contrib, weight) in enumerate(zip(names, contributions, weights, strict=True)):
        y = i * row_px
        parts = [
            f'<text x="0" y="{y + 15}" font-size="12">{html.escape(name)}</text>',
        ]
        if weight is not None and math.isfinite(weight):
            w = bar_px * weight / scale
            parts.append(
                f'<rect x="{label_px}" y="{y + 4}" width="{w:.1f}" height="14" fill="#dadaeb"/>'
            )
        if contrib is not None and math.isfinite(contrib):
            c = bar_px * max(contrib, 0.0) / scale
            parts.append(
                f'<rect class="contrib-bar" x="{label_px}" y="{y + 4}" width="{c:.1f}" '
                f'height="14" fill="#54278f">'
                f"<title>{html.escape(name)}: {contrib:.4f}</title></rect>"
            )
        text = format_value(contrib, digits=3)
        if weight is not None and math.isfinite(weight):
            text += f" of {weight:.3f}"
        parts.append(f'<text x="{label_px + bar_px + 6}" y="{y + 15}" font-size="12">{text}</text>')
        rows.append("".join(parts))
    height = max(len(rows), 1) * row_px + 4
    return (
        f'<svg class="contrib-chart" width="{width_px}" height="{height}" role="img" '
        f'aria-label="contribution of each criterion to the score">{"".join(rows)}</svg>'
    )


def _table(header: Sequence[str], rows: Sequence[Sequence[str]], *, numeric_from: int = 1) -> str:
    """Return an HTML table; cells are already escaped HTML."""
    head = "".join(f"<th>{cell}</th>" for cell in header)
    body = "".join(
        "<tr>"
        + "".join(
            f'<td class="num">{cell}</td>' if j >= numeric_from else f"<td>{cell}</td>"
            for j, cell in enumerate(row)
        )
        + "</tr>"
        for row in rows
    )
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def _radius_bounds(lon: float, lat: float, radius_km: float) -> tuple[float, float, float, float]:
    """Return (minx, miny, maxx, maxy) EPSG:4326 of the box holding a geodesic circle."""
    lons, lats, _ = _GEOD.fwd(
        np.full(4, lon), np.full(4, lat), np.array([0.0, 90.0, 180.0, 270.0]),
        np.full(4, radius_km * M_PER_KM),
    )  # fmt: skip
    return float(lons.min()), float(lats.min()), float(lons.max()), float(lats.max())


def _nearest_substations(
    overlays: Sequence[Overlay], lon: float, lat: float, *, count: int
) -> tuple[list[Overlay], list[list[str]]]:
    """Return overlays of the ``count`` nearest substations (per overlay) and a table of them."""
    chosen: list[Overlay] = []
    rows: list[list[str]] = []
    for overlay in overlays:
        if overlay.kind != "substations" or len(overlay.data) == 0:
            continue
        points = shapely.point_on_surface(overlay.data.geometry.values)
        x, y = shapely.get_x(points), shapely.get_y(points)
        _, _, distance_m = _GEOD.inv(np.full(x.shape, lon), np.full(y.shape, lat), x, y)
        order = np.argsort(distance_m, kind="stable")[:count]
        subset = overlay.data.iloc[order].copy()
        subset["distance_km"] = distance_m[order] / M_PER_KM
        chosen.append(
            Overlay(
                f"{overlay.name}: nearest {len(subset)}",
                subset,
                "substations",
                overlay.value_column,
                overlay.label,
                overlay.attribution,
            )
        )
        for _, item in subset.iterrows():
            label = item[overlay.label] if overlay.label else ""
            value = item[overlay.value_column] if overlay.value_column else None
            unit = unit_from_name(overlay.value_column) if overlay.value_column else ""
            rows.append(
                [
                    format_value(label),
                    f"{format_value(value)} {unit}".strip(),
                    format_value(item["distance_km"], digits=2),
                ]
            )
    return chosen, rows


def _clip_overlays(overlays: Sequence[Overlay], bounds: tuple[float, ...]) -> list[Overlay]:
    """Return the non-substation overlays cut down to features meeting ``bounds``."""
    box = shapely.box(*bounds)
    clipped = []
    for overlay in overlays:
        if overlay.kind == "substations":
            continue
        keep = shapely.intersects(overlay.data.geometry.values, box)
        clipped.append(
            Overlay(
                overlay.name,
                overlay.data[keep],
                overlay.kind,
                overlay.value_column,
                overlay.label,
                overlay.attribution,
            )
        )
    return clipped


def _sources_of(metadata: Mapping[str, Any], key: str) -> tuple[str, str]:  # Any: JSON
    """Return (sources, vintages) text of attribute ``key`` from the metadata."""
    names = ((metadata.get("attributes") or {}).get(key) or {}).get("sources") or []
    catalogue = {s.get("name"): s for s in metadata.get("sources") or []}
    vintages = [str(catalogue[n].get("vintage", "")) for n in names if n in catalogue]
    return (
        "; ".join(html.escape(str(n)) for n in names) or "n/a",
        "; ".join(html.escape(v) for v in vintages if v) or "n/a",
    )


def _comparison(
    result: pd.DataFrame, row: pd.Series, criteria: Sequence[Criterion], *, top: int
) -> str:
    """Return the table comparing this site with the top ``top`` ranked sites."""
    ranked = result[~result["excluded"].astype(bool)].copy()
    ranked = ranked.sort_values("rank", kind="stable").head(top)
    columns = [row, *(item for _, item in ranked.iterrows())]
    header = ["", "This site", *(f"#{format_value(item['rank'])}" for _, item in ranked.iterrows())]
    lines: list[tuple[str, str, int | None]] = [("site_id", "site_id", None)]
    lines += [("Score", "score", 3), ("Rank", "rank", None)]
    for c in criteria:
        if c.attribute:
            unit = f" ({html.escape(c.unit)})" if c.unit else ""
            lines.append((f"{html.escape(c.attribute)}{unit}", c.attribute, None))
        if c.contrib_column:
            lines.append((f"contribution: {html.escape(c.name)}", c.contrib_column, 3))
    lines += [(html.escape(col), col, 3) for col in result.columns if str(col).startswith("risk.")]
    lines += [
        (html.escape(col), col, None) for col in result.columns if str(col).startswith("cost.")
    ]
    if "p_top_k" in result.columns:
        lines.append(("p_top_k", "p_top_k", 2))
    body = [
        [label, *(format_value(item.get(column), digits=digits) for item in columns)]
        for label, column, digits in lines
    ]
    return _table(header, body)


def site_report(
    result: gpd.GeoDataFrame,
    metadata: Mapping[str, Any],  # Any: JSON metadata
    site_id: str,
    *,
    overlays: Sequence[Overlay] = (),
    radius_km: float = 25.0,
    n_nearest: int = 5,
    compare_top: int = 3,
    inline_assets: bool | Path = False,
    tiles: str | None = "OpenStreetMap",
) -> str:
    """Return a standalone HTML report on one candidate of a ranked result.

    The report holds a local map (the site, other candidates and the overlays within
    ``radius_km``, the ``n_nearest`` substations of each substation overlay with their geodesic
    distances), the attribute table (value, unit, source, vintage), a bar chart of the criteria's
    contributions (inline SVG), robustness (rank, 5-95 % rank interval, ``p_top_k``), risks,
    costs, exclusion reasons if any, a comparison with the top ``compare_top`` sites and the
    sources with licences and vintages.

    Parameters
    ----------
    result
        Ranked result GeoDataFrame (DESIGN.md section 5), EPSG:4326.
    metadata
        Result metadata dict.
    site_id
        The candidate to report on.
    overlays
        Reference layers; substations are cut to the nearest ``n_nearest``, others to the box.
    radius_km
        Radius of the local map around the site, km (geodesic).
    n_nearest
        Number of nearest substations to draw and list.
    compare_top
        Number of top-ranked sites in the comparison table.
    inline_assets
        As in :func:`maps.ranked_map`: False (CDN), True (installed package) or a folder.
    tiles
        Basemap tile name, or None for none.

    Returns
    -------
    str
        The HTML document.

    Raises
    ------
    ConfigError
        If ``site_id`` is not in the result, or a parameter is out of range.
    CRSError
        If the result is not in EPSG:4326.
    DataSourceError
        If inlined assets were asked for and are missing.
    """
    validate_result(result)
    if not radius_km > 0 or n_nearest < 0 or compare_top < 0:
        msg = (
            f"radius_km must be > 0 and n_nearest, compare_top >= 0; got radius_km={radius_km!r}, "
            f"n_nearest={n_nearest!r}, compare_top={compare_top!r}"
        )
        raise ConfigError(msg)
    ids = result["site_id"].astype(str)
    matches = np.flatnonzero(ids.to_numpy() == str(site_id))
    if matches.size == 0:
        known = ", ".join(map(repr, ids.head(5)))
        more = f" and {len(ids) - 5} more" if len(ids) > 5 else ""
        msg = f"site_id {site_id!r} is not in the result; site ids are {known}{more}"
        raise ConfigError(msg)
    row = result.iloc[int(matches[0])]
    point = shapely.point_on_surface(row.geometry)
    lon, lat = float(point.x), float(point.y)
    bounds = _radius_bounds(lon, lat, radius_km)
    assets = resolve_assets(inline_assets)
    fmap = new_map(bounds, tiles=tiles, assets=assets, height="440px")

    nearest, substation_rows = _nearest_substations(overlays, lon, lat, count=n_nearest)
    local_overlays = [*_clip_overlays(overlays, bounds), *nearest]
    schemes: list[tuple[str, ColorScheme | None, str]] = []
    for overlay in local_overlays:
        payload, scheme = overlay_payload(overlay)
        DataLayer(f"{overlay.name} ({len(overlay.data)})", payload, builder="overlay").add_to(fmap)
        schemes.append((overlay.name, scheme, payload["fill"]))
    nearby = result[shapely.intersects(result.geometry.values, shapely.box(*bounds))]
    is_excluded = nearby["excluded"].astype(bool).to_numpy()
    n_ranked = int((~result["excluded"].astype(bool)).sum())
    for flag, title in ((True, "Excluded candidates"), (False, "Ranked candidates")):
        subset = nearby[is_excluded == flag]
        if len(subset) == 0:
            continue
        payload = site_payload(subset, metadata, excluded=flag, top_n=10)
        payload["n_ranked"] = n_ranked
        DataLayer(f"{title} ({len(subset)})", payload, builder="sites").add_to(fmap)
    this = gpd.GeoDataFrame(
        {"site_id": [str(row["site_id"])], "score": [row["score"]]},
        geometry=[row.geometry],
        crs="EPSG:4326",
    )
    kind = "points" if row.geometry.geom_type in ("Point", "MultiPoint") else "areas"
    this_site = Overlay("This site", this, kind, None, "site_id", "siting")
    payload, _ = overlay_payload(this_site)
    payload["fill"] = "#000000"
    payload["style"] = {"radius": 11, "weight": 3, "fillOpacity": 0.0, "opacity": 1.0}
    DataLayer("This site", payload, builder="overlay").add_to(fmap)
    Legend(legend_html(has_excluded=bool(is_excluded.any()), top_n=10, schemes=schemes)).add_to(
        fmap
    )
    folium.LayerControl(collapsed=True).add_to(fmap)

    figure = fmap.get_root()
    head, tail = _report_sections(
        result, metadata, row, n_ranked=n_ranked, substation_rows=substation_rows,
        compare_top=compare_top, radius_km=radius_km,
    )  # fmt: skip
    figure.header.add_child(RawHtml(f"<style>{REPORT_CSS}</style>"), name="report_css")
    figure.header.add_child(
        RawHtml(f"<title>Site report: {html.escape(str(row['site_id']))}</title>"), name="title"
    )
    stable_ids(figure)
    # The map writes its <div> into figure.html when rendered, under its own name: holding that
    # name's place between the report's head and tail puts the map there.
    figure.html.add_child(RawHtml(head), name="report_head")
    figure.html.add_child(RawHtml(""), name=fmap.get_name())
    figure.html.add_child(RawHtml(tail), name="report_tail")
    return render_html(fmap)


def _report_sections(
    result: gpd.GeoDataFrame,
    metadata: Mapping[str, Any],  # Any: JSON metadata
    row: pd.Series,
    *,
    n_ranked: int,
    substation_rows: list[list[str]],
    compare_top: int,
    radius_km: float,
) -> tuple[str, str]:
    """Return the report HTML before and after the map."""
    site_id = html.escape(str(row["site_id"]))
    name = row.get("name")
    title = f"{html.escape(str(name))} ({site_id})" if isinstance(name, str) and name else site_id
    is_excluded = bool(row["excluded"])
    color = score_colors([row["score"]])[0]
    if is_excluded:
        reasons = row.get("exclusion_reasons")
        has_reasons = reasons is not None and len(reasons) > 0
        summary = (
            '<p class="excluded"><b>Excluded.</b> Reasons: '
            f"{format_value(reasons) if has_reasons else 'not recorded'}</p>"
        )
    else:
        summary = (
            f'<p><span class="swatch" style="display:inline-block;width:14px;height:14px;'
            f'background:{color};vertical-align:middle"></span> Rank <b>{format_value(row["rank"])}'
            f"</b> of {n_ranked} ranked candidates; score <b>{format_value(row['score'], digits=3)}"
            "</b> (0..1, higher is better).</p>"
        )
    study = metadata.get("study") or {}
    study = study.get("study") or study  # the full study dump keeps its name under [study]
    software = metadata.get("software") or {}
    head = (
        '<div class="siting-report">'
        f"<h1>Site report: {title}</h1>"
        f'<div class="muted">Study {format_value(study.get("name", "n/a"))}; method '
        f"{format_value(metadata.get('method', 'n/a'))}; "
        f"{format_value(software.get('name', 'siting'))} "
        f"{format_value(software.get('version', ''))}</div>"
        f"{summary}<h2>Location (radius {radius_km:g} km)</h2></div>"
        '<div class="siting-map-box">'
    )
    criteria = criteria_of(result, metadata)
    weights = metadata.get("weights") or {}
    chart = contribution_svg(
        [c.name for c in criteria],
        [float(row[c.contrib_column]) if c.contrib_column else math.nan for c in criteria],
        [float(weights.get(c.name, math.nan)) for c in criteria],
    )
    sections = ['</div><div class="siting-report">']
    sections.append("<h2>Contribution of each criterion</h2>")
    sections.append(
        '<p class="muted">Dark bar: contribution to the score; light bar: the criterion\'s '
        "weight (the most it can contribute).</p>" + chart
    )
    sections.append("<h2>Criteria</h2>")
    sections.append(
        _table(
            ["Criterion", "Attribute", "Raw value", "Unit", "Value 0-1", "Contribution"],
            [
                [
                    html.escape(c.name),
                    html.escape(c.attribute or "n/a"),
                    format_value(row[c.attribute]) if c.attribute else "n/a",
                    html.escape(c.unit),
                    format_value(row[c.value_column], digits=3) if c.value_column else "n/a",
                    format_value(row[c.contrib_column], digits=4) if c.contrib_column else "n/a",
                ]
                for c in criteria
            ],
            numeric_from=2,
        )
    )
    sections.append("<h2>Robustness</h2>")
    sensitivity = metadata.get("sensitivity") or {}
    k = sensitivity.get("top_k", sensitivity.get("k"))
    if "p_top_k" in result.columns:
        sections.append(
            _table(
                ["Measure", "Value"],
                [
                    ["Rank", format_value(row["rank"])],
                    [
                        "Rank interval (5th-95th percentile)",
                        f"{format_value(row.get('rank_p05'))} - "
                        f"{format_value(row.get('rank_p95'))}",
                    ],
                    [
                        f"Probability of being in the top {format_value(k) if k else 'k'}",
                        format_value(row["p_top_k"], digits=2),
                    ],
                ],
            )
        )
    else:
        sections.append('<p class="muted">No sensitivity analysis was run for this result.</p>')
    risks = [c for c in result.columns if str(c).startswith("risk.")]
    costs = [c for c in result.columns if str(c).startswith("cost.")]
    if risks:
        sections.append("<h2>Risks (0..1, higher is worse)</h2>")
        sections.append(
            _table(
                ["Risk", "Value"], [[html.escape(c), format_value(row[c], digits=3)] for c in risks]
            )
        )
    if costs:
        sections.append("<h2>Costs</h2>")
        sections.append(
            _table(
                ["Cost", "Value", "Unit"],
                [[html.escape(c), format_value(row[c]), unit_from_name(c)] for c in costs],
                numeric_from=1,
            )
        )
    if substation_rows:
        sections.append("<h2>Nearest substations (geodesic distance)</h2>")
        sections.append(_table(["Substation", "Voltage", "Distance (km)"], substation_rows))
    sections.append("<h2>Attributes</h2>")
    attribute_rows = []
    for key in attribute_columns(result):
        sources, vintages = _sources_of(metadata, key)
        attribute_rows.append(
            [html.escape(key), format_value(row[key]), html.escape(attribute_unit(metadata, key)),
             sources, vintages]
        )  # fmt: skip
    sections.append(
        _table(["Attribute", "Value", "Unit", "Source", "Vintage"], attribute_rows, numeric_from=1)
    )
    if compare_top > 0:
        sections.append(f"<h2>Comparison with the top {compare_top}</h2>")
        sections.append(_comparison(result, row, criteria, top=compare_top))
    sections.append("<h2>Sources and licences</h2>")
    sections.append(
        _table(
            ["Source", "Licence", "Vintage", "Attribution"],
            [
                [
                    format_value(s.get("name")),
                    format_value(s.get("licence")),
                    format_value(s.get("vintage")),
                    format_value(s.get("attribution")),
                ]
                for s in metadata.get("sources") or []
            ],
            numeric_from=99,
        )
    )
    for warning in metadata.get("warnings") or []:
        sections.append(f'<p class="muted">Warning: {html.escape(str(warning))}</p>')
    sections.append("</div>")
    return head, "".join(sections)
