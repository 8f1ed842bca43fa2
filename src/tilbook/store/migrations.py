"""Numbered schema migrations, each applied once, in its own transaction.

The index is derived from the notes, so most changes could simply rebuild it;
migrations exist for the tables that are *not* derived (review history, from
the flashcard feature on) and so that an old index is upgraded, never dropped.
"""

from __future__ import annotations

import contextlib
import sqlite3
from datetime import UTC, datetime

from tilbook.errors import IndexStoreError

MIGRATIONS: list[str] = [
    # 1: files, entries and what was extracted from them; full-text search.
    """
    CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);

    -- NOTE: one row per note file. size + mtime_ns decide whether to re-read a file,
    -- hash whether its bytes really changed; parser_version forces a re-read after
    -- an upgrade that extracts more.
    CREATE TABLE files (
        id INTEGER PRIMARY KEY,
        source TEXT NOT NULL UNIQUE,           -- path relative to the log folder, '/'
        size INTEGER NOT NULL,
        mtime_ns INTEGER NOT NULL,
        hash TEXT NOT NULL,
        parser_version INTEGER NOT NULL,
        encoding TEXT,
        layout TEXT,
        layout_reason TEXT,
        title TEXT,
        front_matter TEXT NOT NULL DEFAULT '{}',   -- JSON
        targets TEXT NOT NULL DEFAULT '[]',        -- JSON: learning targets of the file
        warnings TEXT NOT NULL DEFAULT '[]',       -- JSON: what could not be read
        preamble_start INTEGER,
        preamble_end INTEGER,
        indexed_at TEXT NOT NULL
    );

    -- NOTE: `id` is the stable public id (hash of file, date and opening text);
    -- `rowid` is internal and changes on every re-index of the file.
    CREATE TABLE entries (
        rowid INTEGER PRIMARY KEY,
        id TEXT NOT NULL UNIQUE,
        file_id INTEGER NOT NULL REFERENCES files(id),
        position INTEGER NOT NULL,
        line INTEGER NOT NULL,
        end_line INTEGER NOT NULL,
        layout TEXT NOT NULL,
        date TEXT,                                 -- ISO date or NULL
        title TEXT NOT NULL,
        category TEXT,
        has_math INTEGER NOT NULL DEFAULT 0,
        code_languages TEXT NOT NULL DEFAULT '[]',
        footnotes TEXT NOT NULL DEFAULT '[]',
        body TEXT NOT NULL
    );
    CREATE INDEX entries_by_file ON entries(file_id, position);
    CREATE INDEX entries_by_date ON entries(date);

    -- NOTE: tag_key is the case-folded tag: #Research and #research are one tag.
    CREATE TABLE entry_tags (entry INTEGER NOT NULL, position INTEGER NOT NULL,
                             tag TEXT NOT NULL, tag_key TEXT NOT NULL);
    CREATE INDEX entry_tags_by_key ON entry_tags(tag_key);
    CREATE INDEX entry_tags_by_entry ON entry_tags(entry);
    CREATE TABLE links (entry INTEGER NOT NULL, position INTEGER NOT NULL, url TEXT NOT NULL,
                        text TEXT NOT NULL, kind TEXT NOT NULL, line INTEGER NOT NULL);
    CREATE INDEX links_by_entry ON links(entry);
    CREATE TABLE papers (entry INTEGER NOT NULL, position INTEGER NOT NULL,
                         paper_id TEXT NOT NULL, url TEXT NOT NULL, title TEXT,
                         line INTEGER NOT NULL);
    CREATE INDEX papers_by_entry ON papers(entry);
    CREATE INDEX papers_by_id ON papers(paper_id);
    CREATE TABLE todos (entry INTEGER NOT NULL, position INTEGER NOT NULL, text TEXT NOT NULL,
                        done INTEGER NOT NULL, line INTEGER NOT NULL);
    CREATE INDEX todos_by_entry ON todos(entry);
    CREATE TABLE questions (entry INTEGER NOT NULL, position INTEGER NOT NULL,
                            text TEXT NOT NULL, line INTEGER NOT NULL);
    CREATE INDEX questions_by_entry ON questions(entry);
    CREATE TABLE terms (entry INTEGER NOT NULL, position INTEGER NOT NULL, term TEXT NOT NULL,
                        definition TEXT NOT NULL, line INTEGER NOT NULL);
    CREATE INDEX terms_by_entry ON terms(entry);

    -- NOTE: rowid = entries.rowid. Words go through unicode61; CJK text, which has
    -- no spaces between words, is also indexed as character pairs in `cjk` so that
    -- a two-syllable word matches inside a longer one. (The trigram tokenizer was
    -- measured ~4.5x slower to fill and cannot match 1-2 character queries.)
    CREATE VIRTUAL TABLE entries_fts USING fts5(
        title, body, tags, cjk,
        tokenize = 'unicode61 remove_diacritics 2'
    );
    """,
    # 2: answers to open questions. Not derived from the notes: keyed by a stable
    # identity of the question so that re-indexing keeps them.
    """
    -- NOTE: question_key = hash(source file, normalised question text); see
    -- tilbook.features.questions.question_key. Either entry_id or note says what answers it.
    CREATE TABLE answers (
        question_key TEXT PRIMARY KEY,
        source TEXT NOT NULL,
        question TEXT NOT NULL,
        entry_id TEXT,
        note TEXT,
        answered_at TEXT NOT NULL
    );
    """,
    # 3: flashcards and their review history (FSRS). Not derived from the notes:
    # keyed by the card's stable identity so that re-indexing and --rebuild keep them.
    """
    -- NOTE: one row per card ever made from the notes. key = hash(source file,
    -- normalised front), see tilbook.features.cards.deck.card_key: re-indexing, moving the entry
    -- within its file or editing the back keep the row. The content columns mirror
    -- the notes at the last card sync. A card whose text left the notes is suspended
    -- (suspended_at set), never deleted, so its history is there when the text returns.
    CREATE TABLE review_cards (
        key TEXT PRIMARY KEY,
        kind TEXT NOT NULL,                 -- term, question or inline
        source TEXT NOT NULL,
        front TEXT NOT NULL,
        back TEXT NOT NULL,
        entry_id TEXT,
        line INTEGER NOT NULL DEFAULT 0,
        tags TEXT NOT NULL DEFAULT '[]',    -- JSON: the entry's tags
        created_at TEXT NOT NULL,           -- UTC
        suspended_at TEXT,                  -- UTC, NULL while the text is in the notes
        state INTEGER,                      -- FSRS state, NULL for a card never reviewed
        step INTEGER,
        stability REAL,
        difficulty REAL,
        due TEXT,                           -- UTC
        last_review TEXT,                   -- UTC
        reviewed_back TEXT                  -- the back as shown at the last review
    );
    CREATE INDEX review_cards_by_source ON review_cards(source);

    -- NOTE: every rating ever given, for stats and the FSRS optimizer. Unique per card
    -- and time so that importing the same export twice adds nothing.
    CREATE TABLE review_log (
        id INTEGER PRIMARY KEY,
        card_key TEXT NOT NULL,
        rating INTEGER NOT NULL,            -- 1 Again, 2 Hard, 3 Good, 4 Easy
        reviewed_at TEXT NOT NULL,          -- UTC
        duration_ms INTEGER,
        state_before INTEGER,               -- NULL when the card was new
        UNIQUE (card_key, reviewed_at)
    );
    CREATE INDEX review_log_by_time ON review_log(reviewed_at);

    -- NOTE: what each file's cards were last made from (content hash, parser and card
    -- settings), so that a card sync reads only the files that changed.
    CREATE TABLE review_sources (source TEXT PRIMARY KEY, signature TEXT NOT NULL);
    """,
    # 4: where the parser found each entry's structure, so that the renderer slices the
    # note by lines instead of finding headings, items and markers again.
    """
    -- NOTE: JSON list of spans (tilbook.model.Span): the opening heading and date line,
    -- the (#Tag) marker, inner headings, label lines and the lists they introduce.
    ALTER TABLE entries ADD COLUMN spans TEXT NOT NULL DEFAULT '[]';
    -- NOTE: the last line of a TODO's or question's list item (its own line for a TODO:
    -- line); `inline` marks a question that is a sentence inside a paragraph.
    ALTER TABLE todos ADD COLUMN end_line INTEGER NOT NULL DEFAULT 0;
    ALTER TABLE questions ADD COLUMN end_line INTEGER NOT NULL DEFAULT 0;
    ALTER TABLE questions ADD COLUMN inline INTEGER NOT NULL DEFAULT 0
    """,
    # 5: how sure the reader was of each file's layout, and what looked doubtful.
    """
    -- NOTE: 0 to 1; `tilbook inspect --all` lists the least sure files first.
    ALTER TABLE files ADD COLUMN confidence REAL NOT NULL DEFAULT 1.0;
    ALTER TABLE files ADD COLUMN doubts TEXT NOT NULL DEFAULT '[]'
    """,
    # 6: what the user did lives in the state files of the notes folder
    # (tilbook.store.state); `answers`, `review_log` and these schedules are a cache of
    # them, filled again whenever the files change. A card's content stays in
    # review_cards (made from the notes), its schedule moves to a table of its own so
    # that a card can have one before its note is read.
    """
    CREATE TABLE review_schedules (
        card_key TEXT PRIMARY KEY,
        state INTEGER,                      -- FSRS state
        step INTEGER,
        stability REAL,
        difficulty REAL,
        due TEXT,                           -- UTC
        last_review TEXT,                   -- UTC
        reviewed_back TEXT                  -- the back as shown at the last review
    );
    INSERT INTO review_schedules
        SELECT key, state, step, stability, difficulty, due, last_review, reviewed_back
        FROM review_cards WHERE state IS NOT NULL OR reviewed_back IS NOT NULL;
    CREATE TABLE review_cards_content (
        key TEXT PRIMARY KEY,
        kind TEXT NOT NULL,                 -- term, question or inline
        source TEXT NOT NULL,
        front TEXT NOT NULL,
        back TEXT NOT NULL,
        entry_id TEXT,
        line INTEGER NOT NULL DEFAULT 0,
        tags TEXT NOT NULL DEFAULT '[]',    -- JSON: the entry's tags
        created_at TEXT NOT NULL,           -- UTC
        suspended_at TEXT                   -- UTC, NULL while the text is in the notes
    );
    INSERT INTO review_cards_content
        SELECT key, kind, source, front, back, entry_id, line, tags, created_at, suspended_at
        FROM review_cards;
    DROP TABLE review_cards;
    ALTER TABLE review_cards_content RENAME TO review_cards;
    CREATE INDEX review_cards_by_source ON review_cards(source)
    """,
    # 7: word forms. The full-text table gains `stems` (tilbook.store.stemming): every
    # word's Snowball stem in the entry's languages, so `learning` finds `learns`. FTS5
    # tables cannot gain a column, so the table is made again and every file re-read.
    """
    DROP TABLE entries_fts;
    CREATE VIRTUAL TABLE entries_fts USING fts5(
        title, body, tags, cjk, stems,
        tokenize = 'unicode61 remove_diacritics 2'
    );
    UPDATE files SET parser_version = 0;
    DELETE FROM meta WHERE key = 'stem_languages'
    """,
    # 8: links between notes (`[[Note]]`, `[text](other.md)`) and what they can point at.
    """
    -- NOTE: one row per link an entry makes to a note, as written (target, heading, block;
    -- form 'wiki' or 'markdown'). to_entry / to_source are where it leads: they depend on
    -- every file, so they are filled after each index run (tilbook.indexing), both NULL
    -- while no note has that name; candidates > 1 when several notes fit the name.
    CREATE TABLE note_links (
        entry INTEGER NOT NULL,
        position INTEGER NOT NULL,
        target TEXT NOT NULL,
        heading TEXT,
        block TEXT,
        text TEXT NOT NULL,
        line INTEGER NOT NULL,
        form TEXT NOT NULL,
        embed INTEGER NOT NULL DEFAULT 0,
        href TEXT NOT NULL DEFAULT '',
        to_entry TEXT,
        to_source TEXT,
        candidates INTEGER NOT NULL DEFAULT 0
    );
    CREATE INDEX note_links_by_entry ON note_links(entry);
    CREATE INDEX note_links_by_target ON note_links(to_entry);
    -- NOTE: JSON list (tilbook.model.Entry.anchors): the opening heading's text, the
    -- other headings', block ids as '^id'. Only what a link can name; one row per entry
    -- that has any, kept apart so the entries' own rows stay as they were.
    CREATE TABLE entry_anchors (entry INTEGER PRIMARY KEY, anchors TEXT NOT NULL);
    UPDATE files SET parser_version = 0
    """,
    # 9: when each file was first committed and last changed (tilbook.notes.history).
    """
    -- NOTE: the file's dates in the notes folder's git history (ISO days), never an
    -- entry's date. Kept apart from `files`: a commit changes them without changing the
    -- file's bytes, so the whole table is replaced when HEAD moves (meta 'git_head').
    -- first_seen is NULL when a shallow clone hides the file's first commit.
    CREATE TABLE file_history (
        source TEXT PRIMARY KEY,
        first_seen TEXT,
        last_changed TEXT NOT NULL
    )
    """,
]


