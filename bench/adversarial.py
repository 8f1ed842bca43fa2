"""Time the reader on the adversarial sweep's files, at their full sizes, as JSON.

Run from the project root with the project's virtualenv::

    .venv/bin/python bench/adversarial.py                  # every file, one at a time
    .venv/bin/python bench/adversarial.py kramdown hashes  # only these
    .venv/bin/python bench/adversarial.py --index          # also `sync` the whole folder

Each file once crashed `tilbook index` or took super-linear time (minutes for the larger
ones). They are written into a temporary folder (removed at the end) and read one at a
time with `tilbook.indexing.read_and_parse`, the function `tilbook index` calls for each
file, under its per-file time budget: a file over the budget is skipped with a warning,
which shows here as `skipped`. `tests/test_reader_limits.py` checks the same shapes at
smaller sizes. A normal log reads at about 1 s per MB; the files here with an entry or a
block every few bytes read at 10-40 s per MB, linearly.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from tilbook.indexing import read_and_parse, sync
from tilbook.notes.files import FileStat
from tilbook.settings import load_settings
from tilbook.store import open_store


def _laughs() -> str:
    lines = ['a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    for before, name in zip("abcdefgh", "bcdefghi", strict=True):
        lines.append(f"{name}: &{name} [" + ",".join([f"*{before}"] * 9) + "]")
    return "---\n" + "\n".join(lines) + "\n---\n\nBody after the laughs.\n"


FILES: dict[str, Callable[[], str]] = {
    "impossible-date": lambda: "---\ndate: 2024-13-01\n---\n\nBody.\n",
    "deep-yaml-flow": lambda: "---\nx: " + "[" * 30_000 + "]" * 30_000 + "\n---\n\nBody.\n",
    "deep-yaml-mapping": lambda: "---\n" + "? " * 30_000 + "x\n---\n\nBody.\n",
    "deep-toml": lambda: "+++\nx = " + "[" * 30_000 + "]" * 30_000 + "\n+++\n\nBody.\n",
    "billion-laughs": _laughs,
    "recursive-alias": lambda: "---\na: &a [*a]\n---\n\nBody.\n",
    "nested-list-markers": lambda: "- " * 50_000 + "x\n",
    "nested-ordered-markers": lambda: "1. " * 50_000 + "x\n",
    "lone-hashes": lambda: "#\n" * 500_000,
    "year-less-days": lambda: "".join(f"## {1 + i % 28} Mar\n\nt{i}\n\n" for i in range(100_000)),
    "kramdown": lambda: "{:" * 500_000 + "\n",
    "marker-spaces": lambda: "## 2024-01-01\n\n(#a" + " " * 200_000 + "x\n",
    "paren-spaces": lambda: "## 2024-01-01\n\n(" + " " * 8_000 + "x\n",
    "many-questions": lambda: "why? " * 200_000 + "\n",
    "trailing-at-tags": lambda: "x" + " @a" * 200_000 + " .\n",
    "unclosed-html-tags": lambda: "<div>\n" + "<" * 1_000_000 + "\n",
}


def measure(folder: Path, name: str) -> dict[str, Any]:
    path = folder / f"{name}.md"
    path.write_text(FILES[name](), encoding="utf-8")
    info = path.stat()
    started = time.perf_counter()
    result = read_and_parse(FileStat(path.name, path, info.st_size, info.st_mtime_ns), 10**8)
    seconds = time.perf_counter() - started
    return {
        "file": name,
        "mb": round(info.st_size / 1e6, 3),
        "seconds": round(seconds, 3),
        "skipped": result.parsed is None,
        "entries": len(result.parsed.entries) if result.parsed else 0,
        "warnings": [
            w.message for w in (result.parsed.warnings if result.parsed else result.warnings)
        ],
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("names", nargs="*", metavar="NAME", help=f"any of: {', '.join(FILES)}")
    parser.add_argument("--index", action="store_true", help="also index the whole folder")
    args = parser.parse_args(argv)
    unknown = [name for name in args.names if name not in FILES]
    if unknown:
        parser.error(f"no such file: {', '.join(unknown)}")
    names = args.names or list(FILES)
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        figures: dict[str, Any] = {"files": []}
        for name in names:
            print(f"reading {name}…", file=sys.stderr, flush=True)
            figures["files"].append(measure(folder, name))
        if args.index:
            store = open_store(folder)
            try:
                report = sync(folder, store, load_settings(folder), full=True)
            finally:
                store.close()
            figures["index"] = {
                "seconds": round(report.seconds, 3),
                "parsed": report.parsed,
                "warnings": len(report.warnings),
            }
    print(json.dumps(figures, indent=2, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    sys.exit(main())
