"""`tilbook serve` through Starlette's test client: every route, and every attack."""

from __future__ import annotations

import html
import re
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from starlette.testclient import TestClient

from tilbook.webapp.app import create_app
from tilbook.webapp.security import CONTENT_SECURITY_POLICY

JOURNAL = """---
title: Web log
---
## 2024-05-02

(#Research) Why does the KL term vanish early in training?

- [ ] plot the KL per layer

Glossary:

- ELBO: evidence lower bound, the VAE objective.

## 2024-05-01

(#Idea) Raw <script>alert('x')</script> HTML in a note, and <u>underline</u>.
"""

TERMS = """# Terms

## Glossary

- Posterior collapse: the decoder ignores the latent code.
"""


@pytest.fixture
def log(tmp_path: Path) -> Path:
    root = tmp_path / "log"
    (root / "images").mkdir(parents=True)
    (root / "journal.md").write_text(JOURNAL, encoding="utf-8")
    (root / "terms.md").write_text(TERMS, encoding="utf-8")
    (root / "images" / "plot.png").write_bytes(b"\x89PNG\r\n\x1a\nfake")
    (tmp_path / "secret.txt").write_text("private", encoding="utf-8")
    (root / "images" / "escape.png").symlink_to(tmp_path / "secret.txt")
    return root


@pytest.fixture
def client(log: Path) -> TestClient:
    app = create_app(log, watch=False)
    return TestClient(app, base_url="http://127.0.0.1:8000")


def token(client: TestClient, path: str = "/add") -> str:
    page = client.get(path).text
    match = re.search(r'name="csrf-token" content="([^"]+)"', page)
    assert match, "the page carries no CSRF token"
    return match.group(1)


def post(client: TestClient, path: str, data: dict[str, str], **headers: str) -> object:
    return client.post(
        path, data={"csrf_token": token(client), **data}, headers=headers, follow_redirects=False
    )


# -- security ------------------------------------------------------------------------------------


@pytest.mark.parametrize("host", ["evil.example", "evil.example:8000", "127.0.0.1.nip.io", ""])
def test_foreign_host_headers_are_refused(client: TestClient, host: str) -> None:
    response = client.get("/search", headers={"host": host})
    assert response.status_code == 403
    assert response.headers["content-security-policy"] == CONTENT_SECURITY_POLICY
    assert response.headers["x-frame-options"] == "DENY"


@pytest.mark.parametrize("host", ["localhost:8000", "127.0.0.1", "[::1]:8000"])
def test_local_host_headers_are_served(client: TestClient, host: str) -> None:
    assert client.get("/search", headers={"host": host}).status_code == 200


def test_allowed_extra_host(log: Path) -> None:
    app = create_app(log, allowed_hosts=frozenset({"notes.lan"}), watch=False)
    with TestClient(app, base_url="http://notes.lan") as client:
        assert client.get("/search").status_code == 200


def test_security_headers_forbid_inline_scripts(client: TestClient) -> None:
    response = client.get("/search")
    policy = response.headers["content-security-policy"]
    assert "script-src 'self'" in policy
    assert "unsafe-inline" not in policy
    assert response.headers["x-frame-options"] == "DENY"
    assert response.headers["x-content-type-options"] == "nosniff"
    assert "<script>" not in response.text  # only external scripts
    assert re.search(r"<script[^>]*>[^<]+</script>", response.text) is None


def test_post_without_token_or_with_a_wrong_one_is_refused(client: TestClient, log: Path) -> None:
    before = (log / "journal.md").read_bytes()
    assert client.post("/add", data={"text": "sneaky"}).status_code == 403
    assert client.post("/add", data={"text": "x", "csrf_token": "wrong"}).status_code == 403
    assert (log / "journal.md").read_bytes() == before


def test_post_from_another_origin_is_refused(client: TestClient, log: Path) -> None:
    before = (log / "journal.md").read_bytes()
    response = post(client, "/add", {"text": "cross-site"}, origin="http://evil.example")
    assert response.status_code == 403
    response = post(client, "/add", {"text": "null origin"}, origin="null")
    assert response.status_code == 403
    assert (log / "journal.md").read_bytes() == before


def test_state_changes_need_post(client: TestClient, log: Path) -> None:
    before = (log / "journal.md").read_bytes()
    item = client.get("/todo").text
    todo_id = re.search(r"/todo/([0-9a-f]+)/done", item).group(1)
    assert client.get(f"/todo/{todo_id}/done").status_code in (404, 405)
    assert (log / "journal.md").read_bytes() == before


@pytest.mark.parametrize(
    "path",
    [
        "/files/../secret.txt",
        "/files/%2e%2e/secret.txt",
        "/files/%2e%2e%2fsecret.txt",
        "/files/%252e%252e%252fsecret.txt",
        "/files/images/..%2f..%2fsecret.txt",
        "/files/images/escape.png",
        "/files/.tilbook/index.db",
        "/files//etc/passwd",
        "/files/images",
    ],
)
def test_paths_outside_the_notes_are_404(client: TestClient, path: str) -> None:
    response = client.get(path)
    assert response.status_code == 404
    assert "private" not in response.text


