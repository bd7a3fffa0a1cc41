"""Fixtures of the maps tests; the synthetic results live in synthetic.py."""

from __future__ import annotations

from typing import Any

import geopandas as gpd
import pytest
from synthetic import h3_result, make_metadata, point_result


@pytest.fixture
def points() -> gpd.GeoDataFrame:
    return point_result()


@pytest.fixture
def hexes() -> gpd.GeoDataFrame:
    return h3_result()


@pytest.fixture
def metadata() -> dict[str, Any]:
    return make_metadata()
