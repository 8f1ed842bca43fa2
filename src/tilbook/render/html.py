"""Entry Markdown to safe HTML: the one renderer of the static site and the web app.

pulldown-cmark (through pyromark) turns Markdown into HTML very fast; nh3 then
sanitizes it (scripts, event handlers, `javascript:` URLs and unknown tags never
survive; harmless formatting such as `u`, `sup`, `details` does). Only after that
are the pieces that need a second look rewritten, each from escaped text:

- math (`$…$`, `$$…$$`) becomes MathML with latex2mathml; what latex2mathml makes
  is parsed again and rebuilt from an allowlist of MathML elements and
  attributes, and a formula that does not convert is shown as escaped TeX;
- fenced code is highlighted with Pygments;
- headings get ids and anchors (and a table of contents when there are several);
- footnotes are gathered at the end with links both ways;
- local image and file links are handed to a resolver (the site copies them).

Nothing here knows about pages or files: the caller passes a resolver for local
URLs, and gets back HTML plus what it needs to lay the page out.
"""

from __future__ import annotations

import html
import re
import unicodedata
import xml.etree.ElementTree as ElementTree
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any
from urllib.parse import unquote

import nh3
import pyromark

from tilbook.errors import MathConversionError
from tilbook.model import Entry, Footnote, Span
from tilbook.parse.blocks import MARKDOWN_OPTIONS, wiki_text

RENDERER_VERSION = 6
"""Bump when the HTML made from the same Markdown changes (the site then re-renders)."""

OPTIONS = MARKDOWN_OPTIONS

TOC_MIN_HEADINGS = 3
"""An entry with at least this many headings gets a table of contents."""

RESERVED_IDS = frozenset(
    {"top", "main", "content", "toc", "footnotes", "search", "related", "linked-from"}
)
"""Ids the page templates use; a heading with such a slug gets a prefix."""

# -- sanitizing -----------------------------------------------------------------------------

_TAGS = frozenset(
    {
        "a", "abbr", "article", "aside", "b", "bdi", "bdo", "blockquote", "br", "caption",
        "cite", "code", "col", "colgroup", "data", "dd", "del", "details", "dfn", "div", "dl",
        "dt", "em", "figcaption", "figure", "h1", "h2", "h3", "h4", "h5", "h6", "hr", "i",
        "img", "input", "ins", "kbd", "li", "mark", "ol", "p", "pre", "q", "rp", "rt", "ruby",
        "s", "samp", "small", "span", "strong", "sub", "summary", "sup", "table", "tbody", "td",
        "tfoot", "th", "thead", "time", "tr", "u", "ul", "var", "wbr",
    }
)  # fmt: skip
"""Formatting that may come through from notes: HTML5 elements only (no `center`, `tt`…)."""

_ATTRIBUTES: dict[str, set[str]] = {
    "*": {"lang", "title"},
    "a": {"href", "hreflang"},
    "img": {"src", "alt", "width", "height"},
    "th": {"colspan", "rowspan", "headers", "scope", "style"},
    "td": {"colspan", "rowspan", "headers", "style"},
    "ol": {"start", "reversed"},
    "li": {"value"},
    "blockquote": {"cite", "class"},
    "q": {"cite"},
    "del": {"cite", "datetime"},
    "ins": {"cite", "datetime"},
    "time": {"datetime"},
    "data": {"value"},
    "details": {"open"},
    "bdo": {"dir"},
    "col": {"span"},
    "colgroup": {"span"},
    "input": {"checked", "disabled"},
    "code": {"class"},
    "span": {"class"},
    "div": {"class", "id"},
    "sup": {"class"},
}
_CLASSES = {
    "span": frozenset({"math", "math-inline", "math-display"}),
    "div": frozenset({"footnote-definition"}),
    "sup": frozenset({"footnote-reference", "footnote-definition-label"}),
    "blockquote": frozenset(
        f"markdown-alert-{kind}" for kind in ("note", "tip", "important", "warning", "caution")
    ),
}
_LANGUAGE_CLASS = re.compile(r"^language-[\w+#.\-]{1,40}$")
_LANG = re.compile(r"^[A-Za-z]{2,8}(?:-[A-Za-z0-9]{1,8})*$")
_DIGITS = re.compile(r"^\d{1,5}$")
_URL_SCHEMES = frozenset({"http", "https", "mailto"})


