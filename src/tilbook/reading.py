"""Reading a note: its text → blocks → layout → entries with what they hold.

The pipeline every other part of tilbook reads notes through: `parse_source`
turns a decoded note (`tilbook.notes.files.SourceText`) into a `ParsedFile`;
`inspect_file` reads one file from disk the way `tilbook index` does; and
`entry_markdown` is the one way to read an entry's text as it stands now.
"""

from __future__ import annotations

import hashlib
import itertools
import re
from bisect import bisect_right
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path, PurePosixPath
from typing import Any, Protocol

from tilbook import extract
from tilbook.errors import SourceError
from tilbook.extract import labels, notelinks
from tilbook.model import LAYOUTS, Entry, Footnote, IndexWarning, Link, ParsedFile, Span
from tilbook.notes.files import FileStat, SourceText, decode, normalise_newlines, read_source
from tilbook.parse.blocks import (
    BLOCK_ID,
    BREAK,
    CALLOUT_MARKER,
    ENTRY_MARKER,
    LINK_TEXT,
    URL,
    Block,
    lines_outside_code,
    parse_blocks,
    split_lines,
    without_comments,
)
from tilbook.parse.dates import (
    date_prefix,
    filename_date,
    find_date,
    names_weekday,
    only_date,
    slash_dates_day_first,
    without_date,
    year_in,
)
from tilbook.parse.htmlblocks import html_headings
from tilbook.parse.layouts import (
    CATEGORY,
    DATED,
    DATED_LINES,
    DATED_LIST,
    DATED_TABLE,
    JRNL,
    JRNL_HEADER,
    LESSONS,
    SECTIONS,
    SINGLE,
    Layout,
    Segment,
    detect,
    first_sentence,
    lesson_heading,
    opening_date,
    segment,
    strip_marker,
    undecorated,
)
from tilbook.parse.version import PARSER_VERSION as PARSER_VERSION  # bump it there
from tilbook.settings import FileHints

_MALFORMED_FOOTNOTE = re.compile(r"^\[\^\s+([^\]\s]+)\s*\]:\s*")
_FOOTNOTE_LABEL = re.compile(r"^\[\^[^\]]+\]:\s*")


def entry_id(source: str, day: date | None, opener: str, occurrence: int) -> str:
    """A stable id: same file, date and opening text give the same id on every run."""
    key = "\0".join(
        (source, day.isoformat() if day else "", " ".join(opener.split()), str(occurrence))
    )
    return hashlib.blake2b(key.encode("utf-8"), digest_size=6).hexdigest()


def _as_date(value: Any) -> date | None:
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if isinstance(value, str):
        found = date_prefix(value.strip())
        return found[0] if found else None
    return None


def _as_list(value: Any) -> list[str]:
    if value is None:
        return []
    if isinstance(value, str):
        parts = re.split(r"[,\s]+", value) if "," in value or " " in value else [value]
        return [part.lstrip("#") for part in parts if part.strip("# ")]
    if isinstance(value, (list, tuple)):
        return [str(item).strip().lstrip("#") for item in value if str(item).strip("# ")]
    return [str(value)]


def front_matter_tags(front_matter: dict[str, Any]) -> list[str]:
    return extract.unique(
        [*_as_list(front_matter.get("tags")), *_as_list(front_matter.get("categories"))]
    )


WEEKDAY_YEARS = 30
"""How many years back from this one the weekdays of a log without a year may place it."""
_DIGIT = re.compile(r"\d")
_YEAR_WRITTEN = re.compile(r"(?<!\d)(?:19|20)\d\d(?!\d)")
"""A year anywhere in a file's prose (not in its links): its days are read with the years
it writes."""
_ANY_URL = re.compile(r"[A-Za-z][\w+.-]{0,20}://\S*")
"""A URL (its scheme is short: a long run of text without one is read in linear time)."""
_WEEKDAY_DAYS = 24
"""Days with a weekday enough to place a log in its year."""


def _weekday_year(blocks: list[Block]) -> int | None:
    """The year of a log that writes none, from the weekdays beside its days
    (`### Day 1: May 2, Friday`): the latest year, not after this one, in which most of
    them (two at least, and four in five) fall on the weekday written."""
    days: list[tuple[int, int, int]] = []  # (month, day, weekday)
    for block in blocks:
        if block.kind not in ("heading", "para", "item") or block.footnote is not None:
            continue
        text = block.text.split("\n", 1)[0][:80]
        if _DIGIT.search(text) is None or not names_weekday(text):
            continue
        found = find_date(text, year=2000)  # a leap year: `February 29` is read
        if found is not None and found.yearless and found.weekday is not None:
            days.append((found.day.month, found.day.day, found.weekday))
            if len(days) == _WEEKDAY_DAYS:
                break
    if len(days) < 2:
        return None
    this = date.today().year
    for year in range(this, this - WEEKDAY_YEARS, -1):
        agree = 0
        for month, day, weekday in days:
            try:
                agree += date(year, month, day).weekday() == weekday
            except ValueError:
                continue  # February 29 in a common year
        if agree >= 2 and agree * 5 >= len(days) * 4:
            return year
    return None


def _file_year(source: str, front_matter: dict[str, Any], blocks: list[Block]) -> int | None:
    """The year a file is about: its front matter date or title, its name (or folder),
    or its first heading (`# TIL 2024`, `# Notes — Spring 2025`)."""
    day = _as_date(front_matter.get("date"))
    if day is not None:
        return day.year
    title = front_matter.get("title")
    if isinstance(title, str) and (year := year_in(title)) is not None:
        return year
    path = PurePosixPath(source)
    for text in (path.stem, str(path.parent)):
        if (year := year_in(text)) is not None:
            return year
    for block in blocks[:12]:
        if block.kind == "heading" and (year := year_in(block.text)) is not None:
            return year
    for block in blocks[:6]:
        if block.kind == "heading" and block.level > 1:
            break  # past the title's lines
        if block.kind == "para" and block.footnote is None:
            # a date under the title (`**Duration**: Mar 3-7, 2025`) says the year of
            # days written without one
            for line in block.text.split("\n")[:8]:
                found = find_date(line)
                if found is not None and not found.yearless:
                    return found.day.year
    return None


def _dated_line_starts(
    blocks: list[Block], year: int | None, day_first: bool
) -> dict[int, list[int]]:
    """Paragraphs holding several lines that each open with a date: where each begins."""
    starts: dict[int, list[int]] = {}
    for index, block in enumerate(blocks):
        if block.kind != "para" or block.depth or block.footnote is not None:
            continue
        if "\n" not in block.text:
            continue
        grouped = block.lines()
        dated = [
            line
            for line, pieces in grouped
            if opening_date("".join(piece[1] for piece in pieces), year=year, day_first=day_first)
        ]
        if dated and (len(dated) >= 2 or dated[0] != grouped[0][0]):
            starts[index] = dated
    return starts


