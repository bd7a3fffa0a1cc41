"""Tests of the grid layer: rules on tiny inputs, bad data, and real-data acceptance (mirror)."""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pyproj
import pytest
import shapely
from shapely import LineString, Point

from layers import _gridkit as gk
from layers import grid
from layers.base import LayerParams
from siting.errors import ConfigError, LayerDataError

GEOD = pyproj.Geod(ellps="WGS84")
REPO = Path(__file__).resolve().parents[2]
KM_PER_DEG_EQUATOR = 6378.137 * np.pi / 180.0  # WGS84 equatorial arc per degree, km


# ---------------------------------------------------------------- rules (hand-computed values)


@pytest.mark.parametrize(
    ("voltage_kv", "circuits", "expected_mva"),
    [
        (220.0, 1.0, 491.556),  # sqrt(3) * 220 * 1.29
        (300.0, 1.0, 1005.455),  # sqrt(3) * 300 * 1.935
        (380.0, 2.0, 3396.206),  # sqrt(3) * 380 * 2.58 * 2
        (500.0, 1.0, 2234.346),  # 380 kV type at 500 kV: sqrt(3) * 500 * 2.58
    ],
)
def test_line_rating_mva_hand_values(voltage_kv, circuits, expected_mva):
    got = gk.line_rating_mva(np.array([voltage_kv]), np.array([circuits]))
    assert got[0] == pytest.approx(expected_mva, abs=1e-3)


def test_line_rating_n1_and_unrated_voltage():
    got = gk.line_rating_mva(
        np.array([380.0, 132.0, np.nan]), np.array([1.0, 1.0, 1.0]), n1_factor=0.7
    )
    assert got[0] == pytest.approx(0.7 * 1698.103, abs=1e-2)
    assert np.isnan(got[1]) and np.isnan(got[2])


@pytest.mark.parametrize(
    ("load_mw", "kv"),
    [(1.0, 220.0), (100.0, 220.0), (100.1, 300.0), (300.0, 300.0), (301.0, 380.0)],
)
def test_default_min_voltage_rule(load_mw, kv):
    assert gk.default_min_voltage_kv(load_mw) == kv


def test_substation_mask_excludes_joints_dc_construction_and_low_voltage():
    buses = pd.DataFrame(
        {
            "voltage_kv": [380.0, 220.0, 380.0, 380.0, 380.0, np.nan],
            "is_dc": [False, False, True, False, False, False],
            "symbol": ["Substation", "Substation", "Substation", "joint", "Nuclear", "Substation"],
            "is_under_construction": [False, False, False, False, True, False],
        }
    )
    assert gk.substation_mask(buses, min_voltage_kv=220.0).tolist() == [
        True, True, False, False, False, False,
    ]  # fmt: skip
    assert gk.substation_mask(buses, min_voltage_kv=300.0).tolist() == [
        True, False, False, False, False, False,
    ]  # fmt: skip


def test_circle_polygons_vertices_are_at_radius():
    poly = gk.circle_polygons(np.array([8.68]), np.array([50.11]), np.array([12.0]))[0]
    xy = np.asarray(poly.exterior.coords)[:-1]
    _, _, dist_m = GEOD.inv(np.full(len(xy), 8.68), np.full(len(xy), 50.11), xy[:, 0], xy[:, 1])
    np.testing.assert_allclose(dist_m, 12_000.0, atol=1e-3)


