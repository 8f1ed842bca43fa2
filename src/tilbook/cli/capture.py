"""Commands that write to the log and follow it through: add, today, todo, questions."""

from __future__ import annotations

import os
import sys
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from tilbook.cli.options import (
    DAY,
    SINCE,
    handle_errors,
    inherited,
    iso,
    json_option,
    log_option,
    opened_log,
)
from tilbook.cli.output import console, longest_word, plain, print_json

if TYPE_CHECKING:
    from tilbook.features.capture import Capture


def _reindex(root: Path) -> None:
    from tilbook.indexing import sync
    from tilbook.settings import load_settings
    from tilbook.store import open_store

    store = open_store(root)
    try:
        sync(root, store, load_settings(root))
    finally:
        store.close()


def _entry_id(root: Path, source: str, line: int) -> str | None:
    from tilbook.features.capture import entry_at
    from tilbook.store import open_store

    store = open_store(root)
    try:
        found = entry_at(store, source, line)
    finally:
        store.close()
    return found.id if found else None


@click.command()
@click.argument("text")
@log_option
@click.option("--file", "file", metavar="PATH", help="Write to this file (relative to the log).")
@click.option("--date", "day", type=DAY, metavar="DATE", help="The entry's date (default: today).")
@click.option("--title", help="A title line for the entry.")
@click.option("--category", help="Category heading to use (category-dated logs).")
@click.option("--tag", "tags", multiple=True, metavar="TAG", help="Tag the entry (repeatable).")
@json_option
@handle_errors
def add(
    text: str,
    log: Path,
    file: str | None,
    day: date | None,
    title: str | None,
    category: str | None,
    tags: tuple[str, ...],
    as_json: bool,
) -> None:
    """Add an entry to the journal, in the journal's own style.

    TEXT is the entry (`#Tags` at its end become the entry's tags); `-` reads
    it from standard input. The entry goes under the date's heading, which is
    created when missing, in the file's order (newest or oldest first).
    """
    from tilbook.features.capture import add_entry, check_journal_read, journal_source
    from tilbook.settings import load_settings

    if text == "-":
        text = sys.stdin.read()
    if not text.strip() and not title:
        raise click.UsageError("the entry is empty: give TEXT, or - to read it from stdin")
    with opened_log(log, notes_required=False) as (root, store):
        settings = load_settings(root)
        source = file or journal_source(store, settings["journal"])
    check_journal_read(source, settings["extensions"])
    capture = add_entry(
        root,
        source,
        text,
        day=day or date.today(),
        tags=list(tags),
        title=title,
        category=category,
        hints=settings.hints_for(source),
    )
    _reindex(root)
    entry_id = _entry_id(root, capture.source, capture.line)
    if as_json:
        print_json(
            {
                "source": capture.source,
                "line": capture.line,
                "entry": entry_id,
                "created_file": capture.created_file,
                "created_day": capture.created_day,
            }
        )
        return
    made = " (new file)" if capture.created_file else " (new day)" if capture.created_day else ""
    click.echo(
        f"Added to {capture.source}:{capture.line}{made}"
        + (f" — entry {entry_id}" if entry_id else "")
    )


@click.command()
@log_option
@click.option("--file", "file", metavar="PATH", help="The journal file (relative to the log).")
@click.option("--category", help="Category heading for a new entry (category-dated logs).")
@json_option
@handle_errors
def today(log: Path, file: str | None, category: str | None, as_json: bool) -> None:
    """Open $EDITOR at today's entry (creating today's heading when missing).

    The file is indexed again when the editor exits.
    """
    from tilbook.features.capture import add_entry, check_journal_read, journal_source
    from tilbook.settings import load_settings

    with opened_log(log, notes_required=False) as (root, store):
        settings = load_settings(root)
        source = file or journal_source(store, settings["journal"])
    check_journal_read(source, settings["extensions"])
    capture = add_entry(
        root, source, "", day=date.today(), category=category, hints=settings.hints_for(source)
    )
    editor = os.environ.get("VISUAL") or os.environ.get("EDITOR") or "vi"
    import shlex
    import subprocess

    command = [*shlex.split(editor), f"+{capture.line}", str(root / capture.source)]
    try:
        status = subprocess.call(command)
    except FileNotFoundError as error:
        raise click.ClickException(
            f"cannot start the editor {editor!r}: set $EDITOR (e.g. EDITOR=nano)"
        ) from error
    _reindex(root)
    if status != 0:
        raise click.ClickException(f"the editor exited with status {status}")
    if as_json:
        print_json(_capture_dict(capture))
        return
    click.echo(f"{capture.source}:{capture.line} indexed.")


