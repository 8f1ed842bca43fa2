"""The papers a log mentions: who mentions them and when, their metadata, BibTeX.

A paper is identified by the normalised id the extractor gives its links
(`arxiv:2006.11239`, `doi:10.1145/…`, `openreview:…`). Once metadata is
fetched (`tilbook.features.papers.metadata`), an arXiv preprint and the published
version its arXiv record names by DOI are one paper: their mentions are merged
under the arXiv id, with the DOI as an alias. An arXiv DataCite DOI
(`10.48550/arXiv.…`) is the arXiv paper itself, fetched or not.

Mentions are counted per entry: an entry that links a paper twice mentions it once.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from tilbook.errors import AmbiguousPaperId, PaperNotFound
from tilbook.extract.links import paper_id as paper_id_of_url
from tilbook.features.papers.metadata import (
    MetadataCache,
    PaperMetadata,
    arxiv_id_of_doi,
    cache_key,
    combine,
)
from tilbook.store.base import EntrySummary, Store


@dataclass(slots=True)
class Mention:
    """One entry mentioning a paper: the first link to it in that entry."""

    entry: EntrySummary
    paper_id: str
    """The id as linked (an alias of the paper's id, after merging)."""
    url: str
    title: str | None
    """The link text, when it is a title."""
    line: int

    def to_dict(self) -> dict[str, Any]:
        return {
            "entry": self.entry.id,
            "source": self.entry.source,
            "line": self.line,
            "date": self.entry.date,
            "entry_title": self.entry.title,
            "paper_id": self.paper_id,
            "url": self.url,
        }


@dataclass(slots=True)
class PaperItem:
    id: str
    aliases: list[str] = field(default_factory=list)
    """Other ids of the same paper (the DOI of an arXiv preprint's published version)."""
    mentions: list[Mention] = field(default_factory=list)
    """One per entry, oldest first (undated last)."""
    metadata: PaperMetadata | None = None
    fetched_at: str | None = None
    citation_key: str = ""

    @property
    def link_title(self) -> str | None:
        """The title the notes give it: the most used link text (the first one on a tie)."""
        counts: dict[str, int] = {}
        for mention in self.mentions:
            if mention.title:
                title = " ".join(mention.title.split())
                counts[title] = counts.get(title, 0) + 1
        if not counts:
            return None
        return max(counts, key=lambda title: counts[title])

    @property
    def title(self) -> str | None:
        if self.metadata is not None and self.metadata.title:
            return self.metadata.title
        return self.link_title

    @property
    def first(self) -> str | None:
        dates = [m.entry.date for m in self.mentions if m.entry.date]
        return min(dates) if dates else None

    @property
    def last(self) -> str | None:
        dates = [m.entry.date for m in self.mentions if m.entry.date]
        return max(dates) if dates else None

    @property
    def url(self) -> str:
        """Where to read it: arXiv's abstract page, the DOI, else the first link."""
        if self.id.startswith("arxiv:"):
            return "https://arxiv.org/abs/" + self.id.removeprefix("arxiv:")
        if self.id.startswith("doi:"):
            return "https://doi.org/" + self.id.removeprefix("doi:")
        return self.mentions[0].url if self.mentions else self.id.removeprefix("url:")

    def to_dict(self, *, with_abstract: bool = False) -> dict[str, Any]:
        metadata: dict[str, Any] | None = None
        if self.metadata is not None:
            metadata = self.metadata.to_dict()
            metadata.pop("source")
            if not with_abstract:
                metadata.pop("abstract")
            metadata["fetched_at"] = self.fetched_at
        return {
            "id": self.id,
            "aliases": self.aliases,
            "title": self.title,
            "citation_key": self.citation_key,
            "mentions": len(self.mentions),
            "first": self.first,
            "last": self.last,
            "url": self.url,
            "entries": [mention.to_dict() for mention in self.mentions],
            "metadata": metadata,
        }


# -- listing ---------------------------------------------------------------------------------


def _identity_keys(paper_id: str, cache: MetadataCache | None) -> set[str]:
    """Keys that two ids of the same paper share."""
    keys = {cache_key(paper_id)}
    if paper_id.startswith("doi:"):
        arxiv_id = arxiv_id_of_doi(paper_id.removeprefix("doi:"))
        if arxiv_id:
            keys.add("arxiv:" + arxiv_id)
    metadata = cache.metadata(paper_id) if cache is not None else None
    if metadata is not None:
        if metadata.doi and paper_id.startswith("arxiv:"):
            keys.add(cache_key("doi:" + metadata.doi))
        if metadata.arxiv_id and paper_id.startswith("doi:"):
            keys.add("arxiv:" + metadata.arxiv_id)
    return keys


def _group_ids(paper_ids: list[str], cache: MetadataCache | None) -> dict[str, str]:
    """Each id → the id of its group (ids sharing an identity key are one paper)."""
    parent = {paper_id: paper_id for paper_id in paper_ids}

    def find(paper_id: str) -> str:
        while parent[paper_id] != paper_id:
            parent[paper_id] = parent[parent[paper_id]]
            paper_id = parent[paper_id]
        return paper_id

    owner: dict[str, str] = {}
    for paper_id in paper_ids:
        for key in _identity_keys(paper_id, cache):
            if key in owner:
                parent[find(paper_id)] = find(owner[key])
            else:
                owner[key] = paper_id
    return {paper_id: find(paper_id) for paper_id in paper_ids}


_KIND_ORDER = {"arxiv": 0, "doi": 1}


def _canonical(ids: list[str]) -> str:
    """The id a merged paper goes by: arXiv first, then DOI, then the rest."""
    return min(ids, key=lambda i: (_KIND_ORDER.get(i.partition(":")[0], 2), i.lower(), i))


def _metadata_of(
    paper_id: str, aliases: list[str], cache: MetadataCache | None
) -> tuple[PaperMetadata | None, str | None]:
    if cache is None:
        return None, None
    record = cache.get(paper_id)
    metadata = record.metadata if record is not None else None
    fetched_at = record.fetched_at if record is not None else None
    published: PaperMetadata | None = None
    doi_ids = [alias for alias in aliases if alias.startswith("doi:")]
    if metadata is not None and metadata.doi and paper_id.startswith("arxiv:"):
        doi_ids.insert(0, "doi:" + metadata.doi)
    for doi_id in doi_ids:
        published = cache.metadata(doi_id)
        if published is not None:
            break
    if metadata is None and published is not None:
        doi_record = cache.get(doi_ids[0])
        return published, doi_record.fetched_at if doi_record else None
    if metadata is not None and published is not None and published.source == "doi":
        return combine(metadata, published), fetched_at
    return metadata, fetched_at


def _date_key(mention: Mention) -> tuple[bool, str, str, int]:
    return (
        mention.entry.date is None,
        mention.entry.date or "",
        mention.entry.source,
        mention.line,
    )


def list_papers(store: Store, cache: MetadataCache | None = None) -> list[PaperItem]:
    """Every paper the log mentions, most-mentioned first (then most recently mentioned)."""
    rows = store.paper_rows()
    ids = list(dict.fromkeys(row[1] for row in rows))
    group_of = _group_ids(ids, cache)
    members: dict[str, list[str]] = {}
    for paper_id in ids:
        members.setdefault(group_of[paper_id], []).append(paper_id)
    items: dict[str, PaperItem] = {}
    for group, group_ids in members.items():
        canonical = _canonical(group_ids)
        aliases = sorted(i for i in group_ids if i != canonical)
        metadata, fetched_at = _metadata_of(canonical, aliases, cache)
        items[group] = PaperItem(canonical, aliases, metadata=metadata, fetched_at=fetched_at)
    seen: set[tuple[str, str]] = set()
    for entry, paper_id, url, title, line in rows:
        group = group_of[paper_id]
        if (group, entry.id) in seen:
            continue
        seen.add((group, entry.id))
        items[group].mentions.append(Mention(entry, paper_id, url, title, line))
    found = list(items.values())
    for item in found:
        item.mentions.sort(key=_date_key)
    assign_citation_keys(found)
    found.sort(key=lambda item: item.id)
    found.sort(key=lambda item: item.last or "", reverse=True)
    found.sort(key=lambda item: len(item.mentions), reverse=True)
    return found


def _bare(paper_id: str) -> str:
    return paper_id.partition(":")[2] if ":" in paper_id else paper_id


def find_paper(items: list[PaperItem], query: str) -> PaperItem:
    """The paper `query` names: an id, an id without its `kind:`, a unique prefix of
    either, a citation key or a link to it."""
    wanted = query.strip()
    if "://" in wanted:
        wanted = paper_id_of_url(wanted) or wanted
    if not wanted:
        raise PaperNotFound("no paper id given")
    folded = wanted.casefold()

    def names(item: PaperItem) -> list[str]:
        ids = [item.id, *item.aliases]
        return [name.casefold() for name in (*ids, *(_bare(i) for i in ids))]

    exact = [
        item for item in items if folded in names(item) or folded == item.citation_key.casefold()
    ]
    if exact:
        return exact[0]
    matches = [item for item in items if any(name.startswith(folded) for name in names(item))]
    if not matches:
        raise PaperNotFound(
            f"no paper with id {query!r} in the notes. List them with `tilbook papers`."
        )
    if len(matches) > 1:
        shown = ", ".join(item.id for item in matches[:5])
        raise AmbiguousPaperId(f"{query!r} matches several papers ({shown}); type more")
    return matches[0]


def mentioned_ids(store: Store) -> list[str]:
    """Every paper id the log links, in order of first mention (what `fetch_metadata` takes)."""
    return list(dict.fromkeys(row[1] for row in store.paper_rows()))


# -- BibTeX ----------------------------------------------------------------------------------

_STOPWORDS = frozenset(
    {"a", "an", "the", "on", "of", "in", "for", "to", "and", "or", "with", "is", "are", "be"}
    | {"via", "from", "towards", "toward", "at", "by", "as", "do", "does", "can", "what", "how"}
    | {"why", "when", "we", "you", "your", "our", "its", "into", "not", "all", "about", "this"}
)
_SPECIAL_LETTERS = str.maketrans(
    {"ł": "l", "Ł": "L", "ø": "o", "Ø": "O", "æ": "ae", "Æ": "AE", "œ": "oe", "Œ": "OE"}
    | {"ß": "ss", "đ": "d", "Đ": "D", "þ": "th", "Þ": "Th", "ð": "d", "Ð": "D", "ı": "i"}
)


def ascii_fold(text: str) -> str:
    """`Łukasz Müller` → `Lukasz Muller`: accents dropped, other scripts removed."""
    decomposed = unicodedata.normalize("NFKD", text.translate(_SPECIAL_LETTERS))
    return decomposed.encode("ascii", "ignore").decode("ascii")


def _key_word(text: str) -> str:
    return re.sub(r"[^a-z0-9]", "", ascii_fold(text).lower())


def _title_word(title: str) -> str:
    without_math = re.sub(r"\$[^$]*\$", " ", title)
    for word in re.split(r"[^A-Za-z0-9]+", ascii_fold(without_math).lower()):
        if word and word not in _STOPWORDS:
            return word
    return ""


def _id_key(paper_id: str) -> str:
    if paper_id.startswith("url:"):
        digest = hashlib.blake2b(paper_id.encode("utf-8"), digest_size=4).hexdigest()
        return f"url-{digest}"
    kind, _, rest = paper_id.partition(":")
    return kind + re.sub(r"[^A-Za-z0-9._-]+", "-", rest).strip("-")


def base_citation_key(item: PaperItem) -> str:
    """`vaswani2017attention`: first author's family name, year, first significant title word.

    Without metadata (or an author name in Latin letters) the key is made from the
    id instead: `arxiv2006.11239`.
    """
    metadata = item.metadata
    if metadata is not None and metadata.authors and metadata.title:
        family = _key_word(metadata.authors[0].family)
        if family:
            year = str(metadata.year) if metadata.year else ""
            return f"{family}{year}{_title_word(metadata.title)}"
    return _id_key(item.id)


def _suffix(number: int) -> str:
    """0 → a, 25 → z, 26 → aa, …"""
    letters = ""
    number += 1
    while number:
        number, rest = divmod(number - 1, 26)
        letters = chr(ord("a") + rest) + letters
    return letters


def assign_citation_keys(items: Iterable[PaperItem]) -> None:
    """Set every item's `citation_key`, unique among `items`.

    Papers that would share a key are told apart by id order: the first keeps it,
    the next get `a`, `b`, … appended — the same keys on every run.
    """
    by_key: dict[str, list[PaperItem]] = {}
    for item in items:
        by_key.setdefault(base_citation_key(item), []).append(item)
    taken = set(by_key)
    for key, group in sorted(by_key.items()):
        group.sort(key=lambda item: item.id)
        group[0].citation_key = key
        number = 0
        for item in group[1:]:
            while key + _suffix(number) in taken:
                number += 1
            item.citation_key = key + _suffix(number)
            taken.add(item.citation_key)
