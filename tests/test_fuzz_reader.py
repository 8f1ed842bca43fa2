"""Fuzzing the reader: no note, however odd, makes it raise, and none takes long.

Hypothesis writes Markdown-ish and YAML-ish notes from the pieces that broke the reader
before (front matter with impossible dates, deep nesting and aliases; nested list
markers; long runs of one character; dates in many forms; brackets; `{:`; entry
markers; tags) and checks that `parse_source`, `read_and_parse` and the front matter
parser return, with JSON-safe front matter, in time proportional to the note.

The example counts keep this file to a few seconds in CI. Set `TILBOOK_FUZZ_EXAMPLES`
to run many more (`TILBOOK_FUZZ_EXAMPLES=5000 .venv/bin/pytest tests/test_fuzz_reader.py`).
"""

from __future__ import annotations

import json
import os
import signal
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tilbook.indexing import read_and_parse
from tilbook.notes.files import FileStat, source_from_text, split_front_matter
from tilbook.reading import parse_source

EXAMPLES = int(os.environ.get("TILBOOK_FUZZ_EXAMPLES", "0"))


def examples(default: int) -> settings:
    return settings(
        max_examples=EXAMPLES or default,
        deadline=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
        derandomize=not EXAMPLES,  # CI runs the same examples every time
    )


SECONDS_PER_KB = 0.1
"""A generous bound: a normal log reads at about 1 ms per KB, and the most degenerate
notes (a block or an entry every few bytes) at about 40 ms."""


class TookTooLong(BaseException):
    pass


@contextmanager
def bounded(text: str) -> Iterator[None]:
    """Fail if reading `text` takes longer than 2 s plus `SECONDS_PER_KB` per KB (the block
    is interrupted at five times that, so a hang fails instead of stalling the suite)."""
    limit = 2.0 + SECONDS_PER_KB * len(text) / 1000

    def expire(signum: int, frame: object) -> None:
        raise TookTooLong

    previous = signal.signal(signal.SIGALRM, expire)
    signal.setitimer(signal.ITIMER_REAL, limit * 5)
    started = time.perf_counter()
    try:
        yield
    except TookTooLong:
        pytest.fail(f"reading {len(text)} characters did not finish in {limit * 5:.0f} s")
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)
    elapsed = time.perf_counter() - started
    assert elapsed < limit, f"{elapsed:.1f} s for {len(text)} characters"


def plain_json(value: object) -> None:
    """The front matter is stored like this: it must not fail (cycles, NaN, odd keys)."""
    json.dumps(value, default=str, ensure_ascii=False, allow_nan=False)


# -- what notes are made of ------------------------------------------------------------------

WORDS = st.sampled_from(
    [
        "attention", "wombat", "TODO:", "Next:", "Questions", "Glossary", "Done", "why?",
        "Lesson", "Week", "Day", "第3回", "3주차", "Tags:", "Goal:", "#Tag", "@ml", "(#a, #b)",
        "()", "**bold**", "_it_", "`code`", "$x$", "~~gone~~", "[^1]", "<br>", "<kbd>x</kbd>",
        "[link](https://arxiv.org/abs/2006.11239)", "https://aclanthology.org/2020.acl-1.pdf",
        "www.example.com", "{: .note}", "{:", ":smile:", "🚀", "✅", "|", "->", "Term: a b c",
    ]
)  # fmt: skip
PUNCTUATION = st.sampled_from(list(" \t-#([{}]):<>@*_`|?!.,;0123456789/~+=&%$^'\"\\\u3000"))
RUN_UNITS = st.sampled_from(
    [" ", "-", "#", "(", ")", "[", "]", "{:", "<", "*", "_", "?", "- ", "1. ", "> ", "(#a",
     " @a", " #a", "why? ", "a:", ":a", "` ", "|", "\t", "~", "年", "😀", "[[", "{a: ",
     "%%", "`%%", "==", "> [!a] ", "[[a#^b]] "]
)  # fmt: skip
MONTHS = st.sampled_from(["Mar", "March", "mars", "März", "marzo", "Dec", "Sept", "May"])


