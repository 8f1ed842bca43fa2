"""Contents: the site's model — permalinks, tags, months, papers, glossary, neighbours.

Plain data only; the generator turns it into pages. Everything is sorted, so the
same notes always give the same site.
"""

from __future__ import annotations

import hashlib
import re
from collections import Counter, defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from tilbook.render.html import slugify
from tilbook.render.svg import calendar
from tilbook.staticsite.reader import EntryRecord, LogContent

RELATED = 5
"""Related entries shown on an entry page."""
RELATED_REDO = 200
"""Up to this many entries (or a quarter of the log) get their related entries made again
after a change; more, and every entry's are."""
HEATMAP_WEEKS = 53


@dataclass(slots=True)
class SiteEntry:
    """One entry as the site shows it."""

    index: int
    record: EntryRecord
    url: str
    """Site-relative folder URL, like `2024/06/11/finally-read-dpo/`."""
    tags: list[tuple[str, str]]
    """(name, url) of each tag."""
    key: str
    """Hash of everything listings show about the entry (its `meta`, URL and tag URLs)."""
    sort_key: tuple[str, str, int]
    lite_key: str
    """URL, title and date: what a link to the entry shows."""
    previous: int | None = None
    next: int | None = None
    related: list[int] = field(default_factory=list)
    linked_from: list[int] = field(default_factory=list)
    """Entries with a link to this one, newest first."""
    link_key: str = ""
    """The URLs this entry's links to notes lead to (its body shows them)."""
    links_to: list[int] = field(default_factory=list)
    """Entries this one links to, in the order written."""
    embeds: list[int] = field(default_factory=list)
    """Entries whose text this one's body shows (`![[Note]]`), in the order written."""

    @property
    def id(self) -> str:
        return self.record.id

    @property
    def summary(self) -> dict[str, Any]:
        """What listings show: title, url, date, tags, category, excerpt (plain data)."""
        record = self.record
        return {
            "id": record.id,
            "title": record.title,
            "url": self.url,
            "date": record.date,
            "category": record.category,
            "tags": [{"name": name, "url": url} for name, url in self.tags],
            "excerpt": record.excerpt,
            "source": record.source,
            "first_seen": record.first_seen,
            "last_changed": record.last_changed,
        }

    @property
    def digest(self) -> str:
        return self.record.digest + self.link_key


@dataclass(slots=True)
class Tag:
    name: str
    slug: str
    entries: list[int]
    """Entry indexes, newest first."""

    @property
    def url(self) -> str:
        return f"tags/{self.slug}/"


@dataclass(slots=True)
class Month:
    key: str
    """`2024-06`."""
    entries: list[int]

    @property
    def url(self) -> str:
        return f"{self.key[:4]}/{self.key[5:7]}/"

    @property
    def label(self) -> str:
        return date.fromisoformat(self.key + "-01").strftime("%B %Y")


@dataclass(slots=True)
class PaperRef:
    id: str
    url: str
    title: str | None
    entries: list[int]


@dataclass(slots=True)
class GlossaryTerm:
    term: str
    definitions: list[tuple[str, int]]
    """(definition, entry index), in entry order."""


@dataclass(slots=True)
class SiteContents:
    entries: list[SiteEntry]
    chronological: list[int]
    """Dated entries, oldest first."""
    newest: list[int]
    """Every entry, newest first, undated last."""
    undated: list[int]
    tags: list[Tag]
    tag_by_key: dict[str, Tag]
    months: list[Month]
    """Newest first."""
    papers: list[PaperRef]
    glossary: list[GlossaryTerm]
    targets: list[dict[str, Any]]
    """Learning targets: text, tags (with urls), source."""
    heatmap: dict[str, Any]
    source_urls: dict[str, str]
    """Each note file's first entry URL (links between notes point there)."""
    related_key: str = ""
    """Hash of what related entries were computed from (they are reused while it holds)."""
    changed: list[int] = field(default_factory=list)
    """The first entry of each file with git history, the most recently changed first."""
    related_ids: dict[str, list[str]] = field(default_factory=dict)
    """Entry id → its related entries' ids (kept between builds)."""
    related_prints: dict[str, str] = field(default_factory=dict)
    """Entry id → what its related entries depend on (its text, tags, papers)."""
    entry_urls: dict[str, str] = field(default_factory=dict)
    """Each entry's URL by its id (links between notes point there)."""


_TARGET_TAGS = re.compile(r"^(?:#[\w\-]+[\s,]*)+[:：]?\s*")
"""`#GenAI, #Code: …` at the start of a learning target (shown as links instead)."""


def _tag_key(tag: str) -> str:
    return tag.casefold()


