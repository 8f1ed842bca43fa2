"""Links between notes in the SQLite index: stored per entry, resolved per run.

Where a link leads depends on every file (`tilbook.extract.notelinks`), so
`resolve` runs after each index run over all links; it rewrites only the rows
whose resolution changed.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import sqlite3
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from tilbook.model import Entry, NoteLink

if TYPE_CHECKING:
    from tilbook.extract.notelinks import NoteFile

_COLUMNS = "target, text, line, form, heading, block, embed, href, to_entry, to_source, candidates"
SELECT_LINK = (
    "l.target, l.text, l.line, l.form, l.heading, l.block, l.embed, l.href, l.to_entry, "
    "l.to_source, l.candidates"
)


def link_of(values: Sequence[Any]) -> NoteLink:
    """A `NoteLink` from the columns of `SELECT_LINK`, in that order."""
    (target, text, line, form, heading, block, embed, href, entry, source, candidates) = values
    return NoteLink(
        target, text, line, form, heading, block, bool(embed), href, entry, source, candidates
    )


def insert(db: sqlite3.Connection, file_id: int, entries: Sequence[Entry]) -> None:
    """The links and anchors of one file's entries (already inserted, by position)."""
    if not any(entry.note_links or any(entry.anchors) for entry in entries):
        return
    rowids = dict(
        db.execute("SELECT position, rowid FROM entries WHERE file_id = ?", (file_id,)).fetchall()
    )
    links: list[tuple[Any, ...]] = []
    anchors: list[tuple[Any, ...]] = []
    for position, entry in enumerate(entries):
        rowid = rowids.get(position)
        if rowid is None:
            continue
        links.extend(
            (
                rowid,
                i,
                link.target,
                link.text,
                link.line,
                link.form,
                link.heading,
                link.block,
                int(link.embed),
                link.href,
                None,
                None,
                0,
            )
            for i, link in enumerate(entry.note_links)
        )
        if any(entry.anchors):
            anchors.append((rowid, json.dumps(entry.anchors, ensure_ascii=False)))
    db.executemany(
        f"INSERT INTO note_links(entry, position, {_COLUMNS}) "
        "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        links,
    )
    db.executemany("INSERT INTO entry_anchors VALUES (?, ?)", anchors)


def load(db: sqlite3.Connection, scope: str, by_row: dict[int, Entry]) -> None:
    """Fill the `note_links` and `anchors` of the entries in `by_row` (`scope`: an SQL
    condition on `entry`)."""
    for rowid, *values in db.execute(
        f"SELECT l.entry, {SELECT_LINK} FROM note_links l WHERE {scope} "
        "ORDER BY l.entry, l.position"
    ):
        if rowid in by_row:
            by_row[rowid].note_links.append(link_of(values))
    for rowid, anchors in db.execute(f"SELECT entry, anchors FROM entry_anchors WHERE {scope}"):
        if rowid in by_row:
            by_row[rowid].anchors = json.loads(anchors)


def note_files(db: sqlite3.Connection) -> list[NoteFile]:
    """Every indexed note file with its aliases (entries: see `entries_of`)."""
    # NOTE: imported here: the extractors are not needed by commands that only read.
    from tilbook.extract.notelinks import NoteFile, aliases_of

    files: list[NoteFile] = []
    for source, front_matter in db.execute(
        "SELECT source, front_matter FROM files WHERE layout IS NOT NULL"
    ):
        aliases: list[str] = []
        if "alias" in front_matter:
            with contextlib.suppress(ValueError):
                aliases = aliases_of(json.loads(front_matter))
        files.append(NoteFile(source, aliases))
    return files


def entries_of(db: sqlite3.Connection, source: str) -> list[tuple[str, list[str]]]:
    """One file's entries, (id, anchors) in file order."""
    return [
        (entry_id, json.loads(anchors) if anchors else [])
        for entry_id, anchors in db.execute(
            "SELECT e.id, a.anchors FROM entries e JOIN files f ON f.id = e.file_id "
            "LEFT JOIN entry_anchors a ON a.entry = e.rowid WHERE f.source = ? "
            "ORDER BY e.position",
            (source,),
        )
    ]


NAMES_META = "note_names"
"""A hash of every note's path and aliases when links were last resolved: while it holds,
only the links of the files read again, and those leading to them, can change."""
MAX_CHANGED = 500
"""More files read again than this: every link is resolved (one pass is then cheaper)."""


def resolve(db: sqlite3.Connection, changed: Sequence[str] | None = None) -> int:
    """Resolve the links against the notes indexed now; returns how many changed.

    With `changed` (the files read again since the last resolution) and no note added,
    removed or given other aliases since, only the links written in those files or
    leading to them are looked at; else every link. Either costs one pass over the
    file names, plus the entries of the files links lead to; a link that cannot lead
    elsewhere from another note (a name that fits one note) is resolved once.
    """
    if db.execute("SELECT 1 FROM note_links LIMIT 1").fetchone() is None:
        return 0
    files = note_files(db)
    names = hashlib.blake2b(
        json.dumps([[note.source, note.aliases] for note in files]).encode(), digest_size=16
    ).hexdigest()
    row = db.execute("SELECT value FROM meta WHERE key = ?", (NAMES_META,)).fetchone()
    select = (
        "SELECT l.rowid, f.source, l.target, l.heading, l.block, l.to_entry, l.to_source, "
        "l.candidates FROM note_links l "
        "JOIN entries e ON e.rowid = l.entry JOIN files f ON f.id = e.file_id"
    )
    if changed is not None and len(changed) <= MAX_CHANGED and row is not None and row[0] == names:
        if not changed:
            return 0
        marks = ",".join("?" * len(changed))
        rows = db.execute(
            f"{select} WHERE f.source IN ({marks}) OR l.to_source IN ({marks})",
            [*changed, *changed],
        ).fetchall()
    else:
        rows = db.execute(select).fetchall()
    from tilbook.extract.notelinks import Resolver

    resolver = Resolver(files, lambda source: entries_of(db, source))
    updates: list[tuple[Any, ...]] = []
    for rowid, origin, target, heading, block, *before in rows:
        after = resolver.lead(target, heading, block, origin)
        if after != tuple(before):
            updates.append((*after, rowid))
    db.executemany(
        "UPDATE note_links SET to_entry = ?, to_source = ?, candidates = ? WHERE rowid = ?",
        updates,
    )
    db.execute("INSERT OR REPLACE INTO meta(key, value) VALUES (?, ?)", (NAMES_META, names))
    return len(updates)
