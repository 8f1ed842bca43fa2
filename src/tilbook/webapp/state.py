"""The served log: its folder, a version that changes with the notes, the index."""

from __future__ import annotations

import asyncio
import secrets
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

MAX_TICKS = 100
"""How many ticks the app remembers for their undo."""


@dataclass
class Tick:
    """A TODO ticked in the app: the lines it changed, and whether it was undone."""

    text: str
    entry_id: str
    marks: list[Any]
    """`tilbook.features.agenda.Marked`, one per line changed."""
    undone: bool = False


@dataclass
class LogState:
    """The served log: its folder, a version that changes with the notes, the index."""

    root: Path
    version: int = 0
    changed: asyncio.Event | None = None
    lock: threading.Lock = field(default_factory=threading.Lock)
    local: threading.local = field(default_factory=threading.local)
    warnings: list[str] = field(default_factory=list)
    index_seen: str = ""
    """The index's version (`Store.index_version`) as of the last `sync`."""
    ticks: dict[str, Tick] = field(default_factory=dict)
    """The latest ticks, by token: what each changed, to show it and to undo it."""

    def remember_tick(self, tick: Tick) -> str:
        """Keep a tick (the newest `MAX_TICKS`) and return the token that names it."""
        token = secrets.token_urlsafe(9)
        with self.lock:
            self.ticks[token] = tick
            while len(self.ticks) > MAX_TICKS:
                del self.ticks[next(iter(self.ticks))]
        return token

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
        from tilbook.errors import IndexBusyError
        from tilbook.indexing import sync
        from tilbook.settings import load_settings

        with self.lock:
            try:
                # Another process (`tilbook index`) is updating the index: show the
                # index as it is rather than hold the page until that run ends.
                report = sync(self.root, self.store(), load_settings(self.root), wait=1.0)
            except IndexBusyError:
                return 0
            # Another process may have read the change first (`tilbook index`, a
            # `tilbook build --watch`): what counts is whether the index is another.
            seen = self.store().index_version()
            changed = report.changed or int(seen != self.index_seen)
            self.index_seen = seen
        if changed:
            self.version += 1
            self.warnings = [str(w) for w in report.warnings]
        return changed
