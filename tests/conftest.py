"""Shared fixtures: the real-data mirror, and tiny synthetic data made in code."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parents[1]


def pytest_configure(config: pytest.Config) -> None:
    """Make a relative SITING_DATA_MIRROR absolute once, so tests that chdir still find it."""
    value = os.environ.get("SITING_DATA_MIRROR")
    if value:
        os.environ["SITING_DATA_MIRROR"] = str(Path(value).resolve())


def mirror_root() -> Path | None:
    """Return the data mirror folder from SITING_DATA_MIRROR, or None when unset or missing."""
    value = os.environ.get("SITING_DATA_MIRROR")
    if not value:
        return None
    path = Path(value)
    return path if (path / "catalog.toml").is_file() else None


@pytest.fixture(scope="session")
def mirror() -> Path:
    """Path of the shared data mirror; skips the test (saying why) when there is none."""
    root = mirror_root()
    if root is None:
        pytest.skip(
            "real-data test: SITING_DATA_MIRROR is not set to a folder holding catalog.toml "
            "(in CI it is ../shared/data)"
        )
    return root
