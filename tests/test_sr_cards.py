"""The Obsidian Spaced Repetition plugin's card forms, in notes tagged for it."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from test_cards import cards_by_front, review_twice
from tilbook.features.cards.deck import SR_FORMS, card_key, sr_cards
from tilbook.parse.blocks import parse_blocks

DECK = """\
---
tags: [flashcards/maths]
---
# Linear algebra

## Eigen things

An eigenvector::a direction the map only stretches
Trace:::sum of the diagonal
The determinant of a triangular matrix
is the product of
?
its diagonal entries

- The rank of a matrix is the dimension of its ==column space==.
- SVD writes A as {{c1::U}} Σ {{c2::Vᵀ::a transpose}}.

In C++ `std::vector` is a growable array.
"""


def _cards(markdown: str, forms: tuple[str, ...] = SR_FORMS) -> list[tuple[str, str, int]]:
    return sr_cards(parse_blocks(markdown), markdown.split("\n"), forms)


def test_every_form_in_one_note() -> None:
    cards = _cards(DECK)
    assert ("An eigenvector", "a direction the map only stretches", 8) in cards
    assert ("Trace", "sum of the diagonal", 9) in cards
    assert ("sum of the diagonal", "Trace", 9) in cards  # reversed: two cards
    assert (
        "The determinant of a triangular matrix\nis the product of",
        "its diagonal entries",
        10,
    ) in cards
    assert (
        "The rank of a matrix is the dimension of its [...].",
        "The rank of a matrix is the dimension of its column space.",
        15,
    ) in cards
    assert ("SVD writes A as [...] Σ Vᵀ.", "SVD writes A as U Σ Vᵀ.", 16) in cards
    assert ("SVD writes A as U Σ [a transpose].", "SVD writes A as U Σ Vᵀ.", 16) in cards
    assert len(cards) == 7  # `::` in code is not a card


@pytest.mark.parametrize("form", SR_FORMS)
def test_each_form_can_be_switched_off(form: str) -> None:
    every = _cards(DECK)
    without = _cards(DECK, tuple(name for name in SR_FORMS if name != form))
    assert len(without) < len(every)


def test_double_question_mark_makes_two_cards() -> None:
    cards = _cards("front line\n??\nback line\n")
    assert cards == [("front line", "back line", 1), ("back line", "front line", 3)]


def test_clozes_hide_one_at_a_time_and_code_is_left_alone() -> None:
    cards = _cards("Adam keeps ==two== moments and ==one== step count. `a::b`\n")
    fronts = [front for front, _, _ in cards]
    assert fronts == [
        "Adam keeps [...] moments and one step count. `a::b`",
        "Adam keeps two moments and [...] step count. `a::b`",
    ]


def write(root: Path, text: str, toml: str = "") -> None:
    root.mkdir(parents=True, exist_ok=True)
    (root / "algebra.md").write_text(text, encoding="utf-8")
    if toml:
        (root / "tilbook.toml").write_text(toml, encoding="utf-8")


def test_only_notes_with_the_tag_unless_the_tag_is_empty(tmp_path: Path) -> None:
    untagged = DECK.replace("tags: [flashcards/maths]", "tags: [maths]")
    write(tmp_path / "a", untagged)
    assert "Trace" not in cards_by_front(tmp_path / "a")
    write(tmp_path / "b", untagged, 'cards_sr_tag = ""\n')
    assert "Trace" in cards_by_front(tmp_path / "b")
    write(tmp_path / "c", DECK, "cards_sr_reversed = false\n")
    found = cards_by_front(tmp_path / "c")
    assert "An eigenvector" in found and "sum of the diagonal" not in found


def test_review_history_survives_editing_the_back_and_moving(tmp_path: Path) -> None:
    root = tmp_path / "log"
    write(root, DECK)
    card = review_twice(root, "An eigenvector")
    assert card.key == card_key("algebra.md", "An eigenvector")
    moved = DECK.replace("An eigenvector::a direction the map only stretches\n", "").replace(
        "## Eigen things\n", "## Eigen things\n\nIntro.\n\nAn eigenvector::a direction kept\n"
    )
    write(root, moved)
    after: Any = cards_by_front(root)["An eigenvector"]
    assert after.key == card.key
    assert after.schedule == card.schedule
    assert after.back == "a direction kept" and after.back_changed


def test_an_anki_cloze_switched_off_is_no_card_at_all() -> None:
    forms = tuple(name for name in SR_FORMS if name != "cards_sr_cloze_anki")
    assert [card for card in _cards(DECK, forms) if card[2] == 16] == []
