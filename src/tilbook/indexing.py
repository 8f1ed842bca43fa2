"""Bring the index up to date with the notes folder (incremental).

Unchanged files (same size and modification time, same parser) are skipped
without being read; a file whose time changed but whose bytes did not is only
touched; changed files are parsed again; files that are gone are removed.
Work is committed in batches, and a marker in the index records a run in
progress, so a killed run is finished by the next one.
"""

from __future__ import annotations

import hashlib
import itertools
import os
import signal
import sys
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from tilbook.errors import IndexBusyError
from tilbook.model import IndexWarning, ParsedFile
from tilbook.notes.files import TILBOOK_DIR, FileStat, read_regular_file, read_source, walk
from tilbook.notes.history import HistoryUnavailable, git_head, git_history
from tilbook.notes.locks import LockBusy, close_inherited_locks, locked
from tilbook.parse.version import PARSER_VERSION
from tilbook.settings import FileHints, Settings
from tilbook.store.base import FileState, Store
from tilbook.store.rows import EntryRows, entry_rows

BATCH_FILES = 200
LOCK_NAME = "index.lock"
MAX_WORKERS = 4
PARALLEL_BYTES = 2_000_000
"""Below this much text to read, starting worker processes costs more than it saves."""
_RUN_MARKER = "sync_in_progress"
READING_HINTS = "reading_hints"
"""The `tilbook.toml` reading hints the index was made with: when they change, every file
is read again."""
_GIT_HEAD = "git_head"
"""The commit (and whether the clone was shallow) the files' git dates were read at."""
_LISTED_AT = "files_listed_at_ns"
"""Meta: when the last run listed the files, just before it read them, by the file
system's own clock (the time of a marker file it touches then)."""
_LISTING_MARK = "listed"
"""The marker file in `.tilbook/` whose time says when a run listed the files."""
RACY_NS = 2_000_000_000
"""The coarsest clock a file system keeps modification times with (FAT: 2 s). A file
changed this close to (or after) the last run's listing may have been changed again
since, keeping its size and time: its bytes are compared with what was read."""

Progress = Callable[[int, int, str], None]
"""Called with (files done, files to do, current file)."""


@dataclass(slots=True)
class SyncReport:
    scanned: int = 0
    parsed: int = 0
    unchanged: int = 0
    touched: int = 0
    removed: int = 0
    unreadable: int = 0
    """Files that could not be read this run (emptied, too big, not text): the index keeps
    no entries of theirs."""
    entries: int = 0
    """Entries in the files parsed in this run."""
    seconds: float = 0.0
    warnings: list[IndexWarning] = field(default_factory=list)
    recovered: bool = False
    """The previous run was interrupted; this one checked every file."""
    compacted: bool = False
    """The run compacted the index (enough entries had been written again)."""

    @property
    def changed(self) -> int:
        """Files whose entries in the index this run changed."""
        return self.parsed + self.removed + self.unreadable


def _digest(data: bytes) -> str:
    return hashlib.blake2b(data, digest_size=16).hexdigest()


def sync(
    root: Path,
    store: Store,
    settings: Settings,
    *,
    full: bool = False,
    progress: Progress | None = None,
    wait: float | None = None,
) -> SyncReport:
    """Index every note file of `root` that changed since the last run.

    Runs take turns (a lock in the cache folder). With `wait` (seconds), a run that
    finds another one going waits at most that long, then raises `IndexBusyError`:
    the caller may read the index as the other run has committed it so far.
    """
    try:
        with locked(root / TILBOOK_DIR / LOCK_NAME, wait=wait):
            return _sync(root, store, settings, full=full, progress=progress)
    except LockBusy as busy:
        who = f"process {busy.holder}" if busy.holder else "another tilbook process"
        raise IndexBusyError(
            f"{root / TILBOOK_DIR / LOCK_NAME}: the index is being updated by {who}", busy.holder
        ) from None


