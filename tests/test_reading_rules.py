"""Rules of the reader that the fixtures cover only in passing, pinned one by one."""

from __future__ import annotations

from tilbook.model import ParsedFile
from tilbook.notes.files import source_from_text
from tilbook.reading import parse_source


def read(text: str, name: str = "log.md") -> ParsedFile:
    return parse_source(source_from_text(name, text))


def test_a_weekday_that_disagrees_is_kept_and_warned_about() -> None:
    parsed = read("## 2024-03-04 (Tuesday)\n\nOne.\n\n## 2024-03-05 (Tuesday)\n\nTwo.\n")
    assert [e.date for e in parsed.entries] == ["2024-03-04", "2024-03-05"]
    warnings = [(w.line, w.message) for w in parsed.warnings]
    assert len(warnings) == 1
    assert warnings[0][0] == 1
    assert "Monday" in warnings[0][1]


def test_a_year_slip_is_mended_from_the_neighbours_with_a_warning() -> None:
    parsed = read(
        "## December 29, 2023\n\nA.\n\n## December 30, 2023\n\nB.\n\n## January 2, 2023\n\nC.\n"
    )
    assert [e.date for e in parsed.entries] == ["2023-12-29", "2023-12-30", "2024-01-02"]
    assert any(w.line == 9 and "read as 2024-01-02" in w.message for w in parsed.warnings)


def test_a_typed_year_is_mended_in_dated_lines_items_and_rows_too() -> None:
    lines = read("[03.05.2023]\n\n* a\n\n[07.05.2023]\n\n* b\n\n[09.05.2021]\n\n* c\n")
    items = read("- 2023-05-03 a\n- 2023-05-07 b\n- 2021-05-09 c\n- 2023-05-12 d\n")
    rows = read(
        "| Date | What |\n|--|--|\n| 2023-05-03 | read the paper |\n"
        "| 2023-05-07 | wrote the notes |\n| 2013-05-09 | ran the tests again |\n"
    )
    for parsed, layout in ((lines, "dated-lines"), (items, "dated-list"), (rows, "dated-table")):
        assert parsed.layout == layout
        assert [e.date for e in parsed.entries][:3] == ["2023-05-03", "2023-05-07", "2023-05-09"]
        assert len(parsed.warnings) == 1
        assert "read as 2023-05-09" in parsed.warnings[0].message


def test_an_old_entry_among_new_ones_is_not_mended() -> None:
    """Far from both neighbours, but they do not agree with each other: left as written."""
    parsed = read("## 2024-03-01\n\nA.\n\n## 2021-06-10\n\nB.\n\n## 2022-09-01\n\nC.\n")
    assert [e.date for e in parsed.entries] == ["2024-03-01", "2021-06-10", "2022-09-01"]
    assert not parsed.warnings


def test_a_full_date_in_the_file_name_wins_over_a_copied_heading_date() -> None:
    parsed = read("# 2024-06-03 study log\n\nAttention masks.\n", name="2024-06-10.md")
    assert [e.date for e in parsed.entries] == ["2024-06-10"]
    assert any(
        w.line == 1 and "2024-06-03" in w.message and "2024-06-10" in w.message
        for w in parsed.warnings
    )
    setext = read("2024-06-03\n==========\n\nGoals\n-----\n\nA.\n", name="2024-06-10.md")
    assert [e.date for e in setext.entries] == ["2024-06-10"]
    assert len(setext.warnings) == 1
    forced = read(
        "---\ntilbook:\n  layout: single-note\n---\n# 2024-06-03 study log\n\nA.\n",
        name="2024-06-10.md",
    )
    assert [(e.layout, e.date) for e in forced.entries] == [("single-note", "2024-06-10")]
    assert [w.line for w in forced.warnings] == [5]


