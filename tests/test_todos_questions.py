"""The TODO agenda (carried work, ticking in the file) and open questions with answers."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest
from click.testing import CliRunner

from tilbook.cli import main
from tilbook.features.agenda import (
    SUBSET_MIN_WORDS,
    AgendaItem,
    Occurrence,
    normalise,
    similarity_score,
)
from tilbook.store.base import EntrySummary

WEEKLY = """# Week 1

Notes on the first lesson.

## TODO
- implement k-means on the GPU
- read the DDPM paper
- try negative prompts

# Week 2

## TODO
- implement k-means clustering on the GPU
- read the DDPM paper (sections 1-3 at least)
- [x] try negative prompts
- write a blog post

# Week 3

## TODO
- implement k-means clustering on the GPU
- read the DDPM paper (sections 1-3 at least)
- [ ] tidy the notebook
"""

JOURNAL = """## 2024-05-02

(#Research) Why does the KL term vanish early in training?

- [ ] plot the KL per layer
TODO: ask on the forum

## 2024-05-01

(#Math) Is the ELBO always below the log-likelihood?
"""


def run(root: Path, *args: str, code: int = 0, stdout_only: bool = False) -> str:
    result = CliRunner().invoke(main, [*args, "--log", str(root)], env={"COLUMNS": "200"})
    assert result.exit_code == code, result.output + (result.stderr or "")
    return result.stdout if stdout_only else result.stdout + (result.stderr or "")


@pytest.fixture
def log(tmp_path: Path) -> Path:
    (tmp_path / "lessons.md").write_text(WEEKLY, encoding="utf-8")
    (tmp_path / "journal.md").write_text(JOURNAL, encoding="utf-8")
    return tmp_path


def agenda(root: Path, *extra: str) -> list[dict]:
    return json.loads(run(root, "todo", "--json", *extra, stdout_only=True))


def test_carried_items_are_one_task_even_when_reworded(log: Path) -> None:
    items = {item["text"]: item for item in agenda(log)}
    kmeans = items["implement k-means clustering on the GPU"]
    assert kmeans["carried"] == 2
    assert kmeans["first"]["line"] == 6
    assert [o["line"] for o in kmeans["occurrences"]] == [6, 13, 21]
    ddpm = items["read the DDPM paper (sections 1-3 at least)"]
    assert ddpm["carried"] == 2 and ddpm["first"]["text"] == "read the DDPM paper"
    # Done in week 2: not on the agenda; never repeated: carried 0.
    assert "try negative prompts" not in items
    assert items["write a blog post"]["carried"] == 0


def test_filters_stale_tag_since_and_all(log: Path) -> None:
    assert {i["text"] for i in agenda(log, "--stale", "2")} == {
        "implement k-means clustering on the GPU",
        "read the DDPM paper (sections 1-3 at least)",
    }
    tagged = agenda(log, "--tag", "Research")
    assert {i["text"] for i in tagged} == {"plot the KL per layer", "ask on the forum"}
    assert all(i["first"]["date"] >= "2024-05-02" for i in agenda(log, "--since", "2024-05-02"))
    done = [i for i in agenda(log, "--all") if i["done"]]
    assert [i["text"] for i in done] == ["try negative prompts"]


def test_table_output_shows_carried_count(log: Path) -> None:
    out = run(log, "todo")
    assert "implement k-means clustering on the GPU" in out
    assert "lessons.md:6" in out


def test_done_ticks_task_items_bullets_and_todo_lines(log: Path) -> None:
    items = {item["text"]: item for item in agenda(log)}
    lessons_before = (log / "lessons.md").read_bytes()
    run(log, "todo", "done", items["tidy the notebook"]["id"])
    assert (log / "lessons.md").read_text().splitlines()[22] == "- [x] tidy the notebook"
    assert len((log / "lessons.md").read_bytes()) == len(lessons_before)

    run(log, "todo", "done", items["write a blog post"]["id"])
    assert "- [x] write a blog post" in (log / "lessons.md").read_text()

    run(log, "todo", "done", items["ask on the forum"]["id"])
    assert "DONE: ask on the forum" in (log / "journal.md").read_text()
    remaining = {item["text"] for item in agenda(log)}
    assert not {"tidy the notebook", "write a blog post", "ask on the forum"} & remaining


def test_done_all_copies_ticks_every_carried_copy(log: Path) -> None:
    item = next(i for i in agenda(log) if i["text"].startswith("implement k-means"))
    out = run(log, "todo", "done", item["id"], "--all-copies")
    text = (log / "lessons.md").read_text()
    assert text.count("- [x] implement k-means") == 3
    assert out.count("lessons.md:") == 3


def test_done_with_a_custom_prefix_and_unknown_id(log: Path) -> None:
    (log / "tilbook.toml").write_text('todo_done_prefix = "DONE "\n', encoding="utf-8")
    item = next(i for i in agenda(log) if i["text"] == "write a blog post")
    run(log, "todo", "done", item["id"])
    assert "- DONE write a blog post" in (log / "lessons.md").read_text()
    assert "no TODO with id" in run(log, "todo", "done", "ffffffff", code=1)


def test_todo_add_appends_to_todays_entry_or_starts_one(tmp_path: Path) -> None:
    today = date.today().isoformat()
    (tmp_path / "journal.md").write_text(
        f"## {today}\n\n(#Code) Morning notes.\n\n## 2024-01-01\n\nOld.\n", encoding="utf-8"
    )
    run(tmp_path, "todo", "add", "profile the data loader", "--tag", "Perf")
    text = (tmp_path / "journal.md").read_text()
    assert "(#Code) Morning notes.\n\n- [ ] profile the data loader #Perf\n\n## 2024-01-01" in text
    assert any(i["text"].startswith("profile the data loader") for i in agenda(tmp_path))

    other = tmp_path / "other"
    other.mkdir()
    (other / "journal.md").write_text("## 2024-01-01\n\nOld.\n", encoding="utf-8")
    run(other, "todo", "add", "start fresh")
    assert f"## {today}\n\nTODO: start fresh" in (other / "journal.md").read_text()
    assert [i["text"] for i in agenda(other)] == ["start fresh"]


def test_similarity_is_tolerant_of_small_rewording_only() -> None:
    assert (
        similarity_score(
            normalise("implement k-means on the GPU"),
            normalise("implement k-means clustering on the GPU"),
        )
        >= 82
    )
    assert similarity_score(normalise("read the GAN paper"), normalise("read the DDPM paper")) < 82
    assert similarity_score(normalise("read the DDPM papr"), normalise("read the DDPM paper")) >= 82
    assert similarity_score(normalise("write tests"), normalise("write the blog post")) < 82


# -- questions ----------------------------------------------------------------------------------


def questions(root: Path, *extra: str) -> list[dict]:
    return json.loads(run(root, "questions", "--json", *extra, stdout_only=True))


def test_questions_newest_first_without_markers(log: Path) -> None:
    found = questions(log)
    texts = [q["text"] for q in found]
    assert texts[0] == "Why does the KL term vanish early in training?"
    assert "Is the ELBO always below the log-likelihood?" in texts
    assert found[0]["date"] == "2024-05-02" and found[0]["source"] == "journal.md"
    assert [q["text"] for q in questions(log, "--search", "elbo")] == [
        "Is the ELBO always below the log-likelihood?"
    ]


def test_answer_with_entry_or_note_survives_reindex_and_is_exported(log: Path) -> None:
    first, second = questions(log)[:2]
    entries = json.loads(run(log, "entries", "--json", "--since", "2024-05-02", stdout_only=True))
    run(log, "questions", "answer", first["id"], "--entry", entries[0]["id"])
    run(log, "questions", "answer", second["id"], "--note", "Yes: Jensen's inequality.")
    assert first["id"] not in {q["id"] for q in questions(log)}
    run(log, "index", "--rebuild")
    answered = {q["id"]: q for q in questions(log, "--all") if q["answered"]}
    assert answered[first["id"]]["answer"]["entry"] == entries[0]["id"]
    assert answered[second["id"]]["answer"]["note"] == "Yes: Jensen's inequality."
    exported = json.loads(run(log, "export", stdout_only=True))
    assert {a["question"] for a in exported["answers"]} >= {first["text"], second["text"]}

    run(log, "questions", "answer", first["id"], "--reopen")
    assert first["id"] in {q["id"] for q in questions(log)}


def test_answer_needs_entry_or_note_and_a_known_id(log: Path) -> None:
    question = questions(log)[0]
    assert "--entry" in run(log, "questions", "answer", question["id"], code=1)
    assert "no question with id" in run(
        log, "questions", "answer", "0000000000", "--note", "x", code=1
    )
    assert "no entry" in run(log, "questions", "answer", question["id"], "--entry", "zz", code=1)


# -- the seed logs (integration; skipped without ../shared/seeds) -------------------------------

SEEDS = Path(__file__).resolve().parent.parent.parent / "shared" / "seeds"


@pytest.fixture(scope="module")
def seed_log(tmp_path_factory: pytest.TempPathFactory) -> Path:
    if not SEEDS.is_dir():
        pytest.skip("../shared/seeds is not here")
    root = tmp_path_factory.mktemp("seeds")
    for seed in sorted(SEEDS.glob("*.txt")):
        (root / f"{seed.stem}.md").write_bytes(seed.read_bytes())
    return root


def test_seed_agenda_is_sensible(seed_log: Path) -> None:
    items = agenda(seed_log)
    lesson_log = [i for i in items if i["first"]["source"].startswith("004_")]
    assert len(lesson_log) >= 20
    assert any(i["carried"] >= 1 for i in lesson_log), "a TODO copied forward was not matched"
    # Every agenda item points at a real line of its file holding its words.
    for item in items:
        latest = item["latest"]
        line = (
            (seed_log / latest["source"])
            .read_text(encoding="utf-8")
            .splitlines()[latest["line"] - 1]
        )
        assert normalise(item["text"])[:20] in normalise(line)


def test_seed_questions_are_sensible(seed_log: Path) -> None:
    found = questions(seed_log)
    by_file: dict[str, int] = {}
    for question in found:
        by_file[question["source"][:3]] = by_file.get(question["source"][:3], 0) + 1
    assert by_file.get("001", 0) >= 10  # course notes full of (?) and "…?" lines
    assert by_file.get("002", 0) >= 3  # Korean questions
    assert by_file.get("000", 0) >= 2  # the nested Questions: list
    assert all("?" in q["text"] or q["source"].startswith("000") for q in found)
    dates = [q["date"] for q in found if q["date"]]
    assert dates == sorted(dates, reverse=True)


def test_done_refuses_a_line_that_no_longer_holds_the_todo(tmp_path: Path) -> None:
    (tmp_path / "j.md").write_bytes(
        b"## 2024-03-01\n\nPasted from Windows\rclipboard.\n\n"
        b"- [ ] read the DDPM paper\n- [ ] DDPM paper\n"
    )
    item = next(i for i in agenda(tmp_path) if i["text"] == "read the DDPM paper")
    run(tmp_path, "todo", "done", item["id"])
    lines = (tmp_path / "j.md").read_bytes().decode().replace("\r", "\n").splitlines()
    assert "- [x] read the DDPM paper" in lines
    assert "- [ ] DDPM paper" in lines


def test_org_style_todo_items(tmp_path: Path) -> None:
    (tmp_path / "org.md").write_text(
        "## 2024-06-01\n\n- TODO [#A] write the blog post\n- DONE read the LoRA paper\n",
        encoding="utf-8",
    )
    items = {i["text"]: i for i in agenda(tmp_path, "--all")}
    assert items["write the blog post"]["done"] is False
    assert items["read the LoRA paper"]["done"] is True
    tags = json.loads(run(tmp_path, "tags", "--json", stdout_only=True))
    assert tags == []  # the [#A] priority is not a tag


# -- rules pinned down (each test fails when its rule is loosened or tightened) ---------------


def _occurrence(text: str, done: bool, day: str) -> Occurrence:
    entry = EntrySummary(f"id-{day}", "weeks.md", 1, day, f"Week of {day}", None, "lessons", [])
    return Occurrence(text, done, 1, entry)


def test_carried_counts_only_unfinished_later_copies() -> None:
    item = AgendaItem(
        [
            _occurrence("write the report", False, "2024-01-01"),
            _occurrence("write the report", True, "2024-01-08"),
            _occurrence("write the report", False, "2024-01-15"),
            _occurrence("write the report", True, "2024-01-22"),
        ]
    )
    assert item.carried == 1  # the first list is not a carry; done copies are not either


def test_words_added_match_only_from_the_minimum_length() -> None:
    assert SUBSET_MIN_WORDS == 4
    four = normalise("implement the ddpm sampler")
    assert similarity_score(four, normalise("implement the ddpm sampler parked until later")) == 100
    three = normalise("read the paper")
    assert similarity_score(three, normalise("read the paper again tonight")) < 82
