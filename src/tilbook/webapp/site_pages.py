"""The static site's pages, served live: same reader, contents, templates, renderer.

The pages are computed from the index when the notes change (and only then);
an entry's body is rendered the first time a page shows it. Local media go
through `/media/…`, checked like every other path.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import HTMLResponse, Response

if TYPE_CHECKING:
    from tilbook.staticsite.contents import SiteContents
    from tilbook.staticsite.generator import BodyResult, Page, SiteOptions
    from tilbook.staticsite.reader import EntryRecord
    from tilbook.webapp.security import Csrf
    from tilbook.webapp.state import LogState

MAX_RENDERED = 500
"""Listing pages kept rendered (past this, all are dropped and rendered again)."""
_TYPES = {
    ".css": "text/css; charset=utf-8",
    ".js": "text/javascript; charset=utf-8",
    ".json": "application/json",
    ".xml": "application/atom+xml; charset=utf-8",
    ".html": "text/html; charset=utf-8",
}


@dataclass
class SiteView:
    """The site of one log, as of one version of the notes."""

    version: int = -1
    contents: SiteContents | None = None
    options: SiteOptions | None = None
    pages: dict[str, Page] = field(default_factory=dict)
    assets: dict[str, bytes] = field(default_factory=dict)
    bodies: dict[int, BodyResult] = field(default_factory=dict)
    entry_urls: dict[str, str] = field(default_factory=dict)
    paper_titles: dict[str, str] = field(default_factory=dict)
    """Paper id → title, from the notes' link texts and fetched metadata."""
    papers_key: tuple[int, int] = (-1, -1)
    """The notes' version and the metadata cache's mtime the titles are from."""
    related_cache: tuple[str, dict[str, list[str]], dict[str, str]] | None = None
    """Related entries of the last version, made again only where the notes changed."""
    search_key: str = ""
    """What the built-in search's index was made from (`search_index_key`)."""
    records: dict[str, tuple[str, list[EntryRecord]]] = field(default_factory=dict)
    """The entries as the site reads them, by file (with the key of the file's state):
    the next version reads again only the files that changed."""
    lock: threading.Lock = field(default_factory=threading.Lock)
    rendered: dict[tuple[int, str], str] = field(default_factory=dict)
    rendered_version: int = -1
    """Listing pages as sent, by (notes' version, URL path): a tag page of thousands of
    entries is rendered once per version of the notes, not once per request."""


def _options(state: LogState) -> SiteOptions:
    from tilbook.settings import load_settings
    from tilbook.staticsite.generator import site_options

    # The owner's own view: open TODOs and questions shown, links without .html.
    return site_options(
        load_settings(state.root), base_url="", include_private=True, pretty_urls=True
    )


def site_view(state: LogState, *, wait: bool = True) -> SiteView:
    """The site as of the notes now (made again only after a change).

    Pages are made in several threads at once: a new version is made apart and then put
    in the old one's place whole, so a page being made from the old one keeps it. With
    `wait=False`, the old one is returned at once and the new one made in a thread of
    its own (the old pages say which version of the notes they show, and reload when the
    new one is ready)."""
    current: SiteView | None = state.__dict__.get("site_view")
    if current is not None and current.version == state.version and current.contents is not None:
        return current
    making: threading.Lock = state.__dict__.setdefault("site_view_lock", threading.Lock())
    if not wait and current is not None and current.contents is not None:
        if state.__dict__.get("site_view_asked") != state.version:
            state.__dict__["site_view_asked"] = state.version
            threading.Thread(target=site_view, args=(state,), name="site-view", daemon=True).start()
        return current
    making.acquire()
    try:
        old: SiteView | None = state.__dict__.get("site_view")
        version = state.version  # read first: a change while this runs makes another
        if old is not None and old.version == version and old.contents is not None:
            return old
        view = SiteView(related_cache=old.related_cache if old is not None else None)
        cache = old.records if old is not None else None
        from tilbook.staticsite.contents import RELATED, build_contents
        from tilbook.staticsite.generator import assets, pages, search_index, search_index_key
        from tilbook.staticsite.reader import read_log

        options = _options(state)
        if old is not None and old.options is not None and old.options.key() != options.key():
            cache = None  # the settings changed how entries read
        log = read_log(
            state.root, state.store(), include_private=options.include_private, cache=cache
        )
        view.records = {**(cache or {}), **log.changed}
        for gone in log.removed:
            view.records.pop(gone, None)
        store = state.store()
        contents = build_contents(
            log,
            related_cache=view.related_cache,
            relate=lambda ids: store.related_all(limit=RELATED, only=ids),
        )
        view.related_cache = (
            contents.related_key,
            contents.related_ids,
            contents.related_prints,
        )
        view.contents = contents
        view.options = options
        view.pages = {page.path: page for page in pages(contents, options)}
        view.search_key = search_index_key(contents)
        if old is not None and old.search_key == view.search_key:
            view.assets = old.assets  # what the search index lists did not change
        else:
            index = search_index(contents)
            view.assets = {asset.path: asset.data for asset in [*assets(), index]}
        view.bodies = {}
        view.entry_urls = {entry.id: entry.url for entry in contents.entries}
        view.version = version
        state.__dict__["site_view"] = view
        return view
    finally:
        making.release()


