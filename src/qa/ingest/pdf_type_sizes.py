"""Headings of a PDF that has no bookmarks, told by their type size.

A third of the manuals in the real-document sets have no outline (plain LaTeX without
hyperref, Texinfo through dvipdfm, Acrobat Distiller, groff), so their passages had no
heading path: nothing to cite a section by, and nothing of the section's title in what is
embedded and searched. They still set their headings larger than their text: Malaga's manual
"6.3 Values" at 14.3 points and "6.3.1 Symbols" at 13.1 over text at 10.9, the A+ reference
"Chapter 3: The Structure of Data" at 27.3 and "Type and Nesting" at 13.7 over 11.3.

A line's size is read off its first glyphs (`pdf_text._size`): the larger of a glyph's loose
box height (the font's ascent to descent at the size drawn; Distiller sets every font at size 1
and scales by the text matrix) and its font size (groff's bold Times is short in its box).
The text's size is the largest that holds a quarter of the characters; a line clearly larger,
short and holding words is a heading; levels go by size, the largest first.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

# Larger than the text by both a share and some points: LaTeX's \large in an 11-point document
# is 1.096 times the text; a second font of the text's own size may measure a little taller.
_MIN_RATIO = 1.08
_MIN_POINTS = 0.8
_MAX_WORDS = 14  # a heading is a title, not a sentence set large
_MAX_LINES = 3  # a title wrapped over more lines is a cover page or a display, not a heading
# Where more of the text than this is set large, size does not mark headings (slides, a poster).
_MAX_LARGE_SHARE = 0.25
_BODY_SHARE = 0.25  # of the characters, for a size to be the text's (see `sized_headings`)
_LEVELS = 6
_MARGIN_SLACK = 4.0  # points: a heading's number may hang a little left of the text
_MARGIN_SHARE = 0.15  # of a page's text lines starting at one place, for it to be a margin
_MIN_MARGIN_LINES = 5
# "Chapter 1" set above its title, in a size of its own (LaTeX's report class): one heading.
_CHAPTER_LABEL = re.compile(r"^(?:chapter|appendix|part)\s+[\w.]+$", re.IGNORECASE)
_SECTION_NUMBER = re.compile(r"^(?:\d+|[A-Z])(?:\.\d+)*\.?\s+")
# Formulas and grammar set large: "(y) = Xm", "| (& | * | ! | ~ | - | +) lexpr".
_NOT_IN_TITLES = frozenset("=|≤≥⊕∥{}")


@dataclass(frozen=True)
class SizedLine:
    start: int  # offsets in its page's text
    end: int
    size: float  # points; 0 when unknown
    left: float = 0.0  # of its first drawn glyph, points


@dataclass(frozen=True)
class SizedHeading:
    level: int  # from 1
    page: int  # from 0
    offset: int  # in the page's text
    title: str


def sized_headings(pages: Sequence[str], lines: Sequence[Sequence[SizedLine]]) -> tuple[SizedHeading, ...]:
    """The headings of `pages`, each page's `lines` giving where each line is, its size and
    where it starts.

    A heading is a block of at most `_MAX_LINES` consecutive lines set larger than the text,
    reading as a title (`_titled`), that starts at a margin the page's text starts at or left
    of all of them (a manual page's "DESCRIPTION"): a figure's labels, drawn in a larger font
    inside it, do not (the first page's title is centred, and is let through; the rest of a
    title page is no heading).
    """
    by_size: Counter[float] = Counter()
    for page, page_lines in zip(pages, lines):
        for line in page_lines:
            if line.size > 0:
                by_size[round(line.size, 1)] += len(page[line.start : line.end].strip())
    if not by_size:
        return ()
    # The text's size: the largest that holds a good share of the characters. Most often that
    # is the size most are set in; in a library's guide that is mostly code (KLU's: 56% in
    # 9-point listings), the prose's 10.9 points, and the headings are larger than that.
    total = sum(by_size.values())
    body = max((size for size, count in by_size.items() if count >= _BODY_SHARE * total), default=by_size.most_common(1)[0][0])
    margins = _margins(lines, body)
    blocks: list[tuple[int, list[SizedLine]]] = []  # (page, lines) of consecutive larger lines
    for number, page_lines in enumerate(lines):
        previous = None
        for i, line in enumerate(page_lines):
            if not _larger(line.size, body):
                continue
            last = blocks[-1][1][-1] if blocks else None
            # A title wrapped onto the next line continues its heading, and "Chapter 1" its title.
            if previous == i - 1 and last is not None and abs(last.left - line.left) <= _MARGIN_SLACK and (
                abs(last.size - line.size) <= 0.15 * line.size
                or (len(blocks[-1][1]) == 1 and _CHAPTER_LABEL.match(_line_text(pages[number], last)))
            ):
                blocks[-1][1].append(line)
            else:
                blocks.append((number, [line]))
            previous = i
    large_chars = sum(len(_line_text(pages[number], line)) for number, block in blocks for line in block)
    if large_chars > _MAX_LARGE_SHARE * total:
        return ()
    headings = []
    for number, block in blocks:
        title = " ".join(_line_text(pages[number], line) for line in block)
        # The first page's title is centred, and let through; the other lines a title page sets
        # large off the margin (its subtitle, "Version 2.4", the authors) are no sections: as
        # headings they stood over every passage of the document ("Version 2.4 > 10 Hints").
        centred_title = number == 0 and not headings  # blocks come in page order
        if len(block) <= _MAX_LINES and (centred_title or _at_margin(block[0].left, margins[number])) and _titled(title):
            headings.append((number, block[0].start, max(line.size for line in block), title))
    if len(headings) < 2:
        return ()
    sizes = sorted({round(size * 2) / 2 for _, _, size, _ in headings}, reverse=True)
    return tuple(
        SizedHeading(min(sizes.index(round(size * 2) / 2) + 1, _LEVELS), page, offset, title)
        for page, offset, size, title in headings
    )


def _line_text(page: str, line: SizedLine) -> str:
    return " ".join(page[line.start : line.end].split())


def _margins(lines: Sequence[Sequence[SizedLine]], body: float) -> list[set[float]]:
    """Each page's left margins: where a good share of its text lines start (two columns have
    two; left and right pages differ). A page with too few text lines takes the document's."""

    def common(lefts: list[float]) -> set[float]:
        counts = Counter(round(left) for left in lefts)
        return {float(x) for x, n in counts.items() if n >= max(2, _MARGIN_SHARE * len(lefts))}

    per_page = [[line.left for line in page_lines if abs(line.size - body) <= 0.5] for page_lines in lines]
    everywhere = common([left for lefts in per_page for left in lefts])
    return [common(lefts) if len(lefts) >= _MIN_MARGIN_LINES else everywhere for lefts in per_page]


def _at_margin(left: float, margins: set[float]) -> bool:
    """At one of the page's text margins, or left of all of them (outdented)."""
    return any(abs(left - margin) <= _MARGIN_SLACK for margin in margins) or left < min(margins, default=0.0)


def _larger(size: float, body: float) -> bool:
    return size >= body * _MIN_RATIO and size - body >= _MIN_POINTS


def _titled(text: str) -> bool:
    """Whether a line could title a section: words, not a page number, a formula, a sentence
    or a figure's labels ("c d e", "g h": most of its words one or two letters)."""
    words = _SECTION_NUMBER.sub("", text).split()
    return (
        sum(ch.isalpha() for ch in text) >= 2
        and len(words) <= _MAX_WORDS
        and not _NOT_IN_TITLES.intersection(text)
        and not text.endswith((".", ","))
        and 2 * sum(len(word) <= 2 for word in words) <= len(words)
    )
