"""Integration over the five real learning logs in `../shared/seeds/` (skipped when absent).

The seeds are read at test time; only short structural facts are written here.
"""

from __future__ import annotations

import json
import re
import shutil
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from tilbook.cli import main

SEEDS = Path(__file__).resolve().parent.parent.parent / "shared" / "seeds"

pytestmark = [
    pytest.mark.seeds,
    pytest.mark.skipif(not SEEDS.is_dir(), reason="../shared/seeds is not here"),
]

EXPECTED_LAYOUT = {
    "000": "dated-headings",
    "001": "sections",
    "002": "category-dated",
    "003": "sections",
    "004": "lessons",
}
HANGUL_WORD = re.compile(r"(?<![\uac00-\ud7a3])[\uac00-\ud7a3]{2}(?![\uac00-\ud7a3])")
EMOJI = re.compile(r"[\U0001F000-\U0001FAFF\u2600-\u27BF\u2B00-\u2BFF\uFE0F\u200D]")


def _seed(prefix: str) -> Path:
    found = sorted(SEEDS.glob(f"{prefix}_*.txt"))
    if not found:
        pytest.skip(f"seed {prefix} is not in {SEEDS}")
    return found[0]


@pytest.fixture(scope="module")
def seed_log(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("seeds")
    for prefix in EXPECTED_LAYOUT:
        seed = _seed(prefix)
        shutil.copyfile(seed, root / f"{seed.stem}.md")
    return root


def _run(root: Path, *args: str) -> Any:
    result = CliRunner().invoke(main, [args[0], "--log", str(root), *args[1:]])
    assert result.exit_code == 0, result.output
    return result


@pytest.fixture(scope="module")
def indexed(seed_log: Path) -> dict[str, Any]:
    report = json.loads(_run(seed_log, "index", "--json").stdout)
    export = json.loads(_run(seed_log, "export").stdout)
    return {"report": report, "export": export}


@pytest.fixture(scope="module")
def by_seed(indexed: dict[str, Any]) -> dict[str, list[dict[str, Any]]]:
    grouped: dict[str, list[dict[str, Any]]] = {prefix: [] for prefix in EXPECTED_LAYOUT}
    for entry in indexed["export"]["entries"]:
        grouped[entry["source"][:3]].append(entry)
    return grouped


def _file(indexed: dict[str, Any], prefix: str) -> dict[str, Any]:
    return next(f for f in indexed["export"]["files"] if f["source"].startswith(prefix))


def test_layouts(indexed: dict[str, Any]) -> None:
    layouts = {f["source"][:3]: f["layout"] for f in indexed["export"]["files"]}
    assert layouts == EXPECTED_LAYOUT


def test_only_the_malformed_footnote_warns(indexed: dict[str, Any]) -> None:
    warnings = indexed["report"]["warnings"]
    assert len(warnings) == 1, warnings
    assert warnings[0].startswith("002_")
    assert "malformed footnote" in warnings[0]
    # The export keeps it beside its file, with its line.
    stored = _file(indexed, "002")["warnings"]
    assert len(stored) == 1
    assert isinstance(stored[0]["line"], int)


def test_dated_log(by_seed: dict[str, list[dict[str, Any]]]) -> None:
    entries = by_seed["000"]
    assert len(entries) > 20
    assert all(e["date"] for e in entries)
    assert all(e["layout"] == "dated-headings" for e in entries)
    # Items opened by a (#Tag) marker carry their tags.
    assert sum(1 for e in entries if e["tags"]) > 10


def test_dated_log_targets(indexed: dict[str, Any]) -> None:
    targets = _file(indexed, "000")["targets"]
    assert len(targets) >= 3
    assert all(t["tags"] for t in targets)


def test_course_notebook_questions(by_seed: dict[str, list[dict[str, Any]]]) -> None:
    entries = by_seed["001"]
    assert sum(len(e["questions"]) for e in entries) > 10
    assert any(e["has_math"] for e in entries)
    assert all(e["date"] is None for e in entries)


def test_category_log(by_seed: dict[str, list[dict[str, Any]]]) -> None:
    entries = by_seed["002"]
    assert len(entries) > 20
    undated = [e for e in entries if e["date"] is None]
    assert len(undated) == 1
    categories = Counter(e["category"] for e in entries)
    assert None not in categories
    assert len(categories) >= 2
    for category in categories:
        assert category == category.strip()
        assert not EMOJI.search(category), category
    assert any(e["has_math"] for e in entries)


def test_safety_notebook_terms_and_targets(
    indexed: dict[str, Any], by_seed: dict[str, list[dict[str, Any]]]
) -> None:
    assert sum(len(e["terms"]) for e in by_seed["003"]) >= 3
    assert len(_file(indexed, "003")["targets"]) >= 2
    assert sum(len(e["papers"]) for e in by_seed["003"]) >= 1


def test_lessons_have_todos_and_links(by_seed: dict[str, list[dict[str, Any]]]) -> None:
    entries = by_seed["004"]
    assert len(entries) >= 3
    assert all(e["layout"] == "lessons" for e in entries)
    with_todos = [e for e in entries if e["todos"]]
    assert len(with_todos) >= 2
    assert sum(len(e["todos"]) for e in entries) > 0
    kinds = {link["kind"] for e in entries for link in e["links"]}
    assert {"video", "paper"} <= kinds


def test_search_finds_korean_words(seed_log: Path) -> None:
    seed = next(seed_log.glob("002_*.md"))
    counts = Counter(HANGUL_WORD.findall(seed.read_text(encoding="utf-8")))
    common = [word for word, count in counts.most_common(5) if count >= 3]
    assert common, "002 should have two-syllable Korean words"
    for word in common:
        hits = json.loads(_run(seed_log, "search", word, "--json", "-n", "100").stdout)
        assert any(h["source"] == seed.name for h in hits), word
        for hit in hits:
            for start, end in hit["highlights"]:
                assert hit["snippet"][start:end] == word


def test_export_is_complete(indexed: dict[str, Any], seed_log: Path) -> None:
    export = indexed["export"]
    assert export["tilbook_export"] == 1
    assert len(export["files"]) == 5
    assert len(export["entries"]) == indexed["report"]["entries"]
    ids = [e["id"] for e in export["entries"]]
    assert len(ids) == len(set(ids))
    out = seed_log.parent / "seeds-export.json"
    _run(seed_log, "export", "-o", str(out))
    assert json.loads(out.read_text(encoding="utf-8")) == export


def test_every_entry_shows(seed_log: Path, indexed: dict[str, Any]) -> None:
    lines = {
        path.name: path.read_text(encoding="utf-8").replace("\r\n", "\n").split("\n")
        for path in seed_log.glob("*.md")
    }
    for entry in indexed["export"]["entries"][::7]:
        shown = json.loads(_run(seed_log, "show", entry["id"], "--json").stdout)
        first = lines[entry["source"]][entry["line"] - 1]
        assert shown["markdown"].split("\n")[0] == first
