"""`tilbook review`: flashcards from the log, scheduled with FSRS.

A thin shell over `tilbook.features.cards.deck` (making cards) and `tilbook.features.cards.review`
(scheduling, stats, export). Everything heavy is imported inside the commands
so that `tilbook --help` stays fast.
"""

from __future__ import annotations

import json
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

import click

from tilbook.cli.options import handle_errors, json_option, log_option, opened_log
from tilbook.cli.output import console, plain, plural, print_json

if TYPE_CHECKING:
    from rich.console import Console

    from tilbook.features.cards.deck import CardSyncReport
    from tilbook.features.cards.review import ReviewSession
    from tilbook.settings import Settings
    from tilbook.store.base import Store
    from tilbook.store.reviews import ReviewStore

QUIT_KEYS = {"q", "Q", "\x1b", "\x03", "\x04", ""}
REVEAL_KEYS = {" ", "\r", "\n"}
SKIP_KEYS = {"s", "S"}
KEYS_HELP = "space/enter: show answer · 1 Again · 2 Hard · 3 Good · 4 Easy · s skip · q quit"


# -- shared -----------------------------------------------------------------------------------


@contextmanager
def _opened_cards(log: Path) -> Iterator[tuple[Path, Store, ReviewStore, Settings]]:
    """The log's index, up to date, with its cards brought in line with the notes."""
    from tilbook.features.cards.deck import sync_cards
    from tilbook.settings import load_settings
    from tilbook.store import review_store

    with opened_log(log) as (root, store):
        settings = load_settings(root)
        reviews = review_store(store)
        _report_sync(sync_cards(root, store, reviews, settings))
        yield root, store, reviews, settings


def _report_sync(report: CardSyncReport) -> None:
    notes = []
    if report.suspended:
        notes.append(
            f"{report.suspended} suspended (no longer in your notes, or switched off; "
            "their history is kept)"
        )
    if report.revived:
        notes.append(f"{report.revived} back, with their history")
    if notes:
        click.echo("Cards: " + "; ".join(notes) + ".", err=True)


def _local(text: str | None) -> str:
    from tilbook.features.cards.review import from_iso

    return from_iso(text).astimezone().strftime("%Y-%m-%d %H:%M") if text else ""


def _when(due: str | None, now: datetime) -> str:
    from tilbook.features.cards.review import from_iso, span_text

    if not due:
        return "now"
    return f"{_local(due)} (in {span_text(from_iso(due) - now)})"


def _next_due_text(reviews: ReviewStore, tags: tuple[str, ...]) -> str:
    from tilbook.features.cards.review import next_due, utc_now

    upcoming = next_due(reviews, tags=tags)
    if upcoming is None:
        return ""
    moment, count = upcoming
    cards = f"{count} card{'s' if count != 1 else ''}"
    return f" Next: {cards} due {_when(moment.isoformat(), utc_now())}."


def _no_cards_hint() -> str:
    return (
        "No flashcards yet. tilbook makes them from glossary terms (items under a Terms or "
        "Glossary heading), answered questions, `Q: … / A: …` pairs and `front :: back` lines "
        "in your notes."
    )


# -- the session ------------------------------------------------------------------------------


