"""Find the note files of a log folder and read them into text, safely.

Nothing here writes to the notes folder. Every problem with a file becomes an
`IndexWarning` naming the file (and the line where one is known); the caller
decides whether warnings are fatal (`--strict`).
"""

from __future__ import annotations

import codecs
import datetime
import errno
import functools
import json
import math
import os
import re
import stat
import unicodedata
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tilbook.errors import LogFolderError
from tilbook.model import IndexWarning

TILBOOK_DIR = ".tilbook"
"""The cache folder: the index and other files tilbook can make again."""
STATE_DIR = ".tilbook-state"
"""What the user did in tilbook (answers, reviews): plain files to commit with the notes."""
IGNORE_FILE = ".tilbookignore"
TEMP_SUFFIX = ".tilbook-tmp"
"""How the temporary files of tilbook's writes end (`notes/writes.py`)."""
ALWAYS_IGNORED_DIRS = frozenset({TILBOOK_DIR, STATE_DIR, "node_modules", "__pycache__", "_site"})


@dataclass(slots=True, frozen=True)
class FileStat:
    """What `tilbook index` compares to decide whether a file changed."""

    source: str
    path: Path
    size: int
    mtime_ns: int


@dataclass(slots=True)
class SourceText:
    """A note file decoded to text, with its front matter split off."""

    source: str
    path: Path
    text: str
    """The file's text with line ends normalised to LF, any BOM removed, in NFC."""
    front_matter: dict[str, Any] = field(default_factory=dict)
    front_matter_lines: int = 0
    """How many lines the front matter block takes (0 when there is none)."""
    encoding: str = "utf-8"
    warnings: list[IndexWarning] = field(default_factory=list)


def log_root(path: str | os.PathLike[str]) -> Path:
    """The notes folder as an absolute path, or a clear error."""
    root = Path(path).expanduser()
    if not root.exists():
        raise LogFolderError(
            f"{root}: no such folder. Pass the notes folder with --log DIR or set TILBOOK_LOG."
        )
    if not root.is_dir():
        raise LogFolderError(f"{root}: not a folder. --log takes the folder that holds your notes.")
    return root.resolve()


def read_ignore_patterns(root: Path, warnings: list[IndexWarning] | None = None) -> list[str]:
    """The lines of `.tilbookignore` at the top of the notes folder (gitignore syntax).

    A `.tilbookignore` that is not a regular file (a FIFO, say) is not opened; it is a
    warning, like one that cannot be read.
    """
    try:
        data = read_regular_file(root / IGNORE_FILE, limit=1_000_000)
    except FileNotFoundError:
        return []
    except OSError as error:
        if warnings is not None:
            reason = error.strerror or str(error)
            warnings.append(IndexWarning(IGNORE_FILE, f"could not be read ({reason}); not used"))
        return []
    return data.decode("utf-8", errors="replace").splitlines()


IgnoreRule = Callable[[str, bool], bool]
"""Whether a path (relative to the notes folder, `/`-separated) is ignored; the flag
says it is a folder."""


OBSIDIAN_DIR = ".obsidian"
TEMPLATE_FOLDERS = ("templates", "_templates")
"""Folder names that hold an Obsidian vault's templates when its settings name none."""


def vault_ignores(root: Path) -> list[str]:
    """What an Obsidian vault keeps beside its notes and tilbook leaves out: the templates
    folder its settings name (core Templates, Templater), else a top-level `Templates`.
    (`.obsidian/` and `.trash/` are hidden folders, never read.) A `.tilbookignore` line
    `!Templates/` takes the folder back."""
    settings = root / OBSIDIAN_DIR
    if not settings.is_dir():
        return []
    folders: list[str] = []
    for path, key in (
        (settings / "templates.json", "folder"),
        (settings / "plugins" / "templater-obsidian" / "data.json", "templates_folder"),
    ):
        try:
            data = json.loads(read_regular_file(path, limit=1_000_000) or b"{}")
        except (OSError, ValueError):
            continue
        folder = data.get(key) if isinstance(data, dict) else None
        if isinstance(folder, str) and folder.strip("/ "):
            folders.append(folder.strip("/ "))
    if not folders:
        try:
            folders = [
                item.name
                for item in root.iterdir()
                if item.name.casefold() in TEMPLATE_FOLDERS and item.is_dir()
            ]
        except OSError:
            folders = []
    return ["/" + glob_escape(folder) + "/" for folder in sorted(folders)]