def test_note_files_inside_are_served(client: TestClient) -> None:
    response = client.get("/files/images/plot.png")
    assert response.status_code == 200
    assert response.content.startswith(b"\x89PNG")


# -- pages and actions ---------------------------------------------------------------------------


def test_search_page_and_api(client: TestClient) -> None:
    page = client.get("/search", params={"q": "KL term"})
    assert page.status_code == 200
    assert "<mark>KL</mark>" in page.text
    data = client.get("/api/search", params={"q": "vanish"}).json()
    assert data["hits"][0]["title"].startswith("Why does the KL term vanish")
    assert client.get("/api/search", params={"q": '"(AND*'}).status_code == 200
    assert client.get("/api/search", params={"q": "x" * 10_000}).status_code == 200


def test_add_writes_like_tilbook_add(client: TestClient, log: Path) -> None:
    response = post(
        client,
        "/add",
        {"text": "Tried beta-VAE today", "tags": "Research, VAE", "date": "2024-05-02"},
    )
    assert response.status_code == 303
    text = (log / "journal.md").read_text(encoding="utf-8")
    assert "(#Research, #VAE) Tried beta-VAE today" in text
    assert text.index("Tried beta-VAE") < text.index("Why does the KL term")


def test_add_rejects_empty_text(client: TestClient) -> None:
    response = post(client, "/add", {"text": "   "})
    assert response.status_code == 400
    assert "empty" in response.text


def test_edit_saves_only_the_entry_span(client: TestClient, log: Path) -> None:
    hit = client.get("/api/search", params={"q": "vanish"}).json()["hits"][0]
    page = client.get(f"/entry/{hit['id']}/edit")
    assert page.status_code == 200
    version = re.search(r'name="version" value="([0-9a-f]+)"', page.text).group(1)
    markdown = re.search(r'<textarea id="markdown"[^>]*>(.*?)</textarea>', page.text, re.S).group(1)
    assert "(#Research) Why does the KL term" in markdown
    new = "(#Research) Why does the KL term vanish? Edited in the browser.\r\n\r\n- [ ] plot it"
    response = post(client, f"/entry/{hit['id']}/edit", {"markdown": new, "version": version})
    assert response.status_code == 303
    text = (log / "journal.md").read_text(encoding="utf-8")
    assert "Edited in the browser.\n\n- [ ] plot it\n" in text
    assert "\r" not in text
    assert text.startswith("---\ntitle: Web log\n---\n## 2024-05-02\n")
    assert "## 2024-05-01" in text


def test_edit_conflict_is_refused_and_shows_both(client: TestClient, log: Path) -> None:
    hit = client.get("/api/search", params={"q": "vanish"}).json()["hits"][0]
    page = client.get(f"/entry/{hit['id']}/edit").text
    version = re.search(r'name="version" value="([0-9a-f]+)"', page).group(1)
    path = log / "journal.md"
    outside = path.read_text(encoding="utf-8").replace("vanish early", "vanish (outside edit)")
    path.write_text(outside, encoding="utf-8")
    response = post(
        client, f"/entry/{hit['id']}/edit", {"markdown": "(#Research) Mine.", "version": version}
    )
    assert response.status_code == 409
    assert "changed on disk" in response.text
    assert "vanish (outside edit)" in response.text
    assert "(#Research) Mine." in response.text
    assert path.read_text(encoding="utf-8") == outside


def test_preview_is_sanitized(client: TestClient) -> None:
    response = client.post(
        "/api/preview",
        data={"markdown": "**bold** $x^2$ <script>alert(1)</script> <img src=x onerror=alert(1)>"},
        headers={"x-csrf-token": token(client)},
    )
    html = response.json()["html"]
    assert "<strong>bold</strong>" in html
    assert "<math" in html
    assert "<script" not in html
    assert "onerror" not in html


def test_todo_page_shows_tasks_fields_as_words_not_emoji(log: Path) -> None:
    (log / "tasks.md").write_text(
        "## 2024-05-03\n\n- [ ] write the ablation table 📅 2024-05-10 ⏫\n", encoding="utf-8"
    )
    client = TestClient(create_app(log, watch=False), base_url="http://127.0.0.1:8000")
    page = client.get("/todo").text
    item = re.search(r'<a class="app-todo-text"[^>]*>write the ablation table</a>', page)
    assert item, "the TODO is not shown without its Tasks fields"
    assert '<time datetime="2024-05-10">' in page
    assert "📅" not in page and "⏫" not in page


