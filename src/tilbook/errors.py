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


class IndexDamagedError(IndexStoreError):
    """The index file itself is damaged; `tilbook index --rebuild` sets it aside."""


class IndexBusyError(IndexStoreError):
    """Another tilbook process is updating the index and did not finish in the time
    allowed; `holder` is its process id when known."""

    def __init__(self, message: str, holder: int | None = None) -> None:
        super().__init__(message)
        self.holder = holder


class EntryNotFound(TilbookError):
    """No entry matches the id (or id prefix) given."""


class AmbiguousId(TilbookError):
    """An id prefix matches more than one entry."""


class SettingsError(TilbookError):
    """tilbook.toml is malformed or names an unknown setting."""


class StateError(TilbookError):
    """A state file (answers, reviews) cannot be written; nothing was recorded."""


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


class FileChangedError(TilbookError):
    """The file changed on disk after tilbook read it; nothing was written."""


class NotWritableError(TilbookError):
    """tilbook will not write to this file (unknown encoding, not a regular file…)."""


class CaptureError(TilbookError):
    """The entry could not be added (nothing was written)."""


class EditConflict(TilbookError):
    """The file changed on disk since the editor opened; nothing was written."""

    def __init__(self, message: str, *, yours: str, theirs: str, version: str) -> None:
        super().__init__(message)
        self.yours = yours
        self.theirs = theirs
        self.version = version


class TodoNotFound(EntryNotFound):
    """No TODO has this id."""


class QuestionNotFound(EntryNotFound):
    """No open question has this id."""


class PaperNotFound(TilbookError):
    """No paper the log mentions matches the id given."""


class AmbiguousPaperId(AmbiguousId):
    """An id prefix matches more than one paper."""


# -- raised and caught inside tilbook (never shown as they are) ------------------------------


class FileChanged(Exception):
    """The file on disk is not the one the index read: make its cards on the next sync."""


class TransportError(Exception):
    """A request got no usable answer: no connection, a timeout or an HTTP error."""

    def __init__(
        self, message: str, *, status: int | None = None, retry_after: float | None = None
    ) -> None:
        super().__init__(message)
        self.status = status
        self.retry_after = retry_after


class MathConversionError(ValueError):
    """latex2mathml could not convert a formula, or made something not allowed."""


class CsrfError(Exception):
    """A state-changing request without a valid token or from another origin."""
