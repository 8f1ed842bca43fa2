"""The rows one file's entries become in the index, made apart from the database.

Everything per entry that costs time and needs no database — the search text split
where scripts meet, the CJK character pairs, the Snowball stems in the entry's
languages, the JSON of list fields — is done here, so `tilbook index` runs it in its
worker processes and the process that writes the index only inserts rows.

Rows refer to their entry by its position in the file (0, 1, …); the writer turns
that into the entry's rowid when it inserts them.
"""

from __future__ import annotations

import json
from dataclasses import astuple, dataclass, field
from typing import Any

from tilbook.model import Entry
from tilbook.store.query import cjk_grams, has_cjk, split_scripts
from tilbook.store.stemming import languages_of, stems_text

Row = tuple[Any, ...]


@dataclass(slots=True)
class EntryRows:
    """One file's entries as table rows, the first field of each the entry's position."""

    entries: list[Row] = field(default_factory=list)
    """(position, id, line, end_line, layout, date, title, category, has_math,
    code_languages, footnotes, spans, body)."""
    tags: list[Row] = field(default_factory=list)
    links: list[Row] = field(default_factory=list)
    papers: list[Row] = field(default_factory=list)
    todos: list[Row] = field(default_factory=list)
    questions: list[Row] = field(default_factory=list)
    terms: list[Row] = field(default_factory=list)
    fts: list[Row] = field(default_factory=list)
    """(position, title, body, tags, cjk, stems) for the full-text table."""
    languages: set[str] = field(default_factory=set)
    """The languages the entries were stemmed in."""


def entry_rows(entries: list[Entry]) -> EntryRows:
    """The rows of `entries` (one file's, in order)."""
    rows = EntryRows()
    for position, entry in enumerate(entries):
        rows.entries.append(
            (
                position,
                entry.id,
                entry.line,
                entry.end_line,
                entry.layout,
                entry.date,
                entry.title,
                entry.category,
                int(entry.has_math),
                json.dumps(entry.code_languages),
                json.dumps(
                    [[n.label, n.text, n.line, n.end_line] for n in entry.footnotes],
                    ensure_ascii=False,
                ),
                json.dumps([astuple(span) for span in entry.spans], ensure_ascii=False),
                entry.body,
            )
        )
        rows.tags.extend((position, i, tag, tag.casefold()) for i, tag in enumerate(entry.tags))
        rows.links.extend(
            (position, i, link.url, link.text, link.kind, link.line)
            for i, link in enumerate(entry.links)
        )
        rows.papers.extend(
            (position, i, paper.id, paper.url, paper.title, paper.line)
            for i, paper in enumerate(entry.papers)
        )
        rows.todos.extend(
            (position, i, todo.text, int(todo.done), todo.line, todo.end_line)
            for i, todo in enumerate(entry.todos)
        )
        rows.questions.extend(
            (position, i, question.text, question.line, question.end_line, int(question.inline))
            for i, question in enumerate(entry.questions)
        )
        rows.terms.extend(
            (position, i, term.term, term.definition, term.line)
            for i, term in enumerate(entry.terms)
        )
        tag_text = " ".join([*entry.tags, *([entry.category] if entry.category else [])])
        everything = f"{entry.title}\n{tag_text}\n{entry.body}"
        languages = languages_of(everything)
        rows.languages.update(languages)
        rows.fts.append(
            (
                position,
                split_scripts(entry.title),
                split_scripts(entry.body),
                split_scripts(tag_text),
                cjk_grams(everything) if has_cjk(everything) else "",
                stems_text(everything, languages),
            )
        )
    return rows
