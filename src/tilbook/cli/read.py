"""Commands that read the log: index, inspect, entries, search, related, show, tags, export,
config."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path
from typing import Any

import click

from tilbook.cli.options import (
    filter_options,
    handle_errors,
    iso,
    json_option,
    log_option,
    notes_root,
    opened_log,
    require_notes,
)
from tilbook.cli.output import (
    console,
    longest_word,
    plain,
    plural,
    print_json,
    progress_bar,
    report_store,
    report_warnings,
)


@click.command()
@click.argument(
    "folder", required=False, type=click.Path(file_okay=False, path_type=Path), metavar="[DIR]"
)
@log_option
@click.option("--rebuild", is_flag=True, help="Read every file again, even unchanged ones.")
@click.option("--strict", is_flag=True, help="Exit with an error when any file has a warning.")
@click.option("--quiet", "-q", is_flag=True, help="Print only warnings and errors.")
@json_option
@handle_errors
def index(
    folder: Path | None, log: Path, rebuild: bool, strict: bool, quiet: bool, as_json: bool
) -> None:
    """Index every Markdown file of the log (only what changed since last time).

    DIR defaults to --log. The index is written to DIR/.tilbook/index.db.
    """
    from tilbook.errors import IndexDamagedError
    from tilbook.indexing import sync
    from tilbook.notes.files import log_root
    from tilbook.settings import load_settings
    from tilbook.store import open_store, set_aside_index

    root = log_root(folder) if folder is not None else notes_root(log)
    settings = load_settings(root)
    require_notes(root, settings)
    try:
        store = open_store(root)
    except IndexDamagedError:
        if not rebuild:
            raise
        moved = set_aside_index(root)
        store = open_store(root)
        click.echo(
            f"The index could not be opened; moved it to {moved} and made a new one.", err=True
        )
    try:
        with progress_bar("indexing", minimum=20, enabled=not quiet and not as_json) as progress:
            report = sync(root, store, settings, full=rebuild, progress=progress)
        counts = store.counts()
        warnings = list(report.warnings) + report_store(store)
        if strict:
            # Files unchanged since an earlier run were not read again: their warnings count too.
            seen = {str(warning) for warning in warnings}
            warnings.extend(
                warning
                for info in store.files()
                for warning in info.warnings
                if str(warning) not in seen
            )
    finally:
        store.close()
    report_warnings(warnings)
    if as_json:
        print_json(
            {
                "folder": str(root),
                "files": report.scanned,
                "parsed": report.parsed,
                "unchanged": report.unchanged + report.touched,
                "removed": report.removed,
                "entries": counts["entries"],
                "seconds": round(report.seconds, 3),
                "warnings": [str(w) for w in warnings],
            }
        )
    elif not quiet:
        recovered = " (finished an interrupted run)" if report.recovered else ""
        click.echo(
            f"Indexed {root}: {plural(report.scanned, 'file')} ({report.parsed} read, "
            f"{report.unchanged + report.touched} unchanged, {report.removed} removed), "
            f"{plural(counts['entries'], 'entry', 'entries')} in {report.seconds:.2f} s; "
            f"{plural(len(warnings), 'warning')}{recovered}."
        )
    if strict and warnings:
        raise click.ClickException(
            f"{len(warnings)} warning(s) with --strict: fix the files named above."
        )


@click.command()
@click.argument(
    "file", required=False, type=click.Path(exists=True, dir_okay=False, path_type=Path)
)
@log_option
@click.option(
    "--all", "every_file", is_flag=True, help="List the files whose reading looks doubtful."
)
@json_option
@handle_errors
def inspect(file: Path | None, log: Path, every_file: bool, as_json: bool) -> None:
    """Show how FILE is read: its layout, how sure that is, entries and targets.

    Reads the file directly (no index needed) and changes nothing; the hints of
    tilbook.toml apply when FILE is in the notes folder. It also prints the
    [[files]] hint that would read FILE another way. --all lists every file of
    the log whose reading looks doubtful, the least sure first.
    """
    if every_file:
        if file is not None:
            raise click.UsageError("give FILE or --all, not both")
        _inspect_all(log, as_json)
        return
    if file is None:
        raise click.UsageError("give a FILE to inspect, or --all")
    from tilbook.reading import other_readings, parse_source, read_for_inspection
    from tilbook.settings import load_settings

    root, source = _place(file, log)
    hints = load_settings(root).hints_for(source) if root is not None else None
    text = read_for_inspection(file, source)
    parsed = parse_source(text, hints)
    others = other_readings(text, parsed)
    parsed.warnings.extend(_ambiguous_links(root, log, source))
    if as_json:
        print_json(
            {
                **parsed.file_dict(),
                "layout_reason": parsed.layout_reason,
                "confidence": parsed.confidence,
                "doubts": parsed.doubts,
                "preamble": list(parsed.preamble) if parsed.preamble else None,
                "warnings": [str(w) for w in parsed.warnings],
                "entries": [entry.to_dict() for entry in parsed.entries],
                "other_readings": [
                    {
                        "hint": {"match": source, **other.hint},
                        "layout": other.layout,
                        "reason": other.reason,
                        "entries": other.entries,
                        "dated": other.dated,
                    }
                    for other in others
                ],
            }
        )
        return
    from rich.table import Table

    out = console()
    out.print(
        f"[bold]{plain(parsed.source)}[/]: layout [cyan]{parsed.layout}[/] "
        f"({plain(parsed.layout_reason)})"
    )
    doubts = "".join(f"; {doubt}" for doubt in parsed.doubts)
    out.print(f"sure: {parsed.confidence:.0%}{doubts}", markup=False)
    if parsed.title:
        out.print(f"title: {parsed.title}", markup=False)
    if parsed.preamble:
        out.print(f"preamble: lines {parsed.preamble[0]}-{parsed.preamble[1]} (not an entry)")
    table = Table(show_edge=False, pad_edge=False)
    for column in ("lines", "date", "title", "tags", "found"):
        table.add_column(column, overflow="fold")
    for entry in parsed.entries:
        found = ", ".join(
            plural(len(items), name)
            for name, items in (
                ("link", entry.links),
                ("note link", entry.note_links),
                ("paper", entry.papers),
                ("todo", entry.todos),
                ("question", entry.questions),
                ("term", entry.terms),
            )
            if items
        )
        table.add_row(
            f"{entry.line}-{entry.end_line}",
            entry.date or "",
            plain((f"[{entry.category}] " if entry.category else "") + entry.title),
            " ".join("#" + tag for tag in entry.tags),
            found,
        )
    out.print(table)
    out.print(plural(len(parsed.entries), "entry", "entries"))
    for target in parsed.targets:
        out.print(f"target (line {target.line}): {target.text}", markup=False)
    for warning in parsed.warnings:
        out.print(f"[yellow]warning:[/] {plain(warning)}")
    if others:
        out.print("\nTo read it another way, add to tilbook.toml in the notes folder:")
        for other in others:
            hint = "\n".join(
                f"{key} = {json.dumps(value, ensure_ascii=False)}"
                for key, value in {"match": source, **other.hint}.items()
            )
            entries = plural(other.entries, "entry", "entries")
            said = f"# {other.layout}: {entries}, {other.dated} dated"
            out.print(f"{said}\n[[files]]\n{hint}", markup=False, highlight=False)


def _ambiguous_links(root: Path | None, log: Path, source: str) -> list[Any]:
    """Warnings for the links of `source` whose name fits several notes (known from the
    index of its notes folder, when there is one: resolving a link takes every file)."""
    from tilbook.model import IndexWarning
    from tilbook.notes.files import TILBOOK_DIR

    if root is None or not (root / TILBOOK_DIR / "index.db").is_file():
        return []
    from tilbook.features.links import ambiguous_links, written

    with opened_log(log) as (_, store):
        rows = ambiguous_links(store, source)
    return [
        IndexWarning(
            source,
            f"{written(link)} fits {link.candidates} notes; it leads to {link.source} "
            "(the shortest path). Write more of the path to choose another",
            link.line,
        )
        for _, link in rows
    ]


def _place(file: Path, log: Path) -> tuple[Path | None, str]:
    """The notes folder holding FILE (--log, else the current folder) and FILE's path in it."""
    from tilbook.errors import LogFolderError

    try:
        root = notes_root(log)
    except LogFolderError:  # no usable notes folder: FILE is read on its own
        return None, file.name
    path = file.resolve()
    if path.is_relative_to(root):
        return root, path.relative_to(root).as_posix()
    return None, file.name


