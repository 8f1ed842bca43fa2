"""Links between notes, and how they resolve (as Obsidian resolves them).

An entry links to another note with a wiki link (`[[Note]]`, `[[Note|alias]]`,
`[[Note#Heading]]`, `[[Note#^block]]`, `![[Note]]`) or a Markdown link to a note
file (`[text](other.md)`, `[text](../dir/other%20note.md#Heading)`). A link is
read from one entry; where it leads depends on every file of the notes folder,
so it is resolved after each index run (`resolve`):

- a path (`dir/Note`, `../Note.md`) is looked up relative to the linking file,
  then from the top of the notes folder;
- a name is any note file of that name, in any folder, case aside; when several
  have it, the shortest path wins (`candidates` tells how many fitted);
- else a front-matter alias (`aliases: [DDPM]`) of one note;
- a heading leads to the entry that heading opens, else to the entry holding it,
  a block id (`^abc`) to the entry holding it, anything else to the file's first
  entry (a file without entries is still a target: `source` without `entry`).
"""

from __future__ import annotations

import posixpath
import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import unquote

from tilbook.model import NoteLink
from tilbook.parse.blocks import BLOCK_ID, Block

NOTE_SUFFIXES = (".md", ".markdown")
_SCHEME = re.compile(r"^[a-zA-Z][a-zA-Z0-9+.\-]*:")


def _split(target: str) -> tuple[str, str | None, str | None]:
    """`Note#Heading` → (Note, Heading, None); `Note#^id` → (Note, None, id). In a table,
    `[[Note\\|alias]]` escapes its bar: the backslash is not part of the name."""
    target = target.rstrip("\\")
    name, hashed, fragment = target.partition("#")
    if not hashed:
        return name.strip(), None, None
    fragment = fragment.strip()
    if fragment.startswith("^"):
        return name.strip(), None, fragment[1:] or None
    # Obsidian writes a sub-heading as `Note#Heading#Sub`: the last one is the target.
    heading = fragment.split("#")[-1].strip()
    return name.strip(), heading or None, None


def _is_note_path(path: str) -> bool:
    return path.lower().endswith(NOTE_SUFFIXES)


def entry_note_links(blocks: Sequence[Block]) -> list[NoteLink]:
    """The links of an entry's blocks to other notes (or to a heading of its own note)."""
    found: list[NoteLink] = []
    for block in blocks:
        for raw in block.links:
            url = raw.url.strip()
            if raw.wiki:
                name, heading, block_id = _split(url)
                if not name and not heading and not block_id:
                    continue  # `[[ ]]`, `[[#]]`: points nowhere
                extension = posixpath.splitext(name)[1].lower()
                if extension and not _is_note_path(name) and (raw.image or len(extension) <= 5):
                    continue  # an attachment (`![[diagram.png]]`, `[[slides.pdf]]`)
                found.append(
                    NoteLink(
                        target=name,
                        text=raw.text or url,
                        line=raw.line,
                        form="wiki",
                        heading=heading,
                        block=block_id,
                        embed=raw.image,
                        href=url,
                    )
                )
            elif not raw.image and not raw.autolink and url and not _SCHEME.match(url):
                path, _, fragment = url.partition("#")
                path = unquote(path.split("?", 1)[0]).replace("\\", "/")
                if not _is_note_path(path) or path.startswith("//"):
                    continue
                fragment = unquote(fragment).strip()
                found.append(
                    NoteLink(
                        target=path,
                        text=raw.text or path,
                        line=raw.line,
                        form="markdown",
                        heading=fragment if fragment and not fragment.startswith("^") else None,
                        block=fragment[1:] if fragment.startswith("^") else None,
                        href=url,
                    )
                )
    return found


def block_ids(lines: Iterable[str]) -> list[str]:
    """The block ids (`^id` ending a line) among `lines`."""
    return [match.group(1) for line in lines if "^" in line and (match := BLOCK_ID.search(line))]


# -- resolution ---------------------------------------------------------------------------


@dataclass(slots=True)
class NoteFile:
    """What a link can lead to in one note file."""

    source: str
    aliases: list[str] = field(default_factory=list)
    entries: list[tuple[str, list[str]]] = field(default_factory=list)
    """(entry id, anchors) in file order; anchors as `Entry.anchors`."""


def _fold(text: str) -> str:
    return " ".join(text.casefold().split())


def _heading_key(text: str) -> str:
    """Headings compare as Obsidian compares them: case, spaces and the characters a
    link cannot hold (`#|^:[]`) aside."""
    return _fold(re.sub(r"[#|^:\[\]\\]", " ", text))


def aliases_of(front_matter: object) -> list[str]:
    """The `aliases` (or `alias`) of a note's front matter, as a list."""
    if not isinstance(front_matter, dict):
        return []
    found: list[str] = []
    for key in ("aliases", "alias"):
        value = front_matter.get(key)
        if isinstance(value, str):
            found.extend(part.strip() for part in value.split(",") if part.strip())
        elif isinstance(value, list):
            found.extend(str(item).strip() for item in value if str(item).strip())
    return found


