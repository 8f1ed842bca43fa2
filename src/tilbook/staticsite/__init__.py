"""`tilbook build`: the learning log as a static website.

A pipeline you can read top to bottom, like pelican's:

- `reader`    the index and the entries' own lines → `LogContent`
- `contents`  permalinks, tags, months, papers, glossary, related, prev/next → `SiteContents`
- `generator` pages (template + plain-data context + fingerprint), rendering
- `writer`    files on disk and the manifest that makes the next build incremental
- `build`     runs them in order (`build_site`)

Entry bodies are rendered by `tilbook.render.html`, the one renderer the web app uses too.
"""

from __future__ import annotations

from tilbook.staticsite.build import BuildReport, build_site, pagefind_executable
from tilbook.staticsite.generator import SiteOptions, site_options

__all__ = ["BuildReport", "SiteOptions", "build_site", "pagefind_executable", "site_options"]
