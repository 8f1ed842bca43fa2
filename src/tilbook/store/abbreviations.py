"""Abbreviations: a search for `VAE` also finds "variational autoencoder", and back.

Pairs come from three places: a built-in list of common machine-learning, statistics
and computing abbreviations (`data/abbreviations.json`), the user's own glossary
(a term written with its short form: "Variational auto-encoder (VAE)", "VAE:
variational auto-encoder", "**RLHF** – reinforcement learning from human feedback"),
and `abbreviations` in `tilbook.toml`. A short form matches case-insensitively (and
with a plural `s`); a long form matches as a phrase of the words typed, in any of
their forms.

A long form is told from a glossary line by its letters: each letter of the short
form starts one of its words or follows the one before in the same word (`LoRA`,
"low-rank adaptation"), most of them starting a word, a few small words left out.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cache
from importlib import resources

from tilbook.store.stemming import DEFAULT_LANGUAGE, stem_words

MAX_LONG_WORDS = 8
MAX_SKIPPED = 2
"""Words a long form may have that give its short form no letter ("from", "of")."""
_WORDS = re.compile(r"[^\W_]+")
_SHORT = re.compile(r"[^\W_](?:[^\W_]|[-&/.](?=[^\W_])){1,9}")
"""A short form as written: 2-10 letters or digits, inner `-`, `&`, `/` or `.` allowed."""
_PARENTHESISED = re.compile(r"^(?P<outer>[^()（）]+?)\s*[(（](?P<inner>[^()（）]+)[)）]$")
_CLAUSE_END = re.compile(r"[;:,.()（）\[\]—–]|\s-\s|\s+(?:is|are|which|that|used)\s")


def looks_short(text: str) -> bool:
    """Whether `text` reads as an abbreviation: one short token with a capital letter,
    more capitals than a word would have (`VAE`, `LoRA`, `t-SNE`; not `Adam`)."""
    text = text.strip()
    if not _SHORT.fullmatch(text):
        return False
    capitals = sum(char.isupper() for char in text)
    return capitals >= 2 or (capitals == 1 and not text[0].isupper())


def _spell(letters: list[str], words: list[str], first: int) -> tuple[int, int, int] | None:
    """How `words[first:]` spell `letters`, the first letter starting `words[first]`:
    (letters at a word's start, words skipped, the last word used), the most starts
    and then the fewest skipped words; None when they cannot."""
    best: tuple[int, int, int] | None = None

    def walk(letter: int, word: int, at: int, starts: int, skipped: int) -> None:
        nonlocal best
        if letter == len(letters):
            found = (starts, -skipped, -word)
            if best is None or found > (best[0], -best[1], -best[2]):
                best = (starts, skipped, word)
            return
        wanted = letters[letter]
        inside = words[word].find(wanted, at + 1)
        if inside != -1:
            walk(letter + 1, word, inside, starts, skipped)
        for following in range(word + 1, min(len(words), word + 2 + MAX_SKIPPED - skipped)):
            if words[following][0] == wanted:
                walk(letter + 1, following, 0, starts + 1, skipped + following - word - 1)

    if words and words[first][0] == letters[0]:
        walk(1, first, 0, 1, 0)
    return best


def long_form_of(short: str, text: str, *, at_start: bool = False) -> str | None:
    """The words of `text` whose letters spell `short`, or None: each letter of `short`
    starts a word or follows the one before in the same word, with at most
    `MAX_SKIPPED` words left out ("reinforcement learning from human feedback"), most
    letters starting a word. The words end `text` (a term before its short form in
    parentheses) or, `at_start`, open it (a definition after a short form)."""
    letters = [char.casefold() for char in short if char.isalnum()]
    spans = [(m.start(), m.end()) for m in _WORDS.finditer(text)]
    words = [text[a:b].casefold() for a, b in spans]
    if not letters or not words or len(words) > 4 * MAX_LONG_WORDS:
        return None
    firsts = range(min(3, len(words))) if at_start else range(len(words))
    best: tuple[int, int, int, int] | None = None
    for first in firsts:
        found = _spell(letters, words, first)
        if found is None or (not at_start and found[2] != len(words) - 1):
            continue
        starts, skipped, last = found
        key = (starts, -skipped, -first if at_start else first)
        if best is None or key > (best[0], -best[1], -best[3] if at_start else best[3]):
            best = (starts, skipped, last, first)
    if best is None or 2 * best[0] < len(letters):
        return None
    starts, _, last, first = best
    if last - first + 1 > MAX_LONG_WORDS:
        return None
    found_text = text[spans[first][0] : spans[last][1]]
    if len(found_text) <= len(short) or found_text.casefold() == short.casefold():
        return None
    return found_text


def pair_from_glossary(term: str, definition: str) -> tuple[str, str] | None:
    """(short, long) when a glossary line names one thing both ways, else None."""
    term = " ".join(term.replace("*", " ").replace("`", " ").split())
    parts = _PARENTHESISED.match(term)
    if parts:
        outer, inner = parts.group("outer").strip(), parts.group("inner").strip()
        if looks_short(inner) and not looks_short(outer):
            found = long_form_of(inner, outer)
            return (inner, found) if found else None
        if looks_short(outer) and not looks_short(inner):
            found = long_form_of(outer, inner)
            return (outer, found) if found else None
        return None
    if not looks_short(term):
        return None
    clause = _CLAUSE_END.split(" ".join(definition.replace("*", " ").split()), maxsplit=1)[0]
    clause = clause.strip()
    words = _WORDS.findall(clause)
    if not words or len(words) > 2 * len(term) + 2:
        return None
    found = long_form_of(term, clause, at_start=True)
    return (term, found) if found else None


def _key(text: str) -> tuple[str, ...]:
    """A name as the stems of its words, so "auto-encoders" is "auto-encoder"."""
    return tuple(stem_words([word.casefold() for word in _WORDS.findall(text)], [DEFAULT_LANGUAGE]))


@dataclass(slots=True)
class Abbreviations:
    """Which names mean the same thing: each short form with its long forms."""

    longs: dict[str, list[str]] = field(default_factory=dict)
    """Case-folded short form → its long forms, as written."""
    shorts_of: dict[tuple[str, ...], list[str]] = field(default_factory=dict)
    """A long form's word stems → its short forms, as written."""
    written: dict[str, str] = field(default_factory=dict)
    """Case-folded short form → as first written."""

    def add(self, short: str, long: str) -> None:
        short, long = short.strip(), " ".join(long.split())
        if not short or not _key(long) or short.casefold() == long.casefold():
            return
        folded = short.casefold()
        self.written.setdefault(folded, short)
        names = self.longs.setdefault(folded, [])
        if all(_key(known) != _key(long) for known in names):
            names.append(long)
        shorts = self.shorts_of.setdefault(_key(long), [])
        if self.written[folded] not in shorts:
            shorts.append(self.written[folded])

    def others(self, words: Sequence[str]) -> list[str]:
        """The other names of the thing `words` name (typed as they are), or none."""
        if len(words) == 1:
            folded = words[0].casefold()
            for candidate in (folded, folded[:-1] if folded.endswith("s") else None):
                if candidate and candidate in self.longs:
                    names = [self.written[candidate], *self.longs[candidate]]
                    return [name for name in names if name.casefold() != folded]
        key = _key(" ".join(words))
        shorts = self.shorts_of.get(key, [])
        found: list[str] = []
        for short in shorts:
            found.append(short)
            found.extend(long for long in self.longs[short.casefold()] if _key(long) != key)
        return found

    @property
    def longest(self) -> int:
        """The most words a long form has (how far to look in a query)."""
        return max((len(key) for key in self.shorts_of), default=1)


@cache
def builtin_pairs() -> tuple[tuple[str, tuple[str, ...]], ...]:
    """The built-in list: (short form, its long forms)."""
    data = json.loads(
        resources.files("tilbook.store").joinpath("data/abbreviations.json").read_text("utf-8")
    )
    return tuple((names[0], tuple(names[1:])) for names in data["abbreviations"])


def abbreviations(
    glossary: Iterable[tuple[str, str]] = (),
    extra: Mapping[str, Sequence[str]] | None = None,
) -> Abbreviations:
    """Every pair in force: the built-in list, the log's glossary, the user's settings."""
    found = Abbreviations()
    for short, longs in builtin_pairs():
        for long in longs:
            found.add(short, long)
    for term, definition in glossary:
        pair = pair_from_glossary(term, definition)
        if pair is not None:
            found.add(*pair)
    for short, names in (extra or {}).items():
        for long in names:
            found.add(short, long)
    return found
