"""Which layout a file uses, and where its entries start.

Layouts are recognised from general signals only, in this order:

1. **dated headings**: at one heading level, most headings hold a date (anywhere
   in the heading: `## 2024-03-14`, `## Day 12: March 3, 2019`, `### Lecture 2
   (Feb 8)`), or are followed by a line that is one (`### Day 3:` then
   `March 5, 2024`) or by a label line giving it (`**Date:** 05.03.2024`). When
   those headings repeat a few names (`🧩 ML library`), they are categories and
   the layout is **category-dated**.
2. **dated list items**, **dated lines** or **dated table rows**: items at one
   depth, lines (even inside one paragraph) or table rows that open with a date;
   lines that all open with jrnl's `[YYYY-MM-DD HH:MM]` are a **jrnl** journal.
3. **lessons**: numbered headings (`Lesson 3`, `Week 2`, `第3回`, `3주차`, `Lektion 4`).
4. **one note per file**: a date in the file name or the front matter, a lone
   heading of a period (`# Week 10 report`), a note whose sections are prompts
   (`### What did I learn?`), or no repeated headings at all.
5. **sections**: topic notes, one entry per heading of the shallowest repeated level.

How sure the choice is, and what looked ambiguous, is kept with the layout
(`Layout.confidence`, `Layout.doubts`) for `tilbook inspect`.
"""

from __future__ import annotations

import dataclasses
import datetime
import itertools
import re
from collections import Counter
from dataclasses import dataclass, field, replace
from datetime import date
from typing import TypeVar

from tilbook.parse.blocks import ENTRY_MARKER, Block
from tilbook.parse.dates import (
    DateMatch,
    find_date,
    is_symbol,
    only_date,
    short_year_date,
    slash_dates_day_first,
    without_date,
    year_in,
)
from tilbook.parse.htmlblocks import is_summary

DATED = "dated-headings"
CATEGORY = "category-dated"
DATED_LIST = "dated-list"
DATED_LINES = "dated-lines"
DATED_TABLE = "dated-table"
JRNL = "jrnl"
LESSONS = "lessons"
SECTIONS = "sections"
SINGLE = "single-note"

K = TypeVar("K")

# A numbered lesson, week, day or session, in the languages learners write in.
_NUMBER = r"(?:\d{1,3}(?:\s?[-~–]\s?\d{1,3})?|[一二三四五六七八九十百]{1,4})"
_LESSON_WORDS = (
    r"lesson|lessons|lec|lecture|week|wk|day|chapter|ch|session|module|unit|class|part|"
    r"sprint|lektion|vorlesung|woche|tag|kapitel|sitzung|einheit|leçon|lecon|cours|semaine|"
    r"jour|chapitre|séance|seance|lección|leccion|clase|semana|día|dia|capítulo|capitulo|"
    r"sesión|sesion|aula|lezione|settimana|giorno|capitolo|les|college|viikko|luento|"
    r"päivä|paiva|entry|eintrag|entrée|entree|entrada|voce"
)
_LESSON = re.compile(
    r"^(?:(?:(?:" + _LESSON_WORDS + r")\.?\s?#?" + _NUMBER + r"|(?P<bare>\d{1,3}))"
    + r"(?:\s{0,3}[:.\-–—)|：]\s{0,3}(?P<title>\S.*)?|\s(?P<title2>\S.*))?"
    + r"|(?:第\s?" + _NUMBER + r"\s?[课課讲講回天周週章节節次期]"
    + r"|" + _NUMBER + r"\s?(?:주차|강|일차|회차|일째|장|회|課|回目|日目|週目))"
    + r"\s{0,3}[:.\-–—)|：]?\s{0,3}(?P<cjk_title>.*))$",
    re.IGNORECASE,
)  # fmt: skip
_DECORATION = re.compile(
    r"^(?:[\U0001F000-\U0001FAFF\u2600-\u27BF\u2B00-\u2BFF\uFE0F\u200D\u20E3\u2705\u2714"
    r"\u2611\u274C\u2B50]|:[a-z0-9_+\-]{1,30}:|\s)+"
)
"""Emoji, check marks and `:shortcodes:` before a heading's words."""
_LABEL_LINE = re.compile(
    r"^[*_]{0,2}(?P<label>[^\W\d_][^:：\n]{0,30}?)[*_]{0,2}\s?[:：][*_]{0,2}\s*"
)
"""A short label and its colon opening a line (`**Date:** …`, `日期：…`)."""


JRNL_HEADER = re.compile(
    r"^\[(?P<day>\d{4}-\d{2}-\d{2})[ T](?P<time>\d{1,2}:\d{2}(?::\d{2})?(?: ?[AaPp][Mm])?)\]"
    r"(?:[ \t]|$)"
)
"""A jrnl entry's opening (`[2024-03-14 09:12] Title`, also `[2024-03-14 09:12:00 AM]`)."""
_JRNL_STAR = re.compile(r"\s\*\s*$")
"""jrnl's mark of a starred entry, ending the title line."""


def jrnl_title(line: str) -> str | None:
    """The title of a jrnl entry's first line: the first sentence after its date and time,
    without the star of a starred entry and the `@tags` ending it."""
    opening = JRNL_HEADER.match(line)
    if opening is None:
        return None
    rest = _JRNL_STAR.sub("", line[opening.end() :]).strip()
    sentence = first_sentence(rest) if rest else ""
    while (at := sentence.rfind(" @")) >= 0 and re.fullmatch(r"[^\W\d][\w\-]*", sentence[at + 2 :]):
        sentence = sentence[:at].rstrip()
    return sentence or None


MAX_TITLE = 120
_SENTENCE_END = re.compile(r"[.!?。！？](?=\s|$)")
_ABBREVIATIONS = (
    "e.g", "i.e", "etc", "vs", "al", "cf", "fig", "eq", "approx", "resp", "ca",
    " dr", " mr", " mrs", " ms", " prof", " st", " no", " vol", " ch", " sec", " pp",
)  # fmt: skip
"""Words a point ends without ending the sentence (a title names `Dr. Lee` whole)."""


_OUTLINE_NUMBER = re.compile(r"\s*(?:\d{1,3}(?:[-.]\d{1,3})*|[IVXivx]{1,5}|[A-Za-z])")
"""What a point after it ends no sentence of: a section's number (`1-2. Loops`, `IV. Results`)."""


