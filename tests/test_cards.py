"""Flashcards made from the notes: kinds, identity, and what keeps or suspends them."""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from conftest import NOTES, Invoke
from tilbook.cli import main
from tilbook.features.cards.deck import (
    card_key,
    cards_of_file,
    inline_cards,
    normalise_front,
    sync_cards,
)
from tilbook.features.cards.review import answer_card, make_scheduler
from tilbook.features.questions import (
    answer_question,
    list_questions,
    question_key,
    reopen_question,
)
from tilbook.indexing import sync
from tilbook.notes.files import source_from_text
from tilbook.parse.blocks import parse_blocks
from tilbook.reading import blank_front_matter, parse_source
from tilbook.settings import Settings, load_settings
from tilbook.store import open_store, review_store
from tilbook.store.base import EntryFilter, Store
from tilbook.store.reviews import ReviewStore, StoredCard

SEEDS = Path(__file__).resolve().parent.parent.parent / "shared" / "seeds"

INLINE = """\
# Study journal

## 2024-03-10 Optimisers

Adam keeps running moments. #Optim

Q: What does Adam keep per parameter?
A: Running means of the gradient $m_t$ and of its square $v_t$.

Learning rate :: the step size of gradient descent

## 2024-03-01 Reading

Why does warmup help?
"""


@contextmanager
def reviews_of(root: Path) -> Iterator[tuple[Store, ReviewStore, Settings]]:
    """The index of `root`, up to date, with its cards synced (as every command does)."""
    store = open_store(root)
    try:
        settings = load_settings(root)
        sync(root, store, settings)
        reviews = review_store(store)
        sync_cards(root, store, reviews, settings)
        yield store, reviews, settings
    finally:
        store.close()


def cards_by_front(root: Path, *, include_suspended: bool = True) -> dict[str, StoredCard]:
    with reviews_of(root) as (_, reviews, _settings):
        return {c.front: c for c in reviews.cards(include_suspended=include_suspended)}


def review_twice(root: Path, front: str) -> StoredCard:
    """Give the card two Good ratings a few days ago: it has a history and a schedule."""
    with reviews_of(root) as (_, reviews, settings):
        card = next(c for c in reviews.cards() if c.front == front)
        scheduler = make_scheduler(reviews, settings)
        start = datetime.now(UTC).replace(microsecond=0) - timedelta(days=5)
        card = answer_card(reviews, scheduler, card, 3, now=start)
        return answer_card(reviews, scheduler, card, 3, now=start + timedelta(minutes=10))


def history(root: Path, key: str) -> list[tuple[int, str]]:
    with reviews_of(root) as (_, reviews, _settings):
        return [(r.rating, r.reviewed_at) for r in reviews.reviews() if r.card_key == key]


# -- identity -------------------------------------------------------------------------------------


def test_card_key_ignores_case_spacing_and_a_q_label() -> None:
    key = card_key("log.md", "What is  Dropout?")
    assert key == card_key("log.md", "what is dropout?")
    assert key == card_key("log.md", "Q: What is Dropout?")
    assert key == card_key("log.md", "**Q:** what is\ndropout?")
    assert key != card_key("other.md", "What is Dropout?")
    assert key != card_key("log.md", "What is Dropout")
    assert normalise_front("  Ａ  b ") == "ａ b"


# -- inline cards ---------------------------------------------------------------------------------


def _inline(markdown: str) -> list[tuple[str, str, int]]:
    source = source_from_text("t.md", markdown)
    parsed = parse_source(source)
    blocks = parse_blocks(blank_front_matter(source.text, source.front_matter_lines))
    lines = source.text.split("\n")
    found = []
    for entry in parsed.entries:
        inside = [b for b in blocks if entry.line <= b.line <= entry.end_line]
        found.extend(inline_cards(inside, lines))
    return found


