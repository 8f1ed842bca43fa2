"""Raw HTML that opens entries: heading elements and dated `<summary>` lines.

Some logs write their day headings in HTML (`<h3>Day 2 - May 6th, 2024</h3>`) or fold
each day into `<details><summary>2024-05-06</summary> … </details>`. CommonMark reads
those lines as an HTML block (with the lines under them, up to a blank line), which
says nothing to the layout. A person reads them as headings, so they are made
headings here:

- an HTML heading element `<h1>`–`<h6>` alone on its line is a heading of that level;
- a `<summary>` (with the `<details>` that opens it) holding a date is a heading one
  level under the Markdown heading before it, so each folded day is a dated entry.

The text that follows such a heading in the same HTML block (`<b>Progress:</b> …`) is
what the entry says, read as a paragraph of its visible text. Nothing else changes.
"""

from __future__ import annotations

import html
import re

from tilbook.parse.blocks import (
    BREAK,
    TEXT,
    Block,
    parse_blocks,
    split_urls,
    visible_html_text,
)
from tilbook.parse.dates import find_date

_HEADING = re.compile(r"^\s*<h([1-6])(?:\s[^<>]*)?>(?P<inner>.*?)</h\1\s*>\s*$", re.IGNORECASE)
_SUMMARY = re.compile(
    r"^\s*(?:<details(?:\s[^<>]*)?>\s*)?<summary(?:\s[^<>]*)?>(?P<inner>.*?)</summary\s*>\s*$",
    re.IGNORECASE,
)
_DETAILS_OPEN = re.compile(r"^\s*<details(?:\s[^<>]*)?>\s*$", re.IGNORECASE)


def _visible(text: str) -> str:
    return " ".join(html.unescape(visible_html_text(text)).split())


def _opener(line: str, parent_level: int) -> tuple[int, str, bool] | None:
    """The level and words of a heading written in HTML on `line`, and whether it is a
    `<summary>`; None when the line is not one."""
    heading = _HEADING.match(line)
    if heading is not None:
        words = _visible(heading.group("inner"))
        return (int(heading.group(1)), words, False) if words else None
    summary = _SUMMARY.match(line)
    if summary is not None:
        words = _visible(summary.group("inner"))
        if words and find_date(words, year=2000) is not None:
            return min(parent_level + 1, 6), words, True
    return None


def _text_block(source: Block, lines: list[tuple[int, str]]) -> Block:
    """A paragraph of the visible text of some lines of an HTML block."""
    block = Block(
        "para",
        lines[0][0],
        lines[-1][0],
        footnote=source.footnote,
        quote=source.quote,
        depth=source.depth,
    )
    for number, line in lines:
        words = _visible(line)
        if not words:
            continue
        if block.pieces:
            block.pieces.append((BREAK, "\n", number - 1))
        block.pieces.extend(split_urls(words, number))
    block.has_prose = block.has_unstruck_prose = bool(block.pieces)
    return block


def _html_block(source: Block, lines: list[tuple[int, str]]) -> Block:
    return Block(
        "html",
        lines[0][0],
        lines[-1][0],
        footnote=source.footnote,
        quote=source.quote,
        depth=source.depth,
        raw="".join(line + "\n" for _, line in lines),
    )


def _markdown(source: Block, lines: list[tuple[int, str]]) -> list[Block]:
    """Lines that follow an HTML heading in its HTML block, read as what a person sees:
    Markdown (`<b>Progress:</b> …` is a paragraph, `#### Topic` a heading) when the block
    stands at the top level, else the paragraph of their visible text."""
    if source.depth or source.quote:
        return [_text_block(source, lines)]
    padding = "\n" * (lines[0][0] - 1)
    return parse_blocks(padding + "".join(line + "\n" for _, line in lines))


