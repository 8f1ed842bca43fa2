"""Paper metadata from arXiv and doi.org, fetched politely and cached on disk.

`tilbook papers fetch` asks the arXiv API for `arxiv:` ids (Atom XML, ids in
batches, at most one request every three seconds as arXiv asks) and doi.org
content negotiation for `doi:` ids (CSL-JSON), including the DOI an arXiv
record gives for its published version. Answers are kept in
`.tilbook/papers.json`, keyed by paper id with the time they were fetched:
metadata is a cache, not part of the index, so deleting it loses nothing that
cannot be fetched again.

The network is reached through a `Transport` — `fetch(url, headers) -> bytes` —
so tests replay recorded responses and nothing here needs the internet.
Failures never raise: each becomes one warning in the `FetchReport`.
"""

from __future__ import annotations

import html
import http.client
import json
import re
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import quote
from xml.etree import ElementTree

from tilbook import __version__
from tilbook.errors import TransportError
from tilbook.notes.files import TILBOOK_DIR
from tilbook.notes.writes import write_bytes_atomically

CACHE_NAME = "papers.json"
CACHE_VERSION = 1

ARXIV_API = "https://export.arxiv.org/api/query"
ARXIV_INTERVAL = 3.0
"""Seconds between two requests to the arXiv API (its terms of use ask for three)."""
ARXIV_BATCH = 25
"""arXiv ids asked for in one request."""
DOI_RESOLVER = "https://doi.org/"
DOI_INTERVAL = 1.0
"""Seconds between two requests to doi.org."""
CSL_JSON = "application/vnd.citationstyles.csl+json"
TIMEOUT = 20.0
MAX_RESPONSE_BYTES = 10 * 1024 * 1024
USER_AGENT = (
    f"tilbook/{__version__} (learning-log indexer; paper metadata for the user's own notes; "
    "Python urllib)"
)
GIVE_UP_AFTER = 2
"""Consecutive connection failures (no HTTP answer at all) after which a host is skipped."""
RETRY_STATUSES = (429, 503)
MAX_RETRY_WAIT = 60.0

_ATOM = "{http://www.w3.org/2005/Atom}"
_ARXIV = "{http://arxiv.org/schemas/atom}"
_ARXIV_ABS = re.compile(r"arxiv\.org/abs/(.+?)(?:v\d+)?$")
_ARXIV_DOI = re.compile(r"^10\.48550/arxiv\.(.+)$", re.IGNORECASE)
_TAG = re.compile(r"<[^>]+>")

Progress = Callable[[int, int, str], None]
"""Called as `progress(done, total, paper_id)` while fetching; `total` may grow."""


Transport = Callable[[str, Mapping[str, str]], bytes]
"""`fetch(url, headers) -> body`; raises `TransportError` (or `OSError`) on failure."""


def _retry_after(value: str | None) -> float | None:
    if value is None:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        return None


def urllib_transport(url: str, headers: Mapping[str, str]) -> bytes:
    """The real network: one GET with urllib, a timeout and a size limit."""
    request = urllib.request.Request(url, headers=dict(headers), method="GET")
    try:
        with urllib.request.urlopen(request, timeout=TIMEOUT) as response:
            body: bytes = response.read(MAX_RESPONSE_BYTES + 1)
    except urllib.error.HTTPError as error:
        raise TransportError(
            f"HTTP {error.code} {error.reason}",
            status=error.code,
            retry_after=_retry_after(error.headers.get("Retry-After") if error.headers else None),
        ) from error
    except urllib.error.URLError as error:
        raise TransportError(str(error.reason)) from error
    except (OSError, http.client.HTTPException) as error:
        raise TransportError(str(error) or type(error).__name__) from error
    if len(body) > MAX_RESPONSE_BYTES:
        raise TransportError(f"answer larger than {MAX_RESPONSE_BYTES // 1024 // 1024} MB")
    return body


# -- metadata --------------------------------------------------------------------------------


@dataclass(slots=True)
class Name:
    """One author: `family` alone for an organisation or a one-word name."""

    family: str
    given: str = ""
    suffix: str = ""

    def __str__(self) -> str:
        parts = [self.given, self.family, self.suffix]
        return " ".join(part for part in parts if part)


