"""Learning stats: entries over time, streaks, tags, papers and TODOs, and a picture of them.

Everything is read from the index through the `Store` protocol. Only dated
entries count over time; undated ones (lessons, topic sections) are counted
on their own. The pure functions (`streaks`, `per_week`, `per_month`,
`heat_levels`) take plain dates so that they can be tested alone.
`draw_stats` imports matplotlib only when it is called.
"""

from __future__ import annotations

import math
import warnings
from collections import Counter, defaultdict
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, timedelta
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from tilbook.errors import PlotError

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

    from tilbook.store.base import Store

TOP_TAGS = 10
"""How many of the most used tags the stats list."""
PLOT_FORMATS = ("svg", "png")


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


def heat_levels(most: int) -> list[int]:
    """The lowest entry count of each colour step for days with entries (at most 4 steps).

    One step per count up to 4 entries a day; above that the range 1..most
    is cut in four.
    """
    if most <= 4:
        return list(range(1, max(most, 1) + 1))
    return sorted({1 + (k * (most - 1) + 2) // 4 for k in range(4)})  # rounded half up


def level_labels(levels: Sequence[int], most: int) -> list[str]:
    """Legend labels of the colour steps: "0", then "1", "2–3", …, "8+"."""
    labels = ["0"]
    for i, low in enumerate(levels):
        high = levels[i + 1] - 1 if i + 1 < len(levels) else most
        if i + 1 == len(levels) and high > low:
            labels.append(f"{low}+")
        else:
            labels.append(str(low) if high <= low else f"{low}–{high}")
    return labels


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


# -- the picture ----------------------------------------------------------------------------

HEAT_COLOURS = ("#ebedf0", "#9be9a8", "#40c463", "#30a14e", "#216e39")
"""No entries, then four greens: the contribution-graph palette."""
FUTURE_COLOUR = "#f6f8fa"
MAX_YEARS = 5
"""The heatmap shows at most this many years (the most recent)."""
MAX_TAG_MONTHS = 24
"""The tags chart shows at most this many months (the most recent)."""
MIN_TAG_SLOTS = 8
"""The tags chart is as wide as this many months even when the log has fewer."""
CHART_TAGS = 8
"""The tags chart shows this many tags, the most used in the months it shows."""
BASE_FONT = "DejaVu Sans"
"""Ships with matplotlib, so it is always there."""
CJK_FONTS = (
    "Noto Sans CJK KR",
    "Noto Sans KR",
    "Source Han Sans K",
    "NanumGothic",
    "NanumBarunGothic",
    "Malgun Gothic",
    "Apple SD Gothic Neo",
    "AppleGothic",
    "Noto Sans CJK JP",
    "Noto Sans CJK SC",
    "Source Han Sans",
    "WenQuanYi Zen Hei",
    "Droid Sans Fallback",
    "Arial Unicode MS",
)
"""Fonts tried first for characters the base font lacks (Korean tags, mostly)."""


def plot_format(path: Path) -> str:
    """The picture format named by the file's ending (svg or png)."""
    suffix = path.suffix.lower().lstrip(".")
    if suffix not in PLOT_FORMATS:
        raise PlotError(f"{path}: the picture must be an .svg or a .png file")
    return suffix


@cache
def _font_chars(path: str) -> frozenset[int]:
    from matplotlib.ft2font import FT2Font

    return frozenset(FT2Font(path).get_charmap())


def _visible(char: str) -> bool:
    return char.isprintable() and not char.isspace()


def font_families(texts: Iterable[str]) -> tuple[list[str], str | None]:
    """The font families to draw `texts` with, and a note when some glyphs are in none.

    The base font comes first; when it lacks characters (Hangul, kanji, …) an
    installed font that has them is added as a fallback, the fonts in
    `CJK_FONTS` first.
    """
    from matplotlib import font_manager

    base = _font_chars(font_manager.findfont(BASE_FONT, fallback_to_default=True))
    missing = {ord(char) for text in texts for char in text if _visible(char)} - base
    if not missing:
        return [BASE_FONT], None
    preferred = {name.casefold(): i for i, name in enumerate(CJK_FONTS)}
    fonts = sorted(
        {(font.name, font.fname) for font in font_manager.fontManager.ttflist},
        key=lambda font: (preferred.get(font[0].casefold(), len(preferred)), font[0]),
    )
    families = [BASE_FONT]
    for name, path in fonts:
        if name in families or name.startswith("Last Resort"):
            continue  # matplotlib's Last Resort maps every character to a placeholder box
        try:
            chars = _font_chars(path)
        except (OSError, RuntimeError, ValueError):
            continue
        if missing & chars:
            families.append(name)
            missing -= chars
        if not missing:
            return families, None
    # matplotlib caches the list of fonts: one installed since is not in it yet.
    known = {font.fname for font in font_manager.fontManager.ttflist}
    for path in sorted(set(font_manager.findSystemFonts()) - known):
        try:
            chars = _font_chars(path)
            if not missing & chars:
                continue
            font_manager.fontManager.addfont(path)
            name = font_manager.FontProperties(fname=path).get_name()
        except (OSError, RuntimeError, ValueError):
            continue
        if name not in families:
            families.append(name)
        missing -= chars
        if not missing:
            return families, None
    shown = "".join(sorted(chr(code) for code in missing)[:12])
    more = "…" if len(missing) > 12 else ""
    return families, (
        f"no installed font has {len(missing)} of the characters to draw ({shown}{more}); "
        "they show as empty boxes in the picture. Install a font that has them "
        "(for Korean, Chinese or Japanese: Noto Sans CJK) and draw it again."
    )


@contextmanager
def _quiet_glyph_warnings() -> Iterator[None]:
    """matplotlib warns once per missing glyph; `font_families` says it once instead."""
    import logging

    font_logger = logging.getLogger("matplotlib.font_manager")
    level = font_logger.level
    font_logger.setLevel(logging.ERROR)
    try:
        with warnings.catch_warnings():
            warnings.filterwarnings("ignore", message=r"(?s).*Glyph .* missing from")
            yield
    finally:
        font_logger.setLevel(level)


def draw_stats(stats: LogStats, path: Path, *, title: str | None = None) -> list[str]:
    """Draw a calendar heatmap of entries and a tags-over-time chart to `path` (.svg or .png).

    Returns notes for the user (such as glyphs no installed font has); never
    prints or warns.
    """
    fmt = plot_format(path)
    import matplotlib
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    labels = [tag for tags in stats.tags_per_month.values() for tag in tags]
    families, font_note = font_families([*labels, title or ""])
    settings: dict[Any, Any] = {
        "font.family": [*families, "sans-serif"],
        "font.size": 9,
        "svg.fonttype": "none",  # text stays text: viewers draw it with their own fonts
        "svg.hashsalt": "tilbook",
        "axes.titlesize": 10,
        "axes.titleweight": "bold",
    }
    with _quiet_glyph_warnings(), matplotlib.rc_context(settings):
        figure = _stats_figure(stats, title)
        FigureCanvasAgg(figure)
        try:
            figure.savefig(
                path, format=fmt, dpi=150, metadata={"Date": None} if fmt == "svg" else None
            )
        except OSError as error:
            raise PlotError(f"{path}: cannot write the picture ({error.strerror})") from error
    return [font_note] if font_note else []


def _stats_figure(stats: LogStats, title: str | None) -> Figure:
    from matplotlib.figure import Figure

    years = _heatmap_years(stats)
    rows = max(len(years), 1)
    figure = Figure(figsize=(12, 1.9 * rows + 4.2), layout="constrained")
    grid = figure.add_gridspec(rows + 1, 1, height_ratios=[1.0] * rows + [2.1])
    if title:
        figure.suptitle(title, fontsize=12, fontweight="bold")
    if years:
        most = max(stats.per_day.values())
        for row, year in enumerate(years):
            axes = figure.add_subplot(grid[row, 0])
            _draw_year(axes, stats, year, most, legend=row == len(years) - 1)
    else:
        axes = figure.add_subplot(grid[0, 0])
        _empty(axes, "Entries per day", "No dated entries yet.")
    _draw_tags(figure.add_subplot(grid[rows, 0]), stats)
    return figure


def _heatmap_years(stats: LogStats) -> list[int]:
    if not stats.per_day:
        return []
    first, last = min(stats.per_day).year, max(stats.per_day).year
    return list(range(max(first, last - MAX_YEARS + 1), last + 1))


def _empty(axes: Axes, title: str, message: str) -> None:
    axes.set_title(title, loc="left")
    axes.text(0.5, 0.5, message, ha="center", va="center", color="#57606a", fontsize=11)
    axes.set_axis_off()


_MONTH_NAMES = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


def _draw_year(axes: Axes, stats: LogStats, year: int, most: int, *, legend: bool) -> None:
    import numpy as np
    from matplotlib.colors import BoundaryNorm, ListedColormap
    from matplotlib.patches import Patch

    levels = heat_levels(most)
    colours = [HEAT_COLOURS[0]] + [
        HEAT_COLOURS[1 + round(i * 3 / max(len(levels) - 1, 1))] for i in range(len(levels))
    ]
    # Days after today are drawn fainter than days without entries (value -1).
    cmap = ListedColormap([FUTURE_COLOUR, *colours])
    norm = BoundaryNorm([-1, 0, *levels, max(most, levels[-1]) + 1], cmap.N)

    first = date(year, 1, 1)
    origin = week_start(first)
    last = date(year, 12, 31)
    weeks = (last - origin).days // 7 + 1
    grid = np.full((7, weeks), np.nan)
    day = first
    entries = 0
    while day <= last:
        count = stats.per_day.get(day, 0)
        future = day > stats.today and not count
        grid[day.weekday(), (day - origin).days // 7] = -1 if future else count
        entries += count
        day += timedelta(days=1)
    axes.pcolormesh(
        np.ma.masked_invalid(grid), cmap=cmap, norm=norm, edgecolors="white", linewidth=1.5
    )
    axes.set_aspect("equal")
    axes.set_xlim(0, weeks)
    axes.set_ylim(7, 0)  # Monday on top
    for side in ("top", "right", "bottom", "left"):
        axes.spines[side].set_visible(False)
    axes.tick_params(length=0, labelsize=8, colors="#57606a")
    axes.xaxis.tick_top()
    axes.set_xticks(
        [(date(year, month, 1) - origin).days // 7 + 0.5 for month in range(1, 13)],
        _MONTH_NAMES,
        ha="left",
    )
    axes.set_yticks([0.5, 2.5, 4.5], ["Mon", "Wed", "Fri"])
    days_with = sum(1 for key in stats.per_day if key.year == year)
    axes.set_title(
        f"{year}: {entries} {'entry' if entries == 1 else 'entries'} on {days_with} "
        f"{'day' if days_with == 1 else 'days'}",
        loc="left",
    )
    if legend:
        handles = [
            Patch(facecolor=colour, edgecolor="#d0d7de", label=label)
            for colour, label in zip(colours, level_labels(levels, most), strict=True)
        ]
        axes.legend(
            handles=handles,
            title="entries a day",
            loc="upper right",
            bbox_to_anchor=(1.0, -0.02),
            ncols=len(handles),
            frameon=False,
            fontsize=8,
            title_fontsize=8,
            handlelength=1.0,
            handleheight=1.0,
            columnspacing=1.0,
        )


def _draw_tags(axes: Axes, stats: LogStats) -> None:
    title = "Tags over time"
    if not stats.tags_per_month or not stats.per_month:
        _empty(axes, title, "No tags on dated entries yet.")
        return
    # The months of the whole log (not only those with tags), so both charts tell one story.
    months = [month for month, _ in stats.per_month][-MAX_TAG_MONTHS:]
    totals: Counter[str] = Counter()
    for month in months:
        totals.update(stats.tags_per_month.get(month, {}))
    top = [tag for tag, _ in totals.most_common(CHART_TAGS)]
    from matplotlib import colormaps
    from matplotlib.ticker import MaxNLocator

    palette = colormaps["tab10"]
    positions = list(range(len(months)))
    bottom = [0] * len(months)
    for i, tag in enumerate(top):
        heights = [stats.tags_per_month.get(month, {}).get(tag, 0) for month in months]
        axes.bar(
            positions,
            heights,
            bottom=bottom,
            width=0.8,
            label=f"#{tag}",
            color=palette(i % palette.N),
            edgecolor="white",
            linewidth=0.5,
        )
        bottom = [b + h for b, h in zip(bottom, heights, strict=True)]
    shown = f" (last {len(months)} months)" if len(stats.per_month) > len(months) else ""
    axes.set_title(
        f"{title}{shown}: entries a month with each of the {len(top)} most used tags", loc="left"
    )
    axes.set_ylabel("entries (once per tag)")
    step = max(1, math.ceil(len(months) / 12))
    axes.set_xticks(
        positions[::step],
        _month_labels(months[::step]),
        fontsize=8,
    )
    axes.set_xlim(-0.6, max(len(months), MIN_TAG_SLOTS) - 0.4)  # no bars as wide as a page
    axes.yaxis.set_major_locator(MaxNLocator(integer=True))
    axes.grid(axis="y", color="#d0d7de", linewidth=0.6)
    axes.set_axisbelow(True)
    for side in ("top", "right"):
        axes.spines[side].set_visible(False)
    axes.legend(loc="upper left", bbox_to_anchor=(1.005, 1.0), frameon=False, fontsize=8)


def _month_labels(months: list[str]) -> list[str]:
    """Tick labels for months: the name, and the year below the first one of each year."""
    labels = []
    year = ""
    for month in months:
        name = _MONTH_NAMES[int(month[5:7]) - 1]
        labels.append(name if month[:4] == year else f"{name}\n{month[:4]}")
        year = month[:4]
    return labels
