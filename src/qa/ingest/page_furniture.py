"""Running headers, footers and page numbers of a PDF: lines a page repeats, not what it says.

"Debian New Maintainers' Guide 3 / 57" at the top of every page, "Chapter 4:
Program Behavior for All Programs" over a chapter, a bare "12" at the foot:
inside a passage they push the answer out of the model's window and match
questions by accident. They stay in the stored text (`qa show` prints the page
as extracted, and offsets index it); chunks leave them out.

A line is furniture when it sits among the first or last few lines of a page
and the same line, numbers aside, sits there on at least `_MIN_PAGES` pages and
on most pages of the stretch between its first and last appearance (a chapter's
header repeats over its chapter only; left and right pages may alternate two, each then
counted over its own side's pages).
A line that is only a page number ("12", "xiv", "3 / 57", "Page 4") at a page's
very edge is furniture whenever other pages have one too; a header's page number may be
Roman in the front matter ("ii Writing DDD Themes" is "4 Writing DDD Themes").

A running header may also change on every page: dblatex and LaTeX put the
chapter and the current section in it ("CHAPTER 12. GETTING SUPPORT FOR DEBIAN …
12.5. HOW DO I REPORT A BUG IN DEBIAN?"), Sphinx the section on odd pages only,
so no form of it need repeat. With the document's headings (PDF bookmarks), the
line at a page's edge is furniture when it only names headings in force there:
each of its words belongs to the title of a heading opened on an earlier page or
further down this page (a header may name the section starting below it), whole
or cut short with "…", but for one word such as "Chapter".
"""

from __future__ import annotations

import re
from collections import defaultdict
from typing import Sequence

from qa.ingest.headings import headings_in_force, title_words
from qa.records import Heading

# How many non-blank lines at the top and at the foot of a page can be running headers or footers.
_EDGE_LINES = 3
_MIN_PAGES = 3
# Share of the pages between a line's first and last appearance on which it must appear.
_MIN_STRETCH_SHARE = 0.5
_ONE_SIDE_SHARE = 0.9  # of a line's pages on one side (left or right) of a two-sided book: a header of that side
_MAX_LINE_CHARACTERS = 160  # longer lines are text, whatever repeats
_ROMAN = re.compile(r"\b[ivxlcdm]{1,7}\b")
_DIGITS = re.compile(r"\b\d+\b")  # a number, not digits inside a word: "t24 ATtiny24" and "t25 ATtiny25" differ
# A front-matter page number (i to xxxix) opening or closing a header line: "ii Writing DDD Themes"
# is "4 Writing DDD Themes" of the pages after it. Only numbers so written: "mid" and "did" are words.
_EDGE_ROMAN = re.compile(r"^(?=[ivx])x{0,3}(?:ix|iv|v?i{0,3})(?= )|(?<= )(?=[ivx])x{0,3}(?:ix|iv|v?i{0,3})$")
_PAGE_NUMBER = re.compile(r"^(?:page\s+)?#(?:\s*(?:/|of)\s*#)?$|^[-–—\s]*#[-–—\s]*$")
# A line ending like a sentence is text, even when its words are a title's ("..." cuts a title short).
_SENTENCE_END = re.compile(r"(?<!\.)[.,;]$")
# A running header's words, and the marks where it cuts a long title short.
_CUT_MARKS = ("\u2026", "...")
_HEADER_TOKEN = re.compile(r"[^\W\d_]{2,}|\u2026|\.\.\.")


def furniture_spans(
    pages: Sequence[str], headings: Sequence[Sequence[Heading]] | None = None
) -> tuple[tuple[tuple[int, int], ...], ...]:
    """For each page, the (start, end) offsets of its running header, footer and page-number lines.

    `headings`, when given, holds for each page the document's headings up to its end,
    offsets relative to that page (earlier pages' ones negative), in order.
    """
    edges = [_edge_lines(page) for page in pages]
    seen: dict[str, set[int]] = defaultdict(set)
    for number, lines in enumerate(edges):
        for _, _, key, _ in lines:
            seen[key].add(number)
    running = {key for key, on in seen.items() if _repeats(key, on)}
    numbers_pages = sum(1 for lines in edges if any(outermost and _PAGE_NUMBER.match(key) for *_, key, outermost in lines))
    chosen_by_page = []
    for number, lines in enumerate(edges):
        chosen = [
            (start, end, key)
            for start, end, key, outermost in lines
            if key in running or (outermost and _PAGE_NUMBER.match(key) and numbers_pages >= _MIN_PAGES)
        ]
        named = _section_headers(pages[number], lines, chosen, headings[number]) if headings is not None else []
        chosen_by_page.append((chosen, named))
    # Lines that frame pages which also say something: on a page of nothing but such
    # lines (the blank page before a new chapter) they are still only furniture.
    counts = [sum(1 for line in page.split("\n") if line.strip()) for page in pages]
    framing = {key for (chosen, named), count in zip(chosen_by_page, counts) if len(chosen) + len(named) < count for _, _, key in chosen}
    spans = []
    for (chosen, named), count in zip(chosen_by_page, counts):
        if len(chosen) + len(named) == count and not all(key in framing for _, _, key in chosen):
            chosen = []  # a page of nothing but lines repeated on such pages ("Step 1", "Step 2"): those are its text
        spans.append(tuple(sorted({(start, end) for start, end, _ in chosen + named})))
    return tuple(spans)


