"""Property tests for the core promise: any text is read, and every entry can be found again."""

from __future__ import annotations

import re
import tempfile
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tilbook.indexing import sync
from tilbook.notes.files import source_from_text
from tilbook.reading import parse_source
from tilbook.settings import load_settings
from tilbook.store import open_store
from tilbook.store.base import FileState, Store
from tilbook.store.query import parse_query

SETTINGS = settings(
    max_examples=100,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)

# Pieces of Markdown and of the layouts tilbook looks for, mixed into random text.
FRAGMENTS = [
    "#",
    "# ",
    "## 2024-01-02",
    "### 2023년 8월 18일",
    "2023-08-18\n----------",
    "##### 🤖 ML & DL\n*2021.04.25*",
    "# Lesson 3",
    "# 10",
    "---",
    "---\ntitle: x\n---",
    "---\n- a\n---",
    "---\ntitle: [\n---",
    "+++\ntitle = 1\n+++",
    "+++",
    "...",
    "(#Tag, #Other)",
    "()",
    "(",
    ")",
    "$",
    "$$",
    "$$\n\\begin{cases}",
    "`",
    "```",
    "```python",
    "~~~",
    "- [ ] todo",
    "- [x] done",
    "* item",
    "1. first",
    "> quote",
    "[^1]",
    "[^ 7]: note",
    "[link](https://arxiv.org/abs/2106.09685)",
    "https://example.com/x",
    "![img](a.png)",
    "<!--",
    "-->",
    "<script>",
    "<div>",
    "| a | b |\n|---|---|",
    "TODO: fix",
    "## TODO",
    "## Questions",
    "## Glossary",
    "Term: definition",
    "Learning targets",
    "#Tag:",
    "?",
    "\t",
    "\r\n",
    "\r",
    "\x00",
    "\ufeff",
    "{:toc}",
    "\\",
    "*",
    "_",
]

markdownish = st.lists(
    st.one_of(st.sampled_from(FRAGMENTS), st.text(max_size=20)),
    max_size=40,
).flatmap(
    lambda parts: st.lists(
        st.sampled_from(["\n", "\n\n", " ", ""]), min_size=len(parts), max_size=len(parts)
    ).map(lambda seps: "".join(p + s for p, s in zip(parts, seps, strict=True)))
)


@pytest.fixture(scope="module")
def scratch_store() -> Iterator[Store]:
    with tempfile.TemporaryDirectory() as folder:
        store = open_store(Path(folder))
        yield store
        store.close()


@SETTINGS
@given(text=st.one_of(markdownish, st.text()))
def test_any_text_parses_and_stores(text: str, scratch_store: Store) -> None:
    source = source_from_text("note.md", text)
    parsed = parse_source(source)
    lines = source.text.split("\n")
    if lines and lines[-1] == "":
        lines.pop()
    line_count = max(len(lines), 1)
    ids = [entry.id for entry in parsed.entries]
    assert len(ids) == len(set(ids)), "entry ids must be unique within a file"
    for entry in parsed.entries:
        assert 1 <= entry.line <= entry.end_line <= line_count, (entry.line, entry.end_line)
        assert entry.title
        for found in (*entry.links, *entry.todos, *entry.questions, *entry.terms):
            assert 1 <= found.line <= line_count
    for warning in parsed.warnings:
        assert warning.source == "note.md"
    # Storing it (full-text index included) never fails either.
    scratch_store.replace_file(FileState("note.md", len(text), 0, "x", 1), parsed, "utf-8")
    scratch_store.commit()
    assert len(list(scratch_store.all_entries())) == len(parsed.entries)


# -- every entry can be found again ---------------------------------------------------------

