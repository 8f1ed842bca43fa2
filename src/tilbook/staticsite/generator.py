"""Generator: the site's pages as (path, template, plain-data context) and their rendering.

A page's fingerprint is a hash of everything it is made from (its context, the
bodies of the entries it shows, the templates and the site settings), so the
writer can tell which pages a change affects without rendering them.
"""

from __future__ import annotations

import hashlib
import json
import os
import posixpath
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from functools import lru_cache
from importlib import resources
from itertools import islice
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import quote, unquote

from tilbook import __version__
from tilbook.notes.files import TILBOOK_DIR
from tilbook.parse.blocks import lines_outside_code
from tilbook.render.html import (
    EMBED_TEXT,
    NOTE_EMBED,
    RENDERER_VERSION,
    Rendered,
    render_markdown,
)
from tilbook.settings import Settings
from tilbook.staticsite.contents import SiteContents, SiteEntry
from tilbook.store.abbreviations import abbreviations, builtin_pairs

if TYPE_CHECKING:
    from jinja2 import Environment
    from markupsafe import Markup

    from tilbook.staticsite.reader import EntryRecord

ROOT_MARK = "\ue000tilbook-root\ue000"
"""Stands for the way back to the site root in cached HTML (each page puts its own)."""
RECENT = 20
FEED_ENTRIES = 20
TAG_FEED_ENTRIES = 10
BLOCKED_MEDIA = frozenset({".svg", ".svgz", ".html", ".htm", ".xhtml", ".xml", ".js", ".mjs"})
"""Local files never copied into the site: a browser would run scripts in them."""
NOTE_SUFFIXES = (".md", ".markdown", ".mdown", ".mkd", ".txt")


@dataclass(frozen=True, slots=True)
class SiteOptions:
    title: str = "Learning log"
    base_url: str = ""
    language: str = "en"
    include_private: bool = False
    pretty_urls: bool = False
    recent: int = RECENT
    toc_min: int = 3

    def key(self) -> str:
        return repr(
            (
                self.title,
                self.base_url,
                self.language,
                self.include_private,
                self.pretty_urls,
                self.recent,
                self.toc_min,
            )
        )


def site_options(settings: Settings, **overrides: Any) -> SiteOptions:
    """The site's options from the log's settings; `overrides` (given, not None) win.

    Used by `tilbook build` (overrides from its options) and the web app (its own view:
    private items shown, pretty URLs).
    """
    url = str(settings["site_base_url"])
    options = SiteOptions(
        title=str(settings["site_title"]) or "Learning log",
        base_url=url.rstrip("/") + "/" if url else "",
        language=str(settings["site_language"]) or "en",
        include_private=bool(settings["site_include_private"]),
        pretty_urls=bool(settings["site_pretty_urls"]),
        recent=max(1, int(settings["site_recent_entries"])),
    )
    given = {name: value for name, value in overrides.items() if value is not None}
    if "base_url" in given:
        given["base_url"] = given["base_url"].rstrip("/") + "/" if given["base_url"] else ""
    options = replace(options, **given)
    return replace(options, title=options.title or "Learning log")


@dataclass(slots=True)
class Page:
    path: str
    """The output file, relative to the site folder (`tags/rl/index.html`)."""
    template: str
    make: Callable[[], dict[str, Any]]
    """Builds the page's context (plain data), only when the page is rendered."""
    key: str
    """Everything the context is made from, as text: the fingerprint hashes it."""
    bodies: tuple[int, ...] = ()
    """Entries whose rendered body the page shows."""
    kind: str = "page"
    fingerprint: str = ""

    @property
    def context(self) -> dict[str, Any]:
        return self.make()


@dataclass(slots=True)
class Asset:
    path: str
    data: bytes
    fingerprint: str = ""


# -- templates and static files -------------------------------------------------------------


