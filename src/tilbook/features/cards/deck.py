"""Flashcards made from the notes, without touching them.

Three kinds, each switched on or off in `tilbook.toml`:

- `term`: a glossary term (front: the term, back: its definition);
- `question`: an answered question (front: the question, back: the answering
  note and/or the answering entry's text);
- `inline`: written for the purpose, anywhere in an entry, as a `Q: …` line
  followed by an `A: …` line (same or next paragraph or list item; an `A:`
  alone on its line takes the next block, e.g. a code block), as
  `Q: … A: …` on one line, or as a `front :: back` line; and, in notes with
  the `cards_sr_tag` tag, in the Obsidian Spaced Repetition plugin's forms
  (`sr_cards`): `front::back`, `front:::back` (two cards), a paragraph split
  by a `?` line, `==cloze==` and `{{c1::cloze}}` deletions.

A card's identity is `card_key(source, front)`: its file and its normalised
front text. Re-indexing, moving the entry within the file or editing the back
keep the identity, and so the review history. `sync_cards` brings the index's
card table in line with the notes, reading only files that changed since the
last sync; cards whose text is gone are suspended, and return with the text.
"""

from __future__ import annotations

import hashlib
import re
import textwrap
import unicodedata
from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from tilbook.errors import EntryNotFound, FileChanged, SourceError
from tilbook.model import Entry
from tilbook.notes.files import FileStat, read_source
from tilbook.parse.blocks import LINK_TEXT, TEXT, Block, parse_blocks
from tilbook.reading import PARSER_VERSION, blank_front_matter
from tilbook.settings import Settings
from tilbook.store.base import EntryFilter, FileState, Store
from tilbook.store.reviews import CardContent, ReconcileReport, ReviewStore

CARDS_VERSION = 2
"""Bump when card extraction changes: every file's cards are then made again."""
FILE_KINDS = ("term", "inline")
"""Kinds made from one file's text (answered questions are made from the answers)."""
KIND_PRIORITY = {"inline": 0, "question": 1, "term": 2}
"""When two cards of one file have the same front, the first kind here wins."""
MAX_BACK_CHARS = 4000
"""An answering entry longer than this is cut (at a line) on the card."""
SYNC_BATCH = 200
FEW_FILES = 20
"""Up to this many changed files, their entries are read one by one; above, all at once."""

# -- identity ---------------------------------------------------------------------------------

_FRONT_LABEL = re.compile(r"^(?:\*\*|__)?q(?:\*\*|__)?\s*[:：](?:\*\*|__)?\s*", re.IGNORECASE)


def normalise_front(text: str) -> str:
    """The front as identity sees it: NFC, case-folded, spaces collapsed, no `Q:` label."""
    text = unicodedata.normalize("NFC", text).strip()
    text = _FRONT_LABEL.sub("", text, count=1)
    return " ".join(text.casefold().split())


def card_key(source: str, front: str) -> str:
    """Stable identity of a card: its file and its normalised front text."""
    key = f"{source}\0{normalise_front(front)}"
    return hashlib.blake2b(key.encode("utf-8"), digest_size=10).hexdigest()


def card_signature(file_hash: str, settings: Settings) -> str:
    """What a file's cards are made from: its bytes, the parser and the card settings."""
    flags = "".join(
        str(int(bool(settings[name])))
        for name in ("cards_from_terms", "cards_from_inline", *SR_FORMS)
    )
    return f"{file_hash}/{PARSER_VERSION}/{CARDS_VERSION}/{flags}/{settings['cards_sr_tag']}"


def _utc_now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


# -- inline cards -----------------------------------------------------------------------------

_CONTAINER = re.compile(r"^\s*(?:>\s?)*\s*(?:(?:[-*+]|\d{1,9}[.)])\s+)?(?:\[[ xX]\]\s+)?")
"""What comes before a line's own text: quote marks, a list marker, a task box."""
_CONTINUATION = re.compile(r"^\s*(?:>\s?)*\s*")
_ENTRY_MARKER = re.compile(r"^\(\s*(?:#[^\s,()#]+(?:\s*,?\s*#[^\s,()#]+)*)?\s*,?\s*\)\s*")
_LABEL = r"(?:\*\*|__)?{letter}(?:\*\*|__)?\s*[:：](?:\*\*|__)?(?:\s+|$)"
_Q_LINE = re.compile("^" + _LABEL.format(letter="Q"))
_A_LINE = re.compile("^" + _LABEL.format(letter="A"))
_A_INSIDE = re.compile(r"\s" + _LABEL.format(letter="A"))
_DOUBLE_COLON = re.compile(r"\s::\s")
_Q_ANYWHERE = re.compile(r"Q(?:\*\*|__)?\s*[:：]")


