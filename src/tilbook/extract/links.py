"""What kind of thing a link points to, and which paper it identifies.

Paper ids are normalised so the same paper linked as an abstract page, a PDF
or another version counts once: `arxiv:2211.05105`, `openreview:RlqgQXZx6r`,
`doi:10.1145/3582099.3582122`, `ieee:9345858`, `acl:2020.acl-main.1`,
`cvf:…`, `neurips:2020/<hash>`, `pmlr:v139/radford21a`, `jmlr:v21/20-074`,
`semanticscholar:<id>`, `usenix:fast24/cho`, bioRxiv and medRxiv as their DOI (without the version),
`nature.com/articles/…` as its DOI, else `url:…` for pages that are papers but
carry no known id (a PDF on an academic's own page, a PubMed page).
"""

from __future__ import annotations

import re
from urllib.parse import parse_qs, unquote, urlsplit

_ARXIV_NEW = r"(\d{4}\.\d{4,5})(?:v\d+)?"
_ARXIV_OLD = r"([a-z\-]+(?:\.[A-Z]{2})?/\d{7})(?:v\d+)?"
_ARXIV_PATH = re.compile(
    r"^/(?:abs|pdf|html|format|papers)/(?:" + _ARXIV_NEW + "|" + _ARXIV_OLD + r")(?:\.pdf)?/?$",
    re.IGNORECASE,
)
_ARXIV_HOSTS = {
    "arxiv.org",
    "export.arxiv.org",
    "ar5iv.org",
    "ar5iv.labs.arxiv.org",
    "alphaxiv.org",
    "www.alphaxiv.org",
}
_DOI = re.compile(r"(10\.\d{4,9}/[^\s?#]+)")
_DOI_PATH_HOSTS = (
    "dl.acm.org",
    "link.springer.com",
    "onlinelibrary.wiley.com",
    "tandfonline.com",
    "journals.sagepub.com",
    "pubs.acs.org",
    "iopscience.iop.org",
    "frontiersin.org",
    "biorxiv.org",
    "medrxiv.org",
    "science.org",
    "pnas.org",
    "journals.plos.org",
    "academic.oup.com",
    "cambridge.org",
    "nature.com",
)
_PAPER_PAGE_HOSTS = (
    "researchgate.net",
    "sciencedirect.com",
    "jstor.org",
    "ncbi.nlm.nih.gov",
    "pubmed.ncbi.nlm.nih.gov",
    "ssrn.com",
    "distill.pub",
)

_VIDEO_HOSTS = (
    "youtube.com",
    "youtu.be",
    "vimeo.com",
    "bilibili.com",
    "videolectures.net",
    "loom.com",
    "twitch.tv",
    "slideslive.com",
)
_CODE_HOSTS = (
    "github.com",
    "gitlab.com",
    "bitbucket.org",
    "huggingface.co",
    "gist.github.com",
    "colab.research.google.com",
    "kaggle.com",
    "codeberg.org",
    "sourceforge.net",
    "pypi.org",
    "npmjs.com",
    "replit.com",
    "codesandbox.io",
    "githubusercontent.com",
)
_FORUM_HOSTS = (
    "reddit.com",
    "stackoverflow.com",
    "stackexchange.com",
    "news.ycombinator.com",
    "quora.com",
    "discord.com",
    "discord.gg",
    "superuser.com",
    "serverfault.com",
)
_DOCS_HOSTS = ("readthedocs.io", "readthedocs.org", "developer.mozilla.org", "docs.python.org")
_IMAGE_EXT = (".png", ".jpg", ".jpeg", ".gif", ".svg", ".webp", ".bmp", ".avif")


def _host_matches(host: str, domains: tuple[str, ...]) -> bool:
    return any(host == domain or host.endswith("." + domain) for domain in domains)


def _host(url: str) -> tuple[str, str, str]:
    try:
        parts = urlsplit(url.strip())
    except ValueError:
        return "", "", ""
    host = (parts.hostname or "").lower()
    return host.removeprefix("www."), parts.path, parts.query


