"""When no rule can guess: `[[files]]` hints in tilbook.toml, and `inspect` saying how sure
it is, what looked doubtful and which hint would change a reading."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from tilbook.cli import main
from tilbook.errors import SettingsError
from tilbook.settings import FileHints, load_settings

# Numbered week headings over day headings: only the hint says the days are the entries.
WEEKS = """\
# Study log

## Week 1

### Monday

Set up the environment and read the course outline.

### Wednesday

Linear regression by hand.

## Week 2

### Tuesday

Logistic regression and the sigmoid.
"""

SLASHED = """\
# Journal

## 03/04/2024

Started the convolution chapter.

## 05/04/2024

Pooling layers.
"""


def run(root: Path, *args: str, code: int = 0) -> str:
    result = CliRunner().invoke(main, [*args, "--log", str(root)])
    assert result.exit_code == code, result.output
    return result.stdout


def write(root: Path, name: str, text: str) -> Path:
    path = root / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def entries(root: Path, source: str) -> list[dict]:
    found = json.loads(run(root, "entries", "--json"))
    return [entry for entry in found if entry["source"] == source]


def test_hints_match_by_glob_and_later_tables_win(tmp_path: Path) -> None:
    write(
        tmp_path,
        "tilbook.toml",
        '[[files]]\nmatch = "*.md"\nlayout = "sections"\n\n'
        '[[files]]\nmatch = "logs/*.md"\nentry_level = 3\ndate_order = "dmy"\n',
    )
    settings = load_settings(tmp_path)
    assert settings.hints_for("notes/a.md") == FileHints(layout="sections")
    assert settings.hints_for("logs/b.md") == FileHints(
        layout="sections", entry_level=3, date_order="dmy"
    )
    assert settings.hints_for("logs/b.txt") == FileHints()


@pytest.mark.parametrize(
    ("table", "message"),
    [
        ('match = "x.md"\nlayout = "diary"', "layout 'diary' is not one of"),
        ('match = "x.md"\nentry_level = 9', "entry_level must be a heading level"),
        ('match = "x.md"\nentry_pattern = "("', "entry_pattern is not a regular expression"),
        ('match = "x.md"\ndate_order = "ymd"', 'date_order must be "dmy" or "mdy"'),
        ('match = "x.md"\ndate_format = "dd.mm"', "date_format must be a strftime format"),
        ('layout = "sections"', "needs match"),
        ('match = "x.md"\nlevel = 2', "unknown key 'level'"),
    ],
)
def test_bad_hints_are_clear_errors(tmp_path: Path, table: str, message: str) -> None:
    write(tmp_path, "tilbook.toml", f"[[files]]\n{table}\n")
    with pytest.raises(SettingsError, match=message):
        load_settings(tmp_path)
    write(tmp_path, "log.md", "# Log\n")
    assert message.split("'")[0] in CliRunner().invoke(main, ["index", str(tmp_path)]).output


def test_entry_level_hint_changes_the_reading_and_the_index_follows(tmp_path: Path) -> None:
    write(tmp_path, "study.md", WEEKS)
    assert [e["title"] for e in entries(tmp_path, "study.md")] == ["Week 1", "Week 2"]
    write(tmp_path, "tilbook.toml", '[[files]]\nmatch = "study.md"\nentry_level = 3\n')
    # The file did not change: the new hint alone makes the index read it again.
    assert [e["title"] for e in entries(tmp_path, "study.md")] == [
        "Monday",
        "Wednesday",
        "Tuesday",
    ]


def test_entry_pattern_hint(tmp_path: Path) -> None:
    write(tmp_path, "study.md", WEEKS)
    write(tmp_path, "tilbook.toml", '[[files]]\nmatch = "study.md"\nentry_pattern = "day$"\n')
    assert [e["title"] for e in entries(tmp_path, "study.md")] == [
        "Monday",
        "Wednesday",
        "Tuesday",
    ]


def test_date_order_hint(tmp_path: Path) -> None:
    write(tmp_path, "journal.md", SLASHED)
    assert [e["date"] for e in entries(tmp_path, "journal.md")] == ["2024-05-04", "2024-03-04"]
    write(tmp_path, "tilbook.toml", '[[files]]\nmatch = "journal.md"\ndate_order = "dmy"\n')
    assert [e["date"] for e in entries(tmp_path, "journal.md")] == ["2024-04-05", "2024-04-03"]


def test_date_format_hint_writes_new_days(tmp_path: Path) -> None:
    path = write(tmp_path, "journal.md", "# Journal\n\n## 2024-03-01\n\nOne.\n")
    write(tmp_path, "tilbook.toml", '[[files]]\nmatch = "journal.md"\ndate_format = "%d.%m.%Y"\n')
    run(tmp_path, "add", "--date", "2024-03-05", "Two.")
    assert "## 05.03.2024\n\nTwo." in path.read_text(encoding="utf-8")


def test_inspect_says_how_sure_and_which_hint_reads_it_otherwise(tmp_path: Path) -> None:
    write(tmp_path, "study.md", WEEKS)
    report = json.loads(run(tmp_path, "inspect", str(tmp_path / "study.md"), "--json"))
    assert report["layout"] == "lessons"  # the weeks are numbered
    assert 0 < report["confidence"] <= 1
    hints = [other["hint"] for other in report["other_readings"]]
    assert {"match": "study.md", "entry_level": 3} in hints
    text = run(tmp_path, "inspect", str(tmp_path / "study.md"))
    assert "sure:" in text
    assert '[[files]]\nmatch = "study.md"\nentry_level = 3' in text


def test_inspect_applies_the_hints_of_the_log(tmp_path: Path) -> None:
    write(tmp_path, "study.md", WEEKS)
    write(tmp_path, "tilbook.toml", '[[files]]\nmatch = "study.md"\nentry_level = 3\n')
    report = json.loads(run(tmp_path, "inspect", str(tmp_path / "study.md"), "--json"))
    assert [entry["title"] for entry in report["entries"]] == ["Monday", "Wednesday", "Tuesday"]
    assert "tilbook.toml" in report["layout_reason"]


def test_inspect_all_lists_doubtful_files_worst_first(tmp_path: Path) -> None:
    write(tmp_path, "fine.md", "# Journal\n\n## 2024-03-01\n\nOne.\n\n## 2024-03-02\n\nTwo.\n")
    write(
        tmp_path,
        "mixed.md",
        "# Log\n\n## 2024-03-01\n\nOne.\n\n## 2024-03-02\n\nTwo.\n\n## Ideas\n\nThree.\n\n"
        "## Reading\n\nFour.\n",
    )
    report = json.loads(run(tmp_path, "inspect", "--all", "--json"))
    assert [item["source"] for item in report] == ["mixed.md"]
    assert any("no date" in doubt for doubt in report[0]["doubts"])
    assert "mixed.md" in run(tmp_path, "inspect", "--all")


def test_inspect_needs_a_file_or_all(tmp_path: Path) -> None:
    result = CliRunner().invoke(main, ["inspect", "--log", str(tmp_path)])
    assert result.exit_code == 2
    assert "give a FILE" in result.output
