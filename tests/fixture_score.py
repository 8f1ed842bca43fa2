"""Score the reader against the parser fixtures: per-field precision and recall.

Each `tests/fixtures/parse/NAME.md` is read as tilbook reads a note (under the
file name its `NAME.json` gives in `filename`, else `NAME.md`) and compared with
what the JSON says a careful person reads from it:

- entries are matched by the line they start on;
- `date` and `title` are compared on matched entries (a wrong or extra date, or
  a date where the person reads none, costs precision);
- tags, links, papers, TODOs (text and done), questions, terms and the file's
  targets are compared as the multiset found in the whole file, so an item
  read into the neighbouring entry still counts as found. Texts match when
  they are alike after case and space folding (rapidfuzz ratio >= 85): a
  trailing period or a `**` is not a miss.

A key left out of a fixture is not scored. Run it as a script to see the
table, `--details` for every miss:

    .venv/bin/python tests/fixture_score.py [--details] [NAME ...]

`misses.json` records how many misses each fixture has today; the tests fail when a
fixture reads worse. After an improvement, record it with `--write-baseline`.
"""

from __future__ import annotations

import json
import sys
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from rapidfuzz import fuzz

from tilbook.model import ParsedFile
from tilbook.notes.files import source_from_text
from tilbook.reading import parse_source

FIXTURES = Path(__file__).parent / "fixtures" / "parse"
FIELDS = (
    "entries",
    "dates",
    "titles",
    "tags",
    "links",
    "papers",
    "todos",
    "questions",
    "terms",
    "targets",
)
TEXT_MATCH = 85


@dataclass
class Count:
    found: int = 0
    """Items the reader gave."""
    expected: int = 0
    """Items the fixture lists."""
    right: int = 0
    """Items in both."""
    misses: list[str] = field(default_factory=list)

    @property
    def precision(self) -> float:
        return self.right / self.found if self.found else 1.0

    @property
    def recall(self) -> float:
        return self.right / self.expected if self.expected else 1.0

    def add(self, other: Count) -> None:
        self.found += other.found
        self.expected += other.expected
        self.right += other.right
        self.misses.extend(other.misses)


def fold(text: str) -> str:
    text = unicodedata.normalize("NFKC", text).casefold()
    text = text.replace("**", "").replace("__", "").replace("`", "")
    return " ".join(text.split()).strip(" .:;,!")


def _same(a: str, b: str) -> bool:
    if a[:4] in ("[ ] ", "[x] ") and b[:4] in ("[ ] ", "[x] "):
        if a[:4] != b[:4]:
            return False  # a TODO's state must match exactly
        a, b = a[4:], b[4:]
    a, b = fold(a), fold(b)
    return a == b or (len(a) > 3 and len(b) > 3 and fuzz.ratio(a, b) >= TEXT_MATCH)


def _pair(expected: list[str], found: list[str], exact: bool) -> tuple[int, list[str], list[str]]:
    """How many of `expected` are in `found` (each used once); the unmatched of both."""
    left = list(found)
    right = 0
    missing: list[str] = []
    for want in expected:
        index = next(
            (
                i
                for i, got in enumerate(left)
                if (fold(got) == fold(want) if exact else _same(got, want))
            ),
            None,
        )
        if index is None:
            missing.append(want)
        else:
            right += 1
            left.pop(index)
    return right, missing, left


def _items(entry: dict[str, Any], name: str) -> list[str]:
    """An entry's items of one field, as comparable strings."""
    values = entry.get(name) or []
    out = []
    for value in values:
        if name == "todos":
            text = value["text"] if isinstance(value, dict) else str(value)
            done = value.get("done", False) if isinstance(value, dict) else False
            out.append(("[x] " if done else "[ ] ") + text)
        elif isinstance(value, dict):
            key = {"links": "url", "papers": "id", "questions": "text", "terms": "term"}[name]
            if key in value:
                out.append(str(value[key]))
        else:
            out.append(str(value))
    return out


def _targets(values: Iterable[Any]) -> list[str]:
    return [v["text"] if isinstance(v, dict) else str(v) for v in values if v]


def read_fixture(path: Path) -> tuple[dict[str, Any], ParsedFile]:
    expected = json.loads(path.with_suffix(".json").read_text(encoding="utf-8"))
    name = expected.get("filename") or path.name
    parsed = parse_source(source_from_text(name, path.read_text(encoding="utf-8")))
    return expected, parsed


