"""The embedded index: one SQLite file in `.tilbook/index.db` beside the notes."""

from __future__ import annotations

import heapq
import json
import os
import sqlite3
import threading
from collections import defaultdict
from collections.abc import Callable, Collection, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from tilbook.errors import (
    AmbiguousId,
    EntryNotFound,
    IndexDamagedError,
    IndexStoreError,
    StateError,
)
from tilbook.model import (
    Answer,
    Entry,
    Footnote,
    IndexWarning,
    Link,
    NoteLink,
    Paper,
    ParsedFile,
    Question,
    Span,
    Term,
    Todo,
)
from tilbook.notes.files import STATE_DIR
from tilbook.store import sqlite_links
from tilbook.store.base import (
    Alternative,
    EntryDate,
    EntryFilter,
    EntrySummary,
    FileInfo,
    FileState,
    RelatedEntry,
    SearchHit,
    SearchResult,
    TagCount,
)
from tilbook.store.migrations import migrate, rollback
from tilbook.store.query import Query, cjk_grams, has_cjk, make_snippet, split_scripts
from tilbook.store.query import Term as QueryTerm
from tilbook.store.related import (
    CANDIDATES,
    LINK_WEIGHT,
    PAPER_WEIGHT,
    distinctive_words,
    most_entries,
    word_counts,
)
from tilbook.store.rows import EntryRows, entry_rows
from tilbook.store.sqlite_state import (
    ADOPTED_META,
    SIGNATURE_META,
    fill_cache,
    put_answer,
    record_identity,
    records_in_tables,
)
from tilbook.store.state import (
    ANSWERS,
    LOCK_NAME,
    PARAMETERS,
    REVIEWS,
    StateFolder,
    answer_record,
    now_iso,
    records_in_order,
    reopen_record,
)
from tilbook.store.stemming import (
    DEFAULT_LANGUAGE,
    korean_forms,
    phrase_stems,
    query_stems,
)

if TYPE_CHECKING:
    from tilbook.store.abbreviations import Abbreviations

_WORD_COLUMNS = "{title body tags}"
_VOCABULARY_COLUMNS = ("body", "title", "tags")
_REWRITTEN = "rewritten_entries"
"""Meta key: entries deleted or written again since the full-text index was compacted."""
_COMPACT_AFTER = 1000
"""The fewest rewritten entries worth compacting the full-text index for."""
"""The columns a word's entry count is taken over: the most entries of any one."""
_BM25 = "bm25(entries_fts, 5.0, 1.0, 3.0, 1.0, 0.4)"
"""Column weights: a match in the title counts most, then tags, then the text; another
form of the word (its stem) counts least, so the form typed ranks first."""
_STEM_LANGUAGES = "stem_languages"
"""Meta: the languages whose stemmers the index used (a query is stemmed in each)."""


_STRUCTURE = 10
"""The row of an FTS5 table's data table that holds its structure record."""


@dataclass(slots=True)
class _Derived:
    """Tables derived from one state of an index (the words of the notes with their entry
    counts, the abbreviations in force), made once for all of a process's connections."""

    state: str
    vocabulary: dict[str, list[tuple[str, int]]] = field(default_factory=dict)
    """Words and how many entries hold each, by the prefix asked for."""
    counts: dict[str, int] | None = None
    """The whole vocabulary (`vocabulary[""]`) as a dict, once it is read."""
    abbreviations: dict[str, Abbreviations] = field(default_factory=dict)
    """By the user's own pairs (their repr)."""
    reading_words: threading.Lock = field(default_factory=threading.Lock)
    making_abbreviations: threading.Lock = field(default_factory=threading.Lock)


_DERIVED: dict[Path, _Derived] = {}
_DERIVED_LOCK = threading.Lock()
_DERIVED_PATHS = 8
"""Indexes whose derived tables a process keeps at once."""


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def _fts_string(text: str) -> str:
    """`text` as an FTS5 string: quoted, its quotes doubled, NUL (which ends a string in
    SQLite's parser) dropped."""
    return '"' + text.replace("\x00", "").replace('"', '""') + '"'


def _has_word_char(text: str) -> bool:
    return any(char.isalnum() for char in text)


def _term_match(term: QueryTerm, languages: Sequence[str] = ()) -> str | None:
    """One query term as an FTS5 expression, or None when it has nothing to match."""
    parts: list[str] = []
    for chunk in split_scripts(term.text).split():
        if not _has_word_char(chunk):
            continue
        if has_cjk(chunk):
            cjk = [_cjk_match(word) for word in korean_forms(chunk)]
            parts.append(cjk[0] if len(cjk) == 1 else "(" + " OR ".join(cjk) + ")")
        else:
            suffix = " *" if term.prefix else ""
            exact = f"{_WORD_COLUMNS} : {_fts_string(chunk)}{suffix}"
            stems = [] if term.prefix or term.phrase else query_stems(chunk, languages)
            if stems:
                other = " OR ".join(f"stems : {_fts_string(stem)}" for stem in stems)
                exact = f"({exact} OR {other})"
            parts.append(exact)
    if not parts:
        return None
    if term.phrase and all(not has_cjk(part) for part in parts) and len(parts) > 1:
        exact = f"{_WORD_COLUMNS} : {_fts_string(term.text)}"
        stemmed = phrase_stems(term.text.split(), languages)
        if not stemmed:
            return exact
        other = " OR ".join(f"stems : {_fts_string(phrase)}" for phrase in stemmed)
        return f"({exact} OR {other})"
    return " AND ".join(parts)


def _cjk_match(chunk: str) -> str:
    """A run's character pairs as a phrase; one character as a prefix of any pair."""
    grams = cjk_grams(chunk).split()
    if len(grams) == 1:
        return f"cjk : {_fts_string(grams[0])} *"
    return f"cjk : {_fts_string(' '.join(grams[:-1]))}"


def fts_expression(query: Query, languages: Sequence[str] = ()) -> str | None:
    """The MATCH expression for a query's terms (None when there are none)."""
    parts = [match for match in (_term_match(term, languages) for term in query.terms) if match]
    return " AND ".join(f"({part})" for part in parts) if parts else None


_ERROR_MEANINGS = {
    5: "is busy: another tilbook is writing it; try again in a moment",  # SQLITE_BUSY
    6: "is busy: another tilbook is writing it; try again in a moment",  # SQLITE_LOCKED
    8: "cannot be written (a read-only file, folder or disk)",  # SQLITE_READONLY
    10: "could not be read or written: the disk reported an input/output error",  # IOERR
    13: "could not be written: the disk is full (or a file-size limit was reached); "
    "free some space and run the command again",  # SQLITE_FULL
    14: "cannot be opened: is .tilbook a folder you may write to?",  # SQLITE_CANTOPEN
}


def index_error(path: Path, error: sqlite3.Error) -> IndexStoreError:
    """What an SQLite error means for the user, as tilbook's own error.

    Only an index file that SQLite finds damaged is called damaged (and set aside by
    `--rebuild`); a full disk, a read-only file or a busy index each say so.
    """
    code = getattr(error, "sqlite_errorcode", None)
    primary = code & 0xFF if isinstance(code, int) else None
    if primary in (11, 26):  # SQLITE_CORRUPT, SQLITE_NOTADB
        return IndexDamagedError(
            f"{path}: the index is damaged ({error}). "
            "Run `tilbook index --rebuild` to make it again from your notes."
        )
    meaning = _ERROR_MEANINGS.get(primary or 0, f"could not be used ({error})")
    return IndexStoreError(f"{path}: the index {meaning}. Your notes were not changed.")


