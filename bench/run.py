"""Benchmark runner for tilbook: index, re-index, search and start-up times, as JSON.

Run from the project root with the project's virtualenv::

    .venv/bin/python bench/run.py            # 10k and 100k entries (a minute or two)
    .venv/bin/python bench/run.py --quick    # 10k only, for CI smoke runs
    .venv/bin/python bench/run.py --sizes 10000,50000 --out bench/out/latest.json

Synthetic logs (``bench/generate.py``) are written into a temporary folder that is removed
at the end. The JSON figures are the only thing printed on stdout; progress goes to stderr.
``bench/README.md`` says what each figure means.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import math
import os
import platform
import shutil
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TextIO

from tilbook import __version__ as tilbook_version
from tilbook.indexing import SyncReport, sync
from tilbook.notes.files import TILBOOK_DIR
from tilbook.settings import load_settings
from tilbook.store import open_store
from tilbook.store.base import Store
from tilbook.store.query import parse_query

DEFAULT_SIZES = (10_000, 100_000)
QUICK_SIZES = (10_000,)
TARGET_SEARCH_SIZE = 100_000
"""The search targets are judged at this many entries."""
CLI_INDEX_MAX_SIZE = 100_000
"""The CLI cold index (which includes interpreter start-up) is timed for sizes up to this."""
SMALL_SIZE = 10_000
"""Cold indexes of up to this many entries are run this many times (median reported)."""
SMALL_INDEX_RUNS = 3
EDITS = 5
NOOP_RUNS = 5
SEARCH_REPEATS = 20
SEARCH_LIMIT = 20
STARTUP_RUNS = 10
CLI_SEARCH_RUNS = 5
CLI_SEARCH_QUERIES = ("learning", "diffusion guidance", "학습")
"""`tilbook search` as a whole process: each query this many times (after a warm-up)."""
COMMON_WORD = "learning"
"""The word of `QUERIES` found in most entries (about 60 %: `search_common_word_share`)."""
MEMORY_POLL_S = 0.02
"""The shortest pause between two samples of a measured command's memory."""
MEMORY_POLL_SHARE = 0.02
"""At most this share of the time goes to sampling memory: reading /proc takes longer as
the index grows (its pages are mapped), ~8 ms at 100,000 entries, and sampling every
20 ms would take a quarter of a core from the command being timed."""


@dataclass(frozen=True, slots=True)
class Target:
    """A figure's bound: met when `figure op bound` holds (`<`, `<=`, `>`)."""

    figure: str
    op: str
    bound: float
    what: str
    unit: str


TARGETS: tuple[Target, ...] = (
    Target(
        "index_over_markdown_it_10k",
        "<=",
        0.5,
        "cold `tilbook index` (whole process), 10,000 entries, as a share of markdown-it-py "
        "(`commonmark`, no plugins) only parsing the same files in the same run",
        "×",
    ),
    Target(
        "reindex_one_file_cli_10k_ms",
        "<",
        150,
        "`tilbook index` (whole process) after one file changed, 10,000 entries",
        "ms",
    ),
    Target("search_p50_ms", "<", 5, "search p50, 100,000 entries, in-process, query mix", "ms"),
    Target("search_p99_ms", "<", 25, "search p99, 100,000 entries, in-process, query mix", "ms"),
    Target(
        "search_common_word_ms",
        "<",
        50,
        "search for a word in most entries (`learning`, share below), 100,000 entries, p50",
        "ms",
    ),
    Target(
        "search_cli_ms",
        "<",
        200,
        "`tilbook search` (whole process), 100,000 entries",
        "ms",
    ),
    Target(
        "index_cold_100k_over_10k",
        "<=",
        10,
        "cold `tilbook index` (whole process), 100,000 entries, as a multiple of 10,000",
        "×",
    ),
    Target(
        "index_peak_mb_100k",
        "<",
        300,
        "peak memory of cold `tilbook index`, 100,000 entries (PSS, all its processes)",
        "MB",
    ),
    Target("help_ms", "<", 150, "`tilbook --help`", "ms"),
    Target(
        "hugo_over_tilbook_10k",
        ">",
        1,
        "Hugo's full build ÷ `tilbook build`'s (full, `--clean`), 10,000 entries, "
        "related pages on in both",
        "×",
    ),
    Target(
        "site_rebuild_one_entry_10k_ms",
        "<",
        500,
        "re-index and site rebuild after one entry changed, 10,000 entries, in a running "
        "`tilbook build --watch` (the last build kept in memory)",
        "ms",
    ),
)
"""What the figures should be; `bench/README.md` says how each is taken."""
_OPS: dict[str, Callable[[float, float], bool]] = {
    "<": lambda value, bound: value < bound,
    "<=": lambda value, bound: value <= bound,
    ">": lambda value, bound: value > bound,
}


