"""The `tilbook` command: a thin shell over the library.

Each command parses its options, calls library functions and formats what
they return. Heavy modules (the parser, the store, rich) are imported inside
the commands so that `tilbook --help` stays fast.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

import click

from tilbook import __version__
from tilbook.cli.build import build
from tilbook.cli.capture import add, questions, today, todo
from tilbook.cli.links import links
from tilbook.cli.options import log_option
from tilbook.cli.papers import papers
from tilbook.cli.read import (
    config,
    entries,
    export,
    index,
    inspect,
    related,
    search,
    show,
    tags,
)
from tilbook.cli.review import review
from tilbook.cli.serve import serve
from tilbook.cli.state import state
from tilbook.cli.stats import stats, targets


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="tilbook")
@log_option
def main(log: Path) -> None:
    """tilbook reads your Markdown learning log as it is and makes it searchable.

    Your notes are never changed: tilbook keeps its index in .tilbook/ inside
    the notes folder (a cache), brings it up to date before every command, and
    keeps your answers and reviews in .tilbook-state/ (commit it with your notes). --log
    (or TILBOOK_LOG) names the notes folder, here or after any command.
    """


for _command in (
    index, inspect, entries, search, related, show, tags, export, config, links,
    add, today, todo, questions, papers, targets, stats, review, state, build, serve,
):  # fmt: skip
    main.add_command(_command)


if __name__ == "__main__":  # pragma: no cover
    main(prog_name=os.path.basename(sys.argv[0]))