def _sync(
    root: Path,
    store: Store,
    settings: Settings,
    *,
    full: bool,
    progress: Progress | None,
) -> SyncReport:
    started = time.perf_counter()
    report = SyncReport()
    recovering = store.get_meta(_RUN_MARKER) == "1"
    report.recovered = recovering
    hints = settings.hints_signature()
    full = full or recovering or (store.get_meta(READING_HINTS) or "[]") != hints
    store.set_meta(READING_HINTS, hints)
    store.set_meta(_RUN_MARKER, "1")
    store.commit()

    listed_at = _listing_time(root)
    last_listed = int(store.get_meta(_LISTED_AT) or 0)
    files = list(
        walk(
            root,
            extensions=tuple(settings["extensions"]),
            extra_ignores=tuple(settings["ignore"]),
            warnings=report.warnings,
            temporaries=_remove_leftovers,
        )
    )
    report.scanned = len(files)
    known = store.file_states()
    todo: list[FileStat] = []
    for file in files:
        state = known.get(file.source)
        if (
            not full
            and state is not None
            and state.size == file.size
            and state.mtime_ns == file.mtime_ns
            and state.parser_version == PARSER_VERSION
            and not (file.mtime_ns + RACY_NS > last_listed and _bytes_differ(file, state))
        ):
            report.unchanged += 1
        else:
            todo.append(file)

    max_bytes = int(settings["max_file_size_mb"]) * 1_000_000
    since_commit = 0
    for done, result in enumerate(_read_all(todo, max_bytes, settings)):
        if progress is not None:
            progress(done, len(todo), result.state.source)
        previous = None if full else known.get(result.state.source)
        _store(result, previous, store, report)
        since_commit += 1
        if since_commit >= BATCH_FILES:
            store.commit()
            since_commit = 0

    present = {file.source for file in files}
    gone = [source for source in known if source not in present]
    if gone:
        store.remove_files(gone)
        report.removed = len(gone)
    if todo or gone:
        # Where a link between notes leads depends on every file: resolved once all are in.
        store.resolve_note_links(None if full else [file.source for file in todo])
    _refresh_history(root, store, report)
    store.set_meta(_LISTED_AT, str(listed_at))
    store.set_meta(_RUN_MARKER, "0")
    store.commit()
    if todo or gone:
        report.compacted = store.compact()
    if progress is not None:
        progress(len(todo), len(todo), "")
    report.seconds = time.perf_counter() - started
    return report


def _listing_time(root: Path) -> int:
    """Now, by the clock of the file system the notes are on (a network file system's
    server may keep another time than this machine): the time of a marker file touched
    now, or this machine's clock when it cannot be touched."""
    marker = root / TILBOOK_DIR / _LISTING_MARK
    try:
        marker.touch()
        return marker.stat().st_mtime_ns
    except OSError:
        return time.time_ns()


def _bytes_differ(file: FileStat, state: FileState) -> bool:
    """Whether the bytes of a file whose size and time are as recorded differ from the
    ones read then (its change fell within the file system's clock tick)."""
    if not state.hash:
        return False  # nothing was read then (too big, unreadable): size and time decide
    try:
        data = read_regular_file(file.path, limit=file.size + 1)
    except OSError:
        return True  # read it properly, warnings and all
    return _digest(data) != state.hash


def _refresh_history(root: Path, store: Store, report: SyncReport) -> None:
    """Read the files' first and last commit days again when the folder's git HEAD moved
    (one `git log` then; none while it stays); no repository, no dates."""
    found = git_head(root)
    said = f"{found[0]} {'shallow' if found[1] else 'full'}" if found else ""
    if (store.get_meta(_GIT_HEAD) or "") == said:
        return
    dates: dict[str, tuple[str | None, str]] = {}
    if found is not None:
        try:
            history = git_history(root, *found)
        except HistoryUnavailable as error:
            report.warnings.append(IndexWarning(".", str(error)))
            return
        dates = {
            source: (
                file.first_seen.isoformat() if file.first_seen else None,
                file.last_changed.isoformat(),
            )
            for source, file in history.files.items()
        }
    store.replace_file_history(dates)
    store.set_meta(_GIT_HEAD, said)


