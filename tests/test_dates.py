"""The dates people write at the start of headings, with or without a title after them."""

from __future__ import annotations

from datetime import date

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tilbook.errors import DateInputError
from tilbook.parse import dates
from tilbook.parse.dates import date_prefix, filename_date, only_date, short_year_date, user_date


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2024-03-10", (date(2024, 3, 10), "")),
        ("2024-03-10 Score matching", (date(2024, 3, 10), "Score matching")),
        ("2024-03-10: Score matching", (date(2024, 3, 10), "Score matching")),
        ("2024-03-10 — Score matching", (date(2024, 3, 10), "Score matching")),
        ("2024-03-10 Monday notes", (date(2024, 3, 10), "notes")),
        ("2024-03-10 (Sun)", (date(2024, 3, 10), "")),
        ("2024-03-10 Sunset walk", (date(2024, 3, 10), "Sunset walk")),
        ("2024-03-10 일기", (date(2024, 3, 10), "일기")),
        ("2021. 04. 25.", (date(2021, 4, 25), "")),
        ("*2021.04.25*", (date(2021, 4, 25), "")),
        ("2023년 8월 18일 (월) 읽은 논문", (date(2023, 8, 18), "읽은 논문")),
        ("Fri, 18 Aug 2023", (date(2023, 8, 18), "")),
        ("August 18, 2023 - Attention", (date(2023, 8, 18), "Attention")),
        ("18.08.2023", (date(2023, 8, 18), "")),
        ("8/18/2023", (date(2023, 8, 18), "")),
        ("2024-03-10abc", None),
        ("2023년 8월 18일에", None),
        ("2024-13-01", None),
        ("Notes from 2024-03-10", None),
        ("1000 steps", None),
    ],
)
def test_date_prefix(text: str, expected: tuple[date, str] | None) -> None:
    assert date_prefix(text) == expected


def test_only_date() -> None:
    assert only_date("_2024.01.08_") == date(2024, 1, 8)
    assert only_date("2024-01-08 and more") is None


def test_filename_date() -> None:
    assert filename_date("2024-05-20-attention") == date(2024, 5, 20)
    assert filename_date("2024-02-30-nope") is None
    assert filename_date("notes") is None


# -- dates a user types ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("typed", "end", "expected"),
    [
        ("2024-03-14", False, date(2024, 3, 14)),
        ("2024-3-4", False, date(2024, 3, 4)),
        ("2024-02", False, date(2024, 2, 1)),
        ("2024-02", True, date(2024, 2, 29)),
        ("2023-12", True, date(2023, 12, 31)),
        ("2024", False, date(2024, 1, 1)),
        ("2024", True, date(2024, 12, 31)),
        ("14 Mar 2024", False, date(2024, 3, 14)),
        ("2024년 3월 14일", False, date(2024, 3, 14)),
        ("today", False, date(2026, 1, 10)),
        ("Yesterday", False, date(2026, 1, 9)),
    ],
)
def test_user_date_reads_what_people_type(typed: str, end: bool, expected: date) -> None:
    assert user_date(typed, end=end, today=date(2026, 1, 10)) == expected


@pytest.mark.parametrize("typed", ["2024-13-01", "2024-02-30", "someday", "", "2204-01-01", "0"])
def test_user_date_refuses_with_the_forms_to_use(typed: str) -> None:
    with pytest.raises(DateInputError, match="write it like 2024-03-14"):
        user_date(typed)


def test_user_date_whole_day_refuses_a_month() -> None:
    with pytest.raises(DateInputError, match="2024-03-14 or today"):
        user_date("2024-03", whole_day=True)


# -- the cheap signals that spare most text the date patterns --------------------------------


@pytest.mark.parametrize("form", [form for form, _ in [*dates._FULL, *dates._PARTIAL]])
@settings(max_examples=50, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_a_date_form_is_skipped_only_where_it_cannot_match(form: str, data: st.DataObject) -> None:
    # A form is not searched when the text lacks one of its signals: that must never hide
    # a date the form would have found. Texts are drawn from the form's own pattern.
    pattern = dict([*dates._FULL, *dates._PARTIAL])[form]
    text = data.draw(st.from_regex(pattern))
    if pattern.search(text):
        needs = dates._NEEDS[form]
        assert needs & dates._signals(text, partial=True) == needs, text


@pytest.mark.parametrize(
    ("text", "near", "day_first", "expected"),
    [
        ("16-01-25", 2025, False, date(2025, 1, 16)),  # `-` is day first
        ("02-01-25", 2024, False, date(2025, 1, 2)),  # the year after the one around it
        ("3/14/24", 2024, False, date(2024, 3, 14)),
        ("14/03/24", 2024, False, date(2024, 3, 14)),  # only one order is a date
        ("04/03/24", 2024, True, date(2024, 3, 4)),
        ("**16-01-25**", 2025, False, date(2025, 1, 16)),
        ("16-01-19", 2025, False, None),  # years away from the dates around it
        ("16-01-25 notes", 2025, False, None),  # not the date alone
        ("31-02-25", 2025, False, None),
        ("16-01-2025", 2025, False, None),  # four digits: read as such elsewhere
    ],
)
def test_a_two_digit_year_is_read_only_near_the_dates_around_it(
    text: str, near: int, day_first: bool, expected: date | None
) -> None:
    assert short_year_date(text, near, day_first=day_first) == expected


@pytest.mark.parametrize(
    ("stem", "expected"),
    [
        ("240311_TIL", date(2024, 3, 11)),
        ("24-03-11", date(2024, 3, 11)),
        ("[TIL] 24.03.11", date(2024, 3, 11)),
        ("251028-attention-notes", date(2025, 10, 28)),
        ("123456", None),  # no such month
        ("090311", None),  # before 2010: more often a number than a day
        ("240231", None),  # no such day
        ("paper_1706.03762", None),  # an arXiv number
        ("TIL_0110", None),  # a month and day: no year to read
    ],
)
def test_a_file_name_with_a_two_digit_year_first(stem: str, expected: date | None) -> None:
    assert filename_date(stem) == expected
