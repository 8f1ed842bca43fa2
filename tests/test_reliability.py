"""What no notes folder and no other process can do to a run: leftovers of killed writes,
workers outliving a killed run, a run holding the index lock, FIFOs and sockets, file
names that are not UTF-8, and `.tilbookignore`."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from click.testing import CliRunner

from conftest import Invoke, write_notes
from tilbook.cli import main
from tilbook.notes.files import FileStat, read_source
from tilbook.notes.locks import locked
from tilbook.store import open_store

LINUX = sys.platform.startswith("linux")


def indexed_sources(root: Path) -> set[str]:
    store = open_store(root)
    try:
        return {info.source for info in store.files()}
    finally:
        store.close()


@contextmanager
def within(seconds: int) -> Iterator[None]:
    """Fail (instead of hanging the test run) when the block blocks."""

    def expire(signum: int, frame: object) -> None:
        raise TimeoutError(f"blocked for more than {seconds} s")

    previous = signal.signal(signal.SIGALRM, expire)
    signal.alarm(seconds)
    try:
        yield
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)


def dead_pid() -> int:
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    child.wait()
    return child.pid


# -- temporary files a killed write left ----------------------------------------------------


def test_index_removes_temporaries_of_killed_writes(log_dir: Path, invoke: Invoke) -> None:
    gone = dead_pid()
    old = time.time() - 3600

    def leftover(folder: Path, pid: int, age: float | None) -> Path:
        path = folder / f".journal.md.{pid}.0a1b2c3d.tilbook-tmp"
        path.write_text("## 2024-01-01\n\nhalf a note from a killed write\n", encoding="utf-8")
        if age is not None:
            os.utime(path, (age, age))
        return path

    stale = leftover(log_dir, gone, old)
    stale_deeper = leftover(log_dir / "notes", gone, old)
    recent = leftover(log_dir, gone + 1_000_000, None)  # a write may still be finishing
    alive = leftover(log_dir / "notes", os.getpid(), old)  # its process still runs
    other = log_dir / ".notes.tilbook-tmp"  # not tilbook's naming: left alone
    other.write_text("x", encoding="utf-8")
    os.utime(other, (old, old))

    invoke("index")

    assert not stale.exists()
    assert not stale_deeper.exists()
    assert recent.exists() and alive.exists() and other.exists()
    assert not any("tilbook-tmp" in source for source in indexed_sources(log_dir.resolve()))


# -- worker processes die with the run ------------------------------------------------------

SLOW_RUN = """
import os, sys, time
import tilbook.indexing as indexing

indexing.PARALLEL_BYTES = 0  # workers even for a small folder
parent = os.getpid()
real = indexing.read_and_parse

def slow(file, max_bytes, hints=None):
    if os.getpid() != parent:
        open(os.path.join(sys.argv[2], str(os.getpid())), "w").close()
        time.sleep(600)
    return real(file, max_bytes, hints)