def glob_escape(text: str) -> str:
    """`text` as a gitignore pattern that matches only itself."""
    return re.sub(r"([*?\[\]!#\\])", r"\\\1", text)


def ignore_rule(
    root: Path, extra_ignores: tuple[str, ...] = (), warnings: list[IndexWarning] | None = None
) -> IgnoreRule:
    """The files and folders `.tilbookignore` and the `ignore` setting leave out.

    Both are read as gitignore lines (`pathspec`'s `GitIgnoreSpec`): `*.tmp.md`,
    `drafts/`, `/top-level-only.md`, `**/scratch`, and `!keep.md` to take a file back
    (not inside an ignored folder: like git, tilbook does not look into one). The
    setting's patterns come after the file's. A line that is not a valid pattern is
    left out with a warning naming it. The file is read again on every call, so an
    edit to it counts on the next run.
    """
    lines: list[tuple[str, int | None]] = [(line, None) for line in vault_ignores(root)]
    lines += [(line, number) for number, line in enumerate(read_ignore_patterns(root, warnings), 1)]
    lines += [(pattern, None) for pattern in extra_ignores]
    if not any(line.strip() for line, _ in lines):
        return lambda relative, is_dir: False  # nothing to leave out: no matcher to load
    import pathspec

    valid: list[str] = []
    for line, number in lines:
        try:
            pathspec.GitIgnoreSpec.from_lines([line])
        except ValueError as error:
            if warnings is not None:
                where = IGNORE_FILE if number is not None else "tilbook.toml"
                what = "pattern" if number is not None else "`ignore` pattern"
                warnings.append(
                    IndexWarning(
                        where,
                        f"{what} {line.strip()!r} is not a valid gitignore pattern "
                        f"({_reason(error)}); left out, fix or remove it",
                        number,
                    )
                )
            continue
        valid.append(line)
    spec = pathspec.GitIgnoreSpec.from_lines(valid)
    if not spec.patterns:
        return lambda relative, is_dir: False

    def ignored(relative: str, is_dir: bool) -> bool:
        return bool(spec.match_file(relative + "/" if is_dir else relative))

    return ignored


def watched(root: Path, path: str, *, besides: Path | None = None) -> bool:
    """Whether a change to `path` may change what the notes folder `root` shows: not in
    the cache, a hidden file or the folder `besides` (a site built into the notes
    folder), except `.tilbookignore`, which says what is read."""
    if besides is not None and (path == str(besides) or path.startswith(f"{besides}{os.sep}")):
        return False
    inside = path.replace(str(root), "", 1)
    if inside == "/" + IGNORE_FILE:
        return True
    return "/.tilbook/" not in path and "/." not in inside


def escaped_name(name: str) -> str:
    """A file name that is not valid UTF-8 (on Linux, read with surrogate escapes) as
    printable text: each undecodable byte as `\\xNN`, the rest as it is."""
    return os.fsencode(name).decode("utf-8", errors="backslashreplace")


def _valid_name(name: str) -> bool:
    if name.isascii():
        return True
    try:
        name.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def _kind_of(mode: int) -> str:
    kinds = (
        (stat.S_ISFIFO, "a FIFO (named pipe)"),
        (stat.S_ISSOCK, "a socket"),
        (stat.S_ISCHR, "a character device"),
        (stat.S_ISBLK, "a block device"),
        (stat.S_ISDIR, "a folder"),
    )
    return next((kind for test, kind in kinds if test(mode)), "not a regular file")


class NotRegularFileError(OSError):
    """A path that was meant to be a note (or a small file tilbook reads) is a FIFO,
    socket, device or folder: it is never read, since reading may block forever."""