def score_fixture(path: Path) -> dict[str, Count]:
    expected, parsed = read_fixture(path)
    actual = [entry.to_dict() for entry in parsed.entries]
    counts = {name: Count() for name in FIELDS}
    where = path.stem
    by_line = {entry["line"]: entry for entry in actual}
    wanted = expected["entries"]
    entries = counts["entries"]
    entries.found, entries.expected = len(actual), len(wanted)
    matched = [(want, by_line[want["line"]]) for want in wanted if want["line"] in by_line]
    entries.right = len(matched)
    expected_lines = {want["line"] for want in wanted}
    entries.misses += [
        f"{where}: no entry at line {w['line']} ({w.get('title')!r})"
        for w in wanted
        if w["line"] not in by_line
    ]
    entries.misses += [
        f"{where}: extra entry at line {a['line']} ({a['title']!r})"
        for a in actual
        if a["line"] not in expected_lines
    ]

    if any("date" in want for want in wanted):
        dates = counts["dates"]
        dates.found = sum(1 for entry in actual if entry["date"])
        dates.expected = sum(1 for want in wanted if want.get("date"))
        for want, got in matched:
            if want.get("date") and got["date"] == want["date"]:
                dates.right += 1
            elif want.get("date") != got["date"]:
                dates.misses.append(
                    f"{where}:{want['line']}: date {got['date']!r}, expected {want.get('date')!r}"
                )
    titled = [want for want in wanted if want.get("title")]
    if titled:
        titles = counts["titles"]
        titled_lines = {want["line"] for want in titled}
        # An entry a person gives no title (null) is not scored either way.
        titles.found = sum(
            1 for a in actual if a["line"] in titled_lines or a["line"] not in expected_lines
        )
        titles.expected = len(titled)
        for want, got in matched:
            if not want.get("title"):
                continue
            if _same(got["title"], want["title"]):
                titles.right += 1
            else:
                titles.misses.append(
                    f"{where}:{want['line']}: title {got['title']!r}, expected {want['title']!r}"
                )
    for name in ("tags", "links", "papers", "todos", "questions", "terms"):
        if not any(name in want for want in wanted):
            continue
        scored = [want for want in wanted if name in want]
        lines = {want["line"] for want in scored}
        want_items = [item for want in scored for item in _items(want, name)]
        # Items of entries the fixture does not score for this field are not counted.
        got_items = [
            item
            for entry in actual
            if entry["line"] in lines or entry["line"] not in expected_lines
            for item in _items(entry, name)
        ]
        count = counts[name]
        count.found, count.expected = len(got_items), len(want_items)
        right, missing, extra = _pair(
            want_items, got_items, exact=name in ("links", "papers", "tags")
        )
        count.right = right
        count.misses += [f"{where}: {name} missed {item!r}" for item in missing]
        count.misses += [f"{where}: {name} extra {item!r}" for item in extra]
    if "targets" in expected:
        count = counts["targets"]
        want_items = _targets(expected["targets"])
        got_items = _targets(target.text for target in parsed.targets)
        count.found, count.expected = len(got_items), len(want_items)
        right, missing, extra = _pair(want_items, got_items, exact=False)
        count.right = right
        count.misses += [f"{where}: target missed {item!r}" for item in missing]
        count.misses += [f"{where}: target extra {item!r}" for item in extra]
    return counts


def score(paths: Iterable[Path] | None = None) -> dict[str, Count]:
    total = {name: Count() for name in FIELDS}
    for path in paths or sorted(FIXTURES.glob("*.md")):
        for name, count in score_fixture(path).items():
            total[name].add(count)
    return total


BASELINE = FIXTURES / "misses.json"


def misses(counts: dict[str, Count]) -> int:
    """Items given wrongly plus items not given, over every field."""
    return sum((c.found - c.right) + (c.expected - c.right) for c in counts.values())


def misses_by_fixture() -> dict[str, int]:
    return {path.stem: misses(score_fixture(path)) for path in sorted(FIXTURES.glob("*.md"))}


def table(total: dict[str, Count]) -> str:
    rows = [f"{'field':<10} {'precision':>9} {'recall':>7} {'found':>6} {'expected':>8}"]
    for name, count in total.items():
        rows.append(
            f"{name:<10} {count.precision:>9.3f} {count.recall:>7.3f} "
            f"{count.found:>6} {count.expected:>8}"
        )
    return "\n".join(rows)


def main(argv: list[str]) -> None:
    if "--write-baseline" in argv:
        BASELINE.write_text(json.dumps(misses_by_fixture(), indent=1) + "\n", encoding="utf-8")
        print(f"wrote {BASELINE}")
        return
    details = "--details" in argv
    names = [arg for arg in argv if not arg.startswith("--")]
    paths = [FIXTURES / f"{name}.md" for name in names] or None
    total = score(paths)
    print(table(total))
    if details:
        for name, count in total.items():
            for miss in count.misses:
                print(f"  [{name}] {miss}")


if __name__ == "__main__":
    main(sys.argv[1:])
