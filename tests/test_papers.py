"""Papers: the list, metadata fetched from recorded arXiv/doi.org answers, BibTeX.

No test here touches the network: `papers fetch` gets a transport that replays
the files in `tests/fixtures/papers/` (see its README), and a fake clock.
"""

from __future__ import annotations

import itertools
import json
import shutil
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit
from xml.etree import ElementTree

import bibtexparser
import pytest
from bibtexparser.middlewares import LatexDecodingMiddleware
from click.testing import CliRunner, Result

from tilbook.cli import main
from tilbook.errors import AmbiguousPaperId, PaperNotFound, TransportError
from tilbook.features.papers.bibtex import latex_escape, to_bibtex
from tilbook.features.papers.mentions import PaperItem, assign_citation_keys, find_paper
from tilbook.features.papers.metadata import (
    ARXIV_INTERVAL,
    CSL_JSON,
    DOI_INTERVAL,
    MetadataCache,
    Name,
    PaperMetadata,
    RateLimiter,
    cache_path,
    fetch_metadata,
    parse_arxiv_feed,
    parse_csl_json,
    split_name,
)

FIXTURES = Path(__file__).parent / "fixtures" / "papers"
SEEDS = Path(__file__).resolve().parent.parent.parent / "shared" / "seeds"

# A log that links three arXiv papers, the published DOI of one of them, a DOI-only
# paper (through the ACM page), an OpenReview paper and a page with no known id.
PAPER_LOG = {
    "journal.md": """\
# Reading log

## 2024-03-10

Read [Denoising Diffusion Probabilistic Models](https://arxiv.org/abs/2006.11239v2) again,
and the transformer paper https://arxiv.org/pdf/1706.03762.pdf next to it. #Diffusion

## 2024-02-01

A survey: [GDL](https://arxiv.org/abs/1611.08097). DDPM first pass:
https://arxiv.org/abs/2006.11239

## 2024-01-15

The published version of the survey: https://doi.org/10.1109/MSP.2017.2693418 and
[Stochastic parrots](https://dl.acm.org/doi/10.1145/3442188.3445922).
Reviews: https://openreview.net/forum?id=B1xsqj09Fm
""",
}
"""First mentioned: the two DOIs, OpenReview, then 1611.08097, 2006.11239, 1706.03762."""


# -- a transport that replays recorded answers ---------------------------------------------


