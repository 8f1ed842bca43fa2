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
