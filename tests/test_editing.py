"""Editing an entry's span in place, and the refusal when the file changed meanwhile."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest

from tilbook.errors import EditConflict
from tilbook.features.editing import entry_source, save_entry_source
from tilbook.indexing import sync
from tilbook.settings import load_settings
from tilbook.store import open_store
from tilbook.webapp.security import confined_path, host_name

LOG = """---
title: Log
---
## 2024-05-02

(#Research) First entry.
More of the first entry.

(#Idea) Second entry.

## 2024-05-01

Older day.
"""


def entries(root: Path) -> list:
    store = open_store(root)
    try:
        sync(root, store, load_settings(root))
        return sorted(store.all_entries(), key=lambda e: e.line)
    finally:
        store.close()


@pytest.mark.parametrize("newline", ["\n", "\r\n"])
def test_saving_replaces_exactly_the_entry_lines(tmp_path: Path, newline: str) -> None:
    path = tmp_path / "log.md"
    path.write_bytes(LOG.replace("\n", newline).encode())
    first = entries(tmp_path)[0]
    source = entry_source(tmp_path, first)
    assert source.markdown == "(#Research) First entry.\nMore of the first entry."
    saved = save_entry_source(
        tmp_path,
        source,
        "(#Research) First entry, edited.\r\nA new line.\r\nAnd one more.",
        source.version,
    )
    expected = LOG.replace(
        "(#Research) First entry.\nMore of the first entry.",
        "(#Research) First entry, edited.\nA new line.\nAnd one more.",
    ).replace("\n", newline)
    assert path.read_bytes() == expected.encode()
    assert saved.end_line == saved.line + 2
    titles = [e.title for e in entries(tmp_path)]
    assert titles[:2] == ["First entry, edited", "Second entry"]


def test_a_change_on_disk_refuses_the_save_and_shows_both(tmp_path: Path) -> None:
    path = tmp_path / "log.md"
    path.write_text(LOG, encoding="utf-8")
    second = entries(tmp_path)[1]
    source = entry_source(tmp_path, second)
    outside = LOG.replace("(#Idea) Second entry.", "(#Idea) Second entry, changed elsewhere.")
    path.write_text(outside, encoding="utf-8")
    with pytest.raises(EditConflict) as conflict:
        save_entry_source(tmp_path, source, "(#Idea) My edit.", source.version)
    assert path.read_text(encoding="utf-8") == outside
    assert conflict.value.yours == "(#Idea) My edit."
    assert conflict.value.theirs == "(#Idea) Second entry, changed elsewhere."
    assert "changed on disk" in str(conflict.value)
    # A save that started from what the conflict showed goes through.
    shown = replace(source, markdown=conflict.value.theirs, version=conflict.value.version)
    save_entry_source(tmp_path, shown, "(#Idea) Merged.", conflict.value.version)
    assert "(#Idea) Merged." in path.read_text(encoding="utf-8")


def test_last_entry_without_final_newline(tmp_path: Path) -> None:
    path = tmp_path / "log.md"
    path.write_text(LOG.rstrip("\n"), encoding="utf-8")
    last = entries(tmp_path)[-1]
    source = entry_source(tmp_path, last)
    save_entry_source(tmp_path, source, "## 2024-05-01\n\nOlder day, edited.", source.version)
    assert path.read_text(encoding="utf-8").endswith("Older day, edited.")


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        ("localhost:8000", "localhost"),
        ("127.0.0.1", "127.0.0.1"),
        ("[::1]:8000", "::1"),
        ("EVIL.example:80", "evil.example"),
        ("", ""),
    ],
)
def test_host_name(header: str, expected: str) -> None:
    assert host_name(header) == expected


def test_confined_path(tmp_path: Path) -> None:
    root = tmp_path / "log"
    (root / "images").mkdir(parents=True)
    (root / "images" / "a.png").write_bytes(b"png")
    (root / ".tilbook").mkdir()
    (root / ".tilbook" / "index.db").write_bytes(b"db")
    (tmp_path / "secret.txt").write_text("secret")
    (root / "images" / "out.png").symlink_to(tmp_path / "secret.txt")
    assert confined_path(root, "images/a.png") == (root / "images" / "a.png").resolve()
    for bad in (
        "../secret.txt",
        "images/../../secret.txt",
        ".tilbook/index.db",
        "images/out.png",
        "images/missing.png",
        "images",
        "a\x00b",
    ):
        assert confined_path(root, bad) is None, bad


def test_lone_carriage_returns_count_as_line_ends_everywhere(tmp_path: Path) -> None:
    path = tmp_path / "log.md"
    path.write_bytes(
        b"## 2024-05-02\n\n(#A) Pasted\rfrom an old clipboard.\n\n(#B) Second entry.\n"
    )
    second = entries(tmp_path)[1]
    source = entry_source(tmp_path, second)
    assert source.markdown == "(#B) Second entry."
    save_entry_source(tmp_path, source, "(#B) Second, edited.", source.version)
    assert path.read_bytes() == (
        b"## 2024-05-02\n\n(#A) Pasted\rfrom an old clipboard.\n\n(#B) Second, edited.\n"
    )


def test_a_span_that_no_longer_holds_the_entry_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "log.md"
    path.write_text(LOG, encoding="utf-8")
    first = entries(tmp_path)[0]
    source = entry_source(tmp_path, first)
    stale = replace(source, markdown="(#Research) Something else entirely.")
    with pytest.raises(EditConflict, match="no longer hold"):
        save_entry_source(tmp_path, stale, "(#Research) Mine.", source.version)
    assert path.read_text(encoding="utf-8") == LOG


def test_read_only_hard_linked_and_symlinked_notes(tmp_path: Path) -> None:
    import os

    from tilbook.errors import NotWritableError
    from tilbook.notes.writes import insert_text, read_note

    target = tmp_path / "archive" / "2024.md"
    target.parent.mkdir()
    target.write_text("## 2024-01-01\n\nOld.\n", encoding="utf-8")
    link = tmp_path / "journal.md"
    link.symlink_to(target)
    note = read_note(link)
    insert_text(note, len(note.text), "\nNew.\n")
    assert link.is_symlink()
    assert target.read_text(encoding="utf-8").endswith("Old.\n\nNew.\n")

    os.link(target, tmp_path / "hard.md")
    with pytest.raises(NotWritableError, match="hard links"):
        read_note(target)
    (tmp_path / "hard.md").unlink()
    target.chmod(0o444)
    with pytest.raises(NotWritableError, match="read-only"):
        read_note(target)
