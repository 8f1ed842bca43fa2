"""Word forms for search: `learning` finds `learn` and `learns`, in the note's own language.

Every entry's words are also indexed by their stem (Snowball, through PyStemmer),
in a column of their own that weighs less than the words as written, so that a
search finds other forms of a word but ranks the form typed first. Which
stemmers apply to an entry is told by the function words it uses (a data file,
`data/function_words.json`); English is the default. Korean, Chinese and
Japanese are not stemmed: their character pairs already match inside words.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from collections.abc import Iterable, Sequence
from functools import cache
from importlib import resources
from typing import Any

from tilbook.store.query import CJK_RUN

DEFAULT_LANGUAGE = "english"
MIN_HITS = 2
"""Function words of a language an entry needs before its stemmer is used for it."""
_WORD = re.compile(r"[^\W\d_]{3,}")
"""Words worth stemming: three letters or more (no digits, no CJK runs handled here)."""


@cache
def function_words() -> dict[str, str]:
    """Function word → the one language it marks (words of two languages are dropped)."""
    data = json.loads(
        resources.files("tilbook.store").joinpath("data/function_words.json").read_text("utf-8")
    )
    owners: dict[str, set[str]] = {}
    for language, words in data.items():
        if language.startswith("_"):
            continue
        for word in words:
            owners.setdefault(word, set()).add(language)
    return {word: next(iter(langs)) for word, langs in owners.items() if len(langs) == 1}


@cache
def every_function_word() -> frozenset[str]:
    """Every function word of every language ("what", "also", "alle"): words that say
    nothing about what an entry is about."""
    data = json.loads(
        resources.files("tilbook.store").joinpath("data/function_words.json").read_text("utf-8")
    )
    return frozenset(
        word for language, words in data.items() if not language.startswith("_") for word in words
    )


@cache
def _stemmer(language: str) -> Any:
    import Stemmer  # type: ignore[import-not-found]

    return Stemmer.Stemmer(language)


def languages_of(text: str) -> list[str]:
    """The languages whose function words `text` uses (English when none stands out)."""
    marks = function_words()
    hits = Counter(
        marks[word] for word in re.findall(r"[^\W\d_]+", text.casefold()) if word in marks
    )
    found = [language for language, count in hits.most_common() if count >= MIN_HITS]
    return found or [DEFAULT_LANGUAGE]


def stem_words(words: Iterable[str], languages: Iterable[str]) -> list[str]:
    """The stems of `words` in each language, once each, in first-seen order."""
    stemmers = [_stemmer(language) for language in languages]
    seen: dict[str, None] = {}
    for word in words:
        for stemmer in stemmers:
            seen.setdefault(stemmer.stemWord(word), None)
    return list(seen)


def stems_text(text: str, languages: Iterable[str] | None = None) -> str:
    """The stems of the words of `text` in order, for the index's stems column: one run
    per language, so that a phrase of stems matches as the words stood."""
    lowered = text.casefold()
    words = _WORD.findall(lowered)
    if CJK_RUN.search(lowered):  # most text has no CJK: no word to drop then
        words = [word for word in words if not CJK_RUN.search(word)]
    if not words:
        return ""
    runs = []
    for language in languages or languages_of(lowered):
        runs.append(" ".join(_stemmer(language).stemWords(words)))
    return "\n".join(runs)


def phrase_stems(words: Sequence[str], languages: Iterable[str]) -> list[str]:
    """A phrase as stems, once per language whose stemmer changes it."""
    lowered = [word.casefold() for word in words]
    if not lowered or any(not _WORD.fullmatch(word) or CJK_RUN.search(word) for word in lowered):
        return []
    return list(
        dict.fromkeys(" ".join(_stemmer(language).stemWords(lowered)) for language in languages)
    )


def query_stems(word: str, languages: Iterable[str]) -> list[str]:
    """The stems a typed word may have in the log's languages (none for short words)."""
    lowered = word.casefold()
    if not _WORD.fullmatch(lowered) or CJK_RUN.search(lowered):
        return []
    return stem_words([lowered], languages)


KOREAN_PARTICLES = (
    "에서는",
    "에서",
    "에게",
    "으로",
    "까지",
    "부터",
    "처럼",
    "보다",
    "이나",
    "하고",
    "은",
    "는",
    "이",
    "가",
    "을",
    "를",
    "에",
    "의",
    "로",
    "와",
    "과",
    "도",
    "만",
    "나",
)
"""Korean case and topic particles (longest first): a word typed with one also finds the
word without it (`검색을` finds 검색). Grammar of the language, not of any one log."""
_HANGUL = re.compile(r"[\uac00-\ud7a3]+")


def korean_forms(chunk: str) -> list[str]:
    """`chunk`, and, for a Hangul word of three or more syllables that ends in a
    particle, the word without it."""
    forms = [chunk]
    if _HANGUL.fullmatch(chunk) and len(chunk) >= 3:
        for particle in KOREAN_PARTICLES:
            if chunk.endswith(particle) and len(chunk) - len(particle) >= 2:
                forms.append(chunk[: -len(particle)])
                break
    return forms
