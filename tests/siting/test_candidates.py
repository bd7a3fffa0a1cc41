"""Tests for siting.candidates: readers, validation, CRS normalisation, H3 grids."""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import h3
import numpy as np
import pandas as pd
import pyproj
import pytest
import shapely
from shapely.geometry import LineString, Point, Polygon, box

from siting.candidates import (
    COUNTRY_GROUPS,
    expand_countries,
    generate_h3_candidates,
    h3_candidates,
    read_candidates,
    site_attributes,
    validate_candidates,
)
from siting.errors import (
    CandidatesError,
    ConfigError,
    CRSError,
    CRSMismatchError,
    SitingWarning,
)

REPO = Path(__file__).resolve().parents[2]

# The ETRS89-LAEA (EPSG:3035) projection centre is lon 10, lat 52 with false easting 4,321,000 m
# and false northing 3,210,000 m, so that point maps exactly onto (10, 52).
LAEA_X0, LAEA_Y0 = 4_321_000.0, 3_210_000.0


def write_csv(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


def points_gdf(crs: str | None = "EPSG:4326") -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame(
        {"site_id": ["A", "B"], "name": ["Alpha", None], "cost_eur": [1.5, 2.5]},
        geometry=[Point(8.6821, 50.1109), Point(4.9041, 52.3676)],
        crs=crs,
    )


# ------------------------------------------------------------------ readers, every format
def test_read_csv_points(tmp_path: Path) -> None:
    path = write_csv(
        tmp_path / "c.csv",
        "site_id,name,lon,lat,land_price\n007,Frankfurt,8.6821,50.1109,12.5\n8,,4.9041,52.3676,\n",
    )
    c = read_candidates(path)
    assert c.crs.to_epsg() == 4326
    assert isinstance(c.index, pd.RangeIndex)
    assert list(c.columns) == ["site_id", "name", "lon", "lat", "land_price", "geometry"]
    assert c["site_id"].tolist() == ["007", "8"]  # text kept, leading zero kept
    assert c["name"].tolist() == ["Frankfurt", None]
    assert c.geometry.x.tolist() == [8.6821, 4.9041]
    assert c.geometry.y.tolist() == [50.1109, 52.3676]


def test_read_csv_generates_site_ids_only_without_column(tmp_path: Path) -> None:
    path = write_csv(tmp_path / "c.csv", "Longitude,Latitude\n1,2\n3,4\n5,6\n")
    c = read_candidates(path)
    assert c["site_id"].tolist() == ["site-0001", "site-0002", "site-0003"]
    assert c["name"].tolist() == [None, None, None]


def test_read_csv_wkt_geometry_column(tmp_path: Path) -> None:
    path = write_csv(
        tmp_path / "c.csv", 'site_id,geometry\nr1,"POLYGON ((0 0, 1 0, 1 1, 0 1, 0 0))"\n'
    )
    c = read_candidates(path)
    assert c.geometry.iloc[0].equals(box(0, 0, 1, 1))


def test_read_geojson(tmp_path: Path) -> None:
    path = tmp_path / "c.geojson"
    points_gdf().to_file(path, driver="GeoJSON")
    c = read_candidates(path)
    assert c["site_id"].tolist() == ["A", "B"]
    assert c["name"].tolist() == ["Alpha", None]
    assert c["cost_eur"].tolist() == [1.5, 2.5]
    assert c.crs.to_epsg() == 4326


def test_read_geopackage_polygons(tmp_path: Path) -> None:
    path = tmp_path / "c.gpkg"
    gdf = gpd.GeoDataFrame(
        {"site_id": ["p1", "p2"]},
        geometry=[box(0, 0, 1, 1), shapely.MultiPolygon([box(2, 2, 3, 3), box(4, 4, 5, 5)])],
        crs="EPSG:4326",
    )
    gdf.to_file(path, driver="GPKG")
    c = read_candidates(path)
    # GeoPackage promotes a layer mixing Polygon and MultiPolygon to MultiPolygon
    assert c.geom_type.tolist() == ["MultiPolygon", "MultiPolygon"]
    assert c.geometry.iloc[0].equals(shapely.MultiPolygon([box(0, 0, 1, 1)]))
    assert c.geometry.name == "geometry"
    assert c["site_id"].tolist() == ["p1", "p2"]


def test_read_geoparquet(tmp_path: Path) -> None:
    path = tmp_path / "c.parquet"
    points_gdf().to_parquet(path)
    c = read_candidates(path)
    assert c["site_id"].tolist() == ["A", "B"]
    assert c.geometry.x.tolist() == [8.6821, 4.9041]


def test_read_plain_parquet_with_lon_lat(tmp_path: Path) -> None:
    path = tmp_path / "c.parquet"
    pd.DataFrame({"site_id": ["a"], "lon": [1.0], "lat": [2.0]}).to_parquet(path)
    c = read_candidates(path)
    assert (c.geometry.x.iloc[0], c.geometry.y.iloc[0]) == (1.0, 2.0)


def test_examples_cities30() -> None:
    c = read_candidates(REPO / "examples" / "cities30.csv")
    assert len(c) == 30
    assert c["site_id"].is_unique
    frankfurt = c.set_index("name").loc["Frankfurt"].geometry
    assert (frankfurt.x, frankfurt.y) == (8.6821, 50.1109)


# ------------------------------------------------------------------ CRS
def test_geopackage_in_3035_comes_back_in_4326(tmp_path: Path) -> None:
    path = tmp_path / "laea.gpkg"
    gpd.GeoDataFrame(
        {"site_id": ["origin", "east"]},
        geometry=[Point(LAEA_X0, LAEA_Y0), Point(LAEA_X0 + 100_000.0, LAEA_Y0)],
        crs="EPSG:3035",
    ).to_file(path, driver="GPKG")
    c = read_candidates(path)
    assert c.crs.to_epsg() == 4326
    assert c.geometry.x.iloc[0] == pytest.approx(10.0, abs=1e-9)
    assert c.geometry.y.iloc[0] == pytest.approx(52.0, abs=1e-9)
    # 100 km due east of the centre on the LAEA plane: east of 10 E, a little south of 52 N
    # (parallels curve towards the pole on an azimuthal projection).
    assert 11.4 < c.geometry.x.iloc[1] < 11.5
    assert 51.97 < c.geometry.y.iloc[1] < 52.0


def test_csv_with_crs_option(tmp_path: Path) -> None:
    path = write_csv(tmp_path / "c.csv", f"site_id,x,y\no,{LAEA_X0},{LAEA_Y0}\n")
    c = read_candidates(path, crs="EPSG:3035")
    assert c.geometry.x.iloc[0] == pytest.approx(10.0, abs=1e-9)
    assert c.geometry.y.iloc[0] == pytest.approx(52.0, abs=1e-9)


def test_file_without_crs_is_an_error_unless_given(tmp_path: Path) -> None:
    path = tmp_path / "nocrs.gpkg"
    with pytest.warns(UserWarning, match="'crs' was not provided"):
        points_gdf(crs=None).to_file(path, driver="GPKG")
    with pytest.raises(CRSError, match=r"nocrs\.gpkg.*no CRS; give one"):
        read_candidates(path)
    c = read_candidates(path, crs=4326)
    assert c.crs.to_epsg() == 4326


def test_geoparquet_without_crs_is_an_error(tmp_path: Path) -> None:
    path = tmp_path / "nocrs.parquet"
    points_gdf(crs=None).to_parquet(path)
    with pytest.raises(CRSError, match="no CRS"):
        read_candidates(path)


def test_crs_option_contradicting_file_is_an_error(tmp_path: Path) -> None:
    path = tmp_path / "c.gpkg"
    points_gdf().to_file(path, driver="GPKG")
    with pytest.raises(CRSMismatchError, match=r"EPSG:4326.*differs.*EPSG:3035"):
        read_candidates(path, crs="EPSG:3035")


def test_unparsable_crs(tmp_path: Path) -> None:
    path = write_csv(tmp_path / "c.csv", "lon,lat\n1,2\n")
    with pytest.raises(CRSError, match=r"cannot understand CRS 'EPSG:99999999'"):
        read_candidates(path, crs="EPSG:99999999")


def test_projected_coordinates_outside_crs_domain(tmp_path: Path) -> None:
    path = write_csv(tmp_path / "c.csv", "lon,lat\n1e30,1e30\n")
    with pytest.raises(CRSError, match="do not transform"):
        read_candidates(path, crs="EPSG:3035")


# ------------------------------------------------------------------ rejections
@pytest.mark.parametrize(
    ("name", "text", "pattern"),
    [
        ("empty.csv", "", r"empty.csv.*empty \(0 bytes\)"),
        ("header.csv", "site_id,lon,lat\n", "header but 0 rows"),
        ("nocoords.csv", "site_id,a,b\nx,1,2\n", r"no coordinate columns.*'a'.*expected 'lon'"),
        ("range.csv", "site_id,lon,lat\nA,200,10\n", r"longitude out of range.*site_id 'A'"),
        (
            "swapped.csv",
            "site_id,lon,lat\nA,8.7,50.1\nB,52.3,4.9\nC,50.1,95.0\n",
            r"latitude out of range.*row 3 \(site_id 'C'\).*look swapped",
        ),
        ("nan.csv", "site_id,lon,lat\nA,8.7,50.1\nB,,50.1\n", r"NaN coordinates.*row 2"),
        ("text.csv", "site_id,lon,lat\nA,east,50.1\n", r"non-numeric 'lon'/'lat' at row 1"),
        (
            "dupes.csv",
            "site_id,lon,lat\nA,1,1\nB,2,2\nA,3,3\nB,4,4\nC,5,5\n",
            r"duplicate site_id 'A', 'B' \(4 rows\)",
        ),
        ("blank.csv", "site_id,lon,lat\nA,1,1\n   ,2,2\n", r"site_id is (missing|blank) at row 2"),
        ("both.csv", 'lon,lat,geometry\n1,2,"POINT (1 2)"\n', "both coordinate columns"),
        ("bad.csv", 'a,"b\n1,2', "cannot read the file"),
    ],
)
def test_csv_rejections(tmp_path: Path, name: str, text: str, pattern: str) -> None:
    path = write_csv(tmp_path / name, text)
    with pytest.raises(CandidatesError, match=pattern):
        read_candidates(path)


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(CandidatesError, match=r"nope\.csv.*file not found"):
        read_candidates(tmp_path / "nope.csv")


def test_unsupported_suffix(tmp_path: Path) -> None:
    path = write_csv(tmp_path / "c.txt", "lon,lat\n1,2\n")
    with pytest.raises(CandidatesError, match=r"unsupported file type '\.txt'; expected one of"):
        read_candidates(path)


def test_unparsable_geojson(tmp_path: Path) -> None:
    path = write_csv(tmp_path / "c.geojson", "{ this is not json")
    with pytest.raises(CandidatesError, match=r"c\.geojson.*cannot read the file"):
        read_candidates(path)


def test_geopackage_with_two_layers_needs_a_choice(tmp_path: Path) -> None:
    path = tmp_path / "two.gpkg"
    points_gdf().to_file(path, driver="GPKG", layer="sites")
    points_gdf().to_file(path, driver="GPKG", layer="more")
    with pytest.raises(CandidatesError, match="2 layers"):
        read_candidates(path)
    assert len(read_candidates(path, layer="more")) == 2


def test_empty_frame() -> None:
    with pytest.raises(CandidatesError, match="0 rows"):
        validate_candidates(points_gdf().iloc[:0])


def test_no_crs_frame() -> None:
    with pytest.raises(CRSError, match="no CRS"):
        validate_candidates(points_gdf(crs=None))


def test_missing_and_empty_geometries() -> None:
    gdf = points_gdf()
    gdf.loc[1, "geometry"] = None
    with pytest.raises(CandidatesError, match=r"geometry is missing at row 2 \(site_id 'B'\)"):
        validate_candidates(gdf)
    gdf.loc[1, "geometry"] = Point()
    with pytest.raises(CandidatesError, match="geometry is empty at row 2"):
        validate_candidates(gdf)


def test_mixed_geometry_types() -> None:
    gdf = gpd.GeoDataFrame(
        {"site_id": ["pt", "poly"]}, geometry=[Point(0, 0), box(0, 0, 1, 1)], crs=4326
    )
    with pytest.raises(CandidatesError, match=r"mixed geometry types: 1 points and 1 polygons"):
        validate_candidates(gdf)


def test_unusable_geometry_type() -> None:
    gdf = gpd.GeoDataFrame({"site_id": ["line"]}, geometry=[LineString([(0, 0), (1, 1)])], crs=4326)
    with pytest.raises(CandidatesError, match=r"unusable geometry type 'LineString'.*'line'"):
        validate_candidates(gdf)


BOWTIE = Polygon([(0, 0), (2, 2), (2, 0), (0, 2), (0, 0)])


def test_invalid_polygon_rejected_unless_repair(tmp_path: Path) -> None:
    gdf = gpd.GeoDataFrame({"site_id": ["ok", "bow"]}, geometry=[box(5, 5, 6, 6), BOWTIE], crs=4326)
    with pytest.raises(CandidatesError, match=r"invalid polygon at row 2 \(site_id 'bow'\).*Self"):
        validate_candidates(gdf)
    fixed = validate_candidates(gdf, repair=True)
    assert fixed.is_valid.all()
    # The bow-tie splits into two triangles of area 1 each (half of the 2 x 2 square).
    assert shapely.area(fixed.geometry.iloc[1]) == pytest.approx(2.0)
    assert fixed.geometry.iloc[0].equals(box(5, 5, 6, 6))  # valid rows untouched
    # and through a file, with repair=True
    path = tmp_path / "bow.geojson"
    gdf.to_file(path, driver="GeoJSON")
    with pytest.raises(CandidatesError, match="invalid polygon"):
        read_candidates(path)
    assert read_candidates(path, repair=True).is_valid.all()


def test_validate_does_not_mutate_input() -> None:
    gdf = points_gdf().set_index(pd.Index([10, 20]))
    before = gdf.copy()
    out = validate_candidates(gdf)
    pd.testing.assert_frame_equal(gdf, before)
    assert list(out.index) == [0, 1]


def test_integral_float_site_ids_lose_decimal() -> None:
    gdf = points_gdf()
    gdf["site_id"] = [1.0, 2.0]
    assert validate_candidates(gdf)["site_id"].tolist() == ["1", "2"]


def test_site_attributes() -> None:
    gdf = points_gdf()
    gdf["price"] = ["10", " 7.5 "]
    gdf["kind"] = ["hub", "metro"]
    attrs = site_attributes(validate_candidates(gdf))
    assert list(attrs.columns) == ["site.cost_eur", "site.price", "site.kind"]
    assert attrs["site.price"].tolist() == [10.0, 7.5]
    assert attrs["site.price"].dtype == np.float64
    assert attrs["site.kind"].tolist() == ["hub", "metro"]


# ------------------------------------------------------------------ H3
def square(lon0: float, lat0: float, size: float) -> Polygon:
    return box(lon0, lat0, lon0 + size, lat0 + size)


def all_centres_inside(area: Polygon, resolution: int) -> set[str]:
    """Brute force: cells around the area whose centre lies inside it (shapely test)."""
    centre = area.centroid
    start = h3.latlng_to_cell(centre.y, centre.x, resolution)
    ring_cells = h3.grid_disk(start, 40)
    lat_lng = np.array([h3.cell_to_latlng(c) for c in ring_cells])
    inside = shapely.contains_xy(area, lat_lng[:, 1], lat_lng[:, 0])
    return {c for c, is_in in zip(ring_cells, inside, strict=True) if is_in}


def test_h3_over_a_square_has_exactly_the_cells_centred_inside() -> None:
    area = square(5.0, 49.0, 1.0)
    areas = gpd.GeoDataFrame({"code": ["SQ"]}, geometry=[area], crs=4326)
    cells = h3_candidates(areas, resolution=5, id_column="code")
    expected = all_centres_inside(area, 5)
    assert set(cells["site_id"]) == expected
    # about 1 deg x 1 deg at 49.5 N = 111.2 * 72.3 km = 8,040 km2; / 252.9 km2 per cell ~ 32
    assert 25 <= len(cells) <= 40
    assert cells["area"].unique().tolist() == ["SQ"]
    assert cells["name"].iloc[0] == f"SQ {cells['site_id'].iloc[0]}"
    assert cells.crs.to_epsg() == 4326
    assert cells.geom_type.unique().tolist() == ["Polygon"]
    # each hexagon has 6 distinct vertices and contains its own centre
    assert all(len(g.exterior.coords) == 7 for g in cells.geometry)
    centres = np.array([h3.cell_to_latlng(c) for c in cells["site_id"]])
    assert shapely.contains_xy(cells.geometry.to_numpy(), centres[:, 1], centres[:, 0]).all()


def test_h3_multipolygon_with_hole_and_overlap_kept_once() -> None:
    outer = square(10.0, 50.0, 1.0)
    hole = square(10.3, 50.3, 0.4)
    holed = Polygon(outer.exterior.coords, [hole.exterior.coords])
    multi = shapely.MultiPolygon([holed, square(12.0, 50.0, 0.5)])
    overlapping = square(
        10.0, 50.0, 0.25
    )  # inside the first area, off the hole: its cells are kept for "A"
    areas = gpd.GeoDataFrame({"code": ["A", "B"]}, geometry=[multi, overlapping], crs=4326)
    with pytest.warns(SitingWarning, match="'B'"):
        cells = h3_candidates(areas, resolution=6, id_column="code")
    assert cells["site_id"].is_unique
    expected = all_centres_inside(holed, 6) | all_centres_inside(square(12.0, 50.0, 0.5), 6)
    assert set(cells["site_id"]) == expected
    assert set(cells["area"]) == {"A"}


@pytest.mark.parametrize("resolution", [-1, 16, 5.0, True])
def test_h3_bad_resolution(resolution: object) -> None:
    areas = gpd.GeoDataFrame({"code": ["SQ"]}, geometry=[square(0, 0, 1)], crs=4326)
    with pytest.raises(ConfigError, match="H3 resolution"):
        h3_candidates(areas, resolution=resolution, id_column="code")  # type: ignore[arg-type]


def test_h3_rejections() -> None:
    areas = gpd.GeoDataFrame({"code": ["SQ"]}, geometry=[square(0, 0, 1)], crs=4326)
    with pytest.raises(ConfigError, match="id_column 'zone'"):
        h3_candidates(areas, resolution=5, id_column="zone")
    with pytest.raises(CRSError, match="expected EPSG:4326"):
        h3_candidates(areas.to_crs(3857), resolution=5, id_column="code")
    with pytest.raises(ConfigError, match=r"about [\d,]+ cells \(limit max_cells=100\)"):
        h3_candidates(areas, resolution=7, id_column="code", max_cells=100)
    tiny = gpd.GeoDataFrame({"code": ["T"]}, geometry=[square(0, 0, 0.001)], crs=4326)
    with pytest.raises(CandidatesError, match="no H3 cell centre at resolution 3"):
        h3_candidates(tiny, resolution=3, id_column="code")
    wrap = Polygon([(179, 0), (-179, 0), (-179, 1), (179, 1)])
    crossing = gpd.GeoDataFrame({"code": ["X"]}, geometry=[wrap], crs=4326)
    with pytest.raises(CandidatesError, match="'X' have edges crossing the antimeridian"):
        h3_candidates(crossing, resolution=3, id_column="code")


def test_expand_countries() -> None:
    assert len(COUNTRY_GROUPS["EU"]) == 27
    assert len(expand_countries(["EEA"])) == 30
    assert expand_countries(["uk", "el", "EFTA", "NO"]) == ("GB", "GR", "IS", "LI", "NO", "CH")


# ------------------------------------------------------------------ real countries and zones
@pytest.fixture
def catalog(mirror: Path):
    from layers.catalog import Catalog

    return Catalog(mirror=mirror, allow_download=False)


def test_h3_luxembourg_res6(catalog) -> None:
    cells = generate_h3_candidates(catalog, countries=["LU"], resolution=6)
    # Luxembourg is 2,586 km2; res-6 cells average 36.13 km2 -> about 72 cells.
    assert 55 <= len(cells) <= 95
    world = gpd.read_file(catalog.path("ne/upstream/ne_50m_admin_0_countries.geojson"))
    lu = world.loc[world["ISO_A2_EH"] == "LU"].geometry.iloc[0]
    centres = np.array([h3.cell_to_latlng(c) for c in cells["site_id"]])
    assert shapely.contains_xy(lu, centres[:, 1], centres[:, 0]).all()
    assert set(cells["area"]) == {"LU"}


def test_h3_groups_aliases_and_zones(catalog) -> None:
    cells = generate_h3_candidates(catalog, countries=["UK"], zones=["no-1"], resolution=4)
    assert set(cells["area"]) == {"GB", "NO_1"}
    assert cells["site_id"].is_unique
    # The cells' total area (h3.cell_area: res-4 cells here are ~1,230 km2, well below the
    # 1,770 km2 global mean) must match the zone's geodesic area (pyproj.Geod) within 10 %.
    zones = gpd.read_file(catalog.path("bidding-zones-entsoepy/bidding_zones_europe.geojson"))
    no1 = zones.loc[zones["zone"] == "NO_1"].geometry.iloc[0]
    area_km2 = abs(pyproj.Geod(ellps="WGS84").geometry_area_perimeter(no1)[0]) / 1e6
    assert 60_000 < area_km2 < 61_000
    cells_km2 = sum(
        h3.cell_area(c, unit="km^2") for c in cells.loc[cells["area"] == "NO_1", "site_id"]
    )
    assert cells_km2 == pytest.approx(area_km2, rel=0.10)


def test_h3_unknown_codes(catalog) -> None:
    with pytest.raises(ConfigError, match=r"unknown country code 'GERMANY' \(close: DE\)"):
        generate_h3_candidates(catalog, countries=["Germany"], resolution=4)
    with pytest.raises(ConfigError, match=r"unknown bidding zone 'NO1' \(close: NO_1"):
        generate_h3_candidates(catalog, zones=["NO1"], resolution=4)
    with pytest.raises(ConfigError, match=r"unknown bidding zone 'IT_CNOR_2020'"):
        generate_h3_candidates(catalog, zones=["IT_CNOR_2020"], resolution=4)  # not current
    with pytest.raises(ConfigError, match="no areas"):
        generate_h3_candidates(catalog, resolution=4)
