"""`tilbook serve` end to end: a real uvicorn server and Debian's Chromium driven by Playwright.

Search as you type, capture, edit with live preview, the edit conflict, ticking a TODO,
keyboard review, live reload, the plain forms with JavaScript off, and the CSP. Screenshots
are taken of the main pages; set TILBOOK_SCREENSHOTS=DIR to keep them for a look.

Skipped, with the reason in the summary, when /usr/bin/chromium is missing or Playwright
cannot start it. Playwright never downloads a browser here.
"""

from __future__ import annotations

import os
import re
import shutil
import socket
import struct
import threading
import time
from collections.abc import Callable, Iterator
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from chromium import playwright_chromium, playwright_or_skip

WHAT = "browser tests of `tilbook serve`"
playwright_api = playwright_or_skip(WHAT)
import uvicorn  # noqa: E402

from tilbook.webapp.app import create_app  # noqa: E402

REPO = Path(__file__).resolve().parent.parent
DESKTOP = {"width": 1280, "height": 900}
PHONE = {"width": 390, "height": 844}
TIMEOUT_MS = 10_000


# -- the server and the browser --------------------------------------------------------------------


class Served:
    """A uvicorn server in a thread over a copy of the sample log."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.app = create_app(root)
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            self.port = probe.getsockname()[1]
        config = uvicorn.Config(
            self.app,
            host="127.0.0.1",
            port=self.port,
            log_level="warning",
            timeout_graceful_shutdown=2,
        )
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(target=self.server.run, name="tilbook-serve", daemon=True)
        self.url = f"http://127.0.0.1:{self.port}"

    def start(self) -> None:
        self.thread.start()
        deadline = time.monotonic() + 15
        while not self.server.started:
            if not self.thread.is_alive() or time.monotonic() > deadline:
                raise RuntimeError("the uvicorn server did not start")
            time.sleep(0.05)

    def stop(self) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=10)

    def file(self, relative: str) -> Path:
        return self.root / relative


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    root = tmp_path_factory.mktemp("serve") / "log"
    shutil.copytree(REPO / "sample-log", root)
    served = Served(root)
    served.start()
    yield served
    served.stop()


@pytest.fixture(scope="module")
def browser(served: Served) -> Iterator[Any]:
    """Chromium, closed before the server stops (so its event streams end first)."""
    with playwright_chromium(playwright_api, WHAT) as chromium:
        yield chromium


class Tab:
    """One page in a fresh context, with its console errors and failed CSP checks kept."""

    def __init__(self, context: Any, base: str) -> None:
        self.context = context
        self.page = context.new_page()
        self.page.set_default_timeout(TIMEOUT_MS)
        self.base = base
        self.console_errors: list[str] = []
        self.page_errors: list[str] = []
        self.page.on("console", self._console)
        self.page.on("pageerror", lambda error: self.page_errors.append(str(error)))

    def _console(self, message: Any) -> None:
        # Every page links the app's own icon: a 404 for it (or /favicon.ico) is an error too.
        if message.type == "error":
            self.console_errors.append(f"{message.text} ({message.location.get('url')})")

    def goto(self, path: str) -> Any:
        try:
            response = self.page.goto(self.base + path, wait_until="load")
        except playwright_api.Error as error:
            if "interrupted by another navigation" not in str(error):
                raise
            response = None
        if response is None:
            # The open page reloaded itself as we left it (the notes changed a moment
            # ago and the app told its pages once their new version was ready): go again.
            self.page.wait_for_load_state("load")
            response = self.page.goto(self.base + path, wait_until="load")
        return response

    def search(self, query: str, limit: int = 20) -> list[dict[str, Any]]:
        """The hits of the search API (the same index the pages use)."""
        response = self.page.request.get(
            self.base + "/api/search", params={"q": query, "limit": limit}
        )
        assert response.ok, (query, response.status)
        return response.json()["hits"]  # type: ignore[no-any-return]


@pytest.fixture
def tab(browser: Any, served: Served) -> Iterator[Any]:
    def make(*, viewport: dict[str, int] = DESKTOP, javascript: bool = True) -> Tab:
        context = browser.new_context(viewport=viewport, java_script_enabled=javascript)
        contexts.append(context)
        return Tab(context, served.url)

    contexts: list[Any] = []
    yield make
    for context in contexts:
        context.close()


# -- helpers ---------------------------------------------------------------------------------------


def wait_until(check: Callable[[], Any], timeout: float = 8.0, what: str = "condition") -> Any:
    deadline = time.monotonic() + timeout
    while True:
        result = check()
        if result:
            return result
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout} s waiting for {what}")
        time.sleep(0.1)


def settled(served: Served, tab: Tab, query: str) -> dict[str, Any]:
    """Wait until the index has a hit for `query` (the watcher has seen a change on disk)."""
    return wait_until(  # type: ignore[no-any-return]
        lambda: (tab.search(query) or [None])[0],
        what=f"the index to find {query!r}",
    )


def entry_id(tab: Tab, query: str) -> str:
    hits = tab.search(query)
    assert hits, f"no entry found for {query!r}"
    return str(hits[0]["id"])


def png_size(path: Path) -> tuple[int, int]:
    data = path.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n", f"{path} is not a PNG"
    width, height = struct.unpack(">II", data[16:24])
    return width, height


def shoot(tab: Tab, target: Path, viewport: dict[str, int] = DESKTOP) -> Path:
    """A screenshot of the viewport, checked to be a real, non-blank PNG of the right size."""
    tab.page.screenshot(path=str(target))
    assert png_size(target) == (viewport["width"], viewport["height"])
    # A blank page compresses to a few kilobytes; a rendered one does not.
    assert target.stat().st_size > 12_000, f"{target.name} looks empty"
    keep = os.environ.get("TILBOOK_SCREENSHOTS")
    if keep:
        Path(keep).mkdir(parents=True, exist_ok=True)
        shutil.copyfile(target, Path(keep) / target.name)
    return target


def no_reload_marker(tab: Tab) -> None:
    """Mark the page's window: the mark is gone after a reload or a navigation."""
    tab.page.evaluate("window.__stayed = true")