@st.composite
def dates(draw: st.DrawFn) -> str:
    year = draw(st.integers(1890, 2230))
    month = draw(st.integers(0, 13))
    day = draw(st.integers(0, 32))
    form = draw(st.integers(0, 9))
    name = draw(MONTHS)
    return [
        f"{year}-{month:02d}-{day:02d}",
        f"{day} {name}",
        f"{name} {day}, {year}",
        f"{day}.{month}.{year}",
        f"{month}/{day}/{year}",
        f"{year}년 {month}월 {day}일",
        f"{year}年{month}月{day}日",
        f"{day}/{month}",
        f"{year}-W{day:02d}",
        f"{year}.{month:02d}.{day:02d} (Mon) – {day + 1} {name}",
    ][form]


def runs() -> st.SearchStrategy[str]:
    """A long run of one piece: the shape of every input that was slow before."""
    return st.builds(lambda unit, count: unit * count, RUN_UNITS, st.integers(0, 1500))


def inline() -> st.SearchStrategy[str]:
    piece = st.one_of(WORDS, dates(), PUNCTUATION, runs(), st.text(max_size=12))
    return st.lists(piece, max_size=8).map(" ".join)


@st.composite
def lines(draw: st.DrawFn) -> str:
    text = draw(inline())
    shape = draw(st.integers(0, 9))
    depth = draw(st.integers(0, 6))
    if shape == 0:
        return "#" * draw(st.integers(1, 7)) + " " + text
    if shape == 1:
        marker = draw(st.sampled_from(["- ", "* ", "1. ", "- [ ] ", "- [x] ", "+ ", "> "]))
        return "  " * depth + marker * draw(st.integers(1, 40)) + text
    if shape == 2:
        return "| " + " | ".join([text, draw(dates()), "x"]) + " |"
    if shape == 3:
        return draw(st.sampled_from(["```python", "```", "---", "***", "<div>", "</div>"]))
    if shape == 4:
        return f"[^{depth}]: {text}"
    if shape == 5:
        return draw(dates()) + draw(st.sampled_from([" ", ": ", " - ", "\n"])) + text
    return text


@st.composite
def yaml_front_matter(draw: st.DrawFn) -> str:
    entries = []
    for number in range(draw(st.integers(0, 6))):
        key = draw(st.sampled_from(["title", "date", "tags", "tilbook", "x", f"k{number}"]))
        depth = draw(st.integers(0, 60))
        value = draw(
            st.one_of(
                dates(),
                inline(),
                st.just("[" * depth + "]" * depth),
                st.just("{a: " * depth + "1" + "}" * depth),
                st.just(f"&a{number} [1, 2]"),
                st.just(f"[*a{max(number - 1, 0)}, *a{max(number - 1, 0)}]"),
                st.just(f"&r{number} [*r{number}]"),
                st.just("!!set {a, b}"),
                st.just("{layout: " + draw(st.sampled_from(["sections", "nope", "[]"])) + "}"),
                st.just("1" * draw(st.integers(1, 6000))),
                st.just("\n" + "".join("  " * i + f"- k{i}:\n" for i in range(depth))),
            )
        )
        entries.append(f"{key}: {value}")
    body = "\n".join(entries)
    closer = draw(st.sampled_from(["---", "...", "", "--- "]))
    return f"---\n{body}\n{closer}\n"


@st.composite
def toml_front_matter(draw: st.DrawFn) -> str:
    depth = draw(st.integers(0, 60))
    entries = [
        f'title = "{draw(st.text(max_size=10))}"',
        f"date = {draw(dates())}",
        "x = " + "[" * depth + "]" * depth,
        "y = " + "{a = " * depth + "1" + "}" * depth,
        f"s = '''{draw(inline())}'''",
        "big = " + "1" * draw(st.integers(1, 5000)),
    ]
    chosen = draw(st.lists(st.sampled_from(entries), max_size=4))
    return "+++\n" + "\n".join(chosen) + "\n+++\n"


