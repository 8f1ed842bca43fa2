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
        key = _listing_key(record, url, own)
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

    prints = {record.id: _related_print(record) for record in records}
    related_key = _related_key(prints)
    related_ids = _related_ids(prints, related_key, related_cache, relate)
    by_id = {entry.id: entry.index for entry in entries}
    for entry in entries:
        entry.related = [by_id[other] for other in related_ids.get(entry.id, []) if other in by_id]
    source_urls: dict[str, str] = {}
    for site_entry in entries:
        source_urls.setdefault(site_entry.record.source, site_entry.url)
    by_id = {site_entry.id: site_entry.index for site_entry in entries}
    entry_urls = {site_entry.id: site_entry.url for site_entry in entries}
    for site_entry in entries:
        site_entry.embeds = [by_id[to] for to in site_entry.record.embeds if to in by_id]
    for site_entry in entries:
        if site_entry.record.note_links or site_entry.embeds:
            site_entry.link_key = _link_key(entries, site_entry, entry_urls)
    for index in newest:
        for target in dict.fromkeys(to for _, to in entries[index].record.note_links if to):
            other = by_id.get(target)
            if other is not None and other != index:
                entries[other].linked_from.append(index)
                entries[index].links_to.append(other)
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
        targets=_targets(log, tag_by_key),
        heatmap=heatmap(entries, chronological),
        source_urls=source_urls,
        related_key=related_key,
        related_ids=related_ids,
        related_prints=prints,
        entry_urls=entry_urls,
        changed=recently_changed(entries),
    )


def _listing_key(record: EntryRecord, url: str, tags: list[tuple[str, str]]) -> str:
    """`SiteEntry.key`: what listings show about an entry (hashed: pages that list
    thousands of entries hash all their keys)."""
    text = f"{record.meta}:{url}:{tags}" if tags else f"{record.meta}:{url}"
    return hashlib.blake2b(text.encode(), digest_size=12).hexdigest()


def _related_print(record: EntryRecord) -> str:
    return f"{record.relation}:{record.digest}"


def _related_key(prints: dict[str, str]) -> str:
    return hashlib.blake2b("".join(prints.values()).encode(), digest_size=16).hexdigest()


def _own_link_key(record: EntryRecord, entry_urls: dict[str, str]) -> str:
    return "\1".join(entry_urls.get(to, "") if to else "" for _, to in record.note_links)


def _link_key(entries: list[SiteEntry], entry: SiteEntry, entry_urls: dict[str, str]) -> str:
    """`SiteEntry.link_key`: where the entry's links to notes lead, and the text (and links)
    of the entries it embeds, which its body shows: it changes with them."""
    key = _own_link_key(entry.record, entry_urls)
    if entry.embeds:
        key += "\2" + "\2".join(
            entries[other].record.digest + _own_link_key(entries[other].record, entry_urls)
            for other in entry.embeds
        )
    return key


def _targets(log: LogContent, tag_by_key: dict[str, Tag]) -> list[dict[str, Any]]:
    return [
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


_SHAPE = (
    "id",
    "source",
    "position",
    "date",
    "title",
    "slug",
    "category",
    "layout",
    "folder",
    "tags",
    "papers",
    "terms",
    "note_links",
    "embeds",
    "first_seen",
    "last_changed",
)
"""What a record shares with its entry's place in the site: its address, tags, month,
neighbours, papers, glossary terms and links. The rest (the text, and what is made from
it: excerpt, search text, digests) only shows on its own page and in the listings."""


def refresh_contents(
    contents: SiteContents, log: LogContent, relate: Relate | None = None
) -> list[int] | None:
    """Bring the last build's `contents` up to date with `log` in place, when only the
    entries' text changed (the same entries, in the same files and places, with the same
    titles, dates, tags, papers, terms and links); else None (`build_contents` then makes
    the contents again). Returns the entries whose own page may have changed: those whose
    record changed, those that embed one of them, and those whose related entries changed.

    What this leaves is what `build_contents(log)` makes, given the same related entries.
    """
    entries = contents.entries
    records = log.records
    if len(records) != len(entries):
        return None
    changed: list[int] = []
    for index, record in enumerate(records):
        old = entries[index].record
        if record is old:
            continue
        if any(getattr(record, name) != getattr(old, name) for name in _SHAPE):
            return None
        changed.append(index)
    contents.targets = _targets(log, contents.tag_by_key)
    if not changed:
        return []
    affected: set[int] = set()
    new_digests: set[int] = set()
    prints = dict(contents.related_prints)
    for index in changed:
        entry, record = entries[index], records[index]
        if record.digest != entry.record.digest:
            new_digests.add(index)
        if record.digest != entry.record.digest or record.meta != entry.record.meta:
            affected.add(index)  # else (another entry of its file changed) its page stays
        entry.record = record
        entry.key = _listing_key(record, entry.url, entry.tags)
        prints[record.id] = _related_print(record)
    if new_digests:
        for entry in entries:
            if entry.embeds and not new_digests.isdisjoint(entry.embeds):
                entry.link_key = _link_key(entries, entry, contents.entry_urls)
                affected.add(entry.index)
    related_key = _related_key(prints)
    if related_key != contents.related_key:
        cache = (contents.related_key, contents.related_ids, contents.related_prints)
        related_ids = _related_ids(prints, related_key, cache, relate)
        before = contents.related_ids
        redone = [
            entry_id
            for entry_id, others in related_ids.items()
            if others is not before.get(entry_id) and others != before.get(entry_id, [])
        ]
        redone += [entry_id for entry_id in before if entry_id not in related_ids]
        if redone:
            by_id = {entry.id: entry.index for entry in entries}
            for entry_id in redone:
                index = by_id.get(entry_id, -1)
                if index >= 0:
                    others = related_ids.get(entry_id, [])
                    entries[index].related = [by_id[o] for o in others if o in by_id]
                    affected.add(index)
        contents.related_key = related_key
        contents.related_ids = related_ids
        contents.related_prints = prints
    return sorted(affected)


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
    touched = changed | gone
    redo = changed | {
        entry
        for entry, others in previous.items()
        if entry in prints and not touched.isdisjoint(others)
    }
    if len(redo) > max(RELATED_REDO, len(prints) // 4):
        return relate(None)
    found = {entry: others for entry, others in previous.items() if entry in prints}
    # The entries a changed one listed are likely to be the ones it lists now: asked for
    # with the others (one call, not two), and used only if they are (`near`).
    likely = {other for entry in changed for other in previous.get(entry, [])}
    likely = {entry for entry in likely if entry in prints} - redo
    asked = relate(sorted(redo | likely)) if redo else {}
    fresh = {entry: others for entry, others in asked.items() if entry in redo}
    found.update(fresh)
    near = {other for entry in changed for other in fresh.get(entry, [])} - redo
    found.update((entry, asked[entry]) for entry in sorted(near & likely) if entry in asked)
    if near - likely:
        found.update(relate(sorted(near - likely)))
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
