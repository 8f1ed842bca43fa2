"""A reader that survives any file: one bad file costs one warning naming it, never the
run and never minutes.

Each case here was found by an adversarial sweep and crashed `tilbook index` or took
super-linear time (the time it took before the fix is in its comment). Sizes are scaled
down to where the old code took seconds to minutes and the reader now takes a small
fraction of the bound; `bench/adversarial.py` times the full-size files. Every timed
block runs under `within`, which interrupts it, so a regression fails fast instead of
hanging the suite.
"""

from __future__ import annotations

import json
import os
import random
import signal
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from conftest import Invoke, write_notes
from tilbook.cli import main
from tilbook.model import IndexWarning
from tilbook.notes.files import source_from_text
from tilbook.reading import parse_source
from tilbook.store.base import EntrySummary

# -- helpers -----------------------------------------------------------------------------


class TookTooLong(BaseException):
    """Raised by `within` in the block that ran too long (a BaseException, so the code
    under test cannot swallow it)."""


@contextmanager
def within(seconds: float) -> Iterator[None]:
    """Fail the test when the block takes longer than `seconds` (it is interrupted)."""

    def expire(signum: int, frame: object) -> None:
        raise TookTooLong

    previous = signal.signal(signal.SIGALRM, expire)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    started = time.perf_counter()
    try:
        yield
    except TookTooLong:
        pytest.fail(f"took longer than {seconds} s (interrupted)")
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)
    assert time.perf_counter() - started < seconds


def read(text: str, name: str = "log.md") -> Any:
    """Parse `text` as the note `name`, as `tilbook index` does."""
    return parse_source(source_from_text(name, text))


def front(text: str, name: str = "note.md") -> tuple[dict[str, Any], list[IndexWarning]]:
    source = source_from_text(name, text)
    return source.front_matter, source.warnings


def stored_form(front_matter: dict[str, Any]) -> str:
    """The front matter as the index stores it (strict JSON: no NaN, no cycles)."""
    return json.dumps(front_matter, default=str, ensure_ascii=False, allow_nan=False)


# -- front matter ------------------------------------------------------------------------


def test_impossible_front_matter_date_is_a_warning() -> None:
    # Before: ValueError: month must be in 1..12, and `tilbook index` exited 1.
    text = "---\ntitle: Kept\ndate: 2024-13-01\ntags: [wombat]\n---\n\nBody about wombats.\n"
    with within(2):
        parsed = read(text)
    front_matter, warnings = front(text)
    assert front_matter == {"title": "Kept", "date": "2024-13-01", "tags": ["wombat"]}
    assert [w.line for w in warnings] == [3]
    assert "2024-13-01" in warnings[0].message and "not a valid date" in warnings[0].message
    assert [w.message for w in parsed.warnings] == [warnings[0].message]
    assert parsed.title == "Kept" and "wombats" in parsed.entries[0].body
    assert parsed.entries[0].tags == ["wombat"]


@pytest.mark.parametrize(
    "value", ["2024-02-30", "2023-02-29 10:00:00", "{2024-13-01: a}", "[2024-00-10]"]
)
def test_other_impossible_dates_are_read_as_text(value: str) -> None:
    front_matter, warnings = front(f"---\nwhen: {value}\n---\n\nbody\n")
    assert len(warnings) == 1 and "not a valid date" in warnings[0].message
    stored_form(front_matter)


def test_several_impossible_values_are_one_warning() -> None:
    text = "---\ndate: 2024-13-01\nupdated: 2024-02-30\nn: " + "9" * 5000 + "\n---\n\nbody\n"
    front_matter, warnings = front(text)
    assert len(warnings) == 1 and warnings[0].line == 2
    assert warnings[0].message.endswith("read as text (and 2 more values like it)")
    assert front_matter["updated"] == "2024-02-30"


