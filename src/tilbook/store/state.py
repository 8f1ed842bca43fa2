"""What the user did in tilbook, kept in plain files that travel with the notes.

The index is derived from the notes and can always be made again; answers to
open questions, flashcard reviews and fitted FSRS parameters cannot. They are
kept as JSON Lines (`tilbook.notes.records`) in `.tilbook-state/` at the top of
the notes folder, meant to be committed with the notes:

    answers.jsonl     a question answered, or opened again
    reviews.jsonl     a rating given to a card (with the schedule it led to),
                      or a card rescheduled (after the FSRS parameters changed)
    parameters.jsonl  FSRS parameters fitted to the reviews, or a reset

Every record carries `at`, the UTC time it was made; a file is a log in time
order and what it says now is the fold of its records: the latest record of a
question, card or parameter set wins. Records never change once written, so
two machines' files merge by taking the lines of both (`.gitattributes` asks
git for exactly that), and a conflicted file is still read whole.

The store keeps a cache of the fold in its own tables and reads the files
again when they change on disk (a `git pull`, another machine's sync).
"""

from __future__ import annotations

import json
import os
import time
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tilbook.model import Answer, IndexWarning
from tilbook.notes.files import STATE_DIR, TILBOOK_DIR
from tilbook.notes.locks import locked
from tilbook.notes.records import RecordFile, append_records, read_records, rewrite_records
from tilbook.store.reviews import ReviewRecord, Schedule

ANSWERS = "answers.jsonl"
REVIEWS = "reviews.jsonl"
PARAMETERS = "parameters.jsonl"
STATE_FILES = (ANSWERS, REVIEWS, PARAMETERS)
LOCK_NAME = "state.lock"
GITATTRIBUTES = """\
# Written by tilbook. Each line of these files is one record that never changes:
# merging two machines' files means keeping the lines of both.
*.jsonl merge=union text eol=lf
"""


def state_folder(root: Path) -> Path:
    return root / STATE_DIR


def now_iso() -> str:
    """The current UTC time, ISO 8601 with microseconds (records made in one second stay
    in the order they were made)."""
    from datetime import UTC, datetime

    return datetime.now(UTC).isoformat()


# -- records ----------------------------------------------------------------------------------


def answer_record(answer: Answer) -> dict[str, Any]:
    return {
        "at": answer.answered_at,
        "question": answer.question_key,
        "source": answer.source,
        "text": answer.question,
        "entry": answer.entry_id,
        "note": answer.note,
    }


def reopen_record(question_key: str, at: str) -> dict[str, Any]:
    return {"at": at, "question": question_key, "reopened": True}


def schedule_dict(schedule: Schedule) -> dict[str, Any]:
    return {
        "state": schedule.state,
        "step": schedule.step,
        "stability": schedule.stability,
        "difficulty": schedule.difficulty,
        "due": schedule.due,
        "last_review": schedule.last_review,
    }


def review_record(
    review: ReviewRecord, schedule: Schedule | None = None, shown_back: str | None = None
) -> dict[str, Any]:
    record: dict[str, Any] = {
        "at": review.reviewed_at,
        "card": review.card_key,
        "rating": review.rating,
        "ms": review.duration_ms,
        "before": review.state_before,
    }
    if schedule is not None:
        record["schedule"] = schedule_dict(schedule)
    if shown_back is not None:
        record["back"] = shown_back
    return record


def schedule_record(
    card_key: str, schedule: Schedule, at: str, shown_back: str | None = None
) -> dict[str, Any]:
    record: dict[str, Any] = {"at": at, "card": card_key, "schedule": schedule_dict(schedule)}
    if shown_back is not None:
        record["back"] = shown_back
    return record


def parameters_record(data: dict[str, Any] | None, at: str) -> dict[str, Any]:
    return {"at": at, "parameters": data}


# -- the fold ---------------------------------------------------------------------------------


@dataclass(slots=True)
class CardState:
    """A card's schedule as the records say, and the back shown at its last review."""

    schedule: Schedule
    reviewed_back: str | None = None


@dataclass(slots=True)
class UserState:
    """What the state files say now."""

    answers: dict[str, Answer] = field(default_factory=dict)
    reviews: list[ReviewRecord] = field(default_factory=list)
    """Every rating, oldest first."""
    cards: dict[str, CardState] = field(default_factory=dict)
    parameters: dict[str, Any] | None = None
    warnings: list[IndexWarning] = field(default_factory=list)
    untidy: list[str] = field(default_factory=list)
    """Files with conflict markers, duplicates or unreadable lines."""


