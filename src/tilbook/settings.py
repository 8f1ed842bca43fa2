"""Settings, declared once: the loader, `tilbook config` and the README read this table.

Settings live in `tilbook.toml` at the top of the log folder, either at top
level or under a `[tilbook]` table. Every setting has a default, so the file
is optional.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from pathlib import Path
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
        'File endings read as notes. Add ".txt" for logs kept as text files.',
    ),
    Setting(
        "ignore",
        [],
        'Extra glob patterns to skip, like .tilbookignore lines ("drafts/", "*.tmp.md").',
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

    def source_of(self, name: str) -> str:
        return str(self.path) if self.path and name in self._explicit else "default"

    @property
    def _explicit(self) -> set[str]:
        return {name for name, value in self.values.items() if value != _BY_NAME[name].default}


def _check(name: str, value: Any, path: Path) -> Any:
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
