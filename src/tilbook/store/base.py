"""What every index store offers, whatever database is behind it.

The embedded SQLite store (`tilbook.store.sqlite`) is the default. A server
database (PostgreSQL for a lab's shared log) implements the same protocol; the
rest of tilbook only ever talks to a `Store`.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

from tilbook.model import Answer, Entry, IndexWarning, NoteLink, ParsedFile
from tilbook.store.query import Query, Snippet
from tilbook.store.query import Term as QueryTerm
from tilbook.store.rows import EntryRows


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
    links_to: str | None = None
    """Only entries with a link that leads to this entry (by id)."""
    linked_from: str | None = None
    """Only entries this entry (by id) links to."""


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
    first_seen: str | None = None
    """The day the entry's file was first committed (git), not a date written in it."""
    last_changed: str | None = None
    """The day of the last commit that changed the entry's file (git)."""

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
            "first_seen": self.first_seen,
            "last_changed": self.last_changed,
        }


@dataclass(slots=True)
class SearchHit:
    entry: EntrySummary
    score: float
    snippet: Snippet
    found_through: list[str] = field(default_factory=list)
    """The other names (a corrected spelling, an abbreviation's long form) this entry was
    found through; empty when it contains what was typed."""

    def to_dict(self) -> dict[str, Any]:
        return {
            **self.entry.to_dict(),
            "score": round(self.score, 4),
            "snippet": self.snippet.text,
            "highlights": [list(span) for span in self.snippet.highlights],
            "found_through": self.found_through,
        }


@dataclass(slots=True, frozen=True)
class Alternative:
    """Another name searched besides (or instead of) words of the query."""

    typed: str
    names: tuple[str, ...]
    kind: str
    """`spelling` (the closest words of the notes) or `abbreviation`."""
    replaces: bool = False
    """The typed words match nothing, so only the other names were searched."""

    def to_dict(self) -> dict[str, Any]:
        return {
            "typed": self.typed,
            "names": list(self.names),
            "kind": self.kind,
            "replaces": self.replaces,
        }


@dataclass(slots=True)
class RelatedEntry:
    """An entry like another one, and what they share."""

    entry: EntrySummary
    score: float
    shared: list[str]
    """The distinctive words, `#tags`, papers and links both have, the strongest first."""

    def to_dict(self) -> dict[str, Any]:
        return {**self.entry.to_dict(), "score": round(self.score, 4), "shared": self.shared}


@dataclass(slots=True)
class SearchResult:
    """Hits, and how the query was understood: words corrected, other names searched.

    Entries that contain what was typed come first; those found only through another
    name follow.
    """

    hits: list[SearchHit]
    alternatives: list[Alternative] = field(default_factory=list)
    showing_results_for: str | None = None
    """The query as searched, when a typed word matched nothing and was corrected."""
    you_typed: str | None = None

    @property
    def also_searched(self) -> list[str]:
        """Other names searched besides what was typed (not corrections)."""
        return list(
            dict.fromkeys(
                name for alt in self.alternatives if not alt.replaces for name in alt.names
            )
        )

    def to_dict(self) -> dict[str, Any]:
        return {
            "showing_results_for": self.showing_results_for,
            "you_typed": self.you_typed,
            "also_searched": self.also_searched,
            "alternatives": [alt.to_dict() for alt in self.alternatives],
            "hits": [hit.to_dict() for hit in self.hits],
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

    def replace_file(
        self,
        state: FileState,
        parsed: ParsedFile,
        encoding: str,
        rows: EntryRows | None = None,
    ) -> None:
        """Store (or replace) everything read from one file; `rows`, when given, are
        `entry_rows(parsed.entries)`, made beforehand (in a worker process)."""

    def record_unreadable(self, state: FileState, warnings: list[IndexWarning]) -> None:
        """Remember a file that could not be indexed, and why."""

    def touch_file(self, state: FileState) -> None:
        """The file's bytes are unchanged; remember its new size and time."""

    def remove_files(self, sources: Iterable[str]) -> None: ...

    def commit(self) -> None: ...

    def entries(self, filters: EntryFilter) -> list[EntrySummary]: ...

    def entry(self, id_or_prefix: str) -> Entry: ...

    def search(self, query: Query, *, limit: int = 20) -> list[SearchHit]:
        """The entries that match the query exactly as typed (in any word form)."""

    def search_with_alternatives(
        self,
        query: Query,
        *,
        limit: int = 20,
        abbreviations: Mapping[str, Sequence[str]] | None = None,
    ) -> SearchResult:
        """`search`, also through the closest words of the notes for a word that matches
        nothing or little, and through the other name of an abbreviation (built-in, from
        the log's glossary, or `abbreviations`: short form → long forms)."""

    def related(self, id_or_prefix: str, *, limit: int = 5) -> list[RelatedEntry]:
        """The entries most like one entry ("more like this"): its distinctive words,
        tags, papers and links, best first."""

    def related_all(
        self, *, limit: int = 5, only: Collection[str] | None = None
    ) -> dict[str, list[str]]:
        """`related` for every entry (or those with the ids `only`) at once: entry id →
        related entry ids."""

    def tags(self) -> list[TagCount]: ...

    def files(self) -> list[FileInfo]: ...

    def all_entries(self) -> Iterable[Entry]: ...

    def index_version(self) -> str:
        """A name for the index as it is now, which changes with every change to its
        entries, whoever made it (another process's `tilbook index` too)."""

    def file_entries(self, source: str) -> list[Entry]:
        """The entries of one file (`source`, relative to the notes folder), in file order."""

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

    def compact(self) -> bool:
        """Reclaim what rewriting entries left behind, when enough was rewritten that it
        slows reading; say whether it did. (After an index run; a backend that keeps
        itself compact does nothing.)"""

    def resolve_note_links(self, changed: Sequence[str] | None = None) -> int:
        """Resolve the links between notes against the files indexed now (after each
        index run: where a link leads depends on every file); `changed` names the files
        read again since the last time (None: look at every link). Returns how many
        links now lead elsewhere."""

    def note_link_rows(
        self,
        *,
        from_entry: str | None = None,
        to_entry: str | None = None,
        source: str | None = None,
        unresolved: bool = False,
    ) -> list[tuple[EntrySummary, NoteLink]]:
        """Links between notes with the entry that makes each: those of one entry, those
        leading to one entry, those of one file, or only those that lead nowhere."""

    def paper_rows(self) -> list[tuple[EntrySummary, str, str, str | None, int]]:
        """Every paper mention: (entry, paper id, url, link title, line), oldest entries first."""

    def counts(self) -> dict[str, int]:
        """How many files and entries the index holds."""

    def replace_file_history(self, dates: Mapping[str, tuple[str | None, str]]) -> None:
        """Replace every file's (first committed, last changed) days from git history."""

    def file_history(self) -> dict[str, tuple[str | None, str]]:
        """Each file's (first committed, last changed) days, as last read from git."""

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
