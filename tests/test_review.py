"""Reviewing flashcards: FSRS scheduling, the session, stats, export/import, Anki, optimizer."""

from __future__ import annotations

import json
import random
import shutil
import sqlite3
import subprocess
import sys
import zipfile
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import fsrs
import genanki
import pytest
from click.testing import CliRunner, Result

from conftest import Invoke
from test_cards import INLINE, cards_by_front, review_twice, reviews_of
from tilbook.cli import main
from tilbook.features.cards import review as review_module
from tilbook.features.cards.deck import card_key
from tilbook.features.cards.review import (
    OPTIMIZER_MIN_REVIEWS,
    answer_card,
    card_number,
    from_iso,
    make_scheduler,
    review_stats,
    utc_now,
)
from tilbook.render.html import card_html
from tilbook.render.terminal import card_renderable
from tilbook.store.migrations import MIGRATIONS, schema_version
from tilbook.store.reviews import ReviewRecord


def run(root: Path, *args: str, input: str | None = None, code: int = 0) -> Result:
    result = CliRunner().invoke(main, ["review", "--log", str(root), *args], input=input)
    assert result.exit_code == code, (result.output, result.exception)
    return result


@pytest.fixture
def card_log(log_dir: Path) -> Path:
    """`log_dir` (glossary: Overfitting, Dropout) plus a file of inline cards tagged #Optim."""
    (log_dir / "optim.md").write_text(INLINE, encoding="utf-8")
    return log_dir


# -- scheduling -----------------------------------------------------------------------------------

STEPS = [
    (timedelta(0), 3),
    (timedelta(minutes=10), 3),
    (timedelta(days=2, hours=1), 3),
    (timedelta(days=9), 1),
    (timedelta(days=9, minutes=10), 3),
    (timedelta(days=20), 2),
    (timedelta(days=45), 4),
    (timedelta(days=130), 3),
    (timedelta(days=131), 1),
]


@pytest.mark.parametrize("retention", [None, 0.8])
def test_scheduling_matches_the_fsrs_package(log_dir: Path, retention: float | None) -> None:
    if retention is not None:
        (log_dir / "tilbook.toml").write_text(f"review_retention = {retention}\n")
    start = datetime(2024, 1, 1, 9, 0, tzinfo=UTC)
    with reviews_of(log_dir) as (_, reviews, settings):
        card = next(c for c in reviews.cards() if c.front == "Dropout")
        scheduler = make_scheduler(reviews, settings)
        assert len(scheduler.parameters) == 21  # FSRS-6
        random.seed(20240101)  # fsrs fuzzes review intervals with `random`
        ours = []
        for offset, rating in STEPS:
            card = answer_card(reviews, scheduler, card, rating, now=start + offset)
            ours.append(card.schedule)
        stored = reviews.card(card.key)
        log = reviews.reviews()

    reference = fsrs.Scheduler(desired_retention=retention or 0.9)
    random.seed(20240101)
    expected = fsrs.Card(card_id=card_number(card.key), due=start)
    for (offset, rating), got in zip(STEPS, ours, strict=True):
        expected, _ = reference.review_card(
            expected, fsrs.Rating(rating), review_datetime=start + offset
        )
        assert got.state == expected.state.value
        assert got.step == expected.step
        assert got.stability == expected.stability
        assert got.difficulty == expected.difficulty
        assert got.due is not None and from_iso(got.due) == expected.due
        assert got.last_review is not None and from_iso(got.last_review) == start + offset
    assert stored is not None and stored.schedule == ours[-1]
    assert [(r.rating, from_iso(r.reviewed_at)) for r in log] == [
        (rating, start + offset) for offset, rating in STEPS
    ]
    assert [r.state_before for r in log][:4] == [None, 1, 2, 2]
    assert log[0].reviewed_at == "2024-01-01T09:00:00+00:00"  # stored in UTC