def judge(targets: Sequence[Target], figures: dict[str, Any]) -> list[dict[str, Any]]:
    """Each target with its figure, their ratio and whether it is met (None: not measured)."""
    judged = []
    for target in targets:
        value = figures.get(target.figure)
        measured = isinstance(value, int | float) and not math.isnan(value)
        judged.append(
            {
                "figure": target.figure,
                "what": target.what,
                "value": value if measured else None,
                "unit": target.unit,
                "op": target.op,
                "target": target.bound,
                "ratio": round(value / target.bound, 3) if measured else None,
                "met": _OPS[target.op](value, target.bound) if measured else None,
            }
        )
    return judged


# Words and phrases that bench/generate.py writes, from very common to absent. Document
# frequencies at 10k entries (of 10,000) are given as a guide to what each query costs.
QUERIES: tuple[str, ...] = (
    # common English words
    "learning",  # ~64 % of entries
    "model",  # ~37 %
    "diffusion",  # ~24 %
    "loss",  # ~17 %
    "gradient",  # ~15 %
    "attention",  # ~13 %
    # rarer words
    "posterior",  # ~8 %
    "grokking",  # ~9 %
    "omniglot",  # ~8 %
    "einsum",  # ~6 %
    "sgd",  # ~1 %
    "polysemantic",  # a handful (glossary entries only)
    "superposition",  # a handful (glossary entries only)
    # two words (both must match)
    "the learning",
    "learning rate",
    "batch normalization",
    "mode collapse",
    "memory gradients",
    # phrases
    '"catastrophic forgetting"',
    '"low-rank adaptation"',
    # prefix
    "diffus*",
    # Korean: two syllables, then three, then Korean with an English term
    "학습",
    "모델",
    "검색",
    "역전파",
    "과적합",
    "정규화",
    "LoRA 구현",
    # filters
    "tag:Research attention",
    "since:2023-01 loss",
    # nothing matches
    "zyxwvutq",
)

_STARTED = time.perf_counter()


def log(message: str) -> None:
    """Progress, on stderr, with the time since the run started."""
    print(f"[{time.perf_counter() - _STARTED:7.1f} s] {message}", file=sys.stderr, flush=True)


def size_label(entries: int) -> str:
    """10000 → ``10k``, 2500 → ``2.5k``, 500 → ``500``: the size part of a figure's name."""
    if entries >= 1000 and entries % 100 == 0:
        return f"{entries / 1000:g}k"
    return str(entries)


def percentile(samples: Sequence[float], pct: float) -> float:
    """Nearest-rank percentile (p99 of 620 samples is the 614th smallest)."""
    ordered = sorted(samples)
    rank = max(1, math.ceil(pct / 100 * len(ordered)))
    return ordered[rank - 1]


def ms(seconds: float) -> float:
    return round(seconds * 1000, 3)


def _generate_log() -> Callable[..., dict[str, Any]]:
    """``bench.generate.generate_log``, whether run as a script or with ``-m bench.run``."""
    project = str(Path(__file__).resolve().parent.parent)
    if project not in sys.path:
        sys.path.insert(0, project)
    from bench.generate import generate_log

    return generate_log


def _counts(root: Path) -> dict[str, int]:
    """Files and entries in the index of ``root`` (``SQLiteStore.counts``)."""
    store = open_store(root)
    try:
        counts = getattr(store, "counts", None)
        if counts is None:
            raise TypeError(f"{type(store).__name__} has no counts()")
        result: dict[str, int] = counts()
        return result
    finally:
        store.close()


def _remove_index(root: Path) -> None:
    shutil.rmtree(root / TILBOOK_DIR, ignore_errors=True)


def _executable(name: str) -> str:
    """A console script of the running virtualenv (not resolved: that would leave the venv)."""
    beside = Path(sys.executable).parent / name
    if beside.exists():
        return str(beside)
    found = shutil.which(name)
    if found is None:
        raise SystemExit(f"error: cannot find the `{name}` command next to {sys.executable}")
    return found


