"""Spaced repetition of the log's flashcards with FSRS-6 (the `fsrs` package).

Scheduling, review sessions, statistics and the FSRS optimizer (moving review
history between logs is `tilbook.features.state`). The cards come from
`tilbook.features.cards.deck`; everything here reads and writes them through
a `ReviewStore`. Times are stored in UTC and turned into local time only to
decide what "today" is.
"""

from __future__ import annotations

import importlib.util
from collections import Counter, deque
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from fsrs import Card, Rating, ReviewLog, Scheduler, State
from fsrs.scheduler import DEFAULT_PARAMETERS

from tilbook.errors import OptimizerUnavailable, SettingsError
from tilbook.settings import Settings
from tilbook.store.reviews import ReviewRecord, ReviewStore, Schedule, StoredCard

RATINGS = {1: "Again", 2: "Hard", 3: "Good", 4: "Easy"}
STATES = {None: "new", 1: "learning", 2: "review", 3: "relearning"}
LEARN_AHEAD = timedelta(minutes=20)
"""A learning card due within this much time is shown again in the same session."""
OPTIMIZER_MIN_REVIEWS = 512
"""The fsrs optimizer keeps the default parameters below this many long-term reviews."""
OPTIMIZER_EXTRA = "pip install 'fsrs[optimizer]'"
RETENTION_RANGE = (0.7, 0.97)
FORECAST_DAYS = 30


# -- time -------------------------------------------------------------------------------------


def utc_now() -> datetime:
    return datetime.now(UTC)


def to_iso(moment: datetime) -> str:
    """UTC, ISO 8601; fractions of a second only when there are any (two quick ratings of
    one card stay two reviews)."""
    return moment.astimezone(UTC).isoformat()


def from_iso(text: str) -> datetime:
    moment = datetime.fromisoformat(text)
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def local_date(moment: datetime) -> date:
    return moment.astimezone().date()


def end_of_local_day(moment: datetime, days: int = 0) -> datetime:
    """The last second of the local day `days` after `moment`'s, in UTC."""
    day = local_date(moment) + timedelta(days=days)
    return datetime.combine(day, time(23, 59, 59)).astimezone().astimezone(UTC)


# -- scheduling -------------------------------------------------------------------------------


def card_number(key: str) -> int:
    """The card's number for fsrs (its ids are integers): the first 48 bits of its key."""
    return int(key[:12], 16)


def desired_retention(settings: Settings) -> float:
    value = float(settings["review_retention"])
    low, high = RETENTION_RANGE
    if not low <= value <= high:
        raise SettingsError(
            f"review_retention = {value} is out of range: use a number from {low} to {high} "
            "(0.9 is the usual choice)"
        )
    return value


def fitted_parameters(reviews: ReviewStore) -> list[float] | None:
    data = reviews.parameters()
    if not data or not isinstance(data.get("parameters"), list):
        return None
    return [float(value) for value in data["parameters"]]


def make_scheduler(reviews: ReviewStore, settings: Settings, *, fuzz: bool = True) -> Scheduler:
    """An FSRS-6 scheduler with the log's own parameters (when fitted) and retention."""
    return Scheduler(
        parameters=fitted_parameters(reviews) or DEFAULT_PARAMETERS,
        desired_retention=desired_retention(settings),
        enable_fuzzing=fuzz,
    )


def fsrs_card(card: StoredCard, now: datetime | None = None) -> Card:
    """The stored state as an `fsrs.Card` (a new card is due now)."""
    schedule = card.schedule
    if schedule.state is None:
        return Card(card_id=card_number(card.key), due=now or utc_now())
    return Card(
        card_id=card_number(card.key),
        state=State(schedule.state),
        step=schedule.step,
        stability=schedule.stability,
        difficulty=schedule.difficulty,
        due=from_iso(schedule.due) if schedule.due else (now or utc_now()),
        last_review=from_iso(schedule.last_review) if schedule.last_review else None,
    )


def schedule_of(card: Card) -> Schedule:
    return Schedule(
        state=int(card.state),
        step=card.step,
        stability=card.stability,
        difficulty=card.difficulty,
        due=to_iso(card.due),
        last_review=to_iso(card.last_review) if card.last_review else None,
    )