@dataclass
class Replay:
    """`fetch(url, headers)` answering from tests/fixtures/papers, with a fake clock."""

    now: float = 1000.0
    calls: list[tuple[str, dict[str, str], float]] = field(default_factory=list)
    fail: Callable[[str], Exception | None] | None = None
    sleeps: list[float] = field(default_factory=list)

    def clock(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds

    def __call__(self, url: str, headers: Mapping[str, str]) -> bytes:
        self.calls.append((url, dict(headers), self.now))
        self.now += 0.25  # the request takes a moment
        if self.fail is not None and (error := self.fail(url)) is not None:
            raise error
        parts = urlsplit(url)
        if parts.hostname == "export.arxiv.org":
            return arxiv_answer(parse_qs(parts.query)["id_list"][0].split(","))
        assert parts.hostname == "doi.org", url
        doi = unquote(parts.path.lstrip("/")).lower()
        path = FIXTURES / ("doi-" + doi.replace("/", "_") + ".json")
        if not path.exists():
            raise TransportError("HTTP 404 Not Found", status=404)
        return path.read_bytes()

    @property
    def hosts(self) -> list[str]:
        return [urlsplit(url).hostname or "" for url, _, _ in self.calls]

    def obj(self) -> dict[str, Any]:
        return {"paper_transport": self, "paper_clock": self.clock, "paper_sleep": self.sleep}


def arxiv_answer(ids: list[str]) -> bytes:
    """The recorded answer for these ids; or a recorded feed holding them all, with
    only their entries kept (what arXiv answers when asked for fewer ids)."""
    exact = FIXTURES / ("arxiv-" + "_".join(sorted(ids)) + ".xml")
    if exact.exists():
        return exact.read_bytes()
    for path in sorted(FIXTURES.glob("arxiv-*.xml")):
        if all(arxiv_id in path.stem.removeprefix("arxiv-").split("_") for arxiv_id in ids):
            break
    else:
        raise AssertionError(f"no recorded arXiv answer for {ids}")
    atom = "{http://www.w3.org/2005/Atom}"
    feed = ElementTree.fromstring(path.read_bytes())
    for entry in feed.findall(atom + "entry"):
        entry_id = entry.findtext(atom + "id") or ""
        if not any(f"/abs/{arxiv_id}v" in entry_id for arxiv_id in ids):
            feed.remove(entry)
    return ElementTree.tostring(feed, encoding="utf-8", xml_declaration=True)


def no_network(url: str, headers: Mapping[str, str]) -> bytes:
    raise AssertionError(f"the network was used: {url}")


@pytest.fixture
def paper_log(make_log: Callable[[dict[str, str]], Path]) -> Path:
    return make_log(PAPER_LOG)


def run(root: Path, *args: str, code: int = 0, obj: dict[str, Any] | None = None) -> Result:
    result = CliRunner().invoke(
        main, ["papers", "--log", str(root), *args], obj=obj, env={"COLUMNS": "150"}
    )
    assert result.exit_code == code, f"exit {result.exit_code}\n{result.output}\n{result.exception}"
    return result


def run_json(root: Path, *args: str, obj: dict[str, Any] | None = None) -> Any:
    return json.loads(run(root, *args, "--json", obj=obj).stdout)


def fetched_log(root: Path) -> Replay:
    replay = Replay()
    run(root, "fetch", obj=replay.obj())
    return replay


# -- parsing recorded answers ---------------------------------------------------------------


def test_parse_arxiv_feed() -> None:
    found = parse_arxiv_feed((FIXTURES / "arxiv-1611.08097_1706.03762_2006.11239.xml").read_bytes())
    assert set(found) == {"1611.08097", "1706.03762", "2006.11239"}
    attention = found["1706.03762"]
    assert attention is not None
    assert attention.title == "Attention Is All You Need"
    assert attention.year == 2017
    assert attention.authors[0] == Name("Vaswani", "Ashish")
    assert attention.authors[5] == Name("Gomez", "Aidan N.")
    assert len(attention.authors) == 8
    assert attention.primary_class == "cs.CL"
    assert attention.abstract is not None
    assert attention.abstract.startswith("The dominant sequence transduction models")
    assert "\n" not in attention.abstract
    assert attention.doi is None
    survey = found["1611.08097"]
    assert survey is not None
    assert survey.title == "Geometric deep learning: going beyond Euclidean data"
    assert survey.doi == "10.1109/MSP.2017.2693418"
    assert survey.venue == "IEEE Signal Processing Magazine 34(4):18-42, 2017"
    assert survey.year == 2016


def test_parse_arxiv_feed_errors_and_garbage() -> None:
    error_feed = b"""<?xml version="1.0" encoding="UTF-8"?>
<feed xmlns="http://www.w3.org/2005/Atom"><entry>
<id>http://arxiv.org/api/errors#incorrect_id_format_for_1234.5</id><title>Error</title>
<summary>incorrect id format for 1234.5</summary></entry></feed>"""
    assert parse_arxiv_feed(error_feed) == {"1234.5": None}
    assert parse_arxiv_feed((FIXTURES / "arxiv-2401.99999.xml").read_bytes()) == {}
    with pytest.raises(ValueError, match="not XML"):
        parse_arxiv_feed(b"<html><body>Service unavailable")
    with pytest.raises(ValueError, match="not an Atom feed"):
        parse_arxiv_feed(b"<html><body>Service unavailable</body></html>")


def test_parse_csl_json() -> None:
    parrots = parse_csl_json((FIXTURES / "doi-10.1145_3442188.3445922.json").read_bytes())
    assert (
        parrots.title == "On the Dangers of Stochastic Parrots: Can Language Models Be Too Big? 🦜"
    )
    assert [name.family for name in parrots.authors] == [
        "Bender",
        "Gebru",
        "McMillan-Major",
        "Shmitchell",
    ]
    assert parrots.year == 2021
    assert parrots.kind == "paper-conference"
    assert parrots.venue is not None
    assert parrots.venue.startswith("Proceedings of the 2021 ACM Conference on Fairness")
    assert parrots.pages == "610-623"
    assert parrots.doi == "10.1145/3442188.3445922"
    record = {
        "type": "article-journal",
        "title": ["A <i>very</i> &amp; small   paper"],
        "author": [{"literal": "The Big Lab"}, {"family": "Lee", "given": "Ann"}],
        "abstract": "<jats:p>Short.</jats:p>",
        "published-online": {"date-parts": [[2019, 5]]},
        "DOI": "10.48550/arXiv.2006.11239",
    }
    small = parse_csl_json(json.dumps(record).encode())
    assert small.title == "A very & small paper"
    assert small.authors == [Name("The Big Lab"), Name("Lee", "Ann")]
    assert small.abstract == "Short."
    assert small.year == 2019
    assert small.arxiv_id == "2006.11239"
    with pytest.raises(ValueError, match="not JSON"):
        parse_csl_json(b"<html>")
    with pytest.raises(ValueError, match="not a CSL-JSON record"):
        parse_csl_json(b"[1, 2]")


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("Ashish Vaswani", Name("Vaswani", "Ashish")),
        ("Aidan N. Gomez", Name("Gomez", "Aidan N.")),
        ("Laurens van der Maaten", Name("van der Maaten", "Laurens")),
        ("Martin Luther King Jr.", Name("King", "Martin Luther", "Jr.")),
        ("Hinton, Geoffrey E.", Name("Hinton", "Geoffrey E.")),
        ("Plato", Name("Plato")),
        ("  Yann   LeCun ", Name("LeCun", "Yann")),
    ],
)
def test_split_name(name: str, expected: Name) -> None:
    assert split_name(name) == expected


