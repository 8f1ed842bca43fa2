"""Obsidian Tasks fields on TODOs beyond the due date: scheduled, start, created, done,
recurrence and priority, read into `todo --json`, left out of the shown text, and the
agenda's order (overdue, then due soon, then by priority)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from tilbook.features.agenda import task_fields, without_task_fields


def _vault(tmp_path: Path, tasks: list[str]) -> Path:
    root = tmp_path / "vault"
    (root / ".obsidian").mkdir(parents=True)
    (root / "Journal").mkdir()
    (root / "Journal" / "2024-05-06.md").write_text(
        "Planning the week.\n\n" + "".join(f"- [ ] {task}\n" for task in tasks)
    )
    return root


def test_fields_are_read_and_left_out_of_the_text() -> None:
    text = (
        "Water the ferns 🔁 every week on Monday ⏳ 2024-05-10 🛫 2024-05-01 "
        "➕ 2024-04-30 ⏫ 📅 2024-05-13 ^ferns"
    )
    fields = task_fields(text)
    assert fields.scheduled == "2024-05-10" and fields.start == "2024-05-01"
    assert fields.created == "2024-04-30" and fields.recurrence == "every week on Monday"
    assert fields.priority == "high" and fields.done_on is None
    assert without_task_fields(text) == "Water the ferns ^ferns"
    assert task_fields("Plain words").priority is None
    assert [task_fields(f"x {sign}").priority for sign in "🔺⏫🔼🔽⏬"] == [
        "highest",
        "high",
        "medium",
        "low",
        "lowest",
    ]


def test_todo_json_gives_the_fields(tmp_path: Path, invoke_json: Callable[..., Any]) -> None:
    root = _vault(tmp_path, ["Sort the reading pile 🔼 ⏳ 2024-05-10 🔁 every month"])
    (item,) = invoke_json("todo", log=root)
    assert item["priority"] == "medium" and item["scheduled"] == "2024-05-10"
    assert item["recurrence"] == "every month" and item["start"] is None


def test_agenda_order_and_shown_text(
    tmp_path: Path, invoke: Callable[..., Any], invoke_json: Callable[..., Any]
) -> None:
    today = date.today()
    soon = (today + timedelta(days=2)).isoformat()
    later = (today + timedelta(days=60)).isoformat()
    root = _vault(
        tmp_path,
        [
            "Plain chore",
            "Low chore 🔽",
            f"Far deadline 📅 {later}",
            "Urgent chore ⏫",
            f"Soon deadline 📅 {soon}",
            "Late deadline 📅 2020-01-02",
        ],
    )
    items = invoke_json("todo", log=root)
    assert [item["text"].split(" ")[0] for item in items] == [
        "Late",
        "Soon",
        "Urgent",
        "Plain",
        "Far",
        "Low",
    ]
    shown = invoke("todo", log=root, env={"COLUMNS": "200"}).stdout
    assert "Urgent chore" in shown and "⏫" not in shown and "🔽" not in shown
