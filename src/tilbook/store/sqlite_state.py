"""The embedded index's cache of the state files (`tilbook.store.state`).

`answers`, `review_log`, `review_schedules` and the `review_parameters` meta
value hold what the state files add up to, so that queries stay fast. They
are filled again from the files whenever the files' signature differs from
the one recorded with the cache; tilbook's own writes append to a file and
update the cache and the signature together, under the state lock.
"""

from __future__ import annotations

import json
import sqlite3
from typing import Any

from tilbook.model import Answer
from tilbook.store.reviews import ReviewRecord, Schedule
from tilbook.store.state import (
    ANSWERS,
    PARAMETERS,
    REVIEWS,
    CardState,
    UserState,
    answer_record,
    now_iso,
    parameters_record,
    review_record,
    schedule_record,
)

PARAMETERS_META = "review_parameters"
SIGNATURE_META = "state_signature"
"""The state files' signature when the cache was last filled from them."""
ADOPTED_META = "state_files"
"""Set once the index's own answers and reviews (from before state files) were moved out."""

_SCHEDULE_COLUMNS = "state, step, stability, difficulty, due, last_review, reviewed_back"


def schedule_values(schedule: Schedule) -> tuple[Any, ...]:
    return (
        schedule.state,
        schedule.step,
        schedule.stability,
        schedule.difficulty,
        schedule.due,
        schedule.last_review,
    )


def put_answer(db: sqlite3.Connection, answer: Answer) -> None:
    db.execute(
        "INSERT INTO answers(question_key, source, question, entry_id, note, answered_at) "
        "VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT(question_key) DO UPDATE SET "
        "source = excluded.source, question = excluded.question, "
        "entry_id = excluded.entry_id, note = excluded.note, "
        "answered_at = excluded.answered_at",
        (
            answer.question_key,
            answer.source,
            answer.question,
            answer.entry_id,
            answer.note,
            answer.answered_at,
        ),
    )


def put_reviews(db: sqlite3.Connection, reviews: list[ReviewRecord]) -> int:
    """Add ratings not in the log yet; returns how many were new."""
    before = db.total_changes
    db.executemany(
        "INSERT OR IGNORE INTO review_log(card_key, rating, reviewed_at, duration_ms, "
        "state_before) VALUES (?, ?, ?, ?, ?)",
        [(r.card_key, r.rating, r.reviewed_at, r.duration_ms, r.state_before) for r in reviews],
    )
    return db.total_changes - before


def put_schedules(db: sqlite3.Connection, cards: dict[str, CardState]) -> None:
    db.executemany(
        f"INSERT INTO review_schedules(card_key, {_SCHEDULE_COLUMNS}) "
        "VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT(card_key) DO UPDATE SET "
        "state = excluded.state, step = excluded.step, stability = excluded.stability, "
        "difficulty = excluded.difficulty, due = excluded.due, "
        "last_review = excluded.last_review, "
        "reviewed_back = COALESCE(excluded.reviewed_back, review_schedules.reviewed_back)",
        [(key, *schedule_values(card.schedule), card.reviewed_back) for key, card in cards.items()],
    )


def put_parameters(db: sqlite3.Connection, data: dict[str, Any] | None) -> None:
    db.execute(
        "INSERT INTO meta(key, value) VALUES (?, ?) "
        "ON CONFLICT(key) DO UPDATE SET value = excluded.value",
        (PARAMETERS_META, json.dumps(data) if data else ""),
    )


def fill_cache(db: sqlite3.Connection, state: UserState) -> None:
    """Make the cache tables say what `state` says (inside the caller's transaction)."""
    db.execute("DELETE FROM answers")
    for answer in state.answers.values():
        put_answer(db, answer)
    db.execute("DELETE FROM review_log")
    put_reviews(db, state.reviews)
    db.execute("DELETE FROM review_schedules")
    put_schedules(db, state.cards)
    put_parameters(db, state.parameters)


def records_in_tables(db: sqlite3.Connection) -> dict[str, list[dict[str, Any]]]:
    """What an index from before state files holds, as state records."""
    answers = [
        answer_record(Answer(*row))
        for row in db.execute(
            "SELECT question_key, source, question, entry_id, note, answered_at FROM answers "
            "ORDER BY answered_at"
        )
    ]
    reviews = [
        review_record(ReviewRecord(*row))
        for row in db.execute(
            "SELECT card_key, rating, reviewed_at, duration_ms, state_before FROM review_log "
            "ORDER BY reviewed_at, id"
        )
    ]
    # The schedule each card has now, stamped with its last review (a rating at the
    # same time and the schedule it led to).
    for row in db.execute(
        f"SELECT card_key, {_SCHEDULE_COLUMNS} FROM review_schedules WHERE state IS NOT NULL"
    ):
        schedule = Schedule(*row[1:7])
        reviews.append(schedule_record(row[0], schedule, schedule.last_review or now_iso(), row[7]))
    reviews.sort(key=lambda record: str(record["at"]))
    parameters = []
    row = db.execute("SELECT value FROM meta WHERE key = ?", (PARAMETERS_META,)).fetchone()
    if row is not None and row[0]:
        data = json.loads(row[0])
        if isinstance(data, dict):
            parameters.append(parameters_record(data, str(data.get("fitted_at") or now_iso())))
    return {ANSWERS: answers, REVIEWS: reviews, PARAMETERS: parameters}


def record_identity(record: dict[str, Any]) -> tuple[str, ...]:
    """What makes two records the same event, for adding an old index's records once."""
    return (
        str(record.get("at")),
        str(record.get("question") or record.get("card") or ""),
        str(record.get("rating")),
        "schedule" if "schedule" in record else "",
    )