DOUBTFUL = 0.6
"""A reading less sure than this is listed by `inspect --all` even without a doubt."""


def _inspect_all(log: Path, as_json: bool) -> None:
    """Every file whose reading looks doubtful, least sure first."""
    with opened_log(log) as (_, store):
        files = store.files()
    doubtful = sorted(
        (info for info in files if info.doubts or info.confidence < DOUBTFUL or info.warnings),
        key=lambda info: info.confidence - 0.1 * len(info.doubts) - 0.05 * len(info.warnings),
    )
    if as_json:
        print_json(
            [
                {
                    "source": info.source,
                    "layout": info.layout,
                    "reason": info.layout_reason,
                    "confidence": info.confidence,
                    "doubts": info.doubts,
                    "warnings": [str(w) for w in info.warnings],
                    "entries": info.entries,
                }
                for info in doubtful
            ]
        )
        return
    if not doubtful:
        click.echo(f"All {plural(len(files), 'file')} read without doubt.")
        return
    from rich.table import Table

    table = Table(show_edge=False, pad_edge=False, expand=True)
    table.add_column("file", overflow="fold", ratio=2)
    table.add_column("layout", overflow="fold", ratio=1)
    table.add_column("sure", justify="right", width=5)
    table.add_column("why", overflow="fold", ratio=3)
    for info in doubtful:
        why = [*info.doubts, *(plural(len(info.warnings), "warning") for _ in [0] if info.warnings)]
        table.add_row(
            plain(info.source), info.layout, f"{info.confidence:.0%}", plain("; ".join(why))
        )
    console().print(table)
    click.echo(
        f"{plural(len(doubtful), 'file')} of {len(files)} to check: "
        "`tilbook inspect FILE` shows the reading and the hint that changes it.",
        err=True,
    )