def read_regular_file(path: Path, *, limit: int) -> bytes:
    """Up to `limit` + 1 bytes of `path`, which must be a regular file.

    The file is opened with `O_NONBLOCK` and checked with `fstat` before anything is
    read, so a FIFO, socket or device put in a file's place (even between a folder
    listing and this call) is refused with `NotRegularFileError` instead of blocking.
    """
    flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_CLOEXEC", 0)
    handle = os.open(path, flags)
    try:
        info = os.fstat(handle)
        if not stat.S_ISREG(info.st_mode):
            raise NotRegularFileError(
                errno.EINVAL, f"is {_kind_of(info.st_mode)}, not a regular file", str(path)
            )
        chunks = []
        left = limit + 1
        while left > 0:
            chunk = os.read(handle, min(left, 1 << 20))
            if not chunk:
                break
            chunks.append(chunk)
            left -= len(chunk)
        return b"".join(chunks)
    finally:
        os.close(handle)


def walk(
    root: Path,
    *,
    extensions: tuple[str, ...],
    extra_ignores: tuple[str, ...] = (),
    warnings: list[IndexWarning],
    temporaries: Callable[[Path, list[str]], object] | None = None,
) -> Iterator[FileStat]:
    """Every note file below `root`, sorted, as `FileStat`s.

    Hidden files and folders, `.tilbook/` and what `.tilbookignore` (or the `ignore`
    setting) names are skipped. Only regular files are listed: a FIFO, socket or
    device with a note's ending is skipped with a warning (it is never opened, as
    reading one can block forever). A file or folder whose name is not valid UTF-8 is
    skipped with a warning that says to rename it. Symbolic links are never followed:
    a link that points outside the folder, is broken or points to something that is
    not a note gets a warning; one that points to a note inside is skipped because
    its target is indexed under its own name.

    `temporaries`, when given, is called with each folder listed and the names of the
    temporary files of tilbook's writes in it (`.NAME.PID.XXXX.tilbook-tmp`), if any:
    the index run removes those a killed write left behind. Nothing here writes.
    """
    ignored = ignore_rule(root, extra_ignores, warnings)
    suffixes = tuple(
        ext.lower() if ext.startswith(".") else "." + ext.lower() for ext in extensions
    )

    def scan(folder: Path, prefix: str) -> Iterator[FileStat]:
        try:
            with os.scandir(folder) as listing:
                items = sorted(listing, key=lambda item: item.name)
        except OSError as error:
            warnings.append(IndexWarning(prefix or ".", f"folder could not be read ({error})"))
            return
        if temporaries is not None:
            leftovers = [
                item.name
                for item in items
                if item.name.startswith(".") and item.name.endswith(TEMP_SUFFIX)
            ]
            if leftovers:
                temporaries(folder, leftovers)
        for item in items:
            name = item.name
            relative = prefix + name
            if name.startswith(".") or name in ALWAYS_IGNORED_DIRS:
                continue
            try:
                is_link = item.is_symlink()
                is_dir = item.is_dir(follow_symlinks=False)
            except OSError:
                continue
            if not _valid_name(name):
                shown = escaped_name(relative)
                if (is_dir or name.lower().endswith(suffixes)) and not ignored(shown, is_dir):
                    warnings.append(_bad_name_warning(shown, name, is_dir))
                continue
            if ignored(relative, is_dir):
                continue
            if is_link:
                if name.lower().endswith(suffixes) or _link_is_dir(item.path):
                    _report_link(root, Path(item.path), relative, warnings)
                continue
            if is_dir:
                yield from scan(Path(item.path), relative + "/")
                continue
            if not name.lower().endswith(suffixes):
                continue
            try:
                info = item.stat(follow_symlinks=False)
            except OSError as error:
                warnings.append(IndexWarning(relative, f"could not be read ({error.strerror})"))
                continue
            if not stat.S_ISREG(info.st_mode):
                warnings.append(
                    IndexWarning(
                        relative,
                        f"is {_kind_of(info.st_mode)}, not a regular file; skipped "
                        "(tilbook reads only regular files)",
                    )
                )
                continue
            yield FileStat(relative, Path(item.path), info.st_size, info.st_mtime_ns)

    yield from scan(root, "")


