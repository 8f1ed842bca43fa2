"""The web app's pages: each one a thin call into the library and a template."""

from __future__ import annotations

import re
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
    # NOTE: only a page fetched with GET follows the notes (reloads when they change):
    # reloading the answer to a form would send the form again.
    version = state.version if request.method in ("GET", "HEAD") else None
    text = (
        environment()
        .get_template(template)
        .render(
            **context,
            link=app_link,
            root="/",
            pretty=True,
            app={"csrf": csrf.token, "version": version, "path": request.url.path},
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


# -- when something goes wrong -----------------------------------------------------------------

_CLI_ADVICE = (
    # The app indexes the notes by itself: re-indexing is never what a page should ask for.
    (re.compile(r"[;,.]?\s*run `tilbook index`(?: and try again)?\.?", re.IGNORECASE), ""),
    (re.compile(r"\.?\s*List (?:them|ids) with `tilbook [a-z]+`\.?"), ""),
    (
        re.compile(r"\s*Run the command again(?: to apply it to the new version)?\."),
        " Reload the page and try again.",
    ),
)


def for_the_browser(message: str) -> str:
    """A library error's message without the advice meant for the terminal."""
    for pattern, replacement in _CLI_ADVICE:
        message = pattern.sub(replacement, message)
    message = message.strip()
    return message[:1].upper() + message[1:]


def error_page(
    request: Request,
    state: LogState,
    csrf: Csrf,
    message: str,
    status: int,
    *,
    title: str = "That did not work",
    advice: str | None = None,
    actions: list[tuple[str, str]] | None = None,
    search: bool = False,
) -> HTMLResponse:
    """A page that says what happened and what the person can do about it."""
    return render(
        request,
        state,
        csrf,
        "app_error.html",
        status,
        title=title,
        message=message,
        advice=advice,
        actions=actions if actions is not None else [("Home", "/")],
        search=search,
    )


def error_response(request: Request, state: LogState, csrf: Csrf, error: Exception) -> Response:
    """The page for an error raised while answering `request`."""
    from tilbook.errors import (
        AmbiguousId,
        CsrfError,
        EntryNotFound,
        QuestionNotFound,
        TodoNotFound,
    )

    if isinstance(error, CsrfError):
        return error_page(
            request,
            state,
            csrf,
            "This form was not sent: it came from a page that is out of date (the server "
            "was restarted since it was loaded) or from another site.",
            403,
            title="Form refused",
            advice="Go back, reload the page, and send it again: nothing was changed.",
        )
    if isinstance(error, TodoNotFound):
        return error_page(
            request,
            state,
            csrf,
            "This TODO is not on the agenda any more: it was ticked already, or its words "
            "changed in your notes since the list was shown.",
            404,
            title="TODO not found",
            actions=[("Back to the TODO list", "/todo")],
        )
    if isinstance(error, QuestionNotFound):
        return error_page(
            request,
            state,
            csrf,
            "This question is not open any more: it was answered already, or its words "
            "changed in your notes since the list was shown.",
            404,
            title="Question not found",
            actions=[("Back to the questions", "/questions")],
        )
    if isinstance(error, EntryNotFound):
        wanted = request.path_params.get("entry_id", "")
        return error_page(
            request,
            state,
            csrf,
            f"There is no entry with the id {wanted} in your notes now."
            if wanted
            else "There is no such entry in your notes now.",
            404,
            title="Entry not found",
            advice="An entry's id comes from its opening words, so it changes when they are "
            "edited. Search for a few of its words, or look for it in the archive.",
            actions=[("Archive", "/archive/"), ("Home", "/")],
            search=True,
        )
    if isinstance(error, AmbiguousId):
        return error_page(
            request,
            state,
            csrf,
            for_the_browser(str(error)),
            400,
            title="Which one?",
            actions=[("Home", "/")],
            search=True,
        )
    return error_page(
        request,
        state,
        csrf,
        for_the_browser(str(error)),
        400,
        advice="Nothing was changed. Go back to try again.",
    )


def not_found(request: Request, state: LogState, csrf: Csrf) -> Response:
    return error_page(
        request,
        state,
        csrf,
        f"There is no page at {request.url.path} in this log.",
        404,
        title="Page not found",
        advice="An entry's address comes from its date and title, so it moves when they are "
        "edited. Search for it, or look for it in the archive.",
        actions=[("Archive", "/archive/"), ("Home", "/")],
        search=True,
    )


def server_error(request: Request, state: LogState, csrf: Csrf) -> Response:
    return error_page(
        request,
        state,
        csrf,
        "Something went wrong inside tilbook, and this request was not finished.",
        500,
        title="Something went wrong",
        advice="The details are in the terminal where the server runs. Reload the page to "
        "try again; if it happens again, it is a bug in tilbook worth reporting.",
    )


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


def _search(state: LogState, text: str, limit: int, exact: bool = False) -> dict[str, Any]:
    """The search's result as plain data: hits, and the words corrected or added."""
    from tilbook.settings import load_settings
    from tilbook.store.base import SearchResult, Store
    from tilbook.store.query import parse_query

    if not text.strip():
        return SearchResult([]).to_dict()
    query = parse_query(text[:2000])
    store: Store = state.store()
    if exact:
        return SearchResult(store.search(query, limit=limit)).to_dict()
    pairs: dict[str, list[str]] = load_settings(state.root)["abbreviations"]
    return store.search_with_alternatives(query, limit=limit, abbreviations=pairs).to_dict()


def _exact(request: Request) -> bool:
    return request.query_params.get("exact", "") not in ("", "0")


async def search_page(request: Request, state: LogState, csrf: Csrf) -> Response:
    text = request.query_params.get("q", "")
    exact = _exact(request)
    result = _search(state, text, 50, exact)
    return render(
        request,
        state,
        csrf,
        "app_search.html",
        title="Search",
        q=text,
        exact=exact,
        hits=result["hits"],
        result=result,
    )


async def search_api(request: Request, state: LogState, csrf: Csrf) -> Response:
    text = request.query_params.get("q", "")
    try:
        limit = max(1, min(int(request.query_params.get("limit", "20")), 100))
    except ValueError:
        limit = 20
    return JSONResponse({"q": text, **_search(state, text, limit, _exact(request))})


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


def _conflict_as_indexed_now(state: LogState, entry: Any, conflict: Any) -> tuple[Any, Any]:
    """The entry and the conflict to show, with the index caught up with the file.

    A conflict means the file changed on disk, and the index may not have followed yet
    (the watcher waits a moment). The conflict page is then never reloaded for the
    change (it holds the user's text): it must name the entry as it is indexed after
    the change, or saving from it would not find the entry again.
    """
    from tilbook.errors import EditConflict, EntryNotFound
    from tilbook.features.editing import entry_source

    state.sync()  # or the watcher did, meanwhile: look the entry up again either way
    try:
        now = state.store().entry(entry.id)
    except EntryNotFound:
        now = _entry_moved(state, {"source": entry.source, "line": str(entry.line)})
    if now is None or now.source != entry.source:
        return entry, conflict
    source = entry_source(state.root, now)
    shown = EditConflict(
        str(conflict), yours=conflict.yours, theirs=source.markdown, version=source.version
    )
    return now, shown


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
        entry, conflict = _conflict_as_indexed_now(state, entry, conflict)
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


def _choice(source: str, title: str | None) -> dict[str, Any]:
    return {"source": source, "title": title, "names": [], "list": None, "latest": None}


def _capture_files(state: LogState, journal: str) -> list[dict[str, Any]]:
    """The files the capture form offers: the journal first, then every dated log.

    These are the files `add_entry` can place an entry in by its date (dated headings,
    or category headings with a date line); a category log comes with its categories,
    the most recently used first.
    """
    from tilbook.features.capture import DATED_LAYOUTS
    from tilbook.parse.layouts import CATEGORY
    from tilbook.store.base import EntryFilter

    store = state.store()
    found: list[dict[str, Any]] = []
    for info in store.files():
        if info.layout not in DATED_LAYOUTS and info.source != journal:
            continue
        choice = _choice(info.source, info.title)
        if info.layout == CATEGORY:
            entries = store.entries(EntryFilter(source=info.source))
            dated = sorted(entries, key=lambda e: (e.date or "", e.line), reverse=True)
            names = list(dict.fromkeys(e.category for e in dated if e.category))
            if names:
                choice.update(names=names, list=f"categories-{len(found)}", latest=names[0])
        found.append(choice)
    if not any(choice["source"] == journal for choice in found):
        found.append(_choice(journal, None))  # made on first use
    found.sort(key=lambda choice: (choice["source"] != journal, choice["source"].casefold()))
    return found


def _add_form(
    request: Request,
    state: LogState,
    csrf: Csrf,
    *,
    journal: str,
    files: list[dict[str, Any]],
    form: dict[str, str],
    error: str | None = None,
    status: int = 200,
) -> HTMLResponse:
    chosen = form.get("file") or journal
    picked = next((choice for choice in files if choice["source"] == chosen), {})
    form = {"text": "", "tags": "", "category": "", "date": "", **form}
    return render(
        request,
        state,
        csrf,
        "app_add.html",
        status,
        title="New entry",
        journal=journal,
        files=files,
        chosen=chosen,
        chosen_list=picked.get("list"),
        chosen_latest=picked.get("latest"),
        categories=[choice for choice in files if choice["names"]],
        form=form,
        error=error,
        today=date.today().isoformat(),
    )


async def add_page(request: Request, state: LogState, csrf: Csrf) -> Response:
    from tilbook.features.capture import add_entry, entry_at, journal_source
    from tilbook.parse.dates import user_date
    from tilbook.settings import load_settings

    settings = load_settings(state.root)
    journal = journal_source(state.store(), settings["journal"])
    files = _capture_files(state, journal)
    if request.method == "GET":
        return _add_form(request, state, csrf, journal=journal, files=files, form={})
    form = await _form(request)
    chosen = form.get("file") or journal
    picked = next((choice for choice in files if choice["source"] == chosen), None)
    try:
        if picked is None:
            raise TilbookError(
                f"{chosen!r} is not one of the logs offered here: choose a file from the list."
            )
        text = form.get("text", "")
        if not text.strip():
            raise TilbookError("The entry is empty: write something first.")
        tags = [t.strip().lstrip("#") for t in form.get("tags", "").replace(",", " ").split()]
        day = user_date(form["date"], whole_day=True) if form.get("date") else date.today()
        capture = add_entry(
            state.root,
            chosen,
            text,
            day=day,
            tags=[t for t in tags if t],
            category=(form.get("category") or "").strip() or None if picked["names"] else None,
            hints=settings.hints_for(chosen),
        )
    except TilbookError as error:
        message = f"Nothing was written. {for_the_browser(str(error))}"
        return _add_form(
            request, state, csrf, journal=journal, files=files, form=form, error=message, status=400
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
    token = request.query_params.get("ticked") or request.query_params.get("undone") or ""
    tick = state.ticks.get(token)
    return render(
        request,
        state,
        csrf,
        "app_todo.html",
        title="TODO agenda",
        items=items,
        tick=tick,
        token=token,
    )


async def todo_done(request: Request, state: LogState, csrf: Csrf) -> Response:
    from tilbook.features.agenda import agenda, find_item, mark_done
    from tilbook.settings import load_settings
    from tilbook.webapp.state import Tick

    # The list was shown from the index as it was then: bring it up to date with the
    # notes first, so a TODO that moved on disk since is ticked where it is now.
    state.sync()
    settings = load_settings(state.root)
    items = agenda(state.store(), similarity=int(settings["todo_similarity"]), include_done=True)
    item = find_item(items, request.path_params["todo_id"])
    form = await _form(request)
    if item.done:
        return _redirect("/todo")  # ticked already (a second click, another tab)
    try:
        marks = mark_done(
            state.root,
            item,
            all_copies=form.get("all_copies") == "1",
            prefix=str(settings["todo_done_prefix"]),
        )
    except TilbookError as error:
        changed = state.sync()
        return _tick_failed(request, state, csrf, item, error, changed=bool(changed))
    state.sync()
    token = state.remember_tick(Tick(item.text, item.latest.entry.id, marks))
    return _redirect(f"/todo?ticked={token}")


def _tick_failed(
    request: Request, state: LogState, csrf: Csrf, item: Any, error: Exception, *, changed: bool
) -> Response:
    latest = item.latest
    where = f"{latest.entry.source}, line {latest.line}"
    if changed:
        message = (
            f"“{item.text}” was not ticked: {latest.entry.source} changed while tilbook was "
            f"writing it, and nothing was written. ({for_the_browser(str(error))})"
        )
        advice = "The TODO list now shows the notes as they are: tick it again there."
    else:
        message = (
            f"“{item.text}” ({where}) is not written in a way tilbook can tick in place: "
            "it ticks list items, [ ] boxes and TODO: lines, and leaves other text alone."
        )
        advice = "Open the entry in the editor and mark it done there, as you like to write it."
    return error_page(
        request,
        state,
        csrf,
        message,
        409 if changed else 400,
        title="This TODO was not ticked",
        advice=advice,
        actions=[
            ("Edit the entry", f"/entry/{latest.entry.id}/edit"),
            ("Back to the TODO list", "/todo"),
        ],
    )


async def todo_undo(request: Request, state: LogState, csrf: Csrf) -> Response:
    from tilbook.features.ticks import undo_tick

    token = request.path_params["token"]
    tick = state.ticks.get(token)
    if tick is None:
        return error_page(
            request,
            state,
            csrf,
            "This tick can no longer be undone from here: the server was restarted since, "
            "or it was long ago.",
            404,
            title="Nothing to undo",
            advice="Open the entry in the editor to change the line by hand.",
            actions=[("Back to the TODO list", "/todo")],
        )
    if tick.undone:
        return error_page(
            request,
            state,
            csrf,
            f"“{tick.text}” was already put back as it was.",
            409,
            title="Already undone",
            actions=[("Back to the TODO list", "/todo")],
        )
    undone = []
    try:
        for marked in reversed(tick.marks):
            undo_tick(state.root, marked)
            undone.append(marked)
    except TilbookError as error:
        tick.marks = [marked for marked in tick.marks if marked not in undone]
        state.sync()
        return error_page(
            request,
            state,
            csrf,
            f"Not undone: {for_the_browser(str(error))}.",
            409,
            title="The line has changed since",
            advice="tilbook only puts back a line that is still exactly as the tick left it. "
            "Open the entry in the editor to change it by hand.",
            actions=[
                ("Edit the entry", f"/entry/{tick.entry_id}/edit"),
                ("Back to the TODO list", "/todo"),
            ],
        )
    tick.undone = True
    state.sync()
    return _redirect(f"/todo?undone={token}")


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

    from tilbook.features.cards.review import (
        RATINGS,
        from_iso,
        make_scheduler,
        preview,
        span_text,
        start_session,
        utc_now,
    )
    from tilbook.render.html import render_markdown
    from tilbook.settings import load_settings

    settings = load_settings(state.root)
    reviews = _reviews(state)
    session = start_session(reviews, settings)
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
        # As the terminal does: each rating says when it brings the card back.
        spans = preview(make_scheduler(reviews, settings, fuzz=False), card, now)
        context["ratings"] = [
            {"value": value, "name": name, "span": span_text(spans[value])}
            for value, name in RATINGS.items()
        ]
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