@click.group(invoke_without_command=True, context_settings={"help_option_names": ["-h", "--help"]})
@log_option
@click.option("--limit", "-n", type=click.IntRange(min=1), help="Review at most this many cards.")
@click.option(
    "--tag", "tags", multiple=True, metavar="TAG", help="Only cards from entries with TAG."
)
@click.option(
    "--new",
    "new",
    type=click.IntRange(min=0),
    metavar="N",
    help="New cards to show today (default: review_new_per_day in tilbook.toml, 20).",
)
@click.pass_context
@handle_errors
def review(
    ctx: click.Context, log: Path, limit: int | None, tags: tuple[str, ...], new: int | None
) -> None:
    """Review flashcards made from your notes, scheduled with FSRS.

    Without a subcommand, runs a review session: each due card's front is
    shown; press space or enter to see the back, then rate how well you
    remembered it: 1 Again, 2 Hard, 3 Good, 4 Easy (s skips, q quits).
    Without a terminal, keys are read from standard input
    (`printf ' 3 4' | tilbook review`). Cards come from glossary terms,
    answered questions, `Q: … / A: …` pairs and `front :: back` lines; the
    notes are never changed.
    """
    if ctx.invoked_subcommand is not None:
        return
    from tilbook.features.cards.review import start_session

    with _opened_cards(log) as (_, _store, reviews, settings):
        session = start_session(reviews, settings, tags=tags, new_per_day=new, limit=limit)
        out = console()
        if not session.queue:
            _nothing_due(out, reviews, settings, tags)
            return
        _run_session(out, session, reviews, settings)


def _nothing_due(
    out: Console, reviews: ReviewStore, settings: Settings, tags: tuple[str, ...]
) -> None:
    from tilbook.features.cards.review import has_tags

    cards = [c for c in reviews.cards(include_suspended=False) if has_tags(c, tags)]
    if not cards:
        out.print(
            _no_cards_hint() if not tags else "No cards from entries with those tags.",
            soft_wrap=True,
        )
        return
    message = "Nothing to review now." + _next_due_text(reviews, tags)
    waiting = sum(1 for card in cards if card.is_new)
    if waiting:
        message += (
            f" {waiting} new card{'s' if waiting != 1 else ''} wait for another day "
            "(`tilbook review --new N` shows more today)."
        )
    out.print(message, soft_wrap=True)


def _read_key() -> str:
    """One key press; from standard input when it is not a terminal (keys piped in by a
    script: `printf ' 3 4' | tilbook review`), where its end means quit."""
    if not sys.stdin.isatty():
        return sys.stdin.read(1) or "q"
    try:
        return click.getchar()
    except (KeyboardInterrupt, EOFError):
        return "q"


def _run_session(
    out: Console, session: ReviewSession, reviews: ReviewStore, settings: Settings
) -> None:
    from rich.rule import Rule

    from tilbook.features.cards.review import (
        RATINGS,
        STATES,
        make_scheduler,
        preview,
        span_text,
        utc_now,
    )
    from tilbook.render.terminal import card_renderable

    unfuzzed = make_scheduler(reviews, settings, fuzz=False)
    new = sum(1 for card in session.queue if card.is_new)
    out.print(
        f"[bold]{session.total} card{'s' if session.total != 1 else ''} to review[/] "
        f"({session.total - new} due, {new} new).  [dim]{KEYS_HELP}[/]",
        soft_wrap=True,
    )
    quit_early = False
    shown = 0
    while not quit_early:
        card = session.next_card()
        if card is None:
            break
        shown += 1
        where = f"{card.source}:{card.line}"
        tags = " ".join("#" + tag for tag in card.tags)
        title = f"{STATES[card.schedule.state]} · {card.kind} · {where}" + (
            f" · {tags}" if tags else ""
        )
        out.print()
        out.print(Rule(plain(title), style="dim", align="left"))
        out.print(card_renderable(card.front))
        out.print("[dim]… space: show answer[/]")
        started = time.monotonic()
        key = _read_key()
        while key not in REVEAL_KEYS | QUIT_KEYS | SKIP_KEYS:
            key = _read_key()
        if key in QUIT_KEYS:
            quit_early = True
            break
        if key in SKIP_KEYS:
            session.skip(card)
            out.print("[dim]skipped[/]")
            continue
        out.print(Rule(style="dim"))
        out.print(card_renderable(card.back))
        if card.back_changed:
            out.print(
                "[yellow]changed:[/] the back was edited in your notes since you last saw it",
                soft_wrap=True,
            )
        now = utc_now()
        spans = preview(unfuzzed, card, now)
        out.print(
            "  ".join(f"[bold]{n}[/] {RATINGS[n]} [dim]{span_text(spans[n])}[/]" for n in RATINGS)
        )
        key = _read_key()
        while key not in {"1", "2", "3", "4"} | QUIT_KEYS | SKIP_KEYS:
            key = _read_key()
        if key in QUIT_KEYS:
            quit_early = True
            break
        if key in SKIP_KEYS:
            session.skip(card)
            out.print("[dim]skipped[/]")
            continue
        rating = int(key)
        elapsed = int((time.monotonic() - started) * 1000)
        updated = session.answer(card, rating, now=utc_now(), duration_ms=elapsed)
        again = " (again in this session)" if updated.key not in session.done else ""
        out.print(
            f"→ {RATINGS[rating]}: next {_when(updated.schedule.due, now)}{again}", soft_wrap=True
        )
    _session_summary(out, session, reviews, quit_early)