@pytest.mark.parametrize(
    ("markdown", "expected"),
    [
        ("# N\n\nQ: What is 2+2?\nA: Four.\n", [("What is 2+2?", "Four.", 3)]),
        ("# N\n\nQ: What is 2+2?\n\nA: Four.\n", [("What is 2+2?", "Four.", 3)]),
        ("# N\n\n**Q:** Bold label?\n**A:** Works.\n", [("Bold label?", "Works.", 3)]),
        ("# N\n\nQ: One line? A: Yes.\n", [("One line?", "Yes.", 3)]),
        (
            "# N\n\n- Q: In a list?\n  A: The answer\n  goes on.\n- Q: Next item?\n- A: Also.\n",
            [("In a list?", "The answer\ngoes on.", 3), ("Next item?", "Also.", 6)],
        ),
        (
            "# N\n\nQ: Reverse a list?\nA:\n\n```python\nxs[::-1]\n```\n",
            [("Reverse a list?", "```python\nxs[::-1]\n```", 3)],
        ),
        (
            "# N\n\nQ: The loss?\nA: It is\n$$\nL = \\sum_i x_i\n$$\n",
            [("The loss?", "It is\n$$\nL = \\sum_i x_i\n$$", 3)],
        ),
        ("# N\n\n> Q: Quoted?\n> A: Yes.\n", [("Quoted?", "Yes.", 3)]),
        (
            "# N\n\nDropout :: zeroing random activations\n",
            [("Dropout", "zeroing random activations", 3)],
        ),
        (
            "# N\n\n- **KV cache** :: keys and values kept\n",
            [("**KV cache**", "keys and values kept", 3)],
        ),
        # Not cards: an open question, `::` in code or without spaces, code blocks.
        ("# N\n\nQ: Still open?\n\nSomething else.\n", []),
        ("# N\n\nIn Haskell `f :: Int -> Int` is a type.\n", []),
        ("# N\n\nstd::vector grows by doubling.\n", []),
        ("# N\n\n```\nQ: in code\nA: not a card\na :: b\n```\n", []),
        ("# N\n\n<!-- Q: hidden\nA: hidden -->\n", []),
    ],
)
def test_inline_cards(markdown: str, expected: list[tuple[str, str, int]]) -> None:
    assert _inline(markdown) == expected


def test_cards_of_a_file_terms_and_inline(log_dir: Path) -> None:
    (log_dir / "optim.md").write_text(INLINE, encoding="utf-8")
    with reviews_of(log_dir) as (store, _reviews, settings):
        made = cards_of_file(log_dir, store, "optim.md", settings)
        terms = cards_of_file(log_dir, store, "notebook.md", settings)
    assert [(c.kind, c.front, c.line) for c in made] == [
        ("inline", "What does Adam keep per parameter?", 7),
        ("inline", "Learning rate", 10),
    ]
    assert made[0].back == "Running means of the gradient $m_t$ and of its square $v_t$."
    assert made[0].tags == ["Optim"]
    assert [(c.kind, c.front, c.back) for c in terms] == [
        ("term", "Overfitting", "fitting noise in the training set"),
        ("term", "Dropout", "zeroing random activations during training"),
    ]
    assert all(c.key == card_key("notebook.md", c.front) for c in terms)


def test_a_file_changed_since_indexing_waits_for_the_next_sync(log_dir: Path) -> None:
    (log_dir / "optim.md").write_text(INLINE, encoding="utf-8")
    store = open_store(log_dir)
    try:
        settings = load_settings(log_dir)
        sync(log_dir, store, settings)
        # Edited after indexing: its line numbers in the index no longer fit the text.
        (log_dir / "optim.md").write_text("# Moved\n\n" + INLINE, encoding="utf-8")
        reviews = review_store(store)
        report = sync_cards(log_dir, store, reviews, settings)
        assert "optim.md" not in reviews.card_signatures()
        assert report.files_read == len(NOTES)
        sync(log_dir, store, settings)
        sync_cards(log_dir, store, reviews, settings)
        lines = {c.front: c.line for c in reviews.cards() if c.source == "optim.md"}
        assert lines == {"What does Adam keep per parameter?": 9, "Learning rate": 12}
    finally:
        store.close()


def test_an_inline_card_wins_over_a_term_with_the_same_front(make_log: Any) -> None:
    root = make_log(
        {
            "n.md": "# Notes\n\n## Terms\n\n- Dropout: zeroing activations\n\n"
            "## Cards\n\nDropout :: a regulariser that zeroes activations\n"
        }
    )
    cards = cards_by_front(root)
    assert list(cards) == ["Dropout"]
    assert cards["Dropout"].kind == "inline"


# -- cards in the index ---------------------------------------------------------------------------


def test_cards_command_lists_terms(invoke_json: Any) -> None:
    cards = invoke_json("review", "cards")
    fronts = {c["front"]: c for c in cards}
    assert set(fronts) == {"Overfitting", "Dropout"}
    card = fronts["Dropout"]
    assert card["kind"] == "term"
    assert card["source"] == "notebook.md"
    assert card["line"] == 14
    assert card["state"] is None
    assert card["suspended_at"] is None
    assert card["key"] == card_key("notebook.md", "Dropout")


def test_cards_text_table(invoke: Invoke) -> None:
    out = invoke("review", "cards").stdout
    assert "Overfitting" in out
    assert "notebook.md:13" in out
    assert "new" in out