def paper_titles(state: LogState, view: SiteView) -> dict[str, str]:
    """The title of every paper the log mentions whose title is known, by id (and alias).

    A title comes from fetched metadata (`tilbook papers fetch`) or else from the text
    the notes link the paper with anywhere in the log (`PaperItem.title`).
    """
    from tilbook.features.papers.mentions import list_papers
    from tilbook.features.papers.metadata import MetadataCache, cache_path

    try:
        stamp = cache_path(state.root).stat().st_mtime_ns
    except OSError:
        stamp = 0
    key = (view.version, stamp)
    with view.lock:
        if view.papers_key == key:
            return view.paper_titles
    titles: dict[str, str] = {}
    for item in list_papers(state.store(), MetadataCache.load(state.root)):
        if item.title:
            for paper_id in (item.id, *item.aliases):
                titles[paper_id] = " ".join(item.title.split())
    with view.lock:
        view.paper_titles, view.papers_key = titles, key
    return titles


def _with_paper_titles(state: LogState, view: SiteView, context: dict[str, Any]) -> None:
    """Papers shown by id only get their title, when one is known (an entry's sidebar
    names a paper by the link text of that entry alone, often a bare URL)."""
    papers = context.get("papers")
    if not papers or all(paper.get("title") for paper in papers):
        return
    titles = paper_titles(state, view)
    context["papers"] = [
        paper if paper.get("title") else {**paper, "title": titles.get(paper["id"])}
        for paper in papers
    ]


def entry_url(state: LogState, entry_id: str) -> str | None:
    return site_view(state).entry_urls.get(entry_id)


def _body(state: LogState, view: SiteView, index: int) -> BodyResult:
    found = view.bodies.get(index)
    if found is not None:
        return found
    from tilbook.staticsite.generator import MediaResolver, render_body
    from tilbook.staticsite.reader import markdown_of

    assert view.contents is not None and view.options is not None
    entry = view.contents.entries[index]
    for shown in (index, *entry.embeds):  # the entry, and the text of the entries it embeds
        record = view.contents.entries[shown].record
        if not record.markdown:
            record.markdown = markdown_of(
                state.root, state.store(), record, view.options.include_private
            )
    resolver = MediaResolver(state.root, view.contents, True)
    body = render_body(entry, resolver, view.options.toc_min)
    view.bodies[index] = body
    return body


def _page_for(view: SiteView, path: str) -> Page | None:
    path = path.strip("/")
    for candidate in (f"{path}/index.html" if path else "index.html", path):
        page = view.pages.get(candidate)
        if page is not None:
            return page
    return None


def site_response(request: Request, state: LogState, csrf: Csrf) -> Response:
    from tilbook.staticsite.generator import ROOT_MARK
    from tilbook.webapp.templating import app_link, environment

    view = site_view(state, wait=False)
    path = request.path_params.get("path", "")
    if path in view.assets:
        suffix = path[path.rfind(".") :]
        return Response(
            view.assets[path], media_type=_TYPES.get(suffix, "application/octet-stream")
        )
    page = _page_for(view, path)
    if page is None and view.version != state.version:
        view = site_view(state)  # a page the notes' latest version may have: wait for it
        page = _page_for(view, path)
    if page is None:
        raise HTTPException(404)
    assert view.options is not None
    version = view.version  # the notes' version the page shows (older while one is made)
    cacheable = not page.bodies and page.kind != "entry" and page.path != "papers/index.html"
    key = (version, request.url.path)
    text = view.rendered.get(key) if cacheable else None
    if text is not None:
        return _page_response(page, text)
    extra: dict[str, Any] = {}
    if page.bodies:
        rendered = {}
        for index in page.bodies:
            body = _body(state, view, index)
            rendered[index] = {"html": body.html.replace(ROOT_MARK, "/"), "toc": body.toc}
        if page.kind == "entry":
            extra["body"] = rendered[page.bodies[0]]
        else:
            extra["bodies"] = [rendered[i] for i in page.bodies]
    context = page.context
    if page.kind == "entry" or page.path == "papers/index.html":
        _with_paper_titles(state, view, context)
    template = environment().get_template(page.template)
    text = template.render(
        **context,
        **extra,
        page_path=page.path,
        root="/",
        pretty=True,
        link=app_link,
        absolute=None,
        app={"csrf": csrf.token, "version": version, "path": request.url.path},
        site={"title": view.options.title, "language": view.options.language, "base_url": ""},
    )
    if cacheable:
        if len(view.rendered) >= MAX_RENDERED or view.rendered_version != version:
            view.rendered = {}  # replaced, not cleared: other threads may be reading it
            view.rendered_version = version
        view.rendered[key] = text
    return _page_response(page, text)


def _page_response(page: Page, text: str) -> Response:
    media_type = _TYPES.get(page.path[page.path.rfind(".") :], "text/html; charset=utf-8")
    if media_type.startswith("text/html"):
        return HTMLResponse(text)
    return Response(text, media_type=media_type)
