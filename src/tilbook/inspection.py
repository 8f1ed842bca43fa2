"""Look at one file or entry as tilbook reads it (no index needed for files)."""

from __future__ import annotations

from pathlib import Path

from tilbook.errors import SourceError
from tilbook.model import Entry, ParsedFile
from tilbook.parse import parse_source
from tilbook.sources import FileStat, decode, normalise_newlines, read_source

MAX_INSPECT_BYTES = 256 * 1_000_000


def inspect_file(path: Path) -> ParsedFile:
    """Parse `path` exactly as `tilbook index` would, without touching the index."""
    try:
        info = path.stat()
    except OSError as error:
        raise SourceError(f"{path}: cannot be read ({error.strerror})") from error
    text, data = read_source(
        FileStat(path.name, path, info.st_size, info.st_mtime_ns), max_bytes=MAX_INSPECT_BYTES
    )
    if data is None or not text.text:
        reasons = "; ".join(w.message for w in text.warnings) or "nothing to read"
        raise SourceError(f"{path}: {reasons}")
    return parse_source(text)


def entry_markdown(root: Path, entry: Entry) -> str:
    """The entry's lines as they stand in its file now."""
    path = root / entry.source
    try:
        raw = path.read_bytes()
    except OSError as error:
        raise SourceError(
            f"{path}: cannot be read ({error.strerror}); run `tilbook index`"
        ) from error
    decoded = decode(entry.source, raw, [])
    if decoded is None:
        raise SourceError(f"{path}: no longer a text file; run `tilbook index`")
    text = normalise_newlines(decoded[0])
    lines = text.split("\n")
    return "\n".join(lines[entry.line - 1 : entry.end_line])
