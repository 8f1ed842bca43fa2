"""`tilbook build` after one entry changed: only its page and the pages that list it are
made again, and the site is the one a build that makes every page's fingerprint again
(from the manifest, not from what the last build in this process kept) makes, byte for byte.

(Not a `--clean` build: related entries are made again only for the entries a change
touches, which a clean build, making them for all, may order otherwise.)
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from tilbook.indexing import sync
from tilbook.settings import load_settings
from tilbook.staticsite import BuildReport, SiteOptions, build_site
from tilbook.staticsite import build as build_module
from tilbook.store import open_store

REPO = Path(__file__).resolve().parent.parent
OPTIONS = SiteOptions(title="Learning log", base_url="https://example.org/")
MARK = "Incremental check: a sentence no other entry has."


def _build(root: Path, out: Path, *, clean: bool = False) -> BuildReport:
    store = open_store(root)
    try:
        sync(root, store, load_settings(root))
        return build_site(root, store, out, OPTIONS, clean=clean, pagefind=False, workers=1)
    finally:
        store.close()


def _files(folder: Path) -> dict[str, bytes]:
    return {
        path.relative_to(folder).as_posix(): path.read_bytes()
        for path in sorted(folder.rglob("*"))
        if path.is_file()
    }


def _build_reference(root: Path, reference: Path) -> None:
    """Bring the site in `reference` up to date from its manifest alone."""
    build_module._MEMORY.clear()
    _build(root, reference)
    build_module._MEMORY.clear()


def _assert_same(out: Path, reference: Path) -> None:
    built, expected = _files(out), _files(reference)
    assert sorted(built) == sorted(expected)
    different = [name for name in expected if built[name] != expected[name]]
    assert not different


def _append(path: Path, text: str) -> None:
    _write(path, path.read_text("utf-8") + f"\n{text}\n")


def _write(path: Path, text: str) -> None:
    """Write `path`, its modification time moved on (edits within a second are seen)."""
    before = path.stat().st_mtime_ns
    path.write_text(text, encoding="utf-8")
    after = path.stat()
    if after.st_mtime_ns <= before:
        os.utime(path, ns=(after.st_atime_ns, before + 1_000_000_000))


def _is_entry_page(path: str) -> bool:
    """`2024/06/11/slug/index.html` or `notes/slug/index.html`."""
    parts = path.split("/")
    return parts[-1] == "index.html" and (
        len(parts) == 5 or (len(parts) == 3 and parts[0] == "notes")
    )


@pytest.fixture
def log(tmp_path: Path) -> Path:
    root = tmp_path / "log"
    shutil.copytree(REPO / "sample-log", root)
    return root


@pytest.fixture
def counted(monkeypatch: pytest.MonkeyPatch) -> dict[str, list[Any]]:
    """What the builds of a test made: full contents, and the entry pages of each build."""
    made: dict[str, list[Any]] = {"contents": [], "entry_pages": []}
    build_contents = build_module.build_contents
    pages = build_module.pages

    def count_contents(*args: Any, **kwargs: Any) -> Any:
        made["contents"].append(1)
        return build_contents(*args, **kwargs)

    def count_pages(*args: Any, **kwargs: Any) -> Any:
        found = pages(*args, **kwargs)
        made["entry_pages"].append([page.path for page in found if page.kind == "entry"])
        return found

    monkeypatch.setattr(build_module, "build_contents", count_contents)
    monkeypatch.setattr(build_module, "pages", count_pages)
    return made


def test_one_changed_entry_makes_only_its_page_and_its_listings(
    log: Path, tmp_path: Path, counted: dict[str, list[Any]]
) -> None:
    out, reference = tmp_path / "site", tmp_path / "reference"
    _build_reference(log, reference)
    first = _build(log, out)
    entry_pages = {path for path in first.written if _is_entry_page(path)}
    assert len(entry_pages) > 10
    before = _files(out)

    _append(log / "journal.md", MARK)
    counted["contents"].clear()
    counted["entry_pages"].clear()
    report = _build(log, out)

    after = _files(out)
    shown = {path for path in entry_pages if MARK.encode() in after[path]}
    assert len(shown) == 1  # the entry that changed
    written = set(report.written)
    assert shown <= written
    # No other entry's page was made again (its text, neighbours and links are the same).
    assert counted["contents"] == []  # the contents were brought up to date, not made again
    made = set(counted["entry_pages"][0])
    assert shown <= made and len(made) <= 1 + 5  # at most its page and related ones
    unrelated = sorted(entry_pages - made)
    assert unrelated and not written.intersection(unrelated)
    assert all(after[path] == before[path] for path in unrelated)
    assert report.pages == first.pages and report.unchanged == report.pages - len(
        [path for path in written if path.endswith((".html", ".xml"))]
    )
    _build_reference(log, reference)
    _assert_same(out, reference)


def test_edits_in_a_row_give_the_site_a_full_build_gives(
    log: Path, tmp_path: Path, counted: dict[str, list[Any]]
) -> None:
    out, reference = tmp_path / "site", tmp_path / "reference"
    _build_reference(log, reference)
    _build(log, out)
    edits: list[Callable[[], None]] = [
        lambda: _append(log / "journal.md", MARK),  # the text of an entry
        lambda: _append(log / "notes" / "2024-06-02-rlhf.md", "More on reward models."),
        lambda: _append(log / "papers.md", "\n## 2024-07-01\n\n(#RL) A new entry."),  # a new one
        lambda: _write(  # a title (so an address) changed
            log / "journal.md",
            (log / "journal.md").read_text("utf-8").replace("Finally read DPO", "Read DPO"),
        ),
    ]
    for edit in edits:
        edit()
        _build(log, out)
        _build_reference(log, reference)
        _assert_same(out, reference)
    assert counted["contents"]  # the new entry and the new title made the contents again


def test_a_build_by_another_process_in_between_is_noticed(log: Path, tmp_path: Path) -> None:
    out, reference = tmp_path / "site", tmp_path / "reference"
    _build_reference(log, reference)
    _build(log, out)
    kept = dict(build_module._MEMORY)  # this process's view of the last build
    _append(log / "journal.md", MARK)
    build_module._MEMORY.clear()  # as if another process built the site now
    _build(log, out)
    build_module._MEMORY.clear()
    build_module._MEMORY.update(kept)  # this process again, with what it had
    _append(log / "journal.md", "And a second paragraph.")
    _build(log, out)
    _build_reference(log, reference)
    _assert_same(out, reference)


def test_a_change_of_reading_hints_is_built_though_no_file_changed(
    log: Path, tmp_path: Path
) -> None:
    # The hints change how files read without changing their bytes: the site, kept in
    # memory and in its manifest by file bytes, must follow the index, not its cache.
    out = tmp_path / "site"
    _build(log, out)
    (log / "tilbook.toml").write_text(
        '[[files]]\nmatch = "journal.md"\nlayout = "single-note"\n', encoding="utf-8"
    )
    report = _build(log, out)
    store = open_store(log)
    try:
        indexed = store.counts()["entries"]
    finally:
        store.close()
    assert report.entries == indexed
    reference = tmp_path / "reference"
    _build(log, reference, clean=True)
    assert _files(out).keys() == _files(reference).keys()


def test_the_web_app_follows_a_change_of_reading_hints(log: Path) -> None:
    from tilbook.webapp.site_pages import site_view
    from tilbook.webapp.state import LogState

    state = LogState(log)
    state.sync()
    before = site_view(state)
    assert before.contents is not None
    (log / "tilbook.toml").write_text(
        '[[files]]\nmatch = "journal.md"\nlayout = "single-note"\n', encoding="utf-8"
    )
    assert state.sync()
    after = site_view(state)
    assert after.contents is not None
    store = open_store(log)
    try:
        assert len(after.contents.entries) == store.counts()["entries"]
    finally:
        store.close()
    assert len(after.contents.entries) < len(before.contents.entries)
