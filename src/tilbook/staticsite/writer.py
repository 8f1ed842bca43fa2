"""Writer: files on disk, and the manifest that makes the next build incremental.

The manifest (an SQLite file in the notes folder's `.tilbook/`, one per output
folder) remembers each output file's fingerprint, and the rendered body of each
entry (so feeds can be rewritten without rendering every entry again). A page
whose fingerprint is unchanged, and whose file is still there, is not rendered
or written again.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import shutil
import sqlite3
from collections.abc import Iterable
from dataclasses import fields
from pathlib import Path
from typing import Any

from tilbook.errors import SiteError
from tilbook.notes.files import TILBOOK_DIR
from tilbook.staticsite.generator import BodyResult
from tilbook.staticsite.reader import EntryRecord

MANIFEST_VERSION = 4

Related = tuple[str, dict[str, list[str]], dict[str, str]]
"""Related entries: (what they were made from, ids by entry, what each entry's depend on)."""


def manifest_path(root: Path, out: Path) -> Path:
    """Where the manifest of a build of `root` into `out` lives."""
    key = hashlib.blake2b(str(out.resolve()).encode(), digest_size=6).hexdigest()
    return root / TILBOOK_DIR / f"site-{key}.db"


class Manifest:
    """Output fingerprints and cached entry bodies of one output folder."""

    def __init__(self, path: Path, *, clean: bool) -> None:
        self.path = path
        path.parent.mkdir(parents=True, exist_ok=True)
        if clean and path.exists():
            path.unlink()
        try:
            self.db = self._open()
        except sqlite3.DatabaseError:
            path.unlink(missing_ok=True)
            self.db = self._open()

    def _open(self) -> sqlite3.Connection:
        db = sqlite3.connect(self.path, isolation_level=None)
        db.execute("PRAGMA journal_mode=WAL")
        db.execute("PRAGMA synchronous=NORMAL")
        version = db.execute("PRAGMA user_version").fetchone()[0]
        if version != MANIFEST_VERSION:
            db.executescript(
                """
                DROP TABLE IF EXISTS outputs;
                DROP TABLE IF EXISTS bodies;
                DROP TABLE IF EXISTS files;
                DROP TABLE IF EXISTS state;
                DROP TABLE IF EXISTS related;
                -- NOTE: one row per file written into the site folder.
                CREATE TABLE outputs (path TEXT PRIMARY KEY, fingerprint TEXT NOT NULL);
                -- NOTE: rendered entry bodies by content key (digest of Markdown + settings).
                CREATE TABLE bodies (key TEXT PRIMARY KEY, html TEXT NOT NULL,
                                     toc TEXT NOT NULL, media TEXT NOT NULL);
                -- NOTE: what was derived from each note file (site.reader records, as JSON),
                -- by the file's content hash: unchanged files are not read again.
                CREATE TABLE files (source TEXT PRIMARY KEY, key TEXT NOT NULL,
                                    records TEXT NOT NULL);
                -- NOTE: other reusable results, as JSON.
                CREATE TABLE state (name TEXT PRIMARY KEY, value TEXT NOT NULL);
                -- NOTE: each entry's related entries (ids, as JSON) and what they were made
                -- from (`print`); the state `related_key` says for which log they hold.
                CREATE TABLE related (id TEXT PRIMARY KEY, print TEXT, others TEXT);
                """
            )
            db.execute(f"PRAGMA user_version = {MANIFEST_VERSION}")
        return db

    def outputs(self) -> dict[str, str]:
        return dict(self.db.execute("SELECT path, fingerprint FROM outputs"))

    def bodies(self, keys: Iterable[str]) -> dict[str, BodyResult]:
        wanted = list(keys)
        found: dict[str, BodyResult] = {}
        for start in range(0, len(wanted), 500):
            chunk = wanted[start : start + 500]
            marks = ",".join("?" * len(chunk))
            for key, html, toc, media in self.db.execute(
                f"SELECT key, html, toc, media FROM bodies WHERE key IN ({marks})", chunk
            ):
                found[key] = BodyResult(html, json.loads(toc), json.loads(media))
        return found

    def records(self) -> dict[str, tuple[str, list[EntryRecord]]]:
        found: dict[str, tuple[str, list[EntryRecord]]] = {}
        for source, key, data in self.db.execute("SELECT source, key, records FROM files"):
            try:
                found[source] = (key, [_record(row) for row in json.loads(data)])
            except (ValueError, TypeError, IndexError):  # not a cache this tilbook wrote
                continue
        return found

    def state(self, name: str) -> Any:
        row = self.db.execute("SELECT value FROM state WHERE name = ?", (name,)).fetchone()
        if row is None:
            return None
        try:
            return json.loads(row[0])
        except ValueError:
            return None

    def related(self) -> Related | None:
        """The related entries of the last build: (key, ids by entry, prints by entry)."""
        key = self.state("related_key")
        if not isinstance(key, str):
            return None
        ids: dict[str, list[str]] = {}
        prints: dict[str, str] = {}
        for entry, print_, others in self.db.execute("SELECT id, print, others FROM related"):
            if print_ is not None:
                prints[entry] = print_
            if others is not None:
                ids[entry] = json.loads(others)
        return key, ids, prints

    def body_keys(self) -> set[str]:
        return {row[0] for row in self.db.execute("SELECT key FROM bodies")}

    def save(
        self,
        outputs: dict[str, str],
        removed: Iterable[str],
        bodies: dict[str, BodyResult],
        keep_bodies: set[str] | None,
        *,
        dropped_bodies: Iterable[str] = (),
        files: dict[str, tuple[str, list[EntryRecord]]],
        gone_files: Iterable[str],
        state: dict[str, Any],
        related: tuple[Related | None, Related] | None = None,
    ) -> None:
        """Write what a build made. `related`: (the related entries the build started
        from, those it leaves), when they changed; only the entries that differ are
        written (all, when it started from none)."""
        db = self.db
        db.execute("BEGIN")
        if related is not None:
            self._save_related(*related)
        db.executemany("DELETE FROM files WHERE source = ?", ((s,) for s in gone_files))
        db.executemany(
            "INSERT OR REPLACE INTO files(source, key, records) VALUES (?, ?, ?)",
            (
                (source, key, json.dumps(_without_markdown(records), ensure_ascii=False))
                for source, (key, records) in files.items()
            ),
        )
        db.executemany(
            "INSERT OR REPLACE INTO state(name, value) VALUES (?, ?)",
            ((name, json.dumps(value, ensure_ascii=False)) for name, value in state.items()),
        )
        db.executemany("DELETE FROM outputs WHERE path = ?", ((path,) for path in removed))
        db.executemany(
            "INSERT INTO outputs(path, fingerprint) VALUES (?, ?) "
            "ON CONFLICT(path) DO UPDATE SET fingerprint = excluded.fingerprint",
            outputs.items(),
        )
        db.executemany(
            "INSERT OR REPLACE INTO bodies(key, html, toc, media) VALUES (?, ?, ?, ?)",
            (
                (key, body.html, json.dumps(body.toc), json.dumps(body.media))
                for key, body in bodies.items()
            ),
        )
        # Bodies no entry needs any more: those not kept (when known), and those dropped.
        stale = set(dropped_bodies)
        if keep_bodies is not None:
            stale |= self.body_keys() - keep_bodies
        db.executemany("DELETE FROM bodies WHERE key = ?", ((key,) for key in sorted(stale)))
        db.execute("COMMIT")

    def _save_related(self, old: Related | None, new: Related) -> None:
        db = self.db
        key, ids, prints = new
        _, old_ids, old_prints = old if old is not None else ("", {}, {})
        if old is None:
            db.execute("DELETE FROM related")
        gone = (set(old_ids) | set(old_prints)) - (set(ids) | set(prints))
        db.executemany("DELETE FROM related WHERE id = ?", ((entry,) for entry in sorted(gone)))
        rows = []
        for entry in [*prints, *(entry for entry in ids if entry not in prints)]:
            others, print_ = ids.get(entry), prints.get(entry)
            old_others, old_print = old_ids.get(entry), old_prints.get(entry)
            # (most are the very objects the last build had: `is` tells them apart quickly)
            if (
                old is None
                or (print_ is not old_print and print_ != old_print)
                or (others is not old_others and others != old_others)
            ):
                rows.append((entry, print_, None if others is None else json.dumps(others)))
        db.executemany("INSERT OR REPLACE INTO related(id, print, others) VALUES (?, ?, ?)", rows)
        db.execute(
            "INSERT OR REPLACE INTO state(name, value) VALUES ('related_key', ?)",
            (json.dumps(key),),
        )

    def close(self) -> None:
        self.db.close()


def _record(row: list[Any]) -> EntryRecord:
    """A cached record back from its JSON row (pairs and triples as tuples again)."""
    record = EntryRecord(*row)
    record.papers = [(paper[0], paper[1], paper[2]) for paper in record.papers]
    record.terms = [(term[0], term[1]) for term in record.terms]
    record.note_links = [(link[0], link[1]) for link in record.note_links]
    return record


def _without_markdown(records: list[EntryRecord]) -> list[tuple[Any, ...]]:
    """Records as cached: plain tuples (quick to load), without the Markdown (bodies are
    cached rendered)."""
    return [
        tuple("" if name == "markdown" else getattr(record, name) for name in _RECORD_FIELDS)
        for record in records
    ]


_RECORD_FIELDS = tuple(item.name for item in fields(EntryRecord))


def write_file(out: Path, relative: str, data: bytes) -> None:
    path = out / relative
    try:
        path.write_bytes(data)
    except FileNotFoundError:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)


