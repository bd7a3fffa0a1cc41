import numpy as np
import pytest
from shapely.geometry import LineString, MultiPolygon, Point, Polygon

from maps._encode import encode_geometries, geometry_family, to_script_json
from siting.errors import ConfigError


def test_points_roundtrip_to_1e5_degree() -> None:
    encoded = encode_geometries([Point(8.123456, 50.000004), Point(-3.5, 40.25)])
    assert encoded["family"] == "point"
    assert encoded["offsets"] == [] and encoded["owner"] is None
    # quantised: 812346, 5000000 ; then deltas -350000-812346, 4025000-5000000
    assert encoded["coords"] == [812346, 5000000, -1162346, -975000]


def test_polygon_with_hole_and_multipolygon_owner() -> None:
    square = Polygon([(0, 0), (1, 0), (1, 1), (0, 1)], holes=[[(0.2, 0.2), (0.4, 0.2), (0.4, 0.4)]])
    multi = MultiPolygon([Polygon([(2, 2), (3, 2), (3, 3)]), Polygon([(4, 4), (5, 4), (5, 5)])])
    encoded = encode_geometries([square, multi, None])
    assert encoded["family"] == "polygon" and encoded["count"] == 3
    rings, polygons = encoded["offsets"]
    # square: exterior 5 coords, hole 4 coords; then two triangles of 4 coords each
    assert rings == [0, 5, 9, 13, 17]
    assert polygons == [0, 2, 3, 4]
    assert encoded["owner"] == [0, 1, 1]  # the None row draws nothing
    coords = np.cumsum(np.reshape(encoded["coords"], (-1, 2)), axis=0) / encoded["scale"]
    assert coords[5].tolist() == [0.2, 0.2]
    assert coords[13].tolist() == [4.0, 4.0]


def test_mixed_families_rejected() -> None:
    with pytest.raises(ConfigError, match=r"mix kinds \['line', 'point'\]"):
        geometry_family([Point(0, 0), LineString([(0, 0), (1, 1)])])


def test_script_json_cannot_close_the_script_block() -> None:
    assert "</script>" not in to_script_json({"name": "</script><script>alert(1)"})