def _package_files(folder: str) -> dict[str, bytes]:
    found: dict[str, bytes] = {}
    base = resources.files("tilbook.staticsite").joinpath(folder)
    for item in sorted(base.iterdir(), key=lambda t: t.name):
        if item.is_file() and not item.name.startswith("."):
            found[item.name] = item.read_bytes()
    return found


@lru_cache(maxsize=1)
def design_key() -> str:
    """A hash of the templates, static files, renderer and tilbook version."""
    digest = hashlib.blake2b(digest_size=12)
    digest.update(f"{__version__}\0{RENDERER_VERSION}".encode())
    for folder in ("templates", "static"):
        for name, data in _package_files(folder).items():
            digest.update(name.encode() + b"\0" + data)
    return digest.hexdigest()


_ENVIRONMENT: Environment | None = None


def environment() -> Environment:
    """The Jinja2 environment of tilbook's templates (one per process)."""
    global _ENVIRONMENT
    if _ENVIRONMENT is None:
        from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape

        _ENVIRONMENT = Environment(
            loader=PackageLoader("tilbook.staticsite", "templates"),
            autoescape=select_autoescape(["html", "xml"]),
            undefined=StrictUndefined,
            trim_blocks=True,
            lstrip_blocks=True,
            keep_trailing_newline=True,
        )
        _ENVIRONMENT.globals["link_map"] = link_map
    return _ENVIRONMENT


def link_map(
    title: str,
    incoming: list[dict[str, Any]],
    outgoing: list[dict[str, Any]],
    link: Callable[[str], str],
) -> Markup:
    """An entry's link neighbourhood (SVG), its boxes linking with the page's `link`."""
    from markupsafe import Markup

    from tilbook.render.linkmap import link_map_svg

    return Markup(
        link_map_svg(
            title,
            [(other["title"], link(other["url"])) for other in incoming],
            [(other["title"], link(other["url"])) for other in outgoing],
        )
    )


def assets() -> list[Asset]:
    """The site's style sheet (with the Pygments colours) and scripts."""
    from tilbook.render.html import highlight_css

    static = _package_files("static")
    found = []
    for name, data in static.items():
        if name == "style.css":
            data = data + b"\n/* code highlighting (Pygments) */\n" + highlight_css().encode()
        found.append(Asset(f"assets/{name}", data))
    return found


# -- links ----------------------------------------------------------------------------------


def root_of(path: str) -> str:
    """The way back to the site root from the page at `path` (`../../`, or `` at the top)."""
    return "../" * path.count("/")


class Linker:
    """Turns site-relative URLs into links from one page (or absolute ones for feeds)."""

    def __init__(self, prefix: str, pretty: bool) -> None:
        self.prefix = prefix
        self.pretty = pretty

    def __call__(self, url: str) -> str:
        if not url or url.endswith("/"):
            if not self.pretty:
                url += "index.html"
            elif not url and not self.prefix:
                return "./"
        return self.prefix + quote(url)


# -- pages ----------------------------------------------------------------------------------


def _lite(entry: SiteEntry) -> dict[str, Any]:
    return {"title": entry.record.title, "url": entry.url, "date": entry.record.date}


def _entry_context(contents: SiteContents, entry: SiteEntry) -> dict[str, Any]:
    record = entry.record
    entries = contents.entries
    return {
        "title": record.title,
        "entry": entry.summary,
        "layout": record.layout,
        "papers": [{"id": i, "url": u, "title": t} for i, u, t in record.papers],
        "terms": [{"term": term, "definition": text} for term, text in record.terms],
        "previous": _lite(entries[entry.previous]) if entry.previous is not None else None,
        "next": _lite(entries[entry.next]) if entry.next is not None else None,
        "related": [_lite(entries[i]) for i in entry.related],
        "linked_from": [_lite(entries[i]) for i in entry.linked_from],
        "links_to": [_lite(entries[i]) for i in entry.links_to],
        "dated": record.date is not None,
    }


