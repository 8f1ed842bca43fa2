"""Per-entry extraction: tags, links, papers, TODOs, questions, terms, targets.

Each function takes the blocks of one entry (and their label contexts, see
`labels.contexts`) and returns model records. Only prose counts for tags and
questions: code, math and URLs never do.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence

from tilbook.extract.labels import QUESTIONS, TARGETS, TERMS, TODO
from tilbook.extract.links import link_kind, paper_id, paper_title
from tilbook.model import Link, Paper, Question, Target, Term, Todo
from tilbook.parse.blocks import BREAK, ENTRY_MARKER, TEXT, Block

TAG = re.compile(r"(?<![\w&#/\\\[])#(\w[\w\-]*)")


def tags_in(text: str) -> list[str]:
    """`#Tag` markers in prose text, without `#`, in order (a tag needs a letter)."""
    found = []
    for match in TAG.finditer(text):
        tag = match.group(1).rstrip("-_")
        if tag and any(char.isalpha() for char in tag):
            found.append(tag)
    return found


def unique(values: Iterable[str]) -> list[str]:
    """Values without case-insensitive duplicates, first spelling kept, in order."""
    seen: set[str] = set()
    result = []
    for value in values:
        key = value.casefold()
        if key not in seen:
            seen.add(key)
            result.append(value)
    return result


_TAGS_LABEL = re.compile(
    r"^[*_]{0,2}(?:tags?|keywords?|labels?|topics|schlagw(?:ö|oe)rter|stichw(?:ö|oe)rter|"
    r"étiquettes|etiquettes|mots[- ]clés|etiquetas|palabras clave|parole chiave|"
    r"태그|키워드|标签|標籤|关键词|關鍵詞|タグ|キーワード)[*_]{0,2}\s?[:：][*_]{0,2}\s*(?P<rest>.+)$",
    re.IGNORECASE,
)
_AT_TAG = re.compile(r"(?<![\w@.])@([^\W\d][\w\-]*)")
_AT_TAGS_LINE = re.compile(r"^(?:\s*@[^\W\d][\w\-]*[,;]?)+\s*$")
_TRAILING_AT_TAGS = re.compile(r"(?:\s@[^\W\d][\w\-]*)+\s*$")


def tags_line(text: str) -> list[str] | None:
    """The tags of a line that only lists tags (`Tags: pytorch, data loading`, `@ml @gpu`),
    or None when the line says something else."""
    labelled = _TAGS_LABEL.match(text.strip())
    if labelled is not None:
        rest = labelled.group("rest")
        parts = re.split(r"\s*[,;、，]\s*", rest) if re.search(r"[,;、，]", rest) else rest.split()
        return unique(part.strip().lstrip("#@").strip() for part in parts if part.strip("#@ "))
    if _AT_TAGS_LINE.match(text):
        return unique(_AT_TAG.findall(text))
    return None


def block_tags(block: Block) -> list[str]:
    """`#Tag` markers in a block's prose; also the tags of a tags line (`Tags: a, b`) and
    jrnl-style `@tags` ending a line."""
    prose = "".join(text for kind, text, _ in block.pieces if kind == TEXT)
    found = tags_in(prose) if "#" in prose else []
    if block.kind in ("para", "item") and ("@" in prose or ":" in prose or "：" in prose):
        for line in prose.split("\n"):
            listed = tags_line(line)
            if listed is not None:
                found.extend(listed)
            elif "@" in line and (trailing := _TRAILING_AT_TAGS.search(line)) is not None:
                found.extend(_AT_TAG.findall(trailing.group()))
    return found


def entry_tags(blocks: Sequence[Block], file_tags: Sequence[str]) -> list[str]:
    tags: list[str] = []
    for block in blocks:
        tags.extend(block_tags(block))
    return unique([*tags, *file_tags])


def entry_links(blocks: Sequence[Block]) -> list[Link]:
    return [
        Link(raw.url, raw.text or raw.url, link_kind(raw.url, image=raw.image), raw.line)
        for block in blocks
        for raw in block.links
    ]


def entry_papers(links: Sequence[Link]) -> list[Paper]:
    papers: dict[str, Paper] = {}
    for link in links:
        if link.kind != "paper":
            continue
        identifier = paper_id(link.url)
        if identifier is None:
            continue
        title = paper_title(link.text, link.url)
        if identifier not in papers:
            papers[identifier] = Paper(identifier, link.url, title, link.line)
        elif papers[identifier].title is None and title is not None:
            papers[identifier].title = title
    return list(papers.values())


_CHECKBOX = re.compile(r"^\s*\[([ xX])\]\s+")
_MARKER = ENTRY_MARKER
_TODO_LINE = re.compile(r"^\s*(?:TODO|ToDo|Todo|To-?do)\s*[:：]\s*(\S.*)$")
_ORG_KEYWORD = re.compile(r"^(TODO|DONE)\s+(?:\[#[A-Z]\]\s+)?(\S.*)$")
"""An org-mode style item: `TODO write the blog post`, `DONE [#A] read the paper`."""
_DONE_MARK = ("✅", "✔", "☑")


def _one_line(text: str) -> str:
    return " ".join(text.split())


def entry_todos(blocks: Sequence[Block], contexts: Sequence[frozenset[str]]) -> list[Todo]:
    todos = []
    for block, under in zip(blocks, contexts, strict=True):
        if block.kind == "item":
            text, extra = _item_and_todo_lines(block)
            todos.extend(extra)
            line_todo = _TODO_LINE.match(text)
            if block.task is not None:
                todos.append(Todo(text, block.task, block.line, block.end_line))
            elif org := _ORG_KEYWORD.match(text):
                todos.append(
                    Todo(org.group(2).strip(), org.group(1) == "DONE", block.line, block.end_line)
                )
            elif TODO in under or line_todo:
                if line_todo and TODO not in under:
                    text = line_todo.group(1).strip()
                checkbox = _CHECKBOX.match(text)
                done = block.struck or text.startswith(_DONE_MARK)
                if checkbox:
                    done = checkbox.group(1) != " "
                    text = text[checkbox.end() :]
                if text:
                    todos.append(Todo(text, done, block.line, block.end_line))
        elif block.kind == "para" and "TODO" in block.text.upper():
            for line, pieces in block.lines():
                text = _MARKER.sub("", _one_line("".join(piece[1] for piece in pieces)), count=1)
                match = _TODO_LINE.match(text)
                if match:
                    todos.append(Todo(match.group(1).strip(), False, line))
    return todos


def _item_and_todo_lines(block: Block) -> tuple[str, list[Todo]]:
    """An item's own text, and `TODO:` lines written right under it.

    CommonMark folds a `TODO: …` line that follows an item without a blank
    line into the item (a lazy continuation); it is still its own TODO.
    """
    lines = block.lines()
    if len(lines) < 2 or "TODO" not in block.text.upper():
        return _one_line(block.text), []
    own: list[str] = []
    extra: list[Todo] = []
    for position, (line, pieces) in enumerate(lines):
        text = _one_line("".join(piece[1] for piece in pieces))
        match = _TODO_LINE.match(text) if position else None
        if match:
            extra.append(Todo(match.group(1).strip(), False, line))
        elif not extra:
            own.append(text)
    return " ".join(own), extra


def _line_has_question(pieces: Iterable[tuple[str, str, int]]) -> bool:
    return any(kind == TEXT and "?" in text for kind, text, _ in pieces)


def entry_questions(blocks: Sequence[Block], contexts: Sequence[frozenset[str]]) -> list[Question]:
    questions = []
    for block, under in zip(blocks, contexts, strict=True):
        if block.kind == "item":
            if QUESTIONS in under or _line_has_question(block.pieces):
                text = _MARKER.sub("", _one_line(block.text), count=1)
                if text and not _is_bare_label(text):
                    questions.append(Question(text, block.line, block.end_line))
        elif block.kind == "para":
            if not _line_has_question(block.pieces):
                continue
            for line, pieces in block.lines():
                if _line_has_question(pieces):
                    text = _MARKER.sub(
                        "", _one_line("".join(piece[1] for piece in pieces)), count=1
                    )
                    if text:
                        questions.append(Question(text, line, line, inline=True))
    return questions


def _is_bare_label(text: str) -> bool:
    return text.rstrip().endswith(":") and len(text.split()) <= 3


_TERM = re.compile(
    r"^(?P<term>[^:：\n]{1,80}?)\s*[:：]\s+(?P<definition>\S.*)$"
    r"|^(?P<term2>[^\n]{1,80}?)\s+[-–—]{1,2}\s+(?P<definition2>\S.*)$",
    re.DOTALL,
)
MAX_TERM_WORDS = 10


def split_term(text: str) -> tuple[str, str] | None:
    """`Term: definition` / `Term - definition` as (term, definition), or None."""
    match = _TERM.match(text.strip())
    if match is None:
        return None
    term = (match.group("term") or match.group("term2") or "").strip().strip("*_").strip()
    definition = (match.group("definition") or match.group("definition2") or "").strip()
    if not term or not definition or "?" in term or len(term.split()) > MAX_TERM_WORDS:
        return None
    if term.endswith((".", ",")) or "://" in term:
        return None
    return term, _one_line(definition)


def entry_terms(blocks: Sequence[Block], contexts: Sequence[frozenset[str]]) -> list[Term]:
    terms = []
    for block, under in zip(blocks, contexts, strict=True):
        if block.kind == "item" and TERMS in under:
            pair = split_term(block.text.split("\n", 1)[0] if "\n" in block.text else block.text)
            if pair is not None:
                terms.append(Term(pair[0], pair[1], block.line))
    return terms


def file_targets(blocks: Sequence[Block], contexts: Sequence[frozenset[str]]) -> list[Target]:
    return [
        Target(_one_line(block.text), unique(block_tags(block)), block.line)
        for block, under in zip(blocks, contexts, strict=True)
        if block.kind == "item" and TARGETS in under and block.text.strip()
    ]


def code_languages(blocks: Sequence[Block]) -> list[str]:
    return unique(block.lang for block in blocks if block.kind == "code" and block.lang)


def has_math(blocks: Sequence[Block]) -> bool:
    return any(block.math for block in blocks)


def plain_lines(block: Block) -> str:
    """The block's text as search sees it."""
    if block.kind == "html":
        from tilbook.parse.blocks import visible_html_text

        return " ".join(visible_html_text(block.raw).split())
    if block.kind == "code":
        return block.raw.rstrip("\n")
    return "".join("\n" if kind == BREAK else text for kind, text, _ in block.pieces).strip()