def _bad_name_warning(shown: str, name: str, is_dir: bool) -> IndexWarning:
    what = "folder" if is_dir else "file"
    skipped = "its notes are skipped" if is_dir else "skipped"
    example = escaped_name(name).replace("'", "\\'")
    return IndexWarning(
        shown,
        f"{what} name is not valid UTF-8 (shown with \\x escapes); {skipped}. Rename it to "
        f"a UTF-8 name, e.g. in bash: mv $'{example}' NEW-NAME",
    )


def _link_is_dir(path: str) -> bool:
    try:
        return os.path.isdir(path)
    except OSError:
        return False


def _report_link(root: Path, path: Path, relative: str, warnings: list[IndexWarning]) -> None:
    try:
        target = path.resolve(strict=True)
    except (OSError, RuntimeError):
        warnings.append(
            IndexWarning(relative, "symbolic link is broken or loops; skipped (remove or fix it)")
        )
        return
    if not target.is_relative_to(root):
        warnings.append(
            IndexWarning(
                relative,
                f"symbolic link points outside the log folder (to {target}); not followed",
            )
        )
        return
    try:
        mode = target.stat().st_mode  # stat never opens: safe on a FIFO or a device
    except OSError:
        return
    if not (stat.S_ISREG(mode) or stat.S_ISDIR(mode)):
        warnings.append(
            IndexWarning(
                relative,
                f"symbolic link points to {_kind_of(mode)}, not a note; skipped "
                "(tilbook reads only regular files)",
            )
        )


# -- reading -------------------------------------------------------------------------------

_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32-le"),
    (codecs.BOM_UTF32_BE, "utf-32-be"),
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)


def _utf16_without_bom(data: bytes) -> str | None:
    sample = data[:4096]
    if len(sample) < 4:
        return None
    even_nul = sample[0::2].count(0) / (len(sample) / 2)
    odd_nul = sample[1::2].count(0) / (len(sample) / 2)
    if odd_nul > 0.4 and even_nul < 0.05:
        return "utf-16-le"
    if even_nul > 0.4 and odd_nul < 0.05:
        return "utf-16-be"
    return None


def _line_of_offset(data: bytes, offset: int) -> int:
    return data.count(b"\n", 0, offset) + 1


def decode(source: str, data: bytes, warnings: list[IndexWarning]) -> tuple[str, str] | None:
    """Bytes to text and the encoding used; None (with a warning) for binary files."""
    for bom, encoding in _BOMS:
        if data.startswith(bom):
            try:
                return data[len(bom) :].decode(encoding), encoding
            except UnicodeDecodeError as error:
                warnings.append(
                    IndexWarning(
                        source,
                        f"starts with a {encoding} byte-order mark but is not valid {encoding} "
                        f"({error.reason}); read with replacement characters",
                    )
                )
                return data[len(bom) :].decode(encoding, errors="replace"), encoding
    utf16 = _utf16_without_bom(data)
    if utf16 is not None:
        try:
            return data.decode(utf16), utf16
        except UnicodeDecodeError:
            pass
    if b"\x00" in data[:8192]:
        warnings.append(IndexWarning(source, "binary file (contains NUL bytes); skipped"))
        return None
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError as error:
        line = _line_of_offset(data, error.start)
        guess = _guess_encoding(data)
        if guess is not None:
            warnings.append(
                IndexWarning(
                    source,
                    f"is not UTF-8 (invalid byte at line {line}); read as {guess}. "
                    "Save it as UTF-8 to silence this warning",
                    line,
                )
            )
            return data.decode(guess, errors="replace"), guess
        warnings.append(
            IndexWarning(
                source,
                f"is not valid UTF-8 (byte 0x{data[error.start]:02x} at line {line}); "
                "unreadable bytes were replaced with U+FFFD. Save it as UTF-8",
                line,
            )
        )
        return data.decode("utf-8", errors="replace"), "utf-8"


def _guess_encoding(data: bytes) -> str | None:
    import charset_normalizer

    best = charset_normalizer.from_bytes(data[:200_000]).best()
    if best is None or best.encoding in {"utf_8", "ascii"}:
        return None
    encoding: str = best.encoding
    return encoding


