"""Links between notes: reading every form, resolving them as Obsidian does, backlinks
(`tilbook links`, `entries --links-to/--linked-from`), the export graph, the site's
"Linked from" and linked bodies, and an Obsidian vault read as it is
(`tests/fixtures/vault/`)."""

from __future__ import annotations

import re
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from tilbook.extract.notelinks import NoteFile, Resolver, entry_note_links
from tilbook.indexing import sync
from tilbook.model import NoteLink
from tilbook.notes.files import source_from_text
from tilbook.parse.blocks import parse_blocks
from tilbook.reading import parse_source
from tilbook.render.html import render_markdown
from tilbook.settings import load_settings
from tilbook.staticsite.build import build_site
from tilbook.staticsite.generator import SiteOptions
from tilbook.store import open_store

VAULT = Path(__file__).parent / "fixtures" / "vault"
DAILY = "Journal/2024-05-06.md"


@pytest.fixture
def vault(tmp_path: Path) -> Path:
    root = tmp_path / "vault"
    shutil.copytree(VAULT, root)
    return root


@pytest.fixture
def vault_json(vault: Path, invoke_json: Callable[..., Any]) -> Callable[..., Any]:
    def run(*args: str, **kwargs: Any) -> Any:
        return invoke_json(*args, log=vault, **kwargs)

    return run


def _links(markdown: str) -> list[NoteLink]:
    return entry_note_links(parse_blocks(markdown))


# -- reading --------------------------------------------------------------------------------


def test_every_form_of_link_is_read() -> None:
    found = _links(
        "[[Alpha]] [[Beta note|shown words]] [[Gamma#Second heading]] [[Delta#^fact-1]] "
        "![[Epsilon]] [[#Local heading]] [x](../dir/zeta%20note.md#Part) [y](eta.markdown) "
        "![[picture.png]] [[slides.pdf]] [web](https://example.org/a.md) `[[code]]`"
    )
    assert [(link.target, link.heading, link.block, link.embed, link.form) for link in found] == [
        ("Alpha", None, None, False, "wiki"),
        ("Beta note", None, None, False, "wiki"),
        ("Gamma", "Second heading", None, False, "wiki"),
        ("Delta", None, "fact-1", False, "wiki"),
        ("Epsilon", None, None, True, "wiki"),
        ("", "Local heading", None, False, "wiki"),
        ("../dir/zeta note.md", "Part", None, False, "markdown"),
        ("eta.markdown", None, None, False, "markdown"),
    ]
    assert [link.text for link in found[:4]] == [
        "Alpha",
        "shown words",
        "Gamma > Second heading",
        "Delta",
    ]


def test_lookalikes_of_wiki_links() -> None:
    # `[[1]](url)`: a citation mark before a link, as CommonMark reads it without wiki links.
    assert _links("as shown in [[1]](https://example.org/paper) and [[2]].") == [
        NoteLink("2", "2", 1, href="2")
    ]
    # In a table a wiki link's bar is escaped (`[[Note\\|alias]]`).
    (cell,) = _links("| a | b |\n|---|---|\n| x | [[Some note\\|the alias]] |\n")
    assert (cell.target, cell.text) == ("Some note", "the alias")


def test_titles_and_search_text_show_names_not_brackets() -> None:
    parsed = parse_source(
        source_from_text(
            "2024-05-06.md",
            "Compared [[Adam optimiser|Adam]] with [[Plain SGD]] on the toy task.\n",
        )
    )
    (entry,) = parsed.entries
    assert entry.date == "2024-05-06"
    assert entry.title.startswith("Compared Adam with Plain SGD")
    assert "[[" not in entry.body and "Adam with Plain SGD" in entry.body
    assert entry.links == []  # wiki links are not URLs


# -- resolving ------------------------------------------------------------------------------


def _resolver() -> Resolver:
    return Resolver(
        [
            NoteFile("Topics/Attention.md", ["self-attention"], [("a1", ["Attention", "Heads"])]),
            NoteFile("old/deeper/Attention.md", [], [("a2", ["Old"])]),
            NoteFile(
                "Optimisers.md",
                [],
                [("o1", ["Optimisers"]), ("o2", ["Momentum", "^m-fact"]), ("o3", ["Warmup"])],
            ),
            NoteFile("notes/Empty.md", [], []),
            NoteFile("notes/zeta note.md", [], [("z1", ["Zeta"])]),
        ]
    )