def _name_day(source: str) -> date | None:
    """The one day a file's name gives in full (`2024-06-10.md`), not a week or month."""
    found = find_date(PurePosixPath(source).stem.replace("_", "-"), limit=80)
    if found is None or found.yearless or found.until is not None:
        return None
    return found.day


def _heading_date_conflict(
    source: str,
    layout: Layout,
    segments: list[Segment],
    blocks: list[Block],
    front_matter: dict[str, Any],
) -> tuple[date, date, int] | None:
    """A one-note file whose single dated top heading disagrees with the full date in its
    name (`2024-06-10.md` opening `# 2024-06-03 study log`): (heading's date, name's date,
    line). The name wins: a heading copied from an older note is the likelier slip."""
    named = _name_day(source)
    if named is None or _as_date(front_matter.get("date")) is not None:
        return None
    if layout.name == SINGLE:
        if layout.title_index < 0:
            return None
        title = blocks[layout.title_index]
        found = find_date(title.text, year=named.year)
        if found is None or found.yearless or found.day == named:
            return None
        if found.until is not None and found.day <= named <= found.until:
            return None
        return found.day, named, title.line
    dated = [seg for seg in segments if seg.date is not None]
    if len(segments) != 1 or len(dated) != 1 or len(layout.opened) != 1:
        return None
    seg = dated[0]
    assert seg.date is not None
    if blocks[seg.start].kind != "heading" or seg.date == named:
        return None
    if seg.until is not None and seg.date <= named <= seg.until:
        return None
    written = find_date(blocks[seg.start].text, year=named.year)
    if written is not None and written.yearless:
        return None  # `## Mar 3`: no year written to disagree with
    return seg.date, named, seg.line


_CONTAINED = (DATED, DATED_LIST, DATED_LINES, DATED_TABLE)


def _containers(
    blocks: list[Block], segments: list[Segment], layout: Layout, file_title: str | None
) -> dict[int, str]:
    """The heading each entry sits under (`## Week 3` over its days, `## Papers` over a
    dated list), by the entry's first block: the entry's category, so a search for it
    finds the entries it holds. Not the file's title (the only heading at its level,
    or the one it is named by), nor a heading that is an entry."""
    starts = {seg.start for seg in segments}
    levels = Counter(block.level for block in blocks if block.kind == "heading")
    title = _fold(file_title) if file_title else None
    found: dict[int, str] = {}
    stack: list[tuple[int, str | None]] = []  # (level, text; None for an entry heading)
    for index, block in enumerate(blocks):
        if block.kind == "heading" and not block.quote and block.footnote is None:
            while stack and stack[-1][0] >= block.level:
                stack.pop()
            named = (
                None
                if index in starts
                or index == layout.title_index
                or levels[block.level] == 1
                or _fold(block.text) == title
                or find_date(block.text) is not None  # a day or month: the date says it
                else block.text
            )
            stack.append((block.level, named))
        if index in starts:
            above = [name for level, name in stack if level < _level_of(blocks[index])]
            if above and above[-1]:
                found[index] = " ".join(above[-1].split()).rstrip(":：").strip()
    return found


def _level_of(block: Block) -> int:
    """How deep a block that opens an entry sits: a heading's level, else below all."""
    return block.level if block.kind == "heading" else 99


def _outline_point(block: Block) -> bool:
    """Whether a heading opens with only a section's number (`1-2. Loops`, `3. Intro`)."""
    found = lesson_heading(block.text) if block.kind == "heading" else None
    return found is not None and found.group("bare") is not None


def _preamble_backlog(
    blocks: list[Block], preamble: list[int], under: Sequence[frozenset[str]], layout: Layout
) -> Segment | None:
    """The lines right under the file's title, above the first entry, as an entry of
    their own when a TODO label names a list there with open tasks (`**Todos**` and its
    items, above the days): a backlog feeds the agenda, as one under a heading of its own
    does. None when they hold none."""
    members = [
        index
        for index in preamble
        if index != layout.title_index and blocks[index].footnote is None
    ]
    while members and blocks[members[0]].kind == "heading" and blocks[members[0]].level == 1:
        members.pop(0)  # the file's title
    # (a heading above the days with a list of its own is read by the layout: only the
    # lines right under the title are looked at here)
    heading = next((n for n, i in enumerate(members) if blocks[i].kind == "heading"), None)
    members = members[:heading]
    if not members:
        return None
    # Only a list a TODO label names: goals, plans and targets above the days (`목표`,
    # `Plan`, boxes ticked or not) are what the log is for, not its backlog.
    if not any(blocks[i].kind == "item" and labels.TODO in under[i] for i in members):
        return None
    todos = extract.entry_todos([blocks[i] for i in members], [under[i] for i in members])
    if not any(not todo.done for todo in todos):
        return None
    first = blocks[members[0]]
    return Segment(members[0], first.line, first.text.split("\n", 1)[0].strip(), blocks=members)


def _preamble_day(blocks: list[Block], preamble: Sequence[int], day_first: bool) -> date | None:
    """The one day the lines before a file's first entry say, each by a line or heading
    that is only that date (with its year); None when they say none or several."""
    days = set()
    for index in preamble:
        block = blocks[index]
        if block.kind in ("heading", "para") and block.footnote is None:
            day = only_date(block.text.split("\n", 1)[0], day_first=day_first)
            if day is not None:
                days.add(day)
    return days.pop() if len(days) == 1 else None


_DAY_NUMBER = re.compile(r"(?P<d>\d{1,2})\s?[日일]?")
_FOLDER_MONTH = re.compile(
    r"(?<!\d)(?P<y>(?:19|20)\d\d)[-_. 年]?\s?(?P<m>0?[1-9]|1[0-2])\s?[月월]?$"
)
"""A folder named by its year and month, last in its name (`study_2024_03`, `202403`)."""
_MONTH_FOLDER = re.compile(r"(?P<m>0?[1-9]|1[0-2])(?!\d)(?:[-_ .][^\W\d_]+)?")
_YEAR_FOLDER = re.compile(r"(?:19|20)\d\d")


def name_date(source: str) -> date | None:
    """The date a note's path gives: in its file name (`2024-03-14-attention.md`), or
    a day number named by a folder of its year and month (`study_2024_03/7.md`)."""
    path = PurePosixPath(source)
    named = filename_date(path.stem)
    if named is not None or not path.parent.name:
        return named
    day = _DAY_NUMBER.fullmatch(path.stem)
    if day is None:
        return None
    month = _FOLDER_MONTH.search(path.parent.name)
    if month is not None:
        year, number = month["y"], month["m"]
    else:  # `2024/03/07.md`, `2024/03-March/07.md`
        month = _MONTH_FOLDER.match(path.parent.name)
        if month is None or not _YEAR_FOLDER.fullmatch(path.parent.parent.name):
            return None
        year, number = path.parent.parent.name, month["m"]
    try:
        return date(int(year), int(number), int(day["d"]))
    except ValueError:
        return None