class _Bad(ValueError):
    pass


def _text(record: dict[str, Any], key: str, *, optional: bool = False) -> str | None:
    value = record.get(key)
    if value is None and optional:
        return None
    if not isinstance(value, str) or not value:
        raise _Bad(f"`{key}` is missing or not text")
    return value


def _number(record: dict[str, Any], key: str, kind: type) -> Any:
    value = record.get(key)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise _Bad(f"`{key}` is not a number")
    return kind(value)


def _schedule(data: Any) -> Schedule:
    if not isinstance(data, dict):
        raise _Bad("`schedule` is not an object")
    return Schedule(
        state=_number(data, "state", int),
        step=_number(data, "step", int),
        stability=_number(data, "stability", float),
        difficulty=_number(data, "difficulty", float),
        due=_text(data, "due", optional=True),
        last_review=_text(data, "last_review", optional=True),
    )


def _in_time_order(file: RecordFile) -> list[dict[str, Any]]:
    """Records by time; records of one time keep their order in the file."""
    return sorted(file.records, key=lambda record: str(record.get("at", "")))


def records_in_order(file: RecordFile) -> list[dict[str, Any]]:
    """A file's records by time, as they are written (without where they were read)."""
    return [
        {key: value for key, value in record.items() if key != "_line"}
        for record in _in_time_order(file)
    ]


@dataclass(slots=True, frozen=True)
class _AnswerEvent:
    key: str
    answer: Answer | None
    """None: the question was opened again."""


@dataclass(slots=True, frozen=True)
class _ReviewEvent:
    key: str
    at: str
    review: ReviewRecord | None
    schedule: Schedule | None
    back: str | None


def _answer_event(record: dict[str, Any]) -> _AnswerEvent:
    at, key = _text(record, "at"), _text(record, "question")
    assert at is not None and key is not None
    if record.get("reopened"):
        return _AnswerEvent(key, None)
    entry = _text(record, "entry", optional=True)
    note = _text(record, "note", optional=True)
    if entry is None and note is None:
        raise _Bad("neither `entry` nor `note` says what answers it")
    source, text = _text(record, "source"), _text(record, "text")
    assert source is not None and text is not None
    return _AnswerEvent(key, Answer(key, source, text, entry, note, at))


def _review_event(record: dict[str, Any]) -> _ReviewEvent:
    at, key = _text(record, "at"), _text(record, "card")
    assert at is not None and key is not None
    schedule = _schedule(record["schedule"]) if "schedule" in record else None
    rating = _number(record, "rating", int)
    if rating is None and schedule is None:
        raise _Bad("neither `rating` nor `schedule` is there")
    if rating is not None and rating not in (1, 2, 3, 4):
        raise _Bad(f"`rating` {rating} is not 1-4")
    review = (
        None
        if rating is None
        else ReviewRecord(
            key, rating, at, _number(record, "ms", int), _number(record, "before", int)
        )
    )
    return _ReviewEvent(key, at, review, schedule, _text(record, "back", optional=True))


def _parameters_event(record: dict[str, Any]) -> dict[str, Any] | None:
    _text(record, "at")
    data = record.get("parameters")
    if data is not None and not (
        isinstance(data, dict) and isinstance(data.get("parameters"), list)
    ):
        raise _Bad("`parameters` is not a fitted parameter set")
    return data


_READERS = {ANSWERS: _answer_event, REVIEWS: _review_event, PARAMETERS: _parameters_event}


def record_problem(name: str, record: Any) -> str | None:
    """What is wrong with a record meant for the state file `name` (None: nothing)."""
    if not isinstance(record, dict):
        return "a record is not a JSON object"
    try:
        _READERS[name](record)
    except _Bad as problem:
        return str(problem)
    return None