@dataclass(slots=True)
class FileResult:
    """One file read and parsed (in a worker process when there are many)."""

    state: FileState
    parsed: ParsedFile | None
    encoding: str
    warnings: list[IndexWarning]
    readable: bool
    rows: EntryRows | None = None
    """The entries' index rows (search text, stems, JSON fields), made where the file was
    parsed, so the process writing the index only inserts them."""


PARSE_BUDGET_SECONDS = 20.0
"""The time one file may take to be read and parsed before it is skipped (with a
warning), whatever it holds. Reading is linear and a normal log takes about a second
per megabyte, so only a file that hits a reader bug comes near this; 20 s leaves room
for a slow or busy machine (up to `MAX_WORKERS` files are read at once)."""
PARSE_BUDGET_SECONDS_PER_MB = 4.0
"""A large file gets this much time per megabyte when that is more than
`PARSE_BUDGET_SECONDS` (a 16 MB file, the default size limit, gets 64 s), so a big but
ordinary log is never skipped for its size."""


class ParseTimeout(BaseException):
    """Raised (from a SIGALRM handler) in the middle of reading a file that took longer
    than its budget. A BaseException, so that no `except Exception` in the reader or in
    a library it calls can swallow it; `read_and_parse` catches it."""


def parse_budget(size: int) -> float:
    """Seconds a file of `size` bytes may take to be read and parsed."""
    return max(PARSE_BUDGET_SECONDS, size / 1e6 * PARSE_BUDGET_SECONDS_PER_MB)


@contextmanager
def time_budget(seconds: float) -> Iterator[None]:
    """Raise `ParseTimeout` in the block if it runs longer than `seconds`.

    Uses a SIGALRM interval timer, so it works in the main thread of a process (the
    CLI, and the worker processes of a big run) where `signal.setitimer` exists; in
    another thread, on Windows or when the timer is already in use, the block runs
    without a budget.
    """
    if (
        seconds <= 0
        or not hasattr(signal, "setitimer")
        or threading.current_thread() is not threading.main_thread()
        or signal.getitimer(signal.ITIMER_REAL)[0] > 0
    ):
        yield
        return

    def expire(signum: int, frame: object) -> None:
        raise ParseTimeout

    previous = signal.signal(signal.SIGALRM, expire)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        try:
            signal.setitimer(signal.ITIMER_REAL, 0)
        finally:  # even when the alarm goes off right here, as the block ends
            signal.signal(signal.SIGALRM, previous)


def read_and_parse(file: FileStat, max_bytes: int, hints: FileHints | None = None) -> FileResult:
    """Read, hash and parse one file; never raises for a bad file.

    A file that takes longer than its `parse_budget`, or that makes the reader fail
    (a bug), is skipped with one warning naming it; it is recorded as unreadable, so
    it is read again when it changes (or when tilbook's parser does).
    """
    budget = parse_budget(file.size)
    try:
        with time_budget(budget):
            return _read_and_parse(file, max_bytes, hints)
    except ParseTimeout:
        message = (
            f"took longer than {budget:g} s to read; skipped. This is a bug in tilbook's "
            "reader: please report this (with the file, if you can share it)"
        )
    except Exception as error:  # one bad file must never stop a run
        detail = " ".join(str(error).split())[:200]
        message = (
            f"could not be read ({type(error).__name__}: {detail}); skipped. This is a bug "
            "in tilbook's reader: please report this (with the file, if you can share it)"
        )
    state = FileState(file.source, file.size, file.mtime_ns, "", PARSER_VERSION)
    return FileResult(state, None, "utf-8", [IndexWarning(file.source, message)], readable=False)


