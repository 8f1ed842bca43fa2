"""Markdown text to a flat list of blocks, each with its source lines.

pulldown-cmark (through pyromark) does the CommonMark parsing and reports byte
ranges; this module turns its event stream into the few shapes the layout and
extraction stages need: headings, paragraphs, list items (with depth and task
state), code, math, tables, HTML and footnote definitions. Inline content is
kept as `(kind, text, line)` pieces so later stages can tell prose from code,
math and URLs without parsing again.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any, cast

import pyromark

MARKDOWN_OPTIONS = (
    pyromark.Options.ENABLE_TABLES
    | pyromark.Options.ENABLE_FOOTNOTES
    | pyromark.Options.ENABLE_STRIKETHROUGH
    | pyromark.Options.ENABLE_TASKLISTS
    | pyromark.Options.ENABLE_MATH
    | pyromark.Options.ENABLE_GFM
    | pyromark.Options.ENABLE_WIKILINKS
)
"""The CommonMark extensions tilbook reads notes with (the renderers use the same)."""

# Inline piece kinds. Only TEXT is prose: tags and questions are looked for there.
TEXT = "text"
CODE = "code"
MATH = "math"
URL = "url"
ALT = "alt"
LINK_TEXT = "linktext"
"""The words of a Markdown link (`[What makes a good view?](…)`): shown, but the link's
title rather than the writer's prose (a `?` there asks nothing)."""
LINK_URL = "linkurl"
"""A URL written as the text of a Markdown link: not prose, not a link of its own."""
BREAK = "break"
CELL = "cell"
"""The boundary between two cells of a table row (its text is ` | `)."""

Piece = tuple[str, str, int]

_FENCE_LINE = re.compile(r"^ {0,3}(`{3,}|~{3,})")


def lines_outside_code(lines: Sequence[str]) -> Iterator[tuple[int, str]]:
    """The lines (with their index) that are not inside fenced code, nor its fences."""
    fence = ""
    for number, line in enumerate(lines):
        opened = _FENCE_LINE.match(line)
        if opened and (not fence or opened.group(1).startswith(fence)):
            fence = "" if fence else opened.group(1)[:3]
        elif not fence:
            yield number, line


BLOCK_ID = re.compile(r"(?:^|\s)\^([A-Za-z0-9][A-Za-z0-9\-]*)\s*$")
"""An Obsidian block id ending a block (`… a fact worth linking ^fact-1`), or alone on the
line after one (a table, a quote): what `[[Note#^fact-1]]` links to; Obsidian hides it."""


def without_block_id(block: Block) -> list[Piece]:
    """The block's pieces without the block id that ends it (only in prose: `$x ^2$` is
    math)."""
    pieces = block.pieces
    if not pieces or pieces[-1][0] != TEXT or "^" not in pieces[-1][1]:
        return pieces
    kind, text, column = pieces[-1]
    found = BLOCK_ID.search(text)
    if found is None:
        return pieces
    return [*pieces[:-1], (kind, text[: found.start()], column)]