def test_todo_tick_marks_it_in_the_file(client: TestClient, log: Path) -> None:
    page = client.get("/todo").text
    assert "plot the KL per layer" in page
    todo_id = re.search(r"/todo/([0-9a-f]+)/done", page).group(1)
    assert post(client, f"/todo/{todo_id}/done", {}).status_code == 303
    assert "- [x] plot the KL per layer" in (log / "journal.md").read_text(encoding="utf-8")
    assert "plot the KL per layer" not in client.get("/todo").text


def test_question_answered_by_a_note(client: TestClient) -> None:
    page = client.get("/questions").text
    assert "Why does the KL term vanish early in training?" in page
    question_id = re.search(r"/questions/([0-9a-f]+)/answer", page).group(1)
    response = post(client, f"/questions/{question_id}/answer", {"note": "KL annealing."})
    assert response.status_code == 303
    assert "Why does the KL term vanish" not in client.get("/questions").text


def test_review_a_card_and_rate_it(client: TestClient) -> None:
    page = client.get("/review").text
    assert 'class="app-card"' in page
    key = re.search(r"/review/([0-9a-f]+)/rate", page).group(1)
    assert post(client, f"/review/{key}/rate", {"rating": "4"}).status_code == 303
    assert key not in client.get("/review").text
    assert post(client, f"/review/{key}/rate", {"rating": "9"}).status_code == 400


def test_unknown_entry_is_a_404_page(client: TestClient) -> None:
    response = client.get("/entry/ffffffffffff/edit")
    assert response.status_code == 404
    assert "no entry" in response.text


def test_today_is_used_for_new_entries_by_default(client: TestClient, log: Path) -> None:
    post(client, "/add", {"text": "Dated today"})
    assert date.today().isoformat() in (log / "journal.md").read_text(encoding="utf-8")


def test_a_note_changed_on_disk_is_indexed_while_serving(log: Path) -> None:
    import time

    app = create_app(log, watch=True)
    with TestClient(app, base_url="http://127.0.0.1:8000") as client:
        assert client.get("/api/search", params={"q": "zeitgeber"}).json()["hits"] == []
        version = client.app.app.state.log.version  # type: ignore[attr-defined]
        time.sleep(0.3)  # let the watcher start
        with (log / "journal.md").open("a", encoding="utf-8") as handle:
            handle.write("\n## 2024-05-03\n\n(#Idea) A zeitgeber for training runs.\n")
        deadline = time.monotonic() + 8
        hits: list = []
        while time.monotonic() < deadline and not hits:
            time.sleep(0.2)
            hits = client.get("/api/search", params={"q": "zeitgeber"}).json()["hits"]
        assert hits, "the change on disk was not indexed while serving"
        assert client.app.app.state.log.version > version  # type: ignore[attr-defined]
        assert "zeitgeber" in client.get("/2024/05/03/a-zeitgeber-for-training-runs/").text


# -- regressions found in a real browser ---------------------------------------------------------


def test_same_origin_posts_are_accepted(client: TestClient, log: Path) -> None:
    # Browsers send Origin on form posts; with Referrer-Policy no-referrer Chromium sent
    # "null" and every save was refused. The policy must keep the origin for same-origin.
    assert client.get("/add").headers["referrer-policy"] == "same-origin"
    response = post(
        client,
        "/add",
        {"text": "From the browser", "date": "2024-05-02"},
        origin="http://127.0.0.1:8000",
    )
    assert response.status_code == 303
    assert "From the browser" in (log / "journal.md").read_text(encoding="utf-8")


def test_conflict_on_the_opening_line_still_shows_both_versions(
    client: TestClient, log: Path
) -> None:
    hit = client.get("/api/search", params={"q": "vanish"}).json()["hits"][0]
    page = client.get(f"/entry/{hit['id']}/edit").text
    version = re.search(r'name="version" value="([0-9a-f]+)"', page).group(1)
    path = log / "journal.md"
    outside = path.read_text(encoding="utf-8").replace(
        "Why does the KL", "Why on earth does the KL"
    )
    path.write_text(outside, encoding="utf-8")
    client.get("/api/search", params={"q": "earth"})  # the index follows the outside change
    form = {"markdown": "(#Research) Mine again.", "version": version}
    for name in ("source", "line"):
        found = re.search(rf'name="{name}" value="([^"]*)"', page)
        if found:
            form[name] = found.group(1)
    response = post(client, f"/entry/{hit['id']}/edit", form)
    assert response.status_code == 409
    assert "Why on earth does the KL" in response.text
    assert "(#Research) Mine again." in response.text
    assert path.read_text(encoding="utf-8") == outside


def _editor_form(page: str) -> tuple[str, dict[str, str]]:
    """The editor form's action and hidden fields, as a browser would send them."""
    action = re.search(r'<form class="app-form app-editor" action="([^"]+)"', page)
    assert action, "no editor form on the page"
    fields = dict(
        re.findall(r'<input type="hidden" name="(version|source|line)" value="([^"]*)"', page)
    )
    return action.group(1), fields


