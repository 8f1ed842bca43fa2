"""Writes that never lose a byte: concurrent writers, outside editors, encodings, OS faults."""

from __future__ import annotations

import errno
import multiprocessing
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from tilbook.cli import main
from tilbook.errors import FileChangedError, NotWritableError
from tilbook.features.capture import add_entry
from tilbook.notes import writes
from tilbook.notes.writes import insert_text, read_note, remove_stale_temporaries

JOURNAL = "# Learning log\n\n## 2024-03-01\n\nStarted the course.\n"
FORK = pytest.mark.skipif(
    "fork" not in multiprocessing.get_all_start_methods(), reason="needs fork"
)


def journal(tmp_path: Path, text: str = JOURNAL, name: str = "journal.md") -> Path:
    root = tmp_path / "log"
    root.mkdir(exist_ok=True)
    (root / name).write_text(text, encoding="utf-8", newline="")
    return root


def tilbook(root: Path, *args: str) -> Any:
    return CliRunner().invoke(main, [args[0], "--log", str(root), *args[1:]])


# -- serialised writers -----------------------------------------------------------------------


def _add_many(root: str, who: str, count: int, start: Any, results: Any) -> None:
    start.wait()
    written = refused = 0
    for number in range(count):
        try:
            add_entry(Path(root), "journal.md", f"{who} note {number}", day=date(2024, 3, 2))
            written += 1
        except FileChangedError:
            refused += 1
    results.put((who, written, refused))


@FORK
def test_two_processes_adding_at_once_lose_nothing(tmp_path: Path) -> None:
    root = journal(tmp_path)
    context = multiprocessing.get_context("fork")
    start, results = context.Event(), context.Queue()
    workers = [
        context.Process(target=_add_many, args=(str(root), who, 100, start, results))
        for who in ("desk", "laptop")
    ]
    for worker in workers:
        worker.start()
    start.set()
    outcome = {}
    for _ in workers:
        who, written, refused = results.get(timeout=300)
        outcome[who] = (written, refused)
    for worker in workers:
        worker.join(60)
        assert worker.exitcode == 0
    text = (root / "journal.md").read_text(encoding="utf-8")
    for who, (written, refused) in outcome.items():
        found = [number for number in range(100) if f"{who} note {number}\n" in text]
        assert len(found) == written, who  # every reported add is in the file
        assert written + refused == 100
        for number in range(100):
            assert text.count(f"{who} note {number}\n") <= 1
    assert sum(written for written, _ in outcome.values()) == 200  # the lock: nobody refused
    assert text.count("## 2024-03-02") == 1


def test_an_editor_appending_during_writes_loses_no_line(tmp_path: Path) -> None:
    """An editor appends a line every 10 ms while tilbook rewrites the note 150 times."""
    root = journal(tmp_path, "# Log\n\n")
    path = root / "journal.md"
    stop = threading.Event()
    appended: list[str] = []

    def editor() -> None:
        number = 0
        while not stop.is_set():
            line = f"editor line {number}\n"
            with open(path, "a", encoding="utf-8") as handle:
                handle.write(line)
            appended.append(line)
            number += 1
            time.sleep(0.01)

    thread = threading.Thread(target=editor)
    thread.start()
    written = []
    try:
        for number in range(150):
            for _attempt in range(50):
                note = read_note(path)
                try:
                    insert_text(note, len("# Log\n\n"), f"tilbook line {number}\n")
                except FileChangedError:
                    continue
                written.append(f"tilbook line {number}\n")
                break
    finally:
        stop.set()
        thread.join()
    text = path.read_text(encoding="utf-8")
    assert len(written) == 150
    missing = [line for line in appended + written if line not in text]
    assert missing == []
    assert all(text.count(line) == 1 for line in appended + written)