# -- fetching -------------------------------------------------------------------------------


def test_fetch_uses_recorded_answers_and_fills_the_cache(paper_log: Path) -> None:
    replay = Replay()
    report = run_json(paper_log, "fetch", obj=replay.obj())
    # One arXiv request for the three ids, then one per DOI; the survey's DOI is linked
    # in the notes and named by its arXiv record, and asked for once.
    assert replay.hosts == ["export.arxiv.org", "doi.org", "doi.org"]
    arxiv_url = replay.calls[0][0]
    assert arxiv_url.startswith("https://export.arxiv.org/api/query?id_list=")
    assert parse_qs(urlsplit(arxiv_url).query)["id_list"] == ["1611.08097,2006.11239,1706.03762"]
    assert parse_qs(urlsplit(arxiv_url).query)["max_results"] == ["3"]
    for url, headers, _ in replay.calls:
        assert headers["User-Agent"].startswith("tilbook/")
        if "doi.org" in url:
            assert headers["Accept"] == CSL_JSON
    assert report["papers"] == 5
    assert sorted(report["fetched"]) == [
        "arxiv:1611.08097",
        "arxiv:1706.03762",
        "arxiv:2006.11239",
        "doi:10.1109/MSP.2017.2693418",
        "doi:10.1145/3442188.3445922",
    ]
    assert report["unsupported"] == ["openreview:B1xsqj09Fm"]
    assert report["failed"] == report["not_found"] == report["warnings"] == []
    assert report["requests"] == 3
    cached = json.loads(cache_path(paper_log).read_text(encoding="utf-8"))
    assert cached["tilbook_papers"] == 1
    record = cached["papers"]["arxiv:1706.03762"]
    assert record["metadata"]["title"] == "Attention Is All You Need"
    assert record["fetched_at"].endswith("+00:00")
    assert "doi:10.1109/msp.2017.2693418" in cached["papers"]  # DOIs are keyed lower-case


def test_fetch_text_output(paper_log: Path) -> None:
    result = run(paper_log, "fetch", obj=Replay().obj())
    assert "5 papers with arXiv or DOI ids: fetched 5, 0 already cached; 3 requests." in (
        result.stdout
    )
    assert "1 other paper (openreview) has no metadata source; its title comes" in result.stdout


def test_cache_is_reused_and_offline_never_uses_the_network(paper_log: Path) -> None:
    fetched_log(paper_log)
    again = Replay()
    report = run_json(paper_log, "fetch", obj=again.obj())
    assert again.calls == []
    assert report["cached"] == 5
    assert report["fetched"] == []
    offline = run_json(paper_log, "fetch", "--offline", obj={"paper_transport": no_network})
    assert offline["cached"] == 5
    assert offline["missing"] == []
    text = run(paper_log, "fetch", "--offline", obj={"paper_transport": no_network}).stdout
    assert "5 of 5 papers have cached metadata." in text


def test_offline_before_any_fetch_lists_what_is_missing(paper_log: Path) -> None:
    report = run_json(paper_log, "fetch", "--offline", obj={"paper_transport": no_network})
    assert report["cached"] == 0
    assert len(report["missing"]) == 5
    assert not cache_path(paper_log).exists()
    text = run(paper_log, "fetch", "--offline", obj={"paper_transport": no_network}).stdout
    assert "5 not fetched yet (run without --offline)" in text


def test_refresh_asks_again(paper_log: Path) -> None:
    fetched_log(paper_log)
    replay = Replay()
    report = run_json(paper_log, "fetch", "--refresh", obj=replay.obj())
    assert replay.hosts == ["export.arxiv.org", "doi.org", "doi.org"]
    assert len(report["fetched"]) == 5
    run(paper_log, "fetch", "--refresh", "--offline", code=2)


def test_network_failure_is_one_warning_each_never_a_crash(paper_log: Path) -> None:
    replay = Replay(fail=lambda url: TransportError("timed out"))
    result = run(paper_log, "fetch", obj=replay.obj())
    assert "warning: export.arxiv.org: could not fetch arxiv:1611.08097, arxiv:2006.11239" in (
        result.stderr
    )
    assert "warning: doi.org: could not fetch doi:10.1109/MSP.2017.2693418" in result.stderr
    assert result.stderr.count("warning:") == 3  # the arXiv batch and each DOI
    assert "failed (run again later)" in result.stdout
    assert not cache_path(paper_log).exists()  # failures are not cached: asked again next time
    ok = Replay()
    report = run_json(paper_log, "fetch", obj=ok.obj())
    assert len(report["fetched"]) == 5