def test_conflict_page_marks_the_unsaved_text_so_it_is_never_reloaded_away(
    client: TestClient, log: Path
) -> None:
    hit = client.get("/api/search", params={"q": "vanish"}).json()["hits"][0]
    page = client.get(f"/entry/{hit['id']}/edit").text
    editor = re.search(r'<textarea id="markdown"[^>]*>', page)
    assert editor and "data-dirty" not in editor.group(0), "the text on disk is not unsaved"
    action, form = _editor_form(page)
    path = log / "journal.md"
    path.write_text(path.read_text(encoding="utf-8").replace("early", "late"), encoding="utf-8")
    response = post(client, action, {**form, "markdown": "(#Research) Mine, not saved yet."})
    assert response.status_code == 409
    editor = re.search(r'<textarea id="markdown"[^>]*>([^<]*)</textarea>', response.text)
    assert editor, "the conflict page has no editor"
    assert "data-dirty" in editor.group(0), "the user's unsaved text is not marked dirty"
    assert editor.group(1) == "(#Research) Mine, not saved yet."


def test_only_pages_fetched_with_get_reload_when_the_notes_change(
    client: TestClient, log: Path
) -> None:
    """The answer to a form never follows the notes: reloading it would send the form again."""
    hit = client.get("/api/search", params={"q": "vanish"}).json()["hits"][0]
    page = client.get(f"/entry/{hit['id']}/edit").text
    assert '<meta name="log-version"' in page
    action, form = _editor_form(page)
    path = log / "journal.md"
    path.write_text(path.read_text(encoding="utf-8").replace("early", "late"), encoding="utf-8")
    response = post(client, action, {**form, "markdown": "(#Research) Mine."})
    assert response.status_code == 409
    assert "<textarea" in response.text
    assert '<meta name="log-version"' not in response.text


def test_conflict_while_the_index_lags_names_the_entry_as_it_is_now(
    client: TestClient, log: Path
) -> None:
    """The outside edit changes the entry's id and the index has not seen it yet when the
    save conflicts: saving again from the conflict page (which is never reloaded) works."""
    hit = client.get("/api/search", params={"q": "vanish"}).json()["hits"][0]
    page = client.get(f"/entry/{hit['id']}/edit").text
    action, form = _editor_form(page)
    path = log / "journal.md"
    outside = path.read_text(encoding="utf-8").replace(
        "Why does the KL", "Why on earth does the KL"
    )
    path.write_text(outside, encoding="utf-8")  # no watcher here: the index lags behind
    mine = "(#Research) Why does the KL term vanish? Mine, typed meanwhile."
    conflict = post(client, action, {**form, "markdown": mine})
    assert conflict.status_code == 409
    assert "Why on earth does the KL term vanish early in training?" in conflict.text
    shown = re.search(r'<pre class="app-theirs" id="theirs">([^<]*)</pre>', conflict.text)
    assert shown, "the conflict page does not show the entry as on disk now"
    theirs = html.unescape(shown.group(1))
    assert theirs.startswith("(#Research) Why on earth does the KL")
    again, form = _editor_form(conflict.text)
    assert again != action, "the conflict page still names the entry by its old id"
    saved = post(client, again, {**form, "markdown": mine})
    assert saved.status_code == 303, saved.text[-600:]
    assert outside.count(theirs) == 1
    assert path.read_text(encoding="utf-8") == outside.replace(theirs, mine)


def test_search_page_always_has_the_no_matches_line(client: TestClient) -> None:
    page = client.get("/search").text
    assert re.search(r'<p id="no-hits"[^>]*hidden', page)
    assert re.search(r'<p id="no-hits"(?![^>]*hidden)', client.get("/search?q=qqqzzz").text)


@pytest.mark.parametrize("name", ["evil.html", "evil.shtml", "evil.xht", "evil.svg", "notes.md"])
def test_only_media_files_are_served_from_the_notes(
    client: TestClient, log: Path, name: str
) -> None:
    (log / "images" / name).write_text("<script>alert(1)</script>", encoding="utf-8")
    assert client.get(f"/files/images/{name}").status_code == 404
    served = client.get("/files/images/plot.png")
    assert served.headers["content-type"] == "image/png"
    assert "sandbox" in served.headers["content-security-policy"]


def test_a_bad_date_in_the_form_is_a_clear_error(client: TestClient) -> None:
    response = post(client, "/add", {"text": "x", "date": "2024-02-30"})
    assert response.status_code == 400
    assert "not a date" in response.text


# -- the user-experience issue: what a new user missed -------------------------------------------

CATEGORY_LOG = """# Today I learned

##### Rust
*2024.01.08*

Borrowing rules finally make sense.

##### Python
*2024.01.15*

The walrus operator assigns inside an expression.
"""