def _capture_dict(capture: Capture) -> dict[str, Any]:
    return {
        "source": capture.source,
        "line": capture.line,
        "created_file": capture.created_file,
        "created_day": capture.created_day,
    }


# -- TODO agenda ------------------------------------------------------------------------------


@click.group(invoke_without_command=True)
@log_option
@click.option("--tag", "tags", multiple=True, metavar="TAG", help="Only TODOs of entries with TAG.")
@click.option(
    "--since", type=SINCE, metavar="DATE", help="Only TODOs first written on or after DATE."
)
@click.option(
    "--stale",
    type=click.IntRange(min=0),
    default=0,
    metavar="N",
    help="Only TODOs carried forward N or more times.",
)
@click.option("--all", "include_done", is_flag=True, help="Include TODOs that are done.")
@click.option(
    "--due", is_flag=True, help="Only TODOs with a due date (📅 YYYY-MM-DD), soonest first."
)
@click.option("--overdue", is_flag=True, help="Only open TODOs due before today.")
@json_option
@click.pass_context
@handle_errors
def todo(
    ctx: click.Context,
    log: Path,
    tags: tuple[str, ...],
    since: date | None,
    stale: int,
    include_done: bool,
    due: bool,
    overdue: bool,
    as_json: bool,
) -> None:
    """The TODO agenda: open TODOs across the whole log, oldest first.

    A TODO copied into later lists (even slightly reworded) is one task;
    "carried" counts the later lists that repeat it unfinished. A due date
    written as Obsidian Tasks writes it (`- [ ] … 📅 2024-05-10`) is shown;
    overdue TODOs come first, then those due within a week, each by their
    Tasks priority (🔺 ⏫ 🔼 🔽 ⏬). `--json` also gives their `scheduled` (⏳),
    `start` (🛫), `created` (➕), `done_on` (✅), `recurrence` (🔁) and `priority`.
    """
    if ctx.invoked_subcommand is not None:
        return
    from tilbook.features.agenda import agenda
    from tilbook.settings import load_settings

    with opened_log(log) as (root, store):
        items = agenda(
            store,
            similarity=int(load_settings(root)["todo_similarity"]),
            tags=list(tags),
            since=iso(since),
            stale=stale,
            include_done=include_done,
            due=due,
            overdue_on=date.today() if overdue else None,
        )
    if as_json:
        print_json([item.to_dict() for item in items])
        return
    if not items:
        click.echo("Nothing to do: no open TODOs match.", err=True)
        return
    from rich.table import Table

    rows = []
    for item in items:
        first = item.first
        when = first.entry.date or first.entry.title
        where = f"{when} · {first.entry.source}:{first.line}"
        mark = "[green]✓[/] " if item.done else ""
        rows.append(
            (
                item.id,
                mark + plain(item.shown_text),
                plain(where),
                str(item.carried) if item.carried else "",
            )
        )
    dues = [item.due or "" for item in items]
    table = Table(show_edge=False, pad_edge=False, expand=True)
    table.add_column("id", style="dim", no_wrap=True, width=8)
    table.add_column("todo", ratio=4, overflow="fold")
    if any(dues):
        table.add_column("due", no_wrap=True, width=10)
    table.add_column("first seen", overflow="fold", width=max(longest_word(r[2] for r in rows), 16))
    table.add_column("carried", justify="right", width=7)
    for row, due_on in zip(rows, dues, strict=True):
        table.add_row(*row[:2], *([due_on] if any(dues) else []), *row[2:])
    console().print(table)