def _entry_url(entry_date: str | None, slug: str) -> str:
    if entry_date:
        return f"{entry_date[:4]}/{entry_date[5:7]}/{entry_date[8:10]}/{slug}/"
    return f"notes/{slug}/"


Relate = Callable[[list[str] | None], dict[str, list[str]]]
"""Related entries by id for the entries with the ids given (None: every entry); the
store's "more like this" (`Store.related_all`)."""


def build_contents(
    log: LogContent,
    *,
    related_cache: Sequence[Any] | None = None,
    relate: Relate | None = None,
) -> SiteContents:
    records = log.records
    # -- tags: one spelling per case-folded name, one slug per tag
    spellings: dict[str, set[str]] = defaultdict(set)
    for record in records:
        for tag in record.tags:
            spellings[_tag_key(tag)].add(tag)
    tag_names = {key: min(names) for key, names in spellings.items()}
    tag_urls: dict[str, str] = {}
    used_slugs: set[str] = set()
    for key in sorted(tag_names):
        slug = slugify(tag_names[key], limit=50) or "tag"
        candidate, number = slug, 1
        while candidate in used_slugs:
            number += 1
            candidate = f"{slug}-{number}"
        used_slugs.add(candidate)
        tag_urls[key] = f"tags/{candidate}/"

    # -- entries and permalinks (the first by file and place keeps the plain slug)
    used_urls: set[str] = set()
    entries: list[SiteEntry] = []
    for index, record in enumerate(records):
        url = _entry_url(record.date, record.slug)
        if url in used_urls:
            url = _entry_url(record.date, f"{record.slug}-{record.id[:6]}")
        used_urls.add(url)
        own = [(tag_names[key], tag_urls[key]) for key in map(_tag_key, record.tags)]
        key = f"{record.meta}:{url}:{own}" if own else f"{record.meta}:{url}"
        sort_key = (record.date or "", record.source, record.position)
        lite_key = f"{url}\1{record.title}\1{record.date}"
        entries.append(SiteEntry(index, record, url, own, key, sort_key, lite_key))

    chronological = sorted(
        (e.index for e in entries if e.record.date), key=lambda i: entries[i].sort_key
    )
    undated = [e.index for e in entries if not e.record.date]
    newest = [*reversed(chronological), *undated]
    for order in (chronological, undated):
        for position, index in enumerate(order):
            if position:
                entries[index].previous = order[position - 1]
            if position + 1 < len(order):
                entries[index].next = order[position + 1]

    # -- tags, newest first
    members: dict[str, list[int]] = defaultdict(list)
    for index in newest:
        for key in dict.fromkeys(_tag_key(t) for t in entries[index].record.tags):
            members[key].append(index)
    tags = [
        Tag(tag_names[key], tag_urls[key].split("/")[1], members[key]) for key in sorted(members)
    ]
    tag_by_key = {_tag_key(tag.name): tag for tag in tags}

    # -- months, newest first
    by_month: dict[str, list[int]] = defaultdict(list)
    for index in chronological[::-1]:
        by_month[(entries[index].record.date or "")[:7]].append(index)
    months = [Month(key, by_month[key]) for key in sorted(by_month, reverse=True)]

    # -- papers and glossary
    paper_refs: dict[str, PaperRef] = {}
    for index in newest:
        for paper_id, paper_url, paper_title in entries[index].record.papers:
            ref = paper_refs.get(paper_id)
            if ref is None:
                ref = paper_refs[paper_id] = PaperRef(paper_id, paper_url, paper_title, [])
            if ref.title is None and paper_title:
                ref.title = paper_title
            ref.entries.append(index)
    papers = sorted(paper_refs.values(), key=lambda p: (-len(p.entries), p.id))
    terms: dict[str, GlossaryTerm] = {}
    for site_entry in entries:
        for term, definition in site_entry.record.terms:
            found = terms.get(term.casefold())
            if found is None:
                found = terms[term.casefold()] = GlossaryTerm(term, [])
            found.definitions.append((definition, site_entry.index))
    glossary = sorted(terms.values(), key=lambda t: (t.term.casefold(), t.term))

    prints = {record.id: f"{record.relation}:{record.digest}" for record in records}
    related_key = hashlib.blake2b("".join(prints.values()).encode(), digest_size=16).hexdigest()
    related_ids = _related_ids(prints, related_key, related_cache, relate)
    by_id = {entry.id: entry.index for entry in entries}
    for entry in entries:
        entry.related = [by_id[other] for other in related_ids.get(entry.id, []) if other in by_id]
    source_urls: dict[str, str] = {}
    for site_entry in entries:
        source_urls.setdefault(site_entry.record.source, site_entry.url)
    by_id = {site_entry.id: site_entry.index for site_entry in entries}
    for site_entry in entries:
        if site_entry.record.note_links:
            site_entry.link_key = "\1".join(
                entries[by_id[to]].url if to in by_id else ""
                for _, to in site_entry.record.note_links
            )
    for site_entry in entries:
        site_entry.embeds = [by_id[to] for to in site_entry.record.embeds if to in by_id]
    own_links = [site_entry.link_key for site_entry in entries]
    for site_entry in entries:
        if site_entry.embeds:
            # The body shows the embedded entries' text (and their links): it changes with them.
            site_entry.link_key += "\2" + "\2".join(
                entries[other].record.digest + own_links[other] for other in site_entry.embeds
            )
    for index in newest:
        for target in dict.fromkeys(to for _, to in entries[index].record.note_links if to):
            other = by_id.get(target)
            if other is not None and other != index:
                entries[other].linked_from.append(index)
                entries[index].links_to.append(other)
    targets = [
        {
            "text": _TARGET_TAGS.sub("", target["text"]).strip() or target["text"],
            "source": info.source,
            "tags": [
                {"name": tag_by_key[_tag_key(t)].name, "url": tag_by_key[_tag_key(t)].url}
                if _tag_key(t) in tag_by_key
                else {"name": t, "url": None}
                for t in target.get("tags", [])
            ],
        }
        for info in sorted(log.files, key=lambda f: f.source)
        for target in info.targets
    ]
    return SiteContents(
        entries=entries,
        chronological=chronological,
        newest=newest,
        undated=undated,
        tags=tags,
        tag_by_key=tag_by_key,
        months=months,
        papers=papers,
        glossary=glossary,
        targets=targets,
        heatmap=heatmap(entries, chronological),
        source_urls=source_urls,
        related_key=related_key,
        related_ids=related_ids,
        related_prints=prints,
        entry_urls={site_entry.id: site_entry.url for site_entry in entries},
        changed=recently_changed(entries),
    )


