"""XSS payloads in notes never run: built pages are loaded in a real headless Chromium.

Every payload, if it ran, would mark the page (`data-pwned` on <html>, or the
title). Each page's DOM after load (and timers) is then checked for that mark,
and for anything that could run a script later: event-handler attributes,
`javascript:`/`data:` URLs, script elements other than the site's own, frames,
objects, forms, `<base>` and `<meta http-equiv>`.
"""

from __future__ import annotations

import html
import re
from html.parser import HTMLParser
from pathlib import Path

import pytest

from chromium import chromium, dump_dom
from tilbook.indexing import sync
from tilbook.render.html import render_markdown
from tilbook.settings import load_settings
from tilbook.staticsite import SiteOptions, build_site
from tilbook.store import open_store

RUN = "document.documentElement.setAttribute('data-pwned','yes')"
"""What every payload does when it runs."""

PAYLOADS = [
    f"<script>{RUN}</script>",
    f'<img src="x" onerror="{RUN}">',
    f'<svg onload="{RUN}"><circle r="4"/></svg>',
    f"<svg><script>{RUN}</script></svg>",
    f'<iframe src="javascript:parent.{RUN}"></iframe>',
    f'<iframe srcdoc="<script>parent.{RUN}</script>"></iframe>',
    f'<a href="javascript:{RUN}">plain javascript link</a>',
    f'<a href="jav&#x09;ascript:{RUN}">tab-split javascript link</a>',
    f"[markdown javascript link](javascript:{RUN})",
    f"![markdown javascript image](javascript:{RUN})",
    f'<a href="data:text/html,<script>{RUN}</script>">data link</a>',
    f"<img src=\"data:image/svg+xml,<svg onload='{RUN}'/>\">",
    f'<object data="data:text/html,<script>{RUN}</script>"></object>',
    f'<embed src="javascript:{RUN}">',
    f'<details open ontoggle="{RUN}"><summary>s</summary>d</details>',
    f'<input autofocus onfocus="{RUN}">',
    f'<video><source onerror="{RUN}"></video>',
    f'<div style="background:url(javascript:{RUN})" onclick="{RUN}">styled</div>',
    f'<form action="javascript:{RUN}"><button formaction="javascript:{RUN}">b</button></form>',
    f'<meta http-equiv="refresh" content="0;url=javascript:{RUN}">',
    f'<base href="javascript:{RUN}//">',
    f"<style>body{{background:url('javascript:{RUN}')}}</style>",
    f'<noscript><p title="</noscript><img src=x onerror={RUN}>"></p></noscript>',
    f"<math><mtext><script>{RUN}</script></mtext></math>",
    f'<math><mtext><table><mglyph><style><img src=x onerror="{RUN}">',
    f"Inline math $\\text{{<script>{RUN}</script>}}$ and $\\href{{javascript:{RUN}}}{{x}}$.",
    f"$$\\text{{<img src=x onerror={RUN}>}}$$",
    f"Inline code `<script>{RUN}</script>` stays text.",
    f'[quote-breaking link](https://example.org/"onmouseover="{RUN})',
    f'<a href="https://example.org" onmouseover="{RUN}">hover</a>',
    f'<body onload="{RUN}">',
    f"<template><script>{RUN}</script></template>",
    f'<img src=x alt="&quot; onerror=&quot;{RUN}">',
]

NOTE = "\n\n".join(
    [
        "## 2024-03-01 Payloads in prose",
        *(
            f"## 2024-03-01 Payload {number}\n\n{payload}"
            for number, payload in enumerate(PAYLOADS)
        ),
        "## 2024-03-01 Payloads in code",
        f"```html\n</code></pre><script>{RUN}</script>\n```",
        f'```\n</pre><img src=x onerror="{RUN}">\n```',
        f'A footnote[^x].\n\n[^x]: <img src=x onerror="{RUN}"> in a footnote.',
        f'## 2024-03-02 <img src=x onerror="{RUN}"> heading <script>{RUN}</script>',
        f"(#Tag) #Research <script>{RUN}</script> with tags",
        f'### sub <svg onload="{RUN}">\n\ntext\n\n### sub 2\n\n### sub 3',
        "## Terms",
        f'- <img src=x onerror="{RUN}">Term: a definition <script>{RUN}</script>',
        f'- Logit: [paper <img src=x onerror="{RUN}">](https://arxiv.org/abs/2106.09685)',
    ]
)

FRONT = (
    "---\n"
    f'title: "<script>{RUN}</script> Note title"\n'
    f'tags: ["<img src=x onerror={RUN}>", "x\\"><script>{RUN}</script>"]\n'
    "date: 2024-04-01\n"
    "---\n\n"
    f"Single note body <script>{RUN}</script>.\n"
)

CATEGORY = (
    f'##### <img src=x onerror="{RUN}"> Category\n*2024.02.05*\n\n'
    f'Text of a category entry <b onmouseover="{RUN}">bold</b>.\n\n'
    f"##### 🤖 Other <script>{RUN}</script>\n*2024.02.06*\n\nMore text.\n"
)

TARGETS = (
    "# Journal\n\n## Learning targets\n\n"
    f'- #GenAI: <img src=x onerror="{RUN}"> targets too\n\n'
    f"## 2024-01-01\n\nFirst day <script>{RUN}</script>.\n\n## 2024-01-02\n\nSecond day.\n"
)


