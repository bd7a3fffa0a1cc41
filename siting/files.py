"""Write files atomically: to a temporary name in the same folder, then rename into place."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable
from pathlib import Path

__all__ = ["write_atomically"]


def write_atomically(path: Path, write: Callable[[Path], object]) -> Path:
    """Call ``write(tmp)`` on a fresh temporary path next to ``path``, then rename it to ``path``.

    The temporary file does not exist when ``write`` is called (GDAL drivers refuse to write over
    an existing empty file); it is removed if ``write`` fails, so a failed or interrupted write
    never leaves a partial file under ``path``'s name.

    >>> import tempfile
    >>> folder = Path(tempfile.mkdtemp())
    >>> write_atomically(folder / "a.txt", lambda tmp: tmp.write_text("hi")).read_text()
    'hi'
    >>> sorted(p.name for p in folder.iterdir())
    ['a.txt']
    """
    fd, name = tempfile.mkstemp(prefix=f".{path.stem}.", suffix=path.suffix, dir=path.parent)
    os.close(fd)
    tmp = Path(name)
    tmp.unlink()
    try:
        write(tmp)
        os.replace(tmp, path)
    finally:
        if tmp.exists():
            tmp.unlink()
    return path
