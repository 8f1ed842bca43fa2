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
import heapq
import itertools
import re
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from rapidfuzz import fuzz

from tilbook.errors import AmbiguousId, TilbookError, TodoNotFound
from tilbook.notes.writes import read_note, replace_span
from tilbook.store.base import EntrySummary, Store

ID_LENGTH = 8
_BULLET = re.compile(r"^(\s*(?:[-*+]|\d+[.)])\s+)")
_TASK = re.compile(r"^(\s*(?:[-*+]|\d+[.)])\s+\[) (\])")
_TASKS_FIELD = re.compile(
    r"^\s*(?:[-*+]|\d+[.)])\s+\[.\][^\n]*?[\U0001F4C5\u23F3\U0001F6EB\u2705\u2795\U0001F501]",
    re.MULTILINE,
)
"""A task with an Obsidian Tasks date field (📅 due, ⏳ scheduled, 🛫 start, ✅ done,
➕ created, 🔁 recurrence): the file writes its tasks for that plugin."""
_DONE_FIELD = re.compile(r"\u2705\ufe0f?\s*\d{4}-\d{2}-\d{2}")
_BLOCK_ID = re.compile(r"\s\^[A-Za-z0-9-]+\s*$")
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
    def due(self) -> str | None:
        """The due date an Obsidian Tasks item writes (`📅 2024-05-10`), ISO, else None."""
        return due_date(self.text)

    @property
    def fields(self) -> TaskFields:
        """The Obsidian Tasks fields the item writes (dates, recurrence, priority)."""
        return task_fields(self.text)

    @property
    def shown_text(self) -> str:
        """The text without its Tasks fields (what a list shows beside its own columns)."""
        return without_task_fields(self.text)

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
            "due": self.due,
            **self.fields.to_dict(),
            "first": self.first.to_dict(),
            "latest": self.latest.to_dict(),
            "occurrences": [o.to_dict() for o in self.occurrences],
        }


_DUE = re.compile(r"📅\ufe0f?\s*(\d{4}-\d{2}-\d{2})")


def due_date(text: str) -> str | None:
    """The due date of a task written for Obsidian Tasks (`… 📅 2024-05-10`), ISO."""
    if "📅" not in text:
        return None
    found = _DUE.search(text)
    if found is None:
        return None
    try:
        return date.fromisoformat(found.group(1)).isoformat()
    except ValueError:
        return None


_FIELD_MARKS = (
    "\U0001f4c5\u23f3\U0001f6eb\u2705\u2795\U0001f501\u23eb\U0001f53c\U0001f53d\U0001f53a\u23ec"
)
_DATE_FIELD = re.compile(
    r"\s*([\U0001f4c5\u23f3\U0001f6eb\u2705\u2795])\ufe0f?\s*(\d{4}-\d{2}-\d{2})"
)
_RECURRENCE = re.compile(
    rf"\s*\U0001f501\ufe0f?\s*([^{_FIELD_MARKS}]*?)(?=\s*(?:[{_FIELD_MARKS}]|\s\^|$))"
)
_PRIORITY_MARK = re.compile(r"\s*([\u23eb\U0001f53c\U0001f53d\U0001f53a\u23ec])\ufe0f?")
PRIORITIES = {
    "\U0001f53a": "highest",
    "\u23eb": "high",
    "\U0001f53c": "medium",
    "\U0001f53d": "low",
    "\u23ec": "lowest",
}
"""Obsidian Tasks' priority signs (🔺 ⏫ 🔼 🔽 ⏬) and their names."""
PRIORITY_RANK = {"highest": 0, "high": 1, "medium": 2, None: 3, "low": 4, "lowest": 5}
"""Most pressing first: a task with no priority sits between medium and low, as in Tasks."""
_DATE_NAMES = {
    "\U0001f4c5": "due",
    "\u23f3": "scheduled",
    "\U0001f6eb": "start",
    "\u2705": "done_on",
    "\u2795": "created",
}
DUE_SOON_DAYS = 7
"""An open task due within this many days is listed before the rest of the agenda."""


