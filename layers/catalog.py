"""The data catalogue: what each source file is, where to find it, and how to fetch and verify it.

Every data file a built-in layer may read is a :class:`Source` in ``layers/sources.toml``
(generated from the data mirror's ``catalog.toml`` by ``python -m layers._build_sources``), named by
its path relative to the data root (``"entsoe-gridkit/buses.csv"``). :meth:`Catalog.path` resolves
a name to a local file in this order:

1. an explicit path given by the user (a study's ``[layers.paths]`` or the ``paths`` argument); no
   checksum is enforced, but :meth:`Catalog.status` reports a difference;
2. the local cache (``SITING_CACHE_DIR``, default ``platformdirs.user_cache_dir("siting")``), laid
   out like the data root; a cached file is checked by size and sha256 once per process and a bad
   copy is deleted and fetched again;
3. the data mirror named by ``SITING_DATA_MIRROR`` (laid out like ``../shared/data``); a sha256
   mismatch there is an error;
4. an installed Python package shipping the identical file (e.g. ``entsoe-py`` ships the bidding
   zone GeoJSONs), when its sha256 matches;
5. a download into the cache with pooch, from the pinned raw address or from the pinned package
   archive (PyPI wheel, npm tarball) holding the file; the sha256 is checked before the file is
   renamed into place, so a failed, truncated or corrupted download never leaves a file behind.

Files derived from many originals (or hand-compiled) are *mirror-only*: they can come from an
explicit path, the cache or the mirror, never from a download. Files derived from one original are
also listed mirror-only; built-in layers read the original (``Source.originals``) and derive them.

Licences: sources flagged ``non-commercial`` or ``share-alike`` are refused with a
:class:`~siting.errors.LicenceError` unless the user opts in, by flag or by name. Sources flagged
``copyleft`` or ``unclear`` are allowed without opt-in; their flag travels in
:meth:`Source.as_dict` (result metadata) and shows in :meth:`Catalog.status`.
"""

from __future__ import annotations

import contextlib
import difflib
import functools
import hashlib
import importlib.util
import logging
import os
import sys
import tarfile
import tempfile
import tomllib
import zipfile
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import IO, Any, Literal, NamedTuple

import platformdirs
import pooch

from siting.errors import ConfigError, DataSourceError, LicenceError

__all__ = [
    "AVAILABILITY",
    "ENV_CACHE_DIR",
    "ENV_MIRROR",
    "ENV_OFFLINE",
    "GATED_LICENCE_FLAGS",
    "LICENCE_FLAGS",
    "SOURCES_FILE",
    "Catalog",
    "FetchOutcome",
    "Source",
    "SourceStatus",
    "fetch_sources",
    "load_sources",
    "parse_sources",
    "sha256_file",
]

logger = logging.getLogger(__name__)

SOURCES_FILE = Path(__file__).with_name("sources.toml")
"""The project's source list (metadata only)."""
ENV_MIRROR = "SITING_DATA_MIRROR"
ENV_CACHE_DIR = "SITING_CACHE_DIR"
ENV_OFFLINE = "SITING_OFFLINE"
LICENCE_FLAGS: tuple[str, ...] = ("", "non-commercial", "share-alike", "copyleft", "unclear")
"""Licence flags a source may carry (``""`` = no restriction beyond attribution)."""
GATED_LICENCE_FLAGS: frozenset[str] = frozenset({"non-commercial", "share-alike"})
"""Flags whose sources are used only when the user opts in (by flag or by source name)."""
AVAILABILITY: tuple[str, ...] = (
    "explicit",
    "cache",
    "mirror",
    "package",
    "downloadable",
    "missing",
)
"""Values of :attr:`SourceStatus.available`, in resolution order."""

Availability = Literal["explicit", "cache", "mirror", "package", "downloadable", "missing"]
_READ_CHUNK_BYTES = 1 << 20
_TRUE_STRINGS = frozenset({"1", "true", "yes", "on"})
_OPT_IN_HELP = (
    'opt in with `opt_in = ["{flag}"]` in the study\'s [layers] table, '
    "or `--opt-in {flag}` on the command line"
)