def test_a_heading_date_the_file_name_agrees_with_warns_nothing() -> None:
    for text in ("# 2024-06-10 study log\n\nA.\n", "# Week of 2024-06-10\n\nA.\n"):
        parsed = read(text, name="2024-06-12.md" if "Week" in text else "2024-06-10.md")
        assert not parsed.warnings, text
    several = read("## 2024-06-03\n\nA.\n\n## 2024-06-04\n\nB.\n", name="2024-06-10.md")
    assert [e.date for e in several.entries] == ["2024-06-03", "2024-06-04"]
    assert not several.warnings


def test_a_numbered_series_across_heading_levels_is_one_series() -> None:
    parsed = read(
        "## Week 1\n\nA.\n\n## Week 2\n\nB.\n\n# Week 3\n\n## Docker\n\nC.\n\n"
        "# Week 4\n\n## Tests\n\nD.\n"
    )
    assert [(e.line, e.title) for e in parsed.entries] == [
        (1, "Week 1"),
        (5, "Week 2"),
        (9, "Week 3"),
        (15, "Week 4"),
    ]
    # Numbers that repeat are a week and its parts, not one series.
    nested = read("# Week 1\n\n## Week 1 recap\n\nA.\n\n# Week 2\n\n## Week 2 recap\n\nB.\n")
    assert [e.line for e in nested.entries] == [1, 7]


def test_a_copied_prompt_list_is_a_stub_but_text_written_twice_is_not() -> None:
    prompts = "> 1. What did you do?\n> 2. What did you learn?\n"
    stubs = read(
        f"## Session 1\n\n{prompts}\nThreads need a join.\n\n## Session 2\n\n{prompts}\n"
        f"## Session 3\n\n{prompts}"
    )
    assert [e.title for e in stubs.entries] == ["Session 1"]
    assert [q.text for e in stubs.entries for q in e.questions] == []
    twice = "Rest day, only reread yesterday's notes on the scheduler.\n"
    kept = read(f"## Session 1\n\n{twice}\n## Session 2\n\n{twice}")
    assert [e.title for e in kept.entries] == ["Session 1", "Session 2"]
    # Days made in advance from a template: the same body three times or more.
    stub = (
        "**What I did**\n[Example](https://example.com)\n\n**How it went**\n\n"
        "[Back to top](#days)\n"
    )
    days = "".join(f"## Day {n}: May {n}, 2024\n\n{stub}\n" for n in range(2, 5))
    ahead = read(f"## Day 1: May 1, 2024\n\nParsed the logs.\n\n{stub}\n{days}")
    assert [e.date for e in ahead.entries] == ["2024-05-01"]


def test_two_dates_in_a_heading_agree_with_the_file_name() -> None:
    parsed = read("# 2024-01-14 (January 14, 2025)\n\nNotes.\n", name="2025-01-14.md")
    assert [e.date for e in parsed.entries] == ["2025-01-14"]


def test_a_title_every_entry_shares_is_a_label() -> None:
    parsed = read("# TIL 3rd June 2024\n\nTokenizers.\n\n# TIL 2nd June 2024\n\nBatch norm.\n")
    assert [e.title for e in parsed.entries] == ["Tokenizers", "Batch norm"]


def test_a_question_that_is_also_a_heading_is_a_contents_line() -> None:
    parsed = read(
        "## Week 1\n\n* What is the normal equation?\n* Why warm up?\n\n"
        "### What is the normal equation?\n\nA closed form.\n"
    )
    assert [q.text for e in parsed.entries for q in e.questions] == ["Why warm up?"]


def test_a_glossary_needs_definitions_and_fields_are_not_terms() -> None:
    parsed = read(
        "## 2024-03-01\n\n- **Dropout**: randomly zeroes activations while training\n"
        "- **Weight decay**: shrinks the weights toward zero\n\nThe day in numbers:\n\n"
        "- **Model used:** a small ResNet\n- **Time spent:** two hours\n"
    )
    assert [t.term for e in parsed.entries for t in e.terms] == ["Dropout", "Weight decay"]


def test_a_decimal_point_does_not_end_the_question() -> None:
    parsed = read("## 2024-03-01\n\nWhy does a discount of 0.95 work so often? I tried 0.9.\n")
    assert [q.text for e in parsed.entries for q in e.questions] == [
        "Why does a discount of 0.95 work so often?"
    ]


