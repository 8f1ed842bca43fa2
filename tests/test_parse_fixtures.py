"""Data-driven parser tests: each `fixtures/parse/NAME.md` against `NAME.json`.

The JSON lists what must be found; keys left out of an entry are not checked,
so a fixture pins exactly what it is about.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from tilbook.model import ParsedFile
from tilbook.notes.files import source_from_text
from tilbook.reading import parse_source

FIXTURES = Path(__file__).parent / "fixtures" / "parse"
ALL_CASES = sorted(FIXTURES.glob("*.md"))
CASES = [
    case
    for case in ALL_CASES
    if "shape" not in json.loads(case.with_suffix(".json").read_text(encoding="utf-8"))
]
"""Fixtures pinned exactly. The survey fixtures (with a `shape`) are scored instead."""


def _matches(expected: Any, actual: Any, where: str) -> list[str]:
    if isinstance(expected, dict):
        if not isinstance(actual, dict):
            return [f"{where}: expected an object, got {actual!r}"]
        problems = []
        for key, value in expected.items():
            if key not in actual:
                problems.append(f"{where}.{key}: missing")
            else:
                problems.extend(_matches(value, actual[key], f"{where}.{key}"))
        return problems
    if isinstance(expected, list):
        if not isinstance(actual, list) or len(actual) != len(expected):
            return [
                f"{where}: expected {json.dumps(expected, ensure_ascii=False)}, "
                f"got {json.dumps(actual, ensure_ascii=False)}"
            ]
        problems = []
        for position, (want, got) in enumerate(zip(expected, actual, strict=True)):
            problems.extend(_matches(want, got, f"{where}[{position}]"))
        return problems
    if expected != actual:
        return [f"{where}: expected {expected!r}, got {actual!r}"]
    return []


def parsed_as_dict(parsed: ParsedFile) -> dict[str, Any]:
    return {
        **parsed.file_dict(),
        "entries": [entry.to_dict() for entry in parsed.entries],
    }


@pytest.mark.parametrize("path", CASES, ids=[case.stem for case in CASES])
def test_fixture(path: Path) -> None:
    expected = json.loads(path.with_suffix(".json").read_text(encoding="utf-8"))
    parsed = parse_source(source_from_text(path.name, path.read_text(encoding="utf-8")))
    actual = parsed_as_dict(parsed)
    problems = []
    if expected["layout"] != actual["layout"]:
        problems.append(f"layout: expected {expected['layout']}, got {actual['layout']}")
    if len(expected["entries"]) != len(actual["entries"]):
        summary = [(e["line"], e["title"]) for e in actual["entries"]]
        problems.append(
            f"entries: expected {len(expected['entries'])}, got {len(actual['entries'])}: {summary}"
        )
    else:
        problems.extend(_matches(expected["entries"], actual["entries"], "entries"))
    for key in ("title", "targets"):
        if key in expected:
            problems.extend(_matches(expected[key], actual[key], key))
    assert not problems, "\n".join(problems)


def test_every_fixture_has_expectations() -> None:
    assert CASES, "no parser fixtures found"
    for case in ALL_CASES:
        assert case.with_suffix(".json").exists(), f"{case.name} has no .json"


# -- the survey fixtures, scored ------------------------------------------------------------

SCORE_FLOOR = 0.95
"""Every field's precision and recall over the whole fixture set; raise it as the reader
gets better (`python tests/fixture_score.py` prints the table)."""


def test_reader_scores_on_every_field() -> None:
    from fixture_score import score, table

    total = score()
    low = [
        f"{name}: precision {count.precision:.3f}, recall {count.recall:.3f}"
        for name, count in total.items()
        if count.precision < SCORE_FLOOR or count.recall < SCORE_FLOOR
    ]
    assert not low, "\n".join([*low, "", table(total)])


def test_no_fixture_reads_worse_than_recorded() -> None:
    """A change that helps some logs must not quietly hurt another one."""
    from fixture_score import BASELINE, misses_by_fixture

    recorded = json.loads(BASELINE.read_text(encoding="utf-8"))
    now = misses_by_fixture()
    worse = {name: (recorded.get(name, 0), count) for name, count in now.items()
             if count > recorded.get(name, 0)}  # fmt: skip
    assert not worse, (
        f"fixtures read worse than recorded (before, now): {worse}. "
        "Run `python tests/fixture_score.py --details NAME` to see why."
    )


def test_the_scorer_counts_misses(tmp_path: Path) -> None:
    """An expectation the reader does not meet scores below 1 on that field only."""
    from fixture_score import score_fixture

    (tmp_path / "log.md").write_text(
        "## 2024-03-01\n\nRead the ViT paper. Why patches of 16?\n\n"
        "## 2024-03-02\n\n- [ ] rerun the sweep\n",
        encoding="utf-8",
    )
    expected = {
        "entries": [
            {"line": 1, "date": "2024-03-01", "title": "Read the ViT paper",
             "questions": ["Why patches of 16?"], "todos": []},
            {"line": 5, "date": "2024-03-09", "title": "A title nobody wrote",
             "questions": [], "todos": [{"text": "rerun the sweep", "done": True}]},
        ]
    }  # fmt: skip
    (tmp_path / "log.json").write_text(json.dumps(expected), encoding="utf-8")
    counts = score_fixture(tmp_path / "log.md")
    assert (counts["entries"].right, counts["entries"].expected) == (2, 2)
    assert (counts["dates"].right, counts["dates"].expected) == (1, 2)
    assert (counts["titles"].right, counts["titles"].expected) == (1, 2)
    assert counts["questions"].recall == counts["questions"].precision == 1.0
    assert counts["todos"].right == 0 and counts["todos"].found == 1
