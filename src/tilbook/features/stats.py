"""Learning stats: entries over time, streaks, tags, papers and TODOs, and a picture of them.

Everything is read from the index through the `Store` protocol. Only dated
entries count over time; undated ones (lessons, topic sections) are counted
on their own. The pure functions (`streaks`, `per_week`, `per_month`) take
plain dates so that they can be tested alone. The picture of them is drawn by
`tilbook.render.charts`.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from tilbook.store.base import Store

TOP_TAGS = 10
"""How many of the most used tags the stats list."""


# -- counting (pure) ------------------------------------------------------------------------


@dataclass(slots=True, frozen=True)
class Streak:
    """A run of consecutive days with at least one entry."""

    days: int
    start: date | None = None
    end: date | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "days": self.days,
            "start": self.start.isoformat() if self.start else None,
            "end": self.end.isoformat() if self.end else None,
        }


def runs(days: Iterable[date]) -> list[Streak]:
    """The runs of consecutive days in `days` (any order, repeats allowed), oldest first."""
    found: list[Streak] = []
    start: date | None = None
    previous: date | None = None
    for day in sorted(set(days)):
        if previous is None or day - previous != timedelta(days=1):
            if start is not None and previous is not None:
                found.append(Streak((previous - start).days + 1, start, previous))
            start = day
        previous = day
    if start is not None and previous is not None:
        found.append(Streak((previous - start).days + 1, start, previous))
    return found


def streaks(days: Iterable[date], today: date) -> tuple[Streak, Streak]:
    """(current, longest) streak of days with an entry.

    The current streak is the run that ends today, or yesterday when there
    is no entry yet today; otherwise it is 0 days. The longest is the longest
    run ever (the most recent one on a tie).
    """
    all_runs = runs(days)
    longest = Streak(0)
    for run in all_runs:
        if run.days >= longest.days:
            longest = run
    current = Streak(0)
    yesterday = today - timedelta(days=1)
    for run in all_runs:
        if run.start is None or run.end is None:
            continue
        if run.start <= today and run.end >= yesterday:
            end = min(run.end, today)
            current = Streak((end - run.start).days + 1, run.start, end)
    return current, longest


def week_start(day: date) -> date:
    """The Monday of the day's week."""
    return day - timedelta(days=day.weekday())


def week_key(day: date) -> str:
    """The ISO week of a day, like 2024-W03."""
    year, week, _ = day.isocalendar()
    return f"{year}-W{week:02d}"


def per_week(days: Iterable[date]) -> list[tuple[date, int]]:
    """(Monday, entries) for every week from the first day's to the last day's, gaps as 0.

    `days` has one item per entry (a day repeats when it has several entries).
    """
    counts = Counter(week_start(day) for day in days)
    if not counts:
        return []
    first, last = min(counts), max(counts)
    weeks = (last - first).days // 7 + 1
    return [
        (first + timedelta(weeks=i), counts.get(first + timedelta(weeks=i), 0))
        for i in range(weeks)
    ]


def month_key(day: date) -> str:
    return f"{day.year:04d}-{day.month:02d}"


def month_range(first: str, last: str) -> list[str]:
    """Every month from `first` to `last` (YYYY-MM), both included."""
    year, month = int(first[:4]), int(first[5:7])
    end = (int(last[:4]), int(last[5:7]))
    months = []
    while (year, month) <= end:
        months.append(f"{year:04d}-{month:02d}")
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return months


def per_month(days: Iterable[date]) -> list[tuple[str, int]]:
    """(YYYY-MM, entries) for every month from the first day's to the last day's, gaps as 0."""
    counts = Counter(month_key(day) for day in days)
    if not counts:
        return []
    return [(month, counts.get(month, 0)) for month in month_range(min(counts), max(counts))]


# -- the stats of a log ---------------------------------------------------------------------


@dataclass(slots=True)
class MonthCount:
    """Papers or TODOs of the entries of one month (None: undated entries)."""

    month: str | None
    first: int
    second: int


@dataclass(slots=True)
class LogStats:
    today: date
    entries: int
    """Every entry, dated or not."""
    undated: int
    per_day: dict[date, int]
    per_week: list[tuple[date, int]]
    per_month: list[tuple[str, int]]
    current: Streak
    longest: Streak
    top_tags: list[tuple[str, int]]
    tags_per_month: dict[str, dict[str, int]]
    """Month → tag → dated entries with that tag."""
    papers: list[MonthCount] = field(default_factory=list)
    """first: mentions, second: distinct papers."""
    todos: list[MonthCount] = field(default_factory=list)
    """first: open, second: done."""

    @property
    def dated(self) -> int:
        return self.entries - self.undated

    @property
    def first_day(self) -> date | None:
        return min(self.per_day) if self.per_day else None

    @property
    def last_day(self) -> date | None:
        return max(self.per_day) if self.per_day else None

    @property
    def todos_open(self) -> int:
        return sum(row.first for row in self.todos)

    @property
    def todos_done(self) -> int:
        return sum(row.second for row in self.todos)

    @property
    def paper_mentions(self) -> int:
        return sum(row.first for row in self.papers)

    def to_dict(self) -> dict[str, Any]:
        def day(value: date | None) -> str | None:
            return value.isoformat() if value else None

        return {
            "today": self.today.isoformat(),
            "entries": {
                "total": self.entries,
                "dated": self.dated,
                "undated": self.undated,
                "days": len(self.per_day),
                "first": day(self.first_day),
                "last": day(self.last_day),
            },
            "streaks": {"current": self.current.to_dict(), "longest": self.longest.to_dict()},
            "per_week": [
                {"week": week_key(monday), "start": monday.isoformat(), "entries": count}
                for monday, count in self.per_week
            ],
            "per_month": [{"month": month, "entries": count} for month, count in self.per_month],
            "per_day": {key.isoformat(): count for key, count in sorted(self.per_day.items())},
            "tags": [{"tag": tag, "entries": count} for tag, count in self.top_tags],
            "tags_per_month": [
                {"month": month, "tags": tags}
                for month, tags in sorted(self.tags_per_month.items())
            ],
            "papers": {
                "mentions": self.paper_mentions,
                "per_month": [
                    {"month": row.month, "mentions": row.first, "papers": row.second}
                    for row in self.papers
                ],
            },
            "todos": {
                "open": self.todos_open,
                "done": self.todos_done,
                "per_month": [
                    {"month": row.month, "open": row.first, "done": row.second}
                    for row in self.todos
                ],
            },
        }


def log_stats(store: Store, *, today: date | None = None, top_tags: int = TOP_TAGS) -> LogStats:
    """Count the log's entries over time, streaks, tags, papers and TODOs.

    `today` is the local date unless given (it only matters for the current streak).
    """
    today = today or date.today()
    found = store.entry_dates()
    days = [date.fromisoformat(entry.date) for entry in found if entry.date]
    current, longest = streaks(days, today)
    tags_per_month: dict[str, dict[str, int]] = defaultdict(dict)
    for month, tag, count in store.tag_months():
        tags_per_month[month][tag] = count
    return LogStats(
        today=today,
        entries=len(found),
        undated=len(found) - len(days),
        per_day=dict(Counter(days)),
        per_week=per_week(days),
        per_month=per_month(days),
        current=current,
        longest=longest,
        top_tags=[(tag.tag, tag.entries) for tag in store.tags()[:top_tags]],
        tags_per_month=dict(tags_per_month),
        papers=[MonthCount(*row) for row in store.paper_months()],
        todos=[MonthCount(*row) for row in store.todo_months()],
    )