def resync(client: TestClient) -> None:
    """Index what a test wrote to the notes (these clients do not watch the folder)."""
    client.app.app.state.log.sync()  # type: ignore[attr-defined]


def entry_page(client: TestClient, query: str) -> tuple[str, str]:
    """The id of the first entry found for `query`, and its page's HTML."""
    hit = client.get("/api/search", params={"q": query}).json()["hits"][0]
    page = client.get(f"/entry/{hit['id']}")
    assert page.status_code == 200
    return hit["id"], page.text


def test_an_entry_page_links_to_its_editor(client: TestClient) -> None:
    entry_id, page = entry_page(client, "vanish")
    assert f'href="/entry/{entry_id}/edit"' in page


def test_one_navigation_bar_with_the_app_pages_and_no_second_search(client: TestClient) -> None:
    for path in ("/todo", "/search", "/"):
        page = client.get(path).text
        navs = re.findall(r"<nav\b[^>]*>(.*?)</nav>", page, re.S)
        bars = [nav for nav in navs if "/archive/" in nav or "/todo" in nav]
        assert len(bars) == 1, f"{path}: {len(bars)} navigation bars"
        for target in ("/add", "/todo", "/questions", "/review", "/archive/", "/tags/"):
            assert f'href="{target}"' in bars[0], (path, target)
        assert page.count(">Search</a>") <= 1, f"{path}: 'Search' more than once"
        assert 'id="site-search-q"' in page  # the header's search box stays


def test_every_page_links_the_apps_own_svg_favicon(client: TestClient) -> None:
    _, entry = entry_page(client, "vanish")
    pages = [entry, *(client.get(p).text for p in ("/", "/todo", "/add", "/review", "/tags/"))]
    for page in pages:
        icon = re.search(r'<link rel="icon" href="([^"]+)" type="image/svg\+xml">', page)
        assert icon, "no favicon link"
        assert icon.group(1).startswith("/")  # served here, no external request
    served = client.get(icon.group(1))
    assert served.status_code == 200
    assert served.headers["content-type"].startswith("image/svg+xml")
    assert served.text.lstrip().startswith("<svg") and "<script" not in served.text
    assert client.get("/favicon.ico").status_code == 200  # for tools that ask for it


def test_capture_form_offers_file_category_and_date_with_the_journal_chosen(
    client: TestClient, log: Path
) -> None:
    (log / "til.md").write_text(CATEGORY_LOG, encoding="utf-8")
    resync(client)
    page = client.get("/add").text
    files = re.search(r'<select id="file" name="file"[^>]*>(.*?)</select>', page, re.S)
    assert files, "no file choice"
    options = dict(re.findall(r'<option value="([^"]+)"([^>]*)>', files.group(1)))
    assert set(options) == {"journal.md", "til.md"}  # the logs `tilbook add` can write to
    assert "selected" in options["journal.md"] and "selected" not in options["til.md"]
    assert re.search(r'<input id="category" name="category"', page)
    assert "Rust" in page and "Python" in page  # the category log's categories to pick from
    assert re.search(r'<input id="date" name="date" type="date" value="\d{4}-\d\d-\d\d"', page)

    (log / "tilbook.toml").write_text('journal = "til.md"\n', encoding="utf-8")
    options = dict(re.findall(r'<option value="([^"]+)"([^>]*)>', client.get("/add").text))
    assert "selected" in options["til.md"] and "selected" not in options["journal.md"]


def test_capture_into_a_category_log(client: TestClient, log: Path) -> None:
    (log / "til.md").write_text(CATEGORY_LOG, encoding="utf-8")
    resync(client)
    journal = (log / "journal.md").read_bytes()
    response = post(
        client,
        "/add",
        {
            "text": "Traits are Rust's interfaces.",
            "file": "til.md",
            "category": "Rust",  # not the newest category, which is the default
            "date": "2024-02-01",
        },
    )
    assert response.status_code == 303
    text = (log / "til.md").read_text(encoding="utf-8")
    assert text == CATEGORY_LOG + "\n##### Rust\n*2024.02.01*\n\nTraits are Rust's interfaces.\n"
    assert (log / "journal.md").read_bytes() == journal
    assert "Traits are Rust" in client.get(response.headers["location"]).text


@pytest.mark.parametrize("name", ["terms.md", "../secret.txt", "nowhere.md", "images/plot.png"])
def test_capture_refuses_a_file_it_did_not_offer(client: TestClient, log: Path, name: str) -> None:
    def notes() -> dict[Path, bytes]:
        return {
            p: p.read_bytes() for p in log.rglob("*") if p.is_file() and ".tilbook" not in p.parts
        }

    before = notes()
    response = post(client, "/add", {"text": "Somewhere else", "file": name})
    assert response.status_code == 400
    assert "Somewhere else" in response.text  # the form comes back with the text kept
    assert notes() == before
    assert not (log.parent / "secret.txt").read_text(encoding="utf-8").count("Somewhere")