def test_characters_yaml_refuses_are_a_warning() -> None:
    # Found by tests/test_fuzz_reader.py: the loader reads its text when it is made.
    front_matter, warnings = front("---\ntitle: a\x1fb\n---\n\nBody.\n")
    assert front_matter == {}
    assert len(warnings) == 1 and "not valid YAML (unacceptable character" in warnings[0].message
    assert "\n" not in warnings[0].message


DEEP = 10_000
"""Deep enough that PyYAML and tomllib recursed past Python's limit (RecursionError)."""


@pytest.mark.parametrize(
    ("name", "text", "line"),
    [
        ("yaml-flow-lists", "---\nx: " + "[" * DEEP + "]" * DEEP + "\n---\n", 2),
        ("yaml-flow-maps", "---\nx: " + "{a: " * DEEP + "1" + "}" * DEEP + "\n---\n", 2),
        (  # read (300 deep) before: PyYAML recurses only about 500 of these deep
            "yaml-block-maps",
            "---\n" + "".join(" " * i + f"k{i}:\n" for i in range(300)) + " " * 300 + "v\n---\n",
            33,
        ),
        ("yaml-block-lists", "---\nx:\n  " + "- " * 2_000 + "v\n---\n", 3),
        ("yaml-keys", "---\n" + "? " * DEEP + "x\n---\n", 2),
        ("toml-arrays", "+++\nx = " + "[" * DEEP + "]" * DEEP + "\n+++\n", 2),
        ("toml-tables", "+++\nx = " + "{a = " * DEEP + "1" + "}" * DEEP + "\n+++\n", 2),
    ],
)
def test_deeply_nested_front_matter_is_a_warning(name: str, text: str, line: int) -> None:
    # Before: RecursionError (and, for YAML flow collections, a quadratic scan first).
    text += "\nBody about numbats.\n"
    with within(2):
        parsed = read(text)
    front_matter, warnings = front(text)
    assert front_matter == {}
    assert len(warnings) == 1, warnings
    assert "nests" in warnings[0].message and "more than 32 deep" in warnings[0].message
    assert warnings[0].line == line
    assert any("numbats" in entry.body for entry in parsed.entries)


def test_nesting_within_the_limit_is_read() -> None:
    nested = "---\na:\n" + "".join("  " * i + f"  k{i}:\n" for i in range(20)) + "  " * 21 + "v\n"
    front_matter, warnings = front(nested + "---\n")
    assert warnings == []
    value = front_matter["a"]
    for i in range(20):
        value = value[f"k{i}"]
    assert value == "v"
    # Brackets inside TOML strings and comments are not nesting.
    text = (
        "+++\ntitle = \"[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[\"\nnote = '''\n"
        + "{" * 40
        + "\n'''\nlist = [[1], [2]] # "
        + "[" * 40
        + "\n+++\n"
    )
    front_matter, warnings = front(text)
    assert warnings == []
    assert front_matter["list"] == [[1], [2]] and front_matter["title"].startswith("[[[")


BILLION_LAUGHS = (
    "---\n"
    'a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]\n'
    + "".join(
        f"{name}: &{name} [" + ",".join([f"*{before}"] * 9) + "]\n"
        for before, name in zip("abcdefgh", "bcdefghi", strict=True)
    )
    + "title: laughs\n---\n\nBody after the laughter.\n"
)


def test_yaml_alias_bomb_is_a_warning() -> None:
    # Before: a 400-byte block expanding to 9**9 values; MemoryError after two minutes
    # when the index wrote it (here: when it is written as JSON).
    with within(3):
        front_matter, warnings = front(BILLION_LAUGHS)
        stored = stored_form(front_matter)
        parsed = read(BILLION_LAUGHS)
    assert len(stored) < 1000
    assert len(warnings) == 1 and "expands to more than 10,000 values" in warnings[0].message
    assert warnings[0].line == 6  # `e:`, where the expansion goes over the limit
    assert "laughter" in parsed.entries[0].body


