"""An HTML (or trafilatura XML) tree to plain text, with its headings.

The text is what a reader sees, without markup syntax: paragraphs apart, list
items on lines of their own ("• item"), a definition list's term on its line
and its description after it, a table row per line with its cells separated by
" · ", preformatted code as it is drawn. Headings (h1-h6, or trafilatura's
<head rend="hN">) are lines of their own, and where each starts is recorded, so
heading paths need no "#" in the text. A list item's or description's first
paragraph stays on the line of its bullet or after its term: "•" alone on a
line would be a sentence of its own, parted from what it introduces.

What a reader does not read as content is left out: a permalink beside a
heading ("¶", "#": a link with no letters or digits), a heading of nothing but
punctuation, elements drawn for no one (`is_hidden`: `extract_html` drops them
before reading), and (with `drop_surroundings`) navigation, never a heading's own
parts. Navigation is told by
tag, ARIA role or class/id name, and by its shape whatever it is called: a run
of links with nothing but separators between them ("Apache > HTTP Server >
Modules", "Available Languages: en | fr | ja", a list of links to the page's
own sections), headings over such runs included.
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
_STRUCTURE = frozenset("table ul ol dl pre blockquote list row head".split()) | frozenset(_HEADINGS)
_SKIPPED = frozenset("script style noscript template svg canvas iframe object embed button select input textarea math".split())
# Parts of a page around its content: site navigation, banners, comment threads, sharing and "related" boxes.
_AROUND_TAGS = frozenset("nav header footer aside form".split())
_AROUND_ROLES = frozenset("navigation banner contentinfo complementary search".split())
_AROUND_NAMES = re.compile(
    r"(^|[\s_-])(nav\w*|menu\w*|breadcrumbs?|sidebar|footer|header|cookies?|consent|banner|comments?|share|sharing|"
    r"social|related|popular|widget|advert\w*|ads?|promo|newsletter|subscribe|skip|popup|modal|tooltip)($|[\s_-])",
    re.IGNORECASE,
)
# The title parts DocBook XSL and Docutils write inside a sidebar of the text (`is_titled_sidebar`).
_SIDEBAR_TITLES = frozenset(("titlepage", "sidebar-title"))
_SPACES = re.compile(r"[^\S\n]+")
# Containers that can be navigation by their shape (a run of links); a single row, cell or
# item is judged with its table or list, as a table row of two links is still a table.
_LINK_RUN_CONTAINERS = frozenset("div p ul ol dl section table center menu".split())
# A label before a run of links ("Available Languages:", "See also:"), a few words and a colon.
_RUN_LABEL = re.compile(r"^\s*[^\W\d_][\w\s'’-]{0,40}:")
# Spaces and permalink glyphs at a line's end: trafilatura keeps a permalink's "¶" as text.
_LINE_END_MARKS = " ¶🔗⚓"
# Emphasis-drawn headings (`_emphasised_line`): the blocks that may be one, the tags that draw it.
_EMPHASIS_HEADING_BLOCKS = frozenset("p center div".split())
_EMPHASIS = frozenset("b strong u".split())
_MAX_EMPHASIS_HEADING_WORDS = 10
_EMPHASIS_HEADING_LEVEL = 2
_SKIP_LINK = re.compile(r"^\s*(skip|jump)\s+to\b", re.IGNORECASE)


@dataclass(frozen=True)
class TextWithHeadings:
    text: str
    headings: tuple[Heading, ...]


def element_text(root, drop_surroundings: bool = False, heading_titles: frozenset[str] | None = None) -> TextWithHeadings:
    """The visible text under `root` (an lxml element), with its headings.

    With `drop_surroundings`, navigation, headers, footers, sidebars, cookie
    banners and comment sections (by tag, ARIA role or class/id name) are left out.
    `heading_titles`, the page's headings as read from its HTML, tell a permalink
    mark a tree without links kept as text ("Path#" where the page has "Path") from
    a title's own last character ("C#").
    """
    # A page without h1-h6 may mark its headings only by how they look: a line of its own, all of
    # it bold or underlined ("<center><u><b>File Menu</b></u></center>", hand-written help pages).
    emphasis_headings = not any(_heading_level(element) for element in root.iter() if isinstance(element.tag, str))
    writer = _Writer(heading_titles, emphasis_headings)
    _walk(root, writer, drop_surroundings, preformatted=False)
    return writer.result()


def is_surrounding(element) -> bool:
    """Whether `element` is around a page's content, not part of it (see the module's docstring)."""
    tag = _tag(element)
    if any(_tag(a) in _HEADINGS for a in element.iterancestors()):
        return False  # a heading's own parts: mdBook links each heading to itself with class "header"
    if is_titled_sidebar(element):
        return False
    if tag in _AROUND_TAGS:
        # An article's own header (its title, byline) and footer are part of it.
        return not (tag in ("header", "footer") and any(_tag(a) in ("article", "main") for a in element.iterancestors()))
    if (element.get("role") or "").lower() in _AROUND_ROLES:
        return True
    names = f"{element.get('class') or ''} {element.get('id') or ''}"
    if names.strip() and _AROUND_NAMES.search(names) is not None:
        return True
    if tag == "a" and (element.get("href") or "").startswith("#") and _SKIP_LINK.match(element.text_content() or ""):
        return True  # "Skip to content"
    return tag in _LINK_RUN_CONTAINERS and is_link_run(element)


def is_titled_sidebar(element) -> bool:
    """A box of the document's own text that its generator calls a sidebar: DocBook's
    `<sidebar>` ("TIP apt --reinstall", a whole paragraph of a manual's advice) and Docutils'
    `.. sidebar::` are written as class "sidebar" with their title inside ("titlepage",
    "sidebar-title"); a site's sidebar of links and search boxes has no such title."""
    names = (element.get("class") or "").split()
    if "sidebar" not in names:
        return False
    return any(_SIDEBAR_TITLES.intersection((child.get("class") or "").split()) for child in element.iter() if child is not element)


def is_hidden(element) -> bool:
    """Drawn for no reader: the `hidden` attribute, aria-hidden, or an inline display:none.
    Never the page itself: a site may hide its body while a script starts."""
    if _tag(element) in ("html", "body"):
        return False
    if element.get("hidden") is not None or (element.get("aria-hidden") or "").lower() == "true":
        return True
    style = (element.get("style") or "").replace(" ", "").lower()
    return "display:none" in style or "visibility:hidden" in style


def is_link_run(element) -> bool:
    """Two or more links and, besides them and headings over them, only separators ("|", ">",
    ",", "·") and at most a leading label: a breadcrumb, a language bar, a menu, a "See also"
    list, a table of contents."""
    links = 0
    outside = ""
    for kind, text in _runs(element):
        if kind == "link":
            links += _has_words(text)
        elif _has_words(text):
            outside += text
            if _has_words(_RUN_LABEL.sub("", outside, count=1)):
                return False  # words of its own: content (stops at the first, so prose costs little)
    return links >= 2


def _runs(element, in_heading: bool = False):
    """("link", its words) and ("text", words outside links and headings) under `element`, in order."""
    if element.text and not in_heading:
        yield "text", element.text
    for child in element:
        tag = _tag(child)
        if tag in _SKIPPED or not isinstance(child.tag, str):
            pass
        elif tag == "a" and child.get("href") is not None:
            yield "link", child.text_content()
        else:
            yield from _runs(child, in_heading or tag in _HEADINGS)
        if child.tail and not in_heading:
            yield "text", child.tail


def _has_words(text: str) -> bool:
    return any(ch.isalnum() for ch in text)


def _is_permalink(element) -> bool:
    """A link drawn as a symbol beside a heading or term ("¶", "#", "§", "🔗"): no words to read."""
    return (element.get("href") or "").startswith("#") and not _has_words(element.text_content())


def _tag(element) -> str:
    tag = element.tag
    return tag.lower().rsplit("}", 1)[-1] if isinstance(tag, str) else ""


class _Writer:
    """Collects text runs, keeping at most one blank line between blocks and tracking heading offsets."""

    def __init__(self, heading_titles: frozenset[str] | None = None, emphasis_headings: bool = False) -> None:
        self.heading_titles = heading_titles
        self.parts: list[str] = []
        self.length = 0
        self.headings: list[Heading] = []
        self.pending_break = 0  # newlines owed before the next text: 1 a line break, 2 a paragraph break
        # Until text comes, block breaks are at most this (None: any): a bullet or a term
        # keeps its item's first paragraph with it.
        self.break_cap: int | None = None
        self.emphasis_headings = emphasis_headings  # read emphasised lines as headings (`_emphasised_line`)

    def text(self, words: str, preformatted: bool = False) -> None:
        if not preformatted:
            words = _SPACES.sub(" ", words.replace("\n", " "))
            if self._at_line_start() or self.pending_break or self.parts[-1].endswith(" "):
                words = words.lstrip()
        if not words:
            return
        self._flush_break()
        self._append(words)
        self.break_cap = None

    def cap_breaks(self, newlines: int) -> None:
        """Block breaks before the next text are at most `newlines` (0 keeps it on this line)."""
        self.break_cap = newlines

    def separator(self, text: str) -> None:
        """`text` between two runs on one line (table cells), without the spaces either side doubling it."""
        if not self.pending_break:
            self._trim_line_end(" ")
        self.text(text)

    def block_break(self, newlines: int = 2, capped: bool = True) -> None:
        if capped and self.break_cap is not None:
            newlines = min(newlines, self.break_cap)
        if self.length and newlines:
            self.pending_break = max(self.pending_break, newlines)

    def start_heading(self) -> tuple[int, int]:
        self.block_break(2, capped=False)
        self._flush_break()
        self.break_cap = None
        return self.length, len(self.parts)

    def end_heading(self, start: tuple[int, int], level: int) -> None:
        offset, first_part = start
        self._trim_line_end(_LINE_END_MARKS)
        title = " ".join("".join(self.parts[first_part:]).split())
        if self.heading_titles and title[-1:] == "#" and title not in self.heading_titles and title[:-1].rstrip() in self.heading_titles:
            self._trim_line_end("#" + _LINE_END_MARKS)  # a permalink's "#" (Node.js), kept as text by trafilatura
            title = title[:-1].rstrip()
        # The heading starts at its first visible character (the text may have opened with spaces).
        start = offset + len("".join(self.parts[first_part:])) - len("".join(self.parts[first_part:]).lstrip())
        if title:
            self.headings.append(Heading(start, level, title))
        self.block_break(2)

    def _at_line_start(self) -> bool:
        return not self.length or self.parts[-1].endswith("\n")

    def _flush_break(self) -> None:
        if self.pending_break and self.length:
            # Drop spaces (and a permalink's "¶" where the link was not marked) at the end of the line being closed.
            self._trim_line_end(_LINE_END_MARKS)
            self._append("\n" * self.pending_break)
        self.pending_break = 0

    def _trim_line_end(self, characters: str) -> None:
        while self.parts and self.parts[-1] and self.parts[-1][-1] in characters:
            kept = self.parts[-1].rstrip(characters)
            self.length -= len(self.parts[-1]) - len(kept)
            self.parts[-1] = kept
            if not kept:
                self.parts.pop()

    def _append(self, text: str) -> None:
        self.parts.append(text)
        self.length += len(text)

    def result(self) -> TextWithHeadings:
        text = "".join(self.parts)
        stripped = text.rstrip()
        lead = len(text) - len(text.lstrip())
        headings = tuple(Heading(h.start - lead, h.level, h.title) for h in self.headings if h.start >= lead)
        return TextWithHeadings(stripped[lead:], headings)


def _walk(element, writer: _Writer, drop_surroundings: bool, preformatted: bool, in_cell: bool = False) -> None:
    """`in_cell`: inside a table cell of plain paragraphs, whose blocks stay on the row's line."""
    tag = _tag(element)
    if tag in _SKIPPED or not isinstance(element.tag, str):
        _tail(element, writer, preformatted)
        return
    if (drop_surroundings and is_surrounding(element)) or (tag == "a" and _is_permalink(element)):
        _tail(element, writer, preformatted)
        return
    level = _heading_level(element)
    if writer.emphasis_headings and tag in _EMPHASIS_HEADING_BLOCKS and not in_cell and _emphasised_line(element):
        level = _EMPHASIS_HEADING_LEVEL
    if level and not _has_words("".join(element.itertext())):
        _tail(element, writer, preformatted)  # ")¶": markup left over, not a heading
        return
    if tag == "br" or tag == "lb":
        writer.block_break(1)
        _tail(element, writer, preformatted)
        return
    pre = preformatted or tag == "pre" or (tag == "code" and "\n" in "".join(element.itertext()).strip())
    heading_start = writer.start_heading() if level else None
    role = _list_role(element, tag)
    inline = in_cell and tag in _BLOCKS
    if inline:
        writer.text(" ")  # a paragraph of the cell: a space, not a break, keeps the row on one line
    elif not level and (tag in _BLOCKS or pre != preformatted):
        writer.block_break(1 if role else 2, capped=not role)
    if role == "item":
        writer.text("• ")
        writer.cap_breaks(0)  # "• " and the item's first paragraph on one line
    elif role == "description":
        writer.cap_breaks(1)  # a description right under its term
    if tag in ("td", "th", "cell") and _has_previous_cell(element):
        writer.separator(CELL_SEPARATOR)
    if element.text:
        writer.text(element.text, pre)
    # DocBook and AsciiDoc wrap each cell's words in <p>: read as blocks, a table row of
    # key and action ("z", "Stop all background loading") became three paragraphs.
    cell = in_cell or (tag in ("td", "th", "cell") and not pre and _holds_only_paragraphs(element))
    for child in element:
        _walk(child, writer, drop_surroundings, pre, cell)
    if role in ("item", "description"):
        writer.break_cap = None  # an empty item keeps nothing after it on its line
    if level:
        writer.end_heading(heading_start, level)
    elif inline:
        writer.text(" ")
    elif tag in _BLOCKS or pre != preformatted:
        writer.block_break(2 if role in (None, "description") else 1)
    _tail(element, writer, preformatted)


def _heading_level(element) -> int | None:
    """An h1-h6's level, or trafilatura's <head rend="hN">'s; None for any other element."""
    tag = _tag(element)
    if tag == "head":
        return _HEADINGS.get((element.get("rend") or "").lower())
    return _HEADINGS.get(tag)


def _emphasised_line(element) -> bool:
    """Whether a block says only a few words, all of them bold or underlined, and not as a
    sentence ends: a heading drawn by emphasis ("File Menu"), not a paragraph or a label with its text."""
    words = "".join(element.itertext()).split()
    if not words or len(words) > _MAX_EMPHASIS_HEADING_WORDS or words[-1][-1] in ".,;:" or not _has_words(" ".join(words)):
        return False
    return _only_emphasis(element, emphasised=False)


def _only_emphasis(element, emphasised: bool) -> bool:
    """Whether every word under `element` is inside <b>, <strong> or <u> (`emphasised`: it is already)."""
    emphasised = emphasised or _tag(element) in _EMPHASIS
    if not emphasised and (element.text or "").strip():
        return False
    for child in element:
        if not isinstance(child.tag, str) or _tag(child) in _SKIPPED:
            continue
        if _tag(child) in _BLOCKS or _tag(child) == "br" or not _only_emphasis(child, emphasised):
            return False
        if not emphasised and (child.tail or "").strip():
            return False
    return True


def _holds_only_paragraphs(cell) -> bool:
    """Whether a table cell holds no structure of its own (a table, a list, code, a heading): a
    layout table's cell holding a whole page keeps its blocks."""
    return not any(_tag(inner) in _STRUCTURE for inner in cell.iterdescendants())


def _list_role(element, tag: str) -> str | None:
    """"item" (a bullet), "term", "description" or "row" for the parts of lists and tables;
    trafilatura writes a definition list's terms and descriptions as <item rend="dt-1">, "dd-1"."""
    if tag in ("dt", "dd"):
        return "term" if tag == "dt" else "description"
    if tag in ("li", "item"):
        rend = (element.get("rend") or "").lower()
        return "term" if rend.startswith("dt") else "description" if rend.startswith("dd") else "item"
    return "row" if tag in ("tr", "row", "thead", "tbody", "tfoot") else None  # a table's parts: rows on lines of their own


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