def first_sentence(text: str) -> str:
    """The first sentence of `text`'s first line, for use as a title."""
    line = text.strip().split("\n", 1)[0].strip()
    for match in _SENTENCE_END.finditer(line):
        before = line[: match.start()]
        if match.group() == "." and (
            (" " + before.lower()).endswith(_ABBREVIATIONS)
            or _OUTLINE_NUMBER.fullmatch(before) is not None
            or (
                before[-1:].isdigit()
                and match.end() < len(line)
                and line[match.end() : match.end() + 1].isdigit()
            )
        ):
            continue
        line = before if match.group() in ".。" else line[: match.end()]
        break
    line = line.strip().rstrip(":：").rstrip()
    if len(line) > MAX_TITLE:
        cut = line[: MAX_TITLE - 1]
        space = cut.rfind(" ")
        line = (cut[:space] if space > MAX_TITLE // 2 else cut).rstrip(" ,;:-") + "…"
    return line


_SHORTCODE_NAME = re.compile(r"[a-z0-9_+\-]{1,30}")


def without_trailing_decoration(text: str) -> str:
    """`text` without the emoji, `:shortcodes:` and white space that end it.

    Read from the right, one character or shortcode at a time (a shortcode's opening
    colon is the nearest one), so a long run of spaces costs linear time.
    """
    end = len(text)
    while end > 0:
        char = text[end - 1]
        if char.isspace() or is_symbol(char):
            end -= 1
        elif char == ":":
            opening = text.rfind(":", max(0, end - 32), end - 1)
            if opening < 0 or not _SHORTCODE_NAME.fullmatch(text, opening + 1, end - 1):
                break
            end = opening
        else:
            break
    return text[:end]


_PLACEHOLDER = re.compile(r"\?{2,}\s?[|:：\-–]?\s?")
"""`???` in a template stub (`## ??? | Day 4`): not words of the title."""


def undecorated(text: str) -> str:
    """A heading's words without emoji, check marks, shortcodes and emphasis around them."""
    text = _DECORATION.sub("", text.strip())
    return without_trailing_decoration(text).strip().strip("*_").strip()


def without_dates(text: str) -> str:
    """`text` with every date taken out (with or without a year), tidied."""
    for _ in range(4):
        found = find_date(text, year=2000)
        if found is None:
            break
        text = without_date(text, found)
    return text


def _plain_title(text: str) -> str | None:
    title = _PLACEHOLDER.sub("", undecorated(without_dates(text))).strip().rstrip(":： ")
    return title if any(char.isalpha() for char in title) else None


def lesson_heading(text: str) -> re.Match[str] | None:
    return _LESSON.match(undecorated(text))


_DAY_WEEK_WORDS = (
    r"day|week|wk|tag|woche|jour|semaine|día|dia|semana|giorno|settimana|päivä|paiva|viikko"
)
_COUNTER_LEAD = re.compile(
    r"^[*_]{0,2}(?:(?:" + _DAY_WEEK_WORDS + r")\.?\s?#?" + _NUMBER
    + r"|第\s?" + _NUMBER + r"\s?[天日周週]"
    + r"|" + _NUMBER + r"\s?(?:주차|일차|일째|日目|週目))"
    + r"[*_]{0,2}\s{0,3}[:.\-–—|：,]?[*_]{0,2}\s{0,3}",
    re.IGNORECASE,
)  # fmt: skip
"""A day or week counter opening a line (`Day 2:`, `Week 3 -`, `3日目`), before its date
(a lesson or session number before a date is a course's plan, not a log's day)."""


def opening_date(
    text: str, *, year: int | None = None, day_first: bool = False
) -> DateMatch | None:
    """The date `text` opens with, also after a day or week counter (`Day 2: May 6, 2024`,
    `**Week 3** - 2024-03-11`); its positions are in `text`."""
    found = find_date(text, year=year, day_first=day_first, at_start=True)
    if found is not None:
        return found
    lead = _COUNTER_LEAD.match(text)
    if lead is None or not lead.group().strip():
        return None
    rest = find_date(text[lead.end() :], year=year, day_first=day_first, at_start=True)
    if rest is None:
        return None
    return dataclasses.replace(rest, start=rest.start + lead.end(), end=rest.end + lead.end())


@dataclass(slots=True)
class Opened:
    """What a block that opens an entry says: its date and the title left beside it."""

    day: date | None
    until: date | None = None
    title: str | None = None
    date_line: int = -1
    """Index of the block under a heading that holds its date, if the heading does not."""
    weekday_disagrees: bool = False
    label: str | None = None
    """Words beside the date that were read as a label (`TIL:`), not a title."""


@dataclass(slots=True)
class Layout:
    name: str
    reason: str
    level: int = 0
    title_index: int = -1
    """Index of the heading that is the document title, if any."""
    opened: dict[int, Opened] = field(default_factory=dict)
    """Blocks that open an entry: block index → what it says."""
    day_first: bool = False
    """The file writes `NN/NN/YYYY` dates day first."""
    confidence: float = 1.0
    """How sure the choice is, 0 to 1."""
    doubts: list[str] = field(default_factory=list)
    """What looked ambiguous, for `tilbook inspect`."""
    only_opened: bool = False
    """Only the blocks in `opened` open entries (the user gave a pattern)."""


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
    """Index of the block that is the entry's date line, if any."""
    other: bool = False
    """Opened by a heading that is not of the layout's kind (`## References` in a dated log)."""
    until: datetime.date | None = None
    dated: bool = False
    """Opened by a list item, line or table row that starts with its date."""
    weekday_disagrees: bool = False
    """The weekday written beside the date is another day's."""


def _headings_count(count: int) -> str:
    """`1 heading`, `3 headings`: how a layout's reason counts them."""
    return f"{count} heading{'' if count == 1 else 's'}"


def _headings(blocks: list[Block]) -> list[int]:
    """The headings that may structure a file (in block quotes and list items too), but not
    a bold label above a `---` rule, which CommonMark reads as a heading, nor an empty one."""
    return [
        index
        for index, block in enumerate(blocks)
        if block.kind == "heading" and block.footnote is None and not _opens_nothing(block)
    ]


def _opens_nothing(block: Block) -> bool:
    """A heading that is no entry's: a bold label above a `---` rule, or a heading without
    any text (a lone `#`, shown as a blank line)."""
    return _label_over_rule(block) or not block.text.strip()


def _label_over_rule(block: Block) -> bool:
    text = block.text.strip()
    return block.setext and block.level == 2 and text.rstrip("*_ ").endswith((":", "："))


def _key(block: Block) -> tuple[int, int]:
    """Headings are compared by level within the same depth of block quotes."""
    return block.level, block.quote


def is_marker(block: Block) -> bool:
    """A paragraph or top-level item that opens with `(#Tag, …)` or `()`."""
    if block.kind == "para" and block.depth != 0:
        return False
    if block.kind == "item" and block.depth != 1:
        return False
    if block.kind not in ("para", "item") or block.footnote is not None:
        return False
    return bool(ENTRY_MARKER.match(block.text))


def strip_marker(text: str) -> str:
    return ENTRY_MARKER.sub("", text, count=1).strip()


def _next_content(blocks: list[Block], index: int) -> int:
    for position in range(index + 1, len(blocks)):
        block = blocks[position]
        if block.kind in ("html", "rule") or block.footnote is not None:
            continue
        return position
    return -1


def _first_line(block: Block) -> str:
    return block.text.split("\n", 1)[0]


def _title_of(text: str, found: DateMatch) -> tuple[str | None, str | None]:
    """What a heading says besides its date, as (title, label): the title is None when
    the words are only a label (`TIL:`, returned as the label) or none (`2023-11 (2)`)."""
    rest = _plain_title(without_date(text, found))
    if rest is None:
        return None, None
    label = without_trailing_decoration(undecorated(text[: found.start])).rstrip()
    if (
        label.endswith((":", "："))
        and rest.casefold() == label.rstrip(":： ").casefold()
        and not any(char.isdigit() for char in rest)
    ):
        return None, rest
    return rest, None


def _drop_shared_titles(opened: dict[int, Opened]) -> None:
    """A title that most entries share (`TIL` in `# TIL 3rd June 2024`) is a label: the
    entries are titled by what they say instead."""
    titles = Counter(
        (o.title or o.label or "").casefold() for o in opened.values() if o.title or o.label
    )
    if len(opened) < 2 or not titles:
        return
    shared, count = titles.most_common(1)[0]
    if count * 3 >= len(opened) * 2 and count >= 2:
        for item in opened.values():
            if item.title and item.title.casefold() == shared:
                item.title = None


def _better_reading(
    text: str, match: DateMatch, year: int | None, day_first: bool, file_day: date | None
) -> DateMatch:
    """Of two dates in one heading (`2024년 1월 14일 (January 14, 2025)`), the one that
    agrees with the file name's date, or else with its own weekday."""
    second = find_date(text[match.end :], year=year, day_first=day_first)
    if second is None or second.day == match.day:
        return match
    shifted = DateMatch(
        second.day,
        match.end + second.start,
        match.end + second.end,
        second.until,
        second.yearless,
        second.weekday,
        second.swapped,
    )
    if file_day is not None and file_day in (match.day, second.day):
        return match if match.day == file_day else shifted
    if match.weekday_agrees is False and second.weekday_agrees is not False:
        return shifted
    return match


def category_date(
    blocks: list[Block], index: int, *, day_first: bool = False, year: int | None = None
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
    found = only_date(_first_line(following), day_first=day_first, year=year)
    return (found, position) if found else None


def _contents_line(block: Block) -> bool:
    """Whether the block is only a link to a place in the same file (`[Update: 2024/03/11]
    (#update-20240311)`): a table of contents names entries; it is none, nor dates one."""
    return (
        bool(block.links)
        and all(link.url.startswith("#") and not link.wiki for link in block.links)
        and " ".join(block.text.split())
        == " ".join(" ".join(link.text for link in block.links).split())
    )


def _label_date(
    blocks: list[Block], index: int, *, day_first: bool, year: int | None
) -> tuple[DateMatch, int] | None:
    """A `Date: …` label line among the first lines under heading `index`."""
    position = index
    for _ in range(2):
        position = _next_content(blocks, position)
        if position < 0:
            return None
        block = blocks[position]
        if block.kind == "heading" or block.depth > 1 or _contents_line(block):
            return None
        for line in block.text.split("\n")[:4]:
            label = _LABEL_LINE.match(line)
            if label is None:
                continue
            found = find_date(line[label.end() :], day_first=day_first, year=year, at_start=True)
            if found is not None:
                return found, position
    return None


def _best_level(levels: Counter[K], totals: Counter[K]) -> tuple[K, int] | None:
    """The level where a signal is strongest, if strong enough to be the layout.

    A signal counts at a level when at least half of that level's blocks carry
    it, and either two or more do or it is the level's only block.
    """
    best: tuple[K, int] | None = None
    for level, count in sorted(levels.items()):
        total = totals[level]
        if count * 2 < total or (count < 2 and count != total):
            continue
        if best is None or count > best[1]:
            best = (level, count)
    return best


def heading_dates(
    blocks: list[Block],
    headings: list[int],
    file_year: int | None,
    *,
    day_first: bool = False,
    file_day: date | None = None,
) -> dict[int, Opened]:
    """The headings that carry a date (in their words, on the line under them, or in a
    `Date:` label line), with the title left beside it.

    A date without a year (`### Mar 3`, `### 03-14`) takes the year of the nearest
    enclosing heading that names one (`## 2024`, `# TIL 2024`), else the file's.
    """
    found: dict[int, Opened] = {}
    years: list[tuple[int, int]] = []  # (level, year) of enclosing headings
    counted: list[tuple[int, int, DateMatch, int | None]] = []  # `Day 12 - 14 March`
    for index in headings:
        block = blocks[index]
        while years and years[-1][0] >= block.level:
            years.pop()
        year = years[-1][1] if years else file_year
        text = block.text
        match = find_date(text, year=year, day_first=day_first)
        if match is not None:
            match = _better_reading(text, match, year, day_first, file_day)
            counter = _range_after_counter(text, match)
            if counter is not None:
                counted.append((index, counter, match, year))
            title, label = _title_of(text, match)
            found[index] = Opened(
                match.day,
                match.until,
                title,
                weekday_disagrees=match.weekday_agrees is False,
                label=label,
            )
            continue
        under = category_date(blocks, index, day_first=day_first, year=year)
        if under is not None:
            found[index] = Opened(under[0], None, _plain_title(text), under[1])
            continue
        labelled = _label_date(blocks, index, day_first=day_first, year=year)
        if labelled is not None:
            found[index] = Opened(labelled[0].day, labelled[0].until, _plain_title(text))
            continue
        named = year_in(text)
        if named is not None:
            years.append((block.level, named))
    _counters_not_ranges(blocks, found, counted, day_first)
    return found


_COUNTER_WORD = re.compile(r"[^\W\d_]{2,20}\.?\s?#?$")
"""A word and a number before a date (`Day 12 - 14 March 2024`): a counter, or a range of
days (`Week 10-16 March 2024`)."""
COUNTER_RUN = 3
"""This many headings in a row whose counters go up (or down) by one are counters."""


def _range_after_counter(text: str, match: DateMatch) -> int | None:
    """The number a range of days starts with when a word stands right before it (`Day`
    in `Day 12 - 14 March 2024`), else None."""
    if match.until is None or not _COUNTER_WORD.search(undecorated(text[: match.start])):
        return None
    digits = re.match(r"\d{1,3}", text[match.start :])
    if digits is None or int(digits.group()) != match.day.day:
        return None
    return int(digits.group())


def _counters_not_ranges(
    blocks: list[Block],
    found: dict[int, Opened],
    counted: list[tuple[int, int, DateMatch, int | None]],
    day_first: bool,
) -> None:
    """Headings read as ranges of days (`Day 12 - 14 March 2024`) whose first numbers
    count up or down by one from heading to heading (`Day 12`, `Day 13`, `Day 14`) are
    a counter and one day each: the 14th, the 15th… A range whose first days step by a
    week (`Week 10-16 March`, `Week 17-23 March`) stays a range."""
    if len(counted) < COUNTER_RUN:
        return
    steps = {later[1] - earlier[1] for earlier, later in itertools.pairwise(counted)}
    if steps not in ({1}, {-1}):
        return
    for index, counter, match, year in counted:
        text = blocks[index].text
        after = match.start + len(str(counter))
        day = find_date(text[after:], year=year, day_first=day_first)
        if day is None:
            continue
        day = replace(day, start=day.start + after, end=day.end + after)
        title, label = _title_of(text, day)
        found[index] = Opened(day.day, day.until, title, label=label)


def _opening_date(block: Block, year: int | None, day_first: bool) -> tuple[DateMatch, str] | None:
    """A date opening a list item, a line or a table row, and the text after it."""
    if block.kind == "row":
        cells = block.cells()
        for cell in cells:
            found = find_date(cell, year=year, day_first=day_first, at_start=True)
            if found is not None and not without_date(cell, found):
                described = [text for text in cells if _describes(text, year)]
                return found, first_sentence(max(described, key=len)) if described else ""
        return None
    text = _first_line(block)
    found = opening_date(text, year=year, day_first=day_first)
    if found is None:
        return None
    rest = without_date(text, found)
    return found, first_sentence(rest) if rest else ""


_CLOSING_WINDOW = 40
"""How far from its end an item's closing date may start."""
_AFTER_CLOSING = " .,;:!)）]】*_`"


def _closing_date(block: Block, day_first: bool) -> tuple[DateMatch, str] | None:
    """A full date closing a list item's line (`Read the LoRA paper - 28th May 2024`,
    `… (2024-05-28)`), and the text before it: the day of an item of a reading list.
    Not a task's date (`- [ ] redo it 📅 2024-05-13` is when it is due)."""
    if block.task is not None:
        return None
    text = _first_line(block)
    tail = text.rstrip(_AFTER_CLOSING)
    if not tail or not (tail[-1].isdigit() or tail[-1] in "日일"):
        return None  # a full date ends with its year or day
    position = max(0, len(text) - _CLOSING_WINDOW)
    while True:
        found = find_date(text[position:], day_first=day_first)
        if found is None or found.yearless:
            return None
        found = dataclasses.replace(found, start=position + found.start, end=position + found.end)
        if not text[found.end :].strip(_AFTER_CLOSING):
            break
        position = found.end
    if found.until is not None and found.day.day == 1 and found.until.day >= 28:
        return None  # a month (`May 2024`), not a day
    before = text[: found.start].rstrip()
    if before and is_symbol(before[-1]):
        return None  # `⏳ 2024-05-10`, `📅 …`: a field of a task's, not the day it was done
    rest = without_date(text, found)
    return (found, first_sentence(rest)) if rest else None


def _describes(cell: str, year: int | None) -> bool:
    """Whether a table cell says what happened (words, not a date, number or mark)."""
    if find_date(cell, year=year or 2000) is not None:
        return False
    words = [word for word in cell.split() if any(char.isalpha() for char in word)]
    wide = sum(1 for char in cell if ord(char) > 0x2E80 and char.isalpha())
    return len(words) >= 2 or wide >= 3


def _dated_blocks(
    blocks: list[Block], year: int | None, day_first: bool
) -> dict[str, dict[int, tuple[DateMatch, str]]]:
    """Items, lines and table rows that open with a date, by kind."""
    found: dict[str, dict[int, tuple[DateMatch, str]]] = {"item": {}, "line": {}, "row": {}}
    first_items: dict[int, tuple[DateMatch, str]] = {}
    for index, block in enumerate(blocks):
        if block.footnote is not None:
            continue
        kind = {"item": "item", "para": "line", "row": "row"}.get(block.kind)
        if kind is None or (kind == "line" and block.depth) or (kind == "row" and block.level):
            continue
        if block.links and _contents_line(block):
            continue
        opened = _opening_date(block, year, day_first)
        if opened is None and kind == "item":
            closing = _closing_date(block, day_first)
            if closing is not None:
                found[kind][index] = closing  # `- Paper A - NLP - 28th May 2024`
            continue
        if opened is None:
            continue
        if (
            kind != "row"
            and _under_heading(blocks, index)
            and find_date(_first_line(block), year=year, day_first=day_first, at_start=True) is None
        ):
            if kind == "item" and not _under_numbered_heading(blocks, index):
                first_items[index] = opened  # unless the items after it open the same way
            continue  # `# Week 1` then `Week 1 - 2024-01-08`: the heading's date line
        found[kind][index] = opened
    for index, opened in first_items.items():
        after = _next_items(blocks, index, 2)
        if len(after) == 2 and all(other in found["item"] for other in after):
            found["item"][index] = opened  # the first of a dated list (`- Day 1 (4 Mar): …`)
    if found["row"]:
        _finish_tables(blocks, found["row"], year, day_first)
    return found


def _finish_tables(
    blocks: list[Block], rows: dict[int, tuple[DateMatch, str]], year: int | None, day_first: bool
) -> None:
    """In each table with dated rows: rows dated with a two-digit year (`16-01-25` among
    `10-01-2025`), and every row's title from one column, the first that most rows
    describe what happened in (a title that jumps between Topic and Notes reads badly)."""
    for table in _tables(blocks):
        dated = [index for index in table if index in rows]
        if not dated:
            continue
        for index in table:
            if index in rows:
                continue
            nearest = min(dated, key=lambda other: abs(other - index))
            for cell in blocks[index].cells():
                day = short_year_date(cell, rows[nearest][0].day.year, day_first=day_first)
                if day is not None:
                    rows[index] = (DateMatch(day, 0, len(cell)), "")
                    dated.append(index)
                    break
        described = Counter(
            column
            for index in dated
            for column, cell in enumerate(blocks[index].cells())
            if _describes(cell, year)
        )
        if not described:
            continue
        most = max(described.values())
        column = min(column for column, count in described.items() if count == most)
        for index in dated:
            cells = blocks[index].cells()
            if column < len(cells) and _describes(cells[column], year):
                title = first_sentence(cells[column])
            else:
                others = [cell for cell in cells if _describes(cell, year)]
                title = first_sentence(max(others, key=len)) if others else ""
            rows[index] = (rows[index][0], title)


def _date_cell_written(dated: Block, day: datetime.date | None, row: Block) -> bool:
    """Whether `row` writes something in the cell where the row `dated` has its date."""
    cells = row.cells()
    for column, cell in enumerate(dated.cells()):
        found = find_date(cell, at_start=True)
        if (found is not None and not without_date(cell, found).strip()) or (
            day is not None and short_year_date(cell, day.year) == day
        ):
            return column < len(cells) and bool(cells[column].strip())
    return False


def _tables(blocks: list[Block]) -> list[list[int]]:
    """The body rows of each table, in order (a header row starts a table)."""
    tables: list[list[int]] = []
    previous = -2
    for index, block in enumerate(blocks):
        if block.kind != "row" or block.footnote is not None:
            continue
        if block.level:  # a header row
            tables.append([])
        elif index != previous + 1 or not tables:
            tables.append([index])
        else:
            tables[-1].append(index)
        previous = index
    return [table for table in tables if table]


def _next_items(blocks: list[Block], index: int, count: int) -> list[int]:
    """The next `count` items of the list item `index` belongs to (its siblings, past
    their sub-items), fewer when the list ends first."""
    found: list[int] = []
    depth = blocks[index].depth
    for position in range(index + 1, len(blocks)):
        block = blocks[position]
        if block.depth > depth or (block.kind != "item" and block.depth == depth):
            continue  # inside an item of this list (a sub-item, a second paragraph)
        if block.kind != "item" or block.depth < depth:
            break
        found.append(position)
        if len(found) == count:
            break
    return found


def _under_numbered_heading(blocks: list[Block], index: int) -> bool:
    """Whether the heading above block `index` is one of a numbered series (`Week 3`),
    whose own date the block may give."""
    for block in reversed(blocks[:index]):
        if block.kind == "heading":
            return lesson_heading(block.text) is not None
    return False


def _under_heading(blocks: list[Block], index: int) -> bool:
    """Whether block `index` is the first thing under a heading."""
    for block in reversed(blocks[:index]):
        if block.kind in ("html", "rule") or block.footnote is not None:
            continue
        return block.kind == "heading"
    return False


def _names(blocks: list[Block], indexes: list[int]) -> bool:
    """Whether headings look like category names: short, and not numbered (`Day 3:`)."""
    short = sum(1 for i in indexes if len(undecorated(blocks[i].text).split()) <= 4)
    numbered = sum(1 for i in indexes if lesson_heading(blocks[i].text) is not None)
    return short * 2 > len(indexes) and numbered * 2 <= len(indexes)


def _repeated_names(blocks: list[Block], indexes: list[int]) -> bool:
    """Whether headings repeat a few names (categories) rather than each saying its own."""
    names = Counter(undecorated(blocks[i].text).casefold() for i in indexes)
    repeated = sum(count for count in names.values() if count > 1)
    return len(indexes) >= 3 and repeated * 2 >= len(indexes)


def detect(
    blocks: list[Block],
    front_matter_title: bool,
    forced: str | None = None,
    file_year: int | None = None,
    *,
    one_note: str | None = None,
    file_day: date | None = None,
    level: int | None = None,
    pattern: str | None = None,
    day_first: bool | None = None,
    forced_by: str = "front matter (tilbook: layout)",
) -> Layout:
    """Decide the layout of a file from its blocks.

    `one_note` names a reason the file is one note (a date in its name or front
    matter), used when no entry structure is dated. `forced`, `level`, `pattern`
    and `day_first` are what the user said (front matter or `tilbook.toml`).
    """
    headings = _headings(blocks)
    if day_first is None:
        day_first = slash_dates_day_first(
            [blocks[i].text for i in headings]
            + [_first_line(b) for b in blocks if b.kind in ("para", "item", "row")]
        )
    dates = heading_dates(blocks, headings, file_year, day_first=day_first, file_day=file_day)
    said = f"set in {forced_by}"
    if forced == SINGLE:
        return _single(blocks, headings, front_matter_title, said)
    if pattern:
        return _pattern_layout(blocks, headings, dates, pattern, level, day_first, forced_by)
    if level is not None:
        headings_at = [i for i in headings if blocks[i].level == level]
    else:
        headings_at = headings

    heading_layout = None
    if forced not in (SECTIONS, LESSONS, DATED_LIST, DATED_LINES, DATED_TABLE, JRNL):
        heading_layout = _dated_headings(blocks, headings_at, dates, forced, day_first)
    dated_blocks: dict[str, dict[int, tuple[DateMatch, str]]] = {}
    chosen = None
    if (
        forced not in (SECTIONS, LESSONS, DATED, CATEGORY)
        and level is None
        and (heading_layout is None or len(heading_layout.opened) < 2)
    ):
        dated_blocks = _dated_blocks(blocks, file_year, day_first)
        chosen = _best_dated_blocks(blocks, dated_blocks, forced)
    if chosen is not None:
        layout = _dated_block_layout(chosen, dated_blocks, day_first, blocks, forced)
        if forced is not None:
            layout.reason = f"{layout.reason}; {said}"
        return layout
    if heading_layout is not None:
        if forced is not None or level is not None:
            heading_layout.reason = f"{heading_layout.reason}; {said}"
        return heading_layout

    title_index = _title_heading(blocks, headings, front_matter_title)
    if forced is None and level is None and one_note:
        return _single(blocks, headings, front_matter_title, one_note)
    lessons: Counter[tuple[int, int]] = Counter()
    for index in headings_at:
        if index not in dates and lesson_heading(blocks[index].text) is not None:
            lessons[_key(blocks[index])] += 1
    totals = Counter(_key(blocks[index]) for index in headings_at)
    lessons_found = _best_level(lessons, totals)
    if forced in (None, LESSONS) and lessons_found and lessons_found[1] >= 2:
        (found_level, _), count = lessons_found
        reason = f"{count} headings at level {found_level} are numbered lessons"
        layout = Layout(LESSONS, reason if forced is None else f"{reason}; {said}", found_level)
        _judge(layout, count, totals[lessons_found[0]])
        series = _series_across_levels(blocks, headings_at, dates, lessons_found[0])
        if series:
            # `## Week 1`..`## Week 3`, then `# Week 4`: one series, its headings siblings.
            layout.level = min(blocks[i].level for i in series)
            layout.opened = {i: Opened(None) for i in series if blocks[i].level != layout.level}
            layout.reason += f"; the series goes on at level {layout.level}"
        layout.title_index = _lessons_title(blocks, headings_at, layout)
        return layout
    if forced == LESSONS and headings_at:
        chosen_level = level or min(blocks[i].level for i in headings_at)
        return Layout(LESSONS, said, chosen_level, title_index)

    plain = [i for i in headings_at if not blocks[i].quote]
    repeated = Counter(blocks[index].level for index in plain if index != title_index)
    levels = sorted(found for found, count in repeated.items() if count > 1)
    if (forced == SECTIONS or level is not None) and not levels and repeated:
        levels = [min(repeated)]
    if levels and forced is None and level is None:
        at_level = [i for i in plain if blocks[i].level == levels[0] and i != title_index]
        prompts = sum(1 for i in at_level if undecorated(blocks[i].text).endswith(("?", "？")))
        if prompts * 2 >= len(at_level):
            reason = "its section headings are prompts (?)"
            return _single(blocks, headings, front_matter_title, reason)
        if title_index >= 0 and lesson_heading(blocks[title_index].text) is not None:
            reason = "its title names one period (a week, a day)"
            return _single(blocks, headings, front_matter_title, reason)
    if levels:
        section_level = levels[0]
        reason = f"{repeated[section_level]} topic headings at level {section_level}"
        if forced is not None or level is not None:
            reason = f"{reason}; {said}"
        layout = Layout(SECTIONS, reason, section_level, title_index)
        layout.confidence = 0.8 if forced is None and level is None else 1.0
        return layout
    return _single(
        blocks, headings, front_matter_title, "no dated, numbered or repeated headings: one note"
    )


def _pattern_layout(
    blocks: list[Block],
    headings: list[int],
    dates: dict[int, Opened],
    pattern: str,
    level: int | None,
    day_first: bool,
    forced_by: str,
) -> Layout:
    """Entries opened by the headings that match the user's pattern (and level)."""
    compiled = re.compile(pattern)
    matching = [
        i
        for i in headings
        if (level is None or blocks[i].level == level) and compiled.search(blocks[i].text)
    ]
    opened = {i: dates.get(i) or Opened(None, None, _plain_title(blocks[i].text)) for i in matching}
    name = DATED if any(item.day for item in opened.values()) else SECTIONS
    layout = Layout(
        name,
        f"{_headings_count(len(matching))} match entry_pattern; set in {forced_by}",
        min((blocks[i].level for i in matching), default=level or 2),
        opened=opened,
        day_first=day_first,
    )
    layout.only_opened = True
    return layout


def _dated_headings(
    blocks: list[Block],
    headings: list[int],
    dates: dict[int, Opened],
    forced: str | None,
    day_first: bool,
) -> Layout | None:
    """The dated-headings (or category-dated) layout, when one heading level is dated.

    Headings of that level before its first dated one (`## Ideas`, `## How to use
    this log`) are the preamble's and do not count against it.
    """
    first_dated: dict[tuple[int, int], int] = {}
    for index in headings:
        if index in dates:
            first_dated.setdefault(_key(blocks[index]), index)
    dated: Counter[tuple[int, int]] = Counter(_key(blocks[i]) for i in headings if i in dates)
    totals: Counter[tuple[int, int]] = Counter(
        _key(blocks[i])
        for i in headings
        if _key(blocks[i]) in first_dated and i >= first_dated[_key(blocks[i])]
    )
    best = _best_level(dated, totals)
    if best is None and forced in (DATED, CATEGORY) and dated:
        best = max(dated.items(), key=lambda item: item[1])
    if best is None:
        return None
    key, count = best
    level = key[0]
    at_level = [i for i in headings if _key(blocks[i]) == key and i in dates]
    under_lines = [i for i in at_level if dates[i].date_line >= 0]
    name = DATED
    reason = f"{_headings_count(count)} at level {level} {'holds' if count == 1 else 'hold'} a date"
    if (
        under_lines
        and len(under_lines) * 2 >= len(at_level)
        and (
            _repeated_names(blocks, under_lines)
            or _names(blocks, under_lines)
            or forced == CATEGORY
        )
    ):
        name = CATEGORY
        reason = (
            f"{_headings_count(count)} at level {level} "
            f"{'is' if count == 1 else 'are'} followed by a date line"
        )
    layout = Layout(
        name, reason, level, opened={i: dates[i] for i in at_level}, day_first=day_first
    )
    if name == DATED:
        _drop_shared_titles(layout.opened)
        _add_deeper_days(blocks, headings, dates, layout)
    if name == CATEGORY:
        # A category heading whose date line is missing is still one of the log's entries.
        count = totals[key] - sum(
            1
            for i in headings
            if _key(blocks[i]) == key and i not in dates and not _names(blocks, [i])
        )
    if forced is not None and forced not in (DATED, CATEGORY):
        layout.doubts.append(f"front matter asks for {forced}, but the headings are dated")
    _judge(layout, count, totals[key])
    return layout


def _lessons_title(blocks: list[Block], headings: list[int], layout: Layout) -> int:
    """The heading that titles a file of lessons: its first heading, an H1 at the
    lessons' level that is not numbered, before the first lesson (`# Corpus tools`
    over `# Week 4`)."""
    if not headings:
        return -1
    first = headings[0]
    block = blocks[first]
    if (
        block.level == 1 == layout.level
        and not block.quote
        and first not in layout.opened
        and lesson_heading(block.text) is None
    ):
        return first
    return -1


def _series_key(text: str) -> tuple[str, int] | None:
    """A numbered heading's series and number: `Week 3 - Docker` → (`week`, 3),
    `3日目` → (`日目`, 3)."""
    match = lesson_heading(text)
    if match is None or match.group("bare"):
        return None
    ends = [match.start(g) for g in ("title", "title2", "cjk_title") if match.group(g)]
    words = undecorated(text)[: min(ends, default=match.end())]
    number = re.search(r"\d+", words)
    if number is None:
        return None
    before = " ".join(words[: number.start()].split()).casefold().rstrip(" .#")
    after = words[number.end() :].strip()
    if before.endswith("第"):
        before += after[:1]  # `第3回`, `第3章`
    name = before or "#" + after[:3]  # `3日目`, `3주차`
    return name, int(number.group())


def _series_across_levels(
    blocks: list[Block], headings: list[int], dates: dict[int, Opened], key: tuple[int, int]
) -> list[int]:
    """The numbered headings of one series written at several levels (`## Week 1`..
    `## Week 3`, then `# Week 4`), in order, when they are; else `[]`.

    They are one series when its numbers rise from one heading to the next (none
    repeats: `# Week 2` over `## Week 2 recap` is no series) across both levels."""
    numbered = {
        i: found
        for i in headings
        if i not in dates
        and not blocks[i].quote
        and (found := _series_key(blocks[i].text)) is not None
    }
    at_level = [i for i in numbered if _key(blocks[i]) == key]
    names = Counter(numbered[i][0] for i in at_level)
    if not names:
        return []
    name = names.most_common(1)[0][0]
    series = [i for i in numbered if numbered[i][0] == name]
    if len({blocks[i].level for i in series}) < 2:
        return []
    numbers = [numbered[i][1] for i in series]
    if any(later <= earlier for earlier, later in itertools.pairwise(numbers)):
        return []
    return series


def _judge(layout: Layout, count: int, total: int) -> None:
    """How sure a heading-based layout is: share of the level's headings that fit."""
    layout.confidence = round(min(1.0, 0.5 + 0.5 * count / max(total, 1)), 2)
    others = total - count
    if others:
        layout.doubts.append(
            f"{others} heading{'s' if others != 1 else ''} at level {layout.level} "
            f"{'do' if others != 1 else 'does'} not fit ({layout.name})"
        )


def _best_dated_blocks(
    blocks: list[Block],
    dated: dict[str, dict[int, tuple[DateMatch, str]]],
    forced: str | None = None,
) -> tuple[str, list[int]] | None:
    """The kind (and for items, the depth) of block that most often opens with a date."""
    options: list[tuple[int, int, str, list[int]]] = []
    by_depth: dict[int, list[int]] = {}
    for index in dated["item"]:
        by_depth.setdefault(blocks[index].depth, []).append(index)
    for depth, indexes in by_depth.items():
        options.append((len(indexes), 3, f"item:{depth}", indexes))
    rows = [i for i, (_, rest) in dated["row"].items() if rest]
    options.append((len(dated["line"]), 2, "line", sorted(dated["line"])))
    options.append((len(rows), 1, "row", rows))
    wanted = {DATED_LIST: "item", DATED_LINES: "line", DATED_TABLE: "row", JRNL: "line"}.get(
        forced or ""
    )
    options = [
        option
        for option in options
        if (option[0] >= 2 or (wanted and option[0] >= 1))
        and (wanted is None or option[2].startswith(wanted))
    ]
    if not options:
        return None
    _, _, kind, indexes = max(options, key=lambda option: (option[0], option[1]))
    return kind, sorted(indexes)


def _dated_block_layout(
    chosen: tuple[str, list[int]],
    dated: dict[str, dict[int, tuple[DateMatch, str]]],
    day_first: bool,
    blocks: list[Block],
    forced: str | None = None,
) -> Layout:
    kind, indexes = chosen
    if kind == "line":
        jrnl = [i for i in indexes if JRNL_HEADER.match(_first_line(blocks[i]))]
        # Most dated lines in jrnl's form: the others are body lines that open with a date.
        if jrnl and (forced == JRNL or (len(jrnl) >= 2 and len(jrnl) * 2 > len(indexes))):
            return _jrnl_layout(jrnl, dated["line"], blocks, day_first)
    source = dated["item" if kind.startswith("item") else kind]
    name, what = {
        "line": (DATED_LINES, "lines open with a date"),
        "row": (DATED_TABLE, "table rows hold a date"),
    }.get(kind, (DATED_LIST, "list items open with a date"))
    level = int(kind.split(":")[1]) if kind.startswith("item") else 0
    opened = {
        index: Opened(
            source[index][0].day,
            source[index][0].until,
            source[index][1] or None,
            weekday_disagrees=source[index][0].weekday_agrees is False,
        )
        for index in indexes
    }
    layout = Layout(name, f"{len(indexes)} {what}", level, opened=opened, day_first=day_first)
    layout.confidence = 0.8 if len(indexes) >= 3 else 0.6
    return layout


def _jrnl_layout(
    indexes: list[int],
    dated: dict[int, tuple[DateMatch, str]],
    blocks: list[Block],
    day_first: bool,
) -> Layout:
    """A jrnl journal: every dated line opens with `[date time]`; only those lines open
    entries, and the rest of the first line's first sentence is the title."""
    opened = {
        index: Opened(dated[index][0].day, None, jrnl_title(_first_line(blocks[index])))
        for index in indexes
    }
    reason = f"{len(indexes)} lines open with jrnl's date and time"
    layout = Layout(JRNL, reason, 0, opened=opened, day_first=day_first)
    layout.confidence = 0.9 if len(indexes) >= 2 else 0.7
    return layout


def _title_heading(blocks: list[Block], headings: list[int], front_matter_title: bool) -> int:
    """The heading that is the document's title: its one H1 (when it comes first, if the
    front matter has a title too)."""
    h1 = [index for index in headings if blocks[index].level == 1]
    if len(h1) == 1 and (not front_matter_title or h1[0] == headings[0]):
        return h1[0]
    if not h1 and headings and not front_matter_title:
        first = headings[0]
        shallowest = min(blocks[i].level for i in headings)
        if (
            blocks[first].level == shallowest
            and sum(1 for i in headings if blocks[i].level == shallowest) == 1
        ):
            return first
    return -1


def _single(
    blocks: list[Block], headings: list[int], front_matter_title: bool, reason: str
) -> Layout:
    layout = Layout(SINGLE, reason, 0, _title_heading(blocks, headings, front_matter_title))
    layout.confidence = 0.9 if "name" in reason or "front matter" in reason else 0.7
    return layout


def segment(blocks: list[Block], layout: Layout) -> tuple[list[Segment], list[int], list[int]]:
    """Split the blocks into entries.

    Also returns the preamble's block indexes and the lines of headings that
    opened nothing (an empty date heading before its markers, a `## References`
    holding only footnotes): entries end before them.
    """
    if layout.name == SINGLE:
        content = [i for i, b in enumerate(blocks) if b.footnote is None]
        if not content:
            return [], [], []
        first = layout.title_index if layout.title_index >= 0 else content[0]
        opener = _first_line(blocks[first])
        return [Segment(content[0], blocks[first].line, opener, blocks=content)], [], []
    if layout.name in (DATED_LIST, DATED_LINES, DATED_TABLE, JRNL):
        return _segment_dated_blocks(blocks, layout)

    preamble: list[int] = []
    segments: list[Segment] = []
    cuts: list[int] = []
    level = layout.level
    current: Segment | None = None
    # The numbered series the dated headings belong to (`Week 1` …): a heading of the
    # series without a date of its own is still one of the entries, not the preamble.
    series = (
        {key[0] for i in layout.opened if (key := _series_key(blocks[i].text)) is not None}
        if layout.name == DATED
        else set()
    )
    for index, block in enumerate(blocks):
        if block.footnote is not None:
            continue
        opens = index in layout.opened or (
            not layout.only_opened
            and block.kind == "heading"
            and not block.quote
            and block.level <= level
            and index != layout.title_index
            and not _opens_nothing(block)
        )
        if opens:
            opened = _open(blocks, index, layout, series)
            if (
                layout.name == DATED
                and current is not None
                and current.date is not None
                and opened.other
                and block.level < level
                and _empty(blocks, current)
                and _next_entry_heading(blocks, index, level) in layout.opened
                and _has_prose_below(blocks, index)
            ):
                # `### 2025-01-07` then `## Deposit flow`, then `### 2025-01-08`: a
                # topic written a level up inside the day, not the end of the day.
                current.blocks.append(index)
                continue
            if current is None and opened.other and not _holds_tasks(blocks, index):
                # Headings before the first entry heading belong to the preamble, unless
                # they hold tasks (a backlog above the days feeds the agenda).
                preamble.append(index)
                continue
            if current is not None and _empty(blocks, current):
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
                index, block.line, _first_line(block), day.date, marker=True, until=day.until
            )
            segments.append(current)
        current.blocks.append(index)
    if current is not None and _empty(blocks, current):
        cuts.append(segments.pop().line)
    return _without_copied_bodies(blocks, segments, cuts), preamble, cuts


MIN_TEMPLATE_TEXT = 10
"""A prompt list this long (in characters) that several entries repeat word for word is
a template left unfilled (`#### Session 3` holding only the course's prompt list)."""
_PROMPT_END = ("?", "？", ":", "：")
TEMPLATE_COPIES = 3
"""A body (of any words) that this many entries repeat word for word is a template's."""
MIN_COPIED_TEXT = 40


def _prompts_only(blocks: list[Block], segment: Segment) -> bool:
    """Whether an entry's body is only prompts: quoted lines, questions or labels (`> 1.
    What did you do?`, `Today's Progress:`), as a template gives them."""
    body = [
        blocks[i]
        for i in segment.blocks
        if i not in (segment.start, segment.date_line)
        and blocks[i].kind not in ("rule", "html", "heading")
        and blocks[i].text.strip()
    ]
    return bool(body) and all(
        block.quote
        or all(
            line.strip().endswith(_PROMPT_END) for line in block.text.split("\n") if line.strip()
        )
        for block in body
    )


def _body(blocks: list[Block], segment: Segment) -> str:
    """What an entry says under its opening, white space folded."""
    return " ".join(
        " ".join(blocks[i].text.split())
        for i in segment.blocks
        if i not in (segment.start, segment.date_line) and blocks[i].kind not in ("rule", "html")
    ).strip()


def _without_copied_bodies(
    blocks: list[Block], segments: list[Segment], cuts: list[int]
) -> list[Segment]:
    """`segments` without the template stubs (their lines are added to `cuts`): entries
    whose whole body is a prompt list that another entry repeats word for word, or any
    body that at least `TEMPLATE_COPIES` entries repeat (days made in advance from a
    template). A text written twice (`Rest day, nothing new.`) is the writer's: it stays."""
    if len(segments) < 2:
        return segments
    bodies = [_body(blocks, seg) for seg in segments]
    prompts = [_prompts_only(blocks, seg) for seg in segments]
    counts = Counter(body for body in bodies if len(body) >= MIN_TEMPLATE_TEXT)
    if not any(count >= 2 for count in counts.values()):
        return segments
    kept = []
    for seg, body, prompt in zip(segments, bodies, prompts, strict=True):
        copies = counts.get(body, 0)
        if not seg.marker and (
            (prompt and copies >= 2) or (copies >= TEMPLATE_COPIES and len(body) >= MIN_COPIED_TEXT)
        ):
            cuts.append(seg.line)
        else:
            kept.append(seg)
    return kept


def _has_prose_below(blocks: list[Block], index: int) -> bool:
    """Whether the heading `index` has words of its own before the next heading."""
    for block in blocks[index + 1 :]:
        if block.kind == "heading":
            return False
        if block.kind in ("para", "item", "row") and block.has_prose:
            return True
    return False


def _next_entry_heading(blocks: list[Block], index: int, level: int) -> int:
    """The next heading after block `index` at `level` or above (-1: none)."""
    for position in range(index + 1, len(blocks)):
        block = blocks[position]
        if block.kind == "heading" and block.level <= level and block.footnote is None:
            return position
    return -1


def _empty(blocks: list[Block], segment: Segment) -> bool:
    """An entry that says nothing: a stray heading, a day heading made in advance, or a
    template stub (`## ??? | Day ? : Month ?`)."""
    if (
        segment.other
        and blocks[segment.start].text.count("?") >= 2
        and _STUB.search(blocks[segment.start].text)
    ):
        return True
    if segment.marker or _has_content(blocks, segment):
        return False
    if is_summary(blocks[segment.start]):
        return True  # a folded day (`<details><summary>…`) with nothing in it
    if segment.date is None and blocks[segment.start].kind == "heading":
        return True  # an undated heading over nothing, or over headings only (`# Week 6 -`)
    return segment.other or (
        segment.date is not None and (segment.title is None or _counter_only(segment.title))
    )


def _add_deeper_days(
    blocks: list[Block], headings: list[int], dates: dict[int, Opened], layout: Layout
) -> None:
    """Day headings written a level deeper than the others (`# 2025-08-15`, then
    `## 2025-08-14`): a deeper heading that is only a day (a counter beside it at most),
    outside the days of the entry above it, opens an entry of its own. A day inside that
    entry's week or month (`## March 2024`, then `### 2024-03-14`) stays in it, and so
    does a heading that says more than its date (`## 2024-03-10 incident recap`)."""
    previous: Opened | None = None
    added: dict[int, Opened] = {}
    for index in headings:
        if index in layout.opened:
            previous = layout.opened[index]
            continue
        block, opened = blocks[index], dates.get(index)
        if opened is None or block.level <= layout.level or block.quote or previous is None:
            continue
        if opened.day is None or opened.date_line >= 0 or previous.day is None:
            continue
        said = (opened.title or "").strip().strip("()（）[]【】").strip()
        if said and not _counter_only(said):
            continue
        if previous.day <= opened.day <= (previous.until or previous.day):
            continue
        added[index] = previous = opened
    layout.opened.update(added)


def _counter_only(title: str) -> bool:
    """A title that is only a counter (`Day 4`, `Week 6 -`, `第3回`): it says nothing."""
    match = lesson_heading(title)
    return match is not None and not (
        match.group("title") or match.group("title2") or (match.group("cjk_title") or "").strip()
    )


_STUB = re.compile(r"\?{2,}|\b\w+ \?(?:\s|$)")


def _holds_tasks(blocks: list[Block], index: int) -> bool:
    """Whether the text right under heading `index` (to the next heading) holds task items."""
    for block in blocks[index + 1 :]:
        if block.kind == "heading":
            return False
        if block.task is not None:
            return True
    return False


def _segment_dated_blocks(
    blocks: list[Block], layout: Layout
) -> tuple[list[Segment], list[int], list[int]]:
    """Entries opened by dated items, lines or rows; headings are containers that end them."""
    preamble: list[int] = []
    segments: list[Segment] = []
    cuts: list[int] = []
    current: Segment | None = None
    dated_row: Segment | None = None  # the last row that opened an entry with its date
    for index, block in enumerate(blocks):
        if block.footnote is not None:
            continue
        if index in layout.opened:
            opened = layout.opened[index]
            current = dated_row = Segment(
                index,
                block.line,
                _first_line(block),
                opened.day,
                opened.title if block.kind == "row" or layout.name == JRNL else None,
                blocks=[index],
                until=opened.until,
                dated=True,
                weekday_disagrees=opened.weekday_disagrees,
            )
            segments.append(current)
            continue
        if (
            layout.name == DATED_TABLE
            and block.kind == "row"
            and not block.level
            and dated_row is not None
            and all(blocks[i].kind == "row" for i in range(dated_row.start, index))
            and _date_cell_written(blocks[dated_row.start], dated_row.date, block)
        ):
            cells = block.cells()
            described = [cell for cell in cells if _describes(cell, None)]
            if described:
                # (titled from the column the dated row above is titled from, as rows are)
                above = blocks[dated_row.start].cells()
                column = next(
                    (i for i, cell in enumerate(above) if first_sentence(cell) == dated_row.title),
                    -1,
                )
                if 0 <= column < len(cells) and any(char.isalpha() for char in cells[column]):
                    described = [cells[column]]
                # A row whose date could not be read (`??`, `16-01-25` alone) is still a
                # row of the log: an entry without a date, not lost from the search.
                # (A row with its date cell empty is a plan: not begun, not an entry.)
                title = first_sentence(max(described, key=len))
                current = Segment(index, block.line, _first_line(block), None, title)
                current.blocks.append(index)
                segments.append(current)
                continue
        if current is None:
            preamble.append(index)
            continue
        if block.kind == "heading" and layout.name != JRNL and _own_section(blocks, index, layout):
            # `## To Do` after the days, its own list under it: a section of the log
            # (searched, its tasks on the agenda), as one after dated headings is.
            current = Segment(index, block.line, block.text.strip(), blocks=[index], other=True)
            current.title = undecorated(block.text) or block.text.strip()
            segments.append(current)
            continue
        if (block.kind == "heading" and layout.name != JRNL) or (
            layout.name == DATED_TABLE and block.kind == "row"
        ):
            # A jrnl entry holds whatever follows it, `#` lines too, up to the next one.
            cuts.append(block.line)
            current = None
            preamble.append(index)
            continue
        current.blocks.append(index)
    return segments, preamble, cuts


def _own_section(blocks: list[Block], index: int, layout: Layout) -> bool:
    """Whether the heading `index` holds words of its own and no entry of the layout
    (else it is a container of the dated items, rows or lines under it)."""
    level = blocks[index].level
    words = False
    for position in range(index + 1, len(blocks)):
        block = blocks[position]
        if position in layout.opened:
            return False
        if block.kind == "heading" and block.level <= level:
            break
        if block.kind in ("para", "item", "row") and block.has_prose and block.footnote is None:
            words = True
    return words


def _has_content(blocks: list[Block], segment: Segment) -> bool:
    return any(
        blocks[i].kind not in ("heading", "rule", "html") and blocks[i].text.strip()
        for i in segment.blocks
        if i not in (segment.start, segment.date_line)
    )


def _open(
    blocks: list[Block], index: int, layout: Layout, series: set[str] | frozenset[str] = frozenset()
) -> Segment:
    block = blocks[index]
    text = block.text.strip()
    heading = Segment(index, block.line, text, blocks=[index])
    opened = layout.opened.get(index)
    if layout.name == DATED and opened is not None:
        heading.date = opened.day
        heading.until = opened.until
        heading.weekday_disagrees = opened.weekday_disagrees
        heading.title = opened.title
        heading.date_line = opened.date_line
        if opened.date_line >= 0:
            heading.opener = f"{text}\n{_first_line(blocks[opened.date_line])}"
        return heading
    if layout.name == CATEGORY and block.level == layout.level:
        name = undecorated(text)
        heading.category = name or text
        if opened is not None:
            heading.date = opened.day
            heading.until = opened.until
            heading.date_line = opened.date_line
            if opened.date_line >= 0:
                date_text = _first_line(blocks[opened.date_line])
                heading.opener = f"{text}\n{date_text}"
        return heading
    if layout.name == LESSONS and (block.level == layout.level or index in layout.opened):
        match = lesson_heading(text)
        if (
            match is not None
            and match.group("bare")
            and not (match.group("title") or match.group("title2"))
        ):
            heading.title = f"Lesson {match.group('bare')}"
        else:
            heading.title = _plain_title(text) or undecorated(text) or text
        return heading
    heading.title = undecorated(text) or text
    heading.other = layout.name in (DATED, CATEGORY, LESSONS) or block.level < layout.level
    if heading.other and series and block.level == layout.level:
        key = _series_key(text)
        heading.other = key is None or key[0] not in series
    return heading
