"""Settings, declared once: the loader, `tilbook config` and the README read this table.

Settings live in `tilbook.toml` at the top of the log folder, either at top
level or under a `[tilbook]` table. Every setting has a default, so the file
is optional.
"""

from __future__ import annotations

import fnmatch
import re
import tomllib
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Any

from tilbook.errors import SettingsError

CONFIG_NAME = "tilbook.toml"


@dataclass(frozen=True, slots=True)
class Setting:
    name: str
    default: Any
    help: str


SETTINGS: tuple[Setting, ...] = (
    Setting(
        "extensions",
        [".md", ".markdown", ".mdown", ".mkd"],
        'File endings read as notes. Add ".txt" for logs kept as text files, jrnl journals '
        "among them (`tilbook add` writes only to files these endings let it read back).",
    ),
    Setting(
        "ignore",
        [],
        'Extra files to skip, as .tilbookignore lines (gitignore syntax: "drafts/", '
        '"*.tmp.md", "!keep.md"), read after that file\'s.',
    ),
    Setting(
        "max_file_size_mb",
        16,
        "Files larger than this many megabytes are skipped with a warning.",
    ),
    Setting(
        "journal",
        "",
        "The file `tilbook add` writes to (relative to the notes folder). Empty: the most "
        "recently dated file with a dated layout, else journal.md.",
    ),
    Setting(
        "todo_done_prefix",
        "[x] ",
        "What `tilbook todo done` puts before a plain TODO bullet to mark it done.",
    ),
    Setting(
        "todo_similarity",
        82,
        "How alike (0-100) two TODOs in different lists must be to count as one carried task.",
    ),
    Setting(
        "cards_from_terms",
        True,
        "Make flashcards from glossary terms (front: the term, back: its definition).",
    ),
    Setting(
        "cards_from_questions",
        True,
        "Make flashcards from answered questions (front: the question, back: the answer).",
    ),
    Setting(
        "cards_from_inline",
        True,
        'Make flashcards from "Q: … / A: …" pairs and "front :: back" lines in entries.',
    ),
    Setting(
        "cards_sr_tag",
        "flashcards",
        "Notes with this tag (or a tag below it, like `#flashcards/maths`) are read for the "
        "Obsidian Spaced Repetition plugin's card forms, as the plugin reads them. Empty: "
        "every note.",
    ),
    Setting(
        "cards_sr_single_line",
        True,
        'Spaced Repetition cards: a "front::back" line is one card.',
    ),
    Setting(
        "cards_sr_reversed",
        True,
        'Spaced Repetition cards: a "front:::back" line is two cards, one each way.',
    ),
    Setting(
        "cards_sr_multiline",
        True,
        'Spaced Repetition cards: a paragraph with a line "?" is a card, the lines above '
        'it the front and the lines below the back ("??": two cards, one each way).',
    ),
    Setting(
        "cards_sr_cloze_highlight",
        True,
        "Spaced Repetition cards: each `==highlight==` in a line is a cloze card (the line "
        "with it hidden).",
    ),
    Setting(
        "cards_sr_cloze_anki",
        True,
        "Spaced Repetition cards: Anki-style `{{c1::text}}` deletions are cloze cards, one "
        "per number (`{{c1::text::hint}}` shows the hint).",
    ),
    Setting(
        "review_retention",
        0.9,
        "Desired retention for `tilbook review` (FSRS): the chance to recall a card when it "
        "comes due, between 0.7 and 0.97. Higher means more reviews.",
    ),
    Setting(
        "review_new_per_day",
        20,
        "How many new flashcards `tilbook review` shows per day (`--new N` overrides).",
    ),
    Setting(
        "targets",
        [],
        "Learning targets to follow in `tilbook targets` besides those found in the notes, like "
        '"#GenAI: diffusion models" (matched by tag) or "flow matching" (matched by its words).',
    ),
    Setting(
        "files",
        [],
        "Hints for files no rule reads right, as `[[files]]` tables: `match` (a glob, like "
        '"journal/*.md") and any of `layout`, `entry_level` (the heading level that opens '
        "entries), `entry_pattern` (a regular expression a heading must match to open one), "
        '`date_order` ("dmy" or "mdy" for 03/04/2024) and `date_format` (how `tilbook add` '
        'writes a new day, like "%d.%m.%Y"). `tilbook inspect FILE` prints the hint that '
        "would change a reading.",
    ),
    Setting(
        "abbreviations",
        {},
        "Abbreviations of your own for search, besides the built-in list of common ones and "
        "your glossary's, as a table of short form = long form(s): `[abbreviations]` then "
        '`GNN = "graph neural network"` or `KD = ["knowledge distillation", "distillation"]`. '
        "A search for either name finds both.",
    ),
    # -- `tilbook build` (the static site) --
    Setting(
        "site_title", "Learning log", "`tilbook build`: the site's title (also the feeds' author)."
    ),
    Setting(
        "site_base_url",
        "",
        '`tilbook build`: where the site is published, like "https://me.example/til/" '
        "(absolute links in feeds). Empty: relative links only.",
    ),
    Setting(
        "site_out",
        ".tilbook/site",
        "`tilbook build`: the folder the site is written to (relative to the notes folder).",
    ),
    Setting("site_language", "en", '`tilbook build`: the pages\' language (`lang`), like "ko".'),
    Setting(
        "site_include_private",
        False,
        "`tilbook build`: publish open TODOs and questions too (left out by default).",
    ),
    Setting(
        "site_pretty_urls",
        False,
        "`tilbook build`: link to folders (`tags/rl/`) instead of their `index.html`: nicer on "
        "a web server, but such links do not open from `file://`.",
    ),
    Setting(
        "site_recent_entries", 20, "`tilbook build`: how many recent entries the home page shows."
    ),
    Setting(
        "site_pagefind",
        True,
        "`tilbook build`: also index the site with Pagefind when its binary is installed "
        "(`pip install 'pagefind[bin]'`).",
    ),
)
_BY_NAME = {setting.name: setting for setting in SETTINGS}


