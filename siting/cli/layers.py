"""CLI commands ``siting layers list|show``: the attributes layers offer and their sources."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

import click

from layers import registry
from layers.base import Attribute, attribute_key
from layers.catalog import Catalog
from siting.cli.options import json_option
from siting.errors import LayerNotFoundError, SitingError

__all__ = ["COMMANDS", "describe_layer", "layers_group"]

SITE_NOTE = (
    "site.<column>: every other column of the candidates file, as given (numbers where numeric)"
)


def describe_layer(name: str) -> dict[str, Any]:  # Any: JSON-serialisable values
    """Return a layer's static description; no data is read.

    ``{"name", "available", "reason", "sources", "attributes": {key: {...}}}``. A layer whose
    module cannot be imported yet is ``available: false`` with the import error as ``reason``.

    Raises
    ------
    LayerNotFoundError
        If ``name`` is not a built-in layer.
    """
    try:
        module = registry.layer_module(name)
    except ImportError as err:
        return {"name": name, "available": False, "reason": str(err), "sources": [],
                "attributes": {}}  # fmt: skip
    attributes: Mapping[str, Attribute] = module.ATTRIBUTES
    return {
        "name": name,
        "available": True,
        "reason": None,
        "sources": list(getattr(module, "SOURCES", ())),
        "attributes": {
            attribute_key(name, attr): {
                "unit": a.unit,
                "better": a.better,
                "dtype": a.dtype,
                "description": a.description,
                "sources": list(a.sources),
            }
            for attr, a in attributes.items()
        },
    }


@click.group("layers")
def layers_group() -> None:
    """List the built-in layers and the attributes they produce."""


@layers_group.command("list")
@json_option
def list_layers(as_json: bool) -> None:
    """List every attribute key with its unit, direction and meaning (reads no data)."""
    described = [describe_layer(name) for name in registry.BUILTIN_LAYERS]
    if as_json:
        payload = {"layers": {d["name"]: d for d in described}, "site": SITE_NOTE}
        click.echo(json.dumps(payload, indent=2, sort_keys=True))
        return
    for layer in described:
        if not layer["available"]:
            click.echo(f"{layer['name']}: unavailable ({layer['reason']})")
            continue
        click.echo(f"{layer['name']}:")
        for key, a in layer["attributes"].items():
            unit = a["unit"] or "-"
            click.echo(f"  {key}  [{unit}] better={a['better']}  {a['description']}")
    click.echo(SITE_NOTE)


@layers_group.command("show")
@click.argument("name")
@json_option
def show_layer(name: str, as_json: bool) -> None:
    """Show layer NAME: its attributes and its data sources with licence and vintage."""
    try:
        layer = describe_layer(name.strip().lower())
    except LayerNotFoundError as err:
        raise click.BadParameter(str(err), param_hint="NAME") from err
    if not layer["available"]:
        msg = f"layer {layer['name']!r} is not available ({layer['reason']})"
        raise LayerNotFoundError(msg)
    catalog = Catalog.from_env()
    sources = []
    for source_name in layer["sources"]:  # a layer's few catalogue names
        try:
            source = catalog.source(source_name)
        except SitingError as err:
            sources.append({"name": source_name, "error": str(err)})
            continue
        sources.append(
            {
                "name": source.name,
                "licence": source.licence,
                "licence_flag": source.licence_flag,
                "vintage": source.vintage,
                "attribution": source.attribution,
            }
        )
    layer = {**layer, "sources": sources}
    if as_json:
        click.echo(json.dumps(layer, indent=2, sort_keys=True))
        return
    click.echo(f"{layer['name']}")
    click.echo("attributes:")
    for key, a in layer["attributes"].items():
        click.echo(f"  {key}  [{a['unit'] or '-'}] better={a['better']}  {a['description']}")
    click.echo("sources:")
    for s in sources:
        if "error" in s:
            click.echo(f"  {s['name']}: {s['error']}")
            continue
        flag = f", {s['licence_flag']} (needs --opt-in)" if s["licence_flag"] else ""
        click.echo(f"  {s['name']}: {s['licence']}{flag}; vintage {s['vintage']}")
        click.echo(f"    attribution: {s['attribution']}")


COMMANDS: list[click.Command] = [layers_group]
