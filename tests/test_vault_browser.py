"""The fixture vault's site in a real headless Chromium: callouts, highlights, embeds and
backlinks as the browser builds them, not only as the HTML text says."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest

from chromium import chromium, dump_dom
from tilbook.indexing import sync
from tilbook.settings import load_settings
from tilbook.staticsite import SiteOptions, build_site
from tilbook.store import open_store

VAULT = Path(__file__).resolve().parent / "fixtures" / "vault"


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("vault-browser") / "vault"
    shutil.copytree(VAULT, root)
    store = open_store(root)
    try:
        sync(root, store, load_settings(root))
        build_site(root, store, root / "site", SiteOptions(), pagefind=False)
    finally:
        store.close()
    return root / "site"


def _text(html: str) -> str:
    return " ".join(re.sub(r"<[^>]+>", " ", html).split())


def test_callouts_highlights_and_backlinks_in_chromium(site: Path, tmp_path: Path) -> None:
    chromium()
    dom = dump_dom(site / "notes/scaled-dot-product/index.html", tmp_path / "profile")
    callout = re.search(r'<div class="callout callout-note">(.*?)</div>', dom, re.S)
    assert callout is not None and "Why the square root" in _text(callout.group(1))
    assert "[!note]" not in dom  # the marker is the callout's kind, never its text
    assert re.search(r"<mark>from saturating the softmax</mark>", dom)
    linked = re.search(r"Linked from</h2>(.*?)</ul>", dom, re.S)
    assert linked is not None and "Worked through Attention" in _text(linked.group(1))

    folded = dump_dom(site / "notes/multi-head/index.html", tmp_path / "profile")
    assert re.search(r'<details class="callout callout-tip">', folded)
    assert '<details class="callout callout-tip" open' not in folded  # `[!tip]-` starts folded


def test_note_embed_shows_the_embedded_text_once_in_chromium(site: Path, tmp_path: Path) -> None:
    chromium()
    day = next(site.glob("2024/05/06/*/index.html"))
    dom = dump_dom(day, tmp_path / "profile")
    embeds = re.findall(r'<div class="embed">(.*?)</div>', dom, re.S)
    assert len(embeds) == 1
    shown = _text(embeds[0])
    assert shown.startswith("Optimisers")  # the embed's title links to the note
    assert len(shown.split()) > 3  # and the note's own text follows it
    assert "![[" not in dom and "[[" not in _text(dom)
