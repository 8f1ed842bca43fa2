"""Links between notes at scale: a synthetic vault of N notes in 20 folders, each with
five wiki links (plain, to a heading, aliased, or to a note that does not exist).

Prints JSON: the cold index, resolving every link again, and re-indexing after one
note changed (median of 5 edits), which resolves only the links that can have moved.

    .venv/bin/python bench/links.py --notes 10000
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

from tilbook.indexing import sync
from tilbook.settings import load_settings
from tilbook.store import open_store

FOLDERS = 20
LINKS_PER_NOTE = 5


def write_vault(root: Path, notes: int, seed: int) -> None:
    rng = random.Random(seed)
    for number in range(notes):
        folder = root / f"area{number % FOLDERS}"
        folder.mkdir(parents=True, exist_ok=True)
        links = " ".join(
            rng.choice(
                [
                    f"[[Note {rng.randrange(notes)}]]",
                    f"[[Note {rng.randrange(notes)}#Part two]]",
                    f"[[Note {rng.randrange(notes)}|an alias]]",
                    f"[[Missing {rng.randrange(50)}]]",
                ]
            )
            for _ in range(LINKS_PER_NOTE)
        )
        (folder / f"Note {number}.md").write_text(
            f"# Note {number}\n\n## Part one\n\nWords about topic {number}. {links}\n\n"
            "## Part two\n\nMore text.\n",
            encoding="utf-8",
        )


def run(notes: int, seed: int) -> dict[str, float | int]:
    with tempfile.TemporaryDirectory(prefix="tilbook-links-") as folder:
        root = Path(folder)
        write_vault(root, notes, seed)
        settings = load_settings(root)
        store = open_store(root)
        try:
            started = time.perf_counter()
            sync(root, store, settings)
            cold = time.perf_counter() - started
            started = time.perf_counter()
            store.resolve_note_links()
            store.commit()
            resolve_all = time.perf_counter() - started
            edits = []
            for number in range(5):
                path = root / f"area{number}" / f"Note {number}.md"
                path.write_text(path.read_text() + f"\nEdited, see [[Note {number + 1}]].\n")
                started = time.perf_counter()
                sync(root, store, settings)
                edits.append(time.perf_counter() - started)
            links, unresolved = store.db.execute(  # type: ignore[attr-defined]
                "SELECT COUNT(*), SUM(to_entry IS NULL) FROM note_links"
            ).fetchone()
        finally:
            store.close()
    return {
        "notes": notes,
        "links": links,
        "unresolved": unresolved,
        "index_cold_s": round(cold, 2),
        "resolve_all_ms": round(resolve_all * 1000),
        "reindex_one_note_ms": round(statistics.median(edits) * 1000),
    }


def main(argv: list[str]) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--notes", type=int, default=2000)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    print(json.dumps(run(args.notes, args.seed)))


if __name__ == "__main__":
    main(sys.argv[1:])
