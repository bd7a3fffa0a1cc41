"""CLI commands: ``siting study validate`` and ``siting study run``."""

from __future__ import annotations

import json
from pathlib import Path

import click

from siting.cli.study_run import run_command
from siting.study import load_study

__all__ = ["COMMANDS", "study_group"]


@click.group("study")
def study_group() -> None:
    """Validate and run study files (TOML)."""


@study_group.command("validate")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--json", "as_json", is_flag=True, help="Print the resolved study as JSON.")
def validate_command(file: Path, as_json: bool) -> None:
    """Check a study FILE without opening any data; exit 2 naming each problem."""
    study = load_study(file)
    if as_json:
        click.echo(json.dumps(study.model_dump(mode="json", by_alias=True), indent=2))
        return
    names = ", ".join(study.criterion_names)
    click.echo(
        f"{file}: valid study {study.study.name!r}: {len(study.criteria)} criteria ({names}), "
        f"{len(study.constraints)} constraints, method {study.scoring.method.value}, "
        f"weights {study.scoring.weights.value}"
    )


study_group.add_command(run_command)

COMMANDS: list[click.Command] = [study_group]