def test_retention_setting_is_checked(log_dir: Path, invoke: Invoke) -> None:
    (log_dir / "tilbook.toml").write_text("review_retention = 1.5\n")
    assert "review_retention = 1.5 is out of range" in invoke("review", code=1).stderr
    (log_dir / "tilbook.toml").write_text('review_retention = "high"\n')
    assert "review_retention must be a number" in invoke("review", code=1).stderr
    (log_dir / "tilbook.toml").write_text("review_retention = 0.85\nreview_new_per_day = 3\n")
    rows = {row["name"]: row for row in json.loads(invoke("config", "--json").stdout)}
    assert rows["review_retention"]["value"] == 0.85
    assert rows["review_new_per_day"]["value"] == 3
    assert rows["cards_from_terms"]["value"] is True


# -- the session ----------------------------------------------------------------------------------


def test_a_whole_session(card_log: Path) -> None:
    # Two new cards: Overfitting Good (learning, back in 10 min), Dropout Again (back in 1 min),
    # Overfitting Good (learned), Dropout Good, then Easy (learned). An unknown key is ignored.
    result = run(card_log, "--new", "2", input=" 3 1x 3 3 4")
    out = result.output
    assert "2 cards to review (0 due, 2 new)" in out
    assert out.index("Overfitting") < out.index("Dropout")
    assert "fitting noise in the training set" in out
    assert "1 Again 1m  2 Hard 6m  3 Good 10m" in out  # intervals of a new card
    assert "→ Good: next" in out and "(again in this session)" in out
    assert "Reviewed 5 times (Again 1 · Hard 0 · Good 3 · Easy 1)." in out
    assert "Next: " in out
    with reviews_of(card_log) as (_, reviews, _settings):
        log = reviews.reviews()
        cards = {c.front: c for c in reviews.cards()}
    fronts = {c.key: front for front, c in cards.items()}
    assert [(fronts[r.card_key], r.rating, r.state_before) for r in log] == [
        ("Overfitting", 3, None),
        ("Dropout", 1, None),
        ("Overfitting", 3, 1),
        ("Dropout", 3, 1),
        ("Dropout", 4, 1),
    ]
    assert all(r.duration_ms is not None and r.duration_ms >= 0 for r in log)
    assert cards["Overfitting"].schedule.state == fsrs.State.Review
    assert cards["Dropout"].schedule.state == fsrs.State.Review
    assert cards["Learning rate"].is_new

    # Today's two new cards are used up: nothing more unless --new asks for it.
    again = run(card_log, "--new", "2").output
    assert "Nothing to review now." in again
    assert "2 new cards wait for another day" in again
    more = run(card_log, "--new", "3", input=" 4").output
    assert "1 card to review (0 due, 1 new)" in more


def test_quitting_keeps_what_was_rated(card_log: Path) -> None:
    out = run(card_log, "--new", "1", input=" 3q").output
    assert "Reviewed 1 time (Again 0 · Hard 0 · Good 1 · Easy 0)." in out
    assert "Stopped with 1 card(s) left for later." in out
    with reviews_of(card_log) as (_, reviews, _settings):
        assert len(reviews.reviews()) == 1
    # End of input (or Ctrl-D) quits too.
    assert "Reviewed 0 times" in run(card_log, "--new", "1", input="").output


def test_skip_limit_and_tag(card_log: Path) -> None:
    out = run(card_log, "--limit", "1", input="s").output
    assert "1 card to review (0 due, 1 new)" in out
    assert "skipped" in out
    tagged = run(card_log, "--tag", "optim", input=" 3 3 3 3").output
    assert "2 cards to review (0 due, 2 new)" in tagged
    assert "What does Adam keep per parameter?" in tagged
    assert "Overfitting" not in tagged
    # Math is shown as TeX, untouched by Markdown emphasis.
    assert "$m_t$" in tagged and "$v_t$" in tagged
    assert "No cards from entries with those tags." in run(card_log, "--tag", "Nope").output


