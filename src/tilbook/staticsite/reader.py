"""Reader: the index and the note files, as records the site is made of.

Everything comes from the index (`Store`); only the entries' own lines are read
from the note files. What is derived from a file (each entry's body Markdown,
excerpt, slug, digests) is kept in the build manifest by the file's content
hash, so a rebuild reads and prepares only the files that changed.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from urllib.parse import unquote

from tilbook.errors import SourceError
from tilbook.indexing import READING_HINTS
from tilbook.model import Entry, IndexWarning
from tilbook.parse.blocks import COMMENT_MARK, ENTRY_MARKER, without_comments
from tilbook.reading import note_lines
from tilbook.render.html import RENDERER_VERSION, entry_body, slugify, without_questions
from tilbook.store.base import FileInfo, Store

READER_VERSION = 5
"""Bump when records change shape or content: cached records are then made again."""
EXCERPT = 240
SEARCH_TEXT = 300
_TEXT_WINDOW = 1500
"""Excerpts and search text come from this many first characters of an entry's text."""


@dataclass(slots=True)
class EntryRecord:
    """One entry, as the site needs it (plain data, cached between builds)."""

    id: str
    source: str
    position: int
    """The entry's place in its file (0 for the first)."""
    line: int
    date: str | None
    title: str
    category: str | None
    layout: str
    tags: list[str]
    papers: list[tuple[str, str, str | None]]
    """(id, url, title), in the order written."""
    terms: list[tuple[str, str]]
    note_links: list[tuple[str, str | None]]
    """Each link to a note: (its destination as written, decoded; the entry it leads to)."""
    folder: str
    """The folder of the entry's file, relative to the notes folder ('' at the top)."""
    markdown: str
    """The body as it will be rendered (see `tilbook.render.html.entry_body`); empty in records
    from the cache (use `markdown_of`)."""
    digest: str
    """Hash of `folder` and `markdown`: what the rendered body depends on."""
    slug: str
    excerpt: str
    search_text: str
    meta: str
    """Hash of what pages show about the entry besides its body (title, date, tags, …)."""
    relation: str
    """Hash of what related entries and neighbours are computed from."""
    first_seen: str | None = None
    """The day the entry's file was first committed (git), not the entry's date."""
    last_changed: str | None = None
    """The day of the last commit that changed the entry's file (git)."""
    embeds: list[str] = field(default_factory=list)
    """The entries this one embeds (`![[Note]]`), by id, in the order written."""


@dataclass(slots=True)
class LogContent:
    records: list[EntryRecord]
    """Every entry, by file and place in the file."""
    files: list[FileInfo]
    changed: dict[str, tuple[str, list[EntryRecord]]] = field(default_factory=dict)
    """Files read again in this build: source → (cache key, records)."""
    removed: list[str] = field(default_factory=list)
    """Files in the cache that are no longer in the index."""
    warnings: list[IndexWarning] = field(default_factory=list)


def _hash(*parts: object) -> str:
    return hashlib.blake2b("\0".join(map(str, parts)).encode(), digest_size=12).hexdigest()