def normalise_newlines(text: str) -> str:
    if "\r" not in text:
        return text
    return text.replace("\r\n", "\n").replace("\r", "\n")


# -- front matter --------------------------------------------------------------------------
#
# Front matter is parsed with limits, so that no file can make the reader crash, recurse
# without end or expand a few bytes into gigabytes: a block over a limit is ignored with a
# warning naming the file and line, and the note's body is still read.

MAX_FRONT_MATTER_CHARS = 65_536
"""A front matter block longer than this is ignored: real ones are a few lines (a long
one is an unclosed fence or a file made to slow the parser down)."""
MAX_FRONT_MATTER_DEPTH = 32
"""Deepest nesting of lists and mappings read (a title, tags and settings need 3)."""
MAX_FRONT_MATTER_ALIASES = 100
"""YAML aliases (`*name`) allowed in one block."""
MAX_FRONT_MATTER_VALUES = 10_000
"""Values a block may hold once its YAML aliases are expanded (a "billion laughs"
block of a few lines expands to millions)."""


class FrontMatterLimit(Exception):
    """A front matter block goes over one of the limits above."""

    def __init__(self, message: str, line: int = 1) -> None:
        super().__init__(message)
        self.message = message
        self.line = line
        """1-based line of the file where the block goes over the limit."""


def split_front_matter(
    source: str, text: str, warnings: list[IndexWarning]
) -> tuple[dict[str, Any], int]:
    """The YAML (`---`) or TOML (`+++`) front matter mapping and how many lines it spans.

    Never raises: front matter that cannot be read, or that goes over a limit
    (`MAX_FRONT_MATTER_*`), is a warning and an empty mapping. The mapping holds only
    JSON values, dates and times (see `json_safe`).
    """
    if text.startswith("---"):
        fence, loader = "---", _load_yaml
    elif text.startswith("+++"):
        fence, loader = "+++", _load_toml
    else:
        return {}, 0
    first_end = text.find("\n")
    if first_end == -1 or text[:first_end].rstrip() != fence:
        return {}, 0
    closers = (fence, "...") if fence == "---" else (fence,)
    position = first_end + 1
    line_count = 1
    while position <= len(text):
        end = text.find("\n", position)
        line = text[position:] if end == -1 else text[position:end]
        line_count += 1
        if line.rstrip() in closers:
            body = text[first_end + 1 : position]
            if len(body) > MAX_FRONT_MATTER_CHARS:
                warnings.append(
                    IndexWarning(
                        source,
                        f"front matter is {len(body):,} characters long, over the "
                        f"{MAX_FRONT_MATTER_CHARS:,} limit; front matter ignored",
                        1,
                    )
                )
                return {}, line_count
            return loader(source, body, warnings), line_count
        if end == -1:
            break
        position = end + 1
    return {}, 0


def _limit_warning(source: str, kind: str, problem: FrontMatterLimit) -> IndexWarning:
    return IndexWarning(
        source,
        f"front matter ({kind}) {problem.message}; front matter ignored, simplify it",
        problem.line,
    )