def copy_file(source: Path, out: Path, relative: str) -> None:
    target = out / relative
    target.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(source, target)


def remove_outputs(out: Path, relatives: Iterable[str]) -> list[str]:
    """Delete files tilbook wrote before and no longer makes; then their empty folders."""
    removed: list[str] = []
    folders: set[Path] = set()
    for relative in relatives:
        path = out / relative
        try:
            path.unlink()
            removed.append(relative)
        except FileNotFoundError:
            removed.append(relative)
        except OSError:
            continue
        folders.update(parent for parent in path.parents if out in parent.parents)
    for folder in sorted(folders, key=lambda p: len(p.parts), reverse=True):
        with contextlib.suppress(OSError):  # not empty: something else lives there
            folder.rmdir()
    return removed


def check_out_folder(root: Path, out: Path) -> None:
    """Refuse output folders that would overwrite or swallow the notes."""
    out_real = Path(os.path.realpath(out))
    root_real = Path(os.path.realpath(root))
    if out_real == root_real or out_real in root_real.parents:
        raise SiteError(
            f"{out}: the site cannot be written into the notes folder itself or above it; "
            "choose an empty folder, like .tilbook/site (the default)"
        )
    if out_real.exists() and not out_real.is_dir():
        raise SiteError(f"{out}: exists and is not a folder")
    inside_notes = root_real in out_real.parents
    hidden = TILBOOK_DIR in out_real.relative_to(root_real).parts if inside_notes else False
    if inside_notes and not hidden and out_real.exists() and any(out_real.glob("*.md")):
        raise SiteError(
            f"{out}: holds Markdown files; the site folder must not be a folder of notes"
        )
