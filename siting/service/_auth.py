"""API keys: hashed once, checked per request; each key's studies are owned by its hash."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable

from siting.service.errors import ApiError

__all__ = ["ANONYMOUS", "KeyRing", "hash_key"]

ANONYMOUS = ""
"""Owner of every study when the server runs without API keys."""


def hash_key(key: str) -> str:
    """Return the SHA-256 hex digest of an API key (what the server keeps and stores).

    >>> hash_key("abc")[:16]
    'ba7816bf8f01cfea'
    """
    return hashlib.sha256(key.encode("utf-8")).hexdigest()


class KeyRing:
    """The set of accepted keys, held only as hashes.

    Parameters
    ----------
    keys
        The configured keys; empty means anonymous access (owner :data:`ANONYMOUS`).
    """

    def __init__(self, keys: Iterable[str]) -> None:
        self._hashes = frozenset(hash_key(k) for k in keys)

    @property
    def is_enabled(self) -> bool:
        """Whether keys are required."""
        return bool(self._hashes)

    def owner(self, scheme: str | None, credentials: str | None) -> str:
        """Return the owner id (key hash) for a request's ``Authorization`` header parts.

        Raises
        ------
        ApiError
            401 when keys are configured and the header is missing, not ``Bearer`` or unknown.
        """
        if not self.is_enabled:
            return ANONYMOUS
        challenge = {"WWW-Authenticate": "Bearer"}
        if not credentials or (scheme or "").lower() != "bearer":
            msg = "missing API key; send it as 'Authorization: Bearer KEY'"
            raise ApiError(401, "unauthorized", msg, challenge)
        digest = hash_key(credentials)
        if digest not in self._hashes:
            raise ApiError(401, "unauthorized", "unknown API key", challenge)
        return digest
