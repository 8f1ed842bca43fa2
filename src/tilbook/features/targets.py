"""Learning targets: what the writer of the log means to learn, and how often they do.

A target comes from a notes file (the items under "Learning targets",
"Goals", "What I'm learning currently", …) or from the `targets` setting in
`tilbook.toml`. An entry is *related* to a target when

- the target names `#tags`: the entry has one of them (case-insensitive);
- the target has no tags: the entry's title, text or tags contain any one of
  the target's key words (full-text search, words OR-ed). Key words are the
  target's words less common ones ("the", "learn", "understand", …), matched
  as prefixes with a plural -s dropped ("transformers" finds "transformer");
  Korean words lose a trailing particle ("트랜스포머를" → "트랜스포머"). A word
  found in more than a third of all entries tells nothing about this target
  and is dropped too, unless every word is that common (then the rarest stays).

The entry that lists the target itself never counts as related to it.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from tilbook.extract import tags_in, unique
from tilbook.store.query import Term, has_cjk

if TYPE_CHECKING:
    from tilbook.store.base import EntryDate, Store

CONFIG_SOURCE = "tilbook.toml"
DEFAULT_MONTHS = 6
MAX_WORDS = 8
COMMON_SHARE = 1 / 3
"""A key word in more than this share of all entries is too common to tell a target."""
COMMON_FLOOR = 5
"""…but a word in this many entries or fewer is never too common (small logs)."""

_STOP_WORDS = """
    a about after again all also an and any are as at basic basics be been being better beyond
    both but by can could did do does doing done each either else enough etc even ever every
    few finally for from further get gets getting go going good got had hand hands has have
    having how i i'd i'll i'm i've if in into is it it's its just keep know knowing learn
    learned learning learns learnt let like lot lots make making many master more most much
    my myself need new no nor not now of off often on once one only or other our out over own
    per properly quite rather read reading really relate related relates right same should so
    some something start started still stop such surprise surprising take than that the their
    them then there these they thing things this those through to too try trying under
    understand understanding until up upon us use used using very want wanted was way we well
    were what when where which while who why will with within without work working works
    would write writing yet you your
    공부 공부하기 배우기 이해하기 이해 알아보기 정리 정리하기
