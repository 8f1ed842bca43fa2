"""Bring the index up to date with the notes folder (incremental).

Unchanged files (same size and modification time, same parser) are skipped
without being read; a file whose time changed but whose bytes did not is only
touched; changed files are parsed again; files that are gone are removed.
Work is committed in batches, and a marker in the index records a run in
progress, so a killed run is finished by the next one.
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from tilbook.model import IndexWarning
from tilbook.parse import PARSER_VERSION, parse_source
from tilbook.settings import Settings
from tilbook.sources import FileStat, read_source, walk
from tilbook.store.base import FileState, Store

BATCH_FILES = 200
_RUN_MARKER = "sync_in_progress"

Progress = Callable[[int, int, str], None]
"""Called with (files done, files to do, current file)."""


@dataclass(slots=True)
class SyncReport:
    scanned: int = 0
    parsed: int = 0
    unchanged: int = 0
    touched: int = 0
    removed: int = 0
    entries: int = 0
    """Entries in the files parsed in this run."""
    seconds: float = 0.0
    warnings: list[IndexWarning] = field(default_factory=list)
    recovered: bool = False
    """The previous run was interrupted; this one checked every file."""


def _digest(data: bytes) -> str:
    return hashlib.blake2b(data, digest_size=16).hexdigest()


def sync(
    root: Path,
    store: Store,
    settings: Settings,
    *,
    full: bool = False,
    progress: Progress | None = None,
) -> SyncReport:
    """Index every note file of `root` that changed since the last run."""
    started = time.perf_counter()
    report = SyncReport()
    recovering = store.get_meta(_RUN_MARKER) == "1"
    report.recovered = recovering
    full = full or recovering
    store.set_meta(_RUN_MARKER, "1")
    store.commit()

    files = list(
        walk(
            root,
            extensions=tuple(settings["extensions"]),
            extra_ignores=tuple(settings["ignore"]),
            warnings=report.warnings,
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
        ):
            report.unchanged += 1
        else:
            todo.append(file)

    max_bytes = int(settings["max_file_size_mb"]) * 1_000_000
    since_commit = 0
    for done, file in enumerate(todo):
        if progress is not None:
            progress(done, len(todo), file.source)
        _index_file(file, known.get(file.source), store, report, max_bytes)
        since_commit += 1
        if since_commit >= BATCH_FILES:
            store.commit()
            since_commit = 0

    present = {file.source for file in files}
    gone = [source for source in known if source not in present]
    if gone:
        store.remove_files(gone)
        report.removed = len(gone)
    store.set_meta(_RUN_MARKER, "0")
    store.commit()
    if progress is not None:
        progress(len(todo), len(todo), "")
    report.seconds = time.perf_counter() - started
    return report


def _index_file(
    file: FileStat,
    previous: FileState | None,
    store: Store,
    report: SyncReport,
    max_bytes: int,
) -> None:
    text, data = read_source(file, max_bytes=max_bytes)
    digest = _digest(data) if data is not None else ""
    state = FileState(file.source, file.size, file.mtime_ns, digest, PARSER_VERSION)
    try:
        after = file.path.stat()
    except OSError:
        after = None
    if after is not None and (after.st_size, after.st_mtime_ns) != (file.size, file.mtime_ns):
        # Changed while being read: keep what was read, but make the next run look again.
        assert text is not None
        text.warnings.append(
            IndexWarning(file.source, "changed while it was being read; run `tilbook index` again")
        )
        state = FileState(file.source, -1, -1, digest, PARSER_VERSION)
    if (
        previous is not None
        and data is not None
        and previous.hash == digest
        and previous.parser_version == PARSER_VERSION
        and state.size >= 0
    ):
        store.touch_file(state)
        report.touched += 1
        return
    assert text is not None
    if data is None or not text.text:
        report.warnings.extend(text.warnings)
        store.record_unreadable(state, text.warnings)
        return
    parsed = parse_source(text)
    report.warnings.extend(parsed.warnings)
    report.parsed += 1
    report.entries += len(parsed.entries)
    store.replace_file(state, parsed, text.encoding)
