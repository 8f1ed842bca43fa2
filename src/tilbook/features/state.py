"""Moving what the user did between logs: export, import, and a summary of the state files.

The state files (`tilbook.store.state`) already travel with the notes when
the folder is synced or committed. An export is a copy of their records in
one JSON file, for moving history between two notes folders that do not
share files; importing adds the records the folder does not hold yet, and the
usual rule (the latest record of each card, question or parameter set wins)
decides what is in force. Exports written before state files existed
(`tilbook_reviews: 1`: each card's state and the review log) still import.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from tilbook.errors import ReviewDataError
from tilbook.store.base import Store
from tilbook.store.reviews import ReviewRecord, ReviewStore, Schedule
from tilbook.store.state import (
    ANSWERS,
    PARAMETERS,
    REVIEWS,
    STATE_FILES,
    parameters_record,
    record_problem,
    review_record,
    schedule_record,
)

EXPORT_FORMAT = 2
"""2: the state files' records; 1: cards with their state, and the review log."""


@dataclass(slots=True)
class ImportReport:
    reviews: int = 0
    """Ratings added to the review log."""
    schedules: int = 0
    """Card schedules added (the latest one of each card is in force)."""
    answers: int = 0
    parameters: int = 0
    already_here: int = 0
    """Records of the file this log already held."""
    cards_missing: list[str] = field(default_factory=list)
    """Keys of cards with history in the file whose text is not in these notes."""

    @property
    def added(self) -> int:
        return self.reviews + self.schedules + self.answers + self.parameters


def export_state(
    store: Store, reviews: ReviewStore, *, now: datetime | None = None
) -> dict[str, Any]:
    """Every state record, and the cards as they are now (to say which the notes hold)."""
    return {
        "tilbook_reviews": EXPORT_FORMAT,
        "exported_at": (now or datetime.now(UTC)).astimezone(UTC).isoformat(),
        "state": store.state_records(),
        "cards": [card.to_dict() for card in reviews.cards()],
    }


def _records_of_format_1(data: dict[str, Any]) -> dict[str, list[dict[str, Any]]]:
    """An export from before state files, as state records."""
    reviews: list[dict[str, Any]] = []
    for item in data.get("reviews") or []:
        rating = int(item["rating"])
        reviewed_at = datetime.fromisoformat(str(item["reviewed_at"]))
        if reviewed_at.tzinfo is None:
            reviewed_at = reviewed_at.replace(tzinfo=UTC)
        reviews.append(
            review_record(
                ReviewRecord(
                    str(item["card"]),
                    rating,
                    reviewed_at.astimezone(UTC).isoformat(),
                    item.get("duration_ms"),
                    item.get("state_before"),
                )
            )
        )
    for card in data.get("cards") or []:
        key, _kind, _front = str(card["key"]), card["kind"], card["front"]
        if card.get("state") is None:
            continue
        schedule = Schedule(
            card.get("state"),
            card.get("step"),
            card.get("stability"),
            card.get("difficulty"),
            card.get("due"),
            card.get("last_review"),
        )
        at = schedule.last_review or str(data.get("exported_at") or "")
        reviews.append(schedule_record(key, schedule, at, card.get("reviewed_back")))
    parameters = []
    fitted = data.get("parameters")
    if isinstance(fitted, dict):
        parameters.append(parameters_record(fitted, str(fitted.get("fitted_at") or "")))
    return {REVIEWS: reviews, PARAMETERS: parameters}


def _records_of(data: Any, origin: str) -> dict[str, list[dict[str, Any]]]:
    if not isinstance(data, dict) or data.get("tilbook_reviews") not in (1, EXPORT_FORMAT):
        raise ReviewDataError(
            f"{origin} is not a tilbook review export (made by `tilbook review export`)"
        )
    try:
        if data["tilbook_reviews"] == 1:
            records = _records_of_format_1(data)
        else:
            state = data.get("state")
            if not isinstance(state, dict) or not set(state) <= set(STATE_FILES):
                raise ValueError("its `state` names files tilbook does not keep")
            records = {name: list(state[name]) for name in state}
    except (KeyError, TypeError, ValueError, AttributeError) as error:
        raise ReviewDataError(f"{origin}: a card or review is damaged ({error})") from error
    for name, items in records.items():
        for number, record in enumerate(items, start=1):
            problem = record_problem(name, record)
            if problem is not None:
                raise ReviewDataError(
                    f"{origin}: record {number} of {name} is damaged ({problem}); "
                    "nothing was imported"
                )
    return records


def import_state(
    store: Store, reviews: ReviewStore, data: Any, *, origin: str = "the file"
) -> ImportReport:
    """Add an export's records to this log's state files (nothing is added twice)."""
    records = _records_of(data, origin)
    added = store.add_state_records(records)
    report = ImportReport()
    for name, new in added.items():
        report.already_here += len(records.get(name, [])) - len(new)
        if name == ANSWERS:
            report.answers += len(new)
        elif name == PARAMETERS:
            report.parameters += len(new)
        else:
            report.reviews += sum(1 for record in new if "rating" in record)
            report.schedules += sum(1 for record in new if "schedule" in record)
    here = {card.key for card in reviews.cards(include_suspended=False)}
    report.cards_missing = sorted(
        {
            str(record.get("card"))
            for record in records.get(REVIEWS, [])
            if record.get("card") not in here
        }
    )
    return report


def read_export(path: Path) -> Any:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError) as error:
        raise ReviewDataError(f"{path}: cannot be read ({error})") from error
    except json.JSONDecodeError as error:
        raise ReviewDataError(f"{path}: not JSON ({error})") from error