def _attribute_filter(tag: str, attribute: str, value: str) -> str | None:
    if attribute == "class":
        if tag == "code":
            kept = [name for name in value.split() if _LANGUAGE_CLASS.match(name)][:1]
        else:
            allowed = _CLASSES.get(tag, frozenset())
            kept = [name for name in value.split() if name in allowed]
        return " ".join(kept) or None
    if attribute == "id":
        # Only footnote definitions have ids, always in their own namespace.
        return "fn-" + slugify(value, limit=40) if value.strip() else None
    if attribute in ("width", "height", "colspan", "rowspan", "span", "start", "value"):
        return value if _DIGITS.match(value.strip()) else None
    if attribute in ("lang", "hreflang"):
        return value if _LANG.match(value) else None
    if attribute == "dir":
        return value if value in ("ltr", "rtl", "auto") else None
    if attribute == "scope":
        return value if value in ("row", "col", "rowgroup", "colgroup") else None
    return value


_IMG_WITHOUT_SRC = re.compile(r"<img(?![^>]*\ssrc=)([^>]*)>")
_INPUT_NOT_CHECKBOX = re.compile(r'<input(?![^>]*\stype="checkbox")[^>]*>')
_A_WITHOUT_HREF = re.compile(
    r'<a((?:\s(?!href=)[\w-]+="[^"]*")*)\srel="noopener noreferrer"([^>]*)>'
)


def _tidy(fragment: str) -> str:
    """What sanitizing leaves behind that is not valid HTML (an `img` whose `src` was unsafe)."""
    if "<img" in fragment:
        fragment = _IMG_WITHOUT_SRC.sub(_missing_image, fragment)
    if "<input" in fragment:
        fragment = _INPUT_NOT_CHECKBOX.sub("", fragment)
    if 'rel="noopener noreferrer"' in fragment:
        fragment = _A_WITHOUT_HREF.sub(
            lambda m: m.group(0) if " href=" in m.group(2) else f"<a{m.group(1)}{m.group(2)}>",
            fragment,
        )
    return fragment


def _missing_image(match: re.Match[str]) -> str:
    alt = re.search(r'alt="([^"]*)"', match.group(0))
    return f'<span class="missing-image">[image: {alt.group(1) if alt else ""}]</span>'


def sanitize(fragment: str) -> str:
    """Safe HTML from any HTML fragment: allowlisted tags, attributes and URL schemes."""
    return _tidy(_clean(fragment))


def _clean(fragment: str) -> str:
    return nh3.clean(
        fragment,
        tags=set(_TAGS),
        clean_content_tags={"script", "style"},
        attributes=_ATTRIBUTES,
        attribute_filter=_attribute_filter,
        url_schemes=set(_URL_SCHEMES),
        strip_comments=True,
        link_rel="noopener noreferrer",
        tag_attribute_values={"input": {"type": {"checkbox"}}},
        set_tag_attribute_values={"input": {"disabled": ""}},
        filter_style_properties={"text-align"},
    )


# -- slugs ----------------------------------------------------------------------------------

_NOT_WORD = re.compile(r"[^\w]+")