def fold(files: dict[str, RecordFile], folder_name: str = STATE_DIR) -> UserState:
    """What the records of the three state files add up to: the latest record of each
    question, card and parameter set wins; every rating is kept once."""
    state = UserState()
    for name, file in files.items():
        state.warnings.extend(file.warnings)
        if not file.tidy:
            state.untidy.append(name)

    def events(name: str) -> Iterator[Any]:
        for record in _in_time_order(files.get(name, RecordFile())):
            try:
                yield _READERS[name](record)
            except _Bad as problem:
                state.warnings.append(
                    IndexWarning(
                        f"{folder_name}/{name}", f"{problem}; record skipped", record.get("_line")
                    )
                )

    for answered in events(ANSWERS):
        if answered.answer is None:
            state.answers.pop(answered.key, None)
        else:
            state.answers[answered.key] = answered.answer

    seen: set[tuple[str, str]] = set()
    for event in events(REVIEWS):
        if event.review is not None and (event.key, event.at) not in seen:
            seen.add((event.key, event.at))  # a rating written twice counts once
            state.reviews.append(event.review)
        if event.schedule is not None:
            previous = state.cards.get(event.key)
            back = event.back
            if back is None and previous is not None:
                back = previous.reviewed_back
            state.cards[event.key] = CardState(event.schedule, back)

    for parameters in events(PARAMETERS):
        state.parameters = parameters
    return state


# -- the folder -------------------------------------------------------------------------------


@dataclass(slots=True)
class MergeReport:
    """What `tilbook state merge` did to each file."""

    files: dict[str, dict[str, int]] = field(default_factory=dict)
    """File → records kept, duplicates dropped, conflict markers removed, lines set aside."""
    set_aside: list[Path] = field(default_factory=list)
    """Where lines that were not records went (never deleted)."""


class StateFolder:
    """The state files of one notes folder, read and written under one lock."""

    def __init__(self, folder: Path, lock: Path) -> None:
        self.folder = folder
        self.lock = lock

    @classmethod
    def of(cls, root: Path) -> StateFolder:
        return cls(state_folder(root), root / TILBOOK_DIR / LOCK_NAME)

    def path(self, name: str) -> Path:
        return self.folder / name

    def exists(self) -> bool:
        return any(self.path(name).exists() for name in STATE_FILES)

    def signature(self) -> str:
        """Changes whenever any state file does (size, time and inode of each)."""
        parts: list[Any] = []
        for name in STATE_FILES:
            try:
                info = os.stat(self.path(name))
            except OSError:
                parts.append(None)
                continue
            parts.append([info.st_size, info.st_mtime_ns, info.st_ino])
        return json.dumps(parts)

    @contextmanager
    def reading(self) -> Iterator[None]:
        with locked(self.lock, shared=True):
            yield

    @contextmanager
    def writing(self) -> Iterator[None]:
        """Hold this around a write and the cache update that goes with it."""
        with locked(self.lock):
            yield

    def read_files(self) -> dict[str, RecordFile]:
        return {
            name: read_records(self.path(name), f"{self.folder.name}/{name}")
            for name in STATE_FILES
        }

    def load(self) -> UserState:
        """Read and fold every state file (hold `reading()` or `writing()` around it)."""
        return fold(self.read_files(), self.folder.name)

    def append(self, name: str, records: Iterable[dict[str, Any]]) -> None:
        """Add records to one file (hold `writing()` around it)."""
        records = list(records)
        if not records:
            return
        self.ensure_folder()
        append_records(self.path(name), records)

    def ensure_folder(self) -> None:
        self.folder.mkdir(parents=True, exist_ok=True)
        attributes = self.folder / ".gitattributes"
        if not attributes.exists():
            attributes.write_text(GITATTRIBUTES, encoding="utf-8")

    def merge(self) -> MergeReport:
        """Tidy every file: one copy of each record, in time order, no conflict markers.

        Lines that are not records are moved to a file of their own in the cache
        folder (named in the report), never deleted.
        """
        report = MergeReport()
        with self.writing():
            for name, file in self.read_files().items():
                if not self.path(name).exists():
                    continue
                counts = {
                    "records": len(file.records),
                    "duplicates": file.duplicates,
                    "conflicts": int(file.conflicted),
                    "set_aside": len(file.rejected),
                }
                report.files[name] = counts
                if file.tidy and _in_time_order(file) == file.records:
                    continue
                if file.rejected:
                    stamp = time.strftime("%Y%m%d-%H%M%S")
                    aside = self.folder / f"{name}.set-aside-{stamp}.txt"
                    with aside.open("a", encoding="utf-8") as handle:
                        for number, text in file.rejected:
                            handle.write(f"{number}: {text}\n")
                    report.set_aside.append(aside)
                rewrite_records(self.path(name), _in_time_order(file))
        return report
