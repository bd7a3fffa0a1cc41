"""The ranked map: every candidate coloured by score, excluded ones grey, overlays toggleable."""

from __future__ import annotations

import html
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import folium
import numpy as np

from maps._assets import CDN_SCRIPTS, CDN_STYLES, MapAssets, load_assets
from maps._elements import DataLayer, Legend, RawHtml, runtime_css, runtime_js, stable_ids
from maps._overlay import Overlay
from maps._payload import overlay_payload, site_payload, validate_result
from maps._style import EXCLUDED_COLOR, ColorScheme, score_palette
from siting.errors import ConfigError

if TYPE_CHECKING:
    import geopandas as gpd

    from siting.types import Bounds

__all__ = ["legend_html", "new_map", "ranked_map", "resolve_assets", "view_bounds"]


def resolve_assets(inline_assets: bool | Path | str) -> MapAssets | None:
    """Return inlined Leaflet assets (``True``: installed package; a path: that folder) or None.

    Raises
    ------
    DataSourceError
        If inlining was asked for and the assets are missing (the message names them).
    """
    if inline_assets is False:
        return None
    if inline_assets is True:
        return load_assets(None)
    return load_assets(Path(inline_assets))


def new_map(
    bounds: Bounds | None,
    *,
    tiles: str | None,
    assets: MapAssets | None,
    width: str = "100%",
    height: str = "100%",
) -> folium.Map:
    """Return an empty folium map that loads only Leaflet (linked or inlined) and our runtime.

    Parameters
    ----------
    bounds
        ``(minx, miny, maxx, maxy)`` in EPSG:4326 to fit, or None for the whole world.
    tiles
        A folium/xyzservices tile name (``"OpenStreetMap"``, ``"CartoDB positron"``) or None
        for no basemap (offline use; features still draw).
    assets
        Inlined Leaflet assets, or None to link Leaflet from its CDN.

    Raises
    ------
    ConfigError
        If ``tiles`` names no known tile provider.
    """
    if bounds is not None and np.all(np.isfinite(bounds)):
        minx, miny, maxx, maxy = bounds
        location = [(miny + maxy) / 2.0, (minx + maxx) / 2.0]
    else:
        bounds, location = None, [0.0, 0.0]
    fmap = folium.Map(
        location=location,
        zoom_start=2,
        tiles=None,
        prefer_canvas=True,
        control_scale=True,
        width=width,
        height=height,
    )
    fmap.default_js = []
    fmap.default_css = []
    header = fmap.get_root().header
    if assets is None:
        for i, url in enumerate(CDN_SCRIPTS):
            header.add_child(RawHtml(f'<script src="{url}"></script>'), name=f"leaflet_js_{i}")
        for i, url in enumerate(CDN_STYLES):
            header.add_child(RawHtml(f'<link rel="stylesheet" href="{url}"/>'), name=f"css_{i}")
    else:
        for i, script in enumerate(assets.scripts):
            text = script.replace("</script", "<\\/script")
            header.add_child(RawHtml(f"<script>{text}</script>"), name=f"leaflet_js_{i}")
        for i, style in enumerate(assets.styles):
            header.add_child(RawHtml(f"<style>{style}</style>"), name=f"leaflet_css_{i}")
    header.add_child(RawHtml(f"<style>{runtime_css()}</style>"), name="siting_css")
    header.add_child(RawHtml(f"<script>{runtime_js()}</script>"), name="siting_js")
    if tiles is not None:
        try:
            folium.TileLayer(tiles, name=tiles, overlay=False, control=True).add_to(fmap)
        except ValueError as err:
            msg = (
                f"unknown tiles {tiles!r}; give a folium tile name such as 'OpenStreetMap', or none"
            )
            raise ConfigError(msg) from err
    if bounds is not None:
        minx, miny, maxx, maxy = bounds
        fmap.fit_bounds([[miny, minx], [maxy, maxx]], padding=(12, 12))
    return fmap


