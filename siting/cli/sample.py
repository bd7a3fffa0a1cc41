"""CLI command ``siting sample``: candidates plus sampled layer attributes, to a file."""

from __future__ import annotations

from pathlib import Path

import click
from pyproj import CRS

from layers.base import LayerParams
from layers.catalog import Catalog
from siting import __version__
from siting.candidates import read_candidates
from siting.cli.options import (
    crs_option,
    opt_in_option,
    out_option,
    overwrite_option,
    quiet_option,
    repair_geometry_option,
)
from siting.errors import LayerNotFoundError
from siting.sampling import check_output_path, parse_layer_names, sample_layers, write_samples

__all__ = ["COMMANDS", "sample"]


def _parse_layers(ctx: click.Context, param: click.Parameter, value: str) -> tuple[str, ...]:
    """Click callback: validate ``--layers`` (unknown names are a usage error, exit 2)."""
    try:
        return parse_layer_names(value)
    except LayerNotFoundError as err:
        raise click.BadParameter(str(err), ctx=ctx, param=param) from err


@click.command("sample")
@click.argument("candidates", type=click.Path(dir_okay=False, path_type=Path))
@click.option(
    "--layers",
    "layer_names",
    required=True,
    callback=_parse_layers,
    metavar="L1,L2|all",
    help="Comma-separated built-in layers to sample (see `siting layers list`), or 'all'.",
)
@out_option
@crs_option
@overwrite_option
@opt_in_option
@repair_geometry_option
@quiet_option
def sample(
    candidates: Path,
    layer_names: tuple[str, ...],
    out: Path,
    crs: CRS | None,
    overwrite: bool,
    opt_in: frozenset[str],
    repair_geometry: bool,
    quiet: bool,
) -> None:
    """Sample layers for the sites in CANDIDATES and write them with their attributes.

    CANDIDATES is a CSV (lon/lat columns, EPSG:4326 unless --crs), GeoJSON, GeoPackage or
    GeoParquet file. The output (.csv, .geojson or .gpkg) holds the candidates' columns plus one
    column per attribute ("layer.attribute"); a sidecar <stem>.meta.json lists the layers'
    parameters and the data sources with licences and vintages.
    """
    check_output_path(out, overwrite=overwrite)  # fail before any expensive work
    sites = read_candidates(candidates, crs=crs, repair=repair_geometry)
    catalog = Catalog.from_env(opt_in=opt_in)
    attributes, sampled = sample_layers(
        sites, layer_names, catalog=catalog, params=LayerParams(opt_in=opt_in)
    )
    metadata = {
        "software": {"name": "siting", "version": __version__},
        "candidates": {"file": str(candidates), "count": len(sites)},
        "layers": {name: sampled[name] for name in layer_names},
        "sources": sampled["sources"],
    }
    write_samples(sites, attributes, metadata, out, overwrite=overwrite)
    if not quiet:
        click.echo(
            f"wrote {len(sites)} candidates x {attributes.shape[1]} attributes "
            f"({', '.join(layer_names)}) to {out}",
            err=True,
        )


COMMANDS: list[click.Command] = [sample]
