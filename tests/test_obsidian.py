"""Obsidian's own Markdown: comments (`%% … %%`) never indexed nor published, highlights
(`==words==`) and callouts (`> [!note] Title`, foldable `[!tip]-`) rendered, in the
reader, the renderer and the site built from `tests/fixtures/vault/`."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from tilbook.indexing import sync
from tilbook.notes.files import source_from_text
from tilbook.parse.blocks import without_comments
from tilbook.reading import parse_source
from tilbook.render.html import render_markdown
from tilbook.settings import load_settings
from tilbook.staticsite.build import build_site
from tilbook.staticsite.generator import SiteOptions
from tilbook.store import open_store

VAULT = Path(__file__).parent / "fixtures" / "vault"


def test_comments_keep_line_numbers_and_code() -> None:
    text = "one %% aside %% two\nthree %% spans\nlines %% four\n`%%timeit` %% gone %%\n"
    assert without_comments(text) == "one  two\nthree \n four\n`%%timeit` \n"
    fenced = "```python\n%%timeit\nsum(x)\n```\n%%hidden%%shown\n"
    assert without_comments(fenced) == "```python\n%%timeit\nsum(x)\n```\nshown\n"
    assert without_comments("a 50%% rise\n") == "a 50%% rise\n"  # never closed: text


def test_comments_are_not_indexed() -> None:
    parsed = parse_source(
        source_from_text(
            "log.md",
            "## 2024-05-01\n\nVisible words. %% secret plan %%\n\n%%\nhidden block\n%%\n\n"
            "## 2024-05-02\n\nNext day.\n",
        )
    )
    first, second = parsed.entries
    assert "secret" not in first.body and "hidden" not in first.body
    assert "Visible words." in first.body
    assert (second.line, second.date) == (9, "2024-05-02")  # lines as written


def test_callout_marker_is_not_part_of_the_text() -> None:
    parsed = parse_source(
        source_from_text("n.md", "## Notes\n\n> [!note] Why it works\n> The scale keeps it sane.\n")
    )
    (entry,) = parsed.entries
    assert "[!note]" not in entry.body and "Why it works" in entry.body


def test_highlights() -> None:
    html = render_markdown("a ==key idea== and `==code==` and $x==y$ and == loose ==").html
    assert "<mark>key idea</mark>" in html
    assert "<code>==code==</code>" in html
    assert "== loose ==" in html


def test_block_ids_are_not_text_but_links_still_reach_them() -> None:
    text = (
        "## 2024-07-08\n\nPre-norm trains more stably. ^prenorm\n\n"
        "| batch | lr |\n|---|---|\n| 256 | 0.1 |\n\n^table-lr\n\n"
        "A power in math stays: $x ^2$\n"
    )
    (entry,) = parse_source(source_from_text("n.md", text)).entries
    assert "prenorm" not in entry.body and "table-lr" not in entry.body
    assert "Pre-norm trains more stably." in entry.body
    assert entry.body.rstrip().endswith("x ^2")
    assert entry.anchors == ["2024-07-08", "^prenorm", "^table-lr"]


@pytest.mark.parametrize(
    ("markdown", "html"),
    [
        ("Pre-norm is stabler. ^prenorm", "<p>Pre-norm is stabler.</p>"),
        ("| a |\n|---|\n| 1 |\n\n^table-1", "<td>1</td></tr>\n</tbody></table>\n"),
        ("- one ^i-1\n- two\n  - nested ^deep", "<li>one</li>\n<li>two\n<ul>\n<li>nested</li>"),
        ("> quoted ^q1", "<p>quoted</p>"),
        ("`code ^abc`", "<code>code ^abc</code>"),
        ("```\nx ^abc\n```", "x ^abc\n</code>"),
        ("a ^b and more", "<p>a ^b and more</p>"),
        ("**bold**^x", "<strong>bold</strong>^x"),
        ("one ^mid\ntwo ^end", "<p>one ^mid\ntwo</p>"),
    ],
)
def test_block_ids_are_hidden_where_they_end_a_block(markdown: str, html: str) -> None:
    rendered = render_markdown(markdown).html
    assert html in rendered
    assert "<p></p>" not in rendered


def test_callouts() -> None:
    html = render_markdown("> [!note] Why\n> body\n\n> plain").html
    assert html.startswith(
        '<div class="callout callout-note"><p class="callout-title">Why</p><p>body</p>'
    )
    assert "<blockquote>\n<p>plain</p>\n</blockquote>" in html
    folded = render_markdown("> [!Tip]- Hidden hint\n>\n> - item").html
    assert folded.startswith(
        '<details class="callout callout-tip"><summary class="callout-title">Hidden hint'
    )
    assert folded.rstrip().endswith("</details>")
    assert (
        ' open><summary class="callout-title">Faq</summary>'
        in render_markdown("> [!faq]+\n> q").html
    )
    alert = render_markdown("> [!WARNING]\n> Careful").html
    assert '<div class="callout callout-warning"><p class="callout-title">Warning</p>' in alert
    nested = render_markdown("> [!info] Outer\n> text\n> > [!tip] Inner\n> > more\n").html
    assert nested.count("<div") == nested.count("</div>") == 2
    assert "<blockquote" not in nested


def test_vault_site_shows_callouts_and_highlights_never_comments(
    tmp_path: Path, invoke_json: Callable[..., Any]
) -> None:
    root = tmp_path / "vault"
    shutil.copytree(VAULT, root)
    assert invoke_json("search", "redraw", log=root) == []  # said only in a comment
    assert invoke_json("search", "study group", log=root) == []
    out = root / ".tilbook" / "site"
    store = open_store(root)
    try:
        sync(root, store, load_settings(root))
        build_site(root, store, out, SiteOptions(), pagefind=False)  # type: ignore[call-arg]
    finally:
        store.close()
    everything = "".join(page.read_text() for page in out.rglob("*.html"))
    assert "redraw" not in everything and "study group" not in everything
    scaled = (out / "notes" / "scaled-dot-product" / "index.html").read_text()
    assert "<mark>from saturating the softmax</mark>" in scaled
    assert '<div class="callout callout-note"><p class="callout-title">Why the square root' in (
        scaled
    )
    heads = (out / "notes" / "multi-head" / "index.html").read_text()
    assert '<details class="callout callout-tip"><summary class="callout-title">Folded hint' in (
        heads
    )
    css = (out / "assets" / "style.css").read_text()
    assert ".callout" in css and "a.unresolved" in css


def test_tasks_due_dates_in_the_agenda(tmp_path: Path, invoke_json: Callable[..., Any]) -> None:
    root = tmp_path / "vault"
    shutil.copytree(VAULT, root)
    due = invoke_json("todo", "--due", log=root)
    assert [(item["text"][:12], item["due"]) for item in due] == [
        ("Redo the att", "2024-05-13"),
        ("Write up the", "2999-01-31"),
    ]
    overdue = invoke_json("todo", "--overdue", log=root)
    assert [item["due"] for item in overdue] == ["2024-05-13"]
    overdue_all = invoke_json("todo", "--overdue", "--all", log=root)
    assert [item["due"] for item in overdue_all] == ["2024-05-13"]  # a done one is not late
    every = invoke_json("todo", log=root)
    assert {item["due"] for item in every} == {"2024-05-13", "2999-01-31", None}