def test_todo_and_question_lists_link_to_their_entries(client: TestClient) -> None:
    entry_id = client.get("/api/search", params={"q": "vanish"}).json()["hits"][0]["id"]
    todo = client.get("/todo").text
    item = re.search(r"<li>.*?plot the KL per layer.*?</li>", todo, re.S)
    assert item and f'href="/entry/{entry_id}"' in item.group()
    questions = client.get("/questions").text
    item = re.search(r"<li id=\"q-.*?Why does the KL term vanish.*?</li>", questions, re.S)
    assert item and f'href="/entry/{entry_id}"' in item.group()


def tick(client: TestClient, text: str) -> Any:
    """Tick the TODO `text` as its box on the TODO list does."""
    page = client.get("/todo").text
    found = re.findall(
        r'action="/todo/([0-9a-f]+)/done".*?aria-label="Mark done: ([^"]*)"', page, re.S
    )
    ids = {label: todo_id for todo_id, label in found}
    assert text in ids, f"{text!r} is not on the TODO list"
    return post(client, f"/todo/{ids[text]}/done", {})


def test_a_tick_shows_what_changed_and_undo_puts_the_line_back(
    client: TestClient, log: Path
) -> None:
    path = log / "journal.md"
    path.write_bytes(path.read_bytes().replace(b"\n", b"\r\n"))  # undo keeps CRLF too
    resync(client)
    before = path.read_bytes()
    response = tick(client, "plot the KL per layer")
    assert response.status_code == 303
    assert b"- [x] plot the KL per layer\r\n" in path.read_bytes()
    page = client.get(response.headers["location"])
    notice = re.search(r'<div class="app-ticked"[^>]*>(.*?)</div>', page.text, re.S)
    assert notice, "the list does not say what the tick changed"
    assert "- [ ] plot the KL per layer" in notice.group(1)
    assert "- [x] plot the KL per layer" in notice.group(1)
    assert "→" in notice.group(1) and "journal.md" in notice.group(1)
    undo = re.search(r'<form action="(/todo/undo/[^"]+)" method="post"', notice.group(1))
    assert undo, "no undo"
    assert client.post(undo.group(1), data={}).status_code == 403  # CSRF like every POST
    assert path.read_bytes() != before
    response = post(client, undo.group(1), {})
    assert response.status_code == 303
    assert path.read_bytes() == before, "undo did not put the line back exactly"
    assert "plot the KL per layer" in client.get("/todo").text
    again = post(client, undo.group(1), {})  # an undo runs once
    assert again.status_code == 409 and "already" in text_of(again.text)
    assert path.read_bytes() == before


def test_undo_refuses_when_the_line_changed_since(client: TestClient, log: Path) -> None:
    path = log / "journal.md"
    response = tick(client, "plot the KL per layer")
    page = client.get(response.headers["location"]).text
    undo = re.search(r'<form action="(/todo/undo/[^"]+)" method="post"', page).group(1)
    changed = path.read_text(encoding="utf-8").replace(
        "- [x] plot the KL per layer", "- [x] plot the KL per layer and per head"
    )
    path.write_text(changed, encoding="utf-8")
    response = post(client, undo, {})
    assert response.status_code == 409
    assert "changed" in response.text and "tilbook index" not in response.text
    assert path.read_text(encoding="utf-8") == changed


def test_undo_tick_in_the_library(tmp_path: Path) -> None:
    from tilbook.errors import FileChangedError
    from tilbook.features.agenda import Marked
    from tilbook.features.ticks import undo_tick

    path = tmp_path / "log.md"
    data = "\ufeff# Log\r\n\r\n- [x] café au lait\r\n- [x] other".encode("utf-8-sig")[3:]
    data = b"\xef\xbb\xbf" + data
    path.write_bytes(data)
    marked = Marked("log.md", 3, "- [ ] café au lait", "- [x] café au lait")
    undo_tick(tmp_path, marked)
    assert path.read_bytes() == data.replace(b"- [x] caf", b"- [ ] caf")
    with pytest.raises(FileChangedError):
        undo_tick(tmp_path, marked)  # the line is no longer the ticked one
    with pytest.raises(FileChangedError):
        undo_tick(tmp_path, Marked("log.md", 9, "- [ ] x", "- [x] x"))  # no such line
    assert path.read_bytes() == data.replace(b"- [x] caf", b"- [ ] caf")


LINK_TODOS = """# Log

## 2024-05-02

Watched the linear algebra series.

### TODO

- [essence of calculus](https://example.org/x)
- [ ] [tabular transformers](https://example.org/a_(b)/paper.pdf)
- read [the DDPM paper][ddpm] again

[ddpm]: https://arxiv.org/abs/2006.11239
"""