def _entry_key(contents: SiteContents, entry: SiteEntry) -> str:
    entries = contents.entries
    previous = entries[entry.previous].lite_key if entry.previous is not None else "-"
    following = entries[entry.next].lite_key if entry.next is not None else "-"
    related = "\3".join(entries[i].lite_key for i in entry.related)
    linked_from = "\3".join(entries[i].lite_key for i in entry.linked_from)
    links_to = "\3".join(entries[i].lite_key for i in entry.links_to)
    linked = f"{linked_from}\4{links_to}"
    return f"{entry.key}\2{entry.digest}\2{previous}\2{following}\2{related}\2{linked}"


def _keys(entries: list[SiteEntry], indexes: list[int]) -> str:
    return "\2".join(entries[i].key for i in indexes)


def pages(
    contents: SiteContents,
    options: SiteOptions,
    entry_pages: Iterable[int] | None = None,
    listed: set[int] | None = None,
) -> list[Page]:
    """Every page of the site in a fixed order, with its fingerprint (nothing rendered yet).

    Or some of them, when the caller knows the others did not change (`refresh_contents`):
    `entry_pages`, the entries whose own page to make (None: every entry's); `listed`, the
    entries whose listings to make (None: every page that is not an entry's). With
    `listed`, the pages that list none of them, and those that show only what links to
    an entry show (its address, title and date), are left out; the home page never is."""
    entries = contents.entries

    def shows(indexes: list[int]) -> bool:
        return listed is None or not listed.isdisjoint(indexes)

    found: list[Page] = []
    tag_counts: list[dict[str, Any]] = [
        {"name": tag.name, "url": tag.url, "count": len(tag.entries)} for tag in contents.tags
    ]
    top_tags = sorted(tag_counts, key=lambda t: (-t["count"], t["name"].casefold()))[:30]
    recent = contents.newest[: options.recent]
    changed = contents.changed[: options.recent]
    counts = {
        "entries": len(entries),
        "tags": len(contents.tags),
        "papers": len(contents.papers),
        "terms": len(contents.glossary),
        "months": len(contents.months),
        "undated": len(contents.undated),
    }
    home = {
        "title": options.title,
        "heatmap": contents.heatmap,
        "heatmap_svg": _heatmap_svg(contents.heatmap),
        "targets": contents.targets,
        "top_tags": top_tags,
        "counts": counts,
    }
    found.append(
        Page(
            "index.html",
            "home.html",
            lambda: {
                **home,
                "recent": [entries[i].summary for i in recent],
                "changed": [entries[i].summary for i in changed],
            },
            f"{home!r}\3{_keys(entries, recent)}\3{_keys(entries, changed)}",
            kind="home",
        )
    )
    for entry in entries if entry_pages is None else (entries[i] for i in entry_pages):
        found.append(
            Page(
                entry.url + "index.html",
                "entry.html",
                lambda entry=entry: _entry_context(contents, entry),  # type: ignore[misc]
                _entry_key(contents, entry),
                bodies=(entry.index,),
                kind="entry",
            )
        )
    tag_index = {"title": "Tags", "tags": sorted(tag_counts, key=lambda t: t["name"].casefold())}
    if listed is None:
        found.append(Page("tags/index.html", "tags.html", lambda: tag_index, repr(tag_index)))
    for tag in contents.tags:
        if not shows(tag.entries):
            continue
        found.append(
            Page(
                tag.url + "index.html",
                "tag.html",
                lambda tag=tag: {  # type: ignore[misc]
                    "title": f"#{tag.name}",
                    "tag": {"name": tag.name, "url": tag.url},
                    "entries": [entries[i].summary for i in tag.entries],
                },
                f"{tag.name}\3{tag.url}\3{_keys(entries, tag.entries)}",
                kind="tag",
            )
        )
        newest = tag.entries[:TAG_FEED_ENTRIES]
        found.append(
            Page(
                tag.url + "feed.xml",
                "feed.xml",
                lambda tag=tag, newest=newest: {  # type: ignore[misc]
                    "title": f"{options.title}: #{tag.name}",
                    "self_url": tag.url + "feed.xml",
                    "alternate": tag.url,
                    "feed_id": f"tags/{tag.slug}",
                    "entries": [entries[i].summary for i in newest],
                },
                f"{tag.name}\3{tag.url}\3{_keys(entries, newest)}",
                bodies=tuple(newest),
                kind="feed",
            )
        )
    if listed is None:
        archive = {"title": "Archive", "years": _years(contents), "undated": len(contents.undated)}
        found.append(Page("archive/index.html", "archive.html", lambda: archive, repr(archive)))
    for month in contents.months:
        if not shows(month.entries):
            continue
        found.append(
            Page(
                month.url + "index.html",
                "month.html",
                lambda month=month: {  # type: ignore[misc]
                    "title": month.label,
                    "entries": [entries[i].summary for i in month.entries],
                },
                _keys(entries, month.entries),
                kind="month",
            )
        )
    if contents.undated and shows(contents.undated):
        found.append(
            Page(
                "notes/index.html",
                "notes.html",
                lambda: {
                    "title": "Undated notes",
                    "entries": [entries[i].summary for i in contents.undated],
                },
                _keys(entries, contents.undated),
                kind="notes",
            )
        )
    if listed is None:
        papers = {
            "title": "Papers",
            "papers": [
                {
                    "id": paper.id,
                    "url": paper.url,
                    "title": paper.title,
                    "entries": [_lite(entries[i]) for i in paper.entries],
                }
                for paper in contents.papers
            ],
        }
        found.append(Page("papers/index.html", "papers.html", lambda: papers, repr(papers)))
        glossary = {
            "title": "Glossary",
            "terms": [
                {
                    "term": term.term,
                    "definitions": [
                        {"text": text, "entry": _lite(entries[i])} for text, i in term.definitions
                    ],
                }
                for term in contents.glossary
            ],
        }
        found.append(Page("glossary/index.html", "glossary.html", lambda: glossary, repr(glossary)))
        found.append(
            Page("search/index.html", "search.html", lambda: {"title": "Search"}, "search")
        )
    newest = list(islice((i for i in contents.newest if entries[i].record.date), FEED_ENTRIES))
    if shows(newest):
        found.append(
            Page(
                "feed.xml",
                "feed.xml",
                lambda: {
                    "title": options.title,
                    "self_url": "feed.xml",
                    "alternate": "",
                    "feed_id": "",
                    "entries": [entries[i].summary for i in newest],
                },
                _keys(entries, newest),
                bodies=tuple(newest),
                kind="feed",
            )
        )
    site_key = f"{design_key()}\0{options.key()}"
    for page in found:
        digest = hashlib.blake2b(digest_size=16)
        digest.update(f"{site_key}\0{page.path}\0{page.template}\0{page.key}".encode())
        for index in page.bodies:
            digest.update(entries[index].digest.encode())
        page.fingerprint = digest.hexdigest()
    return found


