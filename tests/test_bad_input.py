"""Files tilbook cannot (fully) read: one warning each, the rest of the log still indexed.

Also: a killed index run, a damaged index file, and the promise that notes are
never modified.
"""

from __future__ import annotations

import codecs
import hashlib
import json
import os
from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import CliRunner

from conftest import Invoke, write_notes
from tilbook.cli import main
from tilbook.indexing import sync
from tilbook.settings import SETTINGS, load_settings
from tilbook.store import index_path, open_store
from tilbook.store.query import parse_query
from tilbook.store.sqlite import SQLiteStore

GOOD = {
    "good.md": "## 2024-01-01\n\nWombat gradients are well behaved.\n",
    "more/also-good.md": "# Lesson 1: Basics\n\nNumbat regularisation.\n\n# Lesson 2: More\n\nok\n",
}


def _warnings(stderr: str) -> list[str]:
    return [line for line in stderr.splitlines() if line.startswith("warning:")]


def _bad_utf8(path: Path) -> None:
    path.write_bytes(b"## 2024-02-02\n\nfine line\n\nbroken \xff\xfe here\n")


def _malformed_yaml(path: Path) -> None:
    path.write_text("---\ntitle: [unclosed\ntags: x\n---\n\nBody about bilbies.\n")


def _yaml_list(path: Path) -> None:
    path.write_text("---\n- one\n- two\n---\n\nBody about quolls.\n")


def _empty(path: Path) -> None:
    path.write_bytes(b"")


def _blank(path: Path) -> None:
    path.write_bytes(b"\n \n\t\n")


def _binary(path: Path) -> None:
    path.write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)) * 4)