def stayed(tab: Tab) -> bool:
    return bool(tab.page.evaluate("window.__stayed === true"))


# -- search ----------------------------------------------------------------------------------------


def test_search_as_you_type(tab: Callable[..., Tab], tmp_path: Path) -> None:
    desk = tab()
    page = desk.page
    desk.goto("/search")
    no_reload_marker(desk)
    box = page.locator("#q")
    box.press_sequentially("diffusion guidance", delay=30)  # no Enter
    page.wait_for_function(
        "() => [...document.querySelectorAll('#hits li mark')]"
        ".some((m) => m.textContent.toLowerCase() === 'guidance')"
    )
    assert stayed(desk), "the search page was reloaded: results should come without Enter"
    assert "q=diffusion%20guidance" in page.url  # the address follows the box
    titles = page.locator("#hits li strong").all_inner_texts()
    assert "Classifier-free guidance" in titles
    shoot(desk, tmp_path / "search-desktop.png")

    box.fill("")
    box.press_sequentially("검색", delay=50)
    page.wait_for_function(
        "() => [...document.querySelectorAll('#hits li mark')]"
        ".some((m) => m.textContent.includes('검색'))"
    )
    assert stayed(desk)
    titles = page.locator("#hits li strong").all_inner_texts()
    assert "문서 검색을 임베딩으로 해 봤다" in titles

    # A word found nowhere: the list empties and says so.
    box.fill("")
    box.press_sequentially("quuxotic", delay=20)
    page.locator("#no-hits").wait_for(state="visible")
    assert page.locator("#hits li").count() == 0
    box.fill("attention")
    page.locator("#hits li").first.wait_for()
    assert page.locator("#no-hits").is_hidden()
    assert page.locator("#search-notice").inner_text().strip() == ""

    # A typo: the results of the closest word, and a line that says so, as you type.
    box.fill("")
    box.press_sequentially("attnetion", delay=20)
    page.wait_for_function(
        "() => document.querySelector('#search-notice').textContent"
        ".includes('Showing results for attention (you typed attnetion)')"
    )
    assert page.locator("#hits li").count() > 0
    exact = page.locator("#search-notice a")
    assert "exact=1" in (exact.get_attribute("href") or "")
    exact.click()
    page.locator("#no-hits").wait_for(state="visible")

    phone = tab(viewport=PHONE)
    phone.goto("/search?q=attention")
    assert phone.page.locator("#hits li").count() > 0
    shoot(phone, tmp_path / "search-phone.png", PHONE)
    # Nothing wider than the phone's screen: no sideways scrolling.
    width = phone.page.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE["width"], f"the search page is {width}px wide on a phone"