@dataclass(slots=True, frozen=True)
class TaskFields:
    """What an Obsidian Tasks item writes after its text (dates ISO, recurrence as text)."""

    scheduled: str | None = None
    start: str | None = None
    created: str | None = None
    done_on: str | None = None
    recurrence: str | None = None
    priority: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "scheduled": self.scheduled,
            "start": self.start,
            "created": self.created,
            "done_on": self.done_on,
            "recurrence": self.recurrence,
            "priority": self.priority,
        }


def _iso(day: str) -> str | None:
    try:
        return date.fromisoformat(day).isoformat()
    except ValueError:
        return None


def task_fields(text: str) -> TaskFields:
    """The Tasks fields of a task's text (`… ⏳ 2024-05-10 🔁 every week ⏫`)."""
    if not any(mark in text for mark in _FIELD_MARKS):
        return TaskFields()
    dates: dict[str, str | None] = {}
    for found in _DATE_FIELD.finditer(text):
        name = _DATE_NAMES[found.group(1)]
        if name != "due":
            dates.setdefault(name, _iso(found.group(2)))
    recurrence = _RECURRENCE.search(text)
    priority = _PRIORITY_MARK.search(text)
    return TaskFields(
        **dates,
        recurrence=(recurrence.group(1).strip() or None) if recurrence else None,
        priority=PRIORITIES[priority.group(1)] if priority else None,
    )


def without_task_fields(text: str) -> str:
    """A task's text without its Tasks dates, recurrence and priority."""
    if not any(mark in text for mark in _FIELD_MARKS):
        return text
    text = _RECURRENCE.sub("", text)
    text = _DATE_FIELD.sub("", text)
    return _PRIORITY_MARK.sub("", text).strip()


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
    return _similarity(a, frozenset(a.split()), b, frozenset(b.split()))


def _similarity(a: str, words_a: frozenset[str], b: str, words_b: frozenset[str]) -> float:
    """`similarity_score` with the word sets already made (the agenda reuses them)."""
    only_a, only_b = words_a - words_b, words_b - words_a
    if only_a and only_b:
        ratio = fuzz.ratio
        for word in only_a:
            for other in only_b:
                if ratio(word, other, score_cutoff=SPELLING_SIMILARITY):
                    break
            else:
                return 0.0
    score = fuzz.token_sort_ratio(a, b)
    if min(len(words_a), len(words_b)) >= SUBSET_MIN_WORDS:
        score = max(score, fuzz.token_set_ratio(a, b))
    return float(score)


BLOCK_LIMIT = 64
"""A word filed under more tasks than this is common (`read`, `fix`): of all the tasks
behind common words, only this many of the most recently seen are candidates. A copied
task is nearly always a recent one, and this keeps a log of thousands of similar TODOs
(`fix bug 1`, `fix bug 2`, …) near-linear."""
MATCH_LIMIT = 5
"""How many of the best-scoring earlier tasks are tried, in turn, as the one copied."""
_PREFIX = 3
"""Words of more letters than this are also filed under their first letters, so a
task whose every word was retyped (`refactr` → `refactor`) still meets its copy."""


def _tokens(words: frozenset[str]) -> set[str]:
    """What a normalised task is filed under: its words, and their first letters."""
    return {*words, *("\0" + word[:_PREFIX] for word in words if len(word) > _PREFIX)}


