"""The web app's templates: the static site's, plus the app's own on the same base layout."""

from __future__ import annotations

import functools
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from jinja2 import Environment


@functools.lru_cache(maxsize=1)
def environment() -> Environment:
    """The site's templates plus the app's own, which extend the same base layout."""
    from jinja2 import ChoiceLoader, PackageLoader

    from tilbook.staticsite.generator import environment as site_environment

    site = site_environment()
    return site.overlay(
        loader=ChoiceLoader([PackageLoader("tilbook.webapp", "templates"), site.loader])  # type: ignore[list-item]
    )


def app_link(url: str) -> str:
    """Links in the app are absolute paths; the site's search page is the live one."""
    url = url.lstrip("/")
    if url in ("search/", "search/index.html"):
        return "/search"
    return "/" + url