def schema_version(db: sqlite3.Connection) -> int:
    exists = db.execute(
        "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'schema_migrations'"
    ).fetchone()
    if exists is None:
        return 0
    row = db.execute("SELECT MAX(version) FROM schema_migrations").fetchone()
    return int(row[0] or 0)


def migrate(db: sqlite3.Connection) -> int:
    """Bring the schema up to date; returns the version now in force."""
    db.execute(
        "CREATE TABLE IF NOT EXISTS schema_migrations "
        "(version INTEGER PRIMARY KEY, applied_at TEXT NOT NULL)"
    )
    current = schema_version(db)
    if current > len(MIGRATIONS):
        raise IndexStoreError(
            f"the index was made by a newer tilbook (schema {current}, this one knows "
            f"{len(MIGRATIONS)}). Upgrade tilbook, or run `tilbook index --rebuild`."
        )
    for version in range(current + 1, len(MIGRATIONS) + 1):
        # IMMEDIATE takes the write lock first: of two processes opening a new index
        # at once, the second waits, then finds the step done.
        db.execute("BEGIN IMMEDIATE")
        try:
            if schema_version(db) < version:
                for statement in MIGRATIONS[version - 1].split(";\n"):
                    if statement.strip():
                        db.execute(statement)
                db.execute(
                    "INSERT INTO schema_migrations(version, applied_at) VALUES (?, ?)",
                    (version, datetime.now(UTC).isoformat(timespec="seconds")),
                )
            db.execute("COMMIT")
        except BaseException:
            rollback(db)
            raise
    return len(MIGRATIONS)


def rollback(db: sqlite3.Connection) -> None:
    """Roll back the open transaction, if SQLite has not already (it does after some
    errors, such as a full disk); never raises, so the first error is the one reported."""
    if db.in_transaction:
        with contextlib.suppress(sqlite3.Error):
            db.execute("ROLLBACK")
