"""When each note file was first committed and last changed, from the git history of the
notes folder.

These dates are the file's, never an entry's: an entry with no written date keeps `date`
None and shows them as "first committed" / "last changed". One `git log` reads the whole
history once (`git_history`); a folder that is not in a git repository, a machine
without git, or a history that cannot be read gives no dates, never an error.
"""

from __future__ import annotations

import os
import subprocess
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path

GIT_TIMEOUT_SECONDS = 60.0
"""How long the one `git log` may take; a history slower to read than this gives no
dates (with a warning) rather than holding up the index."""
_HEADER = "\x01"
"""Opens each commit's line in the `git log` output (a character no file name holds)."""


@dataclass(frozen=True, slots=True)
class FileDates:
    """A file's first commit (None when a shallow clone hides it) and its last change."""

    first_seen: date | None
    last_changed: date


@dataclass(slots=True)
class GitHistory:
    """What the git history says of the notes folder's files (paths relative to it, '/')."""

    head: str
    """The commit the history was read at: the same head gives the same dates."""
    shallow: bool
    files: dict[str, FileDates] = field(default_factory=dict)


class HistoryUnavailable(Exception):
    """The history could not be read (a timeout, git failing on a damaged repository)."""


def _run(root: Path, *args: str) -> subprocess.CompletedProcess[bytes]:
    env = {
        name: value
        for name, value in os.environ.items()
        if not name.startswith("GIT_") or name in ("GIT_CONFIG_NOSYSTEM",)
    }  # a GIT_DIR from a hook that runs tilbook would point git elsewhere
    env["GIT_OPTIONAL_LOCKS"] = "0"
    return subprocess.run(
        ["git", "-C", str(root), *args],
        capture_output=True,
        env=env,
        timeout=GIT_TIMEOUT_SECONDS,
        check=False,
    )


def in_repository(root: Path) -> bool:
    """Whether `root` or a folder above it holds `.git` (a folder, or the file of a
    worktree or submodule): a look at the disk, so that a log outside git costs no
    process on every index run."""
    folder = root.resolve()
    return any((parent / ".git").exists() for parent in (folder, *folder.parents))


def git_head(root: Path) -> tuple[str, bool] | None:
    """The folder's current commit and whether the clone is shallow; None when git is not
    installed, the folder is in no repository, or nothing is committed yet."""
    if not in_repository(root):
        return None  # no git process at all for a folder outside any repository
    try:
        found = _run(root, "rev-parse", "--is-shallow-repository", "HEAD")
    except (OSError, subprocess.TimeoutExpired):
        return None
    lines = found.stdout.decode("ascii", "replace").split()
    if found.returncode != 0 or len(lines) != 2:
        return None
    return lines[1], lines[0] == "true"


def git_history(root: Path, head: str, shallow: bool) -> GitHistory:
    """Every committed file's first and last commit dates (committer time, local day),
    from one `git log` of the folder. In a shallow clone the oldest commits it holds are
    not the files' first, so files first seen there have no `first_seen`."""
    try:
        found = _run(
            root,
            "-c",
            "core.quotePath=false",
            "log",
            f"--format={_HEADER}%ct %P",
            "--name-only",
            "--no-renames",
            "--relative",
            "-z",
            head,
            "--",
            ".",
        )
    except subprocess.TimeoutExpired as error:
        raise HistoryUnavailable(
            f"git log took longer than {GIT_TIMEOUT_SECONDS:.0f} s; files have no commit dates"
        ) from error
    except OSError as error:
        raise HistoryUnavailable(f"cannot run git ({error}); files have no commit dates") from error
    if found.returncode != 0:
        said = found.stderr.decode("utf-8", "replace").strip().splitlines()
        raise HistoryUnavailable(
            f"git log failed ({said[-1] if said else found.returncode}); files have no commit dates"
        )
    history = GitHistory(head, shallow)
    history.files = parse_log(found.stdout.decode("utf-8", "surrogateescape"), shallow)
    return history


def parse_log(output: str, shallow: bool) -> dict[str, FileDates]:
    """Read `git log --format=<_HEADER>%ct %P --name-only -z` output (newest first)."""
    last: dict[str, date] = {}
    first: dict[str, date | None] = {}
    when: date | None = None
    boundary = False
    first_name = False
    for token in output.split("\0"):
        if token.startswith(_HEADER):
            stamp, _, parents = token[1:].partition(" ")
            when = datetime.fromtimestamp(int(stamp)).date()
            # A commit without parents is the first one; in a shallow clone it may only be
            # the oldest one fetched.
            boundary = shallow and not parents.strip()
            first_name = True
            continue
        if first_name and token.startswith("\n"):
            token = token[1:]
        first_name = False
        if not token or when is None:
            continue
        last.setdefault(token, when)
        first[token] = None if boundary else when
    return {name: FileDates(first[name], changed) for name, changed in last.items()}
