"""The one date grammar: the dates people write in learning logs, read and written.

Reading (`find_date`): a date anywhere in a heading or at the start of a line —
`2023-08-18`, `2023.08.18`, `2023/8/18`, `20230818`, `2021. 04. 25.`,
`18.08.2023`, `14/03/2024` or `3/14/2024` (the order decided once per file),
`18 Aug 2023`, `August 18, 2023`, `3rd of June, 2024`, month names in English,
French, German, Spanish, Portuguese, Italian and Dutch (`26 de novembro de
2025`, `3. März 2024`), `2023년 8월 18일`, `2023年8月18日`, ISO weeks
(`2024-W12`), with a weekday before or after, in any of those languages; dates
without a year (`Mar 3`, `03-14`, `3/14`, `11.7.`, `3월 14일`, `3月14日`) take a
year the caller knows; ranges (`2024-03-11 – 2024-03-17`, `Feb 24-25 2021`,
`2021年8月10日～13日`, `2025-02-15,16`) are dated by their first day and keep
their last. Every pattern here is linear: no nested quantifiers.
Writing: `format_date_like` writes a date the way a sample from the file does.
Typing: `user_date` reads what a user types on the command line, in a search
filter or a form (`2024-03-14`, `2024-03`, `2024`, `today`, or any form above).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date, timedelta

from tilbook.errors import DateInputError

MIN_YEAR, MAX_YEAR = 1900, 2200
"""Years outside this range are not read as dates (a number like 3000 is rarely one)."""

# -- the words of dates ----------------------------------------------------------------------

_MONTH_WORDS: dict[int, tuple[str, ...]] = {
    1: ("january", "jan", "janvier", "janv", "januar", "jänner", "enero", "ene", "janeiro",
        "gennaio", "januari"),
    2: ("february", "feb", "février", "fevrier", "févr", "fevr", "februar", "febrero",
        "fevereiro", "febbraio", "februari"),
    3: ("march", "mar", "mars", "märz", "maerz", "marzo", "março", "marco", "maart"),
    4: ("april", "apr", "avril", "avr", "abril", "aprile"),
    5: ("may", "mai", "mayo", "maio", "maggio", "mei"),
    6: ("june", "jun", "juin", "juni", "junio", "junho", "giugno"),
    7: ("july", "jul", "juillet", "juil", "juli", "julio", "julho", "luglio"),
    8: ("august", "aug", "août", "aout", "agosto", "augustus"),
    9: ("september", "sep", "sept", "septembre", "septiembre", "setiembre", "setembro",
        "settembre"),
    10: ("october", "oct", "octobre", "oktober", "okt", "octubre", "outubro", "ottobre"),
    11: ("november", "nov", "novembre", "noviembre", "novembro"),
    12: ("december", "dec", "décembre", "decembre", "déc", "dezember", "dez", "diciembre",
         "dezembro", "dicembre"),
}  # fmt: skip
MONTHS = {word: number for number, words in _MONTH_WORDS.items() for word in words}
"""Month names and the usual abbreviations; ones that are also common words of another
language (`set`, `out`, `mag`) are left out."""

_WEEKDAY_WORDS: dict[int, tuple[str, ...]] = {
    0: ("monday", "mon", "lundi", "montag", "lunes", "segunda-feira", "segunda", "lunedì",
        "lunedi", "maandag", "월요일", "月曜日", "星期一", "周一", "週一"),
    1: ("tuesday", "tue", "tues", "mardi", "dienstag", "martes", "terça-feira", "terca-feira",
        "terça", "martedì", "martedi", "dinsdag", "화요일", "火曜日", "星期二", "周二", "週二"),
    2: ("wednesday", "wed", "mercredi", "mittwoch", "miércoles", "miercoles", "quarta-feira",
        "quarta", "mercoledì", "mercoledi", "woensdag", "수요일", "水曜日", "星期三", "周三",
        "週三"),
    3: ("thursday", "thu", "thur", "thurs", "jeudi", "donnerstag", "jueves", "quinta-feira",
        "quinta", "giovedì", "giovedi", "donderdag", "목요일", "木曜日", "星期四", "周四",
        "週四"),
    4: ("friday", "fri", "vendredi", "freitag", "viernes", "sexta-feira", "sexta", "venerdì",
        "venerdi", "vrijdag", "금요일", "金曜日", "星期五", "周五", "週五"),
    5: ("saturday", "sat", "samedi", "samstag", "sonnabend", "sábado", "sabado", "sabato",
        "zaterdag", "토요일", "土曜日", "星期六", "周六", "週六"),
    6: ("sunday", "sun", "dimanche", "sonntag", "domingo", "domenica", "zondag", "일요일",
        "日曜日", "星期日", "星期天", "周日", "週日"),
}  # fmt: skip
WEEKDAYS = {word: number for number, words in _WEEKDAY_WORDS.items() for word in words}
_ONE_CHAR_WEEKDAYS = {"월": 0, "화": 1, "수": 2, "목": 3, "금": 4, "토": 5, "일": 6,
                      "月": 0, "火": 1, "水": 2, "木": 3, "金": 4, "土": 5, "日": 6}  # fmt: skip
"""A weekday written as one character, only inside parentheses: `(월)`, `（金）`."""


def _alternatives(words: Iterable[str]) -> str:
    return "|".join(re.escape(word) for word in sorted(set(words), key=len, reverse=True))


_MONTH = r"(?P<mon>" + _alternatives(MONTHS) + r")\.?"
_MONTH2 = r"(?P<mon2>" + _alternatives(MONTHS) + r")\.?"
_WEEKDAY = _alternatives(WEEKDAYS)
_ORD = r"(?:st|nd|rd|th|er|e|ª|º|\.)?"
_Y4 = r"(?P<y>(?:19|20|21)\d{2})"
_RANGE_DASH = (
    r"\s{0,3}(?:-{1,2}|–|—|~|～|〜|&|to|bis|au|al|a|até|ate|until|till|and|und|et|y|e)\s{0,3}"
)


# -- finding a date in a text ----------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class DateMatch:
    """A date found in a text, and where."""

    day: date
    start: int
    """Where the date expression starts (a weekday written before it included)."""
    end: int
    """Where it ends (range, weekday and a lone time after it included)."""
    until: date | None = None
    """The last day of a range (`2024-03-11 – 2024-03-17`), if one was written."""
    yearless: bool = False
    """The text gave no year: it came from the caller."""
    weekday: int | None = None
    """The weekday written beside the date (0 = Monday), if any."""
    swapped: bool = False
    """Read with the file's other numeric order because the usual one is impossible."""

    @property
    def weekday_agrees(self) -> bool | None:
        return None if self.weekday is None else self.weekday == self.day.weekday()