def _session_summary(
    out: Console, session: ReviewSession, reviews: ReviewStore, quit_early: bool
) -> None:
    from tilbook.features.cards.review import RATINGS

    out.print()
    counts = " · ".join(f"{RATINGS[n]} {session.ratings.get(n, 0)}" for n in RATINGS)
    reviewed = session.reviewed
    left = len({card.key for card in session.queue})
    line = f"Reviewed {reviewed} time{'s' if reviewed != 1 else ''} ({counts})."
    if quit_early or left:
        line += f" Stopped with {left + (1 if quit_early else 0)} card(s) left for later."
    out.print(line, soft_wrap=True)
    if upcoming := _next_due_text(reviews, ()):
        out.print(upcoming.strip(), soft_wrap=True)


# -- subcommands ------------------------------------------------------------------------------


@review.command("cards")
@log_option
@click.option("--tag", "tags", multiple=True, metavar="TAG", help="Only cards with TAG.")
@click.option("--all", "show_all", is_flag=True, help="Include suspended cards.")
@json_option
@click.pass_context
@handle_errors
def cards_command(
    ctx: click.Context, log: Path, tags: tuple[str, ...], show_all: bool, as_json: bool
) -> None:
    """List the flashcards made from your notes, with their state and next review."""
    from tilbook.features.cards.review import STATES, has_tags
    from tilbook.render.terminal import card_plain

    with _opened_cards(log) as (_, _store, reviews, _settings):
        found = [c for c in reviews.cards(include_suspended=show_all) if has_tags(c, tags)]
    if as_json:
        print_json([card.to_dict() for card in found])
        return
    if not found:
        click.echo(_no_cards_hint(), err=True)
        return
    from rich.table import Table

    table = Table(show_edge=False, pad_edge=False, expand=True)
    table.add_column("card", style="dim", no_wrap=True, width=8)
    table.add_column("state", no_wrap=True)
    table.add_column("due", no_wrap=True)
    table.add_column("kind", no_wrap=True)
    table.add_column("front", overflow="fold", ratio=3)
    table.add_column("from", no_wrap=True, style="dim")
    for card in found:
        state = "suspended" if card.suspended_at else STATES[card.schedule.state]
        table.add_row(
            card.key[:8],
            state,
            _local(card.schedule.due) if card.schedule.state is not None else "",
            card.kind,
            plain(card_plain(card.front)),
            plain(f"{card.source}:{card.line}"),
        )
    console().print(table)