def test_a_rewrite_by_another_program_during_the_write_is_kept(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Another program saves the whole note (its own atomic rename) just before tilbook's
    rename: theirs is kept and tilbook's write is refused, not the other way round."""
    root = journal(tmp_path)
    path = root / "journal.md"
    note = read_note(path)
    real = writes._check_unchanged
    calls = []

    def check_then_interfere(checked: writes.NoteFile) -> None:
        real(checked)
        calls.append(1)
        if len(calls) == 2:  # the check just before the rename
            other = path.with_name("other-editor.tmp")
            other.write_text("# Rewritten elsewhere\n", encoding="utf-8")
            os.replace(other, path)

    monkeypatch.setattr(writes, "_check_unchanged", check_then_interfere)
    with pytest.raises(FileChangedError, match="their version was kept"):
        insert_text(note, 0, "tilbook text\n")
    assert path.read_text(encoding="utf-8") == "# Rewritten elsewhere\n"
    assert not list(root.glob(".*tilbook-tmp"))


# -- encodings and line endings ---------------------------------------------------------------


def test_a_lone_cr_note_keeps_its_line_endings(tmp_path: Path) -> None:
    text = JOURNAL.replace("\n", "\r") + "- [ ] read the paper\r"
    root = journal(tmp_path, text)
    result = tilbook(root, "add", "Learned about lone CRs.", "--date", "2024-03-02")
    assert result.exit_code == 0, result.output
    data = (root / "journal.md").read_bytes()
    assert b"\n" not in data
    assert b"Learned about lone CRs.\r" in data and b"- [ ] read the paper\r" in data


def test_a_utf16_note_without_bom_is_edited_in_utf16(tmp_path: Path) -> None:
    root = tmp_path / "log"
    root.mkdir()
    path = root / "journal.md"
    path.write_bytes("# 학습 로그\n\n## 2024-03-01\n\n확률을 배웠다.\n".encode("utf-16-le"))
    note = read_note(path)
    assert note.encoding == "utf-16-le" and "\x00" not in note.text
    result = tilbook(root, "add", "미분을 배웠다.", "--date", "2024-03-02")
    assert result.exit_code == 0, result.output
    text = path.read_bytes().decode("utf-16-le")
    assert "## 2024-03-02" in text and "미분을 배웠다." in text and "확률을 배웠다." in text
    entries = tilbook(root, "entries", "--json")
    assert entries.exit_code == 0 and "2024-03-02" in entries.output


def test_a_note_that_cannot_be_written_back_exactly_is_refused(tmp_path: Path) -> None:
    root = tmp_path / "log"
    root.mkdir()
    path = root / "journal.md"
    data = b"# Log\n\n## 2024-03-01\n\nbad byte: " + b"\xff\xfe\xfd\n"
    path.write_bytes(data)
    result = tilbook(root, "add", "x", "--date", "2024-03-02")
    assert result.exit_code == 1
    assert "journal.md" in result.output and "write back" in result.output
    assert path.read_bytes() == data


def test_a_note_in_a_guessed_encoding_is_refused(tmp_path: Path) -> None:
    root = tmp_path / "log"
    root.mkdir()
    path = root / "notes.md"
    data = "# Café notes\n\nCrème brûlée is a dessert, not a model.\n".encode("cp1252")
    path.write_bytes(data)
    with pytest.raises(NotWritableError, match=r"encoding is not certain.*Save it as UTF-8"):
        read_note(path)


def test_text_the_file_encoding_cannot_hold_is_refused(tmp_path: Path) -> None:
    root = journal(tmp_path)
    path = root / "journal.md"
    before = path.read_bytes()
    with pytest.raises(NotWritableError, match="cannot hold"):
        insert_text(read_note(path), 0, "a lone surrogate \ud800\n")
    assert path.read_bytes() == before


# -- faults of the machine --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("target", "code", "words"),
    [
        ("fsync", errno.EIO, "input/output error"),
        ("replace", errno.EXDEV, "across file systems"),
        ("fsync", errno.ENOSPC, "the disk is full"),
    ],
)
def test_os_faults_are_one_clear_message_and_change_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, target: str, code: int, words: str
) -> None:
    root = journal(tmp_path)
    path = root / "journal.md"
    before = path.read_bytes()

    def fail(*_args: Any, **_kwargs: Any) -> Any:
        raise OSError(code, os.strerror(code))

    if target == "fsync":
        monkeypatch.setattr(writes.os, "fsync", fail)
    else:
        monkeypatch.setattr(writes.os, "replace", fail)
        monkeypatch.setattr(writes, "_exchange", fail)
    result = tilbook(root, "add", "A fault", "--date", "2024-03-02")
    assert result.exit_code == 1
    assert "Traceback" not in result.output and result.exception is not None
    assert isinstance(result.exception, SystemExit)
    assert words in result.output and "journal.md" in result.output
    assert path.read_bytes() == before
    assert not list(root.glob(".*tilbook-tmp"))