# -- capture ---------------------------------------------------------------------------------------


def test_capture_a_new_entry(tab: Callable[..., Tab], served: Served) -> None:
    desk = tab()
    page = desk.page
    journal = served.file("journal.md")
    before = journal.read_text(encoding="utf-8")
    desk.goto("/add")
    page.fill("#text", "Captured in Chromium: einsum strings read like index notation.")
    page.fill("#tags", "Browser, Einsum")
    page.fill("#date", "2024-06-12")
    with page.expect_navigation():
        page.click("form.app-form button[type=submit]")
    assert "/2024/06/12/" in page.url, page.url
    assert "einsum strings read like index notation" in page.locator("main").inner_text()

    after = journal.read_text(encoding="utf-8")
    added = (
        "\n2024-06-12\n-----------\n\n"
        "(#Browser, #Einsum) Captured in Chromium: einsum strings read like index notation.\n"
    )
    assert added in after, "not written in the journal's style (setext date heading, tags)"
    assert after.replace(added, "", 1) == before, "something else in the file changed"
    assert after.index("2024-06-12") < after.index("2024-06-11")  # newest first, like the log

    # Another file, a category log: its categories are offered once it is chosen.
    korean = served.file("til-ko.md")
    before = korean.read_text(encoding="utf-8")
    desk.goto("/add")
    assert page.locator("#file").input_value() == "journal.md"  # the journal, preselected
    category = page.locator("#category")
    assert not category.is_visible(), "a category field for a log without categories"
    page.select_option("#file", "til-ko.md")
    category.wait_for(state="visible")
    offered = page.eval_on_selector_all(
        "#" + (category.get_attribute("list") or "none") + " option", "os => os.map(o => o.value)"
    )
    assert {"ML & DL", "ML library"} <= set(offered), offered
    page.fill("#text", "einsum은 인덱스 표기법처럼 읽으면 쉽다.")
    category.fill("ML library")  # its heading is copied as written: "##### 🧩 ML library"
    page.fill("#date", "2024-06-05")  # (older than the journal's newest: it stays the default)
    with page.expect_navigation():
        page.click("form.app-form button[type=submit]")
    assert "einsum은 인덱스 표기법처럼" in page.locator("main").inner_text()
    added = "##### 🧩 ML library\n*2024.06.05*\n\neinsum은 인덱스 표기법처럼 읽으면 쉽다.\n"
    following = "##### 🧩 ML library\n*2024.06.07*\n"
    after = korean.read_text(encoding="utf-8")
    assert after == before.replace(following, added + "\n" + following, 1), (
        "not written where and as the category log writes its entries"
    )


# -- editing ---------------------------------------------------------------------------------------


