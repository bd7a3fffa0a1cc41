"""The dask engine gives the local engine's results: same attributes, ranks and scores.

The identity test runs a European study on an H3 grid of more than 100,000 cells through every
built-in layer the study needs, once with ``engine="local"`` and once on a dask.distributed
LocalCluster of 2 single-threaded worker processes, and compares the rankings. Its scoring uses
statistics over all candidates (min-max value functions, entropy weights, ranks, Monte Carlo
robustness), so a partition-local computation would show up as a difference.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest

from layers.catalog import Catalog
from layers.registry import BUILTIN_LAYERS
from siting.candidates import generate_h3_candidates
from siting.engines.dask import (
    PARTITION_ROWS,
    dask_client,
    default_npartitions,
    sample_layers_dask,
    spatial_order,
)
from siting.errors import ConfigError, LayerNotFoundError
from siting.pipeline import layer_params, run_study
from siting.study import Study, load_study

distributed = pytest.importorskip("distributed")

# H3 resolution 7 (about 5.2 km2 a cell) over these countries gives 111,221 cells.
IDENTITY_COUNTRIES = ["NL", "BE", "LU", "DE", "DK", "CH"]
IDENTITY_RESOLUTION = 7
MIN_CANDIDATES = 100_000

STUDY_TOML = """\
[study]
name = "dask identity"
it_load_mw = 300
pue = "auto"
radius_km = 25
market = ["EEA", "GB", "CH"]
seed = 7

[candidates.h3]
resolution = 5
countries = ["NL"]

[[constraints]]
attribute = "jurisdiction.gdpr_regime"
in = ["eea", "adequacy"]
reason = "outside the EEA and adequacy countries"

[[constraints]]
attribute = "grid.substation_distance_km"
max = 40
reason = "no substation at the required voltage within 40 km"

[[criteria]]
name = "price"
attribute = "power.price_eur_per_mwh"
better = "lower"
[criteria.value]
function = "minmax"

[[criteria]]
name = "grid"
attribute = "grid.line_capacity_within_km_mva"
better = "higher"
[criteria.value]
function = "minmax"

[[criteria]]
name = "carbon"
attribute = "power.carbon_g_per_kwh"
better = "lower"
[criteria.value]
function = "minmax"

[[criteria]]
name = "geopolitical"
attribute = "risk.geopolitical"
better = "lower"
[criteria.value]
function = "minmax"

[[criteria]]
name = "latency"
attribute = "connectivity.latency_ms_to_population"
better = "lower"
[criteria.value]
function = "minmax"

[[criteria]]
name = "cooling"
attribute = "climate.free_cooling_hours"
better = "higher"
missing = "mean"
[criteria.value]
function = "minmax"

[[criteria]]
name = "seismic"
attribute = "risk.hazard"
better = "lower"
[criteria.value]
function = "minmax"

[scoring]
method = "{method}"
weights = "{weights}"