BARE_URL = re.compile(r"(?:https?://|www\.)[^\s<>\"'`]*[^\s<>\"'`.,;:!?)\]}*_~]", re.IGNORECASE)
ENTRY_MARKER = re.compile(r"^\(\s*(?:#[^\s,()#]+(?:\s*(?:,\s*)?#[^\s,()#]+)*\s*)?(?:,\s*)?\)\s*")
"""An entry opener at the start of a paragraph: `(#Research)`, `(#Idea, #GenAI)` or `()`.

Linear: each run of white space can be matched by one quantifier only (a comma or a
`#` separates them), so a `(` followed by thousands of spaces fails at once."""
KRAMDOWN_MARKER = re.compile(r"\{:[^{}\n]*\}")
"""A kramdown attribute list (`{: .note}`). It stops at the next `{`, so that many
unclosed `{:` on one line are each looked at once (linear), not scanned to its end."""
_HTML_HIDDEN = re.compile(
    r"<!--.*?(?:-->|$)|<(script|style)\b.*?(?:</\1\s*>|$)", re.IGNORECASE | re.DOTALL
)
_HTML_TAG = re.compile(r"<[^<>]*>")
"""A tag; it stops at the next `<`, so many unclosed `<` cost linear time."""
_NAME_IN_BRACKETS = re.compile(r"^<([A-Za-z][\w\-]*)>$")
_HTML_ELEMENTS = frozenset(
    [
        "a",
        "abbr",
        "address",
        "area",
        "article",
        "aside",
        "audio",
        "b",
        "base",
        "bdi",
        "bdo",
        "blockquote",
        "body",
        "br",
        "button",
        "canvas",
        "caption",
        "cite",
        "code",
        "col",
        "colgroup",
        "data",
        "datalist",
        "dd",
        "del",
        "details",
        "dfn",
        "dialog",
        "div",
        "dl",
        "dt",
        "em",
        "embed",
        "fieldset",
        "figcaption",
        "figure",
        "footer",
        "form",
        "h1",
        "h2",
        "h3",
        "h4",
        "h5",
        "h6",
        "head",
        "header",
        "hgroup",
        "hr",
        "html",
        "i",
        "iframe",
        "img",
        "input",
        "ins",
        "kbd",
        "label",
        "legend",
        "li",
        "link",
        "main",
        "map",
        "mark",
        "math",
        "menu",
        "meta",
        "meter",
        "nav",
        "noscript",
        "object",
        "ol",
        "optgroup",
        "option",
        "output",
        "p",
        "param",
        "picture",
        "pre",
        "progress",
        "q",
        "rp",
        "rt",
        "ruby",
        "s",
        "samp",
        "script",
        "search",
        "section",
        "select",
        "slot",
        "small",
        "source",
        "span",
        "strong",
        "style",
        "sub",
        "summary",
        "sup",
        "svg",
        "table",
        "tbody",
        "td",
        "template",
        "textarea",
        "tfoot",
        "th",
        "thead",
        "time",
        "title",
        "tr",
        "track",
        "u",
        "ul",
        "var",
        "video",
        "wbr",
        "center",
        "font",
        "big",
        "tt",
        "strike",
        "marquee",
        "nobr",
    ]
)
"""HTML elements: an unknown name in angle brackets is text someone wrote."""


@dataclass(slots=True)
class RawLink:
    url: str
    text: str
    line: int
    image: bool
    autolink: bool
    wiki: bool = False
    """An Obsidian link (`[[Note]]`, `![[Note]]`): `url` is its target as written."""


@dataclass(slots=True)
class Block:
    """One leaf block of the document."""

    kind: str
    """heading, para, item, code, row (of a table; `level` 1 for the header row), html
    or rule."""
    line: int
    end_line: int
    level: int = 0
    """Heading level (1-6)."""
    depth: int = 0
    """List nesting: 0 outside lists, 1 for a top-level item and its paragraphs."""
    setext: bool = False
    task: bool | None = None
    """For items: None when not a task, else whether it is ticked."""
    lang: str | None = None
    """For fenced code: the info string's first word."""
    raw: str = ""
    """Code or HTML source."""
    footnote: str | None = None
    """Label of the footnote definition this block belongs to."""
    quote: int = 0
    """How many block quotes the block stands in (0: none)."""
    item: int = -1
    """Index (in the block list) of the list item this block belongs to."""
    parent: int = -1
    """For items: index of the enclosing item, -1 for top-level items."""
    pieces: list[Piece] = field(default_factory=list)
    links: list[RawLink] = field(default_factory=list)
    footnote_refs: list[str] = field(default_factory=list)
    strong_start: bool = False
    """The block's text opens with strong emphasis (`**Term**: …`)."""
    emphasis_only: bool = False
    """All of the block's text is emphasised (`_What will you focus on tomorrow?_`)."""
    strong_text: str = ""
    """The words of that opening strong emphasis (`Term`, or `Date:` for `**Date:** …`)."""
    has_prose: bool = False
    has_unstruck_prose: bool = False
    math: bool = False

    @property
    def struck(self) -> bool:
        """All of the block's prose is struck through (`~~done~~`)."""
        return self.has_prose and not self.has_unstruck_prose

    cached_text: str | None = None

    @property
    def text(self) -> str:
        """The block's plain text, soft and hard breaks as newlines."""
        if self.kind in ("code", "html"):
            return self.raw
        if self.cached_text is None:
            self.cached_text = "".join(text for _, text, _ in self.pieces).strip()
        return self.cached_text

    def cells(self) -> list[str]:
        """A table row's cells as plain text (other blocks: one cell, their text)."""
        cells: list[str] = [""]
        for kind, text, _ in self.pieces:
            if kind == CELL:
                cells.append("")
            elif kind != BREAK:
                cells[-1] += text
        return [cell.strip() for cell in cells]

    def prose(self) -> str:
        """Only the prose pieces: no code, math or URLs."""
        return "".join(
            "\n" if kind == BREAK else (text if kind == TEXT else " ")
            for kind, text, _ in self.pieces
        )

    def lines(self) -> list[tuple[int, list[Piece]]]:
        """The pieces grouped by source line, in order."""
        grouped: list[tuple[int, list[Piece]]] = []
        current: list[Piece] = []
        current_line = self.line
        for piece in self.pieces:
            if piece[0] == BREAK:
                if current:
                    grouped.append((current_line, current))
                current = []
                current_line = piece[2] + 1
                continue
            if not current:
                current_line = piece[2]
            current.append(piece)
        if current:
            grouped.append((current_line, current))
        return grouped