def _entry_table(rows: list[Any], *, snippets: bool = False) -> None:
    from rich.table import Table
    from rich.text import Text

    out = console()
    table = Table(show_edge=False, pad_edge=False, expand=True, show_lines=snippets)
    table.add_column("id", style="dim", no_wrap=True, width=12)
    table.add_column("date", no_wrap=True, width=10)
    table.add_column("entry", overflow="fold", ratio=4)
    tags = ("#" + tag for row in rows for tag in (row.entry if snippets else row).tags)
    table.add_column("tags", overflow="fold", style="cyan", width=max(longest_word(tags), 4))
    for row in rows:
        summary = row.entry if snippets else row
        cell = Text()
        if summary.category:
            cell.append(f"[{summary.category}] ", style="magenta")
        cell.append(summary.title, style="bold")
        cell.append(f"  {summary.source}:{summary.line}", style="dim")
        if snippets and row.snippet.text:
            cell.append("\n")
            last = 0
            for start, end in row.snippet.highlights:
                cell.append(row.snippet.text[last:start])
                cell.append(row.snippet.text[start:end], style="bold yellow")
                last = end
            cell.append(row.snippet.text[last:])
        table.add_row(
            summary.id, summary.date or "", cell, " ".join("#" + tag for tag in summary.tags)
        )
    out.print(table)


@click.command()
@log_option
@filter_options
@click.option("--file", "source", metavar="PATH", help="Only entries of this file (relative).")
@click.option(
    "--layout",
    type=click.Choice(["dated-headings", "category-dated", "lessons", "sections", "single-note"]),
    help="Only this layout.",
)
@click.option("--category", help="Only entries of this category.")
@click.option("--links-to", metavar="ID", help="Only entries with a link to entry ID.")
@click.option("--linked-from", metavar="ID", help="Only entries that entry ID links to.")
@click.option("--limit", "-n", type=click.IntRange(min=1), help="Show at most this many.")
@json_option
@handle_errors
def entries(
    log: Path,
    tags: tuple[str, ...],
    since: date | None,
    until: date | None,
    source: str | None,
    layout: str | None,
    category: str | None,
    links_to: str | None,
    linked_from: str | None,
    limit: int | None,
    as_json: bool,
) -> None:
    """List entries, newest first (undated ones last)."""
    from tilbook.store.base import EntryFilter

    filters = EntryFilter(
        tags=list(tags),
        since=iso(since),
        until=iso(until),
        source=source,
        layout=layout,
        category=category,
        limit=limit,
    )
    with opened_log(log) as (_, store):
        # An id may be given by its start, as everywhere else.
        filters.links_to = store.entry(links_to).id if links_to else None
        filters.linked_from = store.entry(linked_from).id if linked_from else None
        found = store.entries(filters)
    if as_json:
        print_json([summary.to_dict() for summary in found])
    elif not found:
        click.echo("No entries match.", err=True)
    else:
        _entry_table(found)


