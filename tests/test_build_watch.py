"""`tilbook build --watch`: the site is built again after each change to the notes."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from conftest import Invoke, write_notes

NOTES = {
    "journal.md": """# Journal

## 2024-03-01 Gradient clipping

Clipped the global norm at 1.0.

## 2024-03-02 Warm-up

A linear warm-up over 500 steps.
""",
    "other.md": """# Other

## 2024-03-05 Label smoothing

Smoothing of 0.1 on the targets.
""",
}
MARK = "Written while the site was watched."


def _page(out: Path, slug: str) -> str:
    (page,) = [path for path in out.rglob("index.html") if slug in path.parent.name]
    return page.read_text(encoding="utf-8")


def _mark(path: Path) -> Path:
    path.write_text(path.read_text(encoding="utf-8") + f"\n{MARK}\n", encoding="utf-8")
    return path


def _script_watcher(monkeypatch: pytest.MonkeyPatch, *steps: Callable[[], Path]) -> None:
    """Stand in for the file watcher: each step changes the notes and names the file the
    watcher would report; then Ctrl-C."""
    import watchfiles

    def changes(*args: Any, **kwargs: Any) -> Iterator[set[tuple[Any, str]]]:
        for step in steps:
            yield {(watchfiles.Change.modified, str(step()))}
        raise KeyboardInterrupt

    monkeypatch.setattr(watchfiles, "watch", changes)


def test_watch_and_json_cannot_go_together(invoke: Invoke, tmp_path: Path) -> None:
    log = write_notes(tmp_path / "log", NOTES)
    result = invoke("build", "--watch", "--json", log=log, code=2)
    assert "--watch and --json cannot be used together" in result.stderr


def test_a_change_is_built_and_a_change_that_reads_the_same_is_not(
    invoke: Invoke, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    log = write_notes(tmp_path / "log", NOTES)
    out = tmp_path / "site"

    def unchanged() -> Path:
        os.utime(log / "other.md")  # saved as it was: same bytes, nothing to read
        return log / "other.md"

    _script_watcher(monkeypatch, lambda: _mark(log / "journal.md"), unchanged)
    result = invoke("build", "--watch", "--out", str(out), "--no-pagefind", log=log)
    assert result.stdout.count("Built ") == 2  # the first build, then the one change
    assert "Watching" in result.stderr and "Stopped watching." in result.stderr
    assert MARK in _page(out, "warm-up")
    assert MARK not in _page(out, "label-smoothing")


def _wait_for(condition: Any, what: str, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        if time.monotonic() > deadline:
            pytest.fail(f"timed out waiting for {what}")
        time.sleep(0.1)


def test_the_real_watcher_rebuilds_a_site_inside_the_notes_folder_once_per_change(
    tmp_path: Path,
) -> None:
    # A site written inside the notes folder must not set the watcher off again.
    log = write_notes(tmp_path / "log", NOTES)
    out = log / "public"
    stderr_path = tmp_path / "stderr.txt"
    with stderr_path.open("w") as stderr:
        process = subprocess.Popen(
            [sys.executable, "-m", "tilbook", "build", "--log", str(log), "--out", str(out),
             "--watch", "--no-pagefind"],
            stdout=subprocess.PIPE,
            stderr=stderr,
            text=True,
        )  # fmt: skip
        try:
            _wait_for(lambda: "Watching" in stderr_path.read_text(), "the watcher to start")
            time.sleep(0.5)
            _mark(log / "journal.md")
            _wait_for(lambda: MARK in _page(out, "warm-up"), "the page to be built again")
            time.sleep(1.5)  # time enough for a rebuild its own output would set off
        finally:
            process.send_signal(signal.SIGINT)
            stdout, _ = process.communicate(timeout=30)
    assert process.returncode == 0, stderr_path.read_text()
    assert stdout.count("Built ") == 2, stdout
    assert "Stopped watching." in stderr_path.read_text()


def test_what_the_watcher_looks_at(tmp_path: Path) -> None:
    from tilbook.notes.files import watched

    root = tmp_path / "log"
    out = root / "public"
    assert watched(root, str(root / "journal.md"), besides=out)
    assert watched(root, str(root / ".tilbookignore"), besides=out)
    assert not watched(root, str(out / "index.html"), besides=out)
    assert not watched(root, str(out), besides=out)
    assert watched(root, str(root / "public-notes.md"), besides=out)  # a name, not the folder
    assert not watched(root, str(root / ".tilbook" / "index.db"))
    assert not watched(root, str(root / ".git" / "HEAD"))


def test_a_change_another_run_indexed_first_is_built_too(
    invoke: Invoke, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The web app's watcher (or a `tilbook index`) may read the change before this loop
    # does: the site must follow the index all the same.
    from tilbook.indexing import sync
    from tilbook.settings import load_settings
    from tilbook.store import open_store

    log = write_notes(tmp_path / "log", NOTES)
    out = tmp_path / "site"

    def indexed_elsewhere() -> Path:
        changed = _mark(log / "journal.md")
        other = open_store(log)
        try:
            sync(log, other, load_settings(log))
        finally:
            other.close()
        return changed

    _script_watcher(monkeypatch, indexed_elsewhere)
    invoke("build", "--watch", "--out", str(out), "--no-pagefind", log=log)
    assert MARK in _page(out, "warm-up")
