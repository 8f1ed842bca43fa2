"""`tilbook build`: the static website of the log (logic in `tilbook.staticsite`)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

import click

from tilbook.cli.options import (
    BUSY_INDEX_WAIT,
    handle_errors,
    json_option,
    log_option,
    opened_log,
)
from tilbook.cli.output import plural, print_json, report_warnings

if TYPE_CHECKING:
    from tilbook.staticsite import BuildReport
    from tilbook.store.base import Store

MAX_WARNINGS_SHOWN = 20


@click.command()
@log_option
@click.option(
    "--out",
    "-o",
    type=click.Path(file_okay=False, path_type=Path),
    help="Write the site here.  [default: site_out, .tilbook/site in the notes folder]",
)
@click.option("--base-url", metavar="URL", help="Where the site is published (feeds' links).")
@click.option("--title", help="The site's title.  [default: site_title]")
@click.option(
    "--include-private", is_flag=True, default=None, help="Publish open TODOs and questions too."
)
@click.option("--clean", is_flag=True, help="Rebuild every page, not only what changed.")
@click.option(
    "--pagefind/--no-pagefind",
    default=None,
    help="Index the site with Pagefind when installed.  [default: site_pagefind]",
)
@click.option("--quiet", "-q", is_flag=True, help="Print only warnings and errors.")
@click.option(
    "--watch",
    "-w",
    is_flag=True,
    help="Keep running: build again whenever the notes change (Ctrl-C stops).",
)
@json_option
@handle_errors
def build(
    log: Path,
    out: Path | None,
    base_url: str | None,
    title: str | None,
    include_private: bool | None,
    clean: bool,
    pagefind: bool | None,
    quiet: bool,
    watch: bool,
    as_json: bool,
) -> None:
    """Build a static website of the log: entries, tags, months, papers, feeds, search.

    Only pages whose content changed are written again (--clean rewrites all).
    Open the result's index.html in a browser, or publish the folder as it is.
    With --watch the command stays and builds again after each change to the
    notes: a change to one entry rewrites its page and the pages that list it.
    """
    from tilbook.errors import SiteError
    from tilbook.settings import load_settings
    from tilbook.staticsite import build_site, site_options

    if watch and as_json:
        raise click.UsageError("--watch and --json cannot be used together.")
    with opened_log(log) as (root, store):
        settings = load_settings(root)
        target = out if out is not None else Path(settings["site_out"]).expanduser()
        if not target.is_absolute():
            target = (Path.cwd() / target) if out is not None else root / target

        def build_now(*, clean: bool = False) -> BuildReport:
            # The settings are read again for each build: a `--watch` follows their changes.
            settings = load_settings(root)
            url = settings["site_base_url"] if base_url is None else base_url
            if url and not url.startswith(("http://", "https://")):
                raise SiteError(f"--base-url {url!r}: give an address like https://me.example/til/")
            options = site_options(
                settings, title=title, base_url=url, include_private=include_private
            )
            use_pagefind = settings["site_pagefind"] if pagefind is None else pagefind
            return build_site(root, store, target, options, clean=clean, pagefind=use_pagefind)

        _say(build_now(clean=clean), quiet=quiet, as_json=as_json)
        if watch:
            _watch(root, store, target, build_now, quiet=quiet)


def _watch(
    root: Path, store: Store, target: Path, rebuild: Callable[[], BuildReport], *, quiet: bool
) -> None:
    """Build again after each change to the notes, until interrupted.

    Every change the watcher reports is built, even one the index had already read (the
    web app's watcher or a `tilbook index` may have been first), or one to a setting or
    an image: a build that finds nothing to write costs little and says nothing."""
    from watchfiles import Change, watch

    from tilbook.errors import IndexBusyError, TilbookError
    from tilbook.indexing import sync
    from tilbook.notes.files import watched
    from tilbook.settings import load_settings

    def relevant(change: Change, path: str) -> bool:
        return watched(root, path, besides=target)

    click.echo(f"Watching {root} for changes (Ctrl-C stops).", err=True)
    try:
        for _ in watch(root, watch_filter=relevant, debounce=300, step=100, raise_interrupt=True):
            try:
                found = sync(root, store, load_settings(root), wait=BUSY_INDEX_WAIT)
                report_warnings(found.warnings)
                report = rebuild()
                if report.written or report.removed or report.warnings:
                    _say(report, quiet=quiet, as_json=False, opening=False)
            except IndexBusyError:
                click.echo(
                    "The index is being updated by another run; trying again at the next change.",
                    err=True,
                )
            except TilbookError as error:  # a bad note or setting: say so, keep watching
                click.echo(f"error: {error}", err=True)
            except OSError as error:  # a full disk, a folder taken away: the same
                where = f"{error.filename}: " if error.filename else ""
                click.echo(f"error: {where}{error.strerror or error}", err=True)
    except KeyboardInterrupt:
        click.echo("Stopped watching.", err=True)


def _say(report: BuildReport, *, quiet: bool, as_json: bool, opening: bool = True) -> None:
    """What a build did: a summary, its warnings, or all of it as JSON."""
    shown = report.warnings[:MAX_WARNINGS_SHOWN] if not as_json else report.warnings
    report_warnings(shown)
    if len(shown) < len(report.warnings):
        click.echo(
            f"… and {len(report.warnings) - len(shown)} more warnings (--json lists them all).",
            err=True,
        )
    if as_json:
        print_json(
            {
                "out": str(report.out),
                "entries": report.entries,
                "pages": report.pages,
                "written": len(report.written),
                "unchanged": report.unchanged,
                "removed": len(report.removed),
                "seconds": round(report.seconds, 3),
                "pagefind": report.pagefind,
                "pagefind_seconds": (
                    None if report.pagefind_seconds is None else round(report.pagefind_seconds, 3)
                ),
                "warnings": [str(w) for w in report.warnings],
                "missing": [str(m) for m in report.missing],
            }
        )
        return
    if quiet:
        return
    pagefind_note = {
        "indexed": f"; Pagefind index in {report.pagefind_seconds or 0:.2f} s",
        "unchanged": "; Pagefind index unchanged",
        "not installed": "; built-in search only (pip install 'pagefind[bin]' for Pagefind)",
    }.get(report.pagefind, f"; Pagefind {report.pagefind}" if report.pagefind != "off" else "")
    click.echo(
        f"Built {report.out}: {plural(report.entries, 'entry', 'entries')}, "
        f"{plural(report.pages, 'page')} ({plural(len(report.written), 'file')} written, "
        f"{report.unchanged} unchanged, "
        f"{len(report.removed)} removed) in {report.seconds:.2f} s{pagefind_note}."
    )
    if report.missing:
        click.echo(
            f"{plural(len(report.missing), 'linked file')} not in the notes folder "
            "left out (--json lists them).",
            err=True,
        )
    if opening:
        click.echo(f"Open {report.out / 'index.html'}")