def _one_note(source: str, front_matter: dict[str, Any]) -> tuple[str | None, date | None]:
    """Why a file is one note (a date in its name or front matter), and that date."""
    stem = PurePosixPath(source).stem
    written = _as_date(front_matter.get("date"))
    if written is not None:
        return "its front matter has a date", written
    named = name_date(source)
    if named is not None:
        return "its file name holds a date", named
    yearless = find_date(stem.replace("_", " ").replace("-", " "), year=2000)
    if yearless is not None and yearless.yearless:
        return "its file name holds a date (without a year)", None
    return None, None


def _forced_layout(
    source: str, front_matter: dict[str, Any], warnings: list[IndexWarning]
) -> str | None:
    settings = front_matter.get("tilbook")
    if not isinstance(settings, dict) or "layout" not in settings:
        return None
    name = str(settings["layout"]).strip()
    if name not in LAYOUTS:
        warnings.append(
            IndexWarning(
                source,
                f"front matter asks for layout {name!r}, which tilbook does not know; "
                f"use one of {', '.join(LAYOUTS)}",
                1,
            )
        )
        return None
    return name


def blank_front_matter(text: str, lines: int) -> str:
    if not lines:
        return text
    parts = text.split("\n", lines)
    rest = parts[lines] if len(parts) > lines else ""
    return "\n" * lines + rest


def _footnotes(
    source: str, blocks: list[Block], lines: Sequence[str], warnings: list[IndexWarning]
) -> dict[str, tuple[Footnote, list[Link]]]:
    """Footnote definitions by label, with the links they contain."""
    found: dict[str, tuple[Footnote, list[Link]]] = {}
    for block in blocks:
        if block.kind == "para" and block.depth == 0 and block.footnote in (None, block.footnote):
            source_line = lines[block.line - 1] if block.line <= len(lines) else ""
            malformed = _MALFORMED_FOOTNOTE.match(source_line.lstrip())
            if malformed:
                label = malformed.group(1)
                warnings.append(
                    IndexWarning(
                        source,
                        f"malformed footnote definition '[^ {label}]:' (space after '^'); "
                        f"read as footnote {label}. Write it as '[^{label}]:'",
                        block.line,
                    )
                )
                block.footnote = label
        if block.footnote is None:
            continue
        text = _FOOTNOTE_LABEL.sub("", extract.plain_lines(block)).strip()
        links = extract.entry_links([block])
        if block.footnote in found:
            note, known = found[block.footnote]
            note.text = f"{note.text}\n{text}".strip()
            note.end_line = max(note.end_line, block.end_line)
            known.extend(links)
        else:
            found[block.footnote] = (
                Footnote(block.footnote, text, block.line, block.end_line),
                links,
            )
    return found


