"""Folium maps and HTML site reports drawn from results that already exist.

``maps`` never computes or changes a score: it reads a result GeoDataFrame and its metadata
(DESIGN.md section 5) and draws them.
"""

from maps._assets import MapAssets, load_assets
from maps._io import render_html, write_html
from maps._overlay import OVERLAY_KINDS, Overlay
from maps._ranked import ranked_map
from maps._report import site_report
from maps._style import score_colors

__all__ = [
    "OVERLAY_KINDS",
    "MapAssets",
    "Overlay",
    "load_assets",
    "ranked_map",
    "render_html",
    "score_colors",
    "site_report",
    "write_html",
]