@dataclass(frozen=True)
class Source:
    """One catalogued data file; ``name`` is its path relative to the data root.

    Parameters
    ----------
    name
        Data-root relative path, e.g. ``"entsoe-gridkit/buses.csv"``.
    sha256, bytes
        Checksum and size of the file as catalogued.
    licence, licence_flag
        Licence id and its flag (one of :data:`LICENCE_FLAGS`).
    attribution
        Credit line maps and reports must show.
    vintage
        Year or period of the figures.
    url
        Pinned raw address of the byte-identical file (``""`` when none).
    format
        ``csv``, ``geojson``, ``topojson``, ``geotiff``, ``json``, ``netcdf``, ``xlsx``, ...
    dataset
        Top folder of the file (``"entsoe-gridkit"``).
    package, package_path
        Registry release shipping the identical file (``"entsoe-py==0.8.1"`` on PyPI,
        ``"world-atlas@2.0.2"`` on npm) and the file's path inside it.
    archive_url, archive_sha256, archive_member
        Pinned address and checksum of that release's archive (wheel or tarball) and the member
        path inside it; used to download when there is no ``url``.
    crs
        CRS of a spatial file (``"EPSG:4326"``), ``""`` otherwise.
    read_hints
        Reader arguments or notes needed to read the file correctly.
    derived_from
        Upstream inputs of a derived file, as catalogued (raw addresses or ``"pkg==ver:path"``).
    originals
        Catalogue names of the single original a built-in layer reads instead of this file.
    derivation
        One sentence on how the file was derived.
    mirror_only
        True when the file can only come from an explicit path, the cache or the mirror.
    mirror_only_reason
        Why it is mirror-only.
    """

    name: str
    sha256: str
    bytes: int
    licence: str
    licence_flag: str
    attribution: str
    vintage: str
    url: str = ""
    format: str = ""
    dataset: str = ""
    package: str = ""
    package_path: str = ""
    archive_url: str = ""
    archive_sha256: str = ""
    archive_member: str = ""
    crs: str = ""
    read_hints: str = ""
    derived_from: tuple[str, ...] = ()
    originals: tuple[str, ...] = ()
    derivation: str = ""
    mirror_only: bool = False
    mirror_only_reason: str = ""

    @property
    def opt_in_required(self) -> bool:
        """Whether the user must opt in before this source is used."""
        return self.licence_flag in GATED_LICENCE_FLAGS

    @property
    def is_downloadable(self) -> bool:
        """Whether the source has a pinned address (raw file or package archive) to fetch from."""
        return not self.mirror_only and bool(self.url or self.archive_url)

    def as_dict(self) -> dict[str, Any]:  # Any: str, int, bool and list values
        """Return the source as a JSON-serialisable dict (result metadata, ``--json`` output).

        >>> Source("a/b.csv", "00", 1, "CC-BY-4.0", "", "Someone", "2024").as_dict()["name"]
        'a/b.csv'
        """
        data = asdict(self)
        data["derived_from"] = list(self.derived_from)
        data["originals"] = list(self.originals)
        data["opt_in_required"] = self.opt_in_required
        return data


@dataclass(frozen=True)
class SourceStatus:
    """Where a source is available now and what its licence asks (a ``siting data status`` row).

    Parameters
    ----------
    available
        One of :data:`AVAILABILITY`: the first place :meth:`Catalog.path` would take it from.
    where
        The local path, or the address it would be downloaded from, or ``""`` when missing.
    problem
        What stands in the way or deserves a note (checksum mismatch, offline, mirror-only),
        or ``""``.
    """

    name: str
    dataset: str
    available: Availability
    where: str
    mirror_only: bool
    mirror_only_reason: str
    licence: str
    licence_flag: str
    vintage: str
    attribution: str
    opt_in_required: bool
    opted_in: bool
    problem: str = ""

    def as_dict(self) -> dict[str, Any]:  # Any: str and bool values
        """Return the status as a JSON-serialisable dict."""
        return asdict(self)


@dataclass(frozen=True)
class FetchOutcome:
    """What ``fetch_sources`` did for one source.

    Parameters
    ----------
    state
        ``"ok"`` (the file is local and verified), ``"skipped"`` (not attempted: needs an opt-in, or
        mirror-only and not available) or ``"failed"``.
    via
        Where it came from (one of :data:`AVAILABILITY`; ``"downloadable"`` means just downloaded).
    where
        Local path when ``"ok"``, else ``""``.
    message
        Why it was skipped or failed, else ``""``.
    """

    name: str
    state: Literal["ok", "skipped", "failed"]
    via: str
    where: str
    message: str = ""

    def as_dict(self) -> dict[str, str]:
        """Return the outcome as a JSON-serialisable dict."""
        return asdict(self)