def _too_big(path: Path) -> None:
    (path.parent / "tilbook.toml").write_text("max_file_size_mb = 1\n")
    line = b"Lots of repeated text about kangaroos in a giant note.\n"
    path.write_bytes(line * (2_000_000 // len(line) + 1))


PROBLEMS: dict[str, tuple[Callable[[Path], None], str, int | None]] = {
    # name: (how to write bad.md, what the warning says, the line it names)
    "invalid-utf8": (_bad_utf8, "line 5", 5),
    "malformed-yaml": (_malformed_yaml, "not valid YAML at line 3, column", 3),
    "yaml-list": (_yaml_list, "front matter is a list", 1),
    "empty": (_empty, "is empty", None),
    "blank": (_blank, "is empty", None),
    "binary": (_binary, "binary file", None),
    "too-big": (_too_big, "over the 1 MB limit", None),
}


@pytest.fixture
def good_log(make_log: Callable[[dict[str, str]], Path]) -> Path:
    return make_log(GOOD)


def _assert_good_files_indexed(invoke_json: Callable[..., object], folder: Path) -> None:
    assert len(invoke_json("search", "wombat", log=folder)) == 1
    assert len(invoke_json("search", "numbat", log=folder)) == 1


@pytest.mark.parametrize("name", list(PROBLEMS))
def test_problem_file_gets_one_warning(
    name: str, good_log: Path, invoke: Invoke, invoke_json: Callable[..., object]
) -> None:
    write, message, line = PROBLEMS[name]
    write(good_log / "bad.md")
    result = invoke("index", log=good_log)
    warnings = _warnings(result.stderr)
    assert len(warnings) == 1, result.stderr
    where = "bad.md" if line is None else f"bad.md:{line}"
    assert warnings[0].startswith(f"warning: {where}: "), warnings[0]
    assert message in warnings[0]
    assert "1 warning." in result.stdout
    _assert_good_files_indexed(invoke_json, good_log)
    # --strict fails on it, on a fresh run and on an incremental one alike.
    strict = invoke("index", "--strict", log=good_log, code=1)
    assert "with --strict" in strict.stderr
    assert any("bad.md" in w for w in _warnings(strict.stderr))
    invoke("index", "--strict", "--rebuild", log=good_log, code=1)


def test_invalid_utf8_keeps_the_readable_text(good_log: Path, invoke_json) -> None:
    _bad_utf8(good_log / "bad.md")
    entries = invoke_json("entries", "--file", "bad.md", log=good_log)
    assert [e["date"] for e in entries] == ["2024-02-02"]


def test_malformed_front_matter_keeps_the_body(good_log: Path, invoke_json) -> None:
    _malformed_yaml(good_log / "bad.md")
    hits = invoke_json("search", "bilbies", log=good_log)
    assert [h["source"] for h in hits] == ["bad.md"]
    _yaml_list(good_log / "list.md")
    assert [h["source"] for h in invoke_json("search", "quolls", log=good_log)] == ["list.md"]


def test_warnings_print_file_names_and_notes_as_written(good_log: Path, invoke: Invoke) -> None:
    """A warning names the file as it is called: `[draft]` is not a terminal style."""
    _malformed_yaml(good_log / "[draft] bad.md")
    warned = invoke("index", log=good_log).stderr
    assert "warning: [draft] bad.md:" in warned


def test_too_big_file_is_not_indexed(good_log: Path, invoke_json) -> None:
    _too_big(good_log / "bad.md")
    report = invoke_json("index", log=good_log)
    assert report["files"] == 3
    assert invoke_json("search", "kangaroos", log=good_log) == []
    # The warning names the setting to raise, as it is spelled in tilbook.toml.
    assert "raise max_file_size_mb in tilbook.toml" in report["warnings"][0]
    assert "max_file_size_mb" in {setting.name for setting in SETTINGS}


# -- encodings and line ends that are fine --------------------------------------------------


def _fine_files() -> dict[str, bytes]:
    text = "## 2024-03-03\n\nQuokka notes, 한국어 메모 포함.\n\n## 2024-03-04\n\nEchidna day.\n"
    return {
        "utf16-le.md": codecs.BOM_UTF16_LE + text.encode("utf-16-le"),
        "utf16-be.md": codecs.BOM_UTF16_BE + text.encode("utf-16-be"),
        "utf8-bom.md": codecs.BOM_UTF8 + text.encode("utf-8"),
        "crlf.md": text.replace("\n", "\r\n").encode("utf-8"),
        "cr.md": text.replace("\n", "\r").encode("utf-8"),
    }


@pytest.mark.parametrize("name", list(_fine_files()))
def test_fine_encodings_and_line_ends(
    name: str, good_log: Path, invoke: Invoke, invoke_json: Callable[..., object]
) -> None:
    (good_log / name).write_bytes(_fine_files()[name])
    result = invoke("index", "--strict", log=good_log)
    assert _warnings(result.stderr) == []
    entries = invoke_json("entries", "--file", name, log=good_log)
    assert [(e["date"], e["line"], e["layout"]) for e in entries] == [
        ("2024-03-04", 5, "dated-headings"),
        ("2024-03-03", 1, "dated-headings"),
    ]
    for query in ("quokka", "echidna", "메모"):
        assert [h["source"] for h in invoke_json("search", query, log=good_log)] == [name]
    raw = invoke("show", entries[1]["id"], "--raw", log=good_log).stdout
    assert raw == "## 2024-03-03\n\nQuokka notes, 한국어 메모 포함.\n"
    _assert_good_files_indexed(invoke_json, good_log)


# -- symbolic links -------------------------------------------------------------------------


def test_symlink_loop(good_log: Path, invoke: Invoke, invoke_json) -> None:
    os.symlink("b.md", good_log / "a.md")
    os.symlink("a.md", good_log / "b.md")
    result = invoke("index", log=good_log)
    warnings = _warnings(result.stderr)
    assert len(warnings) == 2, result.stderr
    assert sum(w.startswith("warning: a.md: ") for w in warnings) == 1
    assert sum(w.startswith("warning: b.md: ") for w in warnings) == 1
    assert all("loops" in w for w in warnings)
    _assert_good_files_indexed(invoke_json, good_log)
    invoke("index", "--strict", log=good_log, code=1)


def test_symlinked_folder_loop(good_log: Path, invoke: Invoke, invoke_json) -> None:
    os.symlink("..", good_log / "more" / "up")
    result = invoke("index", log=good_log)
    assert _warnings(result.stderr) == []
    assert json.loads(invoke("index", "--json", log=good_log).stdout)["files"] == 2


def test_symlink_outside_the_folder(good_log: Path, tmp_path: Path, invoke: Invoke, invoke_json):
    outside = tmp_path / "private.md"
    outside.write_text("## 2024-01-01\n\nSecret platypus plans.\n")
    os.symlink(outside, good_log / "linked.md")
    result = invoke("index", log=good_log)
    warnings = _warnings(result.stderr)
    assert len(warnings) == 1
    assert warnings[0].startswith("warning: linked.md: ")
    assert "outside the log folder" in warnings[0]
    assert invoke_json("search", "platypus", log=good_log) == []
    _assert_good_files_indexed(invoke_json, good_log)
    invoke("index", "--strict", log=good_log, code=1)


def test_symlink_inside_the_folder_is_skipped_quietly(good_log: Path, invoke: Invoke, invoke_json):
    os.symlink("good.md", good_log / "alias.md")
    result = invoke("index", log=good_log)
    assert _warnings(result.stderr) == []
    assert [h["source"] for h in invoke_json("search", "wombat", log=good_log)] == ["good.md"]


# -- a file that vanishes -------------------------------------------------------------------


def test_file_vanishing_between_walk_and_read(good_log: Path) -> None:
    write_notes(good_log, {"a-first.md": "# A\n\nfirst\n", "b-gone.md": "# B\n\ngone\n"})
    root = good_log.resolve()
    store = open_store(root)
    seen: list[str] = []

    def progress(done: int, total: int, source: str) -> None:
        seen.append(source)
        if source == "a-first.md":
            (root / "b-gone.md").unlink()

    try:
        report = sync(root, store, load_settings(root), progress=progress)
        assert "a-first.md" in seen
        assert [(w.source, w.message) for w in report.warnings] == [
            ("b-gone.md", "vanished while it was being indexed")
        ]
        assert {f.source for f in store.files()} >= {"a-first.md", "good.md"}
        assert {e.source for e in store.all_entries()} == {
            "a-first.md",
            "good.md",
            "more/also-good.md",
        }
        # The next run forgets it without a word.
        again = sync(root, store, load_settings(root))
        assert again.warnings == []
        assert again.removed == 1
        assert "b-gone.md" not in {f.source for f in store.files()}
    finally:
        store.close()


def test_file_unreadable_at_open(good_log: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import tilbook.notes.files

    real_read = tilbook.notes.files.read_regular_file

    def flaky_read(path, *args, **kwargs):
        if str(path).endswith("good.md") and "also" not in str(path):
            raise FileNotFoundError(2, "No such file or directory")
        return real_read(path, *args, **kwargs)

    monkeypatch.setattr(tilbook.notes.files, "read_regular_file", flaky_read)
    root = good_log.resolve()
    store = open_store(root)
    try:
        report = sync(root, store, load_settings(root))
        assert [str(w) for w in report.warnings] == ["good.md: vanished while it was being indexed"]
        assert {e.source for e in store.all_entries()} == {"more/also-good.md"}
    finally:
        store.close()


# -- an interrupted index run ---------------------------------------------------------------


def test_interrupted_run_marker_is_recovered(good_log: Path, invoke: Invoke) -> None:
    invoke("index", log=good_log)
    store = SQLiteStore(index_path(good_log))
    store.set_meta("sync_in_progress", "1")
    store.commit()
    store.close()
    result = invoke("index", log=good_log)
    assert "(finished an interrupted run)" in result.stdout
    assert "2 files (" in result.stdout
    assert "3 entries" in result.stdout
    # Finished: the next run is an ordinary one.
    assert "(finished an interrupted run)" not in invoke("index", log=good_log).stdout


def test_killed_run_is_completed_by_the_next(good_log: Path) -> None:
    notes = {f"day{i}.md": f"## 2024-01-{i + 1:02d}\n\nUnique{i} words.\n" for i in range(3)}
    write_notes(good_log, notes)
    root = good_log.resolve()

    def killer(done: int, total: int, source: str) -> None:
        if done == 2:
            raise KeyboardInterrupt

    store = open_store(root)
    with pytest.raises(KeyboardInterrupt):
        sync(root, store, load_settings(root), progress=killer)
    store.close()

    store = open_store(root)
    try:
        assert store.get_meta("sync_in_progress") == "1"
        report = sync(root, store, load_settings(root))
        assert report.recovered is True
        assert report.scanned == 5
        assert store.counts()["files"] == 5  # type: ignore[attr-defined]
        for i in range(3):
            hits = store.search(parse_query(f"unique{i}"))
            assert [h.entry.source for h in hits] == [f"day{i}.md"]
        assert store.get_meta("sync_in_progress") == "0"
        assert sync(root, store, load_settings(root)).recovered is False
    finally:
        store.close()


# -- a damaged index ------------------------------------------------------------------------


def test_damaged_index_asks_for_rebuild_and_rebuild_recovers(
    good_log: Path, invoke: Invoke, invoke_json
) -> None:
    invoke("index", log=good_log)
    database = index_path(good_log)
    garbage = b"this is not an SQLite database\x00\xff" * 100
    database.write_bytes(garbage)
    for args in (("entries",), ("search", "wombat"), ("tags",), ("index",)):
        result = invoke(*args, log=good_log, code=1)
        assert "the index is damaged" in result.stderr
        assert "tilbook index --rebuild" in result.stderr
        assert "Traceback" not in result.output
    rebuilt = invoke("index", "--rebuild", log=good_log)
    assert "moved it to" in rebuilt.stderr
    assert "Indexed" in rebuilt.stdout
    moved = list(database.parent.glob("index.db.broken-*"))
    assert len(moved) == 1
    assert moved[0].read_bytes() == garbage
    _assert_good_files_indexed(invoke_json, good_log)
    # A second damage is moved beside the first, never over it.
    database.write_bytes(b"garbage again" * 100)
    invoke("index", "--rebuild", log=good_log)
    assert len(list(database.parent.glob("index.db.broken-*"))) == 2


def test_truncated_index(good_log: Path, invoke: Invoke, invoke_json) -> None:
    invoke("index", log=good_log)
    database = index_path(good_log)
    data = database.read_bytes()
    database.write_bytes(data[:4096] + bytes(len(data) - 4096))
    result = invoke("entries", log=good_log, code=1)
    assert "tilbook index --rebuild" in result.stderr
    invoke("index", "--rebuild", log=good_log)
    _assert_good_files_indexed(invoke_json, good_log)


# -- notes are never modified ---------------------------------------------------------------


def _snapshot(root: Path) -> dict[str, str]:
    found = {}
    for path in sorted(root.rglob("*")):
        relative = path.relative_to(root)
        if relative.parts[0] == ".tilbook" or path.is_symlink() or not path.is_file():
            continue
        info = path.stat()
        digest = hashlib.sha256(path.read_bytes()).hexdigest()
        found[str(relative)] = f"{digest}:{info.st_mtime_ns}:{oct(info.st_mode)}"
    return found


def test_notes_are_never_modified(
    log_dir: Path, runner: CliRunner, invoke: Invoke, invoke_json, tmp_path: Path
) -> None:
    for name, (write, _, _) in PROBLEMS.items():
        if name != "too-big":
            write(log_dir / f"bad-{name}.md")
    for name, data in _fine_files().items():
        (log_dir / name).write_bytes(data)
    (log_dir / "tilbook.toml").write_text('ignore = ["drafts/"]\n')
    before = _snapshot(log_dir)
    names_before = sorted(p.name for p in log_dir.iterdir())

    invoke("index")
    invoke("index", "--rebuild")
    entries = invoke_json("entries")
    for entry in entries:
        invoke("show", entry["id"])
        invoke("show", entry["id"], "--raw")
    invoke("search", "diffusion")
    invoke("search", "검색")
    invoke("tags")
    invoke("config")
    invoke("export", "-o", str(tmp_path / "export.json"))
    for path in log_dir.glob("*.md"):
        runner.invoke(main, ["inspect", str(path)])

    assert _snapshot(log_dir) == before
    assert sorted(p.name for p in log_dir.iterdir()) == sorted([*names_before, ".tilbook"])


def test_concurrent_index_runs_wait_for_each_other(tmp_path: Path) -> None:
    import subprocess
    import sys

    root = tmp_path / "log"
    root.mkdir()
    for number in range(60):
        (root / f"note-{number:02d}.md").write_text(
            f"## 2024-01-{number % 28 + 1:02d}\n\n(#T) Entry {number} about einsum.\n",
            encoding="utf-8",
        )
    command = [sys.executable, "-m", "tilbook", "index", str(root), "--json"]
    runs = [subprocess.Popen(command, stdout=subprocess.PIPE, text=True) for _ in range(3)]
    outputs = [run.communicate(timeout=120)[0] for run in runs]
    assert all(run.returncode == 0 for run in runs)
    assert "interrupted" not in "".join(outputs)
    import json as _json

    reports = [_json.loads(output) for output in outputs]
    assert sorted(report["parsed"] for report in reports) == [0, 0, 60]
    assert all(report["entries"] == 60 for report in reports)


def test_an_index_error_outside_the_store_is_one_clear_line(
    invoke: Invoke, log_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # An SQLite error the store did not turn into its own (here from the tags query) is
    # still told as what it means for the index, not as a traceback.
    import sqlite3

    from tilbook.store.sqlite import SQLiteStore

    def failing(self: SQLiteStore) -> list[object]:
        raise sqlite3.OperationalError("disk I/O error")

    monkeypatch.setattr(SQLiteStore, "tags", failing)
    result = invoke("tags", code=1)
    assert "the index could not be used (disk I/O error)" in result.stderr
    assert "Your notes were not changed." in result.stderr
    assert "Traceback" not in result.stderr + result.stdout