def test_due_cards_come_before_new_ones(card_log: Path) -> None:
    review_twice(card_log, "Dropout")  # due again by now
    out = run(card_log, "--new", "1", input=" 3 3 3").output
    assert "2 cards to review (1 due, 1 new)" in out
    assert out.index("review · term · notebook.md:14") < out.index("new · term")


def test_no_cards_yet(make_log: Any) -> None:
    root = make_log({"plain.md": "# Plain\n\nNothing to learn here.\n"})
    assert "No flashcards yet." in run(root).output


def test_card_rendering_math_and_code() -> None:
    from rich.console import Console

    console = Console(record=True, width=70, force_terminal=True, color_system="truecolor")
    console.print(
        card_renderable(
            "Adam: $m_t = \\beta_1 m_{t-1}$ and *not* `code`\n\n"
            "```python\nxs = [i * 2 for i in range(3)]\n```\n\n"
            "$$\n\\sum_i a_i * b_i\n$$\n"
        )
    )
    text = console.export_text(styles=False, clear=False)
    assert "$m_t = \\beta_1 m_{t-1}$" in text
    assert "$$ \\sum_i a_i * b_i $$" in text
    assert "xs = [i * 2 for i in range(3)]" in text
    styled = console.export_text(styles=True)
    code_line = next(line for line in styled.splitlines() if "range" in line)
    assert code_line.count("\x1b[") >= 3  # highlighted: several styles on the code line


def test_card_html_for_anki() -> None:
    html = card_html("Mean $m_t$ of `a<b`\n\n$$x^2$$\n\n<script>alert(1)</script>")
    assert "\\(m_t\\)" in html
    assert "\\[x^2\\]" in html
    assert "<code>a&lt;b</code>" in html
    assert "script" not in html


# -- stats ----------------------------------------------------------------------------------------


def _history(root: Path) -> None:
    """Overfitting: learned 20 days ago, forgotten 10 days ago, remembered yesterday."""
    now = utc_now()
    with reviews_of(root) as (_, reviews, settings):
        card = next(c for c in reviews.cards() if c.front == "Overfitting")
        scheduler = make_scheduler(reviews, settings, fuzz=False)
        for offset, rating in [
            (timedelta(days=-20), 3),
            (timedelta(days=-20, minutes=10), 3),
            (timedelta(days=-10), 1),
            (timedelta(days=-10, minutes=10), 3),
            (timedelta(days=-1), 3),
        ]:
            card = answer_card(reviews, scheduler, card, rating, now=now + offset)


def test_stats(card_log: Path, invoke: Invoke) -> None:
    _history(card_log)
    with reviews_of(card_log) as (_, reviews, settings):
        stats = review_stats(reviews, settings)
    assert stats.cards == {
        "new": 3,
        "learning": 0,
        "review": 1,
        "relearning": 0,
        "suspended": 0,
        "total": 4,
    }
    assert stats.retention == 0.5  # of two reviews of a learned card, one forgotten
    assert stats.retention_reviews == 2
    assert stats.total_reviews == 5
    assert sum(stats.reviews_per_day.values()) == 5
    assert stats.due_month == 1
    data = json.loads(invoke("review", "stats", "--json").stdout)
    assert data["cards"]["review"] == 1
    assert data["true_retention_30_days"] == 0.5
    assert len(data["forecast"]) == 30
    assert len(data["reviews_per_day"]) == 30
    assert sum(row["reviews"] for row in data["reviews_per_day"]) == 5
    assert data["parameters"] == "FSRS-6 defaults"
    assert data["desired_retention"] == 0.9
    text = invoke("review", "stats").stdout
    assert "Cards: 4 (new 3 · learning 0 · review 1 · relearning 0 · suspended 0)" in text
    assert "True retention, 30 days: 50% of 2 reviews (desired 90%)" in text
    assert data["new"] == {"today": 3, "waiting": 3, "per_day": 20}
    assert "New today: 3 (of 3 waiting; 20 a day" in text
    # Two new cards a day, one already seen today: one more today.
    (card_log / "tilbook.toml").write_text("review_new_per_day = 2\n", encoding="utf-8")
    with reviews_of(card_log) as (_, reviews, settings):
        card = next(c for c in reviews.cards() if c.is_new)
        answer_card(reviews, make_scheduler(reviews, settings), card, 3)
        stats = review_stats(reviews, settings)
    assert (stats.new_today, stats.new_waiting) == (1, 2)