def parse_sources(data: Mapping[str, Any]) -> dict[str, Source]:  # Any: parsed TOML
    """Build sources from a parsed ``sources.toml`` (``{"source": [{...}, ...]}``).

    Raises
    ------
    ConfigError
        If an entry has an unknown key, a missing key, or an unknown licence flag.

    Examples
    --------
    >>> entry = {"name": "x/y.csv", "sha256": "ab", "bytes": 2, "licence": "MIT",
    ...          "licence_flag": "", "attribution": "X", "vintage": "2024", "derived_from": []}
    >>> parse_sources({"source": [entry]})["x/y.csv"].bytes
    2
    """
    fields = set(Source.__dataclass_fields__)
    sources: dict[str, Source] = {}
    for entry in data.get("source", []):
        unknown = sorted(set(entry) - fields)
        if unknown:
            msg = (
                f"unknown key(s) {unknown!r} in source {entry.get('name')!r}; "
                f"expected {sorted(fields)}"
            )
            raise ConfigError(msg)
        if entry.get("licence_flag", "") not in LICENCE_FLAGS:
            msg = (
                f"source {entry.get('name')!r} has licence_flag {entry['licence_flag']!r}; "
                f"expected one of {LICENCE_FLAGS}"
            )
            raise ConfigError(msg)
        values = dict(entry)
        values["derived_from"] = tuple(values.get("derived_from", ()))
        values["originals"] = tuple(values.get("originals", ()))
        try:
            source = Source(**values)
        except TypeError as err:
            msg = f"source {entry.get('name')!r} is incomplete: {err}"
            raise ConfigError(msg) from err
        sources[source.name] = source
    return sources


@functools.lru_cache(maxsize=8)
def _load_sources_cached(path: str, mtime_ns: int) -> dict[str, Source]:
    with open(path, "rb") as handle:
        return parse_sources(tomllib.load(handle))


def load_sources(path: Path = SOURCES_FILE) -> dict[str, Source]:
    """Read a source list (default: the project's ``layers/sources.toml``); parsed once per process.

    Raises
    ------
    DataSourceError
        If the file cannot be read or is not valid TOML.
    """
    try:
        mtime_ns = path.stat().st_mtime_ns
        return dict(_load_sources_cached(str(path), mtime_ns))
    except (OSError, tomllib.TOMLDecodeError) as err:
        msg = f"cannot read the source list {str(path)!r}: {err}"
        raise DataSourceError(msg) from err


@functools.lru_cache(maxsize=4096)
def _sha256_cached(path: str, size: int, mtime_ns: int) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        while chunk := handle.read(_READ_CHUNK_BYTES):
            digest.update(chunk)
    return digest.hexdigest()


def sha256_file(path: Path) -> str:
    """Return the hex sha256 of a file; memoised per process by (path, size, mtime).

    Raises
    ------
    OSError
        If the file cannot be read.
    """
    resolved = path.resolve()
    stat = resolved.stat()
    return _sha256_cached(str(resolved), stat.st_size, stat.st_mtime_ns)


def _package_file(source: Source) -> Path | None:
    """Return the file inside an installed Python package, if that package is installed."""
    if not source.package or "==" not in source.package or not source.package_path:
        return None  # npm packages ("name@ver") are never importable
    top, *rest = source.package_path.split("/")
    try:
        spec = importlib.util.find_spec(top)  # a top-level spec is found without importing it
    except (ImportError, ValueError):
        return None
    if spec is None or not spec.submodule_search_locations:
        return None
    for location in spec.submodule_search_locations:
        candidate = Path(location).joinpath(*rest)
        if candidate.is_file():
            return candidate
    return None


def _matches(path: Path, source: Source) -> bool:
    return path.stat().st_size == source.bytes and sha256_file(path) == source.sha256


def _remedy(name: str) -> str:
    return (
        f"set {ENV_MIRROR} to a data mirror folder, run `siting data fetch {name}` "
        "with network access, or give an explicit path"
    )