@dataclass(slots=True)
class PaperMetadata:
    """What is known about one paper from arXiv or from its DOI's registry."""

    source: str
    """`arxiv` or `doi`: where this came from."""
    title: str | None = None
    authors: list[Name] = field(default_factory=list)
    year: int | None = None
    venue: str | None = None
    """Journal or proceedings (for arXiv, its journal reference, if any)."""
    abstract: str | None = None
    doi: str | None = None
    arxiv_id: str | None = None
    primary_class: str | None = None
    kind: str = "preprint"
    """CSL type (`article-journal`, `paper-conference`, …) or `preprint` for arXiv."""
    volume: str | None = None
    issue: str | None = None
    pages: str | None = None
    publisher: str | None = None
    url: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "source": self.source,
            "title": self.title,
            "authors": [
                {"family": n.family, "given": n.given, "suffix": n.suffix} for n in self.authors
            ],
            "year": self.year,
            "venue": self.venue,
            "abstract": self.abstract,
            "doi": self.doi,
            "arxiv_id": self.arxiv_id,
            "primary_class": self.primary_class,
            "kind": self.kind,
            "volume": self.volume,
            "issue": self.issue,
            "pages": self.pages,
            "publisher": self.publisher,
            "url": self.url,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> PaperMetadata:
        def text(key: str) -> str | None:
            value = data.get(key)
            return None if value is None else str(value)

        year = data.get("year")
        return cls(
            source=str(data.get("source") or "unknown"),
            title=text("title"),
            authors=[
                Name(
                    str(a.get("family") or ""),
                    str(a.get("given") or ""),
                    str(a.get("suffix") or ""),
                )
                for a in data.get("authors") or []
                if isinstance(a, Mapping)
            ],
            year=int(year) if isinstance(year, int | str) and str(year).isdigit() else None,
            venue=text("venue"),
            abstract=text("abstract"),
            doi=text("doi"),
            arxiv_id=text("arxiv_id"),
            primary_class=text("primary_class"),
            kind=str(data.get("kind") or "preprint"),
            volume=text("volume"),
            issue=text("issue"),
            pages=text("pages"),
            publisher=text("publisher"),
            url=text("url"),
        )


def combine(preprint: PaperMetadata, published: PaperMetadata) -> PaperMetadata:
    """One record for an arXiv preprint and its published version.

    The published record decides what a citation needs (title, authors, year,
    venue, pages); the preprint adds its abstract, arXiv id and category, keeps
    the DOI as its authors wrote it, and fills whatever the publisher left out.
    """
    return PaperMetadata(
        source="arxiv+doi",
        title=published.title or preprint.title,
        authors=published.authors or preprint.authors,
        year=published.year or preprint.year,
        venue=published.venue or preprint.venue,
        abstract=preprint.abstract or published.abstract,
        doi=preprint.doi or published.doi,  # as the authors spelt it; registries lower-case
        arxiv_id=preprint.arxiv_id or published.arxiv_id,
        primary_class=preprint.primary_class,
        kind=published.kind if published.kind != "preprint" else preprint.kind,
        volume=published.volume or preprint.volume,
        issue=published.issue or preprint.issue,
        pages=published.pages or preprint.pages,
        publisher=published.publisher or preprint.publisher,
        url=published.url or preprint.url,
    )


def clean_text(text: str | None) -> str | None:
    """Markup-free text on one line: tags (JATS, HTML) dropped, entities decoded."""
    if text is None:
        return None
    cleaned = " ".join(html.unescape(_TAG.sub(" ", text)).split())
    return cleaned or None


_PARTICLES = frozenset(
    {"van", "von", "der", "den", "de", "da", "di", "del", "della", "dos", "du", "la", "le"}
    | {"ter", "ten", "bin", "al", "zu"}
)
_SUFFIXES = frozenset({"jr", "jr.", "sr", "sr.", "ii", "iii", "iv"})


def split_name(name: str) -> Name:
    """`Aidan N. Gomez` → family `Gomez`, given `Aidan N.`; keeps `van der` with the family."""
    name = " ".join(name.split())
    if "," in name:
        family, _, given = name.partition(",")
        return Name(family.strip(), given.strip())
    tokens = name.split(" ")
    if len(tokens) == 1:
        return Name(tokens[0])
    suffix = ""
    if len(tokens) > 2 and tokens[-1].lower() in _SUFFIXES:
        suffix = tokens.pop()
    start = len(tokens) - 1
    while start > 1 and tokens[start - 1] in _PARTICLES:
        start -= 1
    return Name(" ".join(tokens[start:]), " ".join(tokens[:start]), suffix)