def test_prepare_planned_new_and_upgrade_increment():
    square = LineString([(0, 0), (0, 1)])
    new = pd.DataFrame(
        {"status": ["in_permitting"], "voltage_kv": [380.0], "circuits": [2.0],
         "i_nom_ka": [2.58], "geometry": [square]},
        index=["TYNDP2020_0"],
    )  # fmt: skip
    upgraded = pd.DataFrame(
        {"status": ["under_consideration", "in_permitting"], "voltage_kv": [380.0, 380.0],
         "circuits": [2.0, 2.0], "i_nom_ka": [2.58, 2.58], "geometry": [square, square]},
        index=["7", "8"],
    )  # fmt: skip
    existing = pd.DataFrame(
        {"line_id": ["7", "8"], "voltage_kv": [380.0, 132.0], "circuits": [1.0, 1.0]}
    )
    planned = grid.prepare_planned(new, upgraded, existing)
    per_circuit_n1 = 0.7 * np.sqrt(3) * 380 * 2.58  # 1188.672 MVA
    np.testing.assert_allclose(
        planned["capacity_mva"], [2 * per_circuit_n1, per_circuit_n1, 2 * per_circuit_n1], rtol=1e-9
    )
    narrowed = grid.prepare_planned(new, upgraded, existing, statuses=("in_permitting",))
    assert narrowed["project"].tolist() == ["TYNDP2020_0", "8"]


def test_prepare_planned_unknown_upgrade_id():
    upgraded = pd.DataFrame(
        {"status": ["in_permitting"], "voltage_kv": [380.0], "circuits": [2.0],
         "i_nom_ka": [2.58], "geometry": [LineString([(0, 0), (0, 1)])]},
        index=["999"],
    )  # fmt: skip
    existing = pd.DataFrame({"line_id": ["7"], "voltage_kv": [380.0], "circuits": [1.0]})
    with pytest.raises(LayerDataError, match=r"upgraded_lines\.csv.*'999'"):
        grid.prepare_planned(upgraded.iloc[:0], upgraded, existing)


def test_prepare_plants_drops_retired_and_maps_country():
    plants = pd.DataFrame(
        {"name": ["a", "b", "c"], "fueltype": ["Hydro"] * 3,
         "country_name": ["Sweden", "Germany", "Serbia"], "capacity_mw": [10.0, 20.0, 30.0],
         "date_out": [np.nan, 2020.0, 2030.0], "lon": [0.0] * 3, "lat": [0.0] * 3}
    )  # fmt: skip
    kept = grid.prepare_plants(plants)
    assert kept["name"].tolist() == ["a", "c"]
    assert kept["iso2"].tolist() == ["SE", "RS"]
    with pytest.raises(LayerDataError, match=r"'Country'.*'Atlantis'"):
        grid.prepare_plants(plants.assign(country_name=["Atlantis", "Sweden", "Sweden"]))


# ---------------------------------------------------------------- compute on a tiny grid


def _tiny_layer(**kwargs):
    lines = gpd.GeoDataFrame(
        {"voltage_kv": [380.0], "capacity_mva": [1188.672]},
        geometry=[LineString([(0.0, -1.0), (0.0, 1.0)])],
        crs="EPSG:4326",
    )
    planned = gpd.GeoDataFrame(
        {"capacity_mva": [500.0]}, geometry=[LineString([(2.0, -1.0), (2.0, 1.0)])], crs="EPSG:4326"
    )
    areas = gk.read_constraint_areas(REPO / "layers" / "facts" / "grid_constraint_areas.csv")
    local = grid.constraint_polygons(
        pd.DataFrame(
            {"name": ["Zero"], "country": ["XX"], "scope": ["local"], "centre_lon": [0.0],
             "centre_lat": [0.0], "radius_km": [10.0], "wkt": [np.nan],
             "min_it_load_mw": [np.nan], "measure": ["moratorium"], "since": ["2020"],
             "status": ["active"], "source": ["s"], "source_url": ["u"], "checked": ["2026"]}
        ),
        it_load_mw=100.0,
    )  # fmt: skip
    defaults = dict(
        substations=pd.DataFrame({"lon": [0.0], "lat": [0.0], "voltage_kv": [380.0]}),
        lines=lines,
        planned=planned,
        plants=pd.DataFrame({"lon": [0.1, 0.3], "lat": [0.1, 0.0], "capacity_mw": [100.0, 50.0]}),
        local_areas=local,
        national_areas=areas.iloc[:0],
        min_voltage_kv=300.0,
        radius_km=25.0,
    )
    defaults.update(kwargs)
    return grid.GridLayer(**defaults)


