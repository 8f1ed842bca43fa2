"""Every error tilbook raises on purpose; the CLI turns them into clear messages."""

from __future__ import annotations


class TilbookError(Exception):
    """Base class: something the user can fix, described in words they can act on."""


class LogFolderError(TilbookError):
    """The notes folder is missing or is not a folder."""


class SourceError(TilbookError):
    """A note file could not be read or understood."""


class IndexStoreError(TilbookError):
    """The index database is missing, unreadable or from a newer tilbook."""


class EntryNotFound(TilbookError):
    """No entry matches the id (or id prefix) given."""


class AmbiguousId(TilbookError):
    """An id prefix matches more than one entry."""


class SettingsError(TilbookError):
    """tilbook.toml is malformed or names an unknown setting."""


class StrictModeError(TilbookError):
    """Warnings were reported while --strict was given."""


class ReviewDataError(TilbookError):
    """A review export to import is not one tilbook wrote, or is damaged."""


class OptimizerUnavailable(TilbookError):
    """`tilbook review optimize` cannot run: the optimizer extra is missing or too few reviews."""


class PlotError(TilbookError):
    """A stats picture cannot be written: an unknown file type, or a place it cannot go."""


class SiteError(TilbookError):
    """The static site cannot be built where or how it was asked to be."""


class DateInputError(TilbookError):
    """A date the user typed is not one tilbook can read."""
