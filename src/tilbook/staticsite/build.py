"""The build: reader → contents → generator → writer, incremental by default."""

from __future__ import annotations

import gc
import hashlib
import json
import os
import shutil
import subprocess
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from tilbook.model import IndexWarning
from tilbook.render.html import RENDERER_VERSION
from tilbook.staticsite.contents import RELATED, SiteContents, build_contents, refresh_contents
from tilbook.staticsite.generator import (
    BodyResult,
    MediaResolver,
    Page,
    SiteOptions,
    assets,
    pages,
    render_body,
    render_page,
    search_index,
    search_index_key,
)
from tilbook.staticsite.reader import EntryRecord, markdown_of, read_log
from tilbook.staticsite.writer import (
    Manifest,
    Related,
    check_out_folder,
    copy_file,
    manifest_path,
    remove_outputs,
    write_file,
)
from tilbook.store.base import Store

SEARCH_INDEX = "assets/search-index.js"
PARALLEL_PAGES = 400
"""Below this many entry pages to render, worker processes cost more than they save."""
MAX_WORKERS = 4


@dataclass(slots=True)
class BuildReport:
    out: Path
    entries: int = 0
    pages: int = 0
    """Pages of the site (HTML and feeds), written or not."""
    written: list[str] = field(default_factory=list)
    """Files written in this build (relative to `out`), sorted."""
    removed: list[str] = field(default_factory=list)
    unchanged: int = 0
    warnings: list[IndexWarning] = field(default_factory=list)
    missing: list[IndexWarning] = field(default_factory=list)
    """Links and images to files that are not in the notes folder (left out of the pages).
    Not warnings: logs copied from a website often point at files left behind there."""
    seconds: float = 0.0
    """The pages, assets and search index (everything but Pagefind)."""
    pagefind: str = "off"
    """`off`, `not installed`, `unchanged`, `indexed` or `failed: …`."""
    pagefind_seconds: float | None = None
    workers: int = 1


def pagefind_executable() -> str | None:
    """The Pagefind binary: on PATH, or from the `pagefind[bin]` Python package."""
    found = shutil.which("pagefind") or shutil.which("pagefind_extended")
    if found:
        return found
    try:
        import pagefind_bin

        return str(pagefind_bin.get_executable())
    except (ImportError, FileNotFoundError, AttributeError):
        return None


def _body_key(entry_digest: str, options: SiteOptions) -> str:
    text = f"{RENDERER_VERSION}\0{options.pretty_urls}\0{options.toc_min}\0{entry_digest}"
    return hashlib.blake2b(text.encode(), digest_size=12).hexdigest()


@dataclass(slots=True)
class _Job:
    """What worker processes need (inherited through fork, never pickled)."""

    root: Path
    out: Path
    options: SiteOptions
    contents: SiteContents
    pages: list[Page]
    cached: dict[int, BodyResult]


_JOB: _Job | None = None


@dataclass(slots=True)
class _Memory:
    """The last build of an output folder in this process, kept for the next one (`tilbook
    build --watch`): while the manifest is still the one that build wrote, the next
    build takes the records, contents and fingerprints from here instead of loading every
    entry again, and, when only the text of entries changed, makes only their pages and
    the pages that list them (`refresh_contents`)."""

    token: str
    """The manifest's `build` state written by that build."""
    options: str
    records: dict[str, tuple[str, list[EntryRecord]]]
    """The manifest's records by file, as `read_log` takes them."""
    contents: SiteContents
    pages: int
    paths: set[str]
    """Every page's path."""
    outputs: dict[str, str]
    """The manifest's output fingerprints."""
    body_keys: list[str]
    """Each entry's body cache key."""


_MEMORY: dict[Path, _Memory] = {}


def _ignore_rule(root: Path) -> Callable[[str, bool], bool]:
    """What `.tilbookignore` and the `ignore` setting leave out of the site's media."""
    from tilbook.notes.files import ignore_rule
    from tilbook.settings import load_settings

    return ignore_rule(root, tuple(load_settings(root)["ignore"]))


def _only(body: BodyResult) -> Callable[[int], BodyResult]:
    def get(_: int) -> BodyResult:
        return body

    return get


def _render_entry_pages(indexes: list[int]) -> list[tuple[int, BodyResult | None]]:
    """Render and write entry pages; returns each page's newly rendered body (if any)."""
    job = _JOB
    assert job is not None
    resolver = MediaResolver(job.root, job.contents, job.options.pretty_urls)
    done: list[tuple[int, BodyResult | None]] = []
    for index in indexes:
        page = job.pages[index]
        entry_index = page.bodies[0]
        fresh: BodyResult | None = None
        body = job.cached.get(entry_index)
        if body is None:
            body = fresh = render_body(
                job.contents.entries[entry_index], resolver, job.options.toc_min
            )
        data = render_page(page, job.options, _only(body))
        write_file(job.out, page.path, data)
        done.append((index, fresh))
    return done