def arxiv_id_of_doi(doi: str) -> str | None:
    """The arXiv id of an arXiv DataCite DOI (`10.48550/arXiv.2006.11239`), else None."""
    match = _ARXIV_DOI.match(doi.strip())
    return match.group(1) if match else None


def _child_text(element: ElementTree.Element, tag: str) -> str | None:
    child = element.find(tag)
    return clean_text(child.text) if child is not None and child.text else None


def parse_arxiv_feed(data: bytes) -> dict[str, PaperMetadata | None]:
    """The entries of an arXiv API answer by arXiv id (no version).

    An id arXiv reports as malformed maps to None. Raises `ValueError` when the
    answer is not an Atom feed.
    """
    try:
        root = ElementTree.fromstring(data)
    except ElementTree.ParseError as error:
        raise ValueError(f"the arXiv answer is not XML ({error})") from error
    if root.tag != _ATOM + "feed":
        raise ValueError("the arXiv answer is not an Atom feed")
    found: dict[str, PaperMetadata | None] = {}
    for entry in root.iter(_ATOM + "entry"):
        entry_id = _child_text(entry, _ATOM + "id") or ""
        if "/api/errors" in entry_id:
            match = re.search(r"for_(.+)$", entry_id)
            if match:
                found[match.group(1)] = None
            continue
        match = _ARXIV_ABS.search(entry_id)
        if not match:
            continue
        arxiv_id = match.group(1)
        title = _child_text(entry, _ATOM + "title")
        if not title:
            found[arxiv_id] = None
            continue
        published = _child_text(entry, _ATOM + "published") or ""
        category = entry.find(_ARXIV + "primary_category")
        found[arxiv_id] = PaperMetadata(
            source="arxiv",
            title=title,
            authors=[
                split_name(name)
                for author in entry.findall(_ATOM + "author")
                if (name := _child_text(author, _ATOM + "name"))
            ],
            year=int(published[:4]) if published[:4].isdigit() else None,
            venue=_child_text(entry, _ARXIV + "journal_ref"),
            abstract=_child_text(entry, _ATOM + "summary"),
            doi=_child_text(entry, _ARXIV + "doi"),
            arxiv_id=arxiv_id,
            primary_class=category.get("term") if category is not None else None,
            kind="preprint",
            url=f"https://arxiv.org/abs/{arxiv_id}",
        )
    return found


def _first_text(value: Any) -> str | None:
    if isinstance(value, list):
        value = value[0] if value else None
    return clean_text(str(value)) if value is not None else None


def _csl_year(data: Mapping[str, Any]) -> int | None:
    for key in ("issued", "published-print", "published-online", "published", "created"):
        parts = data.get(key, {}).get("date-parts") if isinstance(data.get(key), dict) else None
        if parts and parts[0] and parts[0][0] is not None:
            try:
                return int(parts[0][0])
            except (TypeError, ValueError):
                continue
    return None


def _csl_name(person: Mapping[str, Any]) -> Name | None:
    family = clean_text(person.get("family"))
    given = clean_text(person.get("given")) or ""
    if family:
        return Name(family, given, clean_text(person.get("suffix")) or "")
    literal = clean_text(person.get("literal") or person.get("name"))
    return Name(literal) if literal else None


def parse_csl_json(data: bytes) -> PaperMetadata:
    """A CSL-JSON record (doi.org content negotiation). Raises `ValueError` when it is not one."""
    try:
        record = json.loads(data)
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        raise ValueError(f"the DOI answer is not JSON ({error})") from error
    if not isinstance(record, dict):
        raise ValueError("the DOI answer is not a CSL-JSON record")
    title = _first_text(record.get("title"))
    subtitle = _first_text(record.get("subtitle"))
    if title and subtitle and subtitle.casefold() not in title.casefold():
        title = f"{title}: {subtitle}"
    doi = _first_text(record.get("DOI"))
    authors = [
        name
        for person in record.get("author") or []
        if isinstance(person, dict) and (name := _csl_name(person))
    ]
    kind = str(record.get("type") or "article")
    venue = _first_text(record.get("container-title"))
    if not venue and kind in ("posted-content", "article"):
        venue = None
    return PaperMetadata(
        source="doi",
        title=title,
        authors=authors,
        year=_csl_year(record),
        venue=venue,
        abstract=clean_text(record.get("abstract")),
        doi=doi,
        arxiv_id=arxiv_id_of_doi(doi) if doi else None,
        kind=kind,
        volume=_first_text(record.get("volume")),
        issue=_first_text(record.get("issue")),
        pages=_first_text(record.get("page")),
        publisher=_first_text(record.get("publisher")),
        url=f"https://doi.org/{doi}" if doi else None,
    )


