"""The web app's pages: each one a thin call into the library and a template."""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING, Any

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, RedirectResponse, Response

from tilbook.errors import TilbookError
from tilbook.webapp.templating import app_link, environment

if TYPE_CHECKING:
    from tilbook.webapp.security import Csrf
    from tilbook.webapp.state import LogState

MAX_TEXT = 200_000
"""Longest entry text accepted from a form (characters)."""


def render(
    request: Request,
    state: LogState,
    csrf: Csrf,
    template: str,
    status: int = 200,
    **context: Any,
) -> HTMLResponse:
    from tilbook.settings import load_settings

    settings = load_settings(state.root)
    text = (
        environment()
        .get_template(template)
        .render(
            **context,
            link=app_link,
            root="/",
            pretty=True,
            app={"csrf": csrf.token, "version": state.version, "path": request.url.path},
            site={
                "title": settings["site_title"] if "site_title" in settings.values else "tilbook",
                "language": settings["site_language"]
                if "site_language" in settings.values
                else "en",
                "base_url": "",
            },
        )
    )
    return HTMLResponse(text, status_code=status)


def error_page(
    request: Request, state: LogState, csrf: Csrf, message: str, status: int
) -> Response:
    return render(request, state, csrf, "app_error.html", status, title="Not done", message=message)


async def _form(request: Request) -> dict[str, str]:
    form = await request.form()
    result: dict[str, str] = {}
    for key, value in form.multi_items():
        if isinstance(value, str):
            if len(value) > MAX_TEXT:
                raise TilbookError(f"{key} is too long ({len(value)} characters)")
            result[key] = value
    return result


def _redirect(url: str) -> RedirectResponse:
    return RedirectResponse(url, status_code=303)


# -- search ------------------------------------------------------------------------------------


def _search(state: LogState, text: str, limit: int) -> list[dict[str, Any]]:
    from tilbook.store.query import parse_query

    if not text.strip():
        return []
    return [hit.to_dict() for hit in state.store().search(parse_query(text[:2000]), limit=limit)]


async def search_page(request: Request, state: LogState, csrf: Csrf) -> Response:
    text = request.query_params.get("q", "")
    hits = _search(state, text, 50)
    return render(request, state, csrf, "app_search.html", title="Search", q=text, hits=hits)


async def search_api(request: Request, state: LogState, csrf: Csrf) -> Response:
    text = request.query_params.get("q", "")
    try:
        limit = max(1, min(int(request.query_params.get("limit", "20")), 100))
    except ValueError:
        limit = 20
    return JSONResponse({"q": text, "hits": _search(state, text, limit)})


# -- entries, editing ----------------------------------------------------------------------------


def _local_url(url: str, image: bool) -> str | None:
    """Relative links in notes point at /files/, where paths are checked again."""
    return "/files/" + url.lstrip("./")


async def entry_page(request: Request, state: LogState, csrf: Csrf) -> Response:
    """An entry by id: its page at the site's permalink."""
    from tilbook.webapp.site_pages import entry_url

    entry = state.store().entry(request.path_params["entry_id"])
    url = entry_url(state, entry.id)
    if url is None:
        raise HTTPException(404)
    return _redirect(app_link(url))


def _entry_moved(state: LogState, form: dict[str, str]) -> Any:
    """The entry the editor showed, found again by its place after its id changed.

    An entry's id comes from its opening words: when they are edited on disk while the
    editor is open, the id is gone from the index. The form's file and line (looked up
    in the index only, never opened as a path) find the entry now nearest that line.
    """
    from tilbook.store.base import EntryFilter

    try:
        line = int(form.get("line", ""))
    except ValueError:
        return None
    source = form.get("source", "")
    candidates = state.store().entries(EntryFilter(source=source)) if source else []
    if not candidates:
        return None
    nearest = min(candidates, key=lambda summary: abs(summary.line - line))
    return state.store().entry(nearest.id)


async def edit_page(request: Request, state: LogState, csrf: Csrf) -> Response:
    from tilbook.errors import EditConflict, EntryNotFound
    from tilbook.features.editing import entry_source, save_entry_source

    store = state.store()
    moved = None
    try:
        entry = store.entry(request.path_params["entry_id"])
    except EntryNotFound:
        moved = _entry_moved(state, await _form(request)) if request.method == "POST" else None
        if moved is None:
            raise
        entry = moved
    source = entry_source(state.root, entry)
    if request.method == "GET":
        return render(
            request,
            state,
            csrf,
            "app_edit.html",
            title=f"Edit: {entry.title}",
            entry=entry,
            markdown=source.markdown,
            version=source.version,
            conflict=None,
        )
    form = await _form(request)
    markdown = form.get("markdown", "")
    if moved is not None and form.get("version") == source.version:
        # Found by place in an unchanged file: only ever shown as a conflict, never saved to.
        raise EntryNotFound(f"no entry with id {request.path_params['entry_id']!r}")
    try:
        saved = save_entry_source(state.root, source, markdown, form.get("version", ""))
    except EditConflict as conflict:
        return render(
            request,
            state,
            csrf,
            "app_edit.html",
            409,
            title=f"Edit: {entry.title}",
            entry=entry,
            markdown=conflict.yours,
            version=conflict.version,
            conflict={"message": str(conflict), "theirs": conflict.theirs},
        )
    state.sync()
    from tilbook.features.capture import entry_at

    found = entry_at(state.store(), saved.source, saved.line)
    return _redirect(f"/entry/{found.id}" if found else "/")


async def preview_api(request: Request, state: LogState, csrf: Csrf) -> Response:
    from tilbook.render.html import render_markdown

    form = await _form(request)
    rendered = render_markdown(form.get("markdown", ""), local_url=_local_url)
    return JSONResponse({"html": rendered.html, "math_errors": rendered.math_errors})


