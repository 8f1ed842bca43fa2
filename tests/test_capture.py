"""`tilbook add` / `today`: entries written in the log's own style, byte for byte."""

from __future__ import annotations

import json
import sys
from datetime import date
from pathlib import Path

import pytest
from click.testing import CliRunner

from tilbook.cli import main
from tilbook.errors import FileChangedError
from tilbook.features.capture import add_entry, format_date_like, split_trailing_tags
from tilbook.notes.writes import insert_text, read_note

TODAY = date.today().isoformat()

SETEXT_NEWEST_FIRST = """---
title: Study log
tags: [Learning]
---
A line of preamble.

2024-03-02
----------

(#Research) Read about score matching.

2024-03-01
----------

(#Code) Wrote a tiny autograd.
"""

ATX_OLDEST_FIRST = """# Notes

## 2024.03.01

Started the course.

## 2024.03.02

Second lecture on backprop.
"""

CATEGORY_LOG = """---
title: TIL
---

##### 🧩 Library
*2024.02.01*

첫 번째 메모입니다.

##### 🤖 Theory
*2024.02.03*

두 번째 메모입니다.

### References

[^1]: A footnote.
"""


def run(root: Path, *args: str, input: str | None = None) -> str:
    result = CliRunner().invoke(main, [*args, "--log", str(root)], input=input)
    assert result.exit_code == 0, result.output + (result.stderr or "")
    return result.stdout


def write(root: Path, name: str, text: str | bytes) -> Path:
    path = root / name
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(text, str):
        path.write_text(text, encoding="utf-8", newline="")
    else:
        path.write_bytes(text)
    return path


def inserted_bytes(before: bytes, after: bytes) -> bytes:
    """The one run of bytes added to `before` to make `after` (nothing else may change)."""
    assert len(after) > len(before)
    start = 0
    while start < len(before) and before[start] == after[start]:
        start += 1
    added = after[start : start + len(after) - len(before)]
    assert after[:start] + added + after[start + len(added) :] == after
    assert after[:start] + after[start + len(added) :] == before, "existing bytes changed"
    return added


def assert_inserted(before: bytes, after: bytes, expected: str | bytes) -> None:
    """`after` is `before` with exactly `expected` inserted somewhere, and nothing else."""
    payload = expected.encode() if isinstance(expected, str) else expected
    assert len(after) == len(before) + len(payload)
    position = after.find(payload)
    while position != -1:
        if after[:position] + after[position + len(payload) :] == before:
            return
        position = after.find(payload, position + 1)
    raise AssertionError(f"{payload!r} was not inserted as one piece, or other bytes changed")


def test_new_day_goes_on_top_of_a_newest_first_setext_log(tmp_path: Path) -> None:
    path = write(tmp_path, "log.md", SETEXT_NEWEST_FIRST)
    before = path.read_bytes()
    out = run(tmp_path, "add", "Read the DDIM paper today #Research #Diffusion")
    assert_inserted(
        before,
        path.read_bytes(),
        f"{TODAY}\n----------\n\n(#Research, #Diffusion) Read the DDIM paper today\n\n",
    )
    assert path.read_text().index(TODAY) < path.read_text().index("2024-03-02")
    assert "log.md:" in out and "new day" in out
    entries = json.loads(run(tmp_path, "entries", "--json", "--since", TODAY))
    assert [e["title"] for e in entries] == ["Read the DDIM paper today"]
    assert entries[0]["tags"][:2] == ["Research", "Diffusion"]


def test_existing_day_of_newest_first_marker_log_gets_it_first(tmp_path: Path) -> None:
    path = write(tmp_path, "log.md", SETEXT_NEWEST_FIRST)
    before = path.read_bytes()
    run(tmp_path, "add", "--date", "2024-03-02", "Another thought", "--tag", "Idea")
    text = path.read_text()
    assert_inserted(before, path.read_bytes(), "(#Idea) Another thought\n\n")
    assert text.index("(#Idea) Another thought") < text.index("(#Research) Read about")


