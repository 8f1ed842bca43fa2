"""Which other words a query is searched with: corrected typos and abbreviations.

Backend-neutral: a store answers a few questions about its vocabulary (`Vocabulary`)
and turns the plan made here (`Slot`s) into its own query language. A query for
`VAE` is also searched as "variational autoencoder" (and back); a word that matches
nothing is searched as the closest word of the notes instead; a word that matches
only an entry or two is searched with a much commoner close word as well. Entries
that contain what was typed always rank first (the store's part).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Protocol

from tilbook.store.abbreviations import Abbreviations, abbreviations
from tilbook.store.query import Query, Term, has_cjk
from tilbook.store.spelling import RARE, close_words, correctable, vocabulary_form, worth_adding


class Vocabulary(Protocol):
    """What a store tells about its words."""

    def word_entries(self, word: str, at_most: int | None = None) -> int:
        """How many entries contain `word` (as the tokenizer keeps it), quickly: in the
        column that holds it most. Given `at_most`, counting may stop above it."""
        ...

    def term_entries(self, term: Term, at_most: int) -> int:
        """How many entries the term matches in any form, counting up to `at_most`."""
        ...

    def vocabulary(self, starting: str = "") -> list[tuple[str, int]]:
        """Every word of the notes' titles, text and tags that begins with `starting`, with
        its number of entries."""
        ...

    def glossary(self) -> list[tuple[str, str]]:
        """Every (term, definition) of the log's glossaries."""
        ...


@dataclass(frozen=True, slots=True)
class Slot:
    """Query terms `start:end` with the other names searched for them."""

    start: int
    end: int
    typed: str
    names: tuple[str, ...]
    kind: str
    """`spelling` or `abbreviation`."""
    replaces: bool
    """The typed words match nothing: only the other names are searched."""

    @property
    def terms(self) -> list[Term]:
        return [Term(name, phrase=" " in name) for name in self.names]


def _shown(term: Term) -> str:
    if term.phrase or " " in term.text:
        return f'"{term.text}"'
    return term.text + ("*" if term.prefix else "")


def plan(
    query: Query,
    vocabulary: Vocabulary,
    extra: Mapping[str, Sequence[str]] | None = None,
    known: Abbreviations | None = None,
) -> list[Slot]:
    """The other names to search for the terms of `query`, in order of the terms."""
    terms = query.terms
    names = known if known is not None else abbreviations(vocabulary.glossary(), extra)
    slots: list[Slot] = []
    index = 0
    while index < len(terms):
        slot = _abbreviation(terms, index, names) or _spelling(terms[index], index, vocabulary)
        if slot is None:
            index += 1
            continue
        slots.append(slot)
        index = slot.end
    return slots


def _abbreviation(terms: list[Term], start: int, names: Abbreviations) -> Slot | None:
    """The longest run of terms from `start` that is a name with other names."""
    if terms[start].prefix:
        return None
    for end in range(min(len(terms), start + names.longest), start, -1):
        run = terms[start:end]
        if any(term.prefix or (term.phrase and len(run) > 1) for term in run):
            continue
        others = names.others([term.text for term in run])
        if others:
            typed = " ".join(_shown(term) for term in run)
            return Slot(start, end, typed, tuple(others), "abbreviation", False)
    return None


def _spelling(term: Term, index: int, vocabulary: Vocabulary) -> Slot | None:
    """The closest word of the notes, for a word that matches nothing or little."""
    if term.phrase or term.prefix or has_cjk(term.text) or not correctable(term.text):
        return None
    if vocabulary.word_entries(vocabulary_form(term.text), RARE) > RARE:
        return None
    found = vocabulary.term_entries(term, RARE + 1)
    if found > RARE:
        return None
    # Most typos keep the first letter: those words are read first (a fraction of the
    # vocabulary), all of them only when none is close.
    typed = vocabulary_form(term.text)
    close = close_words(typed, vocabulary.vocabulary(typed[0])) or close_words(
        typed, vocabulary.vocabulary()
    )
    if not close or not worth_adding(found, close[0]):
        return None
    return Slot(index, index + 1, term.text, (close[0].word,), "spelling", found == 0)


def corrected_text(query: Query, slots: list[Slot]) -> str | None:
    """The query's words with each word that matched nothing replaced by its
    correction, or None when no word was replaced."""
    replaced = {slot.start: slot for slot in slots if slot.replaces}
    if not replaced:
        return None
    words: list[str] = []
    index = 0
    while index < len(query.terms):
        slot = replaced.get(index)
        if slot is not None:
            words.append(slot.names[0])
            index = slot.end
        else:
            words.append(_shown(query.terms[index]))
            index += 1
    return " ".join(words)


def typed_text(query: Query) -> str:
    """The query's words as typed (filters left out)."""
    return " ".join(_shown(term) for term in query.terms)
