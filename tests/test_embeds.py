"""Embeds (`![[…]]`) in the site and the web app: an attachment shown as an image (found
as Obsidian finds it), a note or one of its sections shown inside the page, each once."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from tilbook.indexing import sync
from tilbook.settings import load_settings
from tilbook.staticsite.build import build_site
from tilbook.staticsite.generator import SiteOptions
from tilbook.store import open_store

PNG = bytes.fromhex(
    "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
    "1f15c4890000000d49444154789c6360000002000001e221bc330000000049454e44ae426082"
)


@pytest.fixture
def vault(tmp_path: Path) -> Path:
    root = tmp_path / "vault"
    files = {
        "Journal/2024-05-06.md": "Worked on descent today.\n\n![[curve.png]]\n\n"
        "![[Gradient descent]]\n\n![[Optimisers#Momentum]]\n\n![[Nowhere to be found]]\n",
        "Concepts/Gradient descent.md": "# Gradient descent\n\nStep downhill along the slope.\n",
        "Concepts/Optimisers.md": "# Optimisers\n\nWhy they matter.\n\n## Momentum\n\n"
        "Keeps a running velocity.\n\n### Nesterov\n\nLooks ahead first.\n\n#### In practice\n\n"
        "A small change.\n\n### Heavy ball\n\nThe classic form.\n\n## Adam\n\n"
        "Scales by moments.\n",
        "Loops/First.md": "# First\n\nWords of the first.\n\n![[Second]]\n",
        "Loops/Second.md": "# Second\n\nWords of the second.\n\n![[First]]\n",
        "Loops/Mirror.md": "# Mirror\n\nWords of the mirror.\n\n![[Mirror]]\n",
        "Loops/Ahead.md": "# Ahead\n\nOnly the look-ahead.\n\n![[Optimisers#Nesterov]]\n",
        "Concepts/Facts.md": "# Facts\n\nA first fact, not wanted.\n\n"
        "The learning rate matters most. ^lr-fact\n\n- an item, not wanted\n"
        "- warm-up helps early ^warmup\n",
        "Journal/Quoting.md": "# Quoting\n\nCited below.\n\n![[Facts#^lr-fact]]\n\n"
        "![[Facts#^warmup]]\n",
    }
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    (root / ".obsidian").mkdir()
    (root / "Assets").mkdir()
    (root / "Assets" / "curve.png").write_bytes(PNG)  # not in the note's folder: found by name
    return root


def _index(root: Path) -> None:
    store = open_store(root)
    try:
        sync(root, store, load_settings(root))
    finally:
        store.close()


def _build(root: Path) -> Path:
    out = root / ".tilbook" / "site"
    store = open_store(root)
    try:
        sync(root, store, load_settings(root))
        build_site(root, store, out, SiteOptions(), pagefind=False)  # type: ignore[call-arg]
    finally:
        store.close()
    return out


def _pages(out: Path) -> dict[str, str]:
    return {p.relative_to(out).as_posix(): p.read_text() for p in out.rglob("index.html")}


def _page_with(pages: dict[str, str], words: str) -> str:
    """The entry page whose own text holds `words`."""
    body = '<div class="entry-body">'
    return next(
        text
        for text in pages.values()
        if body in text and words in text.split(body)[1].split('<div class="embed">')[0]
    )


def _check_daily(daily: str, media: str) -> None:
    body = daily.split('<div class="entry-body">', 1)[1].split("<footer", 1)[0]
    assert f'<img src="{media}Assets/curve.png" alt="curve.png">' in body
    # A whole note, shown once in its block with a link to its page.
    assert body.count('<div class="embed">') == 2
    assert body.count("Step downhill along the slope.") == 1
    shown = body.split("Step downhill", 1)[0].rsplit('<div class="embed">', 1)[1]
    assert 'class="embed"' in shown and "gradient-descent" in shown
    # A heading: that section only (its sub-sections included), not the rest of the note.
    assert "Keeps a running velocity." in body and "Looks ahead first." in body
    assert "Scales by moments." not in body and "Why they matter." not in body
    # A note that is not there stays a marked, unlinked name.
    assert '<a class="unresolved">Nowhere to be found</a>' in body


def test_site_shows_embedded_images_and_notes(vault: Path) -> None:
    out = _build(vault)
    pages = _pages(out)
    daily = _page_with(pages, "Worked on descent today.")
    _check_daily(daily, "../../../../media/")
    assert (out / "media" / "Assets" / "curve.png").read_bytes() == PNG


def test_embed_loops_are_shown_once(vault: Path) -> None:
    pages = _pages(_build(vault))
    first = _page_with(pages, "Words of the first.")
    body = first.split('<div class="entry-body">', 1)[1].split("<footer", 1)[0]
    assert body.count('<div class="embed">') == 1
    assert body.count("Words of the second.") == 1
    assert body.count("Words of the first.") == 1  # the second's own embed is a link
    inner = body.split('<div class="embed">', 1)[1]
    assert re.search(r'<a class="embed" href="[^"]*first/index.html">First</a>', inner)
    mirror = _page_with(pages, "Words of the mirror.")
    body = mirror.split('<div class="entry-body">', 1)[1].split("<footer", 1)[0]
    assert body.count('<div class="embed">') == 1
    assert body.count("Words of the mirror.") == 2  # its own text, then once embedded


def test_embedded_heading_inside_an_entry_shows_its_section(vault: Path) -> None:
    ahead = _page_with(_pages(_build(vault)), "Only the look-ahead.")
    body = ahead.split('<div class="entry-body">', 1)[1].split("<footer", 1)[0]
    assert "Looks ahead first." in body and "Keeps a running velocity." not in body
    assert "A small change." in body and "The classic form." not in body
    assert 'href="../../notes/momentum/index.html"' in body
    assert ">Optimisers &gt; Nesterov</a>" in body  # the embed's title, as Obsidian shows it


def test_embedded_block_shows_only_that_block(vault: Path) -> None:
    quoting = _page_with(_pages(_build(vault)), "Cited below.")
    body = quoting.split('<div class="entry-body">', 1)[1].split("<footer", 1)[0]
    assert body.count('<div class="embed">') == 2
    assert "The learning rate matters most." in body and "warm-up helps early" in body
    assert "not wanted" not in body
    assert "^lr-fact" not in body and "^warmup" not in body
    assert re.search(r'<a class="embed" href="[^"]*facts/index.html">Facts</a>', body)


def test_page_is_rebuilt_when_an_embedded_note_changes(vault: Path) -> None:
    _build(vault)
    note = vault / "Concepts" / "Gradient descent.md"
    note.write_text("# Gradient descent\n\nFollow the negative gradient.\n")
    daily = _page_with(_pages(_build(vault)), "Worked on descent today.")
    assert "Follow the negative gradient." in daily
    assert "Step downhill" not in daily
    # The embedding page changes, the embedded note does not: its text is still shown.
    (vault / "Journal" / "2024-05-06.md").write_text(
        "Worked on descent again.\n\n![[Gradient descent]]\n"
    )
    daily = _page_with(_pages(_build(vault)), "Worked on descent again.")
    assert "Follow the negative gradient." in daily


def test_web_app_shows_embedded_images_and_notes(vault: Path) -> None:
    from starlette.testclient import TestClient

    from tilbook.webapp.app import create_app

    _index(vault)
    client = TestClient(create_app(vault, watch=False), base_url="http://127.0.0.1:8000")
    first = client.get("/notes/first/").text  # before any page shows the note it embeds
    assert first.count('<div class="embed">') == 1 and first.count("Words of the first.") == 1
    assert "Words of the second." in first
    home = client.get("/notes/gradient-descent/").text
    daily_url = next(iter(re.findall(r'href="(/2024/05/06/[^"]+)"', home)))
    daily = client.get(daily_url).text
    _check_daily(daily, "/media/")
    image = client.get("/media/Assets/curve.png")
    assert image.status_code == 200 and image.content == PNG
