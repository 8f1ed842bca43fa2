"""`tilbook state`: the files that keep what you did in tilbook (answers, reviews)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click

from tilbook.cli.options import handle_errors, inherited, json_option, log_option, notes_root
from tilbook.cli.output import plural, print_json, report_warnings


@click.group(invoke_without_command=True)
@log_option
@json_option
@click.pass_context
@handle_errors
def state(ctx: click.Context, log: Path, as_json: bool) -> None:
    """Show the state files: your answers and reviews, kept beside your notes.

    They live in .tilbook-state/ and are meant to be committed with your notes;
    the index in .tilbook/ is a cache made again from the notes and these files.
    """
    if ctx.invoked_subcommand is not None:
        return
    from tilbook.store.state import StateFolder

    folder = StateFolder.of(notes_root(log))
    with folder.reading():
        files = folder.read_files()
    rows: list[dict[str, Any]] = [
        {
            "file": str(folder.path(name)),
            "exists": folder.path(name).exists(),
            "records": len(file.records),
            "tidy": file.tidy,
            "conflicted": file.conflicted,
            "duplicates": file.duplicates,
            "unreadable_lines": [number for number, _ in file.rejected],
        }
        for name, file in files.items()
    ]
    if as_json:
        print_json({"folder": str(folder.folder), "files": rows})
        return
    click.echo(f"State files in {folder.folder} (commit them with your notes):")
    for row in rows:
        if not row["exists"]:
            click.echo(f"  {Path(row['file']).name}: none yet")
            continue
        problems = []
        if row["conflicted"]:
            problems.append("git conflict markers")
        if row["duplicates"]:
            problems.append(plural(row["duplicates"], "duplicate record"))
        if row["unreadable_lines"]:
            problems.append(plural(len(row["unreadable_lines"]), "unreadable line"))
        note = f" — {', '.join(problems)}: run `tilbook state merge`" if problems else ""
        click.echo(f"  {Path(row['file']).name}: {plural(row['records'], 'record')}{note}")


@state.command("merge")
@log_option
@json_option
@click.pass_context
@handle_errors
def merge_command(ctx: click.Context, log: Path, as_json: bool) -> None:
    """Tidy the state files after a git merge: both sides kept, each record once.

    Git merges these files by keeping the lines of both sides (the folder's
    .gitattributes asks for that). Where a merge left conflict markers anyway,
    tilbook already reads both sides; this command removes the markers, drops
    records that appear twice and puts the records in time order. A line that
    is not a record is moved to a file of its own beside them, never deleted.
    """
    log = inherited("log", log)
    as_json = inherited("as_json", as_json)
    from tilbook.store import open_store
    from tilbook.store.state import StateFolder

    root = notes_root(log)
    report = StateFolder.of(root).merge()
    store = open_store(root)
    try:
        store.refresh_state()
        warnings = list(store.state_warnings)
    finally:
        store.close()
    if as_json:
        print_json({"files": report.files, "set_aside": [str(path) for path in report.set_aside]})
        return
    if not report.files:
        click.echo("No state files yet: nothing to merge.")
    for name, counts in report.files.items():
        changes = []
        if counts["conflicts"]:
            changes.append("conflict markers removed")
        if counts["duplicates"]:
            changes.append(f"{plural(counts['duplicates'], 'duplicate')} dropped")
        if counts["set_aside"]:
            changes.append(f"{plural(counts['set_aside'], 'unreadable line')} set aside")
        done = "; ".join(changes) if changes else "already tidy"
        click.echo(f"{name}: {plural(counts['records'], 'record')} ({done})")
    for path in report.set_aside:
        click.echo(f"Lines that were not records are in {path}", err=True)
    report_warnings(warnings)