def _load_yaml(source: str, body: str, warnings: list[IndexWarning]) -> dict[str, Any]:
    import yaml

    loader = None
    try:
        loader = _limited_yaml_loader()(body)  # reads the text: may raise a ReaderError
        data = loader.get_single_data()
    except FrontMatterLimit as problem:
        warnings.append(_limit_warning(source, "YAML", problem))
        return {}
    except yaml.MarkedYAMLError as error:
        mark = error.problem_mark or error.context_mark
        if mark is not None:
            line = mark.line + 2  # +1 for 1-based lines, +1 for the opening ---
            warnings.append(
                IndexWarning(
                    source,
                    f"front matter is not valid YAML at line {line}, column {mark.column + 1}: "
                    f"{error.problem or error.context}; front matter ignored, fix the YAML",
                    line,
                )
            )
        else:
            warnings.append(
                IndexWarning(source, f"front matter is not valid YAML ({_reason(error)})", 1)
            )
        return {}
    except yaml.YAMLError as error:  # a character YAML does not allow, say
        warnings.append(
            IndexWarning(source, f"front matter is not valid YAML ({_reason(error)}); ignored", 1)
        )
        return {}
    except (ValueError, TypeError, RecursionError) as error:
        # PyYAML lets some errors of its constructors through (a mapping key that cannot
        # be hashed, a number too long to convert); they are the file's problem too.
        warnings.append(
            IndexWarning(
                source,
                f"front matter could not be read ({type(error).__name__}: {_reason(error)}); "
                "ignored",
                1,
            )
        )
        return {}
    finally:
        if loader is not None:
            loader.dispose()
    if data is None:
        return {}
    if not isinstance(data, dict):
        warnings.append(
            IndexWarning(
                source,
                f"front matter is a {type(data).__name__}, not a mapping of `key: value` "
                "lines; ignored",
                1,
            )
        )
        return {}
    try:
        safe = json_safe_mapping(data)
    except FrontMatterLimit as problem:
        warnings.append(_limit_warning(source, "YAML", problem))
        return {}
    if loader.tilbook_notes:
        # One warning for the block, however many of its values were read as text.
        line, message = loader.tilbook_notes[0]
        more = len(loader.tilbook_notes) - 1
        if more:
            message += f" (and {more} more value{'s' if more > 1 else ''} like it)"
        warnings.append(IndexWarning(source, f"front matter {message}", line))
    return safe


@functools.cache
def _limited_yaml_loader() -> Any:
    """A `yaml.SafeLoader` that keeps to the `MAX_FRONT_MATTER_*` limits.

    As PyYAML composes the block (one level of recursion per level of nesting), it
    refuses nesting deeper than the depth limit (flow `[[[…` or block), more aliases
    than the alias limit, an alias inside the node it names (a cycle), and a block that
    expands to more values than the value limit; each with a `FrontMatterLimit`, before
    anything is built. A date or number that cannot be built (`2024-13-01`)
    is kept as its text, with a note in `tilbook_notes`. Built on first use so that
    PyYAML is imported only for files with front matter.
    """
    import yaml

    class LimitedLoader(yaml.SafeLoader):
        def __init__(self, stream: str) -> None:
            super().__init__(stream)
            self.tilbook_notes: list[tuple[int, str]] = []
            """(line, message) of values read as text instead of what they looked like."""
            self._depth = 0
            self._aliases = 0
            self._values = 0
            self._open: list[str | None] = []
            self._sizes: dict[str, int] = {}

        def _line(self, mark: Any) -> int:
            return int(mark.line) + 2 if mark is not None else 1  # 1-based, after `---`

        def compose_node(self, parent: Any, index: Any) -> Any:
            event: Any = self.peek_event()  # type: ignore[no-untyped-call]
            if isinstance(event, yaml.AliasEvent):
                self._aliases += 1
                if self._aliases > MAX_FRONT_MATTER_ALIASES:
                    raise FrontMatterLimit(
                        f"has more than {MAX_FRONT_MATTER_ALIASES} aliases",
                        self._line(event.start_mark),
                    )
                if event.anchor in self._open:
                    raise FrontMatterLimit(
                        f"alias *{event.anchor} refers to the value that holds it (a cycle)",
                        self._line(event.start_mark),
                    )
                self._count(self._sizes.get(event.anchor or "", 1), event.start_mark)
                return super().compose_node(parent, index)
            if self._depth >= MAX_FRONT_MATTER_DEPTH:
                raise FrontMatterLimit(
                    f"nests lists or mappings more than {MAX_FRONT_MATTER_DEPTH} deep",
                    self._line(event.start_mark),
                )
            anchor = event.anchor
            before = self._values
            self._depth += 1
            self._open.append(anchor)
            try:
                node = super().compose_node(parent, index)
            finally:
                self._depth -= 1
                self._open.pop()
            self._count(1, event.start_mark)
            if anchor is not None:
                self._sizes[anchor] = self._values - before
            return node

        def _count(self, values: int, mark: Any) -> None:
            self._values += values
            if self._values > MAX_FRONT_MATTER_VALUES:
                raise FrontMatterLimit(
                    f"expands to more than {MAX_FRONT_MATTER_VALUES:,} values "
                    "(aliases repeat what they name)",
                    self._line(mark),
                )

        def _as_text(self, node: Any, build: Any, what: str) -> Any:
            try:
                return build(self, node)
            except ValueError as error:
                self.tilbook_notes.append(
                    (
                        self._line(node.start_mark),
                        f"value {str(node.value)[:40]!r} is not a valid {what} "
                        f"({_reason(error)}); read as text",
                    )
                )
                return str(node.value)

        def construct_yaml_timestamp(self, node: Any) -> Any:
            return self._as_text(node, yaml.SafeLoader.construct_yaml_timestamp, "date")

        def construct_yaml_int(self, node: Any) -> Any:
            return self._as_text(node, yaml.SafeLoader.construct_yaml_int, "number")

    LimitedLoader.add_constructor(
        "tag:yaml.org,2002:timestamp", LimitedLoader.construct_yaml_timestamp
    )
    LimitedLoader.add_constructor("tag:yaml.org,2002:int", LimitedLoader.construct_yaml_int)
    return LimitedLoader


