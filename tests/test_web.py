"""`tilbook serve` through Starlette's test client: every route, and every attack."""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path

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