def test_tiny_grid_hand_values():
    layer = _tiny_layer()
    candidates = gpd.GeoDataFrame(
        {"site_id": ["a", "b", "c"]},
        geometry=[Point(0.05, 0.0), Point(0.5, 0.0), Point(2.1, 0.0)],
        crs="EPSG:4326",
    )
    out = layer.sample(candidates)
    assert list(out.columns) == [f"grid.{k}" for k in grid.ATTRIBUTES]
    np.testing.assert_allclose(
        out["grid.substation_distance_km"],
        [0.05 * KM_PER_DEG_EQUATOR, 0.5 * KM_PER_DEG_EQUATOR, 2.1 * KM_PER_DEG_EQUATOR],
        rtol=1e-6,
    )
    assert out["grid.substation_voltage_kv"].tolist() == [380.0, 380.0, 380.0]
    # line on the meridian 0: a (5.6 km) in range, b (55.7 km) and c out of range
    assert out["grid.line_capacity_within_km_mva"].tolist() == pytest.approx([1188.672, 0.0, 0.0])
    # planned line on meridian 2: only c (11.1 km away) in range
    assert out["grid.planned_capacity_within_km_mva"].tolist() == pytest.approx([0.0, 0.0, 500.0])
    # plant 1 at (0.1, 0.1) is ~12.4 km from a, 44.6 from b; plant 2 at (0.3, 0) is 27.8 km
    # from a and 22.3 km from b
    assert out["grid.generation_within_km_mw"].tolist() == pytest.approx([100.0, 50.0, 0.0])
    assert out["grid.constraint_area"].tolist() == ["Zero", None, None]
    assert out["grid.in_constraint_area"].tolist() == [True, False, False]
    assert out["grid.constraint_measure"].iloc[0].startswith("moratorium (since 2020")


def test_tiny_grid_scalar_and_empty_candidates():
    layer = _tiny_layer()
    one = layer.sample_lonlat(np.array([0.05]), np.array([0.0]))
    assert len(one) == 1
    empty = layer.sample_lonlat(np.array([]), np.array([]))
    assert len(empty) == 0 and list(empty.columns) == [f"grid.{k}" for k in grid.ATTRIBUTES]


def test_metadata_reports_rules():
    meta = _tiny_layer(min_voltage_reason="default for it_load_mw = 200 MW").metadata()
    assert meta["min_voltage_kv"] == 300.0
    assert meta["n1_factor"] == 0.7
    assert meta["radius_km"] == 25.0
    assert [t["mva_per_circuit_at_nominal_voltage"] for t in meta["line_types"]] == [
        491.6, 1005.5, 1698.1,
    ]  # fmt: skip
    assert "default for it_load_mw" in meta["min_voltage_reason"]


def test_unknown_option_is_config_error():
    params = LayerParams(options={"grid": {"radius": 3}})
    with pytest.raises(ConfigError, match=r"unknown option 'radius' for layer 'grid'"):
        grid._options(params)
    with pytest.raises(ConfigError, match=r"'built'"):
        grid._options(LayerParams(options={"grid": {"planned_statuses": ["built"]}}))


# ---------------------------------------------------------------- bad data


def _write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_buses_missing_column_names_file_and_column(tmp_path):
    path = _write(tmp_path, "buses.csv", "bus_id,volt,dc,symbol,under_construction,tags,x,y\n")
    with pytest.raises(LayerDataError, match=r"entsoe-gridkit/buses\.csv.*'voltage'"):
        gk.read_buses(path)


def test_lines_length_in_km_is_rejected(tmp_path):
    text = (
        "line_id,bus0,bus1,voltage,circuits,length,underground,under_construction,tags,geometry\n"
        "1,1,2,380,1,25.3,False,False,,'LINESTRING(0 0,0 1)'\n"
    )
    path = _write(tmp_path, "lines.csv", text)
    with pytest.raises(LayerDataError, match=r"lines\.csv: column 'length'.*metres"):
        gk.read_lines(path)


