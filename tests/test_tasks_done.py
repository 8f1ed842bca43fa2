"""`tilbook todo done` writes Obsidian Tasks' done date where the file's tasks use its fields."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

from tilbook.features.agenda import with_done_date

TASKS = (
    "# Week 19\r\n"
    "\r\n"
    "## 2024-05-06\r\n"
    "\r\n"
    "- [ ] redo the attention exercise 📅 2024-05-13 ^redo\r\n"
    "- [ ] read the flash attention paper\r\n"
    "- [x] set up the notebook ✅ 2024-05-05\r\n"
)
PLAIN = "## 2024-05-06\n\n- [ ] read the flash attention paper\n"


def _done(invoke_json: Any, root: Path, text: str) -> None:
    items = invoke_json("todo", log=root)
    todo_id = next(item["id"] for item in items if item["text"].startswith(text))
    invoke_json("todo", "done", todo_id, log=root)


def test_done_date_is_added_in_a_tasks_file_byte_for_byte(tmp_path: Path, invoke_json: Any) -> None:
    root = tmp_path / "vault"
    root.mkdir()
    path = root / "week.md"
    path.write_bytes(TASKS.encode())
    today = date.today().isoformat()
    _done(invoke_json, root, "redo the attention")
    _done(invoke_json, root, "read the flash")
    assert path.read_bytes().decode() == TASKS.replace(
        "- [ ] redo the attention exercise 📅 2024-05-13 ^redo",
        f"- [x] redo the attention exercise 📅 2024-05-13 ✅ {today} ^redo",
    ).replace(
        "- [ ] read the flash attention paper", f"- [x] read the flash attention paper ✅ {today}"
    )


def test_a_file_without_tasks_fields_only_gets_its_box_ticked(
    tmp_path: Path, invoke_json: Any
) -> None:
    root = tmp_path / "plain"
    root.mkdir()
    path = root / "log.md"
    path.write_bytes(PLAIN.encode())
    _done(invoke_json, root, "read the flash")
    assert path.read_bytes().decode() == PLAIN.replace("- [ ]", "- [x]")


def test_a_subtask_indented_by_a_tab_is_ticked_on_its_own_line(
    tmp_path: Path, invoke_json: Any
) -> None:
    root = tmp_path / "tabs"
    root.mkdir()
    text = "# Plan\n- [ ] bike\n\t- [ ] clean the chain\n\t- [ ] fix the light\n"
    path = root / "plan.md"
    path.write_text(text, encoding="utf-8")
    _done(invoke_json, root, "fix the light")
    _done(invoke_json, root, "clean the chain")
    assert path.read_text(encoding="utf-8") == text.replace("\t- [ ]", "\t- [x]")


def test_with_done_date_keeps_one_done_date() -> None:
    day = date(2024, 5, 10)
    assert with_done_date("- [x] a ✅ 2024-05-01", day) == "- [x] a ✅ 2024-05-01"
    assert with_done_date("- [x] a  ", day) == "- [x] a ✅ 2024-05-10  "