def _workers(count: int, wanted: int | None) -> int:
    if wanted is not None:
        return max(1, wanted)
    if count < PARALLEL_PAGES:
        return 1
    try:
        import multiprocessing

        if "fork" not in multiprocessing.get_all_start_methods():
            return 1
    except ImportError:  # pragma: no cover
        return 1
    usable = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    return max(1, min(usable or 1, MAX_WORKERS))


def _run_entry_pages(indexes: list[int], workers: int) -> list[tuple[int, BodyResult | None]]:
    if workers < 2 or len(indexes) < 2:
        return _render_entry_pages(indexes)
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    chunks = [indexes[start :: workers * 4] for start in range(workers * 4)]
    results: list[tuple[int, BodyResult | None]] = []
    context = multiprocessing.get_context("fork")
    with ProcessPoolExecutor(max_workers=workers, mp_context=context) as pool:
        for part in pool.map(_render_entry_pages, [c for c in chunks if c]):
            results.extend(part)
    return results


def build_site(
    root: Path,
    store: Store,
    out: Path,
    options: SiteOptions,
    *,
    clean: bool = False,
    pagefind: bool = True,
    workers: int | None = None,
    progress: Callable[[str], None] | None = None,
) -> BuildReport:
    """Build (or bring up to date) the static site of the log `root` in `out`.

    Only pages whose fingerprint changed are rendered and written (`clean` writes
    everything again). Pagefind, when installed and `pagefind` is true, indexes the
    site afterwards; its time is reported apart (`BuildReport.pagefind_seconds`).
    """
    # The build makes many small objects and few reference cycles: the cyclic garbage
    # collector would spend a third of a small rebuild walking them.
    enabled = gc.isenabled()
    gc.disable()
    try:
        return _build(root, store, out, options, clean, pagefind, workers, progress)
    finally:
        if enabled:
            gc.enable()