def test_too_many_aliases_is_a_warning() -> None:
    text = "---\na: &a x\nb: [" + ", ".join(["*a"] * 150) + "]\n---\n"
    front_matter, warnings = front(text)
    assert front_matter == {}
    assert len(warnings) == 1 and "more than 100 aliases" in warnings[0].message
    # A few aliases (a shared default) are fine.
    front_matter, warnings = front("---\nbase: &b {a: 1}\nx:\n  <<: *b\n  c: 2\n---\n")
    assert warnings == [] and front_matter["x"] == {"a": 1, "c": 2}


@pytest.mark.parametrize("block", ["a: &a [*a]", "a: &a {b: *a}", "a: &a [1, [2, *a]]"])
def test_recursive_yaml_alias_is_a_warning(block: str) -> None:
    # Before: a cyclic list; `ValueError: Circular reference detected` when stored.
    text = f"---\n{block}\ntitle: t\n---\n\nBody.\n"
    with within(2):
        front_matter, warnings = front(text)
        stored_form(front_matter)
        read(text)
    assert front_matter == {}
    assert len(warnings) == 1 and "a cycle" in warnings[0].message and warnings[0].line == 2


def test_front_matter_reaching_the_index_is_plain_json() -> None:
    text = (
        "---\n"
        "when: {2024-01-01: new year, 3: three}\n"  # keys JSON cannot have
        "labels: !!set {b, a}\n"
        "blob: !!binary aGVsbG8=\n"
        "big: " + "1" * 5000 + "\n"  # over Python's int-from-text limit
        "huge: .inf\n"
        "date: 2024-03-14\n"
        "---\n"
    )
    front_matter, warnings = front(text)
    assert [w.line for w in warnings] == [5] and "not a valid number" in warnings[0].message
    assert front_matter["when"] == {"2024-01-01": "new year", "3": "three"}
    assert front_matter["labels"] == ["a", "b"]
    assert front_matter["blob"] == "hello"
    assert front_matter["big"] == "1" * 5000
    assert front_matter["huge"] == "inf"
    assert front_matter["date"].isoformat() == "2024-03-14"  # dates date the note
    assert json.loads(stored_form(front_matter))["when"]["3"] == "three"
    toml = "+++\nstart = 07:32:00\ntags = ['a']\n+++\n"
    front_matter, warnings = front(toml)
    assert warnings == [] and front_matter == {"start": "07:32:00", "tags": ["a"]}
    front_matter, warnings = front("+++\nbig = " + "1" * 5000 + "\n+++\n")
    assert front_matter == {} and "could not be read (ValueError" in warnings[0].message


def test_json_safe_refuses_cycles_and_explosions() -> None:
    from tilbook.notes.files import FrontMatterLimit, json_safe

    loop: list[Any] = [1]
    loop.append(loop)
    with pytest.raises(FrontMatterLimit, match="a cycle"):
        json_safe({"a": loop})
    shared = list(range(9))
    for _ in range(8):
        shared = [shared] * 9  # a DAG of 9**9 leaves, made of 80 lists
    with pytest.raises(FrontMatterLimit, match="more than 10,000 values"), within(2):
        json_safe(shared)
    pair = [1, 2]
    safe = json_safe({"a": [pair, pair]})
    assert safe == {"a": [[1, 2], [1, 2]]} and safe["a"][0] is not safe["a"][1]


@pytest.mark.parametrize(
    ("body", "said"),
    [
        ("x." * 5_000 + "y = 1", "nests lists or mappings more than 32 deep"),
        ("[" + "a." * 5_000 + "b]\nc = 1", "nests lists or mappings more than 32 deep"),
        ("x = [" + "1," * 30_000 + "]", "holds more than 10,000 values"),
    ],
    ids=["dotted keys", "dotted table", "long array"],
)
def test_toml_that_nests_without_brackets_is_a_warning(body: str, said: str) -> None:
    front_matter, warnings = front(f"+++\n{body}\n+++\n\nBody.\n")
    assert front_matter == {}
    assert len(warnings) == 1 and said in warnings[0].message


