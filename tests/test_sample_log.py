"""The shipped `sample-log/` is read cleanly, in every layout, and is searchable."""

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
from tilbook.model import LAYOUTS

SAMPLE = Path(__file__).resolve().parent.parent / "sample-log"
HANGUL_WORD = re.compile(r"(?<![\uac00-\ud7a3])[\uac00-\ud7a3]{2}(?![\uac00-\ud7a3])")
ENGLISH_WORD = re.compile(r"\b[a-z]{7,}\b")


@pytest.fixture(scope="module")
def sample(tmp_path_factory: pytest.TempPathFactory) -> Path:
    # A copy, so the index is not written into the repository.
    root = tmp_path_factory.mktemp("sample") / "sample-log"
    shutil.copytree(SAMPLE, root, ignore=shutil.ignore_patterns(".tilbook"))
    return root


def _json(root: Path, *args: str) -> Any:
    result = CliRunner().invoke(main, [args[0], "--log", str(root), *args[1:], "--json"])
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def test_indexes_without_warnings(sample: Path) -> None:
    report = _json(sample, "index", "--strict")
    assert report["warnings"] == []
    assert report["files"] == len(list(SAMPLE.rglob("*.md")))
    assert report["entries"] > 20


def test_every_layout_appears(sample: Path) -> None:
    layouts = Counter(e["layout"] for e in _json(sample, "entries"))
    # jrnl journals are plain-text files, read only when `extensions` lists `.txt`; the
    # sample log is Markdown only (tests/test_jrnl.py reads one).
    assert set(layouts) == set(LAYOUTS) - {"jrnl"}


def _most_common(pattern: re.Pattern[str], texts: list[str]) -> str:
    counts = Counter(word for text in texts for word in pattern.findall(text))
    assert counts, pattern.pattern
    return counts.most_common(1)[0][0]


def test_search_korean_and_english(sample: Path) -> None:
    texts = [path.read_text(encoding="utf-8") for path in SAMPLE.rglob("*.md")]
    korean = _most_common(HANGUL_WORD, texts)
    english = _most_common(ENGLISH_WORD, texts)
    for word in (korean, english):
        hits = _json(sample, "search", word)
        assert hits, word
        assert any(word.casefold() in h["snippet"].casefold() for h in hits), word


def test_tags_and_export(sample: Path) -> None:
    tags = _json(sample, "tags")
    assert tags
    assert all(t["entries"] >= 1 for t in tags)
    result = CliRunner().invoke(main, ["export", "--log", str(sample)])
    assert result.exit_code == 0, result.output
    export = json.loads(result.stdout)
    assert len(export["entries"]) == len(_json(sample, "entries"))