def test_an_unreachable_host_is_given_up_after_two_failures(tmp_path: Path) -> None:
    replay = Replay(fail=lambda url: TransportError("Name or service not known"))
    ids = [f"doi:10.1000/paper.{number}" for number in range(5)]
    report = fetch_metadata(
        ids, MetadataCache(cache_path(tmp_path)), transport=replay, sleep=replay.sleep
    )
    assert len(replay.calls) == 2
    assert report.failed == ids
    assert len(report.warnings) == 3
    assert report.warnings[-1] == (
        "doi.org: not reachable; skipped 3 more papers (doi:10.1000/paper.2, "
        "doi:10.1000/paper.3, doi:10.1000/paper.4). Try again later."
    )
    assert not cache_path(tmp_path).exists()


def test_an_http_error_does_not_give_up_on_the_host(tmp_path: Path) -> None:
    replay = Replay(fail=lambda url: TransportError("HTTP 500 Server Error", status=500))
    ids = [f"doi:10.1000/paper.{number}" for number in range(3)]
    report = fetch_metadata(
        ids, MetadataCache(cache_path(tmp_path)), transport=replay, sleep=replay.sleep
    )
    assert len(replay.calls) == 3
    assert report.warnings == [f"doi.org: could not fetch {i} (HTTP 500 Server Error)" for i in ids]


def test_oserror_from_a_transport_is_a_warning(paper_log: Path) -> None:
    replay = Replay(
        fail=lambda url: ConnectionResetError("reset") if "doi.org" in url else None,
    )
    report = run_json(paper_log, "fetch", obj=replay.obj())
    assert len(report["warnings"]) == 2
    assert sorted(report["fetched"]) == ["arxiv:1611.08097", "arxiv:1706.03762", "arxiv:2006.11239"]


def test_unknown_ids_are_not_found_and_cached(tmp_path: Path) -> None:
    cache = MetadataCache(cache_path(tmp_path))
    replay = Replay()
    ids = ["arxiv:2401.99999", "doi:10.9999/nothing.here"]
    report = fetch_metadata(ids, cache, transport=replay, clock=replay.clock, sleep=replay.sleep)
    assert report.not_found == ids
    assert report.warnings == []
    assert cache.get("arxiv:2401.99999") is not None
    assert cache.metadata("arxiv:2401.99999") is None
    again = fetch_metadata(ids, MetadataCache.load(tmp_path), transport=no_network)
    assert again.cached == 2


def test_busy_host_is_retried_once_after_retry_after(tmp_path: Path) -> None:
    answers: list[TransportError | None] = [
        TransportError("HTTP 503 Service Unavailable", status=503, retry_after=7.0),
        None,
    ]
    replay = Replay(fail=lambda url: answers.pop(0) if "arxiv" in url else None)
    cache = MetadataCache(tmp_path / "papers.json")
    report = fetch_metadata(
        ["arxiv:1706.03762", "arxiv:2006.11239", "arxiv:1611.08097"],
        cache,
        transport=replay,
        clock=replay.clock,
        sleep=replay.sleep,
    )
    assert replay.hosts == ["export.arxiv.org", "export.arxiv.org", "doi.org"]
    assert replay.sleeps[0] == 7.0
    assert report.warnings == []
    assert len(report.fetched) == 4


def test_rate_limits_are_respected(tmp_path: Path) -> None:
    replay = Replay()
    cache = MetadataCache(tmp_path / "papers.json")
    ids = ["arxiv:1706.03762", "arxiv:2006.11239", "arxiv:1611.08097"]
    ids += ["doi:10.1145/3442188.3445922", "doi:10.9999/missing"]
    progress: list[tuple[int, int, str]] = []
    report = fetch_metadata(
        ids,
        cache,
        transport=replay,
        clock=replay.clock,
        sleep=replay.sleep,
        batch_size=1,
        progress=lambda done, total, paper_id: progress.append((done, total, paper_id)),
    )
    assert replay.hosts == ["export.arxiv.org"] * 3 + ["doi.org"] * 3
    arxiv_times = [at for url, _, at in replay.calls if "arxiv" in url]
    doi_times = [at for url, _, at in replay.calls if "doi.org" in url]
    assert all(b - a >= ARXIV_INTERVAL for a, b in itertools.pairwise(arxiv_times))
    assert all(b - a >= DOI_INTERVAL for a, b in itertools.pairwise(doi_times))
    assert replay.sleeps  # it had to wait, with the fake clock
    assert arxiv_times[0] == 1000.0  # the first request to a host never waits
    assert [done for done, _, _ in progress] == [0, 1, 2, 3, 4, 5, 6]
    assert progress[0][1] == 5
    assert progress[-1][1] == 6  # the survey's DOI, learnt from arXiv, was added to the total
    assert report.not_found == ["doi:10.9999/missing"]


def test_rate_limiter_waits_only_what_is_left() -> None:
    now = [0.0]
    slept: list[float] = []

    def sleep(seconds: float) -> None:
        slept.append(seconds)
        now[0] += seconds

    limiter = RateLimiter(3.0, clock=lambda: now[0], sleep=sleep)
    limiter.wait()
    now[0] += 1.0
    limiter.wait()
    now[0] += 5.0
    limiter.wait()
    assert slept == [2.0]