def test_edit_with_live_preview(tab: Callable[..., Tab], served: Served, tmp_path: Path) -> None:
    desk = tab()
    page = desk.page
    journal = served.file("journal.md")
    target = entry_id(desk, "FlashAttention train")
    desk.goto(f"/entry/{target}")
    with page.expect_navigation():
        page.get_by_role("link", name="Edit", exact=True).click()
    assert page.url.endswith(f"/entry/{target}/edit")
    editor = page.locator("#markdown")
    original = editor.input_value()
    assert "Read the FlashAttention paper on the train" in original
    before = journal.read_text(encoding="utf-8")
    assert before.count(original) == 1

    editor.click()
    page.keyboard.press("Control+End")
    typed = "\n\nThe **tiling** keeps $O(N)$ memory for softmax $e^{x_i}$."
    page.keyboard.type(typed)
    preview = page.locator("#preview")
    preview.locator("strong", has_text="tiling").wait_for()
    preview.locator("math").first.wait_for()
    assert "<script" not in preview.inner_html()
    shoot(desk, tmp_path / "editor-desktop.png")

    with page.expect_navigation():
        page.click("form.app-editor button[type=submit]")
    assert "tiling" in page.locator("main").inner_text()
    after = journal.read_text(encoding="utf-8")
    assert after == before.replace(original, original + typed, 1), "changed outside its span"

    phone = tab(viewport=PHONE)
    phone.goto(f"/entry/{entry_id(phone, 'FlashAttention train')}/edit")
    phone.page.locator("#preview strong").first.wait_for()
    shoot(phone, tmp_path / "editor-phone.png", PHONE)
    width = phone.page.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE["width"], f"the editor is {width}px wide on a phone"


def test_edit_conflict_is_refused_and_shows_both(
    tab: Callable[..., Tab], served: Served, tmp_path: Path
) -> None:
    desk = tab()
    page = desk.page
    journal = served.file("journal.md")
    target = entry_id(desk, "DPO properly")
    desk.goto(f"/entry/{target}/edit")
    no_reload_marker(desk)
    editor = page.locator("#markdown")
    assert "Very tidy." in editor.input_value()
    editor.click()
    page.keyboard.press("Control+End")
    page.keyboard.type(" Mine: typed in the browser.")

    # Someone else edits the same entry in another editor meanwhile.
    outside = journal.read_text(encoding="utf-8").replace("Very tidy.", "Very tidy (outside).", 1)
    journal.write_text(outside, encoding="utf-8")
    settled(served, desk, '"tidy outside"')  # the server has seen the change
    time.sleep(0.3)  # and told the page
    assert stayed(desk), "a page with unsaved edits reloaded and lost them"

    page.click("form.app-editor button[type=submit]")
    page.wait_for_load_state("load")
    alert = page.locator("#conflict")
    alert.wait_for()
    assert "changed on disk" in alert.inner_text()
    assert "Very tidy (outside)." in page.locator("#theirs").inner_text()
    assert "Mine: typed in the browser." in editor.input_value()
    assert journal.read_text(encoding="utf-8") == outside, "the outside edit was overwritten"
    page.locator("#preview p").first.wait_for()  # the preview shows your version too
    assert "Mine: typed in the browser." in page.locator("#preview").inner_text()
    shoot(desk, tmp_path / "conflict-desktop.png")


def test_edit_conflict_when_the_outside_edit_changes_the_opening_words(
    tab: Callable[..., Tab], served: Served
) -> None:
    """An entry's id comes from its opening words: an outside edit there must still conflict."""
    desk = tab()
    page = desk.page
    journal = served.file("journal.md")
    target = entry_id(desk, "padded row masked softmax")
    desk.goto(f"/entry/{target}/edit")
    editor = page.locator("#markdown")
    opening = "(#Transformers, #Code) Turned the attention note into a minimal function."
    assert opening in editor.input_value()
    editor.click()
    page.keyboard.press("Control+End")
    page.keyboard.type("\n\nMine, typed in the browser.")

    changed = opening.replace("Turned the attention note", "Outsider turned the attention note")
    outside = journal.read_text(encoding="utf-8").replace(opening, changed, 1)
    journal.write_text(outside, encoding="utf-8")
    settled(served, desk, "outsider")  # re-indexed: the entry now has another id

    page.click("form.app-editor button[type=submit]")
    page.wait_for_load_state("load")
    page.locator("#conflict").wait_for()
    theirs = page.locator("#theirs").text_content() or ""
    assert "Outsider turned the attention note" in theirs
    mine = editor.input_value()
    assert "Mine, typed in the browser." in mine
    assert journal.read_text(encoding="utf-8") == outside

    # Saving again, having seen both, replaces exactly the entry shown as on disk now.
    with page.expect_navigation():
        page.click("form.app-editor button[type=submit]")
    assert outside.count(theirs) == 1
    assert journal.read_text(encoding="utf-8") == outside.replace(theirs, mine)


