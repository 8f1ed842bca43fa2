"""Advisory file locks shared by every tilbook process working on one log folder.

A lock is a small file in the cache folder that is held with `flock` for the
time of one operation: several readers may share it, a writer has it alone,
and a process that dies lets go of it at once (the kernel releases it), so a
crash never leaves a log locked. Where `fcntl` does not exist the lock is a
no-op and tilbook relies on its atomic replace of each file alone.

A `flock` belongs to the open file, so a child made by `fork` would hold it too,
for as long as it lives: lock files are opened close-on-exec (no program tilbook
starts gets them), and the worker processes of an index run close the ones their
parent held as they start (`close_inherited_locks`).
"""

from __future__ import annotations

import contextlib
import os
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

_held_descriptors: set[int] = set()
"""The descriptors of the locks this process holds (a forked child inherits them)."""


class LockBusy(Exception):
    """The lock is held by another process and was not freed within the wait allowed."""

    def __init__(self, path: Path, holder: int | None) -> None:
        super().__init__(f"{path}: held by {f'process {holder}' if holder else 'another process'}")
        self.path = path
        self.holder = holder
        """The process id the holder wrote in the lock file, when it did (a guess: the
        number may be stale or reused)."""


@contextmanager
def locked(path: Path, *, shared: bool = False, wait: float | None = None) -> Iterator[None]:
    """Hold the lock file `path` (created when missing) until the block ends.

    `shared` locks may be held by many processes at once; an exclusive one
    waits for every other holder to let go. With `wait` (seconds), give up after
    that long and raise `LockBusy` instead of waiting for as long as it takes.
    The holder of an exclusive lock writes its process id in the file, for the
    message of a process that finds it busy.
    """
    try:
        import fcntl
    except ImportError:  # pragma: no cover - not on POSIX
        yield
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    flags = os.O_RDWR | os.O_CREAT | getattr(os, "O_CLOEXEC", 0)
    handle = os.open(path, flags, 0o644)
    try:
        mode = fcntl.LOCK_SH if shared else fcntl.LOCK_EX
        if wait is None:
            fcntl.flock(handle, mode)
        else:
            _flock_within(handle, mode, wait, path)
        _held_descriptors.add(handle)
        if not shared:
            with contextlib.suppress(OSError):
                os.ftruncate(handle, 0)
                os.pwrite(handle, f"{os.getpid()}\n".encode(), 0)
        try:
            yield
        finally:
            _held_descriptors.discard(handle)
            fcntl.flock(handle, fcntl.LOCK_UN)
    finally:
        os.close(handle)


def _flock_within(handle: int, mode: int, wait: float, path: Path) -> None:
    import fcntl

    deadline = time.monotonic() + wait
    delay = 0.01
    while True:
        try:
            fcntl.flock(handle, mode | fcntl.LOCK_NB)
            return
        except BlockingIOError:
            left = deadline - time.monotonic()
            if left <= 0:
                raise LockBusy(path, lock_holder(path)) from None
            time.sleep(min(delay, left))
            delay = min(delay * 2, 0.1)


def lock_holder(path: Path) -> int | None:
    """The process id the last exclusive holder of `path` wrote there, if any."""
    try:
        text = path.read_text(encoding="ascii", errors="replace").strip()
    except OSError:
        return None
    return int(text) if text.isdigit() else None


def close_inherited_locks() -> None:
    """In a child made by `fork`: close the lock files the parent held when it forked.

    The locks stay the parent's (closing a copy does not unlock them), but this child
    no longer keeps them held should it outlive the parent.
    """
    for handle in list(_held_descriptors):
        with contextlib.suppress(OSError):
            os.close(handle)
    _held_descriptors.clear()