def test_damaged_cache_is_a_warning(paper_log: Path) -> None:
    path = cache_path(paper_log)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("{not json", encoding="utf-8")
    result = run(paper_log)
    assert "the paper cache is damaged" in result.stderr
    fetched = run_json(paper_log, "fetch", obj=Replay().obj())
    assert len(fetched["fetched"]) == 5
    assert "damaged" not in run(paper_log).stderr


# -- the list -------------------------------------------------------------------------------


def test_list_before_fetch_uses_link_titles(paper_log: Path) -> None:
    papers = run_json(paper_log)
    ids = [paper["id"] for paper in papers]
    assert ids[0] == "arxiv:2006.11239"  # two entries mention it
    assert len(ids) == 6  # nothing merged yet: the survey's arXiv and DOI ids are apart
    ddpm = papers[0]
    assert ddpm["title"] == "Denoising Diffusion Probabilistic Models"
    assert ddpm["mentions"] == 2
    assert (ddpm["first"], ddpm["last"]) == ("2024-02-01", "2024-03-10")
    assert [e["date"] for e in ddpm["entries"]] == ["2024-02-01", "2024-03-10"]
    assert ddpm["entries"][0]["source"] == "journal.md"
    assert ddpm["entries"][0]["line"] == 11
    assert ddpm["url"] == "https://arxiv.org/abs/2006.11239"
    assert ddpm["citation_key"] == "arxiv2006.11239"
    assert ddpm["metadata"] is None
    by_id = {paper["id"]: paper for paper in papers}
    assert by_id["arxiv:1706.03762"]["title"] is None
    assert by_id["doi:10.1145/3442188.3445922"]["title"] == "Stochastic parrots"
    # Equal counts: the most recently mentioned first.
    assert ids[1] == "arxiv:1706.03762"


def test_list_after_fetch_merges_preprint_and_published_version(paper_log: Path) -> None:
    fetched_log(paper_log)
    papers = run_json(paper_log)
    by_id = {paper["id"]: paper for paper in papers}
    assert len(papers) == 5
    survey = by_id["arxiv:1611.08097"]
    assert survey["aliases"] == ["doi:10.1109/MSP.2017.2693418"]
    assert survey["mentions"] == 2
    assert (survey["first"], survey["last"]) == ("2024-01-15", "2024-02-01")
    assert [e["paper_id"] for e in survey["entries"]] == [
        "doi:10.1109/MSP.2017.2693418",
        "arxiv:1611.08097",
    ]
    meta = survey["metadata"]
    assert meta["venue"] == "IEEE Signal Processing Magazine"  # the published version's
    assert meta["year"] == 2017
    assert meta["arxiv_id"] == "1611.08097"
    assert meta["doi"] == "10.1109/MSP.2017.2693418"
    assert meta["pages"] == "18-42"
    assert "abstract" not in meta  # only in `papers show`
    assert survey["citation_key"] == "bronstein2017geometric"
    assert by_id["arxiv:1706.03762"]["title"] == "Attention Is All You Need"
    assert by_id["arxiv:1706.03762"]["citation_key"] == "vaswani2017attention"
    assert by_id["arxiv:2006.11239"]["citation_key"] == "ho2020denoising"
    parrots = by_id["doi:10.1145/3442188.3445922"]
    assert parrots["citation_key"] == "bender2021dangers"
    assert parrots["title"].startswith("On the Dangers of Stochastic Parrots")
    assert by_id["openreview:B1xsqj09Fm"]["metadata"] is None
    assert [paper["mentions"] for paper in papers] == sorted(
        (paper["mentions"] for paper in papers), reverse=True
    )


def test_list_table_and_limit(paper_log: Path) -> None:
    text = run(paper_log).stdout
    assert "Denoising Diffusion Probabilistic Models" in text
    assert "arxiv:2006.11239" in text
    assert "2024-02-01" in text
    assert "(no title)" in text
    assert "6 papers, 7 mentions; metadata for 0" in text
    fetched_log(paper_log)
    text = run(paper_log).stdout
    assert "Geometric Deep Learning" in text
    assert "Bronstein et al., IEEE Signal Processing Magazine, 2017" in text
    assert "Ho et al., 2020" in text
    assert "metadata for 4" in text  # all but the OpenReview paper
    assert len(run_json(paper_log, "--limit", "2")) == 2
    assert "arxiv:2006.11239" in run(paper_log, "-n", "1").stdout


def test_list_of_an_empty_log(make_log: Callable[[dict[str, str]], Path]) -> None:
    root = make_log({"notes.md": "# Notes\n\n## 2024-01-01\n\nNo links today.\n"})
    result = run(root)
    assert "No papers yet" in result.stderr
    assert run_json(root) == []
    assert run(root, "--bibtex").stdout.startswith("% BibTeX")