def test_oversized_front_matter_is_a_warning() -> None:
    text = "---\n" + "".join(f"k{i}: {'v' * 60}\n" for i in range(2000)) + "---\n\nBody here.\n"
    with within(2):
        parsed = read(text)
    assert parsed.front_matter == {}
    assert len(parsed.warnings) == 1 and "over the 65,536 limit" in parsed.warnings[0].message
    assert "Body here." in parsed.entries[0].body


def test_ordinary_front_matter_is_read_as_before() -> None:
    import yaml

    block = (
        "title: 'Learning log'\ndate: 2023-07-21\ntags:\n  - Learning\n  - ML\n"
        "tilbook:\n  layout: dated-headings\nweight: 2.5\ndraft: false\nauthor: null\n"
    )
    front_matter, warnings = front(f"---\n{block}---\n\nbody\n")
    assert warnings == []
    assert front_matter == yaml.safe_load(block)


# -- linear reading -------------------------------------------------------------------------

LINEAR_CASES: dict[str, tuple[Callable[[], str], float]] = {
    # name: (the note, seconds it must take at most). Before the fix, at these sizes:
    "entry marker, spaces": (lambda: "## 2024-01-01\n\n(#a" + " " * 40_000 + "x\n", 1),  # 7.5 s
    "parentheses, spaces": (lambda: "## 2024-01-01\n\n(" + " " * 3_000 + "x\n", 1),  # 15 s
    "kramdown markers": (lambda: "{:" * 100_000 + "\n", 1),  # > 60 s
    "nested list markers": (lambda: "- " * 12_000 + "x\n", 5),  # 14 s
    "nested ordered markers": (lambda: "1. " * 12_000 + "x\n", 5),  # 11 s
    "lone # lines": (lambda: "#\n" * 30_000, 5),  # 11 s
    "many questions": (lambda: "why? " * 12_000 + "\n", 2),  # 8 s
    "different questions": (lambda: " ".join(f"q{i} now?" for i in range(800)) + "\n", 1),  # 26 s
    "answer after spaces": (lambda: "why? " + " " * 20_000 + "y\n", 1),  # 13 s
    "trailing @tags": (lambda: "x" + " @a" * 10_000 + " .\n", 1),  # 9 s
    "trailing #tags": (lambda: "x" + " #a" * 10_000 + " .\n", 1),  # 7.5 s
    "heading spaces": (lambda: "## x" + " " * 10_000 + "y\n\ntext\n", 1),  # 7 s
    "item with a long gap": (lambda: "- x" + " " * 80_000 + "y\n", 2),  # 13 s
    "unclosed html tags": (lambda: "<div>\n" + "<" * 150_000 + "\n", 1),  # 19 s
    "tags line spaces": (lambda: "Tags: a" + " " * 20_000 + "b, c\n", 1),  # 8 s
}


@pytest.mark.parametrize("name", list(LINEAR_CASES))
def test_reading_is_linear(name: str) -> None:
    make, seconds = LINEAR_CASES[name]
    text = make()
    with within(seconds):
        parsed = read(text)
    assert parsed.entries is not None