def test_oldest_first_atx_log_gets_new_day_at_the_end(tmp_path: Path) -> None:
    path = write(tmp_path, "notes.md", ATX_OLDEST_FIRST)
    before = path.read_bytes()
    run(tmp_path, "add", "--date", "2024-03-05", "Third lecture")
    assert_inserted(before, path.read_bytes(), "\n## 2024.03.05\n\nThird lecture\n")
    # A date between two days lands between them.
    run(tmp_path, "add", "--date", "2024-03-03", "In between")
    text = path.read_text()
    assert text.index("2024.03.02") < text.index("2024.03.03") < text.index("2024.03.05")


def test_no_marker_day_appends_a_paragraph_to_that_day(tmp_path: Path) -> None:
    path = write(tmp_path, "notes.md", ATX_OLDEST_FIRST)
    run(tmp_path, "add", "--date", "2024-03-01", "Also set up the GPU.")
    text = path.read_text()
    assert "Started the course.\n\nAlso set up the GPU.\n\n## 2024.03.02" in text


def test_category_log_copies_heading_and_date_line(tmp_path: Path) -> None:
    path = write(tmp_path, "til.md", CATEGORY_LOG)
    before = path.read_bytes()
    run(tmp_path, "add", "--file", "til.md", "--category", "library", "세 번째 메모입니다.")
    expected = f"\n##### 🧩 Library\n*{TODAY.replace('-', '.')}*\n\n세 번째 메모입니다.\n"
    assert_inserted(before, path.read_bytes(), expected)
    text = path.read_text()
    assert text.index("세 번째") < text.index("### References")
    found = json.loads(run(tmp_path, "entries", "--json", "--category", "Library"))
    assert any(e["date"] == TODAY for e in found)


@pytest.mark.parametrize(
    ("name", "data"),
    [
        ("crlf", SETEXT_NEWEST_FIRST.replace("\n", "\r\n").encode()),
        ("bom", b"\xef\xbb\xbf" + ATX_OLDEST_FIRST.encode()),
        ("no-final-newline", ATX_OLDEST_FIRST.rstrip("\n").encode()),
    ],
)
def test_writes_are_byte_precise(tmp_path: Path, name: str, data: bytes) -> None:
    path = write(tmp_path, f"{name}.md", data)
    run(tmp_path, "add", "--file", f"{name}.md", "--date", "2024-03-09", "Byte check")
    after = path.read_bytes()
    added = inserted_bytes(data, after)
    assert b"Byte check" in added
    if name == "crlf":
        assert b"\n" not in added.replace(b"\r\n", b"")
        assert after.count(b"\r\n") == after.count(b"\n")
    if name == "bom":
        assert after.startswith(b"\xef\xbb\xbf")
    if name == "no-final-newline":
        assert not after.endswith(b"\n")
    assert after.startswith(data[:20])


def test_front_matter_is_untouched(tmp_path: Path) -> None:
    path = write(tmp_path, "log.md", SETEXT_NEWEST_FIRST)
    run(tmp_path, "add", "Anything")
    assert path.read_text().startswith(SETEXT_NEWEST_FIRST.split("A line of")[0])


def test_refuses_when_the_file_changed_underneath(tmp_path: Path) -> None:
    path = write(tmp_path, "log.md", ATX_OLDEST_FIRST)
    note = read_note(path)
    path.write_text(ATX_OLDEST_FIRST + "\nEdited elsewhere.\n", encoding="utf-8")
    changed = path.read_bytes()
    with pytest.raises(FileChangedError, match="changed on disk"):
        insert_text(note, 0, "surprise\n")
    assert path.read_bytes() == changed


def test_new_journal_is_created_but_never_over_a_file(tmp_path: Path) -> None:
    out = run(tmp_path, "add", "First entry #Start")
    journal = tmp_path / "journal.md"
    assert journal.exists() and "journal.md" in out
    assert f"## {TODAY}" in journal.read_text()
    assert "(#Start) First entry" in journal.read_text()
    # A second add goes into the same file rather than replacing it.
    run(tmp_path, "add", "Second entry")
    assert "First entry" in journal.read_text() and "Second entry" in journal.read_text()


