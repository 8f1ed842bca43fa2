"""A card's Markdown for the terminal (rich renderables) and for Anki (HTML).

Both go through pulldown-cmark (pyromark), the parser tilbook reads notes
with, so math is found exactly where indexing finds it. In the terminal, math
is shown as its TeX source, whole and styled apart (Markdown emphasis never
eats a `_` or `*` in it), and fenced code is highlighted with Pygments through
rich's `Syntax`. For Anki, math becomes MathJax `\\(…\\)` / `\\[…\\]` and the HTML
is sanitised.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, cast

import pyromark

from tilbook.parse.blocks import MARKDOWN_OPTIONS

if TYPE_CHECKING:
    from rich.console import RenderableType
    from rich.text import Text

_OPTIONS = MARKDOWN_OPTIONS

MATH_STYLE = "italic magenta"
CODE_STYLE = "bold cyan"
CODE_THEME = "ansi_dark"

_INLINE_STYLES = {
    "Emphasis": "italic",
    "Strong": "bold",
    "Strikethrough": "strike",
    "Link": "underline",
    "Image": "dim",
}


def _tag(value: Any) -> tuple[str, Any]:
    """`'Paragraph'` or `{'Heading': {...}}` as (tag, payload)."""
    if isinstance(value, str):
        return value, None
    ((tag, payload),) = cast(dict[str, Any], value).items()
    return str(tag), payload


class _TerminalWriter:
    """Turns pyromark events into a list of rich renderables."""

    def __init__(self) -> None:
        self.parts: list[RenderableType] = []
        self.text: Text | None = None
        self.text_indent = 0
        self.styles: list[str] = []
        self.lists: list[int | None] = []
        self.item_open = False
        """An item's marker is written and its first paragraph not yet begun."""
        self.quote = 0
        self.links: list[str] = []
        self.code: list[str] | None = None
        self.code_lang = ""
        self.cell = 0

    # -- blocks --------------------------------------------------------------------------------

    def _indent(self, continuation: bool) -> int:
        depth = len(self.lists)
        indent = 2 * self.quote
        if depth:
            indent += 2 * (depth - 1) + (2 if continuation else 0)
        return indent

    def open_text(self, prefix: str = "", style: str = "", *, continuation: bool = True) -> Text:
        from rich.text import Text

        self.flush()
        self.text = Text(prefix, style=style)
        self.text_indent = self._indent(continuation)
        return self.text

    def flush(self) -> None:
        from rich.padding import Padding

        text, self.text = self.text, None
        if text is None or not text.plain.strip():
            return
        text.rstrip()
        if self.quote:
            text.stylize("italic")
        indent = self.text_indent
        self.parts.append(Padding(text, (0, 0, 0, indent), expand=False) if indent else text)

    def add_block(self, renderable: RenderableType) -> None:
        from rich.padding import Padding

        self.flush()
        self.item_open = False
        indent = self._indent(True)
        self.parts.append(
            Padding(renderable, (0, 0, 0, indent), expand=False) if indent else renderable
        )

    # -- events --------------------------------------------------------------------------------

    def append(self, value: str, style: str = "") -> None:
        if self.text is None:
            self.open_text()
        assert self.text is not None
        combined = " ".join([*self.styles, style]).strip()
        self.text.append(value, style=combined or None)

    def start(self, tag: str, payload: Any) -> None:
        if tag == "Paragraph":
            if self.item_open:
                self.item_open = False
            else:
                self.open_text()
        elif tag == "Heading":
            self.open_text(style="bold")
        elif tag == "List":
            self.flush()
            self.item_open = False
            self.lists.append(payload if isinstance(payload, int) else None)
        elif tag == "Item":
            number = self.lists[-1] if self.lists else None
            if number is None:
                marker = "• "
            else:
                marker = f"{number}. "
                self.lists[-1] = number + 1
            self.open_text(marker, continuation=False)
            self.item_open = True
        elif tag == "BlockQuote":
            self.flush()
            self.quote += 1
        elif tag == "CodeBlock":
            self.flush()
            self.code = []
            fenced = payload.get("Fenced", "") if isinstance(payload, dict) else ""
            self.code_lang = fenced.split()[0].strip("{}.") if fenced and fenced.strip() else ""
        elif tag in ("TableHead", "TableRow"):
            self.open_text()
            self.cell = 0
        elif tag == "TableCell":
            if self.cell:
                self.append(" │ ", "dim")
            self.cell += 1
        elif tag == "FootnoteDefinition":
            self.open_text(f"[^{payload}]: ", "dim")
        elif tag in _INLINE_STYLES:
            self.styles.append(_INLINE_STYLES[tag])
            if tag in ("Link", "Image"):
                url = str(payload.get("dest_url", "")) if isinstance(payload, dict) else ""
                self.links.append(url)
                if tag == "Image":
                    self.append("[image: ")

    def end(self, tag: str) -> None:
        if tag in ("Paragraph", "Heading", "TableHead", "TableRow", "FootnoteDefinition", "Item"):
            self.flush()
            self.item_open = False
        elif tag == "List":
            self.flush()
            if self.lists:
                self.lists.pop()
        elif tag == "BlockQuote":
            self.flush()
            self.quote = max(self.quote - 1, 0)
        elif tag == "CodeBlock":
            from rich.syntax import Syntax

            code = "".join(self.code or []).rstrip("\n")
            self.code = None
            self.add_block(
                Syntax(
                    code,
                    self.code_lang or "text",
                    theme=CODE_THEME,
                    word_wrap=True,
                    background_color="default",
                )
            )
        elif tag in _INLINE_STYLES:
            if self.styles:
                self.styles.pop()
            if tag in ("Link", "Image"):
                url = self.links.pop() if self.links else ""
                if tag == "Image":
                    self.append("]")
                if url and not url.startswith("#"):
                    self.append(f" ({url})", "dim")

    def event(self, event: Any) -> None:
        if isinstance(event, str):
            if event in ("SoftBreak", "HardBreak"):
                self.append("\n")
            elif event == "Rule":
                from rich.rule import Rule

                self.add_block(Rule(style="dim"))
            return
        ((key, value),) = cast(dict[str, Any], event).items()
        if key == "Start":
            self.start(*_tag(value))
        elif key == "End":
            self.end(_tag(value)[0])
        elif key == "Text":
            if self.code is not None:
                self.code.append(value)
            else:
                self.append(value)
        elif key == "Code":
            self.append(value, CODE_STYLE)
        elif key == "InlineMath":
            self.append(f"${value}$", MATH_STYLE)
        elif key == "DisplayMath":
            from rich.text import Text

            lines = [line.strip() for line in str(value).strip().split("\n")]
            tex = "\n".join(line for line in lines if line)
            self.add_block(
                Text(f"$$ {tex} $$" if "\n" not in tex else f"$$\n{tex}\n$$", style=MATH_STYLE)
            )
        elif key in ("Html", "InlineHtml"):
            self.append(value, "dim")
        elif key == "TaskListMarker":
            self.append("[x] " if value else "[ ] ")
        elif key == "FootnoteReference":
            self.append(f"[^{value}]", "dim")


def card_renderable(markdown: str) -> RenderableType:
    """A card side for a rich console: Markdown laid out, math as TeX, code highlighted."""
    from rich.console import Group

    writer = _TerminalWriter()
    for event in pyromark.events(markdown, options=_OPTIONS):
        writer.event(event)
    writer.flush()
    return Group(*writer.parts)


def card_plain(markdown: str) -> str:
    """A card side as one line of plain text (for tables and lists)."""
    return " ".join(markdown.split())