def _template_lines(blocks: list[Block], segments: Sequence[Segment]) -> set[str]:
    """The lines a file's entries share (`### What went well`, `- Goals from last week`):
    the headings, paragraphs and items (their first lines, folded) found in at least half
    of its entries and in two or more. They are a template's fields, filled in anew in each
    entry: never what one entry is about."""
    if len(segments) < 2:
        return set()
    counts: Counter[str] = Counter()
    for seg in segments:
        counts.update(
            {
                _fold(blocks[index].text.split("\n", 1)[0])
                for index in seg.blocks
                if index != seg.start and blocks[index].kind in ("heading", "para", "item")
            }
        )
    need = max(2, (len(segments) + 1) // 2)
    return {line for line, count in counts.items() if count >= need and line}


def _title_from(
    blocks: list[Block],
    segment_: Segment,
    template: set[str] | frozenset[str] = frozenset(),
    *,
    past_opener: bool = False,
) -> str | None:
    for index in segment_.blocks:
        if index == segment_.date_line or (past_opener and index == segment_.start):
            continue
        block = blocks[index]
        if index == segment_.start and block.kind == "heading" and not segment_.marker:
            continue
        if block.kind == "heading" and labels.label_kinds(block.text):
            continue  # a `TODO` heading names what follows; it is not what the entry is about
        if template and index != segment_.start:
            if _fold(block.text.split("\n", 1)[0]) in template:
                continue  # a field every entry has: what is written under it says more
        if extract.tags_line(block.text.split("\n", 1)[0]) is not None:
            continue  # a line of tags
        if block.kind == "item" and _is_label(block.text):
            continue  # `- todos` names the list under it
        if block.kind == "para" and extract.is_task_line(block.text.split("\n", 1)[0]):
            continue  # a task names what is still to do, not what the entry is about
        linked = _leading_link_text(block)
        if linked and segment_.dated and index == segment_.start:
            found = opening_date(linked, year=segment_.date.year if segment_.date else None)
            if found is not None:
                linked = without_date(linked, found)  # `[2023-12-04 notes](…)` → `notes`
        if linked:
            return first_sentence(linked)
        if block.kind not in ("para", "item", "heading"):
            continue
        text = _title_text(block)
        if block.quote and text.startswith("[!"):
            text = CALLOUT_MARKER.sub("", text, count=1)  # `> [!note] Title`
        if segment_.marker and index == segment_.start:
            text = strip_marker(text)
        if segment_.dated and index == segment_.start:
            first, _, rest = text.partition("\n")
            found = opening_date(first, year=segment_.date.year if segment_.date else None)
            if found is not None:
                first = without_date(first, found)  # `Day 2: May 6, 2024` → `Day 2`
                text = f"{first}\n{rest}" if first.strip() else rest
        text = without_trailing_tags(text)
        if text.strip():
            sentence = first_sentence(text)
            if sentence:
                return sentence
    return None


_COMMENT_LINE = re.compile(r"^\[//\]:\s*#\s*[(\"'](?P<said>.*)[)\"']\s*$")
"""A Markdown comment (`[//]: # (Keywords: #a, #b)`): hidden when rendered, but written."""


def _comment_tags(lines: Sequence[str], first: int, last: int) -> list[str]:
    """Tags written in Markdown comment lines of an entry (`[//]: # (Keywords: #a)`)."""
    found: list[str] = []
    for text in lines[first - 1 : last]:
        if text.startswith("[//]:"):
            said = _COMMENT_LINE.match(text)
            if said is not None:
                found.extend(
                    extract.tags_line(said.group("said")) or extract.tags_in(said.group("said"))
                )
    return found


def _fold(text: str) -> str:
    return " ".join(text.casefold().split()).strip(" ?？")


def _aside_counter(title: str) -> bool:
    """A title that is only a counter in brackets beside the date (`(153日目)`,
    `(Day 12)`): an aside that names nothing."""
    return title[:1] in "(（[" and title[-1:] in ")）]" and _bare_number(title[1:-1])


def _bare_number(title: str) -> bool:
    """A title that is only a numbered marker (`Entry 3`, `Lesson 2`, `第3回`)."""
    match = lesson_heading(title)
    return match is not None and not (
        match.group("title") or match.group("title2") or match.group("cjk_title")
    )


def _is_label(text: str) -> bool:
    words = text.strip().rstrip(":：").split()
    return bool(labels.label_kinds(text)) and (
        text.rstrip().endswith((":", "：")) or len(words) <= 3
    )


def _leading_link_text(block: Block) -> str:
    """The words of a link that opens a block when what follows only annotates it
    (`- [Paper title](url) [[notes](…)] <kbd>ICLR</kbd>`), else ``."""
    found: list[str] = []
    rest = ""
    for kind, text, _ in block.pieces:
        if kind == LINK_TEXT and not rest:
            found.append(text)
        elif not found and not text.strip():
            continue
        elif not found:
            return ""
        else:
            rest += text
            if len(rest) > 3:
                break
    after = rest.lstrip()
    if found and (not after or after[0] in "[<(|—–-:"):
        return "".join(found).strip()
    return ""


_TITLE_LABEL = re.compile(
    r"^[*_]{0,2}(?:title|titel|titre|título|titulo|titolo|topic|thema|tema|sujet|"
    r"제목|주제|标题|標題|主题|題名|タイトル|テーマ)[*_]{0,2}\s?[:：][*_]{0,2}\s*(?P<title>\S.*)$",
    re.IGNORECASE,
)


def _labelled_title(blocks: list[Block], seg: Segment) -> str | None:
    """A `Title: …` line among the first lines of an entry opened by a bare number heading
    (`## Entry 3` then `**Title:** Learning rate sweep`)."""
    for index in seg.blocks[1:4]:
        for line in blocks[index].text.split("\n")[:4]:
            found = _TITLE_LABEL.match(line.strip())
            if found is not None and not found.group("title").startswith("["):
                return first_sentence(found.group("title"))
    return None


def without_trailing_tags(text: str) -> str:
    """`text` without the tags that end it (`… value functions #RL #Transformers`): they
    are not the title's words. Each tag follows white space; read from the right, so a
    line of many tags costs linear time."""
    kept = text.rstrip()
    cut = None
    while (mark := kept.rfind("#")) >= 1:
        name = kept[mark + 1 :]
        before = kept[:mark].rstrip()
        if not name or any(char.isspace() for char in name) or len(before) == mark:
            break
        cut = kept = before
    return text if cut is None else cut


_LONE_BREAK = re.compile(r"^ {0,3}<(?:br|hr)\s*/?>[ \t]*$", re.IGNORECASE | re.MULTILINE)


def _without_lone_breaks(text: str) -> str:
    """A line that is only `<br>` (or `<hr>`), used to space days apart, as a blank line.

    CommonMark reads it as the start of an HTML block that runs to the next blank line,
    so a `# 2025-08-15` right under it would be HTML text and no heading; the writer
    meant a gap. Lines inside fenced code stay as they are."""
    if "<" not in text or _LONE_BREAK.search(text) is None:
        return text
    lines = text.split("\n")
    for number, line in list(lines_outside_code(lines)):
        if _LONE_BREAK.match(line):
            lines[number] = ""
    return "\n".join(lines)


_TITLE_BRACKETS = (("[", "]"), ("【", "】"), ("〔", "〕"))
_HIGHLIGHT = re.compile(r"(?<![\w=])==([^\s=](?:[^=\n]*[^\s=])?)==(?![\w=])")
"""Obsidian's highlight (`==words==`), not `a==b`."""


def _unmarked(title: str) -> str:
    """A title as it reads: without highlight marks or a block id at its end (`^fact-1`),
    which Obsidian shows as neither, nor brackets around all of it (`[Day 1]`)."""
    for opener, closer in _TITLE_BRACKETS:
        if title.startswith(opener) and title.endswith(closer) and len(title) > 2:
            inner = title[1:-1]
            if opener not in inner and closer not in inner and inner.strip():
                title = inner.strip()
    if "==" in title:
        title = _HIGHLIGHT.sub(r"\1", title)
    if "^" in title:
        found = BLOCK_ID.search(title)
        if found is not None and found.start() > 0:
            title = title[: found.start()].rstrip()
    return title


def _title_text(block: Block) -> str:
    """The block's text for a title: up to a bare URL in it (titles read better without)."""
    if not any(kind == URL for kind, _, _ in block.pieces):
        return block.text
    before: list[str] = []
    for kind, piece, _ in block.pieces:
        said = ENTRY_MARKER.sub("", "".join(before), count=1).strip()
        if kind == URL:
            if said:
                break
            continue  # a URL first: the title comes from what follows it
        if kind == BREAK and said:
            break
        before.append(piece)
    text = " ".join("".join(before).split())
    return text.rstrip(" :-–—(,;").strip() or block.text


def _file_title(
    source: str, front_matter: dict[str, Any], blocks: list[Block], layout: Layout
) -> str | None:
    """The front matter's title, else the document's title heading, else its lone H1."""
    title = front_matter.get("title")
    if isinstance(title, (str, int, float)) and str(title).strip():
        return str(title).strip()
    index = layout.title_index
    if index < 0:
        h1 = [
            i
            for i, block in enumerate(blocks)
            if block.kind == "heading" and block.level == 1 and block.depth == 0
        ]
        index = h1[0] if len(h1) == 1 else -1
    if index < 0:
        return None
    text = blocks[index].text.strip()
    found = find_date(text)
    if found is not None:
        text = without_date(text, found)
    return undecorated(text).rstrip(":： ") or None


def _single_date(
    blocks: list[Block], layout: Layout, year: int | None, day_first: bool
) -> date | None:
    """The date a one-note file writes for itself: in its title heading, in a label line
    near its top (`日期：2025-11-03`, `**Date:** …`), or opening its first line."""
    candidates = []
    if layout.title_index >= 0:
        candidates.append((blocks[layout.title_index].text, False))
    content = [b for b in blocks if b.footnote is None]
    for position, block in enumerate(content[:4]):
        if block.kind in ("para", "heading"):
            for number, line in enumerate(block.text.split("\n")[:4]):
                # The note's very first line may carry its date anywhere
                # (`**Day 7 - 13th July, 2018:** …`); later lines only at their start.
                candidates.append((line, position > 0 or number > 0))
    for text, at_start in candidates:
        label = _LABEL.match(text) if at_start else None
        rest = text[label.end() :] if label else text
        found = find_date(rest, year=year, day_first=day_first, at_start=at_start)
        if found is not None:
            return found.day
    return None


_LABEL = re.compile(r"^[*_]{0,2}[^\W\d_][^:：\n]{0,30}?[*_]{0,2}\s?[:：][*_]{0,2}\s*")


def _name_title(source: str) -> str:
    """A title from the file name: `2024-03-14-attention-recap.md` → `attention recap`."""
    stem = PurePosixPath(source).stem
    found = find_date(stem.replace("_", "-"), at_start=True)
    if found is not None:
        stem = stem[found.end :]
    return re.sub(r"[-_]+", " ", stem).strip(" -_") or PurePosixPath(source).stem


_GENERIC_NAMES = frozenset(
    {"readme", "index", "notes", "note", "untitled", "journal", "log", "today", "draft", "til"}
)


def _names_nothing(source: str) -> bool:
    """Whether a file's name says nothing of its note (`README.md`, `2024-03-14.md`)."""
    path = PurePosixPath(source)
    name = _name_title(source)
    return (
        path.stem.casefold() in _GENERIC_NAMES
        or name.casefold() in _GENERIC_NAMES
        or not any(char.isalpha() for char in name)
    )


def _first_words(blocks: list[Block], year: int | None) -> str | None:
    """The note's first sentence, without a date it opens with and its label colon."""
    for block in blocks:
        if block.footnote is not None or block.kind not in ("para", "item", "heading"):
            continue
        if block.kind == "heading" and labels.label_kinds(block.text):
            continue
        if extract.tags_line(block.text.split("\n", 1)[0]) is not None:
            continue
        text = _title_text(block).split("\n", 1)[0]
        found = find_date(text, year=year)
        if found is not None and found.start < 40:
            text = without_date(text, found)
        text = re.sub(r"^\*\*([^*]+)\*\*", r"\1", text).replace("**", "")
        sentence = first_sentence(text)
        if sentence:
            return sentence
    return None


def _end_lines(lines: Sequence[str], starts: list[int], cuts: list[int]) -> list[int]:
    """Each entry ends before the next entry or cut starts, without trailing blank lines."""
    boundaries = sorted({*starts, *cuts})
    ends = []
    for start in starts:
        following = bisect_right(boundaries, start)
        end = boundaries[following] - 1 if following < len(boundaries) else len(lines)
        while end > start and not lines[end - 1].strip():
            end -= 1
        ends.append(end)
    return ends


def _opening(blocks: list[Block], seg: Segment) -> set[int]:
    """The blocks that open an entry: its heading and the date line under it."""
    first = blocks[seg.start]
    if first.kind != "heading" or seg.marker:
        return set()
    opening = {seg.start}
    if seg.date_line >= 0:
        opening.add(seg.date_line)
    else:
        following = next((i for i in seg.blocks if i > seg.start), -1)
        if (
            following >= 0
            and blocks[following].kind == "para"
            and blocks[following].depth == 0
            and only_date(blocks[following].text.split("\n", 1)[0])
        ):
            opening.add(following)
    return opening


def _anchors(blocks: list[Block], seg: Segment, lines: Sequence[str], end_line: int) -> list[str]:
    """What a link can point at in an entry (see `Entry.anchors`): its opening heading's
    text (`""` when none opens it), its other headings' text, its block ids as `^id`."""
    first = blocks[seg.start]
    opening = first.text.strip() if first.kind == "heading" and not seg.marker else ""
    inner = [
        blocks[i].text.strip()
        for i in seg.blocks
        if i != seg.start and blocks[i].kind == "heading" and blocks[i].text.strip()
    ]
    ids = ["^" + found for found in notelinks.block_ids(lines[seg.line - 1 : end_line])]
    return [opening, *inner, *ids]


def _is_label_line(block: Block) -> bool:
    text = block.text
    return (
        block.kind == "para"
        and block.depth == 0
        and "\n" not in text
        and text.rstrip().endswith((":", "："))
    )


_AROUND_DATE = "*_`[]【】 \t"
_AFTER_DATE = "*_`]】:：-–—|,. \t"


def _opening_text(block: Block, seg: Segment) -> str:
    """The text of the block that opens an entry, without what opens it: its date (the
    entry's date already) or its `(#Tag)` marker (the entry's tags), as the pages show it."""
    text = extract.plain_lines(block)
    if seg.marker:
        text = strip_marker(text)
    return _without_opening_date(text, seg) if seg.dated else text


def _without_opening_date(text: str, seg: Segment) -> str:
    """A dated line's text without the date it opens with (the entry's date already)."""
    first, _, rest = text.partition("\n")
    jrnl = JRNL_HEADER.match(first)
    found = find_date(first, year=seg.date.year if seg.date else None)
    if jrnl is not None:
        first = first[jrnl.end() :].strip()  # `[2024-03-14 09:12] ` with its time
    elif found is not None and found.start < 20:
        first = without_date(first, found)
    return f"{first}\n{rest}".strip() if rest else first


def _dated_opener_spans(blocks: list[Block], lines: Sequence[str], seg: Segment) -> list[Span]:
    """Where the date that opens a list item, line or table row is written (it is the
    entry's date, shown as such), and for a row the table's header it needs."""
    spans: list[Span] = []
    source = lines[seg.line - 1]
    found = find_date(source, year=seg.date.year if seg.date else None)
    jrnl = JRNL_HEADER.match(source)
    if jrnl is not None:
        spans.append(Span("date", seg.line, seg.line, text=source[: jrnl.end()]))
    elif found is not None:
        start, end = found.start, found.end
        while start > 0 and source[start - 1] in _AROUND_DATE:
            start -= 1
        while end < len(source) and source[end] in _AFTER_DATE:
            end += 1
        if blocks[seg.start].kind == "row":
            start, end = found.start, found.end  # keep the table's pipes
        spans.append(Span("date", seg.line, seg.line, text=source[start:end]))
    if blocks[seg.start].kind == "row":
        for index in range(seg.start - 1, -1, -1):
            block = blocks[index]
            if block.kind != "row":
                break
            if block.level:
                spans.append(Span("head", block.line, block.line + 1))
                break
    return spans


def _spans(
    blocks: list[Block], lines: Sequence[str], seg: Segment, opening: set[int]
) -> list[Span]:
    """The structure of an entry, as line spans (see `tilbook.model.Span`)."""
    spans: list[Span] = []
    if opening:
        first = min(blocks[i].line for i in opening)
        last = max(blocks[i].end_line for i in opening)
        spans.append(Span("opening", first, last))
    if seg.marker and seg.line <= len(lines):
        written = ENTRY_MARKER.match(lines[seg.line - 1])
        if written is not None:
            spans.append(Span("marker", seg.line, seg.line, text=written.group()))
    if seg.dated and seg.line <= len(lines):
        spans.extend(_dated_opener_spans(blocks, lines, seg))
    members = seg.blocks
    for position, index in enumerate(members):
        block = blocks[index]
        if index in opening:
            continue
        if block.kind == "heading":
            spans.append(Span("heading", block.line, block.end_line, level=block.level))
        elif _is_label_line(block):
            covers = block.end_line
            for later in members[position + 1 :]:
                if blocks[later].depth == 0:
                    break
                covers = max(covers, blocks[later].end_line)
            if covers > block.end_line:
                spans.append(Span("label", block.line, block.end_line, covers=covers))
    return spans


def _doubts(layout: Layout, entries: list[Entry], lines: Sequence[str]) -> list[str]:
    """What a person would check in this reading: undated entries in a dated layout, one
    entry holding most of a long file."""
    found = []
    if layout.name not in (SINGLE, LESSONS, SECTIONS):
        undated = sum(1 for entry in entries if entry.date is None)
        if undated:
            found.append(f"{undated} of {len(entries)} entries have no date")
    if layout.name != SINGLE and len(lines) >= GIANT_ENTRY_LINES:
        for entry in entries:
            if (entry.end_line - entry.line + 1) * 2 > len(lines):
                found.append(
                    f"one entry (line {entry.line}) holds {entry.end_line - entry.line + 1} "
                    f"of {len(lines)} lines"
                )
                break
    return found


GIANT_ENTRY_LINES = 200
"""A file at least this long whose one entry holds most of it looks misread."""
MEND_WITHIN_DAYS = 62
"""A year is mended only when that puts the entry this close to its neighbours."""


NEW_YEAR_MONTHS = 6
"""A step back of at least this many months between two dates read without a year, in
a log in date order, is the turn of a year (`December 30` … `January 2`)."""


def _roll_over_new_year(entries: list[Entry], guessed: list[bool]) -> None:
    """Dates written without a year (the file's year given them) in a log that crosses
    New Year: after the turn they take the next year (newest first: before it, the
    later one), the oldest keeping the file's. A lone step back that the next date
    undoes is an entry out of place, not a new year."""
    found = [
        (position, date.fromisoformat(entry.date))
        for position, (entry, inferred) in enumerate(zip(entries, guessed, strict=True))
        if inferred and entry.date
    ]
    leap_days = {position for position, day in found if (day.month, day.day) == (2, 29)}
    if len(found) < 2 or len({day.year for p, day in found if p not in leap_days}) != 1:
        return
    keys = [(day.month, day.day) for _, day in found]
    ups = sum(1 for a, b in itertools.pairwise(keys) if b > a)
    downs = sum(1 for a, b in itertools.pairwise(keys) if b < a)
    if ups == downs:
        return
    direction = 1 if ups > downs else -1

    def turns(a: tuple[int, int], b: tuple[int, int]) -> bool:
        """Whether going from `a` to `b` turns the year, in the log's direction."""
        return (a[0] - b[0]) * direction >= NEW_YEAR_MONTHS

    offsets = [0]
    for number in range(1, len(keys)):
        step = 0
        if turns(keys[number - 1], keys[number]):
            undone = number + 1 < len(keys) and turns(keys[number + 1], keys[number])
            step = 0 if undone else direction
        offsets.append(offsets[-1] + step)
    low = min(offsets)
    for (position, day), offset in zip(found, offsets, strict=True):
        if position in leap_days:
            continue  # read in the leap year after the file's already (`_read`)
        if offset != low:
            try:
                entries[position].date = day.replace(year=day.year + offset - low).isoformat()
            except ValueError:  # 29 February in a year without one: left as read
                continue


def _mend_years(entries: list[Entry], source: str, warnings: list[IndexWarning]) -> None:
    """Dates whose year is plainly a slip, read as the neighbours say, with a warning.

    A log in date order (either way) where one entry's year alone breaks the order
    (`January 2, 2023` after `December 30, 2023`, `2012` between two `2022` days,
    `09.05.2021` after `07.05.2023`) is read with the neighbours' year that puts it
    back between them, within two months of them. Entries opened by headings, list
    items, lines and table rows are mended alike.
    """
    dated = [(position, date.fromisoformat(e.date)) for position, e in enumerate(entries) if e.date]
    if len(dated) < 3:
        return
    days = [day for _, day in dated]
    steps = [later > earlier for earlier, later in itertools.pairwise(days) if later != earlier]
    ascending = sum(steps) * 2 >= len(steps)

    def fits(day: date, before: date | None, after: date | None) -> bool:
        low, high = (before, after) if ascending else (after, before)
        return (low is None or day >= low) and (high is None or day <= high)

    def close(a: date, b: date) -> bool:
        return abs((a - b).days) <= MEND_WITHIN_DAYS

    for number, (position, day) in enumerate(dated):
        before = dated[number - 1][1] if number > 0 else None
        after = dated[number + 1][1] if number + 1 < len(dated) else None
        if fits(day, before, after):
            continue
        # Only a date far from neighbours that agree with each other is a slip.
        if before is not None and after is not None:
            around = (before, after)
        elif before is not None and number >= 2:
            around = (dated[number - 2][1], before)
        elif after is not None and number + 2 < len(dated):
            around = (after, dated[number + 2][1])
        else:
            continue
        if not close(*around) or any(close(day, other) for other in around):
            continue
        candidates = []
        near = [n for n in (before, after) if n is not None]
        # The neighbours' year, or the next or last one (a log crossing New Year).
        for year in sorted({n.year + step for n in (*near, *around) for step in (-1, 0, 1)}):
            try:
                other = day.replace(year=year)
            except ValueError:
                continue
            if fits(other, before, after) and all(
                abs((other - n).days) <= MEND_WITHIN_DAYS for n in near
            ):
                candidates.append(other)
        if len(candidates) != 1:
            continue
        mended = candidates[0]
        entry = entries[position]
        warnings.append(
            IndexWarning(
                source,
                f"date {day.isoformat()} read as {mended.isoformat()}: the entries around it "
                "say so (a year typo?); write the year to silence this warning",
                entry.line,
            )
        )
        entry.date = mended.isoformat()
        dated[number] = (position, mended)


_HASHTAGS_ONLY = re.compile(r"\s*(?:#[^\s#]+[\s,]*)+")


def _closing_tags_for_all(entries: list[Entry], blocks: list[Block]) -> None:
    """A line of tags closing a note of sections (`#course #data-structures`) tags the
    whole note, as front-matter tags do, not only its last section; unless sections
    carry tag lines of their own (then it is the last one's)."""
    lines = [
        (index, found)
        for index, block in enumerate(blocks)
        if block.kind == "para"
        and (
            found := extract.tags_line(block.text)
            or (extract.tags_in(block.text) if _HASHTAGS_ONLY.fullmatch(block.text) else None)
        )
    ]
    if len(lines) != 1 or lines[0][0] != len(blocks) - 1 or len(entries) < 2:
        return
    for entry in entries:
        entry.tags = extract.unique([*entry.tags, *lines[0][1]])


PLACEHOLDER_RUN = 3
"""Days in a row, at an end of the file, saying the same few words: days made ahead
from a template (`Note content`, `TBD`), not written yet."""
_PLACEHOLDER_WORDS = 4


def _drop_placeholder_days(entries: list[Entry]) -> list[Entry]:
    """`entries` without the run of days at the start or end of the file whose whole
    text is one placeholder, as empty days made ahead are not entries either (a log
    whose every day says the same keeps them: that is what it says)."""

    def placeholder(entry: Entry) -> str | None:
        text = _fold(entry.body)
        if (
            entry.date is None
            or not text
            or len(text.split()) > _PLACEHOLDER_WORDS
            or entry.links
            or entry.todos
            or entry.questions
        ):
            return None
        return text

    said = [placeholder(entry) for entry in entries]
    keep = list(entries)
    for ordered in (range(len(entries) - 1, -1, -1), range(len(entries))):
        run: list[int] = []
        for position in ordered:
            if said[position] is None or (run and said[position] != said[run[0]]):
                break
            run.append(position)
        if PLACEHOLDER_RUN <= len(run) < len(entries):
            dropped = set(run)
            keep = [entry for position, entry in enumerate(entries) if position not in dropped]
            break
    return keep


def _drop_template_prompts(
    entries: list[Entry], blocks: list[Block], contexts: Sequence[frozenset[str]]
) -> None:
    """A question asked word for word in several places of the file (entries, template
    stubs) is a template's prompt (`> 2. What did you set out to find out?` in every
    session), not an open question."""
    if not any(entry.questions for entry in entries):
        return
    asked = Counter(_fold(q.text) for q in extract.entry_questions(blocks, contexts))
    if any(count >= 2 for count in asked.values()):
        for entry in entries:
            entry.questions = [q for q in entry.questions if asked[_fold(q.text)] < 2]


def parse_source(src: SourceText, hints: FileHints | None = None) -> ParsedFile:
    """Parse one decoded note file; `hints` are what `tilbook.toml` says of it."""
    hints = hints or FileHints()
    warnings = list(src.warnings)
    front_matter = src.front_matter
    # Obsidian comments (`%% … %%`) are the writer's alone: never indexed nor published.
    text = _without_lone_breaks(
        without_comments(blank_front_matter(src.text, src.front_matter_lines))
    )
    blocks = html_headings(parse_blocks(text))
    lines = src.text.split("\n")
    if lines and lines[-1] == "":
        lines.pop()
    footnotes = _footnotes(src.source, blocks, lines, warnings)
    forced = _forced_layout(src.source, front_matter, warnings)
    forced_by = "front matter (tilbook: layout)"
    if hints.layout:
        forced, forced_by = hints.layout, "tilbook.toml"
    elif hints.entry_level or hints.entry_pattern:
        forced_by = "tilbook.toml"
    has_title = isinstance(front_matter.get("title"), (str, int, float))
    year = _file_year(src.source, front_matter, blocks)
    if year is None and _YEAR_WRITTEN.search(_ANY_URL.sub(" ", src.text)) is None:
        year = _weekday_year(blocks)
    day_first = (
        hints.date_order == "dmy"
        if hints.date_order
        else slash_dates_day_first(block.text[:40] for block in blocks[:400])
    )
    blocks = split_lines(blocks, _dated_line_starts(blocks, year, day_first))
    one_note, note_day = _one_note(src.source, front_matter)
    layout = detect(
        blocks,
        has_title,
        forced,
        year,
        one_note=one_note,
        file_day=name_date(src.source),
        level=hints.entry_level,
        pattern=hints.entry_pattern,
        day_first=day_first if hints.date_order else None,
        forced_by=forced_by,
    )
    segments, preamble, cuts = segment(blocks, layout)
    under = labels.contexts(blocks)
    backlog = _preamble_backlog(blocks, preamble, under, layout)
    if backlog is not None and segments:
        segments.insert(0, backlog)
        preamble = [index for index in preamble if index not in backlog.blocks]
    glossary = extract.glossary_items(blocks)
    # A question that is also a heading of the file is a contents line: that section
    # answers it (`* What is the normal equation?` … `### What is the normal equation?`).
    heading_texts = {_fold(block.text) for block in blocks if block.kind == "heading"}
    file_tags = front_matter_tags(front_matter)
    file_title = _file_title(src.source, front_matter, blocks, layout)
    file_title = _unmarked(file_title) if file_title else file_title
    template = _template_lines(blocks, segments)
    # A title most entries would share (`## 20250220 progress`, `- [2023-12-04 details](…)`)
    # is a template's word: what the entry says after its opener names it.
    first_titles = [seg.title or _title_from(blocks, seg, template) for seg in segments]
    said = Counter(_fold(title) for title in first_titles if title)
    shared = (
        {words for words, count in said.items() if count >= max(2, (len(segments) + 1) // 2)}
        if layout.name not in (CATEGORY, LESSONS, SECTIONS, SINGLE)
        else set()
    )

    conflict = _heading_date_conflict(src.source, layout, segments, blocks, front_matter)
    if conflict is not None:
        written, named, at = conflict
        warnings.append(
            IndexWarning(
                src.source,
                f"the heading says {written.isoformat()} but the file name says "
                f"{named.isoformat()}; the note is dated {named.isoformat()} by its name",
                at,
            )
        )
        if layout.name != SINGLE:
            segments[0].date, segments[0].until = named, None
    ends = _end_lines(lines, [seg.line for seg in segments], cuts)
    name_title = _name_title(src.source)  # the title of entries that say none
    containers = (
        _containers(blocks, segments, layout, file_title) if layout.name in _CONTAINED else {}
    )
    # A day's notes in sections, the day written once above them (`# Day 4` /
    # `## 📅 2026-02-02` / `### 1-1. while`): that day is every section's. (Not a series
    # of lessons or weeks: a date above those is when the course began.)
    shared_day = (
        _preamble_day(blocks, preamble, layout.day_first)
        if layout.name == SECTIONS
        or (layout.name == LESSONS and all(_outline_point(blocks[s.start]) for s in segments))
        else None
    )
    occurrences: dict[tuple[date | None, str], int] = {}
    entries: list[Entry] = []
    guessed_years: list[bool] = []  # per entry: its year came from the file, not its words
    for seg, end_line, first_title in zip(segments, ends, first_titles, strict=True):
        members = [blocks[i] for i in seg.blocks]
        member_contexts = [under[i] for i in seg.blocks]
        day = seg.date or shared_day
        title = first_title
        if title and (_fold(title) in shared or _aside_counter(title)):
            title = _title_from(blocks, seg, template, past_opener=True) or title
        if title and blocks[seg.start].kind == "heading" and _bare_number(title):
            title = _labelled_title(blocks, seg) or title
        if layout.name == SINGLE:
            day = note_day or _single_date(blocks, layout, year, layout.day_first)
            title = (
                file_title
                or (_first_words(blocks, year) if _names_nothing(src.source) else None)
                or name_title
            )
        if title:
            title = _unmarked(title)
        if not title:
            title = day.isoformat() if day else name_title
        if seg.weekday_disagrees and day is not None:
            warnings.append(
                IndexWarning(
                    src.source,
                    f"the weekday written beside {day.isoformat()} is not that date's "
                    f"({day.strftime('%A')}); the date is read as written",
                    seg.line,
                )
            )
        key = (day, " ".join(seg.opener.split()))
        occurrence = occurrences.get(key, 0)
        occurrences[key] = occurrence + 1

        links = extract.entry_links(members)
        notes: list[Footnote] = []
        for block in members:
            for label in block.footnote_refs:
                if label in footnotes and all(note.label != label for note in notes):
                    note, note_links = footnotes[label]
                    notes.append(note)
                    links.extend(note_links)
        # The opening heading and date line are the entry's title, date and category
        # (indexed as such), not its text: snippets and excerpts start with what it says.
        opening = _opening(blocks, seg)
        body_parts = [
            _opening_text(blocks[i], seg) if i == seg.start else extract.plain_lines(blocks[i])
            for i in seg.blocks
            if i not in opening
        ]
        body_parts.extend(note.text for note in notes)
        guessed_years.append(day is not None and year_in(seg.opener) is None)
        entries.append(
            Entry(
                id=entry_id(src.source, day, seg.opener, occurrence),
                source=src.source,
                line=seg.line,
                end_line=max(end_line, seg.line),
                layout=layout.name,
                date=day.isoformat() if day else None,
                title=title,
                category=seg.category or containers.get(seg.start),
                tags=extract.unique(
                    [
                        *extract.entry_tags(members, file_tags),
                        *_comment_tags(lines, seg.line, end_line),
                        *(extract.at_tags(members) if layout.name == JRNL else []),
                    ]
                ),
                links=links,
                papers=extract.entry_papers(links),
                todos=extract.entry_todos(members, member_contexts),
                questions=[
                    question
                    for question in extract.entry_questions(members, member_contexts)
                    if _fold(question.text) not in heading_texts
                ],
                terms=extract.entry_terms(members, member_contexts, glossary),
                has_math=extract.has_math(members),
                code_languages=extract.code_languages(members),
                footnotes=notes,
                note_links=notelinks.entry_note_links(members),
                anchors=_anchors(blocks, seg, lines, end_line),
                spans=_spans(blocks, lines, seg, opening),
                body="\n".join(part for part in body_parts if part),
            )
        )

    if layout.name in (SECTIONS, LESSONS):
        _closing_tags_for_all(entries, [block for block in blocks if block.footnote is None])
    if layout.name != SINGLE:
        _roll_over_new_year(entries, guessed_years)
        _mend_years(entries, src.source, warnings)
        entries = _drop_placeholder_days(entries)
    _drop_template_prompts(
        entries,
        [block for block in blocks if block.footnote is None],
        [under[i] for i, block in enumerate(blocks) if block.footnote is None],
    )

    visible = [i for i in range(len(blocks)) if blocks[i].footnote is None]
    targets = extract.file_targets([blocks[i] for i in visible], [under[i] for i in visible])
    preamble_lines = None
    if preamble:
        first = blocks[preamble[0]].line
        last = (segments[0].line - 1) if segments else len(lines)
        preamble_lines = (first, max(first, last))
    return ParsedFile(
        source=src.source,
        layout=layout.name,
        layout_reason=layout.reason,
        title=file_title,
        entries=entries,
        targets=targets,
        front_matter=front_matter,
        preamble=preamble_lines,
        warnings=warnings,
        confidence=layout.confidence,
        doubts=[*layout.doubts, *_doubts(layout, entries, lines)],
    )


# -- one file, one entry, read from disk -------------------------------------------------

MAX_INSPECT_BYTES = 256 * 1_000_000


def read_for_inspection(path: Path, source: str | None = None) -> SourceText:
    """A file read exactly as `tilbook index` reads it, or a clear error."""
    try:
        info = path.stat()
    except OSError as error:
        raise SourceError(f"{path}: cannot be read ({error.strerror})") from error
    text, data = read_source(
        FileStat(source or path.name, path, info.st_size, info.st_mtime_ns),
        max_bytes=MAX_INSPECT_BYTES,
    )
    if data is None or not text.text:
        reasons = "; ".join(w.message for w in text.warnings) or "nothing to read"
        raise SourceError(f"{path}: {reasons}")
    return text


def inspect_file(
    path: Path, source: str | None = None, hints: FileHints | None = None
) -> ParsedFile:
    """Parse `path` exactly as `tilbook index` would, without touching the index.

    `source` is its path in the notes folder (its name and folders can date it) and
    `hints` what `tilbook.toml` says of it.
    """
    return parse_source(read_for_inspection(path, source), hints)


@dataclass(slots=True, frozen=True)
class OtherReading:
    """Another way to read a file, and the `tilbook.toml` hint that chooses it."""

    hint: dict[str, Any]
    layout: str
    reason: str
    entries: int
    dated: int


def other_readings(text: SourceText, current: ParsedFile, limit: int = 3) -> list[OtherReading]:
    """The readings a hint would give instead of `current`, the likeliest first: each
    layout, and each heading level that opens entries, tried in turn."""
    tried: list[OtherReading] = []
    seen = {tuple(entry.line for entry in current.entries)}
    levels = sorted({int(line[1]) for line in _heading_levels(text.text)})
    candidates: list[dict[str, Any]] = [{"layout": name} for name in LAYOUTS]
    candidates += [{"entry_level": level} for level in levels]
    for hint in candidates:
        parsed = parse_source(text, FileHints(**hint))
        lines = tuple(entry.line for entry in parsed.entries)
        if lines in seen or not lines or parsed.layout != hint.get("layout", parsed.layout):
            continue
        seen.add(lines)
        dated = sum(1 for entry in parsed.entries if entry.date)
        tried.append(OtherReading(hint, parsed.layout, parsed.layout_reason, len(lines), dated))
    tried.sort(key=lambda other: (-other.dated, -other.entries))
    return tried[:limit]


_HEADING_LINE = re.compile(r"^(#{1,6})\s", re.MULTILINE)


def _heading_levels(text: str) -> set[str]:
    return {f"h{len(match.group(1))}" for match in _HEADING_LINE.finditer(text)}


def note_lines(root: Path, source: str) -> list[str]:
    """A note's lines as the parser numbers them (decoded as `index` decodes, LF ends)."""
    path = root / source
    try:
        raw = path.read_bytes()
    except OSError as error:
        raise SourceError(
            f"{path}: cannot be read ({error.strerror}); run `tilbook index`"
        ) from error
    decoded = decode(source, raw, [])
    if decoded is None:
        raise SourceError(f"{path}: no longer a text file; run `tilbook index`")
    return normalise_newlines(decoded[0]).split("\n")


class Placed(Protocol):
    """Anything placed in a note by its first and last line (an entry, an edited entry)."""

    @property
    def line(self) -> int: ...

    @property
    def end_line(self) -> int: ...


def entry_lines(lines: Sequence[str], entry: Placed) -> list[str]:
    """The lines of `entry` out of its note's lines: the one way to slice an entry."""
    return list(lines[entry.line - 1 : entry.end_line])


def entry_markdown(root: Path, entry: Entry) -> str:
    """The entry's Markdown as it stands in its file now."""
    return "\n".join(entry_lines(note_lines(root, entry.source), entry))
