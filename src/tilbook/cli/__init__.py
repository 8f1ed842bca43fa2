"""The `tilbook` command: a thin shell over the library (see `tilbook.cli.main`)."""

from tilbook.cli.main import main

__all__ = ["main"]
