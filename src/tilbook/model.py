"""The records tilbook reads out of a learning log.

These are plain data: the parser makes them, the store keeps them, the CLI and
exports show them. Field names follow the export contract (`tilbook export`).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

LAYOUTS = (
    "dated-headings",
    "category-dated",
    "dated-list",
    "dated-lines",
    "dated-table",
    "jrnl",
    "lessons",
    "sections",
    "single-note",
)

LINK_KINDS = ("paper", "video", "code", "forum", "docs", "image", "other")


@dataclass(slots=True)
class Link:
    url: str
    text: str
    kind: str
    line: int


NOTE_LINK_FORMS = ("wiki", "markdown")


@dataclass(slots=True)
class NoteLink:
    """A link to another note: `[[Note]]`, `[[Note|alias]]`, `[[Note#Heading]]`,
    `[[Note#^block]]`, `![[Note]]` (an embed), or `[text](other.md)`.

    `target`, `heading` and `block` are as written (a Markdown link's path decoded);
    `entry` and `source` say where it leads once every file is indexed (both None when
    no note has that name), `candidates` how many notes the name fitted (more than one:
    the shortest path won, and `tilbook inspect` warns).
    """

    target: str
    text: str
    line: int
    form: str = "wiki"
    heading: str | None = None
    block: str | None = None
    embed: bool = False
    href: str = ""
    """The link's destination as written (what the rendered HTML links to)."""
    entry: str | None = None
    source: str | None = None
    candidates: int = 0


@dataclass(slots=True)
class Paper:
    id: str
    url: str
    title: str | None
    line: int


@dataclass(slots=True)
class Todo:
    text: str
    done: bool
    line: int
    end_line: int = 0
    """Last line of the TODO's item (nested items included); its own line for a `TODO:` line."""

    def __post_init__(self) -> None:
        self.end_line = max(self.end_line, self.line)


@dataclass(slots=True)
class Question:
    text: str
    line: int
    end_line: int = 0
    """Last line of the question's list item; its own line for a question in prose."""
    inline: bool = False
    """A sentence (or line) inside a paragraph, not a whole list item."""

    def __post_init__(self) -> None:
        self.end_line = max(self.end_line, self.line)


@dataclass(slots=True)
class Term:
    term: str
    definition: str
    line: int


@dataclass(slots=True)
class Target:
    text: str
    tags: list[str]
    line: int


@dataclass(slots=True)
class Footnote:
    label: str
    text: str
    line: int
    end_line: int = 0

    def __post_init__(self) -> None:
        self.end_line = max(self.end_line, self.line)


SPAN_KINDS = ("opening", "marker", "date", "head", "heading", "label")


@dataclass(slots=True)
class Span:
    """Where the parser found a piece of an entry's structure, so that nothing after the
    parser has to find it again in the text.

    - `opening`: the entry's heading and date line (shown as its title and date);
    - `marker`: the `(#Tag)` marker opening the entry's first line, `text` as written;
    - `date`: the date written at the start of a dated item, line or row, `text` as written;
    - `head`: the header row (and delimiter) of the table a row entry belongs to;
    - `heading`: a heading inside the entry, with its `level`;
    - `label`: a label line (`Questions:`) and, up to `covers`, the list it introduces.
    """

    kind: str
    line: int
    end_line: int
    level: int = 0
    text: str = ""
    covers: int = 0


@dataclass(slots=True)
class Answer:
    """What answers an open question: a later entry, a note, or both."""

    question_key: str
    source: str
    question: str
    entry_id: str | None
    note: str | None
    answered_at: str
    """UTC, ISO 8601."""


@dataclass(slots=True)
class IndexWarning:
    """Something in a file that tilbook could not read or classify."""

    source: str
    message: str
    line: int | None = None

    def __str__(self) -> str:
        where = f"{self.source}:{self.line}" if self.line else self.source
        return f"{where}: {self.message}"


@dataclass(slots=True)
class Entry:
    id: str
    source: str
    line: int
    end_line: int
    layout: str
    date: str | None
    title: str
    category: str | None = None
    tags: list[str] = field(default_factory=list)
    links: list[Link] = field(default_factory=list)
    papers: list[Paper] = field(default_factory=list)
    todos: list[Todo] = field(default_factory=list)
    questions: list[Question] = field(default_factory=list)
    terms: list[Term] = field(default_factory=list)
    has_math: bool = False
    code_languages: list[str] = field(default_factory=list)
    footnotes: list[Footnote] = field(default_factory=list)
    note_links: list[NoteLink] = field(default_factory=list)
    anchors: list[str] = field(default_factory=list)
    """What a link can point at inside the entry, so `[[Note#Heading]]` finds it: the text
    of its opening heading (`""` when a heading does not open it), of the headings in it,
    then its block ids (`^id`)."""
    spans: list[Span] = field(default_factory=list)
    body: str = ""
    """Plain text of the entry (what search sees), footnotes resolved."""
    first_seen: str | None = None
    """The day the entry's file was first committed (git history, filled by the index);
    never a date written in the note, so `date` stays None when the note gives none."""
    last_changed: str | None = None
    """The day of the last commit that changed the entry's file (git history)."""

    def to_dict(self, *, with_body: bool = False) -> dict[str, Any]:
        data = asdict(self)
        if not with_body:
            del data["body"]
        return data


@dataclass(slots=True)
class ParsedFile:
    source: str
    layout: str
    layout_reason: str
    title: str | None
    entries: list[Entry]
    targets: list[Target] = field(default_factory=list)
    front_matter: dict[str, Any] = field(default_factory=dict)
    preamble: tuple[int, int] | None = None
    """First and last line of the text before the first entry, if any."""
    warnings: list[IndexWarning] = field(default_factory=list)
    confidence: float = 1.0
    """How sure the reader is of the layout, 0 to 1."""
    doubts: list[str] = field(default_factory=list)
    """What looked ambiguous (`tilbook inspect` shows it, `inspect --all` ranks by it)."""

    def file_dict(self) -> dict[str, Any]:
        return {
            "source": self.source,
            "layout": self.layout,
            "title": self.title,
            "targets": [asdict(t) for t in self.targets],
        }
