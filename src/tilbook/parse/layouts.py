"""Which layout a file uses, and where its entries start.

Layouts are recognised from general signals only: headings that are dates,
headings followed by a line that is only a date, numbered lesson headings,
repeated topic headings, or none of these (one note per file).
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field
from datetime import date

from tilbook.parse.blocks import ENTRY_MARKER, Block
from tilbook.parse.dates import (
    date_prefix,
    month_day_prefix,
    only_date,
    slash_dates_day_first,
    year_in,
)

DATED = "dated-headings"
CATEGORY = "category-dated"
LESSONS = "lessons"
SECTIONS = "sections"
SINGLE = "single-note"

_LESSON = re.compile(
    r"^(?:(?:lesson|week|day|lecture|lec|chapter|session|module|unit|class|part|wk)\.?\s*#?"
    r"(?P<n1>\d{1,3})|(?P<n2>\d{1,3})\s*(?:주차|강|일차|회차|일째)|(?P<n3>\d{1,3}))"
    r"(?:\s*(?:[:.\-–—)|]\s*|\s+)(?P<title>\S.*))?$",
    re.IGNORECASE,
)
_MARKER = ENTRY_MARKER
_EMOJI_PREFIX = re.compile(
    r"^(?:[\U0001F000-\U0001FAFF\u2600-\u27BF\u2B00-\u2BFF\uFE0F\u200D\u20E3]|\s)+"
)


@dataclass(slots=True)
class Layout:
    name: str
    reason: str
    level: int = 0
    title_index: int = -1
    """Index of the heading that is the document title (sections), if any."""
    dates: dict[int, tuple[date, str]] = field(default_factory=dict)
    """Headings that are dates: block index → (date, the words after it)."""
    day_first: bool = False
    """The file writes `NN/NN/YYYY` dates day first."""


@dataclass(slots=True)
class Segment:
    """Where one entry starts and what its opening says."""

    start: int
    """Index of the first block of the entry."""
    line: int
    opener: str
    """The opening text (heading, marker line): the entry id is derived from it."""
    date: date | None = None
    title: str | None = None
    category: str | None = None
    blocks: list[int] = field(default_factory=list)
    marker: bool = False
    date_line: int = -1
    """Index of the block that is the entry's date line (category-dated), if any."""
    other: bool = False
    """Opened by a heading that is not of the layout's kind (`## References` in a dated log)."""


def _headings(blocks: list[Block]) -> list[int]:
    return [
        index
        for index, block in enumerate(blocks)
        if block.kind == "heading" and block.depth == 0 and not block.quote
    ]


def lesson_heading(text: str) -> re.Match[str] | None:
    return _LESSON.match(text.strip().strip("*_").strip())


def is_marker(block: Block) -> bool:
    """A paragraph or top-level item that opens with `(#Tag, …)` or `()`."""
    if block.kind == "para" and block.depth != 0:
        return False
    if block.kind == "item" and block.depth != 1:
        return False
    if block.kind not in ("para", "item") or block.footnote is not None:
        return False
    return bool(_MARKER.match(block.text))


def strip_marker(text: str) -> str:
    return _MARKER.sub("", text, count=1).strip()


def _next_content(blocks: list[Block], index: int) -> int:
    for position in range(index + 1, len(blocks)):
        block = blocks[position]
        if block.kind in ("html", "rule") or block.footnote is not None:
            continue
        return position
    return -1


def category_date(
    blocks: list[Block], index: int, *, day_first: bool = False
) -> tuple[date, int] | None:
    """The date on the line right after heading `index`, if that line is only a date.

    Returns the date and the index of the block that holds it.
    """
    position = _next_content(blocks, index)
    if position < 0:
        return None
    following = blocks[position]
    if following.kind != "para" or following.depth != 0:
        return None
    found = only_date(following.text.split("\n", 1)[0], day_first=day_first)
    return (found, position) if found else None