class LineMap:
    """Byte offsets of a UTF-8 text to 1-based line numbers."""

    __slots__ = ("_data", "_starts")

    def __init__(self, data: bytes) -> None:
        self._data = data
        starts = [0]
        find = data.find
        position = find(b"\n")
        while position != -1:
            starts.append(position + 1)
            position = find(b"\n", position + 1)
        self._starts = starts

    def line(self, offset: int) -> int:
        return bisect_right(self._starts, offset)

    def end_line(self, end_offset: int) -> int:
        """The line of the last byte of a range ending (exclusively) at `end_offset`."""
        return bisect_right(self._starts, max(end_offset - 1, 0))

    def blank(self, line: int) -> bool:
        """Whether 1-based `line` holds only white space."""
        starts = self._starts
        start = starts[line - 1]
        end = starts[line] if line < len(starts) else len(self._data)
        return not self._data[start:end].strip()


WIKI_BARE = 1
WIKI_ALIASED = 2
"""How a wiki link was written: `[[Note]]` (its text is its target) or `[[Note|alias]]`."""


def wiki_text(target: str) -> str:
    """What Obsidian shows for `[[target]]`: `Note`, `Note > Heading`, `Heading` for
    `[[#Heading]]`; a block id (`#^abc`) is not shown."""
    name, _, fragment = target.partition("#")
    name = name.strip()
    fragment = fragment.strip()
    if not fragment or fragment.startswith("^"):
        return name or target
    return f"{name} > {fragment}" if name else fragment


def split_urls(text: str, line: int) -> list[Piece]:
    """Prose text as pieces, bare URLs split off as URL pieces."""
    if "://" not in text and "www." not in text:
        return [(TEXT, text, line)]
    pieces: list[Piece] = []
    last = 0
    for match in BARE_URL.finditer(text):
        if match.start() > last:
            pieces.append((TEXT, text[last : match.start()], line))
        pieces.append((URL, match.group(), line))
        last = match.end()
    if last < len(text):
        pieces.append((TEXT, text[last:], line))
    return pieces


CALLOUT_MARKER = re.compile(r"^\[![A-Za-z][\w-]{0,30}\][+-]?[ \t]*")
"""An Obsidian callout's marker opening a block quote (`[!note]`, `[!tip]-`): how it is
drawn, not what it says."""
_FENCE = re.compile(r"^[ \t]{0,3}(?:>[ \t]?)*[ \t]{0,3}(`{3,}|~{3,})")
COMMENT_MARK = "%%"


