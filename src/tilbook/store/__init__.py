"""The index: where tilbook keeps what it read from the notes."""

from __future__ import annotations

import time
from pathlib import Path

from tilbook.errors import IndexStoreError
from tilbook.notes.files import TILBOOK_DIR
from tilbook.store.base import Store
from tilbook.store.reviews import ReviewStore

INDEX_NAME = "index.db"


def index_path(root: Path) -> Path:
    return root / TILBOOK_DIR / INDEX_NAME


def open_store(root: Path) -> Store:
    """The index of the log folder `root` (created when missing)."""
    from tilbook.store.sqlite import SQLiteStore
    from tilbook.store.state import StateFolder

    folder = root / TILBOOK_DIR
    if folder.exists() and not folder.is_dir():
        raise IndexStoreError(
            f"{folder}: is a file, but tilbook keeps its index in a folder of that name. "
            "Move the file away and run the command again."
        )
    try:
        if not folder.exists():
            folder.mkdir(parents=True, exist_ok=True)
            # Everything in the cache folder is made again by `tilbook index`: keep it out
            # of the user's git repository. (What the user did lives in .tilbook-state/.)
            (folder / ".gitignore").write_text("*\n", encoding="utf-8")
    except OSError as error:
        raise IndexStoreError(
            f"{folder}: cannot be created ({error.strerror or error}); tilbook keeps its "
            "index there. Make the notes folder writable, or run tilbook on a copy."
        ) from error
    return SQLiteStore(index_path(root), state=StateFolder.of(root))


def set_aside_index(root: Path) -> Path | None:
    """Move a damaged index out of the way (never deleted) so a new one can be made.

    The index file and its `-wal`/`-shm` companions are renamed to
    `index.db.broken-<timestamp>`; returns the new name of the index file,
    or None when there was no index.
    """
    path = index_path(root)
    if not path.exists():
        return None
    stamp = time.strftime("%Y%m%d-%H%M%S")
    target = path.with_name(f"{path.name}.broken-{stamp}")
    counter = 1
    while target.exists():
        counter += 1
        target = path.with_name(f"{path.name}.broken-{stamp}-{counter}")
    path.replace(target)
    for suffix in ("-wal", "-shm"):
        companion = path.with_name(path.name + suffix)
        if companion.exists():
            companion.replace(target.with_name(target.name + suffix))
    return target


def review_store(store: Store) -> ReviewStore:
    """The flashcard review tables of `store`."""
    from tilbook.store.sqlite import SQLiteStore

    if isinstance(store, SQLiteStore):
        from tilbook.store.sqlite_reviews import SQLiteReviews

        return SQLiteReviews(store)
    raise IndexStoreError(f"{type(store).__name__} does not keep flashcard reviews")
