"""The renderer shared by the static site and the web app: Markdown → safe HTML."""

from __future__ import annotations

from pathlib import Path

import pytest

from tilbook.reading import inspect_file
from tilbook.render.html import entry_body, render_markdown, slugify, tex_to_mathml


def test_math_becomes_mathml() -> None:
    html = render_markdown("Inline $a^2 + b^2$ and\n\n$$\\frac{1}{n}\\sum_i x_i$$\n").html
    assert '<math display="inline">' in html
    assert '<math display="block">' in html
    assert "<mfrac>" in html and "<msup>" in html
    assert "$" not in html


def test_math_that_does_not_convert_is_escaped_tex() -> None:
    rendered = render_markdown("Broken $x < \\sqrt$ here.")
    assert "<math" not in rendered.html
    assert '<code class="math-source">$x &lt; \\sqrt$</code>' in rendered.html
    assert rendered.math_errors == ["x < \\sqrt"]


def test_mathml_is_rebuilt_from_an_allowlist() -> None:
    # latex2mathml passes \text{} through and keeps \href targets; neither survives.
    with pytest.raises(ValueError, match="script"):
        tex_to_mathml("\\text{<script>alert(1)</script>}")
    assert "href" not in tex_to_mathml("\\href{javascript:alert(1)}{x}")


def test_code_is_highlighted() -> None:
    html = render_markdown("```python\ndef f(x):\n    return x < 1\n```\n").html
    assert '<pre class="highlight" data-lang="python"><code>' in html
    assert '<span class="k">def</span>' in html
    assert "&lt;" in html


def test_unknown_language_stays_plain() -> None:
    html = render_markdown("```nosuchlang\n<b>x</b>\n```\n").html
    assert '<pre class="code" data-lang="nosuchlang"><code>&lt;b&gt;x&lt;/b&gt;' in html


def test_headings_get_ids_anchors_and_a_toc() -> None:
    rendered = render_markdown(
        "#### First\n\ntext\n\n#### First\n\n##### Main\n\n#### 배치 정규화\n"
    )
    assert '<h2 id="first">' in rendered.html  # the shallowest heading becomes h2
    assert '<h2 id="first-2">' in rendered.html
    assert '<h3 id="h-main">' in rendered.html  # "main" is taken by the page
    assert '<h2 id="배치-정규화">' in rendered.html
    assert 'class="anchor" href="#first"' in rendered.html
    assert [h.id for h in rendered.toc] == ["first", "first-2", "h-main", "배치-정규화"]
    assert render_markdown("## One\n\n## Two\n").toc == []  # short entries: no TOC


def test_footnotes_are_gathered_with_links_both_ways() -> None:
    html = render_markdown("Claim[^a] and again[^a].\n\n[^a]: The *source*.\n").html
    assert '<section class="footnotes"' in html
    assert '<li id="fn-a"><p>The <em>source</em>.</p>' in html
    assert '<a href="#fn-a" id="ref-fn-a">1</a>' in html
    assert html.count('id="ref-fn-a"') == 1
    assert 'href="#ref-fn-a"' in html


def test_local_images_go_through_the_resolver() -> None:
    seen: list[tuple[str, bool]] = []

    def resolve(url: str, image: bool) -> str | None:
        seen.append((url, image))
        return "media/" + url if url.endswith(".png") else None

    html = render_markdown(
        "![plot](img/a.png) ![gone](img/b.gif) [notes](other.md) [web](https://x.org/a.png)",
        local_url=resolve,
    ).html
    assert '<img src="media/img/a.png" alt="plot">' in html
    assert '<span class="missing-image">[image: gone]</span>' in html
    assert '<a class="unresolved">notes</a>' in html
    assert 'href="https://x.org/a.png"' in html
    assert seen == [("img/a.png", True), ("img/b.gif", True), ("other.md", False)]


def test_tasks_and_tables_stay_valid() -> None:
    html = render_markdown("- [ ] open\n- [x] done\n\n| a | b |\n|:-|-:|\n| 1 | 2 |\n").html
    assert '<input disabled="" type="checkbox">' in html
    assert '<input disabled="" type="checkbox" checked="">' in html
    assert '<th style="text-align:left">' in html


def test_slugify_keeps_any_script() -> None:
    assert slugify("Attention: Is All You Need?") == "attention-is-all-you-need"
    assert slugify("배치 정규화(BatchNorm)") == "배치-정규화-batchnorm"
    assert slugify("!!!") == ""
    assert len(slugify("word " * 40, limit=30)) <= 30


JOURNAL = """\
# Log

## 2024-03-10 Score matching

(#Diffusion) Read about score matching. Why does the schedule matter? It does.

- [ ] reimplement the sampler
  with two lines
- [x] read section 3

Footnote here[^1].

## 2024-03-09

##### 🤖 Other

## References

[^ 1]: Song et al., *Score-based models*.
"""


def test_entry_body_leaves_out_heading_marker_and_private_items(tmp_path: Path) -> None:
    path = tmp_path / "journal.md"
    path.write_text(JOURNAL, encoding="utf-8")
    parsed = inspect_file(path)
    entry = parsed.entries[0]
    lines = JOURNAL.split("\n")
    body = entry_body(lines, entry)
    assert "Score matching" not in body.split("\n")[0]
    assert not body.startswith("(#Diffusion)")
    assert "Why does the schedule matter?" not in body
    assert "It does." in body
    assert "reimplement" not in body and "with two lines" not in body
    assert "- [x] read section 3" in body
    # The footnote defined further down (malformed `[^ 1]`) comes along, fixed.
    assert body.rstrip().endswith("[^1]: Song et al., *Score-based models*.")
    published = entry_body(lines, entry, include_private=True)
    assert "Why does the schedule matter?" in published
    assert "- [ ] reimplement the sampler\n  with two lines" in published


def test_entry_body_drops_a_category_date_line(tmp_path: Path) -> None:
    text = "##### 🤖 ML & DL\n*2024.02.20*\n\n전문검색을 공부했다.\n"
    path = tmp_path / "til.md"
    path.write_text(text, encoding="utf-8")
    entry = inspect_file(path).entries[0]
    assert entry_body(text.split("\n"), entry) == "전문검색을 공부했다.\n"


@pytest.mark.parametrize(
    ("markdown", "html"),
    [
        (
            "See https://example.org/paper_(v2). Next",
            '<p>See <a href="https://example.org/paper_(v2)" rel="noopener noreferrer">'
            "https://example.org/paper_(v2)</a>. Next</p>",
        ),
        (
            "(read www.example.com, then https://a.b/c?x=1&y=2)",
            '<p>(read <a href="https://www.example.com" rel="noopener noreferrer">'
            'www.example.com</a>, then <a href="https://a.b/c?x=1&amp;y=2" '
            'rel="noopener noreferrer">https://a.b/c?x=1&amp;y=2</a>)</p>',
        ),
        ("`https://in.code` stays", "<p><code>https://in.code</code> stays</p>"),
        (
            "[text](https://linked.example) and https://linked.example",
            '<p><a href="https://linked.example" rel="noopener noreferrer">text</a> and '
            '<a href="https://linked.example" rel="noopener noreferrer">'
            "https://linked.example</a></p>",
        ),
        ("javascript:alert(1) and http:// alone", "<p>javascript:alert(1) and http:// alone</p>"),
    ],
)
def test_bare_urls_become_links_outside_code(markdown: str, html: str) -> None:
    assert render_markdown(markdown).html.strip() == html