LATIN = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
hangul = st.characters(min_codepoint=0xAC00, max_codepoint=0xD7A3)
latin_word = st.text(alphabet=LATIN, min_size=3, max_size=10)
hangul_word = st.text(alphabet=hangul, min_size=2, max_size=5)
findable = st.one_of(latin_word, hangul_word)
any_word = st.one_of(
    findable,
    st.text(alphabet=LATIN, min_size=1, max_size=2),
    st.text(alphabet=hangul, min_size=1, max_size=1),
    st.builds(lambda a, b: a + b, latin_word, hangul_word),  # MAML을
)
entry_words = st.tuples(findable, st.lists(any_word, max_size=8)).map(
    lambda pair: [pair[0], *pair[1]]
)
log_entries = st.lists(
    st.tuples(st.dates(min_value=date(2000, 1, 1), max_value=date(2030, 12, 31)), entry_words),
    min_size=1,
    max_size=6,
    # Entries a person writes differ: a body several entries repeat word for word is
    # read as a template's stub (see docs/log-shapes.md).
    unique_by=lambda entry: tuple(entry[1]),
)
_FINDABLE = re.compile(r"^(?:[A-Za-z]{3,}|[\uac00-\ud7a3]{2,})$")


@SETTINGS
@given(entries=log_entries, files=st.integers(min_value=1, max_value=2))
def test_every_entry_is_found_by_its_words(
    entries: list[tuple[date, list[str]]], files: int
) -> None:
    with tempfile.TemporaryDirectory() as folder:
        root = Path(folder)
        texts: dict[str, list[str]] = {}
        expected: list[tuple[str, list[str]]] = []
        for position, (day, words) in enumerate(entries):
            name = f"log{position % files}.md"
            texts.setdefault(name, []).append(f"## {day.isoformat()}\n\n{' '.join(words)}\n")
            expected.append((name, words))
        for name, parts in texts.items():
            (root / name).write_text("\n".join(parts), encoding="utf-8")
        store = open_store(root)
        try:
            report = sync(root, store, load_settings(root))
            # Random days can look like a year typo (2001-01-01 between two 2000-01-01
            # days) and are then mended with a warning: the entry is still there.
            assert [w for w in report.warnings if " read as " not in w.message] == []
            stored = list(store.all_entries())
            # all_entries lists by file, then position: the order written above.
            expected.sort(key=lambda item: item[0])
            assert len(stored) == len(expected)
            for entry, (name, words) in zip(stored, expected, strict=True):
                assert entry.source == name
                for word in {w for w in words if _FINDABLE.match(w)}:
                    hits = store.search(parse_query(word), limit=1000)
                    assert entry.id in {hit.entry.id for hit in hits}, (word, entry.body)
                    hit = next(h for h in hits if h.entry.id == entry.id)
                    assert hit.snippet.highlights, (word, hit.snippet.text)
        finally:
            store.close()


_MONTH_NAMES = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
]


@settings(max_examples=200, deadline=None)
@given(
    start=st.dates(min_value=date(2015, 1, 1), max_value=date(2030, 12, 31)),
    steps=st.lists(st.integers(min_value=1, max_value=40), min_size=3, max_size=9),
    newest_first=st.booleans(),
)
def test_days_without_a_year_read_right_across_new_year(
    start: date, steps: list[int], newest_first: bool
) -> None:
    """A log in date order whose days name no year (`## March 3`) and whose title names the
    year it starts in reads every day right, however many New Years it crosses (one at
    most within a year of entries), in either order."""
    days = [start]
    for step in steps:
        days.append(days[-1].fromordinal(days[-1].toordinal() + step))
    if (days[-1] - days[0]).days >= 300:
        days = [day for day in days if (day - days[0]).days < 300]
    written = list(reversed(days)) if newest_first else days
    text = f"# Study log {days[0].year}\n\n" + "".join(
        f"## {_MONTH_NAMES[day.month - 1]} {day.day}\n\nNotes of the day.\n\n" for day in written
    )
    entries = parse_source(source_from_text("log.md", text)).entries
    assert [entry.date for entry in entries] == [day.isoformat() for day in written]
