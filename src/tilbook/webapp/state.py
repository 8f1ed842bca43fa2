"""The served log: its folder, a version that changes with the notes, the index."""

from __future__ import annotations

import asyncio
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any


@dataclass
class LogState:
    """The served log: its folder, a version that changes with the notes, the index."""

    root: Path
    version: int = 0
    changed: asyncio.Event | None = None
    lock: threading.Lock = field(default_factory=threading.Lock)
    local: threading.local = field(default_factory=threading.local)
    warnings: list[str] = field(default_factory=list)

    def store(self) -> Any:
        """This thread's connection to the index (SQLite connections stay in their thread)."""
        store = getattr(self.local, "store", None)
        if store is None:
            from tilbook.store import open_store

            store = open_store(self.root)
            self.local.store = store
        return store

    def sync(self) -> int:
        """Bring the index up to date with the notes; returns how many files were read."""
        from tilbook.indexing import sync
        from tilbook.settings import load_settings

        with self.lock:
            report = sync(self.root, self.store(), load_settings(self.root))
        changed = report.parsed + report.removed
        if changed:
            self.version += 1
            self.warnings = [str(w) for w in report.warnings]
        return changed
