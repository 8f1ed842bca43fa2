"""Charts of the numbers the library computes: the stats picture and the review picture.

An SVG picture is drawn by `tilbook.render.svg` with no plotting library (the
same code draws the site's heatmap). PNG and PDF pictures need matplotlib, an
optional extra (`pip install 'tilbook[plot]'`), imported only when one is drawn.
"""

from __future__ import annotations

import math
import warnings
from collections import Counter
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from datetime import date, timedelta
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from tilbook.errors import PlotError
from tilbook.features.stats import week_start
from tilbook.render.heatmap import HEAT_COLOURS, heat_level, heat_levels, level_labels

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

    from tilbook.features.cards.review import ReviewStats
    from tilbook.features.stats import LogStats

PLOT_FORMATS = ("svg", "png", "pdf")
PLOT_EXTRA = "pip install 'tilbook[plot]'"

# -- the picture ----------------------------------------------------------------------------

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
        raise PlotError(f"{path}: the picture must be an .svg, a .png or a .pdf file")
    return suffix


def _write_svg(path: Path, document: str) -> None:
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(document, encoding="utf-8")
    except OSError as error:
        raise PlotError(f"{path}: cannot write the picture ({error.strerror})") from error


def _need_matplotlib(path: Path) -> None:
    try:
        import matplotlib  # noqa: F401
    except ImportError as error:
        raise PlotError(
            f"{path}: PNG and PDF pictures need matplotlib, which is not installed. "
            f"Install it with {PLOT_EXTRA}, or write an .svg picture instead."
        ) from error


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
    if fmt == "svg":
        from tilbook.render.svg import stats_document

        _write_svg(path, stats_document(stats, title=title or "tilbook stats"))
        return []
    _need_matplotlib(path)
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
    colours = [HEAT_COLOURS[0]] + [HEAT_COLOURS[heat_level(low, most)] for low in levels]
    # Cells hold colour steps; days after today are drawn fainter (-1).
    cmap = ListedColormap([FUTURE_COLOUR, *HEAT_COLOURS])
    norm = BoundaryNorm([step - 0.5 for step in range(-1, len(HEAT_COLOURS) + 1)], cmap.N)

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
        level = -1 if future else heat_level(count, most)
        grid[day.weekday(), (day - origin).days // 7] = level
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


def draw_review_stats(stats: ReviewStats, path: Path, *, weeks: int = 53) -> Path:
    """Draw the due forecast and a calendar heatmap of reviews to `path` (PNG, SVG, PDF)."""
    if plot_format(path) == "svg":
        from tilbook.render.svg import review_document

        _write_svg(path, review_document(stats, weeks=weeks))
        return path
    _need_matplotlib(path)
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import numpy as np
    from matplotlib.ticker import MaxNLocator

    today = date.fromisoformat(stats.today)
    figure, (top, bottom) = plt.subplots(
        2, 1, figsize=(11, 6.5), gridspec_kw={"height_ratios": [1.1, 1]}
    )
    days = [date.fromisoformat(day) for day, _ in stats.forecast]
    top.bar(range(len(days)), [count for _, count in stats.forecast], color="#4c72b0", width=0.8)
    top.set_xticks(range(0, len(days), 5), [day.strftime("%b %d") for day in days[::5]])
    top.set_ylabel("cards due")
    top.yaxis.set_major_locator(MaxNLocator(integer=True))
    top.set_title(
        f"Due in the next {len(days)} days: {stats.due_month} "
        f"(today {stats.due_today}, 7 days {stats.due_week})"
    )
    top.spines[["top", "right"]].set_visible(False)

    # Heatmap: one column per week (Monday first), one row per weekday, ending this week.
    start = today - timedelta(days=today.weekday()) - timedelta(weeks=weeks - 1)
    grid = np.full((7, weeks), np.nan)
    for offset in range((today - start).days + 1):
        day = start + timedelta(days=offset)
        grid[day.weekday(), offset // 7] = stats.reviews_per_day.get(day.isoformat(), 0)
    # The same colour steps as every heatmap; days still to come are blank.
    from matplotlib.colors import BoundaryNorm, ListedColormap

    most = int(np.nanmax(grid)) if np.isfinite(grid).any() else 0
    steps = np.vectorize(lambda count: heat_level(int(count), most) if count == count else count)
    cmap = ListedColormap(list(HEAT_COLOURS)).with_extremes(bad="white")
    norm = BoundaryNorm([step - 0.5 for step in range(len(HEAT_COLOURS) + 1)], cmap.N)
    bottom.imshow(
        np.ma.masked_invalid(steps(grid)),
        aspect="equal",
        cmap=cmap,
        norm=norm,
        interpolation="nearest",
    )
    bottom.set_yticks(range(7), ["Mon", "", "Wed", "", "Fri", "", "Sun"])
    months = [
        (column, (start + timedelta(weeks=column)).strftime("%b"))
        for column in range(weeks)
        if (start + timedelta(weeks=column)).day <= 7
    ]
    bottom.set_xticks([c for c, _ in months], [name for _, name in months])
    retention = "–" if stats.retention is None else f"{stats.retention:.0%}"
    bottom.set_title(
        f"Reviews per day, last {weeks} weeks: {stats.total_reviews} in all; "
        f"true retention (30 days) {retention}"
    )
    bottom.tick_params(length=0)
    for spine in bottom.spines.values():
        spine.set_visible(False)
    from matplotlib.patches import Patch

    levels = heat_levels(most)
    swatches = [HEAT_COLOURS[0]] + [HEAT_COLOURS[heat_level(low, most)] for low in levels]
    bottom.legend(
        handles=[
            Patch(color=colour, label=label)
            for colour, label in zip(swatches, level_labels(levels, most), strict=True)
        ],
        loc="upper left",
        bbox_to_anchor=(1.0, 1.0),
        frameon=False,
        title="reviews",
        fontsize=8,
    )
    figure.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    figure.savefig(path, dpi=110)
    plt.close(figure)
    return path
