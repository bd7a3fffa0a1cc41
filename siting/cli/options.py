"""Options shared by several ``siting`` commands, defined once (STYLE L2).

Each name is a click decorator; the parameter it adds is named after the option:

- ``crs_option`` -> ``crs: pyproj.CRS | None`` (``--crs``; parsed once with
  ``CRS.from_user_input``, a bad value is a usage error, exit 2);
- ``out_option`` -> ``out: pathlib.Path`` (``--out``, required; suffix checked by the command);
- ``overwrite_option`` -> ``overwrite: bool`` (``--overwrite``);
- ``quiet_option`` -> ``quiet: bool`` (``-q/--quiet``: no summary or progress on stderr);
- ``opt_in_option`` -> ``opt_in: frozenset[str]`` (``--opt-in``: comma-separated licence flags
  such as ``non-commercial``, ``share-alike`` or catalogue names; repeatable);
- ``repair_geometry_option`` -> ``repair_geometry: bool`` (``--repair-geometry``).
- ``json_option`` -> ``as_json: bool`` (``--json``: machine-readable output on stdout).
"""

from __future__ import annotations

from pathlib import Path

import click
from pyproj import CRS
from pyproj.exceptions import CRSError as PyprojCRSError

__all__ = [
    "crs_option",
    "json_option",
    "opt_in_option",
    "out_option",
    "overwrite_option",
    "parse_crs",
    "parse_opt_in",
    "quiet_option",
    "repair_geometry_option",
]


def parse_crs(
    ctx: click.Context | None, param: click.Parameter | None, value: str | None
) -> CRS | None:
    """Click callback: normalise ``--crs`` once with :meth:`pyproj.CRS.from_user_input`."""
    if value is None:
        return None
    try:
        return CRS.from_user_input(value)
    except PyprojCRSError as err:
        msg = f"cannot understand CRS {value!r}; expected e.g. EPSG:3035, a PROJ string or WKT"
        raise click.BadParameter(msg, ctx=ctx, param=param) from err


def parse_opt_in(
    ctx: click.Context | None, param: click.Parameter | None, value: tuple[str, ...]
) -> frozenset[str]:
    """Click callback: split repeated, comma-separated ``--opt-in`` values into a set."""
    return frozenset(item.strip() for text in value for item in text.split(",") if item.strip())


crs_option = click.option(
    "--crs",
    "crs",
    default=None,
    callback=parse_crs,
    metavar="CRS",
    help="CRS of input coordinates when the file has none (CSV default EPSG:4326), e.g. EPSG:3035.",
)

out_option = click.option(
    "--out",
    "out",
    required=True,
    type=click.Path(dir_okay=False, path_type=Path),
    metavar="FILE",
    help="Output file; its suffix chooses the format.",
)

overwrite_option = click.option(
    "--overwrite", is_flag=True, default=False, help="Replace the output file if it exists."
)

quiet_option = click.option(
    "-q", "--quiet", is_flag=True, default=False, help="No summary or progress on stderr."
)

opt_in_option = click.option(
    "--opt-in",
    "opt_in",
    multiple=True,
    callback=parse_opt_in,
    metavar="FLAGS",
    help=(
        "Comma-separated licence flags (non-commercial, share-alike) or catalogue source names "
        "you accept to use; repeatable."
    ),
)

repair_geometry_option = click.option(
    "--repair-geometry",
    "repair_geometry",
    is_flag=True,
    default=False,
    help="Repair invalid candidate polygons with shapely.make_valid instead of rejecting them.",
)

json_option = click.option(
    "--json", "as_json", is_flag=True, default=False, help="Print JSON on stdout."
)
