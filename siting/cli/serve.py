"""CLI command ``siting serve``: run the HTTP service under uvicorn."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

import click

from siting.errors import ConfigError

__all__ = ["COMMANDS", "serve"]

logger = logging.getLogger(__name__)


@click.command("serve")
@click.option("--host", default=None, help="Address to listen on [SITING_HOST; 127.0.0.1].")
@click.option("--port", type=int, default=None, help="Port [SITING_PORT; 8000].")
@click.option(
    "--data-dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="Job store and results folder [SITING_DATA_DIR].",
)
@click.option(
    "--allow-anonymous",
    is_flag=True,
    help="Allow listening on a non-loopback address without API keys (SITING_API_KEYS).",
)
def serve(host: str | None, port: int | None, data_dir: Path | None, allow_anonymous: bool) -> None:
    """Run the HTTP service (OpenAPI spec at /openapi.json, docs at /docs).

    Settings come from SITING_* environment variables (see docs/service.md); the options
    override them. Without API keys the server refuses to listen beyond the local machine
    unless --allow-anonymous is given.
    """
    import uvicorn
    from pydantic import ValidationError

    from siting.service import ServiceSettings, create_app
    from siting.service.settings import is_loopback

    overrides: dict[str, Any] = {  # Any: setting values of several types
        key: value
        for key, value in {"host": host, "port": port, "data_dir": data_dir}.items()
        if value is not None
    }
    try:
        settings = ServiceSettings(**overrides)
    except ValidationError as err:
        first = err.errors()[0]
        where = ".".join(str(p) for p in first["loc"])
        msg = f"invalid service setting {where}: {first['msg']} (got {first.get('input')!r})"
        raise ConfigError(msg) from err
    if not settings.key_list() and not is_loopback(settings.host) and not allow_anonymous:
        msg = (
            f"refusing to listen on {settings.host!r} without API keys; set SITING_API_KEYS, "
            "listen on 127.0.0.1, or pass --allow-anonymous"
        )
        raise ConfigError(msg)
    app = create_app(settings)
    logger.info("siting service on http://%s:%d (data in %s)", settings.host, settings.port,
                settings.data_dir)  # fmt: skip
    uvicorn.run(
        app, host=settings.host, port=settings.port, log_level="info", timeout_graceful_shutdown=10
    )


COMMANDS: list[click.Command] = [serve]