REGEX_CASES: dict[str, tuple[str, str, str, str]] = {
    # name: (module, pattern, how its callers use it, text it must read quickly). Some only
    # ever see text whose white space is already collapsed; they are linear all the same.
    "done suffix": ("tilbook.extract", "_DONE_SUFFIX", "search", "x" + " " * 40_000 + "y"),  # 16 s
    "answered": ("tilbook.extract", "_ANSWERED", "match", " " * 40_000 + "y"),  # 50 s
    "entry marker": (
        "tilbook.parse.blocks",
        "ENTRY_MARKER",
        "match",
        "(" + " " * 3_000 + "x",
    ),  # 25 s
    "kramdown": ("tilbook.parse.blocks", "KRAMDOWN_MARKER", "sub", "{:" * 100_000),  # > 60 s
    "html tag": ("tilbook.parse.blocks", "_HTML_TAG", "sub", "<" * 100_000),  # 9 s
    "open suffix": ("tilbook.extract", "_OPEN_SUFFIX", "search", "x" + " ->" * 20_000 + " y"),
    "url in a long word": ("tilbook.reading", "_ANY_URL", "sub", "{:" * 100_000),  # > 60 s
    "answer lines": ("tilbook.extract", "_NUMBERED_ANSWER", "findall", "A" + " " * 40_000 + "y"),
}


@pytest.mark.parametrize("name", list(REGEX_CASES))
def test_note_regexes_are_linear(name: str) -> None:
    import importlib

    module, attribute, method, text = REGEX_CASES[name]
    pattern = getattr(importlib.import_module(module), attribute)
    with within(1):
        if method == "sub":
            pattern.sub("", text)
        else:
            getattr(pattern, method)(text)


FULL_SIZE_CASES: dict[str, Callable[[], str]] = {
    # The sweep's own sizes, where reading them is now cheap (the rest: bench/adversarial.py).
    "entry marker, 200 000 spaces": lambda: "## 2024-01-01\n\n(#a" + " " * 200_000 + "x\n",
    "parentheses, 8 000 spaces": lambda: "## 2024-01-01\n\n(" + " " * 8_000 + "x\n",
    "500 000 kramdown markers": lambda: "{:" * 500_000 + "\n",
}


@pytest.mark.parametrize("name", list(FULL_SIZE_CASES))
def test_full_size_cases_are_cheap(name: str) -> None:
    text = FULL_SIZE_CASES[name]()
    with within(3):
        read(text)


def test_dates_are_written_like_a_long_sample_in_linear_time() -> None:
    from datetime import date

    from tilbook.parse.dates import format_date_like

    day = date(2024, 5, 1)
    with within(1):
        format_date_like("2024-03-14" + ")" * 40_000 + "x", day)  # 12 s before
    assert format_date_like("**2024-03-14** (Thu)", day) == "**2024-05-01** (Wed)"
    assert format_date_like("2024-03-14 (Thu) *", day) == "2024-05-01 (Wed) *"


def test_entry_ends_are_found_in_linear_time() -> None:
    # Each entry's end was found by scanning every entry start: 100 000 day headings
    # took minutes. The per-entry work hides this below about 25 000 entries, so the
    # function is timed on its own.
    from tilbook.reading import _end_lines

    starts = list(range(1, 400_001, 4))
    lines = ["x"] * 400_003
    with within(2):
        ends = _end_lines(lines, starts, [400_002])
    assert ends[:2] == [4, 8] and ends[-1] == 400_001


def test_year_less_day_headings_read_in_linear_time() -> None:
    # What the sweep found (100 000 `## 3 Mar` took minutes), at a size that shows the
    # reading is still right; the quadratic part is timed on its own above.
    def log(days: int) -> str:
        return "# TIL 2024\n\n" + "".join(f"## {1 + i % 28} Mar\n\nt{i}\n\n" for i in range(days))

    with within(10):
        parsed = read(log(4_000))
    assert len(parsed.entries) == 4_000
    assert parsed.entries[0].date == "2024-03-01" and parsed.entries[-1].end_line == 4_000 * 4 + 1


def test_deep_lists_keep_their_labels() -> None:
    # The labels of a list's ancestors are inherited in one step per item.
    text = "## Glossary\n\n- words:\n" + "".join(
        "  " * depth + f"  - term{depth}: a definition of it\n" for depth in range(40)
    )
    parsed = read(text)
    assert {term.term for entry in parsed.entries for term in entry.terms} >= {"term0", "term39"}


# -- the TODO agenda ------------------------------------------------------------------------


