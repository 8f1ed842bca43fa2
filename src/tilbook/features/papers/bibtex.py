"""BibTeX of the papers a log mentions: entries that parse with bibtexparser, LaTeX-escaped."""

from __future__ import annotations

import re
from collections.abc import Iterable
from functools import lru_cache
from typing import Any

from tilbook.features.papers.mentions import PaperItem
from tilbook.features.papers.metadata import PaperMetadata

_ASCII_SPECIALS = {
    "\\": r"\textbackslash{}",
    "{": r"\textbraceleft{}",
    "}": r"\textbraceright{}",
    "&": r"\&",
    "%": r"\%",
    "$": r"\$",
    "#": r"\#",
    "_": r"\_",
    "~": r"\textasciitilde{}",
    "^": r"\textasciicircum{}",
}
_TYPOGRAPHY = {"—": "---", "–": "--", "‘": "`", "’": "'", "“": "``", "”": "''", "\u00a0": "~"}
_ASCII_SPECIAL = re.compile(r"[\\{}&%$#_~^]")
# NOTE: arXiv titles and abstracts are TeX: a `$…$` span with balanced braces is kept as
# math; anything else is escaped. BibTeX counts `\{` as a brace, hence \textbraceleft.
_MATH = re.compile(r"\$(?=[^\s$])[^$]*?(?<=[^\s$])\$(?!\d)")
"""Pandoc's rule: no space inside either dollar, no digit right after the closing one."""


def _protect_macro(latex: str) -> str:
    """`{\\'e}`, `{\\ss}`: braces around macros (BibTeX's rule for accents); `---` bare."""
    return "{" + latex + "}" if latex.startswith("\\") else latex


@lru_cache(maxsize=1)
def _unicode_encoder() -> Any:
    from pylatexenc.latexencode import (  # type: ignore[import-untyped]
        RULE_DICT,
        UnicodeToLatexConversionRule,
        UnicodeToLatexEncoder,
    )

    return UnicodeToLatexEncoder(
        non_ascii_only=True,
        conversion_rules=[
            UnicodeToLatexConversionRule(RULE_DICT, {ord(k): v for k, v in _TYPOGRAPHY.items()}),
            "defaults",
        ],
        replacement_latex_protection=_protect_macro,
        unknown_char_policy="keep",
        unknown_char_warning=False,
    )


def _balanced(text: str) -> bool:
    depth = 0
    for char in text:
        depth += {"{": 1, "}": -1}.get(char, 0)
        if depth < 0:
            return False
    return depth == 0


def _escape_plain(text: str) -> str:
    escaped = _ASCII_SPECIAL.sub(lambda match: _ASCII_SPECIALS[match.group(0)], text)
    return str(_unicode_encoder().unicode_to_latex(escaped))


def latex_escape(text: str, *, keep_math: bool = True) -> str:
    """Text as a BibTeX field value: LaTeX specials escaped, non-ASCII as LaTeX accents
    (`ü` → `{\\"u}`) where LaTeX has one, kept as UTF-8 otherwise; braces always balanced."""
    if not keep_math:
        return _escape_plain(text)
    parts: list[str] = []
    last = 0
    for match in _MATH.finditer(text):
        if not _balanced(match.group(0)):
            continue
        parts.append(_escape_plain(text[last : match.start()]))
        parts.append(match.group(0))
        last = match.end()
    parts.append(_escape_plain(text[last:]))
    return "".join(parts)


_WORD_CORE = re.compile(r"^([^\w]*)(.*?)([^\w]*)$", re.DOTALL)
"""Leading punctuation, core, trailing punctuation: `(BERT):` → `(`, `BERT`, `):`."""


def _protect_title(title: str) -> str:
    """Escape a title and brace words whose capitals must survive a style's
    lower-casing (`{BERT}`, `{FlashAttention}`)."""
    out: list[str] = []
    for chunk in re.split(f"({_MATH.pattern}|\\s+)", title):
        if not chunk or chunk.isspace() or (_MATH.fullmatch(chunk) and _balanced(chunk)):
            out.append(" " if chunk and chunk.isspace() else chunk)
            continue
        match = _WORD_CORE.match(chunk)
        lead, core, trail = match.groups() if match else ("", chunk, "")
        escaped = latex_escape(core, keep_math=False)
        letters = [char for char in core if char.isalpha()]
        if any(char.isupper() for char in letters[1:]):
            escaped = "{" + escaped + "}"
        out.append(
            latex_escape(lead, keep_math=False) + escaped + latex_escape(trail, keep_math=False)
        )
    return "".join(out)