def test_arxiv_doi_and_doi_case_merge_without_metadata(
    make_log: Callable[[dict[str, str]], Path],
) -> None:
    root = make_log(
        {
            "log.md": "## 2024-01-02\n\nhttps://doi.org/10.48550/arXiv.2006.11239 and "
            "https://doi.org/10.1000/ABC.1\n\n## 2024-01-01\n\n"
            "https://arxiv.org/abs/2006.11239 and https://doi.org/10.1000/abc.1\n"
        }
    )
    papers = run_json(root)
    assert [(p["id"], p["aliases"], p["mentions"]) for p in papers] == [
        ("arxiv:2006.11239", ["doi:10.48550/arXiv.2006.11239"], 2),
        ("doi:10.1000/ABC.1", ["doi:10.1000/abc.1"], 2),  # the same DOI, spelt two ways
    ]


def test_an_entry_mentioning_a_paper_twice_counts_once(
    make_log: Callable[[dict[str, str]], Path],
) -> None:
    root = make_log(
        {
            "log.md": "## 2024-01-01\n\n[DDPM](https://arxiv.org/abs/2006.11239), "
            "pdf: https://arxiv.org/pdf/2006.11239v1.pdf\n"
        }
    )
    (paper,) = run_json(root)
    assert paper["mentions"] == 1
    assert paper["title"] == "DDPM"


# -- show -----------------------------------------------------------------------------------


def test_show_by_id_bare_id_prefix_url_and_key(paper_log: Path) -> None:
    fetched_log(paper_log)
    for query in (
        "arxiv:2006.11239",
        "2006.11239",
        "2006.112",
        "ARXIV:2006.11239",
        "https://arxiv.org/pdf/2006.11239v1.pdf",
        "ho2020denoising",
    ):
        shown = run_json(paper_log, "show", query)
        assert shown["id"] == "arxiv:2006.11239", query
    shown = run_json(paper_log, "show", "10.1109/MSP.2017.2693418")
    assert shown["id"] == "arxiv:1611.08097"  # found by its published DOI
    assert shown["metadata"]["abstract"].startswith("Many scientific fields study data")


def test_show_text(paper_log: Path) -> None:
    fetched_log(paper_log)
    text = run(paper_log, "show", "1611.08097").stdout
    assert "Geometric Deep Learning: Going beyond Euclidean data" in text
    assert "id: arxiv:1611.08097 (also doi:10.1109/MSP.2017.2693418)" in text
    assert "authors: Michael M. Bronstein, Joan Bruna, Yann LeCun" in text
    assert "venue: IEEE Signal Processing Magazine" in text
    assert "citation key: bronstein2017geometric" in text
    assert "metadata: from arxiv+doi, fetched " in text
    assert "Many scientific fields" in text
    assert "2 mentions" in text
    assert "journal.md:15" in text
    bare = run(paper_log, "show", "openreview:B1xsqj09Fm").stdout
    assert "metadata: not fetched" in bare
    assert "url: https://openreview.net/forum?id=B1xsqj09Fm" in bare


def test_show_options_after_the_subcommand(paper_log: Path) -> None:
    result = CliRunner().invoke(
        main, ["papers", "show", "2006.11239", "--log", str(paper_log), "--json"]
    )
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["id"] == "arxiv:2006.11239"


def test_show_errors(paper_log: Path) -> None:
    missing = run(paper_log, "show", "9999.00001", code=1)
    assert "no paper with id '9999.00001'" in missing.stderr
    ambiguous = run(paper_log, "show", "arxiv:", code=1)
    assert "matches several papers" in ambiguous.stderr
    run(paper_log, "--bibtex", "show", "2006.11239", code=2)


def test_find_paper_directly() -> None:
    items = [PaperItem("arxiv:2006.11239"), PaperItem("arxiv:2006.11237"), PaperItem("doi:10.1/x")]
    assert find_paper(items, "2006.11239").id == "arxiv:2006.11239"
    with pytest.raises(AmbiguousPaperId):
        find_paper(items, "2006.1123")
    with pytest.raises(PaperNotFound):
        find_paper(items, "  ")
    assert find_paper(items, "doi:10.1/X").id == "doi:10.1/x"


# -- BibTeX ---------------------------------------------------------------------------------


def _parse_bib(text: str) -> Any:
    library = bibtexparser.parse_string(text)
    assert library.failed_blocks == [], [block.error for block in library.failed_blocks]
    return library