class FakeStore:
    def __init__(self, texts: list[str]) -> None:
        self.rows = [
            (
                EntrySummary(
                    f"e{i}", "log.md", i + 1, f"2024-01-{1 + i % 28:02d}", "t", None, "x", []
                ),
                text,
                False,
                i + 1,
            )
            for i, text in enumerate(texts)
        ]

    def todo_rows(self) -> list[tuple[EntrySummary, str, bool, int]]:
        return self.rows


@pytest.mark.parametrize(
    ("texts", "seconds"),
    [
        (["implement k-means clustering on the GPU"] * 15_000, 3),  # 21 s before
        ([f"fix bug number {i}" for i in range(5_000)], 3),  # 12 s before
    ],
    ids=["one task copied 15000 times", "5000 near-identical tasks"],
)
def test_agenda_is_near_linear(texts: list[str], seconds: float) -> None:
    from tilbook.features.agenda import build_agenda

    with within(seconds):
        items = build_agenda(FakeStore(texts))  # type: ignore[arg-type]
    assert sum(len(item.occurrences) for item in items) == len(texts)
    if len(set(texts)) == 1:
        assert len(items) == 1 and items[0].carried == len(texts) - 1


CONSONANTS = "bcdfghjklmnpqrstvwxz"


def test_agenda_still_follows_reworded_copies() -> None:
    from tilbook.features.agenda import build_agenda

    # Tasks that copy nothing, making `read`, `the` and `paper` common words: the DDPM
    # paper's copy is found through its rare word.
    draw = random.Random(7)
    filler = [f"read the {''.join(draw.choices(CONSONANTS, k=10))} paper" for _ in range(300)]
    texts = [
        "refactr",  # retyped: no word in common with its copy
        "read the DDPM paper",
        *filler,  # many tasks in between
        "refactor",
        "read the DDPM paper again",
        "implement k-means on the GPU",
        "implement k-means clustering on the GPU",
    ]
    items = build_agenda(FakeStore(texts))  # type: ignore[arg-type]
    copied = {item.first.text: item.latest.text for item in items if len(item.occurrences) > 1}
    assert copied == {
        "refactr": "refactor",
        "read the DDPM paper": "read the DDPM paper again",
        "implement k-means on the GPU": "implement k-means clustering on the GPU",
    }


# -- the per-file budget and reader bugs ---------------------------------------------------

GOOD = {"good.md": "## 2024-01-01\n\nWombat gradients are well behaved.\n"}


def _warnings(stderr: str) -> list[str]:
    return [line for line in stderr.splitlines() if line.startswith("warning:")]


@pytest.fixture
def trouble(monkeypatch: pytest.MonkeyPatch) -> Callable[[str, Callable[[], None]], None]:
    """Make reading one named file misbehave (`what` runs instead of its parse)."""
    import tilbook.reading as reading  # `tilbook index` imports its parser when it reads

    real = reading.parse_source

    def install(name: str, what: Callable[[], None]) -> None:
        def parse(src: Any, hints: Any = None) -> Any:
            if src.source == name:
                what()
            return real(src, hints)

        monkeypatch.setattr(reading, "parse_source", parse)

    return install


def _hang() -> None:
    time.sleep(60)


def _crash() -> None:
    raise ValueError("boom\nwith a second line")


def _spin() -> None:
    while True:
        pass


def test_time_budget_interrupts_and_restores() -> None:
    from tilbook.indexing import ParseTimeout, time_budget

    before = signal.getsignal(signal.SIGALRM)
    started = time.perf_counter()
    with pytest.raises(ParseTimeout), time_budget(0.2):
        _spin()
    assert time.perf_counter() - started < 2
    assert signal.getsignal(signal.SIGALRM) is before
    assert signal.getitimer(signal.ITIMER_REAL) == (0.0, 0.0)
    with time_budget(5):
        pass
    assert signal.getitimer(signal.ITIMER_REAL) == (0.0, 0.0)