@pytest.mark.parametrize(
    ("target", "heading", "block", "origin", "expected"),
    [
        ("attention", None, None, "j.md", ("a1", "Topics/Attention.md", 2)),  # shortest path
        ("old/deeper/Attention", None, None, "j.md", ("a2", "old/deeper/Attention.md", 1)),
        ("Self-Attention", None, None, "j.md", ("a1", "Topics/Attention.md", 1)),  # alias
        ("Optimisers", "momentum", None, "j.md", ("o2", "Optimisers.md", 1)),
        ("Optimisers", None, "m-fact", "j.md", ("o2", "Optimisers.md", 1)),
        ("Optimisers", "No such heading", None, "j.md", ("o1", "Optimisers.md", 1)),
        ("Optimisers.md", None, None, "j.md", ("o1", "Optimisers.md", 1)),
        ("../notes/zeta note.md", None, None, "j/day.md", ("z1", "notes/zeta note.md", 1)),
        ("Empty", None, None, "j.md", (None, "notes/Empty.md", 1)),  # a file without entries
        ("", "Warmup", None, "Optimisers.md", ("o3", "Optimisers.md", 1)),  # [[#Warmup]]
        ("Nowhere", None, None, "j.md", (None, None, 0)),
    ],
)
def test_links_resolve_as_obsidian_does(
    target: str, heading: str | None, block: str | None, origin: str, expected: tuple[Any, ...]
) -> None:
    link = _resolver().resolve(NoteLink(target, target, 1, heading=heading, block=block), origin)
    assert (link.entry, link.source, link.candidates) == expected


# -- the vault, end to end --------------------------------------------------------------------


def _entry_id(vault_json: Callable[..., Any], source: str, line: int) -> str:
    for entry in vault_json("entries"):
        if entry["source"] == source and entry["line"] == line:
            return str(entry["id"])
    raise AssertionError(f"no entry at {source}:{line}")


def test_vault_is_read_as_it_is(vault: Path, vault_json: Callable[..., Any]) -> None:
    entries = vault_json("entries")
    sources = {entry["source"] for entry in entries}
    assert sources == {
        DAILY,
        "Concepts/Attention.md",
        "Concepts/Optimisers.md",
        "Archive/2023/Attention.md",
        "Reading list.md",
    }  # not .obsidian/, .trash/ nor Templates/
    daily = next(entry for entry in entries if entry["source"] == DAILY)
    assert daily["date"] == "2024-05-06"  # dated by its name, in a folder


def test_templates_folder_named_by_the_vault_settings(vault: Path, invoke: Any) -> None:
    (vault / ".obsidian" / "templates.json").write_text('{"folder": "Concepts"}')
    result = invoke("entries", "--json", log=vault)
    assert "Concepts/" not in result.stdout and "Templates/Daily.md" in result.stdout


def test_links_command(vault: Path, vault_json: Callable[..., Any]) -> None:
    daily = _entry_id(vault_json, DAILY, 1)
    scaled = _entry_id(vault_json, "Concepts/Attention.md", 7)
    heads = _entry_id(vault_json, "Concepts/Attention.md", 17)
    momentum = _entry_id(vault_json, "Concepts/Optimisers.md", 3)
    warmup = _entry_id(vault_json, "Concepts/Optimisers.md", 7)
    reading = _entry_id(vault_json, "Reading list.md", 1)

    found = vault_json("links", daily[:6])
    outgoing = [(link["text"], link["entry"]) for link in found["outgoing"]]
    assert outgoing == [
        ("Attention", scaled),  # the file's first entry
        ("the attention page", scaled),
        ("Attention > Multi-head", heads),  # the entry that heading opens
        ("Attention", scaled),  # [[Attention#^scaling-fact]]: the entry holding the block
        ("self-attention", scaled),  # an alias from the front matter
        ("the optimiser notes", momentum),
        ("its momentum section", momentum),
        ("reading list", reading),  # `Reading%20list.md`
        ("Optimisers", momentum),  # ![[Optimisers]], an embed
    ]
    assert all(link["candidates"] == 2 for link in found["outgoing"][:4])  # Archive/ too
    assert [link["target"] for link in found["unresolved"]] == ["Positional encodings"]

    back = vault_json("links", warmup)
    assert [link["from"]["id"] for link in back["incoming"]] == [heads]
    assert vault_json("links", momentum)["incoming"][0]["from"]["id"] == daily

    dead = vault_json("links", "--unresolved")
    assert [(link["from"]["source"], link["target"]) for link in dead] == [
        (DAILY, "Positional encodings")
    ]