def test_layout_reason_counts_one_heading_in_the_singular() -> None:
    parsed = read("# Log\n\n## 2024-03-01\n\nRead about optimisers.\n")
    assert parsed.layout_reason.startswith("1 heading at level 2 holds a date"), (
        parsed.layout_reason
    )
    two = read("## 2024-03-01\n\nOne.\n\n## 2024-03-02\n\nTwo.\n")
    assert two.layout_reason.startswith("2 headings at level 2 hold a date"), two.layout_reason


def test_a_lone_br_inside_fenced_code_stays_code() -> None:
    """A `<br>` line between days reads as a gap, but never inside code."""
    text = (
        "# 2025-08-16\n\n```html\n<br>\n# 2025-08-15 is not a day\n```\n\n"
        "<br>\n# 2025-08-14\nDone.\n"
    )
    entries = parse_source(source_from_text("log.md", text)).entries
    assert [entry.date for entry in entries] == ["2025-08-16", "2025-08-14"]
    assert "<br>\n# 2025-08-15 is not a day" in entries[0].body


def test_a_title_keeps_the_number_of_its_section() -> None:
    parsed = read(
        "## 2025-05-02\n\n### 3. Gradient clipping\n\nClip the norm.\n\n"
        "## 2025-05-03\n\n### IV. Results\n\nSame loss.\n\n"
        "## 2025-05-04\n\n### 2-1. Warm-up. Then decay\n\nLinear.\n"
    )
    assert [e.title for e in parsed.entries] == [
        "3. Gradient clipping",
        "IV. Results",
        "2-1. Warm-up",
    ]


def test_a_day_number_under_a_year_and_month_folder_is_that_day() -> None:
    text = "**Goal today**\n\n- finish chapter 2 of the optimisation notes\n"
    assert [e.date for e in read(text, "study_2024_03/7.md").entries] == ["2024-03-07"]
    assert [e.date for e in read(text, "202311/30.md").entries] == ["2023-11-30"]
    assert [e.date for e in read(text, "2024年3月/5日.md").entries] == ["2024-03-05"]
    assert [e.date for e in read(text, "daily/2024/03/07.md").entries] == ["2024-03-07"]
    assert [e.date for e in read(text, "2024/11-November/2.md").entries] == ["2024-11-02"]
    assert [e.date for e in read(text, "notes/7.md").entries] == [None]  # no month named
    assert [e.date for e in read(text, "lessons/3/7.md").entries] == [None]  # no year
    assert [e.date for e in read(text, "2024/7.md").entries] == [None]  # a year alone
    assert [e.date for e in read(text, "study_2023_02/30.md").entries] == [None]  # no such day


def test_titles_keep_abbreviations_and_lose_a_weekday_between_bars() -> None:
    parsed = read(
        "### Day 68 | Sunday | November 13, 2022\n\nA.\n\n"
        "### Day 69 | Monday | November 14, 2022\n\nB.\n\n"
        "### 2022-11-15\n\nMet with Dr. Lee about the model. Then lunch.\n\n"
        "### 2022-11-16\n\nTo do: train on the blues subset\n\nNo. 5 was the best run.\n"
    )
    assert [e.title for e in parsed.entries] == [
        "Day 68",
        "Day 69",
        "Met with Dr. Lee about the model",
        "No. 5 was the best run",
    ]
    assert [t.text for t in parsed.entries[3].todos] == ["train on the blues subset"]


def test_a_year_after_the_weekday_belongs_to_the_date() -> None:
    parsed = read(
        "# Estudos\n\n## Dia 1: Fevereiro 16, Terça-feira, 2021\n\nA.\n\n"
        "## Dia 2: Janeiro 3, Segunda-feira, 2022\n\nB.\n"
    )
    assert [(e.title, e.date) for e in parsed.entries] == [
        ("Dia 1", "2021-02-16"),
        ("Dia 2", "2022-01-03"),
    ]