def test_default_journal_is_the_most_recently_dated_log(tmp_path: Path) -> None:
    write(tmp_path, "old.md", ATX_OLDEST_FIRST)
    write(tmp_path, "recent.md", SETEXT_NEWEST_FIRST.replace("2024-03-02", "2025-01-02"))
    out = run(tmp_path, "add", "Which file?")
    assert "recent.md" in out
    write(tmp_path, "tilbook.toml", 'journal = "old.md"\n')
    assert "old.md" in run(tmp_path, "add", "This one")


def test_body_from_stdin_and_title(tmp_path: Path) -> None:
    path = write(tmp_path, "log.md", SETEXT_NEWEST_FIRST)
    run(
        tmp_path,
        "add",
        "-",
        "--title",
        "Reading notes",
        "--tag",
        "Research",
        input="Line one.\nLine two.\n",
    )
    assert "(#Research) Reading notes\n\nLine one.\nLine two." in path.read_text()


def test_empty_entry_is_a_usage_error(tmp_path: Path) -> None:
    write(tmp_path, "log.md", SETEXT_NEWEST_FIRST)
    result = CliRunner().invoke(main, ["add", "   ", "--log", str(tmp_path)])
    assert result.exit_code == 2 and "empty" in result.output


def test_sections_file_is_refused_with_a_clear_message(tmp_path: Path) -> None:
    write(tmp_path, "topics.md", "# Course\n\n## One\n\ntext\n\n## Two\n\ntext\n")
    result = CliRunner().invoke(main, ["add", "x", "--file", "topics.md", "--log", str(tmp_path)])
    assert result.exit_code == 1
    assert "topics.md" in result.output and "not a dated log" in result.output


def test_today_opens_the_editor_at_todays_heading_and_reindexes(tmp_path: Path) -> None:
    path = write(tmp_path, "log.md", SETEXT_NEWEST_FIRST)
    editor = write(
        tmp_path.parent / "bin",
        "fake-editor.py",
        "import sys\n"
        "line = int(sys.argv[1].lstrip('+'))\n"
        "path = sys.argv[2]\n"
        "lines = open(path, encoding='utf-8').read().split('\\n')\n"
        "lines[line:line] = ['', '(#Edited) Written in the editor.']\n"
        "open(path, 'w', encoding='utf-8').write('\\n'.join(lines))\n",
    )
    result = CliRunner().invoke(
        main, ["today", "--log", str(tmp_path)], env={"EDITOR": f"{sys.executable} {editor}"}
    )
    assert result.exit_code == 0, result.output
    assert f"{TODAY}\n----------" in path.read_text()
    found = json.loads(run(tmp_path, "search", "--json", "Written in the editor"))
    assert found and found[0]["date"] == TODAY


def test_today_with_a_missing_editor_says_so(tmp_path: Path) -> None:
    write(tmp_path, "log.md", SETEXT_NEWEST_FIRST)
    result = CliRunner().invoke(
        main, ["today", "--log", str(tmp_path)], env={"EDITOR": "no-such-editor-xyz"}
    )
    assert result.exit_code == 1 and "EDITOR" in result.output


@pytest.mark.parametrize(
    ("sample", "expected"),
    [
        ("2023-08-18", "2026-11-23"),
        ("*2021.04.25*", "*2026.11.23*"),
        ("18 Aug 2023", "23 Nov 2026"),
        ("August 18, 2023", "November 23, 2026"),
        ("2023년 8월 18일 (금)", "2026년 11월 23일 (월)"),
        ("2023-08-18: Attention", "2026-11-23"),
        ("not a date", "2026-11-23"),
    ],
)
def test_format_date_like(sample: str, expected: str) -> None:
    assert format_date_like(sample, date(2026, 11, 23)) == expected


def test_split_trailing_tags() -> None:
    assert split_trailing_tags("Read DDIM #Research #Diffusion") == (
        "Read DDIM",
        ["Research", "Diffusion"],
    )
    assert split_trailing_tags("C# is fine") == ("C# is fine", [])


def test_add_entry_library_returns_the_line(tmp_path: Path) -> None:
    write(tmp_path, "notes.md", ATX_OLDEST_FIRST)
    capture = add_entry(tmp_path, "notes.md", "Line check", day=date(2024, 3, 9))
    lines = (tmp_path / "notes.md").read_text().split("\n")
    assert lines[capture.line - 1] == "Line check"