@click.command()
@click.argument("query", nargs=-1, required=True)
@log_option
@filter_options
@click.option(
    "--limit",
    "-n",
    default=20,
    show_default=True,
    type=click.IntRange(min=1),
    help="Show at most this many matches.",
)
@click.option(
    "--exact",
    is_flag=True,
    help="Search only the words as typed: no spelling corrections, no abbreviations.",
)
@json_option
@handle_errors
def search(
    query: tuple[str, ...],
    log: Path,
    tags: tuple[str, ...],
    since: date | None,
    until: date | None,
    limit: int,
    exact: bool,
    as_json: bool,
) -> None:
    """Full-text search, best matches first, with highlighted snippets.

    Words are matched literally (any language, Korean and Chinese inside words
    too). "quoted words" match as a phrase, word* as a prefix. Filters can be
    typed in the query: tag:Research since:2024-01 until:2024-06-30.

    A word the notes do not contain is searched as the closest word they do
    (and says so), and an abbreviation finds its long form and back (VAE,
    "variational autoencoder"); entries with the words as typed come first.
    """
    from tilbook.settings import load_settings
    from tilbook.store.base import SearchResult
    from tilbook.store.query import parse_query

    parsed = parse_query(" ".join(query))
    parsed.tags.extend(tags)
    parsed.since = iso(since) or parsed.since
    parsed.until = iso(until) or parsed.until
    with opened_log(log) as (root, store):
        if exact:
            result = SearchResult(store.search(parsed, limit=limit))
        else:
            pairs = load_settings(root)["abbreviations"]
            result = store.search_with_alternatives(parsed, limit=limit, abbreviations=pairs)
    if as_json:
        print_json(
            [
                {
                    **hit.to_dict(),
                    "showing_results_for": result.showing_results_for,
                    "you_typed": result.you_typed,
                }
                for hit in result.hits
            ]
        )
        return
    _search_notice(result, query)
    if not result.hits:
        click.echo("No matches.", err=True)
    else:
        _entry_table(result.hits, snippets=True)


def _search_notice(result: Any, query: tuple[str, ...]) -> None:
    """The "Showing results for …" line and the other names searched, above the results."""
    from rich.markup import escape

    out = console()
    if result.showing_results_for is not None:
        typed = " ".join(query)
        out.print(
            f"Showing results for [i]{escape(result.showing_results_for)}[/i] "
            f"(you typed [i]{escape(result.you_typed or typed)}[/i]). "
            f"Search for exactly that: [b]tilbook search --exact {escape(typed)}[/b]",
            highlight=False,
        )
    also = list(result.also_searched)
    if also:
        names = ", ".join(f"[i]{escape(name)}[/i]" for name in also)
        out.print(
            f"Also searched for {names} (entries with the words as typed first; "
            "--exact to turn this off)",
            highlight=False,
        )


@click.command()
@click.argument("entry_id", metavar="ENTRY_ID")
@log_option
@click.option(
    "--limit",
    "-n",
    default=5,
    show_default=True,
    type=click.IntRange(min=1),
    help="Show at most this many entries.",
)
@json_option
@handle_errors
def related(entry_id: str, log: Path, limit: int, as_json: bool) -> None:
    """Entries most like entry ENTRY_ID ("more like this"), with what they share.

    Ranked by BM25 over the entry's distinctive words (those few other entries
    use) and tags, plus the papers and links both mention. ENTRY_ID may be
    shortened to any unique prefix.
    """
    with opened_log(log) as (_, store):
        found = store.related(entry_id, limit=limit)
    if as_json:
        print_json([item.to_dict() for item in found])
    elif not found:
        click.echo("No related entries.", err=True)
    else:
        from rich.table import Table

        out = console()
        table = Table(show_edge=False, pad_edge=False, expand=True)
        table.add_column("id", style="dim", no_wrap=True, width=12)
        table.add_column("date", no_wrap=True, width=10)
        table.add_column("entry", overflow="fold", ratio=3)
        table.add_column("shared", overflow="fold", style="cyan", ratio=2)
        for item in found:
            summary = item.entry
            table.add_row(
                summary.id,
                summary.date or "",
                f"{plain(summary.title)}  [dim]{plain(summary.source)}:{summary.line}[/dim]",
                plain(", ".join(item.shared[:8])),
            )
        out.print(table)