@review.command("stats")
@log_option
@click.option(
    "--plot",
    type=click.Path(dir_okay=False, path_type=Path),
    metavar="FILE",
    help=(
        "Also draw the forecast and a review heatmap to FILE (.svg; .png and .pdf need matplotlib)."
    ),
)
@json_option
@click.pass_context
@handle_errors
def stats_command(ctx: click.Context, log: Path, plot: Path | None, as_json: bool) -> None:
    """Cards by state, what falls due soon, reviews per day and your true retention."""
    from tilbook.features.cards.review import review_stats
    from tilbook.render.charts import draw_review_stats, plot_format

    if plot is not None:
        plot_format(plot)  # a wrong file type fails before any work
    with _opened_cards(log) as (_, _store, reviews, settings):
        stats = review_stats(reviews, settings)
    if plot is not None:
        draw_review_stats(stats, plot)
    if as_json:
        print_json(stats.to_dict())
    else:
        data = stats.to_dict()
        cards = stats.cards
        click.echo(
            f"Cards: {cards['total']} (new {cards['new']} · learning {cards['learning']} · "
            f"review {cards['review']} · relearning {cards['relearning']} · "
            f"suspended {cards['suspended']})"
        )
        click.echo(
            f"Due: today {stats.due_today} · next 7 days {stats.due_week} · "
            f"next 30 days {stats.due_month}"
        )
        click.echo(
            f"New today: {stats.new_today} (of {stats.new_waiting} waiting; "
            f"{stats.new_per_day} a day, `review_new_per_day`)"
        )
        click.echo(f"Forecast, 30 days:    {_sparkline([c for _, c in stats.forecast])}")
        per_day = [row["reviews"] for row in data["reviews_per_day"]]
        click.echo(
            f"Reviews, last 30 days: {_sparkline(per_day)}  "
            f"({sum(per_day)}; {stats.total_reviews} in all)"
        )
        if stats.retention is None:
            retention = "no reviews of learned cards in the last 30 days"
        else:
            retention = f"{stats.retention:.0%} of {plural(stats.retention_reviews, 'review')}"
        click.echo(f"True retention, 30 days: {retention} (desired {stats.desired_retention:.0%})")
        click.echo(f"Parameters: {stats.parameters}")
    if plot is not None:
        click.echo(f"Wrote {plot}", err=True)


def _sparkline(values: list[int]) -> str:
    bars = " ▁▂▃▄▅▆▇█"
    top = max(values, default=0)
    if top == 0:
        return "·" * len(values)
    return "".join(bars[0 if v == 0 else max(1, round(v / top * 8))] for v in values)


@review.command("optimize")
@log_option
@click.option(
    "--reset", is_flag=True, help="Forget fitted parameters and go back to the FSRS defaults."
)
@json_option
@click.pass_context
@handle_errors
def optimize_command(ctx: click.Context, log: Path, reset: bool, as_json: bool) -> None:
    """Fit FSRS parameters to your own review history, then reschedule every card.

    Needs the optional optimizer (pip install 'fsrs[optimizer]', which brings
    PyTorch) and at least 512 reviews made a day or more apart.
    """
    from tilbook.features.cards.review import (
        check_optimizable,
        is_default,
        optimize,
        reset_parameters,
    )

    with _opened_cards(log) as (_, _store, reviews, settings):
        if reset:
            count = reset_parameters(reviews, settings)
            if as_json:
                print_json({"reset": True, "rescheduled": count})
                return
            click.echo(
                f"Back to the FSRS-6 default parameters; rescheduled {plural(count, 'card')}."
            )
            return
        check_optimizable(reviews)
        click.echo("Fitting FSRS parameters to your reviews…", err=True)
        result = optimize(reviews, settings)
    if as_json:
        print_json(
            {
                "reset": False,
                "parameters": result.parameters,
                "previous": result.previous,
                "reviews": result.reviews,
                "rescheduled": result.rescheduled,
                "kept_defaults": is_default(result.parameters),
            }
        )
        return
    click.echo(
        f"Fitted FSRS parameters to {result.reviews} reviews; rescheduled {result.rescheduled} "
        "cards."
    )
    click.echo("parameters: " + ", ".join(f"{value:.4f}" for value in result.parameters))
    if is_default(result.parameters):
        click.echo(
            "The fit kept the defaults: your reviews do not yet say more than FSRS-6 already "
            "assumes (cards with long histories help most)."
        )