def test_conflict_page_keeps_the_unsaved_text_when_the_notes_change_again(
    tab: Callable[..., Tab], served: Served
) -> None:
    """The conflict page holds the user's unsaved text: a live reload must never replace it."""
    desk = tab()
    page = desk.page
    journal = served.file("journal.md")
    target = entry_id(desk, "Wrapped the sampling loop")
    desk.goto(f"/entry/{target}/edit")
    editor = page.locator("#markdown")
    editor.click()
    page.keyboard.press("Control+End")
    page.keyboard.type(" Mine: no_grad everywhere from now on.")

    outside = journal.read_text(encoding="utf-8").replace("from 9 GB", "from 9.5 GB", 1)
    journal.write_text(outside, encoding="utf-8")
    settled(served, desk, '"9.5 GB"')
    page.click("form.app-editor button[type=submit]")
    page.wait_for_load_state("load")
    page.locator("#conflict").wait_for()
    mine = editor.input_value()
    assert "Mine: no_grad everywhere from now on." in mine
    no_reload_marker(desk)

    # The notes change again elsewhere: every open page is told, and the ones without
    # unsaved text reload (a second tab shows when the news has come).
    other = tab()
    other.goto("/")
    no_reload_marker(other)
    lab = served.file("lab-notes.md")
    with other.page.expect_navigation(timeout=8_000):
        lab.write_text(lab.read_text(encoding="utf-8") + "\n15.8. Zeitraffer\n", encoding="utf-8")
    other.page.wait_for_load_state("load")
    assert not stayed(other)
    time.sleep(0.5)  # the conflict page had the news at the same moment
    assert stayed(desk), "the conflict page was reloaded: the unsaved text was at stake"
    assert editor.input_value() == mine
    assert journal.read_text(encoding="utf-8") == outside

    # Leaving it asks first (and stays when told no) ...
    asked: list[str] = []
    page.once("dialog", lambda dialog: (asked.append(dialog.type), dialog.dismiss()))
    page.get_by_role("link", name="Cancel").click()
    wait_until(lambda: asked, what="the question before leaving unsaved text")
    assert asked == ["beforeunload"]
    assert stayed(desk) and editor.input_value() == mine
    # ... and saving it does not ask: it goes through, the change elsewhere kept.
    theirs = page.locator("#theirs").text_content() or ""
    with page.expect_navigation():
        page.click("form.app-editor button[type=submit]")
    assert "/edit" not in page.url
    assert outside.count(theirs) == 1
    assert journal.read_text(encoding="utf-8") == outside.replace(theirs, mine)
    assert lab.read_text(encoding="utf-8").endswith("15.8. Zeitraffer\n")


# -- TODO agenda, review ---------------------------------------------------------------------------


def test_tick_a_todo(tab: Callable[..., Tab], served: Served, tmp_path: Path) -> None:
    desk = tab()
    page = desk.page
    journal = served.file("journal.md")
    item = "write a DDIM sampler on top of my existing DDPM checkpoint"
    assert f"- [ ] {item}" in journal.read_text(encoding="utf-8")
    desk.goto("/todo")
    shoot(desk, tmp_path / "todo-desktop.png")
    before = journal.read_bytes()
    with page.expect_navigation():
        page.get_by_role("button", name=f"Mark done: {item}").click()
    assert "/todo" in page.url
    assert not page.locator(".app-todos").get_by_text(item).count()
    text = journal.read_text(encoding="utf-8")
    assert f"- [x] {item}" in text
    assert f"- [ ] {item}" not in text
    notice = page.locator(".app-ticked")
    assert f"- [ ] {item}" in notice.inner_text() and f"- [x] {item}" in notice.inner_text()
    shoot(desk, tmp_path / "todo-ticked-desktop.png")
    with page.expect_navigation():
        notice.get_by_role("button", name="Undo").click()
    assert journal.read_bytes() == before, "undo did not put the line back exactly"
    page.locator(".app-todos").get_by_text(item).wait_for()

    # Every TODO links to its entry.
    with page.expect_navigation():
        page.locator(".app-todos li", has_text=item).get_by_role("link").first.click()
    assert "DDIM sampler" in page.locator("main").inner_text()