def test_bibtex_parses_and_has_the_right_fields(paper_log: Path) -> None:
    fetched_log(paper_log)
    text = run(paper_log, "--bibtex").stdout
    library = _parse_bib(text)
    entries = {entry.key: entry for entry in library.entries}
    assert sorted(entries) == [
        "bender2021dangers",
        "bronstein2017geometric",
        "ho2020denoising",
        "openreviewB1xsqj09Fm",
        "vaswani2017attention",
    ]
    attention = entries["vaswani2017attention"]
    assert attention.entry_type == "misc"
    assert attention["eprint"] == "1706.03762"
    assert attention["archivePrefix"] == "arXiv"
    assert attention["primaryClass"] == "cs.CL"
    assert attention["year"] == "2017"
    assert attention["author"].startswith("Vaswani, Ashish and Shazeer, Noam")
    assert attention["author"].count(" and ") == 7
    survey = entries["bronstein2017geometric"]
    assert survey.entry_type == "article"
    assert survey["journal"] == "IEEE Signal Processing Magazine"
    assert survey["doi"] == "10.1109/MSP.2017.2693418"
    assert "publisher" not in survey.fields_dict
    assert survey["eprint"] == "1611.08097"
    assert survey["pages"] == "18--42"
    assert survey["volume"] == "34"
    assert survey["number"] == "4"
    parrots = entries["bender2021dangers"]
    assert parrots.entry_type == "inproceedings"
    assert parrots["booktitle"].startswith("Proceedings of the 2021 ACM Conference")
    assert parrots["publisher"] == "ACM"
    assert parrots["title"].endswith("Too Big? 🦜")  # no LaTeX for it: kept as UTF-8
    assert "eprint" not in parrots.fields_dict
    bare = entries["openreviewB1xsqj09Fm"]
    assert bare["url"] == "https://openreview.net/forum?id=B1xsqj09Fm"


def test_bibtex_without_metadata_falls_back_to_ids(paper_log: Path) -> None:
    library = _parse_bib(run(paper_log, "--bibtex").stdout)
    keys = [entry.key for entry in library.entries]
    assert keys == sorted(keys)
    assert "arxiv2006.11239" in keys
    assert "doi10.1145-3442188.3445922" in keys
    ddpm = next(entry for entry in library.entries if entry.key == "arxiv2006.11239")
    assert ddpm["title"] == "Denoising Diffusion Probabilistic Models"
    assert ddpm["eprint"] == "2006.11239"
    parrots = next(e for e in library.entries if e.key == "doi10.1145-3442188.3445922")
    assert parrots["doi"] == "10.1145/3442188.3445922"


def test_bibtex_is_stable_across_runs(paper_log: Path) -> None:
    fetched_log(paper_log)
    first = run(paper_log, "--bibtex").stdout
    (paper_log / "journal.md").write_text(
        (paper_log / "journal.md").read_text(encoding="utf-8")
        + "\n## 2024-04-01\n\nAgain https://arxiv.org/abs/1706.03762\n",
        encoding="utf-8",
    )
    second = run(paper_log, "--bibtex").stdout  # re-indexed; the counts changed
    assert first == second
    assert run_json(paper_log)[0]["id"] == "arxiv:1706.03762"


def _item(paper_id: str, family: str, year: int, title: str) -> PaperItem:
    metadata = PaperMetadata(source="arxiv", title=title, authors=[Name(family, "A.")], year=year)
    return PaperItem(paper_id, metadata=metadata)


def test_citation_keys_disambiguate_deterministically() -> None:
    def keys(order: list[int]) -> dict[str, str]:
        items = [
            _item("arxiv:2001.00002", "Müller", 2020, "The Deep Model"),
            _item("arxiv:2001.00001", "Muller", 2020, "Deep models, again"),
            _item("arxiv:2001.00003", "Müller", 2020, "Deep: a sequel"),
            _item("arxiv:2001.00004", "Łukasiewicz", 2019, "On $\\alpha$-stable noise"),
            _item("arxiv:2001.00005", "王", 2021, "A paper with a name in Chinese"),
        ]
        chosen = [items[i] for i in order]
        assign_citation_keys(chosen)
        return {item.id: item.citation_key for item in chosen}

    forward = keys([0, 1, 2, 3, 4])
    assert forward == keys([4, 3, 2, 1, 0])
    assert forward == {
        "arxiv:2001.00001": "muller2020deep",
        "arxiv:2001.00002": "muller2020deepa",
        "arxiv:2001.00003": "muller2020deepb",
        "arxiv:2001.00004": "lukasiewicz2019stable",
        "arxiv:2001.00005": "arxiv2001.00005",  # no Latin letters in the name: the id
    }


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "Tips & Tricks: 50% off_now #1 {x}",
            r"Tips \& Tricks: 50\% off\_now \#1 \textbraceleft{}x\textbraceright{}",
        ),
        ("Müller's café — “quoted”", "M{\\\"u}ller's caf{\\'e} --- ``quoted''"),
        ("Scaling $\\mu$P and $O(n^2)$ cost", "Scaling $\\mu$P and $O(n^2)$ cost"),
        ("Costs $5 or ~$6", r"Costs \$5 or \textasciitilde{}\$6"),
        ("a \\ b ^ c", r"a \textbackslash{} b \textasciicircum{} c"),
        ("검색 엔진", "검색 엔진"),
        ("unbalanced ${x$ math", r"unbalanced \$\textbraceleft{}x\$ math"),
    ],
)
def test_latex_escape(text: str, expected: str) -> None:
    assert latex_escape(text) == expected


