"""CLI commands ``siting data status`` and ``siting data fetch``: the data sources layers read.

Both read ``SITING_DATA_MIRROR`` (data mirror folder), ``SITING_CACHE_DIR`` (cache, default the
platform's user cache folder) and ``SITING_OFFLINE=1`` (no downloads). Exit codes: 0 ok, 2 bad
usage or input (unknown source or dataset, a source that needs ``--opt-in``), 1 any other failure
(a requested file could not be fetched or verified).
"""

from __future__ import annotations

import json
from collections.abc import Sequence

import click

from layers.catalog import Catalog, FetchOutcome, SourceStatus, fetch_sources

__all__ = ["COMMANDS", "data"]

_OPT_IN_OPTION = click.option(
    "--opt-in",
    "opt_in",
    multiple=True,
    metavar="FLAG_OR_NAME",
    help="Allow sources with this licence flag (non-commercial, share-alike) or this name. "
    "Repeatable.",
)
_DATASET_OPTION = click.option(
    "--dataset",
    "datasets",
    multiple=True,
    metavar="DATASET",
    help="Only sources of this dataset (top folder, e.g. entsoe-gridkit). Repeatable.",
)


def _select(catalog: Catalog, names: Sequence[str], datasets: Sequence[str]) -> list[str] | None:
    """Return the chosen names (given names plus whole datasets), or None for every source."""
    if not names and not datasets:
        return None
    chosen = list(names) + list(catalog.names_in(datasets) if datasets else ())
    return list(dict.fromkeys(chosen))


def _status_line(row: SourceStatus) -> str:
    flag = row.licence_flag or "-"
    mirror_only = " mirror-only" if row.mirror_only else ""
    line = f"{row.name}  {row.available}{mirror_only}  [{flag}] {row.licence}  ({row.vintage})"
    if row.problem:
        line += f"\n    note: {row.problem}"
    return line


def _fetch_line(outcome: FetchOutcome) -> str:
    if outcome.state == "ok":
        via = "downloaded" if outcome.via == "downloadable" else outcome.via
        return f"ok       {outcome.name}  ({via}) {outcome.where}"
    return f"{outcome.state:<8} {outcome.name}  {outcome.message}"


@click.group("data")
def data() -> None:
    """Inspect and fetch the data sources the layers read."""


@data.command("status")
@click.argument("names", nargs=-1, metavar="[NAME]...")
@_DATASET_OPTION
@_OPT_IN_OPTION
@click.option("--json", "as_json", is_flag=True, help="Print JSON on stdout.")
def status(
    names: tuple[str, ...], datasets: tuple[str, ...], opt_in: tuple[str, ...], as_json: bool
) -> None:
    """Show where each data source is available, its licence and vintage.

    Availability is the first of explicit, cache, mirror, package, downloadable or missing.
    """
    catalog = Catalog.from_env(opt_in=opt_in)
    rows = catalog.status(_select(catalog, names, datasets))
    if as_json:
        body = {
            "mirror": str(catalog.mirror) if catalog.mirror is not None else None,
            "cache_dir": str(catalog.cache_dir),
            "allow_download": catalog.allow_download,
            "sources": [row.as_dict() for row in rows],
        }
        click.echo(json.dumps(body, indent=2, ensure_ascii=False))
        return
    mirror = str(catalog.mirror) if catalog.mirror is not None else "(not set)"
    downloads = "allowed" if catalog.allow_download else "disabled"
    click.echo(f"mirror: {mirror}\ncache: {catalog.cache_dir}\ndownloads: {downloads}\n")
    for row in rows:
        click.echo(_status_line(row))
    counts = {
        kind: sum(row.available == kind for row in rows)
        for kind in dict.fromkeys(row.available for row in rows)
    }
    summary = ", ".join(f"{count} {kind}" for kind, count in counts.items())
    click.echo(f"\n{len(rows)} sources: {summary}")


@data.command("fetch")
@click.argument("names", nargs=-1, metavar="[NAME]...")
@_DATASET_OPTION
@_OPT_IN_OPTION
@click.option("--json", "as_json", is_flag=True, help="Print JSON on stdout.")
@click.pass_context
def fetch(
    ctx: click.Context,
    names: tuple[str, ...],
    datasets: tuple[str, ...],
    opt_in: tuple[str, ...],
    as_json: bool,
) -> None:
    """Fetch data sources into the cache and verify their checksums.

    A source already in the cache, the mirror or an installed package is verified in place.
    Without NAME or --dataset, every allowed source is fetched.
    """
    catalog = Catalog.from_env(opt_in=opt_in)
    outcomes = fetch_sources(catalog, _select(catalog, names, datasets))
    if as_json:
        click.echo(json.dumps([o.as_dict() for o in outcomes], indent=2, ensure_ascii=False))
    else:
        for outcome in outcomes:
            click.echo(_fetch_line(outcome))
        states = [o.state for o in outcomes]
        click.echo(
            f"\n{states.count('ok')} ok, {states.count('skipped')} skipped, "
            f"{states.count('failed')} failed"
        )
    if any(o.state == "failed" for o in outcomes):
        ctx.exit(1)


COMMANDS: list[click.Command] = [data]