def test_review_a_card_with_the_keyboard(tab: Callable[..., Tab], tmp_path: Path) -> None:
    desk = tab()
    page = desk.page
    desk.goto("/review")
    page.locator("#card").wait_for()
    first_action = page.locator("form.app-ratings").get_attribute("action")
    assert "to review" in page.locator("main .app-meta").first.inner_text()
    back = page.locator("#back")
    assert back.get_attribute("open") is None
    page.keyboard.press("Space")
    wait_until(lambda: back.get_attribute("open") is not None, what="the answer to show")
    assert page.locator("form.app-ratings button").first.is_visible()
    labels = page.locator("form.app-ratings button").all_inner_texts()
    assert len(labels) == 4
    for label in labels:  # "1 Again  1m", as the terminal shows it
        assert re.search(r"(<1m|\d+m|\d+h|\d+d|[\d.]+mo|[\d.]+y)$", label.strip()), labels
    shoot(desk, tmp_path / "review-desktop.png")

    with page.expect_navigation():
        page.keyboard.press("3")
    assert page.url.endswith("/review")
    if page.locator("#card").count():  # the next card, not the one just rated
        assert page.locator("form.app-ratings").get_attribute("action") != first_action
    else:
        assert page.locator("#review-done").is_visible()


# -- Korean, Chinese, Japanese -------------------------------------------------------------------

BREAKS_INSIDE_WORDS = """(selector) => {
  const hangul = /[\\uac00-\\ud7a3]/;
  const found = { inside: [], breaks: 0 };
  const range = document.createRange();
  for (const block of document.querySelectorAll(selector)) {
    const walker = document.createTreeWalker(block, NodeFilter.SHOW_TEXT);
    let previous = null;
    for (let node = walker.nextNode(); node; node = walker.nextNode()) {
      if (node.parentElement.closest("p, li, h1, h2, h3, .prev-next a") !== block) continue;
      for (let i = 0; i < node.data.length; i++) {
        range.setStart(node, i);
        range.setEnd(node, i + 1);
        const box = range.getClientRects()[0];
        if (!box) continue;
        const char = node.data[i];
        if (previous && box.top > previous.top + box.height / 2) {
          found.breaks += 1;
          if (hangul.test(previous.char) && hangul.test(char)) {
            found.inside.push(previous.char + "|" + char);
          }
        }
        previous = { top: box.top, char };
      }
    }
  }
  return found;
}"""


def test_korean_wraps_between_words(tab: Callable[..., Tab], tmp_path: Path) -> None:
    phone = tab(viewport=PHONE)
    page = phone.page
    phone.goto(f"/entry/{entry_id(phone, 'BatchNorm LayerNorm')}")
    assert "배치 정규화" in page.locator("h1").inner_text()
    found = page.evaluate(BREAKS_INSIDE_WORDS, "main h1, main .entry-body p, main .prev-next a")
    assert found["breaks"] >= 5, found  # the text does wrap on a phone
    assert not found["inside"], f"lines break inside Korean words: {found['inside']}"
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE["width"], f"the Korean entry is {width}px wide on a phone"
    shoot(phone, tmp_path / "korean-phone.png", PHONE)


# -- live reload -----------------------------------------------------------------------------------