_F = re.IGNORECASE
# Forms with a year, most specific first (at one position the first that matches wins).
_FULL: list[tuple[str, re.Pattern[str]]] = [
    ("week", re.compile(r"(?<![\w])(?P<y>(?:19|20|21)\d{2})-?W(?P<w>[0-5]\d)(?!\d)", _F)),
    (
        "cjk",
        re.compile(
            r"(?P<y>\d{4})\s?[년年]\s?(?P<m>\d{1,2})\s?[월月]\s?(?P<d>\d{1,2})"
            r"(?:\s?,\s?(?P<d2>\d{1,2}))?\s?[일日号號]?"
        ),
    ),
    (
        "ymd",
        re.compile(
            r"(?<![\d])(?P<y>\d{4})\s?(?P<s>[-./_])\s?(?P<m>\d{1,2})\s?(?P=s)\s?(?P<d>\d{1,2})"
            r"(?![\d])\.?"
        ),
    ),
    (
        "compact",
        re.compile(
            r"(?<![\d])(?P<y>(?:19|20|21)\d{2})(?P<m>0[1-9]|1[0-2])(?P<d>0[1-9]|[12]\d|3[01])"
            r"(?![\d])"
        ),
    ),
    (
        "dmy",
        re.compile(r"(?<![\d./])(?P<a>\d{1,2})(?P<s>[-./_])(?P<b>\d{1,2})(?P=s)(?P<y>\d{4})(?![\d])"),
    ),
    (
        "month-range-year",
        re.compile(
            r"(?<![\w])" + _MONTH + r"\s{0,3}(?P<d>\d{1,2})" + _ORD + _RANGE_DASH
            + r"(?P<d2>\d{1,2})" + _ORD + r",?\s{1,3}" + _Y4,
            _F,
        ),
    ),
    (
        "day-range-month-year",
        re.compile(
            r"(?<![\w])(?P<d>\d{1,2})" + _ORD + _RANGE_DASH + r"(?P<d2>\d{1,2})" + _ORD
            + r"\s{1,3}(?:de\s{1,3})?" + _MONTH + r",?\s{1,3}(?:de\s{1,3})?" + _Y4,
            _F,
        ),
    ),
    (
        "day-month-range-year",
        re.compile(
            r"(?<![\w])(?P<d>\d{1,2})" + _ORD + r"\s{0,3}" + _MONTH + _RANGE_DASH
            + r"(?P<d2>\d{1,2})" + _ORD + r"\s{0,3}" + _MONTH2 + r",?\s{1,3}" + _Y4,
            _F,
        ),
    ),
    (
        "month-day-range-year",
        re.compile(
            r"(?<![\w])" + _MONTH + r"\s{0,3}(?P<d>\d{1,2})" + _ORD + _RANGE_DASH
            + _MONTH2 + r"\s{0,3}(?P<d2>\d{1,2})" + _ORD + r",?\s{1,3}" + _Y4,
            _F,
        ),
    ),
    (
        "day-month-year",
        re.compile(
            r"(?<![\w])(?P<d>\d{1,2})" + _ORD + r"(?:\s{1,3}(?:of|de|del)\s{1,3}|\s{0,3})"
            + _MONTH + r"(?:,?\s{1,3}(?:de|del)\s{1,3}|,?\s{0,3})" + _Y4 + r"(?![\d])",
            _F,
        ),
    ),
    (
        "month-day-year",
        re.compile(
            r"(?<![\w])" + _MONTH + r"\s{0,3},?\s{0,3}(?P<d>\d{1,2})" + _ORD
            + r"\s{0,3},?\s{0,3}" + _Y4 + r"(?![\d])",
            _F,
        ),
    ),
    ("yy", re.compile(r"(?<![\d.])(?P<yy>\d{2})\.(?P<m>\d{2})\.(?P<d>\d{2})(?![\d.])")),
    (
        "slash-yy",
        re.compile(r"(?<![\d/.])(?P<a>\d{1,2})/(?P<b>\d{1,2})/(?P<yy>[1-9]\d)(?![\d/])"),
    ),
    (
        "month-year",
        re.compile(r"(?<![\w])" + _MONTH + r",?\s{1,3}" + _Y4 + r"(?![\d])", _F),
    ),
    (
        "ym",
        re.compile(r"(?<![\d./-])" + _Y4 + r"(?P<s>[-/])(?P<m>0?[1-9]|1[0-2])(?![\d./-])"),
    ),
]  # fmt: skip
_MONTH_OF = {"month-year", "ym"}
"""A month alone (`2023-11`, `March 2024`): dated by its first day, the range its last."""
# Forms without a year: read only when the caller knows the year.
_PARTIAL: list[tuple[str, re.Pattern[str]]] = [
    (
        "cjk-md",
        re.compile(
            r"(?P<m>\d{1,2})\s?[월月]\s?(?P<d>\d{1,2})(?:\s?,\s?(?P<d2>\d{1,2}))?\s?[일日号號]"
        ),
    ),
    (
        "month-day",
        re.compile(
            r"(?<![\w])" + _MONTH + r"\s{0,3}(?P<d>\d{1,2})" + _ORD + r"(?!\d|:\d)", _F
        ),
    ),
    (
        "day-month",
        re.compile(
            r"(?<![\w.])(?P<d>\d{1,2})" + _ORD + r"(?:\s{1,3}(?:of|de|del)\s{1,3}|\s{1,3})"
            + _MONTH + r"(?![^\W\d_])",
            _F,
        ),
    ),
    ("md", re.compile(r"(?<![\d./:,-])(?P<m>\d{1,2})(?P<s>[-/])(?P<d>\d{1,2})(?![\d/:,-])")),
    ("dm-dot", re.compile(r"(?<![\d.,])(?P<d>\d{1,2})\.(?P<m>\d{1,2})\.(?![\d])")),
    ("md-dot", re.compile(r"(?<![\d.,])(?P<m>\d{2})\.(?P<d>\d{2})(?![\d.,])")),
    (
        "month",
        re.compile(
            r"(?<![\w])(?P<mon>"
            + _alternatives(word for word in MONTHS if len(word) >= 4)
            + r")(?=\s{0,3}(?:$|[(:：\-–—|,]))",
            _F,
        ),
    ),
]  # fmt: skip
_PARTIAL_NAMES = {name for name, _ in _PARTIAL}
_DIGIT_FLAG, _YEAR_FLAG, _MONTH_FLAG, _DOT_FLAG, _CJK_FLAG = 1, 2, 4, 8, 16
"""The signals a form cannot match without: a digit, four digits in a row, a month name,
a `.`, a CJK date mark. A text's signals take a few cheap scans, and the forms they rule
out are not searched at all: most text holds no date."""
_NEEDS: dict[str, int] = {
    "week": _DIGIT_FLAG | _YEAR_FLAG,
    "cjk": _DIGIT_FLAG | _YEAR_FLAG | _CJK_FLAG,
    "ymd": _DIGIT_FLAG | _YEAR_FLAG,
    "compact": _DIGIT_FLAG | _YEAR_FLAG,
    "dmy": _DIGIT_FLAG | _YEAR_FLAG,
    "month-range-year": _DIGIT_FLAG | _YEAR_FLAG | _MONTH_FLAG,
    "day-range-month-year": _DIGIT_FLAG | _YEAR_FLAG | _MONTH_FLAG,
    "day-month-range-year": _DIGIT_FLAG | _YEAR_FLAG | _MONTH_FLAG,
    "month-day-range-year": _DIGIT_FLAG | _YEAR_FLAG | _MONTH_FLAG,
    "day-month-year": _DIGIT_FLAG | _YEAR_FLAG | _MONTH_FLAG,
    "month-day-year": _DIGIT_FLAG | _YEAR_FLAG | _MONTH_FLAG,
    "yy": _DIGIT_FLAG | _DOT_FLAG,
    "slash-yy": _DIGIT_FLAG,
    "month-year": _DIGIT_FLAG | _YEAR_FLAG | _MONTH_FLAG,
    "ym": _DIGIT_FLAG | _YEAR_FLAG,
    "cjk-md": _DIGIT_FLAG | _CJK_FLAG,
    "month-day": _DIGIT_FLAG | _MONTH_FLAG,
    "day-month": _DIGIT_FLAG | _MONTH_FLAG,
    "md": _DIGIT_FLAG,
    "dm-dot": _DIGIT_FLAG | _DOT_FLAG,
    "md-dot": _DIGIT_FLAG | _DOT_FLAG,
    "month": _MONTH_FLAG,
}
_HAS_DIGIT = re.compile(r"\d")
_HAS_YEAR = re.compile(r"\d{4}")
_HAS_MONTH_NAME = re.compile(_alternatives(MONTHS), _F)
"""Any month name, inside a word too: a superset of what the forms match, so the signal
may be present where no form matches, never absent where one would."""
_NUMERIC_PARTIAL = {"md", "dm-dot", "md-dot", "month", "slash-yy"}
"""Bare numbers (`3/14`, `11.7.`) are a date only where a date is expected: opening the
text, or right after a label's colon or an opening parenthesis (`Day 8: 8/10`)."""

