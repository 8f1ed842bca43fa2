"""Related entries ("more like this"): what makes an entry like another one.

An entry is described by its distinctive words — those it uses most that few other
entries use (by document frequency: tf × idf, in at least two entries, so another
entry can share them, and in at most 0.5% of the log) — and by its tags.
The store ranks every entry by those with BM25, as a search would, and adds what
two entries plainly share: each paper counts `PAPER_WEIGHT`, each other link
`LINK_WEIGHT`, on top of the words' score scaled to 0-1 (a paper or link in more than
0.5% of the log, like a course's home page, counts for nothing).
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Mapping
from functools import lru_cache

from tilbook.store.query import has_cjk
from tilbook.store.spelling import vocabulary_form
from tilbook.store.stemming import every_function_word

SIGNATURE_WORDS = 12
"""Distinctive words an entry is described by."""
CANDIDATES = 40
"""Entries the words' BM25 ranking hands on to be weighed with papers and links."""
PAPER_WEIGHT = 1.0
LINK_WEIGHT = 0.5
_WORD = re.compile(r"[^\W\d_]{3,}")
_NOT_PROSE = re.compile(r"(?:https?|ftp)://\S+|www\.\S+|\\[A-Za-z]+")
"""URLs and TeX commands (`\\frac`, `\\left`): their parts are not an entry's words."""


def word_counts(text: str) -> Counter[str]:
    """The words of `text` (three letters or more, not function words like "what" or
    "also", not parts of URLs or TeX commands) as the index keeps them, counted."""
    prose = _NOT_PROSE.sub(" ", text) if ("://" in text or "\\" in text or "www." in text) else text
    counts = Counter(_WORD.findall(prose.casefold()))
    for word in every_function_word() & counts.keys():
        del counts[word]
    if prose.isascii():
        return counts
    folded: Counter[str] = Counter()
    for word, count in counts.items():
        if word.isascii():
            folded[word] += count
        elif not has_cjk(word):  # CJK text is matched by its character pairs instead
            folded[_index_form(word)] += count
    return folded


@lru_cache(maxsize=1 << 16)
def _index_form(word: str) -> str:
    return vocabulary_form(word)


def most_entries(total: int) -> int:
    """The most entries a distinctive word (or tag) may be in: 0.5% of the log, at
    least 20. (More would also make BM25 weigh thousands of candidates per entry.)"""
    return max(20, total // 200)


def distinctive_words(
    counts: Mapping[str, int], entries_with: Mapping[str, int], total: int
) -> list[str]:
    """The `SIGNATURE_WORDS` words of an entry that tell it apart best (tf × idf)."""
    ceiling = most_entries(total)
    scored = []
    for word, count in counts.items():
        found = entries_with.get(word, 0)
        if 2 <= found <= ceiling:
            scored.append((count * math.log(total / found), word))
    scored.sort(key=lambda pair: (-pair[0], pair[1]))
    return [word for _, word in scored[:SIGNATURE_WORDS]]