def slugify(text: str, *, limit: int = 80) -> str:
    """Lower-case words joined by `-`, any script kept (`배치-정규화`, `attention-sinks`)."""
    text = unicodedata.normalize("NFKC", text).casefold()
    slug = _NOT_WORD.sub("-", text).replace("_", "-").strip("-")
    slug = re.sub(r"-{2,}", "-", slug)
    if len(slug) > limit:
        cut = slug[:limit]
        slug = cut.rsplit("-", 1)[0] if "-" in cut[limit // 2 :] else cut
    return slug.strip("-")


# -- math -----------------------------------------------------------------------------------

_MATHML = "{http://www.w3.org/1998/Math/MathML}"
_MATH_ELEMENTS = frozenset(
    {
        "math", "mrow", "mi", "mn", "mo", "ms", "mtext", "mspace", "msup", "msub", "msubsup",
        "mfrac", "msqrt", "mroot", "mover", "munder", "munderover", "mtable", "mtr", "mtd",
        "mlabeledtr", "mstyle", "mpadded", "mphantom", "menclose", "merror", "mmultiscripts",
        "mprescripts", "none", "semantics", "annotation",
    }
)  # fmt: skip
_MATH_ATTRIBUTES = frozenset(
    {
        "display", "mathvariant", "stretchy", "fence", "form", "separator", "lspace", "rspace",
        "columnalign", "rowalign", "columnspacing", "rowspacing", "columnlines", "rowlines",
        "frame", "framespacing", "displaystyle", "scriptlevel", "linethickness", "accent",
        "accentunder", "movablelimits", "largeop", "symmetric", "minsize", "maxsize", "width",
        "height", "depth", "notation", "mathcolor", "mathbackground", "mathsize", "align",
        "equalrows", "equalcolumns", "side", "columnwidth", "encoding",
    }
)  # fmt: skip
_SAFE_ATTRIBUTE_VALUE = re.compile(r"^[\w#%.,:;()\s+\-]*$")


def _rebuild(element: ElementTree.Element, out: list[str]) -> None:
    tag = element.tag.removeprefix(_MATHML)
    if tag not in _MATH_ELEMENTS:
        raise MathConversionError(f"unexpected element {tag!r}")
    out.append("<" + tag)
    for name, value in element.attrib.items():
        if name in _MATH_ATTRIBUTES and _SAFE_ATTRIBUTE_VALUE.match(value):
            out.append(f' {name}="{html.escape(value)}"')
    out.append(">")
    if element.text:
        out.append(html.escape(element.text, quote=False))
    for child in element:
        _rebuild(child, out)
        if child.tail:
            out.append(html.escape(child.tail, quote=False))
    out.append(f"</{tag}>")


@lru_cache(maxsize=4096)
def tex_to_mathml(tex: str, display: bool = False) -> str:
    """MathML for one formula, rebuilt from an allowlist; raises MathConversionError."""
    from latex2mathml.converter import convert

    try:
        made = convert(tex, display="block" if display else "inline")
        root = ElementTree.fromstring(made)
    except Exception as error:  # latex2mathml raises many kinds of errors on bad TeX
        raise MathConversionError(str(error) or type(error).__name__) from error
    out: list[str] = []
    _rebuild(root, out)
    return "".join(out)


def _math_html(tex: str, display: bool) -> tuple[str, bool]:
    """(HTML, converted?) for one formula; escaped TeX when it does not convert."""
    try:
        return tex_to_mathml(tex, display), True
    except MathConversionError:
        kind = "math-source math-source-display" if display else "math-source"
        shown = f"$${tex}$$" if display else f"${tex}$"
        return f'<code class="{kind}">{html.escape(shown, quote=False)}</code>', False


# -- code -----------------------------------------------------------------------------------

_FORMATTER: Any = None


@lru_cache(maxsize=256)
def _lexer(language: str) -> Any:
    from pygments.lexers import get_lexer_by_name
    from pygments.util import ClassNotFound

    try:
        return get_lexer_by_name(language, stripnl=False, ensurenl=False)
    except ClassNotFound:
        return None


@lru_cache(maxsize=2048)
def highlight_code(code: str, language: str) -> str | None:
    """Pygments HTML (spans with short class names) for `code`, or None for unknown languages."""
    global _FORMATTER
    lexer = _lexer(language)
    if lexer is None:
        return None
    from pygments import highlight

    if _FORMATTER is None:
        from pygments.formatters import HtmlFormatter

        _FORMATTER = HtmlFormatter(nowrap=True)
    highlighted: str = highlight(code, lexer, _FORMATTER)
    return highlighted


def highlight_css(light: str = "friendly", dark: str = "monokai") -> str:
    """The Pygments style sheet for `.highlight`, with a dark variant."""
    from pygments.formatters import HtmlFormatter

    light_css = HtmlFormatter(style=light).get_style_defs(".highlight")
    dark_css = HtmlFormatter(style=dark).get_style_defs(".highlight")
    dark_rules = "\n".join(
        "  " + line for line in dark_css.splitlines() if not line.startswith(("pre", "td", "span"))
    )
    light_rules = "\n".join(
        line for line in light_css.splitlines() if not line.startswith(("pre", "td", "span"))
    )
    return f"{light_rules}\n@media (prefers-color-scheme: dark) {{\n{dark_rules}\n}}\n"


# -- the renderer ---------------------------------------------------------------------------


@dataclass(slots=True, frozen=True)
class Heading:
    level: int
    id: str
    html: str
    """The heading's content as (safe) HTML, without the anchor."""


@dataclass(slots=True)
class Rendered:
    html: str
    toc: list[Heading] = field(default_factory=list)
    local_urls: list[str] = field(default_factory=list)
    """Local (relative) image and link targets as written, for the caller to copy."""
    math_errors: list[str] = field(default_factory=list)
    """Formulas shown as TeX because they did not convert."""


LocalUrl = Callable[[str, bool], str | None]
"""Given a relative URL as written and whether it is an image: the URL to use, or None.
For an image that embeds a note (`![[Note]]`), `NOTE_EMBED` + the note's URL, then, to show
the note's text in the page, `EMBED_TEXT` + that text as safe HTML; `NOTE_EMBED` alone for a
note that is not there."""
NOTE_EMBED = "note-embed:"
EMBED_TEXT = "\0"
_EMBED_END = "<!--/embed-->"
_ALONE_EMBED = re.compile(
    r'<p>(<div class="embed">(?:(?!<div class="embed">).)*?</div>)<!--/embed--></p>', re.DOTALL
)

_MATH_SPAN = re.compile(r'<span class="math math-(inline|display)">(.*?)</span>', re.DOTALL)
_CODE_BLOCK = re.compile(r'<pre><code(?: class="language-([^"]+)")?>(.*?)</code></pre>', re.DOTALL)
_HEADING = re.compile(r"<h([1-6])>(.*?)</h\1>", re.DOTALL)
_TAG = re.compile(r"<[^>]+>")
_FOOTNOTE_DEFINITION = re.compile(
    r'<div class="footnote-definition" id="([^"]*)">\s*'
    r'(?:<sup class="footnote-definition-label">[^<]*</sup>)?(.*?)</div>',
    re.DOTALL,
)
_FOOTNOTE_REFERENCE = re.compile(
    r'<sup class="footnote-reference"><a href="#([^"]*)"[^>]*>([^<]*)</a></sup>'
)
_LOCAL_URL = re.compile(r'<(img|a) ([^>]*?)(src|href)="([^"]*)"([^>]*)>')
_SCHEME = re.compile(r"^[a-zA-Z][a-zA-Z0-9+.\-]*:")


def _is_local(url: str) -> bool:
    return bool(url) and not url.startswith(("#", "//", "/")) and not _SCHEME.match(url)


def _replace_math(fragment: str, errors: list[str]) -> str:
    def replace(match: re.Match[str]) -> str:
        tex = html.unescape(match.group(2))
        made, converted = _math_html(tex, match.group(1) == "display")
        if not converted:
            errors.append(tex)
        return made

    return _MATH_SPAN.sub(replace, fragment)


def _mathjax_math(fragment: str) -> str:
    """Math left as TeX between MathJax delimiters (Anki typesets it itself)."""

    def replace(match: re.Match[str]) -> str:
        tex = html.escape(html.unescape(match.group(2)).strip(), quote=False)
        return f"\\({tex}\\)" if match.group(1) == "inline" else f"\\[{tex}\\]"

    return _MATH_SPAN.sub(replace, fragment)


def _replace_code(match: re.Match[str]) -> str:
    language = (match.group(1) or "").removeprefix("language-").lower()
    code = match.group(2)
    label = f' data-lang="{html.escape(language)}"' if language else ""
    if language:
        highlighted = highlight_code(html.unescape(code), language)
        if highlighted is not None:
            return f'<pre class="highlight"{label}><code>{highlighted}</code></pre>'
    return f'<pre class="code"{label}><code>{code}</code></pre>'


def _unique(slug: str, used: set[str]) -> str:
    if not slug or slug in RESERVED_IDS or slug.startswith("fn-"):
        slug = f"h-{slug}" if slug else "section"
    candidate = slug
    number = 1
    while candidate in used:
        number += 1
        candidate = f"{slug}-{number}"
    used.add(candidate)
    return candidate


def _headings(fragment: str, toc: list[Heading], shift: int) -> str:
    used: set[str] = set()

    def replace(match: re.Match[str]) -> str:
        level = max(1, min(6, int(match.group(1)) + shift))
        inner = match.group(2).strip()
        text = html.unescape(_TAG.sub("", inner)).strip()
        anchor = _unique(slugify(text, limit=60), used)
        toc.append(Heading(level, anchor, _TAG.sub("", inner).strip()))
        return (
            f'<h{level} id="{anchor}">{inner} <a class="anchor" href="#{anchor}" '
            f'aria-label="Link to this section">#</a></h{level}>'
        )

    return _HEADING.sub(replace, fragment)


def _footnotes(fragment: str) -> str:
    definitions: list[tuple[str, str]] = []

    def take(match: re.Match[str]) -> str:
        definitions.append((match.group(1), match.group(2).strip()))
        return ""

    fragment = _FOOTNOTE_DEFINITION.sub(take, fragment)
    numbers: dict[str, int] = {}
    referenced: set[str] = set()
    for anchor, _ in definitions:
        numbers.setdefault(anchor, len(numbers) + 1)

    def reference(match: re.Match[str]) -> str:
        label = match.group(1)
        anchor = "fn-" + slugify(html.unescape(label), limit=40)
        if anchor not in numbers:
            return f'<sup class="footnote-ref">{match.group(2)}</sup>'
        back = ""
        if anchor not in referenced:
            referenced.add(anchor)
            back = f' id="ref-{anchor}"'
        return f'<sup class="footnote-ref"><a href="#{anchor}"{back}>{numbers[anchor]}</a></sup>'

    fragment = _FOOTNOTE_REFERENCE.sub(reference, fragment)
    if not definitions:
        return fragment
    items: list[str] = []
    seen: set[str] = set()
    for anchor, body in definitions:
        if anchor in seen:
            continue
        seen.add(anchor)
        back = (
            f' <a class="footnote-back" href="#ref-{anchor}" aria-label="Back to the text">↩</a>'
            if anchor in referenced
            else ""
        )
        items.append(f'<li id="{anchor}">{body}{back}</li>')
    return (
        fragment.rstrip()
        + '\n<section class="footnotes" aria-label="Footnotes"><ol>\n'
        + "\n".join(items)
        + "\n</ol></section>\n"
    )


_LINK_TO_FRAGMENT = re.compile(r'<a href="([^"#]*#[^"]*)"([^>]*)>([^<]*#[^<]*)</a>')


def _wiki_texts(fragment: str) -> str:
    """`[[Note#Heading]]` shown as Obsidian shows it (`Note > Heading`, `Note` for a
    block): a link whose words are its own destination with a `#` in it."""

    def replace(match: re.Match[str]) -> str:
        href, rest, text = match.groups()
        written = html.unescape(text)
        if unquote(html.unescape(href)) != written:
            return match.group(0)
        return f'<a href="{href}"{rest}>{html.escape(wiki_text(written), quote=False)}</a>'

    return _LINK_TO_FRAGMENT.sub(replace, fragment)


def _local_urls(fragment: str, resolve: LocalUrl | None, found: list[str]) -> str:
    def replace(match: re.Match[str]) -> str:
        tag, before, attribute, value, after = match.groups()
        url = html.unescape(value)
        if not _is_local(url):
            return match.group(0)
        found.append(url)
        target = resolve(url, tag == "img") if resolve is not None else url
        if target is not None and tag == "img" and target.startswith(NOTE_EMBED):
            # `![[Note]]` embeds a note: its text in a block with a link to it, else a link.
            alt = re.search(r'alt="([^"]*)"', match.group(0))
            url, shown, text = target.removeprefix(NOTE_EMBED).partition(EMBED_TEXT)
            if not url:
                return f'<a class="unresolved">{alt.group(1) if alt else ""}</a>'
            href = html.escape(url)
            label = alt.group(1) if alt else ""
            if re.search(r"#[^\s#]", label):  # `Note#Heading`, `Note#^id`: as Obsidian shows it
                label = html.escape(wiki_text(html.unescape(label)), quote=False)
            link = f'<a class="embed" href="{href}">{label}</a>'
            if not shown:
                return link
            return f'<div class="embed"><p class="embed-title">{link}</p>\n{text}</div>{_EMBED_END}'
        if target is not None:
            return f'<{tag} {before}{attribute}="{html.escape(target)}"{after}>'
        if tag == "img":
            return _missing_image(match)
        # A link to a note (or file) that is not there: its words, marked, and no link.
        rest = (before.rstrip() + after).replace(' rel="noopener noreferrer"', "").strip()
        return f'<a class="unresolved" {rest}>' if rest else '<a class="unresolved">'

    return _LOCAL_URL.sub(replace, fragment)


def _unwrap_embeds(fragment: str) -> str:
    """An embedded note's block standing alone in its paragraph takes the paragraph's place
    (a `<div>` cannot sit inside a `<p>`)."""
    return _ALONE_EMBED.sub(r"\1", fragment).replace(_EMBED_END, "")


def render_markdown(
    markdown: str,
    *,
    local_url: LocalUrl | None = None,
    toc_min: int = TOC_MIN_HEADINGS,
    top_level: int = 2,
    page: bool = True,
) -> Rendered:
    """Safe HTML for a piece of Markdown (an entry's text, a note, a preview).

    Headings are shifted so the shallowest one becomes `top_level` (the page has
    its own title). `local_url` maps relative image and link targets (None drops them).
    With `page` false (a flashcard for Anki), math stays TeX for MathJax and code
    is not highlighted, and headings get no anchors: the HTML stands on its own.
    """
    fragment = sanitize(pyromark.html(markdown, options=OPTIONS))
    if "http" in fragment or "www." in fragment:
        fragment = linkify(fragment)
    if "==" in fragment:
        fragment = highlights(fragment)
    if "^" in fragment:
        fragment = without_block_ids(fragment)
    if "<blockquote" in fragment and ("[!" in fragment or "markdown-alert-" in fragment):
        fragment = callouts(fragment)
    errors: list[str] = []
    if "math math-" in fragment:
        fragment = _replace_math(fragment, errors) if page else _mathjax_math(fragment)
    if not page:
        return Rendered(html=fragment.strip(), local_urls=[], math_errors=errors)
    if "<pre><code" in fragment:
        fragment = _CODE_BLOCK.sub(_replace_code, fragment)
    toc: list[Heading] = []
    levels = [int(level) for level in re.findall(r"<h([1-6])>", fragment)]
    if levels:
        fragment = _headings(fragment, toc, top_level - min(levels))
    if "footnote-" in fragment:
        fragment = _footnotes(fragment)
    local: list[str] = []
    if 'src="' in fragment or 'href="' in fragment:
        if "#" in fragment:
            fragment = _wiki_texts(fragment)
        fragment = _local_urls(fragment, local_url, local)
        if _EMBED_END in fragment:
            fragment = _unwrap_embeds(fragment)
    return Rendered(
        html=fragment,
        toc=toc if len(toc) >= toc_min else [],
        local_urls=local,
        math_errors=errors,
    )


_TAG = re.compile(r"(<[^>]*>)")
_BARE_URL = re.compile(r"(?<![\w/@.])(?:https?://|www\.)[^\s<>\"]+", re.IGNORECASE)
_TRAILING = ".,;:!?'*_~"
_NO_LINKS_IN = frozenset({"a", "code", "pre", "math", "kbd", "samp", "script", "style"})


def _url_end(url: str) -> str:
    """A bare URL without the punctuation that ends its sentence; a `)` stays only when
    it closes a `(` inside the URL (`…/Ranking_(statistics)`)."""
    while url:
        if url[-1] in _TRAILING or (url.endswith(")") and url.count("(") < url.count(")")):
            url = url[:-1]
        elif url.endswith(("&amp;", "&gt;", "&lt;")):
            url = url[: url.rindex("&")]
        else:
            break
    return url


def _link_urls(text: str) -> str:
    def link(match: re.Match[str]) -> str:
        url = _url_end(match.group())
        rest = match.group()[len(url) :]
        if len(url) <= len("www.") or url.lower() in ("http://", "https://"):
            return match.group()
        href = url if "://" in url else "https://" + url
        return f'<a href="{href}" rel="noopener noreferrer">{url}</a>{rest}'

    return _BARE_URL.sub(link, text)


def linkify(fragment: str) -> str:
    """Bare `http(s)://…` and `www.…` addresses in text become links (Markdown only links
    `<…>` ones); never inside links, code or math. Runs on sanitised HTML, whose text is
    escaped, and only makes `http`/`https` links."""
    parts = _TAG.split(fragment)
    skipped = 0
    for index, part in enumerate(parts):
        if index % 2:  # a tag
            name = part.strip("</>").split(None, 1)[0].lower() if part.strip("</>") else ""
            if name in _NO_LINKS_IN and not part.endswith("/>"):
                skipped += -1 if part.startswith("</") else 1
                skipped = max(skipped, 0)
        elif not skipped and ("http" in part or "www." in part):
            parts[index] = _link_urls(part)
    return "".join(parts)


_HIGHLIGHT = re.compile(r"==([^\s=<>](?:[^=<>\n]*[^\s=<>])?)==")
_NO_MARKS_IN = frozenset({"code", "pre", "math", "kbd", "samp"})


def highlights(fragment: str) -> str:
    """Obsidian highlights (`==words==`) as `<mark>`, never in code or math. Runs on
    sanitised HTML, whose text is escaped."""
    parts = _TAG.split(fragment)
    skipped = 0
    for index, part in enumerate(parts):
        if index % 2:
            name = part.strip("</>").split(None, 1)[0].lower() if part.strip("</>") else ""
            if name in _NO_MARKS_IN and not part.endswith("/>"):
                skipped = max(skipped + (-1 if part.startswith("</") else 1), 0)
        elif not skipped and "==" in part:
            parts[index] = _HIGHLIGHT.sub(r"<mark>\1</mark>", part)
    return "".join(parts)


_BLOCK_ID_END = re.compile(r"(?:(?<=\s)|^)\^[A-Za-z0-9][A-Za-z0-9\-]*\s*$")
_BLOCK_END = re.compile(r"^<(?:/(?:p|li|td|th|h[1-6])>|br\b|ul\b|ol\b)")
_BLOCK_START = re.compile(r"^<(?:p|li|td|th)>$")
_EMPTY_PARAGRAPH = re.compile(r"<p></p>\n?")


def without_block_ids(fragment: str) -> str:
    """Obsidian block ids (`… a fact ^fact-1`, or `^table-1` on the line after a table)
    hidden as Obsidian hides them: where they end a paragraph, item or cell, never in
    code or math. Runs on sanitised HTML."""
    parts = _TAG.split(fragment)
    skipped = 0
    for index in range(0, len(parts), 2):
        if index:
            tag = parts[index - 1]
            name = tag.strip("</>").split(None, 1)[0].lower() if tag.strip("</>") else ""
            if name in _NO_MARKS_IN and not tag.endswith("/>"):
                skipped = max(skipped + (-1 if tag.startswith("</") else 1), 0)
        part = parts[index]
        if skipped or "^" not in part:
            continue
        following = parts[index + 1] if index + 1 < len(parts) else ""
        if following and not _BLOCK_END.match(following):
            continue  # more of the block follows: not its end
        found = _BLOCK_ID_END.search(part)
        if found is None:
            continue
        if found.start() == 0 and not (index and _BLOCK_START.match(parts[index - 1])):
            continue  # `**bold**^x`: not a block id
        parts[index] = part[: found.start()].rstrip(" \t")
    return _EMPTY_PARAGRAPH.sub("", "".join(parts))


_QUOTE_TAG = re.compile(r"<(/?)blockquote([^>]*)>")
_CALLOUT_HEAD = re.compile(
    r"\s*<p>\[!([A-Za-z][\w-]{0,30})\]([+-]?)[ \t]*(.*?)(?:\n|(</p>))", re.DOTALL
)
_ALERT_CLASS = re.compile(r' class="markdown-alert-([a-z]+)"')


def callouts(fragment: str) -> str:
    """Obsidian callouts (`> [!note] Title`, foldable `> [!tip]- Title`, open `[!tip]+`)
    and GitHub alerts (`> [!NOTE]`) as callout boxes: a `div` with a title, or a
    `details` whose `summary` is the title. Other block quotes stay as they are."""
    out: list[str] = []
    closers: list[str] = []
    last = 0
    for match in _QUOTE_TAG.finditer(fragment):
        out.append(fragment[last : match.start()])
        last = match.end()
        if match.group(1):  # </blockquote>
            out.append(closers.pop() if closers else match.group(0))
            continue
        alert = _ALERT_CLASS.match(match.group(2))
        head = _CALLOUT_HEAD.match(fragment, match.end())
        if alert is not None:
            kind, fold, title, closed = alert.group(1), "", "", True
        elif head is not None and len(head.group(3)) <= 300:
            kind, fold, title = head.group(1).lower(), head.group(2), head.group(3).strip()
            closed = head.group(4) is not None
            last = head.end()
        else:
            out.append(match.group(0))
            closers.append("</blockquote>")
            continue
        title = title or html.escape(kind.replace("-", " ").capitalize())
        rest = "" if closed else "<p>"
        if fold:
            state = " open" if fold == "+" else ""
            out.append(
                f'<details class="callout callout-{kind}"{state}>'
                f'<summary class="callout-title">{title}</summary>{rest}'
            )
            closers.append("</details>")
        else:
            out.append(
                f'<div class="callout callout-{kind}"><p class="callout-title">{title}</p>{rest}'
            )
            closers.append("</div>")
    out.append(fragment[last:])
    return "".join(out)


def card_html(markdown: str) -> str:
    """A card side as HTML for Anki: the same pipeline and sanitiser, math for MathJax."""
    return render_markdown(markdown, page=False).html


# -- an entry's own text --------------------------------------------------------------------

_SENTENCE_SPLIT = re.compile(r"(?<=[.!?。！？])\s+")
_NOT_PROSE = re.compile(r"`[^`]*`|(?:https?://|www\.)\S+|\$[^$]*\$")


def without_questions(line: str) -> str:
    """A prose line without its questions (sentences with a `?`, or marked `(?)`)."""
    indent = line[: len(line) - len(line.lstrip())]
    kept = [
        part
        for part in _SENTENCE_SPLIT.split(line.strip())
        if "?" not in _NOT_PROSE.sub("", part) and "？" not in part
    ]
    return indent + " ".join(kept) if kept else ""


def footnote_lines(file_lines: Sequence[str], note: Footnote) -> list[str]:
    """The lines of a footnote definition, its label written as `[^label]:`.

    (`[^ 7]:`, with a space after the caret, is read as footnote 7: it is written so.)
    """
    found = list(file_lines[note.line - 1 : note.end_line])
    if found:
        close = found[0].find("]:")
        if close >= 0:
            found[0] = f"[^{note.label}]:" + found[0][close + 2 :]
    return found


def entry_body(
    file_lines: Sequence[str],
    entry: Entry,
    *,
    include_private: bool = False,
) -> str:
    """The Markdown of an entry's body, ready to render.

    `file_lines` are the lines of the entry's file (LF, front matter included).
    The note is sliced by the spans the parser found: the entry's own heading
    and date line (the page shows them), its `(#Tag)` marker, and, unless
    `include_private`, open TODOs and questions (a question inside a paragraph
    loses only its sentence), then label lines and headings left with nothing
    under them. Kramdown `{:…}` markers are left out; footnotes defined
    elsewhere in the file are appended.
    """
    first, last = entry.line, entry.end_line
    text_of = {number: file_lines[number - 1] for number in range(first, last + 1)}
    dropped: set[int] = set()
    for span in entry.spans:
        if span.kind == "opening":
            dropped.update(range(span.line, span.end_line + 1))
        elif span.kind == "marker" and text_of.get(span.line, "").startswith(span.text):
            text_of[span.line] = text_of[span.line][len(span.text) :]
        elif span.kind == "date" and span.text and span.text in text_of.get(span.line, ""):
            text_of[span.line] = text_of[span.line].replace(span.text, "", 1)
    removed = False
    if not include_private:
        items = [(todo.line, todo.end_line) for todo in entry.todos if not todo.done]
        open_lines = {line for line, _ in items}
        for question in entry.questions:
            if question.line in open_lines:
                continue
            if question.inline:
                text_of[question.line] = without_questions(text_of.get(question.line, ""))
            else:
                items.append((question.line, question.end_line))
        for line, end_line in items:
            dropped.update(range(line, end_line + 1))
            removed = True
    if removed:
        dropped |= _emptied(entry.spans, text_of, dropped)
    kept = [
        text
        for number, text in text_of.items()
        if number not in dropped
        and not (text != file_lines[number - 1] and not text.strip() and number != first)
    ]
    head = [
        line
        for span in entry.spans
        if span.kind == "head"
        for line in file_lines[span.line - 1 : span.end_line]
    ]
    body = "\n".join([*head, *kept])
    if "{:" in body:
        from tilbook.parse.blocks import KRAMDOWN_MARKER

        body = KRAMDOWN_MARKER.sub("", body)
    inside = range(first, last + 1)
    notes = [
        "\n".join(footnote_lines(file_lines, note))
        for note in entry.footnotes
        if note.line not in inside
    ]
    if notes:
        body = body.rstrip() + "\n\n" + "\n\n".join(notes)
    return body.strip("\n") + "\n"


def _emptied(spans: Sequence[Span], text_of: dict[int, str], dropped: set[int]) -> set[int]:
    """Label lines whose list was taken out, and headings left with nothing under them."""

    def blank(line: int) -> bool:
        return line in dropped or not text_of.get(line, "").strip()

    more: set[int] = set()
    for span in spans:
        if span.kind == "label" and all(
            blank(line) for line in range(span.end_line + 1, span.covers + 1)
        ):
            more.update(range(span.line, span.end_line + 1))
    dropped = dropped | more
    headings = {span.line: span for span in spans if span.kind == "heading"}
    last = max(text_of, default=0)
    for heading in headings.values():
        following = next(
            (line for line in range(heading.end_line + 1, last + 1) if not blank(line)), None
        )
        if following is None or (
            following in headings and headings[following].level <= heading.level
        ):
            more.update(range(heading.line, heading.end_line + 1))
    return more
