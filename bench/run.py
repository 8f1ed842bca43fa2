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
CLI_INDEX_MAX_SIZE = 10_000
"""The CLI cold index (which includes interpreter start-up) is timed for sizes up to this."""
SMALL_SIZE = 10_000
"""Cold indexes of up to this many entries are run this many times (median reported)."""
SMALL_INDEX_RUNS = 3
EDITS = 5
NOOP_RUNS = 5
SEARCH_REPEATS = 20
SEARCH_LIMIT = 20
STARTUP_RUNS = 10

TARGETS: dict[str, float] = {
    "index_cold_10k_s": 3.0,
    "reindex_one_file_ms": 150.0,
    "search_p50_ms": 5.0,
    "search_p99_ms": 25.0,
    "help_ms": 150.0,
}
"""Upper bounds: a figure meets its target when it is strictly below it."""

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


def cold_index_cli(root: Path) -> float:
    """Wall time of ``tilbook index DIR -q`` on a folder without an index."""
    _remove_index(root)
    started = time.perf_counter()
    done = subprocess.run(
        [_executable("tilbook"), "index", str(root), "-q"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
        check=False,
    )
    seconds = time.perf_counter() - started
    if done.returncode != 0:
        raise SystemExit(f"error: tilbook index failed ({done.returncode}):\n{done.stderr}")
    return seconds


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

    if entries <= CLI_INDEX_MAX_SIZE:
        cli: list[float] = []
        for i in range(runs):
            log(f"{label}: cold index (CLI subprocess), run {i + 1} of {runs}")
            cli.append(cold_index_cli(root))
            log(f"{label}:   {cli[-1]:.2f} s")
        result["index_cold_cli_s"] = round(statistics.median(cli), 3)
        result["index_cold_cli_runs_s"] = [round(t, 3) for t in cli]
        cli_counts = _counts(root)
        if cli_counts != counts:
            log(f"{label}: warning: CLI index holds {cli_counts}, library index {counts}")

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
    finally:
        store.close()
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
SITE_TARGETS: dict[str, float] = {"site_rebuild_one_entry_ms": 500.0}
"""The one-entry rebuild (index sync + incremental build) at the largest site size."""
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


def _meets(value: Any, target: float) -> bool | None:
    return None if value is None else bool(value < target)


def run(sizes: Sequence[int], seed: int, site_sizes: Sequence[int] = ()) -> dict[str, Any]:
    by_size: dict[str, dict[str, Any]] = {}
    site: dict[str, dict[str, Any]] = {}
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

    largest = by_size[size_label(max(sizes))]
    figures["reindex_at_entries"] = largest["entries"]
    figures["reindex_one_file_ms"] = largest["reindex_one_file_ms"]
    figures["reindex_noop_ms"] = largest["reindex_noop_ms"]
    # The search figures are those at 100k entries when that size ran, else at the largest.
    search = by_size.get(size_label(TARGET_SEARCH_SIZE), largest)
    figures["search_at_entries"] = search["entries"]
    for key in ("search_p50_ms", "search_p99_ms", "search_max_ms", "search_slowest"):
        figures[key] = search[key]
    figures.update(startup())

    at_target = size_label(TARGET_SEARCH_SIZE) in by_size
    meets = {
        "index_cold_10k_s": _meets(figures.get("index_cold_10k_s"), TARGETS["index_cold_10k_s"]),
        "reindex_one_file_ms": _meets(
            figures["reindex_one_file_ms"], TARGETS["reindex_one_file_ms"]
        ),
        "search_p50_ms": _meets(
            figures["search_p50_ms"] if at_target else None, TARGETS["search_p50_ms"]
        ),
        "search_p99_ms": _meets(
            figures["search_p99_ms"] if at_target else None, TARGETS["search_p99_ms"]
        ),
        "help_ms": _meets(figures["help_ms"], TARGETS["help_ms"]),
    }
    # The static site (`tilbook build`): figures per size, targets at the largest size.
    for label, found in site.items():
        figures[f"site_build_full_{label}_s"] = found["site_build_full_s"]
        figures[f"site_pages_per_s_{label}"] = found["site_pages_per_s"]
        figures[f"site_rebuild_one_entry_{label}_ms"] = found["site_rebuild_one_entry_ms"]
        for key in ("hugo_build_s", "pagefind_s"):
            if key in found:
                figures[f"{key.removesuffix('_s')}_{label}_s"] = found[key]
        if "hugo_over_tilbook" in found:
            figures[f"hugo_over_tilbook_{label}"] = found["hugo_over_tilbook"]
    if site:
        largest_site = site[size_label(max(site_sizes))]
        meets["site_rebuild_one_entry_ms"] = _meets(
            largest_site["site_rebuild_one_entry_ms"], SITE_TARGETS["site_rebuild_one_entry_ms"]
        )
        ratio = largest_site.get("hugo_over_tilbook")
        meets["site_build_faster_than_hugo"] = None if ratio is None else bool(ratio > 1)
    return {
        "figures": figures,
        "targets": {
            **TARGETS,
            "note": "upper bounds; search at 100k entries; one-file re-index at the largest size",
        },
        "meets_targets": {**meets, "all": all(v is not False for v in meets.values())},
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
    args = parser.parse_args(argv)
    if args.quick and args.sizes is not None:
        parser.error("--quick and --sizes cannot be used together")
    sizes: tuple[int, ...] = QUICK_SIZES if args.quick else (args.sizes or DEFAULT_SIZES)

    with _stdout_to_stderr() as stdout:
        site_sizes: tuple[int, ...] = ()
        if not args.no_site:
            site_sizes = args.site_sizes or (QUICK_SITE_SIZES if args.quick else SITE_SIZES)
        result = run(sizes, args.seed, site_sizes)
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