class _Found(NamedTuple):
    available: Availability
    where: str
    path: Path | None  # None: not usable as it is (download needed, mismatch, missing)
    problem: str


class Catalog:
    """Resolve catalogue names to verified local files, fetching them when needed.

    Parameters
    ----------
    mirror
        Data mirror folder laid out like ``../shared/data``, or None.
    cache_dir
        Cache folder laid out like the data root; default
        ``platformdirs.user_cache_dir("siting")``.
    paths
        Explicit user-given files by catalogue name; they win over everything else.
    opt_in
        Licence flags (``"non-commercial"``, ``"share-alike"``) or source names the user opted into.
    allow_download
        False forbids network access (``SITING_OFFLINE=1``).
    sources
        The source list; default :func:`load_sources` (``layers/sources.toml``).
    url_rewrite
        Maps a pinned address to the address actually fetched (tests point it at 127.0.0.1).
    progressbar
        Show a download progress bar on stderr; None shows it when stderr is a terminal.
    timeout_s
        Network timeout of each download request, seconds.
    """

    def __init__(
        self,
        *,
        mirror: Path | None = None,
        cache_dir: Path | None = None,
        paths: Mapping[str, Path] | None = None,
        opt_in: Iterable[str] = frozenset(),
        allow_download: bool = True,
        sources: Mapping[str, Source] | None = None,
        url_rewrite: Callable[[str], str] | None = None,
        progressbar: bool | None = None,
        timeout_s: float = 60.0,
    ) -> None:
        self.mirror = Path(mirror) if mirror is not None else None
        self.cache_dir = Path(cache_dir or platformdirs.user_cache_dir("siting"))
        self.opt_in = frozenset(opt_in)
        self.allow_download = allow_download
        self._sources = dict(sources) if sources is not None else load_sources()
        self._url_rewrite = url_rewrite
        self._progressbar = progressbar
        self._timeout_s = timeout_s
        explicit = {name: Path(path) for name, path in (paths or {}).items()}
        for name in explicit:
            self.source(name)  # unknown names fail now, naming the bad key
        self.paths: Mapping[str, Path] = explicit

    @classmethod
    def from_env(
        cls,
        *,
        opt_in: Iterable[str] = (),
        paths: Mapping[str, Path] | None = None,
        allow_download: bool = True,
        environ: Mapping[str, str] | None = None,
    ) -> Catalog:
        """Build a catalogue from the ``SITING_DATA_MIRROR``/``_CACHE_DIR``/``_OFFLINE`` variables.

        Parameters
        ----------
        environ
            Environment to read; default ``os.environ``.

        Raises
        ------
        ConfigError
            If ``SITING_DATA_MIRROR`` names something that is not a folder.
        """
        env = os.environ if environ is None else environ
        mirror_value = env.get(ENV_MIRROR, "")
        mirror = Path(mirror_value) if mirror_value else None
        if mirror is not None and not mirror.is_dir():
            msg = f"{ENV_MIRROR}={mirror_value!r} is not a folder; set it to the data mirror folder"
            raise ConfigError(msg)
        cache_value = env.get(ENV_CACHE_DIR, "")
        offline = env.get(ENV_OFFLINE, "").strip().lower() in _TRUE_STRINGS
        return cls(
            mirror=mirror,
            cache_dir=Path(cache_value) if cache_value else None,
            paths=paths,
            opt_in=opt_in,
            allow_download=allow_download and not offline,
        )

    @property
    def names(self) -> tuple[str, ...]:
        """All catalogue names, sorted."""
        return tuple(sorted(self._sources))

    def source(self, name: str) -> Source:
        """Return the catalogue entry ``name``.

        Raises
        ------
        ConfigError
            If ``name`` is not catalogued; the message suggests close matches.
        """
        try:
            return self._sources[name]
        except KeyError:
            close = difflib.get_close_matches(name, list(self._sources), n=3, cutoff=0.6)
            hint = f"; did you mean {', '.join(repr(c) for c in close)}?" if close else ""
            msg = (
                f"unknown data source {name!r}{hint} "
                f"(`siting data status` lists all {len(self._sources)} sources)"
            )
            raise ConfigError(msg) from None

    def sources_for(self, names: Iterable[str]) -> list[Source]:
        """Return the entries for ``names`` in the given order (duplicates dropped).

        Raises
        ------
        ConfigError
            If a name is not catalogued.
        """
        return [self.source(name) for name in dict.fromkeys(names)]

    def names_in(self, datasets: Iterable[str]) -> tuple[str, ...]:
        """Return the sorted names of every source in the given datasets (top folders).

        Raises
        ------
        ConfigError
            If a dataset is not catalogued; the message lists the known datasets.
        """
        wanted = set(datasets)
        known = {source.dataset for source in self._sources.values()}
        unknown = sorted(wanted - known)
        if unknown:
            msg = f"unknown dataset(s) {unknown!r}; expected some of {sorted(known)}"
            raise ConfigError(msg)
        return tuple(name for name in self.names if self._sources[name].dataset in wanted)

    def is_opted_in(self, source: Source) -> bool:
        """Whether the user opted into this source (by its licence flag or its name)."""
        return source.licence_flag in self.opt_in or source.name in self.opt_in

    def check_licence(self, name: str) -> Source:
        """Return the entry ``name`` if its licence lets it be used now.

        Raises
        ------
        LicenceError
            If the source is non-commercial or share-alike and the user has not opted in.
        """
        source = self.source(name)
        if source.opt_in_required and not self.is_opted_in(source):
            how = _OPT_IN_HELP.format(flag=source.licence_flag)
            msg = (
                f"data source {name!r} is licensed {source.licence!r} ({source.licence_flag}) "
                f"and is used only when you opt in: {how}"
            )
            raise LicenceError(msg)
        return source

    def path(self, name: str) -> Path:
        """Return a local, verified path to the file catalogued as ``name``, fetching it if needed.

        Raises
        ------
        ConfigError
            If ``name`` is not catalogued.
        LicenceError
            If the source needs an opt-in the user has not given.
        DataSourceError
            If the file is nowhere to be had, fails its checksum, or cannot be downloaded; the
            message names the file and the remedy.
        """
        source = self.check_licence(name)
        found = self._find(source, repair_cache=True)
        if found.path is not None:
            return found.path
        if found.available == "explicit":
            msg = f"explicit path for data source {name!r} does not exist: {found.where!r}"
            raise DataSourceError(msg)
        if found.available == "mirror":
            raise DataSourceError(found.problem)
        if found.available == "downloadable":
            if not self.allow_download:
                msg = (
                    f"data source {name!r} is not in the cache or the mirror and downloads are "
                    f"disabled ({ENV_OFFLINE}=1); set {ENV_MIRROR} to a data mirror folder, or "
                    f"allow downloads and run `siting data fetch {name}`"
                )
                raise DataSourceError(msg)
            return self._download(source)
        msg = f"data source {name!r} is not available: {found.problem}"
        raise DataSourceError(msg)

    def sha256_of(self, name: str) -> str:
        """Return the sha256 of the file used for ``name`` (for the study lock file).

        The catalogued checksum, which every resolved file except an explicit path is verified
        against; for an explicit path, the checksum of that file as it is.

        Raises
        ------
        ConfigError
            If ``name`` is not catalogued.
        DataSourceError
            If an explicit path cannot be read.
        """
        source = self.source(name)
        explicit = self.paths.get(name)
        if explicit is None:
            return source.sha256
        try:
            return sha256_file(explicit)
        except OSError as err:
            msg = f"cannot read explicit path for data source {name!r}: {err}"
            raise DataSourceError(msg) from err

    def status(self, names: Iterable[str] | None = None) -> list[SourceStatus]:
        """Return where each source is available now (no download, no cache repair).

        Parameters
        ----------
        names
            Catalogue names to report; default every source, sorted by name.

        Raises
        ------
        ConfigError
            If a name is not catalogued.
        """
        rows = []
        for source in self.sources_for(self.names if names is None else names):
            found = self._find(source, repair_cache=False)
            problem = found.problem
            if source.opt_in_required and not self.is_opted_in(source):
                note = "needs opt-in: " + _OPT_IN_HELP.format(flag=source.licence_flag)
                problem = f"{problem}; {note}" if problem else note
            rows.append(
                SourceStatus(
                    name=source.name,
                    dataset=source.dataset,
                    available=found.available,
                    where=found.where,
                    mirror_only=source.mirror_only,
                    mirror_only_reason=source.mirror_only_reason,
                    licence=source.licence,
                    licence_flag=source.licence_flag,
                    vintage=source.vintage,
                    attribution=source.attribution,
                    opt_in_required=source.opt_in_required,
                    opted_in=self.is_opted_in(source),
                    problem=problem,
                )
            )
        return rows

    def _find(self, source: Source, *, repair_cache: bool) -> _Found:
        """Locate ``source`` without downloading; ``repair_cache`` deletes a bad cached copy."""
        name = source.name
        explicit = self.paths.get(name)
        if explicit is not None:
            if not explicit.is_file():
                return _Found("explicit", str(explicit), None, "explicit path does not exist")
            found_sha = sha256_file(explicit)
            note = (
                ""
                if found_sha == source.sha256
                else f"sha256 {found_sha} differs from the catalogued {source.sha256}; "
                "used as given"
            )
            return _Found("explicit", str(explicit), explicit, note)
        notes = []
        cached = self.cache_dir / name
        if cached.is_file():
            if _matches(cached, source):
                return _Found("cache", str(cached), cached, "")
            if repair_cache:
                logger.warning("cached %s fails its checksum; deleting it", cached)
                cached.unlink()
            else:
                notes.append(f"cached copy {str(cached)!r} fails its checksum and will be replaced")
        if self.mirror is not None:
            mirrored = self.mirror / name
            if mirrored.is_file():
                found_sha = sha256_file(mirrored)
                if found_sha == source.sha256:
                    return _Found("mirror", str(mirrored), mirrored, "; ".join(notes))
                problem = (
                    f"checksum mismatch for data source {name!r} in the mirror "
                    f"({str(mirrored)!r}): expected sha256 {source.sha256}, found {found_sha}; "
                    f"restore the file from its PROVENANCE.md, point {ENV_MIRROR} at a good "
                    f"copy, or give an explicit path"
                )
                return _Found("mirror", str(mirrored), None, problem)
        installed = _package_file(source)
        if installed is not None:
            if _matches(installed, source):
                return _Found("package", str(installed), installed, "; ".join(notes))
            notes.append(f"installed {str(installed)!r} differs from {source.package}")
        if source.is_downloadable:
            where = source.url or f"{source.archive_url}#{source.archive_member}"
            if not self.allow_download:
                notes.append(f"downloads are disabled ({ENV_OFFLINE}=1)")
            return _Found("downloadable", where, None, "; ".join(notes))
        if source.mirror_only:
            notes.append(
                f"mirror-only ({source.mirror_only_reason}); set {ENV_MIRROR} to a data mirror "
                "folder or give an explicit path"
            )
        else:
            notes.append(f"no download address; {_remedy(name)}")
        return _Found("missing", "", None, "; ".join(notes))

    def _downloader(self) -> pooch.HTTPDownloader:
        progressbar = sys.stderr.isatty() if self._progressbar is None else self._progressbar
        return pooch.HTTPDownloader(progressbar=progressbar, timeout=self._timeout_s)

    def _address(self, url: str) -> str:
        return self._url_rewrite(url) if self._url_rewrite is not None else url

    def _retrieve(self, url: str, sha256: str, target: Path, *, name: str) -> Path:
        """Download ``url`` to ``target`` via pooch (temporary file, sha256 check, rename)."""
        address = self._address(url)
        try:
            fetched = pooch.retrieve(
                address,
                known_hash=f"sha256:{sha256}",
                fname=target.name,
                path=target.parent,
                downloader=self._downloader(),
            )
        except ValueError as err:  # pooch: the downloaded file's hash differs
            msg = (
                f"checksum mismatch downloading data source {name!r} from {address!r}: {err}; "
                f"the upstream file changed or the transfer was corrupted: retry "
                f"`siting data fetch {name}`, or set {ENV_MIRROR} to a data mirror folder"
            )
            raise DataSourceError(msg) from err
        except OSError as err:  # requests' errors derive from OSError: refused, timeout, truncated
            msg = (
                f"cannot download data source {name!r} from {address!r} "
                f"({type(err).__name__}: {err}); check the network, or {_remedy(name)}"
            )
            raise DataSourceError(msg) from err
        return Path(fetched)

    def _download(self, source: Source) -> Path:
        """Fetch ``source`` into the cache and return its path (never leaves a partial file)."""
        target = self.cache_dir / source.name
        logger.info("fetching %s", source.name)
        if source.url:
            return self._retrieve(source.url, source.sha256, target, name=source.name)
        archive_name = source.archive_url.rsplit("/", 1)[-1]
        archive = self._retrieve(
            source.archive_url,
            source.archive_sha256,
            self.cache_dir / ".archives" / archive_name,
            name=source.name,
        )
        try:
            self._extract_member(archive, source, target)
        finally:
            archive.unlink(missing_ok=True)
        return target

    def _extract_member(self, archive: Path, source: Source, target: Path) -> None:
        """Copy one archive member to ``target`` through a temporary file, checking its sha256."""
        target.parent.mkdir(parents=True, exist_ok=True)
        digest = hashlib.sha256()
        with tempfile.NamedTemporaryFile(dir=target.parent, delete=False, suffix=".part") as tmp:
            tmp_path = Path(tmp.name)
            try:
                with contextlib.ExitStack() as stack:
                    member = _open_member(stack, archive, source.archive_member, name=source.name)
                    while chunk := member.read(_READ_CHUNK_BYTES):
                        digest.update(chunk)
                        tmp.write(chunk)
            except BaseException:
                tmp.close()
                tmp_path.unlink(missing_ok=True)
                raise
        if digest.hexdigest() != source.sha256:
            tmp_path.unlink(missing_ok=True)
            msg = (
                f"checksum mismatch for data source {source.name!r} extracted from "
                f"{source.archive_url!r}: expected sha256 {source.sha256}, found "
                f"{digest.hexdigest()}; set {ENV_MIRROR} to a data mirror folder"
            )
            raise DataSourceError(msg)
        tmp_path.replace(target)


