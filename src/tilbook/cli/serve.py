"""`tilbook serve`: the web app on this machine."""

from __future__ import annotations

import errno
from pathlib import Path

import click

from tilbook.cli.options import handle_errors, log_option, notes_root


def _check_port(host: str, port: int) -> None:
    """Say plainly when the address is taken, before saying the log is being served."""
    import socket

    from tilbook.errors import TilbookError

    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((host, port))
        except OSError as error:
            if error.errno == errno.EADDRINUSE:
                raise TilbookError(
                    f"port {port} on {host} is already in use (another program, or another "
                    f"`tilbook serve`). Choose another with --port, e.g. --port {port + 1}."
                ) from error
            raise TilbookError(f"cannot listen on {host}:{port}: {error.strerror}") from error


@click.command()
@log_option
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option(
    "--port",
    default=8000,
    show_default=True,
    type=click.IntRange(0, 65535),
    help="Port to listen on.",
)
@click.option(
    "--allow-host",
    "allow_hosts",
    multiple=True,
    metavar="NAME",
    help="Also answer requests addressed to NAME (besides localhost); repeatable.",
)
@click.option("--no-watch", is_flag=True, help="Do not follow changes to the notes on disk.")
@click.option(
    "--request-timeout",
    default=10.0,
    show_default=True,
    type=click.FloatRange(0.5, 3600),
    metavar="SECONDS",
    help="How long a client has to send a whole request before its connection is closed.",
)
@handle_errors
def serve(
    log: Path,
    host: str,
    port: int,
    allow_hosts: tuple[str, ...],
    no_watch: bool,
    request_timeout: float,
) -> None:
    """Read, search, capture, edit and review the log in the browser.

    Listens on 127.0.0.1 only, unless --host says otherwise. Pages follow the
    notes: a change on disk is indexed and open pages refresh.
    """
    import uvicorn

    from tilbook.webapp.app import create_app
    from tilbook.webapp.security import LOCAL_HOSTS
    from tilbook.webapp.server import server_config

    root = notes_root(log)
    if host not in ("127.0.0.1", "localhost", "::1"):
        click.secho(
            f"warning: listening on {host}: anyone who can reach this machine can read and "
            "change your notes. Requests must still name an allowed host "
            "(--allow-host).",
            fg="yellow",
            err=True,
        )
    _check_port(host, port)
    allowed = LOCAL_HOSTS | frozenset(allow_hosts)
    app = create_app(root, allowed_hosts=allowed, watch=not no_watch)
    shown = f"[{host}]" if ":" in host else host
    click.echo(f"tilbook is serving {root} at http://{shown}:{port}/  (Ctrl+C to stop)")
    config = server_config(app, host=host, port=port, request_timeout=request_timeout)
    uvicorn.Server(config).run()
