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
import errno
import os
import re
import secrets
import stat
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tilbook.errors import FileChangedError, NotWritableError
from tilbook.model import IndexWarning
from tilbook.notes.files import TEMP_SUFFIX, read_regular_file

_LINE_END = re.compile(r"\r\n|\r|\n")

_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32-le"),
    (codecs.BOM_UTF32_BE, "utf-32-be"),
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
        """The line ending most of the file's lines use (CRLF, LF or a lone CR)."""
        crlf = self.text.count("\r\n")
        lone_cr = self.text.count("\r") - crlf
        lf = self.text.count("\n") - crlf
        counts = {"\n": lf, "\r\n": crlf, "\r": lone_cr}
        return max(counts, key=lambda ending: (counts[ending], ending == "\n"))

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
    """Read a note for changing it; refuse files tilbook cannot write back exactly.

    The bytes are decoded as the reader decodes them (byte-order marks, UTF-16
    without one, UTF-8, a detected legacy encoding), and the note is refused when
    its text would not encode back to exactly the same bytes.
    """
    try:
        # A symbolic link is followed: the note it points to is the one changed, and
        # the link stays a link.
        path = path.resolve(strict=True)
        info = path.stat()
        if not stat.S_ISREG(info.st_mode):
            raise NotWritableError(f"{path}: not a regular file; tilbook only edits note files")
        data = read_regular_file(path, limit=sys.maxsize - 1)  # never blocks on a FIFO
    except FileNotFoundError as error:
        raise NotWritableError(f"{path}: no such file") from error
    except OSError as error:
        raise NotWritableError(f"{path}: cannot be read ({error.strerror})") from error
    if not info.st_mode & 0o222 or not os.access(path, os.W_OK):
        raise NotWritableError(f"{path}: is read-only; tilbook will not change it")
    if info.st_nlink > 1:
        raise NotWritableError(
            f"{path}: has {info.st_nlink} hard links; writing it would split them, so "
            "tilbook leaves it alone"
        )
    from tilbook.notes.files import decode

    problems: list[IndexWarning] = []
    decoded = decode(str(path), data, problems)
    if decoded is None:
        raise NotWritableError(f"{path}: looks binary (NUL bytes); tilbook will not write to it")
    text, encoding = decoded
    bom = next((mark for mark, name in _BOMS if name == encoding and data.startswith(mark)), b"")
    if problems or _encoded(text, encoding) != data[len(bom) :]:
        reason = (
            f"its encoding is not certain (read as {encoding}: {problems[0].message})"
            if problems
            else f"does not encode back to the same bytes as {encoding}"
        )
        raise NotWritableError(
            f"{path}: {reason}; tilbook will not write to a file it cannot write back "
            "exactly. Save it as UTF-8 first."
        )
    return NoteFile(path, data, info.st_mtime_ns, encoding, bom, text)


def _encoded(text: str, encoding: str) -> bytes | None:
    try:
        return text.encode(encoding)
    except UnicodeEncodeError:
        return None


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


# -- locks: tilbook's own writers, one at a time per folder -------------------------------

_held = threading.local()


@contextmanager
def note_lock(path: Path) -> Iterator[None]:
    """Hold the write lock of the note's folder: tilbook's writers take turns.

    Take it before reading a note to change it and keep it until the change is
    on disk, so two tilbook processes (or the web app's threads) never both
    change a note from the same version. The lock is `flock` on the folder
    itself (nothing is created beside the notes); it is released when the
    process dies, and re-entered freely by the thread that holds it.
    """
    try:
        folder = path.resolve().parent
    except OSError:
        folder = path.parent
    held: dict[Path, int] = _held.__dict__.setdefault("folders", {})
    if held.get(folder):
        held[folder] += 1
        try:
            yield
        finally:
            held[folder] -= 1
        return
    try:
        import fcntl
    except ImportError:  # pragma: no cover - not on POSIX
        yield
        return
    try:
        handle = os.open(folder, os.O_RDONLY | getattr(os, "O_DIRECTORY", 0))
    except OSError:
        yield  # a folder that cannot be opened will fail the write itself, with its reason
        return
    try:
        fcntl.flock(handle, fcntl.LOCK_EX)
        held[folder] = 1
        try:
            yield
        finally:
            held.pop(folder, None)
            fcntl.flock(handle, fcntl.LOCK_UN)
    finally:
        os.close(handle)


# -- writing --------------------------------------------------------------------------------