def test_lines_voltage_in_volts_is_rejected(tmp_path):
    text = (
        "line_id,bus0,bus1,voltage,circuits,length,underground,under_construction,tags,geometry\n"
        "1,1,2,380000,1,25300,False,False,,'LINESTRING(0 0,0 1)'\n"
    )
    with pytest.raises(LayerDataError, match=r"lines\.csv: column 'voltage'.*kV"):
        gk.read_lines(_write(tmp_path, "lines.csv", text))


def test_powerplants_capacity_in_kw_is_rejected(tmp_path):
    text = "id,Name,Fueltype,Country,Capacity,DateOut,lat,lon\n0,a,Hydro,Sweden,2500000,,60,15\n"
    with pytest.raises(LayerDataError, match=r"powerplants\.csv: column 'Capacity'.*MW"):
        gk.read_powerplants(_write(tmp_path, "pp.csv", text))


def test_tyndp_unknown_line_type(tmp_path):
    text = (
        ",project_status,length,build_year,underground,v_nom,tags,x0,y0,x1,y1,num_parallel,type\n"
        "T0,in_permitting,10,2025,False,380,,0,0,0,1,2,Mystery cable\n"
    )
    with pytest.raises(LayerDataError, match=r"new_lines\.csv: column 'type'.*'Mystery cable'"):
        gk.read_tyndp_lines(_write(tmp_path, "n.csv", text), file=gk.TYNDP_NEW_LINES)


def test_constraint_table_row_without_source(tmp_path):
    header = ",".join(gk._AREA_COLUMNS)
    row = "X,IE,local,-6,53,10,,,moratorium,2022,active,,https://x,2026-11-23"
    with pytest.raises(LayerDataError, match=r"column 'source' is empty"):
        gk.read_constraint_areas(_write(tmp_path, "a.csv", f"{header}\n{row}\n"))


def test_project_constraint_table_is_complete():
    areas = gk.read_constraint_areas(REPO / "layers" / "facts" / "grid_constraint_areas.csv")
    assert {"IE", "NL", "DE", "GB"} <= set(areas["country"])
    assert areas["source"].notna().all() and areas["checked"].notna().all()


# ---------------------------------------------------------------- real data (mirror)


@pytest.fixture(scope="module")
def real_layer(mirror):
    from layers.catalog import Catalog

    return grid.load(Catalog.from_env(), LayerParams(it_load_mw=100.0))


@pytest.fixture(scope="module")
def cities(mirror):
    frame = pd.read_csv(REPO / "examples" / "cities30.csv")
    return gpd.GeoDataFrame(
        frame, geometry=gpd.points_from_xy(frame["lon"], frame["lat"]), crs="EPSG:4326"
    )


def _brute_force_nearest_km(buses: pd.DataFrame, lon: float, lat: float) -> float:
    _, _, d = GEOD.inv(
        np.full(len(buses), lon), np.full(len(buses), lat), buses["lon"], buses["lat"]
    )
    return float(np.min(d)) / 1000.0


@pytest.mark.realdata
def test_frankfurt_and_lulea_substation_distance(real_layer, mirror):
    buses = gk.read_buses(mirror / gk.BUSES)
    subs = buses.loc[gk.substation_mask(buses, min_voltage_kv=220.0)]
    frankfurt = (8.6821, 50.1109)
    lulea = (22.1567, 65.5848)
    out = real_layer.sample_lonlat(
        np.array([frankfurt[0], lulea[0]]), np.array([frankfurt[1], lulea[1]])
    )
    d = out["grid.substation_distance_km"].to_numpy()
    assert real_layer.min_voltage_kv == 220.0
    assert 1.0 < d[0] < 10.0  # a few km (4.95 km checked)
    assert 10.0 < d[1] < 100.0  # tens of km (35.4 km checked)
    assert d[0] == pytest.approx(_brute_force_nearest_km(subs, *frankfurt), abs=1e-6)
    assert d[1] == pytest.approx(_brute_force_nearest_km(subs, *lulea), abs=1e-6)