def test_entries_links_to_and_linked_from(vault_json: Callable[..., Any]) -> None:
    daily = _entry_id(vault_json, DAILY, 1)
    heads = _entry_id(vault_json, "Concepts/Attention.md", 17)
    warmup = _entry_id(vault_json, "Concepts/Optimisers.md", 7)
    assert [e["id"] for e in vault_json("entries", "--links-to", warmup)] == [heads]
    assert [e["id"] for e in vault_json("entries", "--links-to", heads)] == [daily]
    linked = {e["source"] for e in vault_json("entries", "--linked-from", daily[:5])}
    assert linked == {"Concepts/Attention.md", "Concepts/Optimisers.md", "Reading list.md"}


def test_links_follow_the_notes(vault: Path, vault_json: Callable[..., Any]) -> None:
    """A link resolves when its note appears, and leads nowhere again when it goes."""
    assert len(vault_json("links", "--unresolved")) == 1
    (vault / "Concepts" / "Positional encodings.md").write_text("# Positional encodings\n\nx\n")
    assert vault_json("links", "--unresolved") == []
    (vault / "Concepts" / "Positional encodings.md").unlink()
    assert len(vault_json("links", "--unresolved")) == 1


def test_links_follow_a_heading_renamed_in_their_target(
    vault: Path, vault_json: Callable[..., Any]
) -> None:
    """Only the file holding the heading changes: its links in are looked at again."""
    heads = _entry_id(vault_json, "Concepts/Attention.md", 17)
    warmup = _entry_id(vault_json, "Concepts/Optimisers.md", 7)
    assert vault_json("links", heads)["outgoing"][0]["entry"] == warmup
    target = vault / "Concepts" / "Optimisers.md"
    target.write_text(target.read_text().replace("## Warmup", "## Warm starts"))
    momentum = _entry_id(vault_json, "Concepts/Optimisers.md", 3)
    assert vault_json("links", heads)["outgoing"][0]["entry"] == momentum  # its first entry


def test_export_has_links_and_graph(
    vault_json: Callable[..., Any], invoke: Any, vault: Path
) -> None:
    import json

    data = json.loads(invoke("export", log=vault).stdout)
    assert data["tilbook_export"] == 1
    daily = next(e for e in data["entries"] if e["source"] == DAILY)
    assert daily["note_links"][0]["target"] == "Attention"
    assert daily["note_links"][0]["entry"] is not None
    nodes = {node["id"] for node in data["graph"]["nodes"]}
    edges = {(edge["from"], edge["to"]) for edge in data["graph"]["edges"]}
    assert daily["id"] in nodes
    assert all(a in nodes and b in nodes for a, b in edges)
    assert (daily["id"], daily["note_links"][0]["entry"]) in edges
    assert not any(e["to"] is None for e in data["graph"]["edges"])


def test_inspect_warns_of_a_name_that_fits_two_notes(vault: Path, invoke: Any) -> None:
    invoke("index", log=vault)
    result = invoke("inspect", str(vault / DAILY), log=vault)
    assert "[[Attention]] fits 2 notes" in " ".join(result.stdout.split())
    assert "[[self-attention]]" not in result.stdout  # an alias fits one


# -- the site and the web app -----------------------------------------------------------------


