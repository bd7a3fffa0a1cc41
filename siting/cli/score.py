"""CLI command: ``siting score CANDIDATES --study STUDY.toml --out RESULT``."""

from __future__ import annotations

import logging
from pathlib import Path

import click

from siting.cli.options import overwrite_option, quiet_option
from siting.errors import ConfigError

__all__ = ["COMMANDS", "score_command"]

logger = logging.getLogger(__name__)


@click.command("score")
@click.argument("candidates", type=click.Path(dir_okay=False, path_type=Path))
@click.option(
    "--study",
    "study_path",
    required=True,
    type=click.Path(dir_okay=False, path_type=Path),
    help="Study file (TOML); its [candidates] section is ignored.",
)
@click.option(
    "--out",
    "out",
    required=True,
    type=click.Path(dir_okay=False, path_type=Path),
    help="Result file: .geojson, .gpkg or .csv (plus <stem>.meta.json).",
)
@click.option("--crs", default=None, help="CRS of CANDIDATES when the file has none.")
@click.option("--repair-geometry", is_flag=True, help="Repair invalid candidate polygons.")
@overwrite_option
@quiet_option
def score_command(
    candidates: Path,
    study_path: Path,
    out: Path,
    crs: str | None,
    repair_geometry: bool,
    overwrite: bool,
    quiet: bool,
) -> None:
    """Score and rank CANDIDATES with a study's constraints and criteria; write the result."""
    from siting.candidates import read_candidates
    from siting.pipeline import run_study
    from siting.result import RESULT_FORMATS, write_result
    from siting.study import load_study

    if out.suffix.lower() not in RESULT_FORMATS:
        msg = f"--out {str(out)!r} has suffix {out.suffix!r}; expected one of {RESULT_FORMATS}"
        raise ConfigError(msg)
    if out.exists() and not overwrite:
        msg = f"--out {str(out)!r} exists; pass --overwrite to replace it"
        raise ConfigError(msg)
    study = load_study(study_path)
    sites = read_candidates(candidates, crs=crs, repair=repair_geometry)
    result = run_study(study, candidates=sites)
    write_result(result.ranking, result.metadata, out)
    if not quiet:
        counts = result.metadata["counts"]
        ranked = result.ranking[result.ranking["rank"].notna()]
        best = ranked.iloc[0]["site_id"] if len(ranked) else None
        click.echo(
            f"scored {counts['candidates']} candidates ({counts['excluded']} excluded); "
            f"best {best!r}; wrote {out}",
            err=True,
        )
        for text in result.metadata.get("warnings", []):
            click.echo(f"warning: {text}", err=True)


COMMANDS: list[click.Command] = [score_command]
