"""Per-entry extraction: tags, links, papers, TODOs, questions, terms, targets.

Each function takes the blocks of one entry (and their label contexts, see
`labels.contexts`) and returns model records. Only prose counts for tags and
questions: code, math and URLs never do.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence

from tilbook.extract import labels
from tilbook.extract.labels import DONE, EXERCISES, QUESTIONS, TARGETS, TERMS, TODO
from tilbook.extract.links import link_kind, paper_id, paper_title
from tilbook.model import Link, Paper, Question, Target, Term, Todo
from tilbook.parse.blocks import (
    BREAK,
    CALLOUT_MARKER,
    CELL,
    ENTRY_MARKER,
    LINK_TEXT,
    TEXT,
    URL,
    Block,
    without_block_id,
)

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
_LIST_SEPARATOR = re.compile(r"[,;、，]")
"""What separates the tags of a tags line (each part is stripped after)."""
_AT_TAG = re.compile(r"(?<![\w@.])@([^\W\d][\w\-]*)")
_AT_TAGS_LINE = re.compile(r"^(?:\s*@[^\W\d][\w\-]*[,;]?)+\s*$")
_AT_NAME = re.compile(r"[^\W\d][\w\-]*")


def trailing_at_tags(line: str) -> list[str]:
    """The jrnl-style `@tags` ending a line (`fixed the loader @ml @gpu` → `ml`, `gpu`):
    each after one white space character, the last one ending the line. Read from the
    right, so a line of many `@words` costs linear time."""
    text = line.rstrip()
    found: list[str] = []
    while (at := text.rfind("@")) >= 1 and text[at - 1].isspace():
        name = text[at + 1 :]
        if not _AT_NAME.fullmatch(name):
            break
        found.append(name)
        text = text[: at - 1]
    return found[::-1]


def tags_line(text: str) -> list[str] | None:
    """The tags of a line that only lists tags (`Tags: pytorch, data loading`, `@ml @gpu`),
    or None when the line says something else."""
    labelled = _TAGS_LABEL.match(text.strip())
    if labelled is not None:
        rest = labelled.group("rest")
        parts = (
            [part.strip() for part in _LIST_SEPARATOR.split(rest)]
            if _LIST_SEPARATOR.search(rest)
            else rest.split()
        )
        return unique(part.strip().lstrip("#@").strip() for part in parts if part.strip("#@ "))
    if _AT_TAGS_LINE.match(text):
        return unique(_AT_TAG.findall(text))
    return None


def block_tags(block: Block) -> list[str]:
    """`#Tag` markers in a block's prose; also the tags of a tags line (`Tags: a, b`) and
    jrnl-style `@tags` ending a line."""
    prose = "".join(
        text if kind == TEXT else "\n" for kind, text, _ in block.pieces if kind in (TEXT, BREAK)
    )
    found = tags_in(prose) if "#" in prose else []
    if block.kind in ("para", "item") and ("@" in prose or ":" in prose or "：" in prose):
        for line in prose.split("\n"):
            listed = tags_line(line)
            if listed is not None:
                found.extend(listed)
            elif "@" in line:
                found.extend(trailing_at_tags(line))
    return found


def at_tags(blocks: Sequence[Block]) -> list[str]:
    """Every `@tag` in the blocks' prose, wherever it stands (as jrnl reads them: `met
    @anna about the @thesis`); not in code or URLs, nor an address (`me@uni.edu`)."""
    found: list[str] = []
    for block in blocks:
        for kind, text, _ in block.pieces:
            if kind == TEXT and "@" in text:
                found.extend(_AT_TAG.findall(text))
    return found


def entry_tags(blocks: Sequence[Block], file_tags: Sequence[str]) -> list[str]:
    tags: list[str] = []
    for block in blocks:
        tags.extend(block_tags(block))
    return unique([*tags, *file_tags])


def entry_links(blocks: Sequence[Block]) -> list[Link]:
    """The links of an entry; an empty target (`[title]()`) or an anchor in the same page
    (`[see below](#notes)`) points nowhere else and is left out, and wiki links
    (`[[Note]]`, `![[pic.png]]`) are links between notes (`notelinks`), not URLs."""
    return [
        Link(raw.url, raw.text or raw.url, link_kind(raw.url, image=raw.image), raw.line)
        for block in blocks
        for raw in block.links
        if not raw.wiki
        and raw.url.strip()
        and not raw.url.startswith("#")
        and any(c.isalnum() for c in raw.url)
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


_CHECKBOX = re.compile(r"^\s*\[\s?([xX✓✔]|\s)?\s?\]\s+")
"""A checkbox CommonMark did not read as one (`[ X] done`, `[x ] done`, `[] open`)."""
_DONE_WORDS = "done|erledigt|fait|hecho|feito|fatto|완료|完了|完成|達成"
_DONE_SUFFIX = re.compile(
    rf"(?<!\s)\s*(?:(?:[:：\-–—]|→|->|=>)\s*(?:{_DONE_WORDS})\s*(?:[✅⭕✔]\ufe0f?)?"
    rf"|\((?:done|완료|完了|完成)\)|(?:→|->|=>)\s*[✅⭕✔]\ufe0f?)\s*$",
    re.I,
)
_OPEN_SUFFIX = re.compile(
    r"(?<!\s)\s*(?:→|->|=>)\s*(?:(?:not done|未達成|未完了|미완료)\s*(?:❌\ufe0f?)?|❌\ufe0f?)\s*$",
    re.I,
)
"""A goal's result written after it as not reached (`… → not done`, `…→未達成❌`)."""
"""A status written after a task (`impute the missing values: done`). It starts where
a run of white space starts (or at its mark), so a long run costs linear time."""
_DONE_PREFIX = re.compile(rf"^(?:{_DONE_WORDS})\s?[:：\-–—]?\s+(?=\S)", re.I)
"""The same status written in bold before a task (`**Done** skim the papers`)."""
_DONE_WORD = re.compile(rf"(?:{_DONE_WORDS})\s?[:：]?", re.I)
_MARKER = ENTRY_MARKER
_TODO_LINE = re.compile(r"^\s*(?:TODO|ToDo|Todo|To[- ]?[Dd]o)\s*[:：]\s*(\S.*)$")
_NEXT_STEP = re.compile(
    r"^(?:next (?:time|step|steps)\b[:：,]?|next\s?[:：]|tomorrow\s?[:：]|"
    r"tomorrow,? i(?:'ll| will)\b|"
    r"次は|次回は|明日は|明日以降|다음에는|내일은|下一步|明天要|seuraavaksi\b|demain\s?[:：]|"
    r"morgen\s?[:：]|mañana\s?[:：]|amanhã\s?[:：]|domani\s?[:：])",
    re.IGNORECASE,
)
"""A line that plans the next step (`Next time: …`, `次は …`, `Seuraavaksi …`): a TODO."""
_FORM_BOX = re.compile(r"^[^:：]{1,40}[:：]\s*$")
"""A task item that is only a label (`- [ ] Docs:`): a blank form box, not a task."""
_ORG_KEYWORD = re.compile(r"^(TODO|DONE)\s+(?:\[#[A-Z]\]\s+)?(\S.*)$")
"""An org-mode style item: `TODO write the blog post`, `DONE [#A] read the paper`."""
_DONE_MARK = ("✅", "✔", "☑")


def _cells(block: Block) -> list[list[tuple[str, str, int]]]:
    """A table row's pieces, cell by cell."""
    cells: list[list[tuple[str, str, int]]] = [[]]
    for piece in block.pieces:
        if piece[0] == CELL:
            cells.append([])
        else:
            cells[-1].append(piece)
    return cells


_LABELLED = re.compile(r"^[*_]{0,2}([^:：]{1,30}?)[*_]{0,2}\s?[:：]\s*(\S.*)$")


def _row_todos(block: Block) -> list[Todo]:
    """Tasks written in a table cell behind a TODO label (`Still to do: the helmet class`)."""
    found = []
    for cell in _cells(block):
        text = _one_line("".join(piece[1] for piece in cell))
        labelled = _LABELLED.match(text)
        if labelled and TODO in labels.label_kinds(labelled.group(1) + ":"):
            found.append(Todo(labelled.group(2).strip(), False, block.line))
    return found


def _plans(text: str) -> bool:
    """Whether a line plans a next step (a marker and then what to do)."""
    match = _NEXT_STEP.match(text)
    return match is not None and any(char.isalnum() for char in text[match.end() :])


def _one_line(text: str) -> str:
    return " ".join(text.split())


_LABEL_WORDS = 3
"""A `TODO:` line this short, with a list right under it, names the list (`TODO: Next
week`); its items are the tasks."""


def entry_todos(blocks: Sequence[Block], contexts: Sequence[frozenset[str]]) -> list[Todo]:
    todos = []
    for index, (block, under) in enumerate(zip(blocks, contexts, strict=True)):
        if block.kind == "item":
            text, extra = _item_and_todo_lines(block)
            todos.extend(extra)
            line_todo = _TODO_LINE.match(text)
            loose = _CHECKBOX.match(text) if block.task is None else None
            if loose is not None and loose.group(1) is None and block.pieces[0][0] != TEXT:
                loose = None  # `[]` in code (`` `[]` is an empty list ``) is no box
            if loose is not None and text[loose.end() :].strip():
                # Struck through whole (`~~[ ] run~~`): dropped or done, not open.
                done = (loose.group(1) or " ").strip() != "" or block.struck
                todos.append(Todo(text[loose.end() :].strip(), done, block.line, block.end_line))
            elif (finished := _DONE_SUFFIX.search(text)) and text[: finished.start()].strip():
                todos.append(
                    Todo(text[: finished.start()].strip(), True, block.line, block.end_line)
                )
            elif (
                ("→" in text or ">" in text)
                and (missed := _OPEN_SUFFIX.search(text))
                and text[: missed.start()].strip()
            ):
                todos.append(
                    Todo(text[: missed.start()].strip(), False, block.line, block.end_line)
                )
            elif block.task is not None:
                if not _FORM_BOX.match(text) and any(char.isalnum() for char in text):
                    done = block.task or block.struck  # `- [ ] ~~run~~`: not open either
                    todos.append(Todo(text, done, block.line, block.end_line))
            elif org := _ORG_KEYWORD.match(text):
                todos.append(
                    Todo(org.group(2).strip(), org.group(1) == "DONE", block.line, block.end_line)
                )
            elif TODO in under or DONE in under or line_todo or _plans(text):
                if line_todo and TODO not in under:
                    text = line_todo.group(1).strip()
                checkbox = _CHECKBOX.match(text)
                done = block.struck or text.startswith(_DONE_MARK) or DONE in under
                status = _DONE_PREFIX.match(text) if block.strong_start else None
                if status is not None and _DONE_WORD.fullmatch(block.strong_text.strip()):
                    done, text = True, text[status.end() :]
                if checkbox:
                    done = (checkbox.group(1) or " ").strip() != ""
                    text = text[checkbox.end() :]
                if any(char.isalnum() for char in text):
                    todos.append(Todo(text, done, block.line, block.end_line))
        elif block.kind == "row" and not block.level:
            todos.extend(_row_todos(block))
        elif block.kind == "para":
            grouped = block.lines()
            list_below = index + 1 < len(blocks) and blocks[index + 1].kind == "item"
            for position, (line, pieces) in enumerate(grouped):
                text = _MARKER.sub("", _one_line("".join(piece[1] for piece in pieces)), count=1)
                match = _TODO_LINE.match(text)
                if (
                    match
                    and list_below
                    and position == len(grouped) - 1
                    and len(match.group(1).split()) <= _LABEL_WORDS
                ):
                    continue  # `TODO: Next week` over a list: the list's name, not a task
                if match:
                    todos.append(Todo(match.group(1).strip(), False, line))
                elif org := _ORG_KEYWORD.match(text):  # `TODO read the spec` on its own line
                    todos.append(Todo(org.group(2).strip(), org.group(1) == "DONE", line))
                elif _plans(text):
                    todos.append(Todo(text, False, line))
    return todos


def is_task_line(text: str) -> bool:
    """Whether a line is a task by its keyword (`TODO read the spec`, `TODO: …`, `DONE …`)."""
    return _ORG_KEYWORD.match(text) is not None or _TODO_LINE.match(text) is not None


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


_QUESTION_MARKS = ("?", "？")
_CLOSERS = re.escape(")]」』）\"'”’")
_SENTENCE = re.compile(
    rf"(?:[^.!?。！？]|\.(?=[^\s.!?。！？{_CLOSERS}]))*(?:[.!?。！？]+[{_CLOSERS}]*|$)"
)
"""A sentence: up to its closing marks and the brackets or quotes they close (`(?)`,
`「…？」`). A point inside a word or number (`Next.js`, `γ = 0.95`) ends none."""
_WRAPPERS = {"「": "」", "『": "』", "“": "”", '"': '"', "(": ")", "（": "）", "‘": "’"}
_LEADING_LABEL = re.compile(
    r"^[*_]{0,2}([^:：?？\n]{1,40}?)[*_]{0,2}\s?(?:[:：][*_]{0,2}\s+|：[*_]{0,2})(?=\S)"
)
_ANSWERED = re.compile(
    r"\s*(?:->|→|=>|⇒|yes\b|no\b|nope\b|yep\b|oui\b|non\b|ja\b|nein\b|sí\b|si\b|não\b|"
    r"nao\b|네\b|아니|はい|いいえ|是的|不是|because\b|parce que\b|weil\b|porque\b|perché\b|"
    r"因为|왜냐하면|なぜなら|(?:\([^)\n]{0,20}\)\s*)?(?:[:：]|=(?!=))\s*\S|"
    r"(?:A\d{0,3}|Ans|Answer|答|回答|답|Réponse|Antwort|Respuesta|Resposta)\s?[:：.]\s*\S)",
    re.IGNORECASE,
)
"""What answers a question on its own line (`? No, …`, `? -> because …`), matched where
the question ends (`match(text, end)`). One quantifier only reads the leading white
space, so a long run of it costs linear time."""
_WORD = re.compile(r"\S+")


def _line_has_question(pieces: Iterable[tuple[str, str, int]]) -> bool:
    return any(
        kind == TEXT and (any(mark in text for mark in _QUESTION_MARKS) or "(?)" in text)
        for kind, text, _ in pieces
    )


def question_sentences(pieces: Sequence[tuple[str, str, int]]) -> list[str]:
    """The questions a line asks: each sentence with a `?` (or `(?)`) in its prose.

    A `?` in link text, code, math or a URL asks nothing; a question answered on
    the same line (`… ? No, …`) is not open; a short label before it
    (`Thoughts: … Why …?`, `Open question for me: …`) is not part of it.
    """
    full = ""
    prose = ""
    for kind, text, _ in pieces:
        if kind == BREAK:
            text = " "
        full += text
        prose += text if kind == TEXT else "\0" * len(text)
    found: list[str] = []
    for match in _SENTENCE.finditer(full):
        start, end = match.span()
        if start == end:
            continue
        span = prose[start:end]
        if not any(mark in span for mark in _QUESTION_MARKS) and "(?)" not in span:
            continue
        if _ANSWERED.match(full, end):
            continue
        sentence = _one_line(full[start:end])
        label = _LEADING_LABEL.match(sentence)
        if label is not None and len(label.group(1).split()) <= 5:
            sentence = sentence[label.end() :]
        sentence = _MARKER.sub("", sentence, count=1).strip()
        if sentence.startswith("==") and "==" not in sentence[2:]:
            sentence = sentence[2:]  # `==Can DRAM hold it?==`: highlighted, its mark closes after
        if len(sentence) > 2 and sentence[-1] == _WRAPPERS.get(sentence[0]):
            sentence = sentence[1:-1].strip()  # `「これで合ってる？」と…`: the question inside
        embedded = _EMBEDDED_QUESTION.search(sentence)
        if embedded is not None:
            sentence = sentence[embedded.start(1) :]
        said_next = _WORD.search(full, end)
        if (
            said_next is not None
            and sentence.split()
            and _first_word(said_next.group()) == _first_word(sentence.split()[0])
        ):
            continue  # answered by echoing it (`Aprendi conceitos ou copiei? Aprendi, …`)
        if sentence and any(char.isalnum() for char in sentence):
            found.append(sentence)
    return found


def _first_word(word: str) -> str:
    return word.strip(",.:;!?¿¡\"'()[]").casefold()


_SECOND_PERSON = re.compile(
    r"(?<![\w])(?:you|your|vous|votre|tu|du|dein|deine|usted|você|voi)(?![\w])|당신|あなた|你",
    re.IGNORECASE,
)
_EMBEDDED_QUESTION = re.compile(
    r",\s((?:why|how|what|when|where|which|who|whether|does|do|did|is|are|can|should|would|could)"
    r"\b[^,]*\?)$",
    re.IGNORECASE,
)
"""A question after a comma (`softmax regression, why is log-sum-exp needed?`)."""
_EXAMPLE = re.compile(
    r"^\s*[(（\[](?:example|e\.g\.|z\.b\.|ej\.|exemple|beispiel|ejemplo|exemplo|esempio|"
    r"예시|예|例|示例|例え)[)）\]]",
    re.IGNORECASE,
)
"""A template's example line (`(예시) …`, `(example) …`): not the writer's own."""


_QUESTION_LABEL = re.compile(r"\s*[*_]{0,2}Q(\d{0,3})[*_]{0,2}\s?[:：.]")
_ANSWER_LABEL = re.compile(r"\s*[*_]{0,2}A(\d{0,3})[*_]{0,2}\s?[:：.]\s*\S")
_NUMBERED_ANSWER = re.compile(r"^\s*[*_]{0,2}A(\d{1,3})[*_]{0,2}\s?[:：.]\s*\S", re.MULTILINE)


def _answered_pairs(blocks: Sequence[Block]) -> tuple[set[str], set[int]]:
    """Answers written as `A2: …` (their numbers), and the blocks an unnumbered `A: …`
    paragraph right after answers (`Q: …?` / `A: …`)."""
    numbers: set[str] = set()
    followed: set[int] = set()
    for index, block in enumerate(blocks):
        if block.kind not in ("para", "item") or "A" not in block.text:
            continue
        numbers.update(_NUMBERED_ANSWER.findall(block.text))
        first = _ANSWER_LABEL.match(block.text)
        if first is not None and not first.group(1) and index:
            followed.add(index - 1)
    return numbers, followed


def _answered_below(blocks: Sequence[Block], index: int) -> bool:
    """Whether the item `index` is answered by the item nested right under it, which
    opens with an answer's mark (`→ …`, `A: …`, `Because …`)."""
    block = blocks[index]
    below = blocks[index + 1] if index + 1 < len(blocks) else None
    return (
        below is not None
        and below.kind == "item"
        and below.depth == block.depth + 1
        and _ANSWERED.match(below.text) is not None
    )


def entry_questions(blocks: Sequence[Block], contexts: Sequence[frozenset[str]]) -> list[Question]:
    questions = []
    paired: tuple[set[str], set[int]] | None = None  # read when a `Q…:` question is met
    for index, (block, under) in enumerate(zip(blocks, contexts, strict=True)):
        if EXERCISES in under or _EXAMPLE.match(block.text):
            continue  # an exercise set by a course, or a template's example line
        if block.kind == "para" and block.emphasis_only and _SECOND_PERSON.search(block.text):
            continue  # a template's italic prompt to its user (`_What will you focus on?_`)
        if block.kind == "item":
            if block.task is not None:
                continue  # a task that says `?` is still a task
            asks = _line_has_question(block.pieces)
            if (asks or QUESTIONS in under) and _answered_below(blocks, index):
                continue
            if asks:
                for sentence in question_sentences(block.pieces):
                    questions.append(Question(sentence, block.line, block.end_line))
            elif QUESTIONS in under:
                text = _MARKER.sub("", _one_line(block.text), count=1)
                if text and not _is_bare_label(text):
                    questions.append(Question(text, block.line, block.end_line))
        elif block.kind == "row" and not block.level:
            for cell in _cells(block):
                if _line_has_question(cell):
                    for sentence in question_sentences(cell):
                        questions.append(Question(sentence, block.line, block.line))
        elif block.kind == "para":
            if not _line_has_question(block.pieces):
                continue
            grouped = block.lines()
            for position, (line, pieces) in enumerate(grouped):
                if not _line_has_question(pieces):
                    continue
                said = _one_line("".join(piece[1] for piece in pieces))
                if _ORG_KEYWORD.match(said):
                    continue  # `TODO find out why?`: a task that says `?` is still a task
                label = _QUESTION_LABEL.match(said)
                if label is not None and paired is None:
                    paired = _answered_pairs(blocks)
                if (
                    label is not None
                    and paired is not None
                    and (
                        label.group(1) in paired[0]
                        or (
                            not label.group(1)
                            and position == len(grouped) - 1
                            and index in paired[1]
                        )
                    )
                ):
                    continue  # `Q2: …?` answered by `A2: …`, or `Q: …?` by the `A: …` after it
                following = grouped[position + 1][1] if position + 1 < len(grouped) else []
                said_next = "".join(piece[1] for piece in following)
                asked = question_sentences(pieces)
                for sentence in asked:
                    if sentence == asked[-1] and _ANSWERED.match(said_next):
                        continue  # the next line answers it (`Why …?` / `Because …`)
                    questions.append(Question(sentence, line, line, inline=True))
    return questions


def _is_bare_label(text: str) -> bool:
    return text.rstrip().endswith(":") and len(text.split()) <= 3


_TERM = re.compile(
    r"^(?P<term>[^:：\n]{1,80}?)\s*(?::\s+|：\s*)(?P<definition>\S.*)$"
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


_COPULA = re.compile(
    r"^(?P<term>[^,\n]{1,60}?),\s(?:es|son|is|are|est|sont|ist|sind|é|são|è|sono)\s(?P<definition>\S.*)$"
)
"""`Stride, es el número de píxeles …`: a definition written as a sentence."""


def _defines(block: Block, *, glossary: bool = False) -> tuple[str, str] | None:
    """`Term: definition` in an item (first line only), definitions with a URL excepted;
    in a glossary also `Term, is …` and `term | gloss`."""
    first = block.text.split("\n", 1)[0]
    pair = split_term(first)
    if pair is None and glossary:
        copula = _COPULA.match(first.strip()) or _GLOSS.match(first.strip())
        if copula is not None:
            pair = (copula.group("term").strip("*_ "), _one_line(copula.group("definition")))
    if pair is None or "://" in pair[1]:
        return None
    return pair


def glossary_items(blocks: Sequence[Block]) -> frozenset[int]:
    """The lines of items in lists that are glossaries without a glossary label (see
    `_glossary_lists`); `blocks` are the whole file's."""
    return frozenset(blocks[i].line for i in _glossary_lists(blocks))


def _glossary_lists(blocks: Sequence[Block]) -> set[int]:
    """Items of lists that are unmistakably glossaries without a glossary label: two or
    more `**Term**: definition` items (two thirds of the list), or a list of three or
    more plain `Term: definition` items whose definitions are sentences."""
    siblings: dict[tuple[int, int, int], list[int]] = {}
    outside = 0  # counts the blocks outside lists: top-level items on either side differ
    for position, block in enumerate(blocks):
        if block.kind == "item" and block.task is None:
            key = (block.parent, block.depth, outside if block.parent < 0 else 0)
            siblings.setdefault(key, []).append(position)
        elif block.depth == 0:
            outside += 1
    found: set[int] = set()
    for members in siblings.values():
        # `[Paper title](…): notes` is a paper with notes, not a term.
        pairs = [None if _opens_with_link(blocks[i]) else _defines(blocks[i]) for i in members]
        bold = [
            i
            for i, pair in zip(members, pairs, strict=True)
            if pair
            and blocks[i].strong_start
            and not blocks[i].strong_text.endswith((":", "："))
            and _words(pair[1]) >= 2
        ]
        plain = [i for i, pair in zip(members, pairs, strict=True) if pair and _words(pair[1]) >= 3]
        parent = blocks[members[0]].parent
        under_label = parent >= 0 and _is_bare_label_item(blocks[parent])
        worded = [i for i, pair in zip(members, pairs, strict=True) if pair and _worded(pair[1])]
        if len(bold) >= 2 and len(bold) * 3 >= len(members) * 2:
            found.update(bold)
        elif len(plain) >= 3 and len(plain) == len(members):
            found.update(plain)
        elif under_label and len(worded) >= 2 and len(worded) == len(members):
            found.update(worded)  # `- **Memo**` / `  - retrieve: 取得する` / …
    return found


def _opens_with_link(block: Block) -> bool:
    first = next((piece for piece in block.pieces if piece[1].strip()), None)
    return first is not None and first[0] in (LINK_TEXT, URL)


def _is_bare_label_item(block: Block) -> bool:
    """An item that only names the list under it (`- **Memo**`, `- Vocabulary:`)."""
    text = block.text.split("\n", 1)[0].strip().rstrip(":：")
    return 0 < len(text.split()) <= 2 and ":" not in text and "：" not in text


def _worded(text: str) -> bool:
    """A definition with real words (not `2.00h / 2.00h`)."""
    latin = any(sum(char.isalpha() for char in word) >= 3 for word in text.split())
    wide = sum(1 for char in text if ord(char) > 0x2E80 and char.isalpha())
    return latin or wide >= 2


_GLOSS = re.compile(r"^(?P<term>[^|\n]{1,60}?)\s\|\s(?P<definition>\S.*)$")
"""`scaled | a. 크기가 조정된`: a word and its gloss."""


def _glossary_lines(block: Block) -> list[Term]:
    """Terms written as lines under a glossary label line in the same paragraph
    (`[ 모르는 단어 ]` / `scaled | a. 크기가 조정된`)."""
    grouped = block.lines()
    if len(grouped) < 2:
        return []
    first = _one_line("".join(piece[1] for piece in grouped[0][1]))
    if TERMS not in labels.label_kinds(first.strip("[]（）() ")):
        return []
    found = []
    for line, pieces in grouped[1:]:
        text = _one_line("".join(piece[1] for piece in pieces))
        pair = split_term(text)
        gloss = _GLOSS.match(text)
        if pair is None and gloss is not None:
            pair = (gloss.group("term").strip(), gloss.group("definition").strip())
        if pair is not None:
            found.append(Term(pair[0], pair[1], line))
    return found


def _words(text: str) -> int:
    """Words with letters in `text` (a CJK run counts as one word per three characters)."""
    latin = sum(1 for word in text.split() if any(char.isalpha() for char in word))
    wide = sum(1 for char in text if ord(char) > 0x2E80 and char.isalpha())
    return latin + wide // 3


def entry_terms(
    blocks: Sequence[Block],
    contexts: Sequence[frozenset[str]],
    listed: frozenset[int] = frozenset(),
) -> list[Term]:
    """Glossary terms of an entry: items under a glossary label, items of the file's
    glossary lists (`listed`, by line, from `glossary_items`), glossary lines and rows."""
    terms = []
    for block, under in zip(blocks, contexts, strict=True):
        if block.kind == "item" and (TERMS in under or block.line in listed):
            pair = _defines(block, glossary=TERMS in under)
            if pair is not None:
                terms.append(Term(pair[0], pair[1], block.line))
        elif block.kind == "para":
            terms.extend(_glossary_lines(block))
        elif block.kind == "row" and not block.level and TERMS in under:
            cells = block.cells()
            if len(cells) >= 2 and cells[0] and cells[1]:
                terms.append(Term(cells[0], _one_line(cells[1]), block.line))
    return terms


_GOAL_LINE = re.compile(
    r"^[*_]{0,2}(?:my\s+)?(?:(?:main|learning|study|weekly|monthly|long[- ]term|short[- ]term)\s+)?"
    r"(?:goals?|objectives?|objectifs?|ziele?|lernziele?|metas?|objetivos?|obiettivi|"
    r"tavoitteet?|목표|目标|目標|学习目标|学習目標)[*_]{0,2}\s?[:：][*_]{0,2}\s*(?P<goal>\S.*)$",
    re.IGNORECASE,
)
"""A goal stated on its own line: `Goal: finish part 1`, `**Objectif :** …`, `目标：…`."""
_GOAL_SENTENCE = re.compile(
    r"(?:\bmy (?:main |big )?goal (?:is|for [\w ]{1,20} is) to\s|"
    r"\bi(?:'m| am) taking (?:up )?the challenge to\s|"
    r"\bi (?:want|plan|aim|intend|hope) to\s"
    r"(?=(?:learn|finish|master|understand|read|complete)\b))",
    re.IGNORECASE,
)
"""A sentence that states a learning goal (`My goal is to …`, `I want to learn …`)."""


MAX_GOAL_WORDS = 20
"""A line under a goals heading longer than this introduces the goals; it is not one."""


def file_targets(blocks: Sequence[Block], contexts: Sequence[frozenset[str]]) -> list[Target]:
    """What the writer means to learn: items (and lines) under a goals label, goal lines
    (`Goal: …`) and goal sentences (`I want to learn …`) anywhere in the file."""
    targets: list[Target] = []
    for block, under in zip(blocks, contexts, strict=True):
        if block.kind == "heading" or block.kind not in ("item", "para"):
            continue
        if block.kind == "item" and TARGETS in under and block.text.strip():
            targets.append(Target(_one_line(block.text), unique(block_tags(block)), block.line))
            continue
        for line, pieces in block.lines():
            text = _one_line("".join(piece[1] for piece in pieces if piece[0] != BREAK))
            goal = _GOAL_LINE.match(text)
            if goal is not None:
                found = goal.group("goal").strip()
            elif (
                block.kind == "para"
                and block.depth == 0
                and TARGETS in under
                and len(text.split()) <= MAX_GOAL_WORDS
                and not text.endswith((":", "："))
            ):
                found = text
            elif (sentence := _GOAL_SENTENCE.search(text)) is not None:
                found = re.split(r"(?<=[.!?])\s", text[sentence.end() :], maxsplit=1)[0]
            else:
                continue
            found = found.rstrip(" .。!！")
            if found:
                targets.append(Target(found, unique(tags_in(found)), line))
    return targets


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
    pieces = without_block_id(block)  # Obsidian hides it; a search never looks for it
    text = "".join("\n" if kind == BREAK else text for kind, text, _ in pieces).strip()
    if block.quote and text.startswith("[!"):
        text = CALLOUT_MARKER.sub("", text, count=1)
    return text
