"""The deck as an Anki package (`tilbook review anki`), each card's sides rendered to HTML."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from datetime import datetime
from pathlib import Path
from typing import Any

from tilbook.features.cards.review import has_tags, utc_now
from tilbook.render.html import card_html
from tilbook.store.reviews import ReviewStore

ANKI_MODEL_ID = 1_719_457_130_001
"""Fixed ids: the same deck and note type on every export, so Anki updates in place."""
ANKI_CSS = """\
.card { font-family: system-ui, sans-serif; font-size: 20px; text-align: left; }
.source { margin-top: 1.5em; font-size: 12px; color: #888; }
pre { background: #f4f4f4; padding: .6em; border-radius: 4px; overflow-x: auto; }
code { font-family: ui-monospace, monospace; font-size: 90%; }
"""


def anki_ids(key: str) -> tuple[int, str]:
    """A card's Anki note id and GUID, both derived from its key (stable across exports)."""
    import genanki

    note_id = 1_000_000_000_000 + int(key[:14], 16) % 900_000_000_000
    return note_id, str(genanki.guid_for("tilbook", key))


def anki_deck_id(name: str) -> int:
    digest = hashlib.blake2b(name.encode("utf-8"), digest_size=6).digest()
    return 1_000_000_000 + int.from_bytes(digest, "big") % 1_000_000_000_000


def export_anki(
    reviews: ReviewStore,
    path: Path,
    *,
    deck_name: str = "tilbook",
    tags: Sequence[str] = (),
    now: datetime | None = None,
) -> int:
    """Write the active cards to an Anki package; returns how many notes it holds."""
    import itertools

    import genanki

    model = genanki.Model(
        ANKI_MODEL_ID,
        "tilbook card",
        fields=[{"name": "Front"}, {"name": "Back"}, {"name": "Source"}, {"name": "Key"}],
        templates=[
            {
                "name": "Card 1",
                "qfmt": "{{Front}}",
                "afmt": '{{FrontSide}}<hr id="answer">{{Back}}<div class="source">{{Source}}</div>',
            }
        ],
        css=ANKI_CSS,
        sort_field_index=0,
    )

    class StableNote(genanki.Note):  # type: ignore[misc]
        """A note whose id (and card id) come from the card key, not the clock."""

        note_id = 0

        def write_to_db(self, cursor: Any, timestamp: float, deck_id: int, id_gen: Any) -> None:
            ids = itertools.chain([self.note_id], itertools.count(self.note_id))
            super().write_to_db(cursor, timestamp, deck_id, ids)

    deck = genanki.Deck(anki_deck_id(deck_name), deck_name)
    count = 0
    for card in reviews.cards(include_suspended=False):
        if not has_tags(card, tags):
            continue
        note_id, guid = anki_ids(card.key)
        note = StableNote(
            model=model,
            fields=[
                card_html(card.front),
                card_html(card.back),
                f"{card.source}:{card.line}",
                card.key,
            ],
            guid=guid,
            tags=["tilbook", f"tilbook::{card.kind}", *(_anki_tag(tag) for tag in card.tags)],
        )
        note.note_id = note_id
        deck.add_note(note)
        count += 1
    path.parent.mkdir(parents=True, exist_ok=True)
    stamp = (now or utc_now()).timestamp()
    genanki.Package(deck).write_to_file(str(path), timestamp=stamp)
    return count


def _anki_tag(tag: str) -> str:
    return "_".join(tag.split()) or "_"
