"""The web app serves requests concurrently: pages are made off the server's event loop,
and the site's view of the log is replaced whole when the notes change."""

from __future__ import annotations

import asyncio
import shutil
import threading
from pathlib import Path
from typing import Any

from starlette.testclient import TestClient

from tilbook.webapp import pages
from tilbook.webapp.app import create_app
from tilbook.webapp.site_pages import site_view

SAMPLE = Path(__file__).resolve().parent.parent / "sample-log"


def _log(tmp_path: Path) -> Path:
    root = tmp_path / "log"
    shutil.copytree(SAMPLE, root)
    return root


def test_pages_are_made_in_worker_threads(tmp_path: Path, monkeypatch: Any) -> None:
    seen: list[tuple[str, int]] = []
    original = pages.search_api

    async def recording(*args: Any) -> Any:
        seen.append((threading.current_thread().name, id(asyncio.get_running_loop())))
        return await original(*args)

    monkeypatch.setattr(pages, "search_api", recording)
    app = create_app(_log(tmp_path), watch=False)
    loops: list[int] = []

    async def probe(scope: Any, receive: Any, send: Any) -> None:
        loops.append(id(asyncio.get_running_loop()))
        await app(scope, receive, send)

    client = TestClient(probe, base_url="http://127.0.0.1:8000")
    for _ in range(3):
        assert client.get("/api/search", params={"q": "diffusion"}).status_code == 200
    assert len(seen) == 3
    assert all(loop not in loops for _, loop in seen)  # not on the server's event loop
    assert all(name != threading.main_thread().name for name, _ in seen)


def test_a_change_makes_a_new_site_view(tmp_path: Path) -> None:
    root = _log(tmp_path)
    app = create_app(root, watch=False)
    client = TestClient(app, base_url="http://127.0.0.1:8000")
    assert client.get("/").status_code == 200
    state = app.app.state.log
    before = site_view(state)
    pages_before = dict(before.pages)
    journal = root / "journal.md"
    journal.write_text(
        journal.read_text(encoding="utf-8") + "\n2030-01-02\n----------\n\nA new day.\n",
        encoding="utf-8",
    )
    assert state.sync()
    after = site_view(state)
    assert after is not before  # a page being made from `before` keeps it as it was
    assert before.pages == pages_before
    assert after.version == state.version
    assert client.get("/").status_code == 200


def test_pages_are_served_while_the_site_is_made_again(tmp_path: Path) -> None:
    app = create_app(_log(tmp_path), watch=False)
    client = TestClient(app, base_url="http://127.0.0.1:8000")
    assert client.get("/").status_code == 200
    state = app.app.state.log
    old = site_view(state)
    state.version += 1  # the notes changed, and another thread is making the new version:
    with state.__dict__["site_view_lock"]:
        page = client.get("/")  # served from the old version, without waiting
    assert page.status_code == 200
    assert f'<meta name="log-version" content="{old.version}">' in page.text
    assert client.get("/").status_code == 200
    assert site_view(state).version == state.version


def test_a_new_site_view_reads_again_only_the_files_that_changed(tmp_path: Path) -> None:
    root = _log(tmp_path)
    app = create_app(root, watch=False)
    client = TestClient(app, base_url="http://127.0.0.1:8000")
    state = app.app.state.log
    before = site_view(state)
    assert "papers.md" in before.records and "journal.md" in before.records
    journal = root / "journal.md"
    journal.write_text(
        journal.read_text(encoding="utf-8") + "\nAnother line, read again with its file.\n",
        encoding="utf-8",
    )
    assert state.sync()
    after = site_view(state)
    # The other files' entries are the very records of the last version, not read again.
    assert after.records["papers.md"][1] is before.records["papers.md"][1]
    assert after.records["journal.md"][1] is not before.records["journal.md"][1]
    assert sorted(after.records) == sorted(before.records)
    assert after.records["journal.md"][1][-1].digest != before.records["journal.md"][1][-1].digest
    assert client.get("/").status_code == 200


def test_the_app_notices_a_change_another_run_indexed_or_a_file_emptied(tmp_path: Path) -> None:
    from tilbook.indexing import sync
    from tilbook.settings import load_settings
    from tilbook.store import open_store
    from tilbook.webapp.state import LogState

    root = _log(tmp_path)
    state = LogState(root)
    state.sync()
    version = state.version
    assert not state.sync()  # nothing changed
    journal = root / "journal.md"
    journal.write_text(journal.read_text(encoding="utf-8") + "\nOne more line.\n", "utf-8")
    other = open_store(root)  # `tilbook index` in another process, first to read it
    try:
        sync(root, other, load_settings(root))
    finally:
        other.close()
    assert state.sync()
    assert state.version == version + 1
    (root / "papers.md").write_text("", encoding="utf-8")  # no entries left in it
    assert state.sync()
    assert state.version == version + 2