def _years(contents: SiteContents) -> list[dict[str, Any]]:
    years: dict[str, list[dict[str, Any]]] = {}
    for month in contents.months:
        years.setdefault(month.key[:4], []).append(
            {"label": month.label, "url": month.url, "count": len(month.entries)}
        )
    return [{"year": year, "months": months} for year, months in years.items()]


SEARCH_INDEX_VERSION = 2
"""The search index's shape (2: with the abbreviations the search expands)."""
_SITE_WORD = re.compile(r"[^\W_]+")


def search_index_key(
    contents: SiteContents, extra: Mapping[str, Sequence[str]] | None = None
) -> str:
    """What the search index is made from (it is rebuilt only when this changes): the
    entries, the `abbreviations` setting (`extra`) and the built-in abbreviations."""
    text = "\2".join(contents.entries[i].key for i in contents.newest)
    text += f"\3{SEARCH_INDEX_VERSION}\3{sorted((extra or {}).items())!r}\3{builtin_pairs()!r}"
    return hashlib.blake2b(text.encode(), digest_size=16).hexdigest()


def site_words(text: str) -> list[str]:
    """Words as the site's search script splits text (`flatWords` in `search.js`):
    lower-cased runs of letters and digits."""
    return _SITE_WORD.findall(text.lower())