@review.command("anki")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path), metavar="FILE.apkg")
@log_option
@click.option("--deck", default="tilbook", show_default=True, help="Name of the Anki deck.")
@click.option("--tag", "tags", multiple=True, metavar="TAG", help="Only cards with TAG.")
@json_option
@click.pass_context
@handle_errors
def anki_command(
    ctx: click.Context, file: Path, log: Path, deck: str, tags: tuple[str, ...], as_json: bool
) -> None:
    """Export the cards as an Anki deck (.apkg).

    Notes keep the same id on every export, so importing a newer export into
    Anki updates the notes instead of adding copies.
    """
    from tilbook.render.anki import export_anki

    with _opened_cards(log) as (_, _store, reviews, _settings):
        count = export_anki(reviews, file, deck_name=deck, tags=tags)
    if as_json:
        print_json({"file": str(file), "deck": deck, "notes": count})
        return
    click.echo(f"Wrote {plural(count, 'note')} to {file} (deck {deck!r}).")


@review.command("export")
@click.argument("file", required=False, type=click.Path(dir_okay=False, path_type=Path))
@log_option
@json_option
@click.pass_context
@handle_errors
def export_command(ctx: click.Context, file: Path | None, log: Path, as_json: bool) -> None:
    """Write your review history and answers as one JSON file (to FILE or stdout).

    It is a copy of the records in .tilbook-state/ (which already travel with
    the notes when you sync or commit them); `tilbook review import` adds them
    to another notes folder.
    """
    from tilbook.features.state import export_state
    from tilbook.store.state import ANSWERS, REVIEWS

    with _opened_cards(log) as (_, store, reviews, _settings):
        data = export_state(store, reviews)
    text = json.dumps(data, ensure_ascii=False, indent=2)
    if file is None:
        click.echo(text)
        return
    file.write_text(text + "\n", encoding="utf-8")
    ratings = sum(1 for record in data["state"][REVIEWS] if "rating" in record)
    if as_json:
        counts = {"cards": len(data["cards"]), "reviews": ratings}
        print_json({"file": str(file), **counts, "answers": len(data["state"][ANSWERS])})
        return
    click.echo(
        f"Wrote {plural(len(data['cards']), 'card')}, {plural(ratings, 'review')} and "
        f"{plural(len(data['state'][ANSWERS]), 'answer record')} to {file}",
        err=True,
    )


@review.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@log_option
@json_option
@click.pass_context
@handle_errors
def import_command(ctx: click.Context, file: Path, log: Path, as_json: bool) -> None:
    """Add review history and answers exported by `tilbook review export` to this log.

    Records this log already holds are not added again (importing a file twice
    changes nothing); for each card, question and parameter set the latest
    record wins. Exports from older versions of tilbook import too.
    """
    from tilbook.features.state import import_state, read_export

    data = read_export(file)
    with _opened_cards(log) as (_, store, reviews, _settings):
        report = import_state(store, reviews, data, origin=str(file))
    if as_json:
        print_json(
            {
                "file": str(file),
                "reviews": report.reviews,
                "schedules": report.schedules,
                "answers": report.answers,
                "parameters": report.parameters,
                "already_here": report.already_here,
                "cards_missing": report.cards_missing,
            }
        )
        return
    click.echo(
        f"Imported {file}: {plural(report.reviews, 'review')}, "
        f"{plural(report.schedules, 'card schedule')}, "
        f"{plural(report.answers, 'answer record')} and "
        f"{plural(report.parameters, 'parameter record')} added; "
        f"{report.already_here} {'was' if report.already_here == 1 else 'were'} here already."
    )
    if report.cards_missing:
        click.echo(
            f"{len(report.cards_missing)} of its cards are not in these notes (yet): their "
            "history is kept and is theirs again when their text appears.",
            err=True,
        )
