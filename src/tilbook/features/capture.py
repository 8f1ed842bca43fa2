"""Add entries to a log in the log's own style.

The journal file is read as it is and its habits are copied: the level and
kind of its date headings (ATX `##` or setext underlines, and the underline's
length), how it writes dates (`2023-08-18`, `2023.08.18`, `18 Aug 2023`, …),
whether it is newest-first or oldest-first, whether entries open with
`(#Tag)` markers, and for category logs the heading + date-line pair. The
new entry is inserted as new bytes; nothing already in the file changes.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, time
from pathlib import Path, PurePosixPath

from tilbook.errors import CaptureError
from tilbook.extract import tags_in, unique
from tilbook.model import Entry, ParsedFile
from tilbook.notes.files import source_from_text
from tilbook.notes.writes import NoteFile, create_note, insert_text, note_lock, read_note
from tilbook.parse.blocks import ENTRY_MARKER, Block, parse_blocks
from tilbook.parse.dates import (
    MAX_YEAR,
    MIN_YEAR,
    find_date,
    format_date_like,
    slash_dates_day_first,
)
from tilbook.parse.layouts import CATEGORY, DATED, JRNL, JRNL_HEADER, category_date
from tilbook.reading import blank_front_matter, parse_source
from tilbook.settings import FileHints
from tilbook.store.base import EntryFilter, EntrySummary, Store

DEFAULT_JOURNAL = "journal.md"
DATED_LAYOUTS = (DATED, CATEGORY, JRNL)
JRNL_DEFAULT_TIME = time(9, 0)
"""The time of a jrnl entry written for another day than today (jrnl's own default)."""


@dataclass(slots=True)
class DayHeading:
    day: date
    line: int
    """The line with the date text."""
    last_line: int
    """The underline for setext headings, else `line`."""
    level: int
    setext: bool
    text: str


@dataclass(slots=True)
class Journal:
    """A dated log file and the habits it shows."""

    note: NoteFile
    source: str
    parsed: ParsedFile
    blocks: list[Block]
    days: list[DayHeading]
    newest_first: bool
    uses_markers: bool
    day_first: bool = False
    """The log writes `NN/NN/YYYY` dates day first."""
    date_format: str | None = None
    """How new days are written, when `tilbook.toml` says (`date_format`, strftime)."""

    @property
    def layout(self) -> str:
        return self.parsed.layout


@dataclass(slots=True)
class Capture:
    """Where an entry was written."""

    path: Path
    source: str
    line: int
    """First line of the new entry (its marker, heading or text)."""
    created_file: bool = False
    created_day: bool = False


# -- reading the journal's style ---------------------------------------------------------


def read_journal(path: Path, source: str, hints: FileHints | None = None) -> Journal:
    hints = hints or FileHints()
    note = read_note(path)
    parsed_source = source_from_text(source, note.text)
    parsed = parse_source(parsed_source, hints)
    blocks = parse_blocks(blank_front_matter(parsed_source.text, parsed_source.front_matter_lines))
    day_first = (
        hints.date_order == "dmy"
        if hints.date_order
        else slash_dates_day_first([b.text for b in blocks if b.kind == "heading"])
    )
    days = _day_headings(blocks, day_first=day_first) if parsed.layout == DATED else []
    dated = [d.day for d in days] or [
        date.fromisoformat(e.date) for e in parsed.entries if e.date is not None
    ]
    newest_first = len(dated) < 2 or dated[0] >= dated[-1]
    lines = note.lines
    uses_markers = parsed.layout == DATED and any(
        ENTRY_MARKER.match(lines[e.line - 1].lstrip("-*+ \t")) for e in parsed.entries
    )
    return Journal(
        note, source, parsed, blocks, days, newest_first, uses_markers, day_first, hints.date_format
    )


def _day_headings(blocks: list[Block], *, day_first: bool = False) -> list[DayHeading]:
    levels: dict[int, int] = {}
    found = []
    for block in blocks:
        if block.kind == "heading" and block.depth == 0:
            written = find_date(block.text, day_first=day_first)
            if written is not None:
                levels[block.level] = levels.get(block.level, 0) + 1
                found.append(
                    DayHeading(
                        written.day,
                        block.line,
                        block.end_line,
                        block.level,
                        block.setext,
                        block.text,
                    )
                )
    if not levels:
        return []
    level = max(levels, key=lambda lv: (levels[lv], -lv))
    return [day for day in found if day.level == level]


# -- composing the entry -------------------------------------------------------------------

_TRAILING_TAGS = re.compile(r"(?:\s+#[^\s#]+)+\s*$")


def split_trailing_tags(text: str) -> tuple[str, list[str]]:
    """`"Read DDIM #Research #Diffusion"` → (`"Read DDIM"`, [Research, Diffusion])."""
    first, _, rest = text.partition("\n")
    match = _TRAILING_TAGS.search(first)
    if match is None:
        return text, []
    tags = tags_in(match.group())
    if not tags:
        return text, []
    stripped = first[: match.start()].rstrip()
    return (stripped + ("\n" + rest if rest else "")), tags


def _marker(tags: list[str]) -> str:
    return "(" + ", ".join("#" + tag for tag in tags) + ")"


def _entry_block(
    text: str, tags: list[str], title: str | None, *, markers: bool, level: int
) -> str:
    """The new entry's Markdown (LF line ends; converted to the file's later)."""
    body = text.strip("\n")
    if not body.strip() and not title:
        return ""  # `tilbook today`: only the day's heading
    if markers:
        body, trailing = split_trailing_tags(body)
        opener = _marker(unique([*tags, *trailing]))
        if title:
            return f"{opener} {title}" + (f"\n\n{body}" if body else "")
        return f"{opener} {body}".rstrip()
    tag_text = " ".join("#" + tag for tag in tags if tag.casefold() not in body.casefold())
    if tag_text:
        body = f"{body} {tag_text}".strip()
    if title:
        return f"{'#' * min(level + 1, 6)} {title}" + (f"\n\n{body}" if body else "")
    return body


def _day_heading(journal: Journal | None, day: date) -> str:
    if journal is None or not journal.days:
        return f"## {day.isoformat()}"
    sample = journal.days[0]
    if journal.date_format:
        text = day.strftime(journal.date_format)
    else:
        text = format_date_like(sample.text, day, day_first=journal.day_first)
    if sample.setext:
        lines = journal.note.lines
        underline = lines[sample.last_line - 1].strip() if sample.last_line > sample.line else ""
        char = "=" if sample.level == 1 else "-"
        underline = underline if underline and set(underline) == {char} else char * len(text)
        return f"{text}\n{underline}"
    return f"{'#' * sample.level} {text}"


# -- placing it ----------------------------------------------------------------------------


def _insert_lines(journal: Journal, after_line: int, block: str) -> int:
    """Insert `block` as its own paragraph(s) after line `after_line`; return its first line.

    A blank line separates it from what comes before and after; only new bytes
    are written.
    """
    note = journal.note
    newline = note.newline
    body = block.replace("\n", newline)
    offset = note.end_of_line(after_line)
    at_end = offset >= len(note.text)
    if at_end and not note.ends_with_newline:
        payload = newline + newline + body  # keep the file without a final newline
        first = after_line + 2
    elif at_end:
        previous_blank = not note.lines[after_line - 1].strip() if after_line else True
        payload = ("" if previous_blank else newline) + body + newline
        first = after_line + (1 if previous_blank else 2)
    else:
        payload = newline + body + newline
        first = after_line + 2
    insert_text(note, offset, payload)
    return first


def _insert_before(journal: Journal, line: int, block: str) -> int:
    """Insert `block` followed by a blank line at the start of `line`."""
    note = journal.note
    newline = note.newline
    insert_text(note, note.offset_of_line(line), block.replace("\n", newline) + newline + newline)
    return line


def _last_content_line(journal: Journal) -> int:
    lines = journal.note.lines
    last = len(lines)
    while last > 0 and not lines[last - 1].strip():
        last -= 1
    return last


def _entries_of_day(journal: Journal, day: DayHeading) -> list[Entry]:
    later = [d.line for d in journal.days if d.line > day.line]
    stop = later[0] if later else 10**9
    return [e for e in journal.parsed.entries if day.line <= e.line < stop]


def add_dated(
    journal: Journal, day: date, text: str, tags: list[str], title: str | None
) -> Capture:
    """Add an entry under `day`'s heading of a dated-headings journal."""
    level = journal.days[0].level if journal.days else 2
    block = _entry_block(text, tags, title, markers=journal.uses_markers, level=level)
    capture = Capture(journal.note.path, journal.source, 0)
    existing = next((d for d in journal.days if d.day == day), None)
    if existing is not None:
        entries = _entries_of_day(journal, existing)
        if not block:
            capture.line = existing.line
        elif journal.uses_markers and journal.newest_first and entries:
            capture.line = _insert_before(journal, entries[0].line, block)
        else:
            end = max([existing.last_line, *(e.end_line for e in entries)])
            capture.line = _insert_lines(journal, end, block)
        return capture

    capture.created_day = True
    heading = _day_heading(journal, day)
    gap = "\n" if _tight_day_headings(journal) else "\n\n"
    section = heading + (gap + block if block else "")
    skip = gap.count("\n") if block else 0
    ordered = sorted(journal.days, key=lambda d: d.line)
    if journal.newest_first:
        following = next((d for d in ordered if d.day < day), None)
    else:
        following = next((d for d in ordered if d.day > day), None)
    if following is not None:
        _insert_before(journal, following.line, section)
        capture.line = following.line + heading.count("\n") + skip
        return capture
    first = _insert_lines(journal, _last_content_line(journal), section)
    capture.line = first + heading.count("\n") + skip
    return capture


def _tight_day_headings(journal: Journal) -> bool:
    """Whether the file's day headings are mostly followed at once by text, with no blank
    line between (a new day copies the file's own spacing)."""
    lines = journal.note.lines
    tight = loose = 0
    for day in journal.days:
        if day.last_line >= len(lines):
            continue
        if lines[day.last_line].strip():
            tight += 1
        else:
            loose += 1
    return tight > loose


def add_category(
    journal: Journal,
    day: date,
    text: str,
    tags: list[str],
    title: str | None,
    category: str | None,
) -> Capture:
    """Add a heading + date line entry to a category-dated journal."""
    entries = journal.parsed.entries
    blocks = journal.blocks
    headings = {b.line: b for b in blocks if b.kind == "heading"}
    samples = [e for e in entries if e.category is not None and e.line in headings]
    if not samples:
        raise CaptureError(f"{journal.source}: found no category heading to copy")
    newest = max(samples, key=lambda e: (e.date or "", e.line))
    chosen = newest
    if category:
        wanted = category.casefold().strip()
        chosen = next(
            (e for e in reversed(samples) if (e.category or "").casefold() == wanted), newest
        )
    heading_block = headings[chosen.line]
    raw_heading = journal.note.lines[chosen.line - 1].rstrip()
    if category and (chosen.category or "").casefold() != category.casefold().strip():
        raw_heading = "#" * heading_block.level + " " + category.strip()
    index = next(i for i, b in enumerate(blocks) if b.line == chosen.line)
    found = category_date(blocks, index)
    date_sample = (
        journal.note.lines[blocks[found[1]].line - 1].strip() if found else f"*{day.isoformat()}*"
    )
    date_line = format_date_like(date_sample, day)
    body = _entry_block(text, tags, title, markers=False, level=heading_block.level)
    tight = found is not None and blocks[found[1]].line == heading_block.end_line + 1
    block = f"{raw_heading}{chr(10) if tight else chr(10) * 2}{date_line}" + (
        f"\n\n{body}" if body else ""
    )
    dated = sorted((e for e in entries if e.date), key=lambda e: e.line)
    capture = Capture(journal.note.path, journal.source, 0)
    iso = day.isoformat()
    if journal.newest_first:
        following = next((e for e in dated if (e.date or "") < iso), None)
    else:
        following = next((e for e in dated if (e.date or "") > iso), None)
    if following is not None:
        capture.line = _insert_before(journal, following.line, block)
        return capture
    last = max((e.end_line for e in entries), default=_last_content_line(journal))
    capture.line = _insert_lines(journal, last, block)
    return capture


def _jrnl_time(sample: str, moment: datetime) -> str:
    """`moment` written as the file's jrnl headers write it (`2024-03-14 09:12`, with
    seconds, or with AM/PM), from one of its headers."""
    written = sample.strip()
    clock = "%I" if written[-2:].upper() in ("AM", "PM") else "%H"
    seconds = ":%S" if written.count(":") == 2 else ""
    ampm = (" " if written[-3:-2] == " " else "") + "%p" if clock == "%I" else ""
    return moment.strftime(f"%Y-%m-%d {clock}:%M{seconds}{ampm}")


def add_jrnl(
    journal: Journal, day: date, text: str, tags: list[str], title: str | None, at: time
) -> Capture:
    """Add `[date time] Title` and its text to a jrnl journal, in time order (after the
    entries of the same minute), with the tags as jrnl's `@tags`."""
    lines = journal.note.lines
    moment = datetime.combine(day, at)
    headers = []
    for entry in journal.parsed.entries:
        opening = JRNL_HEADER.match(lines[entry.line - 1])
        if opening is not None:
            headers.append((entry, opening))
    sample = headers[-1][1].group("time") if headers else "00:00"
    stamp = f"[{_jrnl_time(sample, moment)}]"
    body, trailing = split_trailing_tags(text.strip("\n"))
    if title:
        body = f"{title.strip()}\n{body}" if body.strip() else title.strip()
    at_tags = " ".join("@" + tag for tag in unique([*tags, *trailing]))
    if at_tags:
        body = f"{body.rstrip()} {at_tags}" if body.strip() else at_tags
    capture = Capture(journal.note.path, journal.source, 0)
    if not body.strip():
        todays = [entry for entry, _ in headers if entry.date == day.isoformat()]
        if todays:  # `tilbook today`: today's last entry
            capture.line = todays[-1].line
            return capture
    block = f"{stamp} {body}".rstrip()
    capture.created_day = not any(entry.date == day.isoformat() for entry, _ in headers)
    for entry, opening in headers:
        minute = _jrnl_minute(opening.group("day"), opening.group("time"))
        if minute is not None and minute > moment:
            capture.line = _insert_before(journal, entry.line, block)
            return capture
    last = max((e.end_line for e in journal.parsed.entries), default=_last_content_line(journal))
    capture.line = _insert_lines(journal, last, block)
    return capture


def _jrnl_minute(day: str, clock: str) -> datetime | None:
    """The moment a jrnl header gives (`2024-03-14`, `09:12`, `9:12:00 PM`)."""
    written = clock.strip().upper().replace(" ", "")
    for pattern in ("%H:%M", "%H:%M:%S", "%I:%M%p", "%I:%M:%S%p"):
        try:
            return datetime.strptime(f"{day} {written}", f"%Y-%m-%d {pattern}")
        except ValueError:
            continue
    return None


def new_journal(
    path: Path, source: str, day: date, text: str, tags: list[str], title: str | None
) -> Capture:
    """Start a journal file (dated headings, newest first)."""
    markers = bool(tags or split_trailing_tags(text)[1])
    block = _entry_block(text, tags, title, markers=markers, level=2)
    content = f"# Learning log\n\n## {day.isoformat()}\n" + (f"\n{block}\n" if block else "")
    create_note(path, content)
    return Capture(path, source, 5 if block else 3, created_file=True, created_day=True)


def journal_source(store: Store, configured: str = "") -> str:
    """The file new entries go to: the setting, else the most recently dated log."""
    if configured.strip():
        return configured.strip().lstrip("/")
    newest: tuple[str, str] | None = None
    for layout in DATED_LAYOUTS:
        found = store.entries(EntryFilter(layout=layout, limit=1))
        if found and found[0].date and (newest is None or found[0].date > newest[0]):
            newest = (found[0].date, found[0].source)
    return newest[1] if newest else DEFAULT_JOURNAL


def check_journal_read(source: str, extensions: list[str] | tuple[str, ...]) -> None:
    """Refuse a journal tilbook would not read back (`journal.txt` while `extensions` in
    tilbook.toml leaves `.txt` out): the new entry would be found nowhere."""
    suffix = PurePosixPath(source).suffix.lower()
    known = {ext.lower() if ext.startswith(".") else "." + ext.lower() for ext in extensions}
    if suffix not in known:
        raise CaptureError(
            f"{source}: tilbook reads only files ending in {', '.join(extensions)}, so the "
            f'entry would not be found again; add "{suffix or source}" to `extensions` in '
            "tilbook.toml, or name another file with --file"
        )


def entry_at(store: Store, source: str, line: int) -> EntrySummary | None:
    """The entry of `source` that holds `line` (after re-indexing)."""
    best: EntrySummary | None = None
    for summary in store.entries(EntryFilter(source=source)):
        if summary.line <= line and (best is None or summary.line > best.line):
            best = summary
    return best


def add_entry(
    root: Path,
    journal_source: str,
    text: str,
    *,
    day: date,
    tags: list[str] | None = None,
    title: str | None = None,
    category: str | None = None,
    hints: FileHints | None = None,
    at: time | None = None,
) -> Capture:
    """Add an entry for `day` to the journal file, in its own style (and as `hints`, from
    `tilbook.toml`, say). `at` is the time a jrnl journal writes beside the date (default:
    now for today, else 09:00 as jrnl does)."""
    tags = [tag.lstrip("#") for tag in tags or [] if tag.strip("# ")]
    if not MIN_YEAR <= day.year <= MAX_YEAR:
        raise CaptureError(
            f"{day.isoformat()}: tilbook reads dates from {MIN_YEAR} to {MAX_YEAR}; "
            "an entry dated so would not be found again"
        )
    path = root / journal_source
    # Read and write under the folder's write lock: two captures at once take turns,
    # each placing its entry in the file as the other left it.
    with note_lock(path):
        if not path.exists():
            return new_journal(path, journal_source, day, text, tags, title)
        journal = read_journal(path, journal_source, hints)
        if journal.layout == CATEGORY:
            return add_category(journal, day, text, tags, title, category)
        if journal.layout == JRNL:
            if at is None:
                now = datetime.now()
                at = now.time().replace(second=0, microsecond=0)
                at = at if day == now.date() else JRNL_DEFAULT_TIME
            return add_jrnl(journal, day, text, tags, title, at)
        if journal.layout == DATED or not journal.parsed.entries:
            return add_dated(journal, day, text, tags, title)
    raise CaptureError(
        f"{journal_source}: its layout is {journal.layout}, not a dated log, so tilbook cannot "
        "tell where today's entry goes. Name a dated file with --file or `journal` in tilbook.toml."
    )


def add_todo(
    root: Path,
    source: str,
    text: str,
    *,
    day: date,
    tags: list[str] | None = None,
    hints: FileHints | None = None,
) -> Capture:
    """Add `- [ ] text` to the day's newest entry, or start an entry with a `TODO:` line."""
    tags = [tag.lstrip("#") for tag in tags or [] if tag.strip("# ")]
    item = f"- [ ] {text.strip()}" + "".join(f" #{tag}" for tag in tags)
    path = root / source
    with note_lock(path):
        if path.exists():
            journal = read_journal(path, source, hints)
            todays = [e for e in journal.parsed.entries if e.date == day.isoformat()]
            if todays:
                target = todays[0] if journal.newest_first else todays[-1]
                line = _insert_lines(journal, target.end_line, item)
                return Capture(path, source, line)
        return add_entry(root, source, f"TODO: {text.strip()}", day=day, tags=tags, hints=hints)
