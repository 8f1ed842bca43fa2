"""Labels that give list items a meaning: TODO, Questions, Glossary, Learning targets.

A label is a heading, a short paragraph (`Next steps:`) or a list item with
children (`- Questions:`). Every block gets the set of labels it stands under,
computed once per file, so each extractor only has to look the set up.
"""

from __future__ import annotations

import re

from tilbook.parse.blocks import Block

TODO = "todo"
DONE = "done"
EXERCISES = "exercises"
"""Exercises set by a course: their `?` asks the reader, not the writer."""
"""The other half of a todo list: `## Done`, `- done` (its items are finished tasks)."""
QUESTIONS = "questions"
TERMS = "terms"
TARGETS = "targets"

# The words people label these lists with, in the languages of the logs surveyed in
# docs/log-shapes.md. A label starts or ends with one of them (`Next week focus`,
# `What to try next`, `Objectifs demain`, `下周学习规划`, `明日以降の課題`).
_TODO_WORDS = (
    r"to-?dos?|to[ -]do(?: list)?|next steps?|next|next time|next week|tomorrow|"
    r"action items?|follow[- ]ups?|backlog|pending|to read|to write|to watch|to try|"
    r"reading list|plans? for tomorrow|try|to improve|"
    r"à faire|a faire|prochaines? étapes?|demain|à lire|à améliorer|a ameliorer|"
    r"zu tun|nächste schritte|morgen|zu verbessern|"
    r"pendientes?|por hacer|próximos pasos|siguientes? pasos?|mañana|(?:a|por) mejorar|"
    r"a fazer|próximos passos|pendências|amanhã|"
    r"da fare|da finire|prossimi passi|domani|"
    r"te doen|volgende stappen|seuraavaksi|tehtävät"
)
_TODO_CJK = (
    r"打卡任务|打卡|任务|해야 ?할 ?(?:것|일)들?|할 ?일|내일|다음 ?주|다음 ?할|"
    r"待办|待辦|下一步|下周|下週|计划|規劃|规划|明天|明日|やること|次に|次回|次の|課題"
)
_QUESTION_WORDS = (
    r"(?:open |my |some |remaining )?questions?|doubts?|unclear|"
    r"questions? ouvertes?|difficultés|fragen|offene fragen|offen|"
    r"dudas|preguntas|dúvidas|perguntas|domande|dubbi|kysymykset"
)
_QUESTION_CJK = r"질문|궁금한 ?점|이해가 어려웠던|疑问|疑問|问题|問題|困惑|わからなかった(?!用語)"
_TERM_WORDS = (
    r"terms?|glossary|concepts?|key concepts|definitions?|vocabulary|terminology|jargon|"
    r"glossaire|vocabulaire|concepts clés|notions|begriffe|glossar|definitionen|"
    r"glosario|conceptos|términos|glossário|conceitos|termos|glossario|concetti|termini"
)
_TERM_CJK = r"용어|개념|단어|术语|術語|概念|名词|名詞|用語|単語"


def _start_or_end(words: str, cjk: str) -> re.Pattern[str]:
    return re.compile(rf"^(?:{words})(?![\w-])|(?<![\w-])(?:{words})$|{cjk}", re.IGNORECASE)


_DONE_WORDS = (
    r"done|completed|finished|erledigt|fait|terminé|hecho|terminado|feito|concluído|fatto|gedaan"
)
_DONE_CJK = r"완료|完了|已完成|完成"

_LABELS = (
    (TODO, _start_or_end(_TODO_WORDS, _TODO_CJK)),
    (DONE, re.compile(rf"^(?:{_DONE_WORDS})$|^(?:{_DONE_CJK})$", re.IGNORECASE)),
    (
        EXERCISES,
        re.compile(
            r"(?<![\w-])(?:exercises?|exercícios?|ejercicios?|exercices?|übungen|übungsaufgaben|"
            r"esercizi|quiz(?:zes)?|problem sets?|homework)(?![\w-])"
            r"|练习|習題|习题|演習|연습 ?문제",
            re.IGNORECASE,
        ),
    ),
    (QUESTIONS, _start_or_end(_QUESTION_WORDS, _QUESTION_CJK)),
    (
        TERMS,
        re.compile(rf"(?<![\w-])(?:{_TERM_WORDS})(?![\w-])|{_TERM_CJK}", re.I),
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
            r"|^(?:weekly|monthly|daily|yearly|this week'?s?|this month'?s?) (?:goals?|targets?)\b"
            r"|^(?:objectifs?|ziele?|lernziele?|metas?|objetivos?|obiettivi|tavoitteet?)$"
            r"|학습 ?목표|공부할 ?것|^목표|学习目标|学習目標|^目标|^目標",
            re.I,
        ),
    ),
)
MAX_LABEL_LENGTH = 60


