"""Typos: the words of the index's own vocabulary closest to a word that matches little.

A typed word that the notes do not contain (or that only a few entries contain while
a close word is in many) is looked up in the vocabulary of the index: the closest
words by edit distance, where swapping two neighbouring letters counts as one edit
(optimal string alignment), and how far a word may be depends on its length. A word
the notes contain is never replaced; a close, much commoner word is searched as well,
its results after those of the word as typed.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass

MIN_LENGTH = 4
"""Shorter words are not corrected: too many words are one edit away from them."""
RARE = 2
"""A word found in at most this many entries is rare: close words are looked up."""
COMMONER = 5
"""A close word must be in this many times more entries than a rare typed word (and in
at least `MIN_COMMON`) to be searched as well."""
MIN_COMMON = 5
MAX_ALTERNATIVES = 1
"""Close words searched per typed word (the closest, then the most common)."""
_CORRECTABLE = re.compile(r"[^\W\d_]+")


def max_distance(word: str) -> int:
    """Edits allowed for a word of this length: none below `MIN_LENGTH`, one up to seven
    letters, two from eight."""
    if len(word) < MIN_LENGTH:
        return 0
    return 1 if len(word) < 8 else 2


def vocabulary_form(word: str) -> str:
    """A word as the index's tokenizer keeps it: case-folded, without diacritics."""
    decomposed = unicodedata.normalize("NFKD", word.casefold())
    return "".join(char for char in decomposed if not unicodedata.combining(char))


def correctable(word: str) -> bool:
    """Whether `word` is one plain word of letters long enough to be corrected."""
    return _CORRECTABLE.fullmatch(word) is not None and max_distance(word) > 0


@dataclass(frozen=True, slots=True)
class CloseWord:
    word: str
    distance: int
    entries: int
    """How many entries contain it."""


def close_words(
    word: str, vocabulary: Iterable[tuple[str, int]], *, limit: int = MAX_ALTERNATIVES
) -> list[CloseWord]:
    """The words of `vocabulary` ((word, entries) pairs) closest to `word`: the fewest
    edits first, then the most entries, then alphabetical; never `word` itself."""
    typed = vocabulary_form(word)
    allowed = max_distance(typed)
    if not allowed:
        return []
    counts = {
        candidate: entries
        for candidate, entries in vocabulary
        if candidate != typed and abs(len(candidate) - len(typed)) <= allowed
    }
    if not counts:
        return []
    # NOTE: imported here: only a search for a word the notes lack needs the matcher.
    from rapidfuzz import process
    from rapidfuzz.distance import OSA

    found = process.extract(
        typed, list(counts), scorer=OSA.distance, score_cutoff=allowed, limit=None
    )
    ranked = sorted(
        (
            CloseWord(candidate, int(distance), counts[candidate])
            for candidate, distance, _ in found
        ),
        key=lambda close: (close.distance, -close.entries, close.word),
    )
    return ranked[:limit]


def worth_adding(typed_entries: int, close: CloseWord) -> bool:
    """Whether a close word should be searched besides a word the notes contain."""
    if typed_entries == 0:
        return True
    return (
        typed_entries <= RARE
        and close.entries >= MIN_COMMON
        and close.entries >= COMMONER * typed_entries
    )
