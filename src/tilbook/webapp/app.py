"""The web app: the log's pages, always current, plus search, capture, edit, review.

A thin shell over the library, like the CLI: every action calls the same
function the matching command calls. Pages are the static site's templates;
the app adds its own few (search as you type, capture, edit, agenda,
questions, review) on the same base layout. Works without JavaScript (plain
forms); the small script in /static/app.js adds live search, live preview,
keyboard review and reload on change.
"""

from __future__ import annotations

import asyncio
import contextlib
import threading
import time
import weakref
from collections.abc import AsyncIterator, Callable
from datetime import date
from pathlib import Path
from typing import Any

import anyio
import anyio.to_thread
from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import (
    FileResponse,
    HTMLResponse,
    JSONResponse,
    PlainTextResponse,
    RedirectResponse,
    Response,
    StreamingResponse,
)
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles

from tilbook.errors import CsrfError, TilbookError
from tilbook.webapp.security import (
    LOCAL_HOSTS,
    Csrf,
    LocalOnlyMiddleware,
    confined_path,
)
from tilbook.webapp.state import LogState

STATIC = Path(__file__).parent / "static"
NOTE_MEDIA = {
    ".png": "image/png",
    ".jpg": "image/jpeg",
    ".jpeg": "image/jpeg",
    ".gif": "image/gif",
    ".webp": "image/webp",
    ".avif": "image/avif",
    ".bmp": "image/bmp",
    ".ico": "image/x-icon",
    ".pdf": "application/pdf",
    ".mp3": "audio/mpeg",
    ".ogg": "audio/ogg",
    ".wav": "audio/wav",
    ".mp4": "video/mp4",
    ".webm": "video/webm",
}
"""What notes may show from their folder (by extension; anything else, HTML above all, 404s)."""
FAVICON = (
    '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 32 32">'
    '<rect x="3" y="2" width="26" height="28" rx="4" fill="#0b63c9"/>'
    '<rect x="7" y="2" width="2.5" height="28" fill="#08498f"/>'
    '<path d="M14 10h10M14 15.5h10M14 21h6" stroke="#fff" stroke-width="2.6" '
    'stroke-linecap="round"/></svg>\n'
)
"""The app's icon: a notebook, drawn here so that no request leaves this machine."""


def create_app(
    root: Path, *, allowed_hosts: frozenset[str] = LOCAL_HOSTS, watch: bool = True
) -> Any:
    """The ASGI app serving the log folder `root`."""
    from tilbook.webapp import pages

    state = LogState(root)
    csrf = Csrf(allowed_hosts)
    state.sync()

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        state.changed = asyncio.Event()
        task = asyncio.create_task(_watch(state)) if watch else None
        try:
            yield
        finally:
            if task is not None:
                task.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await task

    def view(handler: Callable[..., Any]) -> Callable[[Request], Any]:
        """Wrap a page handler: CSRF for POSTs, tilbook errors as clear pages."""

        async def endpoint(request: Request) -> Response:
            try:
                if request.method == "POST":
                    await csrf.check(request)
                    await request.form()  # read here; the handler gets it from the request
                # In a worker thread, so that requests are served concurrently: the
                # server's event loop only moves bytes (see `_run_in_thread`).
                return await anyio.to_thread.run_sync(
                    _run_in_thread, handler, request, state, csrf, limiter=_limiter()
                )
            except (CsrfError, TilbookError) as error:  # a page that says what to do
                return pages.error_response(request, state, csrf, error)

        return endpoint

    async def not_found(request: Request, error: Exception) -> Response:
        if isinstance(error, HTTPException) and error.status_code != 404:
            return PlainTextResponse(error.detail, status_code=error.status_code)
        return pages.not_found(request, state, csrf)

    async def server_error(request: Request, error: Exception) -> Response:
        return pages.server_error(request, state, csrf)

    async def events(request: Request) -> Response:
        """Server-sent events: the notes' version, whenever it changes."""

        async def stream() -> AsyncIterator[str]:
            sent = -1
            yield "retry: 2000\n\n"
            while True:
                if state.version != sent:
                    sent = state.version
                    yield f"data: {sent}\n\n"
                assert state.changed is not None
                try:
                    await asyncio.wait_for(state.changed.wait(), timeout=15)
                except TimeoutError:
                    yield ": keep-alive\n\n"
                if await request.is_disconnected():
                    break

        return StreamingResponse(stream(), media_type="text/event-stream")

    async def note_file(request: Request) -> Response:
        """A file of the notes folder (an image a note shows), never one outside it."""
        target = confined_path(state.root, request.path_params["path"])
        if target is None or target.suffix.lower() not in NOTE_MEDIA or _ignored(target):
            raise HTTPException(404)
        response = FileResponse(target, media_type=NOTE_MEDIA[target.suffix.lower()])
        response.headers["content-security-policy"] = "sandbox; default-src 'none'"
        return response

    def _ignored(target: Path) -> bool:
        """A file `.tilbookignore` (or the `ignore` setting) leaves out: never served."""
        from tilbook.notes.files import ignore_rule
        from tilbook.settings import load_settings

        relative = target.relative_to(state.root.resolve()).as_posix()
        return ignore_rule(state.root, tuple(load_settings(state.root)["ignore"]))(relative, False)

    async def favicon(request: Request) -> Response:
        """The app's icon (at /favicon.ico too, where tools look without reading a page)."""
        return Response(
            FAVICON, media_type="image/svg+xml", headers={"cache-control": "max-age=86400"}
        )

    routes = [
        Route("/", view(pages.home)),
        Route("/favicon.svg", favicon),
        Route("/favicon.ico", favicon),
        Route("/search", view(pages.search_page)),
        Route("/api/search", view(pages.search_api)),
        Route("/entry/{entry_id}", view(pages.entry_page)),
        Route("/entry/{entry_id}/edit", view(pages.edit_page), methods=["GET", "POST"]),
        Route("/api/preview", view(pages.preview_api), methods=["POST"]),
        Route("/add", view(pages.add_page), methods=["GET", "POST"]),
        Route("/todo", view(pages.todo_page)),
        Route("/todo/{todo_id}/done", view(pages.todo_done), methods=["POST"]),
        Route("/todo/undo/{token}", view(pages.todo_undo), methods=["POST"]),
        Route("/questions", view(pages.questions_page)),
        Route("/questions/{question_id}/answer", view(pages.answer), methods=["POST"]),
        Route("/review", view(pages.review_page)),
        Route("/review/{card_key}/rate", view(pages.rate), methods=["POST"]),
        Route("/events", events),
        Route("/files/{path:path}", note_file),
        Route("/media/{path:path}", note_file),
        Mount("/static", StaticFiles(directory=STATIC), name="static"),
        Route("/{path:path}", view(pages.site_page)),
    ]
    app = Starlette(
        routes=routes,
        lifespan=lifespan,
        exception_handlers={404: not_found, 500: server_error},
    )
    app.state.log = state
    app.state.csrf = csrf
    return LocalOnlyMiddleware(app, allowed_hosts=allowed_hosts)