def test_stats_plot(card_log: Path, invoke: Invoke, tmp_path: Path) -> None:
    _history(card_log)
    target = tmp_path / "plots" / "reviews.png"
    result = invoke("review", "stats", "--plot", str(target))
    assert f"Wrote {target}" in result.stderr
    data = target.read_bytes()
    assert data.startswith(b"\x89PNG") and len(data) > 10_000


# -- export and import ----------------------------------------------------------------------------


def _copy_notes(source: Path, target: Path) -> Path:
    """The notes alone: another folder that shares neither index nor state files."""
    shutil.copytree(source, target, ignore=shutil.ignore_patterns(".tilbook", ".tilbook-state"))
    return target


def test_export_import_round_trip(card_log: Path, tmp_path: Path, invoke: Invoke) -> None:
    reviewed = review_twice(card_log, "Dropout")
    exported = tmp_path / "reviews.json"
    assert "Wrote 4 cards, 2 reviews and 0 answer records" in (
        invoke("review", "export", str(exported)).stderr
    )
    data = json.loads(exported.read_text(encoding="utf-8"))
    assert data["tilbook_reviews"] == 2
    state_files = card_log / ".tilbook-state"
    on_disk = [
        json.loads(line)
        for line in (state_files / "reviews.jsonl").read_text(encoding="utf-8").splitlines()
    ]
    assert data["state"]["reviews.jsonl"] == on_disk  # a copy of the state file's records
    assert json.loads(invoke("review", "export").stdout)["state"] == data["state"]

    other = _copy_notes(card_log, tmp_path / "laptop")
    result = run(other, "import", str(exported))
    assert "2 reviews, 2 card schedules, 0 answer records and 0 parameter records added" in (
        result.output
    )
    there = cards_by_front(other)["Dropout"]
    assert there.schedule == reviewed.schedule
    assert there.reviewed_back == reviewed.reviewed_back
    with reviews_of(other) as (_, reviews, _settings):
        assert reviews.reviews() == [
            r for r in reviews_of_log(card_log) if r.card_key == reviewed.key
        ]
    # Importing the same file again changes nothing.
    again = run(other, "import", str(exported)).output
    assert "0 reviews, 0 card schedules" in again and "2 were here already" in again

    # The laptop reviews Dropout again; its newer state wins when brought back.
    with reviews_of(other) as (_, reviews, settings):
        card = reviews.card(reviewed.key)
        assert card is not None
        latest = answer_card(reviews, make_scheduler(reviews, settings), card, 2)
    back = tmp_path / "back.json"
    run(other, "export", str(back))
    assert "1 review, 1 card schedule," in run(card_log, "import", str(back)).output
    assert cards_by_front(card_log)["Dropout"].schedule == latest.schedule
    # The older export does not overwrite the laptop's newer state.
    assert "0 reviews, 0 card schedules" in run(other, "import", str(exported)).output
    assert cards_by_front(other)["Dropout"].schedule == latest.schedule


def reviews_of_log(root: Path) -> list[ReviewRecord]:
    with reviews_of(root) as (_, reviews, _settings):
        return reviews.reviews()


