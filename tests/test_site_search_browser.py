"""The static site's own search in Debian's Chromium (Playwright), from `file://`: a word
that matches nothing is searched as the closest word of the entries, with a link to search
exactly what was typed; an abbreviation finds its long form and back, typed form first.

Skipped, with the reason in the summary, when /usr/bin/chromium is missing or Playwright
cannot start it. Playwright never downloads a browser here.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from chromium import playwright_chromium, playwright_or_skip
from conftest import write_notes
from tilbook.indexing import sync
from tilbook.settings import load_settings
from tilbook.staticsite import SiteOptions, build_site
from tilbook.store import open_store

WHAT = "site search browser tests"
playwright_api = playwright_or_skip(WHAT)
TIMEOUT_MS = 10_000

NOTES = {
    "log.md": """## 2025-02-03 Heads

Each attention head looks at a different slice of the sequence.

## 2025-02-04 Masks

Causal attention hides the future tokens from every position.

## 2025-02-05 Tensor shapes

A tensor of shape batch by time by channels.

## 2025-02-06 Tensor strides

Strides tell how far to step in memory for each tensor axis.

## 2025-02-07 Old spelling

An old paper wrote tenser for the same thing.

## 2025-02-08 Blurry digits

My VAE gives blurry digits with a small decoder.

## 2025-02-09 Evidence bound

A variational autoencoder maximises a lower bound on the evidence.

## 2025-02-10 Fewer tokens

Token merging joins similar patches inside the vision transformer.
""",
    "words.md": """# Words

## Glossary

- Token merging (ToMe): joins similar tokens between the blocks of a vision transformer.
""",
}


@pytest.fixture(scope="module")
def search_page(tmp_path_factory: pytest.TempPathFactory) -> str:
    root = write_notes(tmp_path_factory.mktemp("site-search") / "log", NOTES)
    store = open_store(root)
    try:
        sync(root, store, load_settings(root))
        build_site(root, store, root / "site", SiteOptions(), pagefind=False)
    finally:
        store.close()
    return (root / "site" / "search" / "index.html").as_uri()


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    with playwright_chromium(playwright_api, WHAT) as chromium:
        yield chromium


@pytest.fixture
def page(browser: Any, search_page: str) -> Iterator[Any]:
    context = browser.new_context()
    tab = context.new_page()
    tab.set_default_timeout(TIMEOUT_MS)
    errors: list[str] = []
    tab.on("pageerror", lambda error: errors.append(str(error)))
    tab.goto(search_page, wait_until="load")
    yield tab
    context.close()
    assert not errors, errors


def typed(page: Any, query: str) -> tuple[str, list[str]]:
    """Type `query` into the search box: the notice's text and the titles found."""
    page.fill("#search-q", query)
    return notice_and_titles(page)


def notice_and_titles(page: Any) -> tuple[str, list[str]]:
    notice = " ".join(page.inner_text("#search-notice").split())
    titles = page.locator("#search-results li a").all_inner_texts()
    return notice, titles


def test_a_misspelt_word_is_searched_as_the_closest_word(page: Any) -> None:
    notice, titles = typed(page, "attnetion")
    assert "Showing results for attention (you typed attnetion)" in notice
    assert sorted(titles) == ["Heads", "Masks"]
    link = page.locator("#search-notice a")
    assert link.inner_text() == "Search for attnetion exactly"
    href = link.get_attribute("href")
    assert href == "../search/index.html?q=attnetion&exact=1"
    # The link searches the word as typed: nothing, and no correction.
    link.click()
    page.wait_for_url("**exact=1")
    notice, titles = notice_and_titles(page)
    assert titles == []
    assert notice.startswith("Only the words as typed.")
    assert "Showing results" not in notice
    assert page.input_value("#search-q") == "attnetion"
    # Typing again turns corrections back on; a swap of two letters counts one edit.
    notice, titles = typed(page, "haeds")
    assert "Showing results for heads (you typed haeds)" in notice
    assert titles == ["Heads"]


def test_words_that_exist_short_or_too_far_are_never_corrected(page: Any) -> None:
    # `tenser` is in one entry, `tensor` in three: what was typed is what is searched.
    notice, titles = typed(page, "tenser")
    assert notice == "" and titles == ["Old spelling"]
    # Two edits away from a 5-letter word, and a 3-letter word: no correction.
    for query in ("hxxds", "vea"):
        notice, titles = typed(page, query)
        assert notice == "" and titles == [], query
    # Eight letters and more may be two edits away.
    notice, titles = typed(page, "atentoin")
    assert "Showing results for attention (you typed atentoin)" in notice


def test_an_abbreviation_finds_its_long_form_and_back(page: Any) -> None:
    notice, titles = typed(page, "VAE")
    assert titles == ["Blurry digits", "Evidence bound"]  # the typed form first
    assert "Also searched for variational autoencoder" in notice
    assert page.locator("#search-notice a").get_attribute("href") == (
        "../search/index.html?q=VAE&exact=1"
    )
    notice, titles = typed(page, "variational autoencoders")
    assert titles == ["Evidence bound", "Blurry digits"]
    assert "Also searched for VAE" in notice
    # A pair from the log's own glossary.
    notice, titles = typed(page, "tome")
    assert titles == ["Words", "Fewer tokens"]  # the glossary's own entry has "ToMe"
    assert "Token merging" in notice


def test_user_text_is_never_parsed_as_html(page: Any) -> None:
    notice, titles = typed(page, "attnetion <img src=x onerror=alert(1)>")
    assert "(you typed attnetion <img src=x onerror=alert(1)>)" in notice
    assert page.locator("#search-notice img").count() == 0 and titles == []
    dialogs: list[str] = []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    typed(page, "vae <b>bold</b>")
    assert page.locator("#search-notice b").count() == 0 and not dialogs