_THREAD = threading.local()
PAGE_THREADS = 24
"""Requests served at once (each thread keeps its own connection to the index). The work
is mostly Python, so the threads take turns on one CPU; there are enough of them that a
search is not kept waiting while pages wait for the site to be made again after a change."""
_LIMITERS: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, anyio.CapacityLimiter] = (
    weakref.WeakKeyDictionary()
)


def _limiter() -> anyio.CapacityLimiter:
    """The page threads' limiter, one per event loop (made on its first request)."""
    loop = asyncio.get_running_loop()
    limiter = _LIMITERS.get(loop)
    if limiter is None:
        limiter = _LIMITERS[loop] = anyio.CapacityLimiter(PAGE_THREADS)
    return limiter


def _run_in_thread(handler: Callable[..., Any], *args: Any) -> Any:
    """Run a page handler to its end in this worker thread, on the thread's own event
    loop. Handlers do their work synchronously (the index, the notes, templates) and await
    nothing but the request's form, which the endpoint has already read; each thread keeps
    its own connection to the index (`LogState.store`), and SQLite's WAL lets them read
    while a re-index writes."""
    loop = getattr(_THREAD, "loop", None)
    if loop is None:
        loop = _THREAD.loop = asyncio.new_event_loop()
    return loop.run_until_complete(handler(*args))


async def _watch(state: LogState) -> None:
    """Re-index changed notes as they change on disk (watchfiles), and tell the pages."""
    from watchfiles import Change, awatch

    from tilbook.notes.files import watched

    def relevant(change: Change, path: str) -> bool:
        return watched(state.root, path)

    async for _ in awatch(state.root, watch_filter=relevant, debounce=300, step=100):
        changed = await asyncio.to_thread(state.sync)
        if changed and "site_view" in state.__dict__:
            # The site's pages for the new version, made before the pages are told to
            # reload (meanwhile they are served as they were).
            from tilbook.webapp.site_pages import site_view

            await asyncio.to_thread(site_view, state)
        if changed and state.changed is not None:
            state.changed.set()
            state.changed = asyncio.Event()


def today() -> date:
    return date.today()


def now() -> float:
    return time.time()


def redirect(url: str) -> RedirectResponse:
    return RedirectResponse(url, status_code=303)


def json_response(data: Any, status: int = 200) -> JSONResponse:
    return JSONResponse(data, status_code=status)


def html_response(text: str, status: int = 200) -> HTMLResponse:
    return HTMLResponse(text, status_code=status)
