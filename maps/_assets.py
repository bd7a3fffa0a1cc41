"""Leaflet's JavaScript and CSS: CDN links by default, or inlined for offline and air-gapped use.

Maps and reports need only Leaflet (``leaflet.js``, ``leaflet.css`` and the two layer-control
images it references); they use no jQuery, Bootstrap or marker-icon fonts. Inlined assets come
from a folder the user gives (Leaflet's ``dist`` folder, e.g. from ``npm pack leaflet``) or from
the installed PyPI package ``xstatic-leaflet`` (Leaflet 1.9.3, the version folium links).
"""

from __future__ import annotations

import base64
import importlib.util
import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from siting.errors import DataSourceError

__all__ = [
    "ASSET_PACKAGE",
    "CDN_SCRIPTS",
    "CDN_STYLES",
    "LEAFLET_VERSION",
    "REQUIRED_ASSET_FILES",
    "MapAssets",
    "inline_css_images",
    "load_assets",
]

LEAFLET_VERSION = "1.9.3"
"""Leaflet version folium 0.20 links, and the one ``xstatic-leaflet`` 1.9.3 ships."""
CDN_SCRIPTS: tuple[str, ...] = (
    f"https://cdn.jsdelivr.net/npm/leaflet@{LEAFLET_VERSION}/dist/leaflet.js",
)
CDN_STYLES: tuple[str, ...] = (
    f"https://cdn.jsdelivr.net/npm/leaflet@{LEAFLET_VERSION}/dist/leaflet.css",
)
REQUIRED_ASSET_FILES: tuple[str, ...] = (
    "leaflet.js",
    "leaflet.css",
    "images/layers.png",
    "images/layers-2x.png",
)
"""Files (relative to Leaflet's ``dist`` folder) an inlined map needs."""
OPTIONAL_ASSET_FILES: tuple[str, ...] = ("images/marker-icon.png",)
ASSET_PACKAGE = "xstatic-leaflet"
"""PyPI package whose ``xstatic/pkg/leaflet/data`` folder holds Leaflet's dist files."""

_SOURCE_MAP = re.compile(r"^\s*(//|/\*)# sourceMappingURL=.*$", re.MULTILINE)
_CSS_URL = re.compile(r"url\((images/[A-Za-z0-9_.-]+\.png)\)")


@dataclass(frozen=True)
class MapAssets:
    """Leaflet's JavaScript and CSS text, ready to inline.

    Parameters
    ----------
    scripts
        JavaScript sources, in load order.
    styles
        CSS sources with their images inlined as ``data:`` URIs.
    origin
        Folder the files were read from (reported in map metadata and errors).
    """

    scripts: tuple[str, ...]
    styles: tuple[str, ...]
    origin: str


def inline_css_images(css: str, images: Mapping[str, bytes]) -> str:
    """Replace ``url(images/x.png)`` in ``css`` with ``data:`` URIs of the given PNG bytes.

    URLs whose image is not in ``images`` are left as they are.

    >>> inline_css_images("a{background:url(images/a.png)}", {"images/a.png": b"hi"})
    'a{background:url(data:image/png;base64,aGk=)}'
    """

    def replace(match: re.Match[str]) -> str:
        data = images.get(match.group(1))
        if data is None:
            return match.group(0)
        return f"url(data:image/png;base64,{base64.b64encode(data).decode('ascii')})"

    return _CSS_URL.sub(replace, css)


def _package_folder() -> Path | None:
    """Return the data folder of the installed ``xstatic-leaflet`` package, or None."""
    try:
        spec = importlib.util.find_spec("xstatic.pkg.leaflet")
    except ModuleNotFoundError:
        return None
    if spec is None or spec.origin is None:
        return None
    return Path(spec.origin).parent / "data"


def _candidate_folders(folder: Path) -> list[Path]:
    """Return where Leaflet's dist files may sit under a user folder (itself, dist, npm layout)."""
    return [folder, folder / "dist", folder / "package" / "dist", folder / "leaflet" / "dist"]


def load_assets(folder: Path | None = None) -> MapAssets:
    """Read Leaflet's JavaScript and CSS for inlining into a map.

    Parameters
    ----------
    folder
        Folder holding Leaflet's dist files (``leaflet.js``, ``leaflet.css``, ``images/``); its
        ``dist/`` and an unpacked npm tarball's ``package/dist/`` are searched too. ``None``
        reads them from the installed ``xstatic-leaflet`` package.

    Returns
    -------
    MapAssets
        Script and style text, images inlined, source maps stripped.

    Raises
    ------
    DataSourceError
        If the folder or package is missing or lacks a required file; the message names the
        missing files and every folder searched.
    """
    if folder is None:
        package_folder = _package_folder()
        if package_folder is None:
            msg = (
                f"inline map assets not found: the package {ASSET_PACKAGE!r} is not installed "
                f"(pip install {ASSET_PACKAGE}) and no assets folder was given"
            )
            raise DataSourceError(msg)
        searched = [package_folder]
    else:
        searched = _candidate_folders(Path(folder))
    for candidate in searched:
        if (candidate / "leaflet.js").is_file():
            base = candidate
            break
    else:
        msg = (
            f"inline map assets not found: no leaflet.js in {', '.join(map(str, searched))}; "
            f"give Leaflet's dist folder or install {ASSET_PACKAGE!r}"
        )
        raise DataSourceError(msg)
    missing = [name for name in REQUIRED_ASSET_FILES if not (base / name).is_file()]
    if missing:
        msg = f"inline map assets incomplete in {str(base)!r}: missing {', '.join(missing)}"
        raise DataSourceError(msg)
    images = {
        name: (base / name).read_bytes()
        for name in (*REQUIRED_ASSET_FILES, *OPTIONAL_ASSET_FILES)
        if name.endswith(".png") and (base / name).is_file()
    }
    script = _SOURCE_MAP.sub("", (base / "leaflet.js").read_text(encoding="utf-8"))
    style = _SOURCE_MAP.sub("", (base / "leaflet.css").read_text(encoding="utf-8"))
    return MapAssets(
        scripts=(script,), styles=(inline_css_images(style, images),), origin=str(base)
    )