@st.composite
def notes(draw: st.DrawFn) -> str:
    head = draw(st.one_of(st.just(""), yaml_front_matter(), toml_front_matter()))
    body = draw(st.lists(lines(), max_size=30))
    separator = draw(st.sampled_from(["\n", "\n\n", "\r\n", "\n  \n"]))
    return head + separator.join(body) + draw(st.sampled_from(["", "\n"]))


NAMES = st.sampled_from(
    ["log.md", "2024-03-14-note.md", "TIL 2024/week 3.md", "README.md", "notes/3 Mar.md"]
)


# -- properties ---------------------------------------------------------------------------------


@examples(150)
@given(notes(), NAMES)
def test_no_note_makes_the_reader_raise_or_stall(text: str, name: str) -> None:
    with bounded(text):
        source = source_from_text(name, text)
        parsed = parse_source(source)
    plain_json(parsed.front_matter)
    for entry in parsed.entries:
        assert 1 <= entry.line <= entry.end_line


@examples(150)
@given(
    st.one_of(
        yaml_front_matter(), toml_front_matter(), st.text(max_size=200).map("---\n{}\n---\n".format)
    )
)
def test_front_matter_never_raises(text: str) -> None:
    warnings: list = []
    with bounded(text):
        front_matter, lines_spanned = split_front_matter("note.md", text, warnings)
    plain_json(front_matter)
    assert isinstance(front_matter, dict)
    assert len(warnings) <= 1  # one warning for the block, whatever is wrong with it
    assert 0 <= lines_spanned <= text.count("\n") + 1


@examples(60)
@given(
    st.one_of(
        notes().map(lambda text: text.encode("utf-8")),
        notes().map(lambda text: text.encode("utf-16")),
        st.binary(max_size=2000),
    )
)
def test_no_file_makes_indexing_raise(
    tmp_path_factory: pytest.TempPathFactory, data: bytes
) -> None:
    folder: Path = tmp_path_factory.mktemp("fuzz")
    path = folder / "note.md"
    path.write_bytes(data)
    info = path.stat()
    with bounded(data.decode("latin-1")):
        result = read_and_parse(FileStat("note.md", path, info.st_size, info.st_mtime_ns), 10**7)
    assert all(warning.source == "note.md" for warning in result.warnings)
    if result.parsed is not None:
        plain_json(result.parsed.front_matter)
    # Nothing here is a bug in the reader: no warning asks to report one.
    assert not any("please report" in warning.message for warning in result.warnings)


CONTEXTS = st.sampled_from(
    [
        ("", ""), ("", "x"), ("## 2024-01-01\n\n(", "x"), ("## 2024-01-01\n\n(#a", "x"),
        ("# TIL 2024\n\n## ", " Mar\n"), ("## x", "y\n\ntext"), ("- x", "y"), ("x", " ."),
        ("<div>\n", ""), ("why? ", "y"), ("Tags: ", ","), ("---\ntitle: ", "\n---\nbody"),
        ("| a | b |\n|---|---|\n| ", " |"), ("[^1]: ", "x"), ("**", "**: x"),
    ]
)  # fmt: skip


@examples(20)
@given(CONTEXTS, RUN_UNITS, st.integers(5_000, 20_000), st.booleans())
def test_long_runs_read_in_linear_time(
    context: tuple[str, str], unit: str, count: int, lines: bool
) -> None:
    """The slow inputs of the sweep were all a long run of one piece in some context."""
    before, after = context
    run = (unit + "\n") * count if lines else unit * count
    text = before + run + after + "\n"
    with bounded(text):
        parse_source(source_from_text("log.md", text))