def excerpt(text: str, limit: int = EXCERPT) -> str:
    """The start of a plain text, whole words, at most `limit` characters."""
    text = " ".join(text[: limit * 4].split())
    text = ENTRY_MARKER.sub("", text, count=1)
    if len(text) <= limit:
        return text
    cut = text[: limit - 1]
    space = cut.rfind(" ")
    return (cut[:space] if space > limit // 2 else cut).rstrip(" ,;:-") + "…"


def public_text(entry: Entry, include_private: bool) -> str:
    """The start of the entry's plain text, without open TODOs and questions (unless published)."""
    body = entry.body[:_TEXT_WINDOW]
    if include_private:
        return body
    todos = [todo.text for todo in entry.todos if not todo.done]
    questions = [question.text for question in entry.questions]
    if not todos and not questions:
        return body

    def touches(line: str, secrets: list[str]) -> bool:
        stripped = line.strip()
        return any(secret in line or (stripped and stripped in secret) for secret in secrets)

    kept = []
    for line in body.split("\n"):
        if touches(line, todos):
            continue
        if touches(line, questions):
            line = without_questions(line)
        kept.append(line)
    return "\n".join(kept)


def make_record(
    entry: Entry, position: int, lines: list[str], include_private: bool
) -> EntryRecord:
    folder = str(PurePosixPath(entry.source).parent)
    folder = "" if folder == "." else folder
    markdown = entry_body(lines, entry, include_private=include_private)
    text = public_text(entry, include_private)
    shown = excerpt(text)
    papers: list[tuple[str, str, str | None]] = []
    seen: set[str] = set()
    for paper in sorted(entry.papers, key=lambda p: p.line):
        if paper.id not in seen:
            seen.add(paper.id)
            papers.append((paper.id, paper.url, paper.title))
    terms = [(term.term, term.definition) for term in entry.terms]
    note_links = [(unquote(link.href), link.entry) for link in entry.note_links if link.href]
    return EntryRecord(
        id=entry.id,
        source=entry.source,
        position=position,
        line=entry.line,
        date=entry.date,
        title=entry.title,
        category=entry.category,
        layout=entry.layout,
        tags=list(entry.tags),
        papers=papers,
        terms=terms,
        note_links=note_links,
        embeds=list(
            dict.fromkeys(link.entry for link in entry.note_links if link.embed and link.entry)
        ),
        folder=folder,
        markdown=markdown,
        digest=_hash(folder, markdown, note_links),
        slug=slugify(entry.title, limit=60) or entry.id,
        excerpt=shown,
        search_text=excerpt(text, SEARCH_TEXT),
        meta=_hash(
            entry.id,
            entry.title,
            entry.date,
            entry.category,
            entry.layout,
            entry.source,
            entry.tags,
            shown,
            papers,
            terms,
            excerpt(text, SEARCH_TEXT),
            entry.first_seen,
            entry.last_changed,
        ),
        relation=_hash(
            entry.date,
            entry.source,
            position,
            [t.casefold() for t in entry.tags],
            [p[0] for p in papers],
        ),
        first_seen=entry.first_seen,
        last_changed=entry.last_changed,
    )


def _file_lines(root: Path, source: str, warnings: list[IndexWarning]) -> list[str] | None:
    """A note's lines as the site shows them: its comments (`%% … %%`) left out."""
    try:
        lines = note_lines(root, source)
    except SourceError as error:
        warnings.append(IndexWarning(source, f"{error}; skipped"))
        return None
    if any(COMMENT_MARK in line for line in lines):
        lines = without_comments("\n".join(lines)).split("\n")
    return lines


def cache_key(file_hash: str, include_private: bool, links: str = "", reading: str = "") -> str:
    """What a file's records depend on: its bytes, how they were read (`reading`: the
    parser's version and the reading hints of `tilbook.toml`), and where its links lead
    now (`links`, see `link_signatures`), which other files decide."""
    return (
        f"{READER_VERSION}:{RENDERER_VERSION}:{int(include_private)}:{file_hash}"
        f"{':' + _hash(reading) if reading else ''}{links}"
    )


def link_signatures(store: Store) -> dict[str, str]:
    """Per file with links between notes: a hash of where they lead now."""
    found: dict[str, list[tuple[int, str | None, str | None]]] = {}
    for summary, link in store.note_link_rows():
        found.setdefault(summary.source, []).append((link.line, link.entry, link.source))
    return {source: ":" + _hash(*targets) for source, targets in found.items()}


def _entries_by_source(
    store: Store, sources: list[str], everything: bool
) -> dict[str, list[Entry]]:
    found: dict[str, list[Entry]] = {}
    if everything:
        for entry in store.all_entries():
            found.setdefault(entry.source, []).append(entry)
    else:
        for source in sources:
            found[source] = store.file_entries(source)
    for entries in found.values():
        entries.sort(key=lambda e: e.line)
    return found


def read_log(
    root: Path,
    store: Store,
    *,
    include_private: bool = False,
    cache: dict[str, tuple[str, list[EntryRecord]]] | None = None,
) -> LogContent:
    """Every entry of the index as a record; files unchanged since `cache` are not read."""
    cache = cache or {}
    warnings: list[IndexWarning] = []
    states = store.file_states()
    files = store.files()
    with_entries = {info.source for info in files if info.entries}
    signatures = link_signatures(store)
    history = store.file_history()  # a commit changes these, not the file's bytes
    hints = store.get_meta(READING_HINTS) or ""  # a change reads every file again
    wanted = {
        source: cache_key(
            states[source].hash,
            include_private,
            signatures.get(source, "")
            + (":" + _hash(*history[source]) if source in history else ""),
            f"{states[source].parser_version}:{hints}",
        )
        for source in with_entries
    }
    stale = sorted(source for source, key in wanted.items() if cache.get(source, ("",))[0] != key)
    entries = _entries_by_source(store, stale, everything=len(stale) > 20)
    changed: dict[str, tuple[str, list[EntryRecord]]] = {}
    for source in stale:
        lines = _file_lines(root, source, warnings)
        if lines is None:
            continue
        records = [
            make_record(entry, position, lines, include_private)
            for position, entry in enumerate(entries.get(source, []))
        ]
        changed[source] = (wanted[source], records)
    every: list[EntryRecord] = []
    for source in sorted(wanted):
        if source in changed:
            every.extend(changed[source][1])
        elif source in cache and source not in stale:
            every.extend(cache[source][1])
    removed = sorted(set(cache) - set(wanted))
    return LogContent(every, files, changed, removed, warnings)


def markdown_of(root: Path, store: Store, record: EntryRecord, include_private: bool) -> str:
    """A record's body Markdown, read again when the record came from the cache."""
    if record.markdown or not record.digest:
        return record.markdown
    lines = _file_lines(root, record.source, [])
    if lines is None:
        return ""
    return entry_body(lines, store.entry(record.id), include_private=include_private)