def _build(root: Path) -> Path:
    out = root / ".tilbook" / "site"
    store = open_store(root)
    try:
        sync(root, store, load_settings(root))
        build_site(root, store, out, SiteOptions(), pagefind=False)  # type: ignore[call-arg]
    finally:
        store.close()
    return out


def test_site_links_notes_and_shows_linked_from(vault: Path) -> None:
    out = _build(vault)
    pages = {p.relative_to(out).as_posix(): p.read_text() for p in out.rglob("index.html")}
    daily = next(text for name, text in pages.items() if name.startswith("2024/05/06/"))
    body = daily.split('<div class="entry-body">', 1)[1].split("</div>", 1)[0]
    assert ">Attention &gt; Multi-head</a>" in body
    assert 'href="../../../../notes/multi-head/index.html"' in body
    assert '<a class="unresolved">Positional encodings</a>' in body
    assert "[[" not in body
    assert '<a class="embed" href="../../../../notes/momentum/index.html">Optimisers</a>' in body
    heads = pages["notes/multi-head/index.html"]
    linked = heads.split('id="linked-from"', 1)[1].split("</aside>", 1)[0]
    assert "Linked from" in linked and 'href="../../2024/05/06/' in linked
    warmup = pages["notes/warmup/index.html"]
    assert (
        'href="../../notes/multi-head/index.html">Multi-head</a>'
        in warmup.split('id="linked-from"', 1)[1]
    )
    assert 'id="linked-from"' not in pages["notes/attention-first-attempt/index.html"]
    # The link neighbourhood: the daily note links here, this links to Warmup.
    drawn = heads.split('<svg class="link-map"', 1)[1].split("</svg>", 1)[0]
    assert 'href="../../2024/05/06/' in drawn and 'href="../../notes/warmup/index.html"' in drawn
    assert "link-map" not in pages["notes/attention-first-attempt/index.html"]


def test_link_map_svg() -> None:
    import xml.etree.ElementTree as ElementTree

    from tilbook.render.linkmap import MAX_SIDE, link_map_svg

    incoming = [(f"Entry <{n}> with a rather long title", f"e{n}/") for n in range(MAX_SIDE + 3)]
    svg = link_map_svg("Here & now", incoming, [("Next", "next/")])
    root = ElementTree.fromstring(svg)  # well-formed, text escaped
    links = list(root.iter("{http://www.w3.org/2000/svg}a"))
    assert len(links) == MAX_SIDE + 1
    assert "+3 more" in svg and "Here &amp; now" in svg
    assert svg.count("<line ") == MAX_SIDE + 1


def test_site_body_follows_a_new_target(vault: Path) -> None:
    """A body is rendered again when where its links lead changes (not its own text)."""
    out = _build(vault)
    (vault / "Positional encodings.md").write_text("# Positional encodings\n\nSines.\n")
    out = _build(vault)
    daily = next(out.glob("2024/05/06/*/index.html")).read_text()
    assert '<a class="unresolved">Positional encodings</a>' not in daily
    assert 'notes/positional-encodings/index.html" rel="noopener noreferrer">Positional' in daily


def test_unresolved_link_renders_as_marked_text() -> None:
    html = render_markdown("See [[Nowhere]].", local_url=lambda url, image: None).html
    assert html.strip() == '<p>See <a class="unresolved">Nowhere</a>.</p>'


def test_web_app_entry_page_links_notes(vault: Path) -> None:
    from starlette.testclient import TestClient

    from tilbook.webapp.app import create_app

    store = open_store(vault)
    try:
        sync(vault, store, load_settings(vault))
    finally:
        store.close()
    client = TestClient(create_app(vault, watch=False), base_url="http://127.0.0.1:8000")
    page = client.get("/notes/multi-head/").text
    assert 'id="linked-from"' in page and 'href="/2024/05/06/' in page
    daily = client.get(next(iter(re.findall(r'href="(/2024/05/06/[^"]+)"', page)))).text
    assert 'href="/notes/multi-head/" rel="noopener noreferrer">Attention &gt; Multi-head' in daily
    assert '<a class="unresolved">Positional encodings</a>' in daily
    assert '<svg class="link-map"' in daily