_LATE_YEAR = re.compile(r"\s{0,3},?\s{0,3}(?P<y>(?:19|20)\d\d)(?![\d:])")
"""A year written after the weekday that follows a month and day."""
_NAMES_WEEKDAY = re.compile(
    r"(?<![^\W\d_])(?:"
    + _WEEKDAY
    + r")(?![^\W\d_])|[(（]["
    + "".join(_ONE_CHAR_WEEKDAYS)
    + r"][)）]",
    _F,
)
_WEEKDAY_BEFORE = re.compile(
    r"(?<![^\W\d_])[(（]?(?P<wd>" + _WEEKDAY + r")(?![^\W\d_])\.?[)）]?\s?[,|·]?\s{0,3}$", _F
)
_WEEKDAY_AFTER = re.compile(
    r"\s{0,3}[,(（\-–]?\s{0,3}(?:(?P<wd>"
    + _WEEKDAY
    + r")(?![^\W\d_])\.?|[(（](?P<wd1>["
    + "".join(_ONE_CHAR_WEEKDAYS)
    + r"])[)）])\s{0,3}[)）]?",
    _F,
)
_TIME_ONLY = re.compile(r"\s{0,3},?\s{0,3}\d{1,2}:\d{2}(?::\d{2})?\s{0,3}$")
_RANGE_TAIL = re.compile(r"[`*_]{0,2}" + _RANGE_DASH + r"[`*_]{0,2}(?=\S)", _F)
_WEEK_OF = re.compile(
    r"(?<![^\W\d_])(?:week\s{1,3}of|semaine\s{1,3}du|woche\s{1,3}vom|semana\s{1,3}del?|"
    r"settimana\s{1,3}del)\s{1,3}$",
    _F,
)
_DAY_TAIL = re.compile(r"(?P<d2>\d{1,2})\s?[日号號일]?(?![\d./:-])")
_COMMA_DAY = re.compile(r",\s?(?P<d2>\d{1,2})(?![\d./:-])")
_DECORATION = "*_~`[]【】「」『』()（）<>#>|•·\"' \t"