def test_import_of_an_export_from_before_state_files(card_log: Path, tmp_path: Path) -> None:
    reviewed = review_twice(card_log, "Dropout")
    old = {
        "tilbook_reviews": 1,
        "exported_at": "2026-01-01T00:00:00+00:00",
        "parameters": None,
        "cards": [card.to_dict() for card in cards_by_front(card_log).values()],
        "reviews": [record.to_dict() for record in reviews_of_log(card_log)],
    }
    exported = tmp_path / "old.json"
    exported.write_text(json.dumps(old), encoding="utf-8")
    other = _copy_notes(card_log, tmp_path / "laptop")
    assert "2 reviews, 1 card schedule," in run(other, "import", str(exported)).output
    there = cards_by_front(other)["Dropout"]
    assert there.schedule == reviewed.schedule
    assert there.reviewed_back == reviewed.reviewed_back
    assert len(reviews_of_log(other)) == 2


def test_import_of_cards_not_in_these_notes(card_log: Path, tmp_path: Path) -> None:
    reviewed = review_twice(card_log, "What does Adam keep per parameter?")
    exported = tmp_path / "reviews.json"
    run(card_log, "export", str(exported))
    elsewhere = _copy_notes(card_log, tmp_path / "elsewhere")
    (elsewhere / "optim.md").unlink()
    result = run(elsewhere, "import", str(exported))
    assert "2 reviews" in result.output
    assert "1 of its cards are not in these notes (yet)" in result.stderr
    assert "What does Adam keep per parameter?" not in cards_by_front(elsewhere)
    # The text arrives: the card is active with its imported history.
    shutil.copyfile(card_log / "optim.md", elsewhere / "optim.md")
    arrived = cards_by_front(elsewhere)["What does Adam keep per parameter?"]
    assert arrived.suspended_at is None
    assert arrived.schedule == reviewed.schedule


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("not json", "not JSON"),
        ('{"cards": []}', "is not a tilbook review export"),
        ('{"tilbook_reviews": 1, "cards": [{"key": "x"}]}', "a card or review is damaged"),
        (
            '{"tilbook_reviews": 1, "reviews": [{"card": "x", "rating": 9, '
            '"reviewed_at": "2024-01-01T00:00:00+00:00"}]}',
            "damaged",
        ),
    ],
)
def test_import_rejects_bad_files(
    card_log: Path, tmp_path: Path, content: str, message: str
) -> None:
    bad = tmp_path / "bad.json"
    bad.write_text(content, encoding="utf-8")
    result = run(card_log, "import", str(bad), code=1)
    assert message in result.stderr
    assert "Traceback" not in result.output


# -- Anki -----------------------------------------------------------------------------------------


def _anki_notes(package: Path, tmp_path: Path) -> tuple[list[tuple[Any, ...]], dict[str, Any]]:
    with zipfile.ZipFile(package) as archive:
        assert "collection.anki2" in archive.namelist()
        target = tmp_path / f"{package.stem}-collection.anki2"
        target.write_bytes(archive.read("collection.anki2"))
    db = sqlite3.connect(target)
    try:
        assert db.execute("PRAGMA integrity_check").fetchone() == ("ok",)
        notes = db.execute("SELECT id, guid, flds, tags FROM notes ORDER BY id").fetchall()
        models = json.loads(db.execute("SELECT models FROM col").fetchone()[0])
        decks = json.loads(db.execute("SELECT decks FROM col").fetchone()[0])
        cards = db.execute("SELECT COUNT(*) FROM cards").fetchone()[0]
    finally:
        db.close()
    assert cards == len(notes)
    return notes, {"models": models, "decks": decks}


