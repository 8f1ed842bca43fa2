"""Commands that look back over the log: targets and stats."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING

import click

from tilbook.cli.options import DAY, handle_errors, json_option, log_option, opened_log
from tilbook.cli.output import console, plain, plural, print_json

if TYPE_CHECKING:
    from tilbook.features.stats import LogStats
    from tilbook.features.targets import TargetsReport

WEEKS_SHOWN = 12
_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
MONTHS_SHOWN = 12
BAR_WIDTH = 24


@click.command()
@log_option
@click.option(
    "--months",
    "months",
    type=click.IntRange(min=1),
    default=6,
    show_default=True,
    metavar="N",
    help="Count related entries in the last N months that have entries.",
)
@json_option
@handle_errors
def targets(log: Path, months: int, as_json: bool) -> None:
    """Learning targets with how many entries relate to them each month.

    Targets are the items under "Learning targets", "Goals", "What I'm learning
    currently" … in the notes, and the `targets` setting of tilbook.toml. An
    entry relates to a target with #tags when it has one of them, and to a
    target without tags when it contains one of its key words (shown under it).
    """
    from tilbook.features.targets import learning_targets
    from tilbook.settings import load_settings

    with opened_log(log) as (root, store):
        report = learning_targets(store, load_settings(root)["targets"], months=months)
    if as_json:
        print_json(report.to_dict())
        return
    if not report.targets:
        click.echo(
            "No learning targets yet: list them under a 'Learning targets' heading in your "
            'notes, or add targets = ["#Tag: what to learn"] to tilbook.toml.',
            err=True,
        )
        return
    _print_targets(report)


def _print_targets(report: TargetsReport) -> None:
    from rich.table import Table

    table = Table(show_edge=False, pad_edge=False, expand=True)
    table.add_column("\ntarget", ratio=1, min_width=20, overflow="fold")
    year = ""
    for month in report.months:
        # The year above its first month only, to keep the columns narrow.
        header = f"{month[:4] if month[:4] != year else ''}\n{_MONTHS[int(month[5:7]) - 1]}"
        year = month[:4]
        table.add_column(header, justify="right", no_wrap=True)
    table.add_column("\nall", justify="right", no_wrap=True)
    table.add_column("\nlast", no_wrap=True, min_width=10)
    for target in report.targets:
        where = target.source + (f":{target.line}" if target.line else "")
        cells = [
            str(target.per_month[month]) if target.per_month[month] else "[dim]·[/]"
            for month in report.months
        ]
        table.add_row(
            f"{plain(target.text)}\n[dim]{plain(where)} · {plain(target.matched_by)}[/]",
            *cells,
            str(target.entries),
            target.last or ("[dim]undated[/]" if target.entries else "[dim]never[/]"),
        )
    console().print(table)


@click.command()
@log_option
@click.option(
    "--plot",
    "plot",
    type=click.Path(dir_okay=False, writable=True, path_type=Path),
    metavar="FILE",
    help=(
        "Also draw calendar heatmaps, entries per month and top tags to FILE "
        "(.svg; .png and .pdf need matplotlib)."
    ),
)
@click.option(
    "--today",
    "today",
    type=DAY,
    metavar="DATE",
    help="Count the current streak up to DATE (default: today's local date).",
)
@json_option
@handle_errors
def stats(log: Path, plot: Path | None, today: date | None, as_json: bool) -> None:
    """Entries per week and month, streaks, top tags, papers and TODOs over time.

    A streak is a run of days with at least one entry; the current one counts
    while there is an entry today or yesterday. Only dated entries count over
    time; TODOs and papers are counted in the month of their entry.
    """
    from tilbook.features.stats import log_stats
    from tilbook.render.charts import draw_stats, plot_format

    if plot is not None:
        plot_format(plot)  # a wrong file type fails before any work
    with opened_log(log) as (root, store):
        found = log_stats(store, today=today)
    notes: list[str] = []
    if plot is not None:
        notes = draw_stats(found, plot, title=f"tilbook stats: {root.name or root}")
    if as_json:
        print_json(found.to_dict())
    else:
        _print_stats(found)
    for note in notes:
        click.echo(f"warning: {note}", err=True)
    if plot is not None and not as_json:
        click.echo(f"Drew {plot}", err=True)


def _span(start: date | None, end: date | None) -> str:
    if start is None or end is None:
        return ""
    return f" ({start.isoformat()} … {end.isoformat()})" if start != end else f" ({start})"


def _days(count: int) -> str:
    return f"{count} day" if count == 1 else f"{count} days"


def _bar(count: int, most: int) -> str:
    if count <= 0 or most <= 0:
        return ""
    return "█" * max(1, round(count * BAR_WIDTH / most))


def _print_stats(found: LogStats) -> None:
    from rich.table import Table

    from tilbook.features.stats import week_key

    out = console()
    if found.entries == 0:
        out.print("No entries yet: run `tilbook index` on your notes folder.")
        return
    undated = f", {found.undated} undated" if found.undated else ""
    out.print(
        f"[bold]entries[/]   {found.dated} dated on {_days(len(found.per_day))}"
        f"{_span(found.first_day, found.last_day)}{undated}"
    )
    current = found.current
    out.print(
        f"[bold]streak[/]    current {_days(current.days)}{_span(current.start, current.end)}"
        f" · longest {_days(found.longest.days)}{_span(found.longest.start, found.longest.end)}"
    )
    out.print(f"[bold]papers[/]    {plural(found.paper_mentions, 'mention')}")
    out.print(f"[bold]TODOs[/]     {found.todos_open} open · {found.todos_done} done")
    if found.top_tags:
        tags = " · ".join(f"#{plain(tag)} {count}" for tag, count in found.top_tags)
        out.print(f"[bold]top tags[/]  {tags}", soft_wrap=True)

    papers = {row.month: row for row in found.papers}
    todos = {row.month: row for row in found.todos}
    months = found.per_month[-MONTHS_SHOWN:]
    if months:
        most = max(count for _, count in months)
        table = Table(show_edge=False, pad_edge=False, title_justify="left")
        shown = len(months) < len(found.per_month)
        table.title = f"per month{f' (last {len(months)}; --json for all)' if shown else ''}"
        for column in ("month", "entries", "", "papers", "TODOs open", "done"):
            table.add_column(column, justify="left" if column in ("month", "") else "right")
        for month, count in months:
            paper = papers.get(month)
            todo = todos.get(month)
            table.add_row(
                month,
                str(count),
                f"[green]{_bar(count, most)}[/]",
                str(paper.first) if paper else "",
                str(todo.first) if todo else "",
                str(todo.second) if todo else "",
            )
        if found.undated or None in papers or None in todos:
            paper, todo = papers.get(None), todos.get(None)
            table.add_row(
                "[dim]undated[/]",
                str(found.undated),
                "",
                str(paper.first) if paper else "",
                str(todo.first) if todo else "",
                str(todo.second) if todo else "",
            )
        out.print()
        out.print(table)
    weeks = found.per_week[-WEEKS_SHOWN:]
    if weeks:
        most = max(count for _, count in weeks)
        table = Table(show_edge=False, pad_edge=False, title_justify="left")
        table.title = f"per week (last {len(weeks)} to the latest entry)"
        for column in ("week", "from", "entries", ""):
            table.add_column(column, justify="right" if column == "entries" else "left")
        for monday, count in weeks:
            table.add_row(
                week_key(monday), monday.isoformat(), str(count), f"[green]{_bar(count, most)}[/]"
            )
        out.print()
        out.print(table)