def _gradient_svg(width_px: int = 160) -> str:
    """Return an inline SVG colour bar of the score palette with ticks 0, 0.5 and 1."""
    palette = score_palette()
    stops = "".join(
        f'<stop offset="{i / 10:.1f}" stop-color="{palette[round(i * 25.5)]}"/>' for i in range(11)
    )
    return (
        f'<svg width="{width_px}" height="28" role="img" aria-label="score colour scale">'
        f'<defs><linearGradient id="siting-score-gradient">{stops}</linearGradient></defs>'
        f'<rect x="0" y="0" width="{width_px}" height="12" fill="url(#siting-score-gradient)"/>'
        f'<text x="0" y="25" font-size="10">0</text>'
        f'<text x="{width_px // 2 - 6}" y="25" font-size="10">0.5</text>'
        f'<text x="{width_px - 7}" y="25" font-size="10">1</text></svg>'
    )


VIEW_QUANTILE = 0.01
"""Share of ranked sites left outside the initial view on each side (far-flung outliers)."""
VIEW_MIN_SITES = 200
"""Below this many ranked sites the initial view shows them all."""


def view_bounds(result: gpd.GeoDataFrame) -> tuple[float, float, float, float]:
    """Return the initial view ``(minx, miny, maxx, maxy)``, EPSG:4326: where the ranked sites are.

    The view frames the ranked (not excluded) candidates, or all of them when none is ranked.
    With many sites, the outer 1 % on each side is left out so that a few far-flung cells (an
    overseas territory) do not shrink the main study area to a speck; they stay on the map.

    >>> import geopandas as gpd, shapely
    >>> pts = gpd.GeoDataFrame({"excluded": [False, False, True]},
    ...     geometry=shapely.points([0, 2, 50], [40, 42, 0]), crs="EPSG:4326")
    >>> view_bounds(pts)
    (0.0, 40.0, 2.0, 42.0)
    """
    is_excluded = result["excluded"].astype(bool).to_numpy()
    frame = result[~is_excluded] if (~is_excluded).any() else result
    if len(frame) < VIEW_MIN_SITES:
        return tuple(float(b) for b in frame.total_bounds)  # type: ignore[return-value]
    bounds = frame.geometry.bounds
    q = VIEW_QUANTILE
    return (
        float(bounds["minx"].quantile(q)),
        float(bounds["miny"].quantile(q)),
        float(bounds["maxx"].quantile(1 - q)),
        float(bounds["maxy"].quantile(1 - q)),
    )


def legend_html(
    *, has_excluded: bool, top_n: int, schemes: Sequence[tuple[str, ColorScheme | None, str]]
) -> str:
    """Return the legend box HTML: score scale, excluded swatch, rank labels, overlay classes.

    Parameters
    ----------
    has_excluded
        Whether to show the grey "excluded" swatch.
    top_n
        Number of rank-labelled candidates (0 hides that line).
    schemes
        ``(overlay name, colour scheme or None, single colour)`` per overlay.
    """
    parts = [
        "<h4>Score (higher is better)</h4>",
        _gradient_svg(),
    ]
    if has_excluded:
        parts.append(
            f'<div><span class="swatch" style="background:{EXCLUDED_COLOR}"></span>excluded '
            "(reasons in popup)</div>"
        )
    if top_n > 0:
        parts.append(f"<div>Numbers: rank of the top {top_n}</div>")
    for name, scheme, color in schemes:
        parts.append(f"<h4>{html.escape(name)}</h4>")
        rows = scheme.legend if scheme is not None else [(color, "")]
        parts.extend(
            f'<div><span class="swatch" style="background:{swatch}"></span>'
            f"{html.escape(label)}</div>"
            for swatch, label in rows
        )
    return "".join(parts)


