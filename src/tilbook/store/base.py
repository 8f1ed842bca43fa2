"""What every index store offers, whatever database is behind it.

The embedded SQLite store (`tilbook.store.sqlite`) is the default. A server
database (PostgreSQL for a lab's shared log) implements the same protocol; the
rest of tilbook only ever talks to a `Store`.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol

from tilbook.model import Answer, Entry, IndexWarning, ParsedFile
from tilbook.store.query import Query, Snippet
from tilbook.store.query import Term as QueryTerm


@dataclass(slots=True, frozen=True)
class FileState:
    """What the index remembers of a file, to tell whether it changed."""

    source: str
    size: int
    mtime_ns: int
    hash: str
    parser_version: int


@dataclass(slots=True)
class EntryFilter:
    tags: list[str] = field(default_factory=list)
    since: str | None = None
    until: str | None = None
    source: str | None = None
    layout: str | None = None
    category: str | None = None
    limit: int | None = None


@dataclass(slots=True)
class EntrySummary:
    id: str
    source: str
    line: int
    date: str | None
    title: str
    category: str | None
    layout: str
    tags: list[str]

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "source": self.source,
            "line": self.line,
            "date": self.date,
            "title": self.title,
            "category": self.category,
            "layout": self.layout,
            "tags": self.tags,
        }


@dataclass(slots=True)
class SearchHit:
    entry: EntrySummary
    score: float
    snippet: Snippet

    def to_dict(self) -> dict[str, Any]:
        return {
            **self.entry.to_dict(),
            "score": round(self.score, 4),
            "snippet": self.snippet.text,
            "highlights": [list(span) for span in self.snippet.highlights],
        }


@dataclass(slots=True)
class TagCount:
    tag: str
    entries: int
    first: str | None
    last: str | None


@dataclass(slots=True, frozen=True)
class EntryDate:
    """Where an entry is and when: what counting entries over time needs."""

    id: str
    source: str
    line: int
    end_line: int
    date: str | None


@dataclass(slots=True)
class FileInfo:
    source: str
    layout: str
    layout_reason: str
    title: str | None
    entries: int
    targets: list[dict[str, Any]]
    warnings: list[IndexWarning]
    confidence: float = 1.0
    doubts: list[str] = field(default_factory=list)


class Store(Protocol):
    """The index of one log folder."""

    def file_states(self) -> dict[str, FileState]: ...

    def replace_file(self, state: FileState, parsed: ParsedFile, encoding: str) -> None:
        """Store (or replace) everything read from one file."""

    def record_unreadable(self, state: FileState, warnings: list[IndexWarning]) -> None:
        """Remember a file that could not be indexed, and why."""

    def touch_file(self, state: FileState) -> None:
        """The file's bytes are unchanged; remember its new size and time."""

    def remove_files(self, sources: Iterable[str]) -> None: ...

    def commit(self) -> None: ...

    def entries(self, filters: EntryFilter) -> list[EntrySummary]: ...

    def entry(self, id_or_prefix: str) -> Entry: ...

    def search(self, query: Query, *, limit: int = 20) -> list[SearchHit]: ...

    def tags(self) -> list[TagCount]: ...

    def files(self) -> list[FileInfo]: ...

    def all_entries(self) -> Iterable[Entry]: ...

    def question_rows(self) -> list[tuple[EntrySummary, str, int]]:
        """Every question in the notes: (entry, text, line), newest entries first."""

    def todo_rows(self) -> list[tuple[EntrySummary, str, bool, int]]:
        """Every TODO in the notes: (entry, text, done, line), in file order."""

    def answers(self) -> list[Answer]: ...

    def save_answer(self, answer: Answer) -> None: ...

    def delete_answer(self, question_key: str) -> None: ...

    # -- what the user did: the state files (tilbook.store.state) --

    notices: list[str]
    """Things to tell the user once, such as state moved out of an index made before."""
    state_warnings: list[IndexWarning]
    """What was wrong in the state files when the store last read them."""

    def refresh_state(self) -> None:
        """Read the state files again if they changed since the store last did."""

    def state_records(self) -> dict[str, list[dict[str, Any]]]:
        """Every record of each state file (by file name), in time order."""

    def add_state_records(
        self, records: Mapping[str, Iterable[dict[str, Any]]]
    ) -> dict[str, list[dict[str, Any]]]:
        """Add the records a state file does not hold yet; returns those added, by file."""

    # -- papers --

    def paper_rows(self) -> list[tuple[EntrySummary, str, str, str | None, int]]:
        """Every paper mention: (entry, paper id, url, link title, line), oldest entries first."""

    def counts(self) -> dict[str, int]:
        """How many files and entries the index holds."""

    def get_meta(self, key: str) -> str | None: ...

    def set_meta(self, key: str, value: str) -> None: ...

    # -- stats --

    def entry_dates(self) -> list[EntryDate]:
        """Every entry's place and date, oldest first (undated ones last)."""

    def entries_with_tags(self, tags: list[str]) -> list[EntryDate]:
        """The entries that have any of `tags` (case-insensitive)."""

    def entries_matching_any(self, terms: list[QueryTerm]) -> list[EntryDate]:
        """The entries whose title, text or tags match any of `terms` (full-text)."""

    def match_counts(self, terms: list[QueryTerm]) -> list[int]:
        """How many entries each of `terms` matches, in order."""

    def tag_months(self) -> list[tuple[str, str, int]]:
        """(month YYYY-MM, tag, entries) for every tag of a dated entry."""

    def paper_months(self) -> list[tuple[str | None, int, int]]:
        """(month or None for undated entries, paper mentions, distinct papers)."""

    def todo_months(self) -> list[tuple[str | None, int, int]]:
        """(month or None for undated entries, open TODOs, done TODOs)."""

    def close(self) -> None: ...
