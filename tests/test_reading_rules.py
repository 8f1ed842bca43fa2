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


def test_an_old_entry_among_new_ones_is_not_mended() -> None:
    """Far from both neighbours, but they do not agree with each other: left as written."""
    parsed = read("## 2024-03-01\n\nA.\n\n## 2021-06-10\n\nB.\n\n## 2022-09-01\n\nC.\n")
    assert [e.date for e in parsed.entries] == ["2024-03-01", "2021-06-10", "2022-09-01"]
    assert not parsed.warnings


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