STALE_AFTER_SECONDS = 600
SETTLE_SECONDS = 0.02
"""After moving the new file in place, how long to let a program that opened the old
one just before finish its write, so that what it wrote is carried over, not lost."""
"""A temporary file older than this whose process is gone was left by a killed write."""


def _temporary_name(path: Path) -> str:
    return f".{path.name}.{os.getpid()}.{secrets.token_hex(4)}{TEMP_SUFFIX}"


def write_bytes_atomically(path: Path, data: bytes, *, mode: int | None = None) -> None:
    """Write `data` to a temp file beside `path`, fsync it and move it into place."""
    temporary = _write_temporary(path, data, mode)
    try:
        os.replace(temporary, path)
    except OSError as error:
        _remove(temporary)
        raise _write_error(path, error) from error
    sync_folder(path.parent)


def _write_temporary(path: Path, data: bytes, mode: int | None) -> Path:
    """A temp file beside `path` holding `data`, on disk (fsynced)."""
    temporary = path.with_name(_temporary_name(path))
    try:
        handle = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except OSError as error:
        raise _write_error(path, error) from error
    try:
        with os.fdopen(handle, "wb") as output:
            output.write(data)
            output.flush()
            os.fsync(output.fileno())
        if mode is not None:
            os.chmod(temporary, stat.S_IMODE(mode))
    except OSError as error:
        _remove(temporary)
        raise _write_error(path, error) from error
    except BaseException:
        _remove(temporary)
        raise
    return temporary


def _write_error(path: Path, error: OSError) -> NotWritableError:
    reasons = {
        errno.EACCES: "permission denied (is the folder read-only?)",
        errno.EPERM: "not permitted",
        errno.EROFS: "the disk is mounted read-only",
        errno.ENOSPC: "the disk is full",
        errno.EDQUOT: "the disk quota is used up",
        errno.EFBIG: "the file would be larger than this system allows",
        errno.EIO: "the disk reported an input/output error",
        errno.EXDEV: "the file cannot be replaced across file systems",
    }
    reason = reasons.get(error.errno or 0, error.strerror or str(error))
    return NotWritableError(f"{path}: could not be written: {reason}; the note is as it was")


def _remove(path: Path) -> None:
    with contextlib.suppress(OSError):
        os.unlink(path)


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


def _exchange(first: Path, second: Path) -> bool:
    """Swap two paths atomically (Linux `renameat2` with RENAME_EXCHANGE).

    False when the system or file system cannot; the caller falls back to a rename.
    """
    function = _renameat2()
    if function is None:
        return False
    import ctypes

    result = function(_AT_FDCWD, os.fsencode(first), _AT_FDCWD, os.fsencode(second), 2)
    if result == 0:
        return True
    code = ctypes.get_errno()
    if code in (errno.EINVAL, errno.ENOSYS, errno.EOPNOTSUPP, errno.EPERM):
        return False
    raise OSError(code, os.strerror(code))


_AT_FDCWD = -100
_RENAMEAT2: list[Any] = []


def _renameat2() -> Any:
    if not _RENAMEAT2:
        function = None
        if sys.platform.startswith("linux"):
            import ctypes

            with contextlib.suppress(OSError, AttributeError):
                function = ctypes.CDLL(None, use_errno=True).renameat2
                function.argtypes = [
                    ctypes.c_int,
                    ctypes.c_char_p,
                    ctypes.c_int,
                    ctypes.c_char_p,
                    ctypes.c_uint,
                ]
                function.restype = ctypes.c_int
        _RENAMEAT2.append(function)
    return _RENAMEAT2[0]