def _trim(text: str) -> str:
    """`text` without a colon ending it and a note in parentheses before that
    (`Questions (open):` → `Questions`). A small scan rather than a regex, which had
    to try every run of spaces against every later one."""
    text = text.rstrip()
    if text.endswith((":", "：")):
        text = text[:-1].rstrip()
    if text.endswith(")"):
        closed = text.rfind(")", 0, len(text) - 1)
        opening = text.find("(", closed + 1)
        if opening != -1:
            text = text[:opening].rstrip()
    return text


def label_kinds(text: str) -> frozenset[str]:
    """Which labels `text` (a heading or a short line) is, if any."""
    text = text.strip().strip("*_").strip()
    if not text or len(text) > MAX_LABEL_LENGTH or "\n" in text:
        return frozenset()
    text = _trim(text).strip("*_ ")
    return frozenset(kind for kind, pattern in _LABELS if pattern.search(text))


def _line_label(block: Block) -> frozenset[str]:
    """Labels of a paragraph or item that is just a label (`TODO:`, `**Questions**`,
    `**To-Do For Next Time (ideally tonight)**`)."""
    text = block.text
    if not text or len(text) > MAX_LABEL_LENGTH or "\n" in text:
        return frozenset()
    emphasised = block.strong_start and block.kind == "para"
    if not text.rstrip().endswith((":", "：")) and len(text.split()) > 5 and not emphasised:
        return frozenset()
    return label_kinds(text)


_NEAREST_ONLY = frozenset({TODO, DONE, QUESTIONS})
# EXERCISES applies to the whole section below its heading, like a glossary.
"""Labels that apply to what is right under them: a `TODO` heading makes its own items tasks,
not every item of the sections nested below it."""


def _heading_labels(headings: list[tuple[int, frozenset[str]]]) -> set[str]:
    found: set[str] = set()
    for position, (_, kinds) in enumerate(headings):
        nearest = position == len(headings) - 1
        found |= kinds if nearest else kinds - _NEAREST_ONLY
    return found


def contexts(blocks: list[Block]) -> list[frozenset[str]]:
    """For each block, the labels it stands under.

    TODO and Questions apply only to the direct items of their label (and to the
    items of the nearest heading's section); Glossary and Learning targets to every
    item below the label.
    """
    result: list[frozenset[str]] = []
    headings: list[tuple[int, frozenset[str]]] = []
    paragraph_label: frozenset[str] = frozenset()
    item_labels: dict[int, frozenset[str]] = {}
    inherited: dict[int, frozenset[str]] = {}
    """For each item: the labels of it and its ancestors that reach below their own
    items (Glossary, targets), so a deep list costs one step per item, not one per
    ancestor."""
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
            result.append(frozenset(_heading_labels(headings)) if not paragraph_label else empty)
            continue
        if kind == "row":
            result.append(frozenset(_heading_labels(headings) | paragraph_label))
            continue
        if kind != "item" and block.depth == 0:
            if kind not in ("html", "rule"):
                paragraph_label = empty
            result.append(empty)
            continue
        under = _heading_labels(headings) | paragraph_label
        top_level = block.depth == 1
        if not top_level:
            under -= _NEAREST_ONLY
        if kind == "item":
            parent = block.parent
            if parent in item_labels:
                under |= item_labels[parent]
            grandparent = blocks[parent].parent if parent >= 0 else -1
            under |= inherited.get(grandparent, empty)
            own = _line_label(block)
            if own:
                item_labels[index] = own
            reach = inherited.get(parent, empty)
            if own - _NEAREST_ONLY:
                reach = reach | (own - _NEAREST_ONLY)
            if reach:
                inherited[index] = reach
        result.append(frozenset(under))
    return result