def paper_id(url: str) -> str | None:
    """The normalised id of the paper `url` points to, or None if it is not a paper."""
    host, path, query = _host(url)
    if not host:
        return None
    if host in _ARXIV_HOSTS or host.endswith(".arxiv.org"):
        match = _ARXIV_PATH.match(path)
        if match:
            return "arxiv:" + (match.group(1) or match.group(2))
        return None
    if host == "huggingface.co" and path.startswith("/papers/"):
        match = re.match(r"^/papers/" + _ARXIV_NEW, path)
        return "arxiv:" + match.group(1) if match else None
    if host == "openreview.net":
        ids = parse_qs(query).get("id")
        if ids and path.rstrip("/") in ("/forum", "/pdf", "/attachment"):
            return "openreview:" + ids[0]
        return None
    if host in ("doi.org", "dx.doi.org") or host.endswith(".doi.org"):
        doi = unquote(path.lstrip("/"))
        return "doi:" + doi if doi.startswith("10.") else None
    if host == "ieeexplore.ieee.org":
        match = re.search(r"/document/(\d+)", path) or re.search(r"(?:^|&)arnumber=(\d+)", query)
        return "ieee:" + match.group(1) if match else None
    if host in ("aclanthology.org", "aclweb.org"):
        match = re.match(r"^/(?:anthology/)?([A-Za-z0-9]+[.\-][A-Za-z0-9.\-]+?)(?:\.pdf)?/?$", path)
        return "acl:" + match.group(1) if match else None
    if host == "openaccess.thecvf.com":
        match = re.search(r"/([^/]+?)_paper\.(?:pdf|html)$", path)
        return "cvf:" + match.group(1) if match else None
    if host in ("papers.nips.cc", "proceedings.neurips.cc", "papers.neurips.cc"):
        year = re.search(r"/paper(?:_files/paper)?/(\d{4})/", path)
        match = re.search(r"/([0-9a-f]{32})-", path) or re.search(r"/paper/(\d+)-", path)
        if match is None:
            return None
        return "neurips:" + (f"{year.group(1)}/" if year else "") + match.group(1)
    if host == "semanticscholar.org" or host.endswith(".semanticscholar.org"):
        match = re.search(r"/paper/(?:[^/]+/)?([0-9a-f]{40})(?:[/?#]|$)", path + "/")
        return "semanticscholar:" + match.group(1) if match else None
    if host == "paperswithcode.com":
        return "url:" + url.strip() if path.startswith("/paper/") else None
    if host == "nature.com" and path.startswith("/articles/"):
        article = path.removeprefix("/articles/").strip("/").removesuffix(".pdf")
        return "doi:10.1038/" + article if article else None
    if host == "proceedings.mlr.press":
        match = re.match(r"^/(v\d+)/([^/.]+)", path)
        return f"pmlr:{match.group(1)}/{match.group(2)}" if match else None
    if host == "jmlr.org":
        match = re.match(r"^/papers/(?:v|volume)(\d+)/([^/.]+)", path)
        return f"jmlr:v{match.group(1)}/{match.group(2)}" if match else None
    if "/doi/" in path or _host_matches(host, _DOI_PATH_HOSTS):
        match = _DOI.search(unquote(path))
        if match:
            doi = match.group(1).removesuffix(".pdf").rstrip("/")
            if doi.startswith("10.1101/"):  # bioRxiv and medRxiv: one DOI for every version
                doi = _PREPRINT_VERSION.sub("", doi)
            return "doi:" + doi
    if _host_matches(host, _PAPER_PAGE_HOSTS) and len(path) > 1:
        return "url:" + url.strip()
    if host == "usenix.org":  # `/conference/fast24/presentation/cho`: a talk and its paper
        match = re.match(r"^/conference/([^/]+)/presentation/([^/]+)/?$", path)
        if match:
            return f"usenix:{match.group(1)}/{match.group(2)}"
        return "url:" + url.strip() if path.startswith("/system/files/") else None
    if path.lower().endswith(".pdf") and (_academic(host) or "/~" in path):
        return "url:" + url.strip()
    return None


_PREPRINT_VERSION = re.compile(r"v\d+(?:\.full)?(?:\.pdf)?$|\.full(?:\.pdf)?$")
_ACADEMIC = re.compile(r"(?:^|\.)(?:edu|ac\.[a-z]{2}|edu\.[a-z]{2}|uni-[\w-]+\.de)$")


def _academic(host: str) -> bool:
    """A university's host (`cs.toronto.edu`, `ox.ac.uk`, `cs.uni-bonn.de`)."""
    return bool(_ACADEMIC.search(host)) or host.endswith(("utoronto.ca", "mcgill.ca", "ubc.ca"))


def link_kind(url: str, *, image: bool = False) -> str:
    """One of paper, video, code, forum, docs, image, other."""
    if image:
        return "image"
    if paper_id(url) is not None:
        return "paper"
    host, path, _ = _host(url)
    lowered = path.lower()
    if _host_matches(host, _VIDEO_HOSTS):
        return "video"
    if _host_matches(host, _CODE_HOSTS):
        return "code"
    if (
        _host_matches(host, _FORUM_HOSTS)
        or host.startswith(("forums.", "forum.", "discuss.", "discourse.", "community."))
        or re.search(r"/t/[^/]+/\d+", lowered)
    ):
        return "forum"
    if (
        _host_matches(host, _DOCS_HOSTS)
        or host.startswith(("docs.", "doc.", "developer.", "developers."))
        or "/docs/" in lowered
        or "/api_docs/" in lowered
        or "/documentation/" in lowered
    ):
        return "docs"
    if lowered.endswith(_IMAGE_EXT):
        return "image"
    return "other"


_GENERIC_TITLES = {"link", "paper", "pdf", "here", "arxiv", "this", "this paper", "abs", "source"}


def paper_title(text: str, url: str) -> str | None:
    """The link text as a paper title, None when it says nothing (the URL, "pdf")."""
    cleaned = text.strip()
    if not cleaned or cleaned.rstrip("/") == url.strip().rstrip("/"):
        return None
    if "://" in cleaned and " " not in cleaned:
        return None
    if cleaned.lower() in _GENERIC_TITLES:
        return None
    return cleaned
