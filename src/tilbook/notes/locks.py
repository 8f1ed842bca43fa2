"""Advisory file locks shared by every tilbook process working on one log folder.

A lock is a small file in the cache folder that is held with `flock` for the
time of one operation: several readers may share it, a writer has it alone,
and a process that dies lets go of it at once (the kernel releases it), so a
crash never leaves a log locked. Where `fcntl` does not exist the lock is a
no-op and tilbook relies on its atomic replace of each file alone.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path


@contextmanager
def locked(path: Path, *, shared: bool = False) -> Iterator[None]:
    """Hold the lock file `path` (created when missing) until the block ends.

    `shared` locks may be held by many processes at once; an exclusive one
    waits for every other holder to let go.
    """
    try:
        import fcntl
    except ImportError:  # pragma: no cover - not on POSIX
        yield
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "a+b") as handle:
        fcntl.flock(handle.fileno(), fcntl.LOCK_SH if shared else fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle.fileno(), fcntl.LOCK_UN)