def fetch_sources(catalog: Catalog, names: Sequence[str] | None = None) -> list[FetchOutcome]:
    """Make sources local and verified (``siting data fetch``): cache, mirror, package or download.

    Parameters
    ----------
    catalog
        The catalogue to resolve through (its opt-ins and download setting apply).
    names
        Sources to fetch. Every name is checked (known, licence opted into) before anything is
        fetched. None fetches every source, skipping those that need an opt-in not given and
        mirror-only ones that are not available.

    Returns
    -------
    list of FetchOutcome
        One per source, in the order fetched; a failure does not stop the others.

    Raises
    ------
    ConfigError
        If a given name is not catalogued.
    LicenceError
        If a given name needs an opt-in that was not given.
    """
    explicit = names is not None
    if names is not None:
        for name in names:
            catalog.check_licence(name)
    todo = list(dict.fromkeys(names)) if names is not None else list(catalog.names)
    outcomes = []
    for name in todo:
        source = catalog.source(name)
        found = catalog._find(source, repair_cache=False)
        if not explicit and source.opt_in_required and not catalog.is_opted_in(source):
            flag = source.licence_flag
            message = "needs opt-in: " + _OPT_IN_HELP.format(flag=flag)
            outcomes.append(FetchOutcome(name, "skipped", found.available, "", message))
            continue
        if not explicit and found.available == "missing" and source.mirror_only:
            outcomes.append(FetchOutcome(name, "skipped", "missing", "", found.problem))
            continue
        try:
            path = catalog.path(name)
        except DataSourceError as err:
            outcomes.append(FetchOutcome(name, "failed", found.available, "", str(err)))
            continue
        outcomes.append(FetchOutcome(name, "ok", found.available, str(path)))
    return outcomes


def _open_member(
    stack: contextlib.ExitStack, archive: Path, member: str, *, name: str
) -> IO[bytes]:
    """Open ``member`` of a zip (wheel) or tar (npm .tgz) archive; ``stack`` closes everything."""
    try:
        if zipfile.is_zipfile(archive):
            zipped = stack.enter_context(zipfile.ZipFile(archive))
            return stack.enter_context(zipped.open(member))
        tar = stack.enter_context(tarfile.open(archive, "r:*"))  # noqa: SIM115
        handle = tar.extractfile(member)
        if handle is None:
            raise KeyError(member)
        return stack.enter_context(handle)
    except (KeyError, tarfile.TarError, zipfile.BadZipFile) as err:
        msg = f"archive {str(archive)!r} has no readable member {member!r} for data source {name!r}"
        raise DataSourceError(msg) from err