def test_reindex_and_rebuild_keep_history(log_dir: Path, invoke: Invoke) -> None:
    card = review_twice(log_dir, "Dropout")
    before = history(log_dir, card.key)
    assert len(before) == 2
    invoke("index")
    invoke("index", "--rebuild")
    after = cards_by_front(log_dir)["Dropout"]
    assert after.schedule == card.schedule
    assert history(log_dir, card.key) == before


def test_rebuild_keeps_history_when_every_entry_changes_rowid(log_dir: Path) -> None:
    card = review_twice(log_dir, "Overfitting")
    # A full re-read replaces every entry row; the card is keyed by its text, not a row.
    store = open_store(log_dir)
    try:
        sync(log_dir, store, load_settings(log_dir), full=True)
    finally:
        store.close()
    assert cards_by_front(log_dir)["Overfitting"].schedule == card.schedule


def test_moving_the_entry_within_its_file_keeps_history(log_dir: Path) -> None:
    card = review_twice(log_dir, "Dropout")
    path = log_dir / "notebook.md"
    text = path.read_text(encoding="utf-8")
    terms = text[text.index("## Terms and Concepts") :]
    rest = text[: text.index("## Terms and Concepts")]
    # The glossary moves above "Reward hacking" (and gains an entry before it).
    moved = rest.replace("## Reward hacking", terms.rstrip("\n") + "\n\n## Reward hacking")
    path.write_text(
        "## New first section\n\nSomething new,\nover two lines.\n\n" + moved, encoding="utf-8"
    )
    after = cards_by_front(log_dir)["Dropout"]
    assert after.key == card.key
    assert after.line != card.line
    assert after.schedule == card.schedule
    assert after.suspended_at is None
    assert len(history(log_dir, card.key)) == 2


def test_editing_the_back_keeps_history_and_shows_the_change(
    log_dir: Path, runner: CliRunner
) -> None:
    card = review_twice(log_dir, "Dropout")
    path = log_dir / "notebook.md"
    path.write_text(
        path.read_text(encoding="utf-8").replace(
            "zeroing random activations during training",
            "randomly zeroing units while training, a regulariser",
        ),
        encoding="utf-8",
    )
    after = cards_by_front(log_dir)["Dropout"]
    assert after.key == card.key
    assert after.schedule == card.schedule
    assert after.back == "randomly zeroing units while training, a regulariser"
    assert after.back_changed
    # The session shows it as changed: Dropout is the one card due (no new ones).
    result = runner.invoke(main, ["review", "--log", str(log_dir), "--new", "0"], input=" 3")
    assert result.exit_code == 0, result.output
    assert "1 card to review (1 due, 0 new)" in result.output
    assert "randomly zeroing units while training" in result.output
    assert "changed: the back was edited in your notes" in result.output
    with reviews_of(log_dir) as (_, reviews, settings):
        stored = reviews.card(card.key)
        assert stored is not None
        scheduler = make_scheduler(reviews, settings)
        assert not stored.back_changed  # seen once in the session above
        assert stored.reviewed_back == stored.back
        seen = answer_card(reviews, scheduler, stored, 3)
        assert not seen.back_changed


def test_removed_text_suspends_the_card_and_it_comes_back(log_dir: Path, invoke: Invoke) -> None:
    card = review_twice(log_dir, "Dropout")
    path = log_dir / "notebook.md"
    original = path.read_text(encoding="utf-8")
    path.write_text(
        original.replace("- Dropout: zeroing random activations during training\n", ""),
        encoding="utf-8",
    )
    gone = cards_by_front(log_dir)["Dropout"]
    assert gone.suspended_at is not None
    assert gone.schedule == card.schedule  # suspended, not deleted
    active = invoke("review", "cards", "--json").stdout
    assert "Dropout" not in active
    listed = json.loads(invoke("review", "cards", "--all", "--json").stdout)
    assert {c["front"] for c in listed} == {"Overfitting", "Dropout"}

    path.write_text(original, encoding="utf-8")
    back = cards_by_front(log_dir)["Dropout"]
    assert back.suspended_at is None
    assert back.schedule == card.schedule
    assert len(history(log_dir, card.key)) == 2


def test_deleted_file_suspends_and_restored_file_revives(log_dir: Path, invoke: Invoke) -> None:
    card = review_twice(log_dir, "Overfitting")
    saved = (log_dir / "notebook.md").read_bytes()
    (log_dir / "notebook.md").unlink()
    result = invoke("review", "cards", "--json")
    assert json.loads(result.stdout) == []
    assert "2 suspended" in result.stderr
    (log_dir / "notebook.md").write_bytes(saved)
    result = invoke("review", "cards", "--json")
    assert {c["front"] for c in json.loads(result.stdout)} == {"Overfitting", "Dropout"}
    assert "2 back" in result.stderr
    assert cards_by_front(log_dir)["Overfitting"].schedule == card.schedule