def _best_level(levels: Counter[int], totals: Counter[int]) -> tuple[int, int] | None:
    """The heading level where a signal is strongest, if strong enough to be the layout.

    A signal counts at a level when at least half of that level's headings
    carry it, and either two or more do or it is the level's only heading.
    """
    best: tuple[int, int] | None = None
    for level, count in sorted(levels.items()):
        total = totals[level]
        if count * 2 < total or (count < 2 and count != total):
            continue
        if best is None or count > best[1]:
            best = (level, count)
    return best


def heading_dates(
    blocks: list[Block], headings: list[int], file_year: int | None, *, day_first: bool = False
) -> dict[int, tuple[date, str]]:
    """The headings that are dates, with the words after the date.

    A heading with a month and day but no year (`### Mar 3`, `### 03-14`) takes
    the year of the nearest enclosing heading that names one (`## 2024`,
    `# TIL 2024`), else the file's own year (front matter, title, file name).
    """
    found: dict[int, tuple[date, str]] = {}
    years: list[tuple[int, int]] = []  # (level, year) of enclosing headings
    for index in headings:
        block = blocks[index]
        while years and years[-1][0] >= block.level:
            years.pop()
        full = date_prefix(block.text, day_first=day_first)
        if full is not None:
            found[index] = full
            continue
        year = years[-1][1] if years else file_year
        partial = month_day_prefix(block.text, year) if year else None
        if partial is not None:
            found[index] = partial
            continue
        named = year_in(block.text)
        if named is not None:
            years.append((block.level, named))
    return found


def detect(
    blocks: list[Block],
    front_matter_title: bool,
    forced: str | None = None,
    file_year: int | None = None,
) -> Layout:
    """Decide the layout of a file from its blocks."""
    headings = _headings(blocks)
    totals = Counter(blocks[index].level for index in headings)
    day_first = slash_dates_day_first(
        [blocks[i].text for i in headings]
        + [b.text for b in blocks if b.kind == "para" and b.depth == 0 and len(b.text) < 40]
    )
    dates = heading_dates(blocks, headings, file_year, day_first=day_first)
    dated: Counter[int] = Counter()
    category: Counter[int] = Counter()
    lessons: Counter[int] = Counter()
    for index in headings:
        block = blocks[index]
        text = block.text
        if index in dates:
            dated[block.level] += 1
        elif category_date(blocks, index, day_first=day_first) is not None:
            category[block.level] += 1
        elif lesson_heading(text) is not None:
            lessons[block.level] += 1

    candidates: dict[str, tuple[int, int] | None] = {
        DATED: _best_level(dated, totals),
        CATEGORY: _best_level(category, totals),
        LESSONS: _best_level(lessons, totals),
    }
    if forced in candidates and candidates[forced] is None:
        fallback = max(dated, default=None) if forced == DATED else None
        if fallback is None:
            forced = None
    if forced in candidates:
        found = candidates[forced]
        level = found[0] if found else 2
        return Layout(forced, "set in front matter (tilbook: layout)", level, dates=dates)

    dated_found, category_found = candidates[DATED], candidates[CATEGORY]
    if forced in (SECTIONS, SINGLE):
        dated_found = category_found = candidates[LESSONS] = None
    if dated_found and (category_found is None or dated_found[1] >= category_found[1]):
        level, count = dated_found
        return Layout(DATED, f"{count} headings at level {level} are dates", level, dates=dates)
    if category_found:
        level, count = category_found
        return Layout(
            CATEGORY,
            f"{count} headings at level {level} are followed by a date line",
            level,
            day_first=day_first,
        )
    lessons_found = candidates[LESSONS]
    if lessons_found and lessons_found[1] >= 2:
        level, count = lessons_found
        return Layout(LESSONS, f"{count} headings at level {level} are numbered lessons", level)

    title_index = -1
    h1 = [index for index in headings if blocks[index].level == 1]
    if (len(h1) == 1 and not front_matter_title) or (
        len(h1) == 1 and front_matter_title and h1[0] == headings[0]
    ):
        title_index = h1[0]
    repeated = Counter(blocks[index].level for index in headings if index != title_index)
    levels = sorted(level for level, count in repeated.items() if count > 1)
    if forced == SECTIONS and not levels and repeated:
        levels = [min(repeated)]
    if levels and forced != SINGLE:
        level = levels[0]
        return Layout(
            SECTIONS,
            f"{repeated[level]} topic headings at level {level}",
            level,
            title_index,
        )
    reason = (
        "set in front matter (tilbook: layout)"
        if forced == SINGLE
        else ("no dated, numbered or repeated headings: one note")
    )
    return Layout(SINGLE, reason, 0, h1[0] if h1 else -1)