indexing.read_and_parse = slow
from tilbook.cli import main
main(["index", "--log", sys.argv[1], "--quiet"])
"""


def _alive(pid: int) -> bool:
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return False
    return "\nState:\tZ" not in status  # a zombie has let go of everything


def _holds(pid: int, name: str) -> bool:
    try:
        links = [os.readlink(entry) for entry in Path(f"/proc/{pid}/fd").iterdir()]
    except OSError:
        return False
    return any(link.endswith(name) for link in links)


@pytest.mark.skipif(not LINUX or (os.cpu_count() or 1) < 2, reason="needs Linux and 2 CPUs")
def test_workers_die_with_a_killed_run_and_leave_the_index_unlocked(
    log_dir: Path, tmp_path: Path
) -> None:
    markers = tmp_path / "workers"
    markers.mkdir()
    run = subprocess.Popen([sys.executable, "-c", SLOW_RUN, str(log_dir), str(markers)])
    workers: list[int] = []
    try:
        deadline = time.monotonic() + 60
        while not workers and time.monotonic() < deadline:
            time.sleep(0.05)
            workers = [int(name) for name in os.listdir(markers)]
        assert workers, "the index run started no worker"
        # The run holds the index lock; its workers must not (they close their copy).
        assert _holds(run.pid, "index.lock")
        assert not any(_holds(pid, "index.lock") for pid in workers)

        run.send_signal(signal.SIGKILL)
        run.wait(timeout=10)
        deadline = time.monotonic() + 10
        while any(_alive(pid) for pid in workers) and time.monotonic() < deadline:
            time.sleep(0.05)
        assert not any(_alive(pid) for pid in workers), "a worker outlived its run"

        again = subprocess.run(
            [sys.executable, "-m", "tilbook", "index", "--log", str(log_dir)],
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert again.returncode == 0, again.stderr
        assert "finished an interrupted run" in again.stdout
    finally:
        if run.poll() is None:
            run.kill()
            run.wait()
        for pid in workers:
            if _alive(pid):
                os.kill(pid, signal.SIGKILL)


def test_lock_files_are_not_inherited(tmp_path: Path) -> None:
    lock = tmp_path / "index.lock"
    with locked(lock):
        listed = {int(name) for name in os.listdir("/proc/self/fd")} if LINUX else set()
        held = [fd for fd in listed if _fd_target(fd).endswith("index.lock")]
        assert all(not os.get_inheritable(fd) for fd in held)
        assert lock.read_text().strip() == str(os.getpid())


def _fd_target(fd: int) -> str:
    try:
        return os.readlink(f"/proc/self/fd/{fd}")
    except OSError:
        return ""


# -- commands that read never wait for a running index -------------------------------------


@pytest.mark.parametrize(
    "command",
    [["entries"], ["search", "attention"], ["todo"], ["stats"], ["tags"], ["questions"]],
    ids=lambda args: args[0],
)
def test_reading_commands_do_not_wait_for_a_running_index(
    log_dir: Path, invoke: Invoke, command: list[str]
) -> None:
    invoke("index")
    write_notes(log_dir, {"late.md": "# Late\n\n## 2024-06-01\n\nattention arrived late\n"})
    started = time.monotonic()
    with locked(log_dir / ".tilbook" / "index.lock"), within(30):
        result = invoke(*command)
    assert time.monotonic() - started < 10
    assert f"An index update is running (pid {os.getpid()})" in result.stderr
    assert "late.md" not in indexed_sources(log_dir.resolve())  # read as it was

    # Once the other run is over, the next command brings the index up to date again.
    result = invoke(*command)
    assert "An index update is running" not in result.stderr
    assert "late.md" in indexed_sources(log_dir.resolve())


def test_index_waits_for_a_running_index(log_dir: Path, runner: CliRunner) -> None:
    """`tilbook index` itself takes its turn (it only reads what the other run left)."""
    import threading

    lock = log_dir / ".tilbook" / "index.lock"
    release = threading.Event()
    holding = threading.Event()

    def hold() -> None:
        with locked(lock):
            holding.set()
            release.wait(10)

    holder = threading.Thread(target=hold)
    holder.start()
    holding.wait(5)
    threading.Timer(0.5, release.set).start()
    started = time.monotonic()
    result = runner.invoke(main, ["index", "--log", str(log_dir)])
    holder.join()
    assert result.exit_code == 0, result.output
    assert time.monotonic() - started >= 0.4


def test_web_app_does_not_wait_for_a_running_index(log_dir: Path, invoke: Invoke) -> None:
    from starlette.testclient import TestClient

    from tilbook.webapp.app import create_app

    invoke("index")
    with locked(log_dir / ".tilbook" / "index.lock"), within(30):
        # `tilbook serve` started while `tilbook index` runs: the app opens at once.
        started = time.monotonic()
        client = TestClient(create_app(log_dir, watch=False), base_url="http://127.0.0.1:8000")
        response = client.get("/search", params={"q": "attention"})
        assert response.status_code == 200 and "attention" in response.text
        assert time.monotonic() - started < 10


# -- FIFOs, sockets and devices -------------------------------------------------------------


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no FIFOs here")
def test_special_files_are_skipped_with_a_warning(log_dir: Path, invoke: Invoke) -> None:
    os.mkfifo(log_dir / "pipe.md")
    os.mkfifo(log_dir / "notes" / "pipe.markdown")
    (log_dir / "link-to-pipe.md").symlink_to(log_dir / "pipe.md")
    made_socket = _bind_socket(log_dir / "socket.md")
    try:
        with within(60):
            result = invoke("index")
            invoke("entries")
    finally:
        if made_socket is not None:
            made_socket.close()
    assert "pipe.md: is a FIFO (named pipe), not a regular file; skipped" in result.stderr
    assert "notes/pipe.markdown: is a FIFO (named pipe)" in result.stderr
    assert "link-to-pipe.md: symbolic link points to a FIFO (named pipe)" in result.stderr
    if made_socket is not None:
        assert "socket.md: is a socket, not a regular file; skipped" in result.stderr
    sources = indexed_sources(log_dir.resolve())
    assert "journal.md" in sources
    assert not {"pipe.md", "link-to-pipe.md", "socket.md", "notes/pipe.markdown"} & sources


def _bind_socket(path: Path) -> socket.socket | None:
    if not hasattr(socket, "AF_UNIX") or len(str(path)) > 100:
        return None
    made = socket.socket(socket.AF_UNIX)
    made.bind(str(path))
    return made


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no FIFOs here")
def test_a_note_replaced_by_a_fifo_after_the_listing_is_not_opened_blocking(
    tmp_path: Path,
) -> None:
    path = tmp_path / "note.md"
    path.write_text("## 2024-01-01\n\ntext\n", encoding="utf-8")
    listed = FileStat("note.md", path, path.stat().st_size, path.stat().st_mtime_ns)
    path.unlink()
    os.mkfifo(path)  # between the folder listing and the read
    with within(10):
        text, data = read_source(listed, max_bytes=1_000_000)
    assert data is None and not text.text
    assert [str(w) for w in text.warnings] == [
        "note.md: is a FIFO (named pipe), not a regular file; skipped"
    ]


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no FIFOs here")
def test_a_fifo_is_never_opened_for_a_write(tmp_path: Path) -> None:
    from tilbook.errors import NotWritableError
    from tilbook.notes.writes import read_note

    os.mkfifo(tmp_path / "journal.md")
    with within(10), pytest.raises(NotWritableError, match="not a regular file"):
        read_note(tmp_path / "journal.md")


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no FIFOs here")
def test_a_fifo_named_tilbookignore_does_not_block(log_dir: Path, invoke: Invoke) -> None:
    os.mkfifo(log_dir / ".tilbookignore")
    with within(30):
        result = invoke("index")
    assert ".tilbookignore: could not be read" in result.stderr
    assert "journal.md" in indexed_sources(log_dir.resolve())


# -- file names that are not UTF-8 ----------------------------------------------------------


@pytest.fixture
def badly_named(log_dir: Path) -> Path:
    if not LINUX:
        pytest.skip("only Linux keeps file names as bytes")
    try:
        (log_dir / os.fsdecode(b"caf\xe9.md")).write_bytes(
            b"## 2024-02-02\n\nespresso notes under a Latin-1 name\n"
        )
        folder = log_dir / os.fsdecode(b"d\xe9j\xe0")
        folder.mkdir()
    except OSError:
        pytest.skip("this file system refuses names that are not UTF-8")
    (folder / "inside.md").write_bytes(b"## 2024-02-03\n\nnote in a Latin-1 folder\n")
    return log_dir


def test_names_that_are_not_utf8_are_skipped_with_a_warning(
    badly_named: Path, invoke: Invoke, tmp_path: Path
) -> None:
    result = invoke("index")
    assert "caf\\xe9.md: file name is not valid UTF-8" in result.stderr
    assert "mv $'caf\\xe9.md' NEW-NAME" in result.stderr
    assert "d\\xe9j\\xe0: folder name is not valid UTF-8" in result.stderr
    sources = indexed_sources(badly_named.resolve())
    assert "journal.md" in sources and len(sources) == 5
    assert "espresso" not in invoke("search", "espresso").stdout

    out = tmp_path / "site"
    invoke("build", "--out", str(out))
    assert (out / "index.html").exists()
    assert all(os.fsencode(path.name).decode("utf-8") for path in out.rglob("*"))

    from starlette.testclient import TestClient

    from tilbook.webapp.app import create_app

    client = TestClient(create_app(badly_named, watch=False), base_url="http://127.0.0.1:8000")
    assert client.get("/").status_code == 200
    assert client.get("/search", params={"q": "espresso"}).status_code == 200


# -- .tilbookignore -------------------------------------------------------------------------

PNG = bytes.fromhex(
    "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
    "1f15c4890000000d49444154789c6360000002000154a24f5d0000000049454e44ae426082"
)
IGNORE_NOTES = {
    "keep.md": "## 2024-03-01\n\nkeepword stays\n",
    "drafts/a.md": "## 2024-03-02\n\ndraftword alpha\n",
    "drafts/b.md": "## 2024-03-03\n\nrescuedword beta\n",
    "scratch.tmp.md": "## 2024-03-04\n\nscratchword\n",
    "wanted.tmp.md": "## 2024-03-05\n\nwantedword\n",
    "private/secret.md": "## 2024-03-06\n\nsecretword hidden\n",
    "deep/private/other.md": "## 2024-03-07\n\nsecretword deeper\n",
}


def test_tilbookignore_leaves_files_out_of_index_site_and_app(
    make_log, runner: CliRunner, tmp_path: Path
) -> None:
    root = make_log(IGNORE_NOTES).resolve()
    (root / "keep.md").write_text(
        "## 2024-03-01\n\nkeepword stays ![a](shown.png) ![b](private/pic.png)\n",
        encoding="utf-8",
    )
    for picture in ("shown.png", "private/pic.png"):
        (root / picture).write_bytes(PNG)
    (root / ".tilbookignore").write_text(
        "# drafts stay local, but one is ready\ndrafts/*\n!drafts/b.md\n"
        "*.tmp.md\n!wanted.tmp.md\n\nprivate/\n",
        encoding="utf-8",
    )
    result = runner.invoke(main, ["index", "--log", str(root)])
    assert result.exit_code == 0, result.output
    assert indexed_sources(root) == {"keep.md", "drafts/b.md", "wanted.tmp.md"}

    for word, found in [("keepword", True), ("rescuedword", True), ("secretword", False)]:
        result = runner.invoke(main, ["search", word, "--log", str(root), "--json"])
        assert result.exit_code == 0, result.output
        assert (word in result.stdout) is found

    out = tmp_path / "site"
    result = runner.invoke(main, ["build", "--log", str(root), "--out", str(out)])
    assert result.exit_code == 0, result.output
    site_text = " ".join(
        path.read_text(encoding="utf-8", errors="replace")
        for path in out.rglob("*")
        if path.suffix in {".html", ".xml", ".json"}
    )
    assert "rescuedword" in site_text
    assert "secretword" not in site_text and "draftword" not in site_text
    assert (out / "media" / "shown.png").exists()
    assert not (out / "media" / "private").exists()  # linked, but ignored

    from starlette.testclient import TestClient

    from tilbook.webapp.app import create_app

    client = TestClient(create_app(root, watch=False), base_url="http://127.0.0.1:8000")
    assert client.get("/api/search", params={"q": "secretword"}).json()["hits"] == []
    assert client.get("/api/search", params={"q": "rescuedword"}).json()["hits"]
    assert client.get("/files/shown.png").status_code == 200
    assert client.get("/files/private/pic.png").status_code == 404
    assert client.get("/files/drafts/a.md").status_code == 404

    # An edit to .tilbookignore counts on the next run: both ways.
    (root / ".tilbookignore").write_text("keep.md\n", encoding="utf-8")
    result = runner.invoke(main, ["index", "--log", str(root)])
    assert result.exit_code == 0, result.output
    assert indexed_sources(root) == set(IGNORE_NOTES) - {"keep.md"}


def test_tilbookignore_and_the_ignore_setting_together(make_log, runner: CliRunner) -> None:
    root = make_log(IGNORE_NOTES).resolve()
    (root / "tilbook.toml").write_text('ignore = ["private/", "*.tmp.md"]\n', encoding="utf-8")
    (root / ".tilbookignore").write_text("/drafts/a.md\n[unclosed\n\\\n", encoding="utf-8")
    result = runner.invoke(main, ["index", "--log", str(root)])
    assert result.exit_code == 0, result.output
    assert indexed_sources(root) == {"keep.md", "drafts/b.md"}
    assert ".tilbookignore:3: pattern '\\\\' is not a valid gitignore pattern" in result.stderr


def test_serve_reindexes_when_tilbookignore_changes(tmp_path: Path) -> None:
    from tilbook.notes.files import watched

    root = tmp_path / "log"
    assert watched(root, f"{root}/.tilbookignore")
    assert watched(root, f"{root}/notes/day.md")
    assert not watched(root, f"{root}/.tilbook/index.db")
    assert not watched(root, f"{root}/.git/index")
    assert not watched(root, f"{root}/notes/.tilbookignore")  # only the top one is read


def _body(log: Path) -> str:
    store = open_store(log)
    try:
        return "\n".join(entry.body for entry in store.all_entries())
    finally:
        store.close()


def test_an_edit_that_keeps_the_size_and_the_time_is_still_read(
    tmp_path: Path, invoke: Invoke
) -> None:
    # A file system that keeps times to the second (or two) shows an edit made in the
    # same tick as the last index run with the size and time it had: its bytes decide.
    log = write_notes(
        tmp_path / "log", {"journal.md": "# Journal\n\n## 2024-03-01 Dropout\n\nRate 0.1.\n"}
    )
    journal = log / "journal.md"
    invoke("index", "-q", log=log)
    before = journal.stat()
    journal.write_text("# Journal\n\n## 2024-03-01 Dropout\n\nRate 0.3.\n", encoding="utf-8")
    os.utime(journal, ns=(before.st_atime_ns, before.st_mtime_ns))
    assert journal.stat().st_size == before.st_size
    invoke("index", "-q", log=log)
    assert "0.3" in _body(log)
    # Once the last run listed the files well after that time, size and time decide.
    stamp = time.time_ns() - 60_000_000_000
    os.utime(journal, ns=(stamp, stamp))
    invoke("index", "-q", log=log)
    journal.write_text("# Journal\n\n## 2024-03-01 Dropout\n\nRate 0.5.\n", encoding="utf-8")
    os.utime(journal, ns=(stamp, stamp))
    invoke("index", "-q", log=log)
    assert "0.3" in _body(log)
