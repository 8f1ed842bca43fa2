"""How commands print: the rich console, JSON, warnings, progress bars, entry tables."""

from __future__ import annotations

import json
import sys
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

import click

if TYPE_CHECKING:
    from rich.console import Console

    from tilbook.model import IndexWarning
    from tilbook.store.base import Store


def console(stderr: bool = False) -> Console:
    from rich.console import Console

    return Console(stderr=stderr, highlight=False, soft_wrap=False)


def plain(text: object) -> str:
    """`text` to print where rich reads markup: what the user wrote (`[draft]`, `- [x]`,
    `[/]`) is shown as written, never read as styles."""
    from rich.markup import escape

    return escape(str(text))


def print_json(data: Any) -> None:
    click.echo(json.dumps(data, ensure_ascii=False, indent=2))


def report_warnings(warnings: list[IndexWarning]) -> None:
    if not warnings:
        return
    out = console(stderr=True)
    for warning in warnings:
        out.print(f"[yellow]warning:[/] {plain(warning)}", markup=True, soft_wrap=True)


def longest_word(texts: Iterable[str], *, cap: int = 40) -> int:
    """The widest word among `texts` (terminal cells), at most `cap`: a column at least
    this wide never breaks a tag, an id or a `file:line` in the middle."""
    from rich.cells import cell_len

    return min(cap, max((cell_len(word) for text in texts for word in text.split()), default=0))


def plural(count: int, word: str, many: str | None = None) -> str:
    """`1 link`, `2 links`, `0 entries` (with `many` for irregular plurals)."""
    return f"{count} {word if count == 1 else many or word + 's'}"


def report_store(store: Store) -> list[IndexWarning]:
    """Print what the store has to say once; returns the state files' warnings."""
    store.refresh_state()
    if store.notices:  # (rich is imported only when there is something to say)
        out = console(stderr=True)
        for notice in store.notices:
            out.print(f"[green]tilbook:[/] {plain(notice)}", markup=True, soft_wrap=True)
    store.notices.clear()
    warnings = list(store.state_warnings)
    store.state_warnings.clear()
    return warnings


@contextmanager
def progress_bar(
    label: str, *, enabled: bool = True, minimum: int = 0
) -> Iterator[Callable[[int, int, str], None] | None]:
    """A rich progress bar on stderr for runs of at least `minimum` steps (terminal only).

    Yields a callback `(done, total, current item)` for the library to call, or
    None when no bar is shown.
    """
    if not enabled or not sys.stderr.isatty():
        yield None
        return
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn

    bar = Progress(
        TextColumn(label),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("{task.description}"),
        console=console(stderr=True),
        transient=True,
    )
    task: list[Any] = []

    def update(done: int, total: int, item: str) -> None:
        if total < minimum:
            return
        if not task:
            bar.start()
            task.append(bar.add_task("", total=total))
        bar.update(task[0], completed=done, total=total, description=item[-40:])

    try:
        yield update
    finally:
        if task:
            bar.stop()
