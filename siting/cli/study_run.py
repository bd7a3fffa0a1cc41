"""``siting study run STUDY.toml [--out DIR] [--engine local|dask]``: the main job."""

from __future__ import annotations

import logging
import sys
import time
from pathlib import Path

import click

from siting.candidates import read_candidates
from siting.pipeline import ENGINES, ProgressCallback, run_study
from siting.study import load_study

__all__ = ["run_command", "stage_progress"]

logger = logging.getLogger(__name__)


def stage_progress(*, enabled: bool) -> tuple[ProgressCallback, list[tuple[str, float]]]:
    """Return a progress callback drawing one tqdm bar per stage, and the stage timings list.

    The bars are drawn only when ``enabled`` (a terminal and not ``--quiet``); timings are always
    recorded as ``(stage, seconds)``.
    """
    from tqdm import tqdm

    bars: dict[str, tqdm] = {}
    started: dict[str, float] = {}
    timings: list[tuple[str, float]] = []

    def progress(stage: str, done: int, total: int) -> None:
        if stage not in started:
            started[stage] = time.perf_counter()
            if enabled:
                bars[stage] = tqdm(
                    total=max(total, 1), desc=f"{stage:<10}", unit="step", leave=True
                )
        bar = bars.get(stage)
        if bar is not None:
            bar.total = max(total, 1)
            bar.n = min(done, bar.total)
            bar.refresh()
        if done >= total and stage not in dict(timings):
            timings.append((stage, time.perf_counter() - started[stage]))
            if bar is not None:
                bar.close()

    return progress, timings


@click.command("run")
@click.argument("study_file", type=click.Path(dir_okay=False, path_type=Path))
@click.option(
    "--out",
    "out_dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="Results folder (default: the study's [output] dir).",
)
@click.option(
    "--candidates",
    "candidates_file",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="Score this candidates file instead of the study's [candidates].",
)
@click.option("--crs", default=None, help="CRS of --candidates when the file has none.")
@click.option(
    "--engine",
    type=click.Choice(ENGINES),
    default="local",
    show_default=True,
    help="Execution engine.",
)
@click.option("--scheduler", default=None, help="Dask scheduler address (with --engine dask).")
@click.option("--overwrite", is_flag=True, help="Replace an existing results folder.")
@click.option("-q", "--quiet", is_flag=True, help="No progress bars.")
def run_command(
    study_file: Path,
    out_dir: Path | None,
    candidates_file: Path | None,
    crs: str | None,
    engine: str,
    scheduler: str | None,
    overwrite: bool,
    quiet: bool,
) -> None:
    """Run STUDY_FILE end to end and write its results folder."""
    study = load_study(study_file)
    target = out_dir if out_dir is not None else Path(study.output.dir)
    if target.exists() and not overwrite:
        raise click.UsageError(
            f"output folder {str(target)!r} exists; pass --overwrite to replace it"
        )
    show = not quiet and sys.stderr.isatty()
    progress, timings = stage_progress(enabled=show)
    candidates = None
    if candidates_file is not None:
        progress("candidates", 0, 1)
        candidates = read_candidates(candidates_file, crs=crs)
    result = run_study(
        study, candidates=candidates, engine=engine, scheduler=scheduler, progress=progress
    )
    started = time.perf_counter()
    progress("outputs", 0, 1)
    folder = result.to_folder(target, overwrite=overwrite)
    progress("outputs", 1, 1)
    logger.info("outputs written in %.1f s", time.perf_counter() - started)
    for stage, seconds in timings:
        logger.info("stage %s: %.1f s", stage, seconds)
    counts = result.metadata.get("counts", {})
    top = result.top(1)
    best = f"; first: {top['site_id'].iloc[0]} ({top['name'].iloc[0]})" if len(top) else ""
    click.echo(
        f"{folder}: {counts.get('ranked', 0)} ranked, {counts.get('excluded', 0)} excluded{best}"
    )