def recently_changed(entries: Sequence[SiteEntry]) -> list[int]:
    """Each file's first entry, for the files git history dates, the most recently
    changed first (then by name)."""
    first: dict[str, SiteEntry] = {}
    for entry in entries:
        if entry.record.last_changed and (
            entry.record.source not in first
            or entry.record.position < first[entry.record.source].record.position
        ):
            first[entry.record.source] = entry
    ordered = sorted(first.values(), key=lambda e: e.record.source)
    ordered.sort(key=lambda e: e.record.last_changed or "", reverse=True)
    return [entry.index for entry in ordered]


def _related_ids(
    prints: dict[str, str],
    key: str,
    cache: Sequence[Any] | None,
    relate: Relate | None,
) -> dict[str, list[str]]:
    """Related entries by id: reused from the last build while nothing they depend on
    changed; after a few entries changed, made again only for them, for the entries
    that listed them, and for those they now list; else made again for all."""
    if cache is not None and len(cache) >= 2 and cache[0] == key:
        return dict(cache[1])
    if relate is None:
        return {}
    if cache is None or len(cache) < 3:
        return relate(None)
    previous: dict[str, list[str]] = cache[1]
    old_prints: dict[str, str] = cache[2]
    changed = {entry for entry, print_ in prints.items() if old_prints.get(entry) != print_}
    gone = set(old_prints) - set(prints)
    redo = changed | {
        entry
        for entry, others in previous.items()
        if entry in prints and not (changed | gone).isdisjoint(others)
    }
    if len(redo) > max(RELATED_REDO, len(prints) // 4):
        return relate(None)
    found = {entry: others for entry, others in previous.items() if entry in prints}
    fresh = relate(sorted(redo)) if redo else {}
    found.update(fresh)
    near = {other for entry in changed for other in fresh.get(entry, [])} - redo
    if near:
        found.update(relate(sorted(near)))
    return found


def heatmap(entries: list[SiteEntry], chronological: list[int]) -> dict[str, Any]:
    """Entries per day for the HEATMAP_WEEKS weeks up to the newest entry (not today:
    the same notes give the same page), coloured against the busiest day of all."""
    if not chronological:
        return {"weeks": [], "months": [], "total": 0, "days": 0, "start": None, "end": None}
    counts: Counter[str] = Counter()
    for index in chronological:
        counts[entries[index].record.date or ""] += 1
    end = date.fromisoformat(entries[chronological[-1]].record.date or "")
    return calendar(counts, end, HEATMAP_WEEKS, most=max(counts.values())).as_dict()
