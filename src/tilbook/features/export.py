"""The log as one JSON document (`tilbook export --format json`).

The field names are a contract other tools rely on: add fields, never rename.
"""

from __future__ import annotations

from typing import Any

from tilbook.features.links import link_graph
from tilbook.store.base import Store

EXPORT_VERSION = 1


def export_log(store: Store) -> dict[str, Any]:
    files = [
        {
            "source": info.source,
            "layout": info.layout or None,
            "title": info.title,
            "targets": info.targets,
            "warnings": [{"message": w.message, "line": w.line} for w in info.warnings],
        }
        for info in store.files()
    ]
    every = list(store.all_entries())
    entries = [entry.to_dict() for entry in every]
    answers = [
        {
            "question_key": answer.question_key,
            "source": answer.source,
            "question": answer.question,
            "entry": answer.entry_id,
            "note": answer.note,
            "answered_at": answer.answered_at,
        }
        for answer in store.answers()
    ]
    return {
        "tilbook_export": EXPORT_VERSION,
        "files": files,
        "entries": entries,
        "answers": answers,
        "graph": link_graph(store, every),
    }