class _Audit(HTMLParser):
    BAD_TAGS = frozenset({"iframe", "object", "embed", "form", "base", "frame", "frameset"})
    URL_ATTRS = frozenset({"href", "src", "action", "formaction", "data", "srcdoc", "xlink:href"})

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.problems: list[str] = []
        self.pwned = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        if tag == "html" and "data-pwned" in values:
            self.pwned = True
        ours = tag == "form" and re.search(r"search/(index\.html)?$", values.get("action") or "")
        if tag in self.BAD_TAGS and not ours:
            self.problems.append(f"<{tag}>")
        if tag == "meta" and "http-equiv" in values:
            self.problems.append("<meta http-equiv>")
        if tag == "script":
            src = values.get("src") or ""
            if not re.search(r"assets/search(-index)?\.js$", src):
                self.problems.append(f"<script src={src!r}>")
        for name, value in attrs:
            if name.startswith("on"):
                self.problems.append(f"<{tag} {name}>")
            if name in self.URL_ATTRS and value is not None:
                compact = re.sub(r"[\x00-\x20]", "", value).lower()
                if compact.startswith(("javascript:", "data:", "vbscript:")):
                    self.problems.append(f"<{tag} {name}={value[:40]!r}>")
            if name == "style":
                self.problems.append(f"<{tag} style>")


@pytest.fixture(scope="module")
def xss_site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("xss")
    (root / "payloads.md").write_text(NOTE, encoding="utf-8")
    (root / "notes").mkdir()
    (root / "notes" / "2024-04-01-front.md").write_text(FRONT, encoding="utf-8")
    (root / "til.md").write_text(CATEGORY, encoding="utf-8")
    (root / "journal.md").write_text(TARGETS, encoding="utf-8")
    store = open_store(root)
    try:
        sync(root, store, load_settings(root))
        build_site(
            root,
            store,
            root / ".tilbook" / "site",
            SiteOptions(title="<script>alert(1)</script>", include_private=True),
            pagefind=False,
        )
    finally:
        store.close()
    return root / ".tilbook" / "site"


def test_static_output_has_nothing_that_can_run(xss_site: Path) -> None:
    for page in sorted(xss_site.rglob("*.html")):
        audit = _Audit()
        audit.feed(page.read_text(encoding="utf-8"))
        assert not audit.problems, f"{page.relative_to(xss_site)}: {audit.problems}"


def test_no_payload_runs_in_chromium(xss_site: Path, tmp_path: Path) -> None:
    chromium()
    pages = sorted(xss_site.rglob("*.html"))
    assert len(pages) > 10
    # One browser for every page: a harness loads each page in a frame and, once they
    # have all loaded (and their timers run), copies each frame's DOM out as text.
    harness = xss_site / "harness-test.html"
    frames = "".join(
        f'<iframe src="{page.relative_to(xss_site).as_posix()}"></iframe>' for page in pages
    )
    harness.write_text(
        "<!DOCTYPE html><html><head><title>harness</title></head><body>"
        + frames
        + "<script>window.addEventListener('load', function () { setTimeout(function () {"
        "var frames = document.querySelectorAll('iframe');"
        "for (var i = 0; i < frames.length; i++) { var pre = document.createElement('pre');"
        "pre.className = 'dom'; pre.textContent = frames[i].contentDocument ? "
        "frames[i].contentDocument.documentElement.outerHTML : 'NO ACCESS';"
        "document.body.appendChild(pre); } }, 500); });</script></body></html>",
        encoding="utf-8",
    )
    try:
        dom = dump_dom(harness, tmp_path / "profile", budget_ms=4000, file_access=True)
    finally:
        harness.unlink()
    assert "data-pwned" not in dom.split("<body", 1)[0], "a payload reached the harness"
    dumps = [
        html.unescape(match)
        for match in re.findall(r'<pre class="dom">(.*?)</pre>', dom, re.DOTALL)
    ]
    assert len(dumps) == len(pages), dom[-2000:]
    for page, page_dom in zip(pages, dumps, strict=True):
        where = page.relative_to(xss_site)
        assert "<body" in page_dom, f"{where}: Chromium did not load the page"
        audit = _Audit()
        audit.feed(page_dom)
        assert not audit.pwned, f"{where}: a payload ran"
        assert not audit.problems, f"{where}: {audit.problems}"
    # The payloads reached the pages as text, so the checks above looked at them.
    entry = next(d for p, d in zip(pages, dumps, strict=True) if "payloads-in-code" in str(p))
    assert "onerror" in entry and "&lt;script&gt;" in entry


@pytest.mark.parametrize("payload", PAYLOADS)
def test_renderer_output_is_inert(payload: str) -> None:
    html = render_markdown(payload).html
    audit = _Audit()
    audit.feed(html)
    assert not audit.problems, html


def test_harmless_formatting_survives() -> None:
    html = render_markdown(
        "<u>under</u> x<sup>2</sup> H<sub>2</sub>O <details><summary>more</summary>hidden"
        "</details> <kbd>Ctrl</kbd> <mark>marked</mark>"
    ).html
    for tag in ("<u>", "<sup>", "<sub>", "<details>", "<summary>", "<kbd>", "<mark>"):
        assert tag in html