def test_bibtex_escaping_round_trips_through_bibtexparser() -> None:
    title = "Über 50% of BERT's FlashAttention_v2 & {braces} cost $O(n^2)$ — in 検索"
    metadata = PaperMetadata(
        source="doi",
        title=title,
        authors=[Name("Łukasz", ""), Name("García-Pérez", "José"), Name("Big & Co", "")],
        year=2022,
        venue="Journal of Things & Stuff",
        kind="article-journal",
        doi="10.1000/{odd}",
    )
    item = PaperItem("doi:10.1000/{odd}", metadata=metadata)
    assign_citation_keys([item])
    text = to_bibtex([item])
    library = bibtexparser.parse_string(
        text, append_middleware=[LatexDecodingMiddleware(keep_braced_groups=False)]
    )
    assert library.failed_blocks == []
    (entry,) = library.entries
    assert entry.key == "lukasz2022uber"
    assert entry.entry_type == "article"
    decoded = " ".join(entry["title"].replace("{", "").replace("}", "").split())
    assert decoded.startswith("Über 50% of BERT's FlashAttention_v2 &")
    assert "検索" in decoded
    assert "García-Pérez" in entry["author"]
    assert "{BERT's}" in text
    assert "{FlashAttention\\_v2}" in text
    assert "doi     = {10.1000/%7Bodd%7D}" in text


# -- seeds ----------------------------------------------------------------------------------


@pytest.mark.seeds
@pytest.mark.skipif(not SEEDS.is_dir(), reason="../shared/seeds is not here")
def test_seed_papers(tmp_path: Path) -> None:
    for prefix in ("000", "003", "004"):
        found = sorted(SEEDS.glob(f"{prefix}_*.txt"))
        if not found:
            pytest.skip(f"seed {prefix} is not in {SEEDS}")
        shutil.copyfile(found[0], tmp_path / f"{found[0].stem}.md")
    papers = run_json(tmp_path)
    by_id = {paper["id"]: paper for paper in papers}
    kinds = {paper_id.partition(":")[0] for paper_id in by_id}
    assert {"arxiv", "openreview", "doi", "ieee"} <= kinds
    sources = {paper_id: by_id[paper_id]["entries"][0]["source"][:3] for paper_id in by_id}
    assert sources["openreview:RlqgQXZx6r"] == "000"
    assert sources["arxiv:2211.05105"] == "000"
    assert sources["ieee:9345858"] == "003"
    assert sum(1 for p, s in sources.items() if p.startswith("doi:") and s == "003") == 2
    assert sum(1 for p, s in sources.items() if p.startswith("arxiv:") and s == "004") >= 5
    titled = [paper for paper in papers if paper["title"]]
    assert len(titled) >= len(papers) * 2 // 3
    for paper in titled:
        title = paper["title"]
        assert title == " ".join(title.split()), title  # one line, even when the link wraps
        assert "://" not in title and len(title) > 3, title
    assert by_id["arxiv:2211.05105"]["title"].startswith("Safe Latent Diffusion:")
    assert by_id["arxiv:2210.11427"]["title"].startswith("DiffEdit")
    dated = [paper for paper in papers if paper["entries"][0]["source"].startswith("000")]
    assert all(paper["first"] for paper in dated)  # the journal's entries are dated
    library = _parse_bib(run(tmp_path, "--bibtex").stdout)
    assert len(library.entries) == len(papers)
    assert len({entry.key for entry in library.entries}) == len(papers)


def test_titles_keep_their_capitals_and_punctuation_outside_braces() -> None:
    metadata = PaperMetadata(
        source="arxiv",
        title="GQA: Training (ViT) models with $O(n^2)$-time LoRA, not $5 or ~$6",
        authors=[Name("Ainslie", "Joshua")],
        year=2023,
    )
    item = PaperItem("arxiv:2305.13245", metadata=metadata)
    assign_citation_keys([item])
    assert item.citation_key == "ainslie2023gqa"
    text = to_bibtex([item])
    assert (
        "title         = {{GQA}: Training ({ViT}) models with $O(n^2)$-time {LoRA}, "
        "not \\$5 or \\textasciitilde{}\\$6}," in text
    )
    _parse_bib(text)


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("https://www.usenix.org/conference/fast24/presentation/cho", "usenix:fast24/cho"),
        ("https://usenix.org/conference/osdi22/presentation/yu/", "usenix:osdi22/yu"),
        (
            "https://www.usenix.org/system/files/fast24-cho.pdf",
            "url:https://www.usenix.org/system/files/fast24-cho.pdf",
        ),
        ("https://www.usenix.org/conference/osdi22", None),  # the conference, not a paper
    ],
)
def test_usenix_talk_pages_are_papers(url: str, expected: str | None) -> None:
    from tilbook.extract.links import link_kind, paper_id

    assert paper_id(url) == expected
    assert link_kind(url) == ("paper" if expected else "other")
