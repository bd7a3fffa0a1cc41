"""Guard the one-way dependency rule between the four packages (STYLE A1)."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
LEAVES = {"siting.errors", "siting.units", "siting.types"}
ALLOWED = {
    "siting": {"siting", "layers", "risk_models", "maps"},
    "layers": {"layers"},
    "risk_models": {"risk_models", "layers"},
    "maps": {"maps"},
}


def imported_modules(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
    return names


@pytest.mark.parametrize("package", sorted(ALLOWED))
def test_dependencies_point_one_way(package: str) -> None:
    breaches = []
    for path in sorted((ROOT / package).rglob("*.py")):
        for module in imported_modules(path):
            top = module.split(".")[0]
            if (
                top not in ALLOWED
                or module in LEAVES
                or any(module.startswith(leaf + ".") for leaf in LEAVES)
            ):
                continue
            if top not in ALLOWED[package]:
                breaches.append(f"{path.relative_to(ROOT)} imports {module}")
    assert breaches == []


def test_siting_init_does_not_import_faces() -> None:
    modules = imported_modules(ROOT / "siting" / "__init__.py")
    faces = {"siting.cli", "siting.service", "maps"}
    assert not {m for m in modules if any(m == f or m.startswith(f + ".") for f in faces)}
