"""The built sample site in a real headless Chromium: screenshots, search, JavaScript off.

Set TILBOOK_SCREENSHOTS=DIR to keep the screenshots for a look.
"""

from __future__ import annotations

import os
import re
import shutil
import struct
from pathlib import Path

import pytest

from chromium import chromium, dump_dom, screenshot
from tilbook.indexing import sync
from tilbook.settings import load_settings
from tilbook.staticsite import SiteOptions, build_site
from tilbook.store import open_store

REPO = Path(__file__).resolve().parent.parent
ENTRY_WITH_MATH_AND_CODE = "2024/06/02/rlhf-in-one-page/index.html"
SHOTS = [
    ("home-desktop", "index.html", 1280, 900),
    ("home-phone", "index.html", 390, 844),
    ("entry-desktop", ENTRY_WITH_MATH_AND_CODE, 1280, 900),
    ("entry-phone", ENTRY_WITH_MATH_AND_CODE, 390, 844),
    ("tag-desktop", "tags/diffusion/index.html", 1280, 900),
]


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("browser") / "log"
    shutil.copytree(REPO / "sample-log", root)
    store = open_store(root)
    try:
        sync(root, store, load_settings(root))
        build_site(root, store, root / "site", SiteOptions(), pagefind=False)
    finally:
        store.close()
    return root / "site"


def _png_size(path: Path) -> tuple[int, int]:
    data = path.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n", f"{path} is not a PNG"
    width, height = struct.unpack(">II", data[16:24])
    return width, height


def test_screenshots(site: Path, tmp_path: Path) -> None:
    chromium()
    page = (site / ENTRY_WITH_MATH_AND_CODE).read_text("utf-8")
    assert "<math" in page and '<pre class="highlight"' in page
    keep = os.environ.get("TILBOOK_SCREENSHOTS")
    for name, relative, width, height in SHOTS:
        target = tmp_path / f"{name}.png"
        screenshot(
            (site / relative).as_uri(), target, tmp_path / "profile", width=width, height=height
        )
        assert target.is_file(), name
        assert _png_size(target) == (width, height)
        # A blank page compresses to almost nothing; a rendered one does not.
        assert target.stat().st_size > 15_000, f"{name} looks empty"
        if keep:
            Path(keep).mkdir(parents=True, exist_ok=True)
            shutil.copyfile(target, Path(keep) / target.name)


def test_builtin_search_works_from_file_urls(site: Path, tmp_path: Path) -> None:
    chromium()
    page = site / "search" / "index.html"
    # dump_dom takes a path; a query string needs the URL, so write a tiny redirect page.
    hop = site / "search" / "query-test.html"
    hop.write_text(
        '<!DOCTYPE html><meta charset="utf-8"><title>q</title>'
        '<script>location.replace("index.html?q=diffusion%20guidance")</script>',
        encoding="utf-8",
    )
    try:
        dom = dump_dom(hop, tmp_path / "profile", budget_ms=3000)
    finally:
        hop.unlink()
    assert page.is_file()
    results = re.search(r'<ol id="search-results" class="rows">(.*?)</ol>', dom, re.DOTALL)
    assert results is not None, dom[-1500:]
    items = re.findall(r"<li>.*?</li>", results.group(1), re.DOTALL)
    assert items, "the built-in search found nothing for 'diffusion guidance'"
    assert any("Classifier-free guidance" in item for item in items)
    assert all('href="../' in item and 'index.html"' in item for item in items)
    assert re.search(r'id="search-status"[^>]*>\d+ matching entr', dom)


def test_pages_need_no_javascript(site: Path) -> None:
    # Only the search page has scripts: every other page is complete without them, so
    # what the screenshots show is what a reader with JavaScript off sees.
    pages = [p for p in site.rglob("index.html") if "search" not in p.relative_to(site).parts]
    assert len(pages) > 50
    for page in pages:
        assert "<script" not in page.read_text("utf-8"), page
    search = (site / "search" / "index.html").read_text("utf-8")
    assert "<noscript>" in search


def test_pagefind_answers_over_http(tmp_path: Path) -> None:
    from tilbook.staticsite import pagefind_executable

    chromium()
    if pagefind_executable() is None:
        pytest.skip("Pagefind is not installed (pip install 'pagefind[bin]')")
    import functools
    import http.server
    import threading

    root = tmp_path / "log"
    shutil.copytree(REPO / "sample-log", root)
    store = open_store(root)
    try:
        sync(root, store, load_settings(root))
        report = build_site(root, store, root / "site", SiteOptions(), pagefind=True)
    finally:
        store.close()
    assert report.pagefind == "indexed", report.pagefind

    class Quiet(http.server.SimpleHTTPRequestHandler):
        def log_message(self, format: str, *args: object) -> None:
            pass

    handler = functools.partial(Quiet, directory=str(root / "site"))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    from chromium import run

    url = f"http://127.0.0.1:{server.server_address[1]}/search/index.html?q=guidance"
    found = ""
    try:
        # Pagefind loads WebAssembly and its index asynchronously; headless Chromium's
        # virtual time sometimes dumps the page before the answer is in: try again.
        for attempt in range(4):
            done = run(
                ["--virtual-time-budget=30000", "--dump-dom", url],
                tmp_path / f"profile-{attempt}",
                timeout=90,
            )
            results = re.search(
                r'<ol id="search-results" class="rows">(.*?)</ol>', done.stdout, re.S
            )
            found = results.group(1) if results else ""
            if 'href="/' in found:  # Pagefind's answer (the built-in one links relatively)
                break
    finally:
        server.shutdown()
        server.server_close()
    assert "<li>" in found, done.stdout[-1500:]
    # Pagefind's results carry its excerpts of the whole page text.
    assert 'href="/2024/04/22/classifier-free-guidance/"' in found