def _bibtex_name(family: str, given: str, suffix: str) -> str:
    if not given:
        return "{" + latex_escape(family, keep_math=False) + "}"
    family_text = latex_escape(family, keep_math=False)
    if " and " in f" {family} " or "," in family:
        family_text = "{" + family_text + "}"
    parts = [family_text]
    if suffix:
        parts.append(latex_escape(suffix, keep_math=False))
    parts.append(latex_escape(given, keep_math=False))
    return ", ".join(parts)


def _url_value(url: str) -> str:
    return url.replace("{", "%7B").replace("}", "%7D").replace(" ", "%20")


def _entry_type(metadata: PaperMetadata | None) -> tuple[str, str | None]:
    """The BibTeX entry type and the field its venue goes in."""
    if metadata is None or metadata.source == "arxiv" or not metadata.venue:
        return "misc", None
    if metadata.kind in ("article-journal", "article", "journal-article"):
        return "article", "journal"
    if metadata.kind in ("paper-conference", "proceedings-article"):
        return "inproceedings", "booktitle"
    if metadata.kind in ("chapter", "book-chapter"):
        return "incollection", "booktitle"
    return "misc", "howpublished"


def bibtex_entry(item: PaperItem) -> str:
    """One `@type{key, …}` entry for the paper (whatever is known about it)."""
    metadata = item.metadata
    entry_type, venue_field = _entry_type(metadata)
    fields: list[tuple[str, str]] = []
    title = item.title
    if metadata is not None and metadata.authors:
        fields.append(
            (
                "author",
                " and ".join(_bibtex_name(n.family, n.given, n.suffix) for n in metadata.authors),
            )
        )
    if title:
        fields.append(("title", _protect_title(title)))
    if metadata is not None:
        if venue_field and metadata.venue:
            fields.append((venue_field, latex_escape(metadata.venue)))
        for name, value in (
            ("volume", metadata.volume),
            ("number", metadata.issue),
            ("pages", metadata.pages.replace("-", "--") if metadata.pages else None),
            ("publisher", metadata.publisher if venue_field == "booktitle" else None),
        ):
            if value:
                fields.append((name, latex_escape(value, keep_math=False)))
        if metadata.year:
            fields.append(("year", str(metadata.year)))
    doi = metadata.doi if metadata is not None else None
    if doi is None and item.id.startswith("doi:"):
        doi = item.id.removeprefix("doi:")
    if doi is None:
        doi = next((a.removeprefix("doi:") for a in item.aliases if a.startswith("doi:")), None)
    if doi:
        fields.append(("doi", _url_value(doi)))
    arxiv_id = metadata.arxiv_id if metadata is not None else None
    if arxiv_id is None and item.id.startswith("arxiv:"):
        arxiv_id = item.id.removeprefix("arxiv:")
    if arxiv_id:
        fields.append(("eprint", arxiv_id))
        fields.append(("archivePrefix", "arXiv"))
        if metadata is not None and metadata.primary_class:
            fields.append(("primaryClass", metadata.primary_class))
    fields.append(("url", _url_value(item.url)))
    if metadata is not None and metadata.source == "arxiv" and metadata.venue:
        fields.append(("note", latex_escape(metadata.venue)))
    width = max(len(name) for name, _ in fields)
    lines = [f"@{entry_type}{{{item.citation_key},"]
    lines.extend(f"  {name.ljust(width)} = {{{value}}}," for name, value in fields)
    lines.append("}")
    return "\n".join(lines)


def to_bibtex(items: Iterable[PaperItem]) -> str:
    """A .bib file for the papers, entries ordered by citation key."""
    ordered = sorted(items, key=lambda item: item.citation_key)
    header = "% BibTeX of the papers in this learning log, written by tilbook.\n"
    return header + "".join("\n" + bibtex_entry(item) + "\n" for item in ordered)