@dataclass(frozen=True, slots=True)
class Settings:
    values: dict[str, Any]
    path: Path | None

    def __getitem__(self, name: str) -> Any:
        return self.values[name]

    def hints_for(self, source: str) -> FileHints:
        """The hints for the note `source` (relative, `/`): every matching [[files]] table,
        later ones winning."""
        found: dict[str, Any] = {}
        for item in self.values.get("files", []):
            if _matches(source, item["match"]):
                found.update({key: value for key, value in item.items() if key != "match"})
        return FileHints(**found)

    def hints_signature(self) -> str:
        """What changes when any reading hint changes (the index then reads files again)."""
        return repr(
            [{key: item.get(key) for key in HINT_KEYS if key != "date_format"}
             for item in self.values.get("files", [])]
        )  # fmt: skip

    def source_of(self, name: str) -> str:
        return str(self.path) if self.path and name in self._explicit else "default"

    @property
    def _explicit(self) -> set[str]:
        return {name for name, value in self.values.items() if value != _BY_NAME[name].default}


HINT_KEYS = ("match", "layout", "entry_level", "entry_pattern", "date_order", "date_format")
LAYOUT_NAMES = (
    "dated-headings",
    "category-dated",
    "dated-list",
    "dated-lines",
    "dated-table",
    "jrnl",
    "lessons",
    "sections",
    "single-note",
)


@dataclass(frozen=True, slots=True)
class FileHints:
    """How to read one file, where the user has said so in `tilbook.toml`."""

    layout: str | None = None
    entry_level: int | None = None
    entry_pattern: str | None = None
    date_order: str | None = None
    """`dmy` or `mdy`: how `NN/NN/YYYY` dates are read."""
    date_format: str | None = None
    """strftime format for the dates `tilbook add` writes."""

    def signature(self) -> str:
        return repr((self.layout, self.entry_level, self.entry_pattern, self.date_order))