def _as_nobody() -> list[str] | None:
    if os.geteuid() != 0 or shutil.which("setpriv") is None:
        return None
    return ["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", "--"]


def test_a_read_only_notes_folder_is_a_clear_message(request: pytest.FixtureRequest) -> None:
    prefix = _as_nobody()
    if prefix is None:
        pytest.skip("needs root and setpriv to run as an unprivileged user")
    # A folder the unprivileged user can reach (pytest's own are private to root).
    place = Path(tempfile.mkdtemp(prefix="tilbook-read-only-"))
    os.chmod(place, 0o755)
    request.addfinalizer(lambda: shutil.rmtree(place, ignore_errors=True))
    root = journal(place)
    tilbook(root, "index")
    for item in [root / ".tilbook", *(root / ".tilbook").iterdir(), root / "journal.md"]:
        shutil.chown(item, user=65534, group=65534)
    os.chmod(root, 0o555)
    request.addfinalizer(lambda: os.chmod(root, 0o755))
    before = (root / "journal.md").read_bytes()
    for args in (["add", "x", "--date", "2024-03-02"], ["todo", "add", "read more"]):
        done = subprocess.run(
            [*prefix, sys.executable, "-m", "tilbook", args[0], "--log", str(root), *args[1:]],
            capture_output=True,
            text=True,
            check=False,
        )
        assert done.returncode == 1, done.stderr
        assert "Traceback" not in done.stderr
        assert "journal.md" in done.stderr and "permission denied" in done.stderr
    assert (root / "journal.md").read_bytes() == before


def test_a_full_disk_is_a_clear_message(tmp_path: Path) -> None:
    if os.geteuid() != 0 or shutil.which("unshare") is None:
        pytest.skip("needs root and unshare for a private tiny tmpfs")
    probe = subprocess.run(["unshare", "-m", "true"], capture_output=True, check=False)
    if probe.returncode != 0:
        pytest.skip("mount namespaces are not available here")
    seed = journal(tmp_path)
    mount = tmp_path / "tiny"
    mount.mkdir()
    script = (
        'mount -t tmpfs -o size=256k tmpfs "$1" && cp -a "$2"/. "$1"/ && '
        '"$3" -m tilbook index --log "$1" >/dev/null 2>&1; '
        'head -c 10000000 /dev/zero > "$1/filler" 2>/dev/null; '
        '"$3" -m tilbook add "fills the disk" --date 2024-03-02 --log "$1"; echo "exit=$?"; '
        'cat "$1/journal.md"; ls -a "$1"'
    )
    done = subprocess.run(
        [
            *("unshare", "-m", "--propagation", "private", "sh", "-c", script, "sh"),
            *(str(mount), str(seed), sys.executable),
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    assert "exit=1" in done.stdout, done.stdout + done.stderr
    assert "Traceback" not in done.stderr
    assert "disk is full" in done.stderr or "No space left" in done.stderr, done.stderr
    assert JOURNAL in done.stdout and "fills the disk" not in done.stdout
    assert "tilbook-tmp" not in done.stdout


# -- leftovers of a killed write -------------------------------------------------------------


def test_stale_temporaries_of_dead_writers_are_removed(tmp_path: Path) -> None:
    root = journal(tmp_path)
    dead = subprocess.run(
        [sys.executable, "-c", "import os; print(os.getpid())"],
        text=True,
        capture_output=True,
        check=True,
    )
    pid = int(dead.stdout)
    stale = root / f".journal.md.{pid}.0a1b2c3d.tilbook-tmp"
    fresh = root / f".journal.md.{pid}.ffffffff.tilbook-tmp"
    alive = root / f".journal.md.{os.getppid()}.12345678.tilbook-tmp"
    foreign = root / ".journal.md.swp"
    for path in (stale, fresh, alive, foreign):
        path.write_text(JOURNAL, encoding="utf-8")
    old = time.time() - writes.STALE_AFTER_SECONDS - 60
    for path in (stale, alive, foreign):
        os.utime(path, (old, old))
    names = sorted(path.name for path in root.iterdir())
    assert remove_stale_temporaries(root, names) == [stale]
    assert not stale.exists() and fresh.exists() and alive.exists() and foreign.exists()
