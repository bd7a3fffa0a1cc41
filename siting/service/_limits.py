"""ASGI middleware capping the request body size (413 before the app sees the request)."""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

from siting.service.errors import error_body

__all__ = ["BodyLimitMiddleware"]

Scope = MutableMapping[str, Any]  # Any: ASGI scope values
Message = MutableMapping[str, Any]  # Any: ASGI message values
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
App = Callable[[Scope, Receive, Send], Awaitable[None]]


class BodyLimitMiddleware:
    """Refuse bodies over ``max_body_bytes`` with 413, whether announced or streamed.

    The body is read in full (it is bounded) and replayed to the app, so the app never
    starts on a request that will turn out too large.

    Parameters
    ----------
    app
        The ASGI app.
    max_body_bytes
        Largest accepted body, bytes.
    """

    def __init__(self, app: App, max_body_bytes: int) -> None:
        self.app = app
        self.max_body_bytes = max_body_bytes

    async def _refuse(self, send: Send, size: str) -> None:
        message = (
            f"request body of {size} bytes exceeds the limit of {self.max_body_bytes} bytes "
            "(SITING_MAX_BODY_BYTES); send fewer candidates or submit a study job"
        )
        body = json.dumps(error_body("limit", message)).encode()
        headers = [(b"content-type", b"application/json"), (b"connection", b"close")]
        headers.append((b"content-length", str(len(body)).encode()))
        await send({"type": "http.response.start", "status": 413, "headers": headers})
        await send({"type": "http.response.body", "body": body})

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Handle one ASGI connection scope."""
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        for name, value in scope["headers"]:
            if name == b"content-length" and value.isdigit() and int(value) > self.max_body_bytes:
                await self._refuse(send, value.decode())
                return
        body = bytearray()
        more = True
        while more:
            message = await receive()
            if message["type"] != "http.request":  # client went away
                return
            body += message.get("body", b"")
            more = bool(message.get("more_body", False))
            if len(body) > self.max_body_bytes:
                await self._refuse(send, f"more than {self.max_body_bytes}")
                return
        replayed = False

        async def replay() -> Message:
            nonlocal replayed
            if not replayed:
                replayed = True
                return {"type": "http.request", "body": bytes(body), "more_body": False}
            return await receive()

        await self.app(scope, replay, send)