# -- the cache -------------------------------------------------------------------------------


def cache_key(paper_id: str) -> str:
    """DOIs are case-insensitive: `doi:10.1109/MSP…` and `doi:10.1109/msp…` share a record."""
    return paper_id.lower() if paper_id.startswith("doi:") else paper_id


def cache_path(root: Path) -> Path:
    return root / TILBOOK_DIR / CACHE_NAME


@dataclass(slots=True)
class CacheRecord:
    fetched_at: str
    """UTC, ISO 8601."""
    metadata: PaperMetadata | None
    """None: the source answered that it does not know this id."""


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


class MetadataCache:
    """`.tilbook/papers.json`: what arXiv and doi.org said, by paper id."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.records: dict[str, CacheRecord] = {}
        self.warnings: list[str] = []
        self._changed = False

    @classmethod
    def load(cls, root: Path) -> MetadataCache:
        """The cache of the log folder `root` (empty when there is none yet or it is unreadable)."""
        cache = cls(cache_path(root))
        try:
            raw = cache.path.read_bytes()
        except FileNotFoundError:
            return cache
        except OSError as error:
            cache.warnings.append(f"{cache.path}: could not read the paper cache ({error})")
            return cache
        try:
            data = json.loads(raw)
            papers = data["papers"]
            if not isinstance(papers, dict):
                raise TypeError("papers is not an object")
            for key, value in papers.items():
                metadata = value.get("metadata")
                cache.records[key] = CacheRecord(
                    str(value["fetched_at"]),
                    None if metadata is None else PaperMetadata.from_dict(metadata),
                )
        except (ValueError, KeyError, TypeError, AttributeError) as error:
            cache.records.clear()
            cache.warnings.append(
                f"{cache.path}: the paper cache is damaged ({error}); "
                "it will be rebuilt by `tilbook papers fetch`"
            )
        return cache

    def __len__(self) -> int:
        return len(self.records)

    def get(self, paper_id: str) -> CacheRecord | None:
        return self.records.get(cache_key(paper_id))

    def metadata(self, paper_id: str) -> PaperMetadata | None:
        record = self.get(paper_id)
        return None if record is None else record.metadata

    def put(self, paper_id: str, metadata: PaperMetadata | None, fetched_at: str) -> None:
        self.records[cache_key(paper_id)] = CacheRecord(fetched_at, metadata)
        self._changed = True

    def save(self) -> None:
        """Write the cache (only when something changed), atomically."""
        if not self._changed:
            return
        data = {
            "tilbook_papers": CACHE_VERSION,
            "papers": {
                key: {
                    "fetched_at": record.fetched_at,
                    "metadata": None if record.metadata is None else record.metadata.to_dict(),
                }
                for key, record in sorted(self.records.items())
            },
        }
        self.path.parent.mkdir(parents=True, exist_ok=True)
        text = json.dumps(data, ensure_ascii=False, indent=1) + "\n"
        write_bytes_atomically(self.path, text.encode("utf-8"))
        self._changed = False


# -- fetching --------------------------------------------------------------------------------


def fetchable(paper_id: str) -> bool:
    """Whether tilbook knows where to ask about this paper (arXiv and DOI ids)."""
    return paper_id.startswith(("arxiv:", "doi:"))


class RateLimiter:
    """At most one request per `interval` seconds (time and sleep injectable for tests)."""

    def __init__(
        self,
        interval: float,
        *,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.interval = interval
        self._clock = clock
        self._sleep = sleep
        self._last: float | None = None

    def wait(self, at_least: float = 0.0) -> None:
        """Sleep until the next request is allowed (and at least `at_least` seconds)."""
        delay = at_least
        if self._last is not None:
            delay = max(delay, self._last + self.interval - self._clock())
        if delay > 0:
            self._sleep(delay)
        self._last = self._clock()


@dataclass(slots=True)
class FetchReport:
    """What `fetch_metadata` did; `warnings` are one line per failure."""

    papers: int = 0
    """Papers with a source to ask (arXiv and DOI ids, and DOIs of arXiv records)."""
    fetched: list[str] = field(default_factory=list)
    cached: int = 0
    """Already in the cache, not asked again."""
    not_found: list[str] = field(default_factory=list)
    failed: list[str] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)
    """With `offline`: not in the cache."""
    unsupported: list[str] = field(default_factory=list)
    """Ids no source is known for (OpenReview, IEEE, …)."""
    requests: int = 0
    warnings: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return {
            "papers": self.papers,
            "fetched": self.fetched,
            "cached": self.cached,
            "not_found": self.not_found,
            "failed": self.failed,
            "missing": self.missing,
            "unsupported": self.unsupported,
            "requests": self.requests,
            "warnings": self.warnings,
        }


class _Host:
    """One service: its rate limit and whether it still answers."""

    def __init__(
        self,
        name: str,
        interval: float,
        clock: Callable[[], float],
        sleep: Callable[[float], None],
    ) -> None:
        self.name = name
        self.limiter = RateLimiter(interval, clock=clock, sleep=sleep)
        self.connection_failures = 0
        self.skipped: list[str] = []

    @property
    def unreachable(self) -> bool:
        return self.connection_failures >= GIVE_UP_AFTER


class _Fetcher:
    def __init__(
        self,
        cache: MetadataCache,
        report: FetchReport,
        transport: Transport,
        clock: Callable[[], float],
        sleep: Callable[[float], None],
        progress: Progress | None,
    ) -> None:
        self.cache = cache
        self.report = report
        self.transport = transport
        self.progress = progress
        self.arxiv = _Host("export.arxiv.org", ARXIV_INTERVAL, clock, sleep)
        self.doi = _Host("doi.org", DOI_INTERVAL, clock, sleep)
        self.done = 0
        self.total = 0

    def advance(self, paper_ids: list[str]) -> None:
        for paper_id in paper_ids:
            self.done += 1
            if self.progress is not None:
                self.progress(self.done, self.total, paper_id)

    def request(
        self,
        host: _Host,
        url: str,
        headers: Mapping[str, str],
        what: str,
        *,
        missing: tuple[int, ...] = (),
    ) -> bytes | None:
        """One GET, rate limited, retried once when the host asks to slow down.

        Returns the body; b"" when the answer is one of the `missing` statuses (the
        source does not know the paper); None on failure, after one warning.
        """
        wait = 0.0
        for attempt in (1, 2):
            host.limiter.wait(wait)
            self.report.requests += 1
            try:
                body = self.transport(url, {"User-Agent": USER_AGENT, **headers})
            except TransportError as error:
                if error.status is not None and error.status in missing:
                    return b""
                if error.status in RETRY_STATUSES and attempt == 1:
                    wait = min(error.retry_after or 2 * host.limiter.interval, MAX_RETRY_WAIT)
                    continue
                if error.status is None:
                    host.connection_failures += 1
                self.report.warnings.append(f"{host.name}: could not fetch {what} ({error})")
                return None
            except OSError as error:
                host.connection_failures += 1
                self.report.warnings.append(f"{host.name}: could not fetch {what} ({error})")
                return None
            host.connection_failures = 0
            return body
        return None  # pragma: no cover - the loop always returns

    def fetch_arxiv(self, arxiv_ids: list[str], batch_size: int) -> None:
        for start in range(0, len(arxiv_ids), batch_size):
            batch = arxiv_ids[start : start + batch_size]
            paper_ids = ["arxiv:" + arxiv_id for arxiv_id in batch]
            if self.arxiv.unreachable:
                self.arxiv.skipped.extend(paper_ids)
                self.report.failed.extend(paper_ids)
                self.advance(paper_ids)
                continue
            url = (
                f"{ARXIV_API}?id_list={quote(','.join(batch), safe=',/')}&max_results={len(batch)}"
            )
            what = _describe(paper_ids)
            body = self.request(self.arxiv, url, {"Accept": "application/atom+xml"}, what)
            found: dict[str, PaperMetadata | None] | None = None
            if body is not None:
                try:
                    found = parse_arxiv_feed(body)
                except ValueError as error:
                    self.report.warnings.append(
                        f"arXiv: could not read the answer for {what} ({error})"
                    )
            if found is None:
                self.report.failed.extend(paper_ids)
            else:
                fetched_at = _now()
                for arxiv_id, paper_id in zip(batch, paper_ids, strict=True):
                    metadata = found.get(arxiv_id)
                    self.cache.put(paper_id, metadata, fetched_at)
                    (self.report.fetched if metadata else self.report.not_found).append(paper_id)
                self.cache.save()
            self.advance(paper_ids)

    def fetch_doi(self, paper_id: str) -> None:
        if self.doi.unreachable:
            self.doi.skipped.append(paper_id)
            self.report.failed.append(paper_id)
            self.advance([paper_id])
            return
        url = DOI_RESOLVER + quote(paper_id.removeprefix("doi:"), safe="/")
        body = self.request(self.doi, url, {"Accept": CSL_JSON}, paper_id, missing=(404, 410))
        self.advance([paper_id])
        if body is None:
            self.report.failed.append(paper_id)
            return
        if body == b"":
            self.cache.put(paper_id, None, _now())
            self.report.not_found.append(paper_id)
            return
        try:
            metadata = parse_csl_json(body)
        except ValueError as error:
            self.report.warnings.append(
                f"doi.org: could not read the answer for {paper_id} ({error})"
            )
            self.report.failed.append(paper_id)
            return
        self.cache.put(paper_id, metadata, _now())
        self.report.fetched.append(paper_id)

    def note_skipped(self) -> None:
        for host in (self.arxiv, self.doi):
            if host.skipped:
                self.report.warnings.append(
                    f"{host.name}: not reachable; skipped {len(host.skipped)} more "
                    f"paper{'s' if len(host.skipped) != 1 else ''} "
                    f"({_describe(host.skipped)}). Try again later."
                )


def _describe(paper_ids: list[str]) -> str:
    shown = ", ".join(paper_ids[:3])
    return shown + (f" and {len(paper_ids) - 3} more" if len(paper_ids) > 3 else "")


def _unique(values: Iterable[str]) -> list[str]:
    return list(dict.fromkeys(values))


def fetch_metadata(
    paper_ids: Iterable[str],
    cache: MetadataCache,
    *,
    transport: Transport | None = None,
    offline: bool = False,
    refresh: bool = False,
    progress: Progress | None = None,
    clock: Callable[[], float] = time.monotonic,
    sleep: Callable[[float], None] = time.sleep,
    batch_size: int = ARXIV_BATCH,
) -> FetchReport:
    """Fill `cache` with metadata for `paper_ids` and save it.

    arXiv ids are asked in batches, then DOIs — those in `paper_ids` and those
    the arXiv records name for their published versions. Cached ids are not
    asked again unless `refresh`; with `offline` nothing is asked at all.
    Never raises for network trouble: failures are warnings in the report.
    """
    report = FetchReport()
    ids = _unique(paper_ids)
    report.unsupported = [paper_id for paper_id in ids if not fetchable(paper_id)]
    wanted = [paper_id for paper_id in ids if fetchable(paper_id)]
    seen_dois = {cache_key(paper_id) for paper_id in wanted if paper_id.startswith("doi:")}
    for paper_id in wanted:
        if paper_id.startswith("arxiv:"):
            metadata = cache.metadata(paper_id)
            if metadata is not None and metadata.doi and not refresh:
                doi_id = cache_key("doi:" + metadata.doi)
                if doi_id not in seen_dois:
                    seen_dois.add(doi_id)
                    wanted.append(doi_id)
    report.papers = len(wanted)
    if offline:
        report.missing = [paper_id for paper_id in wanted if cache.get(paper_id) is None]
        report.cached = len(wanted) - len(report.missing)
        return report

    def needed(paper_id: str) -> bool:
        return refresh or cache.get(paper_id) is None

    fetcher = _Fetcher(cache, report, transport or urllib_transport, clock, sleep, progress)
    arxiv_ids = [p.removeprefix("arxiv:") for p in wanted if p.startswith("arxiv:") and needed(p)]
    doi_ids = [p for p in wanted if p.startswith("doi:") and needed(p)]
    report.cached = len(wanted) - len(arxiv_ids) - len(doi_ids)
    fetcher.total = len(arxiv_ids) + len(doi_ids)
    if progress is not None and fetcher.total:
        progress(0, fetcher.total, "")
    try:
        fetcher.fetch_arxiv(arxiv_ids, max(1, batch_size))
        for arxiv_id in arxiv_ids:
            metadata = cache.metadata("arxiv:" + arxiv_id)
            if metadata is None or not metadata.doi:
                continue
            doi_id = cache_key("doi:" + metadata.doi)
            if doi_id in seen_dois:
                continue
            seen_dois.add(doi_id)
            report.papers += 1
            if needed(doi_id):
                doi_ids.append(doi_id)
                fetcher.total += 1
            else:
                report.cached += 1
        for doi_id in doi_ids:
            fetcher.fetch_doi(doi_id)
    finally:
        cache.save()
    fetcher.note_skipped()
    return report
