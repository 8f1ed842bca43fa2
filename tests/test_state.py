"""What the user did travels with the notes: state files, the index as a cache, git merges."""

from __future__ import annotations

import json
import multiprocessing
import shutil
import sqlite3
import subprocess
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result
from hypothesis import given, settings
from hypothesis import strategies as st

from conftest import NOTES, write_notes
from test_cards import cards_by_front, review_twice, reviews_of
from tilbook.cli import main
from tilbook.features.cards.review import answer_card, make_scheduler
from tilbook.notes.records import RecordFile, read_records
from tilbook.store import open_store
from tilbook.store.migrations import MIGRATIONS
from tilbook.store.state import ANSWERS, PARAMETERS, REVIEWS, fold

pytestmark = pytest.mark.skipif(shutil.which("git") is None, reason="git is not installed")


def tilbook(root: Path, *args: str, code: int = 0) -> Result:
    command, *rest = args
    result = CliRunner().invoke(main, [command, "--log", str(root), *rest])
    assert result.exit_code == code, (result.output, result.exception)
    return result


def git(root: Path, *args: str) -> str:
    done = subprocess.run(
        ["git", "-c", "user.email=learner@example.org", "-c", "user.name=Learner", *args],
        cwd=root,
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    return done.stdout


def question_id(root: Path) -> str:
    return str(json.loads(tilbook(root, "questions", "--all", "--json").stdout)[0]["id"])


def answer(root: Path, note: str) -> None:
    tilbook(root, "questions", "answer", question_id(root), "--note", note)


def answered(root: Path) -> dict[str, Any] | None:
    item = json.loads(tilbook(root, "questions", "--all", "--json").stdout)[0]
    return item.get("answer")


@pytest.fixture
def log(tmp_path: Path) -> Path:
    return write_notes(tmp_path / "desk", NOTES)


def state_lines(root: Path, name: str) -> list[dict[str, Any]]:
    text = (root / ".tilbook-state" / name).read_text(encoding="utf-8")
    return [json.loads(line) for line in text.splitlines()]


# -- the index is a cache ---------------------------------------------------------------------


def test_answers_and_reviews_survive_a_git_clone(log: Path, tmp_path: Path) -> None:
    answer(log, "The noise levels decide what the model learns.")
    reviewed = review_twice(log, "Dropout")
    git(log, "init", "-q", ".")
    git(log, "add", "-A")
    tracked = git(log, "ls-files").split()
    assert ".tilbook-state/answers.jsonl" in tracked
    assert ".tilbook-state/reviews.jsonl" in tracked
    assert not [path for path in tracked if path.startswith(".tilbook/")]
    git(log, "commit", "-qm", "notes")

    laptop = tmp_path / "laptop"
    git(tmp_path, "clone", "-q", str(log), str(laptop))
    assert not (laptop / ".tilbook").exists()
    tilbook(laptop, "index")
    assert answered(laptop) == answered(log)
    there = cards_by_front(laptop)["Dropout"]
    assert there.schedule == reviewed.schedule
    assert there.reviewed_back == reviewed.reviewed_back
    with reviews_of(laptop) as (_, reviews, _settings):
        assert len(reviews.reviews()) == 2


def test_deleting_the_cache_folder_loses_nothing(log: Path) -> None:
    answer(log, "Because of the noise.")
    reviewed = review_twice(log, "Overfitting")
    before = json.loads(tilbook(log, "review", "stats", "--json").stdout)
    shutil.rmtree(log / ".tilbook")
    tilbook(log, "index")
    assert answered(log) is not None
    assert cards_by_front(log)["Overfitting"].schedule == reviewed.schedule
    assert json.loads(tilbook(log, "review", "stats", "--json").stdout) == before
    # --rebuild makes a new index too, and keeps the same.
    tilbook(log, "index", "--rebuild")
    assert cards_by_front(log)["Overfitting"].schedule == reviewed.schedule


def test_state_changed_on_disk_is_read_again(log: Path) -> None:
    """A `git pull` that brings records is seen by the next command, without `index`."""
    answer(log, "First thought.")
    records = state_lines(log, ANSWERS)
    later = dict(records[0], at="2999-01-01T00:00:00+00:00", note="Pulled from the laptop.")
    with (log / ".tilbook-state" / ANSWERS).open("a", encoding="utf-8") as handle:
        handle.write(json.dumps(later) + "\n")
    answer_now = answered(log)
    assert answer_now is not None and answer_now["note"] == "Pulled from the laptop."


# -- two machines -----------------------------------------------------------------------------


def test_two_machines_histories_merge_without_conflicts(log: Path, tmp_path: Path) -> None:
    tilbook(log, "index")
    git(log, "init", "-q", ".")
    git(log, "add", "-A")
    git(log, "commit", "-qm", "start")
    laptop = tmp_path / "laptop"
    git(tmp_path, "clone", "-q", str(log), str(laptop))

    answer(log, "Desk answer.")
    review_twice(log, "Dropout")
    git(log, "add", "-A")
    git(log, "commit", "-qm", "desk")
    review_twice(laptop, "Overfitting")
    answer(laptop, "Laptop answer, given later.")
    git(laptop, "add", "-A")
    git(laptop, "commit", "-qm", "laptop")

    git(log, "pull", "-q", "--no-rebase", str(laptop), "HEAD")
    text = (log / ".tilbook-state" / REVIEWS).read_text(encoding="utf-8")
    assert "<<<<<<<" not in text
    with reviews_of(log) as (_, reviews, _settings):
        assert len(reviews.reviews()) == 4
        fronts = {card.front for card in reviews.cards() if card.schedule.state is not None}
    assert fronts == {"Dropout", "Overfitting"}
    note = answered(log)
    assert note is not None and note["note"] == "Laptop answer, given later."


def test_a_conflicted_state_file_is_read_whole_and_merge_tidies_it(log: Path) -> None:
    review_twice(log, "Dropout")
    review_twice(log, "Overfitting")
    path = log / ".tilbook-state" / REVIEWS
    first, second, third, fourth = path.read_text(encoding="utf-8").splitlines()
    # What git leaves when the union merge is not in force: both sides, with markers.
    path.write_text(
        "\n".join(
            [first, "<<<<<<< HEAD", second, third, "=======", second, fourth, ">>>>>>> laptop"]
        )
        + "\n",
        encoding="utf-8",
    )
    result = tilbook(log, "review", "stats", "--json")
    assert json.loads(result.stdout)["total_reviews"] == 4
    assert f".tilbook-state/{REVIEWS}" in result.stderr
    assert "tilbook state merge" in result.stderr
    assert "conflict markers" in tilbook(log, "state").stdout

    merged = tilbook(log, "state", "merge")
    assert "conflict markers removed; 1 duplicate dropped" in merged.stdout
    lines = path.read_text(encoding="utf-8").splitlines()
    assert len(lines) == 4 and all(line.startswith("{") for line in lines)
    assert [json.loads(line)["at"] for line in lines] == sorted(
        json.loads(line)["at"] for line in lines
    )
    assert "already tidy" in tilbook(log, "state", "merge").stdout
    assert json.loads(tilbook(log, "review", "stats", "--json").stdout)["total_reviews"] == 4


def test_damaged_lines_are_reported_and_never_lost(log: Path) -> None:
    answer(log, "Kept.")
    path = log / ".tilbook-state" / ANSWERS
    with path.open("a", encoding="utf-8") as handle:
        handle.write('{"at": "2030-01-01T00:00:00+00:00", "question": "x", "sour')  # torn write
    result = tilbook(log, "index")
    assert f"{ANSWERS}:2: is not a JSON record" in result.stderr
    assert answered(log) is not None
    # The next record starts on a line of its own: the torn one stays torn, nothing else.
    tilbook(log, "questions", "answer", question_id(log), "--reopen")
    lines = path.read_text(encoding="utf-8").splitlines()
    assert len(lines) == 3 and json.loads(lines[2])["reopened"] is True
    assert answered(log) is None

    merged = tilbook(log, "state", "merge")
    aside = list((log / ".tilbook-state").glob(f"{ANSWERS}.set-aside-*.txt"))
    assert len(aside) == 1 and '"sour' in aside[0].read_text(encoding="utf-8")
    assert str(aside[0]) in merged.stderr
    assert len(path.read_text(encoding="utf-8").splitlines()) == 2


def test_records_that_are_not_what_tilbook_wrote_are_skipped_with_a_warning(log: Path) -> None:
    folder = log / ".tilbook-state"
    folder.mkdir()
    (folder / REVIEWS).write_text(
        '{"at": "2026-01-01T00:00:00+00:00", "card": "abc", "rating": 9}\n["not", "a record"]\n',
        encoding="utf-8",
    )
    result = tilbook(log, "review", "stats", "--json")
    assert json.loads(result.stdout)["total_reviews"] == 0
    assert f"{REVIEWS}:1: `rating` 9 is not 1-4; record skipped" in result.stderr
    assert f"{REVIEWS}:2: is not a JSON object" in result.stderr


# -- an index from before state files ---------------------------------------------------------


def _old_index(root: Path) -> None:
    """An index as tilbook 0.x wrote it (schema 5): answers and reviews only in tables."""
    path = root / ".tilbook" / "index.db"
    path.parent.mkdir(parents=True)
    db = sqlite3.connect(path, isolation_level=None)
    db.execute("CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY, applied_at TEXT)")
    for version, script in enumerate(MIGRATIONS[:5], start=1):
        for statement in script.split(";\n"):
            if statement.strip():
                db.execute(statement)
        db.execute("INSERT INTO schema_migrations VALUES (?, '2026-01-01')", (version,))
    db.execute(
        "INSERT INTO answers VALUES ('4998ed5a6d0124d0007e', 'journal.md', "
        "'Why does the variance schedule matter so much?', NULL, 'Old answer.', "
        "'2026-01-02T00:00:00+00:00')"
    )
    db.execute(
        "INSERT INTO review_cards(key, kind, source, front, back, line, created_at, state, step, "
        "stability, difficulty, due, last_review, reviewed_back) VALUES ('1ef843f7aa', 'term', "
        "'notebook.md', 'Dropout', 'old back', 14, '2026-01-01', 2, NULL, 3.5, 5.1, "
        "'2026-01-09T00:00:00+00:00', '2026-01-05T00:00:00+00:00', 'old back')"
    )
    for day, rating in ((3, 3), (5, 3)):
        db.execute(
            "INSERT INTO review_log(card_key, rating, reviewed_at, duration_ms, state_before) "
            f"VALUES ('1ef843f7aa', {rating}, '2026-01-0{day}T00:00:00+00:00', 900, NULL)"
        )
    db.execute(
        "INSERT INTO meta(key, value) VALUES ('review_parameters', ?)",
        (json.dumps({"parameters": [0.5] * 21, "fitted_at": "2026-01-06T00:00:00+00:00"}),),
    )
    db.close()


def test_an_old_index_moves_its_state_into_files_once_and_says_so(log: Path) -> None:
    _old_index(log)
    first = tilbook(log, "index")
    assert "moved 1 answer record(s), 3 review record(s) and the fitted FSRS parameters" in (
        first.stderr
    )
    assert ".tilbook-state" in first.stderr
    assert [record["note"] for record in state_lines(log, ANSWERS)] == ["Old answer."]
    reviews = state_lines(log, REVIEWS)
    assert [record.get("rating") for record in reviews] == [3, 3, None]
    assert reviews[-1]["schedule"]["stability"] == 3.5 and reviews[-1]["back"] == "old back"
    assert state_lines(log, PARAMETERS)[0]["parameters"]["parameters"] == [0.5] * 21
    assert "moved" not in tilbook(log, "index").stderr
    # And the index is a cache of them now.
    shutil.rmtree(log / ".tilbook")
    stats = json.loads(tilbook(log, "review", "stats", "--json").stdout)
    assert stats["total_reviews"] == 2 and stats["parameters"].startswith("fitted")
    assert answered(log) is not None


# -- concurrent writers -----------------------------------------------------------------------


def _review_many(root: str, front: str, start: str, count: int, ready: Any) -> None:
    ready.wait()
    store = open_store(Path(root))
    try:
        from tilbook.settings import load_settings
        from tilbook.store import review_store

        reviews = review_store(store)
        scheduler = make_scheduler(reviews, load_settings(Path(root)))
        moment = datetime.fromisoformat(start)
        for step in range(count):
            card = next(c for c in reviews.cards() if c.front == front)
            answer_card(reviews, scheduler, card, 3, now=moment + timedelta(minutes=step))
    finally:
        store.close()


@pytest.mark.skipif("fork" not in multiprocessing.get_all_start_methods(), reason="needs fork")
def test_concurrent_writers_never_lose_a_record(log: Path) -> None:
    """The web app and a terminal review at once: every rating is kept, in file and cache."""
    tilbook(log, "review", "cards")
    context = multiprocessing.get_context("fork")
    ready = context.Event()
    start = datetime(2026, 1, 1, tzinfo=UTC)
    workers = [
        context.Process(
            target=_review_many,
            args=(str(log), front, (start + timedelta(hours=index)).isoformat(), 40, ready),
        )
        for index, front in enumerate(("Dropout", "Overfitting", "Dropout"))
    ]
    for worker in workers:
        worker.start()
    ready.set()
    for worker in workers:
        worker.join(120)
        assert worker.exitcode == 0
    lines = state_lines(log, REVIEWS)
    assert len(lines) == 120
    assert len({(line["card"], line["at"]) for line in lines}) == 120
    with reviews_of(log) as (_, reviews, _settings):
        assert len(reviews.reviews()) == 120
    shutil.rmtree(log / ".tilbook")
    with reviews_of(log) as (_, reviews, _settings):
        assert len(reviews.reviews()) == 120


# -- the fold does not depend on how the files were merged -----------------------------------

AT = st.datetimes(
    min_value=datetime(2025, 1, 1), max_value=datetime(2027, 1, 1), timezones=st.just(UTC)
).map(lambda moment: moment.isoformat())
ANSWER = st.fixed_dictionaries(
    {"at": AT, "question": st.sampled_from(["q1", "q2"]), "source": st.just("a.md")},
).flatmap(
    lambda base: st.one_of(
        st.just({**base, "reopened": True}),
        st.builds(
            lambda note: {**base, "text": "Why?", "entry": None, "note": note},
            st.text(min_size=1, max_size=8),
        ),
    )
)


@settings(max_examples=150, deadline=None)
@given(
    st.lists(ANSWER, min_size=1, max_size=12, unique_by=lambda r: (r["question"], r["at"])),
    st.randoms(),
    st.integers(min_value=0, max_value=3),
)
def test_any_order_and_any_duplicates_fold_to_the_same_answers(
    records: list[dict[str, Any]], shuffle: Any, copies: int
) -> None:
    """Two machines' lines in any order, some twice (as merges leave them), say one thing."""
    merged = records + records[:copies]
    shuffle.shuffle(merged)
    expected = fold({ANSWERS: RecordFile(records=sorted(records, key=lambda r: r["at"]))})
    got = fold({ANSWERS: RecordFile(records=[dict(r) for r in merged])})
    assert got.answers == expected.answers


def test_read_records_skips_markers_and_keeps_one_copy(tmp_path: Path) -> None:
    path = tmp_path / "r.jsonl"
    path.write_bytes(b'{"at": "1"}\r\n<<<<<<< ours\n{"at": "1"}\n=======\n{"at": "2"}\n>>>>>>> x\n')
    file = read_records(path, "r.jsonl")
    assert [record["at"] for record in file.records] == ["1", "2"]
    assert file.conflicted and file.duplicates == 1 and not file.rejected


def test_an_answer_follows_its_question_when_the_reader_reads_it_differently(log: Path) -> None:
    """An answer given when tilbook read the whole line still answers the sentence."""
    from tilbook.features.questions import question_key

    older_text = "Why does the variance schedule matter so much? (ask at the seminar)"
    folder = log / ".tilbook-state"
    folder.mkdir()
    record = {
        "at": "2026-01-01T00:00:00+00:00",
        "question": question_key("journal.md", older_text),
        "source": "journal.md",
        "text": older_text,
        "entry": None,
        "note": "Answered back then.",
    }
    (folder / ANSWERS).write_text(json.dumps(record) + "\n", encoding="utf-8")
    found = answered(log)
    assert found is not None and found["note"] == "Answered back then."
    assert json.loads(tilbook(log, "questions", "--json").stdout) == []
    tilbook(log, "questions", "answer", question_id(log), "--reopen")
    assert answered(log) is None
    # A short question inside a longer one is not taken for it.
    (folder / ANSWERS).write_text(
        json.dumps({**record, "question": "other", "text": "Why?"}) + "\n", encoding="utf-8"
    )
    assert answered(log) is None
