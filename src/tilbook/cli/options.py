"""What every tilbook command shares: options, error handling, opening the log.

Feature commands live in their own modules of `tilbook.cli` and import from
here; `tilbook.cli.main` assembles them into the `tilbook` command. An option a
group and its commands both take (`--log`, `--json`) is read with `inherited`:
`tilbook --log DIR todo done ID`, `tilbook todo --log DIR done ID` and
`tilbook todo done ID --log DIR` mean the same.
"""

from __future__ import annotations

import functools
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import click
from click.core import ParameterSource

from tilbook.errors import TilbookError

if TYPE_CHECKING:
    from tilbook.settings import Settings
    from tilbook.store.base import Store

F = TypeVar("F", bound=Callable[..., Any])
if TYPE_CHECKING:
    _ParamType = click.ParamType[date, Any]  # generic in newer Click only
else:
    _ParamType = click.ParamType
T = TypeVar("T")
INDEX_PLACE = Path(".tilbook/index.db")
"""How an index error raised mid-command names the index (in the notes folder)."""
BUSY_INDEX_WAIT = 1.0
"""Seconds a command waits for an index update that another process is running before
it reads the index as that run has left it so far."""


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


class DateParam(_ParamType):
    """A date the user types, read by the one user-date grammar (`parse.dates.user_date`)."""

    name = "date"

    def __init__(self, *, end: bool = False, whole_day: bool = False) -> None:
        self.end = end
        self.whole_day = whole_day

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> date:
        if isinstance(value, date):
            return value
        from tilbook.errors import DateInputError
        from tilbook.parse.dates import user_date

        try:
            return user_date(str(value), end=self.end, whole_day=self.whole_day)
        except DateInputError as error:
            self.fail(str(error), param, ctx)


SINCE = DateParam()
UNTIL = DateParam(end=True)
DAY = DateParam(whole_day=True)


def filter_options(command: F) -> F:
    """`--tag`, `--since`, `--until`: shared by the commands that list entries."""
    command = click.option(
        "--until", type=UNTIL, metavar="DATE", help="Only entries dated on or before DATE."
    )(command)
    command = click.option(
        "--since", type=SINCE, metavar="DATE", help="Only entries dated on or after DATE."
    )(command)
    return click.option(
        "--tag", "tags", multiple=True, metavar="TAG", help="Only entries with TAG (repeatable)."
    )(command)


def iso(day: date | None) -> str | None:
    return day.isoformat() if day is not None else None


def inherited(name: str, value: T) -> T:
    """An option's value where a group and its commands all take it.

    Given on the command line to the command itself, that wins; else the
    nearest enclosing group's, when it was given there; else the command's own
    (its environment variable or default).
    """
    context = click.get_current_context(silent=True)
    if context is None or context.get_parameter_source(name) is ParameterSource.COMMANDLINE:
        return value
    parent = context.parent
    while parent is not None:
        if name in parent.params and (
            parent.get_parameter_source(name) is ParameterSource.COMMANDLINE
        ):
            return parent.params[name]  # type: ignore[no-any-return]
        parent = parent.parent
    return value


def handle_errors(command: F) -> F:
    """Turn tilbook's own errors into a one-line message and exit code 1."""

    @functools.wraps(command)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return command(*args, **kwargs)
        except TilbookError as error:
            raise click.ClickException(str(error)) from error
        except OSError as error:
            # The machine's own faults (a full disk, a read-only folder): one clear line.
            where = f"{error.filename}: " if error.filename else ""
            reason = error.strerror or str(error)
            raise click.ClickException(f"{where}{reason}. Nothing was changed.") from error
        except Exception as error:
            # NOTE: sqlite3 is looked up, not imported: a command that never opened the
            # index (`--help`) need not load it, and then no error can be its.
            sqlite = sys.modules.get("sqlite3")
            if sqlite is None or not isinstance(error, sqlite.Error):
                raise
            from tilbook.store.sqlite import index_error

            raise click.ClickException(str(index_error(INDEX_PLACE, error))) from error

    return wrapper  # type: ignore[return-value]


# -- the log --------------------------------------------------------------------------------


def notes_root(log: Path) -> Path:
    """The notes folder a command works on (its --log, or an enclosing group's)."""
    from tilbook.notes.files import log_root

    return log_root(inherited("log", log))


def require_notes(root: Path, settings: Settings) -> None:
    """Refuse a folder that has no notes and no index yet: most likely the wrong one.

    (Nothing is created in it; `tilbook add` may still start a journal there.)
    """
    from tilbook.notes.files import TILBOOK_DIR, walk

    if (root / TILBOOK_DIR).exists():
        return
    extensions = tuple(settings["extensions"])
    found = walk(root, extensions=extensions, extra_ignores=tuple(settings["ignore"]), warnings=[])
    if next(iter(found), None) is None:
        kinds = ", ".join(extensions)
        raise TilbookError(
            f"0 note files ({kinds}) found under {root}. Name your notes folder with "
            "--log DIR or the TILBOOK_LOG environment variable."
        )


@contextmanager
def opened_log(
    log: Path, *, sync: bool = True, notes_required: bool = True
) -> Iterator[tuple[Path, Store]]:
    """The log folder and its index, brought up to date first (quietly).

    When another process is updating the index, the command does not wait for it
    (beyond `BUSY_INDEX_WAIT`): it says so and reads the index as it is.

    A folder without notes or an index is refused (`require_notes`) unless the
    command is one that may start the first note there.
    """
    from tilbook.cli.output import report_store, report_warnings
    from tilbook.errors import IndexBusyError
    from tilbook.indexing import sync as sync_log
    from tilbook.settings import load_settings
    from tilbook.store import open_store

    root = notes_root(log)
    settings = load_settings(root)
    if notes_required:
        require_notes(root, settings)
    store = open_store(root)
    try:
        warnings = []
        if sync:
            try:
                warnings = sync_log(root, store, settings, wait=BUSY_INDEX_WAIT).warnings
            except IndexBusyError as busy:
                who = f" (pid {busy.holder})" if busy.holder else ""
                click.echo(
                    f"An index update is running{who}; showing the index without "
                    "waiting for it (the latest changes to the notes may be missing).",
                    err=True,
                )
        report_warnings(warnings + report_store(store))
        yield root, store
    finally:
        store.close()