def test_settings_switch_sources_off_and_on(log_dir: Path, invoke_json: Any) -> None:
    (log_dir / "optim.md").write_text(INLINE, encoding="utf-8")
    assert {c["kind"] for c in invoke_json("review", "cards")} == {"term", "inline"}
    config = log_dir / "tilbook.toml"
    config.write_text("cards_from_terms = false\n", encoding="utf-8")
    assert {c["kind"] for c in invoke_json("review", "cards")} == {"inline"}
    config.write_text("cards_from_inline = false\ncards_from_terms = true\n", encoding="utf-8")
    assert {c["kind"] for c in invoke_json("review", "cards")} == {"term"}
    config.write_text("[tilbook]\ncards_from_inline = true\n", encoding="utf-8")
    assert len(invoke_json("review", "cards")) == 4


def test_bad_card_setting_is_reported(log_dir: Path, invoke: Invoke) -> None:
    (log_dir / "tilbook.toml").write_text('cards_from_terms = "yes"\n', encoding="utf-8")
    result = invoke("review", "cards", code=1)
    assert "cards_from_terms must be true or false" in result.stderr


# -- answered questions ---------------------------------------------------------------------------


def test_answered_questions_become_cards(log_dir: Path, invoke_json: Any) -> None:
    question = "Why does the variance schedule matter so much?"
    with reviews_of(log_dir) as (store, _reviews, _settings):
        item = next(q for q in list_questions(store) if q.text == question)
        assert item.key == question_key("journal.md", question)
        (later,) = store.entries(EntryFilter(since="2024-01-15", until="2024-01-15"))
        answer_question(
            store, item.id, entry_id=later.id, note="It sets how much noise each step removes."
        )
    cards = {c["front"]: c for c in invoke_json("review", "cards")}
    card = cards[question]
    assert card["kind"] == "question"
    assert card["source"] == "journal.md"
    assert card["line"] == 13
    assert card["tags"] == ["Diffusion"]
    note, entry_text = card["back"].split("\n\n", 1)
    assert note == "It sets how much noise each step removes."
    # The answering entry's Markdown as written follows the note.
    assert entry_text.startswith("## 2024-01-15")
    assert "The scale $w$ trades variety for fidelity." in entry_text

    with reviews_of(log_dir) as (store, _reviews, _settings):
        reopen_question(store, item.id)
    assert question not in {c["front"] for c in invoke_json("review", "cards")}
    listed = {c["front"]: c for c in invoke_json("review", "cards", "--all")}
    assert listed[question]["suspended_at"] is not None


def test_questions_can_be_switched_off(log_dir: Path, invoke_json: Any) -> None:
    with reviews_of(log_dir) as (store, _reviews, _settings):
        item = list_questions(store)[0]
        answer_question(store, item.id, note="Because.")
    assert "question" in {c["kind"] for c in invoke_json("review", "cards")}
    (log_dir / "tilbook.toml").write_text("cards_from_questions = false\n", encoding="utf-8")
    assert "question" not in {c["kind"] for c in invoke_json("review", "cards")}


# -- the seeds ------------------------------------------------------------------------------------


@pytest.mark.seeds
@pytest.mark.skipif(not SEEDS.is_dir(), reason="../shared/seeds is not here")
def test_seed_glossary_yields_cards(tmp_path: Path) -> None:
    root = tmp_path / "seeds"
    root.mkdir()
    for seed in sorted(SEEDS.glob("*.txt")):
        shutil.copyfile(seed, root / f"{seed.stem}.md")
    glossary = next(root.glob("003_*.md"), None)
    if glossary is None:
        pytest.skip("seed 003 is not there")
    runner = CliRunner()
    assert runner.invoke(main, ["index", "--log", str(root), "-q"]).exit_code == 0
    result = runner.invoke(main, ["review", "cards", "--log", str(root), "--json"])
    assert result.exit_code == 0, result.output
    cards = json.loads(result.stdout)
    terms = [c for c in cards if c["source"] == glossary.name and c["kind"] == "term"]
    assert len(terms) >= 3
    text = glossary.read_text(encoding="utf-8")
    for card in terms:
        assert card["front"] in text
        assert card["back"]
        assert card["key"] == card_key(glossary.name, card["front"])
    assert len({c["key"] for c in cards}) == len(cards)
    # Indexing again changes nothing.
    again = json.loads(
        runner.invoke(main, ["review", "cards", "--log", str(root), "--json"]).stdout
    )
    assert again == cards
