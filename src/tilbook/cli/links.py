"""`tilbook links`: links between notes, both ways."""

from __future__ import annotations

from pathlib import Path

import click

from tilbook.cli.options import handle_errors, json_option, log_option, opened_log
from tilbook.cli.output import console, plural, print_json


@click.command()
@click.argument("entry_id", metavar="[ENTRY_ID]", required=False)
@log_option
@click.option(
    "--unresolved", is_flag=True, help="List every link of the log that leads to no note."
)
@json_option
@handle_errors
def links(entry_id: str | None, log: Path, unresolved: bool, as_json: bool) -> None:
    """Show what entry ENTRY_ID links to, what links to it, and its links to no note.

    Links are wiki links ([[Note]], [[Note|alias]], [[Note#Heading]], [[Note#^block]])
    and Markdown links to note files ([text](other.md)), resolved as Obsidian does:
    a note's name anywhere in the folder (the shortest path wins), or an alias from
    its front matter; case aside. --unresolved lists the whole log's dead links.
    """
    from tilbook.features.links import entry_links, link_dict, unresolved_links, written

    if (entry_id is None) == (not unresolved):
        raise click.UsageError("give an ENTRY_ID or --unresolved")
    with opened_log(log) as (_, store):
        if unresolved:
            rows = unresolved_links(store)
            if as_json:
                print_json([{**link_dict(link), "from": s.to_dict()} for s, link in rows])
            elif not rows:
                click.echo("Every link leads to a note.", err=True)
            else:
                for summary, link in rows:
                    click.echo(f"{summary.source}:{link.line}  {written(link)}  ({summary.id})")
                click.echo(f"Leading to no note: {plural(len(rows), 'link')}.", err=True)
            return
        assert entry_id is not None
        found = entry_links(store, entry_id)
    if as_json:
        print_json(found.to_dict())
        return
    from rich.markup import escape

    out = console()
    entry = found.entry
    out.print(
        f"[bold]{escape(entry.title)}[/]  [dim]{escape(entry.source)}:{entry.line} · {entry.id}[/]"
    )
    out.print(f"\n[bold]Links to[/] ({len(found.outgoing)})")
    for link, target in found.outgoing:
        where = (
            f"{escape(target.title)}  [dim]{escape(target.source)}:{target.line} · {target.id}[/]"
            if target is not None
            else f"{escape(link.source or '')} [dim](no entries)[/]"
        )
        out.print(f"  line {link.line}: {escape(written(link))} → {where}", highlight=False)
    out.print(f"\n[bold]Linked from[/] ({len(found.incoming)})")
    for summary, link in found.incoming:
        out.print(
            f"  {escape(summary.title)}  "
            f"[dim]{escape(summary.source)}:{link.line} · {summary.id}[/]",
            highlight=False,
        )
    if found.unresolved:
        out.print(f"\n[bold]Leading to no note[/] ({len(found.unresolved)})")
        for link in found.unresolved:
            out.print(f"  line {link.line}: {written(link)}", highlight=False, markup=False)