@dataclass(slots=True)
class _Line:
    number: int
    text: str
    """The line's own text: container markers stripped."""
    prose: str
    """Only the prose pieces of the line (no code, math or URLs)."""


def _own_lines(block: Block, until: int, lines: Sequence[str]) -> list[_Line]:
    """The source lines of a paragraph or list item's own text, up to line `until`."""
    prose: dict[int, list[str]] = {}
    for kind, text, line in block.pieces:
        if kind in (TEXT, LINK_TEXT):
            prose.setdefault(line, []).append(text)
    found = []
    for number in range(block.line, min(until, block.end_line, len(lines)) + 1):
        raw = lines[number - 1]
        if number == block.line:
            own = _ENTRY_MARKER.sub("", _CONTAINER.sub("", raw, count=1), count=1)
        else:
            own = _CONTINUATION.sub("", raw, count=1)
        found.append(_Line(number, own.rstrip(), "".join(prose.get(number, []))))
    return found


def _block_source(block: Block, lines: Sequence[str]) -> str:
    text = "\n".join(lines[block.line - 1 : block.end_line])
    return textwrap.dedent(text).strip("\n")


def inline_cards(blocks: Sequence[Block], lines: Sequence[str]) -> list[tuple[str, str, int]]:
    """`(front, back, line)` of the inline cards written in `blocks` (one entry's)."""
    cards: list[tuple[str, str, int]] = []
    question: list[str] = []
    question_line = 0
    answer: list[str] | None = None
    take_next_block = False

    def finish() -> None:
        nonlocal question, answer
        front = "\n".join(question).strip()
        back = "\n".join(answer or []).strip()
        if front and back:
            cards.append((front, back, question_line))
        question, answer = [], None

    for index, block in enumerate(blocks):
        if take_next_block:
            take_next_block = False
            answer = [_block_source(block, lines)]
            finish()
            continue
        if block.kind not in ("para", "item") or block.footnote is not None:
            question, answer = [], None
            continue
        until = blocks[index + 1].line - 1 if index + 1 < len(blocks) else block.end_line
        until = max(until, block.line)
        own = _own_lines(block, until, lines)
        if question and answer is None and not (own and _A_LINE.match(own[0].text)):
            question = []  # a Q: paragraph not followed by an answer is an open question
        for line in own:
            q_match = _Q_LINE.match(line.text)
            a_match = _A_LINE.match(line.text)
            if q_match:
                finish()
                rest = line.text[q_match.end() :]
                both = _A_INSIDE.search(rest)
                question_line = line.number
                if both:
                    question, answer = [rest[: both.start()]], [rest[both.end() :]]
                    finish()
                else:
                    question = [rest]
            elif a_match and question and answer is None:
                answer = [line.text[a_match.end() :]]
            elif answer is not None:
                answer.append(line.text)
            elif question:
                question.append(line.text)
            elif "::" in line.prose and _DOUBLE_COLON.search(line.prose):
                split = _DOUBLE_COLON.search(line.text)
                if split:
                    front, back = line.text[: split.start()].strip(), line.text[split.end() :]
                    if front and back.strip():
                        cards.append((front, back.strip(), line.number))
        if answer is not None:
            if "".join(answer).strip():
                finish()
            else:
                take_next_block = True
    return cards


# -- the Spaced Repetition plugin's cards -----------------------------------------------------

