"""Related entries ("more like this"): `tilbook related`, the site's and the web app's
Related list — distinctive words, rare tags, papers and links shared."""

from __future__ import annotations

import json
import re
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
from starlette.testclient import TestClient

from conftest import Invoke, write_notes
from test_site import build
from tilbook.store.related import distinctive_words, most_entries, word_counts
from tilbook.webapp.app import create_app

FILLER = "\n".join(
    f"## 2024-02-{day:02d} Filler {day}\n\nNothing much happened on day {day}; tidied the desk.\n"
    for day in range(1, 26)
)
NOTES = {
    "journal.md": """## 2024-01-01 Drone filter

Ran the Kalman filter on the drone telemetry; the covariance exploded.

## 2024-01-02 Sourdough

Baked sourdough bread, the starter was sluggish.

## 2024-01-03 Drone again

Tuned the Kalman process covariance for the drone: it flies straight now.

## 2024-01-04 Bread

The sourdough starter revived and the bread rose well.

## 2024-01-05 Adapters

Read https://arxiv.org/abs/2106.09685 on the train.

## 2024-01-06 Cats

Cats ignore everything. Also https://arxiv.org/abs/2106.09685 once more.

## 2024-01-09 Cloned

Cloned https://github.com/karpathy/nanoGPT today.

## 2024-01-10 Patched

Patched its trainer: https://github.com/karpathy/nanoGPT

## 2024-01-07 Tagged one

Nothing shared in words here. #Quokkas

## 2024-01-08 Tagged two

Different words entirely. #Quokkas
"""
    + FILLER,
}


@pytest.fixture
def log(tmp_path: Path) -> Path:
    return write_notes(tmp_path / "related-log", NOTES)


def related(invoke: Invoke, log: Path, title: str) -> list[dict[str, Any]]:
    entries = json.loads(invoke("entries", "--json", log=log).stdout)
    entry_id = next(entry["id"] for entry in entries if entry["title"] == title)
    found: list[dict[str, Any]] = json.loads(
        invoke("related", entry_id[:8], "--json", log=log).stdout
    )
    return found


def test_distinctive_words_are_shared_and_rare() -> None:
    counts = word_counts(
        "Kalman kalman filter the what https://example.org/drone \\frac{a}{b} 빵을 drone"
    )
    assert counts["kalman"] == 2
    assert "example" not in counts and "frac" not in counts and "what" not in counts
    entries_with = {"kalman": 2, "filter": 40, "drone": 1, "the": 90}
    assert distinctive_words(counts, entries_with, 100) == ["kalman"]  # filter: 40 > 20
    assert most_entries(59) == 20 and most_entries(10_000) == 50


def test_related_by_distinctive_words(invoke: Invoke, log: Path) -> None:
    found = related(invoke, log, "Drone filter")
    assert [entry["title"] for entry in found] == ["Drone again"]
    assert {"kalman", "drone", "covariance"} <= set(found[0]["shared"])
    assert [entry["title"] for entry in related(invoke, log, "Bread")] == ["Sourdough"]


def test_related_by_papers_and_tags(invoke: Invoke, log: Path) -> None:
    found = related(invoke, log, "Adapters")
    assert [entry["title"] for entry in found] == ["Cats"]
    assert found[0]["shared"][0] == "arxiv:2106.09685"
    assert found[0]["score"] >= 1.0  # a paper counts a whole point
    found = related(invoke, log, "Cloned")
    assert [entry["title"] for entry in found] == ["Patched"]
    assert found[0]["shared"] == ["https://github.com/karpathy/nanoGPT"]
    assert found[0]["score"] == 0.5
    found = related(invoke, log, "Tagged one")
    assert [entry["title"] for entry in found] == ["Tagged two"]
    assert "#Quokkas" in found[0]["shared"]


def test_related_as_a_table_and_errors(invoke: Invoke, log: Path) -> None:
    entries = json.loads(invoke("entries", "--json", log=log).stdout)
    drone = next(entry["id"] for entry in entries if entry["title"] == "Drone filter")
    output = invoke("related", drone, log=log).stdout
    assert "Drone again" in output and "kalman" in output
    alone = next(entry["id"] for entry in entries if entry["title"] == "Filler 3")
    assert invoke("related", alone, log=log).stderr.strip() == "No related entries."
    assert "no entry with id" in invoke("related", "ffffffff", code=1, log=log).stderr


def _related_on_page(page: str) -> list[str]:
    block = re.search(r'<aside id="related".*?</aside>', page, re.DOTALL)
    return re.findall(r"<a [^>]*>([^<]+)</a>", block.group(0)) if block else []


def test_the_site_lists_related_entries_and_follows_changes(log: Path) -> None:
    site = log / ".tilbook" / "site"
    build(log)
    drone = site / "2024/01/01/drone-filter/index.html"
    assert _related_on_page(drone.read_text("utf-8")) == ["Drone again"]
    assert _related_on_page((site / "2024/01/02/sourdough/index.html").read_text()) == ["Bread"]
    assert _related_on_page((site / "2024/02/03/filler-3/index.html").read_text()) == []
    # An entry now about the same thing joins the list of the entries like it, and only
    # the pages whose lists changed are written again.
    text = (log / "journal.md").read_text("utf-8")
    (log / "journal.md").write_text(
        text.replace(
            "Nothing much happened on day 10; tidied the desk.",
            "The Kalman covariance of the drone blew up mid-air.",
        ),
        "utf-8",
    )
    report = build(log)
    assert set(_related_on_page(drone.read_text("utf-8"))) == {"Drone again", "Filler 10"}
    assert "2024/01/02/sourdough/index.html" not in report.written
    assert "2024/01/01/drone-filter/index.html" in report.written
    clean = log / "clean-site"
    build(log, clean / "site", clean=True)
    assert _related_on_page((clean / "site/2024/01/01/drone-filter/index.html").read_text()) == (
        _related_on_page(drone.read_text("utf-8"))
    )


def test_the_web_app_entry_page_lists_related_entries(log: Path) -> None:
    client = TestClient(create_app(log, watch=False), base_url="http://127.0.0.1:8000")
    page = client.get("/2024/01/01/drone-filter/").text
    assert _related_on_page(page) == ["Drone again"]
    assert 'href="/2024/01/03/drone-again/"' in page
    assert Counter(_related_on_page(client.get("/2024/01/05/adapters/").text)) == {"Cats": 1}


def test_related_entries_of_a_few_are_those_of_the_whole_log(tmp_path: Path) -> None:
    # A rebuild asks only about the entries a change touched: it reads only their papers,
    # links and tags (and the entries sharing them), and must find what a full pass finds.
    import shutil

    from tilbook.indexing import sync
    from tilbook.settings import load_settings
    from tilbook.store import open_store

    root = tmp_path / "sample"
    shutil.copytree(Path(__file__).resolve().parent.parent / "sample-log", root)
    store = open_store(root)
    try:
        sync(root, store, load_settings(root))
        everything = store.related_all(limit=5)
        with_papers = [
            entry_id
            for (entry_id,) in store.db.execute(
                "SELECT DISTINCT e.id FROM papers p JOIN entries e ON e.rowid = p.entry"
            )
        ]
        assert len(with_papers) >= 5
        for some in (with_papers[:1], with_papers[:5], list(everything)[::7]):
            assert store.related_all(limit=5, only=some) == {i: everything[i] for i in some}
    finally:
        store.close()
