"""Links between notes: what an entry links to, what links to it, what leads nowhere.

The links are read per entry and resolved after each index run
(`tilbook.extract.notelinks`); this module only asks the index.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from tilbook.model import Entry, NoteLink
from tilbook.store.base import EntryFilter, EntrySummary, Store


@dataclass(slots=True)
class EntryLinks:
    """One entry's links: out (with the entry each leads to), in, and unresolved."""

    entry: EntrySummary
    outgoing: list[tuple[NoteLink, EntrySummary | None]] = field(default_factory=list)
    """Resolved links, with the entry they lead to (None: a note without entries)."""
    incoming: list[tuple[EntrySummary, NoteLink]] = field(default_factory=list)
    unresolved: list[NoteLink] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return {
            "entry": self.entry.to_dict(),
            "outgoing": [
                {**link_dict(link), "to": target.to_dict() if target else None}
                for link, target in self.outgoing
            ],
            "incoming": [
                {**link_dict(link), "from": summary.to_dict()} for summary, link in self.incoming
            ],
            "unresolved": [link_dict(link) for link in self.unresolved],
        }


def link_dict(link: NoteLink) -> dict[str, Any]:
    return {
        "target": link.target,
        "heading": link.heading,
        "block": link.block,
        "text": link.text,
        "line": link.line,
        "form": link.form,
        "embed": link.embed,
        "entry": link.entry,
        "source": link.source,
        "candidates": link.candidates,
    }


def written(link: NoteLink) -> str:
    """The link as a person would recognise it: `[[Note#Heading]]`, `other.md#Top`."""
    fragment = f"#^{link.block}" if link.block else (f"#{link.heading}" if link.heading else "")
    if link.form == "wiki":
        return f"{'!' if link.embed else ''}[[{link.target}{fragment}]]"
    return link.target + fragment


def entry_links(store: Store, entry_id: str) -> EntryLinks:
    """The links of the entry `entry_id` (an id or its unique start)."""
    entry = store.entry(entry_id)
    summary = _summary(store, entry)
    found = EntryLinks(summary)
    targets = {s.id: s for s in store.entries(EntryFilter(linked_from=entry.id))}
    for _, link in store.note_link_rows(from_entry=entry.id):
        if link.source is None:
            found.unresolved.append(link)
        else:
            found.outgoing.append((link, targets.get(link.entry or "")))
    found.incoming = store.note_link_rows(to_entry=entry.id)
    return found


def _summary(store: Store, entry: Entry) -> EntrySummary:
    for summary in store.entries(EntryFilter(source=entry.source)):
        if summary.id == entry.id:
            return summary
    return EntrySummary(
        entry.id, entry.source, entry.line, entry.date, entry.title, entry.category,
        entry.layout, list(entry.tags),
    )  # fmt: skip


def unresolved_links(store: Store) -> list[tuple[EntrySummary, NoteLink]]:
    """Every link of the log that leads to no note, in file order."""
    return store.note_link_rows(unresolved=True)


def ambiguous_links(store: Store, source: str) -> list[tuple[EntrySummary, NoteLink]]:
    """The links of one file whose name fits more than one note."""
    return [row for row in store.note_link_rows(source=source) if row[1].candidates > 1]


def link_graph(store: Store, entries: list[Entry] | None = None) -> dict[str, Any]:
    """The entries that link or are linked (nodes) and the links between them (edges)."""
    every = entries if entries is not None else list(store.all_entries())
    by_id = {entry.id: entry for entry in every}
    edges: list[dict[str, Any]] = []
    linked: set[str] = set()
    for entry in every:
        for link in entry.note_links:
            if link.entry is None or link.entry not in by_id:
                continue
            edges.append(
                {
                    "from": entry.id,
                    "to": link.entry,
                    "line": link.line,
                    "text": link.text,
                    "form": link.form,
                }
            )
            linked.update((entry.id, link.entry))
    nodes = [
        {"id": entry.id, "source": entry.source, "title": entry.title, "date": entry.date}
        for entry in every
        if entry.id in linked
    ]
    return {"nodes": nodes, "edges": edges}
