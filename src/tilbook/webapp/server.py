"""The HTTP server under the web app: uvicorn, with limits a long-running local server needs.

uvicorn closes idle keep-alive connections, but waits forever for a client that
sends its request a byte at a time. Here a request must arrive whole within
`request_timeout` seconds of the connection opening (or of the previous response),
and at most `max_connections` are served at once; past that, new requests get
503 at once instead of waiting. A streaming response (the page-reload events)
is not affected: its request arrived whole.
"""

from __future__ import annotations

import asyncio
from typing import Any

import h11
import uvicorn
from uvicorn.protocols.http.h11_impl import H11Protocol

REQUEST_TIMEOUT = 10.0
"""Seconds a client has to send a whole request (head and body)."""
KEEP_ALIVE_TIMEOUT = 5
"""Seconds an idle connection is kept open after a response."""
MAX_CONNECTIONS = 512


class TimedH11Protocol(H11Protocol):
    """uvicorn's h11 protocol, closing connections whose request is too slow to arrive."""

    request_timeout = REQUEST_TIMEOUT

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._request_deadline: asyncio.TimerHandle | None = None

    def _arm_request_deadline(self) -> None:
        self._cancel_request_deadline()
        self._request_deadline = self.loop.call_later(self.request_timeout, self._request_too_slow)

    def _cancel_request_deadline(self) -> None:
        if self._request_deadline is not None:
            self._request_deadline.cancel()
            self._request_deadline = None

    def _request_too_slow(self) -> None:
        self._request_deadline = None
        if self.transport.is_closing():
            return
        if self.conn.their_state in (h11.IDLE, h11.SEND_BODY):
            # The request (or its body) did not arrive in time: let the socket go.
            self.transport.close()

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        self._arm_request_deadline()

    def connection_lost(self, exc: Exception | None) -> None:
        self._cancel_request_deadline()
        super().connection_lost(exc)

    def on_response_complete(self) -> None:
        super().on_response_complete()
        if not self.transport.is_closing():
            self._arm_request_deadline()


def server_config(
    app: Any,
    *,
    host: str,
    port: int,
    request_timeout: float = REQUEST_TIMEOUT,
    max_connections: int = MAX_CONNECTIONS,
) -> uvicorn.Config:
    """uvicorn's configuration for the web app, with the limits above."""
    protocol = type("Protocol", (TimedH11Protocol,), {"request_timeout": request_timeout})
    return uvicorn.Config(
        app,
        host=host,
        port=port,
        http=protocol,
        log_level="warning",
        access_log=False,
        timeout_keep_alive=KEEP_ALIVE_TIMEOUT,
        limit_concurrency=max_connections,
        timeout_graceful_shutdown=3,
    )