def _make(year: int, month: int, day: int) -> date | None:
    if not MIN_YEAR <= year <= MAX_YEAR:
        return None
    try:
        return date(year, month, day)
    except ValueError:
        return None


def _weekday_of(word: str | None) -> int | None:
    if not word:
        return None
    return WEEKDAYS.get(word.casefold(), _ONE_CHAR_WEEKDAYS.get(word))


def _read(
    form: str, groups: dict[str, str | None], year: int | None, day_first: bool
) -> tuple[date, date | None, bool] | None:
    """The date (and range end) of one match, and whether the numeric order was swapped."""
    g = groups
    swapped = False
    if form == "week":
        try:
            monday = date.fromisocalendar(int(g["y"] or 0), int(g["w"] or 0), 1)
        except ValueError:
            return None
        return monday, monday + timedelta(days=6), False
    if form == "dmy":
        first, second = int(g["a"] or 0), int(g["b"] or 0)
        # `.` and `-` are day first (Europe); `/` and `_` as the file writes them.
        wants_day_first = day_first or (g["s"] or "") in ".-"
        day, month = (first, second) if wants_day_first else (second, first)
        if month > 12 >= day:
            day, month, swapped = month, day, True
        found = _make(int(g["y"] or 0), month, day)
        return (found, None, swapped) if found else None
    if form == "yy":
        found = _make(2000 + int(g["yy"] or 0), int(g["m"] or 0), int(g["d"] or 0))
        return (found, None, False) if found else None
    if form == "slash-yy":  # `5/21/18`: as the file writes `/` dates, 2010 to 2099
        first, second = int(g["a"] or 0), int(g["b"] or 0)
        day, month = (first, second) if day_first else (second, first)
        if month > 12 >= day:
            day, month, swapped = month, day, True
        found = _make(2000 + int(g["yy"] or 0), month, day)
        return (found, None, swapped) if found else None
    if form in _MONTH_OF or form == "month":
        y = int(g["y"] or 0) if form in _MONTH_OF else (year or 0)
        month = MONTHS[(g["mon"] or "").casefold()] if g.get("mon") else int(g.get("m") or 0)
        opening = _make(y, month, 1)
        if opening is None:
            return None
        following = date(opening.year + opening.month // 12, opening.month % 12 + 1, 1)
        return opening, following - timedelta(days=1), False
    if form in _PARTIAL_NAMES:
        if year is None:
            return None
        y = year
    else:
        y = int(g["y"] or 0)
    if g.get("mon"):
        month = MONTHS[(g["mon"] or "").casefold()]
    else:
        month = int(g.get("m") or 0)
    if form == "md" and g.get("s") == "/" and day_first:
        month, day = int(g.get("d") or 0), int(g.get("m") or 0)
        found = _make(y, month, day)
    else:
        found = _make(y, month, int(g.get("d") or 0))
        if found is None and form in _PARTIAL_NAMES and (month, g.get("d")) == (2, "29"):
            # `February 29` in a log whose year is not a leap one: the next year's, which
            # a log in date order reaches (read as the turn of a year elsewhere).
            found = _make(y + 1, 2, 29)
    if found is None:
        return None
    until = None
    if g.get("d2"):
        month2 = MONTHS[(g["mon2"] or "").casefold()] if g.get("mon2") else month
        until = _make(y, month2, int(g["d2"] or 0))
        if until is not None and until < found:
            until = None
    return found, until, swapped


def _signals(window: str, partial: bool) -> int:
    """The signals (`_DIGIT_FLAG` …) `window` holds; a month name is looked for only where a
    form that needs one could still match (with a year, or any form without one)."""
    found = 0
    if _HAS_DIGIT.search(window):
        found |= _DIGIT_FLAG
        if _HAS_YEAR.search(window):
            found |= _YEAR_FLAG
    if "." in window:
        found |= _DOT_FLAG
    if any(mark in window for mark in "년年월月"):
        found |= _CJK_FLAG
    if (partial or found & _YEAR_FLAG) and _HAS_MONTH_NAME.search(window):
        found |= _MONTH_FLAG
    return found


def _candidates(
    window: str, forms: list[tuple[str, re.Pattern[str]]], signals: int, first_rank: int = 0
) -> list[tuple[int, int, str, re.Match[str]]]:
    found = []
    for rank, (form, pattern) in enumerate(forms, start=first_rank):
        needs = _NEEDS[form]
        if needs & signals != needs:
            continue
        match = pattern.search(window)
        if match is not None:
            found.append((match.start(), rank, form, match))
    return found


def find_date(
    text: str,
    *,
    year: int | None = None,
    day_first: bool = False,
    at_start: bool = False,
    limit: int = 160,
    _ranges: bool = True,
) -> DateMatch | None:
    """The first date in `text` (in its first `limit` characters).

    `at_start`: only a date that opens the text (after decoration such as `**`,
    `` ` ``, `【` or a weekday). `year` is used for dates written without one;
    `day_first` decides `03/04/2024` (see `slash_dates_day_first`).
    """
    window = text[:limit]
    signals = _signals(window, partial=year is not None)
    found = _candidates(window, _FULL, signals)
    if year is not None:
        found += _candidates(window, _PARTIAL, signals, first_rank=len(_FULL))
    found.sort(key=lambda item: (item[0], item[1]))
    for start, _, form, match in found:
        if at_start and start > limit // 2:
            break
        if form in _NUMERIC_PARTIAL and not _numbers_may_be_date(text[:start]):
            continue
        if form == "md" and match.group("s") == "-" and _OUTLINE_POINT.match(text, match.end()):
            continue  # `1-2. Nested loops`: section 1-2 of an outline, not January 2
        read = _read(form, match.groupdict(), year, day_first)
        if read is None:
            continue
        day, until, swapped = read
        begin, end = start, match.end()
        weekday = None
        before = _WEEKDAY_BEFORE.search(text, max(0, start - 40), start)
        if before is not None:
            weekday = _weekday_of(before.group("wd"))
            begin = before.start()
        week_of = _WEEK_OF.search(text, max(0, begin - 20), begin)
        if week_of is not None:
            begin = week_of.start()
            if until is None:
                until = day + timedelta(days=6)
        if at_start and not _only_decoration(text[:begin]):
            continue
        after = _WEEKDAY_AFTER.match(text, end)
        if after is not None and (after.group("wd") or after.group("wd1")):
            weekday = _weekday_of(after.group("wd") or after.group("wd1"))
            end = after.end()
        yearless = form in _PARTIAL_NAMES
        if yearless and after is not None and end > match.end():
            # `Fevereiro 16, Terça-feira, 2021`: the year after the weekday is the date's
            late = _LATE_YEAR.match(text, end)
            dated = _make(int(late["y"]), day.month, day.day) if late is not None else None
            if dated is not None and late is not None:
                day, yearless, end = dated, False, late.end()
        if form == "yy" and weekday is None:
            continue  # `24.03.04` is a date only when a weekday beside it says so
        if form == "dmy" and weekday is not None and weekday != day.weekday():
            other = _make(day.year, day.day, day.month)
            if other is not None and other.weekday() == weekday:
                day, swapped = other, True  # `04/11/2025 (Tuesday)`: the weekday decides
        if until is None and _ranges:
            until, end = _range_end(text, end, day, year, day_first)
        time = _TIME_ONLY.match(text, end)
        if time is not None:
            end = time.end()
        return DateMatch(day, begin, end, until, yearless, weekday, swapped)
    return None


_NUMBERED = re.compile(r"[^\W\d_]{2,20}\s?\d{1,3}$")


_OUTLINE_POINT = re.compile(r"\.(?:\s|$)")


def _numbers_may_be_date(before: str) -> bool:
    stripped = before.rstrip()
    return (
        _only_decoration(stripped)
        or stripped.endswith((":", "：", "(", "（", "|"))
        or _NUMBERED.search(stripped) is not None
    )


def _only_decoration(text: str) -> bool:
    """Whether `text` holds nothing but decoration (marks, emoji, a `:shortcode:`)."""
    for char in _SHORTCODE.sub("", text):
        if char in _DECORATION or is_symbol(char):
            continue
        return False
    return True


_SHORTCODE = re.compile(r":[a-z0-9_+\-]{1,30}:")


def is_symbol(char: str) -> bool:
    """An emoji or pictograph (and the joiners and selectors that build one)."""
    code = ord(char)
    return (
        0x1F000 <= code <= 0x1FAFF
        or 0x2600 <= code <= 0x27BF
        or 0x2B00 <= code <= 0x2BFF
        or code in (0xFE0F, 0x200D, 0x20E3)
    )


def _range_end(
    text: str, end: int, day: date, year: int | None, day_first: bool
) -> tuple[date | None, int]:
    """The last day of a range written after a date ending at `end`, and the new end."""
    comma = _COMMA_DAY.match(text, end)
    if comma is not None:
        last = _make(day.year, day.month, int(comma.group("d2")))
        if last is not None and last > day:
            return last, comma.end()
    dash = _RANGE_TAIL.match(text, end)
    if dash is None:
        return None, end
    rest = text[dash.end() :]
    second = find_date(
        rest, year=year or day.year, day_first=day_first, at_start=True, limit=40, _ranges=False
    )
    if second is not None and second.day >= day:
        return second.until or second.day, dash.end() + second.end
    bare = _DAY_TAIL.match(rest)
    if bare is not None:
        last = _make(day.year, day.month, int(bare.group("d2")))
        if last is not None and last > day:
            return last, dash.end() + bare.end()
    return None, end


# -- what is around a date -------------------------------------------------------------------

_EMPTY_BRACKETS = re.compile(r"\(\s*\)|（\s*）|\[\s*\]|【\s*】|「\s*」|<\s*>")
_EDGE = "-–—:|·•~,/;　 \t*_`"


def without_date(text: str, found: DateMatch) -> str:
    """`text` with the date taken out and the separators it leaves dangling tidied.

    `Day 12: March 3, 2019` → `Day 12`; `2024-03-14: Attention` → `Attention`;
    `【2024/01/02】**Title**` → `Title`; a text that was only a date → ``.
    """
    before = text[: found.start].rstrip()
    after = text[found.end :].lstrip()
    if before and after and not _only_decoration(after) and not _only_decoration(before):
        joined = before.rstrip(_EDGE + "(（[【") + " " + after.lstrip(_EDGE + ")）]】")
    else:
        joined = before + " " + after
    joined = _SHORTCODE.sub(" ", _EMPTY_BRACKETS.sub(" ", joined))
    joined = " ".join(joined.split())
    joined = joined.strip(_EDGE)
    for opener, closer in ("()", "（）", "[]", "【】", "「」"):
        if joined.startswith(closer):
            joined = joined[1:].strip(_EDGE)
        if joined.endswith(opener):
            joined = joined[:-1].strip(_EDGE)
        if joined.count(opener) < joined.count(closer) and joined.endswith(closer):
            joined = joined[:-1].strip(_EDGE)
    return "" if _only_decoration(joined) else joined


def date_prefix(
    text: str, *, day_first: bool = False, year: int | None = None
) -> tuple[date, str] | None:
    """The date that `text` opens with and the words after it, or None."""
    found = find_date(text, at_start=True, day_first=day_first, year=year)
    if found is None:
        return None
    rest = text[found.end :]
    if rest[:1].isalnum() and not text[found.end - 1 : found.end].isspace():
        return None  # "2023-08-18abc" is not a date followed by words
    return found.day, without_date(text, found)


def only_date(text: str, *, day_first: bool = False, year: int | None = None) -> date | None:
    """The date when `text` is nothing but a date (decorations allowed), else None."""
    found = find_date(text, at_start=True, day_first=day_first, year=year)
    if found is None or not _only_decoration(text[found.end :]):
        return None
    return found.day


_SHORT_YEAR_DATE = re.compile(
    r"\s*[*_`]{0,2}(?P<a>\d{1,2})(?P<s>[-/.])(?P<b>\d{1,2})(?P=s)(?P<yy>\d{2})[*_`]{0,2}\s*"
)


def short_year_date(text: str, near: int, *, day_first: bool = True) -> date | None:
    """`text` as a date with a two-digit year (`16-01-25`, `3/14/24`) when it is nothing
    else and that year is `near`'s or the next or last (the dates around it say the
    century and which numbers are years: alone, `16-01-25` could be many days)."""
    found = _SHORT_YEAR_DATE.fullmatch(text)
    if found is None:
        return None
    year = near - near % 100 + int(found["yy"])
    if abs(year - near) > 1:
        return None
    first, second = int(found["a"]), int(found["b"])
    day, month = (first, second) if day_first or found["s"] in ".-" else (second, first)
    if month > 12 >= day:
        day, month = month, day
    return _make(year, month, day)


def names_weekday(text: str) -> bool:
    """Whether `text` names a weekday (`Friday`, `lundi`, `(金)`): cheap, to pick the
    lines worth reading for a date with its weekday."""
    if text.isascii():
        return any(word in _WEEKDAY_NAMES for word in _LETTERS.findall(text.casefold()))
    return _NAMES_WEEKDAY.search(text) is not None


_LETTERS = re.compile(r"[a-z]+")
_WEEKDAY_NAMES = frozenset(name.casefold().rstrip(".") for name in WEEKDAYS)


def month_day_prefix(text: str, year: int) -> tuple[date, str] | None:
    """A text that opens with a month and day but no year (`Mar 3`, `03-14`), in `year`."""
    found = find_date(text, at_start=True, year=year)
    if found is None or not found.yearless:
        return None
    return found.day, without_date(text, found)


_YEAR = re.compile(r"(?<!\d)(?P<y>(?:19|20|21)\d{2})(?!\d)")


def year_in(text: str) -> int | None:
    """A year written in `text` (`TIL 2024`, `2023 notes`), if any."""
    match = _YEAR.search(text)
    if match is None:
        return None
    year = int(match.group("y"))
    return year if MIN_YEAR <= year <= MAX_YEAR else None


def filename_date(stem: str) -> date | None:
    """The date a file name gives: `2024-03-14-title`, `2024_03_14`, `20240314-note`,
    `14-03-2024`, `Mar 3, 2024 notes` — anywhere in the name, the first one."""
    found = find_date(stem.replace("_", "-"), limit=80)
    if found is not None and not found.yearless:
        return found.day
    short = _SHORT_NAME_DATE.search(stem)
    if short is None or int(short["y"]) < _SHORT_NAME_FIRST_YEAR:
        return None
    return _make(2000 + int(short["y"]), int(short["m"]), int(short["d"]))


_SHORT_NAME_DATE = re.compile(
    r"(?<![\d.])(?P<y>\d{2})(?P<s>[-_.]?)(?P<m>0[1-9]|1[0-2])(?P=s)(?P<d>[0-2]\d|3[01])(?![\d.])"
)
"""A date with a two-digit year first in a file name (`240311_TIL`, `24-03-11`,
`[TIL] 24.03.11`), the way Korean and Japanese logs name days."""
_SHORT_NAME_FIRST_YEAR = 10
"""Two-digit years before 2010 are read as no date: such names are more often numbers."""


_SLASH_DATE = re.compile(r"(?<![\d/_])(\d{1,2})[/_](\d{1,2})[/_]\d{4}(?![\d/_])")


def slash_dates_day_first(texts: Iterable[str]) -> bool:
    """Whether a file's `NN/NN/YYYY` dates put the day first.

    Decided once per file, from a date that can only be read one way
    (`14/03/2024`), so that `03/04/2024` means the same in every heading.
    """
    day_first = month_first = 0
    for text in texts:
        for match in _SLASH_DATE.finditer(text[:40]):
            first, second = int(match.group(1)), int(match.group(2))
            if first > 12 >= second:
                day_first += 1
            elif second > 12 >= first:
                month_first += 1
    return day_first > month_first


# -- writing dates the way a file writes them ---------------------------------------------

_ENGLISH_MONTHS = [
    "January", "February", "March", "April", "May", "June", "July", "August", "September",
    "October", "November", "December",
]  # fmt: skip
_WEEKDAYS = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"]
_KOREAN_WEEKDAYS = "월화수목금토일"
_SLASH = re.compile(r"(?<!\d)(\d{1,2})/(\d{1,2})/(\d{4})(?!\d)")
_DOTS = re.compile(r"(?<![\d.])(\d{1,2})\.(\d{1,2})\.(\d{4})(?!\d)")
_NUMERIC = re.compile(r"(\d{4})(\s?[-./]\s?)(\d{1,2})(\s?[-./]\s?)(\d{1,2})(\.?)")
_KOREAN = re.compile(r"(\d{4})(\s*년\s*)(\d{1,2})(\s*월\s*)(\d{1,2})(\s*일)")
_DAY_MONTH_NAME = re.compile(r"(\d{1,2})(st|nd|rd|th)?(\s+)([A-Za-z]{3,9})(\.?,?\s+)(\d{4})")
_MONTH_NAME_DAY = re.compile(r"([A-Za-z]{3,9})(\.?\s+)(\d{1,2})(st|nd|rd|th)?(,?\s+)(\d{4})")
_ENGLISH_WEEKDAY = re.compile(
    r"\b(Mon|Tue|Tues|Wed|Thu|Thur|Thurs|Fri|Sat|Sun)(day|sday|nesday|rsday|urday)?\b", re.I
)
_KOREAN_WEEKDAY = re.compile(r"\(([월화수목금토일])(요일)?\)")
_DECORATION_TAIL = re.compile(r"[\s*_~`\])]*(?:\([^)]*\)[\s*_~`\])]*)?")
"""What may follow a date that is kept when it is rewritten: marks, and one remark in
parentheses (`**2024-03-14** (Thu)`). The marks after the remark are inside its group, so
no two quantifiers read the same run."""


def _ordinal(day: int) -> str:
    if 10 <= day % 100 <= 20:
        return "th"
    return {1: "st", 2: "nd", 3: "rd"}.get(day % 10, "th")


def _month_name(sample: str, month: int) -> str:
    name = _ENGLISH_MONTHS[month - 1]
    name = name[:3] if len(sample) <= 4 else name
    if sample.isupper():
        return name.upper()
    return name.lower() if sample.islower() else name


def _pad(sample: str, value: int) -> str:
    return f"{value:02d}" if len(sample) == 2 else str(value)


def format_date_like(sample: str, day: date, *, day_first: bool = False) -> str:
    """Write `day` the way `sample` writes its date (decorations kept), else ISO."""
    found = date_prefix(sample, day_first=day_first)
    if found is None:
        return day.isoformat()
    # Everything after the date is dropped unless it is only decoration.
    forms: tuple[tuple[re.Pattern[str], Callable[[re.Match[str]], str]], ...] = (
        (
            _NUMERIC,
            lambda m: f"{day.year}{m[2]}{_pad(m[3], day.month)}{m[4]}{_pad(m[5], day.day)}{m[6]}",
        ),
        (_KOREAN, lambda m: f"{day.year}{m[2]}{day.month}{m[4]}{day.day}{m[6]}"),
        (
            _SLASH,
            lambda m: (
                f"{_pad(m[1], day.day)}/{_pad(m[2], day.month)}/{day.year}"
                if day_first
                else f"{_pad(m[1], day.month)}/{_pad(m[2], day.day)}/{day.year}"
            ),
        ),
        (_DOTS, lambda m: f"{_pad(m[1], day.day)}.{_pad(m[2], day.month)}.{day.year}"),
        (
            _DAY_MONTH_NAME,
            lambda m: (
                f"{_pad(m[1], day.day)}{_ordinal(day.day) if m[2] else ''}{m[3]}"
                f"{_month_name(m[4], day.month)}{m[5]}{day.year}"
            ),
        ),
        (
            _MONTH_NAME_DAY,
            lambda m: (
                f"{_month_name(m[1], day.month)}{m[2]}{_pad(m[3], day.day)}"
                f"{_ordinal(day.day) if m[4] else ''}{m[5]}{day.year}"
            ),
        ),
    )
    for pattern, build in forms:
        match = pattern.search(sample)
        if match is None:
            continue
        head, tail = sample[: match.start()], sample[match.end() :]
        if not _DECORATION_TAIL.fullmatch(tail):
            tail = tail[: len(tail) - len(tail.lstrip(" *_~`"))]
        result = head + build(match) + tail
        result = _ENGLISH_WEEKDAY.sub(
            lambda w: (
                _WEEKDAYS[day.weekday()][: len(w.group())]
                if len(w.group()) <= 3
                else _WEEKDAYS[day.weekday()]
            ),
            result,
        )
        return _KOREAN_WEEKDAY.sub(
            lambda w: f"({_KOREAN_WEEKDAYS[day.weekday()]}{w.group(2) or ''})", result
        )
    return day.isoformat()


# -- dates a user types ----------------------------------------------------------------------
# -- dates a user types ----------------------------------------------------------------------

_PERIOD = re.compile(r"^(?P<y>\d{4})(?:-(?P<m>\d{1,2})(?:-(?P<d>\d{1,2}))?)?$")
_RELATIVE = {"today": 0, "yesterday": -1, "tomorrow": 1}


def user_date(
    text: str, *, end: bool = False, whole_day: bool = False, today: date | None = None
) -> date:
    """The date a user typed (an option, a search filter, a form field).

    `2024-03-14`, `today`, `yesterday`, or any form the reader knows
    (`14 Mar 2024`, `2024년 3월 14일`); unless `whole_day`, also a month or a
    year (`2024-03`, `2024`), read as its first day, or its last with `end`.
    Raises `DateInputError` with what to type instead.
    """
    value = text.strip()
    relative = _RELATIVE.get(value.casefold())
    if relative is not None:
        return (today or date.today()) + timedelta(days=relative)
    found: date | None = None
    period = _PERIOD.match(value)
    if period is not None:
        year, month, day = period["y"], period["m"], period["d"]
        try:
            if day is not None:
                found = date(int(year), int(month), int(day))
            elif not whole_day and month is not None:
                first = date(int(year), int(month), 1)
                following = date(first.year + first.month // 12, first.month % 12 + 1, 1)
                found = following - timedelta(days=1) if end else first
            elif not whole_day:
                found = date(int(year), 12, 31) if end else date(int(year), 1, 1)
        except ValueError:
            found = None
    else:
        found = only_date(value)
    if found is None or not MIN_YEAR <= found.year <= MAX_YEAR:
        forms = "2024-03-14 or today" if whole_day else "2024-03-14, 2024-03, 2024 or today"
        raise DateInputError(
            f"{text!r} is not a date tilbook can use: write it like {forms} "
            f"(years {MIN_YEAR}-{MAX_YEAR})"
        )
    return found