def _load_toml(source: str, body: str, warnings: list[IndexWarning]) -> dict[str, Any]:
    import tomllib

    try:
        _check_toml_depth(body)
        return json_safe_mapping(tomllib.loads(body))
    except FrontMatterLimit as problem:
        warnings.append(_limit_warning(source, "TOML", problem))
    except tomllib.TOMLDecodeError as error:
        warnings.append(
            IndexWarning(source, f"front matter is not valid TOML ({error}); ignored", 1)
        )
    except (ValueError, RecursionError) as error:
        warnings.append(
            IndexWarning(
                source,
                f"front matter could not be read ({type(error).__name__}: {_reason(error)}); "
                "ignored",
                1,
            )
        )
    return {}


def _reason(error: BaseException) -> str:
    """An exception's message on one line and short: its first clause, at most 120
    characters."""
    return " ".join(str(error).split(";", 1)[0].split())[:120]


def _check_toml_depth(body: str) -> None:
    """Raise `FrontMatterLimit` when TOML nests arrays or inline tables too deep.

    A scan of the text before `tomllib` (which recurses once per level) reads it:
    brackets and braces are counted outside strings and comments.
    """
    depth = 0
    line = 2  # the body starts on the file's second line, after `+++`
    position = 0
    length = len(body)
    while position < length:
        char = body[position]
        if char == "\n":
            line += 1
        elif char == "#":
            end = body.find("\n", position)
            position = length if end == -1 else end
            continue
        elif char in "\"'":
            quote = body[position : position + 3] if body.startswith(char * 3, position) else char
            end = _toml_string_end(body, position + len(quote), quote)
            line += body.count("\n", position, end)
            position = end
            continue
        elif char in "[{":
            depth += 1
            if depth > MAX_FRONT_MATTER_DEPTH:
                raise FrontMatterLimit(
                    f"nests arrays or tables more than {MAX_FRONT_MATTER_DEPTH} deep", line
                )
        elif char in "]}":
            depth = max(depth - 1, 0)
        position += 1


def _toml_string_end(body: str, start: int, quote: str) -> int:
    """Where a TOML string that opens before `start` ends (just after its closing quote)."""
    escapes = quote[0] == '"'
    single_line = len(quote) == 1
    position = start
    while position < len(body):
        char = body[position]
        if escapes and char == "\\":
            position += 2
            continue
        if single_line and char == "\n":
            return position
        if body.startswith(quote, position):
            return position + len(quote)
        position += 1
    return len(body)


def json_safe_mapping(data: dict[Any, Any]) -> dict[str, Any]:
    """Front matter as plain values the index can store as JSON (see `json_safe`)."""
    safe = json_safe(data)
    return safe if isinstance(safe, dict) else {}


