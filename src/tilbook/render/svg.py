"""Charts as plain SVG, with no plotting library: the calendar heatmap and bar charts.

The site's home page draws its heatmap with `calendar_svg` (colour steps as CSS
classes, so the page's stylesheet and dark mode decide the greens); `stats
--plot` and `review stats --plot` write whole SVG documents from the same
pieces with the colours inline, so a day looks the same everywhere. PNG and
PDF pictures need matplotlib (`tilbook.render.charts`, the `plot` extra).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from html import escape
from typing import TYPE_CHECKING, Any

from tilbook.render.heatmap import HEAT_COLOURS, heat_level, heat_levels, level_labels

if TYPE_CHECKING:
    from tilbook.features.cards.review import ReviewStats
    from tilbook.features.stats import LogStats

CELL = 15
"""Pixels per day square (with its gap)."""
LEFT = 30
"""Room for the weekday labels."""
TOP = 20
"""Room for the month labels."""
FONT = (
    "font-family: system-ui, -apple-system, 'Segoe UI', 'Noto Sans', 'Noto Sans CJK KR', sans-serif"
)
INK = "#24292f"
MUTED = "#57606a"
BAR = "#4c72b0"
MARGIN = 12


@dataclass(slots=True)
class Calendar:
    """Counts per day for whole weeks (Monday first), the last one holding `end`."""

    weeks: list[list[dict[str, Any]]] = field(default_factory=list)
    """Columns of days: {"date", "count", "level"}; the last column stops at `end`."""
    months: list[dict[str, Any]] = field(default_factory=list)
    """{"week": column, "label": "Mar"} where a month starts."""
    total: int = 0
    days: int = 0
    """Days with at least one."""
    most: int = 0
    start: str | None = None
    end: str | None = None

    def as_dict(self) -> dict[str, Any]:
        return {
            "weeks": self.weeks,
            "months": self.months,
            "total": self.total,
            "days": self.days,
            "start": self.start,
            "end": self.end,
        }


def calendar(
    counts: Mapping[str, int], end: date, weeks: int, *, most: int | None = None
) -> Calendar:
    """The `weeks` weeks up to `end` of `counts` (ISO day → count), with colour steps
    scaled to `most` (default: the busiest day shown)."""
    last_monday = end - timedelta(days=end.weekday())
    start = last_monday - timedelta(weeks=weeks - 1)
    in_range = [
        count for day, count in counts.items() if start.isoformat() <= day <= end.isoformat()
    ]
    peak = max(in_range, default=0) if most is None else most
    grid = Calendar(most=peak, start=start.isoformat(), end=end.isoformat())
    for week in range(weeks):
        monday = start + timedelta(weeks=week)
        column: list[dict[str, Any]] = []
        for weekday in range(7):
            day = monday + timedelta(days=weekday)
            if day > end:
                break
            count = counts.get(day.isoformat(), 0)
            column.append(
                {"date": day.isoformat(), "count": count, "level": heat_level(count, peak)}
            )
            grid.total += count
            grid.days += 1 if count else 0
        if monday.day <= 7:
            grid.months.append({"week": week, "label": monday.strftime("%b")})
        grid.weeks.append(column)
    return grid


def calendar_size(grid: Calendar, cell: int = CELL) -> tuple[int, int]:
    return LEFT + len(grid.weeks) * cell, TOP + 7 * cell


def calendar_svg(
    grid: Calendar,
    *,
    title: str,
    title_id: str = "heatmap-title",
    unit: tuple[str, str] = ("entry", "entries"),
    inline_colours: bool = False,
    cell: int = CELL,
) -> str:
    """The heatmap as an `<svg>` element: one square a day, a column a week.

    With `inline_colours` the squares carry their fill (a standalone picture);
    otherwise classes `hm hm-0` … `hm-4` that a stylesheet colours.
    """
    width, height = calendar_size(grid, cell)
    lines = [
        f'<svg role="img" aria-labelledby="{title_id}" viewBox="0 0 {width} {height}" '
        f'width="{width}" height="{height}">',
        f'<title id="{title_id}">{escape(title)}</title>',
    ]
    label = f' fill="{MUTED}" font-size="10"' if inline_colours else ' class="hm-label"'
    months = "".join(
        f'<text x="{LEFT + month["week"] * cell}" y="10"{label}>{month["label"]}</text>'
        for month in grid.months
    )
    weekdays = "".join(
        f'<text x="0" y="{TOP + row * cell + 10}"{label}>{name}</text>'
        for row, name in ((0, "Mon"), (2, "Wed"), (4, "Fri"))
    )
    lines.append(months + weekdays)
    squares = []
    for column, week in enumerate(grid.weeks):
        for row, day in enumerate(week):
            look = (
                f'fill="{HEAT_COLOURS[day["level"]]}"'
                if inline_colours
                else f'class="hm hm-{day["level"]}"'
            )
            noun = unit[0] if day["count"] == 1 else unit[1]
            squares.append(
                f'<rect x="{LEFT + column * cell}" y="{TOP + row * cell}" width="{cell - 3}" '
                f'height="{cell - 3}" rx="2" {look}><title>{day["date"]}: {day["count"]} '
                f"{noun}</title></rect>"
            )
    lines.append("".join(squares) + "</svg>")
    return "\n".join(lines)


# -- standalone pictures ------------------------------------------------------------------


class _Page:
    """A standalone SVG document built top to bottom."""

    def __init__(self, width: int) -> None:
        self.width = width
        self.y = 0
        self.parts: list[str] = []

    def text(self, words: str, *, size: int = 12, bold: bool = False, colour: str = INK) -> None:
        self.y += size + 8
        weight = ' font-weight="bold"' if bold else ""
        self.parts.append(
            f'<text x="0" y="{self.y}" font-size="{size}" fill="{colour}"{weight}>'
            f"{escape(words)}</text>"
        )
        self.y += 4

    def place(self, svg: str, height: int) -> None:
        self.parts.append(f'<g transform="translate(0 {self.y})">{svg}</g>')
        self.y += height + 10

    def legend(self, most: int, unit: str) -> None:
        levels = heat_levels(most)
        swatches = [HEAT_COLOURS[0]] + [HEAT_COLOURS[heat_level(low, most)] for low in levels]
        x = LEFT
        items = []
        for colour, label in zip(swatches, level_labels(levels, most), strict=True):
            items.append(
                f'<rect x="{x}" y="{self.y}" width="12" height="12" rx="2" fill="{colour}"/>'
                f'<text x="{x + 16}" y="{self.y + 10}" font-size="10" fill="{MUTED}">'
                f"{escape(label)}</text>"
            )
            x += 16 + 8 * len(label) + 14
        items.append(
            f'<text x="{x}" y="{self.y + 10}" font-size="10" fill="{MUTED}">'
            f"{escape(unit)} a day</text>"
        )
        self.parts.append("".join(items))
        self.y += 24

    def document(self, title: str) -> str:
        height = self.y + 2 * MARGIN
        width = self.width + 2 * MARGIN
        return (
            f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" '
            f'width="{width}" height="{height}" style="{FONT}">\n'
            f"<title>{escape(title)}</title>\n"
            f'<rect width="{width}" height="{height}" fill="#ffffff"/>\n'
            f'<g transform="translate({MARGIN} {MARGIN})">\n'
            + "\n".join(self.parts)
            + "\n</g>\n</svg>\n"
        )


def bars_svg(values: Sequence[tuple[str, int]], *, width: int, height: int = 120) -> str:
    """A bar chart: one bar per (label, count), labels under every few bars."""
    if not values:
        return ""
    most = max(count for _, count in values) or 1
    slot = (width - LEFT) / len(values)
    every = max(1, round(len(values) / 12))
    parts = [f'<svg width="{width}" height="{height + 16}">']
    parts.append(
        f'<text x="0" y="10" font-size="10" fill="{MUTED}">{most}</text>'
        f'<line x1="{LEFT - 4}" y1="{height}" x2="{width}" y2="{height}" stroke="#d0d7de"/>'
    )
    for index, (label, count) in enumerate(values):
        bar = round(count / most * (height - 10))
        x = LEFT + index * slot
        parts.append(
            f'<rect x="{x:.1f}" y="{height - bar}" width="{max(slot - 2, 1):.1f}" '
            f'height="{bar}" fill="{BAR}"><title>{escape(label)}: {count}</title></rect>'
        )
        if index % every == 0:
            parts.append(
                f'<text x="{x:.1f}" y="{height + 12}" font-size="9" fill="{MUTED}">'
                f"{escape(label)}</text>"
            )
    parts.append("</svg>")
    return "".join(parts)


MAX_YEARS = 3
"""Calendars drawn by `stats --plot`: the latest years with entries."""


def stats_document(stats: LogStats, *, title: str) -> str:
    """`tilbook stats --plot FILE.svg`: a calendar per recent year, entries per month and
    the most used tags."""
    counts = {day.isoformat(): count for day, count in stats.per_day.items()}
    width = LEFT + 53 * CELL
    page = _Page(width)
    page.text(title, size=16, bold=True)
    if not counts:
        page.text("No dated entries yet.", colour=MUTED)
        return page.document(title)
    last = max(stats.per_day)
    years = range(max(min(stats.per_day).year, last.year - MAX_YEARS + 1), last.year + 1)
    most = max(stats.per_day.values())
    for year in reversed(years):
        end = min(date(year, 12, 31), last)
        of_year = {day: count for day, count in counts.items() if day.startswith(f"{year}-")}
        grid = calendar(of_year, end, 53)
        grid_title = f"{year}: {grid.total} entries on {grid.days} days"
        page.text(grid_title, bold=True)
        # One colour scale for every year: the busiest day of all is darkest.
        for week in grid.weeks:
            for day in week:
                day["level"] = heat_level(day["count"], most)
        page.place(
            calendar_svg(grid, title=grid_title, title_id=f"year-{year}", inline_colours=True),
            calendar_size(grid)[1],
        )
    page.legend(most, "entries")
    page.text("Entries per month", bold=True)
    page.place(bars_svg(stats.per_month, width=width), 136)
    if stats.tags_per_month:
        page.text("Tags over time: dated entries per month", bold=True)
        tags_svg, height = _tags_over_time(stats.tags_per_month)
        page.place(tags_svg, height)
    return page.document(title)


TAG_MONTHS = 24
"""The tags chart shows at most this many months (the most recent)."""
CHART_TAGS = 8
"""…and the tags most used in them."""
TAG_LABEL = 150


def _tags_over_time(per_month: Mapping[str, Mapping[str, int]]) -> tuple[str, int]:
    """A row per tag, a square per month, shaded like the calendar."""
    months = sorted(per_month)[-TAG_MONTHS:]
    totals: dict[str, int] = {}
    for month in months:
        for tag, count in per_month[month].items():
            totals[tag] = totals.get(tag, 0) + count
    tags = sorted(totals, key=lambda tag: (-totals[tag], tag.casefold()))[:CHART_TAGS]
    most = max((per_month[m].get(t, 0) for m in months for t in tags), default=0)
    parts = []
    every = 2  # a label is wider than one month's square
    for column, month in enumerate(months):
        if column % every == 0:
            first = date.fromisoformat(month + "-01")
            label = first.strftime("%b %Y" if column == 0 or first.month <= every else "%b")
            parts.append(
                f'<text x="{TAG_LABEL + column * CELL * 2}" y="10" font-size="9" '
                f'fill="{MUTED}">{label}</text>'
            )
    for row, tag in enumerate(tags):
        y = TOP + row * CELL
        parts.append(
            f'<text x="0" y="{y + 10}" font-size="11" fill="{INK}">{escape("#" + tag)}</text>'
        )
        for column, month in enumerate(months):
            count = per_month[month].get(tag, 0)
            colour = HEAT_COLOURS[heat_level(count, most)]
            parts.append(
                f'<rect x="{TAG_LABEL + column * CELL * 2}" y="{y}" width="{CELL * 2 - 3}" '
                f'height="{CELL - 3}" rx="2" fill="{colour}"><title>#{escape(tag)}, {month}: '
                f"{count}</title></rect>"
            )
    height = TOP + len(tags) * CELL
    return f'<svg height="{height}" width="{TAG_LABEL + len(months) * CELL * 2}">' + "".join(
        parts
    ) + "</svg>", height


def review_document(stats: ReviewStats, *, weeks: int = 53) -> str:
    """`tilbook review stats --plot FILE.svg`: the due forecast and a calendar of reviews."""
    title = "tilbook review stats"
    width = LEFT + weeks * CELL
    page = _Page(width)
    page.text(title, size=16, bold=True)
    page.text(
        f"Due in the next {len(stats.forecast)} days: {stats.due_month} "
        f"(today {stats.due_today}, 7 days {stats.due_week})",
        bold=True,
    )
    forecast = [(date.fromisoformat(day).strftime("%b %d"), count) for day, count in stats.forecast]
    page.place(bars_svg(forecast, width=width), 136)
    grid = calendar(stats.reviews_per_day, date.fromisoformat(stats.today), weeks)
    retention = "–" if stats.retention is None else f"{stats.retention:.0%}"
    heading = (
        f"Reviews per day, last {weeks} weeks: {stats.total_reviews} in all; "
        f"true retention (30 days) {retention}"
    )
    page.text(heading, bold=True)
    page.place(
        calendar_svg(
            grid, title=heading, title_id="reviews", unit=("review", "reviews"), inline_colours=True
        ),
        calendar_size(grid)[1],
    )
    page.legend(grid.most, "reviews")
    return page.document(title)