@click.command()
@click.argument("entry_id", metavar="ENTRY_ID")
@log_option
@click.option("--raw", is_flag=True, help="Print the entry's Markdown as written, nothing else.")
@json_option
@handle_errors
def show(entry_id: str, log: Path, raw: bool, as_json: bool) -> None:
    """Show one entry: what was found in it and its text as written.

    ENTRY_ID may be shortened to any unique prefix.
    """
    from tilbook.reading import entry_markdown

    with opened_log(log) as (root, store):
        entry = store.entry(entry_id)
    markdown = entry_markdown(root, entry)
    if raw:
        click.echo(markdown)
        return
    if as_json:
        print_json({**entry.to_dict(), "markdown": markdown})
        return
    from rich.markdown import Markdown
    from rich.panel import Panel

    out = console()
    meta = [
        f"[bold]{plain(entry.title)}[/]",
        f"[dim]{entry.id} · {plain(entry.source)}:{entry.line}-{entry.end_line} · "
        f"{entry.layout}[/]",
    ]
    said: list[str] = []  # what the notes say, shown as written
    if entry.date:
        said.append(f"date: {entry.date}")
    if entry.first_seen or entry.last_changed:
        # The file's days in git, never the entry's own date.
        said.append(
            " · ".join(
                f"{label}: {day}"
                for label, day in (
                    ("first committed", entry.first_seen),
                    ("last changed", entry.last_changed),
                )
                if day
            )
        )
    if entry.category:
        said.append(f"category: {entry.category}")
    if entry.tags:
        said.append("tags: " + " ".join("#" + tag for tag in entry.tags))
    for paper in entry.papers:
        said.append(f"paper: {paper.id}" + (f" — {paper.title}" if paper.title else ""))
    for item in entry.todos:
        said.append(f"todo: [{'x' if item.done else ' '}] {item.text}")
    for question in entry.questions:
        said.append(f"question: {question.text}")
    for term in entry.terms:
        said.append(f"term: {term.term} — {term.definition}")
    meta.extend(plain(line) for line in said)
    out.print(Panel("\n".join(meta), expand=False), markup=True)
    out.print(Markdown(markdown))


@click.command()
@log_option
@json_option
@handle_errors
def tags(log: Path, as_json: bool) -> None:
    """List tags with how many entries use them, most used first."""
    with opened_log(log) as (_, store):
        found = store.tags()
    if as_json:
        print_json(
            [{"tag": t.tag, "entries": t.entries, "first": t.first, "last": t.last} for t in found]
        )
        return
    if not found:
        click.echo("No tags yet: write #Tag in your notes.", err=True)
        return
    from rich.table import Table

    table = Table(show_edge=False, pad_edge=False)
    for column in ("tag", "entries", "first", "last"):
        table.add_column(column, justify="right" if column == "entries" else "left")
    for tag in found:
        table.add_row("#" + tag.tag, str(tag.entries), tag.first or "", tag.last or "")
    console().print(table)


@click.command()
@log_option
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["json"]),
    default="json",
    show_default=True,
    help="Export format.",
)
@click.option(
    "--output",
    "-o",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Write to this file instead of standard output.",
)
@handle_errors
def export(log: Path, fmt: str, output: Path | None) -> None:
    """Export every file and entry with what was found in them (JSON)."""
    from tilbook.features.export import export_log

    with opened_log(log) as (_, store):
        data = export_log(store)
    text = json.dumps(data, ensure_ascii=False, indent=2)
    if output is None:
        click.echo(text)
    else:
        output.write_text(text + "\n", encoding="utf-8")
        click.echo(
            f"Wrote {plural(len(data['entries']), 'entry', 'entries')} to {output}", err=True
        )


@click.command()
@log_option
@json_option
@handle_errors
def config(log: Path, as_json: bool) -> None:
    """Show every setting, its value and where it comes from (tilbook.toml)."""
    from tilbook.settings import SETTINGS, load_settings

    settings = load_settings(notes_root(log))
    rows = [
        {
            "name": s.name,
            "value": settings[s.name],
            "default": s.default,
            "source": settings.source_of(s.name),
            "help": s.help,
        }
        for s in SETTINGS
    ]
    if as_json:
        print_json(rows)
        return
    for row in rows:
        click.echo(f"{row['name']} = {json.dumps(row['value'])}   ({row['source']})")
        click.echo(f"    {row['help']}")
