"""What a store offers for flashcards: their content, FSRS state and review log.

Review state is the one thing in the index that is not derived from the notes,
so it lives in tables of its own, keyed by a card's stable identity (see
`tilbook.features.cards.deck.card_key`), never by a row id. `SQLiteReviews`
(`tilbook.store.sqlite_reviews`) implements this protocol on the embedded
index; a server store can implement it on its own tables.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol

CARD_KINDS = ("term", "question", "inline")
"""Where a card comes from: a glossary term, an answered question, an inline card."""


@dataclass(slots=True)
class CardContent:
    """A card as the notes say it is now."""

    key: str
    kind: str
    source: str
    front: str
    back: str
    entry_id: str | None
    line: int
    tags: list[str] = field(default_factory=list)


@dataclass(slots=True)
class Schedule:
    """A card's FSRS state; `state` is None for a card never reviewed."""

    state: int | None = None
    step: int | None = None
    stability: float | None = None
    difficulty: float | None = None
    due: str | None = None
    """UTC, ISO 8601."""
    last_review: str | None = None
    """UTC, ISO 8601."""


@dataclass(slots=True)
class StoredCard:
    """A card as the index keeps it: content, schedule and history markers."""

    key: str
    kind: str
    source: str
    front: str
    back: str
    entry_id: str | None
    line: int
    tags: list[str]
    created_at: str
    suspended_at: str | None
    """Set while the card's text is not in the notes (or its kind is switched off)."""
    schedule: Schedule
    reviewed_back: str | None
    """The back as it was shown at the last review."""

    @property
    def is_new(self) -> bool:
        return self.schedule.state is None

    @property
    def back_changed(self) -> bool:
        """The back was edited in the notes since the card was last reviewed."""
        return self.reviewed_back is not None and self.reviewed_back != self.back

    def content(self) -> CardContent:
        return CardContent(
            self.key,
            self.kind,
            self.source,
            self.front,
            self.back,
            self.entry_id,
            self.line,
            list(self.tags),
        )

    def to_dict(self) -> dict[str, Any]:
        return {
            "key": self.key,
            "kind": self.kind,
            "source": self.source,
            "line": self.line,
            "entry": self.entry_id,
            "front": self.front,
            "back": self.back,
            "tags": self.tags,
            "created_at": self.created_at,
            "suspended_at": self.suspended_at,
            "state": self.schedule.state,
            "step": self.schedule.step,
            "stability": self.schedule.stability,
            "difficulty": self.schedule.difficulty,
            "due": self.schedule.due,
            "last_review": self.schedule.last_review,
            "reviewed_back": self.reviewed_back,
        }


@dataclass(slots=True, frozen=True)
class ReviewRecord:
    """One rating given to a card."""

    card_key: str
    rating: int
    """1 Again, 2 Hard, 3 Good, 4 Easy."""
    reviewed_at: str
    """UTC, ISO 8601."""
    duration_ms: int | None
    state_before: int | None
    """The card's FSRS state before this review; None when it was new."""

    def to_dict(self) -> dict[str, Any]:
        return {
            "card": self.card_key,
            "rating": self.rating,
            "reviewed_at": self.reviewed_at,
            "duration_ms": self.duration_ms,
            "state_before": self.state_before,
        }


@dataclass(slots=True)
class ReconcileReport:
    added: int = 0
    updated: int = 0
    suspended: int = 0
    revived: int = 0


class ReviewStore(Protocol):
    """Flashcards and their review history in one index."""

    def cards(self, *, include_suspended: bool = True) -> list[StoredCard]:
        """Every card, in the order of the notes (file, line)."""

    def card(self, key: str) -> StoredCard | None: ...

    def reconcile(
        self,
        cards: Iterable[CardContent],
        *,
        sources: Iterable[str] | None,
        kinds: Iterable[str],
        now: str,
        signatures: Mapping[str, str] | None = None,
    ) -> ReconcileReport:
        """Make the cards of `kinds` from `sources` (any source when None) be `cards`.

        New cards are added, known ones updated and un-suspended; cards in that
        scope that are not in `cards` are suspended, never deleted. `signatures`
        (source → what its cards were made from) are remembered in the same
        transaction.
        """

    def card_signatures(self) -> dict[str, str]:
        """Per source file: what its cards were last made from."""

    def forget_signatures(self, sources: Iterable[str]) -> None: ...

    def clear_signatures(self) -> None:
        """Make the next card sync read every file again."""

    def record_review(
        self, key: str, schedule: Schedule, review: ReviewRecord, shown_back: str
    ) -> None:
        """Save a card's new schedule and the rating that led to it, together."""

    def reviews(self, *, since: str | None = None) -> list[ReviewRecord]:
        """The review log, oldest first (only from `since`, UTC ISO, when given)."""

    def set_schedules(self, schedules: Mapping[str, Schedule]) -> None: ...

    def add_reviews(self, reviews: Iterable[ReviewRecord]) -> int:
        """Add reviews not already in the log; returns how many were new."""

    def parameters(self) -> dict[str, Any] | None:
        """The FSRS parameters fitted by `tilbook review optimize`, if any."""

    def save_parameters(self, data: dict[str, Any] | None) -> None: ...
