"""`tilbook build`: the static website of the log (logic in `tilbook.staticsite`)."""

from __future__ import annotations

from pathlib import Path

import click

from tilbook.cli.options import handle_errors, json_option, log_option, opened_log
from tilbook.cli.output import plural, print_json, report_warnings

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
    as_json: bool,
) -> None:
    """Build a static website of the log: entries, tags, months, papers, feeds, search.

    Only pages whose content changed are written again (--clean rewrites all).
    Open the result's index.html in a browser, or publish the folder as it is.
    """
    from tilbook.errors import SiteError
    from tilbook.settings import load_settings
    from tilbook.staticsite import build_site, site_options

    with opened_log(log) as (root, store):
        settings = load_settings(root)
        target = out if out is not None else Path(settings["site_out"]).expanduser()
        if not target.is_absolute():
            target = (Path.cwd() / target) if out is not None else root / target
        url = settings["site_base_url"] if base_url is None else base_url
        if url and not url.startswith(("http://", "https://")):
            raise SiteError(f"--base-url {url!r}: give an address like https://me.example/til/")
        options = site_options(settings, title=title, base_url=url, include_private=include_private)
        report = build_site(
            root,
            store,
            target,
            options,
            clean=clean,
            pagefind=settings["site_pagefind"] if pagefind is None else pagefind,
        )
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
    click.echo(f"Open {report.out / 'index.html'}")