def test_a_todo_written_as_a_markdown_link_can_be_ticked(client: TestClient, log: Path) -> None:
    path = log / "links.md"
    path.write_text(LINK_TODOS, encoding="utf-8")
    resync(client)
    for text in ("essence of calculus", "tabular transformers", "read the DDPM paper again"):
        response = tick(client, text)
        assert response.status_code == 303, text_of(response.text)
    assert path.read_text(encoding="utf-8") == (
        LINK_TODOS.replace("- [essence", "- [x] [essence")
        .replace("- [ ] [tabular", "- [x] [tabular")
        .replace("- read [the", "- [x] read [the")
    )


def test_every_todo_of_the_sample_log_can_be_ticked(tmp_path: Path) -> None:
    import shutil

    root = tmp_path / "log"
    shutil.copytree(Path(__file__).resolve().parent.parent / "sample-log", root)
    client = TestClient(create_app(root, watch=False), base_url="http://127.0.0.1:8000")
    page = client.get("/todo").text
    todo_ids = re.findall(r'action="/todo/([0-9a-f]+)/done"', page)
    assert len(todo_ids) >= 10
    for todo_id in todo_ids:
        response = post(client, f"/todo/{todo_id}/done", {})
        assert response.status_code == 303, re.sub(r"<[^>]+>", "", response.text)[-600:]
    left = client.get("/todo").text
    assert "Nothing open" in left, text_of(left)


REVIEW_LOG = """# Log

## 2024-05-02

Euler's identity :: $e^{i\\pi} + 1 = 0$, the **nicest** one.

`x.sum(dim=0)` :: adds up a tensor along its first axis
"""


def test_review_buttons_say_when_the_card_comes_back(tmp_path: Path) -> None:
    from tilbook.features.cards.review import make_scheduler, preview, span_text, utc_now
    from tilbook.settings import load_settings
    from tilbook.store import open_store, review_store

    root = tmp_path / "log"
    root.mkdir()
    (root / "journal.md").write_text(REVIEW_LOG, encoding="utf-8")
    client = TestClient(create_app(root, watch=False), base_url="http://127.0.0.1:8000")
    page = client.get("/review").text
    key = re.search(r"/review/([0-9a-f]+)/rate", page).group(1)
    reviews = review_store(open_store(root))
    scheduler = make_scheduler(reviews, load_settings(root), fuzz=False)
    spans = preview(scheduler, reviews.card(key), utc_now())
    buttons = re.findall(r'<button name="rating" value="(\d)"[^>]*>(.*?)</button>', page, re.S)
    assert len(buttons) == 4
    for value, inner in buttons:
        shown = " ".join(re.sub(r"<[^>]+>", " ", inner).split())
        assert shown.endswith(span_text(spans[int(value)])), (value, shown)
    assert len({re.sub(r"<[^>]+>", "", inner) for _, inner in buttons}) == 4


def test_review_renders_the_cards_markdown_math_and_code(tmp_path: Path) -> None:
    root = tmp_path / "log"
    root.mkdir()
    (root / "journal.md").write_text(REVIEW_LOG, encoding="utf-8")
    client = TestClient(create_app(root, watch=False), base_url="http://127.0.0.1:8000")
    seen = ""
    for _ in range(2):
        page = client.get("/review").text
        seen += page
        key = re.search(r"/review/([0-9a-f]+)/rate", page).group(1)
        assert post(client, f"/review/{key}/rate", {"rating": "4"}).status_code == 303
    assert "<math" in seen and "$e^" not in seen
    assert "<strong>nicest</strong>" in seen
    assert "<code>x.sum(dim=0)</code>" in seen


def text_of(html: str) -> str:
    main = re.search(r"<main[^>]*>(.*?)</main>", html, re.S)
    return " ".join(re.sub(r"<[^>]+>", " ", main.group(1) if main else html).split())


def test_error_pages_say_what_happened_and_what_to_do(client: TestClient, log: Path) -> None:
    missing = client.get("/entry/ffffffffffff")
    assert missing.status_code == 404
    assert missing.headers["content-type"].startswith("text/html")
    assert "no entry" in text_of(missing.text)
    assert re.search(r'<main.*<form class="app-search" action="/search"', missing.text, re.S)
    assert "Not done" not in missing.text

    nowhere = client.get("/2031/01/01/never-written/")
    assert nowhere.status_code == 404
    assert nowhere.headers["content-type"].startswith("text/html")
    assert 'class="site-header"' in nowhere.text  # the site's own page, with its links
    assert "/2031/01/01/never-written/" in text_of(nowhere.text)

    gone = post(client, "/todo/00000000/done", {})
    assert gone.status_code == 404
    assert "TODO" in text_of(gone.text) and re.search(r'<main.*href="/todo"', gone.text, re.S)
    for page in (missing.text, nowhere.text, gone.text):
        assert "`tilbook" not in page and "tilbook index" not in page and "tilbook todo" not in page


