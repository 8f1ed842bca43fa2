"""Dates from git history: each file's first commit and last change, never an entry's date."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from tilbook.cli import main
from tilbook.notes import history
from tilbook.notes.history import FileDates, parse_log

pytestmark = pytest.mark.skipif(shutil.which("git") is None, reason="git is not installed")

TOPIC = "# Attention\n\n## Queries and keys\n\nDot products, scaled.\n\n## Heads\n\nSeveral.\n"
COURSE = "# Linear algebra\n\n## Eigenvectors\n\nDirections a map only stretches.\n"


def git(repo: Path, *args: str, day: str | None = None) -> str:
    env = {**os.environ, "GIT_CONFIG_NOSYSTEM": "1", "HOME": str(repo.parent)}
    if day is not None:
        env["GIT_AUTHOR_DATE"] = env["GIT_COMMITTER_DATE"] = f"{day}T12:00:00+00:00"
    done = subprocess.run(
        ["git", "-c", "user.name=T", "-c", "user.email=t@example.org", "-c",
         "commit.gpgsign=false", "-C", str(repo), *args],
        capture_output=True, text=True, env=env, check=True,
    )  # fmt: skip
    return done.stdout


def commit(repo: Path, files: dict[str, str], day: str) -> None:
    for name, text in files.items():
        path = repo / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    git(repo, "add", *files)
    git(repo, "commit", "-q", "-m", f"notes of {day}", day=day)


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    """A repository whose notes live in `notes/` (paths in git are not the log's)."""
    root = tmp_path / "repo"
    root.mkdir()
    git(root, "init", "-q")
    commit(root, {"notes/attention.md": TOPIC, "README.md": "other\n"}, "2024-01-10")
    commit(root, {"notes/course/linalg.md": COURSE}, "2024-02-01")
    commit(root, {"notes/attention.md": TOPIC + "\nMore.\n"}, "2024-03-05")
    (root / "notes" / "draft.md").write_text("# Draft\n\n## One\n\nx\n\n## Two\n\ny\n")
    return root


def run(*args: str, env: dict[str, str] | None = None) -> Any:
    result = CliRunner().invoke(main, list(args), env=env)
    assert result.exit_code == 0, result.output
    return result


def entries(notes: Path, env: dict[str, str] | None = None) -> dict[str, dict[str, Any]]:
    """Each file's first entry, by file."""
    found = json.loads(run("entries", "--log", str(notes), "--json", env=env).stdout)
    by_source: dict[str, dict[str, Any]] = {}
    for entry in sorted(found, key=lambda e: e["line"]):
        by_source.setdefault(entry["source"], entry)
    return by_source


def test_each_file_gets_its_first_commit_and_last_change_not_a_date(repo: Path) -> None:
    found = entries(repo / "notes")
    topic = found["attention.md"]
    assert (topic["date"], topic["first_seen"], topic["last_changed"]) == (
        None,
        "2024-01-10",
        "2024-03-05",
    )
    course = found["course/linalg.md"]
    assert (course["first_seen"], course["last_changed"]) == ("2024-02-01", "2024-02-01")
    draft = found["draft.md"]  # never committed
    assert (draft["date"], draft["first_seen"], draft["last_changed"]) == (None, None, None)


def test_a_new_commit_moves_last_changed_with_one_git_log(
    repo: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    entries(repo / "notes")
    commit(repo, {"notes/course/linalg.md": COURSE + "\nAnd eigenvalues.\n"}, "2024-04-20")
    calls: list[list[str]] = []
    real = subprocess.run

    def counting(command: list[str], **kwargs: Any) -> Any:
        calls.append(command)
        return real(command, **kwargs)

    monkeypatch.setattr(history.subprocess, "run", counting)
    found = entries(repo / "notes")
    assert found["course/linalg.md"]["last_changed"] == "2024-04-20"
    assert sum("log" in command for command in calls) == 1
    calls.clear()
    entries(repo / "notes")  # HEAD did not move: no git log at all
    assert not any("log" in command for command in calls)


def test_show_and_the_site_label_them(repo: Path) -> None:
    notes = repo / "notes"
    entry_id = entries(notes)["attention.md"]["id"]
    shown = run("show", entry_id, "--log", str(notes)).stdout
    assert "first committed: 2024-01-10" in shown and "last changed: 2024-03-05" in shown
    assert "date:" not in shown
    out = repo.parent / "site"
    run("build", "--log", str(notes), "--out", str(out))
    home = (out / "index.html").read_text()
    changed = home[home.index("Recently changed") :]
    assert changed.index("Queries and keys") < changed.index("Linear algebra")  # newest first
    assert "Draft" not in changed
    pages = "".join(path.read_text() for path in out.rglob("index.html"))
    assert "first committed <time" in pages


def test_no_repository_or_no_git_gives_no_dates(tmp_path: Path, repo: Path) -> None:
    plain = tmp_path / "plain"
    plain.mkdir()
    (plain / "note.md").write_text(TOPIC)
    assert {e["last_changed"] for e in entries(plain).values()} == {None}
    empty = tmp_path / "bin"
    empty.mkdir()
    found = entries(repo / "notes", env={"PATH": str(empty)})
    assert {e["first_seen"] for e in found.values()} == {None}


def test_a_folder_outside_any_repository_starts_no_git(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    plain = tmp_path / "plain"
    plain.mkdir()
    started: list[tuple[str, ...]] = []

    def run(root: Path, *args: str) -> subprocess.CompletedProcess[bytes]:
        started.append(args)
        return subprocess.CompletedProcess(args, 128, b"", b"")

    monkeypatch.setattr(history, "_run", run)
    assert history.git_head(plain) is None
    assert started == []
    (plain / ".git").write_text("gitdir: elsewhere\n")  # a worktree's or submodule's file
    (plain / "sub").mkdir()
    assert history.git_head(plain / "sub") is None  # asked git, which found no commit
    assert [args[0] for args in started] == ["rev-parse"]


def test_a_shallow_clone_hides_first_commits(tmp_path: Path, repo: Path) -> None:
    clone = tmp_path / "clone"
    subprocess.run(
        ["git", "clone", "-q", "--depth", "1", f"file://{repo}", str(clone)],
        check=True,
        capture_output=True,
    )
    found = entries(clone / "notes")
    topic = found["attention.md"]
    assert (topic["first_seen"], topic["last_changed"]) == (None, "2024-03-05")


def test_parse_log_reads_names_after_each_commit() -> None:
    output = (
        "\x011709640800 aaa\0\nattention.md\0\0"
        "\x011706788400 bbb\0\ncourse/linalg.md\0spaced name.md\0\0"
        "\x011704888000 \0\nattention.md\0"
    )
    found = parse_log(output, shallow=False)
    assert found["attention.md"].first_seen is not None
    assert found["attention.md"].first_seen < found["attention.md"].last_changed
    assert set(found) == {"attention.md", "course/linalg.md", "spaced name.md"}
    shallow = parse_log(output, shallow=True)
    assert shallow["attention.md"] == FileDates(None, found["attention.md"].last_changed)
    assert shallow["course/linalg.md"].first_seen is not None


def test_the_web_app_entry_page_labels_them(repo: Path) -> None:
    from starlette.testclient import TestClient

    from tilbook.webapp.app import create_app

    notes = repo / "notes"
    entry_id = entries(notes)["attention.md"]["id"]
    client = TestClient(create_app(notes, watch=False), base_url="http://127.0.0.1:8000")
    response = client.get(f"/entry/{entry_id}", follow_redirects=True)
    assert response.status_code == 200
    assert 'first committed <time datetime="2024-01-10">' in response.text
    assert 'last changed <time datetime="2024-03-05">' in response.text