class _Blocks:
    """Earlier tasks filed by `_tokens`, each file in the order tasks were last seen.

    Two copies of a task share a word, or a word's first letters when a spelling fix
    changed every word; the fuzzy scorer only compares a task with those candidates:
    every task behind a rare token, and the `BLOCK_LIMIT` most recently seen behind
    common ones. So a task costs at most a few times `BLOCK_LIMIT` comparisons.
    """

    def __init__(self) -> None:
        self._files: dict[str, dict[int, None]] = {}
        self._seen: list[int] = []
        """For each task: when it was last filed (the value of `_clock` then)."""
        self._clock = 0

    def add(self, index: int, words: frozenset[str]) -> None:
        """File task `index` under `words`, as the most recently seen task."""
        self._clock += 1
        while len(self._seen) <= index:
            self._seen.append(0)
        self._seen[index] = self._clock
        for token in _tokens(words):
            filed = self._files.setdefault(token, {})
            filed.pop(index, None)
            filed[index] = None

    def candidates(self, words: frozenset[str]) -> set[int]:
        """The earlier tasks worth comparing with a task of `words`."""
        found: set[int] = set()
        common: set[int] = set()
        for token in _tokens(words):
            filed = self._files.get(token)
            if not filed:
                continue
            if len(filed) <= BLOCK_LIMIT:
                found.update(filed)
            else:
                common.update(itertools.islice(reversed(filed), BLOCK_LIMIT))
        if len(common) > BLOCK_LIMIT:
            seen = self._seen
            common = set(heapq.nlargest(BLOCK_LIMIT, common, key=lambda index: seen[index]))
        return found | common


def build_agenda(store: Store, *, similarity: int = 82) -> list[AgendaItem]:
    """Every task in the log, oldest first, each with the lists that repeat it.

    Each task is compared (`similarity_score`) with the earlier tasks it shares a
    word with (see `_Blocks`); of the `MATCH_LIMIT` best scoring at least
    `similarity`, the first that no occurrence from the same entry already holds is
    the one it copies.
    """
    occurrences = sorted(
        (Occurrence(text, done, line, entry) for entry, text, done, line in store.todo_rows()),
        key=_order,
    )
    items: list[AgendaItem] = []
    keys: list[tuple[str, frozenset[str]]] = []
    entries: list[set[str]] = []
    blocks = _Blocks()
    for occurrence in occurrences:
        key = normalise(occurrence.text)
        if not key:
            continue
        words = frozenset(key.split())
        scored = []
        for index in blocks.candidates(words):
            score = _similarity(key, words, *keys[index])
            if score >= similarity:
                scored.append((-score, index))
        scored.sort()
        match = next(
            (
                index
                for _, index in scored[:MATCH_LIMIT]
                if occurrence.entry.id not in entries[index]
            ),
            None,
        )
        if match is None:
            match = len(items)
            items.append(AgendaItem([occurrence], key))
            keys.append((key, words))
            entries.append({occurrence.entry.id})
        else:
            items[match].occurrences.append(occurrence)
            items[match].key = key  # follow the latest wording
            keys[match] = (key, words)
            entries[match].add(occurrence.entry.id)
        blocks.add(match, words)
    return items


def agenda(
    store: Store,
    *,
    similarity: int = 82,
    tags: list[str] | None = None,
    since: str | None = None,
    stale: int = 0,
    include_done: bool = False,
    due: bool = False,
    overdue_on: date | None = None,
    today: date | None = None,
) -> list[AgendaItem]:
    """Open tasks (or all, with `include_done`), filtered: overdue ones first, then those
    due within `DUE_SOON_DAYS` of `today` (soonest first), then the rest oldest first,
    each group by Tasks priority; with `due`, only those with a due date (`📅 …`), soonest
    first; with `overdue_on` (today), only those due before that day and still open."""
    wanted = {tag.lstrip("#").casefold() for tag in tags or []}
    result = []
    for item in build_agenda(store, similarity=similarity):
        if item.done and not include_done:
            continue
        if (due or overdue_on) and item.due is None:
            continue
        if overdue_on is not None and (item.done or (item.due or "") >= overdue_on.isoformat()):
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
    if due or overdue_on:
        result.sort(key=lambda item: item.due or "")
    else:
        result.sort(key=lambda item: _urgency(item, today or date.today()))
    return result


