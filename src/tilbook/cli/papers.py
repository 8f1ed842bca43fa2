"""`tilbook papers`: the papers a log mentions, their metadata and BibTeX.

Tests hand `papers fetch` a recorded-response transport (and a fake clock and
sleep) through Click's context object: `main(..., obj={"paper_transport": …,
"paper_clock": …, "paper_sleep": …})`. Without them it uses the network.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from tilbook.cli.options import handle_errors, inherited, json_option, log_option, opened_log
from tilbook.cli.output import console, longest_word, plural, print_json, progress_bar

if TYPE_CHECKING:
    from tilbook.features.papers.mentions import PaperItem

ENTRIES_SHOWN = 3
"""Entry ids shown per paper in the table (all of them with --json)."""
VENUE_WIDTH = 40


def _injected(context: click.Context, key: str) -> Any:
    obj = context.find_object(dict)
    return obj.get(key) if obj else None


@click.group(invoke_without_command=True)
@log_option
@click.option(
    "--bibtex", is_flag=True, help="Print every paper as BibTeX (redirect to a .bib file)."
)
@click.option("--limit", "-n", type=click.IntRange(min=1), help="Show at most this many.")
@json_option
@click.pass_context
@handle_errors
def papers(
    context: click.Context, log: Path, bibtex: bool, limit: int | None, as_json: bool
) -> None:
    """List every paper the log mentions, most mentioned first.

    Each paper with its id, title, first and last mention and the entries that
    mention it. Titles, authors and venues come from `tilbook papers fetch`
    (cached in .tilbook/papers.json), else from the link text. An arXiv preprint
    and its published version (the DOI its arXiv record names) are one paper.
    """
    if context.invoked_subcommand is not None:
        if bibtex or limit:
            raise click.UsageError("--bibtex and --limit apply to the list, not to a subcommand")
        return
    if bibtex and as_json:
        raise click.UsageError("choose one of --bibtex and --json")
    from tilbook.features.papers.bibtex import to_bibtex
    from tilbook.features.papers.mentions import list_papers
    from tilbook.features.papers.metadata import MetadataCache

    with opened_log(log) as (root, store):
        cache = MetadataCache.load(root)
        found = list_papers(store, cache)
    _report(cache.warnings)
    if bibtex:
        click.echo(to_bibtex(found[:limit] if limit else found), nl=False)
        return
    shown = found[:limit] if limit else found
    if as_json:
        print_json([item.to_dict() for item in shown])
        return
    if not found:
        click.echo(
            "No papers yet: link arXiv, DOI or OpenReview pages (or other paper sites) "
            "in your notes.",
            err=True,
        )
        return
    _paper_table(shown)
    with_metadata = sum(1 for item in found if item.metadata is not None)
    hint = "" if with_metadata == len(found) else " (`tilbook papers fetch` for more)"
    console().print(
        f"[dim]{plural(len(found), 'paper')}, "
        f"{plural(sum(len(item.mentions) for item in found), 'mention')}; "
        f"metadata for {with_metadata}{hint}[/]"
    )


def _report(warnings: list[str]) -> None:
    if not warnings:
        return
    from rich.markup import escape

    out = console(stderr=True)
    for warning in warnings:
        out.print(f"[yellow]warning:[/] {escape(warning)}", soft_wrap=True, highlight=False)


def _paper_table(items: list[PaperItem]) -> None:
    from rich.table import Table
    from rich.text import Text

    table = Table(show_edge=False, pad_edge=False, expand=True)
    table.add_column("paper", overflow="fold", ratio=4)
    table.add_column("n", justify="right", no_wrap=True)
    table.add_column("first", no_wrap=True, width=10)
    table.add_column("last", no_wrap=True, width=10)
    ids = (mention.entry.id for item in items for mention in item.mentions)
    table.add_column("entries", overflow="fold", style="dim", width=max(longest_word(ids), 7))
    for item in items:
        cell = Text()
        cell.append(item.title or "(no title)", style="bold" if item.title else "dim")
        cell.append("\n" + item.id, style="cyan")
        if item.metadata is not None:
            byline = _byline(item)
            if byline:
                cell.append(f"  {byline}", style="dim")
        entries = [mention.entry.id for mention in item.mentions]
        more = len(entries) - ENTRIES_SHOWN
        entry_text = " ".join(entries[:ENTRIES_SHOWN]) + (f" +{more}" if more > 0 else "")
        table.add_row(cell, str(len(item.mentions)), item.first or "", item.last or "", entry_text)
    console().print(table)


def _byline(item: PaperItem) -> str:
    metadata = item.metadata
    if metadata is None:
        return ""
    authors = ""
    if metadata.authors:
        authors = metadata.authors[0].family + (" et al." if len(metadata.authors) > 2 else "")
        if len(metadata.authors) == 2:
            authors += " & " + metadata.authors[1].family
    venue = metadata.venue if metadata.source != "arxiv" else None
    if venue and len(venue) > VENUE_WIDTH:
        venue = venue[: VENUE_WIDTH - 1].rstrip() + "…"
    parts = [part for part in (authors, venue, str(metadata.year or "")) if part]
    return ", ".join(parts)


@papers.command("show")
@click.argument("paper_id", metavar="ID")
@log_option
@json_option
@click.pass_context
@handle_errors
def show_paper(context: click.Context, paper_id: str, log: Path, as_json: bool) -> None:
    """Show one paper: its metadata and every entry that mentions it.

    ID is a paper id (arxiv:2006.11239), the id without its kind (2006.11239),
    a unique prefix of either, a citation key or a link to the paper.
    """
    from tilbook.features.papers.mentions import find_paper, list_papers
    from tilbook.features.papers.metadata import MetadataCache

    as_json = inherited("as_json", as_json)
    with opened_log(log) as (root, store):
        cache = MetadataCache.load(root)
        item = find_paper(list_papers(store, cache), paper_id)
    _report(cache.warnings)
    if as_json:
        print_json(item.to_dict(with_abstract=True))
        return
    out = console()
    metadata = item.metadata
    out.print(item.title or "(no title)", markup=False, style="bold")
    lines = [f"id: {item.id}" + (f" (also {', '.join(item.aliases)})" if item.aliases else "")]
    if metadata is not None:
        if metadata.authors:
            lines.append("authors: " + ", ".join(str(name) for name in metadata.authors))
        if metadata.year:
            lines.append(f"year: {metadata.year}")
        if metadata.venue:
            lines.append(f"venue: {metadata.venue}")
        if metadata.doi:
            lines.append(f"doi: {metadata.doi}")
        if metadata.arxiv_id:
            lines.append(f"arXiv: {metadata.arxiv_id}")
    lines.append(f"url: {item.url}")
    lines.append(f"citation key: {item.citation_key}")
    if metadata is None:
        lines.append("metadata: not fetched (`tilbook papers fetch`)")
    else:
        lines.append(f"metadata: from {metadata.source}, fetched {item.fetched_at}")
    for line in lines:
        out.print(line, markup=False)
    if metadata is not None and metadata.abstract:
        out.print("")
        out.print(metadata.abstract, markup=False)
    out.print("")
    out.print(
        f"[bold]{len(item.mentions)} mention{'s' if len(item.mentions) != 1 else ''}[/]",
        markup=True,
    )
    for mention in item.mentions:
        out.print(
            f"  {mention.entry.date or '(undated)':<10}  {mention.entry.id}  "
            f"{mention.entry.source}:{mention.line}  {' '.join(mention.entry.title.split())}",
            markup=False,
        )


@papers.command("fetch")
@log_option
@click.option("--offline", is_flag=True, help="Use only what is cached; never use the network.")
@click.option("--refresh", is_flag=True, help="Ask again for papers already cached.")
@json_option
@click.pass_context
@handle_errors
def fetch(context: click.Context, log: Path, offline: bool, refresh: bool, as_json: bool) -> None:
    """Fetch titles, authors, year, venue, abstract and DOI of the papers.

    Asks the arXiv API for arXiv papers (ids in batches, one request every 3 s)
    and doi.org for DOIs (one request a second), and keeps the answers in
    .tilbook/papers.json: only papers not cached yet are asked for. Network
    failures are warnings; run it again later for the rest.
    """
    if offline and refresh:
        raise click.UsageError("--offline and --refresh cannot be combined")
    import time

    from tilbook.features.papers.mentions import mentioned_ids
    from tilbook.features.papers.metadata import MetadataCache, fetch_metadata

    as_json = inherited("as_json", as_json)
    with opened_log(log) as (root, store):
        paper_ids = mentioned_ids(store)
    cache = MetadataCache.load(root)
    _report(cache.warnings)
    with progress_bar("fetching", enabled=not as_json and not offline) as progress:
        report = fetch_metadata(
            paper_ids,
            cache,
            transport=_injected(context, "paper_transport"),
            offline=offline,
            refresh=refresh,
            progress=progress,
            clock=_injected(context, "paper_clock") or time.monotonic,
            sleep=_injected(context, "paper_sleep") or time.sleep,
        )
    _report(report.warnings)
    if as_json:
        print_json({"cache": str(cache.path), **report.to_dict()})
        return
    if offline:
        click.echo(
            f"{report.cached} of {plural(report.papers, 'paper')} have cached metadata"
            + (
                f"; {len(report.missing)} not fetched yet (run without --offline)."
                if report.missing
                else "."
            )
        )
    else:
        parts = [f"fetched {len(report.fetched)}", f"{report.cached} already cached"]
        if report.not_found:
            parts.append(f"{len(report.not_found)} not found")
        if report.failed:
            parts.append(f"{len(report.failed)} failed (run again later)")
        click.echo(
            f"{plural(report.papers, 'paper')} with arXiv or DOI ids: {', '.join(parts)}; "
            f"{plural(report.requests, 'request')}."
        )
    if report.unsupported:
        kinds = sorted({paper_id.partition(":")[0] for paper_id in report.unsupported})
        one = len(report.unsupported) == 1
        click.echo(
            f"{len(report.unsupported)} other paper{'' if one else 's'} ({', '.join(kinds)}) "
            f"{'has' if one else 'have'} no metadata source; "
            f"{'its title comes' if one else 'their titles come'} from the link text."
        )
