"""Render maps to HTML text and write HTML files safely (temporary name, then rename)."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

import folium

from siting.errors import ConfigError

__all__ = ["render_html", "write_html"]


def render_html(fmap: folium.Map) -> str:
    """Return the standalone HTML document of a folium map."""
    text: str = fmap.get_root().render()
    return text


def write_html(text: str, path: Path | str, *, overwrite: bool = False) -> Path:
    """Write HTML ``text`` to ``path`` via a temporary file in the same folder, then rename.

    Parameters
    ----------
    text
        The HTML document.
    path
        Target file; its folder is created when missing.
    overwrite
        Replace an existing file; otherwise an existing file is an error.

    Returns
    -------
    Path
        The written file.

    Raises
    ------
    ConfigError
        If ``path`` exists and ``overwrite`` is False.
    """
    target = Path(path)
    if target.exists() and not overwrite:
        msg = f"output {str(target)!r} exists; pass overwrite=True (CLI: --overwrite) to replace it"
        raise ConfigError(msg)
    target.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(
        dir=target.parent, prefix=f".{target.name}.", suffix=".tmp"
    )
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as stream:
            stream.write(text)
        os.replace(temporary, target)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    return target
