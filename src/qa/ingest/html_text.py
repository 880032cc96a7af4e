"""An HTML (or trafilatura XML) tree to plain text, with its headings.

The text is what a reader sees, without markup syntax: paragraphs apart, list
items on lines of their own ("• item"), a definition list's term on its line
and its description after it, a table row per line with its cells separated by
" · ", preformatted code as it is drawn. Headings (h1-h6, or trafilatura's
<head rend="hN">) are lines of their own, and where each starts is recorded, so
heading paths need no "#" in the text.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from qa.records import Heading

CELL_SEPARATOR = " · "
_BLOCKS = frozenset(
    "address article aside blockquote body dd details dialog div dl dt fieldset figcaption figure footer form "
    "h1 h2 h3 h4 h5 h6 header hr li main nav ol p pre section summary table tbody thead tfoot tr ul "
    "head list item row quote doc".split()
)
_HEADINGS = {f"h{n}": n for n in range(1, 7)}
_SKIPPED = frozenset("script style noscript template svg canvas iframe object embed button select input textarea math".split())
# Parts of a page around its content: site navigation, banners, comment threads, sharing and "related" boxes.
_AROUND_TAGS = frozenset("nav header footer aside form".split())
_AROUND_ROLES = frozenset("navigation banner contentinfo complementary search".split())
_AROUND_NAMES = re.compile(
    r"(^|[\s_-])(nav\w*|menu\w*|breadcrumbs?|sidebar|footer|header|cookies?|consent|banner|comments?|share|sharing|"
    r"social|related|popular|widget|advert\w*|ads?|promo|newsletter|subscribe|skip)($|[\s_-])",
    re.IGNORECASE,
)
_SPACES = re.compile(r"[^\S\n]+")


@dataclass(frozen=True)
class TextWithHeadings:
    text: str
    headings: tuple[Heading, ...]


def element_text(root, drop_surroundings: bool = False) -> TextWithHeadings:
    """The visible text under `root` (an lxml element), with its headings.

    With `drop_surroundings`, navigation, headers, footers, sidebars, cookie
    banners and comment sections (by tag, ARIA role or class/id name) are left out.
    """
    writer = _Writer()
    _walk(root, writer, drop_surroundings, preformatted=False)
    return writer.result()


def is_surrounding(element) -> bool:
    tag = _tag(element)
    if tag in _AROUND_TAGS:
        # An article's own header (its title, byline) and footer are part of it.
        return not (tag in ("header", "footer") and any(_tag(a) in ("article", "main") for a in element.iterancestors()))
    if (element.get("role") or "").lower() in _AROUND_ROLES:
        return True
    names = f"{element.get('class') or ''} {element.get('id') or ''}"
    return bool(names.strip()) and _AROUND_NAMES.search(names) is not None


def _tag(element) -> str:
    tag = element.tag
    return tag.lower().rsplit("}", 1)[-1] if isinstance(tag, str) else ""


class _Writer:
    """Collects text runs, keeping at most one blank line between blocks and tracking heading offsets."""

    def __init__(self) -> None:
        self.parts: list[str] = []
        self.length = 0
        self.headings: list[Heading] = []
        self.pending_break = 0  # newlines owed before the next text: 1 a line break, 2 a paragraph break

    def text(self, words: str, preformatted: bool = False) -> None:
        if not preformatted:
            words = _SPACES.sub(" ", words.replace("\n", " "))
            if self._at_line_start() or self.pending_break:
                words = words.lstrip()
        if not words:
            return
        self._flush_break()
        self._append(words)

    def separator(self, text: str) -> None:
        """`text` between two runs on one line (table cells), without the spaces either side doubling it."""
        while self.parts and self.parts[-1].endswith(" ") and not self.pending_break:
            kept = self.parts[-1].rstrip(" ")
            self.length -= len(self.parts[-1]) - len(kept)
            self.parts[-1] = kept
            if not kept:
                self.parts.pop()
        self.text(text)

    def block_break(self, newlines: int = 2) -> None:
        if self.length:
            self.pending_break = max(self.pending_break, newlines)

    def start_heading(self) -> tuple[int, int]:
        self.block_break(2)
        self._flush_break()
        return self.length, len(self.parts)

    def end_heading(self, start: tuple[int, int], level: int) -> None:
        offset, first_part = start
        title = " ".join("".join(self.parts[first_part:]).split())
        # The heading starts at its first visible character (the text may have opened with spaces).
        start = offset + len("".join(self.parts[first_part:])) - len("".join(self.parts[first_part:]).lstrip())
        if title:
            self.headings.append(Heading(start, level, title))
        self.block_break(2)

    def _at_line_start(self) -> bool:
        return not self.length or self.parts[-1].endswith("\n")

    def _flush_break(self) -> None:
        if self.pending_break and self.length:
            # Drop spaces left at the end of the line being closed.
            while self.parts and self.parts[-1].endswith(" "):
                kept = self.parts[-1].rstrip(" ")
                self.length -= len(self.parts[-1]) - len(kept)
                self.parts[-1] = kept
                if not kept:
                    self.parts.pop()
            self._append("\n" * self.pending_break)
        self.pending_break = 0

    def _append(self, text: str) -> None:
        self.parts.append(text)
        self.length += len(text)

    def result(self) -> TextWithHeadings:
        text = "".join(self.parts)
        stripped = text.rstrip()
        lead = len(text) - len(text.lstrip())
        headings = tuple(Heading(h.start - lead, h.level, h.title) for h in self.headings if h.start >= lead)
        return TextWithHeadings(stripped[lead:], headings)


def _walk(element, writer: _Writer, drop_surroundings: bool, preformatted: bool) -> None:
    tag = _tag(element)
    if tag in _SKIPPED or not isinstance(element.tag, str):
        _tail(element, writer, preformatted)
        return
    if drop_surroundings and is_surrounding(element):
        _tail(element, writer, preformatted)
        return
    level = _HEADINGS.get(tag)
    if tag == "head" and (element.get("rend") or "").lower() in _HEADINGS:
        level = _HEADINGS[(element.get("rend") or "").lower()]
    if tag == "br" or tag == "lb":
        writer.block_break(1)
        _tail(element, writer, preformatted)
        return
    pre = preformatted or tag == "pre" or (tag == "code" and "\n" in "".join(element.itertext()).strip())
    heading_start = writer.start_heading() if level else None
    if not level and (tag in _BLOCKS or pre != preformatted):
        writer.block_break(1 if tag in ("li", "item", "dd", "dt", "tr", "row") else 2)
    if tag in ("li", "item"):
        writer.text("• ")
    if tag in ("td", "th", "cell") and _has_previous_cell(element):
        writer.separator(CELL_SEPARATOR)
    if element.text:
        writer.text(element.text, pre)
    for child in element:
        _walk(child, writer, drop_surroundings, pre)
    if level:
        writer.end_heading(heading_start, level)
    elif tag in _BLOCKS or pre != preformatted:
        writer.block_break(1 if tag in ("li", "item", "dt", "tr", "row") else 2)
    _tail(element, writer, preformatted)


def _has_previous_cell(element) -> bool:
    previous = element.getprevious()
    while previous is not None:
        if _tag(previous) in ("td", "th", "cell"):
            return True
        previous = previous.getprevious()
    return False


def _tail(element, writer: _Writer, preformatted: bool) -> None:
    if element.tail:
        writer.text(element.tail, preformatted)