def test_open_page_reloads_when_a_note_changes(tab: Callable[..., Tab], served: Served) -> None:
    desk = tab()
    page = desk.page
    desk.goto("/")
    no_reload_marker(desk)
    assert "Zeitgeber" not in page.content()
    with page.expect_navigation(timeout=8_000):
        journal = served.file("journal.md")
        text = journal.read_text(encoding="utf-8")
        heading = "\n2024-06-11\n-----------\n"
        extra = "\n2024-06-13\n-----------\n\n(#Idea) Zeitgeber: a fixed clock for training runs.\n"
        journal.write_text(text.replace(heading, extra + heading, 1), encoding="utf-8")
    page.wait_for_load_state("load")
    assert not stayed(desk)
    assert "Zeitgeber" in page.locator("main").inner_text()


# -- without JavaScript ----------------------------------------------------------------------------


def test_search_and_capture_work_without_javascript(
    tab: Callable[..., Tab], served: Served
) -> None:
    plain = tab(javascript=False)
    page = plain.page
    plain.goto("/search")
    page.fill("#q", "chain rule")
    with page.expect_navigation():
        page.press("#q", "Enter")
    assert "q=chain+rule" in page.url
    assert page.locator("#hits li").count() > 0
    assert page.locator("#hits li mark").count() > 0

    journal = served.file("journal.md")
    plain.goto("/add")
    page.fill("#text", "Written with JavaScript off, through the plain form.")
    page.fill("#tags", "NoScript")
    with page.expect_navigation():
        page.click("form.app-form button[type=submit]")
    assert "Written with JavaScript off" in page.locator("main").inner_text()
    text = journal.read_text(encoding="utf-8")
    assert "(#NoScript) Written with JavaScript off, through the plain form." in text
    assert date.today().isoformat() in text


# -- Content-Security-Policy --------------------------------------------------------------------


RAW_HTML_NOTE = """---
title: Raw HTML in a note
date: 2024-06-20
tags: [Web]
---

Pasted from a blog: <script>alert("inline")</script> an image
<img src="../images/loss.png" onload="alert('onload')">
a <a href="javascript:alert('link')">link</a>,
<span style="color: red" onclick="alert('click')">a styled span</span> and
<script src="https://cdn.example/evil.js"></script> a remote script.
"""


def test_no_inline_script_is_blocked_on_any_page(tab: Callable[..., Tab], served: Served) -> None:
    """Pages carry only /static/app.js and the site's own scripts; notes' scripts never run."""
    desk = tab()
    page = desk.page
    dialogs: list[str] = []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    served.file("notes/2024-06-20-raw-html.md").write_text(RAW_HTML_NOTE, encoding="utf-8")
    raw = settled(served, desk, '"Raw HTML in a note"')["id"]
    paths = ["/", "/search?q=attention", "/add", "/todo", "/questions", "/review", "/tags/"]
    paths.append(f"/entry/{entry_id(desk, 'FlashAttention train')}/edit")
    paths.append(f"/entry/{raw}/edit")  # the live preview renders the raw HTML too
    # The course notes load MathJax from a CDN with a <script> tag in the note.
    ids = [raw, entry_id(desk, "backpropagation chain rule")]
    ids += [hit["id"] for hit in desk.search("attention", limit=4)]
    paths += [f"/entry/{id_}" for id_ in ids]
    for path in paths:
        response = desk.goto(path)
        assert response is not None and response.ok, (path, response and response.status)
        assert "script-src 'self'" in response.headers["content-security-policy"]
        if "/edit" in path:
            page.locator("#preview *").first.wait_for()
    desk.goto(f"/entry/{raw}")
    page.get_by_text("a styled span").click()
    page.locator("main").get_by_text("link", exact=True).click()
    body = page.locator("main").inner_html()
    assert "a styled span" in body and "onclick" not in body and "javascript:" not in body
    page.wait_for_timeout(300)  # deferred scripts and the event stream have run
    assert not dialogs, f"a note's script ran: {dialogs}"
    blocked = [
        text
        for text in desk.console_errors
        if "Content Security Policy" in text or "Refused to" in text
    ]
    assert not blocked, blocked
    assert not desk.page_errors, desk.page_errors
    assert not desk.console_errors, desk.console_errors