def test_ticking_a_todo_that_moved_on_disk_still_works(client: TestClient, log: Path) -> None:
    # The list was shown; then the file changed (the index has not seen it yet).
    page = client.get("/todo").text
    todo_id = re.search(r"/todo/([0-9a-f]+)/done", page).group(1)
    path = log / "journal.md"
    path.write_text(
        path.read_text(encoding="utf-8").replace("## 2024-05-02\n", "## 2024-05-02\n\nMoved.\n"),
        encoding="utf-8",
    )
    response = post(client, f"/todo/{todo_id}/done", {})
    assert response.status_code == 303, text_of(response.text)
    assert "- [x] plot the KL per layer" in path.read_text(encoding="utf-8")


def test_a_todo_that_cannot_be_ticked_says_why_and_offers_the_editor(
    client: TestClient, log: Path
) -> None:
    (log / "table.md").write_text(
        "# Hours\n\n| Date | Note |\n| --- | --- |\n"
        "| 2024-05-03 | Still to do: the helmet class |\n",
        encoding="utf-8",
    )
    resync(client)
    page = client.get("/todo").text
    assert "the helmet class" in page
    todo_id = re.search(
        r'action="/todo/([0-9a-f]+)/done"[^<]*<input[^>]*>\s*<button[^>]*Mark done: the helmet',
        page,
    ).group(1)
    response = post(client, f"/todo/{todo_id}/done", {})
    assert response.status_code == 400
    words = text_of(response.text)
    assert "tilbook index" not in words and "no longer holds" not in words
    assert re.search(r'<main.*href="/entry/[0-9a-f]+/edit"', response.text, re.S)
    assert re.search(r'<main.*href="/todo"', response.text, re.S)


PAPERS_LOG = """# Log

## 2024-07-03

Skimmed the GAE paper: https://arxiv.org/abs/1506.02438 and DDIM https://arxiv.org/abs/2010.02502

## 2024-07-01

Read [Generalized Advantage Estimation](https://arxiv.org/abs/1506.02438) again.
"""


def test_the_papers_sidebar_shows_titles_not_ids(tmp_path: Path) -> None:
    from tilbook.features.papers.metadata import MetadataCache, PaperMetadata

    root = tmp_path / "log"
    root.mkdir()
    (root / "journal.md").write_text(PAPERS_LOG, encoding="utf-8")
    client = TestClient(create_app(root, watch=False), base_url="http://127.0.0.1:8000")
    _, page = entry_page(client, "Skimmed GAE")
    sidebar = re.search(r'<aside class="entry-papers".*?</aside>', page, re.S).group()
    # Named by a link elsewhere in the log.
    assert ">Generalized Advantage Estimation</a> <code>arxiv:1506.02438</code>" in sidebar
    assert ">arxiv:2010.02502</a>" in sidebar  # no title known yet: the id, as before

    cache = MetadataCache.load(root)  # as `tilbook papers fetch` leaves it
    cache.put(
        "arxiv:2010.02502",
        PaperMetadata(source="arxiv", title="Denoising Diffusion Implicit Models"),
        "2024-07-04T00:00:00+00:00",
    )
    cache.save()
    _, page = entry_page(client, "Skimmed GAE")
    sidebar = re.search(r'<aside class="entry-papers".*?</aside>', page, re.S).group()
    assert ">Denoising Diffusion Implicit Models</a> <code>arxiv:2010.02502</code>" in sidebar
    papers = client.get("/papers/").text
    assert ">Denoising Diffusion Implicit Models</a>" in papers


def test_library_messages_lose_their_terminal_advice() -> None:
    from tilbook.webapp.pages import for_the_browser

    said = {
        "journal.md:8 no longer holds this TODO ('x'); run `tilbook index` and try again": (
            "Journal.md:8 no longer holds this TODO ('x')"
        ),
        "no TODO with id '0000'. List them with `tilbook todo`.": "No TODO with id '0000'",
        "/log/j.md: changed on disk since tilbook read it; nothing was written. "
        "Run the command again to apply it to the new version.": (
            "/log/j.md: changed on disk since tilbook read it; nothing was written. "
            "Reload the page and try again."
        ),
        "index.db: damaged. Run `tilbook index --rebuild` to make it again": (
            "Index.db: damaged. Run `tilbook index --rebuild` to make it again"  # the real fix
        ),
    }
    for message, shown in said.items():
        assert for_the_browser(message) == shown


def test_bare_urls_in_prose_are_links(client: TestClient, log: Path) -> None:
    path = log / "journal.md"
    path.write_text(
        path.read_text(encoding="utf-8").replace(
            "(#Idea) Raw", "(#Idea) See https://example.org/paper_(v2). Raw"
        ),
        encoding="utf-8",
    )
    resync(client)
    _, page = entry_page(client, "underline")
    assert '<a href="https://example.org/paper_(v2)"' in page
