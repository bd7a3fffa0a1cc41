from pathlib import Path

import pytest

from maps._assets import REQUIRED_ASSET_FILES, load_assets
from siting.errors import DataSourceError


def test_installed_package_assets() -> None:
    pytest.importorskip("xstatic.pkg.leaflet", reason="xstatic-leaflet is not installed")
    assets = load_assets()
    assert "L.version" in assets.scripts[0] or 't.version="1.9.3"' in assets.scripts[0]
    assert "sourceMappingURL" not in assets.scripts[0]
    assert "url(images/layers.png)" not in assets.styles[0]
    assert "data:image/png;base64," in assets.styles[0]


def test_missing_folder_names_where_it_looked(tmp_path: Path) -> None:
    with pytest.raises(DataSourceError, match=r"no leaflet\.js in .*dist.*package/dist"):
        load_assets(tmp_path)


def test_incomplete_folder_names_missing_files(tmp_path: Path) -> None:
    (tmp_path / "dist").mkdir()
    (tmp_path / "dist" / "leaflet.js").write_text("var L = {};", encoding="utf-8")
    with pytest.raises(DataSourceError, match=r"missing leaflet\.css, images/layers\.png"):
        load_assets(tmp_path)


def test_user_folder_npm_layout(tmp_path: Path) -> None:
    dist = tmp_path / "package" / "dist"
    (dist / "images").mkdir(parents=True)
    for name in REQUIRED_ASSET_FILES:
        (dist / name).write_bytes(b"x")
    (dist / "leaflet.css").write_text(".a{background:url(images/layers.png)}", encoding="utf-8")
    assets = load_assets(tmp_path)
    assert assets.styles == (".a{background:url(data:image/png;base64,eA==)}",)
    assert assets.origin == str(dist)
