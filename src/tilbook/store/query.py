"""Search queries: what the user typed, as words, phrases and filters.

Backend-neutral: the store turns a `Query` into its own query language. User
text is always taken literally: quotes make phrases, a trailing `*` a prefix,
`tag:`, `since:` and `until:` filters; nothing else is syntax, so `AND`, `(`,
`NEAR` or 10,000 characters of noise are just words.

CJK text (Korean, Chinese, Japanese) has no spaces between words, so it is
indexed as overlapping character pairs (bigrams) beside the ordinary word
index; a query for 검색 then finds 전문검색을, and one character finds every
word that contains it.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from dataclasses import dataclass, field

from tilbook.errors import DateInputError

MAX_TERMS = 32

_CJK_RANGES = (
    (0x1100, 0x11FF),  # Hangul Jamo
    (0x3040, 0x30FF),  # Hiragana, Katakana
    (0x3130, 0x318F),  # Hangul compatibility Jamo
    (0x3400, 0x4DBF),  # CJK extension A
    (0x4E00, 0x9FFF),  # CJK unified ideographs
    (0xA960, 0xA97F),  # Hangul Jamo extended A
    (0xAC00, 0xD7A3),  # Hangul syllables
    (0xF900, 0xFAFF),  # CJK compatibility ideographs
)
_CJK_CLASS = "".join(f"\\u{low:04x}-\\u{high:04x}" for low, high in _CJK_RANGES)
CJK_RUN = re.compile(f"[{_CJK_CLASS}]+")
_TOKEN = re.compile(r'"([^"]*)"?|(\S+)')
_FILTER = re.compile(r"^(tag|since|until|from|to):(.+)$", re.IGNORECASE)


def has_cjk(text: str) -> bool:
    return CJK_RUN.search(text) is not None


def split_scripts(text: str) -> str:
    """Put a space where CJK meets other letters: `MAML을` → `MAML 을`."""
    return _script_boundary().sub(" ", text) if has_cjk(text) else text


@functools.cache
def _script_boundary() -> re.Pattern[str]:
    # NOTE: compiled on first use: a pattern of negated CJK classes takes ~10 ms to
    # compile, which every command would pay at start-up, and most text has no CJK.
    return re.compile(
        f"(?<=[{_CJK_CLASS}])(?=[^{_CJK_CLASS}\\s])|(?<=[^{_CJK_CLASS}\\s])(?=[{_CJK_CLASS}])"
    )


def cjk_grams(text: str) -> str:
    """The CJK character pairs of `text`, space-separated, for the bigram index.

    Each run of CJK characters gives its overlapping pairs and then its last
    character alone, so that every character starts some indexed token.
    """
    grams: list[str] = []
    for match in CJK_RUN.finditer(text):
        run = match.group()
        grams.extend(run[i : i + 2] for i in range(len(run) - 1))
        grams.append(run[-1])
    return " ".join(grams)


@dataclass(slots=True, frozen=True)
class Term:
    text: str
    phrase: bool = False
    prefix: bool = False


@dataclass(slots=True)
class Query:
    terms: list[Term] = field(default_factory=list)
    tags: list[str] = field(default_factory=list)
    since: str | None = None
    until: str | None = None

    @property
    def words(self) -> list[str]:
        """Every word of the query, for highlighting."""
        return [word for term in self.terms for word in term.text.split()]


def _filter_date(value: str, *, end: bool) -> str | None:
    """A `since:`/`until:` value as the first (or last) day it covers; None when it is
    not a date (then the words are searched as typed)."""
    from tilbook.parse.dates import user_date  # dozens of patterns: only when asked for

    try:
        return user_date(value, end=end).isoformat()
    except DateInputError:
        return None


def parse_query(text: str) -> Query:
    """Split what the user typed into terms and filters (never raises)."""
    query = Query()
    text = unicodedata.normalize("NFC", text)
    for match in _TOKEN.finditer(text):
        quoted, word = match.group(1), match.group(2)
        if quoted is not None:
            if quoted.strip():
                query.terms.append(Term(quoted.strip(), phrase=" " in quoted.strip()))
            continue
        assert word is not None
        found = _FILTER.match(word)
        if found:
            name, value = found.group(1).lower(), found.group(2)
            if name == "tag":
                query.tags.append(value.lstrip("#"))
                continue
            date = _filter_date(value, end=name in ("until", "to"))
            if date is not None:
                if name in ("since", "from"):
                    query.since = date
                else:
                    query.until = date
                continue
        prefix = word.endswith("*") and len(word.rstrip("*")) > 0
        word = word.rstrip("*")
        if word:
            query.terms.append(Term(word, prefix=prefix))
    del query.terms[MAX_TERMS:]
    return query


def highlight_spans(text: str, words: list[str]) -> list[tuple[int, int]]:
    """Where the query words occur in `text` (case-insensitive), merged and sorted."""
    spans: list[tuple[int, int]] = []
    lowered = text.casefold()
    if len(lowered) != len(text):
        lowered = text.lower()
    for word in {w.casefold() for w in words if w.strip()}:
        for part in split_scripts(word).split():
            part = part.strip("\"'*()")
            if not part:
                continue
            start = lowered.find(part)
            while start != -1:
                spans.append((start, start + len(part)))
                start = lowered.find(part, start + len(part))
    spans.sort()
    merged: list[tuple[int, int]] = []
    for start, end in spans:
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(end, merged[-1][1]))
        else:
            merged.append((start, end))
    return merged


@dataclass(slots=True)
class Snippet:
    """A short passage of an entry with the matched words marked."""

    text: str
    highlights: list[tuple[int, int]]

    def marked(self, before: str = "[", after: str = "]") -> str:
        pieces = []
        last = 0
        for start, end in self.highlights:
            pieces.append(self.text[last:start])
            pieces.append(before + self.text[start:end] + after)
            last = end
        pieces.append(self.text[last:])
        return "".join(pieces)


def make_snippet(text: str, words: list[str], width: int = 160) -> Snippet:
    """The passage of `text` around the first match, at most about `width` characters."""
    flat = " ".join(text.split())
    spans = highlight_spans(flat, words)
    if not spans:
        cut = flat[:width]
        return Snippet(cut + ("…" if len(flat) > width else ""), [])
    first = spans[0][0]
    start = max(0, first - width // 3)
    if start > 0:
        space = flat.rfind(" ", 0, start)
        start = space + 1 if space != -1 and start - space < 20 else start
    end = min(len(flat), start + width)
    if end < len(flat):
        space = flat.find(" ", end)
        end = space if space != -1 and space - end < 20 else end
    prefix = "…" if start > 0 else ""
    suffix = "…" if end < len(flat) else ""
    shift = len(prefix) - start
    inside = [(s + shift, e + shift) for s, e in spans if s >= start and e <= end]
    return Snippet(prefix + flat[start:end] + suffix, inside)
