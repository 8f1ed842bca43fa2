"""The TODO agenda: unfinished work across the whole log, carried forward.

People copy unfinished items into next week's list by hand, often reworded a
little. The agenda follows an item from list to list (fuzzy matching with
rapidfuzz, so "implement k-means on the GPU" and "implement k-means
clustering on the GPU" are one task), says where it first appeared and how
many later lists repeat it, and marks it done in the file with a
byte-precise edit.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tilbook.errors import AmbiguousId, TilbookError, TodoNotFound
from tilbook.notes.writes import read_note, replace_span
from tilbook.store.base import EntrySummary, Store

ID_LENGTH = 8
_BULLET = re.compile(r"^(\s*(?:[-*+]|\d+[.)])\s+)")
_TASK = re.compile(r"^(\s*(?:[-*+]|\d+[.)])\s+\[) (\])")
_TODO_WORD = re.compile(r"\b(TODO|ToDo|Todo|To-?do)(\s*[:：])")
_NOISE = re.compile(r"[\W_]+", re.UNICODE)
_LEAD = re.compile(
    r"^\s*(?:(?:[-*+]|\d+[.)])\s+)?(?:\[[ xX]\]\s*)?(?:\(\s*(?:#[^)]*)?\)\s*)?"
    r"(?:(?:TODO|ToDo|Todo|To-?do)\s*[:：]\s*)?"
)
"""A list marker, a checkbox, an entry marker and a `TODO:` before a TODO's text."""


@dataclass(slots=True)
class Occurrence:
    text: str
    done: bool
    line: int
    entry: EntrySummary

    def to_dict(self) -> dict[str, Any]:
        return {
            "text": self.text,
            "done": self.done,
            "source": self.entry.source,
            "line": self.line,
            "entry": self.entry.id,
            "date": self.entry.date,
        }


@dataclass(slots=True)
class AgendaItem:
    """One task, followed through every list that repeats it."""

    occurrences: list[Occurrence] = field(default_factory=list)
    key: str = ""

    @property
    def first(self) -> Occurrence:
        return self.occurrences[0]

    @property
    def latest(self) -> Occurrence:
        return self.occurrences[-1]

    @property
    def text(self) -> str:
        return self.latest.text

    @property
    def done(self) -> bool:
        return self.latest.done

    @property
    def carried(self) -> int:
        """How many later lists repeat it still unfinished."""
        return sum(1 for occurrence in self.occurrences[1:] if not occurrence.done)

    @property
    def id(self) -> str:
        latest = self.latest
        key = f"{latest.entry.source}\0{latest.entry.id}\0{normalise(latest.text)}"
        return hashlib.blake2b(key.encode("utf-8"), digest_size=8).hexdigest()[:ID_LENGTH]

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "text": self.text,
            "done": self.done,
            "carried": self.carried,
            "first": self.first.to_dict(),
            "latest": self.latest.to_dict(),
            "occurrences": [o.to_dict() for o in self.occurrences],
        }


def normalise(text: str) -> str:
    """Lower-case words only: what two copies of one task have in common."""
    text = re.sub(r"^\s*\[[ xX]\]\s*", "", text)
    return " ".join(_NOISE.sub(" ", text.casefold()).split())


def _order(occurrence: Occurrence) -> tuple[str, str, int]:
    return (occurrence.entry.date or "", occurrence.entry.source, occurrence.line)


SUBSET_MIN_WORDS = 4
"""A task copied with words added ("… (parked for now)") is the same task when the
shorter wording has at least this many words."""


SPELLING_SIMILARITY = 75
"""A word replaced by one at least this alike (0-100) is a spelling fix, not another task."""


def similarity_score(a: str, b: str, **_: Any) -> float:
    """How alike two normalised TODO texts are, 0-100.

    Copies of one task gain or lose words ("implement k-means" → "implement
    k-means clustering") or get spelling fixes; a different task swaps a word
    that matters ("read the GAN paper" / "read the DDPM paper"), which scores 0.
    """
    from rapidfuzz import fuzz

    words_a, words_b = set(a.split()), set(b.split())
    only_a, only_b = words_a - words_b, words_b - words_a
    if only_a and only_b:
        for word in only_a:
            if max(fuzz.ratio(word, other) for other in only_b) < SPELLING_SIMILARITY:
                return 0.0
    score = fuzz.token_sort_ratio(a, b)
    if min(len(words_a), len(words_b)) >= SUBSET_MIN_WORDS:
        score = max(score, fuzz.token_set_ratio(a, b))
    return float(score)