def test_time_budget_is_off_outside_the_main_thread() -> None:
    from tilbook.indexing import time_budget

    errors: list[BaseException] = []

    def run() -> None:
        try:
            with time_budget(0.05):
                time.sleep(0.2)
        except BaseException as error:  # reported below
            errors.append(error)

    worker = threading.Thread(target=run)
    worker.start()
    worker.join()
    assert errors == []


def test_slow_file_is_skipped_with_one_warning_and_read_again_when_changed(
    make_log: Callable[[dict[str, str]], Path],
    invoke: Invoke,
    invoke_json: Callable[..., Any],
    trouble: Callable[[str, Callable[[], None]], None],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import tilbook.indexing as indexing

    log = make_log({**GOOD, "slow.md": "## 2024-02-02\n\nQuokka notes.\n"})
    monkeypatch.setattr(indexing, "PARSE_BUDGET_SECONDS", 0.5)
    monkeypatch.setattr(indexing, "PARSE_BUDGET_SECONDS_PER_MB", 0.0)
    trouble("slow.md", _hang)
    started = time.perf_counter()
    result = invoke("index", log=log)
    assert time.perf_counter() - started < 10
    warnings = _warnings(result.stderr)
    assert len(warnings) == 1, result.stderr
    assert warnings[0].startswith("warning: slow.md: took longer than 0.5 s to read; skipped")
    assert "please report this" in warnings[0]
    assert len(invoke_json("search", "wombat", log=log)) == 1
    assert invoke_json("search", "quokka", log=log) == []
    monkeypatch.undo()
    # Unchanged: not read again, but its warning is kept (so --strict still fails on it).
    again = invoke_json("index", log=log)
    assert again["parsed"] == 0
    strict = invoke("index", "--strict", log=log, code=1)
    assert any(w.startswith("warning: slow.md: took longer") for w in _warnings(strict.stderr))
    # Changed: read again.
    (log / "slow.md").write_text("## 2024-02-02\n\nQuokka notes, edited.\n")
    os.utime(log / "slow.md", ns=(time.time_ns() + 10**9,) * 2)
    assert invoke_json("index", log=log)["parsed"] == 1
    assert len(invoke_json("search", "quokka", log=log)) == 1


def test_reader_bug_is_one_warning_naming_the_file(
    make_log: Callable[[dict[str, str]], Path],
    invoke: Invoke,
    invoke_json: Callable[..., Any],
    trouble: Callable[[str, Callable[[], None]], None],
) -> None:
    log = make_log({**GOOD, "bug.md": "## 2024-02-02\n\nBilby notes.\n"})
    trouble("bug.md", _crash)
    result = invoke("index", log=log)
    warnings = _warnings(result.stderr)
    assert len(warnings) == 1, result.stderr
    assert warnings[0].startswith("warning: bug.md: could not be read (ValueError: boom with a")
    assert "please report this" in warnings[0]
    assert len(invoke_json("search", "wombat", log=log)) == 1


@pytest.mark.skipif((os.cpu_count() or 1) < 2, reason="needs two processors for workers")
def test_budget_and_bugs_in_worker_processes(
    make_log: Callable[[dict[str, str]], Path],
    trouble: Callable[[str, Callable[[], None]], None],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import tilbook.indexing as indexing
    from tilbook.settings import load_settings
    from tilbook.store import open_store

    notes = {f"n{i}.md": f"## 2024-01-0{i + 1}\n\nNote {i}.\n" for i in range(4)}
    log = make_log({**GOOD, **notes, "slow.md": "x\n", "bug.md": "y\n"})
    monkeypatch.setattr(indexing, "PARALLEL_BYTES", 0)  # worker processes even for a few bytes
    monkeypatch.setattr(indexing, "PARSE_BUDGET_SECONDS", 0.5)
    monkeypatch.setattr(indexing, "PARSE_BUDGET_SECONDS_PER_MB", 0.0)
    import tilbook.reading as reading

    real = reading.parse_source

    def parse(src: Any, hints: Any = None) -> Any:
        assert threading.current_thread() is threading.main_thread()
        if src.source == "slow.md":
            _hang()
        if src.source == "bug.md":
            _crash()
        return real(src, hints)

    monkeypatch.setattr(reading, "parse_source", parse)
    store = open_store(log)
    try:
        with within(20):
            report = indexing.sync(log, store, load_settings(log))
    finally:
        store.close()
    by_file = {w.source: w.message for w in report.warnings}
    assert set(by_file) == {"slow.md", "bug.md"}
    assert by_file["slow.md"].startswith("took longer than 0.5 s")
    assert by_file["bug.md"].startswith("could not be read (ValueError: boom")
    assert report.parsed == 5


# -- every bad file at once ------------------------------------------------------------------

FRONT_MATTER_FILES: dict[str, tuple[str, str]] = {
    # name: (the note, what its one warning says)
    "impossible-date.md": ("---\ndate: 2024-13-01\n---\n\nBody.\n", "not a valid date"),
    "deep-yaml-flow.md": ("---\nx: " + "[" * 5000 + "]" * 5000 + "\n---\n\nBody.\n", "nests"),
    "deep-yaml-block.md": (
        "---\n" + "".join(" " * i + f"k{i}:\n" for i in range(300)) + " " * 300 + "v\n---\n\nB\n",
        "nests",
    ),
    "deep-toml.md": ("+++\nx = " + "[" * 5000 + "]" * 5000 + "\n+++\n\nBody.\n", "nests"),
    "laughs.md": (BILLION_LAUGHS, "expands to more than"),
    "recursive-alias.md": ("---\na: &a [*a]\n---\n\nBody.\n", "a cycle"),
}
SLOW_FILES: dict[str, str] = {
    "nested-markers.md": "- " * 5_000 + "x\n",
    "nested-ordered.md": "1. " * 5_000 + "x\n",
    "lone-hashes.md": "#\n" * 20_000,
    "day-headings.md": "# TIL 2024\n\n"
    + "".join(f"## {1 + i % 28} Mar\n\nt{i}\n\n" for i in range(2_000)),
    "kramdown.md": "{:" * 100_000 + "\n",
    "marker-spaces.md": "## 2024-01-01\n\n(#a" + " " * 40_000 + "x\n",
    "paren-spaces.md": "## 2024-01-01\n\n(" + " " * 3_000 + "x\n",
}


def test_index_survives_every_bad_file(
    tmp_path: Path, runner: CliRunner, invoke_json: Callable[..., Any]
) -> None:
    log = write_notes(
        tmp_path / "log",
        {
            **GOOD,
            **{name: text for name, (text, _) in FRONT_MATTER_FILES.items()},
            **SLOW_FILES,
            "todos.md": "## 2024-03-01\n\n"
            + "".join(f"- [ ] fix bug number {i}\n" for i in range(1_000)),
        },
    )
    started = time.perf_counter()
    with within(60):
        result = runner.invoke(main, ["index", "--log", str(log)])
    assert result.exit_code == 0, result.output + str(result.exception)
    assert time.perf_counter() - started < 30
    warnings = _warnings(result.stderr)
    for name, (_, said) in FRONT_MATTER_FILES.items():
        mine = [w for w in warnings if w.startswith(f"warning: {name}:")]
        assert len(mine) == 1, (name, warnings)
        assert said in mine[0]
    assert len(warnings) == len(FRONT_MATTER_FILES), warnings  # the slow files read cleanly
    hits = invoke_json("search", "wombat", log=log)
    assert [hit["source"] for hit in hits] == ["good.md"]
    with within(20):
        todos = runner.invoke(main, ["todo", "--log", str(log), "--json"])
    assert todos.exit_code == 0 and len(json.loads(todos.stdout)) > 100