def without_comments(text: str) -> str:
    """`text` without its Obsidian comments (`%% … %%`, on one line or several): what
    they hold is never indexed nor published. Newlines stay, so every line keeps its
    number. Not in fenced or inline code (`%%timeit`); a `%%` never closed is text.
    One pass over the text, plus one search for each comment's end."""
    if COMMENT_MARK not in text:
        return text
    out: list[str] = []
    position = 0
    fence = ""
    length = len(text)
    while position < length:
        line_end = text.find("\n", position)
        line_end = length if line_end < 0 else line_end + 1
        line = text[position:line_end]
        opened = _FENCE.match(line)
        if fence:
            if opened and opened.group(1)[0] == fence[0] and len(opened.group(1)) >= len(fence):
                fence = ""
            out.append(line)
            position = line_end
            continue
        if opened or COMMENT_MARK not in line:
            fence = opened.group(1) if opened else ""
            out.append(line)
            position = line_end
            continue
        column = position
        unmatched: set[int] = set()  # code span openers with no closer left on the line
        while column < line_end:
            char = text[column]
            if char == "`":
                run = column
                while run < line_end and text[run] == "`":
                    run += 1
                closing = (
                    -1 if run - column in unmatched else text.find(text[column:run], run, line_end)
                )
                if closing < 0:
                    unmatched.add(run - column)
                column = run if closing < 0 else closing + (run - column)
                continue
            if char == "%" and text.startswith(COMMENT_MARK, column):
                end = text.find(COMMENT_MARK, column + 2)
                if end < 0:
                    break  # never closed: the rest is text
                out.append(text[position:column])
                out.append("\n" * text.count("\n", column, end))
                position = column = end + 2
                line_end = text.find("\n", position)
                line_end = length if line_end < 0 else line_end + 1
                continue
            column += 1
        out.append(text[position:line_end])
        position = line_end
    return "".join(out)


def visible_html_text(html: str) -> str:
    """The readable text of raw HTML: comments, scripts and styles dropped."""
    return _HTML_TAG.sub(" ", _HTML_HIDDEN.sub(" ", html))