"""
STOP_WORDS = frozenset(_STOP_WORDS.split())
"""Words that say how one learns, not what: never key words."""

_WORD = re.compile(r"\w+(?:[-'’]\w+)*")
_URL = re.compile(r"https?://\S+")
_TAG = re.compile(r"(?<![\w&#/\\])#\w[\w\-]*")
_KOREAN_ENDINGS = ("에서", "으로", "까지", "부터", "하기", "하는")
_KOREAN_PARTICLES = frozenset("을를이가은는의에와과도로만")


def _stem(word: str) -> str:
    """Drop a plural -s ("models" → "model"), keeping -ss, -is and -us."""
    if len(word) > 4 and word.endswith("s") and not word.endswith(("ss", "is", "us")):
        return word[:-1]
    return word


def _korean_stem(word: str) -> str:
    """Drop one trailing particle or ending from a Korean word of three or more syllables."""
    if len(word) >= 4 and word.endswith(_KOREAN_ENDINGS):
        return word[:-2]
    if len(word) >= 3 and word[-1] in _KOREAN_PARTICLES:
        return word[:-1]
    return word


def key_words(text: str) -> list[str]:
    """The words of a target that say what it is about, lower-cased, at most `MAX_WORDS`.

    A word ending in `*` is matched as a prefix.
    """
    text = _TAG.sub(" ", _URL.sub(" ", text))
    words: list[str] = []
    for match in _WORD.finditer(text):
        raw = match.group().replace("’", "'")
        word = raw.casefold()
        if word in STOP_WORDS or word.isdigit():
            continue
        if has_cjk(word):
            word = _korean_stem(word)
            if len(word) >= 2 and word not in STOP_WORDS:
                words.append(word)
            continue
        acronym = raw.isupper() and len(raw) >= 2
        if len(word) < 3 and not acronym:
            continue
        stem = _stem(word)
        words.append(stem + "*" if len(stem) >= 4 else stem)
    return unique(words)[:MAX_WORDS]


def _term(word: str) -> Term:
    return Term(word.rstrip("*"), prefix=word.endswith("*"))


@dataclass(slots=True)
class TargetReport:
    """One learning target and the entries related to it."""

    text: str
    tags: list[str]
    source: str
    """The notes file that lists it, or tilbook.toml."""
    line: int | None
    words: list[str] = field(default_factory=list)
    """The key words matched when the target has no tags."""
    per_month: dict[str, int] = field(default_factory=dict)
    """Related entries in each month shown (YYYY-MM → count)."""
    entries: int = 0
    """Related entries in all (dated or not)."""
    last: str | None = None
    """The date of the latest related entry."""

    @property
    def matched_by(self) -> str:
        if self.tags:
            return "tags " + " ".join("#" + tag for tag in self.tags)
        if self.words:
            return "words " + " ".join(self.words)
        return "nothing (no tags or key words)"

    def to_dict(self) -> dict[str, Any]:
        return {
            "text": self.text,
            "tags": self.tags,
            "source": self.source,
            "line": self.line,
            "words": self.words,
            "per_month": self.per_month,
            "entries": self.entries,
            "last": self.last,
        }


@dataclass(slots=True)
class TargetsReport:
    months: list[str]
    """The months counted, oldest first."""
    targets: list[TargetReport]

    def to_dict(self) -> dict[str, Any]:
        return {"months": self.months, "targets": [t.to_dict() for t in self.targets]}


def configured_target(text: str) -> TargetReport:
    """A target written in tilbook.toml, like "#GenAI: diffusion models"."""
    text = " ".join(text.split())
    return TargetReport(text=text, tags=unique(tags_in(text)), source=CONFIG_SOURCE, line=None)


def found_targets(store: Store, configured: list[str]) -> list[TargetReport]:
    """The targets of every notes file (in file order), then the configured ones.

    A target whose text repeats an earlier one's (ignoring case and spaces) is left out.
    """
    targets = [
        TargetReport(
            text=str(item["text"]),
            tags=[str(tag) for tag in item.get("tags", [])],
            source=info.source,
            line=int(item["line"]) if item.get("line") is not None else None,
        )
        for info in store.files()
        for item in info.targets
    ]
    targets.extend(configured_target(text) for text in configured if text.strip())
    seen: set[str] = set()
    kept = []
    for target in targets:
        key = " ".join(target.text.casefold().split())
        if key not in seen:
            seen.add(key)
            kept.append(target)
    return kept


def recent_months(entries: list[EntryDate], count: int) -> list[str]:
    """The last `count` months in which the log has dated entries, oldest first."""
    months = sorted({entry.date[:7] for entry in entries if entry.date})
    return months[-count:] if count > 0 else []


def distinctive_words(
    store: Store, words: list[str], total: int, counts: dict[str, int] | None = None
) -> list[str]:
    """`words` less those too common in the log to tell a target apart.

    `counts` caches how many entries each word matches, across calls.
    """
    if not words:
        return []
    counts = {} if counts is None else counts
    unknown = [word for word in words if word not in counts]
    if unknown:
        counts.update(zip(unknown, store.match_counts([_term(w) for w in unknown]), strict=True))
    limit = max(total * COMMON_SHARE, COMMON_FLOOR)
    kept = [word for word in words if counts[word] <= limit]
    return kept or [min(words, key=lambda word: counts[word])]


@dataclass(slots=True)
class _Related:
    """The entries that one tag set or word set finds, summed up."""

    ids: set[str]
    months: Counter[str]
    dates: Counter[str]
    newest: list[str]
    """The distinct dates, newest first."""

    @classmethod
    def of(cls, found: list[EntryDate]) -> _Related:
        dates = Counter(entry.date for entry in found if entry.date)
        return cls(
            ids={entry.id for entry in found},
            months=Counter(entry.date[:7] for entry in found if entry.date),
            dates=dates,
            newest=sorted(dates, reverse=True),
        )

    def without(self, entry: EntryDate | None) -> tuple[Counter[str], int, str | None]:
        """(per month, all, latest date) of these entries, less `entry`."""
        if entry is None or entry.id not in self.ids:
            return self.months, len(self.ids), self.newest[0] if self.newest else None
        months = Counter(self.months)
        if entry.date:
            months[entry.date[:7]] -= 1
        latest = next(
            (day for day in self.newest if self.dates[day] > (1 if day == entry.date else 0)),
            None,
        )
        return months, len(self.ids) - 1, latest


def _listing_entry(target: TargetReport, by_source: dict[str, list[EntryDate]]) -> EntryDate | None:
    """The entry whose lines hold the target, if the target is inside an entry."""
    if target.line is None:
        return None
    for entry in by_source.get(target.source, []):
        if entry.line <= target.line <= entry.end_line:
            return entry
    return None


def learning_targets(
    store: Store, configured: list[str] | None = None, *, months: int = DEFAULT_MONTHS
) -> TargetsReport:
    """Every learning target with its related entries per month (the last `months`
    months that have entries) and the date of the latest one."""
    everything = store.entry_dates()
    shown = recent_months(everything, months)
    targets = found_targets(store, configured or [])
    sources = {target.source for target in targets}
    by_source: dict[str, list[EntryDate]] = {}
    for entry in everything:
        if entry.source in sources:
            by_source.setdefault(entry.source, []).append(entry)
    # Many targets share their tags (or words): each set is looked up once.
    word_counts: dict[str, int] = {}
    found: dict[tuple[str, ...], _Related] = {}
    for target in targets:
        if target.tags:
            key = ("#", *sorted({tag.casefold() for tag in target.tags}))
            if key not in found:
                found[key] = _Related.of(store.entries_with_tags(target.tags))
        else:
            words = key_words(target.text)
            target.words = distinctive_words(store, words, len(everything), word_counts)
            key = ("", *sorted(target.words))
            if key not in found:
                terms = [_term(word) for word in target.words]
                found[key] = _Related.of(store.entries_matching_any(terms) if terms else [])
        counts, target.entries, target.last = found[key].without(_listing_entry(target, by_source))
        target.per_month = {month: counts.get(month, 0) for month in shown}
    return TargetsReport(shown, targets)