def build_agenda(store: Store, *, similarity: int = 82) -> list[AgendaItem]:
    """Every task in the log, oldest first, each with the lists that repeat it."""
    from rapidfuzz import process

    occurrences = sorted(
        (Occurrence(text, done, line, entry) for entry, text, done, line in store.todo_rows()),
        key=_order,
    )
    items: list[AgendaItem] = []
    keys: list[str] = []
    for occurrence in occurrences:
        key = normalise(occurrence.text)
        if not key:
            continue
        match: int | None = None
        for _, _score, index in process.extract(
            key, keys, scorer=similarity_score, limit=5, score_cutoff=similarity
        ):
            if all(o.entry.id != occurrence.entry.id for o in items[index].occurrences):
                match = index
                break
        if match is None:
            items.append(AgendaItem([occurrence], key))
            keys.append(key)
        else:
            items[match].occurrences.append(occurrence)
            items[match].key = keys[match] = key  # follow the latest wording
    return items


def agenda(
    store: Store,
    *,
    similarity: int = 82,
    tags: list[str] | None = None,
    since: str | None = None,
    stale: int = 0,
    include_done: bool = False,
) -> list[AgendaItem]:
    """Open tasks (or all, with `include_done`), filtered, oldest first."""
    wanted = {tag.lstrip("#").casefold() for tag in tags or []}
    result = []
    for item in build_agenda(store, similarity=similarity):
        if item.done and not include_done:
            continue
        if item.carried < stale:
            continue
        if since and (item.first.entry.date or "") < since:
            continue
        if wanted and not any(
            wanted & {tag.casefold() for tag in o.entry.tags} for o in item.occurrences
        ):
            continue
        result.append(item)
    return result


def find_item(items: list[AgendaItem], todo_id: str) -> AgendaItem:
    prefix = todo_id.strip().lower()
    matches = [item for item in items if prefix and item.id.startswith(prefix)]
    if not matches:
        raise TodoNotFound(f"no TODO with id {todo_id!r}. List them with `tilbook todo`.")
    if len(matches) > 1:
        raise AmbiguousId(f"TODO id {todo_id!r} matches several; type more of it")
    return matches[0]


@dataclass(slots=True)
class Marked:
    source: str
    line: int
    before: str
    after: str


def mark_occurrence_done(root: Path, occurrence: Occurrence, *, prefix: str = "[x] ") -> Marked:
    """Tick one TODO in its file: `[ ]` → `[x]`, `TODO:` → `DONE:`, or a prefix on a bullet."""
    path = root / occurrence.entry.source
    note = read_note(path)
    lines = note.lines
    if not 1 <= occurrence.line <= len(lines):
        raise TilbookError(
            f"{occurrence.entry.source}: line {occurrence.line} is gone; "
            "run `tilbook index` and try again"
        )
    line_text = lines[occurrence.line - 1]
    said = normalise(_LEAD.sub("", line_text, count=1))
    wanted = normalise(occurrence.text)
    # The line must hold this TODO (its first line, for one written over several).
    if not said or not (wanted == said or wanted.startswith(said + " ")):
        raise TilbookError(
            f"{occurrence.entry.source}:{occurrence.line} no longer holds this TODO "
            f"({occurrence.text!r}); run `tilbook index` and try again"
        )
    start = note.offset_of_line(occurrence.line)
    if task := _TASK.match(line_text):
        position = start + task.end(1)
        replace_span(note, position, position + 1, "x")
        after = line_text[: task.end(1)] + "x" + line_text[task.end(1) + 1 :]
    elif todo := _TODO_WORD.search(line_text):
        replace_span(note, start + todo.start(1), start + todo.end(1), "DONE")
        after = line_text[: todo.start(1)] + "DONE" + line_text[todo.end(1) :]
    elif bullet := _BULLET.match(line_text):
        position = start + bullet.end()
        replace_span(note, position, position, prefix)
        after = line_text[: bullet.end()] + prefix + line_text[bullet.end() :]
    else:
        raise TilbookError(
            f"{occurrence.entry.source}:{occurrence.line}: cannot tell how to tick this TODO"
        )
    return Marked(occurrence.entry.source, occurrence.line, line_text, after)


def mark_done(
    root: Path, item: AgendaItem, *, all_copies: bool = False, prefix: str = "[x] "
) -> list[Marked]:
    """Mark a task done: its latest copy, or every unfinished copy with `all_copies`."""
    targets = [o for o in item.occurrences if not o.done] if all_copies else [item.latest]
    if not targets or all(o.done for o in targets):
        raise TilbookError(f"TODO {item.id} is already done")
    return [mark_occurrence_done(root, o, prefix=prefix) for o in targets if not o.done]
