"""Labels that give list items a meaning: TODO, Questions, Glossary, Learning targets.

A label is a heading, a short paragraph (`Next steps:`) or a list item with
children (`- Questions:`). Every block gets the set of labels it stands under,
computed once per file, so each extractor only has to look the set up.
"""

from __future__ import annotations

import re

from tilbook.parse.blocks import Block

TODO = "todo"
QUESTIONS = "questions"
TERMS = "terms"
TARGETS = "targets"

_LABELS = (
    (TODO, re.compile(r"^(?:to-?dos?|to[ -]do(?: list)?|next steps?|action items?|할 ?일)$", re.I)),
    (QUESTIONS, re.compile(r"^(?:open |my |some )?questions?$|^질문$|^궁금한 ?점$", re.I)),
    (
        TERMS,
        re.compile(
            r"(?<![\w-])(?:terms?|glossary|concepts?|definitions?|vocabulary|terminology)\b"
            r"|용어|개념",
            re.I,
        ),
    ),
    (
        TARGETS,
        re.compile(
            # Bare singular "Goal" / "Objective" is usually an algorithm's, not the learner's.
            r"^(?:my\s+)?(?:(?:long|short|mid)[- ]term|learning|study)\s+"
            r"(?:targets?|goals?|objectives?)\b"
            r"|^(?:my\s+)?(?:targets|goals|objectives)\b"
            r"|^what i(?:'|’| a)?m (?:currently )?learning\b"
            r"|^what i (?:want|plan|would like|hope) to learn\b"
            r"|^(?:currently learning|learning plan|to learn)\b"
            r"|학습 ?목표|공부할 ?것",
            re.I,
        ),
    ),
)
_TRIM = re.compile(r"\s*(?:\([^)]*\))?\s*[:：]?\s*$")
MAX_LABEL_LENGTH = 60


def label_kinds(text: str) -> frozenset[str]:
    """Which labels `text` (a heading or a short line) is, if any."""
    text = text.strip().strip("*_").strip()
    if not text or len(text) > MAX_LABEL_LENGTH or "\n" in text:
        return frozenset()
    text = _TRIM.sub("", text).strip("*_ ")
    return frozenset(kind for kind, pattern in _LABELS if pattern.search(text))


def _line_label(block: Block) -> frozenset[str]:
    """Labels of a paragraph or item that is just a label (`TODO:`, `**Questions**`)."""
    text = block.text
    if not text or len(text) > MAX_LABEL_LENGTH or "\n" in text:
        return frozenset()
    if not text.rstrip().endswith((":", "：")) and len(text.split()) > 4:
        return frozenset()
    return label_kinds(text)


def contexts(blocks: list[Block]) -> list[frozenset[str]]:
    """For each block, the labels it stands under.

    For items, TODO and Questions apply only to the label's direct items;
    Glossary and Learning targets to every item below the label.
    """
    result: list[frozenset[str]] = []
    headings: list[tuple[int, frozenset[str]]] = []
    paragraph_label: frozenset[str] = frozenset()
    item_labels: dict[int, frozenset[str]] = {}
    empty: frozenset[str] = frozenset()
    for index, block in enumerate(blocks):
        kind = block.kind
        if kind == "heading":
            while headings and headings[-1][0] >= block.level:
                headings.pop()
            headings.append((block.level, label_kinds(block.text)))
            paragraph_label = empty
            result.append(empty)
            continue
        if kind == "para" and block.depth == 0:
            paragraph_label = _line_label(block)
            result.append(empty)
            continue
        if kind != "item" and block.depth == 0:
            if kind not in ("html", "rule"):
                paragraph_label = empty
            result.append(empty)
            continue
        under: set[str] = set()
        for _, kinds in headings:
            under |= kinds
        under |= paragraph_label
        top_level = block.depth == 1
        if not top_level:
            under -= {TODO, QUESTIONS}
        if kind == "item":
            parent = block.parent
            if parent in item_labels:
                under |= item_labels[parent]
            ancestor = blocks[parent].parent if parent >= 0 else -1
            while ancestor >= 0:
                under |= item_labels.get(ancestor, empty) - {TODO, QUESTIONS}
                ancestor = blocks[ancestor].parent
            own = _line_label(block)
            if own:
                item_labels[index] = own
        result.append(frozenset(under))
    return result
