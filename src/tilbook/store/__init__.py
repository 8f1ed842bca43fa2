"""The index: where tilbook keeps what it read from the notes."""

from __future__ import annotations

from pathlib import Path

from tilbook.sources import TILBOOK_DIR
from tilbook.store.base import Store

INDEX_NAME = "index.db"


def index_path(root: Path) -> Path:
    return root / TILBOOK_DIR / INDEX_NAME


def open_store(root: Path) -> Store:
    """The index of the log folder `root` (created when missing)."""
    from tilbook.store.sqlite import SQLiteStore

    folder = root / TILBOOK_DIR
    if not folder.exists():
        folder.mkdir(parents=True)
        # Keep the derived index out of the user's git repository.
        (folder / ".gitignore").write_text("*\n", encoding="utf-8")
    return SQLiteStore(index_path(root))