def _split(block: Block, parent_level: int) -> list[Block] | None:
    """`block` (an HTML block) as the blocks a person reads, or None when it opens nothing.
    Blocks read again as Markdown keep their `item`/`parent` indexes into their own run."""
    lines = list(enumerate(block.raw.rstrip("\n").split("\n"), start=block.line))
    openers = {number: _opener(line, parent_level) for number, line in lines}
    if not any(openers.values()):
        return None
    parts: list[Block] = []
    pending: list[tuple[int, str]] = []
    after_heading = False

    def flush() -> None:
        if not pending:
            return
        if after_heading and any(_visible(line) for _, line in pending):
            run = _markdown(block, list(pending))
            for read in run:  # indexes into the run, made indexes into `parts`
                read.item += len(parts) if read.item >= 0 else 0
                read.parent += len(parts) if read.parent >= 0 else 0
            parts.extend(run)
        else:
            parts.append(_html_block(block, list(pending)))
        pending.clear()

    for number, line in lines:
        found = openers[number]
        if found is None:
            pending.append((number, line))
            continue
        level, words, summary = found
        first = number
        if summary and pending and _DETAILS_OPEN.match(pending[-1][1]):
            first = pending.pop()[0]  # the `<details>` that the summary opens
        flush()
        heading = Block(
            "heading",
            first,
            number,
            level=level,
            footnote=block.footnote,
            quote=block.quote,
            depth=block.depth,
            raw="".join(text + "\n" for at, text in lines if first <= at <= number),
            pieces=[(TEXT, words, number)],
        )
        heading.has_prose = heading.has_unstruck_prose = True
        parts.append(heading)
        after_heading = True
    flush()
    return parts


def is_summary(block: Block) -> bool:
    """A heading made of a `<summary>` line (a folded day)."""
    return block.kind == "heading" and "<summary" in block.raw.casefold()


_DETAILS_CLOSE = re.compile(r"</details\s*>", re.IGNORECASE)


def html_headings(blocks: list[Block]) -> list[Block]:
    """`blocks` with HTML heading elements and dated `<summary>` lines made headings.

    A Markdown heading inside a folded day (between its `<summary>` and `</details>`)
    is part of that day: it is read one level under the summary. Indexes held by
    blocks (`item`, `parent`) are moved along.
    """
    if not any(block.kind == "html" for block in blocks):
        return blocks
    # What each block's `item` and `parent` point at, as blocks (indexes move).
    owners: dict[int, tuple[Block | None, Block | None]] = {}

    def remember(run: list[Block], inherit: Block | None = None) -> None:
        for block in run:
            if inherit is not None and block.item < 0 and block.parent < 0:
                owners[id(block)] = owners.get(id(inherit), (None, None))
                continue
            owners[id(block)] = (
                run[block.item] if 0 <= block.item < len(run) else None,
                run[block.parent] if 0 <= block.parent < len(run) else None,
            )

    remember(blocks)
    queue = list(reversed(blocks))
    result: list[Block] = []
    level = 1  # of the last heading outside a folded day
    folded = 0  # level of the open folded day, 0 when none is open
    last_fold = 0  # level of the last folded day
    changed = False
    while queue:
        block = queue.pop()
        if block.kind == "heading" and not is_summary(block):
            if folded and block.level <= folded:
                block.level = min(folded + 1, 6)
                changed = True
            if not folded:
                level = block.level
        parts = None
        if block.kind == "html" and block.footnote is None:
            parent = last_fold - 1 if last_fold and level >= last_fold else level
            parts = _split(block, parent)
        if parts is None:
            if block.kind == "html" and _DETAILS_CLOSE.search(block.raw):
                folded = 0
            result.append(block)
            continue
        changed = True
        remember(parts, inherit=block)
        queue.extend(reversed(parts[1:]))
        first = parts[0]
        if first.kind == "heading":
            if is_summary(first):
                folded = last_fold = first.level
            else:
                folded = 0
                level = first.level
        elif first.kind == "html" and _DETAILS_CLOSE.search(first.raw):
            folded = 0
        result.append(first)
    if not changed:
        return blocks
    position = {id(block): index for index, block in enumerate(result)}
    for block in result:
        owner, enclosing = owners.get(id(block), (None, None))
        block.item = position.get(id(owner), -1) if owner is not None else -1
        block.parent = position.get(id(enclosing), -1) if enclosing is not None else -1
    return result