def _urgency(item: AgendaItem, today: date) -> tuple[int, str, int]:
    """Overdue, then due soon (soonest first), then the rest; then by priority."""
    due = item.due
    soon = date.fromordinal(today.toordinal() + DUE_SOON_DAYS).isoformat()
    if due is not None and not item.done and due < today.isoformat():
        group = 0
    elif due is not None and not item.done and due <= soon:
        group = 1
    else:
        group = 2
    return group, due if group < 2 and due else "", PRIORITY_RANK[item.fields.priority]


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


def with_done_date(line: str, day: date) -> str:
    """A task line with Obsidian Tasks' done date (`✅ 2024-05-10`) added at its end, before
    a block id (`^abc`), as the plugin writes it; unchanged when it has one."""
    if _DONE_FIELD.search(line):
        return line
    body = line.rstrip()
    block = _BLOCK_ID.search(body)
    cut = block.start() if block else len(body)
    return f"{body[:cut].rstrip()} \u2705 {day.isoformat()}{body[cut:]}{line[len(body) :]}"


def mark_occurrence_done(
    root: Path, occurrence: Occurrence, *, prefix: str = "[x] ", day: date | None = None
) -> Marked:
    """Tick one TODO in its file: `[ ]` → `[x]`, `TODO:` → `DONE:`, or a prefix on a bullet.
    In a file whose tasks carry Obsidian Tasks dates, a ticked task also gets its done date
    (`✅` and `day`, default today)."""
    path = root / occurrence.entry.source
    note = read_note(path)
    lines = note.lines
    if not 1 <= occurrence.line <= len(lines):
        raise TilbookError(
            f"{occurrence.entry.source}: line {occurrence.line} is gone; "
            "run `tilbook index` and try again"
        )
    line_text = lines[occurrence.line - 1]
    # The TODO's text is the line's plain text: a link counts by its text, not its address.
    plain = re.sub(
        r"!?\[([^\]\n]*)\](?:\((?:<[^>\n]*>|(?:[^()\s]|\([^()\s]*\))*)"
        r"(?:\s+(?:\"[^\"]*\"|'[^']*'))?\)|\[[^\]\n]*\])",
        r"\1",
        line_text,
    )
    said = normalise(_LEAD.sub("", plain, count=1))
    wanted = normalise(occurrence.text)
    # The line must hold this TODO (its first line, for one written over several).
    if not said or not (wanted == said or wanted.startswith(said + " ")):
        raise TilbookError(
            f"{occurrence.entry.source}:{occurrence.line} no longer holds this TODO "
            f"({occurrence.text!r}); run `tilbook index` and try again"
        )
    start = note.offset_of_line(occurrence.line)
    if task := _TASK.match(line_text):
        after = line_text[: task.end(1)] + "x" + line_text[task.end(1) + 1 :]
        if "\u2705" not in line_text and _TASKS_FIELD.search(note.text):
            after = with_done_date(after, day or date.today())
        # Only the bytes that differ are new: the box, and the done date at the line's end.
        replace_span(note, start + task.end(1), start + len(line_text), after[task.end(1) :])
    elif (todo := _TODO_WORD.search(line_text)) and not _TODO_WORD.search(occurrence.text):
        # `TODO:` → `DONE:` only when the TODO is the text after the word; a TODO that
        # holds the word (a whole item under a TODO heading) is ticked on its bullet.
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
    root: Path,
    item: AgendaItem,
    *,
    all_copies: bool = False,
    prefix: str = "[x] ",
    day: date | None = None,
) -> list[Marked]:
    """Mark a task done: its latest copy, or every unfinished copy with `all_copies`."""
    targets = [o for o in item.occurrences if not o.done] if all_copies else [item.latest]
    if not targets or all(o.done for o in targets):
        raise TilbookError(f"TODO {item.id} is already done")
    return [mark_occurrence_done(root, o, prefix=prefix, day=day) for o in targets if not o.done]