def test_anki_package(card_log: Path, tmp_path: Path, invoke: Invoke) -> None:
    package = tmp_path / "deck.apkg"
    assert "Wrote 4 notes" in invoke("review", "anki", str(package), "--deck", "ML notes").stdout
    notes, meta = _anki_notes(package, tmp_path)
    assert any(model["name"] == "tilbook card" for model in meta["models"].values())
    assert "ML notes" in {deck["name"] for deck in meta["decks"].values()}
    fields = {
        flds.split("\x1f")[0]: (nid, guid, flds.split("\x1f"), tags)
        for nid, guid, flds, tags in notes
    }
    assert set(fields) == {
        "<p>Overfitting</p>",
        "<p>Dropout</p>",
        "<p>What does Adam keep per parameter?</p>",
        "<p>Learning rate</p>",
    }
    _, guid, values, tags = fields["<p>What does Adam keep per parameter?</p>"]
    assert "\\(m_t\\)" in values[1]  # math for MathJax
    assert values[2] == "optim.md:7"
    assert guid == genanki.guid_for("tilbook", values[3])
    assert "Optim" in tags.split() and "tilbook::inline" in tags.split()

    # Edit a back and export again: same note ids and GUIDs, new text.
    path = card_log / "notebook.md"
    path.write_text(path.read_text().replace("fitting noise", "memorising noise"))
    again = tmp_path / "deck2.apkg"
    invoke("review", "anki", str(again), "--deck", "ML notes")
    notes2, _ = _anki_notes(again, tmp_path)
    assert [(nid, guid) for nid, guid, _, _ in notes2] == [(nid, guid) for nid, guid, _, _ in notes]
    assert any("memorising noise" in flds for _, _, flds, _ in notes2)


def test_anki_tag_filter(card_log: Path, tmp_path: Path, invoke: Invoke) -> None:
    package = tmp_path / "optim.apkg"
    assert "Wrote 2 notes" in invoke("review", "anki", str(package), "--tag", "Optim").stdout
    notes, _ = _anki_notes(package, tmp_path)
    assert len(notes) == 2


# -- optimizer ------------------------------------------------------------------------------------