def parse_blocks(text: str) -> list[Block]:
    """Parse Markdown `text` (front matter already blanked out) into blocks."""
    data = text.encode("utf-8")
    lines = LineMap(data)
    line_of = lines.line
    blocks: list[Block] = []
    current: Block | None = None
    # Stack of open list items (block indexes) and whether the item already has
    # taken its first paragraph.
    items: list[int] = []
    item_has_text: list[bool] = []
    footnote: str | None = None
    quote_depth = 0
    link_stack: list[tuple[str, bool, bool, int, list[str], int]] = []
    html_comment = False
    opening_strong: Block | None = None
    emphasis = 0
    strike = 0
    in_code = False
    in_html = False

    def open_block(kind: str, start: int, **extra: Any) -> Block:
        if data[start : start + 1] == b"\n":
            start += 1  # a list item indented by a tab starts at the line break before it
        block = Block(kind, line_of(start), line_of(start), footnote=footnote, **extra)
        block.quote = quote_depth
        if items:
            block.item = items[-1]
            block.depth = len(items)
        blocks.append(block)
        return block

    def close_block(block: Block, end: int) -> None:
        last = lines.end_line(end)
        while last > block.line and lines.blank(last):
            last -= 1  # a list item's range takes the blank lines after it
        block.end_line = max(block.line, last)

    def add_text(value: str, start: int) -> None:
        if current is None:
            return
        line = line_of(start)
        if link_stack:
            if link_stack[-1][5] == WIKI_BARE:
                value = wiki_text(value)
            link_stack[-1][4].append(value)
            if link_stack[-1][1]:  # image alt text
                current.pieces.append((ALT, value, line))
                return
            if link_stack[-1][2]:  # autolink: the text is the URL
                current.pieces.append((URL, value, line))
                return
        if "{:" in value:
            value = KRAMDOWN_MARKER.sub("", value)
            if not value:
                return
        pieces = split_urls(value, line)
        if link_stack and len(pieces) == 1 and pieces[0][0] == TEXT:
            pieces = [(LINK_TEXT, value, line)]
        if len(pieces) > 1 or pieces[0][0] == URL:
            for kind, piece, _ in pieces:
                if kind == URL:
                    if link_stack:
                        current.pieces.append((LINK_URL, piece, line))
                        continue
                    url = piece if "://" in piece else "https://" + piece
                    current.links.append(RawLink(url, piece, line, False, True))
                current.pieces.append((kind, piece, line))
        else:
            current.pieces.append(pieces[0])
        if value.strip():
            current.has_prose = True
            if not strike:
                current.has_unstruck_prose = True
            if not emphasis:
                current.emphasis_only = False

    for event, span in pyromark.events_with_range(text, options=MARKDOWN_OPTIONS):
        start = span["start"]
        if isinstance(event, str):
            if event in ("SoftBreak", "HardBreak"):
                if link_stack:
                    link_stack[-1][4].append(" ")
                if current is not None:
                    current.pieces.append((BREAK, "\n", line_of(start)))
            elif event == "Rule":
                block = open_block("rule", start)
                close_block(block, span["end"])
            continue
        value: Any
        ((key, value),) = cast(dict[str, Any], event).items()
        if key == "Text":
            if in_code or in_html:
                if current is not None:
                    current.raw += value
            elif not html_comment:
                add_text(value, start)
        elif key == "Start":
            if isinstance(value, str):
                tag = value
                payload: Any = None
            else:
                ((tag, payload),) = value.items()
            if tag == "Paragraph":
                if (
                    items
                    and not item_has_text[-1]
                    and current is not None
                    and current.kind == "item"
                ):
                    item_has_text[-1] = True
                    continue
                current = open_block("para", start)
            elif tag == "Item":
                parent = items[-1] if items else -1
                if items:
                    item_has_text[-1] = True
                current = open_block("item", start, parent=parent)
                items.append(len(blocks) - 1)
                item_has_text.append(False)
                current.item = len(blocks) - 1
                current.depth = len(items)
            elif tag == "Heading":
                current = open_block("heading", start, level=int(payload["level"][1]))
                current.setext = data[start : start + 1] != b"#"
            elif tag == "CodeBlock":
                lang = None
                if isinstance(payload, dict):
                    info = payload.get("Fenced", "") or ""
                    lang = info.split()[0].strip("{}.").lower() if info.strip() else None
                current = open_block("code", start, lang=lang)
                in_code = True
            elif tag == "HtmlBlock":
                current = open_block("html", start)
                in_html = True
            elif tag == "Table":
                current = None
            elif tag in ("TableRow", "TableHead"):
                current = open_block("row", start, level=1 if tag == "TableHead" else 0)
            elif tag == "TableCell":
                if current is not None and current.pieces:
                    current.pieces.append((CELL, " | ", line_of(start)))
            elif tag in ("Link", "Image"):
                link_type = payload.get("link_type")
                autolink = link_type in ("Autolink", "Email")
                wiki = 0
                if isinstance(link_type, dict) and "WikiLink" in link_type:
                    aliased = (link_type["WikiLink"] or {}).get("has_pothole")
                    wiki = WIKI_ALIASED if aliased else WIKI_BARE
                link_stack.append(
                    (
                        payload.get("dest_url", ""),
                        tag == "Image",
                        autolink,
                        line_of(start),
                        [],
                        wiki,
                    )
                )
            elif tag == "Strikethrough":
                strike += 1
            elif tag == "Emphasis":
                emphasis += 1
                if current is not None and not current.pieces:
                    current.emphasis_only = True
            elif tag == "Strong":
                if current is not None and not current.pieces:
                    current.strong_start = True
                    opening_strong = current
            elif tag == "FootnoteDefinition":
                footnote = str(payload)
            elif tag == "BlockQuote":
                quote_depth += 1
            elif tag == "List":
                if items:
                    item_has_text[-1] = True
        elif key == "End":
            tag = value if isinstance(value, str) else next(iter(value))
            if tag in ("TableRow", "TableHead"):
                if current is not None:
                    close_block(current, span["end"])
                current = None
            elif tag == "Table":
                current = blocks[items[-1]] if items else None
            elif tag in ("Paragraph", "Heading", "CodeBlock", "HtmlBlock"):
                if current is not None:
                    close_block(current, span["end"])
                in_code = in_html = False
                if tag == "Paragraph" and items and current is not None:
                    # Later paragraphs of the same item are blocks of their own.
                    current = blocks[items[-1]] if current.kind == "item" else None
                    item_has_text[-1] = True
                else:
                    current = blocks[items[-1]] if items else None
            elif tag == "Item":
                index = items.pop()
                item_has_text.pop()
                close_block(blocks[index], span["end"])
                current = blocks[items[-1]] if items else None
            elif tag in ("Link", "Image"):
                url, image, autolink, line, parts, wiki = link_stack.pop()
                if wiki and data[span["end"] : span["end"] + 1] == b"(":
                    pass  # `[[1]](https://…)`: a citation mark before a link, not a wiki link
                elif current is not None:
                    current.links.append(
                        RawLink(url, "".join(parts).strip(), line, image, autolink, wiki > 0)
                    )
            elif tag == "Strikethrough":
                strike -= 1
            elif tag == "Emphasis":
                emphasis -= 1
            elif tag == "Strong" and opening_strong is not None:
                opening_strong.strong_text = "".join(
                    piece[1] for piece in opening_strong.pieces
                ).strip()
                opening_strong = None
            elif tag == "FootnoteDefinition":
                footnote = None
            elif tag == "BlockQuote":
                quote_depth -= 1
        elif key == "Code":
            if current is not None and not html_comment:
                current.pieces.append((CODE, value, line_of(start)))
                if link_stack:
                    link_stack[-1][4].append(value)
        elif key in ("InlineMath", "DisplayMath"):
            if current is not None and not html_comment:
                current.pieces.append((MATH, value, line_of(start)))
                current.math = True
        elif key == "Html":
            if current is not None:
                current.raw += value
        elif key == "InlineHtml":
            if html_comment:
                if "-->" in value:
                    html_comment = False
            elif value.startswith("<!--") and "-->" not in value:
                html_comment = True
            elif (name := _NAME_IN_BRACKETS.match(value)) and (
                name.group(1).casefold() not in _HTML_ELEMENTS
            ):
                add_text(value, start)  # `<Longformer>`: a name in angle brackets, not HTML
        elif key == "TaskListMarker":
            if current is not None and current.kind == "item":
                current.task = bool(value)
        elif key == "FootnoteReference":
            if current is not None and not html_comment:
                current.footnote_refs.append(str(value))
    return blocks