SR_FORMS = (
    "cards_sr_single_line",
    "cards_sr_reversed",
    "cards_sr_multiline",
    "cards_sr_cloze_highlight",
    "cards_sr_cloze_anki",
)
"""The settings that switch each of the plugin's card forms."""
CLOZE_GAP = "[...]"
"""What stands for a hidden deletion on a cloze card's front (as the plugin shows it)."""
_SR_REVERSED = re.compile(r"(?<!:):::(?!:)")
_SR_SINGLE = re.compile(r"(?<!:)::(?!:)")
_HIGHLIGHT = re.compile(r"==(?=[^\s=])([^=\n]{1,500}?)(?<=[^\s=])==")
_ANKI = re.compile(r"\{\{c(\d{1,3})::([^{}\n]{1,500}?)(?:::([^{}\n]{1,200}?))?\}\}")
_SPLIT_LINES = ("?", "??")


def sr_forms(entries: Sequence[Entry], settings: Settings) -> tuple[str, ...]:
    """The plugin's card forms switched on, if the file is one the plugin reads: a note
    with the `cards_sr_tag` tag, or a tag below it (`#flashcards/maths`); any note when
    that setting is empty."""
    forms = tuple(name for name in SR_FORMS if settings[name])
    tag = str(settings["cards_sr_tag"]).strip().lstrip("#").casefold()
    if not forms or not tag:
        return forms
    for entry in entries:
        for name in entry.tags:
            folded = name.casefold()
            if folded == tag or folded.startswith(tag + "/"):
                return forms
    return ()


def _anki_cards(text: str) -> list[tuple[str, str]]:
    """One card per cloze number: its deletions hidden (or their hint shown), the others
    shown; the back is the whole text."""
    back = _ANKI.sub(lambda m: m.group(2), text)
    cards = []
    for number in sorted({int(m.group(1)) for m in _ANKI.finditer(text)}):

        def hide(match: re.Match[str], number: int = number) -> str:
            if int(match.group(1)) != number:
                return match.group(2)
            return f"[{match.group(3)}]" if match.group(3) else CLOZE_GAP

        cards.append((_ANKI.sub(hide, text), back))
    return cards


def _highlight_cards(text: str) -> list[tuple[str, str]]:
    """One card per `==highlight==`: it hidden, the others shown; the back is the text."""
    back = _HIGHLIGHT.sub(lambda m: m.group(1), text)
    cards = []
    found = list(_HIGHLIGHT.finditer(text))
    for hidden in found:
        parts: list[str] = []
        end = 0
        for match in found:
            parts.append(text[end : match.start()])
            parts.append(CLOZE_GAP if match is hidden else match.group(1))
            end = match.end()
        parts.append(text[end:])
        cards.append(("".join(parts), back))
    return cards


def _line_sr_cards(line: _Line, forms: Collection[str]) -> list[tuple[str, str]]:
    """The cards of one line in the plugin's single-line forms (the first form found)."""
    prose, text = line.prose, line.text
    if "cards_sr_reversed" in forms and ":::" in prose and _SR_REVERSED.search(prose):
        split = _SR_REVERSED.search(text)
        if split:
            front, back = text[: split.start()].strip(), text[split.end() :].strip()
            if front and back:
                return [(front, back), (back, front)]
    if "cards_sr_cloze_anki" in forms and "{{c" in prose and _ANKI.search(text):
        return _anki_cards(text)
    if (
        "cards_sr_single_line" in forms
        and "::" in prose
        and _SR_SINGLE.search(prose)
        and not _ANKI.search(text)  # `{{c1::…}}` is a cloze, switched off
    ):
        split = _SR_SINGLE.search(text)
        if split:
            front, back = text[: split.start()].strip(), text[split.end() :].strip()
            if front and back:
                return [(front, back)]
    if "cards_sr_cloze_highlight" in forms and "==" in prose and _HIGHLIGHT.search(prose):
        return _highlight_cards(text)
    return []