# -- capture -----------------------------------------------------------------------------------


async def add_page(request: Request, state: LogState, csrf: Csrf) -> Response:
    from tilbook.features.capture import add_entry, entry_at, journal_source
    from tilbook.parse.dates import user_date
    from tilbook.settings import load_settings

    journal = journal_source(state.store(), load_settings(state.root)["journal"])
    if request.method == "GET":
        return render(
            request,
            state,
            csrf,
            "app_add.html",
            title="New entry",
            journal=journal,
            today=date.today().isoformat(),
        )
    form = await _form(request)
    text = form.get("text", "")
    if not text.strip():
        raise TilbookError("the entry is empty: write something first")
    tags = [tag.strip().lstrip("#") for tag in form.get("tags", "").replace(",", " ").split()]
    day = user_date(form["date"], whole_day=True) if form.get("date") else date.today()
    hints = load_settings(state.root).hints_for(journal)
    capture = add_entry(
        state.root, journal, text, day=day, tags=[t for t in tags if t], hints=hints
    )
    state.sync()
    found = entry_at(state.store(), capture.source, capture.line)
    return _redirect(f"/entry/{found.id}" if found else "/")


# -- TODO agenda, questions ---------------------------------------------------------------------


async def todo_page(request: Request, state: LogState, csrf: Csrf) -> Response:
    from tilbook.features.agenda import agenda
    from tilbook.settings import load_settings

    similarity = int(load_settings(state.root)["todo_similarity"])
    items = agenda(state.store(), similarity=similarity)
    return render(request, state, csrf, "app_todo.html", title="TODO agenda", items=items)


async def todo_done(request: Request, state: LogState, csrf: Csrf) -> Response:
    from tilbook.features.agenda import agenda, find_item, mark_done
    from tilbook.settings import load_settings

    settings = load_settings(state.root)
    items = agenda(state.store(), similarity=int(settings["todo_similarity"]), include_done=True)
    item = find_item(items, request.path_params["todo_id"])
    form = await _form(request)
    mark_done(
        state.root,
        item,
        all_copies=form.get("all_copies") == "1",
        prefix=str(settings["todo_done_prefix"]),
    )
    state.sync()
    return _redirect("/todo")


async def questions_page(request: Request, state: LogState, csrf: Csrf) -> Response:
    from tilbook.features.questions import list_questions

    search = request.query_params.get("q") or None
    items = list_questions(state.store(), search=search)
    return render(
        request,
        state,
        csrf,
        "app_questions.html",
        title="Open questions",
        items=items,
        q=search or "",
    )


async def answer(request: Request, state: LogState, csrf: Csrf) -> Response:
    from tilbook.features.questions import answer_question

    form = await _form(request)
    answer_question(
        state.store(),
        request.path_params["question_id"],
        entry_id=form.get("entry") or None,
        note=form.get("note") or None,
    )
    return _redirect("/questions")


# -- review ------------------------------------------------------------------------------------


def _reviews(state: LogState) -> Any:
    from tilbook.features.cards.deck import sync_cards
    from tilbook.settings import load_settings
    from tilbook.store import review_store

    store = state.store()
    reviews = review_store(store)
    sync_cards(state.root, store, reviews, load_settings(state.root))
    return reviews


async def review_page(request: Request, state: LogState, csrf: Csrf) -> Response:
    from fsrs import State

    from tilbook.features.cards.review import from_iso, start_session, utc_now
    from tilbook.render.html import render_markdown
    from tilbook.settings import load_settings

    reviews = _reviews(state)
    session = start_session(reviews, load_settings(state.root))
    now = utc_now()

    def learning_ahead(card: Any) -> bool:
        schedule = card.schedule
        return bool(
            schedule.state not in (None, State.Review)
            and schedule.due is not None
            and from_iso(schedule.due) > now
        )

    # As in the CLI's session, a card still learning comes back after the others, not
    # straight away: cards due only by learning ahead wait behind the rest of the queue.
    queue = sorted(session.queue, key=learning_ahead)
    card = queue[0] if queue else None
    context: dict[str, Any] = {"left": session.total, "card": None}
    if card is not None:
        context["card"] = {
            "key": card.key,
            "kind": card.kind,
            "source": card.source,
            "line": card.line,
            "tags": card.tags,
            "front": render_markdown(card.front, local_url=_local_url).html,
            "back": render_markdown(card.back, local_url=_local_url).html,
            "changed": card.back_changed,
        }
    return render(request, state, csrf, "app_review.html", title="Review", **context)


async def rate(request: Request, state: LogState, csrf: Csrf) -> Response:
    from tilbook.features.cards.review import answer_card, make_scheduler
    from tilbook.settings import load_settings

    form = await _form(request)
    try:
        rating = int(form.get("rating", ""))
    except ValueError:
        rating = 0
    if rating not in (1, 2, 3, 4):
        raise TilbookError("rate with 1 (Again), 2 (Hard), 3 (Good) or 4 (Easy)")
    reviews = _reviews(state)
    card = reviews.card(request.path_params["card_key"])
    if card is None:
        raise HTTPException(404)
    answer_card(reviews, make_scheduler(reviews, load_settings(state.root)), card, rating)
    return _redirect("/review")


# -- the site's pages ----------------------------------------------------------------------------


async def home(request: Request, state: LogState, csrf: Csrf) -> Response:
    return await site_page(request, state, csrf)


async def site_page(request: Request, state: LogState, csrf: Csrf) -> Response:
    from tilbook.webapp.site_pages import site_response

    return site_response(request, state, csrf)