def _build(
    root: Path,
    store: Store,
    out: Path,
    options: SiteOptions,
    clean: bool,
    pagefind: bool,
    workers: int | None,
    progress: Callable[[str], None] | None,
) -> BuildReport:
    global _JOB
    started = time.perf_counter()
    check_out_folder(root, out)
    out.mkdir(parents=True, exist_ok=True)
    report = BuildReport(out=out)

    def step(message: str) -> None:
        if progress is not None:
            progress(message)

    manifest = Manifest(manifest_path(root, out), clean=False)
    memory = _MEMORY.pop(manifest.path, None)
    try:
        if memory is not None and (
            clean or memory.options != options.key() or memory.token != manifest.state("build")
        ):
            memory = None  # another build (or another process) wrote the manifest since
        step("reading the index")
        cache = None if clean else memory.records if memory else manifest.records()
        log = read_log(root, store, include_private=options.include_private, cache=cache)
        report.warnings.extend(log.warnings)
        related: Related | None = None
        if memory is not None:
            old = memory.contents
            related = (old.related_key, old.related_ids, old.related_prints)
        elif not clean:
            related = manifest.related()

        def relate(ids: list[str] | None) -> dict[str, list[str]]:
            return store.related_all(limit=RELATED, only=ids)

        stored = memory.outputs if memory is not None else manifest.outputs()
        previous = stored
        if clean:
            remove_outputs(out, previous)
            previous = {}
        elif not (out / "index.html").is_file():
            previous = {}  # the folder was emptied or replaced: write everything
        refreshed = None
        if memory is not None and previous:
            refreshed = refresh_contents(memory.contents, log, relate)
        dropped_bodies: set[str] = set()
        if memory is not None and refreshed is not None:
            # Only the text of some entries changed: the other entry pages stay as they are.
            contents = memory.contents
            page_list = pages(contents, options, refreshed, set(refreshed))
            report.pages = memory.pages
            paths = memory.paths
            body_keys = memory.body_keys
            for i in refreshed:
                key = _body_key(contents.entries[i].digest, options)
                if key != body_keys[i]:
                    dropped_bodies.add(body_keys[i])
                    body_keys[i] = key
            dropped_bodies -= set(body_keys)
        else:
            contents = build_contents(log, related_cache=related, relate=relate)
            page_list = pages(contents, options)
            report.pages = len(page_list)
            paths = {page.path for page in page_list}
            body_keys = [_body_key(entry.digest, options) for entry in contents.entries]
        report.entries = len(contents.entries)
        stale = [
            i for i, page in enumerate(page_list) if previous.get(page.path) != page.fingerprint
        ]
        report.unchanged = report.pages - len(stale)
        needed = sorted({i for index in stale for i in page_list[index].bodies})
        cached_by_key = manifest.bodies(body_keys[i] for i in needed) if not clean else {}
        cached = {i: cached_by_key[body_keys[i]] for i in needed if body_keys[i] in cached_by_key}
        for i in needed:
            if i in cached:
                continue
            for shown in (i, *contents.entries[i].embeds):  # and the text of what it embeds
                record = contents.entries[shown].record
                if not record.markdown:
                    record.markdown = markdown_of(root, store, record, options.include_private)

        entry_pages = [i for i in stale if page_list[i].kind == "entry"]
        other_pages = [i for i in stale if page_list[i].kind != "entry"]
        count = _workers(len(entry_pages), workers)
        report.workers = count
        step(f"rendering {len(entry_pages)} entry pages")
        _JOB = _Job(root, out, options, contents, page_list, cached)
        try:
            rendered = _run_entry_pages(entry_pages, count)
        finally:
            _JOB = None
        fresh: dict[int, BodyResult] = {}
        for index, body in rendered:
            if body is not None:
                fresh[page_list[index].bodies[0]] = body

        resolver = MediaResolver(root, contents, options.pretty_urls)

        def body_of(entry_index: int) -> BodyResult:
            found = fresh.get(entry_index) or cached.get(entry_index)
            if found is None:
                found = fresh[entry_index] = render_body(
                    contents.entries[entry_index], resolver, options.toc_min
                )
            return found

        step(f"rendering {len(other_pages)} other pages")
        for index in other_pages:
            page = page_list[index]
            write_file(out, page.path, render_page(page, options, body_of))
        for entry_index, body in fresh.items():
            record = contents.entries[entry_index].record
            report.warnings.extend(
                IndexWarning(record.source, message, record.line) for message in body.warnings
            )
            report.missing.extend(
                IndexWarning(record.source, f"{url} is not in the notes folder", record.line)
                for url in body.missing
            )
        written = [page_list[i].path for i in stale]
        outputs = {page_list[i].path: page_list[i].fingerprint for i in stale}
        current = set(paths)

        # Assets: written when their bytes change; the search index when what it lists does.
        for asset in assets():
            asset.fingerprint = hashlib.blake2b(asset.data, digest_size=16).hexdigest()
            current.add(asset.path)
            if previous.get(asset.path) != asset.fingerprint:
                write_file(out, asset.path, asset.data)
                written.append(asset.path)
                outputs[asset.path] = asset.fingerprint
        from tilbook.settings import load_settings

        extra: dict[str, list[str]] = load_settings(root)["abbreviations"]
        search_key = search_index_key(contents, extra)
        current.add(SEARCH_INDEX)
        if previous.get(SEARCH_INDEX) != search_key:
            index_file = search_index(contents, extra)
            write_file(out, index_file.path, index_file.data)
            written.append(index_file.path)
            outputs[index_file.path] = search_key

        # Media: every file any entry links to (from this build or the cache).
        media: set[str] = set()
        for body in fresh.values():
            media.update(body.media)
        known_media = manifest.db.execute(
            "SELECT key, media FROM bodies WHERE media != '[]'"
        ).fetchall()
        wanted_keys = set(body_keys)
        for key, listed in known_media:
            if key in wanted_keys:
                media.update(json.loads(listed))
        ignored = _ignore_rule(root)
        for relative in sorted(media):
            if ignored(relative, False):
                continue  # linked from a note, but .tilbookignore keeps it out of the site
            source = root / relative
            try:
                info = source.stat()
            except OSError:
                continue
            path = f"media/{relative}"
            fingerprint = f"{info.st_size}:{info.st_mtime_ns}"
            current.add(path)
            if previous.get(path) != fingerprint:
                copy_file(source, out, path)
                written.append(path)
                outputs[path] = fingerprint

        report.removed = remove_outputs(out, sorted(set(previous) - current))
        removed = set(report.removed)
        token = uuid.uuid4().hex
        state: dict[str, object] = {"build": token}
        made = (contents.related_key, contents.related_ids, contents.related_prints)
        manifest.save(
            outputs,
            report.removed,
            {body_keys[i]: body for i, body in fresh.items()},
            None if refreshed is not None else wanted_keys,
            dropped_bodies=dropped_bodies,
            files=log.changed,
            gone_files=log.removed,
            state=state,
            related=None if related is not None and related[0] == made[0] else (related, made),
        )
        records = dict(cache or {})
        records.update(log.changed)
        for gone in log.removed:
            records.pop(gone, None)
        kept = dict(stored)
        for path in removed:
            kept.pop(path, None)
        _MEMORY.clear()  # one output folder at a time
        _MEMORY[manifest.path] = _Memory(
            token,
            options.key(),
            records,
            contents,
            report.pages,
            paths,
            kept | outputs,
            body_keys,
        )
    finally:
        manifest.close()
    report.written = sorted(written)
    report.seconds = time.perf_counter() - started

    if not pagefind:
        report.pagefind = "off"
    else:
        executable = pagefind_executable()
        html_changed = any(path.endswith(".html") for path in report.written) or report.removed
        if executable is None:
            report.pagefind = "not installed"
        elif not html_changed and (out / "pagefind").is_dir():
            report.pagefind = "unchanged"
        else:
            step("indexing with Pagefind")
            begun = time.perf_counter()
            try:
                subprocess.run(
                    [executable, "--site", str(out), "--quiet"],
                    check=True,
                    capture_output=True,
                    text=True,
                    timeout=1800,
                )
                report.pagefind = "indexed"
            except (OSError, subprocess.SubprocessError) as error:
                detail = getattr(error, "stderr", "") or str(error)
                report.pagefind = f"failed: {detail.strip()[:200]}"
            report.pagefind_seconds = time.perf_counter() - begun
    return report
