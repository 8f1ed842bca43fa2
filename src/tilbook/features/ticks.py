"""Undoing a tick: a TODO line put back exactly as it was before it was marked done.

`tilbook.features.agenda.mark_occurrence_done` returns what it changed (`Marked`: the
file, the line, the line before and after). Undoing writes `before` back over `after`
through the same byte-precise write path, and only while the line still reads exactly
`after`: a line edited, moved or ticked again since is left alone.
"""

from __future__ import annotations

from pathlib import Path

from tilbook.errors import FileChangedError
from tilbook.features.agenda import Marked
from tilbook.notes.writes import note_lock, read_note, replace_span


def undo_tick(root: Path, marked: Marked) -> None:
    """Put the ticked line back as it was; refuse (FileChangedError) when it changed since."""
    path = root / marked.source
    with note_lock(path):
        note = read_note(path)
        lines = note.lines
        if not 1 <= marked.line <= len(lines) or lines[marked.line - 1] != marked.after:
            raise FileChangedError(
                f"{marked.source}: line {marked.line} changed since the TODO was ticked, "
                "so the tick was not undone; the file is as it was"
            )
        start = note.offset_of_line(marked.line)
        replace_span(note, start, start + len(marked.after), marked.before)