def test_a_date_the_parser_cannot_read_back_is_refused(tmp_path: Path) -> None:
    write(tmp_path, "notes.md", ATX_OLDEST_FIRST)
    result = CliRunner().invoke(
        main, ["add", "typo year", "--date", "2204-03-01", "--log", str(tmp_path)]
    )
    assert result.exit_code == 2  # a bad option value is a usage error
    assert "years 1900-2200" in result.output
    assert (tmp_path / "notes.md").read_text() == ATX_OLDEST_FIRST


def test_day_first_log_gets_a_day_first_heading(tmp_path: Path) -> None:
    path = write(
        tmp_path, "diary.md", "# Diary\n\n## 14/03/2024\n\nOne.\n\n## 03/04/2024\n\nTwo.\n"
    )
    before = path.read_bytes()
    run(tmp_path, "add", "--date", "2024-04-05", "Three.")
    assert_inserted(before, path.read_bytes(), "\n## 05/04/2024\n\nThree.\n")
    dates = [e["date"] for e in json.loads(run(tmp_path, "entries", "--json"))]
    assert dates == ["2024-04-05", "2024-04-03", "2024-03-14"]


@pytest.mark.parametrize(
    ("sample", "day_first", "expected"),
    [
        ("14/03/2024", True, "23/11/2026"),
        ("03/14/2024", False, "11/23/2026"),
        ("18.08.2023", False, "23.11.2026"),
    ],
)
def test_format_slash_and_dot_dates(sample: str, day_first: bool, expected: str) -> None:
    assert format_date_like(sample, date(2026, 11, 23), day_first=day_first) == expected


def test_a_file_s_line_ending_is_its_majority_ending(tmp_path: Path) -> None:
    """One CRLF line pasted into an LF journal does not make new text CRLF (nor the reverse)."""
    mostly_lf = b"# Log\n\n## 2024-03-01\n\nPasted line.\r\nOne.\n\n## 2024-03-02\n\nTwo.\n"
    path = tmp_path / "journal.md"
    path.write_bytes(mostly_lf)
    assert read_note(path).newline == "\n"
    run(tmp_path, "add", "--date", "2024-03-03", "Three.")
    added = path.read_bytes()
    assert added.count(b"\r\n") == 1  # only the line that had it
    mostly_crlf = (
        mostly_lf.replace(b"\r\n", b"\n")
        .replace(b"\n", b"\r\n")
        .replace(b"Pasted line.\r\n", b"Pasted line.\n", 1)
    )
    path.write_bytes(mostly_crlf)
    assert read_note(path).newline == "\r\n"


def test_a_new_day_copies_the_file_s_spacing_after_a_setext_underline(tmp_path: Path) -> None:
    tight = "Learning log\n============\n\n2024-03-02\n----------\nRead about attention.\n\n"
    path = write(tmp_path, "log.md", tight + "2024-03-01\n----------\nStarted the course.\n")
    before = path.read_bytes()
    out = run(tmp_path, "add", "--date", "2024-03-03", "Tried setext.")
    assert_inserted(before, path.read_bytes(), "2024-03-03\n----------\nTried setext.\n\n")
    assert "log.md:6" in out  # the line of the new text, right under the underline


def test_a_category_log_s_own_date_form_is_used_for_a_new_category(tmp_path: Path) -> None:
    text = (
        "# TIL\n\n##### 🧩 Library\n*2021.04.25* \n\n첫 메모.\n\n"
        "##### 🤖 Theory\n*2021.04.27* \n\n둘째 메모.\n\n##### 📚 Papers\n*2021.05.02*\n\n셋째.\n"
    )
    path = write(tmp_path, "til.md", text)
    run(tmp_path, "add", "--file", "til.md", "--category", "Tools", "--date", "2026-11-29", "x")
    written = path.read_text(encoding="utf-8")
    assert "##### Tools\n*2026.11.29*\n\nx\n" in written
    assert "2026-11-29" not in written