def _time_command(command: list[str], runs: int) -> list[float]:
    """Wall times (seconds) of ``runs`` runs of ``command``, after one untimed warm-up."""
    times: list[float] = []
    for i in range(runs + 1):
        started = time.perf_counter()
        subprocess.run(command, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        if i:
            times.append(time.perf_counter() - started)
    return times


# --------------------------------------------------------------------------- indexing


@dataclass(slots=True)
class ColdIndex:
    seconds: float
    report: SyncReport


def cold_index(root: Path) -> ColdIndex:
    """Open, sync and close a fresh index of ``root``, as ``tilbook index`` does."""
    _remove_index(root)
    started = time.perf_counter()
    store = open_store(root)
    report = sync(root, store, load_settings(root))
    store.close()
    return ColdIndex(time.perf_counter() - started, report)


def cold_index_cli(root: Path) -> tuple[float, float]:
    """Wall time (s) and peak memory (MB) of `tilbook index DIR -q` without an index."""
    _remove_index(root)
    return run_measured([_executable("tilbook"), "index", str(root), "-q"])


def _tree_memory_kb(pid: int) -> int:
    """Proportional set size (PSS, else RSS) of a process and all its descendants, in KB:
    shared pages of forked workers are counted once between them."""
    total = 0
    todo = [pid]
    while todo:
        current = todo.pop()
        proc = Path("/proc") / str(current)
        try:
            rollup = (proc / "smaps_rollup").read_text()
            field = "Pss:" if "Pss:" in rollup else "Rss:"
            line = next(line for line in rollup.splitlines() if line.startswith(field))
            total += int(line.split()[1])
            for task in (proc / "task").iterdir():
                todo.extend(int(child) for child in (task / "children").read_text().split())
        except (OSError, StopIteration, ValueError):
            continue
    return total


def run_measured(command: list[str]) -> tuple[float, float]:
    """Wall time (s) of `command` and the peak memory (MB) of its process tree, sampled
    from /proc (NaN where /proc is missing) every `MEMORY_POLL_S`, or less often, so that
    sampling takes at most `MEMORY_POLL_SHARE` of the time; the end is seen at once."""
    started = time.perf_counter()
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    peak = 0
    linux = Path("/proc/self/smaps_rollup").exists()
    while process.poll() is None:
        pause = MEMORY_POLL_S
        if linux:
            sampled = time.perf_counter()
            peak = max(peak, _tree_memory_kb(process.pid))
            cost = time.perf_counter() - sampled
            pause = max(pause, cost / MEMORY_POLL_SHARE - cost)
        try:
            process.wait(timeout=pause)
        except subprocess.TimeoutExpired:
            continue
    seconds = time.perf_counter() - started
    _, stderr = process.communicate()
    if process.returncode != 0:
        raise SystemExit(f"error: {command} failed ({process.returncode}):\n{stderr.decode()}")
    return seconds, (peak / 1024 if linux else math.nan)


def markdown_it_parse(root: Path) -> float:
    """Seconds markdown-it-py (`commonmark` preset, no plugins) takes only to parse every
    Markdown file of `root` (read and decoded beforehand, untimed)."""
    from markdown_it import MarkdownIt

    texts = [path.read_text(encoding="utf-8", errors="replace") for path in _markdown_files(root)]
    parser = MarkdownIt("commonmark")
    started = time.perf_counter()
    for text in texts:
        parser.parse(text)
    return time.perf_counter() - started


def reindex_one_file_cli(root: Path, number: int) -> tuple[list[float], list[str]]:
    """`tilbook index DIR -q` (whole process) after appending to one file, once per file of
    `_pick_files`; the first run (nothing changed) is untimed."""
    command = [_executable("tilbook"), "index", str(root), "-q"]
    subprocess.run(command, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    times: list[float] = []
    edited: list[str] = []
    for offset, path in enumerate(_pick_files(root, number)):
        _append_paragraph(path, 100 + offset)
        started = time.perf_counter()
        subprocess.run(command, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        times.append(time.perf_counter() - started)
        edited.append(path.relative_to(root).as_posix())
    return times, edited


def search_cli(root: Path) -> dict[str, Any]:
    """`tilbook search QUERY` (whole process, 20 hits as a table) for a few queries."""
    samples: list[float] = []
    for query in CLI_SEARCH_QUERIES:
        command = [_executable("tilbook"), "search", "--log", str(root), query]
        samples.extend(_time_command(command, CLI_SEARCH_RUNS))
    return {
        "search_cli_ms": ms(statistics.median(samples)),
        "search_cli_max_ms": ms(max(samples)),
        "search_cli_queries": list(CLI_SEARCH_QUERIES),
    }


def _markdown_files(root: Path) -> list[Path]:
    return sorted(
        path for path in root.rglob("*.md") if TILBOOK_DIR not in path.relative_to(root).parts
    )


def _pick_files(root: Path, count: int) -> list[Path]:
    """``count`` different files to edit, taking the layouts in turn (by file name prefix)."""
    files = _markdown_files(root)
    by_prefix: dict[str, list[Path]] = {}
    for path in files:
        by_prefix.setdefault(path.name.rsplit("-", 1)[0], []).append(path)
    # Start in the middle of each layout's files, away from the first and last numbers.
    queues = [paths[len(paths) // 2 :] + paths[: len(paths) // 2] for paths in by_prefix.values()]
    picked: list[Path] = []
    while len(picked) < count and any(queues):
        for queue in queues:
            if queue and len(picked) < count:
                picked.append(queue.pop(0))
    return picked


def _append_paragraph(path: Path, number: int) -> None:
    """Append a paragraph to ``path`` and make sure its modification time moves."""
    before = path.stat()
    with path.open("a", encoding="utf-8") as handle:
        handle.write(
            f"\nBenchmark edit {number}: appended a note about gradient clipping and "
            "learning rate warmup to see what one changed file costs to re-index.\n"
        )
    after = path.stat()
    if after.st_mtime_ns <= before.st_mtime_ns:
        bumped = before.st_mtime_ns + 1_000_000_000
        os.utime(path, ns=(after.st_atime_ns, bumped))


def reindex(root: Path) -> dict[str, Any]:
    """Warm-process re-index times: nothing changed, then one edited file at a time."""
    settings = load_settings(root)
    store = open_store(root)
    try:
        sync(root, store, settings)  # warm-up (untimed)
        noop: list[float] = []
        for _ in range(NOOP_RUNS):
            started = time.perf_counter()
            report = sync(root, store, settings)
            noop.append(time.perf_counter() - started)
            if report.parsed:
                log(f"  warning: a no-op sync parsed {report.parsed} file(s)")
        edits: list[float] = []
        edited: list[str] = []
        for number, path in enumerate(_pick_files(root, EDITS), 1):
            _append_paragraph(path, number)
            started = time.perf_counter()
            report = sync(root, store, settings)
            edits.append(time.perf_counter() - started)
            edited.append(path.relative_to(root).as_posix())
            if report.parsed != 1:
                log(f"  warning: re-index after editing {path.name} parsed {report.parsed} files")
    finally:
        store.close()
    return {
        "reindex_noop_ms": ms(statistics.median(noop)),
        "reindex_noop_runs_ms": [ms(t) for t in noop],
        "reindex_one_file_ms": ms(statistics.median(edits)),
        "reindex_one_file_runs_ms": [ms(t) for t in edits],
        "reindex_edited_files": edited,
    }


# --------------------------------------------------------------------------- search


def search_latency(store: Store, queries: Sequence[str]) -> dict[str, Any]:
    """Per-query and overall latency of ``store.search(parse_query(q), limit=20)``."""
    all_samples: list[float] = []
    per_query: list[dict[str, Any]] = []
    for text in queries:
        hits = len(store.search(parse_query(text), limit=SEARCH_LIMIT))  # warm-up
        samples: list[float] = []
        for _ in range(SEARCH_REPEATS):
            started = time.perf_counter()
            store.search(parse_query(text), limit=SEARCH_LIMIT)
            samples.append(time.perf_counter() - started)
        all_samples.extend(samples)
        per_query.append(
            {
                "query": text,
                "hits": hits,
                "p50_ms": ms(statistics.median(samples)),
                "max_ms": ms(max(samples)),
            }
        )
    slowest = sorted(per_query, key=lambda q: q["p50_ms"], reverse=True)[:3]
    return {
        "search_p50_ms": ms(percentile(all_samples, 50)),
        "search_p99_ms": ms(percentile(all_samples, 99)),
        "search_max_ms": ms(max(all_samples)),
        "search_slowest": [{"query": q["query"], "p50_ms": q["p50_ms"]} for q in slowest],
        "search_queries": per_query,
    }


# --------------------------------------------------------------------------- one size


def bench_size(entries: int, workdir: Path, seed: int) -> dict[str, Any]:
    label = size_label(entries)
    root = workdir / f"log-{label}"
    log(f"{label}: generating {entries} entries")
    started = time.perf_counter()
    summary = _generate_log()(root, entries, seed=seed)
    log(
        f"{label}: {summary['files']} files, {summary['bytes'] / 1e6:.1f} MB "
        f"in {time.perf_counter() - started:.1f} s"
    )

    runs = SMALL_INDEX_RUNS if entries <= SMALL_SIZE else 1
    cold: list[ColdIndex] = []
    for i in range(runs):
        log(f"{label}: cold index (library), run {i + 1} of {runs}")
        cold.append(cold_index(root))
        log(f"{label}:   {cold[-1].seconds:.2f} s")
    seconds = statistics.median(run.seconds for run in cold)
    report = cold[-1].report
    counts = _counts(root)
    if counts["entries"] != entries:
        log(f"{label}: warning: generated {entries} entries but the index holds {counts}")

    result: dict[str, Any] = {
        "entries_generated": entries,
        "entries": counts["entries"],
        "files": counts["files"],
        "markdown_mb": round(summary["bytes"] / 1e6, 2),
        "index_cold_s": round(seconds, 3),
        "index_cold_runs_s": [round(run.seconds, 3) for run in cold],
        "entries_per_s": round(counts["entries"] / seconds),
        "mb_per_s": round(summary["bytes"] / 1e6 / seconds, 2),
        "index_warnings": len(report.warnings),
    }

    if entries <= SMALL_SIZE:
        parses: list[float] = []
        for i in range(runs):
            log(f"{label}: markdown-it-py parse of the same files, run {i + 1} of {runs}")
            parses.append(markdown_it_parse(root))
            log(f"{label}:   {parses[-1]:.2f} s")
        result["markdown_it_parse_s"] = round(statistics.median(parses), 3)
        result["markdown_it_parse_runs_s"] = [round(t, 3) for t in parses]

    if entries <= CLI_INDEX_MAX_SIZE:
        cli: list[tuple[float, float]] = []
        for i in range(runs):
            log(f"{label}: cold index (CLI subprocess), run {i + 1} of {runs}")
            cli.append(cold_index_cli(root))
            log(f"{label}:   {cli[-1][0]:.2f} s, peak {cli[-1][1]:.0f} MB")
        result["index_cold_cli_s"] = round(statistics.median(t for t, _ in cli), 3)
        result["index_cold_cli_runs_s"] = [round(t, 3) for t, _ in cli]
        result["index_peak_mb"] = round(max(mb for _, mb in cli), 1)
        if "markdown_it_parse_s" in result:
            result["index_over_markdown_it"] = round(
                result["index_cold_cli_s"] / result["markdown_it_parse_s"], 3
            )
        cli_counts = _counts(root)
        if cli_counts != counts:
            log(f"{label}: warning: CLI index holds {cli_counts}, library index {counts}")
        log(f"{label}: `tilbook index` after one edited file (CLI subprocess) x{EDITS}")
        times, edited = reindex_one_file_cli(root, EDITS)
        result["reindex_one_file_cli_ms"] = ms(statistics.median(times))
        result["reindex_one_file_cli_runs_ms"] = [ms(t) for t in times]
        result["reindex_one_file_cli_edited"] = edited
        log(f"{label}:   {result['reindex_one_file_cli_ms']:.0f} ms")

    log(f"{label}: re-index (no-op x{NOOP_RUNS}, one edited file x{EDITS})")
    result.update(reindex(root))
    log(
        f"{label}:   no-op {result['reindex_noop_ms']:.1f} ms, "
        f"one file {result['reindex_one_file_ms']:.1f} ms"
    )

    log(f"{label}: search, {len(QUERIES)} queries x{SEARCH_REPEATS}")
    store = open_store(root)
    try:
        result.update(search_latency(store, QUERIES))
        common = next(q for q in result["search_queries"] if q["query"] == COMMON_WORD)
        result["search_common_word_ms"] = common["p50_ms"]
        result["search_common_word_max_ms"] = common["max_ms"]
        matched = getattr(store, "match_counts", lambda terms: [math.nan])(
            parse_query(COMMON_WORD).terms
        )[0]
        result["search_common_word_share"] = round(matched / counts["entries"], 3)
    finally:
        store.close()
    log(f"{label}: `tilbook search` (CLI subprocess), {len(CLI_SEARCH_QUERIES)} queries")
    result.update(search_cli(root))
    log(
        f"{label}:   p50 {result['search_p50_ms']:.2f} ms, p99 {result['search_p99_ms']:.2f} ms, "
        f"max {result['search_max_ms']:.2f} ms"
    )
    shutil.rmtree(root, ignore_errors=True)
    return result


# --------------------------------------------------------------------------- static site

SITE_SIZES = (1_000, 10_000)
QUICK_SITE_SIZES = (1_000,)
SITE_EDITS = 3
HUGO_CONFIG = """\
baseURL = "https://example.org/"
title = "Learning log"
disableKinds = ["sitemap", "robotsTXT", "404"]
[taxonomies]
  tag = "tags"
  month = "months"
[markup.highlight]
  codeFences = true
  noClasses = false
[markup.tableOfContents]
  startLevel = 2
  endLevel = 4
[outputs]
  home = ["HTML", "RSS"]
  section = ["HTML"]
  taxonomy = ["HTML"]
  term = ["HTML", "RSS"]
[services.rss]
  limit = 20
[permalinks]
  posts = "/:year/:month/:day/:slug/"
[related]
  threshold = 1
  includeNewer = true
  toLower = true
  [[related.indices]]
    name = "tags"
    weight = 100
"""
HUGO_LAYOUTS = {
    "_default/baseof.html": """<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>{{ .Title }} · {{ .Site.Title }}</title>
<link rel="stylesheet" href="{{ "style.css" | relURL }}"></head>
<body><header><a href="{{ "/" | relURL }}">{{ .Site.Title }}</a></header>
<main>{{ block "main" . }}{{ end }}</main></body></html>
""",
    "_default/single.html": """{{ define "main" }}<article><h1>{{ .Title }}</h1>
<p>{{ .Date.Format "2006-01-02" }}{{ range .Params.tags }}
<a href="{{ "tags/" | relURL }}{{ . | urlize }}/">#{{ . }}</a>{{ end }}</p>
{{ if gt .WordCount 400 }}{{ .TableOfContents }}{{ end }}
{{ .Content }}</article>
<nav>{{ with .PrevInSection }}<a href="{{ .RelPermalink }}">{{ .Title }}</a>{{ end }}
{{ with .NextInSection }}<a href="{{ .RelPermalink }}">{{ .Title }}</a>{{ end }}</nav>
<aside><ul>{{ range first 5 (.Site.RegularPages.Related .) }}
<li><a href="{{ .RelPermalink }}">{{ .Title }}</a></li>{{ end }}</ul></aside>
{{ end }}
""",
    "_default/list.html": """{{ define "main" }}<h1>{{ .Title }}</h1><ol>
{{ range .Pages }}<li>{{ .Date.Format "2006-01-02" }}
<a href="{{ .RelPermalink }}">{{ .Title }}</a></li>
{{ end }}</ol>{{ end }}
""",
    "index.html": """{{ define "main" }}<ol>{{ range first 20 .Site.RegularPages }}
<li><a href="{{ .RelPermalink }}">{{ .Title }}</a> {{ .Summary }}</li>{{ end }}</ol>{{ end }}
""",
}


def _hugo_site(root: Path, site: Path) -> int:
    """A Hugo site holding the same entries (same Markdown bodies, titles, dates, tags)."""
    from tilbook.staticsite.reader import read_log

    store = open_store(root)
    try:
        records = read_log(root, store).records
    finally:
        store.close()
    shutil.rmtree(site, ignore_errors=True)
    posts = site / "content" / "posts"
    posts.mkdir(parents=True)
    (site / "config.toml").write_text(HUGO_CONFIG, encoding="utf-8")
    for name, text in HUGO_LAYOUTS.items():
        target = site / "layouts" / name
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text, encoding="utf-8")
    (site / "static").mkdir()
    (site / "static" / "style.css").write_text("body{font-family:sans-serif}\n", encoding="utf-8")
    for number, record in enumerate(records):
        front = {
            "title": record.title,
            "tags": record.tags,
            "slug": f"{record.slug}-{record.id[:6]}",
        }
        if record.date:
            front["date"] = record.date
            front["months"] = [record.date[:7]]
        else:
            front["url"] = f"/notes/{record.slug}-{record.id[:6]}/"
        header = "\n".join(
            f"{key}: {json.dumps(value, ensure_ascii=False)}" for key, value in front.items()
        )
        (posts / f"{number:06d}.md").write_text(
            f"---\n{header}\n---\n\n{record.markdown}", encoding="utf-8"
        )
    return len(records)


def hugo_build(site: Path, out: Path) -> float:
    """Wall time of `hugo` building `site` into `out` (a fresh folder on the same disk)."""
    shutil.rmtree(out, ignore_errors=True)
    started = time.perf_counter()
    done = subprocess.run(
        ["hugo", "--quiet", "--source", str(site), "--destination", str(out)],
        capture_output=True,
        text=True,
        check=False,
    )
    seconds = time.perf_counter() - started
    if done.returncode != 0:
        raise SystemExit(f"error: hugo failed ({done.returncode}):\n{done.stderr[-2000:]}")
    return seconds


def _pagefind_run(out: Path) -> tuple[float, float]:
    """Seconds and peak memory (MB) of Pagefind indexing the built site."""
    import resource

    from tilbook.staticsite import pagefind_executable

    executable = pagefind_executable()
    if executable is None:
        return math.nan, math.nan
    shutil.rmtree(out / "pagefind", ignore_errors=True)
    started = time.perf_counter()
    subprocess.run(
        [executable, "--site", str(out), "--quiet"], check=True, capture_output=True, text=True
    )
    seconds = time.perf_counter() - started
    peak_kb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    return seconds, peak_kb / 1024


def site_bench(entries: int, workdir: Path, seed: int) -> dict[str, Any]:
    """`tilbook build` at one size: full build, one-entry rebuilds, Pagefind, and Hugo."""
    from tilbook.staticsite import SiteOptions, build_site

    label = size_label(entries)
    root = workdir / f"site-log-{label}"
    out = workdir / f"site-{label}"
    log(f"site {label}: generating {entries} entries and indexing them")
    _generate_log()(root, entries, seed=seed)
    cold_index(root)
    options = SiteOptions(title="Learning log", base_url="https://example.org/")
    store = open_store(root)
    settings = load_settings(root)
    result: dict[str, Any] = {"entries": entries}
    try:
        runs = 2 if entries <= 1_000 else 1
        full: list[float] = []
        for i in range(runs):
            log(f"site {label}: full build (--clean), run {i + 1} of {runs}")
            started = time.perf_counter()
            report = build_site(root, store, out, options, clean=True, pagefind=False)
            full.append(time.perf_counter() - started)
            log(f"site {label}:   {full[-1]:.2f} s, {report.pages} pages, {report.workers} workers")
        seconds = statistics.median(full)
        result.update(
            {
                "pages": report.pages,
                "files_written": len(report.written),
                "workers": report.workers,
                "site_build_full_s": round(seconds, 3),
                "site_build_full_runs_s": [round(t, 3) for t in full],
                "site_pages_per_s": round(report.pages / seconds),
                "site_build_warnings": len(report.warnings),
            }
        )
        log(f"site {label}: one-entry rebuilds (append to a file, sync, build) x{SITE_EDITS}")
        rebuilds: list[float] = []
        written: list[int] = []
        for number, path in enumerate(_pick_files(root, SITE_EDITS), 1):
            _append_paragraph(path, number)
            started = time.perf_counter()
            sync(root, store, settings)
            report = build_site(root, store, out, options, pagefind=False)
            rebuilds.append(time.perf_counter() - started)
            written.append(len(report.written))
        result["site_rebuild_one_entry_ms"] = ms(statistics.median(rebuilds))
        result["site_rebuild_one_entry_runs_ms"] = [ms(t) for t in rebuilds]
        result["site_rebuild_files_written"] = written
        log(f"site {label}:   {result['site_rebuild_one_entry_ms']:.0f} ms, wrote {written}")
        log(f"site {label}: `tilbook build` as a new process after one change x{SITE_EDITS}")
        command = [_executable("tilbook"), "build", "--log", str(root), "--out", str(out)]
        command += ["--title", options.title, "--base-url", options.base_url]  # as above
        cli: list[float] = []
        for number, path in enumerate(_pick_files(root, SITE_EDITS), SITE_EDITS + 1):
            _append_paragraph(path, number)
            started = time.perf_counter()
            subprocess.run([*command, "--no-pagefind", "-q"], check=True, capture_output=True)
            cli.append(time.perf_counter() - started)
        result["site_rebuild_one_entry_cli_ms"] = ms(statistics.median(cli))
        result["site_rebuild_one_entry_cli_runs_ms"] = [ms(t) for t in cli]
        log(f"site {label}:   {result['site_rebuild_one_entry_cli_ms']:.0f} ms")
    finally:
        store.close()
    pagefind_s, pagefind_mb = _pagefind_run(out)
    if not math.isnan(pagefind_s):
        result["pagefind_s"] = round(pagefind_s, 3)
        result["pagefind_peak_mb"] = round(pagefind_mb)
        log(f"site {label}: Pagefind (separate, off the critical path) {pagefind_s:.2f} s")
    if shutil.which("hugo"):
        site = workdir / f"hugo-{label}"
        _hugo_site(root, site)
        hugo_runs = [hugo_build(site, workdir / f"hugo-out-{label}") for _ in range(runs)]
        hugo_s = statistics.median(hugo_runs)
        result["hugo_build_s"] = round(hugo_s, 3)
        result["hugo_build_runs_s"] = [round(t, 3) for t in hugo_runs]
        result["hugo_version"] = subprocess.run(
            ["hugo", "version"], capture_output=True, text=True, check=False
        ).stdout.split(" ")[1]
        result["hugo_over_tilbook"] = round(hugo_s / result["site_build_full_s"], 2)
        log(
            f"site {label}: hugo {hugo_s:.2f} s; tilbook is "
            f"{result['hugo_over_tilbook']:.2f}x as fast"
        )
        shutil.rmtree(site, ignore_errors=True)
        shutil.rmtree(workdir / f"hugo-out-{label}", ignore_errors=True)
    shutil.rmtree(out, ignore_errors=True)
    shutil.rmtree(root, ignore_errors=True)
    return result


# --------------------------------------------------------------------------- whole run


def startup() -> dict[str, Any]:
    log(f"start-up: `tilbook --help` and `python -c pass`, median of {STARTUP_RUNS}")
    help_times = _time_command([_executable("tilbook"), "--help"], STARTUP_RUNS)
    python_times = _time_command([sys.executable, "-c", "pass"], STARTUP_RUNS)
    return {
        "help_ms": ms(statistics.median(help_times)),
        "help_runs_ms": [ms(t) for t in help_times],
        "python_startup_ms": ms(statistics.median(python_times)),
    }


def machine() -> dict[str, Any]:
    affinity = getattr(os, "sched_getaffinity", None)
    return {
        "platform": platform.platform(),
        "machine": platform.machine(),
        "cpu_count": os.cpu_count(),
        "cpus_usable": len(affinity(0)) if affinity is not None else os.cpu_count(),
        "python": platform.python_version(),
        "python_implementation": platform.python_implementation(),
        "sqlite": sqlite3.sqlite_version,
        "tilbook": tilbook_version,
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
    }


def run(sizes: Sequence[int], seed: int, site_sizes: Sequence[int] = ()) -> dict[str, Any]:
    by_size: dict[str, dict[str, Any]] = {}
    site: dict[str, dict[str, Any]] = {}
    # First, on a quiet machine: later steps leave gigabytes of writes and deletions
    # that the system is still flushing for a while.
    started_up = startup()
    with tempfile.TemporaryDirectory(prefix="tilbook-bench-") as tmp:
        log(f"working in {tmp}")
        for entries in sizes:
            by_size[size_label(entries)] = bench_size(entries, Path(tmp), seed)
        for entries in site_sizes:
            site[size_label(entries)] = site_bench(entries, Path(tmp), seed)
    figures: dict[str, Any] = {}
    for label, result in by_size.items():
        figures[f"index_cold_{label}_s"] = result["index_cold_s"]
        if "index_cold_cli_s" in result:
            figures[f"index_cold_{label}_cli_s"] = result["index_cold_cli_s"]
        figures[f"entries_per_s_{label}"] = result["entries_per_s"]
        for key, name in (
            ("markdown_it_parse_s", f"markdown_it_parse_{label}_s"),
            ("index_over_markdown_it", f"index_over_markdown_it_{label}"),
            ("index_peak_mb", f"index_peak_mb_{label}"),
            ("reindex_one_file_cli_ms", f"reindex_one_file_cli_{label}_ms"),
        ):
            if key in result:
                figures[name] = result[key]
    if "10k" in by_size and "100k" in by_size:
        small, big = by_size["10k"], by_size["100k"]
        if "index_cold_cli_s" in small and "index_cold_cli_s" in big:
            figures["index_cold_100k_over_10k"] = round(
                big["index_cold_cli_s"] / small["index_cold_cli_s"], 2
            )

    largest = by_size[size_label(max(sizes))]
    figures["reindex_at_entries"] = largest["entries"]
    figures["reindex_one_file_ms"] = largest["reindex_one_file_ms"]
    figures["reindex_noop_ms"] = largest["reindex_noop_ms"]
    # The search figures are those at 100k entries when that size ran, else at the largest.
    search = by_size.get(size_label(TARGET_SEARCH_SIZE), largest)
    figures["search_at_entries"] = search["entries"]
    search_keys = (
        "search_p50_ms",
        "search_p99_ms",
        "search_max_ms",
        "search_slowest",
        "search_common_word_ms",
        "search_common_word_max_ms",
        "search_common_word_share",
        "search_cli_ms",
        "search_cli_max_ms",
    )
    for key in search_keys:
        figures[key] = search[key]
    figures.update(started_up)

    # The static site (`tilbook build`): figures per size, targets at the largest size.
    for label, found in site.items():
        figures[f"site_build_full_{label}_s"] = found["site_build_full_s"]
        figures[f"site_pages_per_s_{label}"] = found["site_pages_per_s"]
        figures[f"site_rebuild_one_entry_{label}_ms"] = found["site_rebuild_one_entry_ms"]
        figures[f"site_rebuild_one_entry_cli_{label}_ms"] = found["site_rebuild_one_entry_cli_ms"]
        for key in ("hugo_build_s", "pagefind_s"):
            if key in found:
                figures[f"{key.removesuffix('_s')}_{label}_s"] = found[key]
        if "hugo_over_tilbook" in found:
            figures[f"hugo_over_tilbook_{label}"] = found["hugo_over_tilbook"]
    # The search targets are judged at 100k entries only.
    at_target = size_label(TARGET_SEARCH_SIZE) in by_size
    judged = judge(TARGETS, {k: v for k, v in figures.items() if at_target or k not in search_keys})
    return {
        "figures": figures,
        "targets": judged,
        "meets_targets": {
            **{t["figure"]: t["met"] for t in judged},
            "all": all(t["met"] is not False for t in judged),
        },
        "by_size": by_size,
        "site": site,
        "settings": {
            "sizes": list(sizes),
            "site_sizes": list(site_sizes),
            "seed": seed,
            "queries": len(QUERIES),
            "search_repeats": SEARCH_REPEATS,
            "search_limit": SEARCH_LIMIT,
            "edits": EDITS,
            "noop_runs": NOOP_RUNS,
            "startup_runs": STARTUP_RUNS,
        },
        "machine": machine(),
    }


def _sizes(text: str) -> tuple[int, ...]:
    try:
        sizes = tuple(int(part.replace("_", "")) for part in text.split(",") if part.strip())
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a list like 10000,100000") from None
    if not sizes or any(size < 1 for size in sizes):
        raise argparse.ArgumentTypeError("sizes must be positive entry counts")
    return tuple(sorted(set(sizes)))


@contextlib.contextmanager
def _stdout_to_stderr() -> Iterator[TextIO]:
    """Keep stray prints off stdout while measuring; yields the real stdout."""
    real = sys.stdout
    with contextlib.redirect_stdout(sys.stderr):
        yield real


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description="Benchmark tilbook on synthetic logs; prints JSON figures on stdout."
    )
    parser.add_argument("--quick", action="store_true", help="only 10,000 entries (a CI smoke run)")
    parser.add_argument(
        "--sizes",
        type=_sizes,
        default=None,
        help="comma-separated entry counts (default 10000,100000)",
    )
    parser.add_argument(
        "--site-sizes",
        type=_sizes,
        default=None,
        help="entry counts for the static-site build (default 1000,10000; 1000 with --quick)",
    )
    parser.add_argument("--no-site", action="store_true", help="skip the static-site build")
    parser.add_argument("--seed", type=int, default=0, help="generator seed (default 0)")
    parser.add_argument("--out", type=Path, default=None, help="also write the JSON to FILE")
    parser.add_argument(
        "--note", default="", help="a word on the conditions (a busy machine), kept in the JSON"
    )
    args = parser.parse_args(argv)
    if args.quick and args.sizes is not None:
        parser.error("--quick and --sizes cannot be used together")
    sizes: tuple[int, ...] = QUICK_SIZES if args.quick else (args.sizes or DEFAULT_SIZES)

    # The commands timed are those of an installed tilbook, whose modules are compiled
    # once: let the untimed warm-up runs write the bytecode if the environment says not to.
    os.environ.pop("PYTHONDONTWRITEBYTECODE", None)
    with _stdout_to_stderr() as stdout:
        site_sizes: tuple[int, ...] = ()
        if not args.no_site:
            site_sizes = args.site_sizes or (QUICK_SITE_SIZES if args.quick else SITE_SIZES)
        result = run(sizes, args.seed, site_sizes)
        if args.note:
            result["settings"]["note"] = args.note
        text = json.dumps(result, indent=2, ensure_ascii=False)
        if args.out is not None:
            args.out.parent.mkdir(parents=True, exist_ok=True)
            args.out.write_text(text + "\n", encoding="utf-8")
            log(f"wrote {args.out}")
        log("done")
        print(text, file=stdout, flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