def _without_suffix(path: str) -> str:
    lowered = path.lower()
    for suffix in NOTE_SUFFIXES:
        if lowered.endswith(suffix):
            return path[: -len(suffix)]
    return path


EntriesOf = Callable[[str], list[tuple[str, list[str]]]]
"""A note file's entries, (id, anchors) in file order, by its path: asked only of the
files links lead to."""


class Resolver:
    """Every note file's names, paths and aliases, to resolve links against.

    `entries_of`, when given, is asked for the entries of a file links lead to (once per
    file), so resolving needs the entries of those files only.
    """

    def __init__(self, files: Iterable[NoteFile], entries_of: EntriesOf | None = None) -> None:
        self.entries_of = entries_of
        self.asked: set[str] = set()
        self.memo: dict[tuple[Any, ...], tuple[str | None, str | None, int]] = {}
        self.files: dict[str, NoteFile] = {}
        self.by_path: dict[str, str] = {}
        self.by_name: dict[str, list[str]] = {}
        self.by_alias: dict[str, list[str]] = {}
        for note in sorted(files, key=lambda f: f.source):
            self.files[note.source] = note
            bare = _without_suffix(note.source)
            self.by_path.setdefault(bare.casefold(), note.source)
            self.by_name.setdefault(posixpath.basename(bare).casefold(), []).append(note.source)
            for alias in note.aliases:
                self.by_alias.setdefault(_fold(alias), []).append(note.source)
        for sources in self.by_name.values():
            sources.sort(key=lambda s: (s.count("/"), len(s), s))

    def _files_for(self, target: str, origin: str) -> list[str]:
        """The note files `target` can mean from a note at `origin`, the best first."""
        if not target:
            return [origin] if origin in self.files else []
        path = _without_suffix(target.replace("\\", "/")).strip()
        folder = posixpath.dirname(origin)
        if "/" in path or path.startswith("."):
            for candidate in (posixpath.join(folder, path), path.lstrip("/")):
                normal = posixpath.normpath(candidate)
                if not normal.startswith("../") and normal.casefold() in self.by_path:
                    return [self.by_path[normal.casefold()]]
            # Obsidian also finds `dir/Note` in a deeper folder (`notes/dir/Note`).
            ending = "/" + path.lstrip("./").casefold()
            return sorted(
                (source for key, source in self.by_path.items() if key.endswith(ending)),
                key=lambda s: (s.count("/"), len(s), s),
            )
        named = self.by_name.get(path.casefold())
        if named:
            if len(named) > 1 and folder:
                # A note beside the linking one wins over others of the same depth.
                near = [s for s in named if posixpath.dirname(s) == folder]
                if near and near[0] != named[0] and near[0].count("/") <= named[0].count("/"):
                    return [near[0], *[s for s in named if s != near[0]]]
            return named
        return self.by_alias.get(_fold(path), [])

    def resolve(self, link: NoteLink, origin: str) -> NoteLink:
        """`link` (read in the note `origin`) with `entry`, `source` and `candidates` set."""
        link.entry, link.source, link.candidates = self.lead(
            link.target, link.heading, link.block, origin
        )
        return link

    def lead(
        self, target: str, heading: str | None, block: str | None, origin: str
    ) -> tuple[str | None, str | None, int]:
        """Where a link leads: (entry id, note file, how many notes fit its name).

        The same link leads to the same place from every note whose place cannot
        change that (a bare name that fits one note, from anywhere), so each such
        link is resolved once."""
        bare = target and "/" not in target and not target.startswith(".")
        named = self.by_name.get(_without_suffix(target).strip().casefold()) if bare else None
        place = None if bare and (named is None or len(named) < 2) else origin
        key = (target, heading, block, place)
        found = self.memo.get(key)
        if found is not None:
            return found
        sources = self._files_for(target, origin)
        if not sources:
            found = (None, None, 0)
        else:
            note = self.files[sources[0]]
            if self.entries_of is not None and note.source not in self.asked:
                self.asked.add(note.source)
                note.entries = self.entries_of(note.source)
            found = (self._entry_in(note, heading, block), note.source, len(sources))
        self.memo[key] = found
        return found

    @staticmethod
    def _entry_in(note: NoteFile, heading: str | None, block: str | None) -> str | None:
        if not note.entries:
            return None
        if block:
            for entry_id, anchors in note.entries:
                if "^" + block in anchors:
                    return entry_id
        if heading:
            key = _heading_key(heading)
            for entry_id, anchors in note.entries:
                if anchors and not anchors[0].startswith("^") and _heading_key(anchors[0]) == key:
                    return entry_id
            for entry_id, anchors in note.entries:
                if any(_heading_key(anchor) == key for anchor in anchors):
                    return entry_id
        return note.entries[0][0]