def answer_card(
    reviews: ReviewStore,
    scheduler: Scheduler,
    card: StoredCard,
    rating: int,
    *,
    now: datetime | None = None,
    duration_ms: int | None = None,
) -> StoredCard:
    """Rate a card (1-4), save its new schedule and the review; returns the card as it is now."""
    if rating not in RATINGS:
        raise ValueError(f"rating must be 1-4, not {rating}")
    now = (now or utc_now()).astimezone(UTC)
    updated, _ = scheduler.review_card(
        fsrs_card(card, now), Rating(rating), review_datetime=now, review_duration=duration_ms
    )
    schedule = schedule_of(updated)
    record = ReviewRecord(card.key, rating, to_iso(now), duration_ms, card.schedule.state)
    reviews.record_review(card.key, schedule, record, card.back)
    return replace(card, schedule=schedule, reviewed_back=card.back)


def preview(scheduler: Scheduler, card: StoredCard, now: datetime) -> dict[int, timedelta]:
    """How long until the card comes back for each rating (use a scheduler without fuzz)."""
    base = fsrs_card(card, now)
    return {
        rating: scheduler.review_card(base, Rating(rating), review_datetime=now)[0].due - now
        for rating in RATINGS
    }


def span_text(delta: timedelta) -> str:
    """A time span as a person says it (on the rating buttons of the terminal and the web
    app): <1m, 10m, 5h, 3d, 2.5mo, 1.2y."""
    seconds = delta.total_seconds()
    if seconds < 60:
        return "<1m"
    if seconds < 3600:
        return f"{round(seconds / 60)}m"
    if seconds < 86400:
        return f"{round(seconds / 3600)}h"
    days = seconds / 86400
    if days < 30:
        return f"{round(days)}d"
    if days < 365:
        return f"{days / 30:.1f}mo"
    return f"{days / 365:.1f}y"


def is_due(card: StoredCard, now: datetime) -> bool:
    """Review cards are due for the whole local day; learning cards from a little before."""
    schedule = card.schedule
    if schedule.state is None or schedule.due is None:
        return False
    due = from_iso(schedule.due)
    if schedule.state == State.Review:
        return due <= end_of_local_day(now)
    return due <= now + LEARN_AHEAD


def has_tags(card: StoredCard, tags: Sequence[str]) -> bool:
    wanted = {tag.lstrip("#").casefold() for tag in tags}
    return not wanted or bool(wanted & {tag.casefold() for tag in card.tags})


def new_cards_seen_today(records: Iterable[ReviewRecord], now: datetime) -> int:
    today = local_date(now)
    return len(
        {
            record.card_key
            for record in records
            if record.state_before is None and local_date(from_iso(record.reviewed_at)) == today
        }
    )


# -- sessions ---------------------------------------------------------------------------------


@dataclass(slots=True)
class ReviewSession:
    """The cards to review now, in order; a card still learning comes back before the end."""

    reviews: ReviewStore
    scheduler: Scheduler
    queue: deque[StoredCard]
    total: int
    """Cards in the session when it started."""
    ratings: Counter[int] = field(default_factory=Counter)
    done: set[str] = field(default_factory=set)
    """Cards that will not come back in this session."""

    def next_card(self) -> StoredCard | None:
        return self.queue.popleft() if self.queue else None

    def answer(
        self,
        card: StoredCard,
        rating: int,
        *,
        now: datetime | None = None,
        duration_ms: int | None = None,
    ) -> StoredCard:
        now = now or utc_now()
        updated = answer_card(
            self.reviews, self.scheduler, card, rating, now=now, duration_ms=duration_ms
        )
        self.ratings[rating] += 1
        due = updated.schedule.due
        if due is not None and from_iso(due) <= now + LEARN_AHEAD:
            self.queue.append(updated)
        else:
            self.done.add(card.key)
        return updated

    def skip(self, card: StoredCard) -> None:
        """Leave the card for another session."""
        self.done.add(card.key)

    @property
    def reviewed(self) -> int:
        return sum(self.ratings.values())


def start_session(
    reviews: ReviewStore,
    settings: Settings,
    *,
    now: datetime | None = None,
    tags: Sequence[str] = (),
    new_per_day: int | None = None,
    limit: int | None = None,
) -> ReviewSession:
    """Due cards (most overdue first), then new cards up to today's allowance."""
    now = now or utc_now()
    scheduler = make_scheduler(reviews, settings)
    cards = [card for card in reviews.cards(include_suspended=False) if has_tags(card, tags)]
    due = sorted(
        (card for card in cards if is_due(card, now)), key=lambda card: card.schedule.due or ""
    )
    allowance = int(settings["review_new_per_day"]) if new_per_day is None else new_per_day
    today = local_date(now)
    since = to_iso(datetime.combine(today, time()).astimezone())
    allowance = max(allowance - new_cards_seen_today(reviews.reviews(since=since), now), 0)
    fresh = sorted(
        (card for card in cards if card.is_new), key=lambda c: (c.created_at, c.source, c.line)
    )
    chosen = due + fresh[:allowance]
    if limit is not None:
        chosen = chosen[:limit]
    return ReviewSession(reviews, scheduler, deque(chosen), len(chosen))