[scoring.sensitivity]
samples = {samples}
concentration = 50
top_k = 10
"""


def _study(tmp_path: Path, *, method: str, weights: str, samples: int) -> Study:
    """Write the test study (direct weights: every criterion counts 1) and load it."""
    path = tmp_path / f"study_{method}_{weights}.toml"
    path.write_text(STUDY_TOML.format(method=method, weights=weights, samples=samples), "utf-8")
    return load_study(path)


@pytest.fixture(scope="module")
def cluster() -> Iterator[object]:
    """A LocalCluster of 2 single-threaded worker processes (as in CI), shared by the module."""
    with distributed.LocalCluster(
        n_workers=2, threads_per_worker=1, processes=True, dashboard_address=":0"
    ) as local:
        yield local


@pytest.fixture(scope="module")
def catalog(mirror: Path) -> Catalog:
    return Catalog.from_env(allow_download=False)


@pytest.fixture(scope="module")
def grid_100k(catalog: Catalog) -> gpd.GeoDataFrame:
    cells = generate_h3_candidates(
        catalog, countries=IDENTITY_COUNTRIES, resolution=IDENTITY_RESOLUTION
    )
    assert len(cells) >= MIN_CANDIDATES
    return cells


def _assert_same_ranking(local: pd.DataFrame, remote: pd.DataFrame) -> None:
    """Ranks, exclusions, attributes equal; scores and values within 1e-12."""
    assert list(remote.columns) == list(local.columns)
    assert remote["site_id"].tolist() == local["site_id"].tolist()
    pd.testing.assert_series_equal(remote["rank"], local["rank"])
    pd.testing.assert_series_equal(remote["excluded"], local["excluded"])
    assert remote["exclusion_reasons"].tolist() == local["exclusion_reasons"].tolist()
    layer_columns = [
        c for c in local.columns
        if c.split(".", 1)[0] in ("grid", "power", "jurisdiction", "geopolitics", "climate",
                                  "connectivity", "hazards", "risk", "cost")
    ]  # fmt: skip
    assert layer_columns, "the study sampled no layer attribute"
    pd.testing.assert_frame_equal(remote[layer_columns], local[layer_columns], check_exact=True)
    numeric = ["score"] + [c for c in local.columns if c.startswith(("value.", "contrib."))]
    numeric += [c for c in ("p_top_k", "rank_p05", "rank_p95") if c in local.columns]
    for column in numeric:
        a = local[column].to_numpy(dtype=np.float64)
        b = remote[column].to_numpy(dtype=np.float64)
        np.testing.assert_array_equal(np.isnan(a), np.isnan(b), err_msg=column)
        np.testing.assert_allclose(b, a, rtol=0.0, atol=1e-12, equal_nan=True, err_msg=column)


@pytest.mark.realdata
@pytest.mark.slow
@pytest.mark.timeout(600)
def test_dask_engine_matches_local_on_100k_cells(
    tmp_path: Path, cluster: object, catalog: Catalog, grid_100k: gpd.GeoDataFrame
) -> None:
    study = _study(tmp_path, method="wsm", weights="entropy", samples=200)
    local = run_study(study, candidates=grid_100k, catalog=catalog, engine="local")
    remote = run_study(
        study,
        candidates=grid_100k,
        catalog=catalog,
        engine="dask",
        scheduler=cluster.scheduler_address,  # type: ignore[attr-defined]
    )
    assert remote.metadata["engine"] == "dask"
    assert local.metadata["engine"] == "local"
    ranked = local.ranking["rank"].notna().sum()
    assert 1_000 < ranked < len(grid_100k), "the constraints should exclude some cells, not all"
    _assert_same_ranking(local.ranking, remote.ranking)
    assert remote.metadata["weights"] == local.metadata["weights"]
    assert remote.metadata["layers"] == local.metadata["layers"]
    assert remote.metadata["sources"] == local.metadata["sources"]
    assert set(remote.layers) == set(local.layers)


@pytest.mark.realdata
@pytest.mark.timeout(300)
def test_dask_engine_matches_local_topsis_with_worker_loading(
    tmp_path: Path, cluster: object, catalog: Catalog
) -> None:
    """TOPSIS ideals are global; ``broadcast="load"`` loads the layers on each worker."""
    study = _study(tmp_path, method="topsis", weights="direct", samples=0)
    cells = generate_h3_candidates(catalog, countries=["IE", "PT"], resolution=5)
    local = run_study(study, candidates=cells, catalog=catalog, engine="local")
    names = [name for name in BUILTIN_LAYERS if name in local.layers]  # pipeline order
    with distributed.Client(cluster.scheduler_address) as client:  # type: ignore[attr-defined]
        attributes, metadata, layers = sample_layers_dask(
            cells, names, catalog=catalog, params=layer_params(study), client=client,
            npartitions=5, broadcast="load",
        )  # fmt: skip
    # the ranking is sorted by rank; put it back in candidate order by site_id
    by_site = local.ranking.set_index("site_id").loc[cells["site_id"], list(attributes.columns)]
    expected = by_site.set_axis(cells.index, axis=0)
    pd.testing.assert_frame_equal(attributes, expected, check_exact=True)
    remote = run_study(
        study, candidates=cells, catalog=catalog, engine="dask",
        scheduler=cluster.scheduler_address,  # type: ignore[attr-defined]
    )  # fmt: skip
    _assert_same_ranking(local.ranking, remote.ranking)
    assert set(layers) == set(names)
    assert metadata["sources"] == local.metadata["sources"]


@pytest.mark.realdata
def test_progress_reports_every_layer_and_empty_candidates(
    cluster: object, catalog: Catalog
) -> None:
    from layers.base import LayerParams

    rng = np.random.default_rng(3)
    points = gpd.GeoDataFrame(
        {"site_id": [f"p{i}" for i in range(40)], "name": None},
        geometry=gpd.points_from_xy(rng.uniform(5, 15, 40), rng.uniform(45, 55, 40)),
        crs="EPSG:4326",
    )
    seen: list[int] = []
    with distributed.Client(cluster.scheduler_address) as client:  # type: ignore[attr-defined]
        attributes, _, _ = sample_layers_dask(
            points, ["climate", "power"], catalog=catalog, params=LayerParams(),
            client=client, npartitions=4, progress=seen.append,
        )  # fmt: skip
        empty, _, layers = sample_layers_dask(
            points.iloc[:0], ["climate"], catalog=catalog, params=LayerParams(), client=client
        )
    assert seen[-1] == 2 and seen == sorted(seen)
    assert attributes.index.equals(points.index)
    assert len(empty) == 0 and list(empty.columns) == [
        c for c in attributes.columns if c.startswith("climate.")
    ]
    assert set(layers) == {"climate"}


def test_default_npartitions_bounds_partition_size() -> None:
    # one partition per thread at least, PARTITION_ROWS rows at most, never more than rows
    assert default_npartitions(1_000_000, n_threads=2) == 1_000_000 // PARTITION_ROWS
    assert default_npartitions(1_000_001, n_threads=2) == 1_000_000 // PARTITION_ROWS + 1
    assert default_npartitions(30, n_threads=4) == 4
    assert default_npartitions(3, n_threads=4) == 3
    assert default_npartitions(0, n_threads=4) == 1


def test_spatial_order_keeps_clusters_together() -> None:
    # three clusters of three points (around (0, 0), (20, 30), (40, 10)), interleaved
    lon = [0.0, 20.0, 40.0, 0.1, 20.1, 40.1, 0.2, 20.2, 40.2]
    lat = [0.0, 30.0, 10.0, 0.1, 30.1, 10.1, 0.2, 30.2, 10.2]
    pts = gpd.GeoDataFrame(geometry=gpd.points_from_xy(lon, lat), crs="EPSG:4326")
    order = spatial_order(pts)
    assert sorted(order.tolist()) == list(range(9))
    clusters = [frozenset(order[i : i + 3] % 3) for i in range(0, 9, 3)]
    assert all(len(c) == 1 for c in clusters)  # each run of three is one cluster


def test_bad_options_are_config_errors() -> None:
    from layers.base import LayerParams

    pts = gpd.GeoDataFrame({"site_id": ["a"]}, geometry=gpd.points_from_xy([1.0], [50.0]), crs=4326)
    with pytest.raises(
        ConfigError, match=r"unknown broadcast mode 'copy'; expected one of scatter, load"
    ):
        sample_layers_dask(
            pts, ["climate"], catalog=Catalog(), params=LayerParams(), broadcast="copy"
        )  # type: ignore[arg-type]
    with pytest.raises(ConfigError, match=r"npartitions must be >= 1, got 0"):
        sample_layers_dask(pts, ["climate"], catalog=Catalog(), params=LayerParams(), npartitions=0)
    with pytest.raises(LayerNotFoundError, match=r"unknown layer 'gird'"):
        sample_layers_dask(pts, ["gird"], catalog=Catalog(), params=LayerParams())


@pytest.mark.timeout(60)
def test_unreachable_scheduler_is_one_clear_error() -> None:
    with (
        pytest.raises(ConfigError, match=r"cannot connect to dask scheduler 'tcp://127.0.0.1:9'"),
        dask_client("tcp://127.0.0.1:9", timeout_s=2.0),
    ):
        pass