@pytest.mark.realdata
def test_cities30_gives_every_grid_attribute(real_layer, cities):
    out = real_layer.sample(cities)
    assert list(out.columns) == [f"grid.{k}" for k in grid.ATTRIBUTES]
    by_name = out.set_index(cities["name"])
    numeric = [c for c, a in grid.ATTRIBUTES.items() if a.dtype == "float"]
    # Istanbul (TR) and Reykjavik (IS) are outside powerplantmatching: generation NaN, not 0
    no_plants = ["Istanbul", "Reykjavik"]
    for column in numeric:
        values = by_name[f"grid.{column}"]
        if column == "generation_within_km_mw":
            assert values[no_plants].isna().all()
            values = values.drop(no_plants)
        assert values.notna().all(), column
    assert by_name.loc["Madrid", "grid.line_capacity_within_km_mva"] > 0.0
    assert by_name.loc["Dublin", "grid.constraint_area"].startswith("Dublin region")
    assert by_name.loc["Amsterdam", "grid.constraint_area"].startswith("Amsterdam")
    assert by_name.loc["Frankfurt", "grid.constraint_area"].startswith("Frankfurt")
    assert bool(by_name.loc["Frankfurt", "grid.in_constraint_area"])
    assert by_name.loc["Frankfurt", "grid.line_capacity_within_km_mva"] > 5000.0


@pytest.mark.realdata
def test_national_rule_depends_on_load(mirror):
    from layers.catalog import Catalog

    utrecht = (np.array([5.1214]), np.array([52.0907]))
    small = grid.load(Catalog.from_env(), LayerParams(it_load_mw=20.0)).sample_lonlat(*utrecht)
    big = grid.load(Catalog.from_env(), LayerParams(it_load_mw=150.0)).sample_lonlat(*utrecht)
    assert small["grid.constraint_area"].iloc[0] is None
    assert big["grid.constraint_area"].iloc[0].startswith("Netherlands")


@pytest.mark.realdata
def test_designated_dutch_hyperscale_locations_are_exempt(mirror):
    from layers.catalog import Catalog

    layer = grid.load(Catalog.from_env(), LayerParams(it_load_mw=300.0))
    # Eemshaven and Middenmeer are the two places the 2022 rule still allows hyperscale; Zwolle
    # (between them, elsewhere in NL) is covered by the national rule.
    out = layer.sample_lonlat(
        np.array([6.8317, 4.998, 6.0944]), np.array([53.4386, 52.806, 52.5168])
    )
    assert out["grid.in_constraint_area"].tolist() == [False, False, True]
    assert out["grid.constraint_area"].iloc[2].startswith("Netherlands")


@pytest.mark.realdata
def test_outside_coverage_is_nan(real_layer):
    # New York is in neither data set; Iceland is in the grid map but not in powerplantmatching
    out = real_layer.sample_lonlat(np.array([-74.0, -21.94]), np.array([40.71, 64.15]))
    assert np.isnan(out["grid.substation_distance_km"].iloc[0])
    assert np.isnan(out["grid.line_capacity_within_km_mva"].iloc[0])
    assert np.isnan(out["grid.generation_within_km_mw"]).all()
    assert np.isfinite(out["grid.substation_distance_km"].iloc[1])


@pytest.mark.realdata
def test_overlays_and_metadata(real_layer):
    overlays = real_layer.overlays()
    assert set(overlays) == {"substations", "hv_lines", "constraint_areas"}
    assert (overlays["substations"]["voltage_kv"] >= 220.0).all()
    for frame in overlays.values():
        assert frame.crs.to_epsg() == 4326 and frame.attrs["attribution"]
    assert shapely.is_valid(overlays["constraint_areas"].geometry.to_numpy()).all()
    meta = real_layer.metadata()
    assert meta["min_voltage_reason"] == "default for it_load_mw = 100 MW"
    assert {s["name"] for s in meta["sources"]} >= {gk.BUSES, gk.LINES, gk.POWERPLANTS}