@todo.command("done")
@click.argument("todo_id", metavar="ID")
@log_option
@click.option("--all-copies", is_flag=True, help="Also tick every earlier unfinished copy.")
@json_option
@handle_errors
def todo_done(todo_id: str, log: Path, all_copies: bool, as_json: bool) -> None:
    """Mark TODO ID done in its file (`[ ]` → `[x]`, or the done prefix on a bullet)."""
    from tilbook.features.agenda import agenda, find_item, mark_done
    from tilbook.settings import load_settings

    with opened_log(log) as (root, store):
        settings = load_settings(root)
        items = agenda(store, similarity=int(settings["todo_similarity"]), include_done=True)
        item = find_item(items, todo_id)
    marked = mark_done(root, item, all_copies=all_copies, prefix=str(settings["todo_done_prefix"]))
    _reindex(root)
    if inherited("as_json", as_json):
        print_json(
            [
                {"source": c.source, "line": c.line, "before": c.before, "after": c.after}
                for c in marked
            ]
        )
        return
    for change in marked:
        click.echo(f"{change.source}:{change.line}: {change.after.strip()}")


@todo.command("add")
@click.argument("text")
@log_option
@click.option("--tag", "tags", multiple=True, metavar="TAG", help="Tag it (repeatable).")
@click.option("--file", "file", metavar="PATH", help="The journal file (relative to the log).")
@json_option
@handle_errors
def todo_add(text: str, log: Path, tags: tuple[str, ...], file: str | None, as_json: bool) -> None:
    """Add a TODO to today's entry (creating it when missing)."""
    from tilbook.features.capture import add_todo, check_journal_read, journal_source
    from tilbook.settings import load_settings

    with opened_log(log, notes_required=False) as (root, store):
        settings = load_settings(root)
        source = file or journal_source(store, settings["journal"])
    check_journal_read(source, settings["extensions"])
    capture = add_todo(
        root, source, text, day=date.today(), tags=list(tags), hints=settings.hints_for(source)
    )
    _reindex(root)
    if inherited("as_json", as_json):
        print_json(_capture_dict(capture))
        return
    click.echo(f"Added to {capture.source}:{capture.line}")


# -- questions --------------------------------------------------------------------------------


@click.group(invoke_without_command=True)
@log_option
@click.option("--search", "search_text", metavar="TEXT", help="Only questions mentioning TEXT.")
@click.option("--all", "include_answered", is_flag=True, help="Include answered questions.")
@json_option
@click.pass_context
@handle_errors
def questions(
    ctx: click.Context, log: Path, search_text: str | None, include_answered: bool, as_json: bool
) -> None:
    """Open questions in the log, newest first."""
    if ctx.invoked_subcommand is not None:
        return
    from tilbook.features.questions import list_questions

    with opened_log(log) as (_, store):
        items = list_questions(store, search=search_text, include_answered=include_answered)
    if as_json:
        print_json([item.to_dict() for item in items])
        return
    if not items:
        click.echo("No open questions match.", err=True)
        return
    from rich.table import Table

    places = [f"{item.entry.source}:{item.line}" for item in items]
    table = Table(show_edge=False, pad_edge=False, expand=True)
    table.add_column("id", style="dim", no_wrap=True, width=10)
    table.add_column("date", no_wrap=True, width=10)
    table.add_column("question", ratio=4, overflow="fold")
    table.add_column("entry", overflow="fold", style="dim", width=max(longest_word(places), 8))
    for item in items:
        text = plain(item.text)
        if item.answer is not None:
            by = item.answer.entry_id or item.answer.note or ""
            text = f"[green]✓[/] {text}\n[dim]answered: {plain(by)}[/]"
        table.add_row(
            item.id, item.entry.date or "", text, plain(f"{item.entry.source}:{item.line}")
        )
    console().print(table)


@questions.command("answer")
@click.argument("question_id", metavar="ID")
@log_option
@click.option("--entry", "entry_id", metavar="ENTRY_ID", help="The entry that answers it.")
@click.option("--note", help="The answer in a few words.")
@click.option("--reopen", is_flag=True, help="Forget the answer: the question is open again.")
@json_option
@handle_errors
def questions_answer(
    question_id: str,
    log: Path,
    entry_id: str | None,
    note: str | None,
    reopen: bool,
    as_json: bool,
) -> None:
    """Record that an entry (or a note) answers question ID; it leaves the list."""
    from tilbook.features.questions import answer_question, reopen_question

    with opened_log(log) as (_, store):
        if reopen:
            item = reopen_question(store, question_id)
        else:
            item = answer_question(store, question_id, entry_id=entry_id, note=note)
    if inherited("as_json", as_json):
        print_json(item.to_dict())
        return
    click.echo(f"{'Reopened' if reopen else 'Answered'}: {item.text}")
