"""What every tilbook command shares: options, error handling, output helpers.

Feature commands live in their own `cli_*.py` modules and import from here;
`tilbook.cli` assembles them into the `tilbook` command.
"""

from __future__ import annotations

import functools
import json
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import click

from tilbook.errors import TilbookError

if TYPE_CHECKING:
    from rich.console import Console

    from tilbook.model import IndexWarning
    from tilbook.store.base import Store

F = TypeVar("F", bound=Callable[..., Any])


# -- shared options -------------------------------------------------------------------------


def log_option(command: F) -> F:
    """`--log DIR`: the notes folder (default: $TILBOOK_LOG, else the current folder)."""
    return click.option(
        "--log",
        "log",
        type=click.Path(file_okay=False, path_type=Path),
        envvar="TILBOOK_LOG",
        default=".",
        show_default="$TILBOOK_LOG or .",
        help="The notes folder.",
    )(command)


def json_option(command: F) -> F:
    return click.option("--json", "as_json", is_flag=True, help="Print JSON instead of a table.")(
        command
    )


def filter_options(command: F) -> F:
    """`--tag`, `--since`, `--until`: shared by the commands that list entries."""
    command = click.option(
        "--until", metavar="DATE", help="Only entries dated on or before DATE (YYYY-MM-DD)."
    )(command)
    command = click.option(
        "--since", metavar="DATE", help="Only entries dated on or after DATE (YYYY-MM-DD)."
    )(command)
    return click.option(
        "--tag", "tags", multiple=True, metavar="TAG", help="Only entries with TAG (repeatable)."
    )(command)


def handle_errors(command: F) -> F:
    """Turn tilbook's own errors into a one-line message and exit code 1."""

    @functools.wraps(command)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return command(*args, **kwargs)
        except TilbookError as error:
            raise click.ClickException(str(error)) from error

    return wrapper  # type: ignore[return-value]


def console(stderr: bool = False) -> Console:
    from rich.console import Console

    return Console(stderr=stderr, highlight=False, soft_wrap=False)


def print_json(data: Any) -> None:
    click.echo(json.dumps(data, ensure_ascii=False, indent=2))


def check_date(value: str | None, option: str) -> str | None:
    if value is None:
        return None
    from datetime import date

    try:
        return date.fromisoformat(value).isoformat()
    except ValueError:
        raise click.BadParameter(
            f"{value!r} is not a date like 2024-03-14", param_hint=option
        ) from None


def report_warnings(warnings: list[IndexWarning]) -> None:
    if not warnings:
        return
    out = console(stderr=True)
    for warning in warnings:
        out.print(f"[yellow]warning:[/] {warning}", markup=True, soft_wrap=True)


@contextmanager
def opened_log(log: Path, *, sync: bool = True) -> Iterator[tuple[Path, Store]]:
    """The log folder and its index, brought up to date first (quietly)."""
    from tilbook.indexing import sync as sync_log
    from tilbook.notes.files import log_root
    from tilbook.settings import load_settings
    from tilbook.store import open_store

    root = log_root(log)
    store = open_store(root)
    try:
        if sync:
            report_warnings(sync_log(root, store, load_settings(root)).warnings)
        yield root, store
    finally:
        store.close()


# -- the commands ---------------------------------------------------------------------------


def inherited_log(log: Path) -> Path:
    """A subcommand's --log, or its group's when only the group was given one."""
    context = click.get_current_context()
    parent = context.parent.params.get("log") if context.parent else None
    if parent is not None and log == Path(".") and Path(parent) != Path("."):
        return Path(parent)
    return log


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