def search_abbreviations(
    texts: Iterable[str],
    glossary: Iterable[tuple[str, str]],
    extra: Mapping[str, Sequence[str]] | None = None,
) -> list[list[str]]:
    """The abbreviations the site's search expands, as `[short, long, …]` groups: the
    pairs `tilbook search` uses (built-in, the log's `glossary`, the user's `extra`),
    each kept only when its short or its long form occurs in `texts` (what the site's
    search looks through), so the index carries no pair the log never mentions."""
    text = "\n".join(texts).lower()
    # The words of the texts, from their distinct space-separated pieces (far fewer).
    known = set(_SITE_WORD.findall(" ".join(set(text.split()))))

    def occurs(name: str) -> bool:
        """Whether the words of `name` (the last one plural too) follow one another in
        `text` as whole words, as they do in the script's `padded` text."""
        words = site_words(name)
        if not words or not all(word in known for word in words[:-1]):
            return False
        if words[-1] not in known and words[-1] + "s" not in known:
            return False
        if len(words) == 1:
            return True
        phrase = re.compile(r"[\W_]+".join(map(re.escape, words)) + r"s?(?![^\W_])")
        at = text.find(words[0])
        while at != -1:
            if (at == 0 or not _SITE_WORD.match(text, at - 1)) and phrase.match(text, at):
                return True
            at = text.find(words[0], at + 1)
        return False

    found = abbreviations(glossary, extra)
    groups: list[list[str]] = []
    for folded, longs in found.longs.items():
        short = found.written[folded]
        short_occurs = occurs(short)
        kept = [long for long in longs if short_occurs or occurs(long)]
        if kept:
            groups.append([short, *kept])
    return groups


def search_index(contents: SiteContents, extra: Mapping[str, Sequence[str]] | None = None) -> Asset:
    """The built-in search's index: a JSON document wrapped in a script (so `file://` works).

    Each entry's title, URL, date, tags and first words, and the abbreviations that apply
    to this log (`search_abbreviations`; `extra`: the `abbreviations` setting). The script
    makes the vocabulary for spelling corrections from the entries itself.
    """
    rows = [
        [
            entry.record.title,
            entry.url,
            entry.record.date or "",
            " ".join(name for name, _ in entry.tags),
            entry.record.search_text,
        ]
        for entry in (contents.entries[i] for i in contents.newest)
    ]
    glossary = [term for entry in contents.entries for term in entry.record.terms]
    names = search_abbreviations((f"{r[0]}\n{r[3]}\n{r[4]}" for r in rows), glossary, extra)
    data = {"v": SEARCH_INDEX_VERSION, "entries": rows, "abbreviations": names}
    payload = json.dumps(data, ensure_ascii=False, separators=(",", ":"))
    # `</` never appears inside the script (no way to close it early).
    payload = payload.replace("</", "<\\/")
    return Asset("assets/search-index.js", f"tilbookSearchIndex({payload});\n".encode())


# -- rendering ------------------------------------------------------------------------------


@dataclass(slots=True)
class BodyResult:
    """An entry's rendered body, as kept in the build cache."""

    html: str
    toc: list[dict[str, Any]]
    media: list[str]
    """Files (relative to the notes folder) the body links to, to copy."""
    warnings: list[str] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)
    """Relative links and images to files that are not in the notes folder (left out)."""