def ranked_map(
    result: gpd.GeoDataFrame,
    metadata: Mapping[str, Any],  # Any: JSON metadata
    *,
    overlays: Sequence[Overlay] = (),
    top_n: int = 10,
    inline_assets: bool | Path = False,
    tiles: str | None = "OpenStreetMap",
    extra_attributes: Sequence[str] = (),
    canvas_threshold: int = 5000,
) -> folium.Map:
    """Draw a ranked result: candidates coloured by score, excluded grey, overlays toggleable.

    Points draw as circles, polygons (regions, H3 cells) as a choropleth, all on one canvas
    renderer per layer from compact JSON, so 100 000 candidates stay usable. Clicking a
    candidate opens a popup with rank, score, each criterion's raw value (with unit), value and
    contribution, risks, costs and, when sensitivity ran, ``p_top_k`` and the rank interval.
    The attribution control carries the result's sources and every visible overlay's source.

    Parameters
    ----------
    result
        Ranked result GeoDataFrame (DESIGN.md section 5), EPSG:4326.
    metadata
        Result metadata dict (criteria, attributes, sources, sensitivity).
    overlays
        Reference layers to draw under the candidates, each toggleable.
    top_n
        Candidates with ``rank <= top_n`` are labelled with their rank.
    inline_assets
        ``False`` links Leaflet from its CDN; ``True`` inlines it from the installed
        ``xstatic-leaflet`` package; a folder inlines it from there (air-gapped use).
    tiles
        Basemap tile name, or None for none (offline; the CDN-free map then needs no network).
    extra_attributes
        Attribute columns to show in popups besides the criteria's attributes.
    canvas_threshold
        Layers with more features than this are drawn by one canvas pass (no Leaflet object
        per feature; clicks are hit-tested), which keeps 100 000 cells to a few seconds.

    Returns
    -------
    folium.Map
        Save it with :func:`maps.write_html` (``render_html(map)``) or ``map.save``.

    Raises
    ------
    ConfigError
        If the result lacks a required column, is empty, or ``top_n`` is negative.
    CRSError
        If the result is not in EPSG:4326.
    DataSourceError
        If inlined assets were asked for and are missing.
    """
    validate_result(result)
    if top_n < 0:
        msg = f"top_n must be >= 0, got {top_n!r}"
        raise ConfigError(msg)
    assets = resolve_assets(inline_assets)
    bounds = view_bounds(result)
    fmap = new_map(bounds, tiles=tiles, assets=assets)  # type: ignore[arg-type]
    schemes: list[tuple[str, ColorScheme | None, str]] = []
    for overlay in overlays:
        payload, scheme = overlay_payload(overlay)
        payload["fast"] = len(overlay.data) > canvas_threshold
        DataLayer(f"{overlay.name} ({len(overlay.data)})", payload, builder="overlay").add_to(fmap)
        schemes.append((overlay.name, scheme, payload["fill"]))
    is_excluded = result["excluded"].astype(bool).to_numpy()
    if is_excluded.any():
        excluded = result[is_excluded]
        payload = site_payload(
            excluded, metadata, excluded=True, top_n=0, extra_attributes=extra_attributes
        )
        payload["fast"] = len(excluded) > canvas_threshold
        DataLayer(f"Excluded candidates ({len(excluded)})", payload, builder="sites").add_to(fmap)
    if (~is_excluded).any():
        ranked = result[~is_excluded]
        payload = site_payload(
            ranked, metadata, excluded=False, top_n=top_n, extra_attributes=extra_attributes
        )
        payload["n_ranked"] = len(ranked)
        payload["fast"] = len(ranked) > canvas_threshold
        DataLayer(f"Ranked candidates ({len(ranked)})", payload, builder="sites").add_to(fmap)
    legend = legend_html(has_excluded=bool(is_excluded.any()), top_n=top_n, schemes=schemes)
    Legend(legend, position="bottomleft").add_to(fmap)
    folium.LayerControl(collapsed=False).add_to(fmap)
    stable_ids(fmap.get_root())
    return fmap
