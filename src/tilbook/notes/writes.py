"""Byte-precise changes to note files.

Every write tilbook makes to a note goes through here: read the file, make
the change as an insertion or replacement of a few bytes, check that the file
has not changed on disk since it was read, write a temporary file in the same
folder, fsync it, and `os.replace` it over the original. Nothing else of the
file is re-encoded or re-serialised, so line endings, a byte-order mark, a
missing final newline and front matter all stay exactly as they were.
"""

from __future__ import annotations

import codecs
import contextlib
import os
import re
import stat
import tempfile
from dataclasses import dataclass
from pathlib import Path

from tilbook.errors import FileChangedError, NotWritableError

_LINE_END = re.compile(r"\r\n|\r|\n")

_BOMS = (
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)


@dataclass(slots=True)
class NoteFile:
    """A note file as read, with what is needed to change it byte for byte."""

    path: Path
    data: bytes
    mtime_ns: int
    encoding: str
    bom: bytes
    text: str
    """The decoded text after the BOM, line endings as in the file."""

    @property
    def newline(self) -> str:
        """The file's line ending: CRLF when most lines use it."""
        crlf = self.text.count("\r\n")
        return "\r\n" if crlf and crlf * 2 >= self.text.count("\n") else "\n"

    @property
    def ends_with_newline(self) -> bool:
        return self.text.endswith("\n") or not self.text

    @property
    def lines(self) -> list[str]:
        """The lines without their line ends (1-based line N is `lines[N - 1]`).

        A line ends at CRLF, LF or a lone CR: the same rule the parser numbers
        lines by, so a line number from the index names the same line here.
        """
        return _LINE_END.split(self.text)

    def offset_of_line(self, line: int) -> int:
        """Character offset (in `text`) of the start of 1-based `line`; end of text past it."""
        if line <= 1:
            return 0
        for count, match in enumerate(_LINE_END.finditer(self.text), start=2):
            if count == line:
                return match.end()
        return len(self.text)

    def end_of_line(self, line: int) -> int:
        """Character offset just after the line end of 1-based `line`."""
        return self.offset_of_line(line + 1)

    def byte_offset(self, char_offset: int) -> int:
        return len(self.bom) + len(self.text[:char_offset].encode(self.encoding))


def read_note(path: Path) -> NoteFile:
    """Read a note for changing it; refuse files tilbook cannot write back exactly."""
    try:
        # A symbolic link is followed: the note it points to is the one changed, and
        # the link stays a link.
        path = path.resolve(strict=True)
        info = path.stat()
        data = path.read_bytes()
    except FileNotFoundError as error:
        raise NotWritableError(f"{path}: no such file") from error
    except OSError as error:
        raise NotWritableError(f"{path}: cannot be read ({error.strerror})") from error
    if not stat.S_ISREG(info.st_mode):
        raise NotWritableError(f"{path}: not a regular file; tilbook only edits note files")
    if not info.st_mode & 0o222 or not os.access(path, os.W_OK):
        raise NotWritableError(f"{path}: is read-only; tilbook will not change it")
    if info.st_nlink > 1:
        raise NotWritableError(
            f"{path}: has {info.st_nlink} hard links; writing it would split them, so "
            "tilbook leaves it alone"
        )
    bom, encoding = b"", "utf-8"
    for candidate, name in _BOMS:
        if data.startswith(candidate):
            bom, encoding = candidate, name
            break
    try:
        text = data[len(bom) :].decode(encoding)
    except UnicodeDecodeError as error:
        raise NotWritableError(
            f"{path}: not valid {encoding} (byte {error.start}); tilbook will not write to it. "
            "Save it as UTF-8 first."
        ) from error
    if text.encode(encoding) != data[len(bom) :]:
        raise NotWritableError(f"{path}: does not round-trip as {encoding}; not writing to it")
    return NoteFile(path, data, info.st_mtime_ns, encoding, bom, text)


def _check_unchanged(note: NoteFile) -> None:
    try:
        current = note.path.read_bytes()
    except OSError as error:
        raise FileChangedError(
            f"{note.path}: vanished or became unreadable since it was read; nothing was written"
        ) from error
    if current != note.data:
        raise FileChangedError(
            f"{note.path}: changed on disk since tilbook read it; nothing was written. "
            "Run the command again to apply it to the new version."
        )


def write_bytes_atomically(path: Path, data: bytes, *, mode: int | None = None) -> None:
    """Write `data` to a temp file beside `path`, fsync it and move it into place."""
    folder = path.parent
    handle, temporary = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tilbook-tmp", dir=folder)
    try:
        with os.fdopen(handle, "wb") as output:
            output.write(data)
            output.flush()
            os.fsync(output.fileno())
        if mode is not None:
            os.chmod(temporary, stat.S_IMODE(mode))
        os.replace(temporary, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(temporary)
        raise
    sync_folder(folder)


def sync_folder(folder: Path) -> None:
    """Make a new or renamed file's entry in `folder` durable (where the system allows)."""
    try:
        directory = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(directory)
    except OSError:
        pass
    finally:
        os.close(directory)


def replace_span(note: NoteFile, start: int, end: int, new_text: str) -> NoteFile:
    """Replace characters `start:end` of the note's text with `new_text`, on disk.

    Only the bytes of that span change. Returns the note as it now is.
    """
    if not 0 <= start <= end <= len(note.text):
        raise ValueError("span outside the file")
    _check_unchanged(note)
    head = note.byte_offset(start)
    tail = note.byte_offset(end)
    payload = new_text.encode(note.encoding)
    data = note.data[:head] + payload + note.data[tail:]
    mode = note.path.stat().st_mode
    write_bytes_atomically(note.path, data, mode=mode)
    text = note.text[:start] + new_text + note.text[end:]
    return NoteFile(note.path, data, note.path.stat().st_mtime_ns, note.encoding, note.bom, text)


def insert_text(note: NoteFile, offset: int, new_text: str) -> NoteFile:
    """Insert `new_text` at character `offset`; nothing else of the file changes."""
    return replace_span(note, offset, offset, new_text)


def create_note(path: Path, text: str) -> None:
    """Create a new note file; never replaces an existing one."""
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644)
    except FileExistsError as error:
        raise FileChangedError(f"{path}: already exists; tilbook will not write over it") from error
    with os.fdopen(descriptor, "wb") as output:
        output.write(text.encode("utf-8"))
        output.flush()
        os.fsync(output.fileno())
