"""Synthetic ranked results (points and H3 cells) following DESIGN.md section 5 exactly."""

from __future__ import annotations

from typing import Any

import geopandas as gpd
import h3
import numpy as np
import pandas as pd
from shapely.geometry import LineString, Point, Polygon

from maps import Overlay

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]

SOURCES = [
    {
        "name": "entsoe-gridkit/buses.csv",
        "licence": "ODbL-1.0",
        "licence_flag": "share-alike",
        "attribution": "GridKit ENTSO-E extract (c) OpenStreetMap contributors, ODbL",
        "vintage": "2016",
        "sha256": "0" * 64,
    },
    {
        "name": "power/prices.csv",
        "licence": "CC-BY-4.0",
        "licence_flag": "open",
        "attribution": "Eurostat nrg_pc_205 (CC BY 4.0)",
        "vintage": "2024-S2",
        "sha256": "1" * 64,
    },
]


def make_metadata(*, k: int = 3) -> dict[str, Any]:
    """Return result metadata for the two-criterion synthetic study."""
    return {
        "software": {"name": "siting", "version": "0.1.0"},
        "study": {"name": "synthetic", "it_load_mw": 100.0},
        "method": "weighted_sum",
        "weights": {"grid_distance": 0.6, "price": 0.4},
        "weights_method": "direct",
        "ahp": None,
        "criteria": [
            {
                "name": "grid_distance",
                "attribute": "grid.substation_distance_km",
                "better": "lower",
                "weight": 0.6,
                "value_function": {"kind": "linear", "worst": 50.0, "best": 0.0},
            },
            {
                "name": "price",
                "attribute": "power.price_eur_per_mwh",
                "better": "lower",
                "weight": 0.4,
                "value_function": {"kind": "linear", "worst": 200.0, "best": 50.0},
            },
        ],
        "attributes": {
            "grid.substation_distance_km": {
                "unit": "km",
                "description": "Geodesic distance to the nearest substation >= 220 kV.",
                "sources": ["entsoe-gridkit/buses.csv"],
            },
            "power.price_eur_per_mwh": {
                "unit": "EUR/MWh",
                "description": "Industrial electricity price, excl. VAT.",
                "sources": ["power/prices.csv"],
            },
        },
        "sources": SOURCES,
        "layers": {},
        "sensitivity": {"k": k, "draws": 200, "seed": 1},
        "costs": {},
        "warnings": [],
        "counts": {"candidates": 0, "excluded": 0, "excluded_by_reason": {}},
    }


def make_result(geometries: list[Any] | np.ndarray, *, excluded_every: int = 5) -> gpd.GeoDataFrame:
    """Return a ranked result: scores descend with the row index; every n-th row excluded.

    Values are chosen so that each score is 0.6 * value.grid_distance + 0.4 * value.price.
    """
    n = len(geometries)
    i = np.arange(n)
    distance_km = np.round(1.0 + 49.0 * i / max(n - 1, 1), 3)
    price = np.round(60.0 + 100.0 * ((i * 7) % 11) / 10.0, 2)
    value_grid = np.clip((50.0 - distance_km) / 50.0, 0.0, 1.0)
    value_price = np.clip((200.0 - price) / 150.0, 0.0, 1.0)
    contrib_grid = 0.6 * value_grid
    contrib_price = 0.4 * value_price
    score = contrib_grid + contrib_price
    is_excluded = (
        (i % excluded_every == excluded_every - 1) if excluded_every else np.zeros(n, bool)
    )
    score = np.where(is_excluded, np.nan, score)
    order = np.argsort(-np.nan_to_num(score, nan=-1.0), kind="stable")
    rank = np.empty(n, dtype=np.int64)
    rank[order] = np.arange(1, n + 1)
    reasons = [["inside grid moratorium area"] if e else [] for e in is_excluded]
    frame = pd.DataFrame(
        {
            "site_id": [f"S{j:06d}" for j in i],
            "name": [f"Site <{j}>" if j % 2 else None for j in i],
            "rank": pd.array(np.where(is_excluded, -1, rank), dtype="Int64"),
            "score": score,
            "excluded": is_excluded,
            "exclusion_reasons": reasons,
            "grid.substation_distance_km": distance_km,
            "power.price_eur_per_mwh": price,
            "value.grid_distance": np.where(is_excluded, np.nan, value_grid),
            "value.price": np.where(is_excluded, np.nan, value_price),
            "contrib.grid_distance": np.where(is_excluded, np.nan, contrib_grid),
            "contrib.price": np.where(is_excluded, np.nan, contrib_price),
            "risk.geopolitics": np.round(0.1 + 0.8 * ((i * 3) % 7) / 6.0, 3),
            "cost.energy_eur_per_year": np.round(price * 876_000.0, 0),
            "p_top_k": np.where(is_excluded, np.nan, np.round(np.exp(-i / 3.0), 3)),
            "rank_p05": np.where(is_excluded, np.nan, np.maximum(rank - 1, 1)),
            "rank_p95": np.where(is_excluded, np.nan, rank + 2),
        }
    )
    frame.loc[is_excluded, "rank"] = pd.NA
    # ranks among the non-excluded only: 1..m in score order
    kept = ~is_excluded
    kept_rank = np.empty(kept.sum(), dtype=np.int64)
    kept_rank[np.argsort(-score[kept], kind="stable")] = np.arange(1, kept.sum() + 1)
    frame.loc[kept, "rank"] = kept_rank
    return gpd.GeoDataFrame(frame, geometry=list(geometries), crs="EPSG:4326")