def sr_cards(
    blocks: Sequence[Block], lines: Sequence[str], forms: Collection[str]
) -> list[tuple[str, str, int]]:
    """`(front, back, line)` of the Spaced Repetition plugin's cards in `blocks` (one
    entry's), in the `forms` switched on (names from `SR_FORMS`)."""
    cards: list[tuple[str, str, int]] = []
    for index, block in enumerate(blocks):
        if block.kind not in ("para", "item") or block.footnote is not None:
            continue
        until = blocks[index + 1].line - 1 if index + 1 < len(blocks) else block.end_line
        own = _own_lines(block, max(until, block.line), lines)
        pending: list[_Line] = []  # lines since the last card: a multi-line card's front
        for position, line in enumerate(own):
            if "cards_sr_multiline" in forms and line.text.strip() in _SPLIT_LINES and pending:
                # The plugin's multi-line card: its `?` line parts the front (the lines
                # above, since the last card) from the back (the rest of the paragraph).
                front = "\n".join(item.text for item in pending).strip()
                after = own[position + 1 :]
                back = "\n".join(item.text for item in after).strip()
                if front and back:
                    cards.append((front, back, pending[0].number))
                    if line.text.strip() == "??":
                        cards.append((back, front, after[0].number))
                break
            made = _line_sr_cards(line, forms)
            cards.extend((front, back, line.number) for front, back in made)
            pending = [] if made else [*pending, line]
    return cards


# -- cards of one file ------------------------------------------------------------------------


def _entry_blocks(blocks: Sequence[Block], entry: Entry) -> list[Block]:
    return [block for block in blocks if entry.line <= block.line <= entry.end_line]


def _read_text(root: Path, state: FileState, settings: Settings) -> tuple[list[str], str] | None:
    """The file's lines and its text with front matter blanked, if it is what was indexed."""
    path = root / state.source
    try:
        info = path.stat()
    except OSError as error:
        raise FileChanged(state.source) from error
    if (info.st_size, info.st_mtime_ns) != (state.size, state.mtime_ns):
        raise FileChanged(state.source)
    max_bytes = int(settings["max_file_size_mb"]) * 1_000_000
    text, data = read_source(
        FileStat(state.source, path, info.st_size, info.st_mtime_ns), max_bytes=max_bytes
    )
    if data is None or not text.text:
        return None
    return text.text.split("\n"), blank_front_matter(text.text, text.front_matter_lines)


def file_cards(
    root: Path, state: FileState, entries: Sequence[Entry], settings: Settings
) -> list[CardContent]:
    """The term and inline cards of one indexed file, in file order (duplicates dropped).

    Terms come from the index; the file is read only for inline cards. Raises
    `FileChanged` when the file is no longer what the index read.
    """
    source = state.source
    made: list[CardContent] = []
    if settings["cards_from_terms"]:
        for entry in entries:
            for term in entry.terms:
                made.append(
                    CardContent(
                        card_key(source, term.term),
                        "term",
                        source,
                        term.term,
                        term.definition,
                        entry.id,
                        term.line,
                        list(entry.tags),
                    )
                )
    forms = sr_forms(entries, settings)
    if (settings["cards_from_inline"] or forms) and entries:
        read = _read_text(root, state, settings)
        # Inline cards need the file's blocks; most files have no `::` or `Q:` label at all.
        if read is not None and (forms or "::" in read[1] or _Q_ANYWHERE.search(read[1])):
            lines, text = read
            blocks = parse_blocks(text)
            for entry in entries:
                own = _entry_blocks(blocks, entry)
                written = inline_cards(own, lines) if settings["cards_from_inline"] else []
                for front, back, line in [*written, *sr_cards(own, lines, forms)]:
                    made.append(
                        CardContent(
                            card_key(source, front),
                            "inline",
                            source,
                            front,
                            back,
                            entry.id,
                            line,
                            list(entry.tags),
                        )
                    )
    return _unique(made)


def entries_of_file(store: Store, source: str) -> list[Entry]:
    """One file's entries as the index has them, in file order."""
    found = [store.entry(summary.id) for summary in store.entries(EntryFilter(source=source))]
    return sorted(found, key=lambda entry: entry.line)


def cards_of_file(root: Path, store: Store, source: str, settings: Settings) -> list[CardContent]:
    """The term and inline cards of one indexed file (see `file_cards`)."""
    state = store.file_states()[source]
    return file_cards(root, state, entries_of_file(store, source), settings)


def _unique(cards: Iterable[CardContent]) -> list[CardContent]:
    """One card per key: the kind that wins, then the first in the file."""
    best: dict[str, CardContent] = {}
    for card in cards:
        held = best.get(card.key)
        if held is None or KIND_PRIORITY[card.kind] < KIND_PRIORITY[held.kind]:
            best[card.key] = card
    return sorted(best.values(), key=lambda card: card.line)