def next_due(reviews: ReviewStore, *, tags: Sequence[str] = ()) -> tuple[datetime, int] | None:
    """When the next card comes due (and how many fall due that local day)."""
    dues = sorted(
        from_iso(card.schedule.due)
        for card in reviews.cards(include_suspended=False)
        if card.schedule.due and card.schedule.state is not None and has_tags(card, tags)
    )
    if not dues:
        return None
    first = dues[0]
    day = local_date(first)
    return first, sum(1 for due in dues if local_date(due) == day)


# -- statistics -------------------------------------------------------------------------------


@dataclass(slots=True)
class ReviewStats:
    cards: dict[str, int]
    due_today: int
    due_week: int
    due_month: int
    forecast: list[tuple[str, int]]
    """Cards due per local day, today (with overdue ones) first."""
    reviews_per_day: dict[str, int]
    """Local day → reviews, every day with reviews."""
    retention: float | None
    """True retention of the last 30 days: share of review-state cards not forgotten."""
    retention_reviews: int
    total_reviews: int
    desired_retention: float
    parameters: str
    today: str
    new_today: int = 0
    """New cards a session would show today (the day's allowance left, at most)."""
    new_waiting: int = 0
    """New cards not yet reviewed, in all."""
    new_per_day: int = 0

    def to_dict(self) -> dict[str, Any]:
        last_month = [
            (date.fromisoformat(self.today) - timedelta(days=offset)).isoformat()
            for offset in range(29, -1, -1)
        ]
        return {
            "cards": self.cards,
            "due": {"today": self.due_today, "7_days": self.due_week, "30_days": self.due_month},
            "forecast": [{"date": day, "due": count} for day, count in self.forecast],
            "reviews_per_day": [
                {"date": day, "reviews": self.reviews_per_day.get(day, 0)} for day in last_month
            ],
            "true_retention_30_days": (
                None if self.retention is None else round(self.retention, 4)
            ),
            "retention_reviews_30_days": self.retention_reviews,
            "total_reviews": self.total_reviews,
            "new": {
                "today": self.new_today,
                "waiting": self.new_waiting,
                "per_day": self.new_per_day,
            },
            "desired_retention": self.desired_retention,
            "parameters": self.parameters,
        }


def review_stats(
    reviews: ReviewStore, settings: Settings, *, now: datetime | None = None
) -> ReviewStats:
    now = now or utc_now()
    today = local_date(now)
    cards = reviews.cards()
    counts = Counter(
        "suspended" if card.suspended_at else STATES[card.schedule.state] for card in cards
    )
    by_state = {name: counts.get(name, 0) for name in (*STATES.values(), "suspended")}
    by_state["total"] = len(cards)
    forecast_counts: Counter[date] = Counter()
    for card in cards:
        if card.suspended_at or card.schedule.state is None or not card.schedule.due:
            continue
        day = max(local_date(from_iso(card.schedule.due)), today)
        forecast_counts[day] += 1
    forecast = [
        ((today + timedelta(days=offset)).isoformat(), forecast_counts[today + timedelta(offset)])
        for offset in range(FORECAST_DAYS)
    ]
    records = reviews.reviews()
    per_day: Counter[str] = Counter(
        local_date(from_iso(record.reviewed_at)).isoformat() for record in records
    )
    month_ago = now - timedelta(days=30)
    recent = [
        record
        for record in records
        if record.state_before == State.Review and from_iso(record.reviewed_at) >= month_ago
    ]
    remembered = sum(1 for record in recent if record.rating > Rating.Again)
    fitted = reviews.parameters()
    per_day_allowance = int(settings["review_new_per_day"])
    since = to_iso(datetime.combine(today, time()).astimezone())
    left_today = max(per_day_allowance - new_cards_seen_today(reviews.reviews(since=since), now), 0)
    waiting = sum(1 for card in cards if card.is_new and not card.suspended_at)
    return ReviewStats(
        cards=by_state,
        due_today=forecast[0][1],
        due_week=sum(count for _, count in forecast[:7]),
        due_month=sum(count for _, count in forecast),
        forecast=forecast,
        reviews_per_day=dict(sorted(per_day.items())),
        retention=remembered / len(recent) if recent else None,
        retention_reviews=len(recent),
        total_reviews=len(records),
        desired_retention=desired_retention(settings),
        parameters=(
            f"fitted {fitted.get('fitted_at', '')} from {fitted.get('reviews', '?')} reviews"
            if fitted
            else "FSRS-6 defaults"
        ),
        today=today.isoformat(),
        new_today=min(waiting, left_today),
        new_waiting=waiting,
        new_per_day=per_day_allowance,
    )


