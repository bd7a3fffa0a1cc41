"""CLI commands ``siting map`` and ``siting report``: draw a result that already exists."""

from __future__ import annotations

import logging
import re
from pathlib import Path
from typing import Any

import click

import maps
from siting.errors import ConfigError

__all__ = ["COMMANDS", "map_command", "report_command"]

log = logging.getLogger(__name__)


def _read_result(path: Path) -> tuple[Any, dict[str, Any]]:  # Any: GeoDataFrame, JSON metadata
    """Read a result file and its metadata (``siting.result.read_result``)."""
    from siting.result import read_result

    result, metadata = read_result(path)
    return result, metadata


def _overlays(
    names: str, metadata: dict[str, Any], *, cables: bool
) -> list[maps.Overlay]:  # Any: JSON
    """Load the overlays of the comma-separated layer ``names`` (empty: none)."""
    wanted = [name.strip() for name in names.split(",") if name.strip()]
    if not wanted:
        return []
    from layers.base import LayerParams
    from layers.catalog import Catalog
    from siting.overlays import load_overlays

    study = metadata.get("study") or {}
    load_mw = study.get("it_load_mw")
    params = LayerParams(it_load_mw=float(load_mw)) if load_mw else LayerParams()
    overlays, notes = load_overlays(wanted, Catalog.from_env(), params, include_cables=cables)
    for note in notes:
        click.echo(f"note: {note}", err=True)
    return overlays


def _assets(inline_assets: bool, assets_dir: Path | None) -> bool | Path:
    """Return the ``inline_assets`` argument: a folder, True (installed package) or False."""
    if assets_dir is not None:
        return assets_dir
    return inline_assets


def _tiles(tiles: str) -> str | None:
    return None if tiles.lower() == "none" else tiles


_COMMON = [
    click.option(
        "--overlays",
        default="",
        metavar="LAYERS",
        help="Comma-separated layers whose map features to draw, e.g. grid,geopolitics.",
    ),
    click.option("--cables", is_flag=True, help="Also draw submarine cables and landings."),
    click.option(
        "--inline-assets",
        is_flag=True,
        help="Inline Leaflet's JS/CSS (from the xstatic-leaflet package) so no CDN is needed.",
    ),
    click.option(
        "--assets-dir",
        type=click.Path(file_okay=False, exists=True, path_type=Path),
        default=None,
        help="Inline Leaflet's JS/CSS from this folder (Leaflet's dist files).",
    ),
    click.option(
        "--tiles",
        default="OpenStreetMap",
        show_default=True,
        help="Basemap tile name, or 'none' for no basemap (offline).",
    ),
    click.option("--overwrite", is_flag=True, help="Replace existing output files."),
]


def _common(function: Any) -> Any:  # Any: a click command function
    for option in reversed(_COMMON):
        function = option(function)
    return function


@click.command("map")
@click.argument("result_path", metavar="RESULT", type=click.Path(exists=True, path_type=Path))
@click.option("--out", required=True, type=click.Path(dir_okay=False, path_type=Path))
@click.option("--top-n", default=10, show_default=True, type=click.IntRange(min=0))
@_common
def map_command(
    result_path: Path,
    out: Path,
    top_n: int,
    overlays: str,
    cables: bool,
    inline_assets: bool,
    assets_dir: Path | None,
    tiles: str,
    overwrite: bool,
) -> None:
    """Draw RESULT (GeoJSON/GPKG/CSV + metadata) as a ranked HTML map."""
    result, metadata = _read_result(result_path)
    fmap = maps.ranked_map(
        result,
        metadata,
        overlays=_overlays(overlays, metadata, cables=cables),
        top_n=top_n,
        inline_assets=_assets(inline_assets, assets_dir),
        tiles=_tiles(tiles),
    )
    written = maps.write_html(maps.render_html(fmap), out, overwrite=overwrite)
    click.echo(str(written))


def _safe_name(site_id: str) -> str:
    """Return ``site_id`` made safe as a file name part.

    >>> _safe_name("DE/north 1")
    'DE_north_1'
    """
    return re.sub(r"[^A-Za-z0-9_.-]+", "_", site_id).strip("._") or "site"


@click.command("report")
@click.argument("result_path", metavar="RESULT", type=click.Path(exists=True, path_type=Path))
@click.option("--site", "site_id", default=None, help="Report on this site_id (--out is a file).")
@click.option(
    "--top",
    type=click.IntRange(min=1),
    default=None,
    help="Report on the top N (--out is a folder).",
)
@click.option("--out", required=True, type=click.Path(path_type=Path))
@click.option(
    "--radius-km", default=25.0, show_default=True, type=click.FloatRange(min=0, min_open=True)
)
@_common
def report_command(
    result_path: Path,
    site_id: str | None,
    top: int | None,
    out: Path,
    radius_km: float,
    overlays: str,
    cables: bool,
    inline_assets: bool,
    assets_dir: Path | None,
    tiles: str,
    overwrite: bool,
) -> None:
    """Write HTML site reports for one site (--site) or the top N sites (--top)."""
    if (site_id is None) == (top is None):
        msg = "give exactly one of --site ID or --top N"
        raise click.UsageError(msg)
    result, metadata = _read_result(result_path)
    options: dict[str, Any] = {  # Any: keyword arguments of site_report
        "overlays": _overlays(overlays, metadata, cables=cables),
        "inline_assets": _assets(inline_assets, assets_dir),
        "tiles": _tiles(tiles),
        "radius_km": radius_km,
    }
    if site_id is not None:
        text = maps.site_report(result, metadata, site_id, **options)
        click.echo(str(maps.write_html(text, out, overwrite=overwrite)))
        return
    if out.exists() and not out.is_dir():
        msg = f"--out {str(out)!r} is a file; with --top it must be a folder"
        raise ConfigError(msg)
    ranked = result[~result["excluded"].astype(bool)].sort_values("rank", kind="stable").head(top)
    for rank, ident in zip(ranked["rank"], ranked["site_id"].astype(str), strict=True):
        text = maps.site_report(result, metadata, ident, **options)
        target = out / f"report-{int(rank):03d}-{_safe_name(ident)}.html"
        click.echo(str(maps.write_html(text, target, overwrite=overwrite)))


COMMANDS: list[click.Command] = [map_command, report_command]
