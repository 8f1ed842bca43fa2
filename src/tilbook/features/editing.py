"""Edit one entry's Markdown in place, never over someone else's change.

The editor gets the entry's lines and a version token (a hash of the whole
file as it was read). Saving replaces exactly those lines, byte for byte in
the file's own line endings, and only if the file still has that version;
otherwise it is refused with both texts, so an edit made outside (another
editor, a sync tool) is never silently overwritten.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path

from tilbook.errors import EditConflict
from tilbook.model import Entry
from tilbook.notes.writes import NoteFile, note_lock, read_note, replace_span
from tilbook.reading import entry_lines


@dataclass(slots=True)
class EntrySource:
    entry_id: str
    source: str
    line: int
    end_line: int
    markdown: str
    """The entry's lines, LF line ends."""
    version: str
    """Hash of the whole file when it was read."""


def file_version(data: bytes) -> str:
    return hashlib.blake2b(data, digest_size=16).hexdigest()


def _span(note: NoteFile, line: int, end_line: int) -> tuple[int, int]:
    start = note.offset_of_line(line)
    end = note.offset_of_line(end_line + 1)
    if end > start and note.text[end - 1 : end] in ("\n", "\r"):
        end -= 2 if note.text[end - 2 : end] == "\r\n" else 1
    return start, max(start, end)


def _lf(text: str) -> str:
    return text.replace("\r\n", "\n").replace("\r", "\n")


def entry_source(root: Path, entry: Entry) -> EntrySource:
    """The entry's Markdown as it stands in its file, with the file's version."""
    note = read_note(root / entry.source)
    return EntrySource(
        entry.id,
        entry.source,
        entry.line,
        entry.end_line,
        "\n".join(entry_lines(note.lines, entry)),
        file_version(note.data),
    )


def save_entry_source(
    root: Path, original: EntrySource, markdown: str, version: str
) -> EntrySource:
    """Replace the entry's lines with `markdown` if the file is still at `version`."""
    path = root / original.source
    with note_lock(path):
        return _save(original, read_note(path), markdown, version)


def _save(original: EntrySource, note: NoteFile, markdown: str, version: str) -> EntrySource:
    current = file_version(note.data)
    start, end = _span(note, original.line, original.end_line)
    theirs = "\n".join(entry_lines(note.lines, original))
    if current != version:
        raise EditConflict(
            f"{original.source} changed on disk since the editor opened; nothing was saved. "
            "Both versions are shown: merge them and save again.",
            yours=_lf(markdown),
            theirs=theirs,
            version=current,
        )
    if theirs != original.markdown:
        raise EditConflict(
            f"{original.source}: lines {original.line}-{original.end_line} no longer hold the "
            "entry the editor opened; nothing was saved.",
            yours=_lf(markdown),
            theirs=theirs,
            version=current,
        )
    new_text = _lf(markdown).rstrip("\n").replace("\n", note.newline)
    replaced = replace_span(note, start, end, new_text)
    line_count = _lf(new_text).count("\n") + 1
    return EntrySource(
        original.entry_id,
        original.source,
        original.line,
        original.line + line_count - 1,
        _lf(new_text),
        file_version(replaced.data),
    )
