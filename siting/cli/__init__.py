"""The ``siting`` command line: one click group, thin commands, one-line errors.

Exit codes: 0 ok, 2 bad usage or bad input (ConfigError, CRSError, CandidatesError, click usage
errors), 1 any other failure. A traceback is printed only with ``--debug``.
"""

from __future__ import annotations

import importlib
import logging
import sys
from typing import Any

import click

from siting import __version__
from siting.errors import CandidatesError, ConfigError, CRSError, SitingError

__all__ = ["cli", "main"]

COMMAND_MODULES: tuple[str, ...] = (
    "data",
    "layers",
    "sample",
    "score",
    "study",
    "maps",
    "serve",
)
"""Modules under ``siting.cli`` each exposing ``COMMANDS``: a list of click commands/groups."""

BAD_INPUT_ERRORS = (ConfigError, CRSError, CandidatesError)


class SitingGroup(click.Group):
    """Click group that turns SitingErrors into one line and the documented exit code."""

    def invoke(self, ctx: click.Context) -> Any:  # Any: whatever the command returns
        """Invoke the command, mapping errors to one line on stderr and an exit code."""
        try:
            return super().invoke(ctx)
        except SitingError as err:
            if ctx.obj and ctx.obj.get("debug"):
                raise
            code = 2 if isinstance(err, BAD_INPUT_ERRORS) else 1
            click.echo(f"Error: {err}", err=True)
            ctx.exit(code)
        except (click.exceptions.Exit, click.ClickException, click.exceptions.Abort):
            raise
        except Exception as err:  # last resort: one line, exit 1 (traceback with --debug)
            if ctx.obj and ctx.obj.get("debug"):
                raise
            click.echo(
                f"Error: unexpected {type(err).__name__}: {err} "
                "(run with --debug for the traceback)",
                err=True,
            )
            ctx.exit(1)


@click.group(cls=SitingGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="siting")
@click.option("--debug", is_flag=True, help="Show full tracebacks on errors.")
@click.option("-v", "--verbose", count=True, help="More log output on stderr (repeatable).")
@click.pass_context
def cli(ctx: click.Context, debug: bool, verbose: int) -> None:
    """Score candidate data-centre sites against grid, power, sovereignty and risk layers."""
    ctx.ensure_object(dict)
    ctx.obj["debug"] = debug
    level = logging.WARNING - 10 * min(verbose, 2)
    log_format = "%(levelname)s %(name)s: %(message)s"
    logging.basicConfig(level=level, stream=sys.stderr, format=log_format)
    if verbose < 2:  # dask.distributed's own INFO lines only with -vv
        logging.getLogger("distributed").setLevel(logging.WARNING)


for _module_name in COMMAND_MODULES:
    _module = importlib.import_module(f"siting.cli.{_module_name}")
    for _command in _module.COMMANDS:
        cli.add_command(_command)


def main() -> None:
    """Entry point of the ``siting`` console script."""
    cli(obj={})