class MediaResolver:
    """Relative image and file links of one entry, checked against the notes folder."""

    def __init__(self, root: Path, contents: SiteContents, pretty: bool) -> None:
        self.root = root
        self.real_root = os.path.realpath(root)
        self.contents = contents
        self.pretty = pretty
        self._names: dict[str, str] | None = None
        """Every file of the notes folder by its name (case aside), read when first needed."""

    def resolve(self, folder: str, url: str, image: bool, media: list[str]) -> str | None:
        path = unquote(url.split("#", 1)[0].split("?", 1)[0]).replace("\\", "/")
        if not path:
            return None
        relative = posixpath.normpath(posixpath.join(folder, path))
        if relative.startswith(("../", "/")) or relative in ("..", "."):
            return None
        parts = relative.split("/")
        if TILBOOK_DIR in parts:
            return None
        if not image and relative.lower().endswith(NOTE_SUFFIXES):
            target = self.contents.source_urls.get(relative)
            if target is None:
                return None
            return ROOT_MARK + quote(target) + ("" if self.pretty else "index.html")
        if not self._is_file(relative) and image:
            # As Obsidian finds an attachment: the note's folder, then from the top, then
            # any file of that name (the shortest path first).
            top = posixpath.normpath(path)
            if not top.startswith(("../", "/")) and self._is_file(top):
                relative = top
            elif "/" not in path:
                relative = self._by_name(path) or relative
        if posixpath.splitext(relative)[1].lower() in BLOCKED_MEDIA or not self._is_file(relative):
            return None
        media.append(relative)
        return ROOT_MARK + "media/" + quote(relative)

    def _is_file(self, relative: str) -> bool:
        parts = relative.split("/")
        if TILBOOK_DIR in parts:
            return False
        real = os.path.realpath(os.path.join(self.root, *parts))
        return real.startswith(self.real_root + os.sep) and os.path.isfile(real)

    def _by_name(self, name: str) -> str | None:
        if self._names is None:
            self._names = {}
            found: list[str] = []
            for folder, folders, files in os.walk(self.root):
                folders[:] = [f for f in folders if not f.startswith(".")]
                base = os.path.relpath(folder, self.root).replace(os.sep, "/")
                found.extend(file if base == "." else f"{base}/{file}" for file in files)
            for relative in sorted(found, key=lambda path: (path.count("/"), len(path), path)):
                self._names.setdefault(posixpath.basename(relative).casefold(), relative)
        return self._names.get(name.casefold())


_ATX_HEADING = re.compile(r"^ {0,3}(#{1,6})[ \t]+(.*?)(?:[ \t]+#+)?[ \t]*$")


_LIST_ITEM = re.compile(r"^ {0,3}(?:[-*+]|\d{1,9}[.)])(?:[ \t]|$)")


def _block(markdown: str, block_id: str) -> str:
    """The block an Obsidian block id names (`![[Note#^fact-1]]`): the paragraph or list
    item its line ends, or the block right above a line that is only the id (a table, a
    quote); all of `markdown` when no line outside code carries it."""
    lines = markdown.splitlines(keepends=True)
    ends_with = re.compile(rf"(?:^|\s)\^{re.escape(block_id)}\s*$")
    for number, line in lines_outside_code(lines):
        if not ends_with.search(line):
            continue
        end = number + 1
        if line.strip() == f"^{block_id}":  # alone on its line: the block above it
            end = number
            while end > 0 and not lines[end - 1].strip():
                end -= 1
        start = end
        while start > 0 and lines[start - 1].strip():
            start -= 1
            if _LIST_ITEM.match(lines[start]):
                break  # an item starts here: the lines above are other items
        return "".join(lines[start:end]) if start < end else markdown
    return markdown


def _section(markdown: str, heading: str) -> str:
    """The part of `markdown` under `heading` (to the next heading as high), else all of it."""
    lines = markdown.splitlines(keepends=True)
    start = level = None
    for number, line in lines_outside_code(lines):
        found = _ATX_HEADING.match(line)
        if found is None:
            continue
        if start is None:
            if found.group(2).strip().casefold() == heading.strip().casefold():
                start, level = number, len(found.group(1))
        elif level is not None and len(found.group(1)) <= level:
            return "".join(lines[start:number])
    return markdown if start is None else "".join(lines[start:])