def _write_over(note: NoteFile, data: bytes) -> None:
    """Put `data` in place of the note, unless someone else changed the note meanwhile.

    The check that the file is still the one read runs twice: before the temp file
    is written and again just before it is moved into place. The move itself swaps
    the two files where the system can, so tilbook sees exactly what it replaced:
    lines another program appended in the last instant are carried over to the new
    file, and any other change is put back and the write refused.
    """
    path = note.path
    _check_unchanged(note)
    mode = path.stat().st_mode
    temporary = _write_temporary(path, data, mode)
    try:
        _check_unchanged(note)
        try:
            swapped = _exchange(temporary, path)
        except OSError as error:
            raise _write_error(path, error) from error
        if not swapped:
            try:
                original = os.open(path, os.O_RDONLY)
            except OSError as error:
                raise _write_error(path, error) from error
            try:
                os.replace(temporary, path)
            except OSError as error:
                os.close(original)
                raise _write_error(path, error) from error
            try:
                time.sleep(SETTLE_SECONDS)
                replaced = _read_descriptor(original)
            finally:
                os.close(original)
        else:
            time.sleep(SETTLE_SECONDS)
            replaced = temporary.read_bytes()  # the swap left the old file here
    except BaseException:
        if temporary.exists() and not _same_bytes(temporary, note.data):
            _remove(temporary)
        raise
    sync_folder(path.parent)
    try:
        if replaced == note.data:
            return
        if replaced.startswith(note.data):
            _append(path, replaced[len(note.data) :])
            return
        # Another program rewrote the note while tilbook wrote it: theirs goes back.
        if swapped and _exchange(temporary, path):
            sync_folder(path.parent)
        else:
            write_bytes_atomically(path, replaced, mode=mode)
        raise FileChangedError(
            f"{path}: changed on disk while tilbook was writing it; their version was kept "
            "and nothing was written. Run the command again."
        )
    finally:
        _remove(temporary)


def _same_bytes(path: Path, data: bytes) -> bool:
    try:
        return path.read_bytes() == data
    except OSError:
        return False


def _read_descriptor(handle: int) -> bytes:
    chunks = []
    offset = 0
    while chunk := os.pread(handle, 1 << 20, offset):
        chunks.append(chunk)
        offset += len(chunk)
    return b"".join(chunks)


def _append(path: Path, data: bytes) -> None:
    handle = os.open(path, os.O_WRONLY | os.O_APPEND)
    try:
        view = memoryview(data)
        while view:
            view = view[os.write(handle, view) :]
        os.fsync(handle)
    finally:
        os.close(handle)


def remove_stale_temporaries(folder: Path, names: list[str]) -> list[Path]:
    """Remove temp files a killed tilbook write left in `folder` (returns those removed).

    Only files of tilbook's own naming are touched, and only when the process
    that made them is gone and they are older than `STALE_AFTER_SECONDS`.
    """
    removed = []
    now = time.time()
    for name in names:
        if not (name.startswith(".") and name.endswith(TEMP_SUFFIX)):
            continue
        parts = name[: -len(TEMP_SUFFIX)].rsplit(".", 2)
        if len(parts) != 3 or not parts[1].isdigit():
            continue
        path = folder / name
        try:
            info = path.lstat()
        except OSError:
            continue
        if not stat.S_ISREG(info.st_mode) or now - info.st_mtime < STALE_AFTER_SECONDS:
            continue
        if _process_alive(int(parts[1])):
            continue
        with contextlib.suppress(OSError):
            path.unlink()
            removed.append(path)
    return removed


def _process_alive(pid: int) -> bool:
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:
        return True  # it exists but belongs to someone else
    return True


def replace_span(note: NoteFile, start: int, end: int, new_text: str) -> NoteFile:
    """Replace characters `start:end` of the note's text with `new_text`, on disk.

    Only the bytes of that span change. Returns the note as it now is.
    """
    if not 0 <= start <= end <= len(note.text):
        raise ValueError("span outside the file")
    head = note.byte_offset(start)
    tail = note.byte_offset(end)
    payload = _encoded(new_text, note.encoding)
    if payload is None:
        raise NotWritableError(
            f"{note.path}: the new text has characters {note.encoding} cannot hold; "
            "nothing was written. Save the note as UTF-8 to write any text to it."
        )
    data = note.data[:head] + payload + note.data[tail:]
    with note_lock(note.path):
        _write_over(note, data)
    text = note.text[:start] + new_text + note.text[end:]
    return NoteFile(note.path, data, note.path.stat().st_mtime_ns, note.encoding, note.bom, text)


def insert_text(note: NoteFile, offset: int, new_text: str) -> NoteFile:
    """Insert `new_text` at character `offset`; nothing else of the file changes."""
    return replace_span(note, offset, offset, new_text)


def create_note(path: Path, text: str) -> None:
    """Create a new note file; never replaces an existing one (nothing is left on failure)."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644)
    except FileExistsError as error:
        raise FileChangedError(f"{path}: already exists; tilbook will not write over it") from error
    except OSError as error:
        raise _write_error(path, error) from error
    try:
        with os.fdopen(descriptor, "wb") as output:
            output.write(text.encode("utf-8"))
            output.flush()
            os.fsync(output.fileno())
    except OSError as error:
        _remove(path)
        raise _write_error(path, error) from error
    sync_folder(path.parent)