def _check_hints(value: Any, path: Path) -> list[dict[str, Any]]:
    """`[[files]]` tables, checked: a glob to match and known hints of the right type."""
    if isinstance(value, dict):
        value = [value]
    if not isinstance(value, list) or not all(isinstance(item, dict) for item in value):
        raise SettingsError(f'{path}: files must be [[files]] tables, like match = "log.md"')
    for number, item in enumerate(value, start=1):
        where = f"{path}: [[files]] #{number}"
        unknown = sorted(set(item) - set(HINT_KEYS))
        if unknown:
            raise SettingsError(f"{where}: unknown key {unknown[0]!r}; use {', '.join(HINT_KEYS)}")
        if not isinstance(item.get("match"), str) or not item["match"].strip():
            raise SettingsError(f'{where}: needs match = "a glob", like "journal/*.md"')
        layout = item.get("layout")
        if layout is not None and layout not in LAYOUT_NAMES:
            raise SettingsError(
                f"{where}: layout {layout!r} is not one of {', '.join(LAYOUT_NAMES)}"
            )
        level = item.get("entry_level")
        if level is not None and (isinstance(level, bool) or level not in range(1, 7)):
            raise SettingsError(f"{where}: entry_level must be a heading level, 1 to 6")
        pattern = item.get("entry_pattern")
        if pattern is not None:
            try:
                re.compile(str(pattern))
            except re.error as error:
                raise SettingsError(
                    f"{where}: entry_pattern is not a regular expression ({error})"
                ) from error
        order = item.get("date_order")
        if order is not None and order not in ("dmy", "mdy"):
            raise SettingsError(f'{where}: date_order must be "dmy" or "mdy"')
        form = item.get("date_format")
        if form is not None and (not isinstance(form, str) or "%" not in form):
            raise SettingsError(f'{where}: date_format must be a strftime format, like "%Y-%m-%d"')
    return value


def _check_abbreviations(value: Any, path: Path) -> dict[str, list[str]]:
    """`[abbreviations]`: short form → a long form or a list of them."""
    example = '[abbreviations] then GNN = "graph neural network"'
    if not isinstance(value, dict):
        raise SettingsError(f"{path}: abbreviations must be a table, like {example}")
    checked: dict[str, list[str]] = {}
    for short, longs in value.items():
        longs = [longs] if isinstance(longs, str) else longs
        if not isinstance(longs, list) or not all(isinstance(v, str) and v.strip() for v in longs):
            raise SettingsError(
                f"{path}: abbreviations.{short} must be a long form or a list of them, "
                f"like {example}"
            )
        checked[str(short)] = longs
    return checked


def _check(name: str, value: Any, path: Path) -> Any:
    if name == "files":
        return _check_hints(value, path)
    if name == "abbreviations":
        return _check_abbreviations(value, path)
    default = _BY_NAME[name].default
    if isinstance(default, list):
        if isinstance(value, str):
            value = [value]
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise SettingsError(f'{path}: {name} must be a list of strings, like [".md"]')
        return value
    if isinstance(default, str) and not isinstance(value, str):
        raise SettingsError(f"{path}: {name} must be a string")
    if isinstance(default, bool) and not isinstance(value, bool):
        raise SettingsError(f"{path}: {name} must be true or false")
    if (
        isinstance(default, int)
        and not isinstance(default, bool)
        and (isinstance(value, bool) or not isinstance(value, int))
    ):
        raise SettingsError(f"{path}: {name} must be a whole number")
    if isinstance(default, float):
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise SettingsError(f"{path}: {name} must be a number, like {default}")
        value = float(value)
    return value


def _matches(source: str, pattern: str) -> bool:
    """A glob against a note's path: `*.md` matches in any folder, `notes/*.md` from the top."""
    pattern = pattern.strip().lstrip("/")
    if "/" not in pattern:
        return fnmatch.fnmatchcase(PurePosixPath(source).name, pattern)
    return fnmatch.fnmatchcase(source, pattern) or PurePosixPath(source).match(pattern)


def load_settings(root: Path) -> Settings:
    """The settings of the log folder `root`, defaults filled in."""
    values = {setting.name: setting.default for setting in SETTINGS}
    path = root / CONFIG_NAME
    if not path.is_file():
        return Settings(values, None)
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as error:
        raise SettingsError(f"{path}: not valid TOML ({error}). Fix or remove the file.") from error
    table = data.get("tilbook", data)
    if not isinstance(table, dict):
        raise SettingsError(f"{path}: [tilbook] must be a table of settings")
    for name, value in table.items():
        if name in _BY_NAME:
            values[name] = _check(name, value, path)
        elif not isinstance(value, dict):
            known = ", ".join(_BY_NAME)
            raise SettingsError(f"{path}: unknown setting {name!r}. Known settings: {known}")
    return Settings(values, path)