def json_safe(value: Any) -> Any:
    """`value` rebuilt from JSON types: text, int, finite float, bool, None, lists and
    mappings with text keys. Dates and date-times are kept (the reader dates notes by
    them; the index writes them as ISO text), times become ISO text, bytes are decoded,
    sets listed, anything else is its text. The result is a fresh tree: it shares no
    container with `value`.

    Raises `FrontMatterLimit` (line 1: where it is is not known) when `value` nests
    deeper than `MAX_FRONT_MATTER_DEPTH`, holds more than `MAX_FRONT_MATTER_VALUES`
    values, or holds itself. The loaders keep to these limits as they read, except
    TOML's dotted keys (`a.b.c = 1`) and long arrays, which only this sees.
    """
    budget = MAX_FRONT_MATTER_VALUES
    path: set[int] = set()

    def rebuild(item: Any, depth: int) -> Any:
        nonlocal budget
        budget -= 1
        if budget < 0:
            raise FrontMatterLimit(f"holds more than {MAX_FRONT_MATTER_VALUES:,} values")
        if item is None or isinstance(item, (bool, int, str, datetime.date)):
            return item
        if isinstance(item, float):
            return item if math.isfinite(item) else str(item)
        if isinstance(item, datetime.time):
            return item.isoformat()
        if isinstance(item, (bytes, bytearray)):
            return bytes(item).decode("utf-8", errors="replace")
        if not isinstance(item, (dict, list, tuple, set, frozenset)):
            return str(item)
        if depth >= MAX_FRONT_MATTER_DEPTH:
            raise FrontMatterLimit(
                f"nests lists or mappings more than {MAX_FRONT_MATTER_DEPTH} deep"
            )
        if id(item) in path:
            raise FrontMatterLimit("holds itself (a cycle)")
        path.add(id(item))
        try:
            if isinstance(item, dict):
                return {str(key): rebuild(inner, depth + 1) for key, inner in item.items()}
            if isinstance(item, (set, frozenset)):
                return sorted((rebuild(inner, depth + 1) for inner in item), key=str)
            return [rebuild(inner, depth + 1) for inner in item]
        finally:
            path.discard(id(item))

    return rebuild(value, 0)


def read_source(file: FileStat, *, max_bytes: int) -> tuple[SourceText, bytes | None]:
    """Read and decode one note file.

    Returns the text (empty when the file cannot be indexed, with warnings
    saying why) and the raw bytes that were read (None when nothing could be).
    """
    warnings: list[IndexWarning] = []
    result = SourceText(file.source, file.path, "", warnings=warnings)
    if file.size > max_bytes:
        warnings.append(
            IndexWarning(
                file.source,
                f"is {file.size / 1e6:.1f} MB, over the {max_bytes / 1e6:.0f} MB limit; skipped "
                "(raise max_file_size_mb in tilbook.toml to index it)",
            )
        )
        return result, None
    try:
        data = read_regular_file(file.path, limit=max_bytes)
    except NotRegularFileError as error:
        warnings.append(IndexWarning(file.source, f"{error.strerror}; skipped"))
        return result, None
    except FileNotFoundError:
        warnings.append(IndexWarning(file.source, "vanished while it was being indexed"))
        return result, None
    except OSError as error:
        warnings.append(IndexWarning(file.source, f"could not be read ({error.strerror})"))
        return result, None
    if not data.strip():
        warnings.append(IndexWarning(file.source, "is empty; nothing to index"))
        return result, data
    decoded = decode(file.source, data, warnings)
    if decoded is None:
        return result, data
    text, encoding = decoded
    # NFC, like queries: Korean typed or saved as decomposed jamo must still be found.
    text = unicodedata.normalize("NFC", normalise_newlines(text))
    front_matter, front_lines = split_front_matter(file.source, text, warnings)
    result.text = text
    result.front_matter = front_matter
    result.front_matter_lines = front_lines
    result.encoding = encoding
    return result, data


def source_from_text(source: str, text: str) -> SourceText:
    """A `SourceText` for text that is already in memory (tests, `inspect -`)."""
    warnings: list[IndexWarning] = []
    text = unicodedata.normalize("NFC", normalise_newlines(text.removeprefix("\ufeff")))
    front_matter, front_lines = split_front_matter(source, text, warnings)
    return SourceText(
        source, Path(source), text, front_matter, front_lines, "utf-8", warnings=warnings
    )
