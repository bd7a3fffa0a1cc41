"""The one table mapping siting errors to HTTP status codes (STYLE E5), and the error body.

Bad input is a 4xx: ``ConfigError`` (and ``LicenceError``), ``CandidatesError``, ``CRSError`` and
``LayerDataError`` are 422, ``LayerNotFoundError`` is 404, ``DataSourceError`` (a data file
missing or unverifiable on the server) is 503. Anything else is a 500 and a bug. Service limits
use their own statuses: 401 (no or unknown key), 404 (no such study for this key), 408 (request
time limit), 409 (results not ready), 413 (body or candidate count too large), 429 (too many
jobs or all workers busy).

>>> from siting.errors import CandidatesError, LicenceError, SitingError
>>> status_for(CandidatesError("x")), status_for(LicenceError("x")), status_for(SitingError("x"))
(422, 422, 500)
"""

from __future__ import annotations

from siting.errors import (
    CandidatesError,
    ConfigError,
    CRSError,
    DataSourceError,
    LayerDataError,
    LayerNotFoundError,
)

__all__ = ["ERROR_STATUS", "INTERNAL_ERROR_STATUS", "ApiError", "error_body", "status_for"]

ERROR_STATUS: dict[type[Exception], int] = {
    ConfigError: 422,
    CandidatesError: 422,
    CRSError: 422,
    LayerDataError: 422,
    LayerNotFoundError: 404,
    DataSourceError: 503,
}
"""HTTP status per error class; a subclass takes its nearest listed ancestor's status."""

INTERNAL_ERROR_STATUS = 500


def status_for(err: BaseException) -> int:
    """Return the HTTP status of an error: its nearest class in :data:`ERROR_STATUS`, else 500."""
    for cls in type(err).__mro__:
        status = ERROR_STATUS.get(cls)
        if status is not None:
            return status
    return INTERNAL_ERROR_STATUS


def error_body(kind: str, message: str) -> dict[str, str]:
    """Return the JSON body of every error response: ``{"error": kind, "detail": message}``."""
    return {"error": kind, "detail": message}


class ApiError(Exception):
    """An HTTP error answer with its status, kind and one-line message.

    Parameters
    ----------
    status
        HTTP status code.
    kind
        Short machine-readable kind (``"ConfigError"``, ``"limit"``, ``"not_found"``, ...).
    message
        One line naming the bad value and what was expected.
    headers
        Extra response headers (``Retry-After``, ``WWW-Authenticate``).
    """

    def __init__(
        self, status: int, kind: str, message: str, headers: dict[str, str] | None = None
    ) -> None:
        super().__init__(message)
        self.status = status
        self.kind = kind
        self.message = message
        self.headers = headers or {}