def _read_and_parse(file: FileStat, max_bytes: int, hints: FileHints | None) -> FileResult:
    text, data = read_source(file, max_bytes=max_bytes)
    digest = _digest(data) if data is not None else ""
    state = FileState(file.source, file.size, file.mtime_ns, digest, PARSER_VERSION)
    try:
        after = file.path.stat()
    except OSError:
        after = None
    if after is not None and (after.st_size, after.st_mtime_ns) != (file.size, file.mtime_ns):
        # Changed while being read: keep what was read, but make the next run look again.
        text.warnings.append(
            IndexWarning(file.source, "changed while it was being read; run `tilbook index` again")
        )
        state = FileState(file.source, -1, -1, digest, PARSER_VERSION)
    if data is None or not text.text:
        return FileResult(state, None, text.encoding, text.warnings, readable=data is not None)
    from tilbook.reading import parse_source  # only when a file is read: it is big

    parsed = parse_source(text, hints)
    rows = entry_rows(parsed.entries)
    return FileResult(state, parsed, text.encoding, text.warnings, readable=True, rows=rows)


def _remove_leftovers(folder: Path, names: list[str]) -> None:
    """Remove the temporary files killed writes left in `folder` (never read as notes:
    their names are hidden)."""
    from tilbook.notes.writes import remove_stale_temporaries

    remove_stale_temporaries(folder, names)


def _read_all(files: list[FileStat], max_bytes: int, settings: Settings) -> Iterator[FileResult]:
    """Results in the order of `files`; parsed by worker processes when it pays off."""
    hints = [settings.hints_for(file.source) for file in files]
    workers = min(os.cpu_count() or 1, MAX_WORKERS)
    size = sum(file.size for file in files)
    if workers < 2 or len(files) < 4 or size < PARALLEL_BYTES or "fork" not in _start_methods():
        for file, hint in zip(files, hints, strict=True):
            yield read_and_parse(file, max_bytes, hint)
        return
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    context = multiprocessing.get_context("fork")
    with ProcessPoolExecutor(
        max_workers=workers,
        mp_context=context,
        initializer=start_worker,
        initargs=(os.getpid(),),
    ) as pool:
        yield from pool.map(read_and_parse, files, itertools.repeat(max_bytes), hints, chunksize=1)


PR_SET_PDEATHSIG = 1
"""Linux `prctl` option: the signal a process gets when its parent dies."""


def start_worker(parent: int) -> None:
    """Set up a worker process of an index run (forked from the run, pid `parent`).

    The worker must not outlive the run: on Linux it asks the kernel for SIGTERM when
    its parent dies (`prctl(PR_SET_PDEATHSIG)`; elsewhere the pool's own shutdown is
    all there is), and it closes the lock files it inherited, so that a worker left
    behind could never keep the index locked.
    """
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    close_inherited_locks()
    if _ask_for_parent_death_signal() and os.getppid() != parent:
        os._exit(1)  # the parent died before the request was made: nothing to do


def _ask_for_parent_death_signal() -> bool:
    """Ask Linux to send SIGTERM to this process when its parent dies (True if done)."""
    if not sys.platform.startswith("linux"):
        return False
    import ctypes
    import ctypes.util

    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6", use_errno=True)
        return bool(libc.prctl(PR_SET_PDEATHSIG, int(signal.SIGTERM), 0, 0, 0) == 0)
    except (OSError, AttributeError):
        return False


def _start_methods() -> list[str]:
    import multiprocessing

    return multiprocessing.get_all_start_methods()


def _store(
    result: FileResult, previous: FileState | None, store: Store, report: SyncReport
) -> None:
    state = result.state
    if (
        previous is not None
        and result.readable
        and previous.hash == state.hash
        and previous.parser_version == PARSER_VERSION
        and state.size >= 0
    ):
        store.touch_file(state)
        report.touched += 1
        return
    if result.parsed is None:
        report.warnings.extend(result.warnings)
        report.unreadable += 1
        store.record_unreadable(state, result.warnings)
        return
    report.warnings.extend(result.parsed.warnings)
    report.parsed += 1
    report.entries += len(result.parsed.entries)
    store.replace_file(state, result.parsed, result.encoding, result.rows)
