"""One error hierarchy for siting, rooted at :class:`SitingError`.

Every error the project raises on purpose derives from ``SitingError`` and, where one fits, from
the matching builtin so callers can also catch ``ValueError``/``LookupError``/``OSError``.
The CLI maps ``ConfigError``, ``CRSError`` and ``CandidatesError`` to exit code 2 (bad input) and
any other ``SitingError`` to exit code 1; the HTTP service maps them to status codes in one table.
"""

from __future__ import annotations

__all__ = [
    "CRSError",
    "CRSMismatchError",
    "CandidatesError",
    "ConfigError",
    "DataSourceError",
    "LayerDataError",
    "LayerNotFoundError",
    "LicenceError",
    "SitingError",
    "SitingWarning",
]


class SitingError(Exception):
    """Root of every error raised by siting on purpose."""


class ConfigError(SitingError, ValueError):
    """A study, option or request is invalid (bad key, value, type or combination)."""


class CandidatesError(SitingError, ValueError):
    """A candidates file or generated candidate set is unusable (missing, empty, bad geometry)."""


class CRSError(SitingError, ValueError):
    """A coordinate reference system is missing or cannot be understood."""


class CRSMismatchError(CRSError):
    """Two inputs that must share a CRS do not."""


class LayerNotFoundError(SitingError, LookupError):
    """A layer or attribute key that does not exist was asked for."""


class LayerDataError(SitingError, ValueError):
    """A layer's data file has the wrong columns, units or content."""


class DataSourceError(SitingError, OSError):
    """A data file cannot be found, fetched or verified."""


class LicenceError(ConfigError):
    """A source whose licence needs an explicit opt-in was requested without it."""


class SitingWarning(UserWarning):
    """Base class of siting's warnings (e.g. an AHP consistency ratio above 0.1)."""