def _section_headers(page: str, lines, chosen, headings: Sequence[Heading]) -> list[tuple[int, int, str]]:
    """Lines at the page's top and foot, not in `chosen`, that only name headings in force
    there: the outermost line, and the one inside it when that one is furniture too."""
    taken = {start for start, _, _ in chosen}
    added = []
    for side in (lines[:2], lines[::-1][:2]):
        for start, end, key, _ in side:
            if start not in taken:
                if not _names_headings(page[start:end], _titles_in_force(headings, start)):
                    break
                taken.add(start)
                added.append((start, end, key))
    return added


def _titles_in_force(headings: Sequence[Heading], line_start: int) -> list[list[str]]:
    """Title words of the headings a running header at `line_start` may name: those in force
    from earlier pages, and those starting below the line on this page."""
    before = headings_in_force(headings, -1)  # opened on earlier pages (offsets below 0)
    below = [heading for heading in headings if heading.start > line_start]
    return [words for words in (title_words(h.title) for h in before + below) if words]


def _names_headings(line: str, titles: list[list[str]]) -> bool:
    """True when the line's words are titles ("CHAPTER 3. CHOOSING A DEBIAN… 3.1. WHICH DEBIAN
    DISTRIBUTION…"), whole or cut short where the line says so ("…"), with at most one other word."""
    if not titles or _SENTENCE_END.search(line.rstrip()):
        return False
    tokens = _HEADER_TOKEN.findall(line.lower().replace("\u2019", "'"))
    named = other = 0
    i = 0
    while i < len(tokens):
        if tokens[i] in _CUT_MARKS:
            i += 1
            continue
        longest = 0
        for title in titles:
            shared = 0
            while shared < len(title) and i + shared < len(tokens) and tokens[i + shared] == title[shared]:
                shared += 1
            cut_short = shared >= 2 and i + shared < len(tokens) and tokens[i + shared] in _CUT_MARKS
            if shared and (shared == len(title) or cut_short):
                longest = max(longest, shared)
        if longest:
            named += longest
            i += longest
        else:
            other += 1
            i += 1
    return named > 0 and other <= 1 and other < named


def _repeats(key: str, pages: set[int]) -> bool:
    if len(pages) < _MIN_PAGES or not any(ch.isalnum() or ch == "#" for ch in key):
        return False
    stretch = max(pages) - min(pages) + 1
    # A two-sided book heads its left pages with one line and its right pages with another
    # ("46 sean r. eddy", "hmmer user's guide 47"): such a line is measured on its side's pages,
    # or the pages opening a chapter (no header) leave it on just under half of them all.
    odd = sum(page % 2 for page in pages)
    if max(odd, len(pages) - odd) >= _ONE_SIDE_SHARE * len(pages):
        stretch = (stretch + 1) // 2
    return len(pages) >= _MIN_STRETCH_SHARE * stretch


def _edge_lines(page: str) -> list[tuple[int, int, str, bool]]:
    """(start, end, key, outermost) of the first and last few non-blank lines of a page."""
    lines = []
    offset = 0
    for line in page.split("\n"):
        if line.strip() and len(line.strip()) <= _MAX_LINE_CHARACTERS:
            start = offset + len(line) - len(line.lstrip())
            lines.append((start, offset + len(line.rstrip()), _key(line)))
        elif line.strip():
            lines.append(None)  # a long line still counts as a line: edges are about position
        offset += len(line) + 1
    picked: dict[int, tuple[int, int, str, bool]] = {}
    last = len(lines) - 1
    for n in list(range(min(_EDGE_LINES, len(lines)))) + list(range(max(0, len(lines) - _EDGE_LINES), len(lines))):
        if lines[n] is not None:
            start, end, key = lines[n]
            picked[n] = (start, end, key, n in (0, last))
    return [picked[n] for n in sorted(picked)]


def _key(line: str) -> str:
    """A line as it repeats from page to page: lower case, spaces folded, numbers (Arabic or Roman) as '#'."""
    folded = " ".join(line.lower().split())
    folded = _DIGITS.sub("#", folded)
    if _ROMAN.fullmatch(folded.replace(" ", "")) or len(folded) <= 8:
        return _ROMAN.sub("#", folded)
    return _EDGE_ROMAN.sub("#", folded)
