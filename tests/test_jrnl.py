"""jrnl's plain-text journals: read as entries, and `tilbook add` writes in their form."""

from __future__ import annotations

from datetime import date, time
from pathlib import Path
from typing import Any

import pytest

from tilbook.errors import CaptureError
from tilbook.features.capture import add_entry
from tilbook.notes.files import source_from_text
from tilbook.reading import parse_source

JOURNAL = (
    "[2024-05-02 08:30] Read about weight decay. AdamW decouples it @optim\n"
    "The decay is applied to the weights, not through the gradient.\n"
    "\n"
    "[2024-05-02 19:05] Tried cosine warmup with @anna on the small model.\n"
    "It helped a little.\n"
    "\n"
    "[2024-05-04 09:00] Short one *\n"
)
TOML = 'extensions = [".md", ".txt"]\n'


def _parsed(text: str, source: str = "journal.txt") -> Any:
    return parse_source(source_from_text(source, text))


def test_jrnl_entries_are_read_with_dates_titles_and_at_tags() -> None:
    parsed = _parsed(JOURNAL)
    assert parsed.layout == "jrnl"
    assert [(e.line, e.date, e.title) for e in parsed.entries] == [
        (1, "2024-05-02", "Read about weight decay"),
        (4, "2024-05-02", "Tried cosine warmup with @anna on the small model"),
        (7, "2024-05-04", "Short one"),
    ]
    assert parsed.entries[0].tags == ["optim"]
    assert parsed.entries[1].tags == ["anna"]  # an @tag inside the line counts
    assert "08:30" not in parsed.entries[0].body
    assert "decouples" in parsed.entries[0].body


def test_a_body_line_opening_with_a_date_opens_no_entry() -> None:
    text = JOURNAL.replace("It helped a little.", "2024-06-01 is the deadline.")
    parsed = _parsed(text)
    assert parsed.layout == "jrnl"
    assert [e.line for e in parsed.entries] == [1, 4, 7]


def test_a_few_jrnl_lines_among_dated_lines_are_not_a_jrnl_journal() -> None:
    text = "".join(f"2024-05-0{day} plain\n\n" for day in range(1, 4))
    text += "[2024-05-04 10:00] fourth\n\n[2024-05-05 10:00] fifth\n"
    assert _parsed(text, "log.md").layout == "dated-lines"


def test_a_hash_line_in_a_jrnl_entry_stays_in_it() -> None:
    text = JOURNAL.replace("It helped a little.", "# a heading in the body")
    parsed = _parsed(text)
    assert [(e.line, e.end_line) for e in parsed.entries][1] == (4, 5)
    assert "a heading in the body" in parsed.entries[1].body


def test_add_writes_a_jrnl_entry_in_time_order_byte_for_byte(tmp_path: Path) -> None:
    path = tmp_path / "journal.txt"
    path.write_bytes(JOURNAL.replace("\n", "\r\n").encode())
    capture = add_entry(
        tmp_path,
        "journal.txt",
        "Read the Lion paper #optim",
        day=date(2024, 5, 3),
        tags=["papers"],
        at=time(14, 0),
    )
    written = path.read_bytes().decode()
    expected = JOURNAL.replace(
        "[2024-05-04 09:00]",
        "[2024-05-03 14:00] Read the Lion paper @papers @optim\n\n[2024-05-04 09:00]",
    ).replace("\n", "\r\n")
    assert written == expected
    assert capture.line == 7
    assert capture.created_day


def test_add_appends_and_copies_seconds_and_am_pm(tmp_path: Path) -> None:
    path = tmp_path / "j.txt"
    original = "[2024-05-02 08:30:00 AM] One.\n\n[2024-05-02 07:05:00 PM] Two.\n"
    path.write_bytes(original.encode())
    add_entry(tmp_path, "j.txt", "body", title="Three", day=date(2024, 5, 3), at=time(21, 15))
    assert path.read_text() == original + "\n[2024-05-03 09:15:00 PM] Three\nbody\n"


def test_cli_reads_and_adds_to_a_txt_journal(tmp_path: Path, runner: Any) -> None:
    from tilbook.cli import main

    (tmp_path / "journal.txt").write_text(JOURNAL)
    (tmp_path / "tilbook.toml").write_text(TOML)
    result = runner.invoke(main, ["entries", "--log", str(tmp_path), "--json"])
    assert result.exit_code == 0, result.output
    import json

    entries = json.loads(result.stdout)
    assert {e["title"] for e in entries} >= {"Read about weight decay", "Short one"}
    assert all(e["layout"] == "jrnl" for e in entries)
    result = runner.invoke(
        main,
        ["add", "Wrote the notes up", "--file", "journal.txt", "--date", "2024-05-05",
         "--tag", "optim", "--log", str(tmp_path), "--json"],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    added = json.loads(result.stdout)
    assert (added["source"], added["line"]) == ("journal.txt", 9)
    assert added["entry"]
    assert (tmp_path / "journal.txt").read_text() == (
        JOURNAL + "\n[2024-05-05 09:00] Wrote the notes up @optim\n"
    )
    result = runner.invoke(main, ["tags", "--log", str(tmp_path), "--json"])
    assert "optim" in result.stdout


def test_a_txt_journal_is_not_written_unless_extensions_lists_txt(
    tmp_path: Path, runner: Any
) -> None:
    from tilbook.cli import main

    (tmp_path / "journal.txt").write_text(JOURNAL)
    result = runner.invoke(main, ["add", "x", "--file", "journal.txt", "--log", str(tmp_path)])
    assert result.exit_code != 0
    assert "journal.txt" in result.output and "extensions" in result.output
    assert (tmp_path / "journal.txt").read_text() == JOURNAL
    result = runner.invoke(main, ["entries", "--log", str(tmp_path), "--json"])
    assert result.stdout.strip() in ("[]", "")


def test_capture_error_names_the_file() -> None:
    from tilbook.features.capture import check_journal_read

    with pytest.raises(CaptureError, match=r'notes/log\.txt.*"\.txt"'):
        check_journal_read("notes/log.txt", [".md"])


def test_a_jrnl_journal_is_the_default_journal(tmp_path: Path, runner: Any) -> None:
    from tilbook.cli import main

    (tmp_path / "journal.txt").write_text(JOURNAL)
    (tmp_path / "tilbook.toml").write_text(TOML)
    (tmp_path / "topics.md").write_text("# Topics\n\n## Norms\n\nx\n\n## Heads\n\ny\n")
    result = runner.invoke(main, ["add", "From the default", "--log", str(tmp_path)])
    assert result.exit_code == 0, result.output
    assert "journal.txt" in result.output
    assert "] From the default\n" in (tmp_path / "journal.txt").read_text()