def split_lines(blocks: list[Block], starts: dict[int, list[int]]) -> list[Block]:
    """`blocks` with some paragraphs cut into pieces: `starts` maps a paragraph's index to
    the lines where a new piece begins (its first line always does).

    A log written as dated lines often keeps several entries in one paragraph
    (`11.7. met the group` / `16.7. fixed the URLs`); each line is then its own block.
    Indexes held by blocks (`item`, `parent`) are moved along.
    """
    if not starts:
        return blocks
    result: list[Block] = []
    moved: dict[int, int] = {}
    for index, block in enumerate(blocks):
        moved[index] = len(result)
        cuts = sorted({block.line, *starts.get(index, [])})
        if len(cuts) < 2:
            result.append(block)
            continue
        bounds = [*cuts[1:], block.end_line + 1]
        for first, stop in zip(cuts, bounds, strict=True):
            pieces = [p for p in block.pieces if first <= p[2] < stop]
            while pieces and pieces[0][0] == BREAK:
                pieces.pop(0)
            while pieces and pieces[-1][0] == BREAK:
                pieces.pop()
            part = Block(
                block.kind,
                first,
                stop - 1,
                footnote=block.footnote,
                quote=block.quote,
                item=block.item,
                depth=block.depth,
                pieces=pieces,
                links=[link for link in block.links if first <= link.line < stop],
                footnote_refs=list(block.footnote_refs) if first == block.line else [],
                has_prose=any(kind == TEXT and text.strip() for kind, text, _ in pieces),
                math=any(kind == MATH for kind, _, _ in pieces),
            )
            part.has_unstruck_prose = part.has_prose and block.has_unstruck_prose
            result.append(part)
    for block in result:
        if block.item >= 0:
            block.item = moved.get(block.item, block.item)
        if block.parent >= 0:
            block.parent = moved.get(block.parent, block.parent)
    return result