def test_optimize_says_how_to_get_the_optimizer(
    card_log: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(review_module, "optimizer_installed", lambda: False)
    review_twice(card_log, "Dropout")
    result = run(card_log, "optimize", code=1)
    assert "pip install 'fsrs[optimizer]'" in result.stderr
    assert "PyTorch" in result.stderr
    assert f"at least {OPTIMIZER_MIN_REVIEWS} reviews" in result.stderr
    assert "this log has 0 (2 reviews in all)" in result.stderr


def test_optimize_needs_enough_reviews(card_log: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(review_module, "optimizer_installed", lambda: True)
    result = run(card_log, "optimize", code=1)
    assert "needs at least 512 reviews" in result.stderr
    assert "pip install" not in result.stderr


def _synthetic_reviews(count_cards: int) -> list[ReviewRecord]:
    """Reviews of made-up cards over half a year: 4 long-term reviews per card."""
    rng = random.Random(7)
    start = datetime(2024, 1, 1, 8, tzinfo=UTC)
    records = []
    for number in range(count_cards):
        key = card_key(f"made-up-{number}.md", "front")
        moment = start + timedelta(hours=number)
        gap = 1.0
        state: int | None = None
        for _ in range(5):
            rating = 1 if rng.random() < 0.15 else rng.choice([2, 3, 3, 3, 4])
            records.append(
                ReviewRecord(key, rating, moment.isoformat(timespec="seconds"), 8000, state)
            )
            state = 2
            gap = 1.0 if rating == 1 else gap * (2.5 if rating >= 3 else 1.3)
            moment += timedelta(days=gap, hours=rng.randint(0, 6))
    return records


def test_optimize_fits_parameters(card_log: Path) -> None:
    pytest.importorskip("torch", reason="the fsrs[optimizer] extra is not installed")
    review_twice(card_log, "Dropout")
    with reviews_of(card_log) as (_, reviews, _settings):
        reviews.add_reviews(_synthetic_reviews(150))
    result = run(card_log, "optimize")
    # Only reviews a day or more apart count (Dropout's two were minutes apart).
    assert "Fitted FSRS parameters to 600 reviews; rescheduled 1 cards." in result.output
    assert "kept the defaults" not in result.output
    with reviews_of(card_log) as (_, reviews, settings):
        fitted = reviews.parameters()
        assert fitted is not None and len(fitted["parameters"]) == 21
        assert tuple(fitted["parameters"]) != fsrs.scheduler.DEFAULT_PARAMETERS
        assert make_scheduler(reviews, settings).parameters == tuple(fitted["parameters"])
    assert "fitted" in run(card_log, "stats", "--json").output
    assert "rescheduled 1 cards" in run(card_log, "optimize", "--reset").output
    with reviews_of(card_log) as (_, reviews, _settings):
        assert reviews.parameters() is None


# -- the index and the command line ---------------------------------------------------------------


def test_an_older_index_is_upgraded_and_keeps_its_answers(tmp_path: Path) -> None:
    from tilbook.store.sqlite import SQLiteStore

    path = tmp_path / "index.db"
    db = sqlite3.connect(path, isolation_level=None)
    db.execute("CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY, applied_at TEXT)")
    for version, script in enumerate(MIGRATIONS[:2], start=1):
        for statement in script.split(";\n"):
            if statement.strip():
                db.execute(statement)
        db.execute("INSERT INTO schema_migrations VALUES (?, '2024-01-01')", (version,))
    db.execute("INSERT INTO answers VALUES ('k', 'a.md', 'Why?', NULL, 'Because.', 'now')")
    db.close()
    store = SQLiteStore(path)
    try:
        assert schema_version(store.db) == len(MIGRATIONS) >= 3
        assert [a.note for a in store.answers()] == ["Because."]
        tables = {row[0] for row in store.db.execute("SELECT name FROM sqlite_master")}
        assert {"review_cards", "review_log", "review_sources"} <= tables
    finally:
        store.close()


def test_help_does_not_import_the_heavy_libraries(repo_root: Path) -> None:
    script = (
        "import sys, tilbook.cli; "
        "print(sorted(m for m in ('fsrs', 'genanki', 'matplotlib', 'rich') if m in sys.modules))"
    )
    result = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, check=True, cwd=repo_root
    )
    assert result.stdout.strip() == "[]"


def test_review_help_lists_every_subcommand(runner: CliRunner) -> None:
    result = runner.invoke(main, ["review", "--help"])
    assert result.exit_code == 0
    for name in ("anki", "cards", "export", "import", "optimize", "stats"):
        assert name in result.output
        sub = runner.invoke(main, ["review", name, "--help"])
        assert sub.exit_code == 0, name
        command = main.commands["review"].commands[name]  # type: ignore[attr-defined]
        assert command.help
        for param in command.params:
            if param.param_type_name == "option" and param.name != "help":
                assert param.help, f"review {name} {param.opts}"


def test_subcommands_take_log_before_or_after(card_log: Path, runner: CliRunner) -> None:
    before = runner.invoke(main, ["review", "--log", str(card_log), "cards", "--json"])
    after = runner.invoke(main, ["review", "cards", "--log", str(card_log), "--json"])
    assert before.exit_code == after.exit_code == 0
    assert json.loads(before.stdout) == json.loads(after.stdout)
    assert len(json.loads(after.stdout)) == 4


def test_review_without_a_terminal_reads_keys_from_stdin(card_log: Path) -> None:
    """Piped input and no controlling terminal (cron, CI): keys come from stdin."""
    done = subprocess.run(
        [sys.executable, "-m", "tilbook", "review", "--log", str(card_log), "--limit", "2"],
        input=" 3 4",
        capture_output=True,
        text=True,
        start_new_session=True,  # no /dev/tty to fall back on
        check=False,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    assert "Traceback" not in done.stderr
    assert "Reviewed 2 times (Again 0 · Hard 0 · Good 1 · Easy 1)." in done.stdout