def segment(blocks: list[Block], layout: Layout) -> tuple[list[Segment], list[int], list[int]]:
    """Split the blocks into entries.

    Also returns the preamble's block indexes and the lines of headings that
    opened nothing (an empty date heading before its markers, a `## References`
    holding only footnotes): entries end before them.
    """
    preamble: list[int] = []
    segments: list[Segment] = []
    cuts: list[int] = []
    if layout.name == SINGLE:
        content = [i for i, b in enumerate(blocks) if b.footnote is None]
        if not content:
            return [], [], []
        first = layout.title_index if layout.title_index >= 0 else content[0]
        opener = blocks[first].text.split("\n", 1)[0]
        segments.append(Segment(content[0], blocks[first].line, opener, blocks=content))
        return segments, [], []

    level = layout.level
    current: Segment | None = None
    for index, block in enumerate(blocks):
        if block.footnote is not None:
            continue
        if (
            block.kind == "heading"
            and block.depth == 0
            and not block.quote
            and block.level <= level
            and index != layout.title_index
        ):
            opened = _open(blocks, index, layout)
            if current is None and opened.other:
                # Headings before the first entry heading belong to the preamble.
                preamble.append(index)
                continue
            if current is not None and current.other and not _has_content(blocks, current):
                cuts.append(segments.pop().line)
            current = opened
            segments.append(current)
            continue
        if current is None:
            preamble.append(index)
            continue
        if layout.name == DATED and current.date is not None and is_marker(block):
            day = current
            if not day.marker and not _has_content(blocks, day):
                cuts.append(segments.pop().line)
            current = Segment(
                index, block.line, block.text.split("\n", 1)[0], day.date, marker=True
            )
            segments.append(current)
        current.blocks.append(index)
    if current is not None and current.other and not _has_content(blocks, current):
        cuts.append(segments.pop().line)
    return segments, preamble, cuts


def _has_content(blocks: list[Block], segment: Segment) -> bool:
    return any(
        blocks[i].kind not in ("heading", "rule", "html") and blocks[i].text.strip()
        for i in segment.blocks
        if i != segment.start
    )


def _open(blocks: list[Block], index: int, layout: Layout) -> Segment:
    block = blocks[index]
    text = block.text.strip()
    heading = Segment(index, block.line, text, blocks=[index])
    if layout.name == DATED and block.level == layout.level:
        found = layout.dates.get(index)
        if found is not None:
            heading.date = found[0]
            heading.title = found[1] or None
            return heading
    elif layout.name == CATEGORY and block.level == layout.level:
        name = _EMOJI_PREFIX.sub("", text).strip()
        heading.category = name or text
        found_date = category_date(blocks, index, day_first=layout.day_first)
        if found_date is not None:
            heading.date = found_date[0]
            heading.date_line = found_date[1]
            date_text = blocks[found_date[1]].text.split("\n", 1)[0]
            heading.opener = f"{text}\n{date_text}"
        return heading
    elif layout.name == LESSONS and block.level == layout.level:
        match = lesson_heading(text)
        if match is not None and match.group("n3") and not match.group("title"):
            heading.title = f"Lesson {match.group('n3')}"
        else:
            heading.title = text
        return heading
    heading.title = text
    heading.other = layout.name in (DATED, CATEGORY, LESSONS) or block.level < layout.level
    return heading