_ALL_TAGS = (
    "(SELECT entry FROM entry_tags WHERE tag_key IN (SELECT value FROM json_each(?)) "
    "GROUP BY entry HAVING COUNT(DISTINCT tag_key) = ?)"
)
"""The entries that have every one of a JSON list of tag keys: one expression however
many tags are asked for."""


def _tag_params(tags: list[str]) -> list[Any]:
    keys = sorted({tag.lstrip("#").casefold() for tag in tags})
    return [json.dumps(keys, ensure_ascii=False), len(keys)]


class SQLiteStore:
    """`Store` on an SQLite file (WAL mode, FTS5)."""

    def __init__(
        self, path: Path, *, create: bool = True, state: StateFolder | None = None
    ) -> None:
        self.path = path
        if not create and not path.exists():
            raise IndexStoreError(f"{path}: no index yet. Run `tilbook index` first.")
        path.parent.mkdir(parents=True, exist_ok=True)
        self.state = state or StateFolder(path.parent / STATE_DIR, path.parent / LOCK_NAME)
        """Where what the user did is kept; the tables of it here are a cache."""
        self.notices: list[str] = []
        """Things to tell the user once (say, state moved out of an old index)."""
        self.state_warnings: list[IndexWarning] = []
        """What was wrong in the state files when they were last read."""
        self._connect()
        self._deleted_rows = 0
        """Entries deleted (or written again) since the last commit."""
        self._stem_languages_seen: set[str] = set()
        self._adopt_table_state()

    def _connect(self) -> None:
        db: sqlite3.Connection | None = None
        try:
            db = self.db = sqlite3.connect(self.path, isolation_level=None, check_same_thread=False)
            self.db.execute("PRAGMA busy_timeout=5000")
            self.db.execute("PRAGMA journal_mode=WAL")
            self.db.execute("PRAGMA synchronous=NORMAL")
            self.db.execute("PRAGMA temp_store=MEMORY")
            self.db.execute("PRAGMA cache_size=-65536")  # 64 MiB
            self.db.execute("PRAGMA mmap_size=268435456")  # 256 MiB
            migrate(self.db)
        except sqlite3.Error as error:
            if db is not None:
                db.close()
            raise index_error(self.path, error) from error
        self._in_transaction = False

    # -- transactions --------------------------------------------------------------------

    def _begin(self) -> None:
        if not self._in_transaction:
            self.db.execute("BEGIN")
            self._in_transaction = True

    def stem_languages(self) -> list[str]:
        """The languages the index stemmed entries in (English when it has none yet)."""
        stored = json.loads(self.get_meta(_STEM_LANGUAGES) or "[]")
        return sorted(set(stored) | self._stem_languages_seen) or [DEFAULT_LANGUAGE]

    def _save_stem_languages(self) -> None:
        stored = set(json.loads(self.get_meta(_STEM_LANGUAGES) or "[]"))
        if not self._stem_languages_seen <= stored:
            self.set_meta(_STEM_LANGUAGES, json.dumps(sorted(stored | self._stem_languages_seen)))

    def commit(self) -> None:
        if self._in_transaction:
            self._save_stem_languages()
            if self._deleted_rows:
                rewritten = int(self.get_meta(_REWRITTEN) or 0) + self._deleted_rows
                self.set_meta(_REWRITTEN, str(rewritten))
                self._deleted_rows = 0
            self.db.execute("COMMIT")
            self._in_transaction = False

    def compact(self) -> bool:
        # NOTE: FTS5 keeps an entry written again twice (the old words, marked deleted,
        # and the new ones) until its segments merge into the oldest one, which automatic
        # merging seldom does: after a few hundred edits of a 10,000-entry log its data
        # was 3 times the size, and looking a word up 4 times slower. Merged into one
        # segment again once as many entries were written again as the index holds.
        rewritten = int(self.get_meta(_REWRITTEN) or 0)
        if rewritten < max(_COMPACT_AFTER, self.counts()["entries"]):
            return False
        self._begin()
        self.db.execute("INSERT INTO entries_fts(entries_fts) VALUES ('optimize')")
        self.set_meta(_REWRITTEN, "0")
        self.commit()
        return True

    def close(self) -> None:
        if self._in_transaction:
            rollback(self.db)
            self._in_transaction = False
        self.db.close()

    # -- what the user did (state files, cached here) ------------------------------------

    def _adopt_table_state(self) -> None:
        """Once per index: move answers and reviews that only this index holds (it was
        made before state files existed) into the state files."""
        if self.get_meta(ADOPTED_META) == "1":
            return
        try:
            with self.state.writing():
                tables = records_in_tables(self.db)
                present = {
                    name: {record_identity(record) for record in file.records}
                    for name, file in self.state.read_files().items()
                }
                moved: dict[str, int] = {}
                for name, records in tables.items():
                    new = [r for r in records if record_identity(r) not in present[name]]
                    self.state.append(name, new)
                    moved[name] = len(new)
                self._begin()
                self.set_meta(ADOPTED_META, "1")
                self.commit()
        except OSError as error:
            raise StateError(
                f"{self.state.folder}: cannot write the state files ({error.strerror or error})"
            ) from error
        if any(moved.values()):
            answers, reviews = moved[ANSWERS], moved[REVIEWS]
            self.notices.append(
                f"moved {answers} answer record(s), {reviews} review record(s) and "
                f"{'the' if moved[PARAMETERS] else 'no'} fitted FSRS parameters from the index "
                f"into {self.state.folder}; commit that folder with your notes "
                "so they travel with them"
            )

    def refresh_state(self, *, locked: bool = False) -> None:
        """Fill the cache again if the state files changed since it was filled."""
        if self.db.in_transaction:
            return  # never wait for the state lock while holding the database's
        signature = self.state.signature()
        if signature == self.get_meta(SIGNATURE_META):
            return
        if not locked:
            with self.state.reading():
                self._fill_from_state()
        else:
            self._fill_from_state()

    def _fill_from_state(self) -> None:
        signature = self.state.signature()
        user = self.state.load()
        self._begin()
        try:
            fill_cache(self.db, user)
            self.set_meta(SIGNATURE_META, signature)
        except BaseException:
            rollback(self.db)
            self._in_transaction = False
            raise
        self.commit()
        self.state_warnings = user.warnings

    def write_state(
        self, name: str, records: list[dict[str, Any]], update_cache: Callable[[], object]
    ) -> None:
        """Append records to a state file and apply them to the cache, as one step.

        The state lock is held throughout, so concurrent writers (the web app and a
        terminal review) each see the other's records and none is lost.
        """
        try:
            with self.state.writing():
                self.refresh_state(locked=True)
                self.state.append(name, records)
                self._begin()
                try:
                    update_cache()
                    self.set_meta(SIGNATURE_META, self.state.signature())
                except BaseException:
                    rollback(self.db)
                    self._in_transaction = False
                    raise
                self.commit()
        except OSError as error:
            raise StateError(
                f"{self.state.path(name)}: cannot be written ({error.strerror or error}); "
                "nothing was recorded"
            ) from error

    def state_records(self) -> dict[str, list[dict[str, Any]]]:
        with self.state.reading():
            files = self.state.read_files()
        return {name: records_in_order(file) for name, file in files.items()}

    def add_state_records(
        self, records: Mapping[str, Iterable[dict[str, Any]]]
    ) -> dict[str, list[dict[str, Any]]]:
        added: dict[str, list[dict[str, Any]]] = {}
        try:
            with self.state.writing():
                present = {
                    name: {record_identity(record) for record in file.records}
                    for name, file in self.state.read_files().items()
                }
                for name, incoming in records.items():
                    new: list[dict[str, Any]] = []
                    for record in incoming:
                        identity = record_identity(record)
                        if identity not in present[name]:
                            present[name].add(identity)
                            new.append(record)
                    self.state.append(name, new)
                    added[name] = new
                self.refresh_state(locked=True)
        except OSError as error:
            raise StateError(
                f"{self.state.folder}: cannot be written ({error.strerror or error})"
            ) from error
        return added

    def get_meta(self, key: str) -> str | None:
        row = self.db.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
        return None if row is None else str(row[0])

    def set_meta(self, key: str, value: str) -> None:
        self.db.execute(
            "INSERT INTO meta(key, value) VALUES (?, ?) "
            "ON CONFLICT(key) DO UPDATE SET value = excluded.value",
            (key, value),
        )

    # -- writing -------------------------------------------------------------------------

    def file_states(self) -> dict[str, FileState]:
        return {
            row[0]: FileState(row[0], row[1], row[2], row[3], row[4])
            for row in self.db.execute(
                "SELECT source, size, mtime_ns, hash, parser_version FROM files"
            )
        }

    def _delete_entries(self, file_id: int) -> None:
        rows = [
            row[0]
            for row in self.db.execute("SELECT rowid FROM entries WHERE file_id = ?", (file_id,))
        ]
        if not rows:
            return
        placeholders = ",".join("?" * len(rows))
        for table in (
            "entry_tags",
            "links",
            "papers",
            "todos",
            "questions",
            "terms",
            "note_links",
            "entry_anchors",
        ):
            self.db.execute(f"DELETE FROM {table} WHERE entry IN ({placeholders})", rows)
        self.db.execute(f"DELETE FROM entries_fts WHERE rowid IN ({placeholders})", rows)
        self.db.execute("DELETE FROM entries WHERE file_id = ?", (file_id,))
        self._deleted_rows += len(rows)

    def _upsert_file(
        self,
        state: FileState,
        *,
        encoding: str | None,
        layout: str | None,
        layout_reason: str | None,
        title: str | None,
        front_matter: dict[str, Any],
        targets: list[dict[str, Any]],
        warnings: list[IndexWarning],
        preamble: tuple[int, int] | None,
        confidence: float = 1.0,
        doubts: list[str] | None = None,
    ) -> int:
        row = self.db.execute(
            """
            INSERT INTO files(source, size, mtime_ns, hash, parser_version, encoding, layout,
                              layout_reason, title, front_matter, targets, warnings,
                              preamble_start, preamble_end, indexed_at, confidence, doubts)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
            ON CONFLICT(source) DO UPDATE SET
                size = excluded.size, mtime_ns = excluded.mtime_ns, hash = excluded.hash,
                parser_version = excluded.parser_version, encoding = excluded.encoding,
                layout = excluded.layout, layout_reason = excluded.layout_reason,
                title = excluded.title, front_matter = excluded.front_matter,
                targets = excluded.targets, warnings = excluded.warnings,
                preamble_start = excluded.preamble_start, preamble_end = excluded.preamble_end,
                indexed_at = excluded.indexed_at, confidence = excluded.confidence,
                doubts = excluded.doubts
            RETURNING id
            """,
            (
                state.source,
                state.size,
                state.mtime_ns,
                state.hash,
                state.parser_version,
                encoding,
                layout,
                layout_reason,
                title,
                json.dumps(front_matter, default=str, ensure_ascii=False),
                json.dumps(targets, ensure_ascii=False),
                json.dumps(
                    [{"message": w.message, "line": w.line} for w in warnings], ensure_ascii=False
                ),
                preamble[0] if preamble else None,
                preamble[1] if preamble else None,
                _now(),
                confidence,
                json.dumps(doubts or [], ensure_ascii=False),
            ),
        ).fetchone()
        return int(row[0])

    def replace_file(
        self,
        state: FileState,
        parsed: ParsedFile,
        encoding: str,
        rows: EntryRows | None = None,
    ) -> None:
        """`rows`, when given, are `entry_rows(parsed.entries)` made beforehand (in a
        worker process)."""
        self._begin()
        existing = self.db.execute(
            "SELECT id FROM files WHERE source = ?", (state.source,)
        ).fetchone()
        if existing is not None:
            self._delete_entries(int(existing[0]))
        file_id = self._upsert_file(
            state,
            encoding=encoding,
            layout=parsed.layout,
            layout_reason=parsed.layout_reason,
            title=parsed.title,
            front_matter=parsed.front_matter,
            targets=parsed.file_dict()["targets"],
            warnings=parsed.warnings,
            preamble=parsed.preamble,
            confidence=parsed.confidence,
            doubts=parsed.doubts,
        )
        if rows is None:
            self._insert_entries(file_id, parsed.entries)
        else:
            self._insert_rows(file_id, rows)
        sqlite_links.insert(self.db, file_id, parsed.entries)

    def _insert_entries(self, file_id: int, entries: list[Entry]) -> None:
        self._insert_rows(file_id, entry_rows(entries))

    def _insert_rows(self, file_id: int, rows: EntryRows) -> None:
        """Insert one file's rows, each table with one `executemany`: the entries get the
        rowids after the highest in use (as SQLite would give them one by one)."""
        db = self.db
        if not rows.entries:
            return
        last = db.execute("SELECT COALESCE(MAX(rowid), 0) FROM entries").fetchone()[0]
        base = int(last) + 1

        def numbered(found: list[tuple[Any, ...]]) -> Iterator[tuple[Any, ...]]:
            return ((base + row[0], *row[1:]) for row in found)

        db.executemany(
            "INSERT INTO entries(rowid, id, file_id, position, line, end_line, layout, date, "
            "title, category, has_math, code_languages, footnotes, spans, body) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            ((base + row[0], row[1], file_id, row[0], *row[2:]) for row in rows.entries),
        )
        self._stem_languages_seen.update(rows.languages)
        db.executemany("INSERT INTO entry_tags VALUES (?, ?, ?, ?)", numbered(rows.tags))
        db.executemany("INSERT INTO links VALUES (?, ?, ?, ?, ?, ?)", numbered(rows.links))
        db.executemany("INSERT INTO papers VALUES (?, ?, ?, ?, ?, ?)", numbered(rows.papers))
        db.executemany("INSERT INTO todos VALUES (?, ?, ?, ?, ?, ?)", numbered(rows.todos))
        db.executemany("INSERT INTO questions VALUES (?, ?, ?, ?, ?, ?)", numbered(rows.questions))
        db.executemany("INSERT INTO terms VALUES (?, ?, ?, ?, ?)", numbered(rows.terms))
        db.executemany(
            "INSERT INTO entries_fts(rowid, title, body, tags, cjk, stems) "
            "VALUES (?, ?, ?, ?, ?, ?)",
            numbered(rows.fts),
        )

    def record_unreadable(self, state: FileState, warnings: list[IndexWarning]) -> None:
        self._begin()
        existing = self.db.execute(
            "SELECT id FROM files WHERE source = ?", (state.source,)
        ).fetchone()
        if existing is not None:
            self._delete_entries(int(existing[0]))
        self._upsert_file(
            state,
            encoding=None,
            layout=None,
            layout_reason=None,
            title=None,
            front_matter={},
            targets=[],
            warnings=warnings,
            preamble=None,
        )

    def touch_file(self, state: FileState) -> None:
        self._begin()
        self.db.execute(
            "UPDATE files SET size = ?, mtime_ns = ? WHERE source = ?",
            (state.size, state.mtime_ns, state.source),
        )

    def remove_files(self, sources: Iterable[str]) -> None:
        self._begin()
        for source in sources:
            row = self.db.execute("SELECT id FROM files WHERE source = ?", (source,)).fetchone()
            if row is not None:
                self._delete_entries(int(row[0]))
                self.db.execute("DELETE FROM files WHERE id = ?", (row[0],))

    # -- reading -------------------------------------------------------------------------

    _SUMMARY = """
        SELECT e.rowid, e.id, f.source, e.line, e.date, e.title, e.category, e.layout,
               h.first_seen, h.last_changed
        FROM entries e JOIN files f ON f.id = e.file_id
        LEFT JOIN file_history h ON h.source = f.source
    """
    _ORDER = " ORDER BY e.date IS NULL, e.date DESC, f.source, e.position"

    def _tags_for(self, rowids: list[int]) -> dict[int, list[str]]:
        found: dict[int, list[str]] = defaultdict(list)
        for chunk_start in range(0, len(rowids), 900):
            chunk = rowids[chunk_start : chunk_start + 900]
            placeholders = ",".join("?" * len(chunk))
            for rowid, tag in self.db.execute(
                f"SELECT entry, tag FROM entry_tags WHERE entry IN ({placeholders}) "
                "ORDER BY entry, position",
                chunk,
            ):
                found[rowid].append(tag)
        return found

    def _summaries(self, rows: list[tuple[Any, ...]]) -> list[EntrySummary]:
        tags = self._tags_for([row[0] for row in rows])
        return [
            EntrySummary(
                row[1], row[2], row[3], row[4], row[5], row[6], row[7], tags[row[0]], *row[8:10]
            )
            for row in rows
        ]

    def _filter_sql(self, filters: EntryFilter) -> tuple[str, list[Any]]:
        clauses: list[str] = []
        params: list[Any] = []
        if filters.tags:
            clauses.append(f"e.rowid IN {_ALL_TAGS}")
            params.extend(_tag_params(filters.tags))
        for clause, value in (
            ("e.date >= ?", filters.since),
            ("e.date <= ?", filters.until),
            ("f.source = ?", filters.source),
            ("e.layout = ?", filters.layout),
            ("e.category = ? COLLATE NOCASE", filters.category),
        ):
            if value:
                clauses.append(clause)
                params.append(value)
        if filters.links_to:
            clauses.append("e.rowid IN (SELECT entry FROM note_links WHERE to_entry = ?)")
            params.append(filters.links_to)
        if filters.linked_from:
            clauses.append(
                "e.id IN (SELECT l.to_entry FROM note_links l JOIN entries src "
                "ON src.rowid = l.entry WHERE src.id = ?)"
            )
            params.append(filters.linked_from)
        return (" WHERE " + " AND ".join(clauses)) if clauses else "", params

    def entries(self, filters: EntryFilter) -> list[EntrySummary]:
        where, params = self._filter_sql(filters)
        sql = self._SUMMARY + where + self._ORDER
        if filters.limit:
            sql += " LIMIT ?"
            params.append(filters.limit)
        return self._summaries(self.db.execute(sql, params).fetchall())

    def _rowid_filter_sql(self, filters: EntryFilter) -> tuple[str, list[Any]]:
        """The filters as conditions on an entry rowid (for use inside the FTS query).

        The unary `+` keeps SQLite from handing the condition to FTS5 as a rowid
        lookup, which would test the MATCH once per filtered row (seconds at 100k).
        """
        clauses: list[str] = []
        params: list[Any] = []
        if filters.tags:
            clauses.append(f"+rowid IN {_ALL_TAGS}")
            params.extend(_tag_params(filters.tags))
        if filters.since or filters.until:
            clauses.append(
                "(SELECT date FROM entries WHERE entries.rowid = entries_fts.rowid) BETWEEN ? AND ?"
            )
            params.extend([filters.since or "0000", filters.until or "9999"])
        return "".join(" AND " + clause for clause in clauses), params

    def search(self, query: Query, *, limit: int = 20) -> list[SearchHit]:
        filters = EntryFilter(tags=query.tags, since=query.since, until=query.until)
        expression = fts_expression(query, self.stem_languages())
        if expression is None:
            if query.terms:
                return []  # only punctuation: nothing can match
            summaries = self.entries(EntryFilter(**{**_filter_dict(filters), "limit": limit}))
            return [SearchHit(s, 0.0, make_snippet(self._body(s.id), [])) for s in summaries]
        return self._ranked(expression, filters, query.words, limit)

    def _ranked(
        self, expression: str, filters: EntryFilter, words: list[str], limit: int
    ) -> list[SearchHit]:
        """The best `limit` matches of an FTS5 expression, by BM25, with snippets."""
        conditions, params = self._rowid_filter_sql(filters)
        # NOTE: every match is ranked (BM25), inside the FTS table, and only the winners
        # are joined to their entries.
        sql = f"""
            SELECT e.rowid, e.id, f.source, e.line, e.date, e.title, e.category, e.layout,
                   ranked.score, e.body
            FROM (
                SELECT rowid, {_BM25} AS score FROM entries_fts
                WHERE entries_fts MATCH ?{conditions}
                ORDER BY score LIMIT ?
            ) AS ranked
            JOIN entries e ON e.rowid = ranked.rowid
            JOIN files f ON f.id = e.file_id
            ORDER BY ranked.score
        """
        try:
            rows = self.db.execute(sql, [expression, *params, limit]).fetchall()
        except sqlite3.Error as error:
            # Words are quoted, so a query cannot be malformed: this is the index's fault,
            # and the user hears of it rather than seeing "no matches".
            raise index_error(self.path, error) from error
        summaries = self._summaries([row[:8] for row in rows])
        return [
            SearchHit(summary, -float(row[8]), make_snippet(row[9], words))
            for summary, row in zip(summaries, rows, strict=True)
        ]

    # -- typos and abbreviations (tilbook.store.alternatives) ------------------------------

    def index_version(self) -> str:
        """A name for the index as it is now: it changes with every change to the entries,
        whichever connection or process made it, and when the index file is made anew."""
        # NOTE: the full-text index's structure record (id 10 of its data table) is
        # rewritten by every committed change to it; the file's identity tells an index
        # made again (same layout, other words) from the one before.
        row = self.db.execute(f"SELECT block FROM entries_fts_data WHERE id = {_STRUCTURE}")
        found = row.fetchone()
        try:
            info = os.stat(self.path)
            identity = f"{info.st_dev}:{info.st_ino}"
        except OSError:
            identity = "?"
        return f"{identity}:{bytes(found[0]).hex() if found else ''}"

    @contextmanager
    def _shared(self) -> Iterator[_Derived | None]:
        """The tables derived from the index as this connection sees it, shared by all of
        the process's connections to it (a web app has one per thread); None while this
        connection holds writes not yet committed (what it sees is not the index's)."""
        if self.db.in_transaction:
            yield None
            return
        self.db.execute("BEGIN")  # one snapshot for the name and for what is read under it
        try:
            state = self.index_version()
            with _DERIVED_LOCK:
                derived = _DERIVED.get(self.path)
                if derived is None or derived.state != state:
                    _DERIVED.pop(self.path, None)
                    while len(_DERIVED) >= _DERIVED_PATHS:
                        del _DERIVED[next(iter(_DERIVED))]  # the least recently changed
                    derived = _DERIVED[self.path] = _Derived(state)
            yield derived
        finally:
            if self.db.in_transaction:
                self.db.execute("COMMIT")

    def _vocabulary_table(self) -> str:
        # NOTE: an fts5vocab table in the temp schema, made on demand: no migration, and
        # it reads the full-text index itself, so it is never out of date.
        self.db.execute(
            "CREATE VIRTUAL TABLE IF NOT EXISTS temp.entries_vocab "
            "USING fts5vocab(main, entries_fts, 'col')"
        )
        return "temp.entries_vocab"

    def word_entries(self, word: str, at_most: int | None = None) -> int:
        if at_most is not None:
            # NOTE: counting stops after `at_most` + 1 matches, where the vocabulary walks
            # every entry holding a common word. The text first: it holds most words, and
            # once it passes the bound the other columns need no count.
            most = 0
            for column in _VOCABULARY_COLUMNS:
                (found,) = self.db.execute(
                    "SELECT count(*) FROM (SELECT rowid FROM entries_fts "
                    "WHERE entries_fts MATCH ? LIMIT ?)",
                    (f"{column} : {_fts_string(word)}", at_most + 1),
                ).fetchone()
                most = max(most, int(found))
                if most > at_most:
                    break
            return most
        row = self.db.execute(
            f"SELECT max(doc) FROM {self._vocabulary_table()} "
            "WHERE term = ? AND col IN ('title', 'body', 'tags')",
            (word,),
        ).fetchone()
        return int(row[0] or 0)

    def term_entries(self, term: QueryTerm, at_most: int) -> int:
        match = _term_match(term, self.stem_languages())
        if match is None:
            return 0
        row = self.db.execute(
            "SELECT count(*) FROM (SELECT rowid FROM entries_fts WHERE entries_fts MATCH ? "
            "LIMIT ?)",
            (match, at_most),
        ).fetchone()
        return int(row[0])

    def vocabulary(self, starting: str = "") -> list[tuple[str, int]]:
        with self._shared() as derived:
            if derived is None:
                return self._read_vocabulary(starting)
            found = derived.vocabulary.get(starting)
            if found is not None:
                return found
            with derived.reading_words:  # one connection reads them; the others wait
                found = derived.vocabulary.get(starting)
                if found is None:
                    found = derived.vocabulary[starting] = self._read_vocabulary(starting)
                return found

    def _read_vocabulary(self, starting: str) -> list[tuple[str, int]]:
        # NOTE: a range on `term` is read from the index's own term order, not scanned.
        rows = self.db.execute(
            f"SELECT term, max(doc) FROM {self._vocabulary_table()} "
            "WHERE term >= ? AND term < ? AND col IN ('title', 'body', 'tags') GROUP BY term",
            (starting, starting + "\U0010ffff" if starting else "\U0010ffff"),
        ).fetchall()
        return [(str(t), int(n)) for t, n in rows if str(t).isalpha()]

    def _word_counts(self) -> dict[str, int] | None:
        """Every word of the notes with its entry count, when read already for the index
        as it is now (else None: reading them all takes seconds at 100,000 entries)."""
        with self._shared() as derived:
            if derived is None or "" not in derived.vocabulary:
                return None
            if derived.counts is None:
                derived.counts = dict(derived.vocabulary[""])
            return derived.counts

    def glossary(self) -> list[tuple[str, str]]:
        return [
            (str(term), str(definition))
            for term, definition in self.db.execute("SELECT DISTINCT term, definition FROM terms")
        ]

    def _abbreviations(self, extra: Mapping[str, Sequence[str]] | None) -> Abbreviations:
        from tilbook.store.abbreviations import abbreviations

        key = repr(sorted((extra or {}).items()))
        with self._shared() as derived:
            if derived is None:
                return abbreviations(self.glossary(), extra)
            found = derived.abbreviations.get(key)
            if found is not None:
                return found
            with derived.making_abbreviations:
                found = derived.abbreviations.get(key)
                if found is None:
                    found = derived.abbreviations[key] = abbreviations(self.glossary(), extra)
                return found

    def search_with_alternatives(
        self,
        query: Query,
        *,
        limit: int = 20,
        abbreviations: Mapping[str, Sequence[str]] | None = None,
    ) -> SearchResult:
        # NOTE: imported here: the spelling matcher is needed only by searches.
        from tilbook.store.alternatives import corrected_text, plan, typed_text

        slots = plan(query, self, known=self._abbreviations(abbreviations)) if query.terms else []
        if not slots:
            return SearchResult(self.search(query, limit=limit))
        languages = self.stem_languages()
        starts = {slot.start: slot for slot in slots}
        typed_parts: list[str] = []
        every_part: list[str] = []
        index = 0
        while index < len(query.terms):
            slot = starts.get(index)
            terms = query.terms[index : slot.end] if slot else [query.terms[index]]
            typed = [match for match in (_term_match(t, languages) for t in terms) if match]
            typed_match = " AND ".join(f"({match})" for match in typed) if typed else None
            index += len(terms)
            if slot is None:
                if typed_match:
                    typed_parts.append(typed_match)
                    every_part.append(typed_match)
                continue
            others = [match for match in (_term_match(t, languages) for t in slot.terms) if match]
            if slot.replaces:
                typed_match = others[0] if others else typed_match
            choices = [typed_match] if typed_match and not slot.replaces else []
            choices += others
            if typed_match:
                typed_parts.append(typed_match)
            if choices:
                every_part.append(" OR ".join(f"({choice})" for choice in choices))
        filters = EntryFilter(tags=query.tags, since=query.since, until=query.until)
        names = [name for slot in slots for name in slot.names]
        words = [*query.words, *(word for name in names for word in name.split())]
        corrections = [slot.names[0] for slot in slots if slot.replaces]
        hits = self._ranked(" AND ".join(f"({p})" for p in typed_parts), filters, words, limit)
        for hit in hits:
            hit.found_through = list(corrections)
        if len(hits) < limit and every_part:
            seen = {hit.entry.id for hit in hits}
            expression = " AND ".join(f"({part})" for part in every_part)
            for hit in self._ranked(expression, filters, words, limit + len(hits)):
                if hit.entry.id in seen or len(hits) >= limit:
                    continue
                text = f"{hit.entry.title}\n{self._body(hit.entry.id)}".casefold()
                hit.found_through = [
                    name for name in dict.fromkeys(names) if name.casefold() in text
                ] or list(dict.fromkeys(names))
                hits.append(hit)
        return SearchResult(
            hits,
            [Alternative(s.typed, s.names, s.kind, s.replaces) for s in slots],
            corrected_text(query, slots),
            typed_text(query) if corrections else None,
        )

    # -- related entries (tilbook.store.related) ------------------------------------------

    def related(self, id_or_prefix: str, *, limit: int = 5) -> list[RelatedEntry]:
        rowid = self.resolve_id(id_or_prefix)
        total = self.counts()["entries"]
        title, body = self.db.execute(
            "SELECT title, body FROM entries WHERE rowid = ?", (rowid,)
        ).fetchone()
        counts = word_counts(f"{title}\n{title}\n{body}")
        entries_with = _WordEntries(self.word_entries, most_entries(total))
        shares = self._shares(
            "SELECT DISTINCT paper_id, entry FROM papers WHERE paper_id IN "
            "(SELECT paper_id FROM papers WHERE entry = ?)",
            "SELECT DISTINCT url, entry FROM links WHERE url IN "
            "(SELECT url FROM links WHERE entry = ? AND kind != 'image') "
            "AND url NOT IN (SELECT url FROM papers)",
            [rowid],
            total,
        )
        tags = self._distinctive_tags("t.entry = ?", [rowid], total)
        ids = dict(self.db.execute("SELECT rowid, id FROM entries").fetchall())
        scored, words = self._related_scores(
            rowid, counts, entries_with, total, tags.get(rowid, []), shares, ids, limit
        )
        if not scored:
            return []
        listed = ",".join(str(other) for other, _, _ in scored)
        rows = self.db.execute(self._SUMMARY + f" WHERE e.rowid IN ({listed})").fetchall()
        summaries = dict(zip([row[0] for row in rows], self._summaries(rows), strict=True))
        texts = dict(
            self.db.execute(
                f"SELECT rowid, title || ' ' || body FROM entries WHERE rowid IN ({listed})"
            ).fetchall()
        )
        own_tags = {tag.casefold() for tag in self._tags_for([rowid])[rowid]}
        found: list[RelatedEntry] = []
        for other, score, shared in scored:
            theirs = word_counts(texts[other])
            summary = summaries[other]
            both = ["#" + tag for tag in summary.tags if tag.casefold() in own_tags]
            common = [word for word in words if word in theirs]
            found.append(RelatedEntry(summary, score, [*shared, *both, *common]))
        return found

    def related_all(
        self, *, limit: int = 5, only: Collection[str] | None = None
    ) -> dict[str, list[str]]:
        total = self.counts()["entries"]
        if only is None:
            rows = self.db.execute("SELECT rowid, id, title, body FROM entries").fetchall()
            asked, params = "", []
        else:
            rows = self.db.execute(
                "SELECT rowid, id, title, body FROM entries "
                "WHERE id IN (SELECT value FROM json_each(?))",
                (json.dumps(sorted(only)),),
            ).fetchall()
            # NOTE: only the papers, links and tags of the entries asked about matter (and
            # every entry that shares one): not the whole log's.
            mine = "entry IN (SELECT value FROM json_each(?))"
            asked = f" AND {{key}} IN (SELECT {{key}} FROM {{table}} WHERE {mine}{{extra}})"
            params = [json.dumps([row[0] for row in rows])]
        shares = self._shares(
            "SELECT DISTINCT paper_id, entry FROM papers WHERE 1"
            + asked.format(key="paper_id", table="papers", extra=""),
            "SELECT DISTINCT url, entry FROM links WHERE kind != 'image' "
            "AND url NOT IN (SELECT url FROM papers)"
            + asked.format(key="url", table="links", extra=" AND kind != 'image'"),
            params,
            total,
        )
        tags = self._distinctive_tags(
            "t.entry IN (SELECT value FROM json_each(?))" if params else "1", params, total
        )
        ids = dict(self.db.execute("SELECT rowid, id FROM entries").fetchall())
        # NOTE: a few entries look their words up one by one (a fraction of a millisecond
        # each); more read the whole vocabulary once (seconds at 100,000 entries), unless
        # it was read already for the index as it is now.
        read = self._word_counts()
        entries_with: Mapping[str, int] = (
            read
            if read is not None
            else _WordEntries(self.word_entries, most_entries(total))
            if len(rows) <= _LOOKUP_ENTRIES
            else dict(self.vocabulary())
        )
        found: dict[str, list[str]] = {}
        for rowid, entry_id, title, body in rows:
            counts = word_counts(f"{title}\n{title}\n{body}")
            scored, _ = self._related_scores(
                rowid, counts, entries_with, total, tags.get(rowid, []), shares, ids, limit
            )
            found[entry_id] = [ids[other] for other, _, _ in scored]
        return found

    def _distinctive_tags(self, where: str, params: list[Any], total: int) -> dict[int, list[str]]:
        """The tags of entries (those `where` picks) that few entries have, by entry.

        Like words, only tags few entries have tell entries apart (and a tag on thousands
        of entries would make BM25 weigh thousands of candidates)."""
        found: dict[int, list[str]] = defaultdict(list)
        for entry, tag in self.db.execute(
            "WITH counted AS (SELECT tag_key, COUNT(*) AS n FROM entry_tags GROUP BY tag_key) "
            "SELECT t.entry, t.tag FROM entry_tags t JOIN counted c ON c.tag_key = t.tag_key "
            f"WHERE {where} AND c.n <= ? ORDER BY t.entry, t.position",
            [*params, most_entries(total)],
        ):
            found[int(entry)].append(str(tag))
        return found

    def _shares(
        self, papers_sql: str, links_sql: str, params: list[Any], total: int
    ) -> list[tuple[float, dict[str, list[int]], dict[int, list[str]]]]:
        """For papers, then other links: (weight, key → entries, entry → keys); like
        words, only those few entries mention."""
        found = []
        for weight, sql in ((PAPER_WEIGHT, papers_sql), (LINK_WEIGHT, links_sql)):
            members: dict[str, list[int]] = defaultdict(list)
            for key, entry in self.db.execute(sql, params):
                members[key].append(entry)
            owned: dict[int, list[str]] = defaultdict(list)
            for key, entries in list(members.items()):
                if len(entries) > most_entries(total):
                    del members[key]
                    continue
                for entry in entries:
                    owned[entry].append(key)
            found.append((weight, members, owned))
        return found

    def _related_scores(
        self,
        rowid: int,
        counts: Mapping[str, int],
        entries_with: Mapping[str, int],
        total: int,
        tags: list[str],
        shares: list[tuple[float, dict[str, list[int]], dict[int, list[str]]]],
        ids: Mapping[int, str],
        limit: int,
    ) -> tuple[list[tuple[int, float, list[str]]], list[str]]:
        """The `limit` entries most like entry `rowid`, best first (equal scores by entry
        id, which stays when the index is made again), as (rowid, score, papers and links
        both have); and the entry's distinctive words."""
        words = distinctive_words(counts, entries_with, total)
        parts = [f"{_WORD_COLUMNS} : {_fts_string(word)}" for word in words]
        parts += [f"tags : {_fts_string(tag)}" for tag in tags if _has_word_char(tag)]
        scores: dict[int, float] = {}
        if parts:
            # NOTE: the same BM25 as search, over the entry's distinctive words and tags,
            # scaled so that the best match scores 1.
            rows = self.db.execute(
                f"SELECT rowid, {_BM25} AS score FROM entries_fts "
                "WHERE entries_fts MATCH ? AND rowid != ? ORDER BY score LIMIT ?",
                (" OR ".join(parts), rowid, CANDIDATES),
            ).fetchall()
            best = max((-float(score) for _, score in rows), default=0.0) or 1.0
            scores = {int(other): -float(score) / best for other, score in rows}
        shared: dict[int, list[str]] = defaultdict(list)
        for weight, members, owned in shares:
            for key in owned.get(rowid, []):
                for other in members[key]:
                    if other != rowid:
                        scores[other] = scores.get(other, 0.0) + weight
                        shared[other].append(key)
        best_first = heapq.nsmallest(limit, scores.items(), key=lambda p: (-p[1], ids[p[0]]))
        return [(other, score, shared[other]) for other, score in best_first], words

    def _body(self, entry_id: str) -> str:
        row = self.db.execute("SELECT body FROM entries WHERE id = ?", (entry_id,)).fetchone()
        return "" if row is None else str(row[0])

    def resolve_id(self, id_or_prefix: str) -> int:
        """The rowid of the entry with this id, or the one entry whose id starts so."""
        prefix = id_or_prefix.strip().lower()
        if not prefix:
            raise EntryNotFound("no entry id given")
        rows = self.db.execute(
            "SELECT rowid, id FROM entries WHERE id >= ? AND id < ? LIMIT 6",
            (prefix, prefix + "\U0010ffff"),
        ).fetchall()
        exact = [row for row in rows if row[1] == prefix]
        if exact:
            return int(exact[0][0])
        if not rows:
            raise EntryNotFound(
                f"no entry with id {id_or_prefix!r}. List ids with `tilbook entries`."
            )
        if len(rows) > 1:
            ids = ", ".join(row[1] for row in rows[:5])
            raise AmbiguousId(f"id {id_or_prefix!r} matches several entries ({ids}); type more")
        return int(rows[0][0])

    def entry(self, id_or_prefix: str) -> Entry:
        rowid = self.resolve_id(id_or_prefix)
        return next(iter(self._load_entries("e.rowid = ?", [rowid])))

    def all_entries(self) -> Iterator[Entry]:
        return iter(self._load_entries("1", []))

    def file_entries(self, source: str) -> list[Entry]:
        return self._load_entries("f.source = ?", [source])

    def _load_entries(self, where: str, params: list[Any]) -> list[Entry]:
        rows = self.db.execute(
            "SELECT e.rowid, e.id, f.source, e.line, e.end_line, e.layout, e.date, e.title, "
            "e.category, e.has_math, e.code_languages, e.footnotes, e.body, e.spans, "
            "h.first_seen, h.last_changed "
            "FROM entries e JOIN files f ON f.id = e.file_id "
            f"LEFT JOIN file_history h ON h.source = f.source WHERE {where} "
            "ORDER BY f.source, e.position",
            params,
        ).fetchall()
        if not rows:
            return []
        by_row: dict[int, Entry] = {}
        for row in rows:
            by_row[row[0]] = Entry(
                id=row[1],
                source=row[2],
                line=row[3],
                end_line=row[4],
                layout=row[5],
                date=row[6],
                title=row[7],
                category=row[8],
                has_math=bool(row[9]),
                code_languages=json.loads(row[10]),
                footnotes=[Footnote(*note) for note in json.loads(row[11])],
                body=row[12],
                spans=[Span(*span) for span in json.loads(row[13])],
                first_seen=row[14],
                last_changed=row[15],
            )
        scope = "1" if where == "1" else f"entry IN ({','.join(str(r) for r in by_row)})"
        for rowid, tag in self.db.execute(
            f"SELECT entry, tag FROM entry_tags WHERE {scope} ORDER BY entry, position"
        ):
            by_row[rowid].tags.append(tag)
        for rowid, *values in self.db.execute(
            f"SELECT entry, url, text, kind, line FROM links WHERE {scope} ORDER BY entry, position"
        ):
            by_row[rowid].links.append(Link(*values))
        for rowid, *values in self.db.execute(
            f"SELECT entry, paper_id, url, title, line FROM papers WHERE {scope} "
            "ORDER BY entry, position"
        ):
            by_row[rowid].papers.append(Paper(*values))
        for rowid, text, done, line, end_line in self.db.execute(
            f"SELECT entry, text, done, line, end_line FROM todos WHERE {scope} "
            "ORDER BY entry, position"
        ):
            by_row[rowid].todos.append(Todo(text, bool(done), line, end_line))
        for rowid, text, line, end_line, inline in self.db.execute(
            f"SELECT entry, text, line, end_line, inline FROM questions WHERE {scope} "
            "ORDER BY entry, position"
        ):
            by_row[rowid].questions.append(Question(text, line, end_line, bool(inline)))
        for rowid, *values in self.db.execute(
            f"SELECT entry, term, definition, line FROM terms WHERE {scope} "
            "ORDER BY entry, position"
        ):
            by_row[rowid].terms.append(Term(*values))
        sqlite_links.load(self.db, scope, by_row)
        return list(by_row.values())

    # -- links between notes ----------------------------------------------------------------

    def resolve_note_links(self, changed: Sequence[str] | None = None) -> int:
        self._begin()
        return sqlite_links.resolve(self.db, changed)

    def note_link_rows(
        self,
        *,
        from_entry: str | None = None,
        to_entry: str | None = None,
        source: str | None = None,
        unresolved: bool = False,
    ) -> list[tuple[EntrySummary, NoteLink]]:
        clauses: list[str] = []
        params: list[Any] = []
        for clause, value in (
            ("e.id = ?", from_entry),
            ("l.to_entry = ?", to_entry),
            ("f.source = ?", source),
        ):
            if value is not None:
                clauses.append(clause)
                params.append(value)
        if unresolved:
            clauses.append("l.to_source IS NULL")
        where = (" WHERE " + " AND ".join(clauses)) if clauses else ""
        rows = self.db.execute(
            "SELECT e.rowid, e.id, f.source, e.line, e.date, e.title, e.category, e.layout, "
            f"{sqlite_links.SELECT_LINK} FROM note_links l JOIN entries e ON e.rowid = l.entry "
            f"JOIN files f ON f.id = e.file_id{where} "
            "ORDER BY f.source, e.position, l.position",
            params,
        ).fetchall()
        summaries = self._summaries([row[:8] for row in rows])
        return [
            (summary, sqlite_links.link_of(row[8:]))
            for summary, row in zip(summaries, rows, strict=True)
        ]

    # -- questions and answers ------------------------------------------------------------

    def question_rows(self) -> list[tuple[EntrySummary, str, int]]:
        """Every question found in the notes: (its entry, text, line), newest entries first."""
        rows = self.db.execute(
            "SELECT e.rowid, e.id, f.source, e.line, e.date, e.title, e.category, e.layout, "
            "q.text, q.line FROM questions q JOIN entries e ON e.rowid = q.entry "
            "JOIN files f ON f.id = e.file_id" + self._ORDER + ", q.position"
        ).fetchall()
        summaries = self._summaries([row[:8] for row in rows])
        return [(summary, row[8], row[9]) for summary, row in zip(summaries, rows, strict=True)]

    def todo_rows(self) -> list[tuple[EntrySummary, str, bool, int]]:
        """Every TODO in the notes: (its entry, text, done, line), in file order."""
        rows = self.db.execute(
            "SELECT e.rowid, e.id, f.source, e.line, e.date, e.title, e.category, e.layout, "
            "t.text, t.done, t.line FROM todos t JOIN entries e ON e.rowid = t.entry "
            "JOIN files f ON f.id = e.file_id ORDER BY f.source, e.position, t.position"
        ).fetchall()
        summaries = self._summaries([row[:8] for row in rows])
        return [
            (summary, row[8], bool(row[9]), row[10])
            for summary, row in zip(summaries, rows, strict=True)
        ]

    def answers(self) -> list[Answer]:
        self.refresh_state()
        return [
            Answer(*row)
            for row in self.db.execute(
                "SELECT question_key, source, question, entry_id, note, answered_at FROM answers"
            )
        ]

    def save_answer(self, answer: Answer) -> None:
        self.write_state(ANSWERS, [answer_record(answer)], lambda: put_answer(self.db, answer))

    def delete_answer(self, question_key: str) -> None:
        self.write_state(
            ANSWERS,
            [reopen_record(question_key, now_iso())],
            lambda: self.db.execute("DELETE FROM answers WHERE question_key = ?", (question_key,)),
        )

    def tags(self) -> list[TagCount]:
        rows = self.db.execute(
            """
            SELECT MIN(t.tag), COUNT(DISTINCT t.entry), MIN(e.date), MAX(e.date)
            FROM entry_tags t JOIN entries e ON e.rowid = t.entry
            GROUP BY t.tag_key
            ORDER BY COUNT(DISTINCT t.entry) DESC, t.tag_key
            """
        ).fetchall()
        return [TagCount(*row) for row in rows]

    def files(self) -> list[FileInfo]:
        rows = self.db.execute(
            """
            SELECT f.source, f.layout, f.layout_reason, f.title, f.targets, f.warnings,
                   (SELECT COUNT(*) FROM entries e WHERE e.file_id = f.id),
                   f.confidence, f.doubts
            FROM files f ORDER BY f.source
            """
        ).fetchall()
        return [
            FileInfo(
                source=row[0],
                layout=row[1] or "",
                layout_reason=row[2] or "",
                title=row[3],
                entries=row[6],
                targets=json.loads(row[4] or "[]"),
                warnings=[
                    IndexWarning(row[0], w["message"], w["line"])
                    for w in json.loads(row[5] or "[]")
                ],
                confidence=float(row[7]),
                doubts=json.loads(row[8] or "[]"),
            )
            for row in rows
        ]

    def replace_file_history(self, dates: Mapping[str, tuple[str | None, str]]) -> None:
        self._begin()
        self.db.execute("DELETE FROM file_history")
        self.db.executemany(
            "INSERT INTO file_history(source, first_seen, last_changed) VALUES (?, ?, ?)",
            [(source, first, last) for source, (first, last) in dates.items()],
        )

    def file_history(self) -> dict[str, tuple[str | None, str]]:
        return {
            source: (first, last)
            for source, first, last in self.db.execute(
                "SELECT source, first_seen, last_changed FROM file_history"
            )
        }

    def counts(self) -> dict[str, int]:
        row = self.db.execute(
            "SELECT (SELECT COUNT(*) FROM files), (SELECT COUNT(*) FROM entries)"
        ).fetchone()
        return {"files": row[0], "entries": row[1]}

    # -- stats ---------------------------------------------------------------------------

    _ENTRY_DATE = (
        "SELECT e.id, f.source, e.line, e.end_line, e.date "
        "FROM entries e JOIN files f ON f.id = e.file_id"
    )
    _BY_DATE = " ORDER BY e.date IS NULL, e.date, f.source, e.position"

    def entry_dates(self) -> list[EntryDate]:
        """Every entry's place and date, oldest first (undated ones last)."""
        return [EntryDate(*row) for row in self.db.execute(self._ENTRY_DATE + self._BY_DATE)]

    def entries_with_tags(self, tags: list[str]) -> list[EntryDate]:
        """The entries that have any of `tags` (case-insensitive)."""
        keys = sorted({tag.lstrip("#").casefold() for tag in tags})
        if not keys:
            return []
        placeholders = ",".join("?" * len(keys))
        sql = (
            self._ENTRY_DATE
            + f" WHERE e.rowid IN (SELECT entry FROM entry_tags WHERE tag_key IN ({placeholders}))"
            + self._BY_DATE
        )
        return [EntryDate(*row) for row in self.db.execute(sql, keys)]

    def entries_matching_any(self, terms: list[QueryTerm]) -> list[EntryDate]:
        """The entries whose title, text or tags match any of `terms` (full-text)."""
        matches = [match for match in (_term_match(term) for term in terms) if match]
        if not matches:
            return []
        expression = " OR ".join(f"({match})" for match in matches)
        sql = (
            self._ENTRY_DATE
            + " WHERE e.rowid IN (SELECT rowid FROM entries_fts WHERE entries_fts MATCH ?)"
            + self._BY_DATE
        )
        try:
            return [EntryDate(*row) for row in self.db.execute(sql, [expression])]
        except sqlite3.OperationalError:
            return []  # words are quoted, so not expected; never let it crash a report

    def match_counts(self, terms: list[QueryTerm]) -> list[int]:
        """How many entries each of `terms` matches, in order."""
        counts = []
        for term in terms:
            match = _term_match(term)
            if match is None:
                counts.append(0)
                continue
            try:
                row = self.db.execute(
                    "SELECT COUNT(*) FROM entries_fts WHERE entries_fts MATCH ?", [match]
                ).fetchone()
            except sqlite3.OperationalError:
                row = (0,)
            counts.append(int(row[0]))
        return counts

    def tag_months(self) -> list[tuple[str, str, int]]:
        """(month YYYY-MM, tag, entries) for every tag of a dated entry."""
        rows = self.db.execute(
            """
            SELECT substr(e.date, 1, 7) AS month, MIN(t.tag), COUNT(DISTINCT t.entry)
            FROM entry_tags t JOIN entries e ON e.rowid = t.entry
            WHERE e.date IS NOT NULL
            GROUP BY month, t.tag_key
            ORDER BY month, COUNT(DISTINCT t.entry) DESC, t.tag_key
            """
        ).fetchall()
        return [(row[0], row[1], int(row[2])) for row in rows]

    def paper_months(self) -> list[tuple[str | None, int, int]]:
        """(month or None for undated entries, paper mentions, distinct papers)."""
        rows = self.db.execute(
            """
            SELECT substr(e.date, 1, 7) AS month, COUNT(*), COUNT(DISTINCT p.paper_id)
            FROM papers p JOIN entries e ON e.rowid = p.entry
            GROUP BY month ORDER BY month IS NULL, month
            """
        ).fetchall()
        return [(row[0], int(row[1]), int(row[2])) for row in rows]

    def todo_months(self) -> list[tuple[str | None, int, int]]:
        """(month or None for undated entries, open TODOs, done TODOs)."""
        rows = self.db.execute(
            """
            SELECT substr(e.date, 1, 7) AS month, SUM(t.done = 0), SUM(t.done != 0)
            FROM todos t JOIN entries e ON e.rowid = t.entry
            GROUP BY month ORDER BY month IS NULL, month
            """
        ).fetchall()
        return [(row[0], int(row[1]), int(row[2])) for row in rows]

    # -- papers --------------------------------------------------------------------------

    def paper_rows(self) -> list[tuple[EntrySummary, str, str, str | None, int]]:
        """Every paper mention: (its entry, paper id, url, link title, line), oldest first."""
        rows = self.db.execute(
            "SELECT e.rowid, e.id, f.source, e.line, e.date, e.title, e.category, e.layout, "
            "p.paper_id, p.url, p.title, p.line FROM papers p JOIN entries e ON e.rowid = p.entry "
            "JOIN files f ON f.id = e.file_id "
            "ORDER BY e.date IS NULL, e.date, f.source, e.position, p.position"
        ).fetchall()
        summaries = self._summaries([row[:8] for row in rows])
        return [
            (summary, row[8], row[9], row[10], row[11])
            for summary, row in zip(summaries, rows, strict=True)
        ]


_LOOKUP_ENTRIES = 100
"""Related entries for up to this many entries look each word up in the index."""


class _WordEntries(dict[str, int]):
    """Words → how many entries contain them, asked of the index on first use, counted
    up to one more than `at_most` (a distinctive word is in no more entries)."""

    def __init__(self, ask: Callable[[str, int], int], at_most: int) -> None:
        super().__init__()
        self.ask = ask
        self.at_most = at_most

    def __missing__(self, word: str) -> int:
        self[word] = found = self.ask(word, self.at_most)
        return found

    def get(self, word: str, default: int | None = None) -> int:  # type: ignore[override]
        return self[word]


def _filter_dict(filters: EntryFilter) -> dict[str, Any]:
    return {
        "tags": filters.tags,
        "since": filters.since,
        "until": filters.until,
        "source": filters.source,
        "layout": filters.layout,
        "category": filters.category,
        "links_to": filters.links_to,
        "linked_from": filters.linked_from,
    }
