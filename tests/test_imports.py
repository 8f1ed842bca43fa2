"""Commands import only what they use: `tilbook --help` and `tilbook index` start fast.

Each command runs in a fresh interpreter, which then reports which of the heavy
packages it imported (the web app's, the site's, the charts', the reviews')."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

SAMPLE = Path(__file__).resolve().parent.parent / "sample-log"
HEAVY = ("starlette", "uvicorn", "matplotlib", "jinja2", "fsrs", "pygments")
PROBE = """
import json, sys
from tilbook.cli import main
try:
    main(sys.argv[1:], prog_name="tilbook")
except SystemExit as done:
    if done.code:
        raise
print(json.dumps(sorted(sys.modules)))
"""


def modules(*args: str) -> set[str]:
    """Every module a fresh `tilbook ARGS` imported, by full name."""
    done = subprocess.run(
        [sys.executable, "-c", PROBE, *args], capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr
    return set(json.loads(done.stdout.strip().splitlines()[-1]))


def imported(*args: str) -> set[str]:
    """The top-level packages a fresh `tilbook ARGS` imported."""
    return {name.split(".")[0] for name in modules(*args)}


@pytest.mark.parametrize("args", [["--help"], ["index", "--help"]])
def test_help_imports_nothing_heavy(args: list[str]) -> None:
    assert imported(*args) & set(HEAVY) == set()


def test_index_imports_nothing_heavy(tmp_path: Path) -> None:
    log = tmp_path / "log"
    shutil.copytree(SAMPLE, log)
    assert imported("index", str(log), "-q") & {*HEAVY, "rich"} == set()  # nothing to print
    (log / "journal.md").write_text("# Journal\n\n## 2024-03-14\n\nOne more.\n", encoding="utf-8")
    assert imported("index", str(log), "-q") & set(HEAVY) == set()  # with a changed file


def test_index_with_nothing_changed_loads_neither_the_reader_nor_the_spelling_matcher(
    tmp_path: Path,
) -> None:
    # Every command reads changes first, so an index run that finds none must start fast.
    log = tmp_path / "log"
    shutil.copytree(SAMPLE, log)
    modules("index", str(log), "-q")
    loaded = modules("index", str(log), "-q")
    assert {"rapidfuzz", "Stemmer", "pyromark", "pathspec"} & {
        name.split(".")[0] for name in loaded
    } == set()
    assert {
        name for name in loaded if name.startswith(("tilbook.extract", "tilbook.reading"))
    } == set()