def point_result(n: int = 12) -> gpd.GeoDataFrame:
    """Return ``n`` point candidates on a line across Germany."""
    lon = np.linspace(6.5, 14.5, n)
    lat = np.linspace(48.0, 54.0, n)
    return make_result([Point(x, y) for x, y in zip(lon, lat, strict=True)])


def h3_cells(n: int, *, resolution: int = 7) -> list[str]:
    """Return ``n`` H3 cells in a disk around Frankfurt (first ``n`` of the rings)."""
    centre = h3.latlng_to_cell(50.11, 8.68, resolution)
    k = 1
    while 3 * k * (k + 1) + 1 < n:
        k += 1
    return sorted(h3.grid_disk(centre, k))[:n]


def h3_result(n: int = 61, *, resolution: int = 7) -> gpd.GeoDataFrame:
    """Return ``n`` H3 hexagon candidates as polygons."""
    cells = h3_cells(n, resolution=resolution)
    polygons = [Polygon([(lon, lat) for lat, lon in h3.cell_to_boundary(c)]) for c in cells]
    result = make_result(polygons)
    result["site_id"] = cells
    return result


def grid_overlays() -> list[Overlay]:
    """Return substations (points, voltages) and lines overlays near the point result."""
    substations = gpd.GeoDataFrame(
        {"name": ["A", "B", "C", "D"], "voltage_kv": [220.0, 380.0, 110.0, np.nan]},
        geometry=[Point(7.0, 48.5), Point(10.0, 51.0), Point(12.0, 52.0), Point(14.0, 53.5)],
        crs="EPSG:4326",
    )
    lines = gpd.GeoDataFrame(
        {"name": ["L1", "L2"], "voltage_kv": [380.0, 220.0]},
        geometry=[
            LineString([(7.0, 48.5), (10.0, 51.0)]),
            LineString([(10.0, 51.0), (12.0, 52.0)]),
        ],
        crs="EPSG:4326",
    )
    attribution = "GridKit ENTSO-E extract (c) OpenStreetMap contributors, ODbL"
    return [
        Overlay(
            "Substations >= 220 kV", substations, "substations", "voltage_kv", "name", attribution
        ),
        Overlay("HV lines", lines, "lines", "voltage_kv", "name", attribution),
    ]


def payloads(html: str) -> list[tuple[str, dict[str, Any]]]:
    """Return (builder, data) of every layer script in a rendered map, in order."""
    import json
    import re

    found = re.findall(r"= siting\.(sites|overlay)\(\w+, (.*)\);\n", html)
    return [(builder, json.loads(text)) for builder, text in found]


def decode_points(geom: dict[str, Any]) -> np.ndarray:
    """Decode the delta-encoded coordinates of a payload geometry into (lon, lat) rows."""
    deltas = np.asarray(geom["coords"], dtype=np.int64).reshape(-1, 2)
    return np.cumsum(deltas, axis=0) / geom["scale"]
