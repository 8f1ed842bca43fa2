"""`ReviewStore` on the embedded index.

Card content (`review_cards`) is made from the notes; schedules, the review log
and fitted parameters are what the user did, so they are written to the state
files first (`tilbook.store.state`) and the tables here are their cache.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from typing import Any

from tilbook.store.migrations import rollback
from tilbook.store.reviews import CardContent, ReconcileReport, ReviewRecord, Schedule, StoredCard
from tilbook.store.sqlite import SQLiteStore
from tilbook.store.sqlite_state import (
    PARAMETERS_META,
    put_parameters,
    put_reviews,
    put_schedules,
)
from tilbook.store.state import (
    PARAMETERS,
    REVIEWS,
    CardState,
    now_iso,
    parameters_record,
    review_record,
    schedule_record,
)

_CHUNK = 500

_CONTENT_COLUMNS = "key, kind, source, front, back, entry_id, line, tags, created_at, suspended_at"
_CARD_COLUMNS = (
    "c.key, c.kind, c.source, c.front, c.back, c.entry_id, c.line, c.tags, c.created_at, "
    "c.suspended_at, s.state, s.step, s.stability, s.difficulty, s.due, s.last_review, "
    "s.reviewed_back"
)
_CARDS = "review_cards c LEFT JOIN review_schedules s ON s.card_key = c.key"


def _card(row: tuple[Any, ...]) -> StoredCard:
    return StoredCard(
        key=row[0],
        kind=row[1],
        source=row[2],
        front=row[3],
        back=row[4],
        entry_id=row[5],
        line=row[6],
        tags=json.loads(row[7]),
        created_at=row[8],
        suspended_at=row[9],
        schedule=Schedule(row[10], row[11], row[12], row[13], row[14], row[15]),
        reviewed_back=row[16],
    )


def _chunks(values: list[str]) -> Iterator[list[str]]:
    for start in range(0, len(values), _CHUNK):
        yield values[start : start + _CHUNK]


class SQLiteReviews:
    """Flashcards and review history in an `SQLiteStore`'s database."""

    def __init__(self, store: SQLiteStore) -> None:
        self.store = store
        self.db: sqlite3.Connection = store.db

    @contextmanager
    def _transaction(self) -> Iterator[None]:
        """One write transaction (joins the store's own when one is open)."""
        if self.db.in_transaction:
            yield
            return
        self.db.execute("BEGIN IMMEDIATE")
        try:
            yield
        except BaseException:
            rollback(self.db)
            raise
        self.db.execute("COMMIT")

    # -- cards -----------------------------------------------------------------------------

    def cards(self, *, include_suspended: bool = True) -> list[StoredCard]:
        self.store.refresh_state()
        where = "" if include_suspended else " WHERE c.suspended_at IS NULL"
        rows = self.db.execute(
            f"SELECT {_CARD_COLUMNS} FROM {_CARDS}{where} ORDER BY c.source, c.line, c.front"
        ).fetchall()
        return [_card(row) for row in rows]

    def card(self, key: str) -> StoredCard | None:
        self.store.refresh_state()
        row = self.db.execute(
            f"SELECT {_CARD_COLUMNS} FROM {_CARDS} WHERE c.key = ?", (key,)
        ).fetchone()
        return None if row is None else _card(row)

    def _cards_by_key(self, keys: list[str]) -> dict[str, StoredCard]:
        found: dict[str, StoredCard] = {}
        for chunk in _chunks(keys):
            placeholders = ",".join("?" * len(chunk))
            for row in self.db.execute(
                f"SELECT {_CARD_COLUMNS} FROM {_CARDS} WHERE c.key IN ({placeholders})", chunk
            ):
                found[row[0]] = _card(row)
        return found

    def _keys_in_scope(self, sources: list[str] | None, kinds: list[str]) -> dict[str, bool]:
        """Cards of `kinds` from `sources`: key → whether it is suspended."""
        kind_marks = ",".join("?" * len(kinds))
        if sources is None:
            rows = self.db.execute(
                f"SELECT key, suspended_at FROM review_cards WHERE kind IN ({kind_marks})", kinds
            ).fetchall()
        else:
            rows = []
            for chunk in _chunks(sources):
                placeholders = ",".join("?" * len(chunk))
                rows.extend(
                    self.db.execute(
                        "SELECT key, suspended_at FROM review_cards "
                        f"WHERE kind IN ({kind_marks}) AND source IN ({placeholders})",
                        [*kinds, *chunk],
                    ).fetchall()
                )
        return {row[0]: row[1] is not None for row in rows}

    def reconcile(
        self,
        cards: Iterable[CardContent],
        *,
        sources: Iterable[str] | None,
        kinds: Iterable[str],
        now: str,
        signatures: Mapping[str, str] | None = None,
    ) -> ReconcileReport:
        report = ReconcileReport()
        incoming = {card.key: card for card in cards}
        scope_sources = None if sources is None else list(sources)
        with self._transaction():
            in_scope = self._keys_in_scope(scope_sources, list(kinds))
            known = self._cards_by_key(list(incoming))
            for key, card in incoming.items():
                old = known.get(key)
                tags = json.dumps(card.tags, ensure_ascii=False)
                if old is None:
                    self.db.execute(
                        "INSERT INTO review_cards(key, kind, source, front, back, entry_id, "
                        "line, tags, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                        (
                            key,
                            card.kind,
                            card.source,
                            card.front,
                            card.back,
                            card.entry_id,
                            card.line,
                            tags,
                            now,
                        ),
                    )
                    report.added += 1
                    continue
                if old.suspended_at is not None:
                    report.revived += 1
                elif old.content() == card:
                    continue
                else:
                    report.updated += 1
                self.db.execute(
                    "UPDATE review_cards SET kind = ?, source = ?, front = ?, back = ?, "
                    "entry_id = ?, line = ?, tags = ?, suspended_at = NULL WHERE key = ?",
                    (
                        card.kind,
                        card.source,
                        card.front,
                        card.back,
                        card.entry_id,
                        card.line,
                        tags,
                        key,
                    ),
                )
            gone = [
                key for key, suspended in in_scope.items() if key not in incoming and not suspended
            ]
            for chunk in _chunks(gone):
                placeholders = ",".join("?" * len(chunk))
                self.db.execute(
                    f"UPDATE review_cards SET suspended_at = ? WHERE key IN ({placeholders})",
                    [now, *chunk],
                )
            report.suspended = len(gone)
            if signatures:
                self.db.executemany(
                    "INSERT INTO review_sources(source, signature) VALUES (?, ?) "
                    "ON CONFLICT(source) DO UPDATE SET signature = excluded.signature",
                    list(signatures.items()),
                )
        return report

    def card_signatures(self) -> dict[str, str]:
        return dict(self.db.execute("SELECT source, signature FROM review_sources").fetchall())

    def forget_signatures(self, sources: Iterable[str]) -> None:
        with self._transaction():
            self.db.executemany(
                "DELETE FROM review_sources WHERE source = ?", [(s,) for s in sources]
            )

    def clear_signatures(self) -> None:
        with self._transaction():
            self.db.execute("DELETE FROM review_sources")

    # -- reviews ---------------------------------------------------------------------------

    def record_review(
        self, key: str, schedule: Schedule, review: ReviewRecord, shown_back: str
    ) -> None:
        def update() -> None:
            put_schedules(self.db, {key: CardState(schedule, shown_back)})
            put_reviews(self.db, [review])

        self.store.write_state(REVIEWS, [review_record(review, schedule, shown_back)], update)

    def add_reviews(self, reviews: Iterable[ReviewRecord]) -> int:
        self.store.refresh_state()
        rows = self.db.execute("SELECT card_key, reviewed_at FROM review_log")
        known = {(row[0], row[1]) for row in rows}
        new = [review for review in reviews if (review.card_key, review.reviewed_at) not in known]
        added = 0

        def update() -> None:
            nonlocal added
            added = put_reviews(self.db, new)

        self.store.write_state(REVIEWS, [review_record(review) for review in new], update)
        return added

    def reviews(self, *, since: str | None = None) -> list[ReviewRecord]:
        self.store.refresh_state()
        sql = "SELECT card_key, rating, reviewed_at, duration_ms, state_before FROM review_log"
        params: list[Any] = []
        if since is not None:
            sql += " WHERE reviewed_at >= ?"
            params.append(since)
        rows = self.db.execute(sql + " ORDER BY reviewed_at, id", params).fetchall()
        return [ReviewRecord(*row) for row in rows]

    def set_schedules(self, schedules: Mapping[str, Schedule]) -> None:
        at = now_iso()
        states = {key: CardState(schedule) for key, schedule in schedules.items()}
        self.store.write_state(
            REVIEWS,
            [schedule_record(key, schedule, at) for key, schedule in schedules.items()],
            lambda: put_schedules(self.db, states),
        )

    # -- parameters ------------------------------------------------------------------------

    def parameters(self) -> dict[str, Any] | None:
        self.store.refresh_state()
        value = self.store.get_meta(PARAMETERS_META)
        if not value:
            return None
        data = json.loads(value)
        return data if isinstance(data, dict) else None

    def save_parameters(self, data: dict[str, Any] | None) -> None:
        self.store.write_state(
            PARAMETERS,
            [parameters_record(data, now_iso())],
            lambda: put_parameters(self.db, data),
        )
