"""Open questions: the `?` lines of a log, and which later entries answer them.

Answers are the only part of this that is not in the notes. They are kept in
the state files beside the notes (`tilbook.store.state`), keyed by a stable
identity of the question — its file and its normalised text — so
re-indexing, moving the question or editing around it keeps the answer;
`tilbook export` includes them. When a newer tilbook reads a question's words
a little differently (a sentence of a line, not the whole line), the answer is
still found: by the same file and text that holds, or is held in, the other.
"""

from __future__ import annotations

import hashlib
import unicodedata
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from tilbook.errors import AmbiguousId, QuestionNotFound, TilbookError
from tilbook.model import Answer
from tilbook.store.base import EntrySummary, Store

ID_LENGTH = 10
MIN_MATCH_CHARS = 12
"""An answer is matched by words only when the shorter text has at least this many
characters (a short question is too likely to sit inside another)."""


def normalise_question(text: str) -> str:
    text = unicodedata.normalize("NFC", text).casefold()
    return " ".join(text.split())


def question_key(source: str, text: str) -> str:
    """Stable identity of a question: its file and its normalised text."""
    key = f"{source}\0{normalise_question(text)}"
    return hashlib.blake2b(key.encode("utf-8"), digest_size=10).hexdigest()


@dataclass(slots=True)
class QuestionItem:
    key: str
    text: str
    line: int
    entry: EntrySummary
    answer: Answer | None = None

    @property
    def id(self) -> str:
        """The short id shown to users (a prefix of the key)."""
        return self.key[:ID_LENGTH]

    def to_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "id": self.id,
            "text": self.text,
            "source": self.entry.source,
            "line": self.line,
            "entry": self.entry.id,
            "entry_title": self.entry.title,
            "date": self.entry.date,
            "answered": self.answer is not None,
        }
        if self.answer is not None:
            data["answer"] = {
                "entry": self.answer.entry_id,
                "note": self.answer.note,
                "answered_at": self.answer.answered_at,
            }
        return data


def list_questions(
    store: Store, *, search: str | None = None, include_answered: bool = False
) -> list[QuestionItem]:
    """Questions newest first; answered ones only when asked for."""
    answers = {answer.question_key: answer for answer in store.answers()}
    rows = [
        (entry, text, line, question_key(entry.source, text))
        for entry, text, line in store.question_rows()
    ]
    unmatched: dict[str, list[Answer]] = {}
    keys = {key for *_, key in rows}
    for answer in answers.values():
        if answer.question_key not in keys:
            unmatched.setdefault(answer.source, []).append(answer)
    needle = normalise_question(search) if search else None
    items: list[QuestionItem] = []
    seen: set[str] = set()
    for entry, text, line, key in rows:
        if key in seen:
            continue  # the same question asked twice in one file is one question
        seen.add(key)
        found = answers.get(key) or _answer_by_words(unmatched.get(entry.source), text)
        if found is not None and not include_answered:
            continue
        if (
            needle
            and needle not in normalise_question(text)
            and needle not in (normalise_question(entry.title))
        ):
            continue
        items.append(QuestionItem(key, text, line, entry, found))
    return items


def _answer_by_words(candidates: list[Answer] | None, text: str) -> Answer | None:
    """An answer given to this question when its words were read a little differently."""
    if not candidates:
        return None
    words = normalise_question(text)
    for answer in candidates:
        other = normalise_question(answer.question)
        shorter = min(words, other, key=len)
        if len(shorter) >= MIN_MATCH_CHARS and (words in other or other in words):
            candidates.remove(answer)
            return answer
    return None


def find_question(store: Store, question_id: str) -> QuestionItem:
    prefix = question_id.strip().lower()
    if not prefix:
        raise QuestionNotFound("no question id given")
    matches = [
        item for item in list_questions(store, include_answered=True) if item.key.startswith(prefix)
    ]
    if not matches:
        raise QuestionNotFound(
            f"no question with id {question_id!r}. List them with `tilbook questions`."
        )
    if len(matches) > 1:
        ids = ", ".join(item.id for item in matches[:5])
        raise AmbiguousId(f"question id {question_id!r} matches several ({ids}); type more")
    return matches[0]


def answer_question(
    store: Store, question_id: str, *, entry_id: str | None = None, note: str | None = None
) -> QuestionItem:
    """Record that an entry (or a note) answers a question."""
    if not entry_id and not (note and note.strip()):
        raise TilbookError("say what answers the question: --entry ENTRY_ID or --note TEXT")
    item = find_question(store, question_id)
    answering = store.entry(entry_id).id if entry_id else None
    answer = Answer(
        question_key=item.key,
        source=item.entry.source,
        question=item.text,
        entry_id=answering,
        note=note.strip() if note else None,
        answered_at=datetime.now(UTC).isoformat(timespec="seconds"),
    )
    store.save_answer(answer)
    item.answer = answer
    return item


def reopen_question(store: Store, question_id: str) -> QuestionItem:
    """Forget an answer: the question is open again."""
    item = find_question(store, question_id)
    store.delete_answer(item.answer.question_key if item.answer else item.key)
    item.answer = None
    return item
