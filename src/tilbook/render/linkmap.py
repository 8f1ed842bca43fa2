"""An entry's link neighbourhood as a small SVG: the entries that link to it on the left,
the entry in the middle, the entries it links to on the right. No dependencies, no
script; every box is a link to its entry's page, and the page's style sheet colours it
(`.link-map`)."""

from __future__ import annotations

from collections.abc import Sequence
from html import escape

MAX_SIDE = 8
"""Entries drawn on each side; the rest are counted (`+3 more`)."""
WIDTH = 600
BOX_WIDTH = 170
BOX_HEIGHT = 24
ROW = 32
LABEL_CHARS = 24

Node = tuple[str, str]
"""(title, href)."""


def _label(title: str) -> str:
    title = " ".join(title.split())
    return title if len(title) <= LABEL_CHARS else title[: LABEL_CHARS - 1].rstrip() + "…"


def _box(x: int, y: int, title: str, href: str | None, css: str) -> str:
    text = (
        f'<rect x="{x}" y="{y}" width="{BOX_WIDTH}" height="{BOX_HEIGHT}" rx="5"/>'
        f'<text x="{x + BOX_WIDTH // 2}" y="{y + 16}" text-anchor="middle">'
        f"{escape(_label(title))}</text>"
    )
    inner = f"<title>{escape(title)}</title>{text}"
    if href is None:
        return f'<g class="{css}">{inner}</g>'
    return f'<a class="{css}" href="{escape(href)}">{inner}</a>'


def link_map_svg(title: str, incoming: Sequence[Node], outgoing: Sequence[Node]) -> str:
    """The neighbourhood of the entry titled `title`: `incoming` link to it, it links to
    `outgoing`, each (title, href)."""
    shown_in = list(incoming[:MAX_SIDE])
    shown_out = list(outgoing[:MAX_SIDE])
    more_in = len(incoming) - len(shown_in)
    more_out = len(outgoing) - len(shown_out)
    rows = max(len(shown_in) + (more_in > 0), len(shown_out) + (more_out > 0), 1)
    height = rows * ROW + 8
    middle = (height - BOX_HEIGHT) // 2
    left, centre, right = 4, (WIDTH - BOX_WIDTH) // 2, WIDTH - BOX_WIDTH - 4
    parts: list[str] = []

    def column(nodes: list[Node], more: int, x: int, into: bool) -> None:
        top = (height - (len(nodes) + (more > 0)) * ROW) // 2 + 4
        for number, (name, href) in enumerate(nodes):
            y = top + number * ROW
            if into:
                line = (x + BOX_WIDTH, y + BOX_HEIGHT // 2, centre - 6, middle + BOX_HEIGHT // 2)
            else:
                line = (centre + BOX_WIDTH, middle + BOX_HEIGHT // 2, x - 6, y + BOX_HEIGHT // 2)
            parts.append(
                '<line x1="{}" y1="{}" x2="{}" y2="{}" marker-end="url(#link-map-arrow)"/>'.format(
                    *line
                )
            )
            parts.append(_box(x, y, name, href, "link-map-node"))
        if more > 0:
            y = top + len(nodes) * ROW + 16
            parts.append(
                f'<text class="link-map-more" x="{x + BOX_WIDTH // 2}" y="{y}" '
                f'text-anchor="middle">+{more} more</text>'
            )

    column(shown_in, more_in, left, True)
    column(shown_out, more_out, right, False)
    parts.append(_box(centre, middle, title, None, "link-map-node link-map-here"))
    said = f"{len(incoming)} linking here, {len(outgoing)} linked from here"
    return (
        f'<svg class="link-map" role="img" viewBox="0 0 {WIDTH} {height}" '
        f'width="{WIDTH}" height="{height}" xmlns="http://www.w3.org/2000/svg">'
        f"<title>Links of {escape(title)}: {said}</title>"
        '<defs><marker id="link-map-arrow" viewBox="0 0 8 8" refX="7" refY="4" '
        'markerWidth="7" markerHeight="7" orient="auto-start-reverse">'
        '<path d="M0,0 L8,4 L0,8 z"/></marker></defs>' + "".join(parts) + "</svg>"
    )
