"""The one date grammar: the dates people write in learning logs, read and written.

Reading: `2023-08-18`, `2023.08.18`, `2023/8/18`, `2021. 04. 25.`, `18 Aug 2023`,
`August 18, 2023`, `Fri, 18 Aug 2023`, `2023년 8월 18일`, `18.08.2023`,
`8/18/2023` — with or without emphasis around them and a weekday after them.
Writing: `format_date_like` writes a date the way a sample from the file does.
Typing: `user_date` reads what a user types on the command line, in a search
filter or a form (`2024-03-14`, `2024-03`, `2024`, `today`, or any form above).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date, timedelta

from tilbook.errors import DateInputError

MIN_YEAR, MAX_YEAR = 1900, 2200
"""Years outside this range are not read as dates (a number like 3000 is rarely one)."""

_MONTHS = {
    name: number
    for number, names in enumerate(
        [
            ("jan", "january"),
            ("feb", "february"),
            ("mar", "march"),
            ("apr", "april"),
            ("may",),
            ("jun", "june"),
            ("jul", "july"),
            ("aug", "august"),
            ("sep", "sept", "september"),
            ("oct", "october"),
            ("nov", "november"),
            ("dec", "december"),
        ],
        start=1,
    )
    for name in names
}
_MONTH = r"(?P<mon>" + "|".join(sorted(_MONTHS, key=len, reverse=True)) + r")\.?"
_WEEKDAY = (
    r"(?:mon|tue|tues|wed|thu|thur|thurs|fri|sat|sun)(?:day|nesday|rsday|urday|sday)?\.?"
    r"|[월화수목금토일](?:요일)?|[月火水木金土日](?:曜日)?"
)
_ORD = r"(?:st|nd|rd|th)?"

_FORMS = [
    # 2023-08-18, 2023.08.18, 2023/08/18, 2021. 04. 25.
    r"(?P<y>\d{4})\s?(?P<s>[-./])\s?(?P<m>\d{1,2})\s?(?P=s)\s?(?P<d>\d{1,2})(?![\d])\.?",
    # 2023년 8월 18일, 2023年8月18日
    r"(?P<y>\d{4})\s*[년年]\s*(?P<m>\d{1,2})\s*[월月]\s*(?P<d>\d{1,2})\s*[일日]",
    # 18 Aug 2023, 18th August, 2023
    r"(?P<d>\d{1,2})" + _ORD + r"\s+(?:of\s+)?" + _MONTH + r",?\s+(?P<y>\d{4})",
    # August 18, 2023
    _MONTH + r"\s+(?P<d>\d{1,2})" + _ORD + r",?\s+(?P<y>\d{4})",
    # 18.08.2023 (day first)
    r"(?P<d>\d{1,2})\.(?P<m>\d{1,2})\.(?P<y>\d{4})",
    # 8/18/2023 (month first unless that is impossible)
    r"(?P<m>\d{1,2})/(?P<d>\d{1,2})/(?P<y>\d{4})",
]

_DECOR = r"[\s*_~`\[\]]*"
_PREFIX = re.compile(
    r"^"
    + _DECOR
    + r"(?:\(?(?:"
    + _WEEKDAY
    + r")\)?,?\s+)?"
    + r"(?:"
    + "|".join(
        f"(?:{form})".replace("(?P<", f"(?P<f{i}_").replace("(?P=", f"(?P=f{i}_")
        for i, form in enumerate(_FORMS)
    )
    + r")",
    re.IGNORECASE,
)
_AFTER = re.compile(
    r"^" + _DECOR + r"(?:,?\s*\(?(?:" + _WEEKDAY + r")(?!\w)\)?)?" + _DECOR,
    re.IGNORECASE,
)
_SEPARATOR = re.compile(r"^\s*(?:[-–—:|·•~]+|\)|\])?\s*")


_MONTH_FIRST_FORM = len(_FORMS) - 1


def _to_date(groups: dict[str, str | None], day_first: bool = False) -> date | None:
    values: dict[str, str] = {}
    form = -1
    for key, value in groups.items():
        if value is not None:
            prefix, name = key.split("_", 1)
            values[name] = value
            form = int(prefix[1:])
    try:
        year = int(values["y"])
        if "mon" in values:
            month = _MONTHS[values["mon"].lower().rstrip(".")]
        else:
            month = int(values["m"])
        day = int(values["d"])
        if form == _MONTH_FIRST_FORM and (month > 12 >= day or (day_first and day <= 12)):
            month, day = day, month
        if not MIN_YEAR <= year <= MAX_YEAR:
            return None
        return date(year, month, day)
    except (KeyError, ValueError):
        return None


def date_prefix(text: str, *, day_first: bool = False) -> tuple[date, str] | None:
    """The date that `text` opens with and the words after it, or None.

    `8/18/2023` is read month first unless that is impossible or `day_first`
    says the file writes days first (see `slash_dates_day_first`).
    """
    match = _PREFIX.match(text)
    if match is None:
        return None
    found = _to_date(match.groupdict(), day_first)
    if found is None:
        return None
    rest = text[match.end() :]
    if rest[:1].isalnum() and not text[match.end() - 1].isspace():
        # "2023-08-18abc" is not a date followed by words.
        return None
    after = _AFTER.match(rest)
    if after is not None:
        rest = rest[after.end() :]
    rest = _SEPARATOR.sub("", rest, count=1).strip(" *_~")
    return found, rest


def only_date(text: str, *, day_first: bool = False) -> date | None:
    """The date when `text` is nothing but a date (decorations allowed), else None."""
    found = date_prefix(text, day_first=day_first)
    if found is None or found[1]:
        return None
    return found[0]


_FILENAME_DATE = re.compile(r"^(\d{4})-(\d{2})-(\d{2})(?!\d)")


def filename_date(stem: str) -> date | None:
    """The `YYYY-MM-DD` date a file name starts with, if any."""
    match = _FILENAME_DATE.match(stem)
    if match is None:
        return None
    try:
        return date(int(match[1]), int(match[2]), int(match[3]))
    except ValueError:
        return None


_MONTH_NAME = "|".join(sorted(_MONTHS, key=len, reverse=True))
_MONTH_DAY = [
    # 03-14, 3/14, 03.14 (not followed by more of a date)
    re.compile(r"^(?P<m>\d{1,2})[-/.](?P<d>\d{1,2})(?![\d/.\-])"),
    # Mar 3, March 3rd
    re.compile(
        r"^(?P<mon>" + _MONTH_NAME + r")\.?\s+(?P<d>\d{1,2})" + _ORD + r"(?![\d,]*\s*\d{4})", re.I
    ),
    # 3 Mar, 3rd of March
    re.compile(
        r"^(?P<d>\d{1,2})" + _ORD + r"\s+(?:of\s+)?(?P<mon>" + _MONTH_NAME + r")\.?(?!,?\s*\d{4})",
        re.I,
    ),
    # 3월 14일
    re.compile(r"^(?P<m>\d{1,2})\s*[월月]\s*(?P<d>\d{1,2})\s*[일日]"),
]
_YEAR = re.compile(r"(?<!\d)(?P<y>(?:19|20|21)\d{2})(?!\d)")


def month_day_prefix(text: str, year: int) -> tuple[date, str] | None:
    """A heading that opens with a month and day but no year (`Mar 3`, `03-14`), in `year`."""
    stripped = text.strip().strip("*_~`[]").strip()
    for pattern in _MONTH_DAY:
        match = pattern.match(stripped)
        if match is None:
            continue
        values = match.groupdict()
        try:
            month = _MONTHS[values["mon"].lower()] if values.get("mon") else int(values["m"])
            found = date(year, month, int(values["d"]))
        except (KeyError, ValueError):
            return None
        rest = stripped[match.end() :]
        after = _AFTER.match(rest)
        if after is not None:
            rest = rest[after.end() :]
        if rest and rest[0].isalnum():
            return None
        return found, _SEPARATOR.sub("", rest, count=1).strip(" *_~")
    return None


def year_in(text: str) -> int | None:
    """A year written in `text` (`TIL 2024`, `2023 notes`), if any."""
    match = _YEAR.search(text)
    if match is None:
        return None
    year = int(match.group("y"))
    return year if MIN_YEAR <= year <= MAX_YEAR else None


_SLASH_DATE = re.compile(r"(?<![\d/])(\d{1,2})/(\d{1,2})/\d{4}(?![\d/])")


def slash_dates_day_first(texts: list[str]) -> bool:
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
        if not re.fullmatch(r"[\s*_~`\])]*(?:\([^)]*\))?[\s*_~`\])]*", tail):
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
