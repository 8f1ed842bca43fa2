"""Record files: what a user did, kept as JSON Lines beside their notes.

One JSON object per line, appended in time order. The format is chosen so
that the files travel with the notes through git:

- a line is a whole record, so git's `union` merge (or a person resolving a
  conflict by keeping both sides) always leaves valid records;
- the reader skips git's conflict markers and reads both sides of a conflict,
  drops records that appear twice, and reports any line it cannot read
  (naming the file and line) without giving up on the rest;
- an append is a single `write` of whole lines behind a lock, ended with
  `fsync`; a record cut short by a crash is the last line only, reported and
  skipped, and the next append starts on a fresh line so it never damages
  what came before.

`rewrite` (used to tidy a file) replaces the file atomically.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tilbook.model import IndexWarning
from tilbook.notes.writes import sync_folder, write_bytes_atomically

CONFLICT_MARKERS = ("<<<<<<<", "|||||||", "=======", ">>>>>>>")
"""How git marks the sides of a conflict in a merged file."""


@dataclass(slots=True)
class RecordFile:
    """The records of one file, and what was wrong with it."""

    records: list[dict[str, Any]] = field(default_factory=list)
    warnings: list[IndexWarning] = field(default_factory=list)
    rejected: list[tuple[int, str]] = field(default_factory=list)
    """Lines that are not records: (line number, text)."""
    conflicted: bool = False
    """The file holds git conflict markers (both sides were read)."""
    duplicates: int = 0
    """Records found more than once (kept once)."""

    @property
    def tidy(self) -> bool:
        return not (self.rejected or self.conflicted or self.duplicates)


def record_line(record: dict[str, Any]) -> str:
    """A record as one line of its file (no newline inside: JSON escapes them)."""
    return json.dumps(record, ensure_ascii=False)


def _identity(record: dict[str, Any]) -> str:
    return json.dumps(record, ensure_ascii=False, sort_keys=True)


def read_records(path: Path, name: str) -> RecordFile:
    """Every record of the file at `path` (none when it is missing); `name` is how
    warnings refer to it."""
    result = RecordFile()
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        return result
    except OSError as error:
        result.warnings.append(IndexWarning(name, f"cannot be read ({error.strerror or error})"))
        return result
    seen: set[str] = set()
    for number, raw in enumerate(data.split(b"\n"), start=1):
        raw = raw.rstrip(b"\r")
        if not raw.strip():
            continue
        try:
            line = raw.decode("utf-8")
        except UnicodeDecodeError:
            result.rejected.append((number, raw.decode("utf-8", "replace")))
            result.warnings.append(IndexWarning(name, "is not UTF-8 text; skipped", number))
            continue
        if line.startswith(CONFLICT_MARKERS):  # a record starts with `{`
            result.conflicted = True
            continue
        try:
            record = json.loads(line)
        except (json.JSONDecodeError, RecursionError) as error:
            message = error.msg if isinstance(error, json.JSONDecodeError) else "nested too deep"
            result.rejected.append((number, line))
            result.warnings.append(
                IndexWarning(name, f"is not a JSON record ({message}); skipped", number)
            )
            continue
        if not isinstance(record, dict):
            result.rejected.append((number, line))
            result.warnings.append(IndexWarning(name, "is not a JSON object; skipped", number))
            continue
        identity = _identity(record)
        if identity in seen:
            result.duplicates += 1
            continue
        seen.add(identity)
        record["_line"] = number
        result.records.append(record)
    if result.conflicted:
        result.warnings.append(
            IndexWarning(
                name,
                "holds git conflict markers; both sides were read. "
                "Run `tilbook state merge` to tidy it.",
            )
        )
    return result


def _encode(records: Iterable[dict[str, Any]]) -> bytes:
    lines = [
        record_line({key: value for key, value in record.items() if key != "_line"})
        for record in records
    ]
    return "".join(line + "\n" for line in lines).encode("utf-8")


def append_records(path: Path, records: Iterable[dict[str, Any]]) -> None:
    """Add records at the end of the file (created when missing), durably.

    Hold the file's lock around this: the append itself is one `write` call,
    but starting on a fresh line needs the file's last byte to stay put.
    """
    data = _encode(records)
    if not data:
        return
    created = not path.exists()
    path.parent.mkdir(parents=True, exist_ok=True)
    handle = os.open(path, os.O_RDWR | os.O_CREAT | os.O_APPEND, 0o644)
    try:
        size = os.fstat(handle).st_size
        if size and os.pread(handle, 1, size - 1) != b"\n":
            data = b"\n" + data  # a line cut short by a crash stays on a line of its own
        view = memoryview(data)
        while view:
            written = os.write(handle, view)
            view = view[written:]
        os.fsync(handle)
    finally:
        os.close(handle)
    if created:
        sync_folder(path.parent)


def rewrite_records(path: Path, records: Iterable[dict[str, Any]]) -> None:
    """Replace the file's content with `records`, atomically."""
    path.parent.mkdir(parents=True, exist_ok=True)
    write_bytes_atomically(path, _encode(records))