# -- optimizer --------------------------------------------------------------------------------


def optimizer_installed() -> bool:
    """Whether the `fsrs[optimizer]` extra (PyTorch, pandas, tqdm) can be imported."""
    return all(importlib.util.find_spec(name) is not None for name in ("torch", "pandas", "tqdm"))


def long_term_reviews(records: Iterable[ReviewRecord]) -> int:
    """Reviews a day or more after the card's previous one: what the optimizer learns from."""
    last: dict[str, datetime] = {}
    count = 0
    for record in sorted(records, key=lambda r: r.reviewed_at):
        moment = from_iso(record.reviewed_at)
        previous = last.get(record.card_key)
        if previous is not None and (moment - previous).days > 0:
            count += 1
        last[record.card_key] = moment
    return count


@dataclass(slots=True)
class OptimizeResult:
    parameters: list[float]
    previous: list[float]
    reviews: int
    rescheduled: int


def fsrs_logs(records: Iterable[ReviewRecord]) -> list[ReviewLog]:
    return [
        ReviewLog(
            card_id=card_number(record.card_key),
            rating=Rating(record.rating),
            review_datetime=from_iso(record.reviewed_at),
            review_duration=record.duration_ms,
        )
        for record in records
    ]


def check_optimizable(reviews: ReviewStore) -> int:
    """Raise `OptimizerUnavailable` saying what is missing; else return the usable reviews."""
    records = reviews.reviews()
    usable = long_term_reviews(records)
    problems = []
    if not optimizer_installed():
        problems.append(
            "The FSRS optimizer is not installed. It is an optional extra of the fsrs package "
            f"and brings PyTorch (several GB). Install it with: {OPTIMIZER_EXTRA}"
        )
    if usable < OPTIMIZER_MIN_REVIEWS:
        problems.append(
            f"It needs at least {OPTIMIZER_MIN_REVIEWS} reviews made a day or more after the "
            f"card's previous review; this log has {usable} ({len(records)} reviews in all). "
            "Until then the FSRS-6 default parameters are used; they suit most people."
        )
    if problems:
        raise OptimizerUnavailable(
            "cannot fit FSRS parameters to your reviews yet:\n"
            + "\n".join(f"  - {problem}" for problem in problems)
        )
    return usable


def optimize(
    reviews: ReviewStore, settings: Settings, *, now: datetime | None = None
) -> OptimizeResult:
    """Fit FSRS parameters to this log's reviews, keep them, and reschedule every card."""
    usable = check_optimizable(reviews)
    records = reviews.reviews()
    from fsrs.optimizer import Optimizer

    previous = fitted_parameters(reviews) or list(DEFAULT_PARAMETERS)
    fitted = [float(value) for value in Optimizer(fsrs_logs(records)).compute_optimal_parameters()]
    now = now or utc_now()
    reviews.save_parameters({"parameters": fitted, "fitted_at": to_iso(now), "reviews": usable})
    rescheduled = reschedule(reviews, settings)
    return OptimizeResult(fitted, previous, usable, rescheduled)


def is_default(parameters: Sequence[float]) -> bool:
    return tuple(parameters) == tuple(DEFAULT_PARAMETERS)


def reset_parameters(reviews: ReviewStore, settings: Settings) -> int:
    """Go back to the default parameters; returns how many cards were rescheduled."""
    reviews.save_parameters(None)
    return reschedule(reviews, settings)


def reschedule(reviews: ReviewStore, settings: Settings) -> int:
    """Replay every card's reviews with the scheduler in force now."""
    scheduler = make_scheduler(reviews, settings)
    by_card: dict[str, list[ReviewRecord]] = {}
    for record in reviews.reviews():
        by_card.setdefault(record.card_key, []).append(record)
    schedules: dict[str, Schedule] = {}
    for card in reviews.cards():
        records = by_card.get(card.key)
        if not records:
            continue
        first = from_iso(records[0].reviewed_at)
        fresh = Card(card_id=card_number(card.key), due=first)
        schedules[card.key] = schedule_of(scheduler.reschedule_card(fresh, fsrs_logs(records)))
    reviews.set_schedules(schedules)
    return len(schedules)
