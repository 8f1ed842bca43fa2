"""What keeps a local web app over private notes safe.

- Only requests addressed to this machine by name are served (`localhost`,
  `127.0.0.1`, `[::1]`, plus hosts the user allowed): a page on another site
  that rebinds its DNS name to 127.0.0.1 gets 403 (DNS rebinding).
- Every response forbids inline scripts and foreign content (CSP), framing
  and sniffing.
- Every state-changing request is a POST carrying the page's CSRF token, and
  its Origin, when sent, must be one of the allowed hosts.
- Paths to note files are resolved and must stay inside the notes folder.
"""

from __future__ import annotations

import hmac
import secrets
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from starlette.requests import Request
from starlette.responses import PlainTextResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from tilbook.errors import CsrfError

LOCAL_HOSTS = frozenset({"localhost", "127.0.0.1", "::1"})

CONTENT_SECURITY_POLICY = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        "font-src 'self'",
        "connect-src 'self'",
        "object-src 'none'",
        "base-uri 'none'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ]
)
SECURITY_HEADERS = [
    (b"content-security-policy", CONTENT_SECURITY_POLICY.encode()),
    (b"x-content-type-options", b"nosniff"),
    (b"x-frame-options", b"DENY"),
    # Not `no-referrer`: with it, browsers send `Origin: null` on same-origin form POSTs,
    # which the Origin check must refuse. `same-origin` still sends nothing to other sites.
    (b"referrer-policy", b"same-origin"),
    (b"cross-origin-opener-policy", b"same-origin"),
    (b"cross-origin-resource-policy", b"same-origin"),
]


def host_name(value: str) -> str:
    """The host part of a Host header: `[::1]:8000` → `::1`, `Example:80` → `example`."""
    value = value.strip().lower()
    if value.startswith("["):
        end = value.find("]")
        return value[1:end] if end != -1 else ""
    return value.rsplit(":", 1)[0] if value.count(":") == 1 else value


class LocalOnlyMiddleware:
    """Refuse requests for other host names; add the security headers to every response."""

    def __init__(self, app: ASGIApp, *, allowed_hosts: frozenset[str] = LOCAL_HOSTS) -> None:
        self.app = app
        self.allowed_hosts = frozenset(host_name(h) for h in allowed_hosts) | LOCAL_HOSTS

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] not in ("http", "websocket"):
            await self.app(scope, receive, send)
            return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                message.setdefault("headers", [])
                existing = {name.lower() for name, _ in message["headers"]}
                message["headers"] = list(message["headers"]) + [
                    (name, value) for name, value in SECURITY_HEADERS if name not in existing
                ]
            await send(message)

        headers = dict(scope.get("headers") or [])
        host = host_name(headers.get(b"host", b"").decode("latin-1"))
        if host not in self.allowed_hosts:
            response = PlainTextResponse(
                "This tilbook server only answers requests for localhost.", status_code=403
            )
            await response(scope, receive, send_with_headers)
            return
        await self.app(scope, receive, send_with_headers)


class Csrf:
    """One secret per server run; pages carry it, POSTs must send it back."""

    def __init__(self, allowed_hosts: frozenset[str] = LOCAL_HOSTS) -> None:
        self.token = secrets.token_urlsafe(32)
        self.allowed_hosts = frozenset(host_name(h) for h in allowed_hosts) | LOCAL_HOSTS

    async def check(self, request: Request) -> None:
        if request.method != "POST":
            raise CsrfError("state-changing requests must be POST")
        origin = request.headers.get("origin")
        if origin is not None:
            parts = urlsplit(origin)
            if origin == "null" or (parts.hostname or "").lower() not in self.allowed_hosts:
                raise CsrfError(f"requests from {origin} are not allowed")
        sent = request.headers.get("x-csrf-token")
        if sent is None:
            form = await request.form()
            value: Any = form.get("csrf_token")
            sent = value if isinstance(value, str) else None
        if not sent or not hmac.compare_digest(sent, self.token):
            raise CsrfError("missing or wrong CSRF token: reload the page and try again")


def confined_path(root: Path, relative: str) -> Path | None:
    """`relative` resolved inside `root`, or None when it would leave it (or is hidden)."""
    if "\x00" in relative:
        return None
    parts = [part for part in relative.replace("\\", "/").split("/") if part not in ("", ".")]
    if any(part.startswith(".") for part in parts):
        return None  # no `..`, no `.tilbook/`, no hidden files
    try:
        target = (root / "/".join(parts)).resolve(strict=True)
    except (OSError, RuntimeError):
        return None
    if not target.is_relative_to(root.resolve()) or not target.is_file():
        return None
    return target