# -- cards of answered questions --------------------------------------------------------------


def _answering_text(root: Path, store: Store, entry_id: str) -> str | None:
    from tilbook.reading import entry_markdown

    try:
        entry = store.entry(entry_id)
    except EntryNotFound:
        return None
    try:
        text = entry_markdown(root, entry).strip("\n")
    except SourceError:
        text = entry.body
    if len(text) > MAX_BACK_CHARS:
        cut = text[:MAX_BACK_CHARS]
        text = cut[: cut.rfind("\n")] if "\n" in cut else cut
        text += f"\n\n… (the rest is in {entry.source}:{entry.line})"
    return text


def question_cards(root: Path, store: Store) -> list[CardContent]:
    """A card per answered question whose answer can still be shown."""
    from tilbook.features.questions import list_questions

    if not store.answers():
        return []
    made: list[CardContent] = []
    for item in list_questions(store, include_answered=True):
        answer = item.answer
        if answer is None:
            continue
        parts = []
        if answer.note:
            parts.append(answer.note.strip())
        if answer.entry_id:
            text = _answering_text(root, store, answer.entry_id)
            if text:
                parts.append(text)
        back = "\n\n".join(part for part in parts if part)
        if not back:
            continue
        front = _FRONT_LABEL.sub("", item.text.strip(), count=1)
        made.append(
            CardContent(
                card_key(item.entry.source, front),
                "question",
                item.entry.source,
                front,
                back,
                item.entry.id,
                item.line,
                list(item.entry.tags),
            )
        )
    return _unique(made)


# -- sync -------------------------------------------------------------------------------------


@dataclass(slots=True)
class CardSyncReport:
    files_read: int = 0
    added: int = 0
    updated: int = 0
    suspended: int = 0
    revived: int = 0

    def add(self, report: ReconcileReport) -> None:
        self.added += report.added
        self.updated += report.updated
        self.suspended += report.suspended
        self.revived += report.revived


def sync_cards(
    root: Path,
    store: Store,
    reviews: ReviewStore,
    settings: Settings,
    *,
    full: bool = False,
    now: str | None = None,
) -> CardSyncReport:
    """Bring the index's cards in line with the notes (the index must be up to date).

    Files whose bytes, parser and card settings are unchanged since the last
    sync are not read again (`full` reads every one).
    """
    now = now or _utc_now()
    report = CardSyncReport()
    states = store.file_states()
    done = reviews.card_signatures()
    todo: dict[str, str] = {}
    for source, state in sorted(states.items()):
        signature = card_signature(state.hash, settings)
        if full or done.get(source) != signature:
            todo[source] = signature
    pending = list(todo)
    by_source: dict[str, list[Entry]] = {}
    if len(pending) > FEW_FILES:
        for entry in store.all_entries():
            if entry.source in todo:
                by_source.setdefault(entry.source, []).append(entry)
    for start in range(0, len(pending), SYNC_BATCH):
        batch = pending[start : start + SYNC_BATCH]
        made: list[CardContent] = []
        done_now: dict[str, str] = {}
        for source in batch:
            entries = (
                by_source.get(source, [])
                if len(pending) > FEW_FILES
                else entries_of_file(store, source)
            )
            try:
                made.extend(file_cards(root, states[source], entries, settings))
            except FileChanged:
                continue  # changed since it was indexed: the next sync makes its cards
            done_now[source] = todo[source]
        report.files_read += len(done_now)
        report.add(
            reviews.reconcile(
                made, sources=list(done_now), kinds=FILE_KINDS, now=now, signatures=done_now
            )
        )
    gone = [source for source in done if source not in states]
    if gone:
        report.add(reviews.reconcile([], sources=gone, kinds=FILE_KINDS, now=now))
        reviews.forget_signatures(gone)

    answered = question_cards(root, store) if settings["cards_from_questions"] else []
    # A question that is also written as an inline card or a term is that card.
    taken = {card.key for card in reviews.cards(include_suspended=False) if card.kind != "question"}
    answered = [card for card in answered if card.key not in taken]
    report.add(reviews.reconcile(answered, sources=None, kinds=("question",), now=now))
    return report