def _render_record(
    record: EntryRecord,
    resolver: MediaResolver,
    toc_min: int,
    media: list[str],
    missing: list[str],
    shown: Mapping[str, EntryRecord] | None,
    markdown: str | None = None,
    top_level: int = 2,
) -> Rendered:
    """A record's body as HTML; the notes it embeds that are in `shown` with their text
    (rendered with their own embeds as links: each is shown once, with no loop)."""
    notes = dict(record.note_links)

    def local_url(url: str, image: bool) -> str | None:
        written = unquote(url)
        if written in notes:
            # A link to a note leads to the entry it resolved to, else nowhere.
            target = resolver.contents.entry_urls.get(notes[written] or "")
            if target is None:
                missing.append(url)
                return NOTE_EMBED if image else None
            page = ROOT_MARK + quote(target) + ("" if resolver.pretty else "index.html")
            if not image:
                return page
            embedded = shown.get(notes[written] or "") if shown is not None else None
            if embedded is None or not embedded.markdown:
                return NOTE_EMBED + page
            text = embedded.markdown
            heading = written.partition("#")[2].split("#")[-1]
            if heading.startswith("^"):
                text = _block(text, heading[1:])
            elif heading:
                text = _section(text, heading)
            inner = _render_record(embedded, resolver, 1_000, media, [], None, text, 3)
            return NOTE_EMBED + page + EMBED_TEXT + inner.html
        found = resolver.resolve(record.folder, url, image, media)
        if found is None:
            missing.append(url)
        return found

    text = record.markdown if markdown is None else markdown
    return render_markdown(text, local_url=local_url, toc_min=toc_min, top_level=top_level)


def render_body(entry: SiteEntry, resolver: MediaResolver, toc_min: int) -> BodyResult:
    media: list[str] = []
    missing: list[str] = []
    entries = resolver.contents.entries
    shown = {entries[index].id: entries[index].record for index in entry.embeds}
    rendered = _render_record(entry.record, resolver, toc_min, media, missing, shown)
    return BodyResult(
        html=rendered.html,
        toc=[{"level": h.level, "id": h.id, "html": h.html} for h in rendered.toc],
        media=sorted(set(media)),
        warnings=[
            f"formula shown as TeX (latex2mathml could not convert it): {tex[:80]}"
            for tex in rendered.math_errors
        ],
        missing=missing,
    )


def render_page(
    page: Page,
    options: SiteOptions,
    bodies: Callable[[int], BodyResult],
) -> bytes:
    """The bytes of one page."""
    env = environment()
    template = env.get_template(page.template)
    is_feed = page.kind == "feed"
    prefix = root_of(page.path)
    if is_feed and options.base_url:
        prefix = options.base_url.rstrip("/") + "/"
    link = Linker(prefix, options.pretty_urls or is_feed)
    absolute = (
        Linker(options.base_url.rstrip("/") + "/", options.pretty_urls)
        if options.base_url
        else None
    )
    extra: dict[str, Any] = {}
    if page.bodies:
        rendered = {}
        for index in page.bodies:
            body = bodies(index)
            rendered[index] = {"html": body.html.replace(ROOT_MARK, prefix), "toc": body.toc}
        if page.kind == "entry":
            extra["body"] = rendered[page.bodies[0]]
        else:
            extra["bodies"] = [rendered[i] for i in page.bodies]
    text = template.render(
        **page.context,
        **extra,
        page_path=page.path,
        root=prefix,
        pretty=link.pretty,
        link=link,
        absolute=absolute,
        site={
            "title": options.title,
            "language": options.language,
            "base_url": options.base_url,
        },
    )
    return text.encode("utf-8")


def _heatmap_svg(heatmap: dict[str, Any]) -> Markup:
    """The home page's heatmap, drawn by the same code as `stats --plot`."""
    from markupsafe import Markup

    from tilbook.render.svg import Calendar, calendar_svg

    if not heatmap["weeks"]:
        return Markup("")
    grid = Calendar(**heatmap)
    title = f"{grid.total} entries on {grid.days} days from {grid.start} to {grid.end}"
    return Markup(calendar_svg(grid, title=title))
